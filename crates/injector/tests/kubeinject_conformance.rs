//! `kube-inject` against Istio's golden injection cases, the way Istio's `TestInjection` runs
//! them (the dataset README's "Mode 1: kube-inject"): the whole input file through
//! [`inject_stream`], compared byte for byte with the golden after trimming and normalising
//! the status annotation's old `version` key; error cases must fail with the expected text
//! and `expectLog` cases must warn.
//!
//! Runs with the builtin renderer (cases with custom templates are skipped there) and with
//! the chart's templates. Cases on the floor (`kubeinject-conformance-floor.json`) must keep
//! passing; `UPDATE_CONFORMANCE=1` records today's passes.

mod support;

use injector::Mode;
use injector::kubeinject::inject_stream;
use istio_conformance::{Outcome, Verdict, first_difference, strip_version};
use std::path::Path;
use support::Rendering;

/// The floor of this file's suites (`builtin`, `templates`).
const FLOOR_FILE: &str = "tests/kubeinject-conformance-floor.json";

fn run_case(
    dir: &Path,
    case_dir: &Path,
    case: &serde_json::Value,
    rendering: Rendering,
) -> Verdict {
    if !support::runs_in(case, "kube-inject") {
        return Verdict::Skipped("webhook only".into());
    }
    if rendering == Rendering::Builtin && case.get("templates").is_some() {
        return Verdict::Skipped("custom templates need the template renderer".into());
    }
    let injector = match support::injector_for(dir, case, rendering, Mode::KubeInject) {
        Ok(injector) => injector,
        Err(e) => return Verdict::Failed(format!("settings: {e}")),
    };
    let input = match support::read(&case_dir.join("input.yaml")) {
        Ok(input) => input,
        Err(e) => return Verdict::Failed(e),
    };
    let result = inject_stream(&injector, &input);
    if let Some(expected) = case.get("expectError").and_then(|e| e.as_str()) {
        return match result {
            Err(e)
                if e.to_string()
                    .to_lowercase()
                    .contains(&expected.to_lowercase()) =>
            {
                Verdict::Passed
            }
            Err(e) => Verdict::Failed(format!("error {e:?} does not contain {expected:?}")),
            Ok(_) => Verdict::Failed(format!("succeeded, want an error with {expected:?}")),
        };
    }
    let output = match result {
        Ok(output) => output,
        Err(e) => return Verdict::Failed(format!("kube-inject failed: {e}")),
    };
    if let Some(log) = case.get("expectLog").and_then(|e| e.as_str())
        && !output.warnings.iter().any(|w| w.contains(log))
    {
        return Verdict::Failed(format!(
            "no warning contains {log:?}; warnings: {:?}",
            output.warnings
        ));
    }
    let want = match support::read(&case_dir.join("want.yaml")) {
        Ok(want) => want,
        Err(e) => return Verdict::Failed(e),
    };
    let want = strip_version(&want);
    let got = strip_version(&output.text);
    match first_difference(want.trim(), got.trim()) {
        None => Verdict::Passed,
        Some(difference) => Verdict::Failed(difference),
    }
}

fn conformance(rendering: Rendering, suite: &str) {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let cases = match support::case_dirs(&dir) {
        Ok(cases) => cases,
        Err(e) => panic!("cannot read the conformance cases: {e}"),
    };
    let mut outcomes = Vec::new();
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for (case_dir, case) in &cases {
        let name = case
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        let verdict = run_case(&dir, case_dir, case, rendering);
        match &verdict {
            Verdict::Passed => passed += 1,
            Verdict::Failed(why) => failed.push((name.clone(), why.clone())),
            Verdict::Skipped(why) => skipped.push((name.clone(), why.clone())),
        }
        outcomes.push(Outcome {
            case: name,
            verdict,
            idempotency: None,
        });
    }
    println!(
        "kube-inject ({rendering:?}): {} passed, {} failed, {} skipped",
        passed,
        failed.len(),
        skipped.len()
    );
    for (name, why) in &failed {
        println!("  FAILED {name}: {why}");
    }
    for (name, why) in &skipped {
        println!("  skipped {name}: {why}");
    }

    if let Err(regressions) =
        istio_conformance::floor::enforce(&support::floor(FLOOR_FILE), suite, &outcomes)
    {
        panic!("{regressions}");
    }
}

#[test]
fn kube_inject_conformance_builtin() {
    conformance(Rendering::Builtin, "builtin");
}

#[test]
fn kube_inject_conformance_templates() {
    conformance(Rendering::IstioTemplates, "templates");
}

/// The chart's templates as a cluster's ConfigMap holds them, the stock ones recognised.
#[test]
fn kube_inject_conformance_stock_recognized() {
    conformance(Rendering::StockRecognized, "recognized");
}

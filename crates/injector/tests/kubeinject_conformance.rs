//! `kube-inject` against Istio's golden injection cases, the way Istio's `TestInjection` runs
//! them (the dataset README's "Mode 1: kube-inject"): the whole input file through
//! [`inject_stream`], compared byte for byte with the golden after trimming and normalising
//! the status annotation's old `version` key; error cases must fail with the expected text
//! and `expectLog` cases must warn.
//!
//! Runs with the builtin renderer (cases with custom templates are skipped there) and with
//! the chart's templates. Cases listed in `kubeinject_conformance_passing.txt` /
//! `kubeinject_template_conformance_passing.txt` must keep passing; `UPDATE_CONFORMANCE=1`
//! rewrites the lists with today's passes.

mod support;

use injector::Mode;
use injector::kubeinject::inject_stream;
use std::collections::BTreeSet;
use std::path::Path;
use support::Rendering;

const PASSING_FILE: &str = "tests/kubeinject_conformance_passing.txt";
const TEMPLATE_PASSING_FILE: &str = "tests/kubeinject_template_conformance_passing.txt";

/// Istio's `StripVersion`: the status annotation's `version` (older goldens) is blanked.
fn strip_version(text: &str) -> String {
    const MARK: &str = r#"sidecar.istio.io/status: '{"version":""#;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let (head, tail) = rest.split_at(at + MARK.len());
        out.push_str(head);
        let hex = tail.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        rest = tail.get(hex..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The first differing line, for the report.
fn first_difference(want: &str, got: &str) -> String {
    let mut want_lines = want.lines();
    let mut got_lines = got.lines();
    let mut line = 1;
    loop {
        match (want_lines.next(), got_lines.next()) {
            (Some(w), Some(g)) if w == g => line += 1,
            (None, None) => return "identical lines, different bytes".into(),
            (w, g) => {
                return format!(
                    "line {line}: want {:?} got {:?}",
                    w.unwrap_or("(end)"),
                    g.unwrap_or("(end)")
                );
            }
        }
    }
}

enum Outcome {
    Passed,
    Failed(String),
    Skipped(&'static str),
}

fn run_case(
    dir: &Path,
    case_dir: &Path,
    case: &serde_json::Value,
    rendering: Rendering,
) -> Outcome {
    if !support::runs_in(case, "kube-inject") {
        return Outcome::Skipped("webhook only");
    }
    if rendering == Rendering::Builtin && case.get("templates").is_some() {
        return Outcome::Skipped("custom templates need the template renderer");
    }
    let injector = match support::injector_for(dir, case, rendering, Mode::KubeInject) {
        Ok(injector) => injector,
        Err(e) => return Outcome::Failed(format!("settings: {e}")),
    };
    let input = match support::read(&case_dir.join("input.yaml")) {
        Ok(input) => input,
        Err(e) => return Outcome::Failed(e),
    };
    let result = inject_stream(&injector, &input);
    if let Some(expected) = case.get("expectError").and_then(|e| e.as_str()) {
        return match result {
            Err(e)
                if e.to_string()
                    .to_lowercase()
                    .contains(&expected.to_lowercase()) =>
            {
                Outcome::Passed
            }
            Err(e) => Outcome::Failed(format!("error {e:?} does not contain {expected:?}")),
            Ok(_) => Outcome::Failed(format!("succeeded, want an error with {expected:?}")),
        };
    }
    let output = match result {
        Ok(output) => output,
        Err(e) => return Outcome::Failed(format!("kube-inject failed: {e}")),
    };
    if let Some(log) = case.get("expectLog").and_then(|e| e.as_str())
        && !output.warnings.iter().any(|w| w.contains(log))
    {
        return Outcome::Failed(format!(
            "no warning contains {log:?}; warnings: {:?}",
            output.warnings
        ));
    }
    let want = match support::read(&case_dir.join("want.yaml")) {
        Ok(want) => want,
        Err(e) => return Outcome::Failed(e),
    };
    let want = strip_version(&want);
    let got = strip_version(&output.text);
    if want.trim() == got.trim() {
        Outcome::Passed
    } else {
        Outcome::Failed(first_difference(want.trim(), got.trim()))
    }
}

fn conformance(rendering: Rendering, passing_file: &str) {
    let Some(dir) = support::conformance_dir() else {
        return;
    };
    let cases = match support::case_dirs(&dir) {
        Ok(cases) => cases,
        Err(e) => panic!("cannot read the conformance cases: {e}"),
    };
    let mut passed = BTreeSet::new();
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for (case_dir, case) in &cases {
        let name = case
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        match run_case(&dir, case_dir, case, rendering) {
            Outcome::Passed => {
                passed.insert(name);
            }
            Outcome::Failed(why) => failed.push((name, why)),
            Outcome::Skipped(why) => skipped.push((name, why)),
        }
    }
    println!(
        "kube-inject ({rendering:?}): {} passed, {} failed, {} skipped",
        passed.len(),
        failed.len(),
        skipped.len()
    );
    for (name, why) in &failed {
        println!("  FAILED {name}: {why}");
    }
    for (name, why) in &skipped {
        println!("  skipped {name}: {why}");
    }

    let expected = support::expected_passing(passing_file);
    support::check_passing_list(
        passing_file,
        &format!(
            "kube-inject conformance cases that pass ({rendering:?}, tests/kubeinject_conformance.rs)."
        ),
        "kube-inject conformance cases",
        &expected,
        &passed,
    );
}

#[test]
fn kube_inject_conformance_builtin() {
    conformance(Rendering::Builtin, PASSING_FILE);
}

#[test]
fn kube_inject_conformance_templates() {
    conformance(Rendering::IstioTemplates, TEMPLATE_PASSING_FILE);
}

#[test]
fn status_version_is_stripped() {
    assert_eq!(
        strip_version(r#"  sidecar.istio.io/status: '{"version":"0a1b2c","initContainers":null}'"#),
        r#"  sidecar.istio.io/status: '{"version":"","initContainers":null}'"#
    );
    assert_eq!(strip_version("no annotation"), "no annotation");
}

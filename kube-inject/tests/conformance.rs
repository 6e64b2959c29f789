//! Istio's golden cases in Mode 1 ("kube-inject", see the data set's README), run through the
//! built binary the way a user runs istioctl: the case's values, mesh and injector config
//! written to files and passed as `--valuesFile`, `--meshConfigFile`, `--injectConfigFile`,
//! `ENABLE_NATIVE_SIDECARS` and `COMPLIANCE_POLICY` from the case, the output compared byte
//! for byte with `want.yaml`.
//!
//! Three renderers: `templates` (the chart's injector config as `--injectConfigFile`, every
//! template through the Go-template engine: `--stock-templates engine`), `recognized` (the same
//! file as users pass it, the chart's own templates recognised and rendered natively) and
//! `builtin` (no `--injectConfigFile`; cases with custom templates are skipped). The run
//! fails only when a case recorded in `kube-inject/conformance-floor.json` stops passing;
//! `UPDATE_CONFORMANCE=1` records the current passes.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use istio_conformance::{
    Base, Case, Dataset, Outcome, Verdict, deep_merge, first_difference, floor, strip_version,
};
use serde_json::{Map, Value};

const RENDERERS: [&str; 3] = ["builtin", "templates", "recognized"];

fn floor_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance-floor.json")
}

#[test]
fn istio_golden_cases_through_the_binary() {
    let Some(root) = istio_conformance::locate_or_skip() else {
        return;
    };
    let dataset = Dataset::load(&root).expect("the data set loads");
    let work = tempfile::tempdir().unwrap();

    let mut results: BTreeMap<&str, Vec<Outcome>> = BTreeMap::new();
    for renderer in RENDERERS {
        let outcomes = dataset
            .cases
            .iter()
            .enumerate()
            .map(|(index, case)| {
                let dir = work.path().join(format!("{renderer}-{index}"));
                let input = dataset.case_dir(&case.name).join("input.yaml");
                Outcome {
                    case: case.name.clone(),
                    verdict: run_case(&dataset.base, case, &input, renderer, &dir),
                    idempotency: None,
                }
            })
            .chain(dataset.broken.iter().map(|(name, error)| Outcome {
                case: name.clone(),
                verdict: Verdict::Failed(error.clone()),
                idempotency: None,
            }))
            .collect();
        results.insert(renderer, outcomes);
    }

    let mut totals = [0usize; 3];
    for (renderer, outcomes) in &results {
        let count = |f: fn(&Verdict) -> bool| outcomes.iter().filter(|o| f(&o.verdict)).count();
        let counts = [
            count(Verdict::passed),
            count(|v| matches!(v, Verdict::Failed(_))),
            count(|v| matches!(v, Verdict::Skipped(_))),
        ];
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n;
        }
        println!(
            "  {renderer}: {} passed, {} failed, {} skipped",
            counts[0], counts[1], counts[2]
        );
        for outcome in outcomes {
            match &outcome.verdict {
                Verdict::Failed(why) => println!("    FAIL {}: {why}", outcome.case),
                Verdict::Skipped(why) => println!("    skip {}: {why}", outcome.case),
                Verdict::Passed => {}
            }
        }
    }
    println!(
        "conformance(kube-inject): {} passed, {} failed, {} skipped",
        totals[0], totals[1], totals[2]
    );

    let regressions: Vec<String> = results
        .iter()
        .filter_map(|(renderer, outcomes)| floor::enforce(&floor_path(), renderer, outcomes).err())
        .collect();
    assert!(regressions.is_empty(), "{}", regressions.join("\n"));
}

fn run_case(base: &Base, case: &Case, input: &Path, renderer: &str, dir: &Path) -> Verdict {
    if !case.spec.modes.iter().any(|m| m == "kube-inject") {
        return Verdict::Skipped("webhook-only case".into());
    }
    if let Some(platform) = &case.spec.platform {
        return Verdict::Skipped(format!("platform {platform}: istiod-only setting"));
    }
    if renderer == "builtin" && !case.spec.templates.is_empty() {
        let names: Vec<_> = case.spec.templates.keys().cloned().collect();
        return Verdict::Skipped(format!(
            "custom template {}: needs --injectConfigFile",
            names.join(", ")
        ));
    }
    std::fs::create_dir_all(dir).unwrap();

    let mut values = base.values.clone();
    if let Some(overlay) = &case.spec.values {
        deep_merge(&mut values, overlay);
    }
    let values_file = dir.join("inject-values.json");
    std::fs::write(&values_file, serde_json::to_string_pretty(&values).unwrap()).unwrap();

    let mut mesh = base.mesh.clone();
    if let Some(overlay) = &case.spec.mesh {
        deep_merge(&mut mesh, overlay);
    }
    let mesh_file = dir.join("mesh-config.yaml");
    std::fs::write(&mesh_file, serde_yaml_ng::to_string(&mesh).unwrap()).unwrap();

    let input = input.display().to_string();
    let values_arg = values_file.display().to_string();
    let mesh_arg = mesh_file.display().to_string();
    let mut args = vec![
        "-f",
        input.as_str(),
        "--valuesFile",
        values_arg.as_str(),
        "--meshConfigFile",
        mesh_arg.as_str(),
    ];
    let config_arg;
    if renderer != "builtin" {
        let config_file = dir.join("inject-config.yaml");
        let text = match injector_config(base, case) {
            Ok(text) => text,
            Err(e) => return Verdict::Failed(e),
        };
        std::fs::write(&config_file, text).unwrap();
        config_arg = config_file.display().to_string();
        args.extend(["--injectConfigFile", config_arg.as_str()]);
    }
    if renderer == "templates" {
        args.extend(["--stock-templates", "engine"]);
    }

    let mut env = Vec::new();
    let native = match case.spec.native_sidecars {
        Some(true) => "true",
        Some(false) | None => "false",
    };
    env.push(("ENABLE_NATIVE_SIDECARS", native));
    if let Some(policy) = &case.spec.compliance_policy {
        env.push(("COMPLIANCE_POLICY", policy.as_str()));
    }

    let result = support::run(&args, "", &env);
    judge(case, &result)
}

fn judge(case: &Case, result: &support::Run) -> Verdict {
    if let Some(expected) = &case.spec.expect_error {
        return if result.ok() {
            Verdict::Failed(format!(
                "expected an error containing {expected:?}, got success"
            ))
        } else if result
            .stderr
            .to_lowercase()
            .contains(&expected.to_lowercase())
        {
            Verdict::Passed
        } else {
            Verdict::Failed(format!(
                "expected an error containing {expected:?}, got: {}",
                result.stderr.trim()
            ))
        };
    }
    if !result.ok() {
        return Verdict::Failed(format!("exit {:?}: {}", result.code, result.stderr.trim()));
    }
    if let Some(log) = &case.spec.expect_log
        && !result.stderr.contains(log.as_str())
    {
        return Verdict::Failed(format!("no warning containing {log:?}"));
    }
    let Some(want) = &case.want else {
        return Verdict::Failed("want.yaml missing".into());
    };
    let got = strip_version(&result.stdout);
    match first_difference(want.trim(), got.trim()) {
        None => Verdict::Passed,
        Some(difference) => Verdict::Failed(difference),
    }
}

/// `base/injector-config.yaml`, with the case's templates added (then re-written as YAML).
fn injector_config(base: &Base, case: &Case) -> Result<String, String> {
    if case.spec.templates.is_empty() {
        return Ok(base.injector_config.clone());
    }
    let mut config: Value = serde_yaml_ng::from_str(&base.injector_config)
        .map_err(|e| format!("base/injector-config.yaml: {e}"))?;
    let templates = config
        .as_object_mut()
        .ok_or("base/injector-config.yaml is not a mapping")?
        .entry("templates")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("base/injector-config.yaml: templates is not a mapping")?;
    for (name, text) in &case.spec.templates {
        templates.insert(name.clone(), Value::String(text.clone()));
    }
    serde_yaml_ng::to_string(&config).map_err(|e| e.to_string())
}

//! Istio's golden cases in Mode 1 ("kube-inject", see the data set's README), run through the
//! built binary the way a user runs istioctl: the case's values, mesh and injector config
//! written to files and passed as `--valuesFile`, `--meshConfigFile`, `--injectConfigFile`,
//! `ENABLE_NATIVE_SIDECARS` and `COMPLIANCE_POLICY` from the case, the output compared byte
//! for byte with `want.yaml`.
//!
//! Two renderers: `templates` (the chart's injector config as `--injectConfigFile`) and
//! `builtin` (no `--injectConfigFile`; cases with custom templates are skipped). The run
//! fails only when a case recorded in `kube-inject/conformance-floor.json` stops passing;
//! `KUBE_INJECT_UPDATE_FLOOR=1` records the current passes.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const RENDERERS: [&str; 2] = ["builtin", "templates"];
const UPDATE_FLOOR_ENV: &str = "KUBE_INJECT_UPDATE_FLOOR";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CaseSpec {
    modes: Vec<String>,
    values: Option<Value>,
    mesh: Option<Value>,
    templates: BTreeMap<String, String>,
    native_sidecars: Option<bool>,
    compliance_policy: Option<String>,
    platform: Option<String>,
    expect_error: Option<String>,
    expect_log: Option<String>,
}

struct Case {
    name: String,
    dir: PathBuf,
    spec: CaseSpec,
    want: Option<String>,
}

struct Base {
    values: Value,
    mesh: Value,
    injector_config: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Pass,
    Fail(String),
    Skip(String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RendererFloor {
    passed: usize,
    cases: BTreeSet<String>,
}

fn floor_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance-floor.json")
}

#[test]
fn istio_golden_cases_through_the_binary() {
    let Some(root) = support::conformance_dir() else {
        return;
    };
    let base = load_base(&root);
    let (cases, broken) = load_cases(&root);
    let work = tempfile::tempdir().unwrap();

    let mut results: BTreeMap<&str, Vec<(String, Verdict)>> = BTreeMap::new();
    for renderer in RENDERERS {
        let verdicts = cases
            .iter()
            .enumerate()
            .map(|(index, case)| {
                let dir = work.path().join(format!("{renderer}-{index}"));
                (case.name.clone(), run_case(&base, case, renderer, &dir))
            })
            .chain(
                broken
                    .iter()
                    .map(|(name, error)| (name.clone(), Verdict::Fail(error.clone()))),
            )
            .collect();
        results.insert(renderer, verdicts);
    }

    let mut totals = [0usize; 3];
    for (renderer, verdicts) in &results {
        let count = |f: fn(&Verdict) -> bool| verdicts.iter().filter(|(_, v)| f(v)).count();
        let counts = [
            count(|v| *v == Verdict::Pass),
            count(|v| matches!(v, Verdict::Fail(_))),
            count(|v| matches!(v, Verdict::Skip(_))),
        ];
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n;
        }
        println!(
            "  {renderer}: {} passed, {} failed, {} skipped",
            counts[0], counts[1], counts[2]
        );
        for (name, verdict) in verdicts {
            match verdict {
                Verdict::Fail(why) => println!("    FAIL {name}: {why}"),
                Verdict::Skip(why) => println!("    skip {name}: {why}"),
                Verdict::Pass => {}
            }
        }
    }
    println!(
        "conformance(kube-inject): {} passed, {} failed, {} skipped",
        totals[0], totals[1], totals[2]
    );

    let current: BTreeMap<String, RendererFloor> = results
        .iter()
        .map(|(renderer, verdicts)| {
            let cases: BTreeSet<String> = verdicts
                .iter()
                .filter(|(_, v)| *v == Verdict::Pass)
                .map(|(name, _)| name.clone())
                .collect();
            (
                renderer.to_string(),
                RendererFloor {
                    passed: cases.len(),
                    cases,
                },
            )
        })
        .collect();
    if std::env::var_os(UPDATE_FLOOR_ENV).is_some_and(|v| v == "1") {
        let mut text = serde_json::to_string_pretty(&current).unwrap();
        text.push('\n');
        std::fs::write(floor_path(), text).unwrap();
        println!("recorded {}", floor_path().display());
        return;
    }

    let floor: BTreeMap<String, RendererFloor> = match std::fs::read_to_string(floor_path()) {
        Ok(text) => serde_json::from_str(&text).expect("the floor file is valid JSON"),
        Err(_) => BTreeMap::new(),
    };
    let mut regressions = Vec::new();
    for (renderer, entry) in &floor {
        assert_eq!(
            entry.passed,
            entry.cases.len(),
            "{renderer}.passed does not count its cases"
        );
        let now = results.get(renderer.as_str());
        for name in &entry.cases {
            let verdict = now
                .and_then(|verdicts| verdicts.iter().find(|(n, _)| n == name))
                .map(|(_, v)| v.clone());
            match verdict {
                Some(Verdict::Pass) => {}
                // A case kept aside from this copy of the data set is not a regression.
                None => {}
                Some(other) => regressions.push(format!("{renderer} {name}: {other:?}")),
            }
        }
    }
    assert!(
        regressions.is_empty(),
        "cases on the floor no longer pass:\n{}",
        regressions.join("\n")
    );
}

fn run_case(base: &Base, case: &Case, renderer: &str, dir: &Path) -> Verdict {
    if !case.spec.modes.iter().any(|m| m == "kube-inject") {
        return Verdict::Skip("webhook-only case".into());
    }
    if let Some(platform) = &case.spec.platform {
        return Verdict::Skip(format!("platform {platform}: istiod-only setting"));
    }
    if renderer == "builtin" && !case.spec.templates.is_empty() {
        let names: Vec<_> = case.spec.templates.keys().cloned().collect();
        return Verdict::Skip(format!(
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

    let input = case.dir.join("input.yaml").display().to_string();
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
    if renderer == "templates" {
        let config_file = dir.join("inject-config.yaml");
        let text = match injector_config(base, case) {
            Ok(text) => text,
            Err(e) => return Verdict::Fail(e),
        };
        std::fs::write(&config_file, text).unwrap();
        config_arg = config_file.display().to_string();
        args.extend(["--injectConfigFile", config_arg.as_str()]);
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
            Verdict::Fail(format!(
                "expected an error containing {expected:?}, got success"
            ))
        } else if result
            .stderr
            .to_lowercase()
            .contains(&expected.to_lowercase())
        {
            Verdict::Pass
        } else {
            Verdict::Fail(format!(
                "expected an error containing {expected:?}, got: {}",
                result.stderr.trim()
            ))
        };
    }
    if !result.ok() {
        return Verdict::Fail(format!("exit {:?}: {}", result.code, result.stderr.trim()));
    }
    if let Some(log) = &case.spec.expect_log
        && !result.stderr.contains(log.as_str())
    {
        return Verdict::Fail(format!("no warning containing {log:?}"));
    }
    let Some(want) = &case.want else {
        return Verdict::Fail("want.yaml missing".into());
    };
    let got = strip_version(&result.stdout);
    match first_difference(want.trim(), got.trim()) {
        None => Verdict::Pass,
        Some(difference) => Verdict::Fail(difference),
    }
}

/// The README's normalisation: `sidecar.istio.io/status: '{"version":"<hex>",` loses its hex.
fn strip_version(text: &str) -> String {
    const PREFIX: &str = "sidecar.istio.io/status: '{\"version\":\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        let after = at + PREFIX.len();
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let hex_len = tail
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(tail.len());
        if tail[hex_len..].starts_with("\",") {
            rest = &tail[hex_len..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn first_difference(want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let mut want_lines = want.lines();
    let mut got_lines = got.lines();
    let mut line = 1;
    loop {
        match (want_lines.next(), got_lines.next()) {
            (Some(w), Some(g)) if w == g => line += 1,
            (w, g) => {
                return Some(format!(
                    "line {line}: want {:?}, got {:?}",
                    w.unwrap_or("<end>"),
                    g.unwrap_or("<end>")
                ));
            }
        }
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

/// The data set's overlay rule: maps merge key by key, anything else replaces.
fn deep_merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(slot) => deep_merge(slot, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

fn load_base(root: &Path) -> Base {
    let read = |name: &str| std::fs::read_to_string(root.join("base").join(name)).unwrap();
    Base {
        values: serde_json::from_str(&read("values.json")).unwrap(),
        mesh: serde_yaml_ng::from_str(&read("mesh.yaml")).unwrap(),
        injector_config: read("injector-config.yaml"),
    }
}

/// Every case directory, sorted; those that cannot be read are returned as (name, error).
fn load_cases(root: &Path) -> (Vec<Case>, Vec<(String, String)>) {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    let mut broken = Vec::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spec = std::fs::read_to_string(dir.join("case.yaml"))
            .map_err(|e| e.to_string())
            .and_then(|text| serde_yaml_ng::from_str::<CaseSpec>(&text).map_err(|e| e.to_string()));
        match spec {
            Ok(spec) => {
                let want = std::fs::read_to_string(dir.join("want.yaml")).ok();
                cases.push(Case {
                    name,
                    dir,
                    spec,
                    want,
                });
            }
            Err(error) => broken.push((name, format!("case.yaml: {error}"))),
        }
    }
    (cases, broken)
}

#[test]
fn the_status_version_is_blanked_and_nothing_else() {
    let text = "a\n    sidecar.istio.io/status: '{\"version\":\"0af3\",\"containers\":[]}'\nb\n";
    assert_eq!(
        strip_version(text),
        "a\n    sidecar.istio.io/status: '{\"version\":\"\",\"containers\":[]}'\nb\n"
    );
    let current = "sidecar.istio.io/status: '{\"initContainers\":null}'";
    assert_eq!(strip_version(current), current);
}

//! The whole pipeline (builtin renderer) against Istio's golden injection cases, the way
//! Istio's webhook test runs them (the dataset README's "Mode 2: webhook").
//!
//! The dataset lives in `../shared/istio-conformance` next to the workspace (or
//! `$ISTIO_CONFORMANCE_DIR`); without it the tests print why and pass.
//!
//! Every webhook case whose settings the builtin renderer can take (everything except custom
//! templates) is injected and compared with its golden as typed pods. Cases on the floor
//! (`pipeline-conformance-floor.json`) must keep passing; the others are reported with their
//! first differences. `UPDATE_CONFORMANCE=1` records today's passes.

mod support;

use injector::k8s::{self, NormalizeOptions};
use injector::{InjectError, Injector, Mode, PodContext};
use istio_conformance::{Outcome, Verdict, injectable_objects};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::Path;
use support::{Rendering, injector_for, read, yaml};

/// The floor of this file's suites (`native`, `template`).
const FLOOR_FILE: &str = "tests/pipeline-conformance-floor.json";

/// One case, ready to run.
struct Case {
    name: String,
    default_settings: bool,
    injector: Injector,
    namespace_annotations: Option<Map<String, Value>>,
    /// (input document namespace, input pod, golden pod)
    pods: Vec<(String, Value, Value)>,
}

fn load_cases(dir: &Path, rendering: Rendering) -> Result<Vec<Case>, String> {
    let names = istio_conformance::case_dirs(dir);
    let mut cases = Vec::new();
    for case_dir in names {
        let case = yaml(&read(&case_dir.join("case.yaml"))?)?;
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let webhook = case
            .get("modes")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|m| m == "webhook"));
        let custom_templates = case.get("templates").is_some();
        if !webhook
            || case.get("expectError").is_some()
            || (custom_templates && rendering == Rendering::Builtin)
        {
            continue;
        }
        let injector = injector_for(dir, &case, rendering, Mode::Webhook)
            .map_err(|e| format!("{name}: {e}"))?;
        let namespace_annotations = case
            .pointer("/cluster/namespaces/0/annotations")
            .and_then(Value::as_object)
            .cloned();
        let inputs = injectable_objects(&read(&case_dir.join("input.yaml"))?)?;
        let wants = injectable_objects(&read(&case_dir.join("want.yaml"))?)?;
        if inputs.len() != wants.len() {
            return Err(format!(
                "{name}: {} input objects but {} golden objects",
                inputs.len(),
                wants.len()
            ));
        }
        let pods = inputs
            .into_iter()
            .zip(wants)
            .map(|(input, want)| Ok((input.namespace.clone(), input.to_pod()?, want.to_pod()?)))
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{name}: {e}"))?;
        cases.push(Case {
            default_settings: case.get("settingsKind").and_then(Value::as_str) == Some("default"),
            name,
            injector,
            namespace_annotations,
            pods,
        });
    }
    Ok(cases)
}

/// What the webhook answers for one pod: the injected pod, or the pod itself when skipped.
fn webhook(case: &Case, namespace: &str, pod: &Value) -> Result<Value, InjectError> {
    let decision = case.injector.inject_required(pod, namespace);
    if let Some(error) = decision.invalid_pod() {
        return Err(error);
    }
    if !decision.inject {
        return Ok(pod.clone());
    }
    let ctx = PodContext {
        namespace,
        namespace_annotations: case.namespace_annotations.as_ref(),
    };
    case.injector.inject(pod, &ctx).map(|injected| injected.pod)
}

/// The comparison form: Go-typed JSON without the status annotation and fieldRef.apiVersion.
fn comparable(pod: &Value) -> Result<Value, String> {
    // Go's JSON of the typed pod: unknown fields dropped, zero structs (`resources: {}`) written.
    let mut pod = k8s::normalize_pod(pod, &NormalizeOptions::go()).map_err(|e| e.to_string())?;
    if let Some(annotations) = pod
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        annotations.remove("sidecar.istio.io/status");
        if annotations.is_empty()
            && let Some(metadata) = pod.pointer_mut("/metadata").and_then(Value::as_object_mut)
        {
            metadata.remove("annotations");
        }
    }
    if let Some(containers) = pod
        .pointer_mut("/spec/containers")
        .and_then(Value::as_array_mut)
    {
        for env in containers
            .iter_mut()
            .filter_map(|c| c.get_mut("env").and_then(Value::as_array_mut))
        {
            for field_ref in env.iter_mut().filter_map(|e| {
                e.pointer_mut("/valueFrom/fieldRef")
                    .and_then(Value::as_object_mut)
            }) {
                field_ref.remove("apiVersion");
            }
        }
    }
    Ok(pod)
}

/// The first few differing JSON paths between two values.
fn differences(want: &Value, got: &Value, path: &str, out: &mut Vec<String>) {
    if out.len() >= 4 || want == got {
        return;
    }
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            let keys: BTreeSet<&String> = w.keys().chain(g.keys()).collect();
            for key in keys {
                let sub = format!("{path}/{key}");
                match (w.get(key), g.get(key)) {
                    (Some(a), Some(b)) => differences(a, b, &sub, out),
                    (a, b) => out.push(format!("{sub}: want {} got {}", short(a), short(b))),
                }
            }
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                differences(a, b, &format!("{path}/{i}"), out);
            }
        }
        _ => out.push(format!(
            "{path}: want {} got {}",
            short(Some(want)),
            short(Some(got))
        )),
    }
}

fn short(value: Option<&Value>) -> String {
    let text = value.map_or_else(|| "(absent)".to_string(), Value::to_string);
    if text.len() > 160 {
        format!("{}…", text.chars().take(160).collect::<String>())
    } else {
        text
    }
}

/// Runs one case; `Err` holds why it fails.
fn run_case(case: &Case) -> Result<(), String> {
    if case.pods.is_empty() {
        return Err("no injectable object in the input".into());
    }
    for (i, (namespace, input, want)) in case.pods.iter().enumerate() {
        let got = webhook(case, namespace, input)
            .map_err(|e| format!("pod {i}: injection failed: {e}"))?;
        let want = comparable(want).map_err(|e| format!("pod {i}: golden does not decode: {e}"))?;
        let got = comparable(&got).map_err(|e| format!("pod {i}: result does not decode: {e}"))?;
        if want != got {
            let mut out = Vec::new();
            differences(&want, &got, "", &mut out);
            return Err(format!("pod {i}: {}", out.join("; ")));
        }
    }
    Ok(())
}

/// Runs every case, prints `<label> conformance: P passed, F failed` (default settings, then
/// the others), and fails when a case on the `label` floor no longer passes.
fn conformance(rendering: Rendering, label: &str) {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let cases = match load_cases(&dir, rendering) {
        Ok(cases) => cases,
        Err(e) => panic!("cannot load the conformance cases: {e}"),
    };
    let mut outcomes = Vec::new();
    for default_settings in [true, false] {
        let mut failed = Vec::new();
        let mut ok = Vec::new();
        for case in cases
            .iter()
            .filter(|c| c.default_settings == default_settings)
        {
            let verdict = match run_case(case) {
                Ok(()) => {
                    ok.push(case.name.clone());
                    Verdict::Passed
                }
                Err(why) => {
                    failed.push((case.name.clone(), why.clone()));
                    Verdict::Failed(why)
                }
            };
            outcomes.push(Outcome {
                case: case.name.clone(),
                verdict,
                idempotency: None,
            });
        }
        let settings = if default_settings {
            ""
        } else {
            " (custom settings)"
        };
        let failed_names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
        println!(
            "{label} conformance{settings}: {} passed, {} failed {failed_names:?}",
            ok.len(),
            failed.len()
        );
        println!("  passed: {}", ok.join(" "));
        for (name, why) in &failed {
            println!("  FAILED {name}: {why}");
        }
    }

    if let Err(regressions) =
        istio_conformance::floor::enforce(&support::floor(FLOOR_FILE), label, &outcomes)
    {
        panic!("{regressions}");
    }
}

/// The builtin renderer through the whole pipeline.
#[test]
fn native_conformance() {
    conformance(Rendering::Builtin, "native");
}

/// The chart's own templates, rendered by the Go-template engine, through the whole pipeline.
#[test]
fn template_conformance() {
    conformance(Rendering::IstioTemplates, "template");
}

/// The chart's templates as a cluster's ConfigMap holds them: the stock ones recognised and
/// rendered by the builtin renderer, a case's custom ones by the Go-template engine.
#[test]
fn recognized_conformance() {
    conformance(Rendering::StockRecognized, "recognized");
}

/// Injecting an injected pod again changes nothing (the project's rule). Istio strips its
/// previous injection first; where its second pass still differs from its first, the pipeline
/// deviates on re-injection only: the user overrides stored in `proxy.istio.io/overrides` are
/// applied again (Istio renders those containers afresh, so e.g. `proxy-override`'s
/// `runAsUser: 1234` would turn back into 1337), and an `istio-proxy` a custom template put in
/// `containers` next to the native sidecar stays there (Istio moves it into `initContainers`,
/// where it replaces the sidecar: `sidecar-spire`).
///
/// One kind of pod is held to a weaker rule: an input that was already injected before it was
/// edited (`merge-probers`: a regular sidecar, then a container added, then sent with native
/// sidecars on). Its first pass is itself a re-injection in which Istio takes its own previous
/// sidecar for a user override, so its golden keeps stale values (`ISTIO_META_APP_CONTAINERS:
/// hello,world` without the new container). The next pass refreshes them; from then on the pod
/// must not change.
fn reinjection(rendering: Rendering, label: &str) {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let cases = match load_cases(&dir, rendering) {
        Ok(cases) => cases,
        Err(e) => panic!("cannot load the conformance cases: {e}"),
    };
    let expected = support::floor_cases(FLOOR_FILE, label);
    let mut failures = Vec::new();
    let mut refreshed = Vec::new();
    let mut with_overrides = Vec::new();
    let mut checked = 0;
    let annotated = |pod: &Value, key: &str| {
        pod.pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .is_some()
    };
    for case in cases.iter().filter(|c| expected.contains(&c.name)) {
        for (i, (namespace, input, _)) in case.pods.iter().enumerate() {
            let label = format!("{}[{i}]", case.name);
            let Ok(once) = webhook(case, namespace, input) else {
                continue;
            };
            checked += 1;
            if annotated(&once, "proxy.istio.io/overrides") {
                with_overrides.push(label.clone());
            }
            let twice = match webhook(case, namespace, &once) {
                Ok(twice) => twice,
                Err(e) => {
                    failures.push(format!("{label}: re-injection failed: {e}"));
                    continue;
                }
            };
            let (before, after) = if annotated(input, "sidecar.istio.io/status") && twice != once {
                refreshed.push(label.clone());
                match webhook(case, namespace, &twice) {
                    Ok(thrice) => (twice, thrice),
                    Err(e) => {
                        failures.push(format!("{label}: third injection failed: {e}"));
                        continue;
                    }
                }
            } else {
                (once, twice)
            };
            if before != after {
                let mut out = Vec::new();
                differences(&before, &after, "", &mut out);
                failures.push(format!("{label}: {}", out.join("; ")));
            }
        }
    }
    println!(
        "re-injection: {checked} pods checked, {} changed; with stored overrides: {}; \
         refreshed once (injected before they were sent): {}",
        failures.len(),
        with_overrides.join(" "),
        refreshed.join(" ")
    );
    assert!(checked > 0 || expected.is_empty(), "no pod was re-injected");
    assert!(
        failures.is_empty(),
        "re-injection changed pods:\n{}",
        failures.join("\n")
    );
}

#[test]
fn reinjection_is_idempotent() {
    reinjection(Rendering::Builtin, "native");
}

/// Custom templates too (`sidecar-spire`, `custom-template`, `multiple-templates` …).
#[test]
fn reinjection_is_idempotent_with_istio_templates() {
    reinjection(Rendering::IstioTemplates, "template");
}

#[test]
fn reinjection_is_idempotent_with_stock_templates_recognized() {
    reinjection(Rendering::StockRecognized, "recognized");
}

/// The pods whose first injection merged the user's own containers, which Istio's second
/// pass would undo, are held to the rule: Istio's conformance cases for overrides are among
/// them.
#[test]
fn reinjection_keeps_user_overrides_unlike_istio() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let cases = match load_cases(&dir, Rendering::Builtin) {
        Ok(cases) => cases,
        Err(e) => panic!("cannot load the conformance cases: {e}"),
    };
    let mut seen = BTreeSet::new();
    for case in &cases {
        for (namespace, input, _) in &case.pods {
            let Ok(once) = webhook(case, namespace, input) else {
                continue;
            };
            let runs_as = |pod: &Value| {
                pod.pointer("/spec/initContainers")
                    .and_then(Value::as_array)
                    .and_then(|list| list.iter().find(|c| c["name"] == "istio-proxy"))
                    .and_then(|c| c.pointer("/securityContext/runAsUser"))
                    .cloned()
            };
            if once
                .pointer("/metadata/annotations/proxy.istio.io~1overrides")
                .and_then(Value::as_str)
                .is_some_and(|stored| stored.contains(r#""runAsUser":1234"#))
            {
                let Ok(twice) = webhook(case, namespace, &once) else {
                    panic!("{}: re-injection failed", case.name)
                };
                // TPROXY forces the proxy to root; otherwise the user's uid stays.
                assert_eq!(runs_as(&twice), runs_as(&once), "{}", case.name);
                assert_eq!(twice, once, "{}", case.name);
                seen.insert(case.name.clone());
            }
        }
    }
    for name in [
        "proxy-override",
        "proxy-override-runas",
        "proxy-override-runas.cni",
        "proxy-override-runas.tproxy",
    ] {
        assert!(seen.contains(name), "{name} was not re-injected: {seen:?}");
    }
}

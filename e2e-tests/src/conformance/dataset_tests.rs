//! The runner checked on Istio's data set itself, independently of the policy: every case
//! reads and pairs up, a golden compares equal to itself and not to an altered copy, and two
//! fake policies (one answering with the golden, one changing nothing) are judged as they
//! must be. Skipped, with a message, when the data set is absent.

use std::collections::HashMap;

use serde_json::Value;

use super::backend::{Answer, Backend};
use super::compare::comparable_pod;
use super::dataset::Dataset;
use super::diff::diff;
use super::runner::{RunOptions, Verdict, run};
use super::settings::{ConfigForm, Prepared, Renderer, SettingsBuilder};
use super::workload::injectable_objects;

fn load() -> Option<Dataset> {
    istio_conformance::locate_or_skip()
        .map(|root| Dataset::load(&root).expect("the data set loads"))
}

#[test]
fn every_case_reads_and_pairs_its_documents() {
    let Some(dataset) = load() else { return };
    assert!(dataset.broken.is_empty(), "{:?}", dataset.broken);
    assert!(dataset.cases.len() >= 100, "{} cases", dataset.cases.len());
    let mut pairs = 0;
    for case in &dataset.cases {
        let inputs = injectable_objects(&case.input);
        let Some(want) = &case.want else {
            assert!(case.spec.expect_error.is_some(), "{}", case.name);
            let inputs = inputs.unwrap_or_else(|e| panic!("{}: {e}", case.name));
            assert!(inputs.iter().all(|i| i.to_pod().is_ok()), "{}", case.name);
            continue;
        };
        let Ok(inputs) = inputs else {
            // Only a Service: nothing to inject, which is why upstream runs it kube-inject only.
            assert!(!case.runs_in_webhook_mode(), "{}", case.name);
            continue;
        };
        let wants = injectable_objects(want).unwrap_or_else(|e| panic!("{} want: {e}", case.name));
        assert_eq!(inputs.len(), wants.len(), "{}", case.name);
        for (input, want) in inputs.iter().zip(&wants) {
            assert_eq!(
                (&input.kind, &input.name, &input.namespace),
                (&want.kind, &want.name, &want.namespace),
                "{}",
                case.name
            );
            let pod = input
                .to_pod()
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            let want_pod = want
                .to_pod()
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            let owner = |pod: &Value| pod.pointer("/metadata/ownerReferences").cloned();
            assert_eq!(owner(&pod), owner(&want_pod), "{}", case.name);
            pairs += 1;
        }
    }
    let case = |name: &str| dataset.cases.iter().find(|c| c.name == name).expect(name);
    // A List of two Deployments, and a Service + DeploymentConfig List, pair per object.
    assert_eq!(injectable_objects(&case("list").input).unwrap().len(), 2);
    assert_eq!(
        injectable_objects(&case("deploymentconfig-multi").input)
            .unwrap()
            .len(),
        1
    );
    assert!(pairs > dataset.cases.len() - 10, "{pairs} pairs");
}

#[test]
fn a_golden_equals_itself_and_an_altered_golden_does_not() {
    let Some(dataset) = load() else { return };
    for case in &dataset.cases {
        let Some(Ok(wants)) = case.want.as_deref().map(injectable_objects) else {
            continue;
        };
        for want in wants {
            let pod = want
                .to_pod()
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            let golden = comparable_pod(&pod).unwrap_or_else(|e| panic!("{}: {e}", case.name));
            assert_eq!(diff(&golden, &golden), vec![], "{}", case.name);
            let again = comparable_pod(&golden).unwrap_or_else(|e| panic!("{}: {e}", case.name));
            assert_eq!(
                diff(&golden, &again),
                vec![],
                "{}: not idempotent",
                case.name
            );
        }
    }

    let hello = dataset
        .cases
        .iter()
        .find(|c| c.name == "hello")
        .expect("hello");
    let want = injectable_objects(hello.want.as_deref().unwrap_or_default()).expect("hello");
    let golden = comparable_pod(&want[0].to_pod().expect("pod")).expect("comparable");
    let mut altered = golden.clone();
    let proxy = altered
        .pointer_mut("/spec/initContainers")
        .and_then(Value::as_array_mut)
        .and_then(|list| {
            list.iter_mut()
                .find(|c| c.get("name").and_then(Value::as_str) == Some("istio-proxy"))
        })
        .expect("hello's golden has istio-proxy as a native sidecar");
    proxy["image"] = Value::String("docker.io/istio/proxyv2:other".into());
    let lines = diff(&golden, &altered)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert_eq!(
        lines,
        vec![
            "spec.initContainers[istio-proxy].image: expected \
             \"registry.istio.io/testing/proxyv2:latest\", got \"docker.io/istio/proxyv2:other\""
        ]
    );
}

/// A policy that answers each input pod with its golden pod (told apart by the settings,
/// since several cases inject the same input differently), and leaves anything else alone.
struct GoldenPolicy {
    goldens: HashMap<String, Value>,
}

impl GoldenPolicy {
    fn new(dataset: &Dataset) -> GoldenPolicy {
        let builder = SettingsBuilder::new(&dataset.base, ConfigForm::Text);
        let mut goldens = HashMap::new();
        for case in &dataset.cases {
            let (Some(want), Ok(inputs)) = (&case.want, injectable_objects(&case.input)) else {
                continue;
            };
            let Ok(wants) = injectable_objects(want) else {
                continue;
            };
            let Ok(Prepared::Settings(settings)) = builder.settings(case, Renderer::Templates)
            else {
                continue;
            };
            for (input, want) in inputs.iter().zip(&wants) {
                if let (Ok(pod), Ok(want)) = (input.to_pod(), want.to_pod()) {
                    goldens.insert(Self::key(&settings, &pod), want);
                }
            }
        }
        GoldenPolicy { goldens }
    }

    /// The settings without what differs between renderers (`injectorConfig`,
    /// `stockTemplates`) and the pod.
    fn key(settings: &Value, pod: &Value) -> String {
        let mut settings = settings.clone();
        if let Some(settings) = settings.as_object_mut() {
            settings.remove("injectorConfig");
            settings.remove("stockTemplates");
        }
        format!("{settings}{pod}")
    }
}

impl Backend for GoldenPolicy {
    fn describe(&self) -> String {
        "golden".into()
    }

    fn check_settings(&self, _: &Value) -> Result<(), String> {
        Ok(())
    }

    fn evaluate(&self, request: &Value, settings: &Value, _: &[Value]) -> Result<Answer, String> {
        let object = request.get("object").ok_or("no object")?;
        let golden = self.goldens.get(&Self::key(settings, object));
        Ok(Answer::Accepted {
            patched: golden.filter(|g| *g != object).cloned(),
        })
    }
}

/// A policy that never changes anything.
struct Unchanged;

impl Backend for Unchanged {
    fn describe(&self) -> String {
        "unchanged".into()
    }

    fn check_settings(&self, _: &Value) -> Result<(), String> {
        Ok(())
    }

    fn evaluate(&self, _: &Value, _: &Value, _: &[Value]) -> Result<Answer, String> {
        Ok(Answer::Accepted { patched: None })
    }
}

#[test]
fn a_policy_answering_with_the_goldens_passes_every_golden_case() {
    let Some(dataset) = load() else { return };
    let reports = run(
        &dataset,
        &GoldenPolicy::new(&dataset),
        &RunOptions::default(),
    )
    .expect("the runner runs");
    assert_eq!(reports.len(), Renderer::ALL.len());
    for report in &reports {
        for case in &report.cases {
            let spec = &dataset
                .cases
                .iter()
                .find(|c| c.name == case.name)
                .expect("case")
                .spec;
            let expected_skip =
                if spec.expect_error.is_none() && !spec.modes.iter().any(|m| m == "webhook") {
                    Some("kube-inject only".to_string())
                } else if report.renderer == Renderer::Builtin && !spec.templates.is_empty() {
                    let names = spec.templates.keys().cloned().collect::<Vec<_>>();
                    Some(format!(
                        "custom template {}: needs the template renderer",
                        names.join(", ")
                    ))
                } else {
                    None
                };
            match (&case.verdict, expected_skip, &spec.expect_error) {
                (Verdict::Skip(reason), Some(expected), _) => assert_eq!(*reason, expected),
                (Verdict::Fail(problems), None, Some(expected)) => {
                    assert!(problems[0].message.contains(expected), "{problems:?}");
                    assert_eq!(case.idempotency, None);
                }
                (Verdict::Pass, None, None) => {
                    assert_eq!(case.idempotency, Some(Verdict::Pass), "{}", case.name);
                }
                other => panic!("{} ({}): {other:?}", case.name, report.renderer),
            }
        }
    }
}

#[test]
fn a_policy_that_changes_nothing_fails_every_case_that_istio_injects() {
    let Some(dataset) = load() else { return };
    let options = RunOptions {
        renderers: vec![Renderer::Templates],
        ..RunOptions::default()
    };
    let reports = run(&dataset, &Unchanged, &options).expect("the runner runs");
    let passing = reports[0]
        .cases
        .iter()
        .filter(|c| c.verdict.passed())
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>();
    // Exactly the cases Istio leaves alone: host networking and `sidecar.istio.io/inject: false`.
    assert_eq!(passing, vec!["hello-host-network-with-ns", "hello-ignore"]);
    for case in &reports[0].cases {
        if let Verdict::Fail(problems) = &case.verdict {
            let described = problems
                .iter()
                .all(|p| !p.differences.is_empty() || p.message.contains("expected a rejection"));
            assert!(described, "{}: {problems:?}", case.name);
        }
    }
}

#[test]
fn injector_config_text_and_object_forms_agree_on_every_case() {
    let Some(dataset) = load() else { return };
    let text = SettingsBuilder::new(&dataset.base, ConfigForm::Text);
    let object = SettingsBuilder::new(&dataset.base, ConfigForm::Object);
    let mut custom = 0;
    for case in &dataset.cases {
        let (Ok(Prepared::Settings(t)), Ok(Prepared::Settings(o))) = (
            text.settings(case, Renderer::Templates),
            object.settings(case, Renderer::Templates),
        ) else {
            panic!("{}: no settings", case.name);
        };
        let config_text = t["injectorConfig"].as_str().expect("text form");
        let parsed: Value = serde_yaml_ng::from_str(config_text).expect("the text is YAML");
        assert_eq!(parsed, o["injectorConfig"], "{}", case.name);
        let templates = parsed["templates"].as_object().expect("templates");
        for (name, template) in &case.spec.templates {
            assert_eq!(
                templates[name],
                Value::String(template.clone()),
                "{}",
                case.name
            );
            custom += 1;
        }
        // The eight templates of the chart are always there.
        for name in istio_conformance::CHART_TEMPLATES {
            assert!(templates.contains_key(name), "{}: {name}", case.name);
        }
    }
    assert!(
        custom >= 2,
        "the data set adds custom templates in at least two cases"
    );
}

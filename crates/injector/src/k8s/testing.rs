//! Test support shared by the k8s and merge tests: the Istio conformance goldens and a
//! generator of pod-shaped arbitrary JSON.

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One conformance case: its input and expected output documents.
pub(crate) struct Case {
    pub name: String,
    #[allow(dead_code)] // used by the merge tests
    pub input: Vec<Value>,
    pub want: Vec<Value>,
    pub want_text: String,
}

/// The YAML documents of a file, as JSON (empty documents skipped).
pub(crate) fn yaml_documents(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        match Value::deserialize(doc) {
            Ok(Value::Null) => {}
            Ok(v) => out.push(v),
            Err(e) => panic!("bad YAML document: {e}"),
        }
    }
    out
}

/// Every case that has an expected output, sorted by name.
pub(crate) fn conformance_cases() -> Vec<Case> {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return Vec::new();
    };
    istio_conformance::case_dirs(&dir)
        .into_iter()
        .filter_map(|path| {
            let (input, want) = istio_conformance::input_and_want(&path)?;
            Some(Case {
                name: path.file_name()?.to_string_lossy().into_owned(),
                input: yaml_documents(&input),
                want: yaml_documents(&want),
                want_text: want,
            })
        })
        .collect()
}

/// The pods of workload documents: a Pod itself, `spec.template` of workloads,
/// `spec.jobTemplate.spec.template` of CronJobs, recursing into Lists.
pub(crate) fn pod_templates(docs: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for doc in docs {
        match doc.get("kind").and_then(Value::as_str) {
            Some("Pod") => out.push(doc.clone()),
            Some("List") => {
                if let Some(items) = doc.get("items").and_then(Value::as_array) {
                    out.extend(pod_templates(items));
                }
            }
            Some("CronJob") => {
                if let Some(t) = doc.pointer("/spec/jobTemplate/spec/template") {
                    out.push(t.clone());
                }
            }
            _ => {
                if let Some(t) = doc.pointer("/spec/template") {
                    out.push(t.clone());
                }
            }
        }
    }
    out
}

/// Every conformance case's input pods paired with the injected pods of its golden output,
/// each with the case's name: a typed pod before and after injection, for comparing a
/// shortcut with the full path on real data. Empty without the data set.
pub(crate) fn conformance_pod_pairs() -> Vec<(String, Value, Value)> {
    let mut pairs = Vec::new();
    for case in conformance_cases() {
        let injected = pod_templates(&case.want);
        for (pod, output) in pod_templates(&case.input).into_iter().zip(injected) {
            pairs.push((case.name.clone(), pod, output));
        }
    }
    pairs
}

/// [`conformance_pod_pairs`], or `None` after saying the test is skipped (no data set).
pub(crate) fn conformance_pod_pairs_or_skip() -> Option<Vec<(String, Value, Value)>> {
    let pairs = conformance_pod_pairs();
    if pairs.is_empty() {
        eprintln!("SKIP: istio-conformance goldens not found");
        return None;
    }
    Some(pairs)
}

/// Keys that reach into the Pod schema, mixed with a few unknown ones.
const KEYS: &[&str] = &[
    "metadata",
    "spec",
    "status",
    "kind",
    "name",
    "labels",
    "annotations",
    "containers",
    "initContainers",
    "volumes",
    "env",
    "ports",
    "containerPort",
    "value",
    "resources",
    "limits",
    "cpu",
    "memory",
    "securityContext",
    "runAsUser",
    "readinessProbe",
    "httpGet",
    "port",
    "path",
    "emptyDir",
    "volumeMounts",
    "mountPath",
    "finalizers",
    "ownerReferences",
    "uid",
    "image",
    "args",
    "$patch",
    "$retainKeys",
    "$setElementOrder/containers",
    "$deleteFromPrimitiveList/finalizers",
    "unknown",
    "x",
];

/// Arbitrary JSON biased towards pod shapes.
pub(crate) fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        prop_oneof![
            Just("replace".to_string()),
            Just("delete".to_string()),
            Just("100m".to_string()),
            Just("a".to_string()),
            "[a-z0-9.]{0,6}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                let mut map = Map::new();
                for (k, v) in pairs {
                    map.insert(k.to_string(), v);
                }
                Value::Object(map)
            }),
        ]
    })
}

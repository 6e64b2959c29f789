//! What the pipeline's fuzz targets share: the conformance data they seed from, the two
//! settings the policy is fuzzed with, and a way to call the policy's `validate` entry.

pub mod pod;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value, json};

/// Istio's conformance data set, when present (`istio_conformance::locate`).
pub fn conformance_dir() -> Option<PathBuf> {
    istio_conformance::locate()
}

/// The pods of the conformance inputs (pods, and the templates of workloads), to start from
/// realistic shapes; empty when the data set is absent.
pub fn seed_pods() -> &'static [Value] {
    static PODS: OnceLock<Vec<Value>> = OnceLock::new();
    PODS.get_or_init(|| {
        let Some(dir) = conformance_dir() else {
            return Vec::new();
        };
        let mut pods = Vec::new();
        for case in istio_conformance::case_dirs(&dir) {
            let Ok(text) = std::fs::read_to_string(case.join("input.yaml")) else {
                continue;
            };
            let Ok(objects) = injector::kubeinject::yaml_objects(&text) else {
                continue;
            };
            for object in objects {
                if object.get("kind").and_then(Value::as_str) == Some("Pod") {
                    pods.push(object);
                } else if let Some(template) = pod_template(&object) {
                    pods.push(template);
                }
            }
        }
        pods
    })
}

fn pod_template(object: &Value) -> Option<Value> {
    let template = object
        .pointer("/spec/template")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template"))?;
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod"});
    pod["metadata"] = template.get("metadata").cloned().unwrap_or(json!({}));
    pod["spec"] = template.get("spec").cloned().unwrap_or(json!({}));
    Some(pod)
}

/// Settings with the built-in renderer, and (when the data set is present) with Istio's own
/// templates, values and mesh config inline as the ConfigMaps' strings.
pub fn settings() -> &'static [Value] {
    static SETTINGS: OnceLock<Vec<Value>> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let mut all = vec![json!({})];
        if let Some(base) = istio_base() {
            all.push(json!({
                "injectorConfig": base.injector_config,
                "values": base.values,
                "meshConfig": base.mesh,
            }));
        }
        all
    })
}

/// The data set's `base/`: Istio's injector config (its templates), values and mesh config.
pub struct IstioBase {
    pub injector_config: String,
    pub values: String,
    pub mesh: String,
}

pub fn istio_base() -> Option<IstioBase> {
    let base = conformance_dir()?.join("base");
    let read = |name: &str| std::fs::read_to_string(base.join(name)).ok();
    Some(IstioBase {
        injector_config: read("injector-config.yaml")?,
        values: read("values.json")?,
        mesh: read("mesh.yaml")?,
    })
}

/// What the policy's `validate` answered, decoded.
#[derive(Debug)]
pub struct Answer {
    pub accepted: bool,
    pub message: Option<String>,
    pub mutated: Option<Value>,
}

/// One Pod CREATE through the policy's waPC `validate` function, as the policy server sends it.
pub fn validate(pod: &Value, settings: &Value) -> Answer {
    let request = json!({
        "uid": "fuzz",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
        "requestResource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": "fuzz",
        "operation": "CREATE",
        "userInfo": {"username": "fuzz"},
        "object": pod,
    });
    let payload = serde_json::to_vec(&json!({"request": request, "settings": settings}))
        .expect("a JSON value serialises");
    let bytes = istio_sidecar_injector::validate(&payload)
        .unwrap_or_else(|e| panic!("validate failed instead of answering: {e}"));
    let response: Value = serde_json::from_slice(&bytes).expect("validate answers JSON");
    Answer {
        accepted: response["accepted"].as_bool().expect("accepted is a bool"),
        message: response["message"].as_str().map(str::to_owned),
        mutated: response
            .get("mutated_object")
            .filter(|v| !v.is_null())
            .cloned(),
    }
}

/// JSON equality where numbers compare by value (YAML reads `1.0` back as the float it is,
/// JSON may have held it as an integer-valued float or the other way round).
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| x == y)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

//! From a case's YAML to the Pods the webhook sees, the way Istio's webhook test does it:
//! split on `"\n---"`, keep the injectable kinds (Lists expanded), and turn each workload into
//! the Pod its controller would create (`objectToPod` in the data set's README).

use serde_json::{Map, Value, json};

/// Kinds the webhook test turns into Pods; anything else (a Service …) is dropped.
pub const INJECTABLE_KINDS: [&str; 9] = [
    "Deployment",
    "DeploymentConfig",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
    "Pod",
];

/// One injectable object of a case file, in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    /// `metadata.namespace` of the object, `""` when absent: the request's namespace.
    pub namespace: String,
    pub object: Value,
}

impl Workload {
    /// `Deployment hello`, for reports.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }

    /// The Pod this workload's controller would create.
    pub fn to_pod(&self) -> Result<Value, String> {
        object_to_pod(&self.object).map_err(|e| format!("{}: {e}", self.label()))
    }
}

/// The injectable objects of a YAML file, in order; a file without one is an error.
pub fn injectable_objects(text: &str) -> Result<Vec<Workload>, String> {
    let out = workloads(text)?;
    if out.is_empty() {
        return Err("no injectable object in the file".into());
    }
    Ok(out)
}

/// The injectable objects of a YAML file, in order (none for a file of Services).
pub fn workloads(text: &str) -> Result<Vec<Workload>, String> {
    let mut out = Vec::new();
    for (index, part) in text.split("\n---").enumerate() {
        let document: Value = serde_yaml_ng::from_str(part)
            .map_err(|e| format!("YAML document {}: {e}", index + 1))?;
        collect(document, &mut out)?;
    }
    Ok(out)
}

fn collect(document: Value, out: &mut Vec<Workload>) -> Result<(), String> {
    let kind = document
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if kind == "List" {
        let items = match document {
            Value::Object(mut map) => map.remove("items"),
            _ => None,
        };
        match items {
            Some(Value::Array(items)) => {
                for item in items {
                    collect(item, out)?;
                }
            }
            None | Some(Value::Null) => {}
            Some(_) => return Err("List: items is not a list".into()),
        }
        return Ok(());
    }
    if !INJECTABLE_KINDS.contains(&kind.as_str()) {
        return Ok(());
    }
    let text = |pointer: &str| {
        document
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    out.push(Workload {
        name: text("/metadata/name"),
        namespace: text("/metadata/namespace"),
        kind,
        object: document,
    });
    Ok(())
}

/// `objectToPod` of Istio's webhook test: a Pod is used as is; a workload gives its pod
/// template's metadata and spec, with `generateName` and a controller owner reference as its
/// controller would set them (a Deployment's pod is owned by ReplicaSet `<name>-fake` and
/// labelled `pod-template-hash: fake`).
pub fn object_to_pod(object: &Value) -> Result<Value, String> {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("no kind")?;
    if kind == "Pod" {
        return Ok(object.clone());
    }
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .ok_or("no metadata.name")?;
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let template_pointer = match kind {
        "CronJob" => "/spec/jobTemplate/spec/template",
        _ => "/spec/template",
    };
    let template = match object.pointer(template_pointer) {
        Some(Value::Object(template)) => template,
        Some(_) => return Err(format!("{template_pointer} is not an object")),
        None => return Err(format!("no pod template at {template_pointer}")),
    };
    let mut metadata = match template.get("metadata") {
        Some(Value::Object(metadata)) => metadata.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(format!("{template_pointer}/metadata is not an object")),
    };
    let (owner, generate_name) = if kind == "Deployment" {
        let replica_set = format!("{name}-fake");
        let labels = metadata
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if labels.is_null() {
            *labels = Value::Object(Map::new());
        }
        let Some(labels) = labels.as_object_mut() else {
            return Err(format!(
                "{template_pointer}/metadata/labels is not an object"
            ));
        };
        labels.insert("pod-template-hash".into(), Value::String("fake".into()));
        (
            owner_reference("apps/v1", "ReplicaSet", &replica_set),
            format!("{replica_set}-"),
        )
    } else {
        (owner_reference(api_version, kind, name), name.to_string())
    };
    metadata.insert("generateName".into(), Value::String(generate_name));
    metadata.insert("ownerReferences".into(), json!([owner]));

    let mut pod = Map::new();
    pod.insert("metadata".into(), Value::Object(metadata));
    if let Some(spec) = template.get("spec") {
        pod.insert("spec".into(), spec.clone());
    }
    Ok(Value::Object(pod))
}

fn owner_reference(api_version: &str, kind: &str, name: &str) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": name, "controller": true})
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\n  \
        namespace: test-ns\nspec:\n  template:\n    metadata:\n      labels:\n        app: hello\n    \
        spec:\n      containers:\n      - name: hello\n        image: hello:1\n";

    #[test]
    fn deployment_pods_are_owned_by_a_fake_replica_set() {
        let workloads = injectable_objects(DEPLOYMENT).unwrap();
        assert_eq!(workloads.len(), 1);
        assert_eq!(workloads[0].namespace, "test-ns");
        let pod = workloads[0].to_pod().unwrap();
        assert_eq!(
            pod,
            json!({"metadata": {
                        "labels": {"app": "hello", "pod-template-hash": "fake"},
                        "generateName": "hello-fake-",
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                             "name": "hello-fake", "controller": true}]},
                   "spec": {"containers": [{"name": "hello", "image": "hello:1"}]}})
        );
    }

    #[test]
    fn other_workloads_are_owned_by_themselves_without_a_dash() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
                         "spec": {"template": {"spec": {"containers": []}}}});
        let pod = object_to_pod(&job).unwrap();
        assert_eq!(pod["metadata"]["generateName"], "pi");
        assert_eq!(
            pod["metadata"]["ownerReferences"],
            json!([{"apiVersion": "batch/v1", "kind": "Job", "name": "pi", "controller": true}])
        );
        assert!(pod["metadata"].get("labels").is_none());

        let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                          "spec": {"jobTemplate": {"spec": {"template": {
                              "metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}}}}});
        let pod = object_to_pod(&cron).unwrap();
        assert_eq!(pod["metadata"]["labels"], json!({"a": "b"}));
        assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    }

    #[test]
    fn pods_are_used_unchanged() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p",
                         "ownerReferences": [{"kind": "Custom", "name": "x"}]}});
        assert_eq!(object_to_pod(&pod).unwrap(), pod);
    }

    #[test]
    fn lists_are_expanded_and_other_kinds_dropped() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: v1\n\
                    kind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: t}\n\
                    - apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n  spec: {}\n\
                    ---\n# only a comment\n";
        let workloads = injectable_objects(text).unwrap();
        let labels = workloads.iter().map(Workload::label).collect::<Vec<_>>();
        assert_eq!(labels, vec!["Deployment a"]);
        assert!(
            workloads[0]
                .to_pod()
                .unwrap_err()
                .contains("no pod template")
        );
    }

    #[test]
    fn files_without_workloads_and_broken_yaml_are_errors() {
        let error = injectable_objects("apiVersion: v1\nkind: Service\n").unwrap_err();
        assert!(error.contains("no injectable object"), "{error}");
        let error = injectable_objects("kind: Pod\n---\nkind: [\n").unwrap_err();
        assert!(error.starts_with("YAML document 2"), "{error}");
    }

    #[test]
    fn bad_shapes_are_errors_not_panics() {
        for object in [
            json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": 3}}),
            json!({"kind": "Deployment", "metadata": {"name": "d"},
                   "spec": {"template": {"metadata": {"labels": "x"}}}}),
            json!({"kind": "Deployment", "metadata": {"name": "d"},
                   "spec": {"template": {"metadata": []}}}),
            json!({"kind": "Deployment", "spec": {}}),
            json!({"kind": 3}),
            json!("text"),
        ] {
            assert!(object_to_pod(&object).is_err(), "{object}");
        }
    }

    /// JSON made of the keys the conversion looks at, in any shape.
    fn shapes() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            "[a-z]{0,3}".prop_map(Value::String),
            Just(json!({})),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::vec(
                    (
                        "(metadata|spec|template|jobTemplate|labels|name|items|kind)",
                        inner
                    ),
                    0..4
                )
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn conversion_never_panics(
            kind in proptest::sample::select(
                INJECTABLE_KINDS.iter().copied().chain(["List", "Service"]).collect::<Vec<_>>()
            ),
            body in shapes(),
        ) {
            let mut object = match body {
                Value::Object(map) => map,
                other => [("spec".to_string(), other)].into_iter().collect(),
            };
            object.insert("kind".into(), Value::String(kind.into()));
            let object = Value::Object(object);
            let _ = object_to_pod(&object);
            let text = serde_yaml_ng::to_string(&object).unwrap();
            if let Ok(workloads) = injectable_objects(&format!("{text}\n---\n{text}")) {
                for workload in workloads {
                    let _ = workload.to_pod();
                }
            }
        }
    }
}

//! The workload editor's text: its documents, where each starts, and the pods its workloads
//! stand for, as the API server would hand them to the admission webhook.

use injector::config::parse_document;
use injector::kubeinject::kinds::Kind;
use injector::kubeinject::split_documents;
use serde_json::{Map, Value, json};

/// The documents of `input`, as `kube-inject` splits them, with the byte offset each starts at.
pub(crate) fn documents(input: &str) -> Vec<(usize, &str)> {
    let base = input.as_ptr() as usize;
    split_documents(input)
        .into_iter()
        .map(|doc| {
            // Documents are slices of the input; anything else is placed at its start.
            let offset = (doc.as_ptr() as usize)
                .checked_sub(base)
                .filter(|&o| o <= input.len())
                .unwrap_or(0);
            (offset, doc)
        })
        .collect()
}

/// A pod a workload document stands for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PodOf {
    /// 0-based index of the document.
    pub document: usize,
    /// `Deployment default/sleep`, as the page names the workload.
    pub workload: String,
    /// The Pod object the webhook would receive.
    pub pod: Value,
}

/// The pods of the workloads in `input` (List items included), at most `limit`, in the
/// namespace `namespace` unless a workload names its own. Documents that are not YAML, or
/// not a kind kube-inject injects, have no pod.
pub(crate) fn pods(input: &str, namespace: &str, limit: usize) -> Vec<PodOf> {
    let mut found = Vec::new();
    for (index, (_, text)) in documents(input).into_iter().enumerate() {
        let Ok(object) = parse_document(text) else {
            continue;
        };
        let items = match object.get("kind").and_then(Value::as_str) {
            Some("List") => object
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => vec![object],
        };
        for item in items {
            if found.len() >= limit {
                return found;
            }
            if let Some((workload, pod)) = pod_of(&item, namespace) {
                found.push(PodOf {
                    document: index,
                    workload,
                    pod,
                });
            }
        }
    }
    found
}

/// Stands in for the controller: the pod a workload's template becomes, with the owner
/// reference and labels its controller sets (the injector names the proxy's workload after
/// them).
fn pod_of(object: &Value, default_namespace: &str) -> Option<(String, Value)> {
    let kind_name = object.get("kind").and_then(Value::as_str)?;
    let kind = Kind::from_name(kind_name)?;
    let location = kind.pod_location()?;
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let name = text("/metadata/name");
    let namespace = match text("/metadata/namespace") {
        "" => default_namespace,
        ns => ns,
    };
    let workload = format!("{kind_name} {namespace}/{name}");
    if kind == Kind::Pod {
        let mut pod = object.clone();
        set_namespace(&mut pod, namespace);
        return Some((workload, pod));
    }
    // The pod's own template metadata (for a CronJob, the job template's pod template).
    let metadata_pointer = format!("{}metadata", location.spec.strip_suffix("spec")?);
    let mut metadata = object
        .pointer(&metadata_pointer)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let (owner_kind, owner_api, owner_name) = match kind {
        Kind::Deployment => {
            // The ReplicaSet a Deployment creates, and the hash label it puts on its pods.
            let hash = "7d4b9c8f6";
            if let Some(labels) = labels(&mut metadata) {
                labels.insert("pod-template-hash".into(), json!(hash));
            }
            ("ReplicaSet", "apps/v1", format!("{name}-{hash}"))
        }
        Kind::CronJob => ("Job", "batch/v1", format!("{name}-29000000")),
        Kind::DeploymentConfig => ("ReplicationController", "v1", format!("{name}-1")),
        _ => (kind_name, kind.group_version(), name.to_string()),
    };
    metadata.insert("generateName".into(), json!(format!("{owner_name}-")));
    metadata.insert("namespace".into(), json!(namespace));
    metadata.insert(
        "ownerReferences".into(),
        json!([{"apiVersion": owner_api, "kind": owner_kind, "name": owner_name,
                "uid": "00000000-0000-0000-0000-000000000000",
                "controller": true, "blockOwnerDeletion": true}]),
    );
    let spec = object.pointer(location.spec).cloned().unwrap_or(json!({}));
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec});
    Some((workload, pod))
}

fn labels(metadata: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    let entry = metadata
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut()
}

fn set_namespace(pod: &mut Value, namespace: &str) {
    if let Some(object) = pod.as_object_mut() {
        let metadata = object
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(metadata) = metadata.as_object_mut() {
            metadata.insert("namespace".into(), json!(namespace));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_know_where_they_start() {
        let input = "a: 1\n---\nb: 2\n---\nc: 3\n";
        let docs = documents(input);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1], (9, "b: 2\n"));
        assert_eq!(&input[docs[2].0..], "c: 3\n");
    }

    #[test]
    fn a_deployment_becomes_the_pod_its_replica_set_creates() {
        let input = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";
        let pods = pods(input, "demo", 10);
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].document, 1);
        assert_eq!(pods[0].workload, "Deployment demo/web");
        let pod = &pods[0].pod;
        assert_eq!(pod["metadata"]["namespace"], "demo");
        assert_eq!(pod["metadata"]["labels"]["app"], "web");
        assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
        assert_eq!(pod["spec"]["containers"][0]["name"], "web");
    }

    #[test]
    fn cron_jobs_pods_come_from_the_job_template() {
        let input = "kind: CronJob\nmetadata:\n  name: c\n  namespace: n\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels: {a: b}\n        spec:\n          containers: [{name: x}]\n";
        let pods = pods(input, "demo", 10);
        assert_eq!(pods[0].pod["metadata"]["labels"]["a"], "b");
        assert_eq!(pods[0].pod["metadata"]["namespace"], "n");
        assert_eq!(pods[0].pod["metadata"]["ownerReferences"][0]["kind"], "Job");
    }

    #[test]
    fn list_items_and_limits() {
        let input = "kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Pod\n  metadata: {name: b}\n---\nnot: [yaml\n";
        assert_eq!(pods(input, "d", 10).len(), 2);
        assert_eq!(pods(input, "d", 1).len(), 1);
        assert_eq!(pods(input, "d", 10)[1].workload, "Pod d/b");
    }
}

//! The Pod CREATE request the webhook test sends for each workload of a case; splitting a
//! case's YAML into workloads and pods is `istio_conformance::workload`'s.

use serde_json::Value;

pub use istio_conformance::workload::*;

use crate::workload::{PodCreation, Requester, create_request};

/// The Pod CREATE AdmissionRequest for `pod`, sent in `namespace` as Istio's test does: the
/// namespace of the input document (`""` when it has none), whatever the pod says.
pub fn pod_create_request(namespace: &str, pod: &Value) -> Value {
    let mut request = create_request(PodCreation {
        pod: pod.clone(),
        requester: Requester::controller("replicaset-controller"),
        manager: "kube-controller-manager".into(),
    });
    if let Some(request) = request.as_object_mut() {
        request.insert("namespace".into(), Value::String(namespace.to_string()));
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_request_is_a_v1_pod_create_in_the_documents_namespace() {
        let pod = json!({"metadata": {"name": "p"}});
        let request = pod_create_request("test-ns", &pod);
        assert_eq!(
            request["kind"],
            json!({"group": "", "version": "v1", "kind": "Pod"})
        );
        assert_eq!(request["operation"], "CREATE");
        assert_eq!(request["namespace"], "test-ns");
        assert_eq!(request["name"], "p");
        assert_eq!(request["object"], pod);
        assert_eq!(pod_create_request("", &pod)["namespace"], "");
    }
}

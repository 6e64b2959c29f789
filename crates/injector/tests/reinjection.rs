//! Re-injecting a pod whose template names an app container in its status (Istio's
//! `grpc-agent` patches the app container), found by the `admission` fuzz target.
//!
//! Istio's `stripPod` removes every container the status annotation names before rendering
//! again, and `reinsertOverrides` puts the app container back from `proxy.istio.io/overrides`,
//! which the first injection writes — unless the pod arrived with a `sidecar.istio.io/status`
//! annotation of any value (`reapplyOverwrittenContainers` takes it as injected before). Such a
//! pod then alternates: the second pass renders without the app container (no
//! `ISTIO_META_APP_CONTAINERS`, a status naming only `istio-proxy`), the third renders the
//! first pass's pod again. The policy follows Istio in both.

mod support;

use injector::{Injector, Mode, PodContext};
use serde_json::{Value, json};
use support::{Rendering, injector_for};

/// The built-in renderer and Istio's templates, with the data set's values and mesh config, as
/// the webhook runs them (regular sidecars, as in the fuzz run that found it).
fn injectors() -> Vec<Injector> {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return Vec::new();
    };
    let case = json!({"nativeSidecars": false});
    [Rendering::Builtin, Rendering::IstioTemplates]
        .into_iter()
        .map(|rendering| injector_for(&dir, &case, rendering, Mode::Webhook).unwrap())
        .collect()
}

fn grpc_agent_pod(annotations: Value) -> Value {
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "grpc-fake-",
            "annotations": {"inject.istio.io/templates": "grpc-agent"},
            "labels": {"app": "grpc"}
        },
        "spec": {"containers": [{
            "name": "traffic",
            "image": "fake.docker.io/google-samples/traffic-go-gke:1.0",
            "readinessProbe": {"httpGet": {"port": 80}}
        }]}
    });
    for (key, value) in annotations.as_object().unwrap() {
        pod["metadata"]["annotations"][key] = value.clone();
    }
    pod
}

fn status_containers(pod: &Value) -> Value {
    let text = pod["metadata"]["annotations"]["sidecar.istio.io/status"]
        .as_str()
        .unwrap();
    serde_json::from_str::<Value>(text).unwrap()["containers"].clone()
}

fn passes(injector: &Injector, pod: Value) -> [Value; 3] {
    let context = PodContext {
        namespace: "default",
        namespace_annotations: None,
    };
    let inject = |pod: &Value| injector.inject(pod, &context).unwrap().pod;
    let first = inject(&pod);
    let second = inject(&first);
    let third = inject(&second);
    [first, second, third]
}

#[test]
fn a_grpc_agent_pod_settles_on_the_first_pass() {
    for injector in injectors() {
        let [first, second, _] = passes(&injector, grpc_agent_pod(json!({})));
        assert!(first["metadata"]["annotations"]["proxy.istio.io/overrides"].is_string());
        assert_eq!(second, first);
    }
}

#[test]
fn a_grpc_agent_pod_arriving_with_a_status_annotation_alternates_as_in_istio() {
    for injector in injectors() {
        let pod = grpc_agent_pod(json!({"sidecar.istio.io/status": ""}));
        let [first, second, third] = passes(&injector, pod);
        assert!(first["metadata"]["annotations"]["proxy.istio.io/overrides"].is_null());
        assert_eq!(status_containers(&first), json!(["istio-proxy", "traffic"]));
        assert_eq!(status_containers(&second), json!(["istio-proxy"]));
        assert_eq!(third, first);
    }
}

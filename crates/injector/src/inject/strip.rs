//! Re-injection clean-up (Istio's `stripPod`): the pod the templates see is the pod as it was
//! before the previous injection, so injecting twice gives the same result as injecting once.

use crate::postprocess::{containers, overrides, prometheus, status};
use serde_json::Value;

/// Istio's `stripPod` on a copy of the pod: when the pod carries a decodable status annotation,
/// the containers it lists are removed, the Prometheus annotations are dropped if they point at
/// the agent (`status_port`), and the status annotation goes. `None` when the pod was not
/// injected before (then the pod is used as is).
pub fn strip_pod(pod: &Value, status_port: i32) -> Option<Value> {
    let previous =
        status::InjectionStatus::parse(containers::annotation(pod, status::ANNOTATION)?)?;
    let mut stripped = pod.clone();
    for (field, names) in [
        (containers::CONTAINERS, &previous.containers),
        (containers::INIT_CONTAINERS, &previous.init_containers),
    ] {
        if let Some(list) = containers::list_mut(&mut stripped, field) {
            list.retain(|c| !names.iter().any(|n| n == containers::name(c)));
        }
    }
    if let Some(annotations) = containers::string_map_mut(&mut stripped, "annotations") {
        if prometheus::prometheus_port(annotations) == Some(status_port.to_string().as_str()) {
            prometheus::clear_prometheus_annotations(annotations);
        }
        annotations.remove(status::ANNOTATION);
    }
    Some(stripped)
}

/// The pod the templates render from: stripped of a previous injection, with the user's
/// overrides of injected containers put back (Istio's `reinsertOverrides(stripPod(…))`).
/// `None` when that is the pod itself.
pub fn template_view(
    pod: &Value,
    status_port: i32,
    stored_overrides: &overrides::ParsedContainers,
) -> Option<Value> {
    let stripped = strip_pod(pod, status_port);
    if stored_overrides.containers.is_empty() && stored_overrides.init_containers.is_empty() {
        return stripped;
    }
    let mut view = stripped.unwrap_or_else(|| pod.clone());
    overrides::reinsert_overrides(&mut view, stored_overrides);
    Some(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn injected() -> Value {
        json!({
            "metadata": {"annotations": {
                "sidecar.istio.io/status": r#"{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["istio-envoy"],"imagePullSecrets":null,"revision":"default"}"#,
                "prometheus.io/port": "15020",
                "prometheus.io/path": "/stats/prometheus",
                "prometheus.io/scrape": "true",
                "keep": "me"
            }},
            "spec": {
                "initContainers": [{"name": "istio-init"}, {"name": "istio-proxy"}, {"name": "user-init"}],
                "containers": [{"name": "hello"}],
                "volumes": [{"name": "istio-envoy"}]
            }
        })
    }

    #[test]
    fn strips_what_the_status_lists() {
        let stripped = strip_pod(&injected(), 15020);
        assert_eq!(
            stripped,
            Some(json!({
                "metadata": {"annotations": {"keep": "me"}},
                "spec": {
                    "initContainers": [{"name": "user-init"}],
                    "containers": [{"name": "hello"}],
                    // Volumes are not stripped: the merge by name replaces them.
                    "volumes": [{"name": "istio-envoy"}]
                }
            }))
        );
    }

    #[test]
    fn user_prometheus_annotations_survive() {
        let mut pod = injected();
        pod["metadata"]["annotations"]["prometheus.io/port"] = json!("8080");
        let stripped = strip_pod(&pod, 15020).unwrap_or_default();
        assert_eq!(
            stripped["metadata"]["annotations"]["prometheus.io/port"],
            "8080"
        );
        assert_eq!(
            stripped["metadata"]["annotations"]["prometheus.io/scrape"],
            "true"
        );
    }

    #[test]
    fn not_injected_or_undecodable_status() {
        assert_eq!(strip_pod(&json!({"spec": {}}), 15020), None);
        let mut pod = injected();
        pod["metadata"]["annotations"]["sidecar.istio.io/status"] = json!("{not json");
        assert_eq!(strip_pod(&pod, 15020), None);
    }

    #[test]
    fn overrides_come_back() {
        let stored = overrides::ParsedContainers {
            containers: vec![json!({"name": "istio-proxy", "args": ["custom"]})],
            init_containers: vec![],
        };
        let view = template_view(
            &json!({"spec": {"containers": [{"name": "hello"}]}}),
            15020,
            &stored,
        );
        assert_eq!(
            view,
            Some(
                json!({"spec": {"containers": [{"name": "hello"}, {"name": "istio-proxy", "args": ["custom"]}]}})
            )
        );
        assert_eq!(
            template_view(
                &json!({"spec": {}}),
                15020,
                &overrides::ParsedContainers::default()
            ),
            None
        );
    }
}

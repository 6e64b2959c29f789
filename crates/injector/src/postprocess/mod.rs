//! What Istio does to the pod after the templates are merged.
//!
//! [`post_process_pod`] runs Istio's `postProcessPod` stages in order; each stage is a module
//! named for what it does. [`overrides`] (user container overrides) runs just before, and
//! [`status`] also serves re-injection, which reads the annotation back.

pub mod cluster_env;
pub mod containers;
pub mod overrides;
pub mod probes;
pub mod prometheus;
pub mod reorder;
pub mod status;

pub use crate::annotation::{NETWORK as NETWORK_LABEL, NETWORK_ENV};
use crate::error::InjectError;
use crate::k8s::MergeGuide;
use serde_json::Value;
use std::collections::BTreeMap;

/// The fields of the pod that [`post_process_pod`] and
/// [`overrides::reapply_overwritten_containers`] edit in place after the templates' typed
/// merges (everything else they change, they change by typed merges): only these can be out
/// of Go's form afterwards. Metadata maps get keys appended; the proxy's env gets Istio's
/// variables; application probes and hooks are rewritten; proxy and init users are adjusted.
pub const EDITED_FIELDS: &[&str] = &[
    "metadata.labels",
    "metadata.annotations",
    "spec.initContainers[].env",
    "spec.initContainers[].securityContext",
    "spec.initContainers[].readinessProbe",
    "spec.initContainers[].livenessProbe",
    "spec.initContainers[].startupProbe",
    "spec.initContainers[].lifecycle",
    "spec.containers[].env",
    "spec.containers[].securityContext",
    "spec.containers[].readinessProbe",
    "spec.containers[].livenessProbe",
    "spec.containers[].startupProbe",
    "spec.containers[].lifecycle",
];

/// [`EDITED_FIELDS`] as a guide to the typed pass after post-processing, written out.
pub static EDITED: MergeGuide = MergeGuide::fields(&POD_EDITED);

// One static per level: a constant's temporaries that own memory do not live on in it.
static POD_EDITED: [(&str, MergeGuide); 2] = [
    ("metadata", MergeGuide::fields(&METADATA_EDITED)),
    ("spec", MergeGuide::fields(&SPEC_EDITED)),
];
static METADATA_EDITED: [(&str, MergeGuide); 2] = [
    ("labels", MergeGuide::WHOLE),
    ("annotations", MergeGuide::WHOLE),
];
static SPEC_EDITED: [(&str, MergeGuide); 2] = [
    ("initContainers", MergeGuide::each(&CONTAINER_EDITED)),
    ("containers", MergeGuide::each(&CONTAINER_EDITED)),
];
static CONTAINER_EDITED: MergeGuide = MergeGuide::fields(&CONTAINER_FIELDS_EDITED);
static CONTAINER_FIELDS_EDITED: [(&str, MergeGuide); 6] = [
    ("env", MergeGuide::WHOLE),
    ("securityContext", MergeGuide::WHOLE),
    ("readinessProbe", MergeGuide::WHOLE),
    ("livenessProbe", MergeGuide::WHOLE),
    ("startupProbe", MergeGuide::WHOLE),
    ("lifecycle", MergeGuide::WHOLE),
];

/// The settings post-processing reads.
#[derive(Debug, Clone, Copy)]
pub struct PostProcess<'a> {
    /// Envs forced onto `istio-proxy`: cluster id and network, plus URL-path envs.
    pub proxy_envs: &'a BTreeMap<String, String>,
    /// The mesh default ProxyConfig's status port (where merged metrics and probes are served).
    pub status_port: i32,
    /// The mesh's `enablePrometheusMerge`.
    pub prometheus_merge: bool,
    /// The injector's `sidecarInjectorWebhook.rewriteAppHTTPProbe`.
    pub rewrite_app_probers: bool,
    /// The istiod revision (`""` is written as `default`).
    pub revision: &'a str,
    /// The injector config's `injectedAnnotations` (webhook only).
    pub injected_annotations: &'a BTreeMap<String, String>,
    /// Whether the application waits for the proxy (proxy container first).
    pub hold_application: bool,
}

/// Istio's `postProcessPod`: cluster envs, Prometheus merge, secure metrics port, probe
/// rewriting, metadata (network label, status annotation, injected annotations), reordering.
/// `template_pod` is the union of the rendered templates (what the status annotation lists).
pub fn post_process_pod(
    pod: &mut Value,
    template_pod: &Value,
    settings: &PostProcess<'_>,
) -> Result<(), InjectError> {
    cluster_env::overwrite_cluster_info(pod, settings.proxy_envs);
    prometheus::apply_prometheus_merge(pod, settings.status_port, settings.prometheus_merge)?;
    prometheus::apply_secure_prometheus_annotation(pod);
    probes::apply_rewrite(pod, settings.rewrite_app_probers, settings.status_port);
    apply_metadata(pod, template_pod, settings);
    reorder::reorder_pod(pod, settings.hold_application);
    Ok(())
}

/// Istio's `applyMetadata`.
fn apply_metadata(pod: &mut Value, template_pod: &Value, settings: &PostProcess<'_>) {
    if let Some(network) = settings.proxy_envs.get(NETWORK_ENV)
        && let Some(labels) = containers::string_map_mut(pod, "labels")
    {
        labels.insert(NETWORK_LABEL.into(), Value::String(network.clone()));
    }
    let injection = status::InjectionStatus::of_template(template_pod, settings.revision);
    if let Some(annotations) = containers::string_map_mut(pod, "annotations") {
        annotations.insert(
            status::ANNOTATION.into(),
            Value::String(injection.to_json()),
        );
        for (key, value) in settings.injected_annotations {
            annotations.insert(key.clone(), Value::String(value.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_network_status_and_injected_annotations() {
        let envs = BTreeMap::from([(NETWORK_ENV.to_string(), "net1".to_string())]);
        let injected = BTreeMap::from([("psp".to_string(), "restricted".to_string())]);
        let settings = PostProcess {
            proxy_envs: &envs,
            status_port: 15020,
            prometheus_merge: true,
            rewrite_app_probers: true,
            revision: "canary",
            injected_annotations: &injected,
            hold_application: false,
        };
        let template = json!({"spec": {"containers": [{"name": "istio-proxy"}]}});
        let mut pod = json!({"metadata": {}, "spec": {"containers": [
            {"name": "istio-proxy", "env": [{"name": "ISTIO_META_NETWORK", "value": "rendered"}, {"name": "A"}]},
            {"name": "app"}
        ]}});
        assert!(post_process_pod(&mut pod, &template, &settings).is_ok());
        assert_eq!(pod["metadata"]["labels"], json!({NETWORK_LABEL: "net1"}));
        assert_eq!(pod["metadata"]["annotations"]["psp"], "restricted");
        assert_eq!(
            pod["metadata"]["annotations"][status::ANNOTATION],
            r#"{"initContainers":null,"containers":["istio-proxy"],"volumes":null,"imagePullSecrets":null,"revision":"canary"}"#
        );
        assert_eq!(
            pod["metadata"]["annotations"]["prometheus.io/port"],
            "15020"
        );
        // Reordered last, with the network env moved to the end.
        assert_eq!(pod["spec"]["containers"][1]["name"], "istio-proxy");
        assert_eq!(
            pod["spec"]["containers"][1]["env"],
            json!([{"name": "A"}, {"name": "ISTIO_META_NETWORK", "value": "net1"}])
        );
    }
}

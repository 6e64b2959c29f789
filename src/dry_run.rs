//! `validate_settings` renders inline templates once, for a plain Deployment pod, before the
//! policy server accepts them. Parsing catches syntax errors; only running a template shows one
//! that calls a function with the wrong types, indexes what is not there or writes text that is
//! not YAML, and such a template would otherwise reject every pod it is selected for.

use injector::{Injector, Options, PodContext};
use serde_json::{Value, json};

use crate::settings::InlineConfig;

/// Injects a sample pod with the configuration's default templates (`defaultTemplates`, else
/// `sidecar`). The error names the template, line and column as the template engine reports
/// them.
pub fn render_default_templates(config: InlineConfig, mut options: Options) -> Result<(), String> {
    // On OpenShift the proxy's UID comes from the pod's Namespace, which validation has not
    // got; the templates see the same data either way.
    options.openshift = false;
    let injector = Injector::new(config.injector, config.values, config.mesh, options)
        .map_err(|e| e.to_string())?;
    let context = PodContext {
        namespace: "default",
        namespace_annotations: None,
    };
    injector
        .inject(&sample_pod(), &context)
        .map(drop)
        .map_err(|e| {
            format!("injectorConfig.templates: injecting a plain Deployment pod fails: {e}")
        })
}

/// What a ReplicaSet controller creates for a small web Deployment.
fn sample_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "web-6d4b9c8f7d-",
            "namespace": "default",
            "labels": {"app": "web", "pod-template-hash": "6d4b9c8f7d"},
            "ownerReferences": [{
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web-6d4b9c8f7d",
                "uid": "0b5c3f1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f",
                "controller": true,
                "blockOwnerDeletion": true
            }]
        },
        "spec": {
            "serviceAccountName": "default",
            "containers": [{
                "name": "web",
                "image": "registry.example.com/web:1.0",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}
            }]
        }
    })
}

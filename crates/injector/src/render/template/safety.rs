//! Pod fields the injection templates print into YAML text without quoting them through
//! `quote`, checked before rendering.
//!
//! The stock templates print container names inside `"…"` (`kubectl.kubernetes.io/default-container`,
//! `ISTIO_META_APP_CONTAINERS`) and bare (`grpc-agent`), the workload name and namespace and
//! the owner's kind and API version bare (`ISTIO_META_OWNER`) or inside `"…"`
//! (`ISTIO_META_WORKLOAD_NAME`, also fed by the `service.istio.io/workload-name` label), the
//! service account bare (`secretName`), and labels and images inside `"…"` (through
//! `otelResourceAttributes`). A mutating webhook sees the pod before the API server validates
//! it, so these fields can hold anything; a line break or a quote there would let the pod add
//! YAML of its choosing to the injected sidecar. Kubernetes allows none of these characters
//! in these fields (names are DNS labels or subdomains, label values `[-._a-zA-Z0-9]`,
//! images are references), so such a pod is refused here with the reason.

use serde_json::Value;

use crate::error::InjectError;
use crate::render::TemplateData;

/// Characters that can end a quoted or bare YAML scalar.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '"' | '\'' | '\\')
}

fn check(what: &str, value: &str) -> Result<(), InjectError> {
    match value.chars().find(|c| unsafe_char(*c)) {
        None => Ok(()),
        Some(c) => Err(InjectError::InvalidPod(format!(
            "{what} {value:?} contains {c:?}, which Kubernetes does not allow there and which \
             the injection templates cannot print safely"
        ))),
    }
}

fn check_field(what: &str, parent: &Value, key: &str) -> Result<(), InjectError> {
    match parent.get(key).and_then(Value::as_str) {
        Some(text) => check(what, text),
        None => Ok(()),
    }
}

/// Refuses a pod whose printed fields could reshape the rendered YAML.
pub(crate) fn check_pod_fields(data: &TemplateData<'_>) -> Result<(), InjectError> {
    let meta = data.deploy_meta;
    check("workload name", &meta.name)?;
    check("workload namespace", &meta.namespace)?;
    check("workload kind", &meta.kind)?;
    check("workload apiVersion", &meta.api_version)?;
    for key in ["name", "generateName", "namespace"] {
        check_field(&format!("metadata.{key}"), data.object_meta, key)?;
    }
    if let Some(labels) = data.object_meta.get("labels").and_then(Value::as_object) {
        for (key, value) in labels {
            if let Some(text) = value.as_str() {
                check(&format!("label {key:?} value"), text)?;
            }
        }
    }
    for key in ["serviceAccountName", "serviceAccount"] {
        check_field(&format!("spec.{key}"), data.spec, key)?;
    }
    for list in ["containers", "initContainers"] {
        let items = data.spec.get(list).and_then(Value::as_array);
        for (i, container) in items.into_iter().flatten().enumerate() {
            check_field(&format!("spec.{list}[{i}].name"), container, "name")?;
            check_field(&format!("spec.{list}[{i}].image"), container, "image")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters() {
        for ok in ["hello", "hello-v1.2_x", "docker.io/a/b:1.0@sha256:abc", ""] {
            assert!(check("x", ok).is_ok(), "{ok}");
        }
        for bad in ["a\"b", "a'b", "a\\", "a\nb", "a\tb"] {
            let err = check("label \"app\" value", bad).unwrap_err();
            assert!(matches!(err, InjectError::InvalidPod(_)), "{bad}");
        }
    }
}

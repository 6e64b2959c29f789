//! The Go type round trips Istio's injector performs, in one place.
//!
//! Istio decodes the pod into a typed `corev1.Pod`, and after every strategic merge decodes the
//! result again: `null`s and `omitempty` zero values vanish, quantities become canonical. The
//! pipeline repeats that with [`crate::k8s::normalize`] wherever it changes results. Unknown
//! fields are kept on the pod (the policy must not drop them) and dropped where Go's value is
//! built from scratch (the template pod, stored overrides).

use crate::error::InjectError;
use crate::k8s::{self, NormalizeOptions};
use crate::merge;
use crate::postprocess::{self, containers};
use serde_json::{Map, Value};

pub(crate) const KEEP_UNKNOWN: NormalizeOptions = NormalizeOptions {
    keep_unknown: true,
    emit_zero_structs: false,
    legacy_creation_timestamp: false,
};

const LIKE_GO: NormalizeOptions = NormalizeOptions {
    keep_unknown: false,
    emit_zero_structs: false,
    legacy_creation_timestamp: false,
};

/// The pod as Go's decoder reads it, unknown fields kept, without `metadata.managedFields`
/// (Istio drops it too: it never influences injection, and it can be a good part of a pod).
/// A value of the wrong type is an invalid pod, named by its path.
pub fn normalize_pod(pod: &Value) -> Result<Value, InjectError> {
    // A copy normalized in place costs less than a normalized copy: cloning a map copies its
    // hash table, building one hashes every key again, and a pod the API server sends is
    // already in Go's field order. `managedFields` is left out of the copy when Go's decoder
    // would take it (a list of raw JSON, or null), rather than copied, walked and dropped.
    let copy = match pod.pointer("/metadata/managedFields") {
        None | Some(Value::Null | Value::Array(_)) => copy_without_managed_fields(pod),
        Some(_) => pod.clone(),
    };
    let mut normalized = normalize_owned_pod(copy)?;
    if let Some(metadata) = normalized
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
    {
        metadata.remove("managedFields");
    }
    Ok(normalized)
}

fn copy_without_managed_fields(pod: &Value) -> Value {
    let Value::Object(root) = pod else {
        return pod.clone();
    };
    let mut copy = Map::with_capacity(root.len());
    for (key, value) in root {
        let value = match value {
            Value::Object(metadata) if key == "metadata" => Value::Object(
                metadata
                    .iter()
                    .filter(|(k, _)| *k != "managedFields")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        copy.insert(key.clone(), value);
    }
    Value::Object(copy)
}

/// Sets `metadata.namespace` of a pod in its typed form, which it keeps (Go's field order).
pub fn set_namespace(pod: &mut Value, namespace: &str) -> Result<(), InjectError> {
    let had_metadata = pod.get("metadata").is_some_and(Value::is_object);
    let Some(metadata) = containers::metadata_mut(pod) else {
        return Ok(());
    };
    metadata.insert("namespace".into(), Value::String(namespace.to_string()));
    if !had_metadata {
        // Added after the pod's other fields: the whole pod is put in order again (rare).
        *pod = normalize_owned_pod(std::mem::take(pod))?;
        return Ok(());
    }
    let typed = k8s::normalize_owned(
        &k8s::OBJECT_META,
        Value::Object(std::mem::take(metadata)),
        &KEEP_UNKNOWN,
    )
    .map_err(|e| InjectError::InvalidPod(format!("metadata.{e}")))?;
    if let Value::Object(map) = typed {
        *metadata = map;
    }
    Ok(())
}

/// [`normalize_pod`] of a pod the caller is done with (moved, not copied).
pub fn normalize_owned_pod(pod: Value) -> Result<Value, InjectError> {
    k8s::normalize_owned(&k8s::POD, pod, &KEEP_UNKNOWN)
        .map_err(|e| InjectError::InvalidPod(e.to_string()))
}

/// [`normalize_owned_pod`] of the injected pod after post-processing: it was typed before,
/// and only [`postprocess::EDITED_FIELDS`] are walked again. Debug builds check the result
/// against the whole pass.
pub fn normalize_post_processed(pod: Value) -> Result<Value, InjectError> {
    let guide = &postprocess::EDITED;
    #[cfg(debug_assertions)]
    let whole = normalize_owned_pod(pod.clone());
    let guided = k8s::normalize_merged(&k8s::POD, pod, guide, &KEEP_UNKNOWN)
        .map_err(|e| InjectError::InvalidPod(e.to_string()));
    #[cfg(debug_assertions)]
    {
        let text = |r: &Result<Value, InjectError>| match r {
            Ok(pod) => Ok(serde_json::to_string(pod).unwrap_or_default()),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(
            text(&guided),
            text(&whole),
            "guided post-processing normalize"
        );
    }
    guided
}

/// A container decoded into Go's `corev1.Container` (unknown fields dropped); the error names
/// the offending field.
pub fn go_container(container: &Value) -> Result<Value, String> {
    k8s::normalize(&k8s::CONTAINER, container, &LIKE_GO).map_err(|e| e.to_string())
}

/// `json.Marshal` of a `corev1.Container`.
pub fn container_go_json(container: &Value) -> Result<String, InjectError> {
    k8s::to_go_json(&k8s::CONTAINER, container)
        .map_err(|e| InjectError::PostProcess(format!("container override: {e}")))
}

/// Istio's `applyOverlayYAML`/`applyOverlay` onto the pod being injected: strategic merge,
/// then the typed round trip (unknown fields of the pod kept). Both are taken by value.
pub fn merge_overlay_owned(pod: Value, overlay: Value) -> Result<Value, InjectError> {
    merge_typed(pod, overlay, &k8s::MergeGuide::full(), &KEEP_UNKNOWN)
}

/// [`merge_overlay_owned`] onto a pod in its typed form already (a result of
/// [`normalize_pod`] or of a previous merge): only what the overlay reaches is normalized again.
pub fn merge_overlay_typed(pod: Value, overlay: Value) -> Result<Value, InjectError> {
    let guide = k8s::MergeGuide::of_patch(&k8s::POD, &overlay);
    merge_typed(pod, overlay, &guide, &KEEP_UNKNOWN)
}

/// `applyOverlayYAML` onto the template pod, which Go builds from nothing: fields it does not
/// know are dropped. Both are taken by value.
pub fn merge_template(template_pod: Value, rendered: Value) -> Result<Value, InjectError> {
    merge_typed(template_pod, rendered, &k8s::MergeGuide::full(), &LIKE_GO)
}

fn merge_typed(
    base: Value,
    overlay: Value,
    guide: &k8s::MergeGuide,
    opts: &NormalizeOptions,
) -> Result<Value, InjectError> {
    let merged = merge::strategic_merge_owned(&k8s::POD, base, overlay)
        .map_err(|e| InjectError::Merge(e.to_string()))?;
    k8s::normalize_merged(&k8s::POD, merged, guide, opts)
        .map_err(|e| InjectError::Render(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn namespace_is_set_in_go_field_order() {
        let mut pod = normalize_pod(&json!({
            "metadata": {"name": "p", "labels": {"a": "1"}},
            "spec": {"containers": [{"name": "app"}]}
        }))
        .unwrap();
        set_namespace(&mut pod, "shop").unwrap();
        assert_eq!(keys(&pod["metadata"]), ["name", "namespace", "labels"]);
        assert_eq!(pod["metadata"]["namespace"], "shop");

        let mut bare = normalize_pod(&json!({"spec": {"containers": [{"name": "app"}]}})).unwrap();
        set_namespace(&mut bare, "shop").unwrap();
        assert_eq!(keys(&bare), ["metadata", "spec"]);
        assert_eq!(bare["metadata"], json!({"namespace": "shop"}));
    }
}

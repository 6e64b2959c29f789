//! Istio's answer is a JSON patch, `diff(json(typed original), json(typed result))`, which the
//! API server applies to the object it holds (`createPatch`). This module reproduces the
//! effect of that patch on the pod as received.
//!
//! Diffing the typed forms rather than the raw pod matters: a field Istio never changed stays
//! exactly as the user wrote it (`cpu: 2000m` is not rewritten to `"2"`), `managedFields` and a
//! missing `metadata.namespace` are left alone (both sides agree on them), and a pod that is
//! already injected comes out unchanged.

use serde_json::Value;

/// The pod as received with the changes from `original` to `result` applied. `original` and
/// `result` are typed (normalised) forms; `raw` is what the API server holds.
///
/// The diff only touches paths that exist in `original`, which normalisation derives from
/// `raw` without adding anything, so it applies cleanly. Should it not (a pod whose shape only
/// Go's decoder would accept), the typed result is returned: that is the pod Istio's patch
/// describes.
pub fn apply_changes(raw: &Value, original: &Value, result: &Value) -> Value {
    let changes = json_patch::diff(original, result);
    if changes.is_empty() {
        return raw.clone();
    }
    let mut patched = raw.clone();
    match json_patch::patch_unsafe(&mut patched, &changes) {
        Ok(()) => patched,
        Err(_) => result.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn untouched_fields_keep_their_raw_form() {
        let raw = json!({
            "metadata": {"name": "p", "managedFields": [{"manager": "kubectl"}], "labels": {}},
            "spec": {"containers": [{"name": "app", "resources": {"limits": {"cpu": "2000m"}}, "x-unknown": 1}]}
        });
        let original = json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "app", "resources": {"limits": {"cpu": "2"}}, "x-unknown": 1}]}
        });
        let mut result = original.clone();
        result["metadata"]["labels"] = json!({"security.istio.io/tlsMode": "istio"});
        if let Some(list) = result["spec"]["containers"].as_array_mut() {
            list.push(json!({"name": "istio-proxy"}));
        }
        let patched = apply_changes(&raw, &original, &result);
        assert_eq!(
            patched,
            json!({
                "metadata": {"name": "p", "managedFields": [{"manager": "kubectl"}], "labels": {"security.istio.io/tlsMode": "istio"}},
                "spec": {"containers": [
                    {"name": "app", "resources": {"limits": {"cpu": "2000m"}}, "x-unknown": 1},
                    {"name": "istio-proxy"}
                ]}
            })
        );
    }

    #[test]
    fn no_change_returns_the_raw_pod() {
        let raw = json!({"metadata": {"annotations": null}, "spec": {}});
        assert_eq!(
            apply_changes(&raw, &json!({"spec": {}}), &json!({"spec": {}})),
            raw
        );
    }

    #[test]
    fn unappliable_diff_falls_back_to_the_result() {
        // The typed original has a parent the raw pod lacks.
        let raw = json!({});
        let original = json!({"metadata": {"namespace": "ns"}});
        let result = json!({"metadata": {"namespace": "ns", "labels": {"a": "b"}}});
        assert_eq!(apply_changes(&raw, &original, &result), result);
    }
}

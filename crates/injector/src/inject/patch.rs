//! Istio's answer is a JSON patch, `diff(json(typed original), json(typed result))`, which the
//! API server applies to the object it holds (`createPatch`). This module reproduces the
//! effect of that patch on the pod as received.
//!
//! Diffing the typed forms rather than the raw pod matters: a field Istio never changed stays
//! exactly as the user wrote it (`cpu: 2000m` is not rewritten to `"2"`), `managedFields` and a
//! missing `metadata.namespace` are left alone (both sides agree on them), and a pod that is
//! already injected comes out unchanged.

use serde_json::{Map, Value};

/// The pod as received with the changes from `original` to `result` applied. `original` and
/// `result` are typed (normalised) forms; `raw` is what the API server holds.
///
/// The diff only touches paths that exist in `original`, which normalisation derives from
/// `raw` without adding anything, so it applies cleanly. Should it not (a pod whose shape only
/// Go's decoder would accept), the typed result is returned: that is the pod Istio's patch
/// describes.
///
/// The changes are those of `json_patch::diff(original, result)` applied in order with
/// `json_patch::patch`, applied while walking instead of written out as operations and
/// resolved again from the root (profiled: building and applying the operations cost twice
/// the walk).
pub fn apply_changes(raw: &Value, original: &Value, result: &Value) -> Value {
    let mut patched = raw.clone();
    match apply_diff(Some(&mut patched), original, result) {
        Ok(()) => patched,
        Err(Unappliable) => result.clone(),
    }
}

/// A change whose target `raw` lacks (json-patch's `InvalidPointer`).
struct Unappliable;

/// Applies the changes from `left` to `right` to `raw`, the node at the same path (`None`
/// when `raw` has nothing there, which only matters if something changes below).
fn apply_diff(raw: Option<&mut Value>, left: &Value, right: &Value) -> Result<(), Unappliable> {
    match (left, right) {
        (Value::Object(left), Value::Object(right)) => {
            let raw = match raw {
                Some(Value::Object(map)) => Some(map),
                _ => None,
            };
            apply_object_diff(raw, left, right)
        }
        (Value::Array(left), Value::Array(right)) => {
            let raw = match raw {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            };
            apply_array_diff(raw, left, right)
        }
        _ if left == right => Ok(()),
        _ => {
            *raw.ok_or(Unappliable)? = right.clone();
            Ok(())
        }
    }
}

/// Members in `right`'s order (changed ones followed, new ones added), then the members
/// `right` lacks removed.
fn apply_object_diff(
    mut raw: Option<&mut Map<String, Value>>,
    left: &Map<String, Value>,
    right: &Map<String, Value>,
) -> Result<(), Unappliable> {
    for (key, right_value) in right {
        match left.get(key) {
            Some(left_value) => {
                let child = raw.as_deref_mut().and_then(|map| map.get_mut(key));
                apply_diff(child, left_value, right_value)?;
            }
            None => {
                raw.as_deref_mut()
                    .ok_or(Unappliable)?
                    .insert(key.clone(), right_value.clone());
            }
        }
    }
    for key in left.keys() {
        if !right.contains_key(key) {
            // `Map::remove`, as json-patch removes (a swap removal under `preserve_order`).
            raw.as_deref_mut()
                .ok_or(Unappliable)?
                .remove(key)
                .ok_or(Unappliable)?;
        }
    }
    Ok(())
}

/// Items compared by index; surplus `left` items removed, surplus `right` items appended.
fn apply_array_diff(
    mut raw: Option<&mut Vec<Value>>,
    left: &[Value],
    right: &[Value],
) -> Result<(), Unappliable> {
    for (index, (left_item, right_item)) in left.iter().zip(right).enumerate() {
        let child = raw.as_deref_mut().and_then(|items| items.get_mut(index));
        apply_diff(child, left_item, right_item)?;
    }
    let common = left.len().min(right.len());
    for _ in right.len()..left.len() {
        let items = raw.as_deref_mut().ok_or(Unappliable)?;
        if common >= items.len() {
            return Err(Unappliable);
        }
        items.remove(common);
    }
    for (index, item) in right.iter().enumerate().skip(left.len()) {
        let items = raw.as_deref_mut().ok_or(Unappliable)?;
        if index > items.len() {
            return Err(Unappliable);
        }
        items.insert(index, item.clone());
    }
    Ok(())
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

    /// What `apply_changes` did before it walked the diff itself: json-patch's diff, applied.
    fn with_json_patch(raw: &Value, original: &Value, result: &Value) -> Value {
        let changes = json_patch::diff(original, result);
        let mut patched = raw.clone();
        match json_patch::patch_unsafe(&mut patched, &changes) {
            Ok(()) => patched,
            Err(_) => result.clone(),
        }
    }

    #[test]
    fn applies_what_json_patch_applies() {
        let raw =
            json!({"a": {"x": "1000m", "keep": [1, 2]}, "l": [1, {"k": 1}, 3], "gone": 1, "u": 0});
        let cases = [
            (
                json!({"a": {"x": "1"}, "l": [1, {"k": 1}, 3], "gone": 1}),
                json!({"a": {"x": "2", "new": true}, "l": [1, {"k": 2}], "added": {"z": []}}),
            ),
            (
                json!({"l": [1, {"k": 1}, 3]}),
                json!({"l": [1, {"k": 1}, 3, 4, 5]}),
            ),
            (json!({"l": [1]}), json!({"l": {"now": "an object"}})),
            (json!({"missing": {"a": 1}}), json!({"missing": {"a": 2}})),
            (json!({"l": [1, 2, 3, 4]}), json!({"l": []})),
            (json!({"a": 1}), json!(null)),
        ];
        for (original, result) in cases {
            let ours = apply_changes(&raw, &original, &result);
            let theirs = with_json_patch(&raw, &original, &result);
            assert_eq!(ours, theirs, "{original} -> {result}");
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&theirs).unwrap(),
                "key order, {original} -> {result}"
            );
        }
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

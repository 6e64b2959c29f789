//! Istio's answer is a JSON patch, `diff(json(typed original), json(typed result))`, which the
//! API server applies to the object it holds (`createPatch`). This module reproduces the
//! effect of that patch on the pod as received.
//!
//! Diffing the typed forms rather than the raw pod matters: a field Istio never changed stays
//! exactly as the user wrote it (`cpu: 2000m` is not rewritten to `"2"`), `managedFields` and a
//! missing `metadata.namespace` are left alone (both sides agree on them), and a pod that is
//! already injected comes out unchanged.

use serde_json::{Map, Value};

/// The pod as received, with the changes applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Patched {
    pub pod: Value,
    /// Whether the pod differs from the one received.
    pub changed: bool,
}

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
/// the walk). Whether they apply is checked first, so that what they add can be moved out of
/// `result` rather than copied, and `raw` is changed in place.
pub fn apply_changes(mut raw: Value, original: &Value, mut result: Value) -> Patched {
    if check_diff(Some(&raw), original, &result).is_err() {
        let changed = result != raw;
        return Patched {
            pod: result,
            changed,
        };
    }
    let mut changed = false;
    apply_diff(&mut raw, original, &mut result, &mut changed);
    Patched { pod: raw, changed }
}

/// [`apply_changes`] of a pod that is its own typed form: `apply_changes(raw.clone(), &raw,
/// result)` without the copy. Such a diff always applies, and `raw` is walked once against
/// `result`.
pub fn apply_changes_to_itself(mut raw: Value, mut result: Value) -> Patched {
    let mut changed = false;
    apply_own_diff(&mut raw, &mut result, &mut changed);
    Patched { pod: raw, changed }
}

/// [`apply_diff`] where `raw` is also the left side.
fn apply_own_diff(raw: &mut Value, right: &mut Value, changed: &mut bool) {
    match (raw, right) {
        (Value::Object(raw), Value::Object(right)) => apply_own_object_diff(raw, right, changed),
        (Value::Array(raw), Value::Array(right)) => {
            for (raw_item, right_item) in raw.iter_mut().zip(right.iter_mut()) {
                apply_own_diff(raw_item, right_item, changed);
            }
            if raw.len() != right.len() {
                // json-patch removes the surplus from the end and appends what is new.
                raw.truncate(right.len());
                raw.extend(right.drain(raw.len()..));
                *changed = true;
            }
        }
        (raw, right) => replace(raw, right, changed),
    }
}

/// [`apply_object_diff`] where `raw` is also the left side: its members that `right` lacks
/// are among its first `len` ones (what it held before new ones were appended), removed in
/// that order.
fn apply_own_object_diff(
    raw: &mut Map<String, Value>,
    right: &mut Map<String, Value>,
    changed: &mut bool,
) {
    let len = raw.len();
    let mut common = 0;
    // Typed forms of one pod hold their common members in the same order: those are met
    // walking both maps in step, without hashing (profiled: hashing was half of this walk).
    // The rest (new members, and all after one `right` lacks) are looked up after the walk.
    let mut elsewhere = Vec::new();
    let mut in_step = raw.iter_mut().peekable();
    for (key, right_value) in right.iter_mut() {
        match in_step.next_if(|(raw_key, _)| *raw_key == key) {
            Some((_, child)) => {
                common += 1;
                apply_own_diff(child, right_value, changed);
            }
            None => elsewhere.push((key, right_value)),
        }
    }
    for (key, right_value) in elsewhere {
        match raw.get_mut(key) {
            Some(child) => {
                common += 1;
                apply_own_diff(child, right_value, changed);
            }
            None => {
                raw.insert(key.clone(), std::mem::take(right_value));
                *changed = true;
            }
        }
    }
    if common == len {
        return;
    }
    let gone: Vec<String> = raw
        .keys()
        .take(len)
        .filter(|key| !right.contains_key(*key))
        .cloned()
        .collect();
    for key in gone {
        // A swap removal, as in `apply_object_diff`.
        raw.remove(&key);
        *changed = true;
    }
}

/// A change whose target `raw` lacks (json-patch's `InvalidPointer`).
struct Unappliable;

/// Whether the changes from `left` to `right` apply to `raw`, the node at the same path
/// (`None` when `raw` has nothing there, which only matters if something changes below).
fn check_diff(raw: Option<&Value>, left: &Value, right: &Value) -> Result<(), Unappliable> {
    match (left, right) {
        (Value::Object(left), Value::Object(right)) => {
            let raw = match raw {
                Some(Value::Object(map)) => Some(map),
                _ => None,
            };
            let mut left_in_order = InOrder::new(left);
            let mut raw_in_order = raw.map(InOrder::new);
            let mut common = 0;
            for (key, right_value) in right {
                match left_in_order.get(key) {
                    Some(left_value) => {
                        common += 1;
                        let raw_value = raw_in_order.as_mut().and_then(|map| map.get(key));
                        check_diff(raw_value, left_value, right_value)?;
                    }
                    None if raw.is_none() => return Err(Unappliable),
                    None => {}
                }
            }
            // Every key of `left` is in `right` when as many were found.
            if common < left.len() {
                for key in left.keys() {
                    if !right.contains_key(key) && !raw.is_some_and(|map| map.contains_key(key)) {
                        return Err(Unappliable);
                    }
                }
            }
            Ok(())
        }
        (Value::Array(left), Value::Array(right)) => {
            let raw = match raw {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            };
            for (index, (left_item, right_item)) in left.iter().zip(right).enumerate() {
                check_diff(
                    raw.and_then(|items| items.get(index)),
                    left_item,
                    right_item,
                )?;
            }
            let common = left.len().min(right.len());
            let mut len = raw.map(Vec::len);
            for _ in right.len()..left.len() {
                match len {
                    Some(n) if common < n => len = Some(n - 1),
                    _ => return Err(Unappliable),
                }
            }
            for index in left.len()..right.len() {
                match len {
                    Some(n) if index <= n => len = Some(n + 1),
                    _ => return Err(Unappliable),
                }
            }
            Ok(())
        }
        _ if left == right => Ok(()),
        _ => raw.map(drop).ok_or(Unappliable),
    }
}

/// Applies the changes from `left` to `right` to `raw` (checked by [`check_diff`]), moving
/// what is added out of `right`; `changed` is set when `raw` ends up different.
fn apply_diff(raw: &mut Value, left: &Value, right: &mut Value, changed: &mut bool) {
    match (left, right) {
        (Value::Object(left), Value::Object(right)) => {
            if let Value::Object(raw) = raw {
                apply_object_diff(raw, left, right, changed);
            }
        }
        (Value::Array(left), Value::Array(right)) => {
            if let Value::Array(raw) = raw {
                apply_array_diff(raw, left, right, changed);
            }
        }
        (left, right) if left == &*right => {}
        (_, right) => replace(raw, right, changed),
    }
}

fn replace(target: &mut Value, value: &mut Value, changed: &mut bool) {
    if target != value {
        *target = std::mem::take(value);
        *changed = true;
    }
}

/// Members in `right`'s order (changed ones followed, new ones added), then the members
/// `right` lacks removed.
fn apply_object_diff(
    raw: &mut Map<String, Value>,
    left: &Map<String, Value>,
    right: &mut Map<String, Value>,
    changed: &mut bool,
) {
    let mut left_in_order = InOrder::new(left);
    let mut common = 0;
    for (key, right_value) in right.iter_mut() {
        match left_in_order.get(key) {
            Some(left_value) => {
                common += 1;
                // A member the raw pod lacks is only reached when nothing changes below it.
                if let Some(child) = raw.get_mut(key) {
                    apply_diff(child, left_value, right_value, changed);
                }
            }
            None => match raw.get_mut(key) {
                Some(existing) => replace(existing, right_value, changed),
                None => {
                    raw.insert(key.clone(), std::mem::take(right_value));
                    *changed = true;
                }
            },
        }
    }
    if common == left.len() {
        return;
    }
    for key in left.keys() {
        if !right.contains_key(key) {
            // `Map::remove`, as json-patch removes (a swap removal under `preserve_order`).
            raw.remove(key);
            *changed = true;
        }
    }
}

/// Look-ups of the keys of another map in a map that mostly holds them in the same order (the
/// typed forms of one pod share Go's field order): the next entries are compared before the
/// key is hashed (profiled: hashing was most of the diff's time).
struct InOrder<'a> {
    map: &'a Map<String, Value>,
    rest: serde_json::map::Iter<'a>,
}

impl<'a> InOrder<'a> {
    fn new(map: &'a Map<String, Value>) -> InOrder<'a> {
        InOrder {
            map,
            rest: map.iter(),
        }
    }

    /// The value of `key`; keys asked for in the map's order are found without hashing, one
    /// the map lacks or an entry skipped at a time.
    fn get(&mut self, key: &str) -> Option<&'a Value> {
        let mut ahead = self.rest.clone();
        for _ in 0..2 {
            match ahead.next() {
                Some((found, value)) if found == key => {
                    self.rest = ahead;
                    return Some(value);
                }
                Some(_) => {}
                None => break,
            }
        }
        self.map.get(key)
    }
}

/// Items compared by index; surplus `left` items removed, surplus `right` items appended.
fn apply_array_diff(raw: &mut Vec<Value>, left: &[Value], right: &mut [Value], changed: &mut bool) {
    for (index, (left_item, right_item)) in left.iter().zip(right.iter_mut()).enumerate() {
        if let Some(child) = raw.get_mut(index) {
            apply_diff(child, left_item, right_item, changed);
        }
    }
    let common = left.len().min(right.len());
    for _ in right.len()..left.len() {
        raw.remove(common);
        *changed = true;
    }
    for (index, item) in right.iter_mut().enumerate().skip(left.len()) {
        raw.insert(index, std::mem::take(item));
        *changed = true;
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
        let patched = apply_changes(raw, &original, result);
        assert!(patched.changed);
        assert_eq!(
            patched.pod,
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
        let patched = apply_changes(raw.clone(), &json!({"spec": {}}), json!({"spec": {}}));
        assert_eq!(patched.pod, raw);
        assert!(!patched.changed);
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
            // Changes that leave the raw pod as it was.
            (json!({"a": {"x": "1"}}), json!({"a": {"x": "1000m"}})),
            (json!({}), json!({"u": 0})),
            (json!({"u": 0}), json!({"u": 0})),
        ];
        for (original, result) in cases {
            let patched = apply_changes(raw.clone(), &original, result.clone());
            let theirs = with_json_patch(&raw, &original, &result);
            assert_eq!(patched.changed, theirs != raw, "{original} -> {result}");
            let ours = patched.pod;
            assert_eq!(ours, theirs, "{original} -> {result}");
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&theirs).unwrap(),
                "key order, {original} -> {result}"
            );
        }
    }

    /// A value with some of its object members dropped, reordered, added or changed and
    /// list items dropped, as typed forms of one pod differ. Normalizing never drops a list
    /// item, so from `raw` to `original` (`shift` false) items only go at the end: the diff
    /// addresses items by index, and `raw`'s must line up with `original`'s.
    fn edited(value: &Value, seed: u64, shift: bool) -> Value {
        match value {
            Value::Object(map) => {
                let mut out: Vec<(String, Value)> = map
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (seed >> (i % 16)) & 7 != 0)
                    .map(|(i, (k, v))| {
                        (k.clone(), edited(v, seed.rotate_left(i as u32 + 3), shift))
                    })
                    .collect();
                if seed & 0x30 == 0x30 {
                    out.reverse();
                }
                if seed & 0x300 == 0x100 {
                    out.push(("added".into(), json!({"n": 1})));
                }
                Value::Object(out.into_iter().collect())
            }
            Value::Array(items) if seed & 0xc00 == 0x400 && !items.is_empty() => {
                let drop = if shift { 0 } else { items.len() - 1 };
                let mut items = items.clone();
                items.remove(drop);
                Value::Array(items)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| edited(v, seed.rotate_left(i as u32 + 7), shift))
                    .collect(),
            ),
            Value::Number(_) if seed & 0x7000 == 0x1000 => json!("changed"),
            other => other.clone(),
        }
    }

    proptest::proptest! {
        #[test]
        fn applies_what_json_patch_applies_on_generated_pods(
            raw in crate::k8s::testing::arb_json(),
            seeds in proptest::array::uniform2(proptest::prelude::any::<u64>()),
        ) {
            let original = edited(&raw, seeds[0], false);
            let result = edited(&original, seeds[1], true);
            let patched = apply_changes(raw.clone(), &original, result.clone());
            let theirs = with_json_patch(&raw, &original, &result);
            proptest::prop_assert_eq!(patched.changed, theirs != raw);
            proptest::prop_assert_eq!(
                serde_json::to_string(&patched.pod).unwrap(),
                serde_json::to_string(&theirs).unwrap()
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn a_pod_patched_from_itself_is_patched_as_from_a_copy(
            raw in crate::k8s::testing::arb_json(),
            seed in proptest::prelude::any::<u64>(),
        ) {
            let result = edited(&raw, seed, true);
            let ours = apply_changes_to_itself(raw.clone(), result.clone());
            let theirs = apply_changes(raw.clone(), &raw, result);
            proptest::prop_assert_eq!(ours.changed, theirs.changed);
            proptest::prop_assert_eq!(
                serde_json::to_string(&ours.pod).unwrap(),
                serde_json::to_string(&theirs.pod).unwrap()
            );
        }
    }

    #[test]
    fn conformance_pods_patched_from_themselves_are_patched_as_from_a_copy() {
        let Some(pairs) = crate::k8s::testing::conformance_pod_pairs_or_skip() else {
            return;
        };
        for (name, pod, injected) in pairs {
            for (raw, result) in [(&pod, &injected), (&injected, &pod), (&injected, &injected)] {
                let ours = apply_changes_to_itself(raw.clone(), result.clone());
                let theirs = apply_changes(raw.clone(), raw, result.clone());
                assert_eq!(ours.changed, theirs.changed, "{name}");
                assert_eq!(
                    serde_json::to_string(&ours.pod).unwrap(),
                    serde_json::to_string(&theirs.pod).unwrap(),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn unappliable_diff_falls_back_to_the_result() {
        // The typed original has a parent the raw pod lacks.
        let raw = json!({});
        let original = json!({"metadata": {"namespace": "ns"}});
        let result = json!({"metadata": {"namespace": "ns", "labels": {"a": "b"}}});
        let patched = apply_changes(raw, &original, result.clone());
        assert_eq!(patched.pod, result);
        assert!(patched.changed);
    }
}

//! Istio's template pod (`templatePod` in `RunTemplate`): the rendered templates merged into an
//! empty pod through the Go types.
//!
//! Injection reads it by name only: the names of its containers, init containers, volumes and
//! image pull secrets (the status annotation, the user containers to merge back, whether the
//! proxy is a native sidecar). With a single template, those names are the render's own, so
//! the template pod can be had without copying, merging and normalizing the whole render —
//! provided the render's merge into the pod succeeds (see [`names_only`]).

use serde_json::{Map, Value};

use crate::k8s::{self, Elem, Kind, PatchStrategy, Struct};

/// The lists of the template pod injection reads, by name.
const NAMED_LISTS: [&str; 4] = [
    "initContainers",
    "containers",
    "volumes",
    "imagePullSecrets",
];

/// The template pod of `rendered`, the only template, reduced to the names of its lists'
/// items; `None` when that needs the full merge (a strategic-merge directive anywhere in the
/// render, two items of one merged list with the same key, or an item whose name the typed
/// round trip would not read as is).
///
/// Into an empty pod, the merge only drops nulls and directives, and the typed round trip
/// changes no item of these lists into another nor any name: the names are the render's. The
/// full path can still fail where this one does not look; it is only valid if merging
/// `rendered` into the pod (which checks every value the render sets, against the same types)
/// succeeds. When that merge fails, the caller must produce the full path's error first, as
/// Istio builds the template pod before merging into the pod.
pub fn names_only(rendered: &Value) -> Option<Value> {
    if has_directive(rendered) || merges_into_itself(&k8s::POD, rendered) {
        return None;
    }
    let Some(Value::Object(spec)) = rendered.get("spec") else {
        // No spec (or one the merge rejects): no names.
        return Some(Value::Object(Map::new()));
    };
    let mut names = Map::new();
    for field in NAMED_LISTS {
        let Some(Value::Array(items)) = spec.get(field) else {
            continue;
        };
        let mut list = Vec::with_capacity(items.len());
        for item in items {
            let name = match item {
                // A null item decodes to the zero struct: no name.
                Value::Null => "",
                Value::Object(map) => match map.get("name") {
                    None | Some(Value::Null) => "",
                    Some(Value::String(name)) => name,
                    Some(_) => return None,
                },
                _ => return None,
            };
            let mut item = Map::with_capacity(1);
            item.insert("name".into(), Value::String(name.to_string()));
            list.push(Value::Object(item));
        }
        names.insert(field.into(), Value::Array(list));
    }
    let mut pod = Map::with_capacity(1);
    pod.insert("spec".into(), Value::Object(names));
    Some(Value::Object(pod))
}

/// Whether any object in `value` has a key starting with `$` (`$patch`, `$retainKeys`,
/// `$setElementOrder/…`, `$deleteFromPrimitiveList/…`).
fn has_directive(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.starts_with('$') || has_directive(value)),
        Value::Array(items) => items.iter().any(has_directive),
        _ => false,
    }
}

/// Whether merging `patch`, a patch of a `ty`, merges two of its own list items (the same
/// merge key twice): the later one then overwrites or deletes what the earlier one set, where
/// the template pod keeps both as rendered.
fn merges_into_itself(ty: &'static Struct, patch: &Value) -> bool {
    let Value::Object(map) = patch else {
        return false;
    };
    // A render comes in Go's field order: each field is looked for after the previous one,
    // and from the first only when it is not there.
    let mut after = ty.flat_fields();
    map.iter().any(|(key, value)| {
        // Only objects and lists merge item by item: a scalar's field is not looked up.
        if !matches!(value, Value::Object(_) | Value::Array(_)) {
            return false;
        }
        let field = match after.find(|f| f.named(key)) {
            Some(field) => Some(field),
            None => {
                after = ty.flat_fields();
                after.find(|f| f.named(key))
            }
        };
        field.is_some_and(|field| field_merges_into_itself(field, value))
    })
}

fn field_merges_into_itself(field: &'static k8s::Field, value: &Value) -> bool {
    match (field.kind, field.strategy, value) {
        (Kind::Struct(s), PatchStrategy::Default | PatchStrategy::Merge, _) => {
            merges_into_itself(s, value)
        }
        (Kind::Slice(Elem::Struct(s)), PatchStrategy::Merge, Value::Array(items)) => {
            // Without a merge key the merge fails: nothing to merge.
            let Some(key) = field.merge_key else {
                return false;
            };
            repeats_a_key(items, key) || items.iter().any(|item| merges_into_itself(s, item))
        }
        (Kind::Map(Elem::Struct(s)), _, Value::Object(map)) => {
            map.values().any(|item| merges_into_itself(s, item))
        }
        _ => false,
    }
}

/// Whether two of `items` have equal merge keys `key` (or may have: a list too long to
/// compare pairwise is taken to, and the full path taken).
fn repeats_a_key(items: &[Value], key: &str) -> bool {
    const PAIRWISE: usize = 64;
    if items.len() < 2 {
        return false;
    }
    if items.len() > PAIRWISE {
        return true;
    }
    // Each key read once: a look-up hashes it.
    let keys: Vec<MergeKey<'_>> = items
        .iter()
        .filter_map(|item| item.get(key).and_then(MergeKey::of))
        .collect();
    keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k))
}

/// A merge key as the strategic merge compares them (Go's `interface{}` from JSON: numbers
/// are `float64`).
#[derive(PartialEq, Eq)]
enum MergeKey<'a> {
    Str(&'a str),
    Num(u64),
    Bool(bool),
}

impl MergeKey<'_> {
    fn of(value: &Value) -> Option<MergeKey<'_>> {
        match value {
            Value::String(s) => Some(MergeKey::Str(s)),
            Value::Bool(b) => Some(MergeKey::Bool(*b)),
            Value::Number(n) => {
                let f = n.as_f64()?;
                Some(MergeKey::Num(if f == 0.0 { 0 } else { f.to_bits() }))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;

//! Strategic merge patch (apimachinery's `StrategicMergeMapPatchUsingLookupPatchMeta`, v0.36)
//! over the Go types of [`crate::k8s`].
//!
//! Istio renders its injection templates to a partial Pod and strategic-merges it into the
//! pod; the shape of the injected pod — which fields survive, and the order of containers and
//! volumes — is decided here. The rules, by field type (from the Go struct tags):
//!
//! * objects merge key by key; a `null` deletes the key; `$patch: replace` replaces the
//!   object, `$patch: delete` empties it; `$retainKeys: [...]` clears the keys not listed;
//! * lists tagged `patchStrategy:"merge"` merge element-wise: by `patchMergeKey` for lists of
//!   structs (`containers` by `name`, `ports` by `containerPort` …), as a set for lists of
//!   scalars (`finalizers`); `$patch: delete`/`replace` elements, `$deleteFromPrimitiveList/…`
//!   and `$setElementOrder/…` directives are honoured;
//! * other lists, and fields the tables do not know, are replaced by the patch (objects of
//!   unknown fields still merge key by key);
//! * an empty list in the patch leaves a merge list as it is.
//!
//! **Order.** A merged list is ordered as apimachinery's `mergeSlice` →
//! `normalizeElementOrder` → `mergeSortedSlice` order it: the items named in the patch, in
//! patch order, interleaved with the items only the original has, in original order; an
//! original-only item goes before a patch item only when the original had it before that
//! patch item. So brand-new template containers and volumes land *before* the user's.
//!
//! A key the original object lacks is added where Go's typed round trip, which follows every
//! merge here, writes it (a struct's field order, a map's sorted keys) when the object is in
//! that order; elsewhere, and for fields the tables do not know, after the others.
//!
//! Keyed merges index keys by a scan for short lists and a hash map past that
//! ([`key_index`]): linear in list length (Istio once had an O(n²) injection on pods with
//! thousands of env vars).
//!
//! Deviations, all outside what templates produce: Go's slice aliasing makes apimachinery
//! order some `$setElementOrder` results (with deletions) and scalar lists with duplicates
//! slightly differently; patch values whose JSON shape contradicts the schema (a list where
//! the Go type is a struct) are an error here rather than at the typed decode that follows.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};
use thiserror::Error;

use crate::k8s::{Elem, Kind, POD, PatchStrategy, Struct};

mod key_index;

use key_index::KeyIndex;

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";

/// A patch that cannot be applied; `path` is the JSON path where it failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {message}")]
pub struct MergeError {
    pub path: String,
    pub message: String,
}

/// Applies the strategic merge `patch` to `original`, both objects of the Go type `ty`.
pub fn strategic_merge(
    ty: &'static Struct,
    original: &Value,
    patch: &Value,
) -> Result<Value, MergeError> {
    strategic_merge_owned(ty, original.clone(), patch.clone())
}

/// [`strategic_merge`] taking ownership, which saves copying the pod.
pub fn strategic_merge_owned(
    ty: &'static Struct,
    original: Value,
    patch: Value,
) -> Result<Value, MergeError> {
    let original = match original {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(Path::Root.error(format!(
                "original must be a JSON object, not {}",
                type_name(&other)
            )));
        }
    };
    let patch = match patch {
        Value::Object(map) => map,
        Value::Null => return Ok(Value::Object(original)),
        other => {
            return Err(Path::Root.error(format!(
                "patch must be a JSON object, not {}",
                type_name(&other)
            )));
        }
    };
    merge_map(original, patch, Schema::Struct(ty), &Path::Root)
}

/// [`strategic_merge`] for a `corev1.Pod`.
pub fn strategic_merge_pod(original: &Value, patch: &Value) -> Result<Value, MergeError> {
    strategic_merge(&POD, original, patch)
}

/// What the tables say about the values at some place.
#[derive(Clone, Copy)]
enum Schema {
    Struct(&'static Struct),
    /// `map[string]T`
    MapOf(Elem),
    /// Not in the tables: plain JSON merge.
    Unknown,
}

/// Patch metadata of one key of an object.
#[derive(Clone, Copy)]
struct Meta {
    /// Schema of the value (of the elements, for lists).
    schema: Schema,
    kind: Option<Kind>,
    strategy: PatchStrategy,
    merge_key: Option<&'static str>,
}

const UNKNOWN: Meta = Meta {
    schema: Schema::Unknown,
    kind: None,
    strategy: PatchStrategy::Default,
    merge_key: None,
};

fn lookup(schema: Schema, key: &str) -> Meta {
    let (kind, strategy, merge_key) = match schema {
        Schema::Struct(s) => match s.field(key) {
            Some(f) => (f.kind, f.strategy, f.merge_key),
            None => return UNKNOWN,
        },
        Schema::MapOf(elem) => (elem.kind(), PatchStrategy::Default, None),
        Schema::Unknown => return UNKNOWN,
    };
    let schema = match kind {
        Kind::Struct(s) | Kind::Slice(Elem::Struct(s)) => Schema::Struct(s),
        Kind::Map(elem) => Schema::MapOf(elem),
        _ => Schema::Unknown,
    };
    Meta {
        schema,
        kind: Some(kind),
        strategy,
        merge_key,
    }
}

fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Schema,
    path: &Path<'_>,
) -> Result<Value, MergeError> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        return match directive.as_str() {
            Some("replace") => {
                patch.shift_remove(DIRECTIVE);
                Ok(Value::Object(patch))
            }
            Some("delete") => Ok(Value::Object(Map::new())),
            _ => Err(path.error(format!(
                "unknown patch type: {} in map: {}",
                short(directive),
                short(&Value::Object(patch.clone()))
            ))),
        };
    }
    apply_retain_keys(&mut original, &mut patch, path)?;
    apply_set_element_order(&mut original, &mut patch, schema, path)?;

    for (raw_key, patch_value) in patch {
        let (key, delete_list) = match raw_key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
            Some(rest) => match rest.strip_prefix('/') {
                Some(k) => (k.to_string(), true),
                None => return Err(path.error("invalid patch format of primitive list")),
            },
            None => (raw_key, false),
        };
        let here = Path::Key(path, &key);
        if patch_value.is_null() {
            original.shift_remove(&key);
            continue;
        }
        let meta = lookup(schema, &key);
        if !delete_list {
            check_shape(meta.kind, &patch_value, &here)?;
        }
        let Some(current) = original.get_mut(&key) else {
            if !delete_list && let Some(value) = clean(patch_value) {
                insert_new(&mut original, schema, key, value);
            }
            continue;
        };
        if !same_json_type(current, &patch_value) {
            if !delete_list {
                match clean(patch_value) {
                    Some(value) => *current = value,
                    None => {
                        original.shift_remove(&key);
                    }
                }
            }
            continue;
        }
        match patch_value {
            Value::Object(patch_map) => {
                let current_map = take_object(current);
                *current = if meta.strategy == PatchStrategy::Replace {
                    Value::Object(patch_map)
                } else {
                    merge_map(current_map, patch_map, meta.schema, &here)?
                };
            }
            Value::Array(patch_list) => {
                let current_list = take_array(current);
                *current = Value::Array(merge_list_field(
                    current_list,
                    patch_list,
                    &meta,
                    delete_list,
                    &here,
                )?);
            }
            scalar => *current = scalar,
        }
    }
    Ok(Value::Object(original))
}

/// Adds a key the original lacks. Go's encoder writes a struct's fields in its own order and
/// a map's keys sorted, and the typed pass after every merge puts them there: a key placed
/// there already, in an object in that order, spares that pass rebuilding the object
/// (`spec.initContainers` goes before `containers`, a new annotation among the others).
/// Unknown fields, kept after the known ones, are appended, as everywhere else.
fn insert_new(map: &mut Map<String, Value>, schema: Schema, key: String, value: Value) {
    let at = match schema {
        Schema::Struct(ty) => ty.field_position(&key).map(|(new, _)| {
            map.keys()
                .position(|k| ty.field_position(k).is_none_or(|(p, _)| p > new))
                .unwrap_or(map.len())
        }),
        Schema::MapOf(_) if map.keys().is_sorted() => {
            Some(map.keys().position(|k| *k > key).unwrap_or(map.len()))
        }
        Schema::MapOf(_) | Schema::Unknown => None,
    };
    match at {
        Some(index) if index < map.len() => {
            map.shift_insert(index, key, value);
        }
        _ => {
            map.insert(key, value);
        }
    }
}

/// `mergeSliceHandler`: merge lists merge, others are replaced by the patch.
fn merge_list_field(
    original: Vec<Value>,
    patch: Vec<Value>,
    meta: &Meta,
    delete_list: bool,
    path: &Path<'_>,
) -> Result<Vec<Value>, MergeError> {
    if meta.strategy != PatchStrategy::Merge && !delete_list {
        return Ok(patch);
    }
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let elements = element_type(&original, &patch, path)?;
    if elements != JsonType::Object {
        if delete_list {
            return Ok(delete_from_list(original, &patch));
        }
        return merge_scalar_lists(original, patch, path);
    }
    let key = meta
        .merge_key
        .ok_or_else(|| path.error("cannot merge lists without merge key"))?;
    merge_keyed_lists(original, patch, key, meta.schema, path)
}

/// Lists of scalars with merge strategy: a set union, ordered like keyed lists.
fn merge_scalar_lists(
    original: Vec<Value>,
    patch: Vec<Value>,
    path: &Path<'_>,
) -> Result<Vec<Value>, MergeError> {
    let original_index = first_indexes(original.iter(), None, path)?;
    let patch_index = first_indexes(patch.iter(), None, path)?;
    let mut seen = KeyIndex::with_capacity(original.len() + patch.len());
    let mut in_patch = Vec::new();
    let mut server_only = Vec::new();
    for item in original.into_iter().chain(patch) {
        let key = item_key(&item, None, path)?;
        if !seen.insert_first(key.clone(), 0) {
            continue;
        }
        if patch_index.contains(&key) {
            in_patch.push((item, key));
        } else {
            server_only.push((item, key));
        }
    }
    Ok(order_merged(
        in_patch,
        server_only,
        &patch_index,
        &original_index,
    ))
}

/// Lists of structs with merge strategy, merged by `key`.
fn merge_keyed_lists(
    original: Vec<Value>,
    patch: Vec<Value>,
    key: &str,
    schema: Schema,
    path: &Path<'_>,
) -> Result<Vec<Value>, MergeError> {
    // `$patch` elements first: deletions by key, `replace` swaps the whole list.
    let mut deleted = KeyIndex::default();
    let mut replace = false;
    let mut plain = Vec::with_capacity(patch.len());
    for item in patch {
        let Some(directive) = item.get(DIRECTIVE) else {
            plain.push(item);
            continue;
        };
        match directive.as_str() {
            Some("delete") => match item.get(key) {
                Some(value) => {
                    deleted.insert_first(scalar_key(value, path)?, 0);
                }
                None => return Err(no_merge_key(&item, key, path)),
            },
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(path.error("merging lists cannot yet be specified in the patch"));
            }
            _ => {
                return Err(path.error(format!(
                    "unknown patch type: {} in map: {}",
                    short(directive),
                    short(&item)
                )));
            }
        }
    }
    let (original, patch) = if replace {
        (plain, Vec::new())
    } else {
        (original, plain)
    };

    let mut items: Vec<(Value, Key)> = Vec::with_capacity(original.len() + patch.len());
    for item in original {
        let item_key = match item.get(key) {
            Some(value) => scalar_key(value, path)?,
            None => return Err(no_merge_key(&item, key, path)),
        };
        if !deleted.contains(&item_key) {
            items.push((item, item_key));
        }
    }
    let mut original_index = KeyIndex::with_capacity(items.len());
    for (i, (_, k)) in items.iter().enumerate() {
        original_index.insert_first(k.clone(), i);
    }

    // Merge each patch item into the first original item with its key, or append it (a later
    // patch item with the same key then merges into the appended one).
    let mut position = original_index.clone();
    let mut patch_index = KeyIndex::with_capacity(patch.len());
    for (j, item) in patch.into_iter().enumerate() {
        let item_key = match item.get(key) {
            Some(value) => scalar_key(value, path)?,
            None => return Err(no_merge_key(&item, key, path)),
        };
        patch_index.insert_first(item_key.clone(), j);
        match position.get(&item_key) {
            Some(i) => {
                let here = Path::Index(path, i);
                let Some(slot) = items.get_mut(i) else {
                    continue;
                };
                let current = take_object(&mut slot.0);
                let patch_map = match item {
                    Value::Object(m) => m,
                    other => {
                        return Err(
                            here.error(format!("expected an object, got {}", type_name(&other)))
                        );
                    }
                };
                slot.0 = merge_map(current, patch_map, schema, &here)?;
            }
            None => {
                position.insert_first(item_key.clone(), items.len());
                items.push((item, item_key));
            }
        }
    }

    // Sized once, not grown: each distinct patch key names one item (unless the pod's own
    // list repeats a key, which only makes a half grow).
    let mut in_patch = Vec::with_capacity(patch_index.len());
    let mut server_only = Vec::with_capacity(items.len().saturating_sub(patch_index.len()));
    for item in items {
        if patch_index.contains(&item.1) {
            in_patch.push(item);
        } else {
            server_only.push(item);
        }
    }
    Ok(order_merged(
        in_patch,
        server_only,
        &patch_index,
        &original_index,
    ))
}

/// `normalizeElementOrder` + `mergeSortedSlice`: patch items in patch order, original-only
/// items in original order, an original-only item placed before a patch item only when the
/// original listed it first.
fn order_merged(
    mut in_patch: Vec<(Value, Key)>,
    mut server_only: Vec<(Value, Key)>,
    patch_order: &KeyIndex,
    server_order: &KeyIndex,
) -> Vec<Value> {
    let rank = |order: &KeyIndex, k: &Key| order.get(k).unwrap_or(usize::MAX);
    in_patch.sort_by_key(|(_, k)| rank(patch_order, k));
    server_only.sort_by_key(|(_, k)| rank(server_order, k));

    let mut out = Vec::with_capacity(in_patch.len() + server_only.len());
    let mut left = server_only.into_iter().peekable();
    let mut right = in_patch.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some((_, l)), Some((_, r))) => {
                matches!((server_order.get(l), server_order.get(r)), (Some(a), Some(b)) if a < b)
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { left.next() } else { right.next() };
        if let Some((value, _)) = next {
            out.push(value);
        }
    }
    out
}

/// `$deleteFromPrimitiveList/<list>`: removes the listed scalars.
fn delete_from_list(original: Vec<Value>, delete: &[Value]) -> Vec<Value> {
    let doomed: HashSet<Key> = delete.iter().filter_map(Key::of).collect();
    original
        .into_iter()
        .filter(|v| Key::of(v).is_none_or(|k| !doomed.contains(&k)))
        .collect()
}

/// `$retainKeys`: keys of the original not listed are cleared; the patch may only set
/// listed keys.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    path: &Path<'_>,
) -> Result<(), MergeError> {
    let Some(list) = patch.shift_remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let bad = || path.error("invalid patch format of retainKeys");
    let Value::Array(list) = list else {
        return Err(bad());
    };
    let mut retained = HashSet::with_capacity(list.len());
    for item in &list {
        retained.insert(Key::of(item).ok_or_else(bad)?);
    }
    let listed = |k: &str| retained.contains(&Key::Str(k.to_string()));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || k.starts_with(SET_ELEMENT_ORDER)
        {
            continue;
        }
        if !listed(k) {
            return Err(bad());
        }
    }
    original.retain(|k, _| listed(k));
    Ok(())
}

/// `$setElementOrder/<list>`: merges the list and orders it as the directive says.
fn apply_set_element_order(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Schema,
    path: &Path<'_>,
) -> Result<(), MergeError> {
    let directives: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
        .cloned()
        .collect();
    for directive in directives {
        let bad = || path.error("invalid patch format of setElementOrder list");
        let Some(Value::Array(order)) = patch.shift_remove(&directive) else {
            return Err(bad());
        };
        let key = directive
            .strip_prefix(SET_ELEMENT_ORDER)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(bad)?
            .to_string();
        let here = Path::Key(path, &key);
        let meta = lookup(schema, &key);
        let original_list = match original.shift_remove(&key) {
            None => None,
            Some(Value::Array(list)) => Some(list),
            Some(other) => {
                return Err(here.error(format!("expected a list, got {}", type_name(&other))));
            }
        };
        let patch_list = match patch.shift_remove(&key) {
            None => None,
            Some(Value::Array(list)) => Some(list),
            Some(other) => {
                return Err(here.error(format!("expected a list, got {}", type_name(&other))));
            }
        };
        let merge_key = meta.merge_key;
        check_set_element_order(
            patch_list.as_deref().unwrap_or(&[]),
            &order,
            merge_key,
            &here,
        )?;
        let server_order = match &original_list {
            Some(list) => first_indexes(list.iter(), merge_key, &here)?,
            None => KeyIndex::default(),
        };
        if original_list.is_none() && patch_list.is_none() {
            continue;
        }
        element_type(
            original_list.as_deref().unwrap_or(&[]),
            patch_list.as_deref().unwrap_or(&[]),
            &here,
        )?;
        let merged = match (original_list, patch_list) {
            (Some(o), Some(p)) => merge_list_field(o, p, &meta, false, &here)?,
            (Some(list), None) => list,
            (None, list) => list
                .unwrap_or_default()
                .into_iter()
                .filter_map(remove_directives)
                .collect(),
        };
        let order_index = first_indexes(order.iter(), merge_key, &here)?;
        let mut in_order = Vec::new();
        let mut server_only = Vec::new();
        for item in merged {
            let k = item_key(&item, merge_key, &here)?;
            if order_index.contains(&k) {
                in_order.push((item, k));
            } else {
                server_only.push((item, k));
            }
        }
        original.insert(
            key,
            Value::Array(order_merged(
                in_order,
                server_only,
                &order_index,
                &server_order,
            )),
        );
    }
    Ok(())
}

/// The patch list must list its items in the `$setElementOrder` order.
fn check_set_element_order(
    patch_list: &[Value],
    order: &[Value],
    merge_key: Option<&str>,
    path: &Path<'_>,
) -> Result<(), MergeError> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let is_delete = |v: &Value| v.get(DIRECTIVE).and_then(Value::as_str) == Some("delete");
    let items: Vec<&Value> = patch_list
        .iter()
        .filter(|v| merge_key.is_none() || !is_delete(v))
        .collect();
    let (mut p, mut o) = (0, 0);
    while let (Some(item), Some(ordered)) = (items.get(p), order.get(o)) {
        if item.get(DIRECTIVE).is_some() {
            p += 1;
            continue;
        }
        if item_key(item, merge_key, path)? == item_key(ordered, merge_key, path)? {
            p += 1;
        }
        o += 1;
    }
    if p < items.len() {
        return Err(
            path.error("the order in the patch list doesn't match the $setElementOrder list")
        );
    }
    Ok(())
}

/// JSON types as Go's `reflect.TypeOf` tells them apart in `map[string]interface{}`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum JsonType {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

fn json_type(v: &Value) -> JsonType {
    match v {
        Value::Null => JsonType::Null,
        Value::Bool(_) => JsonType::Bool,
        Value::Number(_) => JsonType::Number,
        Value::String(_) => JsonType::String,
        Value::Array(_) => JsonType::Array,
        Value::Object(_) => JsonType::Object,
    }
}

fn same_json_type(a: &Value, b: &Value) -> bool {
    json_type(a) == json_type(b)
}

/// `sliceElementType`: every element of both lists has one type, which is not a list.
fn element_type(a: &[Value], b: &[Value], path: &Path<'_>) -> Result<JsonType, MergeError> {
    let mut found = None;
    for v in a.iter().chain(b) {
        let t = json_type(v);
        match t {
            JsonType::Array => return Err(path.error("lists of lists are not supported")),
            JsonType::Null => return Err(path.error("list elements must not be null")),
            _ => {}
        }
        match found {
            None => found = Some(t),
            Some(prev) if prev != t => {
                return Err(path.error("list element types are not identical"));
            }
            Some(_) => {}
        }
    }
    found.ok_or_else(|| path.error("no elements in any of the given lists"))
}

/// A merge-key value or list scalar, compared as Go compares `interface{}` values decoded
/// from JSON (all numbers are `float64`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Key {
    Str(String),
    /// Bits of the `f64` value, with -0 folded into 0.
    Num(u64),
    Bool(bool),
}

impl Key {
    fn of(v: &Value) -> Option<Key> {
        match v {
            Value::String(s) => Some(Key::Str(s.clone())),
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Number(n) => {
                let f = n.as_f64()?;
                Some(Key::Num(if f == 0.0 { 0 } else { f.to_bits() }))
            }
            _ => None,
        }
    }
}

fn scalar_key(v: &Value, path: &Path<'_>) -> Result<Key, MergeError> {
    Key::of(v).ok_or_else(|| {
        path.error(format!(
            "merge key value must be a string, number or boolean, not {}",
            type_name(v)
        ))
    })
}

/// The key of a list item: its merge-key value for lists of structs, itself for scalars.
fn item_key(item: &Value, merge_key: Option<&str>, path: &Path<'_>) -> Result<Key, MergeError> {
    match merge_key {
        Some(key) => match item.get(key) {
            Some(value) => scalar_key(value, path),
            None => Err(no_merge_key(item, key, path)),
        },
        None => scalar_key(item, path),
    }
}

/// Index of the first item with each key.
fn first_indexes<'a>(
    items: impl Iterator<Item = &'a Value>,
    merge_key: Option<&str>,
    path: &Path<'_>,
) -> Result<KeyIndex, MergeError> {
    let mut index = KeyIndex::default();
    for (i, item) in items.enumerate() {
        index.insert_first(item_key(item, merge_key, path)?, i);
    }
    Ok(index)
}

fn no_merge_key(item: &Value, key: &str, path: &Path<'_>) -> MergeError {
    path.error(format!(
        "map: {} does not contain declared merge key: {key}",
        short(item)
    ))
}

/// A patch value the schema cannot hold in that shape (a list for a struct …).
fn check_shape(kind: Option<Kind>, value: &Value, path: &Path<'_>) -> Result<(), MergeError> {
    let Some(kind) = kind else { return Ok(()) };
    let fits = match kind {
        Kind::Struct(_) | Kind::Map(_) => value.is_object(),
        Kind::Slice(_) => value.is_array(),
        Kind::Raw => true,
        _ => !value.is_object() && !value.is_array(),
    };
    if fits || value.is_null() {
        Ok(())
    } else {
        Err(path.error(format!(
            "cannot merge {} into a field of Go type {}",
            type_name(value),
            kind.go_name()
        )))
    }
}

/// A patch value copied into the result as is: nulls dropped, directives removed
/// (`discardNullValuesFromPatch` + `removeDirectives`); `None` if it was itself a directive.
fn clean(mut value: Value) -> Option<Value> {
    discard_nulls(&mut value);
    remove_directives(value)
}

fn discard_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(discard_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}

/// `None` for a directive (an object holding `$patch`), else the value without the
/// directives nested in it.
fn remove_directives(mut value: Value) -> Option<Value> {
    if is_directive(&value) {
        return None;
    }
    strip_directives(&mut value);
    Some(value)
}

fn is_directive(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.contains_key(DIRECTIVE))
}

/// In place: a patch rarely holds a directive, and rebuilding its maps rehashes every key.
fn strip_directives(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !is_directive(v));
            map.values_mut().for_each(strip_directives);
        }
        Value::Array(items) => {
            items.retain(|v| !is_directive(v));
            items.iter_mut().for_each(strip_directives);
        }
        _ => {}
    }
}

fn take_object(value: &mut Value) -> Map<String, Value> {
    match std::mem::take(value) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn take_array(value: &mut Value) -> Vec<Value> {
    match std::mem::take(value) {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Compact JSON for error messages, cut short.
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or("")),
        None => text,
    }
}

/// A JSON path built on the stack, rendered only for errors.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("<root>"),
            Path::Key(Path::Root, key) => write!(f, "{key}"),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl Path<'_> {
    fn error(&self, message: impl Into<String>) -> MergeError {
        MergeError {
            path: self.to_string(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests;

//! Go's round trip of a typed value (`json.Unmarshal` into its struct, `json.Marshal` back),
//! as kube-inject needs it for the workloads it decodes and the pod templates it injects.
//!
//! The normalizer writes Go's zero values by rebuilding every map; without them it normalizes
//! a map already in Go's field order where it is, which is what the injector hands back and
//! what this module leaves behind. So the round trip is done in two steps: the normalizer
//! without zero values, then the zero values inserted at their place in Go's field order.

use serde_json::{Map, Value};

use crate::k8s::{self, Elem, Field, Kind, NormalizeOptions, SchemaError, Struct};

/// Go's round trip of a value of struct `ty`: what `k8s::normalize_owned` with
/// [`NormalizeOptions::go`] gives. The only `omitzero` field is a time, so writing zero values
/// inside a struct never changes whether the struct itself is written.
pub(super) fn go_struct(ty: &'static Struct, value: Value) -> Result<Value, SchemaError> {
    let without_zeros = NormalizeOptions {
        emit_zero_structs: false,
        ..NormalizeOptions::go()
    };
    let mut value = k8s::normalize_owned(ty, value, &without_zeros)?;
    if let Value::Object(map) = &mut value {
        write_zeros(ty, map);
    }
    Ok(value)
}

/// Adds, at every level of a normalized struct, the fields Go writes when they are zero, at
/// their place in Go's field order (where the normalizer leaves the map), so that the next
/// normalization of the pod can keep the map in place too.
fn write_zeros(ty: &'static Struct, map: &mut Map<String, Value>) {
    let legacy = NormalizeOptions::go().legacy_creation_timestamp;
    // Walk the keys beside the fields; a field passed over is absent.
    let mut fields = ty.flat_fields();
    let mut missing: Vec<(usize, &'static Field)> = Vec::new();
    let mut in_order = true;
    for (index, (key, value)) in map.iter_mut().enumerate() {
        let field = loop {
            match fields.next() {
                Some(field) if field.named(key) => break Some(field),
                Some(field) => {
                    if field.written_when_zero(legacy) {
                        missing.push((index, field));
                    }
                }
                None => break None,
            }
        };
        match field {
            Some(field) => zeros_below(field.kind, value),
            None => {
                in_order = false;
                break;
            }
        }
    }
    if !in_order {
        return write_zeros_unordered(ty, map);
    }
    missing.extend(
        fields
            .filter(|field| field.written_when_zero(legacy))
            .map(|field| (map.len(), field)),
    );
    for (inserted, (index, field)) in missing.into_iter().enumerate() {
        map.shift_insert(index + inserted, field.json.to_string(), zero(field));
    }
}

/// [`write_zeros`] for a map whose keys are not in Go's field order (zeros go last).
fn write_zeros_unordered(ty: &'static Struct, map: &mut Map<String, Value>) {
    let legacy = NormalizeOptions::go().legacy_creation_timestamp;
    for (key, value) in map.iter_mut() {
        if let Some(field) = ty.field(key) {
            zeros_below(field.kind, value);
        }
    }
    for field in ty.flat_fields() {
        if field.written_when_zero(legacy) && !map.contains_key(field.json) {
            map.insert(field.json.to_string(), zero(field));
        }
    }
}

fn zeros_below(kind: Kind, value: &mut Value) {
    match (kind, value) {
        (Kind::Struct(s), Value::Object(map)) => write_zeros(s, map),
        (Kind::Slice(Elem::Struct(s)), Value::Array(items)) => {
            for item in items {
                zeros_below(Kind::Struct(s), item);
            }
        }
        (Kind::Map(Elem::Struct(s)), Value::Object(map)) => {
            for item in map.values_mut() {
                zeros_below(Kind::Struct(s), item);
            }
        }
        _ => {}
    }
}

/// What Go writes for a field holding its zero value.
fn zero(field: &Field) -> Value {
    match field.kind {
        Kind::Struct(s) if !field.ptr => {
            let mut map = Map::new();
            write_zeros(s, &mut map);
            Value::Object(map)
        }
        _ => field.go_zero(),
    }
}

#[cfg(test)]
mod tests;

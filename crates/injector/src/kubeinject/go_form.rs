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

/// Adds, at every level of a normalized struct, the fields Go writes when they are zero: in
/// Go's field order when the map is in it (as the normalizer leaves a map it could keep in
/// place), so that the next normalization of the pod can keep it in place too.
fn write_zeros(ty: &'static Struct, map: &mut Map<String, Value>) {
    // Flat field positions seen; structs have far fewer than 128 fields, and a position
    // beyond is looked up by name instead.
    let mut present = 0u128;
    let mut in_order = true;
    // Keys in Go's order are found by scanning on from the previous one.
    let mut scan = ty.flat_fields().enumerate();
    for (key, value) in map.iter_mut() {
        let mut probe = scan.clone();
        let found = match probe.find(|(_, field)| field.named(key)) {
            Some(hit) => {
                scan = probe;
                Some(hit)
            }
            None => {
                in_order = false;
                ty.field_position(key)
            }
        };
        if let Some((position, field)) = found {
            if position < 128 {
                present |= 1 << position;
            }
            zeros_below(field.kind, value);
        }
    }
    let legacy = NormalizeOptions::go().legacy_creation_timestamp;
    let mut index = 0;
    for (position, field) in ty.flat_fields().enumerate() {
        let seen = if position < 128 {
            present & (1 << position) != 0
        } else {
            map.contains_key(field.json)
        };
        if seen {
            index += 1;
        } else if field.written_when_zero(legacy) {
            if in_order {
                map.shift_insert(index, field.json.to_string(), zero(field));
                index += 1;
            } else {
                map.insert(field.json.to_string(), zero(field));
            }
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

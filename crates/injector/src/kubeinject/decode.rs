//! Decoding a document as `istioctl kube-inject` does (`FromRawToObject`): `sigs.k8s.io/yaml`
//! reads the YAML into JSON, its `TypeMeta` picks the Go type, and `encoding/json` decodes the
//! document into it.
//!
//! `sigs.k8s.io/yaml` converts with the Go type as a guide: a YAML number or boolean bound for
//! a Go string (a field, a map value or a slice element, through pointers) becomes that
//! string (`sidecar.istio.io/inject: false` is the annotation `"false"`). The guide follows
//! its own rules, which are kept here: a type with its own JSON decoding (quantities,
//! int-or-strings, times, raw values) is not a string target, and a field promoted from an
//! embedded struct is looked up with the embedded struct as the target, so scalars directly
//! under it are not converted and lookups below it find nothing.

use serde_json::{Map, Value};

use super::KubeInjectError;
use super::kinds::Kind;
use crate::goyaml::unmarshal as yaml_to_json;
use crate::k8s::{self, Elem, Struct};

/// What a document is to kube-inject.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// Not a registered kind (or no kind at all): written back as it was read.
    Unregistered,
    /// A registered object, as Go's JSON of its typed value (unknown fields dropped, zero
    /// values written).
    Object { kind: Kind, object: Value },
}

/// Reads one document's YAML text.
pub fn decode_text(text: &str) -> Result<Decoded, KubeInjectError> {
    let value = yaml_to_json(text).map_err(KubeInjectError::Yaml)?;
    decode_value(value)
}

/// Decodes a document already read into JSON (a `List` item).
pub fn decode_value(value: Value) -> Result<Decoded, KubeInjectError> {
    match registered_kind(&value)? {
        None => Ok(Decoded::Unregistered),
        Some(kind) => Ok(Decoded::Object {
            kind,
            object: decode_as(kind, value)?,
        }),
    }
}

/// The registered kind named by the document's `TypeMeta`, if any.
pub fn registered_kind(value: &Value) -> Result<Option<Kind>, KubeInjectError> {
    Ok(type_meta_kind(value)?.and_then(|kind| Kind::from_name(&kind)))
}

/// `encoding/json` decoding (after `sigs.k8s.io/yaml`'s string conversion) of a document into
/// the Go type of `kind`, as that type's Go JSON.
pub fn decode_as(kind: Kind, mut value: Value) -> Result<Value, KubeInjectError> {
    let ty = kind.go_type();
    coerce_struct(ty, &mut value);
    super::go_form::go_struct(ty, value).map_err(|e| KubeInjectError::Decode(e.to_string()))
}

/// The `kind` of the document's `TypeMeta`; `None` for an empty (null) document.
fn type_meta_kind(value: &Value) -> Result<Option<String>, KubeInjectError> {
    let map = match value {
        Value::Null => return Ok(None),
        Value::Object(map) => map,
        other => {
            return Err(KubeInjectError::Decode(format!(
                "cannot unmarshal {} into Go value of type v1.TypeMeta",
                json_type(other)
            )));
        }
    };
    let mut kind = None;
    for field in ["apiVersion", "kind"] {
        let text = match map.get(field) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(scalar @ (Value::Number(_) | Value::Bool(_))) => {
                scalar_as_string(scalar).unwrap_or_default()
            }
            Some(other) => {
                return Err(KubeInjectError::Decode(format!(
                    "cannot unmarshal {} into Go struct field TypeMeta.{field} of type string",
                    json_type(other)
                )));
            }
        };
        if field == "kind" {
            kind = Some(text);
        }
    }
    Ok(kind)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `sigs.k8s.io/yaml`'s text for a number or boolean bound for a Go string: integers in
/// decimal, floats as `strconv.FormatFloat(f, 'g', -1, 32)`.
fn scalar_as_string(value: &Value) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                Some(n.to_string())
            } else {
                n.as_f64().map(format_float32)
            }
        }
        _ => None,
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits of the float32 nearest to
/// `f`, laid out like `%g`. Those digits (at most 9) read back as a float64 whose own
/// shortest digits are the same, so the 64-bit formatter lays them out.
fn format_float32(f: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // float32 is the point
    let single = f as f32;
    let digits: f64 = format!("{single:e}").parse().unwrap_or(f);
    crate::golang::strconv::format_float(digits, b'g', -1)
}

/// Applies the string conversion to an object bound for the Go struct `ty`.
fn coerce_struct(ty: &'static Struct, value: &mut Value) {
    let Value::Object(map) = value else { return };
    for (key, item) in map.iter_mut() {
        match target_of(ty, key) {
            Some(Target::Field(kind)) => coerce(kind, item),
            Some(Target::Embedded(embedded)) => coerce_struct(embedded, item),
            None => {}
        }
    }
}

enum Target {
    /// A field declared in the struct itself.
    Field(k8s::Kind),
    /// A field promoted from this embedded struct: the guide is the embedded struct.
    Embedded(&'static Struct),
}

fn target_of(ty: &'static Struct, key: &str) -> Option<Target> {
    if let Some(field) = ty.fields.iter().find(|f| !f.inline && f.json == key) {
        return Some(Target::Field(field.kind));
    }
    ty.fields
        .iter()
        .filter(|f| f.inline)
        .find_map(|f| match f.struct_type() {
            Some(embedded) if embedded.field(key).is_some() => Some(Target::Embedded(embedded)),
            _ => None,
        })
}

fn coerce(kind: k8s::Kind, value: &mut Value) {
    match (kind, &mut *value) {
        (k8s::Kind::String, Value::Number(_) | Value::Bool(_)) => {
            if let Some(text) = scalar_as_string(value) {
                *value = Value::String(text);
            }
        }
        (k8s::Kind::Struct(s), Value::Object(_)) => coerce_struct(s, value),
        (k8s::Kind::Slice(elem), Value::Array(items)) => {
            for item in items {
                coerce(elem.kind(), item);
            }
        }
        (k8s::Kind::Map(elem), Value::Object(map)) => coerce_map_values(elem, map),
        _ => {}
    }
}

fn coerce_map_values(elem: Elem, map: &mut Map<String, Value>) {
    for item in map.values_mut() {
        coerce(elem.kind(), item);
    }
}

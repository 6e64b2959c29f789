//! Proto messages as JSON, with the semantics of Istio's `protomarshal` package.
//!
//! Istio keeps MeshConfig and ProxyConfig as protobuf messages. It reads them with
//! `protomarshal.ApplyYAML` (YAML → JSON → golang/protobuf's legacy `jsonpb` unmarshaler onto an
//! existing message, retried with unknown fields allowed) and writes them with `jsonpb`
//! (`protoToJSON`). Here a message is a JSON object in *canonical form*:
//!
//! * keys are the proto JSON names, in proto declaration order;
//! * a field is present exactly when proto reflection's `Has` would be true: scalars and enums
//!   only when non-zero (unless they are a oneof member), strings only when non-empty,
//!   maps and lists only when non-empty, wrappers, durations and messages whenever set;
//! * durations are stored in their proto JSON text (`"45s"`), enums by name.
//!
//! What the legacy unmarshaler does when applied onto an existing message, and so what
//! [`apply_overlay`] does:
//!
//! * each field present in the input replaces the field wholesale: nested messages are *not*
//!   merged, maps are replaced (Istio merges `proxyMetadata` by key itself, see
//!   `ProxyConfig`), lists are replaced, not appended;
//! * fields absent from the input keep their value; a field given as `null` also keeps it;
//! * both the JSON name (`drainDuration`) and the proto name (`drain_duration`) are accepted,
//!   the JSON name winning when both are given;
//! * unknown fields are ignored (Istio retries with `AllowUnknownFields`), but a known field of
//!   the wrong type is an error;
//! * setting one member of a oneof clears the others;
//! * integers may be given as JSON numbers or as strings holding an integer; durations are
//!   strings in Go's `time.ParseDuration` syntax; enums are names or numbers.

use serde_json::{Map, Number, Value};

use super::duration::Duration;
use super::text::{index_path, join_path, kind_name};
use crate::error::ConfigError;
use crate::golang::json::{write_string, write_value};

/// A proto enum: its full name (for error texts) and its values.
#[derive(Debug)]
pub struct EnumSchema {
    pub name: &'static str,
    pub values: &'static [(&'static str, i32)],
}

impl EnumSchema {
    pub fn number_of(&self, name: &str) -> Option<i32> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    pub fn name_of(&self, number: i64) -> Option<&'static str> {
        self.values
            .iter()
            .find(|(_, v)| i64::from(*v) == number)
            .map(|(n, _)| *n)
    }
}

/// A proto message: its full name and fields in declaration order.
#[derive(Debug)]
pub struct MessageSchema {
    pub name: &'static str,
    pub fields: &'static [FieldSchema],
}

impl MessageSchema {
    pub fn field_by_json(&self, json: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.json == json)
    }

    /// The field with this Go struct field name (what Go templates write, e.g.
    /// `.ProxyConfig.InterceptionMode`).
    pub fn field_by_go(&self, go: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.go == go)
    }
}

/// One field of a proto message.
#[derive(Debug)]
pub struct FieldSchema {
    /// lowerCamel JSON name (`drainDuration`).
    pub json: &'static str,
    /// snake_case proto name (`drain_duration`), also accepted on input.
    pub proto: &'static str,
    /// Go struct field name (`DrainDuration`).
    pub go: &'static str,
    pub kind: FieldKind,
    /// The oneof this field belongs to, if any.
    pub oneof: Option<&'static str>,
}

impl FieldSchema {
    /// A field outside any oneof: its JSON, proto and Go names and its type.
    pub const fn new(
        json: &'static str,
        proto: &'static str,
        go: &'static str,
        kind: FieldKind,
    ) -> FieldSchema {
        FieldSchema {
            json,
            proto,
            go,
            kind,
            oneof: None,
        }
    }

    /// A member of the oneof `group`.
    pub const fn oneof(
        json: &'static str,
        proto: &'static str,
        go: &'static str,
        kind: FieldKind,
        group: &'static str,
    ) -> FieldSchema {
        FieldSchema {
            json,
            proto,
            go,
            kind,
            oneof: Some(group),
        }
    }
}

/// The type of a proto field, as far as JSON reading and writing are concerned.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    String,
    Bool,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Double,
    Enum(&'static EnumSchema),
    /// `google.protobuf.Duration`.
    Duration,
    BoolValue,
    Int32Value,
    UInt32Value,
    Int64Value,
    DoubleValue,
    StringValue,
    Message(&'static MessageSchema),
    /// A message whose fields this crate does not model; kept as the JSON object given.
    OpaqueMessage,
    /// `google.protobuf.Struct`: any JSON object.
    Struct,
    /// `map<string, string>`.
    StringMap,
    /// `map<string, SomeMessage>` with an unmodelled value type.
    OpaqueMap,
    RepeatedString,
    RepeatedEnum(&'static EnumSchema),
    RepeatedMessage(&'static MessageSchema),
    /// A list of unmodelled messages.
    RepeatedOpaque,
}

/// Applies `overlay` (a JSON object, or `null` for nothing) onto the canonical message
/// `target`, with the legacy `jsonpb` semantics described in the module documentation.
/// `path` is the dotted path of the message, used in error fields.
pub fn apply_overlay(
    schema: &MessageSchema,
    target: &mut Map<String, Value>,
    overlay: &Value,
    path: &str,
) -> Result<(), ConfigError> {
    apply_overlay_except(schema, target, overlay, path, &[])
}

/// [`apply_overlay`], leaving the fields named (by JSON name) in `skip` to the caller.
pub fn apply_overlay_except(
    schema: &MessageSchema,
    target: &mut Map<String, Value>,
    overlay: &Value,
    path: &str,
    skip: &[&str],
) -> Result<(), ConfigError> {
    match overlay {
        Value::Null => Ok(()),
        Value::Object(input) => apply_fields(schema, target, input, path, skip),
        other => Err(type_error(path, "an object", other)),
    }
}

/// [`apply_overlay_except`] for an overlay that is already known to be an object.
pub fn apply_fields(
    schema: &MessageSchema,
    target: &mut Map<String, Value>,
    input: &Map<String, Value>,
    path: &str,
    skip: &[&str],
) -> Result<(), ConfigError> {
    let mut changed = false;
    for field in schema.fields {
        if skip.contains(&field.json) {
            continue;
        }
        let Some(raw) = lookup(input, field) else {
            continue;
        };
        if raw.is_null() {
            continue;
        }
        let value = normalize_field(field, raw, &join_path(path, field.json))?;
        if let Some(group) = field.oneof {
            for sibling in schema.fields {
                if sibling.oneof == Some(group) && sibling.json != field.json {
                    target.remove(sibling.json);
                }
            }
        }
        match value {
            Some(value) => {
                target.insert(field.json.to_string(), value);
            }
            None => {
                target.remove(field.json);
            }
        }
        changed = true;
    }
    if changed {
        reorder(schema, target);
    }
    Ok(())
}

/// The input value of `field`: the JSON name wins over the proto name, as in `jsonpb`.
pub fn lookup<'a>(input: &'a Map<String, Value>, field: &FieldSchema) -> Option<&'a Value> {
    input.get(field.json).or_else(|| input.get(field.proto))
}

/// Puts the keys of `target` back into declaration order (inserting appends at the end).
pub fn reorder(schema: &MessageSchema, target: &mut Map<String, Value>) {
    let mut old = std::mem::take(target);
    for field in schema.fields {
        if let Some(value) = old.remove(field.json) {
            target.insert(field.json.to_string(), value);
        }
    }
    target.extend(old);
}

/// Reads one field value into canonical form; `None` means "not set" (a zero scalar).
pub fn normalize_field(
    field: &FieldSchema,
    raw: &Value,
    path: &str,
) -> Result<Option<Value>, ConfigError> {
    let keep_zero = field.oneof.is_some();
    let set_if = |is_set: bool, value: Value| (is_set || keep_zero).then_some(value);
    Ok(match field.kind {
        FieldKind::String => {
            let s = expect_string(raw, path)?;
            set_if(!s.is_empty(), Value::String(s.to_string()))
        }
        FieldKind::Bool => {
            let b = expect_bool(raw, path)?;
            set_if(b, Value::Bool(b))
        }
        FieldKind::Int32 => {
            let n = parse_integer(raw, path, i64::from(i32::MIN), i64::from(i32::MAX))?;
            set_if(n != 0, Value::from(n))
        }
        FieldKind::UInt32 => {
            let n = parse_integer(raw, path, 0, i64::from(u32::MAX))?;
            set_if(n != 0, Value::from(n))
        }
        FieldKind::Int64 => {
            let n = parse_integer(raw, path, i64::MIN, i64::MAX)?;
            set_if(n != 0, Value::from(n))
        }
        FieldKind::UInt64 => {
            let n = parse_unsigned(raw, path)?;
            set_if(n != 0, Value::from(n))
        }
        FieldKind::Double => {
            let v = parse_double(raw, path)?;
            let is_zero = v.as_f64() == Some(0.0);
            set_if(!is_zero, v)
        }
        FieldKind::Enum(schema) => {
            let (name, number) = parse_enum(schema, raw, path)?;
            set_if(number != 0, Value::String(name.to_string()))
        }
        FieldKind::Duration => Some(Value::String(parse_duration(raw, path)?.to_proto_json())),
        FieldKind::BoolValue => Some(Value::Bool(expect_bool(raw, path)?)),
        FieldKind::Int32Value => Some(Value::from(parse_integer(
            raw,
            path,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        )?)),
        FieldKind::UInt32Value => Some(Value::from(parse_integer(
            raw,
            path,
            0,
            i64::from(u32::MAX),
        )?)),
        FieldKind::Int64Value => Some(Value::from(parse_integer(raw, path, i64::MIN, i64::MAX)?)),
        FieldKind::DoubleValue => Some(parse_double(raw, path)?),
        FieldKind::StringValue => Some(Value::String(expect_string(raw, path)?.to_string())),
        FieldKind::Message(schema) => {
            let mut message = Map::new();
            apply_overlay(schema, &mut message, raw, path)?;
            Some(Value::Object(message))
        }
        FieldKind::OpaqueMessage | FieldKind::Struct => {
            expect_object(raw, path)?;
            Some(raw.clone())
        }
        FieldKind::StringMap => {
            let input = expect_object(raw, path)?;
            let mut map = Map::new();
            for (key, value) in input {
                let text = match value {
                    // Go's encoding/json leaves a string unset (empty) for `null`.
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => return Err(type_error(&join_path(path, key), "a string", other)),
                };
                map.insert(key.clone(), Value::String(text));
            }
            set_if(!map.is_empty(), Value::Object(map))
        }
        FieldKind::OpaqueMap => {
            let input = expect_object(raw, path)?;
            for (key, value) in input {
                if !matches!(value, Value::Object(_) | Value::Null) {
                    return Err(type_error(&join_path(path, key), "an object", value));
                }
            }
            set_if(!input.is_empty(), raw.clone())
        }
        FieldKind::RepeatedString => {
            let items = expect_array(raw, path)?;
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Null => list.push(Value::String(String::new())),
                    Value::String(s) => list.push(Value::String(s.clone())),
                    other => return Err(type_error(&index_path(path, i), "a string", other)),
                }
            }
            set_if(!list.is_empty(), Value::Array(list))
        }
        FieldKind::RepeatedEnum(schema) => {
            let items = expect_array(raw, path)?;
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let (name, _) = parse_enum(schema, item, &index_path(path, i))?;
                list.push(Value::String(name.to_string()));
            }
            set_if(!list.is_empty(), Value::Array(list))
        }
        FieldKind::RepeatedMessage(schema) => {
            let items = expect_array(raw, path)?;
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let mut message = Map::new();
                apply_overlay(schema, &mut message, item, &index_path(path, i))?;
                list.push(Value::Object(message));
            }
            set_if(!list.is_empty(), Value::Array(list))
        }
        FieldKind::RepeatedOpaque => {
            let items = expect_array(raw, path)?;
            for (i, item) in items.iter().enumerate() {
                if !matches!(item, Value::Object(_) | Value::Null) {
                    return Err(type_error(&index_path(path, i), "an object", item));
                }
            }
            set_if(!items.is_empty(), raw.clone())
        }
    })
}

pub fn type_error(path: &str, expected: &str, got: &Value) -> ConfigError {
    ConfigError::new(path, format!("expected {expected}, got {}", kind_name(got)))
}

fn expect_string<'a>(raw: &'a Value, path: &str) -> Result<&'a str, ConfigError> {
    raw.as_str()
        .ok_or_else(|| type_error(path, "a string", raw))
}

fn expect_bool(raw: &Value, path: &str) -> Result<bool, ConfigError> {
    raw.as_bool()
        .ok_or_else(|| type_error(path, "a boolean (true or false)", raw))
}

fn expect_object<'a>(raw: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ConfigError> {
    raw.as_object()
        .ok_or_else(|| type_error(path, "an object", raw))
}

fn expect_array<'a>(raw: &'a Value, path: &str) -> Result<&'a Vec<Value>, ConfigError> {
    raw.as_array()
        .ok_or_else(|| type_error(path, "a list", raw))
}

/// An integer in `[min, max]`, from a JSON number or a string holding one. Whole floats are
/// accepted because Istio's YAML → JSON step prints `15020.0` as `15020`.
pub fn parse_integer(raw: &Value, path: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
    let out_of_range = || {
        ConfigError::new(
            path,
            format!("expected an integer between {min} and {max}, got {raw}"),
        )
    };
    let n = match raw {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i
            } else if n.is_u64() {
                return Err(out_of_range());
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || f < min as f64 || f > max as f64 {
                    return Err(out_of_range());
                }
                f as i64
            }
        }
        Value::String(s) => {
            if s.starts_with('+') {
                return Err(out_of_range());
            }
            s.parse::<i64>().map_err(|_| out_of_range())?
        }
        other => return Err(type_error(path, "an integer", other)),
    };
    if n < min || n > max {
        return Err(out_of_range());
    }
    Ok(n)
}

fn parse_unsigned(raw: &Value, path: &str) -> Result<u64, ConfigError> {
    let bad = || {
        ConfigError::new(
            path,
            format!("expected an unsigned 64-bit integer, got {raw}"),
        )
    };
    match raw {
        Value::Number(n) => n.as_u64().ok_or_else(bad),
        Value::String(s) if !s.starts_with('+') => s.parse::<u64>().map_err(|_| bad()),
        Value::String(_) => Err(bad()),
        other => Err(type_error(path, "an integer", other)),
    }
}

/// A double: a JSON number, a string holding one, or `"NaN"` / `"Infinity"` /
/// `"-Infinity"` (kept as those strings, since JSON numbers cannot hold them).
fn parse_double(raw: &Value, path: &str) -> Result<Value, ConfigError> {
    match raw {
        Value::Number(_) => Ok(raw.clone()),
        Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
            Ok(raw.clone())
        }
        Value::String(s) => serde_json::from_str::<f64>(s)
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| ConfigError::new(path, format!("expected a number, got {raw}"))),
        other => Err(type_error(path, "a number", other)),
    }
}

/// An enum value given by name or number; returns its name and number.
pub fn parse_enum(
    schema: &EnumSchema,
    raw: &Value,
    path: &str,
) -> Result<(&'static str, i32), ConfigError> {
    let unknown = || {
        ConfigError::new(
            path,
            format!("unknown value {raw} for enum {}", schema.name),
        )
    };
    match raw {
        Value::String(s) => {
            let number = schema.number_of(s).ok_or_else(unknown)?;
            let name = schema.name_of(i64::from(number)).ok_or_else(unknown)?;
            Ok((name, number))
        }
        Value::Number(n) => {
            let number = n.as_i64().ok_or_else(unknown)?;
            let name = schema.name_of(number).ok_or_else(unknown)?;
            Ok((name, i32::try_from(number).map_err(|_| unknown())?))
        }
        other => Err(type_error(path, "an enum name", other)),
    }
}

/// A duration string in Go syntax (`"1m30s"`); `jsonpb` rejects numbers here.
pub fn parse_duration(raw: &Value, path: &str) -> Result<Duration, ConfigError> {
    let text = raw
        .as_str()
        .ok_or_else(|| type_error(path, "a duration string such as \"45s\"", raw))?;
    Duration::parse_go(text).map_err(|err| ConfigError::new(path, format!("bad Duration: {err}")))
}

/// Writes a canonical message as `jsonpb` does (compact, declaration order, map keys sorted,
/// 64-bit integers quoted, Go's string escaping). Fields for which `omit` returns true are
/// left out.
pub fn write_message(
    schema: &MessageSchema,
    message: &Map<String, Value>,
    out: &mut String,
    omit: &dyn Fn(&FieldSchema, &Value) -> bool,
) {
    out.push('{');
    let start = out.len();
    // Canonical messages hold their fields in declaration order: one walk along the schema
    // then finds each, where a hashed look-up per declared field would cost far more (a
    // ProxyConfig declares fifty, and sets about ten).
    let mut fields = schema.fields.iter();
    let mut first = true;
    let mut in_order = true;
    for (key, value) in message {
        let Some(field) = fields.by_ref().find(|f| f.json == key.as_str()) else {
            in_order = false;
            break;
        };
        write_field(field, value, out, omit, &mut first);
    }
    if !in_order {
        out.truncate(start);
        first = true;
        for field in schema.fields {
            if let Some(value) = message.get(field.json) {
                write_field(field, value, out, omit, &mut first);
            }
        }
    }
    out.push('}');
}

fn write_field(
    field: &FieldSchema,
    value: &Value,
    out: &mut String,
    omit: &dyn Fn(&FieldSchema, &Value) -> bool,
    first: &mut bool,
) {
    if omit(field, value) {
        return;
    }
    if !*first {
        out.push(',');
    }
    *first = false;
    write_string(out, field.json);
    out.push(':');
    write_field_value(field.kind, value, out);
}

fn write_field_value(kind: FieldKind, value: &Value, out: &mut String) {
    match (kind, value) {
        (FieldKind::Int64 | FieldKind::UInt64 | FieldKind::Int64Value, Value::Number(n)) => {
            out.push('"');
            out.push_str(&n.to_string());
            out.push('"');
        }
        (FieldKind::Message(schema), Value::Object(message)) => {
            write_message(schema, message, out, &|_, _| false);
        }
        (FieldKind::RepeatedMessage(schema), Value::Array(items)) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match item {
                    Value::Object(message) => write_message(schema, message, out, &|_, _| false),
                    other => write_value(out, other, false),
                }
            }
            out.push(']');
        }
        (FieldKind::StringMap | FieldKind::OpaqueMap | FieldKind::Struct, _) => {
            write_value(out, value, true);
        }
        _ => write_value(out, value, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static COLOR: EnumSchema = EnumSchema {
        name: "test.Color",
        values: &[("RED", 0), ("GREEN", 1), ("BLUE", 7)],
    };
    static INNER: MessageSchema = MessageSchema {
        name: "test.Inner",
        fields: &[
            FieldSchema {
                json: "a",
                proto: "a",
                go: "A",
                kind: FieldKind::String,
                oneof: None,
            },
            FieldSchema {
                json: "b",
                proto: "b",
                go: "B",
                kind: FieldKind::Int32,
                oneof: None,
            },
        ],
    };
    static OUTER: MessageSchema = MessageSchema {
        name: "test.Outer",
        fields: &[
            FieldSchema {
                json: "name",
                proto: "name",
                go: "Name",
                kind: FieldKind::String,
                oneof: Some("choice"),
            },
            FieldSchema {
                json: "color",
                proto: "color",
                go: "Color",
                kind: FieldKind::Enum(&COLOR),
                oneof: Some("choice"),
            },
            FieldSchema {
                json: "maxCount",
                proto: "max_count",
                go: "MaxCount",
                kind: FieldKind::Int64Value,
                oneof: None,
            },
            FieldSchema {
                json: "inner",
                proto: "inner",
                go: "Inner",
                kind: FieldKind::Message(&INNER),
                oneof: None,
            },
            FieldSchema {
                json: "tags",
                proto: "tags",
                go: "Tags",
                kind: FieldKind::StringMap,
                oneof: None,
            },
            FieldSchema {
                json: "ratio",
                proto: "ratio",
                go: "Ratio",
                kind: FieldKind::Double,
                oneof: None,
            },
            FieldSchema {
                json: "wait",
                proto: "wait",
                go: "Wait",
                kind: FieldKind::Duration,
                oneof: None,
            },
            FieldSchema {
                json: "items",
                proto: "items",
                go: "Items",
                kind: FieldKind::RepeatedString,
                oneof: None,
            },
        ],
    };

    fn overlay(target: &mut Map<String, Value>, input: Value) -> Result<(), ConfigError> {
        apply_overlay(&OUTER, target, &input, "")
    }

    fn text(message: &Map<String, Value>) -> String {
        let mut out = String::new();
        write_message(&OUTER, message, &mut out, &|_, _| false);
        out
    }

    #[test]
    fn fields_replace_and_nested_messages_are_not_merged() {
        let mut m = Map::new();
        overlay(
            &mut m,
            json!({"inner": {"a": "x", "b": 2}, "tags": {"k": "v"}}),
        )
        .unwrap();
        overlay(&mut m, json!({"inner": {"b": 3}, "tags": {"other": "w"}})).unwrap();
        assert_eq!(m["inner"], json!({"b": 3}));
        assert_eq!(m["tags"], json!({"other": "w"}));
    }

    #[test]
    fn null_keeps_the_value_and_zero_clears_it() {
        let mut m = Map::new();
        overlay(&mut m, json!({"inner": {"a": "x", "b": 2}, "ratio": 1.5})).unwrap();
        overlay(&mut m, json!({"inner": null, "ratio": 0})).unwrap();
        assert_eq!(m["inner"], json!({"a": "x", "b": 2}));
        assert!(!m.contains_key("ratio"));
    }

    #[test]
    fn oneof_members_replace_each_other_and_keep_zero_values() {
        let mut m = Map::new();
        overlay(&mut m, json!({"name": "n"})).unwrap();
        overlay(&mut m, json!({"color": "RED"})).unwrap();
        assert_eq!(Value::Object(m.clone()), json!({"color": "RED"}));
        assert_eq!(text(&m), r#"{"color":"RED"}"#);
        overlay(&mut m, json!({"name": ""})).unwrap();
        assert_eq!(Value::Object(m), json!({"name": ""}));
    }

    #[test]
    fn json_name_wins_over_proto_name_and_unknown_fields_are_ignored() {
        let mut m = Map::new();
        overlay(
            &mut m,
            json!({"max_count": 1, "maxCount": 2, "unknownField": {"x": 1}}),
        )
        .unwrap();
        assert_eq!(Value::Object(m.clone()), json!({"maxCount": 2}));
        let mut m2 = Map::new();
        overlay(&mut m2, json!({"max_count": "7"})).unwrap();
        assert_eq!(m2["maxCount"], json!(7));
    }

    #[test]
    fn output_follows_declaration_order_not_input_order() {
        let mut m = Map::new();
        overlay(
            &mut m,
            json!({"items": ["a"], "wait": "1m30s", "tags": {"z": "1", "a": "<&>"}, "maxCount": 0, "color": "BLUE"}),
        )
        .unwrap();
        assert_eq!(
            text(&m),
            r#"{"color":"BLUE","maxCount":"0","tags":{"a":"\u003c\u0026\u003e","z":"1"},"wait":"90s","items":["a"]}"#
        );
    }

    #[test]
    fn any_field_order_and_unknown_keys_give_the_declaration_order_text() {
        let mut canonical = Map::new();
        overlay(
            &mut canonical,
            json!({"color": "BLUE", "maxCount": 3, "inner": {"a": "x", "b": 2}, "ratio": 1.5, "items": ["a"]}),
        )
        .unwrap();
        reorder(&OUTER, &mut canonical);
        let want = text(&canonical);
        assert_eq!(
            want,
            r#"{"color":"BLUE","maxCount":"3","inner":{"a":"x","b":2},"ratio":1.5,"items":["a"]}"#
        );
        let entries: Vec<(String, Value)> = canonical.clone().into_iter().collect();
        for shift in 0..entries.len() {
            for unknown_at in 0..=entries.len() {
                let mut order = entries.clone();
                order.rotate_left(shift);
                order.insert(unknown_at, ("notAField".to_string(), json!(1)));
                let shuffled: Map<String, Value> = order.into_iter().collect();
                assert_eq!(text(&shuffled), want, "{shuffled:?}");
            }
        }
    }

    #[test]
    fn type_errors_name_the_field() {
        let mut m = Map::new();
        let err = overlay(&mut m, json!({"inner": {"b": "x"}})).unwrap_err();
        assert_eq!(err.field, "inner.b");
        let err = overlay(&mut m, json!({"tags": {"k": 1}})).unwrap_err();
        assert_eq!(err.field, "tags.k");
        let err = overlay(&mut m, json!({"items": ["a", 2]})).unwrap_err();
        assert_eq!(err.field, "items[1]");
        let err = overlay(&mut m, json!({"color": "PURPLE"})).unwrap_err();
        assert_eq!(err.field, "color");
        assert!(err.message.contains("test.Color"), "{err}");
        let err = overlay(&mut m, json!({"wait": 45})).unwrap_err();
        assert_eq!(err.field, "wait");
        let err = overlay(&mut m, json!({"inner": {"b": 3_000_000_000u64}})).unwrap_err();
        assert_eq!(err.field, "inner.b");
        let err = overlay(&mut m, json!([1])).unwrap_err();
        assert_eq!(err.field, "");
    }

    #[test]
    fn enums_by_number_and_whole_floats_as_integers() {
        let mut m = Map::new();
        overlay(&mut m, json!({"color": 7, "inner": {"b": 15020.0}})).unwrap();
        assert_eq!(m["color"], json!("BLUE"));
        assert_eq!(m["inner"]["b"], json!(15020));
        assert!(overlay(&mut m, json!({"inner": {"b": 1.5}})).is_err());
        assert!(overlay(&mut m, json!({"color": 3})).is_err());
    }
}

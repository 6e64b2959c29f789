//! Go's view of function arguments: typed parameters (`string`, `int`, `map[string]string`,
//! `[]corev1.Container` …) accept only values Go could assign, with Go's error text; and the
//! reflect-level helpers sprig builds on (`strval`, `strslice`, `empty`, `DeepEqual`,
//! `cast.ToInt64`, the JSON Go's `encoding/json` would write).

use gotemplate::{FuncError, Map as GoMap, Value};
use serde_json::Value as Json;
use std::rc::Rc;

use crate::k8s::{CONTAINER, Struct, to_go_json};
use crate::render::template::data::k8s::K8sObject;
use crate::render::template::data::proto::{EnumValue, GoDuration};

/// The `i`-th argument (the engine checked the arity; a missing one reads as nil).
pub(crate) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

/// A `string` parameter.
pub(crate) fn string(args: &[Value], i: usize) -> Result<Rc<str>, FuncError> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(FuncError::wrong_type("string", other)),
        None => Err(FuncError::wrong_type("string", &Value::Nil)),
    }
}

/// An `int` parameter. Template number constants are ints; a `float64` (every number of
/// `.Values`) is refused, as Go refuses it.
pub(crate) fn int(args: &[Value], i: usize) -> Result<i64, FuncError> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(other) => Err(FuncError::wrong_type("int", other)),
        None => Err(FuncError::wrong_type("int", &Value::Nil)),
    }
}

/// A `bool` parameter.
pub(crate) fn boolean(args: &[Value], i: usize) -> Result<bool, FuncError> {
    match args.get(i) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(FuncError::wrong_type("bool", other)),
        None => Err(FuncError::wrong_type("bool", &Value::Nil)),
    }
}

/// True for the Go type `map[string]string`.
fn is_string_map(m: &GoMap) -> bool {
    matches!(m.elem_zero(), Value::String(_))
}

/// The entries of a `map[string]string`, sorted by key.
pub(crate) type StringEntries = Vec<(Rc<str>, Rc<str>)>;

/// A `map[string]string` parameter (nil is an empty map), as sorted entries.
pub(crate) fn string_map(v: &Value) -> Result<StringEntries, FuncError> {
    match v {
        Value::Nil | Value::NoValue => Ok(Vec::new()),
        Value::Map(m) if is_string_map(m) => Ok(m
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => Rc::from(other.to_string()),
                };
                (k.clone(), text)
            })
            .collect()),
        other => Err(FuncError::wrong_type("map[string]string", other)),
    }
}

/// A `map[string]interface {}` parameter (nil is an empty map).
pub(crate) fn any_map(v: &Value) -> Result<Rc<GoMap>, FuncError> {
    match v {
        Value::Nil | Value::NoValue => Ok(Rc::new(GoMap::new())),
        Value::Map(m) if !is_string_map(m) => Ok(m.clone()),
        other => Err(FuncError::wrong_type("map[string]interface {}", other)),
    }
}

/// A `[]corev1.Container` parameter (nil is empty).
pub(crate) fn containers(v: &Value) -> Result<Vec<Rc<dyn gotemplate::Object>>, FuncError> {
    let bad = || FuncError::wrong_type("[]v1.Container", v);
    match v {
        Value::Nil | Value::NoValue => Ok(Vec::new()),
        Value::List(items) => items
            .iter()
            .map(|item| match item {
                Value::Object(o)
                    if o.downcast_ref::<K8sObject>()
                        .is_some_and(|k| std::ptr::eq(k.ty(), &CONTAINER)) =>
                {
                    Ok(o.clone())
                }
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

/// The k8s struct behind a value, if it is one.
pub(crate) fn k8s_object(v: &Value) -> Option<&K8sObject> {
    match v {
        Value::Object(o) => o.downcast_ref::<K8sObject>(),
        _ => None,
    }
}

/// Largest text an indenting function builds (the executor's output budget): a huge
/// indentation times many lines would otherwise exhaust memory before the budget applies.
const MAX_INDENTED_BYTES: usize = 16 << 20;

/// An indentation width parameter, refused when the indented `text` would be unreasonably
/// large.
pub(crate) fn indent_width(args: &[Value], i: usize, text: &str) -> Result<usize, FuncError> {
    let n = usize::try_from(int(args, i)?).unwrap_or(0);
    let lines = text.bytes().filter(|b| *b == b'\n').count() + 1;
    if n.saturating_mul(lines).saturating_add(text.len()) > MAX_INDENTED_BYTES {
        return Err(FuncError::new(format!(
            "indenting by {n} would exceed {MAX_INDENTED_BYTES} bytes"
        )));
    }
    Ok(n)
}

/// Sprig's `strval`: strings as they are, anything else as `fmt.Sprintf("%v")` (objects
/// print through their `String()` method or struct layout).
pub(crate) fn strval(v: &Value) -> Rc<str> {
    match v {
        Value::String(s) => s.clone(),
        other => Rc::from(crate::golang::strconv::sprint(std::slice::from_ref(other))),
    }
}

/// Sprig's `strslice`: a list's non-nil items as strings, nil as no items, anything else as
/// a one-item list.
pub(crate) fn strslice(v: &Value) -> Vec<Rc<str>> {
    match v {
        Value::List(items) => items
            .iter()
            .filter(|i| !i.is_nil_or_missing())
            .map(strval)
            .collect(),
        Value::Nil | Value::NoValue => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Sprig's `empty`: reflect's zero test. Structs are never empty; pointers when nil; an
/// enum or a `time.Duration` when zero (they are integers in Go).
pub(crate) fn empty(v: &Value) -> bool {
    match v {
        Value::NoValue | Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => {
            if let Some(e) = o.downcast_ref::<EnumValue>() {
                e.number() == 0
            } else if let Some(d) = o.downcast_ref::<GoDuration>() {
                d.0.as_nanos() == 0
            } else {
                o.is_nil()
            }
        }
        Value::Func(_) => false,
    }
}

/// `reflect.DeepEqual` over template values: types must match (`1` is not `1.0`).
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::NoValue | Value::Nil, Value::NoValue | Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Uint(x), Value::Uint(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.type_name() == y.type_name()
                && x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.type_name() == y.type_name() && x.to_json() == y.to_json()
        }
        _ => false,
    }
}

/// What Go's `encoding/json` writes for a value, as JSON: k8s structs as their typed Go
/// JSON (declaration order, `omitempty`), maps with sorted keys (gotemplate maps are
/// sorted), integral floats as integers.
pub(crate) fn go_json(v: &Value) -> Result<Json, String> {
    match v {
        Value::List(items) => items
            .iter()
            .map(go_json)
            .collect::<Result<_, _>>()
            .map(Json::Array),
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| Ok((k.to_string(), go_json(v)?)))
            .collect::<Result<_, String>>()
            .map(Json::Object),
        other => match k8s_object(other) {
            Some(obj) => k8s_go_json(obj.ty(), obj),
            None => Ok(other.to_json()),
        },
    }
}

fn k8s_go_json(ty: &'static Struct, obj: &K8sObject) -> Result<Json, String> {
    if gotemplate::Object::is_nil(obj) {
        return Ok(Json::Null);
    }
    let empty = Json::Object(serde_json::Map::new());
    let text = to_go_json(ty, obj.json().unwrap_or(&empty)).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Go's `json.Marshal` text of a value.
pub(crate) fn go_json_text(v: &Value) -> Result<String, String> {
    if let Some(obj) = k8s_object(v) {
        if gotemplate::Object::is_nil(obj) {
            return Ok("null".to_string());
        }
        let empty = Json::Object(serde_json::Map::new());
        // Straight from the type table: struct field order survives.
        return to_go_json(obj.ty(), obj.json().unwrap_or(&empty)).map_err(|e| e.to_string());
    }
    Ok(crate::golang::json::encode(&go_json(v)?))
}

/// `cast.ToInt64` (sprig's `toInt64`): numbers truncated, strings parsed as Go integer
/// literals (a `.0` fraction allowed), bools 1/0, anything else 0.
pub(crate) fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        #[allow(clippy::cast_possible_wrap)] // Go's int64(uint64) wraps the same way
        Value::Uint(u) => *u as i64,
        #[allow(clippy::cast_possible_truncation)] // Go's conversion truncates, saturating here
        Value::Float(f) => *f as i64,
        Value::String(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        Value::Object(o) => o.downcast_ref::<EnumValue>().map_or(0, EnumValue::number),
        _ => 0,
    }
}

/// `cast.ToFloat64`.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        #[allow(clippy::cast_precision_loss)]
        Value::Int(i) => *i as f64,
        #[allow(clippy::cast_precision_loss)]
        Value::Uint(u) => *u as f64,
        Value::Float(f) => *f,
        Value::String(s) => parse_go_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// cast's `trimZeroDecimal`: `"15.00"` → `"15"`.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, c) in s.char_indices().rev() {
        match c {
            '.' => return if found_zero { &s[..i] } else { s },
            '0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-`0` prefixes, `_`
/// separators.
pub(crate) fn parse_go_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.as_bytes().first()? {
        b'+' => (false, s.get(1..)?),
        b'-' => (true, s.get(1..)?),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(&digits, radix).ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text (and `inf`/`nan`).
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => return lower.parse().ok(),
        _ => {}
    }
    if s.contains(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))) {
        return None;
    }
    s.parse().ok()
}

/// Go's byte slicing `s[start:end]` of a string, for `trunc`/`substr`. A cut through a
/// multi-byte character leaves stray bytes in Go; here each stray byte becomes the
/// character U+00XX, which is what `quote` and YAML finally make of it (see
/// `istio_funcs::trunc`).
pub(crate) fn byte_slice(s: &str, start: usize, end: usize) -> String {
    let Some(bytes) = s.as_bytes().get(start..end) else {
        return String::new();
    };
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(after.len()).max(1);
                let (stray, tail) = after.split_at(bad.min(after.len()));
                out.extend(stray.iter().map(|&b| char::from(b)));
                rest = tail;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotemplate::Map;

    #[test]
    fn cast_to_int64_facts() {
        assert_eq!(to_int64(&Value::from("15")), 15);
        assert_eq!(to_int64(&Value::from("15.00")), 15);
        assert_eq!(to_int64(&Value::from("15.5")), 0);
        assert_eq!(to_int64(&Value::from("0x1F")), 31);
        assert_eq!(to_int64(&Value::from("010")), 8);
        assert_eq!(to_int64(&Value::from("x")), 0);
        assert_eq!(to_int64(&Value::Float(15.9)), 15);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
        assert_eq!(parse_go_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_go_int("9223372036854775808"), None);
        assert_eq!(parse_go_int("1_000"), Some(1000));
    }

    #[test]
    fn sprig_emptiness() {
        assert!(empty(&Value::Nil) && empty(&Value::NoValue));
        assert!(empty(&Value::Float(0.0)) && !empty(&Value::Float(0.1)));
        assert!(empty(&Value::from("")) && !empty(&Value::from("0")));
        assert!(empty(&Value::list(vec![])) && empty(&Value::map(Map::new())));
        assert!(empty(&Value::Bool(false)));
    }

    #[test]
    fn deep_equal_is_typed() {
        assert!(!deep_equal(&Value::Int(1), &Value::Float(1.0)));
        assert!(deep_equal(
            &Value::list(vec![Value::from("a")]),
            &Value::list(vec![Value::from("a")])
        ));
    }

    #[test]
    fn byte_slices_keep_stray_bytes_as_latin1() {
        assert_eq!(byte_slice("aé", 0, 2), "a\u{c3}");
        assert_eq!(byte_slice("aéb", 2, 4), "\u{a9}b");
        assert_eq!(byte_slice("abc", 1, 9), "");
    }
}

//! Go's `encoding/json.Marshal` of typed k8s values.
//!
//! Istio writes several strings with it that users and re-injection read back byte for byte:
//! the `proxy.istio.io/overrides` annotation (Go `Container`s), `ISTIO_META_POD_PORTS`
//! (`ContainerPort`s) and the probes of `ISTIO_KUBE_APP_PROBERS` (`HTTPGetAction` …). The
//! encoding differs from serde_json's: struct fields in declaration order, non-`omitempty`
//! zero values written, map keys sorted, and HTML-safe string escaping.

use std::fmt::Write;

use serde_json::Value;

use super::normalize::{Mode, NormalizeOptions, SchemaError, normalize_root};
use super::schema::Struct;

/// `json.Marshal` of `value` decoded as the Go type `ty`: compact, fields in declaration
/// order, `omitempty` honoured, always-written zero values present (`"resources":{}`), map
/// keys sorted, unknown fields dropped (Go cannot encode them).
pub fn to_go_json(ty: &'static Struct, value: &Value) -> Result<String, SchemaError> {
    let mode = Mode {
        opts: NormalizeOptions::go(),
        sort_raw: true,
    };
    let typed = normalize_root(ty, value, mode)?;
    Ok(encode(&typed))
}

/// Encodes JSON the way Go's encoder does, keeping object key order as given (a value from
/// [`to_go_json`]'s normalization, or a map the caller sorted). Strings are escaped like Go:
/// `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`.
pub fn encode(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Appends `s` as a Go-escaped JSON string literal.
pub fn write_go_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_go_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Integers as integers; floats as Go's `float64` encoder does (ES6-style: positional
/// between 1e-6 and 1e21, exponent otherwise, `e+21` not `e21`).
fn write_number(out: &mut String, n: &serde_json::Number) {
    if n.is_i64() || n.is_u64() {
        let _ = write!(out, "{n}");
        return;
    }
    let Some(f) = n.as_f64() else {
        let _ = write!(out, "{n}");
        return;
    };
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{f:e}");
        match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => {
                let _ = write!(out, "{mantissa}e+{exp}");
            }
            Some((mantissa, exp)) => {
                let _ = write!(out, "{mantissa}e{exp}");
            }
            None => out.push_str(&text),
        }
    } else {
        let _ = write!(out, "{f}");
    }
}

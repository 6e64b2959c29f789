//! Go's `encoding/json` string escaping, for the JSON the injector writes by hand.
//!
//! Istio stores JSON in annotations and env values (`sidecar.istio.io/status`,
//! `ISTIO_PROMETHEUS_ANNOTATIONS`, `ISTIO_KUBE_APP_PROBERS`) and Go-typed objects with
//! `json.Marshal`, whose string escaping differs from serde_json's: `<`, `>` and `&` are escaped
//! for HTML, and so are U+2028 and U+2029. Users compare these values, and re-injection parses
//! them back, so they must be byte-identical.

use std::fmt::Write;

use serde_json::Value;

/// Appends `s` as a JSON string literal escaped the way Go's `json.Marshal` does.
pub fn write_string(out: &mut String, s: &str) {
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
                let _ = write!(out, "\\u{:04x}", ch as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as a Go-escaped JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    out
}

/// A list of strings as Go encodes a `[]string`: `null` when nil (empty), else `["a","b"]`.
pub fn write_string_list(out: &mut String, items: &[String]) {
    if items.is_empty() {
        out.push_str("null");
        return;
    }
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, item);
    }
    out.push(']');
}

/// Encodes JSON the way Go's encoder does, keeping object key order as given (a value
/// normalised as a Go type, or a map the caller sorted).
pub fn encode(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, false);
    out
}

/// Appends `value` as Go's `encoding/json` writes it, sorting object keys when `sort_keys`
/// (Go sorts map keys; struct-like values keep their field order).
pub fn write_value(out: &mut String, value: &Value, sort_keys: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            let _ = write!(out, "{n}");
        }
        Value::Number(n) => out.push_str(&float(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, sort_keys);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item, sort_keys);
            }
            out.push('}');
        }
    }
}

/// Go's `encoding/json` text for a float64: shortest representation, plain notation unless
/// the magnitude is below 1e-6 or at least 1e21, where it uses `1e+21` / `1e-7`.
pub fn float(f: f64) -> String {
    let magnitude = f.abs();
    if magnitude != 0.0 && !(1e-6..1e21).contains(&magnitude) {
        let text = format!("{f:e}");
        return match text.split_once('e') {
            Some((mantissa, exponent)) if !exponent.starts_with('-') => {
                format!("{mantissa}e+{exponent}")
            }
            _ => text,
        };
    }
    format!("{f}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        assert_eq!(string("plain"), r#""plain""#);
        assert_eq!(string("a<b>&c"), r#""a\u003cb\u003e\u0026c""#);
        assert_eq!(string("q\"\\"), r#""q\"\\""#);
        assert_eq!(string("\n\t\r\u{1}\u{8}\u{c}"), r#""\n\t\r\u0001\b\f""#);
        assert_eq!(string("\u{2028}\u{2029}é"), "\"\\u2028\\u2029é\"");
    }

    #[test]
    fn escaped_strings_parse_back() {
        for s in ["", "<x>", "a\u{0}b", "ü\u{2029}", "\"\\/"] {
            let parsed: String = serde_json::from_str(&string(s)).unwrap_or_default();
            assert_eq!(parsed, s);
        }
    }

    #[test]
    fn nil_lists_are_null() {
        let mut out = String::new();
        write_string_list(&mut out, &[]);
        out.push(' ');
        write_string_list(&mut out, &["a".into(), "<".into()]);
        assert_eq!(out, r#"null ["a","\u003c"]"#);
    }

    #[test]
    fn floats_and_values_as_go_writes_them() {
        assert_eq!(float(10.0), "10");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(1.5e-7), "1.5e-7");
        assert_eq!(float(123456789.0), "123456789");
        let value = serde_json::json!({"b": [1, 2.5, null], "a": {"z": true, "y": "<"}});
        assert_eq!(
            encode(&value),
            r#"{"b":[1,2.5,null],"a":{"z":true,"y":"\u003c"}}"#
        );
        let mut sorted = String::new();
        write_value(&mut sorted, &value, true);
        assert_eq!(sorted, r#"{"a":{"y":"\u003c","z":true},"b":[1,2.5,null]}"#);
    }
}

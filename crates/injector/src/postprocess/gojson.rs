//! The few bits of Go's `encoding/json` output that post-processing writes by hand.
//!
//! Istio stores JSON in annotations and env values (`sidecar.istio.io/status`,
//! `ISTIO_PROMETHEUS_ANNOTATIONS`, `ISTIO_KUBE_APP_PROBERS`) with `json.Marshal`, whose string
//! escaping differs from serde_json's: `<`, `>` and `&` are escaped for HTML, and so are U+2028
//! and U+2029. Users compare these values, and re-injection parses them back, so they must be
//! byte-identical.

use std::fmt::Write;

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
}

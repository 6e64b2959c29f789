use super::{string, tree};
use proptest::prelude::*;
use serde_json::Value;

/// The string whose body (between its quotes) is `body`, when it is all one string.
fn unescape(body: &str) -> Option<String> {
    let quoted = format!("\"{body}\"");
    let (text, end) = string(quoted.as_bytes(), 1, 0)?;
    (end == quoted.len()).then_some(text)
}

/// Pieces of JSON, valid and not, for texts that may or may not be settings objects.
fn json_piece() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(":"),
        Just(","),
        Just(" "),
        Just("\t"),
        Just("\r\n"),
        Just("\"a\""),
        Just("\"revision\""),
        Just(r#""x\ny""#),
        Just(r#""q\"\\\/\u00e9\u4E2D""#),
        Just(r#""\ud83e\udd80""#),
        Just("\"é中\""),
        Just("\"\u{1}\""),
        Just("\""),
        Just(r#""\x""#),
        Just("1"),
        Just("-2.5e3"),
        Just("1e999"),
        Just("true"),
        Just("null"),
        Just("nul"),
    ]
}

/// A JSON string body written the many ways JSON allows: plain, with the short escapes, with
/// `\u` escapes of any non-surrogate character (upper or lower case hex) and with `\/`.
fn written(text: &str, style: &[u8]) -> String {
    let mut body = String::new();
    for (i, ch) in text.chars().enumerate() {
        let pick = style.get(i % style.len().max(1)).copied().unwrap_or(0) % 4;
        match (ch, pick) {
            ('"', _) => body.push_str("\\\""),
            ('\\', _) => body.push_str("\\\\"),
            ('/', 1) => body.push_str("\\/"),
            ('\n', 0) => body.push_str("\\n"),
            ('\r', 0) => body.push_str("\\r"),
            ('\t', 0) => body.push_str("\\t"),
            ('\u{8}', 0) => body.push_str("\\b"),
            ('\u{c}', 0) => body.push_str("\\f"),
            (ch, 2) if (ch as u32) < 0x10000 => body.push_str(&format!("\\u{:04x}", ch as u32)),
            (ch, 3) if (ch as u32) < 0x10000 => body.push_str(&format!("\\u{:04X}", ch as u32)),
            (ch, _) if (ch as u32) < 0x20 => body.push_str(&format!("\\u{:04x}", ch as u32)),
            (ch, _) => body.push(ch),
        }
    }
    body
}

/// Text like Istio's config: YAML lines with quotes, tabs, CRLF, block-scalar indicators,
/// template actions, backslashes and characters beyond ASCII.
fn config_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("  template: |\n".to_owned()),
            Just("    {{- if .Values.global }}\r\n".to_owned()),
            Just("\t\"quoted\": 'x' \\ /path\n".to_owned()),
            Just("  key: >-\n".to_owned()),
            Just("– en dash é 中 🦀\n".to_owned()),
            "[ -~]{0,30}\n",
            "[\u{0}-\u{7f}]{0,12}",
            "\\PC{0,12}",
        ],
        0..40,
    )
    .prop_map(|lines| lines.concat())
}

proptest! {
    #[test]
    fn unescapes_as_serde_json_does(
        text in prop_oneof![config_like(), "\\PC{0,40}", any::<String>()],
        style in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let body = written(&text, &style);
        let quoted = format!("\"{body}\"");
        let expected: String = serde_json::from_str(&quoted).unwrap();
        prop_assert_eq!(&expected, &text);
        prop_assert_eq!(unescape(&body), Some(expected));
    }

    #[test]
    fn settings_read_as_serde_json_reads_them(
        config in config_like(),
        style in proptest::collection::vec(any::<u8>(), 0..8),
        revision in "[a-z0-9-]{0,8}",
        flag in any::<bool>(),
        repeat in any::<bool>(),
    ) {
        let config = written(&config, &style);
        let mut text = format!(
            r#" {{ "revision": "{revision}", "injectorConfig": "{config}",
                "values": {{"global": {{"proxy": ["a\n", 1.5e3, null, {flag}]}}}},
                "meshConfig": {{"templates": {{"sidecar": "{config}", "x": [ "{config}", {{}}, [] ]}} }},
                "proxyConfigs": {flag}"#
        );
        if repeat {
            text.push_str(r#", "revision": "again", "values": "{\"x\": 1}""#);
        }
        text.push_str("}\n");
        let expected: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(tree(text.as_bytes()), Some(expected));
    }
}

proptest! {
    #[test]
    fn any_text_reads_as_serde_json_reads_it_or_is_left_to_it(
        pieces in proptest::collection::vec(json_piece(), 0..30),
        wrap in any::<bool>(),
    ) {
        let mut text = pieces.concat();
        if wrap {
            text = format!("{{{text}}}");
        }
        let expected = serde_json::from_str::<Value>(&text).ok();
        match tree(text.as_bytes()) {
            Some(value) => prop_assert_eq!(Some(value), expected),
            None => prop_assert!(
                !matches!(expected, Some(Value::Object(_))) || text.contains(r"\ud"),
                "an object left to serde_json: {}", text
            ),
        }
    }
}

#[test]
fn surrogate_escapes_are_left_to_serde_json() {
    assert_eq!(unescape(r"crab \ud83e\udd80"), None);
    assert_eq!(unescape(r"lone \ud800 surrogate"), None);
    assert_eq!(tree(br#"{"injectorConfig": "\ud83e\udd80"}"#), None);
}

#[test]
fn what_is_not_a_json_escape_is_left_to_serde_json() {
    for body in [r"\x41", r"\u12", r"\u12g4", "\\"] {
        assert_eq!(unescape(body), None, "{body}");
    }
}

#[test]
fn texts_that_are_not_one_object_are_left_to_serde_json() {
    for text in [
        &b"[]"[..],
        b"\"text\"",
        b"{} {}",
        b"{\"a\": 1,}",
        b"{\"a\": \"\x01\"}",
    ] {
        assert_eq!(tree(text), None, "{}", String::from_utf8_lossy(text));
    }
}

/// serde_json refuses the 128th nested array or object, counting the settings object: a value
/// read on its own must not get past that limit.
#[test]
fn nesting_at_serde_json_limit_is_left_to_serde_json() {
    for depth in 120..=130 {
        let text = format!(
            r#"{{"values": {}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let whole = serde_json::from_str::<Value>(&text).ok();
        assert_eq!(tree(text.as_bytes()), whole, "depth {depth}");
        assert_eq!(whole.is_some(), depth <= 126, "depth {depth}");
    }
}

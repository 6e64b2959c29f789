use super::*;
use crate::test_json::any_json;
use proptest::prelude::*;

/// serde_json's answer for `text`, when it has one.
fn stock(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// Ours must be serde_json's whenever it answers at all: same value, same key order.
fn agrees(text: &str) {
    if let Some(ours) = read(text) {
        let stock = stock(text);
        assert_eq!(Some(&ours), stock.as_ref(), "{text:?}");
        assert_eq!(
            serde_json::to_string(&ours).unwrap(),
            serde_json::to_string(&stock.unwrap()).unwrap(),
            "{text:?}"
        );
    }
}

#[test]
fn reads_a_pod_as_serde_json_does() {
    let text = include_str!("../../examples/requests/pod-create.json");
    assert_eq!(read(text), stock(text));
    let pod = serde_json::to_string(&stock(text).unwrap()["object"]).unwrap();
    assert_eq!(read(&pod), stock(&pod));
    assert!(read(&pod).unwrap()["spec"]["containers"].is_array());
}

#[test]
fn leaves_to_serde_json_what_it_does_not_read() {
    let texts = [
        "",
        "{",
        "[1,]",
        r#"{"a":1,}"#,
        "01",
        "1.",
        "1e",
        ".5",
        "+1",
        "tru",
        "nul",
        r#""\ud800""#,
        r#""\udc00""#,
        r#""\ud800\u0041""#,
        r#""\x""#,
        // Text that ends inside a string after an escape, or on one.
        r#""a\n\"#,
        r#""\n\"#,
        r#""\n\u00"#,
        r#""\"#,
        r#"["\t", "\"#,
        r#"{"a\n\"#,
        "\"a\u{1}\"",
        r#"{"a" 1}"#,
        r#"{1: 2}"#,
        "[1 2]",
        "1 2",
        "1e400",
        "-1e400",
        "\"open",
    ];
    for text in texts {
        assert_eq!(read(text), None, "{text:?}");
    }
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    assert_eq!(read(&deep), None);
    let deep_enough = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    agrees(&deep_enough);
    assert!(read(&deep_enough).is_some());
}

proptest! {
    #[test]
    fn a_word_may_end_a_run_exactly_when_a_byte_does(word in any::<[u8; 8]>()) {
        let any = word.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20);
        prop_assert_eq!(run_stops(u64::from_le_bytes(word)) != 0, any);
    }

    /// Every JSON text serde_json writes, compact or pretty, reads back as serde_json reads it.
    #[test]
    fn reads_every_written_value(value in any_json()) {
        for text in [
            serde_json::to_string(&value).unwrap(),
            serde_json::to_string_pretty(&value).unwrap(),
        ] {
            prop_assert_eq!(read(&text), stock(&text), "{}", text);
        }
    }

    /// Arbitrary text, and text close to JSON: ours never answers differently.
    #[test]
    fn never_differs_from_serde_json(text in "[ \\[\\]{}:,\"\\\\ua-f0-9.eE+\\-tnrl]{0,24}") {
        agrees(&text);
    }

    /// Hand-spelt escapes, repeated keys and numbers at their edges.
    #[test]
    fn agrees_on_escapes_keys_and_numbers(
        parts in prop::collection::vec(prop_oneof![
            Just(r#""\ud83d\ude00""#.to_owned()),
            Just(r#""\u00E9\n""#.to_owned()),
            "-?[0-9]{1,21}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?",
            "\"[a-b]\"",
        ], 0..6),
        keys in prop::collection::vec("[ab]", 0..6),
    ) {
        let array = format!("[{}]", parts.join(","));
        agrees(&array);
        prop_assert!(read(&array).is_some() || stock(&array).is_none(), "{}", array);
        let object = keys
            .iter()
            .zip(parts.iter())
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect::<Vec<_>>()
            .join(",");
        agrees(&format!("{{{object}}}"));
    }
}

// Settings: Istio's configuration as JSON strings.

/// The string whose body (between its quotes) is `body`, when it is all one string.
fn unescape(body: &str) -> Option<String> {
    let quoted = format!("\"{body}\"");
    let mut reader = Reader::new(&quoted);
    let text = reader.string()?;
    reader.end()?;
    Some(text)
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
/// `\u` escapes of any character (upper or lower case hex; a surrogate pair beyond the Basic
/// Multilingual Plane) and with `\/`.
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
            (ch, 2 | 3) => {
                for unit in ch.encode_utf16(&mut [0; 2]) {
                    body.push_str(&format!("\\u{unit:04x}"));
                }
            }
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
        prop_assert_eq!(object(&text), Some(expected));
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
        match object(&text) {
            Some(value) => prop_assert_eq!(Some(value), expected),
            None => prop_assert!(
                !matches!(expected, Some(Value::Object(_))),
                "an object left to serde_json: {}", text
            ),
        }
    }
}

#[test]
fn surrogate_pairs_are_read_and_lone_surrogates_left_to_serde_json() {
    assert_eq!(unescape(r"crab \ud83e\udd80").as_deref(), Some("crab 🦀"));
    assert_eq!(unescape(r"lone \ud800 surrogate"), None);
    assert_eq!(unescape(r"low \udc00 first"), None);
    assert_eq!(
        object(r#"{"injectorConfig": "\ud83e\udd80"}"#),
        Some(serde_json::json!({"injectorConfig": "🦀"}))
    );
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
        "[]",
        "\"text\"",
        "{} {}",
        "{\"a\": 1,}",
        "{\"a\": \"\u{1}\"}",
    ] {
        assert_eq!(object(text), None, "{text}");
    }
}

/// Nested deeper than the reader goes, a text is left to serde_json, which refuses the 128th
/// nested array or object (the settings object counts); below that, both read it alike.
#[test]
fn nesting_beyond_the_readers_depth_is_left_to_serde_json() {
    for depth in (90..=130).step_by(3) {
        let text = format!(
            r#"{{"values": {}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let whole = serde_json::from_str::<Value>(&text).ok();
        assert_eq!(whole.is_some(), depth <= 126, "depth {depth}");
        match object(&text) {
            Some(read) => assert_eq!(Some(read), whole, "depth {depth}"),
            None => assert!(depth + 1 > MAX_DEPTH, "depth {depth}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Strings as long as Istio's config and longer (up to a few hundred KB), read alone (the
    /// buffer sized by a first pass over the string) and as settings (a buffer as long as the
    /// rest of the text, shrunk afterwards), with other settings strings after them.
    #[test]
    fn long_strings_decode_as_serde_json_does(
        config in config_like(),
        style in proptest::collection::vec(any::<u8>(), 0..8),
        times in 1..400usize,
        shift in 0..16usize,
    ) {
        let text = format!("{}{}", "x".repeat(shift), config.repeat(times));
        let body = written(&text, &style);
        prop_assert_eq!(unescape(&body), Some(text));
        let settings = format!(r#"{{"injectorConfig": "{body}", "values": "{body}"}}"#);
        let expected: Value = serde_json::from_str(&settings).unwrap();
        prop_assert_eq!(object(&settings), Some(expected));
    }
}

#[test]
fn runs_of_every_length_before_every_kind_of_escape_decode() {
    // Runs of every length from 0 to 40 before an escape of each kind, over 48 KB and at eight
    // shifts: every word boundary meets every place in a run, and each escape follows a run
    // cut at every place of its last word.
    let escapes = [r"\n", r#"\""#, r"\u00e9", r"\ud83e\udd80", r"\t", r"\u4E2D"];
    let mut body = String::new();
    let mut run = 0;
    while body.len() < 48 * 1024 {
        body.push_str(&"a".repeat(run % 41));
        body.push_str(escapes[run % escapes.len()]);
        run += 1;
    }
    for shift in 0..8 {
        let body = format!("{}{body}", "b".repeat(shift));
        let expected: String = serde_json::from_str(&format!("\"{body}\"")).unwrap();
        assert_eq!(unescape(&body), Some(expected));
        let settings = format!(r#"{{"injectorConfig": "{body}"}}"#);
        assert_eq!(
            object(&settings),
            Some(serde_json::from_str::<Value>(&settings).unwrap())
        );
    }
}

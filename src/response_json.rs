//! The answer to `validate` written as JSON, byte for byte what `serde_json::to_writer` writes
//! for the SDK's `ValidationResponse`. serde_json looks up every byte of every string in its
//! escape table; the answer is mostly the pod's strings, which this scans eight bytes at a
//! time and copies a run at a time.

use kubewarden_policy_sdk::response::ValidationResponse;
use serde_json::Value;

use crate::json_text::plain_end;

/// Appends `response` as compact JSON (fields in declaration order, `None` as `null`).
pub fn write(out: &mut Vec<u8>, response: &ValidationResponse) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"accepted\":");
    out.extend_from_slice(if response.accepted { b"true" } else { b"false" });
    out.extend_from_slice(b",\"message\":");
    match &response.message {
        Some(message) => string(out, message),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"code\":");
    match response.code {
        Some(code) => serde_json::to_writer(&mut *out, &code)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"mutated_object\":");
    match &response.mutated_object {
        Some(object) => value(out, object)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"audit_annotations\":");
    match &response.audit_annotations {
        Some(annotations) => object(out, annotations, |out, text: &String| {
            string(out, text);
            Ok(())
        })?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"warnings\":");
    match &response.warnings {
        Some(warnings) => {
            out.push(b'[');
            for (i, warning) in warnings.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, warning);
            }
            out.push(b']');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
    Ok(())
}

fn value(out: &mut Vec<u8>, v: &Value) -> serde_json::Result<()> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        // Integers and floats exactly as serde_json prints them.
        Value::Number(n) => serde_json::to_writer(&mut *out, n)?,
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(map) => object(out, map, value)?,
    }
    Ok(())
}

/// In the map's own iteration order, as serde_json walks it.
fn object<'a, V: 'a>(
    out: &mut Vec<u8>,
    entries: impl IntoIterator<Item = (&'a String, &'a V)>,
    item: fn(&mut Vec<u8>, &V) -> serde_json::Result<()>,
) -> serde_json::Result<()> {
    out.push(b'{');
    for (i, (key, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, key);
        out.push(b':');
        item(out, v)?;
    }
    out.push(b'}');
    Ok(())
}

/// A JSON string with serde_json's escapes: the short forms for `"`, `\` and five controls,
/// `\u00xx` (lower-case hex) for the other controls, everything else as it is.
///
/// The plain runs are found a word at a time ([`plain_end`], the reader's own scan), and only
/// the byte that ends one is looked at alone: a `match` on every byte of the short keys and
/// values that make up a pod compiled to a jump table, an indirect jump per byte.
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    loop {
        let stop = plain_end(bytes, start);
        let Some(&byte) = bytes.get(stop) else {
            break;
        };
        out.extend_from_slice(&bytes[start..stop]);
        out.push(b'\\');
        match byte {
            b'"' => out.push(b'"'),
            b'\\' => out.push(b'\\'),
            0x08 => out.push(b'b'),
            0x0c => out.push(b'f'),
            b'\n' => out.push(b'n'),
            b'\r' => out.push(b'r'),
            b'\t' => out.push(b't'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
        start = stop + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::test_json::any_json;
    use proptest::prelude::*;
    use serde_json::json;

    fn same_as_serde_json(response: &ValidationResponse) {
        let mut ours = Vec::new();
        write(&mut ours, response).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(serde_json::to_vec(response).unwrap()).unwrap()
        );
    }

    fn response(object: Option<Value>) -> ValidationResponse {
        ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: object,
            audit_annotations: None,
            warnings: None,
        }
    }

    #[test]
    fn writes_the_example_pod_as_serde_json_does() {
        let text = include_str!("../examples/requests/pod-create.json");
        let request: Value = serde_json::from_str(text).unwrap();
        same_as_serde_json(&response(request.pointer("/request/object").cloned()));
        same_as_serde_json(&response(Some(request)));
    }

    #[test]
    fn writes_every_escape_and_number_as_serde_json_does() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        same_as_serde_json(&response(Some(json!({
            "controls": controls,
            "quote\"key\\": "a\"b\\c\u{7f}\u{80}é€😀 and then some more text",
            "numbers": [0, -1, u64::MAX, i64::MIN, 1.5, -0.0, 1e300, 2.5e-8],
            "nested": [null, true, false, [], {}],
        }))));
        same_as_serde_json(&ValidationResponse {
            accepted: false,
            message: Some("no \"pod\"\n".to_string()),
            code: Some(400),
            mutated_object: None,
            audit_annotations: Some(HashMap::from([
                ("a".to_string(), "b\tc".to_string()),
                ("d".to_string(), String::new()),
            ])),
            warnings: Some(vec!["w\u{1}".to_string(), String::new()]),
        });
    }

    /// A stop at every place of strings on both sides of a word's length, next to multi-byte
    /// characters, so that both the word scan and the byte-by-byte tail are met.
    #[test]
    fn finds_a_stop_anywhere_in_short_and_long_strings() {
        for len in 0..20 {
            for at in 0..len {
                for stop in ['"', '\\', '\0', '\n', '\u{1f}', 'é', ' '] {
                    let mut text: Vec<char> = "abcdefghijklmnopqrst".chars().take(len).collect();
                    text[at] = stop;
                    let text: String = text.into_iter().collect();
                    same_as_serde_json(&response(Some(json!({ text.clone(): [text, "ü€"] }))));
                }
            }
        }
    }

    proptest! {
        #[test]
        fn never_differs_from_serde_json(
            accepted in any::<bool>(),
            message in proptest::option::of(any::<String>()),
            code in proptest::option::of(any::<u16>()),
            object in proptest::option::of(any_json()),
            annotations in proptest::option::of(
                prop::collection::hash_map(any::<String>(), any::<String>(), 0..4)
            ),
            warnings in proptest::option::of(prop::collection::vec(any::<String>(), 0..4)),
        ) {
            let response = ValidationResponse {
                accepted,
                message,
                code,
                mutated_object: object,
                audit_annotations: annotations,
                warnings,
            };
            let mut ours = Vec::new();
            write(&mut ours, &response).unwrap();
            prop_assert_eq!(ours, serde_json::to_vec(&response).unwrap());
        }
    }
}

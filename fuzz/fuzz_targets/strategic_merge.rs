//! Strategic merge of two arbitrary JSON values as a Pod (the input is the original, a NUL
//! byte, the patch).
//!
//! Properties: no panic; a success is a JSON object; an empty patch leaves an object as it is.

#![no_main]

use injector::merge::strategic_merge_pod;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|input: &[u8]| {
    let (original, patch) = match input.iter().position(|&b| b == 0) {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &b"{}"[..]),
    };
    let (Ok(original), Ok(patch)) = (
        serde_json::from_slice::<Value>(original),
        serde_json::from_slice::<Value>(patch),
    ) else {
        return;
    };
    if let Ok(merged) = strategic_merge_pod(&original, &patch) {
        assert!(
            merged.is_object(),
            "a merge that is not an object: {merged}"
        );
    }
    if original.is_object() && !has_directives(&original) {
        let unchanged = strategic_merge_pod(&original, &json!({}));
        assert_eq!(
            unchanged.as_ref(),
            Ok(&original),
            "an empty patch changed the original"
        );
    }
});

/// `$patch`, `$retainKeys` … in the original are read as directives, not data.
fn has_directives(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.starts_with('$') || has_directives(v)),
        Value::Array(items) => items.iter().any(has_directives),
        _ => false,
    }
}

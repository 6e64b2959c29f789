//! Settings text read into a JSON tree with each string unescaped in one piece.
//!
//! Istio's injector config arrives with every request as a 111 KB JSON string with an escape
//! on nearly every line (`\n`, `\"`), or, written out as an object, as templates of tens of KB
//! each. serde_json unescapes a string through a scratch buffer grown by doubling and then
//! copies it into the tree; here objects and arrays are walked by hand and each string is found
//! and unescaped in one pass, eight bytes at a time, straight into its buffer. Numbers and the
//! literals go to serde_json one at a time. Whatever this reader does not take (a text that is
//! not one object, a surrogate escape, nesting beyond serde_json's depth limit, anything
//! invalid) gives `None`, and the caller reads the text as before, so every answer and every
//! error stays serde_json's.

use crate::payload::run_stops;
use serde_json::{Map, Value};

/// The tree `serde_json::from_slice::<Value>(text)` gives, when `text` is an object this reader
/// takes; `None` otherwise.
pub(super) fn tree(text: &[u8]) -> Option<Value> {
    let at = skip_whitespace(text, 0);
    if text.get(at) != Some(&b'{') {
        return None;
    }
    let (value, end) = object(text, at + 1, 1)?;
    (skip_whitespace(text, end) == text.len()).then_some(value)
}

/// JSON's whitespace from `at` on; where it ends.
fn skip_whitespace(text: &[u8], at: usize) -> usize {
    at + text
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

/// serde_json refuses the 128th nested array or object (the settings object counts).
const MAX_NESTED: usize = 127;

/// Settings' keys are short field names.
const KEY_CAPACITY: usize = 24;

/// A nested string's first buffer: most are names and images; a template grows it by doubling.
const NESTED_CAPACITY: usize = 32;

/// The object whose members start at `at` (after its `{`), `depth` arrays and objects deep
/// (itself included), and where it ends.
fn object(text: &[u8], at: usize, depth: usize) -> Option<(Value, usize)> {
    let mut map = Map::new();
    let end = elements(text, at, b'}', |at| {
        if text.get(at) != Some(&b'"') {
            return None;
        }
        let (key, after) = string(text, at + 1, KEY_CAPACITY)?;
        let at = skip_whitespace(text, after);
        if text.get(at) != Some(&b':') {
            return None;
        }
        let (value, after) = value(text, skip_whitespace(text, at + 1), depth)?;
        // Last one wins, as in serde_json's own tree.
        map.insert(key, value);
        Some(after)
    })?;
    Some((Value::Object(map), end))
}

/// The array whose items start at `at` (after its `[`), as [`object`].
fn array(text: &[u8], at: usize, depth: usize) -> Option<(Value, usize)> {
    let mut items = Vec::new();
    let end = elements(text, at, b']', |at| {
        let (value, after) = value(text, at, depth)?;
        items.push(value);
        Some(after)
    })?;
    Some((Value::Array(items), end))
}

/// Reads the comma-separated elements from `at` (after an opening bracket) up to `close`, each
/// with `element` (from its first byte to where it ends); where the container ends.
fn elements(
    text: &[u8],
    at: usize,
    close: u8,
    mut element: impl FnMut(usize) -> Option<usize>,
) -> Option<usize> {
    let mut at = skip_whitespace(text, at);
    if text.get(at) == Some(&close) {
        return Some(at + 1);
    }
    loop {
        at = skip_whitespace(text, element(at)?);
        match text.get(at) {
            Some(b',') => at = skip_whitespace(text, at + 1),
            Some(&b) if b == close => return Some(at + 1),
            _ => return None,
        }
    }
}

/// The value at `at`, inside a container `depth` deep, and where it ends.
fn value(text: &[u8], at: usize, depth: usize) -> Option<(Value, usize)> {
    match text.get(at)? {
        b'"' if depth == 1 => {
            // Every escape is longer than what it decodes to: a setting's string never outgrows
            // the rest of the text, so it is written without a reallocation; one much shorter
            // than that (a revision name before the config) is moved to a block of its size.
            let (mut string, end) = string(text, at + 1, text.len() - at)?;
            if string.capacity() > 2 * string.len() {
                string.shrink_to_fit();
            }
            Some((Value::String(string), end))
        }
        b'"' => {
            let (string, end) = string(text, at + 1, NESTED_CAPACITY)?;
            Some((Value::String(string), end))
        }
        b'{' | b'[' if depth >= MAX_NESTED => None,
        b'{' => object(text, at + 1, depth + 1),
        b'[' => array(text, at + 1, depth + 1),
        _ => {
            let mut values =
                serde_json::Deserializer::from_slice(text.get(at..)?).into_iter::<Value>();
            let value = values.next()?.ok()?;
            Some((value, at + values.byte_offset()))
        }
    }
}

/// The JSON string whose body starts at `at` (after its opening quote), its escapes decoded,
/// and where it ends (after its closing quote); `None` for a control character, a surrogate
/// escape (serde_json pairs them or refuses them), anything that is not a JSON escape, or text
/// that is not UTF-8. The text is written into a buffer of `capacity` bytes, grown if need be.
fn string(text: &[u8], mut at: usize, capacity: usize) -> Option<(String, usize)> {
    let mut out = Vec::with_capacity(capacity);
    loop {
        // Whole words are copied, then the bytes from the first stop on are dropped again: one
        // 8-byte store instead of a copy call per short run between escapes.
        while let Some(word) = text.get(at..at + 8) {
            let word: [u8; 8] = word.try_into().ok()?;
            out.extend_from_slice(&word);
            let found = run_stops(u64::from_le_bytes(word));
            if found != 0 {
                let run = found.trailing_zeros() as usize / 8;
                out.truncate(out.len() - (8 - run));
                at += run;
                break;
            }
            at += 8;
        }
        let rest = text.get(at..)?;
        let run = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        out.extend_from_slice(&rest[..run]);
        at += run;
        match text.get(at)? {
            b'"' => return Some((String::from_utf8(out).ok()?, at + 1)),
            b'\\' => at += escape(&text[at..], &mut out)?,
            _ => return None,
        }
    }
}

/// Decodes the escape `text` starts with into `out`; how many bytes it took.
fn escape(text: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let decoded = match *text.get(1)? {
        b @ (b'"' | b'\\' | b'/') => b,
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'u' => {
            let hex = std::str::from_utf8(text.get(2..6)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
            return Some(6);
        }
        _ => return None,
    };
    out.push(decoded);
    Some(2)
}

#[cfg(test)]
mod tests;

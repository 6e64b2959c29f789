//! Settings text read into a JSON tree with each top-level string unescaped in one piece.
//!
//! Istio's injector config arrives with every request as a 111 KB JSON string with an escape
//! on nearly every line (`\n`, `\"`). serde_json unescapes it through a scratch buffer grown by
//! doubling and then copies it into the tree; here the top-level object's values are taken as
//! raw text and a string is unescaped straight into a buffer of its final size, eight bytes at
//! a time. Whatever this reader does not take (a text that is not an object, a surrogate
//! escape, nesting at serde_json's depth limit) gives `None`, and the caller reads the text as
//! before, so every answer and every error stays serde_json's.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The tree `serde_json::from_slice::<Value>(text)` gives, when `text` is an object this reader
/// takes; `None` otherwise.
pub(super) fn tree(text: &[u8]) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let map = de.deserialize_map(TopLevel).ok()?;
    de.end().ok()?;
    Some(Value::Object(map))
}

/// serde_json refuses the 128th nested array or object; a value read on its own gets one level
/// more than inside the settings object, so a value that deep is left to the whole-text read.
const MAX_NESTED: usize = 126;

struct TopLevel;

impl<'de> Visitor<'de> for TopLevel {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a settings object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some((key, raw)) = entries.next_entry::<String, &'de RawValue>()? {
            let value = value(raw.get()).ok_or_else(|| de::Error::custom("left to serde_json"))?;
            // Last one wins, as in serde_json's own tree.
            map.insert(key, value);
        }
        Ok(map)
    }
}

fn value(raw: &str) -> Option<Value> {
    match raw.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(body) => unescape(body).map(Value::String),
        None => {
            let value = serde_json::from_str::<Value>(raw).ok()?;
            (nesting(&value) <= MAX_NESTED).then_some(value)
        }
    }
}

/// How many arrays and objects deep `value` goes.
fn nesting(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(nesting).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(nesting).max().unwrap_or(0),
        _ => 0,
    }
}

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
const BACKSLASHES: u64 = u64::from_le_bytes([b'\\'; 8]);

/// The body of a JSON string (between its quotes, as serde_json accepted it for a raw value:
/// no raw quote or control character) with its escapes decoded; `None` for a surrogate escape
/// (serde_json pairs them or refuses them) or anything that is not a JSON escape.
pub(super) fn unescape(body: &str) -> Option<String> {
    let bytes = body.as_bytes();
    // Every escape is longer than what it decodes to: the text never outgrows the body.
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    loop {
        // Whole words are copied, then the bytes from the first backslash on are dropped again:
        // one 8-byte store instead of a copy call per short run between escapes.
        while let Some(word) = bytes.get(at..at + 8) {
            let word: [u8; 8] = word.try_into().ok()?;
            out.extend_from_slice(&word);
            let found = backslashes(u64::from_le_bytes(word));
            if found != 0 {
                let run = found.trailing_zeros() as usize / 8;
                out.truncate(out.len() - (8 - run));
                at += run;
                break;
            }
            at += 8;
        }
        let rest = &bytes[at..];
        if rest.first() != Some(&b'\\') {
            match rest.iter().position(|&b| b == b'\\') {
                Some(run) => {
                    out.extend_from_slice(&rest[..run]);
                    at += run;
                }
                None => {
                    out.extend_from_slice(rest);
                    return String::from_utf8(out).ok();
                }
            }
        }
        at += escape(&bytes[at..], &mut out)?;
    }
}

/// A set high bit in each byte of `word` that is a backslash (and none below the first one).
fn backslashes(word: u64) -> u64 {
    let x = word ^ BACKSLASHES;
    x.wrapping_sub(ONES) & !x & HIGHS
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

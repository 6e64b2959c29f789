//! JSON text read straight into a [`Value`], without serde's visitor layers.
//!
//! `serde_json` reads a pod key by key through `MapAccess`, checks every string's UTF-8 again
//! and grows a fresh vector for each object and array; a fifth of `validate` went there. This
//! reader takes text already checked as UTF-8, collects each level's entries on stacks shared
//! by the whole walk, and allocates every map and array once at its final size.
//!
//! It gives up (`None`) on whatever it does not read exactly as serde_json does: a caller then
//! reads the payload with serde_json itself, so its answers and error texts are serde_json's.
//! What it does read, it reads as serde_json would: same numbers (floats through serde_json's
//! own parser), same strings, the same last-wins for a repeated key at the first key's place.

use serde_json::{Number, Value};

use super::SizedValue;

/// Deeper than this, serde_json is left to decide (its own limit, 128 levels in the whole
/// payload, is then the one that applies).
const MAX_DEPTH: usize = 100;

/// The value `text` holds, or `None` when serde_json must read it.
#[cfg(test)]
pub fn read(text: &str) -> Option<Value> {
    let mut reader = Reader::new(text);
    let value = reader.value()?;
    reader.end()?;
    Some(value)
}

pub struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// The entries of the objects being read, innermost last.
    entries: Vec<(String, Value)>,
    /// The items of the arrays being read, innermost last.
    items: Vec<Value>,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            entries: Vec::new(),
            items: Vec::new(),
        }
    }

    /// Nothing but whitespace is left.
    pub fn end(&mut self) -> Option<()> {
        self.skip_whitespace();
        (self.pos == self.bytes.len()).then_some(())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skips whitespace, then takes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let next = self.peek() == Some(byte);
        self.pos += usize::from(next);
        next
    }

    /// Reads the members of the object or array opening here (`open` is `{` or `[`), each by
    /// `member`, with JSON's separators and the depth limit.
    pub fn members(
        &mut self,
        open: u8,
        mut member: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        let close = if open == b'{' { b'}' } else { b']' };
        if !self.eat(open) {
            return None;
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        if !self.eat(close) {
            loop {
                member(self)?;
                if self.eat(close) {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// An object's key and the colon after it.
    pub fn key(&mut self) -> Option<String> {
        let key = self.string()?;
        self.eat(b':').then_some(key)
    }

    pub fn value(&mut self) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'{' => {
                let base = self.entries.len();
                self.members(b'{', |r| {
                    let entry = (r.key()?, r.value()?);
                    r.entries.push(entry);
                    Some(())
                })?;
                let mut map = serde_json::Map::with_capacity(self.entries.len() - base);
                for (key, value) in self.entries.drain(base..) {
                    map.insert(key, value);
                }
                Some(Value::Object(map))
            }
            b'[' => {
                let base = self.items.len();
                self.members(b'[', |r| {
                    let item = r.value()?;
                    r.items.push(item);
                    Some(())
                })?;
                Some(Value::Array(self.items.drain(base..).collect()))
            }
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true").map(|()| Value::Bool(true)),
            b'f' => self.literal("false").map(|()| Value::Bool(false)),
            b'n' => self.literal("null").map(|()| Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => None,
        }
    }

    /// Checks the value here as [`Reader::value`] would read it, builds nothing, and returns
    /// its text (from its first byte to its last, as serde_json's `RawValue` has it).
    pub fn skip(&mut self) -> Option<&'a str> {
        self.skip_whitespace();
        let start = self.pos;
        match self.peek()? {
            b'{' => self.members(b'{', |r| {
                r.skip_string()?;
                if !r.eat(b':') {
                    return None;
                }
                r.skip().map(drop)
            })?,
            b'[' => self.members(b'[', |r| r.skip().map(drop))?,
            b'"' => self.skip_string()?,
            b't' => self.literal("true")?,
            b'f' => self.literal("false")?,
            b'n' => self.literal("null")?,
            b'-' | b'0'..=b'9' => self.number().map(drop)?,
            _ => return None,
        }
        Some(&self.text[start..self.pos])
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word.as_bytes()).then(|| self.pos = end)
    }

    /// The string starting here (after whitespace).
    pub fn string(&mut self) -> Option<String> {
        self.skip_whitespace();
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        let run = self.plain_run();
        if self.peek()? == b'"' {
            self.pos += 1;
            return Some(self.text[start..start + run].to_owned());
        }
        let mut out = String::with_capacity(run + 8);
        out.push_str(&self.text[start..start + run]);
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                _ => return None,
            }
            let start = self.pos;
            let run = self.plain_run();
            out.push_str(&self.text[start..start + run]);
        }
    }

    fn skip_string(&mut self) -> Option<()> {
        self.skip_whitespace();
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        loop {
            self.plain_run();
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => {
                    self.pos += 1;
                    self.escape()?;
                }
                _ => return None,
            }
        }
    }

    /// Advances over bytes that stand for themselves in a string, returning how many. It stops
    /// only at ASCII bytes, so both ends of the run are character boundaries.
    fn plain_run(&mut self) -> usize {
        let start = self.pos;
        let mut end = start;
        // Eight bytes at a time while none of them can end the run (Istio's templates in the
        // settings are 100 KB of string).
        while let Some(word) = self.bytes.get(end..end + 8) {
            let Ok(word) = <[u8; 8]>::try_from(word) else {
                break;
            };
            if run_stops(u64::from_le_bytes(word)) != 0 {
                break;
            }
            end += 8;
        }
        while let Some(&byte) = self.bytes.get(end) {
            if byte == b'"' || byte == b'\\' || byte < 0x20 {
                break;
            }
            end += 1;
        }
        self.pos = end;
        end - start
    }

    /// The character an escape stands for, `pos` just past its backslash. Lone surrogates are
    /// left to serde_json.
    fn escape(&mut self) -> Option<char> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2)? != b"\\u" {
                            return None;
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code)?
                    }
                    _ => char::from_u32(unit)?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let mut unit = 0;
        for &digit in digits {
            unit = unit * 16 + char::from(digit).to_digit(16)?;
        }
        self.pos += 4;
        Some(unit)
    }

    /// A number, by JSON's grammar; its value is serde_json's (the same parser, so the same
    /// floats and the same overflow into floats), but for the common plain integer.
    fn number(&mut self) -> Option<Number> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        self.pos += usize::from(negative);
        let digits = self.digits();
        let first = self.bytes[self.pos - digits..].first().copied();
        if digits == 0 || (digits > 1 && first == Some(b'0')) {
            return None;
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        let token = &self.text[start..self.pos];
        if integer {
            let magnitude = &token[usize::from(negative)..];
            if let Ok(value) = magnitude.parse::<u64>() {
                if !negative {
                    return Some(value.into());
                }
                // `-0` and magnitudes past i64's are floats to serde_json: its parser decides.
                if value != 0 && value <= 1 << 63 {
                    return Some((value as i64).wrapping_neg().into());
                }
            }
        }
        // serde_json's own reader, already in the module for the payloads this one leaves.
        match serde_json::from_slice::<SizedValue>(token.as_bytes())
            .ok()?
            .0
        {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }
}

/// A set high bit in each byte of `word` that ends a run of a string's plain text: a quote, a
/// backslash or a control character. Exact up to the first such byte (the borrows of the
/// subtractions can mark a wrong byte above it, never a word without one), so the lowest set
/// bit finds the first stop.
pub(crate) fn run_stops(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (below(word, 0x20) | below(quote, 1) | below(backslash, 1)) & HIGH
}

#[cfg(test)]
mod tests {
    use super::*;
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

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[a-c\"\\\\/\\x00-\\x1fé😀]{0,6}".prop_map(Value::String),
            "[a-z]{0,20}[\"\\\\\\x00-\\x1f\\x7fé]?[a-z]{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{0,2}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
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
}

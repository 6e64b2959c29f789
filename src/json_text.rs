//! JSON text read straight into a [`Value`], without serde's visitor layers: the pod of every
//! request, the settings that come with it and the objects the host answers with.
//!
//! `serde_json` reads a pod key by key through `MapAccess`, checks every string's UTF-8 again
//! and grows a fresh vector for each object and array; a fifth of `validate` went there. Its
//! strings are unescaped through a scratch buffer grown by doubling and then copied into the
//! tree, which Istio's injector config (111 KB of string with an escape on nearly every line,
//! sent with every request) pays in full. This reader takes text already checked as UTF-8,
//! collects each level's entries on stacks shared by the whole walk, allocates every map and
//! array once at its final size, and unescapes a string into one buffer allocated once.
//!
//! It gives up (`None`) on whatever it does not read exactly as serde_json does: a caller then
//! reads the text with serde_json itself, so its answers and error texts are serde_json's.
//! What it does read, it reads as serde_json would: same numbers (floats through serde_json's
//! own parser), same strings, the same last-wins for a repeated key at the first key's place.

use serde_json::{Number, Value};

/// Deeper than this, serde_json is left to decide (its own limit, 128 levels in the whole
/// text, is then the one that applies).
const MAX_DEPTH: usize = 100;

/// The value `text` holds, or `None` when serde_json must read it.
#[cfg(test)]
pub fn read(text: &str) -> Option<Value> {
    let mut reader = Reader::new(text);
    let value = reader.value()?;
    reader.end()?;
    Some(value)
}

/// The object `text` holds, whole (the settings), or `None` when it is something else or
/// serde_json must read it.
///
/// The settings' strings are Istio's configuration and templates, up to 100 KB with an escape
/// on nearly every line: each is unescaped into a buffer as long as the rest of the text,
/// which no string in it can outgrow and of which only the pages written are touched, then
/// moved to a block of its size if much shorter. Sizing it exactly would take another pass
/// over it; growing it by doubling, a dozen copies.
pub fn object(text: &str) -> Option<Value> {
    let mut reader = Reader::new(text);
    reader.strings_to_rest = true;
    reader.skip_whitespace();
    if reader.peek()? != b'{' {
        return None;
    }
    let value = reader.value()?;
    reader.end()?;
    Some(value)
}

const SCRATCH: usize = 48;

pub struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// The entries of the objects being read, innermost last.
    entries: Vec<(String, Value)>,
    /// The items of the arrays being read, innermost last.
    items: Vec<Value>,
    /// Whether a string with escapes is decoded into a buffer as long as the rest of the
    /// text (see [`object`]) rather than one sized by a first pass over it.
    strings_to_rest: bool,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            // Room for the open objects' and arrays' members of a pod (the containers' fields,
            // an env list) without growing by doubling, which copies each time.
            entries: Vec::with_capacity(SCRATCH),
            items: Vec::with_capacity(SCRATCH),
            strings_to_rest: false,
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

    /// The value here and its text (from its first byte to its last). Its strings with escapes
    /// are decoded as [`object`] decodes them, into a buffer as long as the rest of the text:
    /// for settings, whose few escaped strings are Istio's configuration, read in one pass
    /// instead of passed over and read again.
    pub fn value_with_text(&mut self) -> Option<(Value, &'a str)> {
        self.skip_whitespace();
        let start = self.pos;
        let strings_to_rest = std::mem::replace(&mut self.strings_to_rest, true);
        let value = self.value();
        self.strings_to_rest = strings_to_rest;
        Some((value?, &self.text[start..self.pos]))
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
        let start = self.pos + 1;
        let stop = plain_end(self.bytes, start);
        match self.bytes.get(stop)? {
            b'"' => {
                self.pos = stop + 1;
                return Some(self.text[start..stop].to_owned());
            }
            b'\\' => {}
            _ => return None,
        }
        // A string's text bounds what it decodes to: one buffer of that size holds it.
        let capacity = match self.strings_to_rest {
            true => self.bytes.len() - start,
            false => string_end(self.bytes, stop)? - 1 - start,
        };
        let (string, end) = unescape(self.bytes, start, stop, capacity)?;
        self.pos = end;
        Some(string)
    }

    fn skip_string(&mut self) -> Option<()> {
        self.skip_whitespace();
        if self.peek()? != b'"' {
            return None;
        }
        let mut at = self.pos + 1;
        loop {
            at = plain_end(self.bytes, at);
            match self.bytes.get(at)? {
                b'"' => {
                    self.pos = at + 1;
                    return Some(());
                }
                b'\\' => at = escape(self.bytes, at + 1)?.1,
                _ => return None,
            }
        }
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
        serde_json::from_str::<Number>(token).ok()
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }
}

/// Where the run of a string's plain text starting at `at` ends: the first quote, backslash
/// or control character, or the end of the text (`at` itself when it is past the end). It
/// stops only at ASCII bytes, so both ends of the run are character boundaries.
pub(crate) fn plain_end(bytes: &[u8], mut at: usize) -> usize {
    // Eight bytes at a time while none of them can end the run.
    while let Some(word) = bytes.get(at..at + 8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let found = run_stops(u64::from_le_bytes(word));
        if found != 0 {
            return at + found.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    let rest = bytes.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(rest.len())
}

/// The string from `start` (after its opening quote) with its first escape at `stop`, decoded
/// into a buffer of `capacity` bytes (grown if need be), and where it ends (after its closing
/// quote).
fn unescape(bytes: &[u8], start: usize, stop: usize, capacity: usize) -> Option<(String, usize)> {
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(&bytes[start..stop]);
    let mut at = stop;
    loop {
        match bytes.get(at)? {
            b'"' => break,
            b'\\' => {
                // A config's escapes are nearly all line feeds and quotes: the one-byte forms
                // are decoded here, and only `\u` goes through `escape`.
                let next = match bytes.get(at + 1)? {
                    b'u' => {
                        let (ch, next) = escape(bytes, at + 1)?;
                        out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        next
                    }
                    &byte => {
                        out.push(short_escape(byte)?);
                        at + 2
                    }
                };
                at = copy_plain(bytes, next, &mut out);
            }
            _ => return None,
        }
    }
    // Runs end only at ASCII bytes, so the pieces are whole characters; the check is cheap
    // next to the copy, and it keeps this reader free of `unsafe`.
    let mut string = String::from_utf8(out).ok()?;
    if string.capacity() > 2 * string.len() {
        string.shrink_to_fit();
    }
    Some((string, at + 1))
}

/// The byte a one-character escape (`\n`, `\"` …, not `\u`) stands for; `None` for any other.
#[inline(always)]
fn short_escape(byte: u8) -> Option<u8> {
    Some(match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        _ => return None,
    })
}

/// The character of the escape whose backslash is just before `at`, and where it ends. Lone
/// surrogates are left to serde_json.
fn escape(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let ch = match *bytes.get(at)? {
        b'u' => {
            let unit = hex4(bytes, at + 1)?;
            if !(0xD800..=0xDBFF).contains(&unit) {
                return Some((char::from_u32(unit)?, at + 5));
            }
            if bytes.get(at + 5..at + 7)? != b"\\u" {
                return None;
            }
            let low = hex4(bytes, at + 7)?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return None;
            }
            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            return Some((char::from_u32(code)?, at + 11));
        }
        byte => char::from(short_escape(byte)?),
    };
    Some((ch, at + 1))
}

/// The four hex digits at `at`, as a UTF-16 unit.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let mut unit = 0;
    for &digit in bytes.get(at..at + 4)? {
        unit = unit * 16 + char::from(digit).to_digit(16)?;
    }
    Some(unit)
}

/// Where the string whose text goes on at `at` ends (after its closing quote), escapes passed
/// over unread: they are checked as they are decoded. `None` at a control character or the
/// end of the text.
fn string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at = plain_end(bytes, at);
        match bytes.get(at)? {
            b'"' => return Some(at + 1),
            // The escaped byte is passed over: `\"` does not end the string.
            b'\\' => at += 2,
            _ => return None,
        }
    }
}

/// [`plain_end`], with the run appended to `out`. Whole words are copied and the bytes from
/// the first stop on dropped again: one 8-byte store instead of a copy call for each of the
/// short runs between a config's escapes.
fn copy_plain(bytes: &[u8], mut at: usize, out: &mut Vec<u8>) -> usize {
    while let Some(word) = bytes.get(at..at + 8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        out.extend_from_slice(&word);
        let found = run_stops(u64::from_le_bytes(word));
        if found != 0 {
            let run = found.trailing_zeros() as usize / 8;
            out.truncate(out.len() - (8 - run));
            return at + run;
        }
        at += 8;
    }
    let end = plain_end(bytes, at);
    out.extend_from_slice(bytes.get(at..end).unwrap_or_default());
    end
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
mod tests;

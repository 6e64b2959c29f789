//! The common case of go-yaml v2's decoder read directly, without libyaml's scanner and
//! parser: block mappings and sequences (indentless ones too), plain, single- and
//! double-quoted scalars, literal and folded blocks, flow collections (over several lines and
//! with trailing commas, as Istio's templates write them), comments and a leading `---`, in
//! printable ASCII. Driving libyaml's token machinery was most of the cost
//! of reading a workload.
//!
//! Anything this reader cannot vouch for — anchors, aliases, tags, directives, complex keys,
//! `<<`, multi-line plain scalars, multi-line keys, a second document, tabs,
//! control or non-ASCII characters, anything libyaml would reject — makes it give up
//! ([`Unsupported`]); the caller then reads the whole document through libyaml, which also
//! words every error. What it does read is what the libyaml path reads (property tests
//! compare the two on generated and mutated text).
//!
//! The scalar algorithms (quoted folding, block scalar indentation and chomping) follow
//! libyaml's scanner step by step, since go-yaml v2 is a port of it.

use serde_json::{Map, Value};

use super::decode::{key_string, resolve_plain_scalar, resolves_to_string};

/// The text is outside what this reader reproduces exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unsupported;

type Read<T> = Result<T, Unsupported>;

/// libyaml refuses a simple key longer than this (`could not find expected ':'`).
const MAX_SIMPLE_KEY: usize = 1000;
/// Deeper documents go through libyaml, which enforces go-yaml's depth limit and words it.
const MAX_DEPTH: usize = 64;

/// The first document of `text` as go-yaml v2 decodes it into JSON, when this reader can
/// vouch for it.
pub(crate) fn read(text: &str) -> Read<Value> {
    read_as(text, Scalars::GoYaml)
}

/// The first document of `text` when go-yaml v2 (YAML 1.1) and a YAML 1.2 core-schema reader
/// (`serde_yaml_ng`, which reads the configs' text) give it the same meaning: the structure
/// is the same libyaml scan for both, so only plain scalars and repeated keys can differ,
/// and this reader takes only the plain scalars both read alike (strings that no keyword or
/// number of either could be, `true`/`false`/`null` in their three spellings, decimal
/// integers) and no repeated key.
pub(crate) fn read_common(text: &str) -> Read<Value> {
    read_as(text, Scalars::Common)
}

/// Whose rules resolve the plain scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalars {
    GoYaml,
    /// Only where go-yaml v2 and YAML 1.2's core schema agree.
    Common,
}

fn read_as(text: &str, scalars: Scalars) -> Read<Value> {
    // Tabs, `\r`, control and non-ASCII characters (libyaml's line breaks U+0085/U+2028,
    // BOMs, non-printable checks) are libyaml's to judge.
    if !printable_ascii(text.as_bytes()) {
        return Err(Unsupported);
    }
    let mut r = Reader {
        text,
        s: text.as_bytes(),
        pos: 0,
        line_start: 0,
        depth: 0,
        in_document: false,
        scalars,
        entries: Vec::new(),
        items: Vec::new(),
    };
    r.next_content_line()?;
    if r.at_document_marker(b"---") {
        r.pos += 3;
        r.line_end()?;
    }
    r.in_document = true;
    r.next_content_line()?;
    if r.eof() {
        return Ok(Value::Null);
    }
    if r.peek() == b'%' {
        return Err(Unsupported);
    }
    let root = r.block_node(-1, true)?;
    if !matches!(root, Value::Object(_) | Value::Array(_)) || !r.eof() {
        return Err(Unsupported);
    }
    Ok(root)
}

/// Only line breaks and printable ASCII: checked 16 bytes at a time without a branch per
/// byte (the compiler vectorizes it), as every document read passes through here whole.
fn printable_ascii(b: &[u8]) -> bool {
    let bad = |c: u8| c != b'\n' && !(b' '..=b'~').contains(&c);
    let mut chunks = b.chunks_exact(16);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, &c| any | bad(c)) {
            return false;
        }
    }
    !chunks.remainder().iter().any(|&c| bad(c))
}

struct Reader<'a> {
    /// The text, for slices of it; `s` is its bytes.
    text: &'a str,
    s: &'a [u8],
    pos: usize,
    line_start: usize,
    depth: usize,
    /// Past the leading `---` (if any): a document marker now ends the document.
    in_document: bool,
    scalars: Scalars,
    /// The entries of the block mappings being read, innermost last: a mapping is built at
    /// its final size once its entries are known (growing it rehashed every key).
    entries: Vec<(String, Value)>,
    /// The same for the items of block sequences.
    items: Vec<Value>,
}

fn is_blank_or_end(b: Option<u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

impl<'a> Reader<'a> {
    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> u8 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.s.get(self.pos + offset).copied()
    }

    fn column(&self) -> usize {
        self.pos - self.line_start
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        // Only ASCII was let in, so every byte range is a char boundary.
        self.text.get(from..to).unwrap_or_default()
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.pos;
        while self.peek_at(0) == Some(b' ') {
            self.pos += 1;
        }
        self.pos - start
    }

    fn newline(&mut self) {
        if self.peek_at(0) == Some(b'\n') {
            self.pos += 1;
        }
        self.line_start = self.pos;
    }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    fn at_document_marker(&self, marker: &[u8]) -> bool {
        self.column() == 0
            && self.s[self.pos..].starts_with(marker)
            && is_blank_or_end(self.peek_at(3))
    }

    /// Moves to the first character of the next line with content (blank and comment-only
    /// lines skipped), or to the end. Document markers there end the fast path.
    fn next_content_line(&mut self) -> Read<()> {
        loop {
            if self.eof() {
                return Ok(());
            }
            self.skip_spaces();
            match self.peek_at(0) {
                Some(b'\n') => self.newline(),
                Some(b'#') => {
                    while !matches!(self.peek_at(0), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                    self.newline();
                }
                None => return Ok(()),
                Some(_) => {
                    if self.in_document
                        && (self.at_document_marker(b"---") || self.at_document_marker(b"..."))
                    {
                        return Err(Unsupported);
                    }
                    return Ok(());
                }
            }
        }
    }

    /// The rest of a line after a node: spaces, an optional comment, the line break.
    fn line_end(&mut self) -> Read<()> {
        let spaces = self.skip_spaces();
        match self.peek_at(0) {
            None => Ok(()),
            Some(b'\n') => {
                self.newline();
                Ok(())
            }
            Some(b'#') if spaces > 0 => {
                while !matches!(self.peek_at(0), None | Some(b'\n')) {
                    self.pos += 1;
                }
                self.newline();
                Ok(())
            }
            Some(_) => Err(Unsupported),
        }
    }

    /// A node starting at the current position, inside a block collection whose entries sit
    /// at column `indent` (-1 at the root). `line_start` says the node opens its line (or
    /// follows `- `), where a block collection may start.
    fn block_node(&mut self, indent: i64, line_start: bool) -> Read<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        let value = self.block_node_inner(indent, line_start);
        self.depth -= 1;
        value
    }

    fn block_node_inner(&mut self, indent: i64, line_start: bool) -> Read<Value> {
        let column = self.column();
        match self.peek() {
            b'-' if is_blank_or_end(self.peek_at(1)) => {
                if !line_start {
                    return Err(Unsupported);
                }
                self.sequence(column)
            }
            b'[' | b'{' => {
                let value = self.flow_node()?;
                self.line_end()?;
                self.next_content_line()?;
                Ok(value)
            }
            b'|' | b'>' => {
                let text = self.block_scalar(indent)?;
                Ok(Value::String(text))
            }
            b'\'' | b'"' => {
                let start_line = self.line_start;
                let text = self.quoted()?;
                if self.peek() == b':' && is_blank_or_end(self.peek_at(1)) {
                    if !line_start || self.line_start != start_line || text.len() > MAX_SIMPLE_KEY {
                        return Err(Unsupported);
                    }
                    self.pos += 1;
                    return self.mapping(column, text);
                }
                self.line_end()?;
                self.next_content_line()?;
                Ok(Value::String(text))
            }
            b'&' | b'*' | b'!' | b'?' | b':' | b'%' | b'@' | b'`' | b',' | b']' | b'}' | b'#' => {
                Err(Unsupported)
            }
            b'-' if self.at_document_marker(b"---") => Err(Unsupported),
            _ => {
                let (text, key) = self.plain()?;
                if key {
                    if !line_start {
                        return Err(Unsupported);
                    }
                    let key = plain_key(text, self.scalars)?;
                    self.pos += 1;
                    return self.mapping(column, key);
                }
                let value = plain_value(text, self.scalars)?;
                self.line_end()?;
                self.next_content_line()?;
                Ok(value)
            }
        }
    }

    /// A block mapping at `column`; its first key is read and the `:` consumed.
    fn mapping(&mut self, column: usize, first_key: String) -> Read<Value> {
        let first = self.entries.len();
        let mut count = 0;
        let mut key = first_key;
        loop {
            let value = self.mapping_value(column)?;
            self.entries.push((key, value));
            count += 1;
            if self.eof() {
                break;
            }
            let at = self.column();
            if at < column {
                break;
            }
            if at > column || self.peek() == b'-' && is_blank_or_end(self.peek_at(1)) {
                return Err(Unsupported);
            }
            key = self.key()?;
        }
        let map = collect_map(&mut self.entries, first);
        // A repeated key is the one thing besides scalars that the readers may treat apart.
        if self.scalars == Scalars::Common && map.as_object().map_or(0, Map::len) != count {
            return Err(Unsupported);
        }
        Ok(map)
    }

    /// A mapping key at the current position with its `:`.
    fn key(&mut self) -> Read<String> {
        match self.peek() {
            b'\'' | b'"' => {
                let start_line = self.line_start;
                let text = self.quoted()?;
                if self.line_start != start_line
                    || text.len() > MAX_SIMPLE_KEY
                    || self.peek() != b':'
                    || !is_blank_or_end(self.peek_at(1))
                {
                    return Err(Unsupported);
                }
                self.pos += 1;
                Ok(text)
            }
            b'&' | b'*' | b'!' | b'?' | b':' | b'%' | b'@' | b'`' | b',' | b'[' | b']' | b'{'
            | b'}' | b'#' | b'|' | b'>' => Err(Unsupported),
            b'-' if self.at_document_marker(b"---") => Err(Unsupported),
            _ => {
                let (text, key) = self.plain()?;
                if !key {
                    return Err(Unsupported);
                }
                self.pos += 1;
                plain_key(text, self.scalars)
            }
        }
    }

    /// The value after a key's `:` in a mapping at `column`.
    fn mapping_value(&mut self, column: usize) -> Read<Value> {
        let spaces = self.skip_spaces();
        let comment = self.peek() == b'#' && spaces > 0;
        if self.eof() || self.peek() == b'\n' || comment {
            self.line_end()?;
            self.next_content_line()?;
            if self.eof() {
                return Ok(Value::Null);
            }
            let at = self.column();
            if at > column {
                return self.block_node(column as i64, true);
            }
            if at == column && self.peek() == b'-' && is_blank_or_end(self.peek_at(1)) {
                // An indentless sequence: `key:` then `- item` at the key's column.
                return self.sequence(column);
            }
            return Ok(Value::Null);
        }
        if spaces == 0 {
            return Err(Unsupported);
        }
        self.block_node(column as i64, false)
    }

    /// A block sequence whose `-` entries sit at `column`.
    fn sequence(&mut self, column: usize) -> Read<Value> {
        let first = self.items.len();
        loop {
            // At the `-` of an entry.
            self.pos += 1;
            let spaces = self.skip_spaces();
            let comment = self.peek() == b'#' && spaces > 0;
            let item = if self.eof() || self.peek() == b'\n' || comment {
                self.line_end()?;
                self.next_content_line()?;
                if !self.eof() && self.column() > column {
                    self.block_node(column as i64, true)?
                } else {
                    Value::Null
                }
            } else if self.peek() == b'-' && is_blank_or_end(self.peek_at(1)) {
                // `- - x`: nested inline sequences are left to libyaml.
                return Err(Unsupported);
            } else {
                self.block_node(column as i64, true)?
            };
            self.items.push(item);
            if self.eof() {
                break;
            }
            let at = self.column();
            if at < column {
                break;
            }
            if at > column {
                return Err(Unsupported);
            }
            if !(self.peek() == b'-' && is_blank_or_end(self.peek_at(1))) {
                // The next key of the mapping an indentless sequence belongs to (or, for
                // any other sequence, an error the enclosing collection refuses).
                break;
            }
        }
        Ok(collect_items(&mut self.items, first))
    }

    /// A plain scalar in block context, up to `: `, ` #` or the end of the line. Returns its
    /// text and whether a `:` (left unconsumed) makes it a key.
    fn plain(&mut self) -> Read<(&'a str, bool)> {
        let start = self.pos;
        let first = self.peek();
        if matches!(first, b'-') && is_blank_or_end(self.peek_at(1)) {
            return Err(Unsupported);
        }
        let mut key = false;
        // Over the rest of the text directly: this loop sees every byte of every plain
        // scalar and key.
        let rest = self.s.get(start..).unwrap_or_default();
        let mut length = 0;
        while let Some(&c) = rest.get(length) {
            match c {
                b'\n' => break,
                b':' if is_blank_or_end(rest.get(length + 1).copied()) => {
                    key = true;
                    break;
                }
                b'#' if length > 0 && rest[length - 1] == b' ' => break,
                _ => length += 1,
            }
        }
        self.pos = start + length;
        let mut end = self.pos;
        while end > start && self.s[end - 1] == b' ' {
            end -= 1;
        }
        if key && end != self.pos {
            // `key :` — libyaml accepts it, but it is not worth the cases.
            return Err(Unsupported);
        }
        if !key {
            self.pos = end;
        }
        if end == start {
            return Err(Unsupported);
        }
        Ok((self.slice(start, end), key))
    }
}

/// The mapping of the entries from `first` on, taken off the stack. Apart from the
/// recursive reader, whose frames (deep in debug builds) stay small without its locals.
fn collect_map(entries: &mut Vec<(String, Value)>, first: usize) -> Value {
    let mut map = Map::with_capacity(entries.len().saturating_sub(first));
    // In order, so a repeated key keeps its first place and its last value.
    for (key, value) in entries.drain(first..) {
        map.insert(key, value);
    }
    Value::Object(map)
}

/// The sequence of the items from `first` on, taken off the stack (see [`collect_map`]).
fn collect_items(items: &mut Vec<Value>, first: usize) -> Value {
    Value::Array(items.drain(first..).collect())
}

/// A plain scalar value, resolved as go-yaml v2 resolves it; the forms that cannot become
/// JSON (`.inf`, `.nan`) are left to libyaml's path, which reports them.
fn plain_value(text: &str, scalars: Scalars) -> Read<Value> {
    if scalars == Scalars::Common {
        return common_plain_value(text);
    }
    if resolves_to_string(text) {
        return Ok(Value::String(text.to_string()));
    }
    resolve_plain_scalar(text).ok_or(Unsupported)
}

/// A plain key: resolved, then turned into a JSON key as `sigs.k8s.io/yaml` does. `<<` and
/// keys that fail (null) are left to libyaml's path.
fn plain_key(text: &str, scalars: Scalars) -> Read<String> {
    if text == "<<" || text.len() > MAX_SIMPLE_KEY {
        return Err(Unsupported);
    }
    if resolves_to_string(text) && (scalars == Scalars::GoYaml || !could_be_number(text)) {
        return Ok(text.to_string());
    }
    if scalars == Scalars::Common {
        // A key go-yaml resolves (`yes`, `1.0`) is spelt differently by the two readers.
        return Err(Unsupported);
    }
    key_string(&plain_value(text, scalars)?).map_err(|_| Unsupported)
}

/// A plain scalar as both go-yaml v2 and YAML 1.2's core schema read it, when they agree.
fn common_plain_value(text: &str) -> Read<Value> {
    match text {
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        "null" | "Null" | "NULL" | "~" => return Ok(Value::Null),
        _ => {}
    }
    if !could_be_number(text) {
        // Text starting otherwise is a string for YAML 1.2 unless it is one of the keywords
        // above; go-yaml v2 has more keywords (`yes`, `off` …), which this asks it about.
        return if resolves_to_string(text) {
            Ok(Value::String(text.to_string()))
        } else {
            Err(Unsupported)
        };
    }
    // Decimal integers without sign, leading zero (octal for go-yaml) or `_`, and small
    // enough for both to keep them exact; other numbers are left to the caller's reader.
    let decimal = text.len() <= 18
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    match text.parse::<u64>() {
        Ok(n) if decimal => Ok(Value::from(n)),
        _ => Err(Unsupported),
    }
}

/// Whether a plain scalar starts as a number, a sign or `.`/`~` keyword may.
fn could_be_number(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        None | Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'~')
    )
}

mod flow;
mod scalars;

#[cfg(test)]
mod tests;

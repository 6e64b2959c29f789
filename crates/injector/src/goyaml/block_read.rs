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
    // Tabs, `\r`, control and non-ASCII characters (libyaml's line breaks U+0085/U+2028,
    // BOMs, non-printable checks) are libyaml's to judge.
    if !text
        .bytes()
        .all(|b| b == b'\n' || (b' '..=b'~').contains(&b))
    {
        return Err(Unsupported);
    }
    let mut r = Reader {
        s: text.as_bytes(),
        pos: 0,
        line_start: 0,
        depth: 0,
        in_document: false,
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

struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
    line_start: usize,
    depth: usize,
    /// Past the leading `---` (if any): a document marker now ends the document.
    in_document: bool,
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
        std::str::from_utf8(&self.s[from..to]).unwrap_or_default()
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
                    let key = plain_key(text)?;
                    self.pos += 1;
                    return self.mapping(column, key);
                }
                let value = plain_value(text)?;
                self.line_end()?;
                self.next_content_line()?;
                Ok(value)
            }
        }
    }

    /// A block mapping at `column`; its first key is read and the `:` consumed.
    fn mapping(&mut self, column: usize, first_key: String) -> Read<Value> {
        let mut map = Map::new();
        let mut key = first_key;
        loop {
            let value = self.mapping_value(column)?;
            map.insert(key, value);
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
        Ok(Value::Object(map))
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
                plain_key(text)
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
        let mut items = Vec::new();
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
            items.push(item);
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
        Ok(Value::Array(items))
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
        loop {
            match self.peek_at(0) {
                None | Some(b'\n') => break,
                Some(b':') if is_blank_or_end(self.peek_at(1)) => {
                    key = true;
                    break;
                }
                Some(b'#') if self.pos > start && self.s[self.pos - 1] == b' ' => break,
                Some(_) => self.pos += 1,
            }
        }
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

    /// A single- or double-quoted scalar, possibly over several lines (libyaml's
    /// `scan_flow_scalar`). Leaves the position after the closing quote.
    fn quoted(&mut self) -> Read<String> {
        let single = self.peek() == b'\'';
        let quote = self.peek();
        self.pos += 1;
        let mut string = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        loop {
            if self.column() == 0
                && (self.at_document_marker(b"---") || self.at_document_marker(b"..."))
            {
                return Err(Unsupported);
            }
            if self.eof() {
                return Err(Unsupported);
            }
            let mut leading_blanks = false;
            while !matches!(self.peek_at(0), None | Some(b' ' | b'\n')) {
                let c = self.peek();
                if single && c == b'\'' && self.peek_at(1) == Some(b'\'') {
                    string.push('\'');
                    self.pos += 2;
                } else if c == quote {
                    break;
                } else if !single && c == b'\\' && self.peek_at(1) == Some(b'\n') {
                    self.pos += 1;
                    self.newline();
                    leading_blanks = true;
                    break;
                } else if !single && c == b'\\' {
                    self.escape(&mut string)?;
                } else {
                    string.push(char::from(c));
                    self.pos += 1;
                }
            }
            if self.eof() {
                return Err(Unsupported);
            }
            if self.peek() == quote {
                break;
            }
            while matches!(self.peek_at(0), Some(b' ' | b'\n')) {
                if self.peek() == b' ' {
                    if !leading_blanks {
                        whitespaces.push(' ');
                    }
                    self.pos += 1;
                } else if !leading_blanks {
                    whitespaces.clear();
                    leading_break.push('\n');
                    self.newline();
                    leading_blanks = true;
                } else {
                    trailing_breaks.push('\n');
                    self.newline();
                }
            }
            if leading_blanks {
                if leading_break.starts_with('\n') {
                    if trailing_breaks.is_empty() {
                        string.push(' ');
                    } else {
                        string.push_str(&trailing_breaks);
                    }
                } else {
                    string.push_str(&leading_break);
                    string.push_str(&trailing_breaks);
                }
                leading_break.clear();
                trailing_breaks.clear();
            } else {
                string.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
        self.pos += 1;
        Ok(string)
    }

    /// A double-quoted escape at `\`.
    fn escape(&mut self, string: &mut String) -> Read<()> {
        let code = self.peek_at(1).ok_or(Unsupported)?;
        let simple = match code {
            // A NUL starts the libyaml path's marker for non-finite floats; it checks them.
            b'0' => return Err(Unsupported),
            b'a' => Some('\x07'),
            b'b' => Some('\x08'),
            b't' | b'\t' => Some('\t'),
            b'n' => Some('\n'),
            b'v' => Some('\x0b'),
            b'f' => Some('\x0c'),
            b'r' => Some('\r'),
            b'e' => Some('\x1b'),
            b' ' => Some(' '),
            b'"' => Some('"'),
            b'/' => Some('/'),
            b'\\' => Some('\\'),
            b'N' => Some('\u{85}'),
            b'_' => Some('\u{a0}'),
            b'L' => Some('\u{2028}'),
            b'P' => Some('\u{2029}'),
            _ => None,
        };
        if let Some(c) = simple {
            string.push(c);
            self.pos += 2;
            return Ok(());
        }
        let digits = match code {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => return Err(Unsupported),
        };
        let hex = self
            .s
            .get(self.pos + 2..self.pos + 2 + digits)
            .ok_or(Unsupported)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(Unsupported);
        }
        let value = u32::from_str_radix(std::str::from_utf8(hex).map_err(|_| Unsupported)?, 16)
            .map_err(|_| Unsupported)?;
        string.push(char::from_u32(value).ok_or(Unsupported)?);
        self.pos += 2 + digits;
        Ok(())
    }

    /// A literal (`|`) or folded (`>`) block scalar as libyaml's `scan_block_scalar` reads
    /// it; `indent` is the column of the enclosing collection's entries. Leaves the position
    /// at the next content line.
    fn block_scalar(&mut self, indent: i64) -> Read<String> {
        let literal = self.peek() == b'|';
        self.pos += 1;
        let chomping = match self.peek_at(0) {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => 0,
        };
        if chomping != 0 {
            self.pos += 1;
        }
        if self.peek().is_ascii_digit() {
            return Err(Unsupported);
        }
        self.line_end()?;
        let mut block_indent: i64 = 0;
        let mut string = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut leading_blank = false;
        self.block_breaks(&mut block_indent, &mut trailing_breaks, indent);
        while self.column() as i64 == block_indent && !self.eof() {
            let trailing_blank = self.peek() == b' ';
            if !literal && leading_break.starts_with('\n') && !leading_blank && !trailing_blank {
                if trailing_breaks.is_empty() {
                    string.push(' ');
                }
                leading_break.clear();
            } else {
                string.push_str(&leading_break);
                leading_break.clear();
            }
            string.push_str(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = self.peek() == b' ';
            let start = self.pos;
            while !matches!(self.peek_at(0), None | Some(b'\n')) {
                self.pos += 1;
            }
            string.push_str(self.slice(start, self.pos));
            if self.peek_at(0) == Some(b'\n') {
                leading_break.push('\n');
                self.newline();
            }
            self.block_breaks(&mut block_indent, &mut trailing_breaks, indent);
        }
        if chomping != -1 {
            string.push_str(&leading_break);
        }
        if chomping == 1 {
            string.push_str(&trailing_breaks);
        }
        // The line that ended the block is read again as the collection's next line.
        if !self.eof() {
            self.pos = self.line_start;
        }
        self.next_content_line()?;
        Ok(string)
    }

    /// libyaml's `scan_block_scalar_breaks`: empty lines (as line breaks) and, on the first
    /// call, the block's indentation.
    fn block_breaks(&mut self, block_indent: &mut i64, breaks: &mut String, indent: i64) {
        let mut max_indent: i64 = 0;
        loop {
            while (*block_indent == 0 || (self.column() as i64) < *block_indent)
                && self.peek_at(0) == Some(b' ')
            {
                self.pos += 1;
            }
            max_indent = max_indent.max(self.column() as i64);
            if self.peek_at(0) != Some(b'\n') {
                break;
            }
            breaks.push('\n');
            self.newline();
        }
        if *block_indent == 0 {
            *block_indent = max_indent.max(indent + 1).max(1);
        }
    }

    /// A flow collection (`[a, "b"]`, `{k: v}`, `{}`, over several lines too, with a
    /// trailing comma), left after its closing bracket.
    fn flow_node(&mut self) -> Read<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        let open = self.peek();
        let close = if open == b'[' { b']' } else { b'}' };
        self.pos += 1;
        self.flow_space()?;
        let value = if open == b'[' {
            let mut items = Vec::new();
            while self.peek() != close {
                items.push(self.flow_item()?);
                self.flow_separator(close)?;
            }
            Value::Array(items)
        } else {
            let mut map = Map::new();
            while self.peek() != close {
                let key = match self.peek() {
                    b'\'' | b'"' => self.one_line_quoted()?,
                    _ => plain_key(self.flow_plain()?)?,
                };
                // `key: value` on one line; other spellings are left to libyaml.
                if self.peek() != b':' || self.peek_at(1) != Some(b' ') {
                    return Err(Unsupported);
                }
                self.pos += 1;
                self.skip_spaces();
                if matches!(self.peek(), b'\n' | b'#' | b',' | b'}') {
                    return Err(Unsupported);
                }
                let value = self.flow_item()?;
                map.insert(key, value);
                self.flow_separator(close)?;
            }
            Value::Object(map)
        };
        self.pos += 1;
        self.depth -= 1;
        Ok(value)
    }

    /// After a flow entry: `,` (a trailing one too) or the closing bracket.
    fn flow_separator(&mut self, close: u8) -> Read<()> {
        self.flow_space()?;
        if self.peek() == b',' {
            self.pos += 1;
            self.flow_space()?;
        } else if self.peek() != close {
            return Err(Unsupported);
        }
        Ok(())
    }

    /// Spaces, line breaks and comments between flow entries.
    fn flow_space(&mut self) -> Read<()> {
        loop {
            let spaces = self.skip_spaces();
            match self.peek_at(0) {
                None => return Err(Unsupported),
                Some(b'\n') => {
                    self.newline();
                    if self.at_document_marker(b"---") || self.at_document_marker(b"...") {
                        return Err(Unsupported);
                    }
                }
                Some(b'#') if spaces > 0 || self.column() == 0 => {
                    while !matches!(self.peek_at(0), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                }
                // libyaml does not check the indentation of flow lines (Istio's templates
                // close `{` at the key's column), and neither does this.
                Some(_) => return Ok(()),
            }
        }
    }

    /// A quoted scalar that must end on the line it starts on (a flow key or entry).
    fn one_line_quoted(&mut self) -> Read<String> {
        let start_line = self.line_start;
        let text = self.quoted()?;
        if self.line_start != start_line {
            return Err(Unsupported);
        }
        Ok(text)
    }

    fn flow_item(&mut self) -> Read<Value> {
        match self.peek() {
            b'[' | b'{' => self.flow_node(),
            b'\'' | b'"' => self.one_line_quoted().map(Value::String),
            _ => plain_value(self.flow_plain()?),
        }
    }

    /// A plain scalar inside a flow collection, up to `,`, a bracket or `:`. Anything that
    /// would make the `:` or `#` rules matter is left to libyaml.
    fn flow_plain(&mut self) -> Read<&'a str> {
        let start = self.pos;
        match self.peek() {
            b'&' | b'*' | b'!' | b'?' | b':' | b'%' | b'@' | b'`' | b',' | b'#' | b'|' | b'>'
            | b'\'' | b'"' | b'[' | b']' | b'{' | b'}' | b' ' | b'\n' | 0 => {
                return Err(Unsupported);
            }
            b'-' if matches!(
                self.peek_at(1),
                None | Some(b' ' | b'\n' | b',' | b'[' | b']' | b'{' | b'}')
            ) =>
            {
                return Err(Unsupported);
            }
            _ => {}
        }
        loop {
            match self.peek_at(0) {
                None | Some(b'\n') => return Err(Unsupported),
                Some(b',' | b'[' | b']' | b'{' | b'}' | b':') => break,
                Some(b'#' | b'\'' | b'"') => return Err(Unsupported),
                Some(_) => self.pos += 1,
            }
        }
        let mut end = self.pos;
        while end > start && self.s[end - 1] == b' ' {
            end -= 1;
        }
        Ok(self.slice(start, end))
    }
}

/// A plain scalar value, resolved as go-yaml v2 resolves it; the forms that cannot become
/// JSON (`.inf`, `.nan`) are left to libyaml's path, which reports them.
fn plain_value(text: &str) -> Read<Value> {
    if resolves_to_string(text) {
        return Ok(Value::String(text.to_string()));
    }
    resolve_plain_scalar(text).ok_or(Unsupported)
}

/// A plain key: resolved, then turned into a JSON key as `sigs.k8s.io/yaml` does. `<<` and
/// keys that fail (null) are left to libyaml's path.
fn plain_key(text: &str) -> Read<String> {
    if text == "<<" || text.len() > MAX_SIMPLE_KEY {
        return Err(Unsupported);
    }
    if resolves_to_string(text) {
        return Ok(text.to_string());
    }
    key_string(&plain_value(text)?).map_err(|_| Unsupported)
}

#[cfg(test)]
mod tests;

//! Flow collections (`[a, "b"]`, `{k: v}`) inside block text.

use serde_json::{Map, Value};

use super::{MAX_DEPTH, Read, Reader, Scalars, Unsupported, plain_key, plain_value};

impl<'a> Reader<'a> {
    /// A flow collection (`[a, "b"]`, `{k: v}`, `{}`, over several lines too, with a
    /// trailing comma), left after its closing bracket.
    pub(super) fn flow_node(&mut self) -> Read<Value> {
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
                    _ => plain_key(self.flow_plain()?, self.scalars)?,
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
                if map.insert(key, value).is_some() && self.scalars == Scalars::Common {
                    return Err(Unsupported);
                }
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
    pub(super) fn one_line_quoted(&mut self) -> Read<String> {
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
            _ => plain_value(self.flow_plain()?, self.scalars),
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

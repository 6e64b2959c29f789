//! Quoted and block scalars, as libyaml's scanner reads them (`scan_flow_scalar`,
//! `scan_block_scalar`): its folding, escapes, indentation and chomping, step by step.

use super::{Read, Reader, Unsupported};

impl Reader<'_> {
    /// A single- or double-quoted scalar, possibly over several lines (libyaml's
    /// `scan_flow_scalar`). Leaves the position after the closing quote.
    pub(super) fn quoted(&mut self) -> Read<String> {
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
    pub(super) fn block_scalar(&mut self, indent: i64) -> Read<String> {
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
}

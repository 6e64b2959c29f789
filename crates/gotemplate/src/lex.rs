//! The lexer: Go's `text/template/parse` state machine, producing items on demand.
//!
//! Items borrow nothing and allocate nothing: each is a kind plus a byte span of the source.
//! Trim markers (`{{- ` and ` -}}`) are applied here, so the parser never sees them, and the
//! item positions and lines match Go's so that error texts do too.

/// The kind of a lexed item (Go's `itemType`). Keywords sort after `Keyword`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

/// One lexed item: `src[pos..end]` is its text; `line` is where it starts (1-based).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub typ: ItemType,
    pub pos: u32,
    pub end: u32,
    pub line: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Done,
}

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
const TRIM_MARKER_LEN: usize = 2;

pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    width: usize,
    line: u32,
    start_line: u32,
    paren_depth: i32,
    state: State,
    break_ok: bool,
    continue_ok: bool,
    /// The message of the error item, once one has been produced (the lexer stops there).
    pub error: String,
}

pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Go's `unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'`, approximated beyond ASCII by
/// Rust's alphabetic and numeric properties.
pub(crate) fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

/// The keyword `word` is, if it is one. Every identifier of a template is looked up: the first
/// bytes pick the one keyword it can be, so a word is compared at most once.
fn keyword(word: &str) -> Option<ItemType> {
    let (text, typ) = match word.as_bytes() {
        [b'.'] => return Some(ItemType::Dot),
        [b'b', b'l', ..] => ("block", ItemType::Block),
        [b'b', b'r', ..] => ("break", ItemType::Break),
        [b'c', ..] => ("continue", ItemType::Continue),
        [b'd', ..] => ("define", ItemType::Define),
        [b'e', b'l', ..] => ("else", ItemType::Else),
        [b'e', b'n', ..] => ("end", ItemType::End),
        [b'i', b'f'] => return Some(ItemType::If),
        [b'r', ..] => ("range", ItemType::Range),
        [b'n', ..] => ("nil", ItemType::Nil),
        [b't', b'e', ..] => ("template", ItemType::Template),
        [b'w', ..] => ("with", ItemType::With),
        _ => return None,
    };
    (word == text).then_some(typ)
}

/// Go's `%#U` rendering of a rune, used in lexer error texts.
pub(crate) fn rune_u(c: char) -> String {
    if crate::gofmt::is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str, break_ok: bool, continue_ok: bool) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            width: 0,
            line: 1,
            start_line: 1,
            paren_depth: 0,
            state: State::Text,
            break_ok,
            continue_ok,
            error: String::new(),
        }
    }

    #[inline(always)]
    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    #[inline(always)]
    fn next(&mut self) -> Option<char> {
        // Templates are nearly all ASCII: a byte is a character, no decoding needed.
        if let Some(&byte) = self.input.as_bytes().get(self.pos)
            && byte.is_ascii()
        {
            self.width = 1;
            self.pos += 1;
            if byte == b'\n' {
                self.line += 1;
            }
            return Some(char::from(byte));
        }
        match self.rest().chars().next() {
            None => {
                self.width = 0;
                None
            }
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                if c == '\n' {
                    self.line += 1;
                }
                Some(c)
            }
        }
    }

    #[inline(always)]
    fn peek(&mut self) -> Option<char> {
        match self.input.as_bytes().get(self.pos) {
            Some(&byte) if byte.is_ascii() => Some(char::from(byte)),
            _ => self.rest().chars().next(),
        }
    }

    #[inline(always)]
    fn backup(&mut self) {
        self.pos -= self.width;
        if self.width == 1 && self.input.as_bytes().get(self.pos) == Some(&b'\n') {
            self.line -= 1;
        }
        self.width = 0;
    }

    #[inline(always)]
    fn emit(&mut self, typ: ItemType) -> Item {
        let item = Item {
            typ,
            pos: self.start as u32,
            end: self.pos as u32,
            line: self.start_line,
        };
        self.start = self.pos;
        self.start_line = self.line;
        item
    }

    fn ignore(&mut self) {
        let skipped = self.input.get(self.start..self.pos).unwrap_or("");
        self.line += count_newlines(skipped);
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            Some(_) => {
                self.backup();
                false
            }
            None => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while let Some(c) = self.next() {
            if !valid.contains(c) {
                self.backup();
                break;
            }
        }
    }

    fn errorf(&mut self, message: String) -> Item {
        self.error = message;
        self.state = State::Done;
        Item {
            typ: ItemType::Error,
            pos: self.start as u32,
            end: self.start as u32,
            line: self.start_line,
        }
    }

    /// The next item. After the end of input or an error, keeps returning EOF.
    pub fn next_item(&mut self) -> Item {
        loop {
            let produced = match self.state {
                State::Done => {
                    return Item {
                        typ: ItemType::Eof,
                        pos: self.pos as u32,
                        end: self.pos as u32,
                        line: self.line,
                    };
                }
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
            };
            if let Some(item) = produced {
                return item;
            }
        }
    }

    fn lex_text(&mut self) -> Option<Item> {
        self.width = 0;
        if let Some(x) = find_left_delim(self.rest()) {
            let delim_at = self.pos + x;
            let after = self.input.get(delim_at + LEFT_DELIM.len()..).unwrap_or("");
            let mut trim = 0;
            if has_left_trim_marker(after) {
                let text = self.input.get(self.start..delim_at).unwrap_or("");
                trim = text.len() - text.trim_end_matches(is_space).len();
            }
            self.pos = delim_at - trim;
            let mut item = None;
            if self.pos > self.start {
                let text = self.input.get(self.start..self.pos).unwrap_or("");
                self.line += count_newlines(text);
                item = Some(self.emit(ItemType::Text));
            }
            self.pos = delim_at;
            self.ignore();
            self.state = State::LeftDelim;
            return item;
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            let text = self.input.get(self.start..self.pos).unwrap_or("");
            self.line += count_newlines(text);
            return Some(self.emit(ItemType::Text));
        }
        let eof = self.emit(ItemType::Eof);
        self.state = State::Done;
        Some(eof)
    }

    /// Whether a right delimiter starts here, and whether it is trim-marked (` -}}`).
    #[inline(always)]
    fn at_right_delim(&self) -> (bool, bool) {
        trim_marked_right_delim(self.input.as_bytes().get(self.pos..).unwrap_or_default())
    }

    fn lex_left_delim(&mut self) -> Option<Item> {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { TRIM_MARKER_LEN } else { 0 };
        if self
            .rest()
            .get(after_marker..)
            .is_some_and(|r| r.starts_with(LEFT_COMMENT))
        {
            self.pos += after_marker;
            self.ignore();
            self.state = State::Comment;
            return None;
        }
        let item = self.emit(ItemType::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        self.state = State::InsideAction;
        Some(item)
    }

    fn lex_comment(&mut self) -> Option<Item> {
        self.pos += LEFT_COMMENT.len();
        let Some(i) = self.rest().find(RIGHT_COMMENT) else {
            return Some(self.errorf("unclosed comment".into()));
        };
        self.pos += i + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return Some(self.errorf("comment ends before closing delimiter".into()));
        }
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            let rest = self.rest();
            self.pos += rest.len() - rest.trim_start_matches(is_space).len();
        }
        self.ignore();
        self.state = State::Text;
        None
    }

    fn lex_right_delim(&mut self) -> Option<Item> {
        let trim = has_right_trim_marker(self.rest());
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        let item = self.emit(ItemType::RightDelim);
        if trim {
            let rest = self.rest();
            self.pos += rest.len() - rest.trim_start_matches(is_space).len();
            self.ignore();
        }
        self.state = State::Text;
        Some(item)
    }

    fn lex_inside_action(&mut self) -> Option<Item> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                self.state = State::RightDelim;
                return None;
            }
            return Some(self.errorf("unclosed left paren".into()));
        }
        let Some(r) = self.next() else {
            return Some(self.errorf("unclosed action".into()));
        };
        let item = match r {
            // Each state below is entered directly rather than through `next_item`'s loop.
            c if is_space(c) => {
                self.backup();
                return self.lex_space();
            }
            '=' => self.emit(ItemType::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return Some(self.errorf("expected :=".into()));
                }
                self.emit(ItemType::Declare)
            }
            '|' => self.emit(ItemType::Pipe),
            '"' => return self.lex_quote(),
            '`' => return self.lex_raw_quote(),
            '$' => return self.lex_variable(),
            '\'' => return self.lex_char(),
            // Look ahead for ".field"; "." followed by a digit (or at the end) is a number.
            '.' if self
                .input
                .as_bytes()
                .get(self.pos)
                .is_some_and(|b| !b.is_ascii_digit()) =>
            {
                return self.lex_field_or_variable(ItemType::Field);
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup();
                return self.lex_number();
            }
            c if is_alphanumeric(c) => {
                self.backup();
                return self.lex_identifier();
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen)
            }
            ')' => {
                let item = self.emit(ItemType::RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return Some(self.errorf(format!("unexpected right paren {}", rune_u(r))));
                }
                item
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.emit(ItemType::Char),
            c => {
                return Some(
                    self.errorf(format!("unrecognized character in action: {}", rune_u(c))),
                );
            }
        };
        self.state = State::InsideAction;
        Some(item)
    }

    fn lex_space(&mut self) -> Option<Item> {
        let bytes = self.input.as_bytes();
        let mut num_spaces = 0;
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
            }
            num_spaces += 1;
        }
        self.width = usize::from(num_spaces > 0);
        // A space may begin a trim-marked right delimiter (" -}}"): leave it for that.
        let before = self
            .input
            .as_bytes()
            .get(self.pos.saturating_sub(1)..)
            .unwrap_or_default();
        if trim_marked_right_delim(before) == (true, true) {
            self.pos = self.pos.saturating_sub(1);
            if self.input.as_bytes().get(self.pos) == Some(&b'\n') {
                self.line -= 1;
            }
            if num_spaces == 1 {
                self.state = State::RightDelim;
                return None;
            }
        }
        self.state = State::InsideAction;
        Some(self.emit(ItemType::Space))
    }

    fn lex_identifier(&mut self) -> Option<Item> {
        self.skip_alphanumerics();
        let word = self.input.get(self.start..self.pos).unwrap_or("");
        if !self.at_terminator() {
            let bad = self.peek().map_or_else(String::new, rune_u);
            return Some(self.errorf(format!("bad character {bad}")));
        }
        let typ = match keyword(word) {
            Some(ItemType::Break) if !self.break_ok => ItemType::Identifier,
            Some(ItemType::Continue) if !self.continue_ok => ItemType::Identifier,
            Some(k) => k,
            None if word.starts_with('.') => ItemType::Field,
            None if word == "true" || word == "false" => ItemType::Bool,
            None => ItemType::Identifier,
        };
        self.state = State::InsideAction;
        Some(self.emit(typ))
    }

    /// Moves past the letters, digits and underscores from `pos` on (no line feed among them).
    /// Identifiers and field names are ASCII nearly always: their bytes are taken without
    /// decoding, one character at a time only beyond ASCII.
    fn skip_alphanumerics(&mut self) {
        let bytes = self.input.as_bytes();
        loop {
            let ascii = bytes.get(self.pos..).unwrap_or_default();
            self.pos += ascii
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
                .count();
            if bytes.get(self.pos).is_none_or(u8::is_ascii) {
                break;
            }
            match self.rest().chars().next() {
                Some(c) if is_alphanumeric(c) => self.pos += c.len_utf8(),
                _ => break,
            }
        }
        // As after the character loop this stands for, which backs up at its end.
        self.width = 0;
    }

    fn lex_variable(&mut self) -> Option<Item> {
        if self.at_terminator() {
            self.state = State::InsideAction;
            return Some(self.emit(ItemType::Variable));
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Option<Item> {
        if self.at_terminator() {
            self.state = State::InsideAction;
            let t = if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            };
            return Some(self.emit(t));
        }
        self.skip_alphanumerics();
        if !self.at_terminator() {
            let bad = self.peek().map_or_else(String::new, rune_u);
            return Some(self.errorf(format!("bad character {bad}")));
        }
        self.state = State::InsideAction;
        Some(self.emit(typ))
    }

    fn at_terminator(&self) -> bool {
        // The terminators are ASCII, and a byte beyond ASCII starts no terminator.
        matches!(
            self.input.as_bytes().get(self.pos),
            None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'.' | b',' | b'|' | b':' | b')' | b'(')
            // A character starting the right delimiter ends the word too.
            | Some(b'}')
        )
    }

    fn lex_char(&mut self) -> Option<Item> {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some(c) if c != '\n' => {}
                    _ => return Some(self.errorf("unterminated character constant".into())),
                },
                None | Some('\n') => {
                    return Some(self.errorf("unterminated character constant".into()));
                }
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.state = State::InsideAction;
        Some(self.emit(ItemType::CharConstant))
    }

    fn lex_number(&mut self) -> Option<Item> {
        if !self.scan_number() {
            let text = self.input.get(self.start..self.pos).unwrap_or("");
            let msg = format!("bad number syntax: {}", crate::gofmt::quote(text));
            return Some(self.errorf(msg));
        }
        let typ = if let Some('+' | '-') = self.peek() {
            // Complex: 1+2i. No spaces, must end in 'i'.
            if !self.scan_number() || !self.input.get(..self.pos).is_some_and(|s| s.ends_with('i'))
            {
                let text = self.input.get(self.start..self.pos).unwrap_or("");
                let msg = format!("bad number syntax: {}", crate::gofmt::quote(text));
                return Some(self.errorf(msg));
            }
            ItemType::Complex
        } else {
            ItemType::Number
        };
        self.state = State::InsideAction;
        Some(self.emit(typ))
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> Option<Item> {
        // By bytes: the three that matter are ASCII, and no byte of a longer UTF-8 sequence
        // equals an ASCII one.
        let bytes = self.input.as_bytes();
        loop {
            let run = bytes.get(self.pos..).unwrap_or_default();
            let skip = run
                .iter()
                .position(|&b| matches!(b, b'"' | b'\\' | b'\n'))
                .unwrap_or(run.len());
            self.pos += skip;
            match bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.next() {
                        Some(c) if c != '\n' => {}
                        _ => return Some(self.errorf("unterminated quoted string".into())),
                    }
                }
                Some(_) => {
                    self.pos += 1;
                    self.line += 1;
                    return Some(self.errorf("unterminated quoted string".into()));
                }
                None => return Some(self.errorf("unterminated quoted string".into())),
            }
        }
        self.width = 1;
        self.state = State::InsideAction;
        Some(self.emit(ItemType::String))
    }

    fn lex_raw_quote(&mut self) -> Option<Item> {
        match find_byte(self.rest().as_bytes(), b'`') {
            None => Some(self.errorf("unterminated raw quoted string".into())),
            Some(i) => {
                let body = self.input.get(self.pos..self.pos + i).unwrap_or("");
                self.line += count_newlines(body);
                self.pos += i + 1;
                self.state = State::InsideAction;
                Some(self.emit(ItemType::RawString))
            }
        }
    }
}

/// Whether `rest` starts with a right delimiter, and whether that one is trim-marked (a space,
/// `-`, then `}}`).
fn trim_marked_right_delim(rest: &[u8]) -> (bool, bool) {
    match rest {
        [b' ' | b'\t' | b'\r' | b'\n', b'-', b'}', b'}', ..] => (true, true),
        [b'}', b'}', ..] => (true, false),
        _ => (false, false),
    }
}

/// Where `{{` starts in `text`: a search for the byte `{` and a look at the next one.
fn find_left_delim(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = find_byte(bytes.get(from..)?, b'{') {
        let at = from + found;
        if bytes.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The first `byte` in `bytes`, eight bytes at a time. Runs of template text are mostly short:
/// `memchr`'s alignment set-up cost more than the search (wasm has no SIMD to pay it back).
fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let (words, tail) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        let x = u64::from_le_bytes(*word) ^ (ONES * u64::from(byte));
        // The lowest set high bit marks the first zero byte of `x` (a borrow only ever
        // carries past a zero byte, into the bytes above it).
        let zero = x.wrapping_sub(ONES) & !x & HIGH;
        if zero != 0 {
            return Some(i * 8 + (zero.trailing_zeros() / 8) as usize);
        }
    }
    let at = tail.iter().position(|&b| b == byte)?;
    Some(words.len() * 8 + at)
}

/// The line feeds in `s`, counted eight bytes at a time: every run of template text is
/// counted, and wasm (without SIMD) gets no vectorised byte loop.
pub(crate) fn count_newlines(s: &str) -> u32 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const LOW: u64 = ONES * 0x7f;
    let (words, tail) = s.as_bytes().as_chunks::<8>();
    let mut count = 0;
    for word in words {
        // Bytes equal to '\n' become zero; `x + 0x7f` (on the low seven bits) sets the high
        // bit of every other byte, and the byte's own high bit catches bytes beyond ASCII.
        let x = u64::from_le_bytes(*word) ^ (ONES * u64::from(b'\n'));
        let nonzero = ((x & LOW) + LOW) | x;
        count += (!nonzero & (ONES << 7)).count_ones();
    }
    count + tail.iter().filter(|&&b| b == b'\n').count() as u32
}

#[cfg(test)]
mod tests {
    use super::{Lexer, count_newlines, find_byte, is_alphanumeric};

    proptest::proptest! {
        #[test]
        fn a_word_ends_at_the_first_character_that_is_not_alphanumeric(
            text in "[a-zA-Z0-9_ .$|()\"\t\n{}é中٣ⅷ\u{300}\u{80}-\u{10ffff}-]{0,24}",
            from in 0usize..24,
        ) {
            let from = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let mut lexer = Lexer::new(&text, true, true);
            lexer.pos = from;
            lexer.skip_alphanumerics();
            let expected = text[from..]
                .char_indices()
                .find(|&(_, c)| !is_alphanumeric(c))
                .map_or(text.len(), |(i, _)| from + i);
            proptest::prop_assert_eq!(lexer.pos, expected);
            proptest::prop_assert_eq!(lexer.line, 1);
        }

        #[test]
        fn a_byte_is_found_where_a_byte_by_byte_search_finds_it(
            text in proptest::collection::vec(proptest::prop_oneof![
                proptest::prelude::Just(b'{'),
                proptest::prelude::Just(b'{' ^ 0x80),
                proptest::prelude::Just(b'{' - 1),
                proptest::prelude::Just(0u8),
                proptest::prelude::any::<u8>(),
            ], 0..40),
        ) {
            let expected = text.iter().position(|&b| b == b'{');
            proptest::prop_assert_eq!(find_byte(&text, b'{'), expected);
        }

        #[test]
        fn newlines_are_counted_as_byte_by_byte(text in "[\n\r\t a{}\u{80}-\u{10ffff}]{0,40}") {
            let expected = text.bytes().filter(|&b| b == b'\n').count() as u32;
            proptest::prop_assert_eq!(count_newlines(&text), expected);
        }
    }
}

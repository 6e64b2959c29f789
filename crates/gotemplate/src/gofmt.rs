//! Go's `fmt` printing (`Sprint`, `Sprintln`, `Sprintf`) and `strconv` quoting and float
//! formatting, over template values.
//!
//! Follows `fmt/print.go` and `fmt/format.go`: verbs, flags, width and precision (also `*` and
//! explicit argument indexes), `%!verb(type=value)` for mismatches, `%!v(MISSING)`,
//! `%!(EXTRA ...)`, `%!(NOVERB)`, `%!(BADWIDTH)`, `%!(BADPREC)`, `%!(BADINDEX)`.
//! Objects print through their `format` hook (what a Go `String()` method or struct layout would
//! give) for the string verbs; other verbs report a mismatch.

use crate::value::Value;

/// Go's `fmt.Sprint`: operands in their default format, a space between two operands when
/// neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::default();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.flags = Flags::default();
        p.print_arg(arg, 'v', 0);
        prev_string = is_string;
    }
    p.buf
}

/// Go's `fmt.Sprintln`: spaces between all operands and a final newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::default();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.flags = Flags::default();
        p.print_arg(arg, 'v', 0);
    }
    p.buf.push('\n');
    p.buf
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::default();
    p.do_printf(format, args);
    p.buf
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    quote_with(s, '"', false)
}

/// Go's `strconv.QuoteToASCII`.
pub fn quote_to_ascii(s: &str) -> String {
    quote_with(s, '"', true)
}

/// Go's `strconv.QuoteRune`.
pub fn quote_rune(c: char) -> String {
    let mut out = String::from('\'');
    escape_rune(&mut out, c, '\'', false);
    out.push('\'');
    out
}

fn quote_with(s: &str, quote: char, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        escape_rune(&mut out, c, quote, ascii_only);
    }
    out.push(quote);
    out
}

fn escape_rune(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii_only {
        if c.is_ascii() && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\x7f' => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's `strconv.IsPrint` (letters, marks, numbers, punctuation, symbols and the ASCII space).
/// Beyond ASCII this excludes controls, format characters, separators, private use and
/// noncharacters; unassigned code points cannot be told apart without Unicode tables.
pub fn is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_chars: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
        // Private use.
        (0xE000, 0xF8FF),
        (0xF0000, 0x10FFFF),
        // Noncharacters.
        (0xFDD0, 0xFDEF),
    ];
    if format_chars.iter().any(|&(lo, hi)| (lo..=hi).contains(&u)) {
        return false;
    }
    (u & 0xFFFE) != 0xFFFE
}

#[derive(Clone, Copy, Default)]
struct Flags {
    wid: Option<usize>,
    prec: Option<usize>,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
}

#[derive(Default)]
struct Printer {
    buf: String,
    flags: Flags,
    /// Set while printing a `%!verb(...)` complaint, so that methods are not consulted.
    erroring: bool,
}

const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";
/// Go never honours a width or precision above a million.
const MAX_WIDTH: usize = 1_000_000;

impl Printer {
    fn write_padding(&mut self, n: usize) {
        let pad = if self.flags.zero { '0' } else { ' ' };
        self.buf.extend(std::iter::repeat_n(pad, n));
    }

    fn pad(&mut self, s: &str) {
        let Some(wid) = self.flags.wid.filter(|w| *w > 0) else {
            self.buf.push_str(s);
            return;
        };
        let width = wid.saturating_sub(s.chars().count());
        if self.flags.minus {
            self.buf.push_str(s);
            self.write_padding(width);
        } else {
            self.write_padding(width);
            self.buf.push_str(s);
        }
    }

    fn print_arg(&mut self, arg: &Value, verb: char, depth: usize) {
        if matches!(arg, Value::Nil | Value::NoValue) {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(verb, arg),
            }
            return;
        }
        match verb {
            'T' => {
                let t = arg.type_name();
                self.fmt_s(&t);
                return;
            }
            'p' => {
                self.bad_verb(verb, arg);
                return;
            }
            _ => {}
        }
        match arg {
            Value::Bool(b) => self.fmt_bool(*b, verb, arg),
            Value::Int(i) => self.fmt_int(*i as u64, true, verb, arg),
            Value::Uint(u) => self.fmt_int(*u, false, verb, arg),
            Value::Float(f) => self.fmt_float64(*f, verb, arg),
            Value::String(s) => self.fmt_string(s, verb, arg),
            Value::List(items) => {
                if self.flags.sharp_v {
                    self.buf.push_str("[]interface {}{");
                } else {
                    self.buf.push('[');
                }
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.buf
                            .push_str(if self.flags.sharp_v { ", " } else { " " });
                    }
                    self.print_value(item, verb, depth + 1);
                }
                self.buf.push(if self.flags.sharp_v { '}' } else { ']' });
            }
            Value::Map(m) => {
                if self.flags.sharp_v {
                    self.buf.push_str(&m.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        self.buf
                            .push_str(if self.flags.sharp_v { ", " } else { " " });
                    }
                    self.print_value(&Value::String(k.clone()), verb, depth + 1);
                    self.buf.push(':');
                    self.print_value(v, verb, depth + 1);
                }
                self.buf.push(if self.flags.sharp_v { '}' } else { ']' });
            }
            Value::Object(o) => {
                if !self.erroring && matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
                    let text = o.format();
                    self.fmt_string(&text, verb, arg);
                } else if self.erroring {
                    let text = o.format();
                    self.buf.push_str(&text);
                } else {
                    self.bad_verb(verb, arg);
                }
            }
            Value::Func(f) => {
                if verb == 'v' {
                    self.buf.push('<');
                    self.buf.push_str(f.type_name());
                    self.buf.push_str(" Value>");
                } else {
                    self.bad_verb(verb, arg);
                }
            }
            Value::Nil | Value::NoValue => {}
        }
    }

    /// Elements inside slices and maps: a nil interface prints `<nil>` whatever the verb.
    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        match v {
            Value::Nil | Value::NoValue => {
                if self.flags.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else {
                    self.buf.push_str("<nil>");
                }
            }
            other => self.print_arg(other, verb, depth),
        }
    }

    fn bad_verb(&mut self, verb: char, arg: &Value) {
        self.erroring = true;
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match arg {
            Value::Nil | Value::NoValue => self.buf.push_str("<nil>"),
            _ => {
                self.buf.push_str(&arg.type_name());
                self.buf.push('=');
                self.print_arg(arg, 'v', 0);
            }
        }
        self.buf.push(')');
        self.erroring = false;
    }

    fn fmt_bool(&mut self, b: bool, verb: char, arg: &Value) {
        match verb {
            't' | 'v' => self.pad(if b { "true" } else { "false" }),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_int(&mut self, v: u64, signed: bool, verb: char, arg: &Value) {
        match verb {
            'v' if self.flags.sharp_v && !signed => {
                let sharp = self.flags.sharp;
                self.flags.sharp = true;
                self.fmt_integer(v, 16, false, verb, LDIGITS);
                self.flags.sharp = sharp;
            }
            'd' | 'v' => self.fmt_integer(v, 10, signed, verb, LDIGITS),
            'b' => self.fmt_integer(v, 2, signed, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer(v, 8, signed, verb, LDIGITS),
            'x' => self.fmt_integer(v, 16, signed, verb, LDIGITS),
            'X' => self.fmt_integer(v, 16, signed, verb, UDIGITS),
            'c' => {
                let c = rune_of(v, signed);
                self.pad(c.encode_utf8(&mut [0; 4]));
            }
            'q' => {
                let in_range = if signed {
                    (0..=0x10FFFF).contains(&(v as i64))
                } else {
                    v <= 0x10FFFF
                };
                if in_range {
                    let c = rune_of(v, signed);
                    let q = if self.flags.plus {
                        let mut s = String::from('\'');
                        escape_rune(&mut s, c, '\'', true);
                        s.push('\'');
                        s
                    } else {
                        quote_rune(c)
                    };
                    self.pad(&q);
                } else {
                    self.bad_verb(verb, arg);
                }
            }
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_unicode(&mut self, u: u64) {
        let prec = self.flags.prec.filter(|p| *p > 4).unwrap_or(4);
        let mut s = format!("U+{u:0prec$X}");
        if self.flags.sharp
            && u <= 0x10FFFF
            && let Some(c) = char::from_u32(u as u32).filter(|c| is_print(*c))
        {
            s.push_str(" '");
            s.push(c);
            s.push('\'');
        }
        let zero = self.flags.zero;
        self.flags.zero = false;
        self.pad(&s);
        self.flags.zero = zero;
    }

    fn fmt_integer(&mut self, u: u64, base: u64, signed: bool, verb: char, digits: &[u8; 17]) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative {
            (u as i64).unsigned_abs()
        } else {
            u
        };
        let mut prec = 0usize;
        if let Some(p) = self.flags.prec {
            prec = p;
            if p == 0 && u == 0 {
                let zero = self.flags.zero;
                self.flags.zero = false;
                self.write_padding(self.flags.wid.unwrap_or(0));
                self.flags.zero = zero;
                return;
            }
        } else if self.flags.zero
            && !self.flags.minus
            && let Some(w) = self.flags.wid
        {
            prec = w;
            if negative || self.flags.plus || self.flags.space {
                prec = prec.saturating_sub(1);
            }
        }
        let mut rev: Vec<u8> = Vec::with_capacity(24);
        loop {
            rev.push(digits[(u % base) as usize]);
            u /= base;
            if u == 0 {
                break;
            }
        }
        while rev.len() < prec {
            rev.push(b'0');
        }
        if self.flags.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.flags.plus {
            rev.push(b'+');
        } else if self.flags.space {
            rev.push(b' ');
        }
        rev.reverse();
        let s: String = rev.into_iter().map(char::from).collect();
        let zero = self.flags.zero;
        self.flags.zero = false;
        self.pad(&s);
        self.flags.zero = zero;
    }

    fn truncate<'s>(&self, s: &'s str) -> &'s str {
        match self.flags.prec {
            Some(p) => match s.char_indices().nth(p) {
                Some((i, _)) => s.get(..i).unwrap_or(s),
                None => s,
            },
            None => s,
        }
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    fn fmt_string(&mut self, s: &str, verb: char, arg: &Value) {
        match verb {
            'v' if self.flags.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, LDIGITS),
            'X' => self.fmt_sx(s, UDIGITS),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        if self.flags.sharp && can_backquote(s) {
            let q = format!("`{s}`");
            self.pad(&q);
            return;
        }
        let q = if self.flags.plus {
            quote_to_ascii(s)
        } else {
            quote(s)
        };
        self.pad(&q);
    }

    fn fmt_sx(&mut self, s: &str, digits: &[u8; 17]) {
        let bytes = s.as_bytes();
        let length = match self.flags.prec {
            Some(p) if p < bytes.len() => p,
            _ => bytes.len(),
        };
        let mut width = 2 * length;
        if width > 0 {
            if self.flags.space {
                if self.flags.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.flags.sharp {
                width += 2;
            }
        } else {
            if let Some(w) = self.flags.wid {
                self.write_padding(w);
            }
            return;
        }
        let wid = self.flags.wid.unwrap_or(0);
        if wid > width && !self.flags.minus {
            self.write_padding(wid - width);
        }
        if self.flags.sharp {
            self.buf.push('0');
            self.buf.push(char::from(digits[16]));
        }
        for (i, b) in bytes.iter().take(length).enumerate() {
            if self.flags.space && i > 0 {
                self.buf.push(' ');
                if self.flags.sharp {
                    self.buf.push('0');
                    self.buf.push(char::from(digits[16]));
                }
            }
            self.buf.push(char::from(digits[usize::from(b >> 4)]));
            self.buf.push(char::from(digits[usize::from(b & 0xF)]));
        }
        if wid > width && self.flags.minus {
            self.write_padding(wid - width);
        }
    }

    fn fmt_float64(&mut self, v: f64, verb: char, arg: &Value) {
        match verb {
            'v' => self.fmt_float(v, 'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(v, verb, -1),
            'f' | 'e' | 'E' => self.fmt_float(v, verb, 6),
            'F' => self.fmt_float(v, 'f', 6),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_float(&mut self, v: f64, verb: char, prec: i32) {
        let prec = match self.flags.prec {
            Some(p) => p as i32,
            None => prec,
        };
        let formatted = format_float(v, verb as u8, prec);
        let mut num: Vec<u8> = Vec::with_capacity(formatted.len() + 8);
        if formatted.starts_with('-') || formatted.starts_with('+') {
            num.extend_from_slice(formatted.as_bytes());
        } else {
            num.push(b'+');
            num.extend_from_slice(formatted.as_bytes());
        }
        if self.flags.space && num.first() == Some(&b'+') && !self.flags.plus {
            num[0] = b' ';
        }
        if matches!(num.get(1), Some(b'I' | b'N')) {
            let zero = self.flags.zero;
            self.flags.zero = false;
            if num.get(1) == Some(&b'N') && !self.flags.space && !self.flags.plus {
                num.remove(0);
            }
            let s = String::from_utf8_lossy(&num).into_owned();
            self.pad(&s);
            self.flags.zero = zero;
            return;
        }
        if self.flags.sharp && verb != 'b' {
            let mut digits: i32 = match verb {
                'v' | 'g' | 'G' | 'x' => {
                    if prec == -1 {
                        6
                    } else {
                        prec
                    }
                }
                _ => 0,
            };
            let mut tail: Vec<u8> = Vec::new();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut i = 1;
            while i < num.len() {
                match num[i] {
                    b'.' => has_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    b'e' | b'E' if verb != 'x' && verb != 'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    c => {
                        if c != b'0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        let s = String::from_utf8_lossy(&num).into_owned();
        if self.flags.plus || !s.starts_with('+') {
            let wid = self.flags.wid.unwrap_or(0);
            if self.flags.zero && !self.flags.minus && self.flags.wid.is_some() && wid > s.len() {
                let (sign, rest) = s.split_at(1);
                self.buf.push_str(sign);
                self.write_padding(wid - s.len());
                self.buf.push_str(rest);
                return;
            }
            self.pad(&s);
            return;
        }
        self.pad(s.get(1..).unwrap_or(""));
    }

    fn do_printf(&mut self, format: &str, args: &[Value]) {
        let bytes = format.as_bytes();
        let end = bytes.len();
        let mut arg_num = 0usize;
        let mut reordered = false;
        let mut i = 0usize;
        while i < end {
            let mut good_arg_num = true;
            let last = i;
            while i < end && bytes[i] != b'%' {
                i += 1;
            }
            if i > last {
                self.buf.push_str(format.get(last..i).unwrap_or(""));
            }
            if i >= end {
                break;
            }
            i += 1;
            self.flags = Flags::default();
            while i < end {
                match bytes[i] {
                    b'#' => self.flags.sharp = true,
                    b'0' => self.flags.zero = !self.flags.minus,
                    b'+' => self.flags.plus = true,
                    b'-' => {
                        self.flags.minus = true;
                        self.flags.zero = false;
                    }
                    b' ' => self.flags.space = true,
                    _ => break,
                }
                i += 1;
            }
            // Argument index, then width.
            let mut after_index;
            (arg_num, i, after_index) = arg_number(
                arg_num,
                format,
                i,
                args.len(),
                &mut reordered,
                &mut good_arg_num,
            );
            if i < end && bytes[i] == b'*' {
                i += 1;
                let (n, ok, next) = int_from_arg(args, arg_num);
                arg_num = next;
                if ok {
                    if n < 0 {
                        self.flags.wid = Some(n.unsigned_abs() as usize);
                        self.flags.minus = true;
                        self.flags.zero = false;
                    } else {
                        self.flags.wid = Some(n as usize);
                    }
                } else {
                    self.buf.push_str("%!(BADWIDTH)");
                }
                after_index = false;
            } else {
                let (n, ok, next) = parse_num(bytes, i, end);
                i = next;
                self.flags.wid = if ok { Some(n) } else { None };
                if after_index && ok {
                    good_arg_num = false;
                }
            }
            // Precision.
            if i + 1 < end && bytes[i] == b'.' {
                i += 1;
                if after_index {
                    good_arg_num = false;
                }
                (arg_num, i, after_index) = arg_number(
                    arg_num,
                    format,
                    i,
                    args.len(),
                    &mut reordered,
                    &mut good_arg_num,
                );
                if i < end && bytes[i] == b'*' {
                    i += 1;
                    let (n, ok, next) = int_from_arg(args, arg_num);
                    arg_num = next;
                    if ok && n >= 0 {
                        self.flags.prec = Some(n as usize);
                    } else {
                        self.flags.prec = None;
                    }
                    if !ok {
                        self.buf.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (n, ok, next) = parse_num(bytes, i, end);
                    i = next;
                    self.flags.prec = Some(if ok { n } else { 0 });
                }
            }
            if !after_index {
                (arg_num, i, after_index) = arg_number(
                    arg_num,
                    format,
                    i,
                    args.len(),
                    &mut reordered,
                    &mut good_arg_num,
                );
            }
            let _ = after_index;
            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break;
            }
            let Some(verb) = format.get(i..).and_then(|s| s.chars().next()) else {
                break;
            };
            i += verb.len_utf8();
            if verb == '%' {
                self.buf.push('%');
                continue;
            }
            if !good_arg_num {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(BADINDEX)");
                continue;
            }
            let Some(arg) = args.get(arg_num) else {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(MISSING)");
                continue;
            };
            arg_num += 1;
            if verb == 'v' {
                if self.flags.sharp {
                    self.flags.sharp = false;
                    self.flags.sharp_v = true;
                }
                if self.flags.plus {
                    self.flags.plus = false;
                    self.flags.plus_v = true;
                }
            }
            if verb == 'w' {
                // Only Errorf understands %w; Sprintf reports it as a bad verb.
                self.bad_verb(verb, arg);
                continue;
            }
            self.print_arg(arg, verb, 0);
        }
        if !reordered && arg_num < args.len() {
            self.flags = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (k, arg) in args.iter().enumerate().skip(arg_num) {
                if !matches!(arg, Value::Nil | Value::NoValue) {
                    self.buf.push_str(&arg.type_name());
                    self.buf.push('=');
                }
                self.print_arg(arg, 'v', 0);
                if k + 1 < args.len() {
                    self.buf.push_str(", ");
                }
            }
            self.buf.push(')');
        }
    }
}

fn rune_of(v: u64, signed: bool) -> char {
    let in_range = if signed {
        (0..=0x10FFFF).contains(&(v as i64))
    } else {
        v <= 0x10FFFF
    };
    if in_range {
        char::from_u32(v as u32).unwrap_or('\u{FFFD}')
    } else {
        '\u{FFFD}'
    }
}

fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| {
        if c == '`' || c == '\u{FEFF}' {
            return false;
        }
        if (c as u32) < 0x20 {
            return c == '\t';
        }
        c != '\x7f'
    })
}

/// Go's `parsenum`: digits at `start`; a number above a million consumes the rest and fails.
fn parse_num(s: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num = 0usize;
    let mut isnum = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if num > MAX_WIDTH {
            return (0, false, end);
        }
        num = num * 10 + usize::from(s[i] - b'0');
        isnum = true;
        i += 1;
    }
    (num, isnum, i)
}

/// Go's `intFromArg`: a `*` width or precision must come from an integer argument.
fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    match args.get(arg_num) {
        None => (0, false, arg_num),
        Some(v) => {
            let (n, ok) = match v {
                Value::Int(i) => (*i, true),
                Value::Uint(u) => match i64::try_from(*u) {
                    Ok(i) => (i, true),
                    Err(_) => (0, false),
                },
                _ => (0, false),
            };
            let too_large = !(-(MAX_WIDTH as i64)..=MAX_WIDTH as i64).contains(&n);
            if too_large {
                (0, false, arg_num + 1)
            } else {
                (n, ok, arg_num + 1)
            }
        }
    }
}

/// Go's `argNumber`: an explicit `[n]` argument index at `i`.
fn arg_number(
    arg_num: usize,
    format: &str,
    i: usize,
    num_args: usize,
    reordered: &mut bool,
    good_arg_num: &mut bool,
) -> (usize, usize, bool) {
    let bytes = format.as_bytes();
    if bytes.get(i) != Some(&b'[') {
        return (arg_num, i, false);
    }
    *reordered = true;
    // Find the closing bracket.
    let mut j = i + 1;
    while j < bytes.len() {
        if bytes[j] == b']' {
            let (n, ok, next) = parse_num(bytes, i + 1, j);
            if !ok || next != j {
                *good_arg_num = false;
                return (arg_num, j + 1, true);
            }
            if n >= 1 && n - 1 < num_args {
                return (n - 1, j + 1, true);
            }
            *good_arg_num = false;
            return (arg_num, j + 1, true);
        }
        j += 1;
    }
    *good_arg_num = false;
    (arg_num, i + 1, true)
}

/// The decimal digits of a float: `digits` (no trailing zeros) with the decimal point after
/// `dp` of them (Go's `decimalSlice`).
struct Decimal {
    digits: Vec<u8>,
    dp: i32,
}

fn parse_exp_form(s: &str) -> Decimal {
    // Rust's `{:e}` form: "d.ddde[-]x".
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        return Decimal { digits, dp: 0 };
    }
    Decimal {
        digits,
        dp: exp + 1,
    }
}

/// Shortest digits that read back as `v` (Go's shortest formatting), for a finite `v >= 0`.
fn shortest(v: f64) -> Decimal {
    parse_exp_form(&format!("{v:e}"))
}

/// `n >= 1` significant digits, correctly rounded (ties to even), for a finite `v >= 0`.
fn significant(v: f64, n: usize) -> Decimal {
    parse_exp_form(&format!("{:.*e}", n.saturating_sub(1), v))
}

/// Go's `strconv.FormatFloat(v, fmt, prec, 64)` for `fmt` in `b e E f g G x X`.
pub fn format_float(v: f64, fmt: u8, prec: i32) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let neg = v.is_sign_negative();
    let a = v.abs();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    match fmt {
        b'b' => {
            let (mant, exp) = mant_exp(v);
            out.push_str(&mant.to_string());
            out.push('p');
            let e = exp - 52;
            if e >= 0 {
                out.push('+');
            }
            out.push_str(&e.to_string());
            return out;
        }
        b'x' | b'X' => {
            fmt_x(&mut out, v, prec, fmt);
            return out;
        }
        b'f' if prec >= 0 => {
            out.push_str(&format!("{:.*}", prec as usize, a));
            return out;
        }
        _ => {}
    }
    let shortest_mode = prec < 0;
    let (d, prec) = if shortest_mode {
        let d = shortest(a);
        let p = match fmt {
            b'e' | b'E' => d.digits.len() as i32 - 1,
            b'f' => (d.digits.len() as i32 - d.dp).max(0),
            _ => d.digits.len() as i32,
        };
        (d, p)
    } else {
        match fmt {
            b'e' | b'E' => (significant(a, prec as usize + 1), prec),
            _ => {
                let p = prec.max(1);
                (significant(a, p as usize), p)
            }
        }
    };
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, &d, prec, fmt),
        b'f' => fmt_f(&mut out, &d, prec),
        _ => {
            // %g: %e for large or small exponents, %f otherwise.
            let nd = d.digits.len() as i32;
            let mut eprec = prec;
            if eprec > nd && nd >= d.dp {
                eprec = nd;
            }
            if shortest_mode {
                eprec = 6;
            }
            let exp = d.dp - 1;
            let efmt = if fmt == b'G' { b'E' } else { b'e' };
            if exp < -4 || exp >= eprec {
                let p = if prec > nd { nd } else { prec };
                fmt_e(&mut out, &d, (p - 1).max(0), efmt);
            } else {
                let p = if prec > d.dp { nd } else { prec };
                fmt_f(&mut out, &d, (p - d.dp).max(0));
            }
        }
    }
    out
}

fn fmt_e(out: &mut String, d: &Decimal, prec: i32, fmt: u8) {
    out.push(char::from(*d.digits.first().unwrap_or(&b'0')));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as usize {
            out.push(char::from(*d.digits.get(i).unwrap_or(&b'0')));
        }
    }
    out.push(char::from(fmt));
    let exp = if d.digits.is_empty() { 0 } else { d.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
}

fn fmt_f(out: &mut String, d: &Decimal, prec: i32) {
    if d.dp > 0 {
        let dp = d.dp as usize;
        for i in 0..dp {
            out.push(char::from(*d.digits.get(i).unwrap_or(&b'0')));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = d.dp + i - 1;
            let c = if j >= 0 {
                *d.digits.get(j as usize).unwrap_or(&b'0')
            } else {
                b'0'
            };
            out.push(char::from(c));
        }
    }
}

/// Mantissa and binary exponent as Go's `strconv` splits a float64 (bias applied).
fn mant_exp(v: f64) -> (u64, i32) {
    let bits = v.to_bits();
    let mut exp = ((bits >> 52) & 0x7FF) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1u64 << 52;
    }
    (mant, exp - 1023)
}

fn fmt_x(out: &mut String, v: f64, prec: i32, fmt: u8) {
    let (mut mant, mut exp) = mant_exp(v);
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1u64 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1u64 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1u64 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 17] = if fmt == b'X' { UDIGITS } else { LDIGITS };
    out.push('0');
    out.push(char::from(fmt));
    out.push(char::from(b'0' + ((mant >> 60) & 1) as u8));
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_formats_match_strconv() {
        let cases: &[(f64, u8, i32, &str)] = &[
            (15020.0, b'g', -1, "15020"),
            (1e6, b'g', -1, "1e+06"),
            (0.5, b'g', -1, "0.5"),
            (1e21, b'g', -1, "1e+21"),
            (123456.0, b'g', -1, "123456"),
            (1234567.0, b'g', -1, "1.234567e+06"),
            (0.0001, b'g', -1, "0.0001"),
            (0.00001, b'g', -1, "1e-05"),
            (0.0, b'g', -1, "0"),
            (-0.0, b'g', -1, "-0"),
            (3.5, b'e', 6, "3.500000e+00"),
            (3.5, b'f', 6, "3.500000"),
            (1.0, b'g', 3, "1"),
            (123.456, b'g', 2, "1.2e+02"),
            (1.0, b'b', -1, "4503599627370496p-52"),
            (1.0, b'x', -1, "0x1p+00"),
            (7.5, b'x', -1, "0x1.ep+02"),
            (1.0, b'x', 2, "0x1.00p+00"),
            (100.0, b'e', -1, "1e+02"),
            (0.25, b'f', 1, "0.2"),
        ];
        for (v, f, p, want) in cases {
            assert_eq!(format_float(*v, *f, *p), *want, "{v} {} {p}", *f as char);
        }
    }

    #[test]
    fn quoting_matches_strconv() {
        assert_eq!(quote("a\"b\\c\n\t\x01é"), "\"a\\\"b\\\\c\\n\\t\\x01é\"");
        assert_eq!(quote_to_ascii("é"), "\"\\u00e9\"");
        assert_eq!(quote("\u{FFFE}"), "\"\\ufffe\"");
        assert_eq!(quote_rune('\''), "'\\''");
    }
}

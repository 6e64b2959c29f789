//! Go literal syntax: `strconv.ParseInt`/`ParseUint`/`ParseFloat` with base prefixes and
//! underscores, `strconv.Unquote` and `UnquoteChar`, and the numeric node rules of Go's
//! `parse.newNumber`.

use std::borrow::Cow;

/// A number under every Go type that can represent it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct NumberValue {
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub int: i64,
    pub uint: u64,
    pub float: f64,
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let mut saw = b'^';
    let mut hex = false;
    if b.len() >= i + 2
        && b[i] == b'0'
        && matches!(b[i + 1].to_ascii_lowercase(), b'b' | b'o' | b'x')
    {
        hex = b[i + 1].eq_ignore_ascii_case(&b'x');
        i += 2;
        saw = b'0';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.to_ascii_lowercase().is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`.
fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (base, digits, prefixed) = split_base(s);
    if digits.is_empty() && prefixed {
        return None;
    }
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let mut n: u64 = 0;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
        any = true;
    }
    if !any {
        return None;
    }
    Some(n)
}

/// Base, digits after any prefix, and whether an explicit prefix (0x, 0o, 0b) was present.
/// A bare leading 0 means octal, with the 0 kept as a digit.
fn split_base(s: &str) -> (u32, &str, bool) {
    let lower: Vec<u8> = s.bytes().take(2).map(|b| b.to_ascii_lowercase()).collect();
    match lower.as_slice() {
        [b'0', b'x'] => (16, s.get(2..).unwrap_or(""), true),
        [b'0', b'o'] => (8, s.get(2..).unwrap_or(""), true),
        [b'0', b'b'] => (2, s.get(2..).unwrap_or(""), true),
        [b'0', _] => (8, s.get(1..).unwrap_or(""), false),
        _ => (10, s, false),
    }
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, s.get(1..)?),
        Some(b'-') => (true, s.get(1..)?),
        _ => (false, s),
    };
    if body.contains('_') && !underscore_ok(body) {
        return None;
    }
    let u = parse_uint(body)?;
    if neg {
        if u <= 1u64 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// `strconv.ParseFloat(s, 64)` for Go float literals (decimal or hexadecimal, underscores
/// allowed as in Go syntax). Overflow to infinity is a range error, as in Go.
fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match cleaned.as_bytes().first() {
        Some(b'+') => (false, cleaned.get(1..)?),
        Some(b'-') => (true, cleaned.get(1..)?),
        _ => (false, cleaned.as_str()),
    };
    let lower = body.to_ascii_lowercase();
    let v = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex_float(hex)?
    } else {
        // Rust accepts "inf", "nan" and friends; Go literals here are digits only.
        if !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        let v: f64 = body.parse().ok()?;
        if v.is_infinite() {
            return None;
        }
        v
    };
    Some(if neg { -v } else { v })
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once('p')?;
    let exp: i64 = exp.parse().ok()?;
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut m: f64 = 0.0;
    for c in int_part.chars() {
        m = m * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        m += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let exp = i32::try_from(exp.clamp(-2000, 2000)).ok()?;
    let v = m * 2f64.powi(exp);
    if v.is_infinite() { None } else { Some(v) }
}

/// Go's `parse.newNumber` for non-complex literals; the error is Go's message.
pub(crate) fn parse_number(text: &str) -> Result<NumberValue, String> {
    if text.ends_with('i') {
        return Err(format!(
            "complex numbers are not supported: {}",
            crate::gofmt::quote(text)
        ));
    }
    let mut n = NumberValue::default();
    let u = parse_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
            n.uint = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::gofmt::quote(text)));
        }
        n.is_float = true;
        n.float = f;
        // Go converts back to check; guard the ranges Go's conversion leaves undefined.
        let two63 = 2f64.powi(63);
        if (-two63..two63).contains(&f) && (f as i64) as f64 == f {
            n.is_int = true;
            n.int = f as i64;
        }
        if (0.0..2f64.powi(64)).contains(&f) && (f as u64) as f64 == f {
            n.is_uint = true;
            n.uint = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!(
            "illegal number syntax: {}",
            crate::gofmt::quote(text)
        ));
    }
    Ok(n)
}

/// A character literal `'x'` (Go's `UnquoteChar` plus the trailing-quote check).
pub(crate) fn parse_char(text: &str) -> Result<NumberValue, String> {
    let body = text.get(1..).unwrap_or("");
    let (value, tail) = unquote_char(body, b'\'').ok_or("invalid syntax")?;
    if tail != "'" {
        return Err(format!("malformed character constant: {text}"));
    }
    let v = u64::from(value.code());
    Ok(NumberValue {
        is_int: true,
        is_uint: true,
        is_float: true,
        int: v as i64,
        uint: v,
        float: v as f64,
    })
}

/// One decoded unit: a whole character, or a single byte from `\x` or octal escapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    Char(char),
    Byte(u8),
}

impl Unit {
    fn code(self) -> u32 {
        match self {
            Unit::Char(c) => c as u32,
            Unit::Byte(b) => u32::from(b),
        }
    }
}

/// Go's `strconv.UnquoteChar`: the first character or escape of `s` and the rest.
fn unquote_char(s: &str, quote: u8) -> Option<(Unit, &str)> {
    let first = s.chars().next()?;
    if first as u32 == u32::from(quote) && (quote == b'\'' || quote == b'"') {
        return None;
    }
    if first != '\\' {
        return Some((Unit::Char(first), s.get(first.len_utf8()..)?));
    }
    let rest = s.get(1..)?;
    let c = rest.chars().next()?;
    let after = rest.get(c.len_utf8()..)?;
    let simple = |ch: char| Some((Unit::Char(ch), after));
    match c {
        'a' => simple('\x07'),
        'b' => simple('\x08'),
        'f' => simple('\x0c'),
        'n' => simple('\n'),
        'r' => simple('\r'),
        't' => simple('\t'),
        'v' => simple('\x0b'),
        'x' | 'u' | 'U' => {
            let n = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = after.get(..n)?;
            let v = u32::from_str_radix(digits, 16).ok()?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let tail = after.get(n..)?;
            if c == 'x' {
                return Some((Unit::Byte(v as u8), tail));
            }
            Some((Unit::Char(char::from_u32(v)?), tail))
        }
        '0'..='7' => {
            let digits = rest.get(..3)?;
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return None;
            }
            let v = u32::from_str_radix(digits, 8).ok()?;
            if v > 255 {
                return None;
            }
            Some((Unit::Byte(v as u8), rest.get(3..)?))
        }
        '\\' => simple('\\'),
        '\'' | '"' => {
            if c as u32 != u32::from(quote) {
                return None;
            }
            simple(c)
        }
        _ => None,
    }
}

/// Go's `strconv.Unquote` for the three quote kinds; `Err` carries Go's message. The text is
/// borrowed from `text` when nothing in it needs decoding (nearly every literal of a
/// template), so the parser allocates its value once.
pub(crate) fn unquote(text: &str) -> Result<Cow<'_, str>, String> {
    const SYNTAX: &str = "invalid syntax";
    let bytes = text.as_bytes();
    if bytes.len() < 2 {
        return Err(SYNTAX.into());
    }
    let q = bytes[0];
    if bytes.last() != Some(&q) {
        return Err(SYNTAX.into());
    }
    let body = text.get(1..text.len() - 1).ok_or(SYNTAX)?;
    match q {
        b'`' => {
            // One pass for the usual body, with neither byte (raw strings are most of the
            // literals of Istio's templates).
            if !body.bytes().any(|b| b == b'`' || b == b'\r') {
                return Ok(Cow::Borrowed(body));
            }
            if body.contains('`') {
                return Err(SYNTAX.into());
            }
            // Carriage returns are dropped from raw strings, as in Go source.
            Ok(Cow::Owned(body.replace('\r', "")))
        }
        b'"' => {
            if body.contains('\n') {
                return Err(SYNTAX.into());
            }
            if !body.contains(['\\', '"']) {
                return Ok(Cow::Borrowed(body));
            }
            let mut out: Vec<u8> = Vec::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (unit, tail) = unquote_char(rest, b'"').ok_or(SYNTAX)?;
                match unit {
                    Unit::Char(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                    Unit::Byte(b) => out.push(b),
                }
                rest = tail;
            }
            String::from_utf8(out)
                .map(Cow::Owned)
                .map_err(|_| "string literal is not valid UTF-8 (not supported)".to_owned())
        }
        _ => Err(SYNTAX.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_go_literal_rules() {
        let n = parse_number("0x1_23").unwrap();
        assert!(n.is_int && n.int == 291);
        assert_eq!(parse_number("0377").unwrap().int, 255);
        assert_eq!(parse_number("0o377").unwrap().int, 255);
        assert_eq!(parse_number("0b_1_0_1").unwrap().int, 5);
        assert_eq!(parse_number("0_0_1_2_3.4").unwrap().float, 123.4);
        assert_eq!(parse_number("+0x1.ep+2").unwrap().float, 7.5);
        assert_eq!(parse_number("1e1").unwrap().float, 10.0);
        assert!(parse_number("1__2").is_err());
        assert_eq!(
            parse_number("089").unwrap_err(),
            "integer overflow: \"089\""
        );
        assert_eq!(
            parse_number("99999999999999999999").unwrap_err(),
            "integer overflow: \"99999999999999999999\""
        );
        let big = parse_number("0x8000000000000000").unwrap();
        assert!(!big.is_int && big.is_uint);
        let neg = parse_number("-0").unwrap();
        assert!(neg.is_int && neg.is_uint);
        assert!(parse_number("1i").is_err());
    }

    #[test]
    fn unquote_follows_strconv() {
        assert_eq!(unquote(r#""a\tb\x41\u00e9\101""#).unwrap(), "a\tbAéA");
        assert_eq!(unquote("`a\r\nb`").unwrap(), "a\nb");
        assert!(unquote(r#""\q""#).is_err());
        assert!(unquote(r#""\'""#).is_err());
        assert_eq!(parse_char("'\\n'").unwrap().int, 10);
        assert_eq!(parse_char("'é'").unwrap().int, 233);
        assert!(parse_char("'ab'").is_err());
    }
}

//! What YAML makes of the text a template prints.
//!
//! Istio renders its templates to YAML text and parses it (sigs.k8s.io/yaml: go-yaml v2,
//! YAML 1.1 scalar resolution) before decoding the result into a typed Pod. The built-in
//! renderer skips the text, but wherever the stock template prints a value into a scalar it
//! has to reproduce what that text parses to: an unquoted `15020` is a number, `true` a bool,
//! an empty value `null`; inside `"…"` escapes are decoded. Text that would break the YAML or
//! yield the wrong type for the Pod field is an error, as it is for Istio.

use serde_json::{Number, Value};

/// The Go type of the Pod field a scalar lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Str,
    Bool,
    Int32,
    Int64,
}

impl Want {
    fn name(self) -> &'static str {
        match self {
            Want::Str => "a string",
            Want::Bool => "a boolean",
            Want::Int32 => "a 32-bit integer",
            Want::Int64 => "a 64-bit integer",
        }
    }
}

/// The YAML reader rejects control characters anywhere in the stream.
fn check_chars(text: &str) -> Result<(), String> {
    // Printed values are nearly always printable ASCII, which needs no UTF-8 decoding.
    if text
        .bytes()
        .all(|b| matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r'))
    {
        return Ok(());
    }
    match text.chars().find(|&c| !yaml_printable(c)) {
        Some(c) => Err(format!(
            "contains the control character U+{:04X}, which YAML does not allow",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// The value of `text` printed as an unquoted scalar after `key: ` or `- ` in block context.
pub(crate) fn plain(text: &str) -> Result<Value, String> {
    // Most printed values are one word (`istiod`, `15021`, `false`, a host name or path):
    // nothing in them can be a comment, a mapping, an indicator or a blank to trim, so they go
    // straight to resolution without the general path's searches.
    if is_word(text) {
        return resolve(text);
    }
    plain_general(text)
}

/// Non-empty, led by a letter or digit, and made only of letters, digits and `._/-()$=`.
fn is_word(text: &str) -> bool {
    text.as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphanumeric)
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'.' | b'_' | b'/' | b'-' | b'(' | b')' | b'$' | b'=')
        })
}

/// [`plain`] of any text.
fn plain_general(text: &str) -> Result<Value, String> {
    check_chars(text)?;
    if text.contains(['\n', '\r']) {
        return Err(format!(
            "{text:?} spans several lines, which breaks the unquoted YAML value it is printed into"
        ));
    }
    let mut t = text.trim_matches([' ', '\t']);
    if t.starts_with('#') {
        // Only a comment follows the key.
        return Ok(Value::Null);
    }
    // (Character searches first: a substring search sets up a searcher each time.)
    if t.contains('#')
        && let Some(i) = t.find(" #").or_else(|| t.find("\t#"))
    {
        t = t[..i].trim_end_matches([' ', '\t']);
    }
    if t.is_empty() {
        return Ok(Value::Null);
    }
    let mut chars = t.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next();
    let indicator = match first {
        '[' | ']' | '{' | '}' | ',' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@'
        | '`' => true,
        '-' | '?' | ':' => second.is_none_or(|c| c == ' ' || c == '\t'),
        _ => false,
    };
    let mapping_colon =
        t.contains(':') && (t.contains(": ") || t.contains(":\t") || t.ends_with(':'));
    if indicator || mapping_colon {
        return Err(format!(
            "{text:?} is not a plain YAML scalar (it would be read as YAML structure)"
        ));
    }
    resolve(t)
}

/// go-yaml v2's resolution of an unquoted scalar (YAML 1.1 booleans, `null`/`~`, ints with
/// base prefixes and `_`, floats).
fn resolve(s: &str) -> Result<Value, String> {
    // The keywords are at most five bytes and start with one of these: anything else skips
    // forty string comparisons (each a `memcmp` call in wasm).
    let maybe_keyword = s.len() <= 5
        && s.as_bytes()
            .first()
            .is_some_and(|b| KEYWORD_STARTS.contains(b));
    if maybe_keyword && let Some(resolved) = resolve_keyword(s) {
        return resolved;
    }
    resolve_non_keyword(s)
}

const KEYWORD_STARTS: &[u8] = b"~nNyYtTfFoO.+-";
const NULLS: [&str; 4] = ["~", "null", "Null", "NULL"];
const TRUES: [&str; 11] = [
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
];
const FALSES: [&str; 11] = [
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
];
const INFINITIES_AND_NANS: [&str; 12] = [
    ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN",
    ".NAN",
];

/// YAML 1.1's keyword scalars: `null`s, booleans, and infinities and NaNs (which JSON cannot
/// hold).
fn resolve_keyword(s: &str) -> Option<Result<Value, String>> {
    if NULLS.contains(&s) {
        Some(Ok(Value::Null))
    } else if TRUES.contains(&s) {
        Some(Ok(Value::Bool(true)))
    } else if FALSES.contains(&s) {
        Some(Ok(Value::Bool(false)))
    } else if INFINITIES_AND_NANS.contains(&s) {
        Some(Err(format!(
            "{s:?} is a YAML infinity/NaN, which JSON cannot hold"
        )))
    } else {
        None
    }
}

/// [`resolve`] of a scalar that is none of YAML 1.1's keywords: a number or a string.
fn resolve_non_keyword(s: &str) -> Result<Value, String> {
    let first = s.chars().next().unwrap_or(' ');
    if first == '.' {
        if let Some(f) = parse_float(s) {
            return float_value(f, s);
        }
        return Ok(Value::String(s.to_string()));
    }
    if !(first.is_ascii_digit() || first == '+' || first == '-') {
        return Ok(Value::String(s.to_string()));
    }
    if let Some(n) = decimal(s) {
        return Ok(Value::from(n));
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return Ok(match i64::try_from(i) {
            Ok(v) => Value::from(v),
            Err(_) => match u64::try_from(i) {
                Ok(v) => Value::from(v),
                Err(_) => Value::String(s.to_string()),
            },
        });
    }
    if yaml_float_syntax(&plain)
        && let Some(f) = parse_float(&plain)
    {
        return float_value(f, s);
    }
    Ok(Value::String(s.to_string()))
}

/// A plain decimal integer (`0`, `15021`) short enough to fit an `i64`: what
/// [`go_parse_int`] makes of it, without its copies. A leading `0` (octal), a sign or `_`
/// take the general path.
fn decimal(s: &str) -> Option<i64> {
    let bytes = s.as_bytes();
    let short = !bytes.is_empty() && bytes.len() <= 18;
    if !short || (bytes.len() > 1 && bytes[0] == b'0') || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, &b| n * 10 + i64::from(b - b'0')))
}

fn float_value(f: f64, text: &str) -> Result<Value, String> {
    if !f.is_finite() {
        return Err(format!(
            "{text:?} overflows a float, which JSON cannot hold"
        ));
    }
    Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
}

fn parse_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_float_syntax(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`: optional sign (signed only),
/// `0x`/`0o`/`0b`/leading-`0` prefixes.
fn go_parse_int(s: &str) -> Option<i128> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    let value = i128::try_from(magnitude).ok()?;
    let value = if negative { -value } else { value };
    let fits = (i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&value)
        && (!negative || value >= i128::from(i64::MIN));
    fits.then_some(value)
}

/// The string YAML reads from `content` placed between double quotes.
pub(crate) fn double_quoted(content: &str) -> Result<String, String> {
    check_chars(content)?;
    if !content.contains(['"', '\\', '\n', '\r']) {
        // Nothing to decode: blanks are kept, as they are between other characters.
        return Ok(content.to_owned());
    }
    decode_double_quoted(content)
}

fn decode_double_quoted(content: &str) -> Result<String, String> {
    let mut out = String::with_capacity(content.len());
    let mut chars = content.chars().peekable();
    let mut blanks = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                return Err(format!(
                    "{content:?} contains an unescaped '\"', which ends the quoted YAML string early"
                ));
            }
            ' ' | '\t' => blanks.push(c),
            '\n' | '\r' => {
                blanks.clear();
                fold_line_breaks(c, &mut chars, &mut out)?;
            }
            '\\' => {
                out.push_str(&blanks);
                blanks.clear();
                let Some(e) = chars.next() else {
                    return Err(format!("{content:?} ends in a lone backslash"));
                };
                match e {
                    '0' => out.push('\0'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    't' | '\t' => out.push('\t'),
                    'n' => out.push('\n'),
                    'v' => out.push('\u{b}'),
                    'f' => out.push('\u{c}'),
                    'r' => out.push('\r'),
                    'e' => out.push('\u{1b}'),
                    ' ' => out.push(' '),
                    '"' => out.push('"'),
                    '/' => out.push('/'),
                    '\\' => out.push('\\'),
                    'N' => out.push('\u{85}'),
                    '_' => out.push('\u{a0}'),
                    'L' => out.push('\u{2028}'),
                    'P' => out.push('\u{2029}'),
                    'x' | 'u' | 'U' => {
                        let len = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(len).collect();
                        let code = (hex.len() == len)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten()
                            .and_then(char::from_u32)
                            .ok_or_else(|| {
                                format!("{content:?} has an invalid \\{e} escape in YAML")
                            })?;
                        out.push(code);
                    }
                    '\n' | '\r' => {
                        // An escaped line break joins the lines with nothing in between.
                        if e == '\r' && chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                        while matches!(chars.peek(), Some(' ' | '\t')) {
                            chars.next();
                        }
                    }
                    other => {
                        return Err(format!(
                            "{content:?} has the escape \\{other}, which YAML does not know"
                        ));
                    }
                }
            }
            other => {
                out.push_str(&blanks);
                blanks.clear();
                out.push(other);
            }
        }
    }
    out.push_str(&blanks);
    Ok(out)
}

/// The string YAML reads from `content` placed between single quotes.
pub(crate) fn single_quoted(content: &str) -> Result<String, String> {
    check_chars(content)?;
    let mut out = String::with_capacity(content.len());
    let mut chars = content.chars().peekable();
    let mut blanks = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push_str(&blanks);
                    blanks.clear();
                    out.push('\'');
                } else {
                    return Err(format!(
                        "{content:?} contains a single quote, which ends the quoted YAML string early"
                    ));
                }
            }
            ' ' | '\t' => blanks.push(c),
            '\n' | '\r' => {
                blanks.clear();
                fold_line_breaks(c, &mut chars, &mut out)?;
            }
            other => {
                out.push_str(&blanks);
                blanks.clear();
                out.push(other);
            }
        }
    }
    out.push_str(&blanks);
    Ok(out)
}

/// Line folding inside a quoted scalar: one line break becomes a space, each further empty
/// line a `\n`; indentation of the continuation line is dropped.
fn fold_line_breaks(
    first: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) -> Result<(), String> {
    let mut breaks = 1usize;
    if first == '\r' && chars.peek() == Some(&'\n') {
        chars.next();
    }
    loop {
        match chars.peek() {
            Some(' ' | '\t') => {
                chars.next();
            }
            Some('\n') => {
                chars.next();
                breaks += 1;
            }
            Some('\r') => {
                chars.next();
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                breaks += 1;
            }
            _ => break,
        }
    }
    let rest: String = chars.clone().take(4).collect();
    if (rest.starts_with("---") || rest.starts_with("..."))
        && rest[3..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
    {
        return Err("a quoted value contains a YAML document marker on a new line".to_string());
    }
    if breaks == 1 {
        out.push(' ');
    } else {
        out.extend(std::iter::repeat_n('\n', breaks - 1));
    }
    Ok(())
}

/// The value of a literal block scalar (`|`, clip chomping) whose only line is `line`.
pub(crate) fn literal_single_line(line: &str) -> Result<String, String> {
    check_chars(line)?;
    if line.contains(['\n', '\r']) {
        return Err(format!(
            "{line:?} spans several lines inside a YAML block scalar"
        ));
    }
    let content = line.trim_start_matches(' ');
    if content.is_empty() {
        return Ok(String::new());
    }
    Ok([content, "\n"].concat())
}

/// Checks that a parsed scalar decodes into a Pod field of Go type `want`, as Go's JSON
/// decoder would (a `null` always does, leaving the field unset). Returns the JSON value Go
/// would see, with integral floats as integers.
pub(crate) fn typed(v: Value, want: Want) -> Result<Value, String> {
    let ok = match (&v, want) {
        (Value::Null, _) | (Value::String(_), Want::Str) | (Value::Bool(_), Want::Bool) => true,
        (Value::Number(n), Want::Int32 | Want::Int64) => {
            return match number_as_int(n) {
                Some(i) if want == Want::Int64 || i32::try_from(i).is_ok() => Ok(Value::from(i)),
                _ => Err(format!(
                    "YAML reads {n} as a number that is not {}",
                    want.name()
                )),
            };
        }
        _ => false,
    };
    if ok {
        Ok(v)
    } else {
        Err(format!(
            "YAML reads {} there, which is not {}",
            describe(&v),
            want.name()
        ))
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Null => "null".to_string(),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a map".to_string(),
    }
}

/// A JSON number as Go's decoder would accept it for an integer field: integers, and floats
/// that Go's encoder prints without a fraction or exponent (whole, below 1e21).
fn number_as_int(n: &Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    if f.fract() != 0.0 || f.abs() >= 1e21 {
        return None;
    }
    // Range-checked: `as` saturates, so compare with the bounds first.
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(f as i64)
}

/// A JSON value after a `toYaml` → YAML parse round trip: Go marshals whole float64s without
/// a fraction, so YAML reads them back as integers. Everything else survives unchanged.
pub(crate) fn yaml_round_trip(v: &Value) -> Value {
    let mut v = v.clone();
    yaml_round_trip_in_place(&mut v);
    v
}

/// [`yaml_round_trip`] of a value the caller owns.
pub(crate) fn yaml_round_trip_in_place(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(i) = number_as_int(n) {
                *v = Value::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(yaml_round_trip_in_place),
        Value::Object(map) => map.values_mut().for_each(yaml_round_trip_in_place),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn plain_scalars_resolve_like_go_yaml_v2() {
        let cases: &[(&str, Value)] = &[
            ("15020", json!(15020)),
            ("1e+06", json!(1e6)),
            ("1.5", json!(1.5)),
            ("true", json!(true)),
            ("yes", json!(true)),
            ("Off", json!(false)),
            ("", Value::Null),
            ("   ", Value::Null),
            ("~", Value::Null),
            ("null", Value::Null),
            ("<no value>", json!("<no value>")),
            ("istiod", json!("istiod")),
            ("0x1F", json!(31)),
            ("017", json!(15)),
            ("08", json!(8.0)),
            ("1_000", json!(1000)),
            ("-5", json!(-5)),
            ("+5", json!(5)),
            ("2001-12-14", json!("2001-12-14")),
            (
                "$(POD_NAMESPACE).svc.cluster.local",
                json!("$(POD_NAMESPACE).svc.cluster.local"),
            ),
            (
                "kubernetes://apis/apps/v1/namespaces/default/deployments/hello",
                json!("kubernetes://apis/apps/v1/namespaces/default/deployments/hello"),
            ),
            (
                "istio.io:istiod-ca:root-cert",
                json!("istio.io:istiod-ca:root-cert"),
            ),
            ("a #comment", json!("a")),
            ("#comment", Value::Null),
            ("map[a:b]", json!("map[a:b]")),
            ("-5x", json!("-5x")),
            (".5", json!(0.5)),
        ];
        for (text, want) in cases {
            assert_eq!(plain(text).as_ref(), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn plain_scalars_that_break_yaml_are_errors() {
        for text in [
            "a: b", "- a", "[a b]", "{a}", "*ref", "'x", "\"x", "a\nb", "key:", ".inf", "x\u{1}",
        ] {
            assert!(plain(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn double_quoted_decoding() {
        assert_eq!(double_quoted("plain").as_deref(), Ok("plain"));
        assert_eq!(
            double_quoted(r"a\tb\\c\u00e9\x41").as_deref(),
            Ok("a\tb\\c\u{e9}A")
        );
        assert_eq!(double_quoted("a\nb").as_deref(), Ok("a b"));
        assert_eq!(double_quoted("a  \n\n   b").as_deref(), Ok("a\nb"));
        assert_eq!(double_quoted("a\\\n   b").as_deref(), Ok("ab"));
        assert_eq!(double_quoted(" x ").as_deref(), Ok(" x "));
        assert!(double_quoted("a\"b").is_err());
        assert!(double_quoted(r"\q").is_err());
        assert!(double_quoted("a\\").is_err());
        assert!(double_quoted(r"\u12").is_err());
    }

    #[test]
    fn single_quoted_decoding() {
        assert_eq!(single_quoted("it''s").as_deref(), Ok("it's"));
        assert_eq!(
            single_quoted(r#"[{"name": "a"}]"#).as_deref(),
            Ok(r#"[{"name": "a"}]"#)
        );
        assert!(single_quoted("it's").is_err());
    }

    #[test]
    fn literal_blocks() {
        assert_eq!(literal_single_line("{}").as_deref(), Ok("{}\n"));
        assert_eq!(literal_single_line("").as_deref(), Ok(""));
        assert!(literal_single_line("a\nb").is_err());
    }

    #[test]
    fn typed_fields() {
        assert_eq!(typed(json!(15), Want::Int32), Ok(json!(15)));
        assert_eq!(typed(json!(1e6), Want::Int32), Ok(json!(1_000_000)));
        assert!(typed(json!(1.5), Want::Int32).is_err());
        assert!(typed(json!(3_000_000_000_i64), Want::Int32).is_err());
        assert_eq!(
            typed(json!(3_000_000_000_i64), Want::Int64),
            Ok(json!(3_000_000_000_i64))
        );
        assert!(typed(json!("<no value>"), Want::Bool).is_err());
        assert!(typed(json!(true), Want::Str).is_err());
        assert_eq!(typed(Value::Null, Want::Bool), Ok(Value::Null));
    }

    #[test]
    fn round_trip_numbers() {
        assert_eq!(
            yaml_round_trip(&json!({"a": 15.0, "b": [2.5, "x"], "c": 3})),
            json!({"a": 15, "b": [2.5, "x"], "c": 3})
        );
    }

    #[test]
    fn every_keyword_passes_the_keyword_filter() {
        let keywords = NULLS.iter().chain(&TRUES).chain(&FALSES);
        for keyword in keywords.chain(&INFINITIES_AND_NANS) {
            assert!(keyword.len() <= 5, "{keyword}");
            assert!(KEYWORD_STARTS.contains(&keyword.as_bytes()[0]), "{keyword}");
            assert!(resolve_keyword(keyword).is_some(), "{keyword}");
        }
    }

    proptest! {
        #[test]
        fn fast_paths_agree_with_the_general_ones(s in "[ -~\t\n\r\u{1}\u{7f}\u{85}\u{a0}\u{e9}\u{feff}\u{1f600}]{0,12}") {
            prop_assert_eq!(check_chars(&s).is_ok(), s.chars().all(yaml_printable));
            if check_chars(&s).is_ok() {
                prop_assert_eq!(double_quoted(&s), decode_double_quoted(&s));
            }
        }

        #[test]
        fn plain_fast_paths_agree_with_the_general_one(
            s in "([a-zA-Z0-9._/()$=:# \t+-]|yes|no|on|off|null|true|false|0x|\\.inf){0,8}"
        ) {
            prop_assert_eq!(plain(&s), plain_general(&s));
        }

        #[test]
        fn decimals_read_as_go_parses_them(text in "[0-9]{1,20}") {
            let general = go_parse_int(&text).and_then(|i| i64::try_from(i).ok());
            match decimal(&text) {
                Some(fast) => prop_assert_eq!(Some(fast), general),
                // Only what the fast path leaves to the general one.
                None => prop_assert!(text.len() > 18 || text.starts_with('0')),
            }
        }

        #[test]
        fn scalar_helpers_never_panic(s in any::<String>()) {
            let _ = plain(&s);
            let _ = double_quoted(&s);
            let _ = single_quoted(&s);
            let _ = literal_single_line(&s);
        }

        #[test]
        fn plain_words_stay_strings(s in "[a-zA-Z][a-zA-Z0-9./_-]{0,20}") {
            let v = plain(&s).unwrap_or(Value::Null);
            // YAML 1.1 keywords aside, a word is read back as itself.
            if !matches!(v, Value::Bool(_) | Value::Null) {
                prop_assert_eq!(v, Value::String(s));
            }
        }

        #[test]
        fn double_quoting_safe_text_is_identity(s in "[ !#-\\[\\]-~\u{e9}\u{4e2d}\u{1f600}]{0,40}") {
            // Printable text without quotes, backslashes or line breaks reads back as itself.
            prop_assert_eq!(double_quoted(&s), Ok(s.clone()));
        }
    }
}

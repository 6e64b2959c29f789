//! Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource.Quantity`).
//!
//! Istio's injector never sees a quantity as text: every `cpu: 2000m` of a pod or a template
//! goes through Go's `Quantity` type, so what comes out is `Quantity.String()` of the parsed
//! value (`2000m` → `2`, `1024Mi` → `1Gi`, `0.5` → `500m`). This module reproduces that parser
//! and printer exactly, including its quirks:
//!
//! * the value is exact (no floating point); decimal values are not capped, binary-SI values
//!   are capped at 2^63-1, and anything finer than `1n` is rounded away from zero to `1n`;
//! * the suffix family of the input is kept (`DecimalSI` `k M G …`, `BinarySI` `Ki Mi …`,
//!   `DecimalExponent` `e3`), and the canonical form uses the largest exact suffix of that
//!   family, without fractional digits;
//! * when the input already looks canonical, Go keeps the input text verbatim (so `+100m` and
//!   `1.500k` print as given) — [`Quantity::to_string`] does the same.
//!
//! ```
//! use injector::quantity::canonicalize;
//! assert_eq!(canonicalize("2000m").unwrap(), "2");
//! assert_eq!(canonicalize("1.5Gi").unwrap(), "1536Mi");
//! assert_eq!(canonicalize("12e6").unwrap(), "12e6");
//! ```
//!
//! Known divergence: exponents within a few digits of ±2^31, where Go's 32-bit exponent
//! arithmetic overflows, are computed exactly here.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;
use thiserror::Error;

/// The pattern apimachinery quotes when a quantity does not parse.
pub const QUANTITY_PATTERN: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// Binary-SI quantities are silently capped at the largest int64.
const MAX_BINARY: &[u8] = b"9223372036854775807";

/// Finest representable value: 10^-9 (`1n`).
const NANO: i64 = -9;

/// Why a quantity did not parse; the messages are apimachinery's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuantityError {
    #[error("quantities must match the regular expression '{}'", QUANTITY_PATTERN)]
    Format,
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    #[error("unable to parse quantity's suffix")]
    Suffix,
    /// A JSON value that is neither a string nor a number.
    #[error("a quantity must be a string or a number, not {0}")]
    NotAQuantity(&'static str),
}

/// The suffix family a quantity was written in, and is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `12e6`
    DecimalExponent,
    /// `12Mi` (12 × 2^20)
    BinarySI,
    /// `12M` (12 × 10^6)
    DecimalSI,
}

/// A parsed quantity: an exact decimal value plus the format it prints in.
///
/// Equality compares values (`1k == 1000`), like Go's `Quantity.Equal`.
#[derive(Debug, Clone)]
pub struct Quantity {
    negative: bool,
    /// Magnitude is `digits × 10^exp10`; digits are 0–9, with neither leading nor trailing
    /// zeros (trailing zeros live in `exp10`), and empty for zero.
    digits: Vec<u8>,
    exp10: i64,
    format: Format,
    /// Go keeps the input string when it is already in canonical form.
    cached: Option<String>,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

impl Quantity {
    /// The format the quantity prints in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// True for any spelling of zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// True when the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Numeric comparison, ignoring formats.
    pub fn cmp_value(&self, other: &Quantity) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => cmp_magnitude(&self.digits, self.exp10, &other.digits, other.exp10),
            (true, true) => cmp_magnitude(&other.digits, other.exp10, &self.digits, self.exp10),
        }
    }

    /// An approximate `f64` of the value (for display and heuristics, never for arithmetic).
    pub fn as_f64(&self) -> f64 {
        let text: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let mantissa: f64 = if text.is_empty() {
            0.0
        } else {
            text.parse().unwrap_or(f64::INFINITY)
        };
        let exp =
            i32::try_from(self.exp10).unwrap_or(if self.exp10 < 0 { i32::MIN } else { i32::MAX });
        let value = mantissa * 10f64.powi(exp);
        if self.negative { -value } else { value }
    }

    /// `Quantity.String()`: the canonical text Go prints and serialises.
    fn canonical(&self) -> String {
        if let Some(cached) = &self.cached {
            return cached.clone();
        }
        if self.is_zero() {
            return "0".to_string();
        }
        let mut format = self.format;
        if format == Format::BinarySI {
            // Small or fractional binary values print as decimal to avoid rounding.
            let below_1024 =
                cmp_magnitude(&self.digits, self.exp10, &[1, 0, 2, 4], 0) == Ordering::Less;
            if below_1024 || self.exp10 < 0 {
                format = Format::DecimalSI;
            } else if let Some(out) = self.binary_canonical() {
                return out;
            } else {
                format = Format::DecimalSI;
            }
        }
        let (mantissa, exponent) = self.decimal_canonical();
        let mut out = String::with_capacity(mantissa.len() + 8);
        if self.negative {
            out.push('-');
        }
        out.push_str(&mantissa);
        match (format, decimal_si_suffix(exponent)) {
            (Format::DecimalSI, Some(suffix)) => out.push_str(suffix),
            // No SI suffix beyond `E`: apimachinery falls back to an exponent.
            _ if exponent == 0 => {}
            _ => {
                out.push('e');
                out.push_str(&exponent.to_string());
            }
        }
        out
    }

    /// Mantissa digits and a base-10 exponent that is a multiple of three, without
    /// fractional digits (`AsCanonicalBytes`).
    fn decimal_canonical(&self) -> (String, i64) {
        let mut mantissa: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let mut exponent = self.exp10;
        while exponent.rem_euclid(3) != 0 {
            mantissa.push('0');
            exponent -= 1;
        }
        (mantissa, exponent)
    }

    /// Base-1024 form of an integral binary value (`AsCanonicalBase1024Bytes`); `None` if the
    /// value does not fit 128 bits, which the binary cap rules out.
    fn binary_canonical(&self) -> Option<String> {
        let mut value: u128 = 0;
        for d in &self.digits {
            value = value.checked_mul(10)?.checked_add(u128::from(*d))?;
        }
        for _ in 0..self.exp10 {
            value = value.checked_mul(10)?;
        }
        let mut times = 0usize;
        while value >= 1024 && value.is_multiple_of(1024) {
            value /= 1024;
            times += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            .get(times)
            .copied()?;
        let sign = if self.negative { "-" } else { "" };
        Some(format!("{sign}{value}{suffix}"))
    }

    fn zero(format: Format, cached: Option<String>) -> Quantity {
        Quantity {
            negative: false,
            digits: Vec::new(),
            exp10: 0,
            format,
            cached,
        }
    }

    fn from_parts(negative: bool, digits: Vec<u8>, exp10: i64, format: Format) -> Quantity {
        let (digits, exp10) = normalize_digits(digits, exp10);
        Quantity {
            negative: negative && !digits.is_empty(),
            digits,
            exp10,
            format,
            cached: None,
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Parses a quantity exactly as `resource.ParseQuantity` does (no trimming of spaces).
pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::Format);
    }
    if s == "0" {
        return Ok(Quantity::zero(Format::DecimalSI, Some(s.to_string())));
    }
    let scanned = scan(s)?;
    let (base, exponent, format) = interpret_suffix(scanned.suffix).ok_or(QuantityError::Suffix)?;

    // The int64 fast path of apimachinery; it matters because it is where Go decides to keep
    // the input text as the canonical form.
    let digit_count = scanned.num.len().saturating_add(scanned.denom.len());
    let (precision, mut scale, mantissa): (i64, i32, i64) = match format {
        Format::DecimalExponent | Format::DecimalSI => (18 - digit_count as i64, exponent, 1),
        Format::BinarySI if exponent >= 0 && scanned.denom.is_empty() => {
            let mantissa = 1i64.checked_shl(exponent as u32).unwrap_or(0);
            let precision = 15 - scanned.num.len() as i64 - i64::from(exponent) * 3 / 10 - 1;
            (precision, 0, mantissa)
        }
        Format::BinarySI => (-1, 0, 1),
    };
    if precision >= 0 {
        scale = scale.wrapping_sub(scanned.denom.len() as i32);
        if scale >= NANO as i32 {
            let shifted = format!("{}{}", scanned.num, scanned.denom);
            let value: i64 = shifted.parse().map_err(|_| QuantityError::Numeric)?;
            if let Some(result) = value.checked_mul(mantissa) {
                let keep_text = match format {
                    Format::BinarySI => exponent % 10 == 0 && value & 0x07 != 0,
                    _ => scale % 3 == 0 && !shifted.ends_with("000") && !shifted.starts_with('0'),
                };
                let digits = result
                    .unsigned_abs()
                    .to_string()
                    .bytes()
                    .map(|b| b - b'0')
                    .collect();
                let negative = !scanned.positive;
                let mut q = Quantity::from_parts(negative, digits, i64::from(scale), format);
                if keep_text {
                    q.cached = Some(s.to_string());
                }
                return Ok(q);
            }
        }
    }

    // General path: exact arbitrary-size decimal arithmetic (Go uses inf.Dec).
    let (negative, mut digits, mut exp10) =
        parse_decimal(scanned.value).ok_or(QuantityError::Numeric)?;
    if base == 10 {
        exp10 += i64::from(exponent);
    } else {
        // Binary exponents are 10..=60 here.
        mul_small(&mut digits, 1u64 << (exponent.clamp(0, 63) as u32));
    }
    let (mut digits, mut exp10) = normalize_digits(digits, exp10);
    // Values finer than 1n round away from zero, so that asking for a little gets a little.
    if !digits.is_empty() && exp10 < NANO {
        let drop = usize::try_from(NANO - exp10).unwrap_or(usize::MAX);
        let keep = digits.len().saturating_sub(drop);
        digits.truncate(keep);
        add_one(&mut digits);
        let normalized = normalize_digits(digits, NANO);
        digits = normalized.0;
        exp10 = normalized.1;
    }
    let mut format = format;
    if format == Format::BinarySI {
        if cmp_magnitude(&digits, exp10, &digit_vec(MAX_BINARY), 0) == Ordering::Greater {
            let capped = normalize_digits(digit_vec(MAX_BINARY), 0);
            digits = capped.0;
            exp10 = capped.1;
        }
        if !digits.is_empty() && cmp_magnitude(&digits, exp10, &[1], 0) == Ordering::Less {
            format = Format::DecimalSI;
        }
    }
    Ok(Quantity::from_parts(negative, digits, exp10, format))
}

/// Parses `s` and returns `Quantity.String()` of the result.
pub fn canonicalize(s: &str) -> Result<String, QuantityError> {
    Ok(parse(s)?.to_string())
}

/// Decodes a quantity from JSON as `Quantity.UnmarshalJSON` does: a string (trimmed) or a
/// bare number. `null` is the zero quantity.
pub fn from_json(value: &Value) -> Result<Quantity, QuantityError> {
    match value {
        Value::Null => Ok(Quantity::zero(Format::DecimalSI, None)),
        Value::String(s) => parse(s.trim()),
        Value::Number(n) => parse(&number_text(n)),
        Value::Bool(_) => Err(QuantityError::NotAQuantity("a boolean")),
        Value::Array(_) => Err(QuantityError::NotAQuantity("an array")),
        Value::Object(_) => Err(QuantityError::NotAQuantity("an object")),
    }
}

/// [`from_json`] followed by `String()`: the JSON string Go writes back for this value.
pub fn canonicalize_json(value: &Value) -> Result<String, QuantityError> {
    if let Value::String(s) = value
        && let Some(text) = canonical_text(s)
    {
        return Ok(text.into_owned());
    }
    Ok(from_json(value)?.to_string())
}

/// Whether `s` is a quantity that `String()` prints as `s` itself (see [`canonical_text`]);
/// `false` only means "parse it".
pub fn written_canonically(s: &str) -> bool {
    matches!(canonical_text(s), Some(Cow::Borrowed(_)))
}

/// `String()` of the quantity `s`, worked out from the text for the forms resources are
/// usually written in: digits without a leading zero and an SI or `Ki`/`Mi`/`Gi` suffix
/// (`100m`, `2000m` → `2`, `1024Mi` → `1Gi`). `None`: anything else, to be parsed. Every
/// quantity of every pod is canonicalized on each typed pass, and parsing and printing them
/// was most of that pass's cost for a container.
pub fn canonical_text(s: &str) -> Option<Cow<'_, str>> {
    let split = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    let (digits, suffix) = s.split_at(split);
    // No leading zero (nor `0` itself, kept by another rule).
    if digits.bytes().next().is_none_or(|b| b == b'0') {
        return None;
    }
    const BINARY: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if let Some(mut power) = BINARY[1..4].iter().position(|b| *b == suffix) {
        // Printed with the largest exact power of 1024 (apimachinery's int64 path, which
        // larger suffixes or numbers leave).
        if digits.len() > 5 {
            return None;
        }
        let mut value: u32 = digits.parse().ok()?;
        if !value.is_multiple_of(1024) {
            return Some(Cow::Borrowed(s));
        }
        power += 1;
        while value >= 1024 && value.is_multiple_of(1024) {
            value /= 1024;
            power += 1;
        }
        return Some(Cow::Owned(format!("{value}{}", BINARY.get(power)?)));
    }
    // Decimal: trailing zeros go into the exponent, down to a multiple of three.
    let (_, mut exponent, Format::DecimalSI) = interpret_suffix(suffix)? else {
        return None;
    };
    if digits.len() > 18 {
        return None;
    }
    let mut kept = digits;
    while let Some(shorter) = kept.strip_suffix("000") {
        kept = shorter;
        exponent += 3;
    }
    // Beyond `E` Go writes an exponent: parsed.
    let suffix = decimal_si_suffix(i64::from(exponent))?;
    if kept.len() == digits.len() {
        return Some(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(kept.len() + suffix.len());
    out.push_str(kept);
    out.push_str(suffix);
    Some(Cow::Owned(out))
}

/// The text of a JSON number as Go would have received it. serde_json keeps integers exact;
/// floats are printed in plain positional notation, which parses to the same value.
fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => format!("{f}"),
        _ => n.to_string(),
    }
}

struct Scanned<'a> {
    positive: bool,
    /// The numeric part as written, sign included.
    value: &'a str,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

/// `parseQuantityString`: splits sign, integer digits, fraction digits and suffix.
fn scan(s: &str) -> Result<Scanned<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let sub = |from: usize, to: usize| s.get(from..to).unwrap_or("");
    let mut positive = true;
    let mut pos = 0;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    let all = |num, value, denom, suffix| Scanned {
        positive,
        value,
        num,
        denom,
        suffix,
    };

    while b.get(pos) == Some(&b'0') {
        pos += 1;
    }
    if pos >= end {
        return Ok(all("0", "0", "", ""));
    }

    let num_start = pos;
    let mut i = pos;
    while i < end && b[i].is_ascii_digit() {
        i += 1;
    }
    if i >= end {
        return Ok(all(sub(num_start, end), sub(0, end), "", ""));
    }
    let mut num = sub(num_start, i);
    if num.is_empty() {
        num = "0";
    }
    pos = i;

    let mut denom = "";
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let denom_start = pos;
        let mut i = pos;
        while i < end && b[i].is_ascii_digit() {
            i += 1;
        }
        if i >= end {
            return Ok(all(num, sub(0, end), sub(denom_start, end), ""));
        }
        denom = sub(denom_start, i);
        pos = i;
    }
    let value = sub(0, pos);

    let suffix_start = pos;
    let mut i = pos;
    while i < end && b"eEinumkKMGTP".contains(&b[i]) {
        i += 1;
    }
    if i >= end {
        return Ok(all(num, value, denom, sub(suffix_start, end)));
    }
    pos = i;
    if matches!(b.get(pos), Some(b'-' | b'+')) {
        pos += 1;
    }
    let mut i = pos;
    while i < end && b[i].is_ascii_digit() {
        i += 1;
    }
    if i >= end {
        return Ok(all(num, value, denom, sub(suffix_start, end)));
    }
    Err(QuantityError::Format)
}

/// Base, exponent and format of a suffix (`suffixHandler.interpret`).
fn interpret_suffix(suffix: &str) -> Option<(u32, i32, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSI));
    let binary = |e| Some((2, e, Format::BinarySI));
    match suffix {
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            if rest.is_empty() {
                return None;
            }
            // Go parses 64 bits and truncates to int32.
            let parsed: i64 = rest.parse().ok()?;
            Some((10, parsed as i32, Format::DecimalExponent))
        }
    }
}

fn decimal_si_suffix(exponent: i64) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

/// `[+-]digits[.digits]` → (negative, digits, exponent); `None` without any digit.
fn parse_decimal(text: &str) -> Option<(bool, Vec<u8>, i64)> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let all = int_part.bytes().chain(frac_part.bytes());
    let mut digits = Vec::with_capacity(body.len());
    for b in all {
        if !b.is_ascii_digit() {
            return None;
        }
        digits.push(b - b'0');
    }
    let exp = -(i64::try_from(frac_part.len()).ok()?);
    Some((negative, digits, exp))
}

fn digit_vec(ascii: &[u8]) -> Vec<u8> {
    ascii.iter().map(|b| b - b'0').collect()
}

/// Strips leading zeros and moves trailing zeros into the exponent.
fn normalize_digits(mut digits: Vec<u8>, mut exp10: i64) -> (Vec<u8>, i64) {
    let leading = digits.iter().take_while(|d| **d == 0).count();
    if leading == digits.len() {
        return (Vec::new(), 0);
    }
    digits.drain(..leading);
    while digits.last() == Some(&0) {
        digits.pop();
        exp10 = exp10.saturating_add(1);
    }
    (digits, exp10)
}

/// digits × m, in place.
fn mul_small(digits: &mut Vec<u8>, m: u64) {
    let mut carry: u128 = 0;
    for d in digits.iter_mut().rev() {
        let product = u128::from(*d) * u128::from(m) + carry;
        *d = (product % 10) as u8;
        carry = product / 10;
    }
    while carry > 0 {
        digits.insert(0, (carry % 10) as u8);
        carry /= 10;
    }
}

/// digits + 1, in place.
fn add_one(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, 1);
}

/// Compares `a × 10^ea` with `b × 10^eb` for normalized (or at least leading-zero-free)
/// digit strings.
fn cmp_magnitude(a: &[u8], ea: i64, b: &[u8], eb: i64) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    // Position of the most significant digit decides first.
    let top_a = ea.saturating_add(a.len() as i64);
    let top_b = eb.saturating_add(b.len() as i64);
    if top_a != top_b {
        return top_a.cmp(&top_b);
    }
    let len = a.len().max(b.len());
    for i in 0..len {
        let da = a.get(i).copied().unwrap_or(0);
        let db = b.get(i).copied().unwrap_or(0);
        if da != db {
            return da.cmp(&db);
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn canon(s: &str) -> String {
        match canonicalize(s) {
            Ok(c) => c,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    #[test]
    fn task_examples() {
        for (input, want) in [
            ("2000m", "2"),
            ("1024Mi", "1Gi"),
            ("0.5", "500m"),
            ("1536Mi", "1536Mi"),
            ("1.5Gi", "1536Mi"),
            ("100m", "100m"),
            ("1e3", "1e3"),
            ("0.1", "100m"),
            ("1M", "1M"),
            ("1000k", "1M"),
            ("12e6", "12e6"),
            ("0", "0"),
            ("4000m", "4"),
            ("128Mi", "128Mi"),
            ("1Gi", "1Gi"),
        ] {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    // Facts from apimachinery's quantity_test.go (TestQuantityParse / TestQuantityString).
    #[test]
    fn apimachinery_parse_table() {
        for (input, want) in [
            ("0Ki", "0"),
            ("0.0", "0"),
            ("-0", "0"),
            ("1n", "1n"),
            ("1u", "1u"),
            ("1m", "1m"),
            ("1", "1"),
            ("1k", "1k"),
            ("1Ki", "1Ki"),
            ("1Mi", "1Mi"),
            ("1Gi", "1Gi"),
            ("1Ti", "1Ti"),
            ("1Pi", "1Pi"),
            ("1Ei", "1Ei"),
            ("1G", "1G"),
            ("1T", "1T"),
            ("1P", "1P"),
            ("1E", "1E"),
            ("1e3", "1e3"),
            ("1E6", "1E6"),
            ("1e9", "1e9"),
            ("1E12", "1E12"),
            ("1e15", "1e15"),
            ("1E18", "1E18"),
            // Decimal/binary conversions and shifts.
            ("1000Ki", "1000Ki"),
            ("1024Ki", "1Mi"),
            ("1.5Ki", "1536"),
            ("1.5Mi", "1536Ki"),
            ("0.001Ki", "1024m"),
            ("0.5Ki", "512"),
            ("1.5E", "1500P"),
            ("1.5E18", "1500e15"),
            ("1001m", "1001m"),
            ("1000m", "1"),
            ("10E", "10E"),
            ("100k", "100k"),
            ("0.1m", "100u"),
            ("0.1u", "100n"),
            ("0.1n", "1n"),
            ("0.0001m", "100n"),
            ("1.1", "1100m"),
            ("-1.1", "-1100m"),
            ("-1000", "-1k"),
            ("-1k", "-1k"),
            ("-1e3", "-1e3"),
            ("-1Ki", "-1Ki"),
            ("-8Ki", "-8Ki"),
            // Rounding of sub-nano values away from zero.
            ("1.0000000001", "1000000001n"),
            ("0.00000000001", "1n"),
            ("-0.00000000001", "-1n"),
            ("1.2345", "1234500u"),
            ("1e-10", "1e-9"),
            // Big decimal values keep their precision, binary values are capped.
            ("18446744073709551616", "18446744073709551616"),
            ("8Ei", "9223372036854775807"),
            ("9223372036854775807Ki", "9223372036854775807"),
            ("1000E", "1e21"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            // Inputs already canonical are printed as written, as Go does.
            ("+100m", "+100m"),
            ("1.500k", "1.500k"),
            (".5", "500m"),
            ("5.", "5."),
            ("1.G", "1.G"),
            ("0100m", "0100m"),
            ("-", "0"),
        ] {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    #[test]
    fn parse_errors_use_apimachinery_messages() {
        for bad in [
            "", "1.1.1", "1+1", "1e", "x", "1Xi", "1ei", " 1", "1 ", "1e1.0", "1.0e-", "1é",
        ] {
            let err = parse(bad).err();
            assert!(err.is_some(), "{bad:?} should not parse");
        }
        assert_eq!(
            parse("abc").err().map(|e| e.to_string()),
            Some(format!(
                "quantities must match the regular expression '{QUANTITY_PATTERN}'"
            ))
        );
        assert_eq!(parse("1Zi"), Err(QuantityError::Format));
        assert_eq!(parse("1mi"), Err(QuantityError::Suffix));
        assert_eq!(
            QuantityError::Suffix.to_string(),
            "unable to parse quantity's suffix"
        );
    }

    #[test]
    fn json_numbers_and_strings() {
        assert_eq!(canonicalize_json(&json!(2)).ok().as_deref(), Some("2"));
        assert_eq!(
            canonicalize_json(&json!(1.5)).ok().as_deref(),
            Some("1500m")
        );
        assert_eq!(
            canonicalize_json(&json!(" 100m ")).ok().as_deref(),
            Some("100m")
        );
        assert_eq!(canonicalize_json(&json!(null)).ok().as_deref(), Some("0"));
        assert!(canonicalize_json(&json!(true)).is_err());
        assert!(canonicalize_json(&json!({"a": 1})).is_err());
    }

    #[test]
    fn equality_is_by_value() {
        let q = |s| parse(s).ok();
        assert_eq!(q("1k"), q("1000"));
        assert_eq!(q("1Ki"), q("1024"));
        assert_ne!(q("1k"), q("1Ki"));
        assert_eq!(q("0"), q("-0.0"));
        match (parse("1Gi"), parse("1G")) {
            (Ok(a), Ok(b)) => assert_eq!(a.cmp_value(&b), Ordering::Greater),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse("-1").map(|q| q.is_negative()), Ok(true));
        assert!((parse("1500m").map(|q| q.as_f64()).unwrap_or(0.0) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn usual_resource_text_is_known_canonical() {
        for s in ["100m", "128Mi", "2", "1536Mi", "1500m", "10Gi", "500k"] {
            assert!(written_canonically(s), "{s}");
            assert_eq!(canonicalize(s).as_deref(), Ok(s));
        }
        for (s, want) in [
            ("2000m", "2"),
            ("1024Mi", "1Gi"),
            ("1000", "1k"),
            ("1500000m", "1500"),
        ] {
            assert_eq!(canonical_text(s).as_deref(), Some(want), "{s}");
            assert_eq!(canonicalize(s).as_deref(), Ok(want));
        }
        assert_eq!(canonical_text("1000E"), None);
        for s in [
            "2000m", "1024Mi", "0", "0100m", "1000", "1.5", " 1m", "+1m", "8Ei", "",
        ] {
            assert!(!written_canonically(s), "{s}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// The shortcut only ever answers what parsing and printing would.
        #[test]
        fn canonical_text_agrees_with_parsing(
            s in "[0-9]{0,20}(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e3|i|K|\\.5)",
            zeros in "[1-9][0-9]{0,4}(000|0){0,8}(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti)",
            (times, binary) in (1u32..200, "(|Ki|Mi|Gi|Ti|m|k)"),
            other in ".{0,12}",
        ) {
            let multiple = format!("{}{binary}", times * 1024);
            for s in [s, zeros, multiple, other] {
                if let Some(text) = canonical_text(&s) {
                    prop_assert_eq!(canonicalize(&s), Ok(text.to_string()));
                    prop_assert_eq!(written_canonically(&s), text == s);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = canonicalize(&s);
        }

        #[test]
        fn never_panics_on_quantity_like_text(s in "[-+]?[0-9.]{0,25}[eEinumkKMGTP]{0,3}[-+]?[0-9]{0,12}") {
            let _ = canonicalize(&s);
        }

        #[test]
        fn canonical_form_is_a_fixed_point_with_the_same_value(
            s in "[-+]?[0-9]{0,22}(\\.[0-9]{0,12})?(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[-+]?[0-9]{1,3})"
        ) {
            if let Ok(q) = parse(&s) {
                let c = q.to_string();
                let again = parse(&c);
                prop_assert!(again.is_ok(), "{} -> {} does not parse", s, c);
                if let Ok(again) = again {
                    prop_assert_eq!(again.to_string(), c.clone(), "{} not idempotent", s);
                    prop_assert!(again == q, "{} -> {} changed value", s, c);
                }
            }
        }
    }
}

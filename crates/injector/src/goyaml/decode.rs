//! Reading rendered template text as Istio does: `sigs.k8s.io/yaml` (go-yaml v2, YAML 1.1
//! scalar resolution) into JSON.
//!
//! What go-yaml v2 does that a YAML 1.2 reader would not, and that this module therefore does
//! by hand on top of libyaml's events:
//! * unquoted `y`, `Y`, `yes`, `on`, `n`, `no`, `off` (any of their three capitalisations)
//!   are booleans; `~`, `null` and the empty scalar are null;
//! * integers may have `_` separators and Go's `0x`/`0o`/`0b`/leading-`0` (octal) prefixes;
//!   `.5`, `1.` and `1e3` are floats; `.inf`/`.nan` cannot become JSON and are errors;
//! * timestamps stay strings (go-yaml keeps them as text when decoding into `interface{}`);
//! * quoted and block scalars are always strings unless explicitly tagged; `!!binary` is
//!   base64-decoded; an explicit tag the text does not fit is an error worded as Go's;
//! * `<<` merge keys (a map or a list of maps, later entries overwriting earlier ones and
//!   the first list item winning), anchors and aliases with go-yaml's aliasing budget;
//! * non-string keys become strings (`1`, `true`, floats with 32-bit precision); a null key
//!   is an error; duplicate keys: the last one wins;
//! * only the first document of a stream is read; an empty document is `null`.
//!
//! Most text is read by [`super::block_read`] without libyaml; what it leaves comes here.

use base64::Engine;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

use crate::goyaml::libyaml::{Event, EventParser, ScalarStyle};

/// The error prefix `sigs.k8s.io/yaml` puts on every failure.
const PREFIX: &str = "error converting YAML to JSON";

/// Nesting beyond this is refused: everything after this module walks values recursively
/// (and dropping a `serde_json::Value` does too), on a small wasm stack. Pods nest about 10
/// levels deep.
const MAX_DEPTH: usize = 500;

/// `yaml.YAMLToJSON(text)` as a JSON value.
pub fn yaml_to_json(text: &str) -> Result<Value, String> {
    if let Ok(value) = super::block_read::read(text) {
        return Ok(value);
    }
    libyaml_yaml_to_json(text)
}

/// [`yaml_to_json`] through libyaml's events only: the reference the direct reader is
/// checked against, and the path for everything it leaves alone.
pub(crate) fn libyaml_yaml_to_json(text: &str) -> Result<Value, String> {
    Loader::new()
        .load(text)
        .map_err(|e| format!("{PREFIX}: {e}"))
}

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: Option<String>,
        nodes: u64,
    },
    Map {
        map: Map<String, Value>,
        anchor: Option<String>,
        nodes: u64,
        /// The key read, waiting for its value.
        key: Option<Key>,
    },
}

/// A mapping key waiting for its value.
enum Key {
    Plain(String),
    /// `<<`: the value is merged into the map.
    Merge,
}

struct Loader {
    stack: Vec<Frame>,
    /// Completed anchored values with their node counts.
    anchors: HashMap<String, (Value, u64)>,
    /// Anchors whose collection is still open (an alias to one is a cycle).
    open_anchors: Vec<String>,
    decoded: u64,
    aliased: u64,
}

/// go-yaml v2's defence against alias bombs: past 100 aliased nodes out of more than 1000,
/// the share of aliased nodes may not exceed a ratio that shrinks from 99% (up to 400k
/// decoded nodes) to 10% (from 4M).
fn allowed_alias_ratio(decoded: u64) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    let d = decoded as f64;
    if d <= LOW {
        0.99
    } else if d >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((d - LOW) / (HIGH - LOW))
    }
}

impl Loader {
    fn new() -> Self {
        Loader {
            stack: Vec::new(),
            anchors: HashMap::new(),
            open_anchors: Vec::new(),
            decoded: 0,
            aliased: 0,
        }
    }

    fn load(mut self, text: &str) -> Result<Value, String> {
        let mut parser =
            EventParser::new(text).ok_or_else(|| "cannot allocate a YAML parser".to_string())?;
        // Stream start, then the first document (if any).
        loop {
            let (event, _) = parser.next().map_err(|e| e.to_string())?;
            match event {
                Event::StreamStart => {}
                Event::DocumentStart => break,
                _ => return Ok(Value::Null),
            }
        }
        loop {
            let (event, _) = parser.next().map_err(|e| e.to_string())?;
            let done = match event {
                Event::Scalar {
                    anchor,
                    tag,
                    value,
                    style,
                    plain_implicit,
                } => {
                    let is_merge_key = value == "<<"
                        && (plain_implicit || tag.as_deref() == Some("tag:yaml.org,2002:merge"));
                    if is_merge_key && self.expecting_key() {
                        self.set_key(Key::Merge);
                        None
                    } else {
                        let v = resolve(tag.as_deref(), &value, style, plain_implicit)?;
                        self.decoded += 1;
                        if let Some(name) = anchor {
                            self.anchors.insert(name, (v.clone(), 1));
                        }
                        self.add(v, 1)?
                    }
                }
                Event::Alias { anchor } => {
                    let Some((value, nodes)) = self.anchors.get(&anchor) else {
                        return Err(if self.open_anchors.contains(&anchor) {
                            format!("yaml: anchor '{anchor}' value contains itself")
                        } else {
                            format!("yaml: unknown anchor '{anchor}' referenced")
                        });
                    };
                    let nodes = *nodes;
                    self.decoded += nodes;
                    self.aliased += nodes;
                    if self.aliased > 100
                        && self.decoded > 1000
                        && (self.aliased as f64 / self.decoded as f64)
                            > allowed_alias_ratio(self.decoded)
                    {
                        return Err("yaml: document contains excessive aliasing".into());
                    }
                    let value = value.clone();
                    self.add(value, nodes)?
                }
                Event::SequenceStart { anchor, .. } => {
                    self.check_depth()?;
                    self.decoded += 1;
                    if let Some(name) = &anchor {
                        self.open_anchors.push(name.clone());
                    }
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        nodes: 1,
                    });
                    None
                }
                Event::MappingStart { anchor, .. } => {
                    self.check_depth()?;
                    self.decoded += 1;
                    if let Some(name) = &anchor {
                        self.open_anchors.push(name.clone());
                    }
                    self.stack.push(Frame::Map {
                        map: Map::new(),
                        anchor,
                        nodes: 1,
                        key: None,
                    });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (value, anchor, nodes) = match self.stack.pop() {
                        Some(Frame::Seq {
                            items,
                            anchor,
                            nodes,
                        }) => (Value::Array(items), anchor, nodes),
                        Some(Frame::Map {
                            map, anchor, nodes, ..
                        }) => (Value::Object(map), anchor, nodes),
                        None => return Err("yaml: unbalanced collection end".into()),
                    };
                    if let Some(name) = anchor {
                        self.open_anchors.retain(|a| *a != name);
                        self.anchors.insert(name, (value.clone(), nodes));
                    }
                    self.add(value, nodes)?
                }
                Event::DocumentEnd | Event::StreamEnd => Some(Value::Null),
                Event::StreamStart | Event::DocumentStart => None,
            };
            if let Some(root) = done {
                check_json_numbers(&root)?;
                return Ok(root);
            }
        }
    }

    fn check_depth(&self) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn set_key(&mut self, key: Key) {
        if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
            *slot = Some(key);
        }
    }

    /// Places a completed node; returns the root when the document's node is complete.
    fn add(&mut self, value: Value, nodes: u64) -> Result<Option<Value>, String> {
        match self.stack.last_mut() {
            None => Ok(Some(value)),
            Some(Frame::Seq {
                items, nodes: n, ..
            }) => {
                items.push(value);
                *n += nodes;
                Ok(None)
            }
            Some(Frame::Map {
                map, key, nodes: n, ..
            }) => {
                *n += nodes;
                match key.take() {
                    None => {
                        *key = Some(Key::Plain(key_string(&value)?));
                    }
                    Some(Key::Plain(k)) => {
                        map.insert(k, value);
                    }
                    Some(Key::Merge) => merge_into(map, value)?,
                }
                Ok(None)
            }
        }
    }
}

/// go-yaml v2's merge: a map's entries overwrite the current ones; for a list of maps the
/// first map wins, so they are applied last to first.
fn merge_into(map: &mut Map<String, Value>, value: Value) -> Result<(), String> {
    const WANT: &str = "yaml: map merge requires map or sequence of maps as the value";
    match value {
        Value::Object(entries) => {
            for (k, v) in entries {
                map.insert(k, v);
            }
            Ok(())
        }
        Value::Array(items) => {
            if !items.iter().all(Value::is_object) {
                return Err(WANT.into());
            }
            for item in items.into_iter().rev() {
                if let Value::Object(entries) = item {
                    for (k, v) in entries {
                        map.insert(k, v);
                    }
                }
            }
            Ok(())
        }
        _ => Err(WANT.into()),
    }
}

/// `sigs.k8s.io/yaml`'s conversion of a decoded key to a JSON object key.
pub(super) fn key_string(key: &Value) -> Result<String, String> {
    match key {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(match n.as_f64() {
            Some(f) if n.is_f64() => format_float_g32(f),
            _ => n.to_string(),
        }),
        Value::Null => Err("unsupported map key of type: <nil>".into()),
        Value::Array(_) | Value::Object(_) => Err(format!("yaml: invalid map key: {key}")),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits that identify the
/// float32, in `%e` form when the exponent is below -4 or at least 6 (the limit Go's `%g`
/// uses with shortest precision).
fn format_float_g32(f: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // Go narrows to float32 here too.
    let narrow = f as f32;
    if narrow.is_infinite() {
        return if narrow > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    if narrow.is_nan() {
        return ".nan".to_string();
    }
    if narrow == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{narrow:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    } else if exp >= 0 {
        let int_len = usize::try_from(exp).unwrap_or(0) + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            let (int_part, frac) = digits.split_at(int_len);
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n(
            '0',
            usize::try_from(-exp - 1).unwrap_or(0),
        ));
        out.push_str(&digits);
    }
    out
}

/// Infinity and NaN have no JSON form: `json.Marshal` fails on them.
fn check_json_numbers(value: &Value) -> Result<(), String> {
    // serde_json cannot hold them; `resolve` reports them as this marker string instead.
    match value {
        Value::String(s) if s.starts_with(NON_FINITE_MARK) => Err(format!(
            "json: unsupported value: {}",
            s.trim_start_matches(NON_FINITE_MARK)
        )),
        Value::Array(items) => items.iter().try_for_each(check_json_numbers),
        Value::Object(map) => map.values().try_for_each(check_json_numbers),
        _ => Ok(()),
    }
}

/// Prefix of the placeholder for a non-finite float; it contains a NUL, which YAML text
/// cannot, so no real string is mistaken for it.
const NON_FINITE_MARK: &str = "\u{0}non-finite:";

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Short form of a core tag (`!!int`), for messages and comparisons.
fn short_tag(tag: &str) -> String {
    match tag.strip_prefix(TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

/// The resolved type of a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolved {
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
}

impl Resolved {
    fn tag(self) -> &'static str {
        match self {
            Resolved::Str => "!!str",
            Resolved::Bool => "!!bool",
            Resolved::Int => "!!int",
            Resolved::Float => "!!float",
            Resolved::Null => "!!null",
            Resolved::Timestamp => "!!timestamp",
        }
    }
}

/// go-yaml v2's decoding of one scalar into `interface{}`.
fn resolve(
    tag: Option<&str>,
    text: &str,
    style: ScalarStyle,
    plain_implicit: bool,
) -> Result<Value, String> {
    let tag = tag.map(short_tag);
    if tag.is_none() && !(plain_implicit && style == ScalarStyle::Plain) {
        return Ok(Value::String(text.to_string()));
    }
    let tag = tag.unwrap_or_default();
    match tag.as_str() {
        "" | "!!str" | "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp" => {}
        "!!binary" => {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            return match base64::engine::general_purpose::STANDARD.decode(compact) {
                Ok(bytes) => Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
                Err(_) => Err("yaml: !!binary value contains invalid base64 data".into()),
            };
        }
        // Unknown tags keep the text.
        _ => return Ok(Value::String(text.to_string())),
    }
    if tag == "!!str" {
        return Ok(Value::String(text.to_string()));
    }
    let (kind, value) = resolve_plain(text, tag.is_empty() || tag == "!!timestamp");
    let fits = tag.is_empty() || tag == kind.tag();
    if fits {
        return Ok(value);
    }
    if tag == "!!float" && kind == Resolved::Int {
        let f = value.as_f64().unwrap_or(0.0);
        return Ok(Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    Err(format!(
        "yaml: cannot decode {} `{text}` as a {tag}",
        kind.tag()
    ))
}

/// `resolve("", text)` of go-yaml v2 (with timestamps tried only when allowed).
pub(crate) fn resolves_to_string(text: &str) -> bool {
    // Only the keywords and text starting with a digit, a sign, `.` or `~` resolve to
    // anything else; the writer asks this of every key and string it writes, so the common
    // case skips building the resolved value (a copy of the text).
    match text.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'~') => {
            // Quantities (`250m`, `1Gi`) and versions start with a digit: a byte no number,
            // timestamp or keyword holds settles them without parsing.
            !text.bytes().all(in_non_string_scalar) || resolve_plain(text, true).0 == Resolved::Str
        }
        _ => keyword(text).is_none(),
    }
}

/// Whether `b` may appear in a plain scalar that resolves to something other than a string:
/// Go's integers (`0x`, `0o`, `0b` prefixes, hex digits, `_`), YAML floats, go-yaml's
/// timestamps, and the keywords starting with a sign, `.` or `~`.
fn in_non_string_scalar(b: u8) -> bool {
    matches!(
        b,
        b'0'..=b'9'
            | b'a'..=b'f'
            | b'A'..=b'F'
            | b'x' | b'X' | b'o' | b'O' | b'i' | b'I' | b'n' | b'N' | b't' | b'T' | b'z' | b'Z'
            | b'_' | b'+' | b'-' | b'.' | b':' | b'~' | b' '
    )
}

/// An untagged plain scalar as [`resolve`] decodes it; `None` for the non-finite floats,
/// which only the full path reports.
pub(super) fn resolve_plain_scalar(text: &str) -> Option<Value> {
    match resolve_plain(text, true).1 {
        Value::String(s) if s.starts_with(NON_FINITE_MARK) => None,
        value => Some(value),
    }
}

fn resolve_plain(text: &str, try_timestamp: bool) -> (Resolved, Value) {
    if let Some(resolved) = keyword(text) {
        return resolved;
    }
    let Some(first) = text.bytes().next() else {
        return (Resolved::Null, Value::Null);
    };
    match first {
        b'.' => {
            if let Some(f) = go_parse_float(text) {
                return float(f);
            }
        }
        b'0'..=b'9' | b'+' | b'-' => {
            if try_timestamp && is_timestamp(text) {
                return (Resolved::Timestamp, Value::String(text.to_string()));
            }
            let plain = text.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                return (Resolved::Int, int(i));
            }
            if is_yaml_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return float(f);
            }
            // go-yaml then retries `0b`/`-0b` binary, which Go's base-0 ParseInt above
            // already accepts. Decimal integers beyond 64 bits matched the float pattern;
            // other out-of-range forms (`0x` with 17 digits) stay strings here, where
            // go-yaml would make a `big.Int`.
        }
        _ => {}
    }
    (Resolved::Str, Value::String(text.to_string()))
}

/// go-yaml's keywords: booleans, null (the empty text too) and the non-finite floats.
fn keyword(text: &str) -> Option<(Resolved, Value)> {
    // The longest keywords (`false`, `+.inf`) have five bytes; most text is longer, or
    // starts with a letter none of them does.
    let could_be = match text.as_bytes().first() {
        None => true,
        Some(first) => {
            text.len() <= 5
                && matches!(
                    first,
                    b'y' | b'Y'
                        | b'n'
                        | b'N'
                        | b't'
                        | b'T'
                        | b'f'
                        | b'F'
                        | b'o'
                        | b'O'
                        | b'~'
                        | b'.'
                        | b'+'
                        | b'-'
                )
        }
    };
    if !could_be {
        return None;
    }
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some((Resolved::Bool, Value::Bool(true)))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some((Resolved::Bool, Value::Bool(false)))
        }
        "" | "~" | "null" | "Null" | "NULL" => Some((Resolved::Null, Value::Null)),
        ".nan" | ".NaN" | ".NAN" => Some((Resolved::Float, non_finite("NaN"))),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            Some((Resolved::Float, non_finite("+Inf")))
        }
        "-.inf" | "-.Inf" | "-.INF" => Some((Resolved::Float, non_finite("-Inf"))),
        _ => None,
    }
}

fn non_finite(name: &str) -> Value {
    Value::String(format!("{NON_FINITE_MARK}{name}"))
}

fn float(f: f64) -> (Resolved, Value) {
    match Number::from_f64(f) {
        Some(n) => (Resolved::Float, Value::Number(n)),
        None => (
            Resolved::Float,
            non_finite(if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            }),
        ),
    }
}

fn int(i: i128) -> Value {
    if let Ok(v) = i64::try_from(i) {
        Value::from(v)
    } else if let Ok(v) = u64::try_from(i) {
        Value::from(v)
    } else {
        #[allow(clippy::cast_precision_loss)]
        Number::from_f64(i as f64).map_or(Value::Null, Value::Number)
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`: optional sign, `0x`,
/// `0o`, `0b` or leading-`0` octal prefixes; `None` when out of range or not a number.
fn go_parse_int(s: &str) -> Option<i128> {
    let (negative, body) = match s.as_bytes().first()? {
        b'+' => (false, s.get(1..)?),
        b'-' => (true, s.get(1..)?),
        _ => (false, s),
    };
    let (radix, digits) =
        if let Some(rest) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, rest)
        } else if let Some(rest) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, rest)
        } else if let Some(rest) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, rest)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, body.get(1..)?)
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    let value = if negative {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    // ParseInt's range for negatives, ParseUint's (no sign allowed) for large positives.
    if negative && value < i128::from(i64::MIN) {
        return None;
    }
    if !negative && value > i128::from(i64::MAX) && s.starts_with('+') {
        return None;
    }
    Some(value)
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms YAML floats take. Go also accepts
/// `inf`, hex floats and `_`, which the callers have ruled out or do not reach.
fn go_parse_float(s: &str) -> Option<f64> {
    if !is_yaml_float(s) {
        return None;
    }
    s.parse::<f64>().ok()
}

/// The shapes of go-yaml v2's `allowedTimestampFormats`: `YYYY-M-D`, optionally followed by
/// `T`/`t`/space and `H:M:S[.frac]` with an optional `Z` or `±HH:MM` zone (not for space).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let number = |i: &mut usize, min: usize, max: usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        (*i - start) >= min
    };
    if !number(&mut i, 4, 4) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if !number(&mut i, 1, 2) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if !number(&mut i, 1, 2) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let separator = b[i];
    if !matches!(separator, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    for part in 0..3 {
        if !number(&mut i, 1, 2) {
            return false;
        }
        if part < 2 {
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
        }
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !number(&mut i, 1, 9) {
            return false;
        }
    }
    if i == b.len() {
        return separator == b' ';
    }
    if separator == b' ' {
        return false;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i += 1;
            number(&mut i, 2, 2)
                && b.get(i) == Some(&b':')
                && {
                    i += 1;
                    number(&mut i, 2, 2)
                }
                && i == b.len()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn load(text: &str) -> Value {
        match yaml_to_json(text) {
            Ok(v) => v,
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    #[test]
    fn yaml_1_1_scalars_resolve_like_go_yaml_v2() {
        let cases: &[(&str, Value)] = &[
            ("15020", json!(15020)),
            ("1e+06", json!(1e6)),
            ("1.5", json!(1.5)),
            ("1.", json!(1.0)),
            (".5", json!(0.5)),
            ("true", json!(true)),
            ("yes", json!(true)),
            ("Y", json!(true)),
            ("On", json!(true)),
            ("Off", json!(false)),
            ("NO", json!(false)),
            ("", Value::Null),
            ("~", Value::Null),
            ("Null", Value::Null),
            ("0x1F", json!(31)),
            ("0o17", json!(15)),
            ("017", json!(15)),
            ("0b101", json!(5)),
            ("-0b101", json!(-5)),
            ("08", json!(8.0)),
            ("1_000", json!(1000)),
            ("-5", json!(-5)),
            ("+5", json!(5)),
            (
                "18446744073709551615",
                json!(18_446_744_073_709_551_615_u64),
            ),
            ("2001-12-14", json!("2001-12-14")),
            (
                "2001-12-14t21:59:43.10-05:00",
                json!("2001-12-14t21:59:43.10-05:00"),
            ),
            ("yes!", json!("yes!")),
            ("<no value>", json!("<no value>")),
            ("-5x", json!("-5x")),
            ("1:20", json!("1:20")),
            (
                "$(POD_NAMESPACE).svc.cluster.local",
                json!("$(POD_NAMESPACE).svc.cluster.local"),
            ),
        ];
        for (text, want) in cases {
            let doc = format!("k: {text}\n");
            assert_eq!(load(&doc), json!({"k": want}), "{text:?}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        assert_eq!(
            load("a: \"15001\"\nb: 'true'\nc: |\n  {}\nd: >-\n  x\n  y\ne: \"\"\n"),
            json!({"a": "15001", "b": "true", "c": "{}\n", "d": "x y", "e": ""})
        );
    }

    #[test]
    fn explicit_tags() {
        assert_eq!(
            load("a: !!str 1\nb: !!int \"12\"\nc: !!float 3\nd: !!binary aGVsbG8=\ne: !custom 5\n"),
            json!({"a": "1", "b": 12, "c": 3.0, "d": "hello", "e": "5"})
        );
        assert_eq!(
            yaml_to_json("a: !!int abc\n").unwrap_err(),
            "error converting YAML to JSON: yaml: cannot decode !!str `abc` as a !!int"
        );
    }

    #[test]
    fn non_finite_floats_cannot_become_json() {
        assert_eq!(
            yaml_to_json("a: [.inf]\n").unwrap_err(),
            "error converting YAML to JSON: json: unsupported value: +Inf"
        );
    }

    #[test]
    fn keys_become_strings() {
        assert_eq!(
            load("1: a\ntrue: b\n1.5: c\n0.1: d\nx: e\n"),
            json!({"1": "a", "true": "b", "1.5": "c", "0.1": "d", "x": "e"})
        );
        assert!(
            yaml_to_json("~: a\n")
                .unwrap_err()
                .contains("unsupported map key")
        );
        assert!(
            yaml_to_json("? [a]\n: b\n")
                .unwrap_err()
                .contains("invalid map key")
        );
    }

    #[test]
    fn float_keys_use_32_bit_precision() {
        assert_eq!(format_float_g32(0.1), "0.1");
        assert_eq!(format_float_g32(1e21), "1e+21");
        assert_eq!(format_float_g32(123456789.0), "1.2345679e+08");
        assert_eq!(format_float_g32(15020.0), "15020");
        assert_eq!(format_float_g32(0.00001), "1e-05");
    }

    #[test]
    fn yaml_1_1_boolean_keys() {
        // The classic go-yaml v2 surprise: an unquoted `y` or `on` key is a boolean.
        assert_eq!(
            load(
                "y: 1
on: 2
'n': 3
"
            ),
            json!({"true": 2, "n": 3})
        );
    }

    #[test]
    fn duplicate_keys_last_wins() {
        assert_eq!(load("a: 1\na: 2\n"), json!({"a": 2}));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "base: &b {p: 1, q: 2}\nother: &o {q: 3, r: 4}\n\
                    one:\n  <<: *b\n  q: 9\nmany:\n  w: 0\n  p: 5\n  <<: [*b, *o]\nlist: [*b]\n";
        assert_eq!(
            load(text),
            json!({
                "base": {"p": 1, "q": 2},
                "other": {"q": 3, "r": 4},
                "one": {"p": 1, "q": 9},
                // The merge overwrites `p` written before it; the first listed map wins `q`.
                "many": {"w": 0, "p": 1, "q": 2, "r": 4},
                "list": [{"p": 1, "q": 2}],
            })
        );
        assert!(
            yaml_to_json("a: *nope\n")
                .unwrap_err()
                .contains("unknown anchor 'nope'")
        );
        assert!(
            yaml_to_json("a: &x [*x]\n")
                .unwrap_err()
                .contains("contains itself")
        );
        assert!(
            yaml_to_json("a:\n  <<: 3\n")
                .unwrap_err()
                .contains("map merge requires")
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert_eq!(
            yaml_to_json(&text).unwrap_err(),
            "error converting YAML to JSON: yaml: document contains excessive aliasing"
        );
    }

    #[test]
    fn documents() {
        assert_eq!(load(""), Value::Null);
        assert_eq!(load("# only a comment\n"), Value::Null);
        assert_eq!(load("a: 1\n---\nb: [\n"), json!({"a": 1}));
        assert_eq!(load("--- 3\n"), json!(3));
    }

    #[test]
    fn syntax_errors_carry_go_yaml_text() {
        let err = yaml_to_json("a:\n  b: c\n d: e\n").unwrap_err();
        assert!(
            err.starts_with("error converting YAML to JSON: yaml: line "),
            "{err}"
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        assert!(
            yaml_to_json(&text)
                .unwrap_err()
                .contains("exceeded max depth")
        );
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(yaml_to_json(&ok).is_ok());
    }

    /// go-yaml v2's keywords, each in the capitalisations it accepts.
    const KEYWORDS: [&str; 39] = [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];

    #[test]
    fn every_keyword_is_found() {
        for keyword_text in KEYWORDS {
            assert!(keyword(keyword_text).is_some(), "{keyword_text:?}");
        }
    }

    proptest! {
        /// Nothing else is a keyword (the quick rejections included).
        #[test]
        fn only_keywords_are_keywords(s in "[a-zA-Z.+~-]{0,6}") {
            prop_assert_eq!(keyword(&s).is_some(), KEYWORDS.contains(&s.as_str()));
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = yaml_to_json(&s);
        }

        /// The shortcut answers as the full resolution does.
        #[test]
        fn resolves_to_string_shortcut(s in "[a-zA-Z0-9.+~_:-]{0,10}") {
            prop_assert_eq!(resolves_to_string(&s), resolve_plain(&s, true).0 == Resolved::Str);
        }

        /// The same on the shapes that resolve to something else (integers in every base,
        /// floats, timestamps, the non-finite keywords), with any printable character put
        /// anywhere in them or not.
        #[test]
        fn resolves_to_string_shortcut_on_number_shapes(
            shape in prop_oneof![
                "[-+]?(0[xXoObB]?)?[0-9a-fA-F_]{1,8}",
                "[-+]?[0-9]{0,4}\\.?[0-9]{0,4}([eE][-+]?[0-9]{1,3})?",
                "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]{1,4})?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?",
                "[-+]?\\.?(inf|Inf|INF|nan|NaN|NAN|~)",
            ],
            extra in "[ -~]?",
            at in any::<proptest::sample::Index>(),
        ) {
            let mut s = shape;
            s.insert_str(at.index(s.len() + 1), &extra);
            prop_assert_eq!(resolves_to_string(&s), resolve_plain(&s, true).0 == Resolved::Str);
        }

        #[test]
        fn yaml_ish_text_never_panics(s in "[a-z:\\-\\[\\]{}&*!|>'\"#,? \n]{0,80}") {
            let _ = yaml_to_json(&s);
        }

        #[test]
        fn plain_words_read_back(s in "[a-z][a-z0-9./_-]{0,20}") {
            let v = load(&format!("k: {s}\n"));
            let got = v.get("k").cloned().unwrap_or(Value::Null);
            if !matches!(got, Value::Bool(_) | Value::Null) {
                prop_assert_eq!(got, Value::String(s));
            }
        }
    }
}

//! Istio's `toYaml`: `sigs.k8s.io/yaml.Marshal`, i.e. Go JSON read back by go-yaml v2 and
//! written by its encoder.
//!
//! The go-yaml v2 rules reproduced here: map keys sorted in go-yaml's "natural" order
//! (digit runs compared as numbers, letters after other characters); JSON numbers become
//! YAML ints when Go's JSON text is an integer, floats otherwise (printed like
//! `strconv.FormatFloat(f, 'g', -1, 64)`); strings are literal blocks when they hold a
//! newline, plain when YAML 1.1 would read them back as the same string (not a bool, number,
//! null, timestamp or base-60 float), double-quoted otherwise — and libyaml's emitter, as in
//! go-yaml, falls back to single or double quotes when plain text is not allowed.

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

use super::decode::resolves_to_string;
use super::libyaml::{Emit, EventEmitter, ScalarStyle};

/// `yaml.Marshal` of a value already in its Go JSON form.
pub fn to_yaml(value: &Value) -> Result<String, String> {
    match super::block::to_yaml(value) {
        Ok(text) => Ok(text),
        Err(super::block::Unsupported) => libyaml_to_yaml(value),
    }
}

/// [`to_yaml`] through libyaml's emitter, which handles every value.
pub(crate) fn libyaml_to_yaml(value: &Value) -> Result<String, String> {
    let mut emitter = EventEmitter::new()?;
    write(&mut emitter, value)?;
    emitter.finish()
}

fn write(e: &mut EventEmitter, value: &Value) -> Result<(), String> {
    match value {
        Value::Null => scalar(e, "null", ScalarStyle::Plain),
        Value::Bool(b) => scalar(e, if *b { "true" } else { "false" }, ScalarStyle::Plain),
        Value::Number(n) => scalar(e, &number_text(n), ScalarStyle::Plain),
        Value::String(s) => scalar(e, s, string_style(s)),
        Value::Array(items) => {
            e.emit(Emit::SequenceStart)?;
            for item in items {
                write(e, item)?;
            }
            e.emit(Emit::SequenceEnd)
        }
        Value::Object(map) => {
            e.emit(Emit::MappingStart)?;
            for (key, item) in sorted_entries(map) {
                scalar(e, key, string_style(key))?;
                write(e, item)?;
            }
            e.emit(Emit::MappingEnd)
        }
    }
}

/// A mapping's entries in go-yaml's key order.
fn sorted_entries(map: &Map<String, Value>) -> Vec<(&str, &Value)> {
    let mut entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    sort_entries(&mut entries);
    entries
}

/// Puts a mapping's entries in go-yaml's key order.
pub(super) fn sort_entries(entries: &mut [(&str, &Value)]) {
    entries.sort_by(|a, b| natural_order(a.0, b.0));
}

fn scalar(e: &mut EventEmitter, value: &str, style: ScalarStyle) -> Result<(), String> {
    e.emit(Emit::Scalar { value, style })
}

/// go-yaml v2's `stringv` style choice.
pub(super) fn string_style(s: &str) -> ScalarStyle {
    if s.contains('\n') {
        ScalarStyle::Literal
    } else {
        single_line_style(s)
    }
}

/// [`string_style`] of a string known to hold no line break.
pub(super) fn single_line_style(s: &str) -> ScalarStyle {
    if resolves_to_string(s) && !is_base60_float(s) {
        ScalarStyle::Plain
    } else {
        ScalarStyle::DoubleQuoted
    }
}

/// The text go-yaml prints for a JSON number after reading Go's JSON text back: integers
/// that fit 64 bits as integers, everything else through `%g`.
pub(super) fn number_text(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    // Go's JSON writes integral floats below 1e21 as digits, which YAML reads as an int
    // when it fits 64 bits.
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
            #[allow(clippy::cast_possible_truncation)] // range checked above
            return (f as i64).to_string();
        }
        if (0.0..1.844_674_407_370_955_2e19).contains(&f) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return (f as u64).to_string();
        }
    }
    crate::golang::strconv::format_float(f, b'g', -1)
}

/// go-yaml v2's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`,
/// which YAML 1.1 readers would take for a number.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // `[0-5]?[0-9]`
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml v2's `keyList.Less` for string keys: runs of digits compare by value, a letter
/// sorts after a non-letter, otherwise code points compare.
pub fn natural_order(a: &str, b: &str) -> Ordering {
    // Most keys first differ at an ASCII letter (`image`, `name`, `ports`): a letter there
    // decides, whatever came before. The bytes before are the same text, so the byte found
    // is where the runes differ too.
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if let Some((&p, &q)) = x.iter().zip(y).find(|(p, q)| p != q)
        && p.is_ascii()
        && q.is_ascii()
    {
        match (p.is_ascii_alphabetic(), q.is_ascii_alphabetic()) {
            (true, true) => return p.cmp(&q),
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
    }
    // Keys are nearly always ASCII: compare bytes then, without collecting the runes (sorting
    // a pod's keys runs this thousands of times).
    if a.is_ascii() && b.is_ascii() {
        return natural_order_of(a.as_bytes(), b.as_bytes());
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    natural_order_of(&ar, &br)
}

/// A rune of a key: a byte of an ASCII key or a `char`.
trait Rune: Copy + Ord {
    fn to_char(self) -> char;
}

impl Rune for u8 {
    fn to_char(self) -> char {
        char::from(self)
    }
}

impl Rune for char {
    fn to_char(self) -> char {
        self
    }
}

fn natural_order_of<R: Rune>(ar: &[R], br: &[R]) -> Ordering {
    let digit = |c: &R| c.to_char().is_ascii_digit();
    // go-yaml reads a digit run onto an accumulator that starts at 1 when the run began
    // earlier with a non-zero digit (so that zeros inside a number are ordinary digits).
    let value = |rs: &[R], start: usize, seed: u128| -> (usize, u128) {
        let mut end = start;
        let mut n = seed;
        while let Some(c) = rs.get(end).filter(|c| digit(c)) {
            n = n
                .saturating_mul(10)
                .saturating_add(u128::from(u32::from(c.to_char()) - u32::from('0')));
            end += 1;
        }
        (end, n)
    };
    let mut i = 0;
    while let (Some(&ca), Some(&cb)) = (ar.get(i), br.get(i)) {
        if ca == cb {
            i += 1;
            continue;
        }
        let (al, bl) = (ca.to_char().is_alphabetic(), cb.to_char().is_alphabetic());
        if al && bl {
            return ca.cmp(&cb);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let zero = |c: R| c.to_char() == '0';
        let inside_number = (zero(ca) || zero(cb))
            && ar
                .get(..i)
                .unwrap_or(&[])
                .iter()
                .rev()
                .take_while(|c| digit(c))
                .any(|c| !zero(*c));
        let seed = u128::from(inside_number);
        let (ai, an) = value(ar, i, seed);
        let (bi, bn) = value(br, i, seed);
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ca.cmp(&cb);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::goyaml::decode::yaml_to_json;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn go_yaml_layout_and_quoting() {
        let v = json!({
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "2", "memory": "1Gi"},
        });
        assert_eq!(
            to_yaml(&v).unwrap(),
            "limits:\n  cpu: \"2\"\n  memory: 1Gi\nrequests:\n  cpu: 100m\n  memory: 128Mi\n"
        );
        let v = json!({"s": ["yes", "", "1.5", "2001-12-14", "1:20", "*", "a: b", "plain text",
                             "x\ny", "on", "15020"], "n": [15020, 1.5, 1e6, 1e21, true, null],
                       "e": {}, "l": []});
        assert_eq!(
            to_yaml(&v).unwrap(),
            // `n` is a YAML 1.1 boolean, so go-yaml quotes even the key.
            "e: {}\nl: []\n\"n\":\n- 15020\n- 1.5\n- 1000000\n- 1e+21\n- true\n- null\ns:\n\
             - \"yes\"\n- \"\"\n- \"1.5\"\n- \"2001-12-14\"\n- \"1:20\"\n- '*'\n- 'a: b'\n\
             - plain text\n- |-\n  x\n  y\n- \"on\"\n- \"15020\"\n"
        );
    }

    #[test]
    fn seccomp_profile_as_the_sidecar_template_writes_it() {
        assert_eq!(
            to_yaml(&json!({"type": "RuntimeDefault"})).unwrap(),
            "type: RuntimeDefault\n"
        );
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec![
            "a10", "a2", "a1", "b", "A", "_x", "1", "10", "9", "a01", "a001",
        ];
        // Zeros inside a number are digits: "a100" < "a105".
        assert_eq!(natural_order("a100", "a105"), Ordering::Less);
        keys.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            keys,
            vec![
                "_x", "1", "9", "10", "A", "a1", "a01", "a001", "a2", "a10", "b"
            ]
        );
    }

    #[test]
    fn base60() {
        assert!(is_base60_float("1:20"));
        assert!(is_base60_float("-190:20:30.15"));
        assert!(!is_base60_float("1:2a"));
        assert!(!is_base60_float("12"));
        assert!(!is_base60_float("1:60"));
    }

    /// JSON values with the scalars go-yaml writes in every style: indicators, keywords,
    /// non-ASCII, line breaks, lines long enough to fold.
    pub(in crate::goyaml) fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e12f64..1e12).prop_map(|f| json!(f)),
            "\\PC{0,12}".prop_map(Value::String),
            "[ a-z0-9:#'\"\\-\n*&!|>%@`,\\[\\]{}]{0,12}".prop_map(Value::String),
            "[ a-z0-9:#'\"\\\\\\-*&!|>%@`,.?\\[\\]{}]{0,30}".prop_map(Value::String),
            "[a-z ]{60,90}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z0-9 :#-]{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// What go-yaml reads back: integral floats come back as integers.
    fn canonical(v: &Value) -> Value {
        match v {
            Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(0.0);
                if f.fract() == 0.0 && f.abs() < 9e18 {
                    json!(f as i64)
                } else {
                    v.clone()
                }
            }
            Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
            }
            other => other.clone(),
        }
    }

    proptest! {
        /// The byte path for ASCII keys orders exactly as the rune path.
        #[test]
        fn ascii_fast_path_agrees(a in "[a-zA-Z0-9_./ -]{0,8}", b in "[a-zA-Z0-9_./ -]{0,8}") {
            let ar: Vec<char> = a.chars().collect();
            let br: Vec<char> = b.chars().collect();
            prop_assert_eq!(natural_order(&a, &b), natural_order_of(&ar, &br));
        }

        /// The same with letters and digits outside ASCII (`é`, `ß`, Arabic-Indic digits).
        #[test]
        fn fast_paths_agree_beyond_ascii(a in "[a-c0-2_é ß٣-]{0,6}", b in "[a-c0-2_é ß٣-]{0,6}") {
            let ar: Vec<char> = a.chars().collect();
            let br: Vec<char> = b.chars().collect();
            prop_assert_eq!(natural_order(&a, &b), natural_order_of(&ar, &br));
        }

        #[test]
        fn written_yaml_reads_back(v in json_value()) {
            let text = to_yaml(&v).map_err(TestCaseError::fail)?;
            let back = yaml_to_json(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(canonical(&back), canonical(&v), "{}", text);
        }
    }
}

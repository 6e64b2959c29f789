//! How Go's `text/template` and `fmt` treat the values the stock templates read.
//!
//! `.Values` is a `map[string]any` decoded from JSON, so every number is a `float64`,
//! a missing key evaluates to "no value", and comparing values of different kinds is an
//! error. These helpers reproduce exactly the behaviours the stock templates depend on.

use serde_json::Value;

/// `fmt.Sprint(v)` / `%v` of a float64: Go's shortest `%g` (exponent form from 1e+06 up and
/// below 1e-04), e.g. `15020`, `1e+06`, `1.5`, `1e-05`.
pub(crate) fn format_float(f: f64) -> String {
    crate::golang::strconv::format_float(f, b'g', -1)
}

/// Go's `%v` of an integer read as a float64: [`format_float`], which for integers below a
/// million in magnitude is their decimal digits (`%g` switches to the exponent form at 1e+06).
pub(crate) fn print_int(n: i64) -> String {
    let mut magnitude = n.unsigned_abs();
    if magnitude >= 1_000_000 {
        return format_float(n as f64);
    }
    // At most six digits and a sign, written without `fmt` (slow in wasm).
    let mut digits = [0u8; 7];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if n < 0 {
        start -= 1;
        digits[start] = b'-';
    }
    digits[start..].iter().map(|&b| char::from(b)).collect()
}

/// What `{{ v }}` (or `fmt.Sprint` of a value) prints; no value prints as `<no value>`.
pub(crate) fn print(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "<no value>".to_string(),
        Some(v) => sprint_value(v),
    }
}

fn sprint_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&print_int(i)),
            None => out.push_str(&format_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Go's fmt prints maps with sorted keys.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                if let Some(value) = map.get(key) {
                    write_value(out, value);
                }
            }
            out.push(']');
        }
    }
}

/// Go template truthiness: nil, false, 0, "" and empty maps and lists are false.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
    }
}

/// The name Go would give a value's kind in an error message.
pub(crate) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

const INCOMPATIBLE: &str = "error calling eq: incompatible types for comparison";

/// `eq v "s"`: a missing value is simply unequal; a value of another kind is an error.
pub(crate) fn eq_str(v: Option<&Value>, s: &str) -> Result<bool, String> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::String(x)) => Ok(x == s),
        Some(other) => Err(format!("{INCOMPATIBLE} ({} and string)", kind_name(other))),
    }
}

/// `eq v true`: as [`eq_str`] for a bool literal.
pub(crate) fn eq_bool(v: Option<&Value>, b: bool) -> Result<bool, String> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(x)) => Ok(*x == b),
        Some(other) => Err(format!("{INCOMPATIBLE} ({} and bool)", kind_name(other))),
    }
}

/// Evaluates a field chain such as `.Values.global.proxy.statusPort` below `root`.
///
/// As in Go: a missing key yields no value (and so does every field after it), a `null`
/// part-way down is a nil-pointer error, and a field of a non-map is an error. A `null` at the
/// end is no value too.
pub(crate) fn lookup<'a>(
    root: Option<&'a Value>,
    path: &[&str],
) -> Result<Option<&'a Value>, String> {
    let mut cur = root;
    for key in path {
        cur = match cur {
            None => return Ok(None),
            Some(Value::Object(map)) => map.get(*key),
            Some(Value::Null) => return Err(nil_pointer_field(key)),
            Some(other) => return Err(field_of_non_map(key, other)),
        };
    }
    Ok(cur.filter(|v| !v.is_null()))
}

/// Go's error for `.key` on a nil value part-way down a path.
pub(crate) fn nil_pointer_field(key: &str) -> String {
    format!("nil pointer evaluating interface {{}}.{key}")
}

/// Go's error for `.key` on a value that is not a map.
pub(crate) fn field_of_non_map(key: &str, value: &Value) -> String {
    format!("can't evaluate field {key} in type {}", kind_name(value))
}

/// The dot (or `$key`) of one `range` iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeKey<'a> {
    Index(usize),
    Key(&'a str),
}

impl RangeKey<'_> {
    /// How `{{ $key }}` prints it.
    pub(crate) fn print(&self) -> String {
        match self {
            RangeKey::Index(i) => i.to_string(),
            RangeKey::Key(k) => (*k).to_string(),
        }
    }
}

/// The iterations of `range v`: lists in order, maps by sorted key, nothing for no value.
/// Anything else (a string, a number, a bool) cannot be ranged over in Go.
pub(crate) fn range_items(v: Option<&Value>) -> Result<Vec<(RangeKey<'_>, &Value)>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, item)| (RangeKey::Index(i), item))
            .collect()),
        Some(Value::Object(map)) => {
            let mut items: Vec<(RangeKey<'_>, &Value)> = map
                .iter()
                .map(|(k, v)| (RangeKey::Key(k.as_str()), v))
                .collect();
            items.sort_by_key(|item| item.0.print());
            Ok(items)
        }
        Some(other) => Err(format!("range can't iterate over {}", sprint_value(other))),
    }
}

/// Istio's `fromJSON`: the parsed JSON, or the **string** `"{}"` when it does not parse.
pub(crate) fn from_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String("{}".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_like_go() {
        let cases: &[(f64, &str)] = &[
            (15020.0, "15020"),
            (0.0, "0"),
            (1e6, "1e+06"),
            (100000.0, "100000"),
            (123456789.0, "1.23456789e+08"),
            (1.5, "1.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (600.0, "600"),
            (0.1, "0.1"),
            (15.25, "15.25"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float(*f), *want, "{f}");
        }
    }

    #[test]
    fn integers_print_as_their_float64_does() {
        let edges = [
            0, 1, -1, 9, 10, 99_999, 100_000, 999_999, 1_000_000, 1_000_001,
        ];
        let around = edges.iter().flat_map(|n| [*n, -*n]);
        let strided = (-1_100_000..=1_100_000).step_by(997);
        for n in around.chain(strided).chain([i64::MAX, i64::MIN, 1 << 53]) {
            assert_eq!(print_int(n), format_float(n as f64), "{n}");
        }
    }

    #[test]
    fn sprint_and_print() {
        assert_eq!(print(None), "<no value>");
        assert_eq!(print(Some(&Value::Null)), "<no value>");
        assert_eq!(print(Some(&json!(15020))), "15020");
        assert_eq!(print(Some(&json!(true))), "true");
        assert_eq!(
            print(Some(&json!({"b": [1, "x"], "a": null}))),
            "map[a:<nil> b:[1 x]]"
        );
    }

    #[test]
    fn truthiness() {
        assert!(!truthy(None));
        assert!(!truthy(Some(&json!(0))));
        assert!(!truthy(Some(&json!(""))));
        assert!(!truthy(Some(&json!({}))));
        assert!(!truthy(Some(&json!([]))));
        assert!(truthy(Some(&json!("false"))));
        assert!(truthy(Some(&json!(0.5))));
    }

    #[test]
    fn comparisons() {
        assert_eq!(eq_str(None, "x"), Ok(false));
        assert_eq!(eq_str(Some(&json!("x")), "x"), Ok(true));
        assert!(eq_str(Some(&json!(1)), "x").is_err());
        assert_eq!(eq_bool(Some(&json!(true)), true), Ok(true));
        assert!(eq_bool(Some(&json!("true")), true).is_err());
    }

    #[test]
    fn lookups_follow_go() {
        let root = json!({"global": {"proxy": {"statusPort": 15020}, "n": null, "s": "x"}});
        let r = Some(&root);
        assert_eq!(
            lookup(r, &["global", "proxy", "statusPort"]),
            Ok(Some(&json!(15020)))
        );
        assert_eq!(lookup(r, &["global", "missing", "deeper"]), Ok(None));
        assert_eq!(lookup(r, &["global", "n"]), Ok(None));
        assert!(lookup(r, &["global", "n", "x"]).is_err());
        assert!(lookup(r, &["global", "s", "x"]).is_err());
    }

    #[test]
    fn ranges() {
        let v = json!({"b": 1, "a": 2});
        let keys: Vec<String> = range_items(Some(&v))
            .unwrap_or_default()
            .iter()
            .map(|(k, _)| k.print())
            .collect();
        assert_eq!(keys, ["a", "b"]);
        assert!(range_items(Some(&json!("{}"))).is_err());
        assert_eq!(range_items(None).map(|v| v.len()), Ok(0));
        assert_eq!(from_json("not json"), json!("{}"));
    }
}

//! A structural diff of two JSON documents that reads well for Pods: the paths that differ,
//! with the expected and the actual value.
//!
//! Lists whose items are all objects with distinct `name`s (containers, env, volumes …) are
//! matched by name, so one missing env var is one difference rather than a shift of every
//! later item; a different order of the same names is reported once. Lists of scalars
//! (args, command) are reported whole when they differ. Numbers compare by value (`1` equals
//! `1.0`), as they do once Go has decoded them.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value};

/// One place where the two documents differ. `None` means the field is absent on that side.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: String,
    pub expected: Option<Value>,
    pub got: Option<Value>,
}

/// Longest rendering of one value in a report line.
const VALUE_WIDTH: usize = 240;

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.path,
            show(self.expected.as_ref()),
            show(self.got.as_ref())
        )
    }
}

fn show(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "(absent)".into();
    };
    let text = value.to_string();
    if text.chars().count() <= VALUE_WIDTH {
        return text;
    }
    let cut: String = text.chars().take(VALUE_WIDTH).collect();
    format!("{cut}…")
}

/// Every difference between `expected` and `got`, in document order of `expected`.
pub fn diff(expected: &Value, got: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut path = String::new();
    walk(&mut path, expected, got, &mut out);
    out
}

/// The first difference, for a one-line report: `what` names the compared documents;
/// `None` when they are equal (numbers compared by value).
pub fn first_difference(what: &str, expected: &Value, got: &Value) -> Option<String> {
    diff(expected, got)
        .first()
        .map(|difference| format!("{what}: {difference}"))
}

fn walk(path: &mut String, expected: &Value, got: &Value, out: &mut Vec<Difference>) {
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => walk_objects(path, e, g, out),
        (Value::Array(e), Value::Array(g)) => walk_arrays(path, e, g, out),
        (Value::Number(e), Value::Number(g)) => {
            if e != g && e.as_f64() != g.as_f64() {
                push(path, Some(expected), Some(got), out);
            }
        }
        _ => {
            if expected != got {
                push(path, Some(expected), Some(got), out);
            }
        }
    }
}

fn walk_objects(
    path: &mut String,
    expected: &Map<String, Value>,
    got: &Map<String, Value>,
    out: &mut Vec<Difference>,
) {
    for (key, e) in expected {
        let len = path.len();
        push_key(path, key);
        match got.get(key) {
            Some(g) => walk(path, e, g, out),
            None => push(path, Some(e), None, out),
        }
        path.truncate(len);
    }
    for (key, g) in got {
        if !expected.contains_key(key) {
            let len = path.len();
            push_key(path, key);
            push(path, None, Some(g), out);
            path.truncate(len);
        }
    }
}

fn walk_arrays(path: &mut String, expected: &[Value], got: &[Value], out: &mut Vec<Difference>) {
    if let (Some(e_names), Some(g_names)) = (item_names(expected), item_names(got)) {
        walk_named(path, expected, &e_names, got, &g_names, out);
        return;
    }
    let scalars = |items: &[Value]| items.iter().all(|v| !v.is_object() && !v.is_array());
    if scalars(expected) && scalars(got) {
        let same = expected.len() == got.len()
            && expected.iter().zip(got).all(|(e, g)| diff(e, g).is_empty());
        if !same {
            push(
                path,
                Some(&Value::Array(expected.to_vec())),
                Some(&Value::Array(got.to_vec())),
                out,
            );
        }
        return;
    }
    for index in 0..expected.len().max(got.len()) {
        let len = path.len();
        path.push_str(&format!("[{index}]"));
        match (expected.get(index), got.get(index)) {
            (Some(e), Some(g)) => walk(path, e, g, out),
            (e, g) => push(path, e, g, out),
        }
        path.truncate(len);
    }
}

fn walk_named(
    path: &mut String,
    expected: &[Value],
    e_names: &[&str],
    got: &[Value],
    g_names: &[&str],
    out: &mut Vec<Difference>,
) {
    let got_by_name: HashMap<&str, &Value> = g_names.iter().copied().zip(got).collect();
    let expected_names: HashMap<&str, ()> = e_names.iter().map(|n| (*n, ())).collect();
    for (name, e) in e_names.iter().zip(expected) {
        let len = path.len();
        path.push_str(&format!("[{name}]"));
        match got_by_name.get(name) {
            Some(g) => walk(path, e, g, out),
            None => push(path, Some(e), None, out),
        }
        path.truncate(len);
    }
    for (name, g) in g_names.iter().zip(got) {
        if !expected_names.contains_key(name) {
            let len = path.len();
            path.push_str(&format!("[{name}]"));
            push(path, None, Some(g), out);
            path.truncate(len);
        }
    }
    let common_expected: Vec<&str> = e_names
        .iter()
        .copied()
        .filter(|n| got_by_name.contains_key(n))
        .collect();
    let common_got: Vec<&str> = g_names
        .iter()
        .copied()
        .filter(|n| expected_names.contains_key(n))
        .collect();
    if common_expected != common_got {
        let names = |names: &[&str]| Value::Array(names.iter().map(|n| (*n).into()).collect());
        let len = path.len();
        path.push_str(" (order of names)");
        push(path, Some(&names(e_names)), Some(&names(g_names)), out);
        path.truncate(len);
    }
}

/// The `name` of every item, when every item is an object with a distinct string name.
fn item_names(items: &[Value]) -> Option<Vec<&str>> {
    let names = items
        .iter()
        .map(|item| item.get("name").and_then(Value::as_str))
        .collect::<Option<Vec<_>>>()?;
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    names.iter().all(|n| seen.insert(*n)).then_some(names)
}

fn push_key(path: &mut String, key: &str) {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("[{}]", Value::String(key.to_string())));
    }
}

fn push(path: &str, expected: Option<&Value>, got: Option<&Value>, out: &mut Vec<Difference>) {
    out.push(Difference {
        path: if path.is_empty() {
            "(root)".into()
        } else {
            path.to_string()
        },
        expected: expected.cloned(),
        got: got.cloned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(expected: Value, got: Value) -> Vec<String> {
        diff(&expected, &got).into_iter().map(|d| d.path).collect()
    }

    #[test]
    fn equal_documents_have_no_differences_whatever_the_key_order() {
        let a = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}});
        let b = json!({"b": {"d": "x", "c": [1, 2]}, "a": 1.0});
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn missing_extra_and_changed_fields_are_named_by_path() {
        let d = diff(
            &json!({"metadata": {"annotations": {"sidecar.istio.io/status": "x", "a": "1"}}}),
            &json!({"metadata": {"annotations": {"a": "2"}, "labels": {}}}),
        );
        let lines = d.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(
            lines,
            vec![
                r#"metadata.annotations["sidecar.istio.io/status"]: expected "x", got (absent)"#,
                r#"metadata.annotations.a: expected "1", got "2""#,
                "metadata.labels: expected (absent), got {}",
            ]
        );
    }

    #[test]
    fn named_items_are_matched_by_name() {
        let expected = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"},
                                      {"name": "C", "value": "3"}]});
        let got = json!({"env": [{"name": "A", "value": "1"}, {"name": "C", "value": "4"}]});
        let d = diff(&expected, &got);
        assert_eq!(
            d.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![
                r#"env[B]: expected {"name":"B","value":"2"}, got (absent)"#,
                r#"env[C].value: expected "3", got "4""#,
            ]
        );
    }

    #[test]
    fn reordered_names_are_one_difference() {
        assert_eq!(
            paths(
                json!({"containers": [{"name": "app"}, {"name": "istio-proxy"}]}),
                json!({"containers": [{"name": "istio-proxy"}, {"name": "app"}]}),
            ),
            vec!["containers (order of names)"]
        );
    }

    #[test]
    fn scalar_lists_are_reported_whole_and_other_lists_by_index() {
        let d = diff(
            &json!({"args": ["a", "b"]}),
            &json!({"args": ["a", "c", "d"]}),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].to_string(),
            r#"args: expected ["a","b"], got ["a","c","d"]"#
        );
        assert_eq!(
            paths(
                json!({"ports": [{"containerPort": 80}, {"containerPort": 81}]}),
                json!({"ports": [{"containerPort": 80}]}),
            ),
            vec!["ports[1]"]
        );
    }

    #[test]
    fn long_values_are_shortened() {
        let long = "x".repeat(1000);
        let text = diff(&json!(long), &json!("y")).remove(0).to_string();
        assert!(text.len() < 300 && text.contains('…'), "{text}");
        assert!(text.starts_with("(root): expected"), "{text}");
    }

    fn json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-3i64..3).prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(("(name|[a-c])", inner), 0..4)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn no_differences_exactly_when_equal(a in json(), b in json()) {
            proptest::prop_assert!(diff(&a, &a).is_empty());
            proptest::prop_assert_eq!(diff(&a, &b).is_empty(), a == b);
        }
    }
}

//! Kubernetes label selectors (`metav1.LabelSelector`), as Istio's injector uses them for
//! `neverInjectSelector` / `alwaysInjectSelector`.
//!
//! Parsing follows Go's `encoding/json` (unknown keys ignored, field names matched
//! case-insensitively, `null` meaning "unset"). Validation happens when matching, as
//! apimachinery's `LabelSelectorAsSelector` does: an invalid selector is an error there, which
//! Istio logs before skipping the selector.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::ConfigError;

/// A `metav1.LabelSelector`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// A `metav1.LabelSelectorRequirement`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Reads a selector from JSON (`null` is the empty selector). Errors name the field
    /// relative to the selector (`matchExpressions[0].values[1]`).
    pub fn from_json(v: &Value) -> Result<LabelSelector, ConfigError> {
        let mut selector = LabelSelector::default();
        let object = match v {
            Value::Null => return Ok(selector),
            Value::Object(object) => object,
            other => return Err(type_error("", "an object", other)),
        };
        for (key, value) in object {
            match go_field_name(key, &["matchLabels", "matchExpressions"]) {
                Some("matchLabels") => {
                    selector.match_labels = string_map(value, "matchLabels")?;
                }
                Some("matchExpressions") => {
                    selector.match_expressions = match value {
                        Value::Null => Vec::new(),
                        Value::Array(items) => items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| {
                                LabelSelectorRequirement::from_json(
                                    item,
                                    &format!("matchExpressions[{i}]"),
                                )
                            })
                            .collect::<Result<_, _>>()?,
                        other => return Err(type_error("matchExpressions", "a list", other)),
                    };
                }
                _ => {}
            }
        }
        Ok(selector)
    }

    /// True when the selector has neither labels nor expressions. Such a selector matches
    /// everything; Istio skips it rather than letting it decide for every pod.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` (a pod's `metadata.labels`) satisfy every requirement. `Err` means
    /// the selector is invalid under apimachinery's `LabelSelectorAsSelector` rules: an
    /// unknown operator, `In`/`NotIn` without values, `Exists`/`DoesNotExist` with values, or
    /// a key or value that is not valid label syntax.
    pub fn matches(&self, labels: &Map<String, Value>) -> Result<bool, String> {
        self.validate()?;
        let label = |key: &str| labels.get(key);
        let all_labels = self
            .match_labels
            .iter()
            .all(|(key, wanted)| label(key).is_some_and(|v| v.as_str() == Some(wanted.as_str())));
        if !all_labels {
            return Ok(false);
        }
        Ok(self.match_expressions.iter().all(|r| {
            let value = label(&r.key);
            let in_values = || {
                value
                    .and_then(Value::as_str)
                    .is_some_and(|v| r.values.iter().any(|w| w == v))
            };
            match r.operator.as_str() {
                "In" => in_values(),
                "NotIn" => !in_values(),
                "Exists" => value.is_some(),
                // validate() admitted only the four operators.
                _ => value.is_none(),
            }
        }))
    }

    /// apimachinery's checks (`NewRequirement` for each label and expression).
    fn validate(&self) -> Result<(), String> {
        for (key, value) in &self.match_labels {
            validate_label_key(key)?;
            validate_label_value(key, value)?;
        }
        for r in &self.match_expressions {
            match r.operator.as_str() {
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            }
            validate_label_key(&r.key)?;
            match r.operator.as_str() {
                "In" | "NotIn" if r.values.is_empty() => {
                    return Err(format!(
                        "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty (key {:?})",
                        r.key
                    ));
                }
                "Exists" | "DoesNotExist" if !r.values.is_empty() => {
                    return Err(format!(
                        "values: Invalid value: {:?}: values set must be empty for exists and does not exist (key {:?})",
                        r.values, r.key
                    ));
                }
                _ => {}
            }
            for value in &r.values {
                validate_label_value(&r.key, value)?;
            }
        }
        Ok(())
    }
}

impl LabelSelectorRequirement {
    fn from_json(v: &Value, path: &str) -> Result<LabelSelectorRequirement, ConfigError> {
        let mut requirement = LabelSelectorRequirement::default();
        let object = match v {
            Value::Null => return Ok(requirement),
            Value::Object(object) => object,
            other => return Err(type_error(path, "an object", other)),
        };
        for (key, value) in object {
            match go_field_name(key, &["key", "operator", "values"]) {
                Some("key") => requirement.key = string(value, &format!("{path}.key"))?,
                Some("operator") => {
                    requirement.operator = string(value, &format!("{path}.operator"))?;
                }
                Some("values") => {
                    requirement.values = string_list(value, &format!("{path}.values"))?;
                }
                _ => {}
            }
        }
        Ok(requirement)
    }
}

/// The struct field a JSON key decodes into under Go's `encoding/json`: an exact match, else
/// an ASCII case-insensitive one.
pub fn go_field_name(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

fn type_error(path: &str, expected: &str, got: &Value) -> ConfigError {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    };
    ConfigError::new(path, format!("expected {expected}, got {kind}"))
}

/// A Go `string` field: `null` leaves it empty.
pub(crate) fn string(value: &Value, path: &str) -> Result<String, ConfigError> {
    match value {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        other => Err(type_error(path, "a string", other)),
    }
}

/// A Go `[]string` field: `null` is empty, `null` items are empty strings.
pub(crate) fn string_list(value: &Value, path: &str) -> Result<Vec<String>, ConfigError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string(item, &format!("{path}[{i}]")))
            .collect(),
        other => Err(type_error(path, "a list of strings", other)),
    }
}

/// A Go `map[string]string` field: `null` is empty, `null` values are empty strings.
pub(crate) fn string_map(
    value: &Value,
    path: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
    match value {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), string(v, &format!("{path}.{k}"))?)))
            .collect(),
        other => Err(type_error(path, "a map of strings", other)),
    }
}

/// `validation.IsQualifiedName`: `[prefix/]name`, prefix a DNS subdomain, name at most 63
/// characters of `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
fn validate_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let invalid = |why: &str| Err(format!("key: Invalid value: {key:?}: {why}"));
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return invalid("prefix part must be non-empty");
        }
        if !is_dns1123_subdomain(prefix) {
            return invalid(
                "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            );
        }
    }
    if name.is_empty() {
        return invalid("name part must be non-empty");
    }
    if name.len() > 63 {
        return invalid("name part must be no more than 63 characters");
    }
    if !is_qualified_name_part(name) {
        return invalid(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        );
    }
    Ok(())
}

/// `validation.IsValidLabelValue`: empty, or at most 63 characters of
/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
fn validate_label_value(key: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err(format!(
            "values: Invalid value: {value:?}: must be no more than 63 characters (key {key:?})"
        ));
    }
    if !is_qualified_name_part(value) {
        return Err(format!(
            "values: Invalid value: {value:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (key {key:?})"
        ));
    }
    Ok(())
}

fn is_qualified_name_part(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `IsDNS1123Subdomain`: at most 253 characters, dot-separated lowercase labels.
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let bytes = label.as_bytes();
            let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            bytes.first().is_some_and(alnum)
                && bytes.last().is_some_and(alnum)
                && bytes.iter().all(|b| alnum(b) || *b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn selector(v: Value) -> LabelSelector {
        LabelSelector::from_json(&v).unwrap()
    }

    #[test]
    fn match_table() {
        let pod =
            labels(json!({"app": "web", "tier": "frontend", "sidecar.istio.io/inject": "false"}));
        let cases = [
            (json!({"matchLabels": {"app": "web"}}), true),
            (json!({"matchLabels": {"app": "db"}}), false),
            (
                json!({"matchLabels": {"app": "web", "tier": "frontend"}}),
                true,
            ),
            (
                json!({"matchLabels": {"app": "web", "missing": "x"}}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["db", "web"]}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "missing", "operator": "In", "values": ["x"]}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "missing", "operator": "NotIn", "values": ["x"]}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "missing", "operator": "Exists"}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "missing", "operator": "DoesNotExist"}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "sidecar.istio.io/inject", "operator": "In", "values": ["false"]}]}),
                true,
            ),
            (
                json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["frontend"]}]}),
                false,
            ),
            (json!({}), true),
        ];
        for (sel, expected) in cases {
            assert_eq!(selector(sel.clone()).matches(&pod), Ok(expected), "{sel}");
        }
        assert!(selector(json!({})).is_empty());
        assert!(selector(json!(null)).is_empty());
        assert!(!selector(json!({"matchLabels": {"a": "b"}})).is_empty());
    }

    #[test]
    fn invalid_selectors_are_errors_when_matching() {
        let pod = labels(json!({"app": "web"}));
        let invalid = [
            (
                json!({"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]}),
                "not a valid label selector operator",
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "in", "values": ["web"]}]}),
                "not a valid label selector operator",
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}),
                "can't be empty",
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "NotIn"}]}),
                "can't be empty",
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["web"]}]}),
                "must be empty",
            ),
            (
                json!({"matchExpressions": [{"key": "bad key", "operator": "Exists"}]}),
                "key: Invalid value",
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["bad value"]}]}),
                "values: Invalid value",
            ),
            (
                json!({"matchLabels": {"-app": "web"}}),
                "key: Invalid value",
            ),
            (
                json!({"matchLabels": {"Example.COM/app": "web"}}),
                "prefix part",
            ),
            (
                json!({"matchLabels": {"app": "x".repeat(64)}}),
                "63 characters",
            ),
        ];
        for (sel, text) in invalid {
            let err = selector(sel.clone()).matches(&pod).unwrap_err();
            assert!(err.contains(text), "{sel}: {err}");
        }
        // Label keys with a DNS prefix and empty values are valid.
        let ok = selector(json!({"matchLabels": {"example.com/app": ""}}));
        assert_eq!(
            ok.matches(&labels(json!({"example.com/app": ""}))),
            Ok(true)
        );
    }

    #[test]
    fn parses_like_go_encoding_json() {
        let s = selector(json!({
            "MatchLabels": {"a": "b", "n": null},
            "matchexpressions": [{"Key": "k", "OPERATOR": "In", "values": ["v", null]}, null],
            "unknown": 1
        }));
        assert_eq!(s.match_labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(s.match_labels.get("n").map(String::as_str), Some(""));
        assert_eq!(
            s.match_expressions,
            vec![
                LabelSelectorRequirement {
                    key: "k".into(),
                    operator: "In".into(),
                    values: vec!["v".into(), String::new()]
                },
                LabelSelectorRequirement::default()
            ]
        );
    }

    #[test]
    fn parse_errors_name_the_field() {
        let cases = [
            (json!([]), ""),
            (json!({"matchLabels": []}), "matchLabels"),
            (json!({"matchLabels": {"a": 1}}), "matchLabels.a"),
            (json!({"matchExpressions": {}}), "matchExpressions"),
            (json!({"matchExpressions": [3]}), "matchExpressions[0]"),
            (
                json!({"matchExpressions": [{"key": 1}]}),
                "matchExpressions[0].key",
            ),
            (
                json!({"matchExpressions": [{"values": "a"}]}),
                "matchExpressions[0].values",
            ),
            (
                json!({"matchExpressions": [{"values": ["a", 2]}]}),
                "matchExpressions[0].values[1]",
            ),
        ];
        for (input, field) in cases {
            let err = LabelSelector::from_json(&input).unwrap_err();
            assert_eq!(err.field, field, "{input}");
        }
    }

    proptest! {
        #[test]
        fn matching_never_panics(key in ".{0,70}", value in ".{0,70}", op in "(In|NotIn|Exists|DoesNotExist|.{0,6})") {
            let s = selector(json!({
                "matchLabels": {key.clone(): value.clone()},
                "matchExpressions": [{"key": key.clone(), "operator": op, "values": [value.clone()]}]
            }));
            let _ = s.matches(&labels(json!({key: value})));
        }

        #[test]
        fn valid_label_selectors_match_their_own_labels(key in "[a-z]([a-z0-9.-]{0,20}[a-z0-9])?(/[A-Za-z0-9]{1,10})?", value in "([A-Za-z0-9]([A-Za-z0-9_.-]{0,20}[A-Za-z0-9])?)?") {
            // Not every generated prefix is a valid DNS subdomain.
            prop_assume!(!(key.contains("..") || key.contains(".-") || key.contains("-.")));
            let s = selector(json!({"matchLabels": {key.clone(): value.clone()}}));
            prop_assert_eq!(s.matches(&labels(json!({key.clone(): value.clone()}))), Ok(true));
            prop_assert_eq!(s.matches(&labels(json!({key: format!("{value}x-y")}))), Ok(false));
        }
    }
}

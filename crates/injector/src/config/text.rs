//! Reading a configuration document given as text (a ConfigMap value).
//!
//! Istio reads every configuration string through `sigs.k8s.io/yaml`, which accepts YAML and
//! therefore JSON. JSON is tried first because Helm writes the injector `values` as JSON and
//! serde_json is much faster than the YAML parser on the wasm hot path.

use serde_json::Value;

use crate::error::ConfigError;

/// Parses one YAML or JSON document into JSON. Empty (or whitespace/comment only) text gives
/// `Value::Null`, as `sigs.k8s.io/yaml` turns an empty document into `null`.
pub fn parse_document(text: &str) -> Result<Value, ConfigError> {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        return Ok(value);
    }
    if trimmed.is_empty() {
        return Ok(Value::Null);
    }
    // Most config text (a mesh, the injector config's small rest) is plain block YAML that
    // the direct reader takes without libyaml's machinery, whose set-up and event copies
    // cost more than the reading for a few hundred bytes.
    if let Ok(value) = crate::goyaml::read_common(text) {
        return Ok(value);
    }
    match serde_yaml_ng::from_str::<Value>(text) {
        Ok(value) => Ok(value),
        Err(err) => Err(ConfigError::new("", format!("invalid YAML: {err}"))),
    }
}

/// A short name for the JSON type of `value`, for error messages.
pub fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Joins a parent path and a child name into a dotted field path.
pub fn join_path(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

/// The path of the `index`-th item of the list at `parent`.
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_yaml_give_the_same_document() {
        let from_json = parse_document(r#"{"a": {"b": [1, "x"]}}"#).unwrap();
        let from_yaml = parse_document("a:\n  b:\n  - 1\n  - x\n").unwrap();
        assert_eq!(from_json, from_yaml);
        assert_eq!(from_json, json!({"a": {"b": [1, "x"]}}));
    }

    #[test]
    fn empty_text_is_null() {
        assert_eq!(parse_document("").unwrap(), Value::Null);
        assert_eq!(parse_document("  \n").unwrap(), Value::Null);
        assert_eq!(parse_document("# only a comment\n").unwrap(), Value::Null);
    }

    #[test]
    fn invalid_yaml_is_an_error_not_a_panic() {
        let err = parse_document("a: [1, 2\nb: {").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{err}");
        // Broken JSON falls back to YAML, which also rejects it.
        assert!(parse_document("{\"a\": ").is_err());
    }
}

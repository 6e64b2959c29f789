//! Reading Kubernetes objects from JSON or (multi-document) YAML files.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{HarnessError, Result};

/// Parses `text` as JSON when it looks like JSON, else as a stream of YAML documents.
/// Empty documents are skipped; `kind: List` documents are expanded into their items.
pub fn parse_documents(text: &str, what: &str) -> Result<Vec<Value>> {
    let trimmed = text.trim_start();
    let documents = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        vec![serde_json::from_str::<Value>(text).map_err(|e| HarnessError::input(what, e))?]
    } else {
        let mut documents = Vec::new();
        for document in serde_yaml_ng::Deserializer::from_str(text) {
            let value = Value::deserialize(document).map_err(|e| HarnessError::input(what, e))?;
            if !value.is_null() {
                documents.push(value);
            }
        }
        documents
    };
    let mut objects = Vec::with_capacity(documents.len());
    for document in documents {
        expand_list(document, &mut objects);
    }
    Ok(objects)
}

/// Reads and parses one file with [`parse_documents`].
pub fn read_documents(path: &Path) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path).map_err(|e| HarnessError::io(path, e))?;
    parse_documents(&text, &path.display().to_string())
}

/// Reads a single JSON or YAML document (a settings file, a request file).
pub fn read_value(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| HarnessError::io(path, e))?;
    parse_value(&text, &path.display().to_string())
}

/// Parses a single JSON or YAML document; an empty text is `null`.
pub fn parse_value(text: &str, what: &str) -> Result<Value> {
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| HarnessError::input(what, e))
}

fn expand_list(document: Value, out: &mut Vec<Value>) {
    let is_list =
        document.get("kind").and_then(Value::as_str) == Some("List") || document.is_array();
    if !is_list {
        out.push(document);
        return;
    }
    let items = match document {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("items") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    for item in items {
        expand_list(item, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_streams_skip_empty_documents_and_expand_lists() {
        let text = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\n\
                    apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, \
                    metadata: {name: b}}\n";
        let docs = parse_documents(text, "test").unwrap();
        let names = docs
            .iter()
            .map(|d| d.pointer("/metadata/name").cloned())
            .collect::<Vec<_>>();
        assert_eq!(names, vec![Some(json!("a")), Some(json!("b"))]);
    }

    #[test]
    fn json_is_read_as_one_document() {
        let docs = parse_documents(r#"{"kind":"Pod","metadata":{"name":"p"}}"#, "t").unwrap();
        assert_eq!(
            docs,
            vec![json!({"kind": "Pod", "metadata": {"name": "p"}})]
        );
    }

    #[test]
    fn broken_yaml_names_the_source() {
        let error = parse_documents("a: [unclosed", "broken.yaml").unwrap_err();
        assert!(error.to_string().starts_with("broken.yaml:"), "{error}");
    }
}

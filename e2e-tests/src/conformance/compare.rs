//! Comparing an injected Pod with Istio's golden Pod the way Istio's webhook test does: both
//! as typed Go Pods (unknown fields dropped, empty optional fields omitted, quantities
//! canonical), without the `sidecar.istio.io/status` annotation and with
//! `env[].valueFrom.fieldRef.apiVersion` blanked in `spec.containers`.

use injector::k8s::{NormalizeOptions, normalize_pod};
use serde_json::Value;

/// Istio's injection status annotation: it carries hashes and ordering that the golden test
/// does not compare.
const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";

/// Env vars whose value must be a JSON object of strings.
const METAJSON_PREFIX: &str = "ISTIO_METAJSON_";

/// The Pod as Go's `corev1.Pod` would encode it (unknown fields dropped, zero values written:
/// absent and zero compare equal, as they do in Go), with the fields the test ignores removed.
pub fn comparable_pod(pod: &Value) -> Result<Value, String> {
    let options = NormalizeOptions::go();
    let mut pod = normalize_pod(pod, &options).map_err(|e| e.to_string())?;
    remove_status_annotation(&mut pod);
    blank_field_ref_api_versions(&mut pod);
    Ok(pod)
}

fn remove_status_annotation(pod: &mut Value) {
    let Some(metadata) = pod.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let now_empty = match metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    {
        Some(annotations) => {
            annotations.shift_remove(STATUS_ANNOTATION);
            annotations.is_empty()
        }
        None => false,
    };
    // Go omits an empty annotations map.
    if now_empty {
        metadata.shift_remove("annotations");
    }
}

fn blank_field_ref_api_versions(pod: &mut Value) {
    let Some(containers) = pod
        .pointer_mut("/spec/containers")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for container in containers {
        let Some(env) = container.get_mut("env").and_then(Value::as_array_mut) else {
            continue;
        };
        for var in env {
            if let Some(field_ref) = var
                .pointer_mut("/valueFrom/fieldRef")
                .and_then(Value::as_object_mut)
            {
                field_ref.shift_remove("apiVersion");
            }
        }
    }
}

/// Istio's check that every `ISTIO_METAJSON_*` env value is a JSON object of strings.
pub fn check_metajson(pod: &Value) -> Result<(), String> {
    for list in ["containers", "initContainers"] {
        let Some(containers) = pod
            .pointer(&format!("/spec/{list}"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for container in containers {
            let Some(env) = container.get("env").and_then(Value::as_array) else {
                continue;
            };
            for var in env {
                let name = var.get("name").and_then(Value::as_str).unwrap_or_default();
                if !name.starts_with(METAJSON_PREFIX) {
                    continue;
                }
                let value = var.get("value").and_then(Value::as_str).unwrap_or_default();
                let parsed: Result<serde_json::Map<String, Value>, _> = serde_json::from_str(value);
                let all_strings = parsed
                    .as_ref()
                    .is_ok_and(|object| object.values().all(Value::is_string));
                if !all_strings {
                    let container = container
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    return Err(format!(
                        "{list}[{container}] env {name} is not a JSON object of strings: {value}"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_annotation_and_field_ref_api_version_are_ignored() {
        let mut pod = json!({"metadata": {"annotations": {STATUS_ANNOTATION: "{}"}},
            "spec": {"containers": [{"name": "c", "env": [
                {"name": "A", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                         "fieldPath": "metadata.name"}}}]}]}});
        remove_status_annotation(&mut pod);
        blank_field_ref_api_versions(&mut pod);
        assert_eq!(
            pod,
            json!({"metadata": {}, "spec": {"containers": [{"name": "c", "env": [
                {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}]}})
        );
    }

    #[test]
    fn other_annotations_stay() {
        let mut pod = json!({"metadata": {"annotations": {STATUS_ANNOTATION: "{}", "a": "b"}}});
        remove_status_annotation(&mut pod);
        assert_eq!(pod, json!({"metadata": {"annotations": {"a": "b"}}}));
    }

    #[test]
    fn metajson_values_must_be_objects_of_strings() {
        let pod = |value: &str| {
            json!({"spec": {"initContainers": [{"name": "istio-proxy", "env": [
                {"name": "ISTIO_METAJSON_ANNOTATIONS", "value": value}]}]}})
        };
        assert!(check_metajson(&pod(r#"{"a":"b"}"#)).is_ok());
        for bad in [r#"{"a":1}"#, "[]", "not json", ""] {
            let error = check_metajson(&pod(bad)).unwrap_err();
            assert!(error.contains("ISTIO_METAJSON_ANNOTATIONS"), "{error}");
        }
        assert!(check_metajson(&json!({"spec": {"containers": "x"}})).is_ok());
    }
}

//! The `sidecar.istio.io/status` annotation: written after injection, read on re-injection.

use super::containers::{self, CONTAINERS, INIT_CONTAINERS};
pub use crate::annotation::SIDECAR_STATUS as ANNOTATION;
use crate::error::InjectError;
use crate::golang::json as gojson;
use serde_json::{Map, Value};

/// Istio's `SidecarInjectionStatus`: what one injection added, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InjectionStatus {
    pub init_containers: Vec<String>,
    pub containers: Vec<String>,
    pub volumes: Vec<String>,
    pub image_pull_secrets: Vec<String>,
    pub revision: String,
}

impl InjectionStatus {
    /// The names in the template pod (the union of all applied templates), not in the final
    /// pod: that is what re-injection must strip. An empty revision means `default`.
    pub fn of_template(template_pod: &Value, revision: &str) -> InjectionStatus {
        let names = |field: &str| -> Vec<String> {
            containers::list(template_pod, field)
                .iter()
                .map(|item| containers::name(item).to_string())
                .collect()
        };
        InjectionStatus {
            init_containers: names(INIT_CONTAINERS),
            containers: names(CONTAINERS),
            volumes: names("volumes"),
            image_pull_secrets: names("imagePullSecrets"),
            revision: if revision.is_empty() {
                "default".to_string()
            } else {
                revision.to_string()
            },
        }
    }

    /// Go's `json.Marshal` of the struct: declaration order, `null` for empty lists.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("{\"initContainers\":");
        gojson::write_string_list(&mut out, &self.init_containers);
        out.push_str(",\"containers\":");
        gojson::write_string_list(&mut out, &self.containers);
        out.push_str(",\"volumes\":");
        gojson::write_string_list(&mut out, &self.volumes);
        out.push_str(",\"imagePullSecrets\":");
        gojson::write_string_list(&mut out, &self.image_pull_secrets);
        out.push_str(",\"revision\":");
        gojson::write_string(&mut out, &self.revision);
        out.push('}');
        out
    }

    /// Istio's `injectionStatus`: the annotation decoded into the typed struct. `None` when it
    /// does not decode (then the pod is treated as never injected, as Istio does).
    pub fn parse(text: &str) -> Option<InjectionStatus> {
        let value: Value = serde_json::from_str(text).ok()?;
        let object = match value {
            Value::Null => return Some(InjectionStatus::default()),
            Value::Object(object) => object,
            _ => return None,
        };
        Some(InjectionStatus {
            init_containers: typed_strings(&object, "initContainers")?,
            containers: typed_strings(&object, "containers")?,
            volumes: typed_strings(&object, "volumes")?,
            image_pull_secrets: typed_strings(&object, "imagePullSecrets")?,
            revision: match go_field(&object, "revision") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => return None,
            },
        })
    }
}

/// A struct field as Go's decoder finds it: the exact key, else a case-insensitive match.
fn go_field<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    object.get(field).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(field))
            .map(|(_, value)| value)
    })
}

/// A `[]string` field; `None` when Go's decoder would fail on it.
fn typed_strings(object: &Map<String, Value>, field: &str) -> Option<Vec<String>> {
    match go_field(object, field) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Some(s.clone()),
                // Go decodes null into a string element as "".
                Value::Null => Some(String::new()),
                _ => None,
            })
            .collect(),
        Some(_) => None,
    }
}

/// Container names listed by a previous injection (Istio's `parseStatus`, used when
/// re-applying user overrides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedNames {
    pub containers: Vec<String>,
    pub init_containers: Vec<String>,
}

/// Istio's `parseStatus`: undecodable JSON yields no names. A list holding something other than
/// names makes Istio's webhook crash on the request (the pod is refused); that becomes an error.
pub fn parse_names(text: &str) -> Result<ParsedNames, InjectError> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        return Ok(ParsedNames::default());
    };
    let names = |key: &str| -> Result<Vec<String>, InjectError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_string).ok_or_else(|| {
                        InjectError::InvalidPod(format!(
                            "annotation {ANNOTATION}: {key} must be a list of names"
                        ))
                    })
                })
                .collect(),
            Some(_) => Err(InjectError::InvalidPod(format!(
                "annotation {ANNOTATION}: {key} must be a list of names"
            ))),
        }
    };
    Ok(ParsedNames {
        containers: names(CONTAINERS)?,
        init_containers: names(INIT_CONTAINERS)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn status_json_matches_the_goldens() {
        let template = json!({"spec": {
            "initContainers": [{"name": "istio-init"}, {"name": "istio-proxy"}],
            "volumes": [{"name": "workload-socket"}, {"name": "istio-envoy"}]
        }});
        let status = InjectionStatus::of_template(&template, "");
        assert_eq!(
            status.to_json(),
            r#"{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["workload-socket","istio-envoy"],"imagePullSecrets":null,"revision":"default"}"#
        );
        assert_eq!(InjectionStatus::parse(&status.to_json()), Some(status));
        assert_eq!(
            InjectionStatus::of_template(&json!({}), "canary").to_json(),
            r#"{"initContainers":null,"containers":null,"volumes":null,"imagePullSecrets":null,"revision":"canary"}"#
        );
    }

    #[test]
    fn typed_parse_follows_go_decoding() {
        // Old annotations carried a version; unknown keys are ignored.
        let old = InjectionStatus::parse(
            r#"{"version":"abc","initContainers":["istio-init"],"Containers":["istio-proxy"]}"#,
        );
        assert_eq!(
            old.map(|s| (s.init_containers, s.containers)),
            Some((strings(&["istio-init"]), strings(&["istio-proxy"])))
        );
        assert_eq!(
            InjectionStatus::parse("null"),
            Some(InjectionStatus::default())
        );
        assert_eq!(InjectionStatus::parse(""), None);
        assert_eq!(InjectionStatus::parse("[]"), None);
        assert_eq!(InjectionStatus::parse(r#"{"containers":[1]}"#), None);
        assert_eq!(InjectionStatus::parse(r#"{"revision":3}"#), None);
    }

    // Istio's TestParseStatus.
    #[test]
    fn parse_status_cases() {
        let cases = [
            (
                r#"{"containers":["istio-proxy", "random-container"],"volumes":["workload-socket","istio-token","istiod-ca-cert"]}"#,
                strings(&["istio-proxy", "random-container"]),
                strings(&[]),
            ),
            (
                r#"{"initContainers":["istio-init", "istio-validation"],"volumes":["workload-socket","istio-token","istiod-ca-cert"]}"#,
                strings(&[]),
                strings(&["istio-init", "istio-validation"]),
            ),
            (
                r#"{"containers":["istio-proxy", "random-container"],"initContainers":["istio-init", "istio-validation"],"volumes":["workload-socket","istio-token","istiod-ca-cert"]}"#,
                strings(&["istio-proxy", "random-container"]),
                strings(&["istio-init", "istio-validation"]),
            ),
            (
                r#"{"containers":null,"initContainers":["istio-init", "istio-validation"],"volumes":["workload-socket","istio-token","istiod-ca-cert"]}"#,
                strings(&[]),
                strings(&["istio-init", "istio-validation"]),
            ),
            ("", strings(&[]), strings(&[])),
        ];
        for (status, containers, init_containers) in cases {
            assert_eq!(
                parse_names(status),
                Ok(ParsedNames {
                    containers,
                    init_containers
                }),
                "{status}"
            );
        }
        assert!(parse_names(r#"{"containers":[1]}"#).is_err());
        assert!(parse_names(r#"{"initContainers":"istio-init"}"#).is_err());
    }
}

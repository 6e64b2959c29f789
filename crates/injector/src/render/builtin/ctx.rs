//! The template's view of its inputs: pod metadata as Go maps, `.Values` lookups with Go's
//! missing-key rules, Istio's `annotation`/`isset`/`index` functions, and conversion of
//! printed text to the JSON the parsed YAML would hold.

use super::golang;
use super::yamltext::{self, Want};
use crate::config::{Found, Walk};
use crate::error::InjectError;
use crate::render::TemplateData;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Display;

/// One rendering of one stock template.
pub(crate) struct Ctx<'a> {
    /// The template name, for error messages.
    pub template: &'static str,
    pub data: &'a TemplateData<'a>,
    annotations: Option<&'a Map<String, Value>>,
    labels: Option<&'a Map<String, Value>>,
    /// `.Spec.Containers`.
    pub containers: &'a [Value],
    /// `$containers`: names of the containers other than `istio-proxy`, in order.
    pub app_containers: Vec<&'a str>,
    /// `.ProxyConfig.ProxyMetadata`, sorted as Go ranges over it.
    pub proxy_metadata: BTreeMap<String, String>,
    /// Where `.Values.global.proxy` leads: most look-ups continue from there.
    global_proxy: Result<Option<Walk<'a>>, String>,
}

/// The prefix of the template's most frequent `.Values` paths.
const GLOBAL_PROXY: &str = "global.proxy.";

impl<'a> Ctx<'a> {
    pub fn new(template: &'static str, data: &'a TemplateData<'a>) -> Result<Ctx<'a>, InjectError> {
        let annotations = string_map(data.object_meta, "annotations")?;
        let labels = string_map(data.object_meta, "labels")?;
        let containers: &[Value] = match data.spec.get("containers") {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(InjectError::InvalidPod(
                    "spec.containers must be a list".to_string(),
                ));
            }
        };
        let mut app_containers = Vec::with_capacity(containers.len());
        for (i, container) in containers.iter().enumerate() {
            let name = container_name(container)
                .map_err(|msg| InjectError::InvalidPod(format!("spec.containers[{i}]{msg}")))?;
            if name != "istio-proxy" {
                app_containers.push(name);
            }
        }
        Ok(Ctx {
            template,
            data,
            annotations,
            labels,
            containers,
            app_containers,
            proxy_metadata: data.proxy_config.proxy_metadata(),
            global_proxy: data
                .values
                .walk_prefix(&GLOBAL_PROXY[..GLOBAL_PROXY.len() - 1]),
        })
    }

    /// A render error for `field`.
    pub fn err(&self, field: impl Display, msg: impl Display) -> InjectError {
        InjectError::Render(format!("template {:?}, {field}: {msg}", self.template))
    }

    /// `.Values.<path>` (dotted), with Go's rules for missing and nil values.
    pub fn value(&self, path: &str) -> Result<Option<Cow<'a, Value>>, InjectError> {
        Ok(self.found(path)?.map(Found::to_value))
    }

    /// `.Values.<path>` as found, for the tests and prints that need no [`Value`] built.
    pub fn found(&self, path: &str) -> Result<Option<Found<'a>>, InjectError> {
        let values = self.data.values;
        match path.strip_prefix(GLOBAL_PROXY) {
            Some(rest) => values.find_go_below(&self.global_proxy, rest, path),
            None => values.find_go(path),
        }
        .map_err(|msg| self.err(format_args!(".Values.{path}"), msg))
    }

    /// `.Values.<path>` when it is true in a template `if` (`{{ if .Values.x }}…{{ .Values.x }}`).
    pub fn found_truthy(&self, path: &str) -> Result<Option<Found<'a>>, InjectError> {
        Ok(self.found(path)?.filter(|found| found.truthy()))
    }

    /// Whether `.Values.<path>` is true in a template `if`.
    pub fn value_truthy(&self, path: &str) -> Result<bool, InjectError> {
        Ok(self.found(path)?.is_some_and(Found::truthy))
    }

    /// `eq .Values.<path> "s"`.
    pub fn value_eq(&self, path: &str, s: &str) -> Result<bool, InjectError> {
        match self.found(path)? {
            None => Ok(false),
            Some(found) => found
                .eq_str(s)
                .map_err(|msg| self.err(format_args!(".Values.{path}"), msg)),
        }
    }

    /// What `{{ .Values.<path> }}` prints.
    pub fn value_print(&self, path: &str) -> Result<Cow<'a, str>, InjectError> {
        Ok(match self.found(path)? {
            Some(found) => found.print(),
            None => Cow::Borrowed("<no value>"),
        })
    }

    /// The pod annotation `key`, if present (even when empty).
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations
            .and_then(|m| member(m, key))
            .and_then(Value::as_str)
    }

    /// Istio's `isset .ObjectMeta.Annotations key`.
    pub fn isset(&self, key: &str) -> bool {
        self.annotation(key).is_some()
    }

    /// `index .ObjectMeta.Annotations key`: `""` when absent.
    pub fn index_annotation(&self, key: &str) -> &'a str {
        self.annotation(key).unwrap_or_default()
    }

    /// `index .ObjectMeta.Labels key`: `""` when absent.
    pub fn label(&self, key: &str) -> &'a str {
        self.labels
            .and_then(|m| member(m, key))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A label lookup for the shared canonical-name helpers (`""` when absent).
    pub fn label_ref_fn(&self) -> impl Fn(&str) -> Option<&'a str> + '_ {
        move |key: &str| Some(self.label(key))
    }

    /// A label lookup for the OpenTelemetry attributes helper.
    pub fn label_fn(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |key: &str| Some(self.label(key).to_string())
    }

    /// An annotation lookup for the shared helpers.
    pub fn annotation_fn(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |key: &str| self.annotation(key).map(str::to_string)
    }

    /// Istio's `annotation .ObjectMeta key .Values.<path>`: the annotation when present, else
    /// `fmt.Sprint` of the value (`<nil>` for no value). The value is evaluated first, as Go
    /// evaluates every argument before the call.
    pub fn annotation_or_value(&self, key: &str, path: &str) -> Result<Cow<'a, str>, InjectError> {
        let default = self.found(path)?;
        Ok(match (self.annotation(key), default) {
            (Some(v), _) => Cow::Borrowed(v),
            (None, Some(found)) => found.print(),
            (None, None) => Cow::Borrowed("<nil>"),
        })
    }

    /// Text printed as an unquoted scalar into a field of Go type `want`.
    pub fn plain(&self, field: impl Display, text: &str, want: Want) -> Result<Value, InjectError> {
        yamltext::plain(text)
            .and_then(|v| yamltext::typed(v, want))
            .map_err(|msg| self.err(field, msg))
    }

    /// Text printed between double quotes (a string field).
    pub fn dq(&self, field: impl Display, text: &str) -> Result<Value, InjectError> {
        yamltext::double_quoted(text)
            .map(Value::String)
            .map_err(|msg| self.err(field, msg))
    }

    /// Text printed between single quotes (a string field).
    pub fn sq(&self, field: impl Display, text: &str) -> Result<Value, InjectError> {
        yamltext::single_quoted(text)
            .map(Value::String)
            .map_err(|msg| self.err(field, msg))
    }

    /// A value embedded with `toYaml` where the Pod expects an object: what the YAML holds,
    /// or an error for anything that is not a map.
    pub fn embedded_object(&self, field: &str, v: &Value) -> Result<Value, InjectError> {
        match v {
            Value::Object(map) if !map.is_empty() => Ok(yamltext::yaml_round_trip(v)),
            Value::Null => Ok(Value::Null),
            other => Err(self.not_an_object(field, other)),
        }
    }

    /// [`Ctx::embedded_object`] of a value the caller owns: converted in place.
    pub fn embedded_object_owned(&self, field: &str, mut v: Value) -> Result<Value, InjectError> {
        match &v {
            Value::Object(map) if !map.is_empty() => {
                yamltext::yaml_round_trip_in_place(&mut v);
                Ok(v)
            }
            Value::Null => Ok(Value::Null),
            other => Err(self.not_an_object(field, other)),
        }
    }

    fn not_an_object(&self, field: &str, v: &Value) -> InjectError {
        self.err(
            field,
            format_args!(
                "toYaml of {} does not give the object the Pod needs there",
                golang::kind_name(v)
            ),
        )
    }
}

/// `map[key]`. The template asks a pod's few annotations and labels about forty keys, mostly
/// absent: comparing lengths is cheaper than hashing each key, up to a dozen entries.
fn member<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= 12 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// `metadata.<key>` as a Go `map[string]string`.
fn string_map<'a>(
    meta: &'a Value,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, InjectError> {
    match meta.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if let Some((k, _)) = map.iter().find(|(_, v)| !v.is_string()) {
                return Err(InjectError::InvalidPod(format!(
                    "metadata.{key}[{k:?}] must be a string"
                )));
            }
            Ok(Some(map))
        }
        Some(_) => Err(InjectError::InvalidPod(format!(
            "metadata.{key} must be a map of strings"
        ))),
    }
}

/// A container's `name` as Go decodes it (`""` when absent).
pub(crate) fn container_name(container: &Value) -> Result<&str, String> {
    match container {
        Value::Object(map) => match map.get("name") {
            None | Some(Value::Null) => Ok(""),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(".name must be a string".to_string()),
        },
        _ => Err(" must be an object".to_string()),
    }
}

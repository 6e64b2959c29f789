//! Istio's `InjectionFuncmap` (`pkg/kube/inject/template.go`), which overrides sprig's
//! functions of the same names. The string logic lives in [`crate::render::istio_funcs`],
//! shared with the built-in renderer; here are the Go typing and the template values.

use gotemplate::{FuncError, Funcs, Function, Map as GoMap, Object, Value};
use serde_json::Value as Json;
use std::rc::Rc;

use super::args::{self, StringEntries, arg, go_json, go_json_text, string, string_map};
use crate::goyaml::emit::to_yaml;
use crate::k8s::OBJECT_META;
use crate::render::istio_funcs;
use crate::render::template::data::k8s::K8sObject;
use crate::render::template::data::proto::{ProtoDuration, ProtoObject};

/// Registers Istio's functions (replacing sprig's `contains`, `indent`, `omit` …).
pub(crate) fn register(f: &mut Funcs) {
    f.insert("formatDuration", Function::fixed(1, format_duration));
    f.insert(
        "isset",
        Function::fixed(2, |a| {
            let key = string(a, 1)?;
            Ok(Value::Bool(
                string_map(&arg(a, 0))?.iter().any(|(k, _)| *k == key),
            ))
        }),
    );
    f.insert(
        "excludeInboundPort",
        Function::fixed(2, |a| {
            let port = crate::golang::strconv::sprint(&[arg(a, 0)]);
            let excluded = string(a, 1)?;
            Ok(Value::from(istio_funcs::exclude_inbound_port(
                &port, &excluded,
            )))
        }),
    );
    f.insert(
        "includeInboundPorts",
        Function::fixed(1, |a| container_ports(&arg(a, 0), true)),
    );
    f.insert(
        "applicationPorts",
        Function::fixed(1, |a| container_ports(&arg(a, 0), false)),
    );
    for identity in ["kubevirtInterfaces", "excludeInterfaces"] {
        f.insert(
            identity,
            Function::fixed(1, |a| Ok(Value::String(string(a, 0)?))),
        );
    }
    f.insert("annotation", Function::fixed(3, annotation));
    f.insert(
        "valueOrDefault",
        Function::fixed(2, |a| {
            let value = arg(a, 0);
            let is_default = match &value {
                Value::Nil | Value::NoValue => true,
                Value::String(s) => s.is_empty(),
                _ => false,
            };
            Ok(if is_default { arg(a, 1) } else { value })
        }),
    );
    f.insert(
        "toJSON",
        Function::fixed(1, |a| {
            let value = arg(a, 0);
            if value.is_nil_or_missing() {
                return Ok(Value::from("{}"));
            }
            let map = string_map(&value)?;
            let json: serde_json::Map<String, Json> = map
                .iter()
                .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
                .collect();
            Ok(Value::from(crate::golang::json::encode(&Json::Object(
                json,
            ))))
        }),
    );
    f.insert(
        "fromJSON",
        Function::fixed(1, |a| {
            let text = string(a, 0)?;
            // Istio logs the error and returns the string "{}".
            Ok(match serde_json::from_str::<Json>(&text) {
                Ok(json) => Value::from_json(&json),
                Err(_) => Value::from("{}"),
            })
        }),
    );
    f.insert(
        "structToJSON",
        Function::fixed(1, |a| {
            let value = arg(a, 0);
            if value.is_nil_or_missing() {
                return Ok(Value::from("{}"));
            }
            Ok(Value::from(
                go_json_text(&value).unwrap_or_else(|_| "{}".to_string()),
            ))
        }),
    );
    f.insert("protoToJSON", Function::fixed(1, proto_to_json));
    f.insert(
        "toYaml",
        Function::fixed(1, |a| {
            // Istio logs a marshalling error and returns "".
            let text = go_json(&arg(a, 0))
                .and_then(|json| to_yaml(&json))
                .unwrap_or_default();
            Ok(Value::from(text))
        }),
    );
    f.insert(
        "indent",
        Function::fixed(2, |a| {
            let text = string(a, 1)?;
            let spaces = args::indent_width(a, 0, &text)?;
            Ok(Value::from(istio_funcs::istio_indent(spaces, &text)))
        }),
    );
    f.insert(
        "directory",
        Function::fixed(1, |a| {
            Ok(Value::from(istio_funcs::directory(&string(a, 0)?)))
        }),
    );
    f.insert(
        "contains",
        Function::fixed(2, |a| {
            let needle = string(a, 0)?;
            let haystack = string(a, 1)?;
            Ok(Value::Bool(haystack.contains(&*needle)))
        }),
    );
    f.insert(
        "toLower",
        Function::fixed(1, |a| Ok(Value::from(string(a, 0)?.to_lowercase()))),
    );
    f.insert(
        "appendMultusNetwork",
        Function::fixed(2, |a| {
            Ok(Value::from(istio_funcs::append_multus_network(
                &string(a, 0)?,
                &string(a, 1)?,
            )))
        }),
    );
    // istiod's environment: the policy has none, so every lookup gives the default.
    f.insert(
        "env",
        Function::fixed(2, |a| {
            string(a, 0)?;
            Ok(Value::String(string(a, 1)?))
        }),
    );
    f.insert(
        "omit",
        Function::variadic(1, |a| {
            let map = string_map(&arg(a, 0))?;
            let drop: Vec<Rc<str>> = (1..a.len())
                .map(|i| string(a, i))
                .collect::<Result<_, _>>()?;
            Ok(string_map_value(
                map.into_iter().filter(|(k, _)| !drop.contains(k)),
            ))
        }),
    );
    f.insert(
        "strdict",
        Function::new(|a| {
            let items: Vec<Rc<str>> = (0..a.len())
                .map(|i| string(a, i))
                .collect::<Result<_, _>>()?;
            let entries = items.chunks(2).map(|pair| match pair {
                [k, v] => (k.clone(), v.clone()),
                [k] => (k.clone(), Rc::from("")),
                _ => (Rc::from(""), Rc::from("")),
            });
            Ok(string_map_value(entries))
        }),
    );
    f.insert(
        "mergeMaps",
        Function::new(|a| Ok(string_map_value(merged(a)?))),
    );
    f.insert(
        "toJsonMap",
        Function::new(|a| {
            let json: serde_json::Map<String, Json> = merged(a)?
                .into_iter()
                .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
                .collect();
            Ok(Value::from(crate::golang::json::encode(&Json::Object(
                json,
            ))))
        }),
    );
    f.insert(
        "omitNil",
        Function::fixed(1, |a| {
            let json = arg(a, 0).to_json();
            Ok(istio_funcs::omit_nil(&json).map_or(Value::Nil, |v| Value::from_json(&v)))
        }),
    );
    f.insert(
        "otelResourceAttributes",
        Function::fixed(5, otel_resource_attributes),
    );
}

/// `map[string]string` from entries (later keys win).
fn string_map_value(entries: impl IntoIterator<Item = (Rc<str>, Rc<str>)>) -> Value {
    Value::map(GoMap::from_entries(
        entries.into_iter().map(|(k, v)| (k, Value::String(v))),
        Value::from(""),
    ))
}

/// `mergeMaps`: later maps override earlier ones.
fn merged(a: &[Value]) -> Result<StringEntries, FuncError> {
    let mut out: StringEntries = Vec::new();
    for v in a {
        for (k, val) in string_map(v)? {
            match out.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = val,
                None => out.push((k, val)),
            }
        }
    }
    Ok(out)
}

/// `annotation meta name default`: the annotation if the key exists (even empty), else
/// `fmt.Sprint(default)` (`<nil>` for nil, `15020` for the float 15020, an enum's name).
fn annotation(a: &[Value]) -> Result<Value, FuncError> {
    let meta = arg(a, 0);
    let object = match &meta {
        Value::Object(o) => o
            .downcast_ref::<K8sObject>()
            .filter(|k| std::ptr::eq(k.ty(), &OBJECT_META)),
        _ => None,
    };
    let Some(object) = object else {
        return Err(FuncError::wrong_type("v1.ObjectMeta", &meta));
    };
    let name = string(a, 1)?;
    if let Some(value) = object.json_field("annotations").and_then(|m| m.get(&*name)) {
        return Ok(Value::from(value.as_str().unwrap_or_default()));
    }
    Ok(Value::from(crate::golang::strconv::sprint(&[arg(a, 2)])))
}

/// `includeInboundPorts` / `applicationPorts`: the TCP (or unspecified-protocol) container
/// ports, comma-separated; `applicationPorts` skips `istio-proxy`.
fn container_ports(list: &Value, include_proxy: bool) -> Result<Value, FuncError> {
    let mut ports: Vec<String> = Vec::new();
    for container in args::containers(list)? {
        let Some(container) = container.downcast_ref::<K8sObject>() else {
            continue;
        };
        let name = container
            .json_field("name")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if !include_proxy && name == "istio-proxy" {
            continue;
        }
        for port in container
            .json_field("ports")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let protocol = port.get("protocol").and_then(Json::as_str).unwrap_or("");
            if protocol == "UDP" || protocol == "SCTP" {
                continue;
            }
            let number = port
                .get("containerPort")
                .and_then(Json::as_i64)
                .unwrap_or(0);
            ports.push(number.to_string());
        }
    }
    Ok(Value::from(ports.join(",")))
}

/// `protoToJSON`: `{}` for nil; a ProxyConfig cleaned of Istio's defaults, then `jsonpb`.
fn proto_to_json(a: &[Value]) -> Result<Value, FuncError> {
    let value = arg(a, 0);
    match &value {
        Value::Nil | Value::NoValue => Ok(Value::from("{}")),
        Value::Object(o) => match o.downcast_ref::<ProtoObject>() {
            Some(p) if Object::is_nil(p) => Ok(Value::from("{}")),
            Some(p) => Ok(Value::from(p.proto_json())),
            None => Err(FuncError::wrong_type("proto.Message", &value)),
        },
        _ => Err(FuncError::wrong_type("proto.Message", &value)),
    }
}

/// `formatDuration`: `time.Duration.String()` of a `*durationpb.Duration` (`0s` for nil).
fn format_duration(a: &[Value]) -> Result<Value, FuncError> {
    let value = arg(a, 0);
    let duration = match &value {
        Value::Nil | Value::NoValue => None,
        Value::Object(o) => match o.downcast_ref::<ProtoDuration>() {
            Some(d) => d.0,
            None => return Err(FuncError::wrong_type("*durationpb.Duration", &value)),
        },
        _ => return Err(FuncError::wrong_type("*durationpb.Duration", &value)),
    };
    Ok(Value::from(
        duration
            .unwrap_or(crate::config::Duration::ZERO)
            .to_go_string(),
    ))
}

/// `otelResourceAttributes mesh annotations labels namespace containers`.
fn otel_resource_attributes(a: &[Value]) -> Result<Value, FuncError> {
    let mesh = arg(a, 0);
    let enabled = match &mesh {
        Value::Nil | Value::NoValue => false,
        Value::Object(o) => match o.downcast_ref::<ProtoObject>() {
            Some(p) => p
                .json()
                .is_some_and(istio_funcs::mesh_uses_otel_semantic_conventions),
            None => return Err(FuncError::wrong_type("*v1alpha1.MeshConfig", &mesh)),
        },
        _ => return Err(FuncError::wrong_type("*v1alpha1.MeshConfig", &mesh)),
    };
    let annotations = string_map(&arg(a, 1))?;
    let labels = string_map(&arg(a, 2))?;
    let namespace = string(a, 3)?;
    let containers = args::containers(&arg(a, 4))?;
    let fields: Vec<(String, String)> = containers
        .iter()
        .filter_map(|c| c.downcast_ref::<K8sObject>())
        .map(|c| {
            let text = |k: &str| {
                c.json_field(k)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (text("name"), text("image"))
        })
        .collect();
    let otel: Vec<istio_funcs::OtelContainer<'_>> = fields
        .iter()
        .map(|(name, image)| istio_funcs::OtelContainer { name, image })
        .collect();
    let lookup = |map: &[(Rc<str>, Rc<str>)], key: &str| {
        map.iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v.to_string())
    };
    Ok(Value::from(istio_funcs::otel_resource_attributes(
        enabled,
        &|k| lookup(&annotations, k),
        &|k| lookup(&labels, k),
        &namespace,
        &otel,
    )))
}

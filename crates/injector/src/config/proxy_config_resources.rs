//! `networking.istio.io/v1beta1` `ProxyConfig` resources, merged into a pod's proxy config the
//! way istiod's webhook does (`EffectiveProxyConfig`): Istio's defaults, then the mesh's
//! `defaultConfig`, then the root namespace's ProxyConfig without a selector, then the pod's
//! namespace's ProxyConfig without a selector, then the `proxy.istio.io/config` annotation, then
//! the pod's namespace's first ProxyConfig whose selector matches the pod's labels. Later wins;
//! within a namespace the oldest resource that fits is the one taken.
//!
//! A ProxyConfig resource only carries `concurrency`, `environmentVariables` (the proxy's
//! `proxyMetadata`, merged key by key) and `image` (replaced whole).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::ProxyConfig;
use crate::error::ConfigError;
use crate::selector::go_field_name;

/// One ProxyConfig resource, reduced to what injection reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyConfigResource {
    pub namespace: String,
    pub name: String,
    /// `metadata.creationTimestamp` (RFC 3339, as the API server writes it).
    pub created: String,
    /// `spec.selector.matchLabels`; `None` (or empty) for a namespace-wide resource.
    pub selector: Option<BTreeMap<String, String>>,
    /// The spec as a `meshconfig.ProxyConfig` overlay: `concurrency`, `proxyMetadata`, `image`.
    overlay: Value,
}

/// Every ProxyConfig resource the injector knows, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyConfigResources {
    items: Vec<ProxyConfigResource>,
}

impl ProxyConfigResources {
    /// Reads ProxyConfig objects as the API server returns them. Objects of other kinds are
    /// skipped, so a multi-document file of mixed resources can be given as it is.
    pub fn from_objects<'a>(
        objects: impl IntoIterator<Item = &'a Value>,
    ) -> Result<Self, ConfigError> {
        let mut items = Vec::new();
        for object in objects {
            if object.get("kind").and_then(Value::as_str) != Some("ProxyConfig") {
                continue;
            }
            items.push(ProxyConfigResource::from_object(object)?);
        }
        // istiod's sortConfigByCreationTime: creation time, then name, then namespace.
        items.sort_by(|a, b| {
            (a.created.as_str(), a.name.as_str(), a.namespace.as_str()).cmp(&(
                b.created.as_str(),
                b.name.as_str(),
                b.namespace.as_str(),
            ))
        });
        Ok(ProxyConfigResources { items })
    }

    /// Reads ProxyConfig objects from YAML or JSON text as `kubectl get proxyconfigs -A -o
    /// yaml` prints it: documents, Lists of items, or both. Other kinds are skipped.
    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        let objects = crate::kubeinject::yaml_objects(text)
            .map_err(|(document, e)| ConfigError::new(format!("document {document}"), e))?;
        Self::from_objects(objects.iter())
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The pod's effective proxy config. `base` is the mesh's `defaultConfig` over Istio's
    /// defaults; `annotation` the pod's `proxy.istio.io/config`, when it parses.
    pub fn effective(
        &self,
        base: &ProxyConfig,
        root_namespace: &str,
        namespace: &str,
        labels: &Map<String, Value>,
        annotation: Option<&str>,
    ) -> ProxyConfig {
        // The overlays only hold fields the resource schema allows, all valid.
        let overlay = |pc: &mut ProxyConfig, with: &ProxyConfigResource| {
            let _ = pc.apply_in_place(&with.overlay, "");
        };
        let mut effective = base.clone();
        if !root_namespace.is_empty()
            && let Some(root) = self.namespace_wide(root_namespace)
        {
            overlay(&mut effective, root);
        }
        if namespace != root_namespace
            && let Some(own) = self.namespace_wide(namespace)
        {
            overlay(&mut effective, own);
        }
        if let Some(text) = annotation
            && let Ok(annotated) = effective.apply_yaml(text)
        {
            effective = annotated;
        }
        if let Some(workload) = self.for_workload(namespace, labels) {
            overlay(&mut effective, workload);
        }
        effective
    }

    /// The oldest resource of `namespace` without a selector.
    fn namespace_wide(&self, namespace: &str) -> Option<&ProxyConfigResource> {
        self.items.iter().find(|pc| {
            pc.namespace == namespace && pc.selector.as_ref().is_none_or(|s| s.is_empty())
        })
    }

    /// The oldest resource of `namespace` whose selector's labels are all on the pod.
    fn for_workload(
        &self,
        namespace: &str,
        labels: &Map<String, Value>,
    ) -> Option<&ProxyConfigResource> {
        self.items.iter().find(|pc| {
            pc.namespace == namespace
                && pc.selector.as_ref().is_some_and(|selector| {
                    !selector.is_empty()
                        && selector
                            .iter()
                            .all(|(k, v)| labels.get(k).and_then(Value::as_str) == Some(v))
                })
        })
    }
}

impl ProxyConfigResource {
    /// Reads one ProxyConfig object; errors name the object and the field.
    pub fn from_object(object: &Value) -> Result<Self, ConfigError> {
        let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str);
        let name = text("/metadata/name").unwrap_or_default().to_string();
        let namespace = text("/metadata/namespace").unwrap_or_default().to_string();
        let what = format!("ProxyConfig {namespace}/{name}");
        if name.is_empty() || namespace.is_empty() {
            return Err(ConfigError::new(
                what,
                "metadata.name and metadata.namespace are required",
            ));
        }
        let created = text("/metadata/creationTimestamp")
            .unwrap_or_default()
            .to_string();
        let empty = Map::new();
        let spec = match object.get("spec") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(spec)) => spec,
            Some(_) => return Err(ConfigError::new(format!("{what}: spec"), "not an object")),
        };
        let mut selector = None;
        let mut overlay = Map::new();
        for (key, value) in spec {
            let field = |f: &str| format!("{what}: spec.{f}");
            match go_field_name(
                key,
                &["selector", "concurrency", "environmentVariables", "image"],
            ) {
                Some("selector") => selector = Some(match_labels(value, &field("selector"))?),
                Some("concurrency") => match value {
                    Value::Null => {}
                    Value::Number(n) if n.as_i64().is_some_and(|c| i32::try_from(c).is_ok()) => {
                        overlay.insert("concurrency".into(), value.clone());
                    }
                    _ => return Err(ConfigError::new(field("concurrency"), "not an int32")),
                },
                Some("environmentVariables") => {
                    let vars = string_map(value, &field("environmentVariables"))?;
                    if !vars.is_empty() {
                        overlay.insert("proxyMetadata".into(), json!(vars));
                    }
                }
                Some("image") => match value {
                    Value::Null => {}
                    Value::Object(image) => {
                        let image_type = match image.get("imageType") {
                            None | Some(Value::Null) => None,
                            Some(Value::String(t)) => Some(t.clone()),
                            Some(_) => {
                                return Err(ConfigError::new(
                                    field("image.imageType"),
                                    "not a string",
                                ));
                            }
                        };
                        let mut kept = Map::new();
                        if let Some(image_type) = image_type {
                            kept.insert("imageType".into(), Value::String(image_type));
                        }
                        overlay.insert("image".into(), Value::Object(kept));
                    }
                    _ => return Err(ConfigError::new(field("image"), "not an object")),
                },
                // ProxyConfig's other spec fields are not read by injection.
                _ => {}
            }
        }
        Ok(ProxyConfigResource {
            namespace,
            name,
            created,
            selector,
            overlay: Value::Object(overlay),
        })
    }
}

fn match_labels(selector: &Value, field: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    match selector {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(object) => match object
            .iter()
            .find(|(k, _)| go_field_name(k, &["matchLabels"]).is_some())
        {
            Some((_, labels)) => string_map(labels, &format!("{field}.matchLabels")),
            None => Ok(BTreeMap::new()),
        },
        _ => Err(ConfigError::new(field, "not an object")),
    }
}

fn string_map(value: &Value, field: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    match value {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(ConfigError::new(format!("{field}.{k}"), "not a string")),
            })
            .collect(),
        _ => Err(ConfigError::new(field, "not a map of strings")),
    }
}

#[cfg(test)]
mod tests;

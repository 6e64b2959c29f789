//! The host side of Kubewarden's waPC host capabilities, answered from in-memory fixtures.
//!
//! The policy server routes guest `host_call(binding, namespace, operation, payload)` by its
//! three names. Only what a Pod-mutating policy may use is answered here:
//! `kubewarden/kubernetes/get_resource` and `list_resources_all` from the fixture store and
//! `kubewarden/tracing/log`
//! (the SDK's log drain). Everything else fails the way an unsupported capability does, so a
//! policy that starts depending on something new is noticed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{HarnessError, Result};

/// The identity of a Kubernetes object as `get_resource` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceKey {
    pub api_version: String,
    pub kind: String,
    /// `None` for cluster-scoped objects (Namespace, Node …).
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(
                f,
                "{} {} {namespace}/{}",
                self.api_version, self.kind, self.name
            ),
            None => write!(f, "{} {} {}", self.api_version, self.kind, self.name),
        }
    }
}

/// The payload of `kubewarden/kubernetes/get_resource` (kubewarden-policy-sdk
/// `GetResourceRequest`, snake_case on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GetResourceRequest {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub disable_cache: bool,
    #[serde(default)]
    pub field_masks: Option<BTreeSet<String>>,
}

impl GetResourceRequest {
    fn key(&self) -> ResourceKey {
        ResourceKey {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            // The SDK sends `None` for cluster-scoped lookups; treat "" the same way.
            namespace: self.namespace.clone().filter(|ns| !ns.is_empty()),
            name: self.name.clone(),
        }
    }
}

/// How a host call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCallOutcome {
    Answered,
    Failed(String),
}

/// One call the guest made to the host, in call order.
#[derive(Debug, Clone, PartialEq)]
pub struct HostCall {
    pub binding: String,
    pub namespace: String,
    pub operation: String,
    /// The payload as JSON when it parses as JSON, else as a JSON string.
    pub payload: Value,
    pub outcome: HostCallOutcome,
}

impl HostCall {
    /// The decoded request when this is a `kubewarden/kubernetes/get_resource` call.
    pub fn get_resource(&self) -> Option<GetResourceRequest> {
        let is_get = self.binding == "kubewarden"
            && self.namespace == "kubernetes"
            && self.operation == "get_resource";
        if !is_get {
            return None;
        }
        serde_json::from_value(self.payload.clone()).ok()
    }
}

/// Kubernetes objects served to `get_resource`, keyed by apiVersion/kind/namespace/name.
/// Cloning is cheap (the store is shared), so one host can serve many evaluations.
#[derive(Debug, Clone, Default)]
pub struct FixtureHost {
    objects: Arc<BTreeMap<ResourceKey, Value>>,
}

impl FixtureHost {
    /// A host that knows no objects: every `get_resource` is a 404.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) an object; its key is read from `apiVersion`, `kind`,
    /// `metadata.namespace` and `metadata.name`.
    pub fn insert(&mut self, object: Value) -> Result<()> {
        let key = key_of(&object)?;
        Arc::make_mut(&mut self.objects).insert(key, object);
        Ok(())
    }

    /// Builder form of [`FixtureHost::insert`].
    pub fn with(mut self, object: Value) -> Result<Self> {
        self.insert(object)?;
        Ok(self)
    }

    /// Loads every `*.json`, `*.yaml` and `*.yml` file of `dir` (one object per file, or a
    /// `List` / multi-document YAML of objects).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let mut host = Self::new();
        let entries = std::fs::read_dir(dir).map_err(|e| HarnessError::io(dir, e))?;
        let mut paths = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("json" | "yaml" | "yml")
                )
            })
            .collect::<Vec<_>>();
        paths.sort();
        for path in paths {
            for object in crate::documents::read_documents(&path)? {
                host.insert(object)
                    .map_err(|e| HarnessError::input(path.display().to_string(), e))?;
            }
        }
        Ok(host)
    }

    /// The object stored under `key`.
    pub fn get(&self, key: &ResourceKey) -> Option<&Value> {
        self.objects.get(key)
    }

    /// Number of stored objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    fn get_resource(&self, payload: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let request: GetResourceRequest = serde_json::from_slice(payload)
            .map_err(|e| format!("invalid get_resource request: {e}"))?;
        let key = request.key();
        let object = self.objects.get(&key).ok_or_else(|| not_found(&key))?;
        let answer = match &request.field_masks {
            Some(masks) if !masks.is_empty() => mask_fields(object, masks),
            _ => object.clone(),
        };
        serde_json::to_vec(&answer).map_err(|e| format!("cannot serialise {key}: {e}"))
    }

    /// `list_resources_all`: every stored object of the kind, in key order, as a List.
    fn list_resources_all(&self, payload: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let request: ListAllResourcesRequest = serde_json::from_slice(payload)
            .map_err(|e| format!("invalid list_resources_all request: {e}"))?;
        self.list(&request, None)
    }

    /// `list_resources_by_namespace`: the stored objects of the kind in one namespace.
    fn list_resources_by_namespace(&self, payload: &[u8]) -> std::result::Result<Vec<u8>, String> {
        #[derive(Deserialize)]
        struct ByNamespace {
            #[serde(flatten)]
            all: ListAllResourcesRequest,
            namespace: String,
        }
        let request: ByNamespace = serde_json::from_slice(payload)
            .map_err(|e| format!("invalid list_resources_by_namespace request: {e}"))?;
        self.list(&request.all, Some(&request.namespace))
    }

    fn list(
        &self,
        request: &ListAllResourcesRequest,
        namespace: Option<&str>,
    ) -> std::result::Result<Vec<u8>, String> {
        if request.label_selector.is_some() || request.field_selector.is_some() {
            return Err("the test host does not filter lists by selectors".to_owned());
        }
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|(key, _)| key.api_version == request.api_version && key.kind == request.kind)
            .filter(|(key, _)| namespace.is_none_or(|ns| key.namespace.as_deref() == Some(ns)))
            .map(|(_, object)| match &request.field_masks {
                Some(masks) if !masks.is_empty() => mask_fields(object, masks),
                _ => object.clone(),
            })
            .collect();
        let list = serde_json::json!({
            "apiVersion": request.api_version,
            "kind": format!("{}List", request.kind),
            "metadata": {},
            "items": items,
        });
        serde_json::to_vec(&list).map_err(|e| format!("cannot serialise the list: {e}"))
    }
}

/// The payload of `kubewarden/kubernetes/list_resources_all` (kubewarden-policy-sdk
/// `ListAllResourcesRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListAllResourcesRequest {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub label_selector: Option<String>,
    #[serde(default)]
    pub field_selector: Option<String>,
    #[serde(default)]
    pub field_masks: Option<BTreeSet<String>>,
}

/// The text a real cluster's 404 surfaces as, through kube-rs, to the guest.
fn not_found(key: &ResourceKey) -> String {
    let resource = format!("{}s", key.kind.to_lowercase());
    format!(
        "{resource} \"{}\" not found: NotFound (404) ({key})",
        key.name
    )
}

fn key_of(object: &Value) -> Result<ResourceKey> {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str);
    let api_version = text("/apiVersion")
        .ok_or_else(|| HarnessError::input("fixture object", "no apiVersion"))?;
    let kind = text("/kind").ok_or_else(|| HarnessError::input("fixture object", "no kind"))?;
    let name = text("/metadata/name")
        .ok_or_else(|| HarnessError::input("fixture object", "no metadata.name"))?;
    Ok(ResourceKey {
        api_version: api_version.to_owned(),
        kind: kind.to_owned(),
        namespace: text("/metadata/namespace")
            .filter(|ns| !ns.is_empty())
            .map(str::to_owned),
        name: name.to_owned(),
    })
}

/// Keeps only the dotted paths listed in `masks` (a list applies the rest of the path to each
/// item), the way the policy server trims `get_resource` answers.
fn mask_fields(value: &Value, masks: &BTreeSet<String>) -> Value {
    let paths = masks
        .iter()
        .map(|mask| mask.split('.').collect::<Vec<_>>())
        .collect::<Vec<_>>();
    project(value, &paths.iter().map(Vec::as_slice).collect::<Vec<_>>())
}

fn project(value: &Value, paths: &[&[&str]]) -> Value {
    if paths.iter().any(|path| path.is_empty()) {
        return value.clone();
    }
    match value {
        Value::Object(map) => {
            let mut kept = serde_json::Map::new();
            for (key, child) in map {
                let rests = paths
                    .iter()
                    .filter_map(|path| match path.split_first() {
                        Some((head, rest)) if *head == key.as_str() => Some(rest),
                        _ => None,
                    })
                    .collect::<Vec<_>>();
                if !rests.is_empty() {
                    kept.insert(key.clone(), project(child, &rests));
                }
            }
            Value::Object(kept)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| project(item, paths)).collect())
        }
        other => other.clone(),
    }
}

/// What one evaluation's host callback saw.
#[derive(Debug, Default)]
pub(crate) struct CallLog {
    pub calls: Vec<HostCall>,
    pub logs: Vec<Value>,
}

/// The waPC host callback for one instance: answers from `host`, records into `log`.
pub(crate) fn callback(host: FixtureHost, log: Arc<Mutex<CallLog>>) -> Box<wapc::HostCallback> {
    Box::new(
        move |_id: u64, binding: &str, namespace: &str, operation: &str, payload: &[u8]| {
            let answer = match (binding, namespace, operation) {
                ("kubewarden", "kubernetes", "get_resource") => host.get_resource(payload),
                ("kubewarden", "kubernetes", "list_resources_all") => {
                    host.list_resources_all(payload)
                }
                ("kubewarden", "kubernetes", "list_resources_by_namespace") => {
                    host.list_resources_by_namespace(payload)
                }
                ("kubewarden", "tracing", "log") => {
                    let entry = decode_payload(payload);
                    log.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .logs
                        .push(entry);
                    return Ok(Vec::new());
                }
                _ => Err(format!(
                    "{binding}/{namespace}/{operation} is not supported by the test host"
                )),
            };
            let outcome = match &answer {
                Ok(_) => HostCallOutcome::Answered,
                Err(message) => HostCallOutcome::Failed(message.clone()),
            };
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .calls
                .push(HostCall {
                    binding: binding.to_owned(),
                    namespace: namespace.to_owned(),
                    operation: operation.to_owned(),
                    payload: decode_payload(payload),
                    outcome,
                });
            answer.map_err(Into::into)
        },
    )
}

fn decode_payload(payload: &[u8]) -> Value {
    serde_json::from_slice(payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn namespace(name: &str, labels: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": name, "labels": labels}})
    }

    #[test]
    fn get_resource_answers_a_stored_cluster_scoped_object() {
        let ns = namespace("mesh", json!({"istio-injection": "enabled"}));
        let host = FixtureHost::new().with(ns.clone()).unwrap();
        let payload = json!({"api_version": "v1", "kind": "Namespace", "name": "mesh",
                             "namespace": null, "disable_cache": false, "field_masks": null});
        let answer = host.get_resource(payload.to_string().as_bytes()).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&answer).unwrap(), ns);
    }

    #[test]
    fn unknown_objects_are_a_404() {
        let host = FixtureHost::new();
        let payload = json!({"api_version": "v1", "kind": "Namespace", "name": "ghost",
                             "disable_cache": true});
        let error = host
            .get_resource(payload.to_string().as_bytes())
            .unwrap_err();
        assert!(error.contains("namespaces \"ghost\" not found"), "{error}");
        assert!(error.contains("404"), "{error}");
    }

    #[test]
    fn namespaced_and_cluster_scoped_keys_differ() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "istio", "namespace": "istio-system"}});
        let host = FixtureHost::new().with(cm).unwrap();
        let cluster = json!({"api_version": "v1", "kind": "ConfigMap", "name": "istio",
                             "disable_cache": false});
        assert!(host.get_resource(cluster.to_string().as_bytes()).is_err());
        let scoped = json!({"api_version": "v1", "kind": "ConfigMap", "name": "istio",
                            "namespace": "istio-system", "disable_cache": false});
        assert!(host.get_resource(scoped.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn field_masks_keep_only_the_listed_paths() {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": "mesh", "labels": {"a": "1"}, "uid": "x"},
                        "spec": {"finalizers": ["kubernetes"]}});
        let masks = ["metadata.labels", "kind"]
            .map(String::from)
            .into_iter()
            .collect();
        assert_eq!(
            mask_fields(&ns, &masks),
            json!({"kind": "Namespace", "metadata": {"labels": {"a": "1"}}})
        );
    }

    #[test]
    fn list_resources_all_answers_every_object_of_the_kind_masked() {
        let node = |name: &str, version: &str| {
            json!({"apiVersion": "v1", "kind": "Node",
                   "metadata": {"name": name, "labels": {"zone": "a"}},
                   "status": {"nodeInfo": {"kubeletVersion": version, "osImage": "x"}}})
        };
        let host = FixtureHost::new()
            .with(node("b", "v1.33.0"))
            .unwrap()
            .with(node("a", "v1.32.0"))
            .unwrap()
            .with(namespace("mesh", json!({})))
            .unwrap();
        let payload = json!({"api_version": "v1", "kind": "Node",
                             "field_masks": ["metadata.name", "status.nodeInfo.kubeletVersion"]});
        let answer = host
            .list_resources_all(payload.to_string().as_bytes())
            .unwrap();
        let list: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(list["kind"], "NodeList");
        assert_eq!(
            list["items"],
            json!([
                {"metadata": {"name": "a"}, "status": {"nodeInfo": {"kubeletVersion": "v1.32.0"}}},
                {"metadata": {"name": "b"}, "status": {"nodeInfo": {"kubeletVersion": "v1.33.0"}}},
            ])
        );
    }

    #[test]
    fn objects_without_identity_are_refused() {
        let error = FixtureHost::new()
            .with(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}))
            .unwrap_err();
        assert!(error.to_string().contains("metadata.name"), "{error}");
    }

    #[test]
    fn callback_records_calls_and_refuses_unknown_capabilities() {
        let log = Arc::new(Mutex::new(CallLog::default()));
        let callback = callback(FixtureHost::new(), log.clone());
        let refused = callback(1, "kubewarden", "oci", "v1/verify", b"{}").unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("not supported by the test host")
        );
        callback(1, "kubewarden", "tracing", "log", br#"{"msg":"hi"}"#).unwrap();
        let log = log.lock().unwrap();
        assert_eq!(log.calls.len(), 1, "logs are not host calls");
        assert_eq!(log.calls[0].operation, "v1/verify");
        assert!(matches!(log.calls[0].outcome, HostCallOutcome::Failed(_)));
        assert_eq!(log.logs, vec![json!({"msg": "hi"})]);
    }
}

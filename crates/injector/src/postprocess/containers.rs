//! Finding and moving containers in a pod held as JSON.
//!
//! These helpers work on pods that went through the typed normalisation (so `spec.containers`
//! is a list of objects), but they stay total on any JSON: a missing or ill-typed list reads
//! as empty and is left alone.

use serde_json::{Map, Value};

/// The sidecar container Istio injects.
pub const PROXY: &str = "istio-proxy";
/// The iptables init container.
pub const INIT: &str = "istio-init";
/// The CNI validation init container, which replaces `istio-init` under Istio CNI.
pub const VALIDATION: &str = "istio-validation";
/// The optional core-dump init container.
pub const CORE_DUMP: &str = "enable-core-dump";

/// `spec.containers`.
pub const CONTAINERS: &str = "containers";
/// `spec.initContainers`.
pub const INIT_CONTAINERS: &str = "initContainers";

/// A container's name (`""` when absent, like Go's zero value).
pub fn name(container: &Value) -> &str {
    container.get("name").and_then(Value::as_str).unwrap_or("")
}

/// The list `spec.<field>` of a pod (empty when absent).
pub fn list<'a>(pod: &'a Value, field: &str) -> &'a [Value] {
    pod.get("spec")
        .and_then(|spec| spec.get(field))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The list `spec.<field>` of a pod, for editing; `None` when the pod has no such list.
pub fn list_mut<'a>(pod: &'a mut Value, field: &str) -> Option<&'a mut Vec<Value>> {
    pod.get_mut("spec")?.get_mut(field)?.as_array_mut()
}

/// The list `spec.<field>`, created empty when the pod has none (as Go appends to a nil slice).
pub fn list_or_create<'a>(pod: &'a mut Value, field: &str) -> Option<&'a mut Vec<Value>> {
    let root = pod.as_object_mut()?;
    let spec = root
        .entry("spec")
        .or_insert_with(|| Value::Object(Map::new()));
    if spec.is_null() {
        *spec = Value::Object(Map::new());
    }
    let slot = spec
        .as_object_mut()?
        .entry(field)
        .or_insert_with(|| Value::Array(Vec::new()));
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
}

/// The first container of that name (Istio's `FindContainer`).
pub fn find<'a>(containers: &'a [Value], wanted: &str) -> Option<&'a Value> {
    containers.iter().find(|c| name(c) == wanted)
}

/// The first container of that name, for editing.
pub fn find_mut<'a>(containers: &'a mut [Value], wanted: &str) -> Option<&'a mut Value> {
    containers.iter_mut().find(|c| name(c) == wanted)
}

/// A container of the pod by name, looking in `containers` first and then in
/// `initContainers` (Istio's `FindContainerFromPod`).
pub fn find_in_pod<'a>(pod: &'a Value, wanted: &str) -> Option<&'a Value> {
    find(list(pod, CONTAINERS), wanted).or_else(|| find(list(pod, INIT_CONTAINERS), wanted))
}

/// The pod's `istio-proxy`, regular or native (Istio's `FindSidecar`).
pub fn find_sidecar(pod: &Value) -> Option<&Value> {
    find_in_pod(pod, PROXY)
}

/// The pod's `istio-proxy`, for editing.
pub fn find_sidecar_mut(pod: &mut Value) -> Option<&mut Value> {
    let in_containers = find(list(pod, CONTAINERS), PROXY).is_some();
    let field = if in_containers {
        CONTAINERS
    } else {
        INIT_CONTAINERS
    };
    find_mut(list_mut(pod, field)?, PROXY)
}

/// How [`modify`] treats the named container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reorder {
    MoveFirst,
    MoveLast,
    Remove,
}

/// Istio's `modifyContainers`: every container of that name is taken out; the last one is put
/// back first or last (or not at all for [`Reorder::Remove`]). Other containers keep their order.
pub fn modify(containers: &mut Vec<Value>, wanted: &str, how: Reorder) {
    if !containers.iter().any(|c| name(c) == wanted) {
        return;
    }
    let mut matched = None;
    let mut kept = Vec::with_capacity(containers.len());
    for container in containers.drain(..) {
        if name(&container) == wanted {
            matched = Some(container);
        } else {
            kept.push(container);
        }
    }
    *containers = kept;
    if let Some(container) = matched {
        match how {
            Reorder::MoveFirst => containers.insert(0, container),
            Reorder::MoveLast => containers.push(container),
            Reorder::Remove => {}
        }
    }
}

/// Istio's `moveContainer`: the first container of that name in `from` is appended to `to`.
pub fn move_container(from: &mut Vec<Value>, to: &mut Vec<Value>, wanted: &str) {
    if let Some(index) = from.iter().position(|c| name(c) == wanted) {
        to.push(from.remove(index));
    }
}

/// The pod's `metadata.annotations` (absent or ill-typed reads as none).
pub fn annotations(pod: &Value) -> Option<&Map<String, Value>> {
    pod.get("metadata")?.get("annotations")?.as_object()
}

/// One annotation's value, when it is a string.
pub fn annotation<'a>(pod: &'a Value, key: &str) -> Option<&'a str> {
    annotations(pod)?.get(key)?.as_str()
}

/// The pod's `metadata`, created when missing.
pub fn metadata_mut(pod: &mut Value) -> Option<&mut Map<String, Value>> {
    let metadata = pod
        .as_object_mut()?
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if metadata.is_null() {
        *metadata = Value::Object(Map::new());
    }
    metadata.as_object_mut()
}

/// The pod's `metadata.<field>` string map, created when missing (Go's
/// `if pod.Annotations == nil { pod.Annotations = map[string]string{} }`).
pub fn string_map_mut<'a>(pod: &'a mut Value, field: &str) -> Option<&'a mut Map<String, Value>> {
    let slot = metadata_mut(pod)?
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// A container's `env` list, created when missing.
pub fn env_mut(container: &mut Value) -> Option<&mut Vec<Value>> {
    let slot = container
        .as_object_mut()?
        .entry("env")
        .or_insert_with(|| Value::Array(Vec::new()));
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
}

/// An env entry `{name, value}` as Go encodes `corev1.EnvVar{Name, Value}` (empty value omitted).
pub fn env_var(name: &str, value: &str) -> Value {
    let mut entry = Map::new();
    entry.insert("name".into(), Value::String(name.to_string()));
    if !value.is_empty() {
        entry.insert("value".into(), Value::String(value.to_string()));
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(list: &[Value]) -> Vec<&str> {
        list.iter().map(name).collect()
    }

    #[test]
    fn modify_moves_the_last_duplicate_and_drops_the_others() {
        let mut list = vec![
            json!({"name": "a"}),
            json!({"name": "p", "n": 1}),
            json!({"name": "b"}),
            json!({"name": "p", "n": 2}),
        ];
        modify(&mut list, "p", Reorder::MoveFirst);
        assert_eq!(names(&list), ["p", "a", "b"]);
        assert_eq!(list[0]["n"], 2);
        modify(&mut list, "p", Reorder::MoveLast);
        assert_eq!(names(&list), ["a", "b", "p"]);
        modify(&mut list, "p", Reorder::Remove);
        assert_eq!(names(&list), ["a", "b"]);
        modify(&mut list, "absent", Reorder::MoveFirst);
        assert_eq!(names(&list), ["a", "b"]);
    }

    #[test]
    fn sidecar_is_found_in_containers_before_init_containers() {
        let pod = json!({"spec": {
            "initContainers": [{"name": "istio-proxy", "where": "init"}],
            "containers": [{"name": "app"}, {"name": "istio-proxy", "where": "main"}]
        }});
        assert_eq!(
            find_sidecar(&pod).map(|c| &c["where"]),
            Some(&json!("main"))
        );
        let mut pod = pod;
        if let Some(c) = find_sidecar_mut(&mut pod) {
            c["edited"] = json!(true);
        }
        assert_eq!(pod["spec"]["containers"][1]["edited"], true);

        let native = json!({"spec": {"initContainers": [{"name": "istio-proxy"}], "containers": [{"name": "app"}]}});
        assert!(find_sidecar(&native).is_some());
        assert!(find_sidecar(&json!({"spec": {"containers": "oops"}})).is_none());
    }

    #[test]
    fn move_container_appends_the_first_match() {
        let mut from = vec![json!({"name": "app"}), json!({"name": "istio-proxy"})];
        let mut to = vec![json!({"name": "istio-init"})];
        move_container(&mut from, &mut to, PROXY);
        assert_eq!(names(&from), ["app"]);
        assert_eq!(names(&to), ["istio-init", "istio-proxy"]);
    }

    #[test]
    fn maps_and_lists_are_created_on_demand() {
        let mut pod = json!({"metadata": {"annotations": null}});
        if let Some(annotations) = string_map_mut(&mut pod, "annotations") {
            annotations.insert("a".into(), json!("b"));
        }
        assert_eq!(pod["metadata"]["annotations"]["a"], "b");
        if let Some(list) = list_or_create(&mut pod, INIT_CONTAINERS) {
            list.push(json!({"name": "x"}));
        }
        assert_eq!(pod["spec"]["initContainers"][0]["name"], "x");
        assert_eq!(env_var("A", ""), json!({"name": "A"}));
        assert_eq!(env_var("A", "1"), json!({"name": "A", "value": "1"}));
    }
}

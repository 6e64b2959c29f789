//! Reading objects from the cluster through Kubewarden's context-aware host capability.
//!
//! The trait keeps the admission logic testable natively: unit tests answer from fixtures,
//! the wasm build asks the policy server (`kubewarden`/`kubernetes`/`get_resource`).

use serde_json::Value;

/// Read access to the cluster objects the policy depends on.
pub trait Cluster {
    /// Fetches one object; `Ok(None)` when the cluster says it does not exist.
    fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, String>;

    fn namespace(&self, name: &str) -> Result<Option<Value>, String> {
        self.get("v1", "Namespace", None, name)
    }

    fn config_map(&self, namespace: &str, name: &str) -> Result<Option<Value>, String> {
        self.get("v1", "ConfigMap", Some(namespace), name)
    }

    /// Fetches one cluster-scoped object trimmed to `field_masks` (dotted paths), so the host
    /// does not serialise what the policy never reads. Without masking, the whole object.
    fn get_fields(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        _field_masks: &[&str],
    ) -> Result<Option<Value>, String> {
        self.get(api_version, kind, None, name)
    }

    /// Lists the objects of a kind in one namespace, each trimmed to `field_masks`. A kind the
    /// cluster does not serve (its CRD is not installed) lists as empty.
    fn list_in_namespace(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        field_masks: &[&str],
    ) -> Result<Vec<Value>, String>;

    /// Lists every object of a cluster-scoped kind, each trimmed to `field_masks`.
    fn list_all(
        &self,
        api_version: &str,
        kind: &str,
        field_masks: &[&str],
    ) -> Result<Vec<Value>, String>;

    /// Hands every object of a cluster-scoped kind, each trimmed to `field_masks`, to `each`,
    /// in the list's order, until `each` answers false. The host's list is read an item at a
    /// time and never held whole: every node of a big cluster is read for every pod
    /// `nativeSidecars: auto` injects.
    fn each_of_all(
        &self,
        api_version: &str,
        kind: &str,
        field_masks: &[&str],
        each: &mut dyn FnMut(Value) -> bool,
    ) -> Result<(), String> {
        hand_over(self.list_all(api_version, kind, field_masks)?, each);
        Ok(())
    }
}

/// Hands `items` to `each` in order until it answers false.
fn hand_over(items: impl IntoIterator<Item = Value>, each: &mut dyn FnMut(Value) -> bool) {
    for item in items {
        if !each(item) {
            break;
        }
    }
}

/// The policy server, reached through waPC host calls.
pub struct HostCluster;

impl Cluster for HostCluster {
    fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, String> {
        host_get(api_version, kind, namespace, name, None)
    }

    fn get_fields(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        field_masks: &[&str],
    ) -> Result<Option<Value>, String> {
        host_get(api_version, kind, None, name, Some(masks(field_masks)))
    }

    fn list_in_namespace(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        field_masks: &[&str],
    ) -> Result<Vec<Value>, String> {
        use kubewarden_policy_sdk::host_capabilities::kubernetes::ListResourcesByNamespaceRequest;
        let request = ListResourcesByNamespaceRequest {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            label_selector: None,
            field_selector: None,
            field_masks: Some(masks(field_masks)),
        };
        match host_list("list_resources_by_namespace", &request, kind) {
            Err(err) if reports_not_found(&err) => Ok(Vec::new()),
            other => other,
        }
    }

    fn list_all(
        &self,
        api_version: &str,
        kind: &str,
        field_masks: &[&str],
    ) -> Result<Vec<Value>, String> {
        let request = list_all_request(api_version, kind, field_masks);
        host_list("list_resources_all", &request, kind)
    }

    fn each_of_all(
        &self,
        api_version: &str,
        kind: &str,
        field_masks: &[&str],
        each: &mut dyn FnMut(Value) -> bool,
    ) -> Result<(), String> {
        let request = list_all_request(api_version, kind, field_masks);
        let answer = list_call("list_resources_all", &request, kind)?;
        let mut delivered = 0;
        let streamed = std::str::from_utf8(&answer).ok().and_then(|text| {
            each_item(text, &mut |item| {
                delivered += 1;
                each(item)
            })
        });
        if streamed.is_some() {
            return Ok(());
        }
        // What the item reader leaves (or a malformed answer) is read whole by serde_json,
        // which words the error; the items `each` already had are not handed over again.
        hand_over(list_items(&answer, kind)?.into_iter().skip(delivered), each);
        Ok(())
    }
}

fn list_all_request(
    api_version: &str,
    kind: &str,
    field_masks: &[&str],
) -> kubewarden_policy_sdk::host_capabilities::kubernetes::ListAllResourcesRequest {
    kubewarden_policy_sdk::host_capabilities::kubernetes::ListAllResourcesRequest {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        label_selector: None,
        field_selector: None,
        field_masks: Some(masks(field_masks)),
    }
}

/// Hands the items of a list answer to `each` one at a time, read by [`crate::json_text`],
/// stopping where `each` answers false. `None` when the reader cannot read the answer.
fn each_item(text: &str, each: &mut dyn FnMut(Value) -> bool) -> Option<()> {
    let mut reader = crate::json_text::Reader::new(text);
    let mut stopped = false;
    let read = reader.members(b'{', |r| match r.key()?.as_str() {
        "items" => r.members(b'[', |r| {
            let item = r.value()?;
            stopped = !each(item);
            // Nothing after the item that decided is read.
            (!stopped).then_some(())
        }),
        _ => r.skip().map(drop),
    });
    if stopped {
        return Some(());
    }
    read?;
    reader.end()
}

/// A list host call. The SDK's typed lists would decode whole k8s-openapi objects; the raw
/// call keeps the masked items as they come.
fn host_list(
    operation: &str,
    request: &impl serde::Serialize,
    kind: &str,
) -> Result<Vec<Value>, String> {
    let answer = list_call(operation, request, kind)?;
    list_items(&answer, kind)
}

/// The answer of a list host call, as it comes.
fn list_call(
    operation: &str,
    request: &impl serde::Serialize,
    kind: &str,
) -> Result<Vec<u8>, String> {
    let payload = serde_json::to_vec(request).map_err(|e| e.to_string())?;
    kubewarden_policy_sdk::wapc_guest::host_call("kubewarden", "kubernetes", operation, &payload)
        .map_err(|e| format!("cannot list {kind}s: {}", host_error(&e)))
}

/// The items of a list answer, moved out of it: a cluster's node list can be long.
fn list_items(answer: &[u8], kind: &str) -> Result<Vec<Value>, String> {
    let list =
        answer_value(answer).map_err(|e| format!("cannot list {kind}s: invalid answer: {e}"))?;
    let items = match list {
        Value::Object(mut list) => list.swap_remove("items"),
        _ => None,
    };
    match items {
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => Err(format!("cannot list {kind}s: items is not a list")),
    }
}

fn masks(field_masks: &[&str]) -> std::collections::BTreeSet<String> {
    field_masks.iter().map(|m| m.to_string()).collect()
}

fn host_get(
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    field_masks: Option<std::collections::BTreeSet<String>>,
) -> Result<Option<Value>, String> {
    use kubewarden_policy_sdk::host_capabilities::kubernetes::GetResourceRequest;
    let request = GetResourceRequest {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: namespace.map(str::to_string),
        disable_cache: false,
        field_masks,
    };
    // The SDK's `get_resource`, but for the answer's reader (see `answer_value`); its errors
    // are worded as the SDK's. The object's place is written only for an error.
    let failed = |why: &dyn std::fmt::Display| {
        let place = namespace.map(|ns| format!("{ns}/")).unwrap_or_default();
        format!("cannot read {kind} {place}{name}: {why}")
    };
    let payload = serde_json::to_vec(&request).map_err(|e| failed(&e))?;
    let answer = kubewarden_policy_sdk::wapc_guest::host_call(
        "kubewarden",
        "kubernetes",
        "get_resource",
        &payload,
    );
    match answer {
        Ok(answer) => answer_value(&answer)
            .map(Some)
            .map_err(|e| failed(&format!("error deserializing get resource response: {e}"))),
        Err(err) => {
            let text = format!(
                "error invoking host capability kubernetes.get_resource: {}",
                host_error(&err)
            );
            if reports_not_found(&text) {
                Ok(None)
            } else {
                Err(failed(&text))
            }
        }
    }
}

/// Whether a host call's error says the object (or its kind) does not exist: the host reports
/// that as an error, which a look-up tells apart from a failure. The API server's `NotFound`
/// comes through as such; policy-server 1.35 words an object its client did not find "Cannot
/// find v1/ConfigMap named 'x' inside of namespace 'Some(\"y\")'".
fn reports_not_found(error: &str) -> bool {
    error.contains("NotFound") || error.contains("not found") || error.contains("Cannot find ")
}

/// A host call's error as the admission response may carry it: policy-server appends its own
/// stack backtrace (`\n\nStack backtrace:` and a frame per line) to the errors of its
/// callbacks, which would otherwise end up in the message an operator reads in `kubectl`.
fn host_error(error: &dyn std::fmt::Display) -> String {
    let mut text = error.to_string();
    if let Some(at) = text.find("\n\nStack backtrace:") {
        text.truncate(at);
    }
    text
}

/// An object the host answered with. Istio's ConfigMaps hold its 100 KB injector config as one
/// string, which serde_json's reader unescapes into a buffer grown by doubling; the policy's
/// own reader sizes it once. serde_json reads (and words the errors of) anything that reader
/// leaves to it.
fn answer_value(answer: &[u8]) -> Result<Value, serde_json::Error> {
    match std::str::from_utf8(answer)
        .ok()
        .and_then(crate::json_text::object)
    {
        Some(value) => Ok(value),
        None => serde_json::from_slice(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::{each_item, host_error, list_items, reports_not_found};
    use crate::test_json::any_json;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn streamed(text: &str, stop_after: usize) -> (Option<()>, Vec<Value>) {
        let mut items = Vec::new();
        let read = each_item(text, &mut |item| {
            items.push(item);
            items.len() < stop_after
        });
        (read, items)
    }

    #[test]
    fn a_list_answer_is_handed_over_item_by_item() {
        let answer = r#"{"apiVersion":"v1","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}],"kind":"NodeList","metadata":{"resourceVersion":"7"}}"#;
        let (read, items) = streamed(answer, usize::MAX);
        assert_eq!(read, Some(()));
        assert_eq!(
            items,
            [
                json!({"metadata": {"name": "a"}}),
                json!({"metadata": {"name": "b"}})
            ]
        );
        assert_eq!(
            streamed(r#"{"kind":"NodeList"}"#, usize::MAX),
            (Some(()), vec![])
        );
        assert_eq!(streamed(r#"{"items":[]}"#, usize::MAX), (Some(()), vec![]));
    }

    #[test]
    fn nothing_after_the_deciding_item_is_read() {
        // The rest is not even JSON: the item that decided ends the reading.
        let (read, items) = streamed(r#"{"items":[{"n":1},{"n":2},{"n":3 BROKEN"#, 2);
        assert_eq!(read, Some(()));
        assert_eq!(items, [json!({"n": 1}), json!({"n": 2})]);
    }

    #[test]
    fn an_answer_the_reader_cannot_read_is_left_to_serde_json() {
        for broken in [
            r#"{"items":[{"n":1},]}"#,
            r#"{"items":{}}"#,
            "[]",
            r#"{"items":[1]} x"#,
        ] {
            assert_eq!(streamed(broken, usize::MAX).0, None, "{broken}");
        }
        assert!(list_items(br#"{"items":[{"n":1},]}"#, "Node").is_err());
    }

    proptest! {
        #[test]
        fn items_are_those_the_whole_answer_holds(
            items in proptest::collection::vec(any_json(), 0..6),
            extra in any_json(),
        ) {
            let answer = serde_json::to_string(&json!({"extra": extra, "items": items})).unwrap();
            let (read, streamed_items) = streamed(&answer, usize::MAX);
            if read.is_some() {
                prop_assert_eq!(streamed_items, list_items(answer.as_bytes(), "Node").unwrap());
            }
        }
    }

    /// The texts policy-server 1.35 answers `get_resource` with, through its Kubernetes client,
    /// when the object is missing (seen with e2e-tests/policy-server.bats).
    #[test]
    fn a_missing_object_is_told_from_a_failure() {
        let missing = "error invoking host capability kubernetes.get_resource: Host error: \
            Callback evaluation failure: Cannot find v1/ConfigMap named 'istio-sidecar-injector' \
            inside of namespace 'Some(\"istio-config\")'";
        assert!(reports_not_found(missing));
        assert!(reports_not_found(
            "ApiError: : NotFound (Status { status: Some(Failure), code: 404 })"
        ));
        assert!(!reports_not_found(
            "Host error: Policy has not been granted access to the 'kubernetes/get_resource' \
             host capability. The violation has been reported."
        ));
        assert!(!reports_not_found(
            "error sending request: connection refused"
        ));
    }

    #[test]
    fn the_hosts_backtrace_is_left_out_of_the_message() {
        let answered = "Callback evaluation failure: connection refused\n\nStack backtrace:\n   \
            0: <unknown>\n   1: start_thread\n             at ./nptl/pthread_create.c:442:8";
        assert_eq!(
            host_error(&answered),
            "Callback evaluation failure: connection refused"
        );
        assert_eq!(host_error(&"plain\nerror"), "plain\nerror");
    }
}

#[cfg(test)]
pub mod fixtures {
    //! An in-memory cluster for unit tests.

    use super::Cluster;
    use serde_json::Value;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    #[derive(Default)]
    pub struct FixtureCluster {
        objects: BTreeMap<(String, String, String, String), Value>,
        pub lookups: RefCell<Vec<String>>,
        pub fail: bool,
    }

    impl FixtureCluster {
        /// A list call, recorded as `<apiVersion>/<kind> list[ <namespace>]`. Items come
        /// without apiVersion and kind, as the host answers masked lists.
        fn list(
            &self,
            api_version: &str,
            kind: &str,
            namespace: Option<&str>,
        ) -> Result<Vec<Value>, String> {
            let place = namespace.map(|ns| format!(" {ns}")).unwrap_or_default();
            self.lookups
                .borrow_mut()
                .push(format!("{api_version}/{kind} list{place}"));
            if self.fail {
                return Err("connection refused".to_string());
            }
            Ok(self
                .objects
                .iter()
                .filter(|((v, k, ns, _), _)| {
                    v == api_version && k == kind && namespace.is_none_or(|want| ns == want)
                })
                .map(|(_, object)| {
                    let mut masked = object.clone();
                    if let Some(fields) = masked.as_object_mut() {
                        fields.remove("apiVersion");
                        fields.remove("kind");
                    }
                    masked
                })
                .collect())
        }

        pub fn with(mut self, object: Value) -> Self {
            let get = |p: &str| {
                object
                    .pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let key = (
                get("/apiVersion"),
                get("/kind"),
                get("/metadata/namespace"),
                get("/metadata/name"),
            );
            self.objects.insert(key, object);
            self
        }
    }

    impl Cluster for FixtureCluster {
        fn get(
            &self,
            api_version: &str,
            kind: &str,
            namespace: Option<&str>,
            name: &str,
        ) -> Result<Option<Value>, String> {
            self.lookups.borrow_mut().push(format!(
                "{api_version}/{kind} {}/{name}",
                namespace.unwrap_or("")
            ));
            if self.fail {
                return Err("connection refused".to_string());
            }
            let key = (
                api_version.to_string(),
                kind.to_string(),
                namespace.unwrap_or("").to_string(),
                name.to_string(),
            );
            Ok(self.objects.get(&key).cloned())
        }

        fn list_in_namespace(
            &self,
            api_version: &str,
            kind: &str,
            namespace: &str,
            _field_masks: &[&str],
        ) -> Result<Vec<Value>, String> {
            self.list(api_version, kind, Some(namespace))
        }

        fn list_all(
            &self,
            api_version: &str,
            kind: &str,
            _field_masks: &[&str],
        ) -> Result<Vec<Value>, String> {
            self.list(api_version, kind, None)
        }
    }
}

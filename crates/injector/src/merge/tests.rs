//! `merge`'s tests: apimachinery's strategic-merge cases, Istio's pod semantics, errors and
//! properties.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::k8s::Field;
use crate::k8s::testing::{arb_json, conformance_pod_pairs};

/// apimachinery's test type `MergeItem` (patch_test.go), as a table.
static MERGE_ITEM: Struct = Struct {
    name: "MergeItem",
    fields: &[
        Field::new("name", "Name", Kind::String).omitempty(),
        Field::new("value", "Value", Kind::String).omitempty(),
        Field::new("other", "Other", Kind::String).omitempty(),
        Field::new(
            "mergingList",
            "MergingList",
            Kind::Slice(Elem::Struct(&MERGE_ITEM)),
        )
        .omitempty()
        .merge_by("name"),
        Field::new(
            "nonMergingList",
            "NonMergingList",
            Kind::Slice(Elem::Struct(&MERGE_ITEM)),
        )
        .omitempty(),
        Field::new("mergingIntList", "MergingIntList", Kind::Slice(Elem::Int64))
            .omitempty()
            .merge_set(),
        Field::new(
            "nonMergingIntList",
            "NonMergingIntList",
            Kind::Slice(Elem::Int64),
        )
        .omitempty(),
        Field::new("mergeItemPtr", "MergeItemPtr", Kind::Struct(&MERGE_ITEM))
            .ptr()
            .omitempty(),
        Field::new("simpleMap", "SimpleMap", Kind::Map(Elem::String)).omitempty(),
        Field::new("replacingItem", "ReplacingItem", Kind::Raw)
            .omitempty()
            .replace(),
        Field::new("retainKeysMap", "RetainKeysMap", Kind::Struct(&MERGE_ITEM))
            .omitempty()
            .retain_keys(),
        Field::new(
            "retainKeysMergingList",
            "RetainKeysMergingList",
            Kind::Slice(Elem::Struct(&MERGE_ITEM)),
        )
        .omitempty()
        .merge_by("name")
        .retain_keys(),
    ],
};

fn apply(original: Value, patch: Value) -> Result<Value, MergeError> {
    strategic_merge(&MERGE_ITEM, &original, &patch)
}

fn names(v: &Value, pointer: &str) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    i.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// (description, original, patch, expected) facts from apimachinery's patch_test.go.
fn apimachinery_cases() -> Vec<(&'static str, Value, Value, Value)> {
    vec![
        (
            "unique scalars when merging lists",
            json!({"mergingIntList": [1, 2]}),
            json!({"mergingIntList": [2, 3]}),
            json!({"mergingIntList": [1, 2, 3]}),
        ),
        (
            "delete map from nested map",
            json!({"simpleMap": {"key1": 1, "key2": 1}}),
            json!({"simpleMap": {"$patch": "delete"}}),
            json!({"simpleMap": {}}),
        ),
        (
            "delete all items from merging list",
            json!({"mergingList": [{"name": 1}, {"name": 2}]}),
            json!({"mergingList": [{"$patch": "replace"}]}),
            json!({"mergingList": []}),
        ),
        (
            "merge empty merging lists",
            json!({"mergingList": []}),
            json!({"mergingList": []}),
            json!({"mergingList": []}),
        ),
        (
            "delete all keys from map",
            json!({"name": 1, "value": 1}),
            json!({"$patch": "replace"}),
            json!({}),
        ),
        (
            "add key and delete all keys from map",
            json!({"name": 1, "value": 1}),
            json!({"other": "a", "$patch": "replace"}),
            json!({"other": "a"}),
        ),
        (
            "delete all duplicate entries in a merging list",
            json!({"mergingList": [{"name": 1}, {"name": 1}, {"name": 2, "value": "a"}, {"name": 3}, {"name": 3}]}),
            json!({"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]}),
            json!({"mergingList": [{"name": 2, "value": "a"}]}),
        ),
        (
            "retainKeys map can add a field when no retainKeys directive present",
            json!({"retainKeysMap": {"name": "foo"}}),
            json!({"retainKeysMap": {"value": "bar"}}),
            json!({"retainKeysMap": {"name": "foo", "value": "bar"}}),
        ),
        (
            "retainKeys map can delete a field when no retainKeys directive present",
            json!({"retainKeysMap": {"name": "foo", "value": "a"}}),
            json!({"retainKeysMap": {"value": null}}),
            json!({"retainKeysMap": {"name": "foo"}}),
        ),
        (
            "retainKeys list can add a field when no retainKeys directive present",
            json!({"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]}),
            json!({"retainKeysMergingList": [{"name": "foo", "value": "a"}]}),
            json!({"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]}),
        ),
        (
            "preserve the order from the patch in a merging list",
            json!({"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]}),
            json!({"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "other": "x"}]}),
            json!({"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "value": "b", "other": "x"}]}),
        ),
        (
            "preserve the order from the patch in a merging list 2",
            json!({"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]}),
            json!({"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}]}),
            json!({"mergingList": [{"name": 2, "value": "b"}, {"name": 3, "value": "c"}, {"name": 1, "value": "a"}]}),
        ),
        (
            "preserve the order from the patch in a merging int list",
            json!({"mergingIntList": [1, 2, 3]}),
            json!({"mergingIntList": [3, 1, 2]}),
            json!({"mergingIntList": [3, 1, 2]}),
        ),
        (
            "preserve the order from the patch in a merging int list 2",
            json!({"mergingIntList": [1, 2, 3]}),
            json!({"mergingIntList": [3, 1]}),
            json!({"mergingIntList": [2, 3, 1]}),
        ),
        (
            "$setElementOrder contains item that is not present in the list to be merged",
            json!({"mergingList": [{"name": 1}, {"name": 3}]}),
            json!({"$setElementOrder/mergingList": [{"name": 3}, {"name": 2}, {"name": 1}],
                   "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
            json!({"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
        ),
        (
            "$setElementOrder contains item that is not present in the int list to be merged",
            json!({"mergingIntList": [1, 3]}),
            json!({"$setElementOrder/mergingIntList": [3, 2, 1]}),
            json!({"mergingIntList": [3, 1]}),
        ),
        (
            "$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list",
            json!({"mergingIntList": [1, 2]}),
            json!({"$deleteFromPrimitiveList/mergingIntList": [3]}),
            json!({"mergingIntList": [1, 2]}),
        ),
        (
            "$deleteFromPrimitiveList on empty primitive list should not add the item to the list",
            json!({"mergingIntList": null}),
            json!({"$deleteFromPrimitiveList/mergingIntList": [3]}),
            json!({"mergingIntList": null}),
        ),
        (
            "$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list",
            json!({"foo": ["bar"]}),
            json!({"$deleteFromPrimitiveList/mergingIntList": [3]}),
            json!({"foo": ["bar"]}),
        ),
        (
            "$deleteFromPrimitiveList should delete item from a list with merge patch strategy",
            json!({"mergingIntList": [1, 2, 3]}),
            json!({"$deleteFromPrimitiveList/mergingIntList": [2]}),
            json!({"mergingIntList": [1, 3]}),
        ),
        (
            "$deleteFromPrimitiveList should delete item from a list without merge patch strategy",
            json!({"nonMergingIntList": [1, 2, 3]}),
            json!({"$deleteFromPrimitiveList/nonMergingIntList": [2]}),
            json!({"nonMergingIntList": [1, 3]}),
        ),
        (
            "nil original",
            json!({}),
            json!({"name": 1, "value": 1}),
            json!({"name": 1, "value": 1}),
        ),
        (
            "add field and delete field from map",
            json!({"name": 1, "other": "a"}),
            json!({"name": null, "value": 1}),
            json!({"value": 1, "other": "a"}),
        ),
        (
            "delete field from nested map",
            json!({"simpleMap": {"key1": 1, "key2": 1, "other": "a"}}),
            json!({"simpleMap": {"key2": null}}),
            json!({"simpleMap": {"key1": 1, "other": "a"}}),
        ),
        (
            "replace list of scalars",
            json!({"nonMergingIntList": [1, 2]}),
            json!({"nonMergingIntList": [2, 3]}),
            json!({"nonMergingIntList": [2, 3]}),
        ),
        (
            "delete all maps from merging list",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "other": "b"}]}),
            json!({"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]}),
            json!({"mergingList": []}),
        ),
        (
            "defined null values should propagate overwrite current fields",
            json!({"name": "a", "other": "a"}),
            json!({"name": 1, "value": 1, "other": null}),
            json!({"name": 1, "value": 1}),
        ),
        (
            "nested patch merge with empty list",
            json!({"name": "hi", "mergingList": [{"name": "hello2"}]}),
            json!({"$setElementOrder/mergingList": [{"name": "hello"}, {"name": "doesntexist"}],
                   "mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]}),
            json!({"name": "hi", "mergingList": [{"name": "hello"}, {"name": "hello2"}]}),
        ),
        (
            "delete items in lists of scalars",
            json!({"mergingIntList": [1, 2, 3, 4]}),
            json!({"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]}),
            json!({"mergingIntList": [1, 2, 4]}),
        ),
        (
            "merge lists of maps",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
            json!({"$setElementOrder/mergingList": [{"name": 4}, {"name": 1}, {"name": 2}, {"name": 3}],
                   "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}]}),
            json!({"mergingList": [{"name": 4, "value": 4}, {"name": 1, "other": "a"},
                                   {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
        ),
        (
            "add field to map in merging list with conflict",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 2, "other": "b"}]}),
            json!({"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                   "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]}),
            json!({"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2},
                                   {"name": 3, "value": 2, "other": "b"}]}),
        ),
        (
            "delete missing map from merging list with conflict",
            json!({"mergingList": [{"name": 3, "other": "a"}]}),
            json!({"$setElementOrder/mergingList": [{"name": 2}],
                   "mergingList": [{"name": 2}, {"name": 1, "$patch": "delete"}]}),
            json!({"mergingList": [{"name": 2}, {"name": 3, "other": "a"}]}),
        ),
        (
            "replace non merging list nested in merging list",
            json!({"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                                   {"name": 2, "other": "b"}]}),
            json!({"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                   "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}]}),
            json!({"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]},
                                   {"name": 2, "other": "b"}]}),
        ),
    ]
}

#[test]
fn apimachinery_patch_application_cases() {
    for (description, original, patch, expected) in apimachinery_cases() {
        match apply(original, patch) {
            Ok(got) => assert_eq!(got, expected, "{description}"),
            Err(e) => panic!("{description}: {e}"),
        }
    }
}

#[test]
fn apimachinery_error_cases() {
    let cases = [
        (
            json!({"mergingList": [{"name": 1, "value": "a"}]}),
            json!({"mergingList": [{"value": "b"}]}),
            "does not contain declared merge key",
        ),
        (
            json!({"mergingList": [{"name": 1}, {"name": 3}, {"name": 2}]}),
            json!({"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                   "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
            "doesn't match",
        ),
        (
            json!({"mergingIntList": [1, 3, 2]}),
            json!({"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]}),
            "doesn't match",
        ),
        (
            json!({"name": 1}),
            json!({"$patch": "explode"}),
            "unknown patch type",
        ),
        (
            json!({"mergingList": [{"name": 1}]}),
            json!({"mergingList": [{"name": 1, "$patch": "merge"}]}),
            "merging lists cannot yet be specified",
        ),
        (
            json!({"mergingList": [{"name": 1}]}),
            json!({"mergingList": [[1]]}),
            "lists of lists",
        ),
        (
            json!({"mergingList": [{"name": 1}]}),
            json!({"mergingList": [{"name": 2}, 3]}),
            "not identical",
        ),
        (
            json!({"retainKeysMap": {"name": "a"}}),
            json!({"retainKeysMap": {"$retainKeys": ["name"], "value": "b"}}),
            "retainKeys",
        ),
        (
            json!({"mergingList": [{"name": 1}]}),
            json!({"mergingList": {"name": 1}}),
            "cannot merge an object",
        ),
        (
            json!({"simpleMap": {"a": "b"}}),
            json!({"simpleMap": ["a"]}),
            "cannot merge a list",
        ),
    ];
    for (original, patch, want) in cases {
        match apply(original, patch.clone()) {
            Err(e) => assert!(e.to_string().contains(want), "{patch}: {e}"),
            Ok(v) => panic!("{patch}: expected an error containing {want:?}, got {v}"),
        }
    }
}

#[test]
fn retain_keys_clears_unlisted_fields() {
    let got = apply(
        json!({"retainKeysMap": {"name": "foo", "value": "a", "other": "x"}}),
        json!({"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "b"}}),
    );
    assert_eq!(
        got,
        Ok(json!({"retainKeysMap": {"name": "foo", "value": "b"}}))
    );
}

#[test]
fn directives_are_not_copied_into_new_fields() {
    let got = apply(
        json!({}),
        json!({"mergeItemPtr": {"name": "a", "value": null, "simpleMap": {"$patch": "delete"}}, "extra": {"$patch": "replace"}}),
    );
    assert_eq!(got, Ok(json!({"mergeItemPtr": {"name": "a"}})));
}

#[test]
fn replace_strategy_and_unknown_fields() {
    let got = apply(
        json!({"replacingItem": {"a": 1, "b": 2}, "unknownMap": {"a": 1, "b": {"c": 1}}, "unknownList": [1, 2]}),
        json!({"replacingItem": {"c": 3}, "unknownMap": {"b": {"d": 2}, "a": null}, "unknownList": [3]}),
    );
    assert_eq!(
        got,
        Ok(
            json!({"replacingItem": {"c": 3}, "unknownMap": {"b": {"c": 1, "d": 2}}, "unknownList": [3]})
        )
    );
}

#[test]
fn pod_merge_keys_and_istio_semantics() {
    let pod = json!({
        "metadata": {"labels": {"app": "a"}, "finalizers": ["x", "y"], "ownerReferences": [{"uid": "1", "name": "rs"}]},
        "spec": {
            "containers": [{
                "name": "app",
                "image": "app:1",
                "ports": [{"containerPort": 80, "name": "http"}],
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "args": ["--a"],
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]
            }],
            "initContainers": [{"name": "init-one"}, {"name": "init-two"}],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "tolerations": [{"key": "k"}]
        }
    });
    let patch = json!({
        "metadata": {"labels": {"sidecar": "yes"}, "finalizers": ["z", "x"]},
        "spec": {
            "containers": [{
                "name": "app",
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "env": [{"name": "B", "value": null}, {"name": "C", "value": "3"}],
                "args": ["--b"],
                "volumeMounts": [{"name": "istio", "mountPath": "/etc/istio"}]
            }, {"name": "istio-proxy", "image": "proxy"}],
            "initContainers": [{"name": "istio-init"}, {"name": "istio-proxy"}],
            "volumes": [{"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}, {"name": "istio-data", "emptyDir": null}],
            "tolerations": [{"key": "t"}]
        }
    });
    let merged = strategic_merge_pod(&pod, &patch).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        merged["metadata"]["labels"],
        json!({"app": "a", "sidecar": "yes"})
    );
    // Patch items first in patch order; `y` only goes first if the original had it before.
    assert_eq!(merged["metadata"]["finalizers"], json!(["z", "x", "y"]));
    assert_eq!(names(&merged, "/spec/containers"), ["app", "istio-proxy"]);
    assert_eq!(
        names(&merged, "/spec/initContainers"),
        ["istio-init", "istio-proxy", "init-one", "init-two"]
    );
    assert_eq!(
        names(&merged, "/spec/volumes"),
        ["istio-envoy", "istio-data", "data"]
    );
    // A new list item is appended as written (Go's typed decode drops the null later).
    assert_eq!(
        merged["spec"]["volumes"][1],
        json!({"name": "istio-data", "emptyDir": null})
    );
    let app = &merged["spec"]["containers"][0];
    assert_eq!(app["image"], json!("app:1"));
    assert_eq!(
        app["ports"],
        json!([{"containerPort": 80, "name": "http", "protocol": "TCP"}])
    );
    // `A` stays first: the original listed it before `B`, which the patch names.
    assert_eq!(
        app["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B"}, {"name": "C", "value": "3"}])
    );
    assert_eq!(app["args"], json!(["--b"]));
    assert_eq!(
        app["volumeMounts"],
        json!([{"name": "istio", "mountPath": "/etc/istio"}, {"name": "data", "mountPath": "/data"}])
    );
    assert_eq!(merged["spec"]["tolerations"], json!([{"key": "t"}]));
    assert_eq!(
        merged["metadata"]["ownerReferences"],
        json!([{"uid": "1", "name": "rs"}])
    );
}

#[test]
fn empty_patch_list_keeps_the_original_list_and_replace_directive_replaces_it() {
    let pod = json!({"spec": {"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "c"}]}});
    let kept = strategic_merge_pod(&pod, &json!({"spec": {"initContainers": []}}));
    assert_eq!(
        kept.map(|v| names(&v, "/spec/initContainers")),
        Ok(vec!["a".to_string(), "b".to_string()])
    );
    let replaced = strategic_merge_pod(
        &pod,
        &json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "x"}], "initContainers": [{"name": "a", "$patch": "delete"}]}}),
    );
    let replaced = replaced.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names(&replaced, "/spec/containers"), ["x"]);
    assert_eq!(names(&replaced, "/spec/initContainers"), ["b"]);
    let security_context = strategic_merge_pod(
        &json!({"spec": {"containers": [{"name": "c", "securityContext": {"runAsUser": 1, "privileged": true}}]}}),
        &json!({"spec": {"containers": [{"name": "c", "securityContext": {"$patch": "replace", "runAsUser": 2}}]}}),
    );
    assert_eq!(
        security_context.map(|v| v["spec"]["containers"][0]["securityContext"].clone()),
        Ok(json!({"runAsUser": 2}))
    );
}

#[test]
fn merge_errors_name_the_path() {
    let pod = json!({"spec": {"containers": [{"name": "c", "env": [{"name": "A"}]}]}});
    let err = strategic_merge_pod(
        &pod,
        &json!({"spec": {"containers": [{"name": "c", "env": [{"value": "x"}]}]}}),
    );
    assert_eq!(
        err.map_err(|e| e.path),
        Err("spec.containers[0].env".to_string())
    );
    let err = strategic_merge_pod(&pod, &json!({"spec": {"containers": {"name": "c"}}}));
    assert_eq!(err.map_err(|e| e.path), Err("spec.containers".to_string()));
    assert!(strategic_merge_pod(&json!([]), &json!({})).is_err());
    assert!(strategic_merge_pod(&pod, &json!("x")).is_err());
    assert_eq!(strategic_merge_pod(&pod, &Value::Null), Ok(pod.clone()));
}

/// Keyed merges are linear: 20,000 env vars merge quickly, in the right order.
#[test]
fn large_lists_merge_in_linear_time() {
    let n = 20_000;
    let env: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("E{i}"), "value": "v"}))
        .collect();
    let pod = json!({"spec": {"containers": [{"name": "c", "env": env}]}});
    let patch_env: Vec<Value> = (0..n)
        .rev()
        .step_by(2)
        .map(|i| json!({"name": format!("E{i}"), "value": "w"}))
        .collect();
    let patch = json!({"spec": {"containers": [{"name": "c", "env": patch_env}]}});
    let start = std::time::Instant::now();
    let merged = strategic_merge_pod(&pod, &patch).unwrap_or_else(|e| panic!("{e}"));
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
    let out = merged["spec"]["containers"][0]["env"]
        .as_array()
        .map(Vec::len);
    assert_eq!(out, Some(n));
}

/// The `sidecar` template output shape merged into conformance inputs: the Istio volumes
/// and init containers land before the user's, as in the goldens.
#[test]
fn template_shaped_patches_order_like_the_goldens() {
    let mut checked = 0;
    for (case, input, want) in conformance_pod_pairs() {
        // The template's items are the ones the status annotation names, in template
        // order; their bodies are the golden's.
        let status: Value = want
            .pointer("/metadata/annotations/sidecar.istio.io~1status")
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        if status.is_null() {
            // CronJobs carry it on the job template's metadata (a kube-inject quirk).
            continue;
        }
        let mut patch_spec = Map::new();
        for list in ["volumes", "initContainers"] {
            let golden = want
                .pointer(&format!("/spec/{list}"))
                .and_then(Value::as_array);
            let from_template: Vec<Value> = status
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|name| {
                    golden?
                        .iter()
                        .find(|i| i.get("name").and_then(Value::as_str) == Some(name))
                        .cloned()
                })
                .collect();
            patch_spec.insert(list.to_string(), Value::Array(from_template));
        }
        let patch = json!({"spec": patch_spec});
        let merged = strategic_merge_pod(&input, &patch).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            names(&merged, "/spec/volumes"),
            names(&want, "/spec/volumes"),
            "{}",
            case
        );
        // Init containers keep merge order when the proxy is a native sidecar (no
        // reordering of the user's init containers afterwards).
        let want_inits = names(&want, "/spec/initContainers");
        if want_inits.iter().any(|n| n == "istio-proxy")
            && !want_inits.iter().any(|n| n == "istio-validation")
        {
            assert_eq!(
                names(&merged, "/spec/initContainers"),
                want_inits,
                "{}",
                case
            );
        }
        checked += 1;
    }
    if checked == 0 {
        eprintln!("SKIP: istio-conformance data not found");
    } else {
        assert!(checked >= 90, "only {checked} cases checked");
    }
}

proptest! {
    #[test]
    fn merge_never_panics(original in arb_json(), patch in arb_json()) {
        let _ = strategic_merge_pod(&original, &patch);
        let _ = apply(original, patch);
    }

    #[test]
    fn merging_with_an_empty_patch_changes_nothing(original in arb_json()) {
        if original.is_object() {
            prop_assert_eq!(strategic_merge_pod(&original, &json!({})), Ok(original));
        }
    }
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn new_keys_land_where_the_typed_pass_puts_them() {
    let pod = json!({
        "metadata": {"name": "p", "annotations": {"a": "1", "c": "3"}, "x-unknown": 1},
        "spec": {"volumes": [], "containers": [{"name": "app"}], "x-unknown": 2}
    });
    let patch = json!({
        "metadata": {"namespace": "n", "annotations": {"b": "2", "d": "4"}, "y-unknown": 3},
        "spec": {"nodeName": "node", "initContainers": [{"name": "init"}], "y-unknown": 4}
    });
    let merged = strategic_merge_pod(&pod, &patch).unwrap();
    assert_eq!(
        keys(&merged["metadata"]),
        ["name", "namespace", "annotations", "x-unknown", "y-unknown"]
    );
    assert_eq!(
        keys(&merged["metadata"]["annotations"]),
        ["a", "b", "c", "d"]
    );
    assert_eq!(
        keys(&merged["spec"]),
        [
            "volumes",
            "initContainers",
            "containers",
            "nodeName",
            "x-unknown",
            "y-unknown"
        ]
    );
    // A map out of order (the typed pass sorts it) gets new keys at its end.
    let unsorted = json!({"metadata": {"labels": {"b": "1", "a": "2"}}});
    let merged = strategic_merge_pod(&unsorted, &json!({"metadata": {"labels": {"c": "3"}}}));
    assert_eq!(
        keys(&merged.unwrap()["metadata"]["labels"]),
        ["b", "a", "c"]
    );
}

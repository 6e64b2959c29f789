use super::*;
use crate::config::{InjectorConfig, MeshConfig, Values};
use crate::inject::typed;
use crate::inject::{Injector, Options, PodContext};
use crate::k8s::testing::conformance_pod_pairs_or_skip;
use serde_json::json;

fn typed_pod(pod: &Value) -> Value {
    match typed::normalize_pod(pod) {
        Ok(pod) => pod,
        Err(e) => panic!("{e}"),
    }
}

fn text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn metadata_mut(pod: &mut Value) -> &mut Map<String, Value> {
    match pod.get_mut("metadata").and_then(Value::as_object_mut) {
        Some(metadata) => metadata,
        None => panic!("no metadata"),
    }
}

/// `pod` with `key` at `index` of its metadata.
fn with_member(pod: &Value, index: usize, key: &str, value: Value) -> Value {
    let mut pod = pod.clone();
    let metadata = metadata_mut(&mut pod);
    let index = index.min(metadata.len());
    metadata.shift_insert(index, key.into(), value);
    pod
}

/// `pod` as the API server would send it: `managedFields` at `index` of its metadata.
fn with_managed_fields(pod: &Value, index: usize, managed_fields: Value) -> Value {
    with_member(pod, index, MANAGED_FIELDS, managed_fields)
}

/// `pod` as an API server before Kubernetes 1.34 would send it.
fn with_null_creation_timestamp(pod: &Value) -> Value {
    with_member(pod, 1, CREATION_TIMESTAMP, Value::Null)
}

fn without_namespace(pod: &Value) -> Value {
    let mut pod = pod.clone();
    metadata_mut(&mut pod).shift_remove(NAMESPACE);
    pod
}

fn hello() -> Value {
    typed_pod(&json!({
        "metadata": {"name": "hello", "namespace": "shop", "labels": {"app": "hello"}},
        "spec": {"containers": [{"name": "hello", "image": "hello:1"}]}
    }))
}

/// What the pipeline does without the shortcut (a typed copy), against what it does with it,
/// for a received pod whose typed form is `typed`.
fn assert_patched_alike(name: &str, received: &Value, typed: &Value, result: &Value) {
    let expected = patch::apply_changes(received.clone(), typed, result.clone());
    let mut raw = received.clone();
    let Some(set_aside) = adopt(&mut raw, typed) else {
        panic!("{name}: a typed pod is not taken for one");
    };
    assert_eq!(
        text(&raw),
        text(typed),
        "{name}: the adopted pod is the typed one"
    );
    let patched = set_aside.apply(raw, result.clone());
    assert_eq!(text(&patched.pod), text(&expected.pod), "{name}");
    assert_eq!(patched.changed, expected.changed, "{name}");
}

#[test]
fn managed_fields_and_the_request_namespace_are_set_aside_and_put_back() {
    let typed = hello();
    let managed = json!([{"manager": "kubectl", "operation": "Update"}]);
    for received in [
        typed.clone(),
        with_managed_fields(&typed, 0, managed.clone()),
        with_managed_fields(&typed, 1, managed.clone()),
        with_managed_fields(&typed, 9, managed.clone()),
        with_managed_fields(&typed, 2, Value::Null),
        without_namespace(&typed),
        with_managed_fields(&without_namespace(&typed), 1, managed.clone()),
        with_null_creation_timestamp(&with_managed_fields(&typed, 9, managed.clone())),
        with_managed_fields(
            &with_null_creation_timestamp(&without_namespace(&typed)),
            0,
            managed.clone(),
        ),
    ] {
        let mut raw = received.clone();
        let Some(set_aside) = adopt(&mut raw, &typed) else {
            panic!("{received} is typed");
        };
        assert_eq!(text(&raw), text(&typed));
        set_aside.restore(&mut raw);
        assert_eq!(text(&raw), text(&received));
    }
}

#[test]
fn a_pod_not_in_its_typed_form_is_left_as_it_was() {
    let typed = hello();
    let managed = json!([{"manager": "kubectl"}]);
    let mut reordered = typed.clone();
    let metadata = std::mem::take(metadata_mut(&mut reordered));
    *metadata_mut(&mut reordered) = metadata.into_iter().rev().collect();
    let mut requantified = typed.clone();
    requantified["spec"]["containers"][0]["resources"] = json!({"limits": {"cpu": "2000m"}});
    let mut typed_cpu = requantified.clone();
    typed_cpu["spec"]["containers"][0]["resources"] = json!({"limits": {"cpu": "2"}});
    let mut other_namespace = typed.clone();
    other_namespace["metadata"]["namespace"] = json!("other");
    let mut negative_zero = typed.clone();
    negative_zero["x"] = json!(-0.0);
    let mut zero = typed.clone();
    zero["x"] = json!(0.0);
    for (received, typed) in [
        (with_managed_fields(&reordered, 1, managed.clone()), &typed),
        (
            with_managed_fields(&requantified, 1, Value::Null),
            &typed_cpu,
        ),
        (other_namespace, &typed),
        (
            json!({"spec": {}}),
            &json!({"metadata": {"namespace": "shop"}, "spec": {}}),
        ),
        (negative_zero, &zero),
    ] {
        let mut raw = received.clone();
        assert!(adopt(&mut raw, typed).is_none(), "{received}");
        assert_eq!(text(&raw), text(&received));
    }
}

#[test]
fn results_that_touch_what_was_set_aside_are_patched_as_before() {
    let typed = hello();
    let managed = json!([{"manager": "kubectl"}]);
    let received = with_managed_fields(
        &with_null_creation_timestamp(&without_namespace(&typed)),
        3,
        managed,
    );
    let mut injected = typed.clone();
    injected["metadata"]["annotations"] = json!({"sidecar.istio.io/status": "{}"});
    let mut moved = injected.clone();
    moved["metadata"]["namespace"] = json!("elsewhere");
    let mut unlabelled = injected.clone();
    metadata_mut(&mut unlabelled).shift_remove("labels");
    let mut managing = injected.clone();
    managing["metadata"]["managedFields"] = json!([]);
    let mut created = injected.clone();
    created["metadata"][CREATION_TIMESTAMP] = json!("2026-01-01T00:00:00Z");
    let mut unnamed = injected.clone();
    metadata_mut(&mut unnamed).shift_remove("name");
    for (name, result) in [
        ("annotated", injected),
        ("namespace changed", moved),
        ("a metadata member removed", unlabelled),
        ("managedFields added", managing),
        ("creationTimestamp added", created),
        ("the first member removed", unnamed),
        ("metadata removed", json!({"spec": typed["spec"]})),
        (
            "metadata replaced",
            json!({"metadata": [], "spec": typed["spec"]}),
        ),
    ] {
        assert_patched_alike(name, &received, &typed, &result);
    }
}

#[test]
fn conformance_pods_are_patched_as_from_a_typed_copy() {
    let Some(pairs) = conformance_pod_pairs_or_skip() else {
        return;
    };
    let managed = json!([{"manager": "kube-controller-manager", "operation": "Update"}]);
    for (name, pod, injected) in pairs {
        let (Ok(mut typed), Ok(result)) =
            (typed::normalize_pod(&pod), typed::normalize_pod(&injected))
        else {
            continue;
        };
        if typed.get("metadata").is_none_or(|m| !m.is_object()) {
            typed["metadata"] = json!({});
        }
        metadata_mut(&mut typed).insert(NAMESPACE.into(), json!("default"));
        typed = typed_pod(&typed);
        let received = [
            typed.clone(),
            with_managed_fields(&typed, 0, managed.clone()),
            with_managed_fields(&typed, 2, Value::Null),
            with_managed_fields(&without_namespace(&typed), 1, managed.clone()),
            with_null_creation_timestamp(&with_managed_fields(&typed, 9, managed.clone())),
        ];
        for received in &received {
            assert_patched_alike(&name, received, &typed, &result);
            assert_patched_alike(&name, received, &typed, &typed);
        }
    }
}

fn inject(pod: &Value, namespace: &str) -> Value {
    let injector = match Injector::new(
        InjectorConfig::builtin(),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        Options::default(),
    ) {
        Ok(injector) => injector,
        Err(e) => panic!("{e}"),
    };
    let ctx = PodContext {
        namespace,
        namespace_annotations: None,
    };
    match injector.inject(pod, &ctx) {
        Ok(injected) => injected.pod,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_typed_pod_keeps_what_its_typed_form_leaves_out_where_it_was() {
    let typed = hello();
    let plain = inject(&typed, "shop");
    assert!(plain["metadata"].get(MANAGED_FIELDS).is_none());
    let managed =
        json!([{"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:spec": {}}}]);
    for (index, value) in [(1, managed.clone()), (0, managed), (3, Value::Null)] {
        let received = with_managed_fields(&typed, index, value);
        let out = inject(&received, "shop");
        assert_eq!(
            text(&out),
            text(&with_managed_fields(
                &plain,
                index,
                received["metadata"][MANAGED_FIELDS].clone()
            ))
        );
    }
    let out = inject(&with_null_creation_timestamp(&typed), "shop");
    assert_eq!(text(&out), text(&with_null_creation_timestamp(&plain)));
}

#[test]
fn a_typed_pod_without_namespace_is_injected_in_the_requests_and_left_without() {
    let typed = hello();
    let received = without_namespace(&typed);
    let out = inject(&received, "shop");
    assert_eq!(
        text(&out),
        text(&without_namespace(&inject(&typed, "shop")))
    );
    // The namespace reaches the injection: the proxy's is the request's.
    assert!(text(&out).contains("shop"), "{out}");
    let elsewhere = inject(&received, "elsewhere");
    assert_ne!(text(&elsewhere), text(&out));
    assert!(elsewhere["metadata"].get(NAMESPACE).is_none());
}

/// The typed copy's way: normalize the received pod, set the namespace where it has none,
/// adopt against that copy.
fn adopted_from_a_copy(received: &Value, namespace: &str) -> (Value, Option<SetAside>) {
    let mut raw = received.clone();
    let Ok(mut typed) = typed::normalize_pod(received) else {
        return (raw, None);
    };
    if typed.pointer("/metadata/namespace").is_none()
        && typed::set_namespace(&mut typed, namespace).is_err()
    {
        return (raw, None);
    }
    let aside = adopt(&mut raw, &typed);
    (raw, aside)
}

#[test]
fn a_pod_read_as_typed_is_adopted_as_from_its_typed_copy() {
    let Some(pairs) = conformance_pod_pairs_or_skip() else {
        return;
    };
    let managed = json!([{"manager": "kube-controller-manager", "operation": "Update"}]);
    let (mut adopted, mut refused) = (0, 0);
    for (name, pod, injected) in pairs {
        let mut variants = vec![pod.clone(), injected.clone()];
        if let Ok(typed) = typed::normalize_pod(&pod)
            && typed.get("metadata").is_some_and(Value::is_object)
        {
            variants.extend([
                with_managed_fields(&typed, 0, managed.clone()),
                with_managed_fields(&without_namespace(&typed), 1, Value::Null),
                with_null_creation_timestamp(&with_managed_fields(&typed, 9, managed.clone())),
                with_managed_fields(&typed, 1, json!("not a list")),
            ]);
        }
        for received in &variants {
            let (copy_raw, copy_aside) = adopted_from_a_copy(received, "default");
            let mut raw = received.clone();
            match adopt_typed(&mut raw, Some("default")) {
                Some(aside) => {
                    adopted += 1;
                    assert_eq!(text(&raw), text(&copy_raw), "{name}");
                    assert_eq!(
                        format!("{:?}", Some(aside)),
                        format!("{copy_aside:?}"),
                        "{name}"
                    );
                }
                None => {
                    refused += 1;
                    assert_eq!(text(&raw), text(received), "{name}: left as it was");
                    // Only a pod its typed copy does not adopt either, or one whose
                    // `managedFields` Go would not decode.
                    let bad_managed_fields = received
                        .pointer("/metadata/managedFields")
                        .is_some_and(|m| !m.is_null() && !m.is_array());
                    assert!(copy_aside.is_none() || bad_managed_fields, "{name}");
                }
            }
        }
    }
    assert!(
        adopted > 0 && refused > 0,
        "{adopted} adopted, {refused} refused"
    );
}

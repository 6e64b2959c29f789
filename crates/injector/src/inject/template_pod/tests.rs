use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::names_only;
use crate::error::InjectError;
use crate::inject::typed;
use crate::k8s::testing::{arb_json, conformance_pod_pairs_or_skip};
use crate::postprocess::status::InjectionStatus;

/// What injection reads of a template pod and of the merge: the names (as the status
/// annotation lists them) and the merged pod's text, or the error reported first.
type Outcome = Result<(String, String), String>;

fn outcome(template_pod: &Value, merged: Result<Value, InjectError>) -> Outcome {
    let merged = merged.map_err(|e| e.to_string())?;
    let names = InjectionStatus::of_template(template_pod, "").to_json();
    Ok((
        names,
        serde_json::to_string(&merged).expect("a Value serializes"),
    ))
}

/// Istio's order: the render merged into the empty template pod, then into the pod.
fn full(pod: &Value, rendered: &Value) -> Outcome {
    let template_pod = typed::merge_template(Value::Object(Map::new()), rendered.clone())
        .map_err(|e| e.to_string())?;
    outcome(
        &template_pod,
        typed::merge_overlay_typed(pod.clone(), rendered.clone()),
    )
}

/// `run_templates` with one template: the names taken from the render when it allows, the
/// template pod's error reported first when the merge into the pod fails.
fn shortcut(pod: &Value, rendered: &Value) -> Outcome {
    let Some(template_pod) = names_only(rendered) else {
        return full(pod, rendered);
    };
    match typed::merge_overlay_typed(pod.clone(), rendered.clone()) {
        Ok(merged) => outcome(&template_pod, Ok(merged)),
        Err(error) => {
            typed::merge_template(Value::Object(Map::new()), rendered.clone())
                .map_err(|e| e.to_string())?;
            Err(error.to_string())
        }
    }
}

/// Both paths from `pod` in its typed form; `None` when the pod does not decode.
fn compare(pod: &Value, rendered: &Value) -> Option<(Outcome, Outcome)> {
    let typed_pod = typed::normalize_pod(pod).ok()?;
    Some((shortcut(&typed_pod, rendered), full(&typed_pod, rendered)))
}

#[test]
fn conformance_pods_and_renders() {
    let Some(pairs) = conformance_pod_pairs_or_skip() else {
        return;
    };
    let mut shortcuts = 0;
    for (name, pod, output) in &pairs {
        // The injected pod stands for a render: it holds the injected containers and
        // volumes; the input pod, for a template that sets the user's own.
        for (base, rendered) in [(pod, output), (pod, pod), (output, output), (output, pod)] {
            if let Some((ours, theirs)) = compare(base, rendered) {
                assert_eq!(ours, theirs, "{name}");
                shortcuts += usize::from(names_only(rendered).is_some());
            }
        }
    }
    assert!(shortcuts >= 300, "only {shortcuts} shortcuts compared");
}

#[test]
fn names_keep_the_render_order_and_missing_names() {
    let rendered = json!({"spec": {
        "initContainers": [{"name": "istio-init"}, null, {"image": "x"}],
        "containers": [{"name": "istio-proxy"}, {"name": "istio-validation", "image": "y"}],
        "volumes": [],
        "imagePullSecrets": null
    }});
    assert_eq!(
        names_only(&rendered).map(|pod| InjectionStatus::of_template(&pod, "").to_json()),
        Some(
            r#"{"initContainers":["istio-init","",""],"containers":["istio-proxy","istio-validation"],"volumes":null,"imagePullSecrets":null,"revision":"default"}"#
                .to_string()
        )
    );
}

#[test]
fn directives_and_odd_items_take_the_full_path() {
    for rendered in [
        json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
        json!({"spec": {"$setElementOrder/containers": [{"name": "a"}]}}),
        json!({"metadata": {"labels": {"$patch": "replace"}}}),
        json!({"spec": {"containers": [{"name": 3}]}}),
        json!({"spec": {"volumes": ["data"]}}),
        // The second item merges into the first in the pod, not in the template pod.
        json!({"spec": {"volumes": [{"name": "a", "image": {}}, {"name": "a", "image": null}]}}),
        json!({"spec": {"containers": [{"name": "a", "ports": [
            {"containerPort": 80, "protocol": 6}, {"containerPort": 80.0, "protocol": "TCP"}
        ]}]}}),
    ] {
        assert_eq!(names_only(&rendered), None, "{rendered}");
    }
}

#[test]
fn a_repeated_key_is_found_in_lists_of_any_length() {
    let rendered = |env: &[Value]| json!({"spec": {"containers": [{"name": "c", "env": env}]}});
    for len in [2, 16, 63] {
        let mut env: Vec<Value> = (0..len).map(|i| json!({"name": format!("V{i}")})).collect();
        assert!(names_only(&rendered(&env)).is_some(), "{len}");
        env.push(json!({"name": "V1", "value": "again"}));
        assert_eq!(names_only(&rendered(&env)), None, "{len}");
    }
    // Past 64 items the full path is taken without looking.
    let env: Vec<Value> = (0..65).map(|i| json!({"name": format!("V{i}")})).collect();
    assert_eq!(names_only(&rendered(&env)), None);
}

#[test]
fn the_template_pods_error_comes_first() {
    // Both merges fail; Istio reports the template pod's.
    let pod = json!({"spec": {"containers": [{"name": "app"}]}});
    let rendered =
        json!({"metadata": {"labels": {"a": 1}}, "spec": {"containers": [{"image": "x"}]}});
    let Some((ours, theirs)) = compare(&pod, &rendered) else {
        panic!("the pod decodes")
    };
    assert_eq!(ours, theirs);
    assert!(
        ours.as_ref()
            .is_err_and(|e| e.contains("metadata.labels.a")),
        "{ours:?}"
    );
}

/// A container, volume or secret body: mostly fields Go decodes, sometimes one it rejects or
/// does not know.
fn arb_body() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        Just(("image", json!("proxyv2"))),
        Just(("image", json!(7))),
        Just(("args", json!(["proxy", "sidecar"]))),
        Just(("env", json!([{"name": "A", "value": "1"}, {"name": "B"}]))),
        Just(("env", json!([{"name": "A", "value": 1}]))),
        Just((
            "env",
            json!([{"name": "A", "value": 1}, {"name": "A", "value": null}])
        )),
        Just((
            "ports",
            json!([{"containerPort": 80, "protocol": 6}, {"containerPort": 80, "protocol": null}])
        )),
        Just((
            "ports",
            json!([{"containerPort": 15090, "name": "http-envoy-prom"}])
        )),
        Just(("ports", json!([{"containerPort": 15090.0}]))),
        Just(("ports", json!([{"name": "no-port"}]))),
        Just(("resources", json!({"limits": {"cpu": "2000m"}}))),
        Just(("emptyDir", json!({"medium": "Memory"}))),
        Just(("securityContext", json!({"runAsUser": 1337}))),
        Just(("x-unknown", json!({"kept": [1, null]}))),
        Just(("image", Value::Null)),
        arb_json().prop_map(|v| ("args", v)),
    ];
    prop::collection::vec(field, 0..4).prop_map(|fields| {
        let mut map = Map::new();
        for (key, value) in fields {
            map.insert(key.to_string(), value);
        }
        Value::Object(map)
    })
}

/// Items of the named lists as renders hold them, odd ones included.
fn arb_item() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (
            prop::sample::select(&["istio-proxy", "istio-init", "app", "data", ""][..]),
            arb_body(),
        )
            .prop_map(|(name, mut body)| {
                if let Value::Object(map) = &mut body {
                    map.insert("name".into(), Value::from(name));
                }
                body
            }),
        1 => arb_json(),
        1 => Just(Value::Null),
        1 => Just(json!({"image": "x"})),
        1 => Just(json!({"name": null})),
    ]
}

fn arb_pod() -> impl Strategy<Value = Value> {
    let list = || prop::option::of(prop::collection::vec(arb_item(), 0..4).prop_map(Value::Array));
    let metadata = prop_oneof![
        4 => Just(json!({"name": "p", "labels": {"app": "p"}})),
        2 => Just(json!({"annotations": {"b": "2", "a": "1"}})),
        1 => Just(json!({"labels": {"a": 1}})),
        1 => arb_json(),
    ];
    let extra = prop_oneof![
        4 => Just(None),
        1 => Just(Some(json!(true))),
        1 => arb_json().prop_map(Some),
    ];
    (list(), list(), list(), list(), metadata, extra).prop_map(
        |(init, main, volumes, secrets, metadata, extra)| {
            let mut spec = Map::new();
            for (field, list) in [
                ("initContainers", init),
                ("containers", main),
                ("volumes", volumes),
                ("imagePullSecrets", secrets),
            ] {
                if let Some(list) = list {
                    spec.insert(field.into(), list);
                }
            }
            if let Some(extra) = extra {
                spec.insert("hostNetwork".into(), extra);
            }
            json!({"metadata": metadata, "spec": spec})
        },
    )
}

proptest! {
    #[test]
    fn the_shortcut_equals_the_full_path(pod in arb_pod(), rendered in arb_pod()) {
        if let Some((ours, theirs)) = compare(&pod, &rendered) {
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn the_shortcut_equals_the_full_path_on_any_json(pod in arb_json(), rendered in arb_json()) {
        if let Some((ours, theirs)) = compare(&pod, &rendered) {
            prop_assert_eq!(ours, theirs);
        }
    }
}

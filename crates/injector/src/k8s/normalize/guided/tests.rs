use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{MergeGuide, normalize_merged};
use crate::k8s::testing::{arb_json, conformance_pod_pairs_or_skip};
use crate::k8s::{NormalizeOptions, POD, SchemaError, normalize_owned};
use crate::merge::strategic_merge_owned;
use crate::postprocess;

const KEEP_UNKNOWN: NormalizeOptions = NormalizeOptions {
    keep_unknown: true,
    emit_zero_structs: false,
    legacy_creation_timestamp: false,
};

const DROP_UNKNOWN: NormalizeOptions = NormalizeOptions {
    keep_unknown: false,
    emit_zero_structs: false,
    legacy_creation_timestamp: false,
};

fn text(result: Result<Value, SchemaError>) -> Result<String, SchemaError> {
    result.map(|v| serde_json::to_string(&v).expect("a Value serializes"))
}

/// The guided walk and the full one agree on `patch` merged into `pod` normalized; `None`
/// when the pod does not normalize or the patch does not apply (nothing to compare).
fn compare(
    pod: &Value,
    patch: &Value,
    opts: &NormalizeOptions,
) -> Option<(Result<String, SchemaError>, Result<String, SchemaError>)> {
    let base = normalize_owned(&POD, pod.clone(), opts).ok()?;
    let guide = MergeGuide::of_patch(&POD, patch);
    let merged = strategic_merge_owned(&POD, base, patch.clone()).ok()?;
    let full = text(normalize_owned(&POD, merged.clone(), opts));
    let guided = text(normalize_merged(&POD, merged, &guide, opts));
    Some((guided, full))
}

#[test]
fn conformance_pods_merged_with_injected_ones() {
    let Some(pairs) = conformance_pod_pairs_or_skip() else {
        return;
    };
    let mut compared = 0;
    for (name, pod, patch) in &pairs {
        for (base, overlay) in [(pod, patch), (patch, pod), (pod, pod)] {
            for opts in [&KEEP_UNKNOWN, &DROP_UNKNOWN] {
                if let Some((guided, full)) = compare(base, overlay, opts) {
                    assert_eq!(guided, full, "{name}");
                    compared += 1;
                }
            }
        }
    }
    assert!(compared >= 300, "only {compared} merges compared");
}

#[test]
fn only_the_reached_parts_are_walked() {
    // An original value out of Go's form where the patch does not reach shows that the walk
    // leaves it: the precondition (a normalized original) is what makes that right.
    let merged = json!({
        "metadata": {"labels": {"b": "1", "a": "2"}},
        "spec": {"containers": [
            {"name": "app", "image": "x", "ports": [{"containerPort": 80.0}]},
            {"name": "istio-proxy", "ports": [{"containerPort": 15090.0}]}
        ]}
    });
    let patch = json!({"spec": {"containers": [{"name": "istio-proxy"}]}});
    let guide = MergeGuide::of_patch(&POD, &patch);
    let out = normalize_merged(&POD, merged, &guide, &KEEP_UNKNOWN).unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"b": "1", "a": "2"}));
    let ports = |i: usize| serde_json::to_string(&out["spec"]["containers"][i]["ports"]).unwrap();
    assert_eq!(ports(0), r#"[{"containerPort":80.0}]"#);
    assert_eq!(ports(1), r#"[{"containerPort":15090}]"#);
}

/// Named list elements, so that keyed merges match (and miss) each other's items.
fn arb_named_list() -> impl Strategy<Value = Value> {
    let item = (
        prop::sample::select(&["app", "istio-proxy", "istio-init", "data", "x"][..]),
        arb_json(),
    )
        .prop_map(|(name, body)| {
            let mut map = match body {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            map.insert("name".into(), Value::from(name));
            Value::Object(map)
        });
    prop::collection::vec(item, 0..4).prop_map(Value::Array)
}

fn arb_pod() -> impl Strategy<Value = Value> {
    (
        arb_json(),
        arb_named_list(),
        arb_named_list(),
        arb_named_list(),
        arb_json(),
        prop::sample::subsequence(
            &["metadata", "containers", "initContainers", "volumes", "x"][..],
            0..=5,
        ),
    )
        .prop_map(|(metadata, containers, init, volumes, extra, present)| {
            let mut spec = Map::new();
            let mut pod = Map::new();
            for key in present {
                match key {
                    "metadata" => {
                        pod.insert("metadata".into(), metadata.clone());
                    }
                    "containers" => {
                        spec.insert("containers".into(), containers.clone());
                    }
                    "initContainers" => {
                        spec.insert("initContainers".into(), init.clone());
                    }
                    "volumes" => {
                        spec.insert("volumes".into(), volumes.clone());
                    }
                    _ => {
                        spec.insert("hostNetwork".into(), extra.clone());
                    }
                }
            }
            pod.insert("spec".into(), Value::Object(spec));
            Value::Object(pod)
        })
}

proptest! {
    #[test]
    fn guided_normalization_equals_the_full_one(pod in arb_pod(), patch in arb_pod()) {
        for opts in [&KEEP_UNKNOWN, &DROP_UNKNOWN] {
            if let Some((guided, full)) = compare(&pod, &patch, opts) {
                prop_assert_eq!(guided, full);
            }
        }
    }

    #[test]
    fn guided_normalization_equals_the_full_one_on_any_json(pod in arb_json(), patch in arb_json()) {
        for opts in [&KEEP_UNKNOWN, &DROP_UNKNOWN] {
            if let Some((guided, full)) = compare(&pod, &patch, opts) {
                prop_assert_eq!(guided, full);
            }
        }
    }
}

/// Fields a test edits after normalizing, and the guide to them.
const EDITED: &[&str] = &[
    "metadata.annotations",
    "spec.containers[].env",
    "spec.containers[].readinessProbe",
    "spec.initContainers[].lifecycle",
];

/// `value` written at the `which`-th of [`EDITED`] (in every element of a list).
fn edit(pod: &mut Value, which: usize, value: &Value) {
    let Some(root) = pod.as_object_mut() else {
        return;
    };
    let (parent, field, list) = match which {
        0 => ("metadata", "annotations", None),
        1 => ("spec", "env", Some("containers")),
        2 => ("spec", "readinessProbe", Some("containers")),
        _ => ("spec", "lifecycle", Some("initContainers")),
    };
    let Some(Value::Object(parent)) = root.get_mut(parent) else {
        return;
    };
    match list {
        None => {
            parent.insert(field.into(), value.clone());
        }
        Some(list) => {
            if let Some(Value::Array(items)) = parent.get_mut(list) {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    item.insert(field.into(), value.clone());
                }
            }
        }
    }
}

#[test]
fn a_fields_guide_names_what_it_is_given() {
    let guide = MergeGuide::of_fields(&POD, EDITED);
    assert!(matches!(guide.0, super::Guide::Struct(ref fields) if fields.len() == 2));
    for bad in [
        "spec.containers.env",
        "spec.nodeName[]",
        "spec.nope",
        "metadata.labels.x",
    ] {
        assert!(
            matches!(MergeGuide::of_fields(&POD, &[bad]).0, super::Guide::Full),
            "{bad}"
        );
    }
}

#[test]
fn the_written_out_post_processing_guide_is_the_edited_fields_one() {
    let of_fields = MergeGuide::of_fields(&POD, postprocess::EDITED_FIELDS);
    assert!(!matches!(of_fields.0, super::Guide::Full));
    assert_eq!(postprocess::EDITED.paths(), of_fields.paths());
    assert_eq!(
        postprocess::EDITED.paths().len(),
        postprocess::EDITED_FIELDS.len()
    );
}

proptest! {
    #[test]
    fn a_fields_guide_walks_what_the_full_pass_changes(
        pod in arb_pod(),
        value in arb_json(),
        which in 0usize..4,
    ) {
        let Ok(mut typed) = normalize_owned(&POD, pod, &KEEP_UNKNOWN) else {
            return Ok(());
        };
        edit(&mut typed, which, &value);
        let guide = MergeGuide::of_fields(&POD, EDITED);
        let full = text(normalize_owned(&POD, typed.clone(), &KEEP_UNKNOWN));
        let guided = text(normalize_merged(&POD, typed.clone(), &guide, &KEEP_UNKNOWN));
        prop_assert_eq!(&guided, &full);
        // The post-processing guide, written out, names these paths and more.
        let written = text(normalize_merged(&POD, typed, &postprocess::EDITED, &KEEP_UNKNOWN));
        prop_assert_eq!(written, full);
    }
}

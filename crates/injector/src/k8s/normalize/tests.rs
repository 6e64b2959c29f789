use proptest::prelude::*;
use serde_json::{Value, json};

use super::{NormalizeOptions, is_normalized, normalize_owned};
use crate::k8s::POD;
use crate::k8s::testing::{arb_json, conformance_pod_pairs_or_skip};

/// The pipeline's options for the pod (the default) and Go's own, without zero values.
const KEEP_UNKNOWN: NormalizeOptions = NormalizeOptions {
    keep_unknown: true,
    ..DROP_UNKNOWN
};
const DROP_UNKNOWN: NormalizeOptions = NormalizeOptions {
    keep_unknown: false,
    emit_zero_structs: false,
    legacy_creation_timestamp: false,
};

/// The normalized form of `value`, when it has one, written out.
fn normalized_text(value: &Value, opts: &NormalizeOptions) -> Option<String> {
    normalize_owned(&POD, value.clone(), opts)
        .ok()
        .map(|v| v.to_string())
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

#[test]
fn conformance_pods_are_told_typed_exactly_when_normalizing_keeps_them() {
    let Some(pairs) = conformance_pod_pairs_or_skip() else {
        return;
    };
    let (mut typed, mut untyped) = (0, 0);
    for (name, pod, injected) in &pairs {
        for value in [pod, injected] {
            let Ok(normalized) = normalize_owned(&POD, value.clone(), &KEEP_UNKNOWN) else {
                continue;
            };
            assert!(
                is_normalized(&POD, &normalized, &KEEP_UNKNOWN),
                "{name}: {normalized}"
            );
            let kept = serde_json::to_string(&normalized).ok() == serde_json::to_string(value).ok();
            assert_eq!(is_normalized(&POD, value, &KEEP_UNKNOWN), kept, "{name}");
            if kept { typed += 1 } else { untyped += 1 }
        }
    }
    // Both answers are exercised: the goldens hold typed pods and others.
    assert!(typed > 0 && untyped > 0, "{typed} typed, {untyped} not");
}

#[test]
fn what_normalizing_changes_is_not_taken_as_typed() {
    let typed = json!({
        "metadata": {"name": "p", "labels": {"a": "1", "b": "2"}},
        "spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80}],
                                 "resources": {"limits": {"cpu": "2"}}}]},
        "x-unknown": 1
    });
    assert!(is_normalized(&POD, &typed, &KEEP_UNKNOWN));
    assert!(!is_normalized(&POD, &typed, &DROP_UNKNOWN));
    for (pointer, value) in [
        ("/metadata/labels", json!({"b": "2", "a": "1"})),
        ("/metadata/namespace", json!("")),
        ("/metadata/uid", Value::Null),
        ("/spec/containers/0/resources/limits/cpu", json!("2000m")),
        ("/spec/containers/0/resources/limits/cpu", json!(2)),
        ("/spec/containers/0/ports/0/containerPort", json!(80.0)),
        ("/spec/containers/0/ports/0", Value::Null),
        ("/spec/containers/0/stdin", json!(false)),
        ("/spec/containers/0/name", json!(1)),
        ("/spec/containers", json!({})),
    ] {
        let mut changed = typed.clone();
        match pointer.rsplit_once('/') {
            Some((parent, key)) => match changed.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.insert(key.to_string(), value.clone());
                }
                Some(Value::Array(items)) => items[0] = value.clone(),
                _ => panic!("{pointer}"),
            },
            None => panic!("{pointer}"),
        }
        assert!(
            !is_normalized(&POD, &changed, &KEEP_UNKNOWN),
            "{pointer}: {value}"
        );
    }
    // A known field after an unknown one, or out of Go's order.
    let mut late = typed.clone();
    late.as_object_mut()
        .map(|m| m.insert("kind".into(), json!("Pod")));
    assert!(!is_normalized(&POD, &late, &KEEP_UNKNOWN));
    let swapped = json!({"spec": {}, "metadata": {"name": "p"}});
    assert!(!is_normalized(&POD, &swapped, &KEEP_UNKNOWN));
}

proptest! {
    #[test]
    fn a_value_taken_as_typed_is_its_normalized_form(
        value in arb_json(),
        drop_unknown in any::<bool>(),
    ) {
        let opts = if drop_unknown { &DROP_UNKNOWN } else { &KEEP_UNKNOWN };
        if is_normalized(&POD, &value, opts) {
            prop_assert_eq!(normalized_text(&value, opts), Some(value.to_string()));
        }
        // A normalized form without nulls (a null member of an unknown field is kept, and
        // told apart from Go's zero values only by the full pass) is taken as typed.
        if let Ok(normalized) = normalize_owned(&POD, value, opts)
            && !has_null(&normalized)
        {
            prop_assert!(is_normalized(&POD, &normalized, opts), "{}", normalized);
        }
    }
}

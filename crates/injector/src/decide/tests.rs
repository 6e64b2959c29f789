//! `decide`'s tests: Istio's `TestInjectRequired` table, the webhooks' selection table,
//! reasons and warnings, and kube-inject's decisions on the conformance inputs.

use super::*;
use crate::selector::LabelSelector;
use serde_json::json;

fn config(policy: &str, never: &[Value], always: &[Value]) -> InjectorConfig {
    let selectors = |list: &[Value]| {
        list.iter()
            .map(|s| LabelSelector::from_json(s).expect("selector"))
            .collect()
    };
    InjectorConfig {
        policy: InjectionPolicy::from_name(policy),
        never_inject_selector: selectors(never),
        always_inject_selector: selectors(always),
        ..InjectorConfig::builtin()
    }
}

/// `metav1.ParseToLabelSelector("foo")`: the key exists.
fn exists(key: &str) -> Value {
    json!({"matchExpressions": [{"key": key, "operator": "Exists"}]})
}

fn pod(host_network: bool, annotations: Value, labels: Value) -> Value {
    json!({
        "metadata": {"name": "p", "namespace": "test-namespace",
                     "annotations": annotations, "labels": labels},
        "spec": {"hostNetwork": host_network},
    })
}

/// One case of Istio's `TestInjectRequired`; unset fields are empty (no selectors, no
/// hostNetwork, no annotations or labels).
#[derive(Default)]
struct InjectCase {
    name: &'static str,
    /// The injector's `policy`.
    policy: &'static str,
    /// `neverInjectSelector`.
    never: Vec<Value>,
    /// `alwaysInjectSelector`.
    always: Vec<Value>,
    host_network: bool,
    annotations: Value,
    labels: Value,
    /// Whether the pod is injected.
    want: bool,
}

/// Istio's `TestInjectRequired` (webhook_test.go), all 36 cases.
#[test]
fn istio_test_inject_required() {
    let inject = |v: &str| json!({"sidecar.istio.io/inject": v});
    let foo_bar = json!({"matchLabels": {"foo": "bar"}});
    let cases = vec![
        InjectCase {
            name: "no-policy",
            policy: "enabled",
            annotations: json!({}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "default-policy",
            policy: "enabled",
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "force-on-policy",
            policy: "enabled",
            annotations: inject("true"),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "force-off-policy",
            policy: "enabled",
            annotations: inject("false"),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "no-policy",
            policy: "disabled",
            annotations: json!({}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "default-policy",
            policy: "disabled",
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "force-on-policy",
            policy: "disabled",
            annotations: inject("true"),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "force-off-policy",
            policy: "disabled",
            annotations: inject("false"),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "invalid-inject-value-yes",
            policy: "enabled",
            annotations: inject("yes"),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "invalid-inject-value-on",
            policy: "disabled",
            annotations: inject("on"),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "invalid-inject-value-random",
            policy: "enabled",
            labels: inject("random"),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "force-off-policy (hostNetwork)",
            policy: "enabled",
            host_network: true,
            annotations: json!({}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "wrong-policy",
            policy: "wrong_policy",
            annotations: json!({}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-always-inject-no-labels",
            policy: "enabled",
            always: vec![foo_bar.clone()],
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-always-inject-with-labels",
            policy: "enabled",
            always: vec![foo_bar.clone()],
            labels: json!({"foo": "bar1"}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-always-inject-no-labels",
            policy: "disabled",
            always: vec![foo_bar.clone()],
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-always-inject-with-labels",
            policy: "disabled",
            always: vec![foo_bar.clone()],
            labels: json!({"foo": "bar"}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-never-inject-no-labels",
            policy: "enabled",
            never: vec![foo_bar.clone()],
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-never-inject-with-labels",
            policy: "enabled",
            never: vec![foo_bar.clone()],
            labels: json!({"foo": "bar"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-never-inject-no-labels",
            policy: "disabled",
            never: vec![foo_bar.clone()],
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-never-inject-with-labels",
            policy: "disabled",
            never: vec![foo_bar.clone()],
            labels: json!({"foo": "bar"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-never-inject-with-empty-label",
            policy: "enabled",
            never: vec![exists("foo")],
            labels: json!({"foo": "", "foo2": "bar2"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-always-inject-with-empty-label",
            policy: "disabled",
            always: vec![exists("foo")],
            labels: json!({"foo": "", "foo2": "bar2"}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-always-never-inject-with-label-returns-true",
            policy: "disabled",
            never: vec![exists("never")],
            always: vec![exists("always")],
            labels: json!({"always": "bar", "foo2": "bar2"}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-always-never-inject-with-label-returns-false",
            policy: "disabled",
            never: vec![exists("never")],
            always: vec![exists("always")],
            labels: json!({"never": "bar", "foo2": "bar2"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-always-never-inject-with-both-labels",
            policy: "disabled",
            never: vec![exists("never")],
            always: vec![exists("always")],
            labels: json!({"always": "bar", "never": "bar2"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-annotation-true-never-inject",
            policy: "enabled",
            never: vec![exists("foo")],
            annotations: inject("true"),
            labels: json!({"foo": "", "foo2": "bar2"}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-annotation-false-always-inject",
            policy: "enabled",
            always: vec![exists("foo")],
            annotations: inject("false"),
            labels: json!({"foo": "", "foo2": "bar2"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-annotation-false-always-inject",
            policy: "disabled",
            always: vec![exists("foo")],
            annotations: inject("false"),
            labels: json!({"foo": "", "foo2": "bar2"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-never-inject-multiple-labels",
            policy: "enabled",
            never: vec![exists("foo"), exists("bar")],
            labels: json!({"label1": "", "bar": "anything"}),
            want: false,
            ..Default::default()
        },
        InjectCase {
            name: "policy-enabled-always-inject-multiple-labels",
            policy: "disabled",
            always: vec![exists("foo"), exists("bar")],
            labels: json!({"label1": "", "bar": "anything"}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-annotation-true-never-inject",
            policy: "disabled",
            never: vec![exists("foo")],
            annotations: inject("true"),
            labels: json!({"foo": "", "foo2": "bar2"}),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-label-enabled",
            policy: "disabled",
            labels: inject("true"),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-both-enabled",
            policy: "disabled",
            annotations: inject("true"),
            labels: inject("true"),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-label-enabled-annotation-disabled",
            policy: "disabled",
            annotations: inject("false"),
            labels: inject("true"),
            want: true,
            ..Default::default()
        },
        InjectCase {
            name: "policy-disabled-label-disabled-annotation-enabled",
            policy: "disabled",
            annotations: inject("true"),
            labels: inject("false"),
            want: false,
            ..Default::default()
        },
    ];
    assert_eq!(cases.len(), 36);
    for case in cases {
        let decision = inject_required(
            &config(case.policy, &case.never, &case.always),
            &pod(case.host_network, case.annotations, case.labels),
        );
        assert_eq!(decision.inject, case.want, "{}: {decision:?}", case.name);
        assert!(decision.invalid_pod().is_none(), "{}", case.name);
    }
}

#[test]
fn reasons_and_warnings() {
    let enabled = config("enabled", &[], &[]);
    let cases = vec![
        (
            pod(true, json!(null), json!(null)),
            "host networking enabled",
        ),
        (
            pod(
                false,
                json!({"sidecar.istio.io/inject": "true"}),
                json!({"sidecar.istio.io/inject": "false"}),
            ),
            "sidecar injection disabled by label",
        ),
        (
            pod(
                false,
                json!({"sidecar.istio.io/inject": "false"}),
                json!(null),
            ),
            "sidecar injection disabled by annotation",
        ),
        (
            pod(false, json!(null), json!(null)),
            "injection policy enabled",
        ),
        (
            json!({"metadata": {"namespace": "kube-system"}}),
            "namespace kube-system is ignored",
        ),
    ];
    for (pod, want) in cases {
        assert_eq!(inject_required(&enabled, &pod).reason.to_string(), want);
    }

    let yes = inject_required(
        &enabled,
        &pod(
            false,
            json!({"sidecar.istio.io/inject": "yes"}),
            json!(null),
        ),
    );
    assert_eq!(yes.unrecognized_value.as_deref(), Some("yes"));
    assert_eq!(
        yes.warnings,
        vec![
            "Invalid value for sidecar.istio.io/inject: \"yes\". Only 'true' and 'false' \
             are accepted. Falling back to default injection policy."
        ]
    );

    let never = config("disabled", &[json!({"matchLabels": {"a": "b"}})], &[]);
    let decision = inject_required(&never, &pod(false, json!(null), json!({"a": "b"})));
    assert_eq!(decision.reason, Reason::NeverInjectSelector(0));

    let wrong = inject_required(
        &config("wrong_policy", &[], &[]),
        &pod(
            false,
            json!({"sidecar.istio.io/inject": "true"}),
            json!(null),
        ),
    );
    assert_eq!(
        (wrong.inject, wrong.reason.to_string().as_str()),
        (false, "unknown injection policy \"wrong_policy\"")
    );
    assert_eq!(
        wrong.warnings,
        vec![
            "Illegal value for autoInject:wrong_policy, must be one of [disabled,enabled]. Auto injection disabled!"
        ]
    );
}

#[test]
fn empty_label_overrides_annotation_and_uses_the_default() {
    let disabled = config("disabled", &[], &[]);
    let decision = inject_required(
        &disabled,
        &pod(
            false,
            json!({"sidecar.istio.io/inject": "true"}),
            json!({"sidecar.istio.io/inject": ""}),
        ),
    );
    assert_eq!(decision.reason, Reason::PolicyDefault(false));
    assert!(!decision.inject);
}

#[test]
fn empty_and_invalid_selectors_are_skipped() {
    let invalid = json!({"matchExpressions": [{"key": "foo", "operator": "In"}]});
    let cfg = config(
        "disabled",
        &[json!({}), invalid.clone()],
        &[invalid, json!({"matchLabels": {}})],
    );
    let decision = inject_required(&cfg, &pod(false, json!(null), json!({"foo": "x"})));
    assert_eq!(decision.reason, Reason::PolicyDefault(false));
    assert_eq!(decision.warnings.len(), 2, "{:?}", decision.warnings);
    assert!(decision.warnings[0].starts_with("Invalid selector for NeverInjectSelector[1]: "));
    assert!(decision.warnings[1].starts_with("Invalid selector for AlwaysInjectSelector[0]: "));
}

#[test]
fn ignored_namespaces_beat_explicit_injection() {
    let enabled = config("enabled", &[], &[]);
    for ns in IGNORED_NAMESPACES {
        let pod =
            json!({"metadata": {"namespace": ns, "labels": {"sidecar.istio.io/inject": "true"}}});
        let decision = inject_required(&enabled, &pod);
        assert!(!decision.inject, "{ns}");
    }
    let pod = json!({"metadata": {"namespace": "istio-system"}});
    assert!(inject_required(&enabled, &pod).inject);
}

#[test]
fn malformed_pods_are_reported_not_decided() {
    let enabled = config("enabled", &[], &[]);
    let cases = vec![
        (json!(null), "pod must be a JSON object, not null"),
        (json!([]), "pod must be an object, not an array"),
        (
            json!({"spec": {"hostNetwork": "true"}}),
            "spec.hostNetwork must be a boolean, not a string",
        ),
        (json!({"spec": []}), "spec must be an object, not an array"),
        (
            json!({"metadata": {"namespace": 1}}),
            "metadata.namespace must be a string, not a number",
        ),
        (
            json!({"metadata": {"labels": {"a": 1}}}),
            "metadata.labels[a] must be a string, not a number",
        ),
        (
            json!({"metadata": {"annotations": {"sidecar.istio.io/inject": true}}}),
            "metadata.annotations[sidecar.istio.io/inject] must be a string, not a boolean",
        ),
    ];
    for (pod, want) in cases {
        let decision = inject_required(&enabled, &pod);
        assert!(!decision.inject);
        assert_eq!(
            decision.invalid_pod(),
            Some(InjectError::InvalidPod(want.to_string()))
        );
    }
    // null means unset, as for Go's decoder.
    let nulls = json!({"metadata": {"labels": null, "annotations": null, "namespace": null}, "spec": {"hostNetwork": null}});
    assert!(inject_required(&enabled, &nulls).inject);
}

proptest::proptest! {
    #[test]
    fn decide_never_panics(pod in arbitrary_json(3)) {
        let _ = inject_required(&config("enabled", &[exists("a")], &[exists("b")]), &pod);
    }
}

fn arbitrary_json(depth: u32) -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("true".to_string()),
            Just("kube-system".to_string()),
            "[a-z]{0,3}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(depth, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("metadata".to_string()),
                    Just("spec".to_string()),
                    Just("hostNetwork".to_string()),
                    Just("labels".to_string()),
                    Just("annotations".to_string()),
                    Just("namespace".to_string()),
                    Just("sidecar.istio.io/inject".to_string()),
                    Just("a".to_string()),
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ----- webhook selection -----

fn labels(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// One webhook-selection case: does `selection`'s webhook send this pod to the injector?
struct SelectionCase<'s> {
    selection: &'s WebhookSelection,
    /// The namespace's labels.
    namespace: Map<String, Value>,
    /// The pod's labels.
    pod: Value,
    selected: bool,
}

#[test]
fn webhook_selection_table() {
    let default = WebhookSelection {
        revision: "default".into(),
        tags: vec![],
        default_revision: true,
        enable_namespaces_by_default: false,
    };
    let canary = WebhookSelection {
        revision: "canary".into(),
        tags: vec!["prod-stable".into()],
        default_revision: false,
        enable_namespaces_by_default: false,
    };
    let auto = WebhookSelection {
        enable_namespaces_by_default: true,
        ..default.clone()
    };
    let ns = |v: Value| {
        let mut m = labels(v);
        m.entry(NAMESPACE_NAME_LABEL).or_insert(json!("app-ns"));
        m
    };
    let cases = vec![
        // namespace.*: istio-injection=enabled.
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio-injection": "enabled"})),
            pod: json!({}),
            selected: true,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio-injection": "enabled"})),
            pod: json!({"sidecar.istio.io/inject": "false"}),
            selected: false,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio-injection": "enabled"})),
            pod: json!({"sidecar.istio.io/inject": "true"}),
            selected: true,
        },
        // A pod revision label does not escape a namespace-enabled default revision.
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio-injection": "enabled"})),
            pod: json!({"istio.io/rev": "canary"}),
            selected: true,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({"istio-injection": "enabled"})),
            pod: json!({"istio.io/rev": "canary"}),
            selected: false,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio-injection": "disabled"})),
            pod: json!({"sidecar.istio.io/inject": "true"}),
            selected: false,
        },
        // rev.namespace.*: istio.io/rev=<rev>, no istio-injection.
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio.io/rev": "default"})),
            pod: json!({}),
            selected: true,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({"istio.io/rev": "canary"})),
            pod: json!({}),
            selected: true,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({"istio.io/rev": "prod-stable"})),
            pod: json!({}),
            selected: true,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({"istio.io/rev": "canary"})),
            pod: json!({"sidecar.istio.io/inject": "false"}),
            selected: false,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({"istio.io/rev": "other"})),
            pod: json!({}),
            selected: false,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio.io/rev": "canary"})),
            pod: json!({}),
            selected: false,
        },
        // Both namespace labels: istio-injection wins.
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({"istio.io/rev": "canary", "istio-injection": "enabled"})),
            pod: json!({}),
            selected: false,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio.io/rev": "canary", "istio-injection": "enabled"})),
            pod: json!({}),
            selected: true,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({"istio.io/rev": "default", "istio-injection": "disabled"})),
            pod: json!({}),
            selected: false,
        },
        // rev.object.*: unlabelled namespace, pod istio.io/rev=<rev>.
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({})),
            pod: json!({"istio.io/rev": "canary"}),
            selected: true,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({})),
            pod: json!({"istio.io/rev": "prod-stable"}),
            selected: true,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({})),
            pod: json!({"istio.io/rev": "canary", "sidecar.istio.io/inject": "false"}),
            selected: false,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({})),
            pod: json!({"istio.io/rev": "default"}),
            selected: true,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({})),
            pod: json!({"istio.io/rev": "canary"}),
            selected: false,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({"istio.io/rev": "other"})),
            pod: json!({"istio.io/rev": "canary"}),
            selected: false,
        },
        // object.*: unlabelled namespace, pod sidecar.istio.io/inject=true without istio.io/rev.
        SelectionCase {
            selection: &default,
            namespace: ns(json!({})),
            pod: json!({"sidecar.istio.io/inject": "true"}),
            selected: true,
        },
        SelectionCase {
            selection: &canary,
            namespace: ns(json!({})),
            pod: json!({"sidecar.istio.io/inject": "true"}),
            selected: false,
        },
        SelectionCase {
            selection: &default,
            namespace: ns(json!({})),
            pod: json!({"sidecar.istio.io/inject": "true", "istio.io/rev": "canary"}),
            selected: false,
        },
        // No labels anywhere: only the auto.* webhook.
        SelectionCase {
            selection: &default,
            namespace: ns(json!({})),
            pod: json!({}),
            selected: false,
        },
        SelectionCase {
            selection: &auto,
            namespace: ns(json!({})),
            pod: json!({}),
            selected: true,
        },
        SelectionCase {
            selection: &auto,
            namespace: ns(json!({})),
            pod: json!({"sidecar.istio.io/inject": "false"}),
            selected: false,
        },
        SelectionCase {
            selection: &auto,
            namespace: ns(json!({"istio-injection": "disabled"})),
            pod: json!({}),
            selected: false,
        },
        SelectionCase {
            selection: &auto,
            namespace: ns(json!({"kubernetes.io/metadata.name": "kube-system"})),
            pod: json!({}),
            selected: false,
        },
        SelectionCase {
            selection: &auto,
            namespace: ns(json!({"kubernetes.io/metadata.name": "local-path-storage"})),
            pod: json!({}),
            selected: false,
        },
        // The chart no longer excludes the control-plane namespace.
        SelectionCase {
            selection: &auto,
            namespace: ns(json!({"kubernetes.io/metadata.name": "istio-system"})),
            pod: json!({}),
            selected: true,
        },
        // kube-system with istio-injection=enabled still reaches the injector, which then
        // skips it (inject_required).
        SelectionCase {
            selection: &default,
            namespace: ns(
                json!({"kubernetes.io/metadata.name": "kube-system", "istio-injection": "enabled"}),
            ),
            pod: json!({}),
            selected: true,
        },
    ];
    for (i, case) in cases.into_iter().enumerate() {
        assert_eq!(
            webhook_selects(case.selection, &case.namespace, &labels(case.pod.clone())),
            case.selected,
            "case {i}: {} ns={:?} pod={}",
            case.selection.revision,
            case.namespace,
            case.pod
        );
    }
}

#[test]
fn a_default_tag_makes_a_named_revision_serve_the_default_webhooks() {
    let tagged = WebhookSelection {
        revision: "canary".into(),
        tags: vec!["default".into()],
        default_revision: true,
        enable_namespaces_by_default: false,
    };
    let ns = labels(json!({"istio-injection": "enabled"}));
    assert!(webhook_selects(&tagged, &ns, &Map::new()));
    assert!(webhook_selects(
        &tagged,
        &labels(json!({"istio.io/rev": "default"})),
        &Map::new()
    ));
}

// ----- conformance: kube-inject's fixed policy on the suite's inputs -----

/// The pods of a case file as kube-inject sees them: each workload's pod metadata (in the
/// workload's namespace unless it names one) and spec, where `Kind::pod_location` finds
/// them. Files without a workload have no pods.
fn pods(text: &str) -> Vec<Value> {
    let workloads = istio_conformance::injectable_objects(text).unwrap_or_default();
    workloads
        .iter()
        .filter_map(|workload| {
            let location =
                crate::kubeinject::kinds::Kind::from_name(&workload.kind)?.pod_location()?;
            let mut metadata = workload
                .object
                .pointer(location.metadata)
                .cloned()
                .unwrap_or_else(|| json!({}));
            if metadata.get("namespace").is_none()
                && !workload.namespace.is_empty()
                && let Some(m) = metadata.as_object_mut()
            {
                m.insert("namespace".into(), json!(workload.namespace));
            }
            let spec = workload.object.pointer(location.spec).cloned();
            Some(json!({"metadata": metadata, "spec": spec.unwrap_or(Value::Null)}))
        })
        .collect()
}

fn injected(pod: &Value) -> bool {
    pod.pointer("/metadata/annotations/sidecar.istio.io~1status")
        .is_some()
}

/// kube-inject decides with a fixed `policy: enabled` and no selectors; the goldens show
/// which inputs were injected (the status annotation) and which were echoed.
#[test]
fn conformance_decisions_match_goldens() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let enabled = InjectorConfig::builtin();
    let (mut yes, mut no) = (0, 0);
    let cases = istio_conformance::case_dirs(&dir);
    for case in cases {
        let Some((input, want)) = istio_conformance::input_and_want(&case) else {
            continue;
        };
        for (pod, golden) in pods(&input).iter().zip(pods(&want).iter()) {
            if injected(pod) {
                continue; // re-injection inputs: the status annotation says nothing
            }
            let decision = inject_required(&enabled, pod);
            assert_eq!(
                decision.inject,
                injected(golden),
                "{}: {decision:?}",
                case.display()
            );
            if decision.inject { yes += 1 } else { no += 1 }
        }
    }
    assert!(yes > 80 && no >= 2, "injected {yes}, skipped {no}");
}

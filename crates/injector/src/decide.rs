//! Whether a pod gets a sidecar: Istio's `injectRequired` (`inject.go`) and the selectors of
//! the MutatingWebhookConfiguration webhooks Istio installs (`mutatingwebhook.yaml`,
//! `revision-tags-mwc.yaml` in the `istio-discovery` chart).
//!
//! In a cluster both run: the API server only calls the injector for pods that a webhook's
//! namespace and object selectors match ([`webhook_selects`]), and the injector then applies
//! [`inject_required`]. A Kubewarden policy receives every pod, so it evaluates both.

use std::fmt;

use serde_json::{Map, Value};

pub use crate::annotation::NAMESPACE_NAME as NAMESPACE_NAME_LABEL;
pub use crate::annotation::REVISION as REVISION_LABEL;
pub use crate::annotation::SIDECAR_INJECT as INJECT_KEY;
use crate::config::{InjectionPolicy, InjectorConfig};
use crate::error::InjectError;
use crate::golang::strconv::quote as go_quote;

/// Namespaces whose pods are never injected (Istio's `IgnoredNamespaces`).
pub const IGNORED_NAMESPACES: [&str; 4] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

/// Namespace label selecting the default revision's webhooks.
pub const NAMESPACE_INJECTION_LABEL: &str = "istio-injection";

/// The outcome of [`inject_required`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub inject: bool,
    /// What decided it.
    pub reason: Reason,
    /// The pod's `sidecar.istio.io/inject` value when it is neither `true`, `false` nor empty
    /// (Istio warns and falls back to the default).
    pub unrecognized_value: Option<String>,
    /// What Istio logs as warnings or errors along the way, in its words.
    pub warnings: Vec<String>,
}

/// Why a pod is or is not injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `spec.hostNetwork: true`: iptables would rewrite the node's routing.
    HostNetwork,
    /// The pod's namespace is one of [`IGNORED_NAMESPACES`].
    IgnoredNamespace(String),
    /// `sidecar.istio.io/inject` set to `true`/`false`, by label or by annotation.
    Explicit { by: Source, inject: bool },
    /// The pod's labels match `neverInjectSelector[index]`.
    NeverInjectSelector(usize),
    /// The pod's labels match `alwaysInjectSelector[index]`.
    AlwaysInjectSelector(usize),
    /// Nothing explicit: the policy's default applies.
    PolicyDefault(bool),
    /// The policy is neither `enabled` nor `disabled`: nothing is injected.
    UnknownPolicy(String),
    /// A field the decision reads has a type Go's decoder would refuse; the pod must be
    /// rejected (see [`Decision::invalid_pod`]).
    InvalidPod(String),
}

/// Where an explicit `sidecar.istio.io/inject` value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Label,
    Annotation,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::HostNetwork => f.write_str("host networking enabled"),
            Reason::IgnoredNamespace(ns) => write!(f, "namespace {ns} is ignored"),
            Reason::Explicit { by, inject } => write!(
                f,
                "sidecar injection {} by {}",
                if *inject { "enabled" } else { "disabled" },
                match by {
                    Source::Label => "label",
                    Source::Annotation => "annotation",
                }
            ),
            Reason::NeverInjectSelector(i) => {
                write!(f, "pod labels match neverInjectSelector[{i}]")
            }
            Reason::AlwaysInjectSelector(i) => {
                write!(f, "pod labels match alwaysInjectSelector[{i}]")
            }
            Reason::PolicyDefault(true) => f.write_str("injection policy enabled"),
            Reason::PolicyDefault(false) => f.write_str("injection policy disabled"),
            Reason::UnknownPolicy(policy) => {
                write!(f, "unknown injection policy {}", go_quote(policy))
            }
            Reason::InvalidPod(message) => f.write_str(message),
        }
    }
}

impl Decision {
    /// The pod's error when it is malformed (Istio could not have decoded it).
    pub fn invalid_pod(&self) -> Option<InjectError> {
        match &self.reason {
            Reason::InvalidPod(message) => Some(InjectError::InvalidPod(message.clone())),
            _ => None,
        }
    }

    fn new(inject: bool, reason: Reason) -> Decision {
        Decision {
            inject,
            reason,
            unrecognized_value: None,
            warnings: Vec::new(),
        }
    }
}

/// Istio's `injectRequired`, in its order:
/// 1. `spec.hostNetwork: true` → no;
/// 2. namespace in [`IGNORED_NAMESPACES`] → no;
/// 3. `sidecar.istio.io/inject` — the label if present (even empty), else the annotation:
///    `"true"`/`"false"` decide; `""` or absent use the default; anything else warns and uses
///    the default;
/// 4. default only: the first `neverInjectSelector` matching the pod labels decides no, else
///    the first matching `alwaysInjectSelector` decides yes (empty and invalid selectors are
///    skipped);
/// 5. policy `enabled`: yes unless decided no; `disabled`: no unless decided yes; any other
///    policy: no.
///
/// The pod's namespace is `metadata.namespace`; as Istio's webhook does, the caller fills it
/// from the admission request when the pod has none.
pub fn inject_required(config: &InjectorConfig, pod: &Value) -> Decision {
    let view = match PodView::read(pod) {
        Ok(view) => view,
        Err(message) => return Decision::new(false, Reason::InvalidPod(message)),
    };
    if view.host_network {
        return Decision::new(false, Reason::HostNetwork);
    }
    if let Some(ns) = IGNORED_NAMESPACES.iter().find(|ns| **ns == view.namespace) {
        return Decision::new(false, Reason::IgnoredNamespace((*ns).to_string()));
    }

    let mut warnings = Vec::new();
    let mut unrecognized_value = None;
    // (explicit decision, what made it)
    let mut explicit: Option<(bool, Reason)> = None;
    let (value, by) = match (view.inject_label, view.inject_annotation) {
        (Some(label), _) => (label, Source::Label),
        (None, annotation) => (annotation.unwrap_or(""), Source::Annotation),
    };
    match value {
        "true" | "false" => {
            let inject = value == "true";
            explicit = Some((inject, Reason::Explicit { by, inject }));
        }
        "" => {}
        other => {
            warnings.push(format!(
                "Invalid value for {INJECT_KEY}: {}. Only 'true' and 'false' are accepted. \
                 Falling back to default injection policy.",
                go_quote(other)
            ));
            unrecognized_value = Some(other.to_string());
        }
    }

    let empty = Map::new();
    let labels = view.labels.unwrap_or(&empty);
    if explicit.is_none() {
        explicit = first_match(
            &config.never_inject_selector,
            labels,
            "NeverInjectSelector",
            &mut warnings,
        )
        .map(|i| (false, Reason::NeverInjectSelector(i)));
    }
    if explicit.is_none() {
        explicit = first_match(
            &config.always_inject_selector,
            labels,
            "AlwaysInjectSelector",
            &mut warnings,
        )
        .map(|i| (true, Reason::AlwaysInjectSelector(i)));
    }

    let (inject, reason) = match (&config.policy, explicit) {
        (InjectionPolicy::Enabled | InjectionPolicy::Disabled, Some(decided)) => decided,
        (InjectionPolicy::Enabled, None) => (true, Reason::PolicyDefault(true)),
        (InjectionPolicy::Disabled, None) => (false, Reason::PolicyDefault(false)),
        (InjectionPolicy::Other(policy), _) => {
            warnings.push(format!(
                "Illegal value for autoInject:{policy}, must be one of [disabled,enabled]. \
                 Auto injection disabled!"
            ));
            (false, Reason::UnknownPolicy(policy.clone()))
        }
    };
    Decision {
        inject,
        reason,
        unrecognized_value,
        warnings,
    }
}

/// Index of the first non-empty, valid selector matching `labels`.
fn first_match(
    selectors: &[crate::selector::LabelSelector],
    labels: &Map<String, Value>,
    what: &str,
    warnings: &mut Vec<String>,
) -> Option<usize> {
    for (index, selector) in selectors.iter().enumerate() {
        if selector.is_empty() {
            continue;
        }
        match selector.matches(labels) {
            Ok(true) => return Some(index),
            Ok(false) => {}
            Err(error) => warnings.push(format!("Invalid selector for {what}[{index}]: {error}")),
        }
    }
    None
}

/// The fields `injectRequired` reads, type-checked the way Go's decoder would.
struct PodView<'a> {
    host_network: bool,
    namespace: &'a str,
    labels: Option<&'a Map<String, Value>>,
    /// `Some` when the label key is present (a `null` value reads as `""`).
    inject_label: Option<&'a str>,
    inject_annotation: Option<&'a str>,
}

impl<'a> PodView<'a> {
    fn read(pod: &'a Value) -> Result<PodView<'a>, String> {
        let pod = object_or_null(Some(pod), "pod")?
            .ok_or_else(|| "pod must be a JSON object, not null".to_string())?;
        let spec = object_or_null(pod.get("spec"), "spec")?;
        let host_network = match spec.and_then(|s| s.get("hostNetwork")) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(type_error("spec.hostNetwork", "a boolean", other)),
        };
        let metadata = object_or_null(pod.get("metadata"), "metadata")?;
        let namespace = string_or_null(
            metadata.and_then(|m| m.get("namespace")),
            "metadata.namespace",
        )?;
        let labels = object_or_null(metadata.and_then(|m| m.get("labels")), "metadata.labels")?;
        if let Some(labels) = labels {
            for (key, value) in labels {
                string_or_null(Some(value), &format!("metadata.labels[{key}]"))?;
            }
        }
        let annotations = object_or_null(
            metadata.and_then(|m| m.get("annotations")),
            "metadata.annotations",
        )?;
        // Label values were type-checked above.
        let inject_label = labels
            .and_then(|l| l.get(INJECT_KEY))
            .map(|value| value.as_str().unwrap_or(""));
        let inject_annotation = match annotations.and_then(|a| a.get(INJECT_KEY)) {
            Some(value) => Some(string_or_null(
                Some(value),
                &format!("metadata.annotations[{INJECT_KEY}]"),
            )?),
            None => None,
        };
        Ok(PodView {
            host_network,
            namespace,
            labels,
            inject_label,
            inject_annotation,
        })
    }
}

fn object_or_null<'a>(
    value: Option<&'a Value>,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(type_error(path, "an object", other)),
    }
}

fn string_or_null<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a str, String> {
    match value {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(type_error(path, "a string", other)),
    }
}

fn type_error(path: &str, expected: &str, got: &Value) -> String {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{path} must be {expected}, not {kind}")
}

// ---------------------------------------------------------------------------------------------
// Webhook selection.

/// Which webhooks of Istio's chart an injector stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSelection {
    /// The revision: `"default"` for the chart's unnamed revision, else its name.
    pub revision: String,
    /// Revision tags pointing at this revision (`istio-revision-tag-<tag>` webhooks).
    pub tags: Vec<String>,
    /// This revision also serves the default webhooks (`istio-injection=enabled`, or a pod
    /// labelled `sidecar.istio.io/inject=true` without `istio.io/rev`): true for the unnamed
    /// revision and for the revision the `default` tag points at.
    pub default_revision: bool,
    /// `sidecarInjectorWebhook.enableNamespacesByDefault`: also inject pods of unlabelled
    /// namespaces (the `auto.` webhook), except the ignored namespaces.
    pub enable_namespaces_by_default: bool,
}

/// A label as a selector sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Label<'a> {
    Absent,
    Value(&'a str),
    /// Present with a non-string value: matches no `In` set.
    Unusable,
}

impl<'a> Label<'a> {
    fn of(labels: &'a Map<String, Value>, key: &str) -> Label<'a> {
        match labels.get(key) {
            None => Label::Absent,
            Some(Value::String(text)) => Label::Value(text),
            Some(Value::Null) => Label::Value(""),
            Some(_) => Label::Unusable,
        }
    }

    fn absent(self) -> bool {
        self == Label::Absent
    }

    /// `operator: In`.
    fn is_in(self, values: &[&str]) -> bool {
        matches!(self, Label::Value(v) if values.contains(&v))
    }

    /// `operator: NotIn` (also true when absent).
    fn not_in(self, values: &[&str]) -> bool {
        !self.is_in(values)
    }
}

/// Whether any webhook Istio installs for `selection` would send this pod to the injector,
/// given the labels of its namespace (as the API server returns them, including
/// `kubernetes.io/metadata.name`) and of the pod.
///
/// For each revision name `r` (the revision and each tag):
/// - `rev.namespace.`: namespace `istio.io/rev` = `r` and no `istio-injection`; pod not
///   `sidecar.istio.io/inject=false`;
/// - `rev.object.`: namespace has neither label; pod `istio.io/rev` = `r` and not
///   `sidecar.istio.io/inject=false`.
///
/// For the default revision only:
/// - `namespace.`: namespace `istio-injection=enabled`; pod not `sidecar.istio.io/inject=false`;
/// - `object.`: namespace has neither label; pod `sidecar.istio.io/inject=true` and no
///   `istio.io/rev`;
/// - `auto.` (with `enable_namespaces_by_default`): namespace has neither label and is not an
///   ignored namespace; pod has neither label.
///
/// The control-plane namespace is not excluded by the current chart.
pub fn webhook_selects(
    selection: &WebhookSelection,
    namespace_labels: &Map<String, Value>,
    pod_labels: &Map<String, Value>,
) -> bool {
    let ns_rev = Label::of(namespace_labels, REVISION_LABEL);
    let ns_injection = Label::of(namespace_labels, NAMESPACE_INJECTION_LABEL);
    let pod_inject = Label::of(pod_labels, INJECT_KEY);
    let pod_rev = Label::of(pod_labels, REVISION_LABEL);
    let ns_unlabelled = ns_rev.absent() && ns_injection.absent();
    let pod_not_disabled = pod_inject.not_in(&["false"]);

    let revision_names = std::iter::once(selection.revision.as_str())
        .chain(selection.tags.iter().map(String::as_str));
    for name in revision_names {
        let rev_namespace = ns_rev.is_in(&[name]) && ns_injection.absent() && pod_not_disabled;
        let rev_object = ns_unlabelled && pod_not_disabled && pod_rev.is_in(&[name]);
        if rev_namespace || rev_object {
            return true;
        }
    }
    if !selection.default_revision {
        return false;
    }
    let namespace = ns_injection.is_in(&["enabled"]) && pod_not_disabled;
    let object = ns_unlabelled && pod_inject.is_in(&["true"]) && pod_rev.absent();
    let auto = selection.enable_namespaces_by_default
        && ns_unlabelled
        && Label::of(namespace_labels, NAMESPACE_NAME_LABEL).not_in(&IGNORED_NAMESPACES)
        && pod_inject.absent()
        && pod_rev.absent();
    namespace || object || auto
}

#[cfg(test)]
mod tests {
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

    /// Istio's `TestInjectRequired` (webhook_test.go), all 36 cases:
    /// (name, policy, never selectors, always selectors, hostNetwork, annotations, labels, want).
    #[test]
    fn istio_test_inject_required() {
        let inject = |v: &str| json!({"sidecar.istio.io/inject": v});
        let none = json!(null);
        let foo_bar = json!({"matchLabels": {"foo": "bar"}});
        type Case = (
            &'static str,
            &'static str,
            Vec<Value>,
            Vec<Value>,
            bool,
            Value,
            Value,
            bool,
        );
        let cases: Vec<Case> = vec![
            (
                "no-policy",
                "enabled",
                vec![],
                vec![],
                false,
                json!({}),
                none.clone(),
                true,
            ),
            (
                "default-policy",
                "enabled",
                vec![],
                vec![],
                false,
                none.clone(),
                none.clone(),
                true,
            ),
            (
                "force-on-policy",
                "enabled",
                vec![],
                vec![],
                false,
                inject("true"),
                none.clone(),
                true,
            ),
            (
                "force-off-policy",
                "enabled",
                vec![],
                vec![],
                false,
                inject("false"),
                none.clone(),
                false,
            ),
            (
                "no-policy",
                "disabled",
                vec![],
                vec![],
                false,
                json!({}),
                none.clone(),
                false,
            ),
            (
                "default-policy",
                "disabled",
                vec![],
                vec![],
                false,
                none.clone(),
                none.clone(),
                false,
            ),
            (
                "force-on-policy",
                "disabled",
                vec![],
                vec![],
                false,
                inject("true"),
                none.clone(),
                true,
            ),
            (
                "force-off-policy",
                "disabled",
                vec![],
                vec![],
                false,
                inject("false"),
                none.clone(),
                false,
            ),
            (
                "invalid-inject-value-yes",
                "enabled",
                vec![],
                vec![],
                false,
                inject("yes"),
                none.clone(),
                true,
            ),
            (
                "invalid-inject-value-on",
                "disabled",
                vec![],
                vec![],
                false,
                inject("on"),
                none.clone(),
                false,
            ),
            (
                "invalid-inject-value-random",
                "enabled",
                vec![],
                vec![],
                false,
                none.clone(),
                inject("random"),
                true,
            ),
            (
                "force-off-policy (hostNetwork)",
                "enabled",
                vec![],
                vec![],
                true,
                json!({}),
                none.clone(),
                false,
            ),
            (
                "wrong-policy",
                "wrong_policy",
                vec![],
                vec![],
                false,
                json!({}),
                none.clone(),
                false,
            ),
            (
                "policy-enabled-always-inject-no-labels",
                "enabled",
                vec![],
                vec![foo_bar.clone()],
                false,
                none.clone(),
                none.clone(),
                true,
            ),
            (
                "policy-enabled-always-inject-with-labels",
                "enabled",
                vec![],
                vec![foo_bar.clone()],
                false,
                none.clone(),
                json!({"foo": "bar1"}),
                true,
            ),
            (
                "policy-disabled-always-inject-no-labels",
                "disabled",
                vec![],
                vec![foo_bar.clone()],
                false,
                none.clone(),
                none.clone(),
                false,
            ),
            (
                "policy-disabled-always-inject-with-labels",
                "disabled",
                vec![],
                vec![foo_bar.clone()],
                false,
                none.clone(),
                json!({"foo": "bar"}),
                true,
            ),
            (
                "policy-enabled-never-inject-no-labels",
                "enabled",
                vec![foo_bar.clone()],
                vec![],
                false,
                none.clone(),
                none.clone(),
                true,
            ),
            (
                "policy-enabled-never-inject-with-labels",
                "enabled",
                vec![foo_bar.clone()],
                vec![],
                false,
                none.clone(),
                json!({"foo": "bar"}),
                false,
            ),
            (
                "policy-disabled-never-inject-no-labels",
                "disabled",
                vec![foo_bar.clone()],
                vec![],
                false,
                none.clone(),
                none.clone(),
                false,
            ),
            (
                "policy-disabled-never-inject-with-labels",
                "disabled",
                vec![foo_bar.clone()],
                vec![],
                false,
                none.clone(),
                json!({"foo": "bar"}),
                false,
            ),
            (
                "policy-enabled-never-inject-with-empty-label",
                "enabled",
                vec![exists("foo")],
                vec![],
                false,
                none.clone(),
                json!({"foo": "", "foo2": "bar2"}),
                false,
            ),
            (
                "policy-disabled-always-inject-with-empty-label",
                "disabled",
                vec![],
                vec![exists("foo")],
                false,
                none.clone(),
                json!({"foo": "", "foo2": "bar2"}),
                true,
            ),
            (
                "policy-disabled-always-never-inject-with-label-returns-true",
                "disabled",
                vec![exists("never")],
                vec![exists("always")],
                false,
                none.clone(),
                json!({"always": "bar", "foo2": "bar2"}),
                true,
            ),
            (
                "policy-disabled-always-never-inject-with-label-returns-false",
                "disabled",
                vec![exists("never")],
                vec![exists("always")],
                false,
                none.clone(),
                json!({"never": "bar", "foo2": "bar2"}),
                false,
            ),
            (
                "policy-disabled-always-never-inject-with-both-labels",
                "disabled",
                vec![exists("never")],
                vec![exists("always")],
                false,
                none.clone(),
                json!({"always": "bar", "never": "bar2"}),
                false,
            ),
            (
                "policy-enabled-annotation-true-never-inject",
                "enabled",
                vec![exists("foo")],
                vec![],
                false,
                inject("true"),
                json!({"foo": "", "foo2": "bar2"}),
                true,
            ),
            (
                "policy-enabled-annotation-false-always-inject",
                "enabled",
                vec![],
                vec![exists("foo")],
                false,
                inject("false"),
                json!({"foo": "", "foo2": "bar2"}),
                false,
            ),
            (
                "policy-disabled-annotation-false-always-inject",
                "disabled",
                vec![],
                vec![exists("foo")],
                false,
                inject("false"),
                json!({"foo": "", "foo2": "bar2"}),
                false,
            ),
            (
                "policy-enabled-never-inject-multiple-labels",
                "enabled",
                vec![exists("foo"), exists("bar")],
                vec![],
                false,
                none.clone(),
                json!({"label1": "", "bar": "anything"}),
                false,
            ),
            (
                "policy-enabled-always-inject-multiple-labels",
                "disabled",
                vec![],
                vec![exists("foo"), exists("bar")],
                false,
                none.clone(),
                json!({"label1": "", "bar": "anything"}),
                true,
            ),
            (
                "policy-disabled-annotation-true-never-inject",
                "disabled",
                vec![exists("foo")],
                vec![],
                false,
                inject("true"),
                json!({"foo": "", "foo2": "bar2"}),
                true,
            ),
            (
                "policy-disabled-label-enabled",
                "disabled",
                vec![],
                vec![],
                false,
                none.clone(),
                inject("true"),
                true,
            ),
            (
                "policy-disabled-both-enabled",
                "disabled",
                vec![],
                vec![],
                false,
                inject("true"),
                inject("true"),
                true,
            ),
            (
                "policy-disabled-label-enabled-annotation-disabled",
                "disabled",
                vec![],
                vec![],
                false,
                inject("false"),
                inject("true"),
                true,
            ),
            (
                "policy-disabled-label-disabled-annotation-enabled",
                "disabled",
                vec![],
                vec![],
                false,
                inject("true"),
                inject("false"),
                false,
            ),
        ];
        assert_eq!(cases.len(), 36);
        for (name, policy, never, always, host_network, annotations, labels, want) in cases {
            let decision = inject_required(
                &config(policy, &never, &always),
                &pod(host_network, annotations, labels),
            );
            assert_eq!(decision.inject, want, "{name}: {decision:?}");
            assert!(decision.invalid_pod().is_none(), "{name}");
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
            let pod = json!({"metadata": {"namespace": ns, "labels": {"sidecar.istio.io/inject": "true"}}});
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
        // (selection, namespace labels, pod labels, selected)
        let cases: Vec<(&WebhookSelection, Map<String, Value>, Value, bool)> = vec![
            // namespace.*: istio-injection=enabled.
            (
                &default,
                ns(json!({"istio-injection": "enabled"})),
                json!({}),
                true,
            ),
            (
                &default,
                ns(json!({"istio-injection": "enabled"})),
                json!({"sidecar.istio.io/inject": "false"}),
                false,
            ),
            (
                &default,
                ns(json!({"istio-injection": "enabled"})),
                json!({"sidecar.istio.io/inject": "true"}),
                true,
            ),
            // A pod revision label does not escape a namespace-enabled default revision.
            (
                &default,
                ns(json!({"istio-injection": "enabled"})),
                json!({"istio.io/rev": "canary"}),
                true,
            ),
            (
                &canary,
                ns(json!({"istio-injection": "enabled"})),
                json!({"istio.io/rev": "canary"}),
                false,
            ),
            (
                &default,
                ns(json!({"istio-injection": "disabled"})),
                json!({"sidecar.istio.io/inject": "true"}),
                false,
            ),
            // rev.namespace.*: istio.io/rev=<rev>, no istio-injection.
            (
                &default,
                ns(json!({"istio.io/rev": "default"})),
                json!({}),
                true,
            ),
            (
                &canary,
                ns(json!({"istio.io/rev": "canary"})),
                json!({}),
                true,
            ),
            (
                &canary,
                ns(json!({"istio.io/rev": "prod-stable"})),
                json!({}),
                true,
            ),
            (
                &canary,
                ns(json!({"istio.io/rev": "canary"})),
                json!({"sidecar.istio.io/inject": "false"}),
                false,
            ),
            (
                &canary,
                ns(json!({"istio.io/rev": "other"})),
                json!({}),
                false,
            ),
            (
                &default,
                ns(json!({"istio.io/rev": "canary"})),
                json!({}),
                false,
            ),
            // Both namespace labels: istio-injection wins.
            (
                &canary,
                ns(json!({"istio.io/rev": "canary", "istio-injection": "enabled"})),
                json!({}),
                false,
            ),
            (
                &default,
                ns(json!({"istio.io/rev": "canary", "istio-injection": "enabled"})),
                json!({}),
                true,
            ),
            (
                &default,
                ns(json!({"istio.io/rev": "default", "istio-injection": "disabled"})),
                json!({}),
                false,
            ),
            // rev.object.*: unlabelled namespace, pod istio.io/rev=<rev>.
            (
                &canary,
                ns(json!({})),
                json!({"istio.io/rev": "canary"}),
                true,
            ),
            (
                &canary,
                ns(json!({})),
                json!({"istio.io/rev": "prod-stable"}),
                true,
            ),
            (
                &canary,
                ns(json!({})),
                json!({"istio.io/rev": "canary", "sidecar.istio.io/inject": "false"}),
                false,
            ),
            (
                &default,
                ns(json!({})),
                json!({"istio.io/rev": "default"}),
                true,
            ),
            (
                &default,
                ns(json!({})),
                json!({"istio.io/rev": "canary"}),
                false,
            ),
            (
                &canary,
                ns(json!({"istio.io/rev": "other"})),
                json!({"istio.io/rev": "canary"}),
                false,
            ),
            // object.*: unlabelled namespace, pod sidecar.istio.io/inject=true without istio.io/rev.
            (
                &default,
                ns(json!({})),
                json!({"sidecar.istio.io/inject": "true"}),
                true,
            ),
            (
                &canary,
                ns(json!({})),
                json!({"sidecar.istio.io/inject": "true"}),
                false,
            ),
            (
                &default,
                ns(json!({})),
                json!({"sidecar.istio.io/inject": "true", "istio.io/rev": "canary"}),
                false,
            ),
            // No labels anywhere: only the auto.* webhook.
            (&default, ns(json!({})), json!({}), false),
            (&auto, ns(json!({})), json!({}), true),
            (
                &auto,
                ns(json!({})),
                json!({"sidecar.istio.io/inject": "false"}),
                false,
            ),
            (
                &auto,
                ns(json!({"istio-injection": "disabled"})),
                json!({}),
                false,
            ),
            (
                &auto,
                ns(json!({"kubernetes.io/metadata.name": "kube-system"})),
                json!({}),
                false,
            ),
            (
                &auto,
                ns(json!({"kubernetes.io/metadata.name": "local-path-storage"})),
                json!({}),
                false,
            ),
            // The chart no longer excludes the control-plane namespace.
            (
                &auto,
                ns(json!({"kubernetes.io/metadata.name": "istio-system"})),
                json!({}),
                true,
            ),
            // kube-system with istio-injection=enabled still reaches the injector, which then
            // skips it (inject_required).
            (
                &default,
                ns(
                    json!({"kubernetes.io/metadata.name": "kube-system", "istio-injection": "enabled"}),
                ),
                json!({}),
                true,
            ),
        ];
        for (i, (selection, namespace, pod, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                webhook_selects(selection, &namespace, &labels(pod.clone())),
                want,
                "case {i}: {} ns={namespace:?} pod={pod}",
                selection.revision
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
        let mut cases: Vec<_> = std::fs::read_dir(dir.join("cases"))
            .expect("cases dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let (Ok(input), Ok(want)) = (
                std::fs::read_to_string(case.join("input.yaml")),
                std::fs::read_to_string(case.join("want.yaml")),
            ) else {
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
}

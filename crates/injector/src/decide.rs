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
mod tests;

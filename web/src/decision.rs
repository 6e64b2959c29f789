//! Would the pods of a workload file be injected in a cluster, and why: Istio's webhook
//! selectors (the namespace's and pod's labels) and then its `injectRequired`, as the policy
//! evaluates them with `namespaceSelection: lookup`.

use injector::checkinject;
use injector::decide::{self, NAMESPACE_NAME_LABEL, WebhookSelection};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::session::Session;
use crate::workload;

/// Explaining more pods than this is not useful on a page.
const MAX_PODS: usize = 20;

/// The namespace the pods are created in, as the page's fields hold it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Namespace {
    pub name: String,
    /// `key=value` pairs, separated by commas or new lines.
    pub labels: String,
}

impl Namespace {
    pub fn from_json(text: &str) -> Result<Namespace, String> {
        serde_json::from_str(text).map_err(|e| format!("invalid namespace: {e}"))
    }

    /// The namespace's name; `default` when the field is empty.
    pub fn name(&self) -> &str {
        match self.name.trim() {
            "" => "default",
            name => name,
        }
    }
}

/// The decision for one pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explained {
    /// 0-based index of the workload document.
    pub document: usize,
    /// `Deployment default/sleep`.
    pub workload: String,
    pub inject: bool,
    /// Istio's reason (`injectRequired`'s), or why no webhook would call the injector.
    pub reason: String,
    /// Whether a webhook Istio installs selects the pod.
    pub webhook_selects: bool,
    /// The pod would be rejected (its decision fields have the wrong types).
    pub rejected: bool,
    pub warnings: Vec<String>,
}

/// The decision for every pod of `input` (at most [`MAX_PODS`]).
pub fn explain(
    session: &Session,
    input: &str,
    namespace: &Namespace,
) -> Result<Vec<Explained>, String> {
    let mut ns_labels = parse_labels(&namespace.labels)?;
    // The API server labels every namespace with its name; the chart's selectors read it.
    ns_labels
        .entry(NAMESPACE_NAME_LABEL)
        .or_insert_with(|| Value::String(namespace.name().to_string()));
    let revision = session.webhook.options().revision.clone();
    let selection = WebhookSelection {
        default_revision: revision == "default",
        revision,
        tags: Vec::new(),
        enable_namespaces_by_default: false,
    };
    let empty = Map::new();
    let explained = workload::pods(input, namespace.name(), MAX_PODS)
        .into_iter()
        .map(|found| {
            let pod_labels = found
                .pod
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let selects = decide::webhook_selects(&selection, &ns_labels, pod_labels);
            let pod_namespace = found
                .pod
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let decision = session.webhook.inject_required(&found.pod, pod_namespace);
            let rejected = decision.invalid_pod().is_some();
            let (inject, reason) = if rejected || !decision.inject {
                (false, decision.reason.to_string())
            } else if !selects {
                // istioctl x check-inject's words, as kube-inject check-inject and the
                // policy's audit annotations say it.
                let hooks = checkinject::istio_webhooks(&selection);
                (
                    false,
                    checkinject::match_status(&hooks, pod_labels, &ns_labels).0,
                )
            } else {
                (true, decision.reason.to_string())
            };
            Explained {
                document: found.document,
                workload: found.workload,
                inject,
                reason,
                webhook_selects: selects,
                rejected,
                warnings: decision.warnings,
            }
        })
        .collect();
    Ok(explained)
}

/// One label syntax for the page, `kube-inject check-inject` and the policy's tests.
pub use injector::checkinject::parse_labels;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn pod(labels: &str, extra: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {{{labels}}}\nspec:\n  {extra}containers:\n  - name: a\n    image: a\n"
        )
    }

    fn explain_one(settings: Settings, input: &str, labels: &str) -> Explained {
        let session = Session::new(settings).unwrap();
        let namespace = Namespace {
            name: "demo".into(),
            labels: labels.into(),
        };
        explain(&session, input, &namespace).unwrap().remove(0)
    }

    #[test]
    fn an_enabled_namespace_injects() {
        let e = explain_one(Settings::default(), &pod("", ""), "istio-injection=enabled");
        assert!(e.inject && e.webhook_selects, "{e:?}");
        assert_eq!(e.reason, "injection policy enabled");
        assert_eq!(e.workload, "Pod demo/p");
    }

    #[test]
    fn an_opted_out_pod_gets_istios_reason() {
        let input = pod("sidecar.istio.io/inject: \"false\"", "");
        let e = explain_one(Settings::default(), &input, "istio-injection=enabled");
        assert!(!e.inject);
        assert_eq!(e.reason, "sidecar injection disabled by label");
    }

    #[test]
    fn host_network_pods_are_not_injected() {
        let input = pod("", "hostNetwork: true\n  ");
        let e = explain_one(Settings::default(), &input, "istio-injection=enabled");
        assert!(!e.inject);
        assert_eq!(e.reason, "host networking enabled");
    }

    #[test]
    fn an_unlabelled_namespace_is_not_selected() {
        let e = explain_one(Settings::default(), &pod("", ""), "");
        assert!(!e.inject && !e.webhook_selects);
        assert_eq!(
            e.reason,
            "No matching namespace labels (istio.io/rev=default, istio-injection=enabled) or pod labels (istio.io/rev=default, sidecar.istio.io/inject=true)"
        );
        let canary = Settings {
            revision: "canary".into(),
            ..Settings::default()
        };
        let e = explain_one(canary.clone(), &pod("", ""), "istio-injection=enabled");
        assert!(!e.inject, "{e:?}");
        let e = explain_one(canary, &pod("", ""), "istio.io/rev=canary");
        assert!(e.inject, "{e:?}");
    }

    #[test]
    fn labels_are_pairs() {
        let labels = parse_labels("a=b, c=\n d").unwrap();
        assert_eq!(labels["a"], "b");
        assert_eq!(labels["c"], "");
        assert_eq!(labels["d"], "");
        assert!(parse_labels("=x").is_err());
        assert!(parse_labels("nokey").is_ok());
    }
}

//! "Why (not) injected?": `istioctl x check-inject` for the injector's Kubewarden policies.
//!
//! istioctl only looks at MutatingWebhookConfigurations with webhooks named `*istio.io`, so it
//! cannot see Kubewarden's. Here each ClusterAdmissionPolicy is turned into the webhook
//! kubewarden-controller creates for it, istioctl's analysis (`analyzeWebhooksMatchStatus`,
//! with its reason texts) runs on its selectors, and for a policy that selects pods itself
//! (`namespaceSelection: lookup`) on the webhooks of Istio's chart it stands for. A pod that
//! reaches a policy then goes through Istio's `injectRequired`, whose reason is reported when
//! it says no.

use serde_json::{Map, Value, json};

use crate::annotation;
use crate::decide::{IGNORED_NAMESPACES, WebhookSelection};
use crate::inject::Injector;
use crate::selector::LabelSelector;

/// The namespace kubewarden-controller runs in by default; the controller keeps its webhooks
/// out of it.
pub const KUBEWARDEN_NAMESPACE: &str = "kubewarden";

/// A webhook's selectors (`null`: select everything).
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub namespace_selector: Value,
    pub object_selector: Value,
}

/// One of the injector's ClusterAdmissionPolicies, as the API server will call it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyWebhook {
    /// The MutatingWebhookConfiguration's name: `clusterwide-<policy>`.
    pub name: String,
    pub revision: String,
    pub webhook: Webhook,
    /// `namespaceSelection: lookup`: Istio's webhooks, which the policy applies itself.
    pub lookup: Option<Vec<Webhook>>,
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub webhook: String,
    pub revision: String,
    pub injected: bool,
    pub reason: String,
}

impl PolicyWebhook {
    /// Reads a ClusterAdmissionPolicy of this injector (other documents give `Ok(None)`).
    pub fn from_policy(policy: &Value, kubewarden_namespace: &str) -> Result<Option<Self>, String> {
        if policy.get("kind").and_then(Value::as_str) != Some("ClusterAdmissionPolicy") {
            return Ok(None);
        }
        let name = policy
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .ok_or("a ClusterAdmissionPolicy without metadata.name")?;
        let spec = &policy["spec"];
        let settings = &spec["settings"];
        let revision = match settings.get("revision").and_then(Value::as_str) {
            None | Some("") => "default",
            Some(revision) => revision,
        };
        let lookup = (settings.get("namespaceSelection").and_then(Value::as_str) == Some("lookup"))
            .then(|| {
                let tags = settings["revisionTags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                istio_webhooks(&WebhookSelection {
                    revision: revision.to_string(),
                    tags,
                    default_revision: settings["defaultRevision"]
                        .as_bool()
                        .unwrap_or(revision == "default"),
                    enable_namespaces_by_default: settings["enableNamespacesByDefault"] == true,
                })
            });
        Ok(Some(PolicyWebhook {
            name: format!("clusterwide-{name}"),
            revision: revision.to_string(),
            webhook: Webhook {
                namespace_selector: controller_namespace_selector(spec, kubewarden_namespace),
                object_selector: spec["objectSelector"].clone(),
            },
            lookup,
        }))
    }
}

/// kubewarden-controller's webhook `namespaceSelector` for a ClusterAdmissionPolicy: the
/// policy's `matchExpressions` after `kubernetes.io/metadata.name NotIn [<its namespace>]`,
/// its `matchLabels` dropped; the policy's selector as it is with
/// `allowInsideAdmissionControllerNamespace`.
pub fn controller_namespace_selector(spec: &Value, kubewarden_namespace: &str) -> Value {
    let selector = &spec["namespaceSelector"];
    if spec["allowInsideAdmissionControllerNamespace"] == true {
        return selector.clone();
    }
    let mut expressions = vec![json!({
        "key": annotation::NAMESPACE_NAME,
        "operator": "NotIn",
        "values": [kubewarden_namespace],
    })];
    if let Some(own) = selector["matchExpressions"].as_array() {
        expressions.extend(own.iter().cloned());
    }
    json!({"matchExpressions": expressions})
}

/// The webhooks of Istio's `istio-discovery` chart for a revision: `rev.namespace` and
/// `rev.object` per revision and tag; `namespace`, `object` and, with
/// `enableNamespacesByDefault`, `auto` when it serves the default revision.
pub fn istio_webhooks(selection: &WebhookSelection) -> Vec<Webhook> {
    let not_opted_out =
        json!({"key": annotation::SIDECAR_INJECT, "operator": "NotIn", "values": ["false"]});
    let mut hooks = Vec::new();
    let names = std::iter::once(&selection.revision).chain(&selection.tags);
    for name in names {
        hooks.push(Webhook {
            namespace_selector: json!({"matchExpressions": [
                {"key": annotation::REVISION, "operator": "In", "values": [name]},
                {"key": "istio-injection", "operator": "DoesNotExist"},
            ]}),
            object_selector: json!({"matchExpressions": [not_opted_out]}),
        });
        hooks.push(Webhook {
            namespace_selector: json!({"matchExpressions": [
                {"key": annotation::REVISION, "operator": "DoesNotExist"},
                {"key": "istio-injection", "operator": "DoesNotExist"},
            ]}),
            object_selector: json!({"matchExpressions": [
                not_opted_out,
                {"key": annotation::REVISION, "operator": "In", "values": [name]},
            ]}),
        });
    }
    if selection.default_revision {
        hooks.push(Webhook {
            namespace_selector: json!({"matchExpressions": [
                {"key": "istio-injection", "operator": "In", "values": ["enabled"]},
            ]}),
            object_selector: json!({"matchExpressions": [not_opted_out]}),
        });
        hooks.push(Webhook {
            namespace_selector: json!({"matchExpressions": [
                {"key": "istio-injection", "operator": "DoesNotExist"},
                {"key": annotation::REVISION, "operator": "DoesNotExist"},
            ]}),
            object_selector: json!({"matchExpressions": [
                {"key": annotation::SIDECAR_INJECT, "operator": "In", "values": ["true"]},
                {"key": annotation::REVISION, "operator": "DoesNotExist"},
            ]}),
        });
        if selection.enable_namespaces_by_default {
            hooks.push(Webhook {
                namespace_selector: json!({"matchExpressions": [
                    {"key": "istio-injection", "operator": "DoesNotExist"},
                    {"key": annotation::REVISION, "operator": "DoesNotExist"},
                    {"key": annotation::NAMESPACE_NAME, "operator": "NotIn",
                     "values": IGNORED_NAMESPACES},
                ]}),
                object_selector: json!({"matchExpressions": [
                    {"key": annotation::SIDECAR_INJECT, "operator": "DoesNotExist"},
                    {"key": annotation::REVISION, "operator": "DoesNotExist"},
                ]}),
            });
        }
    }
    hooks
}

/// Checks a pod of `namespace` (whose labels are `namespace_labels`, `kubernetes.io/metadata.name`
/// added as the API server does) against every policy, sorted by webhook name as istioctl
/// sorts them. `injector` decides `injectRequired` for the pods a policy receives.
pub fn check(
    policies: &[PolicyWebhook],
    injector: &Injector,
    pod: &Value,
    namespace: &str,
    namespace_labels: &Map<String, Value>,
) -> Vec<Check> {
    let mut ns_labels = namespace_labels.clone();
    ns_labels.insert(
        annotation::NAMESPACE_NAME.into(),
        Value::String(namespace.to_string()),
    );
    let empty = Map::new();
    let pod_labels = pod
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut checks: Vec<Check> = policies
        .iter()
        .map(|policy| {
            let (mut reason, mut injected) = match_status(
                std::slice::from_ref(&policy.webhook),
                pod_labels,
                &ns_labels,
            );
            if injected && let Some(istio) = &policy.lookup {
                (reason, injected) = match_status(istio, pod_labels, &ns_labels);
            }
            if injected {
                let decision = injector.inject_required(pod, namespace);
                if !decision.inject {
                    injected = false;
                    reason = format!("{reason}, but {}", decision.reason);
                }
            }
            Check {
                webhook: policy.name.clone(),
                revision: policy.revision.clone(),
                injected,
                reason,
            }
        })
        .collect();
    checks.sort_by(|a, b| a.webhook.cmp(&b.webhook));
    checks
}

/// A pod to check: the pod itself or a workload's pod template, with the name and namespace
/// to report it under.
#[derive(Debug, Clone, PartialEq)]
pub struct PodToCheck {
    /// `<kind>/<name>`.
    pub name: String,
    pub namespace: String,
    /// The pod as the API server will see it (labels, annotations, spec).
    pub pod: Value,
}

/// The pods of YAML or JSON text (documents, Lists): a Pod as it is, a workload's pod
/// template (a CronJob's job template's) with the workload's namespace, other kinds skipped.
/// `namespace` is used where the object names none.
pub fn pods_from_yaml(text: &str, namespace: &str) -> Result<Vec<PodToCheck>, String> {
    let objects = yaml_objects(text)?;
    let mut pods = Vec::new();
    for object in objects {
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let template = match kind {
            "Pod" => Some(object.clone()),
            "CronJob" => object.pointer("/spec/jobTemplate/spec/template").cloned(),
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job"
            | "DeploymentConfig" => object.pointer("/spec/template").cloned(),
            _ => None,
        };
        let Some(pod) = template else { continue };
        let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str);
        pods.push(PodToCheck {
            name: format!("{kind}/{}", text("/metadata/name").unwrap_or_default()),
            namespace: text("/metadata/namespace")
                .filter(|ns| !ns.is_empty())
                .unwrap_or(namespace)
                .to_string(),
            pod,
        });
    }
    Ok(pods)
}

/// The objects of YAML or JSON text: each document, the items of lists.
pub fn yaml_objects(text: &str) -> Result<Vec<Value>, String> {
    crate::kubeinject::yaml_objects(text)
        .map_err(|(document, e)| format!("document {document}: {e}"))
}

/// istioctl's table: `WEBHOOK REVISION INJECTED REASON`, ✔ or ✘, and its error line when
/// more than one webhook would inject.
pub fn render_table(checks: &[Check]) -> String {
    let rows: Vec<[&str; 4]> = std::iter::once(["WEBHOOK", "REVISION", "INJECTED", "REASON"])
        .chain(checks.iter().map(|c| {
            [
                c.webhook.as_str(),
                c.revision.as_str(),
                if c.injected { "✔" } else { "✘" },
                c.reason.as_str(),
            ]
        }))
        .collect();
    let width = |column: usize| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for row in &rows {
        for (column, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if column < 3 {
                let pad = widths[column] - cell.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    if checks.iter().filter(|c| c.injected).count() > 1 {
        out.push_str("ERROR: multiple webhooks will inject, which can lead to errors\n");
    }
    out
}

/// Parses labels as `k=v,k2=v2` (istioctl's `--labels`), also one per line; `key` alone is
/// the empty value.
pub fn parse_labels(text: &str) -> Result<Map<String, Value>, String> {
    let mut labels = Map::new();
    for pair in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("label {pair:?} has no key"));
        }
        labels.insert(key.to_string(), Value::String(value.trim().to_string()));
    }
    Ok(labels)
}

/// istioctl's `analyzeWebhooksMatchStatus`: the first webhook that takes the pod says why;
/// else the first that the namespace selects but a pod label keeps out, or that the pod
/// selects but an `istio-injection` namespace label keeps out; else the labels that would
/// have matched.
pub fn match_status(
    webhooks: &[Webhook],
    pod_labels: &Map<String, Value>,
    ns_labels: &Map<String, Value>,
) -> (String, bool) {
    let mut matched_without_label = false;
    for hook in webhooks {
        let (ns_matched, ns_label) = matched_selector(&hook.namespace_selector, ns_labels);
        let (pod_matched, pod_label) = matched_selector(&hook.object_selector, pod_labels);
        if ns_matched && pod_matched {
            match (ns_label, pod_label) {
                (Some(ns), Some(pod)) => {
                    return (
                        format!("Namespace label {ns} matches, and pod label {pod} matches"),
                        true,
                    );
                }
                (Some(ns), None) => return (format!("Namespace label {ns} matches"), true),
                (None, Some(pod)) => return (format!("Pod label {pod} matches"), true),
                // istioctl reports nothing for a match without a telling label and goes on;
                // Istio's webhooks always have one, a policy selecting every pod does not.
                (None, None) => matched_without_label = true,
            }
        } else if ns_matched {
            for requirement in expressions(&hook.object_selector) {
                let key = requirement["key"].as_str().unwrap_or_default();
                let Some(value) = pod_labels.get(key).and_then(Value::as_str) else {
                    continue;
                };
                let keeps_out = match requirement["operator"].as_str() {
                    Some("DoesNotExist") => true,
                    Some("NotIn") => values(requirement).any(|v| v == value),
                    _ => false,
                };
                if keeps_out {
                    return (
                        format!("Pod has {key}={value} label, preventing injection"),
                        false,
                    );
                }
            }
        } else if pod_matched
            && let Some(value) = ns_labels.get("istio-injection").and_then(Value::as_str)
            && value != "enabled"
        {
            return (
                format!("Namespace has istio-injection={value} label, preventing injection"),
                false,
            );
        }
    }
    if matched_without_label {
        return (
            "The policy's selectors match every such pod".to_string(),
            true,
        );
    }
    let wanted = |selector: fn(&Webhook) -> &Value| {
        webhooks
            .iter()
            .flat_map(|hook| expressions(selector(hook)))
            .filter(|r| r["operator"] == "In")
            .flat_map(|r| {
                let key = r["key"].as_str().unwrap_or_default().to_string();
                values(r)
                    .map(move |v| format!("{key}={v}"))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    (
        format!(
            "No matching namespace labels ({}) or pod labels ({})",
            wanted(|h| &h.namespace_selector),
            wanted(|h| &h.object_selector)
        ),
        false,
    )
}

/// Whether the selector selects the labels, and the first `In`/`NotIn` label the object has
/// (istioctl's `extractMatchedSelectorInfo`, which never sees a name exclusion in Istio's
/// own webhooks). An invalid selector selects nothing.
fn matched_selector(selector: &Value, labels: &Map<String, Value>) -> (bool, Option<String>) {
    if selector.is_null() {
        return (true, None);
    }
    let matched = LabelSelector::from_json(selector)
        .ok()
        .and_then(|s| s.matches(labels).ok())
        .unwrap_or(false);
    if !matched {
        return (false, None);
    }
    // A namespace kept out by name (kubewarden-controller's own exclusion, the control
    // plane's namespaces) explains nothing about why a pod is selected.
    let label = expressions(selector)
        .filter(|r| matches!(r["operator"].as_str(), Some("In" | "NotIn")))
        .filter(|r| !(r["operator"] == "NotIn" && r["key"] == annotation::NAMESPACE_NAME))
        .find_map(|r| {
            let key = r["key"].as_str()?;
            let value = labels.get(key)?.as_str()?;
            Some(format!("{key}={value}"))
        });
    (true, label)
}

fn expressions(selector: &Value) -> impl Iterator<Item = &Value> {
    selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
}

fn values(requirement: &Value) -> impl Iterator<Item = &str> {
    requirement["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests;

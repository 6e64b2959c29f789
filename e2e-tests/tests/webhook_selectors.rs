//! Which pods reach the policy when Kubernetes, not the policy, selects them (`namespaceSelection:
//! webhook`). The example ClusterAdmissionPolicies are turned into webhooks the way
//! kubewarden-controller 1.35 does it, and over a table of namespace labels × pod labels they
//! must select exactly the pods istiod's own MutatingWebhookConfiguration selects (Istio's
//! `istio-discovery` chart), except in Kubewarden's own namespace, which the controller always
//! excludes. No wasm is needed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use e2e_tests::documents::read_documents;
use e2e_tests::workspace_root;
use injector::checkinject;
use injector::decide::WebhookSelection;
use injector::selector::LabelSelector;
use serde_json::{Map, Value, json};

/// The namespace kubewarden-controller deploys into (its Helm chart's default).
const KUBEWARDEN_NAMESPACE: &str = "kubewarden";

/// A webhook's two selectors.
#[derive(Debug)]
struct Webhook {
    name: String,
    namespace_selector: Value,
    object_selector: Value,
}

/// Istio's injection webhooks for one revision, as the chart's `mutatingwebhook.yaml` writes
/// them (`checkinject::istio_webhooks`, itself checked against the policy's own lookup
/// selection): `rev.namespace` and `rev.object` for every revision; `namespace`, `object` and,
/// with `enableNamespacesByDefault`, `auto` for the default revision only.
fn istio_webhooks(revision: &str, enable_namespaces_by_default: bool) -> Vec<Webhook> {
    let names = ["rev.namespace", "rev.object", "namespace", "object", "auto"];
    checkinject::istio_webhooks(&WebhookSelection {
        revision: revision.to_string(),
        tags: Vec::new(),
        default_revision: revision == "default",
        enable_namespaces_by_default,
    })
    .into_iter()
    .zip(names)
    .map(|(hook, name)| Webhook {
        name: format!("{name}.sidecar-injector.istio.io"),
        namespace_selector: hook.namespace_selector,
        object_selector: hook.object_selector,
    })
    .collect()
}

/// kubewarden-controller's `namespaceSelector()` for a ClusterAdmissionPolicy.
fn controller_namespace_selector(spec: &Value) -> Value {
    checkinject::controller_namespace_selector(spec, KUBEWARDEN_NAMESPACE)
}

/// The webhooks kubewarden-controller creates for the policies of these example files.
fn kubewarden_webhooks(files: &[&str]) -> Vec<Webhook> {
    files
        .iter()
        .flat_map(|file| example_policies(file))
        .map(|policy| Webhook {
            name: format!(
                "clusterwide-{}.kubewarden.admission",
                policy["metadata"]["name"].as_str().unwrap()
            ),
            namespace_selector: controller_namespace_selector(&policy["spec"]),
            object_selector: policy["spec"]["objectSelector"].clone(),
        })
        .collect()
}

fn policies_dir() -> PathBuf {
    workspace_root().join("examples/policies")
}

fn example_policies(file: &str) -> Vec<Value> {
    let path = policies_dir().join(file);
    read_documents(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn all_example_policies() -> Vec<(String, Value)> {
    let mut files: Vec<String> = std::fs::read_dir(policies_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .flat_map(|file| {
            example_policies(&file)
                .into_iter()
                .map(move |policy| (file.clone(), policy))
        })
        .collect()
}

/// A null or absent selector selects everything, as in a webhook.
fn selects(selector: &Value, labels: &Map<String, Value>) -> bool {
    let selector =
        LabelSelector::from_json(selector).unwrap_or_else(|e| panic!("selector {selector}: {e}"));
    selector
        .matches(labels)
        .unwrap_or_else(|e| panic!("selector {selector:?}: {e}"))
}

fn webhook_selects(
    hook: &Webhook,
    namespace: &Map<String, Value>,
    pod: &Map<String, Value>,
) -> bool {
    selects(&hook.namespace_selector, namespace) && selects(&hook.object_selector, pod)
}

fn labels(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

/// Namespaces as the API server labels them: `kubernetes.io/metadata.name` is always set.
fn namespaces() -> Vec<(String, Map<String, Value>)> {
    let label_sets: &[&[(&str, &str)]] = &[
        &[],
        &[("istio-injection", "enabled")],
        &[("istio-injection", "disabled")],
        &[("istio-injection", "")],
        &[("istio.io/rev", "default")],
        &[("istio.io/rev", "canary")],
        &[("istio.io/rev", "stable")],
        &[("istio-injection", "enabled"), ("istio.io/rev", "canary")],
        &[("istio-injection", "disabled"), ("istio.io/rev", "default")],
        &[("istio-injection", "enabled"), ("istio.io/rev", "default")],
        &[("team", "payments")],
    ];
    let names = [
        "demo",
        "kube-system",
        "kube-public",
        "istio-system",
        KUBEWARDEN_NAMESPACE,
    ];
    names
        .iter()
        .flat_map(|name| {
            label_sets.iter().map(move |set| {
                let mut labels = labels(set);
                labels.insert(
                    "kubernetes.io/metadata.name".into(),
                    Value::String(name.to_string()),
                );
                (name.to_string(), labels)
            })
        })
        .collect()
}

fn pods() -> Vec<Map<String, Value>> {
    let label_sets: &[&[(&str, &str)]] = &[
        &[],
        &[("app", "sleep")],
        &[("sidecar.istio.io/inject", "true")],
        &[("sidecar.istio.io/inject", "false")],
        &[("sidecar.istio.io/inject", "yes")],
        &[("istio.io/rev", "default")],
        &[("istio.io/rev", "canary")],
        &[
            ("sidecar.istio.io/inject", "true"),
            ("istio.io/rev", "default"),
        ],
        &[
            ("sidecar.istio.io/inject", "true"),
            ("istio.io/rev", "canary"),
        ],
        &[
            ("sidecar.istio.io/inject", "false"),
            ("istio.io/rev", "default"),
        ],
        &[
            ("sidecar.istio.io/inject", "false"),
            ("istio.io/rev", "canary"),
        ],
    ];
    label_sets.iter().map(|set| labels(set)).collect()
}

/// Compares, for every namespace × pod of the table, whether any of Istio's webhooks and any
/// of the policies' webhooks receive the pod. Returns the table's size.
fn assert_same_selection(istio: &[Webhook], kubewarden: &[Webhook]) -> usize {
    let mut mismatches = Vec::new();
    let mut rows = 0;
    for (namespace, namespace_labels) in namespaces() {
        for pod in pods() {
            rows += 1;
            let by_istio: BTreeSet<&str> = istio
                .iter()
                .filter(|h| webhook_selects(h, &namespace_labels, &pod))
                .map(|h| h.name.as_str())
                .collect();
            let by_policies: BTreeSet<&str> = kubewarden
                .iter()
                .filter(|h| webhook_selects(h, &namespace_labels, &pod))
                .map(|h| h.name.as_str())
                .collect();
            // Istio's webhooks are disjoint, so a pod is injected at most once; the policies
            // must keep that.
            assert!(
                by_policies.len() <= 1,
                "{namespace} {namespace_labels:?} / pod {pod:?}: several policies receive it: {by_policies:?}"
            );
            let expected = !by_istio.is_empty() && namespace != KUBEWARDEN_NAMESPACE;
            let received = !by_policies.is_empty();
            if expected != received {
                mismatches.push(format!(
                    "namespace {namespace} {namespace_labels:?}, pod {pod:?}: istiod {by_istio:?}, policies {by_policies:?}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {rows} combinations differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    rows
}

#[test]
fn default_revision_policies_select_what_istiods_webhooks_select() {
    let rows = assert_same_selection(
        &istio_webhooks("default", false),
        &kubewarden_webhooks(&["webhook-mode.yaml"]),
    );
    assert_eq!(rows, 5 * 11 * 11);
}

#[test]
fn enable_namespaces_by_default_adds_the_auto_policy() {
    assert_same_selection(
        &istio_webhooks("default", true),
        &kubewarden_webhooks(&["webhook-mode.yaml", "webhook-mode-auto.yaml"]),
    );
}

#[test]
fn named_revision_policies_select_what_its_webhooks_select() {
    assert_same_selection(
        &istio_webhooks("canary", false),
        &kubewarden_webhooks(&["webhook-mode-revision.yaml"]),
    );
    for policy in example_policies("webhook-mode-revision.yaml") {
        assert_eq!(policy["spec"]["settings"]["revision"], "canary");
    }
}

/// The defect this table guards against: a policy selecting namespaces with `matchLabels`, as
/// Istio's old chart did, reaches every namespace once the controller has built its webhook.
#[test]
fn match_labels_in_a_namespace_selector_would_select_every_namespace() {
    let spec = json!({"namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}}});
    let selector = controller_namespace_selector(&spec);
    let unlabelled = labels(&[("kubernetes.io/metadata.name", "demo")]);
    assert!(selects(&selector, &unlabelled));
    let kubewarden = labels(&[("kubernetes.io/metadata.name", KUBEWARDEN_NAMESPACE)]);
    assert!(!selects(&selector, &kubewarden));

    let inside = json!({
        "allowInsideAdmissionControllerNamespace": true,
        "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}},
    });
    assert!(!selects(
        &controller_namespace_selector(&inside),
        &unlabelled
    ));
}

#[test]
fn no_example_policy_selects_namespaces_with_match_labels() {
    for (file, policy) in all_example_policies() {
        let selector = &policy["spec"]["namespaceSelector"];
        assert!(
            selector.get("matchLabels").is_none(),
            "{file} {}: kubewarden-controller drops namespaceSelector.matchLabels; use matchExpressions",
            policy["metadata"]["name"]
        );
    }
}

#[test]
fn example_policies_have_distinct_names_and_no_background_audit() {
    let mut seen = BTreeSet::new();
    for (file, policy) in all_example_policies() {
        let name = policy["metadata"]["name"].as_str().unwrap().to_string();
        assert!(
            seen.insert(name.clone()),
            "{file}: a second policy named {name}"
        );
        // The CRD defaults backgroundAudit to true; an injector has nothing to audit.
        assert_eq!(
            policy["spec"]["backgroundAudit"], false,
            "{file} {name}: backgroundAudit"
        );
    }
}

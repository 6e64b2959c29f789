use super::*;
use crate::config::{InjectorConfig, MeshConfig, Values};
use crate::decide::webhook_selects;
use crate::inject::Options;

fn labels(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

fn injector() -> Injector {
    Injector::new(
        InjectorConfig::builtin(),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        Options::default(),
    )
    .unwrap()
}

fn pod(labels: Value, annotations: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "labels": labels, "annotations": annotations},
           "spec": {"containers": [{"name": "web", "image": "nginx"}]}})
}

/// The default revision's four policies of examples/policies/webhook-mode.yaml, as data.
fn webhook_mode() -> Vec<PolicyWebhook> {
    let policy = |name: &str, ns: Value, obj: Value| {
        json!({"apiVersion": "policies.kubewarden.io/v1", "kind": "ClusterAdmissionPolicy",
               "metadata": {"name": name},
               "spec": {"namespaceSelector": ns, "objectSelector": obj,
                        "settings": {"namespaceSelection": "webhook"}}})
    };
    let hooks = istio_webhooks(&WebhookSelection {
        revision: "default".into(),
        tags: vec![],
        default_revision: true,
        enable_namespaces_by_default: false,
    });
    ["rev-namespace", "rev-object", "namespace", "object"]
        .iter()
        .zip(hooks)
        .map(|(name, hook)| {
            PolicyWebhook::from_policy(
                &policy(
                    &format!("istio-injector-{name}"),
                    hook.namespace_selector,
                    hook.object_selector,
                ),
                KUBEWARDEN_NAMESPACE,
            )
            .unwrap()
            .unwrap()
        })
        .collect()
}

#[test]
fn istioctls_reasons_for_the_four_default_webhooks() {
    let policies = webhook_mode();
    let injector = injector();
    let enabled = labels(&[("istio-injection", "enabled")]);

    let checks = check(
        &policies,
        &injector,
        &pod(json!({"app": "web"}), json!({})),
        "demo",
        &enabled,
    );
    let names: Vec<&str> = checks.iter().map(|c| c.webhook.as_str()).collect();
    assert_eq!(
        names,
        [
            "clusterwide-istio-injector-namespace",
            "clusterwide-istio-injector-object",
            "clusterwide-istio-injector-rev-namespace",
            "clusterwide-istio-injector-rev-object",
        ]
    );
    let namespace = &checks[0];
    assert!(namespace.injected);
    assert_eq!(
        namespace.reason,
        "Namespace label istio-injection=enabled matches"
    );
    assert_eq!(namespace.revision, "default");
    assert!(checks[1..].iter().all(|c| !c.injected));
    assert_eq!(
        checks[1].reason,
        "No matching namespace labels () or pod labels (sidecar.istio.io/inject=true)"
    );

    let opted_out = pod(json!({"sidecar.istio.io/inject": "false"}), json!({}));
    let checks = check(&policies, &injector, &opted_out, "demo", &enabled);
    assert_eq!(
        checks[0].reason,
        "Pod has sidecar.istio.io/inject=false label, preventing injection"
    );
    assert!(!checks[0].injected);

    let opted_in = pod(json!({"sidecar.istio.io/inject": "true"}), json!({}));
    let checks = check(&policies, &injector, &opted_in, "demo", &Map::new());
    assert!(checks[1].injected);
    assert_eq!(
        checks[1].reason,
        "Pod label sidecar.istio.io/inject=true matches"
    );
    let disabled = labels(&[("istio-injection", "disabled")]);
    let checks = check(&policies, &injector, &opted_in, "demo", &disabled);
    assert!(checks.iter().all(|c| !c.injected));
    assert_eq!(
        checks[1].reason,
        "Namespace has istio-injection=disabled label, preventing injection"
    );
}

#[test]
fn injectrequired_has_the_last_word() {
    let policies = webhook_mode();
    let enabled = labels(&[("istio-injection", "enabled")]);
    let mut host_network = pod(json!({"app": "web"}), json!({}));
    host_network["spec"]["hostNetwork"] = json!(true);
    let checks = check(&policies, &injector(), &host_network, "demo", &enabled);
    assert!(!checks[0].injected);
    assert_eq!(
        checks[0].reason,
        "Namespace label istio-injection=enabled matches, but host networking enabled"
    );
    let annotated = pod(json!({}), json!({"sidecar.istio.io/inject": "false"}));
    let checks = check(&policies, &injector(), &annotated, "demo", &enabled);
    assert!(
        checks[0]
            .reason
            .ends_with("but sidecar injection disabled by annotation")
    );
}

#[test]
fn kubewardens_own_namespace_is_never_selected() {
    let policies = webhook_mode();
    let enabled = labels(&[("istio-injection", "enabled")]);
    let checks = check(
        &policies,
        &injector(),
        &pod(json!({}), json!({})),
        KUBEWARDEN_NAMESPACE,
        &enabled,
    );
    assert!(checks.iter().all(|c| !c.injected), "{checks:?}");
}

#[test]
fn a_lookup_policy_explains_with_istios_webhooks() {
    let lookup = json!({"kind": "ClusterAdmissionPolicy", "metadata": {"name": "istio-sidecar-injector"},
        "spec": {"settings": {"namespaceSelection": "lookup", "revision": "canary"}}});
    let policies = vec![
        PolicyWebhook::from_policy(&lookup, KUBEWARDEN_NAMESPACE)
            .unwrap()
            .unwrap(),
    ];
    let canary_ns = labels(&[("istio.io/rev", "canary")]);
    let checks = check(
        &policies,
        &injector(),
        &pod(json!({}), json!({})),
        "demo",
        &canary_ns,
    );
    assert_eq!(checks[0].revision, "canary");
    assert!(checks[0].injected);
    assert_eq!(
        checks[0].reason,
        "Namespace label istio.io/rev=canary matches"
    );
    let enabled = labels(&[("istio-injection", "enabled")]);
    let checks = check(
        &policies,
        &injector(),
        &pod(json!({}), json!({})),
        "demo",
        &enabled,
    );
    assert!(!checks[0].injected);
    assert!(
        checks[0]
            .reason
            .starts_with("No matching namespace labels (istio.io/rev=canary"),
        "{}",
        checks[0].reason
    );
}

/// The chart's webhooks as data select exactly what the policy's own lookup selection does.
#[test]
fn istio_webhooks_agree_with_the_lookup_selection() {
    let ns_sets: &[&[(&str, &str)]] = &[
        &[],
        &[("istio-injection", "enabled")],
        &[("istio-injection", "disabled")],
        &[("istio.io/rev", "default")],
        &[("istio.io/rev", "canary")],
        &[("istio.io/rev", "prod")],
        &[("istio-injection", "enabled"), ("istio.io/rev", "canary")],
    ];
    let pod_sets: &[&[(&str, &str)]] = &[
        &[],
        &[("sidecar.istio.io/inject", "true")],
        &[("sidecar.istio.io/inject", "false")],
        &[("istio.io/rev", "canary")],
        &[("istio.io/rev", "default")],
        &[
            ("sidecar.istio.io/inject", "true"),
            ("istio.io/rev", "canary"),
        ],
    ];
    for (revision, tags, default_revision, by_default) in [
        ("default", vec![], true, false),
        ("default", vec![], true, true),
        ("canary", vec!["prod".to_string()], false, false),
        ("canary", vec![], true, true),
    ] {
        let selection = WebhookSelection {
            revision: revision.into(),
            tags,
            default_revision,
            enable_namespaces_by_default: by_default,
        };
        let hooks = istio_webhooks(&selection);
        for name in ["demo", "kube-system"] {
            for ns in ns_sets {
                let mut ns = labels(ns);
                ns.insert("kubernetes.io/metadata.name".into(), json!(name));
                for pod in pod_sets {
                    let pod = labels(pod);
                    let by_hooks = hooks.iter().any(|h| {
                        matched_selector(&h.namespace_selector, &ns).0
                            && matched_selector(&h.object_selector, &pod).0
                    });
                    assert_eq!(
                        by_hooks,
                        webhook_selects(&selection, &ns, &pod),
                        "{selection:?} namespace {ns:?} pod {pod:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn pods_come_from_pods_and_workload_templates() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: report}}
        spec: {containers: [{name: r, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
";
    let pods = pods_from_yaml(text, "default").unwrap();
    let summary: Vec<(&str, &str, &Value)> = pods
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.namespace.as_str(),
                &p.pod["metadata"]["labels"]["app"],
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Deployment/web", "shop", &json!("web")),
            ("CronJob/report", "default", &json!("report")),
        ]
    );
    assert!(pods_from_yaml("kind: Pod\nmetadata: [", "default").is_err());
}

#[test]
fn the_table_is_istioctls() {
    let checks = vec![
        Check {
            webhook: "clusterwide-a".into(),
            revision: "default".into(),
            injected: true,
            reason: "Namespace label istio-injection=enabled matches".into(),
        },
        Check {
            webhook: "clusterwide-bb".into(),
            revision: "canary".into(),
            injected: false,
            reason: "No matching namespace labels () or pod labels ()".into(),
        },
    ];
    assert_eq!(
        render_table(&checks),
        "WEBHOOK         REVISION  INJECTED  REASON\n\
         clusterwide-a   default   ✔         Namespace label istio-injection=enabled matches\n\
         clusterwide-bb  canary    ✘         No matching namespace labels () or pod labels ()\n"
    );
    let mut both = checks.clone();
    both[1].injected = true;
    assert!(
        render_table(&both)
            .ends_with("ERROR: multiple webhooks will inject, which can lead to errors\n")
    );
    assert_eq!(
        parse_labels("a=1, b=two").unwrap(),
        labels(&[("a", "1"), ("b", "two")])
    );
    assert_eq!(
        parse_labels("a=b, c=\n d").unwrap(),
        labels(&[("a", "b"), ("c", ""), ("d", "")])
    );
    assert!(parse_labels("=x").is_err());
}

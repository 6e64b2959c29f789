//! One admission request, decided: the policy's behaviour without the waPC plumbing.

use crate::cluster::Cluster;
use crate::guard_rails;
use crate::json_path;
use crate::native_sidecars;
use crate::pod_size;
use crate::proxy_config;
use crate::settings::{InlineConfig, NamespaceSelection, NativeSidecars, Platform, Settings};
use injector::checkinject;
use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::decide::{self, WebhookSelection};
use injector::{InjectError, Injector, PodContext};
use kubewarden_policy_sdk::request::KubernetesAdmissionRequest;
use serde_json::{Map, Value};

/// What the policy answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Let the request through unchanged.
    Accept { warnings: Vec<String> },
    /// Let the request through with this object instead (the host diffs it into a patch).
    Mutate {
        object: Value,
        warnings: Vec<String>,
    },
    /// Refuse the request.
    Reject { message: String, code: Option<u16> },
}

impl Outcome {
    fn accept() -> Self {
        Outcome::Accept { warnings: vec![] }
    }

    fn reject(message: impl Into<String>, code: Option<u16>) -> Self {
        Outcome::Reject {
            message: message.into(),
            code,
        }
    }
}

/// Why a Pod CREATE was injected or not, for the response's `auditAnnotations` (the API
/// server records them under the webhook's name in its audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// `injected`, `not-injected` or `rejected`.
    pub injection: &'static str,
    pub reason: String,
}

impl Audit {
    fn new(injection: &'static str, reason: impl Into<String>) -> Option<Audit> {
        Some(Audit {
            injection,
            reason: reason.into(),
        })
    }

    /// The annotations, keyed as Kubernetes wants audit annotation keys (a qualified name; the
    /// API server prefixes the webhook's name).
    pub fn annotations(&self) -> std::collections::HashMap<String, String> {
        std::collections::HashMap::from([
            ("injection".to_string(), self.injection.to_string()),
            ("reason".to_string(), self.reason.clone()),
        ])
    }
}

/// Decides one request: whether the pod is injected, and how.
pub fn evaluate(
    request: &KubernetesAdmissionRequest,
    settings: &Settings,
    cluster: &dyn Cluster,
) -> Outcome {
    evaluate_audited(request.clone(), settings.clone(), cluster).0
}

/// [`evaluate`], with the decision and its reason for every Pod CREATE. The request and the
/// settings are taken by value: the injected pod is built in the pod the request carries, and
/// Istio's configuration is read out of the settings, not copied.
pub fn evaluate_audited(
    request: KubernetesAdmissionRequest,
    settings: Settings,
    cluster: &dyn Cluster,
) -> (Outcome, Option<Audit>) {
    let mut audit = None;
    let pod_create = is_pod_create(&request);
    let outcome = decide_and_inject(request, settings, cluster, &mut audit);
    if let Outcome::Reject { message, .. } = &outcome
        && pod_create
    {
        audit = Audit::new("rejected", message.clone());
    }
    (outcome, audit)
}

fn decide_and_inject(
    request: KubernetesAdmissionRequest,
    mut settings: Settings,
    cluster: &dyn Cluster,
    audit: &mut Option<Audit>,
) -> Outcome {
    if !is_pod_create(&request) {
        return Outcome::accept();
    }
    let pod = &request.object;
    let Some(metadata_ok) = pod.as_object().map(|o| {
        o.get("metadata")
            .is_none_or(|m| m.is_object() || m.is_null())
    }) else {
        return Outcome::reject("invalid pod: the object is not a JSON object", Some(400));
    };
    if !metadata_ok {
        return Outcome::reject("invalid pod: metadata is not an object", Some(400));
    }
    let pod_namespace = json_path::at(pod, &["metadata", "namespace"])
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or(&request.namespace);

    // The Namespace is needed to select like Istio's webhooks do, and on OpenShift for the
    // proxy's UID/GID; it is only read when one of those applies.
    let needs_namespace = settings.namespace_selection == NamespaceSelection::Lookup
        || settings.platform == Platform::Openshift;
    let namespace = if needs_namespace {
        match cluster.namespace(pod_namespace) {
            Ok(ns) => ns,
            Err(err) => return Outcome::reject(err, Some(500)),
        }
    } else {
        None
    };

    if settings.namespace_selection == NamespaceSelection::Lookup {
        let selection = WebhookSelection {
            revision: settings.revision().to_string(),
            tags: settings.revision_tags.clone(),
            default_revision: settings.default_revision(),
            enable_namespaces_by_default: settings.enable_namespaces_by_default,
        };
        let empty = Map::new();
        let ns_labels = namespace
            .as_ref()
            .and_then(|ns| json_path::at(ns, &["metadata", "labels"]))
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let pod_labels = json_path::at(pod, &["metadata", "labels"])
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let hooks = checkinject::istio_webhooks(&selection);
        let (why, selected) = checkinject::match_status(&hooks, pod_labels, ns_labels);
        // The chart's webhooks as data select what webhook_selects does (tested in both
        // directions); the selection itself stays with the decision code.
        if !decide::webhook_selects(&selection, ns_labels, pod_labels) {
            *audit = Audit::new("not-injected", why);
            return Outcome::accept();
        }
        *audit = Audit::new("injected", if selected { why } else { String::new() });
    }

    let (config, source) = match load_config(&mut settings, cluster) {
        Ok(loaded) => loaded,
        Err(message) => return Outcome::reject(message, Some(500)),
    };
    let options = settings.injector_options();
    // Templates are parsed when a pod selects them: inline ones were checked whole by
    // validate_settings, and a broken template in a live ConfigMap fails only the pods that
    // select it (istiod, likewise, keeps injecting with what it has when a new config does
    // not load), with the ConfigMap named so an operator can find it.
    let mut injector =
        Injector::with_lazy_templates(config.injector, config.values, config.mesh, options);
    let decision = injector.inject_required(pod, pod_namespace);
    if let Some(err) = decision.invalid_pod() {
        return Outcome::reject(err.to_string(), Some(400));
    }
    let mut warnings = decision.warnings.clone();
    let selected_by = audit.take().map(|a| a.reason).unwrap_or_default();
    let reason = match selected_by.as_str() {
        "" => decision.reason.to_string(),
        by => format!("{by}; {}", decision.reason),
    };
    if !decision.inject {
        *audit = Audit::new("not-injected", reason);
        return Outcome::Accept { warnings };
    }
    *audit = Audit::new("injected", reason);
    if let Err(too_large) = pod_size::check(pod) {
        return Outcome::reject(too_large, Some(400));
    }
    let guard_rails = settings.guard_rails();
    if let Err(violation) = guard_rails.check_request(pod) {
        return Outcome::reject(violation, Some(403));
    }
    if settings.proxy_configs {
        let root = injector.mesh().root_namespace().to_string();
        match proxy_config::read(cluster, &root, pod_namespace) {
            Ok(resources) => injector.set_proxy_configs(resources),
            Err(message) => return Outcome::reject(message, Some(500)),
        }
    }
    // Nodes are read only for pods that are injected, as istiod does.
    if settings.native_sidecars == NativeSidecars::Auto {
        let node_name = json_path::at(pod, &["spec", "nodeName"])
            .and_then(Value::as_str)
            .unwrap_or_default();
        let detection = native_sidecars::detect(cluster, node_name);
        warnings.extend(detection.warning);
        injector.set_native_sidecars(detection.native);
    }

    let namespace_annotations = namespace
        .as_ref()
        .and_then(|ns| json_path::at(ns, &["metadata", "annotations"]))
        .and_then(Value::as_object);
    let context = PodContext {
        namespace: &request.namespace,
        namespace_annotations,
    };
    let proxy_image_annotated = guard_rails::proxy_image_annotated(pod);
    match injector.inject_owned(request.object, &context) {
        Ok(injected) => {
            if let Err(violation) = guard_rails.check_injected(proxy_image_annotated, &injected.pod)
            {
                return Outcome::reject(violation, Some(403));
            }
            warnings.extend(injected.warnings);
            if !injected.changed {
                if let Some(audit) = audit.as_mut() {
                    audit.reason.push_str("; already injected, nothing changed");
                }
                Outcome::Accept { warnings }
            } else {
                Outcome::Mutate {
                    object: injected.pod,
                    warnings,
                }
            }
        }
        Err(InjectError::InvalidTemplate(err)) => {
            let origin = source.as_deref().unwrap_or("invalid Istio configuration");
            Outcome::reject(format!("{origin}: {err}"), Some(500))
        }
        Err(err) => Outcome::reject(err.to_string(), None),
    }
}

/// Only a v1 Pod CREATE (not a sub-resource) is injected; Istio's webhook matches nothing else.
fn is_pod_create(request: &KubernetesAdmissionRequest) -> bool {
    request.kind.group.is_empty()
        && request.kind.version == "v1"
        && request.kind.kind == "Pod"
        && request.operation == "CREATE"
        && request.sub_resource.is_empty()
}

/// The Istio configuration for this evaluation, from inline settings or the cluster's
/// ConfigMaps, and where its templates came from when that was a ConfigMap.
fn load_config(
    settings: &mut Settings,
    cluster: &dyn Cluster,
) -> Result<(InlineConfig, Option<String>), String> {
    let Some(source) = &settings.config_maps else {
        let config = settings.take_inline_config().map_err(|e| e.to_string())?;
        return Ok((config, None));
    };
    let revision = settings.revision();
    let namespace = source.namespace();
    let injector_name = source.injector_name(revision);
    let mesh_name = source.mesh_name(revision);
    // The ConfigMaps' data is taken, not copied: the injector config is ~111 KB of text.
    let fetch = |name: &str| -> Result<Map<String, Value>, String> {
        let mut cm = cluster
            .config_map(namespace, name)?
            .ok_or_else(|| format!("ConfigMap {namespace}/{name} not found"))?;
        Ok(match cm.get_mut("data").map(Value::take) {
            Some(Value::Object(data)) => data,
            _ => Map::new(),
        })
    };
    let mut injector_data = fetch(&injector_name)?;
    let mut mesh_data = fetch(&mesh_name)?;
    let key = |data: &mut Map<String, Value>, cm: &str, key: &str| -> Result<String, String> {
        match data.get_mut(key).map(Value::take) {
            Some(Value::String(text)) => Ok(text),
            _ => Err(format!(
                "ConfigMap {namespace}/{cm} has no data key {key:?}"
            )),
        }
    };
    let located = |cm: &str, k: &str, e: injector::ConfigError| {
        format!("ConfigMap {namespace}/{cm} data.{k}: {e}")
    };
    let config_text = key(&mut injector_data, &injector_name, "config")?;
    let values_text = key(&mut injector_data, &injector_name, "values")?;
    let mesh_text = key(&mut mesh_data, &mesh_name, "mesh")?;
    let config = InlineConfig {
        injector: InjectorConfig::from_string(config_text)
            .map_err(|e| located(&injector_name, "config", e))?,
        values: Values::from_str(&values_text).map_err(|e| located(&injector_name, "values", e))?,
        mesh: MeshConfig::from_str(&mesh_text).map_err(|e| located(&mesh_name, "mesh", e))?,
    };
    Ok((
        config,
        Some(format!("ConfigMap {namespace}/{injector_name} data.config")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixtures::FixtureCluster;
    use serde_json::json;

    fn request(
        operation: &str,
        kind: &str,
        namespace: &str,
        object: Value,
    ) -> KubernetesAdmissionRequest {
        serde_json::from_value(json!({
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": "", "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace,
            "operation": operation,
            "userInfo": {"username": "admin"},
            "object": object,
        }))
        .unwrap()
    }

    fn pod(labels: Value, annotations: Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "generateName": "web-5d4f8c7b9-",
                "namespace": "demo",
                "labels": labels,
                "annotations": annotations,
                "ownerReferences": [{
                    "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d4f8c7b9",
                    "uid": "e6b6b3c1-0f2c-4c8e-9d0e-3f1a2b4c5d6e", "controller": true
                }]
            },
            "spec": {
                "containers": [{
                    "name": "web",
                    "image": "nginx:1.27",
                    "ports": [{"containerPort": 80, "name": "http"}]
                }]
            }
        })
    }

    fn web_pod() -> Value {
        pod(
            json!({"app": "web", "pod-template-hash": "5d4f8c7b9"}),
            json!({}),
        )
    }

    fn namespace(name: &str, labels: Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": labels}
        })
    }

    fn settings(value: Value) -> Settings {
        Settings::from_json(&value).unwrap()
    }

    fn container_names(pod: &Value, list: &str) -> Vec<String> {
        pod["spec"][list]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|c| c["name"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn mutated(outcome: Outcome) -> Value {
        match outcome {
            Outcome::Mutate { object, .. } => object,
            other => panic!("expected a mutation, got {other:?}"),
        }
    }

    fn node(name: &str, kubelet: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
               "status": {"nodeInfo": {"kubeletVersion": kubelet}}})
    }

    #[test]
    fn injects_a_native_sidecar_when_every_node_runs_kubelet_1_33() {
        let cluster = FixtureCluster::default()
            .with(node("a", "v1.33.1"))
            .with(node("b", "v1.34.0"));
        let req = request("CREATE", "Pod", "demo", web_pod());
        let pod = mutated(evaluate(&req, &settings(json!({})), &cluster));
        assert_eq!(
            container_names(&pod, "initContainers"),
            ["istio-init", "istio-proxy"]
        );
        assert_eq!(container_names(&pod, "containers"), ["web"]);
        assert_eq!(pod["spec"]["initContainers"][1]["restartPolicy"], "Always");
        let env = pod["spec"]["initContainers"][1]["env"].as_array().unwrap();
        let var = |name: &str| {
            env.iter()
                .find(|e| e["name"] == name)
                .and_then(|e| e["value"].as_str())
                .map(str::to_string)
        };
        assert_eq!(var("ISTIO_META_WORKLOAD_NAME").as_deref(), Some("web"));
        assert_eq!(
            var("ISTIO_META_OWNER").as_deref(),
            Some("kubernetes://apis/apps/v1/namespaces/demo/deployments/web")
        );
        assert!(pod["metadata"]["annotations"]["sidecar.istio.io/status"].is_string());
        assert_eq!(
            pod["metadata"]["labels"]["security.istio.io/tlsMode"],
            "istio"
        );
        assert_eq!(
            cluster.lookups.borrow().as_slice(),
            ["v1/Node list"],
            "webhook mode reads only the nodes"
        );
    }

    #[test]
    fn auto_injects_a_classic_sidecar_when_a_node_is_older() {
        let cluster = FixtureCluster::default()
            .with(node("a", "v1.33.1"))
            .with(node("b", "v1.32.4"));
        let req = request("CREATE", "Pod", "demo", web_pod());
        let pod = mutated(evaluate(&req, &settings(json!({})), &cluster));
        assert_eq!(container_names(&pod, "initContainers"), ["istio-init"]);
        assert_eq!(container_names(&pod, "containers"), ["web", "istio-proxy"]);
    }

    #[test]
    fn auto_asks_the_pods_own_node_when_it_is_scheduled() {
        let cluster = FixtureCluster::default()
            .with(node("new", "v1.33.1"))
            .with(node("old", "v1.30.0"));
        let mut scheduled = web_pod();
        scheduled["spec"]["nodeName"] = json!("new");
        let pod = mutated(evaluate(
            &request("CREATE", "Pod", "demo", scheduled),
            &settings(json!({})),
            &cluster,
        ));
        assert_eq!(
            container_names(&pod, "initContainers"),
            ["istio-init", "istio-proxy"]
        );
        assert_eq!(cluster.lookups.borrow().as_slice(), ["v1/Node /new"]);
    }

    #[test]
    fn auto_without_access_to_nodes_injects_a_classic_sidecar_and_says_why() {
        let mut cluster = FixtureCluster::default();
        cluster.fail = true;
        let outcome = evaluate(
            &request("CREATE", "Pod", "demo", web_pod()),
            &settings(json!({})),
            &cluster,
        );
        let Outcome::Mutate { object, warnings } = outcome else {
            panic!("expected a mutation, got {outcome:?}");
        };
        assert_eq!(
            container_names(&object, "containers"),
            ["web", "istio-proxy"]
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("cannot read the cluster's nodes")),
            "{warnings:?}"
        );
    }

    #[test]
    fn forced_native_sidecars_and_pods_not_injected_read_no_nodes() {
        let cluster = FixtureCluster::default().with(node("a", "v1.30.0"));
        let pod = mutated(evaluate(
            &request("CREATE", "Pod", "demo", web_pod()),
            &settings(json!({"nativeSidecars": true})),
            &cluster,
        ));
        assert_eq!(
            container_names(&pod, "initContainers"),
            ["istio-init", "istio-proxy"]
        );
        let opted_out = pod_with_inject_label("false");
        let outcome = evaluate(
            &request("CREATE", "Pod", "demo", opted_out),
            &settings(json!({})),
            &cluster,
        );
        assert!(matches!(outcome, Outcome::Accept { .. }), "{outcome:?}");
        assert!(cluster.lookups.borrow().is_empty());
    }

    #[test]
    fn the_pod_annotation_wins_over_auto() {
        let cluster = FixtureCluster::default().with(node("a", "v1.30.0"));
        let annotated = pod(
            json!({"app": "web"}),
            json!({"sidecar.istio.io/nativeSidecar": "true"}),
        );
        let pod = mutated(evaluate(
            &request("CREATE", "Pod", "demo", annotated),
            &settings(json!({})),
            &cluster,
        ));
        assert_eq!(
            container_names(&pod, "initContainers"),
            ["istio-init", "istio-proxy"]
        );
    }

    fn pod_with_inject_label(value: &str) -> Value {
        pod(
            json!({"app": "web", "sidecar.istio.io/inject": value}),
            json!({}),
        )
    }

    fn proxy_config_resource(namespace: &str, name: &str, created: &str, spec: Value) -> Value {
        json!({
            "apiVersion": "networking.istio.io/v1beta1", "kind": "ProxyConfig",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": created},
            "spec": spec
        })
    }

    fn proxy_env(pod: &Value, name: &str) -> Option<String> {
        ["initContainers", "containers"]
            .iter()
            .filter_map(|list| pod["spec"][list].as_array())
            .flatten()
            .find(|c| c["name"] == "istio-proxy")?["env"]
            .as_array()?
            .iter()
            .find(|e| e["name"] == name)?["value"]
            .as_str()
            .map(str::to_string)
    }

    #[test]
    fn proxy_config_resources_apply_in_istiods_order() {
        let cluster = FixtureCluster::default()
            .with(proxy_config_resource(
                "istio-system",
                "mesh-wide",
                "2025-01-01T00:00:00Z",
                json!({"concurrency": 2, "environmentVariables": {"LEVEL": "root", "ROOT": "1"}}),
            ))
            .with(proxy_config_resource(
                "demo",
                "demo-wide",
                "2025-01-02T00:00:00Z",
                json!({"environmentVariables": {"LEVEL": "namespace"}}),
            ))
            .with(proxy_config_resource(
                "demo",
                "web",
                "2025-01-03T00:00:00Z",
                json!({"selector": {"matchLabels": {"app": "web"}},
                       "environmentVariables": {"LEVEL": "workload"},
                       "image": {"imageType": "distroless"}}),
            ));
        let s = settings(json!({"proxyConfigs": true, "nativeSidecars": true}));

        let annotated = pod(
            json!({"app": "db"}),
            json!({"proxy.istio.io/config": "proxyMetadata:\n  LEVEL: annotation\n"}),
        );
        let db = mutated(evaluate(
            &request("CREATE", "Pod", "demo", annotated),
            &s,
            &cluster,
        ));
        assert_eq!(proxy_env(&db, "LEVEL").as_deref(), Some("annotation"));
        assert_eq!(proxy_env(&db, "ROOT").as_deref(), Some("1"));
        let proxy_config = proxy_env(&db, "PROXY_CONFIG").unwrap();
        assert!(
            proxy_config.contains(r#""concurrency":2"#),
            "{proxy_config}"
        );
        let image = db["spec"]["initContainers"][1]["image"].as_str().unwrap();
        assert!(!image.ends_with("-distroless"), "{image}");

        let mut web = web_pod();
        web["metadata"]["annotations"] =
            json!({"proxy.istio.io/config": "proxyMetadata:\n  LEVEL: annotation\n"});
        let web = mutated(evaluate(
            &request("CREATE", "Pod", "demo", web),
            &s,
            &cluster,
        ));
        assert_eq!(proxy_env(&web, "LEVEL").as_deref(), Some("workload"));
        let image = web["spec"]["initContainers"][1]["image"].as_str().unwrap();
        assert!(image.ends_with("-distroless"), "{image}");
        assert!(
            cluster
                .lookups
                .borrow()
                .iter()
                .any(|l| l == "networking.istio.io/v1beta1/ProxyConfig list istio-system"),
            "{:?}",
            cluster.lookups.borrow()
        );
    }

    #[test]
    fn proxy_configs_are_only_read_when_asked_for() {
        let cluster = FixtureCluster::default().with(proxy_config_resource(
            "demo",
            "demo-wide",
            "2025-01-02T00:00:00Z",
            json!({"environmentVariables": {"LEVEL": "namespace"}}),
        ));
        let s = settings(json!({"nativeSidecars": true}));
        let pod = mutated(evaluate(
            &request("CREATE", "Pod", "demo", web_pod()),
            &s,
            &cluster,
        ));
        assert_eq!(proxy_env(&pod, "LEVEL"), None);
        assert!(cluster.lookups.borrow().is_empty());
    }

    #[test]
    fn unreadable_proxy_configs_reject_rather_than_inject_another_proxy() {
        let mut cluster = FixtureCluster::default();
        cluster.fail = true;
        let s = settings(json!({"proxyConfigs": true, "nativeSidecars": true}));
        let outcome = evaluate(&request("CREATE", "Pod", "demo", web_pod()), &s, &cluster);
        assert!(
            matches!(&outcome, Outcome::Reject { message, code: Some(500) } if message.contains("ProxyConfig")),
            "{outcome:?}"
        );
    }

    #[test]
    fn every_pod_create_is_audited_with_its_reason() {
        let cluster = FixtureCluster::default()
            .with(namespace("demo", json!({"istio-injection": "enabled"})))
            .with(namespace("plain", json!({})));
        let webhook = settings(json!({"nativeSidecars": false}));
        let (_, audit) = evaluate_audited(
            request("CREATE", "Pod", "demo", web_pod()),
            webhook.clone(),
            &cluster,
        );
        assert_eq!(audit, Audit::new("injected", "injection policy enabled"));
        let (_, audit) = evaluate_audited(
            request("CREATE", "Pod", "demo", pod_with_inject_label("false")),
            webhook.clone(),
            &cluster,
        );
        assert_eq!(
            audit,
            Audit::new("not-injected", "sidecar injection disabled by label")
        );

        let lookup = settings(json!({"namespaceSelection": "lookup", "nativeSidecars": false}));
        let (_, audit) = evaluate_audited(
            request("CREATE", "Pod", "demo", web_pod()),
            lookup.clone(),
            &cluster,
        );
        assert_eq!(
            audit,
            Audit::new(
                "injected",
                "Namespace label istio-injection=enabled matches; injection policy enabled"
            )
        );
        let mut elsewhere = web_pod();
        elsewhere["metadata"]["namespace"] = json!("plain");
        let (outcome, audit) = evaluate_audited(
            request("CREATE", "Pod", "plain", elsewhere),
            lookup.clone(),
            &cluster,
        );
        assert_eq!(outcome, Outcome::accept());
        let audit = audit.unwrap();
        assert_eq!(audit.injection, "not-injected");
        assert!(
            audit.reason.starts_with("No matching namespace labels ("),
            "{}",
            audit.reason
        );

        let mut bad = web_pod();
        bad["metadata"]["annotations"] =
            json!({"traffic.sidecar.istio.io/includeOutboundIPRanges": "300.0.0.0/8"});
        let (_, audit) = evaluate_audited(
            request("CREATE", "Pod", "demo", bad),
            webhook.clone(),
            &cluster,
        );
        assert_eq!(audit.unwrap().injection, "rejected");

        let (_, audit) = evaluate_audited(
            request("UPDATE", "Pod", "demo", web_pod()),
            webhook.clone(),
            &cluster,
        );
        assert_eq!(audit, None, "only Pod CREATE is audited");
        assert_eq!(
            Audit::new("injected", "x").unwrap().annotations(),
            std::collections::HashMap::from([
                ("injection".to_string(), "injected".to_string()),
                ("reason".to_string(), "x".to_string())
            ])
        );
    }

    #[test]
    fn guard_rails_refuse_what_pod_authors_may_not_steer() {
        let cluster = FixtureCluster::default();
        let rails = settings(json!({
            "nativeSidecars": true,
            "allowedProxyImages": ["docker.io/istio/proxyv2:*"],
            "allowedUserVolumeTypes": ["configMap", "secret"],
            "proxyOverrides": "deny-privilege",
        }));
        let reject = |pod: Value, s: &Settings| match evaluate(
            &request("CREATE", "Pod", "demo", pod),
            s,
            &cluster,
        ) {
            Outcome::Reject { message, code } => {
                assert_eq!(code, Some(403));
                message
            }
            other => panic!("expected a rejection, got {other:?}"),
        };

        // Istio's own image passes; every other setting of the pod too.
        mutated(evaluate(
            &request("CREATE", "Pod", "demo", web_pod()),
            &rails,
            &cluster,
        ));

        let mut swapped = web_pod();
        swapped["metadata"]["annotations"] =
            json!({"sidecar.istio.io/proxyImage": "evil.example.com/proxy:1"});
        let message = reject(swapped, &rails);
        assert!(
            message.starts_with("annotation sidecar.istio.io/proxyImage:"),
            "{message}"
        );
        assert!(message.contains("allowedProxyImages"), "{message}");

        let mut host_path = web_pod();
        host_path["metadata"]["annotations"] = json!({
            "sidecar.istio.io/userVolume": r#"{"host":{"hostPath":{"path":"/"}}}"#,
            "sidecar.istio.io/userVolumeMount": r#"{"host":{"mountPath":"/host"}}"#,
        });
        let message = reject(host_path.clone(), &rails);
        assert!(
            message.contains("hostPath") && message.contains("allowedUserVolumeTypes"),
            "{message}"
        );
        let mut config_map = web_pod();
        config_map["metadata"]["annotations"] = json!({
            "sidecar.istio.io/userVolume": r#"{"extra":{"configMap":{"name":"extra"}}}"#,
            "sidecar.istio.io/userVolumeMount": r#"{"extra":{"mountPath":"/etc/extra"}}"#,
        });
        mutated(evaluate(
            &request("CREATE", "Pod", "demo", config_map.clone()),
            &rails,
            &cluster,
        ));
        let forbid = settings(json!({"nativeSidecars": true, "forbidUserVolumes": true}));
        let message = reject(config_map, &forbid);
        assert!(
            message.contains("sidecar.istio.io/userVolume")
                && message.contains("forbidUserVolumes"),
            "{message}"
        );

        let mut privileged = web_pod();
        privileged["spec"]["containers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "istio-proxy", "securityContext": {"privileged": true}}));
        let message = reject(privileged.clone(), &rails);
        assert_eq!(
            message,
            "spec.containers[name=istio-proxy].securityContext.privileged: the policy's proxyOverrides is deny-privilege"
        );
        // A re-injection: the user's override lives in the overrides annotation.
        let mut reinjected = web_pod();
        reinjected["metadata"]["annotations"] = json!({
            "sidecar.istio.io/status": "{\"containers\":[\"istio-proxy\"]}",
            "proxy.istio.io/overrides": "{\"containers\":[{\"name\":\"istio-proxy\",\"securityContext\":{\"runAsUser\":0}}]}",
        });
        let message = reject(reinjected, &rails);
        assert!(message.starts_with("annotation proxy.istio.io/overrides: containers[name=istio-proxy].securityContext.runAsUser"), "{message}");
        // Off by default: istiod's behaviour.
        mutated(evaluate(
            &request("CREATE", "Pod", "demo", privileged),
            &settings(json!({"nativeSidecars": true})),
            &cluster,
        ));
        let err = Settings::from_json(&json!({"proxyOverrides": "sometimes"})).unwrap_err();
        assert!(err.contains("proxyOverrides"), "{err}");
    }

    #[test]
    fn classic_sidecar_when_native_sidecars_are_off() {
        let cluster = FixtureCluster::default();
        let req = request("CREATE", "Pod", "demo", web_pod());
        let pod = mutated(evaluate(
            &req,
            &settings(json!({"nativeSidecars": false})),
            &cluster,
        ));
        assert_eq!(container_names(&pod, "initContainers"), ["istio-init"]);
        assert_eq!(container_names(&pod, "containers"), ["web", "istio-proxy"]);
        assert!(cluster.lookups.borrow().is_empty());
    }

    #[test]
    fn reinjecting_an_injected_pod_changes_nothing() {
        let cluster = FixtureCluster::default();
        let first = mutated(evaluate(
            &request("CREATE", "Pod", "demo", web_pod()),
            &settings(json!({})),
            &cluster,
        ));
        let again = evaluate(
            &request("CREATE", "Pod", "demo", first),
            &settings(json!({})),
            &cluster,
        );
        assert_eq!(again, Outcome::Accept { warnings: vec![] });
    }

    #[test]
    fn leaves_other_requests_alone() {
        let cluster = FixtureCluster::default();
        let s = settings(json!({"namespaceSelection": "lookup"}));
        for req in [
            request("UPDATE", "Pod", "demo", web_pod()),
            request("DELETE", "Pod", "demo", web_pod()),
            request("CREATE", "ConfigMap", "demo", json!({"data": {}})),
        ] {
            assert_eq!(evaluate(&req, &s, &cluster), Outcome::accept());
        }
        let mut status = request("CREATE", "Pod", "demo", web_pod());
        status.sub_resource = "status".into();
        assert_eq!(evaluate(&status, &s, &cluster), Outcome::accept());
        assert!(cluster.lookups.borrow().is_empty());
    }

    #[test]
    fn istio_rules_still_apply_in_webhook_mode() {
        let cluster = FixtureCluster::default();
        let s = settings(json!({}));
        let mut host = web_pod();
        host["spec"]["hostNetwork"] = json!(true);
        assert_eq!(
            evaluate(&request("CREATE", "Pod", "demo", host), &s, &cluster),
            Outcome::accept()
        );
        let opted_out = pod(json!({"sidecar.istio.io/inject": "false"}), json!({}));
        assert_eq!(
            evaluate(&request("CREATE", "Pod", "demo", opted_out), &s, &cluster),
            Outcome::accept()
        );
        let mut system = web_pod();
        system["metadata"]["namespace"] = json!("kube-system");
        assert_eq!(
            evaluate(
                &request("CREATE", "Pod", "kube-system", system),
                &s,
                &cluster
            ),
            Outcome::accept()
        );
    }

    #[test]
    fn lookup_mode_selects_like_istios_webhooks() {
        let s = settings(json!({"namespaceSelection": "lookup"}));
        let cases = [
            (json!({"istio-injection": "enabled"}), json!({}), true),
            (json!({"istio-injection": "disabled"}), json!({}), false),
            (
                json!({"istio-injection": "disabled"}),
                json!({"sidecar.istio.io/inject": "true"}),
                false,
            ),
            (json!({}), json!({}), false),
            (json!({}), json!({"sidecar.istio.io/inject": "true"}), true),
            (json!({}), json!({"istio.io/rev": "default"}), true),
            (json!({}), json!({"istio.io/rev": "canary"}), false),
            (json!({"istio.io/rev": "default"}), json!({}), true),
            (json!({"istio.io/rev": "canary"}), json!({}), false),
            (
                json!({"istio-injection": "enabled"}),
                json!({"sidecar.istio.io/inject": "false"}),
                false,
            ),
        ];
        for (ns_labels, pod_labels, injected) in cases {
            let cluster = FixtureCluster::default().with(namespace("demo", ns_labels.clone()));
            let mut labels = json!({"app": "web", "pod-template-hash": "5d4f8c7b9"});
            labels
                .as_object_mut()
                .unwrap()
                .extend(pod_labels.as_object().unwrap().clone());
            let req = request("CREATE", "Pod", "demo", pod(labels, json!({})));
            let outcome = evaluate(&req, &s, &cluster);
            assert_eq!(
                matches!(outcome, Outcome::Mutate { .. }),
                injected,
                "namespace {ns_labels} pod {pod_labels}: {outcome:?}"
            );
            // Nodes are read (nativeSidecars: auto) only for pods that are injected.
            let mut expected = vec!["v1/Namespace /demo"];
            if injected {
                expected.push("v1/Node list");
            }
            assert_eq!(*cluster.lookups.borrow(), expected);
        }
    }

    #[test]
    fn lookup_mode_for_a_revision() {
        let s = settings(json!({"namespaceSelection": "lookup", "revision": "canary"}));
        let enabled = FixtureCluster::default()
            .with(namespace("demo", json!({"istio-injection": "enabled"})));
        let req = request("CREATE", "Pod", "demo", web_pod());
        assert_eq!(evaluate(&req, &s, &enabled), Outcome::accept());
        let canary =
            FixtureCluster::default().with(namespace("demo", json!({"istio.io/rev": "canary"})));
        let pod = mutated(evaluate(&req, &s, &canary));
        assert_eq!(pod["metadata"]["annotations"]["istio.io/rev"], "canary");
    }

    #[test]
    fn a_failed_lookup_rejects_rather_than_skipping_the_mesh() {
        let mut cluster = FixtureCluster::default();
        cluster.fail = true;
        let s = settings(json!({"namespaceSelection": "lookup"}));
        match evaluate(&request("CREATE", "Pod", "demo", web_pod()), &s, &cluster) {
            Outcome::Reject { message, code } => {
                assert!(message.contains("connection refused"), "{message}");
                assert_eq!(code, Some(500));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_injection_annotations_reject_the_pod_with_istios_reason() {
        let cluster = FixtureCluster::default();
        let bad = pod(
            json!({"app": "web"}),
            json!({"traffic.sidecar.istio.io/includeOutboundIPRanges": "10.0.0.0/33"}),
        );
        match evaluate(
            &request("CREATE", "Pod", "demo", bad),
            &settings(json!({})),
            &cluster,
        ) {
            Outcome::Reject { message, .. } => {
                assert!(message.contains("includeOutboundIPRanges"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_pods_are_rejected_not_panicked_on() {
        let cluster = FixtureCluster::default();
        let s = settings(json!({}));
        for object in [
            json!("a string"),
            json!({"metadata": "x", "spec": {}}),
            json!({"metadata": {}, "spec": {"containers": {"name": "web"}}}),
            json!({"metadata": {"labels": ["a"]}, "spec": {"containers": []}}),
        ] {
            let outcome = evaluate(
                &request("CREATE", "Pod", "demo", object.clone()),
                &s,
                &cluster,
            );
            assert!(
                matches!(outcome, Outcome::Reject { .. }),
                "{object}: {outcome:?}"
            );
        }
    }

    #[test]
    fn config_maps_are_read_from_the_cluster() {
        let config_map = |name: &str, data: Value| {
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": "istio-system"},
                "data": data
            })
        };
        // The ConfigMap holds complete values, as Helm renders them.
        let mut values = Values::istio_defaults().raw().clone();
        values["global"]["hub"] = json!("example.com/istio");
        values["global"]["tag"] = json!("1.29.1");
        let values = values.to_string();
        let cluster = FixtureCluster::default()
            .with(config_map(
                "istio-sidecar-injector",
                json!({"config": "policy: enabled\n", "values": values}),
            ))
            .with(config_map(
                "istio",
                json!({"mesh": "trustDomain: example.org\n"}),
            ));
        let s = settings(json!({"configMaps": {}, "nativeSidecars": true}));
        let pod = mutated(evaluate(
            &request("CREATE", "Pod", "demo", web_pod()),
            &s,
            &cluster,
        ));
        let proxy = &pod["spec"]["initContainers"][1];
        assert_eq!(proxy["image"], "example.com/istio/proxyv2:1.29.1");
        assert_eq!(
            *cluster.lookups.borrow(),
            [
                "v1/ConfigMap istio-system/istio-sidecar-injector",
                "v1/ConfigMap istio-system/istio"
            ]
        );

        let missing = FixtureCluster::default();
        match evaluate(&request("CREATE", "Pod", "demo", web_pod()), &s, &missing) {
            Outcome::Reject { message, .. } => {
                assert!(
                    message.contains("istio-system/istio-sidecar-injector not found"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}

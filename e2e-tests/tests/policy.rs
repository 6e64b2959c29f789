//! The built `policy.wasm`, run as the policy server runs it, against the request fixtures.
//! Every expectation is Istio's behaviour (`pkg/kube/inject` and its webhook configuration),
//! see `../shared/reference/istio-injector.md`. Build the module first: `make policy.wasm`.

use std::sync::OnceLock;

use e2e_tests::{Evaluation, FixtureHost, Policy, fixtures, policy_wasm_path};
use serde_json::{Value, json};

/// The nine volumes Istio's sidecar template adds with default values.
const ISTIO_VOLUMES: [&str; 9] = [
    "workload-socket",
    "credential-socket",
    "workload-certs",
    "istio-envoy",
    "istio-data",
    "istio-podinfo",
    "istio-token",
    "istiod-ca-cert",
    "istio-ca-crl",
];

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(&policy_wasm_path()).unwrap_or_else(|e| panic!("{e}")))
}

fn host() -> FixtureHost {
    static HOST: OnceLock<FixtureHost> = OnceLock::new();
    HOST.get_or_init(|| fixtures::namespace_host().expect("namespace fixtures load"))
        .clone()
}

/// An evaluation and the request it answered.
struct Run {
    request: Value,
    evaluation: Evaluation,
}

impl std::ops::Deref for Run {
    type Target = Evaluation;
    fn deref(&self) -> &Evaluation {
        &self.evaluation
    }
}

fn evaluate(fixture: &str, settings: &Value) -> Run {
    let request = fixtures::request(fixture).unwrap_or_else(|e| panic!("{e}"));
    evaluate_request(request, settings, fixture)
}

fn evaluate_request(request: Value, settings: &Value, what: &str) -> Run {
    let evaluation = policy()
        .evaluate(&request, settings, &host())
        .unwrap_or_else(|e| panic!("{what} with settings {settings}: {e}"));
    Run {
        request,
        evaluation,
    }
}

fn webhook() -> Value {
    json!({})
}

fn lookup() -> Value {
    json!({"namespaceSelection": "lookup"})
}

/// Accepted, and the policy server sends no patch.
fn assert_untouched(evaluation: &Evaluation, what: &str) {
    // A non-injected request gets no patch; a mutated_object equal to the input is fine
    // (the policy server sends no patch for it either).
    assert!(
        evaluation.allowed(),
        "{what}: rejected: {:?}",
        evaluation.message()
    );
    assert!(
        evaluation.patch.is_none(),
        "{what}: unexpected patch {:?}",
        evaluation.patch
    );
    assert!(evaluation.admission.patch_type.is_none(), "{what}");
}

fn names(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

fn container<'a>(pod: &'a Value, list: &str, name: &str) -> Option<&'a Value> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .and_then(|items| {
            items
                .iter()
                .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
        })
}

fn env<'a>(container: &'a Value, name: &str) -> Option<&'a Value> {
    container
        .get("env")
        .and_then(Value::as_array)
        .and_then(|vars| {
            vars.iter()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(name))
        })
}

fn env_value<'a>(container: &'a Value, name: &str) -> Option<&'a str> {
    env(container, name)
        .and_then(|v| v.get("value"))
        .and_then(Value::as_str)
}

fn status_annotation(pod: &Value) -> Value {
    let text = pod
        .pointer("/metadata/annotations/sidecar.istio.io~1status")
        .and_then(Value::as_str)
        .expect("sidecar.istio.io/status annotation");
    serde_json::from_str(text).expect("the status annotation is JSON")
}

/// The pod after the policy's patch, checked for what every injected pod has.
fn injected<'a>(run: &'a Run, what: &str, native: bool) -> &'a Value {
    let evaluation = &run.evaluation;
    assert!(
        evaluation.allowed(),
        "{what}: rejected: {:?}",
        evaluation.message()
    );
    let pod = evaluation
        .patched_object
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: not injected (no patch)"));
    let init = names(pod.pointer("/spec/initContainers"));
    let containers = names(pod.pointer("/spec/containers"));
    let status = status_annotation(pod);
    if native {
        // Native sidecar: istio-proxy is an init container that keeps running, after istio-init.
        assert_eq!(
            init.get(..2),
            Some(&["istio-init".to_owned(), "istio-proxy".to_owned()][..]),
            "{what}: {init:?}"
        );
        assert!(!containers.contains(&"istio-proxy".to_owned()), "{what}");
        let proxy = container(pod, "initContainers", "istio-proxy").expect("istio-proxy");
        assert_eq!(proxy.get("restartPolicy"), Some(&json!("Always")), "{what}");
        assert_eq!(
            status["initContainers"],
            json!(["istio-init", "istio-proxy"]),
            "{what}"
        );
        assert_eq!(status["containers"], Value::Null, "{what}");
    } else {
        assert_eq!(
            init.first().map(String::as_str),
            Some("istio-init"),
            "{what}: {init:?}"
        );
        assert!(
            !init.contains(&"istio-proxy".to_owned()),
            "{what}: {init:?}"
        );
        // Without holdApplicationUntilProxyStarts the sidecar goes last.
        assert_eq!(
            containers.last().map(String::as_str),
            Some("istio-proxy"),
            "{what}"
        );
        let proxy = container(pod, "containers", "istio-proxy").expect("istio-proxy");
        assert!(proxy.get("restartPolicy").is_none(), "{what}");
        assert_eq!(status["initContainers"], json!(["istio-init"]), "{what}");
        assert_eq!(status["containers"], json!(["istio-proxy"]), "{what}");
    }
    assert_eq!(status["volumes"], json!(ISTIO_VOLUMES), "{what}");
    let volumes = names(pod.pointer("/spec/volumes"));
    for volume in ISTIO_VOLUMES {
        assert!(
            volumes.contains(&volume.to_owned()),
            "{what}: no volume {volume}"
        );
    }
    let labels = &pod["metadata"]["labels"];
    assert_eq!(labels["security.istio.io/tlsMode"], "istio", "{what}");
    let annotations = &pod["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/port"], "15020", "{what}");
    assert_eq!(
        annotations["prometheus.io/path"], "/stats/prometheus",
        "{what}"
    );
    assert_eq!(annotations["prometheus.io/scrape"], "true", "{what}");
    assert_preserved(evaluation, &run.request["object"], pod, what);
    pod
}

fn proxy_of(pod: &Value) -> &Value {
    container(pod, "initContainers", "istio-proxy")
        .or_else(|| container(pod, "containers", "istio-proxy"))
        .expect("istio-proxy")
}

/// The policy must not drop what it does not know: managedFields, owner references, the
/// user's labels, annotations, volumes, pod settings and container fields come through.
fn assert_preserved(evaluation: &Evaluation, original: &Value, pod: &Value, what: &str) {
    let patch = evaluation.patch.as_ref().expect("a patch");
    for operation in &patch.0 {
        let path = operation.path().to_string();
        for untouchable in [
            "/metadata/managedFields",
            "/metadata/ownerReferences",
            "/apiVersion",
            "/kind",
        ] {
            assert!(
                !path.starts_with(untouchable),
                "{what}: patch touches {path}"
            );
        }
    }
    for key in [
        "generateName",
        "name",
        "namespace",
        "managedFields",
        "ownerReferences",
    ] {
        assert_eq!(
            pod["metadata"].get(key),
            original["metadata"].get(key),
            "{what}: metadata.{key}"
        );
    }
    for map in ["labels", "annotations"] {
        for (key, value) in original["metadata"][map].as_object().into_iter().flatten() {
            assert_eq!(
                pod["metadata"][map].get(key),
                Some(value),
                "{what}: {map} {key}"
            );
        }
    }
    for (key, value) in original["spec"].as_object().into_iter().flatten() {
        if !["containers", "initContainers", "volumes"].contains(&key.as_str()) {
            assert_eq!(pod["spec"].get(key), Some(value), "{what}: spec.{key}");
        }
    }
    for volume in original["spec"]["volumes"].as_array().into_iter().flatten() {
        let kept = pod["spec"]["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v == volume);
        assert!(kept, "{what}: volume {} changed or dropped", volume["name"]);
    }
    for list in ["containers", "initContainers"] {
        for before in original["spec"][list].as_array().into_iter().flatten() {
            let name = before["name"].as_str().unwrap_or_default();
            let after = container(pod, list, name)
                .unwrap_or_else(|| panic!("{what}: {list} {name} dropped"));
            assert_eq!(after["image"], before["image"], "{what}: {name}");
            for key in before.as_object().into_iter().flatten().map(|(k, _)| k) {
                assert!(after.get(key).is_some(), "{what}: {name}.{key} dropped");
            }
        }
    }
}

// ----- webhook mode: namespace selection is the webhook's, the policy applies injectRequired

#[test]
fn webhook_mode_injects_pods_the_webhook_sends() {
    // The ClusterAdmissionPolicy's selectors decide which namespaces reach the policy; what
    // arrives is injected unless injectRequired says no — namespace labels are not its concern.
    for fixture in [
        "pod-ns-injection-enabled",
        "pod-ns-unlabelled",
        "pod-ns-injection-disabled",
        "pod-ns-rev-canary",
        "pod-inject-label-true",
        "pod-rev-label-canary",
        "pod-deployment-owned",
        "pod-job-owned",
    ] {
        let evaluation = evaluate(fixture, &webhook());
        injected(&evaluation, fixture, true);
        // No Namespace look-up: only the nodes, for `nativeSidecars: auto`.
        let operations: Vec<&str> = evaluation
            .host_calls
            .iter()
            .map(|call| call.operation.as_str())
            .collect();
        assert_eq!(
            operations,
            ["list_resources_all"],
            "{fixture}: webhook mode reads only the nodes"
        );
    }
}

#[test]
fn webhook_mode_skips_what_inject_required_refuses() {
    for (fixture, why) in [
        (
            "pod-inject-label-false",
            "label sidecar.istio.io/inject=false",
        ),
        (
            "pod-inject-annotation-false",
            "annotation sidecar.istio.io/inject=false",
        ),
        ("pod-host-network", "hostNetwork"),
        ("pod-kube-system", "kube-system is an ignored namespace"),
    ] {
        let evaluation = evaluate(fixture, &webhook());
        assert_untouched(&evaluation, &format!("{fixture} ({why})"));
        assert!(evaluation.host_calls.is_empty(), "{fixture}");
    }
}

#[test]
fn deployment_pods_get_workload_identity_from_the_replica_set_owner() {
    let evaluation = evaluate("pod-deployment-owned", &webhook());
    let pod = injected(&evaluation, "pod-deployment-owned", true);
    let proxy = proxy_of(pod);
    assert_eq!(env_value(proxy, "ISTIO_META_WORKLOAD_NAME"), Some("hello"));
    assert_eq!(
        env_value(proxy, "ISTIO_META_OWNER"),
        Some("kubernetes://apis/apps/v1/namespaces/mesh/deployments/hello")
    );
    assert_eq!(env_value(proxy, "ISTIO_META_APP_CONTAINERS"), Some("hello"));
    let labels = &pod["metadata"]["labels"];
    assert_eq!(labels["service.istio.io/canonical-name"], "hello");
    assert_eq!(labels["service.istio.io/canonical-revision"], "v2");
    let annotations = &pod["metadata"]["annotations"];
    assert_eq!(
        annotations["kubectl.kubernetes.io/default-container"],
        "hello"
    );
    assert_eq!(
        annotations["kubectl.kubernetes.io/default-logs-container"],
        "hello"
    );
    assert_eq!(annotations["istio.io/rev"], "default");
    assert_eq!(
        annotations["example.com/owner"], "team-hello",
        "user annotations stay"
    );
    assert_eq!(status_annotation(pod)["revision"], "default");
    // The user's service-account volume is kept after Istio's.
    assert!(
        names(pod.pointer("/spec/volumes"))
            .iter()
            .any(|v| v.starts_with("kube-api-access-"))
    );
}

#[test]
fn http_probes_are_rewritten_to_the_agent() {
    let evaluation = evaluate("pod-deployment-owned", &webhook());
    let pod = injected(&evaluation, "pod-deployment-owned", true);
    let app = container(pod, "containers", "hello").expect("app container");
    assert_eq!(
        app["readinessProbe"]["httpGet"]["path"],
        "/app-health/hello/readyz"
    );
    assert_eq!(app["readinessProbe"]["httpGet"]["port"], 15020);
    // Probe timings stay the user's.
    assert_eq!(app["readinessProbe"]["periodSeconds"], 10);
    let probers =
        env_value(proxy_of(pod), "ISTIO_KUBE_APP_PROBERS").expect("ISTIO_KUBE_APP_PROBERS");
    let probers: Value = serde_json::from_str(probers).expect("probers JSON");
    let original = &probers["/app-health/hello/readyz"]["httpGet"];
    assert_eq!(original["path"], "/ready");
    assert_eq!(original["port"], 80, "the named port `http` resolves to 80");
}

#[test]
fn bare_pods_are_their_own_workload() {
    let evaluation = evaluate("pod-ns-injection-enabled", &webhook());
    let pod = injected(&evaluation, "pod-ns-injection-enabled", true);
    let proxy = proxy_of(pod);
    assert_eq!(env_value(proxy, "ISTIO_META_WORKLOAD_NAME"), Some("sleep"));
    assert_eq!(
        env_value(proxy, "ISTIO_META_OWNER"),
        Some("kubernetes://apis/v1/namespaces/mesh/pods/sleep")
    );
    assert_eq!(
        pod["metadata"]["labels"]["service.istio.io/canonical-revision"],
        "latest"
    );
    // The user's own secret volume is untouched.
    let volumes = pod["spec"]["volumes"].as_array().expect("volumes");
    let secret = volumes
        .iter()
        .find(|v| v["name"] == "secret-volume")
        .expect("user volume");
    assert_eq!(secret["secret"]["secretName"], "sleep-secret");
}

#[test]
fn job_pods_are_owned_by_their_job() {
    let evaluation = evaluate("pod-job-owned", &webhook());
    let pod = injected(&evaluation, "pod-job-owned", true);
    let proxy = proxy_of(pod);
    assert_eq!(env_value(proxy, "ISTIO_META_WORKLOAD_NAME"), Some("pi"));
    assert_eq!(
        env_value(proxy, "ISTIO_META_OWNER"),
        Some("kubernetes://apis/batch/v1/namespaces/mesh/jobs/pi")
    );
}

#[test]
fn native_sidecars_can_be_switched_off() {
    let settings = json!({"nativeSidecars": false});
    let evaluation = evaluate("pod-deployment-owned", &settings);
    let pod = injected(
        &evaluation,
        "pod-deployment-owned, nativeSidecars=false",
        false,
    );
    assert_eq!(
        names(pod.pointer("/spec/containers")),
        vec!["hello", "istio-proxy"]
    );
}

/// `nativeSidecars: auto` (the default) asks the nodes, through the host, with only the
/// fields it reads.
#[test]
fn native_sidecars_auto_follows_the_kubelets() {
    let current = evaluate("pod-deployment-owned", &webhook());
    injected(&current, "every kubelet 1.33+", true);
    let list = current
        .host_calls
        .iter()
        .find(|call| call.operation == "list_resources_all")
        .expect("the nodes are listed");
    assert_eq!(
        list.payload,
        json!({"api_version": "v1", "kind": "Node", "label_selector": null,
               "field_selector": null,
               "field_masks": ["metadata.name", "status.nodeInfo.kubeletVersion"]})
    );

    let mixed = fixtures::cluster_host("mixed").expect("node fixtures");
    let request = fixtures::request("pod-deployment-owned").expect("fixture");
    let run = |request: Value, what: &str| Run {
        evaluation: policy()
            .evaluate(&request, &webhook(), &mixed)
            .unwrap_or_else(|e| panic!("{what}: {e}")),
        request,
    };
    let unscheduled = run(request.clone(), "unscheduled");
    injected(&unscheduled, "unscheduled, one kubelet 1.32", false);

    for (node, native) in [("worker-new", true), ("worker-old", false)] {
        let mut bound = request.clone();
        bound["object"]["spec"]["nodeName"] = json!(node);
        let evaluation = run(bound, node);
        injected(&evaluation, node, native);
        let calls = evaluation.get_resource_calls();
        assert_eq!(calls.len(), 1, "{node}: {calls:?}");
        assert_eq!(
            (calls[0].kind.as_str(), calls[0].name.as_str()),
            ("Node", node)
        );
    }
}

/// `proxyConfigs: true`: the root namespace's and the pod's namespace's ProxyConfig resources,
/// read through the host with only the fields injection uses, merged in istiod's order.
#[test]
fn proxy_config_resources_shape_the_proxy() {
    let mut host = host();
    let path = e2e_tests::fixtures_dir().join("proxyconfigs/mesh.yaml");
    for object in e2e_tests::documents::read_documents(&path).unwrap() {
        host.insert(object).unwrap();
    }
    let settings = json!({"proxyConfigs": true});
    let run = |fixture: &str, annotation: Option<&str>| {
        let mut request = fixtures::request(fixture).unwrap();
        if let Some(text) = annotation {
            request["object"]["metadata"]["annotations"]["proxy.istio.io/config"] = json!(text);
        }
        let evaluation = policy().evaluate(&request, &settings, &host).unwrap();
        Run {
            request,
            evaluation,
        }
    };

    let sleep = run(
        "pod-ns-injection-enabled",
        Some("proxyMetadata:\n  LEVEL: annotation\n"),
    );
    let pod = injected(&sleep, "sleep, annotated", true);
    let proxy = proxy_of(pod);
    assert_eq!(env_value(proxy, "LEVEL"), Some("annotation"));
    assert_eq!(env_value(proxy, "MESH_WIDE"), Some("on"));
    assert!(
        env_value(proxy, "PROXY_CONFIG")
            .unwrap()
            .contains(r#""concurrency":2"#)
    );
    assert!(!proxy["image"].as_str().unwrap().ends_with("-distroless"));
    let lists: Vec<&Value> = sleep
        .host_calls
        .iter()
        .filter(|call| call.operation == "list_resources_by_namespace")
        .map(|call| &call.payload)
        .collect();
    assert_eq!(lists.len(), 2, "{:?}", sleep.host_calls);
    assert_eq!(lists[0]["namespace"], "istio-system");
    assert_eq!(lists[1]["namespace"], "mesh");
    assert_eq!(lists[0]["kind"], "ProxyConfig");
    assert_eq!(lists[0]["api_version"], "networking.istio.io/v1beta1");
    assert!(
        lists[0]["field_masks"]
            .as_array()
            .unwrap()
            .contains(&json!("spec.environmentVariables"))
    );

    let hello = run(
        "pod-deployment-owned",
        Some("proxyMetadata:\n  LEVEL: annotation\n"),
    );
    let pod = injected(&hello, "hello, annotated", true);
    let proxy = proxy_of(pod);
    assert_eq!(
        env_value(proxy, "LEVEL"),
        Some("workload"),
        "the workload resource wins"
    );
    assert!(
        env_value(proxy, "PROXY_CONFIG")
            .unwrap()
            .contains(r#""concurrency":4"#)
    );
    assert!(proxy["image"].as_str().unwrap().ends_with("-distroless"));
}

#[test]
fn injection_is_idempotent() {
    let first = evaluate("pod-deployment-owned", &webhook());
    let once = injected(&first, "first injection", true).clone();
    let mut request = fixtures::request("pod-deployment-owned").expect("fixture");
    request["uid"] = json!("0b1c2d3e-4f50-4617-8283-949596979899");
    request["object"] = once.clone();
    let second = evaluate_request(request, &webhook(), "re-injection");
    assert!(second.allowed(), "{:?}", second.message());
    let twice = second.patched_object.as_ref().unwrap_or(&once);
    for list in ["containers", "initContainers", "volumes"] {
        assert_eq!(
            twice["spec"][list], once["spec"][list],
            "re-injecting changed spec.{list}: {:?}",
            second.patch
        );
    }
    assert_eq!(status_annotation(twice), status_annotation(&once));
}

#[test]
fn an_already_injected_pod_keeps_one_sidecar() {
    // The pod of a Deployment whose template went through `istioctl kube-inject`.
    let evaluation = evaluate("pod-already-injected", &webhook());
    assert!(evaluation.allowed(), "{:?}", evaluation.message());
    let request = fixtures::request("pod-already-injected").expect("fixture");
    let pod = evaluation
        .patched_object
        .as_ref()
        .unwrap_or(&request["object"]);
    let init = names(pod.pointer("/spec/initContainers"));
    let containers = names(pod.pointer("/spec/containers"));
    assert_eq!(containers, vec!["hello"]);
    assert_eq!(init, vec!["istio-init", "istio-proxy"]);
    let volumes = names(pod.pointer("/spec/volumes"));
    let mut unique = volumes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        volumes.len(),
        "duplicate volumes: {volumes:?}"
    );
    assert_eq!(
        status_annotation(pod)["initContainers"],
        json!(["istio-init", "istio-proxy"])
    );
    // Re-injection strips the sidecar named in the status annotation and renders it again
    // with the current configuration and the pod's own identity (it moved to `mesh`).
    let fresh = evaluate("pod-deployment-owned", &webhook());
    let fresh_pod = injected(&fresh, "fresh injection", true);
    let proxy = proxy_of(pod);
    assert_eq!(proxy["image"], proxy_of(fresh_pod)["image"]);
    assert_eq!(
        env_value(proxy, "ISTIO_META_OWNER"),
        Some("kubernetes://apis/apps/v1/namespaces/mesh/deployments/hello")
    );
}

// ----- requests the injector must leave alone

#[test]
fn other_kinds_operations_and_subresources_pass_untouched() {
    for fixture in [
        "deployment-create",
        "configmap-create",
        "pod-update",
        "pod-delete",
        "pod-status-update",
    ] {
        for settings in [webhook(), lookup()] {
            let evaluation = evaluate(fixture, &settings);
            assert_untouched(&evaluation, &format!("{fixture} with {settings}"));
            assert!(
                evaluation.host_calls.is_empty(),
                "{fixture} with {settings}: no lookup is needed: {:?}",
                evaluation.host_calls
            );
        }
    }
}

#[test]
fn a_malformed_pod_is_rejected_not_trapped() {
    let evaluation = evaluate("pod-malformed-containers", &webhook());
    assert!(!evaluation.allowed(), "spec.containers is not a list");
    let message = evaluation.message().unwrap_or_default();
    assert!(message.contains("containers"), "{message}");
}

#[test]
fn an_invalid_injection_annotation_rejects_the_pod() {
    let evaluation = evaluate("pod-invalid-annotation", &webhook());
    assert!(!evaluation.allowed());
    let message = evaluation.message().unwrap_or_default().to_lowercase();
    // Istio: "includeIPRanges invalid: …" from validateAnnotations.
    assert!(message.contains("includeipranges"), "{message}");
}

// ----- lookup mode: the policy reads the Namespace and applies Istio's webhook selectors

fn assert_looked_up_namespace(evaluation: &Evaluation, request_namespace: &str, what: &str) {
    let calls = evaluation.get_resource_calls();
    assert_eq!(calls.len(), 1, "{what}: {:?}", evaluation.host_calls);
    let call = &calls[0];
    assert_eq!(
        (
            call.api_version.as_str(),
            call.kind.as_str(),
            call.name.as_str()
        ),
        ("v1", "Namespace", request_namespace),
        "{what}"
    );
    assert!(
        call.namespace.as_deref().unwrap_or_default().is_empty(),
        "{what}: cluster-scoped"
    );
    // The kwctl replay sessions must match what the policy really asks for.
    let session = e2e_tests::documents::read_value(&fixtures::session_path(&format!(
        "namespace-{request_namespace}"
    )))
    .expect("session file");
    let recorded = session[0]["request"].as_str().expect("request text");
    assert!(
        recorded.contains(&format!("disable_cache: {}", call.disable_cache)),
        "{what}: session disable_cache differs from the policy's {}",
        call.disable_cache
    );
    assert!(
        call.field_masks.is_none(),
        "{what}: sessions record no field masks"
    );
}

#[test]
fn lookup_mode_follows_the_default_revision_webhooks() {
    let cases = [
        // namespace.sidecar-injector: istio-injection=enabled
        ("pod-ns-injection-enabled", "mesh", true),
        ("pod-deployment-owned", "mesh", true),
        ("pod-job-owned", "mesh", true),
        // object.sidecar-injector: unlabelled namespace, pod label inject=true
        ("pod-inject-label-true", "plain", true),
        // no webhook matches
        ("pod-ns-unlabelled", "plain", false),
        ("pod-ns-injection-disabled", "no-mesh", false),
        ("pod-ns-rev-canary", "canary", false),
        ("pod-rev-label-canary", "plain", false),
        ("pod-ns-rev-tag", "tagged", false),
        // a webhook matches but injectRequired says no
        ("pod-inject-label-false", "mesh", false),
        ("pod-inject-annotation-false", "mesh", false),
    ];
    for (fixture, namespace, expected) in cases {
        let evaluation = evaluate(fixture, &lookup());
        if expected {
            injected(&evaluation, fixture, true);
        } else {
            assert_untouched(&evaluation, fixture);
        }
        if fixture != "pod-inject-label-false" {
            assert_looked_up_namespace(&evaluation, namespace, fixture);
        }
    }
}

#[test]
fn lookup_mode_never_injects_host_network_or_system_pods() {
    for fixture in ["pod-host-network", "pod-kube-system"] {
        let evaluation = evaluate(fixture, &lookup());
        assert_untouched(&evaluation, fixture);
        let request = fixtures::request(fixture).expect("fixture");
        for call in evaluation.get_resource_calls() {
            assert_eq!(
                Some(call.name.as_str()),
                request["namespace"].as_str(),
                "{fixture}"
            );
        }
    }
}

#[test]
fn lookup_mode_with_a_revision_follows_its_webhooks() {
    let settings = json!({"namespaceSelection": "lookup", "revision": "canary"});
    for (fixture, expected) in [
        // rev.namespace: istio.io/rev=canary and no istio-injection label
        ("pod-ns-rev-canary", true),
        // rev.object: unlabelled namespace, pod label istio.io/rev=canary
        ("pod-rev-label-canary", true),
        // the default revision's webhooks are not canary's
        ("pod-ns-injection-enabled", false),
        ("pod-inject-label-true", false),
        ("pod-ns-rev-tag", false),
    ] {
        let evaluation = evaluate(fixture, &settings);
        if expected {
            let pod = injected(&evaluation, fixture, true);
            assert_eq!(status_annotation(pod)["revision"], "canary", "{fixture}");
            assert_eq!(
                pod["metadata"]["annotations"]["istio.io/rev"], "canary",
                "{fixture}"
            );
        } else {
            assert_untouched(&evaluation, fixture);
        }
    }
}

#[test]
fn lookup_mode_honours_revision_tags_and_default_revision() {
    let tagged = json!({"namespaceSelection": "lookup", "revision": "canary",
                        "revisionTags": ["prod"]});
    let evaluation = evaluate("pod-ns-rev-tag", &tagged);
    let pod = injected(&evaluation, "istio.io/rev=prod tag of canary", true);
    assert_eq!(status_annotation(pod)["revision"], "canary");

    let default = json!({"namespaceSelection": "lookup", "revision": "canary",
                         "defaultRevision": true});
    for fixture in ["pod-ns-injection-enabled", "pod-inject-label-true"] {
        let evaluation = evaluate(fixture, &default);
        let pod = injected(&evaluation, fixture, true);
        assert_eq!(status_annotation(pod)["revision"], "canary", "{fixture}");
    }
}

#[test]
fn lookup_mode_can_enable_namespaces_by_default() {
    let settings = json!({"namespaceSelection": "lookup", "enableNamespacesByDefault": true});
    // auto.sidecar-injector: neither istio-injection nor istio.io/rev on the namespace.
    injected(
        &evaluate("pod-ns-unlabelled", &settings),
        "unlabelled namespace",
        true,
    );
    for fixture in [
        "pod-ns-injection-disabled",
        "pod-ns-rev-canary",
        "pod-inject-label-false",
    ] {
        assert_untouched(&evaluate(fixture, &settings), fixture);
    }
}

// ----- settings

fn settings_outcome(settings: Value) -> (bool, String) {
    let outcome = policy()
        .validate_settings(&settings)
        .unwrap_or_else(|e| panic!("{settings}: {e}"));
    (outcome.valid, outcome.message.unwrap_or_default())
}

#[test]
fn default_and_complete_settings_are_valid() {
    let (valid, message) = settings_outcome(json!({}));
    assert!(valid, "{message}");
    let complete = json!({
        "namespaceSelection": "lookup",
        "revision": "canary",
        "revisionTags": ["prod", "stable"],
        "defaultRevision": false,
        "enableNamespacesByDefault": false,
        "nativeSidecars": false,
    });
    let (valid, message) = settings_outcome(complete);
    assert!(valid, "{message}");
}

#[test]
fn unknown_settings_are_rejected_by_name() {
    let (valid, message) = settings_outcome(json!({"namespaceSelector": "lookup"}));
    assert!(!valid);
    assert!(message.contains("namespaceSelector"), "{message}");
}

#[test]
fn mistyped_settings_are_rejected_by_name() {
    for (settings, field) in [
        (json!({"nativeSidecars": "yes"}), "nativeSidecars"),
        (json!({"revisionTags": "prod"}), "revisionTags"),
        (json!({"revision": 7}), "revision"),
        (
            json!({"enableNamespacesByDefault": "true"}),
            "enableNamespacesByDefault",
        ),
        (
            json!({"namespaceSelection": "everything"}),
            "namespaceSelection",
        ),
    ] {
        let (valid, message) = settings_outcome(settings.clone());
        assert!(!valid, "{settings} accepted");
        assert!(message.contains(field), "{settings}: {message}");
    }
}

#[test]
fn istio_configmaps_are_accepted_as_settings() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let read =
        |name: &str| std::fs::read_to_string(dir.join("base").join(name)).expect("base file");
    let settings = json!({
        "injectorConfig": read("injector-config.yaml"),
        "values": read("values.json"),
        "meshConfig": read("mesh.yaml"),
    });
    let (valid, message) = settings_outcome(settings.clone());
    assert!(valid, "{message}");
    // With Istio's own templates the pod is injected from the chart's templates.
    let evaluation = evaluate("pod-deployment-owned", &settings);
    let pod = injected(&evaluation, "Istio templates", true);
    let image = proxy_of(pod)["image"].as_str().unwrap_or_default();
    assert_eq!(
        image, "registry.istio.io/testing/proxyv2:latest",
        "the values' hub and tag"
    );
}

#[test]
fn serving_a_request_answers_what_evaluating_it_answers() {
    // The bench times `serve` (the policy server's own work, no patch check) and, as the floor,
    // a guest replaying the policy's answer: both must give the checked evaluation's admission
    // response, for a mutation, a rejection and a skip.
    for fixture in [
        "pod-deployment-owned",
        "pod-invalid-annotation",
        "pod-host-network",
    ] {
        let request = fixtures::request(fixture).unwrap_or_else(|e| panic!("{e}"));
        let served = policy()
            .serve(&request, &webhook(), &host())
            .unwrap_or_else(|e| panic!("{fixture}: {e}"));
        let replay = policy()
            .replay_of(&request, &webhook(), &host())
            .unwrap_or_else(|e| panic!("{fixture}: {e}"));
        let replayed = replay
            .serve(&request, &webhook(), &FixtureHost::new())
            .unwrap_or_else(|e| panic!("{fixture}, replayed: {e}"));
        let evaluated = evaluate_request(request, &webhook(), fixture);
        assert_eq!(served.admission, evaluated.admission, "{fixture}");
        assert_eq!(
            replayed.admission, evaluated.admission,
            "{fixture}, replayed"
        );
    }
}

//! Istio's configuration read live from the cluster's ConfigMaps (`configMaps` setting),
//! through the built wasm and the `get_resource` host capability. The ConfigMaps are built from
//! the conformance data set's `base/` (Istio's default chart rendering), so the check is skipped
//! where the data set is absent. Build the module first: `make policy.wasm`.

use std::sync::OnceLock;

use e2e_tests::{FixtureHost, Policy, fixtures, policy_wasm_path};
use serde_json::{Value, json};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(&policy_wasm_path()).unwrap_or_else(|e| panic!("{e}")))
}

/// `config`, `values` and `mesh` of a default Istio installation, as ConfigMap strings.
fn istio_base() -> Option<(String, String, String)> {
    let dir = istio_conformance::locate_or_skip()?;
    let read = |name: &str| {
        std::fs::read_to_string(dir.join("base").join(name))
            .unwrap_or_else(|e| panic!("base/{name}: {e}"))
    };
    Some((
        read("injector-config.yaml"),
        read("values.json"),
        read("mesh.yaml"),
    ))
}

fn config_map(namespace: &str, name: &str, data: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data
    })
}

fn cluster(namespace: &str, suffix: &str, config: &str, values: &str, mesh: &str) -> FixtureHost {
    let mut host = fixtures::namespace_host().unwrap();
    host.insert(config_map(
        namespace,
        &format!("istio-sidecar-injector{suffix}"),
        json!({"config": config, "values": values}),
    ))
    .unwrap();
    host.insert(config_map(
        namespace,
        &format!("istio{suffix}"),
        json!({"mesh": mesh}),
    ))
    .unwrap();
    host
}

fn deployment_pod() -> Value {
    fixtures::request("pod-deployment-owned").unwrap()
}

#[test]
fn live_config_maps_inject_exactly_like_the_same_config_inline() {
    let Some((config, values, mesh)) = istio_base() else {
        return;
    };
    let request = deployment_pod();
    let host = cluster("istio-system", "", &config, &values, &mesh);
    let live = policy()
        .evaluate(&request, &json!({"configMaps": {}}), &host)
        .unwrap();
    assert!(live.allowed(), "{:?}", live.message());
    let calls: Vec<(String, String, Option<String>)> = live
        .get_resource_calls()
        .into_iter()
        .map(|c| (c.kind, c.name, c.namespace))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "ConfigMap".to_string(),
                "istio-sidecar-injector".to_string(),
                Some("istio-system".to_string())
            ),
            (
                "ConfigMap".to_string(),
                "istio".to_string(),
                Some("istio-system".to_string())
            ),
        ]
    );

    let inline = policy()
        .evaluate(
            &request,
            &json!({"injectorConfig": config, "values": values, "meshConfig": mesh}),
            &host,
        )
        .unwrap();
    assert!(inline.allowed(), "{:?}", inline.message());
    assert!(live.patched_object.is_some(), "the pod is injected");
    assert_eq!(live.patched_object, inline.patched_object);
}

#[test]
fn a_revision_reads_its_own_config_maps_from_the_configured_namespace() {
    let Some((config, values, mesh)) = istio_base() else {
        return;
    };
    let host = cluster("mesh-control", "-canary", &config, &values, &mesh);
    let settings = json!({"revision": "canary", "configMaps": {"namespace": "mesh-control"}});
    let evaluation = policy()
        .evaluate(&deployment_pod(), &settings, &host)
        .unwrap();
    assert!(evaluation.allowed(), "{:?}", evaluation.message());
    let names: Vec<String> = evaluation
        .get_resource_calls()
        .into_iter()
        .map(|c| format!("{}/{}", c.namespace.unwrap_or_default(), c.name))
        .collect();
    assert_eq!(
        names,
        [
            "mesh-control/istio-sidecar-injector-canary",
            "mesh-control/istio-canary"
        ]
    );
    let pod = evaluation.patched_object.expect("injected");
    assert_eq!(pod["metadata"]["annotations"]["istio.io/rev"], "canary");
}

#[test]
fn a_broken_template_in_the_cluster_rejects_the_pod_naming_template_line_and_column() {
    let Some((config, values, mesh)) = istio_base() else {
        return;
    };
    // Break the sidecar template's first action: an unterminated pipeline.
    let broken = config.replacen(
        "{{- define \"resources\"  }}",
        "{{- define \"resources\"  ",
        1,
    );
    assert_ne!(broken, config, "the base config changed shape");
    let host = cluster("istio-system", "", &broken, &values, &mesh);
    let evaluation = policy()
        .evaluate(&deployment_pod(), &json!({"configMaps": {}}), &host)
        .unwrap();
    assert!(!evaluation.allowed(), "a broken template must not inject");
    let message = evaluation.message().unwrap_or_default();
    assert!(message.contains("template: sidecar:"), "{message}");
    assert!(message.contains("istio-sidecar-injector"), "{message}");
}

#[test]
fn missing_config_maps_reject_the_pod_with_their_names() {
    let host = fixtures::namespace_host().unwrap();
    let evaluation = policy()
        .evaluate(&deployment_pod(), &json!({"configMaps": {}}), &host)
        .unwrap();
    assert!(!evaluation.allowed());
    let message = evaluation.message().unwrap_or_default();
    assert!(
        message.contains("istio-system/istio-sidecar-injector not found"),
        "{message}"
    );
}

#[test]
fn settings_refuse_broken_inline_templates_naming_template_line_and_column() {
    let outcome = policy()
        .validate_settings(&json!({"injectorConfig": {"templates": {
            "sidecar": "spec:\n  containers:\n  - name: {{ .Foo \n"
        }}}))
        .unwrap();
    assert!(!outcome.valid);
    let message = outcome.message.unwrap_or_default();
    // Go reports an unclosed action where the text ends, naming the line it started on.
    assert!(
        message.starts_with("injectorConfig.templates.sidecar: template: sidecar:4:0: unclosed action started at sidecar:3"),
        "{message}"
    );
}

#[test]
fn settings_refuse_inline_templates_that_fail_to_run() {
    // Parses, but Go's `index` of a missing map key yields no value, and `len` of it fails.
    let outcome = policy()
        .validate_settings(&json!({"injectorConfig": {"templates": {
            "sidecar": "spec:\n  containers:\n  - name: istio-proxy\n    args: [\"{{ len (index .Values \"noSuchKey\") }}\"]\n"
        }}}))
        .unwrap();
    assert!(!outcome.valid);
    let message = outcome.message.unwrap_or_default();
    assert!(
        message.starts_with("injectorConfig.templates: injecting a plain Deployment pod fails:")
            && message.contains("template: sidecar:4:"),
        "{message}"
    );
}

#[test]
fn a_broken_template_no_pod_selects_does_not_stop_injection() {
    let Some((config, values, mesh)) = istio_base() else {
        return;
    };
    // `waypoint` serves Istio's Gateway controller; no pod selects it here.
    let marker = "  waypoint: |\n";
    let at = config
        .find(marker)
        .expect("the base config has a waypoint template")
        + marker.len();
    let mut broken = config.clone();
    broken.insert_str(at, "    {{ if }}\n");
    let host = cluster("istio-system", "", &broken, &values, &mesh);
    let evaluation = policy()
        .evaluate(&deployment_pod(), &json!({"configMaps": {}}), &host)
        .unwrap();
    assert!(evaluation.allowed(), "{:?}", evaluation.message());
    assert!(evaluation.patched_object.is_some(), "the pod is injected");

    let gateway_pod = {
        let mut pod = deployment_pod();
        pod["object"]["metadata"]["annotations"]["inject.istio.io/templates"] = json!("waypoint");
        pod
    };
    let evaluation = policy()
        .evaluate(&gateway_pod, &json!({"configMaps": {}}), &host)
        .unwrap();
    assert!(
        !evaluation.allowed(),
        "a pod selecting the broken template is rejected"
    );
    let message = evaluation.message().unwrap_or_default();
    assert!(
        message.contains("ConfigMap istio-system/istio-sidecar-injector data.config")
            && message.contains("template: waypoint:"),
        "{message}"
    );
}

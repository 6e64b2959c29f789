//! `mesh`'s tests: defaults, overlays field by field, type errors and the JSON and YAML forms.

use super::*;
use proptest::prelude::*;
use serde_json::json;

#[test]
fn the_default_install_mesh_is_the_charts_yaml_applied() {
    let applied = MeshConfig::from_str(DEFAULT_INSTALL_MESH).unwrap();
    let defaults = MeshConfig::istio_defaults();
    assert_eq!(applied, defaults);
    // Key order too: templates print the mesh and its default ProxyConfig.
    let text = |v: &Value| serde_json::to_string(v).unwrap();
    assert_eq!(text(applied.raw()), text(defaults.raw()));
    assert_eq!(
        text(applied.default_config().raw()),
        text(defaults.default_config().raw())
    );
    defaults.validate().unwrap();
}

#[test]
fn istio_defaults_are_a_default_install() {
    let mesh = MeshConfig::istio_defaults();
    assert_eq!(mesh.proxy_listen_port(), 15001);
    assert_eq!(mesh.proxy_inbound_listen_port(), 15006);
    assert_eq!(mesh.trust_domain(), "cluster.local");
    assert_eq!(mesh.root_namespace(), "istio-system");
    assert!(mesh.enable_prometheus_merge());
    assert_eq!(mesh.inbound_traffic_policy_mode(), "passthrough");
    assert_eq!(mesh.default_config(), &ProxyConfig::istio_defaults());
    assert_eq!(mesh.default_config().to_proto_json(), "{}");
    assert_eq!(
        mesh.raw()["defaultProviders"],
        json!({"metrics": ["prometheus"]})
    );
    let names: Vec<&str> = mesh
        .extension_providers()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["prometheus", "stackdriver", "envoy"]);
    assert_eq!(mesh.get_go("ProxyListenPort"), Some(&json!(15001)));
    assert_eq!(
        mesh.raw()["defaultConfig"],
        mesh.default_config().raw().clone()
    );
}

#[test]
fn empty_mesh_is_the_builtin_default() {
    let mesh = MeshConfig::from_str("").unwrap();
    assert_eq!(mesh.raw()["connectTimeout"], "10s");
    assert!(mesh.raw().get("defaultProviders").is_some());
    assert_eq!(mesh.proxy_listen_port(), 15001);
}

#[test]
fn default_config_merges_field_by_field() {
    let mesh = MeshConfig::from_str(
        "defaultConfig:\n  drainDuration: 23s\n  proxyMetadata: {A: a}\nproxyListenPort: 15002\n",
    )
    .unwrap();
    let pc = mesh.default_config();
    assert_eq!(pc.raw()["drainDuration"], "23s");
    assert_eq!(
        pc.raw()["discoveryAddress"],
        "istiod.istio-system.svc:15012"
    );
    assert_eq!(pc.proxy_metadata().len(), 1);
    assert_eq!(
        pc.to_proto_json(),
        r#"{"drainDuration":"23s","proxyMetadata":{"A":"a"}}"#
    );
    assert_eq!(mesh.proxy_listen_port(), 15002);
    assert_eq!(mesh.raw()["defaultConfig"]["drainDuration"], "23s");
}

#[test]
fn snake_case_default_config_is_checked_but_not_merged() {
    let mesh = MeshConfig::from_str("default_config:\n  drainDuration: 23s\n").unwrap();
    assert_eq!(mesh.default_config(), &ProxyConfig::istio_defaults());
    let err = MeshConfig::from_str("default_config:\n  drainDuration: 23\n").unwrap_err();
    assert_eq!(err.field, "defaultConfig.drainDuration");
}

#[test]
fn extension_providers_merge_by_name() {
    let mesh = MeshConfig::from_str(
        "extensionProviders:\n- name: envoy\n  envoyFileAccessLog: {path: /dev/stderr}\n- name: otel\n  opentelemetry: {service: otel.svc, port: 4317}\n",
    )
    .unwrap();
    let providers = mesh.extension_providers();
    let names: Vec<&str> = providers
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["prometheus", "stackdriver", "envoy", "otel"]);
    assert_eq!(providers[2]["envoyFileAccessLog"]["path"], "/dev/stderr");
    assert_eq!(providers[3]["opentelemetry"]["port"], 4317);
}

#[test]
fn top_level_fields_replace_and_unknown_fields_are_ignored() {
    let mesh = MeshConfig::from_str(
        "outboundTrafficPolicy: {}\ninboundTrafficPolicy: {mode: LOCALHOST}\nenablePrometheusMerge: false\nnotAMeshField: {x: 1}\ntrustDomainAliases: [b.local, a.local, b.local]\n",
    )
    .unwrap();
    assert_eq!(mesh.raw()["outboundTrafficPolicy"], json!({}));
    assert_eq!(mesh.inbound_traffic_policy_mode(), "localhost");
    assert!(!mesh.enable_prometheus_merge());
    assert!(mesh.raw().get("notAMeshField").is_none());
    assert_eq!(
        mesh.raw()["trustDomainAliases"],
        json!(["a.local", "b.local"])
    );
}

#[test]
fn wrong_types_and_invalid_values_name_the_field() {
    let cases = [
        ("proxyListenPort: abc", "proxyListenPort"),
        ("proxyListenPort: 0", "proxyListenPort"),
        ("connectTimeout: 10", "connectTimeout"),
        ("connectTimeout: 0.5ms", "connectTimeout"),
        ("connectTimeout: 2h", "connectTimeout"),
        (
            "protocolDetectionTimeout: 1500us",
            "protocolDetectionTimeout",
        ),
        ("defaultConfig: []", "defaultConfig"),
        ("defaultConfig: {statusPort: 0}", "defaultConfig.statusPort"),
        (
            "defaultConfig: {drainDuration: 1.5s}",
            "defaultConfig.drainDuration",
        ),
        (
            "defaultConfig: {proxyMetadata: {A: 1}}",
            "defaultConfig.proxyMetadata.A",
        ),
        ("trustDomain: Not_Valid", "trustDomain"),
        (
            "trustDomainAliases: ['ok.local', 'Bad Alias']",
            "trustDomainAliases[0]",
        ), // sorted first, as Istio does
        (
            "extensionProviders: [{name: 3}]",
            "extensionProviders[0].name",
        ),
        ("extensionProviders: {name: x}", "extensionProviders"),
        (
            "defaultProviders: {metrics: prometheus}",
            "defaultProviders.metrics",
        ),
        (
            "inboundTrafficPolicy: {mode: SOMETIMES}",
            "inboundTrafficPolicy.mode",
        ),
        ("enableTracing: 'yes'", "enableTracing"),
        ("meshMTLS: {ecdhCurves: [P-256]}", "meshMTLS.ecdhCurves"),
        (
            "serviceSettings: [{hosts: ['bad host']}]",
            "serviceSettings[0].hosts",
        ),
        (
            "localityLbSetting: {distribute: [{from: a}], failover: [{from: a, to: b}]}",
            "localityLbSetting",
        ),
        (
            "localityLbSetting: {failover: [{from: a, to: a}]}",
            "localityLbSetting",
        ),
    ];
    for (yaml, field) in cases {
        let err = MeshConfig::from_str(yaml).unwrap_err();
        assert_eq!(err.field, field, "{yaml}: {err}");
    }
    assert_eq!(MeshConfig::from_str("[1, 2]").unwrap_err().field, "");
    assert_eq!(MeshConfig::from_str("a: [").unwrap_err().field, "");
}

#[test]
fn mesh_from_json_object_equals_from_yaml_text() {
    let from_text = MeshConfig::from_str(DEFAULT_INSTALL_MESH).unwrap();
    let from_object = MeshConfig::from_json(json!({
        "defaultConfig": {"discoveryAddress": "istiod.istio-system.svc:15012"},
        "defaultProviders": {"metrics": ["prometheus"]},
        "enablePrometheusMerge": true,
        "rootNamespace": "istio-system",
        "trustDomain": "cluster.local"
    }))
    .unwrap();
    assert_eq!(from_text, from_object);
}

proptest! {
    #[test]
    fn from_str_never_panics(text in ".{0,200}") {
        let _ = MeshConfig::from_str(&text);
    }

    #[test]
    fn from_str_never_panics_on_yaml_like_text(text in "(defaultConfig|extensionProviders|trustDomain|name|[a-z]{1,6})?[:\\[\\]{}\\- \n\"'0-9a-z.,]{0,120}") {
        let _ = MeshConfig::from_str(&text);
    }
}

#[test]
fn the_default_mesh_answers_without_its_document_as_with_it() {
    let accessors = |m: &MeshConfig| {
        (
            m.proxy_listen_port(),
            m.proxy_inbound_listen_port(),
            m.trust_domain().to_string(),
            m.enable_prometheus_merge(),
            m.inbound_traffic_policy_mode().to_string(),
            m.root_namespace().to_string(),
            m.uses_otel_semantic_conventions(),
        )
    };
    let applied = MeshConfig::from_str(DEFAULT_INSTALL_MESH).unwrap();
    let lazy = MeshConfig::istio_defaults();
    assert_eq!(accessors(&lazy), accessors(&applied));
    assert!(lazy.raw.get().is_none(), "the accessors built the document");
    assert_eq!(lazy.raw(), applied.raw());
    assert_eq!(accessors(&lazy), accessors(&applied));
    // A given mesh answers from its document.
    let given = MeshConfig::from_json(json!({
        "proxyListenPort": 15002,
        "inboundTrafficPolicy": {"mode": "LOCALHOST"},
        "enablePrometheusMerge": false,
        "trustDomain": "example.org",
        "extensionProviders": [{"name": "otel", "opentelemetry": {
            "service": "collector", "port": 4317,
            "serviceAttributeEnrichment": "OTEL_SEMANTIC_CONVENTIONS"}}],
    }))
    .unwrap();
    assert_eq!(
        accessors(&given),
        (
            15002,
            15006,
            "example.org".to_string(),
            false,
            "localhost".to_string(),
            "istio-system".to_string(),
            true
        )
    );
}

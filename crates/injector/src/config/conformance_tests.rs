//! The configuration model against Istio's own test data: the default `values`, `mesh` and
//! injector `config` of the conformance data set, every case's settings overlay, and every
//! `PROXY_CONFIG` value in the golden outputs.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::values::deep_merge;
use super::{InjectionPolicy, InjectorConfig, InterceptionMode, MeshConfig, Values};

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn yaml_documents(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap_or(Value::Null))
        .filter(|doc| !doc.is_null())
        .collect()
}

/// Each case directory with its parsed `case.yaml`.
fn cases(dir: &Path) -> Vec<(String, PathBuf, Value)> {
    let mut cases: Vec<(String, PathBuf, Value)> = fs::read_dir(dir.join("cases"))
        .unwrap_or_else(|e| panic!("listing cases: {e}"))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("case.yaml").is_file())
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let case = yaml_documents(&read(&path.join("case.yaml")))
                .into_iter()
                .next()
                .unwrap_or(Value::Null);
            (name, path, case)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

fn base_mesh_json(dir: &Path) -> Value {
    yaml_documents(&read(&dir.join("base/mesh.yaml")))
        .into_iter()
        .next()
        .unwrap_or(Value::Null)
}

/// The case's mesh: its overlay deep-merged into `base/mesh.yaml`, then `ApplyMeshConfig`.
fn case_mesh(dir: &Path, case: &Value) -> MeshConfig {
    let mut mesh = base_mesh_json(dir);
    if let Some(overlay) = case.get("mesh") {
        deep_merge(&mut mesh, overlay);
    }
    MeshConfig::from_json(mesh).unwrap_or_else(|e| panic!("mesh of {case}: {e}"))
}

/// Every string value of `key` found anywhere in `value`.
fn collect_key<'a>(value: &'a Value, key: &str, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key
                    && let Some(s) = v.as_str()
                {
                    out.push(s);
                }
                collect_key(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_key(v, key, out)),
        _ => {}
    }
}

/// Every `PROXY_CONFIG` env value in `value`.
fn collect_proxy_config_env<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if map.get("name").and_then(Value::as_str) == Some("PROXY_CONFIG")
                && let Some(v) = map.get("value").and_then(Value::as_str)
            {
                out.push(v);
            }
            map.values().for_each(|v| collect_proxy_config_env(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_proxy_config_env(v, out)),
        _ => {}
    }
}

/// Every leaf (non-object value) of `overlay` with its key path.
fn leaves<'a>(
    overlay: &'a Value,
    path: &mut Vec<&'a str>,
    out: &mut Vec<(Vec<&'a str>, &'a Value)>,
) {
    match overlay {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(k);
                leaves(v, path, out);
                path.pop();
            }
        }
        leaf => out.push((path.clone(), leaf)),
    }
}

#[test]
fn base_values_are_the_defaults_apart_from_hub_and_tag() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let base = Values::from_str(&read(&dir.join("base/values.json"))).unwrap();
    assert_eq!(base.hub(), "registry.istio.io/testing");
    assert_eq!(base.tag(), "latest");
    let expected = Values::istio_defaults()
        .overlay(&json!({"global": {"hub": base.hub(), "tag": base.tag()}}));
    assert_eq!(base.raw(), expected.raw());
    assert_eq!(
        base.get(&["global", "proxy", "statusPort"]),
        Some(&json!(15020))
    );
    assert!(base.rewrite_app_http_probe());
}

#[test]
fn base_mesh_is_the_default_install_mesh() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let mesh = MeshConfig::from_str(&read(&dir.join("base/mesh.yaml"))).unwrap();
    assert_eq!(mesh, MeshConfig::istio_defaults());
    assert_eq!(mesh.proxy_listen_port(), 15001);
    assert_eq!(mesh.proxy_inbound_listen_port(), 15006);
    assert_eq!(mesh.trust_domain(), "cluster.local");
    assert_eq!(mesh.default_config().status_port(), 15020);
    assert_eq!(mesh.default_config().to_proto_json(), "{}");
}

#[test]
fn base_injector_config_parses_like_unmarshal_config() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let config = InjectorConfig::from_str(&read(&dir.join("base/injector-config.yaml"))).unwrap();
    assert_eq!(config.policy, InjectionPolicy::Enabled);
    assert_eq!(config.default_templates, vec!["sidecar".to_string()]);
    let names: Vec<&str> = config.templates.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "agentgateway",
            "agentgateway-waypoint",
            "gateway",
            "grpc-agent",
            "grpc-simple",
            "kube-gateway",
            "sidecar",
            "waypoint"
        ]
    );
    let sidecar = config
        .templates
        .get("sidecar")
        .map(super::TemplateText::as_str)
        .unwrap_or_default();
    assert!(
        sidecar.starts_with("{{- define \"resources\"  }}"),
        "{sidecar:.60}"
    );
    assert!(sidecar.contains("protoToJSON .ProxyConfig"));
    assert!(config.aliases.is_empty());
    assert!(config.never_inject_selector.is_empty());
    assert!(config.always_inject_selector.is_empty());
    assert!(config.injected_annotations.is_empty());
}

#[test]
fn case_values_overlays_give_the_effective_values() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let base = Values::from_str(&read(&dir.join("base/values.json"))).unwrap();
    let mut checked = 0;
    for (name, _, case) in cases(&dir) {
        let Some(overlay) = case.get("values") else {
            continue;
        };
        let values = base.overlay(overlay);
        // The merged document passes Istio's typed checks.
        let values =
            Values::from_json(values.raw().clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut found = Vec::new();
        leaves(overlay, &mut Vec::new(), &mut found);
        for (path, leaf) in found {
            assert_eq!(values.get(&path), Some(leaf), "{name}: {path:?}");
        }
        match name.as_str() {
            "hello.proxyImageName" => assert_eq!(values.proxy_image(), "proxyTest"),
            "hello.proxyInitImageName" => {
                assert_eq!(values.proxy_init_image(), "proxyInitTest");
                assert_eq!(values.proxy_image(), "proxyv2");
            }
            "hello.proxyHoldsApplication" => assert!(values.hold_application_until_proxy_starts()),
            "hello.cni" => {
                assert_eq!(values.network(), "network1");
                assert_eq!(values.get(&["pilot", "cni", "enabled"]), Some(&json!(true)));
                assert_eq!(
                    values.get(&["pilot", "cni", "provider"]),
                    Some(&json!("default"))
                );
            }
            "traffic-params" => {
                assert_eq!(
                    values.get(&["global", "proxy", "statusPort"]),
                    Some(&json!(0))
                );
            }
            "proxy-resources-null" => assert_eq!(
                values.get(&["global", "proxy", "resources", "limits"]),
                Some(&json!({"cpu": null, "memory": "500Mi"}))
            ),
            _ => {}
        }
        assert_eq!(values.hub(), "registry.istio.io/testing", "{name}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} cases with values overlays");
}

#[test]
fn case_mesh_overlays_give_the_effective_mesh() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let mut checked = 0;
    for (name, _, case) in cases(&dir) {
        if case.get("mesh").is_none() {
            continue;
        }
        let mesh = case_mesh(&dir, &case);
        let pc = mesh.default_config();
        match name.as_str() {
            "format-duration" => assert_eq!(pc.raw()["drainDuration"], "23s"),
            "hello-tproxy" | "proxy-override-runas.tproxy" => {
                assert_eq!(pc.interception_mode(), InterceptionMode::Tproxy);
            }
            "hello-probes-localhost" => assert_eq!(mesh.inbound_traffic_policy_mode(), "localhost"),
            "traffic-annotations" => assert_eq!(
                pc.proxy_metadata()
                    .get("ISTIO_META_TLS_CLIENT_KEY")
                    .map(String::as_str),
                Some("/etc/identity/client/keys/client-key.pem")
            ),
            "hello-otel-semconv" => {
                let providers = mesh.extension_providers();
                let names: Vec<&str> = providers
                    .iter()
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                assert_eq!(names, ["prometheus", "stackdriver", "envoy", "otel"]);
                assert_eq!(
                    providers[3]["opentelemetry"]["serviceAttributeEnrichment"],
                    "OTEL_SEMANTIC_CONVENTIONS"
                );
            }
            other => panic!("unexpected mesh case {other}: add its expectation"),
        }
        // Mesh changes never touch the parts the cases do not mention.
        assert_eq!(mesh.proxy_listen_port(), 15001, "{name}");
        assert_eq!(mesh.trust_domain(), "cluster.local", "{name}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} cases with mesh overlays");
}

/// Every `PROXY_CONFIG` in the goldens is `protoToJSON` of the case's mesh `defaultConfig`
/// with the pod's `proxy.istio.io/config` annotation applied.
#[test]
fn proxy_config_env_matches_every_golden() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let mut compared = 0;
    let mut non_empty = 0;
    for (name, path, case) in cases(&dir) {
        let want_path = path.join("want.yaml");
        if !want_path.is_file() {
            continue;
        }
        let mesh = case_mesh(&dir, &case);
        let inputs = yaml_documents(&read(&path.join("input.yaml")));
        let mut annotations = Vec::new();
        for doc in &inputs {
            collect_key(doc, "proxy.istio.io/config", &mut annotations);
        }
        annotations.dedup();
        assert!(
            annotations.len() <= 1,
            "{name}: several distinct annotations"
        );
        let proxy_config = match annotations.first() {
            Some(text) => {
                let pc = mesh
                    .default_config()
                    .apply_yaml(text)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                pc.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
                pc
            }
            None => mesh.default_config().clone(),
        };
        let expected = proxy_config.to_proto_json();
        let wants = yaml_documents(&read(&want_path));
        let mut values = Vec::new();
        for doc in &wants {
            collect_proxy_config_env(doc, &mut values);
        }
        for value in values {
            assert_eq!(value.trim_end(), expected, "{name}");
            compared += 1;
            if expected != "{}" {
                non_empty += 1;
            }
        }
    }
    assert!(
        compared >= 90,
        "only {compared} PROXY_CONFIG values compared"
    );
    assert!(
        non_empty >= 5,
        "only {non_empty} non-default PROXY_CONFIG values"
    );
}

/// Every key path of `value` (objects only), each prefix included.
fn object_paths<'a>(value: &'a Value, path: &mut Vec<&'a str>, out: &mut Vec<Vec<&'a str>>) {
    out.push(path.clone());
    if let Value::Object(map) = value {
        for (k, v) in map {
            path.push(k);
            object_paths(v, path, out);
            path.pop();
        }
    }
}

/// What each accessor answers, read from a materialised tree the way Istio reads the values.
fn accessors_of(values: &Values) -> Vec<String> {
    vec![
        values.hub().to_string(),
        values.tag(),
        values.variant().to_string(),
        values.proxy_image().to_string(),
        values.proxy_init_image().to_string(),
        values.rewrite_app_http_probe().to_string(),
        values.hold_application_until_proxy_starts().to_string(),
        values.cluster_name().to_string(),
        values.network().to_string(),
    ]
}

#[test]
fn lookups_over_the_defaults_agree_with_the_merged_tree() {
    use crate::render::builtin::golang;
    let mut overlays: Vec<(String, Value)> = vec![
        ("none".into(), json!({})),
        (
            "replacements".into(),
            json!({"global": {"proxy": {"resources": null, "image": "p", "startupProbe": 3},
                              "hub": "h", "tag": 1.5, "network": "n1"},
                   "pilot": "scalar", "new": {"deep": {"k": [1, 2]}},
                   "sidecarInjectorWebhook": {"rewriteAppHTTPProbe": false}}),
        ),
        ("null root part".into(), json!({"global": null})),
    ];
    let mut base_overlays = Vec::new();
    if let Some(dir) = istio_conformance::locate_or_skip() {
        let base = read(&dir.join("base/values.json"));
        base_overlays.push(("base".to_string(), serde_json::from_str(&base).unwrap()));
        for (name, _, case) in cases(&dir) {
            if let Some(overlay) = case.get("values") {
                overlays.push((name, overlay.clone()));
            }
        }
    }
    overlays.extend(base_overlays);
    let mut checked = 0;
    for (name, overlay) in &overlays {
        let over_defaults = Values::istio_defaults().overlay(overlay);
        let mut merged = Values::istio_defaults().raw().clone();
        deep_merge(&mut merged, overlay);
        assert_eq!(over_defaults.raw(), &merged, "{name}");
        // A fresh instance for every question, so no answer comes from the materialised tree.
        let fresh = || Values::istio_defaults().overlay(overlay);
        let materialised = Values::from_json(merged.clone());
        if let Ok(materialised) = &materialised {
            assert_eq!(accessors_of(&fresh()), accessors_of(materialised), "{name}");
        }
        let mut paths = Vec::new();
        object_paths(&merged, &mut Vec::new(), &mut paths);
        object_paths(overlay, &mut Vec::new(), &mut paths);
        let mut probes: Vec<Vec<&str>> = paths.clone();
        for path in &paths {
            let mut deeper = path.clone();
            deeper.push("missing");
            probes.push(deeper.clone());
            deeper.push("deeper");
            probes.push(deeper);
        }
        for path in &probes {
            let expected = golang::lookup(Some(&merged), path).map(|v| v.cloned());
            let got = fresh().lookup_go(path).map(|v| v.map(|v| v.into_owned()));
            assert_eq!(got, expected, "{name}: {path:?}");
            checked += 1;
            if path.is_empty() || path.iter().any(|key| key.contains('.')) {
                continue;
            }
            // The dotted look-up and what the renderer does with what it finds.
            let values = fresh();
            let found = values.find_go(&path.join("."));
            let as_value = found.clone().map(|f| f.map(|f| f.to_value().into_owned()));
            assert_eq!(as_value, expected, "{name}: {path:?}");
            // Looked up below any prefix walked first, as the renderer does for
            // `global.proxy.`.
            for split in 1..path.len() {
                let (prefix, rest) = (path[..split].join("."), path[split..].join("."));
                let below =
                    values.find_go_below(&values.walk_prefix(&prefix), &rest, &path.join("."));
                let below = below.map(|f| f.map(|f| f.to_value().into_owned()));
                assert_eq!(below, expected, "{name}: {path:?} below {prefix}");
            }
            if let (Ok(found), Ok(expected)) = (found, &expected) {
                let expected = expected.as_ref();
                assert_eq!(
                    found.is_some_and(|f| f.truthy()),
                    golang::truthy(expected),
                    "{name}: {path:?}"
                );
                if let Some(found) = found {
                    assert_eq!(found.print(), golang::print(expected), "{name}: {path:?}");
                    for s in ["", "istiod"] {
                        assert_eq!(
                            found.eq_str(s),
                            golang::eq_str(expected, s),
                            "{name}: {path:?}"
                        );
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} lookups checked");
}

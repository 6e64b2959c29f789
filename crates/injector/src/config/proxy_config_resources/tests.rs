use super::*;
use crate::config::MeshConfig;

fn proxy_config(namespace: &str, name: &str, created: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "ProxyConfig",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": created},
        "spec": spec,
    })
}

fn labels(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

fn mesh_base() -> ProxyConfig {
    MeshConfig::from_str("defaultConfig:\n  concurrency: 1\n  proxyMetadata:\n    FROM_MESH: mesh\n    LEVEL: mesh\n")
        .unwrap()
        .default_config()
        .clone()
}

/// Root-namespace, pod-namespace and workload resources, each setting LEVEL and concurrency.
fn cluster() -> ProxyConfigResources {
    let objects = [
        proxy_config(
            "istio-system",
            "global",
            "2024-01-01T00:00:00Z",
            json!({
                "concurrency": 2,
                "environmentVariables": {"LEVEL": "root", "FROM_ROOT": "root"},
            }),
        ),
        proxy_config(
            "demo",
            "namespace",
            "2024-01-02T00:00:00Z",
            json!({
                "concurrency": 3,
                "environmentVariables": {"LEVEL": "namespace"},
            }),
        ),
        proxy_config(
            "demo",
            "web",
            "2024-01-03T00:00:00Z",
            json!({
                "selector": {"matchLabels": {"app": "web"}},
                "concurrency": 4,
                "environmentVariables": {"LEVEL": "workload"},
                "image": {"imageType": "distroless"},
            }),
        ),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "demo"}}),
    ];
    ProxyConfigResources::from_objects(objects.iter()).unwrap()
}

fn metadata(pc: &ProxyConfig, key: &str) -> Option<String> {
    pc.proxy_metadata().get(key).cloned()
}

#[test]
fn later_levels_win_and_metadata_merges_key_by_key() {
    let resources = cluster();
    assert_eq!(resources.len(), 3, "other kinds are skipped");
    let base = mesh_base();

    let other_ns = resources.effective(&base, "istio-system", "other", &labels(&[]), None);
    assert_eq!(other_ns.raw()["concurrency"], 2);
    assert_eq!(metadata(&other_ns, "LEVEL").as_deref(), Some("root"));
    assert_eq!(metadata(&other_ns, "FROM_MESH").as_deref(), Some("mesh"));

    let plain = resources.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[("app", "db")]),
        None,
    );
    assert_eq!(plain.raw()["concurrency"], 3);
    assert_eq!(metadata(&plain, "LEVEL").as_deref(), Some("namespace"));
    assert_eq!(metadata(&plain, "FROM_ROOT").as_deref(), Some("root"));
    assert_eq!(plain.image_type(), None);

    let web = resources.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[("app", "web")]),
        None,
    );
    assert_eq!(web.raw()["concurrency"], 4);
    assert_eq!(metadata(&web, "LEVEL").as_deref(), Some("workload"));
    assert_eq!(metadata(&web, "FROM_MESH").as_deref(), Some("mesh"));
    assert_eq!(web.image_type(), Some("distroless"));
}

#[test]
fn the_annotation_beats_namespaces_but_not_the_workload_resource() {
    let resources = cluster();
    let base = mesh_base();
    let annotation =
        "concurrency: 9\nproxyMetadata:\n  LEVEL: annotation\n  FROM_ANNOTATION: yes\n";
    let db = resources.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[("app", "db")]),
        Some(annotation),
    );
    assert_eq!(db.raw()["concurrency"], 9);
    assert_eq!(metadata(&db, "LEVEL").as_deref(), Some("annotation"));

    let web = resources.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[("app", "web")]),
        Some(annotation),
    );
    assert_eq!(web.raw()["concurrency"], 4);
    assert_eq!(metadata(&web, "LEVEL").as_deref(), Some("workload"));
    assert_eq!(metadata(&web, "FROM_ANNOTATION").as_deref(), Some("yes"));

    // An annotation that does not parse is ignored here (validation rejects the pod).
    let broken = resources.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[]),
        Some("concurrency: [1"),
    );
    assert_eq!(broken.raw()["concurrency"], 3);
}

#[test]
fn the_oldest_matching_resource_of_a_namespace_is_taken() {
    let objects = [
        proxy_config(
            "demo",
            "newer",
            "2024-05-01T00:00:00Z",
            json!({"concurrency": 7}),
        ),
        proxy_config(
            "demo",
            "older",
            "2024-04-01T00:00:00Z",
            json!({"concurrency": 5}),
        ),
        proxy_config(
            "demo",
            "b-web",
            "2024-03-01T00:00:00Z",
            json!({"selector": {"matchLabels": {"app": "web"}}, "concurrency": 11}),
        ),
        proxy_config(
            "demo",
            "a-web",
            "2024-03-01T00:00:00Z",
            json!({"selector": {"matchLabels": {"app": "web", "tier": "front"}}, "concurrency": 10}),
        ),
    ];
    let resources = ProxyConfigResources::from_objects(objects.iter()).unwrap();
    let base = ProxyConfig::istio_defaults();
    let plain = resources.effective(&base, "istio-system", "demo", &labels(&[]), None);
    assert_eq!(plain.raw()["concurrency"], 5);
    // Same creation time: by name, so a-web first; it needs tier=front too.
    let front = resources.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[("app", "web"), ("tier", "front")]),
        None,
    );
    assert_eq!(front.raw()["concurrency"], 10);
    let back = resources.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[("app", "web")]),
        None,
    );
    assert_eq!(back.raw()["concurrency"], 11);
}

#[test]
fn in_the_root_namespace_the_namespace_resource_applies_once() {
    let resources = cluster();
    let pc = resources.effective(
        &mesh_base(),
        "istio-system",
        "istio-system",
        &labels(&[]),
        None,
    );
    assert_eq!(pc.raw()["concurrency"], 2);
}

#[test]
fn without_resources_the_mesh_default_and_annotation_apply() {
    let none = ProxyConfigResources::default();
    let base = mesh_base();
    assert_eq!(
        none.effective(&base, "istio-system", "demo", &labels(&[]), None),
        base
    );
    let annotated = none.effective(
        &base,
        "istio-system",
        "demo",
        &labels(&[]),
        Some("concurrency: 6"),
    );
    assert_eq!(annotated, base.apply_yaml("concurrency: 6").unwrap());
}

#[test]
fn malformed_resources_are_refused_naming_them() {
    for (spec, field) in [
        (json!({"concurrency": "two"}), "spec.concurrency"),
        (
            json!({"environmentVariables": {"A": 1}}),
            "spec.environmentVariables.A",
        ),
        (json!({"image": "distroless"}), "spec.image"),
        (
            json!({"selector": {"matchLabels": ["app"]}}),
            "spec.selector.matchLabels",
        ),
    ] {
        let object = proxy_config("demo", "bad", "", spec);
        let err = ProxyConfigResources::from_objects([&object]).unwrap_err();
        assert!(err.to_string().contains("ProxyConfig demo/bad"), "{err}");
        assert!(err.to_string().contains(field), "{err}");
    }
    let nameless = json!({"kind": "ProxyConfig", "metadata": {}});
    assert!(ProxyConfigResources::from_objects([&nameless]).is_err());
}

#[test]
fn yaml_files_of_documents_and_lists_are_read() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1beta1
  kind: ProxyConfig
  metadata: {name: a, namespace: demo, creationTimestamp: '2024-01-01T00:00:00Z'}
  spec: {concurrency: 3}
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: {name: b, namespace: istio-system}
spec:
  environmentVariables: {A: b}
---
apiVersion: v1
kind: Service
metadata: {name: web}
";
    let resources = ProxyConfigResources::from_yaml(text).unwrap();
    assert_eq!(resources.len(), 2);
    let err = ProxyConfigResources::from_yaml("kind: ProxyConfig\nmetadata: [").unwrap_err();
    assert!(err.to_string().contains("document 1"), "{err}");
}

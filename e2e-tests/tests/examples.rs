//! What `examples/` shows users works with the built policy: every ClusterAdmissionPolicy's
//! settings are accepted, the sample request and workloads are injected, the kwctl replay
//! session answers what the policy asks. Build the module first: `make policy.wasm`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use e2e_tests::documents::{read_documents, read_value};
use e2e_tests::workload::{has_pod_template, pod_create_request};
use e2e_tests::{FixtureHost, Policy, policy_wasm_path, workspace_root};
use serde_json::{Value, json};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(&policy_wasm_path()).unwrap_or_else(|e| panic!("{e}")))
}

fn examples() -> PathBuf {
    workspace_root().join("examples")
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no *.{extension} in {}", dir.display());
    paths
}

fn demo_host() -> FixtureHost {
    FixtureHost::from_dir(&examples().join("cluster")).unwrap()
}

fn container_names(pod: &Value, list: &str) -> Vec<String> {
    pod["spec"][list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

fn proxy_env<'a>(pod: &'a Value, name: &str) -> Option<&'a str> {
    ["initContainers", "containers"]
        .iter()
        .filter_map(|list| pod["spec"][list].as_array())
        .flatten()
        .find(|c| c["name"] == "istio-proxy")?["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)?["value"]
        .as_str()
}

/// Every ClusterAdmissionPolicy in `examples/policies/`.
fn cluster_admission_policies() -> Vec<(String, Value)> {
    files(&examples().join("policies"), "yaml")
        .into_iter()
        .flat_map(|path| {
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            read_documents(&path)
                .unwrap_or_else(|e| panic!("{file}: {e}"))
                .into_iter()
                .map(move |doc| (file.clone(), doc))
        })
        .collect()
}

#[test]
fn every_example_policy_is_a_valid_mutating_pod_policy() {
    let policies = cluster_admission_policies();
    assert!(policies.len() >= 5, "{} policies", policies.len());
    for (file, doc) in policies {
        let name = format!("{file} {}", doc["metadata"]["name"]);
        assert_eq!(doc["apiVersion"], "policies.kubewarden.io/v1", "{name}");
        assert_eq!(doc["kind"], "ClusterAdmissionPolicy", "{name}");
        let spec = &doc["spec"];
        assert_eq!(spec["mutating"], true, "{name}");
        assert_eq!(
            spec["rules"],
            json!([{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "operations": ["CREATE"]}]),
            "{name}"
        );
        let settings = &spec["settings"];
        let outcome = policy().validate_settings(settings).unwrap();
        assert!(outcome.valid, "{name}: {:?}", outcome.message);

        let context: Vec<&str> = spec["contextAwareResources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["kind"].as_str())
            .collect();
        if settings["namespaceSelection"] == "lookup" {
            assert!(context.contains(&"Namespace"), "{name} reads Namespaces");
        }
        if settings.get("configMaps").is_some() {
            assert!(context.contains(&"ConfigMap"), "{name} reads ConfigMaps");
        }
        if matches!(
            settings.get("nativeSidecars"),
            None | Some(Value::String(_))
        ) && settings["nativeSidecars"] != "true"
            && settings["nativeSidecars"] != "false"
        {
            assert!(
                context.contains(&"Node"),
                "{name} reads Nodes (nativeSidecars auto)"
            );
        }
        if settings["proxyConfigs"] == true {
            assert!(
                context.contains(&"ProxyConfig"),
                "{name} reads ProxyConfigs"
            );
        }
    }
}

#[test]
fn the_sample_request_is_injected_in_lookup_mode() {
    let request = read_value(&examples().join("requests/pod-create.json")).unwrap();
    let settings = read_value(&examples().join("settings/lookup.json")).unwrap();
    let evaluation = policy()
        .evaluate(&request, &settings, &demo_host())
        .unwrap();
    assert!(evaluation.allowed(), "{:?}", evaluation.message());
    let pod = evaluation.patched_object.as_ref().expect("a patch");
    assert_eq!(
        container_names(pod, "initContainers"),
        ["istio-init", "istio-proxy"]
    );
    assert_eq!(proxy_env(pod, "ISTIO_META_WORKLOAD_NAME"), Some("httpbin"));
    // The readiness probe on the named port is now answered through the sidecar.
    let probe = &pod["spec"]["containers"][0]["readinessProbe"]["httpGet"];
    assert_eq!(probe["path"], "/app-health/httpbin/readyz");
    assert_eq!(probe["port"], 15020);
    // Prometheus scraping goes through the sidecar, which merges the app's metrics.
    assert_eq!(
        pod["metadata"]["annotations"]["prometheus.io/port"],
        "15020"
    );
    let calls = evaluation.get_resource_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].kind.as_str(), calls[0].name.as_str()),
        ("Namespace", "demo")
    );
}

/// The replay session answers, in order, what the policy asks in lookup mode on the sample
/// request: the Namespace, then the Nodes, with exactly the objects of `examples/cluster/`.
#[test]
fn the_replay_session_answers_with_the_example_cluster() {
    let text = std::fs::read_to_string(examples().join("sessions/demo-cluster.yml")).unwrap();
    let exchanges: Vec<Value> = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(exchanges.len(), 2);
    let recorded = |i: usize| -> (&str, Value) {
        let payload = exchanges[i]["response"]["payload"].as_str().unwrap();
        (
            exchanges[i]["request"].as_str().unwrap(),
            serde_json::from_str(payload).unwrap(),
        )
    };

    let (request, namespace) = recorded(0);
    assert!(request.starts_with("!KubernetesGetResource\n"), "{request}");
    assert!(request.contains("kind: Namespace\n") && request.contains("name: demo\n"));
    assert_eq!(
        namespace,
        read_value(&examples().join("cluster/demo.json")).unwrap()
    );

    let (request, nodes) = recorded(1);
    assert!(
        request.starts_with("!KubernetesListResourceAll\n"),
        "{request}"
    );
    assert!(request.contains("kind: Node\n"), "{request}");
    let expected = read_documents(&examples().join("cluster/nodes.yaml")).unwrap();
    let names = |items: &[Value]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|n| {
                (
                    n["metadata"]["name"].as_str().unwrap().to_string(),
                    n["status"]["nodeInfo"]["kubeletVersion"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    assert_eq!(names(nodes["items"].as_array().unwrap()), names(&expected));

    // What the policy really asks, through the harness, is what the session records.
    let sample = read_value(&examples().join("requests/pod-create.json")).unwrap();
    let settings = read_value(&examples().join("settings/lookup.json")).unwrap();
    let evaluation = policy().evaluate(&sample, &settings, &demo_host()).unwrap();
    let operations: Vec<&str> = evaluation
        .host_calls
        .iter()
        .map(|call| call.operation.as_str())
        .collect();
    assert_eq!(operations, ["get_resource", "list_resources_all"]);
    let list = &evaluation.host_calls[1].payload;
    for mask in list["field_masks"].as_array().unwrap() {
        assert!(
            request.contains(&format!("- {}\n", mask.as_str().unwrap())),
            "{mask} not in the session's request"
        );
    }
}

#[test]
fn every_sample_workload_is_injected_once() {
    let mut paths = files(&examples().join("workloads"), "yaml");
    paths.push(examples().join("sleep.yaml"));
    for path in paths {
        for doc in read_documents(&path).unwrap() {
            if !has_pod_template(&doc) {
                continue;
            }
            let what = format!("{} {}", path.display(), doc["metadata"]["name"]);
            let request = pod_create_request(&doc, "demo").unwrap();
            let evaluation = policy()
                .evaluate(&request, &json!({}), &demo_host())
                .unwrap();
            assert!(evaluation.allowed(), "{what}: {:?}", evaluation.message());
            let pod = evaluation.patched_object.clone().expect("injected");
            assert!(
                container_names(&pod, "initContainers").contains(&"istio-proxy".to_string()),
                "{what}"
            );
            let mut again = request.clone();
            again["object"] = pod;
            let second = policy().evaluate(&again, &json!({}), &demo_host()).unwrap();
            assert!(
                second.allowed() && second.patch.is_none(),
                "{what}: re-injection changed it"
            );
        }
    }
}

#[test]
fn the_inline_template_example_renders_its_own_templates() {
    let (_, doc) = cluster_admission_policies()
        .into_iter()
        .find(|(file, _)| file == "inline-templates.yaml")
        .expect("inline-templates.yaml");
    let settings = &doc["spec"]["settings"];
    let workload = read_documents(&examples().join("workloads/httpbin.yaml"))
        .unwrap()
        .remove(0);
    let mut request = pod_create_request(&workload, "demo").unwrap();
    request["object"]["metadata"]["labels"]["team"] = json!("payments");
    let evaluation = policy()
        .evaluate(&request, settings, &FixtureHost::new())
        .unwrap();
    assert!(evaluation.allowed(), "{:?}", evaluation.message());
    let pod = evaluation.patched_object.as_ref().expect("injected");
    assert_eq!(
        pod["metadata"]["labels"]["mesh.example.com/team"],
        "payments"
    );
    assert_eq!(
        pod["metadata"]["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"],
        "true"
    );
    assert_eq!(proxy_env(pod, "ISTIO_META_APP_CONTAINERS"), Some("httpbin"));
    assert_eq!(proxy_env(pod, "ISTIO_META_WORKLOAD_NAME"), Some("httpbin"));

    // The never-inject selector of the example keeps Job pods out.
    request["object"]["metadata"]["labels"]["job-name"] = json!("migrate");
    let skipped = policy()
        .evaluate(&request, settings, &FixtureHost::new())
        .unwrap();
    assert!(skipped.allowed() && skipped.patch.is_none());
}

#[test]
fn the_pasted_config_map_strings_example_renders_its_config() {
    let (_, doc) = cluster_admission_policies()
        .into_iter()
        .find(|(file, _)| file == "inline-configmap-strings.yaml")
        .expect("inline-configmap-strings.yaml");
    let settings = &doc["spec"]["settings"];
    assert!(settings["injectorConfig"].is_string() && settings["values"].is_string());
    let workload = read_documents(&examples().join("workloads/httpbin.yaml"))
        .unwrap()
        .remove(0);
    let request = pod_create_request(&workload, "demo").unwrap();
    let evaluation = policy()
        .evaluate(&request, settings, &FixtureHost::new())
        .unwrap();
    assert!(evaluation.allowed(), "{:?}", evaluation.message());
    let pod = evaluation.patched_object.as_ref().expect("injected");
    let proxy = pod["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "istio-proxy")
        .expect("istio-proxy");
    assert_eq!(proxy["image"], "docker.io/istio/proxyv2:1.30.0");
    // Quantities come out canonical, as Istio's typed pod has them.
    assert_eq!(
        proxy["resources"]["limits"],
        json!({"cpu": "2", "memory": "1Gi"})
    );
    assert_eq!(proxy_env(pod, "ISTIO_META_CLUSTER_ID"), Some("east"));
    assert_eq!(proxy_env(pod, "PROXY_CONFIG"), Some("{}\n"));
    assert_eq!(
        pod["metadata"]["labels"]["security.istio.io/tlsMode"],
        "istio"
    );
}

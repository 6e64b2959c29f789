//! The deployment side of `examples/`: the example policies run on a PolicyServer that stays up
//! (failurePolicy Fail blocks every pod while none answers) and whose ServiceAccount may read
//! every resource the policies declare as context-aware. No wasm is needed.

use std::collections::BTreeSet;

use e2e_tests::documents::read_documents;
use e2e_tests::workspace_root;
use serde_json::Value;

fn documents(relative: &str) -> Vec<Value> {
    let path = workspace_root().join(relative);
    read_documents(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn example_policies() -> Vec<Value> {
    let dir = workspace_root().join("examples/policies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .flat_map(|path| read_documents(path).unwrap())
        .collect()
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

/// The resource name RBAC uses for a kind (the plural the API server serves).
fn plural(kind: &str) -> String {
    format!("{}s", kind.to_lowercase())
}

fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

#[test]
fn every_example_policy_runs_on_a_highly_available_policy_server() {
    let manifests = documents("examples/policy-server.yaml");
    let servers = of_kind(&manifests, "PolicyServer");
    assert_eq!(servers.len(), 1);
    let server = servers[0];
    let name = server["metadata"]["name"].as_str().unwrap();
    let spec = &server["spec"];
    assert!(spec["replicas"].as_u64().unwrap() >= 2, "replicas");
    let min_available = spec["minAvailable"].as_u64().expect("minAvailable");
    assert!(min_available >= 1 && min_available < spec["replicas"].as_u64().unwrap());
    for policy in example_policies() {
        assert_eq!(
            policy["spec"]["policyServer"], name,
            "{}: runs on the injector's PolicyServer",
            policy["metadata"]["name"]
        );
    }
}

#[test]
fn the_policy_servers_service_account_may_read_every_context_aware_resource() {
    let manifests = documents("examples/policy-server.yaml");
    let server = of_kind(&manifests, "PolicyServer")[0];
    let account = server["spec"]["serviceAccountName"].as_str().unwrap();
    assert_eq!(
        of_kind(&manifests, "ServiceAccount")[0]["metadata"]["name"],
        account
    );

    let binding = of_kind(&manifests, "ClusterRoleBinding")[0];
    assert!(
        binding["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "ServiceAccount" && s["name"] == account)
    );
    let role_name = &binding["roleRef"]["name"];
    let role = of_kind(&manifests, "ClusterRole")
        .into_iter()
        .find(|r| &r["metadata"]["name"] == role_name)
        .expect("the bound ClusterRole");
    let allowed = |group: &str, resource: &str, verb: &str| {
        role["rules"].as_array().unwrap().iter().any(|rule| {
            let has = |field: &str, want: &str| {
                rule[field]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|v| v == want || v == "*")
            };
            has("apiGroups", group) && has("resources", resource) && has("verbs", verb)
        })
    };

    let metadata: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(workspace_root().join("policy-metadata.yml")).unwrap(),
    )
    .unwrap();
    let mut declared = BTreeSet::new();
    for resource in metadata["contextAwareResources"].as_array().unwrap() {
        declared.insert((
            resource["apiVersion"].as_str().unwrap().to_string(),
            resource["kind"].as_str().unwrap().to_string(),
        ));
    }
    for policy in example_policies() {
        for resource in policy["spec"]["contextAwareResources"]
            .as_array()
            .into_iter()
            .flatten()
        {
            declared.insert((
                resource["apiVersion"].as_str().unwrap().to_string(),
                resource["kind"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert!(declared.len() >= 4, "{declared:?}");
    for (api_version, kind) in declared {
        // policy-server keeps a watch on context-aware resources: list and watch too.
        for verb in ["get", "list", "watch"] {
            assert!(
                allowed(api_group(&api_version), &plural(&kind), verb),
                "{account} may not {verb} {api_version} {kind}"
            );
        }
    }
}

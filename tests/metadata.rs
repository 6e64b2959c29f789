//! The files shipped with the policy agree with each other and with what the code does.

use serde_yaml_ng::Value;
use std::path::Path;

fn read_yaml(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn annotation<'a>(doc: &'a Value, key: &str) -> &'a str {
    doc["annotations"][key]
        .as_str()
        .unwrap_or_else(|| panic!("annotation {key} missing"))
}

#[test]
fn versions_are_in_sync() {
    let version = env!("CARGO_PKG_VERSION");
    let metadata = read_yaml("policy-metadata.yml");
    assert_eq!(
        annotation(&metadata, "io.kubewarden.policy.version"),
        version
    );
    let artifacthub = read_yaml("artifacthub-pkg.yml");
    assert_eq!(artifacthub["version"].as_str(), Some(version));
    let tag = format!(":v{version}");
    let image = artifacthub["containersImages"][0]["image"]
        .as_str()
        .unwrap();
    assert!(image.ends_with(&tag), "{image} does not carry {tag}");
    let install = artifacthub["install"].as_str().unwrap();
    assert!(install.contains(&tag), "install text does not name {tag}");
    let links = artifacthub["links"].as_sequence().unwrap();
    assert!(links.iter().any(|l| {
        l["url"]
            .as_str()
            .is_some_and(|u| u.contains(&format!("/v{version}/")))
    }));
}

#[test]
fn metadata_declares_a_mutating_context_aware_pod_policy() {
    let metadata = read_yaml("policy-metadata.yml");
    assert_eq!(metadata["mutating"].as_bool(), Some(true));
    assert_eq!(metadata["backgroundAudit"].as_bool(), Some(false));
    assert_eq!(metadata["executionMode"].as_str(), Some("kubewarden-wapc"));
    let rules = metadata["rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["resources"][0].as_str(), Some("pods"));
    assert_eq!(rules[0]["operations"].as_sequence().unwrap().len(), 1);
    assert_eq!(rules[0]["operations"][0].as_str(), Some("CREATE"));
    let kinds: Vec<&str> = metadata["contextAwareResources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    // Namespace: lookup mode and OpenShift; ConfigMap: configMaps mode; Node: nativeSidecars
    // auto; ProxyConfig: proxyConfigs.
    assert_eq!(kinds, ["Namespace", "ConfigMap", "Node", "ProxyConfig"]);
    // What the policy calls, so that `kwctl annotate` has nothing to warn about.
    let capabilities: Vec<&str> = metadata["hostCapabilities"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        capabilities,
        [
            "kubernetes/get_resource",
            "kubernetes/list_resources_all",
            "kubernetes/list_resources_by_namespace"
        ]
    );
    assert!(metadata["minimumKubewardenVersion"].as_str().is_some());
    // kwctl scaffold artifacthub wants "name <email>" authors.
    let author = annotation(&metadata, "io.kubewarden.policy.author");
    assert!(
        author.contains(" <") && author.ends_with('>'),
        "{author}: not `name <email>`"
    );
    for key in [
        "io.kubewarden.policy.title",
        "io.kubewarden.policy.description",
        "io.kubewarden.policy.author",
        "io.kubewarden.policy.url",
        "io.kubewarden.policy.source",
        "io.kubewarden.policy.license",
        "io.kubewarden.policy.ociUrl",
        "io.artifacthub.displayName",
        "io.artifacthub.resources",
        "io.artifacthub.keywords",
    ] {
        assert!(!annotation(&metadata, key).is_empty(), "{key} is empty");
    }
}

#[test]
fn artifacthub_annotations_mirror_the_metadata() {
    let metadata = read_yaml("policy-metadata.yml");
    let artifacthub = read_yaml("artifacthub-pkg.yml");
    let annotations = &artifacthub["annotations"];
    assert_eq!(annotations["kubewarden/mutation"].as_str(), Some("true"));
    assert_eq!(annotations["kubewarden/resources"].as_str(), Some("Pod"));
    let rules: Value =
        serde_yaml_ng::from_str(annotations["kubewarden/rules"].as_str().unwrap()).unwrap();
    assert_eq!(rules, metadata["rules"]);
    let context: Value = serde_yaml_ng::from_str(
        annotations["kubewarden/contextAwareResources"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    // kwctl sorts them.
    let sorted = |v: &Value| {
        let mut items: Vec<String> = v
            .as_sequence()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    r["apiVersion"].as_str().unwrap(),
                    r["kind"].as_str().unwrap()
                )
            })
            .collect();
        items.sort();
        items
    };
    assert_eq!(sorted(&context), sorted(&metadata["contextAwareResources"]));
    let questions = read_yaml("questions-ui.yml");
    let embedded: Value =
        serde_yaml_ng::from_str(annotations["kubewarden/questions-ui"].as_str().unwrap()).unwrap();
    assert_eq!(embedded, questions);
}

/// Every question of the Rancher UI is a setting the policy takes, with a default it accepts.
#[test]
fn questions_ui_asks_for_real_settings() {
    let questions = read_yaml("questions-ui.yml");
    let mut settings = serde_json::Map::new();
    for question in questions["questions"].as_sequence().unwrap() {
        let variable = question["variable"].as_str().unwrap();
        if variable == "description" {
            continue;
        }
        let default: serde_json::Value =
            serde_json::to_value(&question["default"]).expect("a JSON-able default");
        settings.insert(variable.to_string(), default);
    }
    let settings = serde_json::Value::Object(settings);
    let parsed = istio_sidecar_injector::settings::Settings::from_json(&settings)
        .unwrap_or_else(|e| panic!("questions-ui defaults: {e}"));
    parsed
        .check()
        .unwrap_or_else(|e| panic!("questions-ui defaults: {e}"));
}

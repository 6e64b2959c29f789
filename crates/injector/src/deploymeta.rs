//! Which workload a pod belongs to (Istio's `GetDeployMetaFromPod`, `pkg/kube/util.go`).
//!
//! A pod created by a controller only knows its controller by owner reference, and a
//! Deployment's pods are owned by an intermediate ReplicaSet. Istio undoes the common layers
//! with name heuristics, and the result names the workload in `ISTIO_META_WORKLOAD_NAME`,
//! `ISTIO_META_OWNER` and the canonical-name fallback. The heuristics only apply to pods whose
//! name is generated (`metadata.generateName` set): a pod with a fixed name is its own workload.
//!
//! Fields of the wrong JSON type are read as absent here; the pod's shape is checked where it
//! can be rejected ([`crate::decide::inject_required`]).

use serde_json::{Map, Value};

/// The workload identity of a pod: its controller (after the heuristics) or the pod itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeployMeta {
    pub name: String,
    pub namespace: String,
    pub kind: String,
    pub api_version: String,
}

impl DeployMeta {
    /// The value of `ISTIO_META_OWNER`:
    /// `kubernetes://apis/<apiVersion>/namespaces/<namespace or default>/<kind lower-cased>s/<name>`.
    ///
    /// `None` when the API version or the name is empty: the sidecar template only emits the
    /// variable when both are set.
    pub fn owner_uri(&self) -> Option<String> {
        if self.api_version.is_empty() || self.name.is_empty() {
            return None;
        }
        let namespace = if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        };
        Some(format!(
            "kubernetes://apis/{}/namespaces/{}/{}s/{}",
            self.api_version,
            namespace,
            self.kind.to_lowercase(),
            self.name
        ))
    }
}

/// The workload of `pod` (a Pod as JSON), by Istio's owner-reference heuristics:
/// - no `generateName`, or no controller owner reference: the pod itself (`v1`/`Pod`);
/// - a ReplicaSet whose name ends with the pod's `pod-template-hash` label: the Deployment
///   (name without `-<hash>`);
/// - a ReplicaSet whose name ends with `rollouts-pod-template-hash`: the Argo `Rollout`
///   (API version `v1alpha1`, as Istio reports it);
/// - a ReplicationController and a `deploymentconfig` label: the OpenShift DeploymentConfig
///   named by the label;
/// - a Job named `<x>-<8 to 10 digits>`: the CronJob `<x>` (`batch/v1`);
/// - any other controller: that controller.
pub fn deploy_meta(pod: &Value) -> DeployMeta {
    let metadata = pod.get("metadata").and_then(Value::as_object);
    let field = |key: &str| metadata.and_then(|m| str_field(m, key)).unwrap_or("");
    let pod_name = field("name");
    let mut meta = DeployMeta {
        name: pod_name.to_string(),
        namespace: field("namespace").to_string(),
        kind: "Pod".to_string(),
        api_version: "v1".to_string(),
    };
    if field("generateName").is_empty() {
        return meta;
    }
    let Some(controller) = metadata.and_then(controller_ref) else {
        return meta;
    };
    let ref_field = |key: &str| str_field(controller, key).unwrap_or("");
    let owner_name = ref_field("name");
    meta.api_version = ref_field("apiVersion").to_string();
    meta.kind = ref_field("kind").to_string();
    meta.name = owner_name.to_string();

    let labels = metadata
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object);
    let label = |key: &str| labels.and_then(|l| str_field(l, key)).unwrap_or("");
    let template_hash = label("pod-template-hash");
    let rollout_hash = label("rollouts-pod-template-hash");
    let deployment_config = label("deploymentconfig");

    if meta.kind == "ReplicaSet" && !template_hash.is_empty() && owner_name.ends_with(template_hash)
    {
        meta.name = trim_dash_suffix(owner_name, template_hash).to_string();
        meta.kind = "Deployment".to_string();
    } else if meta.kind == "ReplicaSet"
        && !rollout_hash.is_empty()
        && owner_name.ends_with(rollout_hash)
    {
        meta.name = trim_dash_suffix(owner_name, rollout_hash).to_string();
        meta.kind = "Rollout".to_string();
        meta.api_version = "v1alpha1".to_string();
    } else if meta.kind == "ReplicationController" && !deployment_config.is_empty() {
        meta.name = deployment_config.to_string();
        meta.kind = "DeploymentConfig".to_string();
    } else if meta.kind == "Job"
        && let Some(cron_job) = cron_job_name(owner_name)
    {
        meta.name = cron_job.to_string();
        meta.kind = "CronJob".to_string();
        // A CronJob's version cannot be read from the pod; Istio assumes batch/v1.
        meta.api_version = "batch/v1".to_string();
    }
    if meta.name.is_empty() {
        meta.name = pod_name.to_string();
    }
    meta
}

/// The first owner reference with `controller: true`.
fn controller_ref(metadata: &Map<String, Value>) -> Option<&Map<String, Value>> {
    metadata
        .get("ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(Value::as_object)
        .find(|reference| reference.get("controller") == Some(&Value::Bool(true)))
}

/// Go's `strings.TrimSuffix(name, "-"+hash)`: a name that ends with the hash but not with
/// `-<hash>` is kept whole (the kind still changes, as in Istio).
fn trim_dash_suffix<'a>(name: &'a str, hash: &str) -> &'a str {
    name.strip_suffix(hash)
        .and_then(|rest| rest.strip_suffix('-'))
        .unwrap_or(name)
}

/// The CronJob behind a Job named by the CronJob controller: Istio matches the Job name against
/// `(.+)-\d{8,10}$` (Go regexp, so `.` stops at newlines and `\d` is ASCII) and keeps group 1.
fn cron_job_name(job: &str) -> Option<&str> {
    // Digits contain no '-', so only the last dash can start the timestamp.
    let (prefix, digits) = job.rsplit_once('-')?;
    let timestamp = (8..=10).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    if !timestamp {
        return None;
    }
    // The leftmost match starts after the last newline before the dash.
    let name = prefix.rsplit('\n').next().unwrap_or(prefix);
    (!name.is_empty()).then_some(name)
}

fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(name: &str, namespace: &str, kind: &str, api_version: &str) -> DeployMeta {
        DeployMeta {
            name: name.into(),
            namespace: namespace.into(),
            kind: kind.into(),
            api_version: api_version.into(),
        }
    }

    fn owned_pod(generate_name: &str, owner: Value, labels: Value) -> Value {
        json!({"metadata": {
            "generateName": generate_name,
            "namespace": "ns",
            "labels": labels,
            "ownerReferences": [owner],
        }})
    }

    #[test]
    fn pod_without_generate_name_is_its_own_workload() {
        let pod = json!({"metadata": {"name": "p", "namespace": "ns", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "controller": true}]}});
        assert_eq!(deploy_meta(&pod), meta("p", "ns", "Pod", "v1"));
        assert_eq!(
            deploy_meta(&pod).owner_uri().as_deref(),
            Some("kubernetes://apis/v1/namespaces/ns/pods/p")
        );
    }

    #[test]
    fn controller_heuristics_table() {
        let rs = |name: &str| json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name, "controller": true});
        let cases = vec![
            (
                "deployment via pod-template-hash",
                owned_pod(
                    "web-5d9c-",
                    rs("web-5d9c"),
                    json!({"pod-template-hash": "5d9c"}),
                ),
                meta("web", "ns", "Deployment", "apps/v1"),
            ),
            (
                "replicaset without hash label stays a replicaset",
                owned_pod("web-5d9c-", rs("web-5d9c"), json!({})),
                meta("web-5d9c", "ns", "ReplicaSet", "apps/v1"),
            ),
            (
                "hash suffix without dash: kind changes, name kept (TrimSuffix quirk)",
                owned_pod(
                    "web5d9c-",
                    rs("web5d9c"),
                    json!({"pod-template-hash": "5d9c"}),
                ),
                meta("web5d9c", "ns", "Deployment", "apps/v1"),
            ),
            (
                "argo rollout",
                owned_pod(
                    "ro-abc-",
                    rs("ro-abc"),
                    json!({"rollouts-pod-template-hash": "abc"}),
                ),
                meta("ro", "ns", "Rollout", "v1alpha1"),
            ),
            (
                "deploymentconfig via replicationcontroller label (Istio test facts)",
                owned_pod(
                    "deploy-rc-pod",
                    json!({"apiVersion": "v1", "kind": "ReplicationController", "name": "deploy-rc", "controller": true}),
                    json!({"deploymentconfig": "deploy"}),
                ),
                meta("deploy", "ns", "DeploymentConfig", "v1"),
            ),
            (
                "replicationcontroller without label",
                owned_pod(
                    "dep-rc-pod",
                    json!({"apiVersion": "v1", "kind": "ReplicationController", "name": "dep-rc", "controller": true}),
                    json!({}),
                ),
                meta("dep-rc", "ns", "ReplicationController", "v1"),
            ),
            (
                "cronjob, 10-digit timestamp (Istio test facts)",
                owned_pod(
                    "sec-1234567890-pod",
                    json!({"apiVersion": "v1", "kind": "Job", "name": "sec-1234567890", "controller": true}),
                    json!({}),
                ),
                meta("sec", "ns", "CronJob", "batch/v1"),
            ),
            (
                "cronjob, 8-digit timestamp (Istio test facts)",
                owned_pod(
                    "min-12345678-pod",
                    json!({"apiVersion": "v1", "kind": "Job", "name": "min-12345678", "controller": true}),
                    json!({}),
                ),
                meta("min", "ns", "CronJob", "batch/v1"),
            ),
            (
                "plain job (Istio test facts)",
                owned_pod(
                    "job-123-pod",
                    json!({"apiVersion": "v1", "kind": "Job", "name": "job-123", "controller": true}),
                    json!({}),
                ),
                meta("job-123", "ns", "Job", "v1"),
            ),
            (
                "11 digits is not a cronjob timestamp",
                owned_pod(
                    "j-",
                    json!({"apiVersion": "batch/v1", "kind": "Job", "name": "j-12345678901", "controller": true}),
                    json!({}),
                ),
                meta("j-12345678901", "ns", "Job", "batch/v1"),
            ),
            (
                "custom controller",
                owned_pod(
                    "x-",
                    json!({"apiVersion": "foo/v1", "kind": "Bar", "name": "x", "controller": true}),
                    json!({}),
                ),
                meta("x", "ns", "Bar", "foo/v1"),
            ),
            (
                "owner that is not the controller is ignored",
                owned_pod(
                    "x-",
                    json!({"apiVersion": "foo/v1", "kind": "Bar", "name": "x", "controller": false}),
                    json!({}),
                ),
                meta("", "ns", "Pod", "v1"),
            ),
        ];
        for (name, pod, want) in cases {
            assert_eq!(deploy_meta(&pod), want, "{name}");
        }
    }

    #[test]
    fn cron_job_name_follows_the_go_regexp() {
        assert_eq!(cron_job_name("a-b-123456789"), Some("a-b"));
        assert_eq!(cron_job_name("-12345678"), None);
        assert_eq!(cron_job_name("a-1234567"), None);
        assert_eq!(cron_job_name("a-12345678x"), None);
        assert_eq!(cron_job_name("a-١٢٣٤٥٦٧٨"), None);
        assert_eq!(cron_job_name("x\nab-12345678"), Some("ab"));
        assert_eq!(cron_job_name("x\n-12345678"), None);
    }

    #[test]
    fn owner_uri_needs_version_and_name_and_defaults_the_namespace() {
        assert_eq!(
            meta("hello", "", "Deployment", "apps/v1")
                .owner_uri()
                .as_deref(),
            Some("kubernetes://apis/apps/v1/namespaces/default/deployments/hello")
        );
        assert_eq!(meta("", "ns", "Pod", "v1").owner_uri(), None);
        assert_eq!(meta("x", "ns", "Bar", "").owner_uri(), None);
    }

    #[test]
    fn wrong_types_are_read_as_absent() {
        for pod in [
            json!(null),
            json!([]),
            json!({"metadata": 5}),
            json!({"metadata": {"name": 3, "generateName": "g", "ownerReferences": {}}}),
            json!({"metadata": {"generateName": "g", "ownerReferences": [1, {"controller": "true"}]}}),
        ] {
            let got = deploy_meta(&pod);
            assert_eq!((got.kind.as_str(), got.api_version.as_str()), ("Pod", "v1"));
        }
    }

    // ----- conformance: the webhook's workload-to-pod conversion must give back the owner
    // ----- that kube-inject wrote into each golden's ISTIO_META_OWNER.

    /// The pod the webhook sees for a workload (`istio_conformance`'s `objectToPod`), in the
    /// document's namespace as the webhook fills it from the request.
    fn webhook_pod(workload: &istio_conformance::Workload) -> Value {
        let mut pod = workload
            .to_pod()
            .expect("a golden workload has a pod template");
        if let Some(metadata) = pod.get_mut("metadata").and_then(Value::as_object_mut)
            && metadata.get("namespace").and_then(Value::as_str).is_none()
            && !workload.namespace.is_empty()
        {
            metadata.insert("namespace".into(), json!(workload.namespace));
        }
        pod
    }

    fn owner_env(object: &Value) -> Option<String> {
        let spec = if object["kind"] == "CronJob" {
            object.pointer("/spec/jobTemplate/spec/template/spec")
        } else if object["kind"] == "Pod" {
            object.get("spec")
        } else {
            object.pointer("/spec/template/spec")
        }?;
        ["initContainers", "containers"]
            .iter()
            .filter_map(|list| spec.get(*list).and_then(Value::as_array))
            .flatten()
            .filter_map(|c| c.get("env").and_then(Value::as_array))
            .flatten()
            .find(|env| env["name"] == "ISTIO_META_OWNER")
            .and_then(|env| env["value"].as_str().map(str::to_string))
    }

    #[test]
    fn conformance_owner_matches_goldens() {
        let Some(dir) = istio_conformance::locate_or_skip() else {
            return;
        };
        let mut compared = 0;
        let cases = istio_conformance::case_dirs(&dir);
        for case in cases {
            let Some((input, want)) = istio_conformance::input_and_want(&case) else {
                continue;
            };
            let inputs = istio_conformance::injectable_objects(&input).unwrap_or_default();
            let wants = istio_conformance::injectable_objects(&want).unwrap_or_default();
            for (workload, golden) in inputs.iter().zip(&wants) {
                let Some(expected) = owner_env(&golden.object) else {
                    continue;
                };
                let got = deploy_meta(&webhook_pod(workload)).owner_uri();
                assert_eq!(
                    got.as_deref(),
                    Some(expected.as_str()),
                    "{}",
                    case.display()
                );
                compared += 1;
            }
        }
        assert!(compared > 50, "compared only {compared} goldens");
    }
}

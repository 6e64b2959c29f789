//! The command-line tools: `annotate` (kwctl annotate) and `policy-run` (kwctl run), run as
//! processes against the no-op policy.

use std::path::{Path, PathBuf};
use std::process::Command;

use policy_runner::metadata::{METADATA_SECTION, Metadata, custom_sections};
use policy_runner::{FixtureHost, Policy, noop_policy_wasm_path, policy_wasm_path, workspace_root};
use serde_json::{Value, json};

/// The committed requests and workloads of the e2e tests (`e2e-tests/fixtures`).
fn fixtures_dir() -> PathBuf {
    workspace_root().join("e2e-tests/fixtures")
}

mod fixtures {
    use std::path::PathBuf;

    use serde_json::Value;

    pub fn request_path(name: &str) -> PathBuf {
        super::fixtures_dir()
            .join("requests")
            .join(format!("{name}.json"))
    }

    pub fn request(name: &str) -> policy_runner::Result<Value> {
        policy_runner::documents::read_value(&request_path(name))
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2e-binaries-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn noop_wasm() -> PathBuf {
    let path = noop_policy_wasm_path();
    assert!(
        path.is_file(),
        "{}: {}",
        path.display(),
        policy_runner::paths::NOOP_HINT
    );
    path
}

fn run(binary: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(binary).args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const METADATA: &str = "rules:\n- apiGroups: [\"\"]\n  apiVersions: [v1]\n  resources: [pods]\n  \
                        operations: [CREATE]\nmutating: true\nexecutionMode: kubewarden-wapc\n\
                        contextAwareResources:\n- apiVersion: v1\n  kind: Namespace\n\
                        annotations:\n  io.kubewarden.policy.title: noop\n";

fn annotate(metadata: &Path, usage: &Path, input: &Path, output: &Path) -> (bool, String, String) {
    run(
        env!("CARGO_BIN_EXE_annotate"),
        &[
            "-m",
            metadata.to_str().unwrap(),
            "-u",
            usage.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    )
}

#[test]
fn annotate_embeds_kwctl_metadata_once_and_the_module_still_runs() {
    let dir = scratch("annotate");
    let metadata = dir.join("metadata.yml");
    let usage = dir.join("README.md");
    std::fs::write(&metadata, METADATA).unwrap();
    std::fs::write(&usage, "# No-op\nAccepts everything.\n").unwrap();
    let once = dir.join("once.wasm");
    let twice = dir.join("twice.wasm");
    let (ok, _, stderr) = annotate(&metadata, &usage, &noop_wasm(), &once);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = annotate(&metadata, &usage, &once, &twice);
    assert!(ok, "{stderr}");

    let bytes = std::fs::read(&twice).unwrap();
    let sections = custom_sections(&bytes).unwrap();
    let count = sections
        .iter()
        .filter(|s| s.name == METADATA_SECTION)
        .count();
    assert_eq!(count, 1, "re-annotating must replace the section");
    let embedded = Metadata::from_wasm(&bytes)
        .unwrap()
        .expect("metadata section");
    assert_eq!(embedded.protocol_version.as_deref(), Some("v1"));
    assert!(embedded.mutating);
    let annotations = embedded.annotations.unwrap();
    assert_eq!(
        annotations["io.kubewarden.policy.usage"],
        "# No-op\nAccepts everything.\n"
    );
    assert!(annotations["io.kubewarden.kwctl"].contains("e2e-annotate"));
    assert_eq!(annotations["io.kubewarden.policy.title"], "noop");
    let raw: Value = serde_json::from_slice(
        sections
            .iter()
            .find(|s| s.name == METADATA_SECTION)
            .unwrap()
            .data,
    )
    .unwrap();
    assert_eq!(
        raw["contextAwareResources"],
        json!([{"apiVersion": "v1", "kind": "Namespace"}])
    );
    assert_eq!(raw["backgroundAudit"], true);
    assert_eq!(raw["policyType"], "kubernetes");

    let policy = Policy::load(&twice).unwrap();
    let request = fixtures::request("pod-deployment-owned").unwrap();
    assert!(
        policy
            .evaluate(&request, &json!({}), &FixtureHost::new())
            .unwrap()
            .allowed()
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn annotate_refuses_metadata_kwctl_refuses() {
    let dir = scratch("annotate-bad");
    let usage = dir.join("README.md");
    std::fs::write(&usage, "usage").unwrap();
    for (bad, complaint) in [
        (METADATA.replace("mutating: true\n", ""), "mutating"),
        (METADATA.replace("kubewarden-wapc", "opa"), "Rego"),
        (METADATA.replace("[CREATE]", "[CREATE, \"*\"]"), "'*'"),
    ] {
        let metadata = dir.join("metadata.yml");
        std::fs::write(&metadata, &bad).unwrap();
        let (ok, _, stderr) = annotate(&metadata, &usage, &noop_wasm(), &dir.join("out.wasm"));
        assert!(!ok, "accepted:\n{bad}");
        assert!(stderr.contains(complaint), "{stderr}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn policy_run_prints_the_kwctl_response_line() {
    let request = fixtures::request_path("pod-deployment-owned");
    let (ok, stdout, stderr) = run(
        env!("CARGO_BIN_EXE_policy-run"),
        &[
            "--request-path",
            request.to_str().unwrap(),
            noop_wasm().to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    let uid = fixtures::request("pod-deployment-owned").unwrap()["uid"].clone();
    assert_eq!(
        line,
        json!({"uid": uid, "allowed": true, "auditAnnotations": null, "warnings": null})
    );
}

#[test]
fn policy_run_turns_workloads_into_pod_create_requests() {
    let workload = fixtures_dir().join("workloads/hello-deployment.yaml");
    let (ok, stdout, stderr) = run(
        env!("CARGO_BIN_EXE_policy-run"),
        &[
            "--workload",
            workload.to_str().unwrap(),
            "--namespace",
            "mesh",
            "--emit-request",
        ],
    );
    assert!(ok, "{stderr}");
    let request: Value = serde_json::from_str(&stdout).unwrap();
    // The committed fixture was produced this way: the conversion must stay reproducible.
    assert_eq!(request, fixtures::request("pod-deployment-owned").unwrap());

    let (ok, stdout, stderr) = run(
        env!("CARGO_BIN_EXE_policy-run"),
        &[
            "--workload",
            workload.to_str().unwrap(),
            "--output",
            "patch",
            noop_wasm().to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap(), json!([]));
}

#[test]
fn policy_run_prints_the_verdict_as_a_comment_over_the_injected_pod_yaml() {
    let workload = fixtures_dir().join("workloads/hello-deployment.yaml");
    let cluster = workspace_root().join("examples/cluster");
    let policy = policy_wasm_path();
    let (ok, stdout, stderr) = run(
        env!("CARGO_BIN_EXE_policy-run"),
        &[
            "--workload",
            workload.to_str().unwrap(),
            // The example cluster's kubelets are 1.33+: `nativeSidecars: auto` goes native.
            "--cluster-fixtures",
            cluster.to_str().unwrap(),
            "--output",
            "yaml",
            policy.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("# allowed, JSON patch of "), "{first}");
    let pod: Value = serde_yaml_ng::from_str(&stdout).unwrap();
    let init: Vec<&str> = pod["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(init.contains(&"istio-proxy"), "{init:?}");
}

#[test]
fn policy_run_explains_a_missing_policy() {
    let request = fixtures::request_path("pod-deployment-owned");
    let (ok, _, stderr) = run(
        env!("CARGO_BIN_EXE_policy-run"),
        &[
            "--request-path",
            request.to_str().unwrap(),
            "/nonexistent/policy.wasm",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("make policy.wasm"), "{stderr}");
}

#[test]
fn the_bats_patch_helper_applies_patches_like_json_patch() {
    if Command::new("jq").arg("--version").output().is_err() {
        println!("skipping: jq is not installed");
        return;
    }
    let helper = workspace_root().join("e2e-tests/apply-patch.jq");
    let pairs = [
        ("pod-deployment-owned", "pod-already-injected"),
        ("pod-ns-injection-enabled", "pod-host-network"),
        ("pod-already-injected", "pod-ns-unlabelled"),
    ];
    for (from, to) in pairs {
        let source = fixtures::request(from).unwrap()["object"].clone();
        let target = fixtures::request(to).unwrap()["object"].clone();
        let patch = json_patch::diff(&source, &target);
        let mut child = Command::new("jq")
            .args([
                "-c",
                "--argjson",
                "patch",
                &serde_json::to_string(&patch).unwrap(),
                "-f",
            ])
            .arg(&helper)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(source.to_string().as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{from} -> {to}");
        let applied: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(applied, target, "{from} -> {to}");
    }
}

#[test]
fn replay_policy_writes_a_module_that_answers_like_the_policy_and_can_be_annotated() {
    let dir = scratch("replay");
    let module = dir.join("replay.wasm");
    let request_path = fixtures::request_path("pod-deployment-owned");
    let settings = json!({"nativeSidecars": false});
    let (ok, _, stderr) = run(
        env!("CARGO_BIN_EXE_replay-policy"),
        &[
            "--request-path",
            request_path.to_str().unwrap(),
            "--settings-json",
            &settings.to_string(),
            "-o",
            module.to_str().unwrap(),
            policy_wasm_path().to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    let request = fixtures::request("pod-deployment-owned").unwrap();
    let expected = Policy::load(&policy_wasm_path())
        .unwrap()
        .evaluate(&request, &settings, &FixtureHost::new())
        .unwrap();
    assert!(expected.patch.is_some(), "the policy injects this pod");
    let replayed = Policy::load(&module)
        .unwrap()
        .evaluate(&request, &json!({}), &FixtureHost::new())
        .unwrap();
    assert_eq!(replayed.admission, expected.admission);

    let metadata = dir.join("metadata.yml");
    std::fs::write(&metadata, METADATA).unwrap();
    let usage = dir.join("usage.md");
    std::fs::write(&usage, "replay").unwrap();
    let (ok, _, stderr) = annotate(&metadata, &usage, &module, &dir.join("annotated.wasm"));
    assert!(ok, "{stderr}");
    std::fs::remove_dir_all(dir).ok();
}

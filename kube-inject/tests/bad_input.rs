//! The README's bad-input table, as tests: each row is one class of bad input, what the policy
//! answers for a Pod CREATE carrying it (through `validate`, the policy's waPC entry, compiled
//! natively) and what `kube-inject` does with the same object as YAML. The README's table is
//! rendered from these rows and must match them, so neither can drift.

mod support;

use serde_json::{Value, json};

/// What the policy answers.
#[derive(Debug, Clone, Copy)]
enum Policy {
    /// Accepted, unchanged.
    Accept,
    /// Accepted, injected.
    Inject,
    /// Rejected with this code (none: policy-server's default for a refusal) and a message
    /// containing this text.
    Reject(Option<u16>, &'static str),
}

/// What `kube-inject -f -` does.
#[derive(Debug, Clone, Copy)]
enum Cli {
    /// Exit 0, the document injected.
    Inject,
    /// Exit 0, the document written back unchanged.
    Echo,
    /// Exit 1, nothing on standard output, an error containing this text on standard error.
    Fail(&'static str),
}

struct Row {
    class: &'static str,
    /// The pod (as the request's object, and as kube-inject's YAML input).
    pod: fn() -> Value,
    policy: Policy,
    cli: Cli,
}

fn pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "annotations": {}},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]}
    })
}

fn annotated(key: &str, value: &str) -> Value {
    let mut pod = pod();
    pod["metadata"]["annotations"][key] = json!(value);
    pod
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            class: "a plain pod (for reference)",
            pod,
            policy: Policy::Inject,
            cli: Cli::Inject,
        },
        Row {
            class: "`metadata` not an object",
            pod: || json!({"apiVersion": "v1", "kind": "Pod", "metadata": "x", "spec": {}}),
            policy: Policy::Reject(Some(400), "invalid pod: metadata is not an object"),
            cli: Cli::Fail(
                "error unmarshaling JSON: while decoding JSON: json: metadata: cannot unmarshal string into Go value of type v1.ObjectMeta",
            ),
        },
        Row {
            class: "`spec.containers` not a list",
            pod: || {
                let mut pod = pod();
                pod["spec"]["containers"] = json!({"name": "app"});
                pod
            },
            policy: Policy::Reject(
                None,
                "invalid pod: spec.containers: cannot unmarshal object into Go value of type []v1.Container",
            ),
            cli: Cli::Fail(
                "json: spec.containers: cannot unmarshal object into Go value of type []v1.Container",
            ),
        },
        Row {
            class: "a container port that is a string",
            pod: || {
                let mut pod = pod();
                pod["spec"]["containers"][0]["ports"] = json!([{"containerPort": "http"}]);
                pod
            },
            policy: Policy::Reject(
                None,
                "invalid pod: spec.containers[0].ports[0].containerPort: cannot unmarshal string into Go value of type int32",
            ),
            cli: Cli::Fail(
                "json: spec.containers[0].ports[0].containerPort: cannot unmarshal string into Go value of type int32",
            ),
        },
        Row {
            class: "an invalid port list annotation",
            pod: || annotated("traffic.sidecar.istio.io/excludeOutboundPorts", "80,abc"),
            policy: Policy::Reject(
                None,
                "invalid value '80,abc' for annotation 'traffic.sidecar.istio.io/excludeOutboundPorts'",
            ),
            cli: Cli::Fail(
                "invalid value '80,abc' for annotation 'traffic.sidecar.istio.io/excludeOutboundPorts'",
            ),
        },
        Row {
            class: "a newline smuggled into a port annotation",
            pod: || {
                annotated(
                    "traffic.sidecar.istio.io/includeInboundPorts",
                    "80\n- --smuggled",
                )
            },
            policy: Policy::Reject(
                None,
                "for annotation 'traffic.sidecar.istio.io/includeInboundPorts': includeInboundPorts invalid: failed parsing port",
            ),
            cli: Cli::Fail(
                "for annotation 'traffic.sidecar.istio.io/includeInboundPorts': includeInboundPorts invalid: failed parsing port",
            ),
        },
        Row {
            class: "`proxy.istio.io/config` that is not YAML",
            pod: || annotated("proxy.istio.io/config", "concurrency: [2"),
            policy: Policy::Reject(
                None,
                "for annotation 'proxy.istio.io/config': failed to convert to apply proxy config: invalid YAML",
            ),
            cli: Cli::Fail(
                "for annotation 'proxy.istio.io/config': failed to convert to apply proxy config: invalid YAML",
            ),
        },
        Row {
            class: "`sidecar.istio.io/userVolume` that is not JSON",
            pod: || annotated("sidecar.istio.io/userVolume", "{not json"),
            policy: Policy::Reject(
                None,
                "annotation sidecar.istio.io/userVolume: range can't iterate over {}",
            ),
            cli: Cli::Fail("annotation sidecar.istio.io/userVolume: range can't iterate over {}"),
        },
        Row {
            class: "an unknown `sidecar.istio.io/inject` value",
            pod: || annotated("sidecar.istio.io/inject", "maybe"),
            policy: Policy::Inject,
            cli: Cli::Inject,
        },
        Row {
            class: "`sidecar.istio.io/inject: \"false\"`",
            pod: || annotated("sidecar.istio.io/inject", "false"),
            policy: Policy::Accept,
            cli: Cli::Echo,
        },
        Row {
            class: "a template that does not exist (`inject.istio.io/templates`)",
            pod: || annotated("inject.istio.io/templates", "nope"),
            policy: Policy::Reject(None, "requested template \"nope\" not found"),
            cli: Cli::Fail("requested template \"nope\" not found"),
        },
        Row {
            class: "1,001 containers (the policy answers within policy-server's 2 s; kube-inject has no deadline)",
            pod: || {
                let mut pod = pod();
                pod["spec"]["containers"] = (0..1_001)
                    .map(|i| json!({"name": format!("c{i}"), "image": "app:1"}))
                    .collect();
                pod
            },
            policy: Policy::Reject(
                Some(400),
                "the pod has 1001 containers and init containers; the injector handles at most 1000",
            ),
            cli: Cli::Inject,
        },
        Row {
            class: "an object that is not a JSON object",
            pod: || json!("not a pod"),
            policy: Policy::Reject(Some(400), "invalid pod: the object is not a JSON object"),
            cli: Cli::Fail("json: cannot unmarshal string into Go value of type v1.TypeMeta"),
        },
        Row {
            class: "JSON nested 200 deep (the policy reads requests with serde_json's 128 levels)",
            pod: || {
                let mut pod = pod();
                pod["spec"]["x"] = (0..200).fold(json!(1), |inner, _| json!([inner]));
                pod
            },
            policy: Policy::Reject(Some(400), "recursion limit exceeded"),
            cli: Cli::Inject,
        },
    ]
}

/// What the policy answered, in the table's words.
fn policy_answer(object: &Value) -> (bool, bool, Option<u16>, String) {
    let request = json!({
        "uid": "bad-input",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": "default",
        "operation": "CREATE",
        "userInfo": {"username": "test"},
        "object": object,
    });
    let payload = serde_json::to_vec(&json!({"request": request, "settings": {}})).unwrap();
    let answer = istio_sidecar_injector::validate(&payload).unwrap_or_else(|e| panic!("{e}"));
    let response: Value = serde_json::from_slice(&answer).unwrap();
    (
        response["accepted"].as_bool().unwrap_or(false),
        response.get("mutated_object").is_some_and(|o| !o.is_null()),
        response["code"].as_u64().map(|c| c as u16),
        response["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// kube-inject's error: standard error from `Error: ` on (the lines before are notes).
fn error_line(stderr: &str) -> &str {
    stderr.find("Error: ").map_or(stderr, |at| &stderr[at..])
}

impl Policy {
    fn cell(self) -> String {
        match self {
            Policy::Accept => "accept, unchanged".to_owned(),
            Policy::Inject => "accept, injected".to_owned(),
            Policy::Reject(Some(code), text) => format!("reject, code {code}: `{text}`"),
            Policy::Reject(None, text) => format!("reject (no code): `{text}`"),
        }
    }
}

impl Cli {
    fn cell(self) -> String {
        match self {
            Cli::Inject => "exit 0, injected".to_owned(),
            Cli::Echo => "exit 0, written back unchanged".to_owned(),
            Cli::Fail(text) => format!("exit 1, no output: `{text}`"),
        }
    }
}

/// The table the README must hold, under its marker line.
fn table() -> String {
    let mut table =
        String::from("| input | the policy answers | `kube-inject` does |\n|---|---|---|\n");
    for row in rows() {
        table.push_str(&format!(
            "| {} | {} | {} |\n",
            row.class,
            row.policy.cell(),
            row.cli.cell()
        ));
    }
    table
}

const MARKER: &str = "<!-- bad-input table: generated from kube-inject/tests/bad_input.rs -->";

#[test]
fn the_readme_table_is_the_test_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let expected = table();
    let Some(at) = readme.find(MARKER) else {
        panic!("README.md has no line {MARKER}; put it above this table:\n{expected}");
    };
    let after = readme[at + MARKER.len()..].trim_start_matches('\n');
    let end = after.find("\n\n").map_or(after.len(), |i| i + 1);
    assert_eq!(
        &after[..end],
        expected,
        "README.md's bad-input table differs from the rows of kube-inject/tests/bad_input.rs"
    );
}

fn yaml(pod: &Value) -> String {
    serde_yaml_ng::to_string(pod).unwrap()
}

#[test]
fn every_row_answers_as_the_table_says() {
    let mut wrong = Vec::new();
    for row in rows() {
        let object = (row.pod)();
        let (accepted, mutated, code, message) = policy_answer(&object);
        let policy_ok = match row.policy {
            Policy::Accept => accepted && !mutated,
            Policy::Inject => accepted && mutated,
            Policy::Reject(c, text) => !accepted && code == c && message.contains(text),
        };
        if !policy_ok {
            wrong.push(format!(
                "{}: policy: expected {:?}, got accepted={accepted} mutated={mutated} code={code:?} message={message:?}",
                row.class, row.policy
            ));
        }
        let input = yaml(&object);
        let run = support::run(&["-f", "-"], &input, &[]);
        let cli_ok = match row.cli {
            Cli::Inject => run.ok() && run.stdout.contains("istio-proxy"),
            Cli::Echo => run.ok() && !run.stdout.contains("istio-proxy"),
            Cli::Fail(text) => {
                run.code == Some(1)
                    && run.stdout.is_empty()
                    && error_line(&run.stderr).contains(text)
            }
        };
        if !cli_ok {
            wrong.push(format!(
                "{}: kube-inject: expected {:?}, got exit {:?}, stdout {} bytes, stderr {:?}",
                row.class,
                row.cli,
                run.code,
                run.stdout.len(),
                error_line(&run.stderr)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

//! Hostile admission requests, each with what the policy must answer: the bounds the policy
//! keeps on what a request can make it do (issue 10). Shared by `tests/bounds.rs`, which runs
//! them through the built wasm under policy-server's deadline, and the `bounds` binary, which
//! measures wall time and peak linear memory for the README's table.
//!
//! Payloads are built as text: a value nested 10,000 deep would overflow the host's own stack
//! in `serde_json::Value`'s recursive drop long before it reached the policy.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::error::{HarnessError, Result};
use crate::host::FixtureHost;
use crate::runtime::Policy;

/// policy-server 1.35's `--policy-timeout` default: an evaluation still running is cut and
/// answered 500.
pub const POLICY_SERVER_DEADLINE: Duration = Duration::from_secs(2);

/// The linear memory the bounds tests allow one evaluation. The policy server sets none; this
/// makes "bounded memory" a failing test instead of a slow machine.
pub const MEMORY_CAP: usize = 512 << 20;

/// What the policy must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Rejected with this code (none: the policy server's default, 400 for a Pod CREATE) and a
    /// message containing the text.
    Reject(Option<u16>, &'static str),
    /// Accepted with a patch (injected).
    Inject,
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Inject => write!(f, "accept, injected"),
            Expect::Reject(Some(code), text) => write!(f, "reject, code {code}: `{text}`"),
            Expect::Reject(None, text) => write!(f, "reject (no code): `…{text}…`"),
        }
    }
}

/// One hostile request.
pub struct Case {
    pub name: &'static str,
    /// What the README's table calls it.
    pub description: &'static str,
    pub expect: Expect,
    pub payload: fn() -> String,
}

/// Every hostile case, in the README table's order; the one with Istio's own templates only
/// when the conformance data set (`../shared/istio-conformance/`) is present.
pub fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case {
            name: "deep-json",
            description: "JSON nested 10,000 deep in the pod",
            expect: Expect::Reject(Some(400), "recursion limit exceeded"),
            payload: || {
                let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
                let pod = base_pod().to_string();
                let pod = pod.replacen("\"spec\":{", &format!("\"spec\":{{\"x\":{deep},"), 1);
                payload_text(&pod, &json!({}))
            },
        },
        Case {
            name: "6MiB-request",
            description: "a 6 MiB request (Istio's body cap): one 6 MiB annotation",
            expect: Expect::Inject,
            payload: || {
                let mut pod = base_pod();
                pod["metadata"]["annotations"]["blob"] = json!("x".repeat(6 << 20));
                payload(&pod, &json!({}))
            },
        },
        Case {
            name: "10k-containers",
            description: "10,000 containers",
            expect: Expect::Reject(
                Some(400),
                "the pod has 10000 containers and init containers",
            ),
            payload: || payload(&many_containers(10_000), &json!({})),
        },
        Case {
            name: "1MiB-annotation",
            description: "a 1 MiB `traffic.sidecar.istio.io/excludeOutboundPorts`",
            expect: Expect::Reject(None, "excludeOutboundPorts"),
            payload: || {
                let mut pod = base_pod();
                let ports = "8080,".repeat((1 << 20) / 5);
                pod["metadata"]["annotations"]["traffic.sidecar.istio.io/excludeOutboundPorts"] =
                    json!(ports);
                payload(&pod, &json!({}))
            },
        },
        Case {
            name: "billion-laughs",
            description: "`proxy.istio.io/config` with billion-laughs aliases",
            expect: Expect::Reject(None, "invalid YAML: repetition limit exceeded"),
            payload: || {
                let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
                for i in 1..10 {
                    let prev = format!("*a{}", i - 1);
                    let row = [prev.as_str(); 10].join(", ");
                    yaml.push_str(&format!("a{i}: &a{i} [{row}]\n"));
                }
                yaml.push_str("concurrency: 2\n");
                let mut pod = base_pod();
                pod["metadata"]["annotations"]["proxy.istio.io/config"] = json!(yaml);
                payload(&pod, &json!({}))
            },
        },
        Case {
            name: "template-recursion",
            description: "a template calling itself",
            expect: Expect::Reject(None, "exceeded maximum template depth (100)"),
            payload: || {
                payload(
                    &base_pod(),
                    &template_settings(
                        r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#,
                    ),
                )
            },
        },
        Case {
            name: "template-range",
            description: "a template ranging over a huge value (containers × containers × 1,000)",
            expect: Expect::Reject(None, "exceeded the step budget (1000000 steps)"),
            payload: || {
                let text = r#"{{range .Spec.Containers}}{{range $.Spec.Containers}}{{range $.Spec.Containers}}x{{end}}{{end}}{{end}}"#;
                let mut pod = base_pod();
                pod["spec"]["containers"] = (0..1_000)
                    .map(|i| json!({"name": format!("c{i}"), "image": "app:1"}))
                    .collect();
                payload(&pod, &template_settings(text))
            },
        },
        Case {
            name: "template-gigabyte",
            description: "a template printing 2 GiB (a 64 KiB text, doubled by 15 templates)",
            expect: Expect::Reject(None, "output exceeds the limit of 16777216 bytes"),
            payload: || {
                let mut text = format!(r#"{{{{define "t0"}}}}{}{{{{end}}}}"#, "x".repeat(1 << 16));
                for i in 1..=15 {
                    let p = i - 1;
                    text.push_str(&format!(
                        r#"{{{{define "t{i}"}}}}{{{{template "t{p}"}}}}{{{{template "t{p}"}}}}{{{{end}}}}"#
                    ));
                }
                text.push_str(r#"{{template "t15"}}"#);
                payload(&base_pod(), &template_settings(&text))
            },
        },
    ];
    if istio_template_settings().is_some() {
        cases.insert(
            3,
            Case {
                name: "1k-containers-istio-templates",
                description: "1,000 containers (the most the policy injects), Istio's own templates",
                expect: Expect::Inject,
                payload: || {
                    let settings = istio_template_settings().unwrap_or_default();
                    payload(&many_containers(1_000), &settings)
                },
            },
        );
    }
    cases
}

/// A pod with `n` containers, each with a port.
fn many_containers(n: u32) -> Value {
    let mut pod = base_pod();
    pod["spec"]["containers"] = (0..n)
        .map(|i| json!({"name": format!("c{i}"), "image": "app:1", "ports": [{"containerPort": 8000 + i % 1000}]}))
        .collect();
    pod
}

/// Istio's templates, values and mesh config inline as the ConfigMaps' strings.
fn istio_template_settings() -> Option<Value> {
    let base = crate::paths::conformance_dir()?.join("base");
    let read = |name: &str| std::fs::read_to_string(base.join(name)).ok();
    Some(json!({
        "injectorConfig": read("injector-config.yaml")?,
        "values": read("values.json")?,
        "meshConfig": read("mesh.yaml")?,
    }))
}

/// A plain pod the policy injects with default settings.
pub fn base_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "hostile", "namespace": "default", "annotations": {}},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]}
    })
}

fn template_settings(sidecar: &str) -> Value {
    json!({"injectorConfig": {"policy": "enabled", "templates": {"sidecar": sidecar}}})
}

fn payload(pod: &Value, settings: &Value) -> String {
    payload_text(&pod.to_string(), settings)
}

fn payload_text(pod: &str, settings: &Value) -> String {
    format!(
        r#"{{"request":{{"uid":"hostile","kind":{{"group":"","version":"v1","kind":"Pod"}},"resource":{{"group":"","version":"v1","resource":"pods"}},"operation":"CREATE","namespace":"default","userInfo":{{"username":"hostile"}},"object":{pod}}},"settings":{settings}}}"#
    )
}

/// What one evaluation answered, and what it took.
#[derive(Debug)]
pub struct Answer {
    pub accepted: bool,
    pub code: Option<u16>,
    pub message: Option<String>,
    pub patched: bool,
    pub wall: Duration,
}

impl Answer {
    /// Whether this is what `expect` asks for; otherwise why not.
    pub fn check(&self, expect: Expect) -> std::result::Result<(), String> {
        let ok = match expect {
            Expect::Inject => self.accepted && self.patched,
            Expect::Reject(code, text) => {
                !self.accepted
                    && self.code == code
                    && self.message.as_deref().is_some_and(|m| m.contains(text))
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "expected {expect:?}, got accepted={} patched={} code={:?} message={:?}",
                self.accepted,
                self.patched,
                self.code,
                self.message.as_deref().map(abbreviated)
            ))
        }
    }
}

/// A message's head and tail: a rejection may quote a megabyte of the request.
fn abbreviated(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    if chars.len() <= 400 {
        return message.to_owned();
    }
    let head: String = chars[..200].iter().collect();
    let tail: String = chars[chars.len() - 200..].iter().collect();
    format!("{head} … {tail}")
}

/// Runs `payload` through `validate` on a fresh instance of `policy`.
pub fn run(policy: &Policy, payload: &str) -> Result<Answer> {
    let started = Instant::now();
    let (answer, _) = policy.call("validate", payload.as_bytes(), &FixtureHost::new())?;
    let wall = started.elapsed();
    let bytes = answer.map_err(|message| HarnessError::GuestCall {
        operation: "validate".to_owned(),
        message,
    })?;
    let response: Value =
        serde_json::from_slice(&bytes).map_err(|e| HarnessError::BadResponse {
            operation: "validate".to_owned(),
            expected: "a ValidationResponse",
            message: e.to_string(),
        })?;
    Ok(Answer {
        accepted: response["accepted"].as_bool().unwrap_or(false),
        code: response["code"]
            .as_u64()
            .and_then(|c| u16::try_from(c).ok()),
        message: response["message"].as_str().map(str::to_owned),
        patched: response.get("mutated_object").is_some_and(|o| !o.is_null()),
        wall,
    })
}

/// The smallest linear-memory cap (to 1 MiB) under which `payload` still gets its answer: the
/// evaluation's peak linear memory, since a wasm memory never shrinks and a grow past the cap
/// traps.
pub fn peak_memory(policy: &Policy, payload: &str) -> Result<usize> {
    const MIB: usize = 1 << 20;
    let (mut low, mut high) = (1usize, MEMORY_CAP / MIB);
    let fits = |mib: usize| -> Result<bool> {
        let capped = policy.clone().with_memory_limit(mib * MIB)?;
        Ok(run(&capped, payload).is_ok())
    };
    if !fits(high)? {
        return Err(HarnessError::GuestCall {
            operation: "validate".to_owned(),
            message: format!("does not fit in {} MiB", MEMORY_CAP / MIB),
        });
    }
    while low < high {
        let mid = (low + high) / 2;
        if fits(mid)? {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    Ok(high * MIB)
}

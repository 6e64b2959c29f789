//! The request classes of the soak and, for each, the one answer the policy server must give.

use serde_json::{Value, json};

use crate::http::Response;

/// One kind of request and how its answer is checked.
pub struct Class {
    pub name: &'static str,
    /// The policy it is sent to.
    pub policy: &'static str,
    pub body: Vec<u8>,
    pub check: fn(&Response) -> Result<(), String>,
}

/// Sent to the good policy in both phases.
pub fn mixed(pod_create: &Value) -> Vec<Class> {
    let review = |object: Value, kind: &str| {
        let mut request = pod_create.clone();
        request["object"] = object;
        request["kind"]["kind"] = json!(kind);
        serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}))
            .expect("JSON serialises")
    };
    let pod = &pod_create["object"];
    let annotated = |key: &str, value: &str| {
        let mut pod = pod.clone();
        pod["metadata"]["annotations"][key] = json!(value);
        pod
    };
    let mut oversized = pod.clone();
    oversized["metadata"]["annotations"]["blob"] = json!("x".repeat(3 << 20));
    vec![
        Class {
            name: "inject",
            policy: "good",
            body: review(pod.clone(), "Pod"),
            check: |r| admission(r, true, Some(true), None),
        },
        Class {
            name: "opted-out",
            policy: "good",
            body: review(annotated("sidecar.istio.io/inject", "false"), "Pod"),
            check: |r| admission(r, true, Some(false), None),
        },
        Class {
            name: "non-pod",
            policy: "good",
            body: review(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}),
                "ConfigMap",
            ),
            check: |r| admission(r, true, Some(false), None),
        },
        Class {
            name: "bad-annotation",
            policy: "good",
            body: review(
                annotated("traffic.sidecar.istio.io/excludeOutboundPorts", "80,abc"),
                "Pod",
            ),
            check: |r| admission(r, false, None, Some("excludeOutboundPorts")),
        },
        Class {
            name: "malformed",
            policy: "good",
            body: b"{\"request\": not json".to_vec(),
            check: |r| status(r, 400, "Failed to parse the request body as JSON"),
        },
        Class {
            name: "oversized",
            policy: "good",
            body: review(oversized, "Pod"),
            check: |r| status(r, 413, "length limit exceeded"),
        },
    ]
}

/// Sent to the runaway policy in the second phase: a pod that sends its template into the loop.
pub fn runaway(pod_create: &Value) -> Class {
    let mut request = pod_create.clone();
    request["object"]["metadata"]["annotations"][RUNAWAY] = json!("true");
    Class {
        name: "runaway",
        policy: "runaway",
        body: serde_json::to_vec(
            &json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}),
        )
        .expect("JSON serialises"),
        check: |r| admission(r, false, None, Some("exceeded the step budget")),
    }
}

/// The annotation that sends the runaway policy's template into its loop. Other pods get a
/// plain sidecar: `validate_settings` injects a plain pod and refuses a template that fails it.
const RUNAWAY: &str = "soak.example/runaway";

/// The settings of the runaway policy: for annotated pods, 25 templates each calling the
/// previous twice, 2^25 calls, far past the template engine's step budget.
pub fn runaway_settings() -> Value {
    let mut text = format!(
        "{{{{if index .ObjectMeta.Annotations \"{RUNAWAY}\"}}}}{{{{template \"t25\"}}}}{{{{else}}}}\
         spec:\n  containers:\n  - name: istio-proxy\n    image: proxyv2\n{{{{end}}}}"
    );
    text.push_str(r#"{{define "t0"}}x{{end}}"#);
    for i in 1..=25 {
        let p = i - 1;
        text.push_str(&format!(
            r#"{{{{define "t{i}"}}}}{{{{template "t{p}"}}}}{{{{template "t{p}"}}}}{{{{end}}}}"#
        ));
    }
    json!({"injectorConfig": {"policy": "enabled", "templates": {"sidecar": text}}})
}

/// An AdmissionReview answer: 200, allowed or not, patched or not, a message containing `text`.
fn admission(
    r: &Response,
    allowed: bool,
    patched: Option<bool>,
    text: Option<&str>,
) -> Result<(), String> {
    if r.status != 200 {
        return Err(format!(
            "HTTP {}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ));
    }
    let review: Value = serde_json::from_slice(&r.body).map_err(|e| format!("not JSON ({e})"))?;
    let response = &review["response"];
    if response["allowed"].as_bool() != Some(allowed) {
        return Err(format!("allowed is not {allowed}: {response}"));
    }
    if let Some(patched) = patched
        && response.get("patch").is_some_and(|p| !p.is_null()) != patched
    {
        return Err(format!("patched is not {patched}: {response}"));
    }
    if let Some(text) = text {
        let message = response["status"]["message"].as_str().unwrap_or_default();
        if !message.contains(text) {
            return Err(format!("message does not say {text:?}: {message:?}"));
        }
    }
    Ok(())
}

/// A policy-server error answer: this status and a message containing `text`.
fn status(r: &Response, code: u16, text: &str) -> Result<(), String> {
    let body = String::from_utf8_lossy(&r.body);
    if r.status == code && body.contains(text) {
        Ok(())
    } else {
        Err(format!(
            "expected HTTP {code} saying {text:?}, got {}: {body}",
            r.status
        ))
    }
}

//! Application probe rewriting (Istio's `app_probe.go` and `applyRewrite`).
//!
//! With mutual TLS the kubelet cannot reach the application's HTTP/TCP/gRPC probes directly, so
//! every probe and lifecycle hook of the application containers is redirected to the agent's
//! status port (`/app-health/<container>/readyz` …), and the original probes are handed to the
//! agent in env `ISTIO_KUBE_APP_PROBERS`, which then runs them from inside the pod.

use super::containers::{self, CONTAINERS, INIT_CONTAINERS, PROXY};
pub use crate::annotation::REWRITE_APP_HTTP_PROBERS as REWRITE_ANNOTATION;
pub use crate::annotation::STATUS_PORT as STATUS_PORT_ANNOTATION;
use crate::golang::json as gojson;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// The env through which the agent learns the original probes.
pub const PROBERS_ENV: &str = "ISTIO_KUBE_APP_PROBERS";

/// Istio's `ShouldRewriteAppHTTPProbers`: the pod annotation when it parses as a boolean,
/// else the injector's setting (`sidecarInjectorWebhook.rewriteAppHTTPProbe`).
pub fn should_rewrite(annotations: Option<&Map<String, Value>>, default: bool) -> bool {
    annotations
        .and_then(|a| a.get(REWRITE_ANNOTATION))
        .and_then(Value::as_str)
        .and_then(super::prometheus::parse_go_bool)
        .unwrap_or(default)
}

/// The agent URLs of one container's probes and hooks (Istio's `status.FormatProberURL`).
struct ProberUrls {
    readyz: String,
    livez: String,
    startupz: String,
    prestopz: String,
    poststartz: String,
}

impl ProberUrls {
    fn of(container: &str) -> ProberUrls {
        ProberUrls {
            readyz: format!("/app-health/{container}/readyz"),
            livez: format!("/app-health/{container}/livez"),
            startupz: format!("/app-health/{container}/startupz"),
            prestopz: format!("/app-lifecycle/{container}/prestopz"),
            poststartz: format!("/app-lifecycle/{container}/poststartz"),
        }
    }
}

/// `intstr.IntOrString`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i32),
    Str(String),
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HttpHeader {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

/// `corev1.HTTPGetAction`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HttpGetAction {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub port: Option<IntOrString>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub scheme: Option<String>,
    #[serde(default, rename = "httpHeaders")]
    pub http_headers: Option<Vec<HttpHeader>>,
}

/// `corev1.TCPSocketAction`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TcpSocketAction {
    #[serde(default)]
    pub port: Option<IntOrString>,
    #[serde(default)]
    pub host: Option<String>,
}

/// `corev1.GRPCAction`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GrpcAction {
    #[serde(default)]
    pub port: Option<i32>,
    #[serde(default)]
    pub service: Option<String>,
}

/// Istio's `Prober`: one probe as the agent runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Prober {
    #[serde(default, rename = "httpGet")]
    pub http_get: Option<HttpGetAction>,
    #[serde(default, rename = "tcpSocket")]
    pub tcp_socket: Option<TcpSocketAction>,
    #[serde(default)]
    pub grpc: Option<GrpcAction>,
    #[serde(default, rename = "timeoutSeconds")]
    pub timeout_seconds: Option<i32>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

fn write_int_or_string(out: &mut String, value: &Option<IntOrString>) {
    match value {
        None => out.push('0'),
        Some(IntOrString::Int(n)) => {
            let _ = write!(out, "{n}");
        }
        Some(IntOrString::Str(s)) => gojson::write_string(out, s),
    }
}

impl Prober {
    /// Go's JSON of the struct (k8s field order; `omitempty` where k8s has it).
    fn write_json(&self, out: &mut String) {
        let mut first = true;
        let mut field = |out: &mut String, name: &str| {
            out.push(if first { '{' } else { ',' });
            first = false;
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
        };
        if let Some(action) = &self.http_get {
            field(out, "httpGet");
            let mut parts = String::new();
            if let Some(path) = non_empty(&action.path) {
                parts.push_str("\"path\":");
                gojson::write_string(&mut parts, path);
                parts.push(',');
            }
            parts.push_str("\"port\":");
            write_int_or_string(&mut parts, &action.port);
            if let Some(host) = non_empty(&action.host) {
                parts.push_str(",\"host\":");
                gojson::write_string(&mut parts, host);
            }
            if let Some(scheme) = non_empty(&action.scheme) {
                parts.push_str(",\"scheme\":");
                gojson::write_string(&mut parts, scheme);
            }
            if let Some(headers) = action.http_headers.as_ref().filter(|h| !h.is_empty()) {
                parts.push_str(",\"httpHeaders\":[");
                for (i, header) in headers.iter().enumerate() {
                    if i > 0 {
                        parts.push(',');
                    }
                    parts.push_str("{\"name\":");
                    gojson::write_string(&mut parts, header.name.as_deref().unwrap_or(""));
                    parts.push_str(",\"value\":");
                    gojson::write_string(&mut parts, header.value.as_deref().unwrap_or(""));
                    parts.push('}');
                }
                parts.push(']');
            }
            out.push('{');
            out.push_str(&parts);
            out.push('}');
        }
        if let Some(action) = &self.tcp_socket {
            field(out, "tcpSocket");
            out.push_str("{\"port\":");
            write_int_or_string(out, &action.port);
            if let Some(host) = non_empty(&action.host) {
                out.push_str(",\"host\":");
                gojson::write_string(out, host);
            }
            out.push('}');
        }
        if let Some(action) = &self.grpc {
            field(out, "grpc");
            let _ = write!(out, "{{\"port\":{}", action.port.unwrap_or(0));
            // `service` is a pointer without omitempty in k8s: nil encodes as null.
            out.push_str(",\"service\":");
            match &action.service {
                Some(service) => gojson::write_string(out, service),
                None => out.push_str("null"),
            }
            out.push('}');
        }
        if let Some(timeout) = self.timeout_seconds.filter(|t| *t != 0) {
            field(out, "timeoutSeconds");
            let _ = write!(out, "{timeout}");
        }
        if first {
            out.push('{');
        }
        out.push('}');
    }
}

/// Istio's `KubeAppProbers` (a Go map: encoded with sorted keys; a nil entry is `null`).
pub type KubeAppProbers = BTreeMap<String, Option<Prober>>;

/// Go's JSON of the probers map.
pub fn probers_json(probers: &KubeAppProbers) -> String {
    let mut out = String::with_capacity(64 * probers.len() + 2);
    out.push('{');
    for (i, (key, prober)) in probers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        gojson::write_string(&mut out, key);
        out.push(':');
        match prober {
            Some(prober) => prober.write_json(&mut out),
            None => out.push_str("null"),
        }
    }
    out.push('}');
    out
}

/// Decodes probers JSON as Go's `json.Unmarshal` into `KubeAppProbers` would; `None` on error.
pub fn parse_probers(text: &str) -> Option<KubeAppProbers> {
    serde_json::from_str::<Option<KubeAppProbers>>(text)
        .ok()
        .map(Option::unwrap_or_default)
}

fn decode<T: for<'de> Deserialize<'de>>(value: Option<&Value>) -> Option<T> {
    value
        .filter(|v| v.is_object())
        .and_then(|v| T::deserialize(v).ok())
}

/// Istio's `kubeProbeToInternalProber`.
fn probe_to_prober(probe: Option<&Value>) -> Option<Prober> {
    let probe = probe?;
    let timeout_seconds = probe
        .get("timeoutSeconds")
        .and_then(Value::as_i64)
        .and_then(|t| i32::try_from(t).ok());
    if let Some(action) = decode::<HttpGetAction>(probe.get("httpGet")) {
        return Some(Prober {
            http_get: Some(action),
            timeout_seconds,
            ..Prober::default()
        });
    }
    if let Some(action) = decode::<TcpSocketAction>(probe.get("tcpSocket")) {
        return Some(Prober {
            tcp_socket: Some(action),
            timeout_seconds,
            ..Prober::default()
        });
    }
    if let Some(action) = decode::<GrpcAction>(probe.get("grpc")) {
        return Some(Prober {
            grpc: Some(action),
            timeout_seconds,
            ..Prober::default()
        });
    }
    None
}

/// Istio's `kubeLifecycleHandlerToInternalProber` (only HTTP and TCP hooks can be proxied).
fn handler_to_prober(handler: Option<&Value>) -> Option<Prober> {
    let handler = handler?;
    if let Some(action) = decode::<HttpGetAction>(handler.get("httpGet")) {
        return Some(Prober {
            http_get: Some(action),
            ..Prober::default()
        });
    }
    decode::<TcpSocketAction>(handler.get("tcpSocket")).map(|action| Prober {
        tcp_socket: Some(action),
        ..Prober::default()
    })
}

/// Istio's `updateNamedPort`: a named port is resolved through the container's own ports
/// (unresolvable → the probe is not proxied); a probe already aimed at the status port was
/// rewritten by an earlier injection and is skipped.
fn resolve_port(
    mut prober: Prober,
    named: &HashMap<&str, i64>,
    target_port: i32,
) -> Option<Prober> {
    if prober.grpc.is_some() {
        return Some(prober);
    }
    let port = match (&mut prober.http_get, &mut prober.tcp_socket) {
        (Some(action), _) => &mut action.port,
        (None, Some(action)) => &mut action.port,
        (None, None) => return None,
    };
    match port {
        Some(IntOrString::Str(name)) => {
            let number = named.get(name.as_str())?;
            *port = Some(IntOrString::Int(i32::try_from(*number).ok()?));
        }
        Some(IntOrString::Int(n)) if *n == target_port => return None,
        None if target_port == 0 => return None,
        _ => {}
    }
    Some(prober)
}

/// Istio's `DumpAppProbers`: the probes and hooks of every non-proxy container (init
/// containers first), keyed by agent URL. `None` when there is nothing to proxy.
pub fn dump_app_probers(pod: &Value, target_port: i32) -> Option<String> {
    let mut out = KubeAppProbers::new();
    let all = containers::list(pod, INIT_CONTAINERS)
        .iter()
        .chain(containers::list(pod, CONTAINERS));
    for container in all {
        let name = containers::name(container);
        if name == PROXY {
            continue;
        }
        let named: HashMap<&str, i64> = container
            .get("ports")
            .and_then(Value::as_array)
            .map(|ports| {
                ports
                    .iter()
                    .filter_map(|p| {
                        let port_name = p
                            .get("name")
                            .and_then(Value::as_str)
                            .filter(|n| !n.is_empty())?;
                        Some((
                            port_name,
                            p.get("containerPort").and_then(Value::as_i64).unwrap_or(0),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let urls = ProberUrls::of(name);
        let lifecycle = container.get("lifecycle");
        let candidates = [
            (
                urls.readyz,
                probe_to_prober(container.get("readinessProbe")),
            ),
            (urls.livez, probe_to_prober(container.get("livenessProbe"))),
            (
                urls.startupz,
                probe_to_prober(container.get("startupProbe")),
            ),
            (
                urls.prestopz,
                handler_to_prober(lifecycle.and_then(|l| l.get("preStop"))),
            ),
            (
                urls.poststartz,
                handler_to_prober(lifecycle.and_then(|l| l.get("postStart"))),
            ),
        ];
        for (url, prober) in candidates {
            if let Some(prober) = prober.and_then(|p| resolve_port(p, &named, target_port)) {
                out.insert(url, Some(prober));
            }
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(probers_json(&out))
    }
}

/// Istio's `mergeOrAppendProbers`: on re-injection the probers already in the env win over the
/// new ones (the new ones were computed from probes rewritten by the previous injection).
pub fn merge_or_append_probers(previously_injected: bool, env: &mut Vec<Value>, new_probers: &str) {
    if previously_injected
        && let Some(entry) = env.iter_mut().find(|e| containers::name(e) == PROBERS_ENV)
    {
        let existing = entry.get("value").and_then(Value::as_str).unwrap_or("");
        // Undecodable values are left as they are, as Istio does.
        let (Some(existing), Some(mut merged)) =
            (parse_probers(existing), parse_probers(new_probers))
        else {
            return;
        };
        merged.extend(existing);
        *entry = containers::env_var(PROBERS_ENV, &probers_json(&merged));
        return;
    }
    env.push(containers::env_var(PROBERS_ENV, new_probers));
}

/// Points an HTTP action at the agent (Istio's `rewriteHTTPGetAction`).
fn rewrite_http_get(action: &mut Map<String, Value>, url: &str, status_port: i32) {
    action.insert("port".into(), Value::from(status_port));
    action.insert("path".into(), Value::String(url.to_string()));
    if action.get("scheme").and_then(Value::as_str) == Some("HTTPS") {
        action.insert("scheme".into(), Value::String("HTTP".into()));
    }
}

/// Rewrites one probe or handler in place. TCP (and for probes gRPC) checks become HTTP checks
/// against the agent, which performs the original check itself.
fn convert_handler(handler: &mut Value, url: &str, status_port: i32, allow_grpc: bool) {
    let Some(handler) = handler.as_object_mut() else {
        return;
    };
    if let Some(action) = handler.get_mut("httpGet").and_then(Value::as_object_mut) {
        rewrite_http_get(action, url, status_port);
        return;
    }
    let replaced = if handler.get("tcpSocket").is_some_and(Value::is_object) {
        "tcpSocket"
    } else if allow_grpc && handler.get("grpc").is_some_and(Value::is_object) {
        "grpc"
    } else {
        return;
    };
    let mut action = Map::new();
    rewrite_http_get(&mut action, url, status_port);
    handler.insert("httpGet".into(), Value::Object(action));
    handler.remove(replaced);
}

/// Istio's `convertProbe` on one container.
fn convert_container(container: &mut Value, status_port: i32) {
    let urls = ProberUrls::of(containers::name(container));
    let Some(fields) = container.as_object_mut() else {
        return;
    };
    for (field, url) in [
        ("readinessProbe", &urls.readyz),
        ("livenessProbe", &urls.livez),
        ("startupProbe", &urls.startupz),
    ] {
        if let Some(probe) = fields.get_mut(field) {
            convert_handler(probe, url, status_port, true);
        }
    }
    if let Some(lifecycle) = fields.get_mut("lifecycle").and_then(Value::as_object_mut) {
        for (hook, url) in [("preStop", &urls.prestopz), ("postStart", &urls.poststartz)] {
            if let Some(handler) = lifecycle.get_mut(hook) {
                convert_handler(handler, url, status_port, false);
            }
        }
    }
}

/// Istio's `patchRewriteProbe`: every application probe and HTTP/TCP hook now targets the
/// agent's status port (the pod's `status.sidecar.istio.io/port`, else `default_port`).
pub fn patch_rewrite_probe(pod: &mut Value, default_port: i32) {
    let status_port = match containers::annotation(pod, STATUS_PORT_ANNOTATION) {
        // Go's Atoi yields 0 on error; the annotation was validated as a port before this.
        Some(text) => text.parse::<i32>().unwrap_or(0),
        None => default_port,
    };
    for field in [CONTAINERS, INIT_CONTAINERS] {
        if let Some(list) = containers::list_mut(pod, field) {
            for container in list.iter_mut().filter(|c| containers::name(c) != PROXY) {
                convert_container(container, status_port);
            }
        }
    }
}

/// Istio's `applyRewrite`: `default_rewrite` is the injector's `rewriteAppHTTPProbe` setting,
/// `status_port` the mesh default ProxyConfig's.
pub fn apply_rewrite(pod: &mut Value, default_rewrite: bool, status_port: i32) {
    if containers::find_sidecar(pod).is_none() {
        return;
    }
    if !should_rewrite(containers::annotations(pod), default_rewrite) {
        return;
    }
    if let Some(probers) = dump_app_probers(pod, status_port) {
        let previously_injected = containers::annotation(pod, super::status::ANNOTATION).is_some();
        if let Some(env) = containers::find_sidecar_mut(pod).and_then(containers::env_mut) {
            merge_or_append_probers(previously_injected, env, &probers);
        }
    }
    patch_rewrite_probe(pod, status_port);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(pairs: &[(&str, &str)]) -> Vec<Value> {
        pairs
            .iter()
            .map(|(n, v)| containers::env_var(n, v))
            .collect()
    }

    // Istio's TestMergeOrAppendProbers.
    #[test]
    fn merge_or_append_cases() {
        let foo =
            r#"{"/app-health/foo/livez":{"httpGet":{"path":"/","port":8000,"scheme":"HTTP"}}}"#;
        let bar =
            r#"{"/app-health/bar/livez":{"httpGet":{"path":"/","port":9000,"scheme":"HTTP"}}}"#;
        let both = r#"{"/app-health/bar/livez":{"httpGet":{"path":"/","port":9000,"scheme":"HTTP"}},"/app-health/foo/livez":{"httpGet":{"path":"/","port":8000,"scheme":"HTTP"}}}"#;

        let mut appended = Vec::new();
        merge_or_append_probers(false, &mut appended, both);
        assert_eq!(appended, env(&[(PROBERS_ENV, both)]));

        let mut merged = env(&[
            ("TEST_ENV_VAR1", "value1"),
            (PROBERS_ENV, foo),
            ("TEST_ENV_VAR2", "value2"),
        ]);
        merge_or_append_probers(true, &mut merged, bar);
        assert_eq!(
            merged,
            env(&[
                ("TEST_ENV_VAR1", "value1"),
                (PROBERS_ENV, both),
                ("TEST_ENV_VAR2", "value2")
            ])
        );

        let mut absent = env(&[("TEST_ENV_VAR1", "value1"), ("TEST_ENV_VAR2", "value2")]);
        merge_or_append_probers(true, &mut absent, bar);
        assert_eq!(
            absent,
            env(&[
                ("TEST_ENV_VAR1", "value1"),
                ("TEST_ENV_VAR2", "value2"),
                (PROBERS_ENV, bar)
            ])
        );
    }

    #[test]
    fn existing_probers_win_and_bad_ones_are_kept() {
        let old = r#"{"/app-health/a/readyz":{"httpGet":{"port":80}}}"#;
        let new =
            r#"{"/app-health/a/readyz":{"httpGet":{"path":"/app-health/a/readyz","port":15020}}}"#;
        let mut e = env(&[(PROBERS_ENV, old)]);
        merge_or_append_probers(true, &mut e, new);
        assert_eq!(e, env(&[(PROBERS_ENV, old)]));

        for bad in ["not json", "[1]", r#"{"/x":{"httpGet":{"port":1.5}}}"#] {
            let mut e = env(&[(PROBERS_ENV, bad)]);
            merge_or_append_probers(true, &mut e, new);
            assert_eq!(e, env(&[(PROBERS_ENV, bad)]));
        }
    }

    // Istio's TestShouldRewriteAppHTTPProbers.
    #[test]
    fn should_rewrite_cases() {
        let annotated = |v: &str| json!({REWRITE_ANNOTATION: v}).as_object().cloned();
        let empty = Some(Map::new());
        let cases = [
            (false, None, false),
            (true, None, true),
            (false, empty.clone(), false),
            (true, empty, true),
            (false, annotated("true"), true),
            (true, annotated("true"), true),
            (false, annotated("false"), false),
            (true, annotated("false"), false),
        ];
        for (setting, annotations, want) in cases {
            assert_eq!(
                should_rewrite(annotations.as_ref(), setting),
                want,
                "{setting} {annotations:?}"
            );
        }
    }

    // Istio's TestDumpAppGRPCProbers.
    #[test]
    fn dump_grpc_probers_cases() {
        let cases = [
            (
                json!({"name": "foo", "ports": [{"containerPort": 1234}], "livenessProbe": {"grpc": {"port": 1234}}}),
                json!({"/app-health/foo/livez": {"grpc": {"port": 1234, "service": null}}}),
            ),
            (
                json!({"name": "bar", "ports": [{"containerPort": 1234}],
                    "readinessProbe": {"grpc": {"port": 1234, "service": "foo"}}}),
                json!({"/app-health/bar/readyz": {"grpc": {"port": 1234, "service": "foo"}}}),
            ),
            (
                json!({"name": "foo", "ports": [{"containerPort": 1234}],
                    "startupProbe": {"grpc": {"port": 1234, "service": "foo"}, "timeoutSeconds": 10},
                    "lifecycle": {"preStop": {"httpGet": {"path": "/foo", "port": 1234, "host": "foo", "scheme": "HTTP"}}}}),
                json!({
                    "/app-health/foo/startupz": {"grpc": {"port": 1234, "service": "foo"}, "timeoutSeconds": 10},
                    "/app-lifecycle/foo/prestopz": {"httpGet": {"path": "/foo", "port": 1234, "host": "foo", "scheme": "HTTP"}}
                }),
            ),
        ];
        for (container, want) in cases {
            let pod = json!({"spec": {"containers": [container]}});
            let got =
                dump_app_probers(&pod, 15020).and_then(|s| serde_json::from_str::<Value>(&s).ok());
            assert_eq!(got, Some(want));
        }
    }

    fn app(container: Value) -> Value {
        json!({"spec": {"containers": [container, {"name": "istio-proxy"}]}})
    }

    #[test]
    fn dump_named_ports_and_timeouts() {
        // The named_port golden: `http` resolves to 80 through the container's ports.
        let pod = app(json!({
            "name": "hello",
            "ports": [{"name": "http", "containerPort": 80}],
            "readinessProbe": {"httpGet": {"port": "http"}}
        }));
        assert_eq!(
            dump_app_probers(&pod, 15020).as_deref(),
            Some(r#"{"/app-health/hello/readyz":{"httpGet":{"port":80}}}"#)
        );
        let pod = app(json!({
            "name": "hello",
            "livenessProbe": {"httpGet": {"port": "missing"}},
            "readinessProbe": {"httpGet": {"path": "/ip", "port": 8000, "scheme": "HTTPS", "host": "h",
                "httpHeaders": [{"name": "a", "value": "<b>"}]}, "timeoutSeconds": 3},
            "startupProbe": {"exec": {"command": ["true"]}}
        }));
        assert_eq!(
            dump_app_probers(&pod, 15020).as_deref(),
            Some(
                r#"{"/app-health/hello/readyz":{"httpGet":{"path":"/ip","port":8000,"host":"h","scheme":"HTTPS","httpHeaders":[{"name":"a","value":"\u003cb\u003e"}]},"timeoutSeconds":3}}"#
            )
        );
    }

    #[test]
    fn dump_tcp_grpc_lifecycle_and_init_containers() {
        let pod = json!({"spec": {
            "initContainers": [{"name": "init", "readinessProbe": {"grpc": {"port": 9000}}}],
            "containers": [{
                "name": "hello",
                "livenessProbe": {"tcpSocket": {"port": 80}},
                "lifecycle": {"preStop": {"httpGet": {"port": 91}}, "postStart": {"tcpSocket": {"port": 93}}}
            }]
        }});
        assert_eq!(
            dump_app_probers(&pod, 15020).as_deref(),
            Some(concat!(
                r#"{"/app-health/hello/livez":{"tcpSocket":{"port":80}},"#,
                r#""/app-health/init/readyz":{"grpc":{"port":9000,"service":null}},"#,
                r#""/app-lifecycle/hello/poststartz":{"tcpSocket":{"port":93}},"#,
                r#""/app-lifecycle/hello/prestopz":{"httpGet":{"port":91}}}"#
            ))
        );
        // Already rewritten probes and a pod without probes dump nothing.
        let rewritten = app(
            json!({"name": "a", "readinessProbe": {"httpGet": {"path": "/app-health/a/readyz", "port": 15020}}}),
        );
        assert_eq!(dump_app_probers(&rewritten, 15020), None);
        assert_eq!(dump_app_probers(&app(json!({"name": "a"})), 15020), None);
    }

    // Istio's TestPatchRewriteProbe.
    #[test]
    fn patch_rewrite_probe_cases() {
        let mut none = json!({"spec": {"containers": [{"name": "foo"}]}});
        patch_rewrite_probe(&mut none, 15020);
        assert_eq!(none, json!({"spec": {"containers": [{"name": "foo"}]}}));

        let mut grpc = json!({"spec": {"containers": [
            {"name": "foo",
             "livenessProbe": {"grpc": {"port": 1234, "service": "foo"}},
             "readinessProbe": {"grpc": {"port": 1235, "service": "foo"}, "timeoutSeconds": 10}},
            {"name": "bar",
             "startupProbe": {"grpc": {"port": 1236}, "timeoutSeconds": 20, "periodSeconds": 10, "initialDelaySeconds": 10}}
        ]}});
        patch_rewrite_probe(&mut grpc, 15020);
        assert_eq!(
            grpc,
            json!({"spec": {"containers": [
                {"name": "foo",
                 "livenessProbe": {"httpGet": {"path": "/app-health/foo/livez", "port": 15020}},
                 "readinessProbe": {"httpGet": {"path": "/app-health/foo/readyz", "port": 15020}, "timeoutSeconds": 10}},
                {"name": "bar",
                 "startupProbe": {"httpGet": {"path": "/app-health/bar/startupz", "port": 15020},
                    "timeoutSeconds": 20, "periodSeconds": 10, "initialDelaySeconds": 10}}
            ]}})
        );
    }

    #[test]
    fn rewrite_http_tcp_grpc_and_hooks() {
        let mut pod = json!({
            "metadata": {"annotations": {STATUS_PORT_ANNOTATION: "123"}},
            "spec": {"containers": [{
                "name": "hello",
                "readinessProbe": {"httpGet": {"path": "/ip", "port": 8000, "scheme": "HTTPS", "host": "h"}, "periodSeconds": 5},
                "livenessProbe": {"tcpSocket": {"port": 80}},
                "startupProbe": {"grpc": {"port": 90}},
                "lifecycle": {"preStop": {"exec": {"command": ["x"]}}, "postStart": {"tcpSocket": {"port": 93}}}
            }, {"name": "istio-proxy", "readinessProbe": {"httpGet": {"port": 15021}}}]}
        });
        patch_rewrite_probe(&mut pod, 15020);
        let c = &pod["spec"]["containers"][0];
        assert_eq!(
            c["readinessProbe"],
            json!({"httpGet": {"path": "/app-health/hello/readyz", "port": 123, "scheme": "HTTP", "host": "h"}, "periodSeconds": 5})
        );
        assert_eq!(
            c["livenessProbe"],
            json!({"httpGet": {"path": "/app-health/hello/livez", "port": 123}})
        );
        assert_eq!(
            c["startupProbe"],
            json!({"httpGet": {"path": "/app-health/hello/startupz", "port": 123}})
        );
        assert_eq!(
            c["lifecycle"]["preStop"],
            json!({"exec": {"command": ["x"]}})
        );
        assert_eq!(
            c["lifecycle"]["postStart"],
            json!({"httpGet": {"path": "/app-lifecycle/hello/poststartz", "port": 123}})
        );
        assert_eq!(
            pod["spec"]["containers"][1]["readinessProbe"]["httpGet"]["port"],
            15021
        );
    }

    #[test]
    fn apply_rewrite_respects_annotation_and_sidecar() {
        let probe = json!({"name": "a", "readinessProbe": {"httpGet": {"port": 80}}});
        let mut off = json!({"metadata": {"annotations": {REWRITE_ANNOTATION: "false"}},
            "spec": {"containers": [probe.clone(), {"name": "istio-proxy"}]}});
        let before = off.clone();
        apply_rewrite(&mut off, true, 15020);
        assert_eq!(off, before);

        let mut no_sidecar = json!({"spec": {"containers": [probe.clone()]}});
        let before = no_sidecar.clone();
        apply_rewrite(&mut no_sidecar, true, 15020);
        assert_eq!(no_sidecar, before);

        let mut on = json!({"metadata": {"annotations": {REWRITE_ANNOTATION: "true"}},
            "spec": {"containers": [probe, {"name": "istio-proxy"}]}});
        apply_rewrite(&mut on, false, 15020);
        assert_eq!(
            on["spec"]["containers"][1]["env"],
            json!([{"name": PROBERS_ENV,
            "value": r#"{"/app-health/a/readyz":{"httpGet":{"port":80}}}"#}])
        );
        assert_eq!(
            on["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"],
            15020
        );
    }
}

//! Istio's injection-template functions (`pkg/kube/inject/template.go`) and the few sprig
//! functions the stock templates lean on, as plain Rust over strings and JSON.
//!
//! Both renderers call these: the built-in renderer directly, the Go-template renderer through
//! its function table. They take already-stringified arguments where Istio's Go code calls
//! `fmt.Sprint` on its input (the caller knows how its own values print).

use std::borrow::Cow;

use crate::annotation;
pub use crate::annotation::OTEL_SERVICE_NAMESPACE as OTEL_SERVICE_NAMESPACE_ANNOTATION;
pub use crate::annotation::OTEL_SERVICE_VERSION as OTEL_SERVICE_VERSION_ANNOTATION;
use serde_json::{Map, Value};

/// Istio's `excludeInboundPort port list`: appends `port` to the comma-separated `list`
/// unless it is empty, `"0"`, or already listed. Entries are trimmed and empty ones dropped
/// only when the list is rebuilt; an already-listed port returns the list untouched.
pub fn exclude_inbound_port(port: &str, excluded: &str) -> String {
    let port = port.trim();
    if port.is_empty() || port == "0" {
        return excluded.to_string();
    }
    let mut out: Vec<&str> = Vec::new();
    for entry in excluded.split(',') {
        // Istio compares before trimming, so " 15020" does not count as present.
        if entry == port {
            return excluded.to_string();
        }
        let entry = entry.trim();
        if !entry.is_empty() {
            out.push(entry);
        }
    }
    out.push(port);
    out.join(",")
}

/// Istio's `appendMultusNetwork existing network`: adds the Istio CNI network to the
/// `k8s.v1.cni.cncf.io/networks` annotation, idempotently.
///
/// The annotation is either a flat comma list (`"a, b"` → `"a, b, <network>"`) or, when it
/// contains a `]`, a JSON list of network objects: the new entry is spliced in before the
/// last `]` so the user's formatting survives. A `namespace/name` network becomes
/// `{"name": "name", "namespace": "namespace"}` in the JSON form (what Istio's goldens show),
/// a bare name `{"name": "name"}`. Text that looks like JSON but does not parse as a list of
/// objects is returned unchanged, as Istio does.
pub fn append_multus_network(existing: &str, network: &str) -> String {
    if existing.is_empty() {
        return network.to_string();
    }
    if let Some(last_bracket) = existing.rfind(']') {
        let Ok(networks) = serde_json::from_str::<Vec<Option<Map<String, Value>>>>(existing) else {
            return existing.to_string();
        };
        let (namespace, name) = match network.split_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, network),
        };
        let present = networks.iter().flatten().any(|net| {
            let net_name = net.get("name").and_then(Value::as_str);
            if net_name == Some(network) {
                return true;
            }
            if net_name != Some(name) {
                return false;
            }
            match (namespace, net.get("namespace").and_then(Value::as_str)) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            }
        });
        if present {
            return existing.to_string();
        }
        let entry = match namespace {
            Some(ns) => format!(r#", {{"name": "{name}", "namespace": "{ns}"}}"#),
            None => format!(r#", {{"name": "{name}"}}"#),
        };
        let (head, tail) = existing.split_at(last_bracket);
        return format!("{head}{entry}{tail}");
    }
    if existing.split(',').any(|net| net.trim() == network) {
        return existing.to_string();
    }
    format!("{existing}, {network}")
}

/// Istio's `directory path` (Go `path.Split`): everything up to and including the last `/`.
pub fn directory(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    }
}

/// Sprig's `trunc n s` for non-negative `n`: the first `n` **bytes** of `s`.
///
/// Go slices bytes and may cut a UTF-8 sequence in half; the stray bytes then reach `quote`,
/// which prints each as `\xNN`, and YAML reads that back as the code point U+00NN. This
/// returns what the YAML finally holds, so the two renderers agree on such names too.
pub fn trunc(n: usize, s: &str) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let bytes = &s.as_bytes()[..n];
    match std::str::from_utf8(bytes) {
        Ok(valid) => valid.to_string(),
        Err(err) => {
            let valid_len = err.valid_up_to();
            let mut out = String::from_utf8_lossy(&bytes[..valid_len]).into_owned();
            out.extend(bytes[valid_len..].iter().map(|&b| char::from(b)));
            out
        }
    }
}

/// Sprig's `trimAll cutset s` (Go `strings.Trim`): strips any of `cutset`'s characters from
/// both ends.
pub fn trim_all<'a>(cutset: &str, s: &'a str) -> &'a str {
    s.trim_matches(|c| cutset.contains(c))
}

/// The `service.istio.io/canonical-name` label value the stock templates compute: the first
/// non-empty of the labels `service.istio.io/canonical-name`, `app.kubernetes.io/name`,
/// `app`, then the workload name; truncated to 63 bytes and trimmed of `-_.` (sidecar
/// template only; `gateway`/`grpc-agent` skip the truncation, see [`canonical_name_untrimmed`]).
pub fn canonical_name<'l>(
    labels: &dyn Fn(&str) -> Option<&'l str>,
    workload_name: &'l str,
) -> String {
    let name = canonical_name_chain(labels, workload_name);
    let cut = if name.len() <= 63 {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(trunc(63, name))
    };
    trim_all("-_.", &cut).to_string()
}

/// The canonical-name chain without truncation, as the `gateway` and `grpc-agent` templates
/// write it.
pub fn canonical_name_untrimmed<'l>(
    labels: &dyn Fn(&str) -> Option<&'l str>,
    workload_name: &'l str,
) -> String {
    canonical_name_chain(labels, workload_name).to_string()
}

fn canonical_name_chain<'l>(
    labels: &dyn Fn(&str) -> Option<&'l str>,
    workload_name: &'l str,
) -> &'l str {
    first_non_empty(
        labels,
        &[annotation::CANONICAL_NAME, annotation::APP_NAME, "app"],
    )
    .unwrap_or(workload_name)
}

/// The `service.istio.io/canonical-revision` label value: the labels
/// `service.istio.io/canonical-revision`, `app.kubernetes.io/version`, `version`, else
/// `latest`.
pub fn canonical_revision<'l>(labels: &dyn Fn(&str) -> Option<&'l str>) -> String {
    first_non_empty(
        labels,
        &[
            annotation::CANONICAL_REVISION,
            annotation::APP_VERSION,
            "version",
        ],
    )
    .unwrap_or("latest")
    .to_string()
}

fn first_non_empty<'l>(labels: &dyn Fn(&str) -> Option<&'l str>, keys: &[&str]) -> Option<&'l str> {
    keys.iter()
        .filter_map(|key| labels(key))
        .find(|value| !value.is_empty())
}

/// Istio's `omitNil`: drops `null` values from maps and lists, recursively; a map or list
/// that loses entries and ends up empty becomes `null` itself (one left empty by the user
/// stays as it is). Returns `None` for a `null` result.
pub fn omit_nil(value: &Value) -> Option<Value> {
    omit_nil_owned(value.clone())
}

/// [`omit_nil`] of a value the caller owns: what survives is moved, not copied.
pub fn omit_nil_owned(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Object(map) => {
            if !map.values().any(has_nil) {
                return Some(Value::Object(map));
            }
            let out: Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| omit_nil_owned(v).map(|v| (k, v)))
                .collect();
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            if !items.iter().any(has_nil) {
                return Some(Value::Array(items));
            }
            let out: Vec<Value> = items.into_iter().filter_map(omit_nil_owned).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other),
    }
}

/// Whether `omitNil` would change `value` (it holds a `null` somewhere).
fn has_nil(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.values().any(has_nil),
        Value::Array(items) => items.iter().any(has_nil),
        _ => false,
    }
}

/// Istio's `indent n s`: every line **but the first** prefixed with `n` spaces (sprig's
/// `indent` also indents the first line; Istio overrides it).
pub fn istio_indent(n: usize, s: &str) -> String {
    let pad = " ".repeat(n);
    let mut out = String::with_capacity(s.len() + n * 4);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    out
}

/// Sprig's `nindent n s`: a newline, then every line of `s` prefixed with `n` spaces.
pub fn nindent(n: usize, s: &str) -> String {
    let pad = " ".repeat(n);
    format!("\n{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

/// The pod annotation that sets `service.instance.id`.
pub const OTEL_SERVICE_INSTANCE_ID_ANNOTATION: &str = annotation::OTEL_SERVICE_INSTANCE_ID;

/// Whether the mesh config has an OpenTelemetry extension provider with
/// `serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS`, the switch for
/// [`otel_resource_attributes`].
pub fn mesh_uses_otel_semantic_conventions(mesh: &Value) -> bool {
    mesh.get("extensionProviders")
        .and_then(Value::as_array)
        .is_some_and(|providers| {
            providers.iter().any(|p| {
                p.get("opentelemetry")
                    .and_then(|otel| otel.get("serviceAttributeEnrichment"))
                    .and_then(Value::as_str)
                    == Some("OTEL_SEMANTIC_CONVENTIONS")
            })
        })
}

/// A container as `otelResourceAttributes` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtelContainer<'a> {
    pub name: &'a str,
    pub image: &'a str,
}

/// Istio's `otelResourceAttributes`: the `OTEL_RESOURCE_ATTRIBUTES` value for the sidecar
/// when the mesh enables OpenTelemetry semantic conventions (`""` otherwise, and the template
/// then adds no env var).
///
/// Attributes, in this order, each only when it has a value, joined with `,`:
/// * `service.namespace`: annotation `resource.opentelemetry.io/service.namespace`, else the
///   pod's namespace;
/// * `service.version`: annotation `resource.opentelemetry.io/service.version`, else label
///   `app.kubernetes.io/version`, else the image tag (or digest) of the pod's only
///   application container;
/// * `service.instance.id`: annotation `resource.opentelemetry.io/service.instance.id`, else
///   `<namespace>.$(POD_NAME).<container>` (the kubelet expands `$(POD_NAME)` from the
///   sidecar's `POD_NAME` env var), with the first application container.
///
/// `containers` are the pod's containers in order; `istio-proxy` is not an application
/// container.
pub fn otel_resource_attributes(
    enabled: bool,
    annotations: &dyn Fn(&str) -> Option<String>,
    labels: &dyn Fn(&str) -> Option<String>,
    namespace: &str,
    containers: &[OtelContainer<'_>],
) -> String {
    if !enabled {
        return String::new();
    }
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let apps: Vec<&OtelContainer<'_>> = containers
        .iter()
        .filter(|c| c.name != "istio-proxy")
        .collect();

    let mut attrs: Vec<String> = Vec::with_capacity(3);
    let service_namespace = non_empty(annotations(OTEL_SERVICE_NAMESPACE_ANNOTATION))
        .or_else(|| (!namespace.is_empty()).then(|| namespace.to_string()));
    if let Some(ns) = service_namespace {
        attrs.push(format!("service.namespace={ns}"));
    }

    let version = non_empty(annotations(OTEL_SERVICE_VERSION_ANNOTATION))
        .or_else(|| non_empty(labels(annotation::APP_VERSION)))
        .or_else(|| match apps.as_slice() {
            [only] => image_version(only.image).map(str::to_string),
            _ => None,
        });
    if let Some(version) = version {
        attrs.push(format!("service.version={version}"));
    }

    let instance =
        non_empty(annotations(OTEL_SERVICE_INSTANCE_ID_ANNOTATION)).unwrap_or_else(|| {
            let mut parts: Vec<&str> = Vec::with_capacity(3);
            if !namespace.is_empty() {
                parts.push(namespace);
            }
            parts.push("$(POD_NAME)");
            if let Some(first) = apps.first().filter(|c| !c.name.is_empty()) {
                parts.push(first.name);
            }
            parts.join(".")
        });
    attrs.push(format!("service.instance.id={instance}"));
    attrs.join(",")
}

/// The tag of an image reference (`repo/name:tag`), else its digest (`name@sha256:…`).
fn image_version(image: &str) -> Option<&str> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last_segment = name.rsplit('/').next().unwrap_or(name);
    let tag = last_segment
        .rsplit_once(':')
        .map(|(_, tag)| tag)
        .filter(|t| !t.is_empty());
    tag.or(digest.filter(|d| !d.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exclude_inbound_port_cases() {
        // Facts from Istio's template behaviour and the conformance goldens.
        assert_eq!(exclude_inbound_port("15020", ""), "15020");
        assert_eq!(exclude_inbound_port("15020", "4,5,6"), "4,5,6,15020");
        assert_eq!(exclude_inbound_port("123", "4,5,6"), "4,5,6,123");
        assert_eq!(exclude_inbound_port("0", "4,5,6"), "4,5,6");
        assert_eq!(exclude_inbound_port("", "4,5,6"), "4,5,6");
        assert_eq!(exclude_inbound_port(" 15020 ", "15020"), "15020");
        assert_eq!(exclude_inbound_port("15020", "15020,80"), "15020,80");
        // Untrimmed duplicates are not recognised; the list is rebuilt and trimmed.
        assert_eq!(exclude_inbound_port("15020", " 15020"), "15020,15020");
        assert_eq!(exclude_inbound_port("15020", "80, ,81,"), "80,81,15020");
    }

    // TestAppendMultusNetwork (istio/istio pkg/kube/inject/webhook_test.go), network
    // "istio-cni"; each case is also re-applied to check idempotency as upstream does.
    #[test]
    fn append_multus_network_upstream_cases() {
        let cases: &[(&str, &str)] = &[
            ("", "istio-cni"),
            ("macvlan-conf-1", "macvlan-conf-1, istio-cni"),
            (
                "macvlan-conf-1, macvlan-conf-2",
                "macvlan-conf-1, macvlan-conf-2, istio-cni",
            ),
            (
                r#"[{"name": "macvlan-conf-1"}]"#,
                r#"[{"name": "macvlan-conf-1"}, {"name": "istio-cni"}]"#,
            ),
            (
                r#"[{"name": "macvlan-conf-1"}, {"name": "macvlan-conf-2"}]"#,
                r#"[{"name": "macvlan-conf-1"}, {"name": "macvlan-conf-2"}, {"name": "istio-cni"}]"#,
            ),
            (
                "[\n   {\"name\": \"macvlan-conf-1\"},\n   {\"name\": \"macvlan-conf-2\"}\n   ]",
                "[\n   {\"name\": \"macvlan-conf-1\"},\n   {\"name\": \"macvlan-conf-2\"}\n   , {\"name\": \"istio-cni\"}]",
            ),
            (
                "[\n   {\"name\": \"macvlan-conf-1\", \"another-field\": \"another-value\"},\n   {\"name\": \"macvlan-conf-2\"}\n   ]",
                "[\n   {\"name\": \"macvlan-conf-1\", \"another-field\": \"another-value\"},\n   {\"name\": \"macvlan-conf-2\"}\n   , {\"name\": \"istio-cni\"}]",
            ),
            // Trailing comma: not JSON, so left alone.
            (
                "[\n   {\"name\": \"macvlan-conf-1\"},\n   {\"name\": \"istio-cni\", \"config\": \"additional-config\"},\n   ]",
                "[\n   {\"name\": \"macvlan-conf-1\"},\n   {\"name\": \"istio-cni\", \"config\": \"additional-config\"},\n   ]",
            ),
        ];
        for (input, want) in cases {
            let got = append_multus_network(input, "istio-cni");
            assert_eq!(&got, want, "input {input:?}");
            assert_eq!(
                &append_multus_network(&got, "istio-cni"),
                want,
                "idempotency"
            );
        }
    }

    // The stock templates pass `default/istio-cni`; the conformance goldens
    // hello-cncf-networks, hello-existing-cncf-networks(-json) show the results.
    #[test]
    fn append_multus_network_namespaced() {
        let net = "default/istio-cni";
        assert_eq!(append_multus_network("", net), "default/istio-cni");
        assert_eq!(
            append_multus_network("alt_cni", net),
            "alt_cni, default/istio-cni"
        );
        let json_in = r#"[{"name": "alt_cni"}, {"name": "more_cni", "namespace": "kube-system"}]"#;
        let want = r#"[{"name": "alt_cni"}, {"name": "more_cni", "namespace": "kube-system"}, {"name": "istio-cni", "namespace": "default"}]"#;
        let got = append_multus_network(json_in, net);
        assert_eq!(got, want);
        assert_eq!(append_multus_network(&got, net), want);
        assert_eq!(
            append_multus_network("alt_cni, default/istio-cni", net),
            "alt_cni, default/istio-cni"
        );
    }

    #[test]
    fn directory_is_go_path_split() {
        assert_eq!(directory("/etc/lightstep/cacert.pem"), "/etc/lightstep/");
        assert_eq!(directory("cacert.pem"), "");
        assert_eq!(directory("/"), "/");
        assert_eq!(directory(""), "");
    }

    #[test]
    fn trunc_and_trim_all() {
        assert_eq!(trunc(3, "abcdef"), "abc");
        assert_eq!(trunc(63, "short"), "short");
        // "é" is two bytes; cutting after the first leaves byte 0xC3 → U+00C3.
        assert_eq!(trunc(2, "aé"), "a\u{c3}");
        assert_eq!(trim_all("-_.", "-_a.b_-."), "a.b");
        assert_eq!(trim_all("-_.", "---"), "");
    }

    #[test]
    fn canonical_name_chain_and_truncation() {
        let labels = |map: &'static [(&'static str, &'static str)]| {
            move |k: &str| map.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
        };
        let l = labels(&[("app", "hello"), ("app.kubernetes.io/name", "")]);
        assert_eq!(canonical_name(&l, "deploy"), "hello");
        let l = labels(&[("app.kubernetes.io/name", "k8sname"), ("app", "hello")]);
        assert_eq!(canonical_name(&l, "deploy"), "k8sname");
        let l = labels(&[]);
        assert_eq!(canonical_name(&l, "deploy"), "deploy");
        // Conformance case truncate-canonical-name-custom-controller-pod: a 63-byte cut that
        // ends in '-' loses the dash.
        let long = "a".repeat(62) + "-bcd";
        assert_eq!(canonical_name(&labels(&[]), &long), "a".repeat(62));
        assert_eq!(canonical_revision(&labels(&[("version", "v1")])), "v1");
        assert_eq!(canonical_revision(&labels(&[])), "latest");
    }

    // TestOmitNil (istio/istio pkg/kube/inject/template_test.go).
    #[test]
    fn omit_nil_upstream_cases() {
        let cases = [
            (json!({"a": 1, "b": "c"}), Some(json!({"a": 1, "b": "c"}))),
            (json!({"a": null, "b": "c"}), Some(json!({"b": "c"}))),
            (
                json!({"a": {"x": null, "y": 2}, "b": "c"}),
                Some(json!({"a": {"y": 2}, "b": "c"})),
            ),
            (json!([1, null, 3]), Some(json!([1, 3]))),
            (json!({"a": [null, {"x": null}]}), None),
            (json!({"a": null, "b": {"x": null}}), None),
            (
                json!({"global": {"proxy": {"resources": {"limits": {"cpu": null, "memory": "500Mi"}}}}}),
                Some(json!({"global": {"proxy": {"resources": {"limits": {"memory": "500Mi"}}}}})),
            ),
            // An empty map the user wrote is kept; only emptied ones collapse.
            (json!({"a": {}}), Some(json!({"a": {}}))),
        ];
        for (input, want) in cases {
            assert_eq!(omit_nil(&input), want, "input {input}");
        }
    }

    #[test]
    fn indent_functions() {
        assert_eq!(istio_indent(2, "a\nb\nc"), "a\n  b\n  c");
        assert_eq!(istio_indent(2, "a\n"), "a\n  ");
        assert_eq!(nindent(2, "a\nb"), "\n  a\n  b");
    }

    fn lookup(map: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            map.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn otel_attributes_disabled_is_empty() {
        let none = lookup(&[]);
        assert_eq!(
            otel_resource_attributes(false, &none, &none, "default", &[]),
            ""
        );
    }

    // Facts from TestOtelResourceAttributes (istio/istio template_test.go) that do not depend
    // on the container-derived fallbacks, and the conformance golden hello-otel-semconv.
    #[test]
    fn otel_attributes_cases() {
        let hello = [OtelContainer {
            name: "hello",
            image: "fake.docker.io/google-samples/hello-go-gke:1.0",
        }];
        let none = lookup(&[]);
        let labels = lookup(&[("app.kubernetes.io/version", "v1.2.3")]);
        assert_eq!(
            otel_resource_attributes(true, &none, &labels, "default", &hello),
            "service.namespace=default,service.version=v1.2.3,service.instance.id=default.$(POD_NAME).hello"
        );
        let all = lookup(&[
            (OTEL_SERVICE_NAMESPACE_ANNOTATION, "custom-ns"),
            (OTEL_SERVICE_VERSION_ANNOTATION, "v2.0"),
            (OTEL_SERVICE_INSTANCE_ID_ANNOTATION, "custom-id"),
        ]);
        let ignored = lookup(&[("app.kubernetes.io/version", "should-not-use")]);
        assert_eq!(
            otel_resource_attributes(true, &all, &ignored, "my-namespace", &hello),
            "service.namespace=custom-ns,service.version=v2.0,service.instance.id=custom-id"
        );
        let ann_version = lookup(&[(OTEL_SERVICE_VERSION_ANNOTATION, "annotated-v1")]);
        let label_v2 = lookup(&[("app.kubernetes.io/version", "label-v2")]);
        assert!(
            otel_resource_attributes(true, &ann_version, &label_v2, "default", &hello)
                .starts_with("service.namespace=default,service.version=annotated-v1,")
        );
        // Without labels the single application container's image tag is the version.
        assert_eq!(
            otel_resource_attributes(true, &none, &none, "ns", &hello),
            "service.namespace=ns,service.version=1.0,service.instance.id=ns.$(POD_NAME).hello"
        );
    }

    #[test]
    fn image_versions() {
        assert_eq!(image_version("nginx:1.25"), Some("1.25"));
        assert_eq!(image_version("registry:5000/app"), None);
        assert_eq!(image_version("registry:5000/app:v1"), Some("v1"));
        assert_eq!(image_version("app@sha256:abc"), Some("sha256:abc"));
        assert_eq!(image_version("app:v1@sha256:abc"), Some("v1"));
    }

    #[test]
    fn otel_switch_reads_extension_providers() {
        let on = json!({"extensionProviders": [
            {"name": "prometheus", "prometheus": {}},
            {"name": "otel", "opentelemetry": {"service": "x", "port": 4317,
              "serviceAttributeEnrichment": "OTEL_SEMANTIC_CONVENTIONS"}}
        ]});
        assert!(mesh_uses_otel_semantic_conventions(&on));
        let off = json!({"extensionProviders": [
            {"name": "otel", "opentelemetry": {"serviceAttributeEnrichment": "ISTIO_CANONICAL"}}
        ]});
        assert!(!mesh_uses_otel_semantic_conventions(&off));
        assert!(!mesh_uses_otel_semantic_conventions(&json!({})));
    }
}

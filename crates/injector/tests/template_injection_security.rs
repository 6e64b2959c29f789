//! Hostile pod values against Istio's own templates, through the whole pipeline.
//!
//! The Go templates print annotation values, labels and pod fields into YAML text. For every
//! annotation and label the stock pod templates read (found in the template text itself, so a
//! new template version is covered automatically), every hostile value below is injected
//! with settings that switch on the template branches printing it (CNI with multus, Datadog
//! and Lightstep tracers, mTLS cert mounts, OpenTelemetry attributes). The pod must either be
//! rejected, or come out with the same shape as with a benign value: the same containers,
//! init containers, volumes, security contexts, mounts, ports, env var names, argument
//! counts and metadata keys — the hostile text may only end up as an inert string.

use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::{Injector, Options, PodContext};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Values meant to break out of the YAML the templates print.
const PAYLOADS: &[&str] = &[
    "x\n- name: evil\n  image: evil\n  securityContext: {privileged: true}",
    "x\"\n    - name: evil\n      image: evil\n      securityContext:\n        privileged: true\n#",
    "\"}, privileged: true, {\"",
    "x\", evil: \"y",
    "x'\n    evil: true\n#'",
    "x\\",
    "x\n  privileged: true\n  capabilities: {add: [SYS_ADMIN]}",
    "x\nspec:\n  hostNetwork: true\n  volumes:\n  - name: evil\n    hostPath: {path: /}\n#",
    "x\n    volumeMounts:\n    - name: evil\n      mountPath: /host\n",
    "{{ .Values.global.hub }}",
    "*alias &anchor !!binary [a, {b: c}]",
];

/// Where a payload goes: the annotation value, or a position inside a JSON value. `@@` marks
/// the spot; the benign run puts `benign` there.
struct Shape {
    template: Value,
    benign: &'static str,
}

fn plain(benign: &'static str) -> Vec<Shape> {
    vec![Shape {
        template: json!("@@"),
        benign,
    }]
}

/// The shapes tried for an annotation.
fn shapes(annotation: &str) -> Vec<Shape> {
    match annotation {
        "sidecar.istio.io/interceptionMode" => plain("REDIRECT"),
        "sidecar.istio.io/capNetBindService" => plain("false"),
        "sidecar.istio.io/nativeSidecar" => plain("true"),
        "status.sidecar.istio.io/port" => plain("15020"),
        "readiness.status.sidecar.istio.io/initialDelaySeconds"
        | "readiness.status.sidecar.istio.io/periodSeconds"
        | "readiness.status.sidecar.istio.io/failureThreshold" => plain("3"),
        "traffic.sidecar.istio.io/includeOutboundIPRanges"
        | "traffic.sidecar.istio.io/includeInboundPorts" => plain("*"),
        "traffic.sidecar.istio.io/excludeOutboundIPRanges" => plain("10.0.0.0/8"),
        "traffic.sidecar.istio.io/excludeInboundPorts"
        | "traffic.sidecar.istio.io/excludeOutboundPorts"
        | "traffic.sidecar.istio.io/includeOutboundPorts" => plain("8080"),
        "traffic.sidecar.istio.io/kubevirtInterfaces"
        | "istio.io/reroute-virtual-interfaces"
        | "traffic.sidecar.istio.io/excludeInterfaces" => plain("net1"),
        "sidecar.istio.io/proxyCPU" | "sidecar.istio.io/proxyCPULimit" => plain("100m"),
        "sidecar.istio.io/proxyMemory" | "sidecar.istio.io/proxyMemoryLimit" => plain("64Mi"),
        "sidecar.istio.io/proxyImage" => plain("docker.io/benign/proxyv2:1"),
        "sidecar.istio.io/userVolume" => vec![
            Shape {
                template: json!({"@@": {"emptyDir": {}}}),
                benign: "benign",
            },
            Shape {
                template: json!({"v": {"emptyDir": {"medium": "@@"}}}),
                benign: "Memory",
            },
        ],
        "sidecar.istio.io/userVolumeMount" => vec![
            Shape {
                template: json!({"@@": {"mountPath": "/benign"}}),
                benign: "benign",
            },
            Shape {
                template: json!({"v": {"mountPath": "@@"}}),
                benign: "/benign",
            },
        ],
        "apm.datadoghq.com/env" => vec![
            Shape {
                template: json!({"@@": "x"}),
                benign: "DD_BENIGN",
            },
            Shape {
                template: json!({"DD_ENV": "@@"}),
                benign: "benign",
            },
        ],
        "proxy.istio.io/config" => vec![
            Shape {
                template: json!({"proxyMetadata": {"@@": "x"}}),
                benign: "BENIGN",
            },
            Shape {
                template: json!({"proxyMetadata": {"BENIGN": "@@"}}),
                benign: "benign",
            },
            Shape {
                template: json!({"tracing": {"tlsSettings": {"caCertificates": "@@"}}}),
                benign: "/etc/benign/ca.pem",
            },
        ],
        _ => plain("benign"),
    }
}

fn fill(template: &Value, token: &str) -> Value {
    match template {
        Value::String(s) => Value::String(s.replace("@@", token)),
        Value::Array(items) => Value::Array(items.iter().map(|i| fill(i, token)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.replace("@@", token), fill(v, token)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn as_annotation(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Replaces the payload, wherever it stands in a key or string, with the benign token.
fn unpayload(value: &Value, payload: &str, benign: &str) -> Value {
    let swap = |s: &str| s.replace(payload, benign);
    match value {
        Value::String(s) => Value::String(swap(s)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| unpayload(i, payload, benign))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (swap(k), unpayload(v, payload, benign)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What must not change: everything that grants or reshapes, nothing a value may carry.
fn skeleton(pod: &Value) -> Value {
    let keys = |v: Option<&Value>| -> Vec<String> {
        let mut k: Vec<String> = v
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    let container = |c: &Value| -> Value {
        let mut c = c.as_object().cloned().unwrap_or_default();
        c.remove("image");
        if let Some(args) = c.remove("args") {
            c.insert(
                "argCount".into(),
                json!(args.as_array().map_or(0, Vec::len)),
            );
        }
        if let Some(Value::Array(env)) = c.remove("env") {
            let names: Vec<Value> = env
                .iter()
                .map(|e| json!([e.get("name"), e.get("valueFrom")]))
                .collect();
            c.insert("env".into(), Value::Array(names));
        }
        Value::Object(c)
    };
    let mut spec: Map<String, Value> = pod
        .get("spec")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for list in ["containers", "initContainers"] {
        if let Some(Value::Array(items)) = spec.remove(list) {
            spec.insert(list.into(), items.iter().map(container).collect());
        }
    }
    json!({
        "labels": keys(pod.pointer("/metadata/labels")),
        "annotations": keys(pod.pointer("/metadata/annotations")),
        "spec": spec,
    })
}

/// Names read with ``… `name` `` by a template, for the given accessors.
fn names_read(text: &str, accessors: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for accessor in accessors {
        let mut rest = text;
        while let Some(i) = rest.find(accessor) {
            rest = &rest[i + accessor.len()..];
            let trimmed = rest.trim_start();
            if let Some(after) = trimmed.strip_prefix('`')
                && let Some(end) = after.find('`')
            {
                out.insert(after[..end].to_string());
            }
        }
    }
    out
}

fn injector(config: &InjectorConfig, values: Value, mesh: Value) -> Injector {
    let mut base = Values::istio_defaults().raw().clone();
    merge(&mut base, &values);
    Injector::new(
        config.clone(),
        Values::from_json(base).unwrap(),
        MeshConfig::from_json(mesh).unwrap(),
        Options::default(),
    )
    .unwrap()
}

fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

fn pod(annotations: &Map<String, Value>, labels: &Map<String, Value>, template: &str) -> Value {
    let mut annotations = annotations.clone();
    annotations.insert("inject.istio.io/templates".into(), json!(template));
    let mut all_labels = Map::new();
    all_labels.insert("app".into(), json!("hello"));
    all_labels.extend(labels.clone());
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "hello-abc",
            "namespace": "default",
            "labels": all_labels,
            "annotations": annotations,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "hello-5d9f", "controller": true, "uid": "1"}],
        },
        "spec": {
            "serviceAccountName": "hello",
            "containers": [{"name": "hello", "image": "docker.io/hello:1.0", "ports": [{"containerPort": 8080}]}],
        }
    })
}

#[test]
fn hostile_values_cannot_reshape_the_injected_pod() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let config_text = std::fs::read_to_string(dir.join("base/injector-config.yaml")).unwrap();
    let config = InjectorConfig::from_str(&config_text).unwrap();
    let templates = ["sidecar", "grpc-agent"];
    let mut annotations = BTreeSet::new();
    let mut labels = BTreeSet::new();
    for name in templates {
        let text = &config.templates[name];
        annotations.extend(names_read(
            text,
            &[
                "annotation .ObjectMeta",
                "index .ObjectMeta.Annotations",
                "isset .ObjectMeta.Annotations",
            ],
        ));
        labels.extend(names_read(text, &["index .ObjectMeta.Labels"]));
    }
    // Read inside `otelResourceAttributes`, not in the template text.
    for name in [
        "resource.opentelemetry.io/service.namespace",
        "resource.opentelemetry.io/service.version",
        "resource.opentelemetry.io/service.instance.id",
    ] {
        annotations.insert(name.to_string());
    }
    assert!(annotations.len() > 30, "{annotations:?}");
    assert!(
        labels.contains("service.istio.io/workload-name"),
        "{labels:?}"
    );

    let otel_mesh = json!({"extensionProviders": [{"name": "otel", "opentelemetry": {
        "service": "otel.svc", "port": 4317, "serviceAttributeEnrichment": "OTEL_SEMANTIC_CONVENTIONS"}}]});
    let injectors = [
        injector(
            &config,
            json!({"global": {"proxy": {"tracer": "datadog"}, "mountMtlsCerts": true}}),
            otel_mesh,
        ),
        injector(
            &config,
            json!({"global": {"proxy": {"tracer": "lightstep"}},
                   "pilot": {"cni": {"enabled": true, "provider": "multus"}}}),
            json!({}),
        ),
    ];
    let ctx = PodContext {
        namespace: "default",
        namespace_annotations: None,
    };

    let mut tried = 0;
    let mut rejected = 0;
    let mut failures = Vec::new();
    let targets = annotations
        .iter()
        .map(|a| (true, a.clone()))
        .chain(labels.iter().map(|l| (false, l.clone())));
    for (is_annotation, name) in targets {
        let shapes = if is_annotation {
            shapes(&name)
        } else {
            plain("benign")
        };
        for shape in &shapes {
            for (i, injector) in injectors.iter().enumerate() {
                for template in templates {
                    let place = |token: &str| {
                        let value = json!(as_annotation(&fill(&shape.template, token)));
                        let mut m = Map::new();
                        m.insert(name.clone(), value);
                        if is_annotation {
                            pod(&m, &Map::new(), template)
                        } else {
                            pod(&Map::new(), &m, template)
                        }
                    };
                    let baseline = match injector.inject(&place(shape.benign), &ctx) {
                        Ok(injected) => skeleton(&injected.pod),
                        Err(e) => {
                            panic!("{name} (settings {i}, {template}): benign value refused: {e}")
                        }
                    };
                    for payload in PAYLOADS {
                        tried += 1;
                        match injector.inject(&place(payload), &ctx) {
                            Err(_) => rejected += 1,
                            Ok(injected) => {
                                let got =
                                    skeleton(&unpayload(&injected.pod, payload, shape.benign));
                                if got != baseline {
                                    failures.push(format!(
                                        "{name} (settings {i}, {template}) = {payload:?}:\n  want {baseline}\n  got  {got}"
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    println!(
        "{tried} hostile values over {} annotations and {} labels: {rejected} rejected, {} inert, {} reshaped the pod",
        annotations.len(),
        labels.len(),
        tried - rejected - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hostile_pod_fields_cannot_reshape_the_injected_pod() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let config_text = std::fs::read_to_string(dir.join("base/injector-config.yaml")).unwrap();
    let config = InjectorConfig::from_str(&config_text).unwrap();
    let injector = injector(
        &config,
        json!({"global": {"mountMtlsCerts": true}}),
        json!({}),
    );
    let ctx = PodContext {
        namespace: "default",
        namespace_annotations: None,
    };
    // Printed by the templates: container names, the service account, the workload name and
    // kind (from the owner), the image (through the OpenTelemetry version).
    let fields: &[(&str, &str)] = &[
        ("/spec/containers/0/name", "hello"),
        ("/spec/serviceAccountName", "hello"),
        ("/metadata/name", "hello-abc"),
        ("/metadata/ownerReferences/0/name", "hello-5d9f"),
        ("/metadata/ownerReferences/0/kind", "ReplicaSet"),
        ("/metadata/ownerReferences/0/apiVersion", "apps/v1"),
        ("/spec/containers/0/image", "docker.io/hello:1.0"),
    ];
    let mut rejected = 0;
    for template in ["sidecar", "grpc-agent"] {
        let base = pod(&Map::new(), &Map::new(), template);
        let baseline = skeleton(&injector.inject(&base, &ctx).unwrap().pod);
        for (pointer, benign) in fields {
            for payload in PAYLOADS {
                let mut p = base.clone();
                if let Some(slot) = p.pointer_mut(pointer) {
                    *slot = json!(payload);
                }
                match injector.inject(&p, &ctx) {
                    Err(_) => rejected += 1,
                    Ok(injected) => {
                        let got = skeleton(&unpayload(&injected.pod, payload, benign));
                        assert_eq!(got, baseline, "{pointer} = {payload:?} ({template})");
                    }
                }
            }
        }
    }
    // Every payload holding a line break or a quote is refused outright.
    let breaking = PAYLOADS
        .iter()
        .filter(|p| p.contains(['\n', '"', '\'', '\\']))
        .count();
    assert!(rejected >= breaking * fields.len(), "{rejected}");
}

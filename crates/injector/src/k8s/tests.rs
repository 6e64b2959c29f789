use proptest::prelude::*;
use serde_json::{Value, json};

use super::testing::{arb_json, conformance_cases, pod_templates};
use super::*;

fn go(ty: &'static Struct, v: &Value) -> String {
    match to_go_json(ty, v) {
        Ok(s) => s,
        Err(e) => panic!("to_go_json failed: {e}"),
    }
}

fn norm(v: Value, opts: NormalizeOptions) -> Value {
    match normalize_pod(&v, &opts) {
        Ok(n) => n,
        Err(e) => panic!("normalize failed: {e}"),
    }
}

#[test]
fn every_table_is_reachable_by_name_and_fields_are_unique() {
    for ty in ALL_TYPES {
        assert!(
            type_by_name(ty.name).is_some_and(|t| std::ptr::eq(t, *ty)),
            "{}",
            ty.name
        );
        let names: Vec<&str> = ty.flat_fields().map(|f| f.json).collect();
        let mut dedup = names.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(
            names.len(),
            dedup.len(),
            "duplicate JSON names in {}",
            ty.name
        );
        for f in ty.flat_fields() {
            assert!(!f.json.is_empty() && !f.go.is_empty(), "{}", ty.name);
            if f.merge_key.is_some() {
                assert_eq!(f.strategy, PatchStrategy::Merge, "{}.{}", ty.name, f.json);
            }
        }
    }
}

#[test]
fn go_field_order_of_container_port_and_http_get() {
    assert_eq!(
        CONTAINER_PORT
            .flat_fields()
            .map(|f| f.json)
            .collect::<Vec<_>>(),
        ["name", "hostPort", "containerPort", "protocol", "hostIP"]
    );
    assert_eq!(
        HTTP_GET_ACTION
            .flat_fields()
            .map(|f| f.json)
            .collect::<Vec<_>>(),
        ["path", "port", "host", "scheme", "httpHeaders"]
    );
    // ProbeHandler is embedded: its fields come first, at the same JSON level.
    assert_eq!(
        PROBE
            .flat_fields()
            .map(|f| f.json)
            .take(5)
            .collect::<Vec<_>>(),
        [
            "exec",
            "httpGet",
            "tcpSocket",
            "grpc",
            "initialDelaySeconds"
        ]
    );
}

#[test]
fn lookups_by_json_and_go_names() {
    assert_eq!(POD.field_by_go("Spec").map(|f| f.json), Some("spec"));
    assert_eq!(
        POD.field_by_go("ObjectMeta").map(|f| f.json),
        Some("metadata")
    );
    assert_eq!(POD.field_by_go("Kind").map(|f| f.json), Some("kind"));
    let containers = POD_SPEC.field_by_go("Containers");
    assert_eq!(containers.map(|f| f.json), Some("containers"));
    assert_eq!(containers.and_then(|f| f.merge_key), Some("name"));
    assert_eq!(
        POD_SPEC
            .field_by_go("DeprecatedServiceAccount")
            .map(|f| f.json),
        Some("serviceAccount")
    );
    // Embedded structs: by type name, and promoted fields.
    assert!(VOLUME.field_by_go("VolumeSource").is_some_and(|f| f.inline));
    assert_eq!(
        VOLUME.field_by_go("EmptyDir").map(|f| f.json),
        Some("emptyDir")
    );
    assert_eq!(
        PROBE.field_by_go("HTTPGet").map(|f| f.json),
        Some("httpGet")
    );
    assert_eq!(VOLUME.field("configMap").map(|f| f.go), Some("ConfigMap"));
    assert_eq!(
        CONFIG_MAP_VOLUME_SOURCE.field("name").map(|f| f.go),
        Some("Name")
    );
    assert!(CONTAINER.field("nope").is_none());
    // Go zero values for a template layer.
    assert_eq!(
        CONTAINER.field("resources").map(Field::go_zero),
        Some(json!({}))
    );
    assert_eq!(
        CONTAINER.field("securityContext").map(Field::go_zero),
        Some(Value::Null)
    );
    assert_eq!(
        CONTAINER.field("image").map(Field::go_zero),
        Some(json!(""))
    );
    assert_eq!(
        CONTAINER.field("ports").map(Field::go_zero),
        Some(Value::Null)
    );
    assert_eq!(
        RESOURCE_FIELD_SELECTOR.field("divisor").map(Field::go_zero),
        Some(json!("0"))
    );
}

#[test]
fn strategic_merge_tags_match_core_v1() {
    let tag = |ty: &'static Struct, f: &str| {
        ty.field(f)
            .map(|f| (f.strategy, f.merge_key, f.retain_keys))
    };
    let merge = |k| Some((PatchStrategy::Merge, Some(k), false));
    assert_eq!(
        tag(&POD_SPEC, "volumes"),
        Some((PatchStrategy::Merge, Some("name"), true))
    );
    assert_eq!(tag(&POD_SPEC, "containers"), merge("name"));
    assert_eq!(tag(&POD_SPEC, "initContainers"), merge("name"));
    assert_eq!(tag(&POD_SPEC, "ephemeralContainers"), merge("name"));
    assert_eq!(tag(&POD_SPEC, "imagePullSecrets"), merge("name"));
    assert_eq!(tag(&POD_SPEC, "hostAliases"), merge("ip"));
    assert_eq!(tag(&POD_SPEC, "schedulingGates"), merge("name"));
    assert_eq!(
        tag(&POD_SPEC, "topologySpreadConstraints"),
        merge("topologyKey")
    );
    assert_eq!(tag(&CONTAINER, "env"), merge("name"));
    assert_eq!(tag(&CONTAINER, "ports"), merge("containerPort"));
    assert_eq!(tag(&CONTAINER, "volumeMounts"), merge("mountPath"));
    assert_eq!(tag(&CONTAINER, "volumeDevices"), merge("devicePath"));
    assert_eq!(tag(&OBJECT_META, "ownerReferences"), merge("uid"));
    assert_eq!(
        tag(&OBJECT_META, "finalizers"),
        Some((PatchStrategy::Merge, None, false))
    );
    for plain in ["args", "command", "envFrom"] {
        assert_eq!(
            tag(&CONTAINER, plain),
            Some((PatchStrategy::Default, None, false)),
            "{plain}"
        );
    }
    assert_eq!(
        tag(&POD_SPEC, "tolerations"),
        Some((PatchStrategy::Default, None, false))
    );
}

#[test]
fn normalize_drops_nulls_and_omitempty_zeros_but_keeps_pointer_zeros() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "", "labels": {}, "annotations": null},
        "spec": {
            "hostNetwork": false,
            "automountServiceAccountToken": false,
            "containers": [{
                "name": "c",
                "image": "",
                "ports": [{"containerPort": 80.0, "hostPort": 0, "protocol": "TCP"}],
                "securityContext": {"runAsUser": 0, "privileged": false, "capabilities": null},
                "readinessProbe": {"httpGet": {"port": "http", "path": ""}, "initialDelaySeconds": 0},
                "resources": {"limits": {"cpu": "2000m", "memory": "1024Mi"}, "requests": {}},
                "env": [{"name": "A", "value": ""}],
                "stdin": false
            }],
            "volumes": [{"name": "v", "emptyDir": null}, {"name": "w", "emptyDir": {}}]
        }
    });
    let out = norm(pod, NormalizeOptions::default());
    assert_eq!(
        out,
        json!({
            "metadata": {"name": "p"},
            "spec": {
                "automountServiceAccountToken": false,
                "containers": [{
                    "name": "c",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "securityContext": {"runAsUser": 0, "privileged": false},
                    "readinessProbe": {"httpGet": {"port": "http"}},
                    "resources": {"limits": {"cpu": "2", "memory": "1Gi"}},
                    "env": [{"name": "A"}]
                }],
                "volumes": [{"name": "v"}, {"name": "w", "emptyDir": {}}]
            }
        })
    );
}

#[test]
fn normalize_keeps_or_drops_unknown_fields() {
    let pod = json!({"spec": {"containers": [{"name": "c", "futureField": {"x": 1}}], "newSpecField": 1}, "extra": true});
    let kept = norm(pod.clone(), NormalizeOptions::default());
    assert_eq!(
        kept["spec"]["containers"][0]["futureField"],
        json!({"x": 1})
    );
    assert_eq!(kept["spec"]["newSpecField"], json!(1));
    assert_eq!(kept["extra"], json!(true));
    let dropped = norm(
        pod,
        NormalizeOptions {
            keep_unknown: false,
            ..NormalizeOptions::default()
        },
    );
    assert_eq!(dropped, json!({"spec": {"containers": [{"name": "c"}]}}));
}

#[test]
fn emit_zero_structs_writes_what_go_always_writes() {
    let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "readinessProbe": {"grpc": {"port": 9}}}]}});
    let out = norm(pod.clone(), NormalizeOptions::go());
    assert_eq!(
        out,
        json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{
                "name": "c",
                "resources": {},
                "readinessProbe": {"grpc": {"port": 9, "service": null}}
            }]},
            "status": {}
        })
    );
    let legacy = NormalizeOptions {
        legacy_creation_timestamp: true,
        ..NormalizeOptions::go()
    };
    assert_eq!(
        norm(pod, legacy)["metadata"],
        json!({"name": "p", "creationTimestamp": null})
    );
    // A zero PodSpec still writes its non-omitempty list.
    assert_eq!(
        norm(json!({}), NormalizeOptions::go()),
        json!({"metadata": {}, "spec": {"containers": null}, "status": {}})
    );
    // A resourceFieldRef without divisor gets Go's "0".
    let env = json!({"spec": {"containers": [{"name": "c", "env": [{"name": "L", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}]}]}});
    assert_eq!(
        norm(env, NormalizeOptions::go())["spec"]["containers"][0]["env"][0]["valueFrom"],
        json!({"resourceFieldRef": {"resource": "limits.cpu", "divisor": "0"}})
    );
}

#[test]
fn normalize_reports_go_decoding_errors_with_their_path() {
    let cases = [
        (
            json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": "80"}]}]}}),
            "spec.containers[0].ports[0].containerPort",
        ),
        (
            json!({"spec": {"containers": {"name": "c"}}}),
            "spec.containers",
        ),
        (
            json!({"metadata": {"labels": {"a": 1}}}),
            "metadata.labels.a",
        ),
        (
            json!({"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]}}),
            "spec.containers[0].resources.limits.cpu",
        ),
        (json!({"spec": {"hostNetwork": "true"}}), "spec.hostNetwork"),
        (
            json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 1.5}]}]}}),
            "spec.containers[0].ports[0].containerPort",
        ),
        (
            json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 4294967296u64}]}]}}),
            "spec.containers[0].ports[0].containerPort",
        ),
        (
            json!({"spec": {"containers": [{"name": "c", "livenessProbe": {"tcpSocket": {"port": true}}}]}}),
            "spec.containers[0].livenessProbe.tcpSocket.port",
        ),
    ];
    for (pod, path) in cases {
        match normalize_pod(&pod, &NormalizeOptions::default()) {
            Err(e) => assert_eq!(e.path, path, "{e}"),
            Ok(v) => panic!("expected an error at {path}, got {v}"),
        }
    }
    let err = normalize_pod(
        &json!({"spec": {"containers": [{"name": 5}]}}),
        &NormalizeOptions::default(),
    );
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err(
            "spec.containers[0].name: cannot unmarshal number into Go value of type string"
                .to_string()
        )
    );
    assert!(normalize_pod(&json!([1]), &NormalizeOptions::default()).is_err());
}

#[test]
fn go_json_of_container_port_and_probe() {
    assert_eq!(
        go(
            &CONTAINER_PORT,
            &json!({"containerPort": 80, "name": "http"})
        ),
        r#"{"name":"http","containerPort":80}"#
    );
    assert_eq!(
        go(&CONTAINER_PORT, &json!({"name": "x"})),
        r#"{"name":"x","containerPort":0}"#
    );
    assert_eq!(
        go(
            &HTTP_GET_ACTION,
            &json!({"scheme": "HTTP", "port": 8080, "path": "/a<b>&c", "host": "h"})
        ),
        r#"{"path":"/a\u003cb\u003e\u0026c","port":8080,"host":"h","scheme":"HTTP"}"#
    );
    assert_eq!(
        go(
            &CONTAINER,
            &json!({"tty": true, "name": "n", "env": [{"value": "v", "name": "E"}], "unknown": 1})
        ),
        r#"{"name":"n","env":[{"name":"E","value":"v"}],"resources":{},"tty":true}"#
    );
    assert_eq!(
        go(
            &CONTAINER,
            &json!({"name": "n", "resources": {"requests": {"memory": "128Mi", "cpu": "100m"}}})
        ),
        r#"{"name":"n","resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}"#
    );
    assert_eq!(
        crate::golang::json::encode(&json!({"s": "\u{2028}\n", "f": 1.5, "e": 1e21, "i": -3})),
        "{\"s\":\"\\u2028\\n\",\"f\":1.5,\"e\":1e+21,\"i\":-3}"
    );
}

/// The overrides annotation of the goldens is Go JSON of typed Containers: re-encoding each
/// container must give the same bytes.
#[test]
fn go_json_matches_the_overrides_annotations_of_the_goldens() {
    let mut checked = 0;
    for case in conformance_cases() {
        for template in pod_templates(&case.want) {
            let Some(text) = template
                .pointer("/metadata/annotations/proxy.istio.io~1overrides")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let parsed: Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => panic!("{}: {e}", case.name),
            };
            let mut rebuilt = String::from("{");
            let mut first = true;
            for list in ["containers", "initContainers"] {
                let Some(items) = parsed.get(list).and_then(Value::as_array) else {
                    continue;
                };
                if !first {
                    rebuilt.push(',');
                }
                first = false;
                rebuilt.push_str(&format!("\"{list}\":["));
                let encoded: Vec<String> = items.iter().map(|c| go(&CONTAINER, c)).collect();
                rebuilt.push_str(&encoded.join(","));
                rebuilt.push(']');
            }
            rebuilt.push('}');
            assert_eq!(rebuilt, text, "{}", case.name);
            checked += 1;
        }
    }
    if checked == 0 {
        eprintln!("SKIP: no conformance goldens with proxy.istio.io/overrides found");
    }
}

/// `ISTIO_META_POD_PORTS` lists `structToJSON(port)` one per line; `ISTIO_KUBE_APP_PROBERS`
/// maps paths to probers whose handlers are Go-encoded `HTTPGetAction`/`TCPSocketAction`/
/// `GRPCAction`s.
#[test]
fn go_json_matches_pod_ports_and_app_probers_of_the_goldens() {
    let mut ports = 0;
    let mut probers = 0;
    for case in conformance_cases() {
        for template in pod_templates(&case.want) {
            let containers = template
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let inits = template
                .pointer("/spec/initContainers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for container in containers.chain(inits) {
                for env in container
                    .get("env")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = env.get("name").and_then(Value::as_str).unwrap_or("");
                    let Some(value) = env.get("value").and_then(Value::as_str) else {
                        continue;
                    };
                    if name == "ISTIO_META_POD_PORTS" {
                        for line in value.lines().map(str::trim).filter(|l| l.starts_with('{')) {
                            let item = line.trim_end_matches(',');
                            let parsed: Value = serde_json::from_str(item).unwrap_or(Value::Null);
                            assert_eq!(go(&CONTAINER_PORT, &parsed), item, "{}", case.name);
                            ports += 1;
                        }
                    }
                    if name == "ISTIO_KUBE_APP_PROBERS" {
                        let parsed: Value = serde_json::from_str(value).unwrap_or(Value::Null);
                        let Some(map) = parsed.as_object() else {
                            panic!("{}: {value}", case.name)
                        };
                        let mut keys: Vec<&String> = map.keys().collect();
                        keys.sort();
                        let mut rebuilt = String::from("{");
                        for (i, key) in keys.iter().enumerate() {
                            if i > 0 {
                                rebuilt.push(',');
                            }
                            crate::golang::json::write_string(&mut rebuilt, key);
                            rebuilt.push_str(":{");
                            let prober = &map[key.as_str()];
                            let mut parts = Vec::new();
                            for (handler, ty) in [
                                ("httpGet", &HTTP_GET_ACTION),
                                ("tcpSocket", &TCP_SOCKET_ACTION),
                                ("grpc", &GRPC_ACTION),
                            ] {
                                if let Some(h) = prober.get(handler) {
                                    parts.push(format!("\"{handler}\":{}", go(ty, h)));
                                }
                            }
                            if let Some(t) = prober.get("timeoutSeconds") {
                                parts.push(format!("\"timeoutSeconds\":{t}"));
                            }
                            rebuilt.push_str(&parts.join(","));
                            rebuilt.push('}');
                        }
                        rebuilt.push('}');
                        assert_eq!(rebuilt, value, "{}", case.name);
                        probers += 1;
                    }
                }
            }
        }
    }
    if ports == 0 && probers == 0 {
        eprintln!("SKIP: istio-conformance goldens not found");
    } else {
        assert!(
            ports > 50 && probers > 5,
            "only {ports} ports and {probers} probers checked"
        );
    }
}

/// Every golden pod is Go output, so Go's round trip must leave it unchanged: a field the
/// tables lack, a wrong `omitempty` or a missing always-written zero shows up here.
#[test]
fn golden_pods_are_fixed_points_of_go_normalization() {
    let mut checked = 0;
    for case in conformance_cases() {
        let legacy = case.want_text.contains("creationTimestamp: null");
        let opts = NormalizeOptions {
            legacy_creation_timestamp: legacy,
            ..NormalizeOptions::go()
        };
        for template in pod_templates(&case.want) {
            let ty: &'static Struct = if template.get("kind").is_some() {
                &POD
            } else {
                &POD_TEMPLATE_SPEC
            };
            match normalize(ty, &template, &opts) {
                Ok(out) => assert_eq!(out, template, "{}", case.name),
                Err(e) => panic!("{}: {e}", case.name),
            }
            checked += 1;
        }
    }
    if checked == 0 {
        eprintln!("SKIP: istio-conformance goldens not found");
    } else {
        assert!(checked >= 90, "only {checked} golden pods checked");
    }
}

proptest! {
    #[test]
    fn normalize_never_panics_and_is_idempotent(v in arb_json()) {
        for opts in [NormalizeOptions::default(), NormalizeOptions::go()] {
            if let Ok(once) = normalize_pod(&v, &opts) {
                let twice = normalize_pod(&once, &opts);
                prop_assert_eq!(twice.ok(), Some(once));
            }
        }
    }

    #[test]
    fn normalizing_by_value_agrees_with_by_reference(v in arb_json()) {
        let text = |r: Result<Value, SchemaError>| r.map(|v| serde_json::to_string(&v).unwrap());
        for opts in [NormalizeOptions::default(), NormalizeOptions::go()] {
            let by_ref = normalize_pod(&v, &opts);
            prop_assert_eq!(text(normalize_owned(&POD, v.clone(), &opts)), text(by_ref.clone()));
            // A normalized pod is in Go's field order: normalized again by value, it is
            // rewritten in place.
            if let Ok(once) = by_ref {
                prop_assert_eq!(
                    text(normalize_owned(&POD, once.clone(), &opts)),
                    text(normalize_pod(&once, &opts))
                );
            }
        }
    }

    #[test]
    fn go_json_parses_back(v in arb_json()) {
        for ty in [&POD, &CONTAINER, &PROBE, &VOLUME] {
            if let Ok(text) = to_go_json(ty, &v) {
                let parsed: Result<Value, _> = serde_json::from_str(&text);
                prop_assert!(parsed.is_ok(), "{}", text);
            }
        }
    }
}

#[test]
fn normalizing_by_value_gives_the_same_json_as_by_reference() {
    let pods = [
        json!({
            "apiVersion": "v1", "kind": "Pod", "x-unknown": {"b": 1, "a": null},
            "metadata": {"name": "p", "labels": {"z": "1", "a": "2"}, "annotations": null,
                         "creationTimestamp": null, "managedFields": [{"manager": "m", "fieldsV1": {"f:x": {}}}]},
            "spec": {
                "volumes": [{"name": "v", "emptyDir": {}}, null],
                "containers": [{
                    "resources": {"limits": {"memory": "1Gi", "cpu": "2000m"}},
                    "name": "app", "image": "i", "extra": [1, 2],
                    "ports": [{"containerPort": 80.0, "protocol": "TCP"}],
                    "env": [{"name": "A", "value": ""}, {"value": "x", "name": "B"}],
                    "readinessProbe": {"httpGet": {"port": "http", "path": "/"}}
                }],
                "hostNetwork": false,
                "nodeSelector": {"b": "1", "a": "2"}
            }
        }),
        json!(null),
        json!({"spec": {"containers": null, "initContainers": []}}),
    ];
    for opts in [
        NormalizeOptions::default(),
        NormalizeOptions::go(),
        NormalizeOptions {
            keep_unknown: false,
            ..NormalizeOptions::default()
        },
    ] {
        for pod in &pods {
            let by_ref = normalize_pod(pod, &opts).unwrap();
            let by_value = normalize_owned(&POD, pod.clone(), &opts).unwrap();
            assert_eq!(
                serde_json::to_string(&by_ref).unwrap(),
                serde_json::to_string(&by_value).unwrap(),
                "{opts:?}"
            );
        }
    }
    let bad = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": "80"}]}]}});
    assert_eq!(
        normalize_pod(&bad, &NormalizeOptions::default()).unwrap_err(),
        normalize_owned(&POD, bad, &NormalizeOptions::default()).unwrap_err()
    );
}

#[test]
fn objects_with_many_keys_normalize_in_place_like_by_reference() {
    // Past the keys whose fields the order check keeps, fields are found by a second scan.
    let mut container = serde_json::Map::new();
    container.insert("name".into(), json!("app"));
    container.insert("image".into(), json!(""));
    container.insert("ports".into(), json!([{"containerPort": 80.0}]));
    for i in 0..40 {
        container.insert(format!("x-unknown-{i}"), json!(i));
    }
    let pod = json!({"spec": {"containers": [Value::Object(container)]}});
    let opts = NormalizeOptions::default();
    let by_ref = normalize_pod(&pod, &opts).unwrap();
    let by_value = normalize_owned(&POD, pod, &opts).unwrap();
    let text = serde_json::to_string(&by_value).unwrap();
    assert_eq!(serde_json::to_string(&by_ref).unwrap(), text);
    assert!(!text.contains("\"image\""), "{text}");
    assert!(text.contains(r#""ports":[{"containerPort":80}]"#), "{text}");
    assert!(text.contains(r#""x-unknown-39":39"#), "{text}");
}

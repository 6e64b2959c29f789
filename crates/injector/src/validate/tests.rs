//! `validate`'s tests: Istio's annotation table and messages, the checks beyond Istio, the
//! conformance inputs.

use super::*;
use serde_json::json;

fn validate_one(name: &str, value: &str) -> Result<(), String> {
    let mut annotations = Map::new();
    annotations.insert(name.to_string(), json!(value));
    validate_annotations(&annotations).map_err(|e| e.to_string())
}

/// (annotation, value, accepted) — Istio's validators on Go's parser facts.
const TABLE: &[(&str, &str, bool)] = &[
    ("sidecar.istio.io/interceptionMode", "REDIRECT", true),
    ("sidecar.istio.io/interceptionMode", "TPROXY", true),
    ("sidecar.istio.io/interceptionMode", "NONE", true),
    ("sidecar.istio.io/interceptionMode", "redirect", false),
    ("sidecar.istio.io/interceptionMode", "", false),
    ("status.sidecar.istio.io/port", "15020", true),
    ("status.sidecar.istio.io/port", "0", true),
    ("status.sidecar.istio.io/port", " 15020 ", true),
    ("status.sidecar.istio.io/port", "65535", true),
    ("status.sidecar.istio.io/port", "65536", false),
    ("status.sidecar.istio.io/port", "-1", false),
    ("status.sidecar.istio.io/port", "+80", false),
    ("status.sidecar.istio.io/port", "", false),
    (
        "readiness.status.sidecar.istio.io/initialDelaySeconds",
        "100",
        true,
    ),
    (
        "readiness.status.sidecar.istio.io/initialDelaySeconds",
        "-1",
        false,
    ),
    (
        "readiness.status.sidecar.istio.io/periodSeconds",
        "4294967295",
        true,
    ),
    (
        "readiness.status.sidecar.istio.io/periodSeconds",
        "4294967296",
        false,
    ),
    (
        "readiness.status.sidecar.istio.io/failureThreshold",
        "1_000",
        false,
    ),
    (
        "readiness.status.sidecar.istio.io/failureThreshold",
        " 3",
        false,
    ),
    (
        "readiness.status.sidecar.istio.io/failureThreshold",
        "",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "*",
        true,
    ),
    ("traffic.sidecar.istio.io/includeOutboundIPRanges", "", true),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "127.0.0.1/24,10.96.0.1/24",
        true,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "fd00::/8,::ffff:1.2.3.4/128",
        true,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "bad",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "*,10.0.0.0/8",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "10.0.0.0/8,",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "10.0.0.0",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "10.0.0.0/33",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "10.0.0.0/08",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "10.0.0.0/+8",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "010.0.0.0/8",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        " 10.0.0.0/8",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "fe80::1%eth0/64",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "::/129",
        false,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        "10.96.0.2/24,10.96.0.3/24",
        true,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        "*",
        false,
    ),
    ("traffic.sidecar.istio.io/includeInboundPorts", "*", true),
    (
        "traffic.sidecar.istio.io/includeInboundPorts",
        "1,2,3",
        true,
    ),
    (
        "traffic.sidecar.istio.io/includeInboundPorts",
        " 1, 2 ,3 ",
        true,
    ),
    ("traffic.sidecar.istio.io/includeInboundPorts", "", true),
    ("traffic.sidecar.istio.io/includeInboundPorts", "bad", false),
    (
        "traffic.sidecar.istio.io/includeInboundPorts",
        "1,,2",
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeInboundPorts",
        "8080:9090",
        false,
    ),
    (
        "traffic.sidecar.istio.io/excludeInboundPorts",
        "4,5,6",
        true,
    ),
    ("traffic.sidecar.istio.io/excludeInboundPorts", "*", false),
    (
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        "7,8,9",
        true,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        "bad",
        false,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        "70000",
        false,
    ),
    (
        "traffic.sidecar.istio.io/excludeInterfaces",
        "eth0,net1.100,veth_a-b",
        true,
    ),
    ("traffic.sidecar.istio.io/excludeInterfaces", "", true),
    (
        "traffic.sidecar.istio.io/excludeInterfaces",
        "eth0 -d 10.0.0.50 -p tcp",
        false,
    ),
    ("traffic.sidecar.istio.io/excludeInterfaces", "eth0,", false),
    ("traffic.sidecar.istio.io/excludeInterfaces", "-eth0", false),
    (
        "traffic.sidecar.istio.io/excludeInterfaces",
        "abcdefghijklmnop",
        false,
    ),
    (
        "traffic.sidecar.istio.io/kubevirtInterfaces",
        "net1,net2",
        true,
    ),
    (
        "traffic.sidecar.istio.io/kubevirtInterfaces",
        "net1;reboot",
        false,
    ),
    (
        "istio.io/reroute-virtual-interfaces",
        "net1ps5,net2qr9",
        true,
    ),
    (
        "istio.io/reroute-virtual-interfaces",
        "eth2 -s 192.168.1.0/24",
        false,
    ),
    ("prometheus.istio.io/merge-metrics", "true", true),
    ("prometheus.istio.io/merge-metrics", "F", true),
    ("prometheus.istio.io/merge-metrics", "0", true),
    ("prometheus.istio.io/merge-metrics", "yes", false),
    ("prometheus.istio.io/merge-metrics", "", false),
    ("sidecar.istio.io/proxyCPU", "100m", true),
    ("sidecar.istio.io/proxyCPU", "4000m", true),
    ("sidecar.istio.io/proxyMemory", "1Gi", true),
    ("sidecar.istio.io/proxyCPULimit", "1000m", true),
    ("sidecar.istio.io/proxyMemoryLimit", "2Gi", true),
    ("sidecar.istio.io/proxyCPU", "lots", false),
    ("sidecar.istio.io/proxyCPU", "", false),
    (
        "sidecar.istio.io/proxyCPU",
        "100m\"\n  - name: injected\n    image: \"busybox",
        false,
    ),
    ("sidecar.istio.io/proxyMemoryLimit", "2Gi\n", false),
    ("sidecar.istio.io/proxyMemory", "1 Gi", false),
    ("sidecar.istio.io/proxyCPULimit", "1000mm", false),
    ("proxy.istio.io/config", "concurrency: 2", true),
    ("proxy.istio.io/config", "concurrency: [", false),
    ("proxy.istio.io/config", "drainDuration: -1s", false),
    // Annotations without a validator pass whatever they hold.
    ("sidecar.istio.io/logLevel", "debug\n: x", true),
    (
        "traffic.sidecar.istio.io/includeOutboundPorts",
        "anything",
        true,
    ),
    (
        "readiness.status.sidecar.istio.io/applicationPorts",
        "x",
        true,
    ),
];

#[test]
fn every_listed_annotation_has_a_validator_and_the_table_covers_them() {
    for name in validated_annotations() {
        assert!(validator_for(name).is_some(), "{name}");
        assert!(
            TABLE.iter().any(|(n, _, ok)| *n == name && !ok),
            "{name} has no rejected value in the table"
        );
    }
}

#[test]
fn annotation_table() {
    for (name, value, accepted) in TABLE {
        let got = validate_one(name, value);
        assert_eq!(got.is_ok(), *accepted, "{name}={value:?}: {got:?}");
    }
}

#[test]
fn messages_carry_istio_texts() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "sidecar.istio.io/interceptionMode",
            "x",
            "1 error occurred:\n\t* invalid value 'x' for annotation \
             'sidecar.istio.io/interceptionMode': interceptionMode invalid, use \
             REDIRECT,TPROXY,NONE: x\n\n",
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundPorts",
            "bad",
            "1 error occurred:\n\t* invalid value 'bad' for annotation \
             'traffic.sidecar.istio.io/excludeOutboundPorts': excludeOutboundPorts invalid: \
             failed parsing port 'bad': failed parsing port 'bad': strconv.ParseUint: \
             parsing \"bad\": invalid syntax\n\n",
        ),
        (
            "status.sidecar.istio.io/port",
            "99999",
            "1 error occurred:\n\t* invalid value '99999' for annotation \
             'status.sidecar.istio.io/port': excludeInboundPorts invalid: failed parsing \
             port '99999': strconv.ParseUint: parsing \"99999\": value out of range\n\n",
        ),
        (
            "traffic.sidecar.istio.io/includeOutboundIPRanges",
            "bad",
            "1 error occurred:\n\t* invalid value 'bad' for annotation \
             'traffic.sidecar.istio.io/includeOutboundIPRanges': includeIPRanges invalid: \
             failed parsing cidr 'bad': netip.ParsePrefix(\"bad\"): no '/'\n\n",
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            "1.2.3.4/x",
            "1 error occurred:\n\t* invalid value '1.2.3.4/x' for annotation \
             'traffic.sidecar.istio.io/excludeOutboundIPRanges': excludeIPRanges invalid: \
             failed parsing cidr '1.2.3.4/x': netip.ParsePrefix(\"1.2.3.4/x\"): bad bits \
             after slash: \"x\"\n\n",
        ),
        (
            "prometheus.istio.io/merge-metrics",
            "yes",
            "1 error occurred:\n\t* invalid value 'yes' for annotation \
             'prometheus.istio.io/merge-metrics': strconv.ParseBool: parsing \"yes\": \
             invalid syntax\n\n",
        ),
        (
            "readiness.status.sidecar.istio.io/periodSeconds",
            "a\tb",
            "1 error occurred:\n\t* invalid value 'a\tb' for annotation \
             'readiness.status.sidecar.istio.io/periodSeconds': strconv.ParseUint: parsing \
             \"a\\tb\": invalid syntax\n\n",
        ),
    ];
    for (name, value, want) in cases {
        assert_eq!(validate_one(name, value).unwrap_err(), *want, "{name}");
    }
}

#[test]
fn all_errors_are_reported_together_in_pod_order() {
    let annotations = json!({
        "traffic.sidecar.istio.io/includeInboundPorts": "bad",
        "sidecar.istio.io/interceptionMode": "REDIRECT",
        "traffic.sidecar.istio.io/excludeOutboundIPRanges": "*",
        "prometheus.istio.io/merge-metrics": 1,
    });
    let Value::Object(annotations) = annotations else {
        unreachable!()
    };
    let Err(InjectError::InvalidAnnotations(message)) = validate_annotations(&annotations) else {
        panic!("expected invalid annotations");
    };
    assert!(
        message.starts_with("3 errors occurred:\n\t* invalid value 'bad'"),
        "{message}"
    );
    let include = message
        .find("includeInboundPorts invalid")
        .unwrap_or(usize::MAX);
    let exclude = message.find("excludeIPRanges invalid").unwrap_or(0);
    assert!(include < exclude, "{message}");
    assert!(message.contains(
        "\n\t* annotation 'prometheus.istio.io/merge-metrics' must be a string, not a number\n\n"
    ));
}

#[test]
fn null_reads_as_empty_string() {
    let mut annotations = Map::new();
    annotations.insert("prometheus.istio.io/merge-metrics".into(), Value::Null);
    annotations.insert(
        "traffic.sidecar.istio.io/excludeInboundPorts".into(),
        Value::Null,
    );
    let message = validate_annotations(&annotations).unwrap_err().to_string();
    assert!(message.starts_with("1 error occurred:"), "{message}");
    assert!(message.contains("strconv.ParseBool: parsing \"\": invalid syntax"));
}

#[test]
fn control_characters_are_refused_even_where_istio_trims() {
    // Istio accepts these (TrimSpace) and would print them into `--debug-port=`.
    for value in ["\n15020", "15020\n", "80\r"] {
        let got = validate_one("status.sidecar.istio.io/port", value);
        assert!(
            got.is_err_and(|e| e.contains("control characters")),
            "{value:?}"
        );
    }
    let got = validate_one("traffic.sidecar.istio.io/excludeInboundPorts", "80,\n81");
    assert!(got.is_err());
}

#[test]
fn proxy_config_annotation() {
    assert!(
        validate_one(
            "proxy.istio.io/config",
            "holdApplicationUntilProxyStarts: true\n"
        )
        .is_ok()
    );
    assert!(validate_one("proxy.istio.io/config", "concurrency: 2").is_ok());
    let malformed = validate_one("proxy.istio.io/config", "concurrency: [").unwrap_err();
    assert!(
        malformed.contains("failed to convert to apply proxy config: "),
        "{malformed}"
    );
    let invalid = validate_one("proxy.istio.io/config", "drainDuration: -1s").unwrap_err();
    assert!(
        invalid.contains("for annotation 'proxy.istio.io/config': 1 error occurred:"),
        "{invalid}"
    );
}

proptest::proptest! {
    #[test]
    fn port_lists_agree_with_a_model(ports in proptest::collection::vec(0u32..70000, 1..5)) {
        let text = ports.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let want = ports.iter().all(|p| *p <= 65535);
        let got = validate_one("traffic.sidecar.istio.io/excludeInboundPorts", &text);
        proptest::prop_assert_eq!(got.is_ok(), want);
    }

    #[test]
    fn cidrs_agree_with_std(a in 0u8..=255, b in 0u8..=255, bits in 0u32..40) {
        let text = format!("{a}.{b}.0.1/{bits}");
        let got = validate_one("traffic.sidecar.istio.io/excludeOutboundIPRanges", &text);
        proptest::prop_assert_eq!(got.is_ok(), bits <= 32);
    }

    #[test]
    fn arbitrary_values_never_panic(name_index in 0usize..19, value in ".*") {
        let _ = validate_one(VALIDATORS[name_index].0, &value);
    }
}

/// Every annotation map under `metadata.annotations` of a workload's pod template (or a Pod).
fn pod_annotations(document: &Value, out: &mut Vec<Map<String, Value>>) {
    for pointer in [
        "/metadata/annotations",
        "/spec/template/metadata/annotations",
        "/spec/jobTemplate/spec/template/metadata/annotations",
    ] {
        let is_pod = document.get("kind") == Some(&json!("Pod"));
        if is_pod != (pointer == "/metadata/annotations") {
            continue;
        }
        if let Some(Value::Object(map)) = document.pointer(pointer) {
            out.push(map.clone());
        }
    }
    if let Some(items) = document.get("items").and_then(Value::as_array) {
        for item in items {
            pod_annotations(item, out);
        }
    }
}

/// Error cases fail with their `expectError` substring; every other input validates.
#[test]
fn conformance_cases() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let (mut failing, mut passing) = (0, 0);
    let cases = istio_conformance::case_dirs(&dir);
    for case in cases {
        let case_yaml: Value = serde_yaml_ng::from_str(
            &std::fs::read_to_string(case.join("case.yaml")).expect("case.yaml"),
        )
        .expect("case.yaml parses");
        let input = std::fs::read_to_string(case.join("input.yaml")).expect("input.yaml");
        let mut maps = Vec::new();
        for part in input.split("\n---") {
            if let Ok(document) = serde_yaml_ng::from_str::<Value>(part) {
                pod_annotations(&document, &mut maps);
            }
        }
        let results: Vec<_> = maps.iter().map(validate_annotations).collect();
        match case_yaml.get("expectError").and_then(Value::as_str) {
            Some(expected) => {
                let hit = results.iter().any(|r| {
                    r.as_ref()
                        .is_err_and(|e| e.to_string().to_lowercase().contains(expected))
                });
                assert!(
                    hit,
                    "{}: no error containing {expected:?}: {results:?}",
                    case.display()
                );
                failing += 1;
            }
            None => {
                for result in results {
                    assert!(result.is_ok(), "{}: {result:?}", case.display());
                    passing += 1;
                }
            }
        }
    }
    assert!(failing >= 4, "only {failing} error cases");
    assert!(passing >= 25, "only {passing} annotated pods");
}

/// The "beyond Istio" refusals: only values that could leave the template's quoting.
#[test]
fn beyond_istio_refusals() {
    let accepted: &[(&str, &str)] = &[
        ("traffic.sidecar.istio.io/includeOutboundPorts", "80,443"),
        ("k8s.v1.cni.cncf.io/networks", "[\n  {\"name\": \"a\"}\n]"),
        (
            "sidecar.istio.io/userVolume",
            r#"{"data": {"hostPath": {"path": "/d\"x"}}}"#,
        ),
        (
            "apm.datadoghq.com/env",
            r#"{"DD_ENV": "prod", "DD_SERVICE": "web"}"#,
        ),
        (
            "proxy.istio.io/config",
            "proxyMetadata:\n  ISTIO_META_X: \"a b\"\n",
        ),
        ("resource.opentelemetry.io/service.version", "v1.2"),
        ("sidecar.istio.io/logLevel", "debug\"\n- x"),
    ];
    for (name, value) in accepted {
        assert_eq!(validate_one(name, value), Ok(()), "{name} = {value:?}");
    }
    let refused: &[(&str, &str)] = &[
        (
            "traffic.sidecar.istio.io/includeOutboundPorts",
            "80\", x: \"",
        ),
        ("traffic.sidecar.istio.io/includeOutboundPorts", "80\\"),
        ("k8s.v1.cni.cncf.io/networks", "a',\n  evil: 'b"),
        (
            "sidecar.istio.io/userVolumeMount",
            r#"{"a\"\n- name: x": {"mountPath": "/x"}}"#,
        ),
        ("apm.datadoghq.com/env", r#"{"A: b\n- name": "x"}"#),
        ("apm.datadoghq.com/env", r#"{"DD_ENV": "x\"y"}"#),
        ("proxy.istio.io/config", "proxyMetadata:\n  \"A: b\": c\n"),
        ("proxy.istio.io/config", "proxyMetadata:\n  A: \"b\\\"c\"\n"),
        (
            "proxy.istio.io/config",
            "tracing:\n  tlsSettings:\n    caCertificates: \"/a\\n- x\"\n",
        ),
        ("resource.opentelemetry.io/service.namespace", "ns\"x"),
    ];
    for (name, value) in refused {
        let err = validate_one(name, value).unwrap_err();
        assert!(
            err.contains(&format!("for annotation '{name}'")),
            "{name} = {value:?}: {err}"
        );
    }
}

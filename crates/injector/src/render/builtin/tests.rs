//! Branches of the stock templates that Istio's goldens do not reach, checked against what the
//! template text prints for them, and the Go/YAML failure modes.

use super::Builtin;
use crate::config::{MeshConfig, ProxyConfig, Values};
use crate::deploymeta::DeployMeta;
use crate::error::InjectError;
use crate::render::{Renderer, TemplateData};
use proptest::prelude::*;
use serde_json::{Value, json};

struct Setup {
    values: Values,
    mesh: MeshConfig,
    proxy_config: ProxyConfig,
    native: bool,
    compliance: String,
}

impl Setup {
    fn new(values_overlay: Value) -> Setup {
        let values = Values::istio_defaults().overlay(&values_overlay);
        let mesh = MeshConfig::istio_defaults();
        let proxy_config = mesh.default_config().clone();
        Setup {
            values,
            mesh,
            proxy_config,
            native: true,
            compliance: String::new(),
        }
    }

    fn proxy_config(mut self, yaml: &str) -> Setup {
        self.proxy_config = self
            .proxy_config
            .apply_yaml(yaml)
            .unwrap_or_else(|e| panic!("proxy config {yaml}: {e}"));
        self
    }

    fn classic(mut self) -> Setup {
        self.native = false;
        self
    }

    fn render(&self, template: &str, pod: &Value) -> Result<Value, InjectError> {
        let deploy = DeployMeta {
            name: "app".into(),
            namespace: "ns".into(),
            kind: "Deployment".into(),
            api_version: "apps/v1".into(),
        };
        let empty = json!({});
        let data = TemplateData {
            deploy_meta: &deploy,
            object_meta: pod.get("metadata").unwrap_or(&empty),
            spec: pod.get("spec").unwrap_or(&empty),
            proxy_config: &self.proxy_config,
            mesh_config: &self.mesh,
            values: &self.values,
            revision: "",
            native_sidecars: self.native,
            proxy_image: "hub/proxyv2:tag",
            proxy_init_image: "hub/proxyv2:tag",
            proxy_uid: 1337,
            proxy_gid: 1337,
            inbound_traffic_policy_mode: "passthrough",
            compliance_policy: &self.compliance,
        };
        Builtin.render(template, &data)
    }

    /// The `sidecar` render, which must come out typed (see `typed_check`).
    fn sidecar(&self, pod: &Value) -> Value {
        let render = self
            .render("sidecar", pod)
            .unwrap_or_else(|e| panic!("render failed: {e}"));
        let untyped = super::typed_check::untyped_places(pod, &render);
        assert!(untyped.is_empty(), "not rendered typed: {untyped:#?}");
        render
    }
}

fn pod(annotations: Value) -> Value {
    json!({
        "metadata": {"annotations": annotations, "labels": {"app": "app"}},
        "spec": {"containers": [{"name": "app", "image": "app:1", "ports": [{"containerPort": 8080}]}]},
    })
}

fn container<'a>(out: &'a Value, name: &str) -> &'a Value {
    ["initContainers", "containers"]
        .iter()
        .filter_map(|list| out.pointer(&format!("/spec/{list}"))?.as_array())
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no container {name} in {out}"))
}

fn args(c: &Value) -> Vec<&str> {
    c["args"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn env<'a>(c: &'a Value, name: &str) -> Option<&'a Value> {
    c["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .map(|e| &e["value"])
}

fn volume<'a>(out: &'a Value, name: &str) -> Option<&'a Value> {
    out["spec"]["volumes"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == name)
}

fn mount<'a>(c: &'a Value, name: &str) -> Option<&'a Value> {
    c["volumeMounts"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == name)
}

fn render_error(result: Result<Value, InjectError>) -> String {
    match result {
        Err(InjectError::Render(msg)) => msg,
        other => panic!("expected a render error, got {other:?}"),
    }
}

#[test]
fn default_sidecar_shape() {
    let out = Setup::new(json!({})).sidecar(&pod(json!({})));
    let init = container(&out, "istio-init");
    assert_eq!(
        args(init),
        [
            "istio-iptables",
            "-p",
            "15001",
            "-z",
            "15006",
            "-u",
            "1337",
            "-m",
            "REDIRECT",
            "-i",
            "*",
            "-x",
            "",
            "-b",
            "*",
            "-d",
            "15090,15021,15020",
            "--log_output_level=default:info"
        ]
    );
    let proxy = container(&out, "istio-proxy");
    assert_eq!(proxy["restartPolicy"], "Always");
    assert_eq!(
        env(proxy, "ISTIO_META_POD_PORTS"),
        Some(&json!("[\n    {\"containerPort\":8080}\n]"))
    );
    assert_eq!(env(proxy, "PROXY_CONFIG"), Some(&json!("{}\n")));
    assert_eq!(env(proxy, "ISTIO_META_APP_CONTAINERS"), Some(&json!("app")));
    assert_eq!(
        env(proxy, "ISTIO_META_OWNER"),
        Some(&json!(
            "kubernetes://apis/apps/v1/namespaces/ns/deployments/app"
        ))
    );
    // Native sidecars drain on preStop; the readiness probe reads the values as numbers.
    assert_eq!(
        proxy["lifecycle"]["preStop"]["exec"]["command"],
        json!([
            "pilot-agent",
            "request",
            "--debug-port=15020",
            "POST",
            "drain"
        ])
    );
    assert_eq!(proxy["readinessProbe"]["periodSeconds"], json!(15));
    assert_eq!(proxy["startupProbe"]["failureThreshold"], json!(600));
    // `- emptyDir:` is a YAML null, kept for the merge to delete.
    assert_eq!(
        volume(&out, "workload-socket"),
        Some(&json!({"emptyDir": null, "name": "workload-socket"}))
    );
    assert_eq!(out["metadata"]["annotations"]["istio.io/rev"], "default");
    assert_eq!(
        out["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"],
        "app"
    );
    assert_eq!(
        out["metadata"]["labels"]["service.istio.io/canonical-name"],
        "app"
    );
}

#[test]
fn interception_none_and_classic_layouts() {
    let none = pod(json!({"sidecar.istio.io/interceptionMode": "NONE"}));
    // Classic sidecar: `initContainers: []` (the merge leaves the pod's list alone).
    let out = Setup::new(json!({})).classic().sidecar(&none);
    assert_eq!(out["spec"]["initContainers"], json!([]));
    assert_eq!(out["spec"]["containers"][0]["name"], "istio-proxy");
    // Native sidecar: the proxy is the only init container.
    let out = Setup::new(json!({})).sidecar(&none);
    assert_eq!(
        out["spec"]["initContainers"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(out["spec"].get("containers").is_none());
    // Classic with hold-application: postStart wait instead of the preStop drain.
    let out = Setup::new(json!({"global": {"proxy": {"holdApplicationUntilProxyStarts": true}}}))
        .classic()
        .sidecar(&pod(json!({})));
    let proxy = container(&out, "istio-proxy");
    assert_eq!(
        proxy["lifecycle"],
        json!({"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}})
    );
    assert!(proxy.get("restartPolicy").is_none());
}

#[test]
fn values_switches() {
    let setup = Setup::new(json!({"global": {
        "logAsJson": true,
        "sts": {"servicePort": 15463},
        "imagePullPolicy": "Always",
        "meshID": "mesh1",
        "caName": "GkeWorkloadCertificate",
        "mountMtlsCerts": true,
        "trustBundleName": "bundle",
        "nativeNftables": true,
        "proxy_init": {"forceApplyIptables": true},
        "proxy": {
            "outlierLogPath": "/dev/stdout",
            "capNetBindService": true,
            "seccompProfile": {"type": "RuntimeDefault"},
            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
        },
    }}));
    let mut p = pod(json!({}));
    p["spec"]["serviceAccountName"] = json!("sa");
    let out = setup.sidecar(&p);
    let init = container(&out, "istio-init");
    let init_args = args(init);
    for flag in ["--log_as_json", "--force-apply", "--native-nftables"] {
        assert!(init_args.contains(&flag), "{flag} in {init_args:?}");
    }
    assert_eq!(init["imagePullPolicy"], "Always");
    assert_eq!(
        init["securityContext"]["seccompProfile"],
        json!({"type": "RuntimeDefault"})
    );
    let proxy = container(&out, "istio-proxy");
    let proxy_args = args(proxy);
    for flag in [
        "--stsPort=15463",
        "--log_as_json",
        "--outlierLogPath=/dev/stdout",
    ] {
        assert!(proxy_args.contains(&flag), "{flag} in {proxy_args:?}");
    }
    assert_eq!(
        proxy["lifecycle"],
        json!({"preStop": {"exec": {"command": ["sleep", "5"]}}})
    );
    assert_eq!(env(proxy, "ISTIO_META_MESH_ID"), Some(&json!("mesh1")));
    assert_eq!(env(proxy, "TRUST_DOMAIN"), Some(&json!("cluster.local")));
    let sc = &proxy["securityContext"];
    assert_eq!(sc["capabilities"]["add"], json!(["NET_BIND_SERVICE"]));
    assert_eq!(
        (&sc["runAsUser"], &sc["runAsGroup"], &sc["runAsNonRoot"]),
        (&json!(0), &json!(1337), &json!(false))
    );
    assert_eq!(
        mount(proxy, "gke-workload-certificate").map(|m| &m["readOnly"]),
        Some(&json!(true))
    );
    assert!(mount(proxy, "workload-certs").is_none());
    assert_eq!(
        volume(&out, "gke-workload-certificate").map(|v| &v["csi"]["driver"]),
        Some(&json!("workloadcertificates.security.cloud.google.com"))
    );
    assert_eq!(
        volume(&out, "istio-certs"),
        Some(
            &json!({"name": "istio-certs", "secret": {"optional": true, "secretName": "istio.sa"}})
        )
    );
    assert_eq!(
        volume(&out, "istiod-ca-cert").map(|v| &v["configMap"]["name"]),
        Some(&json!("bundle"))
    );
}

#[test]
fn cluster_trust_bundle_projection() {
    let setup = Setup::new(json!({"pilot": {"env": {"ENABLE_CLUSTER_TRUST_BUNDLE_API": true}}}));
    let out = setup.sidecar(&pod(json!({})));
    assert_eq!(
        volume(&out, "istiod-ca-cert"),
        Some(
            &json!({"name": "istiod-ca-cert", "projected": {"sources": [{"clusterTrustBundle": {
            "name": "istio.io:istiod-ca:root-cert", "path": "root-cert.pem"}}]}})
        )
    );
    // The string "true" cannot be compared with a bool in Go: Istio fails the render.
    let setup = Setup::new(json!({"pilot": {"env": {"ENABLE_CLUSTER_TRUST_BUNDLE_API": "true"}}}));
    let msg = render_error(setup.render("sidecar", &pod(json!({}))));
    assert!(msg.contains("incompatible types"), "{msg}");
}

#[test]
fn annotation_switches() {
    let setup = Setup::new(json!({}));
    let out = setup.sidecar(&pod(json!({
        "sidecar.istio.io/bootstrapOverride": "my-bootstrap",
        "sidecar.istio.io/userVolume": r#"{"extra": {"configMap": {"name": "cm"}}}"#,
        "sidecar.istio.io/userVolumeMount": r#"{"extra": {"mountPath": "/extra", "readOnly": true}}"#,
        "status.sidecar.istio.io/port": "0",
        "traffic.sidecar.istio.io/includeOutboundPorts": "80,443",
        "traffic.sidecar.istio.io/excludeInterfaces": "eth1",
        "istio.io/reroute-virtual-interfaces": "tap0",
        "sidecar.istio.io/proxyCPU": "200m",
        "sidecar.istio.io/proxyMemoryLimit": "1Gi",
        "sidecar.istio.io/proxyImage": "registry.local/proxy:dev",
    })));
    let init = container(&out, "istio-init");
    let a = args(init);
    for pair in [["-q", "80,443"], ["-c", "eth1"], ["-k", "tap0"]] {
        assert!(a.windows(2).any(|w| w == pair), "{pair:?} in {a:?}");
    }
    // Status port 0: nothing excluded but the fixed ports, and no probes.
    assert!(a.windows(2).any(|w| w == ["-d", "15090,15021"]));
    let proxy = container(&out, "istio-proxy");
    assert!(proxy.get("readinessProbe").is_none() && proxy.get("startupProbe").is_none());
    assert_eq!(proxy["image"], "registry.local/proxy:dev");
    assert_eq!(init["image"], "registry.local/proxy:dev");
    assert_eq!(
        proxy["resources"],
        json!({"requests": {"cpu": "200m"}, "limits": {"memory": "1Gi"}})
    );
    assert_eq!(
        env(proxy, "ISTIO_BOOTSTRAP_OVERRIDE"),
        Some(&json!("/etc/istio/custom-bootstrap/custom_bootstrap.json"))
    );
    assert!(mount(proxy, "custom-bootstrap-volume").is_some());
    assert_eq!(
        volume(&out, "custom-bootstrap-volume"),
        Some(&json!({"name": "custom-bootstrap-volume", "configMap": {"name": "my-bootstrap"}}))
    );
    assert_eq!(
        mount(proxy, "extra"),
        Some(&json!({"name": "extra", "mountPath": "/extra", "readOnly": true}))
    );
    assert_eq!(
        volume(&out, "extra"),
        Some(&json!({"name": "extra", "configMap": {"name": "cm"}}))
    );
}

#[test]
fn proxy_metadata_switches() {
    let setup = Setup::new(json!({}))
        .proxy_config("proxyMetadata: {ISTIO_META_ENABLE_HBONE: \"true\", IPTABLES_TRACE_LOGGING: \"true\", B: \"x\\\\ny\"}");
    let out = setup.sidecar(&pod(json!({})));
    assert_eq!(
        out["metadata"]["labels"]["networking.istio.io/tunnel"],
        "http"
    );
    let proxy = container(&out, "istio-proxy");
    let sc = &proxy["securityContext"];
    assert_eq!(sc["privileged"], json!(true));
    assert_eq!(sc["capabilities"]["add"], json!(["NET_ADMIN"]));
    // The init container gets the metadata as env too; "\n" inside the quotes is an escape.
    let init = container(&out, "istio-init");
    assert_eq!(env(init, "B"), Some(&json!("x\ny")));
    assert_eq!(env(proxy, "B"), Some(&json!("x\ny")));
}

#[test]
fn tracer_specific_output() {
    let setup = Setup::new(json!({"global": {"proxy": {"tracer": "datadog"}}}));
    let out = setup.sidecar(&pod(
        json!({"apm.datadoghq.com/env": r#"{"DD_ENV": "prod", "DD_VERSION": 2}"#}),
    ));
    let proxy = container(&out, "istio-proxy");
    assert_eq!(env(proxy, "DD_ENV"), Some(&json!("prod")));
    assert_eq!(env(proxy, "DD_VERSION"), Some(&json!("2")));

    let setup = Setup::new(json!({"global": {"proxy": {"tracer": "lightstep"}}}))
        .proxy_config("tracing: {tlsSettings: {caCertificates: /etc/lightstep/cacert.pem}}");
    let out = setup.sidecar(&pod(json!({})));
    let proxy = container(&out, "istio-proxy");
    assert_eq!(
        mount(proxy, "lightstep-certs"),
        Some(&json!({"mountPath": "/etc/lightstep/", "name": "lightstep-certs", "readOnly": true}))
    );
    assert!(volume(&out, "lightstep-certs").is_some());
}

#[test]
fn unquoted_values_take_their_yaml_type() {
    // YAML 1.1: `yes` is a boolean, so this renders `privileged: true`.
    let out =
        Setup::new(json!({"global": {"proxy": {"privileged": "yes"}}})).sidecar(&pod(json!({})));
    assert_eq!(
        container(&out, "istio-proxy")["securityContext"]["privileged"],
        json!(true)
    );
    // A float prints as Go's %v and YAML reads the integer back.
    let out = Setup::new(json!({"global": {"proxy": {"readinessPeriodSeconds": 30.0}}}))
        .sidecar(&pod(json!({})));
    assert_eq!(
        container(&out, "istio-proxy")["readinessProbe"]["periodSeconds"],
        json!(30)
    );
    // An empty cert provider prints nothing: `value:` is null.
    let out = Setup::new(json!({"global": {"pilotCertProvider": ""}})).sidecar(&pod(json!({})));
    assert_eq!(
        env(container(&out, "istio-proxy"), "PILOT_CERT_PROVIDER"),
        Some(&Value::Null)
    );
    // Without startupProbe settings there is no startup probe (missing keys are no value).
    let mut values = Values::istio_defaults().raw().clone();
    if let Some(proxy) = values
        .pointer_mut("/global/proxy")
        .and_then(Value::as_object_mut)
    {
        proxy.remove("startupProbe");
    }
    let setup = Setup {
        values: Values::from_json(values).unwrap_or_else(|e| panic!("{e}")),
        ..Setup::new(json!({}))
    };
    let out = setup.sidecar(&pod(json!({})));
    assert!(container(&out, "istio-proxy").get("startupProbe").is_none());
}

#[test]
fn istio_render_failures() {
    let cases: &[(Value, Value, &str)] = &[
        // `<no value>` is not a bool.
        (
            json!({"global": {"proxy": {"privileged": null}}}),
            json!({}),
            "not a boolean",
        ),
        // A readiness annotation that is not a number.
        (
            json!({}),
            json!({"readiness.status.sidecar.istio.io/periodSeconds": "soon"}),
            "32-bit integer",
        ),
        (
            json!({}),
            json!({"readiness.status.sidecar.istio.io/periodSeconds": "1.5"}),
            "32-bit integer",
        ),
        // A number where Go compares with a string.
        (
            json!({"global": {"caName": 5}}),
            json!({}),
            "incompatible types",
        ),
        (
            json!({"global": {"proxy": {"includeOutboundPorts": 80}}}),
            json!({}),
            "incompatible types",
        ),
        // A null part-way down a field chain.
        (json!({"global": {"sts": null}}), json!({}), "nil pointer"),
        // Quotes inside a double-quoted value end it early.
        (
            json!({"global": {"multiCluster": {"clusterName": "a\"b"}}}),
            json!({}),
            "unescaped",
        ),
        // JSON annotations that cannot become YAML entries.
        (
            json!({}),
            json!({"sidecar.istio.io/userVolume": r#"{"v": "str"}"#}),
            "non-empty JSON object",
        ),
        (
            json!({}),
            json!({"sidecar.istio.io/userVolumeMount": "not json"}),
            "range can't iterate",
        ),
        (
            json!({"global": {"proxy": {"lifecycle": "x"}}}),
            json!({}),
            "toYaml",
        ),
    ];
    for (values, annotations, want) in cases {
        let msg =
            render_error(Setup::new(values.clone()).render("sidecar", &pod(annotations.clone())));
        assert!(msg.contains(want), "{values} {annotations}: {msg}");
    }
    let msg = render_error(
        Setup::new(json!({}))
            .proxy_config("proxyMetadata: {\"on\": \"x\"}")
            .render("sidecar", &pod(json!({}))),
    );
    assert!(msg.contains("boolean"), "{msg}");
}

#[test]
fn invalid_pods_are_rejected() {
    let setup = Setup::new(json!({}));
    for bad in [
        json!({"metadata": {"annotations": {"a": 1}}, "spec": {}}),
        json!({"metadata": {"labels": []}, "spec": {}}),
        json!({"metadata": {}, "spec": {"containers": {}}}),
        json!({"metadata": {}, "spec": {"containers": [{"name": 3}]}}),
        json!({"metadata": {}, "spec": {"containers": [{"name": "a", "ports": [{"containerPort": "80"}]}]}}),
    ] {
        assert!(
            matches!(
                setup.render("sidecar", &bad),
                Err(InjectError::InvalidPod(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn gateway_and_grpc_templates() {
    let setup = Setup::new(json!({}));
    let p = pod(json!({}));
    let gw = setup
        .render("gateway", &p)
        .unwrap_or_else(|e| panic!("{e}"));
    let proxy = container(&gw, "istio-proxy");
    assert_eq!(args(proxy)[1], "router");
    assert_eq!(
        gw["spec"]["securityContext"],
        json!({"sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]})
    );
    assert!(proxy.get("resources").is_none());

    let simple = setup
        .render("grpc-simple", &p)
        .unwrap_or_else(|e| panic!("{e}"));
    let init = container(&simple, "grpc-bootstrap-init");
    assert_eq!(env(init, "ISTIO_NAMESPACE"), Some(&json!("istio-system\n")));
    assert_eq!(simple["spec"]["containers"][0]["name"], "app");

    let agent = setup
        .render("grpc-agent", &p)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        container(&agent, "app")["env"][1]["value"],
        "/etc/istio/proxy/grpc-bootstrap.json"
    );
    // Status port 0 also drops the proxy's resources and mounts (the template's `if` spans
    // them), and user mounts fall into the env list.
    let zero = pod(json!({
        "status.sidecar.istio.io/port": "0",
        "sidecar.istio.io/userVolumeMount": r#"{"extra": {"mountPath": "/extra"}}"#,
    }));
    let agent = setup
        .render("grpc-agent", &zero)
        .unwrap_or_else(|e| panic!("{e}"));
    let proxy = container(&agent, "istio-proxy");
    assert!(proxy.get("volumeMounts").is_none() && proxy.get("resources").is_none());
    assert_eq!(env(proxy, "extra"), Some(&Value::Null));
    assert_eq!(
        proxy["env"]
            .as_array()
            .and_then(|e| e.last())
            .map(|e| &e["mountPath"]),
        Some(&json!("/extra"))
    );

    assert!(matches!(
        setup.render("waypoint", &p),
        Err(InjectError::TemplateNotFound { .. })
    ));
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(json!({})),
        Just(json!([])),
        Just(json!({"a": null})),
    ]
}

const VALUE_PATHS: &[&[&str]] = &[
    &["global", "proxy", "privileged"],
    &["global", "proxy", "statusPort"],
    &["global", "proxy", "resources"],
    &["global", "proxy", "lifecycle"],
    &["global", "proxy", "includeIPRanges"],
    &["global", "proxy", "excludeOutboundPorts"],
    &["global", "proxy", "startupProbe"],
    &["global", "proxy", "seccompProfile"],
    &["global", "proxy", "tracer"],
    &["global", "imagePullSecrets"],
    &["global", "network"],
    &["global", "sts"],
    &["pilot", "cni"],
    &["pilot", "env"],
    &["revision"],
    &["gateways", "securityContext"],
];

const ANNOTATIONS: &[&str] = &[
    "sidecar.istio.io/interceptionMode",
    "status.sidecar.istio.io/port",
    "sidecar.istio.io/userVolume",
    "sidecar.istio.io/userVolumeMount",
    "readiness.status.sidecar.istio.io/failureThreshold",
    "sidecar.istio.io/nativeSidecar",
    "k8s.v1.cni.cncf.io/networks",
    "sidecar.istio.io/proxyCPU",
    "apm.datadoghq.com/env",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the values and annotations, every template renders or reports an error.
    #[test]
    fn rendering_never_panics(
        values in proptest::collection::vec((0..VALUE_PATHS.len(), scalar()), 0..6),
        annotations in proptest::collection::vec((0..ANNOTATIONS.len(), ".{0,16}"), 0..5),
        native in any::<bool>(),
    ) {
        let mut overlay = json!({});
        for (i, v) in values {
            let mut cur = &mut overlay;
            for part in VALUE_PATHS[i] {
                if !cur.is_object() {
                    *cur = json!({});
                }
                cur = cur
                    .as_object_mut()
                    .map(|m| m.entry(part.to_string()).or_insert(json!({})))
                    .unwrap_or_else(|| unreachable!());
            }
            *cur = v;
        }
        let ann: serde_json::Map<String, Value> = annotations
            .into_iter()
            .map(|(i, v)| (ANNOTATIONS[i].to_string(), Value::String(v)))
            .collect();
        let mut setup = Setup::new(overlay);
        setup.native = native;
        let p = pod(Value::Object(ann));
        for name in super::TEMPLATE_NAMES {
            let _ = setup.render(name, &p);
        }
    }
}

//! The data view through real template execution: Go names, Go zero values, nil-safe
//! getters, enums, `.Values` floats.

use serde_json::{Value as Json, json};

use crate::config::{MeshConfig, ProxyConfig, Values};
use crate::deploymeta::DeployMeta;
use crate::render::TemplateData;
use crate::render::template::funcs;

struct Fixture {
    meta: DeployMeta,
    object_meta: Json,
    spec: Json,
    proxy: ProxyConfig,
    mesh: MeshConfig,
    values: Values,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            meta: DeployMeta {
                name: "hello".into(),
                namespace: "default".into(),
                kind: "Deployment".into(),
                api_version: "apps/v1".into(),
            },
            object_meta: json!({
                "name": "hello-abc",
                "labels": {"app": "hello", "version": "v1"},
                "annotations": {"sidecar.istio.io/interceptionMode": "TPROXY", "empty": ""}
            }),
            spec: json!({
                "containers": [
                    {"name": "hello", "image": "hello:1.0",
                     "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 53, "protocol": "UDP"}]},
                    {"name": "istio-proxy", "image": "proxyv2"}
                ]
            }),
            proxy: ProxyConfig::istio_defaults(),
            mesh: MeshConfig::istio_defaults(),
            values: Values::istio_defaults(),
        }
    }

    fn data(&self) -> TemplateData<'_> {
        TemplateData {
            deploy_meta: &self.meta,
            object_meta: &self.object_meta,
            spec: &self.spec,
            proxy_config: &self.proxy,
            mesh_config: &self.mesh,
            values: &self.values,
            revision: "",
            native_sidecars: false,
            proxy_image: "docker.io/istio/proxyv2:latest",
            proxy_init_image: "docker.io/istio/proxyv2:latest",
            proxy_uid: 1337,
            proxy_gid: 1337,
            inbound_traffic_policy_mode: "passthrough",
            compliance_policy: "",
        }
    }

    fn run(&self, text: &str) -> Result<String, String> {
        let mut set = gotemplate::Templates::new(funcs::table());
        set.parse("t", text).map_err(|e| e.to_string())?;
        set.execute("t", &super::dot(&self.data()))
            .map_err(|e| e.to_string())
    }

    fn ok(&self, text: &str) -> String {
        match self.run(text) {
            Ok(out) => out,
            Err(e) => panic!("{text}: {e}"),
        }
    }
}

#[test]
fn top_level_fields_have_go_names_and_types() {
    let f = Fixture::new();
    assert_eq!(
        f.ok("{{ .TypeMeta.APIVersion }} {{ .TypeMeta.Kind }} {{ .DeploymentMeta.Name }}/{{ .DeploymentMeta.Namespace }} {{ .DeploymentMeta }}"),
        "apps/v1 Deployment hello/default default/hello"
    );
    assert_eq!(
        // (Every Go integer type is gotemplate's `int`.)
        f.ok("{{ .ProxyUID }} {{ printf \"%T %t\" .NativeSidecars .NativeSidecars }} [{{ .Revision }}] {{ .ProxyImage }}"),
        "1337 bool false [] docker.io/istio/proxyv2:latest"
    );
    assert_eq!(
        f.ok("{{ .InboundTrafficPolicyMode }}[{{ .CompliancePolicy }}]"),
        "passthrough[]"
    );
    let err = f.run("{{ .Nope }}").unwrap_err();
    assert!(
        err.contains("can't evaluate field Nope in type inject.SidecarTemplateData"),
        "{err}"
    );
}

#[test]
fn object_meta_maps_are_string_maps() {
    let f = Fixture::new();
    assert_eq!(
        f.ok("{{ .ObjectMeta.Labels.app }}|{{ index .ObjectMeta.Labels \"missing\" }}|{{ index .ObjectMeta.Annotations \"empty\" }}|{{ .ObjectMeta.Name }}|{{ .ObjectMeta.Namespace }}"),
        "hello|||hello-abc|"
    );
    assert_eq!(
        f.ok("{{ printf \"%T\" .ObjectMeta.Labels }} {{ range $k, $v := .ObjectMeta.Labels }}{{ $k }}={{ $v }};{{ end }}"),
        "map[string]string app=hello;version=v1;"
    );
    // `metav1.Object` getters.
    assert_eq!(
        f.ok("{{ .ObjectMeta.GetName }} {{ len .ObjectMeta.GetLabels }}"),
        "hello-abc 2"
    );
}

#[test]
fn pod_spec_zero_values_and_nested_structs() {
    let f = Fixture::new();
    assert_eq!(
        f.ok("[{{ .Spec.ServiceAccountName }}] {{ .Spec.HostNetwork }} {{ len .Spec.InitContainers }} {{ printf \"%T\" .Spec.Containers }}"),
        "[] false 0 []interface {}"
    );
    assert_eq!(
        f.ok("{{ range .Spec.Containers }}{{ .Name }}:{{ len .Ports }}:{{ range .Ports }}{{ .ContainerPort }}/{{ .Protocol }} {{ end }};{{ end }}"),
        "hello:2:80/ 53/UDP ;istio-proxy:0:;"
    );
    // A nil pointer field still knows its fields: Go's nil pointer error.
    let err = f
        .run("{{ (index .Spec.Containers 0).SecurityContext.RunAsUser }}")
        .unwrap_err();
    assert!(
        err.contains("nil pointer evaluating *v1.SecurityContext.RunAsUser"),
        "{err}"
    );
    assert_eq!(
        f.ok("{{ if (index .Spec.Containers 0).SecurityContext }}set{{ else }}nil{{ end }}"),
        "nil"
    );
    // Embedded structs are promoted: `Probe.ProbeHandler.HTTPGet` as `.HTTPGet`.
    let mut f = Fixture::new();
    f.spec = json!({"containers": [{"name": "a", "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}}]});
    assert_eq!(
        f.ok("{{ with (index .Spec.Containers 0).ReadinessProbe }}{{ .HTTPGet.Path }} {{ .HTTPGet.Port }} {{ .ProbeHandler.HTTPGet.Path }}{{ end }}"),
        "/ready 8080 /ready"
    );
}

#[test]
fn struct_to_json_uses_go_field_order() {
    let f = Fixture::new();
    assert_eq!(
        f.ok("{{ range (index .Spec.Containers 0).Ports }}{{ structToJSON . }}\n{{ end }}"),
        "{\"name\":\"http\",\"containerPort\":80}\n{\"containerPort\":53,\"protocol\":\"UDP\"}\n"
    );
}

#[test]
fn proxy_config_enums_wrappers_and_getters() {
    let f = Fixture::new();
    // The enum prints its name, has `String`, and `annotation` stringifies it.
    assert_eq!(
        f.ok("{{ .ProxyConfig.InterceptionMode }} {{ .ProxyConfig.InterceptionMode.String }} {{ annotation .ObjectMeta \"nope\" .ProxyConfig.InterceptionMode }}"),
        "REDIRECT REDIRECT REDIRECT"
    );
    // Comparing the enum with a string is Go's type error; through `annotation` it is a string.
    let err = f
        .run("{{ eq .ProxyConfig.InterceptionMode \"REDIRECT\" }}")
        .unwrap_err();
    assert!(err.contains("incompatible types for comparison"), "{err}");
    // Nil-safe getters and wrappers.
    assert_eq!(
        f.ok("{{ .ProxyConfig.HoldApplicationUntilProxyStarts.GetValue }} {{ if .ProxyConfig.GetTracing.GetTlsSettings }}tls{{ else }}none{{ end }} [{{ .ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates }}]"),
        "false none []"
    );
    assert_eq!(
        f.ok("{{ .ProxyConfig.StatusPort }} {{ printf \"%T\" .ProxyConfig.StatusPort }} {{ .ProxyConfig.ProxyMetadata }} {{ index .ProxyConfig.ProxyMetadata \"X\" | printf \"%q\" }}"),
        "15020 int map[] \"\""
    );
    assert_eq!(
        f.ok("{{ formatDuration .ProxyConfig.DrainDuration }} {{ formatDuration .ProxyConfig.FileFlushInterval }} {{ .ProxyConfig.DrainDuration.AsDuration }}"),
        "45s 0s 45s"
    );
    assert_eq!(f.ok("{{ protoToJSON .ProxyConfig }}"), "{}");

    let mut f = Fixture::new();
    f.proxy = ProxyConfig::istio_defaults()
        .apply_json(&json!({
            "holdApplicationUntilProxyStarts": true,
            "interceptionMode": "TPROXY",
            "proxyMetadata": {"ISTIO_META_ENABLE_HBONE": "true"},
            "tracing": {"tlsSettings": {"caCertificates": "/etc/lightstep/cacert.pem"}}
        }))
        .unwrap();
    assert_eq!(
        f.ok("{{ .ProxyConfig.HoldApplicationUntilProxyStarts.GetValue }} {{ .ProxyConfig.InterceptionMode }} {{ index .ProxyConfig.ProxyMetadata \"ISTIO_META_ENABLE_HBONE\" }} {{ directory .ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates }}"),
        "true TPROXY true /etc/lightstep/"
    );
    assert_eq!(
        f.ok("{{ protoToJSON .ProxyConfig }}"),
        f.proxy.to_proto_json()
    );
    // Oneof members are not struct fields in Go, only getters.
    let err = f.run("{{ .ProxyConfig.ServiceCluster }}").unwrap_err();
    assert!(err.contains("can't evaluate field ServiceCluster"), "{err}");
    assert_eq!(f.ok("{{ .ProxyConfig.GetServiceCluster }}"), "istio-proxy");
}

#[test]
fn mesh_config_fields() {
    let f = Fixture::new();
    assert_eq!(
        f.ok("{{ .MeshConfig.ProxyListenPort }} {{ .MeshConfig.ProxyInboundListenPort }} {{ .MeshConfig.TrustDomain }} {{ printf \"%T\" .MeshConfig.ProxyListenPort }} {{ .MeshConfig.DefaultConfig.StatusPort }} {{ protoToJSON .MeshConfig.DefaultConfig }}"),
        "15001 15006 cluster.local int 15020 {}"
    );
    assert_eq!(
        f.ok("{{ .MeshConfig.ProxyListenPort | default \"15001\" | quote }}"),
        "\"15001\""
    );
}

#[test]
fn values_are_json_with_float_numbers() {
    let f = Fixture::new();
    assert_eq!(
        f.ok("{{ .Values.global.proxy.statusPort }} {{ printf \"%T\" .Values.global.proxy.statusPort }} {{ .Values.global.proxy.nope }} {{ annotation .ObjectMeta \"x\" .Values.global.proxy.statusPort }} {{ annotation .ObjectMeta \"x\" .Values.global.proxy.nope }}"),
        "15020 float64 <no value> 15020 <nil>"
    );
    // A missing value compares false with `eq`; a string against a bool is an error.
    assert_eq!(f.ok("{{ eq .Values.global.nope \"x\" }}"), "false");
}

#[test]
fn to_yaml_of_values_and_structs() {
    let f = Fixture::new();
    assert_eq!(
        f.ok("{{ toYaml .Values.global.proxy.resources }}"),
        "limits:\n  cpu: 2000m\n  memory: 1024Mi\nrequests:\n  cpu: 100m\n  memory: 128Mi\n"
    );
    assert_eq!(
        f.ok("{{ toYaml (index .Spec.Containers 0).Ports }}"),
        "- containerPort: 80\n  name: http\n- containerPort: 53\n  protocol: UDP\n"
    );
}

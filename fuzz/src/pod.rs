//! A structure-aware pod for the admission target: `arbitrary` picks the shape (containers,
//! init containers, probes of every kind, ports, env, volumes, security contexts, owner
//! references) and every injection annotation, each with a value that is valid for it or
//! one drawn from a list of near misses and garbage.

use arbitrary::Arbitrary;
use serde_json::{Map, Value, json};

/// The annotations pod authors steer injection with.
const ANNOTATIONS: &[&str] = &[
    "sidecar.istio.io/inject",
    "sidecar.istio.io/status",
    "sidecar.istio.io/proxyImage",
    "sidecar.istio.io/proxyImageType",
    "sidecar.istio.io/proxyCPU",
    "sidecar.istio.io/proxyCPULimit",
    "sidecar.istio.io/proxyMemory",
    "sidecar.istio.io/proxyMemoryLimit",
    "sidecar.istio.io/interceptionMode",
    "sidecar.istio.io/logLevel",
    "sidecar.istio.io/componentLogLevel",
    "sidecar.istio.io/agentLogLevel",
    "sidecar.istio.io/bootstrapOverride",
    "sidecar.istio.io/capNetBindService",
    "sidecar.istio.io/nativeSidecar",
    "sidecar.istio.io/rewriteAppHTTPProbers",
    "sidecar.istio.io/userVolume",
    "sidecar.istio.io/userVolumeMount",
    "sidecar.istio.io/statsInclusionPrefixes",
    "sidecar.istio.io/discoveryAddress",
    "sidecar.istio.io/extraStatTags",
    "proxy.istio.io/config",
    "proxy.istio.io/overrides",
    "traffic.sidecar.istio.io/includeInboundPorts",
    "traffic.sidecar.istio.io/excludeInboundPorts",
    "traffic.sidecar.istio.io/includeOutboundPorts",
    "traffic.sidecar.istio.io/excludeOutboundPorts",
    "traffic.sidecar.istio.io/includeOutboundIPRanges",
    "traffic.sidecar.istio.io/excludeOutboundIPRanges",
    "traffic.sidecar.istio.io/excludeInterfaces",
    "traffic.sidecar.istio.io/kubevirtInterfaces",
    "status.sidecar.istio.io/port",
    "readiness.status.sidecar.istio.io/applicationPorts",
    "readiness.status.sidecar.istio.io/initialDelaySeconds",
    "readiness.status.sidecar.istio.io/periodSeconds",
    "readiness.status.sidecar.istio.io/failureThreshold",
    "inject.istio.io/templates",
    "prometheus.istio.io/merge-metrics",
    "prometheus.io/scrape",
    "prometheus.io/port",
    "prometheus.io/path",
];

/// Values that are valid for some annotation, near misses, and hostile text.
const VALUES: &[&str] = &[
    "",
    "true",
    "false",
    "TRUE",
    "yes",
    "0",
    "1",
    "-1",
    "15020",
    "65536",
    "80,443",
    "8080, 9090",
    "*",
    "*,-8080",
    "80\n--smuggled",
    "10.0.0.0/8",
    "10.0.0.0/33",
    "::1/128",
    "eth0,eth1",
    "100m",
    "1Gi",
    "1.5.5",
    "-5Mi",
    "1e400",
    "REDIRECT",
    "TPROXY",
    "NONE",
    "debug",
    "misc:error,rbac:debug",
    "gateway",
    "sidecar,grpc-agent",
    "[]",
    "{}",
    "null",
    "{\"a\":{\"emptyDir\":{}}}",
    "{\"a\":{\"hostPath\":{\"path\":\"/\"}}}",
    "{\"a\":{\"name\":\"a\",\"mountPath\":\"/a\"}}",
    "[{\"name\":\"v\",\"emptyDir\":{}}]",
    "{\"containers\":[{\"name\":\"istio-proxy\"}]}",
    "{\"initContainers\":[],\"containers\":[\"istio-proxy\"],\"volumes\":[],\"imagePullSecrets\":null}",
    "concurrency: 2\n",
    "holdApplicationUntilProxyStarts: true",
    "proxyMetadata: {A: b}",
    "tracing: {sampling: 10}",
    "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]",
    "a: *undefined",
    "{{ .Values }}",
    "docker.io/istio/proxyv2:1.20",
    "distroless",
    "\u{0}",
    "\u{1F600}",
];

#[derive(Debug, Arbitrary)]
pub enum FuzzPod {
    /// A pod built from parts.
    Built(Box<BuiltPod>),
    /// A conformance input's pod, with annotations changed.
    Seed {
        index: u16,
        annotations: Vec<Annotation>,
    },
}

#[derive(Debug, Arbitrary)]
pub struct BuiltPod {
    name: Option<Text>,
    labels: Vec<(Text, Text)>,
    annotations: Vec<Annotation>,
    owner: Option<(Text, Text, bool)>,
    init_containers: Vec<Container>,
    containers: Vec<Container>,
    volumes: Vec<Volume>,
    security_context: Option<SecurityContext>,
    host_network: Option<bool>,
    dns_policy: Option<Text>,
    restart_policy: Option<Text>,
}

#[derive(Debug, Arbitrary)]
pub struct Annotation {
    key: Pick,
    value: AnnotationValue,
}

#[derive(Debug, Arbitrary)]
enum AnnotationValue {
    Listed(Pick),
    Any(String),
}

/// An index into a list, wrapping.
#[derive(Debug, Arbitrary, Clone, Copy)]
struct Pick(u8);

impl Pick {
    fn of<'a>(self, list: &[&'a str]) -> &'a str {
        list[usize::from(self.0) % list.len()]
    }
}

/// Short names from a small alphabet, so that names collide (with each other and with
/// `istio-proxy`, `istio-init`, the injected volumes) more often than random text would.
#[derive(Debug, Arbitrary)]
enum Text {
    Known(Pick),
    Any(String),
}

const NAMES: &[&str] = &[
    "app",
    "istio-proxy",
    "istio-init",
    "istio-validation",
    "istio-envoy",
    "istio-data",
    "istio-token",
    "http",
    "grpc",
    "8080",
    "",
    "-",
];

impl Text {
    fn text(&self) -> String {
        match self {
            Text::Known(pick) => pick.of(NAMES).to_owned(),
            Text::Any(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Container {
    name: Text,
    image: Option<Text>,
    ports: Vec<Port>,
    env: Vec<(Text, Text)>,
    readiness: Option<Probe>,
    liveness: Option<Probe>,
    startup: Option<Probe>,
    security_context: Option<SecurityContext>,
    mounts: Vec<(Text, Text)>,
    restart_always: bool,
    resources: Option<(Pick, Pick)>,
}

#[derive(Debug, Arbitrary)]
struct Port {
    name: Option<Text>,
    number: i64,
    protocol: Option<Text>,
}

#[derive(Debug, Arbitrary)]
enum Probe {
    Http {
        path: Text,
        port: PortRef,
        scheme: Option<Text>,
    },
    Tcp(PortRef),
    Grpc {
        port: i64,
        service: Option<Text>,
    },
    Exec(Vec<Text>),
    Empty,
}

#[derive(Debug, Arbitrary)]
enum PortRef {
    Number(i64),
    Name(Text),
}

impl PortRef {
    fn json(&self) -> Value {
        match self {
            PortRef::Number(n) => json!(n),
            PortRef::Name(t) => json!(t.text()),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct SecurityContext {
    run_as_user: Option<i64>,
    run_as_group: Option<i64>,
    run_as_non_root: Option<bool>,
    privileged: Option<bool>,
    allow_privilege_escalation: Option<bool>,
    add_capabilities: Vec<Text>,
}

#[derive(Debug, Arbitrary)]
enum Volume {
    EmptyDir(Text),
    ConfigMap(Text, Text),
    Secret(Text, Text),
    HostPath(Text, Text),
    Projected(Text),
}

impl FuzzPod {
    pub fn into_json(self) -> Value {
        match self {
            FuzzPod::Built(pod) => pod.json(),
            FuzzPod::Seed { index, annotations } => {
                let seeds = crate::seed_pods();
                let Some(seed) = seeds.get(usize::from(index) % seeds.len().max(1)) else {
                    return BuiltPod::empty().json();
                };
                let mut pod = seed.clone();
                if !pod["metadata"].is_object() {
                    pod["metadata"] = json!({});
                }
                let map = pod["metadata"]
                    .as_object_mut()
                    .and_then(|m| {
                        m.entry("annotations")
                            .or_insert_with(|| json!({}))
                            .as_object_mut()
                    })
                    .map(std::mem::take)
                    .unwrap_or_default();
                pod["metadata"]["annotations"] = Value::Object(annotate(map, &annotations));
                pod
            }
        }
    }
}

fn annotate(mut map: Map<String, Value>, annotations: &[Annotation]) -> Map<String, Value> {
    for a in annotations {
        let value = match &a.value {
            AnnotationValue::Listed(pick) => pick.of(VALUES).to_owned(),
            AnnotationValue::Any(s) => s.clone(),
        };
        map.insert(a.key.of(ANNOTATIONS).to_owned(), json!(value));
    }
    map
}

impl BuiltPod {
    fn empty() -> BuiltPod {
        BuiltPod {
            name: None,
            labels: vec![],
            annotations: vec![],
            owner: None,
            init_containers: vec![],
            containers: vec![],
            volumes: vec![],
            security_context: None,
            host_network: None,
            dns_policy: None,
            restart_policy: None,
        }
    }

    fn json(&self) -> Value {
        let mut metadata = Map::new();
        if let Some(name) = &self.name {
            metadata.insert("name".into(), json!(name.text()));
        }
        let labels: Map<String, Value> = self
            .labels
            .iter()
            .map(|(k, v)| (k.text(), json!(v.text())))
            .collect();
        metadata.insert("labels".into(), Value::Object(labels));
        metadata.insert(
            "annotations".into(),
            Value::Object(annotate(Map::new(), &self.annotations)),
        );
        if let Some((kind, name, controller)) = &self.owner {
            metadata.insert(
                "ownerReferences".into(),
                json!([{"apiVersion": "apps/v1", "kind": kind.text(), "name": name.text(),
                        "uid": "u", "controller": controller}]),
            );
        }
        let mut spec = Map::new();
        spec.insert(
            "containers".into(),
            self.containers.iter().map(Container::json).collect(),
        );
        if !self.init_containers.is_empty() {
            spec.insert(
                "initContainers".into(),
                self.init_containers.iter().map(Container::json).collect(),
            );
        }
        if !self.volumes.is_empty() {
            spec.insert(
                "volumes".into(),
                self.volumes.iter().map(Volume::json).collect(),
            );
        }
        if let Some(sc) = &self.security_context {
            spec.insert("securityContext".into(), sc.pod_json());
        }
        if let Some(host) = self.host_network {
            spec.insert("hostNetwork".into(), json!(host));
        }
        if let Some(dns) = &self.dns_policy {
            spec.insert("dnsPolicy".into(), json!(dns.text()));
        }
        if let Some(restart) = &self.restart_policy {
            spec.insert("restartPolicy".into(), json!(restart.text()));
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
    }
}

const QUANTITIES: &[&str] = &["100m", "1", "64Mi", "1Gi", "0", "1.5", "abc", "-1"];

impl Container {
    fn json(&self) -> Value {
        let mut c = Map::new();
        c.insert("name".into(), json!(self.name.text()));
        if let Some(image) = &self.image {
            c.insert("image".into(), json!(image.text()));
        }
        if !self.ports.is_empty() {
            let ports: Vec<Value> = self
                .ports
                .iter()
                .map(|p| {
                    let mut port = json!({"containerPort": p.number});
                    if let Some(name) = &p.name {
                        port["name"] = json!(name.text());
                    }
                    if let Some(protocol) = &p.protocol {
                        port["protocol"] = json!(protocol.text());
                    }
                    port
                })
                .collect();
            c.insert("ports".into(), json!(ports));
        }
        if !self.env.is_empty() {
            let env: Vec<Value> = self
                .env
                .iter()
                .map(|(k, v)| json!({"name": k.text(), "value": v.text()}))
                .collect();
            c.insert("env".into(), json!(env));
        }
        for (key, probe) in [
            ("readinessProbe", &self.readiness),
            ("livenessProbe", &self.liveness),
            ("startupProbe", &self.startup),
        ] {
            if let Some(probe) = probe {
                c.insert(key.into(), probe.json());
            }
        }
        if let Some(sc) = &self.security_context {
            c.insert("securityContext".into(), sc.container_json());
        }
        if !self.mounts.is_empty() {
            let mounts: Vec<Value> = self
                .mounts
                .iter()
                .map(|(n, p)| json!({"name": n.text(), "mountPath": p.text()}))
                .collect();
            c.insert("volumeMounts".into(), json!(mounts));
        }
        if self.restart_always {
            c.insert("restartPolicy".into(), json!("Always"));
        }
        if let Some((cpu, memory)) = self.resources {
            c.insert(
                "resources".into(),
                json!({"requests": {"cpu": cpu.of(QUANTITIES)}, "limits": {"memory": memory.of(QUANTITIES)}}),
            );
        }
        Value::Object(c)
    }
}

impl Probe {
    fn json(&self) -> Value {
        match self {
            Probe::Http { path, port, scheme } => {
                let mut get = json!({"path": path.text(), "port": port.json()});
                if let Some(scheme) = scheme {
                    get["scheme"] = json!(scheme.text());
                }
                json!({"httpGet": get, "periodSeconds": 5})
            }
            Probe::Tcp(port) => json!({"tcpSocket": {"port": port.json()}}),
            Probe::Grpc { port, service } => {
                let mut grpc = json!({"port": port});
                if let Some(service) = service {
                    grpc["service"] = json!(service.text());
                }
                json!({"grpc": grpc})
            }
            Probe::Exec(command) => {
                json!({"exec": {"command": command.iter().map(Text::text).collect::<Vec<_>>()}})
            }
            Probe::Empty => json!({}),
        }
    }
}

impl SecurityContext {
    fn pod_json(&self) -> Value {
        let mut sc = Map::new();
        if let Some(uid) = self.run_as_user {
            sc.insert("runAsUser".into(), json!(uid));
        }
        if let Some(gid) = self.run_as_group {
            sc.insert("runAsGroup".into(), json!(gid));
        }
        if let Some(non_root) = self.run_as_non_root {
            sc.insert("runAsNonRoot".into(), json!(non_root));
        }
        Value::Object(sc)
    }

    fn container_json(&self) -> Value {
        let mut sc = self.pod_json();
        if let Some(privileged) = self.privileged {
            sc["privileged"] = json!(privileged);
        }
        if let Some(escalation) = self.allow_privilege_escalation {
            sc["allowPrivilegeEscalation"] = json!(escalation);
        }
        if !self.add_capabilities.is_empty() {
            let add: Vec<String> = self.add_capabilities.iter().map(Text::text).collect();
            sc["capabilities"] = json!({"add": add});
        }
        sc
    }
}

impl Volume {
    fn json(&self) -> Value {
        match self {
            Volume::EmptyDir(n) => json!({"name": n.text(), "emptyDir": {}}),
            Volume::ConfigMap(n, cm) => json!({"name": n.text(), "configMap": {"name": cm.text()}}),
            Volume::Secret(n, s) => json!({"name": n.text(), "secret": {"secretName": s.text()}}),
            Volume::HostPath(n, p) => json!({"name": n.text(), "hostPath": {"path": p.text()}}),
            Volume::Projected(n) => json!({"name": n.text(), "projected": {"sources": []}}),
        }
    }
}

//! Every annotation and label name the injector reads or writes, spelled once. Names follow
//! Istio's `annotation`/`label` packages; non-Istio names are those the stock templates read.

/// Sidecar injection switch (label, or annotation in old installs).
pub const SIDECAR_INJECT: &str = "sidecar.istio.io/inject";
/// The control-plane revision (namespace/pod label).
pub const REVISION: &str = "istio.io/rev";
/// Namespace label the API server sets to the namespace's name.
pub const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";
/// What an injection added; marks a pod as injected.
pub const SIDECAR_STATUS: &str = "sidecar.istio.io/status";
/// Templates to render instead of the default ones.
pub const INJECT_TEMPLATES: &str = "inject.istio.io/templates";
/// A ProxyConfig overlay for this pod.
pub const PROXY_CONFIG: &str = "proxy.istio.io/config";
/// The user's own container fields the injection overwrote.
pub const PROXY_OVERRIDES: &str = "proxy.istio.io/overrides";
pub const PROXY_IMAGE: &str = "sidecar.istio.io/proxyImage";
pub const PROXY_IMAGE_TYPE: &str = "sidecar.istio.io/proxyImageType";
pub const PROXY_CPU: &str = "sidecar.istio.io/proxyCPU";
pub const PROXY_MEMORY: &str = "sidecar.istio.io/proxyMemory";
pub const PROXY_CPU_LIMIT: &str = "sidecar.istio.io/proxyCPULimit";
pub const PROXY_MEMORY_LIMIT: &str = "sidecar.istio.io/proxyMemoryLimit";
pub const LOG_LEVEL: &str = "sidecar.istio.io/logLevel";
pub const COMPONENT_LOG_LEVEL: &str = "sidecar.istio.io/componentLogLevel";
pub const AGENT_LOG_LEVEL: &str = "sidecar.istio.io/agentLogLevel";
pub const BOOTSTRAP_OVERRIDE: &str = "sidecar.istio.io/bootstrapOverride";
pub const USER_VOLUME: &str = "sidecar.istio.io/userVolume";
pub const USER_VOLUME_MOUNT: &str = "sidecar.istio.io/userVolumeMount";
pub const NATIVE_SIDECAR: &str = "sidecar.istio.io/nativeSidecar";
pub const CAP_NET_BIND_SERVICE: &str = "sidecar.istio.io/capNetBindService";
pub const INTERCEPTION_MODE: &str = "sidecar.istio.io/interceptionMode";
pub const REWRITE_APP_HTTP_PROBERS: &str = "sidecar.istio.io/rewriteAppHTTPProbers";
pub const STATUS_PORT: &str = "status.sidecar.istio.io/port";
pub const READINESS_INITIAL_DELAY_SECONDS: &str =
    "readiness.status.sidecar.istio.io/initialDelaySeconds";
pub const READINESS_PERIOD_SECONDS: &str = "readiness.status.sidecar.istio.io/periodSeconds";
pub const READINESS_FAILURE_THRESHOLD: &str = "readiness.status.sidecar.istio.io/failureThreshold";
pub const INCLUDE_OUTBOUND_IP_RANGES: &str = "traffic.sidecar.istio.io/includeOutboundIPRanges";
pub const EXCLUDE_OUTBOUND_IP_RANGES: &str = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
pub const INCLUDE_INBOUND_PORTS: &str = "traffic.sidecar.istio.io/includeInboundPorts";
pub const EXCLUDE_INBOUND_PORTS: &str = "traffic.sidecar.istio.io/excludeInboundPorts";
pub const INCLUDE_OUTBOUND_PORTS: &str = "traffic.sidecar.istio.io/includeOutboundPorts";
pub const EXCLUDE_OUTBOUND_PORTS: &str = "traffic.sidecar.istio.io/excludeOutboundPorts";
pub const EXCLUDE_INTERFACES: &str = "traffic.sidecar.istio.io/excludeInterfaces";
pub const KUBEVIRT_INTERFACES: &str = "traffic.sidecar.istio.io/kubevirtInterfaces";
pub const REROUTE_VIRTUAL_INTERFACES: &str = "istio.io/reroute-virtual-interfaces";
pub const PROMETHEUS_MERGE_METRICS: &str = "prometheus.istio.io/merge-metrics";
pub const PROMETHEUS_SCRAPE_TARGETS: &str = "prometheus.istio.io/scrape-targets";
pub const PROMETHEUS_SECURE_PORT: &str = "prometheus.istio.io/secure-port";
pub const CANONICAL_NAME: &str = "service.istio.io/canonical-name";
pub const CANONICAL_REVISION: &str = "service.istio.io/canonical-revision";
pub const WORKLOAD_NAME: &str = "service.istio.io/workload-name";
/// The pod's network (label); also read from the injector's env.
pub const NETWORK: &str = "topology.istio.io/network";
/// The proxy env carrying the network, which the injector's proxy envs and the [`NETWORK`]
/// label set from each other.
pub const NETWORK_ENV: &str = "ISTIO_META_NETWORK";
pub const TLS_MODE: &str = "security.istio.io/tlsMode";
pub const TUNNEL: &str = "networking.istio.io/tunnel";
pub const APP_NAME: &str = "app.kubernetes.io/name";
pub const APP_VERSION: &str = "app.kubernetes.io/version";
pub const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";
pub const DEFAULT_LOGS_CONTAINER: &str = "kubectl.kubernetes.io/default-logs-container";
/// Multus CNI attachments.
pub const MULTUS_NETWORKS: &str = "k8s.v1.cni.cncf.io/networks";
pub const DATADOG_ENV: &str = "apm.datadoghq.com/env";
pub const OTEL_SERVICE_NAMESPACE: &str = "resource.opentelemetry.io/service.namespace";
pub const OTEL_SERVICE_VERSION: &str = "resource.opentelemetry.io/service.version";
pub const OTEL_SERVICE_INSTANCE_ID: &str = "resource.opentelemetry.io/service.instance.id";
/// Namespace annotation: the UIDs OpenShift assigns.
pub const OPENSHIFT_UID_RANGE: &str = "openshift.io/sa.scc.uid-range";
/// Namespace annotation: the groups OpenShift assigns.
pub const OPENSHIFT_SUPPLEMENTAL_GROUPS: &str = "openshift.io/sa.scc.supplemental-groups";

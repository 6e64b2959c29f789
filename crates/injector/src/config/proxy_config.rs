//! `meshconfig.ProxyConfig`: the per-proxy settings (mesh `defaultConfig`, overridden per pod
//! by the `proxy.istio.io/config` annotation).
//!
//! Kept as canonical proto JSON (see [`super::proto`]). Overlays follow Istio's
//! `mesh.ApplyProxyConfig`: `protomarshal.ApplyYAML` onto the current config (every field given
//! replaces the current one wholesale, nested messages included) and then `proxyMetadata`
//! merged by key with the previous metadata.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::constant::Node;
use super::duration::Duration;
use super::mesh::Field;
use super::proto::{
    self, EnumSchema, FieldKind, FieldSchema, MessageSchema, apply_overlay, write_message,
};
use super::text::{join_path, parse_document};
use super::validation::{validate_port, validate_proxy_address};
use crate::error::ConfigError;

pub static INTERCEPTION_MODE: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode",
    values: &[("REDIRECT", 0), ("TPROXY", 1), ("NONE", 2)],
};

pub static AUTHENTICATION_POLICY: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.AuthenticationPolicy",
    values: &[("NONE", 0), ("MUTUAL_TLS", 1), ("INHERIT", 1000)],
};

pub static TRACING_SERVICE_NAME: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.ProxyConfig.TracingServiceName",
    values: &[
        ("APP_LABEL_AND_NAMESPACE", 0),
        ("CANONICAL_NAME_ONLY", 1),
        ("CANONICAL_NAME_AND_NAMESPACE", 2),
    ],
};

static FORWARD_CLIENT_CERT_DETAILS: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.Topology.ForwardClientCertDetails",
    values: &[
        ("UNDEFINED", 0),
        ("SANITIZE", 1),
        ("FORWARD_ONLY", 2),
        ("APPEND_FORWARD", 3),
        ("SANITIZE_SET", 4),
        ("ALWAYS_FORWARD_ONLY", 5),
    ],
};

static TRACE_CONTEXT: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.Tracing.OpenCensusAgent.TraceContext",
    values: &[
        ("UNSPECIFIED", 0),
        ("W3C_TRACE_CONTEXT", 1),
        ("GRPC_BIN", 2),
        ("CLOUD_TRACE_CONTEXT", 3),
        ("B3", 4),
    ],
};

static ADDRESS_ONLY: &[FieldSchema] = &[FieldSchema::new(
    "address",
    "address",
    "Address",
    FieldKind::String,
)];

static ZIPKIN: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.Tracing.Zipkin",
    fields: ADDRESS_ONLY,
};

static DATADOG: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.Tracing.Datadog",
    fields: ADDRESS_ONLY,
};

static LIGHTSTEP: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.Tracing.Lightstep",
    fields: &[
        FieldSchema::new("address", "address", "Address", FieldKind::String),
        FieldSchema::new(
            "accessToken",
            "access_token",
            "AccessToken",
            FieldKind::String,
        ),
        FieldSchema::new("secure", "secure", "Secure", FieldKind::Bool),
        FieldSchema::new("cacertPath", "cacert_path", "CacertPath", FieldKind::String),
    ],
};

static STACKDRIVER: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.Tracing.Stackdriver",
    fields: &[
        FieldSchema::new("debug", "debug", "Debug", FieldKind::Bool),
        FieldSchema::new(
            "maxNumberOfAttributes",
            "max_number_of_attributes",
            "MaxNumberOfAttributes",
            FieldKind::Int64Value,
        ),
        FieldSchema::new(
            "maxNumberOfAnnotations",
            "max_number_of_annotations",
            "MaxNumberOfAnnotations",
            FieldKind::Int64Value,
        ),
        FieldSchema::new(
            "maxNumberOfMessageEvents",
            "max_number_of_message_events",
            "MaxNumberOfMessageEvents",
            FieldKind::Int64Value,
        ),
    ],
};

static OPEN_CENSUS_AGENT: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.Tracing.OpenCensusAgent",
    fields: &[
        FieldSchema::new("address", "address", "Address", FieldKind::String),
        FieldSchema::new(
            "context",
            "context",
            "Context",
            FieldKind::RepeatedEnum(&TRACE_CONTEXT),
        ),
    ],
};

pub static TRACING: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.Tracing",
    fields: &[
        FieldSchema::oneof(
            "zipkin",
            "zipkin",
            "Zipkin",
            FieldKind::Message(&ZIPKIN),
            "tracer",
        ),
        FieldSchema::oneof(
            "lightstep",
            "lightstep",
            "Lightstep",
            FieldKind::Message(&LIGHTSTEP),
            "tracer",
        ),
        FieldSchema::oneof(
            "datadog",
            "datadog",
            "Datadog",
            FieldKind::Message(&DATADOG),
            "tracer",
        ),
        FieldSchema::oneof(
            "stackdriver",
            "stackdriver",
            "Stackdriver",
            FieldKind::Message(&STACKDRIVER),
            "tracer",
        ),
        FieldSchema::oneof(
            "openCensusAgent",
            "open_census_agent",
            "OpenCensusAgent",
            FieldKind::Message(&OPEN_CENSUS_AGENT),
            "tracer",
        ),
        FieldSchema::new(
            "customTags",
            "custom_tags",
            "CustomTags",
            FieldKind::OpaqueMap,
        ),
        FieldSchema::new(
            "maxPathTagLength",
            "max_path_tag_length",
            "MaxPathTagLength",
            FieldKind::UInt32,
        ),
        FieldSchema::new("sampling", "sampling", "Sampling", FieldKind::Double),
        FieldSchema::new(
            "tlsSettings",
            "tls_settings",
            "TlsSettings",
            FieldKind::OpaqueMessage,
        ),
    ],
};

static SDS: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.SDS",
    fields: &[
        FieldSchema::new("enabled", "enabled", "Enabled", FieldKind::Bool),
        FieldSchema::new(
            "k8sSaJwtPath",
            "k8s_sa_jwt_path",
            "K8SSaJwtPath",
            FieldKind::String,
        ),
    ],
};

static REMOTE_SERVICE: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.RemoteService",
    fields: &[
        FieldSchema::new("address", "address", "Address", FieldKind::String),
        FieldSchema::new(
            "tlsSettings",
            "tls_settings",
            "TlsSettings",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "tcpKeepalive",
            "tcp_keepalive",
            "TcpKeepalive",
            FieldKind::OpaqueMessage,
        ),
    ],
};

static TOPOLOGY: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.Topology",
    fields: &[
        FieldSchema::new(
            "numTrustedProxies",
            "num_trusted_proxies",
            "NumTrustedProxies",
            FieldKind::UInt32,
        ),
        FieldSchema::new(
            "forwardClientCertDetails",
            "forward_client_cert_details",
            "ForwardClientCertDetails",
            FieldKind::Enum(&FORWARD_CLIENT_CERT_DETAILS),
        ),
        FieldSchema::new(
            "proxyProtocol",
            "proxy_protocol",
            "ProxyProtocol",
            FieldKind::OpaqueMessage,
        ),
    ],
};

static PROXY_STATS_MATCHER: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.ProxyConfig.ProxyStatsMatcher",
    fields: &[
        FieldSchema::new(
            "inclusionPrefixes",
            "inclusion_prefixes",
            "InclusionPrefixes",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new(
            "inclusionSuffixes",
            "inclusion_suffixes",
            "InclusionSuffixes",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new(
            "inclusionRegexps",
            "inclusion_regexps",
            "InclusionRegexps",
            FieldKind::RepeatedString,
        ),
    ],
};

static PROXY_IMAGE: MessageSchema = MessageSchema {
    name: "istio.networking.v1beta1.ProxyImage",
    fields: &[FieldSchema::new(
        "imageType",
        "image_type",
        "ImageType",
        FieldKind::String,
    )],
};

/// Every field of `meshconfig.ProxyConfig` (istio/api `mesh/v1alpha1/proxy.proto`), in
/// declaration order: JSON name, proto name, Go field name and kind. Nested messages that
/// Istio's templates or `protoToJSON` touch are modelled; the rest are kept as given.
pub static PROXY_CONFIG_SCHEMA: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.ProxyConfig",
    fields: &[
        FieldSchema::new("configPath", "config_path", "ConfigPath", FieldKind::String),
        FieldSchema::new("binaryPath", "binary_path", "BinaryPath", FieldKind::String),
        FieldSchema::oneof(
            "serviceCluster",
            "service_cluster",
            "ServiceCluster",
            FieldKind::String,
            "cluster_name",
        ),
        FieldSchema::oneof(
            "tracingServiceName",
            "tracing_service_name",
            "TracingServiceName",
            FieldKind::Enum(&TRACING_SERVICE_NAME),
            "cluster_name",
        ),
        FieldSchema::new(
            "drainDuration",
            "drain_duration",
            "DrainDuration",
            FieldKind::Duration,
        ),
        FieldSchema::new(
            "discoveryAddress",
            "discovery_address",
            "DiscoveryAddress",
            FieldKind::String,
        ),
        FieldSchema::new(
            "discoveryRefreshDelay",
            "discovery_refresh_delay",
            "DiscoveryRefreshDelay",
            FieldKind::Duration,
        ),
        FieldSchema::new(
            "zipkinAddress",
            "zipkin_address",
            "ZipkinAddress",
            FieldKind::String,
        ),
        FieldSchema::new(
            "statsdUdpAddress",
            "statsd_udp_address",
            "StatsdUdpAddress",
            FieldKind::String,
        ),
        FieldSchema::new(
            "envoyMetricsServiceAddress",
            "envoy_metrics_service_address",
            "EnvoyMetricsServiceAddress",
            FieldKind::String,
        ),
        FieldSchema::new(
            "proxyAdminPort",
            "proxy_admin_port",
            "ProxyAdminPort",
            FieldKind::Int32,
        ),
        FieldSchema::new(
            "availabilityZone",
            "availability_zone",
            "AvailabilityZone",
            FieldKind::String,
        ),
        FieldSchema::new(
            "controlPlaneAuthPolicy",
            "control_plane_auth_policy",
            "ControlPlaneAuthPolicy",
            FieldKind::Enum(&AUTHENTICATION_POLICY),
        ),
        FieldSchema::new(
            "customConfigFile",
            "custom_config_file",
            "CustomConfigFile",
            FieldKind::String,
        ),
        FieldSchema::new(
            "statNameLength",
            "stat_name_length",
            "StatNameLength",
            FieldKind::Int32,
        ),
        FieldSchema::new(
            "concurrency",
            "concurrency",
            "Concurrency",
            FieldKind::Int32Value,
        ),
        FieldSchema::new(
            "proxyBootstrapTemplatePath",
            "proxy_bootstrap_template_path",
            "ProxyBootstrapTemplatePath",
            FieldKind::String,
        ),
        FieldSchema::new(
            "interceptionMode",
            "interception_mode",
            "InterceptionMode",
            FieldKind::Enum(&INTERCEPTION_MODE),
        ),
        FieldSchema::new(
            "tracing",
            "tracing",
            "Tracing",
            FieldKind::Message(&TRACING),
        ),
        FieldSchema::new("sds", "sds", "Sds", FieldKind::Message(&SDS)),
        FieldSchema::new(
            "envoyAccessLogService",
            "envoy_access_log_service",
            "EnvoyAccessLogService",
            FieldKind::Message(&REMOTE_SERVICE),
        ),
        FieldSchema::new(
            "envoyMetricsService",
            "envoy_metrics_service",
            "EnvoyMetricsService",
            FieldKind::Message(&REMOTE_SERVICE),
        ),
        FieldSchema::new(
            "proxyMetadata",
            "proxy_metadata",
            "ProxyMetadata",
            FieldKind::StringMap,
        ),
        FieldSchema::new(
            "runtimeValues",
            "runtime_values",
            "RuntimeValues",
            FieldKind::StringMap,
        ),
        FieldSchema::new("statusPort", "status_port", "StatusPort", FieldKind::Int32),
        FieldSchema::new(
            "extraStatTags",
            "extra_stat_tags",
            "ExtraStatTags",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new(
            "gatewayTopology",
            "gateway_topology",
            "GatewayTopology",
            FieldKind::Message(&TOPOLOGY),
        ),
        FieldSchema::new(
            "terminationDrainDuration",
            "termination_drain_duration",
            "TerminationDrainDuration",
            FieldKind::Duration,
        ),
        FieldSchema::new("meshId", "mesh_id", "MeshId", FieldKind::String),
        FieldSchema::new(
            "readinessProbe",
            "readiness_probe",
            "ReadinessProbe",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "proxyStatsMatcher",
            "proxy_stats_matcher",
            "ProxyStatsMatcher",
            FieldKind::Message(&PROXY_STATS_MATCHER),
        ),
        FieldSchema::new(
            "holdApplicationUntilProxyStarts",
            "hold_application_until_proxy_starts",
            "HoldApplicationUntilProxyStarts",
            FieldKind::BoolValue,
        ),
        FieldSchema::new(
            "caCertificatesPem",
            "ca_certificates_pem",
            "CaCertificatesPem",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new("image", "image", "Image", FieldKind::Message(&PROXY_IMAGE)),
        FieldSchema::new(
            "privateKeyProvider",
            "private_key_provider",
            "PrivateKeyProvider",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "proxyHeaders",
            "proxy_headers",
            "ProxyHeaders",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "fileFlushInterval",
            "file_flush_interval",
            "FileFlushInterval",
            FieldKind::Duration,
        ),
        FieldSchema::new(
            "fileFlushMinSizeKb",
            "file_flush_min_size_kb",
            "FileFlushMinSizeKb",
            FieldKind::UInt32,
        ),
        FieldSchema::new(
            "statsCompression",
            "stats_compression",
            "StatsCompression",
            FieldKind::BoolValue,
        ),
        FieldSchema::new(
            "connectionSettings",
            "connection_settings",
            "ConnectionSettings",
            FieldKind::OpaqueMessage,
        ),
    ],
};

/// `mesh.DefaultProxyConfig()` values that `cleanProxyConfig` compares against.
const DEFAULT_CONFIG_PATH: &str = "./etc/istio/proxy";
const DEFAULT_BINARY_PATH: &str = "/usr/local/bin/envoy";
const DEFAULT_SERVICE_CLUSTER: &str = "istio-proxy";
const DEFAULT_DRAIN_DURATION: &str = "45s";
const DEFAULT_TERMINATION_DRAIN_DURATION: &str = "5s";
const DEFAULT_DISCOVERY_ADDRESS: &str = "istiod.istio-system.svc:15012";
const DEFAULT_CONTROL_PLANE_AUTH_POLICY: &str = "MUTUAL_TLS";
const DEFAULT_PROXY_ADMIN_PORT: i64 = 15000;
const DEFAULT_STAT_NAME_LENGTH: i64 = 189;
const DEFAULT_STATUS_PORT: i64 = 15020;

/// `mesh.DefaultProxyConfig()` in canonical form.
pub(crate) const DEFAULT_PROXY_CONFIG: Node = Node::Map(&[
    ("configPath", Node::Str(DEFAULT_CONFIG_PATH)),
    ("binaryPath", Node::Str(DEFAULT_BINARY_PATH)),
    ("serviceCluster", Node::Str(DEFAULT_SERVICE_CLUSTER)),
    ("drainDuration", Node::Str(DEFAULT_DRAIN_DURATION)),
    ("discoveryAddress", Node::Str(DEFAULT_DISCOVERY_ADDRESS)),
    ("proxyAdminPort", Node::Int(DEFAULT_PROXY_ADMIN_PORT)),
    (
        "controlPlaneAuthPolicy",
        Node::Str(DEFAULT_CONTROL_PLANE_AUTH_POLICY),
    ),
    ("statNameLength", Node::Int(DEFAULT_STAT_NAME_LENGTH)),
    ("statusPort", Node::Int(DEFAULT_STATUS_PORT)),
    (
        "terminationDrainDuration",
        Node::Str(DEFAULT_TERMINATION_DRAIN_DURATION),
    ),
]);

/// How inbound traffic is captured (`ProxyConfig.interceptionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterceptionMode {
    Redirect,
    Tproxy,
    None,
}

impl InterceptionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            InterceptionMode::Redirect => "REDIRECT",
            InterceptionMode::Tproxy => "TPROXY",
            InterceptionMode::None => "NONE",
        }
    }

    /// Parses the enum name, as the `sidecar.istio.io/interceptionMode` annotation gives it.
    pub fn from_name(name: &str) -> Option<InterceptionMode> {
        match name {
            "REDIRECT" => Some(InterceptionMode::Redirect),
            "TPROXY" => Some(InterceptionMode::Tproxy),
            "NONE" => Some(InterceptionMode::None),
            _ => None,
        }
    }
}

/// A `meshconfig.ProxyConfig`, as canonical proto JSON.
///
/// Istio's defaults are built into a document on the first [`ProxyConfig::raw`] only: a
/// policy instance lives for one request, and a default pod reads a few scalar fields, which
/// [`DEFAULT_PROXY_CONFIG`] answers without being built.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    raw: OnceLock<Value>,
}

/// Configs are equal when their documents are, built or not.
impl PartialEq for ProxyConfig {
    fn eq(&self, other: &ProxyConfig) -> bool {
        self.raw() == other.raw()
    }
}

impl ProxyConfig {
    /// `mesh.DefaultProxyConfig()`.
    pub fn istio_defaults() -> ProxyConfig {
        ProxyConfig {
            raw: OnceLock::new(),
        }
    }

    /// Overlays ProxyConfig YAML or JSON text (for example a `proxy.istio.io/config`
    /// annotation) onto this config. Empty text changes nothing.
    pub fn apply_yaml(&self, text: &str) -> Result<ProxyConfig, ConfigError> {
        let overlay = parse_document(text)?;
        self.apply_json(&overlay)
    }

    /// Overlays a ProxyConfig given as JSON onto this config: every field given replaces the
    /// current one (nested messages and lists included), `null` fields and unknown fields are
    /// ignored, and `proxyMetadata` entries are merged by key into the current metadata.
    pub fn apply_json(&self, overlay: &Value) -> Result<ProxyConfig, ConfigError> {
        let mut merged = self.clone();
        merged.apply_in_place(overlay, "")?;
        Ok(merged)
    }

    pub(crate) fn apply_in_place(
        &mut self,
        overlay: &Value,
        path: &str,
    ) -> Result<(), ConfigError> {
        let mut target = match self.raw.take() {
            Some(Value::Object(map)) => map,
            Some(_) => Map::new(),
            None => match DEFAULT_PROXY_CONFIG.to_value() {
                Value::Object(map) => map,
                _ => Map::new(),
            },
        };
        let result = apply_with_metadata_merge(&mut target, overlay, path);
        self.raw = OnceLock::from(Value::Object(target));
        result
    }

    /// Istio's `ValidateMeshConfigProxyConfig`. The first problem found is returned, with the
    /// offending field's path.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_at("")
    }

    pub(crate) fn validate_at(&self, path: &str) -> Result<(), ConfigError> {
        let at = |field: &str| join_path(path, field);
        if self.str_field("configPath").is_empty() {
            return Err(ConfigError::new(
                at("configPath"),
                "config path must be set",
            ));
        }
        if self.str_field("binaryPath").is_empty() {
            return Err(ConfigError::new(
                at("binaryPath"),
                "binary path must be set",
            ));
        }
        match (
            self.raw().get("serviceCluster"),
            self.raw().get("tracingServiceName"),
        ) {
            (Some(cluster), _) if cluster.as_str().unwrap_or_default().is_empty() => {
                return Err(ConfigError::new(
                    at("serviceCluster"),
                    "service cluster must be specified",
                ));
            }
            (None, None) => {
                return Err(ConfigError::new(
                    at("serviceCluster"),
                    "oneof service cluster or tracing service name must be specified",
                ));
            }
            _ => {}
        }
        self.validate_drain_duration(&at("drainDuration"))?;
        let discovery = self.str_field("discoveryAddress");
        if discovery.is_empty() {
            return Err(ConfigError::new(
                at("discoveryAddress"),
                "discovery address must be set to the proxy discovery service",
            ));
        }
        validate_proxy_address(discovery).map_err(|e| {
            ConfigError::new(
                at("discoveryAddress"),
                format!("invalid discovery address: {e}"),
            )
        })?;
        self.validate_tracing(&at("tracing"))?;
        for (name, label) in [
            ("statsdUdpAddress", "statsd udp address"),
            (
                "envoyMetricsServiceAddress",
                "envoy metrics service address",
            ),
        ] {
            let address = self.str_field(name);
            if !address.is_empty() {
                validate_proxy_address(address).map_err(|e| {
                    ConfigError::new(at(name), format!("invalid {label} {address:?}: {e}"))
                })?;
            }
        }
        for (name, label) in [
            ("envoyMetricsService", "envoy metrics service address"),
            ("envoyAccessLogService", "envoy access log service address"),
        ] {
            let address = self
                .raw()
                .pointer(&format!("/{name}/address"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !address.is_empty() {
                validate_proxy_address(address).map_err(|e| {
                    ConfigError::new(
                        at(&format!("{name}.address")),
                        format!("invalid {label} {address:?}: {e}"),
                    )
                })?;
            }
        }
        validate_port(self.int_field("proxyAdminPort")).map_err(|e| {
            ConfigError::new(
                at("proxyAdminPort"),
                format!("invalid proxy admin port: {e}"),
            )
        })?;
        let policy = self.str_field("controlPlaneAuthPolicy");
        if !(policy.is_empty() || policy == "NONE" || policy == "MUTUAL_TLS") {
            return Err(ConfigError::new(
                at("controlPlaneAuthPolicy"),
                format!(
                    "invalid authentication policy: unrecognized control plane auth policy {policy:?}"
                ),
            ));
        }
        validate_port(self.int_field("statusPort"))
            .map_err(|e| ConfigError::new(at("statusPort"), format!("invalid status port: {e}")))?;
        if let Some(provider) = self.raw().get("privateKeyProvider") {
            validate_private_key_provider(provider).map_err(|e| {
                ConfigError::new(
                    at("privateKeyProvider"),
                    format!("invalid private key provider configuration: {e}"),
                )
            })?;
        }
        Ok(())
    }

    fn validate_drain_duration(&self, path: &str) -> Result<(), ConfigError> {
        // An unset duration reads as zero, which the minimum below rejects (as in Istio).
        let text = self.str_field("drainDuration");
        let duration = if text.is_empty() {
            Duration::ZERO
        } else {
            Duration::parse_go(text).map_err(|e| ConfigError::new(path, e))?
        };
        let nanos = duration.as_nanos();
        if nanos < 1_000_000 {
            return Err(ConfigError::new(
                path,
                "invalid drain duration: duration must be greater than 1ms",
            ));
        }
        if nanos % 1_000_000 != 0 {
            return Err(ConfigError::new(
                path,
                "invalid drain duration: only durations to ms precision are supported",
            ));
        }
        if nanos % 1_000_000_000 != 0 {
            return Err(ConfigError::new(
                path,
                "drain time only supports durations to seconds precision",
            ));
        }
        Ok(())
    }

    fn validate_tracing(&self, path: &str) -> Result<(), ConfigError> {
        let Some(tracing) = self.raw().get("tracing") else {
            return Ok(());
        };
        let address = |tracer: &str| {
            tracing
                .pointer(&format!("/{tracer}/address"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        if let Some(lightstep) = tracing.get("lightstep") {
            let field = join_path(path, "lightstep");
            let addr = address("lightstep");
            if addr.is_empty() {
                return Err(ConfigError::new(
                    join_path(&field, "address"),
                    "invalid lightstep config: address is required",
                ));
            }
            validate_proxy_address(&addr).map_err(|e| {
                ConfigError::new(
                    join_path(&field, "address"),
                    format!("invalid lightstep config: invalid lightstep address: {e}"),
                )
            })?;
            let token = lightstep.get("accessToken").and_then(Value::as_str);
            if token.unwrap_or_default().is_empty() {
                return Err(ConfigError::new(
                    join_path(&field, "accessToken"),
                    "invalid lightstep config: access token is required",
                ));
            }
        }
        for (tracer, label) in [("zipkin", "zipkin"), ("datadog", "datadog")] {
            if tracing.get(tracer).is_some() {
                // Istio substitutes the node IP placeholder before checking the address.
                let addr = address(tracer).replacen("$(HOST_IP)", "127.0.0.1", 1);
                validate_proxy_address(&addr).map_err(|e| {
                    ConfigError::new(
                        join_path(path, &format!("{tracer}.address")),
                        format!("invalid {label} config: {e}"),
                    )
                })?;
            }
        }
        if let Some(Value::Object(tags)) = tracing.get("customTags")
            && let Some((name, _)) = tags.iter().find(|(_, v)| v.is_null())
        {
            return Err(ConfigError::new(
                join_path(path, &format!("customTags.{name}")),
                format!(
                    "invalid tracing custom tags: encountered nil value for custom tag: {name}"
                ),
            ));
        }
        Ok(())
    }

    /// The canonical proto JSON of this config (lowerCamel keys, declaration order, only set
    /// fields, durations as `"45s"`, enums by name).
    pub fn raw(&self) -> &Value {
        self.raw.get_or_init(|| DEFAULT_PROXY_CONFIG.to_value())
    }

    /// The field `name`: from the document once built, else from the defaults it would be
    /// built from.
    fn field(&self, name: &str) -> Field<'_> {
        match self.raw.get() {
            Some(raw) => Field::Given(raw.get(name)),
            None => Field::Default(DEFAULT_PROXY_CONFIG.get(name)),
        }
    }

    /// The value of the field with this Go name (as templates write it), if set.
    pub fn get_go(&self, go_name: &str) -> Option<&Value> {
        let field = PROXY_CONFIG_SCHEMA.field_by_go(go_name)?;
        self.raw().get(field.json)
    }

    pub fn interception_mode(&self) -> InterceptionMode {
        InterceptionMode::from_name(self.str_field("interceptionMode"))
            .unwrap_or(InterceptionMode::Redirect)
    }

    /// `holdApplicationUntilProxyStarts` if set (a `BoolValue`).
    pub fn hold_application_until_proxy_starts(&self) -> Option<bool> {
        match self.field("holdApplicationUntilProxyStarts") {
            Field::Given(value) => value.and_then(Value::as_bool),
            Field::Default(Some(Node::Bool(b))) => Some(*b),
            Field::Default(_) => None,
        }
    }

    pub fn proxy_metadata(&self) -> BTreeMap<String, String> {
        match self.field("proxyMetadata") {
            Field::Given(Some(Value::Object(map))) => map
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            Field::Default(Some(Node::Map(entries))) => entries
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Node::Str(s) => s,
                        _ => "",
                    };
                    ((*k).to_string(), text.to_string())
                })
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    /// `statusPort` (0 when unset).
    pub fn status_port(&self) -> i32 {
        i32::try_from(self.int_field("statusPort")).unwrap_or(0)
    }

    /// `image.imageType`: `None` when `image` is unset, `Some("")` when `image` is set without
    /// a type (Istio then uses the empty type rather than `global.variant`).
    pub fn image_type(&self) -> Option<&str> {
        if let Field::Default(image) = self.field("image") {
            return image.map(|image| match image.get("imageType") {
                Some(Node::Str(s)) => *s,
                _ => "",
            });
        }
        let image = self.raw().get("image")?;
        Some(
            image
                .get("imageType")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    }

    /// What Istio's `protoToJSON` template function prints for this config: `cleanProxyConfig`
    /// (fields equal to `mesh.DefaultProxyConfig()` dropped) then `jsonpb`. `"{}"` for the
    /// defaults.
    pub fn to_proto_json(&self) -> String {
        // Every default field is one `cleanProxyConfig` clears (a test checks the built
        // document prints the same).
        if self.raw.get().is_none() {
            return "{}".to_string();
        }
        let mut out = String::new();
        let empty = Map::new();
        let message = self.raw().as_object().unwrap_or(&empty);
        write_message(
            &PROXY_CONFIG_SCHEMA,
            message,
            &mut out,
            &is_default_for_clean,
        );
        out
    }

    fn str_field(&self, name: &str) -> &str {
        match self.field(name) {
            Field::Given(value) => value.and_then(Value::as_str).unwrap_or_default(),
            Field::Default(Some(Node::Str(s))) => s,
            Field::Default(_) => "",
        }
    }

    fn int_field(&self, name: &str) -> i64 {
        match self.field(name) {
            Field::Given(value) => value.and_then(Value::as_i64).unwrap_or(0),
            Field::Default(Some(Node::Int(n))) => *n,
            Field::Default(_) => 0,
        }
    }
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig::istio_defaults()
    }
}

/// The fields Istio's `cleanProxyConfig` clears because they equal the built-in defaults.
fn is_default_for_clean(field: &FieldSchema, value: &Value) -> bool {
    match field.json {
        "configPath" => value == DEFAULT_CONFIG_PATH,
        "binaryPath" => value == DEFAULT_BINARY_PATH,
        "controlPlaneAuthPolicy" => value == DEFAULT_CONTROL_PLANE_AUTH_POLICY,
        "serviceCluster" => value == DEFAULT_SERVICE_CLUSTER,
        "drainDuration" => value == DEFAULT_DRAIN_DURATION,
        "terminationDrainDuration" => value == DEFAULT_TERMINATION_DRAIN_DURATION,
        "discoveryAddress" => value == DEFAULT_DISCOVERY_ADDRESS,
        "proxyAdminPort" => value.as_i64() == Some(DEFAULT_PROXY_ADMIN_PORT),
        "statNameLength" => value.as_i64() == Some(DEFAULT_STAT_NAME_LENGTH),
        "statusPort" => value.as_i64() == Some(DEFAULT_STATUS_PORT),
        _ => false,
    }
}

fn validate_private_key_provider(provider: &Value) -> Result<(), String> {
    let (name, config) = if let Some(c) = provider.get("cryptomb") {
        ("cryptomb", c)
    } else if let Some(q) = provider.get("qat") {
        ("qat", q)
    } else {
        return Err(
            "private key provider configuration is required; unknown private key provider"
                .to_string(),
        );
    };
    if config.is_null() {
        return Err(format!("{name} configuration is required"));
    }
    let delay = match config.get("pollDelay").or_else(|| config.get("poll_delay")) {
        None | Some(Value::Null) => return Err("pollDelay is required".to_string()),
        Some(Value::String(text)) => Duration::parse_go(text)?,
        Some(other) => return Err(format!("pollDelay: expected a duration, got {other}")),
    };
    if delay == Duration::ZERO {
        return Err("pollDelay must be non zero".to_string());
    }
    Ok(())
}

/// `protomarshal.ApplyYAML` onto `target`, then Istio's `mergeMap` of the previous
/// `proxyMetadata` with the new one (new keys win).
fn apply_with_metadata_merge(
    target: &mut Map<String, Value>,
    overlay: &Value,
    path: &str,
) -> Result<(), ConfigError> {
    let previous_metadata = target.get("proxyMetadata").cloned();
    apply_overlay(&PROXY_CONFIG_SCHEMA, target, overlay, path)?;
    if let Some(Value::Object(previous)) = previous_metadata {
        let merged = match target.remove("proxyMetadata") {
            Some(Value::Object(new)) => {
                let mut merged = previous;
                merged.extend(new);
                merged
            }
            _ => previous,
        };
        target.insert("proxyMetadata".to_string(), Value::Object(merged));
        proto::reorder(&PROXY_CONFIG_SCHEMA, target);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn defaults() -> ProxyConfig {
        ProxyConfig::istio_defaults()
    }

    #[test]
    fn defaults_are_istios_default_proxy_config() {
        let d = defaults();
        assert_eq!(d.raw()["configPath"], "./etc/istio/proxy");
        assert_eq!(d.raw()["binaryPath"], "/usr/local/bin/envoy");
        assert_eq!(d.raw()["serviceCluster"], "istio-proxy");
        assert_eq!(d.raw()["drainDuration"], "45s");
        assert_eq!(d.raw()["terminationDrainDuration"], "5s");
        assert_eq!(d.raw()["proxyAdminPort"], 15000);
        assert_eq!(d.raw()["controlPlaneAuthPolicy"], "MUTUAL_TLS");
        assert_eq!(d.raw()["discoveryAddress"], "istiod.istio-system.svc:15012");
        assert_eq!(d.raw()["statNameLength"], 189);
        assert_eq!(d.status_port(), 15020);
        assert_eq!(d.interception_mode(), InterceptionMode::Redirect);
        assert_eq!(d.hold_application_until_proxy_starts(), None);
        assert!(d.proxy_metadata().is_empty());
        assert_eq!(d.image_type(), None);
        assert!(d.raw().get("tracing").is_none());
        assert!(d.raw().get("concurrency").is_none());
        assert_eq!(d.to_proto_json(), "{}");
        d.validate().unwrap();
    }

    #[test]
    fn unbuilt_defaults_answer_as_the_built_document() {
        let lazy = defaults();
        let built = defaults();
        let _ = built.raw();
        assert_eq!(lazy.status_port(), built.status_port());
        assert_eq!(lazy.interception_mode(), built.interception_mode());
        assert_eq!(
            lazy.hold_application_until_proxy_starts(),
            built.hold_application_until_proxy_starts()
        );
        assert_eq!(lazy.proxy_metadata(), built.proxy_metadata());
        assert_eq!(lazy.image_type(), built.image_type());
        assert_eq!(lazy.to_proto_json(), built.to_proto_json());
        for (name, _) in match DEFAULT_PROXY_CONFIG {
            Node::Map(entries) => entries,
            _ => unreachable!("the defaults are a map"),
        } {
            assert_eq!(lazy.str_field(name), built.str_field(name), "{name}");
            assert_eq!(lazy.int_field(name), built.int_field(name), "{name}");
        }
        assert_eq!(lazy, built);
    }

    #[test]
    fn proto_json_keeps_only_non_default_fields_in_declaration_order() {
        // The traffic-annotations golden: a concurrency of 0 is set (a wrapper), so it stays.
        let pc = defaults()
            .apply_json(&json!({"proxyMetadata": {"ISTIO_META_TLS_CLIENT_KEY": "/etc/identity/client/keys/client-key.pem"}}))
            .unwrap()
            .apply_yaml("discoveryAddress: foo:123\nconcurrency: 0\nproxyMetadata:\n  FOO: bar\n  ISTIO_META_TLS_CLIENT_KEY: /etc/identity2/client/keys/client-key.pem\n")
            .unwrap();
        assert_eq!(
            pc.to_proto_json(),
            r#"{"discoveryAddress":"foo:123","concurrency":0,"proxyMetadata":{"FOO":"bar","ISTIO_META_TLS_CLIENT_KEY":"/etc/identity2/client/keys/client-key.pem"}}"#
        );
        let pc = defaults().apply_yaml("drainDuration: 23s").unwrap();
        assert_eq!(pc.to_proto_json(), r#"{"drainDuration":"23s"}"#);
        let pc = defaults()
            .apply_yaml(r#"{ "holdApplicationUntilProxyStarts": true }"#)
            .unwrap();
        assert_eq!(
            pc.to_proto_json(),
            r#"{"holdApplicationUntilProxyStarts":true}"#
        );
        assert_eq!(pc.hold_application_until_proxy_starts(), Some(true));
    }

    #[test]
    fn setting_a_default_value_explicitly_still_prints_nothing() {
        let pc = defaults()
            .apply_yaml("drainDuration: 0.75m\nstatusPort: 15020\nserviceCluster: istio-proxy\ncontrolPlaneAuthPolicy: NONE")
            .unwrap();
        assert_eq!(pc.raw()["drainDuration"], "45s");
        assert!(pc.raw().get("controlPlaneAuthPolicy").is_none());
        assert_eq!(pc.to_proto_json(), "{}");
    }

    #[test]
    fn tracing_is_replaced_wholesale_and_empty_tracing_is_kept() {
        let pc = defaults()
            .apply_yaml(
                "tracing:\n  zipkin:\n    address: zipkin.istio-system:9411\n  sampling: 10",
            )
            .unwrap();
        let pc = pc.apply_yaml("tracing:\n  sampling: 5").unwrap();
        assert_eq!(pc.to_proto_json(), r#"{"tracing":{"sampling":5}}"#);
        let pc = defaults().apply_yaml("tracing: {}").unwrap();
        assert_eq!(pc.to_proto_json(), r#"{"tracing":{}}"#);
        let pc = defaults()
            .apply_yaml("tracing: {sampling: 1.5, zipkin: {address: \"$(HOST_IP):9411\"}}")
            .unwrap();
        assert_eq!(
            pc.to_proto_json(),
            r#"{"tracing":{"zipkin":{"address":"$(HOST_IP):9411"},"sampling":1.5}}"#
        );
        pc.validate().unwrap();
    }

    #[test]
    fn proxy_metadata_merges_by_key_other_maps_replace() {
        let pc = defaults()
            .apply_yaml("proxyMetadata: {A: a, B: b}\nruntimeValues: {x: '1'}")
            .unwrap()
            .apply_yaml("proxyMetadata: {B: bb, C: c}\nruntimeValues: {y: '2'}")
            .unwrap();
        let metadata = pc.proxy_metadata();
        assert_eq!(metadata.get("A").map(String::as_str), Some("a"));
        assert_eq!(metadata.get("B").map(String::as_str), Some("bb"));
        assert_eq!(metadata.get("C").map(String::as_str), Some("c"));
        assert_eq!(pc.raw()["runtimeValues"], json!({"y": "2"}));
    }

    #[test]
    fn cluster_name_oneof_switches_and_survives_cleaning() {
        let pc = defaults()
            .apply_yaml("tracingServiceName: CANONICAL_NAME_ONLY")
            .unwrap();
        assert!(pc.raw().get("serviceCluster").is_none());
        assert_eq!(
            pc.to_proto_json(),
            r#"{"tracingServiceName":"CANONICAL_NAME_ONLY"}"#
        );
        pc.validate().unwrap();
        // A oneof member keeps its zero value.
        let pc = defaults()
            .apply_yaml("tracingServiceName: APP_LABEL_AND_NAMESPACE")
            .unwrap();
        assert_eq!(
            pc.to_proto_json(),
            r#"{"tracingServiceName":"APP_LABEL_AND_NAMESPACE"}"#
        );
        let err = defaults()
            .apply_yaml("serviceCluster: ''")
            .unwrap()
            .validate();
        assert_eq!(err.unwrap_err().field, "serviceCluster");
    }

    #[test]
    fn snake_case_names_unknown_fields_and_nulls() {
        let pc = defaults()
            .apply_yaml("interception_mode: TPROXY\nnotAField: 3\ndrainDuration: null\nimage: {imageType: distroless}")
            .unwrap();
        assert_eq!(pc.interception_mode(), InterceptionMode::Tproxy);
        assert_eq!(pc.raw()["drainDuration"], "45s");
        assert_eq!(pc.image_type(), Some("distroless"));
        assert_eq!(
            pc.to_proto_json(),
            r#"{"interceptionMode":"TPROXY","image":{"imageType":"distroless"}}"#
        );
        assert_eq!(
            defaults().apply_yaml("image: {}").unwrap().image_type(),
            Some("")
        );
        assert_eq!(
            pc.get_go("InterceptionMode"),
            Some(&Value::String("TPROXY".to_string()))
        );
    }

    #[test]
    fn go_durations_are_accepted_and_printed_as_seconds() {
        let pc = defaults()
            .apply_yaml(
                "drainDuration: 1m30s\nterminationDrainDuration: 0.5s\nfileFlushInterval: 250ms",
            )
            .unwrap();
        assert_eq!(
            pc.to_proto_json(),
            r#"{"drainDuration":"90s","terminationDrainDuration":"0.500s","fileFlushInterval":"0.250s"}"#
        );
    }

    #[test]
    fn type_errors_name_the_field() {
        let cases = [
            ("drainDuration: 45", "drainDuration"),
            ("drainDuration: 3 days", "drainDuration"),
            ("statusPort: abc", "statusPort"),
            ("statusPort: 99999999999", "statusPort"),
            ("proxyMetadata: {FOO: 1}", "proxyMetadata.FOO"),
            ("proxyMetadata: {FOO: true}", "proxyMetadata.FOO"),
            ("interceptionMode: SIDEWAYS", "interceptionMode"),
            (
                "holdApplicationUntilProxyStarts: 'true'",
                "holdApplicationUntilProxyStarts",
            ),
            ("concurrency: two", "concurrency"),
            ("tracing: {sampling: lots}", "tracing.sampling"),
            ("tracing: []", "tracing"),
            ("extraStatTags: [a, 1]", "extraStatTags[1]"),
            ("discoveryAddress: 15012", "discoveryAddress"),
        ];
        for (yaml, field) in cases {
            let err = defaults().apply_yaml(yaml).unwrap_err();
            assert_eq!(err.field, field, "{yaml}: {err}");
        }
        assert_eq!(defaults().apply_yaml("- a\n- b").unwrap_err().field, "");
        assert_eq!(defaults().apply_yaml("{{").unwrap_err().field, "");
    }

    #[test]
    fn quoted_integers_are_integers() {
        let pc = defaults().apply_yaml("statusPort: '15021'").unwrap();
        assert_eq!(pc.status_port(), 15021);
    }

    #[test]
    fn validation_follows_istio() {
        let cases = [
            ("drainDuration: 0.5s", "drainDuration", "seconds precision"),
            ("drainDuration: 0s", "drainDuration", "greater than 1ms"),
            ("statusPort: 0", "statusPort", "invalid status port"),
            (
                "statusPort: 70000",
                "statusPort",
                "must be in the range 1..65535",
            ),
            (
                "proxyAdminPort: -1",
                "proxyAdminPort",
                "invalid proxy admin port",
            ),
            (
                "discoveryAddress: istiod",
                "discoveryAddress",
                "missing port",
            ),
            (
                "discoveryAddress: 'bad_host!:15012'",
                "discoveryAddress",
                "not a valid hostname",
            ),
            (
                "discoveryAddress: 'istiod:http'",
                "discoveryAddress",
                "is not a number",
            ),
            ("configPath: ''", "configPath", "config path must be set"),
            ("binaryPath: ''", "binaryPath", "binary path must be set"),
            (
                "controlPlaneAuthPolicy: INHERIT",
                "controlPlaneAuthPolicy",
                "INHERIT",
            ),
            (
                "statsdUdpAddress: nope",
                "statsdUdpAddress",
                "invalid statsd udp address",
            ),
            (
                "envoyMetricsService: {address: 'x'}",
                "envoyMetricsService.address",
                "metrics",
            ),
            (
                "tracing: {zipkin: {address: ''}}",
                "tracing.zipkin.address",
                "zipkin",
            ),
            (
                "tracing: {lightstep: {address: 'ls:8080'}}",
                "tracing.lightstep.accessToken",
                "access token",
            ),
            (
                "tracing: {customTags: {a: null}}",
                "tracing.customTags.a",
                "nil value",
            ),
            (
                "privateKeyProvider: {cryptomb: {}}",
                "privateKeyProvider",
                "pollDelay is required",
            ),
            (
                "privateKeyProvider: {qat: {pollDelay: 0s}}",
                "privateKeyProvider",
                "non zero",
            ),
            ("privateKeyProvider: {}", "privateKeyProvider", "required"),
        ];
        for (yaml, field, text) in cases {
            let pc = defaults().apply_yaml(yaml).unwrap();
            let err = pc.validate().unwrap_err();
            assert_eq!(err.field, field, "{yaml}: {err}");
            assert!(err.message.contains(text), "{yaml}: {err}");
        }
        for ok in [
            "discoveryAddress: 10.0.0.1:15012",
            "discoveryAddress: '[::1]:15012'",
            "tracing: {datadog: {address: '$(HOST_IP):8126'}}",
            "privateKeyProvider: {cryptomb: {pollDelay: 10ms}}",
            "statusPort: 15021\nproxyAdminPort: 15001",
        ] {
            defaults().apply_yaml(ok).unwrap().validate().unwrap();
        }
        let nested = defaults()
            .apply_yaml("statusPort: 0")
            .unwrap()
            .validate_at("defaultConfig");
        assert_eq!(nested.unwrap_err().field, "defaultConfig.statusPort");
    }

    #[test]
    fn strings_use_go_escaping() {
        let pc = defaults()
            .apply_yaml("proxyMetadata: {X: \"<a href='x'>&</a>\"}")
            .unwrap();
        assert_eq!(
            pc.to_proto_json(),
            r#"{"proxyMetadata":{"X":"\u003ca href='x'\u003e\u0026\u003c/a\u003e"}}"#
        );
    }

    #[test]
    fn schema_is_in_declaration_order_with_go_names() {
        let json: Vec<&str> = PROXY_CONFIG_SCHEMA.fields.iter().map(|f| f.json).collect();
        assert_eq!(json.first(), Some(&"configPath"));
        assert_eq!(json.last(), Some(&"connectionSettings"));
        assert_eq!(json.len(), 40);
        let position = |name: &str| json.iter().position(|n| *n == name);
        assert!(position("proxyMetadata") < position("runtimeValues"));
        assert!(position("runtimeValues") < position("statusPort"));
        assert!(position("image") < position("privateKeyProvider"));
        assert_eq!(
            PROXY_CONFIG_SCHEMA
                .field_by_go("HoldApplicationUntilProxyStarts")
                .map(|f| f.json),
            Some("holdApplicationUntilProxyStarts")
        );
    }

    proptest! {
        #[test]
        fn apply_yaml_never_panics(text in ".{0,200}") {
            if let Ok(pc) = defaults().apply_yaml(&text) {
                let _ = pc.validate();
                let _ = pc.to_proto_json();
            }
        }

        #[test]
        fn proto_json_is_valid_json(port in 1i32..65536, drain in 1u32..1000, key in "[A-Z_]{1,8}", value in ".{0,20}") {
            let pc = defaults()
                .apply_json(&json!({"statusPort": port, "drainDuration": format!("{drain}s"), "proxyMetadata": {key.clone(): value.clone()}}))
                .unwrap();
            let text = pc.to_proto_json();
            let parsed: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&parsed["proxyMetadata"][&key], &Value::String(value));
        }
    }
}

//! `meshconfig.MeshConfig` (the `mesh` key of ConfigMap `istio`), loaded the way Istio's
//! `mesh.ApplyMeshConfig(yaml, mesh.DefaultMeshConfig())` loads it:
//!
//! * top-level fields given replace the defaults wholesale (proto JSON overlay, see
//!   [`super::proto`]); unknown fields are ignored, because `protomarshal.ApplyYAML` retries
//!   with `AllowUnknownFields` (it is not strict); a known field of the wrong type is an error;
//! * `defaultConfig` is merged field by field into `mesh.DefaultProxyConfig()`, with
//!   `proxyMetadata` merged by key; only the lowerCamel key `defaultConfig` is merged (Istio
//!   extracts it by that name), `default_config` is type-checked and then dropped, as in Istio;
//! * `defaultProviders` is applied field by field onto the default (empty) providers, again
//!   only under its lowerCamel name;
//! * `extensionProviders` are merged by name into the defaults `prometheus`, `stackdriver` and
//!   `envoy`: a provider with a known name replaces it in place, new names are appended;
//! * `trustDomainAliases` are de-duplicated and sorted;
//! * the result is validated (`ValidateMeshConfig`).

use serde_json::{Map, Value};

use std::sync::OnceLock;

use super::constant::Node;
use super::duration::Duration;
use super::proto::{
    EnumSchema, FieldKind, FieldSchema, MessageSchema, apply_fields, apply_overlay, lookup,
    normalize_field, reorder, type_error,
};
use super::proxy_config::{DEFAULT_PROXY_CONFIG, PROXY_CONFIG_SCHEMA, ProxyConfig};
use super::text::{index_path, join_path, parse_document};
use super::validation::{validate_port, validate_trust_domain, validate_wildcard_domain};
use crate::error::ConfigError;
use crate::render::istio_funcs::mesh_uses_otel_semantic_conventions;

static INGRESS_CONTROLLER_MODE: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.IngressControllerMode",
    values: &[
        ("UNSPECIFIED", 0),
        ("OFF", 1),
        ("DEFAULT", 2),
        ("STRICT", 3),
    ],
};

static ACCESS_LOG_ENCODING: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.AccessLogEncoding",
    values: &[("TEXT", 0), ("JSON", 1)],
};

static H2_UPGRADE_POLICY: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.H2UpgradePolicy",
    values: &[("DO_NOT_UPGRADE", 0), ("UPGRADE", 1)],
};

static OUTBOUND_MODE: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode",
    values: &[("REGISTRY_ONLY", 0), ("ALLOW_ANY", 1)],
};

static INBOUND_MODE: EnumSchema = EnumSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.InboundTrafficPolicy.Mode",
    values: &[("PASSTHROUGH", 0), ("LOCALHOST", 1)],
};

static OUTBOUND_TRAFFIC_POLICY: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy",
    fields: &[FieldSchema::new(
        "mode",
        "mode",
        "Mode",
        FieldKind::Enum(&OUTBOUND_MODE),
    )],
};

static INBOUND_TRAFFIC_POLICY: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.InboundTrafficPolicy",
    fields: &[FieldSchema::new(
        "mode",
        "mode",
        "Mode",
        FieldKind::Enum(&INBOUND_MODE),
    )],
};

static DEFAULT_PROVIDERS: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.MeshConfig.DefaultProviders",
    fields: &[
        FieldSchema::new("tracing", "tracing", "Tracing", FieldKind::RepeatedString),
        FieldSchema::new("metrics", "metrics", "Metrics", FieldKind::RepeatedString),
        FieldSchema::new(
            "accessLogging",
            "access_logging",
            "AccessLogging",
            FieldKind::RepeatedString,
        ),
    ],
};

/// The top-level fields of `meshconfig.MeshConfig` (istio/api `mesh/v1alpha1/config.proto`),
/// in declaration order: JSON name, proto name, Go field name and kind. Nested messages the
/// injector reads are modelled; the others are kept as given.
pub static MESH_CONFIG_SCHEMA: MessageSchema = MessageSchema {
    name: "istio.mesh.v1alpha1.MeshConfig",
    fields: &[
        FieldSchema::new(
            "proxyListenPort",
            "proxy_listen_port",
            "ProxyListenPort",
            FieldKind::Int32,
        ),
        FieldSchema::new(
            "proxyInboundListenPort",
            "proxy_inbound_listen_port",
            "ProxyInboundListenPort",
            FieldKind::Int32,
        ),
        FieldSchema::new(
            "proxyHttpPort",
            "proxy_http_port",
            "ProxyHttpPort",
            FieldKind::Int32,
        ),
        FieldSchema::new(
            "connectTimeout",
            "connect_timeout",
            "ConnectTimeout",
            FieldKind::Duration,
        ),
        FieldSchema::new(
            "protocolDetectionTimeout",
            "protocol_detection_timeout",
            "ProtocolDetectionTimeout",
            FieldKind::Duration,
        ),
        FieldSchema::new(
            "tcpKeepalive",
            "tcp_keepalive",
            "TcpKeepalive",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "ingressClass",
            "ingress_class",
            "IngressClass",
            FieldKind::String,
        ),
        FieldSchema::new(
            "ingressService",
            "ingress_service",
            "IngressService",
            FieldKind::String,
        ),
        FieldSchema::new(
            "ingressControllerMode",
            "ingress_controller_mode",
            "IngressControllerMode",
            FieldKind::Enum(&INGRESS_CONTROLLER_MODE),
        ),
        FieldSchema::new(
            "ingressSelector",
            "ingress_selector",
            "IngressSelector",
            FieldKind::String,
        ),
        FieldSchema::new(
            "enableTracing",
            "enable_tracing",
            "EnableTracing",
            FieldKind::Bool,
        ),
        FieldSchema::new(
            "accessLogFile",
            "access_log_file",
            "AccessLogFile",
            FieldKind::String,
        ),
        FieldSchema::new(
            "accessLogFormat",
            "access_log_format",
            "AccessLogFormat",
            FieldKind::String,
        ),
        FieldSchema::new(
            "accessLogEncoding",
            "access_log_encoding",
            "AccessLogEncoding",
            FieldKind::Enum(&ACCESS_LOG_ENCODING),
        ),
        FieldSchema::new(
            "enableEnvoyAccessLogService",
            "enable_envoy_access_log_service",
            "EnableEnvoyAccessLogService",
            FieldKind::Bool,
        ),
        FieldSchema::new(
            "disableEnvoyListenerLog",
            "disable_envoy_listener_log",
            "DisableEnvoyListenerLog",
            FieldKind::Bool,
        ),
        FieldSchema::new(
            "defaultConfig",
            "default_config",
            "DefaultConfig",
            FieldKind::Message(&PROXY_CONFIG_SCHEMA),
        ),
        FieldSchema::new(
            "outboundTrafficPolicy",
            "outbound_traffic_policy",
            "OutboundTrafficPolicy",
            FieldKind::Message(&OUTBOUND_TRAFFIC_POLICY),
        ),
        FieldSchema::new(
            "inboundTrafficPolicy",
            "inbound_traffic_policy",
            "InboundTrafficPolicy",
            FieldKind::Message(&INBOUND_TRAFFIC_POLICY),
        ),
        FieldSchema::new(
            "configSources",
            "config_sources",
            "ConfigSources",
            FieldKind::RepeatedOpaque,
        ),
        FieldSchema::new(
            "enableAutoMtls",
            "enable_auto_mtls",
            "EnableAutoMtls",
            FieldKind::BoolValue,
        ),
        FieldSchema::new(
            "trustDomain",
            "trust_domain",
            "TrustDomain",
            FieldKind::String,
        ),
        FieldSchema::new(
            "trustDomainAliases",
            "trust_domain_aliases",
            "TrustDomainAliases",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new(
            "caCertificates",
            "ca_certificates",
            "CaCertificates",
            FieldKind::RepeatedOpaque,
        ),
        FieldSchema::new(
            "defaultServiceExportTo",
            "default_service_export_to",
            "DefaultServiceExportTo",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new(
            "defaultVirtualServiceExportTo",
            "default_virtual_service_export_to",
            "DefaultVirtualServiceExportTo",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new(
            "defaultDestinationRuleExportTo",
            "default_destination_rule_export_to",
            "DefaultDestinationRuleExportTo",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new(
            "rootNamespace",
            "root_namespace",
            "RootNamespace",
            FieldKind::String,
        ),
        FieldSchema::new(
            "localityLbSetting",
            "locality_lb_setting",
            "LocalityLbSetting",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "dnsRefreshRate",
            "dns_refresh_rate",
            "DnsRefreshRate",
            FieldKind::Duration,
        ),
        FieldSchema::new(
            "h2UpgradePolicy",
            "h2_upgrade_policy",
            "H2UpgradePolicy",
            FieldKind::Enum(&H2_UPGRADE_POLICY),
        ),
        FieldSchema::new(
            "inboundClusterStatName",
            "inbound_cluster_stat_name",
            "InboundClusterStatName",
            FieldKind::String,
        ),
        FieldSchema::new(
            "outboundClusterStatName",
            "outbound_cluster_stat_name",
            "OutboundClusterStatName",
            FieldKind::String,
        ),
        FieldSchema::new(
            "certificates",
            "certificates",
            "Certificates",
            FieldKind::RepeatedOpaque,
        ),
        FieldSchema::new(
            "serviceSettings",
            "service_settings",
            "ServiceSettings",
            FieldKind::RepeatedOpaque,
        ),
        FieldSchema::new(
            "enablePrometheusMerge",
            "enable_prometheus_merge",
            "EnablePrometheusMerge",
            FieldKind::BoolValue,
        ),
        FieldSchema::new(
            "verifyCertificateAtClient",
            "verify_certificate_at_client",
            "VerifyCertificateAtClient",
            FieldKind::BoolValue,
        ),
        FieldSchema::new("ca", "ca", "Ca", FieldKind::OpaqueMessage),
        FieldSchema::new(
            "extensionProviders",
            "extension_providers",
            "ExtensionProviders",
            FieldKind::RepeatedOpaque,
        ),
        FieldSchema::new(
            "defaultProviders",
            "default_providers",
            "DefaultProviders",
            FieldKind::Message(&DEFAULT_PROVIDERS),
        ),
        FieldSchema::new(
            "discoverySelectors",
            "discovery_selectors",
            "DiscoverySelectors",
            FieldKind::RepeatedOpaque,
        ),
        FieldSchema::new(
            "pathNormalization",
            "path_normalization",
            "PathNormalization",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "defaultHttpRetryPolicy",
            "default_http_retry_policy",
            "DefaultHttpRetryPolicy",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "meshMTLS",
            "mesh_mTLS",
            "MeshMTLS",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "tlsDefaults",
            "tls_defaults",
            "TlsDefaults",
            FieldKind::OpaqueMessage,
        ),
        FieldSchema::new(
            "compliancePolicy",
            "compliance_policy",
            "CompliancePolicy",
            FieldKind::String,
        ),
    ],
};

/// Fields `ApplyMeshConfig` treats specially rather than replacing.
const SPECIAL_FIELDS: &[&str] = &[
    "defaultConfig",
    "defaultProviders",
    "extensionProviders",
    "trustDomainAliases",
];

/// The mesh YAML of a default install (the `mesh` key the default chart renders).
#[cfg(test)]
const DEFAULT_INSTALL_MESH: &str = "\
defaultConfig:
  discoveryAddress: istiod.istio-system.svc:15012
defaultProviders:
  metrics:
  - prometheus
enablePrometheusMerge: true
rootNamespace: istio-system
trustDomain: cluster.local
";

/// A `meshconfig.MeshConfig` after `ApplyMeshConfig`, as canonical proto JSON, with its
/// effective default ProxyConfig.
#[derive(Debug, Clone)]
pub struct MeshConfig {
    /// The document. Istio's default mesh ([`MeshConfig::istio_defaults`]) builds it on the
    /// first [`MeshConfig::raw`] only: the accessors answer from [`BUILTIN_MESH`], and a
    /// policy instance lives for one request, where most never need the whole document.
    raw: OnceLock<Value>,
    /// Whether this is Istio's default mesh (`raw` empty until asked for).
    istio_defaults: bool,
    default_config: ProxyConfig,
}

/// Meshes are equal when their documents are, however they were made.
impl PartialEq for MeshConfig {
    fn eq(&self, other: &MeshConfig) -> bool {
        self.default_config == other.default_config && self.raw() == other.raw()
    }
}

impl MeshConfig {
    /// What a default install's `istio` ConfigMap gives: the chart's mesh YAML applied over
    /// `mesh.DefaultMeshConfig()`.
    pub fn istio_defaults() -> MeshConfig {
        MeshConfig {
            raw: OnceLock::new(),
            istio_defaults: true,
            default_config: ProxyConfig::istio_defaults(),
        }
    }

    /// The document of [`MeshConfig::istio_defaults`]. The chart's mesh changes only
    /// `defaultProviders` of the built-in defaults (its `discoveryAddress` is the built-in
    /// one), so it is set here rather than applied field by field and validated on every
    /// admission; a test checks this against `ApplyMeshConfig` of the chart's mesh.
    fn istio_defaults_raw() -> Value {
        let mut raw = BUILTIN_MESH.to_value();
        if let Value::Object(map) = &mut raw {
            let mut providers = Map::with_capacity(1);
            providers.insert(
                "metrics".to_string(),
                Value::Array(vec![Value::String("prometheus".to_string())]),
            );
            map.insert("defaultProviders".to_string(), Value::Object(providers));
        }
        raw
    }

    /// `ApplyMeshConfig(text, DefaultMeshConfig())` for mesh YAML or JSON text.
    #[allow(clippy::should_implement_trait)] // the agreed API name; FromStr delegates here
    pub fn from_str(text: &str) -> Result<MeshConfig, ConfigError> {
        MeshConfig::from_json(parse_document(text)?)
    }

    /// `ApplyMeshConfig` for mesh config given as a JSON object (`null` means no overrides).
    pub fn from_json(v: Value) -> Result<MeshConfig, ConfigError> {
        let overlay = match v {
            Value::Null => Map::new(),
            Value::Object(map) => map,
            other => return Err(type_error("", "an object", &other)),
        };
        let mut default_config = ProxyConfig::istio_defaults();
        let mut raw = match BUILTIN_MESH.to_value() {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        apply_fields(&MESH_CONFIG_SCHEMA, &mut raw, &overlay, "", SPECIAL_FIELDS)?;
        let given = |name: &str| {
            MESH_CONFIG_SCHEMA
                .field_by_json(name)
                .and_then(|field| lookup(&overlay, field))
                .filter(|v| !v.is_null())
        };
        // Istio's first pass parses whichever spelling is present (so its errors surface);
        // afterwards only the lowerCamel key is merged into the previous value.
        let merged_by_json_name = |name: &str| overlay.get(name).is_some_and(|v| !v.is_null());

        if let Some(given) = given("defaultConfig") {
            let mut merged = default_config.clone();
            merged.apply_in_place(given, "defaultConfig")?;
            if merged_by_json_name("defaultConfig") {
                default_config = merged;
            }
        }
        if let Some(given) = given("defaultProviders") {
            let current = match raw.remove("defaultProviders") {
                Some(Value::Object(map)) => map,
                _ => Map::new(),
            };
            let mut merged = current.clone();
            apply_overlay(&DEFAULT_PROVIDERS, &mut merged, given, "defaultProviders")?;
            let kept = if merged_by_json_name("defaultProviders") {
                merged
            } else {
                current
            };
            raw.insert("defaultProviders".to_string(), Value::Object(kept));
        }
        if let Some(field) = MESH_CONFIG_SCHEMA.field_by_json("extensionProviders")
            && let Some(given) = given("extensionProviders")
        {
            merge_extension_providers(&mut raw, field, given)?;
        }
        if let Some(field) = MESH_CONFIG_SCHEMA.field_by_json("trustDomainAliases")
            && let Some(given) = given("trustDomainAliases")
        {
            merge_trust_domain_aliases(&mut raw, field, given)?;
        }
        raw.insert("defaultConfig".to_string(), default_config.raw().clone());
        reorder(&MESH_CONFIG_SCHEMA, &mut raw);
        let mesh = MeshConfig {
            raw: OnceLock::from(Value::Object(raw)),
            istio_defaults: false,
            default_config,
        };
        mesh.validate()?;
        Ok(mesh)
    }

    pub fn raw(&self) -> &Value {
        self.raw.get_or_init(MeshConfig::istio_defaults_raw)
    }

    /// The top-level field `name`: from the document, or for Istio's default mesh (built or
    /// not) from the constant it is made of, without building it.
    fn field(&self, name: &str) -> Field<'_> {
        if self.istio_defaults {
            Field::Default(BUILTIN_MESH.get(name))
        } else {
            Field::Given(self.raw().get(name))
        }
    }

    /// The value of the top-level field with this Go name (as templates write it), if set.
    pub fn get_go(&self, go_name: &str) -> Option<&Value> {
        let field = MESH_CONFIG_SCHEMA.field_by_go(go_name)?;
        self.raw().get(field.json)
    }

    /// The effective default ProxyConfig (`defaultConfig` merged into Istio's defaults).
    pub fn default_config(&self) -> &ProxyConfig {
        &self.default_config
    }

    pub fn proxy_listen_port(&self) -> i32 {
        self.i32_field("proxyListenPort")
    }

    pub fn proxy_inbound_listen_port(&self) -> i32 {
        self.i32_field("proxyInboundListenPort")
    }

    pub fn trust_domain(&self) -> &str {
        self.str_field("trustDomain")
    }

    /// `enablePrometheusMerge`, true when unset (Istio's `enablePrometheusAggregation`).
    pub fn enable_prometheus_merge(&self) -> bool {
        match self.field("enablePrometheusMerge") {
            Field::Given(value) => value.and_then(Value::as_bool).unwrap_or(true),
            Field::Default(Some(Node::Bool(b))) => *b,
            Field::Default(_) => true,
        }
    }

    /// `"localhost"` when `inboundTrafficPolicy.mode` is `LOCALHOST`, else `"passthrough"`.
    pub fn inbound_traffic_policy_mode(&self) -> &str {
        let localhost = match self.field("inboundTrafficPolicy") {
            Field::Given(policy) => {
                policy.and_then(|p| p.get("mode")).and_then(Value::as_str) == Some("LOCALHOST")
            }
            Field::Default(policy) => {
                policy.and_then(|p| p.get("mode")) == Some(&Node::Str("LOCALHOST"))
            }
        };
        if localhost {
            "localhost"
        } else {
            "passthrough"
        }
    }

    /// Whether an OpenTelemetry extension provider asks for OpenTelemetry's semantic
    /// conventions (the switch of `otelResourceAttributes`).
    pub fn uses_otel_semantic_conventions(&self) -> bool {
        match self.field("extensionProviders") {
            Field::Given(_) => mesh_uses_otel_semantic_conventions(self.raw()),
            // Istio's built-in providers are prometheus, stackdriver and envoy's file log.
            Field::Default(_) => false,
        }
    }

    pub fn root_namespace(&self) -> &str {
        self.str_field("rootNamespace")
    }

    /// The extension providers after merging (each `{"name": …, "<kind>": {…}}`).
    pub fn extension_providers(&self) -> &[Value] {
        self.raw()
            .get("extensionProviders")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn str_field(&self, name: &str) -> &str {
        match self.field(name) {
            Field::Given(value) => value.and_then(Value::as_str).unwrap_or_default(),
            Field::Default(Some(Node::Str(s))) => s,
            Field::Default(_) => "",
        }
    }

    fn i32_field(&self, name: &str) -> i32 {
        let n = match self.field(name) {
            Field::Given(value) => value.and_then(Value::as_i64),
            Field::Default(Some(Node::Int(n))) => Some(*n),
            Field::Default(_) => None,
        };
        n.and_then(|n| i32::try_from(n).ok()).unwrap_or(0)
    }

    /// Istio's `ValidateMeshConfig` (the parts that can fail; warnings are not reported).
    fn validate(&self) -> Result<(), ConfigError> {
        validate_port(i64::from(self.proxy_listen_port())).map_err(|e| {
            ConfigError::new("proxyListenPort", format!("invalid proxy listen port: {e}"))
        })?;
        let connect_timeout = self.duration_field("connectTimeout")?;
        let nanos = connect_timeout.as_nanos();
        let timeout_error = if nanos < 1_000_000 {
            Some("duration must be greater than 1ms".to_string())
        } else if nanos % 1_000_000 != 0 {
            Some("only durations to ms precision are supported".to_string())
        } else if nanos > 3_600_000_000_000 {
            Some(format!(
                "time {} must be >1ms and <1h0m0s",
                connect_timeout.to_go_string()
            ))
        } else {
            None
        };
        if let Some(message) = timeout_error {
            return Err(ConfigError::new(
                "connectTimeout",
                format!("invalid connect timeout: {message}"),
            ));
        }
        let detection = self.duration_field("protocolDetectionTimeout")?.as_nanos();
        if detection != 0 && detection % 1_000_000 != 0 {
            return Err(ConfigError::new(
                "protocolDetectionTimeout",
                "invalid protocol detection timeout: only durations to ms precision are supported",
            ));
        }
        self.default_config.validate_at("defaultConfig")?;
        self.validate_locality_lb_setting()?;
        if let Some(Value::Array(settings)) = self.raw().get("serviceSettings") {
            for (i, setting) in settings.iter().enumerate() {
                let hosts = setting.get("hosts").and_then(Value::as_array);
                for host in hosts.into_iter().flatten() {
                    let host = host.as_str().unwrap_or_default();
                    validate_wildcard_domain(host).map_err(|e| {
                        ConfigError::new(
                            format!("{}.hosts", index_path("serviceSettings", i)),
                            format!("serviceSettings[{i}], host `{host}`: {e}"),
                        )
                    })?;
                }
            }
        }
        validate_trust_domain(self.trust_domain())
            .map_err(|e| ConfigError::new("trustDomain", format!("trustDomain: {e}")))?;
        if let Some(Value::Array(aliases)) = self.raw().get("trustDomainAliases") {
            for (i, alias) in aliases.iter().enumerate() {
                let alias = alias.as_str().unwrap_or_default();
                validate_trust_domain(alias).map_err(|e| {
                    ConfigError::new(
                        index_path("trustDomainAliases", i),
                        format!("trustDomainAliases[{i}], domain `{alias}` : {e}"),
                    )
                })?;
            }
        }
        if self
            .raw()
            .pointer("/meshMTLS/ecdhCurves")
            .is_some_and(|curves| !curves.is_null())
        {
            return Err(ConfigError::new(
                "meshMTLS.ecdhCurves",
                "mesh TLS does not support ECDH curves configuration",
            ));
        }
        Ok(())
    }

    fn duration_field(&self, name: &str) -> Result<Duration, ConfigError> {
        match self.raw().get(name).and_then(Value::as_str) {
            Some(text) => Duration::parse_go(text).map_err(|e| ConfigError::new(name, e)),
            None => Ok(Duration::ZERO),
        }
    }

    /// The checks of `ValidateLocalityLbSetting` that concern the shape of the setting.
    fn validate_locality_lb_setting(&self) -> Result<(), ConfigError> {
        let Some(lb) = self.raw().get("localityLbSetting") else {
            return Ok(());
        };
        let non_empty = |name: &str| {
            lb.get(name)
                .and_then(Value::as_array)
                .is_some_and(|items| !items.is_empty())
        };
        let field = "localityLbSetting";
        if non_empty("distribute") && non_empty("failover") {
            return Err(ConfigError::new(
                field,
                "can not simultaneously specify 'distribute' and 'failover'",
            ));
        }
        if non_empty("failover")
            && let Some(Value::Array(priorities)) = lb.get("failoverPriority")
        {
            for label in priorities.iter().filter_map(Value::as_str) {
                if matches!(
                    label,
                    "topology.kubernetes.io/region"
                        | "topology.kubernetes.io/zone"
                        | "topology.istio.io/subzone"
                ) {
                    return Err(ConfigError::new(
                        field,
                        format!(
                            "can not simultaneously set 'failover' and topology label '{label}' in 'failover_priority'"
                        ),
                    ));
                }
            }
        }
        if let Some(Value::Array(failovers)) = lb.get("failover") {
            for failover in failovers {
                let from = failover
                    .get("from")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let to = failover
                    .get("to")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let problem = if from == to {
                    Some("locality lb failover settings must specify different regions")
                } else if from.contains('/') || to.contains('/') {
                    Some("locality lb failover only specify region")
                } else if from.contains('*') || to.contains('*') {
                    Some("locality lb failover region should not contain '*' wildcard")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    return Err(ConfigError::new(field, problem));
                }
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for MeshConfig {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<MeshConfig, ConfigError> {
        MeshConfig::from_str(text)
    }
}

impl Default for MeshConfig {
    fn default() -> Self {
        MeshConfig::istio_defaults()
    }
}

/// A top-level field of a mesh or ProxyConfig: from its document, or from the defaults
/// ([`BUILTIN_MESH`], [`DEFAULT_PROXY_CONFIG`]) while the document is not built.
pub(super) enum Field<'a> {
    Given(Option<&'a Value>),
    Default(Option<&'static Node>),
}

const EVERYWHERE: Node = Node::List(&[Node::Str("*")]);

/// `mesh.DefaultMeshConfig()` in canonical form, its `defaultConfig` included.
const BUILTIN_MESH: Node = {
    use Node::{Bool, Int, List, Map as M, Str};
    M(&[
        ("proxyListenPort", Int(15001)),
        ("proxyInboundListenPort", Int(15006)),
        ("connectTimeout", Str("10s")),
        ("protocolDetectionTimeout", Str("0s")),
        ("ingressClass", Str("istio")),
        ("ingressService", Str("istio-ingressgateway")),
        ("ingressControllerMode", Str("STRICT")),
        ("enableTracing", Bool(true)),
        ("defaultConfig", DEFAULT_PROXY_CONFIG),
        ("outboundTrafficPolicy", M(&[("mode", Str("ALLOW_ANY"))])),
        ("enableAutoMtls", Bool(true)),
        ("trustDomain", Str("cluster.local")),
        ("defaultServiceExportTo", EVERYWHERE),
        ("defaultVirtualServiceExportTo", EVERYWHERE),
        ("defaultDestinationRuleExportTo", EVERYWHERE),
        ("rootNamespace", Str("istio-system")),
        ("localityLbSetting", M(&[("enabled", Bool(true))])),
        ("dnsRefreshRate", Str("60s")),
        ("enablePrometheusMerge", Bool(true)),
        (
            "extensionProviders",
            List(&[
                M(&[("name", Str("prometheus")), ("prometheus", M(&[]))]),
                M(&[("name", Str("stackdriver")), ("stackdriver", M(&[]))]),
                M(&[
                    ("name", Str("envoy")),
                    ("envoyFileAccessLog", M(&[("path", Str("/dev/stdout"))])),
                ]),
            ]),
        ),
        ("defaultProviders", M(&[])),
    ])
};

/// `ApplyMeshConfig`'s merge of extension providers by name.
fn merge_extension_providers(
    raw: &mut Map<String, Value>,
    field: &FieldSchema,
    given: &Value,
) -> Result<(), ConfigError> {
    let Some(Value::Array(new)) = normalize_field(field, given, field.json)? else {
        return Ok(());
    };
    let name_of = |provider: &Value| -> String {
        provider
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    for (i, provider) in new.iter().enumerate() {
        if let Some(name) = provider.get("name").filter(|n| !n.is_null())
            && !name.is_string()
        {
            return Err(type_error(
                &join_path(&index_path(field.json, i), "name"),
                "a string",
                name,
            ));
        }
    }
    let mut current = match raw.remove(field.json) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    for provider in new {
        let name = name_of(&provider);
        match current
            .iter_mut()
            .find(|existing| name_of(existing) == name)
        {
            Some(existing) => *existing = provider,
            None => current.push(provider),
        }
    }
    raw.insert(field.json.to_string(), Value::Array(current));
    Ok(())
}

/// `ApplyMeshConfig`'s union of trust domain aliases: de-duplicated and sorted.
fn merge_trust_domain_aliases(
    raw: &mut Map<String, Value>,
    field: &FieldSchema,
    given: &Value,
) -> Result<(), ConfigError> {
    let mut aliases: Vec<String> = Vec::new();
    if let Some(Value::Array(new)) = normalize_field(field, given, field.json)? {
        aliases.extend(new.iter().filter_map(|v| v.as_str().map(str::to_string)));
    }
    if let Some(Value::Array(previous)) = raw.get(field.json) {
        aliases.extend(
            previous
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string)),
        );
    }
    aliases.sort();
    aliases.dedup();
    if aliases.is_empty() {
        raw.remove(field.json);
    } else {
        raw.insert(
            field.json.to_string(),
            Value::Array(aliases.into_iter().map(Value::String).collect()),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;

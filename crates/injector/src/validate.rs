//! Validation of a pod's injection annotations (Istio's `validateAnnotations`, `validate.go`).
//!
//! Every annotation that has a validator is checked, all failures are collected, and the pod is
//! rejected with one message in the format of `hashicorp/go-multierror`, each entry reading
//! `invalid value '<value>' for annotation '<name>': <reason>` with Istio's reasons (the
//! `strconv`/`netip` texts included), so that users and tests see what Istio would say.
//!
//! Validated annotations ([`validated_annotations`]): interception mode, status port (uint16),
//! readiness initial delay / period / failure threshold (uint32), include/exclude outbound IP
//! ranges (CIDR lists, `*` allowed for include), include/exclude inbound ports and exclude
//! outbound ports (uint16 lists, `*` allowed for include), `prometheus.istio.io/merge-metrics`
//! (Go boolean), `proxy.istio.io/config` (must apply over Istio's default ProxyConfig and
//! validate), the interface-name lists (`traffic.sidecar.istio.io/excludeInterfaces`,
//! `traffic.sidecar.istio.io/kubevirtInterfaces`, `istio.io/reroute-virtual-interfaces`) and the
//! proxy resource quantities (`sidecar.istio.io/proxyCPU`, `proxyMemory`, `proxyCPULimit`,
//! `proxyMemoryLimit`: Kubernetes quantities, no control characters).
//!
//! The injection templates interpolate several of these values into YAML text. Beyond Istio's
//! checks, a validated value (other than the multi-line `proxy.istio.io/config`) is refused when
//! it contains a control character: Istio trims whitespace around ports and would let
//! `"\n15020"` through to an unquoted `--debug-port=` argument, where a line break can reshape the
//! rendered document. Values Istio accepts and that contain no control character are accepted
//! unchanged.
//!
//! Annotations the sidecar/gateway templates interpolate that Istio does **not** validate (they
//! reach the template as the user wrote them; the "beyond Istio" section at the end of the
//! checks refuses the values that could break out of the template's quoting):
//! - `traffic.sidecar.istio.io/includeOutboundPorts` (inside `"…"`, in the pod annotations and the
//!   `istio-init` arguments);
//! - `sidecar.istio.io/logLevel`, `sidecar.istio.io/componentLogLevel`,
//!   `sidecar.istio.io/agentLogLevel` (proxy arguments, through `printf … | quote`);
//! - `sidecar.istio.io/proxyImage` (`image:`, quoted);
//! - `sidecar.istio.io/bootstrapOverride` (ConfigMap name, quoted);
//! - `sidecar.istio.io/userVolume`, `sidecar.istio.io/userVolumeMount` (parsed with `fromJSON`;
//!   keys land inside `"…"`, values through `toYaml | indent`);
//! - `apm.datadoghq.com/env` (JSON map; keys unquoted, values inside `"…"`);
//! - `k8s.v1.cni.cncf.io/networks` (multus, inside `'…'` through `appendMultusNetwork`);
//! - `sidecar.istio.io/capNetBindService`, `sidecar.istio.io/nativeSidecar` (only compared, never
//!   printed), `kubectl.kubernetes.io/default-container` / `default-logs-container` (only tested
//!   for presence), the `resource.opentelemetry.io/*` annotations (through
//!   `otelResourceAttributes`);
//! - labels printed by the templates (`service.istio.io/canonical-name`, `…/canonical-revision`,
//!   `app`, `version`, `app.kubernetes.io/*`), quoted.

use serde_json::{Map, Value};

use crate::annotation;
use crate::config::ProxyConfig;
use crate::error::{ConfigError, InjectError};
use crate::golang::strconv::quote;

/// How one annotation is checked.
#[derive(Debug, Clone, Copy)]
enum Validator {
    InterceptionMode,
    StatusPort,
    UInt32,
    IncludeIpRanges,
    ExcludeIpRanges,
    /// Port list; the name is Istio's parameter name in messages; `true` allows `*`.
    Ports(&'static str, bool),
    Interfaces(&'static str),
    Bool,
    ProxyConfig,
    Quantity,
}

/// Istio's table of annotation validators (`validationMap` in `validate.go`), in its order.
const VALIDATORS: [(&str, Validator); 19] = [
    (annotation::INTERCEPTION_MODE, Validator::InterceptionMode),
    (annotation::STATUS_PORT, Validator::StatusPort),
    (
        annotation::READINESS_INITIAL_DELAY_SECONDS,
        Validator::UInt32,
    ),
    (annotation::READINESS_PERIOD_SECONDS, Validator::UInt32),
    (annotation::READINESS_FAILURE_THRESHOLD, Validator::UInt32),
    (
        annotation::INCLUDE_OUTBOUND_IP_RANGES,
        Validator::IncludeIpRanges,
    ),
    (
        annotation::EXCLUDE_OUTBOUND_IP_RANGES,
        Validator::ExcludeIpRanges,
    ),
    (
        annotation::INCLUDE_INBOUND_PORTS,
        Validator::Ports("includeInboundPorts", true),
    ),
    (
        annotation::EXCLUDE_INBOUND_PORTS,
        Validator::Ports("excludeInboundPorts", false),
    ),
    (
        annotation::EXCLUDE_OUTBOUND_PORTS,
        Validator::Ports("excludeOutboundPorts", false),
    ),
    (
        annotation::EXCLUDE_INTERFACES,
        Validator::Interfaces("excludeInterfaces"),
    ),
    (
        annotation::KUBEVIRT_INTERFACES,
        Validator::Interfaces("kubevirtInterfaces"),
    ),
    (
        annotation::REROUTE_VIRTUAL_INTERFACES,
        Validator::Interfaces("rerouteVirtualInterfaces"),
    ),
    (annotation::PROMETHEUS_MERGE_METRICS, Validator::Bool),
    (annotation::PROXY_CONFIG, Validator::ProxyConfig),
    (annotation::PROXY_CPU, Validator::Quantity),
    (annotation::PROXY_MEMORY, Validator::Quantity),
    (annotation::PROXY_CPU_LIMIT, Validator::Quantity),
    (annotation::PROXY_MEMORY_LIMIT, Validator::Quantity),
];

/// The annotations that carry a validator, in Istio's table order.
pub fn validated_annotations() -> impl Iterator<Item = &'static str> {
    VALIDATORS.iter().map(|(name, _)| *name)
}

fn validator_for(name: &str) -> Option<Validator> {
    VALIDATORS
        .iter()
        .find_map(|(known, validator)| (*known == name).then_some(*validator))
}

/// Checks the pod's annotations the way Istio does before rendering; all failures are reported
/// together (`InjectError::InvalidAnnotations`).
///
/// An annotation value that is not a JSON string (Go's decoder would refuse the pod) is reported
/// as an error too; `null` reads as `""`, as Go decodes it.
pub fn validate_annotations(annotations: &Map<String, Value>) -> Result<(), InjectError> {
    let mut errors = Vec::new();
    for (name, value) in annotations {
        let text = match value {
            Value::String(text) => text.as_str(),
            Value::Null => "",
            other => {
                errors.push(format!(
                    "annotation '{name}' must be a string, not {}",
                    json_type(other)
                ));
                continue;
            }
        };
        if let Some(validator) = validator_for(name)
            && let Err(reason) = check(validator, text)
        {
            errors.push(format!(
                "invalid value '{text}' for annotation '{name}': {reason}"
            ));
            continue;
        }
        if let Err(reason) = beyond_istio::check(name, text) {
            errors.push(format!(
                "invalid value '{text}' for annotation '{name}': {reason}"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InjectError::InvalidAnnotations(multierror(&errors)))
    }
}

fn check(validator: Validator, value: &str) -> Result<(), String> {
    match validator {
        Validator::InterceptionMode => interception_mode(value),
        // Istio names the wrong parameter here; kept so messages match.
        Validator::StatusPort => parse_port(value)
            .map(drop)
            .map_err(|e| format!("excludeInboundPorts invalid: {e}")),
        Validator::UInt32 => parse_uint(value, 32).map(drop),
        Validator::IncludeIpRanges if value == "*" => Ok(()),
        Validator::IncludeIpRanges => {
            cidr_list(value).map_err(|e| format!("includeIPRanges invalid: {e}"))
        }
        Validator::ExcludeIpRanges => {
            cidr_list(value).map_err(|e| format!("excludeIPRanges invalid: {e}"))
        }
        Validator::Ports(_, true) if value == "*" => Ok(()),
        Validator::Ports(parameter, _) => {
            parse_ports(value).map_err(|e| format!("{parameter} invalid: {e}"))
        }
        Validator::Interfaces(parameter) => {
            interface_list(value).map_err(|e| format!("{parameter} invalid: {e}"))
        }
        Validator::Bool => parse_bool(value).map(drop),
        Validator::ProxyConfig => proxy_config(value),
        Validator::Quantity => quantity(value),
    }?;
    // Hardening beyond Istio (see the module docs): values interpolated into templates must
    // stay on one line.
    if !matches!(validator, Validator::ProxyConfig) && value.chars().any(char::is_control) {
        return Err("value must not contain control characters".to_string());
    }
    Ok(())
}

fn interception_mode(mode: &str) -> Result<(), String> {
    match mode {
        "REDIRECT" | "TPROXY" | "NONE" => Ok(()),
        _ => Err(format!(
            "interceptionMode invalid, use REDIRECT,TPROXY,NONE: {mode}"
        )),
    }
}

fn proxy_config(value: &str) -> Result<(), String> {
    let config = ProxyConfig::istio_defaults()
        .apply_yaml(value)
        .map_err(|e| {
            format!(
                "failed to convert to apply proxy config: {}",
                config_error(&e)
            )
        })?;
    // Istio's ProxyConfig validation returns a multierror of its own.
    config
        .validate()
        .map_err(|e| multierror(&[config_error(&e)]))
}

/// A ProxyConfig error, naming the field when there is one.
fn config_error(error: &ConfigError) -> String {
    if error.field.is_empty() {
        error.message.clone()
    } else {
        error.to_string()
    }
}

fn quantity(value: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        return Err("quantity must not contain control characters".to_string());
    }
    crate::quantity::parse(value)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// `hashicorp/go-multierror`'s default format.
fn multierror(errors: &[String]) -> String {
    if let [only] = errors {
        return format!("1 error occurred:\n\t* {only}\n\n");
    }
    let points: Vec<String> = errors.iter().map(|e| format!("* {e}")).collect();
    format!(
        "{} errors occurred:\n\t{}\n\n",
        errors.len(),
        points.join("\n\t")
    )
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// Beyond Istio: annotations the injection templates print into YAML text without `quote`.

/// Refusals Istio does not make, for annotation values that the stock templates (`sidecar`,
/// `gateway`, `grpc-*`) print into the YAML they render without quoting them through
/// `quote`/`toYaml`, so that a crafted value could end the quoting and add YAML structure
/// (an extra container, a privileged security context, a host path volume …). Values that
/// cannot do so are accepted unchanged. Rendered through the Go templates, each case below
/// is otherwise a real injection; the built-in renderer builds JSON and is immune, but
/// refuses the same pods so that both renderers answer alike.
///
/// Annotations the templates read that need nothing here: Istio's validated ones above (only
/// digits, CIDRs, interface names, quantities, modes); `sidecar.istio.io/logLevel`,
/// `componentLogLevel`, `agentLogLevel`, `proxyImage`, `bootstrapOverride` (printed through
/// `quote`, which escapes everything); `sidecar.istio.io/capNetBindService`,
/// `sidecar.istio.io/nativeSidecar`, `sidecar.istio.io/proxyImageType` (only compared);
/// `kubectl.kubernetes.io/default-container`, `default-logs-container` (only tested for
/// presence).
mod beyond_istio {
    use serde_json::Value;

    use crate::annotation::{self, DATADOG_ENV, PROXY_CONFIG};
    use crate::config::ProxyConfig;

    /// Printed inside `"…"`: a `"` would end the string, and a `\` before the closing quote
    /// would swallow it, letting the next printed value's text be read as YAML.
    const DOUBLE_QUOTED: &[&str] = &[
        // The pod annotation of the same name and the `istio-init` `-q` argument.
        annotation::INCLUDE_OUTBOUND_PORTS,
        // Through `otelResourceAttributes` into the `OTEL_RESOURCE_ATTRIBUTES` env value.
        annotation::OTEL_SERVICE_NAMESPACE,
        annotation::OTEL_SERVICE_VERSION,
        annotation::OTEL_SERVICE_INSTANCE_ID,
    ];

    /// Printed inside `'…'` (multus networks, through `appendMultusNetwork`). Line breaks
    /// inside the quotes only fold, and the JSON form of the annotation uses them.
    const SINGLE_QUOTED: &[&str] = &[annotation::MULTUS_NETWORKS];

    /// JSON objects whose keys become volume (mount) names printed inside `"…"`; the values
    /// go through `toYaml`, which cannot add structure.
    const JSON_KEYS_QUOTED: &[&str] = &[annotation::USER_VOLUME, annotation::USER_VOLUME_MOUNT];

    pub(super) fn check(name: &str, value: &str) -> Result<(), String> {
        if DOUBLE_QUOTED.contains(&name) {
            return double_quoted_safe(value);
        }
        if SINGLE_QUOTED.contains(&name) && value.contains('\'') {
            return Err(
                "the injection template prints this value inside single quotes, so it must not \
                 contain \"'\""
                    .to_string(),
            );
        }
        if JSON_KEYS_QUOTED.contains(&name)
            && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(value)
        {
            for key in map.keys() {
                double_quoted_safe(key).map_err(|e| format!("volume name {key:?}: {e}"))?;
            }
        }
        if name == DATADOG_ENV
            && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(value)
        {
            for (key, item) in &map {
                env_name(key)?;
                nested_double_quoted_safe(item).map_err(|e| format!("env {key}: {e}"))?;
            }
        }
        if name == PROXY_CONFIG
            && let Ok(config) = ProxyConfig::istio_defaults().apply_yaml(value)
        {
            for (key, item) in config.proxy_metadata() {
                env_name(&key).map_err(|e| format!("proxyMetadata: {e}"))?;
                double_quoted_safe(&item).map_err(|e| format!("proxyMetadata {key}: {e}"))?;
            }
            if let Some(path) = config
                .raw()
                .pointer("/tracing/tlsSettings/caCertificates")
                .and_then(Value::as_str)
                && path.chars().any(char::is_control)
            {
                return Err(
                    "tracing.tlsSettings.caCertificates must not contain control characters"
                        .to_string(),
                );
            }
        }
        Ok(())
    }

    /// Inside `"…"` a line break only folds into a space, but the value would then differ
    /// from what the user wrote; control characters are refused as well.
    fn double_quoted_safe(value: &str) -> Result<(), String> {
        if value.contains(['"', '\\']) || value.chars().any(char::is_control) {
            return Err(
                "the injection template prints this value inside double quotes, so it must \
                 not contain '\"', '\\' or control characters"
                    .to_string(),
            );
        }
        Ok(())
    }

    fn nested_double_quoted_safe(value: &Value) -> Result<(), String> {
        match value {
            Value::String(s) => double_quoted_safe(s),
            Value::Array(items) => items.iter().try_for_each(nested_double_quoted_safe),
            Value::Object(map) => map.iter().try_for_each(|(k, v)| {
                double_quoted_safe(k)?;
                nested_double_quoted_safe(v)
            }),
            _ => Ok(()),
        }
    }

    /// Kubernetes' env var names (`[-._a-zA-Z][-._a-zA-Z0-9]*`): the templates print the
    /// key bare, where anything else could start new YAML.
    fn env_name(key: &str) -> Result<(), String> {
        let mut chars = key.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '-' | '.' | '_'));
        if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')) {
            Ok(())
        } else {
            Err(format!(
                "env var name {key:?} must consist of letters, digits, '-', '.' and '_' and \
                 not start with a digit"
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Go parsers, with their error texts.

/// Go's `strconv.ParseUint(s, 10, bits)`.
fn parse_uint(s: &str, bits: u32) -> Result<u64, String> {
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let syntax = || format!("strconv.ParseUint: parsing {}: invalid syntax", quote(s));
    let range = || {
        format!(
            "strconv.ParseUint: parsing {}: value out of range",
            quote(s)
        )
    };
    if s.is_empty() {
        return Err(syntax());
    }
    let mut n: u64 = 0;
    // Errors are reported for the first offending byte, as Go scans left to right.
    for byte in s.bytes() {
        if !byte.is_ascii_digit() {
            return Err(syntax());
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(byte - b'0')))
            .filter(|n| *n <= max)
            .ok_or_else(range)?;
    }
    Ok(n)
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            quote(s)
        )),
    }
}

/// Istio's `parsePort`: surrounding whitespace is ignored, the rest must be a uint16.
fn parse_port(port: &str) -> Result<u16, String> {
    parse_uint(port.trim(), 16)
        .map(|p| p as u16)
        .map_err(|e| format!("failed parsing port '{port}': {e}"))
}

/// Istio's `parsePorts`: a comma list of ports; an all-blank list is empty and valid.
fn parse_ports(ports: &str) -> Result<(), String> {
    let ports = ports.trim();
    if ports.is_empty() {
        return Ok(());
    }
    for port in ports.split(',') {
        // Istio wraps the port error a second time; kept for identical messages.
        parse_port(port).map_err(|e| format!("failed parsing port '{port}': {e}"))?;
    }
    Ok(())
}

/// Istio's `validateCIDRList`: every comma-separated entry must be a prefix (`netip.ParsePrefix`).
fn cidr_list(cidrs: &str) -> Result<(), String> {
    if cidrs.is_empty() {
        return Ok(());
    }
    for cidr in cidrs.split(',') {
        parse_prefix(cidr).map_err(|e| format!("failed parsing cidr '{cidr}': {e}"))?;
    }
    Ok(())
}

/// Go's `netip.ParsePrefix`: an address, `/`, and a decimal length without sign or leading zero.
/// Host bits may be set (`10.0.0.1/8` is valid); IPv6 zones are refused.
fn parse_prefix(s: &str) -> Result<(), String> {
    let fail = |msg: &str| format!("netip.ParsePrefix({}): {msg}", quote(s));
    let Some((addr, bits)) = s.rsplit_once('/') else {
        return Err(fail("no '/'"));
    };
    let max_bits = parse_addr(addr).map_err(|e| fail(&e))?;
    let bad_bits = || fail(&format!("bad bits after slash: {}", quote(bits)));
    let leading_ok = bits.len() <= 1 || matches!(bits.as_bytes().first(), Some(b'1'..=b'9'));
    if !leading_ok || bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_bits());
    }
    let length: u32 = bits.parse().map_err(|_| bad_bits())?;
    if length > max_bits {
        return Err(fail("prefix length out of range"));
    }
    Ok(())
}

/// Go's `netip.ParseAddr`, answering the prefix's maximum length (32 or 128).
fn parse_addr(s: &str) -> Result<u32, String> {
    let fail = |msg: &str| format!("ParseAddr({}): {msg}", quote(s));
    // Go picks the family by the first '.', ':' or '%'.
    match s.bytes().find(|b| matches!(b, b'.' | b':' | b'%')) {
        Some(b'.') => s
            .parse::<std::net::Ipv4Addr>()
            .map(|_| 32)
            .map_err(|_| fail("unable to parse IP")),
        Some(b':') => {
            if s.contains('%') {
                return Err("IPv6 zones cannot be present in a prefix".to_string());
            }
            s.parse::<std::net::Ipv6Addr>()
                .map(|_| 128)
                .map_err(|_| fail("unable to parse IP"))
        }
        Some(_) => Err(fail("missing IPv6 address")),
        None => Err(fail("unable to parse IP")),
    }
}

/// Linux interface names, comma-separated: 1 to 15 characters (IFNAMSIZ - 1) of letters,
/// digits, `_`, `.`, `-`, not starting with `.` or `-`. An empty annotation is an empty list.
fn interface_list(interfaces: &str) -> Result<(), String> {
    if interfaces.is_empty() {
        return Ok(());
    }
    for name in interfaces.split(',') {
        if name.is_empty() {
            return Err("empty interface name".to_string());
        }
        if name.len() > 15 {
            return Err(format!(
                "interface name '{name}' is longer than 15 characters"
            ));
        }
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
        let valid_first = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_first || !name.chars().all(valid_char) {
            return Err(format!(
                "interface name '{name}' must consist of letters, digits, '_', '.' or '-' and \
                 not start with '.' or '-'"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
        let Err(InjectError::InvalidAnnotations(message)) = validate_annotations(&annotations)
        else {
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
        assert!(message.contains("\n\t* annotation 'prometheus.istio.io/merge-metrics' must be a string, not a number\n\n"));
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
        let mut cases: Vec<_> = std::fs::read_dir(dir.join("cases"))
            .expect("cases dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        cases.sort();
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
}

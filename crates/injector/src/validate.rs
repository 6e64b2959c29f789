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
mod tests;

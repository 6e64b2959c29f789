//! Prometheus metrics merging (Istio's `applyPrometheusMerge`) and the secure metrics port
//! annotation (`applySecurePrometheusAnnotation`).
//!
//! With merging on, the pod's own scrape annotations are handed to the proxy in env
//! `ISTIO_PROMETHEUS_ANNOTATIONS` and replaced by annotations pointing Prometheus at the agent's
//! merged endpoint (`:<statusPort>/stats/prometheus`).
//!
//! Annotation keys are compared the way Prometheus sees them, after label sanitising, so
//! `prometheus.io/scrape`, `prometheus.io.scrape` and `prometheus-io/scrape` are one key.

use super::containers;
pub use crate::annotation::PROMETHEUS_MERGE_METRICS as MERGE_METRICS_ANNOTATION;
pub use crate::annotation::PROMETHEUS_SCRAPE_TARGETS as SCRAPE_TARGETS_ANNOTATION;
pub use crate::annotation::PROMETHEUS_SECURE_PORT as SECURE_PORT_ANNOTATION;
use crate::error::InjectError;
use crate::golang::json as gojson;
use serde_json::{Map, Value};

const SCRAPE: &str = "prometheus_io_scrape";
const PORT: &str = "prometheus_io_port";
const PATH: &str = "prometheus_io_path";
const SCRAPE_TARGETS: &str = "prometheus_istio_io_scrape_targets";
const SECURE_PORT: &str = "prometheus_istio_io_secure_port";
/// The annotations whose settings the agent takes over when it merges the app's metrics.
const SCRAPE_SETTINGS: [&str; 4] = [SCRAPE, PORT, PATH, SCRAPE_TARGETS];

/// The env through which the proxy learns the application's scrape configuration.
pub const SCRAPE_ENV: &str = "ISTIO_PROMETHEUS_ANNOTATIONS";
/// The proxy env holding the secure merged metrics port.
pub const SECURE_PORT_ENV: &str = "ENVOY_SECURE_MERGED_METRICS_PORT";
/// The scrape path of a target that names none.
pub const DEFAULT_TARGET_PATH: &str = "/metrics";

/// Ports the sidecar itself listens on; a scrape target there would scrape Istio, not the app.
pub const RESERVED_PORTS: [u16; 9] = [
    15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090,
];

/// Prometheus' `SanitizeLabelName`: every character outside `[a-zA-Z0-9_]` becomes `_`.
pub fn sanitize_label_name(name: &str) -> String {
    let mut sanitized = String::with_capacity(name.len());
    sanitized.extend(name.chars().map(label_char));
    sanitized
}

fn label_char(c: char) -> char {
    if c.is_ascii_alphanumeric() || c == '_' {
        c
    } else {
        '_'
    }
}

/// Whether `sanitize_label_name(name)` is `sanitized`, without building it: every annotation
/// key of the pod is compared this way several times per injection.
fn sanitizes_to(name: &str, sanitized: &str) -> bool {
    let mut want = sanitized.chars();
    name.chars().all(|c| want.next() == Some(label_char(c))) && want.next().is_none()
}

/// Which of `names` the key sanitizes to.
fn sanitized_among<'n>(key: &str, names: &[&'n str]) -> Option<&'n str> {
    names.iter().copied().find(|name| sanitizes_to(key, name))
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The string annotations in key order. Go walks its map in random order; when several
/// spellings of one key disagree, key order makes the outcome at least deterministic.
fn sorted(annotations: &Map<String, Value>) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = annotations
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
        .collect();
    pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
    pairs
}

/// Istio's `getPrometheusScrape`: a scrape annotation that parses as a boolean decides;
/// otherwise scraping is on.
pub fn scrape_enabled(annotations: &Map<String, Value>) -> bool {
    sorted(annotations)
        .into_iter()
        .filter(|(k, _)| sanitizes_to(k, SCRAPE))
        .find_map(|(_, v)| parse_go_bool(v))
        .unwrap_or(true)
}

/// Istio's `enablePrometheusMerge`: the pod annotation if it parses, else the mesh setting.
pub fn merge_enabled(mesh_enabled: bool, annotations: &Map<String, Value>) -> bool {
    annotations
        .get(MERGE_METRICS_ANNOTATION)
        .and_then(Value::as_str)
        .and_then(parse_go_bool)
        .unwrap_or(mesh_enabled)
}

/// Istio's `getPrometheusPort`: the port annotation, in any spelling.
pub fn prometheus_port(annotations: &Map<String, Value>) -> Option<&str> {
    sorted(annotations)
        .into_iter()
        .find(|(k, _)| sanitizes_to(k, PORT))
        .map(|(_, v)| v)
}

/// One `port:path` entry of the scrape-targets annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapeTarget {
    pub port: String,
    pub path: String,
}

/// What the proxy is told about the application's metrics (Istio's
/// `PrometheusScrapeConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrapeConfig {
    pub scrape: String,
    pub path: String,
    pub port: String,
    pub targets: Vec<ScrapeTarget>,
}

impl ScrapeConfig {
    pub fn is_empty(&self) -> bool {
        self.scrape.is_empty()
            && self.path.is_empty()
            && self.port.is_empty()
            && self.targets.is_empty()
    }

    /// Go's JSON of the struct: `scrape`, `path`, `port` always, `targets` when present.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64);
        out.push_str("{\"scrape\":");
        gojson::write_string(&mut out, &self.scrape);
        out.push_str(",\"path\":");
        gojson::write_string(&mut out, &self.path);
        out.push_str(",\"port\":");
        gojson::write_string(&mut out, &self.port);
        if !self.targets.is_empty() {
            out.push_str(",\"targets\":[");
            for (i, target) in self.targets.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"port\":");
                gojson::write_string(&mut out, &target.port);
                out.push_str(",\"path\":");
                gojson::write_string(&mut out, &target.path);
                out.push('}');
            }
            out.push(']');
        }
        out.push('}');
        out
    }
}

/// Parses the scrape-targets annotation: comma-separated `port[:path]` entries, path
/// `/metrics` by default. A port must be a valid port that the sidecar does not own.
pub fn parse_scrape_targets(
    text: &str,
    status_port: i32,
) -> Result<Vec<ScrapeTarget>, InjectError> {
    let mut targets = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (port, path) = match entry.split_once(':') {
            Some((port, path)) => (port.trim(), path.trim()),
            None => (entry, ""),
        };
        let invalid = |why: &str| {
            InjectError::PostProcess(format!(
                "invalid annotation {SCRAPE_TARGETS_ANNOTATION}: target {entry:?}: {why}"
            ))
        };
        let number: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| invalid("port must be a number between 1 and 65535"))?;
        if RESERVED_PORTS.contains(&number) || i32::from(number) == status_port {
            return Err(invalid(&format!(
                "port {number} is reserved by the Istio sidecar"
            )));
        }
        targets.push(ScrapeTarget {
            port: number.to_string(),
            path: if path.is_empty() {
                DEFAULT_TARGET_PATH.to_string()
            } else {
                path.to_string()
            },
        });
    }
    Ok(targets)
}

/// Istio's `getPrometheusScrapeConfiguration`. With scrape targets, the legacy port and path
/// are those of the first target (for agents that only read them).
pub fn scrape_configuration(
    annotations: &Map<String, Value>,
    status_port: i32,
) -> Result<ScrapeConfig, InjectError> {
    let mut config = ScrapeConfig::default();
    for (key, value) in sorted(annotations) {
        match sanitized_among(key, &SCRAPE_SETTINGS) {
            Some(PORT) => config.port = value.to_string(),
            Some(SCRAPE) => config.scrape = value.to_string(),
            Some(PATH) => config.path = value.to_string(),
            Some(SCRAPE_TARGETS) => config.targets = parse_scrape_targets(value, status_port)?,
            _ => {}
        }
    }
    if let Some(first) = config.targets.first() {
        config.port = first.port.clone();
        config.path = first.path.clone();
    }
    Ok(config)
}

/// Removes every spelling of the scrape, port, path and scrape-targets annotations.
pub fn clear_prometheus_annotations(annotations: &mut Map<String, Value>) {
    annotations.retain(|key, _| sanitized_among(key, &SCRAPE_SETTINGS).is_none());
}

/// Istio's `applyPrometheusMerge`. `status_port` is the mesh default ProxyConfig's (not the
/// pod's annotation: Istio's goldens show `prometheus.io/port: "15020"` either way).
pub fn apply_prometheus_merge(
    pod: &mut Value,
    status_port: i32,
    mesh_merge_enabled: bool,
) -> Result<(), InjectError> {
    let empty = Map::new();
    let annotations = containers::annotations(pod).unwrap_or(&empty);
    if !scrape_enabled(annotations) || !merge_enabled(mesh_merge_enabled, annotations) {
        return Ok(());
    }
    let target_port = status_port.to_string();
    // Already pointing at the agent: the user controls it, or this is a re-injection.
    if prometheus_port(annotations) == Some(target_port.as_str()) {
        return Ok(());
    }
    let scrape = scrape_configuration(annotations, status_port)?;
    if !scrape.is_empty()
        && let Some(env) = containers::find_sidecar_mut(pod).and_then(containers::env_mut)
    {
        env.push(containers::env_var(SCRAPE_ENV, &scrape.to_json()));
    }
    if let Some(annotations) = containers::string_map_mut(pod, "annotations") {
        clear_prometheus_annotations(annotations);
        annotations.insert("prometheus.io/port".into(), Value::String(target_port));
        annotations.insert(
            "prometheus.io/path".into(),
            Value::String("/stats/prometheus".into()),
        );
        annotations.insert("prometheus.io/scrape".into(), Value::String("true".into()));
    }
    Ok(())
}

/// Istio's `applySecurePrometheusAnnotation`: advertise the proxy's secure metrics port when
/// the proxy has one and the pod does not already say where it is.
pub fn apply_secure_prometheus_annotation(pod: &mut Value) {
    let already_set = containers::annotations(pod)
        .is_some_and(|a| a.keys().any(|k| sanitizes_to(k, SECURE_PORT)));
    if already_set {
        return;
    }
    let port = containers::find_sidecar(pod)
        .and_then(|sidecar| sidecar.get("env"))
        .and_then(Value::as_array)
        .and_then(|env| {
            env.iter()
                .find(|e| containers::name(e) == SECURE_PORT_ENV)
                .and_then(|e| e.get("value"))
                .and_then(Value::as_str)
        })
        .filter(|port| !port.is_empty() && *port != "0")
        .map(str::to_string);
    if let Some(port) = port
        && let Some(annotations) = containers::string_map_mut(pod, "annotations")
    {
        annotations.insert(SECURE_PORT_ANNOTATION.into(), Value::String(port));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn pod(annotations: Value) -> Value {
        json!({
            "metadata": {"annotations": annotations},
            "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy", "env": [{"name": "A", "value": "1"}]}]}
        })
    }

    fn proxy_env(pod: &Value) -> &Value {
        &pod["spec"]["containers"][1]["env"]
    }

    #[test]
    fn sanitizing_equates_spellings() {
        for key in [
            "prometheus.io/scrape",
            "prometheus.io.scrape",
            "prometheus-io/scrape",
        ] {
            assert_eq!(sanitize_label_name(key), SCRAPE);
        }
        assert_eq!(sanitize_label_name("a.b/c-d_é1"), "a_b_c_d__1");
    }

    proptest::proptest! {
        // Keys near the annotations' names (some of their spellings, truncations, non-ASCII)
        // and anything else.
        #[test]
        fn comparing_sanitized_is_sanitizing_and_comparing(
            key in "(prometheus[._/-]?(istio[._/-])?io[._/é-]?(scrape|port|path|secure[._-]port|scrape[._-]targets)?[a-z_é]?)|\\PC{0,24}"
        ) {
            for name in [SCRAPE, PORT, PATH, SCRAPE_TARGETS, SECURE_PORT] {
                proptest::prop_assert_eq!(sanitizes_to(&key, name), sanitize_label_name(&key) == name);
            }
        }
    }

    // Istio's TestEnablePrometheusAggregation.
    #[test]
    fn merge_enabled_annotation_over_mesh() {
        assert!(merge_enabled(true, &Map::new()));
        assert!(!merge_enabled(false, &Map::new()));
        assert!(merge_enabled(
            false,
            &map(json!({MERGE_METRICS_ANNOTATION: "true"}))
        ));
        assert!(!merge_enabled(
            true,
            &map(json!({MERGE_METRICS_ANNOTATION: "false"}))
        ));
        assert!(merge_enabled(
            true,
            &map(json!({MERGE_METRICS_ANNOTATION: "nope"}))
        ));
    }

    #[test]
    fn scrape_flag() {
        assert!(scrape_enabled(&Map::new()));
        assert!(!scrape_enabled(&map(
            json!({"prometheus.io.scrape": "false"})
        )));
        assert!(scrape_enabled(&map(
            json!({"prometheus.io/scrape": "maybe"})
        )));
        assert!(!scrape_enabled(&map(json!({"prometheus.io/scrape": "F"}))));
    }

    // The hello-multiport-metrics golden.
    #[test]
    fn multi_target_configuration() {
        let annotations = map(json!({
            "prometheus.io/scrape": "true",
            SCRAPE_TARGETS_ANNOTATION: "8080:/metrics,9100:/custom-metrics"
        }));
        let config = scrape_configuration(&annotations, 15020).ok();
        assert_eq!(
            config.map(|c| c.to_json()),
            Some(r#"{"scrape":"true","path":"/metrics","port":"8080","targets":[{"port":"8080","path":"/metrics"},{"port":"9100","path":"/custom-metrics"}]}"#.to_string())
        );
    }

    #[test]
    fn targets_default_path_and_first_target_wins() {
        let annotations = map(json!({
            "prometheus.io/port": "1234",
            "prometheus.io/path": "/legacy",
            SCRAPE_TARGETS_ANNOTATION: " 9000 , 9001:/b ,"
        }));
        let config = scrape_configuration(&annotations, 15020).unwrap_or_default();
        assert_eq!(config.port, "9000");
        assert_eq!(config.path, DEFAULT_TARGET_PATH);
        assert_eq!(
            config.targets,
            vec![
                ScrapeTarget {
                    port: "9000".into(),
                    path: "/metrics".into()
                },
                ScrapeTarget {
                    port: "9001".into(),
                    path: "/b".into()
                },
            ]
        );
    }

    #[test]
    fn reserved_and_invalid_target_ports_are_refused() {
        for bad in ["15090:/stats", "15020", "0:/x", "70000", "http:/x", "-1"] {
            assert!(parse_scrape_targets(bad, 15020).is_err(), "{bad}");
        }
        assert!(parse_scrape_targets("12345", 12345).is_err());
        assert!(parse_scrape_targets("", 15020).is_ok_and(|t| t.is_empty()));
    }

    #[test]
    fn merge_moves_annotations_into_the_proxy_env() {
        let mut p = pod(json!({
            "prometheus.io/scrape": "true",
            "prometheus.io.port": "8080",
            "prometheus-io/path": "/m",
            "other": "x"
        }));
        assert!(apply_prometheus_merge(&mut p, 15020, true).is_ok());
        assert_eq!(
            p["metadata"]["annotations"],
            json!({
                "other": "x",
                "prometheus.io/port": "15020",
                "prometheus.io/path": "/stats/prometheus",
                "prometheus.io/scrape": "true"
            })
        );
        assert_eq!(
            proxy_env(&p)[1],
            json!({"name": SCRAPE_ENV, "value": r#"{"scrape":"true","path":"/m","port":"8080"}"#})
        );
    }

    #[test]
    fn merge_without_annotations_sets_defaults_only() {
        let mut p = pod(Value::Null);
        assert!(apply_prometheus_merge(&mut p, 15020, true).is_ok());
        assert_eq!(p["metadata"]["annotations"]["prometheus.io/port"], "15020");
        assert_eq!(proxy_env(&p).as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn merge_skipped_cases() {
        for (annotations, mesh) in [
            (
                json!({"prometheus.io/scrape": "false", "prometheus.io/port": "80"}),
                true,
            ),
            (json!({"prometheus.io/port": "80"}), false),
            (
                json!({"prometheus.io/port": "80", MERGE_METRICS_ANNOTATION: "false"}),
                true,
            ),
            (
                json!({"prometheus.io/port": "15020", "prometheus.io/path": "/x"}),
                true,
            ),
        ] {
            let original = pod(annotations);
            let mut p = original.clone();
            assert!(apply_prometheus_merge(&mut p, 15020, mesh).is_ok());
            assert_eq!(p, original);
        }
    }

    #[test]
    fn merge_rejects_reserved_targets() {
        let mut p = pod(json!({SCRAPE_TARGETS_ANNOTATION: "15090:/stats/prometheus"}));
        assert!(matches!(
            apply_prometheus_merge(&mut p, 15020, true),
            Err(InjectError::PostProcess(_))
        ));
    }

    // The rule of Istio's applySecurePrometheusAnnotation (reference §1.8 step 4).
    #[test]
    fn secure_port_annotation() {
        let with_env = |value: &str, annotations: Value| {
            json!({
                "metadata": {"annotations": annotations},
                "spec": {"containers": [{"name": "istio-proxy", "env": [{"name": SECURE_PORT_ENV, "value": value}]}]}
            })
        };
        let mut p = with_env("15091", Value::Null);
        apply_secure_prometheus_annotation(&mut p);
        assert_eq!(
            p["metadata"]["annotations"][SECURE_PORT_ANNOTATION],
            "15091"
        );

        for value in ["", "0"] {
            let mut p = with_env(value, Value::Null);
            apply_secure_prometheus_annotation(&mut p);
            assert!(p["metadata"]["annotations"].is_null());
        }

        let mut p = with_env("15091", json!({"prometheus.istio.io.secure-port": "999"}));
        apply_secure_prometheus_annotation(&mut p);
        assert_eq!(
            p["metadata"]["annotations"],
            json!({"prometheus.istio.io.secure-port": "999"})
        );

        let mut p = json!({"spec": {"containers": [{"name": "app"}]}});
        apply_secure_prometheus_annotation(&mut p);
        assert!(p.get("metadata").is_none());
    }
}

//! The Helm values of the injector (`values` key of ConfigMap `istio-sidecar-injector`).
//!
//! Istio reads this document twice (`NewValuesConfig`): into the typed `Values` proto, which
//! its Go code uses for images, probe rewriting and cluster identity, and into a
//! `map[string]any` that templates see as `.Values` (numbers as float64). Here the document is
//! kept whole as JSON, so that every key survives, and the keys the typed proto reads are
//! type-checked as `protomarshal.ApplyYAML` would: a wrong type there makes Istio reject the
//! whole document.

use serde_json::{Value, json};

use super::proto::{parse_integer, type_error};
use super::text::parse_document;
use crate::error::ConfigError;

/// What a typed key must hold.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Object,
    String,
    Bool,
    UInt32,
    /// `google.protobuf.Value` used for image tags: a string or a number in practice.
    Scalar,
    StringList,
}

/// Keys of the typed Values proto that Istio's injector code or templates depend on, with the
/// types the proto gives them. `null` is accepted everywhere (jsonpb skips it).
const TYPED_KEYS: &[(&str, Expect)] = &[
    ("global", Expect::Object),
    ("global.hub", Expect::String),
    ("global.tag", Expect::Scalar),
    ("global.variant", Expect::String),
    ("global.imagePullPolicy", Expect::String),
    ("global.imagePullSecrets", Expect::StringList),
    ("global.istioNamespace", Expect::String),
    ("global.network", Expect::String),
    ("global.meshID", Expect::String),
    ("global.pilotCertProvider", Expect::String),
    ("global.caAddress", Expect::String),
    ("global.caName", Expect::String),
    ("global.logAsJson", Expect::Bool),
    ("global.mountMtlsCerts", Expect::Bool),
    ("global.multiCluster", Expect::Object),
    ("global.multiCluster.clusterName", Expect::String),
    ("global.logging", Expect::Object),
    ("global.logging.level", Expect::String),
    ("global.proxy", Expect::Object),
    ("global.proxy.image", Expect::String),
    ("global.proxy.statusPort", Expect::UInt32),
    ("global.proxy.holdApplicationUntilProxyStarts", Expect::Bool),
    ("global.proxy.clusterDomain", Expect::String),
    ("global.proxy.logLevel", Expect::String),
    ("global.proxy.componentLogLevel", Expect::String),
    ("global.proxy.privileged", Expect::Bool),
    ("global.proxy.readinessFailureThreshold", Expect::UInt32),
    ("global.proxy.readinessInitialDelaySeconds", Expect::UInt32),
    ("global.proxy.readinessPeriodSeconds", Expect::UInt32),
    ("global.proxy.includeIPRanges", Expect::String),
    ("global.proxy.excludeIPRanges", Expect::String),
    ("global.proxy.includeInboundPorts", Expect::String),
    ("global.proxy.excludeInboundPorts", Expect::String),
    ("global.proxy.includeOutboundPorts", Expect::String),
    ("global.proxy.excludeOutboundPorts", Expect::String),
    ("global.proxy.outlierLogPath", Expect::String),
    ("global.proxy.resources", Expect::Object),
    ("global.proxy.lifecycle", Expect::Object),
    ("global.proxy.startupProbe", Expect::Object),
    ("global.proxy.startupProbe.enabled", Expect::Bool),
    ("global.proxy.startupProbe.failureThreshold", Expect::UInt32),
    ("global.proxy_init", Expect::Object),
    ("global.proxy_init.image", Expect::String),
    ("global.proxy_init.forceApplyIptables", Expect::Bool),
    ("global.sds", Expect::Object),
    ("global.sds.token", Expect::Object),
    ("global.sds.token.aud", Expect::String),
    ("global.sts", Expect::Object),
    ("global.sts.servicePort", Expect::UInt32),
    ("sidecarInjectorWebhook", Expect::Object),
    ("sidecarInjectorWebhook.rewriteAppHTTPProbe", Expect::Bool),
    (
        "sidecarInjectorWebhook.enableNamespacesByDefault",
        Expect::Bool,
    ),
    ("sidecarInjectorWebhook.reinvocationPolicy", Expect::String),
    (
        "sidecarInjectorWebhook.defaultTemplates",
        Expect::StringList,
    ),
    ("sidecarInjectorWebhook.templates", Expect::Object),
    ("sidecarInjectorWebhook.injectedAnnotations", Expect::Object),
    ("revision", Expect::String),
    ("pilot", Expect::Object),
    ("pilot.cni", Expect::Object),
    ("pilot.cni.enabled", Expect::Bool),
    ("pilot.cni.provider", Expect::String),
    ("pilot.env", Expect::Object),
    ("gateways", Expect::Object),
    ("gateways.securityContext", Expect::Object),
    ("gateways.seccompProfile", Expect::Object),
];

/// Helm values as templates see them. Numbers keep their JSON form here; Go reads every one
/// of them as a float64, which matters only when a template prints one (`1e+06`).
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    raw: Value,
}

impl Values {
    /// The default chart's values (the `values` of a default install's injector ConfigMap),
    /// with hub `docker.io/istio` and tag `1.30.0`.
    pub fn istio_defaults() -> Values {
        // Built, not cached: a policy instance lives for one request, where a cache would cost
        // a build and a deep copy.
        Values {
            raw: default_values(),
        }
    }

    /// Parses the ConfigMap string (JSON or YAML). Empty text gives empty values.
    #[allow(clippy::should_implement_trait)] // the agreed API name; FromStr delegates here
    pub fn from_str(text: &str) -> Result<Values, ConfigError> {
        Values::from_json(parse_document(text)?)
    }

    /// Takes values given as a JSON object (`null` gives empty values).
    pub fn from_json(v: Value) -> Result<Values, ConfigError> {
        let raw = match v {
            Value::Null => Value::Object(Default::default()),
            Value::Object(_) => v,
            other => return Err(type_error("", "an object", &other)),
        };
        check_types(&raw)?;
        Ok(Values { raw })
    }

    /// These values with `overlay` deep-merged in: objects merge key by key, anything else
    /// (scalars, lists, `null`) replaces. A non-object overlay changes nothing.
    pub fn overlay(&self, overlay: &Value) -> Values {
        let mut raw = self.raw.clone();
        if overlay.is_object() {
            deep_merge(&mut raw, overlay);
        }
        Values { raw }
    }

    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The value at a path of object keys (`["global", "proxy", "statusPort"]`).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.raw, |value, key| value.get(key))
    }

    fn str_at(&self, path: &[&str]) -> &str {
        self.get(path).and_then(Value::as_str).unwrap_or_default()
    }

    pub fn hub(&self) -> &str {
        self.str_at(&["global", "hub"])
    }

    /// `global.tag` as Istio's Go code prints it (`fmt.Sprintf("%v")` of the proto value): a
    /// string as is, a number as Go prints a float64 (`1.3`, `1e+06`), `""` when unset.
    pub fn tag(&self) -> String {
        match self.get(&["global", "tag"]) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => go_print_float(n.as_f64().unwrap_or(0.0)),
            Some(Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        }
    }

    pub fn variant(&self) -> &str {
        self.str_at(&["global", "variant"])
    }

    /// The proxy image name (`global.proxy.image`, `proxyv2` when empty).
    pub fn proxy_image(&self) -> &str {
        non_empty_or(self.str_at(&["global", "proxy", "image"]), "proxyv2")
    }

    /// The init image name (`global.proxy_init.image`, `proxyv2` when empty).
    pub fn proxy_init_image(&self) -> &str {
        non_empty_or(self.str_at(&["global", "proxy_init", "image"]), "proxyv2")
    }

    /// `sidecarInjectorWebhook.rewriteAppHTTPProbe`, false when unset: Istio reads it from the
    /// typed values, where it is a `google.protobuf.BoolValue` and `GetValue()` of an absent one
    /// is false. (The chart's values set it to true, so installs get rewriting by default.)
    pub fn rewrite_app_http_probe(&self) -> bool {
        self.get(&["sidecarInjectorWebhook", "rewriteAppHTTPProbe"])
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `global.proxy.holdApplicationUntilProxyStarts`, false when unset.
    pub fn hold_application_until_proxy_starts(&self) -> bool {
        self.get(&["global", "proxy", "holdApplicationUntilProxyStarts"])
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn cluster_name(&self) -> &str {
        self.str_at(&["global", "multiCluster", "clusterName"])
    }

    pub fn network(&self) -> &str {
        self.str_at(&["global", "network"])
    }
}

impl std::str::FromStr for Values {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Values, ConfigError> {
        Values::from_str(text)
    }
}

impl Default for Values {
    fn default() -> Self {
        Values::istio_defaults()
    }
}

fn non_empty_or<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() { default } else { value }
}

/// Go's `%v` of a float64 (`%g` with the shortest precision): plain digits, or the exponent
/// form (`1e+06`, `1e-05`) when the decimal exponent is below -4 or at least 6.
pub(crate) fn go_print_float(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return format!("{f}");
    }
    // Rust's `{:e}` gives the shortest mantissa and the exact decimal exponent.
    let scientific = format!("{f:e}");
    let Some((mantissa, exp)) = scientific.split_once('e') else {
        return format!("{f}");
    };
    let exponent: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        return format!("{f}");
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
}

fn check_types(raw: &Value) -> Result<(), ConfigError> {
    for (path, expect) in TYPED_KEYS {
        let value = path.split('.').try_fold(raw, |value, key| value.get(key));
        let Some(value) = value else { continue };
        if value.is_null() {
            continue;
        }
        let ok = match expect {
            Expect::Object => value.is_object(),
            Expect::String => value.is_string(),
            Expect::Bool => value.is_boolean(),
            Expect::Scalar => matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)),
            Expect::StringList => value
                .as_array()
                .is_some_and(|items| items.iter().all(|i| i.is_string() || i.is_null())),
            Expect::UInt32 => {
                parse_integer(value, path, 0, i64::from(u32::MAX))?;
                true
            }
        };
        if !ok {
            let expected = match expect {
                Expect::Object => "an object",
                Expect::String => "a string",
                Expect::Bool => "a boolean (true or false)",
                Expect::Scalar => "a string or a number",
                Expect::StringList => "a list of strings",
                Expect::UInt32 => "an unsigned integer",
            };
            return Err(type_error(path, expected, value));
        }
    }
    Ok(())
}

/// Helm-style deep merge: objects merge by key, anything else replaces.
pub fn deep_merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        deep_merge(existing, value);
                    }
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

/// The default chart's injector values (istio-discovery `values.yaml` with the default
/// profile, as rendered into the injector ConfigMap).
fn default_values() -> Value {
    // Built in pieces: one `json!` literal this deep exceeds the macro recursion limit.
    let proxy = json!({
        "autoInject": "enabled",
        "clusterDomain": "cluster.local",
        "componentLogLevel": "misc:error",
        "excludeIPRanges": "",
        "excludeInboundPorts": "",
        "excludeOutboundPorts": "",
        "image": "proxyv2",
        "includeIPRanges": "*",
        "includeInboundPorts": "*",
        "includeOutboundPorts": "",
        "logLevel": "warning",
        "outlierLogPath": "",
        "privileged": false,
        "readinessFailureThreshold": 4,
        "readinessInitialDelaySeconds": 0,
        "readinessPeriodSeconds": 15,
        "resources": {
            "limits": {"cpu": "2000m", "memory": "1024Mi"},
            "requests": {"cpu": "100m", "memory": "128Mi"}
        },
        "seccompProfile": {},
        "startupProbe": {"enabled": true, "failureThreshold": 600},
        "statusPort": 15020,
        "tracer": "none"
    });
    let waypoint = json!({
        "affinity": {},
        "nodeSelector": {},
        "resources": {
            "limits": {"cpu": "2", "memory": "1Gi"},
            "requests": {"cpu": "100m", "memory": "128Mi"}
        },
        "tolerations": [],
        "topologySpreadConstraints": []
    });
    let global = json!({
        "caAddress": "",
        "caName": "",
        "certSigners": [],
        "configCluster": false,
        "configValidation": true,
        "defaultPodDisruptionBudget": {"enabled": true},
        "defaultResources": {"requests": {"cpu": "10m"}},
        "externalIstiod": false,
        "hub": "docker.io/istio",
        "imagePullPolicy": "",
        "imagePullSecrets": [],
        "istioNamespace": "istio-system",
        "istiod": {"enableAnalysis": false},
        "logAsJson": false,
        "logging": {"level": "default:info"},
        "meshID": "",
        "meshNetworks": {},
        "mountMtlsCerts": false,
        "multiCluster": {"clusterName": ""},
        "nativeNftables": false,
        "network": "",
        "networkPolicy": {"enabled": false},
        "omitSidecarInjectorConfigMap": false,
        "operatorManageWebhooks": false,
        "pilotCertProvider": "istiod",
        "priorityClassName": "",
        "proxy": proxy,
        "proxy_init": {"forceApplyIptables": false, "image": "proxyv2"},
        "remotePilotAddress": "",
        "resourceScope": "all",
        "sds": {"token": {"aud": "istio-ca"}},
        "sts": {"servicePort": 0},
        "tag": "1.30.0",
        "variant": "",
        "waypoint": waypoint
    });
    json!({
        "gateways": {
            "seccompProfile": {},
            "securityContext": {}
        },
        "global": global,
        "pilot": {
            "cni": {"enabled": false, "provider": "default"},
            "env": {}
        },
        "revision": "",
        "sidecarInjectorWebhook": {
            "alwaysInjectSelector": [],
            "defaultTemplates": [],
            "enableNamespacesByDefault": false,
            "injectedAnnotations": {},
            "neverInjectSelector": [],
            "reinvocationPolicy": "Never",
            "rewriteAppHTTPProbe": true,
            "templates": {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults_accessors() {
        let v = Values::istio_defaults();
        assert_eq!(v.hub(), "docker.io/istio");
        assert_eq!(v.tag(), "1.30.0");
        assert_eq!(v.variant(), "");
        assert_eq!(v.proxy_image(), "proxyv2");
        assert_eq!(v.proxy_init_image(), "proxyv2");
        assert!(v.rewrite_app_http_probe());
        assert!(!v.hold_application_until_proxy_starts());
        assert_eq!(v.cluster_name(), "");
        assert_eq!(v.network(), "");
        assert_eq!(
            v.get(&["global", "proxy", "statusPort"]),
            Some(&json!(15020))
        );
        assert_eq!(v.get(&["global", "nope"]), None);
    }

    #[test]
    fn empty_values_fall_back_to_go_zero_values() {
        let v = Values::from_str("").unwrap();
        assert_eq!(v.raw(), &json!({}));
        assert_eq!(v.hub(), "");
        assert_eq!(v.tag(), "");
        assert_eq!(v.proxy_image(), "proxyv2");
        // Go's typed read of an absent BoolValue.
        assert!(!v.rewrite_app_http_probe());
        assert!(!v.hold_application_until_proxy_starts());
    }

    #[test]
    fn numeric_tags_print_like_go() {
        let tag = |t: Value| {
            Values::from_json(json!({"global": {"tag": t}}))
                .unwrap()
                .tag()
        };
        assert_eq!(tag(json!(1.3)), "1.3");
        assert_eq!(tag(json!(1)), "1");
        assert_eq!(tag(json!(1_000_000)), "1e+06");
        assert_eq!(tag(json!(123456)), "123456");
        assert_eq!(tag(json!(1234567)), "1.234567e+06");
        assert_eq!(tag(json!(0.00001)), "1e-05");
        assert_eq!(tag(json!(0.0001)), "0.0001");
        assert_eq!(tag(json!("1.30.0-distroless")), "1.30.0-distroless");
        // A YAML number keeps only its float value, as in Go.
        let v = Values::from_str("global:\n  tag: 1.30\n").unwrap();
        assert_eq!(v.tag(), "1.3");
    }

    #[test]
    fn unknown_keys_are_kept() {
        let v =
            Values::from_str(r#"{"global": {"custom": {"x": [1, 2]}}, "other": true}"#).unwrap();
        assert_eq!(v.get(&["global", "custom", "x"]), Some(&json!([1, 2])));
        assert_eq!(v.get(&["other"]), Some(&json!(true)));
    }

    #[test]
    fn typed_keys_reject_wrong_types_naming_the_path() {
        let cases = [
            (
                json!({"global": {"proxy": {"statusPort": "abc"}}}),
                "global.proxy.statusPort",
            ),
            (
                json!({"global": {"proxy": {"statusPort": -1}}}),
                "global.proxy.statusPort",
            ),
            (
                json!({"global": {"proxy": {"statusPort": 1.5}}}),
                "global.proxy.statusPort",
            ),
            (json!({"global": {"hub": 5}}), "global.hub"),
            (json!({"global": []}), "global"),
            (json!({"global": {"tag": {"a": 1}}}), "global.tag"),
            (
                json!({"sidecarInjectorWebhook": {"rewriteAppHTTPProbe": "true"}}),
                "sidecarInjectorWebhook.rewriteAppHTTPProbe",
            ),
            (
                json!({"global": {"proxy": {"holdApplicationUntilProxyStarts": 1}}}),
                "global.proxy.holdApplicationUntilProxyStarts",
            ),
            (
                json!({"global": {"imagePullSecrets": [1]}}),
                "global.imagePullSecrets",
            ),
            (
                json!({"pilot": {"cni": {"enabled": "yes"}}}),
                "pilot.cni.enabled",
            ),
        ];
        for (input, field) in cases {
            let err = Values::from_json(input.clone()).unwrap_err();
            assert_eq!(err.field, field, "{input}: {err}");
        }
        assert_eq!(Values::from_json(json!([1])).unwrap_err().field, "");
        assert_eq!(Values::from_str("42").unwrap_err().field, "");
        assert!(Values::from_str("global: [").is_err());
    }

    #[test]
    fn typed_keys_accept_nulls_and_quoted_numbers() {
        let v =
            Values::from_json(json!({"global": {"hub": null, "proxy": {"statusPort": "15021"}}}))
                .unwrap();
        assert_eq!(v.hub(), "");
        let v = Values::from_str("global:\n  proxy:\n    statusPort: 15021.0\n").unwrap();
        assert_eq!(
            v.get(&["global", "proxy", "statusPort"]),
            Some(&json!(15021.0))
        );
    }

    #[test]
    fn overlay_merges_maps_and_replaces_the_rest() {
        let v = Values::istio_defaults().overlay(&json!({
            "global": {
                "proxy": {"image": "proxyTest", "resources": null},
                "imagePullSecrets": ["barSecret"]
            },
            "new": {"k": 1}
        }));
        assert_eq!(v.proxy_image(), "proxyTest");
        assert_eq!(v.get(&["global", "proxy", "resources"]), Some(&Value::Null));
        assert_eq!(
            v.get(&["global", "proxy", "statusPort"]),
            Some(&json!(15020))
        );
        assert_eq!(
            v.get(&["global", "imagePullSecrets"]),
            Some(&json!(["barSecret"]))
        );
        assert_eq!(v.get(&["new", "k"]), Some(&json!(1)));
        assert_eq!(v.hub(), "docker.io/istio");
        assert_eq!(
            Values::istio_defaults().overlay(&json!(3)),
            Values::istio_defaults()
        );
    }

    proptest! {
        #[test]
        fn from_str_never_panics(text in ".{0,200}") {
            if let Ok(v) = Values::from_str(&text) {
                let _ = (v.tag(), v.hub(), v.proxy_image(), v.rewrite_app_http_probe());
            }
        }

        #[test]
        fn from_str_never_panics_on_yaml_like_text(text in "[a-z:\\[\\]{}\\- \n\"'0-9.,]{0,120}") {
            let _ = Values::from_str(&text);
        }
    }
}

//! The Helm values of the injector (`values` key of ConfigMap `istio-sidecar-injector`).
//!
//! Istio reads this document twice (`NewValuesConfig`): into the typed `Values` proto, which
//! its Go code uses for images, probe rewriting and cluster identity, and into a
//! `map[string]any` that templates see as `.Values` (numbers as float64). Here the document is
//! kept whole as JSON, so that every key survives, and the keys the typed proto reads are
//! type-checked as `protomarshal.ApplyYAML` would: a wrong type there makes Istio reject the
//! whole document.

mod defaults;

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::constant::Node;
use defaults::DEFAULTS;

use super::proto::{parse_integer, type_error};
use super::text::parse_document;
use crate::error::ConfigError;
use crate::render::builtin::golang::{self, field_of_non_map, nil_pointer_field};

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
///
/// Istio's defaults are constant data ([`defaults::DEFAULTS`]): values over them keep only
/// the given document, and lookups consult it first, then the defaults, with Helm's
/// deep-merge rules (objects merge key by key, anything else replaces). The merged tree is
/// built only when a caller asks for all of it ([`Values::raw`], e.g. `.Values` of Go
/// templates).
#[derive(Debug, Clone)]
pub struct Values {
    /// The whole values, or with `over_defaults` what is laid over Istio's defaults.
    given: Value,
    over_defaults: bool,
    /// Built on the first [`Values::raw`]; a lock, since kube-inject shares values between
    /// threads.
    merged: OnceLock<Value>,
}

/// Where a path of keys leads in the (possibly merged) values.
#[derive(Debug, Clone, Copy)]
enum At<'a> {
    Given(&'a Value),
    Default(&'static Node),
    /// An object of the given values merged into an object of the defaults.
    Merged,
    Absent,
}

impl Values {
    /// The default chart's values (the `values` of a default install's injector ConfigMap),
    /// with hub `docker.io/istio` and tag `1.30.0`.
    pub fn istio_defaults() -> Values {
        Values {
            given: Value::Object(Map::new()),
            over_defaults: true,
            merged: OnceLock::new(),
        }
    }

    /// Parses the ConfigMap string (JSON or YAML). Empty text gives empty values.
    #[allow(clippy::should_implement_trait)] // the agreed API name; FromStr delegates here
    pub fn from_str(text: &str) -> Result<Values, ConfigError> {
        Values::from_json(parse_document(text)?)
    }

    /// Takes values given as a JSON object (`null` gives empty values).
    pub fn from_json(v: Value) -> Result<Values, ConfigError> {
        let given = match v {
            Value::Null => Value::Object(Map::new()),
            Value::Object(_) => v,
            other => return Err(type_error("", "an object", &other)),
        };
        check_types(&given)?;
        Ok(Values {
            given,
            over_defaults: false,
            merged: OnceLock::new(),
        })
    }

    /// These values with `overlay` deep-merged in: objects merge key by key, anything else
    /// (scalars, lists, `null`) replaces. A non-object overlay changes nothing.
    pub fn overlay(&self, overlay: &Value) -> Values {
        let mut given = self.given.clone();
        if overlay.is_object() {
            deep_merge(&mut given, overlay);
        }
        Values {
            given,
            over_defaults: self.over_defaults,
            merged: OnceLock::new(),
        }
    }

    /// The whole document, defaults merged in (built on first use).
    pub fn raw(&self) -> &Value {
        if !self.over_defaults {
            return &self.given;
        }
        self.merged.get_or_init(|| {
            let mut merged = DEFAULTS.to_value();
            deep_merge(&mut merged, &self.given);
            merged
        })
    }

    /// The value at a path of object keys (`["global", "proxy", "statusPort"]`).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter()
            .try_fold(self.raw(), |value, key| value.get(key))
    }

    /// The value at `path` as Go's template engine evaluates `.Values.a.b.c`: a missing key
    /// yields no value (and so does every field after it), a `null` part-way down is a
    /// nil-pointer error and a field of a non-map an error (both as Go words them), a `null`
    /// at the end is no value. Only what is looked up becomes a [`Value`].
    pub fn lookup_go(&self, path: &[&str]) -> Result<Option<Cow<'_, Value>>, String> {
        let found = match self.at(path.iter().copied())? {
            At::Given(v) => Some(Found::Given(v)),
            At::Default(node) => Some(Found::Default(node)),
            At::Merged => self.get(path).map(Found::Given),
            At::Absent => None,
        };
        Ok(found.map(Found::to_value).filter(|v| !v.is_null()))
    }

    /// [`Values::lookup_go`] of a dotted path (`global.proxy.statusPort`), answered without
    /// building anything: the built-in renderer asks about seventy of these per pod, and
    /// mostly prints or tests what it finds.
    pub(crate) fn find_go(&self, dotted: &str) -> Result<Option<Found<'_>>, String> {
        let walked = self.walk(self.root(), DottedKeys(Some(dotted)))?;
        self.found(walked, dotted)
    }

    /// Where the dotted path `prefix` leads (`None`: nowhere, so nothing below it exists), to
    /// look below it with [`Values::find_go_below`]; an error is the error of every path below.
    pub(crate) fn walk_prefix(&self, prefix: &str) -> Result<Option<Walk<'_>>, String> {
        self.walk(self.root(), DottedKeys(Some(prefix)))
    }

    /// [`Values::find_go`] of `whole`, which is the walked prefix, a dot, and `rest`.
    pub(crate) fn find_go_below<'a>(
        &'a self,
        prefix: &Result<Option<Walk<'a>>, String>,
        rest: &str,
        whole: &str,
    ) -> Result<Option<Found<'a>>, String> {
        let walked = match prefix {
            Ok(Some(from)) => self.walk(*from, DottedKeys(Some(rest)))?,
            Ok(None) => None,
            Err(e) => return Err(e.clone()),
        };
        self.found(walked, whole)
    }

    fn found<'a>(
        &'a self,
        walked: Option<Walk<'a>>,
        dotted: &str,
    ) -> Result<Option<Found<'a>>, String> {
        let found = match walked.map_or(At::Absent, Walk::at) {
            At::Given(v) => Some(Found::Given(v)),
            At::Default(node) => Some(Found::Default(node)),
            At::Merged => {
                let path: Vec<&str> = DottedKeys(Some(dotted)).collect();
                self.get(&path).map(Found::Given)
            }
            At::Absent => None,
        };
        Ok(found.filter(|f| !matches!(f, Found::Given(Value::Null))))
    }

    /// Follows `path` through the given values and the defaults together, without building
    /// the merged tree.
    fn at<'k>(&self, path: impl IntoIterator<Item = &'k str>) -> Result<At<'_>, String> {
        Ok(self.walk(self.root(), path)?.map_or(At::Absent, Walk::at))
    }

    fn root(&self) -> Walk<'_> {
        Walk {
            given: Some(&self.given),
            default: self.over_defaults.then_some(&DEFAULTS),
        }
    }

    /// Follows `keys` from `from`; `None` once neither the given values nor the defaults have
    /// the key.
    fn walk<'a, 'k>(
        &'a self,
        from: Walk<'a>,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<Option<Walk<'a>>, String> {
        let Walk {
            mut given,
            mut default,
        } = from;
        for key in keys {
            (given, default) = match (given, default) {
                (Some(Value::Object(map)), default) => {
                    // A given object merges into a default object and replaces anything else.
                    (map.get(key), default.and_then(|d| d.get(key)))
                }
                (Some(Value::Null), _) => return Err(nil_pointer_field(key)),
                (Some(other), _) => return Err(field_of_non_map(key, other)),
                (None, Some(node)) if node.is_map() => (None, node.get(key)),
                (None, Some(node)) => return Err(field_of_non_map(key, &node.to_value())),
                (None, None) => return Ok(None),
            };
        }
        Ok(Some(Walk { given, default }))
    }

    /// The string at `path`, `""` when it is absent or not a string.
    fn str_at(&self, path: &str) -> &str {
        match self.at(DottedKeys(Some(path))) {
            Ok(At::Given(Value::String(s))) => s,
            Ok(At::Default(Node::Str(s))) => s,
            _ => "",
        }
    }

    /// The boolean at `path`, false when it is absent or not a boolean.
    fn bool_at(&self, path: &str) -> bool {
        match self.at(DottedKeys(Some(path))) {
            Ok(At::Given(Value::Bool(b))) => *b,
            Ok(At::Default(Node::Bool(b))) => *b,
            _ => false,
        }
    }

    pub fn hub(&self) -> &str {
        self.str_at("global.hub")
    }

    /// `global.tag` as Istio's Go code prints it (`fmt.Sprintf("%v")` of the proto value): a
    /// string as is, a number as Go prints a float64 (`1.3`, `1e+06`), `""` when unset.
    pub fn tag(&self) -> String {
        let tag = match self.at(DottedKeys(Some("global.tag"))) {
            Ok(At::Given(v)) => Cow::Borrowed(v),
            Ok(At::Default(node)) => Found::Default(node).to_value(),
            _ => return String::new(),
        };
        match tag.as_ref() {
            Value::String(s) => s.clone(),
            Value::Number(n) => go_print_float(n.as_f64().unwrap_or(0.0)),
            Value::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    }

    pub fn variant(&self) -> &str {
        self.str_at("global.variant")
    }

    /// The proxy image name (`global.proxy.image`, `proxyv2` when empty).
    pub fn proxy_image(&self) -> &str {
        non_empty_or(self.str_at("global.proxy.image"), "proxyv2")
    }

    /// The init image name (`global.proxy_init.image`, `proxyv2` when empty).
    pub fn proxy_init_image(&self) -> &str {
        non_empty_or(self.str_at("global.proxy_init.image"), "proxyv2")
    }

    /// `sidecarInjectorWebhook.rewriteAppHTTPProbe`, false when unset: Istio reads it from the
    /// typed values, where it is a `google.protobuf.BoolValue` and `GetValue()` of an absent one
    /// is false. (The chart's values set it to true, so installs get rewriting by default.)
    pub fn rewrite_app_http_probe(&self) -> bool {
        self.bool_at("sidecarInjectorWebhook.rewriteAppHTTPProbe")
    }

    /// `global.proxy.holdApplicationUntilProxyStarts`, false when unset.
    pub fn hold_application_until_proxy_starts(&self) -> bool {
        self.bool_at("global.proxy.holdApplicationUntilProxyStarts")
    }

    pub fn cluster_name(&self) -> &str {
        self.str_at("global.multiCluster.clusterName")
    }

    pub fn network(&self) -> &str {
        self.str_at("global.network")
    }
}

/// Values are equal when their documents are, however they were given.
impl PartialEq for Values {
    fn eq(&self, other: &Values) -> bool {
        if self.over_defaults == other.over_defaults {
            return self.given == other.given;
        }
        self.raw() == other.raw()
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

/// The keys of a dotted path, split without a string search (the paths are short).
struct DottedKeys<'p>(Option<&'p str>);

impl<'p> Iterator for DottedKeys<'p> {
    type Item = &'p str;

    fn next(&mut self) -> Option<&'p str> {
        let rest = self.0?;
        match rest.bytes().position(|b| b == b'.') {
            Some(i) => {
                self.0 = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.0 = None;
                Some(rest)
            }
        }
    }
}

/// How far a path has led through the given values and the defaults together.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walk<'a> {
    given: Option<&'a Value>,
    default: Option<&'static Node>,
}

impl<'a> Walk<'a> {
    fn at(self) -> At<'a> {
        match (self.given, self.default) {
            (Some(Value::Object(_)), Some(node)) if node.is_map() => At::Merged,
            (Some(v), _) => At::Given(v),
            (None, Some(node)) => At::Default(node),
            (None, None) => At::Absent,
        }
    }
}

/// What a `.Values` lookup found (never `null`): part of the given document, or a part of
/// Istio's constant defaults that nothing was laid over. Templates mostly test or print a
/// value, which needs no [`Value`] built.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Found<'a> {
    Given(&'a Value),
    Default(&'static Node),
}

impl<'a> Found<'a> {
    pub(crate) fn to_value(self) -> Cow<'a, Value> {
        match self {
            Found::Given(v) => Cow::Borrowed(v),
            Found::Default(node) => Cow::Owned(node.to_value()),
        }
    }

    /// Go template truthiness.
    pub(crate) fn truthy(self) -> bool {
        match self {
            Found::Given(v) => golang::truthy(Some(v)),
            Found::Default(Node::Bool(b)) => *b,
            Found::Default(Node::Int(n)) => *n != 0,
            Found::Default(Node::Str(s)) => !s.is_empty(),
            Found::Default(Node::List(items)) => !items.is_empty(),
            Found::Default(Node::Map(entries)) => !entries.is_empty(),
        }
    }

    /// `eq v "s"`, with Go's error for a value of another kind.
    pub(crate) fn eq_str(self, s: &str) -> Result<bool, String> {
        match self {
            Found::Default(Node::Str(x)) => Ok(*x == s),
            other => golang::eq_str(Some(&other.to_value()), s),
        }
    }

    /// What `{{ v }}` (or `fmt.Sprint`) prints: strings are borrowed.
    pub(crate) fn print(self) -> Cow<'a, str> {
        match self {
            Found::Given(Value::String(s)) => Cow::Borrowed(s),
            Found::Default(Node::Str(s)) => Cow::Borrowed(s),
            Found::Default(Node::Int(n)) => Cow::Owned(golang::print_int(*n)),
            Found::Default(Node::Bool(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
            other => Cow::Owned(golang::print(Some(&other.to_value()))),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

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

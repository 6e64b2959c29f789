//! Policy settings: what a `ClusterAdmissionPolicy`'s `settings:` block may hold.
//!
//! Istio's own configuration travels in Istio's own shapes (`values`, `meshConfig`,
//! `injectorConfig`), each accepted either as the ConfigMap string that
//! `kubectl get cm … -o jsonpath` prints or as the same data written out as an object, so that a
//! platform team can paste what their cluster already has.

use std::borrow::Cow;

use crate::guard_rails::{GuardRails, ProxyOverrides};
use crate::json_text;
use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::render::StockTemplates;
use injector::{ConfigError, Mode, Options};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How the policy learns whether a pod's namespace wants injection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NamespaceSelection {
    /// The ClusterAdmissionPolicy's namespaceSelector/objectSelector already selected the pod,
    /// as the selectors of Istio's MutatingWebhookConfiguration do.
    #[default]
    Webhook,
    /// The policy reads the pod's Namespace through the host and applies Istio's webhook
    /// selectors itself, so one policy stands in for Istio's whole set of webhooks.
    Lookup,
}

/// Where istiod runs, as far as injection cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    #[default]
    #[serde(alias = "")]
    Kubernetes,
    /// istiod's `PLATFORM=openshift`: proxy UID/GID come from the namespace's SCC ranges.
    Openshift,
}

/// Whether `istio-proxy` is injected as a native sidecar (an init container with
/// `restartPolicy: Always`), as istiod's `ENABLE_NATIVE_SIDECARS` decides it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NativeSidecars {
    /// istiod's default: native when the pod's node (or, unscheduled, every node) runs a
    /// kubelet of Kubernetes 1.33 or later, read through the host.
    #[default]
    Auto,
    #[serde(rename = "true")]
    Enabled,
    #[serde(rename = "false")]
    Disabled,
}

impl<'de> Deserialize<'de> for NativeSidecars {
    /// `auto`, `true` or `false`, as istiod's environment variable takes them; the booleans
    /// may also be written as YAML/JSON booleans.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Bool(bool),
            Text(String),
        }
        match Given::deserialize(deserializer)
            .map_err(|_| serde::de::Error::custom("expected `auto`, `true` or `false`"))?
        {
            Given::Bool(true) => Ok(NativeSidecars::Enabled),
            Given::Bool(false) => Ok(NativeSidecars::Disabled),
            Given::Text(text) => match text.as_str() {
                "auto" => Ok(NativeSidecars::Auto),
                "true" => Ok(NativeSidecars::Enabled),
                "false" => Ok(NativeSidecars::Disabled),
                other => Err(serde::de::Error::custom(format!(
                    "{other:?} is not one of `auto`, `true`, `false`"
                ))),
            },
        }
    }
}

/// Reading Istio's ConfigMaps live from the cluster instead of inline settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ConfigMapSource {
    /// Namespace of the ConfigMaps (Istio's `global.istioNamespace`).
    pub namespace: Option<String>,
    /// Name of the injector ConfigMap; defaults to `istio-sidecar-injector[-<revision>]`.
    pub injector: Option<String>,
    /// Name of the mesh ConfigMap; defaults to `istio[-<revision>]`.
    pub mesh: Option<String>,
}

impl ConfigMapSource {
    pub const DEFAULT_NAMESPACE: &'static str = "istio-system";

    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or(Self::DEFAULT_NAMESPACE)
    }

    pub fn injector_name(&self, revision: &str) -> String {
        self.injector
            .clone()
            .unwrap_or_else(|| revisioned("istio-sidecar-injector", revision))
    }

    pub fn mesh_name(&self, revision: &str) -> String {
        self.mesh
            .clone()
            .unwrap_or_else(|| revisioned("istio", revision))
    }
}

/// Istio names a revision's objects `<name>-<revision>`, except for the default revision.
fn revisioned(base: &str, revision: &str) -> String {
    if revision.is_empty() || revision == DEFAULT_REVISION {
        base.to_string()
    } else {
        format!("{base}-{revision}")
    }
}

pub const DEFAULT_REVISION: &str = "default";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Settings {
    pub namespace_selection: NamespaceSelection,
    /// The istiod revision this policy injects for (`istio.io/rev`).
    pub revision: Option<String>,
    /// Revision tags that point at `revision` (`istioctl tag set <tag> --revision <rev>`).
    pub revision_tags: Vec<String>,
    /// Whether this revision also serves `istio-injection=enabled` namespaces and
    /// `sidecar.istio.io/inject=true` pods; defaults to true for the `default` revision.
    pub default_revision: Option<bool>,
    /// Istio's `sidecarInjectorWebhook.enableNamespacesByDefault`.
    pub enable_namespaces_by_default: bool,
    /// Inject `istio-proxy` as a native sidecar (an init container with `restartPolicy:
    /// Always`); the pod annotation `sidecar.istio.io/nativeSidecar` still wins.
    pub native_sidecars: NativeSidecars,
    /// The `values` of ConfigMap `istio-sidecar-injector`, as its string or as an object.
    pub values: Option<Value>,
    /// The `mesh` of ConfigMap `istio`, as its string or as an object.
    pub mesh_config: Option<Value>,
    /// The `config` of ConfigMap `istio-sidecar-injector`, as its string or as an object.
    pub injector_config: Option<Value>,
    /// Read `config`, `values` and `mesh` from the cluster's ConfigMaps instead.
    pub config_maps: Option<ConfigMapSource>,
    /// istiod's `COMPLIANCE_POLICY` (e.g. `fips-140-3`).
    pub compliance_policy: Option<String>,
    pub platform: Platform,
    /// Read `networking.istio.io` `ProxyConfig` resources (the mesh's root namespace and the
    /// pod's namespace) and merge them into the proxy config as istiod does.
    pub proxy_configs: bool,
    /// Guard rail: the images the injected containers may run (`*` globs); empty: any.
    pub allowed_proxy_images: Vec<String>,
    /// Guard rail: refuse pods with `sidecar.istio.io/userVolume` or `userVolumeMount`.
    pub forbid_user_volumes: bool,
    /// Guard rail: the volume types `sidecar.istio.io/userVolume` may use (`configMap`,
    /// `secret`, `emptyDir` …); unset: any.
    pub allowed_user_volume_types: Option<Vec<String>>,
    /// Guard rail: what a user `istio-proxy` container may change.
    pub proxy_overrides: ProxyOverrides,
    /// Who renders the templates of `injectorConfig` that are Istio's stock text.
    pub stock_templates: StockTemplates,
}

/// The Istio configuration the settings stand for, parsed and checked.
#[derive(Debug, Clone)]
pub struct InlineConfig {
    pub values: Values,
    pub mesh: MeshConfig,
    pub injector: InjectorConfig,
}

impl Settings {
    /// Reads settings, naming the offending field when they do not fit.
    pub fn from_json(value: &Value) -> Result<Settings, String> {
        let empty;
        let value = if value.is_null() {
            empty = Value::Object(Default::default());
            &empty
        } else {
            value
        };
        // Settings arrive with every request: read them plainly, and only when that fails
        // read them again with path tracking to name the offending field.
        Settings::deserialize(value).map_err(|_| Settings::misfit(value))
    }

    /// [`Settings::from_json`] for settings given as JSON text (`null` or nothing: defaults).
    /// The tree read from the text is moved into the settings: Istio's configuration strings
    /// are not copied out of it.
    pub fn from_slice(text: &[u8]) -> Result<Settings, String> {
        match std::str::from_utf8(text) {
            Ok(text) => Settings::from_text(text),
            // serde_json names where the text stops being UTF-8.
            Err(_) => Settings::from_plain_read(text),
        }
    }

    /// [`Settings::from_slice`] for text known to be UTF-8 (the payload's).
    pub fn from_text(text: &str) -> Result<Settings, String> {
        let text = text.trim_ascii();
        if text.is_empty() || text == "null" {
            return Ok(Settings::default());
        }
        // Istio's config strings are unescaped in one piece; the rare text that reader leaves
        // (or that does not read as settings) goes the plain way, which gives every error.
        match json_text::object(text) {
            Some(tree) => Settings::from_read(tree, text),
            None => Settings::from_plain_read(text.as_bytes()),
        }
    }

    /// [`Settings::from_text`] for settings the payload's reader has read already: `tree`,
    /// read from `text` (not `null`). The text is read again only for an error's wording.
    pub fn from_read(tree: Value, text: &str) -> Result<Settings, String> {
        if tree.is_object()
            && let Ok(settings) = Settings::deserialize(tree)
        {
            return Ok(settings);
        }
        Settings::from_plain_read(text.as_bytes())
    }

    /// The settings as serde_json reads them, with its errors.
    fn from_plain_read(text: &[u8]) -> Result<Settings, String> {
        let parse = || {
            serde_json::from_slice::<Value>(text)
                .map_err(|e| format!("settings are not valid JSON: {e}"))
        };
        // The tree is consumed by the plain read; the rare misfit reads the text again.
        match Settings::deserialize(parse()?) {
            Ok(settings) => Ok(settings),
            Err(_) => Err(Settings::misfit(&parse()?)),
        }
    }

    /// Why `value` does not read as settings, with the offending field's path.
    fn misfit(value: &Value) -> String {
        match serde_path_to_error::deserialize::<_, Settings>(value) {
            Ok(_) => "invalid settings".to_string(),
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if path == "." || path.is_empty() {
                    format!("invalid settings: {inner}")
                } else {
                    format!("invalid settings: {path}: {inner}")
                }
            }
        }
    }

    pub fn revision(&self) -> &str {
        match self.revision.as_deref() {
            None | Some("") => DEFAULT_REVISION,
            Some(rev) => rev,
        }
    }

    pub fn default_revision(&self) -> bool {
        self.default_revision
            .unwrap_or_else(|| self.revision() == DEFAULT_REVISION)
    }

    /// The injector's options these settings give (webhook mode). With `nativeSidecars:
    /// auto` the nodes decide later, per pod; until then the classic sidecar, which every
    /// kubelet runs.
    pub fn injector_options(&self) -> Options {
        Options {
            revision: self.revision().to_string(),
            native_sidecars: self.native_sidecars == NativeSidecars::Enabled,
            compliance_policy: self.compliance_policy.clone().unwrap_or_default(),
            openshift: self.platform == Platform::Openshift,
            mode: Mode::Webhook,
            stock_templates: self.stock_templates,
            ..Options::default()
        }
    }

    /// The guard rails on what pod authors steer; all off unless set.
    pub fn guard_rails(&self) -> GuardRails<'_> {
        GuardRails {
            allowed_proxy_images: &self.allowed_proxy_images,
            forbid_user_volumes: self.forbid_user_volumes,
            allowed_user_volume_types: self.allowed_user_volume_types.as_deref(),
            proxy_overrides: self.proxy_overrides,
        }
    }

    /// Whether the Istio configuration is read from the cluster at evaluation time.
    pub fn reads_config_maps(&self) -> bool {
        self.config_maps.is_some()
    }

    /// Checks everything that can be checked without a cluster.
    pub fn check(&self) -> Result<(), String> {
        for (i, pattern) in self.allowed_proxy_images.iter().enumerate() {
            if pattern.trim().is_empty() {
                return Err(format!("allowedProxyImages[{i}]: must not be empty"));
            }
        }
        if let Some(rev) = &self.revision {
            check_dns_label("revision", rev, true)?;
        }
        for (i, tag) in self.revision_tags.iter().enumerate() {
            check_dns_label(&format!("revisionTags[{i}]"), tag, false)?;
        }
        if let Some(source) = &self.config_maps {
            for (field, inline) in [
                ("values", &self.values),
                ("meshConfig", &self.mesh_config),
                ("injectorConfig", &self.injector_config),
            ] {
                if inline.is_some() {
                    return Err(format!(
                        "{field}: cannot be set together with configMaps (the configuration is read from the cluster)"
                    ));
                }
            }
            if let Some(ns) = &source.namespace {
                check_dns_label("configMaps.namespace", ns, false)?;
            }
            for (field, name) in [
                ("configMaps.injector", &source.injector),
                ("configMaps.mesh", &source.mesh),
            ] {
                if let Some(name) = name {
                    check_object_name(field, name)?;
                }
            }
            Ok(())
        } else {
            let config = self.inline_config().map_err(|e| e.to_string())?;
            // Istio parses every template when it loads the config; so does validation, in
            // `Injector::new` (but for the chart's own text that the built-in renderer
            // renders, which parses). The default templates are then run once, for a sample
            // pod (see `dry_run`).
            if !config.injector.templates.is_empty() {
                crate::dry_run::render_default_templates(config, self.injector_options())?;
            }
            Ok(())
        }
    }

    /// The inline Istio configuration, with Istio's defaults for what is not given.
    pub fn inline_config(&self) -> Result<InlineConfig, ConfigError> {
        InlineConfig::read(
            self.values.as_ref().map(Cow::Borrowed),
            self.mesh_config.as_ref().map(Cow::Borrowed),
            self.injector_config.as_ref().map(Cow::Borrowed),
        )
    }

    /// [`Settings::inline_config`], reading the inputs out of the settings rather than copying
    /// them: an evaluation reads them once, and Istio's injector config is ~111 KB of text.
    pub fn take_inline_config(&mut self) -> Result<InlineConfig, ConfigError> {
        InlineConfig::read(
            self.values.take().map(Cow::Owned),
            self.mesh_config.take().map(Cow::Owned),
            self.injector_config.take().map(Cow::Owned),
        )
    }
}

impl InlineConfig {
    fn read(
        values: Option<Cow<'_, Value>>,
        mesh: Option<Cow<'_, Value>>,
        injector: Option<Cow<'_, Value>>,
    ) -> Result<InlineConfig, ConfigError> {
        Ok(InlineConfig {
            values: parse_input(
                "values",
                values,
                |text| Values::from_str(&text),
                Values::from_json,
            )?
            .unwrap_or_else(Values::istio_defaults),
            mesh: parse_input(
                "meshConfig",
                mesh,
                |text| MeshConfig::from_str(&text),
                MeshConfig::from_json,
            )?
            .unwrap_or_else(MeshConfig::istio_defaults),
            injector: parse_input(
                "injectorConfig",
                injector,
                |text| match text {
                    Cow::Owned(text) => InjectorConfig::from_string(text),
                    Cow::Borrowed(text) => InjectorConfig::from_str(text),
                },
                InjectorConfig::from_json,
            )?
            .unwrap_or_else(InjectorConfig::builtin),
        })
    }
}

/// Parses one of Istio's configuration inputs, given as the ConfigMap string or as an object;
/// an owned input is handed over rather than copied.
fn parse_input<'i, T>(
    field: &str,
    input: Option<Cow<'i, Value>>,
    from_str: impl FnOnce(Cow<'i, str>) -> Result<T, ConfigError>,
    from_json: impl FnOnce(Value) -> Result<T, ConfigError>,
) -> Result<Option<T>, ConfigError> {
    let Some(input) = input else {
        return Ok(None);
    };
    match &*input {
        Value::Null => return Ok(None),
        // Forms (Rancher's UI among them) send an untouched text field as "": not given.
        Value::String(text) if text.trim().is_empty() => return Ok(None),
        Value::String(_) | Value::Object(_) => {}
        _ => {
            return Err(ConfigError::new(
                field,
                "must be the ConfigMap's string or an object",
            ));
        }
    }
    let parsed = match input {
        Cow::Borrowed(Value::String(text)) => from_str(Cow::Borrowed(text)),
        Cow::Owned(Value::String(text)) => from_str(Cow::Owned(text)),
        Cow::Borrowed(object) => from_json(object.clone()),
        Cow::Owned(object) => from_json(object),
    };
    parsed.map(Some).map_err(|e| e.within(field))
}

/// Kubernetes DNS-1123 label rules, which revision names and namespaces follow.
fn check_dns_label(field: &str, value: &str, allow_empty: bool) -> Result<(), String> {
    if value.is_empty() {
        return if allow_empty {
            Ok(())
        } else {
            Err(format!("{field}: must not be empty"))
        };
    }
    let ok = value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{field}: {value:?} is not a valid DNS label (lower-case letters, digits and '-', at most 63 characters)"
        ))
    }
}

/// Kubernetes object names (DNS-1123 subdomains).
fn check_object_name(field: &str, value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 253
        && value.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("{field}: {value:?} is not a valid object name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_settings_take_istio_defaults() {
        let s = Settings::from_json(&json!({})).unwrap();
        assert_eq!(s.namespace_selection, NamespaceSelection::Webhook);
        assert_eq!(s.revision(), "default");
        assert!(s.default_revision());
        assert_eq!(s.native_sidecars, NativeSidecars::Auto);
        s.check().unwrap();
        let null = Settings::from_json(&Value::Null).unwrap();
        assert_eq!(null, s);
    }

    #[test]
    fn template_parse_errors_name_template_line_and_column() {
        let s = Settings::from_json(&json!({"injectorConfig": {"templates": {
            "sidecar": "spec:\n  containers: {{ if }}\n"
        }}}))
        .unwrap();
        let err = s.check().unwrap_err();
        assert!(
            err.starts_with("injectorConfig.templates.sidecar: template: sidecar:2:"),
            "{err}"
        );
    }

    #[test]
    fn templates_that_parse_but_fail_to_run_name_template_line_and_column() {
        let s = Settings::from_json(&json!({"injectorConfig": {"templates": {
            "sidecar": "spec:\n  containers:\n  - name: istio-proxy\n    image: {{ len 3 }}\n"
        }}}))
        .unwrap();
        let err = s.check().unwrap_err();
        assert!(err.starts_with("injectorConfig.templates:"), "{err}");
        assert!(err.contains("template: sidecar:4:"), "{err}");
        assert!(err.contains("len"), "{err}");
    }

    #[test]
    fn templates_whose_output_is_not_yaml_are_refused() {
        let s = Settings::from_json(&json!({"injectorConfig": {"templates": {
            "sidecar": "spec: [unclosed\n"
        }}}))
        .unwrap();
        let err = s.check().unwrap_err();
        assert!(err.contains("sidecar"), "{err}");
    }

    #[test]
    fn a_default_template_the_config_lacks_is_refused() {
        let s = Settings::from_json(&json!({"injectorConfig": {
            "defaultTemplates": ["mesh-sidecar"],
            "templates": {"sidecar": "spec: {}\n"}
        }}))
        .unwrap();
        let err = s.check().unwrap_err();
        assert!(err.contains("mesh-sidecar"), "{err}");
    }

    #[test]
    fn working_custom_templates_pass() {
        let s = Settings::from_json(&json!({"injectorConfig": {"templates": {
            "sidecar": "spec:\n  containers:\n  - name: istio-proxy\n    image: {{ .ProxyImage }}\n"
        }}}))
        .unwrap();
        s.check().unwrap();
    }

    #[test]
    fn stock_templates_are_builtin_unless_engine_is_asked_for() {
        let s = Settings::from_json(&json!({})).unwrap();
        assert_eq!(s.stock_templates, StockTemplates::Builtin);
        assert_eq!(
            s.injector_options().stock_templates,
            StockTemplates::Builtin
        );
        let s = Settings::from_json(&json!({"stockTemplates": "engine"})).unwrap();
        assert_eq!(s.injector_options().stock_templates, StockTemplates::Engine);
        let err = Settings::from_json(&json!({"stockTemplates": "native"})).unwrap_err();
        assert!(err.to_string().contains("stockTemplates"), "{err}");
        assert!(err.to_string().contains("builtin"), "{err}");
    }

    #[test]
    fn native_sidecars_take_auto_and_booleans_as_istiod_does() {
        for (given, expected) in [
            (json!("auto"), NativeSidecars::Auto),
            (json!(true), NativeSidecars::Enabled),
            (json!("true"), NativeSidecars::Enabled),
            (json!(false), NativeSidecars::Disabled),
            (json!("false"), NativeSidecars::Disabled),
        ] {
            let s = Settings::from_json(&json!({"nativeSidecars": given})).unwrap();
            assert_eq!(s.native_sidecars, expected, "{given}");
        }
        let err = Settings::from_json(&json!({"nativeSidecars": "sometimes"})).unwrap_err();
        assert!(
            err.contains("nativeSidecars") && err.contains("sometimes"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Settings::from_json(&json!({"namespaceSelector": "lookup"})).unwrap_err();
        assert!(err.contains("namespaceSelector"), "{err}");
    }

    #[test]
    fn wrong_types_are_named_with_their_path() {
        let err = Settings::from_json(&json!({"nativeSidecars": "yes"})).unwrap_err();
        assert!(err.contains("nativeSidecars"), "{err}");
        let err = Settings::from_json(&json!({"configMaps": {"namespace": 3}})).unwrap_err();
        assert!(err.contains("configMaps.namespace"), "{err}");
        let err = Settings::from_json(&json!({"namespaceSelection": "auto"})).unwrap_err();
        assert!(err.contains("namespaceSelection"), "{err}");
    }

    #[test]
    fn revision_names_follow_kubernetes_rules() {
        let s = Settings::from_json(&json!({"revision": "Canary_1"})).unwrap();
        let err = s.check().unwrap_err();
        assert!(err.starts_with("revision:"), "{err}");
        let s = Settings::from_json(&json!({"revision": "1-30-0", "revisionTags": ["prod", ""]}))
            .unwrap();
        let err = s.check().unwrap_err();
        assert!(err.starts_with("revisionTags[1]:"), "{err}");
        let s = Settings::from_json(&json!({"revision": "canary"})).unwrap();
        assert!(!s.default_revision());
        let s =
            Settings::from_json(&json!({"revision": "canary", "defaultRevision": true})).unwrap();
        assert!(s.default_revision());
    }

    #[test]
    fn config_maps_exclude_inline_config() {
        let s = Settings::from_json(&json!({"configMaps": {}, "values": "{}"})).unwrap();
        let err = s.check().unwrap_err();
        assert!(err.starts_with("values:"), "{err}");
        let s = Settings::from_json(&json!({"configMaps": {"injector": "Bad Name"}})).unwrap();
        assert!(s.check().unwrap_err().starts_with("configMaps.injector:"));
    }

    #[test]
    fn config_map_names_follow_the_revision() {
        let source = ConfigMapSource::default();
        assert_eq!(source.injector_name("default"), "istio-sidecar-injector");
        assert_eq!(source.mesh_name("default"), "istio");
        assert_eq!(
            source.injector_name("canary"),
            "istio-sidecar-injector-canary"
        );
        assert_eq!(source.mesh_name("canary"), "istio-canary");
        assert_eq!(source.namespace(), "istio-system");
        let named = ConfigMapSource {
            namespace: Some("mesh".into()),
            injector: Some("inj".into()),
            mesh: Some("m".into()),
        };
        assert_eq!(named.injector_name("canary"), "inj");
        assert_eq!(named.mesh_name("canary"), "m");
        assert_eq!(named.namespace(), "mesh");
    }

    #[test]
    fn empty_configuration_strings_mean_istios_defaults() {
        let s =
            Settings::from_json(&json!({"values": "", "meshConfig": " \n", "injectorConfig": ""}))
                .unwrap();
        s.check().unwrap();
        let config = s.inline_config().unwrap();
        assert!(
            config.injector.templates.is_empty(),
            "the built-in renderer"
        );
    }

    #[test]
    fn inline_inputs_must_be_strings_or_objects() {
        let s = Settings::from_json(&json!({"values": 3})).unwrap();
        let err = s.check().unwrap_err();
        assert!(err.starts_with("values:"), "{err}");
        let s = Settings::from_json(&json!({"meshConfig": ["a"]})).unwrap();
        assert!(s.check().unwrap_err().starts_with("meshConfig:"));
    }

    #[test]
    fn inline_config_errors_name_the_nested_field() {
        let s = Settings::from_json(&json!({"meshConfig": "defaultConfig: [1"})).unwrap();
        let err = s.check().unwrap_err();
        assert!(err.starts_with("meshConfig"), "{err}");
        let s = Settings::from_json(
            &json!({"values": {"global": {"proxy": {"statusPort": "fifteen"}}}}),
        )
        .unwrap();
        let err = s.check().unwrap_err();
        assert!(err.contains("values.global.proxy.statusPort"), "{err}");
    }
}

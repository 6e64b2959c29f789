//! The injector's three configuration inputs, read as Istio reads them:
//!
//! * [`Values`]: the `values` key of ConfigMap `istio-sidecar-injector` (Helm values);
//! * [`InjectorConfig`]: the `config` key of the same ConfigMap (policy, templates,
//!   selectors …);
//! * [`MeshConfig`]: the `mesh` key of ConfigMap `istio`, applied over Istio's built-in
//!   defaults, with its default [`ProxyConfig`].
//!
//! Each can be given as the ConfigMap string or as the same data as a JSON object; see
//! [`split_string_or_object`] and the `from_setting` constructors.

mod block_templates;
mod constant;
mod duration;
mod injector_config;
mod mesh;
pub mod proto;
mod proxy_config;
mod proxy_config_resources;
mod template_text;
mod text;
mod validation;
mod values;

#[cfg(test)]
mod conformance_tests;

use serde_json::Value;

pub use duration::Duration;
pub use injector_config::{InjectionPolicy, InjectorConfig, SIDECAR_TEMPLATE};
pub use mesh::{MESH_CONFIG_SCHEMA, MeshConfig};
pub use proxy_config::{InterceptionMode, PROXY_CONFIG_SCHEMA, ProxyConfig};
pub use proxy_config_resources::{ProxyConfigResource, ProxyConfigResources};
pub use template_text::TemplateText;
pub use text::parse_document;
pub(crate) use values::{Found, Walk};
pub use values::{Values, deep_merge};

use crate::error::ConfigError;

/// A configuration input as the user gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConfigSource<'a> {
    /// The ConfigMap string (YAML or JSON text).
    Text(&'a str),
    /// The same data as a JSON object.
    Object(&'a Value),
}

/// Tells a ConfigMap string from an object for the setting named `field`; anything else is an
/// error naming `field`.
pub fn split_string_or_object<'a>(
    field: &str,
    value: &'a Value,
) -> Result<ConfigSource<'a>, ConfigError> {
    match value {
        Value::String(text) => Ok(ConfigSource::Text(text)),
        Value::Object(_) => Ok(ConfigSource::Object(value)),
        other => Err(ConfigError::new(
            field,
            format!(
                "expected the ConfigMap text (a string) or an object, got {}",
                text::kind_name(other)
            ),
        )),
    }
}

impl Values {
    /// Values from a setting given as the ConfigMap string or as an object; errors are
    /// prefixed with `field` (`values.global.proxy.statusPort`).
    pub fn from_setting(field: &str, value: &Value) -> Result<Values, ConfigError> {
        match split_string_or_object(field, value)? {
            ConfigSource::Text(text) => Values::from_str(text),
            ConfigSource::Object(object) => Values::from_json(object.clone()),
        }
        .map_err(|e| e.within(field))
    }
}

impl MeshConfig {
    /// Mesh config from a setting given as the ConfigMap string or as an object; errors are
    /// prefixed with `field`.
    pub fn from_setting(field: &str, value: &Value) -> Result<MeshConfig, ConfigError> {
        match split_string_or_object(field, value)? {
            ConfigSource::Text(text) => MeshConfig::from_str(text),
            ConfigSource::Object(object) => MeshConfig::from_json(object.clone()),
        }
        .map_err(|e| e.within(field))
    }
}

impl InjectorConfig {
    /// Injector config from a setting given as the ConfigMap string or as an object; errors
    /// are prefixed with `field`.
    pub fn from_setting(field: &str, value: &Value) -> Result<InjectorConfig, ConfigError> {
        match split_string_or_object(field, value)? {
            ConfigSource::Text(text) => InjectorConfig::from_str(text),
            ConfigSource::Object(object) => InjectorConfig::from_json(object.clone()),
        }
        .map_err(|e| e.within(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_accept_text_or_object_and_name_the_field() {
        let text = json!("global:\n  hub: example.com/istio\n");
        let object = json!({"global": {"hub": "example.com/istio"}});
        assert_eq!(
            Values::from_setting("values", &text).unwrap(),
            Values::from_setting("values", &object).unwrap()
        );
        let err =
            Values::from_setting("values", &json!({"global": {"proxy": {"statusPort": "x"}}}))
                .unwrap_err();
        assert_eq!(err.field, "values.global.proxy.statusPort");
        let err = Values::from_setting("values", &json!(42)).unwrap_err();
        assert_eq!(err.field, "values");
        let err = Values::from_setting("values", &json!("global: [")).unwrap_err();
        assert_eq!(err.field, "values");

        let mesh =
            MeshConfig::from_setting("meshConfig", &json!("trustDomain: example.org")).unwrap();
        assert_eq!(mesh.trust_domain(), "example.org");
        let err = MeshConfig::from_setting(
            "meshConfig",
            &json!({"defaultConfig": {"drainDuration": "1.5s"}}),
        )
        .unwrap_err();
        assert_eq!(err.field, "meshConfig.defaultConfig.drainDuration");

        let config =
            InjectorConfig::from_setting("injectorConfig", &json!({"policy": "disabled"})).unwrap();
        assert_eq!(config.policy, InjectionPolicy::Disabled);
        let err = InjectorConfig::from_setting("injectorConfig", &json!({"templates": {"x": 1}}))
            .unwrap_err();
        assert_eq!(err.field, "injectorConfig.templates.x");
        assert_eq!(
            split_string_or_object("mesh", &json!(null))
                .unwrap_err()
                .field,
            "mesh"
        );
    }
}

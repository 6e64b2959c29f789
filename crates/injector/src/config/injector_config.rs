//! The injector `Config` (the `config` key of ConfigMap `istio-sidecar-injector`), read as
//! Istio's `UnmarshalConfig` reads it: YAML through `sigs.k8s.io/yaml` into a Go struct, so
//! unknown keys (such as the chart's sentinel `template:`) are ignored, keys match
//! case-insensitively, `null` means unset, and an empty `defaultTemplates` becomes
//! `[sidecar]`. Templates stay raw text (cut out of a chart-shaped config string only when
//! read, see [`TemplateText`]); parsing them is the renderer's business.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::TemplateText;
use super::block_templates::Scalar;
use super::text::parse_document;
use crate::error::ConfigError;
use crate::selector::{LabelSelector, go_field_name, string, string_list, string_map};

/// Templates located in the config text, by name.
type BlockTemplates = Vec<(String, Scalar)>;

/// The injection policy (`policy`, from the chart's `global.proxy.autoInject`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InjectionPolicy {
    /// Inject unless the pod opts out.
    Enabled,
    /// Inject only pods that opt in.
    Disabled,
    /// Any other string: Istio logs an error and injects nothing.
    Other(String),
}

impl InjectionPolicy {
    pub fn from_name(name: &str) -> InjectionPolicy {
        match name {
            "enabled" => InjectionPolicy::Enabled,
            "disabled" => InjectionPolicy::Disabled,
            other => InjectionPolicy::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            InjectionPolicy::Enabled => "enabled",
            InjectionPolicy::Disabled => "disabled",
            InjectionPolicy::Other(other) => other,
        }
    }
}

/// The template name used when nothing else is configured.
pub const SIDECAR_TEMPLATE: &str = "sidecar";

const FIELDS: &[&str] = &[
    "policy",
    "defaultTemplates",
    "templates",
    "aliases",
    "neverInjectSelector",
    "alwaysInjectSelector",
    "injectedAnnotations",
];

/// Istio's injector `Config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectorConfig {
    pub policy: InjectionPolicy,
    /// Templates applied when the pod names none; never empty (`[sidecar]` by default).
    pub default_templates: Vec<String>,
    /// Template name → raw Go template text.
    pub templates: BTreeMap<String, TemplateText>,
    /// Name → template names it expands to (one level, not recursive).
    pub aliases: BTreeMap<String, Vec<String>>,
    pub never_inject_selector: Vec<LabelSelector>,
    pub always_inject_selector: Vec<LabelSelector>,
    /// Annotations added to every injected pod.
    pub injected_annotations: BTreeMap<String, String>,
}

impl InjectorConfig {
    /// The configuration of the builtin renderer: policy enabled, `[sidecar]` by default, no
    /// template text, aliases, selectors or extra annotations.
    pub fn builtin() -> InjectorConfig {
        InjectorConfig {
            policy: InjectionPolicy::Enabled,
            default_templates: vec![SIDECAR_TEMPLATE.to_string()],
            templates: BTreeMap::new(),
            aliases: BTreeMap::new(),
            never_inject_selector: Vec::new(),
            always_inject_selector: Vec::new(),
            injected_annotations: BTreeMap::new(),
        }
    }

    /// Parses the ConfigMap string (YAML or JSON).
    #[allow(clippy::should_implement_trait)] // the agreed API name; FromStr delegates here
    pub fn from_str(text: &str) -> Result<InjectorConfig, ConfigError> {
        InjectorConfig::read(Cow::Borrowed(text))
    }

    /// [`InjectorConfig::from_str`] keeping `text` itself as the templates' source: Istio's
    /// config is ~111 KB, and a copy of it is that many fresh pages on a fresh policy instance.
    pub fn from_string(text: String) -> Result<InjectorConfig, ConfigError> {
        InjectorConfig::read(Cow::Owned(text))
    }

    fn read(text: Cow<'_, str>) -> Result<InjectorConfig, ConfigError> {
        match InjectorConfig::from_chart_shaped(&text) {
            Some(Ok((mut config, scalars))) => {
                let source = Arc::new(text.into_owned());
                for (name, scalar) in scalars {
                    let template = TemplateText::in_block(source.clone(), scalar);
                    config.templates.insert(name, template);
                }
                Ok(config)
            }
            Some(Err(err)) => Err(err),
            None => InjectorConfig::from_json(parse_document(&text)?),
        }
    }

    /// The config of text whose `templates:` section has the chart's shape (see
    /// [`super::block_templates`]), but for its templates, which are only located by lines,
    /// to be cut out when read; only the rest goes through the YAML reader. `None` when the
    /// text is not of that shape, or the rest does not read as a mapping (the whole text is
    /// then read, for the reader's error).
    fn from_chart_shaped(
        text: &str,
    ) -> Option<Result<(InjectorConfig, BlockTemplates), ConfigError>> {
        if text.trim_start().starts_with(['{', '[']) {
            return None;
        }
        let (rest, scalars) = super::block_templates::split(text)?;
        let Ok(Value::Object(object)) = parse_document(&rest) else {
            return None;
        };
        if object
            .keys()
            .any(|key| go_field_name(key, FIELDS) == Some("templates"))
        {
            return None;
        }
        Some(
            InjectorConfig::from_json(Value::Object(object)).map(|config| {
                let scalars = scalars
                    .into_iter()
                    .map(|(name, scalar)| (name.to_string(), scalar))
                    .collect();
                (config, scalars)
            }),
        )
    }

    /// Reads the config from JSON. `null` gives Go's zero `Config`: an empty policy (which
    /// injects nothing) and the default `[sidecar]` templates.
    pub fn from_json(v: Value) -> Result<InjectorConfig, ConfigError> {
        let mut config = InjectorConfig {
            policy: InjectionPolicy::Other(String::new()),
            ..InjectorConfig::builtin()
        };
        config.default_templates.clear();
        let object = match v {
            Value::Null => serde_json::Map::new(),
            Value::Object(object) => object,
            other => {
                return Err(ConfigError::new(
                    "",
                    format!("expected an object, got {}", super::text::kind_name(&other)),
                ));
            }
        };
        for (key, value) in object {
            let Some(field) = go_field_name(&key, FIELDS) else {
                continue;
            };
            match field {
                "policy" => config.policy = InjectionPolicy::from_name(&string(&value, field)?),
                "defaultTemplates" => config.default_templates = string_list(&value, field)?,
                "templates" => config.templates = take_string_map(value, field)?,
                "aliases" => {
                    config.aliases = match value {
                        Value::Null => BTreeMap::new(),
                        Value::Object(map) => map
                            .iter()
                            .map(|(k, v)| Ok((k.clone(), string_list(v, &format!("{field}.{k}"))?)))
                            .collect::<Result<_, ConfigError>>()?,
                        other => {
                            return Err(ConfigError::new(
                                field,
                                format!(
                                    "expected a map of template lists, got {}",
                                    super::text::kind_name(&other)
                                ),
                            ));
                        }
                    }
                }
                "neverInjectSelector" => config.never_inject_selector = selectors(&value, field)?,
                "alwaysInjectSelector" => {
                    config.always_inject_selector = selectors(&value, field)?;
                }
                "injectedAnnotations" => {
                    config.injected_annotations = string_map(&value, field)?;
                }
                _ => {}
            }
        }
        if config.default_templates.is_empty() {
            config.default_templates = vec![SIDECAR_TEMPLATE.to_string()];
        }
        Ok(config)
    }
}

impl std::str::FromStr for InjectorConfig {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<InjectorConfig, ConfigError> {
        InjectorConfig::from_str(text)
    }
}

impl Default for InjectorConfig {
    fn default() -> Self {
        InjectorConfig::builtin()
    }
}

/// A `map[string]string`, moving the (possibly large) template strings instead of copying.
/// Inserted one by one: collecting would build (and sort) a second copy of the entries, and
/// add sorting code for them to the module.
fn take_string_map(
    value: Value,
    path: &str,
) -> Result<BTreeMap<String, TemplateText>, ConfigError> {
    let map = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(map) => map,
        other => {
            return Err(ConfigError::new(
                path,
                format!(
                    "expected a map of strings, got {}",
                    super::text::kind_name(&other)
                ),
            ));
        }
    };
    let mut templates = BTreeMap::new();
    for (k, v) in map {
        let text = match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => {
                return Err(ConfigError::new(
                    format!("{path}.{k}"),
                    format!("expected a string, got {}", super::text::kind_name(&other)),
                ));
            }
        };
        templates.insert(k, text.into());
    }
    Ok(templates)
}

fn selectors(value: &Value, path: &str) -> Result<Vec<LabelSelector>, ConfigError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                LabelSelector::from_json(item).map_err(|e| e.within(&format!("{path}[{i}]")))
            })
            .collect(),
        other => Err(ConfigError::new(
            path,
            format!(
                "expected a list of label selectors, got {}",
                super::text::kind_name(other)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn the_charts_config_reads_the_same_with_and_without_the_fast_path() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/istio-conformance/base/injector-config.yaml");
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        assert!(
            InjectorConfig::from_chart_shaped(&text).is_some(),
            "chart-shaped"
        );
        let fast = InjectorConfig::from_str(&text);
        let full = InjectorConfig::from_json(parse_document(&text).unwrap());
        assert_eq!(fast, full);
        assert_eq!(InjectorConfig::from_string(text), full);
        assert_eq!(fast.unwrap().templates.len(), 8);
    }

    #[test]
    fn builtin_config() {
        let c = InjectorConfig::builtin();
        assert_eq!(c.policy, InjectionPolicy::Enabled);
        assert_eq!(c.default_templates, vec!["sidecar".to_string()]);
        assert!(c.templates.is_empty() && c.aliases.is_empty());
    }

    #[test]
    fn chart_shaped_config() {
        let c = InjectorConfig::from_str(
            "defaultTemplates: []\npolicy: disabled\nalwaysInjectSelector:\n  []\nneverInjectSelector:\n  - matchLabels: {app: db}\ninjectedAnnotations:\ntemplate: \"{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}\"\ntemplates:\n  sidecar: |\n    spec: {}\n  empty:\naliases:\n  both: [sidecar, gateway]\n",
        )
        .unwrap();
        assert_eq!(c.policy, InjectionPolicy::Disabled);
        assert_eq!(c.default_templates, vec!["sidecar".to_string()]);
        assert_eq!(
            c.templates.get("sidecar").map(TemplateText::as_str),
            Some("spec: {}\n")
        );
        assert_eq!(c.templates.get("empty").map(TemplateText::as_str), Some(""));
        assert!(!c.templates.contains_key("template"));
        assert_eq!(c.never_inject_selector.len(), 1);
        assert!(c.always_inject_selector.is_empty());
        assert!(c.injected_annotations.is_empty());
        assert_eq!(
            c.aliases.get("both"),
            Some(&vec!["sidecar".to_string(), "gateway".to_string()])
        );
    }

    #[test]
    fn policy_is_any_string() {
        let c = InjectorConfig::from_str("policy: sometimes").unwrap();
        assert_eq!(c.policy, InjectionPolicy::Other("sometimes".into()));
        assert_eq!(c.policy.as_str(), "sometimes");
        assert_eq!(
            InjectorConfig::from_str("Policy: enabled").unwrap().policy,
            InjectionPolicy::Enabled
        );
        // An empty config is Go's zero Config: no policy, so nothing is injected.
        let empty = InjectorConfig::from_str("").unwrap();
        assert_eq!(empty.policy, InjectionPolicy::Other(String::new()));
        assert_eq!(empty.default_templates, vec!["sidecar".to_string()]);
    }

    #[test]
    fn wrong_types_name_the_field() {
        let cases = [
            (json!({"policy": 1}), "policy"),
            (json!({"defaultTemplates": "sidecar"}), "defaultTemplates"),
            (json!({"defaultTemplates": ["a", 1]}), "defaultTemplates[1]"),
            (json!({"templates": {"sidecar": 3}}), "templates.sidecar"),
            (json!({"templates": []}), "templates"),
            (json!({"aliases": {"a": "b"}}), "aliases.a"),
            (json!({"aliases": []}), "aliases"),
            (json!({"neverInjectSelector": {}}), "neverInjectSelector"),
            (
                json!({"alwaysInjectSelector": [{"matchLabels": {"a": 1}}]}),
                "alwaysInjectSelector[0].matchLabels.a",
            ),
            (
                json!({"injectedAnnotations": {"a": true}}),
                "injectedAnnotations.a",
            ),
        ];
        for (input, field) in cases {
            let err = InjectorConfig::from_json(input.clone()).unwrap_err();
            assert_eq!(err.field, field, "{input}: {err}");
        }
        assert_eq!(InjectorConfig::from_str("- a").unwrap_err().field, "");
        assert!(InjectorConfig::from_str("templates: {").is_err());
    }

    proptest! {
        #[test]
        fn from_str_never_panics(text in ".{0,200}") {
            let _ = InjectorConfig::from_str(&text);
        }

        #[test]
        fn from_str_never_panics_on_yaml_like_text(text in "(policy|templates|aliases|neverInjectSelector)?[:\\[\\]{}\\- \n\"'a-z0-9]{0,120}") {
            let _ = InjectorConfig::from_str(&text);
        }
    }
}

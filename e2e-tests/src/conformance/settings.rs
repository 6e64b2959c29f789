//! The policy settings that stand for one case's Istio configuration.
//!
//! Names are the policy's (`values`, `meshConfig`, `injectorConfig`, `nativeSidecars`,
//! `compliancePolicy`, `platform`); the revision is left at its default, which is what
//! Istio's webhook runs with in the golden tests.

use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use istio_conformance::deep_merge;

use super::dataset::{Base, Case};

/// How the policy renders the sidecar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Renderer {
    /// No `injectorConfig`: the policy's native rendering of Istio's stock templates.
    Builtin,
    /// `injectorConfig` carries Istio's own templates, every one rendered by the Go-template
    /// engine (`stockTemplates: engine`).
    Templates,
    /// The same `injectorConfig` as users paste it: the chart's own templates are recognised
    /// and rendered natively, a case's custom ones by the engine.
    Recognized,
}

impl Renderer {
    pub const ALL: [Renderer; 3] = [Renderer::Builtin, Renderer::Templates, Renderer::Recognized];

    pub fn name(self) -> &'static str {
        match self {
            Renderer::Builtin => "builtin",
            Renderer::Templates => "templates",
            Renderer::Recognized => "recognized",
        }
    }
}

impl fmt::Display for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How `injectorConfig` is handed to the policy; the policy must accept both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfigForm {
    /// The ConfigMap's `config` text, as users paste it.
    #[default]
    Text,
    /// The same configuration parsed into an object.
    Object,
}

/// Settings for one case and renderer, or why the case cannot run with that renderer.
#[derive(Debug, Clone, PartialEq)]
pub enum Prepared {
    Settings(Value),
    Skip(String),
}

/// Builds settings from `base/` and the case's overlays.
pub struct SettingsBuilder<'a> {
    base: &'a Base,
    form: ConfigForm,
    /// `base/injector-config.yaml` parsed; only needed for the object form or for cases that
    /// add templates, so parsed on first use.
    parsed_config: OnceLock<Result<Value, String>>,
}

impl<'a> SettingsBuilder<'a> {
    pub fn new(base: &'a Base, form: ConfigForm) -> Self {
        SettingsBuilder {
            base,
            form,
            parsed_config: OnceLock::new(),
        }
    }

    pub fn settings(&self, case: &Case, renderer: Renderer) -> Result<Prepared, String> {
        let spec = &case.spec;
        let mut settings = Map::new();

        let mut values = self.base.values.clone();
        if let Some(overlay) = &spec.values {
            deep_merge(&mut values, overlay);
        }
        settings.insert("values".into(), values);

        let mut mesh = self.base.mesh.clone();
        if let Some(overlay) = &spec.mesh {
            deep_merge(&mut mesh, overlay);
        }
        settings.insert("meshConfig".into(), mesh);

        if let Some(native) = spec.native_sidecars {
            settings.insert("nativeSidecars".into(), Value::Bool(native));
        }
        if let Some(policy) = &spec.compliance_policy {
            settings.insert("compliancePolicy".into(), Value::String(policy.clone()));
        }
        if let Some(platform) = &spec.platform {
            settings.insert("platform".into(), Value::String(platform.clone()));
        }

        match renderer {
            Renderer::Builtin => {
                if !spec.templates.is_empty() {
                    let names = spec.templates.keys().cloned().collect::<Vec<_>>();
                    return Ok(Prepared::Skip(format!(
                        "custom template {}: needs the template renderer",
                        names.join(", ")
                    )));
                }
            }
            Renderer::Templates => {
                settings.insert("injectorConfig".into(), self.injector_config(case)?);
                settings.insert("stockTemplates".into(), Value::String("engine".into()));
            }
            Renderer::Recognized => {
                settings.insert("injectorConfig".into(), self.injector_config(case)?);
            }
        }
        Ok(Prepared::Settings(Value::Object(settings)))
    }

    /// `base/injector-config.yaml` with the case's templates added or replaced, in the
    /// configured form. Without custom templates the text goes through byte for byte.
    fn injector_config(&self, case: &Case) -> Result<Value, String> {
        let templates = &case.spec.templates;
        if templates.is_empty() && self.form == ConfigForm::Text {
            return Ok(Value::String(self.base.injector_config.clone()));
        }
        let mut config = self.parsed_config()?.clone();
        if !templates.is_empty() {
            let Some(object) = config.as_object_mut() else {
                return Err("base/injector-config.yaml is not a mapping".into());
            };
            let slot = object
                .entry("templates")
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(slot) = slot.as_object_mut() else {
                return Err("base/injector-config.yaml: templates is not a mapping".into());
            };
            for (name, text) in templates {
                slot.insert(name.clone(), Value::String(text.clone()));
            }
        }
        match self.form {
            ConfigForm::Object => Ok(config),
            ConfigForm::Text => serde_yaml_ng::to_string(&config)
                .map(Value::String)
                .map_err(|e| format!("cannot write the injector config as YAML: {e}")),
        }
    }

    fn parsed_config(&self) -> Result<&Value, String> {
        self.parsed_config
            .get_or_init(|| {
                serde_yaml_ng::from_str::<Value>(&self.base.injector_config)
                    .map_err(|e| format!("base/injector-config.yaml: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::dataset::CaseSpec;
    use serde_json::json;

    fn base() -> Base {
        Base {
            values: json!({"global": {"hub": "h", "proxy": {"image": "proxyv2", "resources": {
                "requests": {"cpu": "100m"}}}}, "pilot": {"cni": {"enabled": false}}}),
            mesh: json!({"defaultConfig": {"discoveryAddress": "istiod:15012"},
                         "trustDomain": "cluster.local"}),
            injector_config: "policy: enabled\ntemplates:\n  sidecar: |\n    spec: {}\n".into(),
        }
    }

    fn case(spec: CaseSpec) -> Case {
        Case {
            name: "c".into(),
            spec,
            input: String::new(),
            want: None,
        }
    }

    #[test]
    fn overlays_merge_maps_and_replace_the_rest_keeping_null() {
        let mut values = json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"});
        deep_merge(
            &mut values,
            &json!({"a": {"c": [3], "e": null}, "d": {"f": true}}),
        );
        assert_eq!(
            values,
            json!({"a": {"b": 1, "c": [3], "e": null}, "d": {"f": true}})
        );
    }

    #[test]
    fn builtin_settings_carry_values_mesh_and_flags_without_injector_config() {
        let base = base();
        let builder = SettingsBuilder::new(&base, ConfigForm::Text);
        let spec = CaseSpec {
            values: Some(json!({"global": {"proxy": {"resources": null}}})),
            mesh: Some(json!({"defaultConfig": {"drainDuration": "23s"}})),
            native_sidecars: Some(false),
            platform: Some("openshift".into()),
            compliance_policy: Some("fips-140-3".into()),
            ..CaseSpec::default()
        };
        let Prepared::Settings(settings) =
            builder.settings(&case(spec), Renderer::Builtin).unwrap()
        else {
            panic!("expected settings");
        };
        assert_eq!(
            settings,
            json!({
                "values": {"global": {"hub": "h", "proxy": {"image": "proxyv2", "resources": null}},
                           "pilot": {"cni": {"enabled": false}}},
                "meshConfig": {"defaultConfig": {"discoveryAddress": "istiod:15012",
                                                 "drainDuration": "23s"},
                               "trustDomain": "cluster.local"},
                "nativeSidecars": false,
                "compliancePolicy": "fips-140-3",
                "platform": "openshift"
            })
        );
    }

    #[test]
    fn custom_templates_skip_the_builtin_renderer_and_reach_the_template_one() {
        let base = base();
        let spec = CaseSpec {
            templates: [("custom".to_string(), "spec: {}\n".to_string())].into(),
            ..CaseSpec::default()
        };
        let case = case(spec);
        let builder = SettingsBuilder::new(&base, ConfigForm::Text);
        assert_eq!(
            builder.settings(&case, Renderer::Builtin).unwrap(),
            Prepared::Skip("custom template custom: needs the template renderer".into())
        );
        let Prepared::Settings(settings) = builder.settings(&case, Renderer::Templates).unwrap()
        else {
            panic!("expected settings");
        };
        let text = settings["injectorConfig"].as_str().unwrap();
        let parsed: Value = serde_yaml_ng::from_str(text).unwrap();
        assert_eq!(
            parsed,
            json!({"policy": "enabled", "templates": {"sidecar": "spec: {}\n",
                                                      "custom": "spec: {}\n"}})
        );

        let object_form = SettingsBuilder::new(&base, ConfigForm::Object);
        let Prepared::Settings(settings) =
            object_form.settings(&case, Renderer::Templates).unwrap()
        else {
            panic!("expected settings");
        };
        assert_eq!(settings["injectorConfig"], parsed);
    }

    #[test]
    fn without_custom_templates_the_config_text_is_passed_verbatim() {
        let base = base();
        let builder = SettingsBuilder::new(&base, ConfigForm::Text);
        let Prepared::Settings(settings) = builder
            .settings(&case(CaseSpec::default()), Renderer::Templates)
            .unwrap()
        else {
            panic!("expected settings");
        };
        assert_eq!(settings["injectorConfig"], json!(base.injector_config));
        assert!(settings.get("nativeSidecars").is_none());
    }
}

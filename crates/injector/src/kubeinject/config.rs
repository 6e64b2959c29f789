//! The Istio configuration kube-inject injects with, assembled from the texts istioctl reads
//! (`setupKubeInjectParameters`, `readInjectConfigFile`, `getIOPConfigs`), with Istio's
//! defaults where istioctl would have asked the cluster.
//!
//! No I/O here: the caller hands the texts over through a [`TextSource`], asked in istioctl's
//! order so that the first failure reported is istioctl's first failure. The command line reads
//! files; the browser playground hands over what was pasted.

use serde_json::Value;

use crate::config::{InjectorConfig, MeshConfig, SIDECAR_TEMPLATE, Values, parse_document};
use crate::error::ConfigError;

/// The configuration inputs, as istioctl's flags name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigInput {
    /// `--injectConfigFile`: the `config` of ConfigMap istio-sidecar-injector.
    InjectConfig,
    /// `--valuesFile`: the `values` of ConfigMap istio-sidecar-injector.
    Values,
    /// `--meshConfigFile`: the `mesh` of ConfigMap istio.
    Mesh,
    /// `--operatorFileName`: an IstioOperator.
    Operator,
}

/// Where the texts come from. `Ok(None)`: the input was not given (Istio's defaults apply);
/// `Err`: it was given but cannot be read, with the message to report.
pub trait TextSource {
    fn text(&mut self, input: ConfigInput) -> Result<Option<String>, String>;
}

/// How the injector config text was understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectConfigForm {
    /// A whole injector `Config` (the ConfigMap's `config` key) with templates.
    Config,
    /// Anything else: the text is the `sidecar` template.
    BareTemplate,
}

/// The three configuration objects, and which of them are Istio's defaults.
#[derive(Debug, Clone)]
pub struct Assembled {
    pub config: InjectorConfig,
    pub values: Values,
    pub mesh: MeshConfig,
    /// How the injector config was read; `None`: not given, the built-in renderer.
    pub inject_config_form: Option<InjectConfigForm>,
    /// No values text: Istio's default values (with the operator's `spec.values` over them
    /// when `operator_values` is set).
    pub default_values: bool,
    /// An IstioOperator's `spec.values` were laid over the values.
    pub operator_values: bool,
    /// Neither a mesh text nor an operator `spec.meshConfig`: Istio's default mesh config.
    pub default_mesh: bool,
}

/// Why the configuration could not be assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssembleError {
    /// The source could not read an input; its message, as it gave it.
    Read(String),
    /// An input (or `what` part of it, e.g. `spec.values`) is not a valid configuration.
    Invalid {
        input: ConfigInput,
        what: &'static str,
        error: ConfigError,
    },
    /// The operator text is not an IstioOperator of the expected shape.
    Operator(String),
}

impl AssembleError {
    /// The message, prefixed with `origin` (a file name, an editor's name) where istioctl
    /// names the file.
    pub fn describe(&self, origin: &str) -> String {
        match self {
            AssembleError::Read(message) => message.clone(),
            AssembleError::Invalid { what, error, .. } if error.field.is_empty() => {
                format!("{origin}: invalid {what}: {}", error.message)
            }
            AssembleError::Invalid { what, error, .. } => {
                format!(
                    "{origin}: invalid {what}: {}: {}",
                    error.field, error.message
                )
            }
            AssembleError::Operator(message) => format!("{origin}: {message}"),
        }
    }

    /// The input at fault, when one is (not for read errors).
    pub fn input(&self) -> Option<ConfigInput> {
        match self {
            AssembleError::Read(_) => None,
            AssembleError::Invalid { input, .. } => Some(*input),
            AssembleError::Operator(_) => Some(ConfigInput::Operator),
        }
    }
}

/// Reads every input in istioctl's order; an input not given falls back to Istio's defaults.
pub fn assemble(source: &mut dyn TextSource) -> Result<Assembled, AssembleError> {
    let read = |source: &mut dyn TextSource, input| source.text(input).map_err(AssembleError::Read);
    let invalid = |input, what| move |error| AssembleError::Invalid { input, what, error };

    let (config, inject_config_form) = match read(source, ConfigInput::InjectConfig)? {
        Some(text) => {
            let (config, form) = read_inject_config(&text);
            (config, Some(form))
        }
        None => (InjectorConfig::builtin(), None),
    };

    let operator = match read(source, ConfigInput::Operator)? {
        Some(text) => {
            let document =
                parse_document(&text).map_err(invalid(ConfigInput::Operator, "IstioOperator"))?;
            Some(parse_operator(&document).map_err(AssembleError::Operator)?)
        }
        None => None,
    };

    let values_text = read(source, ConfigInput::Values)?;
    let default_values = values_text.is_none();
    let mut values = match values_text {
        Some(text) => Values::from_str(&text).map_err(invalid(ConfigInput::Values, "values"))?,
        None => Values::istio_defaults(),
    };
    let overlay = operator.as_ref().and_then(|op| op.values.as_ref());
    if let Some(overlay) = overlay {
        // Helm installs an IstioOperator's values over the chart's: the cluster's ConfigMap
        // then holds both, which is what the templates expect to see.
        values = Values::from_json(values.overlay(overlay).raw().clone())
            .map_err(invalid(ConfigInput::Operator, "spec.values"))?;
    }

    // An operator's meshConfig replaces the mesh text, which istioctl then does not read.
    let operator_mesh = operator.as_ref().and_then(|op| op.mesh_config.as_ref());
    let (mesh, default_mesh) = match operator_mesh {
        Some(mesh) => (
            MeshConfig::from_json(mesh.clone())
                .map_err(invalid(ConfigInput::Operator, "spec.meshConfig"))?,
            false,
        ),
        None => match read(source, ConfigInput::Mesh)? {
            Some(text) => (
                MeshConfig::from_str(&text).map_err(invalid(ConfigInput::Mesh, "mesh config"))?,
                false,
            ),
            None => (MeshConfig::istio_defaults(), true),
        },
    };

    Ok(Assembled {
        config,
        values,
        mesh,
        inject_config_form,
        default_values,
        operator_values: overlay.is_some(),
        default_mesh,
    })
}

/// istioctl's rule: the text is a whole injector config when it reads as one and has
/// templates; otherwise (not YAML, not a mapping, a field of the wrong type, no `templates`)
/// the whole text is the `sidecar` template. Template syntax is checked later, when the
/// injector parses every template.
pub fn read_inject_config(text: &str) -> (InjectorConfig, InjectConfigForm) {
    let parsed = parse_document(text)
        .ok()
        .and_then(|value| InjectorConfig::from_json(value).ok())
        .filter(|config| !config.templates.is_empty());
    match parsed {
        Some(config) => (config, InjectConfigForm::Config),
        None => {
            let mut config = InjectorConfig::builtin();
            config
                .templates
                .insert(SIDECAR_TEMPLATE.to_string(), text.into());
            (config, InjectConfigForm::BareTemplate)
        }
    }
}

/// The parts of an IstioOperator kube-inject uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operator {
    pub values: Option<Value>,
    pub mesh_config: Option<Value>,
}

/// `spec.values` and `spec.meshConfig` of an IstioOperator document.
pub fn parse_operator(document: &Value) -> Result<Operator, String> {
    let Some(object) = document.as_object() else {
        return Err("an IstioOperator must be a mapping".to_string());
    };
    if let Some(kind) = object.get("kind").and_then(Value::as_str)
        && kind != "IstioOperator"
    {
        return Err(format!("expected kind IstioOperator, got {kind:?}"));
    }
    let spec = match object.get("spec") {
        None | Some(Value::Null) => return Ok(Operator::default()),
        Some(Value::Object(spec)) => spec,
        Some(_) => return Err("spec must be a mapping".to_string()),
    };
    let part = |name: &str| match spec.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value @ Value::Object(_)) => Ok(Some(value.clone())),
        Some(_) => Err(format!("spec.{name} must be a mapping")),
    };
    Ok(Operator {
        values: part("values")?,
        mesh_config: part("meshConfig")?,
    })
}

/// istioctl renders the `default` revision as no revision.
pub fn revision(flag: &str) -> &str {
    if flag == "default" { "" } else { flag }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    /// Texts by input; anything else is not given.
    struct Texts(BTreeMap<&'static str, &'static str>, Vec<ConfigInput>);

    impl Texts {
        fn of(pairs: &[(&'static str, &'static str)]) -> Texts {
            Texts(pairs.iter().copied().collect(), Vec::new())
        }
    }

    impl TextSource for Texts {
        fn text(&mut self, input: ConfigInput) -> Result<Option<String>, String> {
            self.1.push(input);
            let key = match input {
                ConfigInput::InjectConfig => "config",
                ConfigInput::Values => "values",
                ConfigInput::Mesh => "mesh",
                ConfigInput::Operator => "operator",
            };
            match self.0.get(key) {
                Some(&"unreadable") => Err(format!("open {key}: permission denied")),
                other => Ok(other.map(|text| text.to_string())),
            }
        }
    }

    #[test]
    fn a_config_with_templates_is_a_whole_config() {
        let text = "policy: enabled\ntemplates:\n  sidecar: |\n    spec: {}\n  extra: |\n    metadata: {}\n";
        let (config, form) = read_inject_config(text);
        assert_eq!(form, InjectConfigForm::Config);
        assert_eq!(
            config.templates.keys().collect::<Vec<_>>(),
            ["extra", "sidecar"]
        );
        assert_eq!(config.templates["sidecar"], "spec: {}\n");
    }

    #[test]
    fn anything_else_is_the_sidecar_template() {
        // Go template text is often not YAML at all.
        for text in [
            "spec:\n  containers:\n  {{ range .Spec.Containers }}\n  - name: {{ .Name }}\n  {{ end }}\n",
            // YAML, but without templates (the pre-1.9 `template:` key, a template pod).
            "policy: enabled\ntemplate: |\n  spec: {}\n",
            "spec:\n  containers:\n  - name: istio-proxy\n",
            // A config whose fields have the wrong types.
            "templates: [a, b]\n",
            "",
            "just text",
        ] {
            let (config, form) = read_inject_config(text);
            assert_eq!(form, InjectConfigForm::BareTemplate, "{text:?}");
            assert_eq!(config.templates.len(), 1);
            assert_eq!(config.templates[SIDECAR_TEMPLATE], text);
        }
    }

    #[test]
    fn operator_values_and_mesh_come_from_spec() {
        let document = json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator",
            "spec": {"values": {"global": {"hub": "example.com"}},
                     "meshConfig": {"trustDomain": "example.org"},
                     "components": {"cni": {"enabled": true}}}});
        let operator = parse_operator(&document).unwrap();
        assert_eq!(
            operator.values,
            Some(json!({"global": {"hub": "example.com"}}))
        );
        assert_eq!(
            operator.mesh_config,
            Some(json!({"trustDomain": "example.org"}))
        );
        assert_eq!(
            parse_operator(&json!({"kind": "IstioOperator"})).unwrap(),
            Operator::default()
        );
    }

    #[test]
    fn operator_documents_of_the_wrong_shape_are_refused() {
        assert!(
            parse_operator(&json!({"kind": "Deployment", "spec": {}}))
                .unwrap_err()
                .contains("IstioOperator")
        );
        assert!(parse_operator(&json!([1])).is_err());
        assert_eq!(
            parse_operator(&json!({"spec": {"values": [1]}})).unwrap_err(),
            "spec.values must be a mapping"
        );
    }

    #[test]
    fn nothing_given_means_istio_defaults() {
        let assembled = assemble(&mut Texts::of(&[])).unwrap();
        assert!(assembled.config.templates.is_empty());
        assert_eq!(assembled.inject_config_form, None);
        assert_eq!(assembled.values, Values::istio_defaults());
        assert_eq!(assembled.mesh, MeshConfig::istio_defaults());
        assert!(assembled.default_values && assembled.default_mesh);
        assert!(!assembled.operator_values);
    }

    #[test]
    fn operator_values_overlay_the_values_and_its_mesh_replaces_the_mesh() {
        let mut texts = Texts::of(&[
            ("values", r#"{"global": {"hub": "a.io", "tag": "1.0"}}"#),
            ("mesh", "unreadable"),
            (
                "operator",
                "kind: IstioOperator\nspec:\n  values:\n    global:\n      hub: b.io\n  meshConfig:\n    trustDomain: from-iop.org\n",
            ),
        ]);
        let assembled = assemble(&mut texts).unwrap();
        assert_eq!(assembled.values.hub(), "b.io");
        assert_eq!(assembled.values.tag(), "1.0");
        assert_eq!(assembled.mesh.trust_domain(), "from-iop.org");
        assert!(!assembled.default_values && !assembled.default_mesh);
        assert!(assembled.operator_values);
        // The mesh text is never asked for, so it cannot fail.
        assert!(!texts.1.contains(&ConfigInput::Mesh));
    }

    #[test]
    fn inputs_are_read_in_istioctls_order_and_the_first_failure_wins() {
        let mut texts = Texts::of(&[("values", "global: [1"), ("mesh", "unreadable")]);
        let error = assemble(&mut texts).unwrap_err();
        assert_eq!(error.input(), Some(ConfigInput::Values));
        assert!(
            error
                .describe("v.yaml")
                .starts_with("v.yaml: invalid values: "),
            "{error:?}"
        );
        assert_eq!(
            texts.1,
            [
                ConfigInput::InjectConfig,
                ConfigInput::Operator,
                ConfigInput::Values
            ]
        );
    }

    #[test]
    fn invalid_settings_name_the_origin_and_the_field() {
        let error = assemble(&mut Texts::of(&[(
            "mesh",
            "defaultConfig:\n  drainDuration: soon\n",
        )]))
        .unwrap_err();
        let text = error.describe("mesh.yaml");
        assert!(
            text.starts_with("mesh.yaml: invalid mesh config: "),
            "{text}"
        );
        assert!(text.contains("defaultConfig.drainDuration"), "{text}");
        let error = assemble(&mut Texts::of(&[("operator", "kind: Deployment\n")])).unwrap_err();
        assert_eq!(
            error.describe("iop.yaml"),
            "iop.yaml: expected kind IstioOperator, got \"Deployment\""
        );
    }

    #[test]
    fn the_default_revision_is_rendered_as_none() {
        assert_eq!(revision("default"), "");
        assert_eq!(revision(""), "");
        assert_eq!(revision("canary"), "canary");
    }
}

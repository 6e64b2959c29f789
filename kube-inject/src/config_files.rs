//! The Istio configuration from the files given on the command line, read the way istioctl
//! reads them (`setupKubeInjectParameters`, `readInjectConfigFile`, `getIOPConfigs`), and
//! Istio's defaults where istioctl would have asked the cluster.

use std::path::Path;

use injector::ConfigError;
use injector::config::{InjectorConfig, MeshConfig, SIDECAR_TEMPLATE, Values, parse_document};
use serde_json::Value;

use crate::files;

/// The configuration files named on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfigFiles<'a> {
    pub inject_config: Option<&'a Path>,
    pub mesh_config: Option<&'a Path>,
    pub values: Option<&'a Path>,
    pub operator: Option<&'a Path>,
}

/// The three configuration objects, and notes for stderr on how they were made (defaults
/// used, a file taken as a bare template).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: InjectorConfig,
    pub values: Values,
    pub mesh: MeshConfig,
    pub notes: Vec<String>,
}

/// How `--injectConfigFile` was understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectConfigForm {
    /// A whole injector `Config` (the ConfigMap's `config` key) with templates.
    Config,
    /// Anything else: the file's text is the `sidecar` template.
    BareTemplate,
}

/// Reads every configuration file; a file not given falls back to Istio's defaults.
pub fn load(files: &ConfigFiles<'_>) -> Result<Loaded, String> {
    let mut notes = Vec::new();

    let config = match files.inject_config {
        Some(path) => {
            let text = files::read_text(path)?;
            let (config, form) = read_inject_config(&text);
            if form == InjectConfigForm::BareTemplate {
                notes.push(format!(
                    "{}: not an injector config with templates; the whole file is the \
                     sidecar template",
                    path.display()
                ));
            }
            config
        }
        None => {
            notes.push(
                "no --injectConfigFile: the built-in renderer produces what Istio's stock \
                 sidecar template would"
                    .to_string(),
            );
            InjectorConfig::builtin()
        }
    };

    let operator = match files.operator {
        Some(path) => Some(read_operator(path)?),
        None => None,
    };

    let mut values = match files.values {
        Some(path) => {
            let text = files::read_text(path)?;
            Values::from_str(&text).map_err(|e| config_error(path, "values", &e))?
        }
        None => {
            let values = Values::istio_defaults();
            let over = if operator.as_ref().is_some_and(|(_, op)| op.values.is_some()) {
                "the IstioOperator's spec.values over "
            } else {
                ""
            };
            notes.push(format!(
                "no --valuesFile: {over}the values of a default Istio install (hub {}, tag {})",
                values.hub(),
                values.tag()
            ));
            values
        }
    };
    if let Some((path, Some(overlay))) = operator
        .as_ref()
        .map(|(path, op)| (path, op.values.as_ref()))
    {
        // Helm installs an IstioOperator's values over the chart's: the cluster's ConfigMap
        // then holds both, which is what the templates expect to see.
        values = Values::from_json(values.overlay(overlay).raw().clone())
            .map_err(|e| config_error(path, "spec.values", &e))?;
    }

    let operator_mesh = operator
        .as_ref()
        .and_then(|(path, op)| op.mesh_config.as_ref().map(|mesh| (path, mesh)));
    let mesh = match (operator_mesh, files.mesh_config) {
        (Some((path, mesh)), _) => MeshConfig::from_json(mesh.clone())
            .map_err(|e| config_error(path, "spec.meshConfig", &e))?,
        (None, Some(path)) => {
            let text = files::read_text(path)?;
            MeshConfig::from_str(&text).map_err(|e| config_error(path, "mesh config", &e))?
        }
        (None, None) => {
            notes.push(
                "no --meshConfigFile: the mesh config of a default Istio install".to_string(),
            );
            MeshConfig::istio_defaults()
        }
    };

    Ok(Loaded {
        config,
        values,
        mesh,
        notes,
    })
}

/// istioctl's rule: the file is a whole injector config when it reads as one and has
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
                .insert(SIDECAR_TEMPLATE.to_string(), text.to_string());
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

fn read_operator(path: &Path) -> Result<(&Path, Operator), String> {
    let text = files::read_text(path)?;
    let document = parse_document(&text).map_err(|e| config_error(path, "IstioOperator", &e))?;
    parse_operator(&document)
        .map(|operator| (path, operator))
        .map_err(|e| format!("{}: {e}", path.display()))
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

fn config_error(path: &Path, what: &str, error: &ConfigError) -> String {
    if error.field.is_empty() {
        format!("{}: invalid {what}: {}", path.display(), error.message)
    } else {
        format!(
            "{}: invalid {what}: {}: {}",
            path.display(),
            error.field,
            error.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn operator_files_of_the_wrong_shape_are_refused() {
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
    fn missing_files_fall_back_to_istio_defaults_and_say_so() {
        let loaded = load(&ConfigFiles::default()).unwrap();
        assert!(loaded.config.templates.is_empty());
        assert_eq!(loaded.values, Values::istio_defaults());
        assert_eq!(loaded.mesh, MeshConfig::istio_defaults());
        assert_eq!(loaded.notes.len(), 3);
    }

    #[test]
    fn operator_values_overlay_the_values_file_and_its_mesh_replaces_the_mesh_file() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let values = dir.join("values.json");
        std::fs::write(&values, r#"{"global": {"hub": "a.io", "tag": "1.0"}}"#).unwrap();
        let mesh = dir.join("mesh.yaml");
        std::fs::write(&mesh, "trustDomain: from-file.org\n").unwrap();
        let iop = dir.join("iop.yaml");
        std::fs::write(
            &iop,
            "kind: IstioOperator\nspec:\n  values:\n    global:\n      hub: b.io\n  meshConfig:\n    trustDomain: from-iop.org\n",
        )
        .unwrap();
        let loaded = load(&ConfigFiles {
            values: Some(&values),
            mesh_config: Some(&mesh),
            operator: Some(&iop),
            ..ConfigFiles::default()
        })
        .unwrap();
        assert_eq!(loaded.values.hub(), "b.io");
        assert_eq!(loaded.values.tag(), "1.0");
        assert_eq!(loaded.mesh.trust_domain(), "from-iop.org");
        // Only the renderer came from defaults.
        assert_eq!(loaded.notes.len(), 1);
    }

    #[test]
    fn invalid_settings_name_the_file_and_the_field() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let mesh = dir.join("mesh.yaml");
        std::fs::write(&mesh, "defaultConfig:\n  drainDuration: soon\n").unwrap();
        let error = load(&ConfigFiles {
            mesh_config: Some(&mesh),
            ..ConfigFiles::default()
        })
        .unwrap_err();
        assert!(error.starts_with(&format!("{}: invalid mesh config: ", mesh.display())));
        assert!(error.contains("defaultConfig.drainDuration"), "{error}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        proptest! {
            /// Whatever the file holds, it is read (never a panic), and a bare template keeps
            /// the text byte for byte.
            #[test]
            fn any_text_is_a_config_or_the_sidecar_template(text in "(?s).{0,200}") {
                let (config, form) = read_inject_config(&text);
                match form {
                    InjectConfigForm::Config => prop_assert!(!config.templates.is_empty()),
                    InjectConfigForm::BareTemplate => {
                        prop_assert_eq!(config.templates.len(), 1);
                        prop_assert_eq!(&config.templates[SIDECAR_TEMPLATE], &text);
                    }
                }
            }

            /// A config written by any YAML writer comes back with the same templates.
            #[test]
            fn written_configs_are_read_back_whole(
                templates in proptest::collection::btree_map(
                    "[a-z][a-z0-9-]{0,12}", "(?s).{0,80}", 1..5),
                policy in prop_oneof![Just("enabled"), Just("disabled")],
            ) {
                let document = json!({"policy": policy, "templates": templates});
                let text = serde_yaml_ng::to_string(&document).unwrap();
                let (config, form) = read_inject_config(&text);
                prop_assert_eq!(form, InjectConfigForm::Config);
                let read: BTreeMap<String, String> = config.templates.into_iter().collect();
                prop_assert_eq!(read, templates);
            }
        }
    }
}

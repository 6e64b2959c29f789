//! The Istio configuration from the files given on the command line: the files are read
//! here, and assembled as istioctl assembles them by the injector library
//! ([`injector::kubeinject::config`]), which the browser playground shares.

use std::path::Path;

use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::kubeinject::config::{
    self as assembly, AssembleError, ConfigInput, InjectConfigForm, TextSource,
};

use crate::files;

/// The configuration files named on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfigFiles<'a> {
    pub inject_config: Option<&'a Path>,
    pub mesh_config: Option<&'a Path>,
    pub values: Option<&'a Path>,
    pub operator: Option<&'a Path>,
}

impl ConfigFiles<'_> {
    fn path(&self, input: ConfigInput) -> Option<&Path> {
        match input {
            ConfigInput::InjectConfig => self.inject_config,
            ConfigInput::Values => self.values,
            ConfigInput::Mesh => self.mesh_config,
            ConfigInput::Operator => self.operator,
        }
    }
}

impl TextSource for ConfigFiles<'_> {
    fn text(&mut self, input: ConfigInput) -> Result<Option<String>, String> {
        self.path(input).map(files::read_text).transpose()
    }
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

/// Reads every configuration file; a file not given falls back to Istio's defaults.
pub fn load(files: &ConfigFiles<'_>) -> Result<Loaded, String> {
    let mut source = *files;
    let assembled = assembly::assemble(&mut source).map_err(|e| describe(files, &e))?;
    let mut notes = Vec::new();
    match (assembled.inject_config_form, files.inject_config) {
        (Some(InjectConfigForm::BareTemplate), Some(path)) => notes.push(format!(
            "{}: not an injector config with templates; the whole file is the sidecar template",
            path.display()
        )),
        (None, _) => notes.push(
            "no --injectConfigFile: the built-in renderer produces what Istio's stock \
             sidecar template would"
                .to_string(),
        ),
        _ => {}
    }
    if assembled.default_values {
        let over = if assembled.operator_values {
            "the IstioOperator's spec.values over "
        } else {
            ""
        };
        notes.push(format!(
            "no --valuesFile: {over}the values of a default Istio install (hub {}, tag {})",
            assembled.values.hub(),
            assembled.values.tag()
        ));
    }
    if assembled.default_mesh {
        notes.push("no --meshConfigFile: the mesh config of a default Istio install".to_string());
    }
    Ok(Loaded {
        config: assembled.config,
        values: assembled.values,
        mesh: assembled.mesh,
        notes,
    })
}

/// istioctl names the file at fault.
fn describe(files: &ConfigFiles<'_>, error: &AssembleError) -> String {
    let path = error
        .input()
        .and_then(|input| files.path(input))
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    error.describe(&path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        use injector::config::SIDECAR_TEMPLATE;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        proptest! {
            /// Whatever the file holds, it is read (never a panic), and a bare template keeps
            /// the text byte for byte.
            #[test]
            fn any_text_is_a_config_or_the_sidecar_template(text in "(?s).{0,200}") {
                let (config, form) = assembly::read_inject_config(&text);
                match form {
                    InjectConfigForm::Config => prop_assert!(!config.templates.is_empty()),
                    InjectConfigForm::BareTemplate => {
                        prop_assert_eq!(config.templates.len(), 1);
                        prop_assert_eq!(config.templates[SIDECAR_TEMPLATE].as_str(), text.as_str());
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
                let (config, form) = assembly::read_inject_config(&text);
                prop_assert_eq!(form, InjectConfigForm::Config);
                let read: BTreeMap<String, String> = config
                    .templates
                    .into_iter()
                    .map(|(name, text)| (name, text.as_str().to_owned()))
                    .collect();
                prop_assert_eq!(read, templates);
            }
        }
    }
}

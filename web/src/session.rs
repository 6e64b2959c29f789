//! One configuration of the page, assembled as `kube-inject` assembles its files, and the two
//! injectors built from it: `kube-inject`'s (for the injected YAML) and the admission
//! webhook's (for the cluster decision and the policy's patch).

use injector::kubeinject::config::{
    self as assembly, AssembleError, Assembled, ConfigInput, InjectConfigForm, TextSource,
};
use injector::{ConfigError, Injector, Mode, Options};

use crate::locate::{self, Editor, Problem};
use crate::settings::{Settings, given};

/// The revision the policy calls the unnamed one.
const DEFAULT_REVISION: &str = "default";

pub struct Session {
    pub(crate) settings: Settings,
    /// `kube-inject`'s injector.
    pub(crate) kube_inject: Injector,
    /// The admission webhook's (the policy's) injector.
    pub(crate) webhook: Injector,
    /// How the injector config editor was read (`None`: empty).
    form: Option<InjectConfigForm>,
    /// How the configuration was made, in the page's words.
    notes: Vec<String>,
}

/// The editors as a [`TextSource`]; there is no IstioOperator editor.
struct Editors<'a>(&'a Settings);

impl TextSource for Editors<'_> {
    fn text(&mut self, input: ConfigInput) -> Result<Option<String>, String> {
        let text = match input {
            ConfigInput::InjectConfig => given(&self.0.config),
            ConfigInput::Values => given(&self.0.values),
            ConfigInput::Mesh => given(&self.0.mesh),
            ConfigInput::Operator => None,
        };
        Ok(text.map(str::to_string))
    }
}

impl Session {
    pub fn new(settings: Settings) -> Result<Session, Problem> {
        let assembled = assembly::assemble(&mut Editors(&settings))
            .map_err(|e| assemble_problem(&settings, &e))?;
        let notes = notes(&assembled);
        let Assembled {
            config,
            values,
            mesh,
            inject_config_form,
            ..
        } = assembled;
        let options = Options {
            revision: assembly::revision(&settings.revision).to_string(),
            native_sidecars: settings.native_sidecars,
            compliance_policy: settings.compliance_policy.trim().to_string(),
            mode: Mode::KubeInject,
            ..Options::default()
        };
        let webhook_options = Options {
            revision: match settings.revision.trim() {
                "" => DEFAULT_REVISION.to_string(),
                revision => revision.to_string(),
            },
            mode: Mode::Webhook,
            ..options.clone()
        };
        let template_problem =
            |e: ConfigError| config_problem(&settings, inject_config_form, &e.to_string());
        let kube_inject = Injector::new(config.clone(), values.clone(), mesh.clone(), options)
            .map_err(template_problem)?;
        let webhook =
            Injector::new(config, values, mesh, webhook_options).map_err(template_problem)?;
        Ok(Session {
            settings,
            kube_inject,
            webhook,
            form: inject_config_form,
            notes,
        })
    }

    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Locates an error met while injecting: a template's, in the config editor.
    pub(crate) fn template_problem(&self, message: &str) -> Option<Problem> {
        locate::template_position(message)
            .map(|_| config_problem(&self.settings, self.form, message))
    }
}

fn notes(assembled: &Assembled) -> Vec<String> {
    let mut notes = Vec::new();
    match assembled.inject_config_form {
        None => notes.push(
            "No injector config: the built-in renderer produces what Istio's stock sidecar \
             template would."
                .to_string(),
        ),
        Some(InjectConfigForm::BareTemplate) => notes.push(
            "The injector config has no templates: the whole text is the sidecar template."
                .to_string(),
        ),
        Some(InjectConfigForm::Config) => {}
    }
    if assembled.default_values {
        notes.push(format!(
            "No values: those of a default Istio install (hub {}, tag {}).",
            assembled.values.hub(),
            assembled.values.tag()
        ));
    }
    if assembled.default_mesh {
        notes.push("No mesh config: that of a default Istio install.".to_string());
    }
    notes
}

fn assemble_problem(settings: &Settings, error: &AssembleError) -> Problem {
    let (editor, text, origin) = match error.input() {
        Some(ConfigInput::Values) => (Editor::Values, &settings.values, "values"),
        Some(ConfigInput::Mesh) => (Editor::Mesh, &settings.mesh, "mesh"),
        _ => (Editor::Config, &settings.config, "config"),
    };
    let message = error.describe(origin);
    let (line, column) = match locate::yaml_position(&message) {
        Some((line, column)) => (Some(line), column),
        // A field error: point at the field's key when it is written out.
        None => match error {
            AssembleError::Invalid { error, .. } => (key_line(text, &error.field), None),
            _ => (None, None),
        },
    };
    Problem::new(editor, message).at(line, column)
}

/// The 1-based line where the last segment of a dotted field path is written as a key.
fn key_line(text: &str, field: &str) -> Option<usize> {
    let key = field.rsplit('.').next().filter(|k| !k.is_empty())?;
    text.lines()
        .position(|line| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            trimmed
                .strip_prefix(key)
                .or_else(|| trimmed.strip_prefix(&format!("\"{key}\"")))
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|index| index + 1)
}

/// A template error, at its line and column in the config editor.
fn config_problem(settings: &Settings, form: Option<InjectConfigForm>, message: &str) -> Problem {
    let problem = Problem::new(Editor::Config, message);
    let Some((name, line, column)) = locate::template_position(message) else {
        return problem;
    };
    match form {
        Some(InjectConfigForm::BareTemplate) => problem.at(Some(line), column),
        Some(InjectConfigForm::Config) => match locate::template_start(&settings.config, name) {
            Some((start, indent)) => problem.at(Some(start + line - 1), column.map(|c| c + indent)),
            None => problem,
        },
        None => problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(config: &str) -> Settings {
        Settings {
            config: config.to_string(),
            ..Settings::default()
        }
    }

    #[test]
    fn the_defaults_say_they_are_defaults() {
        let session = Session::new(Settings::default()).unwrap();
        assert_eq!(session.notes().len(), 3);
        assert!(session.kube_inject.config().templates.is_empty());
    }

    #[test]
    fn a_broken_bare_template_points_at_its_line_and_column() {
        let problem = Session::new(settings("spec:\n  containers:\n  - name: {{ .Foo }\n"))
            .err()
            .unwrap();
        assert_eq!(problem.editor, Editor::Config);
        assert_eq!(problem.line, Some(3));
        assert!(problem.column.is_some(), "{problem:?}");
        assert!(
            problem.message.contains("template: sidecar:3:"),
            "{problem:?}"
        );
    }

    #[test]
    fn a_broken_template_in_a_config_points_into_the_config() {
        let config =
            "policy: enabled\ntemplates:\n  sidecar: |\n    spec:\n      containers: {{ if }}\n";
        let problem = Session::new(settings(config)).err().unwrap();
        assert_eq!(problem.line, Some(5), "{problem:?}");
    }

    #[test]
    fn invalid_values_point_at_the_values_editor() {
        let problem = Session::new(Settings {
            values: "global: [1\n".to_string(),
            ..Settings::default()
        })
        .err()
        .unwrap();
        assert_eq!(problem.editor, Editor::Values);
        assert!(
            problem.message.starts_with("values: invalid values"),
            "{problem:?}"
        );
    }

    #[test]
    fn field_errors_point_at_the_key() {
        let problem = Session::new(Settings {
            mesh: "trustDomain: a.org\ndefaultConfig:\n  drainDuration: soon\n".to_string(),
            ..Settings::default()
        })
        .err()
        .unwrap();
        assert_eq!(problem.editor, Editor::Mesh);
        assert_eq!(problem.line, Some(3), "{problem:?}");
    }
}

//! Errors of the injection core.

use thiserror::Error;

/// A configuration input (values, mesh config, injector config, settings) is invalid.
///
/// `field` is the dotted path of the offending field as the user wrote it (for example
/// `values.global.proxy.statusPort` or `meshConfig.defaultConfig.drainDuration`), so that a
/// policy's `validate_settings` can name it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error, with `prefix.` put in front of the field path.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

/// Injection of one pod failed; the pod must be rejected with this message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InjectError {
    /// The pod's injection annotations are invalid (Istio's `validateAnnotations`).
    #[error("{0}")]
    InvalidAnnotations(String),
    /// `inject.istio.io/templates` (or the defaults) names a template that does not exist.
    #[error("requested template {name:?} not found; have {have}")]
    TemplateNotFound { name: String, have: String },
    /// A template the pod selects does not parse (configurations whose templates are parsed
    /// on first use, see [`Injector::with_lazy_templates`](crate::Injector::with_lazy_templates)).
    #[error("invalid injection template: {0}")]
    InvalidTemplate(ConfigError),
    /// Rendering a template failed, or its output is not a valid pod overlay.
    #[error("failed to render template: {0}")]
    Render(String),
    /// Merging the template into the pod failed.
    #[error("failed to merge template into pod: {0}")]
    Merge(String),
    /// The pod itself is malformed (not an object, wrong field types …).
    #[error("invalid pod: {0}")]
    InvalidPod(String),
    /// Post-processing (probes, Prometheus merge, overrides …) failed.
    #[error("{0}")]
    PostProcess(String),
}

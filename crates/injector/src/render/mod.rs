//! The render step: turn a pod and the injection settings into a partial Pod (the "template
//! pod") that the pipeline strategic-merges into the pod.
//!
//! Istio renders Go templates here. Two renderers fill the same slot:
//! [`builtin`] builds the overlay of Istio's stock templates in Rust, with no template text;
//! `template` renders the cluster's own templates with our Go-template engine.

pub mod builtin;
pub mod istio_funcs;
pub mod template;

use crate::config::{MeshConfig, ProxyConfig, Values};
use crate::deploymeta::DeployMeta;
use crate::error::InjectError;
use serde_json::Value;

/// Everything a template can see: Istio's `SidecarTemplateData` (reference §2.2).
///
/// Field names follow Istio's Go struct so that the template renderer can expose them
/// under the names templates use (`.ObjectMeta`, `.Spec`, `.ProxyConfig` …).
#[derive(Debug, Clone, Copy)]
pub struct TemplateData<'a> {
    /// The owning workload (`.TypeMeta`, `.DeploymentMeta`).
    pub deploy_meta: &'a DeployMeta,
    /// `.ObjectMeta`: the pod's metadata after re-injection clean-up.
    pub object_meta: &'a Value,
    /// `.Spec`: the pod's spec after clean-up, with `proxy.istio.io/overrides` re-inserted.
    pub spec: &'a Value,
    /// `.ProxyConfig`: mesh `defaultConfig` with the pod's `proxy.istio.io/config` applied.
    pub proxy_config: &'a ProxyConfig,
    pub mesh_config: &'a MeshConfig,
    pub values: &'a Values,
    /// `.Revision`: the istiod revision (`""` means `default` to the templates).
    pub revision: &'a str,
    /// `.NativeSidecars`: the injector's decision before the pod annotation is consulted.
    pub native_sidecars: bool,
    pub proxy_image: &'a str,
    pub proxy_init_image: &'a str,
    pub proxy_uid: i64,
    pub proxy_gid: i64,
    /// `"passthrough"` or `"localhost"`.
    pub inbound_traffic_policy_mode: &'a str,
    /// istiod's `COMPLIANCE_POLICY` (`""` when unset).
    pub compliance_policy: &'a str,
}

/// Who renders the templates of a configuration that are Istio's stock text (see
/// [`builtin::stock`]); every other template goes through the Go-template engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StockTemplates {
    /// The built-in renderer, which builds their output directly.
    #[default]
    Builtin,
    /// The Go-template engine, like every other template.
    Engine,
}

/// A source of named injection templates.
pub trait Renderer {
    /// Whether a template of this name exists.
    fn has_template(&self, name: &str) -> bool;

    /// The names it offers, for Istio's "requested template not found; have …" error.
    fn template_names(&self) -> Vec<String>;

    /// Renders one template into a partial Pod (`{"metadata": …, "spec": …}`) ready to be
    /// strategic-merged.
    fn render(&self, name: &str, data: &TemplateData<'_>) -> Result<Value, InjectError>;
}

//! The built-in renderer: Istio's stock injection templates (`sidecar`, `gateway`,
//! `grpc-simple`, `grpc-agent` from `manifests/charts/istio-control/istio-discovery/files`)
//! rebuilt in Rust, with no template text.
//!
//! Each template is reproduced branch by branch from the same inputs ([`TemplateData`]), and
//! its output is the JSON that Istio gets by parsing the rendered YAML — not a tidied-up
//! equivalent: `- emptyDir:` stays `null` (the merge deletes it), an unquoted
//! `{{ .Values… }}` becomes whatever YAML reads from the printed text (a number, a bool, a
//! string, `null`), and text that would make the YAML invalid or the Pod undecodable is an
//! [`InjectError::Render`], as it would fail in Istio.
//!
//! Submodules: [`golang`] (Go template value semantics), [`yamltext`] (YAML reading of
//! printed text), `ctx` (the template's view of its inputs), `parts` (pieces shared between
//! templates), one module per template.

mod ctx;
mod gateway;
pub(crate) mod golang;
mod grpc;
mod parts;
mod sidecar;
pub mod stock;
pub(crate) mod yamltext;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod typed_check;

use super::{Renderer, TemplateData};
use crate::error::InjectError;
use ctx::Ctx;
use serde_json::Value;

/// The names of the templates the built-in renderer knows, in Istio's chart order.
pub const TEMPLATE_NAMES: [&str; 4] = ["sidecar", "gateway", "grpc-simple", "grpc-agent"];

/// Renders Istio's stock pod-injection templates natively.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

impl Renderer for Builtin {
    fn has_template(&self, name: &str) -> bool {
        TEMPLATE_NAMES.contains(&name)
    }

    fn template_names(&self) -> Vec<String> {
        TEMPLATE_NAMES.iter().map(|s| (*s).to_string()).collect()
    }

    fn render(&self, name: &str, data: &TemplateData<'_>) -> Result<Value, InjectError> {
        match name {
            "sidecar" => sidecar::render(&Ctx::new("sidecar", data)?),
            "gateway" => gateway::render(&Ctx::new("gateway", data)?),
            "grpc-simple" => grpc::render_simple(&Ctx::new("grpc-simple", data)?),
            "grpc-agent" => grpc::render_agent(&Ctx::new("grpc-agent", data)?),
            other => Err(InjectError::TemplateNotFound {
                name: other.to_string(),
                have: TEMPLATE_NAMES.join(", "),
            }),
        }
    }
}

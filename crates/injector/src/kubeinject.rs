//! `istioctl kube-inject` (Istio's `IntoResourceFile` / `IntoObject`): inject every workload
//! of a stream of YAML documents and write each document back as Go would.
//!
//! Per document, in Istio's order:
//! 1. the Kubernetes YAML reader splits the stream ([`split_documents`]);
//! 2. the document's `apiVersion`/`kind` is looked up among the kinds Istio registers for
//!    kube-inject ([`kinds`]); anything else is echoed byte for byte;
//! 3. a registered object is decoded into its Go type ([`decode`]), its pod template injected
//!    ([`object`]), and the whole typed object re-serialised: Go JSON, then go-yaml v2 text
//!    ([`crate::goyaml`]);
//! 4. every output document is followed by `---\n`.
//!
//! The configuration it injects with is read as istioctl reads its files ([`config`]).

pub mod config;
pub mod decode;
pub mod documents;
mod go_form;
pub mod kinds;
pub mod object;

#[cfg(test)]
mod tests;

use thiserror::Error;

use crate::error::InjectError;
use crate::inject::Injector;

pub use documents::{split_documents, yaml_objects};

/// What one document (or a whole stream) becomes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentOutput {
    /// The documents as `istioctl kube-inject` prints them, each followed by `---\n`.
    pub text: String,
    /// istioctl's warnings (`===> Skipping injection because …`), one line each, without
    /// a trailing newline.
    pub warnings: Vec<String>,
}

/// Why kube-inject refused the input. The texts follow Istio's where it has one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KubeInjectError {
    /// A line starts with `---` followed by something other than a comment.
    #[error("invalid Yaml document separator: {0}")]
    InvalidSeparator(String),
    /// The document is not YAML (`error converting YAML to JSON: yaml: line N: …`).
    #[error("{0}")]
    Yaml(String),
    /// The document does not decode into its Go type (a string where a number belongs …).
    #[error("error unmarshaling JSON: while decoding JSON: json: {0}")]
    Decode(String),
    /// A workload without the pod template Istio needs (`spec.template is required value`).
    #[error("{0}")]
    MissingTemplate(String),
    /// Injecting the pod of `object` (e.g. `Deployment "ns/name"`) failed.
    #[error("{object}: {source}")]
    Inject {
        object: String,
        #[source]
        source: InjectError,
    },
    /// The result could not be written as YAML.
    #[error("cannot write YAML: {0}")]
    Serialize(String),
}

/// Injects one document (as [`split_documents`] returns it) and returns its output text,
/// followed by `---\n`, with istioctl's warnings (and the ones Istio logs on the way: an
/// unrecognised `sidecar.istio.io/inject` value, a pod not using cluster DNS).
///
/// The injector is meant to be built with [`Mode::KubeInject`](crate::Mode::KubeInject) and
/// revision `""`, as istioctl runs it; in webhook mode the config's policy, selectors,
/// default templates, aliases and injected annotations would apply as well.
pub fn inject_document(
    injector: &Injector,
    document: &str,
) -> Result<DocumentOutput, KubeInjectError> {
    let mut out = DocumentOutput::default();
    write_document(injector, document, &mut out)?;
    Ok(out)
}

/// [`inject_document`] over every document of `input`, outputs concatenated.
///
/// istioctl writes the documents before a failing one and then stops; callers that want that
/// streaming behaviour call [`split_documents`] and [`inject_document`] themselves.
pub fn inject_stream(injector: &Injector, input: &str) -> Result<DocumentOutput, KubeInjectError> {
    let mut out = DocumentOutput::default();
    for document in split_documents(input) {
        write_document(injector, document, &mut out)?;
    }
    Ok(out)
}

fn write_document(
    injector: &Injector,
    document: &str,
    out: &mut DocumentOutput,
) -> Result<(), KubeInjectError> {
    let text = documents::as_go_reads_it(document)?;
    match object::inject_text(injector, &text, &mut out.warnings)? {
        // The first document's YAML becomes the output rather than being copied into it.
        Some(yaml) if out.text.is_empty() => out.text = yaml,
        Some(yaml) => out.text.push_str(&yaml),
        None => out.text.push_str(&text),
    }
    out.text.push_str("---\n");
    Ok(())
}

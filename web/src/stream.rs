//! A workload file through `kube-inject`, one slice of documents at a time: a Web Worker
//! steps through a large file and reports progress between slices. The output is
//! `kube-inject`'s byte for byte: the same split, the same per-document injection
//! ([`injector::kubeinject::inject_document`]), concatenated.

use injector::InjectError;
use injector::kubeinject::{KubeInjectError, inject_document};
use serde::Serialize;

use crate::locate::{self, Editor, Problem};
use crate::session::Session;
use crate::workload;

/// What the page shows after an injection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The injected YAML; `None` when a document failed (kube-inject writes nothing then).
    pub output: Option<String>,
    /// istioctl's warnings, as kube-inject prints them.
    pub warnings: Vec<String>,
    /// How the configuration was made (defaults used …).
    pub notes: Vec<String>,
    pub error: Option<Problem>,
    /// Documents injected (or written back).
    pub documents: usize,
}

pub struct Stream {
    input: String,
    /// Byte ranges of the documents in `input`.
    documents: Vec<(usize, usize)>,
    next: usize,
    output: String,
    warnings: Vec<String>,
    problem: Option<Problem>,
}

impl Stream {
    pub fn new(input: String) -> Stream {
        let documents = workload::documents(&input)
            .into_iter()
            .map(|(start, text)| (start, start + text.len()))
            .collect();
        Stream {
            // Injection roughly quadruples a workload's YAML.
            output: String::with_capacity(input.len().saturating_mul(4)),
            input,
            documents,
            next: 0,
            warnings: Vec::new(),
            problem: None,
        }
    }

    pub fn total(&self) -> usize {
        self.documents.len()
    }

    pub fn done(&self) -> usize {
        self.next
    }

    pub fn finished(&self) -> bool {
        self.problem.is_some() || self.next >= self.documents.len()
    }

    /// Injects up to `budget` more documents; stops at the first that fails.
    pub fn step(&mut self, session: &Session, budget: usize) {
        let end = self.next.saturating_add(budget).min(self.documents.len());
        while self.next < end && self.problem.is_none() {
            let (start, stop) = self.documents[self.next];
            let document = self.input.get(start..stop).unwrap_or_default();
            match inject_document(&session.kube_inject, document) {
                Ok(out) => {
                    self.output.push_str(&out.text);
                    self.warnings.extend(out.warnings);
                    self.next += 1;
                }
                Err(error) => {
                    let line = locate::line_of(&self.input, start);
                    self.problem =
                        Some(document_problem(session, &error, document, self.next, line));
                }
            }
        }
    }

    pub fn finish(mut self, session: &Session) -> Outcome {
        while !self.finished() {
            self.step(session, usize::MAX);
        }
        let documents = self.next;
        Outcome {
            output: self.problem.is_none().then_some(self.output),
            warnings: self.warnings,
            notes: session.notes().to_vec(),
            error: self.problem,
            documents,
        }
    }
}

/// The whole file at once.
pub fn inject(session: &Session, input: &str) -> Outcome {
    Stream::new(input.to_string()).finish(session)
}

/// A failed document, located: a template's error in the config editor, anything else in the
/// workload editor (a YAML error at its line, others at the document's first line).
fn document_problem(
    session: &Session,
    error: &KubeInjectError,
    document: &str,
    index: usize,
    first_line: usize,
) -> Problem {
    let message = error.to_string();
    let templated = matches!(
        error,
        KubeInjectError::Inject {
            source: InjectError::Render(_) | InjectError::InvalidTemplate(_),
            ..
        }
    );
    if templated && let Some(problem) = session.template_problem(&message) {
        return Problem {
            document: Some(index),
            ..problem
        };
    }
    let (line, column) = match error {
        KubeInjectError::Yaml(text) => match locate::yaml_position(text) {
            Some((line, column)) => (first_line + line - 1, column),
            None => (first_line, None),
        },
        KubeInjectError::Inject {
            source: InjectError::InvalidAnnotations(text),
            ..
        } => {
            let at = locate::annotation_line(document, text).unwrap_or(1);
            (first_line + at - 1, None)
        }
        _ => (first_line, None),
    };
    Problem {
        document: Some(index),
        ..Problem::new(Editor::Workload, message).at(Some(line), column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    const SLEEP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sleep\nspec:\n  selector:\n    matchLabels: {app: sleep}\n  template:\n    metadata:\n      labels: {app: sleep}\n    spec:\n      containers:\n      - name: sleep\n        image: curlimages/curl\n";

    fn session() -> Session {
        Session::new(Settings::default()).unwrap()
    }

    #[test]
    fn the_output_is_kube_injects_document_by_document() {
        let session = session();
        let input = format!("{SLEEP}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n");
        let outcome = inject(&session, &input);
        let expected = injector::kubeinject::inject_stream(&session.kube_inject, &input).unwrap();
        assert_eq!(outcome.output.as_deref(), Some(expected.text.as_str()));
        assert_eq!(outcome.documents, 2);
        assert!(outcome.error.is_none());
        assert!(expected.text.contains("istio-proxy"));
    }

    #[test]
    fn stepping_reports_progress_and_ends_the_same() {
        let session = session();
        let input = [SLEEP; 5].join("---\n");
        let mut stream = Stream::new(input.clone());
        assert_eq!(stream.total(), 5);
        stream.step(&session, 2);
        assert_eq!(stream.done(), 2);
        assert!(!stream.finished());
        let outcome = stream.finish(&session);
        assert_eq!(outcome.output, inject(&session, &input).output);
    }

    #[test]
    fn a_yaml_error_points_at_its_line_in_the_file() {
        let input = format!("{SLEEP}---\nkind: Pod\nmetadata:\n  name: [x\n");
        let outcome = inject(&session(), &input);
        assert_eq!(outcome.output, None);
        let error = outcome.error.unwrap();
        assert_eq!(error.editor, Editor::Workload);
        assert_eq!(error.document, Some(1));
        let doc_start = SLEEP.lines().count() + 2;
        assert!(
            error.line.is_some_and(|l| l >= doc_start),
            "{error:?} (document starts at {doc_start})"
        );
    }

    #[test]
    fn a_bad_annotation_gets_istios_message() {
        let input = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/proxyCPU: lots\nspec:\n  containers:\n  - name: a\n    image: a\n";
        let outcome = inject(&session(), input);
        let error = outcome.error.unwrap();
        assert!(error.message.starts_with("Pod \"p\": "), "{error:?}");
        assert!(
            error.message.contains("sidecar.istio.io/proxyCPU"),
            "{error:?}"
        );
        assert_eq!(error.line, Some(6));
    }
}

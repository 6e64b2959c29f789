//! The Kubernetes YAML reader (`k8s.io/apimachinery/pkg/util/yaml.YAMLReader`), which
//! `istioctl kube-inject` reads its input with.
//!
//! A line starting with `---` ends the document collected so far; only spaces and a comment
//! may follow it on the line, anything else fails the stream. Its quirks are kept because
//! unregistered documents are echoed as the reader returns them:
//! - a separator line is dropped when it ends a document, but when nothing has been collected
//!   yet (the first line of the input, or two separators in a row) it is kept as the first
//!   line of the next document;
//! - lines are read with Go's `bufio.Reader.ReadLine`, so `\r\n` becomes `\n` and a last line
//!   without a newline gets one.

use std::borrow::Cow;

use super::KubeInjectError;

const SEPARATOR: &str = "---";

/// What follows `---` on a separator line: `Ok` when the line is a valid separator.
fn separator_rest(line: &str) -> Option<Result<(), String>> {
    let rest = line.strip_prefix(SEPARATOR)?;
    let trimmed = rest.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        Some(Ok(()))
    } else {
        Some(Err(trimmed.to_string()))
    }
}

/// The lines of `text` with their terminators: `(start, end_of_content, end)`.
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let rest = text.get(start..)?;
        let (content_len, line_len) = match rest.find('\n') {
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let line = (start, start + content_len, start + line_len);
        start += line_len;
        Some(line)
    })
}

/// The objects of YAML or JSON text as `kubectl get … -o yaml` prints them: each document, and
/// the items of a list (`kind: List` or any `…List`). Empty documents are skipped. An error
/// names the document that does not read, counting from 1.
pub fn yaml_objects(text: &str) -> Result<Vec<serde_json::Value>, (usize, String)> {
    use serde_json::Value;
    let mut objects = Vec::new();
    for (i, document) in split_documents(text).into_iter().enumerate() {
        let value = crate::goyaml::unmarshal(document).map_err(|e| (i + 1, e))?;
        let is_list = value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|kind| kind.ends_with("List"));
        match value {
            Value::Null => {}
            Value::Object(mut object) if is_list => {
                if let Some(Value::Array(items)) = object.remove("items") {
                    objects.extend(items);
                }
            }
            other => objects.push(other),
        }
    }
    Ok(objects)
}

/// Splits a stream into documents as the Kubernetes YAML reader does. Each document is a
/// slice of `input` (line terminators as written); pass it to
/// [`inject_document`](super::inject_document), which reads it the way Go does.
///
/// A line that starts with `---` but is not a valid separator does not split: it stays in its
/// document, and injecting that document fails with Istio's error.
pub fn split_documents(input: &str) -> Vec<&str> {
    let mut documents = Vec::new();
    let mut doc_start = 0;
    // Only a line starting with `---` can split: find those, not every line.
    let at_start = input.starts_with(SEPARATOR).then_some(0);
    let later = input.match_indices("\n---").map(|(i, _)| i + 1);
    for start in at_start.into_iter().chain(later) {
        let rest = input.get(start..).unwrap_or("");
        let (content_len, line_len) = match rest.find('\n') {
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let content = rest.get(..content_len).unwrap_or("");
        // With nothing collected yet the reader keeps the separator line in the next document.
        if let Some(Ok(())) = separator_rest(content)
            && start > doc_start
        {
            if let Some(document) = input.get(doc_start..start) {
                documents.push(document);
            }
            doc_start = start + line_len;
        }
    }
    if doc_start < input.len()
        && let Some(document) = input.get(doc_start..)
    {
        documents.push(document);
    }
    documents
}

/// The document as the reader hands it to Istio: every line ends with `\n` (a `\r\n` ending
/// becomes `\n`). Fails on a line starting with `---` that is not a valid separator.
pub(crate) fn as_go_reads_it(document: &str) -> Result<Cow<'_, str>, KubeInjectError> {
    // The common document: no `\r`, no line starting with `---`, a final line break.
    if document.ends_with('\n')
        && !document.starts_with(SEPARATOR)
        && !document.contains("\n---")
        && !document.contains('\r')
    {
        return Ok(Cow::Borrowed(document));
    }
    let mut needs_copy = !document.ends_with('\n');
    for (start, content_end, _) in lines(document) {
        let content = document.get(start..content_end).unwrap_or("");
        if let Some(Err(rest)) = separator_rest(content.strip_suffix('\r').unwrap_or(content)) {
            return Err(KubeInjectError::InvalidSeparator(rest));
        }
        needs_copy |= content.ends_with('\r');
    }
    if !needs_copy {
        return Ok(Cow::Borrowed(document));
    }
    let mut out = String::with_capacity(document.len() + 1);
    for (start, content_end, end) in lines(document) {
        let content = document.get(start..content_end).unwrap_or("");
        // `ReadLine` drops `\r\n` but keeps a `\r` that does not precede a newline.
        let content = if end > content_end {
            content.strip_suffix('\r').unwrap_or(content)
        } else {
            content
        };
        out.push_str(content);
        out.push('\n');
    }
    Ok(Cow::Owned(out))
}

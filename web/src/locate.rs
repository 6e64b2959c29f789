//! Errors as the page shows them: the message (the injector's, which is Istio's wording), and
//! where it points, as an editor and a 1-based line and column in that editor's text.

use serde::Serialize;

/// The page's editors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Editor {
    Workload,
    Config,
    Values,
    Mesh,
    Settings,
}

/// An error, located where that is possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub message: String,
    pub editor: Editor,
    /// 1-based line in the editor's text.
    pub line: Option<usize>,
    /// 1-based column (Go counts from 0; editors from 1).
    pub column: Option<usize>,
    /// 0-based index of the workload document at fault.
    pub document: Option<usize>,
}

impl Problem {
    pub fn new(editor: Editor, message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            editor,
            line: None,
            column: None,
            document: None,
        }
    }

    pub fn at(mut self, line: Option<usize>, column: Option<usize>) -> Problem {
        self.line = line;
        self.column = column;
        self
    }
}

/// A template error's position (`template: NAME:LINE:COL: …`, as the template engine and Go
/// word it): the template's name, its 1-based line and, when given, its 1-based column.
pub fn template_position(message: &str) -> Option<(&str, usize, Option<usize>)> {
    // The prefix can repeat (`failed to render template: template: sidecar:3: …`): the
    // position follows the occurrence that has one.
    message
        .match_indices("template: ")
        .find_map(|(at, prefix)| position_after(&message[at + prefix.len()..]))
}

fn position_after(rest: &str) -> Option<(&str, usize, Option<usize>)> {
    let mut parts = rest.splitn(4, ':');
    let name = parts.next()?;
    let line = parts.next()?.parse().ok()?;
    let column = parts
        .next()
        .and_then(|c| c.parse::<usize>().ok())
        .map(|c| c + 1);
    Some((name, line, column))
}

/// The 1-based line of a YAML error: go-yaml's `yaml: line N: …`, or serde_yaml's
/// `… at line N column M`.
pub fn yaml_position(message: &str) -> Option<(usize, Option<usize>)> {
    if let Some(at) = message.find("yaml: line ") {
        let digits = leading_number(&message[at + "yaml: line ".len()..])?;
        return Some((digits, None));
    }
    let at = message.rfind(" at line ")?;
    let rest = &message[at + " at line ".len()..];
    let line = leading_number(rest)?;
    let column = rest
        .find(" column ")
        .and_then(|c| leading_number(&rest[c + " column ".len()..]));
    Some((line, column))
}

fn leading_number(text: &str) -> Option<usize> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text[..end].parse().ok()
}

/// Where template `name`'s text begins in `config`: the 1-based line after its key under
/// `templates:`, and that block's indentation, for the block scalars (`sidecar: |`) the
/// chart and `kubectl` write.
pub fn template_start(config: &str, name: &str) -> Option<(usize, usize)> {
    let mut in_templates = false;
    let lines: Vec<&str> = config.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            in_templates = trimmed.starts_with("templates:");
            continue;
        }
        if in_templates
            && let Some(rest) = trimmed.strip_prefix(name)
            && let Some(value) = rest.trim_start().strip_prefix(':')
            && value.trim_start().starts_with(['|', '>'])
        {
            let body = lines.get(index + 1).copied().unwrap_or_default();
            let body_indent = body.len() - body.trim_start().len();
            return Some((index + 2, body_indent));
        }
    }
    None
}

/// The 1-based line in `document` of the first annotation Istio's validation names
/// (`invalid value '…' for annotation 'NAME': …`).
pub fn annotation_line(document: &str, message: &str) -> Option<usize> {
    let name = message
        .split("annotation '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .filter(|name| !name.is_empty())?;
    document
        .lines()
        .position(|line| {
            let key = line.trim_start().trim_start_matches(['"', '\'']);
            key.starts_with(name)
        })
        .map(|index| index + 1)
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_errors_give_name_line_and_column() {
        assert_eq!(
            template_position(
                "injectorConfig.templates.sidecar: template: sidecar:3:14: unexpected \"}\" in operand"
            ),
            Some(("sidecar", 3, Some(15)))
        );
        assert_eq!(
            template_position(
                "failed to render template: template: gateway:7: function \"nope\" not defined"
            ),
            Some(("gateway", 7, None))
        );
        assert_eq!(template_position("no template here"), None);
    }

    #[test]
    fn yaml_errors_give_the_line() {
        assert_eq!(
            yaml_position(
                "error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context"
            ),
            Some((4, None))
        );
        assert_eq!(
            yaml_position(
                "invalid YAML: did not find expected key at line 2 column 3, while parsing"
            ),
            Some((2, Some(3)))
        );
        assert_eq!(yaml_position("fine"), None);
    }

    #[test]
    fn a_templates_text_starts_after_its_key() {
        let config = "policy: enabled\ntemplates:\n  gateway: |\n    a\n  sidecar: |-\n    spec: {}\nvalues: x\n  sidecar: |\n";
        assert_eq!(template_start(config, "sidecar"), Some((6, 4)));
        assert_eq!(template_start(config, "gateway"), Some((4, 4)));
        assert_eq!(template_start(config, "grpc"), None);
    }

    #[test]
    fn annotation_errors_point_at_the_annotation() {
        let document =
            "kind: Pod\nmetadata:\n  annotations:\n    \"sidecar.istio.io/proxyCPU\": lots\n";
        let message = "1 error occurred:\n\t* invalid value 'lots' for annotation 'sidecar.istio.io/proxyCPU': nope";
        assert_eq!(annotation_line(document, message), Some(4));
        assert_eq!(annotation_line(document, "other"), None);
    }

    #[test]
    fn offsets_become_lines() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 99), 3);
    }
}

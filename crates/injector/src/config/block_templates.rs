//! A fast path for the one part of the injector config that is large: its `templates:`
//! section, written the way Istio's chart writes it (each template a literal block scalar,
//! `  name: |`). libyaml scans block scalars a character at a time through its buffers; on a
//! fresh policy instance, reading the chart's 111 KB config that way was a quarter of an
//! evaluation. Here the section is cut out by lines, its scalars read by YAML's rules for
//! literal scalars with clip chomping, and only the small rest goes to the YAML reader.
//!
//! Anything outside that narrow shape (another indicator, a comment or tab in the
//! indentation, a control character, a second `templates` key, a document marker …) declines,
//! and the whole text is read by the YAML reader as before: the fast path either gives what
//! the reader would give or nothing.

use std::collections::BTreeMap;

/// The config text without its `templates:` section, and the templates it held, when the
/// section has the chart's shape.
pub(super) fn split(text: &str) -> Option<(String, BTreeMap<String, String>)> {
    if !text.ends_with('\n') || text.contains('\r') {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|line| line.trim_end_matches(['\n', ' ']) == "templates:")?;
    // The section ends at the next line that starts in column 0: the next top-level key.
    let end = lines
        .iter()
        .skip(start + 1)
        .position(|line| !line.starts_with([' ', '\n']))
        .map_or(lines.len(), |offset| start + 1 + offset);
    if let Some(next) = lines.get(end)
        && !starts_with_key(next)
    {
        return None;
    }
    let templates = read_section(lines.get(start + 1..end)?)?;
    let mut rest = String::with_capacity(text.len());
    for (index, line) in lines.iter().enumerate() {
        if index < start || index >= end {
            // A second `templates` key (in any case) would be merged differently.
            if starts_with_key(line) && line.to_ascii_lowercase().starts_with("templates") {
                return None;
            }
            rest.push_str(line);
        }
    }
    Some((rest, templates))
}

/// A top-level block mapping key: a letter in column 0.
fn starts_with_key(line: &str) -> bool {
    line.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// The entries `  name: |` and their literal scalars.
fn read_section(lines: &[&str]) -> Option<BTreeMap<String, String>> {
    let mut templates = BTreeMap::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines.get(index)?;
        if line.trim_matches(' ') == "\n" {
            index += 1;
            continue;
        }
        let name = entry_name(line)?;
        let body_end = lines
            .iter()
            .skip(index + 1)
            .position(|l| entry_indent(l))
            .map_or(lines.len(), |offset| index + 1 + offset);
        let value = literal_scalar(lines.get(index + 1..body_end)?)?;
        if templates.insert(name.to_string(), value).is_some() {
            return None;
        }
        index = body_end;
    }
    (!templates.is_empty()).then_some(templates)
}

/// Whether the line is indented exactly two spaces and not blank: an entry of the section.
fn entry_indent(line: &str) -> bool {
    line.starts_with("  ") && !line[2..].starts_with([' ', '\n'])
}

/// `  name: |` with a plain name that YAML reads as a string.
fn entry_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("  ")?;
    let (name, indicator) = rest.split_once(':')?;
    if indicator.trim_end_matches(['\n', ' ']) != " |" {
        return None;
    }
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    let special = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
        .iter()
        .any(|word| name.eq_ignore_ascii_case(word));
    (plain && !special).then_some(name)
}

/// A literal block scalar with clip chomping: its indentation is the first non-blank line's,
/// which must be deeper than the entry's; every line gives its text after that indentation
/// and a line break; trailing blank lines are dropped and one line break kept.
fn literal_scalar(lines: &[&str]) -> Option<String> {
    let indent = lines
        .iter()
        .find(|l| l.trim_matches(' ') != "\n")
        .map(|l| l.len() - l.trim_start_matches(' ').len())?;
    if indent <= 2 {
        return None;
    }
    let mut value = String::new();
    let mut pending_breaks = 0;
    for line in lines {
        let content = line.strip_suffix('\n')?;
        if !content.chars().all(printable) {
            return None;
        }
        if content.trim_start_matches(' ').is_empty() {
            // A blank line; spaces beyond the indentation are content, before the first text
            // line they are an error (leave those to the reader).
            if content.len() > indent {
                if value.is_empty() {
                    return None;
                }
                push_breaks(&mut value, &mut pending_breaks);
                value.push_str(&content[indent..]);
                value.push('\n');
            } else {
                pending_breaks += 1;
            }
            continue;
        }
        let text = content.get(indent..)?;
        // A tab right after the indentation is content to YAML, but leave such text to it.
        if !content[..indent].bytes().all(|b| b == b' ') || text.starts_with('\t') {
            return None;
        }
        push_breaks(&mut value, &mut pending_breaks);
        value.push_str(text);
        value.push('\n');
    }
    Some(value)
}

/// Blank lines inside the scalar are line breaks once more text follows.
fn push_breaks(value: &mut String, pending: &mut usize) {
    if !value.is_empty() {
        for _ in 0..*pending {
            value.push('\n');
        }
    }
    *pending = 0;
}

/// The characters YAML allows in a stream (tab and line breaks aside, which are handled by
/// the caller); a BOM inside the stream is refused too.
fn printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The YAML reader's templates for `text`.
    fn by_reader(text: &str) -> Option<BTreeMap<String, String>> {
        let value: Value = serde_yaml_ng::from_str(text).ok()?;
        let templates = value.get("templates")?.as_object()?;
        templates
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect()
    }

    fn agrees(text: &str) {
        let Some((rest, fast)) = split(text) else {
            panic!("the fast path declines {text:?}");
        };
        assert_eq!(Some(fast), by_reader(text), "{text:?}");
        let rest = match serde_yaml_ng::from_str::<Value>(&rest).unwrap() {
            Value::Null => Value::Object(Default::default()),
            rest => rest,
        };
        let mut whole: Value = serde_yaml_ng::from_str(text).unwrap();
        whole.as_object_mut().unwrap().remove("templates");
        assert_eq!(rest, whole);
    }

    #[test]
    fn reads_the_charts_config_as_the_yaml_reader_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/istio-conformance/base/injector-config.yaml");
        if let Ok(text) = std::fs::read_to_string(dir) {
            agrees(&text);
        }
    }

    #[test]
    fn literal_scalars_follow_yaml() {
        agrees(
            "policy: enabled\ntemplates:\n  a: |\n    x\n\n      y\n  \n    z\n\n\n  b: |\n      deep\n     \n      more\n",
        );
        agrees("templates:\n  a: |\n    one\n  b: |\n    two\n\npolicy: disabled\n");
        agrees("templates:\n  a: |\n    tab\there {{ \"q\" }}: # not a comment\n");
    }

    #[test]
    fn declines_what_it_does_not_read() {
        for text in [
            "templates:\n  a: |-\n    x\n",
            "templates:\n  a: |2\n    x\n",
            "templates:\n  a: >\n    x\n",
            "templates:\n  a: 'x'\n",
            "templates:\n  a: |\n    x\n# comment\n  b: |\n    y\n",
            "templates:\n  a: |\n    x\n---\n",
            "templates:\n  a: |\n    x",
            "templates:\n  a: |\r\n    x\r\n",
            "templates:\n  true: |\n    x\n",
            "templates:\n  a: |\n    x\n  a: |\n    y\n",
            "templates:\n  a: |\n    x\nTemplates:\n  b: |\n    y\n",
            "templates:\n  a: |\n   \tx\n",
            "templates:\n  a: |\n      \n    x\n",
            "templates:\n  a: |\n    \u{1}\n",
            "templates: {}\n",
            "templates:\n  only-blank: |\n\n  b: |\n    x\n",
        ] {
            assert_eq!(split(text), None, "{text:?}");
        }
    }
}

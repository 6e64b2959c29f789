//! A fast path for the one part of the injector config that is large: its `templates:`
//! section, written the way Istio's chart writes it (each template a literal block scalar,
//! `  name: |`). libyaml scans block scalars a character at a time through its buffers; on a
//! fresh policy instance, reading the chart's 111 KB config that way was a quarter of an
//! evaluation. Here the section is cut out by lines, its scalars checked by YAML's rules for
//! literal scalars with clip chomping, and only the small rest goes to the YAML reader. A
//! scalar's text is only located here; [`cut`] copies it out when a template is read (a pod
//! usually selects one of the chart's eight).
//!
//! Anything outside that narrow shape (another indicator, a comment or tab in the
//! indentation, a control character, a second `templates` key, a document marker …) declines,
//! and the whole text is read by the YAML reader as before: the fast path either gives what
//! the reader would give or nothing.

/// Where a literal scalar's lines are in the config text, and their indentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Scalar {
    start: usize,
    end: usize,
    indent: usize,
}

/// The config text without its `templates:` section, and where the templates it held are, when
/// the section has the chart's shape.
pub(super) fn split(text: &str) -> Option<(String, Vec<(&str, Scalar)>)> {
    let lines = lines(text)?;
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
    let templates = read_section(text, lines.get(start + 1..end)?)?;
    let mut rest = String::with_capacity(text.len() / 8);
    for (index, line) in lines.iter().enumerate() {
        if index < start || index >= end {
            // A second `templates` key (in any case) would be merged differently.
            if starts_with_key(line)
                && line
                    .get(..TEMPLATES.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(TEMPLATES))
            {
                return None;
            }
            rest.push_str(line);
        }
    }
    Some((rest, templates))
}

/// The text of a scalar [`split`] found in `text`: every line after the indentation, blank
/// lines as line breaks when text follows them.
pub(super) fn cut(text: &str, scalar: Scalar) -> String {
    let body = text.get(scalar.start..scalar.end).unwrap_or_default();
    let mut value = String::with_capacity(body.len());
    let mut pending_breaks = 0;
    for line in body.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        if content.len() <= scalar.indent && leading_spaces(content) == content.len() {
            pending_breaks += 1;
            continue;
        }
        push_breaks(&mut value, &mut pending_breaks);
        // The text and its line feed, in one copy.
        value.push_str(line.get(scalar.indent..).unwrap_or_default());
    }
    value
}

const TEMPLATES: &str = "templates";

/// The text's lines, each with its line feed, when the whole text is what this path reads: it
/// ends with a line feed and holds no carriage return and no character YAML refuses in a
/// stream (libyaml checks every character of the stream, so declining here changes nothing).
/// The text is looked at a word (8 bytes) at a time, with masks that mark the bytes of
/// interest (line feeds, bytes beyond ASCII, refused bytes); the few lines with characters
/// beyond ASCII are then checked character by character.
fn lines(text: &str) -> Option<Vec<&str>> {
    if !text.ends_with('\n') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut scan = Scan {
        ends: Vec::with_capacity(bytes.len() / 32 + 1),
        beyond_ascii: Vec::new(),
    };
    let (words, tail) = bytes.as_chunks::<8>();
    for (index, word) in words.iter().enumerate() {
        let w = u64::from_le_bytes(*word);
        if !printable_ascii(w) {
            scan.word(w, index * 8)?;
        }
    }
    let mut last = [b' '; 8];
    last.get_mut(..tail.len())?.copy_from_slice(tail);
    scan.word(u64::from_le_bytes(last), words.len() * 8)?;
    let mut start = 0;
    let lines: Vec<&str> = scan
        .ends
        .into_iter()
        .map(|end| {
            let line = text.get(start..=end).unwrap_or_default();
            start = end + 1;
            line
        })
        .collect();
    scan.beyond_ascii
        .iter()
        .all(|&index| {
            lines
                .get(index)
                .is_some_and(|line| line.chars().all(|c| c == '\n' || printable(c)))
        })
        .then_some(lines)
}

const ONES: u64 = u64::from_le_bytes([1; 8]);
const HIGH: u64 = ONES * 0x80;
const LOW: u64 = ONES * 0x7f;

/// Whether every byte of `w` is printable ASCII (`0x20..=0x7e`), the common case, which needs
/// no closer look: a byte below 0x20 sets its high bit in `w - 0x20…` where `w` has it clear
/// (the classic "has less than" test, exact as to whether one exists), and a byte of 0x7f or
/// more has its high bit set in `w + 1…` or `w`.
#[inline(always)]
fn printable_ascii(w: u64) -> bool {
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    (below_space | w.wrapping_add(ONES) | w) & HIGH == 0
}

/// The high bit of every byte of `w` below 0x80 that equals `c` (below 0x80). `x` is below
/// 0x80 in every byte, so `x + 0x7f` sets the high bit exactly where `x` is not zero, with no
/// carry into the next byte.
fn equal(w: u64, c: u8) -> u64 {
    let x = (w ^ (ONES * u64::from(c))) & LOW;
    !(x + LOW) & !w & HIGH
}

/// The high bit of every byte of `w` below 0x80 that is at least `c` (1 to 0x80): `b + 0x80 -
/// c` reaches 0x80 exactly then, and stays below 0x100.
fn at_least(w: u64, c: u8) -> u64 {
    ((w & LOW) + ONES * (0x80 - u64::from(c))) & !w & HIGH
}

/// What the look at the text found: the offsets of its line feeds, and the lines (by index)
/// holding bytes beyond ASCII.
struct Scan {
    ends: Vec<usize>,
    beyond_ascii: Vec<usize>,
}

impl Scan {
    /// Looks at the word at `offset` in the text; `None` at a carriage return, a control
    /// character other than tab, or DEL.
    fn word(&mut self, w: u64, offset: usize) -> Option<()> {
        let ascii = !w & HIGH;
        let line_feeds = equal(w, b'\n');
        let printable = at_least(w, 0x20) & !at_least(w, 0x7f);
        if ascii & !(printable | line_feeds | equal(w, b'\t')) != 0 {
            return None;
        }
        let mut marks = line_feeds | (w & HIGH);
        while marks != 0 {
            let bit = marks & marks.wrapping_neg();
            if line_feeds & bit != 0 {
                self.ends.push(offset + bit.trailing_zeros() as usize / 8);
            } else {
                let line = self.ends.len();
                if self.beyond_ascii.last() != Some(&line) {
                    self.beyond_ascii.push(line);
                }
            }
            marks &= marks - 1;
        }
        Some(())
    }
}

/// A top-level block mapping key: a letter in column 0.
fn starts_with_key(line: &str) -> bool {
    line.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// The entries `  name: |` and where their literal scalars are in `text`.
fn read_section<'t>(text: &str, lines: &[&'t str]) -> Option<Vec<(&'t str, Scalar)>> {
    let mut templates: Vec<(&str, Scalar)> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines.get(index)?;
        if blank(line) {
            index += 1;
            continue;
        }
        let name = entry_name(line)?;
        let (count, indent) = literal_body(lines.get(index + 1..)?)?;
        let body = lines.get(index + 1..index + 1 + count)?;
        let (first, last) = (body.first()?, body.last()?);
        let scalar = Scalar {
            start: offset_in(text, first)?,
            end: offset_in(text, last)? + last.len(),
            indent,
        };
        if templates.iter().any(|(seen, _)| *seen == name) {
            return None;
        }
        templates.push((name, scalar));
        index += 1 + count;
    }
    (!templates.is_empty()).then_some(templates)
}

/// The byte offset of `part`, a slice of `text`, in `text`.
fn offset_in(text: &str, part: &str) -> Option<usize> {
    (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)
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

/// Checks the literal block scalar (clip chomping) of an entry, whose lines run up to the next
/// entry (a line indented exactly two spaces), and gives their number and its indentation: the
/// first text line's, which must be deeper than the entry's. Every line then gives its text
/// after that indentation and a line break; trailing blank lines are dropped and one line
/// break kept (see [`cut`]). One pass, as the chart's templates are most of the config's lines.
fn literal_body(lines: &[&str]) -> Option<(usize, usize)> {
    let mut indent = None;
    // The most spaces on a blank line before the first text line: beyond the indentation they
    // are an error to YAML (leave those to the reader).
    let mut leading_blank = 0;
    for (count, line) in lines.iter().enumerate() {
        let spaces = leading_spaces(line);
        match line.as_bytes().get(spaces) {
            None => return None,
            Some(b'\n') => {
                if indent.is_none() {
                    leading_blank = leading_blank.max(spaces);
                }
            }
            Some(_) if spaces == 2 => return Some((count, indent?)),
            Some(&first) => {
                let indent = *indent.get_or_insert(spaces);
                // A tab right after the indentation is content to YAML, but leave such text
                // to it.
                if indent <= 2 || spaces < indent || leading_blank > indent {
                    return None;
                }
                if spaces == indent && first == b'\t' {
                    return None;
                }
            }
        }
    }
    Some((lines.len(), indent?))
}

/// The number of spaces the line starts with, eight at a time (templates are indented deep).
fn leading_spaces(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut count = 0;
    while bytes.get(count..count + 8) == Some(b"        ") {
        count += 8;
    }
    count
        + bytes
            .get(count..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b' ')
            .count()
}

/// Whether the line holds nothing but spaces before its line feed.
fn blank(line: &str) -> bool {
    leading_spaces(line) + 1 == line.len() && line.ends_with('\n')
}

/// Blank lines are line breaks once more text follows (leading ones too: only trailing blank
/// lines are clipped).
fn push_breaks(value: &mut String, pending: &mut usize) {
    for _ in 0..*pending {
        value.push('\n');
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
    use std::collections::BTreeMap;

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
        let Some((rest, scalars)) = split(text) else {
            panic!("the fast path declines {text:?}");
        };
        let fast = scalars
            .into_iter()
            .map(|(name, scalar)| (name.to_string(), cut(text, scalar)))
            .collect();
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
        agrees("templates:\n  a: |\n\n    x\n  b: |\n  \n\n    y\n");
    }

    /// [`lines`] by the obvious rule, a character at a time.
    fn lines_by_characters(text: &str) -> Option<Vec<&str>> {
        (text.ends_with('\n') && text.chars().all(|c| c == '\n' || printable(c)))
            .then(|| text.split_inclusive('\n').collect())
    }

    proptest::proptest! {
        /// Sections of entries and indented, blank or over-indented lines: the fast path
        /// either declines (here or when the rest is not a mapping, as
        /// `InjectorConfig::from_str` declines) or reads what the YAML reader reads.
        #[test]
        fn the_fast_path_agrees_with_the_reader_or_declines(
            lines in proptest::collection::vec(
                "(  [a-c]: \\|[ ]?|[ ]{0,7}([a-z{}.#: \t-]{1,6})?|policy: on)\n",
                0..14,
            )
        ) {
            let text = format!("policy: on\ntemplates:\n{}", lines.concat());
            if let Some((rest, _)) = split(&text)
                && let Ok(Value::Object(_)) = serde_yaml_ng::from_str(&rest)
            {
                agrees(&text);
            }
        }

        #[test]
        fn lines_are_cut_and_checked_as_character_by_character(
            text in "([ -~]{0,20}[\t\n\r\u{0}-\u{1f}\u{7f}\u{80}-\u{a0}é€🦀\u{feff}]?){0,12}\n?"
        ) {
            proptest::prop_assert_eq!(lines(&text), lines_by_characters(&text));
        }
    }

    #[test]
    fn control_characters_anywhere_decline() {
        for bad in ["\u{1}", "\u{7f}", "\r", "\u{feff}"] {
            let text = format!("policy: enabled{bad}\ntemplates:\n  a: |\n    x\n");
            assert_eq!(split(&text), None, "{text:?}");
        }
        agrees("policy: \"caf\u{e9}\"\ntemplates:\n  a: |\n    \u{1f980} {{ . }}\n");
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

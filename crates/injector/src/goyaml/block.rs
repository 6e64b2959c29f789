//! The common case of go-yaml v2's encoder written directly, without libyaml's event
//! machinery: a mapping at the root, block layout, and scalars whose text libyaml would
//! write exactly as asked. Driving libyaml's emitter (event queue, per-character scalar
//! analysis and output) was the largest single cost of re-serialising a workload.
//!
//! Anything this writer cannot vouch for byte for byte — a scalar with control or non-ASCII
//! characters (libyaml's analysis and escapes), a literal block outside a mapping value or in
//! one of its rarer forms, a line long enough for libyaml to fold, a key too long for a simple
//! key, a root that is not a non-empty mapping — makes it give up ([`Unsupported`]); the
//! caller then writes the whole value through libyaml. What it does write is what libyaml writes for
//! the same events (a property test compares the two).

use serde_json::{Map, Value};

use super::emit::{number_text, single_line_style, sort_entries};
use super::libyaml::ScalarStyle;

/// libyaml's `best_width`, as go-yaml leaves it: a space past this column may start a new
/// line in a plain or quoted scalar.
const BEST_WIDTH: usize = 80;
/// libyaml writes a longer key as a complex key (`? key`).
const MAX_SIMPLE_KEY: usize = 128;

/// The value is outside what this writer reproduces exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unsupported;

type Written = Result<(), Unsupported>;

/// The YAML go-yaml writes for `value`, when it is a non-empty mapping made of scalars this
/// writer can vouch for.
pub(crate) fn to_yaml(value: &Value) -> Result<String, Unsupported> {
    let Value::Object(map) = value else {
        return Err(Unsupported);
    };
    if map.is_empty() {
        return Err(Unsupported);
    }
    let mut writer = Writer {
        out: String::with_capacity(4096),
        line_start: 0,
    };
    writer.mapping(map, 0, true)?;
    if writer.line_start != writer.out.len() {
        writer.out.push('\n');
    }
    Ok(writer.out)
}

struct Writer {
    out: String,
    /// Where the current line starts in `out`: the column is the distance to the end (the
    /// text is ASCII, so bytes are columns).
    line_start: usize,
}

impl Writer {
    fn column(&self) -> usize {
        self.out.len() - self.line_start
    }

    /// Starts a line at `indent`, unless a literal block just ended one.
    fn new_line(&mut self, indent: usize) {
        if self.line_start != self.out.len() {
            self.out.push('\n');
            self.line_start = self.out.len();
        }
        self.indent(indent);
    }

    fn indent(&mut self, indent: usize) {
        const SPACES: &str = "                                                                ";
        match SPACES.get(..indent) {
            Some(spaces) => self.out.push_str(spaces),
            None => self.out.extend(std::iter::repeat_n(' ', indent)),
        }
    }

    /// A block mapping whose keys start at `indent`; `inline_first` when the first key
    /// follows on the current line (at the root, or after a sequence's `- `).
    fn mapping(&mut self, map: &Map<String, Value>, indent: usize, inline_first: bool) -> Written {
        // Sorted on the stack: most mappings are small, and there is one per object written.
        static NULL: Value = Value::Null;
        let mut small = [("", &NULL); 24];
        let mut large = Vec::new();
        let entries = match small.get_mut(..map.len()) {
            Some(entries) => {
                for (slot, (key, value)) in entries.iter_mut().zip(map) {
                    *slot = (key.as_str(), value);
                }
                entries
            }
            None => {
                large.extend(map.iter().map(|(key, value)| (key.as_str(), value)));
                large.as_mut_slice()
            }
        };
        sort_entries(entries);
        for (i, &(key, value)) in entries.iter().enumerate() {
            if i > 0 || !inline_first {
                self.new_line(indent);
            }
            if key.len() > MAX_SIMPLE_KEY {
                return Err(Unsupported);
            }
            self.string(key)?;
            self.out.push(':');
            match value {
                Value::Object(inner) if !inner.is_empty() => {
                    self.mapping(inner, indent + 2, false)?
                }
                // go-yaml's sequences under a key are not indented.
                Value::Array(items) if !items.is_empty() => self.sequence(items, indent, false)?,
                Value::String(text) => {
                    let scan = Scan::of(text.as_bytes());
                    if scan.line_break {
                        self.literal(text, indent + 2)?;
                    } else {
                        self.out.push(' ');
                        self.string_scanned(text, &scan)?;
                    }
                }
                other => {
                    self.out.push(' ');
                    self.leaf(other)?;
                }
            }
        }
        Ok(())
    }

    fn sequence(&mut self, items: &[Value], indent: usize, inline_first: bool) -> Written {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !inline_first {
                self.new_line(indent);
            }
            self.out.push_str("- ");
            match item {
                Value::Object(inner) if !inner.is_empty() => {
                    self.mapping(inner, indent + 2, true)?
                }
                Value::Array(inner) if !inner.is_empty() => {
                    self.sequence(inner, indent + 2, true)?
                }
                other => self.leaf(other)?,
            }
        }
        Ok(())
    }

    /// A scalar or an empty collection, right after `key: ` or `- `.
    fn leaf(&mut self, value: &Value) -> Written {
        match value {
            Value::Null => self.plain("null"),
            Value::Bool(b) => self.plain(if *b { "true" } else { "false" }),
            Value::Number(n) => self.plain(&number_text(n)),
            Value::String(s) => self.string(s),
            Value::Object(_) => {
                self.out.push_str("{}");
                Ok(())
            }
            Value::Array(_) => {
                self.out.push_str("[]");
                Ok(())
            }
        }
    }

    fn string(&mut self, s: &str) -> Written {
        self.string_scanned(s, &Scan::of(s.as_bytes()))
    }

    fn string_scanned(&mut self, s: &str, scan: &Scan) -> Written {
        // One look at the bytes answers printability (a line break is not printable, and
        // makes the style a literal block, which only `mapping` writes) and plain style.
        if !scan.printable {
            return Err(Unsupported);
        }
        match single_line_style(s) {
            ScalarStyle::Plain => self.plain_scanned(s, scan),
            ScalarStyle::DoubleQuoted => self.double_quoted_scanned(s, scan),
            _ => Err(Unsupported),
        }
    }

    /// `|` or `|-` and the lines of `s` at `indent`, for text libyaml writes that way with
    /// no indentation hint and no `+` chomping.
    fn literal(&mut self, s: &str, indent: usize) -> Written {
        let b = s.as_bytes();
        let lines_ok = b.iter().all(|c| *c == b'\n' || (0x20..0x7f).contains(c));
        if !lines_ok
            || matches!(b.first(), Some(b' ' | b'\n'))
            || b.ends_with(b"\n\n")
            || b.ends_with(b" ")
            || s.contains(" \n")
        {
            return Err(Unsupported);
        }
        self.out
            .push_str(if b.ends_with(b"\n") { " |" } else { " |-" });
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            self.out.push('\n');
            self.line_start = self.out.len();
            if !line.is_empty() {
                self.indent(indent);
                self.out.push_str(line);
            }
        }
        if b.ends_with(b"\n") {
            self.out.push('\n');
            self.line_start = self.out.len();
        }
        Ok(())
    }

    /// Plain text as asked when libyaml's analysis allows it in block context; otherwise,
    /// as libyaml does for printable ASCII, single-quoted (`'*'`, `'a: b'`).
    fn plain(&mut self, s: &str) -> Written {
        let scan = Scan::of(s.as_bytes());
        if !scan.printable {
            return Err(Unsupported);
        }
        self.plain_scanned(s, &scan)
    }

    fn plain_scanned(&mut self, s: &str, scan: &Scan) -> Written {
        if !plain_allowed(s.as_bytes(), scan) {
            return self.single_quoted(s, scan);
        }
        if self.could_fold(scan, s.len()) {
            return Err(Unsupported);
        }
        self.out.push_str(s);
        Ok(())
    }

    /// `'…'` with `'` doubled.
    fn single_quoted(&mut self, s: &str, scan: &Scan) -> Written {
        let quotes = s.bytes().filter(|b| *b == b'\'').count();
        if self.could_fold(scan, s.len() + quotes + 2) {
            return Err(Unsupported);
        }
        self.out.push('\'');
        for c in s.chars() {
            if c == '\'' {
                self.out.push('\'');
            }
            self.out.push(c);
        }
        self.out.push('\'');
        Ok(())
    }

    /// `"…"` with libyaml's escapes for printable ASCII (`\"`, `\\`).
    fn double_quoted_scanned(&mut self, s: &str, scan: &Scan) -> Written {
        let escapes = s.bytes().filter(|b| matches!(b, b'"' | b'\\')).count();
        if self.could_fold(scan, s.len() + escapes + 2) {
            return Err(Unsupported);
        }
        self.out.push('"');
        for c in s.chars() {
            if matches!(c, '"' | '\\') {
                self.out.push('\\');
            }
            self.out.push(c);
        }
        self.out.push('"');
        Ok(())
    }

    /// libyaml breaks a line only at a space written past [`BEST_WIDTH`]; text with a space
    /// that ends beyond that column might fold.
    fn could_fold(&self, scan: &Scan, written_len: usize) -> bool {
        self.column() + written_len > BEST_WIDTH && scan.space
    }
}

/// What the writer needs to know of a scalar's bytes, from one pass over them.
struct Scan {
    /// Every character is one libyaml writes as itself in any style, with no line break.
    printable: bool,
    space: bool,
    /// After the first character, a `:` followed by a blank or the end, or a `#` after a
    /// space: either rules out plain style.
    indicator_inside: bool,
    /// A `\n` (which is not printable): the text is a literal block where one may be.
    line_break: bool,
}

impl Scan {
    fn of(b: &[u8]) -> Scan {
        let mut scan = Scan {
            printable: true,
            space: false,
            indicator_inside: false,
            line_break: false,
        };
        // Most scalars are letters, digits and `-./_` only: one table look-up a byte finds
        // where anything else starts.
        let Some(start) = b.iter().position(|&c| !ORDINARY[usize::from(c)]) else {
            return scan;
        };
        let mut previous = start.checked_sub(1).and_then(|i| b.get(i)).copied();
        for (i, &c) in b.iter().enumerate().skip(start) {
            match c {
                _ if ORDINARY[usize::from(c)] => {}
                b'\n' => {
                    scan.line_break = true;
                    scan.printable = false;
                }
                b' ' => scan.space = true,
                b':' if i > 0 => {
                    scan.indicator_inside |= b.get(i + 1).is_none_or(|next| *next == b' ');
                }
                b'#' if previous == Some(b' ') => scan.indicator_inside = true,
                b'!'..=b'~' => {}
                _ => scan.printable = false,
            }
            previous = Some(c);
        }
        scan
    }
}

/// The printable ASCII bytes other than a space, `:` and `#`: the ones [`Scan::of`] only
/// passes over.
static ORDINARY: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = b'!';
    while c <= b'~' {
        table[c as usize] = c != b':' && c != b'#';
        c += 1;
    }
    table
};

/// libyaml's `yaml_emitter_analyze_scalar` allows block-plain style for this printable ASCII
/// text: not empty, no leading or trailing space, no document marker at the start, no block
/// indicator.
fn plain_allowed(b: &[u8], scan: &Scan) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || b.starts_with(b"---") || b.starts_with(b"...") {
        return false;
    }
    let blank_at = |i: usize| b.get(i).is_none_or(|c| *c == b' ');
    if matches!(
        first,
        b'#' | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) || (matches!(first, b'?' | b':' | b'-') && blank_at(1))
    {
        return false;
    }
    !scan.indicator_inside
}

#[cfg(test)]
mod tests {
    use super::super::emit::libyaml_to_yaml;
    use super::super::emit::tests::json_value;
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn layout_matches_libyaml() {
        let v = json!({
            "a": {"b": [1, {"c": "d", "e": [], "f": {}}, ["x", ["y"]]], "g": null},
            "h": [[{"i": true}]],
            "j": "with \"quotes\" and \\",
            "k": "",
            "l": "plain text",
            "n": ["- x", "a: b", "#x", "x #y", " x", "x ", "---", "*", "it's", "a:b", "x#y", "a:", "?x", "? x", "-x", "...x", "x ---", "%x", "[x", "x]"],
            "m": 1.5,
            "p": {"- x": 1, "a:": 2, "?x": 3, "*": 4, "": 5, "yes": 6, "a b": 7},
            "o": {"p": "{}\n", "q": "[\n    {\"a\":1}\n\n  ,x\n]", "r": "last\n"},
        });
        assert_eq!(to_yaml(&v), libyaml_to_yaml(&v).map_err(|_| Unsupported));
    }

    #[test]
    fn gives_up_where_libyaml_restyles_or_folds() {
        for s in ["é", "a\tb", "x\n\ny\n\n", " x\ny", "x \ny"] {
            assert_eq!(to_yaml(&json!({ "k": s })), Err(Unsupported), "{s:?}");
        }
        let long = "word ".repeat(20);
        assert_eq!(to_yaml(&json!({ "k": long.trim() })), Err(Unsupported));
        assert_eq!(to_yaml(&json!("scalar")), Err(Unsupported));
        assert_eq!(to_yaml(&json!({})), Err(Unsupported));
    }

    proptest! {
        /// Whatever this writer accepts, it writes as libyaml does.
        #[test]
        fn same_text_as_libyaml(
            root in prop::collection::btree_map("[a-z0-9 :#-]{0,6}", json_value(), 1..5)
        ) {
            let v = Value::Object(root.into_iter().collect());
            if let Ok(text) = to_yaml(&v) {
                prop_assert_eq!(Ok(text), libyaml_to_yaml(&v));
            }
        }
    }
}

//! Proxy UID/GID on OpenShift (Istio's `GetProxyIDs`).
//!
//! OpenShift pre-allocates a UID range and supplemental-group ranges to every namespace and
//! refuses pods that run outside them, so the proxy cannot use the usual 1337. Istio picks the
//! top of the namespace's UID range (and of its first group range), leaving the lower values to
//! the application. Any annotation that is missing or malformed falls back to 1337 silently,
//! exactly as Istio does.
//!
//! The range parser reproduces OpenShift's `ParseBlock`, which reads the annotation with Go's
//! `fmt.Sscanf("%d/%d")` or `fmt.Sscanf("%d-%d")`: leading blanks before each number are skipped,
//! signs are refused, numbers must fit in `uint32`, trailing text after the second number is
//! ignored, and `start + size - 1` wraps around like Go's `uint32` arithmetic.

pub use crate::annotation::OPENSHIFT_SUPPLEMENTAL_GROUPS as SUPPLEMENTAL_GROUPS_ANNOTATION;
pub use crate::annotation::OPENSHIFT_UID_RANGE as UID_RANGE_ANNOTATION;
use serde_json::{Map, Value};

/// The proxy's UID and GID outside OpenShift (Istio's `DefaultProxyUIDInt`).
pub const DEFAULT_PROXY_ID: i64 = 1337;

/// The UID and GID the proxy runs as, given the annotations of the pod's namespace (`None` when
/// the namespace is unknown).
///
/// UID: the end of the `openshift.io/sa.scc.uid-range` block. GID: the end of the first block of
/// `openshift.io/sa.scc.supplemental-groups`, or of the UID range when that annotation is absent.
/// Each falls back to 1337 on its own when its annotation is missing, empty or malformed.
pub fn proxy_ids(namespace_annotations: Option<&Map<String, Value>>) -> (i64, i64) {
    let Some(annotations) = namespace_annotations else {
        return (DEFAULT_PROXY_ID, DEFAULT_PROXY_ID);
    };
    let uid = preallocated_uid_range(annotations)
        .map(|block| i64::from(block.end))
        .unwrap_or(DEFAULT_PROXY_ID);
    let gid = preallocated_supplemental_groups(annotations)
        .and_then(|blocks| blocks.first().map(|block| i64::from(block.end)))
        .unwrap_or(DEFAULT_PROXY_ID);
    (uid, gid)
}

/// An inclusive block of IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub start: u32,
    pub end: u32,
}

/// Why a block could not be read; the texts are those of Go's `fmt` scanner and OpenShift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockError {
    ExpectedInteger,
    UnexpectedEof,
    UnexpectedNewline,
    InputDoesNotMatchFormat,
    /// Fits in 64 bits but not in 32.
    Overflow(String),
    /// Does not even fit in 64 bits (`strconv.ParseUint` fails first).
    OutOfRange(String),
}

impl std::fmt::Display for BlockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlockError::ExpectedInteger => f.write_str("expected integer"),
            BlockError::UnexpectedEof => f.write_str("unexpected EOF"),
            BlockError::UnexpectedNewline => f.write_str("unexpected newline"),
            BlockError::InputDoesNotMatchFormat => f.write_str("input does not match format"),
            BlockError::Overflow(token) => {
                write!(f, "unsigned integer overflow on token {token}")
            }
            BlockError::OutOfRange(token) => {
                write!(
                    f,
                    "strconv.ParseUint: parsing \"{token}\": value out of range"
                )
            }
        }
    }
}

impl std::error::Error for BlockError {}

/// Parses one block: `<start>/<size>` when the text contains a `/`, `<start>-<end>` otherwise.
pub fn parse_block(input: &str) -> Result<Block, BlockError> {
    if input.contains('/') {
        let (start, size) = scan_pair(input, '/')?;
        // Go computes `start + size - 1` in uint32 and lets it wrap (size 0 gives start-1).
        let end = start.wrapping_add(size).wrapping_sub(1);
        Ok(Block { start, end })
    } else {
        let (start, end) = scan_pair(input, '-')?;
        Ok(Block { start, end })
    }
}

fn preallocated_uid_range(annotations: &Map<String, Value>) -> Option<Block> {
    let value = annotation(annotations, UID_RANGE_ANNOTATION)?;
    if value.is_empty() {
        return None;
    }
    parse_block(value).ok()
}

fn preallocated_supplemental_groups(annotations: &Map<String, Value>) -> Option<Vec<Block>> {
    // Only a *missing* groups annotation falls back to the UID range; an empty one is an error.
    let groups = match annotations.get(SUPPLEMENTAL_GROUPS_ANNOTATION) {
        Some(value) => value_as_str(value)?,
        None => annotation(annotations, UID_RANGE_ANNOTATION)?,
    };
    if groups.is_empty() {
        return None;
    }
    groups
        .split(',')
        .map(|segment| parse_block(segment).ok())
        .collect()
}

fn annotation<'a>(annotations: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    annotations.get(key).and_then(value_as_str)
}

/// A namespace annotation that is not a string cannot come from the API server; treating it as
/// unusable keeps the Istio fallback instead of inventing a value.
fn value_as_str(value: &Value) -> Option<&str> {
    match value {
        Value::String(text) => Some(text),
        // Go decodes a JSON null map value as "".
        Value::Null => Some(""),
        _ => None,
    }
}

/// Go's `fmt.Sscanf(input, "%d<sep>%d", &a, &b)` into two `uint32`.
fn scan_pair(input: &str, separator: char) -> Result<(u32, u32), BlockError> {
    let mut scanner = Scanner { rest: input };
    let first = scanner.unsigned()?;
    scanner.literal(separator)?;
    let second = scanner.unsigned()?;
    Ok((first, second))
}

struct Scanner<'a> {
    rest: &'a str,
}

impl Scanner<'_> {
    /// `%d` into a `uint32`: skip blanks (a newline is an error for `Sscanf`), then digits only.
    fn unsigned(&mut self) -> Result<u32, BlockError> {
        self.skip_space()?;
        if self.rest.is_empty() {
            return Err(BlockError::UnexpectedEof);
        }
        let digits_len = self
            .rest
            .bytes()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if digits_len == 0 {
            return Err(BlockError::ExpectedInteger);
        }
        let (token, rest) = self.rest.split_at(digits_len);
        self.rest = rest;
        match token.parse::<u64>() {
            Ok(wide) => u32::try_from(wide).map_err(|_| BlockError::Overflow(token.to_string())),
            Err(_) => Err(BlockError::OutOfRange(token.to_string())),
        }
    }

    fn skip_space(&mut self) -> Result<(), BlockError> {
        loop {
            let mut chars = self.rest.chars();
            match chars.next() {
                Some('\r') if chars.as_str().starts_with('\n') => self.rest = chars.as_str(),
                Some('\n') => return Err(BlockError::UnexpectedNewline),
                Some(c) if is_go_scan_space(c) => self.rest = chars.as_str(),
                _ => return Ok(()),
            }
        }
    }

    fn literal(&mut self, expected: char) -> Result<(), BlockError> {
        let mut chars = self.rest.chars();
        match chars.next() {
            None => Err(BlockError::UnexpectedEof),
            Some(c) if c == expected => {
                self.rest = chars.as_str();
                Ok(())
            }
            Some(_) => Err(BlockError::InputDoesNotMatchFormat),
        }
    }
}

/// The blanks Go's scanner skips (`fmt`'s `isSpace` table), newline excluded.
fn is_go_scan_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{000B}'
            | '\u{000C}'
            | '\r'
            | ' '
            | '\u{0085}'
            | '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn annotations(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn no_namespace_or_no_annotations_gives_1337() {
        assert_eq!(proxy_ids(None), (1337, 1337));
        assert_eq!(proxy_ids(Some(&Map::new())), (1337, 1337));
        let unrelated = annotations(json!({"openshift.io/description": "x"}));
        assert_eq!(proxy_ids(Some(&unrelated)), (1337, 1337));
    }

    #[test]
    fn proxy_ids_table() {
        let cases: &[(Value, (i64, i64))] = &[
            // The annotations OpenShift writes: start/size.
            (
                json!({UID_RANGE_ANNOTATION: "1000620000/10000",
                       SUPPLEMENTAL_GROUPS_ANNOTATION: "1000620000/10000"}),
                (1000629999, 1000629999),
            ),
            // start-end, and the first of several group blocks.
            (
                json!({UID_RANGE_ANNOTATION: "1000-2000",
                       SUPPLEMENTAL_GROUPS_ANNOTATION: "3000-3999,5000/10"}),
                (2000, 3999),
            ),
            // No groups annotation: the UID range is used for both.
            (json!({UID_RANGE_ANNOTATION: "1000/10"}), (1009, 1009)),
            // Groups only.
            (
                json!({SUPPLEMENTAL_GROUPS_ANNOTATION: "5000/100"}),
                (1337, 5099),
            ),
            // An empty groups annotation does not fall back to the UID range.
            (
                json!({UID_RANGE_ANNOTATION: "1000/10", SUPPLEMENTAL_GROUPS_ANNOTATION: ""}),
                (1009, 1337),
            ),
            // One bad group block spoils them all; the UID is independent.
            (
                json!({UID_RANGE_ANNOTATION: "1000/10",
                       SUPPLEMENTAL_GROUPS_ANNOTATION: "3000/10,bad"}),
                (1009, 1337),
            ),
            // Malformed UID range: falls back, and the groups fallback fails too.
            (json!({UID_RANGE_ANNOTATION: "abc"}), (1337, 1337)),
            (json!({UID_RANGE_ANNOTATION: ""}), (1337, 1337)),
            (json!({UID_RANGE_ANNOTATION: "-5/10"}), (1337, 1337)),
            (json!({UID_RANGE_ANNOTATION: "1000"}), (1337, 1337)),
            (json!({UID_RANGE_ANNOTATION: "4294967296/1"}), (1337, 1337)),
            // Sscanf leniency: blanks before numbers, junk after the second one.
            (
                json!({UID_RANGE_ANNOTATION: " 1000 / 10 extra"}),
                (1337, 1337),
            ),
            (
                json!({UID_RANGE_ANNOTATION: " 1000/ 10 extra"}),
                (1009, 1009),
            ),
            // Go's uint32 wrap-around for a zero size.
            (
                json!({UID_RANGE_ANNOTATION: "0/0"}),
                (4294967295, 4294967295),
            ),
            // Not a string: unusable, like an undecodable namespace.
            (json!({UID_RANGE_ANNOTATION: 1000}), (1337, 1337)),
        ];
        for (input, want) in cases {
            let map = annotations(input.clone());
            assert_eq!(proxy_ids(Some(&map)), *want, "annotations {input}");
        }
    }

    #[test]
    fn parse_block_errors_name_the_go_scanner_failure() {
        assert_eq!(parse_block("x-1"), Err(BlockError::ExpectedInteger));
        assert_eq!(parse_block("1"), Err(BlockError::UnexpectedEof));
        assert_eq!(parse_block("1+2"), Err(BlockError::InputDoesNotMatchFormat));
        assert_eq!(parse_block("1-\n2"), Err(BlockError::UnexpectedNewline));
        assert_eq!(
            parse_block("99999999999-1").map_err(|e| e.to_string()),
            Err("unsigned integer overflow on token 99999999999".to_string())
        );
        assert_eq!(
            parse_block("1-99999999999999999999").map_err(|e| e.to_string()),
            Err(
                "strconv.ParseUint: parsing \"99999999999999999999\": value out of range"
                    .to_string()
            )
        );
        assert_eq!(parse_block("7-3"), Ok(Block { start: 7, end: 3 }));
    }

    /// The OpenShift goldens run the proxy (outside TPROXY mode) as the IDs computed from the
    /// `test-ns` namespace annotations of their case.
    #[test]
    fn openshift_conformance_cases() {
        let Some(dir) = istio_conformance::locate_or_skip() else {
            return;
        };
        let mut checked = 0;
        let entries = istio_conformance::case_dirs(&dir);
        for case_dir in entries {
            let Ok(text) = std::fs::read_to_string(case_dir.join("case.yaml")) else {
                continue;
            };
            let case: Value = serde_yaml_ng::from_str(&text).expect("case.yaml parses");
            if case.get("platform").and_then(Value::as_str) != Some("openshift") {
                continue;
            }
            let ns_annotations = case
                .pointer("/cluster/namespaces")
                .and_then(Value::as_array)
                .and_then(|namespaces| {
                    namespaces
                        .iter()
                        .find(|ns| ns.get("name").and_then(Value::as_str) == Some("test-ns"))
                })
                .and_then(|ns| ns.get("annotations"))
                .and_then(Value::as_object)
                .expect("openshift case has test-ns annotations");
            let (uid, gid) = proxy_ids(Some(ns_annotations));
            assert_ne!(uid, DEFAULT_PROXY_ID, "{}", case_dir.display());
            let want = std::fs::read_to_string(case_dir.join("want.yaml")).expect("want.yaml");
            let mode = std::fs::read_to_string(case_dir.join("input.yaml")).expect("input.yaml");
            if mode.contains("TPROXY") {
                // TPROXY templates pin the proxy to 1337; the namespace IDs must not appear.
                assert!(!want.contains(&format!("runAsUser: {uid}")));
            } else {
                assert!(
                    want.contains(&format!("- -u\n        - \"{uid}\"")),
                    "iptables -u"
                );
                assert!(want.contains(&format!("runAsUser: {uid}")), "runAsUser");
                assert!(want.contains(&format!("runAsGroup: {gid}")), "runAsGroup");
            }
            checked += 1;
        }
        assert!(
            checked >= 2,
            "expected the hello-openshift cases, found {checked}"
        );
    }
}

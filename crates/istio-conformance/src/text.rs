//! Comparing YAML output as text (kube-inject's mode: byte for byte with `want.yaml`).

/// The data set README's normalisation (Istio's `StripVersion`): in
/// `sidecar.istio.io/status: '{"version":"<hex>",` the hex is blanked, as older goldens carry
/// one and the injector writes none.
pub fn strip_version(text: &str) -> String {
    const PREFIX: &str = "sidecar.istio.io/status: '{\"version\":\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        let after = at + PREFIX.len();
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let hex_len = tail
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(tail.len());
        rest = if tail[hex_len..].starts_with("\",") {
            &tail[hex_len..]
        } else {
            tail
        };
    }
    out.push_str(rest);
    out
}

/// The first line where `got` differs from `want`, for a report; `None` when they are equal.
pub fn first_difference(want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let mut want_lines = want.lines();
    let mut got_lines = got.lines();
    let mut line = 1;
    loop {
        match (want_lines.next(), got_lines.next()) {
            (Some(w), Some(g)) if w == g => line += 1,
            (None, None) => return Some("identical lines, different line endings".into()),
            (w, g) => {
                return Some(format!(
                    "line {line}: want {:?}, got {:?}",
                    w.unwrap_or("<end>"),
                    g.unwrap_or("<end>")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_version_is_blanked_and_nothing_else() {
        let text = "a: 1\n    sidecar.istio.io/status: '{\"version\":\"0a1f\",\"x\":1}'\nb: 2\n";
        assert_eq!(
            strip_version(text),
            "a: 1\n    sidecar.istio.io/status: '{\"version\":\"\",\"x\":1}'\nb: 2\n"
        );
        let no_comma = "sidecar.istio.io/status: '{\"version\":\"ab\"}'";
        assert_eq!(strip_version(no_comma), no_comma);
    }

    #[test]
    fn the_first_differing_line_is_named() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(
            first_difference("a\nb\n", "a\nc\n").unwrap(),
            "line 2: want \"b\", got \"c\""
        );
        assert_eq!(
            first_difference("a\n", "a\nb\n").unwrap(),
            "line 2: want \"<end>\", got \"b\""
        );
        assert_eq!(
            first_difference("a\n", "a\r\n").unwrap(),
            "identical lines, different line endings"
        );
    }
}

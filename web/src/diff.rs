//! The workload as written against the injected output, as a unified diff.

use similar::TextDiff;

/// Beyond this many bytes on either side the diff is not computed: a page cannot show it
/// usefully, and a worst-case line diff of megabytes takes seconds.
pub const MAX_DIFF_BYTES: usize = 512 * 1024;

/// A unified diff of `before` against `after` with three lines of context, or `None` when
/// either side is over [`MAX_DIFF_BYTES`].
pub fn unified(before: &str, after: &str) -> Option<String> {
    if before.len() > MAX_DIFF_BYTES || after.len() > MAX_DIFF_BYTES {
        return None;
    }
    let diff = TextDiff::from_lines(before, after);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header("workload", "injected")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_are_marked() {
        let diff = unified("a\nb\n", "a\nx\nb\n").unwrap();
        assert!(diff.starts_with("--- workload\n+++ injected\n"), "{diff}");
        assert!(diff.contains("\n+x\n"), "{diff}");
    }

    #[test]
    fn equal_texts_have_no_hunks() {
        assert_eq!(unified("a\n", "a\n").unwrap(), "");
    }

    #[test]
    fn huge_texts_are_not_diffed() {
        let big = "x\n".repeat(MAX_DIFF_BYTES);
        assert_eq!(unified(&big, "x\n"), None);
    }
}

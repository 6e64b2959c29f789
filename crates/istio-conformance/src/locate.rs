//! Where the data set is. One rule for every test, bench and binary: `$ISTIO_CONFORMANCE_DIR`
//! when set and not empty, else `../shared/istio-conformance` beside the workspace; it counts
//! as present when it holds [`MARKER`].

use std::path::{Path, PathBuf};

/// The file whose presence says "this is the data set": every consumer reads it.
pub const MARKER: &str = "base/injector-config.yaml";

/// What a test prints when it skips for want of the data set.
pub const ABSENT_MESSAGE: &str = "skipping: Istio's conformance data set was not found \
     (looked at $ISTIO_CONFORMANCE_DIR, else ../shared/istio-conformance beside the workspace)";

/// The directory the rule points at, whether or not it holds the data set.
fn default_dir() -> PathBuf {
    std::env::var_os("ISTIO_CONFORMANCE_DIR")
        .filter(|value| !value.is_empty())
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/istio-conformance"),
            PathBuf::from,
        )
}

fn holds_data_set(dir: &Path) -> bool {
    dir.join(MARKER).is_file() && dir.join("cases").is_dir()
}

/// The data set's directory, or `None` when it is not there.
pub fn locate() -> Option<PathBuf> {
    let dir = default_dir();
    holds_data_set(&dir).then_some(dir)
}

/// [`locate`], printing [`ABSENT_MESSAGE`] when the data set is absent (tests then pass
/// without running).
pub fn locate_or_skip() -> Option<PathBuf> {
    let found = locate();
    if found.is_none() {
        println!("{ABSENT_MESSAGE}");
    }
    found
}

/// For a command line that may name the directory: `explicit` must hold the data set (an
/// error otherwise); without it, [`locate`].
pub fn locate_explicit(explicit: Option<&Path>) -> Result<Option<PathBuf>, String> {
    match explicit {
        Some(dir) if holds_data_set(dir) => Ok(Some(dir.to_path_buf())),
        Some(dir) => Err(format!(
            "{}: not a conformance data set (expected {MARKER} and cases/ in it)",
            dir.display()
        )),
        None => Ok(locate()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_directory_must_be_a_data_set() {
        let error = locate_explicit(Some(Path::new("/nonexistent/conformance"))).unwrap_err();
        assert!(error.contains("not a conformance data set"), "{error}");
    }
}

//! Where the e2e tests' own things live: the fixtures and Istio's conformance data. Where the
//! built modules are is `policy_runner::paths`, re-exported here.

use std::path::{Path, PathBuf};

pub use policy_runner::paths::*;

/// `e2e-tests/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Istio's conformance data set (`istio_conformance::locate`); `None` when it is not there.
pub fn conformance_dir() -> Option<PathBuf> {
    istio_conformance::locate()
}

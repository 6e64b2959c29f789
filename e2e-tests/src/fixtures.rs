//! The committed fixtures under `e2e-tests/fixtures/`.

use std::path::PathBuf;

use serde_json::Value;

use crate::documents::read_value;
use crate::error::Result;
use crate::host::FixtureHost;
use crate::paths::fixtures_dir;

/// `fixtures/requests/<name>.json`: a bare AdmissionRequest.
pub fn request(name: &str) -> Result<Value> {
    read_value(&request_path(name))
}

pub fn request_path(name: &str) -> PathBuf {
    fixtures_dir().join("requests").join(format!("{name}.json"))
}

/// A host serving every Namespace of `fixtures/namespaces/` and the Nodes of
/// `fixtures/nodes/current.yaml` (kubelets new enough for native sidecars).
pub fn namespace_host() -> Result<FixtureHost> {
    cluster_host("current")
}

/// A host serving every Namespace of `fixtures/namespaces/` and the Nodes of
/// `fixtures/nodes/<nodes>.yaml`.
pub fn cluster_host(nodes: &str) -> Result<FixtureHost> {
    let mut host = FixtureHost::from_dir(&fixtures_dir().join("namespaces"))?;
    let path = fixtures_dir().join("nodes").join(format!("{nodes}.yaml"));
    for node in crate::documents::read_documents(&path)? {
        host.insert(node)?;
    }
    Ok(host)
}

/// `fixtures/sessions/<name>.yml`: a kwctl host-capabilities replay session.
pub fn session_path(name: &str) -> PathBuf {
    fixtures_dir().join("sessions").join(format!("{name}.yml"))
}

//! `nativeSidecars: auto`: istiod's `DetectNativeSidecar`, with the nodes read through the host.
//!
//! Native sidecars (init containers with `restartPolicy: Always`) are stable from Kubernetes
//! 1.33; an older kubelet would run `istio-proxy` as an init container that never finishes and
//! the pod would never start. So, like istiod: the pod's node decides when the pod is already
//! scheduled and the node is known; otherwise every node must be new enough (and there must be
//! at least one), so that a pod scheduled anywhere works.

use serde_json::Value;

use crate::cluster::Cluster;
use crate::json_path;

/// The first minor version of Kubernetes with native sidecars enabled and stable.
pub const MIN_KUBELET_MINOR: u64 = 33;

/// The only node fields the decision reads; the host trims everything else.
const NODE_FIELDS: &[&str] = &["metadata.name", "status.nodeInfo.kubeletVersion"];

/// Native or classic, and why not native when the cluster could not tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub native: bool,
    /// Set when the nodes could not be read: the classic sidecar is injected then, which every
    /// kubelet runs, and the response says so.
    pub warning: Option<String>,
}

/// Decides for a pod whose `spec.nodeName` is `node_name` (empty when unscheduled).
pub fn detect(cluster: &dyn Cluster, node_name: &str) -> Detection {
    if !node_name.is_empty() {
        match cluster.get_fields("v1", "Node", node_name, NODE_FIELDS) {
            Ok(Some(node)) => return Detection::decided(supports_native_sidecars(&node)),
            // istiod too falls back to every node when the named one is unknown.
            Ok(None) => {}
            Err(err) => return Detection::unknown(err),
        }
    }
    // Every node must be new enough, and there must be one; the first old node decides.
    let (mut seen, mut all_native) = (false, true);
    let read = cluster.each_of_all("v1", "Node", NODE_FIELDS, &mut |node| {
        seen = true;
        all_native = supports_native_sidecars(&node);
        all_native
    });
    match read {
        Ok(()) => Detection::decided(seen && all_native),
        Err(err) => Detection::unknown(err),
    }
}

impl Detection {
    fn decided(native: bool) -> Self {
        Detection {
            native,
            warning: None,
        }
    }

    fn unknown(err: String) -> Self {
        Detection {
            native: false,
            warning: Some(format!(
                "nativeSidecars auto: cannot read the cluster's nodes ({err}); injecting istio-proxy as a regular container"
            )),
        }
    }
}

/// Whether a node's kubelet runs native sidecars. A version that cannot be read counts as
/// too old, as in istiod.
pub fn supports_native_sidecars(node: &Value) -> bool {
    json_path::at(node, &["status", "nodeInfo", "kubeletVersion"])
        .and_then(Value::as_str)
        .and_then(kubelet_minor)
        .is_some_and(|minor| minor >= MIN_KUBELET_MINOR)
}

/// The minor version of a kubelet version string as hashicorp's go-version reads it
/// (`v1.33.1`, `1.34.0-eks-4f4795d`, `v1.33.2+k3s1`, `1.33.0beta1`): an optional `v`, then
/// dot-separated numbers, then an optional pre-release or build suffix. A missing minor reads
/// as 0.
pub fn kubelet_minor(version: &str) -> Option<u64> {
    let version = version.strip_prefix('v').unwrap_or(version);
    let numeric_end = version
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(version.len());
    let (numbers, suffix) = version.split_at(numeric_end);
    if suffix == "-" || suffix == "+" {
        return None;
    }
    let segments = numbers
        .split('.')
        .map(|segment| {
            let digits_only = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
            digits_only.then(|| segment.parse::<u64>().ok()).flatten()
        })
        .collect::<Option<Vec<u64>>>()?;
    Some(segments.get(1).copied().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixtures::FixtureCluster;
    use serde_json::json;

    fn node(name: &str, kubelet: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
               "status": {"nodeInfo": {"kubeletVersion": kubelet}}})
    }

    #[test]
    fn kubelet_versions_read_as_go_version_reads_them() {
        for (version, minor) in [
            ("v1.33.1", Some(33)),
            ("1.34.0", Some(34)),
            ("v1.32.5-eks-4f4795d", Some(32)),
            ("v1.33.2+k3s1", Some(33)),
            ("v1", Some(0)),
            ("v1.30", Some(30)),
            ("", None),
            ("v1.x.0", None),
            ("one.thirty", None),
            ("v1.33.0-", None),
            ("1.33.0beta1", Some(33)),
            ("1..33", None),
        ] {
            assert_eq!(kubelet_minor(version), minor, "{version:?}");
        }
    }

    #[test]
    fn the_pods_node_decides_when_it_is_scheduled() {
        let cluster = FixtureCluster::default()
            .with(node("new", "v1.33.0"))
            .with(node("old", "v1.31.4"));
        assert!(detect(&cluster, "new").native);
        assert!(!detect(&cluster, "old").native);
        assert_eq!(
            cluster.lookups.borrow().as_slice(),
            ["v1/Node /new", "v1/Node /old"],
            "one look-up of the named node, no list"
        );
    }

    #[test]
    fn unscheduled_pods_need_every_node_to_be_new_enough() {
        let all_new = FixtureCluster::default()
            .with(node("a", "v1.33.0"))
            .with(node("b", "v1.34.1"));
        assert!(detect(&all_new, "").native);
        let mixed = FixtureCluster::default()
            .with(node("a", "v1.33.0"))
            .with(node("b", "v1.32.9"));
        assert!(!detect(&mixed, "").native);
        let unreadable = FixtureCluster::default().with(node("a", "unknown"));
        assert!(!detect(&unreadable, "").native);
    }

    #[test]
    fn an_unknown_node_falls_back_to_every_node() {
        let cluster = FixtureCluster::default().with(node("a", "v1.33.0"));
        assert!(detect(&cluster, "gone").native);
        assert_eq!(
            cluster.lookups.borrow().as_slice(),
            ["v1/Node /gone", "v1/Node list"]
        );
    }

    #[test]
    fn no_nodes_or_no_access_means_classic_sidecars() {
        let empty = FixtureCluster::default();
        assert_eq!(
            detect(&empty, ""),
            Detection {
                native: false,
                warning: None
            }
        );
        let mut failing = FixtureCluster::default();
        failing.fail = true;
        let detection = detect(&failing, "");
        assert!(!detection.native);
        assert!(
            detection
                .warning
                .as_deref()
                .is_some_and(|w| w.contains("connection refused")),
            "{detection:?}"
        );
    }
}

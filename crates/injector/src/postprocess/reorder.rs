//! Istio's `reorderPod`: where the injected containers end up after merging.

use super::containers::{
    self, CONTAINERS, CORE_DUMP, INIT, INIT_CONTAINERS, PROXY, Reorder, VALIDATION,
};
use serde_json::Value;

/// Puts the injected containers in Istio's order.
///
/// `istio-proxy` goes last among the containers so `kubectl exec` and logs default to the
/// application, or first when the application must wait for the proxy (`hold`).
///
/// Init containers: with a native sidecar the order is `istio-init`, `istio-validation`,
/// `istio-proxy`, `enable-core-dump`, then the user's (so the user's init containers run with
/// the mesh available). Otherwise `istio-validation` comes first (it blocks everything until CNI
/// has set up the pod) and `istio-init` and `enable-core-dump` last (so the user's init
/// containers are not caught by the iptables rules).
pub fn reorder_pod(pod: &mut Value, hold: bool) {
    if let Some(list) = containers::list_mut(pod, CONTAINERS) {
        let proxy_at = if hold {
            Reorder::MoveFirst
        } else {
            Reorder::MoveLast
        };
        containers::modify(list, PROXY, proxy_at);
    }
    let Some(init) = containers::list_mut(pod, INIT_CONTAINERS) else {
        return;
    };
    if containers::find(init, PROXY).is_some() {
        for name in [CORE_DUMP, PROXY, VALIDATION, INIT] {
            containers::modify(init, name, Reorder::MoveFirst);
        }
    } else {
        containers::modify(init, VALIDATION, Reorder::MoveFirst);
        containers::modify(init, INIT, Reorder::MoveLast);
        containers::modify(init, CORE_DUMP, Reorder::MoveLast);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(init: &[&str], main: &[&str]) -> Value {
        let list =
            |names: &[&str]| -> Vec<Value> { names.iter().map(|n| json!({"name": n})).collect() };
        json!({"spec": {"initContainers": list(init), "containers": list(main)}})
    }

    fn names(pod: &Value, field: &str) -> Vec<String> {
        containers::list(pod, field)
            .iter()
            .map(|c| containers::name(c).to_string())
            .collect()
    }

    #[test]
    fn native_sidecar_order() {
        // What the strategic merge leaves: template items first, then the user's.
        let mut p = pod(
            &[
                "istio-init",
                "istio-proxy",
                "enable-core-dump",
                "init-one",
                "init-two",
            ],
            &["hello"],
        );
        reorder_pod(&mut p, false);
        assert_eq!(
            names(&p, INIT_CONTAINERS),
            [
                "istio-init",
                "istio-proxy",
                "enable-core-dump",
                "init-one",
                "init-two"
            ]
        );
        let mut p = pod(
            &[
                "user",
                "enable-core-dump",
                "istio-proxy",
                "istio-validation",
            ],
            &["a"],
        );
        reorder_pod(&mut p, true);
        assert_eq!(
            names(&p, INIT_CONTAINERS),
            [
                "istio-validation",
                "istio-proxy",
                "enable-core-dump",
                "user"
            ]
        );
    }

    #[test]
    fn classic_sidecar_order() {
        let mut p = pod(
            &[
                "istio-init",
                "enable-core-dump",
                "init-one",
                "istio-validation",
            ],
            &["istio-proxy", "hello", "world"],
        );
        reorder_pod(&mut p, false);
        assert_eq!(
            names(&p, INIT_CONTAINERS),
            [
                "istio-validation",
                "init-one",
                "istio-init",
                "enable-core-dump"
            ]
        );
        assert_eq!(names(&p, CONTAINERS), ["hello", "world", "istio-proxy"]);
        reorder_pod(&mut p, true);
        assert_eq!(names(&p, CONTAINERS), ["istio-proxy", "hello", "world"]);
    }

    #[test]
    fn pods_without_lists_are_left_alone() {
        let mut p = json!({"spec": {}});
        reorder_pod(&mut p, true);
        assert_eq!(p, json!({"spec": {}}));
    }
}

//! Istio's `overwriteClusterInfo`: the injector's proxy envs (cluster id, network, and any
//! variable from the webhook URL path) win over what the template rendered.

use super::containers;
use serde_json::Value;
use std::collections::BTreeMap;

/// Moves every variable named in `proxy_envs` to the end of `istio-proxy`'s env, in key order,
/// with the injector's value. Nothing happens without an `istio-proxy` or without envs.
pub fn overwrite_cluster_info(pod: &mut Value, proxy_envs: &BTreeMap<String, String>) {
    if proxy_envs.is_empty() {
        return;
    }
    if let Some(sidecar) = containers::find_sidecar_mut(pod) {
        update_cluster_envs(sidecar, proxy_envs);
    }
}

/// Istio's `updateClusterEnvs` on one container.
pub fn update_cluster_envs(container: &mut Value, new_values: &BTreeMap<String, String>) {
    let Some(env) = containers::env_mut(container) else {
        return;
    };
    env.retain(|entry| !new_values.contains_key(containers::name(entry)));
    env.extend(
        new_values
            .iter()
            .map(|(name, value)| containers::env_var(name, value)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    // Istio's Test_updateClusterEnvs: `/inject/net/network1/cluster/cluster1` on an empty container.
    #[test]
    fn empty_container_gets_sorted_envs() {
        let mut container = json!({});
        update_cluster_envs(
            &mut container,
            &envs(&[
                ("ISTIO_META_NETWORK", "network1"),
                ("ISTIO_META_CLUSTER_ID", "cluster1"),
            ]),
        );
        assert_eq!(
            container["env"],
            json!([
                {"name": "ISTIO_META_CLUSTER_ID", "value": "cluster1"},
                {"name": "ISTIO_META_NETWORK", "value": "network1"}
            ])
        );
    }

    #[test]
    fn rendered_values_are_replaced_and_moved_last() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "app", "env": [{"name": "ISTIO_META_NETWORK", "value": "keep"}]},
            {"name": "istio-proxy", "env": [
                {"name": "ISTIO_META_NETWORK", "value": "rendered"},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
            ]}
        ]}});
        overwrite_cluster_info(&mut pod, &envs(&[("ISTIO_META_NETWORK", "net1")]));
        assert_eq!(
            pod["spec"]["containers"][1]["env"],
            json!([
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "ISTIO_META_NETWORK", "value": "net1"}
            ])
        );
        assert_eq!(pod["spec"]["containers"][0]["env"][0]["value"], "keep");
    }

    #[test]
    fn no_envs_no_change() {
        let pod =
            json!({"spec": {"containers": [{"name": "istio-proxy", "env": [{"name": "A"}]}]}});
        let mut edited = pod.clone();
        overwrite_cluster_info(&mut edited, &BTreeMap::new());
        assert_eq!(edited, pod);
    }
}

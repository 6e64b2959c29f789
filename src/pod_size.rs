//! The one bound the policy puts on a pod's size. Injection time grows with the containers
//! (Istio's templates walk every container's ports and probes, ~0.1 ms each in wasm), and
//! policy-server cuts an evaluation at 2 s with a 500 that blocks the pod with no reason
//! given. 10,000 containers with Istio's templates come close to that on a busy node; 1,000
//! take a tenth of it, and no real pod comes near either.

use crate::json_path;
use serde_json::Value;

/// Containers and init containers together that the policy injects at most.
pub const MAX_CONTAINERS: usize = 1_000;

/// Refuses a pod with more containers than the policy answers for within the deadline.
pub fn check(pod: &Value) -> Result<(), String> {
    let count = |field: &str| {
        json_path::at(pod, &["spec", field])
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let containers = count("containers") + count("initContainers");
    if containers > MAX_CONTAINERS {
        return Err(format!(
            "the pod has {containers} containers and init containers; the injector handles at \
             most {MAX_CONTAINERS}, to answer within the policy server's timeout"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(containers: usize, init_containers: usize) -> Value {
        let list = |n: usize| {
            (0..n)
                .map(|i| json!({"name": format!("c{i}")}))
                .collect::<Vec<_>>()
        };
        json!({"spec": {"containers": list(containers), "initContainers": list(init_containers)}})
    }

    #[test]
    fn counts_containers_and_init_containers_together() {
        assert_eq!(check(&pod(MAX_CONTAINERS - 1, 1)), Ok(()));
        let refused = check(&pod(MAX_CONTAINERS, 1)).unwrap_err();
        assert!(
            refused.starts_with("the pod has 1001 containers"),
            "{refused}"
        );
    }

    #[test]
    fn a_pod_without_containers_is_not_refused_here() {
        assert_eq!(check(&json!({})), Ok(()));
    }
}

//! Reading a field of a JSON object by its keys.
//!
//! `serde_json::Value::pointer` unescapes every token of its path into a new `String`
//! (`~1`, `~0`), two allocations per key on each call; the policy reads a handful of fixed
//! paths on every admission, none of which needs escaping.

use serde_json::Value;

/// The value at `keys` below `value`, each key an object field; `None` when a key is missing
/// or a value on the way is not an object.
pub fn at<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(value, |node, key| node.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_like_a_json_pointer_of_plain_keys() {
        let pod = json!({
            "metadata": {"namespace": "shop", "labels": {"app": "cart"}},
            "spec": {"containers": [{"name": "app"}], "nodeName": null}
        });
        for path in [
            "/metadata/namespace",
            "/metadata/labels",
            "/metadata/annotations",
            "/spec/containers",
            "/spec/nodeName",
            "/spec/containers/name",
            "/status/phase",
            "",
        ] {
            let keys: Vec<&str> = path.split('/').skip(1).collect();
            assert_eq!(at(&pod, &keys), pod.pointer(path), "{path}");
        }
        // A string or list on the way ends the walk, as `pointer` does for a non-index key.
        assert_eq!(at(&pod, &["metadata", "namespace", "x"]), None);
        assert_eq!(at(&pod, &["spec", "containers", "0"]), None);
    }
}

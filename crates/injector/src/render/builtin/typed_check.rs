//! Whether a render comes out the way Go's typed round trip writes it, so that the normalize
//! after the merge leaves every object where it is instead of rebuilding it.
//!
//! The normalize still runs on the render, so a render out of Go's form is slower, not wrong;
//! this check keeps the property from eroding unnoticed. Three things are not the renderer's
//! to shape and are left out: quantities (values' and annotations' resource strings,
//! canonicalized by the normalize), nulls (`- emptyDir:`, deleted by the merge before the
//! normalize sees the result) and zero values Go omits (`initialDelaySeconds: 0`, `value: ""`):
//! merged into a container the pod already has, they overwrite its value, so they stay.

use crate::annotation::{USER_VOLUME, USER_VOLUME_MOUNT};
use crate::k8s::{self, NormalizeOptions};
use serde_json::Value;

/// The places where normalizing `render` (a pod overlay) would move, drop or change something,
/// one line each; empty when the render is already typed. A pod with user volumes or mounts
/// (`sidecar.istio.io/userVolume`, `userVolumeMount`: its own JSON, in `toYaml`'s key order)
/// is not checked: `pod` is the rendered pod.
pub(crate) fn untyped_places(pod: &Value, render: &Value) -> Vec<String> {
    let annotations = pod.pointer("/metadata/annotations");
    let user_entries = [USER_VOLUME, USER_VOLUME_MOUNT]
        .iter()
        .any(|key| annotations.and_then(|a| a.get(*key)).is_some());
    if user_entries {
        return Vec::new();
    }
    let merged = without_nulls(render);
    let normalized = match k8s::normalize(&k8s::POD, &merged, &NormalizeOptions::default()) {
        Ok(normalized) => normalized,
        Err(e) => return vec![format!("does not decode: {e}")],
    };
    let mut out = Vec::new();
    compare("", &merged, &normalized, &mut out);
    out
}

/// What the merge leaves of a patch's element added whole: object entries holding null are
/// deletions, not values.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn compare(path: &str, given: &Value, normalized: &Value, out: &mut Vec<String>) {
    match (given, normalized) {
        (Value::Object(given), Value::Object(normalized)) => {
            let kept: Vec<&String> = given
                .iter()
                .filter(|(k, v)| normalized.contains_key(*k) || !is_zero(v))
                .map(|(k, _)| k)
                .collect();
            if !kept.iter().copied().eq(normalized.keys()) {
                let typed: Vec<&String> = normalized.keys().collect();
                out.push(format!("{path}: keys {kept:?}, typed {typed:?}"));
            }
            for (key, value) in given {
                if let Some(typed) = normalized.get(key) {
                    compare(&format!("{path}.{key}"), value, typed, out);
                }
            }
        }
        (Value::Array(given), Value::Array(normalized)) if given.len() == normalized.len() => {
            for (i, (value, typed)) in given.iter().zip(normalized).enumerate() {
                compare(&format!("{path}[{i}]"), value, typed, out);
            }
        }
        // A quantity written otherwise than its canonical form.
        (Value::String(_), Value::String(_)) if is_quantity_place(path) => {}
        (given, normalized) if given == normalized => {}
        (given, normalized) => out.push(format!("{path}: {given}, typed {normalized}")),
    }
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Null => true,
    }
}

fn is_quantity_place(path: &str) -> bool {
    path.contains(".resources.") || path.contains(".emptyDir.sizeLimit")
}

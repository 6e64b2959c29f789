//! A pod the API server sends is already in Go's typed form: its typed copy equals it but for
//! `metadata.managedFields` (left out), the `creationTimestamp: null` of API servers before
//! Kubernetes 1.34 (Go's encoder now leaves it out) and a namespace taken from the request.
//! With those set aside, the received pod serves as the typed pod itself: read by the render,
//! and the diff base, patched in place ([`patch::apply_changes_to_itself`]). The typed copy is
//! then free to be the first merge's base rather than copied again (profiled: that copy and
//! its first-touch pages were a tenth of an injection).

use super::patch::{self, Patched};
use super::typed;
use crate::k8s;
use serde_json::{Map, Value};

const MANAGED_FIELDS: &str = "managedFields";
const CREATION_TIMESTAMP: &str = "creationTimestamp";
const NAMESPACE: &str = "namespace";

/// What was set aside to make the received pod equal its typed form.
#[derive(Debug, Clone)]
pub(crate) struct SetAside {
    /// Members of `metadata` the typed form leaves out, with their positions, in order.
    members: Vec<(usize, String, Value)>,
    /// Whether `metadata.namespace` was added (from the request).
    added_namespace: bool,
}

/// Sets aside what `typed` (the typed form of `raw`) does not hold: `raw` becomes equal to
/// `typed`, member order included. `None`, with `raw` as it was, when it does not.
pub(crate) fn adopt(raw: &mut Value, typed: &Value) -> Option<SetAside> {
    let typed_metadata = typed.get("metadata")?.as_object()?;
    let metadata = raw.get_mut("metadata")?.as_object_mut()?;
    let mut aside = set_aside(metadata);
    if !metadata.contains_key(NAMESPACE)
        && let Some(index) = typed_metadata.keys().position(|key| key == NAMESPACE)
        && index <= metadata.len()
        && let Some(namespace) = typed_metadata.get(NAMESPACE)
    {
        metadata.shift_insert(index, NAMESPACE.to_string(), namespace.clone());
        aside.added_namespace = true;
    }
    if same_in_order(raw, typed) {
        Some(aside)
    } else {
        aside.restore(raw);
        None
    }
}

/// [`adopt`] of a received pod found to be its own typed form by reading it, before any typed
/// copy is made ([`typed::normalize_pod`] copies the pod and normalizes the copy); `namespace`,
/// when given, is set where the pod has none (`typed::set_namespace`). `None`, with `raw` as it
/// was, when the pod is not shown typed: the caller then takes the typed copy.
pub(crate) fn adopt_typed(raw: &mut Value, namespace: Option<&str>) -> Option<SetAside> {
    let metadata = raw.get_mut("metadata")?.as_object_mut()?;
    // Go's decoder reads `managedFields` when it is a list or null (then dropped); anything
    // else is an invalid pod, which the typed copy reports.
    if !matches!(
        metadata.get(MANAGED_FIELDS),
        None | Some(Value::Null | Value::Array(_))
    ) {
        return None;
    }
    let mut aside = set_aside(metadata);
    if let Some(namespace) = namespace
        && !metadata.contains_key(NAMESPACE)
    {
        // Where Go's order puts it if the rest is in that order, which the check then tells.
        let (position, _) = k8s::OBJECT_META.field_position(NAMESPACE)?;
        let index = metadata
            .keys()
            .take_while(|key| {
                k8s::OBJECT_META
                    .field_position(key)
                    .is_some_and(|(p, _)| p < position)
            })
            .count();
        metadata.shift_insert(index, NAMESPACE.to_string(), Value::from(namespace));
        aside.added_namespace = true;
    }
    if k8s::is_normalized(&k8s::POD, raw, &typed::KEEP_UNKNOWN) {
        Some(aside)
    } else {
        aside.restore(raw);
        None
    }
}

/// Takes the members of the received `metadata` the typed form leaves out.
fn set_aside(metadata: &mut Map<String, Value>) -> SetAside {
    let left_out: Vec<(usize, String)> = metadata
        .iter()
        .enumerate()
        .filter(|(_, (key, value))| left_out_of_typed(key, value))
        .map(|(index, (key, _))| (index, key.clone()))
        .collect();
    let members = left_out
        .into_iter()
        .filter_map(|(index, key)| {
            let value = metadata.shift_remove(&key)?;
            Some((index, key, value))
        })
        .collect();
    SetAside {
        members,
        added_namespace: false,
    }
}

impl SetAside {
    /// [`patch::apply_changes`] to the received pod of the changes from its typed form (`raw`,
    /// as [`adopt`] left it) to `result`.
    pub(crate) fn apply(self, raw: Value, result: Value) -> Patched {
        #[cfg(debug_assertions)]
        let expected = {
            let mut received = raw.clone();
            self.clone().restore(&mut received);
            patch::apply_changes(received, &raw, result.clone())
        };
        let patched = if self.restores_after_patching(&raw, &result) {
            let mut patched = patch::apply_changes_to_itself(raw, result);
            self.restore(&mut patched.pod);
            patched
        } else {
            let typed = raw.clone();
            let mut received = raw;
            self.restore(&mut received);
            patch::apply_changes(received, &typed, result)
        };
        #[cfg(debug_assertions)]
        assert_eq!(
            (serde_json::to_string(&patched.pod).ok(), patched.changed),
            (serde_json::to_string(&expected.pod).ok(), expected.changed),
            "patching the received pod from itself"
        );
        patched
    }

    /// Whether putting back what was set aside after patching gives what patching the
    /// received pod gives: the diff leaves the set-aside members alone and appends to
    /// `metadata` without removing from it, so their positions hold.
    fn restores_after_patching(&self, typed: &Value, result: &Value) -> bool {
        if self.members.is_empty() && !self.added_namespace {
            return true;
        }
        let (Some(before), Some(after)) = (metadata(typed), metadata(result)) else {
            return false;
        };
        before.keys().all(|key| after.contains_key(key))
            && !self
                .members
                .iter()
                .any(|(_, key, _)| after.contains_key(key))
            && !(self.added_namespace && before.get(NAMESPACE) != after.get(NAMESPACE))
    }

    /// Puts back what was set aside.
    fn restore(self, pod: &mut Value) {
        let Some(metadata) = pod.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        if self.added_namespace {
            metadata.shift_remove(NAMESPACE);
        }
        for (index, key, value) in self.members {
            let index = index.min(metadata.len());
            metadata.shift_insert(index, key, value);
        }
    }
}

/// Whether the typed form leaves out this member of the received `metadata`, where the diff
/// never reaches it.
fn left_out_of_typed(key: &str, value: &Value) -> bool {
    match key {
        MANAGED_FIELDS => true,
        CREATION_TIMESTAMP => value.is_null(),
        _ => false,
    }
}

fn metadata(pod: &Value) -> Option<&Map<String, Value>> {
    pod.get("metadata")?.as_object()
}

/// Equality that also holds members in the same order and numbers in the same form: two
/// values that serialize alike. (`Value`'s own equality ignores member order.)
fn same_in_order(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_in_order(va, vb))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_in_order(a, b))
        }
        // `-0.0 == 0.0`, but they are written differently.
        (Value::Number(a), Value::Number(b)) => {
            a == b && a.as_f64().map(f64::to_bits) == b.as_f64().map(f64::to_bits)
        }
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests;

//! One decoded object through Istio's `IntoObject`: find the pod template, decide, inject,
//! write the injected pod back into the object.

use serde_json::{Map, Value};

use super::KubeInjectError;
use super::decode::{self, Decoded};
use super::go_form;
use super::kinds::{Kind, PodLocation};
use crate::deploymeta::{self, DeployMeta};
use crate::inject::{Injector, PodContext};
use crate::k8s::{self, SchemaError};

/// Injects the document `text` (as the YAML reader returned it) and returns its YAML, or
/// `None` when the document is not a registered kind and is to be written back verbatim.
pub(crate) fn inject_text(
    injector: &Injector,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, KubeInjectError> {
    let Decoded::Object { kind, object } = decode::decode_text(text)? else {
        return Ok(None);
    };
    let object = into_object(injector, kind, object, warnings)?;
    crate::goyaml::marshal(&object)
        .map(Some)
        .map_err(KubeInjectError::Serialize)
}

/// Istio's `IntoObject` over a typed object: the object with its pod injected (or unchanged
/// when skipped), as Go JSON.
pub fn into_object(
    injector: &Injector,
    kind: Kind,
    mut object: Value,
    warnings: &mut Vec<String>,
) -> Result<Value, KubeInjectError> {
    let Some(location) = kind.pod_location() else {
        inject_list_items(injector, &mut object, warnings)?;
        return Ok(object);
    };
    if kind.template_is_pointer() && at(&object, "/spec/template").is_none_or(Value::is_null) {
        return Err(KubeInjectError::MissingTemplate(
            "spec.template is required value".into(),
        ));
    }
    let (metadata, spec) = take_pod(&mut object, location)?;
    let mut pod = Map::with_capacity(2);
    pod.insert("metadata".into(), metadata);
    pod.insert("spec".into(), spec);
    let mut pod = Value::Object(pod);

    let workload = workload_meta(kind, &object, &pod);
    let full_name = if workload.namespace.is_empty() {
        workload.name.clone()
    } else {
        format!("{}/{}", workload.namespace, workload.name)
    };
    let skip = |why: &str| {
        let quoted = crate::golang::strconv::quote(&full_name);
        if workload.kind.is_empty() {
            format!("===> Skipping injection because {quoted} has {why}")
        } else {
            format!(
                "===> Skipping injection because {} {quoted} has {why}",
                workload.kind
            )
        }
    };

    let host_network = at(&pod, "/spec/hostNetwork") == Some(&Value::Bool(true));
    if host_network {
        warnings.push(skip("host networking enabled"));
    } else {
        let decision = injector.inject_required(&pod, "");
        if let Some(error) = decision.invalid_pod() {
            return Err(inject_error(&workload, &full_name, error));
        }
        warnings.extend(decision.warnings);
        if decision.inject {
            let ctx = PodContext {
                namespace: "",
                namespace_annotations: None,
            };
            let injected = injector
                .inject_workload_owned(std::mem::take(&mut pod), &ctx, &workload)
                .map_err(|error| inject_error(&workload, &full_name, error))?;
            warnings.extend(injected.warnings);
            pod = template_in_go_form(injected.pod).map_err(|e| {
                KubeInjectError::Serialize(format!("injected object is invalid: {e}"))
            })?;
        } else {
            warnings.push(skip("sidecar injection disabled"));
        }
    }

    put_pod(&mut object, location, pod)?;
    Ok(object)
}

/// The injected pod template's metadata and spec in Go's form. The rest of the object is as
/// `decode_as` left it, already Go's: normalizing the whole object again would rebuild it
/// unchanged.
fn template_in_go_form(pod: Value) -> Result<Value, SchemaError> {
    let mut parts = match pod {
        Value::Object(parts) => parts,
        // `put_pod` would write nulls, which Go reads as zero structs.
        _ => Map::new(),
    };
    for (field, ty) in [("metadata", &k8s::OBJECT_META), ("spec", &k8s::POD_SPEC)] {
        let part = parts.get_mut(field).map(std::mem::take).unwrap_or_default();
        parts.insert(field.into(), go_form::go_struct(ty, part)?);
    }
    Ok(Value::Object(parts))
}

fn inject_error(
    workload: &DeployMeta,
    full_name: &str,
    source: crate::InjectError,
) -> KubeInjectError {
    KubeInjectError::Inject {
        object: format!(
            "{} {}",
            workload.kind,
            crate::golang::strconv::quote(full_name)
        )
        .trim_start()
        .to_string(),
        source,
    }
}

/// The workload a pod template belongs to: the enclosing object, or for a bare Pod its
/// controller by Istio's owner-reference heuristics.
fn workload_meta(kind: Kind, object: &Value, pod: &Value) -> DeployMeta {
    if kind == Kind::Pod {
        return deploymeta::deploy_meta(pod);
    }
    let text = |pointer: &str| {
        at(object, pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    DeployMeta {
        name: text("/metadata/name"),
        namespace: text("/metadata/namespace"),
        kind: text("/kind"),
        api_version: text("/apiVersion"),
    }
}

/// Moves the pod's metadata and spec out of the object (no copy of the pod).
fn take_pod(object: &mut Value, location: PodLocation) -> Result<(Value, Value), KubeInjectError> {
    let mut take = |pointer: &str| {
        at_mut(object, pointer)
            .map(std::mem::take)
            .ok_or_else(|| KubeInjectError::MissingTemplate(format!("{pointer} is missing")))
    };
    let metadata = take(location.metadata)?;
    let spec = take(location.spec)?;
    Ok((metadata, spec))
}

/// Writes the (injected) pod's metadata and spec back where they came from.
fn put_pod(
    object: &mut Value,
    location: PodLocation,
    mut pod: Value,
) -> Result<(), KubeInjectError> {
    for (pointer, field) in [(location.metadata, "metadata"), (location.spec, "spec")] {
        let part = pod
            .get_mut(field)
            .map(std::mem::take)
            .unwrap_or(Value::Null);
        let Some(slot) = at_mut(object, pointer) else {
            return Err(KubeInjectError::MissingTemplate(format!(
                "{pointer} is missing"
            )));
        };
        *slot = part;
    }
    Ok(())
}

/// `value.pointer(path)` for this module's paths, which name object fields only and hold no
/// `~` escapes: a look-up per step, without `pointer`'s copy of every step's text.
fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('/')
        .skip(1)
        .try_fold(value, |value, key| value.get(key))
}

/// [`at`] for `pointer_mut`.
fn at_mut<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('/')
        .skip(1)
        .try_fold(value, |value, key| value.get_mut(key))
}

/// A `List`: every registered item is injected in place, the others are kept as they are.
fn inject_list_items(
    injector: &Injector,
    list: &mut Value,
    warnings: &mut Vec<String>,
) -> Result<(), KubeInjectError> {
    let Some(items) = list.get_mut("items").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for item in items.iter_mut() {
        if let Some(kind) = decode::registered_kind(item)? {
            let object = decode::decode_as(kind, std::mem::take(item))?;
            *item = into_object(injector, kind, object, warnings)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The look-ups answer as `pointer` does on every path this module asks, present,
    /// absent, null or through a value that is not an object.
    #[test]
    fn look_ups_answer_as_pointers_do() {
        let objects = [
            json!({"spec": {"template": {"metadata": {"name": "a"}, "spec": {"hostNetwork": true}},
                            "jobTemplate": {"metadata": {}, "spec": {"template": {"spec": null}}}},
                   "metadata": {"name": "n", "namespace": "ns"}, "kind": "Deployment"}),
            json!({"spec": {"template": null}, "metadata": "text", "kind": 3}),
            json!({"spec": ["template"]}),
            json!(null),
        ];
        let mut paths = vec![
            "/spec/template",
            "/spec/hostNetwork",
            "/metadata/name",
            "/metadata/namespace",
            "/kind",
            "/apiVersion",
        ];
        for name in ["Pod", "CronJob", "Deployment"] {
            let location = Kind::from_name(name).and_then(Kind::pod_location).unwrap();
            paths.extend([location.metadata, location.spec]);
        }
        for mut object in objects {
            for path in &paths {
                assert_eq!(
                    at(&object, path),
                    object.pointer(path),
                    "{path} in {object}"
                );
                let expected = object.clone().pointer_mut(path).cloned();
                assert_eq!(at_mut(&mut object, path).cloned(), expected, "{path}");
            }
        }
    }
}

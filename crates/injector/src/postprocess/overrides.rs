//! User customisations of injected containers (Istio's `reapplyOverwrittenContainers`,
//! `reinsertOverrides` and `adjustInitContainerUser`).
//!
//! A user may declare an `istio-proxy` (or `istio-init` …) container of their own: its fields
//! override what the template renders. The user's version is kept in annotation
//! `proxy.istio.io/overrides` so a re-injection, which strips the injected containers first,
//! can apply it again.

use super::containers::{self, CONTAINERS, INIT, INIT_CONTAINERS, VALIDATION};
use super::status;
use crate::error::InjectError;
use crate::inject::typed;
use serde_json::{Map, Value, json};

/// The annotation holding the user's container overrides.
pub const ANNOTATION: &str = "proxy.istio.io/overrides";
/// The image a user writes on an override to keep the injected image.
pub const AUTO_IMAGE: &str = "auto";
/// The annotation for the interception mode of one pod.
pub const INTERCEPTION_MODE_ANNOTATION: &str = "sidecar.istio.io/interceptionMode";

/// Istio's `ParsedContainers`: typed containers, as Go holds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedContainers {
    pub containers: Vec<Value>,
    pub init_containers: Vec<Value>,
}

impl ParsedContainers {
    fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.init_containers.is_empty()
    }

    /// Go's JSON of the struct (both lists `omitempty`), each container as Go encodes it.
    pub fn to_go_json(&self) -> Result<String, InjectError> {
        let mut out = String::from("{");
        for (field, list) in [
            (CONTAINERS, &self.containers),
            (INIT_CONTAINERS, &self.init_containers),
        ] {
            if list.is_empty() {
                continue;
            }
            if out.len() > 1 {
                out.push(',');
            }
            out.push('"');
            out.push_str(field);
            out.push_str("\":[");
            for (i, container) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&typed::container_go_json(container)?);
            }
            out.push(']');
        }
        out.push('}');
        Ok(out)
    }
}

/// The overrides stored on the pod, decoded as Go's `json.Unmarshal` into typed containers
/// would (a decoding error fails the injection, as in Istio).
pub fn parse_annotation(pod: &Value) -> Result<ParsedContainers, InjectError> {
    let Some(text) = containers::annotation(pod, ANNOTATION) else {
        return Ok(ParsedContainers::default());
    };
    let invalid = |why: String| InjectError::InvalidPod(format!("annotation {ANNOTATION}: {why}"));
    let value: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let object = match value {
        Value::Null => return Ok(ParsedContainers::default()),
        Value::Object(object) => object,
        _ => return Err(invalid("not a JSON object".into())),
    };
    let list = |field: &str| -> Result<Vec<Value>, InjectError> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    typed::go_container(item).map_err(|e| invalid(format!("{field}[{i}]: {e}")))
                })
                .collect(),
            Some(_) => Err(invalid(format!("{field} is not a list"))),
        }
    };
    Ok(ParsedContainers {
        containers: list(CONTAINERS)?,
        init_containers: list(INIT_CONTAINERS)?,
    })
}

/// Istio's `reinsertOverrides`: containers kept in the overrides annotation come back (at the
/// end) when the pod lacks them, so the templates see the same pod as on first injection.
pub fn reinsert_overrides(pod: &mut Value, overrides: &ParsedContainers) {
    for (field, stored) in [
        (CONTAINERS, &overrides.containers),
        (INIT_CONTAINERS, &overrides.init_containers),
    ] {
        if stored.is_empty() {
            continue;
        }
        let Some(list) = containers::list_or_create(pod, field) else {
            continue;
        };
        for container in stored {
            if containers::find(list, containers::name(container)).is_none() {
                list.push(container.clone());
            }
        }
    }
}

/// The user's version of a container, ready to be merged over the injected one: typed, with
/// the `auto` image removed so the injected image stays.
fn overlay_of(container: &Value) -> Result<Value, InjectError> {
    let mut overlay = typed::go_container(container).map_err(|e| {
        InjectError::InvalidPod(format!("container {:?}: {e}", containers::name(container)))
    })?;
    if overlay.get("image").and_then(Value::as_str) == Some(AUTO_IMAGE)
        && let Some(fields) = overlay.as_object_mut()
    {
        fields.remove("image");
    }
    Ok(overlay)
}

/// Istio's `reapplyOverwrittenContainers`. `original` is the pod as received (not stripped),
/// `template` the union of the rendered templates, `tproxy` whether the mesh ProxyConfig
/// intercepts with TPROXY.
pub fn reapply_overwritten_containers(
    mut merged: Value,
    original: &Value,
    template: &Value,
    tproxy: bool,
) -> Result<Value, InjectError> {
    let existing = parse_annotation(original)?;
    let status_text = containers::annotation(original, status::ANNOTATION);
    let injected = match status_text {
        Some(text) => status::parse_names(text)?,
        None => status::ParsedNames::default(),
    };
    let mut applied = ParsedContainers::default();

    for template_container in containers::list(template, CONTAINERS) {
        let name = containers::name(template_container);
        // On re-injection the previously injected container is rendered afresh.
        if injected.containers.iter().any(|n| n == name) {
            continue;
        }
        let user = containers::find(&existing.containers, name)
            .or_else(|| containers::find(containers::list(original, CONTAINERS), name));
        let Some(user) = user else { continue };
        let overlay = overlay_of(user)?;
        merged =
            typed::merge_overlay(&merged, &json!({"spec": {"containers": [overlay.clone()]}}))?;
        applied.containers.push(overlay);
    }
    for template_container in containers::list(template, INIT_CONTAINERS) {
        let name = containers::name(template_container);
        if injected.init_containers.iter().any(|n| n == name) {
            continue;
        }
        let user = containers::find(&existing.init_containers, name)
            .or_else(|| containers::find_in_pod(original, name));
        let Some(user) = user else { continue };
        let overlay = overlay_of(user)?;
        merged = typed::merge_overlay(
            &merged,
            &json!({"spec": {"initContainers": [overlay.clone()]}}),
        )?;
        applied.init_containers.push(overlay);
    }

    if status_text.is_none() && !applied.is_empty() {
        let stored = applied.to_go_json()?;
        if let Some(annotations) = containers::string_map_mut(&mut merged, "annotations") {
            annotations.insert(ANNOTATION.into(), Value::String(stored));
        }
    }
    adjust_init_container_user(&mut merged, original, tproxy);
    Ok(merged)
}

fn security_context_id(container: &Value, field: &str) -> Option<i64> {
    container.get("securityContext")?.get(field)?.as_i64()
}

fn security_context_mut(container: &mut Value) -> Option<&mut Map<String, Value>> {
    let slot = container
        .as_object_mut()?
        .entry("securityContext")
        .or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Istio's `adjustInitContainerUser`: when the user's `istio-proxy` sets runAsUser/runAsGroup,
/// the traffic-capture init container must agree with it (iptables `-u` excludes the proxy's
/// own traffic by uid), except in TPROXY mode where the proxy must run as root.
pub fn adjust_init_container_user(merged: &mut Value, original: &Value, mesh_tproxy: bool) {
    let Some(user) = containers::find_sidecar(original) else {
        return;
    };
    let user_uid = security_context_id(user, "runAsUser");
    let user_gid = security_context_id(user, "runAsGroup");
    if user_uid.is_none() && user_gid.is_none() {
        return;
    }
    let tproxy = mesh_tproxy
        || containers::annotation(merged, INTERCEPTION_MODE_ANNOTATION) == Some("TPROXY");
    if tproxy && user_uid.is_some() {
        // Istio assumes the template set a runAsUser here (it would crash otherwise).
        if let Some(context) = containers::find_sidecar_mut(merged).and_then(security_context_mut) {
            context.insert("runAsUser".into(), Value::from(0));
        }
    }
    let Some(init) = containers::list_mut(merged, INIT_CONTAINERS) else {
        return;
    };
    let Some(init) = [INIT, VALIDATION]
        .into_iter()
        .find_map(|name| init.iter().position(|c| containers::name(c) == name))
        .and_then(|index| init.get_mut(index))
    else {
        return;
    };
    if !tproxy
        && containers::name(init) == VALIDATION
        && let Some(context) = security_context_mut(init)
    {
        if let Some(uid) = user_uid {
            context.insert("runAsUser".into(), Value::from(uid));
        }
        if let Some(gid) = user_gid {
            context.insert("runAsGroup".into(), Value::from(gid));
        }
    }
    let Some(uid) = user_uid.filter(|uid| *uid != 0) else {
        return;
    };
    if let Some(args) = init.get_mut("args").and_then(Value::as_array_mut)
        && let Some(index) = args.iter().position(|a| a.as_str() == Some("-u"))
        && let Some(slot) = args.get_mut(index + 1)
    {
        *slot = Value::String(uid.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init_pod(init_name: &str, annotations: Value) -> Value {
        json!({
            "metadata": {"annotations": annotations},
            "spec": {
                "initContainers": [{"name": init_name, "args": ["istio-iptables", "-u", "1337", "-m", "REDIRECT"],
                    "securityContext": {"runAsUser": 0}}],
                "containers": [{"name": "app"}, {"name": "istio-proxy", "securityContext": {"runAsUser": 1337, "runAsGroup": 1337}}]
            }
        })
    }

    fn user(context: Value) -> Value {
        json!({"spec": {"containers": [{"name": "app"}, {"name": "istio-proxy", "securityContext": context}]}})
    }

    #[test]
    fn init_uid_follows_the_user_proxy() {
        let mut merged = init_pod("istio-init", Value::Null);
        adjust_init_container_user(&mut merged, &user(json!({"runAsUser": 1500})), false);
        assert_eq!(merged["spec"]["initContainers"][0]["args"][2], "1500");
        assert_eq!(
            merged["spec"]["initContainers"][0]["securityContext"]["runAsUser"],
            0
        );
        assert_eq!(
            merged["spec"]["containers"][1]["securityContext"]["runAsUser"],
            1337
        );
    }

    #[test]
    fn validation_container_runs_as_the_user_proxy() {
        let mut merged = init_pod("istio-validation", Value::Null);
        adjust_init_container_user(
            &mut merged,
            &user(json!({"runAsUser": 1500, "runAsGroup": 1600})),
            false,
        );
        let init = &merged["spec"]["initContainers"][0];
        assert_eq!(
            init["securityContext"],
            json!({"runAsUser": 1500, "runAsGroup": 1600})
        );
        assert_eq!(init["args"][2], "1500");
    }

    #[test]
    fn tproxy_forces_root_proxy() {
        let mut merged = init_pod(
            "istio-init",
            json!({INTERCEPTION_MODE_ANNOTATION: "TPROXY"}),
        );
        adjust_init_container_user(&mut merged, &user(json!({"runAsUser": 1500})), false);
        assert_eq!(
            merged["spec"]["containers"][1]["securityContext"]["runAsUser"],
            0
        );
        assert_eq!(merged["spec"]["initContainers"][0]["args"][2], "1500");

        let mut merged = init_pod("istio-validation", Value::Null);
        adjust_init_container_user(&mut merged, &user(json!({"runAsGroup": 7})), true);
        assert_eq!(
            merged["spec"]["initContainers"][0]["securityContext"],
            json!({"runAsUser": 0})
        );
    }

    #[test]
    fn nothing_to_adjust() {
        let pristine = init_pod("istio-init", Value::Null);
        for original in [
            user(json!({})),
            user(json!({"runAsUser": 0})),
            json!({"spec": {"containers": [{"name": "app"}]}}),
        ] {
            let mut merged = pristine.clone();
            adjust_init_container_user(&mut merged, &original, false);
            assert_eq!(merged, pristine);
        }
        // A trailing `-u` without a value is left alone rather than indexed past the end.
        let mut merged =
            json!({"spec": {"initContainers": [{"name": "istio-init", "args": ["-u"]}]}});
        adjust_init_container_user(&mut merged, &user(json!({"runAsUser": 5})), false);
        assert_eq!(merged["spec"]["initContainers"][0]["args"], json!(["-u"]));
    }

    #[test]
    fn user_containers_are_reapplied_once() {
        let template =
            json!({"spec": {"initContainers": [{"name": "istio-proxy", "image": "proxyv2"}]}});
        let merged = json!({"spec": {
            "initContainers": [{"name": "istio-proxy", "image": "proxyv2", "args": ["template"]}],
            "containers": [{"name": "app"}]
        }});
        let user_proxy =
            json!({"name": "istio-proxy", "image": "auto", "args": ["user"], "x-dropped": 1});
        let first = json!({"spec": {"containers": [{"name": "app"}, user_proxy]}});
        let Ok(out) = reapply_overwritten_containers(merged.clone(), &first, &template, false)
        else {
            panic!("reapply failed")
        };
        assert_eq!(out["spec"]["initContainers"][0]["args"], json!(["user"]));
        assert_eq!(out["spec"]["initContainers"][0]["image"], "proxyv2");
        assert_eq!(
            out["metadata"]["annotations"][ANNOTATION],
            r#"{"initContainers":[{"name":"istio-proxy","args":["user"],"resources":{}}]}"#
        );

        // Already injected: containers the status lists get the template's values, and the
        // stored overrides are not rewritten.
        let again = json!({
            "metadata": {"annotations": {
                status::ANNOTATION: r#"{"initContainers":["istio-proxy"]}"#,
                ANNOTATION: r#"{"initContainers":[{"name":"istio-proxy","args":["user"]}]}"#
            }},
            "spec": {"initContainers": [{"name": "istio-proxy", "args": ["user"]}], "containers": [{"name": "app"}]}
        });
        assert_eq!(
            reapply_overwritten_containers(merged.clone(), &again, &template, false),
            Ok(merged)
        );
    }

    #[test]
    fn stored_overrides_must_decode() {
        let pod = |text: &str| json!({"metadata": {"annotations": {ANNOTATION: text}}});
        assert!(parse_annotation(&pod("{oops")).is_err());
        assert!(parse_annotation(&pod(r#"{"containers":{"name":"x"}}"#)).is_err());
        assert!(parse_annotation(&pod(r#"{"containers":[{"name":7}]}"#)).is_err());
        assert_eq!(
            parse_annotation(&pod("null")),
            Ok(ParsedContainers::default())
        );
        assert_eq!(
            parse_annotation(&pod(
                r#"{"initContainers":[{"name":"istio-init","x":1,"args":null}]}"#
            )),
            Ok(ParsedContainers {
                containers: vec![],
                init_containers: vec![json!({"name": "istio-init"})]
            })
        );
    }

    #[test]
    fn reinsert_appends_missing_containers_only() {
        let overrides = ParsedContainers {
            containers: vec![
                json!({"name": "istio-proxy", "args": ["x"]}),
                json!({"name": "app", "image": "other"}),
            ],
            init_containers: vec![json!({"name": "istio-init"})],
        };
        let mut pod = json!({"spec": {"containers": [{"name": "app"}]}});
        reinsert_overrides(&mut pod, &overrides);
        assert_eq!(
            pod,
            json!({"spec": {
                "containers": [{"name": "app"}, {"name": "istio-proxy", "args": ["x"]}],
                "initContainers": [{"name": "istio-init"}]
            }})
        );
    }
}

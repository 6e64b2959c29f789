//! User customisations of injected containers (Istio's `reapplyOverwrittenContainers`,
//! `reinsertOverrides` and `adjustInitContainerUser`).
//!
//! A user may declare an `istio-proxy` (or `istio-init` …) container of their own: its fields
//! override what the template renders. The user's version is kept in annotation
//! `proxy.istio.io/overrides` so a re-injection, which strips the injected containers first,
//! can render from the same pod and apply it again (the latter is our deviation from Istio,
//! see [`reapply_overwritten_containers`]).

use super::containers::{self, CONTAINERS, INIT, INIT_CONTAINERS, VALIDATION};
use super::status;
pub use crate::annotation::INTERCEPTION_MODE as INTERCEPTION_MODE_ANNOTATION;
pub use crate::annotation::PROXY_OVERRIDES as ANNOTATION;
use crate::error::InjectError;
use crate::inject::typed;
use serde_json::{Map, Value, json};

/// The image a user writes on an override to keep the injected image.
pub const AUTO_IMAGE: &str = "auto";

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
                    let mut container = typed::go_container(item)
                        .map_err(|e| invalid(format!("{field}[{i}]: {e}")))?;
                    drop_empty_resources(&mut container);
                    Ok(container)
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

/// Go writes `resources: {}` for every container (a struct field is never omitted), so the
/// stored overrides always carry it. It is the zero value, the same as no `resources`; dropped,
/// so that re-applying a stored override does not add an empty map the user never wrote.
fn drop_empty_resources(container: &mut Value) {
    if let Some(fields) = container.as_object_mut()
        && fields
            .get("resources")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        fields.remove("resources");
    }
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

/// Istio's `reapplyOverwrittenContainers`: the user's version of each container the templates
/// inject is merged back over the injected one. `original` is the pod as received (not
/// stripped), `stored` its decoded `proxy.istio.io/overrides` annotation, `template` the union of
/// the rendered templates, `tproxy` whether the mesh ProxyConfig intercepts with TPROXY.
///
/// On first injection, exactly Istio: the user's version comes from the stored overrides, else
/// from the pod; whatever was applied is stored in the annotation.
///
/// **Deviation from Istio, on re-injection only** (the pod carries `sidecar.istio.io/status`):
/// Istio skips every container the status lists, so the new template values replace what was
/// injected (which keeps `ISTIO_META_APP_CONTAINERS` and `ISTIO_META_POD_PORTS` current). That
/// also throws away the user's overrides it stored on first injection: a second pass turns the
/// user's `runAsUser: 1234` back into the template's 1337, and the API server sees a patch for
/// a pod that did not change. Here a listed container gets its stored override re-applied —
/// only that, never the previously injected container, so the template values are still
/// recomputed — and the annotation stays as it was. Re-injecting then changes nothing.
pub fn reapply_overwritten_containers(
    mut merged: Value,
    original: &Value,
    stored: &ParsedContainers,
    template: &Value,
    tproxy: bool,
) -> Result<Value, InjectError> {
    let status_text = containers::annotation(original, status::ANNOTATION);
    let already_injected = status_text.is_some();
    let injected = match status_text {
        Some(text) => status::parse_names(text)?,
        None => status::ParsedNames::default(),
    };
    let mut applied = ParsedContainers::default();

    for (field, stored_list, injected_names, applied_list) in [
        (
            CONTAINERS,
            &stored.containers,
            &injected.containers,
            &mut applied.containers,
        ),
        (
            INIT_CONTAINERS,
            &stored.init_containers,
            &injected.init_containers,
            &mut applied.init_containers,
        ),
    ] {
        for template_container in containers::list(template, field) {
            let name = containers::name(template_container);
            let stored_version = containers::find(stored_list, name);
            let user = if injected_names.iter().any(|n| n == name) {
                // Re-injection: the pod's own copy is the previous injection, not the user's.
                stored_version
            } else if field == CONTAINERS {
                stored_version.or_else(|| containers::find(containers::list(original, field), name))
            } else {
                stored_version.or_else(|| containers::find_in_pod(original, name))
            };
            let Some(user) = user else { continue };
            let overlay = overlay_of(user)?;
            if !already_injected {
                applied_list.push(overlay.clone());
            }
            // `merged` is typed already (the templates' merge, or the previous override's).
            merged = typed::merge_overlay_typed(merged, container_patch(field, overlay))?;
        }
    }

    if !already_injected && !applied.is_empty() {
        let text = applied.to_go_json()?;
        if let Some(annotations) = containers::string_map_mut(&mut merged, "annotations") {
            annotations.insert(ANNOTATION.into(), Value::String(text));
        }
    }
    // On re-injection the pod's `istio-proxy` is the injected one; the user's is the stored
    // override (same deviation as above; without one, Istio's choice stands).
    let stored_proxy = containers::find(&stored.containers, containers::PROXY)
        .or_else(|| containers::find(&stored.init_containers, containers::PROXY));
    let user_proxy = match stored_proxy {
        Some(stored_proxy) if already_injected => Some(stored_proxy),
        _ => containers::find_sidecar(original),
    };
    adjust_init_container_user(&mut merged, user_proxy, tproxy);
    Ok(merged)
}

/// A strategic-merge patch for one container of the list `spec.<field>`.
fn container_patch(field: &str, container: Value) -> Value {
    let mut spec = Map::new();
    spec.insert(field.to_string(), Value::Array(vec![container]));
    json!({ "spec": spec })
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
///
/// `user_proxy` is the user's `istio-proxy` (Istio: the received pod's, `FindSidecar`).
pub fn adjust_init_container_user(
    merged: &mut Value,
    user_proxy: Option<&Value>,
    mesh_tproxy: bool,
) {
    let Some(user) = user_proxy else {
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

    /// Istio's call: the user's proxy is the received pod's.
    fn adjust(merged: &mut Value, original: &Value, tproxy: bool) {
        adjust_init_container_user(merged, containers::find_sidecar(original), tproxy);
    }

    fn user(context: Value) -> Value {
        json!({"spec": {"containers": [{"name": "app"}, {"name": "istio-proxy", "securityContext": context}]}})
    }

    #[test]
    fn init_uid_follows_the_user_proxy() {
        let mut merged = init_pod("istio-init", Value::Null);
        adjust(&mut merged, &user(json!({"runAsUser": 1500})), false);
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
        adjust(
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
        adjust(&mut merged, &user(json!({"runAsUser": 1500})), false);
        assert_eq!(
            merged["spec"]["containers"][1]["securityContext"]["runAsUser"],
            0
        );
        assert_eq!(merged["spec"]["initContainers"][0]["args"][2], "1500");

        let mut merged = init_pod("istio-validation", Value::Null);
        adjust(&mut merged, &user(json!({"runAsGroup": 7})), true);
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
            adjust(&mut merged, &original, false);
            assert_eq!(merged, pristine);
        }
        // A trailing `-u` without a value is left alone rather than indexed past the end.
        let mut merged =
            json!({"spec": {"initContainers": [{"name": "istio-init", "args": ["-u"]}]}});
        adjust(&mut merged, &user(json!({"runAsUser": 5})), false);
        assert_eq!(merged["spec"]["initContainers"][0]["args"], json!(["-u"]));
    }

    fn reapply(merged: &Value, original: &Value, template: &Value, tproxy: bool) -> Value {
        let stored = match parse_annotation(original) {
            Ok(stored) => stored,
            Err(e) => panic!("{e}"),
        };
        match reapply_overwritten_containers(merged.clone(), original, &stored, template, tproxy) {
            Ok(out) => out,
            Err(e) => panic!("reapply failed: {e}"),
        }
    }

    #[test]
    fn first_injection_applies_and_stores_the_user_containers() {
        let template = json!({"spec": {"initContainers": [
            {"name": "istio-init", "image": "proxyv2"},
            {"name": "istio-proxy", "image": "proxyv2"}
        ]}});
        let merged = json!({"spec": {
            "initContainers": [
                {"name": "istio-init", "image": "proxyv2", "args": ["-u", "1337"]},
                {"name": "istio-proxy", "image": "proxyv2", "args": ["template"]}
            ],
            "containers": [{"name": "app"}]
        }});
        let user_proxy =
            json!({"name": "istio-proxy", "image": "auto", "args": ["user"], "x-dropped": 1});
        let first = json!({"spec": {"containers": [{"name": "app"}, user_proxy]}});
        let out = reapply(&merged, &first, &template, false);
        assert_eq!(out["spec"]["initContainers"][1]["args"], json!(["user"]));
        assert_eq!(out["spec"]["initContainers"][1]["image"], "proxyv2");
        assert_eq!(
            out["metadata"]["annotations"][ANNOTATION],
            r#"{"initContainers":[{"name":"istio-proxy","args":["user"],"resources":{}}]}"#
        );
        // No user `istio-init`: the template's stays.
        assert_eq!(
            out["spec"]["initContainers"][0],
            merged["spec"]["initContainers"][0]
        );
    }

    // Our deviation from Istio (see `reapply_overwritten_containers`): Istio's second pass
    // skips the containers the status lists and so loses the stored overrides.
    #[test]
    fn reinjection_reapplies_stored_overrides_unlike_istio() {
        let template = json!({"spec": {"initContainers": [
            {"name": "istio-init", "image": "proxyv2"},
            {"name": "istio-proxy", "image": "proxyv2"}
        ]}});
        let stored = r#"{"initContainers":[{"name":"istio-proxy","args":["user"],"securityContext":{"runAsUser":1234}}]}"#;
        let annotations = json!({
            status::ANNOTATION: r#"{"initContainers":["istio-init","istio-proxy"]}"#,
            ANNOTATION: stored
        });
        // The received pod: the previous injection, with the app list it had then.
        let again = json!({
            "metadata": {"annotations": annotations},
            "spec": {
                "initContainers": [
                    {"name": "istio-init", "image": "old-init", "args": ["-u", "1234"]},
                    {"name": "istio-proxy", "args": ["user"], "securityContext": {"runAsUser": 1234},
                     "env": [{"name": "ISTIO_META_APP_CONTAINERS", "value": "app"}]}
                ],
                "containers": [{"name": "app"}, {"name": "new"}]
            }
        });
        // After the templates: fresh values everywhere.
        let merged = json!({
            "metadata": {"annotations": annotations},
            "spec": {
                "initContainers": [
                    {"name": "istio-init", "image": "proxyv2", "args": ["-u", "1337"]},
                    {"name": "istio-proxy", "image": "proxyv2", "args": ["template"],
                     "securityContext": {"runAsUser": 1337},
                     "env": [{"name": "ISTIO_META_APP_CONTAINERS", "value": "app,new"}]}
                ],
                "containers": [{"name": "app"}, {"name": "new"}]
            }
        });
        let out = reapply(&merged, &again, &template, false);
        let proxy = &out["spec"]["initContainers"][1];
        // The stored override is applied again (Istio: args ["template"], runAsUser 1337) …
        assert_eq!(proxy["args"], json!(["user"]));
        assert_eq!(proxy["securityContext"]["runAsUser"], 1234);
        // … but not the previously injected container: the template's env stays current.
        assert_eq!(
            proxy["env"],
            json!([{"name": "ISTIO_META_APP_CONTAINERS", "value": "app,new"}])
        );
        assert_eq!(out["spec"]["initContainers"][0]["image"], "proxyv2");
        assert_eq!(
            out["spec"]["initContainers"][0]["args"],
            json!(["-u", "1234"])
        );
        // The annotation is kept as it was, not rewritten in Go's JSON form.
        assert_eq!(out["metadata"]["annotations"][ANNOTATION], stored);

        // Listed, but never overridden: the template's values, as in Istio.
        let mut no_overrides = again.clone();
        no_overrides["metadata"] = json!({"annotations": {
            status::ANNOTATION: r#"{"initContainers":["istio-init","istio-proxy"]}"#
        }});
        no_overrides["spec"]["initContainers"][1]["args"] = json!(["previous"]);
        no_overrides["spec"]["initContainers"][1]["securityContext"]["runAsUser"] = json!(1337);
        let mut plain = merged.clone();
        plain["metadata"] = no_overrides["metadata"].clone();
        let out = reapply(&plain, &no_overrides, &template, false);
        assert_eq!(out["spec"], plain["spec"]);
    }

    // Same deviation for `adjustInitContainerUser`: on re-injection the user's `istio-proxy` is
    // the stored one. Under TPROXY the injected proxy runs as root, so Istio's choice (the
    // pod's proxy, uid 0) would put the template's `-u 1337` back.
    #[test]
    fn reinjection_adjusts_the_init_container_to_the_stored_proxy() {
        let template = json!({"spec": {"initContainers": [
            {"name": "istio-init"}, {"name": "istio-proxy"}
        ]}});
        let annotations = json!({
            status::ANNOTATION: r#"{"initContainers":["istio-init","istio-proxy"]}"#,
            ANNOTATION: r#"{"initContainers":[{"name":"istio-proxy","securityContext":{"runAsUser":1234,"runAsGroup":4321}}]}"#
        });
        let again = json!({
            "metadata": {"annotations": annotations},
            "spec": {"initContainers": [
                {"name": "istio-init", "args": ["-u", "1234", "-m", "TPROXY"]},
                {"name": "istio-proxy", "securityContext": {"runAsUser": 0, "runAsGroup": 4321}}
            ]}
        });
        let merged = json!({
            "metadata": {"annotations": annotations},
            "spec": {"initContainers": [
                {"name": "istio-init", "args": ["-u", "1337", "-m", "TPROXY"]},
                {"name": "istio-proxy", "securityContext": {"runAsUser": 0, "runAsGroup": 1337}}
            ]}
        });
        let out = reapply(&merged, &again, &template, true);
        assert_eq!(out["spec"], again["spec"]);
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
        // Go's `resources: {}` is no resources; a real one stays.
        assert_eq!(
            parse_annotation(&pod(
                r#"{"containers":[{"name":"a","resources":{}},{"name":"b","resources":{"limits":{"cpu":"2"}}}]}"#
            )),
            Ok(ParsedContainers {
                containers: vec![
                    json!({"name": "a"}),
                    json!({"name": "b", "resources": {"limits": {"cpu": "2"}}})
                ],
                init_containers: vec![]
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

//! Opt-in limits on what pod authors steer through the injection. istiod trusts them: the
//! `sidecar.istio.io/proxyImage` annotation picks the image `istio-init` runs with NET_ADMIN
//! and NET_RAW, `sidecar.istio.io/userVolume[Mount]` mounts volumes into the proxy, and a
//! container named `istio-proxy` overrides the injected one. With none of these settings the
//! policy behaves exactly as istiod.

use crate::json_path;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const PROXY_IMAGE_ANNOTATION: &str = "sidecar.istio.io/proxyImage";
const USER_VOLUME_ANNOTATION: &str = "sidecar.istio.io/userVolume";
const USER_VOLUME_MOUNT_ANNOTATION: &str = "sidecar.istio.io/userVolumeMount";
const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";
const OVERRIDES_ANNOTATION: &str = "proxy.istio.io/overrides";
const PROXY_CONTAINER: &str = "istio-proxy";
/// The containers the injection adds, whose images `allowedProxyImages` governs.
const INJECTED_CONTAINERS: [&str; 3] = ["istio-proxy", "istio-init", "istio-validation"];

/// What a user `istio-proxy` container may change about the injected one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProxyOverrides {
    /// As istiod: the user's container is merged over the injected one.
    #[default]
    Allow,
    /// No `privileged`, no added capabilities, no `runAsUser: 0`, no
    /// `allowPrivilegeEscalation: true` through the override.
    DenyPrivilege,
}

/// The guard-rail settings, all off by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuardRails<'a> {
    pub allowed_proxy_images: &'a [String],
    pub forbid_user_volumes: bool,
    pub allowed_user_volume_types: Option<&'a [String]>,
    pub proxy_overrides: ProxyOverrides,
}

/// A pod refused by a guard rail: what the pod asked for and which setting refuses it.
pub type Violation = String;

impl GuardRails<'_> {
    pub fn is_off(&self) -> bool {
        self.allowed_proxy_images.is_empty()
            && !self.forbid_user_volumes
            && self.allowed_user_volume_types.is_none()
            && self.proxy_overrides == ProxyOverrides::Allow
    }

    /// Checks the pod as it arrives (annotations and user containers).
    pub fn check_request(&self, pod: &Value) -> Result<(), Violation> {
        let empty = Map::new();
        let annotations = json_path::at(pod, &["metadata", "annotations"])
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for key in [USER_VOLUME_ANNOTATION, USER_VOLUME_MOUNT_ANNOTATION] {
            if self.forbid_user_volumes && annotations.contains_key(key) {
                return Err(format!(
                    "annotation {key} is not allowed: the policy's forbidUserVolumes is set"
                ));
            }
        }
        if let Some(allowed) = self.allowed_user_volume_types
            && let Some(Value::String(text)) = annotations.get(USER_VOLUME_ANNOTATION)
        {
            // Istio's validation rejects a value that is not a JSON map of volumes before this
            // matters; here only well-formed volumes are looked at.
            let volumes: Map<String, Value> = serde_json::from_str(text).unwrap_or_default();
            for (name, volume) in &volumes {
                let kinds = volume
                    .as_object()
                    .into_iter()
                    .flat_map(|v| v.keys())
                    .filter(|k| k.as_str() != "name");
                for kind in kinds {
                    if !allowed.iter().any(|a| a == kind) {
                        return Err(format!(
                            "annotation {USER_VOLUME_ANNOTATION}: volume {name:?} is of type {kind}, not one of the policy's allowedUserVolumeTypes {allowed:?}"
                        ));
                    }
                }
            }
        }
        if self.proxy_overrides == ProxyOverrides::DenyPrivilege {
            // An injected pod's istio-proxy is the previous injection's (the mesh's own
            // settings); the user's customisation of it is kept in proxy.istio.io/overrides.
            let injected = annotations.contains_key(STATUS_ANNOTATION);
            let stored: Value = match annotations.get(OVERRIDES_ANNOTATION) {
                Some(Value::String(text)) => serde_json::from_str(text).unwrap_or_default(),
                _ => Value::Null,
            };
            let sources = [
                (
                    "spec.containers",
                    (!injected).then(|| &pod["spec"]["containers"]),
                ),
                (
                    "spec.initContainers",
                    (!injected).then(|| &pod["spec"]["initContainers"]),
                ),
                (
                    "annotation proxy.istio.io/overrides: containers",
                    Some(&stored["containers"]),
                ),
                (
                    "annotation proxy.istio.io/overrides: initContainers",
                    Some(&stored["initContainers"]),
                ),
            ];
            for (place, list) in sources {
                let containers = list.and_then(Value::as_array).into_iter().flatten();
                for container in containers.filter(|c| c["name"] == PROXY_CONTAINER) {
                    if let Some(escalation) = privilege(&container["securityContext"]) {
                        return Err(format!(
                            "{place}[name=istio-proxy].securityContext.{escalation}: the policy's proxyOverrides is deny-privilege"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks the injected pod: the images of the containers the injection added.
    /// `proxy_image_annotated`: whether the pod received asked for its proxy image
    /// ([`proxy_image_annotated`]), which the message then names.
    pub fn check_injected(
        &self,
        proxy_image_annotated: bool,
        injected: &Value,
    ) -> Result<(), Violation> {
        if self.allowed_proxy_images.is_empty() {
            return Ok(());
        }
        for list in ["initContainers", "containers"] {
            let containers = json_path::at(injected, &["spec", list])
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for container in containers {
                let name = container["name"].as_str().unwrap_or_default();
                if !INJECTED_CONTAINERS.contains(&name) {
                    continue;
                }
                let image = container["image"].as_str().unwrap_or_default();
                if self
                    .allowed_proxy_images
                    .iter()
                    .any(|pattern| glob_matches(pattern, image))
                {
                    continue;
                }
                let source = if proxy_image_annotated {
                    format!("annotation {PROXY_IMAGE_ANNOTATION}")
                } else {
                    format!("spec.{list}[name={name}].image")
                };
                return Err(format!(
                    "{source}: image {image:?} of {name} does not match the policy's allowedProxyImages {:?}",
                    self.allowed_proxy_images
                ));
            }
        }
        Ok(())
    }
}

/// The first privilege a security context asks for.
fn privilege(security_context: &Value) -> Option<&'static str> {
    if security_context["privileged"] == true {
        return Some("privileged");
    }
    if security_context["allowPrivilegeEscalation"] == true {
        return Some("allowPrivilegeEscalation");
    }
    if security_context["runAsUser"] == 0 {
        return Some("runAsUser");
    }
    let added = json_path::at(security_context, &["capabilities", "add"]).and_then(Value::as_array);
    if added.is_some_and(|a| !a.is_empty()) {
        return Some("capabilities.add");
    }
    None
}

/// `*` matches any run of characters (including `/` and `:`), everything else itself:
/// `docker.io/istio/proxyv2:*`, `registry.example.com/*`.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the pod names its proxy image in the `sidecar.istio.io/proxyImage` annotation.
pub fn proxy_image_annotated(pod: &Value) -> bool {
    pod.get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(PROXY_IMAGE_ANNOTATION))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs() {
        for (pattern, text, matches) in [
            (
                "docker.io/istio/proxyv2:*",
                "docker.io/istio/proxyv2:1.30.0",
                true,
            ),
            (
                "docker.io/istio/proxyv2:*",
                "docker.io/istio/proxyv2",
                false,
            ),
            (
                "docker.io/istio/*",
                "docker.io/istio/proxyv2:1.30.0-distroless",
                true,
            ),
            ("docker.io/istio/*", "evil.io/docker.io/istio/x", false),
            (
                "*/proxyv2:1.30.*",
                "gcr.io/istio-release/proxyv2:1.30.1",
                true,
            ),
            ("exact:1", "exact:1", true),
            ("exact:1", "exact:10", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
        ] {
            assert_eq!(glob_matches(pattern, text), matches, "{pattern} {text}");
        }
    }

    #[test]
    fn privileges_are_named() {
        for (context, name) in [
            (json!({"privileged": true}), Some("privileged")),
            (
                json!({"allowPrivilegeEscalation": true}),
                Some("allowPrivilegeEscalation"),
            ),
            (json!({"runAsUser": 0}), Some("runAsUser")),
            (
                json!({"capabilities": {"add": ["NET_ADMIN"]}}),
                Some("capabilities.add"),
            ),
            (
                json!({"runAsUser": 1337, "privileged": false, "capabilities": {"add": []}}),
                None,
            ),
            (Value::Null, None),
        ] {
            assert_eq!(privilege(&context), name, "{context}");
        }
    }
}

//! What a policy answers, and what the policy server turns it into.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{HarnessError, Result};
use crate::host::HostCall;

/// The guest's answer to `validate` (kubewarden-policy-sdk `ValidationResponse`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ValidationResponse {
    pub accepted: bool,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<u16>,
    #[serde(default)]
    pub mutated_object: Option<Value>,
    #[serde(default)]
    pub audit_annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
}

/// The guest's answer to `validate_settings`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SettingsOutcome {
    pub valid: bool,
    #[serde(default)]
    pub message: Option<String>,
}

/// `status` of an admission response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmissionStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
}

/// The admission response the policy server sends back to the API server, serialised the way
/// `kwctl run` prints it (camelCase, `patch` base64, `auditAnnotations`/`warnings` as null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    pub uid: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AdmissionStatus>,
    pub audit_annotations: Option<BTreeMap<String, String>>,
    pub warnings: Option<Vec<String>>,
}

/// The message the policy server answers with when a mutating policy mutates a DELETE.
pub const DELETE_MUTATION_MESSAGE: &str = "Incoming object is null, which happens only with \
     DELETE operations, but the policy is attempting a mutation. This is not allowed";

impl AdmissionResponse {
    /// A rejection for a request the policy could not evaluate (a trap, a deadline).
    pub fn internal_error(uid: &str, message: &str) -> Self {
        AdmissionResponse {
            uid: uid.to_owned(),
            allowed: false,
            patch_type: None,
            patch: None,
            status: Some(AdmissionStatus {
                message: Some(format!("internal server error: {message}")),
                code: Some(500),
            }),
            audit_annotations: None,
            warnings: None,
        }
    }

    /// The decoded RFC 6902 patch, if any.
    pub fn decoded_patch(&self) -> Result<Option<json_patch::Patch>> {
        let Some(encoded) = &self.patch else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| HarnessError::Patch(format!("patch is not base64: {e}")))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| HarnessError::Patch(format!("patch is not a JSON patch: {e}")))
    }
}

/// Everything one evaluation produced.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// What the guest answered.
    pub response: ValidationResponse,
    /// What the policy server would send to the API server.
    pub admission: AdmissionResponse,
    /// `json_patch::diff(request.object, mutated_object)`; `None` when nothing changes.
    pub patch: Option<json_patch::Patch>,
    /// `request.object` with `patch` applied; `None` when there is no patch.
    pub patched_object: Option<Value>,
    /// Host capability calls, in order (log lines excluded).
    pub host_calls: Vec<HostCall>,
    /// What the guest logged through `kubewarden/tracing/log`.
    pub logs: Vec<Value>,
}

impl Evaluation {
    pub fn allowed(&self) -> bool {
        self.admission.allowed
    }

    /// The rejection (or warning) message, if any.
    pub fn message(&self) -> Option<&str> {
        self.admission
            .status
            .as_ref()
            .and_then(|status| status.message.as_deref())
    }

    /// The `get_resource` requests the guest made.
    pub fn get_resource_calls(&self) -> Vec<crate::host::GetResourceRequest> {
        self.host_calls
            .iter()
            .filter_map(HostCall::get_resource)
            .collect()
    }
}

/// Turns the guest answer into the policy server's admission response, computing the patch
/// exactly as it does: `json_patch::diff(request.object, mutated_object)`, no patch when the
/// diff is empty, refusal when a DELETE (null object) is mutated. The patch is also applied to
/// `request.object` and checked against the mutated object, which the policy server does not do.
pub(crate) fn admission_from(
    uid: &str,
    object: &Value,
    response: &ValidationResponse,
) -> Result<(AdmissionResponse, Option<json_patch::Patch>, Option<Value>)> {
    let (admission, patch) = admission_of(uid, object, response)?;
    let patched = match (&patch, &response.mutated_object) {
        (Some(patch), Some(mutated)) => Some(checked_patch(object, patch, mutated)?),
        _ => None,
    };
    Ok((admission, patch, patched))
}

/// The policy server's own work on the guest's answer, and nothing more: the admission
/// response with the JSON patch diffed, serialised and base64-encoded.
pub fn admission_of(
    uid: &str,
    object: &Value,
    response: &ValidationResponse,
) -> Result<(AdmissionResponse, Option<json_patch::Patch>)> {
    let mut admission = AdmissionResponse {
        uid: uid.to_owned(),
        allowed: response.accepted,
        patch_type: None,
        patch: None,
        status: (response.message.is_some() || response.code.is_some()).then(|| AdmissionStatus {
            message: response.message.clone(),
            code: response.code,
        }),
        audit_annotations: response.audit_annotations.clone(),
        warnings: response.warnings.clone(),
    };
    let Some(mutated) = &response.mutated_object else {
        return Ok((admission, None));
    };
    if object.is_null() {
        admission.allowed = false;
        admission.audit_annotations = None;
        admission.warnings = None;
        admission.status = Some(AdmissionStatus {
            message: Some(DELETE_MUTATION_MESSAGE.to_owned()),
            code: None,
        });
        return Ok((admission, None));
    }
    let patch = json_patch::diff(object, mutated);
    if patch.0.is_empty() {
        return Ok((admission, None));
    }
    let text = serde_json::to_string(&patch).map_err(|e| HarnessError::Patch(e.to_string()))?;
    admission.patch = Some(base64::engine::general_purpose::STANDARD.encode(text));
    admission.patch_type = Some("JSONPatch".to_owned());
    Ok((admission, Some(patch)))
}

/// `object` with `patch` applied, when that reproduces `mutated` (a harness check: a diff the
/// API server could not apply back would be a bug in the diff, not in the policy).
fn checked_patch(object: &Value, patch: &json_patch::Patch, mutated: &Value) -> Result<Value> {
    let mut patched = object.clone();
    json_patch::patch(&mut patched, patch).map_err(|e| HarnessError::Patch(e.to_string()))?;
    if &patched != mutated {
        return Err(HarnessError::Patch(
            "applying the computed diff does not reproduce the mutated object".to_owned(),
        ));
    }
    Ok(patched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn accept_with(mutated: Option<Value>) -> ValidationResponse {
        ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: mutated,
            audit_annotations: None,
            warnings: None,
        }
    }

    #[test]
    fn a_mutation_becomes_a_base64_json_patch() {
        let object = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": []}});
        let mutated = json!({"metadata": {"labels": {"app": "x", "b": "c"}},
                             "spec": {"containers": [{"name": "istio-proxy"}]}});
        let (admission, patch, patched) =
            admission_from("u1", &object, &accept_with(Some(mutated.clone()))).unwrap();
        assert!(admission.allowed);
        assert_eq!(admission.patch_type.as_deref(), Some("JSONPatch"));
        assert_eq!(admission.decoded_patch().unwrap(), patch);
        assert_eq!(patched, Some(mutated));
    }

    #[test]
    fn an_unchanged_mutated_object_gives_no_patch() {
        let object = json!({"a": 1});
        let (admission, patch, patched) =
            admission_from("u", &object, &accept_with(Some(object.clone()))).unwrap();
        assert_eq!((admission.patch, patch, patched), (None, None, None));
        assert!(admission.patch_type.is_none());
    }

    #[test]
    fn mutating_a_delete_is_refused() {
        let (admission, patch, _) =
            admission_from("u", &Value::Null, &accept_with(Some(json!({"a": 1})))).unwrap();
        assert!(!admission.allowed);
        assert!(patch.is_none());
        let message = admission.status.and_then(|s| s.message).unwrap_or_default();
        assert!(message.contains("DELETE"), "{message}");
    }

    #[test]
    fn rejections_carry_message_and_code_and_print_like_kwctl() {
        let response = ValidationResponse {
            accepted: false,
            message: Some("no".into()),
            code: Some(400),
            mutated_object: None,
            audit_annotations: None,
            warnings: None,
        };
        let (admission, _, _) = admission_from("abc", &json!({}), &response).unwrap();
        assert_eq!(
            serde_json::to_value(&admission).unwrap(),
            json!({"uid": "abc", "allowed": false, "status": {"message": "no", "code": 400},
                   "auditAnnotations": null, "warnings": null})
        );
    }
}

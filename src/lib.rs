//! Kubewarden policy: Istio's sidecar injection.
//!
//! The waPC entry points are thin: they decode the payload, hand it to [`admission::evaluate`]
//! and encode the answer. The policy server creates a fresh instance for every evaluation, so
//! nothing here is cached between requests.

pub mod admission;
#[cfg(any(target_arch = "wasm32", test))]
mod byte_compare;
pub mod cluster;
mod discard;
pub mod dry_run;
pub mod guard_rails;
mod json_path;
mod json_text;
pub mod native_sidecars;
mod payload;
pub mod pod_size;
pub mod proxy_config;
mod response_json;
pub mod settings;
#[cfg(any(all(target_arch = "wasm32", not(target_feature = "atomics")), test))]
mod size_classes;
#[cfg(test)]
mod test_json;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: size_classes::SizeClasses = size_classes::SizeClasses::new();

use admission::Outcome;
use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use kubewarden_policy_sdk::{protocol_version_guest, wapc_guest as guest};
use serde::de::IgnoredAny;
use settings::Settings;

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    guest::register_function("validate", validate);
    guest::register_function("validate_settings", validate_settings);
    guest::register_function("protocol_version", protocol_version_guest);
}

/// What an answer may add to the size of the request it answers (an injected sidecar is a
/// few KiB of JSON).
const RESPONSE_HEADROOM: usize = 16 * 1024;

/// Decides one AdmissionRequest (`{"request": …, "settings": …}`).
pub fn validate(payload: &[u8]) -> guest::CallResult {
    let (outcome, audit) = match payload::decode(payload) {
        Ok((request, settings)) => {
            admission::evaluate_audited(request, settings, &cluster::HostCluster)
        }
        Err(message) => (
            Outcome::Reject {
                message,
                code: Some(400),
            },
            None,
        ),
    };
    let mut response = response(outcome);
    response.audit_annotations = audit.map(|audit| audit.annotations());
    // The answer holds the pod (the request's, plus the sidecar's few KiB): sized once rather
    // than doubled from 128 bytes, each doubling a fresh block on fresh pages.
    let mut answer = Vec::with_capacity(payload.len() + RESPONSE_HEADROOM);
    response_json::write(&mut answer, &response)?;
    discard::done_with(response);
    Ok(answer)
}

/// Checks settings before the policy server accepts the policy.
pub fn validate_settings(payload: &[u8]) -> guest::CallResult {
    // Whether it is JSON at all is answered first, whatever field a broken text names.
    let checked = serde_json::from_slice::<IgnoredAny>(payload)
        .map_err(|e| format!("settings are not valid JSON: {e}"))
        .and_then(|_| Settings::from_slice(payload))
        .and_then(|settings| settings.check());
    let answer = SettingsValidationResponse {
        valid: checked.is_ok(),
        message: checked.err(),
    };
    Ok(serde_json::to_vec(&answer)?)
}

fn response(outcome: Outcome) -> ValidationResponse {
    let warnings = |w: Vec<String>| (!w.is_empty()).then_some(w);
    match outcome {
        Outcome::Accept { warnings: w } => ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: None,
            audit_annotations: None,
            warnings: warnings(w),
        },
        Outcome::Mutate {
            object,
            warnings: w,
        } => ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: Some(object),
            audit_annotations: None,
            warnings: warnings(w),
        },
        Outcome::Reject { message, code } => ValidationResponse {
            accepted: false,
            message: Some(message),
            code,
            mutated_object: None,
            audit_annotations: None,
            warnings: None,
        },
    }
}

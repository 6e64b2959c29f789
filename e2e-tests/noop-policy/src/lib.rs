//! The benchmark baseline: a Kubewarden waPC policy built with the same SDK and the same
//! request parsing as the real policy, that accepts every request without looking at it.
//! Its latency is the floor (instantiation + payload transfer + JSON parsing) that the
//! injector's own cost is measured against.

use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::settings::{SettingsValidationResponse, Validatable};
use kubewarden_policy_sdk::wapc_guest as guest;
use kubewarden_policy_sdk::{accept_request, protocol_version_guest, reject_request};
use serde::Deserialize;

/// No settings: `{}` is the only valid value, anything else names the unexpected key.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct Settings {}

impl Validatable for Settings {
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    guest::register_function("validate", validate);
    guest::register_function("validate_settings", validate_settings);
    guest::register_function("protocol_version", protocol_version_guest);
}

fn validate(payload: &[u8]) -> guest::CallResult {
    // Parse exactly as a real policy does, so the baseline pays the same deserialisation cost.
    match ValidationRequest::<Settings>::new(payload) {
        Ok(_request) => accept_request(),
        Err(error) => reject_request(Some(error.to_string()), Some(400), None, None),
    }
}

fn validate_settings(payload: &[u8]) -> guest::CallResult {
    // The SDK helper turns a parse failure into a guest error; answer `valid: false` instead so
    // the host reports the offending key the way a policy with settings validation does.
    let response = match serde_json::from_slice::<Settings>(payload) {
        Ok(settings) => {
            let outcome = settings.validate();
            SettingsValidationResponse {
                valid: outcome.is_ok(),
                message: outcome.err(),
            }
        }
        Err(error) => SettingsValidationResponse {
            valid: false,
            message: Some(error.to_string()),
        },
    };
    Ok(serde_json::to_vec(&response)?)
}

//! What evaluates an AdmissionRequest: the built `policy.wasm` run the way the policy server
//! runs it, or the policy crate called natively (the fast loop while developing).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use istio_sidecar_injector::admission::{self, Outcome};
use istio_sidecar_injector::cluster::Cluster;
use istio_sidecar_injector::settings::Settings;
use kubewarden_policy_sdk::request::KubernetesAdmissionRequest;
use serde_json::Value;

use crate::{FixtureHost, Policy};

/// The policy's answer to one request, as the API server would see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Allowed; `patched` is the object after the policy's patch, `None` when there is none.
    Accepted {
        patched: Option<Value>,
    },
    Rejected {
        message: String,
    },
}

/// A way of running the policy.
pub trait Backend {
    /// For the report header (`wasm policy.wasm`, `native`).
    fn describe(&self) -> String;

    /// The policy's `validate_settings`: `Err` with its message when it refuses them.
    fn check_settings(&self, settings: &Value) -> Result<(), String>;

    /// Evaluates an AdmissionRequest with these settings; `cluster` holds the objects
    /// `get_resource` can return. `Err` when the evaluation itself broke (a trap, a panic).
    fn evaluate(
        &self,
        request: &Value,
        settings: &Value,
        cluster: &[Value],
    ) -> Result<Answer, String>;
}

/// `istio_sidecar_injector::admission::evaluate` in this process.
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeBackend;

impl Backend for NativeBackend {
    fn describe(&self) -> String {
        "native".into()
    }

    fn check_settings(&self, settings: &Value) -> Result<(), String> {
        guarded(|| Settings::from_json(settings).and_then(|s| s.check()))?
    }

    fn evaluate(
        &self,
        request: &Value,
        settings: &Value,
        cluster: &[Value],
    ) -> Result<Answer, String> {
        let request: KubernetesAdmissionRequest = serde_json::from_value(request.clone())
            .map_err(|e| format!("the AdmissionRequest does not decode: {e}"))?;
        let outcome = guarded(|| {
            // As in the wasm entry point: settings are decoded for every request.
            match Settings::from_json(settings) {
                Ok(settings) => admission::evaluate(&request, &settings, &Fixtures(cluster)),
                Err(message) => Outcome::Reject {
                    message,
                    code: Some(400),
                },
            }
        })?;
        Ok(match outcome {
            Outcome::Accept { .. } => Answer::Accepted { patched: None },
            Outcome::Mutate { object, .. } => Answer::Accepted {
                patched: (object != request.object).then_some(object),
            },
            Outcome::Reject { message, .. } => Answer::Rejected { message },
        })
    }
}

/// A panic is a failed evaluation (a 500 from the policy server), not the end of the run.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        format!("the policy panicked: {message}")
    })
}

/// The case's cluster objects behind the policy's `Cluster` trait; a missing object is a 404.
struct Fixtures<'a>(&'a [Value]);

impl Cluster for Fixtures<'_> {
    fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, String> {
        Ok(self
            .0
            .iter()
            .find(|object| {
                field(object, "/apiVersion") == api_version
                    && field(object, "/kind") == kind
                    && field(object, "/metadata/namespace") == namespace.unwrap_or_default()
                    && field(object, "/metadata/name") == name
            })
            .cloned())
    }

    fn list_in_namespace(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        _field_masks: &[&str],
    ) -> Result<Vec<Value>, String> {
        Ok(self.list(api_version, kind, Some(namespace)))
    }

    fn list_all(
        &self,
        api_version: &str,
        kind: &str,
        _field_masks: &[&str],
    ) -> Result<Vec<Value>, String> {
        Ok(self.list(api_version, kind, None))
    }
}

impl Fixtures<'_> {
    /// The case's objects of a kind, in one namespace or all.
    fn list(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        self.0
            .iter()
            .filter(|object| {
                field(object, "/apiVersion") == api_version
                    && field(object, "/kind") == kind
                    && namespace.is_none_or(|ns| field(object, "/metadata/namespace") == ns)
            })
            .cloned()
            .collect()
    }
}

fn field<'v>(object: &'v Value, pointer: &str) -> &'v str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The built policy module, a fresh instance per evaluation (as the policy server does).
pub struct WasmBackend {
    policy: Policy,
    description: String,
}

impl WasmBackend {
    pub fn load(path: &Path) -> Result<WasmBackend, String> {
        let policy = Policy::load(path).map_err(|e| e.to_string())?;
        Ok(WasmBackend {
            policy,
            description: format!("wasm {}", path.display()),
        })
    }
}

impl Backend for WasmBackend {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn check_settings(&self, settings: &Value) -> Result<(), String> {
        let outcome = self
            .policy
            .validate_settings(settings)
            .map_err(|e| e.to_string())?;
        if outcome.valid {
            Ok(())
        } else {
            Err(outcome.message.unwrap_or_else(|| "(no message)".into()))
        }
    }

    fn evaluate(
        &self,
        request: &Value,
        settings: &Value,
        cluster: &[Value],
    ) -> Result<Answer, String> {
        let mut host = FixtureHost::new();
        for object in cluster {
            host.insert(object.clone()).map_err(|e| e.to_string())?;
        }
        let evaluation = self
            .policy
            .evaluate(request, settings, &host)
            .map_err(|e| e.to_string())?;
        if evaluation.allowed() {
            Ok(Answer::Accepted {
                patched: evaluation.patched_object,
            })
        } else {
            Ok(Answer::Rejected {
                message: evaluation.message().unwrap_or("(no message)").to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fixtures_answer_by_identity_and_miss_as_none() {
        let objects = [json!({"apiVersion": "v1", "kind": "Namespace",
                              "metadata": {"name": "test-ns"}})];
        let cluster = Fixtures(&objects);
        assert_eq!(
            cluster.namespace("test-ns").unwrap(),
            Some(objects[0].clone())
        );
        assert_eq!(cluster.namespace("other").unwrap(), None);
        assert_eq!(cluster.config_map("test-ns", "test-ns").unwrap(), None);
    }

    #[test]
    fn panics_become_errors() {
        let error = guarded(|| -> u8 { panic!("boom {}", 1) }).unwrap_err();
        assert_eq!(error, "the policy panicked: boom 1");
    }
}

//! The end-to-end tests of the built `policy.wasm`: Istio's conformance cases in webhook form
//! ([`conformance`]), the committed fixtures ([`fixtures`]) and the benchmark's statistics
//! ([`stats`]). The runner itself — wasmtime with Kubewarden's waPC host — is the
//! `policy-runner` crate; its modules are re-exported here under their old paths.
//!
//! ```no_run
//! use e2e_tests::{FixtureHost, Policy, policy_wasm_path};
//! let policy = Policy::load(&policy_wasm_path())?;
//! let request = serde_json::json!({"uid": "1", "operation": "CREATE", "object": {}});
//! let evaluation = policy.evaluate(&request, &serde_json::json!({}), &FixtureHost::new())?;
//! assert!(evaluation.allowed());
//! # Ok::<(), e2e_tests::HarnessError>(())
//! ```

pub mod conformance;
pub mod fixtures;
pub mod hostile;
pub mod paths;
pub mod stats;

pub use policy_runner::{documents, error, host, metadata, replay, response, runtime, workload};

pub use paths::{
    conformance_dir, fixtures_dir, noop_policy_wasm_path, policy_wasm_path, workspace_root,
};
pub use policy_runner::{
    AdmissionResponse, CallLogSnapshot, DEFAULT_DEADLINE, Evaluation, FixtureHost,
    GetResourceRequest, HarnessError, HostCall, HostCallOutcome, Policy, ResourceKey, Result,
    Served, SettingsOutcome, ValidationResponse,
};

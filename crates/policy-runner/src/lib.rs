//! Runs a built Kubewarden policy module the way Kubewarden's policy server does — wasmtime
//! with the waPC host, a fresh instance per evaluation, host capabilities answered from
//! in-memory fixtures — so the real `policy.wasm` can be run, tested and benchmarked without a
//! cluster, `kwctl` or `policy-server`. Its binaries: `policy-run` (a small `kwctl run`, what
//! `make run` uses) and `annotate` (`kwctl annotate`, for `make annotated-policy.wasm` when
//! kwctl is absent).
//!
//! ```no_run
//! use policy_runner::{FixtureHost, Policy, policy_wasm_path};
//! let policy = Policy::load(&policy_wasm_path())?;
//! let request = serde_json::json!({"uid": "1", "operation": "CREATE", "object": {}});
//! let evaluation = policy.evaluate(&request, &serde_json::json!({}), &FixtureHost::new())?;
//! assert!(evaluation.allowed());
//! # Ok::<(), policy_runner::HarnessError>(())
//! ```

pub mod documents;
pub mod error;
pub mod host;
pub mod metadata;
pub mod paths;
pub mod replay;
pub mod response;
pub mod runtime;
pub mod workload;

pub use error::{HarnessError, Result};
pub use host::{FixtureHost, GetResourceRequest, HostCall, HostCallOutcome, ResourceKey};
pub use paths::{noop_policy_wasm_path, policy_wasm_path, workspace_root};
pub use response::{AdmissionResponse, Evaluation, SettingsOutcome, ValidationResponse};
pub use runtime::{CallLogSnapshot, DEFAULT_DEADLINE, Policy, Served};

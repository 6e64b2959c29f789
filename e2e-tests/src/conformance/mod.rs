//! Istio's golden injection cases (`../shared/istio-conformance`), run through the policy in
//! webhook form, the way Istio's own webhook test runs them.
//!
//! For every case and renderer: build the policy settings from `base/` and the case's
//! overlays ([`settings`]), turn each injectable object of `input.yaml` into the Pod its
//! controller would create and send it as a Pod CREATE ([`workload`]), evaluate it through a
//! [`backend`] (the built wasm, or the policy crate natively), apply the patch and compare the
//! result with the matching object of `want.yaml` as typed Go Pods ([`compare`], [`diff`]).
//! Then, our own check beyond Istio's, submit the injected pod again: nothing may change.
//! The floor (`istio_conformance::floor`) records what passes so that a regression fails the
//! run; [`report`] prints. The data set, diffs and workload splitting are
//! `istio_conformance`'s, re-exported here under their old paths.

pub mod backend;
pub mod compare;
pub mod report;
pub mod runner;
pub mod settings;
pub mod workload;

#[cfg(test)]
mod dataset_tests;

use std::path::PathBuf;

pub use backend::{Answer, Backend, NativeBackend, WasmBackend};
pub use istio_conformance::{Dataset, Floor, Regression, dataset, diff, floor};
pub use runner::{CaseReport, RendererReport, RunOptions, Verdict, run};
pub use settings::{ConfigForm, Renderer};

/// `e2e-tests/conformance-floor.json`.
pub fn default_floor_path() -> PathBuf {
    crate::paths::workspace_root()
        .join("e2e-tests")
        .join("conformance-floor.json")
}

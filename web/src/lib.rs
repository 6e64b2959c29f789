//! The browser playground: Istio sidecar injection in a web page, through the very pipeline
//! the policy and `kube-inject` run (the `injector` crate), compiled for
//! `wasm32-unknown-unknown` with `wasm-bindgen`.
//!
//! Everything here is plain Rust over strings and JSON so that it is tested natively
//! (`cargo test -p web`); [`bindings`] only hands JSON text to and from JavaScript.
//!
//! - [`settings`]: what the page's editors and toggles hold;
//! - [`session`]: that configuration, assembled as `kube-inject` assembles its files, and the
//!   injectors built from it;
//! - [`stream`]: a workload file injected document by document, so a worker can report
//!   progress, with `kube-inject`'s output byte for byte;
//! - [`decision`]: whether a pod would be injected in a cluster, and Istio's reason;
//! - [`admission`]: the JSON patch the policy's answer amounts to for a pod;
//! - [`locate`]: where in which editor an error points;
//! - [`diff`]: input against output, as a unified diff;
//! - [`api`]: all of it as JSON text in and out, which is what the page exchanges.

pub mod admission;
pub mod api;
pub mod decision;
pub mod diff;
pub mod locate;
pub mod session;
pub mod settings;
pub mod stream;
mod workload;

#[cfg(target_arch = "wasm32")]
mod bindings;

//! Istio sidecar injection, as a library over `serde_json::Value` pods.
//!
//! The pipeline follows istiod's injector stage by stage: decide whether a pod is injected
//! ([`decide`]), validate its injection annotations ([`validate`]), render the sidecar
//! template pod ([`render`]), strategic-merge it into the pod ([`merge`]) and post-process
//! the result ([`postprocess`]). [`inject`] strings the stages together.
//!
//! Pods stay JSON throughout so that fields this crate does not know survive untouched.

pub mod annotation;
pub mod checkinject;
pub mod config;
pub mod decide;
pub mod deploymeta;
pub mod error;
pub mod golang;
pub mod goyaml;
pub mod inject;
pub mod k8s;
pub mod kubeinject;
pub mod merge;
pub mod openshift;
pub mod postprocess;
pub mod quantity;
pub mod render;
pub mod selector;
pub mod validate;

pub use error::{ConfigError, InjectError};
pub use inject::{Injected, Injector, Mode, Options, PodContext};

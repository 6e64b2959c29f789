//! Istio's golden injection cases (`../shared/istio-conformance`, see its README), for the
//! tests of every crate that runs them: where the data set is ([`locate`]), what a case says
//! ([`dataset`]), the pods a case's workloads become ([`workload`]), how two results differ
//! ([`diff`], [`text`]) and which cases must keep passing ([`floor`]).
//!
//! Nothing here needs wasm; the policy runner and the backends stay in `e2e-tests`.

pub mod dataset;
pub mod diff;
pub mod floor;
pub mod locate;
pub mod text;
pub mod workload;

pub use dataset::{Base, Case, CaseSpec, Dataset, case_dirs, chart_templates, input_and_want};
pub use floor::{Floor, Outcome, Regression, Verdict};

/// The eight templates of the chart's injector config (`base/injector-config.yaml`), in its
/// order.
pub const CHART_TEMPLATES: [&str; 8] = [
    "sidecar",
    "gateway",
    "grpc-simple",
    "grpc-agent",
    "waypoint",
    "kube-gateway",
    "agentgateway",
    "agentgateway-waypoint",
];
/// The data set's overlay rule (maps merge by key, anything else replaces) is Helm's, which
/// the injector applies to its own values.
pub use injector::config::deep_merge;
pub use locate::{ABSENT_MESSAGE, locate, locate_explicit, locate_or_skip};
pub use text::{first_difference, strip_version};
pub use workload::{INJECTABLE_KINDS, Workload, injectable_objects, object_to_pod, workloads};

//! Knowledge of the Go types behind a Pod (`k8s.io/api` core/v1 and apimachinery meta/v1,
//! v0.36), as static tables.
//!
//! Istio's injector works on typed Go values; this crate works on `serde_json::Value` so
//! that it never drops a field it does not know. To get Istio's results anyway, the parts
//! of the pipeline that depend on the Go types consult these tables:
//!
//! * [`normalize`] / [`normalize_pod`]: the JSON effect of Go decoding into the typed struct
//!   and encoding it again (`null`s and `omitempty` zeros gone, canonical quantities, sorted
//!   map keys, type errors reported with their JSON path). [`NormalizeOptions`] chooses
//!   between keeping unknown fields (the policy) and dropping them like Go (comparisons with
//!   Istio), and whether to write Go's always-present zero values (`kube-inject` output).
//! * [`to_go_json`]: `json.Marshal` of a typed value, byte for byte (override annotations,
//!   `ISTIO_META_POD_PORTS`, prober JSON).
//! * the strategic-merge metadata ([`Field::strategy`], [`Field::merge_key`]) that
//!   [`crate::merge`] follows.
//! * Go field names ([`Struct::field_by_go`]) for a template-data layer that presents a JSON
//!   pod as Go structs: `.Spec.Containers` → `spec.containers`, with [`Field::go_zero`] for
//!   absent fields.
//!
//! Each Go struct is a `static` [`Struct`] named after the type (`POD`, `POD_SPEC`,
//! `CONTAINER`, `CONTAINER_PORT`, `PROBE`, `HTTP_GET_ACTION` …); [`type_by_name`] finds one
//! by its Go name. Field lists follow the Go declaration order of `core/v1/types.go`, which
//! is also the order `encoding/json` writes them in. Rare legacy volume sources, managed
//! fields and the nested status records are [`Kind::Raw`]: kept as written.

mod container;
mod gojson;
mod meta;
mod normalize;
mod pod;
mod scheduling;
mod schema;
mod volume;
mod workload;

pub use container::*;

pub use gojson::to_go_json;
pub use meta::{
    LABEL_SELECTOR, LABEL_SELECTOR_REQUIREMENT, LOCAL_OBJECT_REFERENCE, OBJECT_META,
    OWNER_REFERENCE, TYPE_META,
};
pub use normalize::{
    MergeGuide, NormalizeOptions, SchemaError, is_normalized, normalize, normalize_kind,
    normalize_merged, normalize_owned, normalize_pod,
};
pub use pod::*;
pub use scheduling::*;
pub use schema::{Elem, Field, FlatFields, Kind, Omit, PatchStrategy, Struct};
pub use volume::*;
pub use workload::*;

/// Every struct in the tables, for lookups by Go name.
pub static ALL_TYPES: &[&Struct] = &[
    &POD,
    &POD_TEMPLATE_SPEC,
    &POD_SPEC,
    &POD_STATUS,
    &TYPE_META,
    &OBJECT_META,
    &OWNER_REFERENCE,
    &LABEL_SELECTOR,
    &LABEL_SELECTOR_REQUIREMENT,
    &LOCAL_OBJECT_REFERENCE,
    &CONTAINER,
    &EPHEMERAL_CONTAINER,
    &EPHEMERAL_CONTAINER_COMMON,
    &CONTAINER_PORT,
    &ENV_VAR,
    &ENV_VAR_SOURCE,
    &OBJECT_FIELD_SELECTOR,
    &RESOURCE_FIELD_SELECTOR,
    &CONFIG_MAP_KEY_SELECTOR,
    &SECRET_KEY_SELECTOR,
    &FILE_KEY_SELECTOR,
    &ENV_FROM_SOURCE,
    &CONFIG_MAP_ENV_SOURCE,
    &SECRET_ENV_SOURCE,
    &RESOURCE_REQUIREMENTS,
    &RESOURCE_CLAIM,
    &CONTAINER_RESIZE_POLICY,
    &CONTAINER_RESTART_RULE,
    &CONTAINER_RESTART_RULE_ON_EXIT_CODES,
    &VOLUME_MOUNT,
    &VOLUME_DEVICE,
    &PROBE,
    &PROBE_HANDLER,
    &EXEC_ACTION,
    &HTTP_GET_ACTION,
    &HTTP_HEADER,
    &TCP_SOCKET_ACTION,
    &GRPC_ACTION,
    &LIFECYCLE,
    &LIFECYCLE_HANDLER,
    &SLEEP_ACTION,
    &SECURITY_CONTEXT,
    &CAPABILITIES,
    &SE_LINUX_OPTIONS,
    &WINDOWS_SECURITY_CONTEXT_OPTIONS,
    &SECCOMP_PROFILE,
    &APP_ARMOR_PROFILE,
    &VOLUME,
    &VOLUME_SOURCE,
    &HOST_PATH_VOLUME_SOURCE,
    &EMPTY_DIR_VOLUME_SOURCE,
    &SECRET_VOLUME_SOURCE,
    &NFS_VOLUME_SOURCE,
    &PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE,
    &DOWNWARD_API_VOLUME_SOURCE,
    &DOWNWARD_API_VOLUME_FILE,
    &CONFIG_MAP_VOLUME_SOURCE,
    &KEY_TO_PATH,
    &PROJECTED_VOLUME_SOURCE,
    &VOLUME_PROJECTION,
    &SECRET_PROJECTION,
    &CONFIG_MAP_PROJECTION,
    &DOWNWARD_API_PROJECTION,
    &SERVICE_ACCOUNT_TOKEN_PROJECTION,
    &CLUSTER_TRUST_BUNDLE_PROJECTION,
    &POD_CERTIFICATE_PROJECTION,
    &CSI_VOLUME_SOURCE,
    &EPHEMERAL_VOLUME_SOURCE,
    &PERSISTENT_VOLUME_CLAIM_TEMPLATE,
    &PERSISTENT_VOLUME_CLAIM_SPEC,
    &VOLUME_RESOURCE_REQUIREMENTS,
    &TYPED_LOCAL_OBJECT_REFERENCE,
    &TYPED_OBJECT_REFERENCE,
    &IMAGE_VOLUME_SOURCE,
    &POD_SECURITY_CONTEXT,
    &SYSCTL,
    &HOST_ALIAS,
    &POD_DNS_CONFIG,
    &POD_DNS_CONFIG_OPTION,
    &POD_READINESS_GATE,
    &POD_SCHEDULING_GATE,
    &POD_RESOURCE_CLAIM,
    &POD_OS,
    &WORKLOAD_REFERENCE,
    &AFFINITY,
    &NODE_AFFINITY,
    &NODE_SELECTOR,
    &NODE_SELECTOR_TERM,
    &NODE_SELECTOR_REQUIREMENT,
    &PREFERRED_SCHEDULING_TERM,
    &POD_AFFINITY,
    &POD_ANTI_AFFINITY,
    &WEIGHTED_POD_AFFINITY_TERM,
    &POD_AFFINITY_TERM,
    &TOLERATION,
    &TOPOLOGY_SPREAD_CONSTRAINT,
    &DEPLOYMENT,
    &DEPLOYMENT_SPEC,
    &DEPLOYMENT_STRATEGY,
    &ROLLING_UPDATE,
    &DEPLOYMENT_STATUS,
    &STATEFUL_SET,
    &STATEFUL_SET_SPEC,
    &STATEFUL_SET_UPDATE_STRATEGY,
    &ROLLING_UPDATE_STATEFUL_SET,
    &STATEFUL_SET_PVC_RETENTION_POLICY,
    &STATEFUL_SET_ORDINALS,
    &STATEFUL_SET_STATUS,
    &PERSISTENT_VOLUME_CLAIM,
    &PERSISTENT_VOLUME_CLAIM_STATUS,
    &DAEMON_SET,
    &DAEMON_SET_SPEC,
    &DAEMON_SET_UPDATE_STRATEGY,
    &DAEMON_SET_STATUS,
    &REPLICA_SET,
    &REPLICA_SET_SPEC,
    &REPLICA_SET_STATUS,
    &REPLICATION_CONTROLLER,
    &REPLICATION_CONTROLLER_SPEC,
    &REPLICATION_CONTROLLER_STATUS,
    &JOB,
    &JOB_SPEC,
    &JOB_STATUS,
    &CRON_JOB,
    &CRON_JOB_SPEC,
    &JOB_TEMPLATE_SPEC,
    &CRON_JOB_STATUS,
    &OBJECT_REFERENCE,
    &LIST,
    &LIST_META,
    &DEPLOYMENT_CONFIG,
    &DEPLOYMENT_CONFIG_SPEC,
    &DEPLOYMENT_CONFIG_STRATEGY,
    &CUSTOM_DEPLOYMENT_STRATEGY,
    &RECREATE_DEPLOYMENT_STRATEGY,
    &ROLLING_DEPLOYMENT_STRATEGY,
    &DEPLOYMENT_TRIGGER_POLICY,
    &DEPLOYMENT_TRIGGER_IMAGE_CHANGE_PARAMS,
    &DEPLOYMENT_CONFIG_STATUS,
];

/// The table of the Go struct named `name` (`"Container"`, `"HTTPGetAction"` …).
pub fn type_by_name(name: &str) -> Option<&'static Struct> {
    ALL_TYPES.iter().copied().find(|s| s.name == name)
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

//! The kinds `istioctl kube-inject` decodes (Istio's `injectScheme`, `initializer.go`).
//!
//! Istio registers each type both as known for its group version and as *unversioned*, and
//! `runtime.Scheme.New` falls back to the unversioned table, which is keyed by kind alone: a
//! `Deployment` is decoded as `apps/v1.Deployment` whatever its `apiVersion` says
//! (`extensions/v1beta1`, or none). Kinds are case-sensitive.

use crate::k8s::{self, Struct};

/// A kind registered for kube-inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pod,
    ReplicationController,
    List,
    Deployment,
    DaemonSet,
    ReplicaSet,
    StatefulSet,
    Job,
    CronJob,
    DeploymentConfig,
}

impl Kind {
    /// The registered kind of this name, if any.
    pub fn from_name(kind: &str) -> Option<Kind> {
        Some(match kind {
            "Pod" => Kind::Pod,
            "ReplicationController" => Kind::ReplicationController,
            "List" => Kind::List,
            "Deployment" => Kind::Deployment,
            "DaemonSet" => Kind::DaemonSet,
            "ReplicaSet" => Kind::ReplicaSet,
            "StatefulSet" => Kind::StatefulSet,
            "Job" => Kind::Job,
            "CronJob" => Kind::CronJob,
            "DeploymentConfig" => Kind::DeploymentConfig,
            _ => return None,
        })
    }

    /// The group version Istio registers the kind under.
    pub fn group_version(self) -> &'static str {
        match self {
            Kind::Pod | Kind::ReplicationController | Kind::List => "v1",
            Kind::Deployment | Kind::DaemonSet | Kind::ReplicaSet | Kind::StatefulSet => "apps/v1",
            Kind::Job | Kind::CronJob => "batch/v1",
            Kind::DeploymentConfig => "apps.openshift.io/v1",
        }
    }

    /// The Go type the document is decoded into.
    pub fn go_type(self) -> &'static Struct {
        match self {
            Kind::Pod => &k8s::POD,
            Kind::ReplicationController => &k8s::REPLICATION_CONTROLLER,
            Kind::List => &k8s::LIST,
            Kind::Deployment => &k8s::DEPLOYMENT,
            Kind::DaemonSet => &k8s::DAEMON_SET,
            Kind::ReplicaSet => &k8s::REPLICA_SET,
            Kind::StatefulSet => &k8s::STATEFUL_SET,
            Kind::Job => &k8s::JOB,
            Kind::CronJob => &k8s::CRON_JOB,
            Kind::DeploymentConfig => &k8s::DEPLOYMENT_CONFIG,
        }
    }

    /// Where the pod's metadata and spec live in the object, as JSON pointers.
    ///
    /// CronJob is Istio's quirk: the pod metadata is the *job* template's
    /// (`spec.jobTemplate.metadata`), so injected labels and annotations land there and the
    /// pod template's own metadata is left as it was.
    pub fn pod_location(self) -> Option<PodLocation> {
        match self {
            Kind::List => None,
            Kind::Pod => Some(PodLocation {
                metadata: "/metadata",
                spec: "/spec",
            }),
            Kind::CronJob => Some(PodLocation {
                metadata: "/spec/jobTemplate/metadata",
                spec: "/spec/jobTemplate/spec/template/spec",
            }),
            _ => Some(PodLocation {
                metadata: "/spec/template/metadata",
                spec: "/spec/template/spec",
            }),
        }
    }

    /// Whether `spec.template` is a Go pointer (nil when absent: Istio refuses the object).
    pub fn template_is_pointer(self) -> bool {
        matches!(self, Kind::ReplicationController | Kind::DeploymentConfig)
    }
}

/// JSON pointers to a workload's pod metadata and pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodLocation {
    pub metadata: &'static str,
    pub spec: &'static str,
}

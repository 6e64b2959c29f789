//! The workload types `istioctl kube-inject` decodes (k8s.io/api v0.36 apps/v1, batch/v1,
//! core/v1, and github.com/openshift/api apps/v1), for its byte-exact re-serialisation.
//!
//! Only what Go's encoder needs is modelled precisely: field order, `omitempty`, pointers, and
//! the always-written zero values (`strategy: {}`, `status: {replicas: 0}` …). Condition lists
//! and other records nobody writes into a manifest are [`Kind::Raw`](super::Kind::Raw).

use super::container::{ENV_VAR, RESOURCE_REQUIREMENTS};
use super::meta::{LABEL_SELECTOR, OBJECT_META, TYPE_META, label_selector};
use super::pod::POD_TEMPLATE_SPEC;
use super::schema::{
    BOOL, Field, I32, I64, INT_OR_STR, RAW, RAWS, RESOURCE_LIST, STR, STR_MAP, STRS, Struct, TIME,
    list, obj,
};
use super::volume::PERSISTENT_VOLUME_CLAIM_SPEC;

const fn metadata() -> Field {
    Field::new("metadata", "ObjectMeta", obj(&OBJECT_META)).omitempty()
}

const fn type_meta() -> Field {
    Field::inline("TypeMeta", &TYPE_META)
}

const fn opt_i32(json: &'static str, go: &'static str) -> Field {
    Field::new(json, go, I32).ptr().omitempty()
}

const fn opt_i64(json: &'static str, go: &'static str) -> Field {
    Field::new(json, go, I64).ptr().omitempty()
}

const fn conditions() -> Field {
    Field::new("conditions", "Conditions", RAWS).omitempty()
}

/// A `*metav1.LabelSelector` without `omitempty`: Go writes `selector: null` when absent.
const fn required_selector() -> Field {
    Field::new("selector", "Selector", obj(&LABEL_SELECTOR)).ptr()
}

/// `apps/v1.Deployment`
pub static DEPLOYMENT: Struct = Struct {
    name: "Deployment",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&DEPLOYMENT_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&DEPLOYMENT_STATUS)).omitempty(),
    ],
};

/// `apps/v1.DeploymentSpec`
pub static DEPLOYMENT_SPEC: Struct = Struct {
    name: "DeploymentSpec",
    fields: &[
        opt_i32("replicas", "Replicas"),
        required_selector(),
        Field::new("template", "Template", obj(&POD_TEMPLATE_SPEC)),
        Field::new("strategy", "Strategy", obj(&DEPLOYMENT_STRATEGY))
            .omitempty()
            .retain_keys(),
        Field::new("minReadySeconds", "MinReadySeconds", I32).omitempty(),
        opt_i32("revisionHistoryLimit", "RevisionHistoryLimit"),
        Field::new("paused", "Paused", BOOL).omitempty(),
        opt_i32("progressDeadlineSeconds", "ProgressDeadlineSeconds"),
    ],
};

/// `apps/v1.DeploymentStrategy`
pub static DEPLOYMENT_STRATEGY: Struct = Struct {
    name: "DeploymentStrategy",
    fields: &[
        Field::new("type", "Type", STR).omitempty(),
        Field::new("rollingUpdate", "RollingUpdate", obj(&ROLLING_UPDATE))
            .ptr()
            .omitempty(),
    ],
};

/// `apps/v1.RollingUpdateDeployment` (and `RollingUpdateDaemonSet`, which has the same fields).
pub static ROLLING_UPDATE: Struct = Struct {
    name: "RollingUpdateDeployment",
    fields: &[
        Field::new("maxUnavailable", "MaxUnavailable", INT_OR_STR)
            .ptr()
            .omitempty(),
        Field::new("maxSurge", "MaxSurge", INT_OR_STR)
            .ptr()
            .omitempty(),
    ],
};

/// `apps/v1.DeploymentStatus`: nothing is written when zero.
pub static DEPLOYMENT_STATUS: Struct = Struct {
    name: "DeploymentStatus",
    fields: &[
        Field::new("observedGeneration", "ObservedGeneration", I64).omitempty(),
        Field::new("replicas", "Replicas", I32).omitempty(),
        Field::new("updatedReplicas", "UpdatedReplicas", I32).omitempty(),
        Field::new("readyReplicas", "ReadyReplicas", I32).omitempty(),
        Field::new("availableReplicas", "AvailableReplicas", I32).omitempty(),
        Field::new("unavailableReplicas", "UnavailableReplicas", I32).omitempty(),
        opt_i32("terminatingReplicas", "TerminatingReplicas"),
        conditions(),
        opt_i32("collisionCount", "CollisionCount"),
    ],
};

/// `apps/v1.StatefulSet`
pub static STATEFUL_SET: Struct = Struct {
    name: "StatefulSet",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&STATEFUL_SET_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&STATEFUL_SET_STATUS)).omitempty(),
    ],
};

/// `apps/v1.StatefulSetSpec`
pub static STATEFUL_SET_SPEC: Struct = Struct {
    name: "StatefulSetSpec",
    fields: &[
        opt_i32("replicas", "Replicas"),
        required_selector(),
        Field::new("template", "Template", obj(&POD_TEMPLATE_SPEC)),
        Field::new(
            "volumeClaimTemplates",
            "VolumeClaimTemplates",
            list(&PERSISTENT_VOLUME_CLAIM),
        )
        .omitempty(),
        Field::new("serviceName", "ServiceName", STR).omitempty(),
        Field::new("podManagementPolicy", "PodManagementPolicy", STR).omitempty(),
        Field::new(
            "updateStrategy",
            "UpdateStrategy",
            obj(&STATEFUL_SET_UPDATE_STRATEGY),
        )
        .omitempty(),
        opt_i32("revisionHistoryLimit", "RevisionHistoryLimit"),
        Field::new("minReadySeconds", "MinReadySeconds", I32).omitempty(),
        Field::new(
            "persistentVolumeClaimRetentionPolicy",
            "PersistentVolumeClaimRetentionPolicy",
            obj(&STATEFUL_SET_PVC_RETENTION_POLICY),
        )
        .ptr()
        .omitempty(),
        Field::new("ordinals", "Ordinals", obj(&STATEFUL_SET_ORDINALS))
            .ptr()
            .omitempty(),
    ],
};

/// `apps/v1.StatefulSetUpdateStrategy`
pub static STATEFUL_SET_UPDATE_STRATEGY: Struct = Struct {
    name: "StatefulSetUpdateStrategy",
    fields: &[
        Field::new("type", "Type", STR).omitempty(),
        Field::new(
            "rollingUpdate",
            "RollingUpdate",
            obj(&ROLLING_UPDATE_STATEFUL_SET),
        )
        .ptr()
        .omitempty(),
    ],
};

/// `apps/v1.RollingUpdateStatefulSetStrategy`
pub static ROLLING_UPDATE_STATEFUL_SET: Struct = Struct {
    name: "RollingUpdateStatefulSetStrategy",
    fields: &[
        opt_i32("partition", "Partition"),
        Field::new("maxUnavailable", "MaxUnavailable", INT_OR_STR)
            .ptr()
            .omitempty(),
    ],
};

/// `apps/v1.StatefulSetPersistentVolumeClaimRetentionPolicy`
pub static STATEFUL_SET_PVC_RETENTION_POLICY: Struct = Struct {
    name: "StatefulSetPersistentVolumeClaimRetentionPolicy",
    fields: &[
        Field::new("whenDeleted", "WhenDeleted", STR).omitempty(),
        Field::new("whenScaled", "WhenScaled", STR).omitempty(),
    ],
};

/// `apps/v1.StatefulSetOrdinals`
pub static STATEFUL_SET_ORDINALS: Struct = Struct {
    name: "StatefulSetOrdinals",
    fields: &[Field::new("start", "Start", I32)],
};

/// `apps/v1.StatefulSetStatus`: `replicas` and `availableReplicas` are always written.
pub static STATEFUL_SET_STATUS: Struct = Struct {
    name: "StatefulSetStatus",
    fields: &[
        Field::new("observedGeneration", "ObservedGeneration", I64).omitempty(),
        Field::new("replicas", "Replicas", I32),
        Field::new("readyReplicas", "ReadyReplicas", I32).omitempty(),
        Field::new("currentReplicas", "CurrentReplicas", I32).omitempty(),
        Field::new("updatedReplicas", "UpdatedReplicas", I32).omitempty(),
        Field::new("currentRevision", "CurrentRevision", STR).omitempty(),
        Field::new("updateRevision", "UpdateRevision", STR).omitempty(),
        opt_i32("collisionCount", "CollisionCount"),
        conditions(),
        Field::new("availableReplicas", "AvailableReplicas", I32),
    ],
};

/// `core/v1.PersistentVolumeClaim` (StatefulSet `volumeClaimTemplates`).
pub static PERSISTENT_VOLUME_CLAIM: Struct = Struct {
    name: "PersistentVolumeClaim",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&PERSISTENT_VOLUME_CLAIM_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&PERSISTENT_VOLUME_CLAIM_STATUS)).omitempty(),
    ],
};

/// `core/v1.PersistentVolumeClaimStatus`
pub static PERSISTENT_VOLUME_CLAIM_STATUS: Struct = Struct {
    name: "PersistentVolumeClaimStatus",
    fields: &[
        Field::new("phase", "Phase", STR).omitempty(),
        Field::new("accessModes", "AccessModes", STRS).omitempty(),
        Field::new("capacity", "Capacity", RESOURCE_LIST).omitempty(),
        conditions(),
        Field::new("allocatedResources", "AllocatedResources", RESOURCE_LIST).omitempty(),
        Field::new(
            "allocatedResourceStatuses",
            "AllocatedResourceStatuses",
            STR_MAP,
        )
        .omitempty(),
        Field::new(
            "currentVolumeAttributesClassName",
            "CurrentVolumeAttributesClassName",
            STR,
        )
        .ptr()
        .omitempty(),
        Field::new("modifyVolumeStatus", "ModifyVolumeStatus", RAW)
            .ptr()
            .omitempty(),
    ],
};

/// `apps/v1.DaemonSet`
pub static DAEMON_SET: Struct = Struct {
    name: "DaemonSet",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&DAEMON_SET_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&DAEMON_SET_STATUS)).omitempty(),
    ],
};

/// `apps/v1.DaemonSetSpec`
pub static DAEMON_SET_SPEC: Struct = Struct {
    name: "DaemonSetSpec",
    fields: &[
        required_selector(),
        Field::new("template", "Template", obj(&POD_TEMPLATE_SPEC)),
        Field::new(
            "updateStrategy",
            "UpdateStrategy",
            obj(&DAEMON_SET_UPDATE_STRATEGY),
        )
        .omitempty(),
        Field::new("minReadySeconds", "MinReadySeconds", I32).omitempty(),
        opt_i32("revisionHistoryLimit", "RevisionHistoryLimit"),
    ],
};

/// `apps/v1.DaemonSetUpdateStrategy`
pub static DAEMON_SET_UPDATE_STRATEGY: Struct = Struct {
    name: "DaemonSetUpdateStrategy",
    fields: &[
        Field::new("type", "Type", STR).omitempty(),
        Field::new("rollingUpdate", "RollingUpdate", obj(&ROLLING_UPDATE))
            .ptr()
            .omitempty(),
    ],
};

/// `apps/v1.DaemonSetStatus`: four counters are always written.
pub static DAEMON_SET_STATUS: Struct = Struct {
    name: "DaemonSetStatus",
    fields: &[
        Field::new("currentNumberScheduled", "CurrentNumberScheduled", I32),
        Field::new("numberMisscheduled", "NumberMisscheduled", I32),
        Field::new("desiredNumberScheduled", "DesiredNumberScheduled", I32),
        Field::new("numberReady", "NumberReady", I32),
        Field::new("observedGeneration", "ObservedGeneration", I64).omitempty(),
        Field::new("updatedNumberScheduled", "UpdatedNumberScheduled", I32).omitempty(),
        Field::new("numberAvailable", "NumberAvailable", I32).omitempty(),
        Field::new("numberUnavailable", "NumberUnavailable", I32).omitempty(),
        opt_i32("collisionCount", "CollisionCount"),
        conditions(),
    ],
};

/// `apps/v1.ReplicaSet`
pub static REPLICA_SET: Struct = Struct {
    name: "ReplicaSet",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&REPLICA_SET_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&REPLICA_SET_STATUS)).omitempty(),
    ],
};

/// `apps/v1.ReplicaSetSpec`
pub static REPLICA_SET_SPEC: Struct = Struct {
    name: "ReplicaSetSpec",
    fields: &[
        opt_i32("replicas", "Replicas"),
        Field::new("minReadySeconds", "MinReadySeconds", I32).omitempty(),
        required_selector(),
        Field::new("template", "Template", obj(&POD_TEMPLATE_SPEC)).omitempty(),
    ],
};

/// `apps/v1.ReplicaSetStatus`: `replicas` is always written.
pub static REPLICA_SET_STATUS: Struct = Struct {
    name: "ReplicaSetStatus",
    fields: &[
        Field::new("replicas", "Replicas", I32),
        Field::new("fullyLabeledReplicas", "FullyLabeledReplicas", I32).omitempty(),
        Field::new("readyReplicas", "ReadyReplicas", I32).omitempty(),
        Field::new("availableReplicas", "AvailableReplicas", I32).omitempty(),
        opt_i32("terminatingReplicas", "TerminatingReplicas"),
        Field::new("observedGeneration", "ObservedGeneration", I64).omitempty(),
        conditions(),
    ],
};

/// `core/v1.ReplicationController`
pub static REPLICATION_CONTROLLER: Struct = Struct {
    name: "ReplicationController",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&REPLICATION_CONTROLLER_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&REPLICATION_CONTROLLER_STATUS)).omitempty(),
    ],
};

/// `core/v1.ReplicationControllerSpec`: the template is a pointer.
pub static REPLICATION_CONTROLLER_SPEC: Struct = Struct {
    name: "ReplicationControllerSpec",
    fields: &[
        opt_i32("replicas", "Replicas"),
        Field::new("minReadySeconds", "MinReadySeconds", I32).omitempty(),
        Field::new("selector", "Selector", STR_MAP).omitempty(),
        Field::new("template", "Template", obj(&POD_TEMPLATE_SPEC))
            .ptr()
            .omitempty(),
    ],
};

/// `core/v1.ReplicationControllerStatus`
pub static REPLICATION_CONTROLLER_STATUS: Struct = Struct {
    name: "ReplicationControllerStatus",
    fields: &[
        Field::new("replicas", "Replicas", I32),
        Field::new("fullyLabeledReplicas", "FullyLabeledReplicas", I32).omitempty(),
        Field::new("readyReplicas", "ReadyReplicas", I32).omitempty(),
        Field::new("availableReplicas", "AvailableReplicas", I32).omitempty(),
        Field::new("observedGeneration", "ObservedGeneration", I64).omitempty(),
        conditions(),
    ],
};

/// `batch/v1.Job`
pub static JOB: Struct = Struct {
    name: "Job",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&JOB_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&JOB_STATUS)).omitempty(),
    ],
};

/// `batch/v1.JobSpec`
pub static JOB_SPEC: Struct = Struct {
    name: "JobSpec",
    fields: &[
        opt_i32("parallelism", "Parallelism"),
        opt_i32("completions", "Completions"),
        opt_i64("activeDeadlineSeconds", "ActiveDeadlineSeconds"),
        Field::new("podFailurePolicy", "PodFailurePolicy", RAW)
            .ptr()
            .omitempty(),
        Field::new("successPolicy", "SuccessPolicy", RAW)
            .ptr()
            .omitempty(),
        opt_i32("backoffLimit", "BackoffLimit"),
        opt_i32("backoffLimitPerIndex", "BackoffLimitPerIndex"),
        opt_i32("maxFailedIndexes", "MaxFailedIndexes"),
        label_selector("selector", "Selector"),
        Field::new("manualSelector", "ManualSelector", BOOL)
            .ptr()
            .omitempty(),
        Field::new("template", "Template", obj(&POD_TEMPLATE_SPEC)),
        opt_i32("ttlSecondsAfterFinished", "TTLSecondsAfterFinished"),
        Field::new("completionMode", "CompletionMode", STR)
            .ptr()
            .omitempty(),
        Field::new("suspend", "Suspend", BOOL).ptr().omitempty(),
        Field::new("podReplacementPolicy", "PodReplacementPolicy", STR)
            .ptr()
            .omitempty(),
        Field::new("managedBy", "ManagedBy", STR).ptr().omitempty(),
    ],
};

/// `batch/v1.JobStatus`: nothing is written when zero.
pub static JOB_STATUS: Struct = Struct {
    name: "JobStatus",
    fields: &[
        conditions(),
        Field::new("startTime", "StartTime", TIME).ptr().omitempty(),
        Field::new("completionTime", "CompletionTime", TIME)
            .ptr()
            .omitempty(),
        Field::new("active", "Active", I32).omitempty(),
        Field::new("succeeded", "Succeeded", I32).omitempty(),
        Field::new("failed", "Failed", I32).omitempty(),
        opt_i32("terminating", "Terminating"),
        Field::new("completedIndexes", "CompletedIndexes", STR).omitempty(),
        Field::new("failedIndexes", "FailedIndexes", STR)
            .ptr()
            .omitempty(),
        Field::new("uncountedTerminatedPods", "UncountedTerminatedPods", RAW)
            .ptr()
            .omitempty(),
        opt_i32("ready", "Ready"),
    ],
};

/// `batch/v1.CronJob`
pub static CRON_JOB: Struct = Struct {
    name: "CronJob",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&CRON_JOB_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&CRON_JOB_STATUS)).omitempty(),
    ],
};

/// `batch/v1.CronJobSpec`
pub static CRON_JOB_SPEC: Struct = Struct {
    name: "CronJobSpec",
    fields: &[
        Field::new("schedule", "Schedule", STR),
        Field::new("timeZone", "TimeZone", STR).ptr().omitempty(),
        opt_i64("startingDeadlineSeconds", "StartingDeadlineSeconds"),
        Field::new("concurrencyPolicy", "ConcurrencyPolicy", STR).omitempty(),
        Field::new("suspend", "Suspend", BOOL).ptr().omitempty(),
        Field::new("jobTemplate", "JobTemplate", obj(&JOB_TEMPLATE_SPEC)),
        opt_i32("successfulJobsHistoryLimit", "SuccessfulJobsHistoryLimit"),
        opt_i32("failedJobsHistoryLimit", "FailedJobsHistoryLimit"),
    ],
};

/// `batch/v1.JobTemplateSpec`
pub static JOB_TEMPLATE_SPEC: Struct = Struct {
    name: "JobTemplateSpec",
    fields: &[
        metadata(),
        Field::new("spec", "Spec", obj(&JOB_SPEC)).omitempty(),
    ],
};

/// `batch/v1.CronJobStatus`
pub static CRON_JOB_STATUS: Struct = Struct {
    name: "CronJobStatus",
    fields: &[
        Field::new("active", "Active", list(&OBJECT_REFERENCE)).omitempty(),
        Field::new("lastScheduleTime", "LastScheduleTime", TIME)
            .ptr()
            .omitempty(),
        Field::new("lastSuccessfulTime", "LastSuccessfulTime", TIME)
            .ptr()
            .omitempty(),
    ],
};

/// `core/v1.ObjectReference`
pub static OBJECT_REFERENCE: Struct = Struct {
    name: "ObjectReference",
    fields: &[
        Field::new("kind", "Kind", STR).omitempty(),
        Field::new("namespace", "Namespace", STR).omitempty(),
        Field::new("name", "Name", STR).omitempty(),
        Field::new("uid", "UID", STR).omitempty(),
        Field::new("apiVersion", "APIVersion", STR).omitempty(),
        Field::new("resourceVersion", "ResourceVersion", STR).omitempty(),
        Field::new("fieldPath", "FieldPath", STR).omitempty(),
    ],
};

/// `core/v1.List`: items are `runtime.RawExtension`s, written as they are.
pub static LIST: Struct = Struct {
    name: "List",
    fields: &[
        type_meta(),
        Field::new("metadata", "ListMeta", obj(&LIST_META)).omitempty(),
        Field::new("items", "Items", RAWS),
    ],
};

/// `metav1.ListMeta`
pub static LIST_META: Struct = Struct {
    name: "ListMeta",
    fields: &[
        Field::new("selfLink", "SelfLink", STR).omitempty(),
        Field::new("resourceVersion", "ResourceVersion", STR).omitempty(),
        Field::new("continue", "Continue", STR).omitempty(),
        opt_i64("remainingItemCount", "RemainingItemCount"),
    ],
};

/// `apps.openshift.io/v1.DeploymentConfig` (github.com/openshift/api).
pub static DEPLOYMENT_CONFIG: Struct = Struct {
    name: "DeploymentConfig",
    fields: &[
        type_meta(),
        metadata(),
        Field::new("spec", "Spec", obj(&DEPLOYMENT_CONFIG_SPEC)),
        Field::new("status", "Status", obj(&DEPLOYMENT_CONFIG_STATUS)),
    ],
};

/// `apps.openshift.io/v1.DeploymentConfigSpec`: `replicas` and `test` are always written, the
/// template is a pointer.
pub static DEPLOYMENT_CONFIG_SPEC: Struct = Struct {
    name: "DeploymentConfigSpec",
    fields: &[
        Field::new("strategy", "Strategy", obj(&DEPLOYMENT_CONFIG_STRATEGY)),
        Field::new("minReadySeconds", "MinReadySeconds", I32).omitempty(),
        Field::new("triggers", "Triggers", list(&DEPLOYMENT_TRIGGER_POLICY)),
        Field::new("replicas", "Replicas", I32),
        opt_i32("revisionHistoryLimit", "RevisionHistoryLimit"),
        Field::new("test", "Test", BOOL),
        Field::new("paused", "Paused", BOOL).omitempty(),
        Field::new("selector", "Selector", STR_MAP).omitempty(),
        Field::new("template", "Template", obj(&POD_TEMPLATE_SPEC))
            .ptr()
            .omitempty(),
    ],
};

/// `apps.openshift.io/v1.DeploymentStrategy` (named apart from the apps/v1 type of the same
/// Go name, as type names are unique in these tables).
pub static DEPLOYMENT_CONFIG_STRATEGY: Struct = Struct {
    name: "DeploymentConfigStrategy",
    fields: &[
        Field::new("type", "Type", STR).omitempty(),
        Field::new(
            "customParams",
            "CustomParams",
            obj(&CUSTOM_DEPLOYMENT_STRATEGY),
        )
        .ptr()
        .omitempty(),
        Field::new(
            "recreateParams",
            "RecreateParams",
            obj(&RECREATE_DEPLOYMENT_STRATEGY),
        )
        .ptr()
        .omitempty(),
        Field::new(
            "rollingParams",
            "RollingParams",
            obj(&ROLLING_DEPLOYMENT_STRATEGY),
        )
        .ptr()
        .omitempty(),
        Field::new("resources", "Resources", obj(&RESOURCE_REQUIREMENTS)).omitempty(),
        Field::new("labels", "Labels", STR_MAP).omitempty(),
        Field::new("annotations", "Annotations", STR_MAP).omitempty(),
        opt_i64("activeDeadlineSeconds", "ActiveDeadlineSeconds"),
    ],
};

/// `apps.openshift.io/v1.CustomDeploymentStrategyParams`
pub static CUSTOM_DEPLOYMENT_STRATEGY: Struct = Struct {
    name: "CustomDeploymentStrategyParams",
    fields: &[
        Field::new("image", "Image", STR).omitempty(),
        Field::new("environment", "Environment", list(&ENV_VAR)).omitempty(),
        Field::new("command", "Command", STRS).omitempty(),
    ],
};

/// `apps.openshift.io/v1.RecreateDeploymentStrategyParams` (hooks kept as written).
pub static RECREATE_DEPLOYMENT_STRATEGY: Struct = Struct {
    name: "RecreateDeploymentStrategyParams",
    fields: &[
        opt_i64("timeoutSeconds", "TimeoutSeconds"),
        Field::new("pre", "Pre", RAW).ptr().omitempty(),
        Field::new("mid", "Mid", RAW).ptr().omitempty(),
        Field::new("post", "Post", RAW).ptr().omitempty(),
    ],
};

/// `apps.openshift.io/v1.RollingDeploymentStrategyParams` (hooks kept as written).
pub static ROLLING_DEPLOYMENT_STRATEGY: Struct = Struct {
    name: "RollingDeploymentStrategyParams",
    fields: &[
        opt_i64("updatePeriodSeconds", "UpdatePeriodSeconds"),
        opt_i64("intervalSeconds", "IntervalSeconds"),
        opt_i64("timeoutSeconds", "TimeoutSeconds"),
        Field::new("maxUnavailable", "MaxUnavailable", INT_OR_STR)
            .ptr()
            .omitempty(),
        Field::new("maxSurge", "MaxSurge", INT_OR_STR)
            .ptr()
            .omitempty(),
        Field::new("pre", "Pre", RAW).ptr().omitempty(),
        Field::new("post", "Post", RAW).ptr().omitempty(),
    ],
};

/// `apps.openshift.io/v1.DeploymentTriggerPolicy`
pub static DEPLOYMENT_TRIGGER_POLICY: Struct = Struct {
    name: "DeploymentTriggerPolicy",
    fields: &[
        Field::new("type", "Type", STR).omitempty(),
        Field::new(
            "imageChangeParams",
            "ImageChangeParams",
            obj(&DEPLOYMENT_TRIGGER_IMAGE_CHANGE_PARAMS),
        )
        .ptr()
        .omitempty(),
    ],
};

/// `apps.openshift.io/v1.DeploymentTriggerImageChangeParams`
pub static DEPLOYMENT_TRIGGER_IMAGE_CHANGE_PARAMS: Struct = Struct {
    name: "DeploymentTriggerImageChangeParams",
    fields: &[
        Field::new("automatic", "Automatic", BOOL).omitempty(),
        Field::new("containerNames", "ContainerNames", STRS).omitempty(),
        Field::new("from", "From", obj(&OBJECT_REFERENCE)),
        Field::new("lastTriggeredImage", "LastTriggeredImage", STR).omitempty(),
    ],
};

/// `apps.openshift.io/v1.DeploymentConfigStatus`: six counters are always written.
pub static DEPLOYMENT_CONFIG_STATUS: Struct = Struct {
    name: "DeploymentConfigStatus",
    fields: &[
        Field::new("latestVersion", "LatestVersion", I64),
        Field::new("observedGeneration", "ObservedGeneration", I64),
        Field::new("replicas", "Replicas", I32),
        Field::new("updatedReplicas", "UpdatedReplicas", I32),
        Field::new("availableReplicas", "AvailableReplicas", I32),
        Field::new("unavailableReplicas", "UnavailableReplicas", I32),
        Field::new("details", "Details", RAW).ptr().omitempty(),
        conditions(),
        Field::new("readyReplicas", "ReadyReplicas", I32).omitempty(),
    ],
};

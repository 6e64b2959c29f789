//! `Pod`, `PodSpec`, `PodStatus` and the pod-level types (k8s.io/api core/v1 v0.36).

use super::container::{
    APP_ARMOR_PROFILE, CONTAINER, EPHEMERAL_CONTAINER, RESOURCE_REQUIREMENTS, SE_LINUX_OPTIONS,
    SECCOMP_PROFILE, WINDOWS_SECURITY_CONTEXT_OPTIONS,
};
use super::meta::{LOCAL_OBJECT_REFERENCE, OBJECT_META, TYPE_META};
use super::scheduling::{AFFINITY, TOLERATION, TOPOLOGY_SPREAD_CONSTRAINT};
use super::schema::{
    BOOL, Field, I32, I64, I64S, RAW, RAWS, RESOURCE_LIST, STR, STR_MAP, STRS, Struct, TIME, list,
    obj,
};
use super::volume::VOLUME;

/// `Pod`
pub static POD: Struct = Struct {
    name: "Pod",
    fields: &[
        Field::inline("TypeMeta", &TYPE_META),
        Field::new("metadata", "ObjectMeta", obj(&OBJECT_META)).omitempty(),
        Field::new("spec", "Spec", obj(&POD_SPEC)).omitempty(),
        Field::new("status", "Status", obj(&POD_STATUS)).omitempty(),
    ],
};

/// `PodTemplateSpec` (the `spec.template` of workloads).
pub static POD_TEMPLATE_SPEC: Struct = Struct {
    name: "PodTemplateSpec",
    fields: &[
        Field::new("metadata", "ObjectMeta", obj(&OBJECT_META)).omitempty(),
        Field::new("spec", "Spec", obj(&POD_SPEC)).omitempty(),
    ],
};

/// `PodSpec`, every field in declaration order.
pub static POD_SPEC: Struct = Struct {
    name: "PodSpec",
    fields: &[
        Field::new("volumes", "Volumes", list(&VOLUME))
            .omitempty()
            .merge_by("name")
            .retain_keys(),
        Field::new("initContainers", "InitContainers", list(&CONTAINER))
            .omitempty()
            .merge_by("name"),
        Field::new("containers", "Containers", list(&CONTAINER)).merge_by("name"),
        Field::new(
            "ephemeralContainers",
            "EphemeralContainers",
            list(&EPHEMERAL_CONTAINER),
        )
        .omitempty()
        .merge_by("name"),
        Field::new("restartPolicy", "RestartPolicy", STR).omitempty(),
        Field::new(
            "terminationGracePeriodSeconds",
            "TerminationGracePeriodSeconds",
            I64,
        )
        .ptr()
        .omitempty(),
        Field::new("activeDeadlineSeconds", "ActiveDeadlineSeconds", I64)
            .ptr()
            .omitempty(),
        Field::new("dnsPolicy", "DNSPolicy", STR).omitempty(),
        Field::new("nodeSelector", "NodeSelector", STR_MAP).omitempty(),
        Field::new("serviceAccountName", "ServiceAccountName", STR).omitempty(),
        Field::new("serviceAccount", "DeprecatedServiceAccount", STR).omitempty(),
        Field::new(
            "automountServiceAccountToken",
            "AutomountServiceAccountToken",
            BOOL,
        )
        .ptr()
        .omitempty(),
        Field::new("nodeName", "NodeName", STR).omitempty(),
        Field::new("hostNetwork", "HostNetwork", BOOL).omitempty(),
        Field::new("hostPID", "HostPID", BOOL).omitempty(),
        Field::new("hostIPC", "HostIPC", BOOL).omitempty(),
        Field::new("shareProcessNamespace", "ShareProcessNamespace", BOOL)
            .ptr()
            .omitempty(),
        Field::new(
            "securityContext",
            "SecurityContext",
            obj(&POD_SECURITY_CONTEXT),
        )
        .ptr()
        .omitempty(),
        Field::new(
            "imagePullSecrets",
            "ImagePullSecrets",
            list(&LOCAL_OBJECT_REFERENCE),
        )
        .omitempty()
        .merge_by("name"),
        Field::new("hostname", "Hostname", STR).omitempty(),
        Field::new("subdomain", "Subdomain", STR).omitempty(),
        Field::new("affinity", "Affinity", obj(&AFFINITY))
            .ptr()
            .omitempty(),
        Field::new("schedulerName", "SchedulerName", STR).omitempty(),
        Field::new("tolerations", "Tolerations", list(&TOLERATION)).omitempty(),
        Field::new("hostAliases", "HostAliases", list(&HOST_ALIAS))
            .omitempty()
            .merge_by("ip"),
        Field::new("priorityClassName", "PriorityClassName", STR).omitempty(),
        Field::new("priority", "Priority", I32).ptr().omitempty(),
        Field::new("dnsConfig", "DNSConfig", obj(&POD_DNS_CONFIG))
            .ptr()
            .omitempty(),
        Field::new(
            "readinessGates",
            "ReadinessGates",
            list(&POD_READINESS_GATE),
        )
        .omitempty(),
        Field::new("runtimeClassName", "RuntimeClassName", STR)
            .ptr()
            .omitempty(),
        Field::new("enableServiceLinks", "EnableServiceLinks", BOOL)
            .ptr()
            .omitempty(),
        Field::new("preemptionPolicy", "PreemptionPolicy", STR)
            .ptr()
            .omitempty(),
        Field::new("overhead", "Overhead", RESOURCE_LIST).omitempty(),
        Field::new(
            "topologySpreadConstraints",
            "TopologySpreadConstraints",
            list(&TOPOLOGY_SPREAD_CONSTRAINT),
        )
        .omitempty()
        .merge_by("topologyKey"),
        Field::new("setHostnameAsFQDN", "SetHostnameAsFQDN", BOOL)
            .ptr()
            .omitempty(),
        Field::new("os", "OS", obj(&POD_OS)).ptr().omitempty(),
        Field::new("hostUsers", "HostUsers", BOOL).ptr().omitempty(),
        Field::new(
            "schedulingGates",
            "SchedulingGates",
            list(&POD_SCHEDULING_GATE),
        )
        .omitempty()
        .merge_by("name"),
        Field::new(
            "resourceClaims",
            "ResourceClaims",
            list(&POD_RESOURCE_CLAIM),
        )
        .omitempty()
        .merge_by("name")
        .retain_keys(),
        Field::new("resources", "Resources", obj(&RESOURCE_REQUIREMENTS))
            .ptr()
            .omitempty(),
        Field::new("hostnameOverride", "HostnameOverride", STR)
            .ptr()
            .omitempty(),
        Field::new("workloadRef", "WorkloadRef", obj(&WORKLOAD_REFERENCE))
            .ptr()
            .omitempty(),
    ],
};

/// `PodSecurityContext`
pub static POD_SECURITY_CONTEXT: Struct = Struct {
    name: "PodSecurityContext",
    fields: &[
        Field::new("seLinuxOptions", "SELinuxOptions", obj(&SE_LINUX_OPTIONS))
            .ptr()
            .omitempty(),
        Field::new(
            "windowsOptions",
            "WindowsOptions",
            obj(&WINDOWS_SECURITY_CONTEXT_OPTIONS),
        )
        .ptr()
        .omitempty(),
        Field::new("runAsUser", "RunAsUser", I64).ptr().omitempty(),
        Field::new("runAsGroup", "RunAsGroup", I64)
            .ptr()
            .omitempty(),
        Field::new("runAsNonRoot", "RunAsNonRoot", BOOL)
            .ptr()
            .omitempty(),
        Field::new("supplementalGroups", "SupplementalGroups", I64S).omitempty(),
        Field::new("supplementalGroupsPolicy", "SupplementalGroupsPolicy", STR)
            .ptr()
            .omitempty(),
        Field::new("fsGroup", "FSGroup", I64).ptr().omitempty(),
        Field::new("sysctls", "Sysctls", list(&SYSCTL)).omitempty(),
        Field::new("fsGroupChangePolicy", "FSGroupChangePolicy", STR)
            .ptr()
            .omitempty(),
        Field::new("seccompProfile", "SeccompProfile", obj(&SECCOMP_PROFILE))
            .ptr()
            .omitempty(),
        Field::new(
            "appArmorProfile",
            "AppArmorProfile",
            obj(&APP_ARMOR_PROFILE),
        )
        .ptr()
        .omitempty(),
        Field::new("seLinuxChangePolicy", "SELinuxChangePolicy", STR)
            .ptr()
            .omitempty(),
    ],
};

/// `Sysctl`
pub static SYSCTL: Struct = Struct {
    name: "Sysctl",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("value", "Value", STR),
    ],
};

/// `HostAlias`
pub static HOST_ALIAS: Struct = Struct {
    name: "HostAlias",
    fields: &[
        Field::new("ip", "IP", STR),
        Field::new("hostnames", "Hostnames", STRS).omitempty(),
    ],
};

/// `PodDNSConfig`
pub static POD_DNS_CONFIG: Struct = Struct {
    name: "PodDNSConfig",
    fields: &[
        Field::new("nameservers", "Nameservers", STRS).omitempty(),
        Field::new("searches", "Searches", STRS).omitempty(),
        Field::new("options", "Options", list(&POD_DNS_CONFIG_OPTION)).omitempty(),
    ],
};

/// `PodDNSConfigOption`
pub static POD_DNS_CONFIG_OPTION: Struct = Struct {
    name: "PodDNSConfigOption",
    fields: &[
        Field::new("name", "Name", STR).omitempty(),
        Field::new("value", "Value", STR).ptr().omitempty(),
    ],
};

/// `PodReadinessGate`
pub static POD_READINESS_GATE: Struct = Struct {
    name: "PodReadinessGate",
    fields: &[Field::new("conditionType", "ConditionType", STR)],
};

/// `PodSchedulingGate`
pub static POD_SCHEDULING_GATE: Struct = Struct {
    name: "PodSchedulingGate",
    fields: &[Field::new("name", "Name", STR)],
};

/// `PodResourceClaim`
pub static POD_RESOURCE_CLAIM: Struct = Struct {
    name: "PodResourceClaim",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("resourceClaimName", "ResourceClaimName", STR)
            .ptr()
            .omitempty(),
        Field::new(
            "resourceClaimTemplateName",
            "ResourceClaimTemplateName",
            STR,
        )
        .ptr()
        .omitempty(),
    ],
};

/// `PodOS`
pub static POD_OS: Struct = Struct {
    name: "PodOS",
    fields: &[Field::new("name", "Name", STR)],
};

/// `WorkloadReference`
pub static WORKLOAD_REFERENCE: Struct = Struct {
    name: "WorkloadReference",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("podGroup", "PodGroup", STR),
        Field::new("podGroupReplicaKey", "PodGroupReplicaKey", STR).omitempty(),
    ],
};

/// `PodStatus`: the top level is modelled (so Go writes `status: {}`), the nested status
/// records are [`Kind::Raw`](super::Kind::Raw).
pub static POD_STATUS: Struct = Struct {
    name: "PodStatus",
    fields: &[
        Field::new("observedGeneration", "ObservedGeneration", I64).omitempty(),
        Field::new("phase", "Phase", STR).omitempty(),
        Field::new("conditions", "Conditions", RAWS)
            .omitempty()
            .merge_by("type"),
        Field::new("message", "Message", STR).omitempty(),
        Field::new("reason", "Reason", STR).omitempty(),
        Field::new("nominatedNodeName", "NominatedNodeName", STR).omitempty(),
        Field::new("hostIP", "HostIP", STR).omitempty(),
        Field::new("hostIPs", "HostIPs", RAWS)
            .omitempty()
            .merge_by("ip"),
        Field::new("podIP", "PodIP", STR).omitempty(),
        Field::new("podIPs", "PodIPs", RAWS)
            .omitempty()
            .merge_by("ip"),
        Field::new("startTime", "StartTime", TIME).ptr().omitempty(),
        Field::new("initContainerStatuses", "InitContainerStatuses", RAWS).omitempty(),
        Field::new("containerStatuses", "ContainerStatuses", RAWS).omitempty(),
        Field::new("qosClass", "QOSClass", STR).omitempty(),
        Field::new(
            "ephemeralContainerStatuses",
            "EphemeralContainerStatuses",
            RAWS,
        )
        .omitempty(),
        Field::new("resize", "Resize", STR).omitempty(),
        Field::new("resourceClaimStatuses", "ResourceClaimStatuses", RAWS)
            .omitempty()
            .merge_by("name")
            .retain_keys(),
        Field::new(
            "extendedResourceClaimStatus",
            "ExtendedResourceClaimStatus",
            RAW,
        )
        .ptr()
        .omitempty(),
        Field::new("allocatedResources", "AllocatedResources", RESOURCE_LIST).omitempty(),
        Field::new("resources", "Resources", obj(&RESOURCE_REQUIREMENTS))
            .ptr()
            .omitempty(),
    ],
};

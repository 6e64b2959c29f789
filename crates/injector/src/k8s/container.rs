//! `k8s.io/api/core/v1` container types (v0.36): `Container` and everything it holds.

use super::meta::LOCAL_OBJECT_REFERENCE_INLINE;
use super::schema::{
    BOOL, Field, I32, I32S, I64, INT_OR_STR, QTY, RESOURCE_LIST, STR, STRS, Struct, list, obj,
};

/// The fields of `Container`, shared verbatim by `EphemeralContainerCommon` (Go asserts the
/// two are convertible).
macro_rules! container_fields {
    () => {
        &[
            Field::new("name", "Name", STR),
            Field::new("image", "Image", STR).omitempty(),
            Field::new("command", "Command", STRS).omitempty(),
            Field::new("args", "Args", STRS).omitempty(),
            Field::new("workingDir", "WorkingDir", STR).omitempty(),
            Field::new("ports", "Ports", list(&CONTAINER_PORT))
                .omitempty()
                .merge_by("containerPort"),
            Field::new("envFrom", "EnvFrom", list(&ENV_FROM_SOURCE)).omitempty(),
            Field::new("env", "Env", list(&ENV_VAR))
                .omitempty()
                .merge_by("name"),
            Field::new("resources", "Resources", obj(&RESOURCE_REQUIREMENTS)).omitempty(),
            Field::new(
                "resizePolicy",
                "ResizePolicy",
                list(&CONTAINER_RESIZE_POLICY),
            )
            .omitempty(),
            Field::new("restartPolicy", "RestartPolicy", STR)
                .ptr()
                .omitempty(),
            Field::new(
                "restartPolicyRules",
                "RestartPolicyRules",
                list(&CONTAINER_RESTART_RULE),
            )
            .omitempty(),
            Field::new("volumeMounts", "VolumeMounts", list(&VOLUME_MOUNT))
                .omitempty()
                .merge_by("mountPath"),
            Field::new("volumeDevices", "VolumeDevices", list(&VOLUME_DEVICE))
                .omitempty()
                .merge_by("devicePath"),
            Field::new("livenessProbe", "LivenessProbe", obj(&PROBE))
                .ptr()
                .omitempty(),
            Field::new("readinessProbe", "ReadinessProbe", obj(&PROBE))
                .ptr()
                .omitempty(),
            Field::new("startupProbe", "StartupProbe", obj(&PROBE))
                .ptr()
                .omitempty(),
            Field::new("lifecycle", "Lifecycle", obj(&LIFECYCLE))
                .ptr()
                .omitempty(),
            Field::new("terminationMessagePath", "TerminationMessagePath", STR).omitempty(),
            Field::new("terminationMessagePolicy", "TerminationMessagePolicy", STR).omitempty(),
            Field::new("imagePullPolicy", "ImagePullPolicy", STR).omitempty(),
            Field::new("securityContext", "SecurityContext", obj(&SECURITY_CONTEXT))
                .ptr()
                .omitempty(),
            Field::new("stdin", "Stdin", BOOL).omitempty(),
            Field::new("stdinOnce", "StdinOnce", BOOL).omitempty(),
            Field::new("tty", "TTY", BOOL).omitempty(),
        ]
    };
}

/// `Container`
pub static CONTAINER: Struct = Struct {
    name: "Container",
    fields: container_fields!(),
};

/// `EphemeralContainerCommon`, embedded in `EphemeralContainer`.
pub static EPHEMERAL_CONTAINER_COMMON: Struct = Struct {
    name: "EphemeralContainerCommon",
    fields: container_fields!(),
};

/// `EphemeralContainer`
pub static EPHEMERAL_CONTAINER: Struct = Struct {
    name: "EphemeralContainer",
    fields: &[
        Field::inline("EphemeralContainerCommon", &EPHEMERAL_CONTAINER_COMMON),
        Field::new("targetContainerName", "TargetContainerName", STR).omitempty(),
    ],
};

/// `ContainerPort`
pub static CONTAINER_PORT: Struct = Struct {
    name: "ContainerPort",
    fields: &[
        Field::new("name", "Name", STR).omitempty(),
        Field::new("hostPort", "HostPort", I32).omitempty(),
        Field::new("containerPort", "ContainerPort", I32),
        Field::new("protocol", "Protocol", STR).omitempty(),
        Field::new("hostIP", "HostIP", STR).omitempty(),
    ],
};

/// `EnvVar`
pub static ENV_VAR: Struct = Struct {
    name: "EnvVar",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("value", "Value", STR).omitempty(),
        Field::new("valueFrom", "ValueFrom", obj(&ENV_VAR_SOURCE))
            .ptr()
            .omitempty(),
    ],
};

/// `EnvVarSource`
pub static ENV_VAR_SOURCE: Struct = Struct {
    name: "EnvVarSource",
    fields: &[
        Field::new("fieldRef", "FieldRef", obj(&OBJECT_FIELD_SELECTOR))
            .ptr()
            .omitempty(),
        Field::new(
            "resourceFieldRef",
            "ResourceFieldRef",
            obj(&RESOURCE_FIELD_SELECTOR),
        )
        .ptr()
        .omitempty(),
        Field::new(
            "configMapKeyRef",
            "ConfigMapKeyRef",
            obj(&CONFIG_MAP_KEY_SELECTOR),
        )
        .ptr()
        .omitempty(),
        Field::new("secretKeyRef", "SecretKeyRef", obj(&SECRET_KEY_SELECTOR))
            .ptr()
            .omitempty(),
        Field::new("fileKeyRef", "FileKeyRef", obj(&FILE_KEY_SELECTOR))
            .ptr()
            .omitempty(),
    ],
};

/// `ObjectFieldSelector`
pub static OBJECT_FIELD_SELECTOR: Struct = Struct {
    name: "ObjectFieldSelector",
    fields: &[
        Field::new("apiVersion", "APIVersion", STR).omitempty(),
        Field::new("fieldPath", "FieldPath", STR),
    ],
};

/// `ResourceFieldSelector`; `divisor` is a Quantity value, so Go always writes it (`"0"`).
pub static RESOURCE_FIELD_SELECTOR: Struct = Struct {
    name: "ResourceFieldSelector",
    fields: &[
        Field::new("containerName", "ContainerName", STR).omitempty(),
        Field::new("resource", "Resource", STR),
        Field::new("divisor", "Divisor", QTY).omitempty(),
    ],
};

/// `ConfigMapKeySelector`
pub static CONFIG_MAP_KEY_SELECTOR: Struct = Struct {
    name: "ConfigMapKeySelector",
    fields: &[
        LOCAL_OBJECT_REFERENCE_INLINE,
        Field::new("key", "Key", STR),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `SecretKeySelector`
pub static SECRET_KEY_SELECTOR: Struct = Struct {
    name: "SecretKeySelector",
    fields: &[
        LOCAL_OBJECT_REFERENCE_INLINE,
        Field::new("key", "Key", STR),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `FileKeySelector`
pub static FILE_KEY_SELECTOR: Struct = Struct {
    name: "FileKeySelector",
    fields: &[
        Field::new("volumeName", "VolumeName", STR),
        Field::new("path", "Path", STR),
        Field::new("key", "Key", STR),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `EnvFromSource`
pub static ENV_FROM_SOURCE: Struct = Struct {
    name: "EnvFromSource",
    fields: &[
        Field::new("prefix", "Prefix", STR).omitempty(),
        Field::new("configMapRef", "ConfigMapRef", obj(&CONFIG_MAP_ENV_SOURCE))
            .ptr()
            .omitempty(),
        Field::new("secretRef", "SecretRef", obj(&SECRET_ENV_SOURCE))
            .ptr()
            .omitempty(),
    ],
};

/// `ConfigMapEnvSource`
pub static CONFIG_MAP_ENV_SOURCE: Struct = Struct {
    name: "ConfigMapEnvSource",
    fields: &[
        LOCAL_OBJECT_REFERENCE_INLINE,
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `SecretEnvSource`
pub static SECRET_ENV_SOURCE: Struct = Struct {
    name: "SecretEnvSource",
    fields: &[
        LOCAL_OBJECT_REFERENCE_INLINE,
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `ResourceRequirements`
pub static RESOURCE_REQUIREMENTS: Struct = Struct {
    name: "ResourceRequirements",
    fields: &[
        Field::new("limits", "Limits", RESOURCE_LIST).omitempty(),
        Field::new("requests", "Requests", RESOURCE_LIST).omitempty(),
        Field::new("claims", "Claims", list(&RESOURCE_CLAIM)).omitempty(),
    ],
};

/// `ResourceClaim` (a container's reference to a pod resource claim).
pub static RESOURCE_CLAIM: Struct = Struct {
    name: "ResourceClaim",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("request", "Request", STR).omitempty(),
    ],
};

/// `ContainerResizePolicy`
pub static CONTAINER_RESIZE_POLICY: Struct = Struct {
    name: "ContainerResizePolicy",
    fields: &[
        Field::new("resourceName", "ResourceName", STR),
        Field::new("restartPolicy", "RestartPolicy", STR),
    ],
};

/// `ContainerRestartRule`
pub static CONTAINER_RESTART_RULE: Struct = Struct {
    name: "ContainerRestartRule",
    fields: &[
        Field::new("action", "Action", STR).omitempty(),
        Field::new(
            "exitCodes",
            "ExitCodes",
            obj(&CONTAINER_RESTART_RULE_ON_EXIT_CODES),
        )
        .ptr()
        .omitempty(),
    ],
};

/// `ContainerRestartRuleOnExitCodes`
pub static CONTAINER_RESTART_RULE_ON_EXIT_CODES: Struct = Struct {
    name: "ContainerRestartRuleOnExitCodes",
    fields: &[
        Field::new("operator", "Operator", STR).omitempty(),
        Field::new("values", "Values", I32S).omitempty(),
    ],
};

/// `VolumeMount`
pub static VOLUME_MOUNT: Struct = Struct {
    name: "VolumeMount",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("readOnly", "ReadOnly", BOOL).omitempty(),
        Field::new("recursiveReadOnly", "RecursiveReadOnly", STR)
            .ptr()
            .omitempty(),
        Field::new("mountPath", "MountPath", STR),
        Field::new("subPath", "SubPath", STR).omitempty(),
        Field::new("mountPropagation", "MountPropagation", STR)
            .ptr()
            .omitempty(),
        Field::new("subPathExpr", "SubPathExpr", STR).omitempty(),
    ],
};

/// `VolumeDevice`
pub static VOLUME_DEVICE: Struct = Struct {
    name: "VolumeDevice",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("devicePath", "DevicePath", STR),
    ],
};

/// `Probe`: `ProbeHandler` is embedded, so `httpGet` sits next to `periodSeconds`.
pub static PROBE: Struct = Struct {
    name: "Probe",
    fields: &[
        Field::inline("ProbeHandler", &PROBE_HANDLER),
        Field::new("initialDelaySeconds", "InitialDelaySeconds", I32).omitempty(),
        Field::new("timeoutSeconds", "TimeoutSeconds", I32).omitempty(),
        Field::new("periodSeconds", "PeriodSeconds", I32).omitempty(),
        Field::new("successThreshold", "SuccessThreshold", I32).omitempty(),
        Field::new("failureThreshold", "FailureThreshold", I32).omitempty(),
        Field::new(
            "terminationGracePeriodSeconds",
            "TerminationGracePeriodSeconds",
            I64,
        )
        .ptr()
        .omitempty(),
    ],
};

/// `ProbeHandler`
pub static PROBE_HANDLER: Struct = Struct {
    name: "ProbeHandler",
    fields: &[
        Field::new("exec", "Exec", obj(&EXEC_ACTION))
            .ptr()
            .omitempty(),
        Field::new("httpGet", "HTTPGet", obj(&HTTP_GET_ACTION))
            .ptr()
            .omitempty(),
        Field::new("tcpSocket", "TCPSocket", obj(&TCP_SOCKET_ACTION))
            .ptr()
            .omitempty(),
        Field::new("grpc", "GRPC", obj(&GRPC_ACTION))
            .ptr()
            .omitempty(),
    ],
};

/// `ExecAction`
pub static EXEC_ACTION: Struct = Struct {
    name: "ExecAction",
    fields: &[Field::new("command", "Command", STRS).omitempty()],
};

/// `HTTPGetAction`: Go order path, port, host, scheme, httpHeaders.
pub static HTTP_GET_ACTION: Struct = Struct {
    name: "HTTPGetAction",
    fields: &[
        Field::new("path", "Path", STR).omitempty(),
        Field::new("port", "Port", INT_OR_STR),
        Field::new("host", "Host", STR).omitempty(),
        Field::new("scheme", "Scheme", STR).omitempty(),
        Field::new("httpHeaders", "HTTPHeaders", list(&HTTP_HEADER)).omitempty(),
    ],
};

/// `HTTPHeader`
pub static HTTP_HEADER: Struct = Struct {
    name: "HTTPHeader",
    fields: &[
        Field::new("name", "Name", STR),
        Field::new("value", "Value", STR),
    ],
};

/// `TCPSocketAction`
pub static TCP_SOCKET_ACTION: Struct = Struct {
    name: "TCPSocketAction",
    fields: &[
        Field::new("port", "Port", INT_OR_STR),
        Field::new("host", "Host", STR).omitempty(),
    ],
};

/// `GRPCAction`: `service` is a pointer without `omitempty`, so a nil one is written `null`.
pub static GRPC_ACTION: Struct = Struct {
    name: "GRPCAction",
    fields: &[
        Field::new("port", "Port", I32),
        Field::new("service", "Service", STR).ptr(),
    ],
};

/// `Lifecycle`
pub static LIFECYCLE: Struct = Struct {
    name: "Lifecycle",
    fields: &[
        Field::new("postStart", "PostStart", obj(&LIFECYCLE_HANDLER))
            .ptr()
            .omitempty(),
        Field::new("preStop", "PreStop", obj(&LIFECYCLE_HANDLER))
            .ptr()
            .omitempty(),
        Field::new("stopSignal", "StopSignal", STR)
            .ptr()
            .omitempty(),
    ],
};

/// `LifecycleHandler`
pub static LIFECYCLE_HANDLER: Struct = Struct {
    name: "LifecycleHandler",
    fields: &[
        Field::new("exec", "Exec", obj(&EXEC_ACTION))
            .ptr()
            .omitempty(),
        Field::new("httpGet", "HTTPGet", obj(&HTTP_GET_ACTION))
            .ptr()
            .omitempty(),
        Field::new("tcpSocket", "TCPSocket", obj(&TCP_SOCKET_ACTION))
            .ptr()
            .omitempty(),
        Field::new("sleep", "Sleep", obj(&SLEEP_ACTION))
            .ptr()
            .omitempty(),
    ],
};

/// `SleepAction`
pub static SLEEP_ACTION: Struct = Struct {
    name: "SleepAction",
    fields: &[Field::new("seconds", "Seconds", I64)],
};

/// `SecurityContext` (container level).
pub static SECURITY_CONTEXT: Struct = Struct {
    name: "SecurityContext",
    fields: &[
        Field::new("capabilities", "Capabilities", obj(&CAPABILITIES))
            .ptr()
            .omitempty(),
        Field::new("privileged", "Privileged", BOOL)
            .ptr()
            .omitempty(),
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
        Field::new("readOnlyRootFilesystem", "ReadOnlyRootFilesystem", BOOL)
            .ptr()
            .omitempty(),
        Field::new("allowPrivilegeEscalation", "AllowPrivilegeEscalation", BOOL)
            .ptr()
            .omitempty(),
        Field::new("procMount", "ProcMount", STR).ptr().omitempty(),
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
    ],
};

/// `Capabilities`
pub static CAPABILITIES: Struct = Struct {
    name: "Capabilities",
    fields: &[
        Field::new("add", "Add", STRS).omitempty(),
        Field::new("drop", "Drop", STRS).omitempty(),
    ],
};

/// `SELinuxOptions`
pub static SE_LINUX_OPTIONS: Struct = Struct {
    name: "SELinuxOptions",
    fields: &[
        Field::new("user", "User", STR).omitempty(),
        Field::new("role", "Role", STR).omitempty(),
        Field::new("type", "Type", STR).omitempty(),
        Field::new("level", "Level", STR).omitempty(),
    ],
};

/// `WindowsSecurityContextOptions`
pub static WINDOWS_SECURITY_CONTEXT_OPTIONS: Struct = Struct {
    name: "WindowsSecurityContextOptions",
    fields: &[
        Field::new("gmsaCredentialSpecName", "GMSACredentialSpecName", STR)
            .ptr()
            .omitempty(),
        Field::new("gmsaCredentialSpec", "GMSACredentialSpec", STR)
            .ptr()
            .omitempty(),
        Field::new("runAsUserName", "RunAsUserName", STR)
            .ptr()
            .omitempty(),
        Field::new("hostProcess", "HostProcess", BOOL)
            .ptr()
            .omitempty(),
    ],
};

/// `SeccompProfile`
pub static SECCOMP_PROFILE: Struct = Struct {
    name: "SeccompProfile",
    fields: &[
        Field::new("type", "Type", STR),
        Field::new("localhostProfile", "LocalhostProfile", STR)
            .ptr()
            .omitempty(),
    ],
};

/// `AppArmorProfile`
pub static APP_ARMOR_PROFILE: Struct = Struct {
    name: "AppArmorProfile",
    fields: &[
        Field::new("type", "Type", STR),
        Field::new("localhostProfile", "LocalhostProfile", STR)
            .ptr()
            .omitempty(),
    ],
};

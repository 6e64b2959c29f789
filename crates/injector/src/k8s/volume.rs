//! `Volume` and the volume sources (k8s.io/api core/v1 v0.36).
//!
//! The sources Istio and common workloads use are modelled field by field; the legacy
//! in-tree cloud and storage-vendor sources are [`Kind::Raw`](super::Kind::Raw): kept as
//! written, never inspected.

use super::container::{OBJECT_FIELD_SELECTOR, RESOURCE_FIELD_SELECTOR};
use super::meta::{
    LOCAL_OBJECT_REFERENCE, LOCAL_OBJECT_REFERENCE_INLINE, OBJECT_META, label_selector,
};
use super::schema::{
    BOOL, Field, I32, I64, QTY, RAW, RESOURCE_LIST, STR, STR_MAP, STRS, Struct, list, obj,
};

/// `Volume`: a name plus the embedded `VolumeSource`.
pub static VOLUME: Struct = Struct {
    name: "Volume",
    fields: &[
        Field::new("name", "Name", STR),
        Field::inline("VolumeSource", &VOLUME_SOURCE),
    ],
};

const fn source(json: &'static str, go: &'static str, s: &'static Struct) -> Field {
    Field::new(json, go, obj(s)).ptr().omitempty()
}

const fn opaque_source(json: &'static str, go: &'static str) -> Field {
    Field::new(json, go, RAW).ptr().omitempty()
}

/// `VolumeSource`, in Go declaration order (note `projected` before `portworxVolume`).
pub static VOLUME_SOURCE: Struct = Struct {
    name: "VolumeSource",
    fields: &[
        source("hostPath", "HostPath", &HOST_PATH_VOLUME_SOURCE),
        source("emptyDir", "EmptyDir", &EMPTY_DIR_VOLUME_SOURCE),
        opaque_source("gcePersistentDisk", "GCEPersistentDisk"),
        opaque_source("awsElasticBlockStore", "AWSElasticBlockStore"),
        opaque_source("gitRepo", "GitRepo"),
        source("secret", "Secret", &SECRET_VOLUME_SOURCE),
        source("nfs", "NFS", &NFS_VOLUME_SOURCE),
        opaque_source("iscsi", "ISCSI"),
        opaque_source("glusterfs", "Glusterfs"),
        source(
            "persistentVolumeClaim",
            "PersistentVolumeClaim",
            &PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE,
        ),
        opaque_source("rbd", "RBD"),
        opaque_source("flexVolume", "FlexVolume"),
        opaque_source("cinder", "Cinder"),
        opaque_source("cephfs", "CephFS"),
        opaque_source("flocker", "Flocker"),
        source("downwardAPI", "DownwardAPI", &DOWNWARD_API_VOLUME_SOURCE),
        opaque_source("fc", "FC"),
        opaque_source("azureFile", "AzureFile"),
        source("configMap", "ConfigMap", &CONFIG_MAP_VOLUME_SOURCE),
        opaque_source("vsphereVolume", "VsphereVolume"),
        opaque_source("quobyte", "Quobyte"),
        opaque_source("azureDisk", "AzureDisk"),
        opaque_source("photonPersistentDisk", "PhotonPersistentDisk"),
        source("projected", "Projected", &PROJECTED_VOLUME_SOURCE),
        opaque_source("portworxVolume", "PortworxVolume"),
        opaque_source("scaleIO", "ScaleIO"),
        opaque_source("storageos", "StorageOS"),
        source("csi", "CSI", &CSI_VOLUME_SOURCE),
        source("ephemeral", "Ephemeral", &EPHEMERAL_VOLUME_SOURCE),
        source("image", "Image", &IMAGE_VOLUME_SOURCE),
    ],
};

/// `HostPathVolumeSource`
pub static HOST_PATH_VOLUME_SOURCE: Struct = Struct {
    name: "HostPathVolumeSource",
    fields: &[
        Field::new("path", "Path", STR),
        Field::new("type", "Type", STR).ptr().omitempty(),
    ],
};

/// `EmptyDirVolumeSource`
pub static EMPTY_DIR_VOLUME_SOURCE: Struct = Struct {
    name: "EmptyDirVolumeSource",
    fields: &[
        Field::new("medium", "Medium", STR).omitempty(),
        Field::new("sizeLimit", "SizeLimit", QTY).ptr().omitempty(),
    ],
};

/// `SecretVolumeSource`
pub static SECRET_VOLUME_SOURCE: Struct = Struct {
    name: "SecretVolumeSource",
    fields: &[
        Field::new("secretName", "SecretName", STR).omitempty(),
        Field::new("items", "Items", list(&KEY_TO_PATH)).omitempty(),
        Field::new("defaultMode", "DefaultMode", I32)
            .ptr()
            .omitempty(),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `NFSVolumeSource`
pub static NFS_VOLUME_SOURCE: Struct = Struct {
    name: "NFSVolumeSource",
    fields: &[
        Field::new("server", "Server", STR),
        Field::new("path", "Path", STR),
        Field::new("readOnly", "ReadOnly", BOOL).omitempty(),
    ],
};

/// `PersistentVolumeClaimVolumeSource`
pub static PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Struct = Struct {
    name: "PersistentVolumeClaimVolumeSource",
    fields: &[
        Field::new("claimName", "ClaimName", STR),
        Field::new("readOnly", "ReadOnly", BOOL).omitempty(),
    ],
};

/// `DownwardAPIVolumeSource`
pub static DOWNWARD_API_VOLUME_SOURCE: Struct = Struct {
    name: "DownwardAPIVolumeSource",
    fields: &[
        Field::new("items", "Items", list(&DOWNWARD_API_VOLUME_FILE)).omitempty(),
        Field::new("defaultMode", "DefaultMode", I32)
            .ptr()
            .omitempty(),
    ],
};

/// `DownwardAPIVolumeFile`
pub static DOWNWARD_API_VOLUME_FILE: Struct = Struct {
    name: "DownwardAPIVolumeFile",
    fields: &[
        Field::new("path", "Path", STR),
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
        Field::new("mode", "Mode", I32).ptr().omitempty(),
    ],
};

/// `ConfigMapVolumeSource`
pub static CONFIG_MAP_VOLUME_SOURCE: Struct = Struct {
    name: "ConfigMapVolumeSource",
    fields: &[
        LOCAL_OBJECT_REFERENCE_INLINE,
        Field::new("items", "Items", list(&KEY_TO_PATH)).omitempty(),
        Field::new("defaultMode", "DefaultMode", I32)
            .ptr()
            .omitempty(),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `KeyToPath`
pub static KEY_TO_PATH: Struct = Struct {
    name: "KeyToPath",
    fields: &[
        Field::new("key", "Key", STR),
        Field::new("path", "Path", STR),
        Field::new("mode", "Mode", I32).ptr().omitempty(),
    ],
};

/// `ProjectedVolumeSource`: `sources` has no `omitempty` (nil is written `null`).
pub static PROJECTED_VOLUME_SOURCE: Struct = Struct {
    name: "ProjectedVolumeSource",
    fields: &[
        Field::new("sources", "Sources", list(&VOLUME_PROJECTION)),
        Field::new("defaultMode", "DefaultMode", I32)
            .ptr()
            .omitempty(),
    ],
};

/// `VolumeProjection`
pub static VOLUME_PROJECTION: Struct = Struct {
    name: "VolumeProjection",
    fields: &[
        source("secret", "Secret", &SECRET_PROJECTION),
        source("downwardAPI", "DownwardAPI", &DOWNWARD_API_PROJECTION),
        source("configMap", "ConfigMap", &CONFIG_MAP_PROJECTION),
        source(
            "serviceAccountToken",
            "ServiceAccountToken",
            &SERVICE_ACCOUNT_TOKEN_PROJECTION,
        ),
        source(
            "clusterTrustBundle",
            "ClusterTrustBundle",
            &CLUSTER_TRUST_BUNDLE_PROJECTION,
        ),
        source(
            "podCertificate",
            "PodCertificate",
            &POD_CERTIFICATE_PROJECTION,
        ),
    ],
};

/// `SecretProjection`
pub static SECRET_PROJECTION: Struct = Struct {
    name: "SecretProjection",
    fields: &[
        LOCAL_OBJECT_REFERENCE_INLINE,
        Field::new("items", "Items", list(&KEY_TO_PATH)).omitempty(),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `ConfigMapProjection`
pub static CONFIG_MAP_PROJECTION: Struct = Struct {
    name: "ConfigMapProjection",
    fields: &[
        LOCAL_OBJECT_REFERENCE_INLINE,
        Field::new("items", "Items", list(&KEY_TO_PATH)).omitempty(),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
    ],
};

/// `DownwardAPIProjection`
pub static DOWNWARD_API_PROJECTION: Struct = Struct {
    name: "DownwardAPIProjection",
    fields: &[Field::new("items", "Items", list(&DOWNWARD_API_VOLUME_FILE)).omitempty()],
};

/// `ServiceAccountTokenProjection`
pub static SERVICE_ACCOUNT_TOKEN_PROJECTION: Struct = Struct {
    name: "ServiceAccountTokenProjection",
    fields: &[
        Field::new("audience", "Audience", STR).omitempty(),
        Field::new("expirationSeconds", "ExpirationSeconds", I64)
            .ptr()
            .omitempty(),
        Field::new("path", "Path", STR),
    ],
};

/// `ClusterTrustBundleProjection`
pub static CLUSTER_TRUST_BUNDLE_PROJECTION: Struct = Struct {
    name: "ClusterTrustBundleProjection",
    fields: &[
        Field::new("name", "Name", STR).ptr().omitempty(),
        Field::new("signerName", "SignerName", STR)
            .ptr()
            .omitempty(),
        label_selector("labelSelector", "LabelSelector"),
        Field::new("optional", "Optional", BOOL).ptr().omitempty(),
        Field::new("path", "Path", STR),
    ],
};

/// `PodCertificateProjection`
pub static POD_CERTIFICATE_PROJECTION: Struct = Struct {
    name: "PodCertificateProjection",
    fields: &[
        Field::new("signerName", "SignerName", STR).omitempty(),
        Field::new("keyType", "KeyType", STR).omitempty(),
        Field::new("maxExpirationSeconds", "MaxExpirationSeconds", I32)
            .ptr()
            .omitempty(),
        Field::new("credentialBundlePath", "CredentialBundlePath", STR).omitempty(),
        Field::new("keyPath", "KeyPath", STR).omitempty(),
        Field::new("certificateChainPath", "CertificateChainPath", STR).omitempty(),
        Field::new("userAnnotations", "UserAnnotations", STR_MAP).omitempty(),
    ],
};

/// `CSIVolumeSource`
pub static CSI_VOLUME_SOURCE: Struct = Struct {
    name: "CSIVolumeSource",
    fields: &[
        Field::new("driver", "Driver", STR),
        Field::new("readOnly", "ReadOnly", BOOL).ptr().omitempty(),
        Field::new("fsType", "FSType", STR).ptr().omitempty(),
        Field::new("volumeAttributes", "VolumeAttributes", STR_MAP).omitempty(),
        Field::new(
            "nodePublishSecretRef",
            "NodePublishSecretRef",
            obj(&LOCAL_OBJECT_REFERENCE),
        )
        .ptr()
        .omitempty(),
    ],
};

/// `EphemeralVolumeSource`
pub static EPHEMERAL_VOLUME_SOURCE: Struct = Struct {
    name: "EphemeralVolumeSource",
    fields: &[Field::new(
        "volumeClaimTemplate",
        "VolumeClaimTemplate",
        obj(&PERSISTENT_VOLUME_CLAIM_TEMPLATE),
    )
    .ptr()
    .omitempty()],
};

/// `PersistentVolumeClaimTemplate`
pub static PERSISTENT_VOLUME_CLAIM_TEMPLATE: Struct = Struct {
    name: "PersistentVolumeClaimTemplate",
    fields: &[
        Field::new("metadata", "ObjectMeta", obj(&OBJECT_META)).omitempty(),
        Field::new("spec", "Spec", obj(&PERSISTENT_VOLUME_CLAIM_SPEC)),
    ],
};

/// `PersistentVolumeClaimSpec`
pub static PERSISTENT_VOLUME_CLAIM_SPEC: Struct = Struct {
    name: "PersistentVolumeClaimSpec",
    fields: &[
        Field::new("accessModes", "AccessModes", STRS).omitempty(),
        label_selector("selector", "Selector"),
        Field::new("resources", "Resources", obj(&VOLUME_RESOURCE_REQUIREMENTS)).omitempty(),
        Field::new("volumeName", "VolumeName", STR).omitempty(),
        Field::new("storageClassName", "StorageClassName", STR)
            .ptr()
            .omitempty(),
        Field::new("volumeMode", "VolumeMode", STR)
            .ptr()
            .omitempty(),
        Field::new(
            "dataSource",
            "DataSource",
            obj(&TYPED_LOCAL_OBJECT_REFERENCE),
        )
        .ptr()
        .omitempty(),
        Field::new(
            "dataSourceRef",
            "DataSourceRef",
            obj(&TYPED_OBJECT_REFERENCE),
        )
        .ptr()
        .omitempty(),
        Field::new(
            "volumeAttributesClassName",
            "VolumeAttributesClassName",
            STR,
        )
        .ptr()
        .omitempty(),
    ],
};

/// `VolumeResourceRequirements`
pub static VOLUME_RESOURCE_REQUIREMENTS: Struct = Struct {
    name: "VolumeResourceRequirements",
    fields: &[
        Field::new("limits", "Limits", RESOURCE_LIST).omitempty(),
        Field::new("requests", "Requests", RESOURCE_LIST).omitempty(),
    ],
};

/// `TypedLocalObjectReference`: `apiGroup` is a pointer without `omitempty`.
pub static TYPED_LOCAL_OBJECT_REFERENCE: Struct = Struct {
    name: "TypedLocalObjectReference",
    fields: &[
        Field::new("apiGroup", "APIGroup", STR).ptr(),
        Field::new("kind", "Kind", STR),
        Field::new("name", "Name", STR),
    ],
};

/// `TypedObjectReference`
pub static TYPED_OBJECT_REFERENCE: Struct = Struct {
    name: "TypedObjectReference",
    fields: &[
        Field::new("apiGroup", "APIGroup", STR).ptr(),
        Field::new("kind", "Kind", STR),
        Field::new("name", "Name", STR),
        Field::new("namespace", "Namespace", STR).ptr().omitempty(),
    ],
};

/// `ImageVolumeSource`
pub static IMAGE_VOLUME_SOURCE: Struct = Struct {
    name: "ImageVolumeSource",
    fields: &[
        Field::new("reference", "Reference", STR).omitempty(),
        Field::new("pullPolicy", "PullPolicy", STR).omitempty(),
    ],
};

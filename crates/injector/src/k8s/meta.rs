//! `k8s.io/apimachinery/pkg/apis/meta/v1` types used by pods.

use super::schema::{BOOL, Field, I64, RAWS, STR, STR_MAP, STRS, Struct, TIME, list, obj};

/// `metav1.TypeMeta`, embedded in top-level objects.
pub static TYPE_META: Struct = Struct {
    name: "TypeMeta",
    fields: &[
        Field::new("kind", "Kind", STR).omitempty(),
        Field::new("apiVersion", "APIVersion", STR).omitempty(),
    ],
};

/// `metav1.ObjectMeta` (k8s.io/apimachinery v0.36).
pub static OBJECT_META: Struct = Struct {
    name: "ObjectMeta",
    fields: &[
        Field::new("name", "Name", STR).omitempty(),
        Field::new("generateName", "GenerateName", STR).omitempty(),
        Field::new("namespace", "Namespace", STR).omitempty(),
        Field::new("selfLink", "SelfLink", STR).omitempty(),
        Field::new("uid", "UID", STR).omitempty(),
        Field::new("resourceVersion", "ResourceVersion", STR).omitempty(),
        Field::new("generation", "Generation", I64).omitempty(),
        // `omitempty,omitzero` since apimachinery 0.34: no more `creationTimestamp: null`.
        Field::new("creationTimestamp", "CreationTimestamp", TIME).omitzero(),
        Field::new("deletionTimestamp", "DeletionTimestamp", TIME)
            .ptr()
            .omitempty(),
        Field::new(
            "deletionGracePeriodSeconds",
            "DeletionGracePeriodSeconds",
            I64,
        )
        .ptr()
        .omitempty(),
        Field::new("labels", "Labels", STR_MAP).omitempty(),
        Field::new("annotations", "Annotations", STR_MAP).omitempty(),
        Field::new("ownerReferences", "OwnerReferences", list(&OWNER_REFERENCE))
            .omitempty()
            .merge_by("uid"),
        Field::new("finalizers", "Finalizers", STRS)
            .omitempty()
            .merge_set(),
        Field::new("managedFields", "ManagedFields", RAWS).omitempty(),
    ],
};

/// `metav1.OwnerReference`
pub static OWNER_REFERENCE: Struct = Struct {
    name: "OwnerReference",
    fields: &[
        Field::new("apiVersion", "APIVersion", STR),
        Field::new("kind", "Kind", STR),
        Field::new("name", "Name", STR),
        Field::new("uid", "UID", STR),
        Field::new("controller", "Controller", BOOL)
            .ptr()
            .omitempty(),
        Field::new("blockOwnerDeletion", "BlockOwnerDeletion", BOOL)
            .ptr()
            .omitempty(),
    ],
};

/// `metav1.LabelSelector`
pub static LABEL_SELECTOR: Struct = Struct {
    name: "LabelSelector",
    fields: &[
        Field::new("matchLabels", "MatchLabels", STR_MAP).omitempty(),
        Field::new(
            "matchExpressions",
            "MatchExpressions",
            list(&LABEL_SELECTOR_REQUIREMENT),
        )
        .omitempty(),
    ],
};

/// `metav1.LabelSelectorRequirement`
pub static LABEL_SELECTOR_REQUIREMENT: Struct = Struct {
    name: "LabelSelectorRequirement",
    fields: &[
        Field::new("key", "Key", STR),
        Field::new("operator", "Operator", STR),
        Field::new("values", "Values", STRS).omitempty(),
    ],
};

/// A `metav1.LabelSelector` pointer field, as several pod types embed one.
pub(crate) const fn label_selector(json: &'static str, go: &'static str) -> Field {
    Field::new(json, go, obj(&LABEL_SELECTOR)).ptr().omitempty()
}

/// `LocalObjectReference` (core/v1): a name in the same namespace.
pub static LOCAL_OBJECT_REFERENCE: Struct = Struct {
    name: "LocalObjectReference",
    fields: &[Field::new("name", "Name", STR).omitempty()],
};

/// `LocalObjectReference` embedded in a selector or volume source.
pub(crate) const LOCAL_OBJECT_REFERENCE_INLINE: Field =
    Field::inline("LocalObjectReference", &LOCAL_OBJECT_REFERENCE);

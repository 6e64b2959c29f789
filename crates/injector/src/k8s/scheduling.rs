//! Scheduling types of `PodSpec` (k8s.io/api core/v1 v0.36): affinity, tolerations,
//! topology spread constraints.

use super::meta::label_selector;
use super::schema::{Field, I32, I64, STR, STRS, Struct, list, obj};

/// `Affinity`
pub static AFFINITY: Struct = Struct {
    name: "Affinity",
    fields: &[
        Field::new("nodeAffinity", "NodeAffinity", obj(&NODE_AFFINITY))
            .ptr()
            .omitempty(),
        Field::new("podAffinity", "PodAffinity", obj(&POD_AFFINITY))
            .ptr()
            .omitempty(),
        Field::new(
            "podAntiAffinity",
            "PodAntiAffinity",
            obj(&POD_ANTI_AFFINITY),
        )
        .ptr()
        .omitempty(),
    ],
};

/// `NodeAffinity`
pub static NODE_AFFINITY: Struct = Struct {
    name: "NodeAffinity",
    fields: &[
        Field::new(
            "requiredDuringSchedulingIgnoredDuringExecution",
            "RequiredDuringSchedulingIgnoredDuringExecution",
            obj(&NODE_SELECTOR),
        )
        .ptr()
        .omitempty(),
        Field::new(
            "preferredDuringSchedulingIgnoredDuringExecution",
            "PreferredDuringSchedulingIgnoredDuringExecution",
            list(&PREFERRED_SCHEDULING_TERM),
        )
        .omitempty(),
    ],
};

/// `NodeSelector`
pub static NODE_SELECTOR: Struct = Struct {
    name: "NodeSelector",
    fields: &[Field::new(
        "nodeSelectorTerms",
        "NodeSelectorTerms",
        list(&NODE_SELECTOR_TERM),
    )],
};

/// `NodeSelectorTerm`
pub static NODE_SELECTOR_TERM: Struct = Struct {
    name: "NodeSelectorTerm",
    fields: &[
        Field::new(
            "matchExpressions",
            "MatchExpressions",
            list(&NODE_SELECTOR_REQUIREMENT),
        )
        .omitempty(),
        Field::new(
            "matchFields",
            "MatchFields",
            list(&NODE_SELECTOR_REQUIREMENT),
        )
        .omitempty(),
    ],
};

/// `NodeSelectorRequirement`
pub static NODE_SELECTOR_REQUIREMENT: Struct = Struct {
    name: "NodeSelectorRequirement",
    fields: &[
        Field::new("key", "Key", STR),
        Field::new("operator", "Operator", STR),
        Field::new("values", "Values", STRS).omitempty(),
    ],
};

/// `PreferredSchedulingTerm`
pub static PREFERRED_SCHEDULING_TERM: Struct = Struct {
    name: "PreferredSchedulingTerm",
    fields: &[
        Field::new("weight", "Weight", I32),
        Field::new("preference", "Preference", obj(&NODE_SELECTOR_TERM)),
    ],
};

/// `PodAffinity`
pub static POD_AFFINITY: Struct = Struct {
    name: "PodAffinity",
    fields: &[
        Field::new(
            "requiredDuringSchedulingIgnoredDuringExecution",
            "RequiredDuringSchedulingIgnoredDuringExecution",
            list(&POD_AFFINITY_TERM),
        )
        .omitempty(),
        Field::new(
            "preferredDuringSchedulingIgnoredDuringExecution",
            "PreferredDuringSchedulingIgnoredDuringExecution",
            list(&WEIGHTED_POD_AFFINITY_TERM),
        )
        .omitempty(),
    ],
};

/// `PodAntiAffinity`
pub static POD_ANTI_AFFINITY: Struct = Struct {
    name: "PodAntiAffinity",
    fields: &[
        Field::new(
            "requiredDuringSchedulingIgnoredDuringExecution",
            "RequiredDuringSchedulingIgnoredDuringExecution",
            list(&POD_AFFINITY_TERM),
        )
        .omitempty(),
        Field::new(
            "preferredDuringSchedulingIgnoredDuringExecution",
            "PreferredDuringSchedulingIgnoredDuringExecution",
            list(&WEIGHTED_POD_AFFINITY_TERM),
        )
        .omitempty(),
    ],
};

/// `WeightedPodAffinityTerm`
pub static WEIGHTED_POD_AFFINITY_TERM: Struct = Struct {
    name: "WeightedPodAffinityTerm",
    fields: &[
        Field::new("weight", "Weight", I32),
        Field::new(
            "podAffinityTerm",
            "PodAffinityTerm",
            obj(&POD_AFFINITY_TERM),
        ),
    ],
};

/// `PodAffinityTerm`
pub static POD_AFFINITY_TERM: Struct = Struct {
    name: "PodAffinityTerm",
    fields: &[
        label_selector("labelSelector", "LabelSelector"),
        Field::new("namespaces", "Namespaces", STRS).omitempty(),
        Field::new("topologyKey", "TopologyKey", STR),
        label_selector("namespaceSelector", "NamespaceSelector"),
        Field::new("matchLabelKeys", "MatchLabelKeys", STRS).omitempty(),
        Field::new("mismatchLabelKeys", "MismatchLabelKeys", STRS).omitempty(),
    ],
};

/// `Toleration`
pub static TOLERATION: Struct = Struct {
    name: "Toleration",
    fields: &[
        Field::new("key", "Key", STR).omitempty(),
        Field::new("operator", "Operator", STR).omitempty(),
        Field::new("value", "Value", STR).omitempty(),
        Field::new("effect", "Effect", STR).omitempty(),
        Field::new("tolerationSeconds", "TolerationSeconds", I64)
            .ptr()
            .omitempty(),
    ],
};

/// `TopologySpreadConstraint`
pub static TOPOLOGY_SPREAD_CONSTRAINT: Struct = Struct {
    name: "TopologySpreadConstraint",
    fields: &[
        Field::new("maxSkew", "MaxSkew", I32),
        Field::new("topologyKey", "TopologyKey", STR),
        Field::new("whenUnsatisfiable", "WhenUnsatisfiable", STR),
        label_selector("labelSelector", "LabelSelector"),
        Field::new("minDomains", "MinDomains", I32)
            .ptr()
            .omitempty(),
        Field::new("nodeAffinityPolicy", "NodeAffinityPolicy", STR)
            .ptr()
            .omitempty(),
        Field::new("nodeTaintsPolicy", "NodeTaintsPolicy", STR)
            .ptr()
            .omitempty(),
        Field::new("matchLabelKeys", "MatchLabelKeys", STRS).omitempty(),
    ],
};

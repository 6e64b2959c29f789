//! Istio's default injector values as constant data.
//!
//! A policy instance lives for one request, so a `serde_json` tree of the defaults would be
//! built (allocated and hashed, key by key) on every admission, though the built-in renderer
//! reads about fifty of its leaves. Here the tree is static: lookups walk it without
//! allocating, and only what a caller takes out becomes a `Value`.

use super::super::constant::Node;

use Node::{Bool, Int, List, Map as M, Str};

const EMPTY: Node = M(&[]);
const NONE: Node = List(&[]);

const PROXY: Node = M(&[
    ("autoInject", Str("enabled")),
    ("clusterDomain", Str("cluster.local")),
    ("componentLogLevel", Str("misc:error")),
    ("excludeIPRanges", Str("")),
    ("excludeInboundPorts", Str("")),
    ("excludeOutboundPorts", Str("")),
    ("image", Str("proxyv2")),
    ("includeIPRanges", Str("*")),
    ("includeInboundPorts", Str("*")),
    ("includeOutboundPorts", Str("")),
    ("logLevel", Str("warning")),
    ("outlierLogPath", Str("")),
    ("privileged", Bool(false)),
    ("readinessFailureThreshold", Int(4)),
    ("readinessInitialDelaySeconds", Int(0)),
    ("readinessPeriodSeconds", Int(15)),
    (
        "resources",
        M(&[
            (
                "limits",
                M(&[("cpu", Str("2000m")), ("memory", Str("1024Mi"))]),
            ),
            (
                "requests",
                M(&[("cpu", Str("100m")), ("memory", Str("128Mi"))]),
            ),
        ]),
    ),
    ("seccompProfile", EMPTY),
    (
        "startupProbe",
        M(&[("enabled", Bool(true)), ("failureThreshold", Int(600))]),
    ),
    ("statusPort", Int(15020)),
    ("tracer", Str("none")),
]);

const WAYPOINT: Node = M(&[
    ("affinity", EMPTY),
    ("nodeSelector", EMPTY),
    (
        "resources",
        M(&[
            ("limits", M(&[("cpu", Str("2")), ("memory", Str("1Gi"))])),
            (
                "requests",
                M(&[("cpu", Str("100m")), ("memory", Str("128Mi"))]),
            ),
        ]),
    ),
    ("tolerations", NONE),
    ("topologySpreadConstraints", NONE),
]);

const GLOBAL: Node = M(&[
    ("caAddress", Str("")),
    ("caName", Str("")),
    ("certSigners", NONE),
    ("configCluster", Bool(false)),
    ("configValidation", Bool(true)),
    ("defaultPodDisruptionBudget", M(&[("enabled", Bool(true))])),
    (
        "defaultResources",
        M(&[("requests", M(&[("cpu", Str("10m"))]))]),
    ),
    ("externalIstiod", Bool(false)),
    ("hub", Str("docker.io/istio")),
    ("imagePullPolicy", Str("")),
    ("imagePullSecrets", NONE),
    ("istioNamespace", Str("istio-system")),
    ("istiod", M(&[("enableAnalysis", Bool(false))])),
    ("logAsJson", Bool(false)),
    ("logging", M(&[("level", Str("default:info"))])),
    ("meshID", Str("")),
    ("meshNetworks", EMPTY),
    ("mountMtlsCerts", Bool(false)),
    ("multiCluster", M(&[("clusterName", Str(""))])),
    ("nativeNftables", Bool(false)),
    ("network", Str("")),
    ("networkPolicy", M(&[("enabled", Bool(false))])),
    ("omitSidecarInjectorConfigMap", Bool(false)),
    ("operatorManageWebhooks", Bool(false)),
    ("pilotCertProvider", Str("istiod")),
    ("priorityClassName", Str("")),
    ("proxy", PROXY),
    (
        "proxy_init",
        M(&[
            ("forceApplyIptables", Bool(false)),
            ("image", Str("proxyv2")),
        ]),
    ),
    ("remotePilotAddress", Str("")),
    ("resourceScope", Str("all")),
    ("sds", M(&[("token", M(&[("aud", Str("istio-ca"))]))])),
    ("sts", M(&[("servicePort", Int(0))])),
    ("tag", Str("1.30.0")),
    ("variant", Str("")),
    ("waypoint", WAYPOINT),
]);

/// The default chart's injector values (istio-discovery `values.yaml` with the default
/// profile, as rendered into the injector ConfigMap), with hub `docker.io/istio` and tag
/// `1.30.0`.
pub(crate) const DEFAULTS: Node = M(&[
    (
        "gateways",
        M(&[("seccompProfile", EMPTY), ("securityContext", EMPTY)]),
    ),
    ("global", GLOBAL),
    (
        "pilot",
        M(&[
            (
                "cni",
                M(&[("enabled", Bool(false)), ("provider", Str("default"))]),
            ),
            ("env", EMPTY),
        ]),
    ),
    ("revision", Str("")),
    (
        "sidecarInjectorWebhook",
        M(&[
            ("alwaysInjectSelector", NONE),
            ("defaultTemplates", NONE),
            ("enableNamespacesByDefault", Bool(false)),
            ("injectedAnnotations", EMPTY),
            ("neverInjectSelector", NONE),
            ("reinvocationPolicy", Str("Never")),
            ("rewriteAppHTTPProbe", Bool(true)),
            ("templates", EMPTY),
        ]),
    ),
]);

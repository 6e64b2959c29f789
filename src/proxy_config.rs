//! `proxyConfigs: true`: the cluster's `networking.istio.io/v1beta1` `ProxyConfig` resources,
//! read through the host for each injected pod. istiod reads those of the mesh's root namespace
//! (namespace-wide defaults) and of the pod's own namespace (namespace-wide, and per workload
//! by selector); so does the policy, with only the fields injection uses.

use injector::config::ProxyConfigResources;

use crate::cluster::Cluster;

pub const API_VERSION: &str = "networking.istio.io/v1beta1";
pub const KIND: &str = "ProxyConfig";

const FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.creationTimestamp",
    "spec.selector",
    "spec.concurrency",
    "spec.environmentVariables",
    "spec.image",
];

/// The ProxyConfigs that can apply to a pod of `namespace`. A cluster without Istio's CRDs has
/// none; any other failure is an error, since injecting without them would give the pod a
/// different proxy than istiod would.
pub fn read(
    cluster: &dyn Cluster,
    root_namespace: &str,
    namespace: &str,
) -> Result<ProxyConfigResources, String> {
    let mut objects = Vec::new();
    let mut namespaces = vec![namespace];
    if !root_namespace.is_empty() && root_namespace != namespace {
        namespaces.insert(0, root_namespace);
    }
    for ns in namespaces {
        let listed = cluster
            .list_in_namespace(API_VERSION, KIND, ns, FIELDS)
            .map_err(|e| format!("cannot read the ProxyConfigs of namespace {ns}: {e}"))?;
        // Masked items carry no `kind`; they are ProxyConfigs, being listed as such.
        objects.extend(listed.into_iter().map(|mut item| {
            if let Some(object) = item.as_object_mut() {
                object.insert("kind".into(), KIND.into());
            }
            item
        }));
    }
    ProxyConfigResources::from_objects(objects.iter()).map_err(|e| format!("invalid {e}"))
}

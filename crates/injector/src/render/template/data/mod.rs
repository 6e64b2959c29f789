//! The template data (Istio's `SidecarTemplateData`) as Go values with Go names and types.
//!
//! Templates see Go structs, not JSON: `.ObjectMeta.Labels` is a `map[string]string` (a
//! missing `index` gives `""`), `.Spec.ServiceAccountName` is `""` when absent,
//! `.ProxyConfig.HoldApplicationUntilProxyStarts.GetValue` works on a nil wrapper,
//! `.ProxyConfig.InterceptionMode` prints `REDIRECT`, `.MeshConfig.ProxyListenPort` is an
//! `int32`, `.Values` is a `map[string]interface {}` whose numbers are `float64`. The k8s
//! structs come from the type tables of [`crate::k8s`] ([`k8s`]), the proto messages from
//! the schemas of [`crate::config`] ([`proto`]); both view the JSON in place.

pub(crate) mod k8s;
mod path;
pub(crate) mod proto;
pub(crate) mod type_name;

use gotemplate::{FuncError, Object, Value as GoValue};
use serde_json::{Value as Json, json};
use std::rc::Rc;

use crate::k8s::{OBJECT_META, POD_SPEC, TYPE_META};
use crate::render::TemplateData;
use k8s::K8sObject;
use path::Node;
use proto::ProtoObject;

/// The dot of an injection template.
pub(crate) fn dot(data: &TemplateData<'_>) -> GoValue {
    let meta = data.deploy_meta;
    let type_meta = json!({"kind": meta.kind, "apiVersion": meta.api_version});
    let fields = [
        (
            "TypeMeta",
            GoValue::object(K8sObject::value(&TYPE_META, Node::root(Rc::new(type_meta)))),
        ),
        (
            "DeploymentMeta",
            GoValue::object(NamespacedName {
                namespace: Rc::from(meta.namespace.as_str()),
                name: Rc::from(meta.name.as_str()),
            }),
        ),
        (
            "ObjectMeta",
            GoValue::object(K8sObject::value(
                &OBJECT_META,
                Node::root(Rc::new(data.object_meta.clone())),
            )),
        ),
        (
            "Spec",
            GoValue::object(K8sObject::value(
                &POD_SPEC,
                Node::root(Rc::new(data.spec.clone())),
            )),
        ),
        (
            "ProxyConfig",
            GoValue::object(ProtoObject::proxy_config(data.proxy_config)),
        ),
        (
            "MeshConfig",
            GoValue::object(ProtoObject::mesh_config(
                data.mesh_config.raw(),
                data.mesh_config.default_config(),
            )),
        ),
        ("Values", GoValue::from_json(data.values.raw())),
        ("Revision", GoValue::from(data.revision)),
        ("NativeSidecars", GoValue::Bool(data.native_sidecars)),
        ("ProxyImage", GoValue::from(data.proxy_image)),
        ("ProxyInitImage", GoValue::from(data.proxy_init_image)),
        ("ProxyUID", GoValue::Int(data.proxy_uid)),
        ("ProxyGID", GoValue::Int(data.proxy_gid)),
        (
            "InboundTrafficPolicyMode",
            GoValue::from(data.inbound_traffic_policy_mode),
        ),
        ("CompliancePolicy", GoValue::from(data.compliance_policy)),
    ];
    GoValue::object(SidecarData { fields })
}

/// `inject.SidecarTemplateData`.
struct SidecarData {
    fields: [(&'static str, GoValue); 15],
}

impl Object for SidecarData {
    fn type_name(&self) -> &str {
        "inject.SidecarTemplateData"
    }

    fn field(&self, name: &str) -> Option<GoValue> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    }

    fn format(&self) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(_, v)| crate::golang::strconv::sprint(std::slice::from_ref(v)))
            .collect();
        format!("{{{}}}", parts.join(" "))
    }

    fn to_json(&self) -> Json {
        Json::Object(
            self.fields
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.to_json()))
                .collect(),
        )
    }
}

/// `types.NamespacedName` (`.DeploymentMeta`).
struct NamespacedName {
    namespace: Rc<str>,
    name: Rc<str>,
}

impl Object for NamespacedName {
    fn type_name(&self) -> &str {
        "types.NamespacedName"
    }

    fn field(&self, name: &str) -> Option<GoValue> {
        match name {
            "Namespace" => Some(GoValue::String(self.namespace.clone())),
            "Name" => Some(GoValue::String(self.name.clone())),
            _ => None,
        }
    }

    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        (name == "String").then(|| Ok(GoValue::from(self.format())))
    }

    /// `String()`: `namespace/name`.
    fn format(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    fn to_json(&self) -> Json {
        json!({"Namespace": &*self.namespace, "Name": &*self.name})
    }
}

#[cfg(test)]
mod tests;

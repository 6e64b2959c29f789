//! `k8s.io/api` structs (`corev1.PodSpec`, `metav1.ObjectMeta` …) as template objects, driven
//! by the type tables of [`crate::k8s`]: fields by Go name, Go zero values for absent fields,
//! embedded structs promoted, nil pointers that still know their fields.

use gotemplate::{FuncError, Map as GoMap, Object, Value as GoValue};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::rc::Rc;

use super::path::{Node, Seg};
use super::type_name;
use crate::k8s::{Elem, Field, Kind, OBJECT_META, Struct};

/// A Go struct value (or pointer to one) of a k8s type, viewing JSON.
pub(crate) struct K8sObject {
    node: Node,
    ty: &'static Struct,
    /// A nil `*T`.
    nil: bool,
    type_name: Rc<str>,
    /// Fields already converted (the sidecar template reads `.ObjectMeta.Annotations` dozens
    /// of times).
    cache: RefCell<Vec<(&'static str, GoValue)>>,
}

impl K8sObject {
    /// A struct value `ty` at `node` (absent JSON means every field is zero).
    pub fn value(ty: &'static Struct, node: Node) -> K8sObject {
        K8sObject::new(ty, node, false, false)
    }

    fn new(ty: &'static Struct, node: Node, pointer: bool, nil: bool) -> K8sObject {
        K8sObject {
            node,
            ty,
            nil,
            type_name: type_name::k8s(ty.name, pointer),
            cache: RefCell::new(Vec::new()),
        }
    }

    pub fn ty(&self) -> &'static Struct {
        self.ty
    }

    /// The JSON behind this struct (`None` for a nil pointer or an absent value).
    pub fn json(&self) -> Option<&Json> {
        if self.nil { None } else { self.node.get() }
    }

    /// A field's value by its JSON name, as raw JSON (`index .ObjectMeta.Annotations` without
    /// building Go values).
    pub fn json_field(&self, json_name: &str) -> Option<&Json> {
        self.json()?.get(json_name).filter(|v| !v.is_null())
    }

    fn field_value(&self, field: &'static Field) -> GoValue {
        if let Some((_, v)) = self.cache.borrow().iter().find(|(k, _)| *k == field.go) {
            return v.clone();
        }
        let value = if field.inline {
            // An embedded struct lives in the same JSON object as its parent's fields.
            match field.struct_type() {
                Some(s) => GoValue::object(K8sObject::value(s, self.node.clone())),
                None => GoValue::Nil,
            }
        } else {
            let child = self.node.child(Seg::Key(field.json));
            convert(field.kind, field.ptr, &child)
        };
        self.cache.borrow_mut().push((field.go, value.clone()));
        value
    }
}

/// The Go value of a field of type `kind` (`*kind` when `ptr`) stored at `node`.
pub(crate) fn convert(kind: Kind, ptr: bool, node: &Node) -> GoValue {
    let json = node.get();
    if ptr && json.is_none() {
        return match kind {
            Kind::Struct(s) => GoValue::object(K8sObject::new(s, node.clone(), true, true)),
            _ => GoValue::Nil,
        };
    }
    match kind {
        Kind::String => GoValue::from(json.and_then(Json::as_str).unwrap_or_default()),
        Kind::Bool => GoValue::Bool(json.and_then(Json::as_bool).unwrap_or(false)),
        Kind::Int32 | Kind::Int64 => GoValue::Int(json.map_or(0, json_int)),
        Kind::Quantity => GoValue::object(Quantity(Rc::from(
            json.and_then(Json::as_str).unwrap_or("0"),
        ))),
        Kind::IntOrString => GoValue::object(IntOrString::from_json(json)),
        Kind::Time => GoValue::object(Time(Rc::from(
            json.and_then(Json::as_str).unwrap_or_default(),
        ))),
        Kind::Raw => json.map_or(GoValue::Nil, GoValue::from_json),
        Kind::Struct(s) => GoValue::object(K8sObject::new(s, node.clone(), ptr, false)),
        Kind::Slice(elem) => {
            let len = json.and_then(Json::as_array).map_or(0, Vec::len);
            GoValue::list(
                (0..len)
                    .map(|i| convert(elem.kind(), false, &node.child(Seg::Index(i))))
                    .collect(),
            )
        }
        Kind::Map(elem) => {
            let entries = json
                .and_then(Json::as_object)
                .map(|m| {
                    m.keys()
                        .map(|k| {
                            let key: Rc<str> = Rc::from(k.as_str());
                            let value =
                                convert(elem.kind(), false, &node.child(Seg::MapKey(key.clone())));
                            (key, value)
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            GoValue::map(GoMap::from_entries(entries, elem_zero(elem)))
        }
    }
}

fn json_int(v: &Json) -> i64 {
    match v {
        Json::Number(n) => n.as_i64().unwrap_or_else(|| {
            #[allow(clippy::cast_possible_truncation)] // Go would have refused the pod
            let f = n.as_f64().unwrap_or(0.0) as i64;
            f
        }),
        Json::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// The zero value of a map's element type (what `index` returns for a missing key).
fn elem_zero(elem: Elem) -> GoValue {
    match elem {
        Elem::String => GoValue::from(""),
        Elem::Int32 | Elem::Int64 => GoValue::Int(0),
        Elem::Quantity => GoValue::object(Quantity(Rc::from("0"))),
        Elem::Raw => GoValue::Nil,
        Elem::Struct(s) => GoValue::object(K8sObject::new(
            s,
            Node::root(Rc::new(Json::Null)),
            false,
            false,
        )),
    }
}

impl Object for K8sObject {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn field(&self, name: &str) -> Option<GoValue> {
        let field = self.ty.field_by_go(name)?;
        if self.nil {
            // Any value: the executor reports the nil pointer.
            return Some(GoValue::Nil);
        }
        Some(self.field_value(field))
    }

    fn method(&self, name: &str, args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        // `metav1.Object`'s getters, which `*ObjectMeta` implements.
        if std::ptr::eq(self.ty, &OBJECT_META)
            && let Some(go) = name.strip_prefix("Get")
        {
            if go == "ObjectMeta" {
                return Some(Ok(GoValue::object(K8sObject::value(
                    self.ty,
                    self.node.clone(),
                ))));
            }
            let field = self.ty.field_by_go(go)?;
            if !args.is_empty() {
                return Some(Err(FuncError::new(format!(
                    "wrong number of args for {name}: want 0 got {}",
                    args.len()
                ))));
            }
            return Some(Ok(self.field_value(field)));
        }
        None
    }

    fn is_nil(&self) -> bool {
        self.nil
    }

    /// Go's `%v` of a struct: its fields in declaration order inside `{}` (a pointer gets
    /// `&`; nested pointers print the same way here, where Go would print an address).
    fn format(&self) -> String {
        if self.nil {
            return "<nil>".to_string();
        }
        let parts: Vec<String> = self
            .ty
            .fields
            .iter()
            .map(|f| crate::golang::strconv::sprint(&[self.field_value(f)]))
            .collect();
        let prefix = if self.type_name.starts_with('*') {
            "&"
        } else {
            ""
        };
        format!("{prefix}{{{}}}", parts.join(" "))
    }

    fn to_json(&self) -> Json {
        self.json().cloned().unwrap_or(Json::Null)
    }
}

/// `resource.Quantity`, printed in canonical form.
pub(crate) struct Quantity(Rc<str>);

impl Object for Quantity {
    fn type_name(&self) -> &str {
        "resource.Quantity"
    }
    fn field(&self, _name: &str) -> Option<GoValue> {
        None
    }
    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        (name == "String").then(|| Ok(GoValue::String(self.0.clone())))
    }
    fn format(&self) -> String {
        self.0.to_string()
    }
    fn to_json(&self) -> Json {
        Json::String(self.0.to_string())
    }
}

/// `intstr.IntOrString`.
pub(crate) struct IntOrString {
    int: Option<i64>,
    text: Rc<str>,
}

impl IntOrString {
    fn from_json(json: Option<&Json>) -> IntOrString {
        match json {
            Some(Json::String(s)) => IntOrString {
                int: None,
                text: Rc::from(s.as_str()),
            },
            other => {
                let i = other.map_or(0, json_int);
                IntOrString {
                    int: Some(i),
                    text: Rc::from(i.to_string()),
                }
            }
        }
    }
}

impl Object for IntOrString {
    fn type_name(&self) -> &str {
        "intstr.IntOrString"
    }
    fn field(&self, name: &str) -> Option<GoValue> {
        match name {
            "Type" => Some(GoValue::Int(i64::from(self.int.is_none()))),
            "IntVal" => Some(GoValue::Int(self.int.unwrap_or(0))),
            "StrVal" => Some(GoValue::from(if self.int.is_some() {
                ""
            } else {
                &*self.text
            })),
            _ => None,
        }
    }
    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        match name {
            "String" => Some(Ok(GoValue::String(self.text.clone()))),
            "IntValue" => Some(Ok(GoValue::Int(
                self.int.unwrap_or_else(|| self.text.parse().unwrap_or(0)),
            ))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        self.text.to_string()
    }
    fn to_json(&self) -> Json {
        match self.int {
            Some(i) => Json::from(i),
            None => Json::String(self.text.to_string()),
        }
    }
}

/// `metav1.Time`, kept as its RFC 3339 text.
pub(crate) struct Time(Rc<str>);

impl Object for Time {
    fn type_name(&self) -> &str {
        "v1.Time"
    }
    fn field(&self, _name: &str) -> Option<GoValue> {
        None
    }
    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        match name {
            "IsZero" => Some(Ok(GoValue::Bool(self.0.is_empty()))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        if self.0.is_empty() {
            "0001-01-01 00:00:00 +0000 UTC".to_string()
        } else {
            self.0.to_string()
        }
    }
    fn to_json(&self) -> Json {
        if self.0.is_empty() {
            Json::Null
        } else {
            Json::String(self.0.to_string())
        }
    }
}

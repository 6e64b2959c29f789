//! Istio's protobuf messages (`*meshconfig.ProxyConfig`, `*meshconfig.MeshConfig`) as template
//! objects, from the proto schemas of [`crate::config`]: Go field names, Go zero values,
//! nil-safe `GetX` getters (Go's generated getters work on nil receivers), enums that print
//! their name, `*durationpb.Duration` and `*wrapperspb.*Value` pointers.

use gotemplate::{FuncError, Map as GoMap, Object, Value as GoValue};
use serde_json::{Map as JsonMap, Value as Json};
use std::cell::RefCell;
use std::rc::Rc;

use super::path::{Node, Seg};
use super::type_name;
use crate::config::proto::{EnumSchema, FieldKind, FieldSchema, MessageSchema, write_message};
use crate::config::{Duration, MESH_CONFIG_SCHEMA, PROXY_CONFIG_SCHEMA, ProxyConfig};

/// A pointer to a proto message viewing canonical proto JSON.
pub(crate) struct ProtoObject {
    node: Node,
    schema: &'static MessageSchema,
    nil: bool,
    type_name: Rc<str>,
    /// For a ProxyConfig: the typed config, which `protoToJSON` cleans of Istio's defaults.
    /// For a MeshConfig: its default ProxyConfig, handed to `.DefaultConfig`.
    proxy: Option<Rc<ProxyConfig>>,
    /// Fields already converted: repeated reads are cheap and give the same object, so
    /// `eq` on two reads of one enum field holds.
    cache: RefCell<Vec<(&'static str, GoValue)>>,
}

impl ProtoObject {
    /// The template's `.ProxyConfig`.
    pub fn proxy_config(config: &ProxyConfig) -> ProtoObject {
        ProtoObject::new(
            &PROXY_CONFIG_SCHEMA,
            Node::root(Rc::new(config.raw().clone())),
            false,
            Some(Rc::new(config.clone())),
        )
    }

    /// The template's `.MeshConfig`.
    pub fn mesh_config(raw: &Json, default_config: &ProxyConfig) -> ProtoObject {
        ProtoObject::new(
            &MESH_CONFIG_SCHEMA,
            Node::root(Rc::new(raw.clone())),
            false,
            Some(Rc::new(default_config.clone())),
        )
    }

    fn new(
        schema: &'static MessageSchema,
        node: Node,
        nil: bool,
        proxy: Option<Rc<ProxyConfig>>,
    ) -> ProtoObject {
        ProtoObject {
            node,
            schema,
            nil,
            type_name: type_name::proto(schema.name, true),
            proxy,
            cache: RefCell::new(Vec::new()),
        }
    }

    /// The canonical proto JSON of the message (`None` for nil).
    pub fn json(&self) -> Option<&Json> {
        if self.nil { None } else { self.node.get() }
    }

    /// Istio's `protoToJSON`: a ProxyConfig is first cleaned of fields equal to Istio's
    /// defaults; then golang/protobuf `jsonpb` (declaration order, defaults omitted).
    pub fn proto_json(&self) -> String {
        if std::ptr::eq(self.schema, &PROXY_CONFIG_SCHEMA)
            && let Some(config) = &self.proxy
        {
            return config.to_proto_json();
        }
        let empty = JsonMap::new();
        let message = self.json().and_then(Json::as_object).unwrap_or(&empty);
        let mut out = String::new();
        write_message(self.schema, message, &mut out, &|_, _| false);
        out
    }

    fn field_value(&self, field: &'static FieldSchema) -> GoValue {
        if let Some((_, v)) = self.cache.borrow().iter().find(|(k, _)| *k == field.json) {
            return v.clone();
        }
        let value = self.convert_field(field);
        self.cache.borrow_mut().push((field.json, value.clone()));
        value
    }

    fn convert_field(&self, field: &'static FieldSchema) -> GoValue {
        let child = self.node.child(Seg::Key(field.json));
        // Only a ProxyConfig reached from the MeshConfig is the default config.
        let proxy = match field.kind {
            FieldKind::Message(s)
                if std::ptr::eq(s, &PROXY_CONFIG_SCHEMA)
                    && std::ptr::eq(self.schema, &MESH_CONFIG_SCHEMA) =>
            {
                self.proxy.clone()
            }
            _ => None,
        };
        convert(field, &child, proxy)
    }
}

/// The Go value of a message field stored at `node`.
fn convert(field: &'static FieldSchema, node: &Node, proxy: Option<Rc<ProxyConfig>>) -> GoValue {
    let json = node.get();
    match field.kind {
        FieldKind::String => GoValue::from(json.and_then(Json::as_str).unwrap_or_default()),
        FieldKind::Bool => GoValue::Bool(json.and_then(Json::as_bool).unwrap_or(false)),
        FieldKind::Int32 | FieldKind::Int64 => GoValue::Int(json.map_or(0, json_i64)),
        FieldKind::UInt32 | FieldKind::UInt64 => {
            GoValue::Uint(json.map_or(0, |j| u64::try_from(json_i64(j)).unwrap_or(0)))
        }
        FieldKind::Double => GoValue::Float(json.and_then(Json::as_f64).unwrap_or(0.0)),
        FieldKind::Enum(e) => GoValue::object(EnumValue::from_json(e, json)),
        FieldKind::Duration => GoValue::object(ProtoDuration(
            json.and_then(Json::as_str)
                .and_then(|t| Duration::parse_go(t).ok()),
        )),
        FieldKind::BoolValue
        | FieldKind::Int32Value
        | FieldKind::UInt32Value
        | FieldKind::Int64Value
        | FieldKind::DoubleValue
        | FieldKind::StringValue => GoValue::object(Wrapper::new(field.kind, json)),
        FieldKind::Message(s) => {
            GoValue::object(ProtoObject::new(s, node.clone(), json.is_none(), proxy))
        }
        FieldKind::OpaqueMessage if field.go == "TlsSettings" => GoValue::object(ProtoObject::new(
            &CLIENT_TLS_SETTINGS,
            node.clone(),
            json.is_none(),
            None,
        )),
        // Messages this crate does not model: their JSON as a `map[string]interface {}`.
        FieldKind::OpaqueMessage | FieldKind::Struct => {
            json.map_or(GoValue::Nil, GoValue::from_json)
        }
        FieldKind::StringMap => {
            let entries = json
                .and_then(Json::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.as_str(), GoValue::from(v.as_str().unwrap_or_default())))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            GoValue::map(GoMap::from_entries(entries, GoValue::from("")))
        }
        FieldKind::OpaqueMap => {
            let entries = json
                .and_then(Json::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.as_str(), GoValue::from_json(v)))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            GoValue::map(GoMap::from_entries(entries, GoValue::Nil))
        }
        FieldKind::RepeatedString => {
            list(json, |_, v| GoValue::from(v.as_str().unwrap_or_default()))
        }
        FieldKind::RepeatedEnum(e) => list(json, |_, v| {
            GoValue::object(EnumValue::from_json(e, Some(v)))
        }),
        FieldKind::RepeatedMessage(s) => list(json, |i, _| {
            GoValue::object(ProtoObject::new(s, node.child(Seg::Index(i)), false, None))
        }),
        FieldKind::RepeatedOpaque => list(json, |_, v| GoValue::from_json(v)),
    }
}

fn list(json: Option<&Json>, item: impl Fn(usize, &Json) -> GoValue) -> GoValue {
    let items = json.and_then(Json::as_array).map_or_else(Vec::new, |a| {
        a.iter().enumerate().map(|(i, v)| item(i, v)).collect()
    });
    GoValue::list(items)
}

/// Canonical proto JSON writes 64-bit integers as strings.
fn json_i64(v: &Json) -> i64 {
    match v {
        Json::Number(n) => n.as_i64().unwrap_or_default(),
        Json::String(s) => s.parse().unwrap_or_default(),
        _ => 0,
    }
}

impl Object for ProtoObject {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    /// Plain fields; oneof members are only reachable through their getters, as in Go
    /// (the struct field is the oneof wrapper).
    fn field(&self, name: &str) -> Option<GoValue> {
        let field = self
            .schema
            .field_by_go(name)
            .filter(|f| f.oneof.is_none())?;
        if self.nil {
            return Some(GoValue::Nil);
        }
        Some(self.field_value(field))
    }

    fn method(&self, name: &str, args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        let field = self.schema.field_by_go(name.strip_prefix("Get")?)?;
        if !args.is_empty() {
            return Some(Err(FuncError::new(format!(
                "wrong number of args for {name}: want 0 got {}",
                args.len()
            ))));
        }
        // Nil-safe: a nil message's fields are all absent, so every getter gives the zero
        // value (a nil pointer for message fields).
        Some(Ok(self.field_value(field)))
    }

    fn is_nil(&self) -> bool {
        self.nil
    }

    /// A message prints through its `String()` method (prototext in Go); this prints the
    /// canonical JSON instead, which carries the same information.
    fn format(&self) -> String {
        if self.nil {
            "<nil>".to_string()
        } else {
            self.proto_json()
        }
    }

    fn to_json(&self) -> Json {
        self.json().cloned().unwrap_or(Json::Null)
    }
}

/// A proto enum: an `int32` with a `String()` method giving its name.
pub(crate) struct EnumValue {
    schema: &'static EnumSchema,
    number: i64,
    type_name: Rc<str>,
}

impl EnumValue {
    fn from_json(schema: &'static EnumSchema, json: Option<&Json>) -> EnumValue {
        let number = match json {
            Some(Json::String(name)) => schema.number_of(name).map_or(0, i64::from),
            Some(other) => json_i64(other),
            None => 0,
        };
        EnumValue {
            schema,
            number,
            type_name: type_name::proto(schema.name, false),
        }
    }

    pub fn name(&self) -> String {
        self.schema
            .name_of(self.number)
            .map_or_else(|| self.number.to_string(), str::to_string)
    }

    pub fn number(&self) -> i64 {
        self.number
    }
}

impl Object for EnumValue {
    fn type_name(&self) -> &str {
        &self.type_name
    }
    fn field(&self, _name: &str) -> Option<GoValue> {
        None
    }
    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        match name {
            "String" => Some(Ok(GoValue::from(self.name()))),
            "Number" => Some(Ok(GoValue::Int(self.number))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        self.name()
    }
    fn to_json(&self) -> Json {
        Json::from(self.number)
    }
}

/// `*durationpb.Duration` (nil when unset).
pub(crate) struct ProtoDuration(pub Option<Duration>);

impl ProtoDuration {
    fn parts(&self) -> (i64, i64) {
        let nanos = self.0.map_or(0, Duration::as_nanos);
        (nanos / 1_000_000_000, nanos % 1_000_000_000)
    }
}

impl Object for ProtoDuration {
    fn type_name(&self) -> &str {
        "*durationpb.Duration"
    }
    fn field(&self, name: &str) -> Option<GoValue> {
        let (seconds, nanos) = self.parts();
        match name {
            "Seconds" => Some(GoValue::Int(seconds)),
            "Nanos" => Some(GoValue::Int(nanos)),
            _ => None,
        }
    }
    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        let (seconds, nanos) = self.parts();
        match name {
            "GetSeconds" => Some(Ok(GoValue::Int(seconds))),
            "GetNanos" => Some(Ok(GoValue::Int(nanos))),
            "AsDuration" => Some(Ok(GoValue::object(GoDuration(
                self.0.unwrap_or(Duration::ZERO),
            )))),
            _ => None,
        }
    }
    fn is_nil(&self) -> bool {
        self.0.is_none()
    }
    fn format(&self) -> String {
        let (seconds, nanos) = self.parts();
        match (self.0, seconds, nanos) {
            (None, _, _) => "<nil>".to_string(),
            (_, s, 0) => format!("seconds:{s}"),
            (_, 0, n) => format!("nanos:{n}"),
            (_, s, n) => format!("seconds:{s} nanos:{n}"),
        }
    }
    fn to_json(&self) -> Json {
        self.0
            .map_or(Json::Null, |d| Json::String(d.to_proto_json()))
    }
}

/// Go's `time.Duration`.
pub(crate) struct GoDuration(pub Duration);

impl Object for GoDuration {
    fn type_name(&self) -> &str {
        "time.Duration"
    }
    fn field(&self, _name: &str) -> Option<GoValue> {
        None
    }
    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        #[allow(clippy::cast_precision_loss)] // Go's float conversions lose the same way
        let nanos = self.0.as_nanos() as f64;
        match name {
            "String" => Some(Ok(GoValue::from(self.0.to_go_string()))),
            "Seconds" => Some(Ok(GoValue::Float(nanos / 1e9))),
            "Minutes" => Some(Ok(GoValue::Float(nanos / 6e10))),
            "Hours" => Some(Ok(GoValue::Float(nanos / 3.6e12))),
            "Milliseconds" => Some(Ok(GoValue::Int(self.0.as_nanos() / 1_000_000))),
            "Nanoseconds" => Some(Ok(GoValue::Int(self.0.as_nanos()))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        self.0.to_go_string()
    }
    fn to_json(&self) -> Json {
        Json::from(self.0.as_nanos())
    }
}

/// A `*wrapperspb.XValue` pointer: nil when unset; `GetValue` works on nil.
pub(crate) struct Wrapper {
    kind: FieldKind,
    value: Option<GoValue>,
}

impl Wrapper {
    fn new(kind: FieldKind, json: Option<&Json>) -> Wrapper {
        let value = json.map(|j| match kind {
            FieldKind::BoolValue => GoValue::Bool(j.as_bool().unwrap_or(false)),
            FieldKind::Int32Value | FieldKind::Int64Value => GoValue::Int(json_i64(j)),
            FieldKind::UInt32Value => GoValue::Uint(u64::try_from(json_i64(j)).unwrap_or(0)),
            FieldKind::DoubleValue => GoValue::Float(j.as_f64().unwrap_or(0.0)),
            _ => GoValue::from(j.as_str().unwrap_or_default()),
        });
        Wrapper { kind, value }
    }

    fn zero(&self) -> GoValue {
        match self.kind {
            FieldKind::BoolValue => GoValue::Bool(false),
            FieldKind::Int32Value | FieldKind::Int64Value => GoValue::Int(0),
            FieldKind::UInt32Value => GoValue::Uint(0),
            FieldKind::DoubleValue => GoValue::Float(0.0),
            _ => GoValue::from(""),
        }
    }

    /// The wrapped value (its zero value when nil).
    pub fn get(&self) -> GoValue {
        self.value.clone().unwrap_or_else(|| self.zero())
    }
}

impl Object for Wrapper {
    fn type_name(&self) -> &str {
        match self.kind {
            FieldKind::BoolValue => "*wrapperspb.BoolValue",
            FieldKind::Int32Value => "*wrapperspb.Int32Value",
            FieldKind::UInt32Value => "*wrapperspb.UInt32Value",
            FieldKind::Int64Value => "*wrapperspb.Int64Value",
            FieldKind::DoubleValue => "*wrapperspb.DoubleValue",
            _ => "*wrapperspb.StringValue",
        }
    }
    fn field(&self, name: &str) -> Option<GoValue> {
        (name == "Value").then(|| self.get())
    }
    fn method(&self, name: &str, _args: &[GoValue]) -> Option<Result<GoValue, FuncError>> {
        (name == "GetValue").then(|| Ok(self.get()))
    }
    fn is_nil(&self) -> bool {
        self.value.is_none()
    }
    fn format(&self) -> String {
        match &self.value {
            None => "<nil>".to_string(),
            Some(v) => format!(
                "value:{}",
                crate::golang::strconv::sprint(std::slice::from_ref(v))
            ),
        }
    }
    fn to_json(&self) -> Json {
        self.value.as_ref().map_or(Json::Null, GoValue::to_json)
    }
}

static TLS_MODE: EnumSchema = EnumSchema {
    name: "istio.networking.v1alpha3.ClientTLSSettings.TLSmode",
    values: &[
        ("DISABLE", 0),
        ("SIMPLE", 1),
        ("MUTUAL", 2),
        ("ISTIO_MUTUAL", 3),
        ("OPTIONAL_MUTUAL", 4),
    ],
};

/// `networking.v1alpha3.ClientTLSSettings` (istio/api `networking/v1alpha3/destination_rule.proto`),
/// the type of `ProxyConfig.Tracing.TlsSettings`, which the sidecar template reads through
/// `.GetTracing.GetTlsSettings.GetCaCertificates`.
static CLIENT_TLS_SETTINGS: MessageSchema = MessageSchema {
    name: "istio.networking.v1alpha3.ClientTLSSettings",
    fields: &[
        FieldSchema::new("mode", "mode", "Mode", FieldKind::Enum(&TLS_MODE)),
        FieldSchema::new(
            "clientCertificate",
            "client_certificate",
            "ClientCertificate",
            FieldKind::String,
        ),
        FieldSchema::new("privateKey", "private_key", "PrivateKey", FieldKind::String),
        FieldSchema::new(
            "caCertificates",
            "ca_certificates",
            "CaCertificates",
            FieldKind::String,
        ),
        FieldSchema::new(
            "credentialName",
            "credential_name",
            "CredentialName",
            FieldKind::String,
        ),
        FieldSchema::new(
            "subjectAltNames",
            "subject_alt_names",
            "SubjectAltNames",
            FieldKind::RepeatedString,
        ),
        FieldSchema::new("sni", "sni", "Sni", FieldKind::String),
        FieldSchema::new(
            "insecureSkipVerify",
            "insecure_skip_verify",
            "InsecureSkipVerify",
            FieldKind::BoolValue,
        ),
        FieldSchema::new("caCrl", "ca_crl", "CaCrl", FieldKind::String),
    ],
};

//! Template data: Go's dynamic values (what `reflect.Value` carries in Go's executor).
//!
//! Go keeps several distinctions that a JSON-like value model would lose, and templates can
//! observe every one of them, so they are kept here:
//! - "no value" (an invalid `reflect.Value`, printed `<no value>`) versus nil (a nil interface,
//!   printed `<nil>` by `print`);
//! - the numeric kinds `int`, `uint` and `float64` (`eq 1 1.0` is an error in Go);
//! - maps remember the zero value of their element type (`index` of a missing key gives it);
//! - structs and pointers (`Object`) have fields and methods with Go names.
//!
//! Cloning a `Value` only bumps reference counts: templates pass big structures around.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use crate::gofmt;
use crate::template::Function;

/// A value as Go's template executor sees it.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's invalid `reflect.Value`: a missing map key, an unset variable. Prints `<no value>`.
    #[default]
    NoValue,
    /// A nil interface (e.g. JSON `null` inside a `map[string]any`). Prints `<nil>` through fmt.
    Nil,
    Bool(bool),
    /// Go `int` (and the other signed integer types).
    Int(i64),
    /// Go `uint` (and the other unsigned integer types, incl. the bytes `index` gives for strings).
    Uint(u64),
    /// Go `float64`; every JSON number becomes one, as with `encoding/json` and `sigs.k8s.io/yaml`.
    Float(f64),
    String(Rc<str>),
    /// A Go slice (`[]interface {}`).
    List(Rc<Vec<Value>>),
    /// A Go `map[string]T`.
    Map(Rc<Map>),
    /// A Go struct or pointer to struct supplied by the host.
    Object(Rc<dyn Object>),
    /// A function value, for the `call` builtin.
    Func(Function),
}

/// A Go struct (or pointer to struct) provided by the host: fields and methods by Go name.
///
/// Go looks a name up as a method first and as a field second; so does the executor.
/// A nil pointer (`is_nil`) still answers `field` for the fields its type has (any value will
/// do): Go then reports `nil pointer evaluating T.Field` instead of `can't evaluate field`.
/// Methods are called even on nil receivers, as Go does (protobuf getters rely on it).
/// Hosts get their own type back with `<dyn Object>::downcast_ref`.
pub trait Object: Any {
    /// The Go type name used in error texts, e.g. `*v1alpha1.ProxyConfig`.
    fn type_name(&self) -> &str;
    /// An exported field by its Go name, or `None` if the type has no such field.
    fn field(&self, name: &str) -> Option<Value>;
    /// Calls a method by Go name with already evaluated arguments (no-value arguments arrive as
    /// `Value::Nil`); `None` if the type has no such method.
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        let _ = (name, args);
        None
    }
    /// True for a nil pointer.
    fn is_nil(&self) -> bool {
        false
    }
    /// What Go's `%v` prints for this value (its `String()` method, or the struct layout).
    fn format(&self) -> String;
    /// The value as JSON, for host functions such as `toYaml`; `null` unless overridden.
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
}

impl dyn Object {
    /// The host's own type behind this object, if it is a `T`.
    pub fn downcast_ref<T: Object>(&self) -> Option<&T> {
        let any: &dyn Any = self;
        any.downcast_ref::<T>()
    }
}

/// Why a host function or method failed. The executor adds Go's framing around it.
#[derive(Clone, Debug, PartialEq)]
pub enum FuncError {
    /// Reported as `error calling NAME: message`, like an `error` returned by a Go function.
    Message(String),
    /// Reported as `wrong type for value; expected EXPECTED; got GOT`, as Go reports an argument
    /// that does not fit the parameter type.
    WrongType { expected: String, got: String },
}

impl FuncError {
    pub fn new(message: impl Into<String>) -> Self {
        FuncError::Message(message.into())
    }

    /// An argument of the wrong type; `got` is the offending value.
    pub fn wrong_type(expected: impl Into<String>, got: &Value) -> Self {
        FuncError::WrongType {
            expected: expected.into(),
            got: got.type_name(),
        }
    }
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuncError::Message(m) => f.write_str(m),
            FuncError::WrongType { expected, got } => {
                write!(f, "wrong type for value; expected {expected}; got {got}")
            }
        }
    }
}

impl From<String> for FuncError {
    fn from(s: String) -> Self {
        FuncError::Message(s)
    }
}

impl From<&str> for FuncError {
    fn from(s: &str) -> Self {
        FuncError::Message(s.to_owned())
    }
}

/// A Go `map[string]T`: entries sorted by key (Go's `range` and `fmt` order) plus the zero value
/// of `T`, which `index` returns for a missing key.
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(Rc<str>, Value)>,
    elem_zero: Value,
}

impl Map {
    /// A `map[string]interface {}` (missing keys index to nil).
    pub fn new() -> Self {
        Map::with_elem_zero(Value::Nil)
    }

    /// A map whose element type has the given zero value, e.g. `Value::from("")` for
    /// `map[string]string`.
    pub fn with_elem_zero(elem_zero: Value) -> Self {
        Map {
            entries: Vec::new(),
            elem_zero,
        }
    }

    /// Builds a map from entries in any order; a later duplicate key wins, as in a Go map literal
    /// assignment sequence.
    pub fn from_entries<K, I>(entries: I, elem_zero: Value) -> Self
    where
        K: Into<Rc<str>>,
        I: IntoIterator<Item = (K, Value)>,
    {
        let mut v: Vec<(Rc<str>, Value)> =
            entries.into_iter().map(|(k, v)| (k.into(), v)).collect();
        // Stable sort keeps insertion order among equal keys so the last one can win.
        v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut out: Vec<(Rc<str>, Value)> = Vec::with_capacity(v.len());
        for (k, val) in v {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = val,
                _ => out.push((k, val)),
            }
        }
        Map {
            entries: out,
            elem_zero,
        }
    }

    /// Inserts or replaces a key (O(n) for a new key; build large maps with `from_entries`).
    pub fn insert(&mut self, key: impl Into<Rc<str>>, value: Value) {
        let key = key.into();
        match self.search(&key) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = value;
                }
            }
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    fn search(&self, key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes()))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.search(key)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.search(key).is_ok()
    }

    /// Entries in Go's iteration order (sorted by key).
    pub fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The zero value of the element type.
    pub fn elem_zero(&self) -> &Value {
        &self.elem_zero
    }

    /// Go's name of this map type, e.g. `map[string]interface {}`.
    pub fn type_name(&self) -> String {
        format!("map[string]{}", elem_type_name(&self.elem_zero))
    }
}

fn elem_type_name(zero: &Value) -> String {
    match zero {
        Value::NoValue | Value::Nil => "interface {}".to_owned(),
        other => other.type_name(),
    }
}

impl Value {
    /// Converts JSON the way `encoding/json` decodes into `interface{}`: objects become
    /// `map[string]interface {}`, arrays `[]interface {}`, numbers `float64`, null nil.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(Rc::from(s.as_str())),
            serde_json::Value::Array(a) => {
                Value::List(Rc::new(a.iter().map(Value::from_json).collect()))
            }
            serde_json::Value::Object(o) => Value::Map(Rc::new(Map::from_entries(
                o.iter().map(|(k, v)| (k.as_str(), Value::from_json(v))),
                Value::Nil,
            ))),
        }
    }

    /// Converts back to JSON. Integral floats become JSON integers (as Go's encoders print
    /// them); no-value and nil become `null`; functions become `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::NoValue | Value::Nil | Value::Func(_) => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Uint(u) => serde_json::Value::from(*u),
            Value::Float(f) => float_to_json(*f),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Value::Object(o) => o.to_json(),
        }
    }

    pub fn string(s: &str) -> Value {
        Value::String(Rc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    pub fn map(map: Map) -> Value {
        Value::Map(Rc::new(map))
    }

    pub fn object<T: Object>(object: T) -> Value {
        Value::Object(Rc::new(object))
    }

    /// Go's truth: false, 0, nil, no value and empty strings, slices and maps are false;
    /// structs are true, pointers are true unless nil.
    pub fn is_true(&self) -> bool {
        match self {
            Value::NoValue | Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Uint(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => !o.is_nil(),
            Value::Func(_) => true,
        }
    }

    /// The string inside a `Value::String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// True for no value and nil (what Go's `indirectInterface` turns into an invalid value).
    pub fn is_nil_or_missing(&self) -> bool {
        matches!(self, Value::NoValue | Value::Nil)
    }

    /// Go's name of the value's type, as used in error texts.
    pub fn type_name(&self) -> String {
        match self {
            Value::NoValue => "<invalid reflect.Value>".to_owned(),
            Value::Nil => "interface {}".to_owned(),
            Value::Bool(_) => "bool".to_owned(),
            Value::Int(_) => "int".to_owned(),
            Value::Uint(_) => "uint".to_owned(),
            Value::Float(_) => "float64".to_owned(),
            Value::String(_) => "string".to_owned(),
            Value::List(_) => "[]interface {}".to_owned(),
            Value::Map(m) => m.type_name(),
            Value::Object(o) => o.type_name().to_owned(),
            Value::Func(f) => f.type_name().to_owned(),
        }
    }

    /// Pipeline results drop the interface wrapper: a nil interface becomes no value, as Go's
    /// `evalPipeline` does with `value.Elem()`.
    pub(crate) fn unwrap_interface(self) -> Value {
        match self {
            Value::Nil => Value::NoValue,
            v => v,
        }
    }
}

fn float_to_json(f: f64) -> serde_json::Value {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
        // Exact: the magnitude is below 2^53.
        serde_json::Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Displays the value as Go's `fmt.Sprint` (`%v`) does; no value prints `<no value>` as the
/// template executor prints it.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::NoValue => f.write_str("<no value>"),
            v => f.write_str(&gofmt::sprint(std::slice::from_ref(v))),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::NoValue => f.write_str("NoValue"),
            Value::Nil => f.write_str("Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Uint(u) => write!(f, "Uint({u})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.iter()).finish(),
            Value::Object(o) => write!(f, "Object({}: {})", o.type_name(), o.format()),
            Value::Func(func) => write!(f, "Func({})", func.type_name()),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<u64> for Value {
    fn from(u: u64) -> Self {
        Value::Uint(u)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Rc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Rc::from(s))
    }
}

impl From<Rc<str>> for Value {
    fn from(s: Rc<str>) -> Self {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(Rc::new(v))
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(Rc::new(m))
    }
}

impl From<Function> for Value {
    fn from(f: Function) -> Self {
        Value::Func(f)
    }
}

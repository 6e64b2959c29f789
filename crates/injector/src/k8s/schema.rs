//! The vocabulary of the type tables: a [`Struct`] is a Go struct, a [`Field`] one of its
//! fields with everything its Go declaration says (JSON name, Go name, type, pointer or value,
//! `omitempty`/`omitzero`, strategic-merge tags).

use serde_json::{Map, Value};

/// A Go struct of `k8s.io/api` (or apimachinery), with its fields in declaration order.
#[derive(Debug)]
pub struct Struct {
    /// Go type name (`Container`, `ObjectMeta` …).
    pub name: &'static str,
    /// Fields in Go declaration order; embedded structs appear as [`Field::inline`] fields.
    pub fields: &'static [Field],
}

/// Tables are statics: two structs are the same type when they are the same table.
impl PartialEq for Struct {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Struct {}

/// The Go type of a field (for pointers, of what it points to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `string` and string-based enums.
    String,
    Bool,
    Int32,
    Int64,
    /// `resource.Quantity`: JSON string (or number on input), printed canonically.
    Quantity,
    /// `intstr.IntOrString`: a JSON int or string, kept as given.
    IntOrString,
    /// `metav1.Time`: RFC 3339 string, `null` when zero.
    Time,
    /// A type this table does not model: any JSON, kept as is.
    Raw,
    Struct(&'static Struct),
    /// `[]T`
    Slice(Elem),
    /// `map[string]T`; `ResourceList` is `Map(Elem::Quantity)`.
    Map(Elem),
}

impl Kind {
    /// The Go spelling of the type (`[]v1.Container`, `map[string]string`).
    pub fn go_name(self) -> String {
        go_type_name(self)
    }
}

/// Element type of a slice or map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    String,
    Int32,
    Int64,
    Quantity,
    Raw,
    Struct(&'static Struct),
}

impl Elem {
    /// The element as a field kind.
    pub const fn kind(self) -> Kind {
        match self {
            Elem::String => Kind::String,
            Elem::Int32 => Kind::Int32,
            Elem::Int64 => Kind::Int64,
            Elem::Quantity => Kind::Quantity,
            Elem::Raw => Kind::Raw,
            Elem::Struct(s) => Kind::Struct(s),
        }
    }
}

/// Which zero values `encoding/json` leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Omit {
    /// No tag: always written, zero values included.
    Never,
    /// `omitempty`: false, 0, "", nil pointers and empty slices/maps are left out. Struct
    /// values are never empty for Go, so `resources: {}` is always written.
    Empty,
    /// `omitempty,omitzero` (k8s 0.34+ `creationTimestamp`): zero structs are left out too.
    EmptyOrZero,
}

/// The `patchStrategy` struct tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchStrategy {
    /// No tag: lists are replaced, maps merged key by key.
    Default,
    /// `merge`: lists merged element-wise (by `patchMergeKey` for lists of structs, as a set
    /// for lists of scalars).
    Merge,
    /// `replace`: the patch value replaces the field.
    Replace,
}

/// One field of a Go struct.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// JSON name; empty for embedded (`json:",inline"`) structs.
    pub json: &'static str,
    /// Go field name (the type name for embedded structs), as templates spell it.
    pub go: &'static str,
    pub kind: Kind,
    /// `*T`: nil is distinct from the zero value (`runAsUser: 0` is kept).
    pub ptr: bool,
    pub omit: Omit,
    /// Embedded struct whose fields are promoted into the parent's JSON object.
    pub inline: bool,
    pub strategy: PatchStrategy,
    /// `patchStrategy` also lists `retainKeys`.
    pub retain_keys: bool,
    /// `patchMergeKey`.
    pub merge_key: Option<&'static str>,
}

impl Field {
    /// Whether the field's JSON name is `json`. Names are compared by length and first byte
    /// before their bytes: most fields differ there, and in wasm the byte comparison is a call.
    pub fn named(&self, json: &str) -> bool {
        self.json.len() == json.len()
            && self.json.as_bytes().first() == json.as_bytes().first()
            && self.json == json
    }

    /// A plain value field without tags beyond its JSON name.
    pub const fn new(json: &'static str, go: &'static str, kind: Kind) -> Field {
        Field {
            json,
            go,
            kind,
            ptr: false,
            omit: Omit::Never,
            inline: false,
            strategy: PatchStrategy::Default,
            retain_keys: false,
            merge_key: None,
        }
    }

    /// An embedded struct (`json:",inline"`); `go` is the embedded type's name.
    pub const fn inline(go: &'static str, s: &'static Struct) -> Field {
        Field {
            inline: true,
            ..Field::new("", go, Kind::Struct(s))
        }
    }

    /// `*T`
    pub const fn ptr(self) -> Field {
        Field { ptr: true, ..self }
    }

    /// `,omitempty`
    pub const fn omitempty(self) -> Field {
        Field {
            omit: Omit::Empty,
            ..self
        }
    }

    /// `,omitempty,omitzero`
    pub const fn omitzero(self) -> Field {
        Field {
            omit: Omit::EmptyOrZero,
            ..self
        }
    }

    /// `patchStrategy:"merge" patchMergeKey:"<key>"`
    pub const fn merge_by(self, key: &'static str) -> Field {
        Field {
            strategy: PatchStrategy::Merge,
            merge_key: Some(key),
            ..self
        }
    }

    /// `patchStrategy:"merge"` on a list of scalars.
    pub const fn merge_set(self) -> Field {
        Field {
            strategy: PatchStrategy::Merge,
            ..self
        }
    }

    /// Adds `retainKeys` to the patch strategy.
    pub const fn retain_keys(self) -> Field {
        Field {
            retain_keys: true,
            ..self
        }
    }

    /// `patchStrategy:"replace"`
    pub const fn replace(self) -> Field {
        Field {
            strategy: PatchStrategy::Replace,
            ..self
        }
    }

    /// The struct behind this field, for struct and pointer-to-struct fields.
    pub fn struct_type(&self) -> Option<&'static Struct> {
        match self.kind {
            Kind::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Go's zero value of the field as JSON: `null` for nil pointers, slices and maps, `""`,
    /// `0`, `false`, `"0"` for a quantity, and `{}` for a struct value (whose own fields are
    /// zero in turn; look them up through [`Struct`]).
    pub fn go_zero(&self) -> Value {
        if self.ptr {
            return Value::Null;
        }
        kind_zero(self.kind)
    }

    /// Whether Go's encoder writes this field when it holds its zero value.
    pub(crate) fn written_when_zero(&self, legacy_creation_timestamp: bool) -> bool {
        match self.omit {
            Omit::Never => true,
            // omitempty never drops struct values.
            Omit::Empty => {
                !self.ptr
                    && matches!(
                        self.kind,
                        Kind::Struct(_) | Kind::Quantity | Kind::IntOrString | Kind::Time
                    )
            }
            Omit::EmptyOrZero => legacy_creation_timestamp && !self.ptr,
        }
    }

    /// Whether Go's encoder leaves out this (non-null) value because it is empty or zero.
    pub(crate) fn omits(&self, value: &Value) -> bool {
        if self.omit == Omit::Never || self.ptr {
            return false;
        }
        let empty = match (self.kind, value) {
            (Kind::String, Value::String(s)) => s.is_empty(),
            (Kind::Bool, Value::Bool(b)) => !b,
            (Kind::Int32 | Kind::Int64, Value::Number(n)) => n.as_i64() == Some(0),
            (Kind::Slice(_), Value::Array(a)) => a.is_empty(),
            (Kind::Map(_), Value::Object(m)) => m.is_empty(),
            _ => false,
        };
        if empty {
            return true;
        }
        self.omit == Omit::EmptyOrZero && is_zero_struct_value(self.kind, value)
    }
}

/// `omitzero` on a struct value: the Go zero value (an empty object, `null` time or Go's zero
/// time).
fn is_zero_struct_value(kind: Kind, value: &Value) -> bool {
    match (kind, value) {
        (Kind::Time, Value::String(s)) => s == "0001-01-01T00:00:00Z",
        (Kind::Struct(_), Value::Object(m)) => m.is_empty(),
        (Kind::Quantity, Value::String(s)) => s == "0",
        _ => false,
    }
}

/// Go's zero value of a (non-pointer) type as JSON.
pub(crate) fn kind_zero(kind: Kind) -> Value {
    match kind {
        Kind::String => Value::String(String::new()),
        Kind::Bool => Value::Bool(false),
        Kind::Int32 | Kind::Int64 | Kind::IntOrString => Value::from(0),
        Kind::Quantity => Value::String("0".to_string()),
        Kind::Time | Kind::Raw | Kind::Slice(_) | Kind::Map(_) => Value::Null,
        Kind::Struct(_) => Value::Object(Map::new()),
    }
}

/// The Go spelling of a type, for error messages (`[]v1.Container`, `map[string]string`).
pub(crate) fn go_type_name(kind: Kind) -> String {
    fn elem(e: Elem) -> String {
        go_type_name(e.kind())
    }
    match kind {
        Kind::String => "string".to_string(),
        Kind::Bool => "bool".to_string(),
        Kind::Int32 => "int32".to_string(),
        Kind::Int64 => "int64".to_string(),
        Kind::Quantity => "resource.Quantity".to_string(),
        Kind::IntOrString => "intstr.IntOrString".to_string(),
        Kind::Time => "v1.Time".to_string(),
        Kind::Raw => "interface {}".to_string(),
        Kind::Struct(s) => format!("v1.{}", s.name),
        Kind::Slice(e) => format!("[]{}", elem(e)),
        Kind::Map(e) => format!("map[string]{}", elem(e)),
    }
}

impl Struct {
    /// The field with JSON name `json`, looking through embedded structs.
    pub fn field(&'static self, json: &str) -> Option<&'static Field> {
        self.flat_fields().find(|f| f.named(json))
    }

    /// [`Struct::field`] with its position among [`Struct::flat_fields`].
    pub fn field_position(&'static self, json: &str) -> Option<(usize, &'static Field)> {
        self.flat_fields().enumerate().find(|(_, f)| f.named(json))
    }

    /// The field with Go name `go`, as a template would access it (`.Spec`, `.Containers`).
    ///
    /// An embedded struct is found by its type name (`.VolumeSource`, `.ProbeHandler`) and
    /// its fields are promoted (`.EmptyDir`, `.HTTPGet`); both live in the same JSON object
    /// as the parent's other fields, so a promoted field is read from the parent object
    /// under its [`Field::json`] name.
    pub fn field_by_go(&'static self, go: &str) -> Option<&'static Field> {
        if let Some(f) = self.fields.iter().find(|f| f.go == go) {
            return Some(f);
        }
        self.fields
            .iter()
            .filter(|f| f.inline)
            .find_map(|f| f.struct_type().and_then(|s| s.field_by_go(go)))
    }

    /// The fields as they appear in JSON, in Go encoding order: embedded structs are
    /// replaced by their own fields, at their position.
    pub fn flat_fields(&'static self) -> FlatFields {
        FlatFields {
            stack: [Some(self.fields.iter()), None, None, None],
            depth: 0,
        }
    }
}

/// Iterator over a struct's JSON-visible fields (see [`Struct::flat_fields`]).
#[derive(Clone)]
pub struct FlatFields {
    stack: [Option<std::slice::Iter<'static, Field>>; 4],
    depth: usize,
}

impl Iterator for FlatFields {
    type Item = &'static Field;

    fn next(&mut self) -> Option<&'static Field> {
        loop {
            let level = self.stack.get_mut(self.depth)?;
            match level.as_mut().and_then(Iterator::next) {
                Some(f) if f.inline => {
                    // Embedding is at most a few levels deep in k8s types; deeper tables would
                    // be a bug in this module, and their fields are skipped rather than panic.
                    if let (Some(s), Some(slot)) =
                        (f.struct_type(), self.stack.get_mut(self.depth + 1))
                    {
                        *slot = Some(s.fields.iter());
                        self.depth += 1;
                    }
                }
                Some(f) => return Some(f),
                None => {
                    if self.depth == 0 {
                        return None;
                    }
                    if let Some(slot) = self.stack.get_mut(self.depth) {
                        *slot = None;
                    }
                    self.depth -= 1;
                }
            }
        }
    }
}

// Short spellings for the type tables.
pub(crate) const STR: Kind = Kind::String;
pub(crate) const BOOL: Kind = Kind::Bool;
pub(crate) const I32: Kind = Kind::Int32;
pub(crate) const I64: Kind = Kind::Int64;
pub(crate) const QTY: Kind = Kind::Quantity;
pub(crate) const INT_OR_STR: Kind = Kind::IntOrString;
pub(crate) const TIME: Kind = Kind::Time;
pub(crate) const RAW: Kind = Kind::Raw;
pub(crate) const STRS: Kind = Kind::Slice(Elem::String);
pub(crate) const I32S: Kind = Kind::Slice(Elem::Int32);
pub(crate) const I64S: Kind = Kind::Slice(Elem::Int64);
pub(crate) const RAWS: Kind = Kind::Slice(Elem::Raw);
pub(crate) const STR_MAP: Kind = Kind::Map(Elem::String);
/// `ResourceList` (`map[ResourceName]resource.Quantity`).
pub(crate) const RESOURCE_LIST: Kind = Kind::Map(Elem::Quantity);

/// A struct-typed field kind.
pub(crate) const fn obj(s: &'static Struct) -> Kind {
    Kind::Struct(s)
}

/// A `[]T` field kind for a struct `T`.
pub(crate) const fn list(s: &'static Struct) -> Kind {
    Kind::Slice(Elem::Struct(s))
}

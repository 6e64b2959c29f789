//! What a JSON object looks like after Go decodes it into its typed struct and encodes it
//! again (`json.Unmarshal` then `json.Marshal`).
//!
//! Istio turns every pod into a typed `corev1.Pod` between stages, so that is the effect to
//! reproduce: `null`s and `omitempty` zero values disappear, quantities become canonical,
//! whole floats in integer fields become integers, map keys are sorted, and a JSON type Go
//! cannot decode (a string in an `int32` field) is an error naming the field.

use std::fmt;

use serde_json::{Map, Number, Value};
use thiserror::Error;

use super::schema::{Elem, Field, FlatFields, Kind, Struct, go_type_name, kind_zero};
use crate::quantity;

mod guided;
pub use guided::{MergeGuide, normalize_merged};

/// How far [`normalize`] goes in imitating Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// Keep fields the schema does not know, unchanged (default). `false` drops them, as Go
    /// does; use it to compare with Istio's output.
    pub keep_unknown: bool,
    /// Also write what Go's encoder writes for absent fields: non-`omitempty` fields with
    /// their zero values (`resources: {}`, `status: {}`, `containerPort: 0`,
    /// `containers: null`). Needed for byte-exact `kube-inject` output. Default off.
    pub emit_zero_structs: bool,
    /// Write `creationTimestamp: null` as apimachinery before 0.34 did (Istio ≤ 1.27).
    pub legacy_creation_timestamp: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            keep_unknown: true,
            emit_zero_structs: false,
            legacy_creation_timestamp: false,
        }
    }
}

impl NormalizeOptions {
    /// Exactly Go's round trip: unknown fields dropped, zero values written.
    pub fn go() -> Self {
        NormalizeOptions {
            keep_unknown: false,
            emit_zero_structs: true,
            legacy_creation_timestamp: false,
        }
    }
}

/// A value Go would refuse to decode into the typed struct.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {message}")]
pub struct SchemaError {
    /// JSON path of the offending value (`spec.containers[0].ports[1].containerPort`).
    pub path: String,
    pub message: String,
}

/// A JSON path built on the stack while walking, rendered only for errors.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(parent, key) => {
                if matches!(parent, Path::Root) {
                    write!(f, "{key}")
                } else {
                    write!(f, "{parent}.{key}")
                }
            }
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl Path<'_> {
    pub(crate) fn error(&self, message: impl Into<String>) -> SchemaError {
        let path = self.to_string();
        SchemaError {
            path: if path.is_empty() {
                "<root>".to_string()
            } else {
                path
            },
            message: message.into(),
        }
    }
}

/// Internal knobs: the public options plus what `to_go_json` needs.
#[derive(Clone, Copy)]
pub(crate) struct Mode {
    pub opts: NormalizeOptions,
    /// Sort the keys of objects inside [`Kind::Raw`] values (Go encodes them as maps).
    pub sort_raw: bool,
}

/// Normalizes `value` as Go decoding it into `ty` and encoding it again would.
///
/// `null` is the zero struct. Anything but an object (or `null`) is an error.
pub fn normalize(
    ty: &'static Struct,
    value: &Value,
    opts: &NormalizeOptions,
) -> Result<Value, SchemaError> {
    let mode = Mode {
        opts: *opts,
        sort_raw: false,
    };
    normalize_root(ty, value, mode)
}

/// [`normalize`] of a value the caller no longer needs: strings, keys and untyped values are
/// moved into the result instead of copied (the pipeline normalizes every merge result).
pub fn normalize_owned(
    ty: &'static Struct,
    value: Value,
    opts: &NormalizeOptions,
) -> Result<Value, SchemaError> {
    let mode = Mode {
        opts: *opts,
        sort_raw: false,
    };
    match value {
        Value::Null => Ok(Value::Object(struct_object(
            ty,
            &Map::new(),
            mode,
            &Path::Root,
        )?)),
        Value::Object(map) => Ok(Value::Object(owned::struct_object(
            ty,
            map,
            mode,
            &Path::Root,
        )?)),
        other => Err(Path::Root.error(cannot_decode(&other, Kind::Struct(ty)))),
    }
}

/// Whether [`normalize_owned`] gives `value` back as it is, member order and number forms
/// included, told by reading it: a pod the API server sends is typed already, and the normalize
/// of its copy would be that copy. `false` when in doubt (a null member of an unknown field, say,
/// which the normalize keeps).
pub fn is_normalized(ty: &'static Struct, value: &Value, opts: &NormalizeOptions) -> bool {
    let mode = Mode {
        opts: *opts,
        sort_raw: false,
    };
    let typed = match value {
        Value::Object(map) => !mode.opts.emit_zero_structs && owned::typed_struct(ty, map, mode),
        _ => false,
    };
    #[cfg(debug_assertions)]
    if typed {
        let normalized = normalize_owned(ty, value.clone(), opts).map(|v| v.to_string());
        assert_eq!(
            normalized.as_deref(),
            Ok(value.to_string().as_str()),
            "a value taken as normalized"
        );
    }
    typed
}

/// [`normalize`] for a `corev1.Pod`.
pub fn normalize_pod(pod: &Value, opts: &NormalizeOptions) -> Result<Value, SchemaError> {
    normalize(&super::POD, pod, opts)
}

/// Normalizes one value of kind `kind` (for callers holding a field, not a struct).
pub fn normalize_kind(
    kind: Kind,
    value: &Value,
    opts: &NormalizeOptions,
) -> Result<Value, SchemaError> {
    let mode = Mode {
        opts: *opts,
        sort_raw: false,
    };
    if value.is_null() {
        return Ok(zero(kind, mode));
    }
    kind_value(kind, value, mode, &Path::Root)
}

pub(crate) fn normalize_root(
    ty: &'static Struct,
    value: &Value,
    mode: Mode,
) -> Result<Value, SchemaError> {
    match value {
        Value::Null => Ok(Value::Object(struct_object(
            ty,
            &Map::new(),
            mode,
            &Path::Root,
        )?)),
        Value::Object(map) => Ok(Value::Object(struct_object(ty, map, mode, &Path::Root)?)),
        other => Err(Path::Root.error(cannot_decode(other, Kind::Struct(ty)))),
    }
}

/// Walks the object's own keys, not the struct's fields: a Pod or Container type has dozens of
/// fields and a typical object sets a few, and every map look-up hashes a key (profiled: the
/// field-driven walk was a quarter of an admission's time). Known fields come out in Go's
/// field order, unknown ones (when kept) after them in input order.
fn struct_object(
    ty: &'static Struct,
    map: &Map<String, Value>,
    mode: Mode,
    path: &Path<'_>,
) -> Result<Map<String, Value>, SchemaError> {
    let mut present: Vec<(usize, &'static Field, &String, &Value)> = Vec::with_capacity(map.len());
    let mut unknown = 0;
    for (key, value) in map {
        match ty.field_position(key) {
            Some((position, field)) => present.push((position, field, key, value)),
            None => unknown += 1,
        }
    }
    // Input order is usually Go's already.
    if !present.is_sorted_by_key(|p| p.0) {
        present.sort_unstable_by_key(|p| p.0);
    }
    let mut out = Map::with_capacity(map.len());
    if mode.opts.emit_zero_structs {
        let mut given = present.iter().peekable();
        for (position, field) in ty.flat_fields().enumerate() {
            let value = match given.peek() {
                Some(&&(p, _, _, value)) if p == position => {
                    given.next();
                    Some(value)
                }
                _ => None,
            };
            struct_field(field, value, &mut out, mode, path)?;
        }
    } else {
        for &(_, field, _, value) in &present {
            struct_field(field, Some(value), &mut out, mode, path)?;
        }
    }
    if mode.opts.keep_unknown && unknown > 0 {
        for (key, value) in map {
            if ty.field_position(key).is_none() {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(out)
}

/// One field of a struct: its normalized value when set, else its zero value where Go writes
/// one.
fn struct_field(
    field: &'static Field,
    value: Option<&Value>,
    out: &mut Map<String, Value>,
    mode: Mode,
    path: &Path<'_>,
) -> Result<(), SchemaError> {
    match value {
        Some(value) if !value.is_null() => {
            let here = Path::Key(path, field.json);
            let normalized = kind_value(field.kind, value, mode, &here)?;
            if !field.omits(&normalized) {
                out.insert(field.json.to_string(), normalized);
            }
        }
        // Absent and null are the same to Go: the zero value.
        _ => {
            if mode.opts.emit_zero_structs
                && field.written_when_zero(mode.opts.legacy_creation_timestamp)
            {
                out.insert(field.json.to_string(), field_zero(field, mode));
            }
        }
    }
    Ok(())
}

/// What Go writes for a field holding its zero value.
fn field_zero(field: &Field, mode: Mode) -> Value {
    if field.ptr {
        Value::Null
    } else {
        zero(field.kind, mode)
    }
}

fn zero(kind: Kind, mode: Mode) -> Value {
    match kind {
        Kind::Struct(s) if mode.opts.emit_zero_structs => {
            // The zero struct has no fields set; its own always-written fields appear.
            struct_object(s, &Map::new(), mode, &Path::Root)
                .map(Value::Object)
                .unwrap_or_else(|_| Value::Object(Map::new()))
        }
        other => kind_zero(other),
    }
}

fn kind_value(
    kind: Kind,
    value: &Value,
    mode: Mode,
    path: &Path<'_>,
) -> Result<Value, SchemaError> {
    match (kind, value) {
        (Kind::String, Value::String(_)) | (Kind::Bool, Value::Bool(_)) => Ok(value.clone()),
        (Kind::Int32, Value::Number(n)) => {
            integer(n, i64::from(i32::MIN), i64::from(i32::MAX), kind, path)
        }
        (Kind::Int64, Value::Number(n)) => integer(n, i64::MIN, i64::MAX, kind, path),
        (Kind::Quantity, Value::String(_) | Value::Number(_)) => quantity::canonicalize_json(value)
            .map(Value::String)
            .map_err(|e| path.error(e.to_string())),
        (Kind::IntOrString, Value::String(_)) => Ok(value.clone()),
        (Kind::IntOrString, Value::Number(n)) => integer(
            n,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            Kind::Int32,
            path,
        ),
        (Kind::Time, Value::String(_)) => Ok(value.clone()),
        (Kind::Raw, _) => Ok(if mode.sort_raw {
            sorted(value)
        } else {
            value.clone()
        }),
        (Kind::Struct(s), Value::Object(map)) => {
            Ok(Value::Object(struct_object(s, map, mode, path)?))
        }
        (Kind::Slice(elem), Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(element(elem, item, mode, &Path::Index(path, i))?);
            }
            Ok(Value::Array(out))
        }
        (Kind::Map(elem), Value::Object(map)) => {
            // Go writes map keys sorted.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            let mut out = Map::with_capacity(map.len());
            for key in keys {
                if let Some(item) = map.get(key) {
                    let normalized = element(elem, item, mode, &Path::Key(path, key))?;
                    out.insert(key.clone(), normalized);
                }
            }
            Ok(Value::Object(out))
        }
        (_, other) => Err(path.error(cannot_decode(other, kind))),
    }
}

/// A slice or map element; `null` decodes to the element's zero value.
fn element(elem: Elem, value: &Value, mode: Mode, path: &Path<'_>) -> Result<Value, SchemaError> {
    let kind = elem.kind();
    if value.is_null() {
        return Ok(match kind {
            Kind::Struct(s) => Value::Object(struct_object(s, &Map::new(), mode, path)?),
            other => kind_zero(other),
        });
    }
    kind_value(kind, value, mode, path)
}

/// An integer field: integral numbers in range, whole floats accepted (YAML tools and Go
/// templates produce `80.0` where Go's YAML layer would have produced `80`).
fn integer(
    n: &Number,
    min: i64,
    max: i64,
    kind: Kind,
    path: &Path<'_>,
) -> Result<Value, SchemaError> {
    let as_int = if let Some(i) = n.as_i64() {
        Some(i)
    } else if n.as_u64().is_some() {
        None
    } else {
        n.as_f64()
            .filter(|f| {
                f.fract() == 0.0 && *f >= -9.223_372_036_854_776e18 && *f < 9.223_372_036_854_776e18
            })
            .map(|f| f as i64)
    };
    match as_int {
        Some(i) if i >= min && i <= max => Ok(Value::from(i)),
        _ => Err(path.error(format!(
            "cannot unmarshal number {n} into Go value of type {}",
            go_type_name(kind)
        ))),
    }
}

fn cannot_decode(value: &Value, kind: Kind) -> String {
    let what = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    format!(
        "cannot unmarshal {what} into Go value of type {}",
        go_type_name(kind)
    )
}

/// A copy of `value` with object keys sorted at every level (Go's map encoding).
pub(crate) fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            let mut out = Map::with_capacity(map.len());
            for key in keys {
                if let Some(v) = map.get(key) {
                    out.insert(key.clone(), sorted(v));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The same walk as [`struct_object`] and [`kind_value`] over values taken by value.
mod owned {
    use super::*;

    /// A field known to a struct: its position in Go's order, its schema, key and value.
    pub(super) type Placed = (usize, &'static Field, String, Value);

    /// The object's known fields in Go's order (the input's key strings reused) and the
    /// unknown ones as they came.
    pub(super) fn by_go_position(
        ty: &'static Struct,
        map: Map<String, Value>,
    ) -> (Vec<Placed>, Vec<(String, Value)>) {
        let mut present: Vec<Placed> = Vec::with_capacity(map.len());
        let mut unknown = Vec::new();
        for (key, value) in map {
            match ty.field_position(&key) {
                Some((position, field)) => present.push((position, field, key, value)),
                None => unknown.push((key, value)),
            }
        }
        if !present.is_sorted_by_key(|p| p.0) {
            present.sort_unstable_by_key(|p| p.0);
        }
        (present, unknown)
    }

    pub(super) fn struct_object(
        ty: &'static Struct,
        mut map: Map<String, Value>,
        mode: Mode,
        path: &Path<'_>,
    ) -> Result<Map<String, Value>, SchemaError> {
        if let Some(mut fields) = KeyFields::in_go_order(ty, &map, mode) {
            // Already in Go's field order: normalize the values where they are, which spares
            // rebuilding (and rehashing) the map.
            let mut omitted = false;
            for (i, (key, value)) in map.iter_mut().enumerate() {
                if let Some(field) = fields.field(i, key) {
                    // Most values are strings and booleans of their field's type, which stay
                    // as they are: no call, no move.
                    if !kept_as_is(field.kind, value, mode) {
                        let here = Path::Key(path, field.json);
                        *value = kind_value(field.kind, std::mem::take(value), mode, &here)?;
                    }
                    omitted |= field.omits(value);
                }
            }
            if omitted {
                fields.drop_omitted(&mut map);
            }
            return Ok(map);
        }
        let (present, unknown) = by_go_position(ty, map);
        let mut out = Map::with_capacity(present.len() + unknown.len());
        if mode.opts.emit_zero_structs {
            let mut given = present.into_iter().peekable();
            for (position, field) in ty.flat_fields().enumerate() {
                let value = given.next_if(|p| p.0 == position).map(|p| (p.2, p.3));
                struct_field(field, value, &mut out, mode, path)?;
            }
        } else {
            for (_, field, key, value) in present {
                struct_field(field, Some((key, value)), &mut out, mode, path)?;
            }
        }
        if mode.opts.keep_unknown {
            out.extend(unknown);
        }
        Ok(out)
    }

    /// Objects with at most this many keys have their fields found once, by the order check
    /// (a Container sets a dozen fields or so).
    const FOUND: usize = 32;

    /// The fields of the keys of a map in Go's order, `None` for unknown keys.
    pub(super) struct KeyFields {
        ty: &'static Struct,
        /// Found by the order check, when the map has at most [`FOUND`] keys.
        found: Option<[Option<&'static Field>; FOUND]>,
        /// Otherwise found again by a forward scan (an array, not a list: no allocation).
        scan: OrderedFields,
    }

    impl KeyFields {
        /// The fields of `map`'s keys when normalizing can leave every entry where it is: no
        /// null value (a null may be written as the field's zero value), known fields in
        /// strictly increasing Go order, and unknown keys, which are kept, after them.
        pub(super) fn in_go_order(
            ty: &'static Struct,
            map: &Map<String, Value>,
            mode: Mode,
        ) -> Option<KeyFields> {
            if mode.opts.emit_zero_structs {
                return None;
            }
            let mut found = [None; FOUND];
            let mut fields = OrderedFields::new(ty);
            let mut seen_unknown = false;
            for (i, (key, value)) in map.iter().enumerate() {
                if value.is_null() {
                    return None;
                }
                match fields.next(key) {
                    Some(_) if seen_unknown => return None,
                    Some(field) => {
                        if let Some(slot) = found.get_mut(i) {
                            *slot = Some(field);
                        }
                    }
                    // Before the previous key: not in Go's order.
                    None if ty.field_position(key).is_some() => return None,
                    None if mode.opts.keep_unknown => seen_unknown = true,
                    None => return None,
                }
            }
            Some(KeyFields {
                ty,
                found: (map.len() <= FOUND).then_some(found),
                scan: OrderedFields::new(ty),
            })
        }

        /// The field of the `i`-th key, `key`; keys are asked for in order.
        pub(super) fn field(&mut self, i: usize, key: &str) -> Option<&'static Field> {
            match &self.found {
                Some(found) => found.get(i).copied().flatten(),
                None => self.scan.next(key),
            }
        }

        /// Drops the entries whose field Go omits with the value they hold.
        pub(super) fn drop_omitted(&mut self, map: &mut Map<String, Value>) {
            self.scan = OrderedFields::new(self.ty);
            let mut i = 0;
            map.retain(|key, value| {
                let field = self.field(i, key);
                i += 1;
                field.is_none_or(|f| !f.omits(value))
            });
        }
    }

    /// The fields of keys given in Go's order, each found by scanning on from the previous
    /// one (profiled: looking each key up from the first field was a tenth of the pass).
    struct OrderedFields {
        ty: &'static Struct,
        rest: FlatFields,
        /// Fields consumed from `rest`, to restore it after a key that is not found.
        consumed: usize,
    }

    impl OrderedFields {
        fn new(ty: &'static Struct) -> OrderedFields {
            OrderedFields {
                ty,
                rest: ty.flat_fields(),
                consumed: 0,
            }
        }

        /// The field named `key` after the previous one found; `None` (and the position kept)
        /// when there is none.
        fn next(&mut self, key: &str) -> Option<&'static Field> {
            // Scanned in place rather than on a copy of the iterator: copying it is a call in
            // wasm, and a key that is not found (unknown, or out of order) is rare.
            let mut scanned = 0;
            for field in self.rest.by_ref() {
                scanned += 1;
                if field.named(key) {
                    self.consumed += scanned;
                    return Some(field);
                }
            }
            self.rest = self.ty.flat_fields();
            for _ in self.rest.by_ref().take(self.consumed) {}
            None
        }
    }

    fn struct_field(
        field: &'static Field,
        value: Option<(String, Value)>,
        out: &mut Map<String, Value>,
        mode: Mode,
        path: &Path<'_>,
    ) -> Result<(), SchemaError> {
        match value {
            Some((key, value)) if !value.is_null() => {
                let here = Path::Key(path, field.json);
                let normalized = kind_value(field.kind, value, mode, &here)?;
                if !field.omits(&normalized) {
                    out.insert(key, normalized);
                }
                Ok(())
            }
            _ => super::struct_field(field, None, out, mode, path),
        }
    }

    /// Whether [`struct_object`] returns `map` unchanged (see [`super::is_normalized`]): the
    /// order check of [`KeyFields::in_go_order`] and the values' own checks in one pass.
    pub(super) fn typed_struct(ty: &'static Struct, map: &Map<String, Value>, mode: Mode) -> bool {
        let mut fields = OrderedFields::new(ty);
        let mut seen_unknown = false;
        for (key, value) in map {
            if value.is_null() {
                return false;
            }
            match fields.next(key) {
                Some(field) => {
                    if seen_unknown || field.omits(value) || !typed_kind(field.kind, value, mode) {
                        return false;
                    }
                }
                None if mode.opts.keep_unknown && ty.field_position(key).is_none() => {
                    seen_unknown = true;
                }
                None => return false,
            }
        }
        true
    }

    /// Whether [`kind_value`] returns `value` unchanged.
    fn typed_kind(kind: Kind, value: &Value, mode: Mode) -> bool {
        if kept_as_is(kind, value, mode) {
            return true;
        }
        let typed_element =
            |elem: Elem, item: &Value| !item.is_null() && typed_kind(elem.kind(), item, mode);
        match (kind, value) {
            (Kind::Struct(s), Value::Object(map)) => typed_struct(s, map, mode),
            (Kind::Slice(elem), Value::Array(items)) => {
                items.iter().all(|item| typed_element(elem, item))
            }
            (Kind::Map(elem), Value::Object(map)) => {
                map.keys().is_sorted() && map.values().all(|item| typed_element(elem, item))
            }
            // `0` and other forms the quick test leaves to the parser.
            (Kind::Quantity, Value::String(s)) => {
                quantity::canonicalize_json(value).is_ok_and(|canonical| canonical == *s)
            }
            _ => false,
        }
    }

    /// Whether [`kind_value`] returns `value` unchanged, told without moving it.
    fn kept_as_is(kind: Kind, value: &Value, mode: Mode) -> bool {
        match (kind, value) {
            (Kind::String | Kind::IntOrString | Kind::Time, Value::String(_))
            | (Kind::Bool, Value::Bool(_)) => true,
            (Kind::Raw, _) => !mode.sort_raw,
            // An integer in range is written back as the same integer (a float is not).
            (Kind::Int32 | Kind::IntOrString, Value::Number(n)) => {
                n.as_i64().is_some_and(|i| i32::try_from(i).is_ok())
            }
            (Kind::Int64, Value::Number(n)) => n.as_i64().is_some(),
            (Kind::Quantity, Value::String(s)) => quantity::written_canonically(s),
            _ => false,
        }
    }

    pub(super) fn kind_value(
        kind: Kind,
        value: Value,
        mode: Mode,
        path: &Path<'_>,
    ) -> Result<Value, SchemaError> {
        match (kind, value) {
            (Kind::Struct(s), Value::Object(map)) => {
                Ok(Value::Object(struct_object(s, map, mode, path)?))
            }
            (Kind::Slice(elem), Value::Array(mut items)) => {
                // In place: a list is normalized on every pass, and a new one is an allocation.
                for (i, item) in items.iter_mut().enumerate() {
                    *item = element(elem, std::mem::take(item), mode, &Path::Index(path, i))?;
                }
                Ok(Value::Array(items))
            }
            (Kind::Map(elem), Value::Object(mut map)) => {
                // Go writes map keys sorted: sorted in place, which reuses the stored hashes
                // instead of hashing every key again into a new map.
                if !map.keys().is_sorted() {
                    map.sort_keys();
                }
                for (key, item) in map.iter_mut() {
                    let here = Path::Key(path, key);
                    *item = element(elem, std::mem::take(item), mode, &here)?;
                }
                Ok(Value::Object(map))
            }
            (Kind::String, value @ Value::String(_))
            | (Kind::Bool, value @ Value::Bool(_))
            | (Kind::IntOrString, value @ Value::String(_))
            | (Kind::Time, value @ Value::String(_)) => Ok(value),
            (Kind::Raw, value) if !mode.sort_raw => Ok(value),
            // Kept rather than copied when it is its canonical form already.
            (Kind::Quantity, Value::String(s)) if quantity::written_canonically(&s) => {
                Ok(Value::String(s))
            }
            (kind, value) => super::kind_value(kind, &value, mode, path),
        }
    }

    pub(super) fn element(
        elem: Elem,
        value: Value,
        mode: Mode,
        path: &Path<'_>,
    ) -> Result<Value, SchemaError> {
        if value.is_null() {
            return super::element(elem, &value, mode, path);
        }
        kind_value(elem.kind(), value, mode, path)
    }
}

#[cfg(test)]
mod tests;

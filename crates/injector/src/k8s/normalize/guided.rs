//! Normalizing a strategic merge's result whose original was already normalized.
//!
//! The merge moves what the patch does not reach into the result unchanged, so only the
//! patch's fields can be out of Go's form; an injected pod's patch is the sidecar template
//! (its containers, volumes and metadata), while most of the pod is the user's containers.
//! A [`MergeGuide`], taken from the patch before merging, names the fields the patch reaches
//! and, in lists merged by key, the keys of the elements it merges into; everything else is
//! left as it is. Where the patch holds a directive (`$patch`, `$retainKeys`, `$setElementOrder`
//! …) or a shape the guide does not follow, the whole value is normalized.

use std::ptr;

use serde_json::{Map, Value};

use super::owned::{self, KeyFields};
use super::{Mode, NormalizeOptions, Path, SchemaError, normalize_owned};
use crate::k8s::schema::{Elem, Field, Kind, PatchStrategy, Struct};

/// Where a patch can have left values that are not in Go's form.
#[derive(Debug)]
pub struct MergeGuide(Guide);

#[derive(Debug)]
enum Guide {
    /// Anything may have changed: normalize all of it.
    Full,
    /// A struct: the fields the patch sets, with what it sets in them; other fields are
    /// the original's.
    Struct(Vec<(&'static Field, Guide)>),
    /// A list merged by `key`: elements whose key is one of `keys` were merged with (or are)
    /// patch elements; the others are the original's.
    Keyed {
        key: &'static str,
        keys: Vec<String>,
    },
    /// A list of structs: in every element, what the inner guide names.
    Each(Box<Guide>),
    /// [`Guide::Struct`] written out as a constant: fields by JSON name.
    Named(&'static [(&'static str, MergeGuide)]),
    /// [`Guide::Each`] written out as a constant.
    EachOf(&'static MergeGuide),
}

impl MergeGuide {
    /// No guide: the whole result is normalized (an original not normalized before).
    pub fn full() -> MergeGuide {
        MergeGuide(Guide::Full)
    }

    /// The guide of `patch`, a strategic-merge patch of a `ty` value.
    pub fn of_patch(ty: &'static Struct, patch: &Value) -> MergeGuide {
        MergeGuide(struct_guide(ty, patch))
    }

    /// Everything below is walked.
    pub const WHOLE: MergeGuide = MergeGuide(Guide::Full);

    /// A guide written out as a constant (built at each evaluation, [`MergeGuide::of_fields`]
    /// was a tenth of the pass): these fields of a struct, by JSON name, each with its guide.
    /// A name the struct does not have is never met.
    pub const fn fields(named: &'static [(&'static str, MergeGuide)]) -> MergeGuide {
        MergeGuide(Guide::Named(named))
    }

    /// A constant guide to a list of structs: `inner` in every element.
    pub const fn each(inner: &'static MergeGuide) -> MergeGuide {
        MergeGuide(Guide::EachOf(inner))
    }

    /// The paths this guide walks, as [`MergeGuide::of_fields`] takes them, sorted: two
    /// guides walk alike when these are equal.
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.0.paths("", &mut out);
        out.sort();
        out
    }

    /// A guide to the fields at `paths` of a `ty` value, edited in place after it was
    /// normalized: dotted JSON names, `[]` after a list of structs for each of its elements
    /// (`spec.containers[].env`). A path the tables do not follow makes the whole value walked.
    pub fn of_fields(ty: &'static Struct, paths: &[&str]) -> MergeGuide {
        MergeGuide(fields_guide(ty, paths).unwrap_or(Guide::Full))
    }
}

impl Guide {
    fn paths(&self, prefix: &str, out: &mut Vec<String>) {
        let join = |name: &str| match prefix {
            "" => name.to_string(),
            _ => format!("{prefix}.{name}"),
        };
        match self {
            Guide::Full => out.push(prefix.to_string()),
            Guide::Struct(fields) => {
                for (field, guide) in fields {
                    guide.paths(&join(field.json), out);
                }
            }
            Guide::Named(fields) => {
                for (name, guide) in *fields {
                    guide.0.paths(&join(name), out);
                }
            }
            Guide::Keyed { key, keys } => out.push(format!("{prefix}[{key}={keys:?}]")),
            Guide::Each(inner) => inner.paths(&format!("{prefix}[]"), out),
            Guide::EachOf(inner) => inner.0.paths(&format!("{prefix}[]"), out),
        }
    }

    /// The guide of `field` among those a struct's guide names; `None` when it names others.
    fn of_field(&self, field: &'static Field) -> Option<&Guide> {
        match self {
            Guide::Struct(touched) => touched
                .iter()
                .find(|(f, _)| ptr::eq(*f, field))
                .map(|(_, g)| g),
            Guide::Named(touched) => touched
                .iter()
                .find(|(name, _)| field.named(name))
                .map(|(_, g)| &g.0),
            _ => None,
        }
    }
}

/// The guide of a `ty` value's fields at `paths` (relative to it); `None` for a path the
/// tables do not follow.
fn fields_guide(ty: &'static Struct, paths: &[&str]) -> Option<Guide> {
    // Each field named, whether it is named whole (`None`) or the paths below it.
    let mut fields: Vec<(&'static Field, Option<Vec<&str>>)> = Vec::new();
    for path in paths {
        let (name, rest) = match path.split_once('.') {
            Some((name, rest)) => (name, Some(rest)),
            None => (*path, None),
        };
        let (name, each) = match name.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (name, false),
        };
        let (_, field) = ty.field_position(name)?;
        // `[]` goes after a list of structs, and only there when the path goes into it.
        let list_of_structs = matches!(field.kind, Kind::Slice(Elem::Struct(_)));
        if (each && !list_of_structs) || (!each && list_of_structs && rest.is_some()) {
            return None;
        }
        let at = match fields.iter().position(|(f, _)| ptr::eq(*f, field)) {
            Some(at) => at,
            None => {
                fields.push((field, Some(Vec::new())));
                fields.len() - 1
            }
        };
        match (&mut fields[at].1, rest) {
            (below @ Some(_), None) => *below = None,
            (Some(below), Some(rest)) => below.push(rest),
            (None, _) => {}
        }
    }
    let mut guides = Vec::with_capacity(fields.len());
    for (field, below) in fields {
        let guide = match (below, field.kind) {
            (None, _) => Guide::Full,
            (Some(below), Kind::Struct(s)) => fields_guide(s, &below)?,
            (Some(below), Kind::Slice(Elem::Struct(s))) => {
                Guide::Each(Box::new(fields_guide(s, &below)?))
            }
            _ => return None,
        };
        guides.push((field, guide));
    }
    Some(Guide::Struct(guides))
}

fn struct_guide(ty: &'static Struct, patch: &Value) -> Guide {
    let Value::Object(map) = patch else {
        return Guide::Full;
    };
    let mut fields = Vec::with_capacity(map.len());
    for (key, value) in map {
        if key.starts_with('$') {
            return Guide::Full;
        }
        // A key the tables do not know is kept as merged by either walk.
        if let Some((_, field)) = ty.field_position(key) {
            fields.push((field, field_guide(field, value)));
        }
    }
    Guide::Struct(fields)
}

fn field_guide(field: &'static Field, patch: &Value) -> Guide {
    match (field.kind, field.strategy, field.merge_key) {
        (Kind::Struct(s), PatchStrategy::Default | PatchStrategy::Merge, _) => {
            struct_guide(s, patch)
        }
        (Kind::Slice(_), PatchStrategy::Merge, Some(key)) => keyed_guide(key, patch),
        _ => Guide::Full,
    }
}

/// Only string keys are followed: the merge matches a string key to equal strings alone.
fn keyed_guide(key: &'static str, patch: &Value) -> Guide {
    let Value::Array(items) = patch else {
        return Guide::Full;
    };
    let mut keys = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Object(map) if !map.keys().any(|k| k.starts_with('$')) => match map.get(key) {
                Some(Value::String(name)) => keys.push(name.clone()),
                _ => return Guide::Full,
            },
            _ => return Guide::Full,
        }
    }
    Guide::Keyed { key, keys }
}

/// [`normalize_owned`] of `merged`, the strategic merge of an original normalized with `opts`
/// and the patch `guide` was taken from: the same result, walking only what the patch reached.
pub fn normalize_merged(
    ty: &'static Struct,
    merged: Value,
    guide: &MergeGuide,
    opts: &NormalizeOptions,
) -> Result<Value, SchemaError> {
    match merged {
        // Go's zero values are written for absent fields, which the guide does not know of.
        Value::Object(map) if !opts.emit_zero_structs => {
            let mode = Mode {
                opts: *opts,
                sort_raw: false,
            };
            Ok(Value::Object(struct_object(
                ty,
                map,
                &guide.0,
                mode,
                &Path::Root,
            )?))
        }
        other => normalize_owned(ty, other, opts),
    }
}

fn struct_object(
    ty: &'static Struct,
    mut map: Map<String, Value>,
    guide: &Guide,
    mode: Mode,
    path: &Path<'_>,
) -> Result<Map<String, Value>, SchemaError> {
    let touches_none = match guide {
        Guide::Struct(touched) => touched.is_empty(),
        Guide::Named(touched) => touched.is_empty(),
        _ => return owned::struct_object(ty, map, mode, path),
    };
    let reached = |field: &'static Field| guide.of_field(field);
    if let Some(mut fields) = KeyFields::in_go_order(ty, &map, mode) {
        if touches_none {
            return Ok(map);
        }
        let mut omitted = false;
        for (i, (key, value)) in map.iter_mut().enumerate() {
            if let Some(field) = fields.field(i, key)
                && let Some(guide) = reached(field)
            {
                let here = Path::Key(path, field.json);
                *value = kind_value(field.kind, std::mem::take(value), guide, mode, &here)?;
                omitted |= field.omits(value);
            }
        }
        if omitted {
            fields.drop_omitted(&mut map);
        }
        return Ok(map);
    }
    // The patch added fields after the original's (or removed one): Go's order again, with
    // the fields it did not reach moved as they are.
    let (present, unknown) = owned::by_go_position(ty, map);
    let mut out = Map::with_capacity(present.len() + unknown.len());
    for (_, field, key, value) in present {
        // A null is Go's zero value, not written without `emit_zero_structs`.
        if value.is_null() {
            continue;
        }
        let value = match reached(field) {
            Some(guide) => {
                let here = Path::Key(path, field.json);
                let normalized = kind_value(field.kind, value, guide, mode, &here)?;
                if field.omits(&normalized) {
                    continue;
                }
                normalized
            }
            None => value,
        };
        out.insert(key, value);
    }
    if mode.opts.keep_unknown {
        out.extend(unknown);
    }
    Ok(out)
}

fn kind_value(
    kind: Kind,
    value: Value,
    guide: &Guide,
    mode: Mode,
    path: &Path<'_>,
) -> Result<Value, SchemaError> {
    match (kind, value, guide) {
        (Kind::Struct(s), Value::Object(map), Guide::Struct(_) | Guide::Named(_)) => {
            Ok(Value::Object(struct_object(s, map, guide, mode, path)?))
        }
        (Kind::Slice(elem), Value::Array(mut items), Guide::Keyed { key, keys }) => {
            for (i, item) in items.iter_mut().enumerate() {
                let original = match item {
                    Value::Object(map) => match map.get(*key) {
                        Some(Value::String(name)) => !keys.contains(name),
                        _ => false,
                    },
                    _ => false,
                };
                if !original {
                    let here = Path::Index(path, i);
                    *item = owned::element(elem, std::mem::take(item), mode, &here)?;
                }
            }
            Ok(Value::Array(items))
        }
        (
            Kind::Slice(Elem::Struct(s)),
            Value::Array(mut items),
            Guide::Each(_) | Guide::EachOf(_),
        ) => {
            let inner = match guide {
                Guide::Each(inner) => inner,
                Guide::EachOf(inner) => &inner.0,
                _ => guide,
            };
            for (i, item) in items.iter_mut().enumerate() {
                let here = Path::Index(path, i);
                *item = match std::mem::take(item) {
                    Value::Object(map) => Value::Object(struct_object(s, map, inner, mode, &here)?),
                    other => owned::element(Elem::Struct(s), other, mode, &here)?,
                };
            }
            Ok(Value::Array(items))
        }
        (kind, value, _) => owned::kind_value(kind, value, mode, path),
    }
}

#[cfg(test)]
mod tests;

//! JSON known at compile time: Istio's defaults, walked by look-ups without being built, and
//! made into [`Value`]s only where a caller takes them out.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A JSON value known at compile time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Node {
    Bool(bool),
    Int(i64),
    Str(&'static str),
    List(&'static [Node]),
    Map(&'static [(&'static str, Node)]),
}

impl Node {
    /// The member `key` of a map.
    pub(crate) fn get(&self, key: &str) -> Option<&'static Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The member `key` of a map whose keys are in byte order, found by bisection (Istio's
    /// default values nest up to forty keys a level, and the renderer looks up seventy).
    pub(crate) fn get_sorted(&self, key: &str) -> Option<&'static Node> {
        match self {
            Node::Map(entries) => entries
                .binary_search_by(|(k, _)| byte_order(k, key))
                .ok()
                .map(|i| &entries[i].1),
            _ => None,
        }
    }

    /// Whether every map in this tree has its keys in strict byte order.
    #[cfg(test)]
    pub(crate) fn maps_are_sorted(&self) -> bool {
        match self {
            Node::Map(entries) => {
                entries.windows(2).all(|pair| pair[0].0 < pair[1].0)
                    && entries.iter().all(|(_, v)| v.maps_are_sorted())
            }
            Node::List(items) => items.iter().all(Node::maps_are_sorted),
            _ => true,
        }
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self, Node::Map(_))
    }

    pub(crate) fn to_value(self) -> Value {
        match self {
            Node::Bool(b) => Value::Bool(b),
            Node::Int(n) => Value::from(n),
            Node::Str(s) => Value::String(s.to_owned()),
            Node::List(items) => Value::Array(items.iter().map(|n| n.to_value()).collect()),
            Node::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert((*k).to_owned(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// `a.cmp(b)` for short keys, compared in place: keys mostly differ in their first bytes,
/// and wasm's `memcmp`, which `str::cmp` calls, walks bytes one call at a time.
fn byte_order(a: &str, b: &str) -> Ordering {
    for (x, y) in a.bytes().zip(b.bytes()) {
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

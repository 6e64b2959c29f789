//! JSON known at compile time: Istio's defaults, walked by look-ups without being built, and
//! made into [`Value`]s only where a caller takes them out.

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
    /// The member `key` of a map. Keys are compared length first, then byte by byte in
    /// place: most differ in length, and wasm's `memcmp` (which `==` on strings calls) walks
    /// bytes one call at a time. Istio's default values nest up to forty keys a level, and the
    /// renderer looks up seventy values per pod.
    pub(crate) fn get(&self, key: &str) -> Option<&'static Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| same_key(k, key))
                .map(|(_, v)| v),
            _ => None,
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

fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

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
    /// The member `key` of a map.
    pub(crate) fn get(&self, key: &str) -> Option<&'static Node> {
        match self {
            // Length and first byte settle almost every mismatch without a `memcmp` call.
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| {
                    k.len() == key.len()
                        && k.as_bytes().first() == key.as_bytes().first()
                        && *k == key
                })
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

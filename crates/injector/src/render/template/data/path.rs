//! A place inside shared JSON: the root plus the steps to reach a nested value.
//!
//! Template data objects are views into the pod, mesh and proxy config JSON rather than
//! converted copies: a template typically reads a dozen fields out of a pod spec that may
//! hold thousands of env vars, so nothing is built until a field is asked for.

use serde_json::Value as Json;
use std::rc::Rc;

/// One step from a JSON value to a child.
#[derive(Clone, Debug)]
pub(crate) enum Seg {
    /// An object key known statically (a field's JSON name).
    Key(&'static str),
    /// An object key from the data (a map entry).
    MapKey(Rc<str>),
    Index(usize),
}

/// A view of one JSON value inside a shared root.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    root: Rc<Json>,
    path: Rc<[Seg]>,
}

impl Node {
    pub fn root(root: Rc<Json>) -> Node {
        Node {
            root,
            path: Rc::from(Vec::new()),
        }
    }

    /// The value, or `None` when some step is missing (or `null` along the way).
    pub fn get(&self) -> Option<&Json> {
        let mut current: &Json = &self.root;
        for seg in self.path.iter() {
            current = match seg {
                Seg::Key(k) => current.get(*k)?,
                Seg::MapKey(k) => current.get(&**k)?,
                Seg::Index(i) => current.get(*i)?,
            };
        }
        (!current.is_null()).then_some(current)
    }

    pub fn child(&self, seg: Seg) -> Node {
        let mut path = Vec::with_capacity(self.path.len() + 1);
        path.extend(self.path.iter().cloned());
        path.push(seg);
        Node {
            root: self.root.clone(),
            path: Rc::from(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_and_stops_at_missing_or_null() {
        let root = Node::root(Rc::new(json!({"a": [{"b": 1}, null], "m": {"k x": 2}})));
        assert_eq!(
            root.child(Seg::Key("a"))
                .child(Seg::Index(0))
                .child(Seg::Key("b"))
                .get(),
            Some(&json!(1))
        );
        assert_eq!(root.child(Seg::Key("a")).child(Seg::Index(1)).get(), None);
        assert_eq!(root.child(Seg::Key("zz")).child(Seg::Index(3)).get(), None);
        let key: Rc<str> = Rc::from("k x");
        let m = root.child(Seg::Key("m")).child(Seg::MapKey(key));
        assert_eq!(m.get(), Some(&json!(2)));
    }
}

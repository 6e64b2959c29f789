//! Sprig's list and dict functions (v3.3.0).
//!
//! Template values are immutable here: `set` and `unset` return the changed dict but do not
//! change the one a variable holds (Go mutates it in place, so `$_ := set $d "k" "v"` then
//! reading `$d` sees the key in Go and not here). Sprig's `keys`/`values` return Go's random
//! map order; these return key order.

use gotemplate::{FuncError, Funcs, Function, Map as GoMap, Value};
use std::rc::Rc;

use super::args::{any_map, arg, deep_equal, empty, string, strval};

pub(crate) fn register(f: &mut Funcs) {
    f.insert("list", Function::new(|a| Ok(Value::list(a.to_vec()))));
    for name in ["append", "push"] {
        f.insert(
            name,
            Function::fixed(2, move |a| {
                let mut items = list_items(&arg(a, 0), "push")?;
                items.push(arg(a, 1));
                Ok(Value::list(items))
            }),
        );
    }
    f.insert(
        "prepend",
        Function::fixed(2, |a| {
            let mut items = list_items(&arg(a, 0), "prepend")?;
            items.insert(0, arg(a, 1));
            Ok(Value::list(items))
        }),
    );
    f.insert(
        "first",
        Function::fixed(1, |a| {
            Ok(list_items(&arg(a, 0), "first")?
                .into_iter()
                .next()
                .unwrap_or(Value::Nil))
        }),
    );
    f.insert(
        "last",
        Function::fixed(1, |a| {
            Ok(list_items(&arg(a, 0), "last")?.pop().unwrap_or(Value::Nil))
        }),
    );
    f.insert(
        "rest",
        Function::fixed(1, |a| {
            let items = list_items(&arg(a, 0), "rest")?;
            if items.is_empty() {
                return Ok(Value::Nil);
            }
            Ok(Value::list(items.into_iter().skip(1).collect()))
        }),
    );
    f.insert(
        "initial",
        Function::fixed(1, |a| {
            let mut items = list_items(&arg(a, 0), "initial")?;
            if items.pop().is_none() {
                return Ok(Value::Nil);
            }
            Ok(Value::list(items))
        }),
    );
    f.insert(
        "uniq",
        Function::fixed(1, |a| {
            let mut out: Vec<Value> = Vec::new();
            for item in list_items(&arg(a, 0), "uniq")? {
                if !out.iter().any(|o| deep_equal(o, &item)) {
                    out.push(item);
                }
            }
            Ok(Value::list(out))
        }),
    );
    f.insert(
        "has",
        Function::fixed(2, |a| {
            let haystack = arg(a, 1);
            if haystack.is_nil_or_missing() {
                return Ok(Value::Bool(false));
            }
            let needle = arg(a, 0);
            let items = list_items(&haystack, "has")?;
            Ok(Value::Bool(items.iter().any(|i| deep_equal(i, &needle))))
        }),
    );
    f.insert(
        "without",
        Function::variadic(1, |a| {
            let omit = a.get(1..).unwrap_or(&[]);
            let items = list_items(&arg(a, 0), "without")?;
            Ok(Value::list(
                items
                    .into_iter()
                    .filter(|i| !omit.iter().any(|o| deep_equal(i, o)))
                    .collect(),
            ))
        }),
    );
    f.insert(
        "compact",
        Function::fixed(1, |a| {
            let items = list_items(&arg(a, 0), "compact")?;
            Ok(Value::list(
                items.into_iter().filter(|i| !empty(i)).collect(),
            ))
        }),
    );
    f.insert(
        "until",
        Function::fixed(1, |a| {
            let n = super::args::int(a, 0)?;
            if n.unsigned_abs() > 100_000 {
                return Err(FuncError::new("until: count too large"));
            }
            let range: Vec<Value> = if n >= 0 {
                (0..n).map(Value::Int).collect()
            } else {
                (n + 1..=0).rev().map(Value::Int).collect()
            };
            Ok(Value::list(range))
        }),
    );
    f.insert(
        "sortAlpha",
        Function::fixed(1, |a| {
            let mut items = super::args::strslice(&arg(a, 0));
            items.sort();
            Ok(Value::list(items.into_iter().map(Value::String).collect()))
        }),
    );

    f.insert(
        "dict",
        Function::new(|a| {
            let entries = a.chunks(2).map(|pair| match pair {
                [k, v] => (strval(k), v.clone()),
                [k] => (strval(k), Value::from("")),
                _ => (Rc::from(""), Value::Nil),
            });
            Ok(Value::map(GoMap::from_entries(entries, Value::Nil)))
        }),
    );
    f.insert(
        "get",
        Function::fixed(2, |a| {
            let map = any_map(&arg(a, 0))?;
            let key = string(a, 1)?;
            Ok(map.get(&key).cloned().unwrap_or_else(|| Value::from("")))
        }),
    );
    f.insert(
        "set",
        Function::fixed(3, |a| {
            let mut map = (*any_map(&arg(a, 0))?).clone();
            map.insert(string(a, 1)?, arg(a, 2));
            Ok(Value::map(map))
        }),
    );
    f.insert(
        "unset",
        Function::fixed(2, |a| {
            let map = any_map(&arg(a, 0))?;
            let key = string(a, 1)?;
            Ok(Value::map(GoMap::from_entries(
                map.iter()
                    .filter(|(k, _)| k.as_ref() != key.as_ref())
                    .map(|(k, v)| (k.clone(), v.clone())),
                Value::Nil,
            )))
        }),
    );
    f.insert(
        "hasKey",
        Function::fixed(2, |a| {
            let map = any_map(&arg(a, 0))?;
            Ok(Value::Bool(map.contains_key(&string(a, 1)?)))
        }),
    );
    f.insert(
        "keys",
        Function::new(|a| {
            let mut out = Vec::new();
            for d in a {
                out.extend(any_map(d)?.iter().map(|(k, _)| Value::String(k.clone())));
            }
            Ok(Value::list(out))
        }),
    );
    f.insert(
        "values",
        Function::fixed(1, |a| {
            let map = any_map(&arg(a, 0))?;
            Ok(Value::list(map.iter().map(|(_, v)| v.clone()).collect()))
        }),
    );
    f.insert(
        "pick",
        Function::variadic(1, |a| {
            let map = any_map(&arg(a, 0))?;
            let keys: Vec<Rc<str>> = (1..a.len())
                .map(|i| string(a, i))
                .collect::<Result<_, _>>()?;
            Ok(Value::map(GoMap::from_entries(
                map.iter()
                    .filter(|(k, _)| keys.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone())),
                Value::Nil,
            )))
        }),
    );
    f.insert(
        "merge",
        Function::variadic(1, |a| {
            let mut dst = (*any_map(&arg(a, 0))?).clone();
            for src in a.get(1..).unwrap_or(&[]) {
                let src = any_map(src)?;
                merge_into(&mut dst, &src);
            }
            Ok(Value::map(dst))
        }),
    );
    f.insert("deepCopy", Function::fixed(1, |a| Ok(arg(a, 0))));
}

/// The items of a slice argument; anything else is the error sprig panics with.
fn list_items(v: &Value, func: &str) -> Result<Vec<Value>, FuncError> {
    match v {
        Value::List(items) => Ok(items.to_vec()),
        other => Err(FuncError::new(format!(
            "Cannot {} on type {}",
            if matches!(func, "push" | "prepend" | "compact") {
                func.to_string()
            } else {
                format!("find {func}")
            },
            other.type_name()
        ))),
    }
}

/// mergo's `Merge` without override: keys missing from `dst` (or empty there) are filled
/// from `src`; maps on both sides merge recursively.
fn merge_into(dst: &mut GoMap, src: &GoMap) {
    for (key, value) in src.iter() {
        let merged = match dst.get(key) {
            Some(Value::Map(d)) => match value {
                Value::Map(s) => {
                    let mut inner = (**d).clone();
                    merge_into(&mut inner, s);
                    Some(Value::map(inner))
                }
                _ => None,
            },
            Some(existing) if !empty(existing) => None,
            _ => Some(value.clone()),
        };
        if let Some(v) = merged {
            dst.insert(key.clone(), v);
        }
    }
}

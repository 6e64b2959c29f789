//! Sprig's defaults, type conversions, integer math, base64, JSON and regular expressions
//! (v3.3.0), with `cast` and Go library semantics.
//!
//! The regular expressions are `regex-lite`'s: RE2 syntax and leftmost-first matching as Go's
//! `regexp`, with `\d \w \s \b` and POSIX classes ASCII as in Go (its `\s` also matches `\v`,
//! Go's does not). Where Go's Unicode tables would be needed, it differs: `(?i)` folds ASCII
//! letters only, and `\pL`/`\p{Greek}` classes are refused with a compile error. The full
//! `regex` crate with its tables was a third of the policy's wasm, for functions Istio's
//! templates never call.

use base64::Engine;
use gotemplate::{FuncError, Funcs, Function, Value};
use regex_lite::Regex;
use serde_json::Value as Json;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::args::{
    arg, boolean, empty, go_json, go_json_text, int, parse_go_int, string, strslice, strval,
    to_float64, to_int64,
};

pub(crate) fn register(f: &mut Funcs) {
    f.insert(
        "default",
        Function::variadic(1, |a| {
            let given = a.get(1).cloned().unwrap_or(Value::Nil);
            Ok(if empty(&given) { arg(a, 0) } else { given })
        }),
    );
    f.insert(
        "empty",
        Function::fixed(1, |a| Ok(Value::Bool(empty(&arg(a, 0))))),
    );
    f.insert(
        "coalesce",
        Function::new(|a| Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))),
    );
    f.insert(
        "ternary",
        Function::fixed(3, |a| {
            Ok(if boolean(a, 2)? { arg(a, 0) } else { arg(a, 1) })
        }),
    );
    f.insert(
        "toString",
        Function::fixed(1, |a| Ok(Value::String(strval(&arg(a, 0))))),
    );
    f.insert(
        "toStrings",
        Function::fixed(1, |a| {
            Ok(Value::list(
                strslice(&arg(a, 0))
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            ))
        }),
    );
    f.insert(
        "atoi",
        Function::fixed(1, |a| {
            let s = string(a, 0)?;
            // strconv.Atoi: decimal only; the error is dropped.
            let digits = s.trim_start_matches(['+', '-']);
            let prefixed = s.contains(['x', 'X', 'o', 'O', 'b', 'B', '_'])
                || (digits.len() > 1 && digits.starts_with('0'));
            let decimal = !prefixed;
            Ok(Value::Int(if decimal {
                parse_go_int(&s).unwrap_or(0)
            } else {
                0
            }))
        }),
    );
    for name in ["int", "int64"] {
        f.insert(
            name,
            Function::fixed(1, |a| Ok(Value::Int(to_int64(&arg(a, 0))))),
        );
    }
    f.insert(
        "float64",
        Function::fixed(1, |a| Ok(Value::Float(to_float64(&arg(a, 0))))),
    );
    f.insert(
        "add",
        Function::new(|a| {
            Ok(Value::Int(
                a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
            ))
        }),
    );
    f.insert(
        "add1",
        Function::fixed(1, |a| Ok(Value::Int(to_int64(&arg(a, 0)).wrapping_add(1)))),
    );
    f.insert(
        "sub",
        Function::fixed(2, |a| {
            Ok(Value::Int(
                to_int64(&arg(a, 0)).wrapping_sub(to_int64(&arg(a, 1))),
            ))
        }),
    );
    f.insert(
        "mul",
        Function::variadic(1, |a| {
            Ok(Value::Int(
                a.iter()
                    .skip(1)
                    .fold(to_int64(&arg(a, 0)), |acc, v| acc.wrapping_mul(to_int64(v))),
            ))
        }),
    );
    f.insert(
        "div",
        Function::fixed(2, |a| {
            let divisor = to_int64(&arg(a, 1));
            if divisor == 0 {
                return Err(FuncError::new("runtime error: integer divide by zero"));
            }
            Ok(Value::Int(to_int64(&arg(a, 0)).wrapping_div(divisor)))
        }),
    );
    f.insert(
        "mod",
        Function::fixed(2, |a| {
            let divisor = to_int64(&arg(a, 1));
            if divisor == 0 {
                return Err(FuncError::new("runtime error: integer divide by zero"));
            }
            Ok(Value::Int(to_int64(&arg(a, 0)).wrapping_rem(divisor)))
        }),
    );
    f.insert(
        "max",
        Function::variadic(1, |a| {
            Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0)))
        }),
    );
    f.insert(
        "min",
        Function::variadic(1, |a| {
            Ok(Value::Int(a.iter().map(to_int64).min().unwrap_or(0)))
        }),
    );

    f.insert(
        "b64enc",
        Function::fixed(1, |a| {
            Ok(Value::from(
                base64::engine::general_purpose::STANDARD.encode(string(a, 0)?.as_bytes()),
            ))
        }),
    );
    f.insert(
        "b64dec",
        Function::fixed(1, |a| {
            let s = string(a, 0)?;
            // Sprig returns the error text in place of the result.
            Ok(Value::from(
                match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
                    Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                    Err(e) => go_base64_error(&e, s.len()),
                },
            ))
        }),
    );

    f.insert(
        "toJson",
        Function::fixed(1, |a| {
            Ok(Value::from(go_json_text(&arg(a, 0)).unwrap_or_default()))
        }),
    );
    f.insert(
        "toPrettyJson",
        Function::fixed(1, |a| {
            Ok(Value::from(
                go_json(&arg(a, 0))
                    .map(|j| pretty_json(&j))
                    .unwrap_or_default(),
            ))
        }),
    );
    f.insert(
        "fromJson",
        Function::fixed(1, |a| {
            let text = string(a, 0)?;
            Ok(serde_json::from_str::<Json>(&text).map_or(Value::Nil, |j| Value::from_json(&j)))
        }),
    );

    f.insert(
        "typeOf",
        Function::fixed(1, |a| Ok(Value::from(type_of(&arg(a, 0))))),
    );
    f.insert(
        "kindOf",
        Function::fixed(1, |a| Ok(Value::from(kind_of(&arg(a, 0))))),
    );
    f.insert(
        "typeIs",
        Function::fixed(2, |a| {
            Ok(Value::Bool(*string(a, 0)? == *type_of(&arg(a, 1))))
        }),
    );
    f.insert(
        "kindIs",
        Function::fixed(2, |a| {
            Ok(Value::Bool(*string(a, 0)? == *kind_of(&arg(a, 1))))
        }),
    );

    let cache = Rc::new(RegexCache::default());
    let c = cache.clone();
    f.insert(
        "regexMatch",
        Function::fixed(2, move |a| {
            let re = c.get(&string(a, 0)?);
            let s = string(a, 1)?;
            // Sprig drops the compile error: an invalid pattern matches nothing.
            Ok(Value::Bool(re.is_ok_and(|re| re.is_match(&s))))
        }),
    );
    let c = cache.clone();
    f.insert(
        "regexFind",
        Function::fixed(2, move |a| {
            let re = c.get(&string(a, 0)?)?;
            let s = string(a, 1)?;
            Ok(Value::from(re.find(&s).map_or("", |m| m.as_str())))
        }),
    );
    let c = cache.clone();
    f.insert(
        "regexFindAll",
        Function::fixed(3, move |a| {
            let re = c.get(&string(a, 0)?)?;
            let s = string(a, 1)?;
            let n = int(a, 2)?;
            let limit = if n < 0 {
                usize::MAX
            } else {
                usize::try_from(n).unwrap_or(0)
            };
            Ok(Value::list(
                re.find_iter(&s)
                    .take(limit)
                    .map(|m| Value::from(m.as_str()))
                    .collect(),
            ))
        }),
    );
    let c = cache.clone();
    f.insert(
        "regexReplaceAll",
        Function::fixed(3, move |a| {
            let re = c.get(&string(a, 0)?)?;
            let s = string(a, 1)?;
            let repl = string(a, 2)?;
            Ok(Value::from(re.replace_all(&s, &*repl).into_owned()))
        }),
    );
    let c = cache;
    f.insert(
        "regexReplaceAllLiteral",
        Function::fixed(3, move |a| {
            let re = c.get(&string(a, 0)?)?;
            let s = string(a, 1)?;
            let repl = string(a, 2)?;
            Ok(Value::from(
                re.replace_all(&s, regex_lite::NoExpand(&repl)).into_owned(),
            ))
        }),
    );
}

/// Compiled patterns, kept for the life of the function table (bounded).
#[derive(Default)]
struct RegexCache {
    compiled: RefCell<HashMap<Rc<str>, Result<Regex, String>>>,
}

impl RegexCache {
    const MAX_ENTRIES: usize = 64;

    /// The compiled pattern; a bad pattern is Go's `MustCompile` panic text.
    fn get(&self, pattern: &Rc<str>) -> Result<Regex, FuncError> {
        if let Some(hit) = self.compiled.borrow().get(pattern) {
            return hit.clone().map_err(FuncError::new);
        }
        let compiled = Regex::new(pattern).map_err(|e| {
            format!(
                "regexp: Compile({}): error parsing regexp: {}",
                crate::golang::strconv::quote(pattern),
                e.to_string().lines().last().unwrap_or_default().trim()
            )
        });
        let mut cache = self.compiled.borrow_mut();
        if cache.len() >= Self::MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(pattern.clone(), compiled.clone());
        compiled.map_err(FuncError::new)
    }
}

/// Go's `base64.CorruptInputError` text.
fn go_base64_error(e: &base64::DecodeError, len: usize) -> String {
    let offset = match e {
        base64::DecodeError::InvalidByte(offset, _)
        | base64::DecodeError::InvalidLastSymbol(offset, _) => *offset,
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => len,
    };
    format!("illegal base64 data at input byte {offset}")
}

/// `fmt.Sprintf("%T", v)`.
fn type_of(v: &Value) -> Rc<str> {
    match v {
        Value::NoValue | Value::Nil => Rc::from("<nil>"),
        other => Rc::from(other.type_name()),
    }
}

/// `reflect.Value.Kind().String()`.
fn kind_of(v: &Value) -> Rc<str> {
    Rc::from(match v {
        Value::NoValue | Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Func(_) => "func",
        Value::Object(o) => {
            if o.type_name().starts_with('*') {
                "ptr"
            } else {
                "struct"
            }
        }
    })
}

/// `json.MarshalIndent(v, "", "  ")`.
fn pretty_json(v: &Json) -> String {
    fn write(out: &mut String, v: &Json, depth: usize) {
        let pad = |out: &mut String, d: usize| {
            out.push('\n');
            out.extend(std::iter::repeat_n("  ", d));
        };
        match v {
            Json::Array(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    write(out, item, depth + 1);
                }
                pad(out, depth);
                out.push(']');
            }
            Json::Object(map) if !map.is_empty() => {
                out.push('{');
                for (i, (k, item)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    crate::golang::json::write_string(out, k);
                    out.push_str(": ");
                    write(out, item, depth + 1);
                }
                pad(out, depth);
                out.push('}');
            }
            other => out.push_str(&crate::golang::json::encode(other)),
        }
    }
    let mut out = String::new();
    write(&mut out, v, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pretty_json_is_go_marshal_indent() {
        assert_eq!(
            pretty_json(&json!({"a": 1, "b": [1, "<"], "c": {}, "d": []})),
            "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    \"\\u003c\"\n  ],\n  \"c\": {},\n  \"d\": []\n}"
        );
    }
}

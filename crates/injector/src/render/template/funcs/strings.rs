//! Sprig's string functions (v3.3.0), with Go's `strings` semantics.

use gotemplate::{FuncError, Funcs, Function, Map as GoMap, Value};
use std::rc::Rc;

use super::args::{arg, byte_slice, indent_width, int, string, strslice, strval};
use crate::render::istio_funcs;

/// Largest string `repeat` builds; Go would build any size and exhaust memory.
const MAX_REPEAT_BYTES: usize = 16 << 20;

pub(crate) fn register(f: &mut Funcs) {
    f.insert(
        "quote",
        Function::new(|a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil_or_missing())
                .map(|v| crate::golang::strconv::quote(&strval(v)))
                .collect();
            Ok(Value::from(parts.join(" ")))
        }),
    );
    f.insert(
        "squote",
        Function::new(|a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil_or_missing())
                .map(|v| format!("'{}'", strval(v)))
                .collect();
            Ok(Value::from(parts.join(" ")))
        }),
    );
    f.insert(
        "cat",
        Function::new(|a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil_or_missing())
                .map(|v| strval(v).to_string())
                .collect();
            Ok(Value::from(parts.join(" ")))
        }),
    );
    f.insert("trunc", Function::fixed(2, trunc));
    f.insert(
        "trim",
        Function::fixed(1, |a| Ok(Value::from(string(a, 0)?.trim()))),
    );
    f.insert(
        "trimAll",
        Function::fixed(2, |a| {
            let cutset = string(a, 0)?;
            let s = string(a, 1)?;
            Ok(Value::from(istio_funcs::trim_all(&cutset, &s)))
        }),
    );
    f.insert(
        "trimPrefix",
        Function::fixed(2, |a| {
            let prefix = string(a, 0)?;
            let s = string(a, 1)?;
            Ok(Value::from(s.strip_prefix(&*prefix).unwrap_or(&s)))
        }),
    );
    f.insert(
        "trimSuffix",
        Function::fixed(2, |a| {
            let suffix = string(a, 0)?;
            let s = string(a, 1)?;
            Ok(Value::from(s.strip_suffix(&*suffix).unwrap_or(&s)))
        }),
    );
    f.insert(
        "upper",
        Function::fixed(1, |a| Ok(Value::from(string(a, 0)?.to_uppercase()))),
    );
    f.insert(
        "lower",
        Function::fixed(1, |a| Ok(Value::from(string(a, 0)?.to_lowercase()))),
    );
    f.insert(
        "title",
        Function::fixed(1, |a| Ok(Value::from(title(&string(a, 0)?)))),
    );
    f.insert(
        "replace",
        Function::fixed(3, |a| {
            let old = string(a, 0)?;
            let new = string(a, 1)?;
            let src = string(a, 2)?;
            Ok(Value::from(src.replace(&*old, &new)))
        }),
    );
    f.insert("repeat", Function::fixed(2, repeat));
    f.insert("substr", Function::fixed(3, substr));
    f.insert(
        "nospace",
        Function::fixed(1, |a| {
            let s = string(a, 0)?;
            Ok(Value::from(
                s.chars().filter(|c| !c.is_whitespace()).collect::<String>(),
            ))
        }),
    );
    f.insert(
        "hasPrefix",
        Function::fixed(2, |a| {
            Ok(Value::Bool(string(a, 1)?.starts_with(&*string(a, 0)?)))
        }),
    );
    f.insert(
        "hasSuffix",
        Function::fixed(2, |a| {
            Ok(Value::Bool(string(a, 1)?.ends_with(&*string(a, 0)?)))
        }),
    );
    f.insert(
        "split",
        Function::fixed(2, |a| {
            let sep = string(a, 0)?;
            let s = string(a, 1)?;
            let entries = go_split(&s, &sep)
                .into_iter()
                .enumerate()
                .map(|(i, part)| (format!("_{i}"), Value::from(part)));
            Ok(Value::map(GoMap::from_entries(entries, Value::from(""))))
        }),
    );
    f.insert(
        "splitList",
        Function::fixed(2, |a| {
            let sep = string(a, 0)?;
            let s = string(a, 1)?;
            Ok(Value::list(
                go_split(&s, &sep).into_iter().map(Value::from).collect(),
            ))
        }),
    );
    f.insert(
        "join",
        Function::fixed(2, |a| {
            let sep = string(a, 0)?;
            let parts: Vec<Rc<str>> = strslice(&arg(a, 1));
            let parts: Vec<&str> = parts.iter().map(|s| &**s).collect();
            Ok(Value::from(parts.join(&sep)))
        }),
    );
    f.insert(
        "nindent",
        Function::fixed(2, |a| {
            let s = string(a, 1)?;
            let n = indent_width(a, 0, &s)?;
            Ok(Value::from(istio_funcs::nindent(n, &s)))
        }),
    );
}

/// Go's `strings.Split`: an empty separator splits into characters.
fn go_split<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    if sep.is_empty() {
        return s
            .char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect();
    }
    s.split(sep).collect()
}

/// `trunc n s`: the first `n` bytes, or for negative `n` the last `-n`.
fn trunc(a: &[Value]) -> Result<Value, FuncError> {
    let c = int(a, 0)?;
    let s = string(a, 1)?;
    let len = i64::try_from(s.len()).unwrap_or(i64::MAX);
    let out = if c < 0 && len + c > 0 {
        byte_slice(&s, usize::try_from(len + c).unwrap_or(0), s.len())
    } else if c >= 0 && len > c {
        istio_funcs::trunc(usize::try_from(c).unwrap_or(0), &s)
    } else {
        s.to_string()
    };
    Ok(Value::from(out))
}

fn repeat(a: &[Value]) -> Result<Value, FuncError> {
    let count = int(a, 0)?;
    let s = string(a, 1)?;
    let Ok(count) = usize::try_from(count) else {
        return Err(FuncError::new("strings: negative Repeat count"));
    };
    if s.len().saturating_mul(count) > MAX_REPEAT_BYTES {
        return Err(FuncError::new(format!(
            "repeat: the result would exceed {MAX_REPEAT_BYTES} bytes"
        )));
    }
    Ok(Value::from(s.repeat(count)))
}

/// `substr start end s`: Go byte slicing; out-of-range bounds are Go's runtime panic.
fn substr(a: &[Value]) -> Result<Value, FuncError> {
    let start = int(a, 0)?;
    let end = int(a, 1)?;
    let s = string(a, 2)?;
    let len = s.len();
    let out_of_range = |lo: i64, hi: i64| {
        FuncError::new(format!(
            "runtime error: slice bounds out of range [{lo}:{hi}]"
        ))
    };
    let as_index = |i: i64| usize::try_from(i).ok();
    let (lo, hi) = if start < 0 {
        (Some(0), as_index(end))
    } else if end < 0 || as_index(end).is_none_or(|e| e > len) {
        (as_index(start), Some(len))
    } else {
        (as_index(start), as_index(end))
    };
    match (lo, hi) {
        (Some(lo), Some(hi)) if lo <= hi && hi <= len => Ok(Value::from(byte_slice(&s, lo, hi))),
        _ => Err(out_of_range(start.max(0), end)),
    }
}

/// Go's (deprecated) `strings.Title`: upper-cases the first letter of each word, words
/// being separated by anything but letters, digits and `_`.
fn title(s: &str) -> String {
    let mut prev_separator = true;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if prev_separator {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_separator = is_separator(c);
    }
    out
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_strings_facts() {
        assert_eq!(title("hello world-foo_bar"), "Hello World-Foo_bar");
        assert_eq!(go_split("a,b,,c", ","), vec!["a", "b", "", "c"]);
        assert_eq!(go_split("abc", ""), vec!["a", "b", "c"]);
        assert_eq!(go_split("", ","), vec![""]);
    }
}

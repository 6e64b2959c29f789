//! Go's builtin template functions (`funcs.go`), over raw values.
//!
//! "Raw" means as Go's `reflect.Value` parameters receive them: a nil interface is still
//! distinguishable from no value, and each function indirects as Go's does. Errors are Go's
//! messages; the executor wraps them as `error calling NAME: ...`.

use std::rc::Rc;

use crate::gofmt;
use crate::value::Value;

/// A builtin function, with how its parameters are typed in Go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Html,
    Js,
    Urlquery,
    Call,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// How an argument is converted before the call (Go's parameter type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// `interface{}`: no value becomes nil.
    Any,
    /// `reflect.Value`: passed as is.
    Raw,
    /// `string`.
    Str,
}

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::Urlquery,
            "call" => Builtin::Call,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            _ => return None,
        })
    }

    /// Fixed parameter count and whether more may follow (Go's signature).
    pub fn arity(self) -> (usize, bool) {
        match self {
            Builtin::Not | Builtin::Len => (1, false),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (2, false),
            Builtin::And
            | Builtin::Or
            | Builtin::Index
            | Builtin::Slice
            | Builtin::Printf
            | Builtin::Call
            | Builtin::Eq => (1, true),
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::Urlquery => {
                (0, true)
            }
        }
    }

    pub fn param(self, index: usize) -> Param {
        match self {
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::Urlquery => {
                Param::Any
            }
            Builtin::Printf if index == 0 => Param::Str,
            Builtin::Printf => Param::Any,
            _ => Param::Raw,
        }
    }

    /// Calls every builtin except `and`, `or` and `call`, which the executor handles.
    pub fn apply(self, args: &[Value]) -> Result<Value, String> {
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        match self {
            Builtin::Not => Ok(Value::Bool(!arg(0).is_true())),
            Builtin::Len => length(&arg(0)),
            Builtin::Index => index(args),
            Builtin::Slice => slice(args),
            Builtin::Print => Ok(Value::from(gofmt::sprint(args))),
            Builtin::Println => Ok(Value::from(gofmt::sprintln(args))),
            Builtin::Printf => {
                let format = arg(0);
                let rest = args.get(1..).unwrap_or(&[]);
                Ok(Value::from(gofmt::sprintf(
                    format.as_str().unwrap_or(""),
                    rest,
                )))
            }
            Builtin::Html => Ok(Value::from(html_escape(&eval_args(args)))),
            Builtin::Js => Ok(Value::from(js_escape(&eval_args(args)))),
            Builtin::Urlquery => Ok(Value::from(query_escape(&eval_args(args)))),
            Builtin::Eq => eq(args).map(Value::Bool),
            Builtin::Ne => eq(args).map(|b| Value::Bool(!b)),
            Builtin::Lt => lt(&arg(0), &arg(1)).map(Value::Bool),
            Builtin::Le => le(&arg(0), &arg(1)).map(Value::Bool),
            Builtin::Gt => le(&arg(0), &arg(1)).map(|b| Value::Bool(!b)),
            Builtin::Ge => lt(&arg(0), &arg(1)).map(|b| Value::Bool(!b)),
            Builtin::And | Builtin::Or | Builtin::Call => {
                Err("internal error: builtin evaluated specially".into())
            }
        }
    }
}

/// Go's `indirectInterface`: a nil interface is no value.
pub(crate) fn indirect_interface(v: &Value) -> Value {
    match v {
        Value::Nil => Value::NoValue,
        other => other.clone(),
    }
}

fn length(item: &Value) -> Result<Value, String> {
    let n = match item {
        Value::Nil => return Err("len of nil pointer".into()),
        Value::Object(o) if o.is_nil() => return Err("len of nil pointer".into()),
        Value::NoValue => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::String(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        other => return Err(format!("len of type {}", other.type_name())),
    };
    Ok(Value::Int(n as i64))
}

/// Go's `indexArg`: an integer index within `0..=cap`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i64 = match index {
        Value::Int(i) => *i,
        Value::Uint(u) => *u as i64,
        Value::NoValue => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ));
        }
    };
    match usize::try_from(x) {
        Ok(u) if u <= cap => Ok(u),
        _ => Err(format!("index out of range: {x}")),
    }
}

fn index(args: &[Value]) -> Result<Value, String> {
    let mut item = indirect_interface(args.first().unwrap_or(&Value::NoValue));
    if matches!(item, Value::NoValue) {
        return Err("index of untyped nil".into());
    }
    for idx in args.iter().skip(1) {
        let idx = indirect_interface(idx);
        item = match &item {
            Value::Object(o) if o.is_nil() => return Err("index of nil pointer".into()),
            Value::List(l) => {
                let x = index_arg(&idx, l.len())?;
                l.get(x)
                    .cloned()
                    .ok_or("reflect: slice index out of range")?
            }
            Value::String(s) => {
                let x = index_arg(&idx, s.len())?;
                let b = s
                    .as_bytes()
                    .get(x)
                    .ok_or("reflect: string index out of range")?;
                Value::Uint(u64::from(*b))
            }
            Value::Map(m) => {
                let key = match &idx {
                    Value::String(k) => k,
                    Value::NoValue => {
                        return Err("value is nil; should be of type string".into());
                    }
                    other => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.type_name()
                        ));
                    }
                };
                m.get(key).unwrap_or_else(|| m.elem_zero()).clone()
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn slice(args: &[Value]) -> Result<Value, String> {
    let item = indirect_interface(args.first().unwrap_or(&Value::NoValue));
    if matches!(item, Value::NoValue) {
        return Err("slice of untyped nil".into());
    }
    let indexes = args.get(1..).unwrap_or(&[]);
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match &item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0usize, len, 0];
    for (i, index) in indexes.iter().enumerate() {
        let x = index_arg(index, len)?;
        if let Some(slot) = idx.get_mut(i) {
            *slot = x;
        }
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match &item {
        Value::String(s) => {
            let bytes = s.as_bytes().get(idx[0]..idx[1]).unwrap_or(&[]);
            Value::from(String::from_utf8_lossy(bytes).into_owned())
        }
        Value::List(l) => Value::List(Rc::new(l.get(idx[0]..idx[1]).unwrap_or(&[]).to_vec())),
        _ => Value::NoValue,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) => Kind::Int,
        Value::Uint(_) => Kind::Uint,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

/// Go's reflect kind, for the non-basic values `eq` compares.
fn reflect_kind(v: &Value) -> u8 {
    match v {
        Value::NoValue | Value::Nil => 0,
        Value::List(_) => 1,
        Value::Map(_) => 2,
        Value::Object(_) => 3,
        Value::Func(_) => 4,
        _ => 5,
    }
}

fn is_nil(v: &Value) -> bool {
    match v {
        Value::NoValue | Value::Nil => true,
        Value::Object(o) => o.is_nil(),
        _ => false,
    }
}

fn incompatible(a: &Value, b: &Value) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    )
}

/// Go's `eq`: true if the first argument equals any of the others.
fn eq(args: &[Value]) -> Result<bool, String> {
    let a = indirect_interface(args.first().unwrap_or(&Value::NoValue));
    if args.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(&a);
    for b in args.iter().skip(1) {
        let b = indirect_interface(b);
        let k2 = basic_kind(&b);
        let truth = if k1 != k2 {
            match (&a, &b) {
                (Value::Int(x), Value::Uint(y)) => *x >= 0 && *x as u64 == *y,
                (Value::Uint(x), Value::Int(y)) => *y >= 0 && *x == *y as u64,
                _ => {
                    if !matches!(a, Value::NoValue) && !matches!(b, Value::NoValue) {
                        return Err(incompatible(&a, &b));
                    }
                    false
                }
            }
        } else {
            match (&a, &b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::Uint(x), Value::Uint(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                _ => {
                    let (ka, kb) = (reflect_kind(&a), reflect_kind(&b));
                    if ka != kb && ka != 0 && kb != 0 {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            a,
                            a.type_name(),
                            b.type_name(),
                            b
                        ));
                    }
                    if is_nil(&a) || is_nil(&b) {
                        is_nil(&a) == is_nil(&b)
                    } else {
                        match (&a, &b) {
                            (Value::Object(x), Value::Object(y)) => {
                                std::ptr::addr_eq(Rc::as_ptr(x), Rc::as_ptr(y))
                            }
                            _ => {
                                return Err(format!(
                                    "non-comparable type {}: {}",
                                    b,
                                    b.type_name()
                                ));
                            }
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    const BAD: &str = "invalid type for comparison";
    let a = indirect_interface(a);
    let k1 = basic_kind(&a);
    if k1 == Kind::Invalid {
        return Err(BAD.into());
    }
    let b = indirect_interface(b);
    if basic_kind(&b) == Kind::Invalid {
        return Err(BAD.into());
    }
    Ok(match (&a, &b) {
        (Value::Int(x), Value::Uint(y)) => *x < 0 || (*x as u64) < *y,
        (Value::Uint(x), Value::Int(y)) => *y >= 0 && *x < *y as u64,
        (Value::Bool(_), Value::Bool(_)) => return Err(BAD.into()),
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Uint(x), Value::Uint(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
        _ => return Err(incompatible(&a, &b)),
    })
}

fn le(a: &Value, b: &Value) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(&[a.clone(), b.clone()])
}

/// Go's `evalArgs` for the escapers: one string as is, otherwise `fmt.Sprint` with nil and no
/// value shown as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Nil | Value::NoValue => Value::string("<no value>"),
            other => other.clone(),
        })
        .collect();
    gofmt::sprint(&printable)
}

/// Go's `HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    if !s.contains(['\'', '"', '&', '<', '>', '\0']) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if c.is_ascii() => out.push(c),
            c if gofmt::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

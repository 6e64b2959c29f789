//! Go `text/template` behaviours, one row each: template, data, and Go's output or error.
//!
//! Rows are transcribed from Go's own tests (`exec_test.go`, `parse_test.go`, `lex_test.go`,
//! `fmt_test.go`) and documented behaviour; the data mirrors Go's `tVal` test struct with a host
//! `Object` (fields and methods with Go names) and JSON-shaped maps.

use std::rc::Rc;

use gotemplate::{
    ErrorKind, FuncError, Funcs, Function, Limits, Map, MissingKey, Object, Templates, Value,
};

// ---------------------------------------------------------------------------------------------
// Test data: Go's `T` struct as a host object.

/// Go's `U{V string}`.
struct U(&'static str);

impl Object for U {
    fn type_name(&self) -> &str {
        "*template.U"
    }
    fn field(&self, name: &str) -> Option<Value> {
        (name == "V").then(|| Value::from(self.0))
    }
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        (name == "TrueFalse").then(|| match args {
            [Value::Bool(b)] => Ok(Value::from(if *b { "true" } else { "" })),
            [other] => Err(FuncError::wrong_type("bool", other)),
            _ => Err(FuncError::new("wrong number of args for TrueFalse: want 1")),
        })
    }
    fn format(&self) -> String {
        format!("{{{}}}", self.0)
    }
}

/// Go's `*T` (nil when `nil` is set).
struct T {
    nil: bool,
}

fn int_map(entries: &[(&str, i64)]) -> Value {
    Value::map(Map::from_entries(
        entries.iter().map(|(k, v)| (*k, Value::Int(*v))),
        Value::Int(0),
    ))
}

fn ints(v: &[i64]) -> Value {
    Value::list(v.iter().map(|i| Value::Int(*i)).collect())
}

fn str_fn(f: impl Fn(&[String]) -> String + 'static, n: Option<usize>) -> Function {
    let call = move |args: &[Value]| {
        let mut strs = Vec::new();
        for a in args {
            match a {
                Value::String(s) => strs.push(s.to_string()),
                other => return Err(FuncError::wrong_type("string", other)),
            }
        }
        Ok(Value::from(f(&strs)))
    };
    match n {
        Some(n) => Function::fixed(n, call).with_type_name("func(string, string) string"),
        None => Function::new(call).with_type_name("func(...string) string"),
    }
}

impl Object for T {
    fn type_name(&self) -> &str {
        "*template.T"
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "True" => Value::Bool(true),
            "I" => Value::Int(17),
            "U16" => Value::Uint(16),
            "X" => Value::from("x"),
            "S" => Value::from("xyz"),
            "FloatZero" => Value::Float(0.0),
            "U" => Value::object(U("v")),
            "SI" => ints(&[3, 4, 5]),
            "SIEmpty" => ints(&[]),
            "SB" => Value::list(vec![Value::Bool(true), Value::Bool(false)]),
            "MSI" => int_map(&[("one", 1), ("two", 2), ("three", 3)]),
            "MSIone" => int_map(&[("one", 1)]),
            "MSIEmpty" => int_map(&[]),
            "MXI" => Value::map(Map::from_entries([("one", Value::Int(1))], Value::Nil)),
            "SMSI" => Value::list(vec![
                int_map(&[("one", 1), ("two", 2)]),
                int_map(&[("eleven", 11), ("twelve", 12)]),
            ]),
            "Empty0" => Value::Nil,
            "Empty1" => Value::Int(3),
            "Empty2" => Value::from("empty2"),
            "Empty3" => ints(&[7, 8]),
            "Empty4" => Value::object(U("UinEmpty")),
            "NIL" => Value::object(T { nil: true }),
            "BinaryFunc" => str_fn(|s| format!("[{}={}]", s[0], s[1]), Some(2)).into(),
            "VariadicFunc" => str_fn(|s| format!("<{}>", s.join("+")), None).into(),
            "ErrFunc" => Value::Func(Function::fixed(0, |_| Ok(Value::from("bla")))),
            "NilOKFunc" => Value::Func(Function::fixed(1, |a| {
                Ok(Value::Bool(matches!(a.first(), Some(Value::Nil))))
            })),
            "unexported" => return None,
            _ => return None,
        })
    }

    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        let arity = |n: usize| -> Result<(), FuncError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(FuncError::new(format!(
                    "wrong number of args for {name}: want {n} got {}",
                    args.len()
                )))
            }
        };
        Some((|| match name {
            "Method0" => {
                arity(0)?;
                Ok(Value::from("M0"))
            }
            "Method1" => {
                arity(1)?;
                match &args[0] {
                    Value::Int(i) => Ok(Value::Int(*i)),
                    other => Err(FuncError::wrong_type("int", other)),
                }
            }
            "Method2" => {
                arity(2)?;
                match (&args[0], &args[1]) {
                    (Value::Int(a), Value::String(b)) => {
                        Ok(Value::from(format!("Method2: {a} {b}")))
                    }
                    (Value::Uint(a), Value::String(b)) => {
                        Ok(Value::from(format!("Method2: {a} {b}")))
                    }
                    (_, other) => Err(FuncError::wrong_type("string", other)),
                }
            }
            "Method3" => {
                arity(1)?;
                Ok(Value::from(gotemplate::gofmt::sprintf(
                    "Method3: %v",
                    &args[..1],
                )))
            }
            "MAdd" => {
                arity(2)?;
                let (Value::Int(a), Value::List(b)) = (&args[0], &args[1]) else {
                    return Err(FuncError::new("bad MAdd args"));
                };
                Ok(Value::list(
                    b.iter()
                        .map(|x| match x {
                            Value::Int(x) => Value::Int(x + a),
                            _ => Value::NoValue,
                        })
                        .collect(),
                ))
            }
            "MyError" => {
                arity(1)?;
                if matches!(args[0], Value::Bool(true)) {
                    Err(FuncError::new("my error"))
                } else {
                    Ok(Value::Bool(false))
                }
            }
            "GetU" => {
                if self.nil {
                    return Err(FuncError::new(
                        "runtime error: invalid memory address or nil pointer dereference",
                    ));
                }
                Ok(Value::object(U("v")))
            }
            _ => Err(FuncError::new("unreachable")),
        })())
        .filter(|_| {
            matches!(
                name,
                "Method0" | "Method1" | "Method2" | "Method3" | "MAdd" | "MyError" | "GetU"
            )
        })
    }

    fn is_nil(&self) -> bool {
        self.nil
    }

    fn format(&self) -> String {
        if self.nil {
            "<nil>".into()
        } else {
            "&{...}".into()
        }
    }
}

fn t_val() -> Value {
    Value::object(T { nil: false })
}

fn json(text: &str) -> Value {
    Value::from_json(&serde_json::from_str(text).unwrap())
}

/// The functions of Go's `testExecute`.
fn funcs() -> Funcs {
    let mut f = Funcs::new();
    f.insert(
        "add",
        Function::new(|a| {
            let mut sum = 0;
            for x in a {
                match x {
                    Value::Int(i) => sum += i,
                    other => return Err(FuncError::wrong_type("int", other)),
                }
            }
            Ok(Value::Int(sum))
        }),
    );
    f.insert("die", Function::fixed(0, |_| Err(FuncError::new("die"))));
    f.insert("echo", Function::fixed(1, |a| Ok(a[0].clone())));
    f.insert(
        "makemap",
        Function::new(|a| {
            let mut m = Map::with_elem_zero(Value::from(""));
            for pair in a.chunks(2) {
                if let [k, v] = pair {
                    m.insert(k.as_str().unwrap_or(""), v.clone());
                }
            }
            Ok(Value::map(m))
        }),
    );
    f.insert(
        "mapOfThree",
        Function::fixed(0, |_| Ok(int_map(&[("three", 3)]))),
    );
    f.insert(
        "oneArg",
        Function::fixed(1, |a| match &a[0] {
            Value::String(s) => Ok(Value::from(format!("oneArg={s}"))),
            other => Err(FuncError::wrong_type("string", other)),
        }),
    );
    f.insert(
        "twoArgs",
        Function::fixed(2, |a| match (&a[0], &a[1]) {
            (Value::String(x), Value::String(y)) => Ok(Value::from(format!("twoArgs={x}{y}"))),
            (Value::String(_), other) | (other, _) => Err(FuncError::wrong_type("string", other)),
        }),
    );
    f.insert("returnInt", Function::fixed(0, |_| Ok(Value::Int(7))));
    f.insert(
        "typeOf",
        Function::fixed(1, |a| Ok(Value::from(gotemplate::gofmt::sprintf("%T", a)))),
    );
    f.insert(
        "zeroArgs",
        Function::fixed(0, |_| Ok(Value::from("zeroArgs"))),
    );
    f.insert(
        "doPanic",
        Function::fixed(0, |_| Err(FuncError::new("custom panic string"))),
    );
    f
}

// ---------------------------------------------------------------------------------------------
// The table.

enum Want {
    Out(&'static str),
    /// Execution fails; the error text contains this.
    ExecErr(&'static str),
    /// Parsing fails; the error text contains this.
    ParseErr(&'static str),
}

use Want::*;

struct Case {
    name: &'static str,
    input: &'static str,
    data: fn() -> Value,
    want: Want,
}

fn none() -> Value {
    Value::NoValue
}

macro_rules! cases {
    ($($name:literal, $input:expr, $data:expr, $want:expr;)*) => {
        vec![$(Case { name: $name, input: $input, data: $data, want: $want }),*]
    };
}

fn run(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for c in &cases {
        let mut set = Templates::new(funcs());
        let data = (c.data)();
        let got = set
            .parse(c.name, c.input)
            .map_err(|e| (true, e.to_string()))
            .and_then(|()| {
                set.execute(c.name, &data)
                    .map_err(|e| (false, e.to_string()))
            });
        let ok = match (&c.want, &got) {
            (Out(w), Ok(o)) => o == w,
            (ExecErr(w), Err((false, e))) => e.contains(w),
            (ParseErr(w), Err((true, e))) => e.contains(w),
            _ => false,
        };
        if !ok {
            let want = match &c.want {
                Out(w) => format!("output {w:?}"),
                ExecErr(w) => format!("exec error containing {w:?}"),
                ParseErr(w) => format!("parse error containing {w:?}"),
            };
            failures.push(format!(
                "{}: {:?}\n    want {want}\n    got  {got:?}",
                c.name, c.input
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn exec_basics() {
    run(cases![
        "empty", "", none, Out("");
        "text", "some text", none, Out("some text");
        "nil action", "{{nil}}", none, ExecErr("nil is not a command");
        "ideal int", "{{typeOf 3}}", none, Out("int");
        "ideal float", "{{typeOf 1.0}}", none, Out("float64");
        "ideal exp float", "{{typeOf 1e1}}", none, Out("float64");
        "ideal hex int", "{{typeOf 0x7fffffffffffffff}}", none, Out("int");
        "ideal too big", "{{typeOf 0x8000000000000000}}", none, ExecErr("0x8000000000000000 overflows int");
        "ideal char", "{{typeOf 'x'}} {{'x'}}", none, Out("int 120");
        "complex rejected", "{{1i}}", none, ParseErr("complex numbers are not supported");
        ".X", "-{{.X}}-", t_val, Out("-x-");
        ".U.V", "-{{.U.V}}-", t_val, Out("-v-");
        ".unexported", "{{.unexported}}", t_val, ExecErr("can't evaluate field unexported in type *template.T");
        "map .one", "{{.MSI.one}}", t_val, Out("1");
        "map .two", "{{.MSI.two}}", t_val, Out("2");
        "map .NO", "{{.MSI.NO}}", t_val, Out("<no value>");
        "map .one interface", "{{.MXI.one}}", t_val, Out("1");
        "map .WRONG args", "{{.MSI.one 1}}", t_val, ExecErr("one is not a method but has arguments");
        "dot int", "<{{.}}>", || Value::Int(13), Out("<13>");
        "dot uint", "<{{.}}>", || Value::Uint(14), Out("<14>");
        "dot float", "<{{.}}>", || Value::Float(15.1), Out("<15.1>");
        "dot bool", "<{{.}}>", || Value::Bool(true), Out("<true>");
        "dot string", "<{{.}}>", || Value::from("hello"), Out("<hello>");
        "dot slice", "<{{.}}>", || ints(&[-1, -2, -3]), Out("<[-1 -2 -3]>");
        "dot map", "<{{.}}>", || int_map(&[("two", 22)]), Out("<map[two:22]>");
        "$ int", "{{$}}", || Value::Int(123), Out("123");
        "$.I", "{{$.I}}", t_val, Out("17");
        "$.U.V", "{{$.U.V}}", t_val, Out("v");
        "declare in action", "{{$x := $.U.V}}{{$x}}", t_val, Out("v");
        "simple assignment", "{{$x := 2}}{{$x = 3}}{{$x}}", t_val, Out("3");
        "nested assignment", "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}", t_val, Out("3");
        "nested assignment changes the last declaration",
            "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}", t_val, Out("1");
        "assignment in range",
            "{{$first := true}}{{range .SI}}{{if not $first}},{{end}}{{.}}{{$first = false}}{{end}}", t_val, Out("3,4,5");
        "append in range",
            "{{$c := 0}}{{range .SI}}{{$c = .}}{{end}}{{$c}}", t_val, Out("5");
        "variable scoped to if", "{{if true}}{{$x := 1}}{{end}}{{$x}}", t_val, ParseErr("undefined variable \"$x\"");
        "assign to undeclared", "{{$x = 1}}", t_val, ExecErr("undefined variable: $x");
        "empty nil", "{{.Empty0}}", t_val, Out("<no value>");
        "empty with int", "{{.Empty1}}", t_val, Out("3");
        "empty with string", "{{.Empty2}}", t_val, Out("empty2");
        "empty with slice", "{{.Empty3}}", t_val, Out("[7 8]");
        "empty with struct", "{{.Empty4}}", t_val, Out("{UinEmpty}");
        "empty with struct, field", "{{.Empty4.V}}", t_val, Out("UinEmpty");
        "field on interface", "{{.foo}}", none, Out("<no value>");
        "field on parenthesized interface", "{{(.).foo}}", none, Out("<no value>");
        "unparenthesized non-function", "{{1 2}}", none, ExecErr("can't give argument to non-function 1");
        "parenthesized non-function", "{{(1) 2}}", none, ExecErr("can't give argument to non-function 1");
        "parenthesized non-function with no args", "{{(1)}}", none, Out("1");
        "NIL object", "{{.NIL}}", t_val, Out("<nil>");
        "nil object field", "{{.NIL.X}}", t_val, ExecErr("nil pointer evaluating *template.T.X");
        "nil object missing field", "{{.NIL.MissingField}}", t_val, ExecErr("can't evaluate field MissingField in type *template.T");
        "field of int", "{{.I.X}}", t_val, ExecErr("can't evaluate field X in type int");
    ]);
}

#[test]
fn exec_methods_and_functions() {
    run(cases![
        ".Method0", "-{{.Method0}}-", t_val, Out("-M0-");
        ".Method1(1234)", "-{{.Method1 1234}}-", t_val, Out("-1234-");
        ".Method1(.I)", "-{{.Method1 .I}}-", t_val, Out("-17-");
        ".Method2(3, .X)", "-{{.Method2 3 .X}}-", t_val, Out("-Method2: 3 x-");
        ".Method2(.U16, `str`)", "-{{.Method2 .U16 `str`}}-", t_val, Out("-Method2: 16 str-");
        ".Method2(.U16, $x)", "{{if $x := .X}}-{{.Method2 .U16 $x}}{{end}}-", t_val, Out("-Method2: 16 x-");
        ".Method3(nil constant)", "-{{.Method3 nil}}-", t_val, Out("-Method3: <nil>-");
        ".Method3(nil value)", "-{{.Method3 .MXI.unset}}-", t_val, Out("-Method3: <nil>-");
        "method on var", "{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-", t_val, Out("-Method2: 16 x-");
        "method on chained var",
            "{{range .MSIone}}{{if $.U.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}", t_val, Out("true");
        "chained method",
            "{{range .MSIone}}{{if $.GetU.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}", t_val, Out("true");
        "chained method on variable",
            "{{with $x := .}}{{with .SI}}{{$.GetU.TrueFalse $.True}}{{end}}{{end}}", t_val, Out("true");
        "method with wrong arg type", "{{.Method1 `x`}}", t_val, ExecErr("wrong type for value; expected int; got string");
        "method error", "{{.MyError true}}", t_val, ExecErr("error calling MyError: my error");
        "method no error", "{{.MyError false}}", t_val, Out("false");
        "field with args", "{{.X 1}}", t_val, ExecErr("X has arguments but cannot be invoked as function");
        ".BinaryFunc", "{{call .BinaryFunc `1` `2`}}", t_val, Out("[1=2]");
        ".VariadicFunc0", "{{call .VariadicFunc}}", t_val, Out("<>");
        ".VariadicFunc2", "{{call .VariadicFunc `he` `llo`}}", t_val, Out("<he+llo>");
        "if .BinaryFunc call", "{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}", t_val, Out("[1=2]");
        "if not .BinaryFunc call", "{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}", t_val, Out("No");
        ".ErrFunc", "{{call .ErrFunc}}", t_val, Out("bla");
        "call nil", "{{call nil}}", t_val, ExecErr("error calling call: call of nil");
        "empty call", "{{call}}", t_val, ExecErr("wrong number of args for call: want at least 1 got 0");
        "empty call after pipe valid", "{{.ErrFunc | call}}", t_val, Out("bla");
        "empty call after pipe invalid", "{{1 | call}}", t_val, ExecErr("of type int");
        ".BinaryFuncTooFew", "{{call .BinaryFunc `1`}}", t_val, ExecErr("error calling call: wrong number of args for .BinaryFunc: got 1 want 2");
        ".BinaryFuncTooMany", "{{call .BinaryFunc `1` `2` `3`}}", t_val, ExecErr("wrong number of args for .BinaryFunc: got 3 want 2");
        ".BinaryFuncBad0", "{{call .BinaryFunc 1 3}}", t_val, ExecErr("error calling call");
        "call non-function", "{{call .True}}", t_val, ExecErr("error calling call: non-function .True of type bool");
        "call pipeline", "{{call (len \"test\")}}", none, ExecErr("error calling call: non-function len \"test\" of type int");
        "pipeline", "-{{.Method0 | .Method2 .U16}}-", t_val, Out("-Method2: 16 M0-");
        "pipeline func", "-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-", t_val, Out("-<he+<llo>>-");
        "nil pipeline", "{{ .Empty0 | call .NilOKFunc }}", t_val, Out("true");
        "nil call arg", "{{ call .NilOKFunc .Empty0 }}", t_val, Out("true");
        "parens in pipeline", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", t_val, Out("1 5 15");
        "parens: $ in paren", "{{($).X}}", t_val, Out("x");
        "parens: $.GetU in paren", "{{($.GetU).V}}", t_val, Out("v");
        "parens: $ in paren in pipe", "{{($ | echo).X}}", t_val, Out("x");
        "parens: spaces and args", r#"{{(makemap "up" "down" "left" "right").left}}"#, t_val, Out("right");
        "function chain", "{{mapOfThree.three}}-{{(mapOfThree).three}}", none, Out("3-3");
        "bug13", "{{print (.Method0)}}", t_val, Out("M0");
        "bug14a", "{{(nil).True}}", t_val, ExecErr("nil is not a command");
        "bug14b", "{{$x := nil}}{{$x.anything}}", t_val, ExecErr("nil is not a command");
        "bug16a", "{{true|printf}}", t_val, ExecErr("wrong type for value; expected string; got bool");
        "bug16b", "{{1|printf}}", t_val, ExecErr("wrong type for value; expected string; got int");
        "bug16f", "{{true|twoArgs \"xxx\"}}", t_val, ExecErr("wrong type for value; expected string; got bool");
        "bug16g", "{{\"aaa\" |twoArgs \"bbb\"}}", t_val, Out("twoArgs=bbbaaa");
        "bug16h", "{{1|oneArg}}", t_val, ExecErr("wrong type for value; expected string; got int");
        "bug16i", "{{\"aaa\"|oneArg}}", t_val, Out("oneArg=aaa");
        "bug16k", "{{\"aaa\"|printf }}", t_val, Out("aaa");
        "bug7a", "{{3 2}}", t_val, ExecErr("can't give argument to non-function 3");
        "bug7b", "{{$x := 1}}{{$x 2}}", t_val, ExecErr("can't give argument to non-function $x");
        "bug7c", "{{$x := 1}}{{3 | $x}}", t_val, ExecErr("can't give argument to non-function $x");
        "too few args", "{{oneArg}}", none, ExecErr("wrong number of args for oneArg: want 1 got 0");
        "too many args", "{{oneArg `a` `b`}}", none, ExecErr("wrong number of args for oneArg: want 1 got 2");
        "function error", "{{die}}", none, ExecErr("error calling die: die");
        "undefined function", "{{nosuch 1}}", none, ParseErr("function \"nosuch\" not defined");
        "printf func value", "{{printf \"%#q\" zeroArgs}}", none, Out("`zeroArgs`");
    ]);
}

#[test]
fn exec_control_structures() {
    run(cases![
        "if true", "{{if true}}TRUE{{end}}", t_val, Out("TRUE");
        "if false", "{{if false}}TRUE{{else}}FALSE{{end}}", t_val, Out("FALSE");
        "if nil", "{{if nil}}TRUE{{end}}", t_val, ExecErr("nil is not a command");
        "if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", t_val, Out("NON-ZERO");
        "if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", t_val, Out("ZERO");
        "if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", t_val, Out("NON-ZERO");
        "if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", t_val, Out("ZERO");
        "if nilPointer", "{{if .NIL}}NON-ZERO{{else}}ZERO{{end}}", t_val, Out("ZERO");
        "if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", t_val, Out("EMPTY");
        "if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", t_val, Out("NON-EMPTY");
        "if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", t_val, Out("EMPTY");
        "if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", t_val, Out("NON-EMPTY");
        "if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", t_val, Out("EMPTY");
        "if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", t_val, Out("NON-EMPTY");
        "if map unset", "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", t_val, Out("ZERO");
        "if map not unset", "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", t_val, Out("ZERO");
        "if struct", "{{if .U}}T{{else}}F{{end}}", t_val, Out("T");
        "if $x with $y int", "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}", t_val, Out("true,17");
        "if $x with $x int", "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", t_val, Out("17,true");
        "if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", t_val, Out("TRUE");
        "if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", t_val, Out("3");
        "with true", "{{with true}}{{.}}{{end}}", t_val, Out("true");
        "with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", t_val, Out("FALSE");
        "with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", t_val, Out("1");
        "with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", t_val, Out("ZERO");
        "with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", t_val, Out("1.5");
        "with emptystring", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", t_val, Out("EMPTY");
        "with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", t_val, Out("[3 4 5]");
        "with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", t_val, Out("EMPTY");
        "with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", t_val, Out("map[one:1]");
        "with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", t_val, Out("UinEmpty");
        "with $x int", "{{with $x := .I}}{{$x}}{{end}}", t_val, Out("17");
        "with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", t_val, Out("v");
        "with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", t_val, Out("v");
        "with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", t_val, Out("true");
        "with else with chain", "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}", t_val, Out("notempty");
        "with missing", "{{with .nope}}X{{else}}Y{{end}}", || json("{}"), Out("Y");
        "range []int", "{{range .SI}}-{{.}}-{{end}}", t_val, Out("-3--4--5-");
        "range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", t_val, Out("");
        "range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", t_val, Out("-3--4--5-");
        "range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", t_val, Out("EMPTY");
        "range []int break else", "{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}", t_val, Out("-3-");
        "range []int continue else", "{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}", t_val, Out("-3--4--5-");
        "range break in if", "{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}", t_val, Out("3");
        "range continue in if", "{{range .SI}}{{if eq . 4}}{{continue}}{{end}}{{.}}{{end}}", t_val, Out("35");
        "range []bool", "{{range .SB}}-{{.}}-{{end}}", t_val, Out("-true--false-");
        "range []int method", "{{range .SI | .MAdd .I}}-{{.}}-{{end}}", t_val, Out("-20--21--22-");
        "range map", "{{range .MSI}}-{{.}}-{{end}}", t_val, Out("-1--3--2-");
        "range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", t_val, Out("");
        "range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", t_val, Out("-1--3--2-");
        "range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", t_val, Out("EMPTY");
        "range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", t_val, Out("-7--8-");
        "range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", t_val, Out("");
        "range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", t_val, Out("<3><4><5>");
        "range $x $y SI", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", t_val, Out("<0=3><1=4><2=5>");
        "range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", t_val, Out("<1>");
        "range $x $y MSIone", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", t_val, Out("<one=1>");
        "declare in range", "{{range $x := .SI}}<{{$foo:=$x}}{{$x}}>{{end}}", t_val, Out("<3><4><5>");
        "range sorted json map", "{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", || json(r#"{"b":2,"a":1,"c":3}"#), Out("a=1;b=2;c=3;");
        "range 5", "{{range $v := 5}}{{printf \"%T%d\" $v $v}}{{end}}", none, Out("int0int1int2int3int4");
        "range int two vars", "{{range $i, $v := 3}}{{end}}", none, ExecErr("can't use 3 to iterate over more than one variable");
        "range 0 else", "{{range $v := 0}}x{{else}}empty{{end}}", none, Out("empty");
        "range over string", "{{range .X}}{{end}}", t_val, ExecErr("range can't iterate over x");
        "issue56490", "{{$i := 0}}{{$x := 0}}{{range $i = .SI}}{{end}}{{$i}}", t_val, Out("5");
        "issue60801", "{{$k := 0}}{{$v := 0}}{{range $k, $v = .SI}}{{$k}}={{$v}} {{end}}", t_val, Out("0=3 1=4 2=5 ");
        "or as if true", r#"{{or .SI "slice is empty"}}"#, t_val, Out("[3 4 5]");
        "or as if false", r#"{{or .SIEmpty "slice is empty"}}"#, t_val, Out("slice is empty");
        "bug0", "{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}", t_val, Out("X");
        "bug4", "{{if .Empty0}}non-nil{{else}}nil{{end}}", t_val, Out("nil");
        "break as function name", "{{range .SI}}{{end}}", t_val, Out("");
    ]);
}

#[test]
fn exec_builtins() {
    run(cases![
        "print", r#"{{print "hello, print"}}"#, t_val, Out("hello, print");
        "print 123", "{{print 1 2 3}}", t_val, Out("1 2 3");
        "print strings", r#"{{print "a" "b" 1 2 "c"}}"#, t_val, Out("ab1 2c");
        "print nil", "{{print nil}}", t_val, Out("<nil>");
        "print missing", "{{print .nope}}", || json("{}"), Out("<nil>");
        "println", "{{println 1 2 3}}", t_val, Out("1 2 3\n");
        "printf int", r#"{{printf "%04x" 127}}"#, t_val, Out("007f");
        "printf float", r#"{{printf "%g" 3.5}}"#, t_val, Out("3.5");
        "printf string", r#"{{printf "%s" "hello"}}"#, t_val, Out("hello");
        "printf field", r#"{{printf "%s" .U.V}}"#, t_val, Out("v");
        "printf method", r#"{{printf "%s" .Method0}}"#, t_val, Out("M0");
        "printf dot", r#"{{with .I}}{{printf "%d" .}}{{end}}"#, t_val, Out("17");
        "printf var", r#"{{with $x := .I}}{{printf "%d" $x}}{{end}}"#, t_val, Out("17");
        "printf lots", r#"{{printf "%d %s %g %s" 127 "hello" 7.5 .Method0}}"#, t_val, Out("127 hello 7.5 M0");
        "printf %t", r#"{{printf "%t" true}}"#, none, Out("true");
        "printf format not string", "{{printf 1}}", none, ExecErr("expected string; found 1");
        "html", r#"{{html "<script>alert(\"XSS\");</script>"}}"#, none, Out("&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;");
        "html pipeline", r#"{{printf "<script>alert(\"XSS\");</script>" | html}}"#, none, Out("&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;");
        "html typed nil", "{{html .NIL}}", t_val, Out("&lt;nil&gt;");
        "html untyped nil", "{{html .Empty0}}", t_val, Out("&lt;no value&gt;");
        "js", "{{js .}}", || Value::from("It'd be nice."), Out(r"It\'d be nice.");
        "js specials", "{{js .}}", || Value::from("<html> = &\"\u{FFFE}"), Out(r#"\u003Chtml\u003E \u003D \u0026\"\uFFFE"#);
        "urlquery", r#"{{"http://www.example.org/"|urlquery}}"#, none, Out("http%3A%2F%2Fwww.example.org%2F");
        "urlquery space", r#"{{urlquery "a b&c"}}"#, none, Out("a+b%26c");
        "not", "{{not true}} {{not false}}", none, Out("false true");
        "and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", none, Out("false 0 0 1");
        "or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", none, Out("0 1 true 1");
        "or short-circuit", "{{or 0 1 (die)}}", none, Out("1");
        "and short-circuit", "{{and 1 0 (die)}}", none, Out("0");
        "or short-circuit2", "{{or 0 0 (die)}}", none, ExecErr("error calling die: die");
        "and short-circuit2", "{{and 1 1 (die)}}", none, ExecErr("error calling die: die");
        "and pipe-true", "{{1 | and 1}}", none, Out("1");
        "and pipe-false", "{{0 | and 1}}", none, Out("0");
        "or pipe-true", "{{1 | or 0}}", none, Out("1");
        "or pipe-false", "{{0 | or 0}}", none, Out("0");
        "and undef", "{{and 1 .Unknown}}", || json("{}"), Out("<no value>");
        "or undef", "{{or 0 .Unknown}}", || json("{}"), Out("<no value>");
        "boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", t_val, Out("TRUE");
        "boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", none, Out("FALSE");
        "boolean if pipe", "{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", none, Out("FALSE");
        "and no args", "{{and}}", none, ExecErr("wrong number of args for and: want at least 1 got 0");
        "slice[0]", "{{index .SI 0}}", t_val, Out("3");
        "slice[1]", "{{index .SI 1}}", t_val, Out("4");
        "slice[HUGE]", "{{index .SI 10}}", t_val, ExecErr("error calling index: index out of range: 10");
        "slice[len]", "{{index .SI 3}}", t_val, ExecErr("error calling index: reflect: slice index out of range");
        "slice[WRONG]", "{{index .SI `hello`}}", t_val, ExecErr("cannot index slice/array with type string");
        "slice[nil]", "{{index .SI nil}}", t_val, ExecErr("cannot index slice/array with nil");
        "map[one]", "{{index .MSI `one`}}", t_val, Out("1");
        "map[two]", "{{index .MSI `two`}}", t_val, Out("2");
        "map[NO]", "{{index .MSI `XXX`}}", t_val, Out("0");
        "map[nil]", "{{index .MSI nil}}", t_val, ExecErr("value is nil; should be of type string");
        "map[``]", "{{index .MSI ``}}", t_val, Out("0");
        "map[WRONG]", "{{index .MSI 10}}", t_val, ExecErr("value has type int; should be string");
        "double index", "{{index .SMSI 1 `eleven`}}", t_val, Out("11");
        "nil[1]", "{{index nil 1}}", t_val, ExecErr("index of untyped nil");
        "index of an interface field", "{{index .Empty3 0}}", t_val, Out("7");
        "index string", "{{index \"hi\" 0}}", none, Out("104");
        "index missing any key", "{{index . `nope`}}", || json("{}"), Out("<no value>");
        "index missing string key", "{{index . `nope`}}|", || Value::map(Map::with_elem_zero(Value::from(""))), Out("|");
        "index of int", "{{index 3 0}}", none, ExecErr("can't index item of type int");
        "slice[:]", "{{slice .SI}}", t_val, Out("[3 4 5]");
        "slice[1:]", "{{slice .SI 1}}", t_val, Out("[4 5]");
        "slice[1:2]", "{{slice .SI 1 2}}", t_val, Out("[4]");
        "slice[-1:]", "{{slice .SI -1}}", t_val, ExecErr("index out of range: -1");
        "slice[1:-2]", "{{slice .SI 1 -2}}", t_val, ExecErr("index out of range: -2");
        "slice[2:1]", "{{slice .SI 2 1}}", t_val, ExecErr("invalid slice index: 2 > 1");
        "slice[2:2:1]", "{{slice .SI 2 2 1}}", t_val, ExecErr("invalid slice index: 2 > 1");
        "out of range", "{{slice .SI 4 5}}", t_val, ExecErr("index out of range: 4");
        "string[:]", "{{slice .S}}", t_val, Out("xyz");
        "string[0:1]", "{{slice .S 0 1}}", t_val, Out("x");
        "string[1:]", "{{slice .S 1}}", t_val, Out("yz");
        "string[1:2]", "{{slice .S 1 2}}", t_val, Out("y");
        "string out of range", "{{slice .S 1 5}}", t_val, ExecErr("index out of range: 5");
        "3-index slice of string", "{{slice .S 1 2 2}}", t_val, ExecErr("cannot 3-index slice a string");
        "slice of an interface field", "{{slice .Empty3 0 1}}", t_val, Out("[7]");
        "slice of nil", "{{slice nil}}", t_val, ExecErr("slice of untyped nil");
        "too many slice indexes", "{{slice .SI 1 2 3 4}}", t_val, ExecErr("too many slice indexes: 4");
        "len slice", "{{len .SI}}", t_val, Out("3");
        "len map", "{{len .MSI }}", t_val, Out("3");
        "len string", "{{len \"héllo\"}}", none, Out("6");
        "len of int", "{{len 3}}", t_val, ExecErr("error calling len: len of type int");
        "len of nothing", "{{len .Empty0}}", t_val, ExecErr("error calling len: len of nil pointer");
        "len of an interface field", "{{len .Empty3}}", t_val, Out("2");
    ]);
}

fn cmp_data() -> Value {
    json(r#"{"Three": 3, "Name": "x", "Nil": null, "Map": {"a": 1}, "List": [1], "True": true}"#)
}

#[test]
fn exec_comparisons() {
    run(cases![
        "eq true true", "{{eq true true}}", none, Out("true");
        "eq true false", "{{eq true false}}", none, Out("false");
        "eq 1.5 1.5", "{{eq 1.5 1.5}}", none, Out("true");
        "eq 1.5 2.5", "{{eq 1.5 2.5}}", none, Out("false");
        "eq 1 1", "{{eq 1 1}}", none, Out("true");
        "eq 1 2", "{{eq 1 2}}", none, Out("false");
        "eq `xy` `xy`", "{{eq `xy` `xy`}}", none, Out("true");
        "eq `xy` `xyz`", "{{eq `xy` `xyz`}}", none, Out("false");
        "eq 3 4 5 6 3", "{{eq 3 4 5 6 3}}", none, Out("true");
        "eq 3 4 5 6 7", "{{eq 3 4 5 6 7}}", none, Out("false");
        "eq 1 2 1", "{{eq 1 2 1}}", none, Out("true");
        "ne true true", "{{ne true true}}", none, Out("false");
        "ne 1 2", "{{ne 1 2}}", none, Out("true");
        "lt 1.5 2.5", "{{lt 1.5 2.5}}", none, Out("true");
        "lt 1 1", "{{lt 1 1}}", none, Out("false");
        "lt `xy` `xyz`", "{{lt `xy` `xyz`}}", none, Out("true");
        "le 1 1", "{{le 1 1}}", none, Out("true");
        "le 2 1", "{{le 2 1}}", none, Out("false");
        "gt 2 1", "{{gt 2 1}}", none, Out("true");
        "gt 1 1", "{{gt 1 1}}", none, Out("false");
        "ge 1 1", "{{ge 1 1}}", none, Out("true");
        "ge 1 2", "{{ge 1 2}}", none, Out("false");
        "ge `xyz` `xy`", "{{ge `xyz` `xy`}}", none, Out("true");
        "eq uint int", "{{eq .U16 16}}", t_val, Out("true");
        "lt int uint", "{{lt -1 .U16}}", t_val, Out("true");
        "gt uint int", "{{gt .U16 -1}}", t_val, Out("true");
        "eq byte rune", "{{eq (index `x` 0) 'x'}}", none, Out("true");
        "eq byte rune false", "{{eq (index `x` 0) 'y'}}", none, Out("false");
        "eq json float int", "{{eq .Three 3}}", cmp_data, ExecErr("incompatible types for comparison: float64 and int");
        "eq json float float", "{{eq .Three 3.0}}", cmp_data, Out("true");
        "eq string int", "{{eq `xy` 1}}", none, ExecErr("error calling eq: incompatible types for comparison: string and int");
        "eq 2 2.0", "{{eq 2 2.0}}", none, ExecErr("incompatible types for comparison: int and float64");
        "lt true true", "{{lt true true}}", none, ExecErr("invalid type for comparison");
        "eq missing string", "{{eq .nope `x`}}", cmp_data, Out("false");
        "eq nil string", "{{eq .Nil `x`}}", cmp_data, Out("false");
        "eq nil nil", "{{eq .Nil .nope}}", cmp_data, Out("true");
        "eq nil literal", "{{eq .Nil nil}}", cmp_data, Out("true");
        "ne missing bool", "{{ne .nope true}}", cmp_data, Out("true");
        "eq map string", "{{eq .Map `x`}}", cmp_data, ExecErr("incompatible types for comparison: map[string]interface {} and string");
        "eq map map", "{{eq .Map .Map}}", cmp_data, ExecErr("non-comparable type map[a:1]: map[string]interface {}");
        "eq map list", "{{eq .Map .List}}", cmp_data, ExecErr("non-comparable types map[a:1]: map[string]interface {}, []interface {}: [1]");
        "eq map nil", "{{eq .Map nil}}", cmp_data, Out("false");
        "eq objects", "{{eq .NIL .NIL}}", t_val, Out("true");
        "eq one arg", "{{eq 1}}", none, ExecErr("missing argument for comparison");
        "eq no args", "{{eq}}", none, ExecErr("wrong number of args for eq: want at least 1 got 0");
        "ne three args", "{{ne 1 2 3}}", none, ExecErr("wrong number of args for ne: want 2 got 3");
        "lt missing", "{{lt .nope 1}}", cmp_data, ExecErr("invalid type for comparison");
        "eq nil interface from map",
            "{{if eq .pilot.env.ENABLE_CLUSTER_TRUST_BUNDLE_API true}}A{{else}}B{{end}}",
            || json(r#"{"pilot": {"env": {}}}"#), Out("B");
        "eq string true errors",
            "{{if eq .pilot.env.X true}}A{{end}}",
            || json(r#"{"pilot": {"env": {"X": "true"}}}"#), ExecErr("incompatible types for comparison: string and bool");
        "paren pipe field on missing", "{{eq (.pilot.env).X true}}", || json(r#"{"pilot": {}}"#), Out("false");
    ]);
}

#[test]
fn nil_versus_no_value() {
    let data = || json(r#"{"n": null, "m": {"k": null}, "l": [null, 1], "s": "x"}"#);
    run(cases![
        "missing key prints no value", "{{.missing}}", data, Out("<no value>");
        "null prints no value", "{{.n}}", data, Out("<no value>");
        "print null", "{{print .n}}", data, Out("<nil>");
        "printf %v null", "{{printf \"%v\" .n}}", data, Out("<nil>");
        "printf %s null", "{{printf \"%s\" .n}}", data, Out("%!s(<nil>)");
        "field of missing", "{{.missing.x.y}}", data, Out("<no value>");
        "field of null", "{{.n.x}}", data, ExecErr("template: field of null:1:4: executing \"field of null\" at <.n.x>: nil pointer evaluating interface {}.x");
        "field of nested null", "{{.m.k.x}}", data, ExecErr("nil pointer evaluating interface {}.x");
        "field of parenthesized null", "{{(.n).x}}", data, Out("<no value>");
        "field of null variable", "{{$x := .n}}{{$x.x}}", data, Out("<no value>");
        "range over list with null", "{{range .l}}[{{.}}]{{end}}", data, Out("[<no value>][1]");
        "field of null range element", "{{range .l}}{{.x}}{{end}}", data, ExecErr("nil pointer evaluating interface {}.x");
        "list with null prints nil", "{{.l}}", data, Out("[<nil> 1]");
        "map with null prints nil", "{{.m}}", data, Out("map[k:<nil>]");
        "with null", "{{with .n}}X{{else}}Y{{end}}", data, Out("Y");
        "template with no pipeline", r#"{{define "t"}}[{{.}}]{{end}}{{template "t"}}"#, data, Out("[<no value>]");
        "string field", "{{.s.x}}", data, ExecErr("can't evaluate field x in type string");
        "list field", "{{.l.x}}", data, ExecErr("can't evaluate field x in type []interface {}");
    ]);
}

#[test]
fn number_and_value_printing() {
    let data = || {
        json(
            r#"{"port": 15020, "big": 1000000, "half": 0.5, "huge": 1e21, "n": 123456789, "small": 0.00001, "neg": -2.5, "m": {"b": 2, "a": 1.5, "c": [1, "x", true, null]}}"#,
        )
    };
    run(cases![
        "json int prints as int", "{{.port}}", data, Out("15020");
        "json 1e6", "{{.big}}", data, Out("1e+06");
        "json 0.5", "{{.half}}", data, Out("0.5");
        "json 1e21", "{{.huge}}", data, Out("1e+21");
        "json 123456789", "{{.n}}", data, Out("1.23456789e+08");
        "json small", "{{.small}}", data, Out("1e-05");
        "json negative", "{{.neg}}", data, Out("-2.5");
        "json map sorted", "{{.m}}", data, Out("map[a:1.5 b:2 c:[1 x true <nil>]]");
        "printf %d of float", "{{printf \"%d\" .port}}", data, Out("%!d(float64=15020)");
        "printf %v of float", "{{printf \"%v\" .port}}", data, Out("15020");
        "printf %.0f", "{{printf \"%.0f\" .port}}", data, Out("15020");
        "decimal", "{{print 1234}}", none, Out("1234");
        "decimal _", "{{print 12_34}}", none, Out("1234");
        "binary", "{{print 0b101}}", none, Out("5");
        "binary _", "{{print 0b_1_0_1}}", none, Out("5");
        "BINARY", "{{print 0B101}}", none, Out("5");
        "octal0", "{{print 0377}}", none, Out("255");
        "octal", "{{print 0o377}}", none, Out("255");
        "octal _", "{{print 0o_3_7_7}}", none, Out("255");
        "hex", "{{print 0x123}}", none, Out("291");
        "hex _", "{{print 0x1_23}}", none, Out("291");
        "HEX", "{{print 0X123ABC}}", none, Out("1194684");
        "float", "{{print 123.4}}", none, Out("123.4");
        "float _", "{{print 0_0_1_2_3.4}}", none, Out("123.4");
        "hex float", "{{print +0x1.ep+2}}", none, Out("7.5");
        "hex float _", "{{print +0x_1.e_0p+0_2}}", none, Out("7.5");
        "HEX float", "{{print +0X1.EP+2}}", none, Out("7.5");
        "print multi", "{{print 1_2_3_4 7.5_00_00_00}}", none, Out("1234 7.5");
        "print multi2", "{{print 1234 0x0_1.e_0p+02}}", none, Out("1234 7.5");
        "bug12xe", "{{printf `%T` 0xef}}", none, Out("int");
        "bug12XE", "{{printf `%T` 0XEE}}", none, Out("int");
        "bug18a", "{{eq . '.'}}", || Value::Int('.' as i64), Out("true");
        "negative number", "{{-3}}", none, Out("-3");
        "bad number", "{{3x}}", none, ParseErr("bad number syntax: \"3x\"");
        "integer overflow", "{{99999999999999999999}}", none, ParseErr("integer overflow: \"99999999999999999999\"");
    ]);
}

#[test]
fn printf_verbs() {
    run(cases![
        "%5d", r#"{{printf "%5d|%-5d|%05d" 12 12 12}}"#, none, Out("   12|12   |00012");
        "%x %X %#x %o %O %b %#b", r#"{{printf "%x %X %#x %o %O %b %#b" 255 255 255 8 8 5 5}}"#, none, Out("ff FF 0xff 10 0o10 101 0b101");
        "%+d % d", r#"{{printf "%+d|% d|%+d" 5 5 -5}}"#, none, Out("+5| 5|-5");
        "%.3d", r#"{{printf "%.3d|%6.3d|%.0d|" 7 7 0}}"#, none, Out("007|   007||");
        "%c %q %U", r#"{{printf "%c %q %U %#U" 65 65 128512 65}}"#, none, Out("A 'A' U+1F600 U+0041 'A'");
        "%q strings", r#"{{printf "%q %+q %#q" "hé\n" "hé" "raw"}}"#, none, Out(r#""hé\n" "h\u00e9" `raw`"#);
        "%s width prec", r#"{{printf "%-8s|%8s|%.3s|%5.1s|" "ab" "ab" "abcdef" "xyz"}}"#, none, Out("ab      |      ab|abc|    x|");
        "%x string", r#"{{printf "%x|% x|%#x|%X" "hi" "hi" "hi" "hi"}}"#, none, Out("6869|68 69|0x6869|6869");
        "%v values", r#"{{printf "%v %v %v %v" 1 "a" true 2.5}}"#, none, Out("1 a true 2.5");
        "%t", r#"{{printf "%t %t" true false}}"#, none, Out("true false");
        "%e %E", r#"{{printf "%e %E %.2e" 1234.5678 1234.5678 1234.5678}}"#, none, Out("1.234568e+03 1.234568E+03 1.23e+03");
        "%f", r#"{{printf "%f %.2f %8.3f %-8.2f| %+.1f" 3.14159 3.14159 3.14159 3.14159 3.14159}}"#, none, Out("3.141590 3.14    3.142 3.14    | +3.1");
        "%g", r#"{{printf "%g %g %g %.3g %G" 1e100 100000.0 1e-7 3.14159 1e-7}}"#, none, Out("1e+100 100000 1e-07 3.14 1E-07");
        "%#g", r#"{{printf "%#g %#.3g" 1.0 2.0}}"#, none, Out("1.00000 2.00");
        "%08.3f", r#"{{printf "%08.3f|%+08.2f" -3.14159 3.14159}}"#, none, Out("-003.142|+0003.14");
        "%x float", r#"{{printf "%x %.2x" 1.0 7.5}}"#, none, Out("0x1p+00 0x1.e0p+02");
        "%b float", r#"{{printf "%b" 1.0}}"#, none, Out("4503599627370496p-52");
        "%%", r#"{{printf "100%%"}}"#, none, Out("100%");
        "bad verb string", r#"{{printf "%d" "hi"}}"#, none, Out("%!d(string=hi)");
        "bad verb int", r#"{{printf "%s" 5}}"#, none, Out("%!s(int=5)");
        "bad verb bool", r#"{{printf "%d" true}}"#, none, Out("%!d(bool=true)");
        "bad verb nil", r#"{{printf "%d" nil}}"#, none, Out("%!d(<nil>)");
        "missing arg", r#"{{printf "%d %s" 1}}"#, none, Out("1 %!s(MISSING)");
        "extra args", r#"{{printf "%d" 1 2 "x" nil}}"#, none, Out("1%!(EXTRA int=2, string=x, <nil>)");
        "no verb", r#"{{printf "abc%"}}"#, none, Out("abc%!(NOVERB)");
        "star width", r#"{{printf "%*d|%-*d|" 5 1 3 2}}"#, none, Out("    1|2  |");
        "bad width", r#"{{printf "%*d" "x" 1}}"#, none, Out("%!(BADWIDTH)1");
        "star prec", r#"{{printf "%.*f" 2 3.14159}}"#, none, Out("3.14");
        "arg index", r#"{{printf "%[2]d %[1]d" 1 2}}"#, none, Out("2 1");
        "bad index", r#"{{printf "%[3]d" 1 2}}"#, none, Out("%!d(BADINDEX)");
        "%v list", r#"{{printf "%v|%d|%s" .SI .SI .SI}}"#, t_val, Out("[3 4 5]|[3 4 5]|[%!s(int=3) %!s(int=4) %!s(int=5)]");
        "%q list", r#"{{printf "%q" .}}"#, || json(r#"["a", "b"]"#), Out(r#"["a" "b"]"#);
        "%v map", r#"{{printf "%v" .}}"#, || json(r#"{"b": "x", "a": 1}"#), Out("map[a:1 b:x]");
        "%#v", r#"{{printf "%#v|%#v|%#v" "s" 1 .}}"#, || json(r#"{"a": [1, null]}"#), Out(r#""s"|1|map[string]interface {}{"a":[]interface {}{1, interface {}(nil)}}"#);
        "%T", r#"{{printf "%T %T %T %T %T %T" 1 1.5 "s" true . nil}}"#, || json("[]"), Out("int float64 string bool []interface {} <nil>");
        "%v object", r#"{{printf "%v|%s|%d" .U .U .U}}"#, t_val, Out("{v}|{v}|%!d(*template.U={v})");
        "NaN and Inf", r#"{{printf "%v %v %5.1f" .n .p .n}}"#, || Value::map(Map::from_entries([("n", Value::Float(f64::NAN)), ("p", Value::Float(f64::INFINITY))], Value::Nil)), Out("NaN +Inf   NaN");
    ]);
}

#[test]
fn templates_define_block() {
    run(cases![
        "define and template", r#"{{define "x"}}X{{.}}{{end}}a{{template "x" 1}}b"#, none, Out("aX1b");
        "template dot", r#"{{define "x"}}{{.V}}{{end}}{{template "x" .U}}"#, t_val, Out("v");
        "template no variables", r#"{{define "x"}}{{$}}{{end}}{{$y := 1}}{{template "x" 2}}"#, none, Out("2");
        "template undefined variable", r#"{{define "x"}}{{$y}}{{end}}{{$y := 1}}{{template "x" 2}}"#, none, ParseErr("undefined variable \"$y\"");
        "block", r#"a({{block "inner" .}}bar({{.}})baz{{end}})b"#, || Value::from("hello"), Out("a(bar(hello)baz)b");
        "template not defined", r#"{{template "nope"}}"#, none, ExecErr("template: template not defined:1:11: executing \"template not defined\" at <{{template \"nope\"}}>: template \"nope\" not defined");
        "recursion", r#"{{define "c"}}{{if .}}{{len .}}{{template "c" (slice . 1)}}{{end}}{{end}}{{template "c" .}}"#, || ints(&[1, 2, 3]), Out("321");
        "redefinition in one parse", r#"{{define "a"}}a{{end}}{{define "a"}}b{{end}}"#, none, ParseErr("template: multiple definition of template \"a\"");
        "empty redefinition allowed", r#"{{define "a"}}a{{end}}{{define "a"}} {{end}}{{template "a"}}"#, none, Out("a");
        "define outside top level", r#"{{if true}}{{define "a"}}{{end}}{{end}}"#, none, ParseErr("unexpected <define> in command");
        "variables declared in template pipeline persist", r#"{{define "x"}}{{.}}{{end}}{{template "x" $v := 3}}{{$v}}"#, none, Out("33");
    ]);
}

#[test]
fn lexing_trim_and_comments() {
    run(cases![
        "trim both", "x \r\n\t{{- 3 -}}\n\n\ty", none, Out("x3y");
        "trim left", "x  {{- 3}}  y", none, Out("x3  y");
        "trim right", "x  {{3 -}}  y", none, Out("x  3y");
        "negative not trim", "x {{-3}} y", none, Out("x -3 y");
        "trim needs space", "x {{3-}} y", none, ParseErr("bad number syntax: \"3-\"");
        "comment", "a{{/* comment */}}b", none, Out("ab");
        "comment trim", "a  {{- /* comment */ -}}  b", none, Out("ab");
        "multiline comment", "a{{/* line1\nline2 */}}b", none, Out("ab");
        "comment in action", "{{3 /* x */}}", none, ParseErr("unexpected \"/\" in operand");
        "unrecognized character", "{{3 \u{1}}}", none, ParseErr("unrecognized character in action: U+0001");
        "unclosed comment", "{{/* x", none, ParseErr("template: unclosed comment:1: unclosed comment");
        "comment before delim", "{{/* x */ 3}}", none, ParseErr("comment ends before closing delimiter");
        "raw string", "{{`a\\nb`}}", none, Out("a\\nb");
        "raw string multiline", "{{`a\nb`}}", none, Out("a\nb");
        "raw string CR dropped", "{{`a\r\nb`}}", none, Out("a\nb");
        "string escapes", r#"{{"a\tb\x41\u00e9\101\\\""}}"#, none, Out("a\tbAéA\\\"");
        "bad escape", r#"{{"\q"}}"#, none, ParseErr("invalid syntax");
        "char escapes", r"{{'\n'}} {{'\x41'}} {{'é'}}", none, Out("10 65 233");
        "multiline action", "{{$x := and\n  1\n  2}}{{$x}}", none, Out("2");
        "unclosed action", "{{.X", none, ParseErr("template: unclosed action:1: unclosed action");
        "unclosed action newline", "{{.X\n", none, ParseErr("unclosed action");
        "unterminated raw", "hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n", none, ParseErr("template: unterminated raw:3: unterminated raw quoted string");
        "unterminated quoted", "{{\"abc\n\"}}", none, ParseErr("unterminated quoted string");
        "unclosed paren", "{{(3}}", none, ParseErr("unclosed left paren");
        "extra right paren", "{{3)}}", none, ParseErr("unexpected right paren U+0029 ')'");
        "bad character", "{{.X#}}", none, ParseErr("bad character U+0023 '#'");
        "unicode text", "héllo {{.}} wörld", || Value::from("ü"), Out("héllo ü wörld");
        "delims in strings", r#"{{"{{"}}{{"}}"}}"#, none, Out("{{}}");
        "spaces around", "{{   .   }}", || Value::Int(1), Out("1");
        "dot digit is number", "{{.5}}", none, Out("0.5");
    ]);
}

#[test]
fn parse_errors() {
    run(cases![
        "unexpected end", "{{end}}", none, ParseErr("template: unexpected end:1: unexpected {{end}}");
        "unexpected else", "{{else}}", none, ParseErr("unexpected {{else}}");
        "missing end", "{{if true}}x", none, ParseErr("unexpected EOF");
        "if without value", "{{if}}{{end}}", none, ParseErr("missing value for if");
        "empty action", "{{}}", none, ParseErr("missing value for command");
        "undefined variable", "{{$x}}", none, ParseErr("undefined variable \"$x\"");
        "template name not string", "{{template .X}}", none, ParseErr("unexpected \".X\" in template clause");
        "non executable stage", "{{3 | 4}}", none, ParseErr("non executable command in pipeline stage 2");
        "too many declarations", "{{range $x, $y, $z := .}}{{end}}", none, ParseErr("too many declarations in range");
        "with two variables", "{{with $x, $y := .}}{{end}}", none, ParseErr("too many declarations in with");
        "range initialize", "{{range $x, 3}}{{end}}", none, ParseErr("range can only initialize variables");
        "break outside range", "{{break}}", none, ParseErr("{{break}} outside {{range}}");
        "continue outside range", "{{if true}}{{continue}}{{end}}", none, ParseErr("{{continue}} outside {{range}}");
        "break in range else", "{{range .}}{{else}}{{break}}{{end}}", none, ParseErr("{{break}} outside {{range}}");
        "empty paren", "{{printf \"%d\" ( ) }}", none, ParseErr("missing value for parenthesized pipeline");
        "dot after literal", "{{3.X}}", none, ParseErr("bad number syntax");
        "dot after string", "{{\"x\".Y}}", none, ParseErr("unexpected . after term \"\\\"x\\\"\"");
        "assign in operand", "{{$x := 1}}{{$x.y := 2}}", none, ParseErr("unexpected \":=\" in operand");
        "else then if in range", "{{range .}}{{else if true}}{{end}}", none, ParseErr("unexpected <if> in input");
        "extra end after else", "{{if true}}{{else}}{{else}}{{end}}", none, ParseErr("expected end; found {{else}}");
        "error in action on later line", "{{if\ntrue}}{{\"x\n\"}}{{end}}", none, ParseErr("unterminated quoted string");
        "unexpected EOF in define", "{{define \"x\"}}", none, ParseErr("unexpected EOF");
        "long token truncated", "{{template 1234567890123}}", none, ParseErr("unexpected \"1234567890\"... in template clause");
    ]);
}

// ---------------------------------------------------------------------------------------------
// Errors with exact Go texts and locations.

#[test]
fn exec_error_locations_match_go() {
    let text = "line 1\nline 2\nline 3\n{{template \"one\" .}}\n{{define \"one\"}}{{template \"two\" .}}{{end}}\n{{define \"two\"}}{{template \"three\" .}}{{end}}\n{{define \"three\"}}{{index \"hi\" $}}{{end}}";
    let mut set = Templates::new(Funcs::new());
    set.parse("top", text).unwrap();
    let err = set.execute("top", &Value::Int(5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: top:7:20: executing \"three\" at <index \"hi\" $>: error calling index: index out of range: 5"
    );
    assert_eq!(err.kind(), ErrorKind::Exec);
    assert_eq!((err.line(), err.column()), (7, 20));
    assert_eq!(err.template(), "top");
    assert_eq!(err.executing(), Some("three"));

    // Go's TestExecutePanicDuringCall rows.
    for (input, want) in [
        (
            "{{doPanic}}",
            "template: t:1:2: executing \"t\" at <doPanic>: error calling doPanic: custom panic string",
        ),
        (
            "{{call doPanic}}",
            "template: t:1:7: executing \"t\" at <doPanic>: error calling doPanic: custom panic string",
        ),
        (
            "{{.GetU}}",
            "template: t:1:2: executing \"t\" at <.GetU>: error calling GetU: runtime error: invalid memory address or nil pointer dereference",
        ),
    ] {
        let mut set = Templates::new(funcs());
        set.parse("t", input).unwrap();
        let data = Value::object(T { nil: true });
        assert_eq!(set.execute("t", &data).unwrap_err().to_string(), want);
    }

    // A field chain is located at its second field, as Go positions the chain node.
    let mut set = Templates::new(Funcs::new());
    set.parse("X", "hello, {{.X.Y}}").unwrap();
    let err = set.execute("X", &Value::Int(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: X:1:11: executing \"X\" at <.X.Y>: can't evaluate field X in type int"
    );
}

#[test]
fn execute_reports_missing_template() {
    let set = Templates::new(Funcs::new());
    let err = set.execute("nope", &Value::NoValue).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: no template \"nope\" associated with this template set"
    );
}

#[test]
fn missing_key_options() {
    let data = int_map(&[("x", 99)]);
    let mut set = Templates::new(Funcs::new());
    set.parse("t1", "{{.x}} {{.y}}").unwrap();
    assert_eq!(set.execute("t1", &data).unwrap(), "99 <no value>");
    set.set_missing_key(MissingKey::Zero);
    assert_eq!(set.execute("t1", &data).unwrap(), "99 0");
    set.set_missing_key(MissingKey::Error);
    let err = set.execute("t1", &data).unwrap_err().to_string();
    assert!(err.ends_with("map has no entry for key \"y\""), "{err}");
    let err = set.execute("t1", &Value::NoValue).unwrap_err().to_string();
    assert!(err.ends_with("nil data; no entry for key \"x\""), "{err}");
}

#[test]
fn later_parse_replaces_and_empty_does_not() {
    let mut set = Templates::new(Funcs::new());
    set.parse("outer", r#"a({{block "inner" .}}bar({{.}})baz{{end}})b"#)
        .unwrap();
    assert_eq!(
        set.execute("outer", &Value::from("hello")).unwrap(),
        "a(bar(hello)baz)b"
    );
    set.parse("overlay", r#"{{define "inner"}}foo({{.}})bar{{end}}"#)
        .unwrap();
    assert_eq!(
        set.execute("outer", &Value::from("goodbye")).unwrap(),
        "a(foo(goodbye)bar)b"
    );
    // The overlay's own top-level template is empty but still defined.
    assert_eq!(set.execute("overlay", &Value::NoValue).unwrap(), "");
    // An empty body does not replace a defined template.
    set.parse("again", r#"{{define "inner"}}  {{/* nothing */}}{{end}}"#)
        .unwrap();
    assert_eq!(
        set.execute("outer", &Value::from("x")).unwrap(),
        "a(foo(x)bar)b"
    );
    // A parse error adds nothing.
    assert!(
        set.parse("bad", r#"{{define "inner"}}new{{end}}{{if}}"#)
            .is_err()
    );
    assert_eq!(
        set.execute("outer", &Value::from("x")).unwrap(),
        "a(foo(x)bar)b"
    );
    assert!(!set.contains("bad"));
}

#[test]
fn host_functions_override_builtins_and_see_nil() {
    let mut funcs = Funcs::new();
    funcs.insert("len", Function::fixed(1, |_| Ok(Value::from("mine"))));
    funcs.insert(
        "kind",
        Function::fixed(1, |a| Ok(Value::from(format!("{:?}", a[0])))),
    );
    funcs.insert("or", Function::new(|a| Ok(Value::Int(a.len() as i64))));
    let mut set = Templates::new(funcs);
    set.parse(
        "t",
        "{{len 1}} {{kind .missing}} {{kind .n}} {{.missing | kind}} {{or 1 2 3}}",
    )
    .unwrap();
    let data = json(r#"{"n": null}"#);
    assert_eq!(set.execute("t", &data).unwrap(), "mine Nil Nil Nil 3");
}

#[test]
fn break_and_continue_are_identifiers_when_functions() {
    let mut funcs = Funcs::new();
    funcs.insert("break", Function::fixed(0, |_| Ok(Value::from("B"))));
    let mut set = Templates::new(funcs);
    set.parse("t", "{{break}}").unwrap();
    assert_eq!(set.execute("t", &Value::NoValue).unwrap(), "B");
}

#[test]
fn closures_capture_state() {
    let prefix = Rc::new(String::from(">>"));
    let p = Rc::clone(&prefix);
    let funcs = Funcs::new().with(
        "pre",
        Function::fixed(1, move |a| Ok(Value::from(format!("{p}{}", a[0])))),
    );
    let mut set = Templates::new(funcs);
    set.parse("t", "{{pre 1}}").unwrap();
    assert_eq!(set.execute("t", &Value::NoValue).unwrap(), ">>1");
}

// ---------------------------------------------------------------------------------------------
// Budgets.

#[test]
fn budgets_stop_runaway_templates() {
    let limits = Limits {
        max_steps: 10_000,
        max_output: 1000,
        ..Limits::default()
    };
    let run = |text: &str| {
        let mut set = Templates::new(Funcs::new()).with_limits(limits);
        set.parse("t", text).unwrap();
        set.execute("t", &Value::NoValue).unwrap_err()
    };
    let e = run(r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#);
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(
        e.to_string()
            .contains("exceeded maximum template depth (100)"),
        "{e}"
    );

    let e = run("{{range $i := 1000000000}}{{end}}");
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.to_string().contains("step budget"), "{e}");

    let e = run("{{range $i := 500}}xxxxxxxxxx{{end}}");
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(
        e.to_string()
            .contains("output exceeds the limit of 1000 bytes"),
        "{e}"
    );

    // Exponential fan-out through templates is cut by the step budget.
    let e = run(
        r#"{{define "f"}}{{template "g" .}}{{template "g" .}}{{end}}{{define "g"}}{{template "h" .}}{{template "h" .}}{{end}}{{define "h"}}{{range $i := 100}}{{end}}{{end}}{{range $i := 100}}{{template "f" .}}{{end}}"#,
    );
    assert!(e.to_string().contains("step budget"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut set = Templates::new(Funcs::new());
    let parens = format!("{{{{{}1{}}}}}", "(".repeat(5000), ")".repeat(5000));
    let e = set.parse("p", &parens).unwrap_err();
    assert!(
        e.to_string().contains("max expression depth exceeded"),
        "{e}"
    );

    let ifs = format!("{}x{}", "{{if 1}}".repeat(5000), "{{end}}".repeat(5000));
    let e = set.parse("i", &ifs).unwrap_err();
    assert!(
        e.to_string().contains("max expression depth exceeded"),
        "{e}"
    );

    // Within the parse limit, deep execution through templates hits the exec depth bound.
    let mut set = Templates::new(Funcs::new()).with_limits(Limits {
        max_template_depth: 10_000,
        ..Limits::default()
    });
    let nested = format!(
        r#"{{{{define "d"}}}}{}{{{{template "d" .}}}}{}{{{{end}}}}{{{{template "d" .}}}}"#,
        "{{if 1}}".repeat(50),
        "{{end}}".repeat(50)
    );
    set.parse("n", &nested).unwrap();
    let e = set.execute("n", &Value::NoValue).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(
        e.to_string().contains("exceeded maximum nesting depth"),
        "{e}"
    );
}

/// Wasm gives a policy 1 MiB of stack: the default limits must fit in it even in a debug build,
/// whatever mix of nesting the template uses.
#[test]
fn default_limits_fit_a_one_mebibyte_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let mut set = Templates::new(Funcs::new());
            // Parenthesised pipelines at the parse limit, evaluated inside recursive templates.
            let parens = format!("{}1{}", "(not ".repeat(69), ")".repeat(69));
            let text = format!(
                r#"{{{{define "d"}}}}{}{{{{{parens}}}}}{{{{template "d" .}}}}{}{{{{end}}}}{{{{template "d" .}}}}"#,
                "{{if 1}}{{with 1}}{{range $i := 1}}".repeat(10),
                "{{end}}{{end}}{{end}}".repeat(10)
            );
            set.parse("deep", &text).unwrap();
            let e = set.execute("deep", &Value::NoValue).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
            // The deepest template the parser accepts.
            let ifs = format!("{}x{}", "{{if 1}}".repeat(99), "{{end}}".repeat(99));
            set.parse("ifs", &ifs).unwrap();
            assert_eq!(set.execute("ifs", &Value::NoValue).unwrap(), "x");
        })
        .unwrap();
    worker.join().unwrap();
}

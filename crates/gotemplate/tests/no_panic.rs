//! Property tests: no input makes the engine panic, hang or overflow the stack.
//!
//! Arbitrary text goes to the parser; templates built from a grammar of template tokens are
//! parsed and executed on arbitrary JSON data, with small budgets. Every outcome must be a
//! value or an error, and errors must carry Go's `template: ` prefix.

use gotemplate::{Funcs, Function, Limits, Templates, Value};
use proptest::prelude::*;

fn limits() -> Limits {
    Limits {
        max_steps: 20_000,
        max_output: 64 << 10,
        max_template_depth: 20,
        ..Limits::default()
    }
}

fn funcs() -> Funcs {
    Funcs::new()
        .with(
            "echo",
            Function::new(|a| Ok(a.first().cloned().unwrap_or(Value::Nil))),
        )
        .with("fail", Function::fixed(1, |_| Err("failed".into())))
        .with("list", Function::new(|a| Ok(Value::list(a.to_vec()))))
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        (-1000i64..1000).prop_map(serde_json::Value::from),
        (-1e9f64..1e9).prop_map(serde_json::Value::from),
        "[a-z]{0,3}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-c]", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Tokens of the template language, glued together in random order: mostly well-formed
/// fragments, so that execution is reached often, plus the odd broken piece.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "{{",
        "}}",
        "{{-",
        " -}}",
        "{{ ",
        " }}",
        "{{/* c */}}",
        "text",
        "\n",
        " ",
        "{{.}}",
        "{{.a}}",
        "{{.a.b}}",
        "{{.b.c.a}}",
        "{{$}}",
        "{{$x := .a}}",
        "{{$x = .b}}",
        "{{$x}}",
        "{{if .a}}",
        "{{if not .b}}",
        "{{else}}",
        "{{else if .c}}",
        "{{end}}",
        "{{range .a}}",
        "{{range $i, $v := .}}",
        "{{range $i := 3}}",
        "{{break}}",
        "{{continue}}",
        "{{with .c}}",
        "{{else with .a}}",
        "{{define \"t\"}}",
        "{{template \"t\" .}}",
        "{{block \"b\" .a}}",
        "{{index . \"a\"}}",
        "{{index .a 0}}",
        "{{index .a 1 2}}",
        "{{slice .a 1}}",
        "{{slice .c 0 2}}",
        "{{len .a}}",
        "{{len .}}",
        "{{eq .a .b}}",
        "{{eq .a 1 2.5 \"x\" true nil}}",
        "{{ne .a .b}}",
        "{{lt .a .b}}",
        "{{ge .c 1.5}}",
        "{{and .a .b .c}}",
        "{{or .a (fail 1)}}",
        "{{not .a}}",
        "{{print .a .b nil}}",
        "{{printf \"%d %s %v %q %x %5.2f %*d %[2]v %!\" .a .b .c}}",
        "{{println .}}",
        "{{html .a}}",
        "{{js .b}}",
        "{{urlquery .c}}",
        "{{call .a}}",
        "{{call echo}}",
        "{{echo .a | echo}}",
        "{{.a | printf \"%v\"}}",
        "{{(echo .).a}}",
        "{{list 1 2 | len}}",
        "{{fail .a}}",
        "{{ 0x1F }}",
        "{{ 1e3 }}",
        "{{ 'x' }}",
        "{{ -0 }}",
        "{{`raw`}}",
        "{{\"\\u00e9\"}}",
        "(",
        ")",
        "|",
        ".",
        "$",
        ":=",
        "=",
        "\"",
        "`",
        "'",
        ",",
    ])
}

fn template_text() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..24).prop_map(|v| v.concat())
}

/// Well-formed templates from a small grammar: balanced blocks around random pipelines, so most
/// cases reach execution.
fn operand() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        ".",
        ".a",
        ".b",
        ".c",
        ".a.b",
        ".c.a.b",
        "$",
        "$.a",
        "1",
        "-2",
        "2.5",
        "0x10",
        "'x'",
        "\"s\"",
        "`r`",
        "true",
        "false",
        "nil",
        "(echo .a)",
        "(index . \"a\")",
        "(len .b)",
    ])
    .prop_map(str::to_owned)
}

fn pipeline() -> impl Strategy<Value = String> {
    let func = prop::sample::select(vec![
        "",
        "echo",
        "not",
        "len",
        "index",
        "slice",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "and",
        "or",
        "print",
        "printf \"%v|%d|%s|%q|%x|%6.2f\"",
        "println",
        "html",
        "js",
        "urlquery",
        "list",
        "fail",
        "call",
    ]);
    (
        func,
        prop::collection::vec(operand(), 0..4),
        prop::option::of(prop::sample::select(vec![
            "echo",
            "print",
            "len",
            "not",
            "printf \"%v\"",
            "or 0",
            "and 1",
        ])),
    )
        .prop_map(|(f, args, piped)| {
            let mut p = if f.is_empty() {
                args.first().cloned().unwrap_or_else(|| ".".into())
            } else {
                format!("{f} {}", args.join(" "))
            };
            if let Some(next) = piped {
                p = format!("{p} | {next}");
            }
            p
        })
}

fn structured() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[a-z \n]{0,6}".prop_map(|s| s),
        pipeline().prop_map(|p| format!("{{{{{p}}}}}")),
        pipeline().prop_map(|p| format!("{{{{- $v := {p} -}}}}{{{{$v}}}}")),
        Just("{{template \"sub\" .a}}".to_owned()),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        let body = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
        (
            prop::sample::select(vec![
                "if",
                "with",
                "range",
                "range $i, $e :=",
                "range $e :=",
            ]),
            pipeline(),
            body.clone(),
            prop::option::of(body),
        )
            .prop_map(|(kw, p, b, e)| {
                let brk = if kw.starts_with("range") {
                    "{{if .a}}{{break}}{{end}}{{continue}}"
                } else {
                    ""
                };
                match e {
                    Some(e) => format!("{{{{{kw} {p}}}}}{b}{brk}{{{{else}}}}{e}{{{{end}}}}"),
                    None => format!("{{{{{kw} {p}}}}}{b}{brk}{{{{end}}}}"),
                }
            })
    })
}

fn check(text: &str, data: &Value) {
    let mut set = Templates::new(funcs()).with_limits(limits());
    match set.parse("t", text) {
        Ok(()) => {
            if let Err(e) = set.execute("t", data) {
                assert!(e.to_string().starts_with("template: "), "{e}");
            }
            for name in set.names() {
                let _ = set.execute(name, data);
            }
        }
        Err(e) => assert!(e.to_string().starts_with("template: "), "{e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in ".{0,200}") {
        let mut set = Templates::new(funcs()).with_limits(limits());
        if let Err(e) = set.parse("t", &text) {
            prop_assert!(e.to_string().starts_with("template: "));
        }
    }

    #[test]
    fn arbitrary_bytes_near_actions_never_panic(text in "(\\{\\{|\\}\\}|[-. $|():=\"`'\\\\a-z0-9_/*\n])*") {
        check(&text, &Value::NoValue);
    }

    #[test]
    fn structured_templates_execute_without_panic(body in structured(), data in json_value()) {
        let text = format!("{{{{define \"sub\"}}}}{{{{.}}}}{{{{end}}}}{body}");
        check(&text, &Value::from_json(&data));
    }

    #[test]
    fn grammar_templates_execute_without_panic(text in template_text(), data in json_value()) {
        check(&text, &Value::from_json(&data));
    }
}

/// Keeps generating random templates and data until `GOTEMPLATE_FUZZ_SECONDS` have passed
/// (`fuzz/run.sh` uses it when no nightly toolchain is available); a short run otherwise.
#[test]
fn timed_random_inputs() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::time::{Duration, Instant};

    let seconds: u64 = std::env::var("GOTEMPLATE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runner = TestRunner::deterministic();
    let strategy = (
        prop_oneof![structured(), template_text(), ".{0,120}"],
        json_value(),
    );
    let mut cases = 0u64;
    loop {
        let (text, data) = strategy.new_tree(&mut runner).unwrap().current();
        check(&text, &Value::from_json(&data));
        cases += 1;
        if Instant::now() >= deadline && cases >= 500 {
            break;
        }
    }
    println!("timed_random_inputs: {cases} cases without a panic");
}

//! Parses and executes arbitrary input with small budgets: must never panic, hang or overflow.
//!
//! Input layout: template text, then optionally a NUL byte followed by JSON data for dot.

#![no_main]

use gotemplate::{Funcs, Function, Limits, Templates, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let (text, data) = match input.iter().position(|&b| b == 0) {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let data = serde_json::from_slice::<serde_json::Value>(data)
        .map(|j| Value::from_json(&j))
        .unwrap_or(Value::NoValue);
    let funcs = Funcs::new()
        .with(
            "echo",
            Function::new(|a| Ok(a.first().cloned().unwrap_or(Value::Nil))),
        )
        .with("fail", Function::fixed(1, |_| Err("failed".into())));
    let mut set = Templates::new(funcs).with_limits(Limits {
        max_steps: 50_000,
        max_output: 1 << 20,
        max_template_depth: 50,
        ..Limits::default()
    });
    if set.parse("fuzz", text).is_ok() {
        let names: Vec<String> = set.names().into_iter().map(str::to_owned).collect();
        for name in names {
            let _ = set.execute(&name, &data);
        }
    }
});

//! Timings for what the policy does on every admission request: parse Istio's whole injector
//! config (all eight templates), then execute a template over a large pod.
//!
//! `cargo bench -p gotemplate` (or `cargo run --release --bench parse_istio`). Skips the Istio
//! part with a message when the conformance data is absent.

use std::hint::black_box;
use std::time::{Duration, Instant};

use gotemplate::{Funcs, Templates, Value};

#[path = "../tests/support/mod.rs"]
mod support;
use support::stub_funcs;

fn time<T>(label: &str, iterations: u32, mut f: impl FnMut() -> T) {
    for _ in 0..iterations.min(5) {
        black_box(f());
    }
    let start = Instant::now();
    for _ in 0..iterations {
        black_box(f());
    }
    let per: Duration = start.elapsed() / iterations;
    println!(
        "{label:<55} {:>10.1} µs/iter ({iterations} iterations)",
        per.as_secs_f64() * 1e6
    );
}

fn istio_templates() -> Option<Vec<(String, String)>> {
    istio_conformance::chart_templates(&istio_conformance::locate()?).ok()
}

fn main() {
    match istio_templates() {
        None => println!("{}", istio_conformance::ABSENT_MESSAGE),
        Some(templates) => {
            let bytes: usize = templates.iter().map(|(_, t)| t.len()).sum();
            let lines: usize = templates.iter().map(|(_, t)| t.lines().count()).sum();
            println!(
                "Istio injector config: {} templates, {lines} lines, {bytes} bytes",
                templates.len()
            );
            time("parse all 8 Istio templates", 200, || {
                let mut set = Templates::new(stub_funcs());
                for (name, text) in &templates {
                    set.parse(name, text).expect("Istio templates parse");
                }
                set
            });
            if let Some((_, sidecar)) = templates.iter().find(|(n, _)| n == "sidecar") {
                time("parse the sidecar template", 500, || {
                    let mut set = Templates::new(stub_funcs());
                    set.parse("sidecar", sidecar).expect("sidecar parses");
                    set
                });
            }
        }
    }

    // Execution cost must grow linearly with pod size.
    let text = "{{- range $i, $c := .containers }}\n- name: {{ $c.name }}\n  env:\n{{- range $c.env }}\n  - name: {{ .name }}\n    value: {{ printf \"%q\" .value }}\n{{- end }}{{ end }}";
    let mut set = Templates::new(Funcs::new());
    set.parse("pod", text).expect("parses");
    for n in [100usize, 1000, 10_000] {
        let env: Vec<serde_json::Value> = (0..n)
            .map(|i| serde_json::json!({"name": format!("VAR_{i}"), "value": format!("value {i}")}))
            .collect();
        let data =
            Value::from_json(&serde_json::json!({"containers": [{"name": "app", "env": env}]}));
        time(
            &format!("execute over a container with {n} env vars"),
            50,
            || set.execute("pod", &data).expect("executes"),
        );
    }
}

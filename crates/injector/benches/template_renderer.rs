//! Timings of the Go-template renderer on what the policy does per admission request:
//! parse the cluster's injector config (all eight chart templates), then inject a pod —
//! next to the built-in renderer on the same pod.
//!
//! `cargo bench -p injector --bench template_renderer`. Skips with a message when the
//! conformance data (for the chart templates) is absent.

use std::hint::black_box;
use std::time::{Duration, Instant};

use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::render::template::Templates;
use injector::{Injector, Options, PodContext};
use serde_json::json;

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
        "{label:<60} {:>9.1} µs/iter ({iterations} iterations)",
        per.as_secs_f64() * 1e6
    );
}

fn main() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("base/injector-config.yaml"))
        .expect("the data set's injector config");
    let config = InjectorConfig::from_str(&text).expect("chart config");
    time("InjectorConfig::from_str (chart config)", 200, || {
        InjectorConfig::from_str(&text)
    });
    time("Templates::parse (8 chart templates)", 200, || {
        Templates::parse(&config)
    });

    let ctx = PodContext {
        namespace: "default",
        namespace_annotations: None,
    };
    let pod = |containers: usize, envs: usize| {
        let env: Vec<_> = (0..envs)
            .map(|i| json!({"name": format!("VAR_{i}"), "value": "x"}))
            .collect();
        let list: Vec<_> = (0..containers)
            .map(|i| {
                json!({"name": format!("app{i}"), "image": "app:1", "env": env,
                            "ports": [{"containerPort": 8080 + i}]})
            })
            .collect();
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
               "spec": {"containers": list}})
    };
    let templates = Injector::new(
        config.clone(),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        Options::default(),
    )
    .expect("template injector");
    let builtin = Injector::new(
        InjectorConfig::builtin(),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        Options::default(),
    )
    .expect("builtin injector");
    for (containers, envs) in [(1, 0), (10, 100)] {
        let p = pod(containers, envs);
        time(
            &format!("inject, templates ({containers} containers x {envs} env)"),
            200,
            || templates.inject(&p, &ctx),
        );
        time(
            &format!("inject, builtin   ({containers} containers x {envs} env)"),
            200,
            || builtin.inject(&p, &ctx),
        );
    }
    time(
        "Injector::new with chart templates + inject (1 container)",
        200,
        || {
            let injector = Injector::new(
                config.clone(),
                Values::istio_defaults(),
                MeshConfig::istio_defaults(),
                Options::default(),
            )
            .expect("injector");
            injector.inject(&pod(1, 0), &ctx)
        },
    );
}

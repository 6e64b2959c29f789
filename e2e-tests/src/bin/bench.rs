//! `bench`: evaluation latency of the built policy next to the no-op policy, both run the way
//! the policy server runs them (a fresh instance per evaluation), printed as a Markdown table.
//!
//! ```text
//! cargo run -p e2e-tests --profile bench --bin bench -- [--policy WASM] [--noop WASM]
//!     [--iterations N] [--warmup N] [--settings LABEL=JSON|@FILE]... [--istio-templates]
//! ```
//! The no-op module is `e2e-tests/noop-policy` built with
//! `cargo build -p noop-policy --target wasm32-wasip1 --release`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use e2e_tests::documents::{parse_value, read_value};
use e2e_tests::paths::{NOOP_HINT, POLICY_HINT};
use e2e_tests::stats::Summary;
use e2e_tests::workload::pod_create_request;
use e2e_tests::{
    FixtureHost, HarnessError, Policy, conformance_dir, noop_policy_wasm_path, policy_wasm_path,
};
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(about = "Benchmark a policy module against the no-op policy")]
struct Args {
    /// The policy module (default: $POLICY_WASM, else policy.wasm at the workspace root).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// The no-op module (default: $NOOP_POLICY_WASM, else the noop-policy release build).
    #[arg(long)]
    noop: Option<PathBuf>,
    /// Timed evaluations per row.
    #[arg(long, default_value_t = 200)]
    iterations: usize,
    /// Untimed evaluations before each row.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Extra settings to benchmark, as `LABEL=JSON` or `LABEL=@FILE` (repeatable).
    #[arg(long = "settings", value_name = "LABEL=JSON|@FILE")]
    settings: Vec<String>,
    /// Add rows with Istio's own templates, values and mesh config as settings (from the
    /// conformance data set's `base/`, when present).
    #[arg(long)]
    istio_templates: bool,
}

struct Case {
    name: String,
    request: Value,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), HarnessError> {
    let policy_path = args.policy.clone().unwrap_or_else(policy_wasm_path);
    let noop_path = args.noop.clone().unwrap_or_else(noop_policy_wasm_path);
    let policy = Policy::load_with_hint(&policy_path, POLICY_HINT)?;
    let noop = Policy::load_with_hint(&noop_path, NOOP_HINT)?;
    let settings_sets = settings_sets(args)?;
    let cases = cases()?;
    let host = FixtureHost::new();
    let empty = json!({});

    println!("policy: {}", policy_path.display());
    println!("no-op:  {}", noop_path.display());
    println!(
        "{} timed evaluations per row after {} warm-up ones; fresh instance per evaluation.\n",
        args.iterations, args.warmup
    );
    println!("| case | mean µs | p50 | p95 | ratio to no-op |");
    println!("|---|---:|---:|---:|---:|");

    let noop_instance = measure(args, || noop.instantiate())?;
    let policy_instance = measure(args, || policy.instantiate())?;
    row(
        "instance creation only (no-op)",
        &noop_instance,
        &noop_instance,
    );
    row(
        "instance creation only (policy)",
        &policy_instance,
        &noop_instance,
    );

    let mut growth = Vec::new();
    for (label, settings) in &settings_sets {
        let verdict = policy.validate_settings(settings)?;
        if !verdict.valid {
            println!(
                "| {label}: settings rejected ({}) | | | | |",
                verdict.message.unwrap_or_default().replace('|', "/")
            );
            continue;
        }
        for case in &cases {
            let baseline = measure(args, || noop.evaluate(&case.request, &empty, &host))?;
            let timed = measure(args, || policy.evaluate(&case.request, settings, &host))?;
            row(&format!("{} (no-op)", case.name), &baseline, &baseline);
            row(&format!("{}, {label}", case.name), &timed, &baseline);
            growth.push((
                label.clone(),
                case.name.clone(),
                timed.mean_us - baseline.mean_us,
            ));
        }
    }
    print_growth(&growth);
    Ok(())
}

/// The evaluation cost above the no-op, per unit of pod size: if it stays flat as the pod
/// grows, the cost grows linearly.
fn print_growth(growth: &[(String, String, f64)]) {
    let cost = |label: &str, case: &str| {
        growth
            .iter()
            .find(|(l, c, _)| l == label && c == case)
            .map(|(_, _, cost)| *cost)
    };
    let mut labels = growth.iter().map(|(l, _, _)| l.clone()).collect::<Vec<_>>();
    labels.dedup();
    println!();
    for label in labels {
        if let (Some(small), Some(large)) =
            (cost(&label, "500 env vars"), cost(&label, "2,000 env vars"))
        {
            println!(
                "{label}: {:.1} µs per env var up to 500, {:.1} µs per env var from 500 to 2,000",
                small / 500.0,
                (large - small) / 1500.0
            );
        }
        if let (Some(one), Some(ten)) = (cost(&label, "typical pod"), cost(&label, "10 containers"))
        {
            println!(
                "{label}: {:.0} µs for the first container, {:.0} µs per further container",
                one,
                (ten - one) / 9.0
            );
        }
    }
}

fn row(name: &str, summary: &Summary, baseline: &Summary) {
    println!(
        "| {name} | {:.0} | {:.0} | {:.0} | {:.2} |",
        summary.mean_us,
        summary.p50_us,
        summary.p95_us,
        summary.mean_us / baseline.mean_us
    );
}

fn measure<T>(
    args: &Args,
    mut run: impl FnMut() -> Result<T, HarnessError>,
) -> Result<Summary, HarnessError> {
    for _ in 0..args.warmup {
        run()?;
    }
    let mut timings = Vec::with_capacity(args.iterations);
    for _ in 0..args.iterations.max(1) {
        let start = Instant::now();
        run()?;
        timings.push(start.elapsed());
    }
    Summary::of(&timings).ok_or_else(|| HarnessError::Input {
        what: "benchmark".to_owned(),
        message: "no timings".to_owned(),
    })
}

fn settings_sets(args: &Args) -> Result<Vec<(String, Value)>, HarnessError> {
    let mut sets = vec![("default settings".to_owned(), json!({}))];
    for spec in &args.settings {
        let (label, value) = spec.split_once('=').ok_or_else(|| HarnessError::Input {
            what: format!("--settings {spec}"),
            message: "expected LABEL=JSON or LABEL=@FILE".to_owned(),
        })?;
        let settings = match value.strip_prefix('@') {
            Some(path) => read_value(&PathBuf::from(path))?,
            None => parse_value(value, "--settings")?,
        };
        sets.push((label.to_owned(), settings));
    }
    if args.istio_templates {
        match istio_template_settings()? {
            Some(settings) => sets.push(("Istio templates".to_owned(), settings)),
            None => eprintln!("bench: no conformance data set; skipping the Istio template rows"),
        }
    }
    Ok(sets)
}

/// Settings that make the policy render Istio's own chart templates with the chart's
/// default values and mesh config, as the in-cluster ConfigMaps would hold them.
fn istio_template_settings() -> Result<Option<Value>, HarnessError> {
    let Some(dir) = conformance_dir() else {
        return Ok(None);
    };
    let read = |name: &str| {
        let path = dir.join("base").join(name);
        std::fs::read_to_string(&path).map_err(|e| HarnessError::Io { path, source: e })
    };
    Ok(Some(json!({
        "injectorConfig": read("injector-config.yaml")?,
        "values": read("values.json")?,
        "meshConfig": read("mesh.yaml")?,
    })))
}

fn cases() -> Result<Vec<Case>, HarnessError> {
    let container = |name: &str, port: u16, env: usize| {
        let env = (0..env)
            .map(|i| json!({"name": format!("VAR_{i}"), "value": format!("value-{i}")}))
            .collect::<Vec<_>>();
        json!({
            "name": name,
            "image": format!("registry.example.com/shop/{name}:1.4.2"),
            "ports": [{"name": "http", "containerPort": port}],
            "env": env,
            "readinessProbe": {"httpGet": {"path": "/ready", "port": port}},
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        })
    };
    let deployment = |name: &str, containers: Vec<Value>| {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name, "version": "v1"}},
                    "spec": {"containers": containers},
                },
            },
        })
    };
    let specs = vec![
        (
            "typical pod",
            deployment("productpage", vec![container("productpage", 9080, 3)]),
        ),
        (
            "10 containers",
            deployment(
                "sidecars",
                (0..10u16)
                    .map(|i| container(&format!("worker-{i}"), 8080 + i, 3))
                    .collect(),
            ),
        ),
        (
            "500 env vars",
            deployment("config-heavy", vec![container("app", 8080, 500)]),
        ),
        (
            "2,000 env vars",
            deployment("config-heavier", vec![container("app", 8080, 2000)]),
        ),
    ];
    specs
        .into_iter()
        .map(|(name, workload)| {
            Ok(Case {
                name: name.to_owned(),
                request: pod_create_request(&workload, "default")?,
            })
        })
        .collect()
}

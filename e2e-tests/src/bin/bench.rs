//! `bench`: evaluation latency of the built policy next to the no-op policy, both run the way
//! the policy server runs them (a fresh instance per evaluation), printed as a Markdown table.
//! An evaluation is timed whole (the payload written, the instance and its `validate` call,
//! the answer diffed into a JSON patch and encoded, as the policy server does) and in its guest
//! part (the instance and the call alone), and the host's handling of the answer is shown on
//! its own: any policy returning the same mutation costs the policy server that much. Under
//! each policy row, "its answer replayed" times a guest that answers the same bytes without
//! computing them: the floor of that row. The harness's own check that the patch applies back
//! runs once per row, untimed.
//!
//! ```text
//! cargo run -p e2e-tests --profile bench --bin bench -- [--policy WASM] [--noop WASM]
//!     [--iterations N] [--warmup N] [--seconds S] [--case TEXT]...
//!     [--settings LABEL=JSON|@FILE]... [--istio-templates]
//! ```
//! Each row stops after `--iterations` evaluations or `--seconds` seconds, whichever comes
//! first (at least five), so the 20,000-env-var rows stay affordable.
//! The no-op module is `e2e-tests/noop-policy` built with
//! `cargo build -p noop-policy --target wasm32-wasip1 --release`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
    /// Time budget of one row, in seconds (the warm-up gets a quarter of it on top).
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Only the cases whose name contains one of these texts (repeatable).
    #[arg(long = "case", value_name = "TEXT")]
    case: Vec<String>,
    /// Extra settings to benchmark, as `LABEL=JSON` or `LABEL=@FILE` (repeatable).
    #[arg(long = "settings", value_name = "LABEL=JSON|@FILE")]
    settings: Vec<String>,
    /// Add rows with Istio's own templates, values and mesh config (from the conformance data
    /// set's `base/`, when present): inline as the ConfigMaps' strings, inline as YAML objects,
    /// and read live from ConfigMaps answered by the host.
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
    let cases = cases()?
        .into_iter()
        .filter(|case| args.case.is_empty() || args.case.iter().any(|c| case.name.contains(c)))
        .collect::<Vec<_>>();
    let empty = json!({});
    let bare_host = FixtureHost::new();

    println!("policy: {}", policy_path.display());
    println!("no-op:  {}", noop_path.display());
    println!(
        "Up to {} timed evaluations or {} s per row after up to {} warm-up ones; fresh instance per evaluation.\n",
        args.iterations, args.seconds, args.warmup
    );
    println!(
        "| case | mean µs | p50 | p95 | ratio to no-op | guest mean µs | guest p50 | guest ratio to no-op | answer µs | CPU µs | minor faults |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

    let noop_instance = measure(args, || noop.instantiate().map(|_| None))?;
    let policy_instance = measure(args, || policy.instantiate().map(|_| None))?;
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
    for SettingsSet {
        label,
        settings,
        host,
    } in &settings_sets
    {
        let verdict = policy.validate_settings(settings)?;
        if !verdict.valid {
            println!(
                "| {label}: settings rejected ({}) | | | | | | |",
                verdict.message.unwrap_or_default().replace('|', "/")
            );
            continue;
        }
        for case in &cases {
            // Checked once (the patch applies back), then timed as the policy server runs it.
            noop.evaluate(&case.request, &empty, &bare_host)?;
            policy.evaluate(&case.request, settings, host)?;
            let baseline = measure(args, || {
                noop.serve(&case.request, &empty, &bare_host)
                    .map(|served| Some((served.guest, served.answer)))
            })?;
            let timed = measure(args, || {
                policy
                    .serve(&case.request, settings, host)
                    .map(|served| Some((served.guest, served.answer)))
            })?;
            // The floor under this row: the same answer from a guest that computes nothing.
            let replay = policy.replay_of(&case.request, settings, host)?;
            let replayed = measure(args, || {
                replay
                    .serve(&case.request, settings, &bare_host)
                    .map(|served| Some((served.guest, served.answer)))
            })?;
            row(&format!("{} (no-op)", case.name), &baseline, &baseline);
            row(&format!("{}, {label}", case.name), &timed, &baseline);
            row(
                &format!("{}, {label}: its answer replayed", case.name),
                &replayed,
                &baseline,
            );
            growth.push((
                label.clone(),
                case.name.clone(),
                (
                    timed.summary.mean_us - baseline.summary.mean_us,
                    timed.summary.p50_us - baseline.summary.p50_us,
                ),
            ));
        }
    }
    print_growth(&growth);
    Ok(())
}

/// How the evaluation cost above the no-op grows with the pod: for each series (env vars,
/// containers), the cost at each size and its ratio to the previous size, by the means and by
/// the medians (a few disturbed runs move the mean of a big row's forty). Linear growth keeps
/// the cost ratio near the size ratio (a doubling should cost at most 2.2×).
fn print_growth(growth: &[(String, String, (f64, f64))]) {
    let cost = |label: &str, case: &str| {
        growth
            .iter()
            .find(|(l, c, _)| l == label && c == case)
            .map(|(_, _, cost)| *cost)
    };
    let mut labels = growth.iter().map(|(l, _, _)| l.clone()).collect::<Vec<_>>();
    labels.dedup();
    println!();
    println!(
        "| settings | series | size | µs above no-op | × size | × cost | µs per unit | p50 µs above no-op | × cost by p50 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for label in &labels {
        for (series, sizes) in [
            ("env vars".to_owned(), ENV_SIZES),
            ("containers".to_owned(), CONTAINER_SIZES),
            (encoded_series("env vars"), ENV_SIZES),
            (encoded_series("containers"), CONTAINER_SIZES),
        ] {
            let mut previous: Option<(usize, (f64, f64))> = None;
            for &size in sizes {
                let Some((us, p50_us)) = cost(label, &case_name(&series, size)) else {
                    continue;
                };
                let (size_ratio, cost_ratio, p50_ratio) = match previous {
                    Some((p_size, (p_us, p_p50_us))) => (
                        format!("{:.2}", size as f64 / p_size as f64),
                        format!("{:.2}", us / p_us),
                        format!("{:.2}", p50_us / p_p50_us),
                    ),
                    None => (String::new(), String::new(), String::new()),
                };
                println!(
                    "| {label} | {series} | {size} | {us:.0} | {size_ratio} | {cost_ratio} | {:.2} | {p50_us:.0} | {p50_ratio} |",
                    us / size as f64
                );
                previous = Some((size, (us, p50_us)));
            }
        }
    }
}

fn row(name: &str, measured: &Measured, baseline: &Measured) {
    let summary = &measured.summary;
    let or_unknown = |v: Option<f64>, digits: usize| {
        v.map_or_else(|| "?".to_owned(), |v| format!("{v:.digits$}"))
    };
    let guest = match (&measured.guest, &baseline.guest) {
        (Some(guest), Some(base)) => format!(
            "{:.0} | {:.0} | {:.2}",
            guest.mean_us,
            guest.p50_us,
            guest.mean_us / base.mean_us
        ),
        _ => " | | ".to_owned(),
    };
    let answer = measured
        .answer_us
        .map_or_else(String::new, |us| format!("{us:.0}"));
    println!(
        "| {name} | {:.0} | {:.0} | {:.0} | {:.2} | {guest} | {answer} | {} | {} |",
        summary.mean_us,
        summary.p50_us,
        summary.p95_us,
        summary.mean_us / baseline.summary.mean_us,
        or_unknown(measured.cpu_us, 0),
        or_unknown(measured.faults, 1)
    );
}

/// A row's timings, whole and of the guest part (the instance and its call) where the row has
/// one; the mean CPU time of an evaluation (this thread's, so less moved by the
/// load of a shared machine than the wall clock); and the minor page faults per evaluation:
/// the pages a fresh instance touches (its linear memory is a fresh mapping), which the host
/// pays for on the first touch and again when the instance is dropped.
struct Measured {
    summary: Summary,
    guest: Option<Summary>,
    answer_us: Option<f64>,
    cpu_us: Option<f64>,
    faults: Option<f64>,
}

/// This thread's CPU time so far, in microseconds.
fn thread_cpu_us() -> Option<f64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill in.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| now.tv_sec as f64 * 1e6 + now.tv_nsec as f64 / 1e3)
}

/// This process's minor page faults so far (`/proc/self/stat`, field 10), where Linux has it.
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is parenthesised and may hold spaces: count after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(7)?.parse().ok()
}

/// Times `run` after a warm-up: at most `--iterations` runs or `--seconds` of them, at least
/// five. `run` answers how long its guest part and the host's handling of the answer took, when
/// it has them.
fn measure(
    args: &Args,
    mut run: impl FnMut() -> Result<Option<(Duration, Duration)>, HarnessError>,
) -> Result<Measured, HarnessError> {
    const MIN_SAMPLES: usize = 5;
    let warmup_start = Instant::now();
    for _ in 0..args.warmup {
        run()?;
        if warmup_start.elapsed().as_secs_f64() > args.seconds / 4.0 {
            break;
        }
    }
    let mut timings = Vec::with_capacity(args.iterations);
    let mut guest_timings = Vec::with_capacity(args.iterations);
    let mut answer_total = Duration::ZERO;
    let faults_before = minor_faults();
    let cpu_before = thread_cpu_us();
    let row_start = Instant::now();
    while timings.len() < args.iterations.max(1) {
        let start = Instant::now();
        let parts = run()?;
        timings.push(start.elapsed());
        if let Some((guest, answer)) = parts {
            guest_timings.push(guest);
            answer_total += answer;
        }
        if timings.len() >= MIN_SAMPLES && row_start.elapsed().as_secs_f64() > args.seconds {
            break;
        }
    }
    let cpu_us = cpu_before
        .zip(thread_cpu_us())
        .map(|(before, after)| (after - before) / timings.len() as f64);
    let faults = faults_before
        .zip(minor_faults())
        .map(|(before, after)| after.saturating_sub(before) as f64 / timings.len() as f64);
    let summary = Summary::of(&timings).ok_or_else(|| HarnessError::Input {
        what: "benchmark".to_owned(),
        message: "no timings".to_owned(),
    })?;
    Ok(Measured {
        summary,
        guest: Summary::of(&guest_timings),
        answer_us: (!guest_timings.is_empty())
            .then(|| answer_total.as_secs_f64() * 1e6 / guest_timings.len() as f64),
        cpu_us,
        faults,
    })
}

/// Settings to benchmark, with the host that answers the policy's look-ups under them.
struct SettingsSet {
    label: String,
    settings: Value,
    host: FixtureHost,
}

impl SettingsSet {
    fn new(label: &str, settings: Value) -> SettingsSet {
        SettingsSet {
            label: label.to_owned(),
            settings,
            host: FixtureHost::new(),
        }
    }
}

fn settings_sets(args: &Args) -> Result<Vec<SettingsSet>, HarnessError> {
    let mut sets = vec![SettingsSet::new("default settings", json!({}))];
    for spec in &args.settings {
        let (label, value) = spec.split_once('=').ok_or_else(|| HarnessError::Input {
            what: format!("--settings {spec}"),
            message: "expected LABEL=JSON or LABEL=@FILE".to_owned(),
        })?;
        let settings = match value.strip_prefix('@') {
            Some(path) => read_value(&PathBuf::from(path))?,
            None => parse_value(value, "--settings")?,
        };
        sets.push(SettingsSet::new(label, settings));
    }
    if args.istio_templates {
        match istio_template_sets()? {
            Some(istio) => sets.extend(istio),
            None => eprintln!("bench: no conformance data set; skipping the Istio template rows"),
        }
    }
    Ok(sets)
}

/// Istio's own chart templates with the chart's default values and mesh config, three ways:
/// inline as the in-cluster ConfigMaps hold them (strings), inline as YAML objects, and read
/// live from those ConfigMaps through the host (`configMaps`); and the strings once more with
/// the injection policy disabled, the floor under the first row.
fn istio_template_sets() -> Result<Option<Vec<SettingsSet>>, HarnessError> {
    let Some(dir) = conformance_dir() else {
        return Ok(None);
    };
    let read = |name: &str| {
        let path = dir.join("base").join(name);
        std::fs::read_to_string(&path).map_err(|e| HarnessError::Io { path, source: e })
    };
    let (config, values, mesh) = (
        read("injector-config.yaml")?,
        read("values.json")?,
        read("mesh.yaml")?,
    );
    let object = |what: &str, text: &str| {
        serde_yaml_ng::from_str::<Value>(text).map_err(|e| HarnessError::Input {
            what: what.to_owned(),
            message: e.to_string(),
        })
    };
    let strings =
        |config: &str| json!({"injectorConfig": config, "values": values, "meshConfig": mesh});
    let inline = strings(&config);
    // The same, with the chart's own templates run by the Go-template engine instead of being
    // recognised and built natively: what a cluster with edited templates pays.
    let mut engine = inline.clone();
    engine["stockTemplates"] = json!("engine");
    // The same settings with Istio's opt-in policy: a pod without the inject annotation is
    // let through untouched, so its row is what reading the settings costs a fresh instance,
    // before any template is parsed or run.
    let opt_in = policy_disabled(&config).map(|config| strings(&config));
    let objects = json!({
        "injectorConfig": object("injector-config.yaml", &config)?,
        "values": object("values.json", &values)?,
        "meshConfig": object("mesh.yaml", &mesh)?,
    });
    let config_map = |name: &str, data: Value| {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "istio-system"},
            "data": data,
        })
    };
    let live_host = FixtureHost::new()
        .with(config_map(
            "istio-sidecar-injector",
            json!({"config": config, "values": values}),
        ))?
        .with(config_map("istio", json!({"mesh": mesh})))?;
    let mut sets = vec![
        SettingsSet::new("Istio templates", inline),
        SettingsSet::new(
            "Istio templates, all through the engine (stockTemplates: engine)",
            engine,
        ),
        SettingsSet::new("Istio templates as objects", objects),
        SettingsSet {
            label: "Istio templates from live ConfigMaps".to_owned(),
            settings: json!({"configMaps": {}}),
            host: live_host,
        },
    ];
    match opt_in {
        Some(settings) => sets.push(SettingsSet::new(
            "Istio templates, policy disabled (settings read, pod not injected)",
            settings,
        )),
        None => eprintln!(
            "bench: injector-config.yaml has no top-level `policy: enabled` line; skipping the \
             settings-read row"
        ),
    }
    Ok(Some(sets))
}

/// `config` (the injector ConfigMap's `config`) with its top-level `policy: enabled` line set
/// to `disabled`; `None` when it has no such line.
fn policy_disabled(config: &str) -> Option<String> {
    let mut found = false;
    let text: String = config
        .split_inclusive('\n')
        .map(|line| {
            if !found && line.trim_end() == "policy: enabled" {
                found = true;
                "policy: disabled\n"
            } else {
                line
            }
        })
        .collect();
    found.then_some(text)
}

/// Env var counts of the single-container series (consecutive rows mostly double).
const ENV_SIZES: &[usize] = &[500, 1_000, 2_000, 5_000, 10_000, 20_000];
/// Container counts of the many-container series (three env vars each).
const CONTAINER_SIZES: &[usize] = &[10, 100, 250, 500, 1_000];

fn case_name(series: &str, size: usize) -> String {
    let mut digits = size.to_string();
    if size >= 1_000 {
        digits.insert(digits.len() - 3, ',');
    }
    format!("{digits} {series}")
}

fn cases() -> Result<Vec<Case>, HarnessError> {
    let container = |name: &str, port: usize, env: usize| {
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
    let mut specs = vec![(
        "typical pod".to_owned(),
        deployment("productpage", vec![container("productpage", 9080, 3)]),
    )];
    for &count in CONTAINER_SIZES {
        // Ports stay distinct and valid however many containers there are.
        let containers = (0..count)
            .map(|i| container(&format!("worker-{i}"), 8080 + i, 3))
            .collect();
        specs.push((
            case_name("containers", count),
            deployment("sidecars", containers),
        ));
    }
    for &count in ENV_SIZES {
        specs.push((
            case_name("env vars", count),
            deployment("config-heavy", vec![container("app", 8080, count)]),
        ));
    }
    let mut cases = specs
        .into_iter()
        .map(|(name, workload)| {
            Ok(Case {
                name,
                request: pod_create_request(&workload, "default")?,
            })
        })
        .collect::<Result<Vec<_>, HarnessError>>()?;
    // The harness writes a pod's members in its own order; an API server encodes them in Go's
    // (struct fields in declaration order, map keys sorted), which the injector takes as the
    // pod's typed form without copying it again. The typical pod and both growth series are
    // measured that way too.
    let encoded = cases
        .iter()
        .map(|case| {
            let name = match case.name.as_str() {
                "typical pod" => "API-server-encoded pod".to_owned(),
                series => encoded_series(series),
            };
            api_server_encoded(case, name)
        })
        .collect::<Result<Vec<_>, HarnessError>>()?;
    cases.extend(encoded);
    Ok(cases)
}

/// The name of a growth series whose pods are encoded as an API server sends them.
fn encoded_series(series: &str) -> String {
    format!("{series}, API-server-encoded")
}

/// `case` with its pod in Go's field order, as an API server sends it.
fn api_server_encoded(case: &Case, name: String) -> Result<Case, HarnessError> {
    let mut request = case.request.clone();
    if let Some(object) = request.get_mut("object") {
        let pod = std::mem::take(object);
        *object = injector::k8s::normalize_owned(&injector::k8s::POD, pod, &Default::default())
            .map_err(|e| HarnessError::Input {
                what: case.name.clone(),
                message: e.to_string(),
            })?;
    }
    Ok(Case { name, request })
}

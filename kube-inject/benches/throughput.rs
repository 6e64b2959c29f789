//! Throughput of the `kube-inject` binary on a large multi-document file: workloads per second
//! and peak RSS of one run, for the built-in renderer and for Istio's own templates (the
//! chart's recognised and built natively, and, as `engine`, all through the Go-template engine),
//! on one worker and on one per CPU. The baseline, measured in the same run, is the same file with
//! injection switched off in every pod template (`sidecar.istio.io/inject: "false"`): what
//! reading, decoding and writing the workloads back as Go would costs without injecting.
//!
//! `cargo bench -p kube-inject --bench throughput [-- --workloads N] [--inject-config FILE]
//! [--keep-inputs DIR]` (`make bench-kube-inject`); `--keep-inputs` leaves the generated
//! `workloads.yaml` and `opted-out.yaml` in `DIR`. The Istio templates, values and mesh config come from the
//! conformance data set's `base/` (`$ISTIO_CONFORMANCE_DIR` or `../shared/istio-conformance`)
//! unless `--inject-config` names a ConfigMap `config` file; without either, that row is
//! skipped with a message. `KUBE_INJECT_BIN` measures another build of the binary instead.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kube-inject");

/// The binary measured: this build's, or `$KUBE_INJECT_BIN` (another build, for a before/after
/// comparison in the same minutes).
fn binary() -> String {
    std::env::var("KUBE_INJECT_BIN")
        .ok()
        .filter(|bin| !bin.is_empty())
        .unwrap_or_else(|| BIN.to_string())
}

const DEFAULT_WORKLOADS: usize = 10_000;

struct Options {
    workloads: usize,
    inject_config: Option<PathBuf>,
    /// Where to leave the two generated inputs (for profiling or `cmp` against another build).
    keep_inputs: Option<PathBuf>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        workloads: DEFAULT_WORKLOADS,
        inject_config: None,
        keep_inputs: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--workloads" => {
                let value = args.next().ok_or("--workloads needs a number")?;
                options.workloads = value
                    .parse()
                    .map_err(|e| format!("--workloads {value}: {e}"))?;
            }
            "--inject-config" => {
                options.inject_config = Some(PathBuf::from(
                    args.next().ok_or("--inject-config needs a file")?,
                ));
            }
            "--keep-inputs" => {
                options.keep_inputs = Some(PathBuf::from(
                    args.next().ok_or("--keep-inputs needs a directory")?,
                ));
            }
            // cargo passes `--bench`; filters and other harness flags mean nothing here.
            _ => {}
        }
    }
    Ok(options)
}

/// One Deployment as teams write them: labels, annotations, an app container with ports,
/// env, probes, resources and mounts, a log-shipping sidecar, volumes.
fn deployment(out: &mut String, index: usize, inject: bool) {
    let name = format!("svc-{index:05}");
    let opt_out = if inject {
        ""
    } else {
        "\n        sidecar.istio.io/inject: \"false\""
    };
    let _ = write!(
        out,
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: team-{team}
  labels:
    app: {name}
    version: v{version}
    team: team-{team}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: {name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: {name}
        version: v{version}
      annotations:
        prometheus.io/scrape: \"true\"
        prometheus.io/port: \"9090\"{opt_out}
    spec:
      serviceAccountName: {name}
      containers:
      - name: app
        image: registry.example.com/team-{team}/{name}:1.{version}.0
        imagePullPolicy: IfNotPresent
        ports:
        - name: http
          containerPort: 8080
        - name: metrics
          containerPort: 9090
        env:
        - name: LOG_LEVEL
          value: info
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: DATABASE_URL
          valueFrom:
            secretKeyRef:
              name: {name}-db
              key: url
        - name: FEATURE_FLAGS
          value: checkout,search,recommendations
        readinessProbe:
          httpGet:
            path: /ready
            port: http
          periodSeconds: 5
        livenessProbe:
          httpGet:
            path: /healthz
            port: 8080
          initialDelaySeconds: 10
        resources:
          requests:
            cpu: 250m
            memory: 256Mi
          limits:
            cpu: \"1\"
            memory: 512Mi
        volumeMounts:
        - name: config
          mountPath: /etc/{name}
        - name: logs
          mountPath: /var/log/app
      - name: log-shipper
        image: registry.example.com/platform/log-shipper:2.4.1
        args: [\"--path=/var/log/app\", \"--format=json\"]
        resources:
          requests:
            cpu: 50m
            memory: 64Mi
        volumeMounts:
        - name: logs
          mountPath: /var/log/app
          readOnly: true
      volumes:
      - name: config
        configMap:
          name: {name}-config
      - name: logs
        emptyDir: {{}}
---
",
        team = index % 40,
        version = index % 7 + 1,
    );
}

fn generate(workloads: usize, inject: bool) -> String {
    let mut text = String::with_capacity(workloads * 2400);
    for index in 0..workloads {
        deployment(&mut text, index, inject);
    }
    text
}

struct Measurement {
    elapsed: Duration,
    peak_rss_kib: i64,
    output_bytes: u64,
}

/// Runs the binary once and reaps it with `wait4`, which reports the peak RSS of that child
/// alone (`getrusage(RUSAGE_CHILDREN)` would report the largest child so far).
fn measure(args: &[&str], output: &Path) -> Result<Measurement, String> {
    // A file, not a pipe: nobody reads a pipe while waiting, and a full one would block.
    let log = output.with_extension("stderr");
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let start = Instant::now();
    let bin = binary();
    let child = Command::new(&bin)
        .args(args)
        .env_remove("ENABLE_NATIVE_SIDECARS")
        .env_remove("COMPLIANCE_POLICY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file))
        .spawn()
        .map_err(|e| format!("{bin}: {e}"))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; `pid` is our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    if reaped != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        let stderr = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("kube-inject failed ({status}): {}", stderr.trim()));
    }
    let output_bytes = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    Ok(Measurement {
        elapsed,
        peak_rss_kib: usage.ru_maxrss,
        output_bytes,
    })
}

fn conformance_base() -> Option<PathBuf> {
    istio_conformance::locate().map(|dir| dir.join("base"))
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("throughput: {error}");
            std::process::exit(2);
        }
    };
    let work = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("throughput: temporary directory: {error}");
            std::process::exit(1);
        }
    };
    let write_input = |name: &str, inject: bool| -> Result<(PathBuf, f64), String> {
        let path = options
            .keep_inputs
            .as_deref()
            .unwrap_or(work.path())
            .join(name);
        let text = generate(options.workloads, inject);
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((path, text.len() as f64 / (1024.0 * 1024.0)))
    };
    let inputs = write_input("workloads.yaml", true)
        .and_then(|injected| Ok((injected, write_input("opted-out.yaml", false)?)));
    let ((input, input_mib), (opted_out, _)) = match inputs {
        Ok(inputs) => inputs,
        Err(error) => {
            eprintln!("throughput: {error}");
            std::process::exit(1);
        }
    };
    let output = work.path().join("injected.yaml");
    let input_arg = input.display().to_string();
    let opted_out_arg = opted_out.display().to_string();
    let output_arg = output.display().to_string();

    let base = conformance_base();
    let templates = match (&options.inject_config, &base) {
        (Some(config), _) => Ok(vec![
            "--injectConfigFile".to_string(),
            config.display().to_string(),
        ]),
        (None, Some(base)) => Ok(vec![
            "--injectConfigFile".to_string(),
            base.join("injector-config.yaml").display().to_string(),
            "--valuesFile".to_string(),
            base.join("values.json").display().to_string(),
            "--meshConfigFile".to_string(),
            base.join("mesh.yaml").display().to_string(),
        ]),
        (None, None) => Err(
            "skipped: no Istio templates (pass --inject-config FILE or set ISTIO_CONFORMANCE_DIR)"
                .to_string(),
        ),
    };
    // The same config with the chart's own templates run by the Go-template engine rather than
    // recognised and built natively: what edited templates cost.
    let engine = templates.clone().map(|mut args| {
        args.extend(["--stock-templates".to_string(), "engine".to_string()]);
        args
    });
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut job_counts = vec![1];
    if cpus > 1 {
        job_counts.push(cpus);
    }

    let mut rows: Vec<(&str, usize, Result<Measurement, String>)> = Vec::new();
    let cases = [
        ("baseline", opted_out_arg.as_str(), Ok(Vec::new())),
        ("builtin", input_arg.as_str(), Ok(Vec::new())),
        ("templates", input_arg.as_str(), templates),
        ("engine", input_arg.as_str(), engine),
    ];
    for (renderer, input, extra) in cases {
        for &jobs in &job_counts {
            let jobs_arg = jobs.to_string();
            let row = extra.clone().and_then(|extra| {
                let mut args = vec!["-f", input, "-o", output_arg.as_str()];
                args.extend(["--jobs", jobs_arg.as_str()]);
                args.extend(extra.iter().map(String::as_str));
                measure(&args, &output)
            });
            rows.push((renderer, jobs, row));
        }
    }
    let baseline_seconds = |jobs: usize| {
        rows.iter()
            .find(|(renderer, j, _)| *renderer == "baseline" && *j == jobs)
            .and_then(|(_, _, row)| row.as_ref().ok())
            .map(|m| m.elapsed.as_secs_f64())
    };
    let baselines: Vec<(usize, Option<f64>)> = job_counts
        .iter()
        .map(|&j| (j, baseline_seconds(j)))
        .collect();

    println!(
        "kube-inject throughput: {} Deployments, {input_mib:.1} MiB of YAML",
        options.workloads
    );
    println!(
        "baseline: the same Deployments with injection switched off (decode and write back only)"
    );
    println!(
        "{:<10} {:>5} {:>10} {:>10} {:>13} {:>12} {:>13} {:>12}",
        "renderer",
        "jobs",
        "workloads",
        "seconds",
        "workloads/s",
        "output MiB",
        "peak RSS MiB",
        "x baseline"
    );
    for (renderer, jobs, row) in rows {
        match row {
            Ok(m) => {
                let seconds = m.elapsed.as_secs_f64();
                let ratio = baselines
                    .iter()
                    .find(|(j, _)| *j == jobs)
                    .and_then(|(_, b)| *b)
                    .map_or("-".to_string(), |b| {
                        format!("{:.2}", seconds / b.max(f64::EPSILON))
                    });
                println!(
                    "{:<10} {:>5} {:>10} {:>10.2} {:>13.0} {:>12.1} {:>13.1} {:>12}",
                    renderer,
                    jobs,
                    options.workloads,
                    seconds,
                    options.workloads as f64 / seconds.max(f64::EPSILON),
                    m.output_bytes as f64 / (1024.0 * 1024.0),
                    m.peak_rss_kib as f64 / 1024.0,
                    ratio,
                );
            }
            Err(error) => println!("{renderer:<10} {jobs:>5} {error}"),
        }
    }
}

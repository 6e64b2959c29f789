//! `soak --addr HOST:PORT --pid PID [--seconds N] [--connections C] [--request FILE]`: mixed
//! traffic against a running policy-server serving `good` (this policy, default settings) and
//! `runaway` (this policy with a template that spends its whole budget), every answer checked.
//! `soak --runaway-settings` prints the runaway policy's settings. See e2e-tests/soak.sh.
//!
//! Phases: warm-up (a tenth, at least 3 s, not counted), then half the rest with the good
//! policy's traffic alone, then half with a connection hammering the runaway policy beside it.
//! Fails when an answer is not the expected one, on a 5xx, when RSS grows after warm-up, or
//! when the good policy's p99 beside the runaway exceeds its p99 alone by more than the
//! allowed factor.

mod http;
mod rss;
mod traffic;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use traffic::Class;

/// How much the good policy's p99 may grow beside the runaway one: on a 2-core machine the
/// runaway's evaluations take CPU from the good ones; the budget bounds how much.
const P99_FACTOR: f64 = 3.0;
/// RSS growth tolerated from the end of warm-up to the end (allocator noise, caches filling).
const RSS_SLACK: u64 = 32 << 20;

struct Sample {
    class: &'static str,
    phase: Phase,
    latency: Duration,
    status: u16,
    error: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Warmup,
    Alone,
    BesideRunaway,
}

struct Args {
    addr: String,
    pid: u32,
    seconds: u64,
    connections: usize,
    request: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().is_some_and(|a| a == "--runaway-settings") {
        println!("{}", traffic::runaway_settings());
        return Ok(());
    }
    let args = parse(&raw)?;
    let pod_create: Value = serde_json::from_str(&std::fs::read_to_string(&args.request)?)?;
    let classes = Arc::new(traffic::mixed(&pod_create));
    let runaway = Arc::new(traffic::runaway(&pod_create));

    let warmup = Duration::from_secs((args.seconds / 10).max(3));
    let phase = Duration::from_secs(args.seconds.saturating_sub(warmup.as_secs()).max(2) / 2);
    let samples = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let phase_at = move |t: Instant| match t.duration_since(started) {
        d if d < warmup => Phase::Warmup,
        d if d < warmup + phase => Phase::Alone,
        _ => Phase::BesideRunaway,
    };
    let end = started + warmup + 2 * phase;
    let rss = rss::Sampler::start(args.pid, Duration::from_millis(500));

    let mut workers = Vec::new();
    for worker in 0..args.connections {
        let (classes, samples, addr) = (classes.clone(), samples.clone(), args.addr.clone());
        workers.push(std::thread::spawn(move || {
            let mut connection = http::Connection::new(&addr);
            let mut i = worker;
            while Instant::now() < end {
                let class = &classes[i % classes.len()];
                i += 1;
                let sample = send(&mut connection, class, phase_at);
                samples.lock().expect("no poisoned lock").push(sample);
            }
        }));
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let (samples, addr, stop) = (samples.clone(), args.addr.clone(), stop.clone());
        workers.push(std::thread::spawn(move || {
            std::thread::sleep((warmup + phase).saturating_sub(started.elapsed()));
            let mut connection = http::Connection::new(&addr);
            while Instant::now() < end && !stop.load(Ordering::Relaxed) {
                let sample = send(&mut connection, &runaway, phase_at);
                samples.lock().expect("no poisoned lock").push(sample);
            }
        }));
    }
    for worker in workers {
        worker.join().map_err(|_| "a load thread panicked")?;
    }
    stop.store(true, Ordering::Relaxed);
    let rss = rss.stop();
    let samples = std::mem::take(&mut *samples.lock().expect("no poisoned lock"));
    report(&classes, &samples, &rss)
}

fn send(
    connection: &mut http::Connection,
    class: &Class,
    phase_at: impl Fn(Instant) -> Phase,
) -> Sample {
    let sent = Instant::now();
    let answer = connection.post(&format!("/validate/{}", class.policy), &class.body);
    let latency = sent.elapsed();
    let (status, error) = match answer {
        Ok(response) => (response.status, (class.check)(&response).err()),
        Err(e) => (0, Some(format!("no answer: {e}"))),
    };
    Sample {
        class: class.name,
        phase: phase_at(sent),
        latency,
        status,
        error,
    }
}

fn report(
    classes: &[Class],
    samples: &[Sample],
    rss: &rss::Samples,
) -> Result<(), Box<dyn std::error::Error>> {
    let counted: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.phase != Phase::Warmup)
        .collect();
    let mut failures = Vec::new();
    println!("| class | requests | expected answers | wrong | HTTP | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---|---:|---:|");
    let names = classes.iter().map(|c| c.name).chain(["runaway"]);
    for name in names {
        let of: Vec<&&Sample> = counted.iter().filter(|s| s.class == name).collect();
        let wrong: Vec<&&Sample> = of.iter().copied().filter(|s| s.error.is_some()).collect();
        let mut codes: Vec<u16> = of.iter().map(|s| s.status).collect();
        codes.sort_unstable();
        codes.dedup();
        let (p50, p99) = percentiles(of.iter().map(|s| s.latency));
        println!(
            "| {name} | {} | {} | {} | {} | {p50:.2} | {p99:.2} |",
            of.len(),
            of.len() - wrong.len(),
            wrong.len(),
            codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        for sample in wrong.iter().take(3) {
            failures.push(format!(
                "{name}: {}",
                sample.error.as_deref().unwrap_or_default()
            ));
        }
        if of.is_empty() {
            failures.push(format!("{name}: no request was answered"));
        }
        if codes.iter().any(|c| *c >= 500) {
            failures.push(format!("{name}: a 5xx answer"));
        }
    }
    let inject = |phase| {
        percentiles(
            counted
                .iter()
                .filter(|s| s.class == "inject" && s.phase == phase)
                .map(|s| s.latency),
        )
    };
    let (alone50, alone99) = inject(Phase::Alone);
    let (beside50, beside99) = inject(Phase::BesideRunaway);
    println!();
    println!("| good policy (inject) | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!("| alone | {alone50:.2} | {alone99:.2} |");
    println!("| beside the runaway | {beside50:.2} | {beside99:.2} |");
    if beside99 > alone99 * P99_FACTOR {
        failures.push(format!("the good policy's p99 grew from {alone99:.2} ms to {beside99:.2} ms beside the runaway (allowed ×{P99_FACTOR})"));
    }
    println!();
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    println!(
        "policy-server RSS: {:.1} MiB after warm-up, {:.1} MiB at the end, {:.1} MiB max ({} samples)",
        mib(rss.after_warmup),
        mib(rss.end),
        mib(rss.max),
        rss.count
    );
    if rss.end > rss.after_warmup + rss.after_warmup / 10 + RSS_SLACK {
        failures.push("RSS grew after warm-up".to_owned());
    }
    println!(
        "total: {} requests counted ({} in warm-up)",
        counted.len(),
        samples.len() - counted.len()
    );
    if failures.is_empty() {
        println!("soak: every answer as expected");
        Ok(())
    } else {
        Err(failures.join("\n").into())
    }
}

/// p50 and p99 in milliseconds.
fn percentiles(latencies: impl Iterator<Item = Duration>) -> (f64, f64) {
    let mut all: Vec<Duration> = latencies.collect();
    if all.is_empty() {
        return (0.0, 0.0);
    }
    all.sort_unstable();
    let at =
        |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    (at(0.50), at(0.99))
}

fn parse(raw: &[String]) -> Result<Args, String> {
    let usage =
        "usage: soak --addr HOST:PORT --pid PID [--seconds N] [--connections C] [--request FILE]";
    let mut args = Args {
        addr: String::new(),
        pid: 0,
        seconds: 60,
        connections: 2,
        request: "examples/requests/pod-create.json".to_owned(),
    };
    let mut it = raw.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(usage)?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--addr" => args.addr = value.clone(),
            "--pid" => args.pid = u32::try_from(number()?).map_err(|_| "--pid: too large")?,
            "--seconds" => args.seconds = number()?,
            "--connections" => {
                args.connections = usize::try_from(number()?)
                    .map_err(|_| "--connections")?
                    .max(1)
            }
            "--request" => args.request = value.clone(),
            _ => return Err(usage.to_owned()),
        }
    }
    if args.addr.is_empty() || args.pid == 0 {
        return Err(usage.to_owned());
    }
    Ok(args)
}

//! The policy server's resident memory, sampled from /proc while the soak runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Samples {
    /// The first sample after warm-up (the sampler starts with the load; see `stop`).
    pub after_warmup: u64,
    pub end: u64,
    pub max: u64,
    pub count: usize,
}

pub struct Sampler {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<u64>>>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    pub fn start(pid: u32, every: Duration) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, samples) = (stop.clone(), samples.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(rss) = rss(pid) {
                        samples.lock().expect("no poisoned lock").push(rss);
                    }
                    std::thread::sleep(every);
                }
            })
        };
        Sampler {
            stop,
            samples,
            thread,
        }
    }

    /// Stops sampling; warm-up is the first tenth of the samples (the load's own warm-up is a
    /// tenth of its time, at least 3 s).
    pub fn stop(self) -> Samples {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        let all = std::mem::take(&mut *self.samples.lock().expect("no poisoned lock"));
        let warm = (all.len() / 10).max(6).min(all.len().saturating_sub(1));
        Samples {
            after_warmup: all.get(warm).copied().unwrap_or(0),
            end: all.last().copied().unwrap_or(0),
            max: all.iter().copied().max().unwrap_or(0),
            count: all.len(),
        }
    }
}

/// VmRSS of `pid` in bytes.
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

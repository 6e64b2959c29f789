//! Injecting the documents of a stream, in order, on one thread or several.
//!
//! Documents are independent, so workers take them in turn; their results are put back in
//! input order before they are written, and the first failing document *in input order* fails
//! the run, exactly as a sequential istioctl would. The injector is not shared between threads
//! (template renderers keep per-thread caches), so each worker builds its own from the same
//! configuration.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use injector::Injector;
use injector::kubeinject::{DocumentOutput, KubeInjectError, inject_document};

use crate::progress::Progress;
use crate::sink::Sink;

/// A failed run: the error, and the warnings collected before it (istioctl prints both).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: String,
    pub warnings: Vec<String>,
}

impl From<String> for Failure {
    fn from(error: String) -> Self {
        Failure {
            error,
            warnings: Vec::new(),
        }
    }
}

/// Writes documents' results in order and collects their warnings.
struct Collector<'s, 'p, W: Write> {
    sink: &'s mut Sink,
    progress: &'p mut Progress<W>,
    warnings: Vec<String>,
    done: usize,
}

impl<W: Write> Collector<'_, '_, W> {
    fn take(&mut self, result: Result<DocumentOutput, KubeInjectError>) -> Result<(), Failure> {
        let written = result.map_err(|e| e.to_string()).and_then(|output| {
            self.warnings.extend(output.warnings);
            self.sink.write(&output.text)
        });
        if let Err(error) = written {
            return Err(Failure {
                error,
                warnings: std::mem::take(&mut self.warnings),
            });
        }
        self.done += 1;
        self.progress.update(self.done);
        Ok(())
    }
}

/// One document after the other with `injector`.
pub fn serial<W: Write>(
    injector: &Injector,
    documents: &[&str],
    sink: &mut Sink,
    progress: &mut Progress<W>,
) -> Result<Vec<String>, Failure> {
    let mut collector = Collector {
        sink,
        progress,
        warnings: Vec::new(),
        done: 0,
    };
    for document in documents {
        collector.take(inject_document(injector, document))?;
    }
    Ok(collector.warnings)
}

enum Message {
    Injected(usize, Result<DocumentOutput, KubeInjectError>),
    /// A worker could not build its injector.
    Broken(String),
}

/// `jobs` workers, each with an injector from `build`.
pub fn parallel<W: Write>(
    build: impl Fn() -> Result<Injector, String> + Sync,
    jobs: usize,
    documents: &[&str],
    sink: &mut Sink,
    progress: &mut Progress<W>,
) -> Result<Vec<String>, Failure> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Bounded, so that workers cannot run far ahead of the writer.
    let (sender, receiver) = mpsc::sync_channel::<Message>(jobs.saturating_mul(16));
    let mut collector = Collector {
        sink,
        progress,
        warnings: Vec::new(),
        done: 0,
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let sender = sender.clone();
            let (build, next, stop) = (&build, &next, &stop);
            scope.spawn(move || {
                let injector = match build() {
                    Ok(injector) => injector,
                    Err(error) => {
                        let _ = sender.send(Message::Broken(error));
                        return;
                    }
                };
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(document) = documents.get(index) else {
                        break;
                    };
                    let result = inject_document(&injector, document);
                    if sender.send(Message::Injected(index, result)).is_err() {
                        break;
                    }
                }
            });
        }
        // The workers hold the only senders left: the loop ends when they all have.
        drop(sender);
        let outcome = reorder(receiver, &mut collector);
        if outcome.is_err() {
            // Workers stop at their next document; the receiver is dropped on return, which
            // also releases any worker blocked on a full channel.
            stop.store(true, Ordering::Relaxed);
        }
        outcome
    })?;
    if collector.done < documents.len() {
        return Err(Failure {
            error: "an injection worker stopped early".to_string(),
            warnings: collector.warnings,
        });
    }
    Ok(collector.warnings)
}

/// Hands results to the collector in input order as they arrive in any order.
fn reorder<W: Write>(
    receiver: mpsc::Receiver<Message>,
    collector: &mut Collector<'_, '_, W>,
) -> Result<(), Failure> {
    let mut waiting = BTreeMap::new();
    let mut next = 0usize;
    for message in receiver {
        match message {
            Message::Broken(error) => {
                return Err(Failure {
                    error,
                    warnings: std::mem::take(&mut collector.warnings),
                });
            }
            Message::Injected(index, result) => {
                waiting.insert(index, result);
                while let Some(result) = waiting.remove(&next) {
                    collector.take(result)?;
                    next += 1;
                }
            }
        }
    }
    Ok(())
}

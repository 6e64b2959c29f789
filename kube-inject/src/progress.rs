//! "injected N/M documents", redrawn in place on stderr while a large input is injected. Only
//! for a person watching a terminal: pipes, files and tests never see it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Inputs with fewer documents finish before a counter would be worth reading.
pub const MIN_DOCUMENTS: usize = 200;
/// Redrawing more often only costs time.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

pub struct Progress<W: Write> {
    out: Option<W>,
    total: usize,
    last_drawn: Option<Instant>,
}

impl Progress<std::io::Stderr> {
    /// Shown when stderr is a terminal and the input is large.
    pub fn on_stderr(total: usize) -> Self {
        let stderr = std::io::stderr();
        let show = total >= MIN_DOCUMENTS && stderr.is_terminal();
        Progress::new(show.then_some(stderr), total)
    }
}

impl<W: Write> Progress<W> {
    /// A counter drawn on `out`, or a silent one for `None`.
    pub fn new(out: Option<W>, total: usize) -> Self {
        Progress {
            out,
            total,
            last_drawn: None,
        }
    }

    /// `done` documents of the total are injected.
    pub fn update(&mut self, done: usize) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let now = Instant::now();
        let due = self
            .last_drawn
            .is_none_or(|last| now.duration_since(last) >= REDRAW_EVERY);
        if due || done == self.total {
            // A progress line that cannot be drawn is not worth failing the run for.
            let _ = write!(out, "\rinjected {done}/{} documents", self.total);
            let _ = out.flush();
            self.last_drawn = Some(now);
        }
    }

    /// Erases the counter so that what follows on stderr starts on a clean line.
    pub fn finish(&mut self) {
        if let Some(out) = self.out.as_mut()
            && self.last_drawn.is_some()
        {
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
            self.last_drawn = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_in_place_and_rate_limits_but_always_shows_the_last_document() {
        let mut progress = Progress::new(Some(Vec::new()), 3);
        progress.update(1);
        progress.update(2); // within the redraw interval: skipped
        progress.update(3);
        progress.finish();
        let text = String::from_utf8(progress.out.unwrap()).unwrap();
        assert_eq!(
            text,
            "\rinjected 1/3 documents\rinjected 3/3 documents\r\x1b[2K"
        );
    }

    #[test]
    fn a_silent_counter_writes_nothing() {
        let mut progress: Progress<Vec<u8>> = Progress::new(None, 10);
        progress.update(10);
        progress.finish();
        assert!(progress.out.is_none());
    }

    #[test]
    fn small_inputs_never_show_it() {
        assert!(Progress::on_stderr(1).out.is_none());
    }
}

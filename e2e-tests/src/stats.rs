//! Latency summaries for the benchmark: mean and nearest-rank percentiles.

use std::time::Duration;

/// Mean, median and 95th percentile of a set of timings, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub samples: usize,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p95_us: f64,
}

impl Summary {
    /// Summarises `timings`; `None` when there are none.
    pub fn of(timings: &[Duration]) -> Option<Summary> {
        if timings.is_empty() {
            return None;
        }
        let mut micros = timings
            .iter()
            .map(|t| t.as_secs_f64() * 1e6)
            .collect::<Vec<_>>();
        micros.sort_by(f64::total_cmp);
        let mean_us = micros.iter().sum::<f64>() / micros.len() as f64;
        Some(Summary {
            samples: micros.len(),
            mean_us,
            p50_us: nearest_rank(&micros, 50.0)?,
            p95_us: nearest_rank(&micros, 95.0)?,
        })
    }
}

/// The nearest-rank percentile of ascending `sorted` values.
pub fn nearest_rank(sorted: &[f64], percentile: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (percentile / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_the_textbook_definition() {
        let values = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(nearest_rank(&values, 5.0), Some(15.0));
        assert_eq!(nearest_rank(&values, 30.0), Some(20.0));
        assert_eq!(nearest_rank(&values, 40.0), Some(20.0));
        assert_eq!(nearest_rank(&values, 50.0), Some(35.0));
        assert_eq!(nearest_rank(&values, 100.0), Some(50.0));
        assert_eq!(nearest_rank(&[], 50.0), None);
    }

    #[test]
    fn summary_of_microsecond_timings() {
        let timings = (1..=100).map(Duration::from_micros).collect::<Vec<_>>();
        let summary = Summary::of(&timings).unwrap();
        assert_eq!(summary.samples, 100);
        assert!((summary.mean_us - 50.5).abs() < 1e-6);
        assert!((summary.p50_us - 50.0).abs() < 1e-6);
        assert!((summary.p95_us - 95.0).abs() < 1e-6);
        assert_eq!(Summary::of(&[]), None);
    }
}

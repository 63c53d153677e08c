//! Rolling statistics over the most recent frame times: median, p90 and p99 of a fixed-size
//! window, which is what the governor steers on and what `render --timings` and the panel show.

use std::collections::VecDeque;

/// The last `capacity` samples (milliseconds) and their order statistics.
#[derive(Clone, Debug)]
pub struct RollingStats {
    samples: VecDeque<f64>,
    capacity: usize,
}

impl RollingStats {
    /// An empty window holding at most `capacity` samples (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self { samples: VecDeque::with_capacity(capacity), capacity }
    }

    /// Add a sample, dropping the oldest when full. Non-finite or negative samples are ignored:
    /// a broken timestamp must not move the statistics.
    pub fn push(&mut self, ms: f64) {
        if !ms.is_finite() || ms < 0.0 {
            return;
        }
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(ms);
    }

    /// Forget every sample.
    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// How many samples the window holds now.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether the window is empty.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Whether the window is full.
    pub fn is_full(&self) -> bool {
        self.samples.len() == self.capacity
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = f64> + '_ {
        self.samples.iter().copied()
    }

    /// The `p`-th percentile (`0..=100`, nearest rank), `None` when empty.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        if self.samples.is_empty() {
            return None;
        }
        let mut sorted: Vec<f64> = self.samples.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
        Some(sorted[rank.saturating_sub(1).min(sorted.len() - 1)])
    }

    /// The median (50th percentile).
    pub fn median(&self) -> Option<f64> {
        self.percentile(50.0)
    }

    /// The 90th percentile.
    pub fn p90(&self) -> Option<f64> {
        self.percentile(90.0)
    }

    /// The 99th percentile.
    pub fn p99(&self) -> Option<f64> {
        self.percentile(99.0)
    }

    /// The arithmetic mean, `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (!self.samples.is_empty())
            .then(|| self.samples.iter().sum::<f64>() / self.samples.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_nearest_rank() {
        let mut stats = RollingStats::new(100);
        for i in 1..=100 {
            stats.push(i as f64);
        }
        assert_eq!(stats.median(), Some(50.0));
        assert_eq!(stats.p90(), Some(90.0));
        assert_eq!(stats.p99(), Some(99.0));
        assert_eq!(stats.percentile(100.0), Some(100.0));
        assert_eq!(stats.percentile(0.0), Some(1.0));
    }

    #[test]
    fn the_window_drops_the_oldest_and_ignores_broken_samples() {
        let mut stats = RollingStats::new(3);
        for ms in [100.0, 1.0, f64::NAN, 2.0, f64::INFINITY, -1.0, 3.0] {
            stats.push(ms);
        }
        assert_eq!(stats.samples().collect::<Vec<_>>(), vec![1.0, 2.0, 3.0]);
        assert!(stats.is_full());
        assert_eq!(stats.median(), Some(2.0));
        stats.clear();
        assert_eq!(stats.median(), None);
        assert_eq!(RollingStats::new(0).percentile(50.0), None);
    }
}

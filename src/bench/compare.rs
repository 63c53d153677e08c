//! A benchmark report against an earlier one (`afterlight bench --baseline FILE`): the ratio
//! of each pass's median GPU time (and the frame's) to the baseline's, with regressions
//! flagged.
//!
//! Runs are matched by scene, preset and resolution, passes by name. A pass regresses when its
//! median is more than [`REGRESSION_RATIO`] times the baseline's **and** at least
//! [`REGRESSION_MIN_MS`] slower: medians of a fixed camera path move by a few percent from run
//! to run on a quiet GPU, more on a shared or software one, and sub-0.05 ms passes jitter by
//! more than 10% from timestamp granularity alone.

use std::fmt;

use super::BenchReport;

/// A median above this multiple of the baseline's is a regression (with
/// [`REGRESSION_MIN_MS`]).
pub const REGRESSION_RATIO: f64 = 1.10;
/// ...and at least this many milliseconds slower.
pub const REGRESSION_MIN_MS: f64 = 0.05;

/// One pass (or the whole frame) of one run against the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// `scene / preset / resolution`.
    pub run: String,
    /// Pass name, or `frame` for the GPU span.
    pub pass: String,
    /// Baseline median, ms.
    pub baseline_ms: f64,
    /// New median, ms.
    pub ms: f64,
    /// New over baseline.
    pub ratio: f64,
    /// Flagged as a regression.
    pub regression: bool,
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<40} {:<14} {:>9.3} -> {:>9.3} ms  x{:.3}{}",
            self.run,
            self.pass,
            self.baseline_ms,
            self.ms,
            self.ratio,
            if self.regression { "  REGRESSION" } else { "" }
        )
    }
}

/// `scene / preset / resolution` (and `/ variant` when the run records one): a run's name in
/// [`Comparison::run`].
pub fn run_label(run: &super::RunResult) -> String {
    let name = format!("{} / {} / {}", run.scene, run.preset, run.resolution.name);
    match &run.variant {
        Some(v) => format!("{name} / {}", v.used.name()),
        None => name,
    }
}

/// Every pass and frame median of `new` that `baseline` also has, as a ratio.
pub fn compare(new: &BenchReport, baseline: &BenchReport) -> Vec<Comparison> {
    let mut out = Vec::new();
    for run in &new.runs {
        let Some(old) = baseline.runs.iter().find(|o| {
            let used = |r: &super::RunResult| r.variant.as_ref().map(|v| v.used);
            o.scene == run.scene
                && o.preset == run.preset
                && o.resolution == run.resolution
                && (used(o).is_none() || used(run).is_none() || used(o) == used(run))
        }) else {
            continue;
        };
        let name = run_label(run);
        let mut push = |pass: &str, baseline_ms: f64, ms: f64| {
            if baseline_ms <= 0.0 {
                return;
            }
            let ratio = ms / baseline_ms;
            out.push(Comparison {
                run: name.clone(),
                pass: pass.to_owned(),
                baseline_ms,
                ms,
                ratio,
                regression: ratio > REGRESSION_RATIO && ms - baseline_ms >= REGRESSION_MIN_MS,
            });
        };
        if let (Some(a), Some(b)) = (&old.frame_gpu_ms, &run.frame_gpu_ms) {
            push("frame", a.median, b.median);
        }
        for pass in &run.passes {
            if let Some(o) = old.passes.iter().find(|o| o.name == pass.name) {
                push(&pass.name, o.gpu_ms.median, pass.gpu_ms.median);
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::bench::*;

    /// A one-run report with the given pass medians (p90 = p99 = median).
    pub(crate) fn report(passes: &[(&str, f64)]) -> BenchReport {
        let stat = |ms: f64| Stat { median: ms, p90: ms, p99: ms, mean: ms, samples: 4 };
        BenchReport {
            schema: SCHEMA_VERSION,
            adapter: AdapterReport {
                name: "test".into(),
                backend: "Vulkan".into(),
                device_type: "Cpu".into(),
                driver: String::new(),
                driver_info: String::new(),
                vendor: 0,
                device: 0,
                device_class: "mobile".into(),
                timestamps: true,
                known_issues: Vec::new(),
                capability_level: "full (compute, storage, view formats, f32 targets)".into(),
            },
            build: BuildReport { version: "0".into(), git_commit: None, profile: "debug".into() },
            settings: BenchSettings {
                frames: 4,
                warm_up: 1,
                degrees_per_frame: 0.5,
                peak_gbps: None,
                peak_source: None,
                presets: Default::default(),
            },
            runs: vec![RunResult {
                scene: "s".into(),
                triangles: 12,
                preset: "p".into(),
                resolution: "64x64".parse().expect("size"),
                frames_timed: 4,
                frame_gpu_ms: Some(stat(passes.iter().map(|(_, ms)| ms).sum())),
                frame_cpu_encode_ms: Some(stat(0.1)),
                passes: passes
                    .iter()
                    .map(|(name, ms)| PassResult {
                        name: (*name).into(),
                        gpu_ms: stat(*ms),
                        cpu_encode_ms: stat(0.01),
                        traffic: None,
                        achieved_gbps: None,
                        dram_floor_ratio: None,
                    })
                    .collect(),
                memory: Vec::new(),
                memory_bytes: 0,
                memory_per_resolution_bytes: 0,
                pool_bytes: 0,
                timing: "encoder".into(),
                frame_shape: None,
                display: String::new(),
                variant: None,
            }],
            quality: None,
        }
    }

    #[test]
    fn regressions_need_both_the_ratio_and_the_milliseconds() {
        let old = report(&[("finish", 1.0), ("bloom", 2.0), ("fxaa", 0.01), ("gone", 1.0)]);
        let new = report(&[("finish", 1.05), ("bloom", 2.5), ("fxaa", 0.02), ("new", 1.0)]);
        let c = compare(&new, &old);
        let find = |pass: &str| c.iter().find(|c| c.pass == pass).cloned();
        // 5% slower: within noise.
        assert!(find("finish").is_some_and(|c| !c.regression && (c.ratio - 1.05).abs() < 1e-9));
        // 25% and 0.5 ms slower: flagged.
        assert!(find("bloom").is_some_and(|c| c.regression));
        // Twice as slow but only 0.01 ms: timestamp jitter, not flagged.
        assert!(find("fxaa").is_some_and(|c| !c.regression && (c.ratio - 2.0).abs() < 1e-9));
        // Passes on one side only are not compared; the frame is.
        assert!(find("gone").is_none() && find("new").is_none());
        assert!(find("frame").is_some_and(|c| c.regression));
        assert!(format!("{}", find("bloom").expect("bloom")).contains("REGRESSION"));
        // Another resolution is another run: nothing to compare.
        let mut other = new.clone();
        other.runs[0].resolution = "32x32".parse().expect("size");
        assert!(compare(&other, &old).is_empty());
    }
}

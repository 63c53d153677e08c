//! A benchmark report against an earlier one (`afterlight bench --baseline FILE`): the ratio
//! of each pass's median GPU time (and the frame's) to the baseline's, with regressions
//! flagged.
//!
//! Runs are matched by scene, preset and resolution, passes by name. Beside the passes, two
//! kinds of sum: `post passes` (every scope that is not the renderer's own,
//! [`crate::render::RENDERER_SCOPES`]: the effect chain as a whole), and the [`PassGroup`]s the
//! user names (`--together lighting+shadows`) for work that moved between passes from one
//! build to the other: a group's members are judged by their sum, not one by one (each still
//! shows its own ratio). A pass or sum regresses when its
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

/// The name of the sum of every post pass (every scope not in
/// [`crate::render::RENDERER_SCOPES`]) in [`Comparison::pass`].
pub const POST_PASSES: &str = "post passes";

/// Passes compared as one, by their summed medians: `lighting+shadows` on the command line.
/// For work that moved between passes from the baseline's build to this one (the shadow
/// filter's taps left `lighting` for the `shadows` scope's mask): the members are judged by
/// their sum, not one by one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassGroup {
    /// Its members' names joined by `+`.
    pub name: String,
    /// Timing scope names, at least two, none twice.
    pub members: Vec<String>,
}

impl std::str::FromStr for PassGroup {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let members: Vec<String> = text.split('+').map(|m| m.trim().to_owned()).collect();
        if members.len() < 2 || members.iter().any(String::is_empty) {
            return Err(format!(
                "{text:?}: a group is two or more pass names joined by '+' (lighting+shadows)"
            ));
        }
        if let Some((i, twice)) =
            members.iter().enumerate().find(|(i, m)| members[..*i].contains(m))
        {
            return Err(format!("{text:?}: {twice} is named twice (member {})", i + 1));
        }
        Ok(PassGroup { name: members.join("+"), members })
    }
}

/// One pass, sum of passes or the whole frame, of one run, against the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// `scene / preset / resolution`.
    pub run: String,
    /// Pass name, `frame` for the GPU span, [`POST_PASSES`] or a [`PassGroup`]'s name.
    pub pass: String,
    /// The passes summed, for a sum; empty for one pass and the frame.
    pub members: Vec<String>,
    /// The group whose sum judges this pass instead of its own ratio.
    pub judged_in: Option<String>,
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
            "{:<40} {:<16} {:>9.3} -> {:>9.3} ms  x{:.3}{}",
            self.run,
            self.pass,
            self.baseline_ms,
            self.ms,
            self.ratio,
            self.verdict()
        )
    }
}

impl Comparison {
    /// `" REGRESSION"`, `" (judged in GROUP)"` or nothing: what follows the ratio.
    pub fn verdict(&self) -> String {
        match (&self.judged_in, self.regression) {
            (_, true) => " REGRESSION".to_owned(),
            (Some(group), false) => format!(" (judged in {group})"),
            (None, false) => String::new(),
        }
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

/// Every pass and frame median of `new` that `baseline` also has, as a ratio; then the post
/// passes' sum and each of `groups` (members absent from one side count 0 there; a sum with
/// nothing on one side is left out).
pub fn compare(new: &BenchReport, baseline: &BenchReport, groups: &[PassGroup]) -> Vec<Comparison> {
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
        let mut push = |pass: &str, members: Vec<String>, baseline_ms: f64, ms: f64| {
            if baseline_ms <= 0.0 {
                return;
            }
            let judged_in = groups.iter().find(|g| g.members.iter().any(|m| m == pass));
            let ratio = ms / baseline_ms;
            out.push(Comparison {
                run: name.clone(),
                pass: pass.to_owned(),
                members,
                judged_in: judged_in.map(|g| g.name.clone()),
                baseline_ms,
                ms,
                ratio,
                regression: judged_in.is_none()
                    && ratio > REGRESSION_RATIO
                    && ms - baseline_ms >= REGRESSION_MIN_MS,
            });
        };
        if let (Some(a), Some(b)) = (&old.frame_gpu_ms, &run.frame_gpu_ms) {
            push("frame", Vec::new(), a.median, b.median);
        }
        for pass in &run.passes {
            if let Some(o) = old.passes.iter().find(|o| o.name == pass.name) {
                push(&pass.name, Vec::new(), o.gpu_ms.median, pass.gpu_ms.median);
            }
        }
        let post = |r: &super::RunResult| -> Vec<String> {
            let renderer = |name: &str| crate::render::RENDERER_SCOPES.contains(&name);
            r.passes.iter().filter(|p| !renderer(&p.name)).map(|p| p.name.clone()).collect()
        };
        let mut post_members = post(old);
        for pass in post(run) {
            if !post_members.contains(&pass) {
                post_members.push(pass);
            }
        }
        let sums = std::iter::once((POST_PASSES, post_members))
            .chain(groups.iter().map(|g| (g.name.as_str(), g.members.clone())));
        for (sum, members) in sums {
            let total = |r: &super::RunResult| -> Option<f64> {
                let ms = |m: &String| r.passes.iter().find(|p| &p.name == m);
                let found: Vec<f64> =
                    members.iter().filter_map(ms).map(|p| p.gpu_ms.median).collect();
                (!found.is_empty()).then(|| found.iter().sum())
            };
            if let (Some(baseline_ms), Some(ms)) = (total(old), total(run)) {
                push(sum, members, baseline_ms, ms);
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
        let c = compare(&new, &old, &[]);
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
        assert!(compare(&other, &old, &[]).is_empty());
    }

    /// Work moved from one pass to another (the shadow filter from `lighting` into the
    /// `shadows` scope's mask): named together, the two are judged by their sum; the post
    /// passes' sum leaves the renderer's scopes out and counts passes found on one side only.
    #[test]
    fn passes_named_together_are_judged_by_their_sum() {
        let old = report(&[("shadows", 1.0), ("lighting", 10.0), ("taa", 4.0), ("gone", 1.0)]);
        let new = report(&[("shadows", 5.0), ("lighting", 4.0), ("taa", 2.0), ("new", 1.5)]);
        let find = |c: &[Comparison], pass: &str| c.iter().find(|c| c.pass == pass).cloned();
        let alone = compare(&new, &old, &[]);
        assert!(find(&alone, "shadows").is_some_and(|c| c.regression && c.judged_in.is_none()));
        let post = find(&alone, POST_PASSES).expect("the post passes' sum");
        assert_eq!(post.members, ["taa", "gone", "new"]);
        assert!((post.baseline_ms - 5.0).abs() < 1e-9 && (post.ms - 3.5).abs() < 1e-9);
        assert!(!post.regression);

        let group: PassGroup = "lighting+shadows".parse().expect("a group");
        let together = compare(&new, &old, std::slice::from_ref(&group));
        let shadows = find(&together, "shadows").expect("still shown");
        assert!(!shadows.regression && (shadows.ratio - 5.0).abs() < 1e-9);
        assert_eq!(shadows.judged_in.as_deref(), Some("lighting+shadows"));
        assert!(format!("{shadows}").ends_with("x5.000 (judged in lighting+shadows)"));
        let sum = find(&together, "lighting+shadows").expect("the group's sum");
        assert!((sum.baseline_ms - 11.0).abs() < 1e-9 && (sum.ms - 9.0).abs() < 1e-9);
        assert!(!sum.regression && sum.judged_in.is_none());
        // A group that got slower as a whole is flagged.
        let slow = report(&[("shadows", 9.0), ("lighting", 4.0), ("taa", 2.0)]);
        let c = compare(&slow, &old, std::slice::from_ref(&group));
        assert!(find(&c, "lighting+shadows").is_some_and(|c| c.regression));
        // A group with no member on one side is no comparison.
        let nowhere: PassGroup = "bloom+fxaa".parse().expect("a group");
        assert!(find(&compare(&new, &old, &[nowhere]), "bloom+fxaa").is_none());
    }

    #[test]
    fn a_group_is_two_or_more_distinct_names() {
        let group: PassGroup = " lighting + shadows ".parse().expect("spaces are trimmed");
        assert_eq!((group.name.as_str(), group.members.len()), ("lighting+shadows", 2));
        for bad in ["lighting", "", "lighting+", "+shadows", "a++b", "a+b+a"] {
            let error = bad.parse::<PassGroup>().expect_err(bad);
            assert!(error.contains(&format!("{bad:?}")), "{error}");
        }
    }
}

//! The governor's decisions: which knob to turn down, which to give back, and when.
//!
//! Each frame the app hands [`Governor::update`] the user's settings, the index of the frame it
//! is about to render and the frame timings that arrived since the last call (a few frames
//! late); it returns the settings to render with. Timings of frames rendered before the last
//! change, or within `cooldown_frames` after it, are dropped, so every decision is made on
//! frames that ran with the knobs as they are now.
//!
//! - **Over** (`statistic > limit`): plan steps, greedily by predicted milliseconds saved per
//!   unit of value lost, until the predicted saving covers the excess (of the mean of median
//!   and statistic) plus 5 % of the budget (savings read off the relative cost table, not yet
//!   measured, count at 80 %).
//!   Several steps may be taken at once when far over, so a heavy start converges in one or
//!   two windows.
//! - **Under** (`statistic ≤ limit − 5 % of budget` for `raise_after_frames`): give back one
//!   step of the knob with the most value whose predicted cost fits under that line. A knob
//!   that had to be taken back down soon after being given back is blocked for twice as long
//!   each time (exponential back-off), so a knob whose cost sits on the line cannot oscillate.
//! - **Predictions**: a pass's cost at its current tier is its measured share of the frame
//!   (per-pass times are scaled to sum to the frame span when they overlap, as on tile-based
//!   GPUs); other tiers follow a relative cost table until measured. The render scale's cost is
//!   the resolution-dependent passes' time times the pixel ratio. Every change is checked:
//!   the change in median frame time against the prediction corrects that knob's estimates.

use std::collections::HashMap;

use super::{BudgetMode, BudgetSettings, RollingStats, Statistic, ValueWeights};
use crate::gpu::FrameTiming;
use crate::post::Tier;
use crate::post::chain::PostSettings;

/// Cost of each tier relative to `High`, until measured (off, low, medium, high, ultra).
const RELATIVE_COST: [f64; 5] = [0.0, 0.4, 0.6, 1.0, 1.6];
/// Visual value of each tier (off, low, medium, high, ultra): diminishing returns.
const TIER_VALUE: [f64; 5] = [0.0, 0.6, 0.8, 0.93, 1.0];
/// The render scales the governor steps through, below the user's own.
const SCALE_STEPS: [f32; 5] = [0.9, 0.8, 0.7, 0.6, 0.5];
/// Timing scopes whose cost follows the render scale (pixels drawn before the upscale).
const SCALED_PASSES: [&str; 6] = ["gbuffer", "ao", "lighting", "forward", "dof", "motion_blur"];
/// Each knob's share of the frame at `High`, until measured, where no per-pass times arrive
/// (the frame rung of the timing ladder), in [`Knob::ALL`] order (render scale: see
/// [`PRIOR_SCALED_SHARE`]). From the lavapipe bench of DamagedHelmet, product preset, 1080p
/// (`benches/RESULTS.md`); frame deltas correct them after each change.
/// The upscale's share is a guess (it runs only below render scale 1 without TAA): one
/// display-size pass reading a smaller image, like FXAA.
const PRIOR_SHARE: [f64; KNOBS] =
    [0.20, 0.0, 0.18, 0.03, 0.05, 0.06, 0.03, 0.03, 0.055, 0.08, 0.03];
/// The resolution-dependent passes' share of the frame at the user's scale, until measured.
const PRIOR_SCALED_SHARE: f64 = 0.6;
/// Decisions kept for [`Governor::decisions`].
const DECISION_LOG: usize = 4096;

/// How many knobs there are ([`Knob::ALL`]).
const KNOBS: usize = 11;

/// Something the governor can turn down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Knob {
    /// TAA's tier.
    Taa,
    /// The render scale.
    RenderScale,
    /// Ambient occlusion's tier.
    Ao,
    /// The exposure histogram's tier (floor: low).
    Exposure,
    /// Bloom's tier.
    Bloom,
    /// The finish's tier (floor: low; the finish always runs).
    Finish,
    /// FXAA's tier.
    Fxaa,
    /// Sharpening's tier.
    Sharpen,
    /// Motion blur's tier (samples and maximum radius).
    MotionBlur,
    /// Depth of field's tier (samples and maximum CoC).
    Dof,
    /// The spatial upscale's filter (floor: low, bilinear); it costs nothing unless the
    /// render scale is below 1 with TAA off.
    Upscale,
}

impl Knob {
    /// Every knob.
    pub const ALL: [Knob; KNOBS] = [
        Knob::Taa,
        Knob::RenderScale,
        Knob::Ao,
        Knob::Exposure,
        Knob::Bloom,
        Knob::Finish,
        Knob::Fxaa,
        Knob::Sharpen,
        Knob::MotionBlur,
        Knob::Dof,
        Knob::Upscale,
    ];

    /// The knob's name: the pass's name (its timing scope and preset table) or `render_scale`.
    pub fn name(self) -> &'static str {
        match self {
            Knob::Taa => "taa",
            Knob::RenderScale => "render_scale",
            Knob::Ao => "ao",
            Knob::Exposure => "exposure",
            Knob::Bloom => "bloom",
            Knob::Finish => "finish",
            Knob::Fxaa => "fxaa",
            Knob::Sharpen => "sharpen",
            Knob::MotionBlur => "motion_blur",
            Knob::Dof => "dof",
            Knob::Upscale => "upscale",
        }
    }

    /// Position in [`Knob::ALL`] (declaration order).
    fn index(self) -> usize {
        self as usize
    }

    fn weight(self, w: &ValueWeights) -> f64 {
        f64::from(match self {
            Knob::Taa => w.taa,
            Knob::RenderScale => w.render_scale,
            Knob::Ao => w.ao,
            Knob::Exposure => w.exposure,
            Knob::Bloom => w.bloom,
            Knob::Finish => w.finish,
            Knob::Fxaa => w.fxaa,
            Knob::Sharpen => w.sharpen,
            Knob::MotionBlur => w.motion_blur,
            Knob::Dof => w.dof,
            Knob::Upscale => w.upscale,
        })
    }

    /// The lowest tier the governor may choose.
    pub fn floor(self) -> Tier {
        match self {
            Knob::Exposure | Knob::Finish | Knob::Upscale => Tier::Low,
            _ => Tier::Off,
        }
    }

    fn tier(self, s: &PostSettings) -> Tier {
        match self {
            Knob::Taa => s.taa.tier,
            Knob::Ao => s.ao.tier,
            Knob::Exposure => s.exposure.tier,
            Knob::Bloom => s.bloom.tier,
            Knob::Finish => s.finish.tier,
            Knob::Fxaa => s.fxaa.tier,
            Knob::Sharpen => s.sharpen.tier,
            Knob::MotionBlur => s.motion_blur.tier,
            Knob::Dof => s.dof.tier,
            Knob::Upscale => s.upscale.tier,
            Knob::RenderScale => Tier::High,
        }
    }

    fn set_tier(self, s: &mut PostSettings, tier: Tier) {
        match self {
            Knob::Taa => s.taa.tier = tier,
            Knob::Ao => s.ao.tier = tier,
            Knob::Exposure => s.exposure.tier = tier,
            Knob::Bloom => s.bloom.tier = tier,
            Knob::Finish => s.finish.tier = tier,
            Knob::Fxaa => s.fxaa.tier = tier,
            Knob::Sharpen => s.sharpen.tier = tier,
            Knob::MotionBlur => s.motion_blur.tier = tier,
            Knob::Dof => s.dof.tier = tier,
            Knob::Upscale => s.upscale.tier = tier,
            Knob::RenderScale => {}
        }
    }
}

impl std::fmt::Display for Knob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A knob's setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KnobLevel {
    /// A pass's tier.
    Tier(Tier),
    /// The render scale.
    Scale(f32),
}

impl std::fmt::Display for KnobLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KnobLevel::Tier(t) => write!(f, "{t}"),
            KnobLevel::Scale(s) => write!(f, "{s:.2}"),
        }
    }
}

/// One knob moved by one step.
#[derive(Clone, Debug, PartialEq)]
pub struct KnobChange {
    /// Which.
    pub knob: Knob,
    /// Before.
    pub from: KnobLevel,
    /// After.
    pub to: KnobLevel,
    /// Predicted change in frame time, ms (negative: saved).
    pub predicted_ms: f64,
}

/// One decision of the governor.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The first frame rendered with the new knobs.
    pub frame: u64,
    /// The steps taken, in the order chosen.
    pub changes: Vec<KnobChange>,
    /// The statistic (median or p90 of the window) that led to it, ms.
    pub measured_ms: f64,
    /// The statistic predicted after the change, ms.
    pub predicted_ms: f64,
    /// Why, in words.
    pub reason: String,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "frame {}:", self.frame)?;
        for c in &self.changes {
            write!(f, " {} {} -> {} ({:+.2} ms);", c.knob, c.from, c.to, c.predicted_ms)?;
        }
        write!(
            f,
            " measured {:.2} ms, predicted {:.2} ms: {}",
            self.measured_ms, self.predicted_ms, self.reason
        )
    }
}

/// A change whose effect on frame time has not been measured yet.
struct Pending {
    knobs: Vec<Knob>,
    before_median: f64,
    predicted_ms: f64,
}

/// The budget governor; see the module documentation.
pub struct Governor {
    timing_available: bool,
    user: Option<PostSettings>,
    current: PostSettings,
    settings: BudgetSettings,
    /// Render scales the governor may choose, lowest first; the last is the user's.
    ladder: Vec<f32>,
    effective_from: u64,
    next_frame: u64,
    window: RollingStats,
    pass_windows: HashMap<Knob, RollingStats>,
    scaled_window: RollingStats,
    overlap: f64,
    /// Whether the frames measured carry per-pass times (else costs start from the priors).
    per_pass: bool,
    /// Per knob and tier: the pass's share of the frame measured there, ms.
    measured: [[Option<f64>; 5]; KNOBS],
    /// Resolution-dependent work at scale 1, ms.
    scaled_at_unit: Option<f64>,
    /// Observed / predicted change, per knob.
    correction: [f64; KNOBS],
    backoff: [u32; KNOBS],
    blocked_until: [u64; KNOBS],
    last_raise: Option<(Knob, u64)>,
    under_frames: u32,
    pending: Option<Pending>,
    decisions: Vec<Decision>,
    state: String,
}

impl Governor {
    /// A governor for a device with (`timing_available`) or without timestamp queries. Without
    /// them it never changes anything and [`Governor::status`] says why.
    pub fn new(timing_available: bool) -> Self {
        let settings = BudgetSettings::default();
        Self {
            timing_available,
            user: None,
            current: PostSettings::default(),
            settings,
            ladder: vec![1.0],
            effective_from: 0,
            next_frame: 0,
            window: RollingStats::new(settings.window_frames as usize),
            pass_windows: HashMap::new(),
            scaled_window: RollingStats::new(settings.window_frames as usize),
            overlap: 1.0,
            per_pass: true,
            measured: [[None; 5]; KNOBS],
            scaled_at_unit: None,
            correction: [1.0; KNOBS],
            backoff: [0; KNOBS],
            blocked_until: [0; KNOBS],
            last_raise: None,
            under_frames: 0,
            pending: None,
            decisions: Vec::new(),
            state: "waiting for the first frame".into(),
        }
    }

    /// The settings to render frame `next_frame` with: `user`'s, with the knobs the governor
    /// has turned down. `timings` are the frame timings that arrived since the last call (any
    /// order, any age; stale ones are ignored).
    ///
    /// A change of `user`'s settings resets the statistics: a knob the user changed takes the
    /// user's value, the others stay where the governor had them (never above the user's).
    pub fn update(
        &mut self,
        user: &PostSettings,
        next_frame: u64,
        timings: &[FrameTiming],
    ) -> PostSettings {
        self.next_frame = next_frame;
        if self.user.as_ref() != Some(user) {
            self.adopt(user);
        }
        if !self.timing_available {
            let state = "off: this adapter has no timestamp queries, so GPU time cannot be \
                         measured (the governor is never fed CPU times)";
            if self.settings.mode != BudgetMode::Off && self.state != state {
                log::warn!("budget: {state}");
            }
            self.state = state.into();
            return user.clone();
        }
        if self.settings.mode == BudgetMode::Off {
            self.state = "off (no [budget] mode set)".into();
            return user.clone();
        }
        let mut timings: Vec<&FrameTiming> = timings.iter().collect();
        timings.sort_by_key(|t| t.frame);
        for timing in timings {
            self.observe(timing);
        }
        self.decide();
        self.current.clone()
    }

    /// Forget the statistics and what was learned of each knob's cost (a new scene or
    /// resolution), keeping the knobs where they are.
    pub fn reset(&mut self, reason: &str) {
        log::info!("budget: statistics reset at frame {}: {reason}", self.next_frame);
        self.forget_costs();
        self.restart_window(self.next_frame);
    }

    /// Every decision so far, oldest first (the most recent 4096).
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// The budget settings in use.
    pub fn settings(&self) -> &BudgetSettings {
        &self.settings
    }

    /// Whether the governor has GPU times to steer on.
    pub fn timing_available(&self) -> bool {
        self.timing_available
    }

    /// What the governor is doing, in words (for `info`, logs and the panel).
    pub fn status(&self) -> &str {
        &self.state
    }

    /// Each knob's current level.
    pub fn knobs(&self) -> Vec<(Knob, KnobLevel)> {
        Knob::ALL.iter().map(|&k| (k, self.level_of(k))).collect()
    }

    fn level_of(&self, knob: Knob) -> KnobLevel {
        match knob {
            Knob::RenderScale => KnobLevel::Scale(self.current.render_scale),
            _ => KnobLevel::Tier(knob.tier(&self.current)),
        }
    }

    fn adopt(&mut self, user: &PostSettings) {
        let budget = user.budget.validated().0;
        let fresh = self.user.is_none() || budget != self.settings;
        let previous = self.user.replace(user.clone());
        self.settings = budget;
        let mut ladder: Vec<f32> = SCALE_STEPS
            .iter()
            .copied()
            .filter(|&s| s >= budget.min_scale - 1e-4 && s < user.render_scale - 0.01)
            .collect();
        ladder.reverse();
        ladder.push(user.render_scale);
        self.ladder = ladder;
        let mut current = user.clone();
        if let (false, Some(previous)) = (fresh, previous) {
            for knob in Knob::ALL {
                if knob == Knob::RenderScale {
                    if previous.render_scale == user.render_scale {
                        current.render_scale = self.current.render_scale.min(user.render_scale);
                    }
                } else if knob.tier(&previous) == knob.tier(user) {
                    knob.set_tier(&mut current, knob.tier(&self.current).min(knob.tier(user)));
                }
            }
            log::info!("budget: settings changed at frame {}; statistics reset", self.next_frame);
        } else {
            self.forget_costs();
            self.backoff = [0; KNOBS];
            self.blocked_until = [0; KNOBS];
        }
        self.current = current;
        self.restart_window(self.next_frame);
    }

    fn forget_costs(&mut self) {
        self.measured = [[None; 5]; KNOBS];
        self.scaled_at_unit = None;
        self.correction = [1.0; KNOBS];
    }

    fn restart_window(&mut self, from: u64) {
        let n = self.settings.window_frames as usize;
        self.effective_from = from;
        self.window = RollingStats::new(n);
        self.scaled_window = RollingStats::new(n);
        self.pass_windows = Knob::ALL.iter().map(|&k| (k, RollingStats::new(n))).collect();
        self.under_frames = 0;
    }

    fn observe(&mut self, timing: &FrameTiming) {
        let first_valid = self.effective_from + u64::from(self.settings.cooldown_frames);
        if timing.frame < first_valid || !timing.gpu_ms.is_finite() || timing.gpu_ms <= 0.0 {
            return;
        }
        self.per_pass = !timing.passes.is_empty();
        if !self.per_pass {
            // The frame rung: only the frame's time; knob costs come from the priors and
            // the change in frame time after each decision.
            self.window.push(timing.gpu_ms);
            return;
        }
        let sum: f64 = timing.passes.iter().map(|p| p.ms.max(0.0)).sum();
        // Overlapping passes (tile-based GPUs) report more time than the frame took: scale
        // them to shares of the frame span so they rank but never over-promise.
        let share = if sum > timing.gpu_ms * 1.02 { timing.gpu_ms / sum } else { 1.0 };
        self.overlap = share;
        self.window.push(timing.gpu_ms);
        let pass_ms = |name: &str| -> f64 {
            timing.passes.iter().filter(|p| p.name == name).map(|p| p.ms.max(0.0)).sum::<f64>()
                * share
        };
        for knob in Knob::ALL {
            if knob != Knob::RenderScale
                && let Some(window) = self.pass_windows.get_mut(&knob)
            {
                window.push(pass_ms(knob.name()));
            }
        }
        self.scaled_window.push(SCALED_PASSES.iter().map(|n| pass_ms(n)).sum());
    }

    /// The statistic of the current window (median or p90 of frame GPU ms), once any frame
    /// has been measured since the last change.
    pub fn frame_statistic(&self) -> Option<f64> {
        match self.settings.statistic {
            Statistic::Median => self.window.median(),
            Statistic::P90 => self.window.p90(),
        }
    }

    /// Level index of a knob now: the tier's index, or the position on the scale ladder.
    fn level(&self, knob: Knob) -> usize {
        match knob {
            Knob::RenderScale => self.scale_level(self.current.render_scale),
            _ => knob.tier(&self.current) as usize,
        }
    }

    fn scale_level(&self, scale: f32) -> usize {
        self.ladder
            .iter()
            .enumerate()
            .min_by(|a, b| (a.1 - scale).abs().total_cmp(&(b.1 - scale).abs()))
            .map_or(0, |(i, _)| i)
    }

    fn floor(&self, knob: Knob) -> usize {
        match knob {
            Knob::RenderScale => 0,
            _ => knob.floor() as usize,
        }
    }

    fn ceiling(&self, knob: Knob) -> usize {
        let Some(user) = &self.user else { return 0 };
        match knob {
            Knob::RenderScale => self.ladder.len() - 1,
            _ => knob.tier(user) as usize,
        }
    }

    /// The knob's predicted share of the frame at `level`, ms, before correction.
    fn predicted_cost(&self, knob: Knob, level: usize) -> Option<f64> {
        if knob == Knob::RenderScale {
            let scale = f64::from(*self.ladder.get(level)?);
            return self
                .scaled_at_unit
                .or_else(|| self.prior_scaled_at_unit())
                .map(|unit| unit * scale * scale);
        }
        if level == 0 {
            return Some(0.0);
        }
        let measured = &self.measured[knob.index()];
        if let Some(ms) = measured[level] {
            return Some(ms);
        }
        // The nearest measured tier, scaled by the relative cost table.
        (1..5)
            .filter_map(|l| measured[l].map(|ms| (l, ms)))
            .min_by_key(|(l, _)| l.abs_diff(level))
            .map(|(l, ms)| ms * RELATIVE_COST[level] / RELATIVE_COST[l])
            .or_else(|| self.prior_cost(knob, level))
    }

    /// Without per-pass times: the knob's prior share of the frame's median at `level`.
    fn prior_cost(&self, knob: Knob, level: usize) -> Option<f64> {
        if self.per_pass {
            return None;
        }
        let frame = self.window.median()?;
        Some(frame * PRIOR_SHARE[knob.index()] * RELATIVE_COST[level] / RELATIVE_COST[3])
    }

    /// Without per-pass times: the resolution-dependent work at scale 1, from its prior share.
    fn prior_scaled_at_unit(&self) -> Option<f64> {
        if self.per_pass {
            return None;
        }
        let scale = f64::from(self.current.render_scale);
        Some(self.window.median()? * PRIOR_SCALED_SHARE / (scale * scale))
    }

    /// Predicted change in frame time of moving `knob` from `from` to `to`, ms.
    fn predicted_change(&self, knob: Knob, from: usize, to: usize) -> Option<f64> {
        let delta = self.predicted_cost(knob, to)? - self.predicted_cost(knob, from)?;
        Some(delta * self.correction[knob.index()])
    }

    fn value(&self, knob: Knob, level: usize) -> f64 {
        let weight = knob.weight(&self.settings.value);
        match knob {
            Knob::RenderScale => weight * f64::from(self.ladder.get(level).copied().unwrap_or(1.0)),
            _ => weight * TIER_VALUE[level.min(4)],
        }
    }

    fn level_value(&self, knob: Knob, level: usize) -> KnobLevel {
        match knob {
            Knob::RenderScale => KnobLevel::Scale(self.ladder.get(level).copied().unwrap_or(1.0)),
            _ => KnobLevel::Tier(Tier::ALL[level.min(4)]),
        }
    }

    fn set_level(&mut self, knob: Knob, level: usize) {
        match knob {
            Knob::RenderScale => {
                self.current.render_scale = self.ladder.get(level).copied().unwrap_or(1.0);
            }
            _ => knob.set_tier(&mut self.current, Tier::ALL[level.min(4)]),
        }
    }

    /// Store what the window measured at the current levels, and check the last change.
    fn learn(&mut self) {
        for knob in Knob::ALL {
            if knob == Knob::RenderScale {
                continue;
            }
            let level = self.level(knob);
            if level > 0
                && let Some(ms) = self.pass_windows.get(&knob).and_then(RollingStats::median)
            {
                self.measured[knob.index()][level] = Some(ms);
            }
        }
        if let Some(ms) = self.scaled_window.median() {
            let scale = f64::from(self.current.render_scale);
            self.scaled_at_unit = Some(ms / (scale * scale));
        }
        let (Some(pending), Some(after)) = (self.pending.take(), self.window.median()) else {
            return;
        };
        let observed = after - pending.before_median;
        if pending.predicted_ms.abs() < 0.02 {
            return;
        }
        let ratio = (observed / pending.predicted_ms).clamp(0.25, 4.0);
        // With per-pass times the correction only trims a measured cost; without them the
        // frame delta is all there is to learn from, so it is taken whole.
        let step = if self.per_pass { ratio.sqrt() } else { ratio };
        for knob in pending.knobs {
            let c = &mut self.correction[knob.index()];
            *c = (*c * step).clamp(0.25, 4.0);
        }
    }

    fn decide(&mut self) {
        let settings = self.settings;
        let n = settings.window_frames as usize;
        if self.window.len() < n {
            self.state = format!(
                "{}: measuring ({}/{} frames since frame {})",
                settings.mode.name(),
                self.window.len(),
                n,
                self.effective_from
            );
            return;
        }
        let Some(stat) = self.frame_statistic() else { return };
        let limit = settings.limit_ms();
        let budget = settings.budget_ms();
        let stat_name = match settings.statistic {
            Statistic::Median => "median",
            Statistic::P90 => "p90",
        };
        self.learn();
        self.state = format!(
            "{}: {stat_name} {stat:.2} ms against {budget:.2} ms (steering to {limit:.2} ms){}",
            settings.mode.name(),
            if !self.per_pass {
                "; frame times only: knob costs from priors, corrected by frame deltas"
            } else if self.overlap < 1.0 {
                "; passes overlap, per-pass times scaled"
            } else {
                ""
            }
        );
        if settings.mode != BudgetMode::Adaptive {
            return;
        }
        if stat > limit {
            self.under_frames = 0;
            self.step_down(stat, limit, budget, stat_name);
        } else if stat <= limit - 0.05 * budget {
            self.under_frames += 1;
            if self.under_frames >= settings.raise_after_frames {
                self.step_up(stat, limit, budget, stat_name);
            }
        } else {
            self.under_frames = 0;
        }
    }

    /// Whether the knob's cost at `level` has been measured (rather than read off the
    /// relative cost table).
    fn is_measured(&self, knob: Knob, level: usize) -> bool {
        match knob {
            Knob::RenderScale => self.scaled_at_unit.is_some(),
            _ => level == 0 || self.measured[knob.index()][level].is_some(),
        }
    }

    fn step_down(&mut self, stat: f64, limit: f64, budget: f64, stat_name: &str) {
        // Sized between the median and the statistic: a p90 inflated by a few slow frames
        // (warm-up, a busy CPU) must not turn everything off at once; if the frames really
        // are that slow the next window takes another step.
        let median = self.window.median().unwrap_or(stat);
        let need = 0.5 * (stat + median.min(stat)) - limit + 0.05 * budget;
        let mut levels: Vec<usize> = Knob::ALL.iter().map(|&k| self.level(k)).collect();
        let mut changes = Vec::new();
        let (mut saved, mut counted) = (0.0, 0.0);
        // AO is drawn at the render scale: what AO steps save no longer scales with it.
        let scaled_now = self.scaled_window.median().unwrap_or(0.0);
        let mut ao_saved = 0.0;
        while counted < need {
            let best = Knob::ALL
                .iter()
                .filter(|&&k| levels[k.index()] > self.floor(k))
                .filter_map(|&k| {
                    let from = levels[k.index()];
                    let mut saving = -self.predicted_change(k, from, from - 1)?;
                    if k == Knob::RenderScale && scaled_now > 0.0 {
                        saving *= (1.0 - ao_saved / scaled_now).max(0.0);
                    }
                    let lost = (self.value(k, from) - self.value(k, from - 1)).max(1e-3);
                    (saving > 0.005).then_some((k, from, saving, saving / lost))
                })
                .max_by(|a, b| a.3.total_cmp(&b.3));
            let Some((knob, from, saving, _)) = best else { break };
            levels[knob.index()] = from - 1;
            saved += saving;
            if knob == Knob::Ao {
                ao_saved += saving;
            }
            // A saving read off the relative cost table counts for less until measured, so
            // one decision lands clearly under the line instead of creeping towards it.
            counted += if self.is_measured(knob, from - 1) { saving } else { 0.8 * saving };
            changes.push(KnobChange {
                knob,
                from: self.level_value(knob, from),
                to: self.level_value(knob, from - 1),
                predicted_ms: -saving,
            });
        }
        if changes.is_empty() {
            self.state.push_str("; over budget with every knob at its floor");
            return;
        }
        let reason = format!(
            "over budget: {stat_name} {stat:.2} ms > {limit:.2} ms; steps chosen by ms saved per \
             unit of value lost"
        );
        // A knob given back recently that has to come down again waits longer next time.
        if let Some((raised, at)) = self.last_raise
            && changes.iter().any(|c| c.knob == raised)
            && self.next_frame < at + 2 * u64::from(self.settings.raise_after_frames)
        {
            let i = raised.index();
            self.backoff[i] = (self.backoff[i] + 1).min(6);
            self.blocked_until[i] = self.next_frame
                + u64::from(self.settings.raise_after_frames) * (1u64 << self.backoff[i]);
        }
        self.commit(changes, stat, stat - saved, reason);
    }

    fn step_up(&mut self, stat: f64, limit: f64, budget: f64, stat_name: &str) {
        let line = limit - 0.05 * budget;
        let best = Knob::ALL
            .iter()
            .filter(|&&k| self.level(k) < self.ceiling(k))
            .filter(|&&k| self.blocked_until[k.index()] <= self.next_frame)
            .filter_map(|&k| {
                let from = self.level(k);
                let cost = self.predicted_change(k, from, from + 1)?.max(0.0);
                let gain = self.value(k, from + 1) - self.value(k, from);
                (stat + cost * 1.1 <= line).then_some((k, from, cost, gain))
            })
            .max_by(|a, b| a.3.total_cmp(&b.3).then(b.2.total_cmp(&a.2)));
        let Some((knob, from, cost, _)) = best else { return };
        let change = KnobChange {
            knob,
            from: self.level_value(knob, from),
            to: self.level_value(knob, from + 1),
            predicted_ms: cost,
        };
        let reason = format!(
            "under budget for {} frames: {stat_name} {stat:.2} ms, predicted +{cost:.2} ms fits \
             under {line:.2} ms; most valuable knob that fits",
            self.under_frames
        );
        self.last_raise = Some((knob, self.next_frame));
        self.commit(vec![change], stat, stat + cost, reason);
    }

    fn commit(&mut self, changes: Vec<KnobChange>, stat: f64, predicted: f64, reason: String) {
        for change in &changes {
            let level = match change.to {
                KnobLevel::Scale(s) => self.scale_level(s),
                KnobLevel::Tier(t) => t as usize,
            };
            self.set_level(change.knob, level);
        }
        let decision = Decision {
            frame: self.next_frame,
            changes,
            measured_ms: stat,
            predicted_ms: predicted,
            reason,
        };
        log::info!("budget: {decision}");
        self.pending = Some(Pending {
            knobs: decision.changes.iter().map(|c| c.knob).collect(),
            before_median: self.window.median().unwrap_or(stat),
            predicted_ms: predicted - stat,
        });
        if self.decisions.len() == DECISION_LOG {
            self.decisions.remove(0);
        }
        self.decisions.push(decision);
        self.restart_window(self.next_frame);
    }
}

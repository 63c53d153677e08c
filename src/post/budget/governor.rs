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

use std::borrow::Cow;

use super::{BudgetMode, BudgetSettings, RENDER_SCALE_VALUE, RollingStats, Statistic};
use crate::gpu::FrameTiming;
use crate::post::Tier;
use crate::post::contract::DEFAULT_TIER_COST;
use crate::post::settings::{BUILT_IN, BuiltinPass, PostSettings};

/// Visual value of each tier (off, low, medium, high, ultra): diminishing returns.
const TIER_VALUE: [f64; 5] = [0.0, 0.6, 0.8, 0.93, 1.0];
/// The render scales the governor steps through, below the user's own.
const SCALE_STEPS: [f32; 5] = [0.9, 0.8, 0.7, 0.6, 0.5];
/// The renderer's timing scopes whose cost follows the render scale (pixels drawn before the
/// upscale); the post passes that do say so in their contracts (`at_render_size`).
const RENDERER_SCALED_PASSES: [&str; 3] = ["gbuffer", "lighting", "forward"];
/// A user pass's share of the frame when on, until measured, where no per-pass times arrive:
/// one display-size pass, like FXAA.
const USER_PRIOR_SHARE: f64 = 0.03;
/// The level a user pass runs at when on: its one step is all of its value (off, or this).
const USER_ON: usize = Tier::High as usize;
/// The resolution-dependent passes' share of the frame at the user's scale, until measured.
const PRIOR_SCALED_SHARE: f64 = 0.6;
/// Decisions kept for [`Governor::decisions`].
const DECISION_LOG: usize = 4096;

/// Something the governor can turn down, by name: a built-in pass's tier (its contract's
/// [`KnobDecl`](crate::post::contract::KnobDecl)), the render scale, or a user pass (on or
/// off). The name is the pass's (its timing scope and preset table) or `render_scale`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Knob(Cow<'static, str>);

impl Knob {
    /// The render scale.
    pub const RENDER_SCALE: Knob = Knob(Cow::Borrowed("render_scale"));

    /// The knob of the pass named `name` (built-in or user).
    pub fn named(name: impl Into<Cow<'static, str>>) -> Knob {
        Knob(name.into())
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Knob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for Knob {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// What a knob turns.
#[derive(Clone, Copy)]
enum KnobKind {
    /// The render scale, along the governor's ladder.
    Scale,
    /// A built-in pass's tier, from its floor up.
    Pass(&'static BuiltinPass, Tier),
    /// A user pass: on or off.
    User,
}

/// One knob as the governor holds it: derived from the pass contracts ([`BUILT_IN`]) and the
/// preset's user passes each time the user's settings change.
#[derive(Clone)]
struct KnobSpec {
    knob: Knob,
    kind: KnobKind,
    /// What its quality is worth (the preset's value weight, else the contract's).
    weight: f64,
    /// Its share of the frame at `High` until measured (frame rung only).
    prior_share: f64,
    /// Each tier's cost relative to `High`, until measured.
    tier_cost: [f64; 5],
}

impl KnobSpec {
    /// The knobs of `user`'s settings: the render scale, every built-in pass with a knob, in
    /// the chain's order, then the user passes.
    fn all(user: &PostSettings) -> Vec<KnobSpec> {
        let value = &user.budget.value;
        let mut specs = vec![KnobSpec {
            knob: Knob::RENDER_SCALE,
            kind: KnobKind::Scale,
            weight: f64::from(
                value.weight(Knob::RENDER_SCALE.name()).unwrap_or(RENDER_SCALE_VALUE),
            ),
            prior_share: 0.0,
            tier_cost: DEFAULT_TIER_COST,
        }];
        for pass in BUILT_IN {
            if let Some(decl) = pass.contract.knob {
                specs.push(KnobSpec {
                    knob: Knob::named(pass.name()),
                    kind: KnobKind::Pass(pass, (pass.floor)(user, decl.floor)),
                    weight: f64::from(value.weight(pass.name()).unwrap_or(decl.value)),
                    prior_share: decl.prior_share,
                    tier_cost: decl.tier_cost,
                });
            }
        }
        for custom in &user.custom {
            specs.push(KnobSpec {
                knob: Knob::named(custom.name.clone()),
                kind: KnobKind::User,
                weight: f64::from(custom.value.max(0.0)),
                prior_share: USER_PRIOR_SHARE,
                tier_cost: DEFAULT_TIER_COST,
            });
        }
        specs
    }

    /// The knob's level in `s`: the tier's index (a user pass: off or [`USER_ON`]); the render
    /// scale has no tier and answers `High`.
    fn tier_level(&self, s: &PostSettings) -> usize {
        match self.kind {
            KnobKind::Scale => Tier::High as usize,
            KnobKind::Pass(pass, _) => (pass.tier)(s) as usize,
            KnobKind::User => {
                let on = s.custom.iter().any(|c| c.name == self.knob.name() && c.enabled);
                if on { USER_ON } else { 0 }
            }
        }
    }

    fn set_tier_level(&self, s: &mut PostSettings, level: usize) {
        match self.kind {
            KnobKind::Scale => {}
            KnobKind::Pass(pass, _) => (pass.set_tier)(s, Tier::ALL[level.min(4)]),
            KnobKind::User => {
                for custom in s.custom.iter_mut().filter(|c| c.name == self.knob.name()) {
                    custom.enabled = level > 0;
                }
            }
        }
    }
}

/// The lowest level the governor may choose for the built-in pass `name` (`None`: no such
/// knob).
pub fn floor_of(name: &str) -> Option<Tier> {
    if name == Knob::RENDER_SCALE.name() {
        return None;
    }
    BUILT_IN.iter().find(|p| p.name() == name)?.contract.knob.map(|k| k.floor)
}

/// A knob's setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KnobLevel {
    /// A pass's tier.
    Tier(Tier),
    /// The render scale.
    Scale(f32),
    /// A user pass: on or off.
    Switch(bool),
}

impl KnobLevel {
    /// Where it sits on the budget trace's lane: tier index 0 (off)..4 (ultra), a user pass
    /// 0 or 3, or the scale.
    pub fn lane_value(self) -> f32 {
        match self {
            KnobLevel::Tier(t) => t as usize as f32,
            KnobLevel::Scale(s) => s,
            KnobLevel::Switch(on) => {
                if on {
                    USER_ON as f32
                } else {
                    0.0
                }
            }
        }
    }
}

impl std::fmt::Display for KnobLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KnobLevel::Tier(t) => write!(f, "{t}"),
            KnobLevel::Scale(s) => write!(f, "{s:.2}"),
            KnobLevel::Switch(on) => f.write_str(if *on { "on" } else { "off" }),
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
    knobs: Vec<usize>,
    before_median: f64,
    predicted_ms: f64,
}

/// What the governor knows of one knob.
struct KnobState {
    spec: KnobSpec,
    /// Its timing scope's share of the frame in the current window (built-in and user passes).
    window: RollingStats,
    /// Its share of the frame measured at each level, ms.
    measured: [Option<f64>; 5],
    /// Observed / predicted change.
    correction: f64,
    backoff: u32,
    blocked_until: u64,
}

impl KnobState {
    fn new(spec: KnobSpec, window_frames: usize) -> Self {
        Self {
            spec,
            window: RollingStats::new(window_frames),
            measured: [None; 5],
            correction: 1.0,
            backoff: 0,
            blocked_until: 0,
        }
    }
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
    /// Every knob, the render scale first (see [`KnobSpec::all`]).
    knobs: Vec<KnobState>,
    scaled_window: RollingStats,
    /// The frame time no knob reaches (passes that are no knob's and that the render scale
    /// does not shrink, and time outside every timed pass), ms per frame.
    outside_window: RollingStats,
    /// Those passes in the newest frame measured, with their ms, largest first.
    outside_passes: Vec<(String, f64)>,
    overlap: f64,
    /// Whether the frames measured carry per-pass times (else costs start from the priors).
    per_pass: bool,
    /// Resolution-dependent work at scale 1, ms.
    scaled_at_unit: Option<f64>,
    /// The render-scaled passes' median ms at each render scale a window was measured at
    /// (the newest window per scale): what [`Governor::fixed_scaled_ms`] fits.
    scaled_by_scale: Vec<(f32, f64)>,
    last_raise: Option<(usize, u64)>,
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
        let window_frames = settings.window_frames as usize;
        Self {
            timing_available,
            user: None,
            current: PostSettings::default(),
            settings,
            ladder: vec![1.0],
            effective_from: 0,
            next_frame: 0,
            window: RollingStats::new(window_frames),
            knobs: Vec::new(),
            scaled_window: RollingStats::new(window_frames),
            outside_window: RollingStats::new(window_frames),
            outside_passes: Vec::new(),
            overlap: 1.0,
            per_pass: true,
            scaled_at_unit: None,
            scaled_by_scale: Vec::new(),
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

    /// Each knob's current level: the render scale, the built-in passes in the chain's order,
    /// then the user passes.
    pub fn knobs(&self) -> Vec<(Knob, KnobLevel)> {
        (0..self.knobs.len())
            .map(|k| (self.knobs[k].spec.knob.clone(), self.level_value(k, self.level(k))))
            .collect()
    }

    fn adopt(&mut self, user: &PostSettings) {
        let budget = user.budget.validated().0;
        let specs = KnobSpec::all(user);
        let same_knobs = specs.len() == self.knobs.len()
            && specs.iter().zip(&self.knobs).all(|(a, b)| a.knob == b.spec.knob);
        let fresh = self.user.is_none() || budget != self.settings || !same_knobs;
        let previous = self.user.replace(user.clone());
        let window_frames = budget.window_frames as usize;
        self.settings = budget;
        let mut ladder: Vec<f32> = SCALE_STEPS
            .iter()
            .copied()
            .filter(|&s| s >= self.settings.min_scale - 1e-4 && s < user.render_scale - 0.01)
            .collect();
        ladder.reverse();
        ladder.push(user.render_scale);
        self.ladder = ladder;
        let mut current = user.clone();
        if let (false, Some(previous)) = (fresh, previous) {
            for state in &self.knobs {
                let spec = &state.spec;
                if let KnobKind::Scale = spec.kind {
                    if previous.render_scale == user.render_scale {
                        current.render_scale = self.current.render_scale.min(user.render_scale);
                    }
                } else if spec.tier_level(&previous) == spec.tier_level(user) {
                    let level = spec.tier_level(&self.current).min(spec.tier_level(user));
                    spec.set_tier_level(&mut current, level);
                }
            }
            for (state, spec) in self.knobs.iter_mut().zip(specs) {
                state.spec = spec;
            }
            log::info!("budget: settings changed at frame {}; statistics reset", self.next_frame);
        } else {
            self.knobs =
                specs.into_iter().map(|spec| KnobState::new(spec, window_frames)).collect();
            // A decision still waiting to be checked names knobs of the old list by index.
            self.pending = None;
            self.forget_costs();
        }
        self.current = current;
        self.restart_window(self.next_frame);
    }

    fn forget_costs(&mut self) {
        for state in &mut self.knobs {
            state.measured = [None; 5];
            state.correction = 1.0;
        }
        self.scaled_at_unit = None;
        self.scaled_by_scale.clear();
    }

    fn restart_window(&mut self, from: u64) {
        let n = self.settings.window_frames as usize;
        self.effective_from = from;
        self.window = RollingStats::new(n);
        self.scaled_window = RollingStats::new(n);
        self.outside_window = RollingStats::new(n);
        for state in &mut self.knobs {
            state.window = RollingStats::new(n);
        }
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
        let mut scaled: f64 = RENDERER_SCALED_PASSES.iter().map(|n| pass_ms(n)).sum();
        for state in &mut self.knobs {
            match state.spec.kind {
                KnobKind::Scale => continue,
                KnobKind::Pass(pass, _) => {
                    if pass.contract.knob.is_some_and(|k| k.at_render_size) {
                        scaled += pass_ms(pass.name());
                    }
                }
                KnobKind::User => {}
            }
            state.window.push(pass_ms(state.spec.knob.name()));
        }
        self.scaled_window.push(scaled);
        // What no knob reaches: passes that are no knob's and that the render scale does not
        // shrink, and the frame's time outside every timed pass.
        let reached = |name: &str| {
            RENDERER_SCALED_PASSES.contains(&name)
                || self.knobs.iter().any(|k| k.spec.knob.name() == name)
        };
        let mut outside: Vec<(String, f64)> = Vec::new();
        for p in timing.passes.iter().filter(|p| !reached(&p.name)) {
            match outside.iter_mut().find(|(name, _)| *name == p.name) {
                Some((_, ms)) => *ms += p.ms.max(0.0) * share,
                None => outside.push((p.name.clone(), p.ms.max(0.0) * share)),
            }
        }
        let untimed = (timing.gpu_ms - sum * share).max(0.0);
        if untimed > 0.0 {
            outside.push(("outside every timed pass".into(), untimed));
        }
        outside.sort_by(|a, b| b.1.total_cmp(&a.1));
        self.outside_window.push(outside.iter().map(|(_, ms)| ms).sum());
        self.outside_passes = outside;
    }

    /// The median GPU ms per frame that no knob reaches, over the current window: passes no
    /// knob turns and the render scale does not shrink (the shadow map, passes without a
    /// knob), and time outside every timed pass. `None` until frames with per-pass times have
    /// been measured. What remains when every knob is at its floor is this plus the floors'
    /// own cost.
    pub fn outside_knobs_ms(&self) -> Option<f64> {
        let outside = self.outside_window.median()?;
        Some(outside + self.fixed_scaled_ms().unwrap_or(0.0))
    }

    /// The part of the render-scaled passes (G-buffer, lighting, forward) that no render scale
    /// removes, ms per frame: mostly the G-buffer's geometry (vertices and rasterisation of a
    /// large model), which costs the same at any scale. Fitted as the intercept `a` of
    /// `ms = a + b·scale²` over the windows measured at different render scales (at least two
    /// scales whose squares differ by 0.1); `None` until then. Part of
    /// [`Governor::outside_knobs_ms`].
    pub fn fixed_scaled_ms(&self) -> Option<f64> {
        let points: Vec<(f64, f64)> =
            self.scaled_by_scale.iter().map(|&(s, ms)| (f64::from(s * s), ms)).collect();
        let n = points.len() as f64;
        let (min_x, max_x) =
            points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &(x, _)| (lo.min(x), hi.max(x)));
        if points.len() < 2 || max_x - min_x < 0.1 {
            return None;
        }
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        let slope = sxy / sxx;
        let lowest = points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        Some((mean_y - slope * mean_x).clamp(0.0, lowest))
    }

    /// The statistic of the current window (median or p90 of frame GPU ms), once any frame
    /// has been measured since the last change.
    pub fn frame_statistic(&self) -> Option<f64> {
        match self.settings.statistic {
            Statistic::Median => self.window.median(),
            Statistic::P90 => self.window.p90(),
        }
    }

    /// Level index of knob `k` now: the tier's index, or the position on the scale ladder.
    fn level(&self, k: usize) -> usize {
        match self.knobs[k].spec.kind {
            KnobKind::Scale => self.scale_level(self.current.render_scale),
            _ => self.knobs[k].spec.tier_level(&self.current),
        }
    }

    fn scale_level(&self, scale: f32) -> usize {
        self.ladder
            .iter()
            .enumerate()
            .min_by(|a, b| (a.1 - scale).abs().total_cmp(&(b.1 - scale).abs()))
            .map_or(0, |(i, _)| i)
    }

    /// The level one step below `level`, where the knob may go there.
    fn lower(&self, k: usize, level: usize) -> Option<usize> {
        let floor = match self.knobs[k].spec.kind {
            KnobKind::Scale | KnobKind::User => 0,
            KnobKind::Pass(_, floor) => floor as usize,
        };
        if level <= floor {
            return None;
        }
        Some(match self.knobs[k].spec.kind {
            KnobKind::User => 0,
            _ => level - 1,
        })
    }

    /// The level one step above `level`, up to the user's own.
    fn higher(&self, k: usize, level: usize) -> Option<usize> {
        let user = self.user.as_ref()?;
        let spec = &self.knobs[k].spec;
        let ceiling = match spec.kind {
            KnobKind::Scale => self.ladder.len() - 1,
            _ => spec.tier_level(user),
        };
        if level >= ceiling {
            return None;
        }
        Some(match spec.kind {
            KnobKind::User => USER_ON,
            _ => level + 1,
        })
    }

    /// The knob's predicted share of the frame at `level`, ms, before correction.
    fn predicted_cost(&self, k: usize, level: usize) -> Option<f64> {
        if let KnobKind::Scale = self.knobs[k].spec.kind {
            let scale = f64::from(*self.ladder.get(level)?);
            return self
                .scaled_at_unit
                .or_else(|| self.prior_scaled_at_unit())
                .map(|unit| unit * scale * scale);
        }
        if level == 0 {
            return Some(0.0);
        }
        let measured = &self.knobs[k].measured;
        if let Some(ms) = measured[level] {
            return Some(ms);
        }
        // The nearest measured tier, scaled by the relative cost table.
        (1..5)
            .filter_map(|l| measured[l].map(|ms| (l, ms)))
            .min_by_key(|(l, _)| l.abs_diff(level))
            .map(|(l, ms)| {
                ms * self.knobs[k].spec.tier_cost[level] / self.knobs[k].spec.tier_cost[l]
            })
            .or_else(|| self.prior_cost(k, level))
    }

    /// Without per-pass times: the knob's prior share of the frame's median at `level`.
    fn prior_cost(&self, k: usize, level: usize) -> Option<f64> {
        if self.per_pass {
            return None;
        }
        let frame = self.window.median()?;
        let share = self.knobs[k].spec.prior_share;
        let cost = &self.knobs[k].spec.tier_cost;
        Some(frame * share * cost[level] / cost[3])
    }

    /// Without per-pass times: the resolution-dependent work at scale 1, from its prior share.
    fn prior_scaled_at_unit(&self) -> Option<f64> {
        if self.per_pass {
            return None;
        }
        let scale = f64::from(self.current.render_scale);
        Some(self.window.median()? * PRIOR_SCALED_SHARE / (scale * scale))
    }

    /// Predicted change in frame time of moving knob `k` from `from` to `to`, ms.
    fn predicted_change(&self, k: usize, from: usize, to: usize) -> Option<f64> {
        let delta = self.predicted_cost(k, to)? - self.predicted_cost(k, from)?;
        Some(delta * self.knobs[k].correction)
    }

    fn value(&self, k: usize, level: usize) -> f64 {
        let spec = &self.knobs[k].spec;
        match spec.kind {
            KnobKind::Scale => {
                spec.weight * f64::from(self.ladder.get(level).copied().unwrap_or(1.0))
            }
            _ => spec.weight * TIER_VALUE[level.min(4)],
        }
    }

    fn level_value(&self, k: usize, level: usize) -> KnobLevel {
        match self.knobs[k].spec.kind {
            KnobKind::Scale => KnobLevel::Scale(self.ladder.get(level).copied().unwrap_or(1.0)),
            KnobKind::Pass(..) => KnobLevel::Tier(Tier::ALL[level.min(4)]),
            KnobKind::User => KnobLevel::Switch(level > 0),
        }
    }

    fn set_level(&mut self, k: usize, level: usize) {
        match self.knobs[k].spec.kind {
            KnobKind::Scale => {
                self.current.render_scale = self.ladder.get(level).copied().unwrap_or(1.0);
            }
            _ => self.knobs[k].spec.set_tier_level(&mut self.current, level),
        }
    }

    /// Store what the window measured at the current levels, and check the last change.
    fn learn(&mut self) {
        for k in 0..self.knobs.len() {
            if let KnobKind::Scale = self.knobs[k].spec.kind {
                continue;
            }
            let level = self.level(k);
            if level > 0
                && let Some(ms) = self.knobs[k].window.median()
            {
                self.knobs[k].measured[level] = Some(ms);
            }
        }
        if let Some(ms) = self.scaled_window.median() {
            let scale = self.current.render_scale;
            self.scaled_at_unit = Some(ms / f64::from(scale * scale));
            match self.scaled_by_scale.iter_mut().find(|(s, _)| *s == scale) {
                Some(entry) => entry.1 = ms,
                None => self.scaled_by_scale.push((scale, ms)),
            }
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
        for k in pending.knobs {
            let c = &mut self.knobs[k].correction;
            *c = (*c * step).clamp(0.25, 4.0);
        }
    }

    fn decide(&mut self) {
        let settings = self.settings.clone();
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
    fn is_measured(&self, k: usize, level: usize) -> bool {
        match self.knobs[k].spec.kind {
            KnobKind::Scale => self.scaled_at_unit.is_some(),
            _ => level == 0 || self.knobs[k].measured[level].is_some(),
        }
    }

    /// Whether knob `k`'s cost follows the render scale (a pass drawn at the render size).
    fn at_render_size(&self, k: usize) -> bool {
        match self.knobs[k].spec.kind {
            KnobKind::Pass(pass, _) => pass.contract.knob.is_some_and(|d| d.at_render_size),
            _ => false,
        }
    }

    fn step_down(&mut self, stat: f64, limit: f64, budget: f64, stat_name: &str) {
        // Sized between the median and the statistic: a p90 inflated by a few slow frames
        // (warm-up, a busy CPU) must not turn everything off at once; if the frames really
        // are that slow the next window takes another step.
        let median = self.window.median().unwrap_or(stat);
        let need = 0.5 * (stat + median.min(stat)) - limit + 0.05 * budget;
        let mut levels: Vec<usize> = (0..self.knobs.len()).map(|k| self.level(k)).collect();
        let mut changes = Vec::new();
        let mut changed = Vec::new();
        let (mut saved, mut counted) = (0.0, 0.0);
        // Passes drawn at the render size: what their steps save no longer scales with it.
        let scaled_now = self.scaled_window.median().unwrap_or(0.0);
        let mut scaled_saved = 0.0;
        while counted < need {
            let best = (0..self.knobs.len())
                .filter_map(|k| {
                    let from = levels[k];
                    let to = self.lower(k, from)?;
                    let mut saving = -self.predicted_change(k, from, to)?;
                    if let KnobKind::Scale = self.knobs[k].spec.kind
                        && scaled_now > 0.0
                    {
                        saving *= (1.0 - scaled_saved / scaled_now).max(0.0);
                    }
                    let lost = (self.value(k, from) - self.value(k, to)).max(1e-3);
                    (saving > 0.005).then_some((k, from, to, saving, saving / lost))
                })
                .max_by(|a, b| a.4.total_cmp(&b.4));
            let Some((k, from, to, saving, _)) = best else { break };
            levels[k] = to;
            saved += saving;
            if self.at_render_size(k) {
                scaled_saved += saving;
            }
            // A saving read off the relative cost table counts for less until measured, so
            // one decision lands clearly under the line instead of creeping towards it.
            counted += if self.is_measured(k, to) { saving } else { 0.8 * saving };
            changed.push((k, to));
            changes.push(KnobChange {
                knob: self.knobs[k].spec.knob.clone(),
                from: self.level_value(k, from),
                to: self.level_value(k, to),
                predicted_ms: -saving,
            });
        }
        if changes.is_empty() {
            self.state.push_str("; over budget with every knob at its floor");
            if let Some(outside) = self.outside_knobs_ms() {
                let fixed = self.fixed_scaled_ms().filter(|ms| *ms >= 0.05);
                let mut named: Vec<(String, f64)> = self.outside_passes.clone();
                if let Some(ms) = fixed {
                    named.push(("gbuffer, lighting and forward at any render scale".into(), ms));
                }
                named.sort_by(|a, b| b.1.total_cmp(&a.1));
                let passes: Vec<String> = named
                    .iter()
                    .filter(|(_, ms)| *ms >= 0.05)
                    .take(3)
                    .map(|(name, ms)| format!("{name} {ms:.1}"))
                    .collect();
                self.state.push_str(&format!(
                    ": {outside:.1} of {stat:.1} ms is outside every knob ({}), the rest is \
                     the knobs' floors and the render-scaled passes at the lowest scale",
                    passes.join(", ")
                ));
            }
            return;
        }
        let reason = format!(
            "over budget: {stat_name} {stat:.2} ms > {limit:.2} ms; steps chosen by ms saved per \
             unit of value lost"
        );
        // A knob given back recently that has to come down again waits longer next time.
        if let Some((raised, at)) = self.last_raise
            && changed.iter().any(|(k, _)| *k == raised)
            && self.next_frame < at + 2 * u64::from(self.settings.raise_after_frames)
        {
            let state = &mut self.knobs[raised];
            state.backoff = (state.backoff + 1).min(6);
            state.blocked_until = self.next_frame
                + u64::from(self.settings.raise_after_frames) * (1u64 << state.backoff);
        }
        self.commit(changed, changes, stat, stat - saved, reason);
    }

    fn step_up(&mut self, stat: f64, limit: f64, budget: f64, stat_name: &str) {
        let line = limit - 0.05 * budget;
        let best = (0..self.knobs.len())
            .filter(|&k| self.knobs[k].blocked_until <= self.next_frame)
            .filter_map(|k| {
                let from = self.level(k);
                let to = self.higher(k, from)?;
                let cost = self.predicted_change(k, from, to)?.max(0.0);
                let gain = self.value(k, to) - self.value(k, from);
                (stat + cost * 1.1 <= line).then_some((k, from, to, cost, gain))
            })
            .max_by(|a, b| a.4.total_cmp(&b.4).then(b.3.total_cmp(&a.3)));
        let Some((k, from, to, cost, _)) = best else { return };
        let change = KnobChange {
            knob: self.knobs[k].spec.knob.clone(),
            from: self.level_value(k, from),
            to: self.level_value(k, to),
            predicted_ms: cost,
        };
        let reason = format!(
            "under budget for {} frames: {stat_name} {stat:.2} ms, predicted +{cost:.2} ms fits \
             under {line:.2} ms; most valuable knob that fits",
            self.under_frames
        );
        self.last_raise = Some((k, self.next_frame));
        self.commit(vec![(k, to)], vec![change], stat, stat + cost, reason);
    }

    fn commit(
        &mut self,
        levels: Vec<(usize, usize)>,
        changes: Vec<KnobChange>,
        stat: f64,
        predicted: f64,
        reason: String,
    ) {
        for &(k, level) in &levels {
            self.set_level(k, level);
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
            knobs: levels.iter().map(|&(k, _)| k).collect(),
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

//! The budget governor: GPU frame times in, pass tiers and a render scale out.
//!
//! No other post stack does this per pass: engines scale resolution, or step features by fixed
//! guessed costs. The [`Governor`] measures the whole-frame GPU time (first timestamp to last,
//! so overlapping passes on tile-based GPUs are counted once), compares a robust statistic of
//! recent frames (median or p90) with `target × (1 − headroom)`, and turns individual knobs
//! down (one tier, or one render-scale step) where the predicted milliseconds saved per unit of
//! visual value lost is best. It gives them back, most valuable first, once frames have been
//! clearly under budget for long enough and the predicted cost fits. It learns what a knob
//! really costs from the change in frame time when that knob moves, so per-pass times (which
//! overlap on tiled GPUs) only rank candidates. See `docs/architecture.md`, "GPU timing and the budget".
//!
//! A preset's `[budget]` table is [`BudgetSettings`]. Frame times come from the best rung of
//! the timing ladder the device has ([`crate::gpu::TimingMethod`]); without any timestamps
//! only the frame's time arrives and knob costs start from priors ([`Governor::status`] says
//! so).
//!
//! [`simulated`] is a GPU cost model (noise, spikes, thermal drift, overlapping passes, late
//! results) that the governor is tested against.

mod governor;
pub mod simulated;
mod stats;
mod trace;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use governor::{Decision, Governor, Knob, KnobChange, KnobLevel, floor_of};
pub use stats::RollingStats;
pub use trace::{BudgetTrace, TraceFrame};

use crate::gpu::{DeviceClass, TimingRequest};
use crate::post::clamp_setting;
use crate::post::schema::{Control, Setting, float, setting};

/// What the governor does with the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetMode {
    /// No governor: the preset's tiers and scale, always (the default).
    #[default]
    Off,
    /// Measure and report frame time against the budget, but never change a knob (benchmarks,
    /// A/B comparisons of a fixed chain).
    Fixed,
    /// Turn knobs down when over budget and back up when there is room.
    Adaptive,
}

impl BudgetMode {
    /// The mode's name as presets spell it.
    pub fn name(self) -> &'static str {
        match self {
            BudgetMode::Off => "off",
            BudgetMode::Fixed => "fixed",
            BudgetMode::Adaptive => "adaptive",
        }
    }
}

/// Which statistic of recent frame times is compared with the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    /// The median: steers on the typical frame.
    Median,
    /// The 90th percentile (default): steers so nine frames in ten fit.
    #[default]
    P90,
}

/// What the render scale's quality is worth by default, per unit of scale (1.0 → 0.5 loses
/// half of it): 12, as resolution is what every other stack already drops and softness shows
/// everywhere, so passes go first.
pub const RENDER_SCALE_VALUE: f32 = 12.0;

/// How much each knob's quality is worth (`[budget.value]`, keyed by knob name: a built-in
/// pass or `render_scale`): the visual value lost by a step is the weight times the drop in
/// the tier's value (off 0, low 0.6, medium 0.8, high 0.93, ultra 1; for the render scale, the
/// drop in scale). Larger weights are turned down later and given back sooner. Each
/// `0..=1000`. A knob without an entry has its pass contract's default
/// ([`crate::post::contract::KnobDecl::value`], or [`RENDER_SCALE_VALUE`]);
/// `PostSettings::default()` and `PostSettings::validated()` write every default in, and the
/// latter drops (with a warning) names that are no knob. A user pass's weight is its
/// `[[custom]]` table's `value`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValueWeights(BTreeMap<String, f32>);

impl ValueWeights {
    /// The weight the preset gives the knob `name`, if any.
    pub fn weight(&self, name: &str) -> Option<f32> {
        self.0.get(name).copied()
    }

    /// Set the weight of the knob `name`.
    pub fn set(&mut self, name: &str, weight: f32) {
        self.0.insert(name.to_owned(), weight);
    }

    /// Forget the weight of the knob `name` (it takes its default).
    pub fn remove(&mut self, name: &str) {
        self.0.remove(name);
    }

    /// Every knob named, with its weight, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f32)> {
        self.0.iter().map(|(name, &weight)| (name.as_str(), weight))
    }

    /// Every weight in `0..=1000` (NaN: 1), one warning per change naming the key
    /// (`budget.value.ao`).
    fn validated(&self, warnings: &mut Vec<String>) -> Self {
        let clamp = |(name, &weight): (&String, &f32)| {
            let key = format!("budget.value.{name}");
            (name.clone(), clamp_setting(warnings, &key, weight, 0.0, 1000.0, 1.0))
        };
        Self(self.0.iter().map(clamp).collect())
    }
}

/// The `[budget]` table of a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetSettings {
    /// `off` (default), `fixed` (measure and report only) or `adaptive`.
    pub mode: BudgetMode,
    /// Frame budget in milliseconds of GPU time: 1..=1000, default 16.667 (60 Hz). Ignored
    /// when `refresh_hz` is set.
    pub target_ms: f32,
    /// Display refresh rate in Hz; when above 0 the budget is `1000 / refresh_hz` ms.
    /// 0 (default) or 1..=1000.
    pub refresh_hz: f32,
    /// Fraction of the budget kept free for the app, the compositor and noise: the governor
    /// steers to `budget × (1 − headroom)`. 0..=0.5, default 0.1.
    pub headroom: f32,
    /// `p90` (default) or `median` of the recent frames.
    pub statistic: Statistic,
    /// Frames of timing the statistic is taken over, and the least the governor needs after a
    /// change before it decides again: 8..=240, default 16.
    pub window_frames: u32,
    /// Frames ignored after a change while histories and caches settle: 0..=120, default 4.
    pub cooldown_frames: u32,
    /// Frames the statistic must stay clearly under budget (by the headroom plus 5 % of the
    /// budget) before a knob is given back: 30..=6000, default 120.
    pub raise_after_frames: u32,
    /// The lowest render scale the governor may choose: 0.5..=1, default 0.5.
    pub min_scale: f32,
    /// What each knob's quality is worth.
    pub value: ValueWeights,
    /// How GPU time is measured: `auto` (default: the best the device has), `encoder`,
    /// `pass` or `frame` (see [`TimingMethod`](crate::gpu::TimingMethod)).
    pub timing: TimingRequest,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        Self {
            mode: BudgetMode::Off,
            target_ms: 1000.0 / 60.0,
            refresh_hz: 0.0,
            headroom: 0.1,
            statistic: Statistic::P90,
            window_frames: 16,
            cooldown_frames: 4,
            raise_after_frames: 120,
            min_scale: 0.5,
            value: ValueWeights::default(),
            timing: TimingRequest::Auto,
        }
    }
}

impl BudgetSettings {
    /// An adaptive budget for a 90 Hz AR headset or phone: 11.1 ms per frame.
    pub const AR_90HZ_MS: f32 = 1000.0 / 90.0;

    /// The budget a device class starts with when the user sets none: mobile-class hardware
    /// gets an adaptive 90 Hz AR budget (11.1 ms), desktops no governor.
    pub fn default_for(class: DeviceClass) -> Self {
        match class {
            DeviceClass::Mobile => {
                Self { mode: BudgetMode::Adaptive, refresh_hz: 90.0, ..Self::default() }
            }
            DeviceClass::Desktop => Self::default(),
        }
    }

    /// An adaptive budget of `ms` milliseconds, other keys at their defaults.
    pub fn adaptive(ms: f32) -> Self {
        Self { mode: BudgetMode::Adaptive, target_ms: ms, ..Self::default() }
    }

    /// The frame budget in milliseconds (from `refresh_hz` when set).
    pub fn budget_ms(&self) -> f64 {
        if self.refresh_hz > 0.0 {
            1000.0 / f64::from(self.refresh_hz)
        } else {
            f64::from(self.target_ms)
        }
    }

    /// What the governor steers to: `budget × (1 − headroom)`.
    pub fn limit_ms(&self) -> f64 {
        self.budget_ms() * (1.0 - f64::from(self.headroom))
    }

    /// The settings clamped to their documented ranges, with a warning per clamped value.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let d = Self::default();
        let mut w = Vec::new();
        let frames = |w: &mut Vec<String>, key: &str, value: u32, min: u32, max: u32| {
            if (min..=max).contains(&value) {
                value
            } else {
                let clamped = value.clamp(min, max);
                w.push(format!("{key} = {value} is outside {min}..={max}; using {clamped}"));
                clamped
            }
        };
        let refresh_hz = if self.refresh_hz == 0.0 {
            0.0
        } else {
            clamp_setting(&mut w, "budget.refresh_hz", self.refresh_hz, 1.0, 1000.0, 0.0)
        };
        let value = self.value.validated(&mut w);
        let settings = Self {
            mode: self.mode,
            target_ms: clamp_setting(
                &mut w,
                "budget.target_ms",
                self.target_ms,
                1.0,
                1000.0,
                d.target_ms,
            ),
            refresh_hz,
            headroom: clamp_setting(&mut w, "budget.headroom", self.headroom, 0.0, 0.5, d.headroom),
            statistic: self.statistic,
            window_frames: frames(&mut w, "budget.window_frames", self.window_frames, 8, 240),
            cooldown_frames: frames(&mut w, "budget.cooldown_frames", self.cooldown_frames, 0, 120),
            raise_after_frames: frames(
                &mut w,
                "budget.raise_after_frames",
                self.raise_after_frames,
                30,
                6000,
            ),
            min_scale: clamp_setting(
                &mut w,
                "budget.min_scale",
                self.min_scale,
                0.5,
                1.0,
                d.min_scale,
            ),
            value,
            timing: self.timing,
        };
        (settings, w)
    }
}

/// The `[budget]` keys as the panel and presets see them ([`BudgetSettings`]), but the value
/// weights (one per governor knob: the viewer's schema makes them from the pass contracts).
pub const SETTINGS: &[Setting] = &[
    setting(
        "budget.mode",
        Control::Choice(&["off", "fixed", "adaptive"]),
        "Budget governor: off (default), fixed (measure only) or adaptive (turns passes down).",
    ),
    setting(
        "budget.target_ms",
        float(1.0, 1000.0, 0.1),
        "Frame budget in GPU ms, 1..=1000, default 16.667; ignored when refresh_hz is set.",
    ),
    setting(
        "budget.refresh_hz",
        float(0.0, 1000.0, 1.0),
        "Display refresh rate; above 0 the budget is 1000 / refresh_hz ms. Default 0.",
    ),
    setting(
        "budget.headroom",
        float(0.0, 0.5, 0.01),
        "Fraction of the budget kept free: the governor steers to budget x (1 - headroom), 0..=0.5, default 0.1.",
    ),
    setting(
        "budget.timing",
        Control::Choice(&["auto", "encoder", "pass", "frame"]),
        "How GPU time is measured: auto (default, the best the device has), encoder (timestamps inside encoders), pass (pass-boundary timestamps) or frame (no timestamps: submission to completion, no per-pass times).",
    ),
    setting(
        "budget.statistic",
        Control::Choice(&["median", "p90"]),
        "Statistic of recent frames compared with the budget. Default p90.",
    ),
    setting(
        "budget.window_frames",
        Control::Int { min: 8, max: 240 },
        "Frames the statistic is taken over, 8..=240, default 16.",
    ),
    setting(
        "budget.cooldown_frames",
        Control::Int { min: 0, max: 120 },
        "Frames ignored after a change, 0..=120, default 4.",
    ),
    setting(
        "budget.raise_after_frames",
        Control::Int { min: 30, max: 6000 },
        "Frames clearly under budget before a knob is given back, 30..=6000, default 120.",
    ),
    setting(
        "budget.min_scale",
        float(0.5, 1.0, 0.01),
        "Lowest render scale the governor may choose, 0.5..=1, default 0.5.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_rate_sets_the_budget_and_headroom_the_limit() {
        let s = BudgetSettings { refresh_hz: 90.0, headroom: 0.1, ..BudgetSettings::default() };
        assert!((s.budget_ms() - 11.111).abs() < 1e-3);
        assert!((s.limit_ms() - 10.0).abs() < 1e-3);
        assert_eq!(BudgetSettings::adaptive(8.0).budget_ms(), 8.0);
        assert_eq!(BudgetSettings::default_for(DeviceClass::Mobile).mode, BudgetMode::Adaptive);
        assert_eq!(BudgetSettings::default_for(DeviceClass::Desktop).mode, BudgetMode::Off);
    }

    #[test]
    fn out_of_range_values_are_clamped_with_warnings() {
        let s = BudgetSettings {
            target_ms: f32::NAN,
            refresh_hz: -5.0,
            headroom: 0.9,
            window_frames: 0,
            min_scale: 0.1,
            ..BudgetSettings::default()
        };
        let mut s = s;
        s.value.set("ao", -1.0);
        let (v, w) = s.validated();
        assert_eq!(v.target_ms, BudgetSettings::default().target_ms);
        assert_eq!(v.refresh_hz, 1.0);
        assert_eq!(v.headroom, 0.5);
        assert_eq!(v.window_frames, 8);
        assert_eq!(v.min_scale, 0.5);
        assert_eq!(v.value.weight("ao"), Some(0.0));
        assert_eq!(w.len(), 6, "{w:?}");
        assert!(w.iter().any(|w| w.contains("budget.headroom")));
    }
}

//! Automatic exposure from a GPU luminance histogram (`shaders/post/exposure.wgsl`), with no CPU
//! readback in the frame: the result stays in a 16-byte storage buffer the finish pass reads.
//! Devices without compute or storage buffers (GLES 3.0, WebGL2) take a fragment path instead:
//! the sampled pixels' bins and weights are drawn into a small image and read back a frame or
//! two later, and the CPU ranks and adapts exactly as step 2 below ([`SampledHistogram`]).
//!
//! The approach is Bevy's and Unity HDRP's auto exposure, with the exposure definitions of
//! Lagarde & de Rousiers, "Moving Frostbite to PBR" (2014):
//!
//! 1. **histogram** (`exposure.histogram`): every sampled pixel's scene luminance
//!    `L = dot(max(rgb, 0), Rec.709) / pre_exposure` (the HDR target is pre-exposed, see
//!    [`crate::render::pre_exposure`]) goes into a bin of `log2 L`, weighted by the
//!    [`MeteringMask`]; workgroup-shared atomics first, then one global add per bin.
//!    NaN and infinite texels are skipped. Bin 0 holds the samples at or below
//!    `2^min_log2_luminance` (black included); bins `1..bins` split
//!    `[min_log2_luminance, max_log2_luminance]` evenly, brighter samples land in the last.
//! 2. **average** (`exposure.average`, one invocation): ranks the weighted samples, drops the
//!    darkest `low_percent` and the brightest `high_percent`, and averages the bin centres of
//!    the rest (bin 0 ranks but adds no luminance). That average is turned into the EV100 that
//!    renders it as mid grey, `EV100 = log2(L_avg · 100 / K)` with the reflected-light meter
//!    constant `K = 12.5`, clamped to `[min_ev100, max_ev100]`, and compensated: the target is
//!    `clamp(...) − compensation` (positive compensation brightens, as the renderer's
//!    `exposure_compensation` does). When nothing is kept outside bin 0 (an all-black image)
//!    the clamped EV is `min_ev100`. When no sample has any weight (an empty mask, an all-NaN
//!    image) the previous target is held, except after [`ExposurePass::reset`].
//!    The current EV100 then moves toward the target by at most `speed · dt`: at
//!    `speed_brighten` when the scene got brighter (target above the current value, the way
//!    eyes adapt to light), at `speed_darken` when it got darker; a reset snaps to the target.
//!    The pass writes the shader's `ExposureState` (`multiplier, ev100, target_ev100,
//!    average_log2_luminance`), where `multiplier = exposure(ev100) / pre_exposure` and
//!    `exposure(ev) = 1 / (1.2 · 2^ev)`: the finish multiplies the pre-exposed HDR by it.
//!
//! Weights are fixed point (`round(weight · 64)`) so the atomics stay integer: the histogram
//! holds `2^32 / 64`, about 67 million full-weight samples (8K at stride 1).
//!
//! Uniforms are written with `queue.write_buffer`, so record one [`ExposurePass::dispatch`] per
//! queue submission, like every other pass.
//!
//! **Specialised** ([`crate::draw::specialise`]): the metering mask and the tier's bins are the
//! shader's `METERING` and `BINS` override constants, one histogram/average pipeline pair (or
//! fragment samples pipeline) per `ExposureKey`, and the reset test avoids WGSL's `||` (which
//! naga lowers to an `if`), so no branch or loop bound reads only the uniform parameters (Mesa
//! 22's lavapipe recompiled and leaked such shaders on every bind, `docs/memory-growth.md`).
//! [`ExposurePass::frame_submitted`] builds the tiers a budget-governor step can reach once a
//! frame is submitted. The sampling stride stays a uniform (it only meets the invocation id).
//!
//! Reads: HDR colour (pre-exposed), depth (only for [`MeteringMask::Foreground`]).
//! Writes: the exposure state buffer.

use serde::{Deserialize, Serialize};

use super::contract::{DEFAULT_TIER_COST, Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::schema::{Control, Setting, TIERS, float, setting};
use super::traffic::{FrameTargets, PassTraffic};
use super::{Tier, clamp_setting};
use crate::draw::bindings;
use crate::draw::specialise::Specialised;

/// How the exposure is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExposureMode {
    /// Metered once per frame on the CPU from the scene's light, as an incident-light meter
    /// would: EV100 = log2(E · 100 / 250) with E the key (first directional) light's
    /// illuminance plus the environment's (π times its mean radiance). Physical, stable,
    /// free; the renderer's default.
    #[default]
    Metered,
    /// A fixed EV100 ([`ExposureSettings::ev100`]).
    Manual,
    /// A physical camera: aperture, shutter time and ISO give the EV100.
    Camera,
    /// Metered every frame from the GPU histogram and adapted over time.
    Automatic,
}

/// Which pixels the automatic exposure meters, and how much each counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeteringMask {
    /// Every pixel counts the same.
    Average,
    /// Weight `2^(−2 d²)`, `d` the distance from the image centre in half-extents: 1 in the
    /// centre, 1/4 at the middle of each edge, 1/16 in the corners.
    #[default]
    CentreWeighted,
    /// Only a disc in the centre, of radius 10% of the shorter side (at least one pixel).
    Spot,
    /// Only pixels with geometry (depth ≠ 0 in the reverse-Z G-buffer); the background is
    /// ignored, so a product demo meters the product. Needs the depth buffer.
    Foreground,
}

/// Spot radius as a fraction of the shorter image side (`EXPOSURE_SPOT_RADIUS` in the shader).
const SPOT_RADIUS: f32 = 0.1;

/// Fixed-point scale of the metering weights (`EXPOSURE_WEIGHT_ONE` in the shader).
const WEIGHT_ONE: f32 = 64.0;

/// The most bins a histogram has (`EXPOSURE_MAX_BINS` in the shader).
const MAX_BINS: u32 = 256;

/// `log2(100 / 12.5)`: the reflected-light meter constant K = 12.5 at ISO 100.
const LOG2_METER: f32 = 3.0;

impl MeteringMask {
    /// The mask's weight (0..=1) for pixel `(x, y)` of a `size` image; `geometry` tells whether
    /// the pixel's depth is non-zero (only [`MeteringMask::Foreground`] looks at it). The CPU
    /// mirror of `exposure_mask_weight` in `shaders/post/exposure.wgsl`.
    pub fn weight(self, x: u32, y: u32, size: (u32, u32), geometry: bool) -> f32 {
        let (w, h) = (size.0 as f32, size.1 as f32);
        let (cx, cy) = (x as f32 + 0.5, y as f32 + 0.5);
        let (hx, hy) = (w * 0.5, h * 0.5);
        match self {
            MeteringMask::Average => 1.0,
            MeteringMask::CentreWeighted => {
                let (dx, dy) = ((cx - hx) / hx, (cy - hy) / hy);
                (-2.0 * (dx * dx + dy * dy)).exp2()
            }
            MeteringMask::Spot => {
                let radius = (SPOT_RADIUS * size.0.min(size.1) as f32).max(1.0);
                let (dx, dy) = (cx - hx, cy - hy);
                if dx * dx + dy * dy <= radius * radius { 1.0 } else { 0.0 }
            }
            MeteringMask::Foreground => {
                if geometry {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The shader's `METERING_*` number.
    fn gpu_id(self) -> u32 {
        match self {
            MeteringMask::Average => 0,
            MeteringMask::CentreWeighted => 1,
            MeteringMask::Spot => 2,
            MeteringMask::Foreground => 3,
        }
    }
}

/// Settings of the exposure pass. Every value is clamped into its documented range by
/// [`ExposureSettings::validated`] (and silently by the pass itself).
///
/// Tiers (automatic mode; `Off` falls back to the fixed EV the caller passes):
///
/// | tier   | bins | sampling stride | bin width (default range) |
/// |--------|------|-----------------|---------------------------|
/// | Off    | –    | –               | fixed exposure, no histogram |
/// | Low    | 64   | every 4th pixel in x and y (1 in 16) | 0.38 EV |
/// | Medium | 128  | every 3rd (1 in 9) | 0.19 EV |
/// | High   | 256  | every 2nd (1 in 4) | 0.094 EV |
/// | Ultra  | 256  | every pixel     | 0.094 EV |
///
/// The sampled pixel is the centre of each `stride`² block (its `stride / 2` offset). High
/// meters a quarter of the pixels, as engines that build the histogram from a half-size copy
/// of the image do: on the shared scenes its target lands within a bin of Ultra's (every pixel;
/// `tests/integration/auto_exposure.rs` measures it), at a quarter of the reads.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExposureSettings {
    /// How the exposure is chosen: `metered` (default), `manual`, `camera` or `automatic`.
    pub mode: ExposureMode,
    /// EV100 of [`ExposureMode::Manual`], in stops: -10..=20, default 10 (overcast daylight;
    /// 15 is a sunny day, 0 a dim room).
    pub ev100: f32,
    /// Aperture f-number of [`ExposureMode::Camera`]: 1..=32, default 16.
    pub aperture: f32,
    /// Shutter time of [`ExposureMode::Camera`], in seconds: 1/8000..=30, default 1/125.
    pub shutter_seconds: f32,
    /// Sensor sensitivity (ISO) of [`ExposureMode::Camera`]: 25..=12800, default 100.
    /// Camera EV100 = `log2(aperture² / shutter_seconds · 100 / iso)`.
    pub iso: f32,
    /// Exposure compensation in EV, every mode: -10..=10, default 0. Positive brightens: the
    /// EV100 used is lowered by this much (after the automatic mode's clamp).
    pub compensation: f32,
    /// Histogram quality (bins and sampling stride, see the table above). Default High.
    pub tier: Tier,
    /// Lower end of the histogram, log2 of luminance in cd/m²: -20..=20, default -8.
    /// Darker samples (black included) rank but add no luminance to the average.
    pub min_log2_luminance: f32,
    /// Upper end of the histogram, log2 of luminance in cd/m²: at least
    /// `min_log2_luminance + 1`, at most 30; default 16. Brighter samples count as this bright.
    pub max_log2_luminance: f32,
    /// Darkest EV100 the automatic exposure chooses: -10..=20, default -6.
    pub min_ev100: f32,
    /// Brightest EV100 the automatic exposure chooses: `min_ev100..=20`, default 18.
    pub max_ev100: f32,
    /// Percentage of the weighted samples dropped at the dark end: 0..=49, default 10.
    pub low_percent: f32,
    /// Percentage of the weighted samples dropped at the bright end: 0..=49, default 5.
    pub high_percent: f32,
    /// Adaptation speed when the scene gets brighter (target EV100 above the current), in EV
    /// per second: 0..=100, default 3. 0 holds the exposure until a reset.
    pub speed_brighten: f32,
    /// Adaptation speed when the scene gets darker, in EV per second: 0..=100, default 1.
    pub speed_darken: f32,
    /// Which pixels are metered. Default [`MeteringMask::CentreWeighted`].
    pub metering: MeteringMask,
}

impl ExposureSettings {
    /// The defaults: metered from the scene's light; the histogram settings (centre-weighted,
    /// High tier) apply when the mode is switched to automatic.
    pub const DEFAULT: Self = Self {
        mode: ExposureMode::Metered,
        ev100: 10.0,
        aperture: 16.0,
        shutter_seconds: 1.0 / 125.0,
        iso: 100.0,
        compensation: 0.0,
        tier: Tier::High,
        min_log2_luminance: -8.0,
        max_log2_luminance: 16.0,
        min_ev100: -6.0,
        max_ev100: 18.0,
        low_percent: 10.0,
        high_percent: 5.0,
        speed_brighten: 3.0,
        speed_darken: 1.0,
        metering: MeteringMask::CentreWeighted,
    };

    /// Automatic exposure from the histogram with the default metering (centre-weighted).
    pub const AUTO: Self = Self { mode: ExposureMode::Automatic, ..Self::DEFAULT };

    /// A fixed indoor exposure: manual EV100 7 (a bright living room, an office at night).
    pub const INDOOR: Self = Self { mode: ExposureMode::Manual, ev100: 7.0, ..Self::DEFAULT };

    /// Automatic exposure metering only the product (foreground geometry), ignoring the
    /// backdrop. Fewer samples are dropped (5% dark, 2% bright) because the product is a small
    /// part of the frame, and adaptation is an even 2 EV/s both ways, calm for turntables.
    pub const AUTO_PRODUCT: Self = Self {
        mode: ExposureMode::Automatic,
        metering: MeteringMask::Foreground,
        low_percent: 5.0,
        high_percent: 2.0,
        speed_brighten: 2.0,
        speed_darken: 2.0,
        ..Self::DEFAULT
    };

    /// The settings with every out-of-range or non-finite value clamped into its documented
    /// range (non-finite values take the default), and one warning per changed field, named
    /// `exposure.<field>`, with the bad value and the value used.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let settings = self.clamped(&mut warnings);
        (settings, warnings)
    }

    /// A manual exposure of `ev100` stops (everything else default).
    pub fn manual(ev100: f32) -> Self {
        Self { mode: ExposureMode::Manual, ev100, ..Self::DEFAULT }
    }

    /// Whether the GPU histogram runs (automatic mode, tier not off).
    pub fn is_automatic(&self) -> bool {
        self.mode == ExposureMode::Automatic && self.tier.is_on()
    }

    /// The EV100 of the fixed modes (on validated values): [`ExposureMode::Manual`]'s `ev100`,
    /// or [`ExposureMode::Camera`]'s `log2(aperture² / shutter_seconds · 100 / iso)`; `None`
    /// for [`ExposureMode::Metered`] (the renderer meters) and [`ExposureMode::Automatic`].
    pub fn fixed_ev100(&self) -> Option<f32> {
        let s = self.clamped(&mut Vec::new());
        match s.mode {
            ExposureMode::Manual => Some(s.ev100),
            ExposureMode::Camera => {
                Some((s.aperture * s.aperture / s.shutter_seconds * 100.0 / s.iso).log2())
            }
            ExposureMode::Metered | ExposureMode::Automatic => None,
        }
    }

    /// Histogram bins of a tier (0 for Off).
    fn bins(tier: Tier) -> u32 {
        match tier {
            Tier::Off => 0,
            Tier::Low => 64,
            Tier::Medium => 128,
            Tier::High | Tier::Ultra => 256,
        }
    }

    /// Histogram sampling stride of a tier, in pixels (0 for Off).
    fn stride(tier: Tier) -> u32 {
        match tier {
            Tier::Off => 0,
            Tier::Low => 4,
            Tier::Medium => 3,
            Tier::High => 2,
            Tier::Ultra => 1,
        }
    }

    fn clamped(&self, w: &mut Vec<String>) -> Self {
        let d = Self::DEFAULT;
        let mut s = *self;
        s.ev100 = check(w, "ev100", s.ev100, -10.0, 20.0, d.ev100);
        s.aperture = check(w, "aperture", s.aperture, 1.0, 32.0, d.aperture);
        s.shutter_seconds =
            check(w, "shutter_seconds", s.shutter_seconds, 1.0 / 8000.0, 30.0, d.shutter_seconds);
        s.iso = check(w, "iso", s.iso, 25.0, 12800.0, d.iso);
        s.compensation = check(w, "compensation", s.compensation, -10.0, 10.0, d.compensation);
        s.min_log2_luminance =
            check(w, "min_log2_luminance", s.min_log2_luminance, -20.0, 20.0, d.min_log2_luminance);
        s.max_log2_luminance = check(
            w,
            "max_log2_luminance",
            s.max_log2_luminance,
            s.min_log2_luminance + 1.0,
            30.0,
            d.max_log2_luminance.max(s.min_log2_luminance + 1.0),
        );
        s.min_ev100 = check(w, "min_ev100", s.min_ev100, -10.0, 20.0, d.min_ev100);
        s.max_ev100 =
            check(w, "max_ev100", s.max_ev100, s.min_ev100, 20.0, d.max_ev100.max(s.min_ev100));
        s.low_percent = check(w, "low_percent", s.low_percent, 0.0, 49.0, d.low_percent);
        s.high_percent = check(w, "high_percent", s.high_percent, 0.0, 49.0, d.high_percent);
        s.speed_brighten =
            check(w, "speed_brighten", s.speed_brighten, 0.0, 100.0, d.speed_brighten);
        s.speed_darken = check(w, "speed_darken", s.speed_darken, 0.0, 100.0, d.speed_darken);
        s
    }
}

/// The `[exposure]` keys as the panel and presets see them ([`ExposureSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "exposure.mode",
        Control::Choice(&["metered", "manual", "camera", "automatic"]),
        "How the exposure is chosen: metered (default), manual EV100, a physical camera, or automatic from a GPU histogram.",
    ),
    setting(
        "exposure.ev100",
        float(-10.0, 20.0, 0.1),
        "EV100 of manual mode, stops, -10..=20, default 10.",
    ),
    setting(
        "exposure.aperture",
        float(1.0, 32.0, 0.1),
        "Aperture f-number of camera mode, 1..=32, default 16.",
    ),
    setting(
        "exposure.shutter_seconds",
        float(1.0 / 8000.0, 30.0, 0.0005),
        "Shutter time of camera mode, seconds, 1/8000..=30, default 1/125.",
    ),
    setting(
        "exposure.iso",
        float(25.0, 12800.0, 1.0),
        "Sensor sensitivity of camera mode, 25..=12800, default 100.",
    ),
    setting(
        "exposure.compensation",
        float(-10.0, 10.0, 0.05),
        "Exposure compensation in EV, every mode, -10..=10, default 0; positive brightens.",
    ),
    setting(
        "exposure.tier",
        Control::Choice(TIERS),
        "Histogram quality (bins, sampling stride). Default high.",
    ),
    setting(
        "exposure.min_log2_luminance",
        float(-20.0, 20.0, 0.1),
        "Lower end of the histogram, log2 cd/m², -20..=20, default -8.",
    ),
    setting(
        "exposure.max_log2_luminance",
        float(-19.0, 30.0, 0.1),
        "Upper end of the histogram, log2 cd/m², at least min + 1, at most 30, default 16.",
    ),
    setting(
        "exposure.min_ev100",
        float(-10.0, 20.0, 0.1),
        "Darkest EV100 automatic exposure chooses, -10..=20, default -6.",
    ),
    setting(
        "exposure.max_ev100",
        float(-10.0, 20.0, 0.1),
        "Brightest EV100 automatic exposure chooses, min_ev100..=20, default 18.",
    ),
    setting(
        "exposure.low_percent",
        float(0.0, 49.0, 0.5),
        "Percentage of weighted samples dropped at the dark end, 0..=49, default 10.",
    ),
    setting(
        "exposure.high_percent",
        float(0.0, 49.0, 0.5),
        "Percentage of weighted samples dropped at the bright end, 0..=49, default 5.",
    ),
    setting(
        "exposure.speed_brighten",
        float(0.0, 100.0, 0.1),
        "Adaptation speed when the scene gets brighter, EV/s, 0..=100, default 3 (0 holds).",
    ),
    setting(
        "exposure.speed_darken",
        float(0.0, 100.0, 0.1),
        "Adaptation speed when the scene gets darker, EV/s, 0..=100, default 1.",
    ),
    setting(
        "exposure.metering",
        Control::Choice(&["average", "centre_weighted", "spot", "foreground"]),
        "Which pixels automatic exposure meters. Default centre_weighted; foreground needs depth.",
    ),
];

impl Default for ExposureSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `value` inside `min..=max`; a non-finite value (infinities too, unlike
/// [`clamp_setting`]) takes `default`. Adds a warning naming `exposure.<name>` when changed.
fn check(w: &mut Vec<String>, name: &str, value: f32, min: f32, max: f32, default: f32) -> f32 {
    let key = format!("exposure.{name}");
    if value.is_infinite() {
        w.push(format!("{key} = {value} is not finite; using the default {default}"));
        default
    } else {
        clamp_setting(w, &key, value, min, max, default)
    }
}

/// `exposure(ev) = 1 / (1.2 · 2^ev)`, the saturation-based exposure.
fn exposure_of(ev100: f32) -> f32 {
    1.0 / (1.2 * ev100.exp2())
}

/// The histogram bin of a finite luminance ≥ 0 (`exposure_bin` in the shader).
fn bin_of(luminance: f32, min_log2: f32, log2_range: f32, bins: u32) -> usize {
    if luminance.is_nan() || luminance <= 0.0 {
        return 0;
    }
    let t = (luminance.log2() - min_log2) / log2_range;
    if t < 0.0 {
        return 0;
    }
    let last = bins - 1;
    ((t.min(1.0) * last as f32) as u32 + 1).min(last) as usize
}

/// CPU reference: the target EV100 the histogram pass computes for scene luminances
/// `luminance` (cd/m², already divided by the pre-exposure) with metering weights `weights`
/// (one per luminance, 0..=1; missing weights count as 1), using the bins of
/// `settings.tier` (High's when the tier is Off). Non-finite luminances are skipped; weights
/// are quantised to 1/64 as on the GPU. When no sample has any weight this returns
/// `min_ev100 − compensation` (the GPU holds its previous target instead). Sampling stride
/// and metering mask are the caller's: pass the sampled pixels and their mask weights.
pub fn reference_target_ev100(
    luminance: &[f32],
    weights: &[f32],
    settings: &ExposureSettings,
) -> f32 {
    let s = settings.clamped(&mut Vec::new());
    let bins = match ExposureSettings::bins(s.tier) {
        0 => ExposureSettings::bins(Tier::High),
        n => n,
    };
    let range = s.max_log2_luminance - s.min_log2_luminance;
    let mut histogram = vec![0u64; bins as usize];
    for (i, &l) in luminance.iter().enumerate() {
        let weight = weights.get(i).copied().unwrap_or(1.0);
        let weight = if weight.is_finite() { weight.clamp(0.0, 1.0) } else { 0.0 };
        let fixed = (weight * WEIGHT_ONE + 0.5) as u64;
        if l.is_finite() && fixed > 0 {
            histogram[bin_of(l.max(0.0), s.min_log2_luminance, range, bins)] += fixed;
        }
    }
    let (metered, _) = metered_ev100(&histogram, &s);
    metered - s.compensation
}

/// The EV100 a weighted log2-luminance histogram meters (clamped, not compensated) and the
/// average log2 luminance of the samples kept, as `average_main` in the shader ranks them:
/// the darkest `low_percent` and brightest `high_percent` of the weight dropped, bin 0 ranked
/// but adding no luminance. With nothing kept outside bin 0: `(min_ev100, min_log2)`.
fn metered_ev100(histogram: &[u64], s: &ExposureSettings) -> (f32, f32) {
    let bins = histogram.len().max(2);
    let range = s.max_log2_luminance - s.min_log2_luminance;
    let total: u64 = histogram.iter().sum();
    let low = total as f64 * f64::from(s.low_percent) / 100.0;
    let high = total as f64 * (1.0 - f64::from(s.high_percent) / 100.0);
    let width = f64::from(range) / (bins - 1) as f64;
    let (mut running, mut kept_weight, mut kept_sum) = (0u64, 0.0f64, 0.0f64);
    for (i, &count) in histogram.iter().enumerate() {
        let before = (running as f64).clamp(low, high);
        running += count;
        let kept = (running as f64).clamp(low, high) - before;
        if i > 0 {
            kept_weight += kept;
            kept_sum += kept * (f64::from(s.min_log2_luminance) + (i as f64 - 0.5) * width);
        }
    }
    if kept_weight > 0.0 {
        let average = (kept_sum / kept_weight) as f32;
        ((average + LOG2_METER).clamp(s.min_ev100, s.max_ev100), average)
    } else {
        (s.min_ev100, s.min_log2_luminance)
    }
}

/// The next exposure state from the `previous` one and a new `histogram` (None: no new
/// samples), as `average_main` in the shader computes it: the target follows the histogram
/// (held when it has no weight), and the EV100 moves toward it by at most the step of its
/// direction, or snaps on a reset (or without a finite previous state).
fn next_state(
    previous: Option<ExposureState>,
    histogram: Option<&[u64]>,
    s: &ExposureSettings,
    params: &ExposureParams,
) -> Option<ExposureState> {
    let previous = previous.filter(|p| p.ev100.is_finite() && p.target_ev100.is_finite());
    let reset = params.reset != 0 || previous.is_none();
    let total: u64 = histogram.map_or(0, |h| h.iter().sum());
    let (target_ev100, average) = match (histogram, previous) {
        (Some(h), _) if total > 0 || reset => {
            let (metered, average) = metered_ev100(h, s);
            (metered - s.compensation, average)
        }
        (_, Some(p)) => (p.target_ev100, p.average_log2_luminance),
        // Nothing measured and nothing to hold.
        _ => return None,
    };
    let ev100 = match previous {
        Some(p) if !reset => {
            p.ev100 + (target_ev100 - p.ev100).clamp(-params.darken_step, params.brighten_step)
        }
        _ => target_ev100,
    };
    let multiplier = 1.0 / (1.2 * ev100.exp2() * params.pre_exposure);
    Some(ExposureState { multiplier, ev100, target_ev100, average_log2_luminance: average })
}

/// The shader's `ExposureParams` (64 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct ExposureParams {
    pre_exposure: f32,
    min_log2: f32,
    log2_range: f32,
    bins: u32,
    stride: u32,
    metering: u32,
    width: u32,
    height: u32,
    low_fraction: f32,
    high_fraction: f32,
    min_ev100: f32,
    max_ev100: f32,
    compensation: f32,
    brighten_step: f32,
    darken_step: f32,
    reset: u32,
}

/// The storage buffer's contents, as the shader's `ExposureState`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct ExposureState {
    multiplier: f32,
    ev100: f32,
    target_ev100: f32,
    average_log2_luminance: f32,
}

/// What both metering paths bind at 0..=3 (the parameters, the HDR image, the depth or a
/// placeholder without one, the depth's NEAREST sampler) and the bind group made for the views
/// last seen.
struct MeteringInputs {
    layout: wgpu::BindGroupLayout,
    params: wgpu::Buffer,
    dummy_depth: wgpu::TextureView,
    /// The NEAREST sampler the depth is read through (`bindings::depth_sampler`, binding 3).
    depth_sampler: wgpu::Sampler,
    bound: Option<Bound>,
}

impl MeteringInputs {
    fn new(device: &wgpu::Device, layout: wgpu::BindGroupLayout) -> Self {
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("exposure.params"),
            size: std::mem::size_of::<ExposureParams>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let format = wgpu::TextureFormat::Depth32Float;
        let dummy_depth = bindings::placeholder(device, "exposure.dummy_depth", format);
        let depth_sampler = bindings::nearest_sampler(device, "exposure.depth_sampler");
        Self { layout, params, dummy_depth, depth_sampler, bound: None }
    }

    /// Write `params` and return the bind group of `hdr` and `depth`, with `extra` entries
    /// (bindings 4..) after them; made again only when a view changed.
    fn bind(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        params: &ExposureParams,
        hdr: &wgpu::TextureView,
        depth: Option<&wgpu::TextureView>,
        extra: &[wgpu::BindingResource<'_>],
    ) -> &wgpu::BindGroup {
        queue.write_buffer(&self.params, 0, bytemuck::bytes_of(params));
        let depth = depth.unwrap_or(&self.dummy_depth);
        let fresh = self.bound.take().filter(|b| b.hdr == *hdr && b.depth.as_ref() == Some(depth));
        let bound = fresh.unwrap_or_else(|| {
            let resources = [
                self.params.as_entire_binding(),
                wgpu::BindingResource::TextureView(hdr),
                wgpu::BindingResource::TextureView(depth),
                wgpu::BindingResource::Sampler(&self.depth_sampler),
            ];
            let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(ExposurePass::NAME),
                layout: &self.layout,
                entries: &bindings::entries(&[resources.as_slice(), extra].concat()),
            });
            Bound { hdr: hdr.clone(), depth: Some(depth.clone()), group }
        });
        &self.bound.insert(bound).group
    }

    fn memory(&self) -> [crate::gpu::memory::MemoryEntry; 2] {
        use crate::gpu::memory::MemoryEntry;
        [
            MemoryEntry::buffer("exposure.params", &self.params),
            MemoryEntry::texture("exposure.dummy_depth", self.dummy_depth.texture(), false),
        ]
    }
}

/// The fragment path's samples image: r = bin, g = fixed-point weight, both exact in 8 bits.
const SAMPLES_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// Size of the state buffer in bytes.
const STATE_SIZE: u64 = std::mem::size_of::<ExposureState>() as u64;

/// Invocations per histogram workgroup side (`@workgroup_size(16, 16, 1)`).
const WORKGROUP_SIDE: u32 = 16;

/// The bind group and the views it was made for.
struct Bound {
    hdr: wgpu::TextureView,
    depth: Option<wgpu::TextureView>,
    group: wgpu::BindGroup,
}

/// What the metering pipelines are specialised on: the shader's `override` constants
/// `METERING` (the mask, as `MeteringMask::gpu_id`) and `BINS` (the tier's bins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ExposureKey {
    metering: u32,
    bins: u32,
}

impl ExposureKey {
    fn constants(self) -> crate::draw::specialise::Constants {
        vec![("METERING", f64::from(self.metering)), ("BINS", f64::from(self.bins))]
    }

    /// The keys a budget-governor step from `settings` can ask for with the metering mask
    /// `metering` (the tier's neighbours' bins).
    fn with_neighbours(settings: &ExposureSettings, metering: u32) -> Vec<Self> {
        let tiers = settings.tier.with_neighbours().into_iter();
        tiers.map(|tier| Self { metering, bins: ExposureSettings::bins(tier) }).collect()
    }
}

/// The automatic exposure's GPU half: histogram and average pipelines (by [`ExposureKey`]) and
/// their buffers (only on devices with compute shaders and storage buffers).
struct Histogram {
    inputs: MeteringInputs,
    module: wgpu::ShaderModule,
    layout: wgpu::PipelineLayout,
    /// The histogram and average pipelines per key.
    pipelines: Specialised<ExposureKey, (wgpu::ComputePipeline, wgpu::ComputePipeline)>,
    histogram: wgpu::Buffer,
}

/// Readback slots of the fragment path: one being drawn, one or two on their way back.
const READBACK_SLOTS: usize = 3;

/// The most sampled texels per side on the fragment path: the stride grows past the tier's so
/// the CPU bins at most 256 x 256 samples a frame (1080p at High samples every 8th pixel).
const MAX_SAMPLES_PER_SIDE: u32 = 256;

/// The automatic exposure's path for devices without compute or storage buffers (GLES 3.0,
/// WebGL2): a fragment pass writes each sampled pixel's bin and weight into a small Rgba8Unorm
/// image (`fs_samples`), read back a frame or two later without stalling
/// ([`crate::gpu::ReadbackRing`]); the CPU bins it and adapts exactly as `average_main` does
/// ([`next_state`]), and writes the state the finish reads. The exposure thus lags the image by
/// the readback's latency (one or two frames), which adaptation hides.
struct SampledHistogram {
    inputs: MeteringInputs,
    module: wgpu::ShaderModule,
    /// The samples pipeline per key.
    pipelines: Specialised<ExposureKey, wgpu::RenderPipeline>,
    /// The samples image and its copies on their way back, tagged with the bins they were
    /// binned with.
    readback: crate::gpu::ReadbackRing,
    /// The state written last (the CPU's copy of the uniform).
    state: Option<ExposureState>,
}

/// The exposure pass: the state buffer the finish reads, and the automatic exposure's
/// histogram: on the GPU where the device has compute shaders and storage buffers, else by a
/// fragment pass read back to the CPU ([`SampledHistogram`]).
pub struct ExposurePass {
    histogram: Option<Histogram>,
    sampled: Option<SampledHistogram>,
    state: wgpu::Buffer,
    reset: bool,
    warned_foreground: bool,
    warned_settings: Option<ExposureSettings>,
    /// The keys a budget-governor step from the last automatic frame can ask for, built once
    /// its frame is submitted.
    ahead: Vec<ExposureKey>,
    /// Whether this frame may build ahead (not a step frame).
    build_ahead: crate::draw::specialise::BuildAhead<ExposureKey>,
    device: wgpu::Device,
}

impl ExposurePass {
    /// The pass's name: its label prefix, timing scope, panel row and preset key.
    pub const NAME: &'static str = "exposure";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Exposure: a GPU luminance histogram and adaptation (fixed modes cost nothing)",
        writes: &[Image {
            name: "histogram and exposure state",
            format: ImageFormat::Buffer,
            size: ImageSize::Fixed,
            kept: true,
        }],
        knob: Some(KnobDecl {
            floor: Tier::Low,
            value: 3.0,
            prior_share: 0.03,
            at_render_size: false,
            tier_cost: DEFAULT_TIER_COST,
        }),
        settings: &[SETTINGS],
    };

    /// Builds the state buffer and, where the device has compute and storage, the histogram's
    /// pipelines and buffers. Fails only if the shader does not load or validate.
    pub fn new(device: &wgpu::Device) -> Result<Self, crate::Error> {
        let capabilities = crate::gpu::Capabilities::of(device);
        let gpu_metering = capabilities.compute_and_storage();
        let storage =
            if gpu_metering { wgpu::BufferUsages::STORAGE } else { wgpu::BufferUsages::empty() };
        let state = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("exposure.state"),
            size: STATE_SIZE,
            usage: storage
                | wgpu::BufferUsages::UNIFORM
                | wgpu::BufferUsages::COPY_DST
                | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let (histogram, sampled) = match gpu_metering {
            true => (Some(Histogram::new(device)?), None),
            false => (None, Some(SampledHistogram::new(device)?)),
        };
        Ok(Self {
            histogram,
            sampled,
            state,
            reset: true,
            warned_foreground: false,
            warned_settings: None,
            ahead: Vec::new(),
            build_ahead: Default::default(),
            device: device.clone(),
        })
    }

    /// How the automatic mode meters on this pass's device, in words (for `info`).
    pub fn metering_path(&self) -> &'static str {
        match self.histogram {
            Some(_) => "GPU histogram (compute)",
            None => {
                "fragment samples read back to the CPU (no compute): the exposure lags the \
                 image by a frame or two"
            }
        }
    }

    /// The frame's commands were submitted: start reading back the samples the fragment path
    /// drew (a no-op on the compute path), and build the pipelines a budget-governor step from
    /// the frame's settings can ask for (the neighbouring tiers' bins with the metering mask
    /// it used), so a step never compiles during a frame.
    pub fn frame_submitted(&mut self) {
        if let Some(sampled) = &mut self.sampled {
            sampled.readback.submitted();
        }
        let (device, keys) = (&self.device, std::mem::take(&mut self.ahead));
        if let Some(histogram) = &mut self.histogram {
            histogram.build(device, &keys);
        }
        if let Some(sampled) = &mut self.sampled {
            sampled.build(device, &keys);
        }
    }
}

impl SampledHistogram {
    fn new(device: &wgpu::Device) -> Result<Self, crate::Error> {
        let module = crate::shaders::create_module(device, "exposure")?;
        let fragment = wgpu::ShaderStages::FRAGMENT;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("exposure.samples"),
            entries: &[
                bindings::uniform(0, fragment),
                bindings::texture(1, false),
                bindings::depth_as_float(2),
                bindings::depth_sampler(3),
            ],
        });
        Ok(Self {
            inputs: MeteringInputs::new(device, layout),
            module,
            pipelines: Specialised::new(),
            readback: crate::gpu::ReadbackRing::new("exposure.samples", READBACK_SLOTS),
            state: None,
        })
    }

    /// Build the samples pipelines of `keys` not built yet.
    fn build(&mut self, device: &wgpu::Device, keys: &[ExposureKey]) {
        let (module, layout) = (&self.module, &self.inputs.layout);
        self.pipelines.prepare(keys.iter().copied(), |key| {
            crate::draw::fullscreen::specialised_pipeline(
                device,
                "exposure.samples",
                module,
                "fs_samples",
                &[layout],
                (SAMPLES_FORMAT, None),
                &key.constants(),
            )
        });
    }

    /// The newest finished readback's histogram, if one arrived since the last call (older
    /// ones and those from before a reset are dropped).
    fn take_histogram(&mut self) -> Option<Vec<u64>> {
        self.readback.take_newest(|rows| {
            let bins = rows.tag.clamp(2, MAX_BINS) as usize;
            let mut histogram = vec![0u64; bins];
            for texel in rows.texels() {
                // r: the bin, g: the fixed-point weight (0: not counted).
                let (bin, weight) = (usize::from(texel[0]), u64::from(texel[1]));
                if weight > 0 {
                    histogram[bin.min(bins - 1)] += weight;
                }
            }
            histogram
        })
    }

    /// Draw the samples of `hdr` and copy them for reading back.
    #[allow(clippy::too_many_arguments)]
    fn sample(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        hdr: &wgpu::TextureView,
        depth: Option<&wgpu::TextureView>,
        params: &ExposureParams,
    ) {
        let (width, height) = (params.width, params.height);
        let size = (width.div_ceil(params.stride), height.div_ceil(params.stride));
        let key = ExposureKey { metering: params.metering, bins: params.bins };
        self.build(device, &[key]);
        let samples = self.readback.target(device, size, SAMPLES_FORMAT);
        let group = self.inputs.bind(device, queue, params, hdr, depth, &[]);
        let pipeline = self.pipelines.built(key).expect("built above");
        crate::draw::fullscreen::draw(
            encoder,
            "exposure.samples",
            pipeline,
            &[group],
            &samples,
            None,
        );
        // No free slot: this frame is not sampled; the exposure adapts to the last result.
        self.readback.copy(device, encoder, params.bins);
    }
}

impl Histogram {
    fn new(device: &wgpu::Device) -> Result<Self, crate::Error> {
        let module = crate::shaders::create_module(device, "exposure")?;
        let compute = wgpu::ShaderStages::COMPUTE;
        let storage = |binding: u32, size: u64| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: compute,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only: false },
                has_dynamic_offset: false,
                min_binding_size: wgpu::BufferSize::new(size),
            },
            count: None,
        };
        let texture =
            |binding: u32, sample_type: wgpu::TextureSampleType| wgpu::BindGroupLayoutEntry {
                binding,
                visibility: compute,
                ty: wgpu::BindingType::Texture {
                    sample_type,
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(ExposurePass::NAME),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: compute,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(
                            std::mem::size_of::<ExposureParams>() as u64,
                        ),
                    },
                    count: None,
                },
                texture(1, wgpu::TextureSampleType::Float { filterable: false }),
                texture(2, wgpu::TextureSampleType::Float { filterable: false }),
                wgpu::BindGroupLayoutEntry { visibility: compute, ..bindings::depth_sampler(3) },
                storage(4, u64::from(MAX_BINS) * 4),
                storage(5, STATE_SIZE),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(ExposurePass::NAME),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let histogram = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("exposure.histogram"),
            size: u64::from(MAX_BINS) * 4,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(Self {
            inputs: MeteringInputs::new(device, layout),
            module,
            layout: pipeline_layout,
            pipelines: Specialised::new(),
            histogram,
        })
    }

    /// Build the histogram and average pipelines of `keys` not built yet.
    fn build(&mut self, device: &wgpu::Device, keys: &[ExposureKey]) {
        let (module, layout) = (&self.module, &self.layout);
        self.pipelines.prepare(keys.iter().copied(), |key| {
            let constants = key.constants();
            let pipeline = |label: &str, entry: &str| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(label),
                    layout: Some(layout),
                    module,
                    entry_point: Some(entry),
                    compilation_options: crate::draw::specialise::options(&constants),
                    cache: None,
                })
            };
            (
                pipeline("exposure.histogram", "histogram_main"),
                pipeline("exposure.average", "average_main"),
            )
        });
    }
}

impl ExposurePass {
    /// The state buffer (16 bytes, `ExposureState { multiplier, ev100, target_ev100,
    /// average_log2_luminance }`, four f32) the finish binds as a uniform.
    pub fn state_buffer(&self) -> &wgpu::Buffer {
        &self.state
    }

    /// How many metering pipelines are built, for tests of building ahead.
    pub fn pipelines_built(&self) -> usize {
        self.histogram.as_ref().map_or(0, |h| h.pipelines.len())
            + self.sampled.as_ref().map_or(0, |s| s.pipelines.len())
    }

    /// Next dispatch snaps to its target instead of adapting (camera cut, new scene).
    pub fn reset(&mut self) {
        self.reset = true;
    }

    /// Which inputs this configuration reads (depth only for Foreground metering).
    pub fn needs_depth(settings: &ExposureSettings) -> bool {
        settings.mode == ExposureMode::Automatic
            && settings.tier.is_on()
            && settings.metering == MeteringMask::Foreground
    }

    /// Record histogram + average for `hdr` (pre-exposed by `pre_exposure`). `depth` is the
    /// reverse-Z Depth32Float G-buffer depth (None when the pipeline has none). When the mode
    /// is not Automatic, this writes the fixed state (multiplier = exposure(ev)/pre_exposure with
    /// ev from `fixed_ev100`) with no histogram work.
    ///
    /// Also fixed (with `fixed_ev100`): Automatic at tier Off, or a `size` with a zero side.
    /// `settings` are clamped silently (their warnings are logged once per change);
    /// `pre_exposure` that is not a positive finite number counts as 1, `fixed_ev100` that is
    /// not finite as 0, and `dt_seconds` that is negative or not finite as 0.
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        hdr: &wgpu::TextureView,
        depth: Option<&wgpu::TextureView>,
        size: (u32, u32),
        settings: &ExposureSettings,
        pre_exposure: f32,
        fixed_ev100: f32,
        dt_seconds: f32,
    ) {
        let (s, warnings) = settings.validated();
        if self.warned_settings != Some(*settings) {
            for warning in &warnings {
                log::warn!("{warning}");
            }
            self.warned_settings = Some(*settings);
        }
        let pre_exposure =
            if pre_exposure.is_finite() && pre_exposure > 0.0 { pre_exposure } else { 1.0 };
        let dt = if dt_seconds.is_finite() && dt_seconds > 0.0 { dt_seconds } else { 0.0 };

        let automatic = s.mode == ExposureMode::Automatic && s.tier.is_on();
        let fixed_state = || {
            let ev = if fixed_ev100.is_finite() { fixed_ev100 } else { 0.0 } - s.compensation;
            ExposureState {
                multiplier: exposure_of(ev) / pre_exposure,
                ev100: ev,
                target_ev100: ev,
                average_log2_luminance: ev - LOG2_METER,
            }
        };
        if !automatic || size.0 == 0 || size.1 == 0 {
            queue.write_buffer(&self.state, 0, bytemuck::bytes_of(&fixed_state()));
            if let Some(sampled) = &mut self.sampled {
                sampled.state = None;
            }
            self.reset = false;
            return;
        }

        let mut metering = s.metering;
        if metering == MeteringMask::Foreground && depth.is_none() {
            if !self.warned_foreground {
                log::warn!(
                    "exposure: foreground metering needs the depth buffer, which this pipeline \
                     lacks; metering the average instead"
                );
                self.warned_foreground = true;
            }
            metering = MeteringMask::Average;
        }
        // A step frame (its key not the last frame's) builds nothing ahead ([`BuildAhead`]).
        let key = ExposureKey { metering: metering.gpu_id(), bins: ExposureSettings::bins(s.tier) };
        self.ahead = match self.build_ahead.may_build(key) {
            true => ExposureKey::with_neighbours(&s, metering.gpu_id()),
            false => Vec::new(),
        };
        let bins = ExposureSettings::bins(s.tier);
        let mut stride = ExposureSettings::stride(s.tier);
        if self.sampled.is_some() {
            stride = stride.max(size.0.max(size.1).div_ceil(MAX_SAMPLES_PER_SIDE));
        }
        let params = ExposureParams {
            pre_exposure,
            min_log2: s.min_log2_luminance,
            log2_range: s.max_log2_luminance - s.min_log2_luminance,
            bins,
            stride,
            metering: metering.gpu_id(),
            width: size.0,
            height: size.1,
            low_fraction: s.low_percent / 100.0,
            high_fraction: s.high_percent / 100.0,
            min_ev100: s.min_ev100,
            max_ev100: s.max_ev100,
            compensation: s.compensation,
            brighten_step: s.speed_brighten * dt,
            darken_step: s.speed_darken * dt,
            reset: u32::from(self.reset),
        };
        let Some(histogram) = &mut self.histogram else {
            let Some(sampled) = &mut self.sampled else { return };
            // Fragment path: adapt to the newest samples that came back, then sample this
            // frame. A reset holds until samples drawn after it arrive; until the first
            // arrive, the metered exposure stands in.
            if self.reset {
                sampled.readback.invalidate();
                self.reset = false;
                sampled.state = None;
            }
            let fresh = sampled.take_histogram();
            if let Some(h) = &fresh {
                let params = ExposureParams { reset: u32::from(sampled.state.is_none()), ..params };
                sampled.state = next_state(sampled.state, Some(h), &s, &params);
            } else if let Some(previous) = sampled.state {
                let params = ExposureParams { reset: 0, ..params };
                sampled.state = next_state(Some(previous), None, &s, &params);
            }
            let state = sampled.state.unwrap_or_else(fixed_state);
            queue.write_buffer(&self.state, 0, bytemuck::bytes_of(&state));
            sampled.sample(device, queue, encoder, hdr, depth, &params);
            return;
        };
        self.reset = false;
        let key = ExposureKey { metering: params.metering, bins: params.bins };
        histogram.build(device, &[key]);
        let (histogram_pipeline, average_pipeline) = histogram.pipelines.built(key).expect("built");
        let extra = [histogram.histogram.as_entire_binding(), self.state.as_entire_binding()];
        let group = histogram.inputs.bind(device, queue, &params, hdr, depth, &extra);

        encoder.clear_buffer(&histogram.histogram, 0, None);
        let groups_x = size.0.div_ceil(stride).div_ceil(WORKGROUP_SIDE);
        let groups_y = size.1.div_ceil(stride).div_ceil(WORKGROUP_SIDE);
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("exposure.histogram"),
                timestamp_writes: None,
            });
            pass.set_pipeline(histogram_pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(groups_x, groups_y, 1);
        }
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("exposure.average"),
                timestamp_writes: None,
            });
            pass.set_pipeline(average_pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
    }
}

impl ExposurePass {
    /// The parameter, histogram and state buffers and the depth placeholder, for memory
    /// reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        use crate::gpu::memory::MemoryEntry;
        let mut entries = vec![MemoryEntry::buffer("exposure.state", &self.state)];
        if let Some(h) = &self.histogram {
            entries.extend(h.inputs.memory());
            entries.push(MemoryEntry::buffer("exposure.histogram", &h.histogram));
        }
        if let Some(h) = &self.sampled {
            entries.extend(h.inputs.memory());
            entries.extend(MemoryEntry::readback_ring(&h.readback));
        }
        entries
    }
}

/// The pass's memory traffic ([`super::traffic`]) under `settings`, at the display size.
pub fn traffic(settings: &ExposureSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    // Off has no histogram and declares no traffic of its own ([`Tier::Off`] skips the pass);
    // counted as Low should a caller ask.
    let stride = f64::from(ExposureSettings::stride(settings.tier.max(Tier::Low)));
    let sampled = 1.0 / (stride * stride);
    let traffic = PassTraffic::new(
        frame.resolved_hdr_bytes() * sampled,
        0.0,
        frame.display_pixels(),
        "the HDR pixels the histogram samples (1 in 16 / 9 / 4 / 1 by tier); bins not counted",
    );
    Some(traffic.with_full_screen_passes(u32::from(sampled == 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_blocks_have_the_wgsl_sizes() {
        assert_eq!(std::mem::size_of::<ExposureParams>(), 64);
        assert_eq!(STATE_SIZE, 16);
    }

    #[test]
    fn bins_cover_the_range() {
        // 2^-8 and below (and black) in bin 0, the top of the range in the last bin.
        assert_eq!(bin_of(0.0, -8.0, 24.0, 256), 0);
        assert_eq!(bin_of(2f32.powf(-9.0), -8.0, 24.0, 256), 0);
        assert_eq!(bin_of(2f32.powf(-7.99), -8.0, 24.0, 256), 1);
        assert_eq!(bin_of(2f32.powf(16.0), -8.0, 24.0, 256), 255);
        assert_eq!(bin_of(1e30, -8.0, 24.0, 256), 255);
    }

    #[test]
    fn reference_meters_mid_grey_and_black() {
        let s = ExposureSettings { metering: MeteringMask::Average, ..Default::default() };
        // L = 1 cd/m² meters at EV100 log2(100 / 12.5) = 3, within half a bin.
        let ev = reference_target_ev100(&[1.0; 16], &[], &s);
        assert!((ev - 3.0).abs() <= 0.5 * 24.0 / 255.0, "{ev}");
        assert_eq!(reference_target_ev100(&[0.0; 16], &[], &s), s.min_ev100);
    }

    #[test]
    fn the_cpu_adaptation_steps_holds_and_snaps_as_the_shader_does() {
        let s = ExposureSettings { metering: MeteringMask::Average, ..ExposureSettings::AUTO };
        let s = s.clamped(&mut Vec::new());
        let params = ExposureParams {
            pre_exposure: 0.5,
            min_log2: s.min_log2_luminance,
            log2_range: s.max_log2_luminance - s.min_log2_luminance,
            bins: 256,
            stride: 1,
            metering: 0,
            width: 4,
            height: 4,
            low_fraction: 0.0,
            high_fraction: 0.0,
            min_ev100: s.min_ev100,
            max_ev100: s.max_ev100,
            compensation: 0.0,
            brighten_step: 0.5,
            darken_step: 0.25,
            reset: 0,
        };
        // A histogram of 16 full-weight samples in one bin: its centre meters the target.
        let one_bin = |bin: usize| {
            let mut h = vec![0u64; 256];
            h[bin] = 16 * WEIGHT_ONE as u64;
            h
        };
        let width = params.log2_range / 255.0;
        let centre = |bin: usize| s.min_log2_luminance + (bin as f32 - 0.5) * width + LOG2_METER;
        // Nothing before and no samples: nothing to show.
        assert!(next_state(None, None, &s, &params).is_none());
        // The first samples snap.
        let first = next_state(None, Some(&one_bin(100)), &s, &params).expect("state");
        assert!((first.ev100 - centre(100)).abs() < 1e-4 && first.ev100 == first.target_ev100);
        assert!((first.multiplier * 1.2 * first.ev100.exp2() * 0.5 - 1.0).abs() < 1e-5);
        // Brighter: at most brighten_step per frame; darker: darken_step.
        let up = next_state(Some(first), Some(&one_bin(200)), &s, &params).expect("state");
        assert!((up.ev100 - (first.ev100 + 0.5)).abs() < 1e-4 && up.target_ev100 > up.ev100);
        let down = next_state(Some(up), Some(&one_bin(10)), &s, &params).expect("state");
        assert!((down.ev100 - (up.ev100 - 0.25)).abs() < 1e-4);
        // No new samples, or samples of no weight: the target holds and the EV keeps moving.
        let held = next_state(Some(down), None, &s, &params).expect("state");
        assert_eq!(held.target_ev100, down.target_ev100);
        assert!((held.ev100 - (down.ev100 - 0.25)).abs() < 1e-4);
        let empty = next_state(Some(held), Some(&[0; 256]), &s, &params).expect("state");
        assert_eq!(empty.target_ev100, down.target_ev100);
        // A reset snaps; a NaN previous state counts as none.
        let reset = ExposureParams { reset: 1, ..params };
        let snapped = next_state(Some(held), Some(&one_bin(200)), &s, &reset).expect("state");
        assert_eq!(snapped.ev100, snapped.target_ev100);
        let broken = ExposureState { ev100: f32::NAN, ..first };
        let recovered = next_state(Some(broken), Some(&one_bin(50)), &s, &params).expect("state");
        assert!(recovered.ev100.is_finite() && recovered.ev100 == recovered.target_ev100);
    }
}

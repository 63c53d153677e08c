//! The viewer's one table of every post-chain setting: its key as a preset spells it, the
//! control the panel shows for it (with the documented range and step) and its documentation
//! as a tooltip.
//!
//! Doc comments do not exist at run time, so this table restates them in short. A test checks
//! that every key the serialised [`PostSettings`] has is described here (and nothing else is),
//! so a new pass or setting fails the tests until the viewer knows how to show it.
//!
//! Values are read and written through the settings' serde form (a `serde_json::Value` tree,
//! the same shape as the TOML preset), so the panel needs no code per setting.

use serde_json::Value;

use crate::post::chain::PostSettings;

/// How the panel shows and edits one setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    /// A number in `min..=max`, dragged in steps of `step`.
    Float {
        /// Lower end of the documented range.
        min: f64,
        /// Upper end of the documented range.
        max: f64,
        /// Drag step.
        step: f64,
    },
    /// An integer in `min..=max`.
    Int {
        /// Lower end.
        min: i64,
        /// Upper end.
        max: i64,
    },
    /// On or off.
    Bool,
    /// One of the listed names (as a preset spells them).
    Choice(&'static [&'static str]),
    /// Three numbers (r, g, b), each in `min..=max`.
    Vec3 {
        /// Lower end, each component.
        min: f64,
        /// Upper end, each component.
        max: f64,
    },
    /// Three rows of three numbers, each in `min..=max`.
    Matrix3 {
        /// Lower end, each entry.
        min: f64,
        /// Upper end, each entry.
        max: f64,
    },
    /// Free text.
    Text,
    /// An optional file path (none: empty).
    File,
    /// The chain's pass order: shown here, edited with the up/down buttons of the panel's
    /// "Chain order" list, which refuse orders the chain cannot run.
    Order,
}

/// One setting: its dotted key (`bloom.intensity`), its control and its documentation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    /// The key as a preset spells it, tables joined by dots.
    pub key: &'static str,
    /// How it is edited.
    pub control: Control,
    /// What it does, with unit, range and default (the settings' doc comment, shortened).
    pub doc: &'static str,
}

/// The pass (panel section and preset table) a key belongs to: its first segment, or
/// `"general"` for top-level keys.
pub fn section(key: &str) -> &str {
    key.split_once('.').map_or("general", |(table, _)| table)
}

/// Tier names, cheapest first.
pub const TIERS: &[&str] = &["off", "low", "medium", "high", "ultra"];

const fn float(min: f64, max: f64, step: f64) -> Control {
    Control::Float { min, max, step }
}

const fn s(key: &'static str, control: Control, doc: &'static str) -> Setting {
    Setting { key, control, doc }
}

/// Every setting of [`PostSettings`], in panel order (the chain's order).
pub const SETTINGS: &[Setting] = &[
    s("description", Control::Text, "One line on what the preset is for; no effect on the image."),
    s(
        "render_scale",
        float(0.5, 1.0, 0.01),
        "Fraction of the display resolution (per axis) the scene is rendered at, 0.5..=1, default 1. \
         Below 1 TAA (or, without it, the spatial upscale) brings it to display size.",
    ),
    s(
        "upscale.tier",
        Control::Choice(TIERS),
        "The spatial upscale's filter, below render scale 1 with TAA off: low bilinear, medium \
         edge-directed 2x2, high and ultra edge-adaptive 12 taps (default high). Off reads as low.",
    ),
    s(
        "order",
        Control::Order,
        "The order the post passes run in. Depth of field and motion blur may swap, and so may \
         FXAA and sharpen; every other order is refused with its reason (see \"Chain order\").",
    ),
    s(
        "variant",
        Control::Choice(&["fragment", "compute", "auto"]),
        "Full-screen passes (TAA, upscale, finish, FXAA, sharpen) as fragment or compute shaders; \
         auto (default) is compute unless the adapter is mobile-class or lacks compute support.",
    ),
    s(
        "ao.tier",
        Control::Choice(TIERS),
        "GTAO slices x steps by tier. Default high when a preset names [ao]; off otherwise.",
    ),
    s(
        "ao.radius",
        float(0.01, 10.0, 0.01),
        "World-space radius searched for occluders, metres, 0.01..=10, default 0.5.",
    ),
    s(
        "ao.falloff",
        float(0.0, 1.0, 0.01),
        "Fraction of the radius over which an occluder's weight fades to zero, 0..=1, default 0.6.",
    ),
    s(
        "ao.thickness",
        float(0.0, 1.0, 0.01),
        "How strongly a horizon that rose then fell counts as a thin occluder, 0..=1, default 0.25.",
    ),
    s(
        "ao.intensity",
        float(0.25, 4.0, 0.01),
        "Exponent on the final visibility, 0.25..=4, default 1 (physical).",
    ),
    s(
        "ao.multi_bounce",
        Control::Bool,
        "Jimenez et al.'s multi-bounce approximation: brightens occlusion on light albedos. Default on.",
    ),
    s(
        "ao.half_resolution",
        Control::Bool,
        "Compute at half resolution and upsample bilaterally. Default off.",
    ),
    s(
        "ao.upsample_in_lighting",
        Control::Bool,
        "With half_resolution: lighting upsamples AO as it reads it (one full-screen pass and one full-size target fewer, for tile-based GPUs); ignored with TAA on, the shadow catcher or an AO debug view. Default off.",
    ),
    s(
        "dof.tier",
        Control::Choice(TIERS),
        "Depth of field: half-resolution gather bokeh, samples and max CoC by tier. Default high \
         when a preset names [dof]; off otherwise.",
    ),
    s(
        "dof.focal_length_mm",
        float(0.0, 1200.0, 1.0),
        "Focal length, mm: 0 (default) matches the view's field of view on this sensor, else 4..=1200.",
    ),
    s(
        "dof.f_stop",
        float(0.7, 64.0, 0.1),
        "Aperture as an f-number, 0.7..=64, default 2.8. Smaller numbers blur more.",
    ),
    s(
        "dof.focus_distance",
        float(0.0, 100000.0, 0.01),
        "Distance in focus along the view axis, metres: 0 (default) autofocuses on the scene's \
         bounds centre. Ctrl+click in the viewport focuses on the surface under the cursor.",
    ),
    s(
        "dof.sensor_height_mm",
        float(1.0, 100.0, 0.5),
        "Sensor height, mm, 1..=100, default 24 (full frame).",
    ),
    s(
        "motion_blur.tier",
        Control::Choice(TIERS),
        "Motion blur (McGuire et al. 2012 tile-max gather): samples and max radius by tier. \
         Default high when a preset names [motion_blur]; off otherwise.",
    ),
    s(
        "motion_blur.shutter_angle",
        float(0.0, 360.0, 1.0),
        "Share of the frame the shutter is open, degrees, 0..=360, default 180. 0 blurs nothing.",
    ),
    s(
        "taa.tier",
        Control::Choice(TIERS),
        "TAA quality by tier. Default high when a preset names [taa]; off otherwise.",
    ),
    s(
        "taa.jitter_length",
        Control::Int { min: 8, max: 16 },
        "Length of the Halton(2,3) jitter sequence: 8 or 16, default 8.",
    ),
    s(
        "taa.clip",
        Control::Choice(&["variance", "aabb"]),
        "Variance clipping or an AABB clamp of the history. Default variance.",
    ),
    s(
        "taa.variance_gamma",
        float(0.5, 2.0, 0.01),
        "Width of the variance box in standard deviations, 0.5..=2, default 1.",
    ),
    s(
        "taa.blend",
        float(0.02, 0.5, 0.005),
        "Weight of the current frame in a fully trusted pixel, 0.02..=0.5, default 0.1.",
    ),
    s(
        "taa.fxaa_fallback",
        Control::Bool,
        "With TAA off, anti-alias with FXAA instead (at FXAA's tier, or low). Default on.",
    ),
    s(
        "exposure.mode",
        Control::Choice(&["metered", "manual", "camera", "automatic"]),
        "How the exposure is chosen: metered (default), manual EV100, a physical camera, or automatic from a GPU histogram.",
    ),
    s(
        "exposure.ev100",
        float(-10.0, 20.0, 0.1),
        "EV100 of manual mode, stops, -10..=20, default 10.",
    ),
    s(
        "exposure.aperture",
        float(1.0, 32.0, 0.1),
        "Aperture f-number of camera mode, 1..=32, default 16.",
    ),
    s(
        "exposure.shutter_seconds",
        float(1.0 / 8000.0, 30.0, 0.0005),
        "Shutter time of camera mode, seconds, 1/8000..=30, default 1/125.",
    ),
    s(
        "exposure.iso",
        float(25.0, 12800.0, 1.0),
        "Sensor sensitivity of camera mode, 25..=12800, default 100.",
    ),
    s(
        "exposure.compensation",
        float(-10.0, 10.0, 0.05),
        "Exposure compensation in EV, every mode, -10..=10, default 0; positive brightens.",
    ),
    s(
        "exposure.tier",
        Control::Choice(TIERS),
        "Histogram quality (bins, sampling stride). Default high.",
    ),
    s(
        "exposure.min_log2_luminance",
        float(-20.0, 20.0, 0.1),
        "Lower end of the histogram, log2 cd/m², -20..=20, default -8.",
    ),
    s(
        "exposure.max_log2_luminance",
        float(-19.0, 30.0, 0.1),
        "Upper end of the histogram, log2 cd/m², at least min + 1, at most 30, default 16.",
    ),
    s(
        "exposure.min_ev100",
        float(-10.0, 20.0, 0.1),
        "Darkest EV100 automatic exposure chooses, -10..=20, default -6.",
    ),
    s(
        "exposure.max_ev100",
        float(-10.0, 20.0, 0.1),
        "Brightest EV100 automatic exposure chooses, min_ev100..=20, default 18.",
    ),
    s(
        "exposure.low_percent",
        float(0.0, 49.0, 0.5),
        "Percentage of weighted samples dropped at the dark end, 0..=49, default 10.",
    ),
    s(
        "exposure.high_percent",
        float(0.0, 49.0, 0.5),
        "Percentage of weighted samples dropped at the bright end, 0..=49, default 5.",
    ),
    s(
        "exposure.speed_brighten",
        float(0.0, 100.0, 0.1),
        "Adaptation speed when the scene gets brighter, EV/s, 0..=100, default 3 (0 holds).",
    ),
    s(
        "exposure.speed_darken",
        float(0.0, 100.0, 0.1),
        "Adaptation speed when the scene gets darker, EV/s, 0..=100, default 1.",
    ),
    s(
        "exposure.metering",
        Control::Choice(&["average", "centre_weighted", "spot", "foreground"]),
        "Which pixels automatic exposure meters. Default centre_weighted; foreground needs depth.",
    ),
    s(
        "bloom.tier",
        Control::Choice(TIERS),
        "Bloom quality: levels and the largest level's size by tier; off skips the pass. Default high when named.",
    ),
    s(
        "bloom.levels",
        Control::Int { min: 0, max: crate::post::bloom::MAX_LEVELS as i64 },
        "Mip levels in the chain, each a 2x wider blur: 0 = from the tier. Default 0.",
    ),
    s(
        "bloom.largest_mip",
        Control::Int { min: 0, max: 4 },
        "Size divisor of the largest level: 0 = from the tier, else 1, 2 or 4. Default 0.",
    ),
    s(
        "bloom.intensity",
        float(0.0, 1.0, 0.005),
        "How strongly bloom is blended in, 0..=1, default 0.04.",
    ),
    s(
        "bloom.composite",
        Control::Choice(&["energy_conserving", "additive"]),
        "Energy-conserving (default) or additive composite.",
    ),
    s(
        "bloom.threshold",
        float(0.0, 64.0, 0.05),
        "Only light brighter than this (pre-exposed, brightest channel) blooms, 0..=64; 0 = off (default).",
    ),
    s(
        "bloom.threshold_softness",
        float(0.0, 1.0, 0.01),
        "Width of the threshold's knee as a fraction of the threshold, 0..=1, default 0.5.",
    ),
    s(
        "bloom.low_frequency_boost",
        float(0.0, 1.0, 0.01),
        "Shifts level weights towards the larger blurs, 0..=1, default 0.7.",
    ),
    s(
        "bloom.low_frequency_boost_curvature",
        float(0.0, 1.0, 0.01),
        "Shape of the boost over the levels, 0..=1, default 0.95.",
    ),
    s(
        "tonemap.mapper",
        Control::Choice(&[
            "clamp",
            "reinhard",
            "reinhard_luminance",
            "aces_fitted",
            "agx",
            "agx_punchy",
            "agx_golden",
            "khronos_pbr_neutral",
            "hable_filmic",
        ]),
        "The curve from scene-linear to display, baked into the finish's LUT. Default khronos_pbr_neutral.",
    ),
    s(
        "grade.temperature",
        float(-1.0, 1.0, 0.01),
        "White balance along the daylight locus, -1..=1, default 0; +1 warms, -1 cools.",
    ),
    s(
        "grade.tint",
        float(-1.0, 1.0, 0.01),
        "White balance across the daylight locus, -1..=1, default 0; +1 magenta, -1 green.",
    ),
    s(
        "grade.exposure_offset",
        float(-10.0, 10.0, 0.05),
        "Exposure change in stops on top of the camera's, -10..=10, default 0.",
    ),
    s(
        "grade.contrast",
        float(0.0, 2.0, 0.01),
        "Contrast in log2 around mid-grey 0.18, 0..=2, default 1.",
    ),
    s(
        "grade.saturation",
        float(0.0, 2.0, 0.01),
        "Saturation around Rec.709 luminance, 0..=2, default 1.",
    ),
    s(
        "grade.vibrance",
        float(-1.0, 1.0, 0.01),
        "Saturation change that spares colours already saturated, -1..=1, default 0.",
    ),
    s(
        "grade.lift",
        Control::Vec3 { min: -1.0, max: 1.0 },
        "Lift per channel, -1..=1, default 0: raises or lowers black, 1 fixed.",
    ),
    s(
        "grade.gamma",
        Control::Vec3 { min: 0.2, max: 5.0 },
        "Gamma per channel, 0.2..=5, default 1: above 1 brightens midtones.",
    ),
    s(
        "grade.gain",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Gain per channel, 0..=4, default 1: scales everything.",
    ),
    s(
        "grade.shadows",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Multiplier for shadows (4+ stops below mid-grey, fading out at mid-grey), 0..=4, default 1.",
    ),
    s(
        "grade.midtones",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Multiplier for midtones, 0..=4, default 1.",
    ),
    s(
        "grade.highlights",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Multiplier for highlights (4+ stops above mid-grey), 0..=4, default 1.",
    ),
    s(
        "grade.slope",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "ASC CDL slope per channel, 0..=4, default 1.",
    ),
    s(
        "grade.offset",
        Control::Vec3 { min: -1.0, max: 1.0 },
        "ASC CDL offset per channel, -1..=1, default 0.",
    ),
    s(
        "grade.power",
        Control::Vec3 { min: 0.2, max: 5.0 },
        "ASC CDL power per channel, 0.2..=5, default 1.",
    ),
    s(
        "grade.cdl_saturation",
        float(0.0, 2.0, 0.01),
        "ASC CDL saturation (Rec.709 luma), 0..=2, default 1.",
    ),
    s(
        "grade.hue_shift",
        float(-180.0, 180.0, 0.5),
        "Hue rotation about the grey axis keeping luminance, degrees, -180..=180, default 0.",
    ),
    s(
        "grade.channel_mixer",
        Control::Matrix3 { min: -2.0, max: 2.0 },
        "Channel mixer, rows = output r, g, b, each entry -2..=2, default the identity.",
    ),
    s(
        "lut.file",
        Control::File,
        "A .cube LUT baked into the finish (relative to the preset file); none by default.",
    ),
    s(
        "lut.space",
        Control::Choice(&["display", "scene_log"]),
        "The LUT's input: display (sRGB after the tone mapper, default) or scene_log (replaces the tone mapper).",
    ),
    s(
        "finish.tier",
        Control::Choice(TIERS),
        "LUT size (16³/32³/64³), grain and chromatic aberration by tier. Default high; the finish always runs.",
    ),
    s(
        "finish.vignette.intensity",
        float(0.0, 1.0, 0.01),
        "Vignette strength at full falloff, 0..=1, default 0 (off).",
    ),
    s(
        "finish.vignette.radius",
        float(0.0, 1.5, 0.01),
        "Distance from the centre where the falloff starts, 0..=1.5 (1 = corners), default 0.5.",
    ),
    s(
        "finish.vignette.smoothness",
        float(0.01, 1.0, 0.01),
        "Width of the falloff, 0.01..=1, default 0.5.",
    ),
    s(
        "finish.vignette.roundness",
        float(0.0, 1.0, 0.01),
        "Shape, 0..=1, default 1: 1 a circle on screen, 0 an ellipse of the image's aspect.",
    ),
    s(
        "finish.vignette.colour",
        Control::Vec3 { min: 0.0, max: 1.0 },
        "Colour the corners fade to, display-linear, 0..=1, default black.",
    ),
    s(
        "finish.grain.intensity",
        float(0.0, 1.0, 0.01),
        "Film grain amplitude, 0..=1 (1 = ±0.1 of full scale), default 0 (off).",
    ),
    s("finish.grain.size", float(0.5, 4.0, 0.05), "Grain size in pixels, 0.5..=4, default 1.5."),
    s(
        "finish.grain.luminance_response",
        float(0.0, 1.0, 0.01),
        "How much less grain bright areas get, 0..=1, default 0.8.",
    ),
    s(
        "finish.grain.animated",
        Control::Bool,
        "New grain every frame (default on); off gives a fixed pattern.",
    ),
    s(
        "finish.grain.seed",
        Control::Int { min: 0, max: u32::MAX as i64 },
        "Seed of the grain pattern, default 0.",
    ),
    s(
        "finish.chromatic_aberration.intensity",
        float(0.0, 1.0, 0.01),
        "Lateral chromatic aberration, 0..=1 (1 = a 1 % radial shift of red and blue), default 0.",
    ),
    s(
        "finish.dither",
        Control::Bool,
        "Triangular noise of one 8-bit code before quantisation against banding. Default on.",
    ),
    s(
        "fxaa.tier",
        Control::Choice(TIERS),
        "FXAA 3.11 quality preset by tier. Default high when named; off otherwise.",
    ),
    s("fxaa.subpixel", float(0.0, 1.0, 0.01), "Sub-pixel aliasing removal, 0..=1, default 0.75."),
    s(
        "fxaa.edge_threshold",
        float(0.063, 0.333, 0.001),
        "Minimum local contrast to process, relative to the brightest luma, 0.063..=0.333, default 0.166.",
    ),
    s(
        "fxaa.edge_threshold_min",
        float(0.0, 0.0833, 0.001),
        "Absolute minimum local contrast in luma, 0..=0.0833, default 0.0833.",
    ),
    s(
        "sharpen.tier",
        Control::Choice(TIERS),
        "CAS window and weights by tier. Default off: sharpening is opt-in.",
    ),
    s("sharpen.sharpness", float(0.0, 1.0, 0.01), "CAS sharpness, 0..=1, default 0.5."),
    s(
        "budget.mode",
        Control::Choice(&["off", "fixed", "adaptive"]),
        "Budget governor: off (default), fixed (measure only) or adaptive (turns passes down).",
    ),
    s(
        "budget.target_ms",
        float(1.0, 1000.0, 0.1),
        "Frame budget in GPU ms, 1..=1000, default 16.667; ignored when refresh_hz is set.",
    ),
    s(
        "budget.refresh_hz",
        float(0.0, 1000.0, 1.0),
        "Display refresh rate; above 0 the budget is 1000 / refresh_hz ms. Default 0.",
    ),
    s(
        "budget.headroom",
        float(0.0, 0.5, 0.01),
        "Fraction of the budget kept free: the governor steers to budget x (1 - headroom), 0..=0.5, default 0.1.",
    ),
    s(
        "budget.timing",
        Control::Choice(&["auto", "encoder", "pass", "frame"]),
        "How GPU time is measured: auto (default, the best the device has), encoder (timestamps inside encoders), pass (pass-boundary timestamps) or frame (no timestamps: submission to completion, no per-pass times).",
    ),
    s(
        "budget.statistic",
        Control::Choice(&["median", "p90"]),
        "Statistic of recent frames compared with the budget. Default p90.",
    ),
    s(
        "budget.window_frames",
        Control::Int { min: 8, max: 240 },
        "Frames the statistic is taken over, 8..=240, default 16.",
    ),
    s(
        "budget.cooldown_frames",
        Control::Int { min: 0, max: 120 },
        "Frames ignored after a change, 0..=120, default 4.",
    ),
    s(
        "budget.raise_after_frames",
        Control::Int { min: 30, max: 6000 },
        "Frames clearly under budget before a knob is given back, 30..=6000, default 120.",
    ),
    s(
        "budget.min_scale",
        float(0.5, 1.0, 0.01),
        "Lowest render scale the governor may choose, 0.5..=1, default 0.5.",
    ),
    s(
        "budget.value.taa",
        float(0.0, 100.0, 0.1),
        "What TAA's quality is worth to the governor. Default 5.",
    ),
    s(
        "budget.value.render_scale",
        float(0.0, 100.0, 0.1),
        "What resolution is worth, per unit of render scale. Default 12.",
    ),
    s("budget.value.ao", float(0.0, 100.0, 0.1), "What AO's quality is worth. Default 4."),
    s(
        "budget.value.exposure",
        float(0.0, 100.0, 0.1),
        "What the exposure histogram's quality is worth. Default 3.",
    ),
    s("budget.value.bloom", float(0.0, 100.0, 0.1), "What bloom's quality is worth. Default 3."),
    s(
        "budget.value.finish",
        float(0.0, 100.0, 0.1),
        "What the finish's quality is worth. Default 2.",
    ),
    s("budget.value.fxaa", float(0.0, 100.0, 0.1), "What FXAA's quality is worth. Default 1.5."),
    s(
        "budget.value.motion_blur",
        float(0.0, 100.0, 0.1),
        "What motion blur's quality is worth. Default 1.5.",
    ),
    s(
        "budget.value.dof",
        float(0.0, 100.0, 0.1),
        "What depth of field's quality is worth. Default 2.",
    ),
    s(
        "budget.value.sharpen",
        float(0.0, 100.0, 0.1),
        "What sharpening's quality is worth. Default 1.",
    ),
    s(
        "budget.value.upscale",
        float(0.0, 100.0, 0.1),
        "What the spatial upscale's quality is worth. Default 1.",
    ),
];

/// The schema entry for `key`.
pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// The sections (passes) in panel order, each once.
pub fn sections() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for setting in SETTINGS {
        let name = section(setting.key);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Settings as a value tree (the shape of a preset file).
pub fn to_value(settings: &PostSettings) -> Value {
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_value(settings).unwrap_or(Value::Null)
}

/// A value tree back into settings; an error names what did not fit.
pub fn from_value(value: &Value) -> Result<PostSettings, String> {
    serde_json::from_value(value.clone()).map_err(|e| e.to_string())
}

/// The value at a dotted key.
pub fn get<'a>(root: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(root, |v, part| v.get(part))
}

/// The value at a dotted key, mutable.
pub fn get_mut<'a>(root: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    key.split('.').try_fold(root, |v, part| v.get_mut(part))
}

/// Every leaf key of a value tree (objects are descended, anything else is a leaf), dotted.
pub fn leaf_keys(value: &Value) -> Vec<String> {
    fn walk(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(v, &key, out);
                }
            }
            _ => out.push(prefix.to_owned()),
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_serialised_key_is_described_and_nothing_else() {
        let keys = leaf_keys(&to_value(&PostSettings::default()));
        let missing: Vec<&String> = keys.iter().filter(|k| find(k).is_none()).collect();
        assert!(
            missing.is_empty(),
            "settings without a viewer schema entry (add them to SETTINGS in src/viewer/schema.rs): {missing:?}"
        );
        let stale: Vec<&str> =
            SETTINGS.iter().map(|s| s.key).filter(|k| !keys.iter().any(|x| x == k)).collect();
        assert!(stale.is_empty(), "schema entries for settings that do not exist: {stale:?}");
        let mut seen = std::collections::HashSet::new();
        for setting in SETTINGS {
            assert!(seen.insert(setting.key), "{} is described twice", setting.key);
            assert!(!setting.doc.is_empty(), "{} has no documentation", setting.key);
        }
    }

    #[test]
    fn every_choice_is_a_value_the_settings_accept() {
        let base = to_value(&PostSettings::default());
        for setting in SETTINGS {
            let Control::Choice(choices) = setting.control else { continue };
            for choice in choices {
                let mut value = base.clone();
                *get_mut(&mut value, setting.key).expect("key exists") =
                    Value::String((*choice).to_owned());
                let parsed = from_value(&value)
                    .unwrap_or_else(|e| panic!("{} = {choice:?} is refused: {e}", setting.key));
                assert_eq!(
                    get(&to_value(&parsed), setting.key),
                    Some(&Value::String((*choice).to_owned())),
                    "{} = {choice:?} does not round-trip",
                    setting.key
                );
            }
        }
    }

    #[test]
    fn numeric_defaults_lie_inside_their_documented_ranges() {
        let value = to_value(&PostSettings::default());
        for setting in SETTINGS {
            let v = get(&value, setting.key).expect("key exists");
            let numbers: Vec<f64> = match setting.control {
                Control::Float { .. } | Control::Int { .. } => v.as_f64().into_iter().collect(),
                Control::Vec3 { .. } => {
                    v.as_array().into_iter().flatten().filter_map(Value::as_f64).collect()
                }
                _ => continue,
            };
            let (min, max) = match setting.control {
                Control::Float { min, max, .. } | Control::Vec3 { min, max } => (min, max),
                Control::Int { min, max } => (min as f64, max as f64),
                _ => continue,
            };
            // The settings are f32: compare at that precision.
            for n in numbers {
                assert!(
                    (min as f32..=max as f32).contains(&(n as f32)),
                    "{} default {n} outside {min}..={max}",
                    setting.key
                );
            }
        }
    }
}

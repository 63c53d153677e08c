//! The reference colour grade: the CPU version of the look controls the finish pass offers.
//!
//! A grade changes the *look* of the image (warmer, more contrast, a teal shadow) without
//! changing what was rendered. It runs on **scene-linear Rec.709** colour (the HDR target's
//! primaries, after the camera exposure) **before the tone mapper**, so it works on scene
//! values, not display values: its output is still scene-referred and may exceed 1, and the
//! tone mapper ([`super::tonemap`]) squeezes it into the display range afterwards. The finish
//! pass bakes grade + tone mapper + user LUT into one 3D LUT (docs/architecture.md, "The frame"); this
//! module is what that bake is tested against, computed in `f32` like the GPU (the few
//! matrices built from the settings are computed in `f64` and rounded once, as the CPU would
//! before uploading them).
//!
//! # The order
//! [`grade`] applies the steps in this one order; each step works in the colour space named:
//!
//! 1. **Input**: NaN and negative channels become 0, channels above [`MAX_RADIANCE`] (`+inf`
//!    too) become [`MAX_RADIANCE`].
//! 2. **Exposure offset** — scene-linear Rec.709: multiply by `2^exposure_offset`.
//! 3. **White balance** (temperature, tint) — a von Kries adaptation in **CAT02** LMS (CIECAM02,
//!    CIE 159:2004), carried out as one 3x3 matrix on scene-linear Rec.709 (via CIE XYZ).
//! 4. **Channel mixer** — scene-linear Rec.709, a 3x3 matrix whose rows are the output channels.
//! 5. **Contrast** — per channel in **log2 around mid-grey 0.18**:
//!    `log2(out / 0.18) = contrast · log2(in / 0.18)`.
//! 6. **Lift / gamma / gain** — per channel, scene-linear.
//! 7. **Shadows / midtones / highlights** — scene-linear multipliers, weighted by the colour's
//!    Rec.709 luminance measured in stops (log2) from mid-grey.
//! 8. **ASC CDL** (slope, offset, power, saturation) — ASC CDL v1.2 on scene-linear Rec.709.
//! 9. **Hue shift** — a rotation of the chroma in linear Rec.709 Y-Cb-Cr, which keeps luminance.
//! 10. **Saturation, then vibrance** — around Rec.709 luminance, scene-linear.
//!
//! Exposure and white balance come first because they correct the *capture* (how bright, under
//! which light) and every creative step after them should see the corrected image; the mixer
//! follows while the colour is still plain linear light; contrast and the tonal controls work on
//! the balanced image; the CDL is the "look" layer a colourist would hand over; hue and
//! saturation come last so they act on the final tonal result.
//!
//! After every step the colour is brought back into `[0, MAX_RADIANCE]` with NaN as 0 — the
//! range the HDR target holds — so no step sees a negative (which has no logarithm and no real
//! power), an infinity or a NaN, whatever the settings. A control at its neutral value skips its
//! step entirely, so [`GradeSettings::NEUTRAL`] is exactly the identity on that range.
//!
//! # Sources
//! - ASC CDL: American Society of Cinematographers, "ASC Color Decision List (ASC CDL)
//!   Transfer Functions and Interchange Syntax", v1.2 (2009): `out = (in · slope + offset)^power`
//!   per channel, then `out = luma + sat · (out − luma)` with the Rec.709 luma weights
//!   `0.2126, 0.7152, 0.0722`.
//! - CAT02: CIE 159:2004 (CIECAM02), the `M_CAT02` matrix.
//! - Daylight locus: CIE 15:2004, the CIE daylight chromaticity polynomial (4000–25000 K).
//! - Rec.709: ITU-R BT.709-6 (primaries, D65 white, luminance and Y-Cb-Cr coefficients); the
//!   RGB → XYZ matrix is derived from those primaries and D65 (Bruce Lindbloom's 7-digit
//!   values; IEC 61966-2-1 prints the same matrix to 4 digits).
//! - Lift/gamma/gain: the common colourist formula `out = (gain · (in + lift · (1 − in)))^(1/gamma)`
//!   (as in DaVinci Resolve's primaries and most real-time engines).

use glam::{DMat3, DVec2, DVec3, Mat3, Vec3};

use super::schema::{Control, Setting, float, setting};
use super::tonemap::MAX_RADIANCE;

/// Rec.709 luminance weights (ITU-R BT.709), also the ASC CDL's saturation luma weights.
pub const REC709_LUMINANCE: Vec3 = Vec3::new(0.2126, 0.7152, 0.0722);

/// Mid-grey in scene-linear terms: the pivot of contrast and the centre of the midtones.
pub const MID_GREY: f32 = 0.18;

/// How many stops from mid-grey the shadows and highlights weights take to reach 1 (see
/// [`GradeSettings::shadows`]).
pub const TONAL_RANGE_STOPS: f32 = 4.0;

/// The correlated colour temperature the white balance treats as neutral: D65's, 6504 K.
const D65_CCT_KELVIN: f64 = 6504.0;

/// How far `temperature = ±1` moves the white along the daylight locus, in mired
/// (10⁶ / kelvin). 80 mired keeps both ends (4278 K and 13 559 K) inside the 4000–25000 K range
/// the CIE daylight polynomial is defined on.
const TEMPERATURE_MIRED_PER_UNIT: f64 = 80.0;

/// How far `tint = ±1` moves the white off the daylight locus, in CIE 1960 (u, v) units (the
/// unit of Duv). 0.02 is a strong green or magenta cast, like the end of a camera's tint slider.
const TINT_DUV_PER_UNIT: f64 = 0.02;

/// All the grade's controls. Every field's documentation gives its unit, range (what
/// [`GradeSettings::validated`] clamps to) and neutral default; [`grade`] applies them in the
/// order the module documentation lists.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradeSettings {
    /// White balance along the daylight locus, unitless, `-1..=1`, default 0 (neutral).
    ///
    /// The grade adapts (von Kries in CAT02 LMS) from a *source* white on the CIE daylight locus
    /// at `1e6 / (1e6 / 6504 − 80 · temperature)` kelvin to the 6504 K daylight white (≈ D65,
    /// which is grey in Rec.709): the source white comes out neutral. So `+1` treats a bluish
    /// 13 559 K white as neutral and warms the image (about what a camera set to "shade" does),
    /// and `−1` treats a yellowish 4278 K white as neutral and cools the image. The step is
    /// linear in mired (reciprocal kelvin), the perceptually even scale for temperature.
    pub temperature: f32,
    /// White balance across the daylight locus (green–magenta), unitless, `-1..=1`, default 0.
    ///
    /// Moves the source white (see [`temperature`](Self::temperature)) off the daylight locus by
    /// `0.02 · tint` in CIE 1960 (u, v), perpendicular to the locus, towards green for positive
    /// values; adapting that greenish white to neutral makes the image **magenta for `+1`** and
    /// **green for `−1`**, the way camera tint sliders work.
    pub tint: f32,
    /// Exposure change in stops, `-10..=10`, default 0: the colour is multiplied by
    /// `2^exposure_offset` (`+1` doubles, `−1` halves). On top of the camera's exposure.
    pub exposure_offset: f32,
    /// Contrast, unitless, `0..=2`, default 1 (neutral).
    ///
    /// Per channel in log2 around mid-grey: `out = 0.18 · (in / 0.18)^contrast`, that is,
    /// `log2(out / 0.18) = contrast · log2(in / 0.18)`. 0.18 stays fixed, every stop above or
    /// below it becomes `contrast` stops; `0` makes everything mid-grey, `2` doubles the
    /// distance in stops. Black stays black for any `contrast > 0`.
    pub contrast: f32,
    /// Saturation, unitless, `0..=2`, default 1 (neutral): `out = Y + saturation · (in − Y)`
    /// with `Y` the Rec.709 luminance, so `0` gives grey of the same luminance, and luminance is
    /// unchanged for any value (before the clamp at 0).
    pub saturation: f32,
    /// Vibrance, unitless, `-1..=1`, default 0: a saturation change that spares colours already
    /// saturated. With `s = (max − min) / max` of the channels (0 for grey, 1 for a pure primary)
    /// the colour gets `out = Y + (1 + vibrance · (1 − s)) · (in − Y)`, `Y` the Rec.709
    /// luminance: `+1` up to doubles the saturation of muted colours (skin, pastels) and leaves
    /// pure primaries alone; `−1` mutes them and also leaves pure primaries alone. Applied after
    /// [`saturation`](Self::saturation).
    pub vibrance: f32,
    /// Lift, per channel (r, g, b), `-1..=1` each, default `(0, 0, 0)`: raises (positive) or
    /// lowers (negative) black while leaving 1 fixed. See [`gain`](Self::gain) for the formula.
    pub lift: Vec3,
    /// Gamma, per channel, `0.2..=5` each, default `(1, 1, 1)`: above 1 brightens the midtones,
    /// below 1 darkens them, with 0 and 1 fixed. See [`gain`](Self::gain) for the formula.
    pub gamma: Vec3,
    /// Gain, per channel, `0..=4` each, default `(1, 1, 1)`: scales everything, most visibly the
    /// highlights.
    ///
    /// The lift/gamma/gain formula, per channel, on scene-linear values (so "white" is 1):
    /// `out = max(gain · (in + lift · (1 − in)), 0)^(1 / gamma)`. It is the ASC CDL's form
    /// with `slope = gain · (1 − lift)`, `offset = gain · lift`, `power = 1 / gamma`. Values
    /// above 1 keep going (lift slightly lowers them), nothing is clipped at 1.
    pub gain: Vec3,
    /// Shadows multiplier, per channel, `0..=4` each, default `(1, 1, 1)`.
    ///
    /// Shadows, midtones and highlights multiply the colour by
    /// `w_s · shadows + w_m · midtones + w_h · highlights`, where, with `e = log2(Y / 0.18)` the
    /// Rec.709 luminance in stops from mid-grey, `w_s = 1 − smoothstep(−4, 0, e)`,
    /// `w_h = smoothstep(0, 4, e)` and `w_m = 1 − w_s − w_h` (smoothstep is the cubic Hermite
    /// `3t² − 2t³`). So shadows act fully 4 stops and more below mid-grey (`Y ≤ 0.01125`) and
    /// fade out at mid-grey; highlights act fully from 4 stops above (`Y ≥ 2.88`) and fade out at
    /// mid-grey; midtones act fully at mid-grey. The weights sum to 1, so three equal
    /// multipliers are a plain gain.
    pub shadows: Vec3,
    /// Midtones multiplier, per channel, `0..=4` each, default `(1, 1, 1)`; weights as for
    /// [`shadows`](Self::shadows).
    pub midtones: Vec3,
    /// Highlights multiplier, per channel, `0..=4` each, default `(1, 1, 1)`; weights as for
    /// [`shadows`](Self::shadows).
    pub highlights: Vec3,
    /// ASC CDL slope, per channel, `0..=4` each, default `(1, 1, 1)`.
    ///
    /// The ASC CDL v1.2 formula, per channel: `out = max(in · slope + offset, 0)^power`, then
    /// [`cdl_saturation`](Self::cdl_saturation). The v1.2 clamp of the result to at most 1 is
    /// left out (as in OpenColorIO's "no clamp" CDL style) because the values here are
    /// scene-referred and may exceed 1; the clamp at 0 before the power is kept.
    pub slope: Vec3,
    /// ASC CDL offset, per channel, `-1..=1` each, default `(0, 0, 0)`; see
    /// [`slope`](Self::slope).
    pub offset: Vec3,
    /// ASC CDL power, per channel, `0.2..=5` each, default `(1, 1, 1)`; see
    /// [`slope`](Self::slope).
    pub power: Vec3,
    /// ASC CDL saturation, unitless, `0..=2`, default 1: after slope/offset/power,
    /// `out = luma + cdl_saturation · (in − luma)` with
    /// `luma = 0.2126 r + 0.7152 g + 0.0722 b`, as ASC CDL v1.2 specifies.
    pub cdl_saturation: f32,
    /// Hue rotation in degrees, `-180..=180`, default 0; [`GradeSettings::validated`] wraps
    /// other angles into this range (the rotation is 360°-periodic, and ±180 are the same).
    ///
    /// A rotation about the grey axis that keeps Rec.709 luminance: the colour is split into
    /// luminance `Y` and the chroma pair `Cb = (b − Y) / 1.8556`, `Cr = (r − Y) / 1.5748`
    /// (the BT.709 Y-Cb-Cr coefficients, here on linear values), `(Cb, Cr)` is rotated by the
    /// angle and the colour rebuilt with `Y` unchanged. Greys do not move. Positive angles turn
    /// red towards yellow and green, like a positive HSV hue change; 180 swaps each colour for
    /// its opposite of the same luminance.
    pub hue_shift: f32,
    /// Channel mixer, rows = output channels, `-2..=2` each entry, default the identity:
    /// `out.r = channel_mixer[0] · in`, `out.g = channel_mixer[1] · in`,
    /// `out.b = channel_mixer[2] · in` (dot products). A row summing to 1 keeps grey's level
    /// in that channel.
    pub channel_mixer: [Vec3; 3],
}

impl GradeSettings {
    /// Every control at its neutral value: [`grade`] returns its input unchanged (for inputs in
    /// `[0, MAX_RADIANCE]`).
    pub const NEUTRAL: Self = Self {
        temperature: 0.0,
        tint: 0.0,
        exposure_offset: 0.0,
        contrast: 1.0,
        saturation: 1.0,
        vibrance: 0.0,
        lift: Vec3::ZERO,
        gamma: Vec3::ONE,
        gain: Vec3::ONE,
        shadows: Vec3::ONE,
        midtones: Vec3::ONE,
        highlights: Vec3::ONE,
        slope: Vec3::ONE,
        offset: Vec3::ZERO,
        power: Vec3::ONE,
        cdl_saturation: 1.0,
        hue_shift: 0.0,
        channel_mixer: [Vec3::X, Vec3::Y, Vec3::Z],
    };

    /// A gentle warm look for product shots: slightly warmer white, a touch of contrast and
    /// vibrance; skin and wood read warmer, saturated product colours are left alone.
    pub const WARM_PRODUCT: Self = Self {
        temperature: 0.15,
        contrast: 1.05,
        vibrance: 0.15,
        highlights: Vec3::new(1.02, 1.0, 0.97),
        ..Self::NEUTRAL
    };

    /// A cool, crisp look for technical and hardware renders: cooler white, more contrast,
    /// slightly less saturation and a faint blue in the shadows.
    pub const COOL_TECH: Self = Self {
        temperature: -0.2,
        contrast: 1.1,
        saturation: 0.9,
        shadows: Vec3::new(0.97, 1.0, 1.04),
        ..Self::NEUTRAL
    };

    /// A copy with every field brought into its documented range: a NaN becomes the field's
    /// neutral default, a value outside the range (infinities included) is clamped to it, and
    /// [`hue_shift`](Self::hue_shift) is wrapped into `-180..=180` instead (an infinite angle
    /// becomes 0). Each change is logged with `log::warn!` naming the field.
    ///
    /// [`grade`] itself does not validate (it runs per LUT lattice point and must not log), but
    /// it never produces NaN or infinity whatever the settings; call this once on settings that
    /// come from a user or a file.
    pub fn validated(&self) -> Self {
        let (settings, warnings) = self.validated_with_warnings();
        for warning in warnings {
            log::warn!("{warning}");
        }
        settings
    }

    /// As [`GradeSettings::validated`], returning the warnings (one per changed value, naming
    /// it as `grade.<field>`) instead of logging them.
    pub fn validated_with_warnings(&self) -> (Self, Vec<String>) {
        let n = Self::NEUTRAL;
        let mut warnings = Vec::new();
        let w = &mut warnings;
        let settings = Self {
            temperature: check(w, "temperature", self.temperature, -1.0, 1.0, n.temperature),
            tint: check(w, "tint", self.tint, -1.0, 1.0, n.tint),
            exposure_offset: check(
                w,
                "exposure_offset",
                self.exposure_offset,
                -10.0,
                10.0,
                n.exposure_offset,
            ),
            contrast: check(w, "contrast", self.contrast, 0.0, 2.0, n.contrast),
            saturation: check(w, "saturation", self.saturation, 0.0, 2.0, n.saturation),
            vibrance: check(w, "vibrance", self.vibrance, -1.0, 1.0, n.vibrance),
            lift: check_vec3(w, "lift", self.lift, -1.0, 1.0, n.lift),
            gamma: check_vec3(w, "gamma", self.gamma, 0.2, 5.0, n.gamma),
            gain: check_vec3(w, "gain", self.gain, 0.0, 4.0, n.gain),
            shadows: check_vec3(w, "shadows", self.shadows, 0.0, 4.0, n.shadows),
            midtones: check_vec3(w, "midtones", self.midtones, 0.0, 4.0, n.midtones),
            highlights: check_vec3(w, "highlights", self.highlights, 0.0, 4.0, n.highlights),
            slope: check_vec3(w, "slope", self.slope, 0.0, 4.0, n.slope),
            offset: check_vec3(w, "offset", self.offset, -1.0, 1.0, n.offset),
            power: check_vec3(w, "power", self.power, 0.2, 5.0, n.power),
            cdl_saturation: check(
                w,
                "cdl_saturation",
                self.cdl_saturation,
                0.0,
                2.0,
                n.cdl_saturation,
            ),
            hue_shift: wrap_degrees(w, self.hue_shift),
            channel_mixer: [0, 1, 2].map(|row| {
                let name = ["channel_mixer[0]", "channel_mixer[1]", "channel_mixer[2]"][row];
                check_vec3(w, name, self.channel_mixer[row], -2.0, 2.0, n.channel_mixer[row])
            }),
        };
        (settings, warnings)
    }
}

/// The `[grade]` keys as the panel and presets see them ([`GradeSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "grade.temperature",
        float(-1.0, 1.0, 0.01),
        "White balance along the daylight locus, -1..=1, default 0; +1 warms, -1 cools.",
    ),
    setting(
        "grade.tint",
        float(-1.0, 1.0, 0.01),
        "White balance across the daylight locus, -1..=1, default 0; +1 magenta, -1 green.",
    ),
    setting(
        "grade.exposure_offset",
        float(-10.0, 10.0, 0.05),
        "Exposure change in stops on top of the camera's, -10..=10, default 0.",
    ),
    setting(
        "grade.contrast",
        float(0.0, 2.0, 0.01),
        "Contrast in log2 around mid-grey 0.18, 0..=2, default 1.",
    ),
    setting(
        "grade.saturation",
        float(0.0, 2.0, 0.01),
        "Saturation around Rec.709 luminance, 0..=2, default 1.",
    ),
    setting(
        "grade.vibrance",
        float(-1.0, 1.0, 0.01),
        "Saturation change that spares colours already saturated, -1..=1, default 0.",
    ),
    setting(
        "grade.lift",
        Control::Vec3 { min: -1.0, max: 1.0 },
        "Lift per channel, -1..=1, default 0: raises or lowers black, 1 fixed.",
    ),
    setting(
        "grade.gamma",
        Control::Vec3 { min: 0.2, max: 5.0 },
        "Gamma per channel, 0.2..=5, default 1: above 1 brightens midtones.",
    ),
    setting(
        "grade.gain",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Gain per channel, 0..=4, default 1: scales everything.",
    ),
    setting(
        "grade.shadows",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Multiplier for shadows (4+ stops below mid-grey, fading out at mid-grey), 0..=4, default 1.",
    ),
    setting(
        "grade.midtones",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Multiplier for midtones, 0..=4, default 1.",
    ),
    setting(
        "grade.highlights",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "Multiplier for highlights (4+ stops above mid-grey), 0..=4, default 1.",
    ),
    setting(
        "grade.slope",
        Control::Vec3 { min: 0.0, max: 4.0 },
        "ASC CDL slope per channel, 0..=4, default 1.",
    ),
    setting(
        "grade.offset",
        Control::Vec3 { min: -1.0, max: 1.0 },
        "ASC CDL offset per channel, -1..=1, default 0.",
    ),
    setting(
        "grade.power",
        Control::Vec3 { min: 0.2, max: 5.0 },
        "ASC CDL power per channel, 0.2..=5, default 1.",
    ),
    setting(
        "grade.cdl_saturation",
        float(0.0, 2.0, 0.01),
        "ASC CDL saturation (Rec.709 luma), 0..=2, default 1.",
    ),
    setting(
        "grade.hue_shift",
        float(-180.0, 180.0, 0.5),
        "Hue rotation about the grey axis keeping luminance, degrees, -180..=180, default 0.",
    ),
    setting(
        "grade.channel_mixer",
        Control::Matrix3 { min: -2.0, max: 2.0 },
        "Channel mixer, rows = output r, g, b, each entry -2..=2, default the identity.",
    ),
];

impl Default for GradeSettings {
    /// [`GradeSettings::NEUTRAL`].
    fn default() -> Self {
        Self::NEUTRAL
    }
}

/// NaN to `default`, outside `min..=max` clamped, each with a warning naming `name`.
fn check(w: &mut Vec<String>, name: &str, value: f32, min: f32, max: f32, default: f32) -> f32 {
    super::clamp_setting(w, &format!("grade.{name}"), value, min, max, default)
}

/// [`check`] on each component, named `name.x`, `name.y`, `name.z`.
fn check_vec3(
    w: &mut Vec<String>,
    name: &str,
    value: Vec3,
    min: f32,
    max: f32,
    default: Vec3,
) -> Vec3 {
    Vec3::new(
        check(w, &format!("{name}.x"), value.x, min, max, default.x),
        check(w, &format!("{name}.y"), value.y, min, max, default.y),
        check(w, &format!("{name}.z"), value.z, min, max, default.z),
    )
}

/// `hue_shift` into `-180..=180`: NaN and infinities to 0, other angles wrapped (not clamped,
/// because 190° is the same rotation as −170°).
fn wrap_degrees(w: &mut Vec<String>, value: f32) -> f32 {
    if !value.is_finite() {
        w.push(format!("grade.hue_shift = {value} is not finite; using the default 0"));
        0.0
    } else if !(-180.0..=180.0).contains(&value) {
        let wrapped = (value + 180.0).rem_euclid(360.0) - 180.0;
        w.push(format!("grade.hue_shift = {value} is outside -180..=180; using {wrapped}"));
        wrapped
    } else {
        value
    }
}

/// Grades one scene-linear Rec.709 colour: the steps of the module documentation, in that
/// order. NaN input channels count as 0 (negatives too, and channels above [`MAX_RADIANCE`]
/// as [`MAX_RADIANCE`]). The result is scene-linear Rec.709 in `[0, MAX_RADIANCE]`, finite,
/// and may exceed 1: it goes to the tone mapper next.
///
/// The settings are used as given; see [`GradeSettings::validated`].
pub fn grade(settings: &GradeSettings, linear_rec709: Vec3) -> Vec3 {
    let s = settings;
    let n = &GradeSettings::NEUTRAL;
    let mut c = clean(linear_rec709);

    // Each step is skipped at its neutral value so NEUTRAL is exactly the identity: the
    // matrices and the log/exp round trips are not exact in f32.
    if s.exposure_offset != n.exposure_offset {
        c = clean(c * s.exposure_offset.exp2());
    }
    if s.temperature != n.temperature || s.tint != n.tint {
        c = clean(white_balance_matrix(s.temperature, s.tint) * c);
    }
    if s.channel_mixer != n.channel_mixer {
        let m = &s.channel_mixer;
        c = clean(Vec3::new(m[0].dot(c), m[1].dot(c), m[2].dot(c)));
    }
    if s.contrast != n.contrast {
        // 0.18 · 2^(contrast · log2(x / 0.18)) as a power, which is also defined at x = 0.
        let k = s.contrast;
        c = clean(c.map(|x| MID_GREY * (x / MID_GREY).powf(k)));
    }
    if s.lift != n.lift || s.gamma != n.gamma || s.gain != n.gain {
        let graded = s.gain * (c + s.lift * (Vec3::ONE - c));
        c = clean(pow3(graded.max(Vec3::ZERO), Vec3::ONE / s.gamma));
    }
    if s.shadows != n.shadows || s.midtones != n.midtones || s.highlights != n.highlights {
        let (ws, wm, wh) = tonal_weights(c.dot(REC709_LUMINANCE));
        c = clean(c * (ws * s.shadows + wm * s.midtones + wh * s.highlights));
    }
    if s.slope != n.slope
        || s.offset != n.offset
        || s.power != n.power
        || s.cdl_saturation != n.cdl_saturation
    {
        c = clean(asc_cdl(c, s.slope, s.offset, s.power, s.cdl_saturation));
    }
    if s.hue_shift != n.hue_shift {
        c = clean(hue_shift_matrix(s.hue_shift) * c);
    }
    if s.saturation != n.saturation {
        let y = c.dot(REC709_LUMINANCE);
        c = clean(Vec3::splat(y) + s.saturation * (c - Vec3::splat(y)));
    }
    if s.vibrance != n.vibrance {
        c = clean(vibrance(c, s.vibrance));
    }
    c
}

/// The ASC CDL v1.2 (without the clamp at 1, see [`GradeSettings::slope`]):
/// `max(in · slope + offset, 0)^power` per channel, then saturation around Rec.709 luma.
pub fn asc_cdl(c: Vec3, slope: Vec3, offset: Vec3, power: Vec3, saturation: f32) -> Vec3 {
    let sop = pow3((c * slope + offset).max(Vec3::ZERO), power);
    let luma = sop.dot(REC709_LUMINANCE);
    Vec3::splat(luma) + saturation * (sop - Vec3::splat(luma))
}

/// The white balance step as one matrix on scene-linear Rec.709 (apply as `m * colour`):
/// Rec.709 → XYZ → CAT02 LMS, von Kries gains `LMS(destination white) / LMS(source white)`,
/// then back. The source white is the daylight-locus white that
/// [`GradeSettings::temperature`] and [`GradeSettings::tint`] describe, the destination the
/// 6504 K daylight white. `temperature` and `tint` are clamped to `-1..=1` (NaN as 0) so the
/// daylight polynomial stays in its domain. Computed in `f64`, rounded once to `f32`.
pub fn white_balance_matrix(temperature: f32, tint: f32) -> Mat3 {
    let unit = |v: f32| if v.is_nan() { 0.0 } else { f64::from(v).clamp(-1.0, 1.0) };
    let (temperature, tint) = (unit(temperature), unit(tint));

    let d65_mired = 1e6 / D65_CCT_KELVIN;
    let source_mired = d65_mired - TEMPERATURE_MIRED_PER_UNIT * temperature;
    let source_uv =
        daylight_uv(source_mired) + TINT_DUV_PER_UNIT * tint * daylight_green_normal(source_mired);
    let destination_uv = daylight_uv(d65_mired);

    let cat02 =
        rows_f64([[0.7328, 0.4296, -0.1624], [-0.7036, 1.6975, 0.0061], [0.0030, 0.0136, 0.9834]]);
    let source_lms = cat02 * xyz_from_uv(source_uv);
    let destination_lms = cat02 * xyz_from_uv(destination_uv);
    let gains = DMat3::from_diagonal(destination_lms / source_lms);

    let xyz_from_rgb = xyz_from_rec709();
    let m = xyz_from_rgb.inverse() * cat02.inverse() * gains * cat02 * xyz_from_rgb;
    m.as_mat3()
}

/// The hue shift step as one matrix on scene-linear Rec.709 (apply as `m * colour`): into
/// linear Y-Cb-Cr with the BT.709 coefficients, `(Cb, Cr)` rotated by `degrees`
/// counter-clockwise, back to RGB. Keeps Rec.709 luminance; computed in `f64`.
pub fn hue_shift_matrix(degrees: f32) -> Mat3 {
    let w = REC709_LUMINANCE.as_dvec3();
    // Cb = (b − Y) / (2 (1 − w_b)), Cr = (r − Y) / (2 (1 − w_r)): BT.709's 1.8556 and 1.5748.
    let (cb_scale, cr_scale) = (2.0 * (1.0 - w.z), 2.0 * (1.0 - w.x));
    let ycbcr_from_rgb = rows_f64([
        [w.x, w.y, w.z],
        [-w.x / cb_scale, -w.y / cb_scale, (1.0 - w.z) / cb_scale],
        [(1.0 - w.x) / cr_scale, -w.y / cr_scale, -w.z / cr_scale],
    ]);
    let (sin, cos) = f64::from(degrees).to_radians().sin_cos();
    let rotate = rows_f64([[1.0, 0.0, 0.0], [0.0, cos, -sin], [0.0, sin, cos]]);
    (ycbcr_from_rgb.inverse() * rotate * ycbcr_from_rgb).as_mat3()
}

/// Shadows, midtones and highlights weights for luminance `y` (see
/// [`GradeSettings::shadows`]); they sum to 1.
pub fn tonal_weights(y: f32) -> (f32, f32, f32) {
    // Below 2^-30 the shadows weight is 1 long since; the floor only keeps log2 finite.
    let stops = (y.max(1e-9) / MID_GREY).log2();
    let shadows = 1.0 - smoothstep(-TONAL_RANGE_STOPS, 0.0, stops);
    let highlights = smoothstep(0.0, TONAL_RANGE_STOPS, stops);
    (shadows, 1.0 - shadows - highlights, highlights)
}

/// Vibrance: saturation scaled by `1 + amount · (1 − s)`, `s = (max − min) / max`.
fn vibrance(c: Vec3, amount: f32) -> Vec3 {
    let (hi, lo) = (c.max_element(), c.min_element());
    let saturation = if hi > 0.0 { (hi - lo) / hi } else { 0.0 };
    let y = Vec3::splat(c.dot(REC709_LUMINANCE));
    y + (1.0 + amount * (1.0 - saturation)) * (c - y)
}

/// NaN and negatives to 0, above [`MAX_RADIANCE`] (`+inf` too) to it: the HDR target's range.
fn clean(c: Vec3) -> Vec3 {
    // `x > 0` is false for NaN, so NaN lands on 0 with the negatives.
    c.map(|x| if x > 0.0 { x.min(MAX_RADIANCE) } else { 0.0 })
}

fn pow3(base: Vec3, exponent: Vec3) -> Vec3 {
    Vec3::new(base.x.powf(exponent.x), base.y.powf(exponent.y), base.z.powf(exponent.z))
}

/// GLSL/WGSL `smoothstep`: 0 below `e0`, 1 above `e1`, `3t² − 2t³` between.
fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A matrix given by its rows.
fn rows_f64(rows: [[f64; 3]; 3]) -> DMat3 {
    DMat3::from_cols_array_2d(&rows).transpose()
}

/// Linear Rec.709 (D65) to CIE XYZ, derived from the BT.709 primaries and D65 white (Bruce
/// Lindbloom's 7-digit values of the matrix IEC 61966-2-1 prints to 4).
fn xyz_from_rec709() -> DMat3 {
    rows_f64([
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ])
}

/// CIE daylight locus chromaticity (CIE 15:2004) at `mired` (10⁶ / kelvin), as CIE 1960 (u, v).
fn daylight_uv(mired: f64) -> DVec2 {
    let t = 1e6 / mired;
    let (t2, t3) = (t * t, t * t * t);
    let x = if t <= 7000.0 {
        -4.6070e9 / t3 + 2.9678e6 / t2 + 0.09911e3 / t + 0.244063
    } else {
        -2.0064e9 / t3 + 1.9018e6 / t2 + 0.24748e3 / t + 0.237040
    };
    let y = -3.0 * x * x + 2.870 * x - 0.275;
    uv_from_xy(DVec2::new(x, y))
}

/// The unit normal to the daylight locus at `mired` in CIE 1960 (u, v), on the green side
/// (larger v, like positive Duv).
fn daylight_green_normal(mired: f64) -> DVec2 {
    // A central difference over ±1 mired; the locus is smooth on that scale.
    let tangent = (daylight_uv(mired + 1.0) - daylight_uv(mired - 1.0)).normalize_or_zero();
    let normal = tangent.perp();
    if normal.y < 0.0 { -normal } else { normal }
}

/// CIE 1931 (x, y) to CIE 1960 (u, v).
fn uv_from_xy(xy: DVec2) -> DVec2 {
    let d = -2.0 * xy.x + 12.0 * xy.y + 3.0;
    DVec2::new(4.0 * xy.x / d, 6.0 * xy.y / d)
}

/// CIE 1960 (u, v) to XYZ with Y = 1.
fn xyz_from_uv(uv: DVec2) -> DVec3 {
    let d = 2.0 * uv.x - 8.0 * uv.y + 4.0;
    let (x, y) = (3.0 * uv.x / d, 2.0 * uv.y / d);
    DVec3::new(x / y, 1.0, (1.0 - x - y) / y)
}

#[cfg(test)]
mod tests {
    //! The colour-science building blocks against published values; the controls themselves
    //! are tested through the public API in `tests/integration/grade.rs`.
    use super::*;

    #[test]
    fn daylight_locus_at_6504_k_is_d65() {
        let uv = daylight_uv(1e6 / 6504.0);
        let d65 = uv_from_xy(DVec2::new(0.3127, 0.3290));
        assert!((uv - d65).length() < 2e-4, "{uv:?} vs D65 {d65:?}");
    }

    #[test]
    fn daylight_locus_matches_cie_d50_and_d75() {
        // CIE 15:2004 table: D50 (5003 K) x, y = 0.3457, 0.3585; D75 (7504 K) 0.2990, 0.3149.
        for (kelvin, x, y) in [(5003.0, 0.3457, 0.3585), (7504.0, 0.2990, 0.3149)] {
            let uv = daylight_uv(1e6 / kelvin);
            let want = uv_from_xy(DVec2::new(x, y));
            assert!((uv - want).length() < 3e-4, "{kelvin} K: {uv:?} vs {want:?}");
        }
    }

    #[test]
    fn uv_and_xy_round_trip() {
        let xy = DVec2::new(0.3127, 0.3290);
        let xyz = xyz_from_uv(uv_from_xy(xy));
        let back = DVec2::new(xyz.x, xyz.y) / (xyz.x + xyz.y + xyz.z);
        assert!((back - xy).length() < 1e-12);
    }

    #[test]
    fn rec709_matrix_maps_white_to_d65_and_has_the_luminance_row() {
        let white = xyz_from_rec709() * DVec3::ONE;
        let xy = DVec2::new(white.x, white.y) / (white.x + white.y + white.z);
        assert!((xy - DVec2::new(0.3127, 0.3290)).length() < 1e-4, "{xy:?}");
        assert!((white.y - 1.0).abs() < 1e-6);
    }

    #[test]
    fn green_normal_points_to_larger_v() {
        for mired in [74.0, 153.75, 233.0] {
            let n = daylight_green_normal(mired);
            assert!(n.y > 0.0 && (n.length() - 1.0).abs() < 1e-12, "{mired}: {n:?}");
        }
    }

    #[test]
    fn white_balance_makes_the_source_white_neutral() {
        // The Rec.709 colour of the source white must come out grey (up to the 6504 K daylight
        // white being 1e-4 from D65).
        for (temperature, tint) in [(1.0, 0.0), (-1.0, 0.0), (0.4, 0.7), (-0.6, -1.0)] {
            let mired = 1e6 / D65_CCT_KELVIN - TEMPERATURE_MIRED_PER_UNIT * temperature;
            let uv = daylight_uv(mired) + TINT_DUV_PER_UNIT * tint * daylight_green_normal(mired);
            let rgb = (xyz_from_rec709().inverse() * xyz_from_uv(uv)).as_vec3();
            let out = white_balance_matrix(temperature as f32, tint as f32) * rgb;
            let spread = (out.max_element() - out.min_element()) / out.max_element();
            assert!(spread < 2e-3, "({temperature}, {tint}): {rgb:?} -> {out:?}");
        }
    }

    #[test]
    fn white_balance_at_zero_is_the_identity_matrix() {
        let m = white_balance_matrix(0.0, 0.0);
        assert!(m.abs_diff_eq(Mat3::IDENTITY, 1e-6), "{m:?}");
    }

    #[test]
    fn hue_matrix_keeps_luminance_and_grey() {
        for degrees in [-180.0, -90.0, 33.0, 120.0, 180.0] {
            let m = hue_shift_matrix(degrees);
            // Luminance row unchanged: w · (M c) = w · c for all c, i.e. Mᵀ w = w.
            let w = m.transpose() * REC709_LUMINANCE;
            assert!(w.abs_diff_eq(REC709_LUMINANCE, 1e-6), "{degrees}: {w:?}");
            assert!((m * Vec3::ONE).abs_diff_eq(Vec3::ONE, 1e-6), "{degrees}");
        }
    }

    #[test]
    fn tonal_weights_are_a_partition_of_unity() {
        assert_eq!(tonal_weights(MID_GREY), (0.0, 1.0, 0.0));
        assert_eq!(tonal_weights(0.0), (1.0, 0.0, 0.0));
        assert_eq!(tonal_weights(MID_GREY * 16.0).2, 1.0);
        for i in 0..100 {
            let y = 2f32.powf(-10.0 + 0.15 * i as f32);
            let (s, m, h) = tonal_weights(y);
            assert!((s + m + h - 1.0).abs() < 1e-6);
            assert!([s, m, h].iter().all(|w| (0.0..=1.0).contains(w)), "{y}: {s} {m} {h}");
        }
    }

    #[test]
    fn smoothstep_matches_wgsl() {
        assert_eq!(smoothstep(0.0, 4.0, -1.0), 0.0);
        assert_eq!(smoothstep(0.0, 4.0, 2.0), 0.5);
        assert_eq!(smoothstep(0.0, 4.0, 5.0), 1.0);
        assert!((smoothstep(0.0, 4.0, 1.0) - 0.15625).abs() < 1e-7);
    }
}

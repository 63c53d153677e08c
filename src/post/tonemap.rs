//! Reference tone mappers: CPU implementations of the curves the finish pass offers.
//!
//! A tone mapper squeezes scene radiance, which has no upper bound, into the range a display
//! can show. Here it takes **scene-linear Rec.709** colour (the HDR target's primaries, after
//! exposure has been applied) and returns **display-linear Rec.709** colour in `[0, 1]`. The
//! sRGB transfer function (the encode to the 8-bit target) is *not* applied here: the finish
//! pass applies it later, the same way for every mapper, so all mappers share one convention.
//!
//! The finish pass bakes the chosen mapper into its 3D LUT on the GPU (docs/architecture.md, "The frame");
//! these functions are what that bake is tested against, so each one follows its published
//! source formula and constants exactly, computed in `f32` like the GPU. Every variant of
//! [`ToneMapper`] names its source. In short:
//! - Reinhard: Reinhard, Stark, Shirley, Ferwerda, "Photographic Tone Reproduction for Digital
//!   Images", SIGGRAPH 2002, equation 3.
//! - ACES fitted: Stephen Hill's fit of the ACES 1.0 RRT + sRGB ODT, as published in
//!   `ACES.hlsl` of Matt Pettineo's BakingLab (github.com/TheRealMJP/BakingLab).
//! - AgX: Troy Sobotka's AgX (github.com/sobotka/AgX, Blender 4's default view transform), in
//!   Benjamin Wrensch's "Minimal AgX Implementation"
//!   (iolite-engine.com/blog_posts/minimal_agx_implementation, 2024, MIT licence).
//! - Khronos PBR Neutral: github.com/KhronosGroup/ToneMapping, `PBR_Neutral/pbrNeutral.glsl`
//!   (2024); the GPU copy is `shaders/include/tonemap.wgsl`.
//! - Hable filmic: John Hable, "Filmic Tonemapping Operators" (filmicworlds.com, 2010), the
//!   Uncharted 2 curve.
//!
//! Input handling, the same for every mapper: a NaN or negative channel counts as 0, and a
//! channel above [`MAX_RADIANCE`] (including `+inf`) counts as [`MAX_RADIANCE`], so `+inf` maps
//! to the mapper's white: its output for the brightest radiance the HDR target can hold.

use std::fmt;
use std::str::FromStr;

use super::schema::{Control, Setting, setting};
use glam::{Mat3, Vec3};

/// The brightest channel value a tone mapper distinguishes: the largest finite value of the
/// `Rgba16Float` HDR target. Brighter inputs, `+inf` included, are treated as this value.
///
/// Every mapper is at (or within 4e-3 of) its white long before this, so the clamp changes no
/// visible output; it keeps `+inf` out of the formulas, where it would give `inf / inf = NaN`.
pub const MAX_RADIANCE: f32 = 65504.0;

/// Rec.709 / sRGB luminance weights (ITU-R BT.709), used by the luminance-based formulas.
const REC709_LUMINANCE: Vec3 = Vec3::new(0.2126, 0.7152, 0.0722);

/// A tone mapper the finish pass can bake into its LUT; its [`name`](Self::name) is its key
/// in a preset file.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ToneMapper {
    /// No curve: each channel clipped at 1. For already display-referred content (an AR camera
    /// image, UI) and for debugging exposure; highlights clip hard and change hue.
    Clamp,
    /// Reinhard's `x / (1 + x)` on each channel (the common per-channel simplification of
    /// Reinhard et al. 2002, eq. 3). Simple and never clips, but washes out mid-tones and
    /// desaturates everything; white is only reached at infinite radiance. Mostly a baseline.
    Reinhard,
    /// Reinhard et al. 2002, eq. 3 on luminance: the colour is scaled by `L' / L` with `L` the
    /// Rec.709 luminance and `L' = L / (1 + L)`. Keeps hue and saturation, but bright saturated
    /// colours exceed 1 in one channel and clip there (the output is clamped to `[0, 1]`).
    ReinhardLuminance,
    /// Stephen Hill's fit of the ACES 1.0 RRT + sRGB ODT (BakingLab `ACES.hlsl`, "ACESFitted"):
    /// the familiar contrasty filmic look. Chosen over Krzysztof Narkowicz's single-curve fit
    /// because Hill's version keeps the RRT's gamut step (the input matrix goes to AP1 with the
    /// RRT saturation, the output matrix back to Rec.709 with the ODT saturation): bright
    /// saturated emissives desaturate toward white as in real ACES instead of being pushed to
    /// pure primaries and skewing hue the way a per-channel curve alone does.
    AcesFitted,
    /// Troy Sobotka's AgX with the base look, as in Blender 4: a gentle log-space sigmoid that
    /// desaturates very bright colours toward white, so fire and lights do not turn into flat
    /// primaries. A good default for physically lit scenes; low contrast by design.
    #[serde(rename = "agx")]
    AgX,
    /// AgX with the "Punchy" look (ASC CDL power 1.35, saturation 1.4): more contrast and
    /// colour, for stylised or product shots where base AgX looks flat.
    #[serde(rename = "agx_punchy")]
    AgXPunchy,
    /// AgX with the "Golden" look (ASC CDL slope (1, 0.9, 0.5), power 0.8, saturation 0.8): a
    /// warm, lifted grade. Not neutral: grey comes out tinted yellow by design.
    #[serde(rename = "agx_golden")]
    AgXGolden,
    /// The Khronos PBR Neutral tone mapper (2024): leaves base colours almost untouched (an
    /// identity below 0.76 except a 0.04 black offset) and compresses only highlights. The
    /// choice for product shots and e-commerce, where a material must show the colour it was
    /// authored with. The default.
    #[default]
    KhronosPbrNeutral,
    /// John Hable's Uncharted 2 filmic curve with his published constants, exposure bias 2 and
    /// white point 11.2. A classic game look with a noticeable toe; per channel, so bright
    /// saturated colours shift hue.
    HableFilmic,
}

impl ToneMapper {
    /// Every tone mapper, in the order the panel lists them.
    pub const ALL: [ToneMapper; 9] = [
        ToneMapper::Clamp,
        ToneMapper::Reinhard,
        ToneMapper::ReinhardLuminance,
        ToneMapper::AcesFitted,
        ToneMapper::AgX,
        ToneMapper::AgXPunchy,
        ToneMapper::AgXGolden,
        ToneMapper::KhronosPbrNeutral,
        ToneMapper::HableFilmic,
    ];

    /// The snake_case name: the key in a preset file and what [`FromStr`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            ToneMapper::Clamp => "clamp",
            ToneMapper::Reinhard => "reinhard",
            ToneMapper::ReinhardLuminance => "reinhard_luminance",
            ToneMapper::AcesFitted => "aces_fitted",
            ToneMapper::AgX => "agx",
            ToneMapper::AgXPunchy => "agx_punchy",
            ToneMapper::AgXGolden => "agx_golden",
            ToneMapper::KhronosPbrNeutral => "khronos_pbr_neutral",
            ToneMapper::HableFilmic => "hable_filmic",
        }
    }

    /// The id that selects this mapper in `shaders/include/tonemap.wgsl`'s
    /// `tonemap(mapper, color)`, whose `TONEMAP_*` constants list the same numbers. Ids are
    /// fixed here, not derived from [`ToneMapper::ALL`]'s order, so reordering the panel does
    /// not change what a shader selects.
    pub fn gpu_id(self) -> u32 {
        match self {
            ToneMapper::Clamp => 0,
            ToneMapper::Reinhard => 1,
            ToneMapper::ReinhardLuminance => 2,
            ToneMapper::AcesFitted => 3,
            ToneMapper::AgX => 4,
            ToneMapper::AgXPunchy => 5,
            ToneMapper::AgXGolden => 6,
            ToneMapper::KhronosPbrNeutral => 7,
            ToneMapper::HableFilmic => 8,
        }
    }

    /// Maps scene-linear Rec.709 radiance (already exposed) to display-linear Rec.709 in
    /// `[0, 1]`; the sRGB encode happens later, in the finish pass.
    ///
    /// NaN and negative channels count as 0 and channels above [`MAX_RADIANCE`] (`+inf`
    /// included) as [`MAX_RADIANCE`], so `+inf` gives the mapper's white: 1 for Clamp, ACES
    /// fitted and Hable; `1 - 1.5e-5` for Reinhard; within 1e-5 of 1 for PBR Neutral; about
    /// 0.997 for AgX and 0.995 for AgX Punchy (the AgX polynomial fit peaks at 0.99858 before
    /// linearising); a warm off-white for AgX Golden. Black maps to exactly 0 for every mapper
    /// but Hable, where f32 rounding of `D*E / (D*F) - E/F` leaves 1e-8.
    pub fn apply(self, linear_rec709: Vec3) -> Vec3 {
        self.apply_unclipped(linear_rec709).clamp(Vec3::ZERO, Vec3::ONE)
    }

    /// [`ToneMapper::apply`] before its clip to `[0, 1]`: display-linear Rec.709 whose
    /// channels may lie below 0 (a saturated colour through ACES fitted's output matrix, or
    /// AgX Punchy's look saturation, whose negatives keep their sign through AgX's 2.2 power)
    /// or above 1 (ACES fitted, Clamp). The grade bake stores this, sRGB-encoded with the sign kept, so the finish clips
    /// after interpolating the LUT: the clip lands where the mapper's output crosses 0 or 1,
    /// between lattice points, instead of bending the interpolation across a whole cell (up to
    /// 10.7 codes on saturated colours with ACES fitted; `tests/integration/grade_export.rs`,
    /// `finish_lut_is_close_to_the_exact_grade`).
    pub fn apply_unclipped(self, linear_rec709: Vec3) -> Vec3 {
        let c = sanitize(linear_rec709);
        match self {
            ToneMapper::Clamp => c,
            ToneMapper::Reinhard => c / (Vec3::ONE + c),
            ToneMapper::ReinhardLuminance => reinhard_luminance(c),
            ToneMapper::AcesFitted => aces_fitted(c),
            ToneMapper::AgX => agx(c, None),
            ToneMapper::AgXPunchy => agx(c, Some(&AGX_PUNCHY)),
            ToneMapper::AgXGolden => agx(c, Some(&AGX_GOLDEN)),
            ToneMapper::KhronosPbrNeutral => pbr_neutral(c),
            ToneMapper::HableFilmic => hable_filmic(c),
        }
    }
}

/// The `[tonemap]` keys as the panel and presets see them
/// ([`TonemapSettings`](super::settings::TonemapSettings)).
pub const SETTINGS: &[Setting] = &[setting(
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
)];

impl fmt::Display for ToneMapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A tone mapper name that is not one of [`ToneMapper::ALL`]'s names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown tone mapper {given:?}; valid names: {}", valid_names())]
pub struct ParseToneMapperError {
    /// The name that was given.
    pub given: String,
}

fn valid_names() -> String {
    ToneMapper::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
}

impl FromStr for ToneMapper {
    type Err = ParseToneMapperError;

    /// Parses a name as [`ToneMapper::name`] writes it (exact, snake_case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ToneMapper::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| ParseToneMapperError { given: s.to_owned() })
    }
}

/// NaN and negatives to 0, everything above [`MAX_RADIANCE`] (`+inf` too) to it.
fn sanitize(c: Vec3) -> Vec3 {
    // `!(x > 0)` is true for NaN as well as for zero and negatives.
    let channel = |x: f32| if x > 0.0 { x.min(MAX_RADIANCE) } else { 0.0 };
    Vec3::new(channel(c.x), channel(c.y), channel(c.z))
}

/// Reinhard et al. 2002, eq. 3 applied to luminance, colour scaled by the same ratio.
fn reinhard_luminance(c: Vec3) -> Vec3 {
    let l = c.dot(REC709_LUMINANCE);
    // With non-negative channels and positive weights, L = 0 only for black.
    if l <= 0.0 {
        return Vec3::ZERO;
    }
    // L' / L = 1 / (1 + L).
    c / (1.0 + l)
}

/// sRGB => XYZ => D65_2_D60 => AP1 => RRT_SAT, rows as written in BakingLab `ACES.hlsl`
/// (`ACESInputMat`, applied as `mul(ACESInputMat, color)`).
const ACES_INPUT_ROWS: [Vec3; 3] = [
    Vec3::new(0.59719, 0.35458, 0.04823),
    Vec3::new(0.07600, 0.90834, 0.01566),
    Vec3::new(0.02840, 0.13383, 0.83777),
];

/// ODT_SAT => XYZ => D60_2_D65 => sRGB, rows as written in BakingLab `ACES.hlsl`
/// (`ACESOutputMat`).
const ACES_OUTPUT_ROWS: [Vec3; 3] = [
    Vec3::new(1.60475, -0.53108, -0.07367),
    Vec3::new(-0.10208, 1.10813, -0.00605),
    Vec3::new(-0.00327, -0.07276, 1.07602),
];

/// HLSL `mul(M, v)` for a matrix given by its rows.
fn mul_rows(rows: &[Vec3; 3], v: Vec3) -> Vec3 {
    Vec3::new(rows[0].dot(v), rows[1].dot(v), rows[2].dot(v))
}

/// BakingLab `ACESFitted`: input matrix, `RRTAndODTFit`, output matrix, saturate (the caller
/// clamps). The fit's output is display-linear: BakingLab writes it to an sRGB target.
fn aces_fitted(c: Vec3) -> Vec3 {
    let v = mul_rows(&ACES_INPUT_ROWS, c);
    // RRTAndODTFit, constants as published (0.432951 is written 0.4329510 there).
    let a = v * (v + 0.0245786) - 0.000090537;
    let b = v * (0.983729 * v + 0.432951) + 0.238081;
    mul_rows(&ACES_OUTPUT_ROWS, a / b)
}

// The AgX constants are copied digit for digit from the source so they can be checked against
// it; most carry more digits than an f32 holds.
/// AgX inset matrix (Rec.709 into the AgX working space), `agx_mat` in Minimal AgX. The GLSL
/// `mat3(...)` constructor is column-major, like [`Mat3::from_cols_array`], so the numbers are
/// in the source's order.
#[allow(clippy::excessive_precision)]
const AGX_INSET: Mat3 = Mat3::from_cols_array(&[
    0.842479062253094,
    0.0423282422610123,
    0.0423756549057051,
    0.0784335999999992,
    0.878468636469772,
    0.0784336,
    0.0792237451477643,
    0.0791661274605434,
    0.879142973793104,
]);

/// AgX outset matrix, `agx_mat_inv` in Minimal AgX (column-major, the source's order).
#[allow(clippy::excessive_precision)]
const AGX_OUTSET: Mat3 = Mat3::from_cols_array(&[
    1.19687900512017,
    -0.0528968517574562,
    -0.0529716355144438,
    -0.0980208811401368,
    1.15190312990417,
    -0.0980434501171241,
    -0.0990297440797205,
    -0.0989611768448433,
    1.15107367264116,
]);

/// Bottom of the AgX log2 encoding: 10 stops below 0.18 (`log2(0.18) - 10`).
const AGX_MIN_EV: f32 = -12.47393;
/// Top of the AgX log2 encoding: 6.5 stops above 0.18 (`log2(0.18) + 6.5`).
const AGX_MAX_EV: f32 = 4.026069;

/// An AgX look: the ASC CDL (slope, offset, power) and saturation that Minimal AgX's
/// `agxLook` applies to the sigmoid's output.
struct AgxLook {
    offset: Vec3,
    slope: Vec3,
    power: Vec3,
    saturation: f32,
}

/// Minimal AgX `AGX_LOOK == 2`.
const AGX_PUNCHY: AgxLook =
    AgxLook { offset: Vec3::ZERO, slope: Vec3::ONE, power: Vec3::splat(1.35), saturation: 1.4 };

/// Minimal AgX `AGX_LOOK == 1`.
const AGX_GOLDEN: AgxLook = AgxLook {
    offset: Vec3::ZERO,
    slope: Vec3::new(1.0, 0.9, 0.5),
    power: Vec3::splat(0.8),
    saturation: 0.8,
};

/// Minimal AgX's 6th-order polynomial fit of the AgX base contrast sigmoid
/// (`agxDefaultContrastApprox`, "mean error^2: 3.6705141e-06"; the blog also gives a 7th-order
/// fit, but the 6th-order one is the one in his Shadertoy and the widely used copies).
fn agx_contrast(x: Vec3) -> Vec3 {
    let x2 = x * x;
    let x4 = x2 * x2;
    15.5 * x4 * x2 - 40.14 * x4 * x + 31.96 * x4 - 6.868 * x2 * x + 0.4298 * x2 + 0.1191 * x
        - 0.00232
}

/// Minimal AgX: `agx`, then `agxLook` when a look is given, then `agxEotf`.
///
/// The sigmoid's output is display-*encoded* (a 2.2 gamma); Minimal AgX's `agxEotf` linearises
/// it with `pow(val, 2.2)` ("sRGB IEC 61966-2-1 2.2 Exponent Reference EOTF Display") for an
/// sRGB render target. This does the same, so after the finish pass's sRGB encode the pixels
/// are those of the reference on an sRGB target.
///
/// Where the reference is undefined: the polynomial dips to -0.00232 near its bottom and `pow`
/// of a negative number is NaN in every shading language, so the sigmoid output is clamped at
/// 0 before the look, and the outset result keeps its sign through an odd `pow` (clipped to 0
/// by [`ToneMapper::apply`], the value the reference's clamp before the `pow` gives).
fn agx(c: Vec3, look: Option<&AgxLook>) -> Vec3 {
    let v = AGX_INSET * c;
    // log2(0) = -inf clamps to the bottom of the range like any very dark value.
    let v = Vec3::new(v.x.log2(), v.y.log2(), v.z.log2())
        .clamp(Vec3::splat(AGX_MIN_EV), Vec3::splat(AGX_MAX_EV));
    let v = (v - AGX_MIN_EV) / (AGX_MAX_EV - AGX_MIN_EV);
    let mut v = agx_contrast(v).max(Vec3::ZERO);
    if let Some(look) = look {
        // Luma of the sigmoid output before the CDL, as the reference computes it.
        let luma = v.dot(REC709_LUMINANCE);
        v = pow_per_channel((v * look.slope + look.offset).max(Vec3::ZERO), look.power);
        v = luma + look.saturation * (v - luma);
    }
    // Minimal AgX clamps at 0 before the power; the odd power keeps the sign so the unclipped
    // output crosses 0 smoothly ([`ToneMapper::apply`] clips it to the same 0).
    let v = AGX_OUTSET * v;
    v.signum() * v.abs().powf(2.2)
}

/// Per-channel power with a per-channel exponent (the CDL's `power` is a vector).
fn pow_per_channel(base: Vec3, exponent: Vec3) -> Vec3 {
    Vec3::new(base.x.powf(exponent.x), base.y.powf(exponent.y), base.z.powf(exponent.z))
}

/// Khronos PBR Neutral, line for line as `PBRNeutralToneMapping` in the Khronos reference
/// (`PBR_Neutral/pbrNeutral.glsl`).
fn pbr_neutral(color: Vec3) -> Vec3 {
    const START_COMPRESSION: f32 = 0.8 - 0.04;
    const DESATURATION: f32 = 0.15;
    let x = color.min_element();
    // The toe: a parabola below 0.08 that meets the constant 0.04 offset smoothly.
    let offset = if x < 0.08 { x - 6.25 * x * x } else { 0.04 };
    let c = color - offset;
    let peak = c.max_element();
    if peak < START_COMPRESSION {
        return c;
    }
    let d = 1.0 - START_COMPRESSION;
    let new_peak = 1.0 - d * d / (peak + d - START_COMPRESSION);
    let c = c * (new_peak / peak);
    let g = 1.0 - 1.0 / (DESATURATION * (peak - new_peak) + 1.0);
    c.lerp(Vec3::splat(new_peak), g)
}

/// Hable's `Uncharted2Tonemap` with his constants: shoulder strength A, linear strength B,
/// linear angle C, toe strength D, toe numerator E, toe denominator F.
fn uncharted2(x: Vec3) -> Vec3 {
    const A: f32 = 0.15;
    const B: f32 = 0.50;
    const C: f32 = 0.10;
    const D: f32 = 0.20;
    const E: f32 = 0.02;
    const F: f32 = 0.30;
    (x * (A * x + C * B) + D * E) / (x * (A * x + B) + D * F) - E / F
}

/// Hable's post: `Uncharted2Tonemap(ExposureBias * x) / Uncharted2Tonemap(W)` with
/// `ExposureBias = 2.0`, `W = 11.2`. His shader's hard-coded `texColor *= 16` is an exposure
/// and his final `pow(color, 1/2.2)` a display encode; both live elsewhere here.
fn hable_filmic(c: Vec3) -> Vec3 {
    const EXPOSURE_BIAS: f32 = 2.0;
    const W: f32 = 11.2;
    uncharted2(EXPOSURE_BIAS * c) / uncharted2(Vec3::splat(W))
}

#[cfg(test)]
mod tests {
    //! Known values, each against an independent f64 derivation from the published formula.
    use super::*;

    fn grey(x: f32) -> Vec3 {
        Vec3::splat(x)
    }

    #[test]
    fn apply_is_the_unclipped_output_clipped() {
        let colours = [
            Vec3::new(0.0, 0.5, 0.5),
            Vec3::new(2.0, 0.01, 0.0),
            Vec3::new(0.0, 0.0, 8.0),
            Vec3::new(30.0, 20.0, 0.5),
            grey(0.18),
            grey(-1.0),
            Vec3::new(f32::NAN, 1.0, f32::INFINITY),
        ];
        for mapper in ToneMapper::ALL {
            for c in colours {
                let unclipped = mapper.apply_unclipped(c);
                assert!(unclipped.is_finite(), "{mapper} {c}: {unclipped}");
                assert_eq!(mapper.apply(c), unclipped.clamp(Vec3::ZERO, Vec3::ONE), "{mapper} {c}");
            }
        }
        // Saturated colours do leave [0, 1] before the clip (what the bake keeps).
        assert!(ToneMapper::AcesFitted.apply_unclipped(Vec3::new(0.0, 0.5, 0.5)).x < 0.0);
        let hues = [Vec3::X, Vec3::Y, Vec3::Z, Vec3::new(0.0, 1.0, 1.0), Vec3::new(1.0, 0.0, 1.0)];
        // AgX Punchy's look saturation (1.4) pushes a dark channel below 0 before the outset.
        let punchy_below_0 = hues
            .iter()
            .flat_map(|h| (-6..=6).map(move |stop| *h * 2f32.powi(stop)))
            .filter(|c| ToneMapper::AgXPunchy.apply_unclipped(*c).min_element() < 0.0)
            .count();
        assert!(punchy_below_0 > 0);
    }

    fn assert_close(got: Vec3, want: [f64; 3], tol: f64, what: &str) {
        for (i, (&g, w)) in got.to_array().iter().zip(want).enumerate() {
            assert!(
                (f64::from(g) - w).abs() <= tol,
                "{what}: channel {i} = {g}, want {w} (tolerance {tol})"
            );
        }
    }

    /// Row-major 3x3 times a vector, in f64.
    fn mul3(m: [[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
        [0, 1, 2].map(|r| m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2])
    }

    #[test]
    fn clamp_and_reinhard_closed_forms() {
        assert_close(ToneMapper::Clamp.apply(grey(0.25)), [0.25; 3], 0.0, "clamp 0.25");
        assert_close(
            ToneMapper::Clamp.apply(Vec3::new(3.0, 0.5, 1.0)),
            [1.0, 0.5, 1.0],
            0.0,
            "clamp",
        );
        assert_close(ToneMapper::Reinhard.apply(grey(1.0)), [0.5; 3], 1e-7, "reinhard 1");
        assert_close(ToneMapper::Reinhard.apply(grey(3.0)), [0.75; 3], 1e-7, "reinhard 3");
        // Grey: L = x, so L'/L * x = x / (1 + x), the same as per channel.
        assert_close(
            ToneMapper::ReinhardLuminance.apply(grey(1.0)),
            [0.5; 3],
            1e-6,
            "reinhard L grey",
        );
        // (1, 0.5, 0.25): L = 0.2126 + 0.3576 + 0.01805 = 0.58825, scale 1 / 1.58825.
        let s = 1.0 / 1.58825;
        assert_close(
            ToneMapper::ReinhardLuminance.apply(Vec3::new(1.0, 0.5, 0.25)),
            [s, 0.5 * s, 0.25 * s],
            1e-6,
            "reinhard L colour",
        );
        // Pure blue 4: L = 0.2888, blue = 4 / 1.2888 > 1, clipped.
        assert_close(
            ToneMapper::ReinhardLuminance.apply(Vec3::new(0.0, 0.0, 4.0)),
            [0.0, 0.0, 1.0],
            0.0,
            "reinhard L clip",
        );
    }

    /// A second, straightforward ACESFitted from BakingLab's listing, in f64.
    fn aces_ref(c: [f64; 3]) -> [f64; 3] {
        let input =
            [[0.59719, 0.35458, 0.04823], [0.07600, 0.90834, 0.01566], [0.02840, 0.13383, 0.83777]];
        let output = [
            [1.60475, -0.53108, -0.07367],
            [-0.10208, 1.10813, -0.00605],
            [-0.00327, -0.07276, 1.07602],
        ];
        let v = mul3(input, c);
        let fit = v.map(|x| {
            (x * (x + 0.0245786) - 0.000090537) / (x * (0.983729 * x + 0.4329510) + 0.238081)
        });
        mul3(output, fit).map(|x| x.clamp(0.0, 1.0))
    }

    #[test]
    fn aces_fitted_matches_second_implementation() {
        for c in [
            [0.18, 0.18, 0.18],
            [1.0, 1.0, 1.0],
            [4.0, 0.5, 0.1],
            [0.05, 0.2, 1.0],
            [0.02, 0.01, 0.005],
            [20.0, 20.0, 20.0],
        ] {
            let got =
                ToneMapper::AcesFitted.apply(Vec3::new(c[0] as f32, c[1] as f32, c[2] as f32));
            assert_close(got, aces_ref(c), 2e-6, &format!("aces {c:?}"));
        }
        // The published fit maps mid grey to about 0.1056 and 1.0 to about 0.619 (values from
        // evaluating BakingLab's formula in f64), a guard on both implementations.
        assert_close(
            ToneMapper::AcesFitted.apply(grey(0.18)),
            [0.105591, 0.105591, 0.105590],
            2e-6,
            "aces 0.18",
        );
        assert_close(
            ToneMapper::AcesFitted.apply(grey(1.0)),
            [0.619115, 0.619115, 0.619109],
            2e-6,
            "aces 1",
        );
    }

    /// Minimal AgX in f64, the GLSL column-major matrices written out as rows by hand.
    fn agx_ref(c: [f64; 3], look: Option<([f64; 3], f64, f64)>) -> [f64; 3] {
        let inset = [
            [0.842479062253094, 0.0784335999999992, 0.0792237451477643],
            [0.0423282422610123, 0.878468636469772, 0.0791661274605434],
            [0.0423756549057051, 0.0784336, 0.879142973793104],
        ];
        let outset = [
            [1.19687900512017, -0.0980208811401368, -0.0990297440797205],
            [-0.0528968517574562, 1.15190312990417, -0.0989611768448433],
            [-0.0529716355144438, -0.0980434501171241, 1.15107367264116],
        ];
        let (lo, hi) = (-12.47393, 4.026069);
        let v = mul3(inset, c).map(|x| {
            let e = if x > 0.0 { x.log2().clamp(lo, hi) } else { lo };
            let x = (e - lo) / (hi - lo);
            let y = 15.5 * x.powi(6) - 40.14 * x.powi(5) + 31.96 * x.powi(4) - 6.868 * x.powi(3)
                + 0.4298 * x * x
                + 0.1191 * x
                - 0.00232;
            y.max(0.0)
        });
        let v = match look {
            None => v,
            Some((slope, power, sat)) => {
                let luma = 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
                [0, 1, 2].map(|i| luma + sat * ((v[i] * slope[i]).powf(power) - luma))
            }
        };
        mul3(outset, v).map(|x| x.max(0.0).powf(2.2).min(1.0))
    }

    #[test]
    fn agx_matches_minimal_agx() {
        let punchy = Some(([1.0; 3], 1.35, 1.4));
        let golden = Some(([1.0, 0.9, 0.5], 0.8, 0.8));
        for c in
            [[0.18; 3], [1.0; 3], [0.01; 3], [4.0, 0.5, 0.1], [0.05, 0.2, 1.0], [0.0, 0.3, 0.0]]
        {
            let v = Vec3::new(c[0] as f32, c[1] as f32, c[2] as f32);
            assert_close(ToneMapper::AgX.apply(v), agx_ref(c, None), 2e-5, &format!("agx {c:?}"));
            assert_close(
                ToneMapper::AgXPunchy.apply(v),
                agx_ref(c, punchy),
                2e-5,
                &format!("punchy {c:?}"),
            );
            assert_close(
                ToneMapper::AgXGolden.apply(v),
                agx_ref(c, golden),
                2e-5,
                &format!("golden {c:?}"),
            );
        }
        // Mid grey: log2(0.18) sits 10 of the 16.5 encoded stops up, x = 10 / 16.5 = 0.60606,
        // where the sigmoid gives 0.4967 (display-encoded), 0.2145 once linearised. Literal
        // values from evaluating the reference in f64.
        assert_close(
            ToneMapper::AgX.apply(grey(0.18)),
            [0.214467, 0.214533, 0.214537],
            3e-6,
            "agx 0.18",
        );
        assert_close(
            ToneMapper::AgXPunchy.apply(grey(0.18)),
            [0.096612, 0.096622, 0.096623],
            3e-6,
            "punchy 0.18",
        );
        assert_close(
            ToneMapper::AgXGolden.apply(grey(0.18)),
            [0.300802, 0.250633, 0.090845],
            3e-6,
            "golden 0.18",
        );
    }

    #[test]
    fn pbr_neutral_closed_forms() {
        let m = ToneMapper::KhronosPbrNeutral;
        // Below the compression start it is the identity minus the offset: 0.04 once the
        // smallest channel reaches 0.08, x - 6.25 x^2 below that.
        assert_close(m.apply(grey(0.5)), [0.46; 3], 1e-6, "pbr 0.5");
        assert_close(m.apply(Vec3::new(0.5, 0.3, 0.2)), [0.46, 0.26, 0.16], 1e-6, "pbr colour");
        // Grey 0.04: offset 0.04 - 6.25 * 0.0016 = 0.03, output 0.01.
        assert_close(m.apply(grey(0.04)), [0.01; 3], 1e-7, "pbr toe");
        // (0.3, 0.1, 0.02): offset 0.02 - 0.0025 = 0.0175.
        assert_close(
            m.apply(Vec3::new(0.3, 0.1, 0.02)),
            [0.2825, 0.0825, 0.0025],
            1e-6,
            "pbr toe colour",
        );
        // Grey 2: peak 1.96, new peak 1 - 0.24^2 / (1.96 + 0.24 - 0.76) = 1 - 0.0576 / 1.44 = 0.96.
        assert_close(m.apply(grey(2.0)), [0.96; 3], 1e-6, "pbr grey 2");
        // (2, 1, 0.5): c = (1.96, 0.96, 0.46), peak 1.96 -> 0.96, scaled by 0.96 / 1.96, then
        // mixed toward 0.96 by g = 1 - 1 / (0.15 * (1.96 - 0.96) + 1) = 1 - 1 / 1.15.
        let s = 0.96 / 1.96;
        let g = 1.0 - 1.0 / 1.15;
        let want = [1.96, 0.96, 0.46].map(|c: f64| c * s + (0.96 - c * s) * g);
        assert_close(m.apply(Vec3::new(2.0, 1.0, 0.5)), want, 1e-6, "pbr compressed colour");
    }

    #[test]
    fn hable_closed_forms() {
        let u2 = |x: f64| {
            let (a, b, c, d, e, f) = (0.15, 0.50, 0.10, 0.20, 0.02, 0.30);
            (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f
        };
        // U2(11.2) = 19.38 / 24.476 - 0.02 / 0.3 = 0.725129.
        assert!((u2(11.2) - 0.725129).abs() < 1e-6);
        let m = ToneMapper::HableFilmic;
        // The white point is reached at input W / ExposureBias = 5.6.
        assert_close(m.apply(grey(5.6)), [1.0; 3], 2e-6, "hable white");
        assert_close(m.apply(grey(0.18)), [u2(0.36) / u2(11.2); 3], 1e-6, "hable 0.18");
        assert_close(m.apply(grey(0.18)), [0.128338; 3], 1e-6, "hable 0.18 literal");
        assert_close(m.apply(grey(1.0)), [u2(2.0) / u2(11.2); 3], 1e-6, "hable 1");
        assert_close(m.apply(grey(50.0)), [1.0; 3], 0.0, "hable above white");
    }
}

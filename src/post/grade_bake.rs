//! The grade LUT bake: the colour grade, the tone mapper and a user LUT baked on the GPU into
//! one 3D LUT, and the same LUT exported as a `.cube` file.
//!
//! docs/architecture.md ("The frame") has the finish pass do every per-pixel colour operation with one
//! 3D LUT lookup, the LUT rebuilt by a compute pass only when the settings change, the way
//! Filament bakes its colour grading. This module is that compute pass, standalone:
//! [`GradeLut::bake`] reads a [`GradeSettings`], a [`ToneMapper`] and an optional [`UserLut`]
//! and writes a `size`³ [`LUT_FORMAT`] 3D texture whose lattice point `(i, j, k)` holds
//! [`baked_value`] of the scene-linear colour
//! `x = (shaper_inverse(i / (size − 1)), shaper_inverse(j / …), …)`, alpha 1.
//! `shaders/post/grade_bake.wgsl` is the kernel (a WGSL port of [`baked_value`]: of
//! [`grade`](super::grade::grade()) step for step, and of [`CubeLut::sample_trilinear`]);
//! `shaders/include/grade_lut.wgsl` holds the shaper, the sRGB encode and
//! `grade_lut_sample_encoded`, the one sample the finish pass takes. [`export_cube`] computes
//! the same lattice on the CPU and returns it as a [`CubeLut`] other tools can read.
//!
//! # The colour space of every step
//! For one lattice point, in order:
//!
//! 1. **Lattice coordinate** `t` in `[0, 1]` per channel (`i / (size − 1)`): the input shaper's
//!    encoding of scene-linear Rec.709 (below).
//! 2. **Scene-linear Rec.709** `x = shaper_inverse(t)`, in `[0, 64]`.
//! 3. **The grade** ([`grade`](super::grade::grade())): scene-linear Rec.709 in, scene-linear
//!    Rec.709 in `[0, MAX_RADIANCE]` out (exposure offset, white balance, mixer, contrast,
//!    lift/gamma/gain, tonal, CDL, hue, saturation, vibrance; see that module).
//! 4. Then, by the user LUT's [`LutSpace`]:
//!    - **No user LUT**: the **tone mapper** without its clip to `[0, 1]`
//!      ([`ToneMapper::apply_unclipped`]) to **display-linear** Rec.709, then the **sRGB
//!      encode** with the sign kept ([`srgb_encode_signed`], IEC 61966-2-1 inverse EOTF, odd
//!      below 0) to the **sRGB-encoded display** value the texel stores. The value is stored
//!      *unclipped* (the Clamp mapper's graded colour past 1, the negative channels of
//!      saturated colours through ACES fitted or AgX Punchy) and the finish clips to `[0, 1]` after interpolating —
//!      see "Precision".
//!    - [`LutSpace::Display`] (creative "look" LUTs): tone mapper, sRGB encode (display,
//!      clipped to `[0, 1]`), then the user LUT on that sRGB-encoded value, mapped through its
//!      `DOMAIN_MIN`/`DOMAIN_MAX` (outside the domain clamps to its edge) and interpolated
//!      trilinearly; its output is taken as sRGB-encoded display and stored.
//!    - [`LutSpace::SceneLog`]: **instead of the tone mapper**, the user LUT on the graded
//!      colour re-encoded by the shaper (`shaper(grade(x))`, scene-log in `[0, 1]`), through
//!      its domain as above; its output is taken as sRGB-encoded display and stored. This is
//!      the encoding [`export_cube`] writes, so an exported LUT imported this way with the
//!      neutral grade reproduces the exported image.
//!    - A camera log space ([`LutSpace::LogC3`], [`LutSpace::LogC4`], [`LutSpace::SLog3`],
//!      [`LutSpace::AcesCct`]): **instead of the tone mapper**, the graded colour converted to
//!      the camera's gamut and log-encoded ([`CameraLog::encode`]), then the user LUT; its
//!      output is taken as sRGB-encoded display.
//!    - The user LUT is any [`ColourLut`]: its 1D stage, then its 3D stage. The compute kernel
//!      applies a 3D-only LUT in the display or scene_log space itself; every other LUT is
//!      baked on the CPU with [`baked_lattice`] and uploaded ([`UserLut::bakes_on_gpu`]).
//! 5. **The finish** (`shaders/post/finish.wgsl`) shapes the pixel's scene-linear colour to `t`,
//!    samples the LUT (hardware trilinear), adds its dither in that sRGB-encoded domain,
//!    clips to `[0, 1]` and decodes to display-linear once for the `Rgba8UnormSrgb` target,
//!    which encodes it again on store.
//!
//! # The input shaper
//! Scene-linear HDR spans many stops; a 16³..64³ lattice spaced evenly in linear terms would
//! spend nearly all its points on highlights. The LUT is indexed per channel by
//!
//! `t = shaper(x) = log2(1 + x / 2^-10) / log2(1 + 2^6 / 2^-10)`
//!
//! which is a log2 curve above about `2^-10` (even steps in stops up to `2^6 = 64`, where
//! `t = 1`) with a **linear toe** below it (`log2(1 + u) ≈ u / ln 2`), so black is `t = 0`
//! exactly and the darkest lattice points are not lost in a logarithm's infinite tail. The 16
//! stops above the toe get `size − 1` intervals: one stop per interval at 16³, half a stop at
//! 32³, a quarter at 64³. Inputs above 64 clamp to the last lattice point, which every tone
//! mapper here has nearly saturated by then.
//!
//! # Precision: why the texels are sRGB-encoded
//! The 8-bit target quantises in the sRGB-encoded domain, so that is where interpolation error
//! should be even. The worst error, in 10-bit codes (1/1023, sRGB-encoded), with the neutral
//! grade and the Clamp mapper over every 10-bit code `k / 1023` (decoded to linear, shaped,
//! sampled; `tests/integration/grade_bake.rs` measures the chosen row on the GPU through the finish's own
//! sampling and models the others on the CPU, half-float rounding included):
//!
//! | texels hold                                   | 16³  | 32³  | 64³  |
//! |-----------------------------------------------|------|------|------|
//! | display-linear, clipped at 1 (before)         | 71   | 36   | 18   |
//! | sRGB-encoded, clipped at 1                    | 74   | 37   | 19   |
//! | display-linear, Clamp unclipped               | 27   | 6.7  | 1.65 |
//! | **sRGB-encoded, Clamp unclipped (chosen)**    | 11.7 | 2.9  | 0.75 |
//! | shaper-log of display, Clamp unclipped        | 0.43 | 0.61 | 0.66 |
//!
//! The clip at display 1 falls between lattice points (`shaper(1) = 0.6251`), and a kink
//! interpolated across a cell costs up to 18 codes at 64³ whatever the encoding: so the Clamp
//! mapper is stored unclipped and clipped after the sample. The log domain is exact for the
//! identity (only half-float rounding is left), but the identity is not what is shown: on
//! the real tone curves (grey ramp 2^-14..64, 64³, same model) sRGB-encoded texels are off by
//! 0.39 codes for Reinhard, 0.67 for ACES, 1.5 for AgX, against 1.07, 1.26 and 1.19 for the
//! log domain, whose half-float rounding near white (up to `2^-12` in `t`, times
//! `d encode / dt ≈ 4.6`) alone can reach a code. PBR Neutral (5.7) and Hable (2.5) have
//! kinks of their own that no encoding removes; a larger LUT does. The remaining 0.75 codes
//! of the identity at 64³ are the curvature of `srgb_encode ∘ shaper_inverse` between lattice
//! points.
//!
//! The same holds at 0: a saturated colour's dark channel leaves ACES fitted's output matrix
//! (or AgX Punchy's look) below 0, and clipping it there before the bake put
//! the clip on a lattice point, so the interpolated channel rose linearly across the whole
//! next cell where the real one stays at 0 and then rises like a root — up to 10.7 codes at
//! 64³ on the saturated colours of `finish_lut_is_close_to_the_exact_grade`
//! (`tests/integration/grade_export.rs`; WARM_PRODUCT with ACES fitted at cyan 0.5). Every
//! mapper's output is therefore stored unclipped (odd-encoded below 0) and clipped after the
//! sample: 1.46 codes there now.

use std::sync::Arc;

use glam::Vec3;
use serde::{Deserialize, Serialize};
use wgpu::util::DeviceExt;

use super::Tier;
use super::camera_log::CameraLog;
use super::colour_lut::ColourLut;
use super::display::{DisplaySettings, hdr_display_linear, pq_of_display_linear};
use super::grade::{GradeSettings, grade, hue_shift_matrix, white_balance_matrix};
use super::lut::{CubeLut, MAX_SIZE, MIN_SIZE};
use super::tonemap::ToneMapper;
use crate::gpu::Gpu;

/// The shaper's toe offset, `2^-10`: below it the shaper is close to linear, above it log2.
pub const SHAPER_OFFSET: f32 = 1.0 / 1024.0;

/// The brightest scene-linear value the LUT holds (`2^6`), at lattice coordinate 1.
pub const SHAPER_MAX: f32 = 64.0;

/// `log2(1 + SHAPER_MAX / SHAPER_OFFSET) = log2(65537)`, the shaper's normalisation.
pub const SHAPER_RANGE_LOG2: f32 = 16.000_022;

/// The LUT sizes (lattice points per side) the tiers use: [`lut_size_for_tier`].
pub const LUT_SIZES: [u32; 3] = [16, 32, 64];

/// The LUT's texture format: half floats hold the sRGB-encoded result to `2^-12 ≈ 2.4e-4`
/// absolute below 1 (a quarter of a 10-bit step; the shader rounds to nearest itself).
pub const LUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The user LUT's texture format: full floats, so the GPU blends exactly the entries
/// [`CubeLut::sample_trilinear`] blends (at most 65³ · 16 bytes = 4.4 MB, uploaded per bake).
pub const USER_LUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Float;

/// Lattice points per workgroup side, as `@workgroup_size(4, 4, 4)` in the shader: 64
/// invocations, within the downlevel limits, and a divisor of every size in [`LUT_SIZES`].
const WORKGROUP_SIZE: u32 = 4;

/// Bits of the uniform block's `steps` field: which steps of the grade run (the same numbers
/// as `GRADE_STEP_*` in `shaders/post/grade_bake.wgsl`). The CPU decides, with the same
/// neutral-skip rule as [`grade`](super::grade::grade()), so the rule lives in one place.
pub const GRADE_STEP_EXPOSURE: u32 = 1;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_WHITE_BALANCE: u32 = 2;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_CHANNEL_MIXER: u32 = 4;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_CONTRAST: u32 = 8;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_LIFT_GAMMA_GAIN: u32 = 16;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_TONAL: u32 = 32;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_CDL: u32 = 64;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_HUE_SHIFT: u32 = 128;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_SATURATION: u32 = 256;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_VIBRANCE: u32 = 512;

/// Every step bit with its WGSL constant name, for the test that the two files agree.
pub const GRADE_STEPS: [(&str, u32); 10] = [
    ("GRADE_STEP_EXPOSURE", GRADE_STEP_EXPOSURE),
    ("GRADE_STEP_WHITE_BALANCE", GRADE_STEP_WHITE_BALANCE),
    ("GRADE_STEP_CHANNEL_MIXER", GRADE_STEP_CHANNEL_MIXER),
    ("GRADE_STEP_CONTRAST", GRADE_STEP_CONTRAST),
    ("GRADE_STEP_LIFT_GAMMA_GAIN", GRADE_STEP_LIFT_GAMMA_GAIN),
    ("GRADE_STEP_TONAL", GRADE_STEP_TONAL),
    ("GRADE_STEP_CDL", GRADE_STEP_CDL),
    ("GRADE_STEP_HUE_SHIFT", GRADE_STEP_HUE_SHIFT),
    ("GRADE_STEP_SATURATION", GRADE_STEP_SATURATION),
    ("GRADE_STEP_VIBRANCE", GRADE_STEP_VIBRANCE),
];

/// Scene-linear Rec.709 to the LUT's lattice coordinate in `[0, 1]` (see the module
/// documentation): NaN and negatives count as 0, values above [`SHAPER_MAX`] as
/// [`SHAPER_MAX`]. `shaper(0) = 0` exactly. `grade_lut_coordinate` in
/// `shaders/include/grade_lut.wgsl` is the same function per channel.
pub fn shaper(x: f32) -> f32 {
    // `x > 0` is false for NaN, so NaN lands on 0 with the negatives.
    let x = if x > 0.0 { x.min(SHAPER_MAX) } else { 0.0 };
    // x / 2^-10 as x · 1024, which is exact.
    (1.0 + x * (1.0 / SHAPER_OFFSET)).log2() / SHAPER_RANGE_LOG2
}

/// The inverse of [`shaper`]: a lattice coordinate (clamped to `[0, 1]`, NaN as 0) to
/// scene-linear. `shaper_inverse(0) = 0` exactly, `shaper_inverse(1) ≈ 64`. The bake evaluates
/// the grade at `shaper_inverse(i / (size − 1))` for lattice index `i`.
pub fn shaper_inverse(t: f32) -> f32 {
    let t = if t > 0.0 { t.min(1.0) } else { 0.0 };
    SHAPER_OFFSET * ((t * SHAPER_RANGE_LOG2).exp2() - 1.0)
}

/// The grade LUT size for a finish [`Tier`]: Low 16³, Medium 32³, High and Ultra 64³ (64³
/// already keeps the identity within 1/1023; see "Precision" in the module docs). `Off` gives
/// 32³: the finish always runs, since it is what writes the display image, so "off" cannot
/// mean "no LUT"; it means the middle size at no extra cost.
pub fn lut_size_for_tier(tier: Tier) -> u32 {
    match tier {
        Tier::Low => 16,
        Tier::Off | Tier::Medium => 32,
        Tier::High | Tier::Ultra => 64,
    }
}

/// What a user LUT's input is, and so where in the bake it applies (see the module
/// documentation for the whole chain). Spelled as [`LutSpace::NAMES`] in presets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LutSpace {
    /// Input and output are sRGB-encoded display values: the LUT applies after the tone
    /// mapper, to its output clipped to `[0, 1]` and sRGB-encoded (mapped through the LUT's
    /// `DOMAIN_MIN`/`DOMAIN_MAX`). What creative "look" LUTs from grading tools expect.
    #[default]
    Display,
    /// Input is scene-linear Rec.709 encoded by afterlight's log2 shaper ([`shaper`], `[0, 1]`,
    /// then through the LUT's domain); output is sRGB-encoded display. The LUT replaces the
    /// tone mapper. What [`export_cube`] writes.
    SceneLog,
    /// Input is ARRI LogC3 (EI 800) in ARRI Wide Gamut 3 ([`CameraLog::LogC3`]); output is
    /// sRGB-encoded display. The LUT replaces the tone mapper.
    #[serde(rename = "logc3")]
    LogC3,
    /// Input is ARRI LogC4 in ARRI Wide Gamut 4; output sRGB-encoded display, replacing the
    /// tone mapper.
    #[serde(rename = "logc4")]
    LogC4,
    /// Input is Sony S-Log3 in S-Gamut3.Cine; output sRGB-encoded display, replacing the tone
    /// mapper.
    #[serde(rename = "slog3")]
    SLog3,
    /// Input is ACEScct in AP1; output sRGB-encoded display, replacing the tone mapper.
    #[serde(rename = "acescct")]
    AcesCct,
}

impl LutSpace {
    /// Every space with its preset spelling, in the panel's order.
    pub const NAMES: [(LutSpace, &'static str); 6] = [
        (LutSpace::Display, "display"),
        (LutSpace::SceneLog, "scene_log"),
        (LutSpace::LogC3, "logc3"),
        (LutSpace::LogC4, "logc4"),
        (LutSpace::SLog3, "slog3"),
        (LutSpace::AcesCct, "acescct"),
    ];

    /// The preset spelling.
    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(s, _)| *s == self).map_or("display", |(_, n)| n)
    }

    /// Whether a LUT in this space replaces the tone mapper (every space but `display`).
    pub fn replaces_tone_mapper(self) -> bool {
        self != Self::Display
    }

    /// The camera log encoding a LUT in this space expects, if it is one.
    pub fn camera_log(self) -> Option<CameraLog> {
        match self {
            Self::Display | Self::SceneLog => None,
            Self::LogC3 => Some(CameraLog::LogC3),
            Self::LogC4 => Some(CameraLog::LogC4),
            Self::SLog3 => Some(CameraLog::SLog3),
            Self::AcesCct => Some(CameraLog::AcesCct),
        }
    }
}

/// A user LUT (any format [`ColourLut`] reads) and where it applies. The LUT is shared
/// (`Arc`) so settings can be compared and cloned without copying 65³ entries.
#[derive(Clone, Debug)]
pub struct UserLut {
    /// The parsed LUT.
    pub lut: Arc<ColourLut>,
    /// What its input and output are.
    pub space: LutSpace,
}

impl UserLut {
    /// Whether the compute kernel (`shaders/post/grade_bake.wgsl`) applies this LUT itself:
    /// a 3D stage only (no 1D stage) in the `display` or `scene_log` space. Any other LUT is
    /// baked on the CPU with [`baked_lattice`], which applies every stage and space exactly,
    /// and uploaded ([`GradeLut::bake`]).
    pub fn bakes_on_gpu(&self) -> bool {
        self.gpu_kernel_lut().is_some()
    }

    /// The 3D stage and `GradeParams.user_lut_mode` the compute kernel takes (see
    /// [`UserLut::bakes_on_gpu`]).
    fn gpu_kernel_lut(&self) -> Option<(&CubeLut, u32)> {
        let mode = match self.space {
            LutSpace::Display => USER_LUT_DISPLAY,
            LutSpace::SceneLog => USER_LUT_SCENE_LOG,
            _ => return None,
        };
        match (&self.lut.shaper, &self.lut.cube) {
            (None, Some(cube)) => Some((cube, mode)),
            _ => None,
        }
    }
}

impl PartialEq for UserLut {
    /// The same loaded LUT (`Arc::ptr_eq`, not a comparison of 65³ entries) in the same space:
    /// the cheap "did the settings change" test the finish pass rebakes on. Two separately
    /// loaded copies of one file are *not* equal.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.lut, &other.lut) && self.space == other.space
    }
}

/// The sRGB inverse EOTF (IEC 61966-2-1): display-linear to sRGB-encoded, `12.92·x` up to
/// `0.0031308`, `1.055·x^(1/2.4) − 0.055` above, continued as that power curve past 1 (the
/// bake stores such values, [`srgb_encode_signed`]). Negative and NaN input gives 0.
/// `grade_lut_srgb_encode` in `shaders/include/grade_lut.wgsl` is the same function.
pub fn srgb_encode(x: f32) -> f32 {
    if x > 0.003_130_8 {
        1.055 * x.powf(1.0 / 2.4) - 0.055
    } else if x > 0.0 {
        12.92 * x
    } else {
        0.0
    }
}

/// [`srgb_encode`] with the sign kept: `−srgb_encode(−x)` below 0 (odd, and smooth through
/// 0, where both sides have the toe's slope 12.92). What the bake stores for a mapper's
/// unclipped output ([`ToneMapper::apply_unclipped`]); NaN gives 0.
pub fn srgb_encode_signed(x: f32) -> f32 {
    if x < 0.0 { -srgb_encode(-x) } else { srgb_encode(x) }
}

/// The sRGB EOTF (IEC 61966-2-1), the inverse of [`srgb_encode`]: `v / 12.92` up to
/// `0.04045`, `((v + 0.055) / 1.055)^2.4` above (also past 1). Negative and NaN input
/// gives 0. The finish decodes with `srgb_to_linear` in `shaders/include/common.wgsl`.
pub fn srgb_decode(v: f32) -> f32 {
    if v > 0.040_45 {
        ((v + 0.055) / 1.055).powf(2.4)
    } else if v > 0.0 {
        v / 12.92
    } else {
        0.0
    }
}

/// Whether the display shows the graded colour itself: the Clamp mapper without a user LUT.
/// Its stored value continues past 1, and an HDR display shows it up to its headroom with no
/// shoulder ([`hdr_display_linear`]). (Every mapper's output is stored before its clip when
/// there is no user LUT; see [`baked_value`] and "Precision" in the module docs.)
pub fn shows_graded_colour(mapper: ToneMapper, user_lut: Option<&UserLut>) -> bool {
    mapper == ToneMapper::Clamp && user_lut.is_none()
}

/// What the bake stores for one scene-linear Rec.709 colour: the chain of the module
/// documentation on the CPU (the grade, then the tone mapper and sRGB encode and/or the user
/// LUT by its [`LutSpace`], with [`ColourLut::apply`]), the sRGB-encoded display
/// value, each channel within `±65504` (the half-float range). `shaders/post/grade_bake.wgsl`
/// computes the same on the GPU, and [`export_cube`] writes it.
///
/// The settings are used as given (the bake and the export pass them through
/// [`GradeSettings::validated`] first), and so is the user LUT (the bake and the export check
/// it with [`ColourLut::validate`]; an invalid one samples as black or its first entry).
pub fn baked_value(
    settings: &GradeSettings,
    mapper: ToneMapper,
    user_lut: Option<&UserLut>,
    scene_linear: Vec3,
) -> Vec3 {
    let graded = grade(settings, scene_linear);
    let encoded = match user_lut {
        Some(UserLut { lut, space }) => lut.apply(lut_input(*space, mapper, graded)),
        // The mapper's output before its clip to [0, 1] (the Clamp mapper: the grade's output,
        // already in [0, MAX_RADIANCE]), for the finish to clip after interpolating.
        None => mapper.apply_unclipped(graded).map(srgb_encode_signed),
    };
    // Only an invalid hand-built user LUT (which the bake refuses) can give NaN or more.
    encoded.map(|v| if v.is_nan() { 0.0 } else { v.clamp(-65504.0, 65504.0) })
}

/// What a user LUT in `space` is fed for the graded colour `graded` (scene-linear Rec.709):
/// the tone mapper's output sRGB-encoded (`display`), the shaper (`scene_log`) or the camera
/// log encoding with its gamut conversion.
fn lut_input(space: LutSpace, mapper: ToneMapper, graded: Vec3) -> Vec3 {
    match space.camera_log() {
        Some(log) => log.encode(graded),
        None if space == LutSpace::SceneLog => graded.map(shaper),
        None => mapper.apply(graded).map(srgb_encode),
    }
}

/// [`baked_value`] at every point of the bake's `size`³ lattice (`t = i / (size − 1)` in f32,
/// then the shaper's inverse), red fastest, then green, then blue: the `.cube` order and the
/// texel order of the 3D texture. The export and the bake on devices without compute use it.
pub fn baked_lattice(
    settings: &GradeSettings,
    mapper: ToneMapper,
    user_lut: Option<&UserLut>,
    size: u32,
) -> Vec<Vec3> {
    lattice(size, |x| baked_value(settings, mapper, user_lut, x))
}

/// The primaries and secondaries at full saturation (red, green, blue, cyan, magenta, yellow):
/// the hues [`tetrahedral_is_closer`] probes and the LUT round-trip tests judge on.
pub const PRIMARIES_AND_SECONDARIES: [Vec3; 6] = [
    Vec3::X,
    Vec3::Y,
    Vec3::Z,
    Vec3::new(0.0, 1.0, 1.0),
    Vec3::new(1.0, 0.0, 1.0),
    Vec3::new(1.0, 1.0, 0.0),
];

/// Whether tetrahedral interpolation of the `size`³ lattice of [`baked_lattice`] reproduces
/// this grade more closely than trilinear interpolation: the finish's Ultra tier samples
/// tetrahedrally only then (`FinishPass`), so Ultra is never further from the grade than High.
/// Tetrahedral keeps greys on the grey diagonal and follows kinks along the planes where two
/// channels are equal (PBR Neutral's shoulder, a grade's clamps): up to 4x closer there; on
/// curves that are smooth per channel (AgX, Reinhard) trilinear is the closer one (AgX Punchy:
/// 0.47 against 0.65 codes at 64³).
///
/// Judged by the worst error (a tie by the sum of the errors), in the sRGB encoding and clipped
/// as the finish clips, against
/// [`baked_value`] itself on a fixed probe set: 49 greys from 2^-10 to 2^6 and twelve hues
/// (primaries, secondaries and the same at a quarter saturation) over nine stops: a few hundred
/// evaluations of the grade (the probes and their cells' corners), milliseconds on the CPU,
/// once per bake. Settings used as given.
pub fn tetrahedral_is_closer(
    settings: &GradeSettings,
    mapper: ToneMapper,
    user_lut: Option<&UserLut>,
    size: u32,
) -> bool {
    let size = lut_size(size);
    let last = (size - 1) as f32;
    let exact = |x: Vec3| baked_value(settings, mapper, user_lut, x);
    let mut corners = std::collections::HashMap::new();
    let mut corner = |i: glam::UVec3| {
        *corners
            .entry(i.to_array())
            .or_insert_with(|| exact(i.as_vec3().map(|v| shaper_inverse(v / last))))
    };
    let mut probes: Vec<Vec3> =
        (0..=48).map(|i| Vec3::splat((i as f32 / 3.0 - 10.0).exp2())).collect();
    for hue in PRIMARIES_AND_SECONDARIES {
        for stop in -6..=2 {
            let scale = (stop as f32 + 0.5).exp2();
            probes.push(hue * scale);
            probes.push((0.25 + 0.75 * hue) * scale);
        }
    }
    // (worst, sum) of the errors of each interpolation.
    let (mut trilinear, mut tetrahedral) = ((0.0f32, 0.0f32), (0.0f32, 0.0f32));
    for x in probes {
        let p = x.map(shaper) * last;
        let base = p.floor().clamp(Vec3::ZERO, Vec3::splat(last - 1.0));
        let f = p - base;
        let b = base.as_uvec3();
        let c = |dx: u32, dy: u32, dz: u32| glam::UVec3::new(b.x + dx, b.y + dy, b.z + dz);
        // The probe's cell as a 2³ LUT over [0, 1]³ (red fastest, as the lattice), sampled
        // at the probe's place in it by the interpolations the finish's shader mirrors.
        let cell = CubeLut {
            data: (0..8u32).map(|k| corner(c(k & 1, (k >> 1) & 1, k >> 2))).collect(),
            ..CubeLut::identity(2)
        };
        let (tri, tet) = (cell.sample_trilinear(f), cell.sample_tetrahedral(f));
        let want = exact(x).clamp(Vec3::ZERO, Vec3::ONE);
        let error = |v: Vec3| (v.clamp(Vec3::ZERO, Vec3::ONE) - want).abs().max_element();
        let add = |(worst, sum): (f32, f32), e: f32| (worst.max(e), sum + e);
        trilinear = add(trilinear, error(tri));
        tetrahedral = add(tetrahedral, error(tet));
    }
    // The worst error often falls where both agree (a grey on the cell's diagonal, a hue on
    // its edge), so a tie there goes to the smaller error over all the probes, not to
    // rounding.
    if (tetrahedral.0 - trilinear.0).abs() <= WORST_ERROR_TIE {
        tetrahedral.1 < trilinear.1
    } else {
        tetrahedral.0 < trilinear.0
    }
}

/// Worst errors within a hundredth of an 8-bit code count as equal in
/// [`tetrahedral_is_closer`].
const WORST_ERROR_TIE: f32 = 0.01 / 255.0;

/// The finish's LUT for an HDR display at every point of the lattice of [`baked_lattice`]:
/// the PQ code values (BT.2020) of [`hdr_display_linear`] of the SDR value [`baked_value`]
/// stores there (see [`super::display`]).
pub fn hdr_lattice(
    settings: &GradeSettings,
    mapper: ToneMapper,
    user_lut: Option<&UserLut>,
    size: u32,
    display: &DisplaySettings,
) -> Vec<Vec3> {
    let m = display.headroom();
    let clamp = shows_graded_colour(mapper, user_lut);
    lattice(size, |x| {
        let sdr =
            baked_value(settings, mapper, user_lut, x).map(|v| srgb_decode(v.clamp(0.0, 1.0)));
        let relative = hdr_display_linear(sdr, grade(settings, x), clamp, m);
        pq_of_display_linear(relative, display.paper_white_nits)
    })
}

/// `value` of the scene-linear colour at every point of the bake's `size`³ lattice (`t = i /
/// (size − 1)` in f32, then the shaper's inverse), red fastest, then green, then blue.
fn lattice(size: u32, mut value: impl FnMut(Vec3) -> Vec3) -> Vec<Vec3> {
    let axis: Vec<f32> = (0..size).map(|i| shaper_inverse(i as f32 / (size - 1) as f32)).collect();
    let mut data = Vec::with_capacity((size as usize).pow(3));
    for b in &axis {
        for g in &axis {
            for r in &axis {
                data.push(value(Vec3::new(*r, *g, *b)));
            }
        }
    }
    data
}

/// The LUT size a bake uses for a requested `size`: the requested one when it is in
/// [`LUT_SIZES`], otherwise the smallest of them at least as large (so a LUT is never coarser
/// than asked), and 64 for anything above 64. A changed size is logged with `log::warn!`.
pub fn lut_size(requested: u32) -> u32 {
    if LUT_SIZES.contains(&requested) {
        return requested;
    }
    let size = LUT_SIZES.iter().copied().find(|&s| s >= requested).unwrap_or(64);
    log::warn!("grade LUT size {requested} is not one of {LUT_SIZES:?}; using {size}");
    size
}

/// The `steps` bits for `settings`: a step runs unless every control it uses is at its
/// neutral value, exactly the test [`grade`](super::grade::grade()) makes.
pub fn grade_steps(settings: &GradeSettings) -> u32 {
    let s = settings;
    let n = &GradeSettings::NEUTRAL;
    let rules = [
        (GRADE_STEP_EXPOSURE, s.exposure_offset != n.exposure_offset),
        (GRADE_STEP_WHITE_BALANCE, s.temperature != n.temperature || s.tint != n.tint),
        (GRADE_STEP_CHANNEL_MIXER, s.channel_mixer != n.channel_mixer),
        (GRADE_STEP_CONTRAST, s.contrast != n.contrast),
        (GRADE_STEP_LIFT_GAMMA_GAIN, s.lift != n.lift || s.gamma != n.gamma || s.gain != n.gain),
        (
            GRADE_STEP_TONAL,
            s.shadows != n.shadows || s.midtones != n.midtones || s.highlights != n.highlights,
        ),
        (
            GRADE_STEP_CDL,
            s.slope != n.slope
                || s.offset != n.offset
                || s.power != n.power
                || s.cdl_saturation != n.cdl_saturation,
        ),
        (GRADE_STEP_HUE_SHIFT, s.hue_shift != n.hue_shift),
        (GRADE_STEP_SATURATION, s.saturation != n.saturation),
        (GRADE_STEP_VIBRANCE, s.vibrance != n.vibrance),
    ];
    rules.iter().filter(|(_, runs)| *runs).fold(0, |bits, (bit, _)| bits | bit)
}

/// `GradeParams.user_lut_mode`: the same numbers as `GRADE_USER_LUT_*` in
/// `shaders/post/grade_bake.wgsl`.
const USER_LUT_NONE: u32 = 0;
const USER_LUT_DISPLAY: u32 = 1;
const USER_LUT_SCENE_LOG: u32 = 2;

/// The shader's `GradeParams`, laid out as WGSL's uniform rules lay it out (every member a
/// multiple of 16 bytes, scalars in groups of four).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct GradeUniforms {
    /// Columns, padded to vec4 as `mat3x3f` is.
    white_balance: [[f32; 4]; 3],
    /// Columns, padded to vec4.
    hue_shift: [[f32; 4]; 3],
    /// Rows (output channels).
    channel_mixer: [[f32; 4]; 3],
    lift: [f32; 4],
    inverse_gamma: [f32; 4],
    gain: [f32; 4],
    shadows: [f32; 4],
    midtones: [f32; 4],
    highlights: [f32; 4],
    slope: [f32; 4],
    offset: [f32; 4],
    power: [f32; 4],
    /// 2^exposure_offset, contrast, saturation, vibrance.
    scalars: [f32; 4],
    cdl_saturation: f32,
    mapper: u32,
    size: u32,
    steps: u32,
    /// The user LUT's domain, xyz.
    user_lut_min: [f32; 4],
    user_lut_max: [f32; 4],
    user_lut_mode: u32,
    user_lut_size: u32,
    padding: [u32; 2],
}

impl GradeUniforms {
    /// The block for already validated `settings`. Everything the CPU grade derives from the
    /// settings (the matrices, `2^exposure`, `1/gamma`) is computed here with the CPU's own
    /// code, so the shader starts from the CPU's f32 values.
    fn new(
        settings: &GradeSettings,
        mapper: ToneMapper,
        user_lut: Option<&UserLut>,
        size: u32,
    ) -> Self {
        let s = settings;
        let kernel_lut = user_lut.and_then(UserLut::gpu_kernel_lut);
        let (user_lut_mode, user_lut_size, user_lut_min, user_lut_max) = match kernel_lut {
            None => (USER_LUT_NONE, 0, [0.0; 4], [1.0; 4]),
            Some((cube, mode)) => (
                mode,
                cube.size,
                cube.domain_min.extend(0.0).to_array(),
                cube.domain_max.extend(1.0).to_array(),
            ),
        };
        let v4 = |v: Vec3| v.extend(0.0).to_array();
        let columns = |m: glam::Mat3| [v4(m.x_axis), v4(m.y_axis), v4(m.z_axis)];
        Self {
            white_balance: columns(white_balance_matrix(s.temperature, s.tint)),
            hue_shift: columns(hue_shift_matrix(s.hue_shift)),
            channel_mixer: s.channel_mixer.map(v4),
            lift: v4(s.lift),
            inverse_gamma: v4(Vec3::ONE / s.gamma),
            gain: v4(s.gain),
            shadows: v4(s.shadows),
            midtones: v4(s.midtones),
            highlights: v4(s.highlights),
            slope: v4(s.slope),
            offset: v4(s.offset),
            power: v4(s.power),
            scalars: [s.exposure_offset.exp2(), s.contrast, s.saturation, s.vibrance],
            cdl_saturation: s.cdl_saturation,
            mapper: mapper.gpu_id(),
            size,
            steps: grade_steps(s),
            user_lut_min,
            user_lut_max,
            user_lut_mode,
            user_lut_size,
            padding: [0; 2],
        }
    }
}

/// The sampler the finish pass (and [`sample_lut`]) samples the grade LUT with: trilinear
/// filtering, clamped to the edge texels, so lattice point `i` is exact at texel centre
/// `(i + 0.5) / size` (`grade_lut_uvw`).
pub fn lut_sampler(device: &wgpu::Device) -> wgpu::Sampler {
    crate::draw::bindings::linear_sampler(device, "grade_lut")
}

/// The grade bake's pipeline and layout, built once; [`GradeLut::bake`] then runs it for each
/// change of settings.
pub struct GradeLut {
    /// The compute bake, on devices with compute shaders and storage textures; without them
    /// (GLES 3.0, WebGL2) the lattice is computed on the CPU ([`baked_lattice`], the reference
    /// the compute bake is tested against) and uploaded.
    compute: Option<ComputeBake>,
}

/// The compute bake's pipeline.
struct ComputeBake {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    /// Bound as the user LUT when there is none (the shader does not read it then).
    no_user_lut: wgpu::TextureView,
}

impl GradeLut {
    /// Builds the compute pipeline of `shaders/post/grade_bake.wgsl` where [`GradeLut::bakes_on_gpu_with`]
    /// says so. Fails only if the shader does not load or validate.
    pub fn new(device: &wgpu::Device) -> Result<Self, crate::Error> {
        let capabilities = crate::gpu::Capabilities::of(device);
        let compute = match Self::bakes_on_gpu_with(&capabilities) {
            true => Some(ComputeBake::new(device)?),
            false => None,
        };
        Ok(Self { compute })
    }

    /// Whether a device with `capabilities` bakes by compute: only at the full level. A
    /// downlevel device bakes on the CPU: it may lack compute or storage, and wgpu's GL backend
    /// binds one slice of a 3D storage texture only, so a compute bake there would fill the
    /// first slice of the LUT and leave the rest black.
    pub fn bakes_on_gpu_with(capabilities: &crate::gpu::Capabilities) -> bool {
        capabilities.level() == crate::gpu::Level::Full
    }

    /// Whether the bake runs on the GPU (compute) rather than on the CPU.
    pub fn bakes_on_gpu(&self) -> bool {
        self.compute.is_some()
    }
}

impl ComputeBake {
    fn new(device: &wgpu::Device) -> Result<Self, crate::Error> {
        let module = crate::shaders::create_module(device, "grade_bake")?;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("grade_bake"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(
                            std::mem::size_of::<GradeUniforms>() as u64,
                        ),
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::StorageTexture {
                        access: wgpu::StorageTextureAccess::WriteOnly,
                        format: LUT_FORMAT,
                        view_dimension: wgpu::TextureViewDimension::D3,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D3,
                        multisampled: false,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("grade_bake"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("grade_bake"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("cs_main"),
            compilation_options: Default::default(),
            cache: None,
        });
        let no_user_lut = user_lut_texture(device, 1).create_view(&Default::default());
        Ok(Self { layout, pipeline, no_user_lut })
    }
}

impl GradeLut {
    /// Bakes [`baked_value`] into a new `size`³ [`LUT_FORMAT`] 3D texture (see the module
    /// documentation for the lattice and the colour spaces): the grade, then the tone mapper
    /// and/or `user_lut` by its [`LutSpace`], sRGB-encoded display out. `settings` go through
    /// [`GradeSettings::validated`] first (out-of-range values are clamped with a warning);
    /// `size` through [`lut_size`]. A `user_lut` that fails [`ColourLut::validate`] (only
    /// possible for one built by hand) is an [`InvalidArgument`](crate::Error::InvalidArgument)
    /// error. A user LUT the compute kernel does not apply itself ([`UserLut::bakes_on_gpu`])
    /// is baked on the CPU and uploaded, as on devices without compute. The work is submitted, not waited for: the texture is ready for any later
    /// submission on the same queue. Its usages are storage (the bake), texture binding (the
    /// finish pass samples it) and copy source (readback).
    pub fn bake(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        settings: &GradeSettings,
        mapper: ToneMapper,
        user_lut: Option<&UserLut>,
        size: u32,
    ) -> Result<wgpu::Texture, crate::Error> {
        let size = checked_size(user_lut, size)?;
        let cpu_only = user_lut.is_some_and(|user| !user.bakes_on_gpu());
        let Some(bake) = self.compute.as_ref().filter(|_| !cpu_only) else {
            let lattice = baked_lattice(&settings.validated(), mapper, user_lut, size);
            return upload_lattice(device, queue, &lattice, size);
        };
        let uniforms = GradeUniforms::new(&settings.validated(), mapper, user_lut, size);
        let texture = crate::gpu::checked(device, "grade LUT bake", || {
            let user_view = user_lut.and_then(UserLut::gpu_kernel_lut).map(|(cube, _)| {
                let texture = user_lut_texture(device, cube.size);
                let texels: Vec<[f32; 4]> =
                    cube.data.iter().map(|v| v.extend(1.0).to_array()).collect();
                write_cube(queue, &texture, bytemuck::cast_slice(&texels));
                texture.create_view(&Default::default())
            });
            let texture = lut_texture(device, size, wgpu::TextureUsages::STORAGE_BINDING);
            let view = texture.create_view(&Default::default());
            let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("grade_bake.uniforms"),
                contents: bytemuck::bytes_of(&uniforms),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("grade_bake"),
                layout: &bake.layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: buffer.as_entire_binding() },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::TextureView(&view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::TextureView(
                            user_view.as_ref().unwrap_or(&bake.no_user_lut),
                        ),
                    },
                ],
            });
            let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("grade_bake"),
            });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("grade_bake"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&bake.pipeline);
                pass.set_bind_group(0, &bind_group, &[]);
                let groups = size.div_ceil(WORKGROUP_SIZE);
                pass.dispatch_workgroups(groups, groups, groups);
            }
            queue.submit([encoder.finish()]);
            texture
        })?;
        Ok(texture)
    }

    /// [`GradeLut::bake`] for an HDR display: the PQ lattice of [`hdr_lattice`], computed on
    /// the CPU and uploaded (the compute kernel writes SDR values only). The same checks of
    /// `user_lut` and `size`.
    #[allow(clippy::too_many_arguments)]
    pub fn bake_hdr(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        settings: &GradeSettings,
        mapper: ToneMapper,
        user_lut: Option<&UserLut>,
        size: u32,
        display: &DisplaySettings,
    ) -> Result<wgpu::Texture, crate::Error> {
        let size = checked_size(user_lut, size)?;
        let lattice = hdr_lattice(&settings.validated(), mapper, user_lut, size, display);
        upload_lattice(device, queue, &lattice, size)
    }
}

/// The baked grade LUT's `size`³ [`LUT_FORMAT`] 3D texture: sampled by the finish, read back
/// by tests and exports, and written as `written` says (stored by the compute bake, copied
/// into from the CPU lattice).
fn lut_texture(device: &wgpu::Device, size: u32, written: wgpu::TextureUsages) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some("grade_lut"),
        size: wgpu::Extent3d { width: size, height: size, depth_or_array_layers: size },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D3,
        format: LUT_FORMAT,
        usage: written | wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    })
}

/// The LUT size a bake of `size` uses ([`lut_size`]), after refusing a `user_lut` that fails
/// [`CubeLut::validate`] (only possible for one built by hand).
fn checked_size(user_lut: Option<&UserLut>, size: u32) -> Result<u32, crate::Error> {
    if let Some(user) = user_lut {
        user.lut.validate().map_err(|e| crate::Error::InvalidArgument(format!("user LUT: {e}")))?;
    }
    Ok(lut_size(size))
}

/// A `size`³ [`LUT_FORMAT`] 3D texture holding `lattice` (from [`baked_lattice`] or
/// [`hdr_lattice`]), alpha 1: the bake on the CPU.
fn upload_lattice(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    lattice: &[Vec3],
    size: u32,
) -> Result<wgpu::Texture, crate::Error> {
    crate::gpu::checked(device, "grade LUT bake", || {
        let texture = lut_texture(device, size, wgpu::TextureUsages::COPY_DST);
        let halves: Vec<u16> = lattice
            .iter()
            .flat_map(|v| [v.x, v.y, v.z, 1.0])
            .map(|x| half::f16::from_f32(x).to_bits())
            .collect();
        write_cube(queue, &texture, bytemuck::cast_slice(&halves));
        texture
    })
    .map_err(Into::into)
}

/// Upload `bytes`, every texel of the cube texture `texture` (`size`³, rows of `size` texels,
/// `size` rows per slice), tightly packed in its format.
fn write_cube(queue: &wgpu::Queue, texture: &wgpu::Texture, bytes: &[u8]) {
    let size = texture.width();
    let row = bytes.len() as u32 / (size * size);
    queue.write_texture(
        texture.as_image_copy(),
        bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(row),
            rows_per_image: Some(size),
        },
        texture.size(),
    );
}

/// An `n`³ [`USER_LUT_FORMAT`] texture for a user LUT's entries (x = red, y = green, z = blue
/// index, the `.cube` file order).
fn user_lut_texture(device: &wgpu::Device, n: u32) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some("grade_bake.user_lut"),
        size: wgpu::Extent3d { width: n, height: n, depth_or_array_layers: n },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D3,
        format: USER_LUT_FORMAT,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

/// Test probe: samples a baked grade LUT at each scene-linear colour of `inputs` exactly as
/// the finish pass does (`grade_lut_sample_encoded` with [`lut_sampler`], in
/// `shaders/post/grade_lut_probe.wgsl`) and returns the unclipped sRGB-encoded results. Blocks
/// until the GPU is done; for tests, not for a frame loop. At most `64 · 65535` inputs.
#[doc(hidden)]
pub fn sample_lut(
    gpu: &Gpu,
    lut: &wgpu::Texture,
    inputs: &[Vec3],
) -> Result<Vec<Vec3>, crate::Error> {
    probe_lut(gpu, lut, inputs, false)
}

/// [`sample_lut`] as the finish's Ultra tier samples: tetrahedral interpolation
/// (`grade_lut_sample_tetrahedral`), to compare with [`CubeLut::sample_tetrahedral`].
#[doc(hidden)]
pub fn sample_lut_tetrahedral(
    gpu: &Gpu,
    lut: &wgpu::Texture,
    inputs: &[Vec3],
) -> Result<Vec<Vec3>, crate::Error> {
    probe_lut(gpu, lut, inputs, true)
}

fn probe_lut(
    gpu: &Gpu,
    lut: &wgpu::Texture,
    inputs: &[Vec3],
    tetrahedral: bool,
) -> Result<Vec<Vec3>, crate::Error> {
    const GROUP: usize = 64;
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    if inputs.len() > GROUP * 65535 {
        return Err(crate::Error::InvalidArgument(format!(
            "sample_lut: {} inputs, at most {}",
            inputs.len(),
            GROUP * 65535
        )));
    }
    let device = &gpu.device;
    let module = crate::shaders::create_module(device, "grade_lut_probe")?;
    let bytes = (inputs.len() * 16) as u64;
    let result = gpu.checked("grade LUT probe", || {
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("grade_lut_probe"),
            layout: None,
            module: &module,
            entry_point: Some("cs_main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &[("TETRAHEDRAL", if tetrahedral { 1.0 } else { 0.0 })],
                ..Default::default()
            },
            cache: None,
        });
        let texels: Vec<[f32; 4]> = inputs.iter().map(|v| v.extend(0.0).to_array()).collect();
        let input = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("grade_lut_probe.inputs"),
            contents: bytemuck::cast_slice(&texels),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let output = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("grade_lut_probe.outputs"),
            size: bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("grade_lut_probe.readback"),
            size: bytes,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let sampler = lut_sampler(device);
        let view = lut.create_view(&Default::default());
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("grade_lut_probe"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&sampler),
                },
                wgpu::BindGroupEntry { binding: 2, resource: input.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 3, resource: output.as_entire_binding() },
            ],
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(inputs.len().div_ceil(GROUP) as u32, 1, 1);
        }
        encoder.copy_buffer_to_buffer(&output, 0, &readback, 0, bytes);
        gpu.queue.submit([encoder.finish()]);
        readback
    })?;
    let slice = result.slice(..);
    let (sender, receiver) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = sender.send(r);
    });
    let failed = |e: String| crate::Error::from(crate::gpu::GpuError::Readback(e));
    device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| failed(e.to_string()))?;
    receiver.recv().map_err(|e| failed(e.to_string()))?.map_err(|e| failed(e.to_string()))?;
    let mapped = slice.get_mapped_range().map_err(|e| failed(e.to_string()))?;
    let values: Vec<Vec3> = bytemuck::cast_slice::<u8, [f32; 4]>(&mapped)
        .iter()
        .map(|v| Vec3::new(v[0], v[1], v[2]))
        .collect();
    drop(mapped);
    result.unmap();
    Ok(values)
}

/// The whole colour pipeline of a bake (grade, tone mapper, user LUT) as a `size`³ `.cube` 3D
/// LUT other tools can read, computed on the CPU with [`baked_value`] (which the tests show
/// matches the GPU bake).
///
/// - **Input**: afterlight's shaper of scene-linear Rec.709, `t = log2(1 + 1024·x) /
///   SHAPER_RANGE_LOG2` per channel, `DOMAIN_MIN 0 0 0` / `DOMAIN_MAX 1 1 1` (the default,
///   so not written). Lattice point `i` is `t = i / (size − 1)`, exactly the bake's lattice,
///   so a LUT exported at the bake's size and imported as [`LutSpace::SceneLog`] with the
///   neutral grade gives the same texels (to half-float rounding).
/// - **Output**: sRGB-encoded display (Rec.709 primaries, D65). Without a user LUT the values
///   are the tone mapper's output before its clip (past 1 for the Clamp mapper, below 0 for
///   saturated colours through ACES fitted); clip after interpolating.
/// - `TITLE` and `#` comment lines say all of that, with the shaper's constants and how to
///   express it in OCIO.
///
/// `grade` goes through [`GradeSettings::validated`]; `size` is clamped into `2..=65` with a
/// warning (17, 33 and 65 are what most tools write; 16/32/64 match the tiers' bakes). A
/// `user_lut` that fails [`ColourLut::validate`] (only one built by hand can) is left out with a
/// warning.
pub fn export_cube(
    grade: &GradeSettings,
    tone_mapper: ToneMapper,
    user_lut: Option<&UserLut>,
    size: u32,
) -> CubeLut {
    let settings = grade.validated();
    let user_lut = user_lut.filter(|user| match user.lut.validate() {
        Ok(()) => true,
        Err(e) => {
            log::warn!("export_cube: leaving out the user LUT: {e}");
            false
        }
    });
    let requested = size;
    let size = requested.clamp(MIN_SIZE, MAX_SIZE);
    if size != requested {
        log::warn!(
            "export_cube: size {requested} is outside {MIN_SIZE}..={MAX_SIZE}; using {size}"
        );
    }
    let data = baked_lattice(&settings, tone_mapper, user_lut, size);
    let lut_note = match user_lut {
        None => String::new(),
        Some(user) => format!(
            " + {} user LUT{}",
            user.space.name(),
            user.lut.title.as_ref().map(|t| format!(" \"{t}\"")).unwrap_or_default()
        ),
    };
    // The f32 constant the shader divides by, to enough digits to be that f32 exactly.
    let range = f64::from(SHAPER_RANGE_LOG2);
    let slope = 1.0 / range;
    let comments = vec![
        format!("afterlight {} grade export.", env!("CARGO_PKG_VERSION")),
        format!(
            "Pipeline: grade -> {}{lut_note}, baked at {size}^3.",
            match user_lut {
                Some(user) if user.space.replaces_tone_mapper() => "(no tone mapper)".to_owned(),
                _ => format!("tone mapper {tone_mapper}"),
            }
        ),
        String::new(),
        "INPUT: scene-linear Rec.709 (D65) x per channel, encoded by afterlight's log2 shaper:"
            .into(),
        format!("  t = log2(1 + x * 1024) / {range:.9}  (x clamped to [0, 64]; t = 1 at x = 64)"),
        format!("  x = (2^(t * {range:.9}) - 1) / 1024"),
        format!(
            "  where 1024 = 1 / 2^-10 (the linear toe) and {range:.9} is log2(1 + 64 * 1024) \
             = 16.000022 as an f32."
        ),
        "  Lattice point i of each axis is t = i / (LUT_3D_SIZE - 1); DOMAIN 0 0 0 .. 1 1 1."
            .into(),
        "  In OCIO v2, apply in the forward direction before this file:".into(),
        format!(
            "    - !<LogAffineTransform> {{base: 2, lin_side_slope: 1024, lin_side_offset: 1, \
             log_side_slope: {slope:.12}, log_side_offset: 0}}"
        ),
        "    - !<FileTransform> {src: this_file.cube, interpolation: linear}".into(),
        format!("  (log_side_slope = 1 / {range:.9}; the LUT clamps t outside [0, 1].)"),
        String::new(),
        "OUTPUT: display, sRGB-encoded (IEC 61966-2-1 inverse EOTF), Rec.709 primaries, D65,"
            .into(),
        "  [0, 1] = black .. white. Values outside [0, 1] are the tone mapper's output before"
            .into(),
        "  its clip (below 0: dark channels of saturated colours; above 1: the clamp mapper's"
            .into(),
        "  highlights): clip to [0, 1] after interpolating. Interpolation: trilinear.".into(),
    ];
    CubeLut {
        title: Some(format!("afterlight grade ({tone_mapper}{lut_note})")),
        comments,
        size,
        domain_min: Vec3::ZERO,
        domain_max: Vec3::ONE,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_names_are_the_serde_names_and_the_panel_choices() {
        use super::super::schema::Control;
        let Some(Control::Choice(choices)) = super::super::lut::LUT_SETTINGS
            .iter()
            .find(|s| s.key == "lut.space")
            .map(|s| s.control)
        else {
            panic!("lut.space is a choice")
        };
        assert_eq!(choices.to_vec(), LutSpace::NAMES.map(|(_, n)| n).to_vec());
        for (space, name) in LutSpace::NAMES {
            assert_eq!(serde_json::to_string(&space).unwrap(), format!("\"{name}\""));
            assert_eq!(space.name(), name);
        }
    }

    #[test]
    fn range_log2_is_log2_of_65537() {
        let exact = (1.0 + f64::from(SHAPER_MAX) / f64::from(SHAPER_OFFSET)).log2();
        assert!((f64::from(SHAPER_RANGE_LOG2) - exact).abs() < 1e-6, "{exact}");
    }

    #[test]
    fn uniform_block_is_the_wgsl_size() {
        // 3 mat3x3f (48 bytes each) + 10 vec4f + 4 scalars + 2 vec4f + 4 scalars.
        assert_eq!(std::mem::size_of::<GradeUniforms>(), 3 * 48 + 10 * 16 + 16 + 32 + 16);
    }

    #[test]
    fn tier_sizes() {
        let sizes = Tier::ALL.map(lut_size_for_tier);
        assert_eq!(sizes, [32, 16, 32, 64, 64]);
        assert!(sizes.iter().all(|s| LUT_SIZES.contains(s)));
    }

    #[test]
    fn the_signed_encode_is_odd_and_smooth_through_zero() {
        for i in 0..=1000 {
            let x = i as f32 / 500.0;
            assert_eq!(srgb_encode_signed(x), srgb_encode(x));
            assert_eq!(srgb_encode_signed(-x), -srgb_encode(x));
        }
        // The toe's slope on both sides of 0.
        let h = 1e-4;
        let slope = (srgb_encode_signed(h) - srgb_encode_signed(-h)) / (2.0 * h);
        assert!((slope - 12.92).abs() < 1e-3, "{slope}");
        assert_eq!(srgb_encode_signed(f32::NAN), 0.0);
    }

    #[test]
    fn the_bake_stores_the_mappers_output_unclipped() {
        // A saturated cyan through ACES fitted: the red output lies below 0 before the clip.
        let cyan = Vec3::new(0.0, 0.45, 0.45);
        let graded = grade(&GradeSettings::NEUTRAL, cyan);
        let unclipped = ToneMapper::AcesFitted.apply_unclipped(graded);
        assert!(unclipped.x < 0.0, "{unclipped}");
        let stored = baked_value(&GradeSettings::NEUTRAL, ToneMapper::AcesFitted, None, cyan);
        assert!(stored.x < 0.0, "{stored}");
        // Clipped as the finish clips, it is the clipped mapper's encoded value.
        let shown = stored.clamp(Vec3::ZERO, Vec3::ONE);
        let expected = ToneMapper::AcesFitted.apply(graded).map(srgb_encode);
        assert!((shown - expected).abs().max_element() < 1e-6, "{shown} {expected}");
    }

    #[test]
    fn srgb_encode_and_decode_are_inverse() {
        assert_eq!(srgb_encode(0.0), 0.0);
        assert_eq!(srgb_encode(f32::NAN), 0.0);
        assert_eq!(srgb_decode(-1.0), 0.0);
        assert!((srgb_encode(1.0) - 1.0).abs() < 1e-6);
        assert!((srgb_encode(0.18) - 0.461_356).abs() < 1e-5);
        for i in 0..=2000 {
            let v = i as f32 / 1000.0;
            assert!((srgb_encode(srgb_decode(v)) - v).abs() < 2e-6, "{v}");
        }
    }
}

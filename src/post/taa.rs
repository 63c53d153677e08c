//! Temporal anti-aliasing (`shaders/post/taa.wgsl`): every frame is rasterised at a sub-pixel
//! offset ([`jitter`], Halton 2,3) and each output pixel blends this frame's sample with its
//! own history, reprojected by the motion vectors, so over a few frames every pixel integrates
//! many sample positions: edges get intermediate coverage and shimmering settles.
//!
//! Follows Karis, "High Quality Temporal Supersampling" (SIGGRAPH 2014: the closest-depth
//! motion vector of a cross of five, a Blackman-Harris reconstruction filter for the jittered
//! samples, the AABB clamp; not its tone-mapped resolve, see the tiers); Salvi,
//! "An Excursion in Temporal Supersampling" (GDC 2016: variance clipping, mean ± γσ in YCoCg);
//! Pedersen, "Temporal Reprojection Anti-Aliasing in INSIDE" (GDC 2016: clipping towards the
//! box centre rather than clamping per channel, velocity-difference rejection); Jimenez,
//! "Filmic SMAA" (SIGGRAPH 2016: Catmull-Rom history sampling without the corner texels). The
//! sky's camera reprojection and the motion-edge weighting are this pass's own (measured by
//! [`crate::quality::antialiasing`] and `tests/integration/{taa,antialiasing}.rs`).
//!
//! **Reads** this frame's HDR colour (pre-exposed scene-linear; alpha is coverage), reverse-Z
//! depth and motion vectors (uv now minus uv last frame, without the jitter), all at the input
//! (render) size; the camera's reprojection ([`TaaFrame::reprojection`]: last frame's clip
//! space from this frame's unjittered NDC, uploaded as the 3x3 that takes this frame's uv of
//! a direction to last frame's, [`sky_reprojection`]), which moves the sky; and its own history
//! at the output size. **Writes** the resolved HDR image (Rgba16Float at the output size, alpha
//! kept), which is also next frame's history, and an aux target (depth and motion of the
//! surface each output pixel reprojected with) for next frame's
//! disocclusion test. Both are ping-pong pairs owned by [`TaaPass`]: 16 bytes per output
//! pixel, twice ([`TaaPass::memory`]). The compute variant ([`TaaPass::dispatch`],
//! [`super::variant`]) runs the same per-pixel resolve from `cs_main`, storing both targets.
//!
//! # The resolve, per output pixel
//! 1. Find the input sample nearest the pixel centre (sample `p` lies at `p + 0.5 − jitter`
//!    in input pixels; at the same size it is the pixel's own) and read the 3x3 around it
//!    through a NEAREST sampler (clamped at the edges).
//! 2. The current value: the nearest sample (averaged over the jitter sequence it integrates
//!    the pixel's footprint, the box filter the supersampled reference applies), moving, as
//!    far as the history is rejected (step 5), to the 3x3 weighted by `exp(−2.29 d²)` (Karis'
//!    fit of Blackman-Harris; `d` in output pixels from the pixel centre), which un-jitters it
//!    and stands in for the average a rejected pixel lacks. At the same size the weights
//!    depend on the jitter only and are computed here once a frame ([`frame_filter`]); when
//!    upsampling, per pixel, as a separable product (six `exp` rather than nine). Using the
//!    reconstruction always (as Karis does) blurred the converged image (static PSNR −0.9 dB
//!    at high) and left more error where an object uncovered the background.
//! 3. Reproject: `uv − motion` with the motion of the closest (largest reverse-Z) of the
//!    centre and the four diagonal taps, at every tier (with the nearest sample's own motion,
//!    low left a trail of the moving object's colour wherever its 3x3 clamp still reached the
//!    object; the whole 3x3 measured no closer). The sky (depth 0, where no geometry wrote
//!    motion) takes the camera's motion instead, computed once per pixel: its uv carried
//!    through [`TaaFrame::reprojection`] as a point at infinity (zero without one, or without
//!    depth). Sample the history bilinearly (low) or Catmull-Rom (medium+: the 4x4 without its
//!    corners, twelve texels, weighed in the shader); a non-finite
//!    history sample is discarded.
//! 4. Constrain the history to the neighbourhood ([`TaaClip`]): clamp to the min/max box in
//!    RGB (low); clip towards the centre of the min/max box in YCoCg (medium); from high up,
//!    where the pixel moves (0–0.5 pixels a frame), shrink that box to the variance box
//!    (mean ± γσ, Salvi) unless `clip = "aabb"`: tighter, so less ghosting, while a still
//!    pixel keeps the wider box that lets its converged edge through. A channel the
//!    neighbourhood does not vary in still allows the history the half float's rounding
//!    (before, a flat colour pulled the history to the box centre by its last bit: the
//!    converged error at medium fell from 0.46 to 0.32 of no AA's in the disc test).
//! 5. Weigh the current frame by `blend`, going to 1 where the history is off screen or
//!    non-finite, after a reset, and (every tier: one aux read) where last frame's depth
//!    there differs by more than 2–10% (disocclusion) or its motion differs by 0.5–2 pixels (a
//!    moving object just uncovered the background). It rises by up to 0.6 where the pixel's
//!    own sample moves 0.25–1 pixel differently from the closest sample it reprojected with:
//!    background beside a moving object's edge, which the dilation gives the object's motion
//!    and so the object's dragged history (the depth test misses it where the object rests on
//!    the surface behind it). At ultra, after a rejection the weight starts at 1/4 and falls
//!    to `blend` over the next frames (frames of history are counted in the aux target's w).
//!    When upsampling the weight is also scaled by `exp(−2.29 d²)` of the nearest sample, so
//!    an output pixel takes the current frame only as far as a sample actually landed near it.
//! 6. The output is sanitised (colour 0..65504, alpha 0..1; where the blend is not finite,
//!    the history instead), so nothing broken reaches the history: a pixel whose 3x3 holds a
//!    NaN or infinite texel shows its history for that frame (black without one). (Sanitising
//!    each of the nine taps instead, as before, cost a quarter of the pass on lavapipe.)
//!
//! # History resets
//! The output is the current frame and the history restarts when [`TaaPass::reset_history`]
//! was called (camera cuts, new scene: the renderer's `reset_history`), on the first frame,
//! when the output size changes, when the frame says `camera_cut` (see [`is_camera_cut`]: the
//! renderer flags large jumps itself) and after frames where TAA was off.
//!
//! # Tiers
//! Each tier up is at least as close to the supersampled reference as the one below on the
//! quality scene (`afterlight quality`, 128x128: static PSNR not lower, ghosting and flicker
//! not higher; `tests/integration/antialiasing.rs` holds it) and costs at least as much (ultra
//! adds one `max` and one divide to high). Measured with the default settings (64-sample
//! reference, each run from the start of its jitter sequence, static error pooled over a
//! whole jitter cycle; costs: fragment, ms per frame of the pass alone at 640x360 on lavapipe
//! with one thread, the fastest tenth of 150 frames, `taa::cost_per_tier_on_a_software_gpu`,
//! session 18's machine, means of two runs):
//!
//! | tier     | current frame            | history                 | constraint                 | rejection, weighting                        | static PSNR, ghosting, flicker | cost |
//! |----------|--------------------------|-------------------------|----------------------------|---------------------------------------------|------|------|
//! | `Off`    | –                        | –                       | –                          | pass skipped, history dropped               | – | 0 |
//! | `Low`    | nearest; 3x3 Blackman-Harris where rejected | bilinear | 3x3 min/max clamp in RGB | closest-depth motion; depth and motion disocclusion, motion-edge weighting; linear blend | 42.27 dB, 0.0148, 0.0036 | 14.2 |
//! | `Medium` | as low                   | Catmull-Rom (12 texels) | clip towards the min/max box's centre in YCoCg | as low                | 42.28 dB, 0.0148, 0.0029 | 17.7 |
//! | `High`   | as low                   | Catmull-Rom (12 texels) | as medium; where moving, the variance box ([`TaaClip`]) | as low         | 42.28 dB, 0.0140, 0.0029 | 18.7 |
//! | `Ultra`  | as low                   | as high                 | as high                    | as high; faster convergence after a rejection; a 16-frame jitter sequence ([`TaaSettings::sequence_length`]) | 44.19 dB, 0.0139, 0.0029 | 18.7 |
//!
//! Before (one shader branching on the tier), high and ultra ended further from the reference
//! than low (39.95 and 40.38 dB against 42.35 dB): their resolve in Karis' tone-mapped space
//! (`c / (1 + max c)`, which keeps highlights from flickering) averages the jitter sequence in
//! that space, 1–2 dB away from the reference's average in linear light, and their confidence
//! term (more of the current frame where the history was clipped) let the jitter through; the
//! flicker measure showed no gain from either. Both are gone. The scores themselves had also
//! depended on where in the jitter sequence each run started and ended (up to 1.2 dB between
//! runs of one shader); the quality measure now starts every run at the sequence's start and
//! pools the static error over a whole cycle ([`crate::quality::antialiasing`]).
//!
//! # Specialised pipelines
//! Everything the settings decide is a WGSL `override` constant of `shaders/post/taa.wgsl`,
//! fixed when the pipeline is built: `TIER` (what the tier turns on follows from it in the
//! shader), `CLIP_AABB` (high up) and `UPSAMPLE` (input smaller than output). One pipeline per
//! [`TaaKey`] and variant, cached; [`TaaPass::prepare`] (called by the chain before each
//! frame) builds the frame's key ahead and, unless the key just changed (a step frame, which
//! compiles nothing: [`BuildAhead`]), the neighbouring tiers' and the other upsampling state's
//! ([`TaaKey::ahead`]), so a governor step
//! never compiles during a frame. No branch or loop bound reads a uniform: Mesa 22's lavapipe
//! recompiled and leaked the whole shader on every bind that had one (`docs/memory-growth.md`),
//! which was also a quarter of the pass's time there. Per-frame values (sizes, jitter, blend,
//! γ, reset, the reprojection, whether depth and a reprojection exist) stay uniforms and enter
//! arithmetic and `select` only.
//!
//! The compute variant reads the 10x10 input texels around its 8x8 workgroup into workgroup
//! memory once (without upsampling), instead of nine reads per pixel. On lavapipe that is
//! slower than reading them directly (its texture reads are cheap next to its barriers), but
//! lavapipe runs the fragment variant by default ([`super::variant`]).
//!
//! The fragment variant at the output's size shares the 3x3's reads within each 2x2 quad
//! (`QUAD_SHARE`): a pixel reads its four diagonal texels and its centre, and takes its four
//! edge texels from its quad partners' diagonal reads through fine derivatives
//! (`dpdxFine`/`dpdyFine` of the value, added back), five colour reads instead of nine. The
//! exchange is exact where the two texels lie within a factor 2 of each other and otherwise off
//! by an f32 rounding of the larger (2^-24 of it, far below the half-float input); the centre,
//! which a trusted history takes as it is, is always read. On lavapipe (one thread, the cost
//! probe) the pass fell from 24.0 to 22.8 ms. Off on wgpu's GL backend, where GLSL ES has only
//! `dFdx`, which a driver may compute per quad rather than per row.
//!
//! Every entry point finds the closest surface (the depths) and the reprojection (the motion
//! it follows, the motion-edge weight, the resampled history and the aux target:
//! `reproject`) before it reads the colour neighbourhood. On lavapipe each
//! texture read is a call to a JIT-compiled fetch function, across which every live vector
//! register is spilled (a `perf` profile of the pass: 57 % of its time in those functions,
//! the Catmull-Rom's twelve 21 %), so what stays live across the reads costs: the pass fell
//! from 20.3 to 19.1 ms (cost probe, one thread, high; [`sky_reprojection`]'s single divide is
//! part of it).

use glam::{Mat4, Vec2, Vec4};
use serde::{Deserialize, Serialize};

use super::contract::{Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::schema::{Control, Setting, TIERS, float, setting};
use super::traffic::{FrameTargets, PassTraffic, texel_bytes};
use super::variant::ComputeKernel;
use super::{Tier, clamp_setting};
use crate::draw::gbuffer_formats;
use crate::draw::specialise::{BuildAhead, Constants, Specialised};
use crate::draw::{Target, bindings, fullscreen};
use crate::shaders::ShaderError;

/// How the reprojected history is kept near the current frame's neighbourhood.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaaClip {
    /// Clip towards the centre of the neighbourhood's mean ± γ·σ box in YCoCg (Salvi 2016)
    /// where the pixel moves, of the min/max box where it is still (high and ultra).
    #[default]
    Variance,
    /// Clip towards the centre of the neighbourhood's min/max box in YCoCg (Karis 2014).
    Aabb,
}

/// TAA's knobs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaaSettings {
    /// Quality (see the pass's tier table). Default [`Tier::High`] when a preset names `[taa]`;
    /// the chain's default is off.
    pub tier: Tier,
    /// Length of the Halton(2,3) jitter sequence: 8 or 16, default 8.
    pub jitter_length: u32,
    /// From high up, variance clipping where the pixel moves or the min/max box always (lower
    /// tiers use the min/max box). Default variance.
    pub clip: TaaClip,
    /// Width of the variance box in standard deviations (γ), `0.5..=2`, default 1.
    pub variance_gamma: f32,
    /// Weight of the current frame in a fully trusted pixel, `0.02..=0.5`, default 0.1; less
    /// trusted pixels (disoccluded, fast-moving, clipped) weigh the current frame more.
    pub blend: f32,
    /// When TAA's tier is off, anti-alias with FXAA instead (at FXAA's tier, or Low when FXAA
    /// is off; not while SMAA is on). Default true, so a budget governor that drops TAA keeps
    /// edges smooth.
    pub fxaa_fallback: bool,
}

impl Default for TaaSettings {
    fn default() -> Self {
        Self::HIGH
    }
}

impl TaaSettings {
    /// The desktop default.
    pub const HIGH: Self = Self {
        tier: Tier::High,
        jitter_length: 8,
        clip: TaaClip::Variance,
        variance_gamma: 1.0,
        blend: 0.1,
        fxaa_fallback: true,
    };

    /// TAA off and no FXAA fallback: the chain's default.
    pub const OFF: Self = Self { tier: Tier::Off, fxaa_fallback: false, ..Self::HIGH };

    /// A copy with every value in its documented range; one warning per changed field, named
    /// `taa.<field>`.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let d = Self::HIGH;
        let mut w = Vec::new();
        let jitter_length = if matches!(self.jitter_length, 8 | 16) {
            self.jitter_length
        } else {
            w.push(format!("taa.jitter_length = {} is not 8 or 16; using 8", self.jitter_length));
            8
        };
        let settings = Self {
            jitter_length,
            variance_gamma: clamp_setting(
                &mut w,
                "taa.variance_gamma",
                self.variance_gamma,
                0.5,
                2.0,
                d.variance_gamma,
            ),
            blend: clamp_setting(&mut w, "taa.blend", self.blend, 0.02, 0.5, d.blend),
            ..*self
        };
        (settings, w)
    }

    /// The jitter sequence's length the renderer should use: 16 at [`Tier::Ultra`] (more
    /// sample positions per pixel), [`TaaSettings::jitter_length`] otherwise.
    pub fn sequence_length(&self) -> u32 {
        if self.tier == Tier::Ultra { 16 } else { self.jitter_length }
    }
}

/// The `[taa]` keys as the panel and presets see them ([`TaaSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "taa.tier",
        Control::Choice(TIERS),
        "TAA quality by tier. Default high when a preset names [taa]; off otherwise.",
    ),
    setting(
        "taa.jitter_length",
        Control::Int { min: 8, max: 16 },
        "Length of the Halton(2,3) jitter sequence: 8 or 16, default 8.",
    ),
    setting(
        "taa.clip",
        Control::Choice(&["variance", "aabb"]),
        "From high up, clip the history of moving pixels to the variance box, or always to the \
         min/max box (aabb; lower tiers always do). Default variance.",
    ),
    setting(
        "taa.variance_gamma",
        float(0.5, 2.0, 0.01),
        "Width of the variance box in standard deviations, 0.5..=2, default 1.",
    ),
    setting(
        "taa.blend",
        float(0.02, 0.5, 0.005),
        "Weight of the current frame in a fully trusted pixel, 0.02..=0.5, default 0.1.",
    ),
    setting(
        "taa.fxaa_fallback",
        Control::Bool,
        "With TAA off, anti-alias with FXAA instead (at FXAA's tier, or low; not while SMAA is on). Default on.",
    ),
];

/// How far the view may move in one frame before the history is thrown away, as a fraction
/// of the view's width or height (0.25: a quarter of the view).
pub const CUT_FRACTION: f32 = 0.25;

/// The largest turn of the view direction between two frames that keeps the history.
pub const CUT_ANGLE_DEGREES: f32 = 30.0;

/// Whether the view jumped between two frames (a cut the application did not announce), from
/// the clip-from-world matrices (unjittered) of the `previous` and `current` frames. A cut is
/// a turn of the central view ray by more than [`CUT_ANGLE_DEGREES`], or any of three points
/// on the plane at reverse-Z NDC depth `focus_depth` (the view centre and the middles of the
/// right and top edges) moving more than [`CUT_FRACTION`] of the view when carried from the
/// current view to the previous one, or landing behind the previous camera: a sideways move of
/// a quarter of the view at the focus depth, a dolly or zoom of about a quarter, or a turn of
/// 10-30° with the usual fields of view. No previous frame is a cut.
pub fn is_camera_cut(previous: Option<Mat4>, current: Mat4, focus_depth: f32) -> bool {
    let Some(previous) = previous else {
        return true;
    };
    let inverse = current.inverse();
    // The central ray's direction, from two points on it (works for orthographic views too).
    let ray = |inverse: Mat4| {
        let near = inverse.project_point3(glam::Vec3::new(0.0, 0.0, 1.0));
        let mid = inverse.project_point3(glam::Vec3::new(0.0, 0.0, 0.5));
        (mid - near).normalize_or_zero()
    };
    let cos_turn = ray(inverse).dot(ray(previous.inverse()));
    if cos_turn.is_nan() || cos_turn < CUT_ANGLE_DEGREES.to_radians().cos() {
        return true;
    }
    let depth = if focus_depth.is_finite() { focus_depth.clamp(1e-6, 1.0) } else { 0.5 };
    [Vec2::ZERO, Vec2::X, Vec2::Y].into_iter().any(|ndc| {
        let world = inverse * Vec4::new(ndc.x, ndc.y, depth, 1.0);
        let clip = previous * world;
        // `world` is homogeneous: the point is in front of the previous camera when the clip
        // w of `world / world.w` is positive.
        let in_front = clip.w * world.w;
        if in_front.is_nan() || in_front <= 0.0 {
            return true;
        }
        let moved = (clip.truncate().truncate() / clip.w - ndc).abs();
        // NDC spans 2 across the view.
        let moved = moved.max_element();
        moved.is_nan() || moved > 2.0 * CUT_FRACTION
    })
}

/// The radical inverse of `index` in `base` (the Halton sequence), in `[0, 1)`.
pub fn halton(mut index: u32, base: u32) -> f32 {
    let (mut result, mut fraction) = (0.0f32, 1.0f32);
    while index > 0 {
        fraction /= base as f32;
        result += fraction * (index % base) as f32;
        index /= base;
    }
    result
}

/// The sub-pixel offset of frame `frame_index`, in pixels within `[-0.5, 0.5)`: Halton(2,3)
/// from index 1, repeating every `length` frames.
pub fn jitter(frame_index: u64, length: u32) -> Vec2 {
    let i = (frame_index % u64::from(length.max(1))) as u32 + 1;
    Vec2::new(halton(i, 2), halton(i, 3)) - 0.5
}

/// One frame's inputs of [`TaaPass::draw`].
pub struct TaaFrame<'a> {
    /// This frame's HDR colour at `input_size` (any float format; alpha is coverage).
    pub hdr: &'a wgpu::TextureView,
    /// Reverse-Z depth (Depth32Float) at `input_size`; without it nothing is rejected by depth.
    pub depth: Option<&'a wgpu::TextureView>,
    /// Motion vectors (uv now minus uv last frame, unjittered) at `input_size`; without them
    /// the history is not reprojected.
    pub motion: Option<&'a wgpu::TextureView>,
    /// The sub-pixel offset `hdr` was rasterised at, in input pixels (x right, y down).
    pub jitter: Vec2,
    /// Size of `hdr`, `depth` and `motion` in pixels: the render size.
    pub input_size: (u32, u32),
    /// Size of the resolved image and the history, at least `input_size` (temporal upsampling
    /// when larger).
    pub output_size: (u32, u32),
    /// Drop the history this frame (a jump the application or [`is_camera_cut`] detected).
    pub camera_cut: bool,
    /// Last frame's clip space from this frame's unjittered NDC (`prev_view_proj ·
    /// unjittered_view_proj⁻¹`, see [`reprojection`]): gives the sky (reverse-Z depth 0, where
    /// no geometry wrote motion) the camera's motion. `None`: the sky has zero motion (fine
    /// for a still camera; a moving one smears the sky until clipping catches up).
    pub reprojection: Option<Mat4>,
}

/// [`TaaFrame::reprojection`] from last frame's and this frame's unjittered clip-from-world
/// matrices; `None` when `current` cannot be inverted.
pub fn reprojection(previous: Mat4, current: Mat4) -> Option<Mat4> {
    let m = previous * current.inverse();
    m.is_finite().then_some(m)
}

/// The shader's `sky_reprojection` of [`TaaFrame::reprojection`] `m`: the 3x3 matrix (three
/// columns, each padded to four floats) that takes this frame's output uv `(u, v, 1)` to last
/// frame's uv of the same direction, homogeneous `(u' w, v' w, w)` with `w` the direction's
/// clip w in last frame's camera (positive in front of it). The NDC conversions on both sides
/// are folded in, so the shader does one multiply and one divide. Zero (the sky keeps zero
/// motion) without a reprojection, or with one that is not finite or has an entry beyond
/// 1e30, which keeps the shader's result finite wherever `w > 1e-6`.
fn sky_reprojection(m: Option<Mat4>) -> [[f32; 4]; 3] {
    let usable = |m: &Mat4| m.to_cols_array().iter().all(|v| v.abs() < 1e30);
    let Some(m) = m.filter(usable) else { return [[0.0; 4]; 3] };
    // (u, v, 0, 1) -> this frame's NDC (2u - 1, 1 - 2v, 0, 1), the point at infinity.
    let ndc_from_uv = Mat4::from_cols(
        Vec4::new(2.0, 0.0, 0.0, 0.0),
        Vec4::new(0.0, -2.0, 0.0, 0.0),
        Vec4::ZERO,
        Vec4::new(-1.0, 1.0, 0.0, 1.0),
    );
    // Last frame's clip (x, y, z, w) -> (u' w, v' w, 0, w) with u' = x / w / 2 + 1/2 and
    // v' = 1/2 - y / w / 2.
    let uv_from_clip = Mat4::from_cols(
        Vec4::new(0.5, 0.0, 0.0, 0.0),
        Vec4::new(0.0, -0.5, 0.0, 0.0),
        Vec4::ZERO,
        Vec4::new(0.5, 0.5, 0.0, 1.0),
    );
    let h = uv_from_clip * m * ndc_from_uv;
    // Columns u, v and 1 of the 4x4 (its inputs x, y, w), rows u' w, v' w and w.
    [h.x_axis, h.y_axis, h.w_axis].map(|c| [c.x, c.y, c.w, 0.0])
}

/// What a TAA pipeline is specialised on: the settings that decide a branch of
/// `shaders/post/taa.wgsl`, given to it as `override` constants ([`TaaKey::constants`]). Each
/// key is one pipeline (per variant) in [`TaaPass`]'s caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaaKey {
    /// The tier (not `Off`): what the shader computes (`TIER`).
    pub tier: Tier,
    /// Variance or min/max box (`CLIP_AABB`); always [`TaaClip::Variance`] below
    /// [`Tier::High`], which use the min/max box whatever the setting says.
    pub clip: TaaClip,
    /// The input is smaller than the output (`UPSAMPLE`).
    pub upsample: bool,
}

impl TaaKey {
    /// The key of `settings` (validated) with or without upsampling; `None` when the tier is
    /// off.
    pub fn new(settings: &TaaSettings, upsample: bool) -> Option<Self> {
        settings.tier.is_on().then(|| Self {
            tier: settings.tier,
            clip: if settings.tier >= Tier::High { settings.clip } else { TaaClip::Variance },
            upsample,
        })
    }

    /// The WGSL `override` constants of this key.
    pub fn constants(self) -> Constants {
        let tier = match self.tier {
            Tier::Off | Tier::Low => 1.0,
            Tier::Medium => 2.0,
            Tier::High => 3.0,
            Tier::Ultra => 4.0,
        };
        vec![
            ("TIER", tier),
            ("CLIP_AABB", f64::from(u8::from(self.clip == TaaClip::Aabb))),
            ("UPSAMPLE", f64::from(u8::from(self.upsample))),
        ]
    }

    /// The keys to build ahead of a frame with `settings` and `upsample`: this key and, when
    /// `neighbours` (not in a frame whose key just changed), the neighbouring tiers' and the other
    /// upsampling state's (the governor also changes the render scale).
    pub fn ahead(settings: &TaaSettings, upsample: bool, neighbours: bool) -> Vec<Self> {
        if !neighbours {
            return Self::new(settings, upsample).into_iter().collect();
        }
        let mut keys = Vec::new();
        for tier in settings.tier.with_neighbours() {
            for upsample in [upsample, !upsample] {
                keys.extend(Self::new(&TaaSettings { tier, ..*settings }, upsample));
            }
        }
        keys
    }
}

/// Karis' Gaussian fit of a Blackman-Harris window of radius 1 pixel: `exp(−2.29 d²)` (the
/// shader's `FILTER_SHARPNESS`).
const FILTER_SHARPNESS: f32 = 2.29;

/// The reconstruction filter's weights of the 3x3 around an output pixel when the input is
/// the output's size (row `dy + 1`, component `dx + 1`; the fourth unused), normalised to sum 1:
/// the samples lie at `(dx, dy) − jitter` from the pixel centre, the same for every pixel, so
/// they are computed here once a frame instead of nine `exp` per pixel.
pub fn frame_filter(jitter: Vec2) -> [[f32; 4]; 3] {
    let mut rows = [[0.0; 4]; 3];
    let mut sum = 0.0;
    for (dy, row) in rows.iter_mut().enumerate() {
        for (dx, weight) in row.iter_mut().take(3).enumerate() {
            let d = Vec2::new(dx as f32 - 1.0, dy as f32 - 1.0) - jitter;
            *weight = (-FILTER_SHARPNESS * d.length_squared()).exp();
            sum += *weight;
        }
    }
    rows.map(|row| row.map(|w| w / sum))
}

/// The uniform block of `shaders/post/taa.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct TaaUniforms {
    /// Output width, height, 1 / width, 1 / height.
    output_size: [f32; 4],
    /// Input width, height, 1 / width, 1 / height.
    input_size: [f32; 4],
    /// Jitter x, y (input pixels), blend, variance gamma.
    params: [f32; 4],
    /// Reset, unused, depth given (1 or 0), unused.
    flags: [f32; 4],
    /// [`sky_reprojection`] of [`TaaFrame::reprojection`] (a mat3x3f: three padded columns).
    sky_reprojection: [[f32; 4]; 3],
    /// [`frame_filter`] of the jitter.
    filter: [[f32; 4]; 3],
}

/// Format of the resolved image, the history and the aux target.
const HISTORY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// One frame's resolved colour and aux targets.
struct HistoryFrame {
    colour: Target,
    aux: Target,
}

/// The TAA pass: its pipelines and its ping-pong history.
pub struct TaaPass {
    module: wgpu::ShaderModule,
    layout: wgpu::BindGroupLayout,
    /// The fragment pipelines by key (built ahead by [`TaaPass::prepare`]).
    fragment: Specialised<TaaKey, wgpu::RenderPipeline>,
    /// The compute variant's kernels by key ([`TaaPass::dispatch`]).
    compute: Specialised<TaaKey, ComputeKernel>,
    /// Whether a frame may build its neighbours' pipelines (not a step frame).
    build_ahead: BuildAhead<TaaKey>,
    uniforms: wgpu::Buffer,
    /// The one sampler, NEAREST (`bindings::depth_sampler`): every texel is read at its centre
    /// and the history's filters are weighed in the shader.
    texel_sampler: wgpu::Sampler,
    depth_placeholder: wgpu::TextureView,
    motion_placeholder: wgpu::TextureView,
    /// The two history frames (output size, and whether they are storage textures for the
    /// compute variant) and which one holds the latest resolve.
    history: Option<([HistoryFrame; 2], (u32, u32), bool)>,
    latest: usize,
    /// Whether `history[latest]` may be reprojected next frame.
    history_valid: bool,
    /// Whether the fragment pipelines share the 3x3's reads within each 2x2 quad
    /// (`QUAD_SHARE`): not on wgpu's GL backend, whose derivatives may be coarse.
    quad_share: bool,
}

impl TaaPass {
    /// The pass's label, timing scope and preset key.
    pub const NAME: &'static str = "taa";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Temporal anti-aliasing: jittered frames resolved against a reprojected history, upsampled to the display size",
        writes: &[
            Image {
                name: "resolved",
                format: ImageFormat::Fixed(wgpu::TextureFormat::Rgba16Float),
                size: ImageSize::Display,
                kept: false,
            },
            Image {
                name: "history",
                format: ImageFormat::Fixed(wgpu::TextureFormat::Rgba16Float),
                size: ImageSize::Display,
                kept: true,
            },
        ],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 5.0,
            prior_share: 0.20,
            at_render_size: false,
            // Measured on lavapipe, fragment, 640x360 (the tier table above): ultra adds only
            // the convergence count to high, medium only the variance box below it.
            tier_cost: [0.0, 0.75, 0.95, 1.0, 1.02],
        }),
        settings: &[SETTINGS],
    };

    /// Load the shader; the pipelines are built per [`TaaKey`] by [`TaaPass::prepare`] (or
    /// the first frame that needs one). `hdr_format` is the renderer's HDR format; the
    /// resolved image is Rgba16Float whatever it is, since accumulating in an 11-bit float
    /// format would band and lose alpha.
    pub fn new(
        device: &wgpu::Device,
        hdr_format: wgpu::TextureFormat,
    ) -> Result<Self, ShaderError> {
        log::debug!("{}: resolving {hdr_format:?} into {HISTORY_FORMAT:?}", Self::NAME);
        let module = crate::shaders::create_module(device, Self::NAME)?;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(Self::NAME),
            entries: &[
                bindings::uniform(0, wgpu::ShaderStages::FRAGMENT),
                bindings::texture(1, false),
                bindings::depth_as_float(2),
                bindings::texture(3, false),
                bindings::texture(4, false),
                bindings::texture(5, false),
                bindings::depth_sampler(6),
            ]
            .map(|mut entry| {
                // The compute variant binds the same group 0.
                entry.visibility |= wgpu::ShaderStages::COMPUTE;
                entry
            }),
        });
        let zeros = <TaaUniforms as bytemuck::Zeroable>::zeroed();
        Ok(Self {
            module,
            layout,
            fragment: Specialised::new(),
            compute: Specialised::new(),
            build_ahead: BuildAhead::default(),
            uniforms: bindings::uniform_buffer(device, Self::NAME, bytemuck::bytes_of(&zeros)),
            texel_sampler: bindings::nearest_sampler(device, "taa.texel_sampler"),
            depth_placeholder: bindings::placeholder(
                device,
                "taa.no_depth",
                wgpu::TextureFormat::Depth32Float,
            ),
            motion_placeholder: bindings::placeholder(
                device,
                "taa.no_motion",
                wgpu::TextureFormat::Rg16Float,
            ),
            history: None,
            latest: 0,
            history_valid: false,
            quad_share: device.adapter_info().backend != wgpu::Backend::Gl,
        })
    }

    /// Build ahead the pipelines of the frames to come with `settings` (validated): the
    /// variant `compute` or fragment, with or without `upsample` (input smaller than output);
    /// also the neighbouring tiers' and the other upsampling state's ([`TaaKey::ahead`]), so a
    /// budget-governor step never builds a pipeline during a frame, except in a frame whose
    /// key differs from the last one's (a step: it draws with what was built and compiles
    /// nothing; the frame after it builds the new key's neighbours, [`BuildAhead`]). Builds
    /// nothing already built.
    pub fn prepare(
        &mut self,
        device: &wgpu::Device,
        settings: &TaaSettings,
        compute: bool,
        upsample: bool,
    ) {
        let Some(key) = TaaKey::new(settings, upsample) else { return };
        let keys = TaaKey::ahead(settings, upsample, self.build_ahead.may_build(key));
        let (module, layout, quad_share) = (&self.module, &self.layout, self.quad_share);
        if compute {
            self.compute.prepare(keys, |key| compute_kernel(device, module, layout, key));
        } else {
            self.fragment
                .prepare(keys, |key| fragment_pipeline(device, module, layout, key, quad_share));
        }
    }

    /// Whether the fragment variant at the output's size shares the 3x3's reads within each
    /// 2x2 quad (`QUAD_SHARE`, see "Specialised pipelines"): on by default except on wgpu's GL
    /// backend. Turning it on there may give a driver's coarse derivatives, which exchange the
    /// wrong texels. Drops the fragment pipelines built so far.
    pub fn share_quad_reads(&mut self, share: bool) {
        if share != self.quad_share {
            self.quad_share = share;
            self.fragment = Specialised::new();
        }
    }

    /// How many pipelines are built (fragment and compute): a frame after
    /// [`TaaPass::prepare`] built its key adds none.
    pub fn pipelines_built(&self) -> usize {
        self.fragment.len() + self.compute.len()
    }

    /// Forget the history: the next frame's output is its current frame.
    pub fn reset_history(&mut self) {
        self.history_valid = false;
    }

    /// The latest resolved image (Rgba16Float at the last output size), for readback in
    /// tests and tools; `None` before the first draw.
    pub fn output(&self) -> Option<&wgpu::Texture> {
        self.history.as_ref().map(|(frames, ..)| &frames[self.latest].colour.texture)
    }

    /// Record the resolve of `frame` and return the resolved HDR image (the pass's own
    /// texture, valid until the next draw). Settings are brought into range silently (call
    /// [`TaaSettings::validated`] where they are read to report problems). Records nothing
    /// and returns `None` when the tier is off (the history is dropped) or a size is zero.
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &TaaFrame<'_>,
        settings: &TaaSettings,
    ) -> Option<&wgpu::TextureView> {
        self.record(device, queue, encoder, frame, settings, false)
    }

    /// The compute variant of [`TaaPass::draw`] (see [`super::variant`]): the same resolve
    /// stored into Rgba16Float storage textures. Switching between the variants reallocates
    /// the history (storage usage) and so restarts it.
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &TaaFrame<'_>,
        settings: &TaaSettings,
    ) -> Option<&wgpu::TextureView> {
        self.record(device, queue, encoder, frame, settings, true)
    }

    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &TaaFrame<'_>,
        settings: &TaaSettings,
        compute: bool,
    ) -> Option<&wgpu::TextureView> {
        let (settings, _) = settings.validated();
        let ((iw, ih), (ow, oh)) = (frame.input_size, frame.output_size);
        if !settings.tier.is_on() || iw == 0 || ih == 0 || ow == 0 || oh == 0 {
            self.history_valid = false;
            return None;
        }
        let wanted = (frame.output_size, compute);
        if self.history.as_ref().is_none_or(|(_, size, storage)| (*size, *storage) != wanted) {
            let target = |label| history_target(device, label, (ow, oh), compute);
            let history_frame =
                || HistoryFrame { colour: target("taa.history"), aux: target("taa.history_aux") };
            self.history = Some(([history_frame(), history_frame()], frame.output_size, compute));
            self.history_valid = false;
        }
        let upsample = frame.input_size != frame.output_size;
        let key = TaaKey::new(&settings, upsample)?;
        let (frames, ..) = self.history.as_ref()?;
        let reset = !self.history_valid || frame.camera_cut;
        // A sub-pixel offset: the nearest sample of a pixel is its own at the same size.
        let jitter = if frame.jitter.is_finite() { frame.jitter } else { Vec2::ZERO };
        let jitter = jitter.clamp(Vec2::splat(-0.5), Vec2::splat(0.5));
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let (iw, ih, ow_f, oh_f) = (iw as f32, ih as f32, ow as f32, oh as f32);
        let uniforms = TaaUniforms {
            output_size: [ow_f, oh_f, 1.0 / ow_f, 1.0 / oh_f],
            input_size: [iw, ih, 1.0 / iw, 1.0 / ih],
            params: [jitter.x, jitter.y, settings.blend, settings.variance_gamma],
            flags: [flag(reset), 0.0, flag(frame.depth.is_some()), 0.0],
            sky_reprojection: sky_reprojection(frame.reprojection),
            filter: frame_filter(jitter),
        };
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&uniforms));
        let (read, write) = (&frames[self.latest], &frames[1 - self.latest]);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(Self::NAME),
            layout: &self.layout,
            entries: &bindings::entries(&[
                self.uniforms.as_entire_binding(),
                wgpu::BindingResource::TextureView(frame.hdr),
                wgpu::BindingResource::TextureView(frame.depth.unwrap_or(&self.depth_placeholder)),
                wgpu::BindingResource::TextureView(
                    frame.motion.unwrap_or(&self.motion_placeholder),
                ),
                wgpu::BindingResource::TextureView(&read.colour.view),
                wgpu::BindingResource::TextureView(&read.aux.view),
                wgpu::BindingResource::Sampler(&self.texel_sampler),
            ]),
        });
        // The full-screen triangle writes every pixel of both targets.
        let attachment = |view| Some(fullscreen::overwritten_attachment(view));
        let (module, layout, quad_share) = (&self.module, &self.layout, self.quad_share);
        if compute {
            let outputs = [&write.colour.view, &write.aux.view];
            let kernel = self.compute.get(key, |key| compute_kernel(device, module, layout, key));
            kernel.dispatch(device, encoder, &bind_group, &outputs, frame.output_size);
        } else {
            let pipeline = self
                .fragment
                .get(key, |key| fragment_pipeline(device, module, layout, key, quad_share));
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some(Self::NAME),
                color_attachments: &[attachment(&write.colour.view), attachment(&write.aux.view)],
                ..Default::default()
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        self.latest = 1 - self.latest;
        self.history_valid = true;
        Some(&frames[self.latest].colour.view)
    }

    /// The history textures (two frames of resolved colour and aux at the output size, the
    /// latest resolve being the pass's output) and the uniform buffer, for memory reports.
    /// Empty of textures before the first draw.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        use crate::gpu::memory::MemoryEntry;
        let mut entries = vec![MemoryEntry::buffer("taa.uniforms", &self.uniforms)];
        if let Some((frames, ..)) = &self.history {
            for (i, frame) in frames.iter().enumerate() {
                let colour = format!("taa.history[{i}]");
                entries.push(MemoryEntry::texture(&colour, &frame.colour.texture, true));
                let aux = format!("taa.history_aux[{i}]");
                entries.push(MemoryEntry::texture(&aux, &frame.aux.texture, true));
            }
        }
        entries
    }
}

/// The fragment pipeline of `key`: two targets, the resolved colour (next frame's history) and
/// the aux target. `quad_share`: the 3x3's reads are shared within each 2x2 quad.
fn fragment_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    key: TaaKey,
    quad_share: bool,
) -> wgpu::RenderPipeline {
    log::debug!("{}: building the fragment pipeline of {key:?}", TaaPass::NAME);
    let mut constants = key.constants();
    constants.push(("QUAD_SHARE", f64::from(u8::from(quad_share))));
    fullscreen::specialised_multi_target_pipeline(
        device,
        TaaPass::NAME,
        module,
        "fs_main",
        &[layout],
        &[HISTORY_FORMAT, HISTORY_FORMAT],
        &constants,
    )
}

/// The compute kernel of `key`, storing the same two targets.
fn compute_kernel(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    key: TaaKey,
) -> ComputeKernel {
    log::debug!("{}: building the compute kernel of {key:?}", TaaPass::NAME);
    let formats = [HISTORY_FORMAT, HISTORY_FORMAT];
    ComputeKernel::specialised(
        device,
        TaaPass::NAME,
        module,
        "cs_main",
        layout,
        &formats,
        &key.constants(),
    )
}

/// One history texture of `size`: an attachment, shader input and copy source, and with
/// `storage` a storage texture for the compute variant.
fn history_target(device: &wgpu::Device, label: &str, size: (u32, u32), storage: bool) -> Target {
    let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT
        | wgpu::TextureUsages::TEXTURE_BINDING
        | wgpu::TextureUsages::COPY_SRC;
    if storage {
        usage |= wgpu::TextureUsages::STORAGE_BINDING;
    }
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: HISTORY_FORMAT,
        usage,
        view_formats: &[],
    });
    let view = texture.create_view(&Default::default());
    Target { texture, view }
}

/// The pass's memory traffic ([`super::traffic`]), at the display size.
pub fn traffic(frame: &FrameTargets) -> Option<PassTraffic> {
    let (depth, motion) =
        (texel_bytes(gbuffer_formats::DEPTH_FORMAT), texel_bytes(gbuffer_formats::MOTION_FORMAT));
    let history = texel_bytes(HISTORY_FORMAT);
    Some(PassTraffic::new(
        (frame.hdr_bytes() + depth + motion) * frame.render_fraction() + 2.0 * history,
        2.0 * history,
        frame.display_pixels(),
        "HDR, depth and motion read at the render size (scaled to display pixels), the \
         Rgba16Float history (colour + aux) read and the new one written at the display size",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halton_matches_the_radical_inverse() {
        let base2: Vec<f32> = (1..=4).map(|i| halton(i, 2)).collect();
        assert_eq!(base2, [0.5, 0.25, 0.75, 0.125]);
        let base3: Vec<f32> = (1..=4).map(|i| halton(i, 3)).collect();
        let expected = [1.0 / 3.0, 2.0 / 3.0, 1.0 / 9.0, 4.0 / 9.0];
        for (a, b) in base3.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn jitter_repeats_and_averages_near_the_pixel_centre() {
        for length in [8, 16] {
            let offsets: Vec<Vec2> = (0..u64::from(length)).map(|f| jitter(f, length)).collect();
            assert_eq!(jitter(u64::from(length), length), offsets[0]);
            let mean = offsets.iter().sum::<Vec2>() / length as f32;
            assert!(mean.length() < 0.08, "mean offset {mean} for length {length}");
            assert!(offsets.iter().all(|o| o.abs().max_element() < 0.5));
            // Every offset distinct: the sequence covers the pixel.
            for (i, a) in offsets.iter().enumerate() {
                assert!(offsets[i + 1..].iter().all(|b| (*a - *b).length() > 1e-3));
            }
        }
    }

    #[test]
    fn a_jump_of_the_view_is_a_cut() {
        use crate::scene::Camera;
        use glam::Vec3;
        let view_proj = |yaw: f32, target: Vec3| {
            let c = Camera::orbit(target, yaw, 10.0, 4.0, 45f32.to_radians());
            c.projection_matrix(1.0) * c.view()
        };
        let here = view_proj(0.0, Vec3::ZERO);
        let focus = (here * Vec4::new(0.0, 0.0, 0.0, 1.0)).z / (here * Vec4::W).w;
        assert!(is_camera_cut(None, here, focus), "no previous frame");
        assert!(!is_camera_cut(Some(here), here, focus));
        assert!(!is_camera_cut(Some(view_proj(3.0, Vec3::ZERO)), here, focus), "a small turn");
        assert!(is_camera_cut(Some(view_proj(35.0, Vec3::ZERO)), here, focus), "35 degrees");
        let turned = Camera {
            forward: Vec3::new(0.3, 0.0, -1.0).normalize(),
            ..Camera::orbit(Vec3::ZERO, 0.0, 0.0, 4.0, 1.5)
        };
        let straight = Camera::orbit(Vec3::ZERO, 0.0, 0.0, 4.0, 1.5);
        let vp = |c: Camera| c.projection_matrix(1.0) * c.view();
        assert!(
            !is_camera_cut(Some(vp(turned)), vp(straight), focus),
            "a 17 degree turn, 86 degree view"
        );
        assert!(is_camera_cut(Some(view_proj(180.0, Vec3::ZERO)), here, focus), "behind");
        let aside = view_proj(0.0, Vec3::new(2.0, 0.0, 0.0));
        assert!(is_camera_cut(Some(aside), here, focus), "half the view to the side");
        assert!(!is_camera_cut(Some(here), here, f32::NAN), "a NaN focus is handled");
    }

    #[test]
    fn reprojection_moves_the_sky_with_the_camera() {
        use crate::scene::Camera;
        use glam::Vec3;
        let view_proj = |yaw: f32, pitch: f32| {
            let c = Camera::orbit(Vec3::new(1.0, 2.0, 3.0), yaw, pitch, 4.0, 0.9);
            c.projection_matrix(1.5) * c.view()
        };
        let (previous, current) = (view_proj(10.0, 5.0), view_proj(13.0, 4.0));
        assert!(reprojection(current, current).unwrap().abs_diff_eq(Mat4::IDENTITY, 1e-4));
        let m = reprojection(previous, current).unwrap();
        // A direction (a point at infinity) seen by both cameras: its NDC in each.
        let ndc = |vp: Mat4, d: Vec3| {
            let c = vp * d.extend(0.0);
            Vec2::new(c.x, c.y) / c.w
        };
        for d in [Vec3::new(0.1, -0.3, -1.0), Vec3::new(-0.4, -0.2, -1.0)] {
            let now = ndc(current, d);
            let then = m * Vec4::new(now.x, now.y, 0.0, 1.0);
            let expected = ndc(previous, d);
            assert!(then.w > 0.0, "in front of the previous camera");
            let got = Vec2::new(then.x, then.y) / then.w;
            assert!((got - expected).length() < 1e-4, "{d}: {got} vs {expected}");
        }
        assert!(reprojection(previous, Mat4::ZERO).is_none(), "a singular view");

        // The shader's form: last frame's uv of the direction seen at this frame's uv.
        let h = sky_reprojection(Some(m));
        let column = |i: usize| Vec3::new(h[i][0], h[i][1], h[i][2]);
        let uv = |ndc: Vec2| Vec2::new(ndc.x * 0.5 + 0.5, 0.5 - ndc.y * 0.5);
        for d in [Vec3::new(0.1, -0.3, -1.0), Vec3::new(-0.4, -0.2, -1.0)] {
            let now = uv(ndc(current, d));
            let then = column(0) * now.x + column(1) * now.y + column(2);
            assert!(then.z > 1e-6, "in front of the previous camera");
            let got = Vec2::new(then.x, then.y) / then.z;
            let expected = uv(ndc(previous, d));
            assert!((got - expected).length() < 1e-4, "{d}: {got} vs {expected}");
        }
        // The view's centre lies in front of last frame's camera after a small turn (w > 0)
        // and behind it after a half turn (w < 0: no motion).
        let ahead = column(0) * 0.5 + column(1) * 0.5 + column(2);
        let turned = reprojection(view_proj(190.0, 5.0), current).unwrap();
        let h_turned = sky_reprojection(Some(turned));
        let w_behind = h_turned[0][2] * 0.5 + h_turned[1][2] * 0.5 + h_turned[2][2];
        assert!(ahead.z > 0.0 && w_behind < 0.0, "{ahead} / {w_behind}");
        // Without a usable reprojection the sky keeps zero motion (w = 0 everywhere).
        for m in [None, Some(Mat4::NAN), Some(Mat4::IDENTITY * 1e31)] {
            assert_eq!(sky_reprojection(m), [[0.0; 4]; 3], "{m:?}");
        }
    }

    #[test]
    fn the_frame_filter_is_the_normalised_gaussian_of_the_jittered_offsets() {
        for jitter in [Vec2::ZERO, Vec2::new(0.375, -0.2), Vec2::new(-0.5, 0.5)] {
            let rows = frame_filter(jitter);
            let sum: f32 = rows.iter().map(|r| r[..3].iter().sum::<f32>()).sum();
            assert!((sum - 1.0).abs() < 1e-5, "{sum}");
            assert!(rows.iter().all(|r| r[3] == 0.0));
            // exp(-k |a|^2) / exp(-k |b|^2) between the centre tap and its right neighbour.
            let (centre, right) = (-jitter, Vec2::X - jitter);
            let ratio =
                (-FILTER_SHARPNESS * (centre.length_squared() - right.length_squared())).exp();
            assert!((rows[1][1] / rows[1][2] - ratio).abs() < 1e-3 * ratio);
        }
        // Unjittered, the centre weighs most and the corners least.
        let rows = frame_filter(Vec2::ZERO);
        assert!(rows[1][1] > rows[0][1] && rows[0][1] > rows[0][0]);
    }

    #[test]
    fn keys_ahead_are_the_neighbours_except_in_a_step_frame() {
        let high = TaaSettings::HIGH;
        assert_eq!(TaaKey::ahead(&high, false, false), [TaaKey::new(&high, false).unwrap()]);
        let keys = TaaKey::ahead(&high, false, true);
        let tiers: Vec<_> = keys.iter().map(|k| (k.tier, k.upsample)).collect();
        assert_eq!(
            tiers,
            [
                (Tier::Medium, false),
                (Tier::Medium, true),
                (Tier::High, false),
                (Tier::High, true),
                (Tier::Ultra, false),
                (Tier::Ultra, true)
            ]
        );
        // Below high the clip setting changes nothing, so it is not part of the key.
        let aabb = TaaSettings { clip: TaaClip::Aabb, ..high };
        let medium = |s: TaaSettings| TaaKey::new(&TaaSettings { tier: Tier::Medium, ..s }, false);
        assert_eq!(medium(aabb), medium(high));
        assert_ne!(TaaKey::new(&aabb, false), TaaKey::new(&high, false));
        // Off builds nothing but, under the governor, the low tier it may step back up to.
        assert!(TaaKey::ahead(&TaaSettings::OFF, false, false).is_empty());
        let back = TaaKey::ahead(&TaaSettings::OFF, true, true);
        assert!(back.iter().all(|k| k.tier == Tier::Low) && back.len() == 2);
        let constants = TaaKey::new(&aabb, true).unwrap().constants();
        assert_eq!(constants, [("TIER", 3.0), ("CLIP_AABB", 1.0), ("UPSAMPLE", 1.0)]);
    }

    #[test]
    fn ultra_uses_the_long_sequence() {
        assert_eq!(TaaSettings::HIGH.sequence_length(), 8);
        let ultra = TaaSettings { tier: Tier::Ultra, ..TaaSettings::HIGH };
        assert_eq!(ultra.sequence_length(), 16);
    }

    #[test]
    fn validation_fixes_out_of_range_values() {
        let bad = TaaSettings { jitter_length: 5, blend: f32::NAN, ..TaaSettings::HIGH };
        let (fixed, warnings) = bad.validated();
        assert_eq!((fixed.jitter_length, fixed.blend), (8, 0.1));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }
}

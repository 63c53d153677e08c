//! The post chain: the passes between the lit HDR image and the display, built from a preset
//! ([`PostSettings`]), validated before the first frame, recorded in one straight line.
//!
//! ```text
//! HDR -> depth of field (thin-lens CoC, half-size gather) -> motion blur (tile and
//!     neighbour max, gather; before TAA, see `motion_blur`, both at the render size)
//!     -> TAA (jitter + reprojected history; later passes read its output)
//!     -> exposure (histogram, on the GPU) -> bloom (mip chain) -> finish (exposure, bloom
//!     composite, chromatic aberration, one baked grade + tone-map LUT sample, vignette, grain,
//!     dither) -> FXAA (or its fallback when TAA is off: `effective_fxaa`) -> sharpen
//!     -> output
//! ```
//! Depth of field and motion blur may trade places, and so may FXAA and sharpen:
//! [`PostSettings::order`], checked by [`validate_order`], whose reasons are on [`PostPass`].
//! Each pass declares what it reads ([`requirements`]); [`validate`] checks those against what
//! the pipeline provides ([`Provided`]), so a configuration the pipeline cannot feed is an
//! error naming the pass and the missing input, never a black screen. Passes whose tier is
//! `Off` are skipped and cost nothing. Intermediate images come from the transient pool.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Tier;
use super::ao::AoSettings;
use super::bloom::{BloomPass, BloomSettings};
use super::clamp_setting;
use super::custom::{self, CustomFrame, CustomPassSettings, CustomPasses, DisplayStep, Point};
use super::dof::{DofFrame, DofPass, DofSettings};
use super::exposure::{ExposurePass, ExposureSettings, MeteringMask};
use super::finish::{DISPLAY_FORMAT, FinishFrame, FinishPass, FinishSettings};
use super::fxaa::{FxaaPass, FxaaSettings};
use super::grade::GradeSettings;
use super::grade_bake::{LutSpace, UserLut, lut_size_for_tier};
use super::lut::CubeLut;
use super::motion_blur::{MotionBlurFrame, MotionBlurPass, MotionBlurSettings};
use super::sharpen::{SharpenPass, SharpenSettings};
use super::taa::{TaaFrame, TaaPass, TaaSettings};
use super::tonemap::ToneMapper;
use super::upscale::{self, UpscalePass, UpscaleSettings};
use super::variant::{self, PassVariant, VariantChoice};
use crate::Error;
use crate::budget::BudgetSettings;
use crate::gpu::PassTimer;
use crate::graph::{TexturePool, TransientDesc};

/// The tone mapper's table in a preset (`[tonemap]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TonemapSettings {
    /// The curve from scene-linear to display (default `khronos_pbr_neutral`); see
    /// [`ToneMapper`] for the names.
    pub mapper: ToneMapper,
}

/// A user `.cube` 3D LUT baked into the grade (`[lut]` in a preset).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LutSettings {
    /// The `.cube` file (relative paths are relative to the preset file); none by default.
    pub file: Option<PathBuf>,
    /// What the LUT's input is: `display` (sRGB-encoded, after the tone mapper; creative
    /// "look" LUTs) or `scene_log` (afterlight's log2 shaper of scene-linear colour, replacing
    /// the tone mapper; what `afterlight lut export` writes). Default `display`.
    pub space: LutSpace,
}

/// Every setting of the post chain: the content of a preset file, one table per pass.
///
/// The defaults are a clean chain: metered exposure, the default tone mapper, a neutral grade
/// and the finish (64³ LUT, dither) with bloom, FXAA, sharpening, depth of field and motion
/// blur **off**. A pass a preset does not name keeps these defaults; a pass it names starts
/// from that pass's own defaults (so `[bloom]` alone turns bloom on at its default tier).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostSettings {
    /// One line on what the preset is for (shown by the viewer; no effect on the image).
    pub description: String,
    /// Fraction of the display resolution (per axis) the scene is rendered at, `0.5..=1`,
    /// default 1. Below 1, TAA upsamples temporally to the display size, or, with TAA off, a
    /// spatial upscale does ([`UpscaleSettings`]); everything after runs at display size. A
    /// budget governor lowers it on weak hardware.
    pub render_scale: f32,
    /// The spatial upscale's filter, for a render scale below 1 with TAA off (default high:
    /// edge-adaptive).
    pub upscale: UpscaleSettings,
    /// The order the chain's passes run in (`order = ["dof", "motion_blur", ...]`), default
    /// [`PostPass::DEFAULT_ORDER`]. Only the swaps [`validate_order`] allows are accepted:
    /// depth of field with motion blur, FXAA with sharpen; anything else is clamped back to
    /// the default with a warning naming the reason.
    pub order: Vec<PostPass>,
    /// Whether the full-screen passes (TAA, upscale, finish, FXAA, sharpen) run as
    /// `fragment` or `compute` shaders, or `auto` (default): compute unless the adapter is
    /// mobile-class or lacks what compute needs (see [`super::variant`]).
    pub variant: PassVariant,
    /// Ambient occlusion (GTAO) from depth and normals, darkening indirect light only (off
    /// unless a preset names it).
    pub ao: AoSettings,
    /// Depth of field from a physical camera, first in the chain (off unless a preset names
    /// it).
    pub dof: DofSettings,
    /// Motion blur from the motion vectors, after depth of field and before TAA (off unless a
    /// preset names it).
    pub motion_blur: MotionBlurSettings,
    /// Temporal anti-aliasing on the HDR image, after the cinematic passes (off unless a
    /// preset names it).
    pub taa: TaaSettings,
    /// Exposure: manual, physical camera, metered or automatic from a GPU histogram.
    pub exposure: ExposureSettings,
    /// Bloom (off unless a preset names it).
    pub bloom: BloomSettings,
    /// The tone mapper, baked into the finish's LUT.
    pub tonemap: TonemapSettings,
    /// The colour grade, baked into the finish's LUT.
    pub grade: GradeSettings,
    /// A user `.cube` LUT, baked into the finish's LUT.
    pub lut: LutSettings,
    /// The fused finish: LUT size, vignette, grain, chromatic aberration, dither.
    pub finish: FinishSettings,
    /// FXAA after the finish (off unless a preset names it).
    pub fxaa: FxaaSettings,
    /// Contrast-adaptive sharpening after FXAA (off unless a preset names it).
    pub sharpen: SharpenSettings,
    /// The frame budget the governor holds by turning these passes down (off unless a preset
    /// names it; see [`crate::budget`]).
    pub budget: BudgetSettings,
    /// User passes (`[[custom]]`, see [`super::custom`]); none by default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomPassSettings>,
}

impl Default for PostSettings {
    fn default() -> Self {
        Self {
            description: String::new(),
            render_scale: 1.0,
            upscale: UpscaleSettings::DEFAULT,
            order: PostPass::DEFAULT_ORDER.to_vec(),
            variant: PassVariant::Auto,
            ao: AoSettings::OFF,
            dof: DofSettings::OFF,
            motion_blur: MotionBlurSettings::OFF,
            taa: TaaSettings::OFF,
            exposure: ExposureSettings::default(),
            bloom: BloomSettings::OFF,
            tonemap: TonemapSettings::default(),
            grade: GradeSettings::default(),
            lut: LutSettings::default(),
            finish: FinishSettings::default(),
            fxaa: FxaaSettings::OFF,
            sharpen: SharpenSettings::OFF,
            budget: BudgetSettings::default(),
            custom: Vec::new(),
        }
    }
}

impl PostSettings {
    /// The render scale in use: `render_scale` in `0.5..=1` (NaN gives 1), without the rest
    /// of [`PostSettings::validated`] (the renderer reads it every frame).
    pub fn render_scale(&self) -> f32 {
        self.clamped_render_scale(&mut Vec::new())
    }

    fn clamped_render_scale(&self, warnings: &mut Vec<String>) -> f32 {
        clamp_setting(warnings, "render_scale", self.render_scale, 0.5, 1.0, 1.0)
    }

    /// Every value clamped to its documented range, with one warning per change naming the
    /// key (`bloom.intensity = 3 is outside ...`).
    pub fn validated(&self) -> (Self, Vec<String>) {
        fn take<T>(warnings: &mut Vec<String>, (value, more): (T, Vec<String>)) -> T {
            warnings.extend(more);
            value
        }
        let mut warnings = Vec::new();
        let w = &mut warnings;
        let settings = Self {
            description: self.description.clone(),
            render_scale: self.clamped_render_scale(w),
            upscale: take(w, self.upscale.validated()),
            order: match validate_order(&self.order) {
                Ok(()) => self.order.clone(),
                Err(e) => {
                    w.push(format!("order: {e}; using the default order"));
                    PostPass::DEFAULT_ORDER.to_vec()
                }
            },
            variant: self.variant,
            ao: take(w, self.ao.validated()),
            dof: take(w, self.dof.validated()),
            motion_blur: take(w, self.motion_blur.validated()),
            taa: take(w, self.taa.validated()),
            exposure: take(w, self.exposure.validated()),
            bloom: take(w, self.bloom.validated()),
            tonemap: self.tonemap,
            grade: take(w, self.grade.validated_with_warnings()),
            lut: self.lut.clone(),
            finish: take(w, self.finish.validated()),
            fxaa: take(w, self.fxaa.validated()),
            sharpen: take(w, self.sharpen.validated()),
            budget: take(w, self.budget.validated()),
            custom: self.custom.iter().map(|c| take(w, c.validated())).collect(),
        };
        (settings, warnings)
    }
}

/// A pass of the chain whose place [`PostSettings::order`] states.
///
/// Why the order is what it is, and which swaps are allowed ([`validate_order`]):
/// - **Depth of field and motion blur may swap.** Both read scene-linear HDR with the
///   G-buffer's depth (and motion) at the render size and write HDR of the same size, so
///   either can feed the other. A real shutter and lens act at once, so neither order is the
///   right one: blur after defocus streaks the bokeh, defocus after blur softens the streaks.
/// - **TAA comes after both.** They read depth and motion vectors aligned with the jittered,
///   render-size input; TAA's output is resolved (and upscaled) to the display size, where
///   that depth no longer lines up, and TAA is also what averages away their per-frame
///   sampling noise.
/// - **Exposure and bloom follow TAA and precede the finish.** Both read the resolved HDR
///   image; the finish applies the exposure this frame's exposure pass wrote (after it, the
///   finish would use last frame's) and composites bloom's texture (it must exist first).
///   Their order between themselves cannot change the picture (neither reads the other), so
///   the chain keeps one: exposure first.
/// - **FXAA and sharpen follow the finish and may swap.** Both work on the tone-mapped,
///   display-encoded image, where edge contrast is perceptual. FXAA after sharpening smooths
///   the halos sharpening leaves on edges; sharpening after FXAA gives back the detail FXAA
///   softens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostPass {
    /// Depth of field ([`DofPass`]).
    Dof,
    /// Motion blur ([`MotionBlurPass`]).
    MotionBlur,
    /// TAA, or the spatial upscale in its place ([`TaaPass`]).
    Taa,
    /// Exposure ([`ExposurePass`]).
    Exposure,
    /// Bloom ([`BloomPass`]).
    Bloom,
    /// The fused finish ([`FinishPass`]).
    Finish,
    /// FXAA ([`FxaaPass`]).
    Fxaa,
    /// Contrast-adaptive sharpening ([`SharpenPass`]).
    Sharpen,
}

impl PostPass {
    /// The chain's default order (the one drawn in the module documentation).
    pub const DEFAULT_ORDER: [PostPass; 8] = [
        PostPass::Dof,
        PostPass::MotionBlur,
        PostPass::Taa,
        PostPass::Exposure,
        PostPass::Bloom,
        PostPass::Finish,
        PostPass::Fxaa,
        PostPass::Sharpen,
    ];

    /// The pass's name: its label, timing scope and preset key.
    pub fn name(self) -> &'static str {
        match self {
            PostPass::Dof => DofPass::NAME,
            PostPass::MotionBlur => MotionBlurPass::NAME,
            PostPass::Taa => TaaPass::NAME,
            PostPass::Exposure => ExposurePass::NAME,
            PostPass::Bloom => BloomPass::NAME,
            PostPass::Finish => FinishPass::NAME,
            PostPass::Fxaa => FxaaPass::NAME,
            PostPass::Sharpen => SharpenPass::NAME,
        }
    }

    /// The passes that may trade places with their neighbour in either order.
    fn swaps_with(self, other: PostPass) -> bool {
        use PostPass::{Dof, Fxaa, MotionBlur, Sharpen};
        matches!(
            (self, other),
            (Dof, MotionBlur) | (MotionBlur, Dof) | (Fxaa, Sharpen) | (Sharpen, Fxaa)
        )
    }

    /// Why `first` cannot run before `second` (both named in the default order with `second`
    /// first): the reason shown when a reorder is refused.
    fn reason(first: PostPass, second: PostPass) -> &'static str {
        use PostPass::*;
        match (second, first) {
            (Dof | MotionBlur, Taa) => {
                "TAA must come after depth of field and motion blur: they read depth and motion \
                 aligned with TAA's jittered render-size input, and TAA resolves their sampling noise"
            }
            (Exposure, Bloom) => {
                "exposure and bloom read the same image and neither reads the other, so their \
                 order cannot change the picture; the chain keeps exposure first"
            }
            (Taa, Exposure | Bloom) => {
                "exposure and bloom read the image TAA resolves: they must follow TAA"
            }
            (_, Finish) => {
                "the HDR passes must precede the finish: it tone-maps to the display, applies \
                 this frame's exposure and composites bloom's texture"
            }
            (Finish, _) | (_, Fxaa | Sharpen) => {
                "FXAA and sharpen work on the finished, display-encoded image: they must follow \
                 the finish"
            }
            _ => {
                "the HDR passes run in the order depth of field/motion blur, TAA, exposure/bloom, \
                 finish"
            }
        }
    }
}

/// Why a pass order cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A pass is missing from the order or named twice.
    #[error("`{0}` must appear exactly once in the order")]
    Count(&'static str),
    /// Two passes are in an order the chain cannot run.
    #[error("`{first}` cannot run before `{second}`: {reason}")]
    Refused {
        /// The pass placed earlier.
        first: &'static str,
        /// The pass it was placed before.
        second: &'static str,
        /// Why not.
        reason: &'static str,
    },
}

/// Check an order: every [`PostPass`] exactly once, and every pair that differs from
/// [`PostPass::DEFAULT_ORDER`] one of the allowed swaps (see [`PostPass`] for the reasons).
pub fn validate_order(order: &[PostPass]) -> Result<(), OrderError> {
    for pass in PostPass::DEFAULT_ORDER {
        if order.iter().filter(|p| **p == pass).count() != 1 {
            return Err(OrderError::Count(pass.name()));
        }
    }
    let rank = |p: PostPass| PostPass::DEFAULT_ORDER.iter().position(|q| *q == p).unwrap_or(0);
    for (i, &first) in order.iter().enumerate() {
        for &second in &order[i + 1..] {
            if rank(first) > rank(second) && !first.swaps_with(second) {
                return Err(OrderError::Refused {
                    first: first.name(),
                    second: second.name(),
                    reason: PostPass::reason(first, second),
                });
            }
        }
    }
    Ok(())
}

/// `order` with the pass at `index` moved one place earlier (`up`) or later: the new order,
/// or why the chain cannot run it (an index at either end has nowhere to go).
pub fn move_pass(order: &[PostPass], index: usize, up: bool) -> Result<Vec<PostPass>, String> {
    let other = if up { index.checked_sub(1) } else { Some(index + 1) };
    let Some(other) = other.filter(|o| *o < order.len() && index < order.len()) else {
        return Err("the pass is already at that end of the chain".into());
    };
    let mut moved = order.to_vec();
    moved.swap(index, other);
    validate_order(&moved).map(|()| moved).map_err(|e| e.to_string())
}

/// Something a pass reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PassInput {
    /// The lit HDR colour image.
    HdrColour,
    /// Reverse-Z depth.
    Depth,
    /// G-buffer normals.
    Normals,
    /// Motion vectors.
    Motion,
    /// The pass's own previous frame.
    History,
    /// A file named in the preset (a `.cube` LUT).
    LutFile,
}

impl PassInput {
    /// How error messages name it.
    pub fn name(self) -> &'static str {
        match self {
            PassInput::HdrColour => "HDR colour",
            PassInput::Depth => "depth",
            PassInput::Normals => "normals",
            PassInput::Motion => "motion vectors",
            PassInput::History => "history",
            PassInput::LutFile => "a LUT file",
        }
    }
}

/// What the pipeline feeding the chain provides. The deferred renderer provides everything;
/// an app that hands in only its own HDR image provides [`Provided::HDR_ONLY`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provided {
    /// A reverse-Z depth texture.
    pub depth: bool,
    /// G-buffer normals.
    pub normals: bool,
    /// Motion vectors.
    pub motion: bool,
}

impl Provided {
    /// The deferred renderer's G-buffer: everything.
    pub const GBUFFER: Provided = Provided { depth: true, normals: true, motion: true };
    /// An HDR colour image and nothing else (an AR camera feed, an app's own renderer).
    pub const HDR_ONLY: Provided = Provided { depth: false, normals: false, motion: false };

    fn has(self, input: PassInput) -> bool {
        match input {
            PassInput::HdrColour | PassInput::History | PassInput::LutFile => true,
            PassInput::Depth => self.depth,
            PassInput::Normals => self.normals,
            PassInput::Motion => self.motion,
        }
    }
}

/// One input one pass reads under the given settings, and the setting that makes it do so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The pass's name (its label, timing scope and preset key).
    pub pass: &'static str,
    /// What it reads.
    pub input: PassInput,
    /// The setting that makes it read this, for the error message.
    pub because: String,
}

/// A chain that cannot run as configured.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// A pass reads something the pipeline does not provide.
    #[error("pass `{pass}` reads {} ({because}), which this pipeline does not provide", input.name())]
    MissingInput {
        /// The pass.
        pass: &'static str,
        /// The missing input.
        input: PassInput,
        /// The setting that asks for it.
        because: String,
    },
    /// A LUT file named in the preset cannot be read.
    #[error("pass `{pass}` reads the LUT file {path}: {reason}")]
    LutFile {
        /// The pass.
        pass: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The passes are in an order the chain cannot run ([`validate_order`]).
    #[error("the pass order: {0}")]
    Order(#[from] OrderError),
    /// A user pass cannot be used ([`super::custom`]).
    #[error(transparent)]
    Custom(#[from] custom::CustomError),
}

/// What each enabled pass reads under `settings`.
pub fn requirements(settings: &PostSettings) -> Vec<Requirement> {
    let need = |pass, input, because: &str| Requirement { pass, input, because: because.into() };
    let mut list = vec![need(FinishPass::NAME, PassInput::HdrColour, "always")];
    if settings.ao.tier.is_on() {
        list.push(need("ao", PassInput::Depth, "tier is on"));
        list.push(need("ao", PassInput::Normals, "tier is on"));
    }
    if settings.taa.tier.is_on() {
        for input in [PassInput::HdrColour, PassInput::Depth, PassInput::Motion, PassInput::History]
        {
            list.push(need(TaaPass::NAME, input, "tier is on"));
        }
    }
    if settings.exposure.tier.is_on() && settings.exposure.is_automatic() {
        list.push(need(ExposurePass::NAME, PassInput::HdrColour, "automatic exposure"));
        if settings.exposure.metering == MeteringMask::Foreground {
            list.push(need(ExposurePass::NAME, PassInput::Depth, "metering = \"foreground\""));
        }
    }
    if settings.bloom.tier.is_on() {
        list.push(need(BloomPass::NAME, PassInput::HdrColour, "tier is on"));
    }
    if settings.lut.file.is_some() {
        list.push(need("lut", PassInput::LutFile, "file is set"));
    }
    if settings.dof.tier.is_on() {
        list.push(need(DofPass::NAME, PassInput::HdrColour, "tier is on"));
        list.push(need(DofPass::NAME, PassInput::Depth, "tier is on"));
    }
    if settings.motion_blur.tier.is_on() {
        for input in [PassInput::HdrColour, PassInput::Depth, PassInput::Motion] {
            list.push(need(MotionBlurPass::NAME, input, "tier is on"));
        }
    }
    list
}

/// Check the pass order, then every requirement against what the pipeline provides: the
/// first pass that reads something missing is the error.
pub fn validate(settings: &PostSettings, provided: Provided) -> Result<(), ChainError> {
    validate_order(&settings.order)?;
    custom::check(&settings.custom)?;
    for r in requirements(settings) {
        if !provided.has(r.input) {
            return Err(ChainError::MissingInput {
                pass: r.pass,
                input: r.input,
                because: r.because,
            });
        }
    }
    Ok(())
}

/// FXAA as it runs under `settings`: with `taa.fxaa_fallback` and TAA off, FXAA runs at its
/// own tier, or at [`Tier::Low`] when that is off too, so a governor that drops TAA keeps
/// edges smooth; otherwise `settings.fxaa` unchanged.
pub fn effective_fxaa(settings: &PostSettings) -> FxaaSettings {
    let mut fxaa = settings.fxaa;
    if settings.taa.fxaa_fallback && !settings.taa.tier.is_on() && !fxaa.tier.is_on() {
        fxaa.tier = Tier::Low;
    }
    fxaa
}

/// The timing scope of the compute variant's copy of the last display pass into the output.
pub const OUTPUT_COPY: &str = "output_copy";

/// The camera a frame was drawn with, as the passes that need more than its matrices see it
/// (depth of field). Perspective cameras only: reverse-Z depth is `znear / view depth`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PostCamera {
    /// The near plane, scene units.
    pub znear: f32,
    /// Vertical field of view, radians.
    pub yfov: f32,
    /// View depth (along the view axis, scene units) of the scene's bounds centre: depth of
    /// field's autofocus. `None` without a scene (an app's own renderer that knows none).
    pub autofocus_distance: Option<f32>,
}

/// Per-frame inputs of the chain.
pub struct PostFrame<'a> {
    /// The lit HDR image (pre-exposed by `pre_exposure`).
    pub hdr: &'a wgpu::TextureView,
    /// Reverse-Z depth, when the pipeline has it.
    pub depth: Option<&'a wgpu::TextureView>,
    /// Motion vectors (uv now minus uv last frame, without the jitter), when the pipeline has
    /// them.
    pub motion: Option<&'a wgpu::TextureView>,
    /// The sub-pixel offset `hdr` was rasterised at, in pixels (x right, y down); zero without
    /// TAA.
    pub jitter: glam::Vec2,
    /// The view jumped since the previous frame: TAA drops its history (see
    /// [`super::taa::is_camera_cut`]) and motion blur skips the frame (the jump is no motion).
    pub camera_cut: bool,
    /// Last frame's clip space from this frame's unjittered NDC, for TAA to move the sky
    /// (infinite depth, no motion vectors) with the camera: [`super::taa::reprojection`] of
    /// the previous and current unjittered view-projections. `None` (an app without a camera)
    /// leaves the sky's motion at zero.
    pub reprojection: Option<glam::Mat4>,
    /// The perspective camera, for depth of field; `None` (an orthographic camera, an app
    /// without one) skips depth of field.
    pub camera: Option<PostCamera>,
    /// Display size in pixels: what the chain writes.
    pub size: (u32, u32),
    /// Size of `hdr`, `depth` and `motion` in pixels: `size` scaled by the render scale.
    pub input_size: (u32, u32),
    /// The multiplier the HDR image was rendered with (`1 / (1.2 · 2^EV100)`).
    pub pre_exposure: f32,
    /// EV100 for the fixed exposure modes (what the renderer metered or the user set).
    pub fixed_ev100: f32,
    /// Seconds since the previous frame (automatic exposure adapts at EV per second).
    pub dt_seconds: f32,
    /// Frame number (animates the grain).
    pub frame_index: u64,
}

/// The post chain's passes, pool and loaded LUT.
pub struct PostChain {
    provided: Provided,
    dof: DofPass,
    motion_blur: MotionBlurPass,
    taa: TaaPass,
    upscale: UpscalePass,
    hdr_format: wgpu::TextureFormat,
    exposure: ExposurePass,
    bloom: BloomPass,
    finish: FinishPass,
    fxaa: FxaaPass,
    sharpen: SharpenPass,
    pool: TexturePool,
    user_lut: Option<(PathBuf, UserLut)>,
    /// `.cube` files given as text ([`PostChain::provide_lut`]), by the name presets use.
    provided_luts: std::collections::HashMap<PathBuf, Arc<CubeLut>>,
    /// Depth of field was asked for without a perspective camera, and the log said so once.
    warned_no_camera: bool,
    /// The variant the last frame resolved to (logged when it changes), and what it was
    /// resolved from: the requested variant and whether the output could be reached.
    variant: Option<(VariantChoice, (PassVariant, bool))>,
    /// User passes: the presets' compiled shaders and the app's Rust passes.
    custom: CustomPasses,
}

impl PostChain {
    /// Create every pass's pipelines for HDR images of `hdr_format`, fed by a pipeline that
    /// provides `provided`.
    pub fn new(
        device: &wgpu::Device,
        hdr_format: wgpu::TextureFormat,
        provided: Provided,
    ) -> Result<Self, Error> {
        Ok(Self {
            provided,
            dof: DofPass::new(device, hdr_format)?,
            motion_blur: MotionBlurPass::new(device, hdr_format)?,
            taa: TaaPass::new(device, hdr_format)?,
            upscale: UpscalePass::new(device, hdr_format)?,
            hdr_format,
            exposure: ExposurePass::new(device)?,
            bloom: BloomPass::new(device, hdr_format)?,
            finish: FinishPass::new(device)?,
            fxaa: FxaaPass::new(device)?,
            sharpen: SharpenPass::new(device)?,
            pool: TexturePool::new(),
            user_lut: None,
            provided_luts: Default::default(),
            warned_no_camera: false,
            variant: None,
            custom: CustomPasses::new(device, hdr_format),
        })
    }

    /// Validate `settings` against the pipeline, load the user LUT if it changed, and bake
    /// the grade LUT if the grade changed. Call before recording a frame, outside any
    /// encoder (a bake is its own submission). On error nothing changes.
    pub fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        settings: &PostSettings,
    ) -> Result<(), Error> {
        validate(settings, self.provided)?;
        self.custom.prepare(device, &settings.custom).map_err(ChainError::from)?;
        let user_lut = match &settings.lut.file {
            None => None,
            Some(path) => Some(self.load_lut(path, settings.lut.space)?),
        };
        let size = lut_size_for_tier(settings.finish.tier);
        self.finish.prepare(
            device,
            queue,
            &settings.grade,
            settings.tonemap.mapper,
            user_lut.as_ref(),
            size,
        )?;
        self.user_lut = user_lut.map(|lut| (settings.lut.file.clone().unwrap_or_default(), lut));
        Ok(())
    }

    fn load_lut(&self, path: &Path, space: LutSpace) -> Result<UserLut, ChainError> {
        if let Some((loaded, lut)) = &self.user_lut
            && loaded == path
        {
            return Ok(UserLut { lut: lut.lut.clone(), space });
        }
        if let Some(lut) = self.provided_luts.get(path) {
            return Ok(UserLut { lut: lut.clone(), space });
        }
        let lut = CubeLut::load(path).map_err(|e| ChainError::LutFile {
            pass: "lut",
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(UserLut { lut: Arc::new(lut), space })
    }

    /// Give the chain a `.cube` file's `text` under `name`: a preset's `[lut] file = name`
    /// then uses it without reading any file (the web, assets in memory). Parse and
    /// validation errors name `name`; the LUT in use changes at the next
    /// [`PostChain::prepare`] that names it.
    pub fn provide_lut(&mut self, name: impl Into<PathBuf>, text: &str) -> Result<(), Error> {
        let name = name.into();
        let error =
            |reason: String| ChainError::LutFile { pass: "lut", path: name.clone(), reason };
        let lut = CubeLut::parse(text).map_err(|e| error(e.to_string()))?;
        lut.validate().map_err(|e| error(e.to_string()))?;
        if self.user_lut.as_ref().is_some_and(|(loaded, _)| *loaded == name) {
            self.user_lut = None;
        }
        self.provided_luts.insert(name, Arc::new(lut));
        Ok(())
    }

    /// The next frame's automatic exposure snaps to its target and TAA starts from the
    /// current frame (camera cut, new scene).
    pub fn reset_history(&mut self) {
        self.exposure.reset();
        self.taa.reset_history();
    }

    /// The user LUT the grade LUT was baked with, if the settings name one.
    pub fn user_lut(&self) -> Option<&UserLut> {
        self.user_lut.as_ref().map(|(_, lut)| lut)
    }

    /// Add a user pass from Rust, run at its slot every frame after the preset's passes at
    /// the same point (see [`custom::UserPass`]). Errors name the pass: a slot no user pass
    /// can run at, or a name already taken.
    pub fn add_pass(&mut self, pass: Box<dyn custom::UserPass>) -> Result<(), Error> {
        Ok(self.custom.add(pass).map_err(ChainError::from)?)
    }

    /// Give the chain a user shader's `text` under `path`: a `[[custom]] shader = path` then
    /// uses it without reading any file (the web, shaders in memory, tests).
    pub fn provide_custom_shader(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.custom.provide(path.into(), text.into());
    }

    /// Re-read the user passes' shader files and rebuild those that changed (hot reload);
    /// each error names the file, line and column, and its pass keeps its last good pipeline.
    pub fn reload_custom_shaders(
        &mut self,
        device: &wgpu::Device,
        settings: &PostSettings,
    ) -> Vec<custom::CustomError> {
        self.custom.reload(device, &settings.custom)
    }

    /// The compile error of each user pass now running its last good pipeline, by name.
    pub fn custom_errors(&self) -> &std::collections::HashMap<String, String> {
        self.custom.errors()
    }

    /// The G-buffer normals (octahedral xy) user passes read with `custom_normal`; `None`
    /// (the default) reads (0, 0, 0).
    pub fn set_normals(&mut self, normals: Option<wgpu::TextureView>) {
        self.custom.set_normals(normals);
    }

    /// The frame's commands were submitted: passes that read results back start doing so.
    pub fn frame_submitted(&mut self) {
        self.exposure.frame_submitted();
    }

    /// How automatic exposure meters on this device, in words (see
    /// [`ExposurePass::metering_path`]).
    pub fn exposure_metering_path(&self) -> &'static str {
        self.exposure.metering_path()
    }

    /// The exposure state buffer the finish reads (see [`ExposurePass::state_buffer`]).
    pub fn exposure_state(&self) -> &wgpu::Buffer {
        self.exposure.state_buffer()
    }

    /// What the last recorded frame's `variant` setting resolved to on this device, and why
    /// (`None` before the first frame).
    pub fn variant(&self) -> Option<&VariantChoice> {
        self.variant.as_ref().map(|(choice, _)| choice)
    }

    /// Resolve `requested` on `device` and for `output`, keeping (and logging) the choice when it
    /// changes. The display passes' compute variant also needs to reach `output`: directly
    /// when it is an `Rgba8Unorm` storage texture, else by a copy from a pooled texture, which
    /// needs `COPY_DST` on it; without either the frame falls back to fragment.
    fn resolve_variant(
        &mut self,
        device: &wgpu::Device,
        requested: PassVariant,
        output: &wgpu::TextureView,
    ) -> PassVariant {
        let texture = output.texture();
        let usage = texture.usage();
        let reachable =
            usage.contains(wgpu::TextureUsages::COPY_DST) || Self::writes_output_directly(output);
        let key = (requested, reachable);
        if self.variant.as_ref().is_none_or(|(_, k)| *k != key) {
            let mut choice = variant::resolve(requested, device);
            if choice.used == PassVariant::Compute && !reachable {
                choice.used = PassVariant::Fragment;
                choice.fallback = true;
                choice.reason = format!(
                    "{} falls back to fragment: the output texture is neither an Rgba8Unorm \
                     storage texture nor a copy destination",
                    requested.name()
                );
            }
            if choice.fallback {
                log::warn!("post chain: {}", choice.reason);
            } else {
                log::info!("post chain: {} passes ({})", choice.used.name(), choice.reason);
            }
            self.variant = Some((choice, key));
        }
        self.variant.as_ref().map_or(PassVariant::Fragment, |(c, _)| c.used)
    }

    /// The compute variant can store into `output` itself (an Rgba8Unorm storage texture).
    fn writes_output_directly(output: &wgpu::TextureView) -> bool {
        let texture = output.texture();
        texture.format() == wgpu::TextureFormat::Rgba8Unorm
            && texture.usage().contains(wgpu::TextureUsages::STORAGE_BINDING)
    }

    /// The transient pool (for statistics).
    pub fn pool(&self) -> &TexturePool {
        &self.pool
    }

    /// The grade LUT the finish samples (see [`FinishPass::lut_view`]), for debug views.
    pub fn grade_lut(&self) -> Option<&wgpu::TextureView> {
        self.finish.lut_view()
    }

    /// One mip of the last bloom chain (see [`BloomPass::mip_view`]), for debug views.
    pub fn bloom_mip(&self, mip: u32) -> Option<wgpu::TextureView> {
        self.bloom.mip_view(mip)
    }

    /// Record the chain for one frame into `output` (a [`DISPLAY_FORMAT`] view of
    /// `frame.size`, mip 0 of its texture). `settings` must have been accepted by
    /// [`PostChain::prepare`]. With the compute variant the display passes write pooled
    /// `Rgba8Unorm` storage textures, and the last one is copied into `output`'s texture
    /// (which then needs `COPY_DST`) unless `output` is itself an `Rgba8Unorm` storage texture
    /// that the last pass writes directly (see [`super::variant`]).
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        timer: &PassTimer,
        settings: &PostSettings,
        frame: &PostFrame<'_>,
        output: &wgpu::TextureView,
    ) {
        let (width, height) = frame.size;
        let compute =
            self.resolve_variant(device, settings.variant, output) == PassVariant::Compute;
        // Depth of field: thin-lens CoC, half-size near/far gather, composite (skipped when
        // off, without depth, or without a perspective camera).
        if settings.dof.tier.is_on() && frame.camera.is_none() && !self.warned_no_camera {
            log::warn!(
                "dof: no perspective camera this frame (orthographic?); depth of field is skipped"
            );
            self.warned_no_camera = true;
        }
        // Depth of field and motion blur in `settings.order`, each reading the other's output.
        let mut cinematic: Vec<crate::graph::PooledTexture> = Vec::new();
        for pass in
            settings.order.iter().filter(|p| matches!(p, PostPass::Dof | PostPass::MotionBlur))
        {
            let input = cinematic.last().map_or(frame.hdr, |t| &t.view);
            let output = if *pass == PostPass::Dof {
                match (settings.dof.tier.is_on(), frame.depth, frame.camera) {
                    (true, Some(depth), Some(camera)) => {
                        let dof_frame = DofFrame {
                            hdr: input,
                            depth,
                            size: frame.input_size,
                            camera,
                            frame_index: frame.frame_index,
                        };
                        timer.scope(DofPass::NAME, encoder, |e| {
                            let (pool, dof) = (&mut self.pool, &settings.dof);
                            match compute {
                                true => self.dof.dispatch(device, queue, e, pool, &dof_frame, dof),
                                false => self.dof.draw(device, queue, e, pool, &dof_frame, dof),
                            }
                        })
                    }
                    _ => None,
                }
            } else {
                // Motion blur: tile/neighbour-max velocity and a depth-aware gather, before TAA
                // (skipped when off, without depth and motion, or on a camera cut).
                match (settings.motion_blur.tier.is_on(), frame.depth, frame.motion) {
                    (true, Some(depth), Some(motion)) if !frame.camera_cut => {
                        let blur_frame = MotionBlurFrame {
                            hdr: input,
                            depth,
                            motion,
                            size: frame.input_size,
                            frame_index: frame.frame_index,
                        };
                        timer.scope(MotionBlurPass::NAME, encoder, |e| {
                            let (pool, settings) = (&mut self.pool, &settings.motion_blur);
                            let blur = &mut self.motion_blur;
                            match compute {
                                true => {
                                    blur.dispatch(device, queue, e, pool, &blur_frame, settings)
                                }
                                false => blur.draw(device, queue, e, pool, &blur_frame, settings),
                            }
                        })
                    }
                    _ => None,
                }
            };
            cinematic.extend(output);
        }
        let scene_hdr = cinematic.last().map_or(frame.hdr, |t| &t.view);
        // TAA: jittered frame + reprojected history; every later pass reads its output
        // (skipped when off, which also drops its history).
        let taa_frame = TaaFrame {
            hdr: scene_hdr,
            depth: frame.depth,
            motion: frame.motion,
            jitter: frame.jitter,
            input_size: frame.input_size,
            output_size: frame.size,
            camera_cut: frame.camera_cut,
            reprojection: frame.reprojection,
        };
        let taa = if settings.taa.tier.is_on() {
            timer.scope(TaaPass::NAME, encoder, |e| match compute {
                true => self.taa.dispatch(device, queue, e, &taa_frame, &settings.taa),
                false => self.taa.draw(device, queue, e, &taa_frame, &settings.taa),
            })
        } else {
            self.taa.reset_history();
            None
        };
        // Upscale: a render scale below 1 without TAA is brought to display size spatially.
        // The compute variant stores Rgba16Float only; other HDR formats upscale by fragment.
        let upscale_compute = compute && self.hdr_format == upscale::COMPUTE_FORMAT;
        let upscaled = (taa.is_none() && frame.input_size != frame.size).then(|| {
            let storage = match upscale_compute {
                true => wgpu::TextureUsages::STORAGE_BINDING,
                false => wgpu::TextureUsages::empty(),
            };
            let desc = TransientDesc::target(width, height, self.hdr_format, storage);
            let target = self.pool.acquire(device, UpscalePass::NAME, &desc);
            let (input, input_size, view) = (scene_hdr, frame.input_size, &target.view);
            let filter = &settings.upscale;
            timer.scope(UpscalePass::NAME, encoder, |e| match upscale_compute {
                true => {
                    let size = frame.size;
                    self.upscale.dispatch(device, queue, e, input, input_size, view, size, filter)
                }
                false => self.upscale.draw(device, queue, e, input, input_size, view, filter),
            });
            target
        });
        let hdr = taa.or(upscaled.as_ref().map(|t| &t.view)).unwrap_or(scene_hdr);
        // User passes at the HDR points (after TAA, after exposure, before the finish).
        let custom_frame = CustomFrame {
            size: frame.size,
            depth: frame.depth,
            normals: None,
            motion: frame.motion,
            frame_index: frame.frame_index,
        };
        let after_taa = self.custom.run_hdr(
            device,
            queue,
            encoder,
            timer,
            &mut self.pool,
            &settings.custom,
            Point::AfterTaa,
            &custom_frame,
            hdr,
        );
        let hdr = after_taa.as_ref().map_or(hdr, |t| &t.view);
        // Exposure: histogram of the HDR image and adaptation, all on the GPU; the fixed
        // modes only write the state buffer (no GPU work, no timing scope).
        let mut exposure = |e: &mut wgpu::CommandEncoder| {
            self.exposure.dispatch(
                device,
                queue,
                e,
                hdr,
                frame.depth,
                frame.size,
                &settings.exposure,
                frame.pre_exposure,
                frame.fixed_ev100,
                frame.dt_seconds,
            )
        };
        if settings.exposure.is_automatic() {
            timer.scope(ExposurePass::NAME, encoder, exposure);
        } else {
            exposure(encoder);
        }
        let after_exposure = self.custom.run_hdr(
            device,
            queue,
            encoder,
            timer,
            &mut self.pool,
            &settings.custom,
            Point::AfterExposure,
            &custom_frame,
            hdr,
        );
        let hdr = after_exposure.as_ref().map_or(hdr, |t| &t.view);
        // Bloom: 13-tap/Karis downsample chain and tent upsample (skipped when off).
        let bloom = if settings.bloom.tier.is_on() {
            timer.scope(BloomPass::NAME, encoder, |e| {
                let (pool, size, bloom) = (&mut self.pool, frame.size, &settings.bloom);
                match compute {
                    true => self.bloom.dispatch(device, queue, e, pool, hdr, size, bloom),
                    false => self.bloom.draw(device, queue, e, pool, hdr, size, bloom),
                }
            })
        } else {
            None
        };
        let before_finish = self.custom.run_hdr(
            device,
            queue,
            encoder,
            timer,
            &mut self.pool,
            &settings.custom,
            Point::BeforeFinish,
            &custom_frame,
            hdr,
        );
        let hdr = before_finish.as_ref().map_or(hdr, |t| &t.view);
        // Finish: into the output directly, or into a pooled image when FXAA/sharpen follow
        // (or, with the compute variant, when the output cannot be stored into: `staged`).
        let fxaa = effective_fxaa(settings);
        let fxaa_on = fxaa.tier.is_on();
        let sharpen_on = settings.sharpen.tier.is_on();
        // User passes after the finish are fragment passes writing the display format: with
        // the compute variant their output is copied into the output like the others'.
        let steps = custom::display_steps(&self.custom, &settings.custom, &settings.order, |p| {
            (p == PostPass::Fxaa && fxaa_on) || (p == PostPass::Sharpen && sharpen_on)
        });
        let user_display = steps.iter().any(|s| matches!(s, DisplayStep::Custom(_)));
        let staged = compute && (user_display || !Self::writes_output_directly(output));
        let display = match compute {
            true => TransientDesc {
                format: wgpu::TextureFormat::Rgba8Unorm,
                usage: wgpu::TextureUsages::TEXTURE_BINDING
                    | wgpu::TextureUsages::STORAGE_BINDING
                    | wgpu::TextureUsages::COPY_SRC,
                ..TransientDesc::target(width, height, DISPLAY_FORMAT, wgpu::TextureUsages::empty())
            },
            false => {
                TransientDesc::target(width, height, DISPLAY_FORMAT, wgpu::TextureUsages::empty())
            }
        };
        // What the next display pass reads: the sRGB view of a compute pass's Rgba8Unorm.
        let readable = |t: &crate::graph::PooledTexture| match compute {
            true => t.texture.create_view(&wgpu::TextureViewDescriptor {
                format: Some(DISPLAY_FORMAT),
                // Sampled only: an sRGB view cannot carry the texture's storage usage.
                usage: Some(wgpu::TextureUsages::TEXTURE_BINDING),
                ..Default::default()
            }),
            false => t.view.clone(),
        };
        let finished =
            (!steps.is_empty() || staged).then(|| self.pool.acquire(device, "finish", &display));
        timer.scope(FinishPass::NAME, encoder, |e| {
            let finish_frame = FinishFrame {
                hdr,
                bloom: bloom.as_ref().map(|b| &b.view),
                exposure: self.exposure.state_buffer(),
                size: frame.size,
                frame_index: frame.frame_index,
            };
            let target = finished.as_ref().map_or(output, |t| &t.view);
            match compute {
                true => self.finish.dispatch(device, queue, e, &finish_frame, settings, target),
                false => self.finish.draw(device, queue, e, &finish_frame, settings, target),
            }
        });
        if let Some(bloom) = &bloom {
            self.pool.release(bloom);
        }
        if let Some(upscaled) = &upscaled {
            self.pool.release(upscaled);
        }
        for user in [&after_taa, &after_exposure, &before_finish].into_iter().flatten() {
            self.pool.release(user);
        }
        for cinematic in &cinematic {
            self.pool.release(cinematic);
        }
        // FXAA and sharpen in `settings.order`: each into the output, or into a pooled image
        // when the other follows.
        // User passes after the finish read the HDR image the finish read: it stays alive
        // (only display-format images are acquired from here on).
        let mut current = finished;
        let mut display_passes = steps.iter();
        let mut next = display_passes.next();
        while let Some(step) = next {
            let Some(input) = current.take() else { break };
            next = display_passes.next();
            let pass = match step {
                DisplayStep::Builtin(pass) => pass,
                DisplayStep::Custom(user) => {
                    // Fragment only: a render target of the display format (copyable).
                    let name = self.custom.name(&settings.custom, *user).to_owned();
                    let usage = wgpu::TextureUsages::COPY_SRC;
                    let desc = TransientDesc::target(width, height, DISPLAY_FORMAT, usage);
                    let target =
                        (next.is_some() || staged).then(|| self.pool.acquire(device, &name, &desc));
                    let into = target.as_ref().map_or(output, |t| &t.view);
                    let source = readable(&input);
                    let (user_settings, io) = (&settings.custom, (&source, hdr));
                    self.custom.draw(
                        device,
                        queue,
                        encoder,
                        timer,
                        user_settings,
                        *user,
                        &custom_frame,
                        io,
                        (into, DISPLAY_FORMAT),
                    );
                    self.pool.release(&input);
                    current = target;
                    continue;
                }
            };
            let target = (next.is_some() || staged)
                .then(|| self.pool.acquire(device, pass.name(), &display));
            let into = target.as_ref().map_or(output, |t| &t.view);
            let (source, size) = (readable(&input), frame.size);
            if *pass == PostPass::Fxaa {
                // FXAA: luma-edge anti-aliasing of the display image.
                timer.scope(FxaaPass::NAME, encoder, |e| match compute {
                    true => self.fxaa.dispatch(device, queue, e, &source, into, size, &fxaa),
                    false => self.fxaa.draw(device, queue, e, &source, into, size, &fxaa),
                });
            } else {
                // Sharpen: contrast-adaptive.
                let sharpen = &settings.sharpen;
                timer.scope(SharpenPass::NAME, encoder, |e| match compute {
                    true => self.sharpen.dispatch(device, queue, e, &source, into, size, sharpen),
                    false => self.sharpen.draw(device, queue, e, &source, into, size, sharpen),
                });
            }
            self.pool.release(&input);
            current = target;
        }
        // Output copy (compute variant only): the last display pass's storage texture into
        // the caller's texture, which storage cannot reach.
        if let Some(last) = current.take() {
            timer.scope(OUTPUT_COPY, encoder, |e| {
                e.copy_texture_to_texture(
                    last.texture.as_image_copy(),
                    output.texture().as_image_copy(),
                    wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
                )
            });
            self.pool.release(&last);
        }
        self.pool.end_frame();
    }
}

impl PostChain {
    /// Every texture and buffer the chain holds: the transient pool's textures (free or lent,
    /// see [`TexturePool::memory`]) and each pass's own, TAA's history included (what it
    /// holds now: nothing before TAA first ran; `settings` and `size` are not needed for it).
    pub fn memory(
        &self,
        _settings: &PostSettings,
        _size: (u32, u32),
    ) -> Vec<crate::bench::memory::MemoryEntry> {
        let mut entries = self.pool.memory("post.pool");
        entries.extend(self.dof.memory());
        entries.extend(self.motion_blur.memory());
        entries.extend(self.taa.memory());
        entries.extend(self.exposure.memory());
        entries.extend(self.bloom.memory());
        entries.extend(self.finish.memory());
        entries.extend(self.fxaa.memory());
        entries.extend(self.sharpen.memory());
        entries.extend(self.upscale.memory());
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreground_metering_needs_depth() {
        let settings =
            PostSettings { exposure: ExposureSettings::AUTO_PRODUCT, ..Default::default() };
        assert!(validate(&settings, Provided::GBUFFER).is_ok());
        let error = validate(&settings, Provided::HDR_ONLY).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`exposure`") && message.contains("depth"), "{message}");
    }

    #[test]
    fn cinematic_passes_need_depth_and_motion() {
        let settings = PostSettings {
            dof: DofSettings::PRODUCT,
            motion_blur: MotionBlurSettings::FILM,
            ..Default::default()
        };
        assert!(validate(&settings, Provided::GBUFFER).is_ok());
        let message = validate(&settings, Provided::HDR_ONLY).unwrap_err().to_string();
        assert!(message.contains("`dof`") && message.contains("depth"), "{message}");
        let no_motion = Provided { motion: false, ..Provided::GBUFFER };
        let message = validate(&settings, no_motion).unwrap_err().to_string();
        assert!(message.contains("`motion_blur`") && message.contains("motion"), "{message}");
    }

    #[test]
    fn the_allowed_swaps_validate_and_the_rest_are_refused_with_a_reason() {
        assert_eq!(validate_order(&PostPass::DEFAULT_ORDER), Ok(()));
        let swapped = move_pass(&PostPass::DEFAULT_ORDER, 0, false).expect("dof after blur");
        assert_eq!(&swapped[..2], &[PostPass::MotionBlur, PostPass::Dof]);
        assert!(move_pass(&PostPass::DEFAULT_ORDER, 6, false).is_ok(), "FXAA after sharpen");
        let refused = move_pass(&PostPass::DEFAULT_ORDER, 2, true).unwrap_err();
        assert!(refused.contains("TAA must come after"), "{refused}");
        let refused = move_pass(&PostPass::DEFAULT_ORDER, 4, true).unwrap_err();
        assert!(refused.contains("cannot change the picture"), "{refused}");
        let refused = move_pass(&PostPass::DEFAULT_ORDER, 5, false).unwrap_err();
        assert!(refused.contains("must follow the finish"), "{refused}");
        assert!(move_pass(&PostPass::DEFAULT_ORDER, 0, true).is_err(), "nowhere to go");
        let missing = validate_order(&PostPass::DEFAULT_ORDER[1..]).unwrap_err();
        assert_eq!(missing, OrderError::Count("dof"));
    }

    #[test]
    fn an_order_round_trips_through_a_preset_and_a_bad_one_is_clamped_with_a_warning() {
        let mut settings = PostSettings::default();
        settings.order = move_pass(&settings.order, 6, false).expect("allowed");
        let text = crate::config::to_toml(&settings).expect("toml");
        assert!(
            text.contains("\"sharpen\",\n    \"fxaa\"") || text.contains("\"sharpen\", \"fxaa\""),
            "{text}"
        );
        let back: PostSettings = toml::from_str(&text).expect("parses");
        assert_eq!(back.order, settings.order);
        let bad: PostSettings = toml::from_str(
            "order = [\"taa\", \"dof\", \"motion_blur\", \"exposure\", \"bloom\", \"finish\", \"fxaa\", \"sharpen\"]",
        )
        .expect("parses");
        let (fixed, warnings) = bad.validated();
        assert_eq!(fixed.order, PostPass::DEFAULT_ORDER);
        assert!(
            warnings.iter().any(|w| w.starts_with("order: `taa` cannot run before `dof`")),
            "{warnings:?}"
        );
    }

    #[test]
    fn defaults_need_only_hdr() {
        assert!(validate(&PostSettings::default(), Provided::HDR_ONLY).is_ok());
    }
}

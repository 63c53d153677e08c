//! The post chain's settings: a preset's content ([`PostSettings`]), and the pass order and
//! its rules ([`PostPass`], [`validate_order`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Tier;
use super::ao::AoSettings;
use super::bloom::{BloomPass, BloomSettings};
use super::clamp_setting;
use super::custom::CustomPassSettings;
use super::dof::{DofPass, DofSettings};
use super::exposure::{ExposurePass, ExposureSettings};
use super::finish::{FinishPass, FinishSettings};
use super::fxaa::{FxaaPass, FxaaSettings};
use super::grade::GradeSettings;
use super::grade_bake::LutSpace;
use super::motion_blur::{MotionBlurPass, MotionBlurSettings};
use super::sharpen::{SharpenPass, SharpenSettings};
use super::taa::{TaaPass, TaaSettings};
use super::tonemap::ToneMapper;
use super::upscale::UpscaleSettings;
use super::variant::PassVariant;
use crate::post::budget::BudgetSettings;

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
    /// names it; see [`crate::post::budget`]).
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

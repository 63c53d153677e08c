//! The post chain's settings: a preset's content ([`PostSettings`]), and the pass order and
//! its rules ([`PostPass`], [`validate_order`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Tier;
use super::ao::AoSettings;
use super::bloom::BloomSettings;
use super::clamp_setting;
use super::custom::CustomPassSettings;
use super::dof::DofSettings;
use super::exposure::ExposureSettings;
use super::finish::FinishSettings;
use super::fxaa::FxaaSettings;
use super::grade::GradeSettings;
use super::grade_bake::LutSpace;
use super::motion_blur::MotionBlurSettings;
use super::order::{PostPass, validate_order};
use super::schema::{Control, Setting, float, setting};
use super::sharpen::SharpenSettings;
use super::taa::TaaSettings;
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

/// The `[lut]` keys as the panel and presets see them ([`LutSettings`]).
pub const LUT_SETTINGS: &[Setting] = &[
    setting(
        "lut.file",
        Control::File,
        "A .cube LUT baked into the finish (relative to the preset file); none by default.",
    ),
    setting(
        "lut.space",
        Control::Choice(&["display", "scene_log"]),
        "The LUT's input: display (sRGB after the tone mapper, default) or scene_log (replaces the tone mapper).",
    ),
];

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

/// The top-level keys of [`PostSettings`] as the panel and presets see them.
pub const GENERAL_SETTINGS: &[Setting] = &[
    setting(
        "description",
        Control::Text,
        "One line on what the preset is for; no effect on the image.",
    ),
    setting(
        "render_scale",
        float(0.5, 1.0, 0.01),
        "Fraction of the display resolution (per axis) the scene is rendered at, 0.5..=1, default 1. \
         Below 1 TAA (or, without it, the spatial upscale) brings it to display size.",
    ),
    setting(
        "order",
        Control::Order,
        "The order the post passes run in. Depth of field and motion blur may swap, and so may \
         FXAA and sharpen; every other order is refused with its reason (see \"Chain order\").",
    ),
    setting(
        "variant",
        Control::Choice(&["fragment", "compute", "auto"]),
        "Full-screen passes (TAA, upscale, finish, FXAA, sharpen) as fragment or compute shaders; \
         auto (default) is compute unless the adapter is mobile-class or lacks compute support.",
    ),
];

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

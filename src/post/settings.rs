//! The post chain's settings: a preset's content ([`PostSettings`]), and the one list of
//! built-in passes ([`BUILT_IN`]), each pass's contract joined to the table that drives it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Tier;
use super::ao::{AoPass, AoSettings};
use super::bloom::{BloomPass, BloomSettings};
use super::clamp_setting;
use super::contract::{PassContract, PassInput, Read};
use super::custom::CustomPassSettings;
use super::display::DisplaySettings;
use super::dof::{DofPass, DofSettings};
use super::exposure::{ExposurePass, ExposureSettings, MeteringMask};
use super::finish::{FinishPass, FinishSettings};
use super::fxaa::{FxaaPass, FxaaSettings};
use super::grade::GradeSettings;
use super::grade_bake::LutSpace;
use super::motion_blur::{MotionBlurPass, MotionBlurSettings};
use super::order::{PostPass, validate_order};
use super::schema::{Control, Setting, float, setting};
use super::shadow_tier::{ShadowTier, ShadowTierSettings};
use super::sharpen::{SharpenPass, SharpenSettings};
use super::smaa::{SmaaPass, SmaaSettings};
use super::taa::{TaaPass, TaaSettings};
use super::tonemap::ToneMapper;
use super::traffic::{FrameTargets, PassTraffic};
use super::upscale::{UpscalePass, UpscaleSettings};
use super::variant::PassVariant;
use crate::post::budget::{BudgetSettings, RENDER_SCALE_VALUE, ValueWeights};

/// The tone mapper's table in a preset (`[tonemap]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TonemapSettings {
    /// The curve from scene-linear to display (default `khronos_pbr_neutral`); see
    /// [`ToneMapper`] for the names.
    pub mapper: ToneMapper,
}

/// A user LUT file baked into the grade (`[lut]` in a preset): any format
/// [`ColourLut`](super::colour_lut::ColourLut) reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LutSettings {
    /// The LUT file (relative paths are relative to the preset file); none by default.
    pub file: Option<PathBuf>,
    /// What the LUT's input is: `display` (sRGB-encoded, after the tone mapper; creative
    /// "look" LUTs), `scene_log` (afterlight's log2 shaper of scene-linear colour; what
    /// `afterlight lut export` writes by default), or a camera log encoding of scene-linear
    /// colour in its gamut: `logc3` (ARRI LogC3 EI 800, AWG3), `logc4` (ARRI LogC4, AWG4),
    /// `slog3` (Sony S-Log3, S-Gamut3.Cine), `acescct` (ACEScct, AP1). All but `display`
    /// replace the tone mapper. Default `display`.
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
    /// SMAA 1x right after the finish, before FXAA and sharpen (off unless a preset names
    /// it).
    pub smaa: SmaaSettings,
    /// FXAA after the finish (and SMAA; off unless a preset names it).
    pub fxaa: FxaaSettings,
    /// Contrast-adaptive sharpening after FXAA (off unless a preset names it).
    pub sharpen: SharpenSettings,
    /// What the finish encodes for: SDR, or an HDR display (PQ, scRGB; see
    /// [`super::display`]).
    pub display: DisplaySettings,
    /// The key light's shadow map tier (the renderer draws it; the governor turns it, see
    /// [`super::shadow_tier`]).
    pub shadows: ShadowTierSettings,
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
            smaa: SmaaSettings::OFF,
            fxaa: FxaaSettings::OFF,
            sharpen: SharpenSettings::OFF,
            display: DisplaySettings::default(),
            shadows: ShadowTierSettings::default(),
            budget: BudgetSettings { value: default_value_weights(), ..BudgetSettings::default() },
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
            smaa: take(w, self.smaa.validated()),
            fxaa: take(w, self.fxaa.validated()),
            sharpen: take(w, self.sharpen.validated()),
            display: take(w, self.display.validated()),
            shadows: self.shadows,
            budget: validated_budget(&self.budget, w),
            custom: self.custom.iter().map(|c| take(w, c.validated())).collect(),
        };
        (settings, warnings)
    }
}

/// Every knob's value weight at its default: the render scale's and each built-in pass
/// contract's.
pub fn default_value_weights() -> ValueWeights {
    let mut weights = ValueWeights::default();
    weights.set("render_scale", RENDER_SCALE_VALUE);
    for pass in BUILT_IN {
        if let Some(knob) = pass.contract.knob {
            weights.set(pass.name(), knob.value);
        }
    }
    weights
}

/// `budget` in its ranges, its value weights complete: a name that is no knob is dropped with
/// a warning listing the knobs, and every knob not named takes its default.
fn validated_budget(budget: &BudgetSettings, warnings: &mut Vec<String>) -> BudgetSettings {
    let (mut budget, more) = budget.validated();
    warnings.extend(more);
    let defaults = default_value_weights();
    let unknown: Vec<String> = budget
        .value
        .iter()
        .filter(|(name, _)| defaults.weight(name).is_none())
        .map(|(name, _)| name.to_owned())
        .collect();
    for name in unknown {
        let known: Vec<&str> = defaults.iter().map(|(name, _)| name).collect();
        warnings.push(format!(
            "budget.value.{name}: no knob of that name (known: {}; a user pass's weight is its \
             [[custom]] table's `value`); ignored",
            known.join(", ")
        ));
        budget.value.remove(&name);
    }
    for (name, weight) in defaults.iter() {
        if budget.value.weight(name).is_none() {
            budget.value.set(name, weight);
        }
    }
    budget
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
        "Full-screen passes (TAA, upscale, finish, FXAA, sharpen) as fragment or compute shaders \
         (SMAA is fragment only); auto (default) is compute unless the adapter is mobile-class or lacks compute support.",
    ),
];

/// FXAA as it runs under `settings`: with `taa.fxaa_fallback` and TAA off, FXAA runs at its
/// own tier, or at [`Tier::Low`] when that is off too, so a governor that drops TAA keeps
/// edges smooth (unless SMAA is on: its edges are anti-aliased already); otherwise
/// `settings.fxaa` unchanged.
pub fn effective_fxaa(settings: &PostSettings) -> FxaaSettings {
    let mut fxaa = settings.fxaa;
    let smaa = settings.smaa.tier.is_on();
    if settings.taa.fxaa_fallback && !settings.taa.tier.is_on() && !fxaa.tier.is_on() && !smaa {
        fxaa.tier = Tier::Low;
    }
    fxaa
}

/// A built-in pass: its contract (declared in its file) joined to the [`PostSettings`] table
/// that drives it. [`BUILT_IN`] is the one list of built-in passes; the chain's validation, the
/// governor's knobs and value weights, the viewer's timing rows and the architecture page's pass
/// table are derived from it.
#[derive(Clone, Copy)]
pub struct BuiltinPass {
    /// What the pass declares about itself.
    pub contract: &'static PassContract,
    /// Its tier in these settings.
    pub tier: fn(&PostSettings) -> Tier,
    /// Set its tier (what the governor turns).
    pub set_tier: fn(&mut PostSettings, Tier),
    /// The lowest tier the governor may choose under these settings: the contract's floor
    /// ([`contract_floor`]) unless the pass's table may lower it.
    pub floor: fn(&PostSettings, Tier) -> Tier,
    /// What it reads under these settings and which setting makes it (nothing when off).
    pub reads: fn(&PostSettings) -> Vec<Read>,
    /// The memory traffic it declares under these settings on these targets, as its fragment
    /// (`false`) or compute (`true`) variant moves it (`None`: off this frame); the bench's
    /// bandwidth figures ([`super::traffic`]).
    pub traffic: fn(&PostSettings, &FrameTargets, bool) -> Option<PassTraffic>,
}

impl BuiltinPass {
    /// The pass's name (label, timing scope, preset table, knob).
    pub fn name(&self) -> &'static str {
        self.contract.name
    }
}

/// The floor a pass's contract declares, whatever the settings.
fn contract_floor(_: &PostSettings, floor: Tier) -> Tier {
    floor
}

/// What a pass whose tier is on reads, every input for the same reason.
fn when_on(on: bool, inputs: &[PassInput]) -> Vec<Read> {
    if on { inputs.iter().map(|&input| (input, "tier is on")).collect() } else { Vec::new() }
}

/// Every built-in pass, in the chain's default order (AO first: the renderer runs it before
/// lighting), then the shadow map's tier (the renderer draws the map before everything, but it
/// is no step of the chain).
pub const BUILT_IN: &[BuiltinPass] = {
    use PassInput::{Depth, HdrColour, History, Motion, Normals};
    &[
        BuiltinPass {
            contract: &AoPass::CONTRACT,
            tier: |s| s.ao.tier,
            set_tier: |s, t| s.ao.tier = t,
            floor: contract_floor,
            reads: |s| when_on(s.ao.tier.is_on(), &[Depth, Normals]),
            traffic: |s, t, compute| match compute {
                true => super::ao::traffic_compute(&s.ao, t),
                false => super::ao::traffic(&s.ao, t),
            },
        },
        BuiltinPass {
            contract: &DofPass::CONTRACT,
            tier: |s| s.dof.tier,
            set_tier: |s, t| s.dof.tier = t,
            floor: contract_floor,
            reads: |s| when_on(s.dof.tier.is_on(), &[HdrColour, Depth]),
            traffic: |_, t, _| super::dof::traffic(t),
        },
        BuiltinPass {
            contract: &MotionBlurPass::CONTRACT,
            tier: |s| s.motion_blur.tier,
            set_tier: |s, t| s.motion_blur.tier = t,
            floor: contract_floor,
            reads: |s| when_on(s.motion_blur.tier.is_on(), &[HdrColour, Depth, Motion]),
            traffic: |_, t, _| super::motion_blur::traffic(t),
        },
        BuiltinPass {
            contract: &TaaPass::CONTRACT,
            tier: |s| s.taa.tier,
            set_tier: |s, t| s.taa.tier = t,
            floor: contract_floor,
            reads: |s| when_on(s.taa.tier.is_on(), &[HdrColour, Depth, Motion, History]),
            traffic: |_, t, _| super::taa::traffic(t),
        },
        BuiltinPass {
            contract: &UpscalePass::CONTRACT,
            tier: |s| s.upscale.tier,
            set_tier: |s, t| s.upscale.tier = t,
            floor: contract_floor,
            reads: |_| Vec::new(),
            traffic: |_, t, _| super::upscale::traffic(t),
        },
        BuiltinPass {
            contract: &ExposurePass::CONTRACT,
            tier: |s| s.exposure.tier,
            set_tier: |s, t| s.exposure.tier = t,
            floor: contract_floor,
            reads: |s| {
                let mut reads = Vec::new();
                if s.exposure.tier.is_on() && s.exposure.is_automatic() {
                    reads.push((HdrColour, "automatic exposure"));
                    if s.exposure.metering == MeteringMask::Foreground {
                        reads.push((Depth, "metering = \"foreground\""));
                    }
                }
                reads
            },
            traffic: |s, t, _| super::exposure::traffic(&s.exposure, t),
        },
        BuiltinPass {
            contract: &BloomPass::CONTRACT,
            tier: |s| s.bloom.tier,
            set_tier: |s, t| s.bloom.tier = t,
            floor: contract_floor,
            reads: |s| when_on(s.bloom.tier.is_on(), &[HdrColour]),
            traffic: |s, t, compute| match compute {
                true => super::bloom::traffic_compute(&s.bloom, t),
                false => super::bloom::traffic(&s.bloom, t),
            },
        },
        BuiltinPass {
            contract: &FinishPass::CONTRACT,
            tier: |s| s.finish.tier,
            set_tier: |s, t| s.finish.tier = t,
            floor: contract_floor,
            reads: |s| {
                let mut reads = vec![(HdrColour, "always")];
                if s.lut.file.is_some() {
                    reads.push((PassInput::LutFile, "lut.file is set"));
                }
                reads
            },
            traffic: |s, t, _| super::finish::traffic(&s.bloom, t),
        },
        BuiltinPass {
            contract: &SmaaPass::CONTRACT,
            tier: |s| s.smaa.tier,
            set_tier: |s, t| s.smaa.tier = t,
            floor: contract_floor,
            reads: |_| Vec::new(),
            traffic: |s, t, _| super::smaa::traffic(&s.smaa, t),
        },
        BuiltinPass {
            contract: &FxaaPass::CONTRACT,
            tier: |s| s.fxaa.tier,
            set_tier: |s, t| s.fxaa.tier = t,
            floor: contract_floor,
            reads: |_| Vec::new(),
            traffic: |s, t, _| super::fxaa::traffic(&effective_fxaa(s), t),
        },
        BuiltinPass {
            contract: &SharpenPass::CONTRACT,
            tier: |s| s.sharpen.tier,
            set_tier: |s, t| s.sharpen.tier = t,
            floor: contract_floor,
            reads: |_| Vec::new(),
            traffic: |s, t, _| super::sharpen::traffic(&s.sharpen, t),
        },
        BuiltinPass {
            contract: &ShadowTier::CONTRACT,
            tier: |s| s.shadows.tier,
            set_tier: |s, t| s.shadows.tier = t,
            floor: |s, floor| if s.shadows.off_at_floor { Tier::Off } else { floor },
            // The renderer draws it before the chain, from the scene: no post image.
            reads: |_| Vec::new(),
            traffic: |_, _, _| None,
        },
    ]
};

/// The built-in pass named `name`.
pub fn built_in(name: &str) -> Option<&'static BuiltinPass> {
    BUILT_IN.iter().find(|pass| pass.name() == name)
}

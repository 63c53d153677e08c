//! Bloom: the soft glow around bright light, as a normalised blur of the HDR image that the
//! finish pass blends in.
//!
//! Follows Jimenez, "Next Generation Post Processing in Call of Duty: Advanced Warfare"
//! (SIGGRAPH 2014, Advances in Real-Time Rendering): a mip chain built with a 13-tap
//! downsample, a Karis average on the first downsample against fireflies, and a 3x3 tent
//! upsample that accumulates back up the chain. The low-frequency boost follows Bevy's bloom.
//! Kernels: `shaders/post/bloom.wgsl`; the composite: `shaders/include/bloom_composite.wgsl`.
//!
//! **Specialised** ([`crate::draw::specialise`]): the first downsample's threshold and the
//! final upsample's cases (the input itself as level 0, coarser levels to add) are override
//! constants, one pipeline per `BloomKey`, so no branch reads a uniform (Mesa 22's lavapipe
//! recompiled and leaked such shaders on every bind, `docs/memory-growth.md`). The levels are
//! the CPU's loop over draws; the Karis average always runs on the first downsample.
//! [`BloomPass::frame_submitted`] builds the keys of the tiers a budget-governor step can reach
//! (at the last input size) once a frame is submitted.
//!
//! **Reads** HDR colour (scene-linear, pre-exposed; any filterable float format).
//! **Writes** the bloom texture, by default at half resolution (the largest level of the chain:
//! input / [`BloomChain::first_mip_divisor`], i.e. 1/1, 1/2 or 1/4), in the renderer's HDR
//! format; the finish pass samples it bilinearly at full resolution and composites it with
//! [`composite`]. Intermediate mips come from the [`TexturePool`] (`"bloom.mips"`) and go back
//! to it before [`BloomPass::draw`] returns.
//!
//! # The chain
//! Chain mip `c` has size `input >> (c + 1)` (mip 0 is half resolution). Bloom level `k`
//! (`0..levels`) is chain mip `k + log2(divisor) − 1`; with divisor 1, level 0 is the input
//! itself (sanitised and thresholded), with divisor 4 chain mip 0 is only a stepping stone.
//!
//! **First downsample** (input → mip 0). Every tap is sanitised (NaN and ±∞ → 0, negatives → 0,
//! at most 32768) so a broken texel cannot spread. 13 bilinear taps, each the mean of a 2x2
//! box of input texels, form 5 overlapping 4x4 box groups: the centre group `G₀` (weight
//! `g₀ = 1/2`) and the four corner groups `G₁..G₄` (`gᵢ = 1/8`). The Karis average weighs the
//! four taps `t` inside each group by `w(t) = 1 / (1 + luma(t) / K)` (Rec. 709 luma,
//! `K =` [`KARIS_LUMA_SCALE`] `= 16`), renormalised (Jimenez's "partial Karis average", on
//! each block of 4 samples):
//!
//! `Gᵢ = Σ_t w(t) t / Σ_t w(t)`,  `D₀ = ½ G₀ + ⅛ (G₁ + G₂ + G₃ + G₄)`
//!
//! A single texel of 10000 on grey 0.5 makes its tap's luma about 2500, so that tap weighs
//! about 1/150 of its neighbours and the firefly's energy is all but removed (`tests/integration/bloom.rs`
//! measures it). Weighting whole groups by their luma instead (as some ports do) cannot help at
//! the firefly's own output pixel: the central 2x2 texels lie in all five groups, so all five
//! weights drop alike.
//!
//! Why `K = 16` rather than Karis' `1 / (1 + luma)`: the input here is scene-linear and
//! pre-exposed, where diffuse white is about 1 and ordinary highlights are a few units. Any
//! Karis average leans towards the darker taps wherever luma varies inside a group, so hard
//! edges lose energy in the first downsample; with `K = 1` bright squares (luma 2..4 on 0.02)
//! lost 4.5% of the image's light, with `K = 16` 0.6%, inside the 1% the energy-conserving
//! composite needs, while a firefly (luma in the hundreds or thousands) is still cut by two
//! orders of magnitude. Then the soft threshold (below) applies.
//!
//! **Further downsamples** (mip `c` → `c + 1`): the same 13 taps without the Karis average
//! (per tap: centre 1/8, the four inner taps 1/8, the four edge taps 1/16, the four corners
//! 1/32). Each input texel contributes exactly 1/4 in total to the output (every 2x2 box holds
//! one texel of each parity), so the mean is preserved away from the image border.
//!
//! **Upsample**, from the smallest level up: `U_{L−1} = D_{L−1}`, and
//!
//! `U_k = f_k D_k + (1 − f_k) tent(U_{k+1})`, `f_k = w_k / Σ_{j≥k} w_j`
//!
//! where `tent` is the 3x3 tent (1 2 1 / 2 4 2 / 1 2 1, over 16) with bilinear taps one texel
//! of the smaller mip apart. Unrolled, `U₀ = Σ_k w_k · blur_k`: a weighted sum of ever wider
//! blurs with weights summing to 1, so the bloom texture has the input's mean ("energy").
//! Intermediate `U_k` overwrite `D_k` in place with the blend constant `1 − f_k`; `U₀` goes to
//! the returned texture.
//!
//! **Level weights** ([`level_weights`]): with `x = k / (levels − 1)` (0 for one level), boost
//! `β` and curvature `γ`, `r(x) = 1 − (1 − x)^(1/(1 − γ))` (Bevy's curve), the raw weight is
//! `(1 − β) + β r(x)` and the weights are renormalised to sum 1. `β = 0` weighs all levels
//! equally (Jimenez); `β = 1` gives the largest level nothing and the smallest the most.
//!
//! **Soft threshold** ([`soft_threshold`]), Karis' quadratic knee as in Unreal: with `b` the
//! brightest channel, threshold `t` and knee `k = t · softness`,
//! `b' = max(b − t, clamp(b − t + k, 0, 2k)² / 4k)` and the colour is scaled by `b' / b`.
//! Off when `t = 0`.
//!
//! **Composite** ([`composite`], in the finish): energy-conserving `mix(hdr, bloom, i)`,
//! additive `hdr + i · bloom`.
//!
//! # Cost
//! Counted in bilinear taps per input pixel (the passes are bandwidth-bound): the first
//! downsample 13 per half-resolution pixel (3.25), the further downsamples 13 per pixel of the
//! smaller mips (about 1.1 in all), the in-place upsamples 9 per pixel plus a blend, the final
//! pass 10 per output pixel: about 7.6 with the output at 1/2 (Medium, High, Ultra; the extra
//! levels of Ultra are tiny), about 5.2 at 1/4 (Low), about 15 at 1/1. Memory: the chain (4/3
//! of a half-resolution image) plus the output, both pooled.
//!
//! # Compute variant
//! [`BloomPass::dispatch`] records the same steps as compute kernels (8x8 workgroups, one
//! compute pass, `textureStore` into Rgba16Float storage mips), each calling the per-pixel
//! function its fragment twin calls (see [`super::variant`]). A storage write cannot blend, so
//! the upsample cannot accumulate in place: `U_k` goes to a second pooled chain texture
//! (`"bloom.mips_up"`), computed as `C tent(U_{k+1}) + (1 − C) D_k` with `D_k` read from the
//! first; the result equals the fragment one to half-float rounding, for one more chain's
//! memory and the same bytes moved (a blend reads the target too). Only an Rgba16Float chain
//! can be stored into (the shader's storage format, guaranteed storage-capable); other HDR
//! formats, and devices without compute (see [`super::variant::compute_unsupported`]), run the
//! fragment variant.

use glam::Vec3;
use serde::{Deserialize, Serialize};

use super::clamp_setting;
use super::contract::{DEFAULT_TIER_COST, Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::schema::{Control, Setting, TIERS, float, setting};
use super::tier::Tier;
use super::traffic::{FrameTargets, PassTraffic};
use super::variant::{self, ComputeKernel};
use crate::Error;
use crate::draw::specialise::Specialised;
use crate::draw::{bindings, fullscreen};
use crate::graph::{PooledTexture, TexturePool, TransientDesc};

/// The luma unit `K` of the first downsample's Karis weight `1 / (1 + luma / K)` (see the
/// module documentation); `BLOOM_KARIS_LUMA_SCALE` in `shaders/post/bloom.wgsl`.
pub const KARIS_LUMA_SCALE: f32 = 16.0;

/// Most bloom levels a chain can have ([`BloomSettings::levels`]).
pub const MAX_LEVELS: u32 = 10;

/// How the finish pass blends the bloom texture into the HDR image (see [`composite`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BloomComposite {
    /// `mix(hdr, bloom, intensity)`: light is moved around, never added
    /// (`"energy_conserving"`).
    #[default]
    EnergyConserving,
    /// `hdr + intensity * bloom`: adds light, the classic look with a threshold (`"additive"`).
    Additive,
}

/// The chain a [`Tier`] gets, before the size cap (levels are capped so the smallest level
/// stays at least 2 px on its short side).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BloomQuality {
    /// Bloom levels (each a 2x wider blur than the one before), 1..=[`MAX_LEVELS`].
    pub levels: u32,
    /// The largest level's size divisor relative to the input: 1, 2 or 4.
    pub first_mip_divisor: u32,
}

impl BloomQuality {
    /// Low (mobile): 4 levels from 1/4 resolution. The half-resolution first downsample is
    /// still made (it holds the Karis average), but nothing else touches half resolution:
    /// about 5.2 taps per input pixel against High's 7.6, the widest blur 1/2 of High's.
    pub const LOW: Self = Self { levels: 4, first_mip_divisor: 4 };
    /// Medium: 5 levels from 1/2 resolution; the widest blur 1/2 of High's, one tiny pass pair
    /// cheaper.
    pub const MEDIUM: Self = Self { levels: 5, first_mip_divisor: 2 };
    /// High (desktop default): 6 levels from 1/2 resolution; at 1080p the smallest level is
    /// about 17 px tall.
    pub const HIGH: Self = Self { levels: 6, first_mip_divisor: 2 };
    /// Ultra: 8 levels from 1/2 resolution, a 4x wider largest blur than High for a few
    /// more tiny passes.
    pub const ULTRA: Self = Self { levels: 8, first_mip_divisor: 2 };

    /// The table: the chain for `tier`, `None` for [`Tier::Off`].
    pub const fn for_tier(tier: Tier) -> Option<Self> {
        match tier {
            Tier::Off => None,
            Tier::Low => Some(Self::LOW),
            Tier::Medium => Some(Self::MEDIUM),
            Tier::High => Some(Self::HIGH),
            Tier::Ultra => Some(Self::ULTRA),
        }
    }
}

/// The bloom settings (`[bloom]` in a preset).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BloomSettings {
    /// Quality tier: `off` skips the pass entirely (no GPU work, no memory); the others pick
    /// levels and the largest level's size from [`BloomQuality`]. Default `high`.
    pub tier: Tier,
    /// Bloom levels (mips in the chain, each a 2x wider blur): 0 = from the tier, else
    /// 1..=[`MAX_LEVELS`]; capped so the smallest level stays at least 2 px. Default 0.
    pub levels: u32,
    /// Size divisor of the largest level (and of the returned bloom texture) relative to the
    /// input: 0 = from the tier, else 1, 2 or 4. Default 0.
    pub largest_mip: u32,
    /// How strongly the bloom is blended in, as a fraction: 0..=1. Default 0.04.
    pub intensity: f32,
    /// Energy-conserving (default) or additive composite.
    pub composite: BloomComposite,
    /// Only light brighter than this (scene-linear, pre-exposed units, compared with the
    /// brightest channel) blooms: 0..=64, 0 = off (every pixel blooms, the physically based
    /// default). Default 0.
    pub threshold: f32,
    /// Width of the threshold's quadratic knee as a fraction of the threshold: 0..=1
    /// (0 = hard cut). Default 0.5.
    pub threshold_softness: f32,
    /// Shifts the level weights towards the larger blurs: 0..=1 (0 = all levels equal, as
    /// Jimenez; 1 = the largest level gets nothing). Weights always sum to 1. Default 0.7.
    pub low_frequency_boost: f32,
    /// Shape of the boost over the levels: 0..=1 (0 = a linear ramp from the largest to the
    /// smallest level, towards 1 = all but the largest level boosted fully). Default 0.95.
    pub low_frequency_boost_curvature: f32,
}

impl BloomSettings {
    /// A subtle, physically based glow: energy-conserving, no threshold, High tier.
    pub const NATURAL: Self = Self {
        tier: Tier::High,
        levels: 0,
        largest_mip: 0,
        intensity: 0.04,
        composite: BloomComposite::EnergyConserving,
        threshold: 0.0,
        threshold_softness: 0.5,
        low_frequency_boost: 0.7,
        low_frequency_boost_curvature: 0.95,
    };

    /// The classic look: only light brighter than 1 blooms, added on top.
    pub const OLD_SCHOOL: Self = Self {
        tier: Tier::High,
        levels: 0,
        largest_mip: 0,
        intensity: 0.15,
        composite: BloomComposite::Additive,
        threshold: 1.0,
        threshold_softness: 0.2,
        low_frequency_boost: 0.7,
        low_frequency_boost_curvature: 0.95,
    };

    /// No bloom: the pass is skipped.
    pub const OFF: Self = Self { tier: Tier::Off, ..Self::NATURAL };

    /// Every value clamped to its documented range (NaN to its default), with one warning per
    /// changed field naming it as `bloom.<field>` with the bad and the used value.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let d = Self::NATURAL;
        let mut check = |name: &str, value: f32, min: f32, max: f32, default: f32| {
            clamp_setting(&mut warnings, &format!("bloom.{name}"), value, min, max, default)
        };
        let intensity = check("intensity", self.intensity, 0.0, 1.0, d.intensity);
        let threshold = check("threshold", self.threshold, 0.0, 64.0, d.threshold);
        let threshold_softness =
            check("threshold_softness", self.threshold_softness, 0.0, 1.0, d.threshold_softness);
        let low_frequency_boost =
            check("low_frequency_boost", self.low_frequency_boost, 0.0, 1.0, d.low_frequency_boost);
        let low_frequency_boost_curvature = check(
            "low_frequency_boost_curvature",
            self.low_frequency_boost_curvature,
            0.0,
            1.0,
            d.low_frequency_boost_curvature,
        );
        let levels = if self.levels > MAX_LEVELS {
            warnings.push(format!(
                "bloom.levels = {} is outside 0..={MAX_LEVELS}; using {MAX_LEVELS}",
                self.levels
            ));
            MAX_LEVELS
        } else {
            self.levels
        };
        let largest_mip = match self.largest_mip {
            0 | 1 | 2 | 4 => self.largest_mip,
            other => {
                let used = if other == 3 { 2 } else { 4 };
                warnings
                    .push(format!("bloom.largest_mip = {other} is not 0, 1, 2 or 4; using {used}"));
                used
            }
        };
        let settings = Self {
            tier: self.tier,
            levels,
            largest_mip,
            intensity,
            composite: self.composite,
            threshold,
            threshold_softness,
            low_frequency_boost,
            low_frequency_boost_curvature,
        };
        (settings, warnings)
    }

    /// The chain these settings give for an input of `size` pixels: `None` when the tier is
    /// `Off` or the size is zero. Levels and divisor come from the fields (or the tier's
    /// [`BloomQuality`]), out-of-range values as [`BloomSettings::validated`] clamps them, then
    /// capped so the largest level is at least 1 px and the smallest at least 2 px on the
    /// short side (at least one level always remains).
    pub fn chain(&self, size: (u32, u32)) -> Option<BloomChain> {
        let quality = BloomQuality::for_tier(self.tier)?;
        let (width, height) = size;
        if width == 0 || height == 0 {
            return None;
        }
        let levels = match self.levels {
            0 => quality.levels,
            n => n.min(MAX_LEVELS),
        };
        let divisor = match self.largest_mip {
            0 => quality.first_mip_divisor,
            1 => 1,
            2 | 3 => 2,
            _ => 4,
        };
        // floor(log2(short side)): the largest level must keep >= 1 px, the smallest >= 2 px.
        let short_log2 = width.min(height).ilog2();
        let shift = divisor.ilog2().min(short_log2);
        let levels = levels.min(short_log2.saturating_sub(shift)).max(1);
        Some(BloomChain {
            levels,
            first_mip_divisor: 1 << shift,
            output_size: ((width >> shift).max(1), (height >> shift).max(1)),
            mip_count: levels + shift - 1,
        })
    }
}

/// The `[bloom]` keys as the panel and presets see them ([`BloomSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "bloom.tier",
        Control::Choice(TIERS),
        "Bloom quality: levels and the largest level's size by tier; off skips the pass. Default high when named.",
    ),
    setting(
        "bloom.levels",
        Control::Int { min: 0, max: MAX_LEVELS as i64 },
        "Mip levels in the chain, each a 2x wider blur: 0 = from the tier. Default 0.",
    ),
    setting(
        "bloom.largest_mip",
        Control::Int { min: 0, max: 4 },
        "Size divisor of the largest level: 0 = from the tier, else 1, 2 or 4. Default 0.",
    ),
    setting(
        "bloom.intensity",
        float(0.0, 1.0, 0.005),
        "How strongly bloom is blended in, 0..=1, default 0.04.",
    ),
    setting(
        "bloom.composite",
        Control::Choice(&["energy_conserving", "additive"]),
        "Energy-conserving (default) or additive composite.",
    ),
    setting(
        "bloom.threshold",
        float(0.0, 64.0, 0.05),
        "Only light brighter than this (pre-exposed, brightest channel) blooms, 0..=64; 0 = off (default).",
    ),
    setting(
        "bloom.threshold_softness",
        float(0.0, 1.0, 0.01),
        "Width of the threshold's knee as a fraction of the threshold, 0..=1, default 0.5.",
    ),
    setting(
        "bloom.low_frequency_boost",
        float(0.0, 1.0, 0.01),
        "Shifts level weights towards the larger blurs, 0..=1, default 0.7.",
    ),
    setting(
        "bloom.low_frequency_boost_curvature",
        float(0.0, 1.0, 0.01),
        "Shape of the boost over the levels, 0..=1, default 0.95.",
    ),
];

impl Default for BloomSettings {
    /// [`BloomSettings::NATURAL`].
    fn default() -> Self {
        Self::NATURAL
    }
}

/// A resolved chain (see [`BloomSettings::chain`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BloomChain {
    /// Bloom levels summed into the output, 1..=[`MAX_LEVELS`].
    pub levels: u32,
    /// Divisor of the largest level (and the output) relative to the input: 1, 2 or 4.
    pub first_mip_divisor: u32,
    /// Size of the returned bloom texture: the input divided by `first_mip_divisor`.
    pub output_size: (u32, u32),
    /// Mips of the pooled chain texture (mip 0 at half resolution); 0 when none is needed
    /// (one level at full resolution).
    pub mip_count: u32,
}

/// The weight of each bloom level in the output (largest level first), summing to 1; see the
/// module documentation for the formula. `levels` is clamped to 1..=[`MAX_LEVELS`], `boost`
/// and `curvature` to 0..=1 (NaN as 0).
pub fn level_weights(levels: u32, boost: f32, curvature: f32) -> Vec<f32> {
    let levels = levels.clamp(1, MAX_LEVELS);
    let unit = |v: f32| if v > 0.0 { v.min(1.0) } else { 0.0 };
    let (boost, curvature) = (unit(boost), unit(curvature));
    // 1 / (1 - 1) is +inf, where (1 - x)^inf is 1 at x = 0 and 0 above: a step.
    let exponent = 1.0 / (1.0 - curvature);
    let raw: Vec<f32> = (0..levels)
        .map(|k| {
            let x = if levels > 1 { k as f32 / (levels - 1) as f32 } else { 0.0 };
            let ramp = 1.0 - (1.0 - x).powf(exponent);
            (1.0 - boost) + boost * ramp
        })
        .collect();
    let sum: f32 = raw.iter().sum();
    if sum > 0.0 {
        raw.iter().map(|w| w / sum).collect()
    } else {
        vec![1.0 / levels as f32; levels as usize]
    }
}

/// The soft threshold on one colour (the CPU mirror of `bloom_soft_threshold` in
/// `shaders/post/bloom.wgsl`; see the module documentation). `threshold` ≤ 0 returns `color`.
pub fn soft_threshold(color: Vec3, threshold: f32, softness: f32) -> Vec3 {
    if threshold.is_nan() || threshold <= 0.0 {
        return color;
    }
    let knee = threshold * softness.clamp(0.0, 1.0);
    let brightness = color.max_element();
    let soft = (brightness - threshold + knee).clamp(0.0, 2.0 * knee);
    let soft = soft * soft / (4.0 * knee + 1e-5);
    let contribution = (brightness - threshold).max(soft) / brightness.max(1e-5);
    color * contribution
}

/// The finish pass's bloom composite on one pixel (the CPU mirror of `bloom_composite` in
/// `shaders/include/bloom_composite.wgsl`): energy-conserving `mix(hdr, bloom, intensity)`,
/// additive `hdr + intensity * bloom`, with `intensity` clamped as
/// [`BloomSettings::validated`] does.
pub fn composite(hdr: Vec3, bloom: Vec3, settings: &BloomSettings) -> Vec3 {
    let intensity = if settings.intensity.is_nan() {
        BloomSettings::NATURAL.intensity
    } else {
        settings.intensity.clamp(0.0, 1.0)
    };
    match settings.composite {
        BloomComposite::EnergyConserving => hdr.lerp(bloom, intensity),
        BloomComposite::Additive => hdr + intensity * bloom,
    }
}

/// `BloomParams` in `shaders/post/bloom.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct BloomUniforms {
    source_texel: [f32; 2],
    threshold: f32,
    knee: f32,
    current_weight: f32,
    _pad: [f32; 3],
}

/// What the first downsample and the final upsample are specialised on: the shader's
/// `override` constants `THRESHOLD`, `CURRENT_IS_INPUT` and `HAS_COARSER`. Each step's key
/// keeps only what its entry point reads, so equal pipelines share a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct BloomKey {
    threshold: bool,
    current_is_input: bool,
    has_coarser: bool,
}

impl BloomKey {
    /// The first downsample's key: only the threshold.
    fn first(threshold: bool) -> Self {
        Self { threshold, current_is_input: false, has_coarser: false }
    }

    /// The final upsample's key for a chain: the threshold only where it reads the input.
    fn last(threshold: bool, chain: &BloomChain) -> Self {
        let current_is_input = chain.first_mip_divisor == 1;
        Self {
            threshold: threshold && current_is_input,
            current_is_input,
            has_coarser: chain.levels >= 2,
        }
    }

    fn constants(self) -> crate::draw::specialise::Constants {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        vec![
            ("THRESHOLD", flag(self.threshold)),
            ("CURRENT_IS_INPUT", flag(self.current_is_input)),
            ("HAS_COARSER", flag(self.has_coarser)),
        ]
    }
}

/// Uniform slots: a first downsample, up to `MAX_LEVELS + 1` further downsamples and as many
/// upsamples, a final pass.
const MAX_PASSES: u64 = 2 * (MAX_LEVELS as u64 + 2);

/// The format the compute variant stores (`bloom_out` in `shaders/post/bloom.wgsl`).
pub const COMPUTE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The bloom pass: its pipelines (the compute ones built on first use), layouts, sampler and
/// per-pass uniform slots.
pub struct BloomPass {
    format: wgpu::TextureFormat,
    layout: wgpu::BindGroupLayout,
    final_layout: wgpu::BindGroupLayout,
    /// The first downsample and the final upsample, by [`BloomKey`].
    downsample_first: Specialised<BloomKey, wgpu::RenderPipeline>,
    downsample: wgpu::RenderPipeline,
    upsample: wgpu::RenderPipeline,
    upsample_final: Specialised<BloomKey, wgpu::RenderPipeline>,
    module: wgpu::ShaderModule,
    compute: Option<Kernels>,
    /// The last chain's settings and input size, to build the neighbouring tiers' keys once
    /// its frame is submitted.
    ahead: Option<(BloomSettings, (u32, u32))>,
    /// Whether this frame may build ahead (not a step frame).
    build_ahead: crate::draw::specialise::BuildAhead<super::Tier>,
    device: wgpu::Device,
    /// Whether the fragment steps have run (prepare builds ahead only for what has).
    fragment_used: bool,
    sampler: wgpu::Sampler,
    uniforms: wgpu::Buffer,
    /// Bytes between uniform slots (the device's dynamic-offset alignment).
    stride: u64,
    /// Whether one draw may read two mips of the chain ([`crate::gpu::Capabilities`]; not on
    /// GL, where the final step copies one of them out first).
    independent_mip_views: bool,
    /// The last chain's mip texture, kept for the viewer's bloom-mip debug view.
    last_mips: Option<wgpu::Texture>,
    /// The compute variant's upsample chain and the mips it wrote, for the same view.
    last_upsampled: Option<(wgpu::Texture, std::ops::Range<u32>)>,
}

/// The compute variant's kernels, one per step kind (the first downsample and the final
/// upsample by [`BloomKey`]).
struct Kernels {
    downsample_first: Specialised<BloomKey, ComputeKernel>,
    downsample: ComputeKernel,
    upsample: ComputeKernel,
    upsample_final: Specialised<BloomKey, ComputeKernel>,
}

/// What a step of the chain runs (a render pipeline or a compute kernel of that name).
#[derive(Clone, Copy)]
enum Kind {
    DownsampleFirst,
    Downsample,
    Upsample,
    UpsampleFinal,
}

/// One step of the chain, recorded by [`BloomPass::record`] or [`BloomPass::record_compute`].
struct Step<'a> {
    label: &'static str,
    kind: Kind,
    /// The specialisation of a first downsample or final upsample (others: unused).
    key: BloomKey,
    bind_group: wgpu::BindGroup,
    target: &'a wgpu::TextureView,
    /// The target's size in pixels (the compute variant's dispatch).
    size: (u32, u32),
    /// Blend constant for the in-place upsample (the target is loaded, not cleared).
    blend: Option<f64>,
}

impl BloomPass {
    /// The pass's name: wgpu label prefix, timing scope and preset key.
    pub const NAME: &'static str = "bloom";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Bloom: a 13-tap Karis downsample chain and a tent upsample",
        writes: &[Image {
            name: "mips",
            format: ImageFormat::Hdr,
            size: ImageSize::DisplayMips,
            kept: false,
        }],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 3.0,
            prior_share: 0.05,
            at_render_size: false,
            tier_cost: DEFAULT_TIER_COST,
        }),
        settings: &[SETTINGS],
    };

    /// Build the pipelines for a chain in `hdr_format` (the renderer's HDR format, e.g.
    /// Rgba16Float or Rg11b10Ufloat). Fails if the shader does not load, or if the device
    /// cannot render to, blend and filter `hdr_format`.
    pub fn new(device: &wgpu::Device, hdr_format: wgpu::TextureFormat) -> Result<Self, Error> {
        let features = hdr_format.guaranteed_format_features(device.features());
        let usable = features.allowed_usages.contains(
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        ) && features.flags.contains(
            wgpu::TextureFormatFeatureFlags::FILTERABLE
                | wgpu::TextureFormatFeatureFlags::BLENDABLE,
        );
        if !usable {
            return Err(Error::InvalidArgument(format!(
                "bloom: the device cannot render to, blend and filter {hdr_format:?}"
            )));
        }
        let module = crate::shaders::create_module(device, "bloom")?;
        let stages = wgpu::ShaderStages::FRAGMENT | wgpu::ShaderStages::COMPUTE;
        let uniform = wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: stages,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: true,
                min_binding_size: wgpu::BufferSize::new(size_of::<BloomUniforms>() as u64),
            },
            count: None,
        };
        let texture = |binding| wgpu::BindGroupLayoutEntry {
            visibility: stages,
            ..bindings::texture(binding, true)
        };
        let sampler_entry =
            wgpu::BindGroupLayoutEntry { visibility: stages, ..bindings::sampler(2) };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("bloom.chain"),
            entries: &[uniform, texture(1), sampler_entry],
        });
        let final_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("bloom.upsample_final"),
            entries: &[uniform, texture(1), sampler_entry, texture(3)],
        });
        let pipeline = |label: &str, entry: &str, layout: &wgpu::BindGroupLayout, blend| {
            fullscreen::pipeline_with_entry(
                device,
                label,
                &module,
                entry,
                &[layout],
                hdr_format,
                blend,
            )
        };
        // The first downsample and the final upsample are specialised: built per key on use
        // (BloomPass::prepare builds a governor step's keys ahead).
        // dst = src * C + dst * (1 - C): the smaller level's tent over the larger level.
        let lerp = wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::Constant,
            dst_factor: wgpu::BlendFactor::OneMinusConstant,
            operation: wgpu::BlendOperation::Add,
        };
        let lerp = Some(wgpu::BlendState { color: lerp, alpha: lerp });
        let downsample = pipeline("bloom.downsample", "fs_downsample", &layout, None);
        let upsample = pipeline("bloom.upsample", "fs_upsample", &layout, lerp);
        let sampler = bindings::linear_sampler(device, "bloom.sampler");
        let alignment = u64::from(device.limits().min_uniform_buffer_offset_alignment).max(1);
        let stride = (size_of::<BloomUniforms>() as u64).div_ceil(alignment) * alignment;
        let uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("bloom.uniforms"),
            size: stride * MAX_PASSES,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(Self {
            format: hdr_format,
            layout,
            final_layout,
            downsample_first: Specialised::new(),
            downsample,
            upsample,
            upsample_final: Specialised::new(),
            module,
            compute: None,
            ahead: None,
            build_ahead: Default::default(),
            device: device.clone(),
            fragment_used: false,
            sampler,
            uniforms,
            stride,
            independent_mip_views: crate::gpu::Capabilities::of(device).independent_mip_views,
            last_mips: None,
            last_upsampled: None,
        })
    }

    /// Why [`BloomPass::dispatch`] runs the fragment variant on `device`, or `None` when it
    /// runs compute: the device lacks compute (see [`variant::compute_unsupported`]), or the
    /// chain's format is not [`COMPUTE_FORMAT`] (which the device check already requires to be
    /// a storage format).
    pub fn compute_unsupported(&self, device: &wgpu::Device) -> Option<String> {
        if let Some(missing) = variant::compute_unsupported(device) {
            return Some(missing);
        }
        if self.format != COMPUTE_FORMAT {
            return Some(format!(
                "bloom stores {COMPUTE_FORMAT:?} only; the chain is {:?}",
                self.format
            ));
        }
        None
    }

    /// A view of chain mip `mip` (clamped to the last one) of the most recent
    /// [`BloomPass::draw`], as that frame left it: `None` before any chain with mips. Chain
    /// mip `c` is `input >> (c + 1)` in size; after the frame it holds the accumulated
    /// upsample from the first bloom level up to the second-smallest mip, the downsample
    /// elsewhere.
    pub fn mip_view(&self, mip: u32) -> Option<wgpu::TextureView> {
        let texture = self.last_mips.as_ref()?;
        let mip = mip.min(texture.mip_level_count() - 1);
        let texture = match &self.last_upsampled {
            Some((up, range)) if range.contains(&mip) => up,
            _ => texture,
        };
        Some(texture.create_view(&wgpu::TextureViewDescriptor {
            label: Some("bloom.mip_view"),
            base_mip_level: mip,
            mip_level_count: Some(1),
            ..Default::default()
        }))
    }

    /// Record the bloom of `hdr` (width x height) and return the texture the finish pass
    /// composites (None when settings.tier is Off: no GPU work at all).
    ///
    /// `settings` go through [`BloomSettings::validated`] silently (call it yourself to show the
    /// warnings). A zero `size` also returns `None`. The returned texture (`"bloom.output"`,
    /// [`BloomChain::output_size`], the HDR format, usable as texture binding, render
    /// attachment and copy source) is on loan from `pool`: release it after the finish has been
    /// recorded. The chain's mips are released back to `pool` before this returns. The pass's
    /// uniforms are written with `queue.write_buffer`, so record at most one bloom per
    /// [`BloomPass`] per queue submission.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        hdr: &wgpu::TextureView,
        size: (u32, u32),
        settings: &BloomSettings,
    ) -> Option<PooledTexture> {
        self.record_chain(device, queue, encoder, pool, hdr, size, settings, false)
    }

    /// The compute variant of [`BloomPass::draw`] (see the module documentation): the same
    /// chain and the same returned texture (also usable as a storage texture), or the fragment
    /// variant where [`BloomPass::compute_unsupported`] says why compute cannot run.
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        hdr: &wgpu::TextureView,
        size: (u32, u32),
        settings: &BloomSettings,
    ) -> Option<PooledTexture> {
        let compute = self.compute_unsupported(device).is_none();
        self.record_chain(device, queue, encoder, pool, hdr, size, settings, compute)
    }

    /// [`BloomPass::draw`] (fragment) or [`BloomPass::dispatch`] (compute, supported).
    #[allow(clippy::too_many_arguments)]
    fn record_chain(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        hdr: &wgpu::TextureView,
        size: (u32, u32),
        settings: &BloomSettings,
        compute: bool,
    ) -> Option<PooledTexture> {
        let (settings, _) = settings.validated();
        let chain = settings.chain(size)?;
        let weights = level_weights(
            chain.levels,
            settings.low_frequency_boost,
            settings.low_frequency_boost_curvature,
        );
        let shift = chain.first_mip_divisor.ilog2();
        let threshold = settings.threshold > 0.0;
        let (first_key, last_key) = (BloomKey::first(threshold), BloomKey::last(threshold, &chain));
        // A step frame (its tier not the last frame's) builds nothing ahead ([`BuildAhead`]).
        self.ahead = self.build_ahead.may_build(settings.tier).then_some((settings, size));
        let base = BloomUniforms {
            threshold: settings.threshold,
            knee: settings.threshold * settings.threshold_softness,
            ..Default::default()
        };
        let texel = |(w, h): (u32, u32)| [1.0 / w as f32, 1.0 / h as f32];
        let mip_size = |mip: u32| ((size.0 >> (mip + 1)).max(1), (size.1 >> (mip + 1)).max(1));

        if compute && self.compute.is_none() {
            self.compute = Some(self.kernels(device));
        }
        self.fragment_used |= !compute;
        self.build(device, &[first_key], &[last_key]);
        // Compute writes storage textures and never renders into them.
        let (attach, storage) = match compute {
            true => (wgpu::TextureUsages::empty(), wgpu::TextureUsages::STORAGE_BINDING),
            false => (wgpu::TextureUsages::RENDER_ATTACHMENT, wgpu::TextureUsages::empty()),
        };
        // Where one draw cannot read two mips of the chain (GL: see
        // `Capabilities::independent_mip_views`), the final step's D at mip s - 1 is copied out
        // of the chain first.
        let copy_current =
            !compute && shift > 0 && chain.levels >= 2 && !self.independent_mip_views;
        let copy_source =
            if copy_current { wgpu::TextureUsages::COPY_SRC } else { wgpu::TextureUsages::empty() };
        let chain_desc = {
            let (width, height) = mip_size(0);
            TransientDesc {
                width,
                height,
                format: self.format,
                mip_level_count: chain.mip_count.max(1),
                usage: attach | storage | copy_source | wgpu::TextureUsages::TEXTURE_BINDING,
            }
        };
        let mips = (chain.mip_count > 0).then(|| pool.acquire(device, "bloom.mips", &chain_desc));
        let views: Vec<wgpu::TextureView> =
            mips.iter().flat_map(|m| (0..chain.mip_count).map(|i| m.mip_view(i))).collect();
        // The compute variant's upsample chain: U_k at the mip of D_k.
        let ups = (compute && chain.mip_count > 1)
            .then(|| pool.acquire(device, "bloom.mips_up", &chain_desc));
        let up_views: Vec<wgpu::TextureView> =
            ups.iter().flat_map(|m| (0..chain.mip_count).map(|i| m.mip_view(i))).collect();
        // Where chain mip c's running sum U is after the upsamples: in place (fragment), or in
        // the upsample chain for the mips an upsample wrote (compute).
        let upsampled_range = shift as usize..views.len().saturating_sub(1);
        let upsampled = |c: usize| match up_views.get(c) {
            Some(up) if upsampled_range.contains(&c) => up,
            _ => &views[c],
        };
        let (out_w, out_h) = chain.output_size;
        let output_desc = TransientDesc::target(
            out_w,
            out_h,
            self.format,
            wgpu::TextureUsages::COPY_SRC | storage,
        );
        let output = pool.acquire(device, "bloom.output", &output_desc);

        let mut uniforms: Vec<BloomUniforms> = Vec::new();
        let mut steps: Vec<Step> = Vec::new();
        // Downsamples: the input into mip 0 (Karis), then mip c into mip c + 1.
        for (c, target) in views.iter().enumerate() {
            let (label, kind, source, source_size) = match c {
                0 => ("bloom.downsample_first", Kind::DownsampleFirst, hdr, size),
                _ => ("bloom.downsample", Kind::Downsample, &views[c - 1], mip_size(c as u32 - 1)),
            };
            uniforms.push(BloomUniforms { source_texel: texel(source_size), ..base });
            let bind_group = self.bind(device, label, source, None);
            let size = mip_size(c as u32);
            let key = first_key;
            steps.push(Step { label, kind, key, bind_group, target, size, blend: None });
        }
        // Upsamples in place, from the smallest level to the one below the output's:
        // U_k = f_k D_k + (1 - f_k) tent(U_{k+1}), with blend constant 1 - f_k.
        // Chain mip c holds level k = c + 1 - shift.
        let level_of = |c: usize| c + 1 - shift as usize;
        let remaining = |k: usize| weights[k..].iter().sum::<f32>();
        // The compute variant reads D_k through `current` and writes the upsample chain.
        for c in upsampled_range.clone().rev() {
            let k = level_of(c);
            let current_share = weights[k] / remaining(k).max(f32::MIN_POSITIVE);
            let constant = 1.0 - current_share;
            uniforms.push(BloomUniforms {
                source_texel: texel(mip_size(c as u32 + 1)),
                current_weight: constant,
                ..base
            });
            let label = "bloom.upsample";
            let below = compute.then_some(&views[c]);
            let bind_group = self.bind(device, label, upsampled(c + 1), below);
            steps.push(Step {
                label,
                kind: Kind::Upsample,
                key: last_key,
                bind_group,
                target: upsampled(c),
                size: mip_size(c as u32),
                blend: (!compute).then_some(f64::from(constant)),
            });
        }
        // The output: level 0 (the input itself at divisor 1) plus the accumulated rest.
        let current = match shift {
            0 => hdr,
            s => &views[s as usize - 1],
        };
        let coarser = match chain.levels {
            0 | 1 => current,
            _ => upsampled(shift as usize),
        };
        let coarser_size = if chain.levels < 2 { size } else { mip_size(shift) };
        uniforms.push(BloomUniforms {
            source_texel: texel(coarser_size),
            current_weight: weights[0],
            ..base
        });
        let separate_current = copy_current.then(|| {
            let (width, height) = mip_size(shift - 1);
            let usage = wgpu::TextureUsages::COPY_DST;
            let desc = TransientDesc::target(width, height, self.format, usage);
            pool.acquire(device, "bloom.current", &desc)
        });
        let current = separate_current.as_ref().map_or(current, |copy| &copy.view);
        let bind_group = self.bind(device, "bloom.upsample_final", coarser, Some(current));
        steps.push(Step {
            label: "bloom.upsample_final",
            kind: Kind::UpsampleFinal,
            key: last_key,
            bind_group,
            target: &output.view,
            size: chain.output_size,
            blend: None,
        });

        let mut bytes = vec![0u8; (self.stride as usize) * uniforms.len()];
        for (slot, block) in uniforms.iter().enumerate() {
            let start = slot * self.stride as usize;
            bytes[start..start + size_of::<BloomUniforms>()]
                .copy_from_slice(bytemuck::bytes_of(block));
        }
        queue.write_buffer(&self.uniforms, 0, &bytes);
        match self.compute.as_ref().filter(|_| compute) {
            Some(kernels) => self.record_compute(device, encoder, kernels, &steps),
            None => {
                for (slot, step) in steps.iter().enumerate() {
                    if let (Kind::UpsampleFinal, Some(copy), Some(mips)) =
                        (step.kind, &separate_current, &mips)
                    {
                        let source = wgpu::TexelCopyTextureInfo {
                            mip_level: shift - 1,
                            ..mips.texture.as_image_copy()
                        };
                        encoder.copy_texture_to_texture(
                            source,
                            copy.texture.as_image_copy(),
                            copy.texture.size(),
                        );
                    }
                    self.record(encoder, step, slot as u64 * self.stride);
                }
            }
        }
        drop(steps);
        self.last_mips = mips.as_ref().map(|m| m.texture.clone());
        let range = upsampled_range.start as u32..upsampled_range.end as u32;
        self.last_upsampled = ups.as_ref().map(|u| (u.texture.clone(), range));
        for chain in mips.iter().chain(&ups).chain(&separate_current) {
            pool.release(chain);
        }
        Some(output)
    }

    /// The compute variant's kernels over the fragment pipelines' layouts (the specialised
    /// ones built per key by [`BloomPass::build`]).
    fn kernels(&self, device: &wgpu::Device) -> Kernels {
        let kernel = |name, entry, layout| {
            ComputeKernel::new(device, name, &self.module, entry, layout, &[COMPUTE_FORMAT])
        };
        Kernels {
            downsample_first: Specialised::new(),
            downsample: kernel("bloom.downsample", "cs_downsample", &self.layout),
            upsample: kernel("bloom.upsample", "cs_upsample", &self.final_layout),
            upsample_final: Specialised::new(),
        }
    }

    /// Build the first downsamples of `first` and the final upsamples of `last` not built yet,
    /// for the variants that have run.
    fn build(&mut self, device: &wgpu::Device, first: &[BloomKey], last: &[BloomKey]) {
        let (module, format) = (&self.module, self.format);
        let (layout, final_layout) = (&self.layout, &self.final_layout);
        if self.fragment_used {
            let pipeline = |label, entry, layout, key: BloomKey| {
                let target = (format, None);
                let constants = key.constants();
                fullscreen::specialised_pipeline(
                    device,
                    label,
                    module,
                    entry,
                    &[layout],
                    target,
                    &constants,
                )
            };
            self.downsample_first.prepare(first.iter().copied(), |key| {
                pipeline("bloom.downsample_first", "fs_downsample_first", layout, key)
            });
            self.upsample_final.prepare(last.iter().copied(), |key| {
                pipeline("bloom.upsample_final", "fs_upsample_final", final_layout, key)
            });
        }
        if let Some(kernels) = &mut self.compute {
            let kernel = |name, entry, layout, key: BloomKey| {
                let (outputs, constants) = ([COMPUTE_FORMAT], key.constants());
                ComputeKernel::specialised(
                    device, name, module, entry, layout, &outputs, &constants,
                )
            };
            kernels.downsample_first.prepare(first.iter().copied(), |key| {
                kernel("bloom.downsample_first", "cs_downsample_first", layout, key)
            });
            kernels.upsample_final.prepare(last.iter().copied(), |key| {
                kernel("bloom.upsample_final", "cs_upsample_final", final_layout, key)
            });
        }
    }

    /// The frame was submitted: build the specialised steps a budget-governor step from the
    /// last chain's settings can ask for (the neighbouring tiers' chains at its input size),
    /// for the variants that ran, so a step never compiles during a frame.
    pub fn frame_submitted(&mut self) {
        let Some((settings, size)) = self.ahead.take() else { return };
        let threshold = settings.threshold > 0.0;
        let chains = settings.tier.with_neighbours().into_iter();
        let last: Vec<BloomKey> = chains
            .filter_map(|tier| BloomSettings { tier, ..settings }.chain(size))
            .map(|chain| BloomKey::last(threshold, &chain))
            .collect();
        let device = self.device.clone();
        self.build(&device, &[BloomKey::first(threshold)], &last);
    }

    /// How many specialised bloom pipelines are built (fragment and compute), for tests of
    /// building ahead.
    pub fn pipelines_built(&self) -> usize {
        let kernels =
            self.compute.as_ref().map_or(0, |k| k.downsample_first.len() + k.upsample_final.len());
        self.downsample_first.len() + self.upsample_final.len() + kernels
    }

    /// Record every step as a dispatch into one compute pass (wgpu orders the dispatches that
    /// read what an earlier one wrote), step `i` with uniform slot `i`.
    fn record_compute(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        kernels: &Kernels,
        steps: &[Step<'_>],
    ) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("bloom"),
            timestamp_writes: None,
        });
        for (slot, step) in steps.iter().enumerate() {
            let built = "built by BloomPass::build before recording";
            let kernel = match step.kind {
                Kind::DownsampleFirst => kernels.downsample_first.built(step.key).expect(built),
                Kind::Downsample => &kernels.downsample,
                Kind::Upsample => &kernels.upsample,
                Kind::UpsampleFinal => kernels.upsample_final.built(step.key).expect(built),
            };
            let outputs = kernel.bind_outputs(device, &[step.target]);
            pass.set_pipeline(kernel.pipeline());
            // Slots are at most MAX_PASSES * 256 bytes, far inside u32.
            pass.set_bind_group(0, &step.bind_group, &[(slot as u64 * self.stride) as u32]);
            pass.set_bind_group(1, &outputs, &[]);
            let groups = |n: u32| n.div_ceil(variant::WORKGROUP);
            pass.dispatch_workgroups(groups(step.size.0), groups(step.size.1), 1);
        }
    }

    /// A bind group of `source` (binding 1) and, for the final pass, `current` (binding 3).
    fn bind(
        &self,
        device: &wgpu::Device,
        label: &str,
        source: &wgpu::TextureView,
        current: Option<&wgpu::TextureView>,
    ) -> wgpu::BindGroup {
        let uniforms = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.uniforms,
            offset: 0,
            size: wgpu::BufferSize::new(size_of::<BloomUniforms>() as u64),
        });
        let mut entries = vec![
            wgpu::BindGroupEntry { binding: 0, resource: uniforms },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::TextureView(source),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: wgpu::BindingResource::Sampler(&self.sampler),
            },
        ];
        if let Some(current) = current {
            entries.push(wgpu::BindGroupEntry {
                binding: 3,
                resource: wgpu::BindingResource::TextureView(current),
            });
        }
        let layout = if current.is_some() { &self.final_layout } else { &self.layout };
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout,
            entries: &entries,
        })
    }

    /// Record one full-screen draw of `step` with its uniform slot at byte `offset`. A blended
    /// step adds to what its target holds; the others write every pixel of it, which is then
    /// neither cleared nor loaded first.
    fn record(&self, encoder: &mut wgpu::CommandEncoder, step: &Step, offset: u64) {
        let attachment = match step.blend {
            Some(_) => fullscreen::colour_attachment(step.target, None),
            None => fullscreen::overwritten_attachment(step.target),
        };
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some(step.label),
            color_attachments: &[Some(attachment)],
            ..Default::default()
        });
        let built = "built by BloomPass::build before recording";
        let pipeline = match step.kind {
            Kind::DownsampleFirst => self.downsample_first.built(step.key).expect(built),
            Kind::Downsample => &self.downsample,
            Kind::Upsample => &self.upsample,
            Kind::UpsampleFinal => self.upsample_final.built(step.key).expect(built),
        };
        pass.set_pipeline(pipeline);
        // Slots are at most MAX_PASSES * 256 bytes, far inside u32.
        pass.set_bind_group(0, &step.bind_group, &[offset as u32]);
        if let Some(constant) = step.blend {
            pass.set_blend_constant(wgpu::Color {
                r: constant,
                g: constant,
                b: constant,
                a: constant,
            });
        }
        pass.draw(0..3, 0..1);
    }
}

impl BloomPass {
    /// The uniform slots, for memory reports (the mip chain comes from the chain's pool).
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![crate::gpu::memory::MemoryEntry::buffer("bloom.uniforms", &self.uniforms)]
    }
}

/// The pass's memory traffic ([`super::traffic`]) under `settings`, at the display size, or
/// `None` when the chain is off.
pub fn traffic(settings: &BloomSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    let chain = settings.chain(frame.size)?;
    let first = 1.0 / f64::from(chain.first_mip_divisor * chain.first_mip_divisor);
    let level = |k: u32| first / 4f64.powi(k as i32);
    let levels = chain.levels;
    // Down: HDR in, each level written once and read by the next.
    let down_write: f64 = (0..levels).map(level).sum();
    let down_read = 1.0 + (0..levels.saturating_sub(1)).map(level).sum::<f64>();
    // Up: each level read with the smaller one, written back; the output at level 0.
    let up_read: f64 = (0..levels.saturating_sub(1)).map(|k| level(k) + level(k + 1)).sum();
    let up_write: f64 = (0..levels.saturating_sub(1)).map(level).sum::<f64>() + level(0);
    // The first downsample reads the resolved image; the mips are in the HDR format.
    // Every level is half size or smaller: no full-screen pass.
    let hdr = frame.hdr_bytes();
    let traffic = PassTraffic::new(
        frame.resolved_hdr_bytes() + hdr * (down_read - 1.0 + up_read),
        hdr * (down_write + up_write),
        frame.display_pixels(),
        "HDR read once; each mip written by the downsample and read by the next; each upsample \
         reads two levels and writes one; the output at the largest level",
    );
    Some(traffic.with_full_screen_passes(0))
}

/// [`traffic`] for the compute variant: where it runs (an HDR format of [`COMPUTE_FORMAT`]),
/// each upsample writes a second chain instead of blending in place, the same bytes (a blend
/// reads its target), which `counted` says.
pub fn traffic_compute(settings: &BloomSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    let traffic = traffic(settings, frame)?;
    if frame.hdr_format != COMPUTE_FORMAT {
        return Some(traffic);
    }
    Some(traffic.noting(
        "compute variant: each upsample reads the larger level's downsample and writes a \
         second chain",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_block_is_the_wgsl_size() {
        assert_eq!(size_of::<BloomUniforms>(), 32);
    }

    #[test]
    fn weights_sum_to_one_and_boost_favours_small_levels() {
        for levels in 1..=MAX_LEVELS {
            for boost in [0.0, 0.3, 0.7, 1.0] {
                for curvature in [0.0, 0.5, 0.95, 1.0] {
                    let w = level_weights(levels, boost, curvature);
                    let sum: f32 = w.iter().sum();
                    assert!((sum - 1.0).abs() < 1e-5, "{levels} {boost} {curvature}: {w:?}");
                    assert!(w.windows(2).all(|p| p[1] >= p[0] - 1e-6), "{w:?}");
                }
            }
        }
        assert_eq!(level_weights(4, 0.0, 0.5), vec![0.25; 4]);
        assert_eq!(level_weights(3, 1.0, 0.0)[0], 0.0);
    }

    #[test]
    fn chain_caps_levels_by_size() {
        let s = BloomSettings::default();
        let c = s.chain((256, 256)).unwrap();
        assert_eq!(
            (c.levels, c.first_mip_divisor, c.output_size, c.mip_count),
            (6, 2, (128, 128), 6)
        );
        let big = BloomSettings { levels: 10, ..s };
        // 256 >> (7 + 1) = 1 < 2: seven levels at most.
        assert_eq!(big.chain((256, 256)).map(|c| c.levels), Some(7));
        let low = BloomSettings { tier: Tier::Low, ..s };
        let c = low.chain((256, 128)).unwrap();
        assert_eq!(
            (c.levels, c.first_mip_divisor, c.output_size, c.mip_count),
            (4, 4, (64, 32), 5)
        );
        let full = BloomSettings { largest_mip: 1, levels: 1, ..s };
        assert_eq!(full.chain((8, 8)).map(|c| c.mip_count), Some(0));
        assert_eq!(s.chain((1, 1)).map(|c| (c.levels, c.first_mip_divisor)), Some((1, 1)));
        assert_eq!(s.chain((0, 5)), None);
        assert_eq!(BloomSettings::OFF.chain((64, 64)), None);
    }
}

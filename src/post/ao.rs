//! Ground-truth ambient occlusion (GTAO): how much of the hemisphere above each pixel is open,
//! cosine-weighted, for the lighting pass to darken indirect light with.
//!
//! Follows Jimenez, Wu, Pesce, Jarabo, "Practical Realtime Strategies for Accurate Indirect
//! Occlusion" (SIGGRAPH 2016, Physically Based Shading course), with the depth mip prefilter,
//! the sample distribution and the denoiser's slope-adjusted edges of Intel's XeGTAO
//! (Strugar 2021). Kernels: `shaders/post/ao.wgsl`.
//!
//! **Reads** reverse-Z depth, the G-buffer's octahedral normals, the camera uniform (the view
//! matrix for normals, the matrices of the temporal reprojection), the projection
//! ([`AoFrame::projection`], whose terms the CPU writes into the pass's uniforms once per frame
//! instead of every pixel inverting the view matrix) and, with temporal accumulation, the
//! motion vectors. **Writes** visibility (1 = unoccluded) at the
//! output (full) resolution in an R16Float texture from the [`TexturePool`] (`"ao.output"`):
//! the physical, cosine-weighted answer, before [`AoSettings::intensity`] and before
//! multi-bounce, both of which the lighting pass applies (so history and readback stay
//! physical). Multi-bounce (Jimenez 2016's cubic fit in albedo) and the specular occlusion
//! (Lagarde & de Rousiers 2014) live in `shaders/include/shading.wgsl`; direct light is never
//! occluded by it.
//!
//! # Steps
//! 1. **Prefilter** (`ao.prefilter`, `ao.downsample`; the compute variant's `ao.pyramid`):
//!    view-space depth (distance in front of the camera, R16Float) at the working resolution,
//!    then up to the tier's depth mips, each texel the mean of the 2x2 surfaces below it
//!    (background left out unless all four are; sources clamped to the mip below). At half
//!    resolution, working texel `i` takes output pixel `2i` as it is, so the centre of every
//!    working texel is a real surface point with a G-buffer normal. The fragment variant draws
//!    one pass per mip; the compute variant writes the whole pyramid in one dispatch (see
//!    below).
//! 2. **GTAO** (`ao.main`): per pixel, `slices` directions in screen space (rotated by
//!    interleaved gradient noise, re-seeded every frame when accumulating temporally), and
//!    along each `steps` samples per side at squared distances `t²·R` (`R` the world radius
//!    projected at the pixel's depth), offset at least 1.3 px. Each sample's horizon cosine is
//!    blended towards the tangent plane's by the falloff weight
//!    `saturate((radius − distance) / (falloff · radius))`; a sample below the horizon so far
//!    pulls it down by `thickness · 0.5` (the thickness heuristic, Jimenez 2016). The visible
//!    arc between the two horizons, clamped to the normal's hemisphere, is integrated
//!    analytically against the normal projected into the slice (`‖n_p‖ · (a(h₁) + a(h₂))`,
//!    `a(h) = (cos n + 2h sin n − cos(2h − n)) / 4`) and averaged over slices.
//! 3. **Denoise** (`ao.denoise`): a 3x3 blur whose weights drop to zero across depth edges;
//!    edges are slope-adjusted so tilted planes blur fully. One or two passes by tier. The
//!    result is clamped to `[0, 1]` only after the last pass: one slice's estimate for an open
//!    surface seen at an angle lies above or below 1 (only the mean over directions is 1), so
//!    clamping earlier would darken open surfaces.
//! 4. **Upsample** (`ao.upsample`, half resolution only): the four nearest working texels
//!    with bilinear weights times depth similarity (within 2% of the pixel's view depth); the
//!    closest in depth when none is similar (`shaders/include/ao_upsample.wgsl`). With
//!    [`AoSettings::upsample_in_lighting`] the lighting pass does this as it reads the
//!    visibility, and the pass returns the half-size visibility and view depth
//!    ([`AoOutput`]).
//! 5. **Temporal** (`ao.temporal`, only when [`AoFrame::temporal`]): the history is read where
//!    the motion vectors say the pixel was, rejected when its stored depth differs by more
//!    than 2% from where this surface point was last frame, else blended with weight
//!    [`TEMPORAL_WEIGHT`] for the new frame. Without it there is no history.
//!
//! # Choosing the depth mip
//! The largest performance lever: a sample `L` working pixels from the centre reads mip
//! `clamp(floor(log2 L − 3.3), 0, mips − 1)`, so a mip texel stays about a tenth of the
//! offset: samples within ~10 px read full-resolution depth, the far samples of a large radius
//! read a 16x smaller mip and stay in cache. The sample's position is rebuilt at the centre of
//! the mip texel it read, which keeps planes planar at every mip.
//!
//! # Tiers
//! | Tier   | Slices x steps/side | Samples/px | Denoise passes | Depth mips |
//! |--------|---------------------|-----------:|---------------:|-----------:|
//! | Low    | 1 x 2               | 4          | 1              | 5          |
//! | Medium | 2 x 2               | 8          | 1              | 5          |
//! | High   | 3 x 6               | 36         | 1              | 5          |
//! | Ultra  | 4 x 8               | 64         | 1              | 1 (none)   |
//!
//! Low and Medium are XeGTAO's presets. High and Ultra spend their samples on steps rather
//! than slices: against the ray-traced reference (`afterlight quality`), XeGTAO's 3 x 3 and
//! 9 x 3 left a bias of +0.03 visibility near contacts (three steps miss occluders between
//! samples), which more slices do not fix; 3 x 6 brought the sphere-on-plane error from 0.056
//! to 0.033. Samples per pixel are `2 · slices · steps` (two sides). Mips are capped so the
//! smallest is at least 1 px. Half resolution divides the GTAO and denoise cost by about four.
//!
//! Ultra reads every sample from full-resolution depth and builds no mips. With the mips it
//! was no closer to the reference than High at about twice the cost (`afterlight quality`,
//! 128 px, 256 rays: sphere on plane 0.0366 against High's 0.0332, DamagedHelmet 0.0474
//! against 0.0473). A sample reading mip `k` is placed at that mip texel's centre, up to
//! `2^(k-1)` px off the slice's line; on curved surfaces such a point can rise above the
//! slice's horizon, and the horizon keeps the highest, so more samples found more of them
//! (dark streaks following the noise pattern on the sphere). Reading full-resolution depth
//! (XeGTAO's mip offset pushed out instead: 4.3 gave 0.0284, 5.3 the same as none) Ultra is at
//! 0.0237 on the sphere, and each tier is at least as close as the one below on every scene
//! `afterlight quality` measures AO on (`tests/integration/ambient_occlusion.rs`, within
//! 0.002): Cornell box 0.0518 / 0.0414 / 0.0282 / 0.0268, DamagedHelmet 0.0620 / 0.0512 /
//! 0.0473 / 0.0474. On DamagedHelmet the radius is under 10 px, no sample reads a mip, and
//! High and Ultra both sit at what screen-space GTAO reaches there (16 x 16 samples give
//! 0.0476): the rest is occlusion the depth buffer does not hold. Ultra costs more than High
//! by its samples and by the cache misses of full-resolution reads on GPUs (the mips' reason).
//!
//! # Specialised pipelines
//! The tier's slices and steps, half resolution and whether the thickness heuristic is on
//! (thickness > 0) are WGSL override constants (`AO_SLICES`, `AO_STEPS`, `AO_HALF`,
//! `AO_THICKNESS`): GTAO (`ao.main`) has one pipeline per `AoKey` (tier, half, thickness), the
//! prefilter one per `AO_HALF`, fragment and compute alike, cached
//! ([`crate::draw::specialise`]); the compute variant's single-dispatch pyramid is one per
//! `AO_HALF` too, like the prefilter it replaces. The GTAO loops run a fixed count and no
//! branch or loop exit depends on a uniform value alone, which Mesa 22's lavapipe would
//! recompile and leak on every bind (`docs/memory-growth.md`). The first frame also builds the tier's neighbours (the
//! tiers a budget-governor step reaches), a frame whose key just changed builds nothing, and
//! the frame after it builds the new key's neighbours ([`BuildAhead`]); the other steps have
//! no setting-decided code and one pipeline each. Multi-bounce is the lighting pass's
//! (`shaders/include/shading.wgsl`), not this pass's; the view depth mips and the history's
//! validity stay uniforms (only clamps and a condition mixed with a texel read them).
//!
//! # Fragment and compute variants
//! [`AoPass::draw`] records every step as a full-screen triangle writing one render target
//! (two for the temporal step), never a storage texture: many Android devices allow only 4
//! storage textures per stage (or none in fragment shaders) and some cannot write R32Float
//! storage at all, which is why other engines' compute-based AO refuses to load there. Render
//! targets work within wgpu's downlevel limits everywhere.
//!
//! [`AoPass::dispatch`] records the same steps as compute kernels (8x8 workgroups), each
//! calling the per-pixel function its fragment twin calls (see [`super::variant`]);
//! [`AoPass::draw_variant`] picks one by the post chain's `variant` setting. R16Float and
//! Rg16Float are not storage formats every device has (WebGPU guarantees neither), so the
//! compute variant stores visibility in [`COMPUTE_OUTPUT_FORMAT`] (R32Float) and its history in
//! Rg32Float, and its view depth mips in R32Float: twice the bytes of the fragment variant's
//! textures, and visibility to float rather than half precision (the two agree within one
//! 8-bit code; at most 1.4e-3 on lavapipe, `tests/integration/variants.rs`). The compute view
//! depth and history store the half floats a 16-bit target would hold (truncated, as lavapipe
//! stores them), so both variants sample the same depths and the history's 2% depth test
//! rejects the same pixels.
//!
//! # The depth pyramid in one dispatch
//! The compute variant writes the view depth pyramid in one dispatch (`ao.pyramid`:
//! `cs_pyramid`, `cs_pyramid5`) instead of one per mip: each 8x8 workgroup prefilters a
//! 16x16 tile of mip 0 (`ao_prefilter`, 2x2 texels per invocation), keeps it in workgroup
//! memory (1,364 bytes for all levels) and reduces it there to 8x8 of mip 1, 4x4 of mip 2, 2x2
//! of mip 3 and 1x1 of mip 4, a `workgroupBarrier` between levels, storing each level to its
//! mip. Each texel is `mean_surface_depth` of the same four clamped sources, as half floats,
//! that `ao_downsample` reads back from the stored mip, so the mips are the per-mip chain's
//! bits (`tests/integration/ao_pyramid.rs`); odd sizes are clamped as the chain clamps them,
//! and no texel outside a mip is written. One storage texture per mip: WebGPU's default
//! `max_storage_textures_per_shader_stage` is 4, so on such devices (wgpu's downlevel
//! defaults, the browser) the dispatch writes mips 0..3 and `cs_downsample` runs once more
//! for mip 4; where the device (its `limits()`, not the adapter's) allows 5, `cs_pyramid5`
//! binds a fifth texture and writes mip 4 too ([`PyramidDispatch`]). Below 4, or without the
//! workgroup memory, it keeps one dispatch per mip. A pyramid with fewer mips than the
//! dispatch writes (small sizes, Ultra's one) binds 1x1 placeholders for the missing levels.
//! The fragment variant keeps one render pass per mip (no storage textures: see above).

use super::contract::{DEFAULT_TIER_COST, Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::schema::{Control, Setting, TIERS, float, setting};
use super::traffic::{FrameTargets, PassTraffic, texel_bytes};
use super::variant::{self, ComputeKernel, PassVariant, VariantChoice};
use super::{Tier, clamp_setting};
use crate::draw::gbuffer_formats;
use crate::draw::specialise::{BuildAhead, Constants, Specialised};
use crate::draw::{bindings, fullscreen};
use crate::graph::{PooledTexture, TexturePool, TransientDesc};
use serde::{Deserialize, Serialize};

/// Most view depth mips the prefilter builds (XeGTAO's five).
pub const DEPTH_MIPS: u32 = 5;

/// Weight of the new frame in the temporal blend (about the last eight frames are averaged).
pub const TEMPORAL_WEIGHT: f32 = 0.125;

/// The format of the returned visibility texture.
pub const OUTPUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Float;

/// The format of the visibility texture the compute variant returns ([`AoPass::dispatch`]):
/// R16Float cannot be a storage texture everywhere, R32Float can.
pub const COMPUTE_OUTPUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Float;

/// What a [`Tier`] spends (see the tier table in the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AoQuality {
    /// Screen-space directions per pixel.
    pub slices: u32,
    /// Samples along each side of a slice.
    pub steps: u32,
    /// 3x3 depth-aware blur passes.
    pub denoise_passes: u32,
    /// View depth mips the samples read (at most [`DEPTH_MIPS`]; 1 reads full-resolution depth
    /// only and builds no mips).
    pub depth_mips: u32,
}

impl AoQuality {
    /// Low (mobile): 1 slice x 2 steps, 4 samples per pixel.
    pub const LOW: Self = Self { slices: 1, steps: 2, denoise_passes: 1, depth_mips: DEPTH_MIPS };
    /// Medium: 2 slices x 2 steps, 8 samples per pixel.
    pub const MEDIUM: Self =
        Self { slices: 2, steps: 2, denoise_passes: 1, depth_mips: DEPTH_MIPS };
    /// High (desktop default): 3 slices x 6 steps, 36 samples per pixel.
    pub const HIGH: Self = Self { slices: 3, steps: 6, denoise_passes: 1, depth_mips: DEPTH_MIPS };
    /// Ultra: 4 slices x 8 steps, 64 samples per pixel, every sample from full-resolution depth.
    pub const ULTRA: Self = Self { slices: 4, steps: 8, denoise_passes: 1, depth_mips: 1 };

    /// The table: the knobs of `tier`, `None` for [`Tier::Off`].
    pub const fn for_tier(tier: Tier) -> Option<Self> {
        match tier {
            Tier::Off => None,
            Tier::Low => Some(Self::LOW),
            Tier::Medium => Some(Self::MEDIUM),
            Tier::High => Some(Self::HIGH),
            Tier::Ultra => Some(Self::ULTRA),
        }
    }

    /// Depth samples per pixel: two sides of every slice.
    pub const fn samples_per_pixel(&self) -> u32 {
        2 * self.slices * self.steps
    }
}

/// GTAO's knobs. Every length is in world units (metres).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AoSettings {
    /// Slices x steps (see the pass's tier table). Default [`Tier::High`] when a preset names
    /// `[ao]`; the chain's default is off.
    pub tier: Tier,
    /// World-space radius of the hemisphere searched for occluders, metres, `0.01..=10`,
    /// default 0.5.
    pub radius: f32,
    /// Fraction of the radius, at its outer end, over which an occluder's weight fades to
    /// zero, `0..=1`, default 0.6 (0 is a hard cut at the radius).
    pub falloff: f32,
    /// Thickness heuristic, `0..=1`, default 0.25: how strongly a horizon that rose and then
    /// fell is taken as a thin occluder the light passes behind (0 treats every occluder as
    /// infinitely thick).
    pub thickness: f32,
    /// Exponent on the final visibility, `0.25..=4`, default 1 (1 is the physical answer).
    pub intensity: f32,
    /// Jimenez et al.'s multi-bounce approximation: brightens occlusion on light albedos.
    /// Default true.
    pub multi_bounce: bool,
    /// Compute at half resolution and bilaterally upsample. Default false.
    pub half_resolution: bool,
    /// With `half_resolution`: let the lighting pass do the bilateral upsample as it reads the
    /// visibility, instead of a full-screen upsample pass writing a full-size target (one
    /// full-screen pass and one full-size R16Float target fewer, for tile-based GPUs). The
    /// same picture within a code. Ignored with TAA on (the temporal step needs the full-size
    /// visibility), and when the shadow catcher or an AO debug view reads it. Default false;
    /// the mobile preset sets it.
    pub upsample_in_lighting: bool,
}

impl Default for AoSettings {
    fn default() -> Self {
        Self::HIGH
    }
}

impl AoSettings {
    /// The desktop default: tier High, half a metre.
    pub const HIGH: Self = Self {
        tier: Tier::High,
        radius: 0.5,
        falloff: 0.6,
        thickness: 0.25,
        intensity: 1.0,
        multi_bounce: true,
        half_resolution: false,
        upsample_in_lighting: false,
    };

    /// AO off: the frame recipe skips it and lighting sees full visibility.
    pub const OFF: Self = Self { tier: Tier::Off, ..Self::HIGH };

    /// Phones and headsets: tier Low at half resolution, upsampled by lighting.
    pub const MOBILE: Self =
        Self { tier: Tier::Low, half_resolution: true, upsample_in_lighting: true, ..Self::HIGH };

    /// A copy with every value in its documented range; one warning per changed field, named
    /// `ao.<field>`.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let d = Self::HIGH;
        let mut w = Vec::new();
        let settings = Self {
            radius: clamp_setting(&mut w, "ao.radius", self.radius, 0.01, 10.0, d.radius),
            falloff: clamp_setting(&mut w, "ao.falloff", self.falloff, 0.0, 1.0, d.falloff),
            thickness: clamp_setting(&mut w, "ao.thickness", self.thickness, 0.0, 1.0, d.thickness),
            intensity: clamp_setting(
                &mut w,
                "ao.intensity",
                self.intensity,
                0.25,
                4.0,
                d.intensity,
            ),
            ..*self
        };
        (settings, w)
    }
}

/// The `[ao]` keys as the panel and presets see them ([`AoSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "ao.tier",
        Control::Choice(TIERS),
        "GTAO slices x steps by tier. Default high when a preset names [ao]; off otherwise.",
    ),
    setting(
        "ao.radius",
        float(0.01, 10.0, 0.01),
        "World-space radius searched for occluders, metres, 0.01..=10, default 0.5.",
    ),
    setting(
        "ao.falloff",
        float(0.0, 1.0, 0.01),
        "Fraction of the radius over which an occluder's weight fades to zero, 0..=1, default 0.6.",
    ),
    setting(
        "ao.thickness",
        float(0.0, 1.0, 0.01),
        "How strongly a horizon that rose then fell counts as a thin occluder, 0..=1, default 0.25.",
    ),
    setting(
        "ao.intensity",
        float(0.25, 4.0, 0.01),
        "Exponent on the final visibility, 0.25..=4, default 1 (physical).",
    ),
    setting(
        "ao.multi_bounce",
        Control::Bool,
        "Jimenez et al.'s multi-bounce approximation: brightens occlusion on light albedos. Default on.",
    ),
    setting(
        "ao.half_resolution",
        Control::Bool,
        "Compute at half resolution and upsample bilaterally. Default off.",
    ),
    setting(
        "ao.upsample_in_lighting",
        Control::Bool,
        "With half_resolution: lighting upsamples AO as it reads it (one full-screen pass and one full-size target fewer, for tile-based GPUs); ignored with TAA on, the shadow catcher or an AO debug view. Default off.",
    ),
];

/// One frame's inputs, all at the output size.
pub struct AoFrame<'a> {
    /// Depth32Float, reverse-Z, infinite far plane; 0 where nothing was drawn.
    pub depth: &'a wgpu::TextureView,
    /// Rgba16Float: octahedral normal (xy), roughness, metallic.
    pub normals: &'a wgpu::TextureView,
    /// Rg16Float: uv now minus uv last frame.
    pub motion: &'a wgpu::TextureView,
    /// The `Camera` uniform of `shaders/include/common.wgsl`.
    pub camera: &'a wgpu::Buffer,
    /// Clip from view as rasterised (TAA's jitter included): the camera uniform's
    /// view-projection times the inverse of its view matrix. The pass takes its projection
    /// terms from it on the CPU, once per frame.
    pub projection: glam::Mat4,
    /// Output size in pixels.
    pub size: (u32, u32),
    /// Frames since the renderer started; frames must come one after another for the history
    /// to be used.
    pub frame_index: u64,
    /// TAA is on: vary the noise per frame and accumulate over frames.
    pub temporal: bool,
    /// Nothing but the lighting pass reads the visibility this frame, so with
    /// [`AoSettings::upsample_in_lighting`] the pass may leave it at half resolution.
    pub lighting_only: bool,
}

impl AoFrame<'_> {
    /// [`AoFrame::projection`] from the view-projection `view_proj` as rasterised (jitter
    /// included) and the camera it was made for: `view_proj` times the inverse of the rigid
    /// view matrix, in double precision.
    pub fn projection(view_proj: glam::Mat4, camera: &crate::scene::Camera) -> glam::Mat4 {
        (view_proj.as_dmat4() * camera.view().as_dmat4().inverse()).as_mat4()
    }
}

/// What [`AoPass::draw`] returns: the visibility and, when the lighting pass is to upsample it
/// ([`AoSettings::upsample_in_lighting`]), the half-resolution view depth it needs.
pub struct AoOutput {
    /// Visibility ([`OUTPUT_FORMAT`], or [`COMPUTE_OUTPUT_FORMAT`] from the compute variant) at
    /// the output size, or at the working (half) size when `working_view_depth` is set.
    pub visibility: PooledTexture,
    /// The working-resolution view depth (mip 0 of the prefilter's chain) the upsample weighs
    /// by, when the visibility is left at half resolution.
    pub working_view_depth: Option<PooledTexture>,
}

/// `AoParams` in `shaders/post/ao.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct AoUniforms {
    shape: [f32; 4],
    counts: [u32; 4],
    sizes: [f32; 4],
    temporal: [f32; 4],
    lens_scale_shear: [f32; 4],
    lens_shift_w: [f32; 4],
    lens_depth: [f32; 4],
}

/// The terms of `Lens` in `shaders/post/ao.wgsl` from clip-from-view `projection`: x, y
/// scale; x, y shear (per unit of view z); x, y shift; clip w = `w.0` · view depth + `w.1`;
/// clip z = `depth.0` · view z + `depth.1`. As three vec4s (the last one's zw unused).
fn lens_terms(projection: glam::Mat4) -> [[f32; 4]; 3] {
    let p = projection;
    [
        [p.x_axis.x, p.y_axis.y, p.z_axis.x, p.z_axis.y],
        [p.w_axis.x, p.w_axis.y, -p.z_axis.w, p.w_axis.w],
        [p.z_axis.z, p.w_axis.z, 0.0, 0.0],
    ]
}

/// What decides the GTAO kernel's override constants (`AO_*` in `shaders/post/ao.wgsl`):
/// one pipeline per key, cached, the tier's neighbours built ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct AoKey {
    /// Slices and steps ([`AoQuality`]); never [`Tier::Off`].
    tier: Tier,
    /// `AO_HALF`: the working resolution is half the output.
    half: bool,
    /// `AO_THICKNESS`: the thickness heuristic is on (thickness > 0).
    thickness: bool,
}

impl AoKey {
    /// The override constants of the GTAO kernel (`fs_main`, `cs_main`).
    fn constants(self) -> Constants {
        let quality = AoQuality::for_tier(self.tier).unwrap_or(AoQuality::HIGH);
        vec![
            ("AO_SLICES", f64::from(quality.slices)),
            ("AO_STEPS", f64::from(quality.steps)),
            ("AO_HALF", f64::from(u8::from(self.half))),
            ("AO_THICKNESS", f64::from(u8::from(self.thickness))),
        ]
    }

    /// The override constant of the prefilter (`fs_prefilter`, `cs_prefilter`).
    fn prefilter_constants(half: bool) -> Constants {
        vec![("AO_HALF", f64::from(u8::from(half)))]
    }
}

/// Last frame's visibility (r) and reverse-Z depth (g), for the temporal step.
const HISTORY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg16Float;

/// The compute variant's history (`ao_history_out` in `shaders/post/ao.wgsl`).
const COMPUTE_HISTORY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg32Float;

/// The view depth mips (fragment variant): half precision, 0.05 % of the depth, on every
/// device. Against R32Float it halves the bytes GTAO's samples read and moves the error
/// against the ray-traced reference by at most 0.0004 (`afterlight quality`).
const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Float;

/// The compute variant's view depth mips (`ao_out` in `shaders/post/ao.wgsl`): R16Float cannot
/// be a storage texture everywhere; the kernels store the half floats [`DEPTH_FORMAT`] holds.
const COMPUTE_DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Float;

/// How the compute variant writes the view depth pyramid (the prefilter's mip 0 and the
/// downsampled mips): chosen by the device's `max_storage_textures_per_shader_stage`
/// ([`PyramidDispatch::for_limits`]), since a single dispatch binds one storage texture per mip
/// it writes. The fragment variant always draws one pass per mip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PyramidDispatch {
    /// One dispatch per mip (`cs_prefilter`, then `cs_downsample` for each further mip): a
    /// device with fewer than four storage textures per stage, or too little workgroup memory.
    PerMip,
    /// `cs_pyramid`: mips 0..3 in one dispatch (four storage textures, WebGPU's default
    /// limit), then `cs_downsample` once more for mip 4 when the pyramid has it.
    Four,
    /// `cs_pyramid5`: all five mips in one dispatch (five storage textures).
    Five,
}

impl PyramidDispatch {
    /// Workgroup memory the single dispatch takes (`ao_pyramid` in `shaders/post/ao.wgsl`: a
    /// 16x16 tile of mip 0 and its 8x8, 4x4, 2x2 and 1x1 reductions, f32 each).
    pub const WORKGROUP_BYTES: u32 = 341 * 4;

    /// The dispatch a device with `limits` runs: [`PyramidDispatch::Five`] with five or more
    /// storage textures per shader stage, [`PyramidDispatch::Four`] with four (WebGPU's
    /// default), one dispatch per mip below that (or without the workgroup memory).
    pub fn for_limits(limits: &wgpu::Limits) -> Self {
        if limits.max_compute_workgroup_storage_size < Self::WORKGROUP_BYTES {
            return Self::PerMip;
        }
        match limits.max_storage_textures_per_shader_stage {
            0..=3 => Self::PerMip,
            4 => Self::Four,
            _ => Self::Five,
        }
    }

    /// The mips one dispatch writes (1 for [`PyramidDispatch::PerMip`]: the prefilter's).
    pub fn levels(self) -> u32 {
        match self {
            Self::PerMip => 1,
            Self::Four => 4,
            Self::Five => DEPTH_MIPS,
        }
    }
}

/// The GTAO pass: pipelines (the compute ones built on first use), one bind group layout
/// shared by every step, and the temporal history (two textures, ping-pong).
pub struct AoPass {
    layout: wgpu::BindGroupLayout,
    module: wgpu::ShaderModule,
    compute: Option<Kernels>,
    /// What [`AoPass::draw_variant`] last resolved, and from which request.
    variant: Option<VariantChoice>,
    /// The prefilter and GTAO steps, specialised by key.
    specialised: SpecialisedSteps,
    /// Whether this frame may build the key's neighbours ahead.
    ahead: BuildAhead<AoKey>,
    downsample: wgpu::RenderPipeline,
    denoise: wgpu::RenderPipeline,
    /// The last denoise pass also clamps to `[0, 1]`.
    denoise_last: wgpu::RenderPipeline,
    upsample: wgpu::RenderPipeline,
    temporal: wgpu::RenderPipeline,
    uniforms: wgpu::Buffer,
    /// Bound where a step does not use an input.
    placeholder: wgpu::TextureView,
    /// The NEAREST sampler the G-buffer depth is read through (`bindings::depth_sampler`).
    depth_sampler: wgpu::Sampler,
    history: Option<History>,
    /// The compute variant's pyramid dispatch when set below the device's
    /// ([`AoPass::force_pyramid_dispatch`]).
    forced_pyramid: Option<PyramidDispatch>,
}

/// The steps whose override constants the settings decide, fragment pipelines and compute
/// kernels (built only when the compute variant runs): the prefilter by `AO_HALF`, GTAO by
/// [`AoKey`].
#[derive(Default)]
struct SpecialisedSteps {
    prefilter: Specialised<bool, wgpu::RenderPipeline>,
    main: Specialised<AoKey, wgpu::RenderPipeline>,
    compute_prefilter: Specialised<bool, ComputeKernel>,
    /// The single-dispatch pyramid by `AO_HALF` and [`PyramidDispatch::Four`] or
    /// [`PyramidDispatch::Five`].
    compute_pyramid: Specialised<(bool, PyramidDispatch), ComputeKernel>,
    compute_main: Specialised<AoKey, ComputeKernel>,
}

/// The compute variant's kernels of the steps no setting specialises (`cs_*` in
/// `shaders/post/ao.wgsl`).
struct Kernels {
    downsample: ComputeKernel,
    denoise: ComputeKernel,
    denoise_last: ComputeKernel,
    upsample: ComputeKernel,
    temporal: ComputeKernel,
    /// 1x1 R32Float storage textures bound for mips 1..4 in the single-dispatch pyramid where
    /// the pyramid has fewer mips than the dispatch writes (one per level, so no texture is
    /// bound twice); the shader stores nothing outside a level's bound texture.
    unused_levels: [wgpu::TextureView; 4],
}

/// What [`AoPass::setup`] decided for one frame.
#[derive(Clone, Copy)]
struct FrameSetup {
    /// Validated.
    settings: AoSettings,
    quality: AoQuality,
    /// The working resolution is half the output.
    half: bool,
    working: (u32, u32),
    /// View depth mips ([`AoPass::depth_mip_count`]).
    mips: u32,
    key: AoKey,
    /// How the compute variant writes the mips.
    pyramid: PyramidDispatch,
}

/// Mip 0's tile edge per workgroup of the single-dispatch pyramid (`AO_TILE` in
/// `shaders/post/ao.wgsl`): 8x8 invocations, 2x2 texels each.
const PYRAMID_TILE: u32 = 16;

/// The working size at output size `size` under validated `settings`: half (rounded up) with
/// half resolution, unless a side is 1 px.
fn working_size(settings: &AoSettings, (width, height): (u32, u32)) -> (u32, u32) {
    match settings.half_resolution && width > 1 && height > 1 {
        true => (width.div_ceil(2), height.div_ceil(2)),
        false => (width, height),
    }
}

/// One single-target step, as a render pipeline or a compute kernel.
#[derive(Clone, Copy)]
enum Kind {
    Prefilter,
    Downsample,
    Main,
    Denoise,
    DenoiseLast,
    Upsample,
}

struct History {
    size: (u32, u32),
    /// [`HISTORY_FORMAT`] (fragment) or [`COMPUTE_HISTORY_FORMAT`] (compute).
    format: wgpu::TextureFormat,
    textures: [wgpu::TextureView; 2],
    /// The texture last frame wrote.
    current: usize,
    /// The frame that wrote it; any gap invalidates the history.
    frame_index: u64,
    valid: bool,
}

/// The textures one step binds besides the frame's inputs.
#[derive(Clone, Copy)]
struct Inputs<'a> {
    source: &'a wgpu::TextureView,
    view_depth: &'a wgpu::TextureView,
    history: &'a wgpu::TextureView,
}

impl AoPass {
    /// The pass's name: wgpu label prefix, timing scope and preset key.
    pub const NAME: &'static str = "ao";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Ground-truth ambient occlusion (GTAO) from depth and normals; darkens indirect light only",
        writes: &[Image {
            name: "visibility",
            format: ImageFormat::Fixed(OUTPUT_FORMAT),
            size: ImageSize::Render,
            kept: false,
        }],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 4.0,
            prior_share: 0.18,
            at_render_size: true,
            tier_cost: DEFAULT_TIER_COST,
        }),
        settings: &[SETTINGS],
    };

    /// Build the pipelines (fails only if `shaders/post/ao.wgsl` does not load).
    pub fn new(device: &wgpu::Device) -> Result<Self, crate::shaders::ShaderError> {
        let module = crate::shaders::create_module(device, "ao")?;
        let stages = wgpu::ShaderStages::FRAGMENT | wgpu::ShaderStages::COMPUTE;
        let texture = |binding| wgpu::BindGroupLayoutEntry {
            visibility: stages,
            ..bindings::texture(binding, false)
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("ao"),
            entries: &[
                bindings::uniform(0, stages),
                bindings::uniform(1, stages),
                wgpu::BindGroupLayoutEntry { visibility: stages, ..bindings::depth_as_float(2) },
                texture(3),
                texture(4),
                texture(5),
                texture(6),
                texture(7),
                wgpu::BindGroupLayoutEntry { visibility: stages, ..bindings::depth_sampler(8) },
            ],
        });
        let pipeline = |label: &str, entry: &str, format| {
            fullscreen::pipeline_with_entry(device, label, &module, entry, &[&layout], format, None)
        };
        let downsample = pipeline("ao.downsample", "fs_downsample", DEPTH_FORMAT);
        let denoise = pipeline("ao.denoise", "fs_denoise", OUTPUT_FORMAT);
        let denoise_last = pipeline("ao.denoise", "fs_denoise_last", OUTPUT_FORMAT);
        let upsample = pipeline("ao.upsample", "fs_upsample", OUTPUT_FORMAT);
        let temporal = temporal_pipeline(device, &module, &layout);
        let zeros = AoUniforms::default();
        let uniforms = bindings::uniform_buffer(device, "ao", bytemuck::bytes_of(&zeros));
        let placeholder = bindings::placeholder(device, "ao.placeholder", OUTPUT_FORMAT);
        Ok(Self {
            layout,
            module,
            compute: None,
            variant: None,
            specialised: SpecialisedSteps::default(),
            ahead: BuildAhead::default(),
            downsample,
            denoise,
            denoise_last,
            upsample,
            temporal,
            uniforms,
            placeholder,
            depth_sampler: bindings::nearest_sampler(device, "ao.depth_sampler"),
            history: None,
            forced_pyramid: None,
        })
    }

    /// Forget the temporal history (camera cut, resize): the next frame starts afresh.
    pub fn reset_history(&mut self) {
        if let Some(history) = &mut self.history {
            history.valid = false;
        }
    }

    /// Records prefilter, main pass, denoise, (upsample), (temporal); None when the tier is
    /// off or size is zero.
    ///
    /// `settings` go through [`AoSettings::validated`] silently. The returned texture
    /// ([`OUTPUT_FORMAT`], `frame.size`, usable as texture binding and copy source) is on loan
    /// from `pool`; the intermediates go back to it before this returns. The uniforms are
    /// written with `queue.write_buffer`: record at most one AO per pass per submission.
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &AoFrame<'_>,
        settings: &AoSettings,
    ) -> Option<AoOutput> {
        self.record(device, queue, encoder, pool, frame, settings, false)
    }

    /// The compute variant of [`AoPass::draw`] (see the module documentation): the same steps
    /// and answer, the returned texture in [`COMPUTE_OUTPUT_FORMAT`] (also a storage texture);
    /// the fragment variant where [`AoPass::compute_unsupported`] says why compute cannot run.
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &AoFrame<'_>,
        settings: &AoSettings,
    ) -> Option<AoOutput> {
        let compute = Self::compute_unsupported(device).is_none();
        self.record(device, queue, encoder, pool, frame, settings, compute)
    }

    /// [`AoPass::draw`] or [`AoPass::dispatch`] as `requested` resolves on `device` (the
    /// post chain's `variant`, see [`variant::resolve`]); the resolution is logged when it
    /// changes and kept for [`AoPass::variant`].
    #[allow(clippy::too_many_arguments)]
    pub fn draw_variant(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &AoFrame<'_>,
        settings: &AoSettings,
        requested: PassVariant,
    ) -> Option<AoOutput> {
        if self.variant.as_ref().is_none_or(|v| v.requested != requested) {
            let mut choice = variant::resolve(requested, device);
            if let (PassVariant::Compute, Some(missing)) =
                (choice.used, Self::compute_unsupported(device))
            {
                choice.used = PassVariant::Fragment;
                choice.fallback = true;
                choice.reason = format!("{} falls back to fragment: {missing}", requested.name());
            }
            match choice.fallback {
                true => log::warn!("ao: {}", choice.reason),
                false => log::info!("ao: {} passes ({})", choice.used.name(), choice.reason),
            }
            self.variant = Some(choice);
        }
        let compute = self.variant.as_ref().is_some_and(|v| v.used == PassVariant::Compute);
        self.record(device, queue, encoder, pool, frame, settings, compute)
    }

    /// What the last [`AoPass::draw_variant`] resolved to, and why.
    pub fn variant(&self) -> Option<&VariantChoice> {
        self.variant.as_ref()
    }

    /// Why `device` cannot run the compute variant, or `None` when it can: the device lacks
    /// compute (see [`variant::compute_unsupported`]) or cannot store R32Float or Rg32Float.
    pub fn compute_unsupported(device: &wgpu::Device) -> Option<String> {
        variant::compute_unsupported(device).or_else(|| {
            variant::storage_unsupported(device, &[COMPUTE_OUTPUT_FORMAT, COMPUTE_HISTORY_FORMAT])
        })
    }

    /// The steps of [`AoPass::draw`] as render passes or, with `compute`, dispatches.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &AoFrame<'_>,
        settings: &AoSettings,
        compute: bool,
    ) -> Option<AoOutput> {
        let setup = self.setup(device, frame, settings, compute)?;
        let FrameSetup { settings, quality, half, working, key, .. } = setup;
        let history_format = if compute { COMPUTE_HISTORY_FORMAT } else { HISTORY_FORMAT };
        let history_valid = self.prepare_history(device, frame, history_format);
        self.write_uniforms(queue, frame, &setup, history_valid);
        // Compute stores into its targets and never renders into them.
        let (attach, storage) = match compute {
            true => (wgpu::TextureUsages::empty(), wgpu::TextureUsages::STORAGE_BINDING),
            false => (wgpu::TextureUsages::RENDER_ATTACHMENT, wgpu::TextureUsages::empty()),
        };
        let output_format = if compute { COMPUTE_OUTPUT_FORMAT } else { OUTPUT_FORMAT };
        let placeholder = &self.placeholder;
        let none = Inputs { source: placeholder, view_depth: placeholder, history: placeholder };
        let step = (key, compute);

        // Prefilter: view depth at the working resolution, then its mips.
        let (depth, mip_views) = self.record_pyramid(device, encoder, pool, frame, &setup, compute);
        // GTAO at the working resolution, reading every mip.
        let target = |(w, h): (u32, u32)| TransientDesc {
            usage: attach
                | storage
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC,
            ..TransientDesc::target(w, h, output_format, wgpu::TextureUsages::empty())
        };
        let mut visibility = pool.acquire(device, "ao.output", &target(working));
        let inputs = Inputs { source: &depth.view, ..none };
        self.step(device, encoder, frame, Kind::Main, step, inputs, &visibility.view, working);
        // Denoise: depth-aware 3x3 blurs, ping-pong.
        for pass in 0..quality.denoise_passes {
            let last = pass + 1 == quality.denoise_passes;
            let kind = if last { Kind::DenoiseLast } else { Kind::Denoise };
            let blurred = pool.acquire(device, "ao.output", &target(working));
            let inputs = Inputs { source: &visibility.view, view_depth: &mip_views[0], ..none };
            self.step(device, encoder, frame, kind, step, inputs, &blurred.view, working);
            pool.release(&visibility);
            visibility = blurred;
        }
        // Lighting upsamples: hand it the half-resolution visibility and view depth.
        if half && settings.upsample_in_lighting && frame.lighting_only && !frame.temporal {
            return Some(AoOutput { visibility, working_view_depth: Some(depth) });
        }
        // Upsample: half to full resolution, depth-aware.
        if half {
            let full = pool.acquire(device, "ao.output", &target(frame.size));
            let inputs = Inputs { source: &visibility.view, view_depth: &mip_views[0], ..none };
            self.step(device, encoder, frame, Kind::Upsample, step, inputs, &full.view, frame.size);
            pool.release(&visibility);
            visibility = full;
        }
        pool.release(&depth);
        // Temporal: blend with the reprojected history (TAA on only).
        if let Some(history) = self.history.as_mut().filter(|_| frame.temporal) {
            let output = pool.acquire(device, "ao.output", &target(frame.size));
            let previous = history.current;
            history.current = 1 - previous;
            let inputs = Inputs {
                source: &visibility.view,
                view_depth: placeholder,
                history: &history.textures[previous],
            };
            let bind_group =
                bind(device, &self.layout, (&self.uniforms, &self.depth_sampler), frame, inputs);
            let next = &history.textures[history.current];
            match self.compute.as_ref().filter(|_| compute) {
                Some(kernels) => {
                    let outputs = [&output.view, next];
                    kernels.temporal.dispatch(device, encoder, &bind_group, &outputs, frame.size);
                }
                None => {
                    let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                        label: Some("ao.temporal"),
                        // The full-screen triangle writes every pixel of both targets.
                        color_attachments: &[
                            Some(fullscreen::overwritten_attachment(&output.view)),
                            Some(fullscreen::overwritten_attachment(next)),
                        ],
                        ..Default::default()
                    });
                    pass.set_pipeline(&self.temporal);
                    pass.set_bind_group(0, &bind_group, &[]);
                    pass.draw(0..3, 0..1);
                }
            }
            pool.release(&visibility);
            visibility = output;
        }
        Some(AoOutput { visibility, working_view_depth: None })
    }

    /// The compute variant's view depth pyramid alone (step 1 of the module documentation:
    /// the prefilter and the depth mips) as [`AoPass::dispatch`] records it, for tests and
    /// inspection; with `per_mip`, the chain of one dispatch per mip instead of the device's
    /// [`PyramidDispatch`]. The texture (every mip, [`AoPass::depth_mip_count`] of them,
    /// R32Float holding half floats, usable as a copy source) is on loan from `pool`. `None`
    /// when the tier is off, the size is zero or the device cannot run the compute variant.
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch_depth_pyramid(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &AoFrame<'_>,
        settings: &AoSettings,
        per_mip: bool,
    ) -> Option<PooledTexture> {
        if Self::compute_unsupported(device).is_some() {
            return None;
        }
        let forced = self.forced_pyramid;
        self.forced_pyramid = if per_mip { Some(PyramidDispatch::PerMip) } else { forced };
        let setup = self.setup(device, frame, settings, true);
        let depth = setup.map(|setup| {
            self.write_uniforms(queue, frame, &setup, false);
            self.record_pyramid(device, encoder, pool, frame, &setup, true).0
        });
        self.forced_pyramid = forced;
        depth
    }

    /// The view depth mips the pass builds for `settings` at output size `size` (the tier's,
    /// capped so the smallest mip is at least 1 px); 0 when the tier is off or the size zero.
    pub fn depth_mip_count(settings: &AoSettings, size: (u32, u32)) -> u32 {
        let settings = settings.validated().0;
        match AoQuality::for_tier(settings.tier) {
            Some(quality) if size.0 > 0 && size.1 > 0 => {
                let working = working_size(&settings, size);
                quality.depth_mips.clamp(1, DEPTH_MIPS).min(working.0.min(working.1).ilog2() + 1)
            }
            _ => 0,
        }
    }

    /// How the compute variant writes the view depth pyramid on `device`: by its limits
    /// ([`PyramidDispatch::for_limits`]), or less where [`AoPass::force_pyramid_dispatch`] says.
    pub fn pyramid_dispatch(&self, device: &wgpu::Device) -> PyramidDispatch {
        let own = PyramidDispatch::for_limits(&device.limits());
        self.forced_pyramid.map_or(own, |forced| forced.min(own))
    }

    /// Make the compute variant write the pyramid with `dispatch` (never more than the
    /// device's limits allow: a larger one is lowered to the device's), or with `None` as the
    /// device's limits decide. For comparing the paths; the mips are the same bits either way.
    pub fn force_pyramid_dispatch(&mut self, dispatch: Option<PyramidDispatch>) {
        self.forced_pyramid = dispatch;
    }

    /// What a frame decides before it records: the validated settings, the working size and
    /// mips, and the specialised pipelines it needs (built now). `None` when the tier is off
    /// or the size is zero.
    fn setup(
        &mut self,
        device: &wgpu::Device,
        frame: &AoFrame<'_>,
        settings: &AoSettings,
        compute: bool,
    ) -> Option<FrameSetup> {
        let (settings, _) = settings.validated();
        let quality = AoQuality::for_tier(settings.tier)?;
        let (width, height) = frame.size;
        if width == 0 || height == 0 {
            return None;
        }
        let half = settings.half_resolution && width > 1 && height > 1;
        let working = working_size(&settings, frame.size);
        let mips = Self::depth_mip_count(&settings, frame.size);
        if compute && self.compute.is_none() {
            self.compute = Some(self.kernels(device));
        }
        // This frame's specialised steps, and its tier's neighbours unless the key just changed.
        let key = AoKey { tier: settings.tier, half, thickness: settings.thickness > 0.0 };
        let keys: Vec<AoKey> = match self.ahead.may_build(key) {
            true => {
                key.tier.with_neighbours().into_iter().map(|tier| AoKey { tier, ..key }).collect()
            }
            false => vec![key],
        };
        let pyramid = self.pyramid_dispatch(device);
        self.build_specialised(device, &keys, compute, pyramid);
        Some(FrameSetup { settings, quality, half, working, mips, key, pyramid })
    }

    /// Write this frame's uniforms (`history_valid`: the history holds last frame).
    fn write_uniforms(
        &self,
        queue: &wgpu::Queue,
        frame: &AoFrame<'_>,
        setup: &FrameSetup,
        history_valid: bool,
    ) {
        let settings = &setup.settings;
        let (width, height) = frame.size;
        let working = setup.working;
        let falloff_range = (settings.falloff * settings.radius).max(1e-4 * settings.radius);
        let [lens_scale_shear, lens_shift_w, lens_depth] = lens_terms(frame.projection);
        let uniforms = AoUniforms {
            shape: [
                settings.radius,
                -1.0 / falloff_range,
                settings.radius / falloff_range,
                settings.thickness * 0.5,
            ],
            counts: [setup.mips, 0, 0, 0],
            sizes: [working.0 as f32, working.1 as f32, width as f32, height as f32],
            temporal: [
                if frame.temporal { (frame.frame_index % 64) as f32 } else { 0.0 },
                TEMPORAL_WEIGHT,
                if history_valid { 1.0 } else { 0.0 },
                0.0,
            ],
            lens_scale_shear,
            lens_shift_w,
            lens_depth,
        };
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&uniforms));
    }

    /// Step 1: view depth at the working resolution and its mips, into a pooled texture (and
    /// a view of each mip). The fragment variant draws one pass per mip; the compute variant
    /// dispatches the single-dispatch pyramid for as many mips as the device's storage
    /// textures allow ([`PyramidDispatch`]), then `cs_downsample` for any mip left (mip 4 with
    /// four storage textures), or with [`PyramidDispatch::PerMip`] one dispatch per mip.
    fn record_pyramid(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &AoFrame<'_>,
        setup: &FrameSetup,
        compute: bool,
    ) -> (PooledTexture, Vec<wgpu::TextureView>) {
        let (working, mips, key) = (setup.working, setup.mips, setup.key);
        let (usage, copy_src) = match compute {
            true => (wgpu::TextureUsages::STORAGE_BINDING, wgpu::TextureUsages::COPY_SRC),
            false => (wgpu::TextureUsages::RENDER_ATTACHMENT, wgpu::TextureUsages::empty()),
        };
        let depth_desc = TransientDesc {
            width: working.0,
            height: working.1,
            format: if compute { COMPUTE_DEPTH_FORMAT } else { DEPTH_FORMAT },
            mip_level_count: mips,
            // Compute's is a copy source too, for `dispatch_depth_pyramid`'s readers.
            usage: usage | wgpu::TextureUsages::TEXTURE_BINDING | copy_src,
        };
        let depth = pool.acquire(device, "ao.depth", &depth_desc);
        let mip_views: Vec<wgpu::TextureView> = (0..mips).map(|m| depth.mip_view(m)).collect();
        let placeholder = &self.placeholder;
        let none = Inputs { source: placeholder, view_depth: placeholder, history: placeholder };
        let mip_size = |m: u32| ((working.0 >> m).max(1), (working.1 >> m).max(1));
        let step = (key, compute);
        let single = self.compute.as_ref().filter(|_| compute && setup.pyramid.levels() > 1);
        let first = match single {
            Some(kernels) => {
                // One dispatch for mips 0..levels, each workgroup a 16x16 tile of mip 0; the
                // levels this pyramid lacks are bound to 1x1 textures that stay unwritten
                // outside their one texel.
                const BUILT: &str = "the pyramid kernel is built before the frame records it";
                let levels = setup.pyramid.levels();
                let kernel =
                    self.specialised.compute_pyramid.built((key.half, setup.pyramid)).expect(BUILT);
                let outputs: Vec<&wgpu::TextureView> = (0..levels as usize)
                    .map(|m| mip_views.get(m).unwrap_or_else(|| &kernels.unused_levels[m - 1]))
                    .collect();
                let bind_group =
                    bind(device, &self.layout, (&self.uniforms, &self.depth_sampler), frame, none);
                let groups = (working.0.div_ceil(PYRAMID_TILE), working.1.div_ceil(PYRAMID_TILE));
                kernel.dispatch_groups(device, encoder, &bind_group, &outputs, groups);
                levels.min(mips)
            }
            None => {
                let target = &mip_views[0];
                self.step(device, encoder, frame, Kind::Prefilter, step, none, target, working);
                1
            }
        };
        for m in first as usize..mips as usize {
            let inputs = Inputs { source: &mip_views[m - 1], ..none };
            self.step(
                device,
                encoder,
                frame,
                Kind::Downsample,
                step,
                inputs,
                &mip_views[m],
                mip_size(m as u32),
            );
        }
        (depth, mip_views)
    }

    /// Make sure the history matches this frame; whether it holds the previous frame.
    /// The history is (re)made in `format` when that or the size changed.
    fn prepare_history(
        &mut self,
        device: &wgpu::Device,
        frame: &AoFrame<'_>,
        format: wgpu::TextureFormat,
    ) -> bool {
        if !frame.temporal {
            self.history = None;
            return false;
        }
        let follows = |h: &History| h.frame_index.checked_add(1) == Some(frame.frame_index);
        match &mut self.history {
            Some(h) if h.size == frame.size && h.format == format => {
                let valid = h.valid && follows(h);
                h.valid = true;
                h.frame_index = frame.frame_index;
                valid
            }
            _ => {
                let texture = |label| {
                    device
                        .create_texture(&wgpu::TextureDescriptor {
                            label: Some(label),
                            size: wgpu::Extent3d {
                                width: frame.size.0,
                                height: frame.size.1,
                                depth_or_array_layers: 1,
                            },
                            mip_level_count: 1,
                            sample_count: 1,
                            dimension: wgpu::TextureDimension::D2,
                            format,
                            usage: match format {
                                HISTORY_FORMAT => wgpu::TextureUsages::RENDER_ATTACHMENT,
                                _ => wgpu::TextureUsages::STORAGE_BINDING,
                            } | wgpu::TextureUsages::TEXTURE_BINDING,
                            view_formats: &[],
                        })
                        .create_view(&Default::default())
                };
                self.history = Some(History {
                    size: frame.size,
                    format,
                    textures: [texture("ao.history.0"), texture("ao.history.1")],
                    current: 0,
                    frame_index: frame.frame_index,
                    valid: true,
                });
                false
            }
        }
    }

    /// Build the specialised steps of `keys` not built yet: the prefilter and GTAO pipelines,
    /// or with `compute` their kernels.
    fn build_specialised(
        &mut self,
        device: &wgpu::Device,
        keys: &[AoKey],
        compute: bool,
        pyramid: PyramidDispatch,
    ) {
        let (layout, module) = (&self.layout, &self.module);
        let steps = &mut self.specialised;
        let halves = keys.iter().map(|k| k.half);
        if compute {
            let kernel = |name, entry, formats: &[_], constants: &[(&'static str, f64)]| {
                ComputeKernel::specialised(device, name, module, entry, layout, formats, constants)
            };
            match pyramid {
                PyramidDispatch::PerMip => steps.compute_prefilter.prepare(halves, |half| {
                    let constants = AoKey::prefilter_constants(half);
                    kernel("ao.prefilter", "cs_prefilter", &[COMPUTE_DEPTH_FORMAT], &constants)
                }),
                single => steps.compute_pyramid.prepare(halves.map(|h| (h, single)), |(h, _)| {
                    let constants = AoKey::prefilter_constants(h);
                    let (entry, levels) = match single {
                        PyramidDispatch::Five => ("cs_pyramid5", 5),
                        _ => ("cs_pyramid", 4),
                    };
                    let formats = [COMPUTE_DEPTH_FORMAT; DEPTH_MIPS as usize];
                    kernel("ao.pyramid", entry, &formats[..levels], &constants)
                }),
            }
            steps.compute_main.prepare(keys.iter().copied(), |key| {
                kernel("ao.main", "cs_main", &[COMPUTE_OUTPUT_FORMAT], &key.constants())
            });
        } else {
            let pipeline = |label, entry, format, constants: &[(&'static str, f64)]| {
                let target = (format, None);
                fullscreen::specialised_pipeline(
                    device,
                    label,
                    module,
                    entry,
                    &[layout],
                    target,
                    constants,
                )
            };
            steps.prefilter.prepare(halves, |half| {
                let constants = AoKey::prefilter_constants(half);
                pipeline("ao.prefilter", "fs_prefilter", DEPTH_FORMAT, &constants)
            });
            steps.main.prepare(keys.iter().copied(), |key| {
                pipeline("ao.main", "fs_main", OUTPUT_FORMAT, &key.constants())
            });
        }
    }

    /// How many specialised pipelines and kernels (prefilter or pyramid, and GTAO, by key) the pass has
    /// built: the first frame builds its tier's neighbours too, and a frame whose tier is a
    /// neighbour of the last frame's builds none.
    pub fn pipelines_built(&self) -> usize {
        let s = &self.specialised;
        s.prefilter.len()
            + s.main.len()
            + s.compute_prefilter.len()
            + s.compute_pyramid.len()
            + s.compute_main.len()
    }

    /// Record one single-target step into `target` (of `size` pixels): a full-screen draw,
    /// or with `compute` a dispatch of the step's kernel, specialised for `key`.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        frame: &AoFrame<'_>,
        kind: Kind,
        (key, compute): (AoKey, bool),
        inputs: Inputs<'_>,
        target: &wgpu::TextureView,
        size: (u32, u32),
    ) {
        const BUILT: &str = "specialised steps are built before the frame records them";
        let bind_group =
            bind(device, &self.layout, (&self.uniforms, &self.depth_sampler), frame, inputs);
        let specialised = &self.specialised;
        if let Some(kernels) = self.compute.as_ref().filter(|_| compute) {
            let kernel = match kind {
                Kind::Prefilter => specialised.compute_prefilter.built(key.half).expect(BUILT),
                Kind::Downsample => &kernels.downsample,
                Kind::Main => specialised.compute_main.built(key).expect(BUILT),
                Kind::Denoise => &kernels.denoise,
                Kind::DenoiseLast => &kernels.denoise_last,
                Kind::Upsample => &kernels.upsample,
            };
            kernel.dispatch(device, encoder, &bind_group, &[target], size);
            return;
        }
        let (label, pipeline) = match kind {
            Kind::Prefilter => {
                ("ao.prefilter", specialised.prefilter.built(key.half).expect(BUILT))
            }
            Kind::Downsample => ("ao.downsample", &self.downsample),
            Kind::Main => ("ao.main", specialised.main.built(key).expect(BUILT)),
            Kind::Denoise => ("ao.denoise", &self.denoise),
            Kind::DenoiseLast => ("ao.denoise", &self.denoise_last),
            Kind::Upsample => ("ao.upsample", &self.upsample),
        };
        fullscreen::draw(encoder, label, pipeline, &[&bind_group], target, None);
    }

    /// The compute variant's kernels over the fragment pipelines' layout.
    fn kernels(&self, device: &wgpu::Device) -> Kernels {
        let (layout, module) = (&self.layout, &self.module);
        let kernel = |name, entry, outputs: &[wgpu::TextureFormat]| {
            ComputeKernel::new(device, name, module, entry, layout, outputs)
        };
        let (depth, visibility) = ([COMPUTE_DEPTH_FORMAT], [COMPUTE_OUTPUT_FORMAT]);
        Kernels {
            downsample: kernel("ao.downsample", "cs_downsample", &depth),
            denoise: kernel("ao.denoise", "cs_denoise", &visibility),
            denoise_last: kernel("ao.denoise", "cs_denoise_last", &visibility),
            upsample: kernel("ao.upsample", "cs_upsample", &visibility),
            temporal: kernel(
                "ao.temporal",
                "cs_temporal",
                &[COMPUTE_OUTPUT_FORMAT, COMPUTE_HISTORY_FORMAT],
            ),
            unused_levels: std::array::from_fn(|_| {
                device
                    .create_texture(&wgpu::TextureDescriptor {
                        label: Some("ao.pyramid.unused_level"),
                        size: wgpu::Extent3d::default(),
                        mip_level_count: 1,
                        sample_count: 1,
                        dimension: wgpu::TextureDimension::D2,
                        format: COMPUTE_DEPTH_FORMAT,
                        usage: wgpu::TextureUsages::STORAGE_BINDING,
                        view_formats: &[],
                    })
                    .create_view(&Default::default())
            }),
        }
    }
}

/// The bind group of one step: uniforms, the frame's inputs, then the step's textures.
fn bind(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    (uniforms, depth_sampler): (&wgpu::Buffer, &wgpu::Sampler),
    frame: &AoFrame<'_>,
    inputs: Inputs<'_>,
) -> wgpu::BindGroup {
    let view = wgpu::BindingResource::TextureView;
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("ao"),
        layout,
        entries: &bindings::entries(&[
            uniforms.as_entire_binding(),
            frame.camera.as_entire_binding(),
            view(frame.depth),
            view(frame.normals),
            view(frame.motion),
            view(inputs.source),
            view(inputs.view_depth),
            view(inputs.history),
            wgpu::BindingResource::Sampler(depth_sampler),
        ]),
    })
}

/// The temporal step writes two targets: the output and the next history.
fn temporal_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
) -> wgpu::RenderPipeline {
    let formats = [OUTPUT_FORMAT, HISTORY_FORMAT];
    fullscreen::multi_target_pipeline(
        device,
        "ao.temporal",
        module,
        "fs_temporal",
        &[layout],
        &formats,
    )
}

impl AoPass {
    /// The uniforms, the placeholder, the temporal history (when TAA is on) and the compute
    /// variant's 1x1 pyramid placeholders (once it ran), for memory reports; pooled images are
    /// the renderer's AO pool's.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        let mut entries = vec![
            crate::gpu::memory::MemoryEntry::buffer("ao.uniforms", &self.uniforms),
            crate::gpu::memory::MemoryEntry::texture(
                "ao.placeholder",
                self.placeholder.texture(),
                false,
            ),
        ];
        if let Some(history) = &self.history {
            for view in &history.textures {
                entries.push(crate::gpu::memory::MemoryEntry::texture(
                    "ao.history",
                    view.texture(),
                    true,
                ));
            }
        }
        if let Some(kernels) = &self.compute {
            for view in &kernels.unused_levels {
                entries.push(crate::gpu::memory::MemoryEntry::texture(
                    "ao.pyramid.unused_level",
                    view.texture(),
                    false,
                ));
            }
        }
        entries
    }
}

/// Whether the lighting pass upsamples half-resolution AO itself in a frame with `settings`
/// (`temporal`: TAA on), when no shadow catcher or AO debug view reads the visibility (the
/// bench runs neither): see [`AoSettings::upsample_in_lighting`].
pub fn lighting_upsamples(settings: &AoSettings, temporal: bool) -> bool {
    let ao = settings.validated().0;
    ao.half_resolution && ao.upsample_in_lighting && !temporal
}

/// The fraction of the pixels the prefilter, GTAO and denoise steps run at.
fn working_fraction(settings: &AoSettings) -> f64 {
    if settings.validated().0.half_resolution { 0.25 } else { 1.0 }
}

/// Bytes per pixel the compute variant's visibility ([`COMPUTE_OUTPUT_FORMAT`]) takes beyond
/// the fragment variant's ([`OUTPUT_FORMAT`]), for every step that writes or reads it (the
/// view depth takes as many more: [`COMPUTE_DEPTH_FORMAT`] against [`DEPTH_FORMAT`]).
pub fn compute_visibility_extra_bytes() -> f64 {
    texel_bytes(COMPUTE_OUTPUT_FORMAT) - texel_bytes(OUTPUT_FORMAT)
}

/// The pass's memory traffic ([`super::traffic`]) under `settings`, as the fragment variant
/// moves it, at the render size.
pub fn traffic(settings: &AoSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    let ao = settings.validated().0;
    let working = working_fraction(settings);
    let view_depth = texel_bytes(DEPTH_FORMAT) * mip_chain(&ao) * working;
    let visibility = texel_bytes(OUTPUT_FORMAT);
    // Prefilter, GTAO and denoise at the working size; the upsample at full size; the
    // temporal step (with TAA) at full size.
    let temporal = u32::from(frame.taa);
    let full_size = match (ao.half_resolution, lighting_upsamples(settings, frame.taa)) {
        (true, true) => 0,
        (true, false) => 1,
        (false, _) => 3,
    };
    let gbuffer =
        texel_bytes(gbuffer_formats::DEPTH_FORMAT) + texel_bytes(gbuffer_formats::NORMAL_FORMAT);
    let traffic = PassTraffic::new(
        gbuffer + view_depth + visibility * working,
        view_depth + visibility * working * 2.0,
        frame.render_pixels(),
        "lower bound: depth and normals read, the R16Float view-depth mip chain (4/3 of the \
         working size; Ultra builds no mips) written and read, visibility written, denoised \
         once; history and upsample not counted",
    );
    Some(traffic.with_full_screen_passes(full_size + temporal))
}

/// [`traffic`] for the compute variant: its steps store visibility in
/// [`COMPUTE_OUTPUT_FORMAT`] (R32Float, as R16Float cannot be stored everywhere), which the
/// pass writes twice and reads once at the working size, and the view depth mips in
/// [`COMPUTE_DEPTH_FORMAT`], written and read once.
pub fn traffic_compute(settings: &AoSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    let mut traffic = traffic(settings, frame)?;
    let (extra, working) = (compute_visibility_extra_bytes(), working_fraction(settings));
    let depth_extra = (texel_bytes(COMPUTE_DEPTH_FORMAT) - texel_bytes(DEPTH_FORMAT))
        * mip_chain(&settings.validated().0)
        * working;
    traffic.read_bytes_per_pixel += extra * working + depth_extra;
    traffic.write_bytes_per_pixel += extra * working * 2.0 + depth_extra;
    Some(traffic.noting(
        "compute variant: visibility and view depth stored as R32Float; the depth mips in one \
         dispatch from workgroup memory (mip 4 in a second with 4 storage textures per stage), \
         each written once and not read back between levels",
    ))
}

/// The view depth's texels per working pixel, its mips included: 4/3 with mips, 1 without.
fn mip_chain(settings: &AoSettings) -> f64 {
    match AoQuality::for_tier(settings.tier).is_some_and(|q| q.depth_mips > 1) {
        true => 4.0 / 3.0,
        false => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pyramid_dispatch_follows_the_storage_texture_limit() {
        let with = |storage: u32| wgpu::Limits {
            max_storage_textures_per_shader_stage: storage,
            ..wgpu::Limits::downlevel_defaults()
        };
        // WebGPU's default (and wgpu's downlevel default) is four: mips 0..3 in one dispatch.
        assert_eq!(wgpu::Limits::downlevel_defaults().max_storage_textures_per_shader_stage, 4);
        assert_eq!(PyramidDispatch::for_limits(&with(4)), PyramidDispatch::Four);
        assert_eq!(PyramidDispatch::for_limits(&with(5)), PyramidDispatch::Five);
        assert_eq!(PyramidDispatch::for_limits(&with(8)), PyramidDispatch::Five);
        assert_eq!(PyramidDispatch::for_limits(&with(3)), PyramidDispatch::PerMip);
        assert_eq!(PyramidDispatch::for_limits(&with(2)), PyramidDispatch::PerMip);
        let no_shared = wgpu::Limits { max_compute_workgroup_storage_size: 1024, ..with(8) };
        assert_eq!(PyramidDispatch::for_limits(&no_shared), PyramidDispatch::PerMip);
        let levels = [PyramidDispatch::PerMip, PyramidDispatch::Four, PyramidDispatch::Five]
            .map(PyramidDispatch::levels);
        assert_eq!(levels, [1, 4, 5]);
    }

    #[test]
    fn the_pyramid_fits_webgpu_default_workgroup_limits() {
        let limits = wgpu::Limits::downlevel_defaults();
        assert!(PyramidDispatch::WORKGROUP_BYTES <= limits.max_compute_workgroup_storage_size);
        // 8x8 invocations, each 2x2 texels of the tile; the tile reduces to one mip-4 texel.
        assert_eq!(PYRAMID_TILE, 2 * variant::WORKGROUP);
        assert_eq!(PYRAMID_TILE >> (DEPTH_MIPS - 1), 1);
        let tiles: u32 = (0..DEPTH_MIPS).map(|m| (PYRAMID_TILE >> m).pow(2)).sum();
        assert_eq!(tiles * 4, PyramidDispatch::WORKGROUP_BYTES);
        let shader = include_str!("../../shaders/post/ao.wgsl");
        assert!(shader.contains(&format!("array<f32, {tiles}>")), "ao_pyramid holds {tiles}");
        assert!(shader.contains(&format!("const AO_TILE: u32 = {PYRAMID_TILE}u;")));
    }

    #[test]
    fn depth_mips_are_capped_by_the_working_size() {
        let high = AoSettings::HIGH;
        let half = AoSettings { half_resolution: true, ..high };
        let ultra = AoSettings { tier: Tier::Ultra, ..high };
        assert_eq!(AoPass::depth_mip_count(&high, (641, 359)), 5);
        assert_eq!(AoPass::depth_mip_count(&high, (13, 9)), 4);
        assert_eq!(AoPass::depth_mip_count(&high, (5, 3)), 2);
        assert_eq!(AoPass::depth_mip_count(&high, (1, 1)), 1);
        assert_eq!(AoPass::depth_mip_count(&half, (31, 31)), 5, "16x16 working");
        assert_eq!(AoPass::depth_mip_count(&half, (29, 30)), 4, "15x15 working");
        assert_eq!(AoPass::depth_mip_count(&ultra, (641, 359)), 1);
        assert_eq!(AoPass::depth_mip_count(&AoSettings::OFF, (64, 64)), 0);
        assert_eq!(AoPass::depth_mip_count(&high, (0, 64)), 0);
    }
}

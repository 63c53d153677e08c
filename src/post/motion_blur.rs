//! Motion blur (`shaders/post/motion_blur.wgsl`) from the G-buffer's motion vectors, camera and
//! object motion alike.
//!
//! Follows McGuire, Hennessy, Bukowski and Osman, "A Reconstruction Filter for Plausible
//! Motion Blur" (I3D 2012): velocities clamped to a maximum radius K, the largest velocity per
//! K x K tile, the largest of each tile's 3x3 neighbourhood (so blur reaches past an object's
//! silhouette onto the static pixels around it), and a jittered gather along that
//! neighbour-max velocity with depth-aware classification of the samples. The gather's
//! weights are our own layered form (the shader's header explains it): each sample covers the
//! centre for the fraction of the exposure its content spends there, and in-front, level and
//! behind samples are composited in that order, which makes a moving box's edge the exact
//! box-filtered ramp and keeps a static foreground sharp over a moving background.
//!
//! The shutter: a 360° shutter is open the whole frame, 180° (the film default) half of it,
//! so an object moving `v` pixels per frame is smeared over `v · shutter_angle / 360` pixels,
//! centred on where it is drawn. On a camera cut the chain skips the pass for that frame: the
//! motion vectors across a jump are not motion.
//!
//! **Reads** HDR colour, reverse-Z depth and motion vectors (uv now minus uv last frame), all
//! at the render size. **Writes** the blurred HDR colour at the same size (a pooled texture,
//! `"motion_blur.output"`); the tile and neighbour-max textures (`Rg16Float`, size / K) are
//! pooled and released before [`MotionBlurPass::draw`] returns.
//!
//! # Why before TAA
//! The blur runs on the render-size image, before TAA, for two reasons. Its inputs (depth
//! and motion) are the G-buffer's, pixel for pixel at the render size, whereas TAA's output is
//! at the display size and already resolved. And the gather's per-pixel jitter, which changes
//! every frame, is noise that TAA's accumulation averages away, so few samples per pixel look
//! smooth under TAA. The price: TAA's history is rejected where motion is fast anyway (its
//! motion and depth tests), so blurred regions rely on the current frame; that is where the
//! blur hides aliasing best.
//!
//! # The AR real-world mask
//! There is no real-world mask yet. When it exists, the camera image must not be blurred by
//! virtual motion: the gather will return the centre unchanged on masked pixels and give
//! masked samples no weight, which needs the mask as one more input of [`MotionBlurFrame`].
//!
//! # Cost
//! Per pixel: `K²` loads per tile for the tile maximum (one load per pixel in all), 9 per
//! tile for the neighbour maximum, and in the gather, where the neighbourhood moves, 3 loads
//! per sample (colour, depth, motion) plus 3; static neighbourhoods cost one load and return.
//!
//! # Compute variant
//! [`MotionBlurPass::dispatch`] records the same three steps as compute dispatches (8x8
//! workgroups, `cs_<step>` beside each `fs_<step>` calling the same per-pixel function, see
//! [`super::variant`]); no step blends, so a store gives what the attachment got. The tile
//! and neighbour maxima are stored as `Rgba16Float`, which every device can store into (the
//! same half-float precision as the fragment variant's `Rg16Float`). The tile maximum stays
//! one invocation per tile looping over its pixels, as in the fragment variant, rather than a
//! workgroup reduction, so both variants pick the same velocity (ties included). The gather
//! writes the HDR format, so with any other HDR format than `Rgba16Float` it runs as a
//! fragment pass.
//!
//! # Specialised pipelines
//! The tier's maximum radius K (also the tile size) and gather samples are WGSL override
//! constants (`MB_TILE`, `MB_SAMPLES`): the tile maximum and the gather have one pipeline (and
//! compute kernel) per tier, cached ([`crate::draw::specialise`]), so their loops run a fixed
//! count and no branch or loop exit depends on a uniform value alone, which Mesa 22's lavapipe
//! would recompile and leak on every bind (`docs/memory-growth.md`). The first frame also
//! builds the tier's neighbours (the tiers a budget-governor step reaches), a frame whose tier
//! just changed builds nothing, and the frame after it builds the new tier's neighbours
//! ([`BuildAhead`]). The neighbour maximum has no setting-decided code and one pipeline.

use serde::{Deserialize, Serialize};

use super::contract::{DEFAULT_TIER_COST, Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::schema::{Control, Setting, TIERS, float, setting};
use super::traffic::{FrameTargets, PassTraffic, texel_bytes};
use super::variant::{ComputeKernel, LazyKernel};
use super::{Tier, clamp_setting};
use crate::Error;
use crate::draw::gbuffer_formats;
use crate::draw::specialise::{BuildAhead, Constants, Specialised};
use crate::draw::{bindings, fullscreen};
use crate::graph::{PooledTexture, TexturePool, TransientDesc};

/// What a tier spends: gather samples per pixel and the largest blur radius.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MotionBlurQuality {
    /// Samples along the neighbourhood's velocity per pixel.
    pub samples: u32,
    /// The largest blur radius in pixels at the render size (half the longest smear), which is
    /// also the tile size K.
    pub max_radius: u32,
}

impl MotionBlurQuality {
    /// The table:
    ///
    /// | tier     | samples | max radius (px) | gather loads per moving pixel |
    /// |----------|---------|-----------------|-------------------------------|
    /// | `Off`    | –       | –               | pass skipped                  |
    /// | `Low`    | 6       | 16              | 21                            |
    /// | `Medium` | 10      | 24              | 33                            |
    /// | `High`   | 16      | 32              | 51                            |
    /// | `Ultra`  | 24      | 40              | 75                            |
    pub const fn for_tier(tier: Tier) -> Option<Self> {
        tier.pick(&[
            Self { samples: 6, max_radius: 16 },
            Self { samples: 10, max_radius: 24 },
            Self { samples: 16, max_radius: 32 },
            Self { samples: 24, max_radius: 40 },
        ])
    }
}

/// Motion blur settings (`[motion_blur]` in a preset).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MotionBlurSettings {
    /// Samples and maximum radius ([`MotionBlurQuality::for_tier`]); `off` skips the pass.
    /// Default `high`.
    pub tier: Tier,
    /// How much of the frame time the shutter is open, in degrees: `0..=360`, default 180
    /// (film's half-frame exposure). 0 blurs nothing.
    pub shutter_angle: f32,
}

impl MotionBlurSettings {
    /// A film camera's 180° shutter at the High tier.
    pub const FILM: Self = Self { tier: Tier::High, shutter_angle: 180.0 };

    /// No motion blur: the pass is skipped (the default of [`super::chain::PostSettings`]).
    pub const OFF: Self = Self { tier: Tier::Off, ..Self::FILM };

    /// A copy with the shutter angle in `0..=360` (NaN gives 180), and one warning, named
    /// `motion_blur.shutter_angle`, with the value given and the value used, when it changed.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut w = Vec::new();
        let shutter_angle = clamp_setting(
            &mut w,
            "motion_blur.shutter_angle",
            self.shutter_angle,
            0.0,
            360.0,
            Self::FILM.shutter_angle,
        );
        (Self { tier: self.tier, shutter_angle }, w)
    }

    /// The fraction of the frame the shutter is open, `shutter_angle / 360`.
    pub fn shutter_fraction(&self) -> f32 {
        self.validated().0.shutter_angle / 360.0
    }
}

/// The `[motion_blur]` keys as the panel and presets see them ([`MotionBlurSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "motion_blur.tier",
        Control::Choice(TIERS),
        "Motion blur (McGuire et al. 2012 tile-max gather): samples and max radius by tier. \
         Default high when a preset names [motion_blur]; off otherwise.",
    ),
    setting(
        "motion_blur.shutter_angle",
        float(0.0, 360.0, 1.0),
        "Share of the frame the shutter is open, degrees, 0..=360, default 180. 0 blurs nothing.",
    ),
];

impl Default for MotionBlurSettings {
    /// [`MotionBlurSettings::FILM`].
    fn default() -> Self {
        Self::FILM
    }
}

/// `MotionBlur` in `shaders/post/motion_blur.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct MotionBlurUniforms {
    /// Width, height, unused x2 (K and the samples are override constants).
    frame: [f32; 4],
    /// Shutter fraction / 2, frame index, soft depth range, unused.
    params: [f32; 4],
}

/// Relative depth difference over which a sample goes from level with the centre to in front
/// of or behind it (5 % of the nearer distance).
const SOFT_DEPTH: f32 = 0.05;

/// The inputs of one frame's motion blur, all of `size`.
pub struct MotionBlurFrame<'a> {
    /// HDR colour.
    pub hdr: &'a wgpu::TextureView,
    /// Reverse-Z depth (a `Depth32Float` view, or any float texture with depth in `x`).
    pub depth: &'a wgpu::TextureView,
    /// Motion vectors: uv now minus uv last frame.
    pub motion: &'a wgpu::TextureView,
    /// Size in pixels.
    pub size: (u32, u32),
    /// Frame number: the gather's jitter changes every frame.
    pub frame_index: u64,
}

/// The motion blur pass: three steps (fragment pipelines and their compute variants) over one
/// uniform block; the tile maximum and the gather specialised by tier.
pub struct MotionBlurPass {
    hdr_format: wgpu::TextureFormat,
    module: wgpu::ShaderModule,
    single_layout: wgpu::BindGroupLayout,
    gather_layout: wgpu::BindGroupLayout,
    neighbour_max: wgpu::RenderPipeline,
    /// The compute variant of the neighbour maximum, built on first use.
    compute_neighbour_max: LazyKernel,
    /// The tile maximum and the gather by tier (`MB_TILE`, `MB_SAMPLES`): fragment pipelines...
    by_tier: Specialised<Tier, [wgpu::RenderPipeline; 2]>,
    /// ...and compute kernels (built only when the compute variant runs).
    by_tier_compute: Specialised<Tier, [ComputeKernel; 2]>,
    /// Whether this frame may build the tier's neighbours ahead.
    ahead: BuildAhead<Tier>,
    uniforms: wgpu::Buffer,
    /// The NEAREST sampler the depth is read through (`bindings::depth_sampler`).
    depth_sampler: wgpu::Sampler,
}

/// The format of the tile and neighbour-max velocity textures.
const TILE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg16Float;
/// What every compute step stores (see the module documentation).
const COMPUTE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// The steps' labels, in recording order.
const STEPS: [&str; 3] =
    ["motion_blur.tile_max", "motion_blur.neighbour_max", "motion_blur.gather"];

impl MotionBlurPass {
    /// The uniform buffer, for memory reports (its tile textures are the chain's pool).
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![crate::gpu::memory::MemoryEntry::buffer("motion_blur.uniforms", &self.uniforms)]
    }
}

impl MotionBlurPass {
    /// The pass's label, timing scope and preset key.
    pub const NAME: &'static str = "motion_blur";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Motion blur from the motion vectors: tile max, neighbour max, gather",
        writes: &[
            Image {
                name: "tile and neighbour max",
                format: ImageFormat::Fixed(TILE_FORMAT),
                size: ImageSize::Tiles,
                kept: false,
            },
            Image {
                name: "blurred",
                format: ImageFormat::Hdr,
                size: ImageSize::Render,
                kept: false,
            },
        ],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 1.5,
            prior_share: 0.055,
            at_render_size: true,
            tier_cost: DEFAULT_TIER_COST,
        }),
        settings: &[SETTINGS],
    };

    /// Load the shader and build the pipelines, the gather writing `hdr_format`.
    pub fn new(device: &wgpu::Device, hdr_format: wgpu::TextureFormat) -> Result<Self, Error> {
        let module = crate::shaders::create_module(device, Self::NAME)?;
        // The compute variant binds the same group 0.
        let both = wgpu::ShaderStages::FRAGMENT | wgpu::ShaderStages::COMPUTE;
        let uniform = bindings::uniform(0, both);
        let texture = |binding| wgpu::BindGroupLayoutEntry {
            visibility: both,
            ..bindings::texture(binding, false)
        };
        let single_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("motion_blur.tiles"),
            entries: &[uniform, texture(1)],
        });
        let gather_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("motion_blur.gather"),
            entries: &[
                uniform,
                texture(1),
                wgpu::BindGroupLayoutEntry { visibility: both, ..bindings::depth_as_float(2) },
                texture(3),
                texture(4),
                wgpu::BindGroupLayoutEntry { visibility: both, ..bindings::depth_sampler(5) },
            ],
        });
        let pipeline = |label, entry, layout, format| {
            fullscreen::pipeline_with_entry(device, label, &module, entry, &[layout], format, None)
        };
        Ok(Self {
            hdr_format,
            neighbour_max: pipeline(STEPS[1], "fs_neighbour_max", &single_layout, TILE_FORMAT),
            compute_neighbour_max: LazyKernel::with_entry(
                STEPS[1],
                module.clone(),
                "cs_neighbour_max",
                &[COMPUTE_FORMAT],
            ),
            module,
            by_tier: Specialised::new(),
            by_tier_compute: Specialised::new(),
            ahead: BuildAhead::default(),
            single_layout,
            gather_layout,
            depth_sampler: bindings::nearest_sampler(device, "motion_blur.depth_sampler"),
            uniforms: bindings::uniform_buffer(
                device,
                "motion_blur.uniforms",
                bytemuck::bytes_of(&<MotionBlurUniforms as bytemuck::Zeroable>::zeroed()),
            ),
        })
    }

    /// Record the blur of `frame` and return the blurred image (on loan from `pool`, the HDR
    /// format, `frame.size`, also a copy source; release it once the passes reading it are
    /// recorded). `None`, and no GPU work, when the tier is `Off`, the shutter is closed or
    /// the size is zero.
    /// Settings are brought into range silently (call [`MotionBlurSettings::validated`] where
    /// they are read to report problems). The uniforms are written with `queue.write_buffer`:
    /// at most one blur per pass per submission.
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &MotionBlurFrame<'_>,
        settings: &MotionBlurSettings,
    ) -> Option<PooledTexture> {
        self.record(device, queue, encoder, pool, frame, settings, false)
    }

    /// [`MotionBlurPass::draw`] as compute dispatches (the compute variant, see the module
    /// documentation); the same result. The caller checks that the device can run compute
    /// ([`super::variant::compute_unsupported`]).
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &MotionBlurFrame<'_>,
        settings: &MotionBlurSettings,
    ) -> Option<PooledTexture> {
        self.record(device, queue, encoder, pool, frame, settings, true)
    }

    /// [`MotionBlurPass::draw`] (`compute` false) or [`MotionBlurPass::dispatch`].
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &MotionBlurFrame<'_>,
        settings: &MotionBlurSettings,
        compute: bool,
    ) -> Option<PooledTexture> {
        let (settings, _) = settings.validated();
        let quality = MotionBlurQuality::for_tier(settings.tier)?;
        let (width, height) = frame.size;
        if width == 0 || height == 0 || settings.shutter_angle <= 0.0 {
            return None;
        }
        let k = quality.max_radius;
        // The gather stores the HDR format only when it is Rgba16Float; else it draws.
        let gather_compute = compute && self.hdr_format == COMPUTE_FORMAT;
        self.build_by_tier(device, settings.tier, (compute, !gather_compute));
        let uniforms = MotionBlurUniforms {
            frame: [width as f32, height as f32, 0.0, 0.0],
            params: [
                settings.shutter_fraction() * 0.5,
                (frame.frame_index % 1024) as f32,
                SOFT_DEPTH,
                0.0,
            ],
        };
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&uniforms));
        let usage = |stored: bool| match stored {
            true => wgpu::TextureUsages::STORAGE_BINDING,
            false => wgpu::TextureUsages::empty(),
        };
        let tile_size = (width.div_ceil(k), height.div_ceil(k));
        let tile_format = if compute { COMPUTE_FORMAT } else { TILE_FORMAT };
        let tiles = TransientDesc::target(tile_size.0, tile_size.1, tile_format, usage(compute));
        let tile_max = pool.acquire(device, "motion_blur.tile_max", &tiles);
        let neighbour = pool.acquire(device, "motion_blur.neighbour_max", &tiles);
        let output_usage = wgpu::TextureUsages::COPY_SRC | usage(gather_compute);
        let output_desc = TransientDesc::target(width, height, self.hdr_format, output_usage);
        let output = pool.acquire(device, "motion_blur.output", &output_desc);

        let single = |label, view: &wgpu::TextureView| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &self.single_layout,
                entries: &bindings::entries(&[
                    self.uniforms.as_entire_binding(),
                    wgpu::BindingResource::TextureView(view),
                ]),
            })
        };
        // This tier's tile maximum and gather (built above): fragment pipelines where a step
        // draws, and compute kernels when the compute variant runs.
        const BUILT: &str = "the tier's steps are built before the frame records them";
        let by_tier = match gather_compute {
            true => None,
            false => Some(self.by_tier.built(settings.tier).expect(BUILT)),
        };
        let by_tier_compute = match compute {
            true => Some(self.by_tier_compute.built(settings.tier).expect(BUILT)),
            false => None,
        };
        // One step (index into STEPS) into `target` of `size`: a dispatch or a draw.
        let neighbour_max = &mut self.compute_neighbour_max;
        let (single_layout, fixed) = (&self.single_layout, &self.neighbour_max);
        let mut step = |encoder: &mut wgpu::CommandEncoder,
                        index: usize,
                        group: wgpu::BindGroup,
                        target: &wgpu::TextureView,
                        size: (u32, u32),
                        compute: bool| {
            let specialised = (index != 1).then_some(index / 2);
            match (specialised, compute, by_tier, by_tier_compute) {
                (None, true, ..) => {
                    let (layout, inputs) = (single_layout, Some(&group));
                    neighbour_max.dispatch(device, encoder, layout, inputs, &[target], size);
                }
                (None, false, ..) => {
                    fullscreen::draw(encoder, STEPS[index], fixed, &[&group], target, None);
                }
                (Some(i), true, _, Some(kernels)) => {
                    kernels[i].dispatch(device, encoder, &group, &[target], size);
                }
                (Some(i), _, Some(pipelines), _) => {
                    let pipeline = &pipelines[i];
                    fullscreen::draw(encoder, STEPS[index], pipeline, &[&group], target, None);
                }
                (Some(_), ..) => unreachable!("{BUILT}"),
            }
        };
        // Tile maximum: the fastest clamped velocity in each K x K tile.
        let group = single(STEPS[0], frame.motion);
        step(encoder, 0, group, &tile_max.view, tile_size, compute);
        // Neighbour maximum: the fastest of each tile's 3x3 neighbourhood.
        let group = single(STEPS[1], &tile_max.view);
        step(encoder, 1, group, &neighbour.view, tile_size, compute);
        // Gather along the neighbourhood's velocity.
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(STEPS[2]),
            layout: &self.gather_layout,
            entries: &bindings::entries(&[
                self.uniforms.as_entire_binding(),
                wgpu::BindingResource::TextureView(frame.hdr),
                wgpu::BindingResource::TextureView(frame.depth),
                wgpu::BindingResource::TextureView(frame.motion),
                wgpu::BindingResource::TextureView(&neighbour.view),
                wgpu::BindingResource::Sampler(&self.depth_sampler),
            ]),
        });
        step(encoder, 2, group, &output.view, (width, height), gather_compute);
        pool.release(&tile_max);
        pool.release(&neighbour);
        Some(output)
    }
}

impl MotionBlurPass {
    /// Build the tile maximum and the gather of `tier` if not built yet, their kernels with
    /// `compute` and their fragment pipelines with `fragment` (both when the compute variant's
    /// gather draws), and its neighbours unless the tier just changed (see [`BuildAhead`]).
    fn build_by_tier(
        &mut self,
        device: &wgpu::Device,
        tier: Tier,
        (compute, fragment): (bool, bool),
    ) {
        let tiers = match self.ahead.may_build(tier) {
            true => tier.with_neighbours(),
            false => vec![tier],
        };
        let (module, hdr_format) = (&self.module, self.hdr_format);
        let layouts = [&self.single_layout, &self.gather_layout];
        // Never Off here (the pass is skipped); Off would take the shader's defaults.
        let constants = |tier: Tier| {
            MotionBlurQuality::for_tier(tier).map_or_else(Vec::new, |q| -> Constants {
                vec![("MB_TILE", f64::from(q.max_radius)), ("MB_SAMPLES", f64::from(q.samples))]
            })
        };
        // The tile maximum (STEPS[0]) and the gather (STEPS[2]).
        let steps = [(STEPS[0], "tile_max"), (STEPS[2], "gather")];
        if compute {
            self.by_tier_compute.prepare(tiers.iter().copied(), |tier| {
                let c = constants(tier);
                let outputs = [COMPUTE_FORMAT];
                [0, 1].map(|i| {
                    let ((name, step), layout) = (steps[i], layouts[i]);
                    let entry = format!("cs_{step}");
                    ComputeKernel::specialised(device, name, module, &entry, layout, &outputs, &c)
                })
            });
        }
        if fragment {
            self.by_tier.prepare(tiers, |tier| {
                let c = constants(tier);
                let formats = [TILE_FORMAT, hdr_format];
                [0, 1].map(|i| {
                    let ((name, step), layout) = (steps[i], layouts[i]);
                    let entry = format!("fs_{step}");
                    let target = (formats[i], None);
                    fullscreen::specialised_pipeline(
                        device,
                        name,
                        module,
                        &entry,
                        &[layout],
                        target,
                        &c,
                    )
                })
            });
        }
    }

    /// How many specialised pipelines and kernels (the tile maximum and the gather, by tier)
    /// the pass has built: the first frame builds its tier's neighbours too, and a frame whose
    /// tier is a neighbour of the last frame's builds none.
    pub fn pipelines_built(&self) -> usize {
        2 * (self.by_tier.len() + self.by_tier_compute.len())
    }
}

/// The pass's memory traffic ([`super::traffic`]), at the render size; the same for the
/// compute variant.
pub fn traffic(frame: &FrameTargets) -> Option<PassTraffic> {
    let motion = texel_bytes(gbuffer_formats::MOTION_FORMAT);
    let (hdr, depth) = (frame.hdr_bytes(), texel_bytes(gbuffer_formats::DEPTH_FORMAT));
    Some(PassTraffic::new(
        2.0 * motion + hdr + depth,
        hdr,
        frame.render_pixels(),
        "motion read by the tile maximum and again by the gather, with HDR and depth; HDR \
         written; the tile and neighbour-max textures (1/K² of the pixels) not counted; the \
         same for the compute variant (its tiles are Rgba16Float)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_block_is_the_wgsl_size() {
        assert_eq!(size_of::<MotionBlurUniforms>(), 32);
    }

    #[test]
    fn shutter_is_clamped_with_a_named_warning() {
        let (s, w) = MotionBlurSettings { shutter_angle: 400.0, ..Default::default() }.validated();
        assert_eq!(s.shutter_angle, 360.0);
        assert!(w[0].contains("motion_blur.shutter_angle = 400"), "{w:?}");
        let (s, w) =
            MotionBlurSettings { shutter_angle: f32::NAN, ..Default::default() }.validated();
        assert_eq!((s.shutter_angle, w.len()), (180.0, 1));
        assert_eq!(MotionBlurSettings::FILM.shutter_fraction(), 0.5);
    }

    #[test]
    fn tiers_are_the_documented_table() {
        let table: Vec<_> = Tier::ALL
            .iter()
            .map(|&t| MotionBlurQuality::for_tier(t).map(|q| (q.samples, q.max_radius)))
            .collect();
        assert_eq!(table, [None, Some((6, 16)), Some((10, 24)), Some((16, 32)), Some((24, 40))]);
    }

    #[test]
    fn tiers_grow_in_samples_and_radius() {
        assert_eq!(MotionBlurQuality::for_tier(Tier::Off), None);
        let q: Vec<_> =
            Tier::ALL[1..].iter().filter_map(|&t| MotionBlurQuality::for_tier(t)).collect();
        assert!(
            q.windows(2).all(|p| p[0].samples < p[1].samples && p[0].max_radius < p[1].max_radius)
        );
    }
}

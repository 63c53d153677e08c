//! Depth of field (`shaders/post/dof.wgsl`) from a physical camera: focal length, f-number, focus
//! distance and sensor size give each pixel a circle of confusion (thin lens), and a gather
//! bokeh at half resolution blurs it, with the near and far fields kept apart.
//!
//! Follows Jimenez, "Next Generation Post Processing in Call of Duty: Advanced Warfare"
//! (SIGGRAPH 2014) and Filament's DoF in outline: half-resolution colour with a signed CoC, a
//! tile maximum of the near CoC dilated over 3x3 tiles so an out-of-focus foreground spreads
//! over the sharp background behind it, a disc of golden-angle samples per pixel scaled to the
//! largest CoC that can reach it, far samples limited to the centre's own CoC (a blurred
//! background never spreads over a sharp foreground), near samples composited over with their
//! coverage as alpha, and a full-resolution composite that keeps in-focus pixels exactly as
//! they were.
//!
//! # The circle of confusion
//! For a thin lens of focal length `f`, f-number `N` (aperture diameter `A = f / N`) focused at
//! `z_f`, a point at distance `z` images to a disc on the sensor of diameter
//!
//! `CoC = A · f · |z − z_f| / (z · (z_f − f))`   (all lengths in millimetres)
//!
//! and the sensor's height `s` spans the image's `H` pixels, so the radius in pixels is
//! `CoC · H / (2 s)`. Written as `c(z) = K · (1 − z_f / z)` with `K = A f / (z_f − f) · H / (2 s)`
//! (the CoC radius at infinity) it is signed: negative in front of the focus plane (near
//! field), positive behind (far field). [`ThinLens::coc_radius_px`] is the CPU mirror, and
//! each tier clamps it to its maximum radius. Distances are view depths along the camera's
//! axis in scene units, taken as metres (glTF's unit).
//!
//! **Focal length** 0 (the default) is the focal length that gives the view's own vertical
//! field of view on the sensor, `f = s / (2 tan(yfov / 2))`, so the blur matches the
//! perspective; any other value sets the lens (and only the blur) directly.
//! **Focus distance** 0 (the default) is autofocus: the view depth of the scene's bounds
//! centre, for product shots. [`focus_distance_at`] gives the distance under a pixel of a
//! read-back depth buffer, for focus on click.
//!
//! **Reads** HDR colour and reverse-Z depth at the render size, and the camera's near plane
//! and field of view ([`PostCamera`]); without a perspective camera the pass is skipped.
//! **Writes** the blurred HDR colour at the render size (pooled, `"dof.output"`); the half-size
//! colour + CoC, the tiles and the two layers are pooled and released before
//! [`DofPass::draw`] returns.
//!
//! # Cost
//! Per render-size pixel: 8 loads to prepare, one load per tile pixel for the tiles, and per
//! half-size pixel `samples + 2` loads in the gather where something is out of focus (in-focus
//! neighbourhoods return after 2), 4 loads and 2 bilinear taps to composite.
//!
//! # Compute variant
//! [`DofPass::dispatch`] records the same five steps as compute dispatches (8x8 workgroups,
//! `cs_<step>` beside each `fs_<step>` calling the same per-pixel function, see
//! [`super::variant`]). None of the steps blends, so a store gives what the attachment got.
//! Every texture a compute step writes is `Rgba16Float`, which every device can store into
//! (the tiles too, holding the fragment variant's `Rg16Float` values at the same half-float
//! precision); the composite writes the HDR format, so with any other HDR format than
//! `Rgba16Float` it runs as a fragment pass.
//!
//! # Specialised pipelines
//! The tier's gather samples and tile size (half its largest CoC radius) are WGSL override
//! constants (`DOF_SAMPLES`, `DOF_TILE`): the tiles and the gather have one pipeline (and
//! compute kernel) per tier, cached ([`crate::draw::specialise`]), so their loops run a fixed
//! count and no branch or loop exit depends on a uniform value alone, which Mesa 22's lavapipe
//! would recompile and leak on every bind (`docs/memory-growth.md`). The first frame also
//! builds the tier's neighbours (the tiers a budget-governor step reaches), a frame whose tier
//! just changed builds nothing, and the frame after it builds the new tier's neighbours
//! ([`BuildAhead`]). The largest CoC radius stays a uniform: only clamps read it, so prepare,
//! dilate and composite keep one pipeline each.

use serde::{Deserialize, Serialize};

use super::camera::PostCamera;
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

/// What a tier spends: gather samples per half-size pixel and the largest CoC radius.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DofQuality {
    /// Samples in the gather's disc per half-size pixel.
    pub samples: u32,
    /// The largest CoC radius in render-size pixels (larger CoCs are clamped to it).
    pub max_radius: u32,
}

impl DofQuality {
    /// The table:
    ///
    /// | tier     | samples | max CoC radius (px) |
    /// |----------|---------|---------------------|
    /// | `Off`    | –       | pass skipped        |
    /// | `Low`    | 12      | 8                   |
    /// | `Medium` | 24      | 12                  |
    /// | `High`   | 40      | 16                  |
    /// | `Ultra`  | 64      | 24                  |
    pub const fn for_tier(tier: Tier) -> Option<Self> {
        tier.pick(&[
            Self { samples: 12, max_radius: 8 },
            Self { samples: 24, max_radius: 12 },
            Self { samples: 40, max_radius: 16 },
            Self { samples: 64, max_radius: 24 },
        ])
    }

    /// The tile size of the near-field maximum in half-size pixels: the largest radius there.
    fn tile(self) -> u32 {
        self.max_radius.div_ceil(2).max(1)
    }
}

/// Depth of field settings (`[dof]` in a preset): the physical camera.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DofSettings {
    /// Samples and maximum CoC ([`DofQuality::for_tier`]); `off` skips the pass. Default
    /// `high`.
    pub tier: Tier,
    /// Focal length in millimetres: 0 (default) = the one matching the view's vertical field of
    /// view on this sensor, else `4..=1200`.
    pub focal_length_mm: f32,
    /// Aperture as an f-number (focal length / aperture diameter): `0.7..=64`, default 2.8.
    /// Smaller numbers blur more.
    pub f_stop: f32,
    /// Distance in focus, in scene units (metres) along the view axis: 0 (default) =
    /// autofocus on the scene's bounds centre, else `0.01..=100000`.
    pub focus_distance: f32,
    /// Sensor height in millimetres: `1..=100`, default 24 (full frame, 36 x 24). Only the
    /// height is needed: the CoC is converted to pixels through the vertical.
    pub sensor_height_mm: f32,
}

impl DofSettings {
    /// A portrait-lens look for product close-ups: f/2.8 with autofocus, High tier.
    pub const PRODUCT: Self = Self {
        tier: Tier::High,
        focal_length_mm: 0.0,
        f_stop: 2.8,
        focus_distance: 0.0,
        sensor_height_mm: 24.0,
    };

    /// No depth of field: the pass is skipped (the default of [`super::chain::PostSettings`]).
    pub const OFF: Self = Self { tier: Tier::Off, ..Self::PRODUCT };

    /// Every value in its documented range (NaN gives the default), one warning per changed
    /// field, named `dof.<field>`, with the value given and the value used.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let d = Self::PRODUCT;
        let mut w = Vec::new();
        let mut zero_or = |key: &str, value: f32, min: f32, max: f32| {
            if value == 0.0 { 0.0 } else { clamp_setting(&mut w, key, value, min, max, 0.0) }
        };
        let focal_length_mm = zero_or("dof.focal_length_mm", self.focal_length_mm, 4.0, 1200.0);
        let focus_distance = zero_or("dof.focus_distance", self.focus_distance, 0.01, 100_000.0);
        let f_stop = clamp_setting(&mut w, "dof.f_stop", self.f_stop, 0.7, 64.0, d.f_stop);
        let sensor_height_mm = clamp_setting(
            &mut w,
            "dof.sensor_height_mm",
            self.sensor_height_mm,
            1.0,
            100.0,
            d.sensor_height_mm,
        );
        let settings =
            Self { tier: self.tier, focal_length_mm, f_stop, focus_distance, sensor_height_mm };
        (settings, w)
    }

    /// The lens these settings give with `camera`: the focal length from the view's field of
    /// view when 0, the focus distance from `camera.autofocus_distance` when 0 (3 m when the
    /// camera has none either).
    pub fn lens(&self, camera: &PostCamera) -> ThinLens {
        let (s, _) = self.validated();
        let focal_length_mm = if s.focal_length_mm > 0.0 {
            s.focal_length_mm
        } else {
            let half = (camera.yfov.clamp(1e-3, 3.1) * 0.5).tan();
            s.sensor_height_mm / (2.0 * half)
        };
        let focus_distance = if s.focus_distance > 0.0 {
            s.focus_distance
        } else {
            camera
                .autofocus_distance
                .filter(|d| d.is_finite() && *d > 0.0)
                .unwrap_or(AUTOFOCUS_FALLBACK)
        };
        ThinLens {
            focal_length_mm,
            f_stop: s.f_stop,
            focus_distance,
            sensor_height_mm: s.sensor_height_mm,
        }
    }
}

/// The `[dof]` keys as the panel and presets see them ([`DofSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "dof.tier",
        Control::Choice(TIERS),
        "Depth of field: half-resolution gather bokeh, samples and max CoC by tier. Default high \
         when a preset names [dof]; off otherwise.",
    ),
    setting(
        "dof.focal_length_mm",
        float(0.0, 1200.0, 1.0),
        "Focal length, mm: 0 (default) matches the view's field of view on this sensor, else 4..=1200.",
    ),
    setting(
        "dof.f_stop",
        float(0.7, 64.0, 0.1),
        "Aperture as an f-number, 0.7..=64, default 2.8. Smaller numbers blur more.",
    ),
    setting(
        "dof.focus_distance",
        float(0.0, 100000.0, 0.01),
        "Distance in focus along the view axis, metres: 0 (default) autofocuses on the scene's \
         bounds centre. Ctrl+click in the viewport focuses on the surface under the cursor.",
    ),
    setting(
        "dof.sensor_height_mm",
        float(1.0, 100.0, 0.5),
        "Sensor height, mm, 1..=100, default 24 (full frame).",
    ),
];

impl Default for DofSettings {
    /// [`DofSettings::PRODUCT`].
    fn default() -> Self {
        Self::PRODUCT
    }
}

/// Focus distance (m) when autofocus has no scene bounds to look at.
const AUTOFOCUS_FALLBACK: f32 = 3.0;

/// A resolved thin lens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThinLens {
    /// Focal length, mm.
    pub focal_length_mm: f32,
    /// f-number.
    pub f_stop: f32,
    /// Focus distance, scene units (m).
    pub focus_distance: f32,
    /// Sensor height, mm.
    pub sensor_height_mm: f32,
}

impl ThinLens {
    /// `K`, the CoC radius at infinity in pixels of an image `image_height` pixels tall (see
    /// the module documentation). The focus distance is kept beyond the focal length.
    pub fn coc_at_infinity_px(&self, image_height: u32) -> f32 {
        let f = f64::from(self.focal_length_mm);
        let focus_mm = (f64::from(self.focus_distance) * 1000.0).max(f * 1.001);
        let aperture = f / f64::from(self.f_stop);
        let sensor_mm = aperture * f / (focus_mm - f);
        (sensor_mm * f64::from(image_height) / (2.0 * f64::from(self.sensor_height_mm))) as f32
    }

    /// The signed CoC radius in pixels of a point at view depth `distance` (scene units):
    /// `K (1 − z_f / z)`, unclamped; negative in front of the focus plane.
    pub fn coc_radius_px(&self, distance: f32, image_height: u32) -> f32 {
        self.coc_at_infinity_px(image_height) * (1.0 - self.focus_distance / distance)
    }
}

/// The view depth (scene units) under `pixel` of a read-back reverse-Z depth buffer
/// (`width` x `height`, row by row from the top), for focus on click: the nearest surface in
/// the 3x3 pixels around it, so a click on a thin edge still finds the object. `None` when the
/// pixel is outside the image or only sky (depth 0) is there. `znear` is the camera's near
/// plane (`depth = znear / distance`).
pub fn focus_distance_at(
    depth: &[f32],
    width: u32,
    height: u32,
    pixel: (u32, u32),
    znear: f32,
) -> Option<f32> {
    let (x, y) = pixel;
    if x >= width || y >= height || depth.len() < (width as usize) * (height as usize) {
        return None;
    }
    let mut nearest = 0f32;
    for j in y.saturating_sub(1)..=(y + 1).min(height - 1) {
        for i in x.saturating_sub(1)..=(x + 1).min(width - 1) {
            let d = depth[(j * width + i) as usize];
            if d.is_finite() {
                nearest = nearest.max(d);
            }
        }
    }
    (nearest > 0.0).then(|| znear / nearest)
}

/// `Dof` in `shaders/post/dof.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct DofUniforms {
    /// Render size, half size.
    size: [f32; 4],
    /// K, focus distance, near plane, max radius.
    lens: [f32; 4],
    /// Frame index, unused x3 (the samples and the tile size are override constants).
    params: [f32; 4],
}

/// The override constants of the tiles and the gather at `quality` (`DOF_*` in
/// `shaders/post/dof.wgsl`).
fn constants(quality: DofQuality) -> Constants {
    vec![("DOF_SAMPLES", f64::from(quality.samples)), ("DOF_TILE", f64::from(quality.tile()))]
}

/// The inputs of one frame's depth of field, all of `size`.
pub struct DofFrame<'a> {
    /// HDR colour.
    pub hdr: &'a wgpu::TextureView,
    /// Reverse-Z depth (a `Depth32Float` view, or any float texture with depth in `x`).
    pub depth: &'a wgpu::TextureView,
    /// Size in pixels.
    pub size: (u32, u32),
    /// The perspective camera the image was drawn with.
    pub camera: PostCamera,
    /// Frame number: the gather's rotation changes every frame.
    pub frame_index: u64,
}

/// The layers' format (half size).
const LAYER_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// The tiles' format.
const TILE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg16Float;

/// What every compute step stores (see the module documentation).
const COMPUTE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The depth of field pass: five steps (fragment pipelines and their compute variants) over
/// one uniform block; the tiles and the gather specialised by tier.
pub struct DofPass {
    hdr_format: wgpu::TextureFormat,
    module: wgpu::ShaderModule,
    layouts: [wgpu::BindGroupLayout; 5],
    /// Prepare, dilate and composite: no setting decides their code.
    fixed: [wgpu::RenderPipeline; 3],
    /// Their compute variants, built on first use.
    compute: [LazyKernel; 3],
    /// The tiles and the gather by tier (`DOF_TILE`, `DOF_SAMPLES`): fragment pipelines...
    by_tier: Specialised<Tier, [wgpu::RenderPipeline; 2]>,
    /// ...and compute kernels (built only when the compute variant runs).
    by_tier_compute: Specialised<Tier, [ComputeKernel; 2]>,
    /// Whether this frame may build the tier's neighbours ahead.
    ahead: BuildAhead<Tier>,
    sampler: wgpu::Sampler,
    /// The NEAREST sampler the depth is read through (`bindings::depth_sampler`).
    depth_sampler: wgpu::Sampler,
    uniforms: wgpu::Buffer,
}

/// Indices into [`DofPass`]'s layouts and [`STEPS`], in recording order.
const PREPARE: usize = 0;
const TILES: usize = 1;
const DILATE: usize = 2;
const GATHER: usize = 3;
const COMPOSITE: usize = 4;

impl DofPass {
    /// The uniform buffer, for memory reports (its intermediate targets are the chain's pool).
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![crate::gpu::memory::MemoryEntry::buffer("dof.uniforms", &self.uniforms)]
    }
}

impl DofPass {
    /// The pass's label, timing scope and preset key.
    pub const NAME: &'static str = "dof";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Depth of field from a thin-lens camera: circle of confusion, half-size gather, composite",
        writes: &[
            Image {
                name: "half-size prepared, near and far layers",
                format: ImageFormat::Fixed(LAYER_FORMAT),
                size: ImageSize::HalfRender,
                kept: false,
            },
            Image {
                name: "CoC tile max",
                format: ImageFormat::Fixed(TILE_FORMAT),
                size: ImageSize::Tiles,
                kept: false,
            },
            Image {
                name: "defocused",
                format: ImageFormat::Hdr,
                size: ImageSize::Render,
                kept: false,
            },
        ],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 2.0,
            prior_share: 0.08,
            at_render_size: true,
            tier_cost: DEFAULT_TIER_COST,
        }),
        settings: &[SETTINGS],
    };

    /// Load the shader and build the pipelines, the composite writing `hdr_format`.
    pub fn new(device: &wgpu::Device, hdr_format: wgpu::TextureFormat) -> Result<Self, Error> {
        let module = crate::shaders::create_module(device, Self::NAME)?;
        let uniform = bindings::uniform(0, wgpu::ShaderStages::FRAGMENT);
        let texture = |binding| bindings::texture(binding, false);
        let layout = |label, entries: &[wgpu::BindGroupLayoutEntry]| {
            // The compute variant binds the same group 0.
            let entries: Vec<_> = entries
                .iter()
                .map(|e| wgpu::BindGroupLayoutEntry {
                    visibility: e.visibility | wgpu::ShaderStages::COMPUTE,
                    ..*e
                })
                .collect();
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries: &entries,
            })
        };
        let layouts = [
            layout(
                "dof.prepare",
                &[uniform, texture(1), bindings::depth_as_float(2), bindings::depth_sampler(8)],
            ),
            layout("dof.tiles", &[uniform, texture(3)]),
            layout("dof.dilate", &[uniform, texture(4)]),
            layout("dof.gather", &[uniform, texture(3), texture(4)]),
            layout(
                "dof.composite",
                &[
                    uniform,
                    texture(1),
                    bindings::depth_as_float(2),
                    bindings::texture(5, true),
                    bindings::texture(6, true),
                    bindings::sampler(7),
                    bindings::depth_sampler(8),
                ],
            ),
        ];
        let pipeline = |index: usize, label, entry, format| {
            let layouts = [&layouts[index]];
            fullscreen::pipeline_with_entry(device, label, &module, entry, &layouts, format, None)
        };
        let fixed = [
            pipeline(PREPARE, "dof.prepare", "fs_prepare", LAYER_FORMAT),
            pipeline(DILATE, "dof.dilate", "fs_dilate", TILE_FORMAT),
            pipeline(COMPOSITE, "dof.composite", "fs_composite", hdr_format),
        ];
        let kernel = |index: usize, entry, outputs: &[wgpu::TextureFormat]| {
            LazyKernel::with_entry(STEPS[index], module.clone(), entry, outputs)
        };
        let compute = [
            kernel(PREPARE, "cs_prepare", &[COMPUTE_FORMAT]),
            kernel(DILATE, "cs_dilate", &[COMPUTE_FORMAT]),
            kernel(COMPOSITE, "cs_composite", &[COMPUTE_FORMAT]),
        ];
        Ok(Self {
            hdr_format,
            module,
            layouts,
            fixed,
            compute,
            by_tier: Specialised::new(),
            by_tier_compute: Specialised::new(),
            ahead: BuildAhead::default(),
            sampler: bindings::linear_sampler(device, "dof.sampler"),
            depth_sampler: bindings::nearest_sampler(device, "dof.depth_sampler"),
            uniforms: bindings::uniform_buffer(
                device,
                "dof.uniforms",
                bytemuck::bytes_of(&<DofUniforms as bytemuck::Zeroable>::zeroed()),
            ),
        })
    }

    /// Record the depth of field of `frame` and return the result (on loan from `pool`, the
    /// HDR format, `frame.size`, also a copy source; release it once the passes reading it
    /// are recorded). `None`, and no GPU work, when the tier is `Off` or the size is zero.
    /// Settings are brought into range silently (call [`DofSettings::validated`] where they
    /// are read to report problems). The uniforms are written with `queue.write_buffer`: at
    /// most one DoF per pass per submission.
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &DofFrame<'_>,
        settings: &DofSettings,
    ) -> Option<PooledTexture> {
        self.record(device, queue, encoder, pool, frame, settings, false)
    }

    /// [`DofPass::draw`] as compute dispatches (the compute variant, see the module
    /// documentation); the same result. The caller checks that the device can run compute
    /// ([`super::variant::compute_unsupported`]).
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &DofFrame<'_>,
        settings: &DofSettings,
    ) -> Option<PooledTexture> {
        self.record(device, queue, encoder, pool, frame, settings, true)
    }

    /// [`DofPass::draw`] (`compute` false) or [`DofPass::dispatch`].
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        frame: &DofFrame<'_>,
        settings: &DofSettings,
        compute: bool,
    ) -> Option<PooledTexture> {
        let quality = DofQuality::for_tier(settings.tier)?;
        let (width, height) = frame.size;
        if width == 0 || height == 0 {
            return None;
        }
        self.build_by_tier(device, settings.tier, compute);
        let lens = settings.lens(&frame.camera);
        let half = (width.div_ceil(2), height.div_ceil(2));
        let tile = quality.tile();
        let uniforms = DofUniforms {
            size: [width as f32, height as f32, half.0 as f32, half.1 as f32],
            lens: [
                lens.coc_at_infinity_px(height),
                lens.focus_distance,
                frame.camera.znear,
                quality.max_radius as f32,
            ],
            params: [(frame.frame_index % 1024) as f32, 0.0, 0.0, 0.0],
        };
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&uniforms));
        let composite_compute = compute && self.hdr_format == COMPUTE_FORMAT;
        let usage = |stored: bool| match stored {
            true => wgpu::TextureUsages::STORAGE_BINDING,
            false => wgpu::TextureUsages::empty(),
        };
        let layer = TransientDesc::target(half.0, half.1, LAYER_FORMAT, usage(compute));
        let tile_format = if compute { COMPUTE_FORMAT } else { TILE_FORMAT };
        let tile_size = (half.0.div_ceil(tile), half.1.div_ceil(tile));
        let tiles = TransientDesc::target(tile_size.0, tile_size.1, tile_format, usage(compute));
        let prepared = pool.acquire(device, "dof.prepared", &layer);
        let tile_max = pool.acquire(device, "dof.tiles", &tiles);
        let dilated = pool.acquire(device, "dof.dilated", &tiles);
        let far = pool.acquire(device, "dof.far", &layer);
        let near = pool.acquire(device, "dof.near", &layer);
        let output_usage = wgpu::TextureUsages::COPY_SRC | usage(composite_compute);
        let output_desc = TransientDesc::target(width, height, self.hdr_format, output_usage);
        let output = pool.acquire(device, "dof.output", &output_desc);

        let view = wgpu::BindingResource::TextureView;
        let group = |index: usize, inputs: &[(u32, wgpu::BindingResource)]| {
            let mut entries = vec![wgpu::BindGroupEntry {
                binding: 0,
                resource: self.uniforms.as_entire_binding(),
            }];
            entries.extend(inputs.iter().map(|(binding, resource)| wgpu::BindGroupEntry {
                binding: *binding,
                resource: resource.clone(),
            }));
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(STEPS[index]),
                layout: &self.layouts[index],
                entries: &entries,
            })
        };
        // This tier's tiles and gather, fragment or compute (built above).
        const BUILT: &str = "the tier's steps are built before the frame records them";
        let by_tier = match compute {
            true => None,
            false => Some(self.by_tier.built(settings.tier).expect(BUILT)),
        };
        let by_tier_compute = match compute {
            true => Some(self.by_tier_compute.built(settings.tier).expect(BUILT)),
            false => None,
        };
        // One step into `targets` (of `size`): a compute dispatch or a full-screen draw.
        let (layouts, kernels) = (&self.layouts, &mut self.compute);
        let mut step = |encoder: &mut wgpu::CommandEncoder,
                        index: usize,
                        group: wgpu::BindGroup,
                        targets: &[&wgpu::TextureView],
                        size: (u32, u32),
                        run: Run<'_>| {
            match run {
                Run::Lazy(fixed) => {
                    let (layout, kernel) = (&layouts[index], &mut kernels[fixed]);
                    kernel.dispatch(device, encoder, layout, Some(&group), targets, size);
                }
                Run::Kernel(kernel) => kernel.dispatch(device, encoder, &group, targets, size),
                Run::Draw(pipeline) => {
                    fullscreen::draw(encoder, STEPS[index], pipeline, &[&group], targets[0], None);
                }
            }
        };
        let fixed = |i: usize, compute: bool| match compute {
            true => Run::Lazy(i),
            false => Run::Draw(&self.fixed[i]),
        };
        let specialised = |i: usize| match (by_tier, by_tier_compute) {
            (_, Some(kernels)) => Run::Kernel(&kernels[i]),
            (Some(pipelines), _) => Run::Draw(&pipelines[i]),
            (None, None) => unreachable!("{BUILT}"),
        };
        // Prepare: half-size colour and the signed CoC of the nearest of each 2x2.
        let depth_sampler = wgpu::BindingResource::Sampler(&self.depth_sampler);
        let inputs = [(1, view(frame.hdr)), (2, view(frame.depth)), (8, depth_sampler.clone())];
        let g = group(PREPARE, &inputs);
        step(encoder, PREPARE, g, &[&prepared.view], half, fixed(0, compute));
        // Tiles: the largest near and overall CoC per tile, then over 3x3 tiles.
        let g = group(TILES, &[(3, view(&prepared.view))]);
        step(encoder, TILES, g, &[&tile_max.view], tile_size, specialised(0));
        let g = group(DILATE, &[(4, view(&tile_max.view))]);
        step(encoder, DILATE, g, &[&dilated.view], tile_size, fixed(1, compute));
        // Gather: the far and near layers at half size (two targets, one draw).
        let g = group(GATHER, &[(3, view(&prepared.view)), (4, view(&dilated.view))]);
        if let Some(kernels) = by_tier_compute {
            step(encoder, GATHER, g, &[&far.view, &near.view], half, Run::Kernel(&kernels[1]));
        } else if let Some(pipelines) = by_tier {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some(STEPS[GATHER]),
                color_attachments: &[
                    Some(fullscreen::colour_attachment(&far.view, None)),
                    Some(fullscreen::colour_attachment(&near.view, None)),
                ],
                ..Default::default()
            });
            pass.set_pipeline(&pipelines[1]);
            pass.set_bind_group(0, &g, &[]);
            pass.draw(0..3, 0..1);
        }
        // Composite: in-focus pixels as they were, the far layer by the CoC, the near over.
        let g = group(
            COMPOSITE,
            &[
                (1, view(frame.hdr)),
                (2, view(frame.depth)),
                (5, view(&far.view)),
                (6, view(&near.view)),
                (7, wgpu::BindingResource::Sampler(&self.sampler)),
                (8, depth_sampler),
            ],
        );
        let run = fixed(2, composite_compute);
        step(encoder, COMPOSITE, g, &[&output.view], (width, height), run);
        for texture in [&prepared, &tile_max, &dilated, &far, &near] {
            pool.release(texture);
        }
        Some(output)
    }
}

/// The steps' labels, in [`DofPass`]'s order.
const STEPS: [&str; 5] = ["dof.prepare", "dof.tiles", "dof.dilate", "dof.gather", "dof.composite"];

/// How one step records: a fixed step's compute kernel (index into [`DofPass`]'s `compute`),
/// a specialised kernel, or a full-screen draw.
enum Run<'a> {
    Lazy(usize),
    Kernel(&'a ComputeKernel),
    Draw(&'a wgpu::RenderPipeline),
}

impl DofPass {
    /// Build the tiles and the gather of `tier` (fragment, or with `compute` their kernels)
    /// if not built yet, and its neighbours unless the tier just changed (see
    /// [`BuildAhead`]).
    fn build_by_tier(&mut self, device: &wgpu::Device, tier: Tier, compute: bool) {
        let tiers = match self.ahead.may_build(tier) {
            true => tier.with_neighbours(),
            false => vec![tier],
        };
        let (module, layouts) = (&self.module, &self.layouts);
        // Never Off here (the pass is skipped); Off would take the shader's defaults.
        let constants = |tier: Tier| DofQuality::for_tier(tier).map_or_else(Vec::new, constants);
        if compute {
            self.by_tier_compute.prepare(tiers, |tier| {
                let c = constants(tier);
                let kernel = |index: usize, entry, outputs: &[wgpu::TextureFormat]| {
                    let (name, layout) = (STEPS[index], &layouts[index]);
                    ComputeKernel::specialised(device, name, module, entry, layout, outputs, &c)
                };
                [
                    kernel(TILES, "cs_tiles", &[COMPUTE_FORMAT]),
                    kernel(GATHER, "cs_gather", &[COMPUTE_FORMAT, COMPUTE_FORMAT]),
                ]
            });
        } else {
            self.by_tier.prepare(tiers, |tier| {
                let c = constants(tier);
                let tiles = fullscreen::specialised_pipeline(
                    device,
                    STEPS[TILES],
                    module,
                    "fs_tiles",
                    &[&layouts[TILES]],
                    (TILE_FORMAT, None),
                    &c,
                );
                let gather = fullscreen::specialised_multi_target_pipeline(
                    device,
                    STEPS[GATHER],
                    module,
                    "fs_gather",
                    &[&layouts[GATHER]],
                    &[LAYER_FORMAT, LAYER_FORMAT],
                    &c,
                );
                [tiles, gather]
            });
        }
    }

    /// How many specialised pipelines and kernels (the tiles and the gather, by tier) the
    /// pass has built: the first frame builds its tier's neighbours too, and a frame whose
    /// tier is a neighbour of the last frame's builds none.
    pub fn pipelines_built(&self) -> usize {
        2 * (self.by_tier.len() + self.by_tier_compute.len())
    }
}

/// The pass's memory traffic ([`super::traffic`]), at the render size; the same for the
/// compute variant.
pub fn traffic(frame: &FrameTargets) -> Option<PassTraffic> {
    let (hdr, depth) = (frame.hdr_bytes(), texel_bytes(gbuffer_formats::DEPTH_FORMAT));
    let layer = texel_bytes(LAYER_FORMAT);
    Some(PassTraffic::new(
        2.0 * (hdr + depth) + 4.0 * layer / 4.0,
        3.0 * layer / 4.0 + hdr,
        frame.render_pixels(),
        "prepare: HDR and depth read, the half-size Rgba16Float colour + CoC written; tile max \
         and gather read it once each; near and far layers (half size) written by the gather \
         and read by the composite, with HDR and depth again; HDR written; the tile textures \
         (1/tile² of the pixels) not counted; the same for the compute variant (its tiles are \
         Rgba16Float)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_block_is_the_wgsl_size() {
        assert_eq!(size_of::<DofUniforms>(), 48);
    }

    #[test]
    fn tiers_are_the_documented_table() {
        let table: Vec<_> = Tier::ALL
            .iter()
            .map(|&t| DofQuality::for_tier(t).map(|q| (q.samples, q.max_radius)))
            .collect();
        assert_eq!(table, [None, Some((12, 8)), Some((24, 12)), Some((40, 16)), Some((64, 24))]);
    }

    #[test]
    fn thin_lens_matches_the_formula() {
        // 50 mm f/2 focused at 2 m on a 24 mm sensor, 1000 px tall; a point at 4 m:
        // CoC = 25 * 50 * 2000 / (4000 * 1950) mm = 0.32051 mm, radius 0.16026 mm
        // = 6.6774 px.
        let lens = ThinLens {
            focal_length_mm: 50.0,
            f_stop: 2.0,
            focus_distance: 2.0,
            sensor_height_mm: 24.0,
        };
        let c = lens.coc_radius_px(4.0, 1000);
        assert!((c - 6.6774).abs() < 1e-3, "{c}");
        assert!(lens.coc_radius_px(2.0, 1000).abs() < 1e-6);
        assert!(lens.coc_radius_px(1.0, 1000) < 0.0);
    }

    #[test]
    fn zero_means_from_the_view_and_autofocus() {
        let camera = PostCamera {
            znear: 0.1,
            yfov: 2.0 * (12.0f32 / 50.0).atan(),
            autofocus_distance: Some(1.5),
        };
        let lens = DofSettings::PRODUCT.lens(&camera);
        assert!((lens.focal_length_mm - 50.0).abs() < 1e-3, "{lens:?}");
        assert_eq!(lens.focus_distance, 1.5);
        let camera = PostCamera { autofocus_distance: None, ..camera };
        assert_eq!(DofSettings::PRODUCT.lens(&camera).focus_distance, AUTOFOCUS_FALLBACK);
        let fixed =
            DofSettings { focus_distance: 4.0, focal_length_mm: 85.0, ..Default::default() };
        let lens = fixed.lens(&camera);
        assert_eq!((lens.focal_length_mm, lens.focus_distance), (85.0, 4.0));
    }

    #[test]
    fn out_of_range_values_are_clamped_and_named() {
        let bad = DofSettings {
            f_stop: 0.1,
            focus_distance: -2.0,
            sensor_height_mm: f32::NAN,
            focal_length_mm: 1.0,
            ..Default::default()
        };
        let (s, w) = bad.validated();
        assert_eq!(
            (s.f_stop, s.focus_distance, s.sensor_height_mm, s.focal_length_mm),
            (0.7, 0.01, 24.0, 4.0)
        );
        for key in
            ["dof.f_stop", "dof.focus_distance", "dof.sensor_height_mm", "dof.focal_length_mm"]
        {
            assert!(w.iter().any(|m| m.contains(key)), "{key}: {w:?}");
        }
        assert!(DofSettings::PRODUCT.validated().1.is_empty());
    }

    #[test]
    fn focus_on_click_reads_the_nearest_surface() {
        // 4x3 depth buffer: sky, a surface at 2 m (depth 0.05 with near 0.1), one at 1 m.
        let mut depth = vec![0.0; 12];
        depth[5] = 0.05;
        depth[11] = 0.1;
        assert_eq!(focus_distance_at(&depth, 4, 3, (1, 1), 0.1), Some(2.0));
        assert_eq!(focus_distance_at(&depth, 4, 3, (3, 2), 0.1), Some(1.0));
        assert_eq!(focus_distance_at(&[0.0; 12], 4, 3, (0, 0), 0.1), None);
        assert_eq!(focus_distance_at(&depth, 4, 3, (4, 0), 0.1), None);
    }
}

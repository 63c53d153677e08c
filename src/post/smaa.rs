//! SMAA 1x (`shaders/post/smaa_edges.wgsl`, `smaa_weights.wgsl`, `smaa_blend.wgsl`): Jorge
//! Jimenez, Jose I. Echevarria, Tiago Sousa and Diego Gutierrez, "SMAA: Enhanced Subpixel
//! Morphological Antialiasing" (Eurographics 2012), written from the paper's description of its
//! three passes, orthogonal patterns only:
//!
//! 1. **Edge detection** (into an `Rg8Unorm` image): a luma step across the pixel's left (r)
//!    and top (g) boundary larger than the threshold is an edge, unless a neighbouring step is
//!    more than twice as large (the paper's local contrast adaptation, which keeps the weaker
//!    of two close parallel edges from being smoothed).
//! 2. **Blending weights** (into an `Rgba8Unorm` image): for each edge, how far it runs to
//!    either side (a search of bilinear taps, two pixels per tap, decoded by the search
//!    texture), which way the edge turns at each end (the crossing edges), and from those the
//!    area of the pixel the revectorised silhouette line cuts off, looked up in the area
//!    texture: x, y = the area this pixel takes from its top neighbour and that neighbour takes
//!    from it; z, w = the same across the left boundary.
//! 3. **Neighbourhood blending** (into the next display image): each pixel blends with the
//!    neighbours across its four boundaries by those areas, along the axis of the larger one.
//!
//! Both look-up textures are computed here ([`area_texture`], [`search_texture`]; allocated with
//! the pass, filled at its first draw), not shipped as data: the areas by exact integration of
//! the revectorised line over each pixel. Not implemented: the paper's diagonal patterns, corner sharpening, and its temporal
//! modes (S2x, T2x, 4x); SMAA here reads no history, so a still image gives the same output
//! every frame (no ghosting by construction).
//!
//! **Specialised**: the search length is the weights shader's `MAX_STEPS` override constant,
//! one pipeline per tier, so the search is a loop of fixed length whose only exit reads the
//! edges image; the neighbourhood blend has a pass-through pipeline for [`Tier::Off`].
//! [`SmaaPass::frame_submitted`] builds the tiers a budget-governor step can reach. Fragment
//! only (no compute variant): the chain gives it render targets of the display format in
//! either variant.
//!
//! Reads: the finished display image (any texture of `size`; the chain's display format,
//! 8-bit sRGB or the HDR output's PQ values). Writes: two transient images from the pool
//! (edges, weights) and a different texture of the input's format (colour and alpha blended
//! together).

use super::contract::{Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::schema::{Control, Setting, TIERS, float, setting};
use super::traffic::{FrameTargets, PassTraffic, texel_bytes};
use super::{Tier, clamp_setting};
use crate::Error;
use crate::draw::bindings;
use crate::draw::fullscreen::FullscreenPass;
use crate::draw::specialise::{BuildAhead, Specialised};
use crate::graph::{PooledTexture, TexturePool, TransientDesc};
use serde::{Deserialize, Serialize};

/// SMAA's knobs.
///
/// The tier picks the length of the edge search, as SMAA's quality presets do (its `LOW` ..
/// `ULTRA` search 4, 8, 16 and 32 steps); each step is one bilinear tap covering two pixels:
///
/// | tier     | search steps | reach (pixels each way) |
/// |----------|--------------|-------------------------|
/// | `Off`    | –            | pass skipped (a draw copies the input) |
/// | `Low`    | 4            | 8                       |
/// | `Medium` | 8            | 16                      |
/// | `High`   | 16           | 32                      |
/// | `Ultra`  | 32           | 64                      |
///
/// SMAA's presets also lower the threshold with the tier (0.15, 0.1, 0.1, 0.05) and turn on
/// diagonal and corner handling for high and ultra; here the threshold is its own setting (the
/// [`SmaaSettings::MOBILE`] and [`SmaaSettings::ULTRA`] presets set SMAA's values), and the
/// diagonal and corner patterns are not implemented. Every pixel costs 3 colour loads in the
/// edge detection (7 next to an edge), one edges load in the weights pass, and one colour and
/// three weights loads in the blend; a pixel with an edge adds, per edge direction, up to
/// 2 x steps search taps, 4 crossing loads and an area-texture load, and up to two colour
/// loads in the blend.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmaaSettings {
    /// Edge search length (see the table above). Default [`Tier::High`] (16 steps).
    pub tier: Tier,
    /// Smallest luma step across a pixel boundary that is an edge (`SMAA_THRESHOLD`), luma of
    /// the display-encoded value `0..1`, `0.05..=0.5`, default 0.1. Lower finds fainter edges
    /// (and more texture detail); SMAA's presets use 0.15 (low), 0.1, 0.05 (ultra).
    pub edge_threshold: f32,
}

impl SmaaSettings {
    /// SMAA off: the frame recipe skips the pass.
    pub const OFF: Self = Self { tier: Tier::Off, ..Self::DESKTOP };

    /// SMAA's high preset: 16 search steps, threshold 0.1.
    pub const DESKTOP: Self = Self { tier: Tier::High, edge_threshold: 0.1 };

    /// SMAA's low preset: 4 search steps, threshold 0.15 (fewer pixels search).
    pub const MOBILE: Self = Self { tier: Tier::Low, edge_threshold: 0.15 };

    /// SMAA's ultra preset: 32 search steps, threshold 0.05.
    pub const ULTRA: Self = Self { tier: Tier::Ultra, edge_threshold: 0.05 };

    /// The range of [`SmaaSettings::edge_threshold`].
    pub const THRESHOLD_RANGE: (f32, f32) = (0.05, 0.5);

    /// A copy with every value in its documented range: out-of-range values are clamped and a
    /// NaN becomes the default. One warning per changed field, named `smaa.<field>`, with the
    /// value given and the value used.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut w = Vec::new();
        let (lo, hi) = Self::THRESHOLD_RANGE;
        let settings = Self {
            tier: self.tier,
            edge_threshold: clamp_setting(
                &mut w,
                "smaa.edge_threshold",
                self.edge_threshold,
                lo,
                hi,
                Self::DESKTOP.edge_threshold,
            ),
        };
        (settings, w)
    }

    /// The tier's number of search steps (two pixels each), 0 when off.
    pub fn search_steps(tier: Tier) -> u32 {
        tier.pick(&[4, 8, 16, 32]).unwrap_or(0)
    }
}

impl Default for SmaaSettings {
    /// [`SmaaSettings::DESKTOP`].
    fn default() -> Self {
        Self::DESKTOP
    }
}

/// The `[smaa]` keys as the panel and presets see them ([`SmaaSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "smaa.tier",
        Control::Choice(TIERS),
        "SMAA 1x edge search length by tier (4, 8, 16, 32 steps of two pixels). Default high when named; off otherwise.",
    ),
    setting(
        "smaa.edge_threshold",
        float(0.05, 0.5, 0.005),
        "Smallest luma step that is an edge, 0.05..=0.5, default 0.1.",
    ),
];

// ---------------------------------------------------------------------------------------------
// The look-up textures.

/// Which way an edge turns at one of its ends: the crossing edge there lies on this pixel's
/// side of the edge (`Own`: below a top edge, right of a left edge), on the neighbour's side
/// (`Other`), on both or on neither. The shader reads it from the edges image as
/// `own + 2 * other`, the order of these variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crossing {
    /// No crossing edge: the edge ends flat (or the search stopped before its end).
    None,
    /// The edge turns into this pixel's row (or column).
    Own,
    /// The edge turns into the neighbour's row (or column).
    Other,
    /// Crossing edges on both sides (a line end, a junction): no shape is assumed.
    Both,
}

impl Crossing {
    /// Every crossing, in the shader's code order (0..4).
    pub const ALL: [Crossing; 4] = [Crossing::None, Crossing::Own, Crossing::Other, Crossing::Both];

    /// Where the revectorised line starts at this end, in pixels across the edge: half a
    /// pixel into the side the edge turns to (negative: this pixel's side), 0 when it does
    /// not turn one way.
    fn height(self) -> f64 {
        match self {
            Crossing::Own => -0.5,
            Crossing::Other => 0.5,
            Crossing::None | Crossing::Both => 0.0,
        }
    }
}

/// The longest distance to an edge end the area texture holds (pixels): the ultra tier's
/// reach. Longer distances are clamped to it.
pub const AREA_MAX_DISTANCE: u32 = 64;

/// Texels per side of one crossing pattern's tile of the area texture.
const AREA_TILE: u32 = AREA_MAX_DISTANCE + 1;

/// The area texture's size: 4 x 4 tiles (left end's crossing across, right end's down), each
/// `AREA_TILE` square (distance to the left end across, to the right end down).
pub const AREA_SIZE: (u32, u32) = (4 * AREA_TILE, 4 * AREA_TILE);

/// The revectorised silhouette of an edge and the area it gives one pixel of it.
///
/// The edge runs along the boundary between a row of pixels and its neighbour row for
/// `d_start + 1 + d_end` pixels, the pixel asked about being `d_start` pixels from its start.
/// At each end where the edge turns (a crossing edge on one side), the true silhouette passes
/// through the middle of that crossing edge, half a pixel off the boundary; the silhouette is
/// taken as the straight line from there to the boundary at the middle of the edge (two such
/// halves make one straight line for a step of a staircase, `Own` at one end and `Other` at the
/// other, and a peak for a bump, the same crossing at both ends). Where the line runs on this
/// pixel's side of the boundary, the part of the pixel between the line and the boundary
/// belongs to the neighbour's colour; where it runs on the neighbour's side, that part of the
/// neighbour belongs to this pixel's colour.
///
/// Returns `[own, other]`: the fraction of this pixel to take from the neighbour, and the
/// fraction of the neighbour to take from this pixel (each at most 0.5), the exact integrals of
/// the line over the pixel's span.
pub fn area(d_start: u32, d_end: u32, start: Crossing, end: Crossing) -> [f32; 2] {
    let length = f64::from(d_start + d_end + 1);
    let middle = length / 2.0;
    let (h_start, h_end) = (start.height(), end.height());
    // The line's height across the boundary at `x` (0 = the edge's start).
    let height = |x: f64| {
        if x <= middle {
            h_start * (1.0 - x / middle)
        } else {
            h_end * (x - middle) / (length - middle)
        }
    };
    let (a, b) = (f64::from(d_start), f64::from(d_start) + 1.0);
    let (mut own, mut other) = (0.0, 0.0);
    // The line is straight with one sign on each side of the middle: a trapezoid each.
    let pieces = [(a, b.min(middle)), (a.max(middle), b)];
    for (x0, x1) in pieces {
        if x1 <= x0 {
            continue;
        }
        let integral = 0.5 * (height(x0) + height(x1)) * (x1 - x0);
        if integral < 0.0 {
            own -= integral;
        } else {
            other += integral;
        }
    }
    [own as f32, other as f32]
}

/// The area texture's texels: `Rg8Unorm`, [`AREA_SIZE`], row by row, each texel the two areas
/// of [`area`] times 2 (so 0.5, the most a pixel can take, is the full 255) for the texel's
/// crossing pattern and distances. The texel for distances `(d_start, d_end)` and crossings
/// `(start, end)` is at `(start * AREA_TILE + d_start, end * AREA_TILE + d_end)`.
pub fn area_texture() -> Vec<u8> {
    let (width, height) = AREA_SIZE;
    let mut texels = vec![0u8; (width * height * 2) as usize];
    for (si, start) in Crossing::ALL.into_iter().enumerate() {
        for (ei, end) in Crossing::ALL.into_iter().enumerate() {
            for d_end in 0..AREA_TILE {
                for d_start in 0..AREA_TILE {
                    let x = si as u32 * AREA_TILE + d_start;
                    let y = ei as u32 * AREA_TILE + d_end;
                    let i = ((y * width + x) * 2) as usize;
                    let [own, other] = area(d_start, d_end, start, end);
                    texels[i] = unorm8(2.0 * own);
                    texels[i + 1] = unorm8(2.0 * other);
                }
            }
        }
    }
    texels
}

fn unorm8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The filter weight of the nearer of the two pixels a search tap covers: the shader taps a
/// quarter pixel from its centre towards the farther one, so one bilinear tap of a 0-or-1 edge
/// flag reads `0.75 * near + 0.25 * far`, four distinct values.
pub const SEARCH_NEAR_WEIGHT: f32 = 0.75;

/// Entries of the search texture: one per code `round(4 * tap)` of a search tap.
pub const SEARCH_SIZE: u32 = 5;

/// The search texture's texels (`R8Unorm`, [`SEARCH_SIZE`] x 1): for the code `round(4 * tap)`
/// of a search tap over two pixels (the nearer first along the search), how many of them the
/// edge runs through before it ends (0, 1 or 2, stored as that many 255ths). The edge runs on
/// while both pixels have it; a code no pair of flags gives reads 0 (the search stops).
pub fn search_texture() -> Vec<u8> {
    let mut texels = vec![0u8; SEARCH_SIZE as usize];
    for near in [false, true] {
        for far in [false, true] {
            let tap = SEARCH_NEAR_WEIGHT * f32::from(u8::from(near))
                + (1.0 - SEARCH_NEAR_WEIGHT) * f32::from(u8::from(far));
            let code = (4.0 * tap).round() as usize;
            texels[code] = match (near, far) {
                (false, _) => 0,
                (true, false) => 1,
                (true, true) => 2,
            };
        }
    }
    texels
}

// ---------------------------------------------------------------------------------------------
// The pass.

/// The uniform block all three SMAA shaders share.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct SmaaUniforms {
    /// 1 / width, 1 / height, width, height.
    frame: [f32; 4],
    /// Edge threshold, unused x3 (the search length is the pipeline's).
    params: [f32; 4],
}

/// The edges image's format (left and top edge flags).
pub const EDGES_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg8Unorm;
/// The blending weights image's format.
pub const WEIGHTS_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// The SMAA pass: its three stages' pipelines (the weights stage one per search length, the
/// blend a pass-through for off), the generated look-up textures and a linear sampler.
pub struct SmaaPass {
    edges: FullscreenPass,
    weights: FullscreenPass,
    weights_module: wgpu::ShaderModule,
    weights_pipelines: Specialised<u32, wgpu::RenderPipeline>,
    blend: FullscreenPass,
    blend_module: wgpu::ShaderModule,
    blend_pipelines: Specialised<bool, wgpu::RenderPipeline>,
    format: wgpu::TextureFormat,
    device: wgpu::Device,
    /// The area and search textures ([`area_texture`], [`search_texture`]).
    tables: [wgpu::Texture; 2],
    /// Whether their texels are uploaded (at the first draw).
    tables_filled: bool,
    sampler: wgpu::Sampler,
    /// The NEAREST sampler the edge detection reads the image's texels through
    /// (`bindings::depth_sampler`): on lavapipe cheaper than `textureLoad`.
    texels: wgpu::Sampler,
    /// Search lengths to build once the frame is submitted.
    ahead: Vec<u32>,
    gate: BuildAhead<u32>,
}

impl SmaaPass {
    /// The pass's label, timing scope and preset key.
    pub const NAME: &'static str = "smaa";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "SMAA 1x: morphological anti-aliasing of the display image (orthogonal edges)",
        writes: &[
            Image {
                name: "edges",
                format: ImageFormat::Fixed(EDGES_FORMAT),
                size: ImageSize::Display,
                kept: false,
            },
            Image {
                name: "blend weights",
                format: ImageFormat::Fixed(WEIGHTS_FORMAT),
                size: ImageSize::Display,
                kept: false,
            },
            Image {
                name: "anti-aliased",
                format: ImageFormat::Display,
                size: ImageSize::Display,
                kept: false,
            },
        ],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 1.5,
            prior_share: 0.04,
            at_render_size: false,
            // Edge detection and the blend cost the same at every tier; only edge pixels
            // search further. Measured on lavapipe at 1080p (product demo): low 1.07 of high,
            // ultra 0.98 (the short search loop is unrolled there); the governor corrects
            // these from its own timings.
            tier_cost: [0.0, 0.9, 0.95, 1.0, 1.1],
        }),
        settings: &[SETTINGS],
    };

    /// Load the three shaders for display images of `format` (the chain's
    /// [`DISPLAY_FORMAT`](super::finish::DISPLAY_FORMAT), or the HDR output's [`super::display::HDR_DISPLAY_FORMAT`]).
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Result<Self, Error> {
        let size = std::mem::size_of::<SmaaUniforms>() as u64;
        let edges = FullscreenPass::with_entry(
            device,
            "smaa_edges",
            "fs_main",
            &[bindings::texture(1, true), bindings::depth_sampler(2)],
            size,
            (EDGES_FORMAT, None),
            &[],
        )?;
        let weight_inputs = [
            bindings::texture(1, true),
            bindings::sampler(2),
            bindings::texture(3, true),
            bindings::texture(4, true),
        ];
        let weights = FullscreenPass::with_entry(
            device,
            "smaa_weights",
            "fs_main",
            &weight_inputs,
            size,
            (WEIGHTS_FORMAT, None),
            &[],
        )?;
        let blend = FullscreenPass::with_entry(
            device,
            "smaa_blend",
            "fs_main",
            &[bindings::texture(1, true), bindings::texture(2, true)],
            size,
            (format, None),
            &[],
        )?;
        Ok(Self {
            edges,
            weights,
            weights_module: crate::shaders::create_module(device, "smaa_weights")?,
            weights_pipelines: Specialised::new(),
            blend,
            blend_module: crate::shaders::create_module(device, "smaa_blend")?,
            blend_pipelines: Specialised::new(),
            format,
            device: device.clone(),
            tables: Self::table_textures(device),
            tables_filled: false,
            sampler: bindings::linear_sampler(device, Self::NAME),
            texels: bindings::nearest_sampler(device, "smaa.texels"),
            ahead: Vec::new(),
            gate: BuildAhead::default(),
        })
    }

    fn weights_pipeline(
        device: &wgpu::Device,
        module: &wgpu::ShaderModule,
        layout: &wgpu::BindGroupLayout,
        steps: u32,
    ) -> wgpu::RenderPipeline {
        crate::draw::fullscreen::specialised_pipeline(
            device,
            "smaa_weights",
            module,
            "fs_main",
            &[layout],
            (WEIGHTS_FORMAT, None),
            &[("MAX_STEPS", f64::from(steps))],
        )
    }

    fn blend_pipeline(
        device: &wgpu::Device,
        module: &wgpu::ShaderModule,
        layout: &wgpu::BindGroupLayout,
        format: wgpu::TextureFormat,
        on: bool,
    ) -> wgpu::RenderPipeline {
        crate::draw::fullscreen::specialised_pipeline(
            device,
            "smaa_blend",
            module,
            "fs_main",
            &[layout],
            (format, None),
            &[("BLEND", if on { 1.0 } else { 0.0 })],
        )
    }

    /// The frame was submitted: build the weights pipelines of the tiers a budget-governor
    /// step from its settings can reach, so a step never compiles during a frame.
    pub fn frame_submitted(&mut self) {
        let keys = std::mem::take(&mut self.ahead);
        let (device, module, layout) = (&self.device, &self.weights_module, self.weights.layout());
        self.weights_pipelines
            .prepare(keys, |steps| Self::weights_pipeline(device, module, layout, steps));
        if !self.blend_pipelines.is_empty() {
            let (module, layout, format) = (&self.blend_module, self.blend.layout(), self.format);
            self.blend_pipelines
                .prepare([true], |on| Self::blend_pipeline(device, module, layout, format, on));
        }
    }

    /// How many specialised pipelines are built, for tests of building ahead.
    pub fn pipelines_built(&self) -> usize {
        self.weights_pipelines.len() + self.blend_pipelines.len()
    }

    /// The area and search textures, created with the pass (so its memory is there from the
    /// start) and filled at the first draw (the pass is built without a queue).
    fn table_textures(device: &wgpu::Device) -> [wgpu::Texture; 2] {
        let texture = |label: &str, (width, height): (u32, u32), format| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            })
        };
        [
            texture("smaa.area", AREA_SIZE, wgpu::TextureFormat::Rg8Unorm),
            texture("smaa.search", (SEARCH_SIZE, 1), wgpu::TextureFormat::R8Unorm),
        ]
    }

    /// Views of the area and search textures, their texels computed and uploaded on first use.
    fn tables(&mut self, queue: &wgpu::Queue) -> [wgpu::TextureView; 2] {
        if !self.tables_filled {
            let texels = [area_texture(), search_texture()];
            for ((texture, texels), texel_bytes) in self.tables.iter().zip(&texels).zip([2, 1]) {
                let extent = texture.size();
                queue.write_texture(
                    texture.as_image_copy(),
                    texels,
                    wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(extent.width * texel_bytes),
                        rows_per_image: None,
                    },
                    extent,
                );
            }
            self.tables_filled = true;
        }
        self.tables.each_ref().map(|t| t.create_view(&Default::default()))
    }

    /// Record SMAA from `input` (a view of a texture of `size` in the pass's format) into
    /// `output` (another texture of that format and size), the edges and weights images lent
    /// by `pool` (back to it when this returns). Settings are brought into range silently
    /// (call [`SmaaSettings::validated`] where they are read to report problems). With
    /// [`Tier::Off`] one draw copies the input; a zero `size` records nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pool: &mut TexturePool,
        input: &wgpu::TextureView,
        output: &wgpu::TextureView,
        size: (u32, u32),
        settings: &SmaaSettings,
    ) {
        if size.0 == 0 || size.1 == 0 {
            return;
        }
        let (settings, _) = settings.validated();
        let steps = SmaaSettings::search_steps(settings.tier);
        let (w, h) = (size.0 as f32, size.1 as f32);
        let uniforms = SmaaUniforms {
            frame: [1.0 / w, 1.0 / h, w, h],
            params: [settings.edge_threshold, 0.0, 0.0, 0.0],
        };
        let bytes = bytemuck::bytes_of(&uniforms);
        let on = steps > 0;
        // Each of the three shaders writes every pixel of its target (no blending, no
        // discard): the targets are neither cleared nor loaded first.
        // The weights image: zero (nothing to blend) when off.
        let mut weights: Option<PooledTexture> = None;
        if on {
            let usage = wgpu::TextureUsages::empty();
            let edges = pool.acquire(
                device,
                "smaa.edges",
                &TransientDesc::target(size.0, size.1, EDGES_FORMAT, usage),
            );
            self.edges.write_uniforms(queue, bytes);
            let texels = wgpu::BindingResource::Sampler(&self.texels);
            self.edges.bind(device, &[wgpu::BindingResource::TextureView(input), texels]);
            self.edges.overwrite(encoder, &edges.view, &[]);

            let target = pool.acquire(
                device,
                "smaa.weights",
                &TransientDesc::target(size.0, size.1, WEIGHTS_FORMAT, usage),
            );
            let [area, search] = self.tables(queue);
            self.weights.write_uniforms(queue, bytes);
            self.weights.bind(
                device,
                &[
                    wgpu::BindingResource::TextureView(&edges.view),
                    wgpu::BindingResource::Sampler(&self.sampler),
                    wgpu::BindingResource::TextureView(&area),
                    wgpu::BindingResource::TextureView(&search),
                ],
            );
            let (module, layout) = (&self.weights_module, self.weights.layout());
            let pipeline = self
                .weights_pipelines
                .get(steps, |steps| Self::weights_pipeline(device, module, layout, steps));
            if let Some(group) = self.weights.bind_group() {
                crate::draw::fullscreen::overwrite(
                    encoder,
                    "smaa_weights",
                    pipeline,
                    &[group],
                    &target.view,
                );
            }
            weights = Some(target);
        }
        // The blend reads a weights image even when off (its pass-through pipeline never
        // samples it): the input itself stands in for it then.
        let weights_view = weights.as_ref().map_or(input, |t| &t.view);
        self.blend.write_uniforms(queue, bytes);
        self.blend.bind(
            device,
            &[
                wgpu::BindingResource::TextureView(input),
                wgpu::BindingResource::TextureView(weights_view),
            ],
        );
        let (module, layout, format) = (&self.blend_module, self.blend.layout(), self.format);
        let pipeline = self
            .blend_pipelines
            .get(on, |on| Self::blend_pipeline(device, module, layout, format, on));
        if let Some(group) = self.blend.bind_group() {
            crate::draw::fullscreen::overwrite(encoder, "smaa_blend", pipeline, &[group], output);
        }
        let settled = self.gate.may_build(steps);
        let tiers = settings.tier.with_neighbours().into_iter();
        self.ahead =
            if settled { tiers.map(SmaaSettings::search_steps).collect() } else { Vec::new() };
    }

    /// The uniforms and the look-up textures, for memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        let mut entries = vec![self.edges.memory(), self.weights.memory(), self.blend.memory()];
        let [area, search] = &self.tables;
        entries.push(crate::gpu::memory::MemoryEntry::texture("smaa.area", area, false));
        entries.push(crate::gpu::memory::MemoryEntry::texture("smaa.search", search, false));
        entries
    }
}

/// The pass's memory traffic ([`super::traffic`]) under `settings`, at the display size, or
/// `None` when it is off: three full-screen passes.
pub fn traffic(settings: &SmaaSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    settings.tier.is_on().then(|| {
        let display = frame.display_bytes();
        let (edges, weights) = (texel_bytes(EDGES_FORMAT), texel_bytes(WEIGHTS_FORMAT));
        // Edge detection reads the display image and writes edges; the weights read edges
        // (search taps and crossings cached) and write weights; the blend reads the display
        // image and the weights (neighbours cached) and writes the display image. The area
        // and search textures are small and cached, not counted.
        let read = display + edges + display + weights;
        let write = edges + weights + display;
        PassTraffic::new(
            read,
            write,
            frame.display_pixels(),
            "edges: display image read (8-bit, or Rgba16Float in HDR), RG8 written; weights: RG8 \
             read, RGBA8 written; blend: display image and RGBA8 weights read, display image \
             written (neighbour taps cached)",
        )
        .with_full_screen_passes(3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn a_one_pixel_step_cuts_an_eighth_from_each_side() {
        // Edge one pixel long turning to this side at its start and the other at its end: the
        // line runs from half a pixel down at x = 0 to half a pixel up at x = 1, crossing the
        // boundary at 0.5: two triangles of 0.5 x 0.5 / 2.
        let [own, other] = area(0, 0, Crossing::Own, Crossing::Other);
        assert!(close(own, 0.125) && close(other, 0.125), "{own} {other}");
        // The mirror pattern swaps the sides.
        let [own, other] = area(0, 0, Crossing::Other, Crossing::Own);
        assert!(close(own, 0.125) && close(other, 0.125));
    }

    #[test]
    fn a_staircase_step_matches_the_line_through_its_risers() {
        // A step of a line rising one pixel in n: the line from (0, -0.5) to (n, 0.5) is
        // h(x) = x / n - 0.5, so pixel k takes the integral of max(0, -h) over [k, k + 1] from
        // the neighbour, and gives the integral of max(0, h).
        for n in [1u32, 2, 3, 4, 7, 10, 33] {
            let (mut total_own, mut total_other) = (0.0f64, 0.0f64);
            for k in 0..n {
                let [own, other] = area(k, n - 1 - k, Crossing::Own, Crossing::Other);
                let h = |x: f64| x / f64::from(n) - 0.5;
                // Numeric integration as an independent check.
                let steps = 4000;
                let (mut want_own, mut want_other) = (0.0, 0.0);
                for s in 0..steps {
                    let x = f64::from(k) + (f64::from(s) + 0.5) / f64::from(steps);
                    want_own += (-h(x)).max(0.0) / f64::from(steps);
                    want_other += h(x).max(0.0) / f64::from(steps);
                }
                assert!((f64::from(own) - want_own).abs() < 1e-5, "n {n} k {k}: {own} {want_own}");
                assert!((f64::from(other) - want_other).abs() < 1e-5, "n {n} k {k}");
                total_own += f64::from(own);
                total_other += f64::from(other);
            }
            // Each half of the step is a triangle of n / 2 by 0.5.
            let half = f64::from(n) / 8.0;
            assert!((total_own - half).abs() < 1e-5 && (total_other - half).abs() < 1e-5, "n {n}");
        }
    }

    #[test]
    fn areas_are_symmetric_and_bounded_and_flat_edges_take_nothing() {
        for d1 in 0..20 {
            for d2 in 0..20 {
                for e1 in Crossing::ALL {
                    for e2 in Crossing::ALL {
                        let a = area(d1, d2, e1, e2);
                        // Read from the other end, the same pixel gets the same areas.
                        assert_eq!(a, area(d2, d1, e2, e1), "{d1} {d2} {e1:?} {e2:?}");
                        assert!(a.iter().all(|v| (0.0..=0.5).contains(v)), "{a:?}");
                    }
                }
                assert_eq!(area(d1, d2, Crossing::None, Crossing::None), [0.0, 0.0]);
                assert_eq!(area(d1, d2, Crossing::Both, Crossing::Both), [0.0, 0.0]);
                // A bump (the same turn at both ends) only ever takes from one side.
                let [own, other] = area(d1, d2, Crossing::Own, Crossing::Own);
                assert!(other == 0.0 && own > 0.0, "{d1} {d2}: {own} {other}");
                // Swapping the sides of both turns swaps the areas.
                let [o, t] = area(d1, d2, Crossing::Other, Crossing::Own);
                let [o2, t2] = area(d1, d2, Crossing::Own, Crossing::Other);
                assert!(close(o, t2) && close(t, o2));
            }
        }
        // An L: the edge turns at its start only. Pixel 0 of a 4-pixel edge: the line falls
        // from -0.5 at 0 to 0 at 2: the integral over [0, 1] is (0.5 + 0.25) / 2.
        let [own, other] = area(0, 3, Crossing::Own, Crossing::None);
        assert!(close(own, 0.375) && other == 0.0, "{own}");
        // The pixel past the middle of it takes nothing.
        assert_eq!(area(2, 1, Crossing::Own, Crossing::None), [0.0, 0.0]);
    }

    #[test]
    fn the_area_texture_holds_each_pattern_at_its_texel() {
        let texels = area_texture();
        assert_eq!(texels.len() as u32, AREA_SIZE.0 * AREA_SIZE.1 * 2);
        let at = |start: Crossing, end: Crossing, d1: u32, d2: u32| {
            let (si, ei) = (start as u32, end as u32);
            let (x, y) = (si * AREA_TILE + d1, ei * AREA_TILE + d2);
            let i = ((y * AREA_SIZE.0 + x) * 2) as usize;
            [texels[i], texels[i + 1]]
        };
        // 0.125 x 2 x 255 = 63.75.
        assert_eq!(at(Crossing::Own, Crossing::Other, 0, 0), [64, 64]);
        // 0.375 x 2 x 255 = 191.25.
        assert_eq!(at(Crossing::Own, Crossing::None, 0, 3), [191, 0]);
        assert_eq!(at(Crossing::None, Crossing::None, 5, 9), [0, 0]);
        // Codes as the shader reads them: own + 2 * other.
        assert_eq!(Crossing::ALL.map(|c| c as u32), [0, 1, 2, 3]);
    }

    #[test]
    fn the_search_texture_decodes_how_far_a_tap_runs() {
        let texels = search_texture();
        // Neither pixel, or only the far one (the edge ended at the near one): 0.
        assert_eq!(texels[0], 0);
        assert_eq!(texels[1], 0);
        // The near one only (tap 0.75 -> code 3): the edge ends after it.
        assert_eq!(texels[3], 1);
        // Both (tap 1): the edge runs through the pair and the search goes on.
        assert_eq!(texels[4], 2);
        // Code 2 (a tap of 0.5) comes from no pair of flags.
        assert_eq!(texels[2], 0);
    }

    #[test]
    fn tiers_search_as_smaas_presets_do_and_settings_validate() {
        let steps = Tier::ALL.map(SmaaSettings::search_steps);
        assert_eq!(steps, [0, 4, 8, 16, 32]);
        assert!(2 * SmaaSettings::search_steps(Tier::Ultra) <= AREA_MAX_DISTANCE);
        for preset in
            [SmaaSettings::OFF, SmaaSettings::MOBILE, SmaaSettings::DESKTOP, SmaaSettings::ULTRA]
        {
            assert!(preset.validated().1.is_empty(), "{preset:?}");
        }
    }
}

//! Debug views (`shaders/render/debug_view.wgsl`): one G-buffer channel shown as its stored value, or
//! one intermediate of the lit frame (AO visibility, a bloom mip, the baked grade LUT).
//!
//! Reads: the G-buffer, depth and HDR (emissive only) for the G-buffer views, which skip
//! lighting and the post chain; for the frame views ([`DebugView::shows_frame`]) the frame is
//! drawn in full first and the view then replaces the display image with the renderer's last
//! AO visibility, one mip of the bloom chain or the finish pass's 3D LUT laid out as a grid of
//! blue slices. Writes: the display target. Nothing here follows a paper: values are shown as
//! stored, each view's mapping documented on its variant so a reader can decode the pixels.
//!
//! **Specialised**: the view is the shader's `MODE` override constant, one pipeline per mode
//! built on the first frame that shows it (debug views are not budget-governor knobs, so no
//! mode is built ahead). A switch on a uniform was the documented cause of Mesa 22 lavapipe's
//! per-bind recompile and leak (`docs/memory-growth.md`); as a constant the pipeline holds
//! only its mode's code. A frame view whose source is missing clears to black without a draw.

#[cfg(feature = "cli")]
use clap::builder::PossibleValue;

use super::DISPLAY_FORMAT;
use super::gbuffer::GBuffer;
use crate::draw::fullscreen::SpecialisedPass;
use crate::draw::fullscreen::colour_attachment;
use crate::draw::{Target, bindings};
use crate::shaders;

/// What to show instead of the finished image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DebugView {
    /// Base colour, as stored (sRGB).
    Albedo,
    /// World-space normal mapped from [-1, 1] to [0, 1].
    Normal,
    /// Perceptual roughness.
    Roughness,
    /// Metalness.
    Metallic,
    /// Linear view distance between the scene's nearest and farthest points: near white, far black.
    Depth,
    /// Motion vectors, current minus previous position in UV units: red = 0.5 + 8 u (right),
    /// green = 0.5 + 8 v (down), blue 0.5; still pixels are mid grey (0.5, 0.5, 0.5) and a
    /// motion of 1/16 of the image saturates. Stored as 8-bit codes (code = 255 x value).
    Motion,
    /// Emissive radiance, clamped to [0, 1].
    Emissive,
    /// The lit frame's AO visibility (1 = unoccluded), as grey with code = 255 x visibility,
    /// nearest texel of the AO target; black when AO is off.
    Ao,
    /// Mip `n` of the bloom chain (size: render size >> (n + 1), see [`crate::post::bloom`])
    /// as left after the frame: the smallest mip and mips above the first bloom level hold
    /// the downsample, the others the accumulated upsample. Pre-exposed scene-linear colour
    /// clamped to [0, 1] and sRGB-encoded like the display; nearest texel. A mip beyond the
    /// chain shows its smallest mip; black when bloom is off.
    BloomMip(u32),
    /// The finish pass's baked grade + tone-map 3D LUT: blue slice `k` is tile `k` of a grid
    /// `ceil(sqrt(size))` tiles wide, read left to right, top to bottom; inside a tile red
    /// lattice index grows to the right and green downwards. Texels hold sRGB-encoded display
    /// values, shown as 8-bit codes (code = 255 x value, clipped to [0, 1]).
    Lut,
}

/// Every bloom mip a chain can have: [`crate::post::bloom::MAX_LEVELS`] levels plus the
/// stepping-stone mip of a quarter-size first level.
pub const BLOOM_MIPS: u32 = crate::post::bloom::MAX_LEVELS + 1;

const BLOOM_MIP_NAMES: [&str; BLOOM_MIPS as usize] = [
    "bloom-mip-0",
    "bloom-mip-1",
    "bloom-mip-2",
    "bloom-mip-3",
    "bloom-mip-4",
    "bloom-mip-5",
    "bloom-mip-6",
    "bloom-mip-7",
    "bloom-mip-8",
    "bloom-mip-9",
    "bloom-mip-10",
];

const ALL: [DebugView; 9 + BLOOM_MIPS as usize] = [
    DebugView::Albedo,
    DebugView::Normal,
    DebugView::Roughness,
    DebugView::Metallic,
    DebugView::Depth,
    DebugView::Motion,
    DebugView::Emissive,
    DebugView::Ao,
    DebugView::Lut,
    DebugView::BloomMip(0),
    DebugView::BloomMip(1),
    DebugView::BloomMip(2),
    DebugView::BloomMip(3),
    DebugView::BloomMip(4),
    DebugView::BloomMip(5),
    DebugView::BloomMip(6),
    DebugView::BloomMip(7),
    DebugView::BloomMip(8),
    DebugView::BloomMip(9),
    DebugView::BloomMip(10),
];

impl DebugView {
    /// Every view, each bloom mip once (for menus and the command line).
    pub fn all() -> &'static [DebugView] {
        &ALL
    }

    /// The view's name on the command line and in the panel (`albedo`, `bloom-mip-2`, `lut`).
    pub fn name(self) -> &'static str {
        match self {
            DebugView::Albedo => "albedo",
            DebugView::Normal => "normal",
            DebugView::Roughness => "roughness",
            DebugView::Metallic => "metallic",
            DebugView::Depth => "depth",
            DebugView::Motion => "motion",
            DebugView::Emissive => "emissive",
            DebugView::Ao => "ao",
            DebugView::Lut => "lut",
            DebugView::BloomMip(n) => BLOOM_MIP_NAMES[(n as usize).min(BLOOM_MIP_NAMES.len() - 1)],
        }
    }

    /// True for the views of the lit frame's intermediates (AO, bloom mips, LUT): the frame
    /// is drawn in full, with its render scale, jitter and passes, before the view replaces
    /// the display image. False for the G-buffer views, which skip lighting and post.
    pub fn shows_frame(self) -> bool {
        matches!(self, DebugView::Ao | DebugView::BloomMip(_) | DebugView::Lut)
    }

    /// The shader's `MODE` (every bloom mip is one mode: the mip is chosen by the view bound).
    fn mode(self) -> u32 {
        match self {
            DebugView::Albedo => 0,
            DebugView::Normal => 1,
            DebugView::Roughness => 2,
            DebugView::Metallic => 3,
            DebugView::Depth => 4,
            DebugView::Motion => 5,
            DebugView::Emissive => 6,
            DebugView::Ao => 7,
            DebugView::BloomMip(_) => 8,
            DebugView::Lut => 9,
        }
    }

    /// The WGSL override constants of `mode`'s pipeline.
    fn constants(mode: u32) -> crate::draw::specialise::Constants {
        vec![("MODE", f64::from(mode))]
    }
}

#[cfg(feature = "cli")]
impl clap::ValueEnum for DebugView {
    fn value_variants<'a>() -> &'a [Self] {
        DebugView::all()
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// Motion debug scale: a motion of 1/16 of the image shows at full intensity.
const MOTION_SCALE: f32 = 8.0;

/// The frame intermediates a frame view shows; `None` shows black.
#[derive(Default)]
pub(crate) struct FrameSources<'a> {
    /// AO visibility (R16Float).
    pub ao: Option<&'a wgpu::TextureView>,
    /// A single-mip view of one bloom chain mip (the HDR format).
    pub bloom_mip: Option<wgpu::TextureView>,
    /// The baked grade LUT (3D, Rgba16Float).
    pub lut: Option<&'a wgpu::TextureView>,
}

/// The debug view pass.
pub struct DebugViewPass {
    /// One pipeline per mode, keyed by [`DebugView::mode`].
    pass: SpecialisedPass<u32>,
    /// Group 1: AO, bloom mip, LUT.
    frame_layout: wgpu::BindGroupLayout,
    /// Stand-ins bound where a frame source is missing (or for the G-buffer views).
    placeholders: [wgpu::TextureView; 3],
    /// The NEAREST sampler the G-buffer depth is read through (`bindings::depth_sampler`).
    depth_sampler: wgpu::Sampler,
}

impl DebugViewPass {
    /// Load the shader (each mode's pipeline is built on its first use).
    pub fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let inputs = [
            bindings::uniform(1, wgpu::ShaderStages::FRAGMENT),
            bindings::texture(2, false),
            bindings::texture(3, false),
            bindings::texture(4, false),
            bindings::texture(5, false),
            bindings::depth_as_float(6),
            bindings::depth_sampler(7),
        ];
        let frame_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("debug_view.frame"),
            entries: &[
                bindings::texture(0, false),
                bindings::texture(1, false),
                bindings::texture_3d(2),
            ],
        });
        let pass = SpecialisedPass::new(
            device,
            ("debug_view", "fs_main"),
            (&inputs, 16),
            (DISPLAY_FORMAT, None),
            &[&frame_layout],
            DebugView::constants,
        )?;
        let lut = device
            .create_texture(&wgpu::TextureDescriptor {
                label: Some("debug_view.no_lut"),
                size: wgpu::Extent3d { width: 1, height: 1, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D3,
                format: crate::post::grade_bake::LUT_FORMAT,
                usage: wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            })
            .create_view(&Default::default());
        let placeholders = [
            bindings::placeholder(device, "debug_view.no_ao", wgpu::TextureFormat::R16Float),
            bindings::placeholder(device, "debug_view.no_bloom", wgpu::TextureFormat::Rgba16Float),
            lut,
        ];
        let depth_sampler = bindings::nearest_sampler(device, "debug_view.depth_sampler");
        Ok(Self { pass, frame_layout, placeholders, depth_sampler })
    }

    /// Bind the camera and G-buffer (after creation and every resize).
    pub fn bind(&mut self, device: &wgpu::Device, camera: &wgpu::Buffer, gbuffer: &GBuffer) {
        self.pass.bind(
            device,
            &[
                camera.as_entire_binding(),
                wgpu::BindingResource::TextureView(&gbuffer.base_color_ao.view),
                wgpu::BindingResource::TextureView(&gbuffer.normal_roughness_metallic.view),
                wgpu::BindingResource::TextureView(&gbuffer.motion.view),
                wgpu::BindingResource::TextureView(&gbuffer.hdr.view),
                wgpu::BindingResource::TextureView(&gbuffer.depth.view),
                wgpu::BindingResource::Sampler(&self.depth_sampler),
            ],
        );
    }

    /// Show `view` in `output`; `depth_range` is the (near, far) view distance for the depth
    /// view, `sources` what the frame views show.
    pub(crate) fn draw(
        &mut self,
        gpu: &crate::gpu::Gpu,
        encoder: &mut wgpu::CommandEncoder,
        view: DebugView,
        depth_range: (f32, f32),
        sources: &FrameSources<'_>,
        output: &Target,
    ) {
        let missing = match view {
            DebugView::Ao => sources.ao.is_none(),
            DebugView::BloomMip(_) => sources.bloom_mip.is_none(),
            DebugView::Lut => sources.lut.is_none(),
            _ => false,
        };
        if missing {
            // A missing source shows black.
            let attachment = colour_attachment(&output.view, Some(wgpu::Color::BLACK));
            encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("debug_view"),
                color_attachments: &[Some(attachment)],
                ..Default::default()
            });
            return;
        }
        let [no_ao, no_bloom, no_lut] = &self.placeholders;
        let frame_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("debug_view.frame"),
            layout: &self.frame_layout,
            entries: &bindings::entries(&[
                wgpu::BindingResource::TextureView(sources.ao.unwrap_or(no_ao)),
                wgpu::BindingResource::TextureView(sources.bloom_mip.as_ref().unwrap_or(no_bloom)),
                wgpu::BindingResource::TextureView(sources.lut.unwrap_or(no_lut)),
            ]),
        });
        let params = [0.0, depth_range.0, depth_range.1, MOTION_SCALE];
        self.pass.write_uniforms(&gpu.queue, bytemuck::bytes_of(&params));
        let (target, clear) = (&output.view, Some(wgpu::Color::BLACK));
        self.pass.draw((&gpu.device, view.mode()), encoder, target, clear, &[&frame_group]);
    }
}

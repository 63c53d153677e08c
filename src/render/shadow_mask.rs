//! The screen-space shadow mask (`shaders/render/shadow_mask.wgsl`): the key light's visibility
//! at every G-buffer pixel, looked up in the shadow map ([`super::shadows`]) with the shadow
//! tier's PCF taps. The lighting pass reads one texel of it instead of taking the taps itself.
//!
//! Why a pass of its own: the filter's taps are most of what a shadow costs per frame (on
//! lavapipe at 640x360, lighting took 15 ms more with the 4x4 taps than without a shadow), and
//! the budget governor learns a knob's cost from the timing scope named after it. The mask runs
//! in the `shadows` scope with the map's draw, so what the shadow tier costs (the map's fill and
//! the taps) is measured where the knob is ([`crate::post::shadow_tier`]), and lighting's own
//! time no longer changes with it. The forward pass (blended surfaces) and the shadow catcher
//! still look the map up themselves.
//!
//! **Specialised** by the taps per axis (`SHADOW_TAPS`), one pipeline per tier; the
//! neighbouring tiers' are built ahead except in a frame whose tier just changed
//! ([`BuildAhead`]), so a governor step compiles nothing.
//!
//! Reads: the camera uniforms, the G-buffer's depth and normals, the shadow map and its
//! uniforms (group 2). Writes: visibility (R8Unorm, render size; 1 lit, 0 shadowed, 1 where
//! nothing was drawn). Follows: the shadow map and the G-buffer. Read by: lighting.

use super::Renderer;
use super::gbuffer::GBuffer;
use super::shadows::ShadowPass;
use crate::draw::specialise::{BuildAhead, Specialised};
use crate::draw::{Target, bindings};
use crate::gpu::{Gpu, read_texture};
use crate::post::Tier;
use crate::post::shadow_tier::filter_taps;
use crate::shaders;

/// The mask's format in the frame.
pub const MASK_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R8Unorm;

/// The pass's wgpu label (it is timed in the `shadows` scope).
const NAME: &str = "shadow_mask";

/// The shader, its layouts and the pipelines by (taps per axis, target format).
struct MaskPipelines {
    module: wgpu::ShaderModule,
    inputs: wgpu::BindGroupLayout,
    layout: wgpu::PipelineLayout,
    built: Specialised<(u32, wgpu::TextureFormat), wgpu::RenderPipeline>,
}

impl MaskPipelines {
    fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let module = shaders::create_module(device, NAME)?;
        let inputs = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(NAME),
            entries: &[
                bindings::uniform(0, wgpu::ShaderStages::FRAGMENT),
                bindings::depth_as_float(1),
                bindings::texture(2, false),
                bindings::depth_sampler(3),
            ],
        });
        let shadow_layout = ShadowPass::layout(device);
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(NAME),
            // Group 1 is the environment in the lighting pass; the mask does not need it.
            bind_group_layouts: &[Some(&inputs), None, Some(&shadow_layout)],
            immediate_size: 0,
        });
        Ok(Self { module, inputs, layout, built: Specialised::new() })
    }

    fn build(
        &self,
        device: &wgpu::Device,
        (taps, format): (u32, wgpu::TextureFormat),
    ) -> wgpu::RenderPipeline {
        let constants = [("SHADOW_TAPS", f64::from(taps.max(2)))];
        let target = [Some(format.into())];
        let entry = (NAME, &self.module, "fs_main");
        crate::draw::fullscreen::build_with_layout(device, entry, &self.layout, &target, &constants)
    }

    fn prepare(
        &mut self,
        device: &wgpu::Device,
        keys: impl IntoIterator<Item = (u32, wgpu::TextureFormat)>,
    ) {
        let mut built = std::mem::take(&mut self.built);
        built.prepare(keys, |key| self.build(device, key));
        self.built = built;
    }

    /// Group 0: the camera, the G-buffer's depth and normals.
    fn inputs(
        &self,
        device: &wgpu::Device,
        camera: &wgpu::Buffer,
        gbuffer: &GBuffer,
        depth_sampler: &wgpu::Sampler,
    ) -> wgpu::BindGroup {
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(NAME),
            layout: &self.inputs,
            entries: &bindings::entries(&[
                camera.as_entire_binding(),
                wgpu::BindingResource::TextureView(&gbuffer.depth.view),
                wgpu::BindingResource::TextureView(&gbuffer.normal_roughness_metallic.view),
                wgpu::BindingResource::Sampler(depth_sampler),
            ]),
        })
    }
}

/// The frame's shadow mask pass and its target.
pub struct ShadowMaskPass {
    pipelines: MaskPipelines,
    depth_sampler: wgpu::Sampler,
    /// Group 0 over the G-buffer of the last [`ShadowMaskPass::bind`].
    inputs: Option<wgpu::BindGroup>,
    target: Target,
    /// Whether this frame may build the neighbouring tiers' pipelines.
    gate: BuildAhead<Tier>,
}

impl ShadowMaskPass {
    /// Load the shader; the mask is allocated by the first [`ShadowMaskPass::bind`].
    pub fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        Ok(Self {
            pipelines: MaskPipelines::new(device)?,
            depth_sampler: bindings::nearest_sampler(device, "shadow_mask.depth_sampler"),
            inputs: None,
            target: Target::new(device, NAME, 1, 1, MASK_FORMAT),
            gate: BuildAhead::default(),
        })
    }

    /// Read the camera and `gbuffer`, and size the mask to it (after creation and every
    /// resize).
    pub fn bind(&mut self, device: &wgpu::Device, camera: &wgpu::Buffer, gbuffer: &GBuffer) {
        let size = gbuffer.depth.view.texture().size();
        self.target = Target::new(device, NAME, size.width, size.height, MASK_FORMAT);
        self.inputs = Some(self.pipelines.inputs(device, camera, gbuffer, &self.depth_sampler));
    }

    /// The mask the last [`ShadowMaskPass::draw`] wrote (lighting's input).
    pub fn view(&self) -> &wgpu::TextureView {
        &self.target.view
    }

    /// Record the mask for the shadow at `tier` (all lit when off or when the shadow is
    /// inactive), after building the pipelines of the tiers next to it unless `tier` just
    /// changed.
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        tier: Tier,
        shadows: &ShadowPass,
    ) {
        if self.gate.may_build(tier) {
            let neighbours = tier.with_neighbours().into_iter();
            self.pipelines.prepare(device, neighbours.map(|t| (filter_taps(t), MASK_FORMAT)));
        }
        let Some(inputs) = &self.inputs else { return };
        let taps = filter_taps(tier);
        // Off, or no shadow this frame (no key light, nothing to fit): lit everywhere.
        let drawn = taps > 0 && shadows.is_active();
        if drawn {
            self.pipelines.prepare(device, [(taps, MASK_FORMAT)]);
        }
        let pipeline = self.pipelines.built.built((taps, MASK_FORMAT)).filter(|_| drawn);
        record(encoder, &self.target.view, pipeline.map(|p| (p, inputs, shadows)));
    }

    /// The mask, for memory reports.
    pub(crate) fn memory(&self) -> crate::gpu::memory::MemoryEntry {
        crate::gpu::memory::MemoryEntry::texture("shadow_mask", &self.target.texture, true)
    }
}

/// With `draw`, run the mask's `pipeline` over all of `target` with its inputs (group 0) and
/// the shadow map (group 2); without, clear it to lit (1).
fn record(
    encoder: &mut wgpu::CommandEncoder,
    target: &wgpu::TextureView,
    draw: Option<(&wgpu::RenderPipeline, &wgpu::BindGroup, &ShadowPass)>,
) {
    use crate::draw::fullscreen::{colour_attachment, overwritten_attachment};
    // The full-screen triangle writes every pixel: nothing to clear first.
    let attachment = match draw {
        Some(_) => overwritten_attachment(target),
        None => colour_attachment(target, Some(wgpu::Color::WHITE)),
    };
    let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(NAME),
        color_attachments: &[Some(attachment)],
        ..Default::default()
    });
    if let Some((pipeline, inputs, shadows)) = draw {
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, inputs, &[]);
        pass.set_bind_group(2, shadows.bind_group(), &[]);
        pass.draw(0..3, 0..1);
    }
}

/// Test and debugging tool, not a frame pass: the key light's visibility per pixel of
/// `renderer`'s last frame (its G-buffer and camera) as the frame's mask computes it (the same
/// shader and taps) with `shadows`, unquantised (R32Float). 1 = lit, 0 = shadowed, 1 where
/// nothing was drawn; `width * height` values, top row first. Call after `renderer.render(...)`
/// and after `shadows.update` and `shadows.draw` were submitted. Builds its pipeline on every
/// call and blocks on the readback.
pub fn render_shadow_mask(
    gpu: &Gpu,
    renderer: &Renderer,
    shadows: &ShadowPass,
) -> Result<Vec<f32>, crate::Error> {
    const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Float;
    let device = &gpu.device;
    let mut pipelines = MaskPipelines::new(device)?;
    let key = (shadows.filter_taps(), FORMAT);
    pipelines.prepare(device, [key]);
    let depth_sampler = bindings::nearest_sampler(device, "shadow_mask.depth_sampler");
    let inputs =
        pipelines.inputs(device, renderer.camera_buffer(), renderer.gbuffer(), &depth_sampler);
    let (width, height) = renderer.size();
    let target = Target::new(device, "shadow_mask.readback", width, height, FORMAT);
    let mut encoder = device.create_command_encoder(&Default::default());
    record(&mut encoder, &target.view, pipelines.built.built(key).map(|p| (p, &inputs, shadows)));
    gpu.queue.submit([encoder.finish()]);
    let bytes = read_texture(gpu, &target.texture)?;
    Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

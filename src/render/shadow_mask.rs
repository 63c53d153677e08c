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
//! ([`BuildAhead`]), so a governor step compiles nothing. Where the grid's taps overlap (the
//! high and ultra tiers at the default `pcf_radius`), the mask takes the same weighted sum in
//! fewer bilinear taps, two texels per tap and axis (`SHADOW_PAIRS`, [`paired_taps`]): 9
//! instead of 16 and 25.
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

/// How the mask takes the filter's taps (the same sum either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TapLayout {
    /// As the frame does: paired where that is fewer taps ([`paired_taps`]).
    AsTheFrame,
    /// The tier's grid of taps, one by one (the reference the pairs are tested against).
    Grid,
}

/// Bilinear taps per axis that take the same weighted sum as `taps` grid taps spanning
/// ±`pcf_radius` texels, two texels each, when that is fewer than `taps` (`SHADOW_PAIRS` in
/// shaders/include/shadow.wgsl); 0 otherwise (the grid as it is). The grid's bilinear taps
/// touch at most ceil(2·radius) + 2 texels per axis.
pub fn paired_taps(taps: u32, pcf_radius: f32) -> u32 {
    // The shader's `MAX_SHADOW_PAIRS` (the size of its per-axis pair array); change both.
    const MAX_SHADOW_PAIRS: u32 = 4;
    let texels = (2.0 * pcf_radius.clamp(0.0, 8.0)).ceil() as u32 + 2;
    let pairs = texels.div_ceil(2);
    if pairs < taps && pairs <= MAX_SHADOW_PAIRS { pairs } else { 0 }
}

/// A mask pipeline's key: taps per axis, paired taps per axis (0: the grid), target format.
type MaskKey = (u32, u32, wgpu::TextureFormat);

/// The key of the mask for the shadow at `tier` with `shadows`' filter radius.
fn mask_key(
    tier: Tier,
    shadows: &ShadowPass,
    layout: TapLayout,
    format: wgpu::TextureFormat,
) -> MaskKey {
    let taps = filter_taps(tier);
    let pairs = match layout {
        TapLayout::AsTheFrame => paired_taps(taps, shadows.settings().pcf_radius),
        TapLayout::Grid => 0,
    };
    (taps, pairs, format)
}

/// The shader, its layouts and the pipelines by [`MaskKey`].
struct MaskPipelines {
    module: wgpu::ShaderModule,
    inputs: wgpu::BindGroupLayout,
    layout: wgpu::PipelineLayout,
    built: Specialised<MaskKey, wgpu::RenderPipeline>,
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

    fn build(&self, device: &wgpu::Device, (taps, pairs, format): MaskKey) -> wgpu::RenderPipeline {
        let constants =
            [("SHADOW_TAPS", f64::from(taps.max(2))), ("SHADOW_PAIRS", f64::from(pairs))];
        let target = [Some(format.into())];
        let entry = (NAME, &self.module, "fs_main");
        crate::draw::fullscreen::build_with_layout(device, entry, &self.layout, &target, &constants)
    }

    fn prepare(&mut self, device: &wgpu::Device, keys: impl IntoIterator<Item = MaskKey>) {
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
        let key = |tier| mask_key(tier, shadows, TapLayout::AsTheFrame, MASK_FORMAT);
        if self.gate.may_build(tier) {
            self.pipelines.prepare(device, tier.with_neighbours().into_iter().map(key));
        }
        let Some(inputs) = &self.inputs else { return };
        // Off, or no shadow this frame (no key light, nothing to fit): lit everywhere.
        let drawn = filter_taps(tier) > 0 && shadows.is_active();
        if drawn {
            self.pipelines.prepare(device, [key(tier)]);
        }
        let pipeline = self.pipelines.built.built(key(tier)).filter(|_| drawn);
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
/// shader and taps, or the tier's grid of taps one by one with [`TapLayout::Grid`]) with
/// `shadows`, unquantised (R32Float). 1 = lit, 0 = shadowed, 1 where
/// nothing was drawn; `width * height` values, top row first. Call after `renderer.render(...)`
/// and after `shadows.update` and `shadows.draw` were submitted. Builds its pipeline on every
/// call and blocks on the readback.
pub fn render_shadow_mask(
    gpu: &Gpu,
    renderer: &Renderer,
    shadows: &ShadowPass,
    layout: TapLayout,
) -> Result<Vec<f32>, crate::Error> {
    const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Float;
    let device = &gpu.device;
    let mut pipelines = MaskPipelines::new(device)?;
    let key = mask_key(shadows.tier(), shadows, layout, FORMAT);
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

#[cfg(test)]
mod tests {
    use super::paired_taps;

    #[test]
    fn taps_are_paired_only_where_that_is_fewer() {
        // At the default radius 1.5 the grid touches 5 texels per axis: 3 pairs.
        let at_default: Vec<u32> = (2..=5).map(|taps| paired_taps(taps, 1.5)).collect();
        assert_eq!(at_default, [0, 0, 3, 3]);
        // A radius of 0 stacks every tap on one point: one pair.
        assert_eq!(paired_taps(4, 0.0), 1);
        // 1.0: 4 texels, 2 pairs, fewer than medium's 3.
        assert_eq!(paired_taps(3, 1.0), 2);
        // 3.0 (the largest): 8 texels, 4 pairs: fewer than ultra's 5, not than high's 4.
        assert_eq!((paired_taps(5, 3.0), paired_taps(4, 3.0)), (4, 0));
        // Nothing the shader cannot hold, whatever the radius.
        assert!(paired_taps(5, f32::NAN).max(paired_taps(64, 100.0)) <= 4);
    }
}

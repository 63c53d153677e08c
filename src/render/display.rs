//! Display transform (`shaders/display.wgsl`): HDR to 8-bit sRGB with exposure compensation
//! and a selectable tone mapper (`crate::post::tonemap`). A stand-in for the post chain's fused
//! finish pass, which replaces it. Reads: HDR. Writes: the display target (Rgba8UnormSrgb).
//! NaN/Inf show as black.

use super::fullscreen::FullscreenPass;
use super::gbuffer::GBuffer;
use super::{Target, bindings};
use crate::post::tonemap::ToneMapper;
use crate::shaders;

/// Format of the finished 8-bit image.
pub const DISPLAY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

/// GPU layout of `Display` in `display.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct DisplayUniforms {
    params: [f32; 4],
    mapper: [u32; 4],
}

/// The display transform pass.
pub struct DisplayPass(FullscreenPass);

impl DisplayPass {
    /// Load the shader and create the pipeline.
    pub fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let inputs = [bindings::texture(1, false)];
        Ok(Self(FullscreenPass::new(device, "display", &inputs, 32, (DISPLAY_FORMAT, None), &[])?))
    }

    /// Bind the HDR target (after creation and every resize).
    pub fn bind(&mut self, device: &wgpu::Device, gbuffer: &GBuffer) {
        self.0.bind(device, &[wgpu::BindingResource::TextureView(&gbuffer.hdr.view)]);
    }

    /// Tone map HDR into `output` with a linear exposure multiplier.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        queue: &wgpu::Queue,
        exposure: f32,
        tone_mapper: ToneMapper,
        output: &Target,
    ) {
        let exposure = if exposure.is_finite() { exposure.max(0.0) } else { 1.0 };
        let uniforms = DisplayUniforms {
            params: [exposure, 0.0, 0.0, 0.0],
            mapper: [tone_mapper.gpu_id(), 0, 0, 0],
        };
        self.0.write_uniforms(queue, bytemuck::bytes_of(&uniforms));
        self.0.draw(encoder, &output.view, Some(wgpu::Color::BLACK), &[]);
    }
}

//! Display transform (`shaders/display.wgsl`): HDR to 8-bit sRGB with an exposure scale and the
//! Khronos PBR Neutral tone mapper. A stand-in for the post chain's fused finish pass, which
//! replaces it. Reads: HDR. Writes: the display target (Rgba8UnormSrgb). NaN/Inf show as black.

use super::gbuffer::GBuffer;
use super::{Target, bindings, fullscreen};
use crate::shaders;

/// Format of the finished 8-bit image.
pub const DISPLAY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

/// The display transform pass.
pub struct DisplayPass {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::RenderPipeline,
    uniforms: wgpu::Buffer,
    bind_group: Option<wgpu::BindGroup>,
}

impl DisplayPass {
    /// Load the shader and create the pipeline.
    pub fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let module = shaders::create_module(device, "display")?;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("display"),
            entries: &[
                bindings::uniform(0, wgpu::ShaderStages::FRAGMENT),
                bindings::texture(1, false),
            ],
        });
        let pipeline =
            fullscreen::pipeline(device, "display", &module, &layout, DISPLAY_FORMAT, None);
        let uniforms = bindings::uniform_buffer(device, "display", bytemuck::bytes_of(&[1f32; 4]));
        Ok(Self { layout, pipeline, uniforms, bind_group: None })
    }

    /// Bind the HDR target (after creation and every resize).
    pub fn bind(&mut self, device: &wgpu::Device, gbuffer: &GBuffer) {
        self.bind_group = Some(device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("display"),
            layout: &self.layout,
            entries: &bindings::entries(&[
                self.uniforms.as_entire_binding(),
                wgpu::BindingResource::TextureView(&gbuffer.hdr.view),
            ]),
        }));
    }

    /// Tone map HDR into `output` with a linear exposure multiplier.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        queue: &wgpu::Queue,
        exposure: f32,
        output: &Target,
    ) {
        let exposure = if exposure.is_finite() { exposure.max(0.0) } else { 1.0 };
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&[exposure, 0.0, 0.0, 0.0]));
        if let Some(bind_group) = &self.bind_group {
            let clear = Some(wgpu::Color::BLACK);
            fullscreen::draw(encoder, "display", &self.pipeline, bind_group, &output.view, clear);
        }
    }
}

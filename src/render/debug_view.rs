//! G-buffer debug views (`shaders/debug_view.wgsl`): one channel of the G-buffer shown as its
//! stored value. Reads: the G-buffer, depth, HDR (emissive only: lighting is skipped). Writes:
//! the display target.

use super::DISPLAY_FORMAT;
use super::fullscreen::FullscreenPass;
use super::gbuffer::GBuffer;
use super::{Target, bindings};
use crate::shaders;

/// Which G-buffer channel to show instead of the lit image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
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
    /// Motion vectors: 0.5 + motion * 8 in red (u) and green (v); still pixels are (0.5, 0.5).
    Motion,
    /// Emissive radiance, clamped to [0, 1].
    Emissive,
}

impl DebugView {
    fn mode(self) -> f32 {
        match self {
            DebugView::Albedo => 0.0,
            DebugView::Normal => 1.0,
            DebugView::Roughness => 2.0,
            DebugView::Metallic => 3.0,
            DebugView::Depth => 4.0,
            DebugView::Motion => 5.0,
            DebugView::Emissive => 6.0,
        }
    }
}

/// Motion debug scale: a motion of 1/16 of the image shows at full intensity.
const MOTION_SCALE: f32 = 8.0;

/// The debug view pass.
pub struct DebugViewPass(FullscreenPass);

impl DebugViewPass {
    /// Load the shader and create the pipeline.
    pub fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let inputs = [
            bindings::uniform(1, wgpu::ShaderStages::FRAGMENT),
            bindings::texture(2, false),
            bindings::texture(3, false),
            bindings::texture(4, false),
            bindings::texture(5, false),
            bindings::depth_texture(6),
        ];
        Ok(Self(FullscreenPass::new(
            device,
            "debug_view",
            &inputs,
            16,
            (DISPLAY_FORMAT, None),
            &[],
        )?))
    }

    /// Bind the camera and G-buffer (after creation and every resize).
    pub fn bind(&mut self, device: &wgpu::Device, camera: &wgpu::Buffer, gbuffer: &GBuffer) {
        self.0.bind(
            device,
            &[
                camera.as_entire_binding(),
                wgpu::BindingResource::TextureView(&gbuffer.base_color_ao.view),
                wgpu::BindingResource::TextureView(&gbuffer.normal_roughness_metallic.view),
                wgpu::BindingResource::TextureView(&gbuffer.motion.view),
                wgpu::BindingResource::TextureView(&gbuffer.hdr.view),
                wgpu::BindingResource::TextureView(&gbuffer.depth.view),
            ],
        );
    }

    /// Show `view` in `output`; `depth_range` is the (near, far) view distance for the depth view.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        queue: &wgpu::Queue,
        view: DebugView,
        depth_range: (f32, f32),
        output: &Target,
    ) {
        let params = [view.mode(), depth_range.0, depth_range.1, MOTION_SCALE];
        self.0.write_uniforms(queue, bytemuck::bytes_of(&params));
        self.0.draw(encoder, &output.view, Some(wgpu::Color::BLACK), &[]);
    }
}

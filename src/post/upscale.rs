//! Spatial upscale (`shaders/upscale.wgsl`): when the render scale is below 1 and TAA is off,
//! the HDR image is brought to display size with a 12-tap Catmull-Rom filter (Mitchell &
//! Netravali 1988; the 4x4 window less its corners) in a compressed space `c / (1 + max(r, g, b))` (Karis 2014), clamped to the
//! nearest 2x2 input texels so HDR edges do not ring. With TAA on, TAA upsamples temporally
//! instead and this pass does not run.
//!
//! Reads: the HDR image at render size. Writes: an HDR image of the same format at display
//! size (the chain's transient pool provides it). The compute variant
//! ([`UpscalePass::dispatch`], [`super::variant`]) writes a storage texture, Rgba16Float only.

use super::display_pass::{DisplayPass, DisplayTarget};
use crate::Error;
use crate::render::bindings;

/// The one HDR format the compute variant writes (`rgba16float` storage in the shader); with
/// another HDR format the chain runs the fragment variant.
pub const COMPUTE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The upscale pass: its fragment pipeline and its compute variant.
pub struct UpscalePass {
    pass: DisplayPass,
}

impl UpscalePass {
    /// The pass's label and timing scope.
    pub const NAME: &'static str = "upscale";

    /// Load the shader and build the pipeline writing `hdr_format`.
    pub fn new(device: &wgpu::Device, hdr_format: wgpu::TextureFormat) -> Result<Self, Error> {
        let inputs = [bindings::texture(1, false)];
        let pass = DisplayPass::new(device, Self::NAME, &inputs, 16, hdr_format, COMPUTE_FORMAT)?;
        Ok(Self { pass })
    }

    /// Record the upscale of `input` (an HDR view of `input_size`) into `output` (a view of
    /// the same format, any size). A zero `input_size` records nothing.
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        input_size: (u32, u32),
        output: &wgpu::TextureView,
    ) {
        let target = DisplayTarget::Attachment(output, wgpu::Color::TRANSPARENT);
        self.record(device, queue, encoder, input, input_size, target);
    }

    /// The compute variant of [`UpscalePass::draw`]: `output` is a storage view of a
    /// [`COMPUTE_FORMAT`] texture of `output_size` (see [`super::variant`]).
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        input_size: (u32, u32),
        output: &wgpu::TextureView,
        output_size: (u32, u32),
    ) {
        let target = DisplayTarget::Storage(output, output_size);
        self.record(device, queue, encoder, input, input_size, target);
    }

    /// Record either variant into `target`; nothing for a zero input size.
    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        input_size: (u32, u32),
        target: DisplayTarget<'_>,
    ) {
        if input_size.0 == 0 || input_size.1 == 0 {
            return;
        }
        let (w, h) = (input_size.0 as f32, input_size.1 as f32);
        let uniforms = [w, h, 1.0 / w, 1.0 / h];
        let inputs = [wgpu::BindingResource::TextureView(input)];
        self.pass.record(device, queue, encoder, bytemuck::bytes_of(&uniforms), &inputs, target);
    }
}

impl UpscalePass {
    /// The uniforms, for memory reports.
    pub fn memory(&self) -> Vec<crate::bench::memory::MemoryEntry> {
        vec![self.pass.memory()]
    }
}

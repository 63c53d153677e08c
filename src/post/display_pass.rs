//! The shared shape of the single-input full-screen passes with a compute variant (FXAA,
//! sharpen, upscale): write a small uniform block, bind the inputs at group 0, then either draw
//! the full-screen triangle into a colour attachment or dispatch the pass's `cs_main` in 8x8
//! workgroups into a storage texture (see [`super::variant`]). One call records either way, so
//! the two variants of a pass cannot bind or size differently.
//!
//! Reads and writes what its pass gives it: the inputs bound at bindings 1.. of group 0, the
//! target (an attachment, or a storage view at group 1).

use super::variant::LazyKernel;
use crate::draw::fullscreen::FullscreenPass;

/// A [`FullscreenPass`] (the fragment variant) and the [`LazyKernel`] (the compute variant)
/// over the same bind group 0, from one shader with `fs_main` and `cs_main`.
pub(crate) struct DisplayPass {
    pass: FullscreenPass,
    compute: LazyKernel,
}

/// Where a [`DisplayPass`] records to.
pub(crate) enum DisplayTarget<'a> {
    /// Draw into this colour attachment, cleared to the colour first.
    Attachment(&'a wgpu::TextureView, wgpu::Color),
    /// Dispatch over this many pixels into this storage view (the compute variant).
    Storage(&'a wgpu::TextureView, (u32, u32)),
}

impl DisplayPass {
    /// `shaders/<name>.wgsl`'s fragment pipeline writing `format` (uniforms of `uniform_size`
    /// bytes at binding 0, `inputs` at bindings 1..) and its compute variant storing
    /// `compute_format`, built on first use.
    pub(crate) fn new(
        device: &wgpu::Device,
        name: &'static str,
        inputs: &[wgpu::BindGroupLayoutEntry],
        uniform_size: u64,
        format: wgpu::TextureFormat,
        compute_format: wgpu::TextureFormat,
    ) -> Result<Self, crate::shaders::ShaderError> {
        let entries = ("fs_main", "cs_main");
        Self::with_entries(device, name, entries, inputs, uniform_size, format, compute_format)
    }

    /// As [`DisplayPass::new`] with the entry points `(fragment, compute)`: a shader holding
    /// one specialised kernel pair per setting, so no branch reads a uniform.
    pub(crate) fn with_entries(
        device: &wgpu::Device,
        name: &'static str,
        (fragment, compute): (&'static str, &'static str),
        inputs: &[wgpu::BindGroupLayoutEntry],
        uniform_size: u64,
        format: wgpu::TextureFormat,
        compute_format: wgpu::TextureFormat,
    ) -> Result<Self, crate::shaders::ShaderError> {
        let target = (format, None);
        let pass =
            FullscreenPass::with_entry(device, name, fragment, inputs, uniform_size, target, &[])?;
        let module = crate::shaders::create_module(device, name)?;
        let compute = LazyKernel::with_entry(name, module, compute, &[compute_format]);
        Ok(Self { pass, compute })
    }

    /// Write `uniforms`, bind `inputs` (bindings 1..) and record into `target`.
    pub(crate) fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        uniforms: &[u8],
        inputs: &[wgpu::BindingResource],
        target: DisplayTarget<'_>,
    ) {
        self.pass.write_uniforms(queue, uniforms);
        self.pass.bind(device, inputs);
        match target {
            DisplayTarget::Attachment(view, clear) => {
                self.pass.draw(encoder, view, Some(clear), &[])
            }
            DisplayTarget::Storage(view, size) => {
                let (layout, group) = (self.pass.layout(), self.pass.bind_group());
                self.compute.dispatch(device, encoder, layout, group, &[view], size);
            }
        }
    }

    /// Build the compute variant now if it is not built (ahead of its first dispatch).
    pub(crate) fn build_compute(&mut self, device: &wgpu::Device) {
        self.compute.build(device, self.pass.layout());
    }

    /// The uniforms, for memory reports.
    pub(crate) fn memory(&self) -> crate::gpu::memory::MemoryEntry {
        self.pass.memory()
    }
}

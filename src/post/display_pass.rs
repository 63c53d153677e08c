//! The shared shape of the single-input full-screen passes with a compute variant (FXAA,
//! sharpen, upscale): write a small uniform block, bind the inputs at group 0, then either draw
//! the full-screen triangle into a colour attachment or dispatch the pass's `cs_main` in 8x8
//! workgroups into a storage texture (see [`super::variant`]). One call records either way, so
//! the two variants of a pass cannot bind or size differently.
//!
//! [`SpecialisedDisplayPass`] does the same with one pipeline per key (FXAA's steps, sharpen's
//! mode, the finish's features): WGSL `override` constants ([`crate::draw::specialise`]) in
//! place of branches on uniforms, built on first use or, for the keys a budget-governor step
//! can reach, once the frame before is submitted (so the step's frame finds them built).
//!
//! Reads and writes what its pass gives it: the inputs bound at bindings 1.. of group 0, the
//! target (an attachment, or a storage view at group 1).

use super::variant::{ComputeKernel, LazyKernel};
use crate::draw::fullscreen::FullscreenPass;
use crate::draw::specialise::{BuildAhead, Constants, Specialised};

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
    /// `shaders/<name>.wgsl`'s fragment pipeline of the entry point `fragment` writing `format`
    /// (uniforms of `uniform_size` bytes at binding 0, `inputs` at bindings 1..) and its
    /// compute variant `compute` storing `compute_format`, built on first use: a shader holding
    /// one kernel pair per setting, so no branch reads a uniform (the upscale's filters).
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

/// A [`DisplayPass`] whose pipelines are specialised by a key `K` (a tier, a struct of on/off
/// features): one WGSL source whose settings-driven branches and loop bounds are `override`
/// constants ([`crate::draw::specialise`]), a fragment pipeline and a compute kernel per key,
/// each built on first use or ahead: the pass names the keys a budget-governor step from its
/// frame's settings can reach ([`SpecialisedDisplayPass::ahead`]) and
/// [`SpecialisedDisplayPass::frame_submitted`] builds them once the frame is submitted, while
/// the GPU works on it, so the frame after a step records with a built pipeline.
pub(crate) struct SpecialisedDisplayPass<K> {
    source: Source<K>,
    device: wgpu::Device,
    fragment: Specialised<K, wgpu::RenderPipeline>,
    compute: Specialised<K, ComputeKernel>,
    /// Which variants have run (fragment, compute): only those are built ahead.
    used: (bool, bool),
    /// The keys to build once the frame is submitted.
    ahead: Vec<K>,
    /// Whether this frame may build ahead: not in a frame whose key just changed (a
    /// budget-governor step draws with what was built and compiles nothing).
    gate: BuildAhead<K>,
    /// The key this frame recorded with.
    current: Option<K>,
}

/// What a [`SpecialisedDisplayPass`] builds its pipelines from.
struct Source<K> {
    /// The uniforms, the input layout and the bind group (its own pipeline is never bound).
    pass: FullscreenPass,
    module: wgpu::ShaderModule,
    name: &'static str,
    /// The (fragment, compute) entry points.
    entries: (&'static str, &'static str),
    /// The fragment target's format and the format the compute kernel stores.
    formats: (wgpu::TextureFormat, wgpu::TextureFormat),
    /// The `override` constants of a key (the flag: for the compute kernel).
    constants: fn(K, bool) -> Constants,
    /// The fragment target's format for a key, from `formats.0` (the same unless
    /// [`SpecialisedDisplayPass::with_fragment_format`] says otherwise).
    fragment_format: fn(K, wgpu::TextureFormat) -> wgpu::TextureFormat,
}

impl<K: Copy> Source<K> {
    fn fragment(&self, device: &wgpu::Device, key: K) -> wgpu::RenderPipeline {
        crate::draw::fullscreen::specialised_pipeline(
            device,
            self.name,
            &self.module,
            self.entries.0,
            &[self.pass.layout()],
            ((self.fragment_format)(key, self.formats.0), None),
            &(self.constants)(key, false),
        )
    }

    fn compute(&self, device: &wgpu::Device, key: K) -> ComputeKernel {
        ComputeKernel::specialised(
            device,
            self.name,
            &self.module,
            self.entries.1,
            self.pass.layout(),
            &[self.formats.1],
            &(self.constants)(key, true),
        )
    }
}

impl<K: Copy + Eq + std::hash::Hash> SpecialisedDisplayPass<K> {
    /// As [`DisplayPass::with_entries`] with `formats` (fragment target, compute storage), the
    /// pipelines specialised per key by `constants` (its flag: for the compute kernel).
    pub(crate) fn new(
        device: &wgpu::Device,
        name: &'static str,
        entries: (&'static str, &'static str),
        (inputs, uniform_size): (&[wgpu::BindGroupLayoutEntry], u64),
        formats: (wgpu::TextureFormat, wgpu::TextureFormat),
        constants: fn(K, bool) -> Constants,
    ) -> Result<Self, crate::shaders::ShaderError> {
        let target = (formats.0, None);
        let pass =
            FullscreenPass::with_entry(device, name, entries.0, inputs, uniform_size, target, &[])?;
        let module = crate::shaders::create_module(device, name)?;
        Ok(Self {
            source: Source {
                pass,
                module,
                name,
                entries,
                formats,
                constants,
                fragment_format: |_, format| format,
            },
            device: device.clone(),
            fragment: Specialised::new(),
            compute: Specialised::new(),
            used: (false, false),
            ahead: Vec::new(),
            gate: BuildAhead::default(),
            current: None,
        })
    }

    /// The pass with a fragment target format chosen per key from the one it was made with
    /// (the finish writing sRGB-encoded bytes through an `Rgba8Unorm` view).
    pub(crate) fn with_fragment_format(
        mut self,
        fragment_format: fn(K, wgpu::TextureFormat) -> wgpu::TextureFormat,
    ) -> Self {
        self.source.fragment_format = fragment_format;
        self
    }

    /// The keys to build after this frame is submitted: those a budget-governor step from
    /// the frame's settings can ask for. Dropped in a frame whose key differs from the last
    /// frame's (a step): the frame after it builds them ([`BuildAhead`]).
    pub(crate) fn ahead(&mut self, keys: Vec<K>) {
        let settled = self.current.take().is_none_or(|key| self.gate.may_build(key));
        self.ahead = if settled { keys } else { Vec::new() };
    }

    /// The frame was submitted: build the keys named by [`SpecialisedDisplayPass::ahead`]
    /// not built yet, for each variant that has run.
    pub(crate) fn frame_submitted(&mut self) {
        let (source, device, keys) = (&self.source, &self.device, std::mem::take(&mut self.ahead));
        if self.used.0 {
            self.fragment.prepare(keys.iter().copied(), |key| source.fragment(device, key));
        }
        if self.used.1 {
            self.compute.prepare(keys.iter().copied(), |key| source.compute(device, key));
        }
    }

    /// How many pipelines are built (fragment and compute), for tests of building ahead.
    pub(crate) fn built(&self) -> usize {
        self.fragment.len() + self.compute.len()
    }

    /// Write `uniforms`, bind `inputs` (bindings 1..) and record the pipeline of `key` into
    /// `target` (built now if it was not built ahead).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        key: K,
        uniforms: &[u8],
        inputs: &[wgpu::BindingResource],
        target: DisplayTarget<'_>,
    ) {
        self.current = Some(key);
        self.source.pass.write_uniforms(queue, uniforms);
        self.source.pass.bind(device, inputs);
        let source = &self.source;
        let Some(group) = source.pass.bind_group() else { return };
        match target {
            DisplayTarget::Attachment(view, clear) => {
                self.used.0 = true;
                let pipeline = self.fragment.get(key, |key| source.fragment(device, key));
                let groups = [group];
                crate::draw::fullscreen::draw(
                    encoder,
                    source.name,
                    pipeline,
                    &groups,
                    view,
                    Some(clear),
                );
            }
            DisplayTarget::Storage(view, size) => {
                self.used.1 = true;
                let kernel = self.compute.get(key, |key| source.compute(device, key));
                kernel.dispatch(device, encoder, group, &[view], size);
            }
        }
    }

    /// The uniforms, for memory reports.
    pub(crate) fn memory(&self) -> crate::gpu::memory::MemoryEntry {
        self.source.pass.memory()
    }
}

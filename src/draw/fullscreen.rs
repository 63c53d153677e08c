//! Full-screen passes: one triangle from `shaders/include/fullscreen.wgsl`, one bind group.

/// A pipeline drawing the full-screen triangle with `module`'s `fs_main` into `format`.
pub(crate) fn pipeline(
    device: &wgpu::Device,
    label: &str,
    module: &wgpu::ShaderModule,
    layouts: &[&wgpu::BindGroupLayout],
    format: wgpu::TextureFormat,
    blend: Option<wgpu::BlendState>,
) -> wgpu::RenderPipeline {
    pipeline_with_entry(device, label, module, "fs_main", layouts, format, blend)
}

/// As [`pipeline`] with the fragment entry point `entry` (a module holding several kernels).
pub(crate) fn pipeline_with_entry(
    device: &wgpu::Device,
    label: &str,
    module: &wgpu::ShaderModule,
    entry: &str,
    layouts: &[&wgpu::BindGroupLayout],
    format: wgpu::TextureFormat,
    blend: Option<wgpu::BlendState>,
) -> wgpu::RenderPipeline {
    specialised_pipeline(device, label, module, entry, layouts, (format, blend), &[])
}

/// As [`pipeline_with_entry`] with the WGSL `override` constants `constants` set (see
/// [`super::specialise`]).
pub(crate) fn specialised_pipeline(
    device: &wgpu::Device,
    label: &str,
    module: &wgpu::ShaderModule,
    entry: &str,
    layouts: &[&wgpu::BindGroupLayout],
    (format, blend): (wgpu::TextureFormat, Option<wgpu::BlendState>),
    constants: &[(&'static str, f64)],
) -> wgpu::RenderPipeline {
    let target = wgpu::ColorTargetState { format, blend, write_mask: wgpu::ColorWrites::ALL };
    build(device, label, module, entry, layouts, &[Some(target)], constants)
}

/// A full-screen pipeline writing one target per format in `formats` (locations 0..), no
/// blending: for kernels that also write their next history.
pub(crate) fn multi_target_pipeline(
    device: &wgpu::Device,
    label: &str,
    module: &wgpu::ShaderModule,
    entry: &str,
    layouts: &[&wgpu::BindGroupLayout],
    formats: &[wgpu::TextureFormat],
) -> wgpu::RenderPipeline {
    specialised_multi_target_pipeline(device, label, module, entry, layouts, formats, &[])
}

/// As [`multi_target_pipeline`] with the WGSL `override` constants `constants` set.
pub(crate) fn specialised_multi_target_pipeline(
    device: &wgpu::Device,
    label: &str,
    module: &wgpu::ShaderModule,
    entry: &str,
    layouts: &[&wgpu::BindGroupLayout],
    formats: &[wgpu::TextureFormat],
    constants: &[(&'static str, f64)],
) -> wgpu::RenderPipeline {
    let targets: Vec<_> = formats.iter().map(|&format| Some(format.into())).collect();
    build(device, label, module, entry, layouts, &targets, constants)
}

fn build(
    device: &wgpu::Device,
    label: &str,
    module: &wgpu::ShaderModule,
    entry: &str,
    layouts: &[&wgpu::BindGroupLayout],
    targets: &[Option<wgpu::ColorTargetState>],
    constants: &[(&'static str, f64)],
) -> wgpu::RenderPipeline {
    let layouts: Vec<Option<&wgpu::BindGroupLayout>> = layouts.iter().copied().map(Some).collect();
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &layouts,
        immediate_size: 0,
    });
    build_with_layout(device, (label, module, entry), &pipeline_layout, targets, constants)
}

/// A full-screen pipeline over `pipeline_layout` (one whose bind groups may leave holes, such
/// as the shadow mask's: group 1 unused, group 2 the shadow map's).
pub(crate) fn build_with_layout(
    device: &wgpu::Device,
    (label, module, entry): (&str, &wgpu::ShaderModule, &str),
    pipeline_layout: &wgpu::PipelineLayout,
    targets: &[Option<wgpu::ColorTargetState>],
    constants: &[(&'static str, f64)],
) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: Some(pipeline_layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some("vs_fullscreen"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: Default::default(),
        depth_stencil: None,
        multisample: Default::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(entry),
            compilation_options: super::specialise::options(constants),
            targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// Record one full-screen draw into `target` with `bind_groups` at groups 0..; `clear`
/// replaces the target's contents first, else the draw loads (and, with a blend state, adds
/// to) what is there.
pub(crate) fn draw(
    encoder: &mut wgpu::CommandEncoder,
    label: &str,
    pipeline: &wgpu::RenderPipeline,
    bind_groups: &[&wgpu::BindGroup],
    target: &wgpu::TextureView,
    clear: Option<wgpu::Color>,
) {
    draw_into(encoder, label, pipeline, bind_groups, colour_attachment(target, clear));
}

/// [`draw`] of a pipeline that writes every pixel of `target` (no blending, no `discard`):
/// what was there is neither cleared nor loaded first ([`overwritten_attachment`]).
pub(crate) fn overwrite(
    encoder: &mut wgpu::CommandEncoder,
    label: &str,
    pipeline: &wgpu::RenderPipeline,
    bind_groups: &[&wgpu::BindGroup],
    target: &wgpu::TextureView,
) {
    draw_into(encoder, label, pipeline, bind_groups, overwritten_attachment(target));
}

fn draw_into(
    encoder: &mut wgpu::CommandEncoder,
    label: &str,
    pipeline: &wgpu::RenderPipeline,
    bind_groups: &[&wgpu::BindGroup],
    attachment: wgpu::RenderPassColorAttachment<'_>,
) {
    let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &[Some(attachment)],
        ..Default::default()
    });
    pass.set_pipeline(pipeline);
    for (index, group) in bind_groups.iter().enumerate() {
        pass.set_bind_group(index as u32, *group, &[]);
    }
    pass.draw(0..3, 0..1);
}

/// A stored colour attachment of `view` that starts cleared to `clear`, or keeps its contents
/// with `None`.
pub(crate) fn colour_attachment(
    view: &wgpu::TextureView,
    clear: Option<wgpu::Color>,
) -> wgpu::RenderPassColorAttachment<'_> {
    wgpu::RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: None,
        ops: wgpu::Operations {
            load: clear.map_or(wgpu::LoadOp::Load, wgpu::LoadOp::Clear),
            store: wgpu::StoreOp::Store,
        },
    }
}

/// A stored colour attachment of `view` whose contents before the pass are not kept: for a
/// full-screen draw that writes every pixel of `view` (no blending, no `discard`, the whole
/// target), which then neither clears it first nor, on a tile-based GPU, loads it into tile
/// memory. Cleared instead where a strict WebGPU instance forbids that
/// ([`crate::gpu::dont_care_loads_allowed`]).
pub(crate) fn overwritten_attachment(
    view: &wgpu::TextureView,
) -> wgpu::RenderPassColorAttachment<'_> {
    let load = if crate::gpu::dont_care_loads_allowed() {
        // SAFETY: `LoadOp::DontCare` leaves the target undefined until written; the callers'
        // draws write every pixel before anything reads or stores it (this function's contract).
        wgpu::LoadOp::DontCare(unsafe { wgpu::LoadOpDontCare::enabled() })
    } else {
        wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT)
    };
    wgpu::RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: None,
        ops: wgpu::Operations { load, store: wgpu::StoreOp::Store },
    }
}

/// A full-screen pass: `shaders/<name>.wgsl`, its own uniform block at binding 0, inputs at
/// bindings 1.., a bind group rebuilt whenever the inputs are reallocated, and optionally
/// further bind groups (1, 2, ...) owned by others (environment, shadow map).
pub(crate) struct FullscreenPass {
    name: &'static str,
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::RenderPipeline,
    uniforms: wgpu::Buffer,
    bind_group: Option<wgpu::BindGroup>,
}

impl FullscreenPass {
    /// Load `shaders/<name>.wgsl` and build a pipeline writing `format`. `inputs` are the layout
    /// entries for bindings 1.. (binding 0 is the `uniform_size`-byte uniform block); `groups`
    /// are the layouts of bind groups 1.. passed to [`FullscreenPass::draw`].
    pub(crate) fn new(
        device: &wgpu::Device,
        name: &'static str,
        inputs: &[wgpu::BindGroupLayoutEntry],
        uniform_size: u64,
        target: (wgpu::TextureFormat, Option<wgpu::BlendState>),
        groups: &[&wgpu::BindGroupLayout],
    ) -> Result<Self, crate::shaders::ShaderError> {
        Self::with_entry(device, name, "fs_main", inputs, uniform_size, target, groups)
    }

    /// As [`FullscreenPass::new`] with the fragment entry point `entry` (a shader holding one
    /// specialised kernel per setting).
    pub(crate) fn with_entry(
        device: &wgpu::Device,
        name: &'static str,
        entry: &str,
        inputs: &[wgpu::BindGroupLayoutEntry],
        uniform_size: u64,
        target: (wgpu::TextureFormat, Option<wgpu::BlendState>),
        groups: &[&wgpu::BindGroupLayout],
    ) -> Result<Self, crate::shaders::ShaderError> {
        let module = crate::shaders::create_module(device, name)?;
        let (layout, uniforms) = group_zero(device, name, inputs, uniform_size);
        let mut layouts = vec![&layout];
        layouts.extend_from_slice(groups);
        Ok(Self {
            pipeline: pipeline_with_entry(
                device, name, &module, entry, &layouts, target.0, target.1,
            ),
            uniforms,
            layout,
            name,
            bind_group: None,
        })
    }

    /// Bind the inputs, in binding order from 1 (after creation and every resize).
    pub(crate) fn bind(&mut self, device: &wgpu::Device, inputs: &[wgpu::BindingResource]) {
        self.bind_group =
            Some(bind_group_zero(device, self.name, &self.layout, &self.uniforms, inputs));
    }

    /// The layout of bind group 0 (uniforms and inputs), for the pass's compute variant.
    pub(crate) fn layout(&self) -> &wgpu::BindGroupLayout {
        &self.layout
    }

    /// Bind group 0 as last bound by [`FullscreenPass::bind`], for the compute variant.
    pub(crate) fn bind_group(&self) -> Option<&wgpu::BindGroup> {
        self.bind_group.as_ref()
    }

    /// Replace the uniform block's contents.
    pub(crate) fn write_uniforms(&self, queue: &wgpu::Queue, bytes: &[u8]) {
        queue.write_buffer(&self.uniforms, 0, bytes);
    }

    /// Draw into `target` (see [`draw`]) with `groups` bound at 1..; nothing happens before
    /// the first `bind`.
    pub(crate) fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        clear: Option<wgpu::Color>,
        groups: &[&wgpu::BindGroup],
    ) {
        self.record(encoder, colour_attachment(target, clear), groups);
    }

    /// [`FullscreenPass::draw`] for a shader that writes every pixel of `target` (no blending,
    /// no `discard`): `target` is neither cleared nor loaded first ([`overwrite`]).
    pub(crate) fn overwrite(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        groups: &[&wgpu::BindGroup],
    ) {
        self.record(encoder, overwritten_attachment(target), groups);
    }

    /// The draw into `attachment` with the pass's bind group and `groups` (none before the
    /// first `bind`).
    fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        attachment: wgpu::RenderPassColorAttachment<'_>,
        groups: &[&wgpu::BindGroup],
    ) {
        if let Some(bind_group) = &self.bind_group {
            let mut all = vec![bind_group];
            all.extend_from_slice(groups);
            draw_into(encoder, self.name, &self.pipeline, &all, attachment);
        }
    }
}

impl FullscreenPass {
    /// The pass's uniform buffer, for memory reports.
    pub(crate) fn memory(&self) -> crate::gpu::memory::MemoryEntry {
        crate::gpu::memory::MemoryEntry::buffer(&format!("{}.uniforms", self.name), &self.uniforms)
    }
}

/// Group 0 of a full-screen pass: its layout (the `uniform_size`-byte uniform block at binding 0,
/// `inputs` at 1..; visible to the compute variant too) and the uniform buffer, zeroed.
fn group_zero(
    device: &wgpu::Device,
    name: &'static str,
    inputs: &[wgpu::BindGroupLayoutEntry],
    uniform_size: u64,
) -> (wgpu::BindGroupLayout, wgpu::Buffer) {
    let mut entries = vec![super::bindings::uniform(0, wgpu::ShaderStages::FRAGMENT)];
    entries.extend_from_slice(inputs);
    // The pass's compute variant (src/post/variant.rs) binds the same group 0.
    for entry in &mut entries {
        entry.visibility |= wgpu::ShaderStages::COMPUTE;
    }
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(name),
        entries: &entries,
    });
    let zeros = vec![0u8; uniform_size as usize];
    (layout, super::bindings::uniform_buffer(device, name, &zeros))
}

/// Group 0's bind group: `uniforms` at binding 0, `inputs` at 1...
fn bind_group_zero(
    device: &wgpu::Device,
    name: &'static str,
    layout: &wgpu::BindGroupLayout,
    uniforms: &wgpu::Buffer,
    inputs: &[wgpu::BindingResource],
) -> wgpu::BindGroup {
    let mut resources = vec![uniforms.as_entire_binding()];
    resources.extend_from_slice(inputs);
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(name),
        layout,
        entries: &super::bindings::entries(&resources),
    })
}

/// A full-screen pass like [`FullscreenPass`] (its uniform block and inputs in group 0, further
/// groups owned by others) whose pipeline is specialised: one per key `K`, the key's WGSL
/// `override` constants given by `constants` (see [`super::specialise`]). Keys are built ahead
/// with [`SpecialisedPass::prepare`] (a setting's neighbours, so a change never compiles during
/// a frame), or on first use by [`SpecialisedPass::draw`].
pub(crate) struct SpecialisedPass<K> {
    name: &'static str,
    module: wgpu::ShaderModule,
    entry: &'static str,
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    target: (wgpu::TextureFormat, Option<wgpu::BlendState>),
    constants: fn(K) -> super::specialise::Constants,
    pipelines: super::specialise::Specialised<K, wgpu::RenderPipeline>,
    uniforms: wgpu::Buffer,
    bind_group: Option<wgpu::BindGroup>,
}

impl<K: Copy + Eq + std::hash::Hash + std::fmt::Debug> SpecialisedPass<K> {
    /// Load `shaders/<name>.wgsl` (fragment entry point `entry`); `inputs`, `uniform_size`,
    /// `target` and `groups` as [`FullscreenPass::new`] takes them. No pipeline is built yet.
    pub(crate) fn new(
        device: &wgpu::Device,
        (name, entry): (&'static str, &'static str),
        (inputs, uniform_size): (&[wgpu::BindGroupLayoutEntry], u64),
        target: (wgpu::TextureFormat, Option<wgpu::BlendState>),
        groups: &[&wgpu::BindGroupLayout],
        constants: fn(K) -> super::specialise::Constants,
    ) -> Result<Self, crate::shaders::ShaderError> {
        let module = crate::shaders::create_module(device, name)?;
        let (layout, uniforms) = group_zero(device, name, inputs, uniform_size);
        let mut layouts = vec![Some(&layout)];
        layouts.extend(groups.iter().copied().map(Some));
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(name),
            bind_group_layouts: &layouts,
            immediate_size: 0,
        });
        Ok(Self {
            name,
            module,
            entry,
            layout,
            pipeline_layout,
            target,
            constants,
            pipelines: super::specialise::Specialised::new(),
            uniforms,
            bind_group: None,
        })
    }

    fn build(&self, device: &wgpu::Device, key: K) -> wgpu::RenderPipeline {
        log::debug!("{}: building the pipeline for {key:?}", self.name);
        let (format, blend) = self.target;
        let target = wgpu::ColorTargetState { format, blend, write_mask: wgpu::ColorWrites::ALL };
        let constants = (self.constants)(key);
        build_with_layout(
            device,
            (self.name, &self.module, self.entry),
            &self.pipeline_layout,
            &[Some(target)],
            &constants,
        )
    }

    /// Build the pipelines of `keys` not built yet.
    pub(crate) fn prepare(&mut self, device: &wgpu::Device, keys: impl IntoIterator<Item = K>) {
        let mut pipelines = std::mem::take(&mut self.pipelines);
        pipelines.prepare(keys, |key| self.build(device, key));
        self.pipelines = pipelines;
    }

    /// How many pipelines are built.
    pub(crate) fn built(&self) -> usize {
        self.pipelines.len()
    }

    /// Bind the inputs, in binding order from 1 (after creation and every resize).
    pub(crate) fn bind(&mut self, device: &wgpu::Device, inputs: &[wgpu::BindingResource]) {
        self.bind_group =
            Some(bind_group_zero(device, self.name, &self.layout, &self.uniforms, inputs));
    }

    /// Replace the uniform block's contents.
    pub(crate) fn write_uniforms(&self, queue: &wgpu::Queue, bytes: &[u8]) {
        queue.write_buffer(&self.uniforms, 0, bytes);
    }

    /// Draw `key`'s pipeline into `target` (see [`draw`]) with `groups` bound at 1.., building
    /// it first if no [`SpecialisedPass::prepare`] did; nothing happens before the first `bind`.
    pub(crate) fn draw(
        &mut self,
        (device, key): (&wgpu::Device, K),
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        clear: Option<wgpu::Color>,
        groups: &[&wgpu::BindGroup],
    ) {
        self.prepare(device, [key]);
        let (Some(bind_group), Some(pipeline)) = (&self.bind_group, self.pipelines.built(key))
        else {
            return;
        };
        let mut all = vec![bind_group];
        all.extend_from_slice(groups);
        draw(encoder, self.name, pipeline, &all, target, clear);
    }

    /// The pass's uniform buffer, for memory reports.
    pub(crate) fn memory(&self) -> crate::gpu::memory::MemoryEntry {
        crate::gpu::memory::MemoryEntry::buffer(&format!("{}.uniforms", self.name), &self.uniforms)
    }
}

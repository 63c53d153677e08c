//! The viewer's present pass (`shaders/viewer/viewer_blit.wgsl`): draws the renderer's finished
//! image into the window's 3D viewport, or two images split by a divider for A/B compare.
//! Reads: one or two 8-bit sRGB display textures of the viewport's size. Writes: the surface
//! texture inside the viewport rectangle. Built from a [`ShaderSource`] so a hot reload can
//! build it from a new text and keep the old pass when that fails.

use crate::shaders::{self, ShaderError, ShaderSource};

/// The shader's name under `shaders/`.
pub const SHADER: &str = "viewer_blit";

/// Where and how to draw: the viewport in surface pixels and the compare divider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlitRegion {
    /// Top-left corner of the viewport in surface pixels.
    pub origin: (u32, u32),
    /// Viewport size in pixels (the images' size).
    pub size: (u32, u32),
    /// Pixel column of the divider within the viewport: image A left of it, B right.
    /// `None` draws image A only.
    pub divider: Option<f32>,
}

/// The present pipeline and its bind group layout.
pub struct BlitPass {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    uniforms: wgpu::Buffer,
}

impl BlitPass {
    /// Validate `source` (naga, then the device) and build the pipeline for surfaces of
    /// `format`. Any error leaves nothing half-built: the caller keeps its previous pass.
    pub fn new(
        device: &wgpu::Device,
        format: wgpu::TextureFormat,
        source: &ShaderSource,
    ) -> Result<Self, ShaderError> {
        let module = shaders::create_module_from_source(device, source)?;
        let texture = |binding| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: false },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("viewer.blit"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                texture(1),
                texture(2),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("viewer.blit"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("viewer.blit"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(format.into())],
            }),
            primitive: Default::default(),
            depth_stencil: None,
            multisample: Default::default(),
            multiview_mask: None,
            cache: None,
        });
        if let Some(error) = pollster::block_on(scope.pop()) {
            return Err(ShaderError::Device {
                name: source.name.clone(),
                file: format!("{}.wgsl", source.name),
                line: 0,
                column: 0,
                message: error.to_string(),
            });
        }
        let uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("viewer.blit"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(Self { pipeline, layout, uniforms })
    }

    /// Record the draw of `a` (and `b` right of the divider) into `target`'s viewport.
    pub fn draw(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        (a, b): (&wgpu::TextureView, Option<&wgpu::TextureView>),
        region: &BlitRegion,
    ) {
        let (divider, line) = match (region.divider, b) {
            (Some(x), Some(_)) => (x, 1.5),
            _ => (f32::MAX, 0.0),
        };
        let params = [divider, line, region.origin.0 as f32, region.origin.1 as f32];
        queue.write_buffer(&self.uniforms, 0, bytemuck::cast_slice(&params));
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("viewer.blit"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: self.uniforms.as_entire_binding() },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(a),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(b.unwrap_or(a)),
                },
            ],
        });
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("viewer.blit"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color { r: 0.02, g: 0.02, b: 0.025, a: 1.0 }),
                    store: wgpu::StoreOp::Store,
                },
            })],
            ..Default::default()
        });
        let (x, y) = region.origin;
        let (w, h) = region.size;
        pass.set_viewport(x as f32, y as f32, w as f32, h as f32, 0.0, 1.0);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.draw(0..3, 0..1);
    }
}

/// The blit shader's text as the running build finds it ([`shaders::load`]), or from `dir`.
pub fn load_source(dir: Option<&std::path::Path>) -> Result<ShaderSource, ShaderError> {
    match dir {
        Some(dir) => shaders::load_from_dir(dir, SHADER),
        None => shaders::load(SHADER),
    }
}

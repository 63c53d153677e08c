//! The G-buffer: its render targets and the geometry pass that fills them (`shaders/render/gbuffer.wgsl`).
//!
//! Reads: scene meshes, materials, instance transforms (now and last frame), the camera.
//! Writes, per pixel:
//!
//! | target                      | format           | bytes | contents                                   |
//! |-----------------------------|------------------|-------|--------------------------------------------|
//! | depth                       | Depth32Float     | 4     | reverse-Z, infinite far plane, clear 0     |
//! | base_color_ao               | Rgba8UnormSrgb   | 4     | base colour (rgb), material AO (a)         |
//! | normal_roughness_metallic   | Rgba16Float      | 8     | octahedral normal (xy), roughness, metallic|
//! | motion                      | Rg16Float        | 4     | uv now minus uv last frame                 |
//!
//! 20 bytes per pixel ([`GBUFFER_BYTES_PER_PIXEL`]). Emissive radiance goes straight into the
//! HDR target (Rgba16Float, 8 bytes, the lighting output, not counted above). Normals use
//! half floats rather than Rgb10a2 because 10-bit octahedral normals err by up to ~2e-3 per
//! component, above the 1e-3 we promise; f16 keeps the round trip under 1e-3
//! (`render::packing` tests). Unlit materials store roughness -1 so lighting skips them.

use std::collections::HashMap;

use super::scene_gpu::{INSTANCE_LAYOUT, PipelineKey, SceneGpu, VERTEX_LAYOUT};
use crate::draw::fullscreen::colour_attachment;
pub use crate::draw::gbuffer_formats::{
    BASE_COLOR_FORMAT, DEPTH_FORMAT, MOTION_FORMAT, NORMAL_FORMAT,
};
use crate::draw::{Target, bindings};
use crate::shaders;

/// The HDR colour target's format (lighting output; emissive is written by the geometry pass).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HdrFormat {
    /// Rgba16Float, 8 bytes per pixel: alpha carries coverage (transparent backgrounds).
    #[default]
    Rgba16Float,
    /// Rg11b10Ufloat, 4 bytes per pixel, no alpha and no negative values: half the bandwidth,
    /// for mobile tiers. Needs the adapter's `RG11B10UFLOAT_RENDERABLE` feature.
    Rg11b10Ufloat,
}

impl HdrFormat {
    /// The wgpu format.
    pub fn texture_format(self) -> wgpu::TextureFormat {
        match self {
            HdrFormat::Rgba16Float => wgpu::TextureFormat::Rgba16Float,
            HdrFormat::Rg11b10Ufloat => wgpu::TextureFormat::Rg11b10Ufloat,
        }
    }
}
/// Bytes per pixel of the G-buffer proper (depth, base colour, normal, motion).
pub const GBUFFER_BYTES_PER_PIXEL: u32 = 4 + 4 + 8 + 4;

/// The G-buffer targets plus the HDR target they share a pass with.
pub struct GBuffer {
    /// Reverse-Z depth.
    pub depth: Target,
    /// Base colour (sRGB) and material AO.
    pub base_color_ao: Target,
    /// Octahedral normal, roughness, metallic.
    pub normal_roughness_metallic: Target,
    /// Motion vectors in uv units.
    pub motion: Target,
    /// HDR radiance (emissive after the geometry pass, lit colour after lighting).
    pub hdr: Target,
}

impl GBuffer {
    /// Allocate all targets at `width` x `height`.
    pub fn new(device: &wgpu::Device, width: u32, height: u32, hdr: HdrFormat) -> Self {
        let target = |label, format| Target::new(device, label, width, height, format);
        Self {
            depth: target("gbuffer.depth", DEPTH_FORMAT),
            base_color_ao: target("gbuffer.base_color_ao", BASE_COLOR_FORMAT),
            normal_roughness_metallic: target("gbuffer.normal_roughness_metallic", NORMAL_FORMAT),
            motion: target("gbuffer.motion", MOTION_FORMAT),
            hdr: target("hdr", hdr.texture_format()),
        }
    }
}

/// A pipeline drawing the scene's meshes (`vs_main` and `fs_main` of `module`) for the draw
/// variant `key`, depth-tested against the G-buffer's reverse-Z depth (`Greater`), writing it
/// when `depth_write`; `constants` are the fragment stage's WGSL override constants.
pub(crate) fn mesh_pipeline(
    device: &wgpu::Device,
    (label, module, layout): (&str, &wgpu::ShaderModule, &wgpu::PipelineLayout),
    (key, depth_write): (PipelineKey, bool),
    targets: &[Option<wgpu::ColorTargetState>],
    constants: &[(&'static str, f64)],
) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &[Some(VERTEX_LAYOUT), Some(INSTANCE_LAYOUT)],
        },
        primitive: key.primitive_state(),
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH_FORMAT,
            depth_write_enabled: Some(depth_write),
            depth_compare: Some(wgpu::CompareFunction::Greater),
            stencil: Default::default(),
            bias: Default::default(),
        }),
        multisample: Default::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some("fs_main"),
            compilation_options: crate::draw::specialise::options(constants),
            targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// The geometry pass: pipelines for every variant the scene uses.
pub struct GeometryPass {
    hdr_format: wgpu::TextureFormat,
    pub(crate) camera_layout: wgpu::BindGroupLayout,
    pub(crate) material_layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    module: wgpu::ShaderModule,

    pipelines: HashMap<PipelineKey, wgpu::RenderPipeline>,
}

impl GeometryPass {
    /// Load the shader and create the bind group layouts.
    pub fn new(device: &wgpu::Device, hdr: HdrFormat) -> Result<Self, shaders::ShaderError> {
        let module = shaders::create_module(device, "gbuffer")?;
        let camera_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gbuffer.camera"),
            entries: &[bindings::uniform(
                0,
                wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
            )],
        });
        let mut material_entries = vec![bindings::uniform(0, wgpu::ShaderStages::FRAGMENT)];
        material_entries.extend((1..=5).map(|b| bindings::texture(b, true)));
        material_entries.extend((6..=10).map(bindings::sampler));
        let material_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gbuffer.material"),
            entries: &material_entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gbuffer"),
            bind_group_layouts: &[Some(&camera_layout), Some(&material_layout)],
            immediate_size: 0,
        });
        Ok(Self {
            hdr_format: hdr.texture_format(),
            camera_layout,
            material_layout,
            pipeline_layout,
            module,
            pipelines: HashMap::new(),
        })
    }

    /// The HDR target format the pipelines write.
    pub(crate) fn hdr_format(&self) -> wgpu::TextureFormat {
        self.hdr_format
    }

    /// Create the pipeline for `key` if it does not exist yet.
    pub(crate) fn prepare(&mut self, device: &wgpu::Device, key: PipelineKey) {
        if self.pipelines.contains_key(&key) {
            return;
        }
        let constants = [("ALPHA_MASK", if key.masked { 1.0 } else { 0.0 })];
        let target = |format: wgpu::TextureFormat| Some(wgpu::ColorTargetState::from(format));
        let targets = [
            target(BASE_COLOR_FORMAT),
            target(NORMAL_FORMAT),
            target(MOTION_FORMAT),
            target(self.hdr_format),
        ];
        let pipeline = mesh_pipeline(
            device,
            ("gbuffer", &self.module, &self.pipeline_layout),
            (key, true),
            &targets,
            &constants,
        );
        self.pipelines.insert(key, pipeline);
    }

    /// Clear the G-buffer (HDR to transparent black) and draw every instance of the scene.
    pub(crate) fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        gbuffer: &GBuffer,
        scene: &SceneGpu,
        camera: &wgpu::BindGroup,
    ) {
        let clear = |view| Some(colour_attachment(view, Some(wgpu::Color::TRANSPARENT)));
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("gbuffer"),
            color_attachments: &[
                clear(&gbuffer.base_color_ao.view),
                clear(&gbuffer.normal_roughness_metallic.view),
                clear(&gbuffer.motion.view),
                clear(&gbuffer.hdr.view),
            ],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &gbuffer.depth.view,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(0.0),
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            ..Default::default()
        });
        pass.set_bind_group(0, camera, &[]);
        pass.set_vertex_buffer(1, scene.instance_buffer.slice(..));
        for draw in scene.draws().filter(|d| !d.blend) {
            let Some(pipeline) = self.pipelines.get(&draw.key) else { continue };
            pass.set_pipeline(pipeline);
            pass.set_bind_group(1, draw.material, &[]);
            pass.set_vertex_buffer(0, draw.vertices.slice(..));
            pass.set_index_buffer(draw.indices.slice(..), wgpu::IndexFormat::Uint32);
            pass.draw_indexed(0..draw.index_count, 0, draw.instances.clone());
        }
    }
}

impl GBuffer {
    /// Every target, for memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        [
            ("gbuffer.depth", &self.depth),
            ("gbuffer.base_color_ao", &self.base_color_ao),
            ("gbuffer.normal_roughness_metallic", &self.normal_roughness_metallic),
            ("gbuffer.motion", &self.motion),
            ("gbuffer.hdr", &self.hdr),
        ]
        .into_iter()
        .map(|(name, target)| crate::gpu::memory::MemoryEntry::texture(name, &target.texture, true))
        .collect()
    }
}

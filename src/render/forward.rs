//! Forward pass for alpha-blended materials (`shaders/render/forward.wgsl`): glTF BLEND primitives are
//! drawn after deferred lighting, one instance at a time from back to front, depth-tested
//! against the G-buffer depth without writing it, and lit by the same lights, shadow map and
//! environment as opaque surfaces.
//!
//! Reads: camera, lights (group 0), environment (1), shadow map (2), material (3), depth.
//! Writes: HDR with straight alpha blending ("over").
//!
//! **Specialised**: a pipeline per draw variant ([`PipelineKey`]) and per the scene's lights
//! ([`LightKey`]: the light loop's count and the shadow's light as WGSL override constants),
//! built when the scene is uploaded and when the lights are set. No branch in the shader
//! depends on uniforms alone (Mesa 22's lavapipe recompiles those on every bind,
//! `docs/memory-growth.md`): the unlit switch, a material uniform, is a select.

use super::gbuffer::{GBuffer, GeometryPass, mesh_pipeline};
use super::lights::LightKey;
use super::scene_gpu::{Draw, PipelineKey, SceneGpu};
use crate::draw::bindings;
use crate::draw::specialise::Specialised;
use crate::shaders;

/// The forward pass.
pub struct ForwardPass {
    hdr_format: wgpu::TextureFormat,
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    module: wgpu::ShaderModule,
    pipelines: Specialised<(PipelineKey, LightKey), wgpu::RenderPipeline>,
    bind_group: Option<wgpu::BindGroup>,
}

impl ForwardPass {
    /// Load the shader; the environment, shadow and material layouts are bind groups 1-3.
    pub fn new(
        device: &wgpu::Device,
        environment: &wgpu::BindGroupLayout,
        shadow: &wgpu::BindGroupLayout,
        geometry: &GeometryPass,
    ) -> Result<Self, shaders::ShaderError> {
        let module = shaders::create_module(device, "forward")?;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("forward"),
            entries: &[
                bindings::uniform(0, wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT),
                bindings::uniform(1, wgpu::ShaderStages::FRAGMENT),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("forward"),
            bind_group_layouts: &[
                Some(&layout),
                Some(environment),
                Some(shadow),
                Some(&geometry.material_layout),
            ],
            immediate_size: 0,
        });
        // Blends into the target the G-buffer pass created.
        let hdr_format = geometry.hdr_format();
        Ok(Self {
            hdr_format,
            layout,
            pipeline_layout,
            module,
            pipelines: Specialised::new(),
            bind_group: None,
        })
    }

    /// Create the pipelines the scene's blended draws need with `lights` (call when the
    /// scene is uploaded and whenever the lights are set).
    pub fn prepare(&mut self, device: &wgpu::Device, scene: &SceneGpu, lights: LightKey) {
        let keys = scene.blend_keys().into_iter().map(|key| (key, lights));
        let mut pipelines = std::mem::take(&mut self.pipelines);
        pipelines.prepare(keys, |(key, lights)| self.build(device, key, lights));
        self.pipelines = pipelines;
    }

    fn build(
        &self,
        device: &wgpu::Device,
        key: PipelineKey,
        lights: LightKey,
    ) -> wgpu::RenderPipeline {
        let target = wgpu::ColorTargetState {
            format: self.hdr_format,
            blend: Some(wgpu::BlendState::ALPHA_BLENDING),
            write_mask: wgpu::ColorWrites::ALL,
        };
        mesh_pipeline(
            device,
            ("forward", &self.module, &self.pipeline_layout),
            (key, false),
            &[Some(target)],
            &lights.constants(),
        )
    }

    /// Bind the camera and lights buffers.
    pub fn bind(&mut self, device: &wgpu::Device, camera: &wgpu::Buffer, lights: &wgpu::Buffer) {
        self.bind_group = Some(device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("forward"),
            layout: &self.layout,
            entries: &bindings::entries(&[camera.as_entire_binding(), lights.as_entire_binding()]),
        }));
    }

    /// Blend `draws` (the scene's transparent surfaces, farthest first:
    /// `SceneGpu::blend_draws_back_to_front`) over the lit HDR image, lit by `lights`
    /// (prepared with [`ForwardPass::prepare`]). The renderer calls it only when there are
    /// draws, so a scene without transparent surfaces has no `forward` timing scope.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        gbuffer: &GBuffer,
        (draws, instances): (Vec<Draw<'_>>, &wgpu::Buffer),
        lights: LightKey,
        groups: [&wgpu::BindGroup; 2],
    ) {
        let Some(bind_group) = &self.bind_group else { return };
        if draws.is_empty() {
            return;
        }
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("forward"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &gbuffer.hdr.view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations { load: wgpu::LoadOp::Load, store: wgpu::StoreOp::Store },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &gbuffer.depth.view,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            ..Default::default()
        });
        pass.set_bind_group(0, bind_group, &[]);
        pass.set_bind_group(1, groups[0], &[]);
        pass.set_bind_group(2, groups[1], &[]);
        pass.set_vertex_buffer(1, instances.slice(..));
        for draw in draws {
            let Some(pipeline) = self.pipelines.built((draw.key, lights)) else { continue };
            pass.set_pipeline(pipeline);
            pass.set_bind_group(3, draw.material, &[]);
            pass.set_vertex_buffer(0, draw.vertices.slice(..));
            pass.set_index_buffer(draw.indices.slice(..), wgpu::IndexFormat::Uint32);
            pass.draw_indexed(0..draw.index_count, 0, draw.instances);
        }
    }
}

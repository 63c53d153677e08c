//! Deferred lighting (`shaders/render/lighting.wgsl`): every KHR_lights_punctual light, the
//! directional shadow map and image-based light, evaluated per pixel from the G-buffer, plus
//! the background where no geometry is.
//!
//! Reads: base colour + AO, normal + roughness + metallic, depth, camera, lights (group 0),
//! environment (group 1), shadow map (group 2), GTAO visibility (group 3, see
//! [`crate::post::ao`]). Writes: HDR, added onto emissive, pre-exposed.
//!
//! Ambient occlusion darkens image-based light only, never punctual lights or the sun: diffuse
//! by `min(material AO, GTAO^intensity)` (with Jimenez 2016's multi-bounce on the base colour
//! when on), specular by Lagarde & de Rousiers' specular occlusion of the same visibility. With
//! GTAO off the image is exactly the one without it (material AO on both, as before).
//! BRDF: GGX / height-correlated Smith / Schlick with Fdez-Agüera's multiple-scattering
//! compensation (see `shaders/include/brdf.wgsl`).

use glam::Vec3;

use super::gbuffer::{GBuffer, HdrFormat};
use super::lights::LightsUniforms;
use crate::draw::bindings;
use crate::draw::fullscreen::FullscreenPass;
use crate::post::ao::AoSettings;
use crate::scene::Light;
use crate::shaders;

/// What pixels without geometry show.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Background {
    /// The environment map, as seen directly (and exposed like the scene).
    #[default]
    Environment,
    /// A solid display-referred linear RGB colour, not affected by exposure.
    Color(Vec3),
    /// Alpha 0, for compositing the render over another image (a camera feed in AR). Needs an
    /// HDR format with alpha ([`super::HdrFormat::Rgba16Float`]).
    Transparent,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct LightingUniforms {
    background: [f32; 4],
    /// On, multi-bounce, intensity, 1 when lighting upsamples half-resolution AO
    /// (`ambient_occlusion` in `shaders/render/lighting.wgsl`).
    ambient_occlusion: [f32; 4],
}

/// The lighting pass.
pub struct LightingPass {
    pass: FullscreenPass,
    lights: wgpu::Buffer,
    /// Group 3: the GTAO visibility, rebound every frame (it comes from a texture pool).
    ambient_occlusion_layout: wgpu::BindGroupLayout,
    /// The NEAREST sampler the G-buffer depth is read through (`bindings::depth_sampler`).
    depth_sampler: wgpu::Sampler,
}

impl LightingPass {
    /// Load the shader; `environment` and `shadow` are the layouts of bind groups 1 and 2.
    pub fn new(
        device: &wgpu::Device,
        hdr: HdrFormat,
        environment: &wgpu::BindGroupLayout,
        shadow: &wgpu::BindGroupLayout,
    ) -> Result<Self, shaders::ShaderError> {
        let inputs = [
            bindings::uniform(1, wgpu::ShaderStages::FRAGMENT),
            bindings::texture(2, false),
            bindings::texture(3, false),
            bindings::depth_as_float(4),
            bindings::uniform(5, wgpu::ShaderStages::FRAGMENT),
            bindings::depth_sampler(6),
        ];
        // Colour and coverage both add: the G-buffer pass left emissive and alpha 1 on geometry.
        let additive = wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::One,
            dst_factor: wgpu::BlendFactor::One,
            operation: wgpu::BlendOperation::Add,
        };
        let blend = wgpu::BlendState { color: additive, alpha: additive };
        let size = std::mem::size_of::<LightingUniforms>() as u64;
        let ambient_occlusion_layout =
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("lighting.ambient_occlusion"),
                entries: &[bindings::texture(0, false), bindings::texture(1, false)],
            });
        let pass = FullscreenPass::new(
            device,
            "lighting",
            &inputs,
            size,
            (hdr.texture_format(), Some(blend)),
            &[environment, shadow, &ambient_occlusion_layout],
        )?;
        let empty = LightsUniforms::new(&[]);
        let lights = bindings::uniform_buffer(device, "lights", bytemuck::bytes_of(&empty));
        let depth_sampler = bindings::nearest_sampler(device, "lighting.depth_sampler");
        Ok(Self { pass, lights, ambient_occlusion_layout, depth_sampler })
    }

    /// Bind the camera and the G-buffer (after creation and every resize).
    pub fn bind(&mut self, device: &wgpu::Device, camera: &wgpu::Buffer, gbuffer: &GBuffer) {
        self.pass.bind(
            device,
            &[
                camera.as_entire_binding(),
                wgpu::BindingResource::TextureView(&gbuffer.base_color_ao.view),
                wgpu::BindingResource::TextureView(&gbuffer.normal_roughness_metallic.view),
                wgpu::BindingResource::TextureView(&gbuffer.depth.view),
                self.lights.as_entire_binding(),
                wgpu::BindingResource::Sampler(&self.depth_sampler),
            ],
        );
    }

    /// The lights uniform buffer (shared with the forward pass).
    pub(crate) fn lights_buffer(&self) -> &wgpu::Buffer {
        &self.lights
    }

    /// Replace the lights (the first directional one casts the shadow).
    pub fn set_lights(&self, queue: &wgpu::Queue, lights: &[Light]) {
        queue.write_buffer(&self.lights, 0, bytemuck::bytes_of(&LightsUniforms::new(lights)));
    }

    /// Add lighting and the background into the HDR target. `ambient_occlusion` is GTAO's
    /// visibility at the target size with its (validated) settings, or `None` with any
    /// texture (a 1x1 white one) when AO is off; with the working view depth as well, the
    /// visibility is at half resolution and lighting upsamples it itself.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        queue: &wgpu::Queue,
        gbuffer: &GBuffer,
        background: Background,
        groups: [&wgpu::BindGroup; 2],
        ambient_occlusion: (&wgpu::TextureView, Option<&wgpu::TextureView>, Option<&AoSettings>),
    ) {
        let background = match background {
            Background::Environment => [0.0, 0.0, 0.0, 0.0],
            Background::Color(c) => {
                let c = if c.is_finite() { c.max(Vec3::ZERO) } else { Vec3::ZERO };
                [c.x, c.y, c.z, 1.0]
            }
            Background::Transparent => [0.0, 0.0, 0.0, 2.0],
        };
        let (visibility, view_depth, settings) = ambient_occlusion;
        let upsample = if view_depth.is_some() { 1.0 } else { 0.0 };
        let ambient_occlusion = match settings {
            Some(ao) => [1.0, if ao.multi_bounce { 1.0 } else { 0.0 }, ao.intensity, upsample],
            None => [0.0, 0.0, 1.0, 0.0],
        };
        let uniforms = LightingUniforms { background, ambient_occlusion };
        self.pass.write_uniforms(queue, bytemuck::bytes_of(&uniforms));
        let ao_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("lighting.ambient_occlusion"),
            layout: &self.ambient_occlusion_layout,
            entries: &bindings::entries(&[
                wgpu::BindingResource::TextureView(visibility),
                wgpu::BindingResource::TextureView(view_depth.unwrap_or(visibility)),
            ]),
        });
        self.pass.draw(encoder, &gbuffer.hdr.view, None, &[groups[0], groups[1], &ao_group]);
    }
}

impl LightingPass {
    /// The light list and the pass's uniforms, for memory reports.
    pub(crate) fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![
            self.pass.memory(),
            crate::gpu::memory::MemoryEntry::buffer("lighting.lights", &self.lights),
        ]
    }
}

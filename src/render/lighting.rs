//! First lighting pass (`shaders/lighting.wgsl`): one directional light plus constant ambient.
//!
//! Reads: base colour + AO, normal + roughness + metallic, depth, camera. Writes: HDR, added
//! onto the emissive the geometry pass left there. BRDF after Karis, "Real Shading in Unreal
//! Engine 4" (SIGGRAPH 2013). The lighting issue replaces this with punctual lights, IBL and
//! shadows.

use glam::Vec3;

use super::bindings;
use super::fullscreen::FullscreenPass;
use super::gbuffer::{GBuffer, HDR_FORMAT};
use crate::scene::{LightKind, Scene};
use crate::shaders;

/// The light the first lighting pass uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DirectionalLight {
    /// World direction the light travels (from the light into the scene).
    pub direction: Vec3,
    /// Linear RGB colour times intensity.
    pub radiance: Vec3,
    /// Constant ambient radiance.
    pub ambient: Vec3,
}

impl DirectionalLight {
    /// The scene's first directional light, else a sun from above front left.
    pub fn for_scene(scene: &Scene) -> Self {
        let sun = scene.lights.iter().find(|l| l.kind == LightKind::Directional);
        match sun {
            Some(light) => Self {
                direction: light.direction(),
                radiance: light.color * light.intensity,
                ambient: Vec3::splat(0.25),
            },
            None => Self {
                direction: Vec3::new(0.4, -1.0, -0.5).normalize(),
                radiance: Vec3::splat(3.0),
                ambient: Vec3::splat(0.25),
            },
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct LightingUniforms {
    direction: [f32; 4],
    radiance: [f32; 4],
    ambient: [f32; 4],
}

/// The lighting pass.
pub struct LightingPass(FullscreenPass);

impl LightingPass {
    /// Load the shader and create the pipeline.
    pub fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let inputs = [
            bindings::uniform(1, wgpu::ShaderStages::FRAGMENT),
            bindings::texture(2, false),
            bindings::texture(3, false),
            bindings::depth_texture(4),
        ];
        let additive = wgpu::BlendState {
            color: wgpu::BlendComponent {
                src_factor: wgpu::BlendFactor::One,
                dst_factor: wgpu::BlendFactor::One,
                operation: wgpu::BlendOperation::Add,
            },
            alpha: wgpu::BlendComponent::REPLACE,
        };
        let size = std::mem::size_of::<LightingUniforms>() as u64;
        Ok(Self(FullscreenPass::new(
            device,
            "lighting",
            &inputs,
            size,
            HDR_FORMAT,
            Some(additive),
        )?))
    }

    /// Bind the camera and the G-buffer (after creation and every resize).
    pub fn bind(&mut self, device: &wgpu::Device, camera: &wgpu::Buffer, gbuffer: &GBuffer) {
        self.0.bind(
            device,
            &[
                camera.as_entire_binding(),
                wgpu::BindingResource::TextureView(&gbuffer.base_color_ao.view),
                wgpu::BindingResource::TextureView(&gbuffer.normal_roughness_metallic.view),
                wgpu::BindingResource::TextureView(&gbuffer.depth.view),
            ],
        );
    }

    /// Set the light for the next frames.
    pub fn set_light(&self, queue: &wgpu::Queue, light: &DirectionalLight) {
        let uniforms = LightingUniforms {
            direction: light.direction.extend(0.0).to_array(),
            radiance: light.radiance.extend(0.0).to_array(),
            ambient: light.ambient.extend(0.0).to_array(),
        };
        self.0.write_uniforms(queue, bytemuck::bytes_of(&uniforms));
    }

    /// Add lighting into the HDR target.
    pub fn draw(&self, encoder: &mut wgpu::CommandEncoder, gbuffer: &GBuffer) {
        self.0.draw(encoder, &gbuffer.hdr.view, None);
    }
}

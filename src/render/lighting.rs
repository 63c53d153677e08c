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
//!
//! **Specialised** ([`LightingKey`]): one pipeline per light count, key light and shadow on/off
//! ([`LightKey`], built when the lights are set), background mode, and AO switch (on,
//! multi-bounce, upsampled here), as WGSL override constants. The shader then has no branch or
//! loop bound that reads settings from a uniform: Mesa 22's lavapipe recompiles a shader with
//! such a condition on every bind and never frees the copy (`docs/memory-growth.md`), and any
//! GPU runs the constant loop and the chosen paths without the others. The light loop's count is
//! a constant rather than a fixed maximum with masked lights: lavapipe would shade all 32
//! light slots per pixel for a scene's one or two, and real GPUs unroll a constant count.
//! [`LightingPass::prepare`] builds the AO states a budget-governor step can reach (off, on,
//! and upsampled here when the settings allow it) ahead, so a governor step never compiles.

use glam::Vec3;

use super::gbuffer::{GBuffer, HdrFormat};
use super::lights::{LightKey, LightsUniforms};
use crate::draw::bindings;
use crate::draw::fullscreen::SpecialisedPass;
use crate::draw::specialise::Constants;
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
    /// The solid colour (rgb); w unused.
    background: [f32; 4],
    /// z: AO's intensity; xyw unused (`ambient_occlusion` in
    /// `shaders/render/lighting.wgsl`).
    ambient_occlusion: [f32; 4],
}

/// What the lighting pass's AO input is (the AO constants in `shaders/render/lighting.wgsl`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct AoKey {
    /// Screen-space AO runs.
    pub on: bool,
    /// Its multi-bounce (false when off).
    pub multi_bounce: bool,
    /// The visibility is at half resolution and lighting upsamples it (false when off).
    pub upsample: bool,
}

impl AoKey {
    const OFF: Self = Self { on: false, multi_bounce: false, upsample: false };

    fn on(settings: &AoSettings, upsample: bool) -> Self {
        Self { on: true, multi_bounce: settings.multi_bounce, upsample }
    }
}

/// One lighting pipeline's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct LightingKey {
    pub lights: LightKey,
    /// 0 environment, 1 colour, 2 transparent (`BACKGROUND`).
    pub background: u8,
    pub ao: AoKey,
}

impl LightingKey {
    fn constants(self) -> Constants {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        let mut constants = self.lights.constants();
        constants.extend([
            ("BACKGROUND", f64::from(self.background)),
            ("AO", flag(self.ao.on)),
            ("AO_MULTI_BOUNCE", flag(self.ao.multi_bounce)),
            ("AO_UPSAMPLE", flag(self.ao.upsample)),
            // The key light's shadow from the screen-space mask (super::shadow_mask).
            ("SHADOW_FROM_MASK", 1.0),
        ]);
        constants
    }
}

/// `background`'s mode (`BACKGROUND` in the lighting and shadow catcher shaders) and its
/// uniform colour (zero unless a colour).
pub(crate) fn background_mode(background: Background) -> (u8, [f32; 4]) {
    match background {
        Background::Environment => (0, [0.0; 4]),
        Background::Color(c) => {
            let c = if c.is_finite() { c.max(Vec3::ZERO) } else { Vec3::ZERO };
            (1, [c.x, c.y, c.z, 0.0])
        }
        Background::Transparent => (2, [0.0; 4]),
    }
}

/// The lighting pass.
pub struct LightingPass {
    pass: SpecialisedPass<LightingKey>,
    lights: wgpu::Buffer,
    /// The key of the lights in `lights`.
    light_key: LightKey,
    /// Whether the shadow map is on ([`super::shadows::ShadowSettings::enabled`]): off, no
    /// light looks it up.
    shadows: bool,
    /// The background and AO states last prepared, rebuilt for new lights by `set_lights`.
    prepared: Option<(u8, AoSettings)>,
    /// Group 3: the GTAO visibility, rebound every frame (it comes from a texture pool).
    ambient_occlusion_layout: wgpu::BindGroupLayout,
    /// The NEAREST sampler the G-buffer depth is read through (`bindings::depth_sampler`).
    depth_sampler: wgpu::Sampler,
}

impl LightingPass {
    /// Load the shader; `environment` and `shadow` are the layouts of bind groups 1 and 2,
    /// `shadows` whether the shadow map is on.
    pub fn new(
        device: &wgpu::Device,
        hdr: HdrFormat,
        (environment, shadow): (&wgpu::BindGroupLayout, &wgpu::BindGroupLayout),
        shadows: bool,
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
                entries: &[
                    bindings::texture(0, false),
                    bindings::texture(1, false),
                    bindings::texture(2, false),
                ],
            });
        let pass = SpecialisedPass::new(
            device,
            ("lighting", "fs_main"),
            (&inputs, size),
            (hdr.texture_format(), Some(blend)),
            &[environment, shadow, &ambient_occlusion_layout],
            LightingKey::constants,
        )?;
        let empty = LightsUniforms::new(&[]);
        let lights = bindings::uniform_buffer(device, "lights", bytemuck::bytes_of(&empty));
        let depth_sampler = bindings::nearest_sampler(device, "lighting.depth_sampler");
        Ok(Self {
            pass,
            lights,
            light_key: empty.key(shadows),
            shadows,
            prepared: None,
            ambient_occlusion_layout,
            depth_sampler,
        })
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

    /// Replace the lights (the first directional one casts the shadow), building the
    /// pipelines for them (for the background and AO states last prepared); returns their key,
    /// for the other passes that read the lights.
    pub fn set_lights(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        lights: &[Light],
    ) -> LightKey {
        let uniforms = LightsUniforms::new(lights);
        queue.write_buffer(&self.lights, 0, bytemuck::bytes_of(&uniforms));
        self.light_key = uniforms.key(self.shadows);
        if let Some((background, ao)) = self.prepared {
            self.pass.prepare(device, self.keys(background, &ao));
        }
        self.light_key
    }

    /// The key of the lights last set.
    pub(crate) fn light_key(&self) -> LightKey {
        self.light_key
    }

    /// The keys a frame with `background` and AO settings `ao` (as wanted, before the budget
    /// governor) may use: AO off, on, and upsampled here when the settings ask for it (the
    /// governor turns AO and TAA, which decides whether lighting upsamples, on and off).
    fn keys(&self, background: u8, ao: &AoSettings) -> Vec<LightingKey> {
        let mut states = vec![AoKey::OFF];
        if ao.tier.is_on() {
            states.push(AoKey::on(ao, false));
            if ao.half_resolution && ao.upsample_in_lighting {
                states.push(AoKey::on(ao, true));
            }
        }
        let lights = self.light_key;
        states.into_iter().map(|ao| LightingKey { lights, background, ao }).collect()
    }

    /// Build, ahead of the frames that use them, the pipelines for `background` and every AO
    /// state the budget governor can reach from `wanted` (the AO settings asked for, before
    /// the governor). Cheap when they are built: call it every frame.
    pub fn prepare(&mut self, device: &wgpu::Device, background: Background, wanted: &AoSettings) {
        let background = background_mode(background).0;
        if self.prepared != Some((background, *wanted)) {
            self.pass.prepare(device, self.keys(background, wanted));
            self.prepared = Some((background, *wanted));
        }
    }

    /// How many pipelines are built (for tests: a governor step builds none).
    pub(crate) fn pipelines_built(&self) -> usize {
        self.pass.built()
    }

    /// Add lighting and the background into the HDR target. `ambient_occlusion` is GTAO's
    /// visibility at the target size with its (validated) settings, or `None` with any
    /// texture (a 1x1 white one) when AO is off; with the working view depth as well, the
    /// visibility is at half resolution and lighting upsamples it itself. `shadow_mask` is the
    /// key light's visibility at the target size ([`super::shadow_mask`]).
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        queue: &wgpu::Queue,
        gbuffer: &GBuffer,
        background: Background,
        groups: [&wgpu::BindGroup; 2],
        ambient_occlusion: (&wgpu::TextureView, Option<&wgpu::TextureView>, Option<&AoSettings>),
        shadow_mask: &wgpu::TextureView,
    ) {
        let (mode, colour) = background_mode(background);
        let (visibility, view_depth, settings) = ambient_occlusion;
        let (ao, intensity) = match settings {
            Some(settings) => (AoKey::on(settings, view_depth.is_some()), settings.intensity),
            None => (AoKey::OFF, 1.0),
        };
        let uniforms =
            LightingUniforms { background: colour, ambient_occlusion: [0.0, 0.0, intensity, 0.0] };
        self.pass.write_uniforms(queue, bytemuck::bytes_of(&uniforms));
        let ao_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("lighting.ambient_occlusion"),
            layout: &self.ambient_occlusion_layout,
            entries: &bindings::entries(&[
                wgpu::BindingResource::TextureView(visibility),
                wgpu::BindingResource::TextureView(view_depth.unwrap_or(visibility)),
                wgpu::BindingResource::TextureView(shadow_mask),
            ]),
        });
        let key = LightingKey { lights: self.light_key, background: mode, ao };
        let groups = [groups[0], groups[1], &ao_group];
        self.pass.draw((device, key), encoder, &gbuffer.hdr.view, None, &groups);
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

//! The shadow catcher (`shaders/render/shadow_catcher.wgsl`): an invisible ground plane that receives
//! the objects' shadow and ambient occlusion and darkens whatever is behind it, for AR
//! compositing (the camera image) and product shots (the studio background).
//!
//! The plane is real geometry: `upload` adds a horizontal quad with an up-facing normal and a
//! plain grey material to the uploaded scene, so it is in the depth buffer, GTAO sees it like
//! any surface and the key light's shadow falls on it. It casts no shadow itself and is left
//! out of the scene's world bounds (the shadow map stays fitted to the objects).
//!
//! Reads: depth, normals, camera, lights (the key light), the shadow map, GTAO visibility and
//! the environment (irradiance and background). Writes, after lighting and the forward blend:
//! - HDR at plane pixels: the background the lighting pass shows where no geometry is
//!   (environment along the view ray, the solid colour, or transparent black whose alpha is
//!   the shadow's opacity `1 - fraction`), times the light fraction below;
//! - the shadow catcher texture (R16Float, render size): the fraction at plane pixels, 1
//!   elsewhere;
//! - the real-world mask (R8Unorm, render size): 1 where no virtual geometry is (background)
//!   or on the plane, 0 on the objects.
//!
//! The light fraction is the plane's irradiance relative to an unoccluded plane, the
//! "differential rendering" idea of Debevec ("Rendering Synthetic Objects into Real Scenes",
//! SIGGRAPH 1998) reduced to a ratio of two irradiances on an up-facing surface:
//! `f = (E_sun * shadow + E_sky * ao) / (E_sun + E_sky)`, where `E_sun` is the key light's
//! illuminance times `max(0, n.l)` and `E_sky` the environment's irradiance (pi times the
//! irradiance map's value around +Y, luminance); the output is `1 - strength * (1 - f)`.
//! Other punctual lights are not counted. Blended (forward) surfaces over the plane are
//! replaced by the background.
//!
//! **Specialised**: the masks pipeline per the scene's lights ([`LightKey`]: the key light and
//! whether its shadow is on, as WGSL override constants), the HDR pipeline per lights and
//! background mode,
//! built when the pass is created and when the lights are set (a new background on its first
//! frame). No branch in the shader depends on uniforms alone (Mesa 22's lavapipe recompiles
//! those on every bind, `docs/memory-growth.md`).

use glam::{Vec2, Vec3};
use serde::{Deserialize, Serialize};

use super::gbuffer::{GBuffer, GeometryPass, HdrFormat};
use super::lighting::{Background, background_mode};
use super::lights::LightKey;
use super::mipmaps::MipGenerator;
use super::scene_gpu::SceneGpu;
use crate::draw::Target;
use crate::draw::bindings;
use crate::draw::fullscreen::{specialised_multi_target_pipeline, specialised_pipeline};
use crate::draw::specialise::{Constants, Specialised};
use crate::gpu::{Gpu, GpuError, halves_to_f32, read_texture};
use crate::scene::{Aabb, Instance, Material, Mesh, Primitive, Scene, Vertex};
use crate::shaders;

/// Format of the shadow catcher texture (the light fraction).
pub const FRACTION_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Float;
/// Format of the real-world mask.
pub const MASK_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R8Unorm;

/// The ground plane's half extent when none is given, in multiples of the scene bounds' radius.
const DEFAULT_EXTENT_RADII: f32 = 4.0;
/// How far (relative to the view distance) a surface point may be from the plane's height and
/// still count as the plane: the depth buffer's reconstruction error, with room to spare.
const RELATIVE_TOLERANCE: f32 = 1e-3;

/// The shadow catcher: a horizontal ground plane, invisible except for the shadow and AO it
/// receives (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShadowCatcherSettings {
    /// World-space height (y) of the plane in metres; any finite value. Default `None`: the
    /// scene bounds' lowest point, where an object resting on the ground touches it.
    pub height: Option<f32>,
    /// Half the side of the square plane in metres, centred under the scene bounds' centre;
    /// above 0. Default `None`: 4 times the scene bounds' radius.
    pub half_extent: Option<f32>,
    /// How much of the shadow shows, 0..=1 (0: no darkening at all, 1: the full physical
    /// ratio). Default 1.
    pub strength: f32,
}

impl Default for ShadowCatcherSettings {
    fn default() -> Self {
        Self { height: None, half_extent: None, strength: 1.0 }
    }
}

/// The plane as placed: settings resolved against the scene's bounds, values clamped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GroundPlane {
    /// World y in metres.
    height: f32,
    /// World x and z of the centre.
    center: Vec2,
    /// Half the side in metres.
    half_extent: f32,
    /// 0..=1.
    strength: f32,
}

impl ShadowCatcherSettings {
    /// Place the plane under `bounds`, clamping out-of-range values with a warning.
    pub(crate) fn resolve(&self, bounds: &Aabb) -> GroundPlane {
        let (low, center, radius) = if bounds.is_empty() {
            (0.0, Vec2::ZERO, 1.0)
        } else {
            let c = bounds.center();
            (bounds.min.y, Vec2::new(c.x, c.z), bounds.radius().max(1e-3))
        };
        let height = match self.height {
            Some(h) if h.is_finite() => h,
            Some(h) => {
                log::warn!("shadow_catcher.height {h} is not finite; using the scene's floor");
                low
            }
            None => low,
        };
        let default_extent = DEFAULT_EXTENT_RADII * radius;
        let half_extent = match self.half_extent {
            Some(e) if e.is_finite() && e > 0.0 => e,
            Some(e) => {
                log::warn!(
                    "shadow_catcher.half_extent {e} is outside (0, inf); using {default_extent}"
                );
                default_extent
            }
            None => default_extent,
        };
        let strength = if self.strength.is_nan() {
            log::warn!("shadow_catcher.strength is NaN; using 1");
            1.0
        } else {
            let clamped = self.strength.clamp(0.0, 1.0);
            if clamped != self.strength {
                log::warn!("shadow_catcher.strength {} clamped to {clamped}", self.strength);
            }
            clamped
        };
        GroundPlane { height, center, half_extent, strength }
    }
}

/// `scene` with the ground plane added as its last mesh, material and instance.
fn with_ground(scene: &Scene, plane: &GroundPlane) -> Scene {
    let mut scene = scene.clone();
    let (h, c, y) = (plane.half_extent, plane.center, plane.height);
    let corners = [
        Vec3::new(c.x - h, y, c.y - h),
        Vec3::new(c.x - h, y, c.y + h),
        Vec3::new(c.x + h, y, c.y + h),
        Vec3::new(c.x + h, y, c.y - h),
    ];
    let uvs = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
    let vertices: Vec<Vertex> = corners
        .iter()
        .zip(uvs)
        .map(|(p, uv)| Vertex {
            position: p.to_array(),
            normal: [0.0, 1.0, 0.0],
            tangent: [1.0, 0.0, 0.0, 1.0],
            uv0: uv,
            uv1: uv,
            color: [1.0; 4],
        })
        .collect();
    let mut bounds = Aabb::empty();
    corners.iter().for_each(|&p| bounds.extend(p));
    scene.materials.push(Material {
        name: "shadow catcher".into(),
        base_color_factor: glam::Vec4::new(0.5, 0.5, 0.5, 1.0),
        metallic_factor: 0.0,
        roughness_factor: 1.0,
        ..Material::default()
    });
    scene.meshes.push(Mesh {
        name: "shadow catcher".into(),
        primitives: vec![Primitive {
            vertices,
            // Counter-clockwise seen from above: the front face looks up.
            indices: vec![0, 1, 2, 0, 2, 3],
            material: Some(scene.materials.len() - 1),
            bounds,
        }],
    });
    scene.instances.push(Instance {
        mesh: scene.meshes.len() - 1,
        transform: glam::Mat4::IDENTITY,
        node: "shadow catcher".into(),
    });
    scene
}

/// Upload `scene`, with the ground plane when `settings` is given (then also returned, placed).
pub(crate) fn upload(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    geometry: &mut GeometryPass,
    mips: &MipGenerator,
    scene: &Scene,
    settings: Option<&ShadowCatcherSettings>,
) -> (SceneGpu, Option<GroundPlane>) {
    let layout = &geometry.material_layout;
    let (gpu, plane) = match settings {
        None => (SceneGpu::new(device, queue, layout, mips, scene), None),
        Some(settings) => {
            let plane = settings.resolve(&scene.bounds);
            let grounded = with_ground(scene, &plane);
            let mut gpu = SceneGpu::new(device, queue, layout, mips, &grounded);
            gpu.set_ground_mesh(grounded.meshes.len() - 1);
            (gpu, Some(plane))
        }
    };
    for key in gpu.opaque_keys() {
        geometry.prepare(device, key);
    }
    (gpu, plane)
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ShadowCatcherUniforms {
    /// Centre x, height, centre z, half extent.
    plane: [f32; 4],
    /// Strength, relative tolerance, unused, unused.
    params: [f32; 4],
    /// As the lighting pass: rgb colour, w unused (the mode is the `BACKGROUND` constant).
    background: [f32; 4],
}

/// The HDR pipeline's constants: the lights' and the background mode.
fn hdr_constants((lights, background): (LightKey, u8)) -> Constants {
    let mut constants = lights.constants();
    constants.push(("BACKGROUND", f64::from(background)));
    constants
}

/// What one frame of the shadow catcher reads.
pub(crate) struct ShadowCatcherFrame<'a> {
    /// Depth, normals and the HDR target written into.
    pub gbuffer: &'a GBuffer,
    /// The camera uniform buffer.
    pub camera: &'a wgpu::Buffer,
    /// The lights uniform buffer (the key light is the one with the shadow flag).
    pub lights_buffer: &'a wgpu::Buffer,
    /// Their key: the pipelines are specialised on it.
    pub lights: LightKey,
    /// GTAO visibility at the render size, or a 1x1 white texture when AO is off.
    pub ambient_occlusion: &'a wgpu::TextureView,
    /// What pixels without geometry show.
    pub background: Background,
    /// The environment (group 1) and shadow map (group 2) bind groups.
    pub groups: [&'a wgpu::BindGroup; 2],
}

/// The shadow catcher pass: two full-screen kernels of one shader (the masks, then the HDR
/// at plane pixels) and its two render-size outputs.
pub(crate) struct ShadowCatcherPass {
    plane: GroundPlane,
    layout: wgpu::BindGroupLayout,
    module: wgpu::ShaderModule,
    /// The environment's and the shadow map's layouts (groups 1 and 2).
    groups: [wgpu::BindGroupLayout; 2],
    hdr_format: HdrFormat,
    masks: Specialised<LightKey, wgpu::RenderPipeline>,
    hdr: Specialised<(LightKey, u8), wgpu::RenderPipeline>,
    /// The background of the last frame (or the default), for `set_lights`.
    background: Background,
    uniforms: wgpu::Buffer,
    fraction: Target,
    mask: Target,
    /// The NEAREST sampler the G-buffer depth is read through (`bindings::depth_sampler`).
    depth_sampler: wgpu::Sampler,
}

impl ShadowCatcherPass {
    /// The pass's name: wgpu label and timing scope.
    pub(crate) const NAME: &'static str = "shadow_catcher";

    /// Load the shader and allocate the `size` outputs; `environment` and `shadow` are the
    /// layouts of bind groups 1 and 2. The pipelines are built by
    /// [`ShadowCatcherPass::prepare`].
    pub(crate) fn new(
        device: &wgpu::Device,
        plane: GroundPlane,
        (hdr, size): (HdrFormat, (u32, u32)),
        (environment, shadow): (&wgpu::BindGroupLayout, &wgpu::BindGroupLayout),
    ) -> Result<Self, shaders::ShaderError> {
        let module = shaders::create_module(device, Self::NAME)?;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(Self::NAME),
            entries: &[
                bindings::uniform(0, wgpu::ShaderStages::FRAGMENT),
                bindings::uniform(1, wgpu::ShaderStages::FRAGMENT),
                bindings::depth_as_float(2),
                bindings::texture(3, false),
                bindings::texture(4, false),
                bindings::uniform(5, wgpu::ShaderStages::FRAGMENT),
                bindings::depth_sampler(6),
            ],
        });
        let zeros = [0u8; std::mem::size_of::<ShadowCatcherUniforms>()];
        Ok(Self {
            plane,
            layout,
            module,
            groups: [environment.clone(), shadow.clone()],
            hdr_format: hdr,
            masks: Specialised::new(),
            hdr: Specialised::new(),
            background: Background::default(),
            uniforms: bindings::uniform_buffer(device, Self::NAME, &zeros),
            fraction: Target::new(
                device,
                "shadow_catcher.fraction",
                size.0,
                size.1,
                FRACTION_FORMAT,
            ),
            mask: Target::new(device, "shadow_catcher.mask", size.0, size.1, MASK_FORMAT),
            depth_sampler: bindings::nearest_sampler(device, "shadow_catcher.depth_sampler"),
        })
    }

    /// Build the pipelines for `lights` and `background` if they are not built yet (call
    /// when the lights are set; a frame with another background builds its own).
    pub(crate) fn prepare(
        &mut self,
        device: &wgpu::Device,
        lights: LightKey,
        background: Background,
    ) {
        let module = &self.module;
        let layouts = [&self.layout, &self.groups[0], &self.groups[1]];
        self.masks.prepare([lights], |lights| {
            specialised_multi_target_pipeline(
                device,
                "shadow_catcher.masks",
                module,
                "fs_masks",
                &layouts,
                &[FRACTION_FORMAT, MASK_FORMAT],
                &lights.constants(),
            )
        });
        let format = self.hdr_format.texture_format();
        self.hdr.prepare([(lights, background_mode(background).0)], |key| {
            let label = "shadow_catcher.hdr";
            let target = (format, None);
            specialised_pipeline(
                device,
                label,
                module,
                "fs_hdr",
                &layouts,
                target,
                &hdr_constants(key),
            )
        });
    }

    /// Build the pipelines for new lights (and the last frame's background).
    pub(crate) fn set_lights(&mut self, device: &wgpu::Device, lights: LightKey) {
        self.prepare(device, lights, self.background);
    }

    /// Write the fraction and mask textures (reallocated to the G-buffer's size when it
    /// changed) and the background times the fraction into HDR at plane pixels.
    pub(crate) fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &ShadowCatcherFrame,
    ) {
        let size = frame.gbuffer.depth.texture.size();
        if self.fraction.texture.size() != size {
            let (w, h) = (size.width, size.height);
            self.fraction = Target::new(device, "shadow_catcher.fraction", w, h, FRACTION_FORMAT);
            self.mask = Target::new(device, "shadow_catcher.mask", w, h, MASK_FORMAT);
        }
        self.background = frame.background;
        self.prepare(device, frame.lights, frame.background);
        let (mode, background) = background_mode(frame.background);
        let p = &self.plane;
        let uniforms = ShadowCatcherUniforms {
            plane: [p.center.x, p.height, p.center.y, p.half_extent],
            params: [p.strength, RELATIVE_TOLERANCE, 0.0, 0.0],
            background,
        };
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&uniforms));
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(Self::NAME),
            layout: &self.layout,
            entries: &bindings::entries(&[
                self.uniforms.as_entire_binding(),
                frame.camera.as_entire_binding(),
                wgpu::BindingResource::TextureView(&frame.gbuffer.depth.view),
                wgpu::BindingResource::TextureView(&frame.gbuffer.normal_roughness_metallic.view),
                wgpu::BindingResource::TextureView(frame.ambient_occlusion),
                frame.lights_buffer.as_entire_binding(),
                wgpu::BindingResource::Sampler(&self.depth_sampler),
            ]),
        });
        let groups = [&group, frame.groups[0], frame.groups[1]];
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("shadow_catcher.masks"),
                color_attachments: &[
                    Some(crate::draw::fullscreen::colour_attachment(&self.fraction.view, None)),
                    Some(crate::draw::fullscreen::colour_attachment(&self.mask.view, None)),
                ],
                ..Default::default()
            });
            pass.set_pipeline(self.masks.built(frame.lights).expect("prepared"));
            for (index, group) in groups.iter().enumerate() {
                pass.set_bind_group(index as u32, *group, &[]);
            }
            pass.draw(0..3, 0..1);
        }
        let hdr = &frame.gbuffer.hdr.view;
        let pipeline = self.hdr.built((frame.lights, mode)).expect("prepared");
        crate::draw::fullscreen::draw(encoder, "shadow_catcher.hdr", pipeline, &groups, hdr, None);
    }

    /// The light fraction texture (1 off the plane).
    pub fn fraction_view(&self) -> &wgpu::TextureView {
        &self.fraction.view
    }

    /// The real-world mask texture (1 on background and plane, 0 on objects).
    pub fn mask_view(&self) -> &wgpu::TextureView {
        &self.mask.view
    }

    /// The light fraction per pixel, top row first.
    pub(crate) fn read_fraction(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        Ok(halves_to_f32(&read_texture(gpu, &self.fraction.texture)?))
    }

    /// The real-world mask per pixel (0..=1), top row first.
    pub(crate) fn read_mask(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        Ok(read_texture(gpu, &self.mask.texture)?.iter().map(|&b| f32::from(b) / 255.0).collect())
    }
}

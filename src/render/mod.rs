//! The deferred renderer: shadow map, G-buffer, lighting, forward blend and the finish, plus
//! debug views.
//!
//! [`Renderer::render`] is the frame recipe, one straight line: shadow map -> G-buffer (+ motion
//! vectors, emissive into HDR) -> GTAO -> lighting (HDR) -> forward blend -> shadow catcher ->
//! the post stack ([`PostStack`]: depth of field -> motion blur -> TAA or upscale -> exposure
//! -> bloom -> finish -> FXAA -> sharpen -> composite, 8-bit sRGB), or G-buffer -> debug view.

pub mod brdf;
mod debug_view;
pub mod environment;
mod exposure;
mod forward;
pub mod gbuffer;
mod lighting;
pub mod lights;
mod mipmaps;
pub mod packing;
mod scene_gpu;
pub mod shadow_catcher;
pub mod shadow_mask;
pub mod shadows;

pub use crate::draw::{jittered, view_projection};
pub use crate::post::finish::DISPLAY_FORMAT;
pub use debug_view::{BLOOM_MIPS, DebugView};
pub use exposure::{Exposure, pre_exposure};
pub use gbuffer::{GBUFFER_BYTES_PER_PIXEL, GBuffer, HdrFormat};
pub use lighting::Background;
pub use scene_gpu::SceneGpu;

use std::sync::Arc;

use glam::{Mat4, Vec2, Vec3};

use crate::Error;
use crate::draw::{CameraUniforms, Target, bindings};
use crate::gpu::{FrameTiming, Gpu, GpuError, PassTime, halves_to_f32, read_texture};
use crate::graph::TexturePool;
use crate::post::ao::{AoFrame, AoOutput, AoPass};
use crate::post::budget::Governor;
use crate::post::chain::{PostSettings, Provided};
use crate::post::composite::RealWorld;
use crate::post::stack::{PostInputs, PostStack, PostStackDescriptor};
use crate::scene::{Aabb, Camera, Scene};
use environment::{Environment, EnvironmentSettings};
use shadow_mask::ShadowMaskPass;
use shadows::{ShadowPass, ShadowSettings};

/// Timing scope names of the recipe's own steps ([`Renderer::render`]).
const GBUFFER_SCOPE: &str = "gbuffer";
const SHADOWS_SCOPE: &str = "shadows";
const DEBUG_VIEW_SCOPE: &str = "debug_view";
const LIGHTING_SCOPE: &str = "lighting";
const FORWARD_SCOPE: &str = "forward";

/// The renderer's own timing scopes, in the recipe's order ([`Renderer::render`]): every other
/// scope in a frame's timings is the effect chain's (AO, TAA, bloom, the finish, user passes).
/// `afterlight bench --baseline` sums the others as the post passes.
pub const RENDERER_SCOPES: [&str; 6] = [
    GBUFFER_SCOPE,
    SHADOWS_SCOPE,
    DEBUG_VIEW_SCOPE,
    LIGHTING_SCOPE,
    FORWARD_SCOPE,
    shadow_catcher::ShadowCatcherPass::NAME,
];

/// Choices made when a renderer is created (the environment is baked separately, see
/// [`Environment::new`], so one bake can serve several renderers).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RendererSettings {
    /// The key light's shadow map.
    pub shadows: ShadowSettings,
    /// The HDR target's format.
    pub hdr_format: HdrFormat,
    /// A ground plane that receives the objects' shadow and AO and darkens the background
    /// beneath them, otherwise invisible (AR compositing, product shots). Default `None`: off.
    pub shadow_catcher: Option<shadow_catcher::ShadowCatcherSettings>,
}

/// Per-frame choices.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderOptions {
    /// Show a G-buffer channel instead of the lit image.
    pub debug_view: Option<DebugView>,
    /// What pixels without geometry show.
    pub background: Background,
    /// The post chain: exposure, bloom, tone mapper, grade, finish, FXAA, sharpening (a
    /// preset's content, see [`crate::config::Preset`]).
    pub post: PostSettings,
    /// Seconds since the previous frame, for automatic exposure's adaptation (EV per second).
    pub dt_seconds: f32,
    /// Rasterise this many pixels off the pixel centres (x right, y down) instead of TAA's
    /// jitter: for supersampled references built from many offset frames. None: TAA decides.
    pub subpixel_offset: Option<Vec2>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            debug_view: None,
            background: Background::default(),
            post: PostSettings::default(),
            dt_seconds: 1.0 / 60.0,
            subpixel_offset: None,
        }
    }
}

/// What step 1 of the frame decided ([`Renderer::plan_frame`]).
struct FramePlan {
    /// The post stack's plan: the settings the governor allows, jitter, render size.
    plan: crate::post::stack::FramePlan,
    /// A G-buffer debug view (no lighting, no post).
    gbuffer_view: Option<DebugView>,
    /// The unjittered view-projection.
    view_proj: Mat4,
    /// TAA's sub-pixel offset, in pixels.
    jitter: Vec2,
    /// The render size (the G-buffer's).
    size: (u32, u32),
    /// The multiplier the HDR image is rendered with.
    exposure: f32,
    /// EV100 for the fixed exposure modes.
    fixed_ev100: f32,
    /// The scene's bounds as the instances stand now.
    bounds: Aabb,
}

/// The camera side of an AR frame for [`Renderer::render_over_camera`].
#[derive(Clone, Copy, Debug)]
pub struct CameraImage<'a> {
    /// The camera image, any size, sampled as display-linear values (an `*Srgb` view of
    /// 8-bit sRGB pixels).
    pub view: &'a wgpu::TextureView,
    /// Its sensor noise, sRGB-encoded standard deviation per channel (see
    /// [`crate::post::composite::estimate_noise_sigma`]), added to the virtual object.
    pub grain_sigma: f32,
    /// Expose the virtual object as the camera exposed the real world (see
    /// [`crate::post::camera_exposure`]) instead of by the exposure settings.
    pub match_exposure: bool,
}

/// Everything needed to draw one scene at one size.
pub struct Renderer {
    width: u32,
    height: u32,
    /// The G-buffer's size: the display size times the render scale.
    render_size: (u32, u32),
    hdr_format: HdrFormat,
    gbuffer: GBuffer,
    display_target: Target,
    geometry: gbuffer::GeometryPass,
    lighting: lighting::LightingPass,
    forward: forward::ForwardPass,
    /// The post chain, budget governor and GPU timer, driven through their public API.
    post: PostStack,
    debug_view: debug_view::DebugViewPass,
    scene: SceneGpu,
    lights: Vec<crate::scene::Light>,
    environment: Arc<Environment>,
    shadows: ShadowPass,
    shadow_mask: ShadowMaskPass,
    camera_buffer: wgpu::Buffer,
    camera_bind_group: wgpu::BindGroup,
    prev_view_proj: Option<Mat4>,
    /// Ambient occlusion (GTAO) between the G-buffer and lighting, with its own texture pool.
    ao: AoPass,
    ao_pool: TexturePool,
    /// The last frame's AO visibility, kept for [`Renderer::read_ambient_occlusion`].
    ao_output: Option<AoOutput>,
    /// Bound in place of the visibility when AO is off.
    ao_white: wgpu::TextureView,
    /// The ground plane's shadow and AO onto the background, when the settings ask for it.
    shadow_catcher: Option<shadow_catcher::ShadowCatcherPass>,
}

fn check_size(gpu: &Gpu, width: u32, height: u32) -> Result<(), Error> {
    let max = gpu.device.limits().max_texture_dimension_2d;
    if width == 0 || height == 0 || width > max || height > max {
        return Err(Error::InvalidArgument(format!(
            "image size {width}x{height} is outside 1..={max} on this device"
        )));
    }
    Ok(())
}

impl Renderer {
    /// Upload `scene` and allocate targets of `width` x `height` pixels, with the default
    /// studio environment (baked here), shadows and HDR format.
    pub fn new(gpu: &Gpu, scene: &Scene, width: u32, height: u32) -> Result<Self, Error> {
        check_size(gpu, width, height)?;
        let environment =
            Environment::new(gpu, &EnvironmentSettings::default(), &mut |stage, done| {
                log::debug!("environment {stage}: {:.0}%", done * 100.0);
            })?;
        Self::with_environment(
            gpu,
            scene,
            (width, height),
            Arc::new(environment),
            &Default::default(),
        )
    }

    /// As [`Renderer::new`] with an environment baked beforehand (and shareable between
    /// renderers) and the given settings.
    pub fn with_environment(
        gpu: &Gpu,
        scene: &Scene,
        (width, height): (u32, u32),
        environment: Arc<Environment>,
        settings: &RendererSettings,
    ) -> Result<Self, Error> {
        let (shadow_settings, hdr_format) = (&settings.shadows, settings.hdr_format);
        check_size(gpu, width, height)?;
        let needed = match hdr_format {
            HdrFormat::Rgba16Float => wgpu::Features::empty(),
            HdrFormat::Rg11b10Ufloat => wgpu::Features::RG11B10UFLOAT_RENDERABLE,
        };
        if !gpu.device.features().contains(needed) {
            return Err(Error::InvalidArgument(format!(
                "HDR format {hdr_format:?} is not renderable on {}",
                gpu.info.name
            )));
        }
        let device = &gpu.device;
        let environment_layout = Environment::layout(device);
        let shadow_layout = ShadowPass::layout(device);
        let (mut geometry, mips, mut lighting, debug_view) =
            gpu.checked("creating pipelines", || -> Result<_, Error> {
                Ok((
                    gbuffer::GeometryPass::new(device, hdr_format)?,
                    mipmaps::MipGenerator::new(device)?,
                    lighting::LightingPass::new(
                        device,
                        hdr_format,
                        (&environment_layout, &shadow_layout),
                        shadow_settings.enabled,
                    )?,
                    debug_view::DebugViewPass::new(device)?,
                ))
            })??;
        let post = PostStack::new(
            device,
            &gpu.queue,
            &PostStackDescriptor {
                settings: PostSettings::default(),
                hdr_format: hdr_format.texture_format(),
                output_format: DISPLAY_FORMAT,
                provided: Provided::GBUFFER,
            },
        )?;
        // The lights decide the light loops' pipelines (`lights::LightKey`).
        let lights = lights::scene_lights(scene);
        let light_key = lighting.set_lights(device, &gpu.queue, &lights);
        let catcher = settings.shadow_catcher.as_ref();
        let (scene_gpu, ground, forward, shadows) =
            gpu.checked("uploading the scene", || -> Result<_, Error> {
                let (scene_gpu, ground) = shadow_catcher::upload(
                    device,
                    &gpu.queue,
                    &mut geometry,
                    &mips,
                    scene,
                    catcher,
                );
                let mut forward = forward::ForwardPass::new(
                    device,
                    &environment_layout,
                    &shadow_layout,
                    &geometry,
                )?;
                forward.prepare(device, &scene_gpu, light_key);
                let shadows = ShadowPass::new(device, &geometry, shadow_settings)?;
                Ok((scene_gpu, ground, forward, shadows))
            })??;
        let shadow_catcher = match ground {
            Some(plane) => Some(gpu.checked("creating pipelines", || {
                let (layouts, size) = ((&environment_layout, &shadow_layout), (width, height));
                let mut catcher = shadow_catcher::ShadowCatcherPass::new(
                    device,
                    plane,
                    (hdr_format, size),
                    layouts,
                )?;
                catcher.prepare(device, light_key, Background::default());
                Ok::<_, Error>(catcher)
            })??),
            None => None,
        };
        let zero = CameraUniforms::new(
            &Camera::orbit(Vec3::ZERO, 0.0, 0.0, 1.0, 1.0),
            (1, 1),
            Vec2::ZERO,
            Mat4::IDENTITY,
            1.0,
        );
        let camera_buffer = bindings::uniform_buffer(device, "camera", bytemuck::bytes_of(&zero));
        let camera_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("camera"),
            layout: &geometry.camera_layout,
            entries: &bindings::entries(&[camera_buffer.as_entire_binding()]),
        });
        let mut renderer = Self {
            width,
            height,
            render_size: (width, height),
            hdr_format,
            gbuffer: GBuffer::new(device, width, height, hdr_format),
            display_target: display_target(device, (width, height), DISPLAY_FORMAT),
            geometry,
            lighting,
            forward,
            post,
            debug_view,
            scene: scene_gpu,
            lights,
            environment,
            shadows,
            shadow_mask: ShadowMaskPass::new(device)?,
            camera_buffer,
            camera_bind_group,
            prev_view_proj: None,
            ao: gpu.checked("creating pipelines", || AoPass::new(device))??,
            ao_pool: TexturePool::new(),
            ao_output: None,
            ao_white: white_texture(device, &gpu.queue),
            shadow_catcher,
        };
        renderer.bind_targets(device);
        Ok(renderer)
    }

    fn bind_targets(&mut self, device: &wgpu::Device) {
        self.lighting.bind(device, &self.camera_buffer, &self.gbuffer);
        self.shadow_mask.bind(device, &self.camera_buffer, &self.gbuffer);
        self.forward.bind(device, &self.camera_buffer, self.lighting.lights_buffer());
        self.debug_view.bind(device, &self.camera_buffer, &self.gbuffer);
    }

    /// Reallocate targets for a new size; motion history restarts.
    pub fn resize(&mut self, gpu: &Gpu, width: u32, height: u32) -> Result<(), Error> {
        check_size(gpu, width, height)?;
        if (width, height) != (self.width, self.height) {
            self.width = width;
            self.height = height;
            self.render_size = (width, height);
            self.gbuffer = GBuffer::new(&gpu.device, width, height, self.hdr_format);
            let format = self.display_format();
            self.display_target = display_target(&gpu.device, (width, height), format);
            self.bind_targets(&gpu.device);
            self.reset_history();
            self.post.reset_budget_statistics("resolution changed");
        }
        Ok(())
    }

    /// Target size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The G-buffer's size in pixels as of the last frame: [`Renderer::size`] times the
    /// render scale (`PostSettings::render_scale`).
    pub fn render_size(&self) -> (u32, u32) {
        self.render_size
    }

    /// Forget last frame (camera cut): the next frame's motion vectors are zero.
    pub fn reset_history(&mut self) {
        self.prev_view_proj = None;
        self.post.reset_history();
        self.ao.reset_history();
        self.scene.reset_history();
    }

    /// Replace the scene's lights (the first directional one casts the shadow).
    pub fn set_lights(&mut self, gpu: &Gpu, lights: &[crate::scene::Light]) {
        self.lights = lights.to_vec();
        let key = self.lighting.set_lights(&gpu.device, &gpu.queue, lights);
        self.forward.prepare(&gpu.device, &self.scene, key);
        if let Some(catcher) = &mut self.shadow_catcher {
            catcher.set_lights(&gpu.device, key);
        }
    }

    /// Move a scene instance (scene order); takes effect, with motion vectors, next frame.
    pub fn set_instance_transform(&mut self, index: usize, transform: Mat4) -> bool {
        self.scene.set_instance_transform(index, transform)
    }

    /// How many frames drew the shadow map: the others reused it, as nothing it depends on
    /// had changed ([`shadows`], "Cached").
    pub fn shadow_maps_drawn(&self) -> u64 {
        self.shadows.maps_drawn()
    }

    /// Draw one frame from `camera`. Motion vectors are relative to the previous call.
    ///
    /// The post settings are validated first (a pass reading an input the renderer lacks, or
    /// an unreadable LUT file, is an error and nothing is drawn); the grade LUT is re-baked
    /// only when the grade, tone mapper, user LUT or LUT size changed.
    ///
    /// With a `[budget]` mode set in the post settings, the budget governor turns passes and
    /// the render scale down from them (and back up) by the GPU frame times of earlier frames;
    /// [`Renderer::governor`] says what it did.
    pub fn render(
        &mut self,
        gpu: &Gpu,
        camera: &Camera,
        options: &RenderOptions,
    ) -> Result<(), Error> {
        self.render_frame(gpu, camera, options, None)
    }

    /// As [`Renderer::render`], composited over an AR camera image: the scene is the virtual
    /// content, the shadow catcher's real-world mask and light fraction say where the camera
    /// image shows through and how much the virtual object's shadow and AO darken it (see
    /// [`crate::post::composite`]). Needs [`RendererSettings::shadow_catcher`]: without the
    /// catcher there is no mask, and that is an error.
    pub fn render_over_camera(
        &mut self,
        gpu: &Gpu,
        camera: &Camera,
        options: &RenderOptions,
        camera_image: &CameraImage<'_>,
    ) -> Result<(), Error> {
        if self.shadow_catcher.is_none() {
            return Err(Error::InvalidArgument(
                "compositing over a camera image needs the shadow catcher \
                 (RendererSettings::shadow_catcher), which draws the real-world mask"
                    .into(),
            ));
        }
        self.render_frame(gpu, camera, options, Some(camera_image))
    }

    /// Step 1 of the frame: the post stack takes the timings of earlier frames and plans
    /// this one (the settings the governor allows, TAA's jitter, the render size); the
    /// exposure is metered, the G-buffer follows the render size and the camera uniforms are
    /// written.
    fn plan_frame(
        &mut self,
        gpu: &Gpu,
        camera: &Camera,
        options: &RenderOptions,
    ) -> Result<FramePlan, Error> {
        let mut wanted = options.post.validated().0;
        if let Some(timing) = gpu.timing {
            wanted.budget.timing = timing;
        }
        if self.post.settings() != &wanted {
            self.post.set_settings(&wanted)?;
        }
        // The display target holds what the display encoding needs (8-bit sRGB, or HDR values
        // in Rgba16Float: PQ code values or scRGB, crate::post::display).
        let encoding = wanted.display.encoding;
        if encoding.is_hdr() && options.debug_view.is_some() {
            return Err(Error::InvalidArgument(format!(
                "debug views draw SDR; display.encoding = \"{}\" needs a frame without one",
                encoding.name()
            )));
        }
        // The chain's display format is what the target holds: no composite step between.
        let display_format = encoding.chain_format();
        if self.display_format() != display_format {
            let size = (self.width, self.height);
            self.display_target = display_target(&gpu.device, size, display_format);
            self.post.set_output_format(display_format)?;
        }
        let plan = self.post.begin_frame((self.width, self.height))?;
        let post = &plan.settings;
        // G-buffer debug views skip lighting and post; the frame views draw the frame first.
        let gbuffer_view = options.debug_view.filter(|v| !v.shows_frame());
        let view_proj = view_projection(camera, self.width, self.height);
        let prev = self.prev_view_proj.unwrap_or(view_proj);
        let info = self.environment.info();
        let environment_lux = std::f32::consts::PI
            * info.average_radiance.dot(crate::post::grade::REC709_LUMINANCE)
            * self.environment.settings().intensity;
        let metered = Exposure::Auto.ev100(&self.lights, environment_lux);
        let fixed_ev100 = post.exposure.fixed_ev100().unwrap_or(metered);
        let exposure = pre_exposure(fixed_ev100);
        // TAA's sub-pixel jitter (Halton 2,3, from the plan); the motion vectors stay
        // unjittered.
        let jitter = match options.subpixel_offset {
            Some(offset) => offset,
            None if gbuffer_view.is_none() => plan.jitter,
            None => Vec2::ZERO,
        };
        // Render scale: the G-buffer follows it (G-buffer debug views show full resolution).
        let size = match gbuffer_view {
            None => plan.render_size,
            Some(_) => (self.width, self.height),
        };
        if size != self.render_size {
            self.render_size = size;
            self.gbuffer = GBuffer::new(&gpu.device, size.0, size.1, self.hdr_format);
            self.bind_targets(&gpu.device);
            self.ao.reset_history();
        }
        let uniforms =
            CameraUniforms::with_view_projection(camera, view_proj, size, jitter, prev, exposure);
        gpu.queue.write_buffer(&self.camera_buffer, 0, bytemuck::bytes_of(&uniforms));
        self.scene.begin_frame(&gpu.queue);
        // Bounds as the instances stand now, so moved objects stay inside the fitted map.
        let bounds = self.scene.world_bounds();
        Ok(FramePlan { plan, gbuffer_view, view_proj, jitter, size, exposure, fixed_ev100, bounds })
    }

    /// The frame, one step after another: plan, shadow map, G-buffer, AO, lighting, forward,
    /// shadow catcher, post stack, submit (`docs/architecture.md`, "The frame").
    fn render_frame(
        &mut self,
        gpu: &Gpu,
        camera: &Camera,
        options: &RenderOptions,
        camera_image: Option<&CameraImage<'_>>,
    ) -> Result<(), Error> {
        // 1. Plan: the governor's settings, TAA's jitter, the render size, the exposure; the
        //    camera uniforms and the G-buffer at that size.
        let FramePlan {
            plan,
            gbuffer_view,
            view_proj,
            jitter,
            size,
            exposure,
            fixed_ev100,
            bounds,
        } = self.plan_frame(gpu, camera, options)?;
        let post = &plan.settings;
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("frame") });

        let timer = self.post.timer();
        // 2. G-buffer: depth, base colour, normal + roughness + metallic, motion; emissive into
        //    HDR.
        timer.scope(GBUFFER_SCOPE, &mut encoder, |e| {
            self.geometry.draw(e, &self.gbuffer, &self.scene, &self.camera_bind_group)
        });
        // 3. Shadows, at the governor's shadow tier: the map (depth from the key light, fitted
        //    to the scene's bounds; drawn only when the light, the bounds, the tier or an
        //    instance changed since it was drawn), then the key light's visibility per pixel
        //    (the mask lighting reads), in one timing scope: the shadow tier's cost.
        let shadow_tier = post.shadows.tier;
        self.shadows.set_tier(&gpu.device, shadow_tier);
        let key_light = lights::shadow_light(&self.lights).map(|l| l.direction());
        let shadow_bounds = if key_light.is_some() { bounds } else { Aabb::empty() };
        self.shadows.update(&gpu.queue, key_light.unwrap_or(Vec3::NEG_Y), &shadow_bounds);
        timer.scope(SHADOWS_SCOPE, &mut encoder, |e| {
            self.shadows.draw(e, &self.scene);
            if gbuffer_view.is_none() {
                self.shadow_mask.draw(&gpu.device, e, shadow_tier, &self.shadows);
            }
        });
        // 4. AO: GTAO visibility from depth and normals, for lighting's indirect light (lit
        //    frames only; TAA on accumulates it over frames). It runs here, where it is
        //    driven: lighting (and the shadow catcher) read it.
        let ao_settings = post.ao.validated().0;
        let ao_on = gbuffer_view.is_none() && ao_settings.tier.is_on();
        self.ao_output = None;
        if ao_on {
            let frame = AoFrame {
                depth: &self.gbuffer.depth.view,
                normals: &self.gbuffer.normal_roughness_metallic.view,
                motion: &self.gbuffer.motion.view,
                camera: &self.camera_buffer,
                projection: AoFrame::projection(
                    jittered(view_proj, jitter, size.0, size.1),
                    camera,
                ),
                size,
                frame_index: plan.frame_index,
                temporal: post.taa.tier.is_on(),
                // The shadow catcher and the frame debug views read AO at full size.
                lighting_only: self.shadow_catcher.is_none() && options.debug_view.is_none(),
            };
            // The post chain's `variant` picks fragment or compute steps.
            self.ao_output = timer.scope(AoPass::NAME, &mut encoder, |e| {
                let (device, queue, pool) = (&gpu.device, &gpu.queue, &mut self.ao_pool);
                self.ao.draw_variant(device, queue, e, pool, &frame, &ao_settings, post.variant)
            });
        }
        self.ao_pool.end_frame();
        match gbuffer_view {
            // Debug view: one G-buffer channel straight to the display target; no lighting.
            Some(view) => {
                let range = self.depth_range(camera);
                let sources = debug_view::FrameSources::default();
                timer.scope(DEBUG_VIEW_SCOPE, &mut encoder, |e| {
                    let target = &self.display_target;
                    self.debug_view.draw(gpu, e, view, range, &sources, target)
                });
                self.post.skip_record(&mut encoder);
            }
            None => {
                let groups = [self.environment.bind_group(), self.shadows.bind_group()];
                // 5. Lighting: punctual lights, the shadow mask, image-based light and background
                //    into HDR. Its pipelines for every AO state the governor can reach are built
                //    ahead.
                let wanted_ao = options.post.ao.validated().0;
                self.lighting.prepare(&gpu.device, options.background, &wanted_ao);
                timer.scope(LIGHTING_SCOPE, &mut encoder, |e| {
                    let ao = match &self.ao_output {
                        Some(ao) => (
                            &ao.visibility.view,
                            ao.working_view_depth.as_ref().map(|d| &d.view),
                            Some(&ao_settings),
                        ),
                        None => (&self.ao_white, None, None),
                    };
                    let device = &gpu.device;
                    let (gbuffer, background) = (&self.gbuffer, options.background);
                    let (queue, mask) = (&gpu.queue, self.shadow_mask.view());
                    self.lighting.draw(device, e, queue, gbuffer, background, groups, ao, mask)
                });
                // 6. Forward: alpha-blended surfaces over the lit image, back to front; no pass
                //    (and no timing scope) where there are none.
                let blended = self.scene.blend_draws_back_to_front(camera.position);
                if !blended.is_empty() {
                    timer.scope(FORWARD_SCOPE, &mut encoder, |e| {
                        let draws = (blended, &self.scene.instance_buffer);
                        let lights = self.lighting.light_key();
                        self.forward.draw(e, &self.gbuffer, draws, lights, groups)
                    });
                }
                // 7. Shadow catcher: the ground plane's shadow and AO times the background into
                //    HDR, its light fraction and the real-world mask.
                if let Some(catcher) = &mut self.shadow_catcher {
                    let frame = shadow_catcher::ShadowCatcherFrame {
                        gbuffer: &self.gbuffer,
                        camera: &self.camera_buffer,
                        lights_buffer: self.lighting.lights_buffer(),
                        lights: self.lighting.light_key(),
                        ambient_occlusion: self
                            .ao_output
                            .as_ref()
                            .map_or(&self.ao_white, |ao| &ao.visibility.view),
                        background: options.background,
                        groups,
                    };
                    timer.scope(shadow_catcher::ShadowCatcherPass::NAME, &mut encoder, |e| {
                        catcher.draw(&gpu.device, &gpu.queue, e, &frame)
                    });
                }
                // 8. Post stack (`PostChain::record`): DoF, motion blur, TAA or upscale,
                //    exposure, bloom, finish (grade + tone map LUT, vignette, grain, dither),
                //    FXAA, sharpen, into the display target. A jump of the view drops TAA's
                //    history: the stack judges it at the depth of the scene's centre (the
                //    lens's autofocus distance).
                let inputs = PostInputs {
                    depth: Some(&self.gbuffer.depth.view),
                    motion: Some(&self.gbuffer.motion.view),
                    view_projection: Some(view_proj),
                    camera: post_camera(camera, &bounds),
                    camera_cut: self.prev_view_proj.is_none(),
                    jitter: Some(jitter),
                    pre_exposure: exposure,
                    ev100: fixed_ev100,
                    dt_seconds: options.dt_seconds,
                    real_world: camera_image.zip(self.shadow_catcher.as_ref()).map(
                        |(image, catcher)| RealWorld {
                            camera_image: image.view,
                            mask: catcher.mask_view(),
                            light_fraction: Some(catcher.fraction_view()),
                            grain_sigma: image.grain_sigma,
                            match_exposure: image.match_exposure,
                        },
                    ),
                    ..PostInputs::new(&self.gbuffer.hdr.view)
                };
                // User passes read the G-buffer normals (`custom_normal`).
                let normals = self.gbuffer.normal_roughness_metallic.view.clone();
                self.post.chain_mut().set_normals(Some(normals));
                self.post.record(&mut encoder, &inputs, &self.display_target.view)?;
                // Frame debug views: the frame's AO, a bloom mip or the grade LUT over it.
                if let Some(view) = options.debug_view {
                    let sources = debug_view::FrameSources {
                        ao: self.ao_output.as_ref().map(|ao| &ao.visibility.view),
                        bloom_mip: match view {
                            DebugView::BloomMip(mip) if post.bloom.tier.is_on() => {
                                self.post.chain().bloom_mip(mip)
                            }
                            _ => None,
                        },
                        lut: self.post.chain().grade_lut(),
                    };
                    // Not timed: the stack closed the frame's timing queries in `record`.
                    let target = &self.display_target;
                    self.debug_view.draw(gpu, &mut encoder, view, (0.0, 1.0), &sources, target);
                }
            }
        }
        // 9. Submit; the frame's readbacks and timings are collected as they arrive.
        self.post.submit([encoder.finish()]);
        self.scene.end_frame();
        self.prev_view_proj = Some(view_proj);
        Ok(())
    }

    /// View distances of the nearest and farthest scene points, for the depth debug view.
    fn depth_range(&self, camera: &Camera) -> (f32, f32) {
        let bounds = &self.scene.world_bounds();
        if bounds.is_empty() {
            return (0.0, 1.0);
        }
        let view = camera.view();
        let (mut near, mut far) = (f32::INFINITY, 0f32);
        for i in 0..8 {
            let c = Vec3::new(
                if i & 1 == 0 { bounds.min.x } else { bounds.max.x },
                if i & 2 == 0 { bounds.min.y } else { bounds.max.y },
                if i & 4 == 0 { bounds.min.z } else { bounds.max.z },
            );
            let d = -view.transform_point3(c).z;
            near = near.min(d);
            far = far.max(d);
        }
        (near.max(0.0), far.max(near.max(0.0) + 1e-3))
    }

    /// GPU milliseconds per pass of the newest frame whose timestamps have arrived (a few
    /// frames late; empty without timestamp support, see [`Renderer::timing_available`]).
    pub fn pass_times(&self) -> &[PassTime] {
        self.post.pass_times()
    }

    /// Whether this device gives GPU pass times (frame times arrive on every device).
    pub fn timing_available(&self) -> bool {
        self.post.timing_available()
    }

    /// How GPU time is measured (the rung of the timing ladder in use).
    pub fn timing_method(&self) -> crate::gpu::TimingMethod {
        self.post.timing_method()
    }

    /// Every frame whose GPU timings arrived since the last call, oldest first (polls the
    /// device without blocking; empty without timestamp support).
    pub fn frame_timings(&mut self) -> Vec<FrameTiming> {
        self.post.frame_timings()
    }

    /// Wait for the GPU and return every frame whose timings arrived since the last call, up
    /// to the last frame rendered (the end of a headless run: it stalls).
    pub fn wait_for_frame_timings(&mut self) -> Vec<FrameTiming> {
        self.post.wait_for_frame_timings()
    }

    /// The budget governor: its status, decisions and current knobs.
    pub fn governor(&self) -> &Governor {
        self.post.governor()
    }

    /// Forget the governor's statistics and learned costs (call after changing the scene's
    /// content; resizing does it already).
    pub fn reset_budget_statistics(&mut self, reason: &str) {
        self.post.reset_budget_statistics(reason);
    }

    /// The index the next rendered frame will get (the `frame` of its [`FrameTiming`]).
    pub fn frame_index(&self) -> u64 {
        self.post.frame_index()
    }

    /// Wait for the GPU to finish and collect the newest pass times (headless tools only: it
    /// stalls).
    pub fn wait_for_pass_times(&mut self) -> &[PassTime] {
        self.post.wait_for_pass_times()
    }

    /// How many lighting pipelines are built (one per light count, background and AO state:
    /// for tests that a budget-governor step compiles none during its frame).
    pub fn lighting_pipelines_built(&self) -> usize {
        self.lighting.pipelines_built()
    }

    /// The post stack this renderer feeds (its settings, governor and timer).
    pub fn post_stack(&self) -> &PostStack {
        &self.post
    }

    /// The post stack, to add user passes ([`PostStack::add_pass`]) or reload their shaders.
    pub fn post_stack_mut(&mut self) -> &mut PostStack {
        &mut self.post
    }

    /// The G-buffer (for tests and tools).
    pub fn gbuffer(&self) -> &GBuffer {
        &self.gbuffer
    }

    /// The geometry pass (the shadow pass shares its material layout).
    pub fn geometry(&self) -> &gbuffer::GeometryPass {
        &self.geometry
    }

    /// The uploaded scene (for passes recorded outside the frame recipe: tests and tools).
    pub fn scene_gpu(&self) -> &SceneGpu {
        &self.scene
    }

    /// The camera uniform buffer of the last frame (`Camera` in `common.wgsl`).
    pub(crate) fn camera_buffer(&self) -> &wgpu::Buffer {
        &self.camera_buffer
    }

    /// The format of the display image as [`Renderer::display_view`] sees it: 8-bit sRGB
    /// ([`DISPLAY_FORMAT`]), or the HDR display format.
    fn display_format(&self) -> wgpu::TextureFormat {
        match self.display_target.texture.format() {
            wgpu::TextureFormat::Rgba8Unorm => DISPLAY_FORMAT,
            format => format,
        }
    }

    /// The finished 8-bit sRGB image as a view (its texture can also be sampled), for an app
    /// that presents it itself (the viewer draws it into its window).
    pub fn display_view(&self) -> &wgpu::TextureView {
        &self.display_target.view
    }

    /// The finished 8-bit image: `width * height * 4` bytes of sRGB-encoded RGBA, top row first.
    pub fn read_display(&self, gpu: &Gpu) -> Result<Vec<u8>, GpuError> {
        read_texture(gpu, &self.display_target.texture)
    }

    /// The display image of a frame with HDR output (`[display] encoding` pq or scrgb) as RGBA
    /// f32, top row first: PQ code values (BT.2020) or scRGB (linear Rec.709, 1.0 = 80 nits).
    /// `None` when the last frame was SDR ([`Renderer::read_display`] has its bytes).
    pub fn read_display_hdr(&self, gpu: &Gpu) -> Result<Option<Vec<[f32; 4]>>, GpuError> {
        if self.display_target.texture.format() != crate::post::display::HDR_DISPLAY_FORMAT {
            return Ok(None);
        }
        read_rgba16f(gpu, &self.display_target.texture).map(Some)
    }

    /// The linear HDR image as RGBA f32, top row first.
    pub fn read_hdr(&self, gpu: &Gpu) -> Result<Vec<[f32; 4]>, GpuError> {
        read_rgba16f(gpu, &self.gbuffer.hdr.texture)
    }

    /// Motion vectors (uv now minus uv last frame) per pixel, top row first.
    pub fn read_motion(&self, gpu: &Gpu) -> Result<Vec<[f32; 2]>, GpuError> {
        let bytes = read_texture(gpu, &self.gbuffer.motion.texture)?;
        Ok(halves_to_f32(&bytes).chunks_exact(2).map(|c| [c[0], c[1]]).collect())
    }

    /// The last frame's ambient occlusion visibility (1 = unoccluded, cosine-weighted, before
    /// intensity and multi-bounce) per pixel, top row first; `None` when AO did not run.
    /// Half floats from the fragment variant, floats from the compute one. At half size (the
    /// working resolution) when lighting upsampled it
    /// ([`crate::post::ao::AoSettings::upsample_in_lighting`]).
    pub fn read_ambient_occlusion(&self, gpu: &Gpu) -> Result<Option<Vec<f32>>, GpuError> {
        let Some(AoOutput { visibility, .. }) = &self.ao_output else { return Ok(None) };
        let bytes = read_texture(gpu, &visibility.texture)?;
        Ok(Some(match visibility.texture.format() {
            wgpu::TextureFormat::R32Float => bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            _ => halves_to_f32(&bytes),
        }))
    }

    /// What the post settings' `variant` resolved to for AO in the last frame AO ran.
    pub fn ao_variant(&self) -> Option<&crate::post::variant::VariantChoice> {
        self.ao.variant()
    }

    /// The shadow catcher's light fraction (R16Float at the render size: 1 off the plane, see
    /// [`shadow_catcher`]); `None` when the catcher is off.
    pub fn shadow_catcher_view(&self) -> Option<&wgpu::TextureView> {
        self.shadow_catcher.as_ref().map(|c| c.fraction_view())
    }

    /// The real-world mask (R8Unorm at the render size: 1 on background and the shadow
    /// catcher's plane, 0 on virtual objects); `None` when the catcher is off.
    pub fn real_world_mask_view(&self) -> Option<&wgpu::TextureView> {
        self.shadow_catcher.as_ref().map(|c| c.mask_view())
    }

    /// The last frame's shadow catcher light fraction per pixel, top row first; `None` when
    /// the catcher is off.
    pub fn read_shadow_catcher(&self, gpu: &Gpu) -> Result<Option<Vec<f32>>, GpuError> {
        self.shadow_catcher.as_ref().map(|c| c.read_fraction(gpu)).transpose()
    }

    /// The last frame's real-world mask per pixel (0..=1), top row first; `None` when the
    /// catcher is off.
    pub fn read_real_world_mask(&self, gpu: &Gpu) -> Result<Option<Vec<f32>>, GpuError> {
        self.shadow_catcher.as_ref().map(|c| c.read_mask(gpu)).transpose()
    }

    /// Reverse-Z depth per pixel, top row first (0 where nothing was drawn).
    pub fn read_depth(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        let bytes = read_texture(gpu, &self.gbuffer.depth.texture)?;
        Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// Octahedral normal, roughness and metallic per pixel, as stored, top row first.
    pub fn read_normal_roughness_metallic(&self, gpu: &Gpu) -> Result<Vec<[f32; 4]>, GpuError> {
        let bytes = read_texture(gpu, &self.gbuffer.normal_roughness_metallic.texture)?;
        Ok(halves_to_f32(&bytes).chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect())
    }
}

/// A 1x1 white (visibility 1) R16Float texture: lighting's AO input when AO is off.
fn white_texture(device: &wgpu::Device, queue: &wgpu::Queue) -> wgpu::TextureView {
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("ao.white"),
        size: wgpu::Extent3d { width: 1, height: 1, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: crate::post::ao::OUTPUT_FORMAT,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    // 1.0 as a half float.
    let one = 0x3c00u16.to_le_bytes();
    queue.write_texture(
        texture.as_image_copy(),
        &one,
        wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(2), rows_per_image: None },
        wgpu::Extent3d { width: 1, height: 1, depth_or_array_layers: 1 },
    );
    texture.create_view(&Default::default())
}

/// What the post chain's depth of field needs of `camera`: near plane, field of view and the
/// view depth of the scene's bounds centre (autofocus); `None` for orthographic cameras.
pub fn post_camera(camera: &Camera, bounds: &Aabb) -> Option<crate::post::chain::PostCamera> {
    let crate::scene::CameraProjection::Perspective { yfov, znear } = camera.projection else {
        return None;
    };
    let centre = (!bounds.is_empty()).then(|| bounds.center());
    let autofocus_distance = centre
        .map(|c| (c - camera.position).dot(camera.forward.normalize_or_zero()))
        .filter(|d| *d > 0.0);
    Some(crate::post::chain::PostCamera { znear: znear.max(1e-6), yfov, autofocus_distance })
}

impl Renderer {
    /// Every texture and buffer this renderer holds, by name with its size and bytes: the
    /// G-buffer and display targets, the shadow map, the AO pool and history, the scene's
    /// buffers and textures, the environment, and the post stack ([`PostStack::memory`];
    /// `post` is the settings the last frame ran with, for TAA's history).
    pub fn memory(&self, post: &PostSettings) -> Vec<crate::gpu::memory::MemoryEntry> {
        let mut entries = self.gbuffer.memory();
        entries.push(crate::gpu::memory::MemoryEntry::texture(
            "display",
            &self.display_target.texture,
            true,
        ));
        entries.push(crate::gpu::memory::MemoryEntry::buffer("camera", &self.camera_buffer));
        entries.extend(self.shadows.memory());
        entries.push(self.shadow_mask.memory());
        entries.extend(self.lighting.memory());
        entries.extend(self.ao_pool.memory("ao.pool"));
        entries.extend(self.ao.memory());
        entries.push(crate::gpu::memory::MemoryEntry::texture(
            "ao.white",
            self.ao_white.texture(),
            false,
        ));
        entries.extend(self.scene.memory());
        entries.extend(self.environment.memory());
        entries.extend(self.post.memory(post, (self.width, self.height)));
        entries
    }

    /// What the post chain's `variant` setting resolved to on this device in the last frame
    /// (compute or fragment, and why); `None` before the first frame.
    pub fn post_variant(&self) -> Option<&crate::post::variant::VariantChoice> {
        self.post.chain().variant()
    }

    /// Bytes held by the renderer's transient texture pools (AO's and the post chain's).
    pub fn pool_bytes(&self) -> u64 {
        self.ao_pool.bytes() + self.post.chain().pool().bytes()
    }
}

/// An Rgba16Float texture's texels as RGBA f32, top row first.
/// The renderer's display target of `format`. For 8-bit sRGB, where the device has view formats,
/// an `Rgba8Unorm` texture whose default view is sRGB ([`DISPLAY_FORMAT`]): the finish writes
/// the encoded bytes through an `Rgba8Unorm` view (`FinishPass::draw`), everything else sees
/// the sRGB view. Otherwise a texture of `format` itself.
fn display_target(device: &wgpu::Device, size: (u32, u32), format: wgpu::TextureFormat) -> Target {
    if format != DISPLAY_FORMAT || !crate::gpu::Capabilities::of(device).view_formats {
        return Target::new(device, "display", size.0, size.1, format);
    }
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("display"),
        size: wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_SRC
            | wgpu::TextureUsages::COPY_DST,
        view_formats: &[DISPLAY_FORMAT],
    });
    let view = texture.create_view(&wgpu::TextureViewDescriptor {
        format: Some(DISPLAY_FORMAT),
        ..Default::default()
    });
    Target { texture, view }
}

fn read_rgba16f(gpu: &Gpu, texture: &wgpu::Texture) -> Result<Vec<[f32; 4]>, GpuError> {
    let bytes = read_texture(gpu, texture)?;
    Ok(halves_to_f32(&bytes).chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect())
}

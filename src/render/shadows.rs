//! The directional shadow map (`shaders/render/shadow.wgsl`, looked up by
//! `shaders/include/shadow.wgsl`): the scene's depth as seen from the key light, drawn after
//! the G-buffer in the frames that need a new one, at the side the shadow tier gives
//! ([`crate::post::shadow_tier`], [`ShadowPass::set_tier`]). The screen-space mask
//! ([`super::shadow_mask`]) looks it up for lighting; the forward pass and the shadow catcher
//! look it up themselves.
//!
//! **Cached.** The map depends on the light's projection (its direction, the bounds it is
//! fitted to, the settings: the uniforms [`ShadowPass::update`] computes) and on where the
//! casters stand; it does not depend on the camera, since the projection is fitted to the
//! scene's bounds, not to the view (below). So [`ShadowPass::draw`] skips the frame when both
//! are what the map was drawn with: same uniforms, same scene upload, no instance moved
//! ([`SceneGpu::placement`], counted by `set_instance_transform` when a matrix changes). A
//! product turntable (the camera moving around still objects) draws the map once; moving an
//! instance, a light or the bounds redraws it in that frame
//! (`tests/integration/shadows.rs`, `a_cached_shadow_map_follows_every_change_in_its_frame`).
//!
//! Reads: the scene's vertex and instance buffers, alpha-tested materials' base colour alpha,
//! the light direction and the scene's world bounds. Writes: one square Depth32Float map
//! (`size`² × 4 bytes: 16 MiB at the default 2048 and the high tier), and a uniform block the
//! shadow mask, forward and shadow catcher passes read through bind group 2
//! ([`ShadowPass::layout`], [`ShadowPass::bind_group`]).
//!
//! **Fitting.** An orthographic projection along the light, fitted to the scene's bounds rather
//! than to the view: the 8 corners of the bounds in light space give a tight near/far and the
//! x/y window, which is made square (texels are square, so a filter radius or bias in texels
//! means the same in every direction), rounded up to 1/16-octave steps and snapped to whole
//! texels. The map therefore does not move when the camera moves (no shimmering edges), and when
//! animated bounds grow or shrink a little the texel grid stays put. The light's up vector is
//! world +Y, or +Z when the light is within ~8° of vertical, so straight up and down work.
//!
//! **Depth convention.** Standard depth, 0 at the light's near plane and 1 at its far plane,
//! cleared to 1 and written with `Less`; lookups compare with `LessEqual`. The main pass uses
//! reverse-Z to spread float precision over a perspective 1/z; an orthographic depth is linear,
//! so reverse-Z buys nothing here (at 1.0 a 32-bit float still resolves 6e-8 of the depth range,
//! far below a texel), and standard depth keeps "nothing drawn" at the clear value 1, so a lookup
//! against an empty texel is lit without special cases.
//!
//! **Filtering and bias.** Percentage-closer filtering (Reeves, Salesin, Cook, SIGGRAPH 1987):
//! 16 bilinear comparison taps spanning ±`pcf_radius` texels (at the high tier; the mask takes
//! the same sum in 9 where they overlap, [`super::shadow_mask::paired_taps`]). Normal offset
//! (Holbert, GDC 2011) plus a constant depth bias, both applied at lookup. Why the defaults
//! neither acne nor peter-pan, with θ the angle between the receiver's normal and the light; at
//! 2048 a texel is 1.4-1.7 mm on DamagedHelmet and 1.5-1.7 mm on the Cornell box (depending
//! on the light):
//!
//! - *Acne.* A tap compares against texels up to √2·(pcf_radius + 1) texels away (tap offset plus
//!   the bilinear footprint, diagonally); across that distance a plane at angle θ changes depth
//!   by that many texels times tanθ. Moving the receiver F·sinθ texels along its normal lifts it
//!   F·tanθ texels above its own plane along the light, so F = √2·(pcf_radius + 1) clears every
//!   tap on any flat receiver at any angle: 3.5 texels at the default radius 1.5, plus
//!   `normal_bias` = 1 texel of margin. The offset grows with sinθ, not tanθ, so it stays bounded
//!   at grazing light (planes are clean up to 85° in `tests/integration/shadows.rs`). The Cornell box is all
//!   planes. The helmet's normal maps tilt the shading normal (which is all the G-buffer keeps)
//!   off the geometric one by a few degrees; the 1 texel `depth_bias` absorbs that. Without the
//!   two margins the helmet grows speckle (twice as many isolated, partly shadowed pixels on
//!   light-facing surfaces); with them its broad surfaces are clean, and what remains is a faint
//!   dotted line (10-25 % darker) along panel seams, where the PCF kernel straddles a groove.
//!   Raising `depth_bias` to 4 halves that, at the cost of up to 4 texels of contact leak.
//! - *Peter-panning.* On a floor, the normal offset lifts the lookup straight up: a point just
//!   beside an object's foot, lifted by less than the object's height, still looks at the object,
//!   so the shadow starts at the contact line (the offset only shortens the far end of a shadow,
//!   by F·tanθ texels). The constant bias detaches a shadow from a zero-thickness caster by at
//!   most `depth_bias`·sinθ texels; with PCF averaging over the caster's steep depth the
//!   measured gap behind a card standing on the floor is about 1 texel, and none behind a box.
//!   No hardware slope-scaled bias is used: it grows without bound as triangles turn edge-on to
//!   the light, which is exactly where contact shadows live.

use glam::{Mat4, Vec3};

use super::gbuffer::GeometryPass;
use super::scene_gpu::{INSTANCE_LAYOUT, SceneGpu, VERTEX_LAYOUT};
use crate::draw::bindings;
use crate::post::Tier;
use crate::post::shadow_tier;
use crate::scene::Aabb;
use crate::shaders;

/// Shadow map format.
pub const SHADOW_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// The pass's name: wgpu label and timing scope.
const NAME: &str = "shadows";

/// How the key light's shadow is drawn and looked up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShadowSettings {
    /// Whether the key light (the scene's first directional light) casts a shadow. When off,
    /// nothing is drawn, the map shrinks to one texel and `directional_shadow` returns 1.
    /// Default `true`.
    pub enabled: bool,
    /// Shadow map resolution in texels per side (square, Depth32Float: size² × 4 bytes). Range
    /// 256..=8192, clamped with a warning, and to the device's largest 2D texture. Default 2048.
    pub size: u32,
    /// Percentage-closer filter radius in shadow-map texels: 16 bilinear comparison taps on a
    /// 4×4 grid spanning ±`pcf_radius` (the penumbra is about 2·(pcf_radius + 1) texels wide);
    /// 0 is a single bilinear (2×2 texel) lookup. Range 0.0..=3.0 (beyond 3 the taps are more
    /// than two texels apart and the penumbra bands), clamped with a warning. Default 1.5.
    pub pcf_radius: f32,
    /// Constant depth bias in shadow-map texels (a texel's world size, measured along the
    /// light), for what the normal offset cannot see: curved receivers, normal-mapped normals.
    /// Detaches a contact shadow by at most this many texels. Range 0.0..=16.0, clamped with a
    /// warning. Default 1.0.
    pub depth_bias: f32,
    /// Normal-offset margin in shadow-map texels. A receiver is moved along its normal by
    /// (√2·(`pcf_radius` + 1) + `normal_bias`)·sinθ texels, θ the angle between the normal and
    /// the light: the first term is what a flat receiver needs to clear every filter tap, this
    /// is the margin on top. Shortens the far end of shadows by that many texels times tanθ.
    /// Range 0.0..=16.0, clamped with a warning. Default 1.0.
    pub normal_bias: f32,
}

impl Default for ShadowSettings {
    fn default() -> Self {
        Self { enabled: true, size: 2048, pcf_radius: 1.5, depth_bias: 1.0, normal_bias: 1.0 }
    }
}

/// `value` clamped to `range` (NaN becomes `default`), with a warning when it changed.
fn clamp_setting(name: &str, value: f32, range: (f32, f32), default: f32) -> f32 {
    if value.is_nan() {
        log::warn!("shadows.{name} is NaN; using the default {default}");
        return default;
    }
    let clamped = value.clamp(range.0, range.1);
    if clamped != value {
        log::warn!("shadows.{name} {value} is outside {}..={}; using {clamped}", range.0, range.1);
    }
    clamped
}

impl ShadowSettings {
    /// These settings with every field in its documented range (warning about each change) and
    /// `size` no larger than `max_size` texels (the device limit).
    pub fn clamped(&self, max_size: u32) -> Self {
        let default = Self::default();
        let mut size = self.size.clamp(256, 8192);
        if size != self.size {
            log::warn!("shadows.size {} is outside 256..=8192; using {size}", self.size);
        }
        if size > max_size {
            log::warn!("shadows.size {size} is above this device's {max_size}; using {max_size}");
            size = max_size;
        }
        Self {
            enabled: self.enabled,
            size,
            pcf_radius: clamp_setting(
                "pcf_radius",
                self.pcf_radius,
                (0.0, 3.0),
                default.pcf_radius,
            ),
            depth_bias: clamp_setting(
                "depth_bias",
                self.depth_bias,
                (0.0, 16.0),
                default.depth_bias,
            ),
            normal_bias: clamp_setting(
                "normal_bias",
                self.normal_bias,
                (0.0, 16.0),
                default.normal_bias,
            ),
        }
    }

    /// Total normal offset F in texels: the filter footprint plus `normal_bias`.
    fn normal_offset(&self) -> f32 {
        std::f32::consts::SQRT_2 * (self.pcf_radius + 1.0) + self.normal_bias
    }

    /// Texels kept free around the fitted bounds on every side, and as many texels' worth of
    /// depth before near and after far: the farthest a lookup reaches past a receiver (normal
    /// offset, filter, depth bias) plus one.
    fn border(&self) -> u32 {
        (self.normal_offset() + self.pcf_radius + self.depth_bias + 1.0).ceil() as u32 + 1
    }
}

/// GPU layout of `ShadowUniforms` in `shaders/include/shadow.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct ShadowUniforms {
    light_view_proj: [[f32; 4]; 4],
    to_light: [f32; 4],
    params: [f32; 4],
    bias: [f32; 4],
}

/// An orthographic light projection fitted to a box.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LightFit {
    view_proj: Mat4,
    /// World size of one texel, metres.
    texel: f32,
    /// Depth units per metre along the light.
    depth_per_metre: f32,
}

/// The light's view rotation for a unit `direction`. Rotation only, no translation: texel
/// snapping is then relative to a fixed origin.
fn light_view(direction: Vec3) -> Mat4 {
    // Any up vector not parallel to the light works; switching only near vertical keeps the map
    // still while the sun moves through the rest of the sky.
    let up = if direction.y.abs() > 0.99 { Vec3::Z } else { Vec3::Y };
    Mat4::look_to_rh(Vec3::ZERO, direction, up)
}

/// Fit an orthographic view-projection looking along `direction` around `bounds` for a map of
/// `size` texels, keeping `border` texels free on every side (and as much depth before near
/// and after far). `None` for empty or non-finite bounds and a zero or non-finite direction.
fn fit(direction: Vec3, bounds: &Aabb, size: u32, border: u32) -> Option<LightFit> {
    if bounds.is_empty() || !bounds.min.is_finite() || !bounds.max.is_finite() {
        return None;
    }
    let view = light_view(direction.try_normalize()?);
    let light = bounds.transformed(&view);
    // A point or a plane edge-on to the light has no extent; a millimetre (or the float
    // resolution of coordinates this far from the origin) keeps the matrix invertible.
    let magnitude = bounds.min.abs().max(bounds.max.abs()).max_element();
    let min_extent = (magnitude * 1e-5).max(1e-3);
    let raw = (light.max.x - light.min.x).max(light.max.y - light.min.y).max(min_extent);
    // 1/16-octave steps: a slowly growing scene changes the texel size rarely, wasting at most
    // 6% of the map.
    let step = 2f32.powi(raw.log2().floor() as i32 - 4);
    let extent = (raw / step).ceil() * step;
    // One texel more than the border on each side goes to snapping the origin down.
    let usable = size.saturating_sub(2 * border + 1).max(1);
    let texel = extent / usable as f32;
    let margin = border as f32 * texel;
    let left = (light.min.x / texel).floor() * texel - margin;
    let bottom = (light.min.y / texel).floor() * texel - margin;
    let width = size as f32 * texel;
    // Looking down -z: the nearest point has the largest z.
    let near = -light.max.z - margin;
    let far = -light.min.z + margin;
    let projection = Mat4::orthographic_rh(left, left + width, bottom, bottom + width, near, far);
    let view_proj = projection * view;
    view_proj.is_finite().then_some(LightFit {
        view_proj,
        texel,
        depth_per_metre: 1.0 / (far - near),
    })
}

/// The directional shadow map pass.
pub struct ShadowPass {
    settings: ShadowSettings,
    /// The tier the map and filter follow ([`crate::post::shadow_tier`]), and the largest side
    /// the device allows.
    tier: Tier,
    max_side: u32,
    map_view: wgpu::TextureView,
    sampler: wgpu::Sampler,
    opaque: wgpu::RenderPipeline,
    masked: wgpu::RenderPipeline,
    uniforms: wgpu::Buffer,
    /// Group 0 of the depth pass: the light's view-projection.
    caster_group: wgpu::BindGroup,
    /// Group 2 of the lighting and forward passes.
    bind_group: wgpu::BindGroup,
    light_view_proj: Mat4,
    /// The last `update` produced a map worth drawing.
    active: bool,
    /// An unusable light or bounds was reported; `update` runs every frame, so say it once.
    warned: bool,
    /// The uniforms of the last `update`.
    uniforms_now: ShadowUniforms,
    /// What the map holds: the uniforms and the scene placement it was drawn with.
    drawn: Option<(ShadowUniforms, (u64, u64))>,
    /// How many times the map was drawn (the cache's skips are the frames that did not).
    maps_drawn: u64,
}

impl ShadowPass {
    /// Load the shader, allocate the map (settings clamped to their ranges and the device) and
    /// build the depth pipelines. Alpha-tested draws bind the G-buffer pass's material groups,
    /// so `geometry` must be the pass the scene was uploaded with.
    pub fn new(
        device: &wgpu::Device,
        geometry: &GeometryPass,
        settings: &ShadowSettings,
    ) -> Result<Self, shaders::ShaderError> {
        let max_side = device.limits().max_texture_dimension_2d;
        let settings = settings.clamped(max_side);
        let module = shaders::create_module(device, "shadow")?;
        let tier = Tier::High;
        let map_view = create_map(device, if settings.enabled { settings.size } else { 1 });
        let uniforms =
            bindings::uniform_buffer(device, NAME, bytemuck::bytes_of(&ShadowUniforms::default()));
        let caster_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("shadows.caster"),
            entries: &[bindings::uniform(0, wgpu::ShaderStages::VERTEX)],
        });
        let caster_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("shadows.caster"),
            layout: &caster_layout,
            entries: &bindings::entries(&[uniforms.as_entire_binding()]),
        });
        let pipeline = |label, layouts: &[Option<&wgpu::BindGroupLayout>], masked: bool| {
            let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: layouts,
                immediate_size: 0,
            });
            let fragment = masked.then(|| wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_masked"),
                compilation_options: Default::default(),
                targets: &[],
            });
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(&layout),
                vertex: wgpu::VertexState {
                    module: &module,
                    entry_point: Some(if masked { "vs_masked" } else { "vs_opaque" }),
                    compilation_options: Default::default(),
                    buffers: &[Some(VERTEX_LAYOUT), Some(INSTANCE_LAYOUT)],
                },
                // Both faces: a single-sided floor or card still casts when the light is behind
                // it, and winding (mirrored instances) stops mattering.
                primitive: wgpu::PrimitiveState {
                    topology: wgpu::PrimitiveTopology::TriangleList,
                    cull_mode: None,
                    ..Default::default()
                },
                depth_stencil: Some(wgpu::DepthStencilState {
                    format: SHADOW_FORMAT,
                    depth_write_enabled: Some(true),
                    depth_compare: Some(wgpu::CompareFunction::Less),
                    stencil: Default::default(),
                    bias: Default::default(),
                }),
                multisample: Default::default(),
                fragment,
                multiview_mask: None,
                cache: None,
            })
        };
        let opaque = pipeline("shadows.opaque", &[Some(&caster_layout)], false);
        let masked = pipeline(
            "shadows.masked",
            &[Some(&caster_layout), Some(&geometry.material_layout)],
            true,
        );
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some(NAME),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            compare: Some(wgpu::CompareFunction::LessEqual),
            ..Default::default()
        });
        let bind_group = lookup_group(device, &uniforms, &map_view, &sampler);
        Ok(Self {
            settings,
            tier,
            max_side,
            map_view,
            sampler,
            opaque,
            masked,
            uniforms,
            caster_group,
            bind_group,
            light_view_proj: Mat4::IDENTITY,
            active: false,
            warned: false,
            uniforms_now: ShadowUniforms::default(),
            drawn: None,
            maps_drawn: 0,
        })
    }

    /// Layout of bind group 2 of the lighting and forward passes, as
    /// `shaders/include/shadow.wgsl` declares it: uniforms, map, comparison sampler.
    pub fn layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
        device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(NAME),
            entries: &[
                bindings::uniform(0, wgpu::ShaderStages::FRAGMENT),
                bindings::depth_texture(1),
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Comparison),
                    count: None,
                },
            ],
        })
    }

    /// Bind group 2 for the lighting and forward passes (layout: [`ShadowPass::layout`]).
    pub fn bind_group(&self) -> &wgpu::BindGroup {
        &self.bind_group
    }

    /// The settings in force (after clamping): the map at [`Tier::High`].
    pub fn settings(&self) -> &ShadowSettings {
        &self.settings
    }

    /// Follow `tier` ([`crate::post::shadow_tier`]): a map of the tier's side (allocated here
    /// when it changes, which redraws it), no shadow when off. Call before
    /// [`ShadowPass::update`].
    pub fn set_tier(&mut self, device: &wgpu::Device, tier: Tier) {
        if tier == self.tier {
            return;
        }
        self.tier = tier;
        let side = self.side().max(1);
        if side != self.map_view.texture().width() {
            self.map_view = create_map(device, side);
            self.bind_group = lookup_group(device, &self.uniforms, &self.map_view, &self.sampler);
            self.drawn = None;
        }
    }

    /// The tier the map follows ([`ShadowPass::set_tier`]).
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// The map's side at the current tier (0: no shadow).
    fn side(&self) -> u32 {
        match self.settings.enabled {
            true => shadow_tier::map_side(self.settings.size, self.tier, self.max_side),
            false => 0,
        }
    }

    /// World to the light's clip space (x, y in -1..=1 across the map, z in 0..=1 near to far)
    /// from the last [`ShadowPass::update`]; identity before the first.
    pub fn light_view_proj(&self) -> Mat4 {
        self.light_view_proj
    }

    /// Whether the last update left a shadow to draw (enabled, bounds and direction usable).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Fit the light's projection to `scene_bounds` looking along `light_direction` (the way
    /// the light travels) and upload it. Turns the shadow off (lit everywhere, nothing drawn)
    /// when the settings disable it, the bounds are empty or not finite, or the direction is
    /// zero or not finite.
    pub fn update(&mut self, queue: &wgpu::Queue, light_direction: Vec3, scene_bounds: &Aabb) {
        let (settings, side) = (&self.settings, self.side());
        let fitted = match side {
            0 => None,
            _ => fit(light_direction, scene_bounds, side, settings.border()),
        };
        let uniforms = match fitted {
            Some(f) => {
                self.light_view_proj = f.view_proj;
                ShadowUniforms {
                    light_view_proj: f.view_proj.to_cols_array_2d(),
                    to_light: (-light_direction.normalize()).extend(1.0).to_array(),
                    params: [f.texel, 1.0 / side as f32, settings.pcf_radius, f.depth_per_metre],
                    bias: [settings.normal_offset(), settings.depth_bias, 0.0, 0.0],
                }
            }
            None => {
                if side > 0 && !scene_bounds.is_empty() && !self.warned {
                    log::warn!(
                        "no shadow: light direction {light_direction} or bounds {scene_bounds:?} unusable"
                    );
                    self.warned = true;
                }
                ShadowUniforms::default()
            }
        };
        self.active = fitted.is_some();
        self.warned &= !self.active;
        if bytemuck::bytes_of(&uniforms) != bytemuck::bytes_of(&self.uniforms_now) {
            queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&uniforms));
            self.uniforms_now = uniforms;
        }
    }

    /// How many times the map was drawn since the pass was made ([`ShadowPass::draw`] skips
    /// the frames whose map would be the last one's).
    pub fn maps_drawn(&self) -> u64 {
        self.maps_drawn
    }

    /// Record the depth pass: every opaque draw, then every alpha-tested one. Blended (glTF
    /// BLEND) surfaces are alpha-tested at 0.5, as a partly transparent surface has no single
    /// depth to store: they cast where they are mostly opaque. Nothing when the shadow is off
    /// (see [`ShadowPass::update`]), and nothing when the map already holds this frame's: the
    /// same light projection (direction, fitted bounds, settings) over the same scene with no
    /// instance moved since it was drawn ([`SceneGpu::placement`]).
    pub fn draw(&mut self, encoder: &mut wgpu::CommandEncoder, scene: &SceneGpu) {
        if !self.active {
            return;
        }
        let key = (self.uniforms_now, scene.placement());
        if self.drawn.is_some_and(|(uniforms, placement)| {
            bytemuck::bytes_of(&uniforms) == bytemuck::bytes_of(&key.0) && placement == key.1
        }) {
            return;
        }
        self.drawn = Some(key);
        self.maps_drawn += 1;
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some(NAME),
            color_attachments: &[],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &self.map_view,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(1.0),
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            ..Default::default()
        });
        pass.set_bind_group(0, &self.caster_group, &[]);
        pass.set_vertex_buffer(1, scene.instance_buffer.slice(..));
        for masked in [false, true] {
            pass.set_pipeline(if masked { &self.masked } else { &self.opaque });
            for draw in
                scene.draws().filter(|d| d.casts_shadow && (d.key.masked || d.blend) == masked)
            {
                if masked {
                    pass.set_bind_group(1, draw.material, &[]);
                }
                pass.set_vertex_buffer(0, draw.vertices.slice(..));
                pass.set_index_buffer(draw.indices.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(0..draw.index_count, 0, draw.instances.clone());
            }
        }
    }
}

/// A square shadow map of `side` texels.
fn create_map(device: &wgpu::Device, side: u32) -> wgpu::TextureView {
    let map = device.create_texture(&wgpu::TextureDescriptor {
        label: Some(NAME),
        size: wgpu::Extent3d { width: side, height: side, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: SHADOW_FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        view_formats: &[],
    });
    map.create_view(&Default::default())
}

/// Bind group 2 of the lookups ([`ShadowPass::layout`]) over `map`.
fn lookup_group(
    device: &wgpu::Device,
    uniforms: &wgpu::Buffer,
    map: &wgpu::TextureView,
    sampler: &wgpu::Sampler,
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(NAME),
        layout: &ShadowPass::layout(device),
        entries: &bindings::entries(&[
            uniforms.as_entire_binding(),
            wgpu::BindingResource::TextureView(map),
            wgpu::BindingResource::Sampler(sampler),
        ]),
    })
}

impl ShadowPass {
    /// The shadow map and the light's uniforms, for memory reports.
    pub(crate) fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![
            crate::gpu::memory::MemoryEntry::texture("shadows.map", self.map_view.texture(), false),
            crate::gpu::memory::MemoryEntry::buffer("shadows.uniforms", &self.uniforms),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corners(b: &Aabb) -> impl Iterator<Item = Vec3> + '_ {
        (0..8).map(|i| {
            Vec3::new(
                if i & 1 == 0 { b.min.x } else { b.max.x },
                if i & 2 == 0 { b.min.y } else { b.max.y },
                if i & 4 == 0 { b.min.z } else { b.max.z },
            )
        })
    }

    fn aabb(min: Vec3, max: Vec3) -> Aabb {
        Aabb { min, max }
    }

    fn directions() -> Vec<Vec3> {
        let mut out = vec![Vec3::NEG_Y, Vec3::Y, Vec3::X, Vec3::NEG_Z, Vec3::new(1e-4, -1.0, 0.0)];
        // A spiral over the sphere.
        for i in 0..40 {
            let t = i as f32 / 39.0;
            let (theta, phi) = (t * std::f32::consts::PI, i as f32 * 2.4);
            out.push(Vec3::new(theta.sin() * phi.cos(), theta.cos(), theta.sin() * phi.sin()));
        }
        out
    }

    #[test]
    fn shadows_fit_contains_every_corner() {
        let boxes = [
            aabb(Vec3::new(-1.0, 0.0, -1.0), Vec3::new(1.0, 2.0, 1.0)),
            aabb(Vec3::new(100.0, -3.0, 50.0), Vec3::new(140.0, 7.0, 52.0)),
            aabb(Vec3::new(-0.01, -0.01, -0.01), Vec3::new(0.01, 0.02, 0.01)),
        ];
        let settings = ShadowSettings::default();
        for b in &boxes {
            for d in directions() {
                let f = fit(d, b, 2048, settings.border()).expect("fits");
                for c in corners(b) {
                    let p = f.view_proj.project_point3(c);
                    assert!(
                        p.x.abs() < 1.0 && p.y.abs() < 1.0 && p.z > 0.0 && p.z < 1.0,
                        "corner {c} of {b:?} along {d} projects to {p}"
                    );
                    // The border keeps every corner `border` texels inside the edge.
                    let texels = (1.0 - p.x.abs().max(p.y.abs())) * 1024.0;
                    assert!(texels >= settings.border() as f32 - 0.01, "{texels} texels");
                }
                // The window is tight: at most 1/16 rounding, plus the border and snapping.
                let extent = b.transformed(&light_view(d.normalize()));
                let raw = (extent.max - extent.min).truncate().max_element().max(1e-3);
                let usable = (2048 - 2 * settings.border() - 1) as f32;
                assert!(f.texel * usable <= raw * 1.0625 * 1.0001, "texel {} for {raw}", f.texel);
            }
        }
    }

    #[test]
    fn shadows_fit_is_finite_for_degenerate_input() {
        let point = aabb(Vec3::new(3.0, 1.0, -2.0), Vec3::new(3.0, 1.0, -2.0));
        let floor = aabb(Vec3::new(-5.0, 0.0, -5.0), Vec3::new(5.0, 0.0, 5.0));
        let wall = aabb(Vec3::new(-5.0, 0.0, 0.0), Vec3::new(5.0, 3.0, 0.0));
        let far_point = aabb(Vec3::splat(1e5), Vec3::splat(1e5));
        for b in [point, floor, wall, far_point] {
            for d in [Vec3::NEG_Y, Vec3::Y, Vec3::NEG_Z, Vec3::new(0.3, -1.0, 0.2)] {
                let f = fit(d, &b, 256, 8).expect("degenerate bounds still fit");
                assert!(f.view_proj.is_finite() && f.texel > 0.0 && f.depth_per_metre.is_finite());
                let p = f.view_proj.project_point3(b.center());
                assert!(p.x.abs() < 1.0 && p.y.abs() < 1.0 && p.z > 0.0 && p.z < 1.0, "{p}");
            }
        }
        assert!(fit(Vec3::NEG_Y, &Aabb::empty(), 2048, 8).is_none());
        assert!(fit(Vec3::ZERO, &floor, 2048, 8).is_none());
        assert!(fit(Vec3::NAN, &floor, 2048, 8).is_none());
        let infinite = aabb(Vec3::splat(f32::NEG_INFINITY), Vec3::ZERO);
        assert!(fit(Vec3::NEG_Y, &infinite, 2048, 8).is_none());
    }

    #[test]
    fn shadows_fit_is_snapped_to_texels() {
        // Bounds moved by a fraction of a texel: the texel size stays, and a fixed world point
        // moves by a whole number of texels in the map (or not at all), so edges do not swim.
        let d = Vec3::new(0.4, -1.0, -0.5);
        let a = aabb(Vec3::new(-1.0, 0.0, -1.0), Vec3::new(1.0, 2.0, 1.0));
        let fa = fit(d, &a, 2048, 8).expect("fits");
        for shift in [0.0003, 0.0011, 0.0047] {
            let b = aabb(a.min + Vec3::splat(shift), a.max + Vec3::splat(shift));
            let fb = fit(d, &b, 2048, 8).expect("fits");
            assert_eq!(fa.texel, fb.texel, "texel size changed by a {shift} m move");
            for p in [Vec3::ZERO, Vec3::new(0.3, 1.7, -0.2)] {
                let ta = (fa.view_proj.project_point3(p).truncate() * 1024.0).to_array();
                let tb = (fb.view_proj.project_point3(p).truncate() * 1024.0).to_array();
                for (x, y) in ta.iter().zip(tb) {
                    let moved = x - y;
                    assert!((moved - moved.round()).abs() < 0.01, "moved {moved} texels");
                }
            }
        }
    }

    #[test]
    fn shadows_settings_are_clamped() {
        let wild = ShadowSettings {
            enabled: true,
            size: 100_000,
            pcf_radius: f32::NAN,
            depth_bias: -1.0,
            normal_bias: 1e9,
        };
        let c = wild.clamped(4096);
        assert_eq!(c.size, 4096);
        assert_eq!(c.pcf_radius, 1.5);
        assert_eq!(c.depth_bias, 0.0);
        assert_eq!(c.normal_bias, 16.0);
        assert_eq!(ShadowSettings { size: 16, ..Default::default() }.clamped(16384).size, 256);
        assert_eq!(ShadowSettings::default().clamped(16384), ShadowSettings::default());
    }

    #[test]
    fn shadows_uniforms_match_the_wgsl_block() {
        // mat4x4f + 3 vec4f.
        assert_eq!(std::mem::size_of::<ShadowUniforms>(), 64 + 3 * 16);
    }
}

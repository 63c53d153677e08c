//! A scene uploaded to the GPU: vertex and index buffers, material textures (with mips, read as
//! sRGB or linear by use), samplers, material uniforms, and the instance buffer holding each
//! instance's transform now and last frame (for object motion vectors).
//!
//! Instances are sorted by (mesh, mirrored) so that every primitive is one instanced draw per
//! group; mirrored instances (negative determinant) use the clockwise-front pipelines.

use std::collections::HashMap;
use std::ops::Range;

use glam::Mat4;
use wgpu::util::DeviceExt;

use super::mipmaps::MipGenerator;
use crate::scene::{self, AlphaMode, Scene, TextureRef, Vertex};

/// Vertex buffer layout of [`Vertex`] (locations 0-5 in `gbuffer.wgsl`).
pub(crate) const VERTEX_LAYOUT: wgpu::VertexBufferLayout<'static> = wgpu::VertexBufferLayout {
    array_stride: std::mem::size_of::<Vertex>() as u64,
    step_mode: wgpu::VertexStepMode::Vertex,
    attributes: &wgpu::vertex_attr_array![
        0 => Float32x3, 1 => Float32x3, 2 => Float32x4, 3 => Float32x2, 4 => Float32x2, 5 => Float32x4
    ],
};

/// Instance buffer layout: model matrix columns, then last frame's (locations 6-13).
pub(crate) const INSTANCE_LAYOUT: wgpu::VertexBufferLayout<'static> = wgpu::VertexBufferLayout {
    array_stride: std::mem::size_of::<InstanceData>() as u64,
    step_mode: wgpu::VertexStepMode::Instance,
    attributes: &wgpu::vertex_attr_array![
        6 => Float32x4, 7 => Float32x4, 8 => Float32x4, 9 => Float32x4,
        10 => Float32x4, 11 => Float32x4, 12 => Float32x4, 13 => Float32x4
    ],
};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct InstanceData {
    model: [[f32; 4]; 4],
    prev_model: [[f32; 4]; 4],
}

/// GPU layout of `Material` in `gbuffer.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct MaterialUniforms {
    base_color: [f32; 4],
    emissive: [f32; 4],
    params: [f32; 4],
    flags: [f32; 4],
    uv_transform: [[f32; 4]; 10],
}

struct PrimitiveGpu {
    vertices: wgpu::Buffer,
    indices: wgpu::Buffer,
    index_count: u32,
    material: usize,
    /// Object-space centre of the bounds, for sorting blended draws.
    center: glam::Vec3,
}

struct MaterialGpu {
    bind_group: wgpu::BindGroup,
    double_sided: bool,
    masked: bool,
    /// Alpha-blended: drawn by the forward pass, not into the G-buffer.
    blend: bool,
}

/// Which pipeline variant a draw needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PipelineKey {
    /// The instance transform has a negative determinant, so its winding is flipped.
    pub mirrored: bool,
    /// Back faces are drawn.
    pub double_sided: bool,
    /// Alpha-tested (MASK).
    pub masked: bool,
}

impl PipelineKey {
    /// Winding and culling for this variant (shared by every pass that draws meshes).
    pub(crate) fn primitive_state(&self) -> wgpu::PrimitiveState {
        wgpu::PrimitiveState {
            topology: wgpu::PrimitiveTopology::TriangleList,
            front_face: if self.mirrored { wgpu::FrontFace::Cw } else { wgpu::FrontFace::Ccw },
            cull_mode: if self.double_sided { None } else { Some(wgpu::Face::Back) },
            ..Default::default()
        }
    }
}

/// One group of instances of one mesh that share a winding.
struct Batch {
    mesh: usize,
    mirrored: bool,
    instances: Range<u32>,
}

/// One instanced draw call, as the geometry pass records it.
pub(crate) struct Draw<'a> {
    pub key: PipelineKey,
    /// Alpha-blended (glTF BLEND): forward pass only.
    pub blend: bool,
    pub material: &'a wgpu::BindGroup,
    pub vertices: &'a wgpu::Buffer,
    pub indices: &'a wgpu::Buffer,
    pub index_count: u32,
    pub instances: Range<u32>,
    /// False for the shadow catcher's ground plane: it receives the key light's shadow but
    /// casts none.
    pub casts_shadow: bool,
}

/// A scene's GPU resources.
pub struct SceneGpu {
    meshes: Vec<Vec<PrimitiveGpu>>,
    /// Object-space bounds of each mesh, for world bounds as instances move.
    mesh_bounds: Vec<scene::Aabb>,
    materials: Vec<MaterialGpu>,
    batches: Vec<Batch>,
    /// Scene instance index of each slot of the instance buffer.
    slot_instance: Vec<usize>,
    pub(crate) instance_buffer: wgpu::Buffer,
    transforms: Vec<Mat4>,
    prev_transforms: Vec<Mat4>,
    /// The material images and the 1x1 defaults, kept for [`SceneGpu::memory`].
    textures: Vec<wgpu::Texture>,
    /// The shadow catcher's ground plane mesh (see `super::shadow_catcher`): drawn into the
    /// G-buffer, left out of the shadow map and of [`SceneGpu::world_bounds`].
    ground_mesh: Option<usize>,
    /// This upload (unique in the process) and how many times an instance moved since: what
    /// the cached shadow map was drawn from ([`SceneGpu::placement`]).
    placement: (u64, u64),
}

/// The next [`SceneGpu`]'s id.
static NEXT_SCENE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn address_mode(wrap: scene::Wrap) -> wgpu::AddressMode {
    match wrap {
        scene::Wrap::Repeat => wgpu::AddressMode::Repeat,
        scene::Wrap::MirroredRepeat => wgpu::AddressMode::MirrorRepeat,
        scene::Wrap::ClampToEdge => wgpu::AddressMode::ClampToEdge,
    }
}

fn filter_mode(filter: scene::Filter) -> wgpu::FilterMode {
    match filter {
        scene::Filter::Nearest => wgpu::FilterMode::Nearest,
        scene::Filter::Linear => wgpu::FilterMode::Linear,
    }
}

fn create_sampler(device: &wgpu::Device, s: &scene::Sampler) -> wgpu::Sampler {
    let mipmap_filter = match s.mipmap_filter {
        Some(scene::Filter::Linear) => wgpu::MipmapFilterMode::Linear,
        _ => wgpu::MipmapFilterMode::Nearest,
    };
    let all_linear = s.mag_filter == scene::Filter::Linear
        && s.min_filter == scene::Filter::Linear
        && s.mipmap_filter == Some(scene::Filter::Linear);
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("material"),
        address_mode_u: address_mode(s.wrap_u),
        address_mode_v: address_mode(s.wrap_v),
        mag_filter: filter_mode(s.mag_filter),
        min_filter: filter_mode(s.min_filter),
        mipmap_filter,
        // Without mipmaps, sample only the top level.
        lod_max_clamp: if s.mipmap_filter.is_some() { 32.0 } else { 0.0 },
        anisotropy_clamp: if all_linear { 8 } else { 1 },
        ..Default::default()
    })
}

/// How an image is uploaded: as Rgba8Unorm viewable as sRGB too (one texture serves both kinds
/// of slot), or, on a device without view formats (GLES, WebGL2), in the one format its slots
/// read it as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ImageFormat {
    /// Rgba8Unorm with an Rgba8UnormSrgb view format.
    Either,
    /// Rgba8UnormSrgb only.
    Srgb,
    /// Rgba8Unorm only.
    Linear,
}

/// Upload one image with a full mip chain (filtered in linear light where `srgb`).
fn upload_image(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    encoder: &mut wgpu::CommandEncoder,
    mips: &MipGenerator,
    image: &scene::Image,
    srgb: bool,
    format: ImageFormat,
) -> wgpu::Texture {
    let (width, height) = (image.width.max(1), image.height.max(1));
    let mip_level_count = 32 - width.max(height).leading_zeros();
    let (texture_format, view_formats): (_, &[wgpu::TextureFormat]) = match format {
        ImageFormat::Either => {
            (wgpu::TextureFormat::Rgba8Unorm, &[wgpu::TextureFormat::Rgba8UnormSrgb])
        }
        ImageFormat::Srgb => (wgpu::TextureFormat::Rgba8UnormSrgb, &[]),
        ImageFormat::Linear => (wgpu::TextureFormat::Rgba8Unorm, &[]),
    };
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some(&image.name),
        size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
        mip_level_count,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: texture_format,
        usage: wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_DST
            | wgpu::TextureUsages::RENDER_ATTACHMENT,
        view_formats,
    });
    queue.write_texture(
        texture.as_image_copy(),
        &image.rgba8,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(4 * width),
            rows_per_image: Some(height),
        },
        wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
    );
    let format =
        if srgb { wgpu::TextureFormat::Rgba8UnormSrgb } else { wgpu::TextureFormat::Rgba8Unorm };
    mips.generate(device, encoder, &texture, format);
    texture
}

/// A 1x1 Rgba8Unorm texture of one colour, for material slots without a texture; read through
/// its own format in every slot (white, the only colour an sRGB slot gets, is 1.0 either way).
fn solid_texture(device: &wgpu::Device, queue: &wgpu::Queue, rgba: [u8; 4]) -> wgpu::Texture {
    device.create_texture_with_data(
        queue,
        &wgpu::TextureDescriptor {
            label: Some("default material texture"),
            size: wgpu::Extent3d { width: 1, height: 1, depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        },
        wgpu::util::TextureDataOrder::LayerMajor,
        &rgba,
    )
}

fn view(texture: &wgpu::Texture, format: wgpu::TextureFormat) -> wgpu::TextureView {
    texture.create_view(&wgpu::TextureViewDescriptor { format: Some(format), ..Default::default() })
}

/// An uploaded image's views as its slots read it: sRGB (base colour, emissive) and linear
/// (metallic-roughness, normal, occlusion), each present where some slot reads it so.
struct ImageViews {
    srgb: Option<wgpu::TextureView>,
    linear: Option<wgpu::TextureView>,
}

impl ImageViews {
    /// The view for a slot that reads sRGB (`srgb`) or linear values.
    fn get(&self, srgb: bool) -> Option<&wgpu::TextureView> {
        if srgb { self.srgb.as_ref() } else { self.linear.as_ref() }
    }
}

fn uv_rows(texture: Option<&TextureRef>) -> [[f32; 4]; 2] {
    let (m, set) =
        texture.map_or((glam::Mat3::IDENTITY, 0), |t| (t.transform.matrix(), t.tex_coord));
    let set = if set == 1 { 1.0 } else { 0.0 };
    [[m.x_axis.x, m.y_axis.x, m.z_axis.x, set], [m.x_axis.y, m.y_axis.y, m.z_axis.y, 0.0]]
}

impl SceneGpu {
    /// Upload `scene`, its materials bound with `material_layout` (the geometry pass's; the
    /// pipelines its draws need are [`SceneGpu::opaque_keys`]).
    pub(crate) fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        material_layout: &wgpu::BindGroupLayout,
        mips: &MipGenerator,
        scene: &Scene,
    ) -> Self {
        let mut encoder = device.create_command_encoder(&Default::default());
        let max_dimension = device.limits().max_texture_dimension_2d;
        let view_formats = crate::gpu::Capabilities::of(device).view_formats;
        let mut textures: Vec<wgpu::Texture> = Vec::new();
        let images: Vec<Option<ImageViews>> = scene
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| {
                if image.width == 0 || image.height == 0 {
                    return None;
                }
                if image.width > max_dimension || image.height > max_dimension {
                    log::warn!(
                        "image {:?} is {}x{}, above this device's {max_dimension}; drawn untextured",
                        image.name,
                        image.width,
                        image.height
                    );
                    return None;
                }
                let (srgb, linear) = (scene.image_is_srgb(i), scene.image_is_linear(i));
                let mut upload = |format| {
                    let srgb = format == ImageFormat::Srgb || (format == ImageFormat::Either && srgb);
                    let texture = upload_image(device, queue, &mut encoder, mips, image, srgb, format);
                    textures.push(texture.clone());
                    texture
                };
                let (srgb_format, linear_format) =
                    (wgpu::TextureFormat::Rgba8UnormSrgb, wgpu::TextureFormat::Rgba8Unorm);
                Some(if view_formats {
                    let texture = upload(ImageFormat::Either);
                    ImageViews {
                        srgb: Some(view(&texture, srgb_format)),
                        linear: Some(view(&texture, linear_format)),
                    }
                } else {
                    ImageViews {
                        srgb: srgb.then(|| view(&upload(ImageFormat::Srgb), srgb_format)),
                        linear: linear.then(|| view(&upload(ImageFormat::Linear), linear_format)),
                    }
                })
            })
            .collect();
        queue.submit([encoder.finish()]);

        let white = solid_texture(device, queue, [255, 255, 255, 255]);
        let flat_normal = solid_texture(device, queue, [128, 128, 255, 255]);
        textures.extend([white.clone(), flat_normal.clone()]);
        let mut samplers: HashMap<scene::Sampler, wgpu::Sampler> = HashMap::new();
        // Slots without a texture read a 1x1 texel: point sampling of the top level gives it
        // exactly and costs least (lavapipe 25.0.7 returns black for the trilinear,
        // anisotropic default with zero UV derivatives, as on meshes without UVs).
        let default_sampler = scene::Sampler {
            mag_filter: scene::Filter::Nearest,
            min_filter: scene::Filter::Nearest,
            mipmap_filter: None,
            ..Default::default()
        };
        let mut materials: Vec<MaterialGpu> = Vec::with_capacity(scene.materials.len() + 1);
        let default_material = scene::Material::default();
        for material in scene.materials.iter().chain(std::iter::once(&default_material)) {
            let slots = [
                (material.base_color_texture.as_ref(), true, &white),
                (material.metallic_roughness_texture.as_ref(), false, &white),
                (material.normal_texture.as_ref(), false, &flat_normal),
                (material.occlusion_texture.as_ref(), false, &white),
                (material.emissive_texture.as_ref(), true, &white),
            ];
            let mut views = Vec::with_capacity(5);
            let mut slot_samplers = Vec::with_capacity(5);
            let mut uv_transform = [[0.0; 4]; 10];
            let mut has_normal_map = false;
            for (i, (texture, srgb, fallback)) in slots.iter().enumerate() {
                let gpu_image = texture
                    .and_then(|t| images.get(t.image))
                    .and_then(Option::as_ref)
                    .and_then(|views| views.get(*srgb));
                let used = if gpu_image.is_some() { *texture } else { None };
                has_normal_map |= i == 2 && used.is_some();
                views.push(match gpu_image {
                    Some(image) => image.clone(),
                    None => view(fallback, wgpu::TextureFormat::Rgba8Unorm),
                });
                let sampler = used.map_or(default_sampler, |t| t.sampler);
                slot_samplers.push(sampler);
                samplers.entry(sampler).or_insert_with(|| create_sampler(device, &sampler));
                let [row0, row1] = uv_rows(used);
                uv_transform[2 * i] = row0;
                uv_transform[2 * i + 1] = row1;
            }
            let uniforms = MaterialUniforms {
                base_color: material.base_color_factor.to_array(),
                emissive: material.emissive_factor.extend(0.0).to_array(),
                params: [
                    material.metallic_factor,
                    material.roughness_factor,
                    material.normal_scale,
                    material.occlusion_strength,
                ],
                flags: [
                    if material.alpha_mode == AlphaMode::Blend {
                        0.5
                    } else {
                        material.alpha_cutoff
                    },
                    f32::from(u8::from(material.unlit)),
                    f32::from(u8::from(material.double_sided)),
                    f32::from(u8::from(has_normal_map)),
                ],
                uv_transform,
            };
            let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&material.name),
                contents: bytemuck::bytes_of(&uniforms),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let mut resources = vec![buffer.as_entire_binding()];
            resources.extend(views.iter().map(wgpu::BindingResource::TextureView));
            resources.extend(
                slot_samplers
                    .iter()
                    .filter_map(|s| samplers.get(s))
                    .map(wgpu::BindingResource::Sampler),
            );
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(&material.name),
                layout: material_layout,
                entries: &crate::draw::bindings::entries(&resources),
            });
            materials.push(MaterialGpu {
                bind_group,
                double_sided: material.double_sided,
                masked: material.alpha_mode == AlphaMode::Mask,
                blend: material.alpha_mode == AlphaMode::Blend,
            });
        }
        let default_material_index = materials.len() - 1;

        let meshes: Vec<Vec<PrimitiveGpu>> = scene
            .meshes
            .iter()
            .map(|mesh| {
                mesh.primitives
                    .iter()
                    .filter(|p| !p.indices.is_empty() && !p.vertices.is_empty())
                    .map(|p| PrimitiveGpu {
                        vertices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                            label: Some(&mesh.name),
                            contents: bytemuck::cast_slice(&p.vertices),
                            usage: wgpu::BufferUsages::VERTEX,
                        }),
                        indices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                            label: Some(&mesh.name),
                            contents: bytemuck::cast_slice(&p.indices),
                            usage: wgpu::BufferUsages::INDEX,
                        }),
                        index_count: p.indices.len() as u32,
                        center: p.bounds.center(),
                        material: p
                            .material
                            .filter(|&m| m < default_material_index)
                            .unwrap_or(default_material_index),
                    })
                    .collect()
            })
            .collect();

        let mut order: Vec<usize> = (0..scene.instances.len())
            .filter(|&i| scene.instances[i].mesh < meshes.len())
            .collect();
        let mirrored = |i: usize| scene.instances[i].transform.determinant() < 0.0;
        order.sort_by_key(|&i| (scene.instances[i].mesh, mirrored(i)));
        let mut batches: Vec<Batch> = Vec::new();
        for (slot, &i) in order.iter().enumerate() {
            let (mesh, mirrored) = (scene.instances[i].mesh, mirrored(i));
            match batches.last_mut() {
                Some(b) if b.mesh == mesh && b.mirrored == mirrored => b.instances.end += 1,
                _ => {
                    batches.push(Batch { mesh, mirrored, instances: slot as u32..slot as u32 + 1 })
                }
            }
        }
        let transforms: Vec<Mat4> = scene.instances.iter().map(|i| i.transform).collect();
        let instance_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("instances"),
            size: (order.len().max(1) * std::mem::size_of::<InstanceData>()) as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mesh_bounds = scene
            .meshes
            .iter()
            .map(|mesh| {
                let mut bounds = scene::Aabb::empty();
                mesh.primitives.iter().for_each(|p| bounds.union(&p.bounds));
                bounds
            })
            .collect();
        let gpu = Self {
            meshes,
            mesh_bounds,
            materials,
            batches,
            slot_instance: order,
            instance_buffer,
            prev_transforms: transforms.clone(),
            transforms,
            textures,
            ground_mesh: None,
            placement: (NEXT_SCENE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed), 0),
        };
        gpu.write_instances(queue);
        gpu
    }

    fn write_instances(&self, queue: &wgpu::Queue) {
        let data: Vec<InstanceData> = self
            .slot_instance
            .iter()
            .map(|&i| InstanceData {
                model: self.transforms[i].to_cols_array_2d(),
                prev_model: self.prev_transforms[i].to_cols_array_2d(),
            })
            .collect();
        if !data.is_empty() {
            queue.write_buffer(&self.instance_buffer, 0, bytemuck::cast_slice(&data));
        }
    }

    /// Move instance `index` (scene order). Returns false when there is no such instance or the
    /// matrix is not finite. A change of handedness needs a new `SceneGpu` (it changes batches).
    pub fn set_instance_transform(&mut self, index: usize, transform: Mat4) -> bool {
        match self.transforms.get_mut(index) {
            Some(t) if transform.is_finite() => {
                if *t != transform {
                    *t = transform;
                    self.placement.1 += 1;
                }
                true
            }
            _ => false,
        }
    }

    /// Which geometry, placed how, the instance buffer holds: this upload's id and a count of
    /// the instance moves since. Equal values mean every caster stands where it stood (the
    /// shadow map's cache key, with the light's projection).
    pub fn placement(&self) -> (u64, u64) {
        self.placement
    }

    /// World-space bounds of every drawn instance as it is placed now.
    pub fn world_bounds(&self) -> scene::Aabb {
        let mut bounds = scene::Aabb::empty();
        for (slot, batch) in self.slot_instance.iter().zip(self.slot_meshes()) {
            if Some(batch) == self.ground_mesh {
                continue;
            }
            bounds.union(&self.mesh_bounds[batch].transformed(&self.transforms[*slot]));
        }
        bounds
    }

    /// Mark `mesh` as the shadow catcher's ground plane: it casts no shadow and is not part of
    /// the world bounds (the shadow map stays fitted to the objects).
    pub(crate) fn set_ground_mesh(&mut self, mesh: usize) {
        self.ground_mesh = Some(mesh);
    }

    /// The mesh of each instance-buffer slot.
    fn slot_meshes(&self) -> impl Iterator<Item = usize> + '_ {
        self.batches.iter().flat_map(|b| b.instances.clone().map(move |_| b.mesh))
    }

    /// Start a frame: upload this frame's transforms with last frame's beside them.
    pub(crate) fn begin_frame(&mut self, queue: &wgpu::Queue) {
        self.write_instances(queue);
    }

    /// End a frame: this frame's transforms become last frame's.
    pub(crate) fn end_frame(&mut self) {
        self.prev_transforms.clone_from(&self.transforms);
    }

    /// Forget motion: last frame's transforms become this frame's (camera cuts, first frames).
    pub(crate) fn reset_history(&mut self) {
        self.prev_transforms.clone_from(&self.transforms);
    }

    /// Every draw call, grouped by mesh then primitive.
    pub(crate) fn draws(&self) -> impl Iterator<Item = Draw<'_>> {
        self.batches.iter().flat_map(move |batch| {
            self.meshes[batch.mesh].iter().map(move |p| {
                let material = &self.materials[p.material];
                Draw {
                    key: PipelineKey {
                        mirrored: batch.mirrored,
                        double_sided: material.double_sided,
                        masked: material.masked,
                    },
                    blend: material.blend,
                    material: &material.bind_group,
                    vertices: &p.vertices,
                    indices: &p.indices,
                    index_count: p.index_count,
                    instances: batch.instances.clone(),
                    casts_shadow: Some(batch.mesh) != self.ground_mesh,
                }
            })
        })
    }

    /// Every blended primitive instance as its own draw, farthest from `eye` first (by the
    /// distance to its bounds' centre), as back-to-front alpha blending needs.
    pub(crate) fn blend_draws_back_to_front(&self, eye: glam::Vec3) -> Vec<Draw<'_>> {
        let mut draws: Vec<(f32, Draw<'_>)> = Vec::new();
        for batch in &self.batches {
            for p in &self.meshes[batch.mesh] {
                let material = &self.materials[p.material];
                if !material.blend {
                    continue;
                }
                for slot in batch.instances.clone() {
                    let transform = self.transforms[self.slot_instance[slot as usize]];
                    let distance = transform.transform_point3(p.center).distance_squared(eye);
                    let draw = Draw {
                        key: PipelineKey {
                            mirrored: batch.mirrored,
                            double_sided: material.double_sided,
                            masked: false,
                        },
                        blend: true,
                        material: &material.bind_group,
                        vertices: &p.vertices,
                        indices: &p.indices,
                        index_count: p.index_count,
                        instances: slot..slot + 1,
                        casts_shadow: true,
                    };
                    draws.push((distance, draw));
                }
            }
        }
        draws.sort_by(|a, b| b.0.total_cmp(&a.0));
        draws.into_iter().map(|(_, d)| d).collect()
    }

    /// The pipeline variants the opaque and masked draws need (the geometry pass's).
    pub(crate) fn opaque_keys(&self) -> Vec<PipelineKey> {
        let mut keys = Vec::new();
        for batch in &self.batches {
            for primitive in &self.meshes[batch.mesh] {
                let material = &self.materials[primitive.material];
                let key = PipelineKey {
                    mirrored: batch.mirrored,
                    double_sided: material.double_sided,
                    masked: material.masked,
                };
                if !material.blend && !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        keys
    }

    /// The pipeline variants the blended draws need.
    pub(crate) fn blend_keys(&self) -> Vec<PipelineKey> {
        let mut keys: Vec<PipelineKey> =
            self.blend_draws_back_to_front(glam::Vec3::ZERO).iter().map(|d| d.key).collect();
        keys.sort_by_key(|k| (k.mirrored, k.double_sided));
        keys.dedup();
        keys
    }
}

impl SceneGpu {
    /// Vertex, index and instance buffers (grouped) and every material texture, for memory
    /// reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        use crate::gpu::memory::MemoryEntry;
        let primitives = self.meshes.iter().flatten();
        let vertices: Vec<wgpu::Buffer> = primitives.clone().map(|p| p.vertices.clone()).collect();
        let indices: Vec<wgpu::Buffer> = primitives.map(|p| p.indices.clone()).collect();
        let mut entries = vec![
            MemoryEntry::buffers("scene.vertices", &vertices),
            MemoryEntry::buffers("scene.indices", &indices),
            MemoryEntry::buffer("scene.instances", &self.instance_buffer),
        ];
        entries
            .extend(self.textures.iter().map(|t| MemoryEntry::texture("scene.texture", t, false)));
        entries
    }
}

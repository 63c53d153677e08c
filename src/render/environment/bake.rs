//! The GPU bake of an environment: the stages' parameter blocks, the cube texture and view
//! helpers, and the [`Baker`] that runs equirect-to-cube, specular, irradiance and the BRDF LUT.

use crate::Error;
use crate::draw::{bindings, fullscreen};
use crate::gpu::{Gpu, GpuError, PassTime, PassTimer};
use crate::shaders;

use super::source::Prepared;
use super::{
    BRDF_LUT_FORMAT, BRDF_LUT_SIZE, CUBE_FORMAT, EnvironmentInfo, IRRADIANCE_SIZE,
    SPECULAR_MIN_SIZE,
};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct EquirectParams {
    face: u32,
    samples_per_axis: u32,
    face_size: f32,
    _pad: f32,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct SpecularParams {
    face: u32,
    sample_count: u32,
    perceptual_roughness: f32,
    face_size: f32,
    source_size: f32,
    source_max_lod: f32,
    _pad: [f32; 2],
}

/// One face of one bake step: the face written and its size in texels (the downsample and
/// irradiance steps).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct FaceParams {
    face: u32,
    face_size: f32,
    _pad: [f32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct LutParams {
    size: [f32; 2],
    _pad: [f32; 2],
}

pub(super) fn cube_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension: wgpu::TextureViewDimension::Cube,
            multisampled: false,
        },
        count: None,
    }
}

fn cube_view(texture: &wgpu::Texture) -> wgpu::TextureView {
    texture.create_view(&wgpu::TextureViewDescriptor {
        dimension: Some(wgpu::TextureViewDimension::Cube),
        ..Default::default()
    })
}

/// One mip of a cube, as a cube: a bake step's source (sampled by direction, which every
/// backend supports, GL included).
fn cube_level_view(texture: &wgpu::Texture, mip: u32) -> wgpu::TextureView {
    texture.create_view(&wgpu::TextureViewDescriptor {
        dimension: Some(wgpu::TextureViewDimension::Cube),
        base_mip_level: mip,
        mip_level_count: Some(1),
        ..Default::default()
    })
}

/// One layer of one mip, as a 2D view: the portable way to render into a cube face.
fn layer_view(texture: &wgpu::Texture, layer: u32, mip: u32) -> wgpu::TextureView {
    texture.create_view(&wgpu::TextureViewDescriptor {
        dimension: Some(wgpu::TextureViewDimension::D2),
        base_mip_level: mip,
        mip_level_count: Some(1),
        base_array_layer: layer,
        array_layer_count: Some(1),
        ..Default::default()
    })
}

fn trilinear_sampler(device: &wgpu::Device, label: &str) -> wgpu::Sampler {
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some(label),
        mag_filter: wgpu::FilterMode::Linear,
        min_filter: wgpu::FilterMode::Linear,
        mipmap_filter: wgpu::MipmapFilterMode::Linear,
        ..Default::default()
    })
}

pub(super) fn bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    uniforms: &wgpu::Buffer,
    specular: &wgpu::Texture,
    irradiance: &wgpu::Texture,
    brdf_lut: &wgpu::Texture,
) -> wgpu::BindGroup {
    let specular = cube_view(specular);
    let irradiance = cube_view(irradiance);
    let lut = brdf_lut.create_view(&Default::default());
    let sampler = trilinear_sampler(device, "environment");
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("environment"),
        layout,
        entries: &bindings::entries(&[
            uniforms.as_entire_binding(),
            wgpu::BindingResource::TextureView(&specular),
            wgpu::BindingResource::TextureView(&irradiance),
            wgpu::BindingResource::TextureView(&lut),
            wgpu::BindingResource::Sampler(&sampler),
        ]),
    })
}

fn cube_texture(
    device: &wgpu::Device,
    label: &str,
    size: u32,
    mips: u32,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d { width: size, height: size, depth_or_array_layers: 6 },
        mip_level_count: mips,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: CUBE_FORMAT,
        usage: usage
            | wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::TEXTURE_BINDING,
        view_formats: &[],
    })
}

pub(super) fn upload_rgba32f(
    gpu: &Gpu,
    label: &str,
    width: u32,
    height: u32,
    texels: &[[f32; 4]],
) -> wgpu::Texture {
    let size = wgpu::Extent3d { width, height, depth_or_array_layers: 1 };
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba32Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    gpu.queue.write_texture(
        texture.as_image_copy(),
        bytemuck::cast_slice(texels),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(width * 16),
            rows_per_image: Some(height),
        },
        size,
    );
    texture
}

/// Wait for the GPU to finish what was submitted (a bake stage), so progress is real.
/// Record one bake stage into its own submission inside an error scope, timed as `label`, and
/// wait for it, so progress reports finished work and no submission runs long. Returns what
/// `record` returns and the stage's GPU times (none without timestamp queries).
fn run_stage<T>(
    gpu: &Gpu,
    timer: &mut PassTimer,
    (context, label): (&str, &str),
    record: impl FnOnce(&mut wgpu::CommandEncoder) -> T,
) -> Result<(T, Vec<PassTime>), GpuError> {
    let value = gpu.checked(context, || {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let value = timer.scope(label, &mut encoder, record);
        timer.resolve(&mut encoder);
        gpu.queue.submit([encoder.finish()]);
        value
    })?;
    wait(gpu, context)?;
    Ok((value, timer.finish_blocking(&gpu.device, &gpu.queue)))
}

/// On the web nothing may block: there the stages are only submitted, in order.
fn wait(gpu: &Gpu, context: &str) -> Result<(), GpuError> {
    if cfg!(target_arch = "wasm32") {
        return Ok(());
    }
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map(|_| ())
        .map_err(|e| GpuError::Validation { context: context.into(), reason: e.to_string() })
}

/// One entry per name, in first-seen order, with the times of equal names added.
pub(super) fn sum_by_name(times: &[PassTime]) -> Vec<PassTime> {
    let mut out: Vec<PassTime> = Vec::new();
    for t in times {
        match out.iter_mut().find(|o| o.name == t.name) {
            Some(o) => o.ms += t.ms,
            None => out.push(t.clone()),
        }
    }
    out
}

/// Importance samples per texel of specular mip `level`: narrow lobes (low levels) read
/// sharp source mips and need fewer samples than wide ones to look smooth.
pub(super) fn specular_samples(level: u32) -> u32 {
    64 << level.saturating_sub(1).min(2)
}

/// The bake pipelines, kept so [`Environment::update`] can re-bake without recompiling.
pub(super) struct Baker {
    equirect_layout: wgpu::BindGroupLayout,
    equirect_pipeline: wgpu::RenderPipeline,
    /// The layout of the steps that read one cube level (downsample, copy, irradiance).
    one_level_layout: wgpu::BindGroupLayout,
    downsample_pipeline: wgpu::RenderPipeline,
    copy_pipeline: wgpu::RenderPipeline,
    specular_layout: wgpu::BindGroupLayout,
    specular_pipeline: wgpu::RenderPipeline,
    irradiance_pipeline: wgpu::RenderPipeline,
    lut_layout: wgpu::BindGroupLayout,
    lut_pipeline: wgpu::RenderPipeline,
    sampler: wgpu::Sampler,
    /// Nearest filtering: one exact texel per sample (the downsample and irradiance steps).
    nearest: wgpu::Sampler,
}

impl Baker {
    pub(super) fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let fragment = wgpu::ShaderStages::FRAGMENT;
        let layout = |label, entries: &[wgpu::BindGroupLayoutEntry]| {
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries,
            })
        };
        let pipeline = |name: &str, layout, format| -> Result<_, shaders::ShaderError> {
            let module = shaders::create_module(device, &format!("environment/{name}"))?;
            let label = format!("environment.{name}");
            Ok(fullscreen::pipeline(device, &label, &module, &[layout], format, None))
        };
        let equirect_layout = layout(
            "environment.equirect_to_cube",
            &[bindings::uniform(0, fragment), bindings::texture(1, false)],
        );
        // One level of the radiance cube, read texel by texel through a nearest sampler.
        let one_level = [bindings::uniform(0, fragment), cube_entry(1), bindings::sampler(2)];
        let one_level_layout = layout("environment.one_level", &one_level);
        let specular_layout = layout(
            "environment.specular",
            &[bindings::uniform(0, fragment), cube_entry(1), bindings::sampler(2)],
        );
        let lut_layout = layout("environment.brdf_lut", &[bindings::uniform(0, fragment)]);
        Ok(Self {
            equirect_pipeline: pipeline("equirect_to_cube", &equirect_layout, CUBE_FORMAT)?,
            downsample_pipeline: pipeline("downsample", &one_level_layout, CUBE_FORMAT)?,
            copy_pipeline: pipeline("copy", &one_level_layout, CUBE_FORMAT)?,
            specular_pipeline: pipeline("specular", &specular_layout, CUBE_FORMAT)?,
            irradiance_pipeline: pipeline("irradiance", &one_level_layout, CUBE_FORMAT)?,
            lut_pipeline: pipeline("brdf_lut", &lut_layout, BRDF_LUT_FORMAT)?,
            equirect_layout,
            one_level_layout,
            specular_layout,
            lut_layout,
            sampler: trilinear_sampler(device, "environment.bake"),
            nearest: device.create_sampler(&wgpu::SamplerDescriptor {
                label: Some("environment.texel"),
                ..Default::default()
            }),
        })
    }

    /// One full-screen draw of `pipeline` into `target` with `resources` at bindings 0...
    pub(super) fn draw(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        (pipeline, layout, label): (&wgpu::RenderPipeline, &wgpu::BindGroupLayout, &str),
        resources: &[wgpu::BindingResource],
        target: &wgpu::TextureView,
    ) {
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout,
            entries: &bindings::entries(resources),
        });
        fullscreen::draw(encoder, label, pipeline, &[&bind_group], target, None);
    }

    /// One face of a step that reads one cube level texel by texel (downsample, copy,
    /// irradiance): `source` a one-level cube view, `target` the face's layer view, of
    /// `face_size` texels a side.
    #[allow(clippy::too_many_arguments)]
    fn draw_face(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        (pipeline, label): (&wgpu::RenderPipeline, &str),
        face: u32,
        face_size: u32,
        source: &wgpu::TextureView,
        target: &wgpu::TextureView,
    ) {
        let params = FaceParams { face, face_size: face_size as f32, _pad: [0.0; 2] };
        let buffer = bindings::uniform_buffer(device, "environment", bytemuck::bytes_of(&params));
        let resources = [
            buffer.as_entire_binding(),
            wgpu::BindingResource::TextureView(source),
            wgpu::BindingResource::Sampler(&self.nearest),
        ];
        self.draw(device, encoder, (pipeline, &self.one_level_layout, label), &resources, target);
    }

    /// Bake the specular and irradiance cubes from a prepared source.
    pub(super) fn bake(
        &self,
        gpu: &Gpu,
        prepared: &Prepared,
        progress: &mut dyn FnMut(&str, f32),
    ) -> Result<(wgpu::Texture, wgpu::Texture, EnvironmentInfo), Error> {
        let device = &gpu.device;
        let &Prepared { equirect: ref source, face_size, scrubbed, clamped } = prepared;
        let average_radiance = source.average();

        let radiance_mips = face_size.ilog2() + 1;
        let specular_levels = face_size.ilog2() + 1 - SPECULAR_MIN_SIZE.ilog2();
        let radiance = cube_texture(
            device,
            "environment.radiance",
            face_size,
            radiance_mips,
            wgpu::TextureUsages::COPY_SRC,
        );
        let specular = cube_texture(
            device,
            "environment.specular",
            face_size,
            specular_levels,
            wgpu::TextureUsages::COPY_DST | wgpu::TextureUsages::COPY_SRC,
        );
        let irradiance = cube_texture(
            device,
            "environment.irradiance",
            IRRADIANCE_SIZE,
            1,
            wgpu::TextureUsages::COPY_SRC,
        );

        // GPU time per stage; specular levels add up under one name.
        let mut timer = PassTimer::new(&gpu.device);
        let mut gpu_ms: Vec<PassTime> = Vec::new();
        // Radiance cube and its box mips.
        progress("cubemap", 0.0);
        gpu_ms.extend(
            run_stage(
                gpu,
                &mut timer,
                ("environment: equirect to cube", "environment.cubemap"),
                |encoder| {
                    let texels: Vec<[f32; 4]> =
                        source.texels.iter().map(|t| [t[0], t[1], t[2], 1.0]).collect();
                    let equirect = upload_rgba32f(
                        gpu,
                        "environment.equirect",
                        source.width,
                        source.height,
                        &texels,
                    );
                    let equirect_view = equirect.create_view(&Default::default());
                    // `prepare` leaves at most one equirect texel per cube texel at the equator, so 2x2
                    // bilinear taps cover each cube texel's footprint.
                    let samples_per_axis = 2;

                    for face in 0..6 {
                        let params = EquirectParams {
                            face,
                            samples_per_axis,
                            face_size: face_size as f32,
                            _pad: 0.0,
                        };
                        let buffer = bindings::uniform_buffer(
                            device,
                            "environment",
                            bytemuck::bytes_of(&params),
                        );
                        self.draw(
                            device,
                            encoder,
                            (
                                &self.equirect_pipeline,
                                &self.equirect_layout,
                                "environment.equirect_to_cube",
                            ),
                            &[
                                buffer.as_entire_binding(),
                                wgpu::BindingResource::TextureView(&equirect_view),
                            ],
                            &layer_view(&radiance, face, 0),
                        );
                    }
                    for mip in 1..radiance_mips {
                        let source = cube_level_view(&radiance, mip - 1);
                        for face in 0..6 {
                            let target = layer_view(&radiance, face, mip);
                            let step = (&self.downsample_pipeline, "environment.downsample");
                            let size = face_size >> mip;
                            self.draw_face(device, encoder, step, face, size, &source, &target);
                        }
                    }
                    // Mip 0 of the specular cube is the unfiltered radiance.
                    let level_0 = cube_level_view(&radiance, 0);
                    for face in 0..6 {
                        let target = layer_view(&specular, face, 0);
                        let step = (&self.copy_pipeline, "environment.copy");
                        self.draw_face(device, encoder, step, face, face_size, &level_0, &target);
                    }
                },
            )?
            .1,
        );
        progress("cubemap", 1.0);

        // GGX prefilter, one submission per mip so progress moves and no single submission
        // runs long enough to trip a driver watchdog.
        progress("specular", 0.0);
        let radiance_cube = cube_view(&radiance);
        for level in 1..specular_levels {
            gpu_ms.extend(
                run_stage(
                    gpu,
                    &mut timer,
                    ("environment: specular prefilter", "environment.specular"),
                    |encoder| {
                        for face in 0..6 {
                            let params = SpecularParams {
                                face,
                                sample_count: specular_samples(level),
                                perceptual_roughness: level as f32 / (specular_levels - 1) as f32,
                                face_size: (face_size >> level) as f32,
                                source_size: face_size as f32,
                                source_max_lod: (radiance_mips - 1) as f32,
                                _pad: [0.0; 2],
                            };
                            let buffer = bindings::uniform_buffer(
                                device,
                                "environment",
                                bytemuck::bytes_of(&params),
                            );
                            self.draw(
                                device,
                                encoder,
                                (
                                    &self.specular_pipeline,
                                    &self.specular_layout,
                                    "environment.specular",
                                ),
                                &[
                                    buffer.as_entire_binding(),
                                    wgpu::BindingResource::TextureView(&radiance_cube),
                                    wgpu::BindingResource::Sampler(&self.sampler),
                                ],
                                &layer_view(&specular, face, level),
                            );
                        }
                    },
                )?
                .1,
            );
            progress("specular", level as f32 / (specular_levels - 1) as f32);
        }

        // Irradiance from the 32² radiance mip.
        progress("irradiance", 0.0);
        gpu_ms.extend(
            run_stage(
                gpu,
                &mut timer,
                ("environment: irradiance", "environment.irradiance"),
                |encoder| {
                    let source = cube_level_view(&radiance, (face_size / IRRADIANCE_SIZE).ilog2());
                    for face in 0..6 {
                        let target = layer_view(&irradiance, face, 0);
                        let step = (&self.irradiance_pipeline, "environment.irradiance");
                        let size = IRRADIANCE_SIZE;
                        self.draw_face(device, encoder, step, face, size, &source, &target);
                    }
                },
            )?
            .1,
        );
        progress("irradiance", 1.0);

        let info = EnvironmentInfo {
            face_size,
            specular_levels,
            irradiance_size: IRRADIANCE_SIZE,
            source_size: (source.width, source.height),
            scrubbed_channels: scrubbed,
            clamped_channels: clamped,
            average_radiance,
            bake_seconds: 0.0,
            gpu_ms,
        };
        Ok((specular, irradiance, info))
    }

    /// The split-sum BRDF LUT and the GPU time it took.
    pub(super) fn brdf_lut(&self, gpu: &Gpu) -> Result<(wgpu::Texture, Vec<PassTime>), Error> {
        let device = &gpu.device;
        let mut timer = PassTimer::new(&gpu.device);
        let (lut, times) = run_stage(
            gpu,
            &mut timer,
            ("environment: BRDF LUT", "environment.brdf_lut"),
            |encoder| {
                let lut = crate::draw::Target::new(
                    device,
                    "environment.brdf_lut",
                    BRDF_LUT_SIZE,
                    BRDF_LUT_SIZE,
                    BRDF_LUT_FORMAT,
                );
                let params = LutParams { size: [BRDF_LUT_SIZE as f32; 2], _pad: [0.0; 2] };
                let buffer =
                    bindings::uniform_buffer(device, "environment", bytemuck::bytes_of(&params));

                self.draw(
                    device,
                    encoder,
                    (&self.lut_pipeline, &self.lut_layout, "environment.brdf_lut"),
                    &[buffer.as_entire_binding()],
                    &lut.view,
                );

                lut.texture
            },
        )?;
        Ok((lut, times))
    }
}

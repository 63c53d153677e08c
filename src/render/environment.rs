//! Image-based lighting: an HDR environment baked on the GPU into the textures the lighting
//! and forward passes sample through `@group(1)` ([`Environment::layout`],
//! `shaders/include/environment.wgsl`).
//!
//! Reads: an equirectangular Radiance `.hdr` (or OpenEXR) file, or a procedural source (the
//! neutral studio, a uniform colour). Writes, once at load, all on the GPU:
//!
//! - **specular cube**, Rgba16Float, `resolution`² x 6 with L = log2(resolution) - 2 mips (the
//!   roughest is 8² per face; 6 mips at the default 256): mip m holds GGX-prefiltered radiance
//!   for perceptual roughness m / (L - 1); mip 0 is the unfiltered radiance (the background).
//!   Roughness between mips is linear in the level: roughness r is sampled at level r (L - 1).
//! - **irradiance cube**, Rgba16Float, 32² x 6: irradiance / pi.
//! - **BRDF LUT**, Rg16Float, 128 x 128: split-sum (scale, bias); column i is n.v = i / 127
//!   (column 0 holds the limit n.v -> 0), row j is perceptual roughness j / 127.
//!
//! Radiance above 65504 (the half float maximum; the sun in some captures) is clamped, and
//! NaN, infinite and negative texels become 0, each with a warning and a count in
//! [`EnvironmentInfo`].
//!
//! The bake, in order (`shaders/render/environment/`):
//! 1. `equirect_to_cube`: the equirect (uploaded as Rgba32Float) into a radiance cube, each
//!    texel averaging several bilinear taps over its footprint; then `downsample`, a 2x2 box
//!    mip chain down to 1 x 1.
//! 2. `specular`: Karis, "Real Shading in Unreal Engine 4" (SIGGRAPH 2013), the first sum of
//!    the split-sum approximation with n = v = r, importance-sampling GGX (64 to 256 samples
//!    per texel) with Křivánek & Colbert's filtered importance sampling ("Real-time Shading
//!    with Filtered Importance Sampling", EGSR 2008): each sample reads the radiance mip whose
//!    texel matches its solid angle, so a bright sun is averaged, not a firefly.
//! 3. `irradiance`: a brute-force cosine convolution of the 32² radiance mip (6144 taps per
//!    output texel) rather than 9 spherical-harmonic coefficients: no ringing or negative
//!    lobes around a bright sun, and analytic answers within a fraction of a percent. The
//!    cube stores irradiance / pi, so Lambert diffuse is albedo times it and a uniform
//!    environment of radiance L gives exactly L.
//! 4. `brdf_lut`: the split sum's second sum, GGX + height-correlated Smith (Heitz 2014) +
//!    Schlick, 1024 GGX visible-normal samples per texel (Dupuy & Benyoub, "Sampling Visible
//!    GGX Normals with Spherical Caps", HPG 2023), whose weights G2 / G1 are at most 1, so the
//!    table never exceeds 1 even at grazing angles. Once per [`Environment`] (share one with
//!    `Arc` between renderers on a device; [`Environment::update`] keeps it). With
//!    (A, B) = (scale, bias), specular albedo is f0 A + f90 B, and A + B is the directional
//!    albedo for f0 = 1, which is all that Fdez-Agüera's multiple-scattering energy
//!    compensation ("A Multiple-Scattering Microfacet Model for Real-Time Image-Based
//!    Lighting", JCGT 2019) needs: energy factor = 1 + f0 (1 / (A + B) - 1).
//!
//! Rotation (about +Y) and intensity are applied at lookup time, so changing them
//! ([`Environment::update`]) costs no bake. Equirect convention: the image centre is -Z (the
//! direction a default glTF camera looks), u grows towards +X, the top row is +Y
//! ([`equirect_direction`]).

use std::path::{Path, PathBuf};
use web_time::Instant;

use glam::{Vec2, Vec3};

use crate::Error;
use crate::draw::{bindings, fullscreen};
use crate::gpu::{
    Gpu, GpuError, PassTime, PassTimer, halves_to_f32, read_subresource, read_texture,
};
use crate::shaders;

/// Format of the specular and irradiance cubes.
pub const CUBE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// Format of the split-sum BRDF LUT: (scale, bias).
pub const BRDF_LUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg16Float;
/// Texels per side of the BRDF LUT.
pub const BRDF_LUT_SIZE: u32 = 128;
/// Face size of the irradiance cube, in texels; also the radiance mip it integrates.
pub const IRRADIANCE_SIZE: u32 = 32;
/// Face size of the roughest specular mip (perceptual roughness 1), in texels.
pub const SPECULAR_MIN_SIZE: u32 = 8;
/// Smallest accepted [`EnvironmentSettings::resolution`].
pub const MIN_RESOLUTION: u32 = 32;
/// Largest accepted [`EnvironmentSettings::resolution`] (also capped by the device).
pub const MAX_RESOLUTION: u32 = 2048;
/// Default [`EnvironmentSettings::resolution`].
pub const DEFAULT_RESOLUTION: u32 = 256;
/// Largest accepted [`EnvironmentSettings::intensity`].
pub const MAX_INTENSITY: f32 = 1.0e6;

/// Largest finite half float: radiance above it is clamped so the cubes never hold infinity.
const HALF_MAX: f32 = 65504.0;
/// Widest equirect uploaded (4096 x 2048 is 128 MiB as Rgba32Float); wider ones are halved.
const MAX_SOURCE_WIDTH: u32 = 4096;
/// Size of the procedural studio equirect; its features are soft, so this is plenty.
const STUDIO_SIZE: (u32, u32) = (1024, 512);

/// Where the environment's radiance comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum EnvironmentSource {
    /// A neutral procedural photo studio: grey gradient from a darker floor to a lighter
    /// ceiling, with soft key, fill and rim light boxes; mean radiance exactly 1.
    #[default]
    Studio,
    /// Every direction has this linear RGB radiance (white furnace tests). Components are
    /// clamped to 0..=65504 (half float range); non-finite ones become 0.
    Uniform(Vec3),
    /// An equirectangular (2:1 latitude-longitude) image: a Radiance `.hdr` or an OpenEXR
    /// file, linear radiance. Other formats are an error naming the file.
    Equirect(PathBuf),
    /// The same from bytes already in memory (a browser's fetch or file picker), `name`d for
    /// messages.
    EquirectBytes {
        /// What errors and logs call it (a file name, a URL).
        name: String,
        /// The `.hdr` or OpenEXR file's bytes.
        bytes: std::sync::Arc<[u8]>,
    },
}

/// How the environment is made and applied.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentSettings {
    /// The radiance source. Default [`EnvironmentSource::Studio`].
    pub source: EnvironmentSource,
    /// Linear multiplier on every radiance the lighting sees (unitless, 0..=1e6, default 1).
    /// Applied at lookup time; changing it re-bakes nothing.
    pub intensity: f32,
    /// Rotation of the environment about +Y in degrees (any finite value, taken modulo 360,
    /// default 0). Right-handed: +90 moves the image centre from -Z to -X. Applied at lookup
    /// time; changing it re-bakes nothing.
    pub rotation_degrees: f32,
    /// Face size of the specular cube's mip 0 in texels (a power of two, 32..=2048, default
    /// 256; other values are rounded to the nearest power of two). Higher is sharper
    /// reflections on smooth surfaces and a slower bake.
    pub resolution: u32,
}

impl Default for EnvironmentSettings {
    fn default() -> Self {
        Self {
            source: EnvironmentSource::Studio,
            intensity: 1.0,
            rotation_degrees: 0.0,
            resolution: DEFAULT_RESOLUTION,
        }
    }
}

impl EnvironmentSettings {
    /// A copy with every value in its documented range; each value changed is logged as a
    /// warning naming the field.
    pub fn validated(&self) -> Self {
        let mut out = self.clone();
        if !self.intensity.is_finite() {
            log::warn!("environment intensity {} is not finite; using 1", self.intensity);
            out.intensity = 1.0;
        } else if !(0.0..=MAX_INTENSITY).contains(&self.intensity) {
            out.intensity = self.intensity.clamp(0.0, MAX_INTENSITY);
            log::warn!(
                "environment intensity {} is outside 0..={MAX_INTENSITY}; using {}",
                self.intensity,
                out.intensity
            );
        }
        if self.rotation_degrees.is_finite() {
            out.rotation_degrees = self.rotation_degrees.rem_euclid(360.0);
        } else {
            log::warn!("environment rotation {} is not finite; using 0", self.rotation_degrees);
            out.rotation_degrees = 0.0;
        }
        let clamped = self.resolution.clamp(MIN_RESOLUTION, MAX_RESOLUTION);
        // Nearest power of two in log scale: 2^k when clamped < 1.5 * 2^k.
        let lower = 1u32 << clamped.ilog2();
        out.resolution = if clamped - lower < lower / 2 { lower } else { lower * 2 };
        if out.resolution != self.resolution {
            log::warn!(
                "environment resolution {} is not a power of two in \
                 {MIN_RESOLUTION}..={MAX_RESOLUTION}; using {}",
                self.resolution,
                out.resolution
            );
        }
        if let EnvironmentSource::Uniform(c) = self.source {
            let fixed = Vec3::from_array(
                c.to_array().map(|v| if v.is_finite() { v.clamp(0.0, HALF_MAX) } else { 0.0 }),
            );
            if fixed != c {
                log::warn!(
                    "uniform environment radiance {c} is outside 0..={HALF_MAX}; using {fixed}"
                );
            }
            out.source = EnvironmentSource::Uniform(fixed);
        }
        out
    }
}

/// Facts about a baked environment, for logs, the CLI and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentInfo {
    /// Face size of the specular cube's mip 0, in texels.
    pub face_size: u32,
    /// Mip levels of the specular cube; level m holds perceptual roughness m / (levels - 1).
    pub specular_levels: u32,
    /// Face size of the irradiance cube, in texels.
    pub irradiance_size: u32,
    /// Width and height of the equirect as uploaded (after any halving to fit the cube).
    pub source_size: (u32, u32),
    /// Colour channels that were NaN, infinite or negative in the source and became 0.
    pub scrubbed_channels: usize,
    /// Colour channels above 65504 (the half float maximum) that were clamped to it.
    pub clamped_channels: usize,
    /// Solid-angle-weighted mean radiance of the source, before the intensity multiplier.
    pub average_radiance: Vec3,
    /// Wall-clock seconds the last bake took, GPU work included (it waits for the GPU).
    pub bake_seconds: f64,
    /// GPU milliseconds of each bake stage from timestamp queries (empty without them).
    pub gpu_ms: Vec<PassTime>,
}

/// A cube map held by an [`Environment`], for [`Environment::read_cube_face`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CubeMap {
    /// The GGX-prefiltered specular cube (mip 0 is the unfiltered radiance).
    Specular,
    /// The irradiance / pi cube.
    Irradiance,
}

/// One lookup for [`Environment::probe`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeQuery {
    /// World direction for the specular, irradiance and background lookups (any length).
    pub direction: Vec3,
    /// Perceptual roughness for the specular and BRDF lookups, 0..=1.
    pub perceptual_roughness: f32,
    /// Cosine between normal and view for the BRDF lookup, 0..=1.
    pub n_dot_v: f32,
}

/// What the four functions of `shaders/include/environment.wgsl` returned for a query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeResult {
    /// `environment_specular(direction, perceptual_roughness)`.
    pub specular: Vec3,
    /// `environment_irradiance(direction)`: irradiance / pi.
    pub irradiance: Vec3,
    /// `environment_background(direction)`.
    pub background: Vec3,
    /// `environment_brdf(n_dot_v, perceptual_roughness)`: (scale, bias).
    pub brdf: Vec2,
}

/// The uniform block of `@group(1)`, mirrored by `EnvironmentUniforms` in the WGSL include.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct EnvironmentUniforms {
    rotation: [f32; 2],
    intensity: f32,
    specular_max_lod: f32,
}

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

/// An environment baked for image-based lighting, bound as `@group(1)`.
pub struct Environment {
    settings: EnvironmentSettings,
    baker: Baker,
    brdf_lut: wgpu::Texture,
    specular: wgpu::Texture,
    irradiance: wgpu::Texture,
    uniforms: wgpu::Buffer,
    layout: wgpu::BindGroupLayout,
    bind_group: wgpu::BindGroup,
    info: EnvironmentInfo,
}

impl Environment {
    /// Load or generate the environment in `settings` and bake it on the GPU. `progress` is
    /// called with a stage name (`"source"`, `"cubemap"`, `"specular"`, `"irradiance"`,
    /// `"brdf_lut"`) and the fraction of that stage done, 0..=1. Out-of-range settings are
    /// clamped with a warning; a missing or unreadable file, or one that is not a Radiance
    /// `.hdr` or OpenEXR image, is [`Error::Environment`] naming it.
    pub fn new(
        gpu: &Gpu,
        settings: &EnvironmentSettings,
        progress: &mut dyn FnMut(&str, f32),
    ) -> Result<Self, Error> {
        let start = Instant::now();
        let settings = settings.validated();
        let device = &gpu.device;
        // The source first: a bad file should fail before any shader compiles.
        progress("source", 0.0);
        let prepared = prepare(&settings, device.limits().max_texture_dimension_2d)?;
        progress("source", 1.0);
        let baker =
            gpu.checked("creating the environment bake pipelines", || Baker::new(device))??;
        let (specular, irradiance, mut info) = baker.bake(gpu, &prepared, progress)?;
        let (brdf_lut, lut_ms) = baker.brdf_lut(gpu)?;
        info.gpu_ms.extend(lut_ms);
        info.gpu_ms = sum_by_name(&info.gpu_ms);
        progress("brdf_lut", 1.0);
        let uniforms = bindings::uniform_buffer(
            device,
            "environment",
            bytemuck::bytes_of(&uniforms(&settings, info.specular_levels)),
        );
        let layout = Self::layout(device);
        let bind_group = bind_group(device, &layout, &uniforms, &specular, &irradiance, &brdf_lut);
        info.bake_seconds = start.elapsed().as_secs_f64();
        log::info!(
            "environment baked in {:.2} s: {}² x {} specular mips, {}² irradiance; GPU ms {}",
            info.bake_seconds,
            info.face_size,
            info.specular_levels,
            info.irradiance_size,
            info.gpu_ms
                .iter()
                .map(|t| format!("{} {:.1}", t.name, t.ms))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(Self {
            settings,
            baker,
            brdf_lut,
            specular,
            irradiance,
            uniforms,
            layout,
            bind_group,
            info,
        })
    }

    /// Apply new settings. A new source or resolution re-bakes the cubes (the pipelines and
    /// the BRDF LUT are kept; an unchanged file path is not read again); intensity and
    /// rotation only rewrite a uniform. On error the environment is unchanged.
    pub fn update(
        &mut self,
        gpu: &Gpu,
        settings: &EnvironmentSettings,
        progress: &mut dyn FnMut(&str, f32),
    ) -> Result<(), Error> {
        let settings = settings.validated();
        if settings.source != self.settings.source
            || settings.resolution != self.settings.resolution
        {
            let start = Instant::now();
            progress("source", 0.0);
            let prepared = prepare(&settings, gpu.device.limits().max_texture_dimension_2d)?;
            progress("source", 1.0);
            let (specular, irradiance, mut info) = self.baker.bake(gpu, &prepared, progress)?;
            info.bake_seconds = start.elapsed().as_secs_f64();
            self.bind_group = bind_group(
                &gpu.device,
                &self.layout,
                &self.uniforms,
                &specular,
                &irradiance,
                &self.brdf_lut,
            );
            self.specular = specular;
            self.irradiance = irradiance;
            self.info = info;
        }
        let block = uniforms(&settings, self.info.specular_levels);
        gpu.queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&block));
        self.settings = settings;
        Ok(())
    }

    /// The `@group(1)` layout of `shaders/include/environment.wgsl`, fragment stage: 0 the
    /// uniform block, 1 the specular cube, 2 the irradiance cube, 3 the BRDF LUT, 4 a
    /// trilinear clamping sampler. Layouts made by separate calls are interchangeable.
    pub fn layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
        device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("environment"),
            entries: &[
                bindings::uniform(0, wgpu::ShaderStages::FRAGMENT),
                cube_entry(1),
                cube_entry(2),
                bindings::texture(3, true),
                bindings::sampler(4),
            ],
        })
    }

    /// The bind group for [`Environment::layout`], to set as group 1.
    pub fn bind_group(&self) -> &wgpu::BindGroup {
        &self.bind_group
    }

    /// The settings in force, after validation.
    pub fn settings(&self) -> &EnvironmentSettings {
        &self.settings
    }

    /// Facts about the last bake.
    pub fn info(&self) -> &EnvironmentInfo {
        &self.info
    }

    /// Evaluate the four functions of `shaders/include/environment.wgsl` on the GPU for each
    /// query, through the real bind group (tests and tools; it compiles a pipeline per call
    /// and waits for the GPU).
    pub fn probe(&self, gpu: &Gpu, queries: &[ProbeQuery]) -> Result<Vec<ProbeResult>, Error> {
        let device = &gpu.device;
        let (layout, pipeline) = gpu.checked("creating the environment probe", || {
            let module = shaders::create_module(device, "environment/probe")?;
            let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("environment.probe"),
                entries: &[bindings::texture(0, false)],
            });
            let environment_layout = Self::layout(device);
            let pipeline = fullscreen::pipeline(
                device,
                "environment.probe",
                &module,
                &[&layout, &environment_layout],
                wgpu::TextureFormat::Rgba32Float,
                None,
            );
            Ok::<_, Error>((layout, pipeline))
        })??;
        let chunk_size = device.limits().max_texture_dimension_2d.min(1024) as usize;
        let mut results = Vec::with_capacity(queries.len());
        for chunk in queries.chunks(chunk_size) {
            let width = chunk.len() as u32;
            let mut texels: Vec<[f32; 4]> =
                chunk.iter().map(|q| q.direction.extend(q.perceptual_roughness).into()).collect();
            texels.extend(chunk.iter().map(|q| [q.n_dot_v, 0.0, 0.0, 0.0]));
            let output = gpu.checked("running the environment probe", || {
                let input = upload_rgba32f(gpu, "environment.probe.queries", width, 2, &texels);
                let input_view = input.create_view(&Default::default());
                let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("environment.probe"),
                    layout: &layout,
                    entries: &bindings::entries(&[wgpu::BindingResource::TextureView(&input_view)]),
                });
                let output = crate::draw::Target::new(
                    device,
                    "environment.probe.results",
                    width,
                    4,
                    wgpu::TextureFormat::Rgba32Float,
                );
                let mut encoder = device.create_command_encoder(&Default::default());
                fullscreen::draw(
                    &mut encoder,
                    "environment.probe",
                    &pipeline,
                    &[&bind_group, &self.bind_group],
                    &output.view,
                    Some(wgpu::Color::TRANSPARENT),
                );
                gpu.queue.submit([encoder.finish()]);
                output
            })?;
            let bytes = read_texture(gpu, &output.texture)?;
            let values: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
            let at = |row: usize, column: usize| {
                let i = (row * chunk.len() + column) * 4;
                Vec3::new(values[i], values[i + 1], values[i + 2])
            };
            results.extend((0..chunk.len()).map(|i| ProbeResult {
                specular: at(0, i),
                irradiance: at(1, i),
                background: at(2, i),
                brdf: at(3, i).truncate(),
            }));
        }
        Ok(results)
    }

    /// One face (0..6 = +X, -X, +Y, -Y, +Z, -Z) of one mip of a cube as stored (before
    /// rotation and intensity), RGBA, top row first; see [`cube_texel_direction`]. For
    /// tests and tools; waits for the GPU.
    pub fn read_cube_face(
        &self,
        gpu: &Gpu,
        map: CubeMap,
        face: u32,
        mip: u32,
    ) -> Result<Vec<[f32; 4]>, Error> {
        let texture = match map {
            CubeMap::Specular => &self.specular,
            CubeMap::Irradiance => &self.irradiance,
        };
        if face >= 6 || mip >= texture.mip_level_count() {
            return Err(Error::InvalidArgument(format!(
                "cube face {face} mip {mip} does not exist (6 faces, {} mips)",
                texture.mip_level_count()
            )));
        }
        let bytes = read_subresource(gpu, texture, face, mip)?;
        Ok(halves_to_f32(&bytes).chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect())
    }

    /// The BRDF LUT as (scale, bias) per texel, row r = perceptual roughness r / 127, column
    /// c = n.v c / 127. For tests and tools; waits for the GPU.
    pub fn read_brdf_lut(&self, gpu: &Gpu) -> Result<Vec<[f32; 2]>, Error> {
        let bytes = read_texture(gpu, &self.brdf_lut)?;
        Ok(halves_to_f32(&bytes).chunks_exact(2).map(|c| [c[0], c[1]]).collect())
    }
}

/// Unit direction through (u, v) in [0, 1]² of cube face `face` (0..6 = +X, -X, +Y, -Y, +Z,
/// -Z), v down the face: wgpu's cube layer order and orientation. CPU mirror of
/// `cube_vector` in `shaders/render/environment/bake.wgsl`.
pub fn cube_texel_direction(face: u32, u: f32, v: f32) -> Vec3 {
    let (a, b) = (2.0 * u - 1.0, 2.0 * v - 1.0);
    let d = match face {
        0 => Vec3::new(1.0, -b, -a),
        1 => Vec3::new(-1.0, -b, a),
        2 => Vec3::new(a, 1.0, b),
        3 => Vec3::new(a, -1.0, -b),
        4 => Vec3::new(a, -b, 1.0),
        _ => Vec3::new(-a, -b, -1.0),
    };
    d.normalize()
}

/// Unit direction of equirect coordinates (u, v) in [0, 1]², v down: u = 0.5 is -Z, u grows
/// towards +X, v = 0 is +Y. CPU mirror of `equirect_uv` in
/// `shaders/render/environment/equirect_to_cube.wgsl` (its inverse).
pub fn equirect_direction(u: f32, v: f32) -> Vec3 {
    let phi = (u - 0.5) * std::f32::consts::TAU;
    let theta = v * std::f32::consts::PI;
    Vec3::new(theta.sin() * phi.sin(), theta.cos(), -theta.sin() * phi.cos())
}

fn uniforms(settings: &EnvironmentSettings, specular_levels: u32) -> EnvironmentUniforms {
    let (sin, cos) = settings.rotation_degrees.to_radians().sin_cos();
    EnvironmentUniforms {
        rotation: [cos, sin],
        intensity: settings.intensity,
        specular_max_lod: specular_levels.saturating_sub(1) as f32,
    }
}

fn cube_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
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

fn bind_group(
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

fn upload_rgba32f(
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
fn sum_by_name(times: &[PassTime]) -> Vec<PassTime> {
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
fn specular_samples(level: u32) -> u32 {
    64 << level.saturating_sub(1).min(2)
}

/// The bake pipelines, kept so [`Environment::update`] can re-bake without recompiling.
struct Baker {
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
    fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
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
    fn draw(
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
    fn bake(
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
    fn brdf_lut(&self, gpu: &Gpu) -> Result<(wgpu::Texture, Vec<PassTime>), Error> {
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

/// A source ready for upload, and the cube face size to bake it at.
struct Prepared {
    equirect: Equirect,
    face_size: u32,
    /// Channels replaced by 0 (NaN, infinite, negative).
    scrubbed: usize,
    /// Channels clamped to the half float maximum.
    clamped: usize,
}

/// Load or generate the source, scrub it, and fit it to the cube size and the device.
fn prepare(settings: &EnvironmentSettings, max_dimension: u32) -> Result<Prepared, Error> {
    let face_size = settings.resolution.min(1 << max_dimension.ilog2());
    if face_size != settings.resolution {
        log::warn!(
            "environment resolution {} exceeds this device's {max_dimension}; using {face_size}",
            settings.resolution
        );
    }
    let mut source = match &settings.source {
        EnvironmentSource::Studio => studio(STUDIO_SIZE.0, STUDIO_SIZE.1),
        EnvironmentSource::Uniform(c) => Equirect::uniform(*c),
        EnvironmentSource::Equirect(path) => Equirect::load(path)?,
        EnvironmentSource::EquirectBytes { name, bytes } => {
            Equirect::decode(Path::new(name), bytes)?
        }
    };
    // Before halving, so one bad texel does not poison its neighbours.
    let (scrubbed, clamped) = source.sanitize();
    if scrubbed > 0 {
        log::warn!(
            "environment {}: {scrubbed} colour channels were NaN, infinite or negative; \
             replaced by 0",
            source.name
        );
    }
    if clamped > 0 {
        log::warn!(
            "environment {}: {clamped} colour channels exceeded {HALF_MAX}; clamped",
            source.name
        );
    }
    // Past one equirect texel per cube texel (at the equator) the extra detail only costs
    // upload memory (16 bytes a texel) and taps; halving first is a box prefilter.
    let max_width = (4 * face_size).min(MAX_SOURCE_WIDTH).min(max_dimension);
    while source.width > max_width || source.height > max_dimension {
        source = source.halve();
    }
    Ok(Prepared { equirect: source, face_size, scrubbed, clamped })
}

/// An equirectangular radiance image on the CPU, rows top (+Y) first.
struct Equirect {
    /// What it came from, for messages.
    name: String,
    width: u32,
    height: u32,
    texels: Vec<[f32; 3]>,
}

impl Equirect {
    fn uniform(c: Vec3) -> Self {
        let (width, height) = (8, 4);
        let texels = vec![c.to_array(); (width * height) as usize];
        Self { name: format!("uniform {c}"), width, height, texels }
    }

    /// Decode a Radiance `.hdr` or OpenEXR file; anything else is an error naming it.
    fn load(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Environment { path: path.to_path_buf(), reason: e.to_string() })?;
        Self::decode(path, &bytes)
    }

    /// Decode the bytes of a Radiance `.hdr` or OpenEXR file called `path`.
    fn decode(path: &Path, bytes: &[u8]) -> Result<Self, Error> {
        let error = |reason: String| Error::Environment { path: path.to_path_buf(), reason };
        let format = image::guess_format(bytes)
            .ok()
            .filter(|f| matches!(f, image::ImageFormat::Hdr | image::ImageFormat::OpenExr));
        let Some(format) = format else {
            return Err(error(
                "not a Radiance .hdr or OpenEXR image (an environment needs linear HDR radiance)"
                    .into(),
            ));
        };
        let image = image::load_from_memory_with_format(bytes, format)
            .map_err(|e| error(format!("cannot decode: {e}")))?
            .to_rgb32f();
        let (width, height) = image.dimensions();
        if width < 2 || height < 1 {
            return Err(error(format!("{width}x{height} is too small for an equirect")));
        }
        if width != 2 * height {
            log::warn!(
                "environment {}: {width}x{height} is not 2:1; stretching it over the sphere",
                path.display()
            );
        }
        let texels = image.pixels().map(|p| p.0).collect();
        Ok(Self { name: path.display().to_string(), width, height, texels })
    }

    /// Replace NaN, infinite and negative channels by 0 and clamp the rest to the half float
    /// range; returns (replaced, clamped) channel counts.
    fn sanitize(&mut self) -> (usize, usize) {
        let (mut scrubbed, mut clamped) = (0, 0);
        for value in self.texels.iter_mut().flatten() {
            if !value.is_finite() || *value < 0.0 {
                *value = 0.0;
                scrubbed += 1;
            } else if *value > HALF_MAX {
                *value = HALF_MAX;
                clamped += 1;
            }
        }
        (scrubbed, clamped)
    }

    /// Half the size in each direction, each texel the mean of the 2x2 above it (an odd last
    /// row or column is folded into its neighbour).
    fn halve(&self) -> Self {
        let (width, height) = ((self.width / 2).max(1), (self.height / 2).max(1));
        let mut texels = vec![[0.0f32; 3]; (width * height) as usize];
        let mut counts = vec![0u32; texels.len()];
        for y in 0..self.height {
            for x in 0..self.width {
                let i = ((y / 2).min(height - 1) * width + (x / 2).min(width - 1)) as usize;
                let t = self.texels[(y * self.width + x) as usize];
                for c in 0..3 {
                    texels[i][c] += t[c];
                }
                counts[i] += 1;
            }
        }
        for (t, n) in texels.iter_mut().zip(counts) {
            *t = t.map(|v| v / n as f32);
        }
        Self { name: self.name.clone(), width, height, texels }
    }

    /// Mean radiance over the sphere: rows weighted by their solid angle (sin theta).
    fn average(&self) -> Vec3 {
        let (mut sum, mut weight) = (glam::DVec3::ZERO, 0.0f64);
        for y in 0..self.height {
            let theta = (f64::from(y) + 0.5) / f64::from(self.height) * std::f64::consts::PI;
            let w = theta.sin();
            for x in 0..self.width {
                let t = self.texels[(y * self.width + x) as usize];
                sum += glam::DVec3::new(t[0].into(), t[1].into(), t[2].into()) * w;
                weight += w;
            }
        }
        (sum / weight.max(f64::MIN_POSITIVE)).as_vec3()
    }
}

/// A soft rectangular light box of the studio: a rectangle on the plane tangent to the unit
/// sphere at `centre`, half extents in that plane's units, edges fading over `softness` of
/// the half extent.
struct SoftBox {
    centre: Vec3,
    half_size: Vec2,
    radiance: f32,
    softness: f32,
}

impl SoftBox {
    fn radiance(&self, d: Vec3) -> f32 {
        let c = self.centre.normalize();
        let facing = d.dot(c);
        if facing <= 0.0 {
            return 0.0;
        }
        let right = c.cross(Vec3::Y).normalize();
        let up = right.cross(c);
        let p = Vec2::new(d.dot(right), d.dot(up)) / facing;
        let edge = |x: f32, half: f32| {
            1.0 - smoothstep(half * (1.0 - self.softness), half * (1.0 + self.softness), x.abs())
        };
        self.radiance * edge(p.x, self.half_size.x) * edge(p.y, self.half_size.y)
    }
}

fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The neutral studio: a grey gradient from a darker floor to a lighter ceiling, a large key
/// box front left above, a dimmer fill box front right, and a thin rim strip behind and
/// above (so metals show highlights from the front and an edge from behind), scaled so the
/// mean radiance is exactly 1 (EV100 0 exposes it as mid grey).
fn studio(width: u32, height: u32) -> Equirect {
    let boxes = [
        // Key: front left, above.
        SoftBox {
            centre: Vec3::new(-0.6, 0.55, 0.6),
            half_size: Vec2::new(0.45, 0.3),
            radiance: 12.0,
            softness: 0.3,
        },
        // Fill: front right, near the horizon, larger and dimmer.
        SoftBox {
            centre: Vec3::new(0.8, 0.15, 0.5),
            half_size: Vec2::new(0.5, 0.45),
            radiance: 4.0,
            softness: 0.5,
        },
        // Rim: a thin strip behind and above.
        SoftBox {
            centre: Vec3::new(0.0, 0.45, -1.0),
            half_size: Vec2::new(0.9, 0.1),
            radiance: 10.0,
            softness: 0.3,
        },
    ];
    let (floor, ceiling) = (0.2, 0.6);
    let mut texels = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            let d = equirect_direction(
                (x as f32 + 0.5) / width as f32,
                (y as f32 + 0.5) / height as f32,
            );
            let wall = floor + (ceiling - floor) * smoothstep(-0.35, 0.65, d.y);
            let lights: f32 = boxes.iter().map(|b| b.radiance(d)).sum();
            texels.push([wall + lights; 3]);
        }
    }
    let mut studio = Equirect { name: "studio".into(), width, height, texels };
    let scale = 1.0 / studio.average().x;
    for t in &mut studio.texels {
        *t = t.map(|v| v * scale);
    }
    studio
}

impl Environment {
    /// The baked image-based light (specular, irradiance, BRDF LUT) and its uniforms, for
    /// memory reports (the baker's scratch is freed after the bake).
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![
            crate::gpu::memory::MemoryEntry::texture("environment.specular", &self.specular, false),
            crate::gpu::memory::MemoryEntry::texture(
                "environment.irradiance",
                &self.irradiance,
                false,
            ),
            crate::gpu::memory::MemoryEntry::texture("environment.brdf_lut", &self.brdf_lut, false),
            crate::gpu::memory::MemoryEntry::buffer("environment.uniforms", &self.uniforms),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_clamped_to_their_documented_ranges() {
        let s = EnvironmentSettings {
            source: EnvironmentSource::Uniform(Vec3::new(f32::NAN, -1.0, 1e9)),
            intensity: -2.0,
            rotation_degrees: -90.0,
            resolution: 300,
        }
        .validated();
        assert_eq!(s.intensity, 0.0);
        assert_eq!(s.rotation_degrees, 270.0);
        assert_eq!(s.resolution, 256);
        assert_eq!(s.source, EnvironmentSource::Uniform(Vec3::new(0.0, 0.0, HALF_MAX)));
        let s = EnvironmentSettings {
            intensity: f32::INFINITY,
            rotation_degrees: f32::NAN,
            resolution: 5000,
            ..Default::default()
        }
        .validated();
        assert_eq!((s.intensity, s.rotation_degrees, s.resolution), (1.0, 0.0, MAX_RESOLUTION));
        assert_eq!(
            EnvironmentSettings { resolution: 1, ..Default::default() }.validated().resolution,
            32
        );
        assert_eq!(
            EnvironmentSettings { resolution: 400, ..Default::default() }.validated().resolution,
            512
        );
        assert_eq!(EnvironmentSettings::default().validated(), EnvironmentSettings::default());
    }

    #[test]
    fn bad_texels_are_scrubbed_and_counted() {
        let mut e = Equirect {
            name: "test".into(),
            width: 2,
            height: 1,
            texels: vec![[f32::NAN, -1.0, f32::INFINITY], [0.5, 1e6, f32::NEG_INFINITY]],
        };
        assert_eq!(e.sanitize(), (4, 1));
        assert_eq!(e.texels, vec![[0.0, 0.0, 0.0], [0.5, HALF_MAX, 0.0]]);
    }

    #[test]
    fn equirect_directions_follow_the_documented_convention() {
        let close = |a: Vec3, b: Vec3| (a - b).length() < 1e-5;
        assert!(close(equirect_direction(0.5, 0.5), Vec3::NEG_Z));
        assert!(close(equirect_direction(0.75, 0.5), Vec3::X));
        assert!(close(equirect_direction(0.25, 0.5), Vec3::NEG_X));
        assert!(close(equirect_direction(0.0, 0.5), Vec3::Z));
        assert!(close(equirect_direction(0.3, 0.0), Vec3::Y));
        assert!(close(equirect_direction(0.3, 1.0), Vec3::NEG_Y));
    }

    #[test]
    fn cube_faces_point_where_wgpu_expects() {
        let axes = [Vec3::X, Vec3::NEG_X, Vec3::Y, Vec3::NEG_Y, Vec3::Z, Vec3::NEG_Z];
        for (face, axis) in axes.iter().enumerate() {
            assert_eq!(cube_texel_direction(face as u32, 0.5, 0.5), *axis);
        }
        // Row 0 of the side faces is up; on +Z, u grows towards +X.
        assert!(cube_texel_direction(4, 0.5, 0.0).y > 0.7);
        assert!(cube_texel_direction(4, 1.0, 0.5).x > 0.7);
        // On +Y, v grows towards +Z; on -Y, towards -Z.
        assert!(cube_texel_direction(2, 0.5, 1.0).z > 0.7);
        assert!(cube_texel_direction(3, 0.5, 1.0).z < -0.7);
    }

    #[test]
    fn halving_keeps_the_mean() {
        let texels = (0..64 * 32).map(|i| [i as f32, 1.0, (i % 7) as f32]).collect();
        let e = Equirect { name: "ramp".into(), width: 64, height: 32, texels };
        let half = e.halve();
        assert_eq!((half.width, half.height), (32, 16));
        let mean = |e: &Equirect| {
            e.texels.iter().map(|t| Vec3::from_array(*t)).sum::<Vec3>() / e.texels.len() as f32
        };
        assert!((mean(&half) - mean(&e)).abs().max_element() < 1e-3);
    }

    #[test]
    fn studio_is_mean_one_with_bright_light_boxes() {
        let studio = studio(256, 128);
        let mean = studio.average();
        assert!((mean - Vec3::ONE).abs().max_element() < 1e-4, "{mean}");
        let peak = studio.texels.iter().map(|t| t[0]).fold(0.0, f32::max);
        let floor = studio.texels.last().map_or(0.0, |t| t[0]);
        assert!(peak > 5.0, "brightest {peak}");
        assert!(floor > 0.05 && floor < 0.5, "floor {floor}");
    }

    #[test]
    fn specular_sample_counts_grow_with_roughness() {
        assert_eq!([1, 2, 3, 4, 8].map(specular_samples), [64, 128, 256, 256, 256]);
    }
}

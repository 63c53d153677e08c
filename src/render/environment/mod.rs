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

use std::path::PathBuf;
use web_time::Instant;

use glam::{Vec2, Vec3};

use crate::Error;
use crate::draw::{bindings, fullscreen};
use crate::gpu::{Gpu, PassTime, halves_to_f32, read_subresource, read_texture};
use crate::shaders;

mod bake;
mod source;

use bake::{Baker, bind_group, cube_entry, sum_by_name, upload_rgba32f};
use source::prepare;

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
    use bake::specular_samples;
    use source::{Equirect, studio};

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

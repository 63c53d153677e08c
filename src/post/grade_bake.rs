//! The grade LUT bake: the colour grade and the tone mapper baked on the GPU into one 3D LUT.
//!
//! DESIGN.md ("The frame") has the finish pass do every per-pixel colour operation with one
//! 3D LUT lookup, the LUT rebuilt by a compute pass only when the settings change, the way
//! Filament bakes its colour grading. This module is that compute pass, standalone:
//! [`GradeLut::bake`] reads a [`GradeSettings`] and a [`ToneMapper`] and writes a
//! `size`³ [`LUT_FORMAT`] 3D texture whose lattice point `(i, j, k)` holds
//! `mapper.apply(grade(settings, x))` (display-linear Rec.709 in `[0, 1]`, alpha 1) for the
//! scene-linear colour `x = (shaper_inverse(i / (size − 1)), shaper_inverse(j / …), …)`.
//! `shaders/grade_bake.wgsl` is the kernel (a WGSL port of [`grade`](super::grade::grade),
//! step for step); `shaders/include/grade_lut.wgsl` holds the shaper, for the finish pass
//! that will sample the LUT.
//!
//! # The input shaper
//! Scene-linear HDR spans many stops; a 16³..64³ lattice spaced evenly in linear terms would
//! spend nearly all its points on highlights. The LUT is indexed per channel by
//!
//! `t = shaper(x) = log2(1 + x / 2^-10) / log2(1 + 2^6 / 2^-10)`
//!
//! which is a log2 curve above about `2^-10` (even steps in stops up to `2^6 = 64`, where
//! `t = 1`) with a **linear toe** below it (`log2(1 + u) ≈ u / ln 2`), so black is `t = 0`
//! exactly and the darkest lattice points are not lost in a logarithm's infinite tail. The 16
//! stops above the toe get `size − 1` intervals: one stop per interval at 16³, half a stop at
//! 32³, a quarter at 64³. Inputs above 64 clamp to the last lattice point, which every tone
//! mapper here has nearly saturated by then.

use glam::Vec3;
use wgpu::util::DeviceExt;

use super::grade::{GradeSettings, hue_shift_matrix, white_balance_matrix};
use super::tonemap::ToneMapper;
use crate::gpu::Gpu;

/// The shaper's toe offset, `2^-10`: below it the shaper is close to linear, above it log2.
pub const SHAPER_OFFSET: f32 = 1.0 / 1024.0;

/// The brightest scene-linear value the LUT holds (`2^6`), at lattice coordinate 1.
pub const SHAPER_MAX: f32 = 64.0;

/// `log2(1 + SHAPER_MAX / SHAPER_OFFSET) = log2(65537)`, the shaper's normalisation.
pub const SHAPER_RANGE_LOG2: f32 = 16.000_022;

/// The LUT sizes (lattice points per side) the tiers use.
pub const LUT_SIZES: [u32; 3] = [16, 32, 64];

/// The LUT's texture format: half floats hold the display-linear result to about `2.4e-4`
/// absolute near 1, under a 10-bit step (`1/1023`).
pub const LUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// Lattice points per workgroup side, as `@workgroup_size(4, 4, 4)` in the shader: 64
/// invocations, within the downlevel limits, and a divisor of every size in [`LUT_SIZES`].
const WORKGROUP_SIZE: u32 = 4;

/// Bits of the uniform block's `steps` field: which steps of the grade run (the same numbers
/// as `GRADE_STEP_*` in `shaders/grade_bake.wgsl`). The CPU decides, with the same
/// neutral-skip rule as [`grade`](super::grade::grade), so the rule lives in one place.
pub const GRADE_STEP_EXPOSURE: u32 = 1;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_WHITE_BALANCE: u32 = 2;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_CHANNEL_MIXER: u32 = 4;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_CONTRAST: u32 = 8;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_LIFT_GAMMA_GAIN: u32 = 16;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_TONAL: u32 = 32;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_CDL: u32 = 64;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_HUE_SHIFT: u32 = 128;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_SATURATION: u32 = 256;
/// See [`GRADE_STEP_EXPOSURE`].
pub const GRADE_STEP_VIBRANCE: u32 = 512;

/// Every step bit with its WGSL constant name, for the test that the two files agree.
pub const GRADE_STEPS: [(&str, u32); 10] = [
    ("GRADE_STEP_EXPOSURE", GRADE_STEP_EXPOSURE),
    ("GRADE_STEP_WHITE_BALANCE", GRADE_STEP_WHITE_BALANCE),
    ("GRADE_STEP_CHANNEL_MIXER", GRADE_STEP_CHANNEL_MIXER),
    ("GRADE_STEP_CONTRAST", GRADE_STEP_CONTRAST),
    ("GRADE_STEP_LIFT_GAMMA_GAIN", GRADE_STEP_LIFT_GAMMA_GAIN),
    ("GRADE_STEP_TONAL", GRADE_STEP_TONAL),
    ("GRADE_STEP_CDL", GRADE_STEP_CDL),
    ("GRADE_STEP_HUE_SHIFT", GRADE_STEP_HUE_SHIFT),
    ("GRADE_STEP_SATURATION", GRADE_STEP_SATURATION),
    ("GRADE_STEP_VIBRANCE", GRADE_STEP_VIBRANCE),
];

/// Scene-linear Rec.709 to the LUT's lattice coordinate in `[0, 1]` (see the module
/// documentation): NaN and negatives count as 0, values above [`SHAPER_MAX`] as
/// [`SHAPER_MAX`]. `shaper(0) = 0` exactly. `grade_lut_coordinate` in
/// `shaders/include/grade_lut.wgsl` is the same function per channel.
pub fn shaper(x: f32) -> f32 {
    // `x > 0` is false for NaN, so NaN lands on 0 with the negatives.
    let x = if x > 0.0 { x.min(SHAPER_MAX) } else { 0.0 };
    // x / 2^-10 as x · 1024, which is exact.
    (1.0 + x * (1.0 / SHAPER_OFFSET)).log2() / SHAPER_RANGE_LOG2
}

/// The inverse of [`shaper`]: a lattice coordinate (clamped to `[0, 1]`, NaN as 0) to
/// scene-linear. `shaper_inverse(0) = 0` exactly, `shaper_inverse(1) ≈ 64`. The bake evaluates
/// the grade at `shaper_inverse(i / (size − 1))` for lattice index `i`.
pub fn shaper_inverse(t: f32) -> f32 {
    let t = if t > 0.0 { t.min(1.0) } else { 0.0 };
    SHAPER_OFFSET * ((t * SHAPER_RANGE_LOG2).exp2() - 1.0)
}

/// The LUT size a bake uses for a requested `size`: the requested one when it is in
/// [`LUT_SIZES`], otherwise the smallest of them at least as large (so a LUT is never coarser
/// than asked), and 64 for anything above 64. A changed size is logged with `log::warn!`.
pub fn lut_size(requested: u32) -> u32 {
    if LUT_SIZES.contains(&requested) {
        return requested;
    }
    let size = LUT_SIZES.iter().copied().find(|&s| s >= requested).unwrap_or(64);
    log::warn!("grade LUT size {requested} is not one of {LUT_SIZES:?}; using {size}");
    size
}

/// The `steps` bits for `settings`: a step runs unless every control it uses is at its
/// neutral value, exactly the test [`grade`](super::grade::grade) makes.
pub fn grade_steps(settings: &GradeSettings) -> u32 {
    let s = settings;
    let n = &GradeSettings::NEUTRAL;
    let rules = [
        (GRADE_STEP_EXPOSURE, s.exposure_offset != n.exposure_offset),
        (GRADE_STEP_WHITE_BALANCE, s.temperature != n.temperature || s.tint != n.tint),
        (GRADE_STEP_CHANNEL_MIXER, s.channel_mixer != n.channel_mixer),
        (GRADE_STEP_CONTRAST, s.contrast != n.contrast),
        (GRADE_STEP_LIFT_GAMMA_GAIN, s.lift != n.lift || s.gamma != n.gamma || s.gain != n.gain),
        (
            GRADE_STEP_TONAL,
            s.shadows != n.shadows || s.midtones != n.midtones || s.highlights != n.highlights,
        ),
        (
            GRADE_STEP_CDL,
            s.slope != n.slope
                || s.offset != n.offset
                || s.power != n.power
                || s.cdl_saturation != n.cdl_saturation,
        ),
        (GRADE_STEP_HUE_SHIFT, s.hue_shift != n.hue_shift),
        (GRADE_STEP_SATURATION, s.saturation != n.saturation),
        (GRADE_STEP_VIBRANCE, s.vibrance != n.vibrance),
    ];
    rules.iter().filter(|(_, runs)| *runs).fold(0, |bits, (bit, _)| bits | bit)
}

/// The shader's `GradeParams`, laid out as WGSL's uniform rules lay it out (every member a
/// multiple of 16 bytes until the last four scalars).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct GradeUniforms {
    /// Columns, padded to vec4 as `mat3x3f` is.
    white_balance: [[f32; 4]; 3],
    /// Columns, padded to vec4.
    hue_shift: [[f32; 4]; 3],
    /// Rows (output channels).
    channel_mixer: [[f32; 4]; 3],
    lift: [f32; 4],
    inverse_gamma: [f32; 4],
    gain: [f32; 4],
    shadows: [f32; 4],
    midtones: [f32; 4],
    highlights: [f32; 4],
    slope: [f32; 4],
    offset: [f32; 4],
    power: [f32; 4],
    /// 2^exposure_offset, contrast, saturation, vibrance.
    scalars: [f32; 4],
    cdl_saturation: f32,
    mapper: u32,
    size: u32,
    steps: u32,
}

impl GradeUniforms {
    /// The block for already validated `settings`. Everything the CPU grade derives from the
    /// settings (the matrices, `2^exposure`, `1/gamma`) is computed here with the CPU's own
    /// code, so the shader starts from the CPU's f32 values.
    fn new(settings: &GradeSettings, mapper: ToneMapper, size: u32) -> Self {
        let s = settings;
        let v4 = |v: Vec3| v.extend(0.0).to_array();
        let columns = |m: glam::Mat3| [v4(m.x_axis), v4(m.y_axis), v4(m.z_axis)];
        Self {
            white_balance: columns(white_balance_matrix(s.temperature, s.tint)),
            hue_shift: columns(hue_shift_matrix(s.hue_shift)),
            channel_mixer: s.channel_mixer.map(v4),
            lift: v4(s.lift),
            inverse_gamma: v4(Vec3::ONE / s.gamma),
            gain: v4(s.gain),
            shadows: v4(s.shadows),
            midtones: v4(s.midtones),
            highlights: v4(s.highlights),
            slope: v4(s.slope),
            offset: v4(s.offset),
            power: v4(s.power),
            scalars: [s.exposure_offset.exp2(), s.contrast, s.saturation, s.vibrance],
            cdl_saturation: s.cdl_saturation,
            mapper: mapper.gpu_id(),
            size,
            steps: grade_steps(s),
        }
    }
}

/// The grade bake's pipeline and layout, built once; [`GradeLut::bake`] then runs it for each
/// change of settings.
pub struct GradeLut {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

impl GradeLut {
    /// Builds the compute pipeline of `shaders/grade_bake.wgsl`. Fails only if the shader does
    /// not load or validate.
    pub fn new(device: &wgpu::Device) -> Result<Self, crate::Error> {
        let module = crate::shaders::create_module(device, "grade_bake")?;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("grade_bake"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(
                            std::mem::size_of::<GradeUniforms>() as u64,
                        ),
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::StorageTexture {
                        access: wgpu::StorageTextureAccess::WriteOnly,
                        format: LUT_FORMAT,
                        view_dimension: wgpu::TextureViewDimension::D3,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("grade_bake"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("grade_bake"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("cs_main"),
            compilation_options: Default::default(),
            cache: None,
        });
        Ok(Self { layout, pipeline })
    }

    /// Bakes `mapper.apply(grade(settings, x))` into a new `size`³ [`LUT_FORMAT`] 3D texture
    /// (see the module documentation for the lattice). `settings` go through
    /// [`GradeSettings::validated`] first (out-of-range values are clamped with a warning);
    /// `size` through [`lut_size`]. The work is submitted, not waited for: the texture is ready
    /// for any later submission on the same queue. Its usages are storage (the bake), texture
    /// binding (the finish pass samples it) and copy source (readback).
    pub fn bake(
        &self,
        gpu: &Gpu,
        settings: &GradeSettings,
        mapper: ToneMapper,
        size: u32,
    ) -> Result<wgpu::Texture, crate::Error> {
        let size = lut_size(size);
        let uniforms = GradeUniforms::new(&settings.validated(), mapper, size);
        let device = &gpu.device;
        let texture = gpu.checked("grade LUT bake", || {
            let texture = device.create_texture(&wgpu::TextureDescriptor {
                label: Some("grade_lut"),
                size: wgpu::Extent3d { width: size, height: size, depth_or_array_layers: size },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D3,
                format: LUT_FORMAT,
                usage: wgpu::TextureUsages::STORAGE_BINDING
                    | wgpu::TextureUsages::TEXTURE_BINDING
                    | wgpu::TextureUsages::COPY_SRC,
                view_formats: &[],
            });
            let view = texture.create_view(&Default::default());
            let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("grade_bake.uniforms"),
                contents: bytemuck::bytes_of(&uniforms),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("grade_bake"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: buffer.as_entire_binding() },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::TextureView(&view),
                    },
                ],
            });
            let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("grade_bake"),
            });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("grade_bake"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&self.pipeline);
                pass.set_bind_group(0, &bind_group, &[]);
                let groups = size.div_ceil(WORKGROUP_SIZE);
                pass.dispatch_workgroups(groups, groups, groups);
            }
            gpu.queue.submit([encoder.finish()]);
            texture
        })?;
        Ok(texture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_log2_is_log2_of_65537() {
        let exact = (1.0 + f64::from(SHAPER_MAX) / f64::from(SHAPER_OFFSET)).log2();
        assert!((f64::from(SHAPER_RANGE_LOG2) - exact).abs() < 1e-6, "{exact}");
    }

    #[test]
    fn uniform_block_is_the_wgsl_size() {
        // 3 mat3x3f (48 bytes each) + 10 vec4f + 4 scalars.
        assert_eq!(std::mem::size_of::<GradeUniforms>(), 3 * 48 + 10 * 16 + 16);
    }
}

//! GTAO's view depth pyramid in the compute variant (`src/post/ao.rs`, `PyramidDispatch`):
//! the single dispatch (`cs_pyramid`, mips 0..3 with four storage textures and mip 4 by one
//! more `cs_downsample`; `cs_pyramid5`, all five mips, where the device allows five) writes
//! exactly the bits of the chain of one dispatch per mip, at odd, tiny and half-resolution
//! sizes, and the compute variant's visibility is bit-for-bit what it was with the chain. Both
//! paths run on a device with WebGPU's default four storage textures per stage (the one
//! `Gpu::new` creates) and on one created with five on the same adapter.

use afterlight::gpu::{Capabilities, Gpu};
use afterlight::graph::TexturePool;
use afterlight::post::Tier;
use afterlight::post::ao::{AoFrame, AoPass, AoSettings, PyramidDispatch};
use glam::{Mat4, Vec4};

use crate::common;
use crate::skip::{self, Capability};

/// Output sizes: odd in both directions (five mips), a size whose 16x16 tiles overhang and
/// whose mips are odd, four mips, two mips, one mip.
const SIZES: [(u32, u32); 6] = [(641, 359), (83, 47), (37, 23), (13, 9), (5, 3), (1, 1)];

/// The near plane of the synthetic frame's reverse-Z projection.
const NEAR: f32 = 0.05;

/// A synthetic AO input at one size: reverse-Z depth of a bumpy tilted surface with holes of
/// background (single texels, rows and blocks, so the mips mix surfaces and background), normals
/// facing the camera, no motion, and the camera uniform (view = identity).
struct Inputs {
    size: (u32, u32),
    depth: wgpu::TextureView,
    normals: wgpu::TextureView,
    motion: wgpu::TextureView,
    camera: wgpu::Buffer,
    projection: Mat4,
}

impl Inputs {
    fn new(gpu: &Gpu, size: (u32, u32)) -> Self {
        let (w, h) = size;
        let projection = Mat4::perspective_infinite_reverse_rh(0.9, w as f32 / h as f32, NEAR);
        let mut depth = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f32, y as f32);
                let background = (x * 7 + y * 13) % 29 == 0 || (x / 9 + y / 5) % 11 == 3;
                let z = 1.5 + 0.4 * (fx * 0.31).sin() * (fy * 0.17).cos() + 0.01 * fx + 0.003 * fy;
                depth.push(if background { 0.0 } else { NEAR / z });
            }
        }
        let n = (w * h) as usize;
        let float = |format, channels: u32, texels: &[f32]| {
            common::float_texture(gpu, size, format, channels, texels)
        };
        let depth = float(wgpu::TextureFormat::R32Float, 1, &depth);
        let normals = float(wgpu::TextureFormat::Rgba32Float, 4, &vec![0.0; n * 4]);
        let motion = float(wgpu::TextureFormat::Rg32Float, 2, &vec![0.0; n * 2]);
        // `Camera` in shaders/include/common.wgsl: five matrices, then four vectors.
        let mut uniform: Vec<f32> = Vec::new();
        for m in [projection, projection.inverse(), projection, projection, Mat4::IDENTITY] {
            uniform.extend(m.to_cols_array());
        }
        let viewport = Vec4::new(w as f32, h as f32, 1.0 / w as f32, 1.0 / h as f32);
        for v in [Vec4::W, viewport, Vec4::X, Vec4::ZERO] {
            uniform.extend(v.to_array());
        }
        let camera = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("camera"),
            size: (uniform.len() * 4) as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        gpu.queue.write_buffer(&camera, 0, bytemuck::cast_slice(&uniform));
        Self { size, depth, normals, motion, camera, projection }
    }

    fn frame(&self) -> AoFrame<'_> {
        AoFrame {
            depth: &self.depth,
            normals: &self.normals,
            motion: &self.motion,
            camera: &self.camera,
            projection: self.projection,
            size: self.size,
            frame_index: 0,
            temporal: false,
            lighting_only: false,
        }
    }
}

/// The devices both paths run on: the default one (four storage textures per stage, WebGPU's
/// default) and one with five on the same adapter. Fails, saying why, where the adapter
/// allows fewer than five (every adapter CI runs on allows more).
fn devices() -> Option<Vec<(Gpu, PyramidDispatch)>> {
    let gpu = common::gpu()?;
    // As `variants::ao_compute_matches_fragment_at_every_tier`: the compute variant stores
    // R32Float and its history Rg32Float.
    let rg32 = Capability::ComputeStorage(wgpu::TextureFormat::Rg32Float);
    if skip::lacks(&gpu, rg32, AoPass::compute_unsupported(&gpu.device)) {
        return None;
    }
    let default = gpu.device.limits().max_storage_textures_per_shader_stage;
    assert_eq!(default, 4, "Gpu::new asks for WebGPU's default four storage textures per stage");
    let allowed = gpu.adapter.limits().max_storage_textures_per_shader_stage;
    assert!(
        allowed >= 5,
        "{} allows {allowed} storage textures per shader stage, so the five-texture pyramid \
         (cs_pyramid5) cannot be tested here",
        gpu.info.name
    );
    let limits = wgpu::Limits { max_storage_textures_per_shader_stage: 5, ..gpu.device.limits() };
    let (device, queue) = pollster::block_on(gpu.adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("five storage textures"),
        required_limits: limits,
        ..Default::default()
    }))
    .expect("a device with five storage textures per stage");
    let five = Gpu {
        instance: gpu.instance.clone(),
        adapter: gpu.adapter.clone(),
        info: gpu.info.clone(),
        timestamps: false,
        timing: None,
        capabilities: Capabilities::of(&device),
        device,
        queue,
    };
    Some(vec![(gpu, PyramidDispatch::Four), (five, PyramidDispatch::Five)])
}

/// Every mip of the compute variant's view depth pyramid, as raw bytes, recorded with a fresh
/// pool (a new texture, zero-initialised, so a texel the dispatch skips reads back as 0).
fn pyramid(
    gpu: &Gpu,
    pass: &mut AoPass,
    inputs: &Inputs,
    settings: &AoSettings,
    per_mip: bool,
) -> Vec<Vec<u8>> {
    let mut pool = TexturePool::new();
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let (device, queue, frame) = (&gpu.device, &gpu.queue, inputs.frame());
    let depth = pass
        .dispatch_depth_pyramid(device, queue, &mut encoder, &mut pool, &frame, settings, per_mip)
        .expect("the pyramid is recorded");
    gpu.queue.submit([encoder.finish()]);
    let mips = depth.texture.mip_level_count();
    assert_eq!(mips, AoPass::depth_mip_count(settings, inputs.size));
    let bytes = (0..mips)
        .map(|m| afterlight::gpu::read_subresource(gpu, &depth.texture, 0, m).expect("readback"))
        .collect();
    pool.release(&depth);
    bytes
}

#[test]
fn ao_single_dispatch_pyramid_gives_the_per_mip_chains_bits() {
    let Some(devices) = devices() else { return };
    let high = AoSettings::HIGH;
    let cases = [
        ("high", high),
        ("half resolution", AoSettings { half_resolution: true, ..high }),
        ("ultra (mip 0 only)", AoSettings { tier: Tier::Ultra, ..high }),
    ];
    for (gpu, expected) in &devices {
        let mut pass = AoPass::new(&gpu.device).expect("AO pass");
        assert_eq!(pass.pyramid_dispatch(&gpu.device), *expected);
        for size in SIZES {
            let inputs = Inputs::new(gpu, size);
            for (name, settings) in &cases {
                let what = format!("{expected:?} at {size:?}, {name}");
                let single = pyramid(gpu, &mut pass, &inputs, settings, false);
                let chain = pyramid(gpu, &mut pass, &inputs, settings, true);
                assert_eq!(pass.pyramid_dispatch(&gpu.device), *expected, "{what}: restored");
                let (mut surfaces, mut background) = (0, 0);
                for (m, (a, b)) in single.iter().zip(&chain).enumerate() {
                    let a: &[f32] = bytemuck::cast_slice(a);
                    let b: &[f32] = bytemuck::cast_slice(b);
                    let first = a.iter().zip(b).position(|(x, y)| x.to_bits() != y.to_bits());
                    if let Some(i) = first {
                        let w = (inputs.size.0 >> m).max(1) as usize;
                        panic!(
                            "{what}: mip {m} texel ({}, {}): single dispatch {} against the chain's {}",
                            i % w,
                            i / w,
                            a[i],
                            b[i]
                        );
                    }
                    // Every texel written: view depths are positive, background 6e4.
                    assert!(a.iter().all(|&d| d > 0.0), "{what}: mip {m} has unwritten texels");
                    surfaces += a.iter().filter(|&&d| d < 6.0e4).count();
                    background += a.iter().filter(|&&d| d >= 6.0e4).count();
                }
                if size.0 * size.1 > 64 {
                    assert!(surfaces > 0 && background > 0, "{what}: surfaces and background");
                }
            }
        }
    }
}

#[test]
fn ao_single_dispatch_pyramid_leaves_the_compute_visibility_unchanged() {
    let Some(devices) = devices() else { return };
    // A 4 m radius is about 100 px here, so the far samples read mips 1..4 (1 px and up to
    // about 10 px from the centre read mip 0 only).
    let high = AoSettings { radius: 4.0, ..AoSettings::HIGH };
    let cases = [
        ("high, 4 m", high),
        ("mobile (half resolution), 4 m", AoSettings { radius: 4.0, ..AoSettings::MOBILE }),
    ];
    for (gpu, expected) in &devices {
        let mut pass = AoPass::new(&gpu.device).expect("AO pass");
        for size in [(83, 47), (13, 9)] {
            let inputs = Inputs::new(gpu, size);
            for (name, settings) in &cases {
                let what = format!("{expected:?} at {size:?}, {name}");
                let mut visibility = |forced| {
                    pass.force_pyramid_dispatch(forced);
                    let mut pool = TexturePool::new();
                    let mut encoder = gpu.device.create_command_encoder(&Default::default());
                    let (device, queue, frame) = (&gpu.device, &gpu.queue, inputs.frame());
                    let output = pass
                        .dispatch(device, queue, &mut encoder, &mut pool, &frame, settings)
                        .expect("AO ran");
                    gpu.queue.submit([encoder.finish()]);
                    let texture = &output.visibility.texture;
                    let bytes = afterlight::gpu::read_texture(gpu, texture).expect("readback");
                    pool.release(&output.visibility);
                    pass.force_pyramid_dispatch(None);
                    bytemuck::cast_slice::<u8, f32>(&bytes).to_vec()
                };
                let single = visibility(None);
                let chain = visibility(Some(PyramidDispatch::PerMip));
                let same = single.iter().zip(&chain).all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same && single.len() == chain.len(), "{what}: the visibility changed");
                let occluded = single.iter().filter(|&&v| v < 0.9).count();
                assert!(single.iter().all(|v| v.is_finite()), "{what}: finite visibility");
                eprintln!("{what}: {occluded} of {} pixels below 0.9", single.len());
                if size.0 > 64 {
                    assert!(occluded > 0, "{what}: something is occluded");
                }
            }
        }
    }
}

//! Shared by the integration tests: a GPU or a loud skip, the shared assets or a skip, golden
//! image comparison, and small scenes built in code.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use crate::skip;

use afterlight::gpu::{Gpu, GpuOptions};
use std::sync::Arc;

use afterlight::post::finish::DISPLAY_FORMAT;
use afterlight::post::grade::GradeSettings;
use afterlight::quality;
use afterlight::render::Renderer;
use afterlight::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use afterlight::scene::{self, Aabb, Camera, Instance, Mesh, Primitive, Scene, Vertex};
use glam::{Mat4, Vec3};

/// A GPU for image tests. Without one the test is skipped with a recorded message, unless
/// `AFTERLIGHT_REQUIRE_GPU=1` (set by CI), where a missing adapter fails the test (see
/// [`skip`]).
pub fn gpu() -> Option<Gpu> {
    match Gpu::new(&GpuOptions::default()) {
        Ok(gpu) => Some(gpu),
        Err(e) => {
            skip::no_adapter(&e.to_string());
            None
        }
    }
}

/// The studio environment at a small bake size, shared by a test's renderers (a bake per
/// renderer would dominate the image tests' time on a software GPU).
pub fn studio(gpu: &Gpu) -> Arc<Environment> {
    environment(gpu, EnvironmentSource::Studio, 64)
}

/// An environment from `source` baked at `resolution`.
pub fn environment(gpu: &Gpu, source: EnvironmentSource, resolution: u32) -> Arc<Environment> {
    let settings = EnvironmentSettings { source, resolution, ..Default::default() };
    Arc::new(Environment::new(gpu, &settings, &mut |_, _| {}).expect("environment bakes"))
}

/// A renderer of `scene` at `size` lit by `environment`, with default shadows.
pub fn renderer(
    gpu: &Gpu,
    scene: &Scene,
    size: (u32, u32),
    environment: &Arc<Environment>,
) -> Renderer {
    Renderer::with_environment(gpu, scene, size, environment.clone(), &Default::default())
        .expect("renderer")
}

/// `relative` under `../shared` beside the checkout (a file or a folder), or `None` after
/// recording the skip; a failure naming it under `AFTERLIGHT_REQUIRE_ASSETS=1` (see [`skip`]).
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    skip::shared_file(relative)
}

/// `../shared` beside the checkout, or `None` after recording the skip (see [`shared_file`]).
pub fn shared() -> Option<PathBuf> {
    shared_file("")
}

/// Files under `dir` (recursively) whose extension is one of `extensions`, sorted.
pub fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Compare an RGBA8 image with `tests/golden/<name>.png` by SSIM. `AFTERLIGHT_BLESS=1` writes
/// the golden instead. On failure, `target/golden-failures/<name>.actual.png` and `.diff.png`
/// are written and the test fails with the score.
pub fn assert_golden(name: &str, width: u32, height: u32, rgba: &[u8], min_ssim: f64) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let golden_path = root.join("tests/golden").join(format!("{name}.png"));
    if std::env::var("AFTERLIGHT_BLESS").is_ok_and(|v| v == "1") {
        image::save_buffer(&golden_path, rgba, width, height, image::ExtendedColorType::Rgba8)
            .expect("write golden");
        eprintln!("blessed {}", golden_path.display());
        return;
    }
    let failures = root.join("target/golden-failures");
    let write_actual = || {
        std::fs::create_dir_all(&failures).expect("create target/golden-failures");
        let actual = failures.join(format!("{name}.actual.png"));
        image::save_buffer(&actual, rgba, width, height, image::ExtendedColorType::Rgba8)
            .expect("write actual");
        actual
    };
    let golden = match image::open(&golden_path) {
        Ok(img) => img.to_rgba8(),
        Err(e) => {
            let actual = write_actual();
            panic!(
                "golden {} unreadable ({e}); actual written to {}; bless with AFTERLIGHT_BLESS=1",
                golden_path.display(),
                actual.display()
            );
        }
    };
    assert_eq!((golden.width(), golden.height()), (width, height), "golden {name} size");
    let score = quality::ssim(golden.as_raw(), rgba, width as usize, height as usize)
        .expect("images large enough for SSIM");
    if score < min_ssim {
        let actual = write_actual();
        let diff = failures.join(format!("{name}.diff.png"));
        let diff_rgba = quality::diff_image(golden.as_raw(), rgba);
        image::save_buffer(&diff, &diff_rgba, width, height, image::ExtendedColorType::Rgba8)
            .expect("write diff");
        panic!(
            "{name}: SSIM {score:.4} < {min_ssim} against {}; see {} and {}",
            golden_path.display(),
            actual.display(),
            diff.display()
        );
    }
    eprintln!("{name}: SSIM {score:.4} (threshold {min_ssim})");
}

/// A scene of one axis-aligned square of side `size` in the XY plane facing +Z, placed by
/// `transform`, with the default (white, metallic, rough) material.
pub fn square_scene(size: f32, transform: Mat4) -> Scene {
    let h = size * 0.5;
    let corner = |x: f32, y: f32, u: f32, v: f32| Vertex {
        position: [x, y, 0.0],
        normal: [0.0, 0.0, 1.0],
        tangent: [1.0, 0.0, 0.0, 1.0],
        uv0: [u, v],
        uv1: [u, v],
        color: [1.0; 4],
    };
    let vertices = vec![
        corner(-h, -h, 0.0, 1.0),
        corner(h, -h, 1.0, 1.0),
        corner(h, h, 1.0, 0.0),
        corner(-h, h, 0.0, 0.0),
    ];
    let mut bounds = Aabb::empty();
    bounds.extend(Vec3::new(-h, -h, 0.0));
    bounds.extend(Vec3::new(h, h, 0.0));
    let mut scene = Scene {
        meshes: vec![Mesh {
            name: "square".into(),
            primitives: vec![Primitive {
                vertices,
                indices: vec![0, 1, 2, 0, 2, 3],
                material: None,
                bounds,
            }],
        }],
        instances: vec![Instance { mesh: 0, transform, node: "square".into() }],
        ..Default::default()
    };
    scene.update_bounds();
    scene
}

/// An 8-bit sRGB code to linear (IEC 61966-2-1).
pub fn srgb_to_linear(code: u8) -> f32 {
    let c = f32::from(code) / 255.0;
    if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
}

/// Linear to the nearest 8-bit sRGB code.
pub fn linear_to_srgb(c: f32) -> u8 {
    let c = c.clamp(0.0, 1.0);
    let e = if c <= 0.0031308 { c * 12.92 } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (e * 255.0).round() as u8
}

/// A DISPLAY_FORMAT texture of `size`, usable as a pass's input or output and for readback,
/// filled with `rgba` (8-bit sRGB) when given.
pub fn display_texture(gpu: &Gpu, size: (u32, u32), rgba: Option<&[u8]>) -> wgpu::Texture {
    let extent = wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 };
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("display test image"),
        size: extent,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: DISPLAY_FORMAT,
        usage: wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::COPY_SRC
            | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    if let Some(rgba) = rgba {
        gpu.queue.write_texture(
            texture.as_image_copy(),
            rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(size.0 * 4),
                rows_per_image: Some(size.1),
            },
            extent,
        );
    }
    texture
}

/// The built-in product demo scene.
pub fn default_scene() -> Scene {
    scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None).expect("built-in scene loads")
}

/// The scene's first camera, or one framing its bounds at `aspect`.
pub fn scene_camera(scene: &Scene, aspect: f32) -> Camera {
    scene.default_camera(aspect)
}

/// Every control away from neutral, so every step of the WGSL port runs (the presets leave
/// exposure, the mixer, lift/gamma/gain, the CDL and the hue shift out).
pub const EVERY_STEP: GradeSettings = GradeSettings {
    temperature: 0.3,
    tint: -0.2,
    exposure_offset: 0.5,
    contrast: 1.2,
    saturation: 1.1,
    vibrance: 0.3,
    lift: Vec3::new(0.02, 0.0, -0.01),
    gamma: Vec3::new(1.1, 1.0, 0.9),
    gain: Vec3::new(1.05, 1.0, 0.95),
    shadows: Vec3::new(0.95, 1.0, 1.05),
    midtones: Vec3::new(1.02, 1.0, 0.98),
    highlights: Vec3::new(1.0, 0.97, 0.95),
    slope: Vec3::new(1.1, 1.0, 0.9),
    offset: Vec3::new(0.01, 0.0, -0.01),
    power: Vec3::new(0.9, 1.0, 1.1),
    cdl_saturation: 0.9,
    hue_shift: 12.0,
    channel_mixer: [Vec3::new(0.9, 0.1, 0.0), Vec3::new(0.05, 0.9, 0.05), Vec3::new(0.0, 0.1, 0.9)],
};

/// Run a display-to-display pass (FXAA, sharpening) on an RGBA8 sRGB image of `size`:
/// `record` gets the encoder and the input and output views; returns the output's bytes.
pub fn display_pass(
    gpu: &Gpu,
    rgba: &[u8],
    size: (u32, u32),
    record: impl FnOnce(&mut wgpu::CommandEncoder, &wgpu::TextureView, &wgpu::TextureView),
) -> Vec<u8> {
    let input = display_texture(gpu, size, Some(rgba));
    let output = display_texture(gpu, size, None);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    record(
        &mut encoder,
        &input.create_view(&Default::default()),
        &output.create_view(&Default::default()),
    );
    gpu.queue.submit([encoder.finish()]);
    afterlight::gpu::read_texture(gpu, &output).expect("readback")
}

/// A float texture of `size` with `channels` f32 per texel (textureLoad-able, like the
/// G-buffer's depth and motion).
pub fn float_texture(
    gpu: &Gpu,
    size: (u32, u32),
    format: wgpu::TextureFormat,
    channels: u32,
    texels: &[f32],
) -> wgpu::TextureView {
    let bytes: &[u8] = bytemuck::cast_slice(texels);
    assert_eq!(bytes.len() as u32, size.0 * size.1 * channels * 4, "texels for {size:?}");
    texture_from_bytes(gpu, size, format, bytes)
}

/// A sampleable texture of `format` at `size` holding `bytes` (tightly packed rows).
pub fn texture_from_bytes(
    gpu: &Gpu,
    size: (u32, u32),
    format: wgpu::TextureFormat,
    bytes: &[u8],
) -> wgpu::TextureView {
    let extent = wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 };
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("test input"),
        size: extent,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    gpu.queue.write_texture(
        texture.as_image_copy(),
        bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(bytes.len() as u32 / size.1.max(1)),
            rows_per_image: Some(size.1),
        },
        extent,
    );
    texture.create_view(&Default::default())
}

/// IEEE single to half, rounding to nearest (ties away), NaN and overflow kept.
pub fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    if x.is_nan() {
        return sign | 0x7e00;
    }
    let a = x.abs();
    if a >= 65520.0 {
        return sign | 0x7c00;
    }
    if a < 6.103_515_6e-5 {
        // Subnormal half: multiples of 2^-24.
        return sign | (a * 16_777_216.0).round() as u16;
    }
    let exponent = ((bits >> 23) & 0xff) as i32 - 127 + 15;
    let mantissa = bits & 0x7f_ffff;
    let half = ((exponent as u32) << 10) + (mantissa >> 13) + ((mantissa >> 12) & 1);
    sign | half as u16
}

/// An unlit plane filling an orthographic view: the HDR image is exactly `colour`
/// everywhere (no light, no exposure: the manual exposure below makes the multiplier 1).
pub fn flat_renderer(gpu: &Gpu, size: (u32, u32), left: f32, right: f32) -> (Renderer, Camera) {
    let mut scene = square_scene(2.0 * size.0 as f32 / size.1 as f32, glam::Mat4::IDENTITY);
    for v in &mut scene.meshes[0].primitives[0].vertices {
        let c = if v.position[0] < 0.0 { left } else { right };
        v.color = [c, c, c, 1.0];
    }
    unlit_ortho(gpu, scene, size)
}

/// A renderer of `scene`'s one mesh drawn unlit (vertex colour = HDR radiance), and an
/// orthographic camera down -Z seeing y in -1..1.
pub fn unlit_ortho(
    gpu: &Gpu,
    mut scene: afterlight::scene::Scene,
    size: (u32, u32),
) -> (Renderer, Camera) {
    scene.materials = vec![afterlight::scene::Material { unlit: true, ..Default::default() }];
    scene.meshes[0].primitives[0].material = Some(0);
    let camera = Camera {
        position: Vec3::new(0.0, 0.0, 5.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: afterlight::scene::CameraProjection::Orthographic {
            ymag: 1.0,
            znear: 0.1,
            zfar: 10.0,
        },
    };
    (renderer(gpu, &scene, size, &studio(gpu)), camera)
}

/// A black/white RGBA8 image of `size`, white where `inside` holds at the pixel centre, and its
/// exact coverage by 16 x 16 supersampling (averaged in linear light, as a display shows it):
/// the inputs and references of the anti-aliasing tests (FXAA, SMAA).
pub fn hard_and_supersampled(
    size: (u32, u32),
    inside: impl Fn(f32, f32) -> bool,
) -> (Vec<u8>, Vec<u8>) {
    let mut hard = Vec::new();
    let mut exact = Vec::new();
    for y in 0..size.1 {
        for x in 0..size.0 {
            let v = if inside(x as f32 + 0.5, y as f32 + 0.5) { 255 } else { 0 };
            hard.extend_from_slice(&[v, v, v, 255]);
            let mut covered = 0;
            for sy in 0..16 {
                for sx in 0..16 {
                    let (px, py) =
                        (x as f32 + (sx as f32 + 0.5) / 16.0, y as f32 + (sy as f32 + 0.5) / 16.0);
                    covered += usize::from(inside(px, py));
                }
            }
            let v = linear_to_srgb(covered as f32 / 256.0);
            exact.extend_from_slice(&[v, v, v, 255]);
        }
    }
    (hard, exact)
}

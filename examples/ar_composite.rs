//! AR compositing: a photo of the real world as the background, a glTF product placed on the
//! ground in front of it. The real-world mask keeps the photo's pixels as the camera gave them
//! (no grade, tone map, bloom or vignette reaches them), the shadow catcher lets the product's
//! shadow and contact occlusion darken the real ground, the product is exposed as the camera
//! exposed the scene (taken from the photo) and gets the photo's own noise level.
//!
//! `cargo run --example ar_composite -- [--photo FILE] [--env FILE.hdr] [--out FILE.png]`
//!
//! Without `--photo` a photo is made: the environment (`--env`, else
//! `../shared/hdr/royal_esplanade_1k.hdr` when it is there, else the studio) photographed by
//! the same camera with the neutral `ar` preset, plus sensor noise. The environment also lights
//! the product, as an AR light estimate would. Writes OUT (mask on) and OUT with `_unmasked`
//! (the whole frame through the `product` preset, photo included), and prints how far the
//! real-world pixels moved from the photo in each.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use afterlight::config::Preset;
use afterlight::gpu::Gpu;
use afterlight::post::composite::estimate_noise_sigma;
use afterlight::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use afterlight::render::shadow_catcher::ShadowCatcherSettings;
use afterlight::render::{CameraImage, DISPLAY_FORMAT, RenderOptions, Renderer, RendererSettings};
use afterlight::scene::{self, Camera, Scene};
use wgpu::util::DeviceExt;

const SIZE: (u32, u32) = (320, 240);

fn preset(name: &str) -> Result<RenderOptions, afterlight::Error> {
    let path = format!("{}/presets/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    Ok(RenderOptions { post: Preset::load(path)?.settings, ..Default::default() })
}

/// The environment's view through `camera` with the `ar` preset, plus Gaussian sensor noise
/// of 1% (seeded): a stand-in for a phone camera's frame.
fn make_photo(
    gpu: &Gpu,
    scene: &Scene,
    environment: &Arc<Environment>,
    camera: &Camera,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut empty = scene.clone();
    empty.instances.clear();
    let mut renderer =
        Renderer::with_environment(gpu, &empty, SIZE, environment.clone(), &Default::default())?;
    renderer.render(gpu, camera, &preset("ar")?)?;
    let mut pixels = renderer.read_display(gpu)?;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 / (1u64 << 53) as f64).max(1e-12)
    };
    for (i, p) in pixels.iter_mut().enumerate() {
        if i % 4 != 3 {
            let g = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
            *p = (f64::from(*p) + 2.55 * g).round().clamp(0.0, 255.0) as u8;
        }
    }
    Ok(pixels)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut photo_path, mut env_path, mut out) = (None, None, PathBuf::from("ar_composite.png"));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--photo" => photo_path = Some(PathBuf::from(value()?)),
            "--env" => env_path = Some(PathBuf::from(value()?)),
            "--out" => out = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/hdr/royal_esplanade_1k.hdr");
    let source = match env_path.or(shared.exists().then_some(shared)) {
        Some(path) => EnvironmentSource::Equirect(path),
        None => EnvironmentSource::Studio,
    };
    let gpu = Gpu::new(&Default::default())?;
    let settings = EnvironmentSettings { source, resolution: 128, ..Default::default() };
    let environment = Arc::new(Environment::new(&gpu, &settings, &mut |_, _| {})?);
    // The product: the built-in demo without its floor (the real ground takes its place).
    let mut product = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
    product.instances.retain(|i| i.node != "floor");
    product.update_bounds();
    let camera = Camera::frame_bounds(&product.bounds, 35.0, 12.0, SIZE.0 as f32 / SIZE.1 as f32);

    let photo = match &photo_path {
        Some(path) => {
            let image = image::open(path)?.to_rgba8();
            image::imageops::resize(&image, SIZE.0, SIZE.1, image::imageops::FilterType::Triangle)
                .into_raw()
        }
        None => make_photo(&gpu, &product, &environment, &camera)?,
    };
    let photo_view = gpu
        .device
        .create_texture_with_data(
            &gpu.queue,
            &wgpu::TextureDescriptor {
                label: Some("camera photo"),
                size: wgpu::Extent3d { width: SIZE.0, height: SIZE.1, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: DISPLAY_FORMAT,
                usage: wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            },
            wgpu::util::TextureDataOrder::LayerMajor,
            &photo,
        )
        .create_view(&Default::default());
    let camera_image = CameraImage {
        view: &photo_view,
        grain_sigma: estimate_noise_sigma(&photo, SIZE.0, SIZE.1),
        match_exposure: true,
    };

    let renderer_settings = RendererSettings {
        shadow_catcher: Some(ShadowCatcherSettings::default()),
        ..Default::default()
    };
    let mut renderer =
        Renderer::with_environment(&gpu, &product, SIZE, environment, &renderer_settings)?;
    let options = preset("product")?;
    // A few frames, so TAA settles as it would in a running app.
    for _ in 0..8 {
        renderer.render_over_camera(&gpu, &camera, &options, &camera_image)?;
    }
    let composited = renderer.read_display(&gpu)?;
    let mask = renderer.read_real_world_mask(&gpu)?.unwrap_or_default();
    renderer.reset_history();
    for _ in 0..8 {
        renderer.render(&gpu, &camera, &options)?;
    }
    let unmasked = renderer.read_display(&gpu)?;

    let moved = |image: &[u8]| {
        let (mut sum, mut count) = (0.0, 0usize);
        for (i, m) in mask.iter().enumerate() {
            if *m > 0.99 {
                for k in 0..3 {
                    sum += (f64::from(image[i * 4 + k]) - f64::from(photo[i * 4 + k])).abs();
                    count += 1;
                }
            }
        }
        sum / count.max(1) as f64
    };
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("ar_composite");
    let unmasked_path = out.with_file_name(format!("{stem}_unmasked.png"));
    for (path, image) in [(&out, &composited), (&unmasked_path, &unmasked)] {
        image::save_buffer(path, image, SIZE.0, SIZE.1, image::ExtendedColorType::Rgba8)?;
    }
    println!(
        "noise level of the photo: {:.4}; real-world pixels moved from the photo by {:.2} codes \
         on average with the mask ({}), {:.2} without it ({})",
        camera_image.grain_sigma,
        moved(&composited),
        out.display(),
        moved(&unmasked),
        unmasked_path.display()
    );
    Ok(())
}

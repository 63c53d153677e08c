//! A product turntable for a shop page: the product on the neutral studio environment,
//! standing on a shadow catcher (its shadow and contact occlusion darken the studio backdrop;
//! the plane itself is invisible), the camera circling it once, a numbered PNG per frame with
//! the `product` preset (TAA, GTAO, depth of field on the product, motion blur).
//!
//! `cargo run --example product_turntable -- [SCENE.glb] [--frames N] [--out DIR]`
//! Without a scene: the built-in product demo without its floor.

use std::sync::Arc;

use afterlight::config::Preset;
use afterlight::gpu::Gpu;
use afterlight::render::environment::{Environment, EnvironmentSettings};
use afterlight::render::shadow_catcher::ShadowCatcherSettings;
use afterlight::render::{RenderOptions, Renderer, RendererSettings};
use afterlight::scene::{self, Camera};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut path, mut frames, mut out) = (None, 24u32, String::from("turntable"));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--frames" => frames = args.next().ok_or("--frames needs a number")?.parse()?,
            "--out" => out = args.next().ok_or("--out needs a folder")?,
            _ => path = Some(arg),
        }
    }
    let frames = frames.max(1);
    let (width, height) = (320, 240);
    let gpu = Gpu::new(&Default::default())?;
    let scene = match &path {
        Some(path) => scene::load(std::path::Path::new(path))?,
        None => {
            // The built-in scene stands on a floor of its own; the catcher replaces it.
            let mut scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
            scene.instances.retain(|i| i.node != "floor");
            scene.update_bounds();
            scene
        }
    };
    let environment = Environment::new(&gpu, &EnvironmentSettings::default(), &mut |_, _| {})?;
    let settings = RendererSettings {
        shadow_catcher: Some(ShadowCatcherSettings::default()),
        ..Default::default()
    };
    let size = (width, height);
    let mut renderer =
        Renderer::with_environment(&gpu, &scene, size, Arc::new(environment), &settings)?;
    let preset = Preset::load(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/product.toml"))?;
    let options = RenderOptions { post: preset.settings, ..Default::default() };
    std::fs::create_dir_all(&out)?;
    let aspect = width as f32 / height as f32;
    for frame in 0..frames {
        let yaw = 360.0 * frame as f32 / frames as f32;
        let camera = Camera::frame_bounds(&scene.bounds, yaw, 15.0, aspect);
        renderer.render(&gpu, &camera, &options)?;
        let pixels = renderer.read_display(&gpu)?;
        let file = format!("{out}/frame_{frame:04}.png");
        image::save_buffer(&file, &pixels, width, height, image::ExtendedColorType::Rgba8)?;
        println!("wrote {file}");
    }
    Ok(())
}

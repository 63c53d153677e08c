//! What `afterlight quality` measures: each pass and tier's error against its reference, next
//! to its GPU time.
//!
//! - Ambient occlusion against the CPU ray tracer ([`super::ao_reference`]): the renderer's AO
//!   visibility (cosine-weighted, before multi-bounce, intensity 1) is compared pixel by pixel
//!   with ray-traced visibility within the same world-space radius, as a mean absolute error
//!   over the pixels where the reference sees a surface.
//! - Anti-aliasing against a supersampled reference ([`super::antialiasing`]).
//! - The spatial upscale against the native-resolution render ([`super::upscale`]).

use std::sync::Arc;

use glam::Vec3;

use super::antialiasing::{self, AaScore, AntiAliasing};
use super::ao_reference;
use crate::Error;
use crate::gpu::Gpu;
use crate::post::Tier;
use crate::post::ao::AoSettings;
use crate::post::chain::PostSettings;
use crate::post::exposure::ExposureSettings;
use crate::render::environment::Environment;
use crate::render::{RenderOptions, Renderer, RendererSettings};
use crate::scene::{Camera, Scene};

/// A scene with the camera and AO radius it is measured with.
pub struct AoCase {
    /// How the report names it.
    pub name: String,
    /// The scene.
    pub scene: Scene,
    /// The camera.
    pub camera: Camera,
    /// AO radius in world units (the reference traces rays this long).
    pub radius: f32,
}

impl AoCase {
    /// The built-in sphere (radius 0.5) resting on a plane, seen from above and to the side,
    /// with a radius of 0.5.
    pub fn sphere_on_plane() -> Self {
        let scene = crate::scene::shapes::sphere_on_plane();
        let yfov = 40f32.to_radians();
        let camera = Camera::orbit(Vec3::new(0.0, 0.35, 0.0), 30.0, 30.0, 2.6, yfov);
        Self { name: "sphere on plane".into(), scene, camera, radius: 0.5 }
    }

    /// `scene` framed from `yaw`/`pitch` (degrees), radius 0.1 x its bounds' radius.
    pub fn framed(name: &str, scene: Scene, yaw: f32, pitch: f32) -> Self {
        let camera = Camera::frame_bounds(&scene.bounds, yaw, pitch, 1.0);
        let radius = 0.1 * scene.bounds.radius();
        Self { name: name.into(), scene, camera, radius }
    }
}

/// The scenes AO is measured on: the built-in sphere on a plane, and the Cornell box and
/// DamagedHelmet from `shared` (the shared asset folder) when it is given.
pub fn ao_cases(shared: Option<&std::path::Path>) -> Result<Vec<AoCase>, Error> {
    let mut cases = vec![AoCase::sphere_on_plane()];
    if let Some(dir) = shared {
        let cornell = crate::scene::load(&dir.join("scenes/CornellBox_kajiya/scene.gltf"))?;
        cases.push(AoCase::framed("Cornell box", cornell, 0.0, 0.0));
        let helmet = crate::scene::load(&dir.join("scenes/DamagedHelmet/DamagedHelmet.glb"))?;
        cases.push(AoCase::framed("DamagedHelmet", helmet, 30.0, 15.0));
    }
    Ok(cases)
}

/// One AO tier's error on one scene.
#[derive(Clone, Debug, PartialEq)]
pub struct AoScore {
    /// The scene's name.
    pub scene: String,
    /// The tier (full resolution unless `half_resolution`).
    pub tier: Tier,
    /// Computed at half resolution and upsampled.
    pub half_resolution: bool,
    /// Mean absolute error of visibility against the ray-traced reference.
    pub mean_absolute_error: f64,
    /// Median GPU milliseconds of the `ao` scope (`None` without timestamps).
    pub gpu_ms: Option<f64>,
}

/// Settings of the AO measured at `tier`, made to answer the reference's question: the case's
/// radius as a hard bound (no falloff), every occluder infinitely thick (thickness 0, as rays
/// see a depth buffer's surfaces), intensity 1.
pub fn ao_settings(case: &AoCase, tier: Tier, half_resolution: bool) -> AoSettings {
    AoSettings {
        tier,
        radius: case.radius,
        falloff: 0.0,
        thickness: 0.0,
        intensity: 1.0,
        half_resolution,
        ..AoSettings::HIGH
    }
}

/// Measure every `(tier, half_resolution)` of `variants` on `case` at `size` x `size`, against
/// a reference traced with `rays` rays per pixel.
pub fn ao_scores(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    renderer_settings: &RendererSettings,
    case: &AoCase,
    size: u32,
    rays: u32,
    variants: &[(Tier, bool)],
) -> Result<Vec<AoScore>, Error> {
    let reference =
        ao_reference::ambient_occlusion(&case.scene, &case.camera, size, size, case.radius, rays);
    let mut renderer = Renderer::with_environment(
        gpu,
        &case.scene,
        (size, size),
        environment.clone(),
        renderer_settings,
    )?;
    let mut scores = Vec::new();
    for &(tier, half_resolution) in variants {
        let options = RenderOptions {
            post: PostSettings {
                ao: ao_settings(case, tier, half_resolution),
                exposure: ExposureSettings::default(),
                ..PostSettings::default()
            },
            ..RenderOptions::default()
        };
        renderer.reset_history();
        renderer.render(gpu, &case.camera, &options)?;
        let visibility = renderer.read_ambient_occlusion(gpu)?.ok_or_else(|| {
            Error::InvalidArgument(format!("AO tier {} produced no output", tier.name()))
        })?;
        let mean_absolute_error = ao_reference::mean_absolute_error(&reference, &visibility)
            .ok_or_else(|| Error::InvalidArgument(format!("{}: no surface in view", case.name)))?;
        let gpu_ms = super::scope_ms(gpu, &mut renderer, &case.camera, &options, "ao")?;
        scores.push(AoScore {
            scene: case.name.clone(),
            tier,
            half_resolution,
            mean_absolute_error,
            gpu_ms,
        });
    }
    Ok(scores)
}

/// Every anti-aliasing method `afterlight quality` compares: none, then FXAA, SMAA and TAA at
/// every tier.
pub fn aa_methods() -> Vec<AntiAliasing> {
    let tiers = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra];
    let mut methods = vec![AntiAliasing::None];
    methods.extend(tiers.map(AntiAliasing::Fxaa));
    methods.extend(tiers.map(AntiAliasing::Smaa));
    methods.extend(tiers.map(AntiAliasing::Taa));
    methods
}

/// Score every method of [`aa_methods`] on the built-in product demo at `size` x `size`
/// against references of `samples` samples per pixel.
pub fn aa_scores(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    renderer_settings: &RendererSettings,
    scene: &Scene,
    size: u32,
    samples: u32,
) -> Result<Vec<AaScore>, Error> {
    let scenario = antialiasing::product_demo_scenario(scene, size, samples).ok_or_else(|| {
        Error::InvalidArgument("the anti-aliasing scenario needs the built-in product demo".into())
    })?;
    let mut renderer = Renderer::with_environment(
        gpu,
        scene,
        (size, size),
        environment.clone(),
        renderer_settings,
    )?;
    let references = antialiasing::references(gpu, &mut renderer, &scenario)?;
    aa_methods()
        .into_iter()
        .map(|m| antialiasing::score(gpu, &mut renderer, &scenario, &references, m))
        .collect()
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |ms| format!("{ms:.3}"))
}

/// The AO table, one row per scene and tier.
pub fn ao_table(scores: &[AoScore]) -> String {
    let mut out =
        format!("{:<18} {:<8} {:<5} {:>8} {:>10}\n", "scene", "tier", "res", "MAE", "GPU ms");
    for s in scores {
        out += &format!(
            "{:<18} {:<8} {:<5} {:>8.4} {:>10}\n",
            s.scene,
            s.tier.name(),
            if s.half_resolution { "half" } else { "full" },
            s.mean_absolute_error,
            ms(s.gpu_ms)
        );
    }
    out
}

/// The anti-aliasing table, one row per method: static PSNR and edge error against the
/// supersampled reference, the largest change between two still frames, ghosting, flicker and
/// the pass's GPU time.
pub fn aa_table(scores: &[AaScore]) -> String {
    let mut out = format!(
        "{:<12} {:>12} {:>10} {:>12} {:>10} {:>10} {:>10}\n",
        "method", "static PSNR", "edge error", "still repeat", "ghosting", "flicker", "GPU ms"
    );
    for s in scores {
        out += &format!(
            "{:<12} {:>9.2} dB {:>10.4} {:>12.4} {:>10.4} {:>10.4} {:>10}\n",
            s.method.name(),
            s.static_psnr,
            s.edge_error,
            s.still_repeat,
            s.ghosting,
            s.flicker,
            ms(s.gpu_ms)
        );
    }
    out
}

/// The upscale table ([`super::upscale`]): per render scale, each view's PSNR and SSIM against
/// the native render for every upscaler, then their mean over the views, with the pass's GPU
/// ms beside its tiers.
pub fn upscale_table(scores: &[super::upscale::UpscaleScore]) -> String {
    use super::upscale::{Closeness, UPSCALERS};
    let mut out = format!(
        "{:<28} {:>5} {:<16} {:>9} {:>7} {:>10}\n",
        "view", "scale", "upscaler", "PSNR dB", "SSIM", "GPU ms"
    );
    let mut scales: Vec<f32> = scores.iter().map(|s| s.scale).collect();
    scales.dedup();
    for scale in scales {
        let at_scale: Vec<_> = scores.iter().filter(|s| s.scale == scale).collect();
        for s in &at_scale {
            out += &format!(
                "{:<28} {:>5} {:<16} {:>9.2} {:>7.4} {:>10}\n",
                s.view,
                scale,
                s.upscaler.name(),
                s.closeness.psnr,
                s.closeness.ssim,
                ms(s.gpu_ms)
            );
        }
        for upscaler in UPSCALERS {
            let of: Vec<_> = at_scale.iter().filter(|s| s.upscaler == upscaler).collect();
            let mean = Closeness::mean(of.iter().map(|s| s.closeness));
            let gpu: Vec<f64> = of.iter().filter_map(|s| s.gpu_ms).collect();
            let gpu_ms = (!gpu.is_empty()).then(|| gpu.iter().sum::<f64>() / gpu.len() as f64);
            out += &format!(
                "{:<28} {:>5} {:<16} {:>9.2} {:>7.4} {:>10}\n",
                format!("mean of {} views", of.len()),
                scale,
                upscaler.name(),
                mean.psnr,
                mean.ssim,
                ms(gpu_ms)
            );
        }
    }
    out
}

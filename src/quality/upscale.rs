//! Spatial upscaling against the native-resolution render: how close a frame rendered at a
//! render scale below 1 and brought to the display size comes to the same frame rendered at
//! the display size, for each tier of the upscale pass (`post::upscale`) and for two resizes an
//! app would do without it (the small frame rendered and finished at its own size, resized on
//! the CPU in linear light): bilinear and Catmull-Rom.
//!
//! Used by `afterlight quality` (its upscale table), the bench's quality section and
//! `tests/integration/antialiasing.rs` (which holds the default tier above both CPU resizes and
//! each tier above the one below). Every frame is rendered with
//! [`super::antialiasing::deterministic`] settings (no grain, dither or automatic exposure
//! adaptation) at a fixed exposure, TAA off, so the upscale is the only difference.

use std::sync::Arc;

use super::antialiasing::{LinearImage, deterministic};
use crate::Error;
use crate::gpu::Gpu;
use crate::post::Tier;
use crate::post::exposure::ExposureSettings;
use crate::render::environment::Environment;
use crate::render::{RenderOptions, Renderer, RendererSettings};
use crate::scene::{Camera, Scene};

/// A separable resize filter for [`resize`]: its weights for the texels at offsets -1, 0, 1, 2
/// from the one up and left of the sample, at fractional position `t`.
pub type ResizeFilter = fn(f32) -> [f32; 4];

/// Bilinear interpolation, as a GPU's linear sampler.
pub fn bilinear_weights(t: f32) -> [f32; 4] {
    [0.0, 1.0 - t, t, 0.0]
}

/// Catmull-Rom (Mitchell-Netravali B = 0, C = 1/2): the common sharp cubic.
pub fn catmull_rom_weights(t: f32) -> [f32; 4] {
    let (t2, t3) = (t * t, t * t * t);
    [
        -0.5 * t3 + t2 - 0.5 * t,
        1.5 * t3 - 2.5 * t2 + 1.0,
        -1.5 * t3 + 2.0 * t2 + 0.5 * t,
        0.5 * t3 - 0.5 * t2,
    ]
}

/// `image` (linear) resized to `to` by a separable 4x4 `filter`, texel centres aligned and
/// edges clamped, results clamped to 0..=1.
pub fn resize(image: &LinearImage, to: (u32, u32), filter: ResizeFilter) -> LinearImage {
    let (w, h) = (i64::from(image.width), i64::from(image.height));
    let at = |x: i64, y: i64| image.rgb[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize];
    let mut rgb = Vec::with_capacity(to.0 as usize * to.1 as usize);
    for y in 0..to.1 {
        for x in 0..to.0 {
            let sx = (x as f32 + 0.5) * w as f32 / to.0 as f32 - 0.5;
            let sy = (y as f32 + 0.5) * h as f32 / to.1 as f32 - 0.5;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (wx, wy) = (filter(sx - x0), filter(sy - y0));
            let mut sum = [0.0f32; 3];
            for (j, wy) in wy.iter().enumerate() {
                for (i, wx) in wx.iter().enumerate() {
                    let texel = at(x0 as i64 + i as i64 - 1, y0 as i64 + j as i64 - 1);
                    for k in 0..3 {
                        sum[k] += wx * wy * texel[k];
                    }
                }
            }
            rgb.push(sum.map(|c| c.clamp(0.0, 1.0)));
        }
    }
    LinearImage { width: to.0, height: to.1, rgb }
}

/// How a frame rendered below the display size reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upscaler {
    /// The upscale pass at a tier (low bilinear, medium edge-directed, high edge-adaptive).
    Gpu(Tier),
    /// The finished small frame resized on the CPU, bilinear.
    CpuBilinear,
    /// The finished small frame resized on the CPU, Catmull-Rom.
    CpuCatmullRom,
}

/// Every upscaler compared, the pass's tiers first, in order.
pub const UPSCALERS: [Upscaler; 5] = [
    Upscaler::Gpu(Tier::Low),
    Upscaler::Gpu(Tier::Medium),
    Upscaler::Gpu(Tier::High),
    Upscaler::CpuBilinear,
    Upscaler::CpuCatmullRom,
];

impl Upscaler {
    /// How reports name it (`low`, ..., `CPU bilinear`).
    pub fn name(self) -> &'static str {
        match self {
            Upscaler::Gpu(tier) => tier.name(),
            Upscaler::CpuBilinear => "CPU bilinear",
            Upscaler::CpuCatmullRom => "CPU Catmull-Rom",
        }
    }
}

/// Distance to the native render: PSNR in dB (sRGB-encoded values) and SSIM (8-bit luma).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Closeness {
    /// PSNR, dB (higher is closer).
    pub psnr: f64,
    /// SSIM, 0..1 (higher is closer).
    pub ssim: f64,
}

impl Closeness {
    /// `image` against `reference`; `None` when their sizes differ.
    pub fn of(image: &LinearImage, reference: &LinearImage) -> Option<Self> {
        Some(Self { psnr: image.psnr(reference)?, ssim: image.ssim(reference)? })
    }

    /// The mean of `items` (zero for none).
    pub fn mean(items: impl IntoIterator<Item = Closeness>) -> Self {
        let (mut sum, mut n) = (Closeness::default(), 0.0);
        for c in items {
            sum.psnr += c.psnr;
            sum.ssim += c.ssim;
            n += 1.0;
        }
        if n > 0.0 { Closeness { psnr: sum.psnr / n, ssim: sum.ssim / n } } else { sum }
    }
}

impl std::fmt::Display for Closeness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} dB / SSIM {:.4}", self.psnr, self.ssim)
    }
}

/// A scene measured for upscaling: its name, display size and fixed exposure.
pub struct UpscaleScene<'a> {
    /// How reports name it.
    pub name: &'a str,
    /// The scene.
    pub scene: &'a Scene,
    /// The display size, pixels.
    pub size: (u32, u32),
    /// The fixed exposure, EV100.
    pub ev100: f32,
}

/// One view of a scene at one render scale through one upscaler.
#[derive(Clone, Debug, PartialEq)]
pub struct UpscaleScore {
    /// `scene view` (`product demo framed`, `DamagedHelmet closer`).
    pub view: String,
    /// The render scale.
    pub scale: f32,
    /// The upscaler.
    pub upscaler: Upscaler,
    /// Its distance to the native render.
    pub closeness: Closeness,
    /// Median GPU ms of the `upscale` scope (the pass's tiers; `None` for the CPU resizes and
    /// without timestamps).
    pub gpu_ms: Option<f64>,
}

/// The views of each scene: framed, and closer (yaw, pitch in degrees, distance factor).
const VIEWS: [(&str, f32, f32, f32); 2] =
    [("framed", 30.0, 20.0, 1.0), ("closer", -20.0, 10.0, 0.6)];

/// Every upscaler of [`UPSCALERS`] on both views of `scene` at render scale `scale`.
pub fn scores(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    renderer_settings: &RendererSettings,
    scene: &UpscaleScene,
    scale: f32,
) -> Result<Vec<UpscaleScore>, Error> {
    let new_renderer = |size| {
        Renderer::with_environment(gpu, scene.scene, size, environment.clone(), renderer_settings)
    };
    let mut native = new_renderer(scene.size)?;
    let mut base = RenderOptions::default();
    base.post = deterministic(&base.post);
    base.post.exposure = ExposureSettings::manual(scene.ev100);
    let options = |scale: f32, tier: Tier| {
        let mut options = base.clone();
        options.post.render_scale = scale;
        options.post.upscale.tier = tier;
        options
    };
    let frame = |renderer: &mut Renderer, camera: &Camera, options: &RenderOptions| {
        renderer.render(gpu, camera, options)?;
        let (w, h) = renderer.size();
        Ok::<_, Error>(LinearImage::from_display(&renderer.read_display(gpu)?, w, h))
    };
    let mut scores = Vec::new();
    for (view, yaw, pitch, distance) in VIEWS {
        let mut camera = Camera::frame_bounds(&scene.scene.bounds, yaw, pitch, 1.0);
        let target = scene.scene.bounds.center();
        camera.position = target + (camera.position - target) * distance;
        let reference = frame(&mut native, &camera, &options(1.0, Tier::High))?;
        let mut found = Vec::new();
        for upscaler in UPSCALERS {
            let Upscaler::Gpu(tier) = upscaler else { continue };
            let options = options(scale, tier);
            let image = frame(&mut native, &camera, &options)?;
            let gpu_ms = super::scope_ms(gpu, &mut native, &camera, &options, "upscale")?;
            found.push((upscaler, image, gpu_ms));
        }
        // The app's way: the frame rendered and finished at the small size, resized.
        let mut small = new_renderer(native.render_size())?;
        let small_frame = frame(&mut small, &camera, &options(1.0, Tier::High))?;
        for (upscaler, filter) in [
            (Upscaler::CpuBilinear, bilinear_weights as ResizeFilter),
            (Upscaler::CpuCatmullRom, catmull_rom_weights),
        ] {
            found.push((upscaler, resize(&small_frame, scene.size, filter), None));
        }
        for (upscaler, image, gpu_ms) in found {
            let closeness = Closeness::of(&image, &reference).ok_or_else(|| {
                Error::InvalidArgument(format!("upscale: the {} image's size", upscaler.name()))
            })?;
            let view = format!("{} {view}", scene.name);
            scores.push(UpscaleScore { view, scale, upscaler, closeness, gpu_ms });
        }
    }
    Ok(scores)
}

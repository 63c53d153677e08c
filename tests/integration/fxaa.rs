//! FXAA on a software GPU: it lowers the error on edges against a supersampled reference of
//! the built-in scene (every quality tier), leaves flat images bit for bit unchanged, gives a
//! hard synthetic edge intermediate values, and its settings validate.

use crate::common;

use std::sync::OnceLock;

use afterlight::gpu::Gpu;
use afterlight::post::Tier;
use afterlight::post::fxaa::{FxaaPass, FxaaSettings};
use afterlight::render::RenderOptions;
use afterlight::scene::{self, Camera};

/// Edge length of the aliased image; the reference is rendered at `SCALE` times it.
pub(crate) const N: u32 = 128;
const SCALE: u32 = 4;

/// FXAA of an RGBA8 sRGB image.
fn fxaa(
    gpu: &Gpu,
    pass: &mut FxaaPass,
    rgba: &[u8],
    size: (u32, u32),
    s: &FxaaSettings,
) -> Vec<u8> {
    common::display_pass(gpu, rgba, size, |encoder, input, output| {
        pass.draw(&gpu.device, &gpu.queue, encoder, input, output, size, s)
    })
}

/// Box-downsample an RGBA8 sRGB image by `factor` in linear light.
fn downsample(rgba: &[u8], width: u32, factor: u32) -> Vec<u8> {
    let (w, f) = (width as usize, factor as usize);
    let (out_w, out_h) = (w / f, rgba.len() / 4 / w / f);
    let mut out = vec![0u8; out_w * out_h * 4];
    for y in 0..out_h {
        for x in 0..out_w {
            for c in 0..4 {
                let mut sum = 0.0;
                for dy in 0..f {
                    for dx in 0..f {
                        let code = rgba[((y * f + dy) * w + x * f + dx) * 4 + c];
                        sum += if c == 3 {
                            f32::from(code) / 255.0
                        } else {
                            common::srgb_to_linear(code)
                        };
                    }
                }
                let mean = sum / (f * f) as f32;
                out[(y * out_w + x) * 4 + c] = if c == 3 {
                    (mean * 255.0).round() as u8
                } else {
                    common::linear_to_srgb(mean)
                };
            }
        }
    }
    out
}

/// Rec.709 luma of each pixel's code values (0..255).
fn luma(rgba: &[u8]) -> Vec<f32> {
    rgba.chunks_exact(4)
        .map(|p| 0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2]))
        .collect()
}

/// Pixels where `reference`'s luma spans more than `threshold` codes over the 3x3 around them.
pub(crate) fn edge_mask(reference: &[u8], size: (u32, u32), threshold: f32) -> Vec<bool> {
    let (w, h) = (size.0 as i64, size.1 as i64);
    let l = luma(reference);
    let mut mask = vec![false; l.len()];
    for y in 0..h {
        for x in 0..w {
            let (mut lo, mut hi) = (f32::MAX, f32::MIN);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (sx, sy) = ((x + dx).clamp(0, w - 1), (y + dy).clamp(0, h - 1));
                    let v = l[(sy * w + sx) as usize];
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
            mask[(y * w + x) as usize] = hi - lo > threshold;
        }
    }
    mask
}

/// Mean absolute RGB difference in 8-bit codes over the masked pixels.
pub(crate) fn masked_error(a: &[u8], b: &[u8], mask: &[bool]) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for (i, _) in mask.iter().enumerate().filter(|(_, m)| **m) {
        for c in 0..3 {
            sum += (f64::from(a[i * 4 + c]) - f64::from(b[i * 4 + c])).abs();
        }
        n += 3;
    }
    sum / n.max(1) as f64
}

/// The default scene at N (aliased) and at SCALE x N box-filtered to N (the reference),
/// rendered once per test binary (SMAA's test measures on them too).
pub(crate) fn scene_images(gpu: &Gpu) -> &'static (Vec<u8>, Vec<u8>) {
    static IMAGES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None).expect("scene loads");
        let camera = Camera::frame_bounds(&scene.bounds, 30.0, 20.0, 1.0);
        let environment = common::studio(gpu);
        // No dither: its +-1 code noise would count as error at N but average out at 4N.
        let mut options = RenderOptions::default();
        options.post.finish.dither = false;
        let render = |n: u32| {
            let mut renderer = common::renderer(gpu, &scene, (n, n), &environment);
            renderer.render(gpu, &camera, &options).expect("render");
            renderer.read_display(gpu).expect("readback")
        };
        let aliased = render(N);
        let reference = downsample(&render(N * SCALE), N * SCALE, SCALE);
        (aliased, reference)
    })
}

#[test]
fn fxaa_lowers_edge_error_against_a_supersampled_reference_at_every_tier() {
    let Some(gpu) = common::gpu() else { return };
    let (aliased, reference) = scene_images(&gpu);
    let size = (N, N);
    let mask = edge_mask(reference, size, 24.0);
    let edge_pixels = mask.iter().filter(|m| **m).count();
    assert!(edge_pixels > 200, "the scene has edges: {edge_pixels} pixels");
    let before = masked_error(aliased, reference, &mask);
    let mut pass = FxaaPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("fxaa pipeline");
    println!("{edge_pixels} edge pixels; aliased mean error {before:.3} codes");
    // Each tier is a step: at least as close to the reference as the one below (#23).
    let mut below: Option<(Tier, f64)> = None;
    for tier in [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra] {
        let settings = FxaaSettings { tier, ..Default::default() };
        let filtered = fxaa(&gpu, &mut pass, aliased, size, &settings);
        let after = masked_error(&filtered, reference, &mask);
        let flat = mask.iter().enumerate().filter(|(_, m)| !**m).map(|(i, _)| i);
        let flat_changed = flat.filter(|i| filtered[i * 4..i * 4 + 4] != aliased[i * 4..i * 4 + 4]);
        println!(
            "fxaa {tier}: edge error {after:.3} codes ({:.1}% lower than aliased); \
             {} non-edge pixels changed",
            100.0 * (1.0 - after / before),
            flat_changed.count()
        );
        // Preset 10's short search finds fewer edge ends; the others must take 20% off.
        let wanted = if tier == Tier::Low { 0.85 } else { 0.8 };
        assert!(after < wanted * before, "{tier}: {after:.3} is not below {wanted} x {before:.3}");
        if let Some((lower, error)) = below {
            assert!(
                after <= error,
                "{tier} ({after:.3} codes) is further than {lower} ({error:.3})"
            );
        }
        below = Some((tier, after));
    }
}

#[test]
fn a_constant_image_is_unchanged() {
    let Some(gpu) = common::gpu() else { return };
    let mut pass = FxaaPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("fxaa pipeline");
    let size = (32, 24);
    for colour in [[0u8, 0, 0, 255], [77, 128, 179, 255], [255, 255, 255, 0], [3, 200, 9, 128]] {
        let image: Vec<u8> =
            colour.iter().copied().cycle().take((size.0 * size.1 * 4) as usize).collect();
        for tier in Tier::ALL {
            let settings = FxaaSettings { tier, edge_threshold_min: 0.0, ..Default::default() };
            let out = fxaa(&gpu, &mut pass, &image, size, &settings);
            assert!(out == image, "{colour:?} at {tier} changed");
        }
    }
}

/// A black/white image split by a shallow line (about 1 in 3), and its exact coverage by
/// 16 x 16 supersampling.
fn diagonal(size: (u32, u32)) -> (Vec<u8>, Vec<u8>) {
    common::hard_and_supersampled(size, |x, y| y > 0.31 * x + 10.0)
}

#[test]
fn a_hard_diagonal_edge_gets_intermediate_values() {
    let Some(gpu) = common::gpu() else { return };
    let mut pass = FxaaPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("fxaa pipeline");
    let size = (64u32, 48u32);
    let (hard, exact) = diagonal(size);
    let out = fxaa(&gpu, &mut pass, &hard, size, &FxaaSettings::default());
    // Away from the image's left and right borders, every column crosses the line once and
    // should hold at least one grey pixel near it.
    let columns = 4..size.0 - 4;
    let grey_columns = columns
        .clone()
        .filter(|&x| {
            (0..size.1).any(|y| {
                let v = out[((y * size.0 + x) * 4) as usize];
                (8..=247).contains(&v)
            })
        })
        .count();
    let mask = edge_mask(&exact, size, 24.0);
    let (before, after) = (masked_error(&hard, &exact, &mask), masked_error(&out, &exact, &mask));
    println!(
        "diagonal: {grey_columns} of {} columns hold grey; error against coverage {before:.2} -> {after:.2} codes",
        columns.len()
    );
    assert!(grey_columns * 10 >= columns.len() * 9, "{grey_columns} grey columns");
    assert!(after < 0.8 * before, "{after:.2} vs {before:.2}");
    // Far from the line nothing changes.
    for y in [0u32, 1, 46, 47] {
        for x in 20..44 {
            let i = ((y * size.0 + x) * 4) as usize;
            assert_eq!(out[i..i + 4], hard[i..i + 4], "pixel ({x}, {y})");
        }
    }
}

#[test]
fn validated_clamps_and_names_fields() {
    let (ok, warnings) = FxaaSettings::default().validated();
    assert_eq!((ok, warnings.len()), (FxaaSettings::default(), 0));
    for preset in
        [FxaaSettings::OFF, FxaaSettings::MOBILE, FxaaSettings::DESKTOP, FxaaSettings::ULTRA]
    {
        assert!(preset.validated().1.is_empty(), "{preset:?}");
    }

    let bad = FxaaSettings {
        tier: Tier::Low,
        subpixel: 2.0,
        edge_threshold: f32::NAN,
        edge_threshold_min: f32::NEG_INFINITY,
    };
    let (fixed, warnings) = bad.validated();
    assert_eq!(
        fixed,
        FxaaSettings {
            tier: Tier::Low,
            subpixel: 1.0,
            edge_threshold: 0.166,
            edge_threshold_min: 0.0
        }
    );
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].starts_with("fxaa.subpixel")
            && warnings[0].contains('2')
            && warnings[0].contains('1')
    );
    assert!(
        warnings[1].starts_with("fxaa.edge_threshold ") && warnings[1].contains("NaN"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].starts_with("fxaa.edge_threshold_min") && warnings[2].contains("-inf"),
        "{warnings:?}"
    );
    let (fixed, warnings) = FxaaSettings { edge_threshold: 0.01, ..Default::default() }.validated();
    assert_eq!((fixed.edge_threshold, warnings.len()), (0.063, 1));

    // Presets spell the tier in lowercase; missing fields take defaults, unknown ones fail.
    let parsed: FxaaSettings = toml::from_str("tier = \"low\"\nsubpixel = 0.5\n").expect("parses");
    assert_eq!(parsed, FxaaSettings { tier: Tier::Low, subpixel: 0.5, ..Default::default() });
    assert!(toml::from_str::<FxaaSettings>("sub_pixel = 0.5\n").is_err());
    assert_eq!(FxaaPass::NAME, "fxaa");
}

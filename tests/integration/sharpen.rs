//! Contrast-adaptive sharpening on a software GPU: flat images stay flat, a soft edge gets
//! steeper without leaving its neighbourhood's range, more sharpness sharpens more, and the
//! settings validate.

use crate::common;

use afterlight::gpu::Gpu;
use afterlight::post::Tier;
use afterlight::post::sharpen::{SharpenPass, SharpenSettings};

/// The pass applied to an RGBA8 sRGB image.
fn sharpen(
    gpu: &Gpu,
    pass: &mut SharpenPass,
    rgba: &[u8],
    size: (u32, u32),
    settings: &SharpenSettings,
) -> Vec<u8> {
    common::display_pass(gpu, rgba, size, |encoder, input, output| {
        pass.draw(&gpu.device, &gpu.queue, encoder, input, output, size, settings)
    })
}

const TIERS: [Tier; 4] = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra];

#[test]
fn a_constant_image_stays_constant() {
    let Some(gpu) = common::gpu() else { return };
    let mut pass = SharpenPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("sharpen pipeline");
    let size = (24, 16);
    for colour in [[0u8, 0, 0, 255], [77, 128, 179, 255], [255, 255, 255, 0], [3, 200, 9, 128]] {
        let image: Vec<u8> =
            colour.iter().copied().cycle().take((size.0 * size.1 * 4) as usize).collect();
        for tier in Tier::ALL {
            for sharpness in [0.0, 1.0] {
                let out =
                    sharpen(&gpu, &mut pass, &image, size, &SharpenSettings { tier, sharpness });
                assert!(out == image, "{colour:?} at {tier}, sharpness {sharpness} changed");
            }
        }
    }
}

const EDGE_SIZE: (u32, u32) = (64, 8);

/// A vertical step from `low` to `high` (linear light, per channel) blurred by a Gaussian of
/// `sigma` pixels, across the image.
fn soft_edge(low: [f32; 3], high: [f32; 3], sigma: f32) -> Vec<u8> {
    let (w, h) = EDGE_SIZE;
    // Integrate the Gaussian numerically: the blurred step is its CDF.
    let cdf = |x: f32| {
        let (mut sum, mut total) = (0.0, 0.0);
        for i in -400..=400 {
            let t = i as f32 * 0.02;
            let g = (-t * t / (2.0 * sigma * sigma)).exp();
            total += g;
            if t < x {
                sum += g;
            }
        }
        sum / total
    };
    let mut out = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            let t = cdf(x as f32 + 0.5 - w as f32 / 2.0);
            for c in 0..3 {
                out.push(common::linear_to_srgb(low[c] + (high[c] - low[c]) * t));
            }
            out.push(255);
        }
    }
    out
}

/// The 10-90% rise width in pixels of channel `c` along the middle row, in linear light.
fn rise_width(rgba: &[u8], c: usize) -> f32 {
    let (w, h) = (EDGE_SIZE.0 as usize, EDGE_SIZE.1 as usize);
    let row: Vec<f32> =
        (0..w).map(|x| common::srgb_to_linear(rgba[((h / 2) * w + x) * 4 + c])).collect();
    let (low, high) = (row[0], row[w - 1]);
    let crossing = |level: f32| {
        let target = low + (high - low) * level;
        let x = (1..w).find(|&x| row[x] >= target).unwrap_or(w - 1);
        let (a, b) = (row[x - 1], row[x]);
        (x - 1) as f32 + if b > a { (target - a) / (b - a) } else { 0.0 }
    };
    crossing(0.9) - crossing(0.1)
}

/// Every output channel lies within the input's 3x3 min/max around the pixel.
fn assert_within_neighbourhood(input: &[u8], output: &[u8], what: &str) {
    let (w, h) = (EDGE_SIZE.0 as i64, EDGE_SIZE.1 as i64);
    for y in 0..h {
        for x in 0..w {
            for c in 0..4 {
                let (mut lo, mut hi) = (u8::MAX, u8::MIN);
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        let (sx, sy) = ((x + dx).clamp(0, w - 1), (y + dy).clamp(0, h - 1));
                        let v = input[((sy * w + sx) * 4) as usize + c];
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
                let v = output[((y * w + x) * 4) as usize + c];
                assert!((lo..=hi).contains(&v), "{what}: ({x}, {y}).{c} = {v} outside {lo}..={hi}");
            }
        }
    }
}

#[test]
fn a_soft_edge_gets_steeper_without_overshoot() {
    let Some(gpu) = common::gpu() else { return };
    let mut pass = SharpenPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("sharpen pipeline");
    // Grey, and a coloured edge whose channels rise by different amounts.
    for (low, high) in [([0.05; 3], [0.6; 3]), ([0.02, 0.1, 0.3], [0.5, 0.35, 0.4])] {
        let input = soft_edge(low, high, 1.5);
        let before = rise_width(&input, 1);
        for tier in TIERS {
            let mut widths = Vec::new();
            for sharpness in [0.0, 1.0] {
                let settings = SharpenSettings { tier, sharpness };
                let out = sharpen(&gpu, &mut pass, &input, EDGE_SIZE, &settings);
                let what = format!("{low:?}..{high:?} {tier} sharpness {sharpness}");
                assert_within_neighbourhood(&input, &out, &what);
                let after = rise_width(&out, 1);
                println!("{what}: 10-90% width {before:.3} -> {after:.3} px");
                // CAS at sharpness 0 is already a gentle sharpen (lobe -1/8).
                assert!(after < before * 0.97, "{what}: {after:.3} vs {before:.3}");
                widths.push(after);
            }
            assert!(widths[1] < widths[0], "{tier}: sharpness 1 is not steeper than 0: {widths:?}");
        }
    }
}

/// Deterministic coloured noise of `EDGE_SIZE` (xorshift32 from `seed`), each colour channel in
/// `low..low + range` codes, opaque.
fn noise(seed: u32, low: u8, range: u32) -> Vec<u8> {
    let mut state = seed;
    (0..EDGE_SIZE.0 * EDGE_SIZE.1 * 4)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if i % 4 == 3 { 255 } else { low + (state % range) as u8 }
        })
        .collect()
}

#[test]
fn tiers_differ_on_coloured_detail_and_never_overshoot() {
    let Some(gpu) = common::gpu() else { return };
    let mut pass = SharpenPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("sharpen pipeline");
    // Coloured noise in mid-tones, where CAS's amplitude is large.
    let input = noise(0x2545_f491, 60, 120);
    let outputs: Vec<Vec<u8>> = [Tier::Low, Tier::Medium, Tier::High]
        .iter()
        .map(|&tier| {
            let out = sharpen(
                &gpu,
                &mut pass,
                &input,
                EDGE_SIZE,
                &SharpenSettings { tier, sharpness: 1.0 },
            );
            assert_within_neighbourhood(&input, &out, &format!("noise at {tier}"));
            assert!(out != input, "{tier} changed nothing");
            out
        })
        .collect();
    assert!(outputs[0] != outputs[1] && outputs[1] != outputs[2]);
}

/// AMD FidelityFX CAS (Lottes 2019, the non-scaling `CasFilter`), written on the CPU from its
/// published description, in linear light: on the 3x3 window `a b c / d e f / g h i`, soft
/// min and max over the cross `b d e f h` (plus, in the "better diagonals" form, the whole
/// window's min and max added, so the signal's upper limit becomes 2), the amplitude
/// `sqrt(clamp(min(min, limit - max) / max, 0, 1))`, the lobe weight `w = amp · peak` with
/// `peak = -1 / lerp(8, 5, sharpness)`, and `(w (b + d + f + h) + e) / (1 + 4 w)`. CAS
/// weights every channel with green's; the tiers are: Low, the cross with green's weight (CAS
/// as published); Medium, the cross with a weight per channel; High and Ultra, the better
/// diagonals with a weight per channel. Then afterlight's one addition: clamping to the
/// window's own min and max.
fn cas_reference(rgba: &[u8], size: (u32, u32), settings: &SharpenSettings) -> Vec<u8> {
    let (w, h) = (size.0 as i64, size.1 as i64);
    let peak = -1.0 / (8.0 + (5.0 - 8.0) * f64::from(settings.sharpness));
    let texel = |x: i64, y: i64, c: usize| {
        let (x, y) = (x.clamp(0, w - 1), y.clamp(0, h - 1));
        f64::from(common::srgb_to_linear(rgba[((y * w + x) * 4) as usize + c]))
    };
    let mut out = rgba.to_vec();
    for y in 0..h {
        for x in 0..w {
            let mut weight = [0.0; 3];
            let mut window = [(0.0, 0.0); 3];
            let mut cross = [0.0; 3];
            for (c, weight) in weight.iter_mut().enumerate() {
                let t = |dx: i64, dy: i64| texel(x + dx, y + dy, c);
                let plus = [t(0, -1), t(-1, 0), t(0, 0), t(1, 0), t(0, 1)];
                let corners = [t(-1, -1), t(1, -1), t(-1, 1), t(1, 1)];
                let min_of = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
                let max_of = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let (mut mn, mut mx, mut limit) = (min_of(&plus), max_of(&plus), 1.0);
                window[c] = (mn, mx);
                if matches!(settings.tier, Tier::High | Tier::Ultra) {
                    let all: Vec<f64> = plus.iter().chain(&corners).copied().collect();
                    window[c] = (min_of(&all), max_of(&all));
                    mn += window[c].0;
                    mx += window[c].1;
                    limit = 2.0;
                }
                let amp = (mn.min(limit - mx) / mx.max(1.0 / 65536.0)).clamp(0.0, 1.0).sqrt();
                *weight = amp * peak;
                cross[c] = plus[0] + plus[1] + plus[3] + plus[4];
            }
            if settings.tier == Tier::Low {
                weight = [weight[1]; 3];
            }
            for c in 0..3 {
                let e = texel(x, y, c);
                let filtered = (weight[c] * cross[c] + e) / (1.0 + 4.0 * weight[c]);
                let clamped = filtered.clamp(window[c].0, window[c].1);
                out[((y * w + x) * 4) as usize + c] = common::linear_to_srgb(clamped as f32);
            }
        }
    }
    out
}

/// Every tier and three sharpness values on a soft coloured edge and on coloured noise: the
/// pass gives the CPU CAS reference within one 8-bit code at Medium, High and Ultra (the GPU's
/// sRGB decode, f32 maths and the target's rounding against f64; sharpening amplifies them),
/// and at Low within two codes for at most one value in a thousand, one code elsewhere; at
/// least one pixel in ten differs from the input, so the comparison is not of two copies.
#[test]
fn matches_a_cpu_reference_of_the_published_cas_formula() {
    let Some(gpu) = common::gpu() else { return };
    let mut pass = SharpenPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("sharpen pipeline");
    let inputs = [
        ("soft edge", soft_edge([0.02, 0.1, 0.3], [0.5, 0.35, 0.4], 1.5)),
        ("noise", noise(0x9e37_79b9, 30, 190)),
    ];
    for (name, input) in &inputs {
        for tier in TIERS {
            for sharpness in [0.0, 0.5, 1.0] {
                let settings = SharpenSettings { tier, sharpness };
                let gpu_out = sharpen(&gpu, &mut pass, input, EDGE_SIZE, &settings);
                let cpu_out = cas_reference(input, EDGE_SIZE, &settings);
                let worst = gpu_out.iter().zip(&cpu_out).map(|(a, b)| a.abs_diff(*b)).max();
                let changed =
                    input.chunks(4).zip(cpu_out.chunks(4)).filter(|(a, b)| a != b).count();
                println!(
                    "{name}, {tier}, sharpness {sharpness}: largest difference from the CPU \
                     reference {worst:?} codes, {changed} pixels sharpened"
                );
                let over =
                    gpu_out.iter().zip(&cpu_out).filter(|(a, b)| a.abs_diff(**b) > 1).count();
                // Low weights every channel by green's: a green value at a rounding boundary
                // moves all three, so one value in a thousand may be two codes off.
                let (most, rare) =
                    if tier == Tier::Low { (2, gpu_out.len() / 1000) } else { (1, 0) };
                assert!(
                    worst <= Some(most) && over <= rare,
                    "{name} {tier} {sharpness}: {worst:?} codes off CAS, {over} values over 1"
                );
                assert!(changed * 10 >= input.len() / 4, "{name} {tier}: {changed} changed");
            }
        }
    }
}

#[test]
fn off_copies_the_input() {
    let Some(gpu) = common::gpu() else { return };
    let mut pass = SharpenPass::new(&gpu.device, afterlight::post::finish::DISPLAY_FORMAT)
        .expect("sharpen pipeline");
    let input = soft_edge([0.0; 3], [1.0; 3], 1.0);
    let out = sharpen(&gpu, &mut pass, &input, EDGE_SIZE, &SharpenSettings::OFF);
    assert!(out == input);
}

#[test]
fn validated_clamps_and_names_fields() {
    assert_eq!(SharpenSettings::default(), SharpenSettings::OFF);
    assert_eq!(SharpenSettings::default().tier, Tier::Off);
    for preset in [SharpenSettings::OFF, SharpenSettings::CRISP, SharpenSettings::MOBILE] {
        assert!(preset.validated().1.is_empty(), "{preset:?}");
    }
    let (fixed, warnings) = SharpenSettings { tier: Tier::High, sharpness: 3.5 }.validated();
    assert_eq!(fixed, SharpenSettings { tier: Tier::High, sharpness: 1.0 });
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].starts_with("sharpen.sharpness") && warnings[0].contains("3.5"),
        "{warnings:?}"
    );
    let (fixed, warnings) = SharpenSettings { tier: Tier::Low, sharpness: f32::NAN }.validated();
    assert_eq!((fixed.sharpness, warnings.len()), (0.5, 1));
    let (fixed, _) = SharpenSettings { tier: Tier::Low, sharpness: f32::NEG_INFINITY }.validated();
    assert_eq!(fixed.sharpness, 0.0);

    let parsed: SharpenSettings = toml::from_str("tier = \"high\"\n").expect("parses");
    assert_eq!(parsed, SharpenSettings { tier: Tier::High, sharpness: 0.5 });
    assert!(toml::from_str::<SharpenSettings>("amount = 1.0\n").is_err());
    assert_eq!(SharpenPass::NAME, "sharpen");
}

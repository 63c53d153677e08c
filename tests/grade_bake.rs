//! The GPU grade LUT bake (`src/post/grade_bake.rs`, `shaders/grade_bake.wgsl`) against the
//! CPU references: every lattice point of the baked 3D texture is read back and compared with
//! `mapper.apply(grade(&settings, shaper_inverse(t)))`. The bake follows DESIGN.md's fused
//! finish (one 3D LUT for every per-pixel colour operation, as Filament bakes its grading).
//! Also checked without a GPU: the shaper, the size rule and that the WGSL constants match.

mod common;

use std::time::Instant;

use afterlight::gpu::{Gpu, halves_to_f32, read_subresource};
use afterlight::post::grade::{GradeSettings, grade};
use afterlight::post::grade_bake::{
    GRADE_STEPS, GradeLut, LUT_SIZES, SHAPER_MAX, grade_steps, lut_size, shaper, shaper_inverse,
};
use afterlight::post::tonemap::ToneMapper;
use afterlight::shaders;
use glam::Vec3;

/// The requirement: one 10-bit step. Half-float storage alone rounds by up to 2.4e-4
/// just below 1 (half an ulp of 2^-11; the shader rounds to nearest itself, see
/// `grade_round_to_half`), the GPU's f32 arithmetic adds a little more.
const TOLERANCE: f32 = 1.0 / 1023.0;

/// Every texel of a baked `size`³ LUT as RGBA, x fastest, then y, then z. A 3D texture's
/// slice z is copied like an array layer (`origin.z = z`, depth 1), so `read_subresource`
/// reads one slice per call.
fn read_lut(gpu: &Gpu, texture: &wgpu::Texture) -> Vec<[f32; 4]> {
    assert_eq!(texture.dimension(), wgpu::TextureDimension::D3);
    (0..texture.depth_or_array_layers())
        .flat_map(|z| {
            let bytes = read_subresource(gpu, texture, z, 0).unwrap();
            halves_to_f32(&bytes)
                .chunks_exact(4)
                .map(|t| [t[0], t[1], t[2], t[3]])
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The scene-linear colour at lattice point `(i, j, k)` of a `size`³ LUT.
fn lattice_input(size: u32, i: u32, j: u32, k: u32) -> Vec3 {
    let t = |n: u32| shaper_inverse(n as f32 / (size - 1) as f32);
    Vec3::new(t(i), t(j), t(k))
}

/// The worst |GPU − CPU| over the whole LUT, with where it happened.
struct Worst {
    difference: f32,
    input: Vec3,
    got: Vec3,
    want: Vec3,
}

/// Compares every lattice point of `texture` with `reference(input)`.
fn compare(texture_values: &[[f32; 4]], size: u32, reference: impl Fn(Vec3) -> Vec3) -> Worst {
    let mut worst = Worst { difference: 0.0, input: Vec3::ZERO, got: Vec3::ZERO, want: Vec3::ZERO };
    assert_eq!(texture_values.len(), (size * size * size) as usize);
    for k in 0..size {
        for j in 0..size {
            for i in 0..size {
                let texel = texture_values[((k * size + j) * size + i) as usize];
                assert_eq!(texel[3], 1.0, "lattice point ({i}, {j}, {k}) not written");
                let got = Vec3::new(texel[0], texel[1], texel[2]);
                let input = lattice_input(size, i, j, k);
                let want = reference(input);
                let difference = (got - want).abs().max_element();
                // A NaN from the GPU has no difference; count it as the worst possible.
                let difference = if got.is_finite() { difference } else { f32::INFINITY };
                if difference > worst.difference {
                    worst = Worst { difference, input, got, want };
                }
            }
        }
    }
    worst
}

/// Every control away from neutral, so every step of the WGSL port runs (the presets leave
/// exposure, the mixer, lift/gamma/gain, the CDL and the hue shift out).
const EVERY_STEP: GradeSettings = GradeSettings {
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

#[test]
fn baked_lut_matches_the_cpu_grade_and_tone_mapper() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 32;
    let mut cases: Vec<(&str, GradeSettings, ToneMapper)> =
        ToneMapper::ALL.iter().map(|&m| ("NEUTRAL", GradeSettings::NEUTRAL, m)).collect();
    for mapper in [ToneMapper::KhronosPbrNeutral, ToneMapper::AcesFitted] {
        cases.push(("WARM_PRODUCT", GradeSettings::WARM_PRODUCT, mapper));
        cases.push(("COOL_TECH", GradeSettings::COOL_TECH, mapper));
        cases.push(("EVERY_STEP", EVERY_STEP, mapper));
    }

    println!(
        "grade LUT {size}³ on {}: max |GPU − CPU| per case (limit {TOLERANCE:.2e})",
        gpu.info.name
    );
    let mut failures = Vec::new();
    for (name, settings, mapper) in cases {
        let texture = baker.bake(&gpu, &settings, mapper, size).unwrap();
        let values = read_lut(&gpu, &texture);
        let worst = compare(&values, size, |x| mapper.apply(grade(&settings, x)));
        println!(
            "  {name:<13} {:<20} {:.2e} (at {}: GPU {}, CPU {})",
            mapper.name(),
            worst.difference,
            worst.input,
            worst.got,
            worst.want
        );
        if worst.difference > TOLERANCE {
            failures.push(format!(
                "{name} + {mapper}: {} -> GPU {}, CPU {} (|d| {:e})",
                worst.input, worst.got, worst.want, worst.difference
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "GPU bake differs from CPU by more than 1/1023:\n{}",
        failures.join("\n")
    );
}

/// The identity grade is the identity through the baked LUT: with NEUTRAL settings and the
/// Clamp mapper each lattice point holds its own input, clipped at 1 (0 and 1 exactly) — up
/// to the rounding to half floats (half an ulp, 2^-11 relative; the shader rounds to nearest
/// itself) and the GPU's exp2 in the shaper.
#[test]
fn neutral_grade_with_clamp_is_the_identity() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 32;
    let texture = baker.bake(&gpu, &GradeSettings::NEUTRAL, ToneMapper::Clamp, size).unwrap();
    let values = read_lut(&gpu, &texture);
    let mut worst_relative = 0.0f32;
    for k in 0..size {
        for j in 0..size {
            for i in 0..size {
                let texel = values[((k * size + j) * size + i) as usize];
                let got = Vec3::new(texel[0], texel[1], texel[2]);
                let want = lattice_input(size, i, j, k).min(Vec3::ONE);
                for (g, w) in got.to_array().into_iter().zip(want.to_array()) {
                    if w == 0.0 || w == 1.0 {
                        assert_eq!(g, w, "({i}, {j}, {k}): {got} vs {want}");
                    } else {
                        let relative = (g - w).abs() / w;
                        worst_relative = worst_relative.max(relative);
                        assert!(
                            relative <= 2f32.powi(-11) + 1e-5,
                            "({i}, {j}, {k}): {got} vs {want}"
                        );
                    }
                }
            }
        }
    }
    println!("identity through the {size}³ LUT: worst relative error {worst_relative:.2e}");
}

/// Every tier size bakes, with the expected extent; an odd size becomes a tier size. Also
/// reports the bake's wall-clock time (bake + wait for the queue), never asserted on.
#[test]
fn every_size_bakes_and_others_are_rounded_up() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let settings = GradeSettings::WARM_PRODUCT;
    let mapper = ToneMapper::AcesFitted;
    // A warm-up bake so the first timing does not include the driver compiling the pipeline.
    baker.bake(&gpu, &settings, mapper, 16).unwrap();
    gpu.device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    for size in LUT_SIZES {
        let start = Instant::now();
        let texture = baker.bake(&gpu, &settings, mapper, size).unwrap();
        gpu.device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(
            texture.size(),
            wgpu::Extent3d { width: size, height: size, depth_or_array_layers: size }
        );
        let worst = compare(&read_lut(&gpu, &texture), size, |x| mapper.apply(grade(&settings, x)));
        println!(
            "{size}³ bake on {}: {:.2} ms wall clock; max |GPU − CPU| {:.2e}",
            gpu.info.name,
            elapsed.as_secs_f64() * 1e3,
            worst.difference
        );
        assert!(worst.difference <= TOLERANCE, "{size}³: {:e}", worst.difference);
    }
    for (requested, expected) in [(0, 16), (8, 16), (17, 32), (48, 64), (128, 64)] {
        let texture = baker.bake(&gpu, &settings, mapper, requested).unwrap();
        assert_eq!(texture.width(), expected, "size {requested}");
        assert_eq!(texture.depth_or_array_layers(), expected, "size {requested}");
    }
}

#[test]
fn lut_size_rounds_up_to_a_tier_size() {
    for size in LUT_SIZES {
        assert_eq!(lut_size(size), size);
    }
    let cases = [(0, 16), (1, 16), (15, 16), (17, 32), (31, 32), (33, 64), (63, 64), (65, 64)];
    for (requested, expected) in cases {
        assert_eq!(lut_size(requested), expected, "{requested}");
    }
    assert_eq!(lut_size(u32::MAX), 64);
}

#[test]
fn shaper_maps_black_to_zero_and_covers_the_range() {
    assert_eq!(shaper(0.0), 0.0);
    assert_eq!(shaper_inverse(0.0), 0.0);
    assert!((shaper(SHAPER_MAX) - 1.0).abs() < 1e-6, "{}", shaper(SHAPER_MAX));
    assert!((shaper_inverse(1.0) - SHAPER_MAX).abs() < 1e-3, "{}", shaper_inverse(1.0));
    // Out-of-range and non-finite input clamps.
    assert_eq!(shaper(-1.0), 0.0);
    assert_eq!(shaper(f32::NAN), 0.0);
    assert_eq!(shaper(f32::INFINITY), shaper(SHAPER_MAX));
    assert_eq!(shaper_inverse(f32::NAN), 0.0);
    assert_eq!(shaper_inverse(2.0), shaper_inverse(1.0));
    // Above the toe it is log2: a stop is 1/16 of the range (to within the toe's offset).
    let stop = shaper(2.0) - shaper(1.0);
    assert!((stop - 1.0 / 16.0).abs() < 1e-4, "{stop}");
    // Below the toe it is linear: doubling a tiny input doubles t.
    let (a, b) = (shaper(1e-6), shaper(2e-6));
    assert!((b / a - 2.0).abs() < 5e-3, "{a} {b}");
    // Round trip and monotonic.
    let mut previous = -1.0;
    for i in 0..=1000 {
        let t = i as f32 / 1000.0;
        let x = shaper_inverse(t);
        assert!(x > previous, "not increasing at {t}");
        previous = x;
        assert!((shaper(x) - t).abs() < 1e-5, "{t} -> {x} -> {}", shaper(x));
    }
}

/// The constants of `shaders/grade_bake.wgsl` and `include/grade_lut.wgsl` are the Rust ones.
#[test]
fn wgsl_constants_match_the_rust_ones() {
    use afterlight::post::grade_bake::{SHAPER_OFFSET, SHAPER_RANGE_LOG2};
    let wgsl = shaders::load("grade_bake").unwrap().code;
    for (name, bit) in GRADE_STEPS {
        let line = format!("const {name}: u32 = {bit}u;");
        assert!(wgsl.contains(&line), "grade_bake.wgsl lacks {line:?}");
    }
    for (name, value) in [
        ("GRADE_LUT_SHAPER_OFFSET", SHAPER_OFFSET),
        ("GRADE_LUT_SHAPER_MAX", SHAPER_MAX),
        ("GRADE_LUT_SHAPER_RANGE_LOG2", SHAPER_RANGE_LOG2),
    ] {
        let prefix = format!("const {name}: f32 = ");
        let line =
            wgsl.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{name}"));
        let parsed: f32 = line[prefix.len()..].trim_end_matches(';').parse().unwrap();
        assert_eq!(parsed, value, "{name}");
    }
    assert_eq!(grade_steps(&GradeSettings::NEUTRAL), 0);
    assert_ne!(grade_steps(&GradeSettings::WARM_PRODUCT), 0);
}

//! The GPU grade LUT bake (`src/post/grade_bake.rs`, `shaders/post/grade_bake.wgsl`) against the
//! CPU references: every lattice point of the baked 3D texture is read back and compared with
//! `baked_value` (the grade, the tone mapper and/or a user `.cube` LUT, sRGB-encoded), and the
//! identity is sampled through the GPU's own trilinear filter (`sample_lut`, the finish's
//! sampling) at every 10-bit code. The bake follows DESIGN.md's fused finish (one 3D LUT for
//! every per-pixel colour operation, as Filament bakes its grading). Also checked without a
//! GPU: the shaper, the size rules and that the WGSL constants match.

use crate::common;

use std::sync::Arc;
use std::time::Instant;

use afterlight::gpu::{Gpu, halves_to_f32, read_subresource};
use afterlight::post::Tier;
use afterlight::post::colour_lut::ColourLut;
use afterlight::post::grade::GradeSettings;
use afterlight::post::grade_bake::{
    GRADE_STEPS, GradeLut, LUT_SIZES, LutSpace, SHAPER_MAX, UserLut, baked_value, grade_steps,
    lut_size, lut_size_for_tier, sample_lut, shaper, shaper_inverse, srgb_decode, srgb_encode,
};
use afterlight::post::lut::CubeLut;
use afterlight::post::tonemap::ToneMapper;
use afterlight::shaders;
use glam::Vec3;

/// The requirement: one 10-bit step, in the sRGB-encoded domain the texels hold.
/// Half-float storage alone rounds by up to 2.4e-4 below 1 (half an ulp of 2^-11; the shader
/// rounds to nearest itself, see `grade_round_to_half`), the GPU's f32 arithmetic adds a
/// little more. Texels above 1 (the unclipped Clamp mapper, user LUTs with outputs past 1)
/// are compared relative to their size, since a half float's ulp grows with it.
const TOLERANCE: f32 = 1.0 / 1023.0;

/// `|got − want|` scaled so that 1 means [`TOLERANCE`]-sized trouble: absolute up to 1,
/// relative above.
fn scaled_difference(got: Vec3, want: Vec3) -> f32 {
    let d = (got - want).abs() / want.abs().max(Vec3::ONE);
    // A NaN from the GPU has no difference; count it as the worst possible.
    if got.is_finite() { d.max_element() } else { f32::INFINITY }
}

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

/// The worst [`scaled_difference`] of GPU and CPU over the whole LUT, with where it happened.
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
                let difference = scaled_difference(got, want);
                if difference > worst.difference {
                    worst = Worst { difference, input, got, want };
                }
            }
        }
    }
    worst
}

#[test]
fn baked_lut_matches_the_cpu_grade_and_tone_mapper() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 32;
    let mut cases: Vec<(&str, GradeSettings, ToneMapper)> =
        ToneMapper::ALL.iter().map(|&m| ("NEUTRAL", GradeSettings::NEUTRAL, m)).collect();
    for mapper in [ToneMapper::KhronosPbrNeutral, ToneMapper::AcesFitted, ToneMapper::Clamp] {
        cases.push(("WARM_PRODUCT", GradeSettings::WARM_PRODUCT, mapper));
        cases.push(("COOL_TECH", GradeSettings::COOL_TECH, mapper));
        cases.push(("common::EVERY_STEP", common::EVERY_STEP, mapper));
    }

    println!(
        "grade LUT {size}³ on {}: max |GPU − CPU| (sRGB-encoded) per case (limit {TOLERANCE:.2e})",
        gpu.info.name
    );
    let mut failures = Vec::new();
    for (name, settings, mapper) in cases {
        let texture = baker.bake(&gpu.device, &gpu.queue, &settings, mapper, None, size).unwrap();
        let values = read_lut(&gpu, &texture);
        let worst = compare(&values, size, |x| baked_value(&settings, mapper, None, x));
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

/// With NEUTRAL settings and the Clamp mapper each lattice point holds the sRGB encoding of
/// its own input, unclipped past 1 (0 exactly at black) — up to the rounding to half floats
/// (half an ulp, 2^-11 relative; the shader rounds to nearest itself) and the GPU's exp2 in
/// the shaper and pow in the encode.
#[test]
fn neutral_grade_with_clamp_holds_the_encoded_input() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 32;
    let texture = baker
        .bake(&gpu.device, &gpu.queue, &GradeSettings::NEUTRAL, ToneMapper::Clamp, None, size)
        .unwrap();
    let values = read_lut(&gpu, &texture);
    let mut worst_relative = 0.0f32;
    for k in 0..size {
        for j in 0..size {
            for i in 0..size {
                let texel = values[((k * size + j) * size + i) as usize];
                let got = Vec3::new(texel[0], texel[1], texel[2]);
                let want = lattice_input(size, i, j, k).map(srgb_encode);
                for (g, w) in got.to_array().into_iter().zip(want.to_array()) {
                    if w == 0.0 {
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
    println!("encoded identity at the {size}³ lattice: worst relative error {worst_relative:.2e}");
}

/// Rounds to the nearest half float (normal range) as the bake's `grade_round_to_half` does.
fn round_to_half(x: f32) -> f32 {
    f32::from_bits((x.to_bits() + 0x1000) & 0xffff_e000)
}

/// A CPU model of what the finish gets for the identity (NEUTRAL + Clamp) on one channel
/// (the identity acts on each channel alone, so trilinear filtering is 1D interpolation)
/// when the texels hold `store(display_linear)` and the sample is decoded with `decode`: the
/// worst error over every 10-bit code, in codes. For the table in grade_bake.rs's docs.
fn modelled_identity_error(
    size: u32,
    clip_before_storing: bool,
    store: impl Fn(f32) -> f32,
    decode: impl Fn(f32) -> f32,
) -> f32 {
    let last = (size - 1) as f32;
    let texel = |i: u32| {
        let x = shaper_inverse(i as f32 / last);
        round_to_half(store(if clip_before_storing { x.min(1.0) } else { x }))
    };
    (0..1024)
        .map(|k| {
            let v = k as f32 / 1023.0;
            let p = shaper(srgb_decode(v)) * last;
            let i = (p.floor() as u32).min(size - 2);
            let f = p - i as f32;
            let sample = texel(i) * (1.0 - f) + texel(i + 1) * f;
            let display = decode(sample).clamp(0.0, 1.0);
            (srgb_encode(display) - v).abs() * 1023.0
        })
        .fold(0.0, f32::max)
}

/// The same CPU model for a tone mapper on the grey axis (NEUTRAL grade): the worst error in
/// 10-bit codes over a dense log ramp 2^-14..64 when the texels hold `store(display_linear)`
/// (the Clamp mapper unclipped). Informational: compares the storage encodings on real tone
/// curves, not just the identity.
fn modelled_curve_error(
    size: u32,
    mapper: ToneMapper,
    store: impl Fn(f32) -> f32,
    decode: impl Fn(f32) -> f32,
) -> f32 {
    let last = (size - 1) as f32;
    let curve = |x: f32| {
        if mapper == ToneMapper::Clamp { x } else { mapper.apply(Vec3::splat(x)).x }
    };
    let texel = |i: u32| round_to_half(store(curve(shaper_inverse(i as f32 / last))));
    (0..20_000)
        .map(|k| {
            let x = if k == 0 { 0.0 } else { 2f32.powf(-14.0 + 20.0 * k as f32 / 19_999.0) };
            let p = shaper(x) * last;
            let i = (p.floor() as u32).min(size - 2);
            let f = p - i as f32;
            let sample = texel(i) * (1.0 - f) + texel(i + 1) * f;
            let got = srgb_encode(decode(sample)).clamp(0.0, 1.0);
            (got - srgb_encode(curve(x)).clamp(0.0, 1.0)).abs() * 1023.0
        })
        .fold(0.0, f32::max)
}

/// Prints the modelled error of sRGB-encoded against shaper-log texels for every tone mapper
/// (the numbers behind "Precision" in grade_bake.rs's docs); asserts only that the chosen
/// encoding is no worse than the log domain for the smooth curves (Reinhard, ACES).
#[test]
fn texel_encodings_compared_on_tone_curves() {
    println!("modelled max error in 10-bit codes, grey ramp 2^-14..64: sRGB-encoded / shaper-log");
    for mapper in ToneMapper::ALL {
        let row: Vec<String> = LUT_SIZES
            .iter()
            .map(|&size| {
                let encoded = modelled_curve_error(size, mapper, srgb_encode, srgb_decode);
                let log = modelled_curve_error(size, mapper, shaper, shaper_inverse);
                if matches!(mapper, ToneMapper::Reinhard | ToneMapper::AcesFitted) {
                    assert!(encoded <= log, "{mapper} {size}³: {encoded} > {log}");
                }
                format!("{size}³ {encoded:5.2} / {log:5.2}")
            })
            .collect();
        println!("  {:<20} {}", mapper.name(), row.join("   "));
    }
}

/// Every 10-bit code value `k / 1023`, decoded to linear, fed as scene-linear input through
/// the shaper and a real GPU sample of the baked LUT (the finish's helper and sampler) comes
/// back within 1/1023 (sRGB-encoded, clipped to [0, 1] as the finish clips) at 64³; the
/// errors at 16³ and 32³ are printed. Each code is tried as a grey and in a mixed colour with
/// two other codes, in every channel.
#[test]
fn identity_through_the_lut_is_within_one_10_bit_step_at_64() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let code = |k: usize| (k % 1024) as f32 / 1023.0;
    let mut codes = Vec::new();
    for k in 0..1024 {
        codes.push(Vec3::splat(code(k)));
        codes.push(Vec3::new(code(k), code(k + 341), code(k + 682)));
    }
    let inputs: Vec<Vec3> = codes.iter().map(|c| c.map(srgb_decode)).collect();
    println!("identity (NEUTRAL + Clamp) through the grade LUT on {}:", gpu.info.name);
    let mut worst_at = Vec::new();
    for size in LUT_SIZES {
        let texture = baker
            .bake(&gpu.device, &gpu.queue, &GradeSettings::NEUTRAL, ToneMapper::Clamp, None, size)
            .unwrap();
        let samples = sample_lut(&gpu, &texture, &inputs).unwrap();
        let (mut worst, mut at) = (0.0f32, Vec3::ZERO);
        for (sample, want) in samples.iter().zip(&codes) {
            let error = (sample.clamp(Vec3::ZERO, Vec3::ONE) - *want).abs().max_element();
            let error = if sample.is_finite() { error } else { f32::INFINITY };
            if error > worst {
                (worst, at) = (error, *want);
            }
        }
        let encode = |x: f32| srgb_encode(x);
        let modelled = [
            modelled_identity_error(size, true, |x| x, |x| x),
            modelled_identity_error(size, true, encode, srgb_decode),
            modelled_identity_error(size, false, encode, srgb_decode),
            modelled_identity_error(size, false, shaper, shaper_inverse),
        ];
        println!(
            "  {size}³: GPU max error {:.3} codes of 1/1023 (at code {}); CPU model: \
             linear texels {:.2}, encoded clipped {:.2}, encoded unclipped {:.2}, \
             shaper-log unclipped {:.2}",
            worst * 1023.0,
            (at * 1023.0).round(),
            modelled[0],
            modelled[1],
            modelled[2],
            modelled[3]
        );
        worst_at.push((size, worst));
    }
    let (_, worst_64) = worst_at[2];
    assert!(worst_64 <= TOLERANCE, "64³: {} codes", worst_64 * 1023.0);
}

/// The finish's Ultra tier samples tetrahedrally (`grade_lut_sample_tetrahedral`): on the GPU
/// it matches the CPU's `CubeLut::sample_tetrahedral` of the same lattice (to the half-float
/// texels), and a grey input reads grey lattice points only: with PBR Neutral, which
/// compresses every channel by the largest, greys land on the curve where trilinear filtering
/// pulls them below it.
#[test]
fn tetrahedral_sampling_matches_the_cpu_and_keeps_greys_on_the_curve() {
    use afterlight::post::grade_bake::{baked_lattice, baked_value, sample_lut_tetrahedral};
    use afterlight::post::lut::CubeLut;
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 32;
    let (settings, mapper) = (GradeSettings::COOL_TECH, ToneMapper::KhronosPbrNeutral);
    let texture = baker.bake(&gpu.device, &gpu.queue, &settings, mapper, None, size).unwrap();
    let lattice = baked_lattice(&settings.validated(), mapper, None, size);
    let cpu = CubeLut { data: lattice, ..CubeLut::identity(size) };
    let mut state = 7u32;
    let mut random = || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 8) as f32 / (1u32 << 24) as f32
    };
    let mut inputs: Vec<Vec3> =
        (0..512).map(|_| Vec3::new(random(), random(), random()).map(shaper_inverse)).collect();
    let greys: Vec<Vec3> =
        (0..256).map(|i| Vec3::splat(shaper_inverse(i as f32 / 255.0))).collect();
    inputs.extend(&greys);
    let gpu_samples = sample_lut_tetrahedral(&gpu, &texture, &inputs).unwrap();
    let trilinear = sample_lut(&gpu, &texture, &greys).unwrap();
    let mut worst = 0.0f32;
    for (got, x) in gpu_samples.iter().zip(&inputs) {
        let want = cpu.sample_tetrahedral(x.map(shaper));
        worst = worst.max(((*got - want).abs() / want.abs().max(Vec3::ONE)).max_element());
    }
    println!("tetrahedral, GPU vs CPU at {size}³: {worst:.2e}");
    assert!(worst <= 2e-3, "{worst}");
    // Greys: against the exact curve, in 8-bit codes (clipped), tetrahedral vs trilinear.
    let grey_error = |samples: &[Vec3]| {
        samples
            .iter()
            .zip(&greys)
            .map(|(s, x)| {
                let want = baked_value(&settings, mapper, None, *x).clamp(Vec3::ZERO, Vec3::ONE);
                (s.clamp(Vec3::ZERO, Vec3::ONE) - want).abs().max_element() * 255.0
            })
            .fold(0.0f32, f32::max)
    };
    let (tetrahedral, trilinear) = (grey_error(&gpu_samples[512..]), grey_error(&trilinear));
    println!(
        "greys at {size}³, worst 8-bit codes: tetrahedral {tetrahedral:.2}, trilinear {trilinear:.2}"
    );
    assert!(tetrahedral < trilinear, "tetrahedral {tetrahedral} vs trilinear {trilinear}");
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
    baker.bake(&gpu.device, &gpu.queue, &settings, mapper, None, 16).unwrap();
    gpu.device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    for size in LUT_SIZES {
        let start = Instant::now();
        let texture = baker.bake(&gpu.device, &gpu.queue, &settings, mapper, None, size).unwrap();
        gpu.device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(
            texture.size(),
            wgpu::Extent3d { width: size, height: size, depth_or_array_layers: size }
        );
        let worst =
            compare(&read_lut(&gpu, &texture), size, |x| baked_value(&settings, mapper, None, x));
        println!(
            "{size}³ bake on {}: {:.2} ms wall clock; max |GPU − CPU| {:.2e}",
            gpu.info.name,
            elapsed.as_secs_f64() * 1e3,
            worst.difference
        );
        assert!(worst.difference <= TOLERANCE, "{size}³: {:e}", worst.difference);
    }
    for (requested, expected) in [(0, 16), (8, 16), (17, 32), (48, 64), (128, 64)] {
        let texture =
            baker.bake(&gpu.device, &gpu.queue, &settings, mapper, None, requested).unwrap();
        assert_eq!(texture.width(), expected, "size {requested}");
        assert_eq!(texture.depth_or_array_layers(), expected, "size {requested}");
    }
}

/// The shared `.cube` files, or `None` after saying the test is skipped.
fn shared_lut(name: &str) -> Option<Arc<ColourLut>> {
    let path = common::shared_file(&format!("luts/{name}"))?;
    Some(Arc::new(ColourLut::load(path).unwrap()))
}

/// `colour_eotf_sRGB_3D.cube` (the sRGB EOTF sampled by colour-science on an 8-point lattice
/// over -0.1..1.5, -0.15..2, -0.2..3) as a Display LUT: it decodes the sRGB-encoded display
/// value the bake feeds it, so the texels come back display-linear. The GPU bake matches the
/// CPU chain with `CubeLut::sample_trilinear`, and the closed form (the tone mapper's own
/// display-linear output) within the LUT's own interpolation error.
#[test]
fn srgb_eotf_cube_as_a_display_lut() {
    let Some(lut) = shared_lut("colour_eotf_sRGB_3D.cube") else { return };
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    // How far the LUT's interpolation is from the closed form for display inputs, per channel.
    let interpolation_bound = (0..=10_000)
        .map(|i| {
            let v = i as f32 / 10_000.0;
            (lut.apply(Vec3::splat(v)) - Vec3::splat(srgb_decode(v))).abs().max_element()
        })
        .fold(0.0, f32::max);
    println!("sRGB EOTF LUT: interpolation error over 0..1: {interpolation_bound:.4}");
    let user = UserLut { lut, space: LutSpace::Display };
    let size = 32;
    for (settings, mapper) in [
        (GradeSettings::NEUTRAL, ToneMapper::Clamp),
        (GradeSettings::WARM_PRODUCT, ToneMapper::AcesFitted),
        (common::EVERY_STEP, ToneMapper::AgX),
    ] {
        let texture =
            baker.bake(&gpu.device, &gpu.queue, &settings, mapper, Some(&user), size).unwrap();
        let values = read_lut(&gpu, &texture);
        let worst = compare(&values, size, |x| baked_value(&settings, mapper, Some(&user), x));
        // The closed form: the EOTF undoes the encode, leaving the tone mapper's output, up to
        // the LUT's own linear interpolation of the curve on its coarse grid (measured below
        // over the display range 0..1, per channel; tests/integration/cube_lut.rs bounds it over the domain).
        let analytic = compare(&values, size, |x| {
            mapper.apply(afterlight::post::grade::grade(&settings.validated(), x))
        });
        println!(
            "sRGB EOTF display LUT, {mapper}: |GPU − CPU| {:.2e}, |GPU − closed form| {:.2e}",
            worst.difference, analytic.difference
        );
        assert!(worst.difference <= TOLERANCE, "{mapper}: {:e}", worst.difference);
        assert!(
            analytic.difference <= interpolation_bound + TOLERANCE,
            "{mapper}: {} (bound {interpolation_bound})",
            analytic.difference
        );
    }
}

/// `ocio_iridas_3d.cube` (2³, DOMAIN_MIN 0 1 0, DOMAIN_MAX 2 2 1, entries twice the lattice
/// index): the bake maps its input through that domain and clamps outside it, exactly as
/// `CubeLut::sample_trilinear` does. As a Display LUT its input is in [0, 1], so red covers
/// half its domain (out = in), green lies below its domain (out = 0) and blue spans it
/// (out = 2·in). As a SceneLog LUT it sees the shaper coordinate instead.
#[test]
fn ocio_cube_domain_is_honoured() {
    let Some(lut) = shared_lut("ocio_iridas_3d.cube") else { return };
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 16;
    let (settings, mapper) = (GradeSettings::COOL_TECH, ToneMapper::KhronosPbrNeutral);
    for space in [LutSpace::Display, LutSpace::SceneLog] {
        let user = UserLut { lut: lut.clone(), space };
        let texture =
            baker.bake(&gpu.device, &gpu.queue, &settings, mapper, Some(&user), size).unwrap();
        let values = read_lut(&gpu, &texture);
        let worst = compare(&values, size, |x| {
            let graded = afterlight::post::grade::grade(&settings.validated(), x);
            let input = match space {
                LutSpace::Display => mapper.apply(graded).map(srgb_encode),
                LutSpace::SceneLog => graded.map(shaper),
                other => unreachable!("{other:?} is not in this test"),
            };
            lut.apply(input)
        });
        let closed_form = compare(&values, size, |x| {
            let graded = afterlight::post::grade::grade(&settings.validated(), x);
            let v = match space {
                LutSpace::Display => mapper.apply(graded).map(srgb_encode),
                LutSpace::SceneLog => graded.map(shaper),
                other => unreachable!("{other:?} is not in this test"),
            };
            Vec3::new(v.x.clamp(0.0, 2.0), 2.0 * (v.y.clamp(1.0, 2.0) - 1.0), 2.0 * v.z)
        });
        println!(
            "ocio 2³ LUT as {space:?}: |GPU − CubeLut::sample_trilinear| {:.2e}, |GPU − closed \
             form| {:.2e}",
            worst.difference, closed_form.difference
        );
        assert!(worst.difference <= TOLERANCE, "{space:?}: {:e}", worst.difference);
        assert!(closed_form.difference <= TOLERANCE, "{space:?}: {:e}", closed_form.difference);
        // Green is below the domain for every display input: always the g = 0 entries.
        if space == LutSpace::Display {
            assert!(values.iter().all(|t| t[1] == 0.0), "green should clamp to the domain");
        }
    }
}

/// A LUT built by hand with a broken lattice is refused with an error, not baked or panicked
/// on; the same LUT in the CPU sampler gives something harmless.
#[test]
fn invalid_user_lut_is_an_error() {
    let bad = CubeLut { size: 3, ..CubeLut::identity(2) };
    let user = UserLut { lut: Arc::new(ColourLut::from(bad)), space: LutSpace::Display };
    let value = baked_value(&GradeSettings::NEUTRAL, ToneMapper::Clamp, Some(&user), Vec3::ONE);
    assert!(value.is_finite());
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let err = baker
        .bake(&gpu.device, &gpu.queue, &GradeSettings::NEUTRAL, ToneMapper::Clamp, Some(&user), 16)
        .unwrap_err()
        .to_string();
    assert!(err.contains("user LUT") && err.contains("entries"), "{err}");
}

#[test]
fn tier_sizes_are_lut_sizes() {
    assert_eq!(lut_size_for_tier(Tier::Low), 16);
    assert_eq!(lut_size_for_tier(Tier::Medium), 32);
    assert_eq!(lut_size_for_tier(Tier::High), 64);
    assert_eq!(lut_size_for_tier(Tier::Ultra), 64);
    assert_eq!(lut_size_for_tier(Tier::Off), 32);
}

/// UserLut compares by the loaded LUT's identity and the space, so the finish rebakes when
/// either changes and not when the same file's settings are sent again.
#[test]
fn user_lut_equality_is_identity_and_space() {
    let lut = Arc::new(ColourLut::from(CubeLut::identity(2)));
    let a = UserLut { lut: lut.clone(), space: LutSpace::Display };
    assert_eq!(a, UserLut { lut: lut.clone(), space: LutSpace::Display });
    assert_ne!(a, UserLut { lut, space: LutSpace::SceneLog });
    let again = Arc::new(ColourLut::from(CubeLut::identity(2)));
    assert_ne!(a, UserLut { lut: again, space: LutSpace::Display });
    assert_eq!(LutSpace::default(), LutSpace::Display);
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

/// The constants of `shaders/post/grade_bake.wgsl` and `include/grade_lut.wgsl` are the Rust ones.
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
    for (name, value) in
        [("GRADE_USER_LUT_NONE", 0), ("GRADE_USER_LUT_DISPLAY", 1), ("GRADE_USER_LUT_SCENE_LOG", 2)]
    {
        let line = format!("const {name}: u32 = {value}u;");
        assert!(wgsl.contains(&line), "grade_bake.wgsl lacks {line:?}");
    }
    assert_eq!(grade_steps(&GradeSettings::NEUTRAL), 0);
    assert_ne!(grade_steps(&GradeSettings::WARM_PRODUCT), 0);
}

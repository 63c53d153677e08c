//! Every LUT format [`ColourLut`] reads, against the shared reference files (`../shared/luts`,
//! see ASSETS.md) and what they encode: closed forms (the sRGB EOTF, ACESproxy 10-bit to ACES)
//! or values read off the file by hand. Broken files give an error naming file and line; the
//! grade bake applies a 1D + 3D LUT exactly as [`ColourLut::apply`]; mutated files never panic.
//!
//! Each test prints the largest error against its reference (the numbers issue #25 asks for).

use crate::common;

use std::path::PathBuf;
use std::sync::Arc;

use afterlight::gpu::{halves_to_f32, read_subresource};
use afterlight::post::colour_lut::{ColourLut, LutFormat};
use afterlight::post::grade::GradeSettings;
use afterlight::post::grade_bake::{GradeLut, LutSpace, UserLut, baked_lattice};
use afterlight::post::tonemap::ToneMapper;
use glam::Vec3;

/// `../shared/luts/name`, or `None` after recording the skip.
fn shared_lut(name: &str) -> Option<PathBuf> {
    common::shared_file(&format!("luts/{name}"))
}

/// The sRGB EOTF extended as colour-science's `eotf_sRGB` does (linear segment through the
/// origin below 0, power curve past 1).
fn srgb_eotf(v: f64) -> f64 {
    if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
}

/// ACESproxy 10-bit code value (normalised to 0..1 over 0..1023) to ACES linear, S-2013-001:
/// `lin = 2^((CV − 425)/50 − 2.5)`.
fn aces_proxy10_to_linear(v: f64) -> f64 {
    ((v * 1023.0 - 425.0) / 50.0 - 2.5).exp2()
}

/// `f` interpolated linearly between the nodes of an `n`-point grid over `lo..hi` (what a 1D
/// LUT of `f` gives), computed without the LUT code.
fn lerp_nodes(f: impl Fn(f64) -> f64, v: f64, lo: f64, hi: f64, n: usize) -> f64 {
    let last = (n - 1) as f64;
    let t = ((v - lo) / (hi - lo) * last).clamp(0.0, last);
    let i = (t.floor() as usize).min(n - 2);
    let node = |i: usize| lo + (hi - lo) * i as f64 / last;
    let frac = t - i as f64;
    f(node(i)) * (1.0 - frac) + f(node(i + 1)) * frac
}

/// Largest `|got − want|` (relative above 1) of a 1D-only LUT against `f` at its nodes and
/// at 7 points inside each interval (against the linear interpolation of `f`'s node values).
fn one_d_error(lut: &ColourLut, f: impl Fn(f64) -> f64 + Copy) -> (f64, f64) {
    let stage = lut.shaper.as_ref().expect("a 1D stage");
    let (lo, hi) = (f64::from(stage.domain_min.x), f64::from(stage.domain_max.x));
    let n = stage.data.len();
    let (mut at_nodes, mut between) = (0.0f64, 0.0f64);
    for k in 0..(n - 1) * 8 + 1 {
        let v = lo + (hi - lo) * k as f64 / ((n - 1) * 8) as f64;
        let want = lerp_nodes(f, v, lo, hi, n);
        let got = lut.apply(Vec3::splat(v as f32));
        for c in 0..3 {
            let e = (f64::from(got[c]) - want).abs() / want.abs().max(1.0);
            if k % 8 == 0 {
                at_nodes = at_nodes.max(e);
            } else {
                between = between.max(e);
            }
        }
    }
    (at_nodes, between)
}

/// `.spi1d`: colour-science's sRGB EOTF, 16 points over -0.1..1.5, one component.
#[test]
fn spi1d_srgb_eotf_matches_the_closed_form() {
    let Some(path) = shared_lut("colour_sony_eotf_sRGB_1D.spi1d") else { return };
    let lut = ColourLut::load(path).unwrap();
    assert_eq!(lut.format, LutFormat::Spi1d);
    assert!(lut.cube.is_none());
    let stage = lut.shaper.as_ref().unwrap();
    assert_eq!(stage.data.len(), 16);
    assert_eq!((stage.domain_min, stage.domain_max), (Vec3::splat(-0.1), Vec3::splat(1.5)));
    let (nodes, between) = one_d_error(&lut, srgb_eotf);
    println!(".spi1d sRGB EOTF: max error {nodes:.2e} at nodes, {between:.2e} between");
    // The file holds 7 decimals (5e-8); the rest is f32: the entries near 2.5 (ulp 2.4e-7)
    // and the node inputs, off by an ulp times the curve's slope (up to 2.6).
    assert!(nodes < 5e-7 && between < 5e-7, "{nodes} {between}");
}

/// `.cube` 1D only: colour-science's ACESproxy 10-bit to ACES, 32 points over 0..1.
#[test]
fn cube_1d_aces_proxy_matches_the_closed_form() {
    let Some(path) = shared_lut("colour_resolve_1D_ACES_Proxy_10_to_ACES.cube") else { return };
    let lut = ColourLut::load(path).unwrap();
    assert_eq!(lut.title.as_deref(), Some("ACES Proxy 10 to ACES"));
    assert!(lut.cube.is_none());
    assert_eq!(lut.shaper.as_ref().unwrap().data.len(), 32);
    let (nodes, between) = one_d_error(&lut, aces_proxy10_to_linear);
    println!(
        ".cube 1D ACESproxy10: max relative error {nodes:.2e} at nodes, {between:.2e} between"
    );
    // The file holds 4 significant digits (0.0007714, 704.3): half a unit in the 4th is
    // at most 0.5/1000 relative.
    assert!(nodes < 5e-4 && between < 5e-4, "{nodes} {between}");
}

/// Resolve's combined `.cube`: a 10-point shaper over -0.1..3 (LUT_1D_INPUT_RANGE), then a 3³
/// cube over -0.1..3 (LUT_3D_INPUT_RANGE). Values by hand from the file's text: the cube is the
/// identity of its domain in the cell between lattice points 1 and 2 on every axis, so for
/// inputs whose shaped value is at least 1.45 the result is the shaper's linear interpolation;
/// an input of -0.1 shapes to -0.351, which clamps to the cube's first entry.
#[test]
fn resolve_shaper_and_cube_by_hand() {
    let Some(path) = shared_lut("colour_resolve_1D_shaper_3D.cube") else { return };
    let lut = ColourLut::load(path).unwrap();
    assert_eq!(lut.title.as_deref(), Some("LUT3D with My Shaper"));
    let shaper = lut.shaper.as_ref().unwrap();
    let cube = lut.cube.as_ref().unwrap();
    assert_eq!((shaper.data.len(), cube.size), (10, 3));
    assert_eq!((shaper.domain_min.x, shaper.domain_max.x), (-0.1, 3.0));
    assert_eq!((cube.domain_min.x, cube.domain_max.x), (-0.1, 3.0));
    let mut worst = 0.0f32;
    let first = Vec3::new(0.927_777_8, 0.906_301_4, 0.902_006_2);
    worst = worst.max((lut.apply(Vec3::splat(-0.1)) - first).abs().max_element());
    // Shaper entries 7, 8, 9 (inputs -0.1 + 3.1·i/9) are 1.4634339, 1.5588269, 1.6476816.
    let entries = [1.463_433_9f64, 1.558_826_9, 1.647_681_6];
    for (k, frac) in [(0usize, 0.0f64), (0, 0.5), (1, 0.25), (1, 1.0)] {
        let x = -0.1 + 3.1 * (7.0 + k as f64 + frac) / 9.0;
        let want = entries[k] * (1.0 - frac) + entries.get(k + 1).unwrap_or(&0.0) * frac;
        let got = lut.apply(Vec3::new(x as f32, x as f32, 3.0));
        worst = worst.max((f64::from(got.x) - want).abs() as f32);
        worst = worst.max((f64::from(got.y) - want).abs() as f32);
        worst = worst.max((got.z - 1.647_681_6).abs());
    }
    println!(".cube Resolve 1D+3D: max error against hand values {worst:.2e}");
    assert!(worst < 1e-6, "{worst}");
}

/// `.spi3d`: every line's explicit lattice index maps to its output (read from the text here
/// without the parser), and a point halfway along blue between two entries is their mean.
#[test]
fn spi3d_entries_land_on_their_indices() {
    let Some(path) = shared_lut("colour_sony_Colour_Correct.spi3d") else { return };
    let lut = ColourLut::load(&path).unwrap();
    assert_eq!(lut.cube.as_ref().unwrap().size, 4);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut worst = 0.0f32;
    let mut count = 0;
    for line in text.lines().skip(3) {
        let Ok(v) = line.split_whitespace().map(str::parse).collect::<Result<Vec<f32>, _>>() else {
            continue; // a comment
        };
        if v.len() != 6 {
            continue;
        }
        let input = Vec3::new(v[0], v[1], v[2]) / 3.0;
        worst = worst.max((lut.apply(input) - Vec3::new(v[3], v[4], v[5])).abs().max_element());
        count += 1;
    }
    assert_eq!(count, 64);
    // Lines "0 0 1 … 0.416653" and "0 0 2 … 0.833306".
    let mid = lut.apply(Vec3::new(0.0, 0.0, 0.5));
    worst = worst.max((mid - Vec3::new(0.0, 0.0, 0.624_979_5)).abs().max_element());
    println!(".spi3d: {count} lattice points, max error {worst:.2e}");
    assert!(worst < 1e-6, "{worst}");
}

/// `.3dl`: OCIO's 17-point, 12-bit Discreet file. Data line `k` is lattice point
/// `(k / 289, k / 17 mod 17, k mod 17)` (blue fastest) and holds 12-bit integers: checked
/// at every lattice point with the indexing done here. The truncated file is an error naming
/// it and its last line.
#[test]
fn discreet_3dl_blue_fastest_12_bit() {
    let Some(path) = shared_lut("ocio_discreet-3d-lut.3dl") else { return };
    let lut = ColourLut::load(&path).unwrap();
    assert_eq!(lut.format, LutFormat::Discreet3dl);
    assert_eq!(lut.cube.as_ref().unwrap().size, 17);
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<Vec<f32>> = text
        .lines()
        .map(|l| l.split_whitespace().map(|t| t.parse::<f32>()).collect::<Result<Vec<_>, _>>())
        .filter_map(Result::ok)
        .filter(|v| v.len() == 3)
        .collect();
    assert_eq!(rows.len(), 17 * 17 * 17);
    let mut worst = 0.0f32;
    for (k, row) in rows.iter().enumerate() {
        let input = Vec3::new((k / 289) as f32, ((k / 17) % 17) as f32, (k % 17) as f32) / 16.0;
        let want = Vec3::new(row[0], row[1], row[2]) / 4095.0;
        worst = worst.max((lut.apply(input) - want).abs().max_element());
    }
    println!(".3dl: {} lattice points, max error {worst:.2e}", rows.len());
    assert!(worst < 1e-6, "{worst}");

    let Some(truncated) = shared_lut("ocio_error_truncated_file.3dl") else { return };
    let message = ColourLut::load(&truncated).unwrap_err().to_string();
    assert!(message.contains("ocio_error_truncated_file.3dl line 375:"), "{message}");
    assert!(message.contains("ends after 369 of 4913 data lines"), "{message}");
}

/// `.cube` 3D through [`ColourLut`]: colour-science's sRGB EOTF on an 8³ lattice over an
/// asymmetric domain, against the closed form at every lattice point.
#[test]
fn cube_3d_srgb_eotf_at_the_lattice() {
    let Some(path) = shared_lut("colour_eotf_sRGB_3D.cube") else { return };
    let lut = ColourLut::load(path).unwrap();
    let cube = lut.cube.as_ref().unwrap();
    let mut worst = 0.0f64;
    for b in 0..8 {
        for g in 0..8 {
            for r in 0..8 {
                let i = Vec3::new(r as f32, g as f32, b as f32) / 7.0;
                let input = cube.domain_min + (cube.domain_max - cube.domain_min) * i;
                let got = lut.apply(input);
                for c in 0..3 {
                    let want = srgb_eotf(f64::from(input[c]));
                    worst = worst.max((f64::from(got[c]) - want).abs() / want.abs().max(1.0));
                }
            }
        }
    }
    println!(".cube 3D sRGB EOTF: max error at the 512 lattice points {worst:.2e}");
    assert!(worst < 1e-6, "{worst}");
}

/// Broken files of every format: the error names the file, the line and what was expected.
#[test]
fn broken_files_name_file_line_and_expectation() {
    let dir = std::env::temp_dir().join(format!("afterlight_lut_formats_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("bad.cube", "LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n0 0 0\n1 1 x\n", "line 4: `x` is not a number"),
        ("bad.3dl", "0 1023\n0 0 0\n0 0 zero\n", "line 3: expected a non-negative integer"),
        ("bad.spi1d", "Version 1\nLength 2\n{\n0.5\n}\n", "line 5: the file ends after 1 of 2"),
        ("bad.spi3d", "SPILUT 1.0\n3 3\n2 2 2\n0 0 5 0 0 0\n", "line 4: expected a lattice index"),
        ("bad.csp", "", "unknown LUT format"),
    ];
    for (name, text, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let message = ColourLut::load(&path).unwrap_err().to_string();
        assert!(message.contains(name) && message.contains(needle), "{name}: {message}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The grade bake applies a 1D + 3D LUT exactly: such a LUT bakes on the CPU (the compute
/// kernel samples a 3D stage only), so every texel is `baked_lattice`'s value to half-float
/// rounding, in every input space (display, scene_log and the camera log encodings).
#[test]
fn bake_applies_shaper_and_cube_exactly() {
    let Some(path) = shared_lut("colour_resolve_1D_shaper_3D.cube") else { return };
    let Some(gpu) = common::gpu() else { return };
    let lut = Arc::new(ColourLut::load(path).unwrap());
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 16;
    for (space, _) in LutSpace::NAMES {
        let user = UserLut { lut: lut.clone(), space };
        assert!(!user.bakes_on_gpu());
        let settings = GradeSettings::WARM_PRODUCT;
        let mapper = ToneMapper::AcesFitted;
        let texture =
            baker.bake(&gpu.device, &gpu.queue, &settings, mapper, Some(&user), size).unwrap();
        let want = baked_lattice(&settings.validated(), mapper, Some(&user), size);
        let got: Vec<f32> = (0..size)
            .flat_map(|z| halves_to_f32(&read_subresource(&gpu, &texture, z, 0).unwrap()))
            .collect();
        let worst = got
            .chunks_exact(4)
            .zip(&want)
            .map(|(t, w)| {
                let half = |x: f32| half::f16::from_f32(x).to_f32();
                (Vec3::new(t[0], t[1], t[2]) - w.map(half)).abs().max_element()
            })
            .fold(0.0f32, f32::max);
        println!("bake of the Resolve 1D+3D LUT as {space:?}: max |texel − CPU| {worst:.2e}");
        assert_eq!(worst, 0.0, "{space:?}");
    }
}

/// Truncations and mutations of every shared file in its own format: `Ok` or `Err`, never a
/// panic, and a LUT that parses validates and gives finite colours.
#[test]
fn mutated_files_of_every_format_never_panic() {
    let files = [
        "colour_resolve_1D_shaper_3D.cube",
        "colour_resolve_1D_ACES_Proxy_10_to_ACES.cube",
        "colour_sony_Colour_Correct.spi3d",
        "colour_sony_eotf_sRGB_1D.spi1d",
        "ocio_error_truncated_file.3dl",
    ];
    let pieces = ["", " ", "\n", "#", "-", "1e40", "nan", "0", "65", "{", "}", "Mesh 4 12", "3 3"];
    let mut state = 0x1234_5678_9abc_def1u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut outcomes = [0usize; 2];
    for name in files {
        let Some(path) = shared_lut(name) else { return };
        let format = LutFormat::from_path(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let check =
            |text: &str, outcomes: &mut [usize; 2]| match ColourLut::parse(format, text, None) {
                Ok(lut) => {
                    lut.validate().unwrap();
                    for p in
                        [Vec3::ZERO, Vec3::splat(f32::NAN), Vec3::splat(1e30), Vec3::splat(-1e30)]
                    {
                        assert!(lut.apply(p).is_finite(), "{name}");
                    }
                    outcomes[1] += 1;
                }
                Err(e) => {
                    assert!(e.to_string().contains("line "), "{e}");
                    outcomes[0] += 1;
                }
            };
        for cut in (0..text.len()).step_by(97) {
            check(&text[..cut], &mut outcomes);
        }
        for _ in 0..400 {
            let at = next(text.len());
            let end = (at + next(5)).min(text.len());
            let mutated = format!("{}{}{}", &text[..at], pieces[next(pieces.len())], &text[end..]);
            check(&mutated, &mut outcomes);
        }
    }
    println!("mutated LUT files: {} parsed, {} rejected", outcomes[1], outcomes[0]);
    assert!(outcomes[0] > 0 && outcomes[1] > 0);
}

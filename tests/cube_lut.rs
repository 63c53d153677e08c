//! `.cube` 3D LUTs against reference files and closed forms: the CPU half the GPU colour-grading
//! pass will be tested against.

use std::path::PathBuf;

use afterlight::post::lut::{CubeLut, LutError};
use glam::Vec3;

/// `../shared/luts`, or `None` after saying the test is skipped.
fn luts_dir() -> Option<PathBuf> {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if shared.is_dir() {
        Some(shared.join("luts"))
    } else {
        eprintln!("SKIPPED: ../shared not found");
        None
    }
}

/// A small xorshift generator: deterministic, and no dependency just for tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The sRGB EOTF (IEC 61966-2-1) extended the way colour-science's `eotf_sRGB` (which wrote
/// the shared file) does it: the linear segment `V / 12.92` continues below 0 (a straight line
/// through the origin, not a mirrored power curve) and the power segment continues above 1.
fn srgb_eotf(v: f64) -> f64 {
    if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
}

/// Linear interpolation of `srgb_eotf` between the nodes of an `n`-point grid over `lo..hi`:
/// what a LUT acting on each channel separately should give, computed without the LUT code.
fn srgb_eotf_lerp(v: f64, lo: f64, hi: f64, n: usize) -> f64 {
    let last = (n - 1) as f64;
    let t = ((v - lo) / (hi - lo) * last).clamp(0.0, last);
    let i = (t.floor() as usize).min(n - 2);
    let node = |i: usize| lo + (hi - lo) * i as f64 / last;
    let f = t - i as f64;
    srgb_eotf(node(i)) * (1.0 - f) + srgb_eotf(node(i + 1)) * f
}

#[test]
fn srgb_eotf_lut_matches_closed_form() {
    let Some(dir) = luts_dir() else { return };
    let lut = CubeLut::load(dir.join("colour_eotf_sRGB_3D.cube")).unwrap();
    assert_eq!(lut.title.as_deref(), Some("sRGB EOTF"));
    assert_eq!(lut.size, 8);
    assert_eq!(lut.domain_min, Vec3::new(-0.1, -0.15, -0.2));
    assert_eq!(lut.domain_max, Vec3::new(1.5, 2.0, 3.0));
    let (lo, hi) = (lut.domain_min.as_dvec3(), lut.domain_max.as_dvec3());
    let n = lut.size as usize;

    // Below 0 the file continues the linear segment: -0.1 -> -0.1 / 12.92, not the mirrored
    // power curve -eotf(0.1) (about -0.0100).
    assert!((lut.data[0].x as f64 - (-0.1 / 12.92)).abs() < 1e-6);
    assert!((lut.data[0].x as f64 + srgb_eotf(0.1)).abs() > 2e-3);

    // Every lattice entry is the closed form at that lattice input, per channel.
    let mut worst_node = 0.0f64;
    for b in 0..n {
        for g in 0..n {
            for r in 0..n {
                let input = lo + (hi - lo) * glam::DVec3::new(r as f64, g as f64, b as f64) / 7.0;
                let want = input.to_array().map(srgb_eotf);
                let got = lut.data[r + n * (g + n * b)].as_dvec3().to_array();
                for c in 0..3 {
                    worst_node = worst_node.max((got[c] - want[c]).abs());
                }
            }
        }
    }
    println!("sRGB EOTF LUT: max |entry - closed form| at lattice points = {worst_node:.2e}");
    assert!(worst_node < 1e-5, "{worst_node}");

    // The worst case of linear interpolation of the curve on this grid, per channel, from a
    // dense walk along each axis: what an 8-point LUT can at best achieve.
    let mut lerp_bound = [0.0f64; 3];
    for c in 0..3 {
        for k in 0..=70_000 {
            let v = lo[c] + (hi[c] - lo[c]) * k as f64 / 70_000.0;
            let e = (srgb_eotf_lerp(v, lo[c], hi[c], n) - srgb_eotf(v)).abs();
            lerp_bound[c] = lerp_bound[c].max(e);
        }
    }

    // Off-lattice samples: both interpolations reduce to 1D linear interpolation for a LUT
    // that acts on each channel separately, so they must match that (up to f32 rounding of
    // values as large as 12.8 and the file's 7 decimals) and stay within its error bound.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut worst_tri = [0.0f64; 3];
    let mut worst_tet = [0.0f64; 3];
    for _ in 0..20_000 {
        let input = lo + (hi - lo) * glam::DVec3::new(rng.unit(), rng.unit(), rng.unit());
        let rgb = input.as_vec3();
        let input = rgb.as_dvec3();
        let tri = lut.sample_trilinear(rgb).as_dvec3();
        let tet = lut.sample_tetrahedral(rgb).as_dvec3();
        for c in 0..3 {
            let exact = srgb_eotf(input[c]);
            let lerp = srgb_eotf_lerp(input[c], lo[c], hi[c], n);
            let tolerance = 1e-5 + 1e-6 * lerp.abs();
            assert!(
                (tri[c] - lerp).abs() < tolerance,
                "trilinear {input} ch {c}: {} vs {lerp}",
                tri[c]
            );
            assert!(
                (tet[c] - lerp).abs() < tolerance,
                "tetrahedral {input} ch {c}: {} vs {lerp}",
                tet[c]
            );
            worst_tri[c] = worst_tri[c].max((tri[c] - exact).abs());
            worst_tet[c] = worst_tet[c].max((tet[c] - exact).abs());
        }
    }
    println!("sRGB EOTF LUT: 1D linear-interpolation error bound per channel = {lerp_bound:.6?}");
    println!("sRGB EOTF LUT: max |trilinear - closed form| per channel   = {worst_tri:.6?}");
    println!("sRGB EOTF LUT: max |tetrahedral - closed form| per channel = {worst_tet:.6?}");
    for c in 0..3 {
        assert!(worst_tri[c] <= lerp_bound[c] + 1e-4, "channel {c}");
        assert!(worst_tet[c] <= lerp_bound[c] + 1e-4, "channel {c}");
    }
    // The measured bounds (red -0.1..1.5: 0.0223, green -0.15..2.0: 0.0451, blue -0.2..3.0:
    // 0.1169; the error grows with the step and the curvature at the top of each range), so a
    // change to the curve or the grid shows up here.
    assert!(
        lerp_bound[0] < 0.025 && lerp_bound[1] < 0.05 && lerp_bound[2] < 0.125,
        "{lerp_bound:?}"
    );
}

#[test]
fn ocio_asymmetric_domain() {
    let Some(dir) = luts_dir() else { return };
    let lut = CubeLut::load(dir.join("ocio_iridas_3d.cube")).unwrap();
    assert_eq!(lut.title.as_deref(), Some("A test 3D-LUT."));
    assert_eq!(lut.size, 2);
    assert_eq!(lut.domain_min, Vec3::new(0.0, 1.0, 0.0));
    assert_eq!(lut.domain_max, Vec3::new(2.0, 2.0, 1.0));
    assert_eq!(lut.data.len(), 8);

    // The domain corners return the corner entries exactly.
    for b in 0..2 {
        for g in 0..2 {
            for r in 0..2 {
                let pick =
                    |c: usize, i: usize| if i == 0 { lut.domain_min[c] } else { lut.domain_max[c] };
                let corner = Vec3::new(pick(0, r), pick(1, g), pick(2, b));
                let entry = lut.data[r + 2 * g + 4 * b];
                assert_eq!(lut.sample_trilinear(corner), entry, "{corner}");
                assert_eq!(lut.sample_tetrahedral(corner), entry, "{corner}");
            }
        }
    }

    // Outside the domain clamps to its edge, per channel.
    for (outside, clamped) in [
        (Vec3::new(-5.0, 0.0, 7.0), Vec3::new(0.0, 1.0, 1.0)),
        (Vec3::new(3.0, 1.5, -1.0), Vec3::new(2.0, 1.5, 0.0)),
        (Vec3::new(0.5, 9.0, 0.25), Vec3::new(0.5, 2.0, 0.25)),
        (Vec3::splat(f32::NEG_INFINITY), lut.domain_min),
        (Vec3::splat(f32::INFINITY), lut.domain_max),
    ] {
        assert_eq!(lut.sample_trilinear(outside), lut.sample_trilinear(clamped), "{outside}");
        assert_eq!(lut.sample_tetrahedral(outside), lut.sample_tetrahedral(clamped), "{outside}");
    }
    assert_eq!(lut.sample_trilinear(Vec3::new(-5.0, 0.0, 7.0)), lut.data[4]);

    // An interior point against the trilinear blend written out by hand: (0.5, 1.25, 0.75)
    // sits at fractions (0.25, 0.25, 0.75) of the domain.
    let (fx, fy, fz) = (0.25f32, 0.25f32, 0.75f32);
    let mut want = Vec3::ZERO;
    for b in 0..2 {
        for g in 0..2 {
            for r in 0..2 {
                let w = if r == 1 { fx } else { 1.0 - fx }
                    * if g == 1 { fy } else { 1.0 - fy }
                    * if b == 1 { fz } else { 1.0 - fz };
                want += lut.data[r + 2 * g + 4 * b] * w;
            }
        }
    }
    assert_eq!(want, Vec3::new(0.5, 0.5, 1.5));
    let got = lut.sample_trilinear(Vec3::new(0.5, 1.25, 0.75));
    assert!((got - want).abs().max_element() < 1e-6, "{got} vs {want}");
    // The entries are affine in the lattice index, so tetrahedral agrees.
    let got = lut.sample_tetrahedral(Vec3::new(0.5, 1.25, 0.75));
    assert!((got - want).abs().max_element() < 1e-6, "{got} vs {want}");
}

fn random_points(rng: &mut Rng, lo: Vec3, hi: Vec3, count: usize) -> Vec<Vec3> {
    (0..count)
        .map(|_| {
            let t = Vec3::new(rng.unit() as f32, rng.unit() as f32, rng.unit() as f32);
            lo + (hi - lo) * t
        })
        .collect()
}

#[test]
fn identity_returns_the_input() {
    let mut rng = Rng(7);
    for size in [2, 3, 5, 17, 33, 65] {
        let lut = CubeLut::identity(size);
        assert_eq!(lut.data.len(), (size as usize).pow(3));
        for p in random_points(&mut rng, Vec3::ZERO, Vec3::ONE, 2000) {
            let tri = lut.sample_trilinear(p);
            let tet = lut.sample_tetrahedral(p);
            assert!((tri - p).abs().max_element() < 1e-6, "size {size} trilinear {p}: {tri}");
            assert!((tet - p).abs().max_element() < 1e-6, "size {size} tetrahedral {p}: {tet}");
        }
        // Outside 0..1 clamps; NaN counts as 0.
        let clamped = lut.sample_trilinear(Vec3::new(-1.0, 2.0, 0.5));
        assert!((clamped - Vec3::new(0.0, 1.0, 0.5)).abs().max_element() < 1e-6);
        assert_eq!(lut.sample_tetrahedral(Vec3::new(f32::NAN, 1.0, 0.0)), Vec3::new(0.0, 1.0, 0.0));
    }
}

/// Tetrahedral interpolation is barycentric inside each tetrahedron, so it reproduces any
/// affine function exactly — cross-channel mixing included, not just per-channel curves.
/// Trilinear does too (affine functions are multilinear). Only trilinear reproduces a
/// multilinear but non-affine function such as `r·g`.
#[test]
fn affine_functions_are_reproduced() {
    let m = glam::Mat3::from_cols_array(&[0.8, -0.3, 0.25, 0.15, 1.1, -0.4, 0.05, 0.2, 0.9]);
    let offset = Vec3::new(0.1, -0.2, 0.05);
    let affine = |c: Vec3| m * c + offset;
    let (lo, hi) = (Vec3::new(-0.5, 0.0, 0.25), Vec3::new(2.0, 4.0, 1.0));
    let mut rng = Rng(11);
    for size in [2, 4, 9, 32] {
        let lut = CubeLut::from_fn(size, lo, hi, affine).unwrap();
        for p in random_points(&mut rng, lo, hi, 2000) {
            let want = affine(p);
            let tet = lut.sample_tetrahedral(p);
            let tri = lut.sample_trilinear(p);
            assert!(
                (tet - want).abs().max_element() < 1e-5,
                "size {size} tetrahedral {p}: {tet} vs {want}"
            );
            assert!(
                (tri - want).abs().max_element() < 1e-5,
                "size {size} trilinear {p}: {tri} vs {want}"
            );
        }
    }

    let bilinear = |c: Vec3| Vec3::new(c.x * c.y, c.y * c.z, c.x * c.y * c.z);
    let lut = CubeLut::from_fn(2, Vec3::ZERO, Vec3::ONE, bilinear).unwrap();
    let mut worst_tet = 0.0f32;
    for p in random_points(&mut rng, Vec3::ZERO, Vec3::ONE, 2000) {
        let tri = lut.sample_trilinear(p);
        assert!((tri - bilinear(p)).abs().max_element() < 1e-6, "{p}");
        worst_tet = worst_tet.max((lut.sample_tetrahedral(p) - bilinear(p)).abs().max_element());
    }
    assert!(worst_tet > 0.01, "tetrahedral should not reproduce r·g: {worst_tet}");
}

fn assert_bitwise_equal(a: &CubeLut, b: &CubeLut) {
    assert_eq!(a.title, b.title);
    assert_eq!(a.size, b.size);
    assert_eq!(
        a.domain_min.to_array().map(f32::to_bits),
        b.domain_min.to_array().map(f32::to_bits)
    );
    assert_eq!(
        a.domain_max.to_array().map(f32::to_bits),
        b.domain_max.to_array().map(f32::to_bits)
    );
    assert_eq!(a.data.len(), b.data.len());
    for (i, (x, y)) in a.data.iter().zip(&b.data).enumerate() {
        assert_eq!(x.to_array().map(f32::to_bits), y.to_array().map(f32::to_bits), "entry {i}");
    }
}

#[test]
fn round_trips_bit_for_bit() {
    let baked =
        CubeLut::from_fn(17, Vec3::new(-0.25, 0.0, 1e-3), Vec3::new(4.0, 1.0, 100.0), |c| {
            Vec3::new(c.x.sin() * 1e-7, c.y.powf(2.2), (c.z + c.x).ln_1p() * -3.3)
        })
        .unwrap();
    let again = CubeLut::parse(&baked.to_cube_string()).unwrap();
    assert_bitwise_equal(&baked, &again);

    let Some(dir) = luts_dir() else { return };
    for name in ["colour_eotf_sRGB_3D.cube", "ocio_iridas_3d.cube"] {
        let lut = CubeLut::load(dir.join(name)).unwrap();
        let text = lut.to_cube_string();
        assert!(text.contains("DOMAIN_MIN"), "{name}: non-default domain must be written");
        assert_bitwise_equal(&lut, &CubeLut::parse(&text).unwrap());
    }
}

#[test]
fn save_and_load_and_errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("afterlight_cube_lut_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let lut = CubeLut { title: Some("saved".into()), ..CubeLut::identity(4) };
    let good = dir.join("good.cube");
    lut.save(&good).unwrap();
    assert_bitwise_equal(&lut, &CubeLut::load(&good).unwrap());

    let bad = dir.join("bad_domain.cube");
    std::fs::write(
        &bad,
        "# a comment\r\nLUT_3D_SIZE 2\r\nDOMAIN_MIN 0 0 1\r\nDOMAIN_MAX 1 1 1\r\n",
    )
    .unwrap();
    let message = CubeLut::load(&bad).unwrap_err().to_string();
    assert!(message.contains("bad_domain.cube line 4:"), "{message}");
    assert!(message.contains("blue channel"), "{message}");

    let shaper = dir.join("resolve_shaper.cube");
    std::fs::write(&shaper, "TITLE \"combined\"\nLUT_1D_SIZE 4\nLUT_3D_SIZE 2\n").unwrap();
    let message = CubeLut::load(&shaper).unwrap_err().to_string();
    assert!(message.contains("resolve_shaper.cube line 2:"), "{message}");
    assert!(message.contains("1D shapers") && message.contains("not supported"), "{message}");

    let missing = dir.join("missing.cube");
    let err = CubeLut::load(&missing).unwrap_err();
    assert!(matches!(err, LutError::Io { .. }));
    assert!(err.to_string().contains("missing.cube"), "{err}");

    let not_utf8 = dir.join("binary.cube");
    std::fs::write(&not_utf8, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    assert!(matches!(CubeLut::load(&not_utf8), Err(LutError::Io { .. })));

    let _ = std::fs::remove_dir_all(&dir);
}

/// Every parse error names a line; a sample of each kind from a real file's context.
#[test]
fn errors_name_the_line_in_real_files() {
    let Some(dir) = luts_dir() else { return };
    let text = std::fs::read_to_string(dir.join("colour_eotf_sRGB_3D.cube")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Line 7 is the first data line; line 518 the last.
    let edit = |index: usize, replacement: &str| {
        let mut l = lines.clone();
        l[index] = replacement;
        l.join("\n")
    };
    for (text, needle) in [
        (edit(6, "0.1 0.2"), "line 7: a data line needs 3 value(s), found 2"),
        (edit(100, "0.1 0.2 zero"), "line 101: `zero` is not a number"),
        (edit(200, "0.1 -inf 0.2"), "line 201: `-inf` is not finite"),
        (edit(3, "LUT_3D_SIZE 9"), "line 518: the file ends after 512 of 729 data lines"),
        (edit(3, "LUT_3D_SIZE 7"), "line 350: more data lines than the 343"),
        (edit(3, "# no size"), "line 7: missing LUT_3D_SIZE"),
        (
            edit(4, "DOMAIN_MIN -0.1 2.0 -0.2"),
            "line 6: DOMAIN_MIN 2 is not below DOMAIN_MAX 2 in the green channel",
        ),
        (edit(4, "DOMAIN_MAX 1 1 1"), "line 6: duplicate `DOMAIN_MAX` (first given on line 5)"),
        (edit(1, "LUT_3D_INPUT_RANGE 0 1"), "line 2: unknown keyword `LUT_3D_INPUT_RANGE`"),
        (edit(517, "DOMAIN_MIN 0 0 0"), "line 518: keyword `DOMAIN_MIN` after the data"),
    ] {
        let message = CubeLut::parse(&text).unwrap_err().to_string();
        assert!(message.starts_with(needle), "`{message}` does not start with `{needle}`");
    }
}

/// Truncated and mutated versions of the real files, and junk: always `Ok` or `Err`, never a
/// panic.
#[test]
fn fuzzed_files_never_panic() {
    let Some(dir) = luts_dir() else { return };
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let replacements = [
        "",
        " ",
        "\n",
        "\r\n",
        "#",
        "\"",
        "-",
        ".",
        "e",
        "e99",
        "nan",
        "inf",
        "0",
        "9",
        "65",
        "66",
        "LUT_3D_SIZE 2",
        "LUT_1D_SIZE 3",
        "TITLE",
        "DOMAIN_MIN",
        "DOMAIN_MAX 0 0 0",
        "\u{feff}",
        "ß",
        "\t",
        "1 1 1\n",
    ];
    let mut outcomes = [0usize; 2];
    for name in ["colour_eotf_sRGB_3D.cube", "ocio_iridas_3d.cube"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        // Truncations: at every line end and every 11th character.
        for cut in (0..=text.len()).filter(|&i| i % 11 == 0 || text[i..].starts_with('\n')) {
            if text.is_char_boundary(cut) {
                outcomes[CubeLut::parse(&text[..cut]).is_ok() as usize] += 1;
            }
        }
        // Mutations: replace a short span, or drop / repeat / swap whole lines.
        let lines: Vec<&str> = text.lines().collect();
        for _ in 0..1500 {
            let mutated = match rng.below(4) {
                0 => {
                    let at = rng.below(text.len());
                    let end = (at + rng.below(4)).min(text.len());
                    let piece = replacements[rng.below(replacements.len())];
                    format!("{}{piece}{}", &text[..at], &text[end..])
                }
                1 => {
                    let mut l = lines.clone();
                    l.remove(rng.below(l.len()));
                    l.join("\n")
                }
                2 => {
                    let mut l = lines.clone();
                    let i = rng.below(l.len());
                    l.insert(i, l[i]);
                    l.join("\r\n")
                }
                _ => {
                    let mut l = lines.clone();
                    let (i, j) = (rng.below(l.len()), rng.below(l.len()));
                    l.swap(i, j);
                    l.join("\n")
                }
            };
            outcomes[CubeLut::parse(&mutated).is_ok() as usize] += 1;
        }
    }
    // Random junk built from the format's pieces and arbitrary characters.
    for _ in 0..3000 {
        let text: String = (0..rng.below(40))
            .map(|_| {
                if rng.below(4) == 0 {
                    char::from_u32(rng.below(0x3000) as u32).unwrap_or('?').to_string()
                } else {
                    replacements[rng.below(replacements.len())].to_owned()
                }
            })
            .collect();
        outcomes[CubeLut::parse(&text).is_ok() as usize] += 1;
    }
    println!("fuzz: {} parsed, {} rejected", outcomes[1], outcomes[0]);
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}

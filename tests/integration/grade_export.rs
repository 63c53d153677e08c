//! `export_cube` (`src/post/grade_bake.rs`): the whole grade (grade, tone mapper, user LUT)
//! as a `.cube` file other tools read. Checked: the file says how its input and output are
//! encoded, it parses back to the same lattice (title and comments included), its entries are
//! what the GPU bake stores, and — the point of it — baking the exported LUT as a SceneLog
//! user LUT with the neutral grade gives the same image as the original settings, sampled
//! through the GPU exactly as the finish pass samples (within 1/1023 sRGB-encoded).

use crate::common;

use std::sync::Arc;

use afterlight::gpu::{Gpu, halves_to_f32, read_subresource};
use afterlight::post::colour_lut::ColourLut;
use afterlight::post::grade::GradeSettings;
use afterlight::post::grade_bake::{
    GradeLut, LutSpace, SHAPER_RANGE_LOG2, UserLut, baked_lattice, baked_value, export_cube,
    sample_lut, shaper, shaper_inverse,
};
use afterlight::post::lut::CubeLut;
use afterlight::post::tonemap::ToneMapper;
use glam::Vec3;

/// One 10-bit step in the sRGB-encoded domain.
const TOLERANCE: f32 = 1.0 / 1023.0;

/// Every texel of a baked `size`³ LUT as RGB, x fastest, then y, then z (one slice per
/// readback: a 3D texture's slice z copies like an array layer).
fn read_lut(gpu: &Gpu, texture: &wgpu::Texture) -> Vec<Vec3> {
    (0..texture.depth_or_array_layers())
        .flat_map(|z| {
            let bytes = read_subresource(gpu, texture, z, 0).unwrap();
            halves_to_f32(&bytes)
                .chunks_exact(4)
                .map(|t| Vec3::new(t[0], t[1], t[2]))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A small xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// HDR test inputs: a 10-bit log-spaced grey ramp 0, 2^-14 .. 64 (1024 values), and 2048
/// random colours with each channel log-uniform over 2^-14..64 (or 0 one time in 16).
fn hdr_inputs() -> Vec<Vec3> {
    let mut inputs = vec![Vec3::ZERO];
    inputs.extend((0..1023).map(|i| Vec3::splat(2f32.powf(-14.0 + 20.0 * i as f32 / 1022.0))));
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    for _ in 0..2048 {
        let mut channel = || {
            let u = rng.unit();
            if u < 1.0 / 16.0 { 0.0 } else { 2f32.powf(-14.0 + 20.0 * rng.unit()) }
        };
        inputs.push(Vec3::new(channel(), channel(), channel()));
    }
    inputs
}

#[test]
fn export_states_its_encodings_and_parses_back_to_the_same_lattice() {
    let lut = export_cube(&GradeSettings::WARM_PRODUCT, ToneMapper::AcesFitted, None, 17);
    assert_eq!(lut.size, 17);
    assert_eq!(lut.data.len(), 17 * 17 * 17);
    assert_eq!((lut.domain_min, lut.domain_max), (Vec3::ZERO, Vec3::ONE));
    let title = lut.title.clone().unwrap_or_default();
    assert!(title.contains("afterlight") && title.contains("aces_fitted"), "{title}");
    let text = lut.to_cube_string();
    for needle in [
        "TITLE \"afterlight grade (aces_fitted)\"",
        "# INPUT: scene-linear Rec.709",
        &format!("t = log2(1 + x * 1024) / {:.9}", f64::from(SHAPER_RANGE_LOG2)),
        "t = log2(1 + x * 1024) / 16.000022888 ",
        "!<LogAffineTransform> {base: 2, lin_side_slope: 1024, lin_side_offset: 1, \
         log_side_slope: 0.062499910593, log_side_offset: 0}",
        "FileTransform",
        "# OUTPUT: display, sRGB-encoded (IEC 61966-2-1 inverse EOTF)",
        "LUT_3D_SIZE 17\n",
    ] {
        assert!(text.contains(needle), "export lacks {needle:?}:\n{}", &text[..1500]);
    }
    // The header ends before the data, and the default domain is not written.
    assert!(!text.contains("DOMAIN_"));
    let again = CubeLut::parse(&text).unwrap();
    assert_eq!(again.title, lut.title);
    assert_eq!(again.comments, lut.comments);
    assert_eq!(again.size, lut.size);
    // The writer's shortest round-trip decimals: the lattice comes back bit for bit.
    for (i, (a, b)) in lut.data.iter().zip(&again.data).enumerate() {
        assert_eq!(a.to_array().map(f32::to_bits), b.to_array().map(f32::to_bits), "entry {i}");
    }
    // Through a file too.
    let path = std::env::temp_dir().join(format!("afterlight_export_{}.cube", std::process::id()));
    lut.save(&path).unwrap();
    assert_eq!(CubeLut::load(&path).unwrap(), lut);
    let _ = std::fs::remove_file(&path);
    print!("{}", text.lines().take(20).collect::<Vec<_>>().join("\n"));
    println!();
}

/// Entry (r, g, b) is `baked_value` at the bake's own lattice input; sizes clamp into 2..=65;
/// the shaper's lattice ends are black and 64.
#[test]
fn export_entries_are_the_bakes_values() {
    let settings = common::EVERY_STEP;
    let mapper = ToneMapper::AgX;
    let lut = export_cube(&settings, mapper, None, 9);
    let axis = |i: u32| shaper_inverse(i as f32 / 8.0);
    for (index, value) in lut.data.iter().enumerate() {
        let i = index as u32;
        let x = Vec3::new(axis(i % 9), axis(i / 9 % 9), axis(i / 81));
        assert_eq!(*value, baked_value(&settings.validated(), mapper, None, x), "{index}");
    }
    assert_eq!(lut.data[0], baked_value(&settings, mapper, None, Vec3::ZERO));
    assert_eq!(export_cube(&settings, mapper, None, 1).size, 2);
    assert_eq!(export_cube(&settings, mapper, None, 1000).size, 65);
    // Clamp's unclipped values past 1 survive export, as the bake stores them.
    let clamp = export_cube(&GradeSettings::NEUTRAL, ToneMapper::Clamp, None, 5);
    assert!(clamp.data.last().is_some_and(|v| v.x > 5.0), "{:?}", clamp.data.last());
    // An invalid hand-built user LUT is left out, not a panic.
    let bad = UserLut {
        lut: Arc::new(ColourLut::from(CubeLut { size: 4, ..CubeLut::identity(2) })),
        space: LutSpace::SceneLog,
    };
    let without = export_cube(&settings, mapper, Some(&bad), 5);
    assert_eq!(without.data, export_cube(&settings, mapper, None, 5).data);
}

/// The CPU export is what the GPU bake stores (to half-float rounding): the two paths the
/// round trip below relies on agree lattice point by lattice point.
#[test]
fn export_matches_the_gpu_bake() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let size = 32;
    for (settings, mapper) in [
        (GradeSettings::COOL_TECH, ToneMapper::HableFilmic),
        (common::EVERY_STEP, ToneMapper::Clamp),
    ] {
        let lut = export_cube(&settings, mapper, None, size);
        let texture = baker.bake(&gpu.device, &gpu.queue, &settings, mapper, None, size).unwrap();
        let worst = read_lut(&gpu, &texture)
            .iter()
            .zip(&lut.data)
            .map(|(got, want)| ((*got - *want).abs() / want.abs().max(Vec3::ONE)).max_element())
            .fold(0.0, f32::max);
        println!("export vs GPU bake, {mapper}: {worst:.2e}");
        assert!(worst <= TOLERANCE, "{mapper}: {worst}");
    }
}

/// The image round trip: bake(grade G, mapper M[, display LUT]) against bake(NEUTRAL, any
/// mapper, exported LUT as SceneLog), both sampled on the GPU as the finish samples, over HDR
/// greys and random colours: within 1/1023 sRGB-encoded (after the finish's clip to [0, 1]).
#[test]
fn exported_lut_imported_as_scene_log_reproduces_the_image() {
    let Some(gpu) = common::gpu() else { return };
    let baker = GradeLut::new(&gpu.device).unwrap();
    let inputs = hdr_inputs();
    let display_lut = common::shared_file("luts/colour_eotf_sRGB_3D.cube").map(|path| UserLut {
        lut: Arc::new(ColourLut::load(path).unwrap()),
        space: LutSpace::Display,
    });
    let mut cases = vec![
        ("WARM_PRODUCT", GradeSettings::WARM_PRODUCT, ToneMapper::AcesFitted, None, 64),
        ("common::EVERY_STEP", common::EVERY_STEP, ToneMapper::AgX, None, 64),
        ("COOL_TECH", GradeSettings::COOL_TECH, ToneMapper::Clamp, None, 32),
        ("NEUTRAL", GradeSettings::NEUTRAL, ToneMapper::KhronosPbrNeutral, None, 16),
    ];
    if let Some(display) = &display_lut {
        cases.push((
            "common::EVERY_STEP",
            common::EVERY_STEP,
            ToneMapper::Reinhard,
            Some(display),
            32,
        ));
    }
    for (name, settings, mapper, user, size) in cases {
        let original = baker.bake(&gpu.device, &gpu.queue, &settings, mapper, user, size).unwrap();
        let exported = UserLut {
            lut: Arc::new(ColourLut::from(export_cube(&settings, mapper, user, size))),
            space: LutSpace::SceneLog,
        };
        // The mapper is irrelevant with a SceneLog LUT; pass a different one to show it.
        let imported = baker
            .bake(
                &gpu.device,
                &gpu.queue,
                &GradeSettings::NEUTRAL,
                ToneMapper::HableFilmic,
                Some(&exported),
                size,
            )
            .unwrap();
        let a = sample_lut(&gpu, &original, &inputs).unwrap();
        let b = sample_lut(&gpu, &imported, &inputs).unwrap();
        let (mut worst, mut at) = (0.0f32, Vec3::ZERO);
        for ((a, b), input) in a.iter().zip(&b).zip(&inputs) {
            let clip = |v: Vec3| v.clamp(Vec3::ZERO, Vec3::ONE);
            let d = (clip(*a) - clip(*b)).abs().max_element();
            let d = if a.is_finite() && b.is_finite() { d } else { f32::INFINITY };
            if d > worst {
                (worst, at) = (d, *input);
            }
        }
        let with = if user.is_some() { " + display LUT" } else { "" };
        println!(
            "round trip {name} + {mapper}{with} at {size}³: max {:.3} codes of 1/1023 (at {at})",
            worst * 1023.0
        );
        assert!(worst <= TOLERANCE, "{name} + {mapper}{with}: {} codes at {at}", worst * 1023.0);
    }
}

/// A grey ramp (0, then 2^-10 .. 2^6 in 256 steps) and saturated colours (the primaries and
/// secondaries at 2^-6 .. 2^4 in whole stops, the other channels 0): the round trip's inputs.
fn ramp_and_saturated() -> Vec<Vec3> {
    let mut inputs = vec![Vec3::ZERO];
    inputs.extend((0..256).map(|i| Vec3::splat(2f32.powf(-10.0 + 16.0 * i as f32 / 255.0))));
    let hues = [
        Vec3::X,
        Vec3::Y,
        Vec3::Z,
        Vec3::new(0.0, 1.0, 1.0),
        Vec3::new(1.0, 0.0, 1.0),
        Vec3::new(1.0, 1.0, 0.0),
    ];
    for hue in hues {
        inputs.extend((-6..=4).map(|stop| hue * 2f32.powi(stop)));
    }
    inputs
}

/// The image the finish shows for scene-linear `x`, modelled on the CPU: the 64³ grade LUT
/// (`baked_lattice`, what both bakes store, without the half-float rounding) sampled
/// trilinearly at the shaper's coordinate, clipped to [0, 1].
struct Image(CubeLut);

impl Image {
    fn bake(settings: &GradeSettings, mapper: ToneMapper, user: Option<&UserLut>) -> Image {
        let data = baked_lattice(&settings.validated(), mapper, user, 64);
        Image(CubeLut { data, ..CubeLut::identity(64) })
    }

    fn at(&self, x: Vec3) -> Vec3 {
        self.0.sample_trilinear(x.map(shaper)).clamp(Vec3::ZERO, Vec3::ONE)
    }
}

/// Issue #25's round trip: the grade exported over each input encoding and loaded back in the
/// matching `[lut] space` with the neutral grade (and, for srgb-display, the same tone mapper)
/// against the original image, both the finish's 64³ LUT modelled on the CPU ([`Image`]), so
/// no GPU is needed; in 8-bit codes (1/255, sRGB-encoded, after the clip to [0, 1]).
///
/// Asserted: the grey ramp within one code at 65³ for afterlight-log2, acescct and logc3 with
/// WARM_PRODUCT and ACES fitted. EVERY_STEP (every control of the grade off neutral at once)
/// and COOL_TECH with PBR Neutral (a kink at its shoulder) exceed one code on the ramp at 65³
/// even over afterlight-log2 and are measured only.
/// Measured and printed, not asserted (see the report in the commit and docs): the saturated
/// colours, where a lattice in another gamut cannot put the Rec.709 gamut boundary (output
/// channels clipping at 0) on its faces, so trilinear interpolation across that kink costs
/// several codes at 65³; and srgb-display, where what the tone mapper clips (a saturated
/// channel reaching 1) cannot be inverted. Also printed: each exported LUT against the exact
/// grade (`baked_value`, no lattice at all), and 33³.
#[test]
fn export_over_each_input_encoding_round_trips() {
    use afterlight::post::lut_export::{ExportEncoding, export_cube_encoded};
    let inputs = ramp_and_saturated();
    let greys = 257;
    let cases = [
        ("WARM_PRODUCT", GradeSettings::WARM_PRODUCT, ToneMapper::AcesFitted),
        ("EVERY_STEP", common::EVERY_STEP, ToneMapper::AgX),
        ("COOL_TECH", GradeSettings::COOL_TECH, ToneMapper::KhronosPbrNeutral),
    ];
    let originals: Vec<Image> =
        cases.iter().map(|(_, settings, mapper)| Image::bake(settings, *mapper, None)).collect();
    for (encoding, name) in ExportEncoding::NAMES {
        for size in [33, 65] {
            // Worst over the ramp, over the saturated colours, and against the exact grade.
            let (mut saturated, mut exact) = ((0.0f32, Vec3::ZERO), 0.0f32);
            let mut ramps = Vec::new();
            for ((grade_name, settings, mapper), original) in cases.iter().zip(&originals) {
                let mut ramp = 0.0f32;
                let lut = export_cube_encoded(settings, *mapper, None, size, encoding).unwrap();
                let again = CubeLut::parse(&lut.to_cube_string()).unwrap();
                let user = UserLut {
                    lut: Arc::new(ColourLut::from(again)),
                    space: encoding.import_space(),
                };
                let imported = Image::bake(&GradeSettings::NEUTRAL, *mapper, Some(&user));
                for (i, x) in inputs.iter().enumerate() {
                    let d = (original.at(*x) - imported.at(*x)).abs().max_element();
                    if i < greys {
                        ramp = ramp.max(d);
                    } else if d > saturated.0 {
                        saturated = (d, *x);
                    }
                    let clip = |v: Vec3| v.clamp(Vec3::ZERO, Vec3::ONE);
                    let want = clip(baked_value(settings, *mapper, None, *x));
                    let got = clip(baked_value(&GradeSettings::NEUTRAL, *mapper, Some(&user), *x));
                    exact = exact.max((want - got).abs().max_element());
                }
                ramps.push(format!("{grade_name} {:.2}", ramp * 255.0));
                // EVERY_STEP (every control off neutral) curves too sharply in the darks and
                // PBR Neutral (COOL_TECH) has a kink at its shoulder: over 1 code at 65³ even
                // for afterlight-log2 (a 65³ lattice against the 64³ bake); measured only.
                if size == 65
                    && encoding != ExportEncoding::SrgbDisplay
                    && *grade_name == "WARM_PRODUCT"
                {
                    assert!(
                        ramp <= 1.0 / 255.0,
                        "{name} {grade_name}: ramp {} codes",
                        ramp * 255.0
                    );
                }
            }
            println!(
                "round trip over {name} at {size}³: ramp {} codes, saturated {:.2} codes (at \
                 {}); exported LUT vs exact grade {:.2} codes",
                ramps.join(", "),
                saturated.0 * 255.0,
                saturated.1,
                exact * 255.0
            );
        }
    }
}

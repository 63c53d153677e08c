//! Properties every reference tone mapper must have on a ramp, plus input handling and names.
//! Known values against the published formulas are unit tests in `src/post/tonemap.rs`.

use afterlight::post::tonemap::{MAX_RADIANCE, ToneMapper};
use glam::Vec3;

/// One 8-bit display step.
const STEP_8BIT: f32 = 1.0 / 255.0;

/// How far apart r, g and b may be for grey input. Not exactly 0 because the published matrices
/// are rounded: ACES fitted's output matrix has a row summing to 0.99999, and the AgX inset and
/// outset rows sum to 1 within 2e-4, which becomes up to 5e-4 after the 2.2 power.
const GREY_TOLERANCE: f32 = 1e-3;

/// The ramp: 0, then 4095 log-spaced samples from 2^-14 to 64. 20 stops over 4094 steps is a
/// ratio of 1.0034 per step, so even Clamp (slope 1 up to 1) moves less than 1/255 per step.
fn ramp() -> Vec<f32> {
    let mut r = vec![0.0];
    r.extend((0..4095).map(|i| 2f32.powf(-14.0 + 20.0 * i as f32 / 4094.0)));
    r
}

/// Grey and a few saturated colours (brightest channel 1), scaled along the ramp.
const COLOURS: [Vec3; 7] = [
    Vec3::ONE,
    Vec3::new(1.0, 0.1, 0.02),
    Vec3::new(0.05, 0.2, 1.0),
    Vec3::new(0.1, 1.0, 0.1),
    Vec3::new(1.0, 0.0, 0.0),
    Vec3::new(0.0, 1.0, 0.0),
    Vec3::new(0.0, 0.0, 1.0),
];

#[test]
fn ramp_ends_where_it_should() {
    let r = ramp();
    assert_eq!(r.len(), 4096);
    assert_eq!(r[0], 0.0);
    assert!((r[4095] - 64.0).abs() < 1e-3, "last sample {}", r[4095]);
    assert!(r.windows(2).all(|w| w[1] > w[0]));
}

#[test]
fn outputs_stay_in_unit_range() {
    for m in ToneMapper::ALL {
        for colour in COLOURS {
            for x in ramp() {
                let out = m.apply(colour * x);
                assert!(
                    out.is_finite() && out.cmpge(Vec3::ZERO).all() && out.cmple(Vec3::ONE).all(),
                    "{m} at {:?}: {out:?}",
                    colour * x
                );
            }
        }
    }
}

#[test]
fn grey_ramp_is_monotonic_in_every_channel() {
    for m in ToneMapper::ALL {
        let outs: Vec<Vec3> = ramp().into_iter().map(|x| m.apply(Vec3::splat(x))).collect();
        for (i, w) in outs.windows(2).enumerate() {
            // 1e-6 allows f32 rounding where a curve is flat against its asymptote.
            assert!(
                w[1].cmpge(w[0] - 1e-6).all(),
                "{m} decreases between ramp samples {i} and {}: {:?} -> {:?}",
                i + 1,
                w[0],
                w[1]
            );
        }
    }
}

#[test]
fn ramp_outputs_are_continuous() {
    for m in ToneMapper::ALL {
        for colour in COLOURS {
            let outs: Vec<Vec3> = ramp().into_iter().map(|x| m.apply(colour * x)).collect();
            for (i, w) in outs.windows(2).enumerate() {
                let jump = (w[1] - w[0]).abs().max_element();
                assert!(
                    jump <= STEP_8BIT,
                    "{m}, colour {colour:?}: jump {jump} between ramp samples {i} and {}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn grey_stays_grey() {
    for m in ToneMapper::ALL {
        // AgX Golden's CDL slope (1, 0.9, 0.5) tints grey warm on purpose.
        if m == ToneMapper::AgXGolden {
            continue;
        }
        for x in ramp() {
            let out = m.apply(Vec3::splat(x));
            let spread = out.max_element() - out.min_element();
            assert!(spread <= GREY_TOLERANCE, "{m} at grey {x}: {out:?}");
        }
    }
    // The tint is really there, so the exception above is not hiding a bug elsewhere.
    let golden = ToneMapper::AgXGolden.apply(Vec3::splat(0.18));
    assert!(golden.x > golden.y && golden.y > golden.z, "{golden:?}");
}

#[test]
fn black_maps_to_black() {
    // Exactly 0 for every mapper but Hable, AgX included: its log floor gives an encoded
    // value of 0, where the sigmoid fit is -0.00232, which the clamps turn into 0. Hable's
    // curve is D*E / (D*F) - E/F at 0, which f32 rounding leaves at 1e-8 instead of 0.
    for m in ToneMapper::ALL {
        let black = m.apply(Vec3::ZERO);
        let tolerance = if m == ToneMapper::HableFilmic { 1e-7 } else { 0.0 };
        assert!(black.max_element() <= tolerance, "{m}: {black:?}");
        // And the first ramp step stays far below one 8-bit step.
        let near = m.apply(Vec3::splat(2f32.powi(-14)));
        assert!(near.max_element() < 1e-3, "{m} at 2^-14: {near:?}");
    }
}

#[test]
fn nan_and_negative_channels_count_as_zero() {
    for m in ToneMapper::ALL {
        let black = m.apply(Vec3::ZERO);
        assert_eq!(m.apply(Vec3::splat(f32::NAN)), black, "{m} NaN");
        assert_eq!(m.apply(Vec3::splat(-1.0)), black, "{m} negative");
        assert_eq!(m.apply(Vec3::splat(f32::NEG_INFINITY)), black, "{m} -inf");
        for colour in [Vec3::new(0.5, 2.0, 0.1), Vec3::new(0.18, 0.18, 0.18)] {
            let want = m.apply(Vec3::new(0.0, colour.y, colour.z));
            for bad in [f32::NAN, -0.5, -0.0, f32::NEG_INFINITY] {
                let got = m.apply(Vec3::new(bad, colour.y, colour.z));
                assert_eq!(got, want, "{m} with red {bad}");
            }
        }
    }
}

#[test]
fn infinity_maps_to_the_mappers_white() {
    for m in ToneMapper::ALL {
        let white = m.apply(Vec3::splat(MAX_RADIANCE));
        assert_eq!(m.apply(Vec3::splat(f32::INFINITY)), white, "{m} +inf");
        assert_eq!(m.apply(Vec3::splat(f32::MAX)), white, "{m} f32::MAX");
        // One infinite channel is that channel at the maximum, not NaN.
        let one = m.apply(Vec3::new(f32::INFINITY, 0.1, 0.0));
        assert_eq!(one, m.apply(Vec3::new(MAX_RADIANCE, 0.1, 0.0)), "{m} one +inf");
        assert!(one.is_finite(), "{m}: {one:?}");
        // The documented whites.
        let floor = match m {
            ToneMapper::Clamp | ToneMapper::AcesFitted | ToneMapper::HableFilmic => 1.0,
            ToneMapper::Reinhard | ToneMapper::ReinhardLuminance => 1.0 - 2e-5,
            ToneMapper::KhronosPbrNeutral => 1.0 - 1e-5,
            ToneMapper::AgX => 0.996,
            ToneMapper::AgXPunchy => 0.994,
            ToneMapper::AgXGolden => {
                // A warm off-white: full red, less blue.
                assert!(white.x == 1.0 && white.z < white.y, "{m}: {white:?}");
                continue;
            }
        };
        assert!(white.min_element() >= floor, "{m} white {white:?}");
    }
}

#[test]
fn names_round_trip() {
    for m in ToneMapper::ALL {
        let name = m.name();
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name} is not snake_case"
        );
        assert_eq!(name.parse::<ToneMapper>(), Ok(m));
        assert_eq!(m.to_string(), name);
    }
    let mut names: Vec<_> = ToneMapper::ALL.iter().map(|m| m.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ToneMapper::ALL.len(), "duplicate names");
}

#[test]
fn unknown_name_lists_the_valid_ones() {
    let err = "aces".parse::<ToneMapper>().unwrap_err();
    let message = err.to_string();
    assert!(message.contains("\"aces\""), "{message}");
    for m in ToneMapper::ALL {
        assert!(message.contains(m.name()), "{message} lacks {}", m.name());
    }
    assert!("AgX".parse::<ToneMapper>().is_err());
}

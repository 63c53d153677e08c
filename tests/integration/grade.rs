//! The reference colour grade through its public API: NEUTRAL is the identity, each control
//! on its own against a value computed by hand from its documented formula, `validated`, the
//! order of the steps, and input handling. The colour-science building blocks (daylight locus,
//! matrices) are unit tests in `src/post/grade.rs`.

use afterlight::post::grade::{GradeSettings, MID_GREY, REC709_LUMINANCE, grade};
use afterlight::post::tonemap::MAX_RADIANCE;
use glam::Vec3;

/// Each channel of `got` within `tol` of `want`, relative to `want` (absolute below 1e-3).
#[track_caller]
fn assert_close(got: Vec3, want: Vec3, tol: f32, what: &str) {
    for i in 0..3 {
        let (g, w) = (got[i], want[i]);
        assert!(
            (g - w).abs() <= tol * w.abs().max(1e-3),
            "{what}: channel {i} = {g}, want {w} (got {got:?}, want {want:?})"
        );
    }
}

fn luminance(c: Vec3) -> f32 {
    c.dot(REC709_LUMINANCE)
}

/// NEUTRAL with one change.
fn with(change: impl FnOnce(&mut GradeSettings)) -> GradeSettings {
    let mut s = GradeSettings::NEUTRAL;
    change(&mut s);
    s
}

/// A few colours with some chroma, none so saturated that a hue turn leaves the gamut.
const MUTED: [Vec3; 4] = [
    Vec3::new(0.5, 0.4, 0.3),
    Vec3::new(0.2, 0.25, 0.3),
    Vec3::new(1.2, 1.0, 1.1),
    Vec3::new(0.05, 0.06, 0.045),
];

#[test]
fn neutral_is_the_identity_on_a_grid_from_0_to_16() {
    assert_eq!(GradeSettings::default(), GradeSettings::NEUTRAL);
    // 0, then 16 steps per channel up to 16, plus some small values: 18³ colours.
    let mut levels: Vec<f32> = (0..=16).map(|i| i as f32).collect();
    levels.extend([0.001, 0.18, 0.5]);
    for &r in &levels {
        for &g in &levels {
            for &b in &levels {
                let c = Vec3::new(r, g, b);
                assert_close(grade(&GradeSettings::NEUTRAL, c), c, 1e-6, "neutral");
            }
        }
    }
}

#[test]
fn nan_negative_and_infinite_input_channels_are_sanitised() {
    let out = grade(&GradeSettings::NEUTRAL, Vec3::new(f32::NAN, -1.0, f32::INFINITY));
    assert_eq!(out, Vec3::new(0.0, 0.0, MAX_RADIANCE));
    let out = grade(&GradeSettings::COOL_TECH, Vec3::splat(f32::NAN));
    assert_eq!(out, Vec3::ZERO);
}

#[test]
fn exposure_offset_scales_by_two_to_the_stops() {
    let c = Vec3::new(0.1, 0.5, 2.0);
    assert_close(grade(&with(|s| s.exposure_offset = 1.0), c), c * 2.0, 1e-6, "+1");
    assert_close(grade(&with(|s| s.exposure_offset = -2.0), c), c * 0.25, 1e-6, "-2");
    assert_close(grade(&with(|s| s.exposure_offset = 3.5), c), c * 11.313708, 1e-6, "+3.5");
}

#[test]
fn contrast_pivots_on_mid_grey_in_log2() {
    for k in [0.0, 0.5, 1.3, 2.0] {
        let out = grade(&with(|s| s.contrast = k), Vec3::splat(MID_GREY));
        assert_close(out, Vec3::splat(MID_GREY), 1e-6, &format!("0.18 at contrast {k}"));
    }
    // One stop above grey becomes two stops at contrast 2, one stop below becomes two below.
    let s = with(|s| s.contrast = 2.0);
    assert_close(grade(&s, Vec3::splat(0.36)), Vec3::splat(0.72), 1e-5, "0.36 at 2");
    assert_close(grade(&s, Vec3::splat(0.09)), Vec3::splat(0.045), 1e-5, "0.09 at 2");
    // Two stops above become one at contrast 0.5; per channel.
    let out = grade(&with(|s| s.contrast = 0.5), Vec3::new(0.72, 0.18, 0.045));
    assert_close(out, Vec3::new(0.36, 0.18, 0.09), 1e-5, "contrast 0.5");
    // Contrast 0 is flat grey; black stays black for any positive contrast.
    let flat = grade(&with(|s| s.contrast = 0.0), Vec3::new(3.0, 0.01, 0.5));
    assert_close(flat, Vec3::splat(MID_GREY), 1e-6, "contrast 0");
    assert_eq!(grade(&with(|s| s.contrast = 1.5), Vec3::ZERO), Vec3::ZERO);
}

#[test]
fn saturation_scales_chroma_around_rec709_luminance() {
    for c in MUTED {
        let y = luminance(c);
        let grey = grade(&with(|s| s.saturation = 0.0), c);
        assert_close(grey, Vec3::splat(y), 1e-6, "saturation 0");
        let more = grade(&with(|s| s.saturation = 1.5), c);
        let want = Vec3::splat(y) + 1.5 * (c - Vec3::splat(y));
        assert_close(more, want, 1e-6, "saturation 1.5");
        assert!((luminance(more) - y).abs() <= 1e-6 * y.max(1e-3));
    }
}

#[test]
fn vibrance_spares_saturated_colours() {
    let s = with(|s| s.vibrance = 1.0);
    // A pure primary has s = 1: untouched. Grey has no chroma to scale.
    assert_close(grade(&s, Vec3::new(2.0, 0.0, 0.0)), Vec3::new(2.0, 0.0, 0.0), 1e-6, "red");
    assert_close(grade(&s, Vec3::splat(0.7)), Vec3::splat(0.7), 1e-6, "grey");
    // (0.5, 0.4, 0.3): s = 0.2/0.5 = 0.4, factor 1 + 1·0.6 = 1.6 (or 1 − 0.6 = 0.4 at −1).
    let c = Vec3::new(0.5, 0.4, 0.3);
    let y = Vec3::splat(luminance(c));
    assert_close(grade(&s, c), y + 1.6 * (c - y), 1e-6, "vibrance +1");
    let s = with(|s| s.vibrance = -1.0);
    assert_close(grade(&s, c), y + 0.4 * (c - y), 1e-6, "vibrance -1");
}

#[test]
fn lift_gamma_gain_follow_the_documented_formula() {
    // out = max(gain · (in + lift · (1 − in)), 0)^(1 / gamma), per channel.
    let lift = with(|s| s.lift = Vec3::new(0.1, 0.0, -0.1));
    assert_close(grade(&lift, Vec3::ZERO), Vec3::new(0.1, 0.0, 0.0), 1e-6, "lift on black");
    assert_close(grade(&lift, Vec3::ONE), Vec3::ONE, 1e-6, "lift on white");
    let gain = with(|s| s.gain = Vec3::new(2.0, 1.0, 0.5));
    assert_close(grade(&gain, Vec3::splat(0.3)), Vec3::new(0.6, 0.3, 0.15), 1e-6, "gain");
    let gamma = with(|s| s.gamma = Vec3::new(2.0, 1.0, 0.5));
    let out = grade(&gamma, Vec3::splat(0.25));
    assert_close(out, Vec3::new(0.5, 0.25, 0.0625), 1e-6, "gamma");

    let all = with(|s| {
        s.lift = Vec3::splat(0.05);
        s.gamma = Vec3::splat(1.2);
        s.gain = Vec3::splat(1.5);
    });
    let x = 0.4f64;
    let want = (1.5 * (x + 0.05 * (1.0 - x))).powf(1.0 / 1.2) as f32;
    assert_close(grade(&all, Vec3::splat(0.4)), Vec3::splat(want), 1e-5, "lift+gamma+gain");
}

#[test]
fn shadows_midtones_highlights_weight_by_luminance() {
    let s = with(|s| {
        s.shadows = Vec3::new(1.0, 1.0, 2.0);
        s.midtones = Vec3::new(1.0, 0.5, 1.0);
        s.highlights = Vec3::new(3.0, 1.0, 1.0);
    });
    // Mid-grey: midtones only. 4+ stops below: shadows only. 4+ stops above: highlights only.
    let grey = Vec3::splat(MID_GREY);
    assert_close(grade(&s, grey), grey * Vec3::new(1.0, 0.5, 1.0), 1e-6, "mid-grey");
    let dark = Vec3::splat(MID_GREY / 32.0);
    assert_close(grade(&s, dark), dark * Vec3::new(1.0, 1.0, 2.0), 1e-6, "shadow");
    let bright = Vec3::splat(MID_GREY * 32.0);
    assert_close(grade(&s, bright), bright * Vec3::new(3.0, 1.0, 1.0), 1e-6, "highlight");
    // Two stops above grey: smoothstep(0, 4, 2) = 0.5 highlights, 0.5 midtones.
    let c = Vec3::splat(MID_GREY * 4.0);
    let want = c * (0.5 * Vec3::new(1.0, 0.5, 1.0) + 0.5 * Vec3::new(3.0, 1.0, 1.0));
    assert_close(grade(&s, c), want, 1e-5, "two stops up");
    // Equal multipliers are a plain gain at every level.
    let even = with(|s| {
        s.shadows = Vec3::splat(1.5);
        s.midtones = Vec3::splat(1.5);
        s.highlights = Vec3::splat(1.5);
    });
    for c in MUTED {
        assert_close(grade(&even, c), c * 1.5, 1e-6, "equal multipliers");
    }
}

/// ASC CDL v1.2 in f64, straight from the specification's formulas.
fn cdl_reference(
    c: [f64; 3],
    slope: [f64; 3],
    offset: [f64; 3],
    power: [f64; 3],
    sat: f64,
) -> Vec3 {
    let sop: Vec<f64> =
        (0..3).map(|i| (c[i] * slope[i] + offset[i]).max(0.0).powf(power[i])).collect();
    let luma = 0.2126 * sop[0] + 0.7152 * sop[1] + 0.0722 * sop[2];
    Vec3::new(
        (luma + sat * (sop[0] - luma)) as f32,
        (luma + sat * (sop[1] - luma)) as f32,
        (luma + sat * (sop[2] - luma)) as f32,
    )
}

#[test]
fn asc_cdl_matches_the_specification_formula() {
    // The example correction from the Academy/ASC CTF documentation ("scene 1 exterior look").
    let (slope, offset, power, sat) = ([1.0, 1.0, 0.9], [-0.03, -0.02, 0.0], [1.25, 1.0, 1.0], 1.7);
    let s = with(|s| {
        s.slope = Vec3::new(1.0, 1.0, 0.9);
        s.offset = Vec3::new(-0.03, -0.02, 0.0);
        s.power = Vec3::new(1.25, 1.0, 1.0);
        s.cdl_saturation = 1.7;
    });
    for c in [[0.5, 0.4, 0.3], [0.18, 0.18, 0.18], [0.9, 0.7, 0.8]] {
        let got = grade(&s, Vec3::new(c[0] as f32, c[1] as f32, c[2] as f32));
        let want = cdl_reference(c, slope, offset, power, sat);
        assert_close(got, want, 1e-5, &format!("CDL on {c:?}"));
    }
    // The clamp at 0 comes before the power: 0.2 · 1 − 0.5 < 0 gives 0, not NaN.
    let s = with(|s| {
        s.offset = Vec3::new(-0.5, 0.0, 0.0);
        s.power = Vec3::new(0.5, 1.0, 1.0);
    });
    assert_close(grade(&s, Vec3::splat(0.2)), Vec3::new(0.0, 0.2, 0.2), 1e-6, "clamp");
    // Values above 1 are not clamped (scene-referred): slope 2 on 0.8 gives 1.6.
    let s = with(|s| s.slope = Vec3::splat(2.0));
    assert_close(grade(&s, Vec3::splat(0.8)), Vec3::splat(1.6), 1e-6, "no clamp at 1");
}

#[test]
fn temperature_warms_monotonically_and_zero_is_neutral() {
    let grey = Vec3::splat(MID_GREY);
    let zero = with(|s| s.temperature = 0.0);
    assert_eq!(grade(&zero, grey), grey);
    let mut last_ratio = 0.0;
    for i in -10..=10 {
        let t = i as f32 / 10.0;
        let out = grade(&with(|s| s.temperature = t), grey);
        let ratio = out.x / out.z;
        assert!(ratio > last_ratio, "R/B at temperature {t}: {ratio} <= {last_ratio}");
        last_ratio = ratio;
        // Warm means red above blue; it stays close to neutral at small values.
        if i > 0 {
            assert!(out.x > out.z, "temperature {t}: {out:?}");
        } else if i < 0 {
            assert!(out.x < out.z, "temperature {t}: {out:?}");
        } else {
            assert_close(out, grey, 1e-6, "temperature 0");
        }
    }
    // A mild setting is a mild cast, not a colour wash.
    let out = grade(&with(|s| s.temperature = 0.1), grey);
    assert!((out.x / out.z - 1.0).abs() < 0.1, "{out:?}");
}

#[test]
fn tint_moves_between_green_and_magenta() {
    let grey = Vec3::splat(MID_GREY);
    let mut last = f32::INFINITY;
    for i in -10..=10 {
        let tint = i as f32 / 10.0;
        let out = grade(&with(|s| s.tint = tint), grey);
        // Green against the mean of red and blue: falls as tint goes magenta.
        let green = out.y / (0.5 * (out.x + out.z));
        assert!(green < last, "tint {tint}: {green} >= {last}");
        last = green;
        if i > 0 {
            assert!(green < 1.0, "tint {tint} should be magenta: {out:?}");
        } else if i < 0 {
            assert!(green > 1.0, "tint {tint} should be green: {out:?}");
        }
    }
}

#[test]
fn hue_shift_is_periodic_keeps_luminance_and_grey() {
    for c in MUTED {
        let at = |deg: f32| grade(&with(|s| s.hue_shift = deg), c);
        assert_close(at(90.0), at(450.0), 1e-5, "90 vs 450");
        assert_close(at(90.0), at(-270.0), 1e-5, "90 vs -270");
        assert_close(at(180.0), at(-180.0), 1e-6, "180 vs -180");
        assert_close(at(360.0), c, 1e-5, "360");
        for deg in [-150.0, -60.0, 30.0, 100.0, 180.0] {
            let y = luminance(at(deg));
            assert!((y - luminance(c)).abs() <= 1e-5 * luminance(c), "{c:?} at {deg}: Y {y}");
        }
        // 180 negates the chroma: out = 2Y − c.
        let want = Vec3::splat(2.0 * luminance(c)) - c;
        assert_close(at(180.0), want, 1e-5, "180 is the opposite colour");
    }
    let grey = Vec3::splat(0.7);
    assert_close(grade(&with(|s| s.hue_shift = 77.0), grey), grey, 1e-6, "grey");
    // Positive turns red towards yellow: green rises more than blue.
    let out = grade(&with(|s| s.hue_shift = 30.0), Vec3::new(0.6, 0.2, 0.2));
    assert!(out.y > out.z, "{out:?}");
}

#[test]
fn channel_mixer_rows_are_output_channels() {
    let c = Vec3::new(0.1, 0.2, 0.7);
    let identity = with(|s| s.channel_mixer = [Vec3::X, Vec3::Y, Vec3::Z]);
    assert_eq!(grade(&identity, c), c);
    let swap = with(|s| s.channel_mixer = [Vec3::Z, Vec3::Y, Vec3::X]);
    assert_eq!(grade(&swap, c), Vec3::new(0.7, 0.2, 0.1));
    // Red output = 0.5 r + 0.5 g; green = g; blue = 0.2 r + 0.8 b.
    let mix = with(|s| {
        s.channel_mixer = [Vec3::new(0.5, 0.5, 0.0), Vec3::Y, Vec3::new(0.2, 0.0, 0.8)];
    });
    assert_close(grade(&mix, c), Vec3::new(0.15, 0.2, 0.58), 1e-6, "mix");
    // Negative results are clipped at 0, the bottom of the HDR target's range.
    let negative = with(|s| s.channel_mixer = [Vec3::new(1.0, -2.0, 0.0), Vec3::Y, Vec3::Z]);
    assert_eq!(grade(&negative, c).x, 0.0);
}

#[test]
fn validated_clamps_and_defaults_every_field() {
    assert_eq!(GradeSettings::NEUTRAL.validated(), GradeSettings::NEUTRAL);
    assert_eq!(GradeSettings::WARM_PRODUCT.validated(), GradeSettings::WARM_PRODUCT);
    assert_eq!(GradeSettings::COOL_TECH.validated(), GradeSettings::COOL_TECH);

    let nan = f32::NAN;
    let all_nan = GradeSettings {
        temperature: nan,
        tint: nan,
        exposure_offset: nan,
        contrast: nan,
        saturation: nan,
        vibrance: nan,
        lift: Vec3::splat(nan),
        gamma: Vec3::splat(nan),
        gain: Vec3::splat(nan),
        shadows: Vec3::splat(nan),
        midtones: Vec3::splat(nan),
        highlights: Vec3::splat(nan),
        slope: Vec3::splat(nan),
        offset: Vec3::splat(nan),
        power: Vec3::splat(nan),
        cdl_saturation: nan,
        hue_shift: nan,
        channel_mixer: [Vec3::splat(nan); 3],
    };
    assert_eq!(all_nan.validated(), GradeSettings::NEUTRAL);

    let high = GradeSettings {
        temperature: 3.0,
        tint: f32::INFINITY,
        exposure_offset: 20.0,
        contrast: 5.0,
        saturation: 9.0,
        vibrance: 2.0,
        lift: Vec3::new(2.0, 0.5, 1.0),
        gamma: Vec3::splat(100.0),
        gain: Vec3::splat(10.0),
        shadows: Vec3::splat(5.0),
        midtones: Vec3::splat(5.0),
        highlights: Vec3::splat(5.0),
        slope: Vec3::splat(5.0),
        offset: Vec3::splat(3.0),
        power: Vec3::splat(7.0),
        cdl_saturation: 3.0,
        hue_shift: 270.0,
        channel_mixer: [Vec3::splat(4.0); 3],
    };
    let v = high.validated();
    assert_eq!((v.temperature, v.tint, v.exposure_offset), (1.0, 1.0, 10.0));
    assert_eq!((v.contrast, v.saturation, v.vibrance), (2.0, 2.0, 1.0));
    assert_eq!(v.lift, Vec3::new(1.0, 0.5, 1.0));
    assert_eq!((v.gamma, v.gain), (Vec3::splat(5.0), Vec3::splat(4.0)));
    assert_eq!(
        (v.shadows, v.midtones, v.highlights),
        (Vec3::splat(4.0), Vec3::splat(4.0), Vec3::splat(4.0))
    );
    assert_eq!((v.slope, v.offset, v.power), (Vec3::splat(4.0), Vec3::ONE, Vec3::splat(5.0)));
    assert_eq!(v.cdl_saturation, 2.0);
    assert_eq!(v.hue_shift, -90.0, "angles wrap instead of clamping");
    assert_eq!(v.channel_mixer, [Vec3::splat(2.0); 3]);

    let low = GradeSettings {
        temperature: -3.0,
        tint: -1.5,
        exposure_offset: f32::NEG_INFINITY,
        contrast: -1.0,
        saturation: -1.0,
        vibrance: -2.0,
        lift: Vec3::splat(-2.0),
        gamma: Vec3::ZERO,
        gain: Vec3::splat(-1.0),
        shadows: Vec3::splat(-1.0),
        midtones: Vec3::splat(-1.0),
        highlights: Vec3::splat(-1.0),
        slope: Vec3::splat(-1.0),
        offset: Vec3::splat(-3.0),
        power: Vec3::ZERO,
        cdl_saturation: -1.0,
        hue_shift: -190.0,
        channel_mixer: [Vec3::splat(-4.0); 3],
    };
    let v = low.validated();
    assert_eq!((v.temperature, v.tint, v.exposure_offset), (-1.0, -1.0, -10.0));
    assert_eq!((v.contrast, v.saturation, v.vibrance), (0.0, 0.0, -1.0));
    assert_eq!((v.lift, v.gamma, v.gain), (Vec3::splat(-1.0), Vec3::splat(0.2), Vec3::ZERO));
    assert_eq!((v.shadows, v.midtones, v.highlights), (Vec3::ZERO, Vec3::ZERO, Vec3::ZERO));
    assert_eq!((v.slope, v.offset, v.power), (Vec3::ZERO, Vec3::splat(-1.0), Vec3::splat(0.2)));
    assert_eq!(v.cdl_saturation, 0.0);
    assert_eq!(v.hue_shift, 170.0);
    assert_eq!(v.channel_mixer, [Vec3::splat(-2.0); 3]);

    // An infinite angle has no wrapped value: the default.
    assert_eq!(with(|s| s.hue_shift = f32::INFINITY).validated().hue_shift, 0.0);
    // Only the bad component of a vector changes.
    let one_bad = with(|s| s.gain = Vec3::new(1.5, nan, 0.5)).validated();
    assert_eq!(one_bad.gain, Vec3::new(1.5, 1.0, 0.5));
}

#[test]
fn steps_run_in_the_documented_order() {
    let grey = Vec3::splat(MID_GREY);
    // Exposure before contrast: 0.18 → 0.36 (one stop up) → two stops up at contrast 2 = 0.72.
    // The other way round, contrast would keep 0.18 and exposure then give 0.36.
    let s = with(|s| {
        s.exposure_offset = 1.0;
        s.contrast = 2.0;
    });
    assert_close(grade(&s, grey), Vec3::splat(0.72), 1e-5, "exposure then contrast");

    // Contrast before gain: contrast keeps 0.18, gain 2 then gives 0.36 (not 0.72).
    let s = with(|s| {
        s.contrast = 2.0;
        s.gain = Vec3::splat(2.0);
    });
    assert_close(grade(&s, grey), Vec3::splat(0.36), 1e-5, "contrast then gain");

    // Channel mixer before the CDL: swap red and blue, then a red-only CDL slope acts on the
    // new red (the old blue).
    let c = Vec3::new(0.1, 0.2, 0.4);
    let s = with(|s| {
        s.channel_mixer = [Vec3::Z, Vec3::Y, Vec3::X];
        s.slope = Vec3::new(2.0, 1.0, 1.0);
    });
    assert_close(grade(&s, c), Vec3::new(0.8, 0.2, 0.1), 1e-6, "mixer then CDL");

    // CDL saturation before the main saturation, which comes last: saturation 0 at the end
    // leaves grey of the luminance after the CDL slope.
    let s = with(|s| {
        s.slope = Vec3::new(2.0, 1.0, 1.0);
        s.saturation = 0.0;
    });
    let want = luminance(Vec3::new(0.2, 0.2, 0.4));
    assert_close(grade(&s, c), Vec3::splat(want), 1e-6, "CDL then saturation");
}

#[test]
fn extreme_settings_give_finite_output_in_range() {
    let settings = [
        GradeSettings {
            exposure_offset: 10.0,
            contrast: 2.0,
            gain: Vec3::splat(4.0),
            gamma: Vec3::splat(0.2),
            power: Vec3::splat(5.0),
            slope: Vec3::splat(4.0),
            saturation: 2.0,
            vibrance: 1.0,
            temperature: 1.0,
            tint: -1.0,
            ..GradeSettings::NEUTRAL
        },
        GradeSettings {
            exposure_offset: -10.0,
            contrast: 0.0,
            lift: Vec3::splat(-1.0),
            gamma: Vec3::splat(5.0),
            power: Vec3::splat(0.2),
            offset: Vec3::splat(-1.0),
            temperature: -1.0,
            tint: 1.0,
            hue_shift: 180.0,
            channel_mixer: [Vec3::splat(-2.0), Vec3::splat(2.0), Vec3::new(2.0, -2.0, 2.0)],
            ..GradeSettings::NEUTRAL
        },
        // Unvalidated nonsense must not produce NaN either.
        with(|s| {
            s.gamma = Vec3::ZERO;
            s.power = Vec3::splat(-3.0);
            s.contrast = f32::NAN;
            s.temperature = 40.0;
            s.hue_shift = f32::INFINITY;
        }),
    ];
    let inputs = [
        Vec3::ZERO,
        Vec3::splat(MID_GREY),
        Vec3::new(1.0, 0.0, 0.0),
        Vec3::new(0.0, 0.0, 50.0),
        Vec3::splat(MAX_RADIANCE),
        Vec3::splat(f32::INFINITY),
    ];
    for s in &settings {
        for c in inputs {
            let out = grade(s, c);
            assert!(
                out.is_finite()
                    && out.cmpge(Vec3::ZERO).all()
                    && out.cmple(Vec3::splat(MAX_RADIANCE)).all(),
                "{c:?} -> {out:?} with {s:?}"
            );
        }
    }
}

#[test]
fn presets_are_modest_and_not_neutral() {
    for preset in [GradeSettings::WARM_PRODUCT, GradeSettings::COOL_TECH] {
        assert_ne!(preset, GradeSettings::NEUTRAL);
        // Mid-grey moves by less than 15 % in any channel.
        let out = grade(&preset, Vec3::splat(MID_GREY));
        assert!((out / MID_GREY - Vec3::ONE).abs().max_element() < 0.15, "{preset:?}: {out:?}");
    }
    let warm = grade(&GradeSettings::WARM_PRODUCT, Vec3::splat(MID_GREY));
    let cool = grade(&GradeSettings::COOL_TECH, Vec3::splat(MID_GREY));
    assert!(warm.x > warm.z && cool.x < cool.z, "warm {warm:?}, cool {cool:?}");
}

//! The grade export over a standard input encoding: the whole grade (grade, tone mapper, user
//! LUT) as a 3D `.cube` whose input is ACEScct, ARRI LogC3, sRGB-encoded display or
//! afterlight's own log2 shaper, so that grading tools can feed it.
//!
//! Lattice point `t` (per channel `i / (size − 1)`, the `.cube` default domain 0..1) is decoded
//! to afterlight's working colour (scene-linear Rec.709, D65), clamped to `[0, 64]` (the range
//! the bake itself covers), and the entry is [`baked_value`] there: sRGB-encoded display.
//!
//! - [`ExportEncoding::AfterlightLog2`]: [`export_cube`], unchanged (the default).
//! - [`ExportEncoding::AcesCct`], [`ExportEncoding::LogC3`]: the code values of that camera log
//!   encoding in its gamut ([`CameraLog::decode`]). Loaded back in the matching `[lut] space`
//!   with the neutral grade, the file reproduces the grade.
//! - [`ExportEncoding::SrgbDisplay`]: the sRGB-encoded *display* image afterlight shows with
//!   the neutral grade and the same tone mapper — the input is decoded and the tone mapper
//!   inverted ([`invert_tone_mapper`]) to the scene-linear colour it came from. Loaded back in
//!   the `display` space with the same tone mapper, the file reproduces the grade for colours
//!   the tone mapper does not clip (what it clips, e.g. the Clamp mapper above 1, is lost).

use glam::{Mat3, Vec3};

use super::camera_log::CameraLog;
use super::grade::GradeSettings;
use super::grade_bake::{SHAPER_MAX, UserLut, baked_value, export_cube, srgb_decode};
use super::lut::{CubeLut, LutError};
use super::tonemap::ToneMapper;

/// The input encoding of an exported grade LUT (`afterlight lut export --input-encoding`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExportEncoding {
    /// afterlight's log2 shaper of scene-linear Rec.709 (import as `scene_log`); the default.
    #[default]
    AfterlightLog2,
    /// ACEScct code values, AP1 primaries (import as `acescct`).
    AcesCct,
    /// ARRI LogC3 (EI 800) code values, ARRI Wide Gamut 3 (import as `logc3`).
    LogC3,
    /// sRGB-encoded display as afterlight shows it with the neutral grade and the same tone
    /// mapper (import as `display`).
    SrgbDisplay,
}

impl std::str::FromStr for ExportEncoding {
    type Err = String;

    /// The names of [`ExportEncoding::NAMES`].
    fn from_str(s: &str) -> Result<Self, String> {
        Self::NAMES.iter().find(|(_, n)| *n == s).map(|(e, _)| *e).ok_or_else(|| {
            let names: Vec<&str> = Self::NAMES.iter().map(|(_, n)| *n).collect();
            format!("unknown input encoding {s:?}; valid: {}", names.join(", "))
        })
    }
}

impl ExportEncoding {
    /// Every encoding with its command-line name.
    pub const NAMES: [(ExportEncoding, &'static str); 4] = [
        (Self::AfterlightLog2, "afterlight-log2"),
        (Self::AcesCct, "acescct"),
        (Self::LogC3, "logc3"),
        (Self::SrgbDisplay, "srgb-display"),
    ];

    /// The `[lut] space` that reads a LUT exported with this encoding.
    pub fn import_space(self) -> super::grade_bake::LutSpace {
        use super::grade_bake::LutSpace;
        match self {
            Self::AfterlightLog2 => LutSpace::SceneLog,
            Self::AcesCct => LutSpace::AcesCct,
            Self::LogC3 => LutSpace::LogC3,
            Self::SrgbDisplay => LutSpace::Display,
        }
    }
}

/// The scene-linear Rec.709 colour in `[0, 64]` that `mapper` maps to display-linear `target`
/// (each channel in `[0, 1]`): damped Newton iterations on the mapper with a finite-difference
/// Jacobian, from three starts (per channel the grey whose mapped channel equals the target's,
/// found by bisection along the grey axis; the target itself; their mean), keeping the best.
/// Where no colour maps exactly (the target is outside what the mapper reaches, or the mapper
/// clips there), the closest found is returned.
pub fn invert_tone_mapper(mapper: ToneMapper, target: Vec3) -> Vec3 {
    let grey = Vec3::from_array(std::array::from_fn(|c| {
        let (mut lo, mut hi) = (0.0f32, SHAPER_MAX);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if mapper.apply(Vec3::splat(mid))[c] < target[c] {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }));
    let mut best = (grey, f32::INFINITY);
    for start in [grey, target, 0.5 * (grey + target)] {
        let (x, residual) = newton(mapper, target, start);
        if residual < best.1 {
            best = (x, residual);
        }
        if best.1 < 1e-6 {
            break;
        }
    }
    best.0
}

/// Damped Newton from `start` towards `mapper(x) = target`; the colour reached and its largest
/// channel residual.
fn newton(mapper: ToneMapper, target: Vec3, start: Vec3) -> (Vec3, f32) {
    let clamp = |x: Vec3| x.clamp(Vec3::ZERO, Vec3::splat(SHAPER_MAX));
    let mut x = clamp(start);
    let mut residual = mapper.apply(x) - target;
    for _ in 0..60 {
        if residual.abs().max_element() < 1e-7 {
            break;
        }
        let step = |c: usize| {
            let h = (x[c].abs() * 1e-3).max(1e-6);
            let mut dx = Vec3::ZERO;
            dx[c] = h;
            (mapper.apply(x + dx) - mapper.apply(x)) / h
        };
        let jacobian = Mat3::from_cols(step(0), step(1), step(2));
        let delta = if jacobian.determinant().abs() > 1e-12 {
            jacobian.inverse() * residual
        } else {
            // A clipped channel: step per channel where the slope is usable.
            Vec3::from_array(std::array::from_fn(|c| {
                let d = jacobian.col(c)[c];
                if d.abs() > 1e-9 { residual[c] / d } else { 0.0 }
            }))
        };
        // Halve the step until the residual shrinks (or give up).
        let mut improved = false;
        let mut scale = 1.0;
        for _ in 0..20 {
            let candidate = clamp(x - delta * scale);
            let r = mapper.apply(candidate) - target;
            if r.abs().max_element() < residual.abs().max_element() {
                (x, residual, improved) = (candidate, r, true);
                break;
            }
            scale *= 0.5;
        }
        if !improved {
            break;
        }
    }
    (x, residual.abs().max_element())
}

/// The whole grade as a `size`³ `.cube` over `encoding` (see the module docs); `size` clamped
/// into `2..=65` with a warning, `grade` through [`GradeSettings::validated`].
pub fn export_cube_encoded(
    grade: &GradeSettings,
    mapper: ToneMapper,
    user_lut: Option<&UserLut>,
    size: u32,
    encoding: ExportEncoding,
) -> Result<CubeLut, LutError> {
    let base = export_cube(grade, mapper, user_lut, size);
    let log = match encoding {
        ExportEncoding::AfterlightLog2 => return Ok(base),
        ExportEncoding::AcesCct => Some(CameraLog::AcesCct),
        ExportEncoding::LogC3 => Some(CameraLog::LogC3),
        ExportEncoding::SrgbDisplay => None,
    };
    let settings = grade.validated();
    let user_lut = user_lut.filter(|user| user.lut.validate().is_ok());
    let clamp = |x: Vec3| x.clamp(Vec3::ZERO, Vec3::splat(SHAPER_MAX));
    let mut lut = CubeLut::from_fn(base.size, Vec3::ZERO, Vec3::ONE, |t| {
        let scene = match log {
            Some(log) => clamp(log.decode(t)),
            None => invert_tone_mapper(mapper, t.map(srgb_decode).min(Vec3::ONE)),
        };
        baked_value(&settings, mapper, user_lut, scene)
    })?;
    let input = match encoding {
        ExportEncoding::AcesCct => vec![
            "INPUT: ACEScct code values (SMPTE/AMPAS S-2016-001), ACES AP1 primaries, ACES white;"
                .to_owned(),
            "  import in afterlight with [lut] space = \"acescct\"; in OCIO, from ACEScct.".into(),
        ],
        ExportEncoding::LogC3 => vec![
            "INPUT: ARRI LogC3 (EI 800) code values, ARRI Wide Gamut 3 primaries, D65;".to_owned(),
            "  import in afterlight with [lut] space = \"logc3\".".into(),
        ],
        _ => vec![
            format!(
                "INPUT: sRGB-encoded display (IEC 61966-2-1), Rec.709, D65: the image afterlight \
                 shows with the neutral grade and tone mapper {mapper};"
            ),
            "  import in afterlight with [lut] space = \"display\" and the same tone mapper."
                .into(),
        ],
    };
    let output_at = base.comments.iter().position(|c| c.starts_with("OUTPUT:")).unwrap_or(0);
    lut.title = base.title;
    lut.comments = base.comments[..2.min(base.comments.len())].to_vec();
    lut.comments.push(String::new());
    lut.comments.extend(input);
    lut.comments
        .push("  Lattice point i of each axis is the code value i / (LUT_3D_SIZE - 1).".into());
    lut.comments.push(String::new());
    lut.comments.extend(base.comments[output_at..].iter().cloned());
    Ok(lut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_mapper_inverse_round_trips_below_the_clip() {
        for mapper in ToneMapper::ALL {
            for x in [Vec3::splat(0.18), Vec3::new(0.9, 0.3, 0.05), Vec3::new(0.05, 0.1, 0.6)] {
                let y = mapper.apply(x);
                if y.min_element() < 1e-3 {
                    continue; // clipped at black: many colours map there
                }
                let back = invert_tone_mapper(mapper, y);
                let err = (mapper.apply(back) - y).abs().max_element();
                assert!(err < 1e-5, "{mapper}: {x} -> {y} -> {back} ({err})");
            }
        }
        assert_eq!("logc3".parse(), Ok(ExportEncoding::LogC3));
        assert!("rec2020".parse::<ExportEncoding>().unwrap_err().contains("srgb-display"));
        // Nothing the Clamp mapper clips comes back: 1 is the closest.
        assert_eq!(invert_tone_mapper(ToneMapper::Clamp, Vec3::ONE), Vec3::ONE);
    }
}

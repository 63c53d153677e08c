//! The grade export over a standard input encoding: the whole grade (grade, tone mapper, user
//! LUT) as a `.cube` whose input is ACEScct, ARRI LogC3, sRGB-encoded display or afterlight's
//! own log2 shaper, so that grading tools can feed it. `docs/lut-export.md` is the user's side
//! of this, with the round-trip accuracy of each encoding.
//!
//! Every entry is [`baked_value`] (sRGB-encoded display) of a scene-linear Rec.709 colour:
//!
//! - [`ExportEncoding::AfterlightLog2`]: [`export_cube`], unchanged (the default): a 3D
//!   `.cube` over afterlight's shaper, at [`EXPORT_SIZE`] = 64 the finish's own LUT exactly.
//! - [`ExportEncoding::AcesCct`], [`ExportEncoding::LogC3`]: Resolve's combined form, a
//!   per-channel 1D shaper ([`SHAPER_1D_SIZE`] entries over code values 0..1) and a 3D stage.
//!   The 1D stage takes a code value to afterlight's [`shaper`] of the camera-gamut linear
//!   value it encodes, so the 3D lattice is spaced per channel like the finish's LUT (a linear
//!   toe below `2^-10`, then even steps in stops up to 64) instead of by the camera curve
//!   (ACEScct's toe starts at `2^-7`, and a third of LogC3's code range lies below 0.01), and
//!   at 64³ its grey axis lies on the finish's 64³ lattice. 3D lattice point `u` holds the
//!   grade of the Rec.709 colour of the camera-linear `shaper_inverse(u)`; where that colour
//!   is outside `[0, 64]³` (a camera-gamut colour outside Rec.709) the grade is continued by
//!   odd reflection through the boundary ([`extended`]) rather than clamped to it, so
//!   trilinear interpolation across the edge of the working gamut does not cut a kink. Loaded back in
//!   the matching `[lut] space` with the neutral grade, the file reproduces the grade.
//! - [`ExportEncoding::SrgbDisplay`]: the sRGB-encoded *display* image afterlight shows with
//!   the neutral grade and the same tone mapper, also with a 1D shaper: code value `v` goes to
//!   [`shaper`] of the grey whose mapped channel is `srgb_decode(v)` ([`grey_inverse`]), and
//!   3D lattice point `u` holds the grade of the colour the tone mapper takes to the display
//!   colour whose channel `c` is the mapped grey `shaper_inverse(u_c)`
//!   ([`invert_tone_mapper`]); a display colour the mapper does not reach holds the odd
//!   reflection through the closest one it does, as [`extended`] does at the edge of the
//!   working range. Loaded back in the `display` space with the same tone mapper,
//!   the file reproduces the grade for colours the tone mapper does not clip (what it clips,
//!   e.g. the Clamp mapper above 1, is lost).
//!
//! # Accuracy
//! Measured by `tests/integration/grade_export.rs` (`export_over_each_input_encoding_round_
//! trips`): the original image and the re-imported one, both the finish's 64³ LUT, over a grey
//! ramp and saturated Rec.709 primaries and secondaries. At 64³ the afterlight-log2 export is
//! exact. The shaped exports keep the grey ramp within one 8-bit code for smooth tone curves,
//! but not the saturated colours: their dark channels sit on Rec.709's faces, which the
//! finish's lattice resolves in steps of `1.7e-4` near 0 while a camera-gamut (or display)
//! lattice crosses them obliquely, in cells spanning about ±0.06 of the dark Rec.709 channel
//! at a 0.5 secondary; the sRGB-encoded output curves by tens of codes across such a cell (and
//! the grade clamps at 0 and the tone mappers clip inside it), which trilinear interpolation
//! at ≤ 65³ cannot follow. See `docs/lut-export.md` for the numbers.

use glam::{Mat3, Vec3};

use super::camera_log::CameraLog;
use super::colour_lut::ColourLut;
use super::grade::GradeSettings;
use super::grade_bake::{
    SHAPER_MAX, SHAPER_RANGE_LOG2, UserLut, baked_value, export_cube, shaper, shaper_inverse,
    srgb_decode,
};
use super::lut::{CubeLut, LutError};
use super::lut_1d::Lut1d;
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
    let grey = grey_inverse(mapper, target);
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

/// Per channel, the grey in `[0, 64]` whose mapped channel equals `target`'s (bisection along
/// the grey axis, 40 steps); 64 where the mapper never reaches the target, 0 where it is 0.
pub fn grey_inverse(mapper: ToneMapper, target: Vec3) -> Vec3 {
    Vec3::from_array(std::array::from_fn(|c| {
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
    }))
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

/// The export's default 3D size (`afterlight lut export --size`): the finish's LUT size at
/// High and Ultra ([`super::grade_bake::LUT_SIZES`]), so that an afterlight-log2 export is that
/// LUT exactly and the shaped exports put their grey axis on its lattice.
pub const EXPORT_SIZE: u32 = 64;

/// Entries of the 1D shaper stage of a camera log export (see the module docs): enough that
/// its linear interpolation moves a 3D lattice coordinate by under `2^-16`.
pub const SHAPER_1D_SIZE: u32 = 4096;

/// An exported grade LUT: a 3D `.cube`, or for the camera log encodings Resolve's combined
/// form (a per-channel 1D shaper, then the 3D stage; `LUT_1D_SIZE` + `LUT_3D_SIZE` with
/// `LUT_1D_INPUT_RANGE` / `LUT_3D_INPUT_RANGE` 0 1). The title and header comments are the
/// 3D stage's.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedExport {
    /// The 1D shaper stage, applied first (camera log encodings only).
    pub shaper: Option<Lut1d>,
    /// The 3D stage, with the file's title and comments.
    pub cube: CubeLut,
}

impl EncodedExport {
    /// The `.cube` text: [`CubeLut::to_cube_string`] without a shaper; with one, the same
    /// title and comments, then `LUT_1D_SIZE`, `LUT_1D_INPUT_RANGE 0 1`, `LUT_3D_SIZE`,
    /// `LUT_3D_INPUT_RANGE 0 1`, the 1D lines and the 3D lines (shortest round-trip decimals,
    /// so [`ColourLut::parse_cube`] reads back the same entries bit for bit).
    pub fn to_cube_string(&self) -> String {
        use std::fmt::Write as _;
        let text = self.cube.to_cube_string();
        let Some(shaper) = &self.shaper else { return text };
        // The 3D writer's header (title, `#` comments) ends at its `LUT_3D_SIZE` line, and the
        // domain is the default, so no `DOMAIN_*` follows: keep what comes before.
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            if line.starts_with("LUT_3D_SIZE ") {
                break;
            }
            at += line.len();
        }
        let mut out = String::with_capacity(text.len() + shaper.data.len() * 30 + 128);
        out.push_str(&text[..at]);
        // `write!` to a String cannot fail.
        let _ = writeln!(out, "LUT_1D_SIZE {}", shaper.data.len());
        let _ = writeln!(out, "LUT_1D_INPUT_RANGE 0 1");
        let _ = writeln!(out, "LUT_3D_SIZE {}", self.cube.size);
        let _ = writeln!(out, "LUT_3D_INPUT_RANGE 0 1");
        out.push('\n');
        for v in &shaper.data {
            let _ = writeln!(out, "{} {} {}", v.x, v.y, v.z);
        }
        for v in &self.cube.data {
            let _ = writeln!(out, "{} {} {}", v.x, v.y, v.z);
        }
        out
    }

    /// Writes [`EncodedExport::to_cube_string`] to `path`.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<(), LutError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_cube_string())
            .map_err(|source| LutError::Io { path: path.to_path_buf(), source })
    }

    /// The LUT as afterlight applies it (both stages).
    pub fn to_colour_lut(&self) -> ColourLut {
        ColourLut { shaper: self.shaper.clone(), ..ColourLut::from(self.cube.clone()) }
    }
}

/// `value` (a function of scene-linear Rec.709 defined on `[0, 64]³`) at `y`, continued past
/// that range by odd reflection through the clamped point `c`: `2·value(c) − value(2c − y)`
/// (the mirror point clamped into the range). Inside the range it is `value(y)` itself. The
/// continuation meets `value` with the same slope at the boundary and follows its curvature
/// mirrored, so lattice points of another gamut outside the working colours hold a smooth
/// continuation of the grade instead of its value at the boundary, and trilinear
/// interpolation across the boundary neither cuts a kink (clamping) nor overshoots where the
/// sRGB-encoded output rises like a root from a dark channel at 0 (a continuation along the
/// boundary slope, which is steep there).
pub fn extended(value: impl Fn(Vec3) -> Vec3, y: Vec3) -> Vec3 {
    let c = y.clamp(Vec3::ZERO, Vec3::splat(SHAPER_MAX));
    if c == y {
        return value(y);
    }
    let mirrored = (2.0 * c - y).clamp(Vec3::ZERO, Vec3::splat(SHAPER_MAX));
    2.0 * value(c) - value(mirrored)
}

/// The whole grade over `encoding` (see the module docs); the 3D `size` clamped into `2..=65`
/// with a warning, `grade` through [`GradeSettings::validated`].
pub fn export_cube_encoded(
    grade: &GradeSettings,
    mapper: ToneMapper,
    user_lut: Option<&UserLut>,
    size: u32,
    encoding: ExportEncoding,
) -> Result<EncodedExport, LutError> {
    let base = export_cube(grade, mapper, user_lut, size);
    let log = match encoding {
        ExportEncoding::AfterlightLog2 => return Ok(EncodedExport { shaper: None, cube: base }),
        ExportEncoding::AcesCct => Some(CameraLog::AcesCct),
        ExportEncoding::LogC3 => Some(CameraLog::LogC3),
        ExportEncoding::SrgbDisplay => None,
    };
    let settings = grade.validated();
    let user_lut = user_lut.filter(|user| user.lut.validate().is_ok());
    let value = |x: Vec3| baked_value(&settings, mapper, user_lut, x);
    let (shaper_stage, mut lut) = match log {
        Some(log) => {
            let n = SHAPER_1D_SIZE;
            let data = (0..n)
                .map(|i| {
                    let code = i as f32 / (n - 1) as f32;
                    Vec3::splat(shaper(log.decode_channel(f64::from(code)) as f32))
                })
                .collect();
            let stage = Lut1d { domain_min: Vec3::ZERO, domain_max: Vec3::ONE, data };
            let cube = CubeLut::from_fn(base.size, Vec3::ZERO, Vec3::ONE, |t| {
                let camera = t.map(shaper_inverse);
                let code = camera.map(|x| log.encode_channel(f64::from(x)) as f32);
                extended(value, log.decode(code))
            })?;
            (Some(stage), cube)
        }
        None => {
            let n = SHAPER_1D_SIZE;
            let data = (0..n)
                .map(|i| {
                    let code = i as f32 / (n - 1) as f32;
                    grey_inverse(mapper, Vec3::splat(srgb_decode(code))).map(shaper)
                })
                .collect();
            let stage = Lut1d { domain_min: Vec3::ZERO, domain_max: Vec3::ONE, data };
            let cube = CubeLut::from_fn(base.size, Vec3::ZERO, Vec3::ONE, |t| {
                // The display colour of lattice point t: per channel, the mapped grey there.
                let grey = t.map(shaper_inverse);
                let display = Vec3::from_array(std::array::from_fn(|c| {
                    mapper.apply(Vec3::splat(grey[c]))[c]
                }));
                let x = invert_tone_mapper(mapper, display);
                let reached = mapper.apply(x);
                if (reached - display).abs().max_element() < 1e-5 {
                    return value(x);
                }
                // A display colour the mapper does not reach (from a scene colour in
                // [0, 64]³): as `extended`, the odd reflection through the closest one it
                // reaches, so interpolation across the edge of its reach stays smooth.
                let mirrored = (2.0 * reached - display).clamp(Vec3::ZERO, Vec3::ONE);
                2.0 * value(x) - value(invert_tone_mapper(mapper, mirrored))
            })?;
            (Some(stage), cube)
        }
    };
    let range = f64::from(SHAPER_RANGE_LOG2);
    let camera_lattice = |gamut: &str| {
        vec![
            format!(
                "  Resolve's 1D shaper + 3D form: the {n}-entry 1D stage takes each code value v \
                 to",
                n = SHAPER_1D_SIZE
            ),
            format!(
                "  t = log2(1 + x * 1024) / {range:.9}, x = the {gamut} linear value of v \
                 (x clamped to [0, 64]),"
            ),
            "  afterlight's own shaper, so the 3D lattice is spaced per channel as the finish's \
             LUT"
            .to_owned(),
            "  (a 64^3 export puts the grey axis on the finish's 64^3 lattice exactly). 3D \
             lattice"
                .to_owned(),
            format!(
                "  point i of each axis is x = (2^(i / (LUT_3D_SIZE - 1) * {range:.9}) - 1) / 1024."
            ),
            "  Lattice points whose colour lies outside afterlight's working range (a Rec.709 \
             channel"
                .to_owned(),
            "  below 0 or above 64) hold the grade continued smoothly past that range's \
             boundary"
                .to_owned(),
            "  (odd reflection: 2 f(boundary point) - f(mirror point)).".to_owned(),
        ]
    };
    let input = match encoding {
        ExportEncoding::AcesCct => {
            let mut lines = vec![
                "INPUT: ACEScct code values (SMPTE/AMPAS S-2016-001), ACES AP1 primaries, ACES \
                 white;"
                    .to_owned(),
                "  import in afterlight with [lut] space = \"acescct\"; in OCIO, from ACEScct."
                    .into(),
            ];
            lines.extend(camera_lattice("AP1"));
            lines
        }
        ExportEncoding::LogC3 => {
            let mut lines = vec![
                "INPUT: ARRI LogC3 (EI 800) code values, ARRI Wide Gamut 3 primaries, D65;"
                    .to_owned(),
                "  import in afterlight with [lut] space = \"logc3\".".into(),
            ];
            lines.extend(camera_lattice("ARRI Wide Gamut 3"));
            lines
        }
        _ => vec![
            format!(
                "INPUT: sRGB-encoded display (IEC 61966-2-1), Rec.709, D65: the image afterlight \
                 shows with the neutral grade and tone mapper {mapper};"
            ),
            "  import in afterlight with [lut] space = \"display\" and the same tone mapper."
                .into(),
            format!(
                "  Resolve's 1D shaper + 3D form: the {SHAPER_1D_SIZE}-entry 1D stage takes each \
                 code value v to"
            ),
            format!(
                "  t = log2(1 + x * 1024) / {range:.9}, x = the grey that {mapper} maps to \
                 the display"
            ),
            "  value of v in that channel (x clamped to [0, 64]): the 3D lattice is spaced per \
             channel"
                .into(),
            "  as the finish's LUT, and a 64^3 export puts its grey axis on that LUT's lattice."
                .into(),
            "  What the tone mapper clips (display 0 or 1) cannot be inverted and is not \
             reproduced."
                .into(),
        ],
    };
    let output_at = base.comments.iter().position(|c| c.starts_with("OUTPUT:")).unwrap_or(0);
    lut.title = base.title;
    lut.comments = base.comments[..2.min(base.comments.len())].to_vec();
    lut.comments.push(String::new());
    lut.comments.extend(input);
    lut.comments.push(String::new());
    lut.comments.extend(base.comments[output_at..].iter().cloned());
    lut.comments.push(
        "  Entries outside [0, 1] also hold the grade continued past what afterlight grades \
         (above),"
            .into(),
    );
    lut.comments.push("  likewise clipped after interpolating.".into());
    Ok(EncodedExport { shaper: shaper_stage, cube: lut })
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

    /// The shaped exports write Resolve's combined form, which parses back to the same stages
    /// bit for bit; afterlight-log2 stays a 3D-only file.
    #[test]
    fn shaped_exports_write_both_stages_and_parse_back() {
        let grade = GradeSettings::WARM_PRODUCT;
        let plain =
            export_cube_encoded(&grade, ToneMapper::AgX, None, 5, ExportEncoding::default())
                .unwrap();
        assert!(plain.shaper.is_none() && !plain.to_cube_string().contains("LUT_1D_SIZE"));
        for encoding in
            [ExportEncoding::AcesCct, ExportEncoding::LogC3, ExportEncoding::SrgbDisplay]
        {
            let lut = export_cube_encoded(&grade, ToneMapper::AgX, None, 5, encoding).unwrap();
            let text = lut.to_cube_string();
            for needle in ["LUT_1D_SIZE 4096\n", "LUT_1D_INPUT_RANGE 0 1\n", "LUT_3D_SIZE 5\n"] {
                assert!(text.contains(needle), "{encoding:?} lacks {needle:?}");
            }
            let file = crate::post::lut_cube_file::parse_cube_file(&text, None).unwrap();
            assert_eq!(file.title, lut.cube.title);
            assert_eq!(file.comments, lut.cube.comments);
            assert_eq!(file.shaper.as_ref(), lut.shaper.as_ref());
            assert_eq!(file.cube.as_ref().map(|c| &c.data), Some(&lut.cube.data));
            // The shaper is monotone and spans the 3D stage's input.
            let stage = lut.shaper.as_ref().unwrap();
            assert!(stage.data.windows(2).all(|w| w[1].cmpge(w[0]).all()), "{encoding:?}");
            assert!(
                stage.data.iter().all(|v| v.cmpge(Vec3::ZERO).all() && v.cmple(Vec3::ONE).all())
            );
        }
        // Past the working range the grade continues by odd reflection: exact for an affine map.
        let line = |x: Vec3| 2.0 * x + Vec3::ONE;
        let at = extended(
            |x| line(x.clamp(Vec3::ZERO, Vec3::splat(SHAPER_MAX))),
            Vec3::new(-1.0, 0.5, 70.0),
        );
        assert!((at - line(Vec3::new(-1.0, 0.5, 70.0))).abs().max_element() < 1e-2, "{at}");
    }
}

//! The display the finish encodes for (`[display]` in a preset): SDR (8-bit sRGB, the default),
//! or an HDR display through **PQ** (SMPTE ST 2084 / BT.2100, BT.2020 primaries) or **scRGB**
//! (linear Rec.709 primaries, 1.0 = 80 nits, as Windows and wgpu's extended-sRGB-linear surfaces
//! take it).
//!
//! **The HDR tone curve.** Display light is measured against paper white: the SDR image's 1.0
//! (the brightest an SDR display shows) is `paper_white_nits`. Every mapper's SDR curve is kept
//! as it is, and highlights go above paper white, towards `peak_nits`, by an extension added
//! per channel on the graded scene-linear value `x`:
//!
//! `y = sdr(x) + (m − 1) · h(x − 1)`, `h(u) = (u / (u + m − 1))²` for `u > 0`, else 0,
//!
//! with `m = peak / paper white` and `sdr(x)` the SDR display-linear value (grade, tone mapper
//! and user LUT, exactly what the SDR LUT holds). So everything at or below scene-linear 1
//! shows as in SDR, scaled to paper white; `h` starts flat (the curve stays smooth at 1), is
//! monotone and tends to 1, so `y` rises towards `m` and never passes it (the peak is never
//! exceeded); a highlight at scene-linear `m` gets a quarter of the headroom. Per mapper:
//! - **clamp**: `y = min(x, m)`, no curve: scene-linear 1 is paper white, and light clips at
//!   the peak instead of at paper white;
//! - **every other mapper** (Khronos PBR Neutral, AgX and its looks, ACES, Reinhard, Hable):
//!   its SDR curve plus the extension above. PBR Neutral's identity below 0.76 and AgX's and
//!   ACES's toes are untouched; their shoulders now end at paper white plus the extension.
//!
//! Grading and user LUTs apply as in SDR (they are in `sdr(x)`); a `display` or `scene_log` LUT
//! therefore shapes the image up to paper white, and the extension adds the highlights above it.
//!
//! **Encoding.** The finish's LUT holds PQ code values of BT.2020 light in nits (PQ spends its
//! codes perceptually, like sRGB, so trilinear interpolation stays within a code); the display
//! passes (FXAA, sharpen, user passes) work on those PQ values in an Rgba16Float image, and the
//! last step writes the target: PQ as it is, scRGB decoded to linear, converted back to
//! Rec.709 primaries and divided by 80 nits ([`super::composite`]).

use glam::{Mat3, Vec3};
use serde::{Deserialize, Serialize};

use super::clamp_setting;
use super::schema::{Control, Setting, float, setting};

/// What the finish encodes for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DisplayEncoding {
    /// 8-bit sRGB (IEC 61966-2-1): every SDR display; the default.
    #[default]
    Sdr,
    /// SMPTE ST 2084 (PQ) on BT.2020 primaries, as BT.2100 HDR10 displays take it.
    Pq,
    /// Linear Rec.709 primaries, 1.0 = 80 nits, values above 1 for HDR.
    #[serde(rename = "scrgb")]
    ScRgb,
}

impl DisplayEncoding {
    /// The name as presets and the command line spell it.
    pub fn name(self) -> &'static str {
        match self {
            DisplayEncoding::Sdr => "sdr",
            DisplayEncoding::Pq => "pq",
            DisplayEncoding::ScRgb => "scrgb",
        }
    }

    /// Whether it is an HDR encoding.
    pub fn is_hdr(self) -> bool {
        self != DisplayEncoding::Sdr
    }

    /// The format of the chain's display images (the finish's output and the display passes'):
    /// 8-bit sRGB, or PQ code values in Rgba16Float for both HDR encodings.
    pub fn chain_format(self) -> wgpu::TextureFormat {
        match self {
            DisplayEncoding::Sdr => DISPLAY_FORMAT,
            DisplayEncoding::Pq | DisplayEncoding::ScRgb => HDR_DISPLAY_FORMAT,
        }
    }
}

impl std::str::FromStr for DisplayEncoding {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "sdr" => Ok(DisplayEncoding::Sdr),
            "pq" => Ok(DisplayEncoding::Pq),
            "scrgb" => Ok(DisplayEncoding::ScRgb),
            other => Err(format!("output encoding {other:?}: expected sdr, pq or scrgb")),
        }
    }
}

/// Format of the finished 8-bit image: SDR output (8-bit sRGB, the hardware encodes on store).
pub const DISPLAY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

/// Whether a target of `format` can hold `encoding`'s values: float formats for every
/// encoding, 10-bit unorm for PQ, 8-bit only for SDR.
pub fn takes_hdr(format: wgpu::TextureFormat, encoding: DisplayEncoding) -> bool {
    use wgpu::TextureFormat as F;
    match encoding {
        DisplayEncoding::Sdr => true,
        DisplayEncoding::Pq => matches!(format, F::Rgba16Float | F::Rgba32Float | F::Rgb10a2Unorm),
        DisplayEncoding::ScRgb => matches!(format, F::Rgba16Float | F::Rgba32Float),
    }
}

/// The format of the chain's display images with an HDR encoding (PQ code values).
pub const HDR_DISPLAY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The `[display]` table of a preset.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisplaySettings {
    /// `sdr` (default), `pq` or `scrgb`.
    pub encoding: DisplayEncoding,
    /// The luminance of SDR white on the HDR display, nits: 80..=1000, default 203 (BT.2408's
    /// reference white).
    pub paper_white_nits: f32,
    /// The display's peak luminance, nits: paper white..=10000, default 1000.
    pub peak_nits: f32,
}

impl Default for DisplaySettings {
    fn default() -> Self {
        Self { encoding: DisplayEncoding::Sdr, paper_white_nits: 203.0, peak_nits: 1000.0 }
    }
}

impl DisplaySettings {
    /// What a report says of the output: the encoding, the display image's format and, in
    /// HDR, the paper white and peak.
    pub fn describe(&self) -> String {
        let format = self.encoding.chain_format();
        match self.encoding {
            DisplayEncoding::Sdr => format!("sdr (8-bit sRGB, {format:?})"),
            DisplayEncoding::Pq => format!(
                "pq (BT.2100 PQ code values in {format:?}; paper white {} nits, peak {} nits)",
                self.paper_white_nits, self.peak_nits
            ),
            DisplayEncoding::ScRgb => format!(
                "scrgb (linear Rec.709, 1.0 = 80 nits, {format:?}; paper white {} nits, peak {} \
                 nits)",
                self.paper_white_nits, self.peak_nits
            ),
        }
    }

    /// PQ output at the defaults (203 nits paper white, 1000 nits peak).
    pub const PQ: Self =
        Self { encoding: DisplayEncoding::Pq, paper_white_nits: 203.0, peak_nits: 1000.0 };

    /// A copy with every value in its range (NaN: the default), one warning per change.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut w = Vec::new();
        let d = Self::default();
        let paper = clamp_setting(
            &mut w,
            "display.paper_white_nits",
            self.paper_white_nits,
            80.0,
            1000.0,
            d.paper_white_nits,
        );
        let peak = clamp_setting(
            &mut w,
            "display.peak_nits",
            self.peak_nits,
            paper,
            10000.0,
            d.peak_nits.max(paper),
        );
        (Self { encoding: self.encoding, paper_white_nits: paper, peak_nits: peak }, w)
    }

    /// The headroom `m`: peak over paper white (at least 1).
    pub fn headroom(&self) -> f32 {
        (self.peak_nits / self.paper_white_nits).max(1.0)
    }
}

/// The `[display]` keys as presets and the viewer's panel see them.
pub const SETTINGS: &[Setting] = &[
    setting(
        "display.encoding",
        Control::Choice(&["sdr", "pq", "scrgb"]),
        "What the finish encodes for: sdr (8-bit sRGB, default), pq (BT.2100 HDR10) or scrgb \
         (linear, 1.0 = 80 nits). HDR needs a target that takes it (Rgba16Float; the viewer's \
         HDR surface).",
    ),
    setting(
        "display.paper_white_nits",
        float(80.0, 1000.0, 1.0),
        "Luminance of SDR white on an HDR display, nits, default 203 (BT.2408).",
    ),
    setting(
        "display.peak_nits",
        float(80.0, 10000.0, 10.0),
        "The HDR display's peak luminance, nits, default 1000: highlights approach it and never \
         pass it.",
    ),
];

/// SMPTE ST 2084's constants.
const PQ_M1: f32 = 2610.0 / 16384.0;
const PQ_M2: f32 = 2523.0 / 4096.0 * 128.0;
const PQ_C1: f32 = 3424.0 / 4096.0;
const PQ_C2: f32 = 2413.0 / 4096.0 * 32.0;
const PQ_C3: f32 = 2392.0 / 4096.0 * 32.0;

/// The PQ code value (0..=1) of `nits` (SMPTE ST 2084 inverse EOTF; 10000 nits is 1).
pub fn pq_encode(nits: f32) -> f32 {
    let y = (nits / 10000.0).clamp(0.0, 1.0);
    let p = y.powf(PQ_M1);
    ((PQ_C1 + PQ_C2 * p) / (1.0 + PQ_C3 * p)).powf(PQ_M2)
}

/// The nits of the PQ code value `code` (SMPTE ST 2084 EOTF).
pub fn pq_decode(code: f32) -> f32 {
    let e = code.clamp(0.0, 1.0).powf(1.0 / PQ_M2);
    10000.0 * ((e - PQ_C1).max(0.0) / (PQ_C2 - PQ_C3 * e)).powf(1.0 / PQ_M1)
}

/// Linear Rec.709 to linear BT.2020 (BT.2087), columns as glam stores them.
pub const REC709_TO_BT2020: Mat3 = Mat3::from_cols(
    Vec3::new(0.627_404, 0.069_097, 0.016_391),
    Vec3::new(0.329_283, 0.919_541, 0.088_013),
    Vec3::new(0.043_313, 0.011_362, 0.895_595),
);

/// The HDR extension's `h(u)` for headroom `m` (see the module documentation).
fn highlight(u: f32, m: f32) -> f32 {
    if u <= 0.0 || m <= 1.0 {
        return 0.0;
    }
    let t = u / (u + m - 1.0);
    t * t
}

/// Display light relative to paper white (Rec.709 primaries, 0..=m) of a pixel whose SDR
/// display-linear value is `sdr` and whose graded scene-linear value is `graded`, with
/// `clamp` for the Clamp mapper (see the module documentation).
pub fn hdr_display_linear(sdr: Vec3, graded: Vec3, clamp: bool, m: f32) -> Vec3 {
    let y = if clamp {
        graded.min(Vec3::splat(m))
    } else {
        sdr + (m - 1.0) * graded.map(|x| highlight(x - 1.0, m))
    };
    y.clamp(Vec3::ZERO, Vec3::splat(m))
}

/// The PQ code values (BT.2020) of display light `relative` to paper white (Rec.709).
pub fn pq_of_display_linear(relative: Vec3, paper_white_nits: f32) -> Vec3 {
    let bt2020 = (REC709_TO_BT2020 * relative).max(Vec3::ZERO);
    (bt2020 * paper_white_nits).map(pq_encode)
}

/// Write PQ code values (RGBA f32, alpha dropped) as a 16-bit RGB PNG with a cICP chunk:
/// primaries 9 (BT.2020), transfer 16 (SMPTE ST 2084), matrix 0 (RGB), full range.
pub fn save_pq_png(
    path: &std::path::Path,
    width: u32,
    height: u32,
    pixels: &[[f32; 4]],
) -> Result<(), crate::Error> {
    let output_error = |reason: String| crate::Error::Output { path: path.into(), reason };
    let file = std::fs::File::create(path).map_err(|e| output_error(e.to_string()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Sixteen);
    let mut writer = encoder.write_header().map_err(|e| output_error(e.to_string()))?;
    writer
        .write_chunk(png::chunk::ChunkType(*b"cICP"), &[9, 16, 0, 1])
        .map_err(|e| output_error(e.to_string()))?;
    let code = |v: f32| ((v.clamp(0.0, 1.0) * 65535.0).round() as u16).to_be_bytes();
    let data: Vec<u8> =
        pixels.iter().flat_map(|p| [code(p[0]), code(p[1]), code(p[2])]).flatten().collect();
    writer.write_image_data(&data).map_err(|e| output_error(e.to_string()))?;
    writer.finish().map_err(|e| output_error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ST 2084's published points: 0 → 0, 100 nits → 0.5081, 1000 → 0.7518, 10000 → 1 (to
    /// four decimals), BT.2408's reference white (203 nits) at 58 % PQ, and decode inverts
    /// encode.
    #[test]
    fn pq_matches_st_2084() {
        assert!((pq_encode(203.0) - 0.58).abs() < 1e-3, "{}", pq_encode(203.0));
        let cases = [(0.0, 0.0), (100.0, 0.5081), (1000.0, 0.7518), (10000.0, 1.0)];
        for (nits, code) in cases {
            let encoded = pq_encode(nits);
            assert!((encoded - code).abs() < 6e-5, "PQ({nits}) = {encoded}, want {code}");
        }
        for i in 0..=100 {
            let nits = 10000.0 * (i as f32 / 100.0).powi(3);
            let back = pq_decode(pq_encode(nits));
            assert!((back - nits).abs() <= 1e-3 * nits.max(1.0), "{nits} -> {back}");
        }
    }

    #[test]
    fn the_hdr_curve_keeps_sdr_below_one_and_never_passes_the_peak() {
        let m = 1000.0 / 203.0;
        let mut last = 0.0;
        for i in 0..2000 {
            let x = i as f32 * 0.05;
            let sdr = Vec3::splat(x / (1.0 + x));
            let y = hdr_display_linear(sdr, Vec3::splat(x), false, m).x;
            if x <= 1.0 {
                assert_eq!(y, sdr.x, "at {x}");
            }
            assert!(y >= last && y <= m, "at {x}: {y} (last {last}, peak {m})");
            last = y;
        }
        assert!(hdr_display_linear(Vec3::ONE, Vec3::splat(65504.0), false, m).x <= m);
        // Clamp: linear to the peak.
        assert_eq!(hdr_display_linear(Vec3::ONE, Vec3::splat(2.0), true, m).x, 2.0);
        assert_eq!(hdr_display_linear(Vec3::ONE, Vec3::splat(9.0), true, m).x, m);
    }

    #[test]
    fn bt2020_keeps_white_and_settings_stay_in_range() {
        let white = REC709_TO_BT2020 * Vec3::ONE;
        assert!((white - Vec3::ONE).abs().max_element() < 1e-4, "{white}");
        let (s, w) =
            DisplaySettings { paper_white_nits: 5000.0, peak_nits: 100.0, ..DisplaySettings::PQ }
                .validated();
        assert_eq!((s.paper_white_nits, s.peak_nits), (1000.0, 1000.0));
        assert_eq!(w.len(), 2, "{w:?}");
        let (s, _) =
            DisplaySettings { paper_white_nits: f32::NAN, ..DisplaySettings::PQ }.validated();
        assert_eq!(s.paper_white_nits, 203.0);
    }
}

//! Camera log encodings of scene-linear light, each with its gamut: what a LUT made for a
//! camera's log footage expects as input.
//!
//! | encoding        | gamut              | specification                                        |
//! |-----------------|--------------------|------------------------------------------------------|
//! | ARRI LogC3 EI800| ARRI Wide Gamut 3  | ARRI, "ALEXA Log C Curve – Usage in VFX" (EI 800)    |
//! | ARRI LogC4      | ARRI Wide Gamut 4  | ARRI, "LogC4 Logarithmic Color Space" specification  |
//! | Sony S-Log3     | S-Gamut3.Cine      | Sony, "Technical Summary for S-Gamut3.Cine/S-Log3"   |
//! | ACEScct         | ACES AP1           | SMPTE/AMPAS S-2016-001                               |
//!
//! [`CameraLog::encode`] takes afterlight's working colour (scene-linear Rec.709, D65) through
//! the primaries conversion of [`super::primaries`] to the camera gamut, then the encoding
//! function per channel, to code values in `[0, 1]` (normalised, full range).
//! [`CameraLog::decode`] is the inverse. Each function is the published one in f64, with the
//! published constants; its tests check the published reference values.

use std::sync::OnceLock;

use glam::{Mat3, Vec3};

use super::primaries::{
    AP1, ARRI_WIDE_GAMUT_3, ARRI_WIDE_GAMUT_4, Primaries, REC709, S_GAMUT3_CINE, conversion,
    to_mat3,
};

/// A camera log encoding and its gamut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CameraLog {
    /// ARRI LogC3 at EI 800, ARRI Wide Gamut 3.
    LogC3,
    /// ARRI LogC4, ARRI Wide Gamut 4.
    LogC4,
    /// Sony S-Log3, S-Gamut3.Cine.
    SLog3,
    /// ACEScct, AP1.
    AcesCct,
}

/// LogC3 EI 800 (ARRI): `c·log10(a·x + b) + d` above `cut`, `e·x + f` below.
mod logc3 {
    pub const CUT: f64 = 0.010591;
    pub const A: f64 = 5.555556;
    pub const B: f64 = 0.052272;
    pub const C: f64 = 0.247190;
    pub const D: f64 = 0.385537;
    pub const E: f64 = 5.367655;
    pub const F: f64 = 0.092809;
}

/// LogC4 (ARRI): the constants as the specification defines them.
mod logc4 {
    /// `(2^18 − 16) / 117.45`.
    pub fn a() -> f64 {
        (2f64.powi(18) - 16.0) / 117.45
    }
    /// `(1023 − 95) / 1023`.
    pub const B: f64 = (1023.0 - 95.0) / 1023.0;
    /// `95 / 1023`.
    pub const C: f64 = 95.0 / 1023.0;
    /// `7·ln 2 · 2^(7 − 14·c/b) / (a·b)`: the slope of the linear segment.
    pub fn s() -> f64 {
        7.0 * std::f64::consts::LN_2 * 2f64.powf(7.0 - 14.0 * C / B) / (a() * B)
    }
    /// `(2^(14·(−c/b) + 6) − 64) / a`: where the two segments meet (code value 0).
    pub fn t() -> f64 {
        (2f64.powf(14.0 * (-C / B) + 6.0) - 64.0) / a()
    }
}

/// S-Log3 (Sony), in 10-bit code values over 1023.
mod slog3 {
    pub const CUT: f64 = 0.011_25;
    pub const CUT_CODE: f64 = 171.210_294_692_9;
}

/// ACEScct (S-2016-001).
mod acescct {
    pub const CUT: f64 = 0.007_812_5;
    pub const A: f64 = 10.540_237_741_654_5;
    pub const B: f64 = 0.072_905_534_195_835_5;
    /// The code value at `CUT`.
    pub const CUT_CODE: f64 = 0.155_251_141_552_511;
}

impl CameraLog {
    /// Every encoding.
    pub const ALL: [CameraLog; 4] = [Self::LogC3, Self::LogC4, Self::SLog3, Self::AcesCct];

    /// The camera gamut the encoding is paired with.
    pub fn primaries(self) -> &'static Primaries {
        match self {
            Self::LogC3 => &ARRI_WIDE_GAMUT_3,
            Self::LogC4 => &ARRI_WIDE_GAMUT_4,
            Self::SLog3 => &S_GAMUT3_CINE,
            Self::AcesCct => &AP1,
        }
    }

    /// Scene-linear (in the camera gamut) to code value, per channel.
    pub fn encode_channel(self, x: f64) -> f64 {
        match self {
            Self::LogC3 => {
                use logc3::*;
                if x > CUT { C * (A * x + B).log10() + D } else { E * x + F }
            }
            Self::LogC4 => {
                use logc4::*;
                if x >= t() {
                    ((a() * x + 64.0).log2() - 6.0) / 14.0 * B + C
                } else {
                    (x - t()) / s()
                }
            }
            Self::SLog3 => {
                use slog3::*;
                if x >= CUT {
                    (420.0 + ((x + 0.01) / (0.18 + 0.01)).log10() * 261.5) / 1023.0
                } else {
                    (x * (CUT_CODE - 95.0) / CUT + 95.0) / 1023.0
                }
            }
            Self::AcesCct => {
                use acescct::*;
                if x <= CUT { A * x + B } else { (x.log2() + 9.72) / 17.52 }
            }
        }
    }

    /// Code value to scene-linear (in the camera gamut), per channel: the inverse of
    /// [`CameraLog::encode_channel`].
    pub fn decode_channel(self, v: f64) -> f64 {
        match self {
            Self::LogC3 => {
                use logc3::*;
                if v > E * CUT + F { (10f64.powf((v - D) / C) - B) / A } else { (v - F) / E }
            }
            Self::LogC4 => {
                use logc4::*;
                if v >= 0.0 {
                    (2f64.powf(14.0 * (v - C) / B + 6.0) - 64.0) / a()
                } else {
                    v * s() + t()
                }
            }
            Self::SLog3 => {
                use slog3::*;
                let code = v * 1023.0;
                if code >= CUT_CODE {
                    10f64.powf((code - 420.0) / 261.5) * (0.18 + 0.01) - 0.01
                } else {
                    (code - 95.0) * CUT / (CUT_CODE - 95.0)
                }
            }
            Self::AcesCct => {
                use acescct::*;
                if v <= CUT_CODE { (v - B) / A } else { (v * 17.52 - 9.72).exp2() }
            }
        }
    }

    /// afterlight's working colour (scene-linear Rec.709, D65) to this encoding's code values:
    /// the primaries conversion to the camera gamut, then [`CameraLog::encode_channel`].
    pub fn encode(self, working: Vec3) -> Vec3 {
        let camera = self.matrices().0 * working;
        camera.map(|x| self.encode_channel(f64::from(x)) as f32)
    }

    /// Code values to afterlight's working colour: [`CameraLog::decode_channel`], then the
    /// camera gamut back to Rec.709.
    pub fn decode(self, code: Vec3) -> Vec3 {
        let camera = code.map(|v| self.decode_channel(f64::from(v)) as f32);
        self.matrices().1 * camera
    }

    /// Rec.709 to the camera gamut and back, derived once per encoding.
    fn matrices(self) -> &'static (Mat3, Mat3) {
        static MATRICES: [OnceLock<(Mat3, Mat3)>; 4] = [const { OnceLock::new() }; 4];
        MATRICES[self as usize].get_or_init(|| {
            let p = self.primaries();
            (to_mat3(&conversion(&REC709, p)), to_mat3(&conversion(p, &REC709)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published reference points, to the digits the specifications give.
    #[test]
    fn published_reference_values() {
        let cases = [
            (CameraLog::LogC3, 0.18, 0.391007, 1e-6, "LogC3 EI800 18% grey"),
            (CameraLog::LogC3, 0.0, 0.092809, 1e-6, "LogC3 EI800 black (f)"),
            (CameraLog::LogC4, 0.18, 0.278396, 1e-6, "LogC4 18% grey"),
            (CameraLog::LogC4, 0.0, 95.0 / 1023.0, 1e-12, "LogC4 black = 95/1023"),
            (CameraLog::SLog3, 0.18, 420.0 / 1023.0, 1e-12, "S-Log3 18% grey = 420/1023"),
            (CameraLog::SLog3, 0.0, 95.0 / 1023.0, 1e-12, "S-Log3 black = 95/1023"),
            (CameraLog::AcesCct, 0.18, 0.4135884, 1e-7, "ACEScct 18% grey"),
            (CameraLog::AcesCct, 0.0078125, 0.155251141552511, 1e-12, "ACEScct cut"),
        ];
        for (log, x, want, tolerance, what) in cases {
            let got = log.encode_channel(x);
            println!("{what}: {got:.9} (specification {want:.9})");
            assert!((got - want).abs() < tolerance, "{what}: {got} vs {want}");
        }
    }

    /// Decode inverts encode over 2^-12..2^8 and at 0 and small negatives; each curve is
    /// continuous at its cut.
    #[test]
    fn decode_inverts_encode_and_cuts_are_continuous() {
        for log in CameraLog::ALL {
            for i in 0..=400 {
                let x = (-12.0 + 20.0 * f64::from(i) / 400.0).exp2();
                let back = log.decode_channel(log.encode_channel(x));
                assert!((back - x).abs() <= 1e-9 * x.max(1e-3), "{log:?} at {x}: {back}");
            }
            for x in [0.0, -0.001] {
                assert!((log.decode_channel(log.encode_channel(x)) - x).abs() < 1e-12);
            }
        }
        let around = |log: CameraLog, cut: f64| {
            (log.encode_channel(cut * (1.0 + 1e-12)) - log.encode_channel(cut * (1.0 - 1e-12)))
                .abs()
        };
        assert!(around(CameraLog::LogC3, logc3::CUT) < 1e-5, "LogC3's published cut is 6 digits");
        assert!(around(CameraLog::LogC4, logc4::t()) < 1e-9);
        assert!(around(CameraLog::SLog3, slog3::CUT) < 1e-9);
        assert!(around(CameraLog::AcesCct, acescct::CUT) < 1e-9);
    }

    /// Grey stays grey through the gamut conversion (all four gamuts share the working white
    /// after adaptation), and a colour round-trips through encode and decode.
    #[test]
    fn working_colours_round_trip() {
        for log in CameraLog::ALL {
            let grey = log.encode(Vec3::splat(0.18));
            let want = log.encode_channel(0.18) as f32;
            assert!((grey - Vec3::splat(want)).abs().max_element() < 1e-5, "{log:?}: {grey}");
            let colour = Vec3::new(0.7, 0.2, 0.05);
            let back = log.decode(log.encode(colour));
            assert!((back - colour).abs().max_element() < 1e-5, "{log:?}: {back}");
        }
    }
}

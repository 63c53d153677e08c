//! Temporal anti-aliasing: settings and the sub-pixel jitter sequence. The pass itself lands
//! with #5.

use glam::Vec2;
use serde::{Deserialize, Serialize};

use super::{Tier, clamp_setting};

/// How the reprojected history is kept near the current frame's neighbourhood.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaaClip {
    /// Clip towards the centre of the neighbourhood's mean ± γ·σ box in YCoCg (Salvi 2016).
    #[default]
    Variance,
    /// Clamp to the neighbourhood's min/max box in YCoCg (Karis 2014).
    Aabb,
}

/// TAA's knobs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaaSettings {
    /// Quality (see the pass's tier table). Default [`Tier::High`] when a preset names `[taa]`;
    /// the chain's default is off.
    pub tier: Tier,
    /// Length of the Halton(2,3) jitter sequence: 8 or 16, default 8.
    pub jitter_length: u32,
    /// Variance clipping or an AABB clamp. Default variance.
    pub clip: TaaClip,
    /// Width of the variance box in standard deviations (γ), `0.5..=2`, default 1.
    pub variance_gamma: f32,
    /// Weight of the current frame in a fully trusted pixel, `0.02..=0.5`, default 0.1; less
    /// trusted pixels (disoccluded, fast-moving, clipped) weigh the current frame more.
    pub blend: f32,
    /// When TAA's tier is off, anti-alias with FXAA instead (at FXAA's tier, or Low when FXAA
    /// is off). Default true, so a budget governor that drops TAA keeps edges smooth.
    pub fxaa_fallback: bool,
}

impl Default for TaaSettings {
    fn default() -> Self {
        Self::HIGH
    }
}

impl TaaSettings {
    /// The desktop default.
    pub const HIGH: Self = Self {
        tier: Tier::High,
        jitter_length: 8,
        clip: TaaClip::Variance,
        variance_gamma: 1.0,
        blend: 0.1,
        fxaa_fallback: true,
    };

    /// TAA off and no FXAA fallback: the chain's default.
    pub const OFF: Self = Self { tier: Tier::Off, fxaa_fallback: false, ..Self::HIGH };

    /// A copy with every value in its documented range; one warning per changed field, named
    /// `taa.<field>`.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let d = Self::HIGH;
        let mut w = Vec::new();
        let jitter_length = if matches!(self.jitter_length, 8 | 16) {
            self.jitter_length
        } else {
            w.push(format!("taa.jitter_length = {} is not 8 or 16; using 8", self.jitter_length));
            8
        };
        let settings = Self {
            jitter_length,
            variance_gamma: clamp_setting(
                &mut w,
                "taa.variance_gamma",
                self.variance_gamma,
                0.5,
                2.0,
                d.variance_gamma,
            ),
            blend: clamp_setting(&mut w, "taa.blend", self.blend, 0.02, 0.5, d.blend),
            ..*self
        };
        (settings, w)
    }
}

/// The radical inverse of `index` in `base` (the Halton sequence), in `[0, 1)`.
pub fn halton(mut index: u32, base: u32) -> f32 {
    let (mut result, mut fraction) = (0.0f32, 1.0f32);
    while index > 0 {
        fraction /= base as f32;
        result += fraction * (index % base) as f32;
        index /= base;
    }
    result
}

/// The sub-pixel offset of frame `frame_index`, in pixels within `[-0.5, 0.5)`: Halton(2,3)
/// from index 1, repeating every `length` frames.
pub fn jitter(frame_index: u64, length: u32) -> Vec2 {
    let i = (frame_index % u64::from(length.max(1))) as u32 + 1;
    Vec2::new(halton(i, 2), halton(i, 3)) - 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halton_matches_the_radical_inverse() {
        let base2: Vec<f32> = (1..=4).map(|i| halton(i, 2)).collect();
        assert_eq!(base2, [0.5, 0.25, 0.75, 0.125]);
        let base3: Vec<f32> = (1..=4).map(|i| halton(i, 3)).collect();
        let expected = [1.0 / 3.0, 2.0 / 3.0, 1.0 / 9.0, 4.0 / 9.0];
        for (a, b) in base3.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn jitter_repeats_and_averages_near_the_pixel_centre() {
        for length in [8, 16] {
            let offsets: Vec<Vec2> = (0..u64::from(length)).map(|f| jitter(f, length)).collect();
            assert_eq!(jitter(u64::from(length), length), offsets[0]);
            let mean = offsets.iter().sum::<Vec2>() / length as f32;
            assert!(mean.length() < 0.08, "mean offset {mean} for length {length}");
            assert!(offsets.iter().all(|o| o.abs().max_element() < 0.5));
            // Every offset distinct: the sequence covers the pixel.
            for (i, a) in offsets.iter().enumerate() {
                assert!(offsets[i + 1..].iter().all(|b| (*a - *b).length() > 1e-3));
            }
        }
    }

    #[test]
    fn validation_fixes_out_of_range_values() {
        let bad = TaaSettings { jitter_length: 5, blend: f32::NAN, ..TaaSettings::HIGH };
        let (fixed, warnings) = bad.validated();
        assert_eq!((fixed.jitter_length, fixed.blend), (8, 0.1));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }
}

//! A per-channel 1D LUT stage: `size` evenly spaced points over an input domain per channel,
//! each holding an output colour, sampled by linear interpolation per channel.
//!
//! This is the 1D stage of a [`ColourLut`](super::colour_lut::ColourLut): a whole 1D LUT
//! (`.cube` with `LUT_1D_SIZE` only, `.spi1d`), or the *shaper* DaVinci Resolve writes in front
//! of a 3D LUT. Channel `c` of the output depends only on channel `c` of the input: the input is
//! mapped from `[domain_min[c], domain_max[c]]` to `[0, size − 1]`, clamped there (NaN inputs
//! count as 0), and channel `c` of the two neighbouring entries is blended linearly.

use glam::Vec3;

use super::lut::LutError;

/// The smallest 1D LUT size accepted.
pub const MIN_SIZE_1D: u32 = 2;
/// The largest 1D LUT size accepted (the Adobe `.cube` specification's limit).
pub const MAX_SIZE_1D: u32 = 65536;

/// A per-channel 1D LUT.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut1d {
    /// The input value mapped to the first entry, per channel.
    pub domain_min: Vec3,
    /// The input value mapped to the last entry, per channel (`> domain_min`).
    pub domain_max: Vec3,
    /// The entries in input order (`2..=65536` of them for a valid LUT); channel `c` of entry
    /// `i` is the output of channel `c` at input `min + (max − min)·i/(len − 1)`.
    pub data: Vec<Vec3>,
}

impl Lut1d {
    /// Samples the stage at `rgb` (see the module docs). An invalid hand-built LUT (fewer than
    /// two entries) returns its first entry, or black.
    pub fn sample(&self, rgb: Vec3) -> Vec3 {
        let n = self.data.len();
        if n < 2 {
            return self.data.first().copied().unwrap_or(Vec3::ZERO);
        }
        let last = (n - 1) as f32;
        Vec3::from_array(std::array::from_fn(|c| {
            let input = if rgb[c].is_nan() { 0.0 } else { rgb[c] };
            let (lo, hi) = (self.domain_min[c], self.domain_max[c]);
            let t = (input - lo) / (hi - lo) * last;
            let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, last) };
            let i = (t.floor() as usize).min(n - 2);
            let f = t - i as f32;
            self.data[i][c] * (1.0 - f) + self.data[i + 1][c] * f
        }))
    }

    /// Checks what the parsers guarantee: `2..=65536` entries, a finite domain with
    /// `min < max` per channel, finite entries.
    pub fn validate(&self) -> Result<(), LutError> {
        let n = self.data.len();
        if !(MIN_SIZE_1D as usize..=MAX_SIZE_1D as usize).contains(&n) {
            return Err(LutError::Invalid(format!(
                "1D LUT of {n} entries; {MIN_SIZE_1D}..={MAX_SIZE_1D} are accepted"
            )));
        }
        let (min, max) = (self.domain_min, self.domain_max);
        if !(min.is_finite() && max.is_finite() && min.cmplt(max).all()) {
            return Err(LutError::Invalid(format!(
                "1D domain {min} .. {max} needs finite min < max per channel"
            )));
        }
        if let Some(i) = self.data.iter().position(|v| !v.is_finite()) {
            return Err(LutError::Invalid(format!("1D entry {i} is {}", self.data[i])));
        }
        Ok(())
    }

    /// The input of entry `i`, per channel.
    pub fn input_of(&self, i: usize) -> Vec3 {
        let last = self.data.len().saturating_sub(1).max(1) as f32;
        self.domain_min + (self.domain_max - self.domain_min) * (i as f32 / last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_each_channel_on_its_own_domain() {
        let lut = Lut1d {
            domain_min: Vec3::new(0.0, -1.0, 0.0),
            domain_max: Vec3::new(1.0, 1.0, 2.0),
            data: vec![Vec3::new(0.0, 10.0, 5.0), Vec3::new(1.0, 20.0, 7.0)],
        };
        assert!(lut.validate().is_ok());
        let v = lut.sample(Vec3::new(0.25, 0.0, 1.0));
        assert_eq!(v, Vec3::new(0.25, 15.0, 6.0));
        // Clamped outside the domain; NaN is input 0.
        assert_eq!(lut.sample(Vec3::new(-5.0, 9.0, f32::NAN)), Vec3::new(0.0, 20.0, 5.0));
        assert_eq!(lut.input_of(1), lut.domain_max);
    }

    #[test]
    fn bad_hand_built_luts_do_not_panic_and_fail_validation() {
        let empty = Lut1d { domain_min: Vec3::ZERO, domain_max: Vec3::ONE, data: vec![] };
        assert_eq!(empty.sample(Vec3::ONE), Vec3::ZERO);
        assert!(empty.validate().unwrap_err().to_string().contains("0 entries"));
        let flat = Lut1d { domain_max: Vec3::ZERO, data: vec![Vec3::ONE; 2], ..empty.clone() };
        assert!(flat.sample(Vec3::ONE).is_finite());
        assert!(flat.validate().unwrap_err().to_string().contains("domain"));
        let inf = Lut1d { data: vec![Vec3::ONE, Vec3::INFINITY], ..empty };
        assert!(inf.validate().unwrap_err().to_string().contains("entry 1"));
    }
}

//! CPU mirrors of the G-buffer packing in `shaders/include/common.wgsl`, for tests and tools.
//! They must change together with the WGSL.

use glam::{Vec2, Vec3};

fn oct_wrap(v: Vec2) -> Vec2 {
    let sign = Vec2::new(if v.x >= 0.0 { 1.0 } else { -1.0 }, if v.y >= 0.0 { 1.0 } else { -1.0 });
    (Vec2::ONE - Vec2::new(v.y.abs(), v.x.abs())) * sign
}

/// Octahedral encoding of a unit vector into [-1, 1]^2 (Cigolle et al., JCGT 2014).
pub fn oct_encode(n: Vec3) -> Vec2 {
    let p = Vec2::new(n.x, n.y) / (n.x.abs() + n.y.abs() + n.z.abs());
    if n.z >= 0.0 { p } else { oct_wrap(p) }
}

/// Inverse of [`oct_encode`]; returns a unit vector.
pub fn oct_decode(e: Vec2) -> Vec3 {
    let mut n = Vec3::new(e.x, e.y, 1.0 - e.x.abs() - e.y.abs());
    let t = (-n.z).max(0.0);
    n.x += if n.x >= 0.0 { -t } else { t };
    n.y += if n.y >= 0.0 { -t } else { t };
    n.normalize()
}

/// Round to the nearest IEEE half, as storing into an Rgba16Float target does.
pub fn quantize_f16(x: f32) -> f32 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let exponent = x.abs().log2().floor().max(-14.0);
    let step = 2f32.powf(exponent - 10.0);
    (x / step).round() * step
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Directions spread over the sphere (Fibonacci lattice) plus the axes and octant seams.
    fn directions() -> Vec<Vec3> {
        let mut v: Vec<Vec3> = (0..20_000)
            .map(|i| {
                let z = 1.0 - 2.0 * (i as f32 + 0.5) / 20_000.0;
                let phi = i as f32 * 2.399_963;
                let r = (1.0 - z * z).sqrt();
                Vec3::new(r * phi.cos(), r * phi.sin(), z)
            })
            .collect();
        v.extend([Vec3::X, Vec3::NEG_X, Vec3::Y, Vec3::NEG_Y, Vec3::Z, Vec3::NEG_Z]);
        v.extend([Vec3::new(1.0, 1.0, -1e-6).normalize(), Vec3::new(-1.0, 0.0, -1.0).normalize()]);
        v
    }

    #[test]
    fn octahedral_round_trip_through_half_floats_is_within_1e_3() {
        let mut worst = 0f32;
        for n in directions() {
            let e = oct_encode(n);
            assert!(e.x.abs() <= 1.0 && e.y.abs() <= 1.0, "{n} -> {e}");
            let stored = Vec2::new(quantize_f16(e.x), quantize_f16(e.y));
            let d = oct_decode(stored);
            worst = worst.max((d - n).abs().max_element());
        }
        assert!(worst < 1e-3, "worst component error {worst}");
    }

    #[test]
    fn octahedral_round_trip_is_exact_without_quantisation() {
        for n in directions() {
            assert!((oct_decode(oct_encode(n)) - n).length() < 1e-5, "{n}");
        }
    }

    #[test]
    fn half_quantisation_matches_known_values() {
        assert_eq!(quantize_f16(1.0), 1.0);
        assert_eq!(quantize_f16(0.1), 0.099_975_586);
        assert_eq!(quantize_f16(-0.7), -0.700_195_3);
    }
}

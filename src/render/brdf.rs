//! CPU mirror of `shaders/include/brdf.wgsl` (scalar Fresnel), for tests with reference values.

use std::f32::consts::PI;

/// GGX normal distribution.
pub fn d_ggx(n_dot_h: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let d = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
    a2 / (PI * d * d)
}

/// Height-correlated Smith visibility (includes the 1 / (4 n.l n.v) of the microfacet BRDF).
pub fn v_smith_ggx_correlated(n_dot_v: f32, n_dot_l: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let gv = n_dot_l * (n_dot_v * n_dot_v * (1.0 - a2) + a2).sqrt();
    let gl = n_dot_v * (n_dot_l * n_dot_l * (1.0 - a2) + a2).sqrt();
    0.5 / (gv + gl).max(1e-7)
}

/// Schlick's Fresnel approximation.
pub fn f_schlick(f0: f32, v_dot_h: f32) -> f32 {
    f0 + (1.0 - f0) * (1.0 - v_dot_h).powi(5)
}

/// Specular BRDF for a light and viewer both along the normal (n.l = n.v = n.h = v.h = 1).
pub fn specular_at_normal_incidence(perceptual_roughness: f32, f0: f32) -> f32 {
    let alpha = perceptual_roughness.max(0.045).powi(2);
    d_ggx(1.0, alpha) * v_smith_ggx_correlated(1.0, 1.0, alpha) * f_schlick(f0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ggx_integrates_to_one_over_projected_hemisphere() {
        // The integral of D(h) (n.h) over the hemisphere is 1 for any roughness.
        for alpha in [0.1f32, 0.5, 1.0] {
            let steps = 4000;
            let mut sum = 0.0;
            for i in 0..steps {
                let theta = (i as f32 + 0.5) / steps as f32 * PI / 2.0;
                sum += d_ggx(theta.cos(), alpha)
                    * theta.cos()
                    * theta.sin()
                    * 2.0
                    * PI
                    * (PI / 2.0 / steps as f32);
            }
            assert!((sum - 1.0).abs() < 2e-3, "alpha {alpha}: {sum}");
        }
    }
}

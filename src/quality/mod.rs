//! Image quality: measuring how far a rendered picture is from the right answer.
//!
//! This file holds image comparison: SSIM (Wang, Bovik, Sheikh, Simoncelli, "Image Quality
//! Assessment: From Error Visibility to Structural Similarity", IEEE TIP 2004) on luma, PSNR,
//! and a diff image. Written here rather than taken from a crate: the metric is forty lines, and
//! the crates that offer it (nv-flip, image-compare) bring a C++ build or a thread pool into
//! every test build.
//!
//! The submodules compute reference answers on the CPU for screen-space passes to be tested
//! against:
//! - [`raytrace`]: a world-space triangle soup of a scene, a BVH and ray queries.
//! - [`ao_reference`]: ray-traced ground-truth ambient occlusion seen through a camera.
//! - [`upscale`]: a frame rendered below the display size and upscaled, against the native
//!   render.

pub mod antialiasing;
pub mod ao_reference;
pub mod display;
pub mod raytrace;
pub mod report;
pub mod upscale;

/// Rec. 709 luma of 8-bit RGBA pixels (values 0..255, no transfer function applied, as SSIM
/// is defined on the stored code values).
fn luma(rgba: &[u8]) -> Vec<f64> {
    rgba.chunks_exact(4)
        .map(|p| 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]))
        .collect()
}

/// Mean SSIM of two RGBA8 images of `width` x `height` over 8x8 windows (stride 4), on luma.
/// 1.0 is identical. Returns `None` when sizes disagree or the image is smaller than a window.
pub fn ssim(a: &[u8], b: &[u8], width: usize, height: usize) -> Option<f64> {
    const WINDOW: usize = 8;
    const STRIDE: usize = 4;
    let expected = width.checked_mul(height)?.checked_mul(4)?;
    if a.len() != expected || b.len() != expected || width < WINDOW || height < WINDOW {
        return None;
    }
    let (la, lb) = (luma(a), luma(b));
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let n = (WINDOW * WINDOW) as f64;
    let (mut total, mut count) = (0.0, 0usize);
    for y0 in (0..=height - WINDOW).step_by(STRIDE) {
        for x0 in (0..=width - WINDOW).step_by(STRIDE) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in y0..y0 + WINDOW {
                for x in x0..x0 + WINDOW {
                    let (pa, pb) = (la[y * width + x], lb[y * width + x]);
                    sa += pa;
                    sb += pb;
                    saa += pa * pa;
                    sbb += pb * pb;
                    sab += pa * pb;
                }
            }
            let (ma, mb) = (sa / n, sb / n);
            let va = saa / n - ma * ma;
            let vb = sbb / n - mb * mb;
            let cov = sab / n - ma * mb;
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count += 1;
        }
    }
    Some(total / count as f64)
}

/// Peak signal-to-noise ratio in dB over RGB of two RGBA8 images (infinite when identical).
pub fn psnr(a: &[u8], b: &[u8]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut sum, mut n) = (0.0f64, 0usize);
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            let d = f64::from(pa[c]) - f64::from(pb[c]);
            sum += d * d;
            n += 1;
        }
    }
    let mse = sum / n as f64;
    Some(if mse == 0.0 { f64::INFINITY } else { 10.0 * (255.0f64 * 255.0 / mse).log10() })
}

/// A visual diff: absolute difference per channel, amplified 4x, opaque.
pub fn diff_image(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.chunks_exact(4)
        .zip(b.chunks_exact(4))
        .flat_map(|(pa, pb)| {
            let d = |c: usize| {
                (i32::from(pa[c]) - i32::from(pb[c])).unsigned_abs().saturating_mul(4).min(255)
                    as u8
            };
            [d(0), d(1), d(2), 255]
        })
        .collect()
}

/// Median GPU milliseconds of the timing scope `scope` over 5 frames of `options` (0 when the
/// scope did not run; `None` when the device has no timestamp queries).
pub fn scope_ms(
    gpu: &crate::gpu::Gpu,
    renderer: &mut crate::render::Renderer,
    camera: &crate::scene::Camera,
    options: &crate::render::RenderOptions,
    scope: &str,
) -> Result<Option<f64>, crate::Error> {
    if !renderer.timing_available() {
        return Ok(None);
    }
    let mut times = Vec::new();
    for _ in 0..5 {
        renderer.render(gpu, camera, options)?;
        let frame = renderer.wait_for_pass_times();
        times.push(frame.iter().filter(|t| t.name == scope).map(|t| t.ms).sum::<f64>());
    }
    times.sort_by(f64::total_cmp);
    Ok(Some(times[times.len() / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: usize, h: usize, offset: u8) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let v = ((i % w) * 255 / w) as u8;
                [v.saturating_add(offset), v, (i / w * 255 / h) as u8, 255]
            })
            .collect()
    }

    #[test]
    fn identical_images_score_one() {
        let a = gradient(32, 24, 0);
        assert!((ssim(&a, &a, 32, 24).unwrap_or(0.0) - 1.0).abs() < 1e-12);
        assert_eq!(psnr(&a, &a), Some(f64::INFINITY));
    }

    #[test]
    fn noise_lowers_ssim_more_than_a_small_brightness_shift() {
        let a = gradient(64, 64, 0);
        let shifted = gradient(64, 64, 3);
        let mut noisy = a.clone();
        let mut state = 12345u32;
        for p in noisy.chunks_exact_mut(4) {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = (state >> 24) as u8 / 4;
            p[0] = p[0].wrapping_add(n);
            p[1] = p[1].saturating_sub(n);
        }
        let s_shift = ssim(&a, &shifted, 64, 64).unwrap_or(0.0);
        let s_noise = ssim(&a, &noisy, 64, 64).unwrap_or(1.0);
        assert!(s_shift > 0.99, "{s_shift}");
        assert!(s_noise < s_shift, "{s_noise} vs {s_shift}");
    }

    #[test]
    fn mismatched_sizes_are_rejected() {
        let a = gradient(16, 16, 0);
        assert_eq!(ssim(&a, &a[..a.len() - 4], 16, 16), None);
        assert_eq!(ssim(&a, &a, 4, 64), None);
        assert_eq!(psnr(&a, &a[..8]), None);
    }
}

// The bloom composite for the finish pass (src/post/bloom.rs documents it; `composite` there
// is the CPU mirror). `bloom` is the bloom texture sampled bilinearly at the pixel, a
// normalised blur of the HDR image (level weights sum to 1); `intensity` in [0, 1].
//   energy-conserving: mix(hdr, bloom, intensity) (total light unchanged)
//   additive:          hdr + intensity * bloom     (adds light; for thresholded bloom)
fn bloom_composite(hdr: vec3f, bloom: vec3f, intensity: f32, additive: bool) -> vec3f {
    if additive {
        return hdr + intensity * bloom;
    }
    return mix(hdr, bloom, intensity);
}

// The fused finish (DESIGN.md "The frame"): exposure compensation, then one trilinear sample of
// the baked grade LUT, which holds the colour grade, the tone mapper and any user LUT together
// as sRGB-encoded display values (src/post/grade_bake.rs, over the log2 shaper of
// include/grade_lut.wgsl), dithered in that encoding, clipped and decoded once to the sRGB
// target, which encodes it again. Filament bakes its grading the same way.
// Reads: HDR (pre-exposed radiance), the grade LUT. Writes: the 8-bit display target; alpha is
// coverage. NaN/Inf pixels show as black.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/grade_lut.wgsl"

struct Finish {
    // x: exposure compensation as a linear multiplier; y: LUT size in texels; z: dither
    // amplitude in 8-bit codes (0 = off, 1 = triangular +-1 code); w unused.
    params: vec4f,
};

@group(0) @binding(0) var<uniform> finish: Finish;
@group(0) @binding(1) var hdr: texture_2d<f32>;
@group(0) @binding(2) var grade_lut: texture_3d<f32>;
@group(0) @binding(3) var grade_sampler: sampler;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let texel = textureLoad(hdr, vec2i(in.position.xy), 0);
    var c = texel.rgb * finish.params.x;
    // A NaN or infinite pixel shows as black instead of poisoning the image.
    if any(c != c) || any(abs(c) > vec3f(65504.0)) {
        c = vec3f(0.0);
    }
    // The LUT holds sRGB-encoded display values (unclipped past 1 for the Clamp mapper).
    var encoded = grade_lut_sample_encoded(grade_lut, grade_sampler, c, finish.params.y);
    if finish.params.z > 0.0 {
        // Triangular-PDF dither of +-1 code in the sRGB-encoded domain where the target
        // quantises, so gradients finer than one code survive as noise instead of bands.
        let noise = (hash_unit(in.position.xy) + hash_unit(in.position.yx + 17.0) - 1.0)
            * finish.params.z / 255.0;
        encoded += noise;
    }
    // Clip, then decode once: the sRGB target encodes again on store.
    let display = srgb_to_linear(clamp(encoded, vec3f(0.0), vec3f(1.0)));
    return vec4f(display, clamp(texel.a, 0.0, 1.0));
}

// A stable pseudo-random value in [0, 1) per pixel (integer hash, Jarzynski & Olano 2020, PCG).
fn hash_unit(p: vec2f) -> f32 {
    var v = u32(p.x) * 1664525u + u32(p.y) * 1013904223u;
    v = v * 747796405u + 2891336453u;
    let word = ((v >> ((v >> 28u) + 4u)) ^ v) * 277803737u;
    return f32((word >> 22u) ^ word) / 4294967296.0;
}

// sRGB inverse EOTF (IEC 61966-2-1), per channel.
fn linear_to_srgb(c: vec3f) -> vec3f {
    return select(1.055 * pow(c, vec3f(1.0 / 2.4)) - 0.055, c * 12.92, c <= vec3f(0.0031308));
}

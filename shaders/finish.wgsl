// The fused finish (DESIGN.md "The frame"): exposure compensation, then one trilinear sample of
// the baked grade LUT, which holds the colour grade and the tone mapper together
// (src/post/grade_bake.rs, over the log2 shaper of include/grade_lut.wgsl), written
// display-linear to the sRGB target, which encodes it. Filament bakes its grading the same way.
// Reads: HDR (pre-exposed radiance), the grade LUT. Writes: the 8-bit display target; alpha is
// coverage. NaN/Inf pixels show as black.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/grade_lut.wgsl"

struct Finish {
    // x: exposure compensation as a linear multiplier; y: LUT size in texels; zw unused.
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
    let uvw = grade_lut_uvw(grade_lut_coordinate(c), finish.params.y);
    let display = textureSampleLevel(grade_lut, grade_sampler, uvw, 0.0).rgb;
    return vec4f(display, clamp(texel.a, 0.0, 1.0));
}

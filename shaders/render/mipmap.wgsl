// Mip generation: each level is the bilinear 2x2 box average of the level above, sampled
// through the texture's own (sRGB or linear) view so averaging happens in linear light.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

@group(0) @binding(0) var source: texture_2d<f32>;
@group(0) @binding(1) var source_sampler: sampler;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    return textureSample(source, source_sampler, in.uv);
}

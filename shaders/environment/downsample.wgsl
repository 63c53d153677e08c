// Radiance cube mip chain: each texel of one face at level m is the mean of the 2x2 texels
// below it at level m - 1 (same face). One draw per face and level.
// Reads: one layer of one mip (textureLoad). Writes: the same layer one mip down.
// These mips are what the specular prefilter's filtered importance sampling reads from.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

@group(0) @binding(0) var source: texture_2d<f32>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let p = vec2i(in.position.xy) * 2;
    let sum = textureLoad(source, p, 0) + textureLoad(source, p + vec2i(1, 0), 0)
        + textureLoad(source, p + vec2i(0, 1), 0) + textureLoad(source, p + vec2i(1, 1), 0);
    return 0.25 * sum;
}

// Radiance cube mip chain: each texel of one face at level m is the mean of the 2x2 texels
// below it at level m - 1 (same face). One draw per face and level.
// Reads: the level above (environment/one_level.wgsl). Writes: one face of the next level.
// These mips are what the specular prefilter's filtered importance sampling reads from.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "render/environment/bake.wgsl"
#include "render/environment/one_level.wgsl"

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let p = floor(in.position.xy) * 2.0;
    let size = 2.0 * params.face_size;
    let sum = source_texel(params.face, (p + 0.5) / size)
        + source_texel(params.face, (p + vec2f(1.5, 0.5)) / size)
        + source_texel(params.face, (p + vec2f(0.5, 1.5)) / size)
        + source_texel(params.face, (p + 1.5) / size);
    return 0.25 * sum;
}

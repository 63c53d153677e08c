// Radiance cube mip chain: each texel of one face at level m is the mean of the 2x2 texels
// below it at level m - 1 (same face). One draw per face and level.
// Reads: the level above as a cube, each texel fetched exactly by a nearest sample through its
// centre's direction (GLES 3.0 and WebGL2 cannot bind one layer of a cube as a 2D texture).
// Writes: one face of the next level. These mips are what the specular prefilter's filtered
// importance sampling reads from.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "environment/bake.wgsl"

struct Params {
    face: u32,
    // Face size of the level written, in texels.
    face_size: f32,
    _pad: vec2f,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var source: texture_cube<f32>;
@group(0) @binding(2) var nearest: sampler;

// Texel `p` of face `params.face` of the source level (twice the written size).
fn source_texel(p: vec2f) -> vec4f {
    let uv = (p + 0.5) / (2.0 * params.face_size);
    return textureSampleLevel(source, nearest, cube_vector(params.face, uv), 0.0);
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let p = floor(in.position.xy) * 2.0;
    let sum = source_texel(p) + source_texel(p + vec2f(1.0, 0.0))
        + source_texel(p + vec2f(0.0, 1.0)) + source_texel(p + vec2f(1.0, 1.0));
    return 0.25 * sum;
}

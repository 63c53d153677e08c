// One face of one cube level copied texel for texel into another cube of the same face size:
// mip 0 of the specular cube is the unfiltered radiance. A draw rather than a texture copy,
// because wgpu's GL backend (GLES 3.0, WebGL2) cannot copy between cube textures.
// Reads: the level as a cube, each texel fetched exactly by a nearest sample through its
// centre's direction. Writes: one face of the destination level.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "environment/bake.wgsl"

struct Params {
    face: u32,
    face_size: f32,
    _pad: vec2f,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var source: texture_cube<f32>;
@group(0) @binding(2) var nearest: sampler;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let uv = (floor(in.position.xy) + 0.5) / params.face_size;
    return textureSampleLevel(source, nearest, cube_vector(params.face, uv), 0.0);
}

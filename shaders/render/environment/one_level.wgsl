// Shared by the environment bake steps that read one cube level texel by texel (downsample,
// copy, irradiance; src/render/environment.rs `Baker::draw_face`); not a pipeline itself.
// Reads: one level of a cube as a cube, each texel fetched exactly by a nearest sample through
// its centre's direction (GLES 3.0 and WebGL2 cannot bind one layer of a cube as a 2D texture).
#include "render/environment/bake.wgsl"

struct FaceParams {
    face: u32,
    // Face size of the level written, in texels.
    face_size: f32,
    _pad: vec2f,
};

@group(0) @binding(0) var<uniform> params: FaceParams;
@group(0) @binding(1) var source: texture_cube<f32>;
@group(0) @binding(2) var nearest: sampler;

// The texel of face `face` of the source level whose centre is at `uv` (0..1 over the face).
fn source_texel(face: u32, uv: vec2f) -> vec4f {
    return textureSampleLevel(source, nearest, cube_vector(face, uv), 0.0);
}

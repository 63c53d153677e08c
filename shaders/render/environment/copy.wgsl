// One face of one cube level copied texel for texel into another cube of the same face size:
// mip 0 of the specular cube is the unfiltered radiance. A draw rather than a texture copy,
// because wgpu's GL backend (GLES 3.0, WebGL2) cannot copy between cube textures.
// Reads: the level (environment/one_level.wgsl). Writes: one face of the destination level.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "render/environment/bake.wgsl"
#include "render/environment/one_level.wgsl"

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    return source_texel(params.face, (floor(in.position.xy) + 0.5) / params.face_size);
}

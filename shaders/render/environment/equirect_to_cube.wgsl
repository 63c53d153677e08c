// Equirectangular radiance -> one face of the environment cube (mip 0), one draw per face.
// Reads: the equirect (Rgba32Float, read with textureLoad because 32-bit float filtering is
// not in the downlevel feature set). Writes: one Rgba16Float cube face layer.
// Each cube texel averages samples_per_axis^2 bilinear taps spread over its footprint, so a
// face smaller than the equirect's detail is box-filtered rather than aliased.
// Equirect convention (mirrored by `equirect_direction` in src/render/environment.rs): u = 0.5
// is -Z, u grows towards +X (the image reads unmirrored from inside), v = 0 is +Y.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "render/environment/bake.wgsl"

struct Params {
    face: u32,
    samples_per_axis: u32,
    face_size: f32,
    _pad: f32,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var equirect: texture_2d<f32>;

fn equirect_uv(d: vec3f) -> vec2f {
    return vec2f(0.5 + atan2(d.x, -d.z) / (2.0 * BAKE_PI), acos(clamp(d.y, -1.0, 1.0)) / BAKE_PI);
}

// Texel p with longitude wrapping around and latitude clamped at the poles.
fn load_texel(p: vec2i, size: vec2i) -> vec3f {
    let x = ((p.x % size.x) + size.x) % size.x;
    let y = clamp(p.y, 0, size.y - 1);
    return textureLoad(equirect, vec2i(x, y), 0).rgb;
}

fn sample_bilinear(uv: vec2f) -> vec3f {
    let size = vec2i(textureDimensions(equirect));
    let p = uv * vec2f(size) - 0.5;
    let p0 = floor(p);
    let f = p - p0;
    let i = vec2i(p0);
    let top = mix(load_texel(i, size), load_texel(i + vec2i(1, 0), size), f.x);
    let bottom = mix(load_texel(i + vec2i(0, 1), size), load_texel(i + vec2i(1, 1), size), f.x);
    return mix(top, bottom, f.y);
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let n = params.samples_per_axis;
    var sum = vec3f(0.0);
    for (var j = 0u; j < n; j++) {
        for (var i = 0u; i < n; i++) {
            let offset = (vec2f(f32(i), f32(j)) + 0.5) / f32(n) - 0.5;
            let uv = (in.position.xy + offset) / params.face_size;
            sum += sample_bilinear(equirect_uv(cube_direction(params.face, uv)));
        }
    }
    return vec4f(sum / f32(n * n), 1.0);
}

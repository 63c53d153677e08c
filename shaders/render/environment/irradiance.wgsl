// Diffuse irradiance cube: one face per draw, each texel the cosine-weighted mean radiance
// over its hemisphere, i.e. irradiance / pi, so a uniform environment of radiance L gives L.
// Reads: one small mip (32^2 per face) of the radiance cube (environment/one_level.wgsl).
// Writes: one face of the Rgba16Float irradiance cube.
// A brute-force quadrature over every source texel, not spherical harmonics: no ringing
// around a bright sun and no negative lobes, for ~6 * 32^2 taps per output texel. Weights are
// cos+ times the texel solid angle (area / distance^3 on the unit cube), normalised by their
// own sum, whose exact value is pi; normalising cancels most of the quadrature error.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "render/environment/bake.wgsl"
#include "render/environment/one_level.wgsl"

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let n = cube_direction(params.face, in.position.xy / params.face_size);
    let size = textureDimensions(source).x;
    var sum = vec3f(0.0);
    var weight = 0.0;
    for (var face = 0u; face < 6u; face++) {
        for (var y = 0u; y < size; y++) {
            for (var x = 0u; x < size; x++) {
                let p = cube_vector(face, (vec2f(f32(x), f32(y)) + 0.5) / f32(size));
                let inv_length = inverseSqrt(dot(p, p));
                let cos_theta = dot(n, p) * inv_length;
                if cos_theta > 0.0 {
                    // Solid angle of the texel up to the constant (2 / size)^2, which cancels.
                    let w = cos_theta * inv_length * inv_length * inv_length;
                    let radiance = textureSampleLevel(source, nearest, p, 0.0).rgb;
                    sum += radiance * w;
                    weight += w;
                }
            }
        }
    }
    return vec4f(sum / max(weight, 1e-12), 1.0);
}

// Test and tool helper: evaluates the four functions of include/environment.wgsl for a list of
// queries, exactly as the lighting pass would, so tests check the real lookups.
// Reads: queries (Rgba32Float, one column per query; row 0 = direction xyz + perceptual
// roughness, row 1 = n.v), the environment bind group. Writes: Rgba32Float, one column per
// query; rows 0..3 = specular, irradiance / pi, background, BRDF (scale, bias).
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/environment.wgsl"

@group(0) @binding(0) var queries: texture_2d<f32>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let p = vec2i(in.position.xy);
    let query = textureLoad(queries, vec2i(p.x, 0), 0);
    let n_dot_v = textureLoad(queries, vec2i(p.x, 1), 0).x;
    switch p.y {
        case 0: { return vec4f(environment_specular(query.xyz, query.w), 1.0); }
        case 1: { return vec4f(environment_irradiance(query.xyz), 1.0); }
        case 2: { return vec4f(environment_background(query.xyz), 1.0); }
        default: { return vec4f(environment_brdf(n_dot_v, query.w), 0.0, 1.0); }
    }
}

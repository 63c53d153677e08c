// First lighting pass: one directional light plus constant ambient, evaluated per pixel from
// the G-buffer and added onto the HDR target (which already holds emissive).
// Reads: base colour + AO, normal + roughness + metallic, depth. Writes: HDR (additive blend).
// BRDF: Lambert diffuse + GGX / height-correlated Smith / Schlick specular (Karis, "Real Shading
// in Unreal Engine 4", SIGGRAPH 2013). The lighting issue replaces this with the full model.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

struct Lighting {
    // World direction the light travels (from the light towards the scene); w unused.
    direction: vec4f,
    // Linear rgb times intensity; w unused.
    radiance: vec4f,
    // Constant ambient radiance, rgb; w unused.
    ambient: vec4f,
};

@group(0) @binding(0) var<uniform> lighting: Lighting;
@group(0) @binding(1) var<uniform> camera: Camera;
@group(0) @binding(2) var base_color_ao: texture_2d<f32>;
@group(0) @binding(3) var normal_roughness_metallic: texture_2d<f32>;
@group(0) @binding(4) var depth_texture: texture_depth_2d;

const PI: f32 = 3.14159265358979;

fn d_ggx(n_dot_h: f32, a: f32) -> f32 {
    let a2 = a * a;
    let d = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
    return a2 / (PI * d * d);
}

fn v_smith_height_correlated(n_dot_v: f32, n_dot_l: f32, a: f32) -> f32 {
    let a2 = a * a;
    let gv = n_dot_l * sqrt(n_dot_v * n_dot_v * (1.0 - a2) + a2);
    let gl = n_dot_v * sqrt(n_dot_l * n_dot_l * (1.0 - a2) + a2);
    return 0.5 / max(gv + gl, 1e-7);
}

fn f_schlick(f0: vec3f, v_dot_h: f32) -> vec3f {
    return f0 + (1.0 - f0) * pow(1.0 - v_dot_h, 5.0);
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let pixel = vec2i(in.position.xy);
    let depth = textureLoad(depth_texture, pixel, 0);
    let g1 = textureLoad(normal_roughness_metallic, pixel, 0);
    // Background (depth 0 under reverse-Z) and unlit materials get no light.
    if depth <= 0.0 || g1.z < 0.0 {
        return vec4f(0.0);
    }
    let g0 = textureLoad(base_color_ao, pixel, 0);
    let n = oct_decode(g1.xy);
    let roughness = max(g1.z, 0.045);
    let metallic = g1.w;
    let world = world_from_depth(in.uv, depth, camera.inv_view_proj);
    let v = normalize(camera.position.xyz - world);
    let l = -normalize(lighting.direction.xyz);
    let h = normalize(v + l);
    let n_dot_v = max(dot(n, v), 1e-4);
    let n_dot_l = max(dot(n, l), 0.0);
    let a = roughness * roughness;
    let f0 = mix(vec3f(0.04), g0.rgb, metallic);
    let f = f_schlick(f0, max(dot(v, h), 0.0));
    let specular = d_ggx(max(dot(n, h), 0.0), a) * v_smith_height_correlated(n_dot_v, n_dot_l, a) * f;
    let diffuse = (1.0 - f) * (1.0 - metallic) * g0.rgb / PI;
    let direct = (diffuse + specular) * lighting.radiance.rgb * n_dot_l;
    // Constant ambient: diffuse albedo plus a rough stand-in for the specular environment.
    let ambient = lighting.ambient.rgb * g0.a * ((1.0 - metallic) * g0.rgb + f0 * (1.0 - 0.5 * roughness));
    return vec4f(direct + ambient, 0.0);
}

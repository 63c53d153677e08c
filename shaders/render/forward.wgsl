// Forward pass for alpha-blended (glTF BLEND) materials, drawn after deferred lighting, one
// instance at a time from back to front, with depth tested against (not written to) the
// G-buffer depth. Lit by the same lights, shadow and image-based light as opaque surfaces
// (shaders/include/shading.wgsl); unlit materials output their colour. Pipelines are
// specialised by the scene's lights (lights.wgsl's override constants).
// Reads: camera, lights, environment, shadow map, material. Writes: HDR, alpha-blended.
#include "include/common.wgsl"
#include "include/mesh.wgsl"
#include "include/material.wgsl"
#include "include/brdf.wgsl"
#include "include/lights.wgsl"
#include "include/environment.wgsl"
#include "include/shadow.wgsl"
#include "include/shading.wgsl"

@group(0) @binding(0) var<uniform> camera: Camera;
@group(0) @binding(1) var<uniform> lights: Lights;

@group(3) @binding(0) var<uniform> material: Material;
@group(3) @binding(1) var base_color_texture: texture_2d<f32>;
@group(3) @binding(2) var metallic_roughness_texture: texture_2d<f32>;
@group(3) @binding(3) var normal_texture: texture_2d<f32>;
@group(3) @binding(4) var occlusion_texture: texture_2d<f32>;
@group(3) @binding(5) var emissive_texture: texture_2d<f32>;
@group(3) @binding(6) var base_color_sampler: sampler;
@group(3) @binding(7) var metallic_roughness_sampler: sampler;
@group(3) @binding(8) var normal_sampler: sampler;
@group(3) @binding(9) var occlusion_sampler: sampler;
@group(3) @binding(10) var emissive_sampler: sampler;

@fragment
fn fs_main(in: VertexOut, @builtin(front_facing) front_facing: bool) -> @location(0) vec4f {
    let m = evaluate_material(in, front_facing);
    let alpha = clamp(m.base_color.a, 0.0, 1.0);
    var s: Surface;
    s.position = in.world;
    s.normal = m.normal;
    // Orthographic cameras (position.w = 0) look along a constant direction: the view
    // matrix's third row is the camera's +Z in world space.
    let camera_back = vec3f(camera.view[0].z, camera.view[1].z, camera.view[2].z);
    s.view = select(camera_back, normalize(camera.position.xyz - in.world), camera.position.w > 0.5);
    s.base_color = m.base_color.rgb;
    s.metallic = m.metallic;
    s.perceptual_roughness = m.perceptual_roughness;
    s.occlusion = m.occlusion;
    let lit = (shade_surface(s) + m.emissive) * camera.exposure.x;
    // Selected, not branched on: `unlit` is a material uniform, and a branch on uniforms alone
    // is recompiled on every bind by Mesa 22's lavapipe (docs/memory-growth.md). Unlit
    // blended surfaces are rare; they pay for the lighting they discard.
    return vec4f(select(lit, m.base_color.rgb, m.unlit), alpha);
}

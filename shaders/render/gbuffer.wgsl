// G-buffer pass: rasterises the scene's opaque and alpha-tested geometry.
// Writes: base colour + material AO, octahedral normal + roughness + metallic, motion vectors
// (current minus previous position in uv units, camera and object motion), and emissive
// straight into the HDR target. Layout and bytes per pixel: src/render/gbuffer.rs.
#include "include/common.wgsl"
#include "include/mesh.wgsl"
#include "include/material.wgsl"

@group(0) @binding(0) var<uniform> camera: Camera;

@group(1) @binding(0) var<uniform> material: Material;
@group(1) @binding(1) var base_color_texture: texture_2d<f32>;
@group(1) @binding(2) var metallic_roughness_texture: texture_2d<f32>;
@group(1) @binding(3) var normal_texture: texture_2d<f32>;
@group(1) @binding(4) var occlusion_texture: texture_2d<f32>;
@group(1) @binding(5) var emissive_texture: texture_2d<f32>;
@group(1) @binding(6) var base_color_sampler: sampler;
@group(1) @binding(7) var metallic_roughness_sampler: sampler;
@group(1) @binding(8) var normal_sampler: sampler;
@group(1) @binding(9) var occlusion_sampler: sampler;
@group(1) @binding(10) var emissive_sampler: sampler;

// Pipelines for alpha-tested materials set this; opaque ones keep early depth testing.
override ALPHA_MASK: bool = false;

struct GBufferOut {
    // Rgba8UnormSrgb: base colour, material ambient occlusion.
    @location(0) base_color_ao: vec4f,
    // Rgba16Float: octahedral normal (xy), perceptual roughness (negative = unlit), metallic.
    @location(1) normal_roughness_metallic: vec4f,
    // Rg16Float: uv now minus uv last frame.
    @location(2) motion: vec2f,
    // Rgba16Float HDR target: emissive radiance (unlit colour for unlit materials), coverage 1.
    @location(3) emissive: vec4f,
};

@fragment
fn fs_main(in: VertexOut, @builtin(front_facing) front_facing: bool) -> GBufferOut {
    let m = evaluate_material(in, front_facing);
    if ALPHA_MASK && m.base_color.a < material.flags.x {
        discard;
    }
    let current = ndc_to_uv(in.current_clip.xy / in.current_clip.w);
    let previous = ndc_to_uv(in.previous_clip.xy / in.previous_clip.w);
    var out: GBufferOut;
    out.base_color_ao = vec4f(select(m.base_color.rgb, vec3f(0.0), m.unlit), m.occlusion);
    out.normal_roughness_metallic =
        vec4f(oct_encode(m.normal), select(m.perceptual_roughness, -1.0, m.unlit), m.metallic);
    out.motion = current - previous;
    // Unlit colour is display-referred: it is not scaled by exposure.
    out.emissive = vec4f(select(m.emissive * camera.exposure.x, m.base_color.rgb, m.unlit), 1.0);
    return out;
}

//! Directional shadow map: depth-only rasterisation of the scene from the key light.
//!
//! Reads: the scene's vertex and instance buffers (the G-buffer pass's layouts), the light's
//! view-projection (group 0) and, for alpha-tested materials only, the G-buffer pass's material
//! bind group (group 1). Writes: Depth32Float, standard depth (0 near the light, `Less`); see
//! src/render/shadows.rs for why not reverse-Z.
//!
//! Opaque geometry uses `vs_opaque` with no fragment stage; alpha-tested geometry (MASK at its
//! cutoff, BLEND at 0.5) uses `vs_masked` + `fs_masked`, which discards the fragments the
//! G-buffer pass would, so cut-out leaves cast cut-out shadows. No bias here: all of it is
//! applied at lookup (shaders/include/shadow.wgsl), where the receiver's normal is known.

#include "include/material_uniforms.wgsl"

@group(0) @binding(0) var<uniform> light_view_proj: mat4x4f;

@group(1) @binding(0) var<uniform> material: Material;
@group(1) @binding(1) var base_color_texture: texture_2d<f32>;
@group(1) @binding(6) var base_color_sampler: sampler;

struct VertexIn {
    @location(0) position: vec3f,
    @location(3) uv0: vec2f,
    @location(4) uv1: vec2f,
    @location(5) color: vec4f,
    // World-from-object matrix of this instance (last frame's, at 10-13, is not needed).
    @location(6) model_0: vec4f,
    @location(7) model_1: vec4f,
    @location(8) model_2: vec4f,
    @location(9) model_3: vec4f,
};

struct MaskedOut {
    @builtin(position) clip: vec4f,
    @location(0) uv0: vec2f,
    @location(1) uv1: vec2f,
    @location(2) alpha: f32,
};

fn light_clip(v: VertexIn) -> vec4f {
    let model = mat4x4f(v.model_0, v.model_1, v.model_2, v.model_3);
    return light_view_proj * (model * vec4f(v.position, 1.0));
}

@vertex
fn vs_opaque(v: VertexIn) -> @builtin(position) vec4f {
    return light_clip(v);
}

@vertex
fn vs_masked(v: VertexIn) -> MaskedOut {
    var out: MaskedOut;
    out.clip = light_clip(v);
    out.uv0 = v.uv0;
    out.uv1 = v.uv1;
    out.alpha = v.color.a;
    return out;
}

@fragment
fn fs_masked(in: MaskedOut) {
    let row0 = material.uv_transform[0];
    let row1 = material.uv_transform[1];
    let uv = vec3f(select(in.uv0, in.uv1, row0.w > 0.5), 1.0);
    let base_uv = vec2f(dot(row0.xyz, uv), dot(row1.xyz, uv));
    let alpha = material.base_color.a * in.alpha * textureSample(base_color_texture, base_color_sampler, base_uv).a;
    if alpha < material.flags.x {
        discard;
    }
}

// G-buffer pass: rasterises the scene's opaque and alpha-tested geometry.
// Writes: base colour + material AO, octahedral normal + roughness + metallic, motion vectors
// (current minus previous position in uv units, camera and object motion), and emissive
// straight into the HDR target. Layout and bytes per pixel: src/render/gbuffer.rs.
#include "include/common.wgsl"

struct Material {
    base_color: vec4f,
    // Linear rgb, already scaled by KHR_materials_emissive_strength; w unused.
    emissive: vec4f,
    // metallic, roughness, normal scale, occlusion strength.
    params: vec4f,
    // alpha cutoff, unlit (0/1), double sided (0/1), has a normal map (0/1).
    flags: vec4f,
    // Per texture slot (base colour, metallic-roughness, normal, occlusion, emissive) two rows
    // of the KHR_texture_transform matrix: (m00, m01, m02, texcoord set), (m10, m11, m12, 0).
    uv_transform: array<vec4f, 10>,
};

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

struct VertexIn {
    @location(0) position: vec3f,
    @location(1) normal: vec3f,
    @location(2) tangent: vec4f,
    @location(3) uv0: vec2f,
    @location(4) uv1: vec2f,
    @location(5) color: vec4f,
    // World-from-object matrix of this instance, and last frame's.
    @location(6) model_0: vec4f,
    @location(7) model_1: vec4f,
    @location(8) model_2: vec4f,
    @location(9) model_3: vec4f,
    @location(10) prev_model_0: vec4f,
    @location(11) prev_model_1: vec4f,
    @location(12) prev_model_2: vec4f,
    @location(13) prev_model_3: vec4f,
};

struct VertexOut {
    @builtin(position) clip: vec4f,
    @location(0) normal: vec3f,
    @location(1) tangent: vec4f,
    @location(2) uv0: vec2f,
    @location(3) uv1: vec2f,
    @location(4) color: vec4f,
    @location(5) current_clip: vec4f,
    @location(6) previous_clip: vec4f,
};

@vertex
fn vs_main(v: VertexIn) -> VertexOut {
    let model = mat4x4f(v.model_0, v.model_1, v.model_2, v.model_3);
    let prev_model = mat4x4f(v.prev_model_0, v.prev_model_1, v.prev_model_2, v.prev_model_3);
    let c0 = v.model_0.xyz;
    let c1 = v.model_1.xyz;
    let c2 = v.model_2.xyz;
    // The cofactor matrix is det * inverse-transpose: right for normals under non-uniform and
    // negative scale once the determinant's sign is applied.
    let det_sign = select(-1.0, 1.0, dot(c0, cross(c1, c2)) >= 0.0);
    let normal_matrix = mat3x3f(cross(c1, c2), cross(c2, c0), cross(c0, c1));
    let world = model * vec4f(v.position, 1.0);
    var out: VertexOut;
    out.clip = camera.view_proj * world;
    out.normal = det_sign * (normal_matrix * v.normal);
    out.tangent = vec4f(mat3x3f(c0, c1, c2) * v.tangent.xyz, v.tangent.w * det_sign);
    out.uv0 = v.uv0;
    out.uv1 = v.uv1;
    out.color = v.color;
    out.current_clip = out.clip;
    out.previous_clip = camera.prev_view_proj * (prev_model * vec4f(v.position, 1.0));
    return out;
}

fn slot_uv(slot: u32, in: VertexOut) -> vec2f {
    let row0 = material.uv_transform[slot * 2u];
    let row1 = material.uv_transform[slot * 2u + 1u];
    let uv = vec3f(select(in.uv0, in.uv1, row0.w > 0.5), 1.0);
    return vec2f(dot(row0.xyz, uv), dot(row1.xyz, uv));
}

struct GBufferOut {
    // Rgba8UnormSrgb: base colour, material ambient occlusion.
    @location(0) base_color_ao: vec4f,
    // Rgba16Float: octahedral normal (xy), perceptual roughness (negative = unlit), metallic.
    @location(1) normal_roughness_metallic: vec4f,
    // Rg16Float: uv now minus uv last frame.
    @location(2) motion: vec2f,
    // Rgba16Float HDR target: emissive radiance (unlit colour for unlit materials).
    @location(3) emissive: vec4f,
};

@fragment
fn fs_main(in: VertexOut, @builtin(front_facing) front_facing: bool) -> GBufferOut {
    let base = textureSample(base_color_texture, base_color_sampler, slot_uv(0u, in));
    let base_color = material.base_color * in.color * base;
    if ALPHA_MASK && base_color.a < material.flags.x {
        discard;
    }
    let mr = textureSample(metallic_roughness_texture, metallic_roughness_sampler, slot_uv(1u, in));
    let metallic = clamp(material.params.x * mr.b, 0.0, 1.0);
    let roughness = clamp(material.params.y * mr.g, 0.0, 1.0);
    let tangent_normal = textureSample(normal_texture, normal_sampler, slot_uv(2u, in)).xyz * 2.0 - 1.0;
    let ao_texel = textureSample(occlusion_texture, occlusion_sampler, slot_uv(3u, in)).r;
    let occlusion = 1.0 + material.params.w * (ao_texel - 1.0);
    let emissive = material.emissive.rgb
        * textureSample(emissive_texture, emissive_sampler, slot_uv(4u, in)).rgb;

    // Back faces of double-sided materials are lit with the flipped frame.
    let facing = select(-1.0, 1.0, front_facing || material.flags.z < 0.5);
    var n = in.normal * facing;
    n = select(vec3f(0.0, 1.0, 0.0), normalize(n), dot(n, n) > 1e-12);
    var t = in.tangent.xyz - n * dot(n, in.tangent.xyz);
    // Only with a real normal map: the 8-bit 'flat' texel decodes to 0.0039, not 0.
    if material.flags.w > 0.5 && dot(t, t) > 1e-12 {
        t = normalize(t);
        let b = cross(n, t) * in.tangent.w * facing;
        let scaled = vec3f(tangent_normal.xy * material.params.z, tangent_normal.z);
        let mapped = t * scaled.x + b * scaled.y + n * scaled.z;
        if dot(mapped, mapped) > 1e-12 {
            n = normalize(mapped);
        }
    }

    let unlit = material.flags.y > 0.5;
    let current = ndc_to_uv(in.current_clip.xy / in.current_clip.w);
    let previous = ndc_to_uv(in.previous_clip.xy / in.previous_clip.w);
    var out: GBufferOut;
    out.base_color_ao = vec4f(select(base_color.rgb, vec3f(0.0), unlit), occlusion);
    out.normal_roughness_metallic = vec4f(oct_encode(n), select(roughness, -1.0, unlit), metallic);
    out.motion = current - previous;
    out.emissive = vec4f(select(emissive, base_color.rgb, unlit), 1.0);
    return out;
}

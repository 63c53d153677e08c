// glTF metallic-roughness material evaluation shared by the G-buffer and forward passes. The
// including shader declares `material: Material` and the five textures and samplers
// (`base_color_texture`, `base_color_sampler`, ...) at the bind group it uses.

#include "include/material_uniforms.wgsl"

// A material evaluated at one fragment.
struct MaterialSample {
    // Linear rgb and alpha.
    base_color: vec4f,
    metallic: f32,
    perceptual_roughness: f32,
    // Material ambient occlusion, 1 = none.
    occlusion: f32,
    // Linear emissive radiance (not yet exposed).
    emissive: vec3f,
    // World-space shading normal (normal-mapped, facing the viewer on double-sided back faces).
    normal: vec3f,
    unlit: bool,
};

fn slot_uv(slot: u32, in: VertexOut) -> vec2f {
    let row0 = material.uv_transform[slot * 2u];
    let row1 = material.uv_transform[slot * 2u + 1u];
    let uv = vec3f(select(in.uv0, in.uv1, row0.w > 0.5), 1.0);
    return vec2f(dot(row0.xyz, uv), dot(row1.xyz, uv));
}

fn evaluate_material(in: VertexOut, front_facing: bool) -> MaterialSample {
    var m: MaterialSample;
    let base = textureSample(base_color_texture, base_color_sampler, slot_uv(0u, in));
    m.base_color = material.base_color * in.color * base;
    let mr = textureSample(metallic_roughness_texture, metallic_roughness_sampler, slot_uv(1u, in));
    m.metallic = clamp(material.params.x * mr.b, 0.0, 1.0);
    m.perceptual_roughness = clamp(material.params.y * mr.g, 0.0, 1.0);
    let ao_texel = textureSample(occlusion_texture, occlusion_sampler, slot_uv(3u, in)).r;
    m.occlusion = 1.0 + material.params.w * (ao_texel - 1.0);
    m.emissive = material.emissive.rgb * textureSample(emissive_texture, emissive_sampler, slot_uv(4u, in)).rgb;
    m.unlit = material.flags.y > 0.5;

    let tangent_normal = textureSample(normal_texture, normal_sampler, slot_uv(2u, in)).xyz * 2.0 - 1.0;
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
    m.normal = n;
    return m;
}

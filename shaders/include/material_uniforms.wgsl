// The glTF material uniform block, written by `MaterialUniforms` in src/render/scene_gpu.rs
// (the two must change together). Shared by the G-buffer, forward and shadow passes.

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

// Depth/normal edge outline (presets/examples/outline.toml), in display-encoded colour before
// FXAA. A pixel is on an edge when, against any of its four neighbours, the reverse-Z depth
// differs by more than `depth_threshold` relative to the larger of the two (silhouettes, the
// sky), or both have a normal and 1 - dot(n, n') exceeds `normal_threshold` (creases). Edge
// pixels become mix(color, colour, opacity). tests/integration/custom_passes.rs computes the
// same on the CPU from the same depth and normals.

fn is_edge(uv: vec2<f32>, offset: vec2<f32>, d: f32, n: vec3<f32>) -> bool {
    let q = uv + offset * custom_texel();
    let dq = custom_depth(q);
    if abs(dq - d) > params.depth_threshold * max(max(dq, d), 1e-6) {
        return true;
    }
    let nq = custom_normal(q);
    let both = dot(n, n) > 0.5 && dot(nq, nq) > 0.5;
    return both && 1.0 - dot(n, nq) > params.normal_threshold;
}

fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let d = custom_depth(uv);
    let n = custom_normal(uv);
    let edge = is_edge(uv, vec2f(1.0, 0.0), d, n) || is_edge(uv, vec2f(-1.0, 0.0), d, n)
        || is_edge(uv, vec2f(0.0, 1.0), d, n) || is_edge(uv, vec2f(0.0, -1.0), d, n);
    let k = select(0.0, params.opacity, edge);
    return vec4f(mix(color.rgb, params.colour, k), color.a);
}

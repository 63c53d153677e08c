// One triangle that covers the viewport; uv has its origin at the top-left.

struct FullscreenOut {
    @builtin(position) position: vec4f,
    @location(0) uv: vec2f,
};

@vertex
fn vs_fullscreen(@builtin(vertex_index) index: u32) -> FullscreenOut {
    let uv = vec2f(f32((index << 1u) & 2u), f32(index & 2u));
    var out: FullscreenOut;
    out.position = vec4f(uv_to_ndc(uv), 0.0, 1.0);
    out.uv = uv;
    return out;
}

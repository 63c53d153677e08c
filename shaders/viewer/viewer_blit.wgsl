// The viewer's present pass: copies the renderer's finished image (8-bit sRGB) into the
// window's viewport, or, in A/B compare, image A left of a vertical divider and image B right
// of it with a thin line on the divider. Reads: two display images. Writes: the window surface
// (any colour format: the hardware encodes sRGB where the surface is sRGB).

struct Blit {
    // x: the divider as a pixel column of the viewport (images A and B both cover the
    // viewport; A is drawn left of it), y: half the line's width in pixels (0: no line),
    // zw: the viewport's top-left corner in surface pixels.
    params: vec4f,
};

@group(0) @binding(0) var<uniform> blit: Blit;
@group(0) @binding(1) var image_a: texture_2d<f32>;
@group(0) @binding(2) var image_b: texture_2d<f32>;

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4f {
    // One triangle covering the viewport.
    let uv = vec2f(f32((index << 1u) & 2u), f32(index & 2u));
    return vec4f(uv * vec2f(2.0, -2.0) + vec2f(-1.0, 1.0), 0.0, 1.0);
}

@fragment
fn fs_main(@builtin(position) position: vec4f) -> @location(0) vec4f {
    let local = position.xy - blit.params.zw;
    let size = vec2i(textureDimensions(image_a));
    let pixel = clamp(vec2i(local), vec2i(0), size - 1);
    if abs(local.x - blit.params.x) < blit.params.y {
        return vec4f(1.0, 0.85, 0.2, 1.0);
    }
    if local.x < blit.params.x {
        return vec4f(textureLoad(image_a, pixel, 0).rgb, 1.0);
    }
    return vec4f(textureLoad(image_b, pixel, 0).rgb, 1.0);
}

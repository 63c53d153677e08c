// Spatial upscale of the HDR image, for a render scale below 1 with TAA off (TAA upsamples
// temporally instead). Catmull-Rom (B = 0, C = 1/2; Mitchell & Netravali, "Reconstruction
// Filters in Computer Graphics", SIGGRAPH 1988) over the 4x4 input texels around the sample
// less its four corners (12 loads; together the corners weigh at most 1.6 %, at the
// half-texel phase), filtered in a compressed space `c / (1 + max(r, g, b))` and expanded after (Karis, "High
// Quality Temporal Supersampling", SIGGRAPH 2014): in linear HDR a bright texel's negative
// lobes ring over its dark neighbours, which made the upscale 0.5 to 1 dB further from the
// native render than a bilinear resize of the finished image (tests/integration/
// antialiasing.rs). The result is clamped to the 2x2 input texels around the sample (no value
// the input does not have nearby); a non-finite result falls back to the nearest texel.
// Reads: the HDR image at render size. Writes: the HDR image at display size (same format).
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"

struct Upscale {
    // xy: input size in pixels; zw: 1 / input size.
    input: vec4f,
};

@group(0) @binding(0) var<uniform> upscale: Upscale;
@group(0) @binding(1) var source: texture_2d<f32>;

// The compute variant's output (src/post/variant.rs); only for Rgba16Float HDR images.
@group(1) @binding(0) var upscaled: texture_storage_2d<rgba16float, write>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    return upscale_pixel(in.uv);
}

@compute @workgroup_size(8, 8)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    let size = textureDimensions(upscaled);
    if any(id.xy >= size) {
        return;
    }
    textureStore(upscaled, id.xy, upscale_pixel(compute_pixel_centre(id.xy) / vec2f(size)));
}

// A reversible compression of HDR colour (Karis 2014): filtering in this space keeps bright
// texels from ringing over their neighbours.
fn compress(c: vec4f) -> vec4f {
    return vec4f(c.rgb / (1.0 + max(max(c.r, c.g), c.b)), c.a);
}

fn expand(c: vec4f) -> vec4f {
    return vec4f(c.rgb / max(1.0 - max(max(c.r, c.g), c.b), 1.0 / 65504.0), c.a);
}

// The compressed texel at `base + (x, y)`, clamped to the image.
fn upscale_tap(base: vec2i, x: i32, y: i32, last: vec2i) -> vec4f {
    return compress(textureLoad(source, clamp(base + vec2i(x, y), vec2i(0), last), 0));
}

// The upscaled HDR colour at `uv` (0..1 over the output, top-left origin; both entry points).
fn upscale_pixel(uv: vec2f) -> vec4f {
    let size = upscale.input.xy;
    let p = uv * size;
    let centre = floor(p - 0.5) + 0.5;
    let f = p - centre;
    let w0 = f * (-0.5 + f * (1.0 - 0.5 * f));
    let w1 = 1.0 + f * f * (-2.5 + 1.5 * f);
    let w2 = f * (0.5 + f * (2.0 - 1.5 * f));
    let w3 = f * f * (-0.5 + 0.5 * f);
    let last = vec2i(size) - 1;
    let base = vec2i(floor(p - 0.5));
    // The 4x4 window without its corners (each weight a product of two outer lobes, at most
    // 1.6 % together): 12 loads, renormalised.
    let a = upscale_tap(base, 0, -1, last);
    let b = upscale_tap(base, 1, -1, last);
    let c = upscale_tap(base, -1, 0, last);
    let d = upscale_tap(base, 0, 0, last);
    let e = upscale_tap(base, 1, 0, last);
    let f2 = upscale_tap(base, 2, 0, last);
    let g = upscale_tap(base, -1, 1, last);
    let h = upscale_tap(base, 0, 1, last);
    let k = upscale_tap(base, 1, 1, last);
    let l = upscale_tap(base, 2, 1, last);
    let m = upscale_tap(base, 0, 2, last);
    let n = upscale_tap(base, 1, 2, last);
    let sum = (a * w1.x + b * w2.x) * w0.y
        + (c * w0.x + d * w1.x + e * w2.x + f2 * w3.x) * w1.y
        + (g * w0.x + h * w1.x + k * w2.x + l * w3.x) * w2.y
        + (m * w1.x + n * w2.x) * w3.y;
    let total = (w1.x + w2.x) * (w0.y + w3.y) + (w0.x + w1.x + w2.x + w3.x) * (w1.y + w2.y);
    let low = min(min(d, e), min(h, k));
    let high = max(max(d, e), max(h, k));
    let colour = expand(clamp(sum / total, low, high));
    let nearest = textureLoad(source, clamp(vec2i(p), vec2i(0), last), 0);
    let bad = any(colour != colour) || any(abs(colour) > vec4f(65504.0));
    return select(colour, nearest, bad);
}

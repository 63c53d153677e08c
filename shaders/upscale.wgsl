// Spatial upscale of the HDR image, for a render scale below 1 with TAA off (TAA upsamples
// temporally instead). Catmull-Rom (B = 0, C = 1/2; Mitchell & Netravali, "Reconstruction
// Filters in Computer Graphics", SIGGRAPH 1988) evaluated with five bilinear taps: the 4x4
// window's corner taps are dropped and the inner 2x2 merged into one bilinear fetch per row and
// column (Jimenez, "Filmic SMAA", SIGGRAPH 2016 course), then renormalised.
// Catmull-Rom's negative lobes ring on hard HDR edges, so the result is clamped to the 2x2
// input texels around the sample (no value the input does not have nearby); a non-finite
// result falls back to the nearest texel.
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
@group(0) @binding(2) var bilinear: sampler;

fn tap(x: f32, y: f32) -> vec4f {
    return textureSampleLevel(source, bilinear, vec2f(x, y), 0.0);
}

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

// The upscaled HDR colour at `uv` (0..1 over the output, top-left origin; both entry points).
fn upscale_pixel(uv: vec2f) -> vec4f {
    let size = upscale.input.xy;
    let inv = upscale.input.zw;
    // Position in input pixels, and the centre of the texel up and left of it.
    let p = uv * size;
    let centre = floor(p - 0.5) + 0.5;
    let f = p - centre;
    let w0 = f * (-0.5 + f * (1.0 - 0.5 * f));
    let w1 = 1.0 + f * f * (-2.5 + 1.5 * f);
    let w2 = f * (0.5 + f * (2.0 - 1.5 * f));
    let w3 = f * f * (-0.5 + 0.5 * f);
    let w12 = w1 + w2;
    let t0 = (centre - 1.0) * inv;
    let t3 = (centre + 2.0) * inv;
    let t12 = (centre + w2 / w12) * inv;
    let weights = vec4f(w12.x * w0.y, w0.x * w12.y, w12.x * w12.y, w3.x * w12.y);
    let sum = tap(t12.x, t0.y) * weights.x + tap(t0.x, t12.y) * weights.y
        + tap(t12.x, t12.y) * weights.z + tap(t3.x, t12.y) * weights.w
        + tap(t12.x, t3.y) * (w12.x * w3.y);
    let colour = sum / (dot(weights, vec4f(1.0)) + w12.x * w3.y);
    let last = vec2i(size) - 1;
    let base = vec2i(floor(p - 0.5));
    let a = textureLoad(source, clamp(base, vec2i(0), last), 0);
    let b = textureLoad(source, clamp(base + vec2i(1, 0), vec2i(0), last), 0);
    let c = textureLoad(source, clamp(base + vec2i(0, 1), vec2i(0), last), 0);
    let d = textureLoad(source, clamp(base + vec2i(1, 1), vec2i(0), last), 0);
    let low = min(min(a, b), min(c, d));
    let high = max(max(a, b), max(c, d));
    let clamped = clamp(colour, low, high);
    let nearest = textureLoad(source, clamp(vec2i(p), vec2i(0), last), 0);
    // x != x is true only for NaN; a clamp against infinities keeps infinities out.
    let bad = any(clamped != clamped) || any(abs(clamped) > vec4f(65504.0));
    return select(clamped, nearest, bad);
}

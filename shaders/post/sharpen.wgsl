// Contrast-adaptive sharpening, the non-upscaling path of AMD FidelityFX CAS (Timothy Lottes,
// AMD, 2019; ffx_cas.h, CasFilter with no scaling). Per pixel, on the 3x3 window
//   a b c
//   d e f
//   g h i
// the filter is `(w (b + d + f + h) + e) / (1 + 4 w)`: a cross with negative lobes of weight
// `w = peak * sqrt(amp)`, where `peak = -1 / lerp(8, 5, sharpness)` and `amp` -- the distance of
// the window's soft min and max from the signal's limits 0 and 1, over the max -- goes to 0 where
// the window already spans the full range, so strong edges are sharpened less than weak ones.
// Everything happens in linear light (the sRGB view decodes, the target encodes).
// One addition to CAS: the result is clamped to the window's own min/max per channel, so the
// pass can never ring or overshoot (CAS's amplitude term keeps overshoot small, not zero).
// Reads: the display image (Rgba8UnormSrgb). Writes: the next display image of that format (the compute variant: Rgba8Unorm, encoded);
// alpha is copied from the centre pixel. Tiers (the `MODE` override constant, one pipeline per
// tier, see src/post/sharpen.rs): 0 pass-through, 1 cross window with one (green) weight for
// all channels as CAS does, 2 cross window with a weight per channel, 3 the 9-tap "better
// diagonals" soft min/max.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"

// The tier's window and weights (0..=3, see above).
override MODE: u32 = 3u;

struct Sharpen {
    // x: peak, -1 / lerp(8, 5, sharpness); y: unused; zw: width, height.
    params: vec4f,
};

@group(0) @binding(0) var<uniform> sharpen: Sharpen;
@group(0) @binding(1) var source: texture_2d<f32>;
// NEAREST, clamped to the edge: the neighbours are read at constant offsets from the pixel's
// centre (on lavapipe cheaper than `textureLoad` at clamped coordinates).
@group(0) @binding(2) var texels: sampler;

// The compute variant's output (src/post/variant.rs): sRGB-encoded Rgba8Unorm.
@group(1) @binding(0) var sharpened: texture_storage_2d<rgba8unorm, write>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    return sharpen_pixel(vec2i(in.position.xy));
}

@compute @workgroup_size(8, 8)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(sharpened)) {
        return;
    }
    textureStore(sharpened, id.xy, compute_display_texel(sharpen_pixel(vec2i(id.xy))));
}

// The sharpened, display-linear colour of pixel `p` (both entry points).
fn sharpen_pixel(p: vec2i) -> vec4f {
    let uv = (vec2f(p) + 0.5) / sharpen.params.zw;
    let centre = textureSampleLevel(source, texels, uv, 0.0);
    if MODE == 0u {
        return centre;
    }
    let e = centre.rgb;
    let b = textureSampleLevel(source, texels, uv, 0.0, vec2i(0, -1)).rgb;
    let d = textureSampleLevel(source, texels, uv, 0.0, vec2i(-1, 0)).rgb;
    let f = textureSampleLevel(source, texels, uv, 0.0, vec2i(1, 0)).rgb;
    let h = textureSampleLevel(source, texels, uv, 0.0, vec2i(0, 1)).rgb;

    // Soft min and max: the cross, plus (mode 3) the full 3x3, summed -- twice as large, so the
    // signal's upper limit becomes 2.
    var mn = min(min(min(d, e), min(f, b)), h);
    var mx = max(max(max(d, e), max(f, b)), h);
    var window_min = mn;
    var window_max = mx;
    var limit = 1.0;
    if MODE >= 3u {
        let a = textureSampleLevel(source, texels, uv, 0.0, vec2i(-1, -1)).rgb;
        let c = textureSampleLevel(source, texels, uv, 0.0, vec2i(1, -1)).rgb;
        let g = textureSampleLevel(source, texels, uv, 0.0, vec2i(-1, 1)).rgb;
        let i = textureSampleLevel(source, texels, uv, 0.0, vec2i(1, 1)).rgb;
        window_min = min(mn, min(min(a, c), min(g, i)));
        window_max = max(mx, max(max(a, c), max(g, i)));
        mn += window_min;
        mx += window_max;
        limit = 2.0;
    }
    // Smooth minimum distance to the signal's limits, divided by the smooth max, then shaped.
    let amp = sqrt(saturate(min(mn, vec3f(limit) - mx) / max(mx, vec3f(1.0 / 65536.0))));
    var w = amp * sharpen.params.x;
    if MODE == 1u {
        // CAS filters every channel with the green channel's weight.
        w = vec3f(w.g);
    }
    let filtered = (w * (b + d + f + h) + e) / (1.0 + 4.0 * w);
    return vec4f(clamp(filtered, window_min, window_max), centre.a);
}

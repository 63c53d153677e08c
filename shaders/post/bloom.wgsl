// Bloom (src/post/bloom.rs), after Jimenez, "Next Generation Post Processing in Call of Duty:
// Advanced Warfare" (SIGGRAPH 2014): a mip chain built by a 13-tap downsample (Karis average
// and sanitising on the first one), then a 3x3 tent upsample that accumulates back up the chain.
//
// Entry points, one pipeline each (the fs_ ones draw the full-screen triangle into one mip):
//   fs_downsample_first  HDR input -> chain mip 0: sanitise, 13 taps, Karis average inside each
//                        of the 5 box groups, soft threshold.
//   fs_downsample        chain mip -> next smaller mip: plain 13-tap filter.
//   fs_upsample          tent(smaller mip) blended over the larger mip with the blend constant
//                        (src * C + dst * (1 - C)), so the larger mip becomes the running sum.
//   fs_upsample_final    writes the bloom texture: mix(tent(coarser), current, current_weight),
//                        where `current` is the largest level (or the sanitised, thresholded
//                        input itself when the largest level is at full resolution).
// The first downsample's threshold and the final upsample's three cases are `override`
// constants (THRESHOLD, CURRENT_IS_INPUT, HAS_COARSER; one pipeline each, src/post/bloom.rs
// `BloomKey`), so no branch reads a uniform.
// Compute variants (src/post/variant.rs), 8x8 workgroups storing Rgba16Float at group 1, each
// calling the per-pixel function its fs_ twin calls: cs_downsample_first, cs_downsample,
// cs_upsample_final, and cs_upsample, which cannot blend: it reads the larger level's
// downsample through `current` and writes tent * C + current * (1 - C) (C in current_weight)
// into a second chain texture.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

struct BloomParams {
    // 1 / size in texels of the texture at binding 1 (the 13-tap or tent source).
    source_texel: vec2f,
    // Soft threshold (scene-linear, pre-exposed) and its knee (threshold * softness).
    threshold: f32,
    knee: f32,
    // fs_upsample_final: weight of `current` against the accumulated coarser levels;
    // cs_upsample: the blend constant C of fs_upsample.
    current_weight: f32,
    _pad0: f32,
    _pad: vec2f,
};

// Apply the soft threshold (the first downsample, and the full-resolution level).
override THRESHOLD: bool = false;
// fs_upsample_final: `current` is the raw HDR input (sanitise and threshold it).
override CURRENT_IS_INPUT: bool = false;
// fs_upsample_final: there are coarser levels to add.
override HAS_COARSER: bool = true;

// Largest value the chain carries: below the half float maximum (65504) and the 11/10-bit
// float maximum (65024), so sums and formats never overflow into infinity.
const BLOOM_MAX_VALUE: f32 = 32768.0;

@group(0) @binding(0) var<uniform> params: BloomParams;
@group(0) @binding(1) var source: texture_2d<f32>;
@group(0) @binding(2) var linear_clamp: sampler;
// fs_upsample_final, cs_upsample_final and cs_upsample only.
@group(0) @binding(3) var current: texture_2d<f32>;
// The compute variants' output: one mip of a chain texture, or the bloom texture.
@group(1) @binding(0) var bloom_out: texture_storage_2d<rgba16float, write>;

// NaN and infinities (by their exponent bits, which no fast-math assumption removes) to 0,
// negatives to 0, and everything else at most BLOOM_MAX_VALUE.
fn bloom_sanitize(c: vec3f) -> vec3f {
    let exponent = bitcast<vec3u>(c) & vec3u(0x7f800000u);
    let finite = exponent != vec3u(0x7f800000u);
    return select(vec3f(0.0), clamp(c, vec3f(0.0), vec3f(BLOOM_MAX_VALUE)), finite);
}

// Quadratic-knee soft threshold (Karis / Unreal): the brightest channel b is mapped to
// max(b - t, clamp(b - t + k, 0, 2k)^2 / 4k) and the colour scaled by that over b.
// Mirrored by `soft_threshold` in src/post/bloom.rs.
fn bloom_soft_threshold(color: vec3f, threshold: f32, knee: f32) -> vec3f {
    let brightness = max(color.r, max(color.g, color.b));
    var soft = clamp(brightness - threshold + knee, 0.0, 2.0 * knee);
    soft = soft * soft / (4.0 * knee + 1e-5);
    let contribution = max(brightness - threshold, soft) / max(brightness, 1e-5);
    return color * contribution;
}

fn bloom_tap(uv: vec2f, offset: vec2f) -> vec3f {
    return textureSampleLevel(source, linear_clamp, uv + offset * params.source_texel, 0.0).rgb;
}

// Luma unit of the Karis weight (KARIS_LUMA_SCALE in src/post/bloom.rs, which explains it).
const BLOOM_KARIS_LUMA_SCALE: f32 = 16.0;

// Karis weight of a tap: 1 / (1 + luma / BLOOM_KARIS_LUMA_SCALE).
fn bloom_karis(c: vec3f) -> f32 {
    return 1.0 / (1.0 + luminance(c) * (1.0 / BLOOM_KARIS_LUMA_SCALE));
}

// Karis average of four taps: sum(w c) / sum(w), w = bloom_karis(c).
fn bloom_karis_group(p: vec3f, q: vec3f, r: vec3f, s: vec3f) -> vec3f {
    let wp = bloom_karis(p);
    let wq = bloom_karis(q);
    let wr = bloom_karis(r);
    let ws = bloom_karis(s);
    return (p * wp + q * wq + r * wr + s * ws) / (wp + wq + wr + ws);
}

// The 13 taps sit on texel corners of the source around the output pixel's centre (itself a
// corner), so every bilinear tap is the mean of a 2x2 box of source texels:
//   a . b . c
//   . d . e .
//   f . g . h
//   . i . j .
//   k . l . m
// Groups (4x4 texels each): centre (d e i j) weight 1/2; corners (a b f g), (b c g h),
// (f g k l), (g h l m) weight 1/8 each.
@fragment
fn fs_downsample_first(in: FullscreenOut) -> @location(0) vec4f {
    return bloom_downsample_first(in.uv);
}

// The first downsample of the output pixel centred at `uv` (both entry points).
fn bloom_downsample_first(uv: vec2f) -> vec4f {
    let a = bloom_sanitize(bloom_tap(uv, vec2f(-2.0, -2.0)));
    let b = bloom_sanitize(bloom_tap(uv, vec2f(0.0, -2.0)));
    let c = bloom_sanitize(bloom_tap(uv, vec2f(2.0, -2.0)));
    let d = bloom_sanitize(bloom_tap(uv, vec2f(-1.0, -1.0)));
    let e = bloom_sanitize(bloom_tap(uv, vec2f(1.0, -1.0)));
    let f = bloom_sanitize(bloom_tap(uv, vec2f(-2.0, 0.0)));
    let g = bloom_sanitize(bloom_tap(uv, vec2f(0.0, 0.0)));
    let h = bloom_sanitize(bloom_tap(uv, vec2f(2.0, 0.0)));
    let i = bloom_sanitize(bloom_tap(uv, vec2f(-1.0, 1.0)));
    let j = bloom_sanitize(bloom_tap(uv, vec2f(1.0, 1.0)));
    let k = bloom_sanitize(bloom_tap(uv, vec2f(-2.0, 2.0)));
    let l = bloom_sanitize(bloom_tap(uv, vec2f(0.0, 2.0)));
    let m = bloom_sanitize(bloom_tap(uv, vec2f(2.0, 2.0)));
    // Karis average inside each group (Jimenez's "partial Karis average"): its four taps
    // weighted by 1 / (1 + luma / 16), renormalised, so a tap holding one super-bright texel
    // counts for almost nothing (no fireflies) while uniform areas are unchanged. Weighting
    // whole groups instead cannot help at the firefly's own output pixel: the central 2x2
    // texels lie in all five groups.
    let g0 = bloom_karis_group(d, e, i, j);
    let g1 = bloom_karis_group(a, b, f, g);
    let g2 = bloom_karis_group(b, c, g, h);
    let g3 = bloom_karis_group(f, g, k, l);
    let g4 = bloom_karis_group(g, h, l, m);
    var color = g0 * 0.5 + (g1 + g2 + g3 + g4) * 0.125;
    if THRESHOLD {
        color = bloom_soft_threshold(color, params.threshold, params.knee);
    }
    return vec4f(color, 1.0);
}

// The same 13 taps and group weights without the Karis average: per tap, g 1/8, d e i j 1/8,
// b f h l 1/16, a c k m 1/32 (sum 1).
@fragment
fn fs_downsample(in: FullscreenOut) -> @location(0) vec4f {
    return bloom_downsample(in.uv);
}

// A further downsample of the output pixel centred at `uv` (both entry points).
fn bloom_downsample(uv: vec2f) -> vec4f {
    let corners = bloom_tap(uv, vec2f(-2.0, -2.0)) + bloom_tap(uv, vec2f(2.0, -2.0))
        + bloom_tap(uv, vec2f(-2.0, 2.0)) + bloom_tap(uv, vec2f(2.0, 2.0));
    let edges = bloom_tap(uv, vec2f(0.0, -2.0)) + bloom_tap(uv, vec2f(-2.0, 0.0))
        + bloom_tap(uv, vec2f(2.0, 0.0)) + bloom_tap(uv, vec2f(0.0, 2.0));
    let inner = bloom_tap(uv, vec2f(-1.0, -1.0)) + bloom_tap(uv, vec2f(1.0, -1.0))
        + bloom_tap(uv, vec2f(-1.0, 1.0)) + bloom_tap(uv, vec2f(1.0, 1.0));
    let centre = bloom_tap(uv, vec2f(0.0, 0.0));
    let color = centre * 0.125 + inner * 0.125 + edges * 0.0625 + corners * 0.03125;
    return vec4f(color, 1.0);
}

// 3x3 tent (1 2 1 / 2 4 2 / 1 2 1, over 16) with taps one source texel apart.
fn bloom_tent(uv: vec2f) -> vec3f {
    var sum = bloom_tap(uv, vec2f(0.0, 0.0)) * 4.0;
    sum += (bloom_tap(uv, vec2f(-1.0, 0.0)) + bloom_tap(uv, vec2f(1.0, 0.0))
        + bloom_tap(uv, vec2f(0.0, -1.0)) + bloom_tap(uv, vec2f(0.0, 1.0))) * 2.0;
    sum += bloom_tap(uv, vec2f(-1.0, -1.0)) + bloom_tap(uv, vec2f(1.0, -1.0))
        + bloom_tap(uv, vec2f(-1.0, 1.0)) + bloom_tap(uv, vec2f(1.0, 1.0));
    return sum * (1.0 / 16.0);
}

@fragment
fn fs_upsample(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(bloom_tent(in.uv), 1.0);
}

@fragment
fn fs_upsample_final(in: FullscreenOut) -> @location(0) vec4f {
    return bloom_upsample_final(in.uv);
}

// The bloom texture's pixel centred at `uv` (both entry points).
fn bloom_upsample_final(uv: vec2f) -> vec4f {
    var color = textureSampleLevel(current, linear_clamp, uv, 0.0).rgb;
    if CURRENT_IS_INPUT {
        color = bloom_sanitize(color);
        if THRESHOLD {
            color = bloom_soft_threshold(color, params.threshold, params.knee);
        }
    }
    if HAS_COARSER {
        color = mix(bloom_tent(uv), color, params.current_weight);
    }
    return vec4f(color, 1.0);
}

// The centre of storage texel `id` in uv, as the full-screen triangle interpolates it.
fn bloom_texel_uv(id: vec2u) -> vec2f {
    return (vec2f(id) + 0.5) / vec2f(textureDimensions(bloom_out));
}

@compute @workgroup_size(8, 8)
fn cs_downsample_first(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(bloom_out)) {
        return;
    }
    textureStore(bloom_out, id.xy, bloom_downsample_first(bloom_texel_uv(id.xy)));
}

@compute @workgroup_size(8, 8)
fn cs_downsample(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(bloom_out)) {
        return;
    }
    textureStore(bloom_out, id.xy, bloom_downsample(bloom_texel_uv(id.xy)));
}

// fs_upsample's blend done by hand: src * C + dst * (1 - C), dst the larger level's
// downsample (the output's size, so read texel for texel).
@compute @workgroup_size(8, 8)
fn cs_upsample(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(bloom_out)) {
        return;
    }
    let c = params.current_weight;
    let tent = vec4f(bloom_tent(bloom_texel_uv(id.xy)), 1.0);
    textureStore(bloom_out, id.xy, tent * c + textureLoad(current, id.xy, 0) * (1.0 - c));
}

@compute @workgroup_size(8, 8)
fn cs_upsample_final(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(bloom_out)) {
        return;
    }
    textureStore(bloom_out, id.xy, bloom_upsample_final(bloom_texel_uv(id.xy)));
}

// Spatial upscale of the HDR image, for a render scale below 1 with TAA off (TAA upsamples
// temporally instead). Three filters, picked by the tier (src/post/upscale.rs), each its own
// pair of entry points:
//
// - bilinear: the 2x2 input texels around the sample (4 loads).
// - edge-directed over the same 2x2 (4 loads): weights from the kernel below, so the
//   mix runs along an edge rather than across it.
// - edge-adaptive over the 4x4 input texels around the sample less its four corners
//   (12 loads; the corners would weigh little), with the kernel's negative lobes.
//
// The kernel is the idea of AMD FidelityFX Super Resolution 1's EASU (Lottes, 2021), written
// from its published description: a Lanczos-2-like polynomial `(25/16 (2/5 d² - 1)² - 9/16) ·
// (w d² - 1)²` whose frame is turned to the local edge, narrowed across it, widened along it
// and given a deeper negative lobe (smaller `w`) by how strongly the neighbourhood is an edge.
// Where EASU finds the edge from '+'-shaped luma gradients around each of the four nearest
// texels (12 lumas), this reads it off those four texels alone: the direction is their luma
// gradient, the strength `(|gradient| / (2 · luma range))²`, 1 on a clean step and 0 on a
// checker. Measured against native renders (tests/integration/antialiasing.rs) EASU's analysis
// was no closer (+0.03 dB, -0.0005 SSIM on the mean of four views) for three times the ALU.
//
// All three filter in a compressed space `c / (1 + max(r, g, b))` and expand after (Karis,
// "High Quality Temporal Supersampling", SIGGRAPH 2014): in linear HDR a bright texel's
// negative lobes ring over its dark neighbours, and a bright texel's share of a mix outweighs
// what the tone mapper will make of it (bilinear in linear HDR was 0.7 to 1.2 dB further from
// the native render than in this space). The edge-adaptive filter is clamped to the 2x2 input texels around the
// sample (no value the input does not have nearby); a non-finite result falls back to the
// nearest texel.
// Reads: the HDR image at render size. Writes: the HDR image at display size (same format).
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"

struct Upscale {
    // xy: input size in pixels; zw: 1 / input size.
    input: vec4f,
};

// The filters, one entry point pair each (the pipeline picks; no branch reads a uniform).
const BILINEAR: u32 = 0u;
const EDGE_DIRECTED: u32 = 1u;
const EDGE_ADAPTIVE: u32 = 2u;

@group(0) @binding(0) var<uniform> upscale: Upscale;
@group(0) @binding(1) var source: texture_2d<f32>;
// NEAREST, clamped to the edge: the input's texels are read at constant offsets from one
// coordinate (on lavapipe cheaper than `textureLoad` at clamped coordinates).
@group(0) @binding(2) var texels: sampler;

// The compute variant's output (src/post/variant.rs); only for Rgba16Float HDR images.
@group(1) @binding(0) var upscaled: texture_storage_2d<rgba16float, write>;

@fragment
fn fs_bilinear(in: FullscreenOut) -> @location(0) vec4f {
    return upscale_pixel(in.uv, BILINEAR);
}

@fragment
fn fs_edge_directed(in: FullscreenOut) -> @location(0) vec4f {
    return upscale_pixel(in.uv, EDGE_DIRECTED);
}

@fragment
fn fs_edge_adaptive(in: FullscreenOut) -> @location(0) vec4f {
    return upscale_pixel(in.uv, EDGE_ADAPTIVE);
}

@compute @workgroup_size(8, 8)
fn cs_bilinear(@builtin(global_invocation_id) id: vec3u) {
    store_pixel(id.xy, BILINEAR);
}

@compute @workgroup_size(8, 8)
fn cs_edge_directed(@builtin(global_invocation_id) id: vec3u) {
    store_pixel(id.xy, EDGE_DIRECTED);
}

@compute @workgroup_size(8, 8)
fn cs_edge_adaptive(@builtin(global_invocation_id) id: vec3u) {
    store_pixel(id.xy, EDGE_ADAPTIVE);
}

fn store_pixel(id: vec2u, choice: u32) {
    let size = textureDimensions(upscaled);
    if any(id >= size) {
        return;
    }
    textureStore(upscaled, id, upscale_pixel(compute_pixel_centre(id) / vec2f(size), choice));
}

// A reversible compression of HDR colour (Karis 2014): filtering in this space keeps bright
// texels from ringing over their neighbours.
fn compress(c: vec4f) -> vec4f {
    return vec4f(c.rgb / (1.0 + max(max(c.r, c.g), c.b)), c.a);
}

fn expand(c: vec4f) -> vec4f {
    return vec4f(c.rgb / max(1.0 - max(max(c.r, c.g), c.b), 1.0 / 65504.0), c.a);
}


// The upscaled HDR colour at `uv` (0..1 over the output, top-left origin; every entry point)
// by the filter `choice`, a constant of each entry point.
fn upscale_pixel(uv: vec2f, choice: u32) -> vec4f {
    let size = upscale.input.xy;
    let p = uv * size;
    // `base` is the input texel up and left of the sample; `f` the sample's offset from its
    // centre, in 0..1 per axis. The window, in rows, with `ff` at `base`:
    //        b c
    //      e ff g h
    //      i j  k l
    //        n o
    // The taps are read at constant offsets from `base`'s centre `at` (the sampler clamps
    // to the image).
    let base = floor(p - 0.5);
    let f = p - (base + 0.5);
    let at = (base + 0.5) * upscale.input.zw;
    let ff = compress(textureSampleLevel(source, texels, at, 0.0));
    let g = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(1, 0)));
    let j = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(0, 1)));
    let k = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(1, 1)));
    var filtered: vec4f;
    if choice == BILINEAR {
        filtered = mix(mix(ff, g, f.x), mix(j, k, f.x), f.y);
    } else {
        let kernel = edge_kernel(ff, g, j, k);
        let wf = kernel_weight(kernel, -f);
        let wg = kernel_weight(kernel, vec2f(1.0, 0.0) - f);
        let wj = kernel_weight(kernel, vec2f(0.0, 1.0) - f);
        let wk = kernel_weight(kernel, vec2f(1.0, 1.0) - f);
        var sum = ff * wf + g * wg + j * wj + k * wk;
        var total = wf + wg + wj + wk;
        if choice == EDGE_ADAPTIVE {
            let b = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(0, -1)));
            let c = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(1, -1)));
            let e = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(-1, 0)));
            let h = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(2, 0)));
            let i = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(-1, 1)));
            let l = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(2, 1)));
            let n = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(0, 2)));
            let o = compress(textureSampleLevel(source, texels, at, 0.0, vec2i(1, 2)));
            let wb = kernel_weight(kernel, vec2f(0.0, -1.0) - f);
            let wc = kernel_weight(kernel, vec2f(1.0, -1.0) - f);
            let we = kernel_weight(kernel, vec2f(-1.0, 0.0) - f);
            let wh = kernel_weight(kernel, vec2f(2.0, 0.0) - f);
            let wi = kernel_weight(kernel, vec2f(-1.0, 1.0) - f);
            let wl = kernel_weight(kernel, vec2f(2.0, 1.0) - f);
            let wn = kernel_weight(kernel, vec2f(0.0, 2.0) - f);
            let wo = kernel_weight(kernel, vec2f(1.0, 2.0) - f);
            sum += b * wb + c * wc + e * we + h * wh + i * wi + l * wl + n * wn + o * wo;
            total += wb + wc + we + wh + wi + wl + wn + wo;
        }
        // The negative lobes may overshoot: keep to what the nearest texels hold.
        let low = min(min(ff, g), min(j, k));
        let high = max(max(ff, g), max(j, k));
        filtered = clamp(sum / total, low, high);
    }
    let colour = expand(filtered);
    let nearest = textureSampleLevel(source, texels, uv, 0.0);
    let bad = any(colour != colour) | any(abs(colour) > vec4f(65504.0));
    return select(colour, nearest, bad);
}

// The kernel at one sample: `rotation` the unit luma gradient (x across the edge, y along
// it), `scale` how much offsets grow (narrower) or shrink (wider) along each, `lobe` the
// window's `w` (the kernel ends where d² = 1 / w).
struct EdgeKernel {
    rotation: vec2f,
    scale: vec2f,
    lobe: f32,
};

// The luma the edge analysis reads (a cheap weighting; only its differences matter).
fn edge_luma(c: vec4f) -> f32 {
    return dot(c.rgb, vec3f(0.25, 0.5, 0.25));
}

// The kernel from the four texels nearest the sample (compressed).
fn edge_kernel(ff: vec4f, g: vec4f, j: vec4f, k: vec4f) -> EdgeKernel {
    let lf = edge_luma(ff);
    let lg = edge_luma(g);
    let lj = edge_luma(j);
    let lk = edge_luma(k);
    let gradient = vec2f(lg + lk - lf - lj, lj + lk - lf - lg);
    let range = max(max(lf, lg), max(lj, lk)) - min(min(lf, lg), min(lj, lk));
    let length_sq = dot(gradient, gradient);
    let flat = length_sq < 1.0 / 32768.0;
    let rotation = select(gradient * inverseSqrt(max(length_sq, 1e-30)), vec2f(1.0, 0.0), flat);
    let strength = saturate(sqrt(length_sq) / max(2.0 * range, 1e-6));
    let edge = strength * strength;
    // On a diagonal edge the grid's texels lie up to sqrt(2) further along the rotated axes.
    let stretch = 1.0 / max(abs(rotation.x), abs(rotation.y));
    let scale = vec2f(1.0 + (stretch - 1.0) * edge, 1.0 - 0.5 * edge);
    let lobe = 0.5 - 0.29 * edge;
    return EdgeKernel(rotation, scale, lobe);
}

// The kernel's weight for a texel at `offset` from the sample, d² clipped at the window's end.
fn kernel_weight(kernel: EdgeKernel, offset: vec2f) -> f32 {
    let r = kernel.rotation;
    let v = vec2f(dot(offset, r), dot(offset, vec2f(-r.y, r.x))) * kernel.scale;
    let d2 = min(dot(v, v), 1.0 / kernel.lobe);
    let base = 25.0 / 16.0 * (0.4 * d2 - 1.0) * (0.4 * d2 - 1.0) - 9.0 / 16.0;
    let window = (kernel.lobe * d2 - 1.0) * (kernel.lobe * d2 - 1.0);
    return base * window;
}

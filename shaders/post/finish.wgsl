// The fused finish (docs/architecture.md "The frame"), one full-screen pass:
//   HDR (+ chromatic aberration: red and blue magnified by 1 + s and 1 - s)
//   -> bloom composite (include/bloom_composite.wgsl)
//   -> exposure (the multiplier the exposure pass left in its state buffer)
//   -> one trilinear sample of the baked grade LUT (grade + tone mapper + user LUT, as
//      sRGB-encoded display values, src/post/grade_bake.rs)
//   -> vignette -> film grain and triangular dither, all in the sRGB encoding the LUT gives
//   -> the compute variant stores the encoded values as they are; the fragment variant decodes
//      once for its sRGB attachment, which encodes on store (a polynomial within 0.05 of a code
//      of the sRGB curve after that encode, instead of three `pow`).
// Filament bakes its grading the same way; the vignette and grain follow Unity's
// post-processing stack in spirit.
//
// Every step a setting turns on or off is an `override` constant (src/post/finish.rs,
// `FinishKey`), so the pipeline of each combination runs straight-line code and no branch reads
// a uniform. The vignette towards black is one scalar in the encoded domain: scaling linear
// light by `k = 1 - amount` is `(e + 0.055) k^(1/2.4) - 0.055` on the sRGB curve's power
// segment and `k e` on its linear toe; the larger of the two is exact on either segment and
// within 0.24 of a code where a pixel's value crosses from one to the other, for amounts up to
// 0.5 (where `k^(1/2.4)` is a polynomial within 2e-4); a vignette stronger than 0.5 is its own
// pipeline, whose pixels vignetted more than 0.5 decode, scale and encode. A coloured vignette
// mixes in display-linear light (decode, mix, encode). Grain and
// dither come from one fetch of a 64x64 noise tile (src/post/blue_noise.rs): red and green are
// blue-noise masks whose sum less 1 is the triangular dither, blue the grain's value noise,
// shifted by a per-frame offset when the grain animates.
// Reads: HDR (pre-exposed radiance), the grade LUT, the bloom texture (1x1 black when off),
// the exposure state, the noise tile. Writes: the 8-bit display target (the compute variant:
// Rgba8Unorm holding sRGB-encoded values); alpha is coverage. NaN/Inf pixels show as black.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/grade_lut.wgsl"
#include "include/bloom_composite.wgsl"
#include "include/compute_output.wgsl"
#include "include/pq.wgsl"
#include "include/texel_filter.wgsl"

// The baked LUT's edge in texels (16, 32 or 64).
override LUT_SIZE: f32 = 64.0;
// Chromatic aberration: two more HDR taps.
override ABERRATION: bool = false;
// The bloom composite: 0 off, 1 energy-conserving, 2 additive.
override BLOOM: u32 = 0u;
// The vignette: 0 off, 1 towards black of intensity up to 0.5 (in the encoding), 2 towards
// black stronger than that, 3 towards a colour (display-linear).
override VIGNETTE: u32 = 0u;
override GRAIN: bool = false;
override DITHER: bool = true;
// 0: SDR (the LUT and the output sRGB-encoded) into an sRGB attachment; 1: HDR (the LUT and the
// output PQ code values of BT.2020 light, src/post/display.rs; fragment only); 2: SDR into an
// Rgba8Unorm view of the target, which stores the encoded values as they are.
override ENCODING: u32 = 0u;

// The Ultra tier: the LUT interpolated tetrahedrally (include/grade_lut.wgsl) rather than
// trilinearly.
override TETRAHEDRAL: bool = false;

const ENCODING_HDR: u32 = 1u;
const ENCODING_SDR_BYTES: u32 = 2u;
const VIGNETTE_BLACK_STRONG: u32 = 2u;
const VIGNETTE_COLOURED: u32 = 3u;
const BLOOM_ADDITIVE: u32 = 2u;
// The noise tile's edge (src/post/blue_noise.rs, TILE).
const NOISE_TILE: u32 = 64u;

struct Finish {
    // x: bloom intensity; y, z: 1 / width, 1 / height; w: paper white in nits (HDR).
    frame: vec4f,
    // Vignette: x intensity, y radius, z 1 / smoothness, w the x of `shape`, the scale of
    // (uv - 0.5) whose length is 1 at the corners (from the roundness and the aspect ratio).
    vignette: vec4f,
    // Vignette colour (display-linear; the coloured vignette only) in rgb; w: the y of `shape`.
    vignette_colour: vec4f,
    // x: grain amplitude in sRGB-encoded units, y: grain luminance response, zw: this
    // frame's offset into the noise tile, in texels.
    noise: vec4f,
    // Chromatic aberration with radial scale s: x 1 / (1 + s), y 1 / (1 - s); z: the largest
    // code the output may hold (1 in SDR; in HDR the PQ code of the display's peak, rounded
    // down to a half float); w: unused.
    aberration: vec4f,
};

#include "include/exposure_state.wgsl"

@group(0) @binding(0) var<uniform> finish: Finish;
@group(0) @binding(1) var hdr: texture_2d<f32>;
@group(0) @binding(2) var grade_lut: texture_3d<f32>;
@group(0) @binding(3) var linear_clamp: sampler;
@group(0) @binding(4) var bloom: texture_2d<f32>;
// A uniform binding of the exposure state buffer (written as storage by the exposure pass on
// devices with compute; from the CPU on every device): no storage buffer in the finish, so it
// runs on GLES 3.0 / WebGL2.
@group(0) @binding(5) var<uniform> exposure: ExposureState;
// r, g: blue-noise masks; b: the grain (src/post/blue_noise.rs).
@group(0) @binding(6) var noise_tile: texture_2d<f32>;
// NEAREST samplers: `hdr`'s texels (clamped to the edge; also the aberration's bilinear
// taps, as GLES pairs a texture with one sampler) and `noise_tile`'s (repeating). On lavapipe
// a texel read through a sampler costs less than `textureLoad`.
@group(0) @binding(7) var hdr_texels: sampler;
@group(0) @binding(8) var noise_texels: sampler;

// The compute variant's output (src/post/variant.rs): sRGB-encoded Rgba8Unorm.
@group(1) @binding(0) var finished: texture_storage_2d<rgba8unorm, write>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let encoded = finish_encoded(in.position.xy);
    if ENCODING == ENCODING_HDR || ENCODING == ENCODING_SDR_BYTES {
        // PQ code values into the Rgba16Float display image, or the sRGB encoding into an
        // Rgba8Unorm view, as they are.
        return encoded;
    }
    // The sRGB attachment encodes on store: the one decode of the pass.
    return vec4f(finish_decode(encoded.rgb), encoded.a);
}

// The sRGB decode (IEC 61966-2-1 EOTF) of `c` in [0, 1] for an sRGB attachment to encode again:
// on the power segment a degree-5 polynomial fitted to relative error (at most 0.14 %, which the
// encode turns into at most 0.05 of an 8-bit code), on the linear toe exact.
fn finish_decode(c: vec3f) -> vec3f {
    let p = 0.00090492298 + c * (0.033245648 + c * (0.51377977 + c * (0.68926269
        + c * (-0.34102028 + c * 0.10429442))));
    return select(p, c / 12.92, c <= vec3f(0.04045));
}

@compute @workgroup_size(8, 8)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(finished)) {
        return;
    }
    textureStore(finished, id.xy, finish_encoded(compute_pixel_centre(id.xy)));
}

// The finished, sRGB-encoded colour in [0, 1] of the pixel centred at `position` (framebuffer
// coordinates, as `@builtin(position)`) and its coverage, shared by both entry points: every
// per-pixel step of the finish belongs here.
fn finish_encoded(position: vec2f) -> vec4f {
    let uv = position * finish.frame.yz;
    let texel = textureSampleLevel(hdr, hdr_texels, uv, 0.0);
    var c = texel.rgb;
    if ABERRATION {
        // Lateral chromatic aberration: magnification differs per wavelength, so red lands
        // further out (the image magnified by 1 + s) and blue further in (by 1 - s), more
        // towards the corners: a pixel reads red from its radius / (1 + s).
        let from_centre = uv - 0.5;
        let size = 1.0 / finish.frame.yz;
        let red = 0.5 + from_centre * finish.aberration.x;
        c.r = texel_bilinear(hdr, hdr_texels, red, size, finish.frame.yz).r;
        let blue = 0.5 + from_centre * finish.aberration.y;
        c.b = texel_bilinear(hdr, hdr_texels, blue, size, finish.frame.yz).b;
    }
    if BLOOM != 0u {
        let b = textureSampleLevel(bloom, linear_clamp, uv, 0.0).rgb;
        c = bloom_composite(c, b, finish.frame.x, BLOOM == BLOOM_ADDITIVE);
    }
    c *= exposure.multiplier;
    // A NaN or infinite pixel shows as black instead of poisoning the image.
    c = select(c, vec3f(0.0), any(c != c) | any(abs(c) > vec3f(65504.0)));
    // The LUT holds sRGB-encoded display values, unclipped (below 0, past 1): clipped below.
    var encoded: vec3f;
    if TETRAHEDRAL {
        encoded = grade_lut_sample_tetrahedral(grade_lut, c, LUT_SIZE);
    } else {
        encoded = grade_lut_sample_encoded(grade_lut, linear_clamp, c, LUT_SIZE);
    }
    if VIGNETTE != 0u {
        // r = 1 at the corners; roundness 1 measures in pixels (a circle), 0 in uv (an
        // ellipse with the image's aspect). smoothstep(radius, radius + smoothness, r):
        let r = length((uv - 0.5) * vec2f(finish.vignette.w, finish.vignette_colour.w));
        let t = saturate((r - finish.vignette.y) * finish.vignette.z);
        let amount = finish.vignette.x * t * t * (3.0 - 2.0 * t);
        let clipped = clamp(encoded, vec3f(0.0), vec3f(1.0));
        if ENCODING == ENCODING_HDR {
            // In light (BT.2020 nits), then PQ again; the colour is display-linear Rec.709
            // relative to paper white.
            let nits = pq_decode(clipped);
            var lit = nits * (1.0 - amount);
            if VIGNETTE == VIGNETTE_COLOURED {
                let colour = REC709_TO_BT2020 * finish.vignette_colour.rgb * finish.frame.w;
                lit = mix(nits, colour, amount);
            }
            encoded = pq_encode(lit);
        } else if VIGNETTE == VIGNETTE_COLOURED {
            let linear = mix(srgb_to_linear(clipped), finish.vignette_colour.rgb, amount);
            encoded = grade_lut_srgb_encode(linear);
        } else {
            // Linear light times k = 1 - amount, in the encoding (see the header):
            // k^(1/2.4) = 1 - amount q(amount), q fitted on amount in [0, 0.5].
            let k = 1.0 - amount;
            let root = 1.0 - amount * (0.41912450 + amount * (0.095504229 + amount * 0.13815526));
            encoded = max((clipped + 0.055) * root - 0.055, clipped * k);
            if VIGNETTE == VIGNETTE_BLACK_STRONG {
                if amount > 0.5 {
                    encoded = grade_lut_srgb_encode(k * srgb_to_linear(clipped));
                }
            }
        }
    }
    if GRAIN | DITHER {
        // Each 64x64 block of the image reads the tile shifted by its own offset, so the tile
        // never repeats in a row or column of blocks (a repeating grain pattern shows, and the
        // column means of a dithered ramp would repeat one column's error).
        let block = vec2u(position) / NOISE_TILE;
        let shift = block.x * vec2u(23u, 41u) + block.y * vec2u(37u, 19u);
        let at = vec2u(position) + vec2u(finish.noise.zw) + shift;
        let noise = textureSampleLevel(noise_tile, noise_texels, (vec2f(at) + 0.5) / f32(NOISE_TILE), 0.0);
        if GRAIN {
            // Smooth value noise about `size` pixels across, less in the highlights.
            let luma = dot(clamp(encoded, vec3f(0.0), vec3f(1.0)), vec3f(0.2126, 0.7152, 0.0722));
            let n = noise.b * 2.0 - 1.0;
            encoded += vec3f(n * finish.noise.x * mix(1.0, 1.0 - luma, finish.noise.y));
        }
        if DITHER {
            // Triangular-PDF dither of +-1 code in the encoded domain where the target
            // quantises (8-bit sRGB; a 10-bit PQ display), so gradients finer than one code
            // survive as noise instead of bands.
            let code = select(255.0, 1023.0, ENCODING == ENCODING_HDR);
            encoded += (noise.r + noise.g - 1.0) / code;
        }
    }
    return vec4f(clamp(encoded, vec3f(0.0), vec3f(finish.aberration.z)), clamp(texel.a, 0.0, 1.0));
}

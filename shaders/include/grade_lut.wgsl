// The baked grade LUT's two encodings (DESIGN.md, "The frame": the fused finish bakes every
// per-pixel colour operation into one 3D LUT, as Filament bakes its colour grading). Mirrors
// `shaper`, `shaper_inverse` and `srgb_encode` in src/post/grade_bake.rs; a change to either
// file must be made in both.
//
// Input: a 16³..64³ lattice cannot hold scene-linear HDR evenly spaced, so the LUT is indexed
// by a log-like coordinate per channel:
//   t = log2(1 + x / 2^-10) / log2(1 + 2^6 / 2^-10),   x = 2^-10 · (2^(t · 16.000022) − 1)
// which is log2 above about 2^-10 (even steps in stops up to 64 = 2^6, where t = 1) and
// linear below it (log2(1 + u) ≈ u / ln 2), so black is t = 0 exactly and the darkest
// lattice points are not crowded into a logarithm's infinite tail. Inputs above 64 clamp to
// the LUT's last lattice point.
//
// Output: each texel holds the sRGB-encoded display value (IEC 61966-2-1 inverse EOTF of
// display-linear Rec.709), the domain the 8-bit target quantises in, so interpolation error
// is spread evenly over the codes (about 0.7 of a 10-bit code at 64³; display-linear texels
// were off by up to 1.6% in the midtones). The texels hold the tone mapper's output before
// its clip (past 1 for the Clamp mapper, below 0 for saturated colours through ACES fitted;
// the odd extension of the encode below 0); whoever samples clips to [0, 1] after
// interpolating, which keeps the clip point where it is although it falls between lattice
// points.
// Reads nothing, writes nothing.
#include "include/tonemap.wgsl"

// The toe offset 2^-10 as its reciprocal (x / 2^-10 = x · 1024 exactly).
const GRADE_LUT_SHAPER_OFFSET: f32 = 0.0009765625;
const GRADE_LUT_SHAPER_OFFSET_INVERSE: f32 = 1024.0;
// The brightest input the LUT holds: 2^6.
const GRADE_LUT_SHAPER_MAX: f32 = 64.0;
// log2(1 + 64 · 1024) = log2(65537).
const GRADE_LUT_SHAPER_RANGE_LOG2: f32 = 16.000022;

// Scene-linear Rec.709 to the LUT's lattice coordinate in [0, 1] per channel. NaN and
// negatives count as 0 (through tonemap_sanitize, which works on the bits so NaN cannot slip
// through a float comparison), values above 64 as 64.
fn grade_lut_coordinate(x: vec3f) -> vec3f {
    let c = min(tonemap_sanitize(x), vec3f(GRADE_LUT_SHAPER_MAX));
    return log2(1.0 + c * GRADE_LUT_SHAPER_OFFSET_INVERSE) / GRADE_LUT_SHAPER_RANGE_LOG2;
}

// The lattice coordinate t (0 = the first lattice point, 1 = the last) back to scene-linear.
fn grade_lut_shaper_inverse(t: vec3f) -> vec3f {
    let u = clamp(t, vec3f(0.0), vec3f(1.0));
    return GRADE_LUT_SHAPER_OFFSET * (exp2(u * GRADE_LUT_SHAPER_RANGE_LOG2) - 1.0);
}

// A lattice coordinate to the texture coordinate that samples it with linear filtering in a
// `size`³ LUT: lattice point i sits at texel centre (i + 0.5) / size.
fn grade_lut_uvw(t: vec3f, size: f32) -> vec3f {
    return (t * (size - 1.0) + 0.5) / size;
}

// sRGB inverse EOTF (IEC 61966-2-1) per channel, for c >= 0, continued as the power curve
// above 1: display-linear to the encoding the grade LUT stores.
fn grade_lut_srgb_encode(c: vec3f) -> vec3f {
    return select(1.055 * pow(c, vec3f(1.0 / 2.4)) - 0.055, c * 12.92, c <= vec3f(0.0031308));
}

// grade_lut_srgb_encode with the sign kept (odd: -encode(-c) below 0; srgb_encode_signed in
// src/post/grade_bake.rs): the bake's encoding of a mapper's unclipped output.
fn grade_lut_srgb_encode_signed(c: vec3f) -> vec3f {
    return sign(c) * grade_lut_srgb_encode(abs(c));
}

// One trilinear sample of a baked `size`³ grade LUT (src/post/grade_bake.rs) for the
// scene-linear colour `hdr`: the graded, tone-mapped, sRGB-encoded display colour. `s` must
// filter linearly and clamp to edge (grade_bake::lut_sampler). Not clipped: the Clamp mapper's
// texels go past 1, so clip to [0, 1] (after any dither) before decoding with srgb_to_linear.
fn grade_lut_sample_encoded(lut: texture_3d<f32>, s: sampler, hdr: vec3f, size: f32) -> vec3f {
    let uvw = grade_lut_uvw(grade_lut_coordinate(hdr), size);
    return textureSampleLevel(lut, s, uvw, 0.0).rgb;
}

// Tetrahedral interpolation of a baked `size`³ grade LUT (Kasson, Nin, Plouffe and Hafner,
// "Performing color space conversions with three-dimensional linear interpolation", JEI 1995;
// what grading tools use): the lattice cell around the colour splits into six tetrahedra
// along its grey diagonal, and the colour is weighed between the four corners of its own, so
// a grey input reads grey lattice points only. Trilinear filtering mixes in the cell's other
// six corners, where another channel is the largest: with a mapper that compresses every
// channel by the largest (PBR Neutral) that pulls greys below the curve. Four texel loads,
// no sampler. Same result and domain as `grade_lut_sample_encoded` otherwise (not clipped).
fn grade_lut_sample_tetrahedral(lut: texture_3d<f32>, hdr: vec3f, size: f32) -> vec3f {
    let p = grade_lut_coordinate(hdr) * (size - 1.0);
    let base = clamp(floor(p), vec3f(0.0), vec3f(size - 2.0));
    let f = p - base;
    // The largest fraction's axis is stepped along first, the smallest's last (ties: x
    // before y before z as the largest, z before y before x as the smallest, so the two
    // always differ).
    let largest_x = (f.x >= f.y) & (f.x >= f.z);
    let largest_y = !largest_x & (f.y >= f.z);
    let first = vec3i(vec3<bool>(largest_x, largest_y, !largest_x & !largest_y));
    let smallest_z = (f.z <= f.y) & (f.z <= f.x);
    let smallest_y = !smallest_z & (f.y <= f.x);
    let last = vec3i(vec3<bool>(!smallest_z & !smallest_y, smallest_y, smallest_z));
    let high = max(f.x, max(f.y, f.z));
    let low = min(f.x, min(f.y, f.z));
    let middle = f.x + f.y + f.z - high - low;
    let b = vec3i(base);
    let c0 = textureLoad(lut, b, 0).rgb;
    let c1 = textureLoad(lut, b + first, 0).rgb;
    let c2 = textureLoad(lut, b + vec3i(1) - last, 0).rgb;
    let c3 = textureLoad(lut, b + vec3i(1), 0).rgb;
    return (1.0 - high) * c0 + (high - middle) * c1 + (middle - low) * c2 + low * c3;
}

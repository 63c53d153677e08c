// The input shaper of the baked grade LUT (DESIGN.md, "The frame": the fused finish bakes every
// per-pixel colour operation into one 3D LUT, as Filament bakes its colour grading). Mirrors
// `shaper` / `shaper_inverse` in src/post/grade_bake.rs; a change to either file must be made
// in both.
//
// A 16³..64³ lattice cannot hold scene-linear HDR evenly spaced, so the LUT is indexed by a
// log-like coordinate per channel:
//   t = log2(1 + x / 2^-10) / log2(1 + 2^6 / 2^-10),   x = 2^-10 · (2^(t · 16.000022) − 1)
// which is log2 above about 2^-10 (even steps in stops up to 64 = 2^6, where t = 1) and
// linear below it (log2(1 + u) ≈ u / ln 2), so black is t = 0 exactly and the darkest
// lattice points are not crowded into a logarithm's infinite tail. Inputs above 64 clamp to
// the LUT's last lattice point. Reads nothing, writes nothing.
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

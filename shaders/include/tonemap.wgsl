// Tone mappers on the GPU: scene-linear Rec.709 radiance (already exposed) to display-linear
// Rec.709 in [0, 1]; the sRGB encode happens later, in the finish pass.
// Mirrors src/post/tonemap.rs (`ToneMapper::apply`) line for line: the same constants, input
// cleaning and order of operations, so the two agree to f32 rounding (tests/integration/tonemap_gpu.rs
// compares them on the GPU). Sources and the reasons behind each curve are documented there;
// a change to either file must be made in both.
//
// Entry point: `tonemap(mapper, color)`. Mapper ids, the same as `ToneMapper::gpu_id`:
//   0 clamp, 1 reinhard, 2 reinhard_luminance, 3 aces_fitted, 4 agx, 5 agx_punchy,
//   6 agx_golden, 7 khronos_pbr_neutral, 8 hable_filmic.
// An unknown id behaves as clamp, so a bad id still gives displayable output.

const TONEMAP_CLAMP: u32 = 0u;
const TONEMAP_REINHARD: u32 = 1u;
const TONEMAP_REINHARD_LUMINANCE: u32 = 2u;
const TONEMAP_ACES_FITTED: u32 = 3u;
const TONEMAP_AGX: u32 = 4u;
const TONEMAP_AGX_PUNCHY: u32 = 5u;
const TONEMAP_AGX_GOLDEN: u32 = 6u;
const TONEMAP_KHRONOS_PBR_NEUTRAL: u32 = 7u;
const TONEMAP_HABLE_FILMIC: u32 = 8u;

// MAX_RADIANCE (65504.0, the largest finite half float) as f32 bits.
const TONEMAP_MAX_RADIANCE_BITS: u32 = 0x477fe000u;

// Rec.709 / sRGB luminance weights (ITU-R BT.709).
const TONEMAP_REC709_LUMINANCE: vec3f = vec3f(0.2126, 0.7152, 0.0722);

// NaN and negatives to 0, everything above MAX_RADIANCE (+inf too) to it.
// Done on the bits because WGSL lets an implementation assume floats are never NaN or
// infinite, so a float comparison may be optimised into one that lets NaN through. For
// non-negative floats the bit patterns order like the values; 0x7f800000 is +inf, anything
// above it is NaN or has the sign bit set.
fn tonemap_sanitize(c: vec3f) -> vec3f {
    let bits = bitcast<vec3u>(c);
    // bits - 1 wraps +0 to 0xffffffff, so this is 0 < bits <= +inf.
    let positive = bits - vec3u(1u) < vec3u(0x7f800000u);
    let capped = bitcast<vec3f>(min(bits, vec3u(TONEMAP_MAX_RADIANCE_BITS)));
    return select(vec3f(0.0), capped, positive);
}

// Reinhard et al. 2002, eq. 3 applied to luminance, colour scaled by the same ratio.
fn tonemap_reinhard_luminance(c: vec3f) -> vec3f {
    let l = dot(c, TONEMAP_REC709_LUMINANCE);
    // With non-negative channels and positive weights, L = 0 only for black.
    if l <= 0.0 {
        return vec3f(0.0);
    }
    // L' / L = 1 / (1 + L).
    return c / (1.0 + l);
}

// BakingLab `ACESInputMat` and `ACESOutputMat`, each constructor argument one *row* as written
// there. `v * m` dots v with each column of m, which is HLSL's `mul(M, v)` for these rows.
const TONEMAP_ACES_INPUT_ROWS: mat3x3f = mat3x3f(
    vec3f(0.59719, 0.35458, 0.04823),
    vec3f(0.07600, 0.90834, 0.01566),
    vec3f(0.02840, 0.13383, 0.83777),
);
const TONEMAP_ACES_OUTPUT_ROWS: mat3x3f = mat3x3f(
    vec3f(1.60475, -0.53108, -0.07367),
    vec3f(-0.10208, 1.10813, -0.00605),
    vec3f(-0.00327, -0.07276, 1.07602),
);

// BakingLab `ACESFitted`: input matrix, `RRTAndODTFit`, output matrix (the caller clamps).
fn tonemap_aces_fitted(c: vec3f) -> vec3f {
    let v = c * TONEMAP_ACES_INPUT_ROWS;
    let a = v * (v + 0.0245786) - 0.000090537;
    let b = v * (0.983729 * v + 0.432951) + 0.238081;
    return (a / b) * TONEMAP_ACES_OUTPUT_ROWS;
}

// Minimal AgX's `agx_mat` and `agx_mat_inv`, column-major like the GLSL source and in its
// order; the digits are the source's, more than an f32 holds.
const TONEMAP_AGX_INSET: mat3x3f = mat3x3f(
    0.842479062253094, 0.0423282422610123, 0.0423756549057051,
    0.0784335999999992, 0.878468636469772, 0.0784336,
    0.0792237451477643, 0.0791661274605434, 0.879142973793104,
);
const TONEMAP_AGX_OUTSET: mat3x3f = mat3x3f(
    1.19687900512017, -0.0528968517574562, -0.0529716355144438,
    -0.0980208811401368, 1.15190312990417, -0.0980434501171241,
    -0.0990297440797205, -0.0989611768448433, 1.15107367264116,
);

// The AgX log2 encoding's range: 10 stops below 0.18 to 6.5 stops above it.
const TONEMAP_AGX_MIN_EV: f32 = -12.47393;
const TONEMAP_AGX_MAX_EV: f32 = 4.026069;

// An AgX look: the ASC CDL (slope, offset, power) and saturation of Minimal AgX's `agxLook`.
struct TonemapAgxLook {
    offset: vec3f,
    slope: vec3f,
    power: vec3f,
    saturation: f32,
};

// Minimal AgX `AGX_LOOK == 2` ("Punchy") and `AGX_LOOK == 1` ("Golden"), and the identity
// look that base AgX passes; `tonemap_agx` skips the look step for it rather than applying it,
// because pow(v, 1) and luma + 1 * (v - luma) would add rounding the CPU version does not have.
const TONEMAP_AGX_LOOK_BASE: TonemapAgxLook =
    TonemapAgxLook(vec3f(0.0), vec3f(1.0), vec3f(1.0), 1.0);
const TONEMAP_AGX_LOOK_PUNCHY: TonemapAgxLook =
    TonemapAgxLook(vec3f(0.0), vec3f(1.0), vec3f(1.35), 1.4);
const TONEMAP_AGX_LOOK_GOLDEN: TonemapAgxLook =
    TonemapAgxLook(vec3f(0.0), vec3f(1.0, 0.9, 0.5), vec3f(0.8), 0.8);

// Minimal AgX's 6th-order fit of the base contrast sigmoid (`agxDefaultContrastApprox`).
fn tonemap_agx_contrast(x: vec3f) -> vec3f {
    let x2 = x * x;
    let x4 = x2 * x2;
    return 15.5 * x4 * x2 - 40.14 * x4 * x + 31.96 * x4 - 6.868 * x2 * x + 0.4298 * x2
        + 0.1191 * x - 0.00232;
}

// Minimal AgX: `agx`, then `agxLook` when `use_look`, then `agxEotf` (a 2.2 power, see the
// CPU version for why). The clamp at 0 of the sigmoid keeps `pow` away from negative bases,
// where it is undefined, and the odd power of the outset result keeps its sign (`tonemap`
// clips it to 0, the value the reference's clamp before the power gives): both the CPU
// version's too.
fn tonemap_agx(c: vec3f, use_look: bool, look: TonemapAgxLook) -> vec3f {
    let inset = TONEMAP_AGX_INSET * c;
    // log2(0) is undefined on the GPU (SPIR-V's Log2 for x <= 0, say) where the CPU gives
    // -inf, which clamps to the bottom; so black channels take the bottom directly.
    let log_inset = select(vec3f(TONEMAP_AGX_MIN_EV), log2(inset), inset > vec3f(0.0));
    var v = clamp(log_inset, vec3f(TONEMAP_AGX_MIN_EV), vec3f(TONEMAP_AGX_MAX_EV));
    v = (v - TONEMAP_AGX_MIN_EV) / (TONEMAP_AGX_MAX_EV - TONEMAP_AGX_MIN_EV);
    v = max(tonemap_agx_contrast(v), vec3f(0.0));
    if use_look {
        // Luma of the sigmoid output before the CDL, as the reference computes it.
        let luma = dot(v, TONEMAP_REC709_LUMINANCE);
        v = pow(max(v * look.slope + look.offset, vec3f(0.0)), look.power);
        v = luma + look.saturation * (v - luma);
    }
    v = TONEMAP_AGX_OUTSET * v;
    return sign(v) * pow(abs(v), vec3f(2.2));
}

// Khronos PBR Neutral (`PBRNeutralToneMapping` in the Khronos reference). The constant is
// written as f32 arithmetic, like the CPU's `0.8 - 0.04` on f32s, rather than folded exactly.
const TONEMAP_PBR_START_COMPRESSION: f32 = 0.8f - 0.04f;
const TONEMAP_PBR_DESATURATION: f32 = 0.15;

fn tonemap_pbr_neutral(color: vec3f) -> vec3f {
    let x = min(color.r, min(color.g, color.b));
    // The toe: a parabola below 0.08 that meets the constant 0.04 offset smoothly.
    let offset = select(0.04, x - 6.25 * x * x, x < 0.08);
    var c = color - offset;
    let peak = max(c.r, max(c.g, c.b));
    if peak < TONEMAP_PBR_START_COMPRESSION {
        return c;
    }
    let d = 1.0 - TONEMAP_PBR_START_COMPRESSION;
    let new_peak = 1.0 - d * d / (peak + d - TONEMAP_PBR_START_COMPRESSION);
    c *= new_peak / peak;
    let g = 1.0 - 1.0 / (TONEMAP_PBR_DESATURATION * (peak - new_peak) + 1.0);
    return mix(c, vec3f(new_peak), g);
}

// Hable's `Uncharted2Tonemap` constants: shoulder strength A, linear strength B, linear angle
// C, toe strength D, toe numerator E, toe denominator F. Typed f32 so that products like C * B
// round as on the CPU.
const TONEMAP_HABLE_A: f32 = 0.15;
const TONEMAP_HABLE_B: f32 = 0.50;
const TONEMAP_HABLE_C: f32 = 0.10;
const TONEMAP_HABLE_D: f32 = 0.20;
const TONEMAP_HABLE_E: f32 = 0.02;
const TONEMAP_HABLE_F: f32 = 0.30;
// Hable's post: exposure bias and linear white point.
const TONEMAP_HABLE_EXPOSURE_BIAS: f32 = 2.0;
const TONEMAP_HABLE_W: f32 = 11.2;

fn tonemap_uncharted2(x: vec3f) -> vec3f {
    let a = TONEMAP_HABLE_A;
    let b = TONEMAP_HABLE_B;
    let c = TONEMAP_HABLE_C;
    let d = TONEMAP_HABLE_D;
    let e = TONEMAP_HABLE_E;
    let f = TONEMAP_HABLE_F;
    return (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f;
}

fn tonemap_hable_filmic(c: vec3f) -> vec3f {
    return tonemap_uncharted2(TONEMAP_HABLE_EXPOSURE_BIAS * c)
        / tonemap_uncharted2(vec3f(TONEMAP_HABLE_W));
}

// Tone map `color` with mapper `mapper` (ids above); output in [0, 1].
fn tonemap(mapper: u32, color: vec3f) -> vec3f {
    return clamp(tonemap_unclipped(mapper, color), vec3f(0.0), vec3f(1.0));
}

// `tonemap` before its clip to [0, 1] (ToneMapper::apply_unclipped): what the grade bake
// stores, for the finish to clip after interpolating.
fn tonemap_unclipped(mapper: u32, color: vec3f) -> vec3f {
    let c = tonemap_sanitize(color);
    var out: vec3f;
    switch mapper {
        case TONEMAP_REINHARD: { out = c / (1.0 + c); }
        case TONEMAP_REINHARD_LUMINANCE: { out = tonemap_reinhard_luminance(c); }
        case TONEMAP_ACES_FITTED: { out = tonemap_aces_fitted(c); }
        case TONEMAP_AGX: { out = tonemap_agx(c, false, TONEMAP_AGX_LOOK_BASE); }
        case TONEMAP_AGX_PUNCHY: { out = tonemap_agx(c, true, TONEMAP_AGX_LOOK_PUNCHY); }
        case TONEMAP_AGX_GOLDEN: { out = tonemap_agx(c, true, TONEMAP_AGX_LOOK_GOLDEN); }
        case TONEMAP_KHRONOS_PBR_NEUTRAL: { out = tonemap_pbr_neutral(c); }
        case TONEMAP_HABLE_FILMIC: { out = tonemap_hable_filmic(c); }
        // TONEMAP_CLAMP, and unknown ids.
        default: { out = c; }
    }
    return out;
}

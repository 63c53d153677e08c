// The grade LUT bake (DESIGN.md, "The frame": the fused finish bakes every per-pixel colour
// operation into one 3D LUT, by a compute pass only when the settings change; the same idea as
// Filament's baked colour grading). Each invocation takes one lattice point, turns its
// coordinate back into scene-linear Rec.709 with the input shaper (include/grade_lut.wgsl),
// grades it (scene-linear Rec.709 still) and then, by `user_lut_mode`:
//   none:      tone map without the clip to [0, 1] (display-linear Rec.709; below 0 and
//              above 1 where the mapper's output goes there), sRGB-encode with the sign kept;
//              the finish clips after interpolating;
//   display:   tone map, sRGB-encode, then the user's 3D LUT on that [0, 1] value;
//   scene_log: the user's 3D LUT on the graded colour's shaper coordinate, instead of the
//              tone mapper.
// The texel holds the sRGB-encoded display value, alpha 1.
// Reads: the uniform block below (src/post/grade_bake.rs fills it), the user LUT
// (Rgba32Float 3D, x = red, y = green, z = blue index, read with textureLoad and blended here).
// Writes: the Rgba16Float 3D storage texture, x = red, y = green, z = blue lattice index.
//
// `grade_color` mirrors `grade` in src/post/grade.rs step for step: the same order, the same
// clean-up to [0, MAX_RADIANCE] after every step, and the same neutral-skip rule (the CPU
// decides which steps run and passes them as the `steps` bits, so the rule lives in one
// place). The matrices and 2^exposure and 1/gamma are computed on the CPU, so they are the
// CPU's own f32 values. `grade_user_lut` mirrors `CubeLut::sample_trilinear` in
// src/post/lut.rs, and `cs_main` mirrors `baked_value` in grade_bake.rs. A change to either
// file must be made in both.
#include "include/grade_lut.wgsl"

// Bits of `GradeParams.steps`, one per step of the grade, as GRADE_STEP_* in grade_bake.rs.
const GRADE_STEP_EXPOSURE: u32 = 1u;
const GRADE_STEP_WHITE_BALANCE: u32 = 2u;
const GRADE_STEP_CHANNEL_MIXER: u32 = 4u;
const GRADE_STEP_CONTRAST: u32 = 8u;
const GRADE_STEP_LIFT_GAMMA_GAIN: u32 = 16u;
const GRADE_STEP_TONAL: u32 = 32u;
const GRADE_STEP_CDL: u32 = 64u;
const GRADE_STEP_HUE_SHIFT: u32 = 128u;
const GRADE_STEP_SATURATION: u32 = 256u;
const GRADE_STEP_VIBRANCE: u32 = 512u;

// `GradeParams.user_lut_mode`, as `UserLutMode` in grade_bake.rs.
const GRADE_USER_LUT_NONE: u32 = 0u;
const GRADE_USER_LUT_DISPLAY: u32 = 1u;
const GRADE_USER_LUT_SCENE_LOG: u32 = 2u;

const GRADE_MID_GREY: f32 = 0.18;
const GRADE_TONAL_RANGE_STOPS: f32 = 4.0;
const GRADE_REC709_LUMINANCE: vec3f = vec3f(0.2126, 0.7152, 0.0722);

struct GradeParams {
    // Applied as m * colour, like the CPU's Mat3.
    white_balance: mat3x3f,
    hue_shift: mat3x3f,
    // Rows: out.r = dot(channel_mixer[0].xyz, colour), ...
    channel_mixer: array<vec4f, 3>,
    lift: vec4f,
    // 1 / gamma, per channel.
    inverse_gamma: vec4f,
    gain: vec4f,
    shadows: vec4f,
    midtones: vec4f,
    highlights: vec4f,
    slope: vec4f,
    offset: vec4f,
    power: vec4f,
    // x: 2^exposure_offset, y: contrast, z: saturation, w: vibrance.
    scalars: vec4f,
    cdl_saturation: f32,
    // ToneMapper::gpu_id.
    mapper: u32,
    // Lattice points per side.
    size: u32,
    // GRADE_STEP_* bits of the steps that run.
    steps: u32,
    // The user LUT's DOMAIN_MIN and DOMAIN_MAX (xyz).
    user_lut_min: vec4f,
    user_lut_max: vec4f,
    // GRADE_USER_LUT_*.
    user_lut_mode: u32,
    // The user LUT's lattice points per side (>= 2 when a LUT is bound).
    user_lut_size: u32,
    padding: vec2u,
};

@group(0) @binding(0) var<uniform> params: GradeParams;
@group(0) @binding(1) var lut: texture_storage_3d<rgba16float, write>;
// A 1x1x1 placeholder when there is no user LUT.
@group(0) @binding(2) var user_lut: texture_3d<f32>;

// Rust's f32::powf for a base >= 0 and a finite exponent >= 0: pow() is exp2(e · log2(b)),
// which gives NaN for 0^0 where the CPU gives 1.
fn grade_pow(base: vec3f, exponent: vec3f) -> vec3f {
    let zero_base = select(vec3f(0.0), vec3f(1.0), exponent == vec3f(0.0));
    return select(pow(base, exponent), zero_base, base == vec3f(0.0));
}

fn grade_has(step: u32) -> bool {
    return (params.steps & step) != 0u;
}

fn grade_color(input: vec3f) -> vec3f {
    var c = tonemap_sanitize(input);
    if grade_has(GRADE_STEP_EXPOSURE) {
        c = tonemap_sanitize(c * params.scalars.x);
    }
    if grade_has(GRADE_STEP_WHITE_BALANCE) {
        c = tonemap_sanitize(params.white_balance * c);
    }
    if grade_has(GRADE_STEP_CHANNEL_MIXER) {
        let m = params.channel_mixer;
        c = tonemap_sanitize(vec3f(dot(m[0].xyz, c), dot(m[1].xyz, c), dot(m[2].xyz, c)));
    }
    if grade_has(GRADE_STEP_CONTRAST) {
        let k = params.scalars.y;
        c = tonemap_sanitize(GRADE_MID_GREY * grade_pow(c / GRADE_MID_GREY, vec3f(k)));
    }
    if grade_has(GRADE_STEP_LIFT_GAMMA_GAIN) {
        let graded = params.gain.xyz * (c + params.lift.xyz * (1.0 - c));
        c = tonemap_sanitize(grade_pow(max(graded, vec3f(0.0)), params.inverse_gamma.xyz));
    }
    if grade_has(GRADE_STEP_TONAL) {
        // Below 2^-30 the shadows weight is 1 long since; the floor only keeps log2 finite.
        let stops = log2(max(dot(c, GRADE_REC709_LUMINANCE), 1e-9) / GRADE_MID_GREY);
        let ws = 1.0 - smoothstep(-GRADE_TONAL_RANGE_STOPS, 0.0, stops);
        let wh = smoothstep(0.0, GRADE_TONAL_RANGE_STOPS, stops);
        let wm = 1.0 - ws - wh;
        let gains = ws * params.shadows.xyz + wm * params.midtones.xyz + wh * params.highlights.xyz;
        c = tonemap_sanitize(c * gains);
    }
    if grade_has(GRADE_STEP_CDL) {
        let sop = grade_pow(max(c * params.slope.xyz + params.offset.xyz, vec3f(0.0)),
            params.power.xyz);
        let luma = dot(sop, GRADE_REC709_LUMINANCE);
        c = tonemap_sanitize(luma + params.cdl_saturation * (sop - luma));
    }
    if grade_has(GRADE_STEP_HUE_SHIFT) {
        c = tonemap_sanitize(params.hue_shift * c);
    }
    if grade_has(GRADE_STEP_SATURATION) {
        let y = dot(c, GRADE_REC709_LUMINANCE);
        c = tonemap_sanitize(y + params.scalars.z * (c - y));
    }
    if grade_has(GRADE_STEP_VIBRANCE) {
        let hi = max(max(c.x, c.y), c.z);
        let lo = min(min(c.x, c.y), c.z);
        let saturation = select(0.0, (hi - lo) / hi, hi > 0.0);
        let y = dot(c, GRADE_REC709_LUMINANCE);
        c = tonemap_sanitize(y + (1.0 + params.scalars.w * (1.0 - saturation)) * (c - y));
    }
    return c;
}

// The user LUT's entry (r, g, b).
fn grade_user_entry(i: vec3u) -> vec3f {
    return textureLoad(user_lut, vec3i(i), 0).rgb;
}

// The user LUT sampled at `v` with trilinear interpolation, as CubeLut::sample_trilinear:
// `v` mapped per channel from [DOMAIN_MIN, DOMAIN_MAX] to [0, size - 1] and clamped there,
// then the eight corners of its cell blended along red, then green, then blue, each blend
// a·(1 − t) + b·t. `v` is never NaN here.
fn grade_user_lut(v: vec3f) -> vec3f {
    let n = params.user_lut_size;
    let last = f32(n - 1u);
    let lo = params.user_lut_min.xyz;
    let p = clamp((v - lo) / (params.user_lut_max.xyz - lo) * last, vec3f(0.0), vec3f(last));
    let i = min(vec3u(floor(p)), vec3u(n - 2u));
    let f = p - vec3f(i);
    let g = 1.0 - f;
    let c00 = grade_user_entry(i) * g.x + grade_user_entry(i + vec3u(1u, 0u, 0u)) * f.x;
    let c10 = grade_user_entry(i + vec3u(0u, 1u, 0u)) * g.x
        + grade_user_entry(i + vec3u(1u, 1u, 0u)) * f.x;
    let c01 = grade_user_entry(i + vec3u(0u, 0u, 1u)) * g.x
        + grade_user_entry(i + vec3u(1u, 0u, 1u)) * f.x;
    let c11 = grade_user_entry(i + vec3u(0u, 1u, 1u)) * g.x
        + grade_user_entry(i + vec3u(1u, 1u, 1u)) * f.x;
    return (c00 * g.y + c10 * f.y) * g.z + (c01 * g.y + c11 * f.y) * f.z;
}

// Rounds each channel (|c| <= 65504) to the nearest half float, ties away from zero, so the
// Rgba16Float store below is exact. How a storage write converts f32 to f16 is up to the
// implementation (llvmpipe truncates), and truncation would double the storage error to a
// whole half-float ulp (4.9e-4 just below 1). Adding half of the 13 dropped mantissa bits and
// clearing them is round-to-nearest for normal halves; below 2^-14 the store rounds again,
// by at most 6e-8.
fn grade_round_to_half(c: vec3f) -> vec3f {
    return bitcast<vec3f>((bitcast<vec3u>(c) + vec3u(0x1000u)) & vec3u(0xffffe000u));
}

@compute @workgroup_size(4, 4, 4)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    let size = params.size;
    if any(id >= vec3u(size)) {
        return;
    }
    let t = vec3f(id) / f32(max(size, 2u) - 1u);
    let x = grade_lut_shaper_inverse(t);
    let graded = grade_color(x);
    var encoded: vec3f;
    if params.user_lut_mode == GRADE_USER_LUT_SCENE_LOG {
        encoded = grade_user_lut(grade_lut_coordinate(graded));
    } else if params.user_lut_mode == GRADE_USER_LUT_DISPLAY {
        // The user LUT's input is the display image as the target shows it, in [0, 1].
        encoded = grade_user_lut(grade_lut_srgb_encode(tonemap(params.mapper, graded)));
    } else {
        // The mapper's output before its clip to [0, 1], sign kept: the finish clips after
        // interpolating (baked_value).
        encoded = grade_lut_srgb_encode_signed(tonemap_unclipped(params.mapper, graded));
    }
    // Within the half-float range, so the rounding below cannot make an infinity.
    encoded = clamp(encoded, vec3f(-65504.0), vec3f(65504.0));
    textureStore(lut, id, vec4f(grade_round_to_half(encoded), 1.0));
}

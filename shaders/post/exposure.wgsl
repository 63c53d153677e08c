// Automatic exposure from a luminance histogram, all on the GPU (src/post/exposure.rs), as in
// Bevy's and Unity HDRP's auto exposure, with the exposure definitions of Lagarde & de Rousiers,
// "Moving Frostbite to PBR" (2014).
//
// `histogram` (16x16 invocations, one sampled pixel each): the pixel's scene luminance
// (Rec.709 luminance of the pre-exposed HDR divided by the pre-exposure) goes into a bin of
// log2 luminance, weighted by the metering mask, first in workgroup-shared atomics, then in the
// global histogram. `average` (one invocation): drops the darkest `low_fraction` and the
// brightest `high_fraction` of the weighted samples, averages the log2 luminance of the rest,
// turns it into the EV100 that renders it as mid grey, clamps and compensates it, and moves the
// current EV100 toward it at the adaptation speeds. It writes `ExposureState`, which the finish
// pass reads. `exposure_bin`, `exposure_mask_weight` and the loop in `average` are mirrored on
// the CPU by `bin_of`, `MeteringMask::weight` and `reference_target_ev100`: change both.
//
// Bins: bin 0 holds samples at or below 2^min_log2 (black included): they take part in the
// ranking for the percentiles but add no luminance to the average. Bins 1..bins-1 split
// [min_log2, min_log2 + log2_range] evenly; brighter samples go to the last bin.
// Weights are fixed point, `round(weight * EXPOSURE_WEIGHT_ONE)`, so the atomics stay integer.
//
// `fs_samples` is the path for devices without compute or storage buffers (GLES 3.0, WebGL2):
// one fragment per sampled pixel writes that pixel's bin and fixed-point weight into an
// Rgba8Unorm image of ceil(width / stride) x ceil(height / stride) texels, which the CPU reads
// back a frame or two later and ranks exactly as `average` does (`histogram_target_ev100`).
//
// The metering mask and the number of bins are `override` constants (METERING, BINS; one
// pipeline per metering mode and tier, src/post/exposure.rs `ExposureKey`), and the `reset`
// test uses the non-short-circuit `|` (WGSL's `||` becomes an `if`), so no branch or loop
// bound reads only the uniform parameters.

const EXPOSURE_MAX_BINS: u32 = 256u;
const EXPOSURE_WEIGHT_ONE: f32 = 64.0;
const EXPOSURE_REC709: vec3f = vec3f(0.2126, 0.7152, 0.0722);
// log2(100 / 12.5): the reflected-light meter constant K = 12.5 at ISO 100.
const EXPOSURE_LOG2_METER: f32 = 3.0;
const EXPOSURE_SPOT_RADIUS: f32 = 0.1;

const METERING_AVERAGE: u32 = 0u;
const METERING_CENTRE_WEIGHTED: u32 = 1u;
const METERING_SPOT: u32 = 2u;
const METERING_FOREGROUND: u32 = 3u;

// METERING_*: which pixels are metered.
override METERING: u32 = METERING_CENTRE_WEIGHTED;
// Histogram bins, 2..=EXPOSURE_MAX_BINS.
override BINS: u32 = EXPOSURE_MAX_BINS;

struct ExposureParams {
    // The factor the renderer multiplied the HDR image by (> 0).
    pre_exposure: f32,
    min_log2: f32,
    // max_log2 - min_log2 (> 0).
    log2_range: f32,
    // Histogram bins (the CPU's; the shader's are BINS).
    bins: u32,
    // Sample every `stride`-th pixel in x and y.
    stride: u32,
    // METERING_* (the CPU's; the shader's is METERING).
    metering: u32,
    width: u32,
    height: u32,
    // Fractions (0..0.49) of the weighted samples dropped at the dark and the bright end.
    low_fraction: f32,
    high_fraction: f32,
    min_ev100: f32,
    max_ev100: f32,
    // EV; positive brightens (lowers the target EV100).
    compensation: f32,
    // EV the current value may move this frame: speed (EV/s) times dt.
    brighten_step: f32,
    darken_step: f32,
    // 1: snap to the target.
    reset: u32,
};

#include "include/exposure_state.wgsl"
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/depth.wgsl"

@group(0) @binding(0) var<uniform> params: ExposureParams;
@group(0) @binding(1) var hdr: texture_2d<f32>;
@group(0) @binding(2) var depth: texture_2d<f32>;
// The NEAREST sampler `depth` is read through (include/depth.wgsl).
@group(0) @binding(3) var depth_sampler: sampler;
@group(0) @binding(4) var<storage, read_write> histogram: array<atomic<u32>, EXPOSURE_MAX_BINS>;
@group(0) @binding(5) var<storage, read_write> state: ExposureState;

var<workgroup> local_bins: array<atomic<u32>, EXPOSURE_MAX_BINS>;

fn exposure_finite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// The bin of a scene luminance (finite, >= 0).
fn exposure_bin(luminance: f32) -> u32 {
    if !(luminance > 0.0) {
        return 0u;
    }
    let t = (log2(luminance) - params.min_log2) / params.log2_range;
    if t < 0.0 {
        return 0u;
    }
    let last = BINS - 1u;
    return min(u32(min(t, 1.0) * f32(last)) + 1u, last);
}

// The metering weight (0..=1) of the pixel (x, y); `geometry`: its depth is not 0.
fn exposure_mask_weight(pixel: vec2u, size: vec2u, geometry: bool) -> f32 {
    let centre = vec2f(pixel) + 0.5;
    let half_size = vec2f(size) * 0.5;
    switch METERING {
        case METERING_CENTRE_WEIGHTED: {
            let d = (centre - half_size) / half_size;
            return exp2(-2.0 * dot(d, d));
        }
        case METERING_SPOT: {
            let radius = max(EXPOSURE_SPOT_RADIUS * f32(min(size.x, size.y)), 1.0);
            let d = centre - half_size;
            return select(0.0, 1.0, dot(d, d) <= radius * radius);
        }
        case METERING_FOREGROUND: {
            return select(0.0, 1.0, geometry);
        }
        default: {
            return 1.0;
        }
    }
}

// The sampled pixel's contribution: its bin and fixed-point weight, or 0 when not counted.
struct ExposureSample {
    bin: u32,
    fixed_weight: u32,
};

fn exposure_sample(pixel: vec2u, size: vec2u) -> ExposureSample {
    var contribution = ExposureSample(0u, 0u);
    let rgb = textureLoad(hdr, pixel, 0).rgb;
    let finite = exposure_finite(rgb.r) & exposure_finite(rgb.g) & exposure_finite(rgb.b);
    var geometry = false;
    if METERING == METERING_FOREGROUND {
        let depth_size = textureDimensions(depth);
        let depth_pixel = min(pixel * depth_size / max(size, vec2u(1u)), depth_size - 1u);
        geometry = depth_texel(depth, depth_sampler, vec2i(depth_pixel)) != 0.0;
    }
    let weight = clamp(exposure_mask_weight(pixel, size, geometry), 0.0, 1.0);
    let fixed = u32(weight * EXPOSURE_WEIGHT_ONE + 0.5);
    if finite & (fixed > 0u) {
        let luminance = dot(max(rgb, vec3f(0.0)), EXPOSURE_REC709) / params.pre_exposure;
        if exposure_finite(luminance) {
            contribution = ExposureSample(exposure_bin(luminance), fixed);
        }
    }
    return contribution;
}

// One texel per sampled pixel: r = bin / 255, g = fixed-point weight / 255 (0 when the pixel
// is not counted). Both are integers below 256, exact in 8-bit unorm.
@fragment
fn fs_samples(in: FullscreenOut) -> @location(0) vec4f {
    let size = min(vec2u(params.width, params.height), textureDimensions(hdr));
    let stride = max(params.stride, 1u);
    let pixel = vec2u(in.position.xy) * stride + vec2u(stride / 2u);
    var contribution = ExposureSample(0u, 0u);
    if all(pixel < size) {
        contribution = exposure_sample(pixel, size);
    }
    return vec4f(f32(contribution.bin), f32(contribution.fixed_weight), 0.0, 255.0) / 255.0;
}

@compute @workgroup_size(16, 16, 1)
fn histogram_main(
    @builtin(global_invocation_id) id: vec3u,
    @builtin(local_invocation_index) local: u32,
) {
    atomicStore(&local_bins[local], 0u);
    workgroupBarrier();

    let size = min(vec2u(params.width, params.height), textureDimensions(hdr));
    let stride = max(params.stride, 1u);
    let pixel = id.xy * stride + vec2u(stride / 2u);
    if all(pixel < size) {
        let contribution = exposure_sample(pixel, size);
        if contribution.fixed_weight > 0u {
            atomicAdd(&local_bins[contribution.bin], contribution.fixed_weight);
        }
    }

    workgroupBarrier();
    let count = atomicLoad(&local_bins[local]);
    if (local < BINS) & (count > 0u) {
        atomicAdd(&histogram[local], count);
    }
}

@compute @workgroup_size(1, 1, 1)
fn average_main() {
    let bins = min(BINS, EXPOSURE_MAX_BINS);
    var total = 0u;
    for (var i = 0u; i < bins; i++) {
        total += atomicLoad(&histogram[i]);
    }

    let previous_ev = state.ev100;
    let previous_target = state.target_ev100;
    let reset = (params.reset != 0u) | !exposure_finite(previous_ev)
        | !exposure_finite(previous_target);

    var target_ev = previous_target;
    var average = state.average_log2_luminance;
    if (total > 0u) | reset {
        let low = f32(total) * params.low_fraction;
        let high = f32(total) * (1.0 - params.high_fraction);
        let bin_width = params.log2_range / f32(bins - 1u);
        var running = 0u;
        var kept_weight = 0.0;
        var kept_sum = 0.0;
        for (var i = 0u; i < bins; i++) {
            let before = clamp(f32(running), low, high);
            running += atomicLoad(&histogram[i]);
            let kept = clamp(f32(running), low, high) - before;
            if i > 0u {
                kept_weight += kept;
                kept_sum += kept * (params.min_log2 + (f32(i) - 0.5) * bin_width);
            }
        }
        var metered = params.min_ev100;
        average = params.min_log2;
        if kept_weight > 0.0 {
            average = kept_sum / kept_weight;
            metered = clamp(average + EXPOSURE_LOG2_METER, params.min_ev100, params.max_ev100);
        }
        target_ev = metered - params.compensation;
    }

    var ev = target_ev;
    if !reset {
        let delta = target_ev - previous_ev;
        // A brighter scene (higher target EV100) adapts at the brighten speed.
        ev = previous_ev + clamp(delta, -params.darken_step, params.brighten_step);
    }
    let multiplier = 1.0 / (1.2 * exp2(ev) * params.pre_exposure);
    state = ExposureState(multiplier, ev, target_ev, average);
}

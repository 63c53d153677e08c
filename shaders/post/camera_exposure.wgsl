// AR exposure matching (src/post/camera_exposure.rs): the exposure that makes the HDR image's
// real-world pixels come out of the chain as bright as the camera image shows them. Over a
// grid of at most 128x128 sample points, at the points the mask calls real world (coverage
// >= 0.5) where both images have light, it averages log2 of the camera image's display-linear
// luminance and of the HDR image's scene luminance (un-pre-exposed). Then it inverts the
// chain's own tone curve: a bisection along the grey axis of the baked grade LUT (grade, user
// LUT and tone mapper in one) finds the exposed scene grey that displays as the camera's mean,
// and the exposure is that grey over the scene's mean. It is written into the exposure state
// the finish reads (EV100 = -log2(exposure) - log2(1.2), less the compensation). With no such
// point the state is left as it was (the given EV).
// One workgroup of 256 invocations, a shared-memory reduction, no atomics.
// Devices without compute or storage buffers (GLES 3.0, WebGL2) draw `fs_samples` instead: one
// texel per grid point, (log2 camera, log2 scene, 1) where the point counts and 0 elsewhere,
// into an Rgba16Float image the CPU reads back, averages and inverts the tone curve for
// (src/post/camera_exposure.rs, `match_from_samples`).
// Reads: HDR colour, camera image, real-world mask, the grade LUT. Writes: the exposure state.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/grade_lut.wgsl"

struct CameraExposureParams {
    // x: the HDR image's pre-exposure, y: exposure compensation in EV (positive brightens),
    // zw: unused.
    params: vec4f,
};

#include "include/exposure_state.wgsl"

@group(0) @binding(0) var<uniform> match_params: CameraExposureParams;
@group(0) @binding(1) var hdr: texture_2d<f32>;
@group(0) @binding(2) var camera_image: texture_2d<f32>;
@group(0) @binding(3) var real_world_mask: texture_2d<f32>;
@group(0) @binding(4) var linear_clamp: sampler;
@group(0) @binding(5) var<storage, read_write> state: ExposureState;
@group(0) @binding(6) var grade_lut: texture_3d<f32>;

// The display-linear luminance the chain shows for the exposed scene grey at LUT coordinate t.
fn displayed_grey(t: f32, size: f32) -> f32 {
    let encoded = textureSampleLevel(grade_lut, linear_clamp, grade_lut_uvw(vec3f(t), size), 0.0);
    return luminance(srgb_to_linear(clamp(encoded.rgb, vec3f(0.0), vec3f(1.0))));
}

const GROUP: u32 = 256u;
var<workgroup> sums: array<vec3f, GROUP>;

// The sample grid: at most 128 x 128 points over the image.
fn match_grid() -> vec2u {
    return min(textureDimensions(hdr), vec2u(128u));
}

// Grid point `point`'s (log2 camera, log2 scene, 1), or 0 where it does not count: outside the
// real world (coverage < 0.5), without light in either image, or not finite.
fn match_sample(point: vec2u, grid: vec2u) -> vec3f {
    let size = textureDimensions(hdr);
    let uv = (vec2f(point) + 0.5) / vec2f(grid);
    let coverage = textureSampleLevel(real_world_mask, linear_clamp, uv, 0.0).r;
    let pixel = min(vec2u(uv * vec2f(size)), size - 1u);
    let scene =
        luminance(max(textureLoad(hdr, pixel, 0).rgb, vec3f(0.0))) / match_params.params.x;
    let camera = luminance(textureSampleLevel(camera_image, linear_clamp, uv, 0.0).rgb);
    // Comparisons are false for NaN, so NaN and infinite texels are skipped too.
    if coverage >= 0.5 && scene > 1e-6 && scene < 1e30 && camera > 1e-4 {
        return vec3f(log2(camera), log2(scene), 1.0);
    }
    return vec3f(0.0);
}

@fragment
fn fs_samples(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(match_sample(vec2u(in.position.xy), match_grid()), 1.0);
}

@compute @workgroup_size(256)
fn cs_main(@builtin(local_invocation_index) index: u32) {
    let grid = match_grid();
    let pre_exposure = match_params.params.x;
    var total = vec3f(0.0);
    for (var k = index; k < grid.x * grid.y; k += GROUP) {
        total += match_sample(vec2u(k % grid.x, k / grid.x), grid);
    }
    sums[index] = total;
    workgroupBarrier();
    for (var stride = GROUP / 2u; stride > 0u; stride /= 2u) {
        if index < stride {
            sums[index] += sums[index + stride];
        }
        workgroupBarrier();
    }
    if index == 0u && sums[0].z >= 1.0 {
        let mean = sums[0] / sums[0].z;
        let wanted = exp2(mean.x);
        let size = f32(textureDimensions(grade_lut).x);
        var low = 0.0;
        var high = 1.0;
        for (var i = 0; i < 24; i++) {
            let middle = 0.5 * (low + high);
            if displayed_grey(middle, size) < wanted {
                low = middle;
            } else {
                high = middle;
            }
        }
        let grey = grade_lut_shaper_inverse(vec3f(0.5 * (low + high))).x;
        let ev100 = -(log2(max(grey, 1e-10)) - mean.y) - log2(1.2) - match_params.params.y;
        state.multiplier = 1.0 / (1.2 * exp2(ev100) * pre_exposure);
        state.ev100 = ev100;
        state.target_ev100 = ev100;
        state.average_log2_luminance = mean.y;
    }
}

// Ground-truth ambient occlusion (src/post/ao.rs), after Jimenez, Wu, Pesce, Jarabo,
// "Practical Realtime Strategies for Accurate Indirect Occlusion" (SIGGRAPH 2016, Physically
// Based Shading course), with the depth mip prefilter, the sample distribution and the
// slope-aware denoise edges of Intel's XeGTAO (Strugar 2021).
//
// Every step is a per-pixel function called by two entry points: an fs_ one drawing the
// full-screen triangle into one target (two for the temporal step), and a cs_ one of the same
// name (the compute variant, src/post/variant.rs) storing 8x8 tiles into R32Float (and the
// temporal step's Rg32Float history) at group 1, formats every device can store, unlike the
// fragment targets' R16Float and Rg16Float (see the pass's documentation); its view depth holds
// the half floats the fragment variant's R16Float view depth holds:
//   fs_prefilter   hardware depth -> view depth, mip 0 of the working resolution
//   fs_downsample  view depth mip k -> mip k + 1 (mean of the 2x2 surfaces, background ignored)
//   cs_pyramid     compute only, instead of cs_prefilter and cs_downsample per mip: mips 0..3
//                  in one dispatch (16x16 tiles of mip 0 reduced in workgroup memory, the same
//                  bits; see below), then cs_downsample once for mip 4 when the pyramid has it
//   cs_pyramid5    compute only: mips 0..4 in one dispatch, where the device has five storage
//                  textures per stage (WebGPU's default is four); cs_prefilter and
//                  cs_downsample per mip remain for devices with fewer than four
//   fs_main        GTAO: cosine-weighted visibility at the working resolution
//   fs_denoise     depth-aware 3x3 blur with slope-adjusted edges
//   fs_denoise_last  the same, then clamped to [0, 1]
//   fs_upsample    half -> full resolution, bilinear weights times depth similarity
//   fs_temporal    blend with the reprojected history, rejected on depth mismatch; writes the
//                  output and the next history (two targets)
//
// What the settings decide is an override constant set per pipeline (src/post/ao.rs, `AoKey`):
// the slices and steps of the tier, half resolution and the thickness heuristic. The GTAO loops
// run a fixed count and no branch or loop exit depends on a uniform value alone (which Mesa 22's
// lavapipe recompiles and leaks on every bind: docs/memory-growth.md). The projection terms
// (`Lens`) come from the CPU, once per frame, in the uniform block.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/ao_upsample.wgsl"
#include "include/depth.wgsl"

struct AoParams {
    // x: radius (view units); y, z: falloff weight = saturate(distance * y + z);
    // w: thickness blend towards a lower horizon per step (with AO_THICKNESS).
    shape: vec4f,
    // x: view depth mips the samples read (the tier's, at most the chain's); yzw: unused.
    counts: vec4u,
    // xy: working size in pixels (GTAO, denoise); zw: output (full) size in pixels.
    sizes: vec4f,
    // x: noise frame (0 without temporal accumulation); y: weight of the new frame in the
    // temporal blend; z: 1 when the history holds last frame; w: unused.
    temporal: vec4f,
    // The camera's projection as `Lens` holds it, computed on the CPU each frame:
    // xy: scale, zw: shear; then xy: shift, zw: w; then xy: depth, zw: unused.
    lens_scale_shear: vec4f,
    lens_shift_w: vec4f,
    lens_depth: vec4f,
};

// Slices (screen-space directions) per pixel and samples per side of each: the tier's.
override AO_SLICES: u32 = 3u;
override AO_STEPS: u32 = 6u;
// The working resolution is half the output: working texel i stands for output pixel 2i.
override AO_HALF: bool = false;
// The thickness heuristic is on (`shape.w` > 0): a sample below the horizon pulls it down.
override AO_THICKNESS: bool = true;
// View depth stored for the background (nothing drawn): far outside any radius, and a half
// float exactly (the view depth is R16Float; surfaces beyond it count as background).
const AO_FAR: f32 = 6.0e4;
const AO_PI: f32 = 3.14159265;
const AO_HALF_PI: f32 = 1.57079633;
// A sample offset L working pixels from the centre reads view depth mip log2(L) - 3.3, so a
// mip texel is about a tenth of the offset (XeGTAO's DepthMIPSamplingOffset).
const AO_MIP_OFFSET: f32 = 3.3;
// Samples closer than this many pixels would read the centre itself.
const AO_MIN_OFFSET: f32 = 1.3;
// The centre is moved this fraction towards the camera against depth rounding.
const AO_CENTRE_BIAS: f32 = 0.99995;

@group(0) @binding(0) var<uniform> ao: AoParams;
@group(0) @binding(1) var<uniform> camera: Camera;
@group(0) @binding(2) var depth_texture: texture_2d<f32>;
@group(0) @binding(3) var normals: texture_2d<f32>;
@group(0) @binding(4) var motion: texture_2d<f32>;
// The pass's main input: view depth mips (prefilter's downsample, GTAO) or visibility.
@group(0) @binding(5) var source: texture_2d<f32>;
// View depth at the working resolution (denoise, upsample).
@group(0) @binding(6) var view_depth: texture_2d<f32>;
// Last frame's output (r) and reverse-Z depth (g), at the output size.
@group(0) @binding(7) var history: texture_2d<f32>;
// The NEAREST sampler `depth_texture` is read through (include/depth.wgsl).
@group(0) @binding(8) var depth_sampler: sampler;
// The compute variants' target (view depth or visibility) and the temporal step's next history.
@group(1) @binding(0) var ao_out: texture_storage_2d<r32float, write>;
@group(1) @binding(1) var ao_history_out: texture_storage_2d<rg32float, write>;

// The projection terms needed to go between (uv, view depth) and view-space positions, for
// perspective and orthographic cameras alike, including TAA's jitter.
struct Lens {
    // Clip x, y from view x, y.
    scale: vec2f,
    // Clip x, y per unit of view z (off-centre and jittered perspective).
    shear: vec2f,
    // Clip x, y offset (jittered orthographic).
    shift: vec2f,
    // Clip w = w.x * view depth + w.y.
    w: vec2f,
    // Clip z = depth.x * view z + depth.y.
    depth: vec2f,
};

// The terms of clip from view (the view-projection times the inverse of the rigid view
// matrix), which the CPU computes once per frame (`lens_*` in the uniforms).
fn lens() -> Lens {
    var l: Lens;
    l.scale = ao.lens_scale_shear.xy;
    l.shear = ao.lens_scale_shear.zw;
    l.shift = ao.lens_shift_w.xy;
    l.w = ao.lens_shift_w.zw;
    l.depth = ao.lens_depth.xy;
    return l;
}

// Distance in front of the camera (view depth) of a reverse-Z depth; AO_FAR for background.
fn linear_depth(l: Lens, depth: f32) -> f32 {
    if depth <= 0.0 {
        return AO_FAR;
    }
    // depth = (-depth.x d + depth.y) / (w.x d + w.y), solved for d.
    return (l.depth.y - l.w.y * depth) / (l.depth.x + l.w.x * depth);
}

// View-space position (camera looks along -z) of the point at `uv` and view depth `d`.
fn view_position(l: Lens, uv: vec2f, d: f32) -> vec3f {
    let w = l.w.x * d + l.w.y;
    let xy = (uv_to_ndc(uv) * w + l.shear * d - l.shift) / l.scale;
    return vec3f(xy, -d);
}

// Output-pixel coordinates of a working texel's centre at view depth mip `mip`: the centroid
// of the working texels it averages, each standing for one output pixel.
fn texel_uv(texel: vec2i, mip: u32) -> vec2f {
    let step = f32(1u << mip);
    let scale = select(1.0, 2.0, AO_HALF);
    let first = (vec2f(texel) * step + 0.5 * (step - 1.0)) * scale;
    return (first + 0.5) / ao.sizes.zw;
}

// Mean of the surfaces among four view depths; AO_FAR when all four are background.
fn mean_surface_depth(d: vec4f) -> f32 {
    let surface = d < vec4f(AO_FAR);
    let count = dot(select(vec4f(0.0), vec4f(1.0), surface), vec4f(1.0));
    if count == 0.0 {
        return AO_FAR;
    }
    return dot(select(vec4f(0.0), d, surface), vec4f(1.0)) / count;
}

@fragment
fn fs_prefilter(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(ao_prefilter(vec2i(in.position.xy)), 0.0, 0.0, 0.0);
}

// View depth of working texel `texel` (both entry points).
fn ao_prefilter(texel: vec2i) -> f32 {
    let l = lens();
    // At half resolution each working texel takes output pixel 2i as it is (a real surface
    // point whose normal the G-buffer holds), never a blend across an edge.
    let pixel = select(texel, texel * 2, AO_HALF);
    let limit = vec2i(textureDimensions(depth_texture)) - 1;
    return linear_depth(l, depth_texel(depth_texture, depth_sampler, min(pixel, limit)));
}

@fragment
fn fs_downsample(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(ao_downsample(vec2i(in.position.xy)), 0.0, 0.0, 0.0);
}

// View depth of texel `texel` of the next mip (both entry points). Its four sources are
// texels 2t, 2t + (1, 0), 2t + (0, 1), 2t + (1, 1) of the mip below, each clamped to that mip
// (`ao_pyramid_texel` reads them, in this order, from workgroup memory).
fn ao_downsample(texel: vec2i) -> f32 {
    let base = texel * 2;
    let limit = vec2i(textureDimensions(source)) - 1;
    let d = vec4f(
        textureLoad(source, min(base, limit), 0).x,
        textureLoad(source, min(base + vec2i(1, 0), limit), 0).x,
        textureLoad(source, min(base + vec2i(0, 1), limit), 0).x,
        textureLoad(source, min(base + vec2i(1, 1), limit), 0).x,
    );
    return mean_surface_depth(d);
}

// Interleaved gradient noise (Jimenez 2014), in [0, 1).
fn interleaved_gradient_noise(p: vec2f) -> f32 {
    return fract(52.9829189 * fract(dot(p, vec2f(0.06711056, 0.00583715))));
}

// GTAO's inner integral over one side of a slice: the cosine-weighted arc from the view
// vector to horizon angle `h`, for a normal at angle `n` in the slice (Jimenez 2016, eq. 10).
fn arc_integral(h: f32, n: f32) -> f32 {
    return 0.25 * (cos(n) + 2.0 * h * sin(n) - cos(2.0 * h - n));
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(ao_main(vec2i(in.position.xy)), 0.0, 0.0, 0.0);
}

// GTAO's visibility at working texel `texel` (both entry points).
fn ao_main(texel: vec2i) -> f32 {
    let l = lens();
    let d = textureLoad(source, texel, 0).x;
    if d >= AO_FAR {
        return 1.0;
    }
    let centre = view_position(l, texel_uv(texel, 0u), d) * AO_CENTRE_BIAS;
    let pixel = select(texel, texel * 2, AO_HALF);
    let world_normal = oct_decode(textureLoad(normals, pixel, 0).xy);
    let normal = normalize((camera.view * vec4f(world_normal, 0.0)).xyz);
    let to_viewer = select(vec3f(0.0, 0.0, 1.0), normalize(-centre), camera.position.w != 0.0);

    // The world-space radius projected at this depth, in working pixels.
    let radius_px = ao.shape.x * l.scale.y * 0.5 * ao.sizes.y / (l.w.x * d + l.w.y);
    if radius_px < 1.0 {
        return 1.0;
    }
    let last_mip = f32(max(ao.counts.x, 1u) - 1u);
    let working = vec2i(ao.sizes.xy);
    let frame = vec2f(5.588238 * ao.temporal.x);
    let slice_noise = interleaved_gradient_noise(vec2f(texel) + frame);
    let step_noise = interleaved_gradient_noise(vec2f(texel.yx) + vec2f(47.0, 17.0) + frame);

    var visibility = 0.0;
    for (var s = 0u; s < AO_SLICES; s++) {
        let phi = (f32(s) + slice_noise) / f32(AO_SLICES) * AO_PI;
        // The slice's direction in view space (y up) and on screen (y down).
        let direction = vec3f(cos(phi), sin(phi), 0.0);
        let screen_direction = vec2f(direction.x, -direction.y);
        // Angles in the slice are measured from the view vector, positive towards `along`.
        let along = direction - dot(direction, to_viewer) * to_viewer;
        let axis = normalize(cross(along, to_viewer));
        let projected = normal - axis * dot(normal, axis);
        let projected_length = length(projected);
        let cos_n = clamp(dot(projected, to_viewer) / max(projected_length, 1e-6), -1.0, 1.0);
        let n = sign(dot(along, projected)) * acos(cos_n);
        // Horizons start at the tangent plane: cos(n + pi/2) ahead, cos(n - pi/2) behind.
        let low = vec2f(-sin(n), sin(n));
        var horizon = low;
        for (var j = 0u; j < AO_STEPS; j++) {
            // Squared distribution: more samples near the centre, where occluders matter most.
            var t = (f32(j) + step_noise) / f32(AO_STEPS);
            t = t * t;
            let offset = round(screen_direction * (t * radius_px + AO_MIN_OFFSET));
            let offset_length = length(offset);
            // An i32 level: naga's GLSL output passes a u32 one to textureSize, which GLSL lacks.
            let mip = i32(clamp(floor(log2(offset_length) - AO_MIP_OFFSET), 0.0, last_mip));
            let mip_size = vec2i(textureDimensions(source, mip));
            for (var side = 0u; side < 2u; side++) {
                let sign_ = select(-1.0, 1.0, side == 0u);
                let at = vec2f(texel) + 0.5 + sign_ * offset;
                if any(at < vec2f(0.0)) || any(at >= vec2f(working)) {
                    continue;
                }
                let sample_texel = min(vec2i(at / f32(1u << u32(mip))), mip_size - 1);
                let sample_depth = textureLoad(source, sample_texel, mip).x;
                let delta = view_position(l, texel_uv(sample_texel, u32(mip)), sample_depth) - centre;
                let distance = length(delta);
                let falloff = saturate(distance * ao.shape.y + ao.shape.z);
                let cos_h = mix(low[side], dot(delta, to_viewer) / max(distance, 1e-6), falloff);
                // Thickness heuristic (Jimenez 2016): a sample below the horizon so far pulls
                // it down a little, so thin occluders let light pass behind them.
                let below = select(horizon[side], mix(horizon[side], cos_h, ao.shape.w), AO_THICKNESS);
                horizon[side] = select(below, cos_h, cos_h > horizon[side]);
            }
        }
        let h_ahead = min(acos(clamp(horizon.x, -1.0, 1.0)), n + AO_HALF_PI);
        let h_behind = max(-acos(clamp(horizon.y, -1.0, 1.0)), n - AO_HALF_PI);
        visibility += projected_length * (arc_integral(h_behind, n) + arc_integral(h_ahead, n));
    }
    // Not clamped yet: one slice's estimate of an open surface seen at an angle lies above or
    // below 1 (only the mean over slice directions is 1), so clamping before the denoise
    // averages them would bias open surfaces dark.
    return max(visibility / f32(AO_SLICES), 0.0);
}

// Depth continuity towards the left, right, top and bottom neighbours (1 continuous, 0 an
// edge), tolerant of planes at any slope (XeGTAO's slope-adjusted edges).
// `uv`: the working texel's centre; the neighbours are read at constant offsets from it
// through the NEAREST sampler, which clamps at the edges.
fn depth_edges(uv: vec2f, d: f32) -> vec4f {
    let lrtb = vec4f(
        textureSampleLevel(view_depth, depth_sampler, uv, 0.0, vec2i(-1, 0)).x,
        textureSampleLevel(view_depth, depth_sampler, uv, 0.0, vec2i(1, 0)).x,
        textureSampleLevel(view_depth, depth_sampler, uv, 0.0, vec2i(0, -1)).x,
        textureSampleLevel(view_depth, depth_sampler, uv, 0.0, vec2i(0, 1)).x,
    ) - d;
    let slope_lr = 0.5 * (lrtb.y - lrtb.x);
    let slope_tb = 0.5 * (lrtb.w - lrtb.z);
    let adjusted = lrtb + vec4f(slope_lr, -slope_lr, slope_tb, -slope_tb);
    let difference = min(abs(lrtb), abs(adjusted));
    return saturate(1.25 - difference / (0.011 * d));
}

@fragment
fn fs_denoise(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(denoise(vec2i(in.position.xy)), 0.0, 0.0, 0.0);
}

@fragment
fn fs_denoise_last(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(saturate(denoise(vec2i(in.position.xy))), 0.0, 0.0, 0.0);
}

// The 3x3 is read at constant offsets from the texel's centre through the NEAREST sampler
// (clamped at the edges), which shares the coordinate arithmetic between the reads: on
// lavapipe cheaper than `textureLoad` at nine clamped coordinates.
fn denoise(texel: vec2i) -> f32 {
    let uv = (vec2f(texel) + 0.5) / ao.sizes.xy;
    let d = textureSampleLevel(view_depth, depth_sampler, uv, 0.0).x;
    if d >= AO_FAR {
        return 1.0;
    }
    let e = depth_edges(uv, d);
    // Diagonals count when both edges on the way to them are continuous.
    var weights = array<f32, 9>(
        0.5 * e.x * e.z, e.z, 0.5 * e.y * e.z,
        e.x, 1.0, e.y,
        0.5 * e.x * e.w, e.w, 0.5 * e.y * e.w,
    );
    let values = array<f32, 9>(
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(-1, -1)).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(0, -1)).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(1, -1)).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(-1, 0)).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(1, 0)).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(-1, 1)).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(0, 1)).x,
        textureSampleLevel(source, depth_sampler, uv, 0.0, vec2i(1, 1)).x,
    );
    var sum = 0.0;
    var total = 0.0;
    for (var i = 0; i < 9; i++) {
        sum += weights[i] * values[i];
        total += weights[i];
    }
    return sum / total;
}

@fragment
fn fs_upsample(in: FullscreenOut) -> @location(0) vec4f {
    return vec4f(ao_upsample(vec2i(in.position.xy)), 0.0, 0.0, 0.0);
}

// Full-resolution visibility at output pixel `pixel` (both entry points).
fn ao_upsample(pixel: vec2i) -> f32 {
    let l = lens();
    let d = linear_depth(l, depth_texel(depth_texture, depth_sampler, pixel));
    if d >= AO_FAR {
        return 1.0;
    }
    return ao_upsample_visibility(source, view_depth, depth_sampler, pixel, d);
}

struct TemporalOut {
    @location(0) visibility: vec4f,
    @location(1) history: vec4f,
};

@fragment
fn fs_temporal(in: FullscreenOut) -> TemporalOut {
    let blended = ao_temporal(vec2i(in.position.xy), in.uv);
    var out: TemporalOut;
    out.visibility = vec4f(blended.x, 0.0, 0.0, 0.0);
    out.history = vec4f(blended, 0.0, 0.0);
    return out;
}

// The blended visibility (x) and the reverse-Z depth (y) the next history stores, at output
// pixel `pixel` centred at `uv` (both entry points).
fn ao_temporal(pixel: vec2i, uv: vec2f) -> vec2f {
    let depth = depth_texel(depth_texture, depth_sampler, pixel);
    let current = textureLoad(source, pixel, 0).x;
    if depth <= 0.0 {
        return vec2f(1.0, 0.0);
    }
    var result = current;
    let previous_uv = uv - textureLoad(motion, pixel, 0).xy;
    // `&`, not `&&`: the history flag (a uniform) and the motion vector (a texel) make one
    // condition, never a branch on the uniform alone.
    let inside = all(previous_uv >= vec2f(0.0)) & all(previous_uv < vec2f(1.0));
    if (ao.temporal.z > 0.5) & inside {
        // Where this surface point was last frame, and the depth it had there.
        let world = world_from_depth(uv, depth, camera.inv_view_proj);
        let clip = camera.prev_view_proj * vec4f(world, 1.0);
        let expected = clip.z / clip.w;
        let size = vec2f(textureDimensions(history));
        let last = textureLoad(history, vec2i(previous_uv * size), 0);
        if abs(last.y - expected) <= AO_DEPTH_TOLERANCE * abs(expected) {
            result = mix(last.x, current, ao.temporal.y);
        }
    }
    return vec2f(result, depth);
}

// `v` as a 16-bit float target stores it, for values in half range (visibility and depth,
// both in [0, 1]). Vulkan lets that narrowing round to nearest or toward zero; lavapipe
// truncates, and so does this (the mantissa's 13 dropped bits, or below 2^-14, where halves
// are multiples of 2^-24, trunc). Done with bits because quantizeToF16 and pack2x16float need a
// shader capability not every device has.
fn ao_truncate_to_half(v: vec2f) -> vec2f {
    let normal = bitcast<vec2f>(bitcast<vec2u>(v) & vec2u(0xffffe000u));
    let subnormal = trunc(v * 16777216.0) / 16777216.0;
    return select(normal, subnormal, abs(v) < vec2f(6.1035156e-5));
}

// Whether invocation `id` covers a texel of the compute target (the last workgroups overhang).
fn ao_in_target(id: vec2u) -> bool {
    return all(id < textureDimensions(ao_out));
}

fn ao_store(id: vec2u, value: f32) {
    textureStore(ao_out, id, vec4f(value, 0.0, 0.0, 0.0));
}

// The compute variant stores view depth in R32Float (R16Float is not a storage format every
// device has) but only the half floats the fragment variant's R16Float target holds, so both
// sample the same depths.
fn ao_store_depth(id: vec2u, depth: f32) {
    ao_store(id, ao_truncate_to_half(vec2f(depth, 0.0)).x);
}

@compute @workgroup_size(8, 8)
fn cs_prefilter(@builtin(global_invocation_id) id: vec3u) {
    if ao_in_target(id.xy) {
        ao_store_depth(id.xy, ao_prefilter(vec2i(id.xy)));
    }
}

@compute @workgroup_size(8, 8)
fn cs_downsample(@builtin(global_invocation_id) id: vec3u) {
    if ao_in_target(id.xy) {
        ao_store_depth(id.xy, ao_downsample(vec2i(id.xy)));
    }
}

// The single-dispatch depth pyramid (the compute variant's prefilter and downsamples in one
// dispatch). Each 8x8 workgroup owns a 16x16 tile of mip 0: every invocation prefilters 2x2 of
// its texels, and the tile is then reduced level by level in workgroup memory (8x8 of mip 1,
// 4x4 of mip 2, 2x2 of mip 3, 1x1 of mip 4), a barrier between levels, each level stored to its
// storage texture. Every texel is computed by the functions the per-mip chain calls
// (`ao_prefilter`, then `mean_surface_depth` of the four clamped sources `ao_downsample` reads)
// from the same half floats the chain stores and reads back, so the mips are bit-identical to
// the chain's. Tile edges are powers of two, so the sources of a texel inside a mip (clamped
// to that mip as `ao_downsample` clamps them) lie in the same workgroup's tile.
//
// `cs_pyramid` writes mips 0..3 (four storage textures, WebGPU's default limit per stage);
// `cs_pyramid5` writes mip 4 too, where the device allows five (src/post/ao.rs,
// `PyramidDispatch`). Levels the pyramid lacks (small sizes, fewer mips) are bound to a 1x1
// placeholder: a texel is computed and stored only where it lies inside its level's bound
// texture, so texels outside a mip are never written.
@group(1) @binding(1) var ao_mip1: texture_storage_2d<r32float, write>;
@group(1) @binding(2) var ao_mip2: texture_storage_2d<r32float, write>;
@group(1) @binding(3) var ao_mip3: texture_storage_2d<r32float, write>;
@group(1) @binding(4) var ao_mip4: texture_storage_2d<r32float, write>;

// Mip 0's tile edge per workgroup (2x2 texels per invocation of an 8x8 group).
const AO_TILE: u32 = 16u;
// Every level's tile, one after another: 16x16, 8x8, 4x4, 2x2, 1x1 (1,364 bytes).
var<workgroup> ao_pyramid: array<f32, 341>;

// Where level `level`'s tile starts in `ao_pyramid`.
fn ao_pyramid_offset(level: u32) -> u32 {
    return array<u32, 5>(0u, 256u, 320u, 336u, 340u)[level];
}

// One texel of a level: where it is in its mip and its value (stored when `inside`).
struct AoPyramidTexel {
    texel: vec2u,
    depth: f32,
    inside: bool,
};

// Mip 0: invocation `local` prefilters texels 2 * local + (0..1, 0..1) of group `group`'s tile
// into workgroup memory and stores those inside mip 0 (`ao_out`, of size `size`).
fn ao_pyramid_mip0(group: vec2u, local: vec2u, size: vec2u) {
    for (var i = 0u; i < 4u; i++) {
        let at = local * 2u + vec2u(i & 1u, i >> 1u);
        let texel = group * AO_TILE + at;
        if all(texel < size) {
            let depth = ao_truncate_to_half(vec2f(ao_prefilter(vec2i(texel)), 0.0)).x;
            ao_pyramid[at.y * AO_TILE + at.x] = depth;
            textureStore(ao_out, texel, vec4f(depth, 0.0, 0.0, 0.0));
        }
    }
}

// Texel `local` of level `level` (1..4) of group `group`'s tile, from level `level - 1` in
// workgroup memory (its mip of size `source_size`), inside a mip of size `size`; kept in
// workgroup memory for the next level when inside.
fn ao_pyramid_texel(
    level: u32,
    group: vec2u,
    local: vec2u,
    source_size: vec2u,
    size: vec2u,
) -> AoPyramidTexel {
    let edge = AO_TILE >> level;
    var out: AoPyramidTexel;
    out.texel = group * edge + local;
    out.inside = all(local < vec2u(edge)) && all(out.texel < size);
    out.depth = AO_FAR;
    if out.inside {
        // The sources as `ao_downsample` reads them, clamped to the mip below, in its tile.
        let origin = group * (edge * 2u);
        let limit = source_size - 1u;
        let below = ao_pyramid_offset(level - 1u);
        let base = out.texel * 2u;
        let a = min(base, limit) - origin;
        let b = min(base + vec2u(1u, 0u), limit) - origin;
        let c = min(base + vec2u(0u, 1u), limit) - origin;
        let e = min(base + vec2u(1u, 1u), limit) - origin;
        let stride = edge * 2u;
        let d = vec4f(
            ao_pyramid[below + a.y * stride + a.x],
            ao_pyramid[below + b.y * stride + b.x],
            ao_pyramid[below + c.y * stride + c.x],
            ao_pyramid[below + e.y * stride + e.x],
        );
        out.depth = ao_truncate_to_half(vec2f(mean_surface_depth(d), 0.0)).x;
        ao_pyramid[ao_pyramid_offset(level) + local.y * edge + local.x] = out.depth;
    }
    return out;
}

fn ao_pyramid_store(t: AoPyramidTexel) -> vec4f {
    return vec4f(t.depth, 0.0, 0.0, 0.0);
}

// Mips 0..3 of group `group`'s tile; returns mip 3's size (the next level's source).
fn ao_pyramid_mips_0_to_3(group: vec2u, local: vec2u) -> vec2u {
    let size0 = textureDimensions(ao_out);
    ao_pyramid_mip0(group, local, size0);
    workgroupBarrier();
    let size1 = textureDimensions(ao_mip1);
    let t1 = ao_pyramid_texel(1u, group, local, size0, size1);
    if t1.inside {
        textureStore(ao_mip1, t1.texel, ao_pyramid_store(t1));
    }
    workgroupBarrier();
    let size2 = textureDimensions(ao_mip2);
    let t2 = ao_pyramid_texel(2u, group, local, size1, size2);
    if t2.inside {
        textureStore(ao_mip2, t2.texel, ao_pyramid_store(t2));
    }
    workgroupBarrier();
    let size3 = textureDimensions(ao_mip3);
    let t3 = ao_pyramid_texel(3u, group, local, size2, size3);
    if t3.inside {
        textureStore(ao_mip3, t3.texel, ao_pyramid_store(t3));
    }
    return size3;
}

@compute @workgroup_size(8, 8)
fn cs_pyramid(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u) {
    ao_pyramid_mips_0_to_3(group.xy, local.xy);
}

@compute @workgroup_size(8, 8)
fn cs_pyramid5(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u) {
    let size3 = ao_pyramid_mips_0_to_3(group.xy, local.xy);
    workgroupBarrier();
    let t4 = ao_pyramid_texel(4u, group.xy, local.xy, size3, textureDimensions(ao_mip4));
    if t4.inside {
        textureStore(ao_mip4, t4.texel, ao_pyramid_store(t4));
    }
}

@compute @workgroup_size(8, 8)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    if ao_in_target(id.xy) {
        ao_store(id.xy, ao_main(vec2i(id.xy)));
    }
}

@compute @workgroup_size(8, 8)
fn cs_denoise(@builtin(global_invocation_id) id: vec3u) {
    if ao_in_target(id.xy) {
        ao_store(id.xy, denoise(vec2i(id.xy)));
    }
}

@compute @workgroup_size(8, 8)
fn cs_denoise_last(@builtin(global_invocation_id) id: vec3u) {
    if ao_in_target(id.xy) {
        ao_store(id.xy, saturate(denoise(vec2i(id.xy))));
    }
}

@compute @workgroup_size(8, 8)
fn cs_upsample(@builtin(global_invocation_id) id: vec3u) {
    if ao_in_target(id.xy) {
        ao_store(id.xy, ao_upsample(vec2i(id.xy)));
    }
}

@compute @workgroup_size(8, 8)
fn cs_temporal(@builtin(global_invocation_id) id: vec3u) {
    if ao_in_target(id.xy) {
        // The pixel centre's uv, as the full-screen triangle interpolates it.
        let uv = (vec2f(id.xy) + 0.5) / ao.sizes.zw;
        let blended = ao_temporal(vec2i(id.xy), uv);
        ao_store(id.xy, blended.x);
        // The history holds the half floats the fragment variant's Rg16Float history holds,
        // so the 2% depth test rejects the same pixels in both variants (one that rounds
        // differently can flip a pixel lying right at the test's threshold).
        textureStore(ao_history_out, id.xy, vec4f(ao_truncate_to_half(blended), 0.0, 0.0));
    }
}

// Temporal anti-aliasing: each output pixel blends this frame's jittered sample with its own
// reprojected history. Follows Karis, "High Quality Temporal Supersampling" (SIGGRAPH 2014:
// closest-depth motion vector, reconstruction filter, tone-mapped resolve, AABB clamp), Salvi,
// "An Excursion in Temporal Supersampling" (GDC 2016: variance clipping in YCoCg), Pedersen,
// "Temporal Reprojection Anti-Aliasing in INSIDE" (GDC 2016: clipping towards the box centre,
// velocity rejection) and Jimenez, "Filmic SMAA" (SIGGRAPH 2016: Catmull-Rom history from five
// bilinear taps).
// Reads: this frame's HDR colour, reverse-Z depth and motion vectors (uv now minus uv last
// frame, unjittered) at the input size, the camera's reprojection (last frame's clip from this
// frame's unjittered NDC, for the sky, whose motion the G-buffer leaves at zero); last frame's
// resolved colour and aux (depth and motion of the surface each pixel followed) at the output
// size. Writes: the resolved colour (the next frame's history, alpha is coverage) and the aux
// target (the compute variant stores both into Rgba16Float storage textures). Settings and
// the tier table: src/post/taa.rs.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"
#include "include/depth.wgsl"

struct Taa {
    // xy: output size in pixels; zw: 1 / output size.
    output_size: vec4f,
    // xy: input size in pixels; zw: 1 / input size.
    input_size: vec4f,
    // xy: this frame's jitter in input pixels (x right, y down); z: blend (current frame's
    // weight in a trusted pixel); w: variance clipping's gamma.
    params: vec4f,
    // x: tier (1 low .. 4 ultra); y: clip (0 variance, 1 aabb); z: 1 = reset (output the current
    // frame); w: 1 = the input is smaller than the output (temporal upsampling).
    mode: vec4u,
    // Last frame's clip position of this frame's unjittered NDC (x, y, reverse-Z depth, 1).
    reprojection: mat4x4f,
    // x: 1 = `reprojection` is valid (else the sky keeps zero motion); y: 1 = `depth` is real
    // (else a 1x1 placeholder).
    inputs: vec4u,
};

@group(0) @binding(0) var<uniform> taa: Taa;
@group(0) @binding(1) var current: texture_2d<f32>;
@group(0) @binding(2) var depth: texture_2d<f32>;
@group(0) @binding(3) var motion: texture_2d<f32>;
@group(0) @binding(4) var history: texture_2d<f32>;
@group(0) @binding(5) var history_aux: texture_2d<f32>;
@group(0) @binding(6) var history_sampler: sampler;
@group(0) @binding(7) var depth_sampler: sampler;

const TIER_MEDIUM: u32 = 2u;
const TIER_HIGH: u32 = 3u;
const CLIP_AABB: u32 = 1u;
// The largest half float: sanitised input never exceeds it.
const MAX_HDR: f32 = 65504.0;
// Karis' Gaussian fit of a Blackman-Harris window of radius 1 pixel: exp(-2.29 d^2).
const FILTER_SHARPNESS: f32 = 2.29;
// Share of the current frame forced on a pixel whose own sample moves a pixel or more
// differently from the closest one it reprojects with (beside the edge of a moving object).
const MOTION_EDGE_WEIGHT: f32 = 0.6;

struct TaaOut {
    @location(0) colour: vec4f,
    // x: reverse-Z depth of the surface whose motion this pixel followed; yz: that motion
    // (uv); w: unused (0).
    @location(1) aux: vec4f,
};

// Per component: neither NaN nor infinite, from the exponent bits (a comparison `x == x` may be
// folded away by a compiler that assumes finite maths).
fn finite4(x: vec4f) -> vec4<bool> {
    let exponent = vec4u(0x7f800000u);
    return (bitcast<vec4u>(x) & exponent) != exponent;
}

// Non-finite components become 0, colour is clamped to 0..MAX_HDR and alpha to 0..1, so a
// broken input texel can never enter the history.
fn sanitise(c: vec4f) -> vec4f {
    let v = select(vec4f(0.0), c, finite4(c));
    return vec4f(clamp(v.rgb, vec3f(0.0), vec3f(MAX_HDR)), clamp(v.a, 0.0, 1.0));
}

fn max3(c: vec3f) -> f32 {
    return max(c.r, max(c.g, c.b));
}

fn rgb_to_ycocg(c: vec3f) -> vec3f {
    return vec3f(
        0.25 * c.r + 0.5 * c.g + 0.25 * c.b,
        0.5 * c.r - 0.5 * c.b,
        -0.25 * c.r + 0.5 * c.g - 0.25 * c.b,
    );
}

fn ycocg_to_rgb(c: vec3f) -> vec3f {
    return vec3f(c.x + c.y - c.z, c.x + c.z, c.x - c.y - c.z);
}

// Into the space where the neighbourhood is measured and the blend happens: RGB (low), YCoCg
// (medium), YCoCg of Karis' reversible tone map c / (1 + max(c)) (high, ultra), so a highlight
// weighs no more than a white pixel and cannot flicker.
fn to_work(c: vec3f) -> vec3f {
    var x = c;
    if taa.mode.x >= TIER_HIGH {
        x = x / (1.0 + max3(x));
    }
    if taa.mode.x >= TIER_MEDIUM {
        x = rgb_to_ycocg(x);
    }
    return x;
}

fn from_work(x: vec3f) -> vec3f {
    var c = x;
    if taa.mode.x >= TIER_MEDIUM {
        c = max(ycocg_to_rgb(c), vec3f(0.0));
    }
    if taa.mode.x >= TIER_HIGH {
        c = c / max(1.0 - max3(c), 1.0 / MAX_HDR);
    }
    return c;
}

fn load_current(p: vec2i) -> vec4f {
    let last = vec2i(taa.input_size.xy) - 1;
    return sanitise(textureLoad(current, clamp(p, vec2i(0), last), 0));
}

// Depth and motion are loaded clamped to their own size: a 1x1 placeholder stands in when the
// pipeline has none.
fn load_depth(p: vec2i) -> f32 {
    return depth_texel(depth, depth_sampler, min(p, vec2i(textureDimensions(depth)) - 1));
}

fn load_motion(p: vec2i) -> vec2f {
    let m = textureLoad(motion, min(p, vec2i(textureDimensions(motion)) - 1), 0).xy;
    return select(vec2f(0.0), m, finite4(vec4f(m, 0.0, 0.0)).xy);
}

// |a - b| relative to the nearer of two reverse-Z depths (0 when both are the sky).
fn depth_difference(a: f32, b: f32) -> f32 {
    return abs(a - b) / max(max(a, b), 1e-6);
}

// The motion (uv now minus uv last frame) of the sky seen at `uv`: a point at infinity
// (reverse-Z depth 0) moves with the camera's rotation only. Zero without a reprojection or
// where the direction lies behind last frame's camera.
fn sky_motion(uv: vec2f) -> vec2f {
    if taa.inputs.x == 0u {
        return vec2f(0.0);
    }
    let previous = taa.reprojection * vec4f(uv_to_ndc(uv), 0.0, 1.0);
    if !(previous.w > 1e-6) {
        return vec2f(0.0);
    }
    let m = uv - ndc_to_uv(previous.xy / previous.w);
    return select(vec2f(0.0), m, finite4(vec4f(m, 0.0, 0.0)).xy);
}

// The motion of input sample `p`, whose depth is `z`, seen at output uv `uv`: the G-buffer's,
// or the camera's for the sky (no geometry wrote motion there).
fn surface_motion(p: vec2i, z: f32, uv: vec2f) -> vec2f {
    if taa.inputs.y != 0u && z <= 0.0 {
        return sky_motion(uv);
    }
    return load_motion(p);
}

fn sample_history(uv: vec2f) -> vec4f {
    return textureSampleLevel(history, history_sampler, uv, 0.0);
}

// Catmull-Rom resampling of the history from five bilinear taps (Jimenez): the 4x4 kernel is
// separable, its two inner weights per axis merge into one bilinear tap, and the four corner
// taps, whose weights are smallest, are dropped (the weights are renormalised).
fn history_catmull_rom(uv: vec2f) -> vec4f {
    let size = taa.output_size.xy;
    let position = uv * size;
    let centre = floor(position - 0.5) + 0.5;
    let f = position - centre;
    let w0 = f * (-0.5 + f * (1.0 - 0.5 * f));
    let w1 = 1.0 + f * f * (-2.5 + 1.5 * f);
    let w2 = f * (0.5 + f * (2.0 - 1.5 * f));
    let w3 = f * f * (-0.5 + 0.5 * f);
    let w12 = w1 + w2;
    let uv0 = (centre - 1.0) * taa.output_size.zw;
    let uv3 = (centre + 2.0) * taa.output_size.zw;
    let uv12 = (centre + w2 / w12) * taa.output_size.zw;
    let weights = array<f32, 5>(
        w12.x * w0.y,
        w0.x * w12.y,
        w12.x * w12.y,
        w3.x * w12.y,
        w12.x * w3.y,
    );
    let sum = sample_history(vec2f(uv12.x, uv0.y)) * weights[0]
        + sample_history(vec2f(uv0.x, uv12.y)) * weights[1]
        + sample_history(uv12) * weights[2]
        + sample_history(vec2f(uv3.x, uv12.y)) * weights[3]
        + sample_history(vec2f(uv12.x, uv3.y)) * weights[4];
    return sum / (weights[0] + weights[1] + weights[2] + weights[3] + weights[4]);
}

// Move `h` along the line to `centre` until it lies inside the box of half-size `extent`
// (Pedersen): unlike a per-channel clamp, the result keeps the history's hue direction.
fn clip_towards_centre(h: vec3f, centre: vec3f, extent: vec3f) -> vec3f {
    let offset = h - centre;
    let units = abs(offset) / max(extent, vec3f(1e-6));
    let outside = max3(units);
    return select(h, centre + offset / outside, outside > 1.0);
}

// The compute variant's outputs (src/post/variant.rs): the resolved colour and aux target.
@group(1) @binding(0) var resolved: texture_storage_2d<rgba16float, write>;
@group(1) @binding(1) var resolved_aux: texture_storage_2d<rgba16float, write>;

@fragment
fn fs_main(in: FullscreenOut) -> TaaOut {
    return taa_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(resolved)) {
        return;
    }
    let out = taa_pixel(compute_pixel_centre(id.xy));
    textureStore(resolved, id.xy, out.colour);
    textureStore(resolved_aux, id.xy, out.aux);
}

// The resolve of the output pixel centred at `frag_coord` (framebuffer coordinates, as
// `@builtin(position)`), shared by both entry points.
fn taa_pixel(frag_coord: vec2f) -> TaaOut {
    let tier = taa.mode.x;
    let uv = frag_coord * taa.output_size.zw;
    // This pixel's centre in input pixels, and the input sample nearest to it: sample p lies at
    // p + 0.5 - jitter (the jitter moved the image by +jitter).
    let position = uv * taa.input_size.xy;
    let jitter = taa.params.xy;
    let last = vec2i(taa.input_size.xy) - 1;
    let nearest = clamp(vec2i(floor(position + jitter)), vec2i(0), last);
    // Output pixels per input pixel: distances below are measured in output pixels.
    let scale = taa.output_size.xy * taa.input_size.zw;

    // The 3x3 input neighbourhood: moments and bounds in the work space, the reconstruction
    // filter, and the closest surface (largest reverse-Z depth).
    var m1 = vec3f(0.0);
    var m2 = vec3f(0.0);
    var lo = vec3f(MAX_HDR);
    var hi = vec3f(-MAX_HDR);
    var alpha_lo = 1.0;
    var alpha_hi = 0.0;
    var filtered = vec4f(0.0);
    var filter_sum = 0.0;
    var closest_depth = -1.0;
    var closest = nearest;
    for (var dy = -1; dy <= 1; dy++) {
        for (var dx = -1; dx <= 1; dx++) {
            let p = clamp(nearest + vec2i(dx, dy), vec2i(0), last);
            let c = load_current(p);
            let w = to_work(c.rgb);
            m1 += w;
            m2 += w * w;
            lo = min(lo, w);
            hi = max(hi, w);
            alpha_lo = min(alpha_lo, c.a);
            alpha_hi = max(alpha_hi, c.a);
            let d = (vec2f(p) + 0.5 - jitter - position) * scale;
            let weight = exp(-FILTER_SHARPNESS * dot(d, d));
            filtered += vec4f(w, c.a) * weight;
            filter_sum += weight;
            let z = load_depth(p);
            if z > closest_depth {
                closest_depth = z;
                closest = p;
            }
        }
    }
    let centre_sample = load_current(nearest);
    // A trusted history takes the nearest sample as it is: averaged over the jitter sequence,
    // the nearest sample integrates exactly the pixel's footprint (a box filter, which is what
    // the supersampled reference is). Where the history is rejected, the value reconstructed
    // at the pixel centre from the 3x3 (below) stands in for the missing average.
    var current_work = vec4f(to_work(centre_sample.rgb), centre_sample.a);
    let nearest_offset = (vec2f(nearest) + 0.5 - jitter - position) * scale;
    let nearest_weight = exp(-FILTER_SHARPNESS * dot(nearest_offset, nearest_offset));

    // Reproject with the closest surface's motion (Karis), so edges of moving objects carry
    // their own history. The sky (depth 0) has no motion vectors: it moves with the camera
    // (`sky_motion`).
    let own_depth = load_depth(nearest);
    let surface_depth = closest_depth;
    let velocity = surface_motion(closest, surface_depth, uv);
    let previous_uv = uv - velocity;
    let on_screen = all(previous_uv >= vec2f(0.0)) && all(previous_uv <= vec2f(1.0));

    var history_sample: vec4f;
    if tier >= TIER_MEDIUM {
        history_sample = history_catmull_rom(previous_uv);
    } else {
        history_sample = sample_history(previous_uv);
    }
    let history_valid = all(finite4(history_sample));
    let h = select(vec4f(0.0), history_sample, history_valid);
    let history_work = to_work(max(h.rgb, vec3f(0.0)));

    // Keep the history inside the current neighbourhood: a clamp to the min/max box in RGB
    // (low), or a clip towards the centre of the min/max box (aabb) or of the mean +- gamma
    // sigma box intersected with it (variance, Salvi) in the work space.
    var clipped: vec3f;
    if tier < TIER_MEDIUM {
        clipped = clamp(history_work, lo, hi);
    } else {
        var box_lo = lo;
        var box_hi = hi;
        if taa.mode.y != CLIP_AABB {
            let mean = m1 / 9.0;
            let sigma = sqrt(max(m2 / 9.0 - mean * mean, vec3f(0.0)));
            box_lo = max(mean - taa.params.w * sigma, lo);
            box_hi = min(mean + taa.params.w * sigma, hi);
        }
        clipped = clip_towards_centre(history_work, 0.5 * (box_lo + box_hi), 0.5 * (box_hi - box_lo));
    }
    let history_alpha = clamp(h.a, alpha_lo, alpha_hi);

    // How far to trust the history: `blend` when fully trusted, more of the current frame
    // when the history was clipped or the pixel moves fast (resampling blurs), all of it where
    // the history is missing or belongs to another surface.
    let blend = taa.params.z;
    var reject = select(0.0, 1.0, taa.mode.z != 0u || !on_screen || !history_valid);
    let aux = textureLoad(
        history_aux,
        clamp(vec2i(previous_uv * taa.output_size.xy), vec2i(0), vec2i(taa.output_size.xy) - 1),
        0,
    );
    // Disocclusion, at every tier: last frame's surface there lies at another depth...
    let depth_change = depth_difference(aux.x, surface_depth);
    let disoccluded = smoothstep(0.02, 0.1, depth_change);
    // ...or moved differently (the background a moving object just uncovered)...
    let velocity_change = length((velocity - aux.yz) * taa.output_size.xy);
    let other_motion = smoothstep(0.5, 2.0, velocity_change);
    // ...or this pixel sits beside the edge of a moving object: dilation gave it the object's
    // motion while its own sample moves otherwise, so its history is the object's edge dragged
    // along; the depth test misses this where the object touches the surface behind it
    // (similar depths). Weigh the current frame more there.
    let own_velocity = surface_motion(nearest, own_depth, uv);
    let motion_edge =
        smoothstep(0.25, 1.0, length((own_velocity - velocity) * taa.output_size.xy));
    reject = max(reject, MOTION_EDGE_WEIGHT * motion_edge);
    reject = max(reject, max(disoccluded, other_motion));
    // Confidence (high and ultra): less trust in a fast-moving or heavily clipped history.
    var trust = 1.0;
    if tier >= TIER_HIGH {
        let speed = length(velocity * taa.output_size.xy);
        let clip_distance = length(clipped - history_work) / max(length(hi - lo), 1e-4);
        trust = (1.0 - 0.25 * saturate(speed / 16.0)) * (1.0 - 0.25 * saturate(clip_distance));
    }
    var weight = 1.0 - (1.0 - blend) * trust;
    // Upsampling: the current sample counts only as much as it is near this output pixel.
    if taa.mode.w != 0u {
        weight *= nearest_weight;
    }
    weight = mix(weight, 1.0, reject);

    // Where the history is (partly) rejected take the reconstructed value: a lone jittered
    // sample is as aliased as no anti-aliasing at all. Not after a reset, which outputs the
    // frame as it is (a reconstructed first frame lingers: the clipped history keeps it).
    let reconstruct = select(reject, 0.0, taa.mode.z != 0u);
    current_work = mix(current_work, filtered / max(filter_sum, 1e-6), reconstruct);

    var out: TaaOut;
    let colour = from_work(mix(clipped, current_work.rgb, weight));
    out.colour = vec4f(min(colour, vec3f(MAX_HDR)), mix(history_alpha, current_work.a, weight));
    out.aux = vec4f(surface_depth, velocity, 0.0);
    return out;
}

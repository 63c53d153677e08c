// Temporal anti-aliasing: each output pixel blends this frame's jittered sample with its own
// reprojected history. Follows Karis, "High Quality Temporal Supersampling" (SIGGRAPH 2014:
// closest-depth motion vector, reconstruction filter, AABB clamp),
// Salvi, "An Excursion in Temporal Supersampling" (GDC 2016: variance clipping in YCoCg),
// Pedersen, "Temporal Reprojection Anti-Aliasing in INSIDE" (GDC 2016: clipping towards the box
// centre, velocity rejection) and Jimenez, "Filmic SMAA" (SIGGRAPH 2016: Catmull-Rom history
// without the corner texels).
// Reads: this frame's HDR colour, reverse-Z depth and motion vectors (uv now minus uv last
// frame, unjittered) at the input size, the camera's reprojection (last frame's uv of a
// direction seen at this frame's uv, for the sky, whose motion the G-buffer leaves at zero); last frame's
// resolved colour and aux (depth and motion of the surface each pixel followed) at the output
// size. Writes: the resolved colour (the next frame's history, alpha is coverage) and the aux
// target (the compute variant stores both into Rgba16Float storage textures). Settings and
// the tier table: src/post/taa.rs.
//
// Specialised: everything the settings decide is an `override` constant fixed when the
// pipeline is built (src/post/taa.rs, `TaaKey`), so no branch or loop bound reads a uniform
// (Mesa 22's lavapipe recompiles and leaks a shader on every bind that has one:
// docs/memory-growth.md) and each tier runs straight-line code. Per-frame values (sizes,
// jitter, blend, reset, the reprojection) stay uniforms and enter arithmetic and select() only.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"
#include "include/depth.wgsl"
#include "include/texel_filter.wgsl"

struct Taa {
    // xy: output size in pixels; zw: 1 / output size.
    output_size: vec4f,
    // xy: input size in pixels; zw: 1 / input size.
    input_size: vec4f,
    // xy: this frame's jitter in input pixels (x right, y down), in [-0.5, 0.5]; z: blend
    // (current frame's weight in a trusted pixel); w: variance clipping's gamma.
    params: vec4f,
    // x: 1 = reset (output the current frame); y: unused; z: 1 = `depth` is real (else a 1x1
    // placeholder); w: unused.
    flags: vec4f,
    // Last frame's uv of the point at infinity seen at this frame's (unjittered) output uv,
    // homogeneous: (u', v', 1) is proportional to `sky_reprojection * (u, v, 1)`, whose z is
    // positive where the direction lies in front of last frame's camera. Zero without a
    // reprojection (src/post/taa.rs, `sky_reprojection`).
    sky_reprojection: mat3x3f,
    // The reconstruction filter's weights of the 3x3 around the output pixel (row dy + 1,
    // component dx + 1), normalised to sum 1, when the input is the output's size: the nearest
    // sample is then the pixel's own and the weights depend on the jitter only, so the CPU
    // computes them once a frame. Unused when upsampling.
    weights: array<vec4f, 3>,
};

@group(0) @binding(0) var<uniform> taa: Taa;
@group(0) @binding(1) var current: texture_2d<f32>;
@group(0) @binding(2) var depth: texture_2d<f32>;
@group(0) @binding(3) var motion: texture_2d<f32>;
@group(0) @binding(4) var history: texture_2d<f32>;
@group(0) @binding(5) var history_aux: texture_2d<f32>;
// NEAREST, clamped to the edge: every texture is read at texel centres (the history's filters
// are weighed here), which on lavapipe costs a third of a bilinear read. (One sampler: GLES
// pairs a texture with one sampler.)
@group(0) @binding(6) var texel_sampler: sampler;

// The pipeline's settings (src/post/taa.rs, `TaaKey::constants`).
// The tier, 1 low .. 4 ultra; what it turns on follows below.
override TIER: u32 = 3u;
// taa.clip = "aabb": from medium up, the history is clipped to the min/max box rather than to
// the variance box.
override CLIP_AABB: bool = false;
// The input is smaller than the output (temporal upsampling): the nearest sample and the
// reconstruction filter's weights vary per pixel.
override UPSAMPLE: bool = false;
// What each tier adds (the tier table of src/post/taa.rs). Medium up: the neighbourhood in
// YCoCg, the history resampled Catmull-Rom and clipped towards the centre of the min/max box.
override YCOCG: bool = TIER >= 2u;
override CATMULL_ROM: bool = TIER >= 2u;
override CLIP_TOWARDS_CENTRE: bool = TIER >= 2u;
// The fragment variant at the output's size reads the 3x3 shared within each 2x2 quad
// (`read_neighbourhood_quad`), through fine derivatives; off where they may be coarse (wgpu's
// GL backend: GLSL ES has only dFdx, which may be).
override QUAD_SHARE: bool = true;
// High up: where the pixel moves, the box shrinks to the variance box (unless taa.clip =
// "aabb").
override VARIANCE: bool = TIER >= 3u && !CLIP_AABB;
// Ultra: after a rejection the current frame's weight starts at 1/4 and falls to the blend
// over the next frames, so an uncovered pixel leaves its reconstruction sooner.
override CONVERGE: bool = TIER >= 4u;

// The largest half float: sanitised input never exceeds it.
const MAX_HDR: f32 = 65504.0;
// Karis' Gaussian fit of a Blackman-Harris window of radius 1 pixel: exp(-2.29 d^2)
// (src/post/taa.rs computes the same weights, `FILTER_SHARPNESS`).
const FILTER_SHARPNESS: f32 = 2.29;
// Share of the current frame forced on a pixel whose own sample moves a pixel or more
// differently from the closest one it reprojects with (beside the edge of a moving object).
const MOTION_EDGE_WEIGHT: f32 = 0.6;
// Frames of history counted in the aux target's w (at every tier, so a step to ultra goes on
// from the count).
const MAX_HISTORY_FRAMES: f32 = 64.0;

struct TaaOut {
    @location(0) colour: vec4f,
    // x: reverse-Z depth of the surface whose motion this pixel followed; yz: that motion
    // (uv); w: frames of history since it was last rejected.
    @location(1) aux: vec4f,
};

// Per component: neither NaN nor infinite, from the exponent bits (a comparison `x == x` may be
// folded away by a compiler that assumes finite maths).
fn finite4(x: vec4f) -> vec4<bool> {
    let exponent = vec4u(0x7f800000u);
    return (bitcast<vec4u>(x) & exponent) != exponent;
}

// `c` where all of it is finite, else `fallback` (finite), with colour clamped to 0..MAX_HDR
// and alpha to 0..1. Applied to each output pixel, so a broken input texel can never enter the
// history: the pixels whose 3x3 holds one output their history for that frame. (Sanitising
// each of the nine taps instead cost a quarter of the pass on lavapipe.)
fn sanitise(c: vec4f, fallback: vec4f) -> vec4f {
    let v = select(fallback, c, all(finite4(c)));
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
// (medium up). (Karis' reversible tone map c / (1 + max(c)) on top, which keeps highlights from
// dominating, measured 1-2 dB further from the supersampled reference with no less flicker
// on the quality scene: no tier uses it.)
fn to_work(c: vec3f) -> vec3f {
    if YCOCG {
        return rgb_to_ycocg(c);
    }
    return c;
}

fn from_work(x: vec3f) -> vec3f {
    if YCOCG {
        return ycocg_to_rgb(x);
    }
    return x;
}

// Input texels are read at their centres (`uv` at the input size) through the NEAREST sampler,
// which clamps to the edge: cheaper than `textureLoad` on lavapipe, and the depth must be
// sampled anyway (shaders/include/depth.wgsl). Depth and motion may be 1x1 placeholders.
fn load_current(uv: vec2f) -> vec4f {
    return textureSampleLevel(current, texel_sampler, uv, 0.0);
}

fn load_depth(uv: vec2f) -> f32 {
    return textureSampleLevel(depth, texel_sampler, uv, 0.0).x;
}

fn load_motion(uv: vec2f) -> vec2f {
    let m = textureSampleLevel(motion, texel_sampler, uv, 0.0).xy;
    return select(vec2f(0.0), m, finite4(vec4f(m, 0.0, 0.0)).xy);
}

// |a - b| relative to the nearer of two reverse-Z depths (0 when both are the sky).
fn depth_difference(a: f32, b: f32) -> f32 {
    return abs(a - b) / max(max(a, b), 1e-6);
}

// The motion (uv now minus uv last frame) of the sky seen at `uv`: a point at infinity
// (reverse-Z depth 0) moves with the camera's rotation only. Zero without a reprojection or
// where the direction lies behind last frame's camera. Computed once per pixel: one divide
// (the CPU folded the NDC conversions into the matrix and bounds its entries, so the result
// is finite wherever z > 1e-6).
fn sky_motion(uv: vec2f) -> vec2f {
    let previous = taa.sky_reprojection * vec3f(uv, 1.0);
    let m = uv - previous.xy * (1.0 / previous.z);
    return select(vec2f(0.0), m, previous.z > 1e-6);
}

// Catmull-Rom resampling of the history (Jimenez): the 4x4 kernel is separable and its four
// corner texels, whose weights are smallest, are dropped (the weights are renormalised). The
// twelve texels are read one by one at constant offsets from one centre, with the weights
// computed here: the same sum as the five bilinear taps Jimenez merges them into (the two
// inner texels of a row or column in one tap), without the GPU's 8-bit filter weights, and on
// lavapipe about 5 % of the pass cheaper (a bilinear read costs it three texel reads).
fn history_catmull_rom(uv: vec2f) -> vec4f {
    let position = uv * taa.output_size.xy;
    let centre = floor(position - 0.5) + 0.5;
    let f = position - centre;
    let w0 = f * (-0.5 + f * (1.0 - 0.5 * f));
    let w1 = 1.0 + f * f * (-2.5 + 1.5 * f);
    let w2 = f * (0.5 + f * (2.0 - 1.5 * f));
    let w3 = f * f * (-0.5 + 0.5 * f);
    let c = centre * taa.output_size.zw;
    let above = textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(0, -1)) * w1.x
        + textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(1, -1)) * w2.x;
    let row = textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(-1, 0)) * w0.x
        + textureSampleLevel(history, texel_sampler, c, 0.0) * w1.x
        + textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(1, 0)) * w2.x
        + textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(2, 0)) * w3.x;
    let next_row = textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(-1, 1)) * w0.x
        + textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(0, 1)) * w1.x
        + textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(1, 1)) * w2.x
        + textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(2, 1)) * w3.x;
    let below = textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(0, 2)) * w1.x
        + textureSampleLevel(history, texel_sampler, c, 0.0, vec2i(1, 2)) * w2.x;
    let sum = above * w0.y + row * w1.y + next_row * w2.y + below * w3.y;
    // Each axis' four weights sum to 1; the dropped corners' do not count.
    let w12 = w1 + w2;
    return sum / (w12.x * (w0.y + w3.y) + w12.y);
}

// Move `h` along the line to `centre` until it lies inside the box of half-size `extent`
// (Pedersen): unlike a per-channel clamp, the result keeps the history's hue direction. A
// channel the neighbourhood does not vary in (a flat colour: zero extent) still gives the
// history the half float's rounding (2^-11 of the value), or the history would be pulled to
// the centre by its last bit.
fn clip_towards_centre(h: vec3f, centre: vec3f, extent: vec3f) -> vec3f {
    let offset = h - centre;
    let rounding = 1e-3 * max(max3(abs(centre)), 1e-3);
    let units = abs(offset) / max(extent, vec3f(rounding));
    let outside = max3(units);
    return select(h, centre + offset / outside, outside > 1.0);
}

// What the resolve needs of the 3x3 input neighbourhood around the nearest sample, gathered in
// one pass over its taps: moments and bounds in the work space, the reconstruction filter's
// sum and the nearest sample (the centre tap).
struct Neighbourhood {
    m1: vec3f,
    m2: vec3f,
    lo: vec3f,
    hi: vec3f,
    alpha_lo: f32,
    alpha_hi: f32,
    // Sum of the taps (work space, alpha) times the filter's weights.
    filtered: vec4f,
    // The nearest sample in the work space.
    centre: vec4f,
};

fn neighbourhood_start() -> Neighbourhood {
    var n: Neighbourhood;
    n.m1 = vec3f(0.0);
    n.m2 = vec3f(0.0);
    n.lo = vec3f(MAX_HDR);
    n.hi = vec3f(-MAX_HDR);
    n.alpha_lo = 1.0;
    n.alpha_hi = 0.0;
    n.filtered = vec4f(0.0);
    n.centre = vec4f(0.0);
    return n;
}

// Add the tap at offset `d` from the nearest sample: `w` its colour in the work space with
// alpha, `weight` its share of the reconstruction.
fn add_tap(n: ptr<function, Neighbourhood>, d: vec2i, w: vec4f, weight: f32) {
    (*n).m1 += w.rgb;
    (*n).m2 += w.rgb * w.rgb;
    (*n).lo = min((*n).lo, w.rgb);
    (*n).hi = max((*n).hi, w.rgb);
    (*n).alpha_lo = min((*n).alpha_lo, w.a);
    (*n).alpha_hi = max((*n).alpha_hi, w.a);
    (*n).filtered += w * weight;
    if all(d == vec2i(0)) {
        // The loops are unrolled: this is the centre tap's iteration, not a branch.
        (*n).centre = w;
    }
}

// The 3x3 input neighbourhood around the input texel centred at `centre` (input uv), each tap
// added with the reconstruction weight `weights[3 (dy + 1) + dx + 1]`. The taps are read at
// constant offsets from `centre`, which shares the coordinate arithmetic between the reads
// (10 % of the pass on lavapipe against nine reads at nine coordinates), through the NEAREST
// sampler (clamped at the edges).
fn read_neighbourhood(centre: vec2f, weights: array<f32, 9>) -> Neighbourhood {
    let colour = array<vec4f, 9>(
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(-1, -1)),
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(0, -1)),
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(1, -1)),
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(-1, 0)),
        textureSampleLevel(current, texel_sampler, centre, 0.0),
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(1, 0)),
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(-1, 1)),
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(0, 1)),
        textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(1, 1)),
    );
    return add_taps(colour, weights);
}

// The depths of the 3x3 around the input texel centred at `centre` where the closest surface
// is searched (the `dilation_tap`s); -1 at the others.
fn read_dilation_depths(centre: vec2f) -> array<f32, 9> {
    return array<f32, 9>(
        textureSampleLevel(depth, texel_sampler, centre, 0.0, vec2i(-1, -1)).x,
        -1.0,
        textureSampleLevel(depth, texel_sampler, centre, 0.0, vec2i(1, -1)).x,
        -1.0,
        textureSampleLevel(depth, texel_sampler, centre, 0.0).x,
        -1.0,
        textureSampleLevel(depth, texel_sampler, centre, 0.0, vec2i(-1, 1)).x,
        -1.0,
        textureSampleLevel(depth, texel_sampler, centre, 0.0, vec2i(1, 1)).x,
    );
}

// The neighbourhood of the nine taps `colour` (row by row, as read).
fn add_taps(colour: array<vec4f, 9>, weights: array<f32, 9>) -> Neighbourhood {
    var n = neighbourhood_start();
    for (var dy = -1; dy <= 1; dy++) {
        for (var dx = -1; dx <= 1; dx++) {
            let i = 3 * (dy + 1) + dx + 1;
            let c = colour[i];
            add_tap(&n, vec2i(dx, dy), vec4f(to_work(c.rgb), c.a), weights[i]);
        }
    }
    return n;
}

// The closest surface around a pixel's nearest sample: the largest reverse-Z depth among the
// `dilation_tap`s, whose motion the pixel reprojects with (Karis), and the nearest sample's
// own depth.
struct Surface {
    closest_depth: f32,
    // Where the closest depth was read (input uv).
    closest_uv: vec2f,
    centre_depth: f32,
};

// The `Surface` of the taps' depths `tap_depth` (row by row; -1 where not read) around the
// input texel centred at `centre` (input uv).
fn closest_surface(centre: vec2f, tap_depth: array<f32, 9>) -> Surface {
    var s: Surface;
    s.closest_depth = -1.0;
    s.closest_uv = centre;
    s.centre_depth = tap_depth[4];
    for (var dy = -1; dy <= 1; dy++) {
        for (var dx = -1; dx <= 1; dx++) {
            let d = vec2i(dx, dy);
            if dilation_tap(d) {
                // Unrolled: these are five of the nine iterations, not a branch.
                let z = tap_depth[3 * (dy + 1) + dx + 1];
                let nearer = z > s.closest_depth;
                s.closest_depth = select(s.closest_depth, z, nearer);
                s.closest_uv = select(s.closest_uv, centre + vec2f(d) * taa.input_size.zw, nearer);
            }
        }
    }
    return s;
}

// `v` of the other pixel in this pixel's row (`dpdx`) or column (`dpdy`) of its 2x2 quad:
// `side` is +1 where that pixel lies right (below), -1 where it lies left (above). A fine
// derivative is the difference of the two pixels' values, so this is their exchange: exact
// wherever the two lie within a factor 2 of each other, else within an f32 rounding of the
// larger (2^-24 of it; far below the half float the texels come from).
fn quad_other_in_row(v: vec4f, side: f32) -> vec4f {
    return v + side * dpdxFine(v);
}

fn quad_other_in_column(v: vec4f, side: f32) -> vec4f {
    return v + side * dpdyFine(v);
}

// `read_neighbourhood` at the output's size in the fragment variant (`QUAD_SHARE`): the four
// pixels of a 2x2 quad share their reads. Each reads its four diagonal taps and its centre;
// its four edge taps are a quad partner's
// diagonal taps, exchanged through fine derivatives: five colour reads instead of nine. The
// partner must offer the diagonal tap that lies on this pixel's edge: in a row, a pixel offers
// its right diagonal taps when it is the quad's left pixel and its left ones when it is the
// right pixel, and likewise in a column. Must run in uniform control flow (derivatives).
fn read_neighbourhood_quad(pixel: vec2f, weights: array<f32, 9>) -> Neighbourhood {
    let centre = pixel * taa.input_size.zw;
    let odd = (vec2u(pixel) & vec2u(1u)) == vec2u(1u);
    let side = select(vec2f(1.0), vec2f(-1.0), odd);
    let up_left = textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(-1, -1));
    let up_right = textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(1, -1));
    let down_left = textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(-1, 1));
    let down_right = textureSampleLevel(current, texel_sampler, centre, 0.0, vec2i(1, 1));
    let up = quad_other_in_row(select(up_right, up_left, odd.x), side.x);
    let down = quad_other_in_row(select(down_right, down_left, odd.x), side.x);
    let left = quad_other_in_column(select(down_left, up_left, odd.y), side.y);
    let right = quad_other_in_column(select(down_right, up_right, odd.y), side.y);
    let colour = array<vec4f, 9>(
        up_left, up, up_right,
        left, textureSampleLevel(current, texel_sampler, centre, 0.0), right,
        down_left, down, down_right,
    );
    return add_taps(colour, weights);
}

// Whether the tap at offset `d` is one of the five whose depth the closest surface is searched
// among: the centre and the four diagonals (Karis' cross, as Bevy reads it; the 3x3 measured
// no closer to the reference and reads four more depths). Constant once the loops unroll.
fn dilation_tap(d: vec2i) -> bool {
    return (d.x == 0) == (d.y == 0);
}

// The reconstruction filter's weight of the tap at offset `d` from the pixel's own sample when
// the input is the output's size (normalised on the CPU).
fn frame_filter_weight(d: vec2i) -> f32 {
    return taa.weights[d.y + 1][d.x + 1];
}

// The nine weights of `frame_filter_weight`, row by row.
fn frame_filter_weights() -> array<f32, 9> {
    let w = taa.weights;
    return array<f32, 9>(
        w[0].x, w[0].y, w[0].z,
        w[1].x, w[1].y, w[1].z,
        w[2].x, w[2].y, w[2].z,
    );
}

// The compute variant's outputs (src/post/variant.rs): the resolved colour and aux target.
@group(1) @binding(0) var resolved: texture_storage_2d<rgba16float, write>;
@group(1) @binding(1) var resolved_aux: texture_storage_2d<rgba16float, write>;

// The compute variant's neighbourhood (without upsampling): the 10x10 input texels around the
// workgroup's 8x8 pixels, each read and taken to the work space once instead of nine times.
const TILE: i32 = 10;
var<workgroup> tile_colour: array<vec4f, 100>;
var<workgroup> tile_depth: array<f32, 100>;

@fragment
fn fs_main(in: FullscreenOut) -> TaaOut {
    let frag_coord = in.position.xy;
    if UPSAMPLE || !QUAD_SHARE {
        return taa_pixel(frag_coord);
    }
    let centre = frag_coord * taa.input_size.zw;
    let r = reproject(frag_coord, centre, closest_surface(centre, read_dilation_depths(centre)));
    let n = read_neighbourhood_quad(frag_coord, frame_filter_weights());
    return resolve(r, n, 1.0, 1.0);
}

@compute @workgroup_size(8, 8)
fn cs_main(
    @builtin(global_invocation_id) id: vec3u,
    @builtin(local_invocation_id) local: vec3u,
    @builtin(workgroup_id) group: vec3u,
) {
    if !UPSAMPLE {
        // Input and output pixels coincide: the tile starts one texel up and left of the
        // workgroup's first pixel (the sampler clamps the edges).
        let origin = vec2i(group.xy * 8u) - 1;
        for (var i = local.x + 8u * local.y; i < u32(TILE * TILE); i += 64u) {
            let p = origin + vec2i(i32(i) % TILE, i32(i) / TILE);
            let uv = (vec2f(p) + 0.5) * taa.input_size.zw;
            let c = load_current(uv);
            tile_colour[i] = vec4f(to_work(c.rgb), c.a);
            tile_depth[i] = load_depth(uv);
        }
        workgroupBarrier();
    }
    if any(id.xy >= textureDimensions(resolved)) {
        return;
    }
    let frag_coord = compute_pixel_centre(id.xy);
    var out: TaaOut;
    if UPSAMPLE {
        out = taa_pixel(frag_coord);
    } else {
        // The tile's index of the tap at offset (dx, dy) from this pixel.
        let first = (i32(local.y) + 1) * TILE + i32(local.x) + 1;
        var tap_depth: array<f32, 9>;
        for (var dy = -1; dy <= 1; dy++) {
            for (var dx = -1; dx <= 1; dx++) {
                let t = first + dy * TILE + dx;
                tap_depth[3 * (dy + 1) + dx + 1] = select(-1.0, tile_depth[t], dilation_tap(vec2i(dx, dy)));
            }
        }
        let centre = frag_coord * taa.input_size.zw;
        let r = reproject(frag_coord, centre, closest_surface(centre, tap_depth));
        var n = neighbourhood_start();
        for (var dy = -1; dy <= 1; dy++) {
            for (var dx = -1; dx <= 1; dx++) {
                let d = vec2i(dx, dy);
                add_tap(&n, d, tile_colour[first + dy * TILE + dx], frame_filter_weight(d));
            }
        }
        out = resolve(r, n, 1.0, 1.0);
    }
    textureStore(resolved, id.xy, out.colour);
    textureStore(resolved_aux, id.xy, out.aux);
}

// The resolve of the output pixel centred at `frag_coord` (framebuffer coordinates, as
// `@builtin(position)`) with its neighbourhood read from the textures.
fn taa_pixel(frag_coord: vec2f) -> TaaOut {
    if UPSAMPLE {
        // This pixel's centre in input pixels, and the input sample nearest to it: sample p
        // lies at p + 0.5 - jitter (the jitter moved the image by +jitter).
        let position = frag_coord * taa.output_size.zw * taa.input_size.xy;
        let jitter = taa.params.xy;
        let last = vec2i(taa.input_size.xy) - 1;
        let nearest = vec2f(clamp(vec2i(floor(position + jitter)), vec2i(0), last)) + 0.5;
        let nearest_uv = nearest * taa.input_size.zw;
        let depths = read_dilation_depths(nearest_uv);
        let r = reproject(frag_coord, nearest_uv, closest_surface(nearest_uv, depths));
        // The filter is separable: exp(-k (x² + y²)) = exp(-k x²) exp(-k y²), distances in
        // output pixels (output pixels per input pixel: `scale`).
        let scale = taa.output_size.xy * taa.input_size.zw;
        let base = nearest - jitter - position;
        let x = (vec3f(-1.0, 0.0, 1.0) + base.x) * scale.x;
        let y = (vec3f(-1.0, 0.0, 1.0) + base.y) * scale.y;
        let wx = exp(-FILTER_SHARPNESS * x * x);
        let wy = exp(-FILTER_SHARPNESS * y * y);
        let weights = array<f32, 9>(
            wx.x * wy.x, wx.y * wy.x, wx.z * wy.x,
            wx.x * wy.y, wx.y * wy.y, wx.z * wy.y,
            wx.x * wy.z, wx.y * wy.z, wx.z * wy.z,
        );
        let n = read_neighbourhood(nearest_uv, weights);
        let filter_sum = (wx.x + wx.y + wx.z) * (wy.x + wy.y + wy.z);
        return resolve(r, n, wx.y * wy.y, filter_sum);
    }
    // The input is the output's size: the nearest sample is the pixel's own (the jitter lies
    // within half a pixel), and the filter's weights are the frame's.
    let uv = frag_coord * taa.input_size.zw;
    let r = reproject(frag_coord, uv, closest_surface(uv, read_dilation_depths(uv)));
    return resolve(r, read_neighbourhood(uv, frame_filter_weights()), 1.0, 1.0);
}

// Where the pixel's history lies and what it holds. Every entry point finds it before it
// reads the colour neighbourhood: on lavapipe each texture read is a call across which every
// live vector register is spilled, and this order keeps fewer values live across the
// history's reads (with `Surface` found apart from the colour taps, 6 % of the pass; also
// computing the history's trust here, before the colour reads, measured slower).
struct Reprojection {
    // The motion followed (uv now minus uv last frame), and the reverse-Z depth of the
    // closest surface whose motion it is.
    velocity: vec2f,
    surface_depth: f32,
    // 0..1: how far the nearest sample's own motion differs from `velocity` (0.25 to 1
    // pixel): this pixel sits beside the edge of a moving object whose motion the dilation
    // gave it.
    motion_edge: f32,
    // Where the pixel was last frame (output uv).
    previous_uv: vec2f,
    // The history resampled there, zero where it is not finite (`history_valid`).
    history: vec4f,
    history_valid: bool,
    // Last frame's aux target there.
    aux: vec4f,
};

// The `Reprojection` of the output pixel centred at `frag_coord` whose nearest input sample
// lies at input uv `nearest_uv`, around which `surface` was found.
fn reproject(frag_coord: vec2f, nearest_uv: vec2f, surface: Surface) -> Reprojection {
    let uv = frag_coord * taa.output_size.zw;
    // Reproject with the closest surface's motion (Karis), so edges of moving objects carry
    // their own history. The sky (depth 0) has no motion vectors: it moves with the camera
    // (`sky_motion`), the same for every sky sample of the pixel.
    let sky = sky_motion(uv);
    let has_depth = taa.flags.z > 0.5;
    var r: Reprojection;
    let sky_closest = has_depth & (surface.closest_depth <= 0.0);
    r.velocity = select(load_motion(surface.closest_uv), sky, sky_closest);
    r.surface_depth = surface.closest_depth;
    // The nearest sample's own motion is the one already read wherever it is the closest
    // surface (most pixels: no second read) or the sky.
    let centre_is_sky = has_depth & (surface.centre_depth <= 0.0);
    var own_velocity = select(r.velocity, sky, centre_is_sky);
    if any(surface.closest_uv != nearest_uv) & !centre_is_sky {
        own_velocity = load_motion(nearest_uv);
    }
    r.motion_edge =
        smoothstep(0.25, 1.0, length((own_velocity - r.velocity) * taa.output_size.xy));
    r.previous_uv = uv - r.velocity;
    var sample: vec4f;
    if CATMULL_ROM {
        sample = history_catmull_rom(r.previous_uv);
    } else {
        sample = texel_bilinear(history, texel_sampler, r.previous_uv, taa.output_size.xy, taa.output_size.zw);
    }
    r.history_valid = all(finite4(sample));
    r.history = select(vec4f(0.0), sample, r.history_valid);
    r.aux = textureSampleLevel(history_aux, texel_sampler, r.previous_uv, 0.0);
    return r;
}

// The resolve of an output pixel from its reprojected history `r` and its input
// neighbourhood `n` (around the nearest sample), shared by both entry points.
// `nearest_weight`: the filter's weight of the nearest sample (upsampling); `filter_sum`: the
// sum of the filter's weights `n.filtered` holds.
fn resolve(
    r: Reprojection,
    n: Neighbourhood,
    nearest_weight: f32,
    filter_sum: f32,
) -> TaaOut {
    let reset = taa.flags.x > 0.5;
    // A trusted history takes the nearest sample as it is: averaged over the jitter sequence,
    // the nearest sample integrates exactly the pixel's footprint (a box filter, which is what
    // the supersampled reference is). Where the history is rejected, the value reconstructed
    // at the pixel centre from the 3x3 (below) stands in for the missing average.
    var current_work = n.centre;
    let velocity = r.velocity;
    let on_screen = all(r.previous_uv >= vec2f(0.0)) && all(r.previous_uv <= vec2f(1.0));
    let speed = length(velocity * taa.output_size.xy);
    let h = r.history;
    let history_work = to_work(max(h.rgb, vec3f(0.0)));

    // Keep the history inside the current neighbourhood: a clamp to the min/max box in RGB
    // (low), or a clip towards the centre of the min/max box in YCoCg (medium), of the mean ±
    // gamma sigma box intersected with it where the pixel moves (high up, Salvi's variance
    // clipping: tighter, so less ghosting; a still pixel keeps the min/max box, whose wider
    // reach lets the converged edge through).
    var clipped: vec3f;
    if CLIP_TOWARDS_CENTRE {
        var box_lo = n.lo;
        var box_hi = n.hi;
        if VARIANCE {
            let mean = n.m1 / 9.0;
            let sigma = sqrt(max(n.m2 / 9.0 - mean * mean, vec3f(0.0)));
            let moving = smoothstep(0.0, 0.5, speed);
            box_lo = mix(n.lo, max(mean - taa.params.w * sigma, n.lo), moving);
            box_hi = mix(n.hi, min(mean + taa.params.w * sigma, n.hi), moving);
        }
        clipped = clip_towards_centre(history_work, 0.5 * (box_lo + box_hi), 0.5 * (box_hi - box_lo));
    } else {
        clipped = clamp(history_work, n.lo, n.hi);
    }
    let history_alpha = clamp(h.a, n.alpha_lo, n.alpha_hi);

    // How far to trust the history: `blend` when trusted, all of the current frame where the
    // history is missing or belongs to another surface.
    var reject = select(0.0, 1.0, reset | !on_screen | !r.history_valid);
    let aux = r.aux;
    // Disocclusion, at every tier: last frame's surface there lies at another depth...
    let depth_change = depth_difference(aux.x, r.surface_depth);
    let disoccluded = smoothstep(0.02, 0.1, depth_change);
    // ...or moved differently (the background a moving object just uncovered)...
    let velocity_change = length((velocity - aux.yz) * taa.output_size.xy);
    let other_motion = smoothstep(0.5, 2.0, velocity_change);
    // ...or this pixel sits beside the edge of a moving object: dilation gave it the object's
    // motion while its own sample moves otherwise, so its history is the object's edge dragged
    // along; the depth test misses this where the object touches the surface behind it
    // (similar depths). Weigh the current frame more there.
    reject = max(reject, MOTION_EDGE_WEIGHT * r.motion_edge);
    reject = max(reject, max(disoccluded, other_motion));
    // Frames of history this pixel has (the count restarts where it is rejected).
    let frames = select(0.0, aux.w, r.history_valid) * (1.0 - reject);
    var blend = taa.params.z;
    if CONVERGE {
        blend = max(blend, 0.5 / (frames + 1.0));
    }
    var weight = blend;
    // Upsampling: the current sample counts only as much as it is near this output pixel.
    if UPSAMPLE {
        weight *= nearest_weight;
    }
    weight = mix(weight, 1.0, reject);

    // Where the history is (partly) rejected take the reconstructed value: a lone jittered
    // sample is as aliased as no anti-aliasing at all. Not after a reset, which outputs the
    // frame as it is (a reconstructed first frame lingers: the clipped history keeps it).
    let reconstruct = select(reject, 0.0, reset);
    current_work = mix(current_work, n.filtered / max(filter_sum, 1e-6), reconstruct);

    var out: TaaOut;
    let colour = from_work(mix(clipped, current_work.rgb, weight));
    // A broken texel in the 3x3 (NaN, infinity) makes the blend non-finite: such a pixel
    // shows its history as it is (black without one) for the frame, rather than a hole.
    let resolved = vec4f(colour, mix(history_alpha, current_work.a, weight));
    out.colour = sanitise(resolved, h);
    out.aux = vec4f(r.surface_depth, velocity, min(frames + 1.0, MAX_HISTORY_FRAMES));
    return out;
}

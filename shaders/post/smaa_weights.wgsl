// SMAA 1x, pass 2 of 3: blending weights (Jimenez et al., "SMAA: Enhanced Subpixel
// Morphological Antialiasing", Eurographics 2012, section 3.2), orthogonal patterns. For the
// edge along the pixel's top boundary (and, turned, the one along its left boundary):
// 1. search along the edge for both its ends: each step is one bilinear tap placed a quarter
//    pixel from the nearer of two pixels' centres, so it reads 0.75 x near + 0.25 x far of
//    their edge flags, and the search texture turns that into how far the edge runs in the
//    pair (src/post/smaa.rs, `search_texture`);
// 2. read the crossing edges at both ends: which side of the edge it turns to there;
// 3. look up the area of this pixel (and of its neighbour across the edge) under the
//    revectorised silhouette line for those distances and turns in the area texture
//    (src/post/smaa.rs, `area`).
// Reads: the edges image (Rg8Unorm: r = left edge, g = top edge), the area texture (Rg8Unorm,
// 4 x 4 tiles of 65 x 65: twice the own and neighbour areas) and the search texture (R8Unorm,
// 5 x 1). Writes: Rgba8Unorm, x = twice the area this pixel takes from its top neighbour,
// y = twice the area that neighbour takes from it, z, w = the same across the left boundary.
// `MAX_STEPS` (search taps each way, two pixels each) is the tier's override constant, so the
// search loop has a fixed bound and its only exit reads the image.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

override MAX_STEPS: u32 = 16u;

// Tile size of the area texture: distances 0..=64 (src/post/smaa.rs, AREA_MAX_DISTANCE).
const AREA_TILE: i32 = 65;

struct Smaa {
    // xy: 1 / width, 1 / height in pixels; zw: width, height.
    frame: vec4f,
    // Unused here.
    params: vec4f,
};

@group(0) @binding(0) var<uniform> smaa: Smaa;
@group(0) @binding(1) var edges: texture_2d<f32>;
@group(0) @binding(2) var edges_sampler: sampler;
@group(0) @binding(3) var area_texture: texture_2d<f32>;
@group(0) @binding(4) var search_texture: texture_2d<f32>;

// The edge flags of `pixel`, none outside the image (a select, not a branch on the size).
fn edges_at(pixel: vec2i) -> vec2f {
    let size = vec2i(smaa.frame.zw);
    let inside = all(pixel >= vec2i(0)) && all(pixel < size);
    let flags = textureLoad(edges, clamp(pixel, vec2i(0), size - 1), 0).rg;
    return select(vec2f(0.0), flags, inside);
}

// How many pixels of a pair the edge runs through, from a search tap of the pair's flags.
fn run_in_pair(tap: f32) -> i32 {
    let code = clamp(i32(round(4.0 * tap)), 0, 4);
    return i32(round(255.0 * textureLoad(search_texture, vec2i(code, 0), 0).r));
}

// How many pixels beyond `p` along `direction` (a unit step) the edge of `channel` (0: left
// edges, searched vertically; 1: top edges, searched horizontally) runs, before clamping to
// the image.
fn search(p: vec2i, direction: vec2i, channel: u32) -> i32 {
    var run = 0;
    for (var i = 0u; i < MAX_STEPS; i++) {
        let near = p + direction * (1 + 2 * i32(i));
        // A quarter pixel from the near pixel's centre towards the far one.
        let position = vec2f(near) + 0.5 + 0.25 * vec2f(direction);
        let tap = textureSampleLevel(edges, edges_sampler, position * smaa.frame.xy, 0.0);
        let n = run_in_pair(select(tap.r, tap.g, channel == 1u));
        run += n;
        if n < 2 {
            break;
        }
    }
    return run;
}

// The crossing code (own + 2 x other) from the flags on this pixel's side and the other side.
fn crossing(own: f32, other: f32) -> i32 {
    return i32(own > 0.5) + 2 * i32(other > 0.5);
}

// Twice the (own, other) areas of a pixel `d_start` and `d_end` pixels from the edge's ends,
// with crossings `start` and `end`.
fn area(d_start: i32, d_end: i32, start: i32, end: i32) -> vec2f {
    let d = min(vec2i(d_start, d_end), vec2i(AREA_TILE - 1));
    let texel = vec2i(start, end) * AREA_TILE + d;
    return textureLoad(area_texture, texel, 0).rg;
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    if MAX_STEPS == 0u {
        return vec4f(0.0);
    }
    let p = vec2i(in.position.xy);
    let size = vec2i(smaa.frame.zw);
    let e = edges_at(p);
    var out = vec4f(0.0);
    if e.y > 0.5 {
        // The top edge: search left and right along the row.
        let d_left = min(search(p, vec2i(-1, 0), 1u), p.x);
        let d_right = min(search(p, vec2i(1, 0), 1u), size.x - 1 - p.x);
        // Crossings are left edges at the ends' outer boundaries: in this row (own side) or
        // the row above (the neighbour's side).
        let x0 = p.x - d_left;
        let x1 = p.x + d_right + 1;
        let start = crossing(edges_at(vec2i(x0, p.y)).x, edges_at(vec2i(x0, p.y - 1)).x);
        let end = crossing(edges_at(vec2i(x1, p.y)).x, edges_at(vec2i(x1, p.y - 1)).x);
        out = vec4f(area(d_left, d_right, start, end), out.zw);
    }
    if e.x > 0.5 {
        // The left edge: search up and down the column.
        let d_up = min(search(p, vec2i(0, -1), 0u), p.y);
        let d_down = min(search(p, vec2i(0, 1), 0u), size.y - 1 - p.y);
        // Crossings are top edges at the ends' outer boundaries: in this column (own side) or
        // the column to the left (the neighbour's side).
        let y0 = p.y - d_up;
        let y1 = p.y + d_down + 1;
        let start = crossing(edges_at(vec2i(p.x, y0)).y, edges_at(vec2i(p.x - 1, y0)).y);
        let end = crossing(edges_at(vec2i(p.x, y1)).y, edges_at(vec2i(p.x - 1, y1)).y);
        out = vec4f(out.xy, area(d_up, d_down, start, end));
    }
    return out;
}

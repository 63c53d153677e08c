// Motion blur after McGuire, Hennessy, Bukowski and Osman, "A Reconstruction Filter for
// Plausible Motion Blur" (I3D 2012): per-pixel velocities are clamped to a maximum radius K,
// reduced to the largest velocity per K x K tile (fs_tile_max), then to the largest of each
// tile's 3x3 neighbourhood (fs_neighbour_max), so a pixel knows the fastest motion that can
// reach it even past an object's silhouette. The gather (fs_gather) samples along that
// neighbour-max velocity with a per-pixel jitter (interleaved gradient noise, Jimenez 2014).
//
// The gather's weights are ours, not McGuire's cone/cylinder sums: each sample Y stands for
// the pixels between it and the next sample, and covers the centre X for the fraction of the
// exposure its content spends over X, `spacing / (2 |V_Y|)` when its blur reaches X
// (`|X - Y| <= |V_Y|`). Samples are sorted by depth relative to X (soft, relative to the
// nearer depth) into in front, level and behind, and composited front over level over behind:
// a moving object in front smears over a static background by exactly the time it covers it,
// a static surface is never smeared by a moving one behind it, and where a moving object
// uncovers what lies behind it the behind samples (or, lacking them, the level ones) fill in.
// A box moving at v pixels per frame gets the box-filtered ramp of width v * shutter fraction.
//
// Velocities: `V = motion_uv * size * shutter / 2`, the half displacement during the exposure
// in pixels, clamped to K. Depth: reverse-Z, compared as 1 / depth (proportional to view
// distance; only ratios are used, so the near plane is not needed).
// Reads: HDR colour, reverse-Z depth, motion vectors (uv now minus uv last frame), all at the
// render size. Writes: the blurred HDR colour (fs_gather), the tile velocities (fs_tile_max,
// fs_neighbour_max: xy = half displacement in pixels).
// Compute variant (src/post/variant.rs): each step's per-pixel function is called by its
// fs_<step> (a full-screen triangle) and its cs_<step> (8x8 workgroups storing into `output`
// at group 1, Rgba16Float: the tiles keep the fragment variant's Rg16Float half-float
// precision in a format every device can store). The tile maximum is one invocation per tile
// looping over its K x K pixels like the fragment one, so the two agree exactly.
// The tier's K and sample count are override constants set per pipeline (src/post/motion_blur.rs:
// the tile maximum and the gather are specialised by tier), so their loops run a fixed count and
// no branch or loop exit depends on a uniform value alone (which Mesa 22's lavapipe recompiles
// and leaks on every bind: docs/memory-growth.md).
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"
#include "include/depth.wgsl"

struct MotionBlur {
    // xy: image size in pixels; zw: unused.
    frame: vec4f,
    // x: shutter fraction / 2; y: frame index (jitter); z: soft depth range (relative);
    // w: unused.
    params: vec4f,
};

// The tile size K = the maximum blur radius in pixels, and the gather's samples: the tier's.
override MB_TILE: u32 = 32u;
override MB_SAMPLES: u32 = 16u;

@group(0) @binding(0) var<uniform> mb: MotionBlur;
// fs_tile_max: motion vectors; fs_neighbour_max: tile maxima; fs_gather: HDR colour.
@group(0) @binding(1) var source: texture_2d<f32>;
@group(0) @binding(2) var depth_texture: texture_2d<f32>;
@group(0) @binding(3) var motion_texture: texture_2d<f32>;
@group(0) @binding(4) var neighbour_max: texture_2d<f32>;
@group(0) @binding(5) var depth_sampler: sampler;
@group(1) @binding(0) var output: texture_storage_2d<rgba16float, write>;

// Whether a compute invocation lies outside `output` (the last workgroups overhang it).
fn outside(id: vec3u) -> bool {
    return any(id.xy >= textureDimensions(output));
}

// Half displacement over the exposure in pixels, clamped to K; NaN motion counts as none.
fn half_velocity(motion: vec2f) -> vec2f {
    let v = motion * mb.frame.xy * mb.params.x;
    let l = length(v);
    if !(l > 0.0) || l != l {
        return vec2f(0.0);
    }
    return v * min(1.0, f32(MB_TILE) / l);
}

@fragment
fn fs_tile_max(in: FullscreenOut) -> @location(0) vec4f {
    return tile_max_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_tile_max(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    textureStore(output, id.xy, tile_max_pixel(compute_pixel_centre(id.xy)));
}

// The fastest clamped velocity of the K x K tile at `position`.
fn tile_max_pixel(position: vec2f) -> vec4f {
    let k = i32(MB_TILE);
    let size = vec2i(mb.frame.xy);
    let origin = vec2i(position) * k;
    var best = vec2f(0.0);
    for (var y = 0; y < k; y++) {
        for (var x = 0; x < k; x++) {
            let p = origin + vec2i(x, y);
            if all(p < size) {
                let v = half_velocity(textureLoad(source, p, 0).xy);
                if dot(v, v) > dot(best, best) {
                    best = v;
                }
            }
        }
    }
    return vec4f(best, 0.0, 0.0);
}

@fragment
fn fs_neighbour_max(in: FullscreenOut) -> @location(0) vec4f {
    return neighbour_max_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_neighbour_max(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    textureStore(output, id.xy, neighbour_max_pixel(compute_pixel_centre(id.xy)));
}

// The fastest velocity of the 3x3 tiles around the tile at `position`.
fn neighbour_max_pixel(position: vec2f) -> vec4f {
    let tile = vec2i(position);
    let last = vec2i(textureDimensions(source)) - 1;
    var best = vec2f(0.0);
    for (var y = -1; y <= 1; y++) {
        for (var x = -1; x <= 1; x++) {
            let v = textureLoad(source, clamp(tile + vec2i(x, y), vec2i(0), last), 0).xy;
            if dot(v, v) > dot(best, best) {
                best = v;
            }
        }
    }
    return vec4f(best, 0.0, 0.0);
}

// View distance in units of the near plane (reverse-Z: depth = near / distance).
fn distance_at(p: vec2i) -> f32 {
    return 1.0 / max(depth_texel(depth_texture, depth_sampler, p), 1e-7);
}

fn interleaved_gradient_noise(p: vec2f) -> f32 {
    return fract(52.9829189 * fract(dot(p, vec2f(0.06711056, 0.00583715))));
}

@fragment
fn fs_gather(in: FullscreenOut) -> @location(0) vec4f {
    return gather_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_gather(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    textureStore(output, id.xy, gather_pixel(compute_pixel_centre(id.xy)));
}

// The blurred colour of the pixel at `position`.
fn gather_pixel(position: vec2f) -> vec4f {
    let p = vec2i(position);
    let centre = textureLoad(source, p, 0);
    let vn = textureLoad(neighbour_max, p / i32(MB_TILE), 0).xy;
    let reach = length(vn);
    if reach < 0.5 {
        return centre;
    }
    let last = vec2i(mb.frame.xy) - 1;
    let samples = i32(MB_SAMPLES);
    let vx = length(half_velocity(textureLoad(motion_texture, p, 0).xy));
    let zx = distance_at(p);
    // The centre covers itself for 1 / (2 |V_X|) of the exposure (all of it when static).
    let own = min(1.0, 0.5 / max(vx, 0.5));
    var front = vec4f(0.0);
    var level = vec4f(centre.rgb * own, own);
    var behind = vec4f(0.0);
    // Stratified: sample i lies in the i-th of `samples` equal stretches of [-V_N, V_N].
    let spacing = 2.0 * reach / f32(samples);
    let jitter = interleaved_gradient_noise(position + 5.588238 * mb.params.y) - 0.5;
    for (var i = 0; i < samples; i++) {
        let t = mix(-1.0, 1.0, (f32(i) + 0.5 + jitter) / f32(samples));
        let y = clamp(vec2i(floor(vec2f(p) + vn * t + 0.5)), vec2i(0), last);
        // The centre's own pixel is counted once, above.
        if all(y == p) {
            continue;
        }
        // The distance along the line, not to the rounded pixel: the stretch a sample
        // stands for is covered exactly.
        let d = reach * abs(t);
        let vy = length(half_velocity(textureLoad(motion_texture, y, 0).xy));
        let colour = textureLoad(source, y, 0).rgb;
        let zy = distance_at(y);
        let covers = saturate(vy - d + 0.5) * spacing * 0.5 / max(vy, 0.5);
        let delta = (zy - zx) / (mb.params.z * min(zx, zy));
        let in_front = saturate(-delta);
        let is_behind = saturate(delta);
        let is_level = 1.0 - in_front - is_behind;
        front += in_front * covers * vec4f(colour, 1.0);
        level += is_level * covers * vec4f(colour, 1.0);
        behind += is_behind * vec4f(colour, 1.0);
    }
    let level_colour = level.rgb / max(level.a, 1e-6);
    let behind_colour = select(level_colour, behind.rgb / max(behind.a, 1e-6), behind.a > 1e-3);
    let front_colour = front.rgb / max(front.a, 1e-6);
    let a_front = min(front.a, 1.0);
    let a_level = min(level.a, 1.0);
    let back = mix(behind_colour, level_colour, a_level);
    return vec4f(mix(back, front_colour, a_front), centre.a);
}

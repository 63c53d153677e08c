// Depth of field: a gather bokeh at half resolution with near and far fields kept apart, after
// Jimenez, "Next Generation Post Processing in Call of Duty: Advanced Warfare" (SIGGRAPH 2014)
// and Filament's DoF: a signed circle of confusion per pixel from a thin lens, a tile maximum
// of the near field dilated over 3x3 tiles (so out-of-focus foreground spreads over the sharp
// background behind it), a disc of golden-angle samples per pixel scaled to the largest blur
// that can reach it, and a full-resolution composite.
//
// Circle of confusion (radius in pixels at the render size, signed: < 0 in front of the focus
// plane, > 0 behind): c(z) = K (1 - z_f / z), with K = A f / (z_f - f) * H / (2 s) the thin
// lens's CoC at infinity (A = f / N the aperture diameter, f the focal length, z_f the focus
// distance, N the f-number, H the image height in pixels, s the sensor height, all lengths in
// the same unit), clamped to the tier's maximum. z = near / depth (reverse-Z, infinite far).
//
// Far field: a sample spreads over the centre if its own CoC reaches it, and never further
// than the centre's own CoC (a blurred background does not spread over a sharp foreground).
// Near field: a sample in front spreads as far as its CoC reaches, with the weight of its
// disc's area, and the sum of those coverages is the near layer's alpha.
// Reads: HDR colour and reverse-Z depth at the render size. Writes: fs_prepare colour + signed
// CoC at half size; fs_tiles / fs_dilate the near and overall maximum CoC per tile; fs_gather
// the far layer (rgb) and the near layer (rgb, alpha = coverage) at half size; fs_composite the
// final colour at the render size.
// Compute variant (src/post/variant.rs): each step's per-pixel function is called by its
// fs_<step> (a full-screen triangle) and its cs_<step> (8x8 workgroups storing into `output`,
// and `output_near` for the gather's second layer, at group 1). Every texture a compute step
// writes is Rgba16Float (the tiles too: the same half-float precision as the fragment
// variant's Rg16Float, in a format every device can store).
// The tier's sample count and tile size are override constants set per pipeline (src/post/dof.rs:
// the tiles and the gather are specialised by tier), so their loops run a fixed count and no
// branch or loop exit depends on a uniform value alone (which Mesa 22's lavapipe recompiles and
// leaks on every bind: docs/memory-growth.md). The largest CoC stays a uniform: only clamps read it.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/compute_output.wgsl"
#include "include/depth.wgsl"

struct Dof {
    // xy: render size; zw: half size.
    size: vec4f,
    // x: K (CoC radius at infinity, px); y: focus distance; z: near plane; w: max radius (px).
    lens: vec4f,
    // x: frame index; yzw: unused.
    params: vec4f,
};

// Samples in the gather's disc per half-size pixel: the tier's.
override DOF_SAMPLES: u32 = 40u;
// The tile size of the near-field maximum in half-size pixels: the tier's largest radius there.
override DOF_TILE: u32 = 8u;

@group(0) @binding(0) var<uniform> dof: Dof;
@group(0) @binding(1) var colour_texture: texture_2d<f32>;
@group(0) @binding(2) var depth_texture: texture_2d<f32>;
// Half size: rgb = colour, a = signed CoC radius in render-size pixels.
@group(0) @binding(3) var prepared: texture_2d<f32>;
// x: largest near CoC radius, y: largest |CoC| radius (render-size pixels).
@group(0) @binding(4) var tiles: texture_2d<f32>;
@group(0) @binding(5) var far_layer: texture_2d<f32>;
@group(0) @binding(6) var near_layer: texture_2d<f32>;
@group(0) @binding(7) var layer_sampler: sampler;
// The NEAREST sampler `depth_texture` is read through (include/depth.wgsl).
@group(0) @binding(8) var depth_sampler: sampler;
@group(1) @binding(0) var output: texture_storage_2d<rgba16float, write>;
@group(1) @binding(1) var output_near: texture_storage_2d<rgba16float, write>;

// Whether a compute invocation lies outside `output` (the last workgroups overhang it).
fn outside(id: vec3u) -> bool {
    return any(id.xy >= textureDimensions(output));
}

// Signed CoC radius in render-size pixels of reverse-Z depth `d`.
fn coc(d: f32) -> f32 {
    let z = dof.lens.z / max(d, 1e-12);
    let c = dof.lens.x * (1.0 - dof.lens.y / z);
    return clamp(c, -dof.lens.w, dof.lens.w);
}

// Below a pixel's width a CoC is in focus: such pixels are not in the near field.
const NEAR_THRESHOLD: f32 = 1.0;

@fragment
fn fs_prepare(in: FullscreenOut) -> @location(0) vec4f {
    return prepare_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_prepare(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    textureStore(output, id.xy, prepare_pixel(compute_pixel_centre(id.xy)));
}

// Half-size colour and the signed CoC of the nearest of the 2x2 pixels under `position`.
fn prepare_pixel(position: vec2f) -> vec4f {
    let base = vec2i(position) * 2;
    let last = vec2i(dof.size.xy) - 1;
    var colour = vec3f(0.0);
    var nearest = 0.0;
    for (var i = 0; i < 4; i++) {
        let p = min(base + vec2i(i & 1, i >> 1), last);
        colour += textureLoad(colour_texture, p, 0).rgb;
        nearest = max(nearest, depth_texel(depth_texture, depth_sampler, p));
    }
    return vec4f(colour * 0.25, coc(nearest));
}

@fragment
fn fs_tiles(in: FullscreenOut) -> @location(0) vec4f {
    return tile_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_tiles(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    textureStore(output, id.xy, tile_pixel(compute_pixel_centre(id.xy)));
}

// The largest near and overall CoC of the tile at `position`.
fn tile_pixel(position: vec2f) -> vec4f {
    let k = i32(DOF_TILE);
    let last = vec2i(dof.size.zw) - 1;
    let origin = vec2i(position) * k;
    var near = 0.0;
    var largest = 0.0;
    for (var y = 0; y < k; y++) {
        for (var x = 0; x < k; x++) {
            let c = textureLoad(prepared, min(origin + vec2i(x, y), last), 0).a;
            near = max(near, -c);
            largest = max(largest, abs(c));
        }
    }
    return vec4f(near, largest, 0.0, 0.0);
}

@fragment
fn fs_dilate(in: FullscreenOut) -> @location(0) vec4f {
    return dilate_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_dilate(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    textureStore(output, id.xy, dilate_pixel(compute_pixel_centre(id.xy)));
}

// The largest tile values over the 3x3 tiles around the tile at `position`.
fn dilate_pixel(position: vec2f) -> vec4f {
    let tile = vec2i(position);
    let last = vec2i(textureDimensions(tiles)) - 1;
    var best = vec2f(0.0);
    for (var y = -1; y <= 1; y++) {
        for (var x = -1; x <= 1; x++) {
            best = max(best, textureLoad(tiles, clamp(tile + vec2i(x, y), vec2i(0), last), 0).xy);
        }
    }
    return vec4f(best, 0.0, 0.0);
}

struct Layers {
    @location(0) far: vec4f,
    @location(1) near: vec4f,
};

fn interleaved_gradient_noise(p: vec2f) -> f32 {
    return fract(52.9829189 * fract(dot(p, vec2f(0.06711056, 0.00583715))));
}

@fragment
fn fs_gather(in: FullscreenOut) -> Layers {
    return gather_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_gather(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    let layers = gather_pixel(compute_pixel_centre(id.xy));
    textureStore(output, id.xy, layers.far);
    textureStore(output_near, id.xy, layers.near);
}

// The far and near layers of the half-size pixel at `position`.
fn gather_pixel(position: vec2f) -> Layers {
    let p = vec2i(position);
    let last = vec2i(dof.size.zw) - 1;
    let centre = textureLoad(prepared, p, 0);
    // Radii in half-size pixels from here on.
    let rc = centre.a * 0.5;
    let tile = textureLoad(tiles, p / i32(DOF_TILE), 0).xy * 0.5;
    let radius = min(max(abs(rc), tile.x), dof.lens.w * 0.5);
    var out: Layers;
    out.far = vec4f(centre.rgb, 1.0);
    out.near = vec4f(0.0);
    if radius < 0.5 {
        return out;
    }
    let samples = i32(DOF_SAMPLES);
    let far_reach = max(rc, 0.0);
    var far = vec4f(centre.rgb, 1.0);
    var near = vec4f(0.0);
    var near_cover = 0.0;
    if centre.a < -NEAR_THRESHOLD {
        let w = 1.0 / max(rc * rc, 1.0);
        near = vec4f(centre.rgb * w, w);
        near_cover = radius * radius / f32(samples) * w;
    }
    let rotation = 6.2831853 * interleaved_gradient_noise(position + 5.588238 * dof.params.x);
    for (var i = 0; i < samples; i++) {
        // Golden-angle spiral: uniform over the disc's area.
        let r = radius * sqrt((f32(i) + 0.5) / f32(samples));
        let theta = f32(i) * 2.3999632 + rotation;
        let offset = r * vec2f(cos(theta), sin(theta));
        let q = clamp(vec2i(floor(vec2f(p) + 0.5 + offset)), vec2i(0), last);
        let s = textureLoad(prepared, q, 0);
        let rs = abs(s.a) * 0.5;
        if s.a < -NEAR_THRESHOLD {
            let w = saturate(rs - r + 0.5) / max(rs * rs, 1.0);
            near += vec4f(s.rgb * w, w);
            near_cover += radius * radius / f32(samples) * w;
        } else {
            let w = saturate(min(rs, far_reach) - r + 0.5);
            far += vec4f(s.rgb * w, w);
        }
    }
    out.far = vec4f(far.rgb / far.a, 1.0);
    out.near = vec4f(near.rgb / max(near.a, 1e-6), saturate(near_cover));
    return out;
}

@fragment
fn fs_composite(in: FullscreenOut) -> @location(0) vec4f {
    return composite_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_composite(@builtin(global_invocation_id) id: vec3u) {
    if outside(id) {
        return;
    }
    textureStore(output, id.xy, composite_pixel(compute_pixel_centre(id.xy)));
}

// The render-size pixel at `position`: sharp in focus, the far layer by the CoC, near over it.
fn composite_pixel(position: vec2f) -> vec4f {
    let p = vec2i(position);
    let sharp = textureLoad(colour_texture, p, 0);
    let c = coc(depth_texel(depth_texture, depth_sampler, p));
    let uv = position / dof.size.xy;
    let far = textureSampleLevel(far_layer, layer_sampler, uv, 0.0).rgb;
    let near = textureSampleLevel(near_layer, layer_sampler, uv, 0.0);
    let base = mix(sharp.rgb, far, smoothstep(0.5, 1.5, c));
    return vec4f(mix(base, near.rgb, near.a), sharp.a);
}

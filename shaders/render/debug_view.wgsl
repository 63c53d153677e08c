// Debug views: each G-buffer channel shown as stored, for inspecting what the geometry pass
// wrote, and three intermediates of the lit frame (AO visibility, one bloom mip, the baked
// grade LUT as a grid of blue slices). Reads: the G-buffer, depth and HDR (for emissive);
// group 1: AO, bloom mip, LUT. Writes: the 8-bit display target. The mapping of every mode is
// documented on `DebugView` in src/render/debug_view.rs; MODE picks one.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/depth.wgsl"

struct DebugView {
    // x unused (the mode is MODE), y: near distance, z: far distance for the depth view, w:
    // motion scale (uv units to display units).
    params: vec4f,
};

// The view (see `DebugView::mode` in src/render/debug_view.rs), one pipeline per mode: a
// switch on a uniform would be a condition on uniforms alone, which Mesa 22's lavapipe
// recompiles and leaks on every bind (docs/memory-growth.md); as a constant only the mode's
// code is compiled.
override MODE: u32;

@group(0) @binding(0) var<uniform> debug: DebugView;
@group(0) @binding(1) var<uniform> camera: Camera;
@group(0) @binding(2) var base_color_ao: texture_2d<f32>;
@group(0) @binding(3) var normal_roughness_metallic: texture_2d<f32>;
@group(0) @binding(4) var motion: texture_2d<f32>;
@group(0) @binding(5) var hdr: texture_2d<f32>;
@group(0) @binding(6) var depth_texture: texture_2d<f32>;
@group(0) @binding(7) var depth_sampler: sampler;
@group(1) @binding(0) var ao_visibility: texture_2d<f32>;
@group(1) @binding(1) var bloom_mip: texture_2d<f32>;
@group(1) @binding(2) var grade_lut: texture_3d<f32>;

// The texel of `size` under the display's `uv` (nearest: the stored values, not a filter).
fn texel_at(uv: vec2f, size: vec2u) -> vec2i {
    return vec2i(min(vec2u(uv * vec2f(size)), size - 1u));
}

// The LUT's lattice point under `uv`: slice k is tile k of a grid ceil(sqrt(n)) tiles wide;
// red grows to the right and green downwards inside a tile. w = 0 outside every tile.
fn lut_lattice(uv: vec2f, n: u32) -> vec4i {
    let columns = u32(ceil(sqrt(f32(n)) - 1e-4));
    let rows = (n + columns - 1u) / columns;
    let grid = uv * vec2f(f32(columns), f32(rows));
    let tile = min(vec2u(grid), vec2u(columns - 1u, rows - 1u));
    let k = tile.y * columns + tile.x;
    let inner = min(vec2u(fract(grid) * f32(n)), vec2u(n - 1u));
    return vec4i(vec3i(vec3u(inner, k)), select(0, 1, k < n));
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let pixel = vec2i(in.position.xy);
    let depth = depth_texel(depth_texture, depth_sampler, pixel);
    var value = vec3f(0.0);
    // Stored values are shown as their own 8-bit codes, so the sRGB target must not re-encode
    // them: we output srgb_to_linear(value). Base colour is already sRGB-decoded on load.
    var encoded = true;
    if MODE == 0u {
        value = textureLoad(base_color_ao, pixel, 0).rgb;
        encoded = false;
    } else if MODE == 1u {
        value = select(vec3f(0.0), oct_decode(textureLoad(normal_roughness_metallic, pixel, 0).xy) * 0.5 + 0.5, depth > 0.0);
    } else if MODE == 2u {
        value = vec3f(max(textureLoad(normal_roughness_metallic, pixel, 0).z, 0.0));
    } else if MODE == 3u {
        value = vec3f(textureLoad(normal_roughness_metallic, pixel, 0).w);
    } else if MODE == 4u {
        // Linear view distance mapped near -> white, far -> black.
        let world = world_from_depth(in.uv, depth, camera.inv_view_proj);
        let distance = -(camera.view * vec4f(world, 1.0)).z;
        let t = clamp((distance - debug.params.y) / max(debug.params.z - debug.params.y, 1e-6), 0.0, 1.0);
        value = select(vec3f(0.0), vec3f(1.0 - t), depth > 0.0);
    } else if MODE == 5u {
        value = vec3f(textureLoad(motion, pixel, 0).xy * debug.params.w + 0.5, 0.5);
    } else if MODE == 6u {
        value = clamp(textureLoad(hdr, pixel, 0).rgb, vec3f(0.0), vec3f(1.0));
        encoded = false;
    } else if MODE == 7u {
        let size = textureDimensions(ao_visibility);
        value = vec3f(textureLoad(ao_visibility, texel_at(in.uv, size), 0).r);
    } else if MODE == 8u {
        // Pre-exposed scene-linear: shown like the display would encode it, clipped.
        let size = textureDimensions(bloom_mip);
        value = textureLoad(bloom_mip, texel_at(in.uv, size), 0).rgb;
        encoded = false;
    } else if MODE == 9u {
        let lattice = lut_lattice(in.uv, textureDimensions(grade_lut).x);
        value = select(vec3f(0.0), textureLoad(grade_lut, lattice.xyz, 0).rgb, lattice.w == 1);
    }
    value = clamp(value, vec3f(0.0), vec3f(1.0));
    return vec4f(select(value, srgb_to_linear(value), encoded), 1.0);
}

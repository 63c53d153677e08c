// Debug views of the G-buffer: each channel shown as stored, for inspecting what the geometry
// pass wrote. Reads: the G-buffer, depth and HDR (for emissive). Writes: the 8-bit display target.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

struct DebugView {
    // x: mode (see src/render/debug_view.rs), y: near distance, z: far distance for the depth
    // view, w: motion scale (uv units to display units).
    params: vec4f,
};

@group(0) @binding(0) var<uniform> debug: DebugView;
@group(0) @binding(1) var<uniform> camera: Camera;
@group(0) @binding(2) var base_color_ao: texture_2d<f32>;
@group(0) @binding(3) var normal_roughness_metallic: texture_2d<f32>;
@group(0) @binding(4) var motion: texture_2d<f32>;
@group(0) @binding(5) var hdr: texture_2d<f32>;
@group(0) @binding(6) var depth_texture: texture_depth_2d;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let pixel = vec2i(in.position.xy);
    let depth = textureLoad(depth_texture, pixel, 0);
    let mode = u32(debug.params.x);
    var value = vec3f(0.0);
    // Stored values are shown as their own 8-bit codes, so the sRGB target must not re-encode
    // them: we output srgb_to_linear(value). Base colour is already sRGB-decoded on load.
    var encoded = true;
    if mode == 0u {
        value = textureLoad(base_color_ao, pixel, 0).rgb;
        encoded = false;
    } else if mode == 1u {
        value = select(vec3f(0.0), oct_decode(textureLoad(normal_roughness_metallic, pixel, 0).xy) * 0.5 + 0.5, depth > 0.0);
    } else if mode == 2u {
        value = vec3f(max(textureLoad(normal_roughness_metallic, pixel, 0).z, 0.0));
    } else if mode == 3u {
        value = vec3f(textureLoad(normal_roughness_metallic, pixel, 0).w);
    } else if mode == 4u {
        // Linear view distance mapped near -> white, far -> black.
        let world = world_from_depth(in.uv, depth, camera.inv_view_proj);
        let distance = -(camera.view * vec4f(world, 1.0)).z;
        let t = clamp((distance - debug.params.y) / max(debug.params.z - debug.params.y, 1e-6), 0.0, 1.0);
        value = select(vec3f(0.0), vec3f(1.0 - t), depth > 0.0);
    } else if mode == 5u {
        value = vec3f(textureLoad(motion, pixel, 0).xy * debug.params.w + 0.5, 0.5);
    } else {
        value = clamp(textureLoad(hdr, pixel, 0).rgb, vec3f(0.0), vec3f(1.0));
        encoded = false;
    }
    value = clamp(value, vec3f(0.0), vec3f(1.0));
    return vec4f(select(value, srgb_to_linear(value), encoded), 1.0);
}

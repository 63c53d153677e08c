//! The screen-space shadow mask: the key light's visibility per G-buffer pixel, as
//! `directional_shadow` in shaders/include/shadow.wgsl computes it with the shadow tier's
//! SHADOW_TAPS (1 = lit, 0 = shadowed). The lighting pass reads it in place of its own lookup
//! (src/render/shadow_mask.rs), so the filter's taps run in the `shadows` timing scope.
//!
//! Reads: the camera, the G-buffer's reverse-Z depth and octahedral normals (group 0), the
//! shadow map (group 2). Writes: the visibility (R8Unorm in the frame; R32Float for
//! `render_shadow_mask`, the test tool), 1 where no geometry was drawn and where the surface
//! faces away from the light (which lighting leaves unlit anyway).
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/shadow.wgsl"
#include "include/depth.wgsl"

@group(0) @binding(0) var<uniform> camera: Camera;
@group(0) @binding(1) var depth_texture: texture_2d<f32>;
@group(0) @binding(2) var normal_roughness_metallic: texture_2d<f32>;
@group(0) @binding(3) var depth_sampler: sampler;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let pixel = vec2i(in.position.xy);
    let depth = depth_texel(depth_texture, depth_sampler, pixel);
    // Reverse-Z clears to 0: nothing was drawn here, so nothing is shadowed.
    if depth <= 0.0 {
        return vec4f(1.0);
    }
    // The same position and normal the lighting pass shades.
    let world = world_from_depth(in.uv, depth, camera.inv_view_proj);
    let normal = oct_decode(textureLoad(normal_roughness_metallic, pixel, 0).xy);
    // Facing away from the light, a surface gets none of it whatever the shadow says (lighting's
    // n.l is 0 there): no taps. Most of a closed object's far side.
    if dot(normal, shadow_uniforms.to_light.xyz) <= 0.0 {
        return vec4f(1.0);
    }
    return vec4f(vec3f(directional_shadow(world, normal)), 1.0);
}

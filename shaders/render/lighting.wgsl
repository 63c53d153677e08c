// Deferred lighting: every pixel the G-buffer covers is shaded with all punctual lights
// (KHR_lights_punctual), the directional shadow map and image-based light; pixels it does not
// cover get the background (environment, a solid colour, or transparent).
// Reads: base colour + AO, normal + roughness + metallic, depth, lights, environment, the key
// light's shadow mask (src/render/shadow_mask.rs), and the GTAO visibility (src/post/ao.rs),
// which darkens image-based light only.
// Writes: HDR (pre-exposed radiance), added onto the emissive the G-buffer pass wrote; alpha is
// coverage (1 geometry or opaque background, 0 transparent background).
// BRDF and IBL: shaders/include/brdf.wgsl.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/brdf.wgsl"
#include "include/lights.wgsl"
#include "include/environment.wgsl"
#include "include/shadow.wgsl"
#include "include/shading.wgsl"
#include "include/ao_upsample.wgsl"
#include "include/depth.wgsl"

struct Lighting {
    // rgb: background colour (display-referred linear, not exposed) for the colour mode; w
    // unused (the mode is BACKGROUND).
    background: vec4f,
    // z: screen-space AO's intensity (exponent on the visibility); xyw unused (the switches
    // are the AO constants below).
    ambient_occlusion: vec4f,
};

// Set per pipeline (`LightingKey` in src/render/lighting.rs), with lights.wgsl's light
// constants: branches on settings read from the uniform block would be conditions on
// uniforms alone, which Mesa 22's lavapipe recompiles on every bind (docs/memory-growth.md);
// as constants the unused paths are compiled out.
// What pixels without geometry show: 0 environment, 1 colour, 2 transparent.
override BACKGROUND: u32;
// Screen-space AO on; its multi-bounce; the visibility at half resolution, upsampled here.
override AO: bool;
override AO_MULTI_BOUNCE: bool;
override AO_UPSAMPLE: bool;

@group(0) @binding(0) var<uniform> lighting: Lighting;
@group(0) @binding(1) var<uniform> camera: Camera;
@group(0) @binding(2) var base_color_ao: texture_2d<f32>;
@group(0) @binding(3) var normal_roughness_metallic: texture_2d<f32>;
@group(0) @binding(4) var depth_texture: texture_2d<f32>;
@group(0) @binding(5) var<uniform> lights: Lights;
@group(0) @binding(6) var depth_sampler: sampler;
// GTAO visibility at the target size (a 1x1 white texture when AO is off), or at half of it
// with its working view depth when lighting upsamples it (AO_UPSAMPLE).
@group(3) @binding(0) var ambient_occlusion: texture_2d<f32>;
@group(3) @binding(1) var ambient_occlusion_view_depth: texture_2d<f32>;
// The key light's visibility per pixel (src/render/shadow_mask.rs: the shadow map's PCF taps,
// run in the `shadows` timing scope), read in place of a lookup here (SHADOW_FROM_MASK).
@group(3) @binding(2) var shadow_mask: texture_2d<f32>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let pixel = vec2i(in.position.xy);
    let depth = depth_texel(depth_texture, depth_sampler, pixel);
    if depth <= 0.0 {
        if BACKGROUND == 2u {
            return vec4f(0.0);
        }
        if BACKGROUND == 1u {
            return vec4f(lighting.background.rgb, 1.0);
        }
        let direction = view_ray(in.uv, camera.inv_view_proj);
        return vec4f(environment_background(direction) * camera.exposure.x, 1.0);
    }
    let g1 = textureLoad(normal_roughness_metallic, pixel, 0);
    // Unlit materials already wrote their colour.
    if g1.z < 0.0 {
        return vec4f(0.0);
    }
    let g0 = textureLoad(base_color_ao, pixel, 0);
    var s: Surface;
    s.position = world_from_depth(in.uv, depth, camera.inv_view_proj);
    s.normal = oct_decode(g1.xy);
    s.view = normalize(camera.position.xyz - s.position);
    // Orthographic cameras view along a constant direction.
    s.view = select(s.view, -view_ray(in.uv, camera.inv_view_proj), camera.position.w == 0.0);
    s.base_color = g0.rgb;
    s.metallic = g1.w;
    s.perceptual_roughness = g1.z;
    s.occlusion = g0.a;
    let key_light_shadow = textureLoad(shadow_mask, pixel, 0).x;
    var occlusion = ScreenOcclusion(1.0, AO, AO_MULTI_BOUNCE, key_light_shadow);
    if AO {
        var visibility = 1.0;
        if AO_UPSAMPLE {
            // View depth: distance in front of the camera, as the AO prefilter stores it.
            let d = -(camera.view * vec4f(s.position, 1.0)).z;
            let ao = ambient_occlusion;
            visibility = ao_upsample_visibility(ao, ambient_occlusion_view_depth, depth_sampler, pixel, d);
        } else {
            let limit = vec2i(textureDimensions(ambient_occlusion)) - 1;
            visibility = textureLoad(ambient_occlusion, min(pixel, limit), 0).x;
        }
        occlusion.visibility = pow(saturate(visibility), lighting.ambient_occlusion.z);
    }
    return vec4f(shade_surface_occluded(s, occlusion) * camera.exposure.x, 0.0);
}

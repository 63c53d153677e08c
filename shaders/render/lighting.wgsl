// Deferred lighting: every pixel the G-buffer covers is shaded with all punctual lights
// (KHR_lights_punctual), the directional shadow map and image-based light; pixels it does not
// cover get the background (environment, a solid colour, or transparent).
// Reads: base colour + AO, normal + roughness + metallic, depth, lights, environment, shadow map,
// and the GTAO visibility (src/post/ao.rs), which darkens image-based light only.
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
    // rgb: background colour (display-referred linear, not exposed) for the colour mode;
    // w: background mode (0 environment, 1 colour, 2 transparent).
    background: vec4f,
    // x: 1 when screen-space AO is on; y: 1 for its multi-bounce; z: its intensity (exponent
    // on the visibility); w: 1 when the visibility is at half resolution and upsampled here.
    ambient_occlusion: vec4f,
};

@group(0) @binding(0) var<uniform> lighting: Lighting;
@group(0) @binding(1) var<uniform> camera: Camera;
@group(0) @binding(2) var base_color_ao: texture_2d<f32>;
@group(0) @binding(3) var normal_roughness_metallic: texture_2d<f32>;
@group(0) @binding(4) var depth_texture: texture_2d<f32>;
@group(0) @binding(5) var<uniform> lights: Lights;
@group(0) @binding(6) var depth_sampler: sampler;
// GTAO visibility at the target size (a 1x1 white texture when AO is off), or at half of it
// with its working view depth when lighting upsamples it (ambient_occlusion.w).
@group(3) @binding(0) var ambient_occlusion: texture_2d<f32>;
@group(3) @binding(1) var ambient_occlusion_view_depth: texture_2d<f32>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let pixel = vec2i(in.position.xy);
    let depth = depth_texel(depth_texture, depth_sampler, pixel);
    if depth <= 0.0 {
        let mode = u32(lighting.background.w);
        if mode == 2u {
            return vec4f(0.0);
        }
        if mode == 1u {
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
    var occlusion = IndirectOcclusion(1.0, lighting.ambient_occlusion.x > 0.5, lighting.ambient_occlusion.y > 0.5);
    if occlusion.enabled {
        var visibility = 1.0;
        if lighting.ambient_occlusion.w > 0.5 {
            // View depth: distance in front of the camera, as the AO prefilter stores it.
            let d = -(camera.view * vec4f(s.position, 1.0)).z;
            let ao = ambient_occlusion;
            visibility = ao_upsample_visibility(ao, ambient_occlusion_view_depth, pixel, d);
        } else {
            let limit = vec2i(textureDimensions(ambient_occlusion)) - 1;
            visibility = textureLoad(ambient_occlusion, min(pixel, limit), 0).x;
        }
        occlusion.visibility = pow(saturate(visibility), lighting.ambient_occlusion.z);
    }
    return vec4f(shade_surface_occluded(s, occlusion) * camera.exposure.x, 0.0);
}

// Shadow catcher (src/render/shadow_catcher.rs): an invisible ground plane that keeps the
// shadow and ambient occlusion it receives, for compositing over a photo or a studio backdrop.
// Reads: depth, normals, camera, lights (the key light), the shadow map, GTAO visibility, the
// environment. Writes: fs_masks -> the light fraction (1 off the plane) and the real-world mask
// (1 on background and plane, 0 on objects); fs_hdr -> at plane pixels only, the background the
// lighting pass shows where no geometry is, times the fraction.
// The fraction is the plane's irradiance over an unoccluded plane's (differential rendering,
// Debevec 1998, as a ratio): (E_sun * shadow + E_sky * ao) / (E_sun + E_sky) on an up-facing
// surface, then 1 - strength * (1 - fraction).
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/brdf.wgsl"
#include "include/lights.wgsl"
#include "include/environment.wgsl"
#include "include/shadow.wgsl"
#include "include/shading.wgsl"
#include "include/depth.wgsl"

struct ShadowCatcher {
    // x, z: the plane's centre; y: its height; w: its half extent (metres).
    plane: vec4f,
    // x: strength 0..1; y: tolerance on the height relative to the view distance; zw: unused.
    params: vec4f,
    // As the lighting pass: rgb the solid colour; w unused (the mode is BACKGROUND).
    background: vec4f,
};

// Set per pipeline (src/render/shadow_catcher.rs), with lights.wgsl's constants, as the
// lighting pass does: no branch depends on uniforms alone (Mesa 22's
// lavapipe recompiles those on every bind, docs/memory-growth.md). What pixels without
// geometry show: 0 environment, 1 colour, 2 transparent.
override BACKGROUND: u32;

@group(0) @binding(0) var<uniform> catcher: ShadowCatcher;
@group(0) @binding(1) var<uniform> camera: Camera;
@group(0) @binding(2) var depth_texture: texture_2d<f32>;
@group(0) @binding(3) var normal_roughness_metallic: texture_2d<f32>;
// GTAO visibility at the render size (a 1x1 white texture when AO is off).
@group(0) @binding(4) var ambient_occlusion: texture_2d<f32>;
@group(0) @binding(5) var<uniform> lights: Lights;
@group(0) @binding(6) var depth_sampler: sampler;

struct CatcherPixel {
    // Nothing was drawn here (the background shows).
    background: bool,
    // The visible surface is the ground plane.
    on_plane: bool,
    // The light fraction after strength (1 off the plane).
    fraction: f32,
};

fn catcher_pixel(pixel: vec2i, uv: vec2f) -> CatcherPixel {
    var out = CatcherPixel(false, false, 1.0);
    let depth = depth_texel(depth_texture, depth_sampler, pixel);
    if depth <= 0.0 {
        out.background = true;
        return out;
    }
    let position = world_from_depth(uv, depth, camera.inv_view_proj);
    let normal = oct_decode(textureLoad(normal_roughness_metallic, pixel, 0).xy);
    let tolerance = catcher.params.y * max(distance(position, camera.position.xyz), 1.0);
    let extent = catcher.plane.w + tolerance;
    let offset = abs(position.xz - catcher.plane.xz);
    // The normal test keeps out an object's sides where they meet the ground.
    if abs(position.y - catcher.plane.y) > tolerance || normal.y < 0.9 || any(offset > vec2f(extent)) {
        return out;
    }
    out.on_plane = true;
    let up = vec3f(0.0, 1.0, 0.0);
    var sun = 0.0;
    var shadow = 1.0;
    // The key light: the one the shadow map follows, always directional (src/render/lights.rs).
    if KEY_LIGHT >= 0 && u32(KEY_LIGHT) < min(LIGHT_COUNT, MAX_LIGHTS) {
        let light = lights.items[u32(max(KEY_LIGHT, 0))];
        sun = luminance(light.color_shadow.rgb) * max(0.0, dot(up, -light.direction_kind.xyz));
        if KEY_LIGHT_SHADOW {
            shadow = directional_shadow(position, up);
        }
    }
    let sky = PI * luminance(environment_irradiance(up));
    let limit = vec2i(textureDimensions(ambient_occlusion)) - 1;
    let ao = saturate(textureLoad(ambient_occlusion, min(pixel, limit), 0).x);
    let total = sun + sky;
    var fraction = 1.0;
    if total > 0.0 {
        fraction = saturate((sun * shadow + sky * ao) / total);
    }
    out.fraction = 1.0 - catcher.params.x * (1.0 - fraction);
    return out;
}

struct Masks {
    @location(0) fraction: vec4f,
    @location(1) real_world: vec4f,
};

@fragment
fn fs_masks(in: FullscreenOut) -> Masks {
    let p = catcher_pixel(vec2i(in.position.xy), in.uv);
    let real_world = select(0.0, 1.0, p.background || p.on_plane);
    return Masks(vec4f(p.fraction, 0.0, 0.0, 1.0), vec4f(real_world, 0.0, 0.0, 1.0));
}

@fragment
fn fs_hdr(in: FullscreenOut) -> @location(0) vec4f {
    let p = catcher_pixel(vec2i(in.position.xy), in.uv);
    if !p.on_plane {
        discard;
    }
    if BACKGROUND == 2u {
        // Premultiplied black: over a camera image it leaves the image times the fraction.
        return vec4f(0.0, 0.0, 0.0, 1.0 - p.fraction);
    }
    if BACKGROUND == 1u {
        return vec4f(catcher.background.rgb * p.fraction, 1.0);
    }
    let direction = view_ray(in.uv, camera.inv_view_proj);
    return vec4f(environment_background(direction) * camera.exposure.x * p.fraction, 1.0);
}

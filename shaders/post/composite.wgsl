// The post stack's last step (src/post/composite.rs): writes the finished display image into the
// app's target of any colour format, and, for AR, composites it with the camera image.
// Per pixel, with `coverage` the real-world mask (1: the camera sees the real world there) and
// `light` the shadow catcher's light fraction (1: unshadowed):
//   real    = camera * light                       (display-linear)
//   virtual = finished + camera-matched grain      (grain added in sRGB-encoded values, where the
//                                                   camera's sensor noise was measured)
//   out     = mix(virtual, real, coverage)
// Reads: the finished image (Rgba8UnormSrgb, display-linear when sampled), the camera image
// (display-linear when sampled: an sRGB format), the mask and light fraction (red channels, any
// size: sampled bilinearly). Writes: the target, linear for sRGB and float formats, sRGB-encoded
// by the shader for plain unorm formats (`ENCODE_SRGB`).
// What the frame has (camera image, light fraction, grain) and the target's encoding are
// `override` constants (one pipeline each, src/post/composite.rs `CompositeKey`), so no branch
// reads a uniform.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/pq.wgsl"

// A camera image and mask to composite over.
override REAL_WORLD: bool = false;
// A shadow-catcher light fraction multiplying the camera image.
override LIGHT_FRACTION: bool = false;
// Camera-matched grain on the virtual pixels (sigma above 0).
override GRAIN: bool = false;
// The target is plain unorm: encode sRGB in the shader.
override ENCODE_SRGB: bool = false;
// The finished image: 0 SDR (8-bit sRGB), 1 PQ code values written as they are, 2 PQ code
// values decoded to scRGB (linear Rec.709, 1.0 = 80 nits). HDR frames have no camera image.
override INPUT: u32 = 0u;

struct Composite {
    // xyz: unused, w: grain sigma (sRGB-encoded units, 0..1).
    params: vec4f,
    // x: frame seed, yzw: unused.
    seed: vec4f,
};

@group(0) @binding(0) var<uniform> composite: Composite;
@group(0) @binding(1) var finished: texture_2d<f32>;
@group(0) @binding(2) var camera_image: texture_2d<f32>;
@group(0) @binding(3) var real_world_mask: texture_2d<f32>;
@group(0) @binding(4) var light_fraction: texture_2d<f32>;
@group(0) @binding(5) var linear_clamp: sampler;

fn linear_to_srgb(c: vec3f) -> vec3f {
    return select(1.055 * pow(c, vec3f(1.0 / 2.4)) - 0.055, c * 12.92, c <= vec3f(0.0031308));
}

// Three independent uniform values in [0, 1) per pixel and frame (pcg3d, Jarzynski & Olano 2020).
fn pcg3d(p: vec3u) -> vec3f {
    var v = p * 1664525u + 1013904223u;
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    v ^= v >> vec3u(16u);
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    return vec3f(v >> vec3u(8u)) / 16777216.0;
}

// Zero-mean, unit-variance Gaussian noise per channel (Box-Muller on two pcg draws).
fn gaussian3(pixel: vec2u, seed: u32) -> vec3f {
    let a = pcg3d(vec3u(pixel, seed));
    let b = pcg3d(vec3u(pixel.yx, seed ^ 0x9e3779b9u));
    let radius = sqrt(-2.0 * log(max(a, vec3f(1e-7))));
    return radius * cos(6.2831853 * b);
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let pixel = vec2i(in.position.xy);
    var colour = textureLoad(finished, pixel, 0).rgb;
    if INPUT == 1u {
        return vec4f(colour, 1.0);
    }
    if INPUT == 2u {
        return vec4f(BT2020_TO_REC709 * pq_decode(colour) / 80.0, 1.0);
    }
    if REAL_WORLD {
        let sigma = composite.params.w;
        if GRAIN {
            let noise = gaussian3(vec2u(pixel), u32(composite.seed.x)) * sigma;
            let encoded = clamp(linear_to_srgb(colour) + noise, vec3f(0.0), vec3f(1.0));
            colour = srgb_to_linear(encoded);
        }
        let coverage = saturate(textureSampleLevel(real_world_mask, linear_clamp, in.uv, 0.0).r);
        var light = 1.0;
        if LIGHT_FRACTION {
            light = saturate(textureSampleLevel(light_fraction, linear_clamp, in.uv, 0.0).r);
        }
        let camera = textureSampleLevel(camera_image, linear_clamp, in.uv, 0.0).rgb;
        colour = mix(colour, camera * light, coverage);
    }
    if ENCODE_SRGB {
        colour = linear_to_srgb(saturate(colour));
    }
    return vec4f(colour, 1.0);
}

// Display transform: HDR radiance to display-referred sRGB for 8-bit output. Exposure scale,
// then the Khronos PBR Neutral tone mapper (Khronos, "PBR Neutral", 2024), then the sRGB
// target's hardware encode. Reads: HDR. Writes: the 8-bit display target.
// Placeholder for the post chain's fused finish pass; NaN/Inf never reach the screen.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

struct Display {
    // Exposure compensation as a linear multiplier (the scene is already pre-exposed); yzw unused.
    exposure: vec4f,
};

@group(0) @binding(0) var<uniform> display: Display;
@group(0) @binding(1) var hdr: texture_2d<f32>;

fn pbr_neutral(color: vec3f) -> vec3f {
    let start_compression = 0.8 - 0.04;
    let desaturation = 0.15;
    let x = min(color.r, min(color.g, color.b));
    let offset = select(0.04, x - 6.25 * x * x, x < 0.08);
    var c = color - offset;
    let peak = max(c.r, max(c.g, c.b));
    if peak < start_compression {
        return c;
    }
    let d = 1.0 - start_compression;
    let new_peak = 1.0 - d * d / (peak + d - start_compression);
    c *= new_peak / peak;
    let g = 1.0 - 1.0 / (desaturation * (peak - new_peak) + 1.0);
    return mix(c, vec3f(new_peak), g);
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let texel = textureLoad(hdr, vec2i(in.position.xy), 0);
    var c = texel.rgb * display.exposure.x;
    // A NaN or infinite pixel shows as black instead of poisoning the image.
    if any(c != c) || any(abs(c) > vec3f(65504.0)) {
        c = vec3f(0.0);
    }
    // Alpha is coverage: 0 only where the background is transparent.
    return vec4f(pbr_neutral(max(c, vec3f(0.0))), clamp(texel.a, 0.0, 1.0));
}

// Display transform: pre-exposed HDR radiance to display-referred sRGB for 8-bit output:
// exposure compensation, then the chosen tone mapper (shaders/include/tonemap.wgsl, mirrored on
// the CPU by src/post/tonemap.rs), then the sRGB target's hardware encode.
// Reads: HDR. Writes: the 8-bit display target; alpha is coverage.
// Stand-in for the post chain's fused finish pass. NaN/Inf never reach the screen.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/tonemap.wgsl"

struct Display {
    // x: exposure compensation as a linear multiplier (the scene is already pre-exposed).
    params: vec4f,
    // x: tone mapper id (ToneMapper::gpu_id).
    mapper: vec4u,
};

@group(0) @binding(0) var<uniform> display: Display;
@group(0) @binding(1) var hdr: texture_2d<f32>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let texel = textureLoad(hdr, vec2i(in.position.xy), 0);
    var c = texel.rgb * display.params.x;
    // A NaN or infinite pixel shows as black instead of poisoning the image.
    if any(c != c) || any(abs(c) > vec3f(65504.0)) {
        c = vec3f(0.0);
    }
    // Alpha is coverage: 0 only where the background is transparent.
    return vec4f(tonemap(display.mapper.x, max(c, vec3f(0.0))), clamp(texel.a, 0.0, 1.0));
}

// Test helper: evaluates `tonemap` from include/tonemap.wgsl for a grid of colours, so
// tests/integration/tonemap_gpu.rs can compare every mapper with its CPU reference in src/post/tonemap.rs.
// Reads: colours (Rgba32Float, one texel per colour, rgb used), the mapper id (uniform).
// Writes: Rgba32Float of the same size, rgb = tonemap(mapper, colour), a = 1. A float target,
// so the comparison sees the shader's f32 result and not an 8-bit quantisation of it.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/tonemap.wgsl"

struct Probe {
    // x: mapper id (`ToneMapper::gpu_id`); yzw unused, padding to a 16-byte block.
    mapper: vec4u,
};

@group(0) @binding(0) var<uniform> probe: Probe;
@group(0) @binding(1) var colours: texture_2d<f32>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let colour = textureLoad(colours, vec2i(in.position.xy), 0).rgb;
    return vec4f(tonemap(probe.mapper.x, colour), 1.0);
}

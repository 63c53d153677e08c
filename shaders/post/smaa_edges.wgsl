// SMAA 1x, pass 1 of 3: luma edge detection (Jimenez et al., "SMAA: Enhanced Subpixel
// Morphological Antialiasing", Eurographics 2012, section 3.1). A pixel's left and top
// boundaries are edges where the luma step across them reaches the threshold, unless a step
// next to it is more than twice as large (local contrast adaptation: of two close parallel
// edges only the stronger is smoothed, so a thin line keeps its shape).
// Reads: the finished display image. Writes: Rg8Unorm, r = left edge, g = top edge (0 or 1).
// Settings: src/post/smaa.rs.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

struct Smaa {
    // xy: 1 / width, 1 / height in pixels; zw: width, height.
    frame: vec4f,
    // x: edge threshold (luma of display-encoded values); yzw: unused.
    params: vec4f,
};

@group(0) @binding(0) var<uniform> smaa: Smaa;
@group(0) @binding(1) var source: texture_2d<f32>;
// NEAREST, clamped to the edge: the neighbours are read at constant offsets from the pixel's
// centre (on lavapipe cheaper than `textureLoad` at clamped coordinates).
@group(0) @binding(2) var texels: sampler;

// How many times larger a neighbouring step may be before it suppresses an edge.
const LOCAL_CONTRAST_ADAPTATION: f32 = 2.0;

// Luma of the display-encoded value. The view decodes sRGB, so it is taken as the square root
// of linear Rec.709 luma (gamma 2, a perceptual stand-in for the sRGB curve, as FXAA does).
fn luma(c: vec4f) -> f32 {
    return sqrt(max(dot(c.rgb, vec3f(0.2126, 0.7152, 0.0722)), 0.0));
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let uv = in.position.xy * smaa.frame.xy;
    let l = luma(textureSampleLevel(source, texels, uv, 0.0));
    let left = luma(textureSampleLevel(source, texels, uv, 0.0, vec2i(-1, 0)));
    let top = luma(textureSampleLevel(source, texels, uv, 0.0, vec2i(0, -1)));
    // Steps across the left and top boundaries (0 at the image's border: the sampler clamps).
    let delta = abs(l - vec2f(left, top));
    var edges = step(vec2f(smaa.params.x), delta);
    if edges.x + edges.y == 0.0 {
        return vec4f(0.0);
    }
    // The largest step around the two boundaries.
    let right = abs(l - luma(textureSampleLevel(source, texels, uv, 0.0, vec2i(1, 0))));
    let bottom = abs(l - luma(textureSampleLevel(source, texels, uv, 0.0, vec2i(0, 1))));
    let left_left = abs(left - luma(textureSampleLevel(source, texels, uv, 0.0, vec2i(-2, 0))));
    let top_top = abs(top - luma(textureSampleLevel(source, texels, uv, 0.0, vec2i(0, -2))));
    let largest = max(max(max(delta.x, delta.y), max(right, bottom)), max(left_left, top_top));
    edges *= step(vec2f(largest), LOCAL_CONTRAST_ADAPTATION * delta);
    return vec4f(edges, 0.0, 0.0);
}

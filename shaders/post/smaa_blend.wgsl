// SMAA 1x, pass 3 of 3: neighbourhood blending (Jimenez et al., "SMAA: Enhanced Subpixel
// Morphological Antialiasing", Eurographics 2012). Each pixel mixes in the neighbours across
// its four boundaries by the areas the weights pass found (its own weights hold its top and
// left boundaries; the bottom and right ones are its lower and right neighbours' top and left),
// along one axis: the one with the larger area (a pixel on a staircase's riser also sees a
// short edge across the other axis, which would otherwise count twice).
// Reads: the display image and the weights image. Writes: the next display image, same format.
// `BLEND` = 0 is the pass-through pipeline of the off tier.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"

override BLEND: bool = true;

struct Smaa {
    // xy: 1 / width, 1 / height in pixels; zw: width, height.
    frame: vec4f,
    // Unused here.
    params: vec4f,
};

@group(0) @binding(0) var<uniform> smaa: Smaa;
@group(0) @binding(1) var source: texture_2d<f32>;
@group(0) @binding(2) var weights: texture_2d<f32>;

// The weights of `pixel`, zero outside the image (a select, not a branch on the size).
fn weights_at(pixel: vec2i) -> vec4f {
    let size = vec2i(smaa.frame.zw);
    let inside = all(pixel >= vec2i(0)) && all(pixel < size);
    return select(vec4f(0.0), textureLoad(weights, clamp(pixel, vec2i(0), size - 1), 0), inside);
}

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let p = vec2i(in.position.xy);
    // The centre is loaded, so pixels without weights are copied bit for bit.
    let centre = textureLoad(source, p, 0);
    if !BLEND {
        return centre;
    }
    let own = weights_at(p);
    // Areas towards the top, bottom, left and right neighbours (0.5 at most each; the
    // texture holds twice the area).
    let top = own.x;
    let bottom = weights_at(p + vec2i(0, 1)).y;
    let left = own.z;
    let right = weights_at(p + vec2i(1, 0)).w;
    let across_rows = max(top, bottom);
    let across_columns = max(left, right);
    if max(across_rows, across_columns) == 0.0 {
        return centre;
    }
    var a = vec2i(0, -1);
    var b = vec2i(0, 1);
    var w = 0.5 * vec2f(top, bottom);
    if across_columns > across_rows {
        a = vec2i(-1, 0);
        b = vec2i(1, 0);
        w = 0.5 * vec2f(left, right);
    }
    // Only neighbours with a weight are read: a weight implies an edge, so they are inside.
    var colour = centre * (1.0 - w.x - w.y);
    if w.x > 0.0 {
        colour += textureLoad(source, p + a, 0) * w.x;
    }
    if w.y > 0.0 {
        colour += textureLoad(source, p + b, 0) * w.y;
    }
    return colour;
}

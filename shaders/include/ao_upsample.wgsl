// Half-resolution GTAO visibility at a full-resolution pixel (src/post/ao.rs, step 4): the four
// nearest working texels with bilinear weights times depth similarity (within
// AO_DEPTH_TOLERANCE of the pixel's view depth `d`), the closest in depth when none is similar.
// Working texel i stands for output pixel 2i. The AO pass's upsample step uses it, and so does
// the lighting pass when it upsamples AO itself (one full-screen pass and one full-size target
// fewer: `AoSettings::upsample_in_lighting`).

// Relative view depth difference over which the upsample's (and AO history's) weights fall to 0.
const AO_DEPTH_TOLERANCE: f32 = 0.02;

// The four texels are read at constant offsets from the first one's centre through `texels`, a
// NEAREST sampler that clamps at the edges (on lavapipe cheaper than `textureLoad` at four
// clamped coordinates).
fn ao_upsample_visibility(
    visibility: texture_2d<f32>,
    view_depth: texture_2d<f32>,
    texels: sampler,
    pixel: vec2i,
    d: f32,
) -> f32 {
    let position = vec2f(pixel) * 0.5;
    let base = floor(position);
    let f = position - base;
    let uv = (base + 0.5) / vec2f(textureDimensions(visibility));
    let depths = vec4f(
        textureSampleLevel(view_depth, texels, uv, 0.0).x,
        textureSampleLevel(view_depth, texels, uv, 0.0, vec2i(1, 0)).x,
        textureSampleLevel(view_depth, texels, uv, 0.0, vec2i(0, 1)).x,
        textureSampleLevel(view_depth, texels, uv, 0.0, vec2i(1, 1)).x,
    );
    let values = vec4f(
        textureSampleLevel(visibility, texels, uv, 0.0).x,
        textureSampleLevel(visibility, texels, uv, 0.0, vec2i(1, 0)).x,
        textureSampleLevel(visibility, texels, uv, 0.0, vec2i(0, 1)).x,
        textureSampleLevel(visibility, texels, uv, 0.0, vec2i(1, 1)).x,
    );
    var sum = 0.0;
    var total = 0.0;
    var nearest = 1.0;
    // AO_FAR: the view depth the prefilter gives background texels.
    var nearest_difference = 1.0e8;
    for (var i = 0; i < 4; i++) {
        let corner = vec2f(f32(i % 2), f32(i / 2));
        let bilinear = mix(1.0 - f.x, f.x, corner.x) * mix(1.0 - f.y, f.y, corner.y);
        let difference = abs(depths[i] - d);
        let similar = saturate(1.0 - difference / (AO_DEPTH_TOLERANCE * d));
        sum += bilinear * similar * values[i];
        total += bilinear * similar;
        if difference < nearest_difference {
            nearest_difference = difference;
            nearest = values[i];
        }
    }
    // No working texel lies on this surface: take the closest in depth.
    return select(nearest, sum / total, total > 1e-3);
}

// Half-resolution GTAO visibility at a full-resolution pixel (src/post/ao.rs, step 4): the four
// nearest working texels with bilinear weights times depth similarity (within
// AO_DEPTH_TOLERANCE of the pixel's view depth `d`), the closest in depth when none is similar.
// Working texel i stands for output pixel 2i. The AO pass's upsample step uses it, and so does
// the lighting pass when it upsamples AO itself (one full-screen pass and one full-size target
// fewer: `AoSettings::upsample_in_lighting`).

// Relative view depth difference over which the upsample's (and AO history's) weights fall to 0.
const AO_DEPTH_TOLERANCE: f32 = 0.02;

fn ao_upsample_visibility(
    visibility: texture_2d<f32>,
    view_depth: texture_2d<f32>,
    pixel: vec2i,
    d: f32,
) -> f32 {
    let position = vec2f(pixel) * 0.5;
    let base = vec2i(floor(position));
    let f = position - vec2f(base);
    let limit = vec2i(textureDimensions(visibility)) - 1;
    var sum = 0.0;
    var total = 0.0;
    var nearest = 1.0;
    // AO_FAR: the view depth the prefilter gives background texels.
    var nearest_difference = 1.0e8;
    for (var i = 0; i < 4; i++) {
        let corner = vec2i(i % 2, i / 2);
        let at = min(base + corner, limit);
        let bilinear = mix(1.0 - f.x, f.x, f32(corner.x)) * mix(1.0 - f.y, f.y, f32(corner.y));
        let difference = abs(textureLoad(view_depth, at, 0).x - d);
        let similar = saturate(1.0 - difference / (AO_DEPTH_TOLERANCE * d));
        let value = textureLoad(visibility, at, 0).x;
        sum += bilinear * similar * value;
        total += bilinear * similar;
        if difference < nearest_difference {
            nearest_difference = difference;
            nearest = value;
        }
    }
    // No working texel lies on this surface: take the closest in depth.
    return select(nearest, sum / total, total > 1e-3);
}

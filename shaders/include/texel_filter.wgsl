// Bilinear filtering weighed in the shader from the four texels around a coordinate, read
// through a NEAREST sampler that clamps to the edge (so the result is clamp-to-edge bilinear):
// for a texture that is otherwise read texel by texel, since GLES pairs each texture with one
// sampler; on lavapipe four texel reads at constant offsets also cost about as much as one
// bilinear read (docs/architecture.md, "Texel reads").
// Reads nothing, writes nothing.

// `t` bilinearly at `uv` through the NEAREST sampler `s`; `size` is t's size in texels and
// `inverse` its reciprocal.
fn texel_bilinear(t: texture_2d<f32>, s: sampler, uv: vec2f, size: vec2f, inverse: vec2f) -> vec4f {
    let position = uv * size;
    let corner = floor(position - 0.5) + 0.5;
    let f = position - corner;
    let c = corner * inverse;
    let row = mix(
        textureSampleLevel(t, s, c, 0.0),
        textureSampleLevel(t, s, c, 0.0, vec2i(1, 0)),
        f.x,
    );
    let next_row = mix(
        textureSampleLevel(t, s, c, 0.0, vec2i(0, 1)),
        textureSampleLevel(t, s, c, 0.0, vec2i(1, 1)),
        f.x,
    );
    return mix(row, next_row, f.y);
}

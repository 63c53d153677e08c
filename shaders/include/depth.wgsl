// Reading a depth texture's texels (src/draw/bindings.rs: `depth_as_float`, `depth_sampler`).
//
// The depth is bound as `texture_2d<f32>` with a non-filtering NEAREST sampler beside it and
// read by sampling the texel's centre at mip 0, not by `textureLoad`: GLES 3.0 / WebGL2 treat a
// depth texture read without comparison as incomplete (it reads 0) unless its filters are
// NEAREST, and only a sampler sets the filters (`textureLoad` becomes `texelFetch`, which has
// none). Sampling a texel's centre with NEAREST filtering returns that texel exactly; pixels
// outside the texture read the nearest edge texel.

// The depth texel at `pixel` (its `x`) of `depth`, read through `nearest` (a NEAREST sampler).
fn depth_texel(depth: texture_2d<f32>, nearest: sampler, pixel: vec2i) -> f32 {
    let size = vec2f(textureDimensions(depth));
    return textureSampleLevel(depth, nearest, (vec2f(pixel) + 0.5) / size, 0.0).x;
}

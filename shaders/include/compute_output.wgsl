// Compute variants of the full-screen passes (src/post/variant.rs): a pixel's centre from its
// invocation id, and the sRGB encoding a storage texture cannot do (storage textures cannot be
// sRGB, so display images are stored as Rgba8Unorm holding sRGB-encoded values, which the next
// pass reads through an Rgba8UnormSrgb view). The encoding is the sRGB OETF (IEC 61966-2-1) an
// sRGB colour attachment applies on store, so compute and fragment differ by rounding only.

// The centre of pixel `id` in framebuffer coordinates, as `@builtin(position)` gives it.
fn compute_pixel_centre(id: vec2u) -> vec2f {
    return vec2f(id) + 0.5;
}

// Display-linear colour to sRGB-encoded, clipped to [0, 1] first as a unorm store would.
fn compute_srgb_encode(c: vec3f) -> vec3f {
    let x = clamp(c, vec3f(0.0), vec3f(1.0));
    return select(1.055 * pow(x, vec3f(1.0 / 2.4)) - 0.055, x * 12.92, x <= vec3f(0.0031308));
}

// A display texel as an sRGB colour attachment would store it.
fn compute_display_texel(c: vec4f) -> vec4f {
    return vec4f(compute_srgb_encode(c.rgb), c.a);
}

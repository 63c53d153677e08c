// The fused finish (DESIGN.md "The frame"), one full-screen pass:
//   HDR (+ chromatic aberration: red and blue magnified by 1 + s and 1 - s)
//   -> bloom composite (include/bloom_composite.wgsl)
//   -> exposure (the multiplier the exposure pass left in its state buffer)
//   -> one trilinear sample of the baked grade LUT (grade + tone mapper + user LUT, as
//      sRGB-encoded display values, src/post/grade_bake.rs)
//   -> vignette (display-linear) -> film grain and triangular dither (sRGB-encoded)
//   -> clip, decode once; the sRGB target encodes again on store.
// Filament bakes its grading the same way; the vignette and grain follow Unity's
// post-processing stack in spirit.
// Reads: HDR (pre-exposed radiance), the grade LUT, the bloom texture (1x1 black when off),
// the exposure state. Writes: the 8-bit display target (the compute variant: Rgba8Unorm
// holding sRGB-encoded values); alpha is coverage. NaN/Inf pixels
// show as black.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "include/grade_lut.wgsl"
#include "include/bloom_composite.wgsl"
#include "include/compute_output.wgsl"

struct Finish {
    // x: LUT size in texels; y: dither amplitude in 8-bit codes (0 = off); z: bloom
    // intensity; w: bloom mode (0 = off, 1 = energy-conserving, 2 = additive).
    lut: vec4f,
    // Vignette: x intensity (0 = off), y radius, z smoothness, w roundness.
    vignette: vec4f,
    // Vignette colour (display-linear) in rgb; w: image aspect ratio (width / height).
    vignette_colour: vec4f,
    // Grain: x amplitude in sRGB-encoded units (0 = off), y feature size in pixels, z
    // luminance response, w per-frame seed.
    grain: vec4f,
    // Chromatic aberration: x radial scale s of red (1 + s) and blue (1 - s) (0 = off);
    // y, z: 1 / width, 1 / height.
    aberration: vec4f,
};

#include "include/exposure_state.wgsl"

@group(0) @binding(0) var<uniform> finish: Finish;
@group(0) @binding(1) var hdr: texture_2d<f32>;
@group(0) @binding(2) var grade_lut: texture_3d<f32>;
@group(0) @binding(3) var linear_clamp: sampler;
@group(0) @binding(4) var bloom: texture_2d<f32>;
// A uniform binding of the exposure state buffer (written as storage by the exposure pass on
// devices with compute; from the CPU on every device): no storage buffer in the finish, so it
// runs on GLES 3.0 / WebGL2.
@group(0) @binding(5) var<uniform> exposure: ExposureState;

// The compute variant's output (src/post/variant.rs): sRGB-encoded Rgba8Unorm.
@group(1) @binding(0) var finished: texture_storage_2d<rgba8unorm, write>;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    return finish_pixel(in.position.xy);
}

@compute @workgroup_size(8, 8)
fn cs_main(@builtin(global_invocation_id) id: vec3u) {
    if any(id.xy >= textureDimensions(finished)) {
        return;
    }
    textureStore(finished, id.xy, compute_display_texel(finish_pixel(compute_pixel_centre(id.xy))));
}

// The finished, display-linear colour of the pixel centred at `position` (framebuffer
// coordinates, as `@builtin(position)`), shared by both entry points: every per-pixel step
// of the finish belongs here.
fn finish_pixel(position: vec2f) -> vec4f {
    let texel = textureLoad(hdr, vec2i(position), 0);
    let uv = position * finish.aberration.yz;
    var c = texel.rgb;
    if finish.aberration.x > 0.0 {
        // Lateral chromatic aberration: magnification differs per wavelength, so red lands
        // further out (the image magnified by 1 + s) and blue further in (by 1 - s), more
        // towards the corners: a pixel reads red from its radius / (1 + s).
        let from_centre = uv - 0.5;
        c.r = textureSampleLevel(hdr, linear_clamp, 0.5 + from_centre / (1.0 + finish.aberration.x), 0.0).r;
        c.b = textureSampleLevel(hdr, linear_clamp, 0.5 + from_centre / (1.0 - finish.aberration.x), 0.0).b;
    }
    if finish.lut.w > 0.0 {
        let b = textureSampleLevel(bloom, linear_clamp, uv, 0.0).rgb;
        c = bloom_composite(c, b, finish.lut.z, finish.lut.w > 1.5);
    }
    c *= exposure.multiplier;
    // A NaN or infinite pixel shows as black instead of poisoning the image.
    if any(c != c) || any(abs(c) > vec3f(65504.0)) {
        c = vec3f(0.0);
    }
    // The LUT holds sRGB-encoded display values (unclipped past 1 for the Clamp mapper).
    var encoded = grade_lut_sample_encoded(grade_lut, linear_clamp, c, finish.lut.x);
    if finish.vignette.x > 0.0 {
        // r = 1 at the corners; roundness 1 measures in pixels (a circle), 0 in uv (an
        // ellipse with the image's aspect).
        let scale = mix(vec2f(1.0), vec2f(finish.vignette_colour.w, 1.0), finish.vignette.w);
        let r = length((uv - 0.5) * scale) / length(0.5 * scale);
        let amount = finish.vignette.x
            * smoothstep(finish.vignette.y, finish.vignette.y + finish.vignette.z, r);
        let linear = mix(srgb_to_linear(clamp(encoded, vec3f(0.0), vec3f(1.0))),
                         finish.vignette_colour.rgb, amount);
        encoded = grade_lut_srgb_encode(linear);
    }
    if finish.grain.x > 0.0 {
        // Smooth value noise about `size` pixels across, less in the highlights.
        let n = value_noise(position / finish.grain.y, finish.grain.w);
        let luma = dot(clamp(encoded, vec3f(0.0), vec3f(1.0)), vec3f(0.2126, 0.7152, 0.0722));
        encoded += vec3f(n * finish.grain.x * mix(1.0, 1.0 - luma, finish.grain.z));
    }
    if finish.lut.y > 0.0 {
        // Triangular-PDF dither of +-1 code in the sRGB-encoded domain where the target
        // quantises, so gradients finer than one code survive as noise instead of bands.
        let noise = (hash_unit(position) + hash_unit(position.yx + 17.0) - 1.0)
            * finish.lut.y / 255.0;
        encoded += noise;
    }
    // Clip, then decode once: the sRGB target encodes again on store.
    let display = srgb_to_linear(clamp(encoded, vec3f(0.0), vec3f(1.0)));
    return vec4f(display, clamp(texel.a, 0.0, 1.0));
}

// A stable pseudo-random value in [0, 1) per pixel (integer hash, Jarzynski & Olano 2020, PCG).
fn hash_unit(p: vec2f) -> f32 {
    var v = u32(p.x) * 1664525u + u32(p.y) * 1013904223u;
    v = v * 747796405u + 2891336453u;
    let word = ((v >> ((v >> 28u) + 4u)) ^ v) * 277803737u;
    return f32((word >> 22u) ^ word) / 4294967296.0;
}

// Value noise in [-1, 1]: random values on the integer lattice (offset by `seed`), smoothly
// interpolated between them.
fn value_noise(p: vec2f, seed: f32) -> f32 {
    let cell = floor(p);
    let f = p - cell;
    let s = vec2f(seed * 7.0, seed * 13.0);
    let a = hash_unit(cell + s);
    let b = hash_unit(cell + vec2f(1.0, 0.0) + s);
    let c = hash_unit(cell + vec2f(0.0, 1.0) + s);
    let d = hash_unit(cell + vec2f(1.0, 1.0) + s);
    let w = f * f * (3.0 - 2.0 * f);
    return mix(mix(a, b, w.x), mix(c, d, w.x), w.y) * 2.0 - 1.0;
}

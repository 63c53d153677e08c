// GGX-prefiltered specular environment: one face of one mip of the specular cube per draw.
// Reads: the radiance cube with its box-filtered mips (trilinear). Writes: one Rgba16Float
// face layer of mip m, which holds perceptual roughness m / (levels - 1).
// Follows Karis, "Real Shading in Unreal Engine 4" (SIGGRAPH 2013): the split-sum's first
// sum, with n = v = r, weighted by n.l; and Krivanek & Colbert, "Real-time Shading with
// Filtered Importance Sampling" (EGSR 2008): each sample reads the source mip whose texel solid
// angle matches the solid angle the sample stands for, so a few hundred samples do not turn a
// bright sun into fireflies.
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "render/environment/bake.wgsl"

struct Params {
    face: u32,
    sample_count: u32,
    perceptual_roughness: f32,
    // Output face size at this mip, in texels.
    face_size: f32,
    // Source face size at mip 0, in texels.
    source_size: f32,
    // Last mip of the source.
    source_max_lod: f32,
    _pad: vec2f,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var source: texture_cube<f32>;
@group(0) @binding(2) var source_sampler: sampler;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let n = cube_direction(params.face, in.position.xy / params.face_size);
    let frame = tangent_frame(n);
    let alpha = params.perceptual_roughness * params.perceptual_roughness;
    // Solid angle of one source texel at mip 0 (the face-centre value; close enough for lod).
    let texel_solid_angle = 4.0 * BAKE_PI / (6.0 * params.source_size * params.source_size);
    var sum = vec3f(0.0);
    var weight = 0.0;
    for (var i = 0u; i < params.sample_count; i++) {
        let h = frame * ggx_half_vector(hammersley(i, params.sample_count), alpha);
        let n_dot_h = dot(n, h);
        let l = 2.0 * n_dot_h * h - n;
        let n_dot_l = dot(n, l);
        if n_dot_l > 0.0 {
            // With v = n, pdf(l) = D(h) n.h / (4 v.h) = D(h) / 4.
            let pdf = d_ggx(n_dot_h, alpha) * 0.25;
            let sample_solid_angle = 1.0 / (f32(params.sample_count) * pdf + 1e-6);
            // The +1 is Krivanek & Colbert's bias: a slightly blurrier source hides the
            // correlation between neighbouring texels' sample patterns.
            let lod = clamp(
                0.5 * log2(sample_solid_angle / texel_solid_angle) + 1.0,
                0.0,
                params.source_max_lod,
            );
            sum += textureSampleLevel(source, source_sampler, l, lod).rgb * n_dot_l;
            weight += n_dot_l;
        }
    }
    return vec4f(sum / max(weight, 1e-6), 1.0);
}

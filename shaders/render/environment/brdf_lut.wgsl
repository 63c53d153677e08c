// Split-sum BRDF LUT (Karis, "Real Shading in Unreal Engine 4", SIGGRAPH 2013): the second
// sum, integral of f_spec(l, v) n.l dl over the hemisphere with f0 factored out,
// written as (A, B) = (scale, bias) so that the specular albedo is f0 * A + f90 * B.
// GGX distribution, height-correlated Smith visibility (Heitz 2014), Schlick Fresnel, 1024
// visible-normal samples per texel (Dupuy & Benyoub 2023), whose weights G2 / G1 are bounded.
// Reads nothing. Writes: the Rg16Float LUT, x = n.v, y = perceptual roughness, both sampled
// at the texel grid points i / (size - 1), so the ends 0 and 1 are exact texel centres.
// A + B is the directional albedo for f0 = 1, which Fdez-Aguera's multiple-scattering energy
// compensation needs (the lighting pass computes it, nothing else is stored).
#include "include/common.wgsl"
#include "include/fullscreen.wgsl"
#include "render/environment/bake.wgsl"

const SAMPLE_COUNT: u32 = 1024u;

struct Params {
    // LUT width and height in texels.
    size: vec2f,
    _pad: vec2f,
};

@group(0) @binding(0) var<uniform> params: Params;

@fragment
fn fs_main(in: FullscreenOut) -> @location(0) vec4f {
    let grid = floor(in.position.xy) / max(params.size - 1.0, vec2f(1.0));
    // n.v = 0 exactly is a degenerate view; the column holds the limit towards it instead.
    let n_dot_v = max(grid.x, 1e-4);
    let alpha = grid.y * grid.y;
    let v = vec3f(sqrt(1.0 - n_dot_v * n_dot_v), 0.0, n_dot_v);
    let g1_v = g1_smith(n_dot_v, alpha);
    var scale = 0.0;
    var bias = 0.0;
    for (var i = 0u; i < SAMPLE_COUNT; i++) {
        let h = ggx_visible_normal(hammersley(i, SAMPLE_COUNT), v, alpha);
        let v_dot_h = dot(v, h);
        let l = 2.0 * v_dot_h * h - v;
        let n_dot_l = l.z;
        if n_dot_l > 0.0 {
            // f n.l / pdf = D V n.l / (G1(v) D / (4 n.v)) = G2 / G1(v), in [0, 1] per sample,
            // so the estimate can never exceed 1 (grazing views stay quiet).
            let weight = 4.0 * n_dot_v * n_dot_l * v_smith_height_correlated(n_dot_v, n_dot_l, alpha)
                / g1_v;
            let fc = pow(1.0 - v_dot_h, 5.0);
            scale += (1.0 - fc) * weight;
            bias += fc * weight;
        }
    }
    return vec4f(scale, bias, 0.0, 0.0) / f32(SAMPLE_COUNT);
}

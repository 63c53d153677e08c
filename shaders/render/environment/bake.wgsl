// Shared by the environment bake shaders (src/render/environment.rs); not a pipeline itself.
// Reads and writes nothing: cube face directions, low-discrepancy points and GGX sampling.
// Follows Karis, "Real Shading in Unreal Engine 4" (SIGGRAPH 2013) for the GGX sampling and
// Duff et al., "Building an Orthonormal Basis, Revisited" (JCGT 2017) for the tangent frame.

const BAKE_PI: f32 = 3.14159265358979;

// Direction through (u, v) in [0, 1]^2 of cube face `face` (0..5 = +X, -X, +Y, -Y, +Z, -Z),
// v down the face: the layer order and orientation of wgpu's cube textures (the Vulkan spec's
// "Cube Map Face Selection" table). Mirrored on the CPU by `cube_texel_direction` in
// src/render/environment.rs. Not normalised: the length is what the texel solid angle needs.
fn cube_vector(face: u32, uv: vec2f) -> vec3f {
    let a = 2.0 * uv.x - 1.0;
    let b = 2.0 * uv.y - 1.0;
    switch face {
        case 0u: { return vec3f(1.0, -b, -a); }
        case 1u: { return vec3f(-1.0, -b, a); }
        case 2u: { return vec3f(a, 1.0, b); }
        case 3u: { return vec3f(a, -1.0, -b); }
        case 4u: { return vec3f(a, -b, 1.0); }
        default: { return vec3f(-a, -b, -1.0); }
    }
}

fn cube_direction(face: u32, uv: vec2f) -> vec3f {
    return normalize(cube_vector(face, uv));
}

// Point i of an n-point Hammersley set; the first coordinate is centred in its stratum so no
// sample lands exactly on xi = 0 (the GGX inversion's pole).
fn hammersley(i: u32, n: u32) -> vec2f {
    return vec2f((f32(i) + 0.5) / f32(n), f32(reverse_bits(i)) * 2.3283064365386963e-10);
}

// The bits of `x` in reverse order (reverseBits, which GLSL ES 3.0, WebGL2's language, lacks).
fn reverse_bits(x: u32) -> u32 {
    var v = (x << 16u) | (x >> 16u);
    v = ((v & 0x00ff00ffu) << 8u) | ((v & 0xff00ff00u) >> 8u);
    v = ((v & 0x0f0f0f0fu) << 4u) | ((v & 0xf0f0f0f0u) >> 4u);
    v = ((v & 0x33333333u) << 2u) | ((v & 0xccccccccu) >> 2u);
    return ((v & 0x55555555u) << 1u) | ((v & 0xaaaaaaaau) >> 1u);
}

// GGX-distributed half vector about +Z for alpha = perceptual roughness squared: the pdf of
// the result is D(h) * cos(theta_h).
fn ggx_half_vector(xi: vec2f, alpha: f32) -> vec3f {
    let a2 = alpha * alpha;
    let cos_theta = sqrt((1.0 - xi.x) / (1.0 + (a2 - 1.0) * xi.x));
    let sin_theta = sqrt(max(1.0 - cos_theta * cos_theta, 0.0));
    let phi = 2.0 * BAKE_PI * xi.y;
    return vec3f(sin_theta * cos(phi), sin_theta * sin(phi), cos_theta);
}

// GGX visible normal about +Z for the view direction v (v.z > 0): the pdf of the result is
// G1(v) D(h) max(v.h, 0) / v.z. Dupuy & Benyoub, "Sampling Visible GGX Normals with Spherical
// Caps" (HPG 2023), isotropic case.
fn ggx_visible_normal(xi: vec2f, v: vec3f, alpha: f32) -> vec3f {
    // Stretch to the configuration where the microsurface is a unit hemisphere.
    let v_std = normalize(vec3f(v.xy * alpha, v.z));
    let phi = 2.0 * BAKE_PI * xi.x;
    let z = (1.0 - xi.y) * (1.0 + v_std.z) - v_std.z;
    let sin_theta = sqrt(clamp(1.0 - z * z, 0.0, 1.0));
    let h_std = vec3f(sin_theta * cos(phi), sin_theta * sin(phi), z) + v_std;
    return normalize(vec3f(h_std.xy * alpha, h_std.z));
}

// Columns: tangent, bitangent, n. Continuous everywhere except across n.z = 0's sign flip,
// which no bake output relies on.
fn tangent_frame(n: vec3f) -> mat3x3f {
    let s = select(-1.0, 1.0, n.z >= 0.0);
    let a = -1.0 / (s + n.z);
    let b = n.x * n.y * a;
    return mat3x3f(
        vec3f(1.0 + s * n.x * n.x * a, s * b, -s * n.x),
        vec3f(b, s + n.y * n.y * a, -n.y),
        n,
    );
}

fn d_ggx(n_dot_h: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let d = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
    return a2 / (BAKE_PI * d * d);
}

// Smith masking G1(v) = 1 / (1 + Lambda(v)) for GGX, written in n.v.
fn g1_smith(n_dot_v: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    return 2.0 * n_dot_v / (n_dot_v + sqrt(a2 + (1.0 - a2) * n_dot_v * n_dot_v));
}

// Height-correlated Smith visibility G2 / (4 n.l n.v) (Heitz 2014), as in the lighting pass.
fn v_smith_height_correlated(n_dot_v: f32, n_dot_l: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let gv = n_dot_l * sqrt(n_dot_v * n_dot_v * (1.0 - a2) + a2);
    let gl = n_dot_v * sqrt(n_dot_l * n_dot_l * (1.0 - a2) + a2);
    return 0.5 / max(gv + gl, 1e-7);
}

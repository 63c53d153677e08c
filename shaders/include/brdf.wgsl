// The surface BRDF shared by the lighting and forward passes: Lambert diffuse plus
// Cook-Torrance specular with the GGX distribution (Walter et al. 2007), height-correlated
// Smith visibility (Heitz 2014) and Schlick's Fresnel, as in Karis, "Real Shading in Unreal
// Engine 4" (2013) and Filament's documentation. Multiple scattering: Fdez-Agüera, "A
// Multiple-Scattering Microfacet Model for Real-Time Image-based Lighting" (JCGT 2019).
// Mirrored on the CPU in src/render/brdf.rs for tests.

const PI: f32 = 3.14159265358979;

// Surface properties after material evaluation.
struct Surface {
    position: vec3f,
    normal: vec3f,
    // Unit vector towards the viewer.
    view: vec3f,
    base_color: vec3f,
    metallic: f32,
    perceptual_roughness: f32,
    // Material ambient occlusion (indirect light only).
    occlusion: f32,
};

fn d_ggx(n_dot_h: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let d = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
    return a2 / (PI * d * d);
}

fn v_smith_ggx_correlated(n_dot_v: f32, n_dot_l: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let gv = n_dot_l * sqrt(n_dot_v * n_dot_v * (1.0 - a2) + a2);
    let gl = n_dot_v * sqrt(n_dot_l * n_dot_l * (1.0 - a2) + a2);
    return 0.5 / max(gv + gl, 1e-7);
}

fn f_schlick(f0: vec3f, v_dot_h: f32) -> vec3f {
    return f0 + (vec3f(1.0) - f0) * pow(1.0 - v_dot_h, 5.0);
}

// Roughness below this makes GGX a near-delta that half floats and pixels cannot resolve.
const MIN_PERCEPTUAL_ROUGHNESS: f32 = 0.045;

fn surface_f0(s: Surface) -> vec3f {
    return mix(vec3f(0.04), s.base_color, s.metallic);
}

fn surface_alpha(s: Surface) -> f32 {
    let r = max(s.perceptual_roughness, MIN_PERCEPTUAL_ROUGHNESS);
    return r * r;
}

// Outgoing radiance towards the viewer per unit illuminance arriving along `l` at normal
// incidence: BRDF * cos(theta_l). `energy` scales specular for multiple scattering
// (1 + f0 (1 / E_ss - 1), Fdez-Agüera 2019 / Filament).
fn brdf_cosine(s: Surface, l: vec3f, energy: vec3f) -> vec3f {
    let n_dot_l = dot(s.normal, l);
    if n_dot_l <= 0.0 {
        return vec3f(0.0);
    }
    let h = normalize(s.view + l);
    let n_dot_v = max(dot(s.normal, s.view), 1e-4);
    let alpha = surface_alpha(s);
    let f = f_schlick(surface_f0(s), max(dot(s.view, h), 0.0));
    let specular = d_ggx(max(dot(s.normal, h), 0.0), alpha) * v_smith_ggx_correlated(n_dot_v, n_dot_l, alpha) * f;
    let diffuse = s.base_color * (1.0 - s.metallic) / PI;
    return (diffuse + specular * energy) * n_dot_l;
}

// Image-based lighting with single- and multiple-scattering terms (Fdez-Agüera 2019, eq. 11-16):
// `dfg` is the split-sum (scale, bias), `specular` the prefiltered radiance along the
// reflection, `irradiance` the cosine-weighted average radiance (irradiance / pi). A white
// surface in a uniform environment returns exactly that environment's radiance.
fn ibl(s: Surface, dfg: vec2f, specular: vec3f, irradiance: vec3f) -> vec3f {
    let f0 = surface_f0(s);
    let fss_ess = f0 * dfg.x + dfg.y;
    let ess = dfg.x + dfg.y;
    let ems = 1.0 - ess;
    let f_avg = f0 + (1.0 - f0) / 21.0;
    let fms_ems = ems * fss_ess * f_avg / (1.0 - f_avg * ems);
    let kd = s.base_color * (1.0 - s.metallic) * (1.0 - fss_ess - fms_ems);
    return (fss_ess * specular + (fms_ems + kd) * irradiance) * s.occlusion;
}

// Specular energy compensation for direct lights from the same split-sum term.
fn multiple_scattering_energy(s: Surface, dfg: vec2f) -> vec3f {
    let ess = max(dfg.x + dfg.y, 1e-4);
    return 1.0 + surface_f0(s) * (1.0 / ess - 1.0);
}

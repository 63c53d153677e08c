// Radiance leaving a surface towards the viewer: every punctual light (with the directional
// shadow on the light that casts it) plus image-based light. Shared by the deferred lighting
// pass and the forward pass, so transparent surfaces are lit exactly like opaque ones.
// The including shader declares `lights: Lights` and includes brdf, lights, environment and
// shadow; its pipelines set lights.wgsl's override constants. No branch here depends on
// uniforms alone: the loop runs LIGHT_COUNT times, the shadow is looked up for light KEY_LIGHT
// when KEY_LIGHT_SHADOW, and the deferred pass passes its AO switches as override constants.

// The key light's shadow comes from the screen-space mask (`ScreenOcclusion::key_light_shadow`,
// src/render/shadow_mask.rs) instead of the shadow map's taps here: the deferred lighting pass
// sets it; the forward pass looks the map up itself.
override SHADOW_FROM_MASK: bool = false;

// Screen-space occlusion for one pixel (the deferred pass's GTAO and shadow mask; none in
// forward).
struct ScreenOcclusion {
    // Screen-space visibility (1 unoccluded), intensity already applied.
    visibility: f32,
    // Whether screen-space AO is on at all: off keeps material AO exactly as without it.
    enabled: bool,
    // Jimenez et al. 2016's multi-bounce fit on the diffuse occlusion.
    multi_bounce: bool,
    // The key light's visibility from the shadow mask (read when SHADOW_FROM_MASK).
    key_light_shadow: f32,
};

// Visibility after interreflections on a surface of `albedo`: Jimenez, Wu, Pesce, Jarabo,
// "Practical Realtime Strategies for Accurate Indirect Occlusion" (2016), the cubic fit to
// ray-traced multi-bounce AO.
fn gtao_multi_bounce(visibility: f32, albedo: vec3f) -> vec3f {
    let a = 2.0404 * albedo - 0.3324;
    let b = -4.7951 * albedo + 0.6417;
    let c = 2.7552 * albedo + 0.6903;
    let v = vec3f(visibility);
    return max(v, ((v * a + b) * v + c) * v);
}

// Specular occlusion from ambient visibility: Lagarde & de Rousiers, "Moving Frostbite to
// Physically Based Rendering" (2014), eq. 59.
fn specular_occlusion(n_dot_v: f32, visibility: f32, perceptual_roughness: f32) -> f32 {
    let alpha = perceptual_roughness * perceptual_roughness;
    return saturate(pow(n_dot_v + visibility, exp2(-16.0 * alpha - 1.0)) - 1.0 + visibility);
}

fn shade_surface(s: Surface) -> vec3f {
    return shade_surface_occluded(s, ScreenOcclusion(1.0, false, false, 1.0));
}

// As shade_surface, with screen-space AO on the image-based (indirect) light only: diffuse by
// min(material AO, visibility) (with multi-bounce on the base colour when asked), specular by
// the specular occlusion of the same visibility. Punctual lights and the sun never see it.
fn shade_surface_occluded(s: Surface, occlusion: ScreenOcclusion) -> vec3f {
    let n_dot_v = max(dot(s.normal, s.view), 1e-4);
    let dfg = environment_brdf(n_dot_v, s.perceptual_roughness);
    let energy = multiple_scattering_energy(s, dfg);
    var color = vec3f(0.0);
    for (var i = 0u; i < min(LIGHT_COUNT, MAX_LIGHTS); i++) {
        let light = lights.items[i];
        let incident = incident_light(light, s.position);
        var visibility = 1.0;
        if KEY_LIGHT_SHADOW && i32(i) == KEY_LIGHT {
            if SHADOW_FROM_MASK {
                visibility = occlusion.key_light_shadow;
            } else {
                visibility = directional_shadow(s.position, s.normal);
            }
        }
        color += brdf_cosine(s, incident.l, energy) * incident.illuminance * visibility;
    }
    let reflected = reflect(-s.view, s.normal);
    let specular = environment_specular(reflected, s.perceptual_roughness);
    let irradiance = environment_irradiance(s.normal);
    if !occlusion.enabled {
        return color + ibl(s, dfg, specular, irradiance);
    }
    let visibility = min(s.occlusion, occlusion.visibility);
    var diffuse_visibility = vec3f(visibility);
    if occlusion.multi_bounce {
        diffuse_visibility = gtao_multi_bounce(visibility, s.base_color);
    }
    let specular_visibility = specular_occlusion(n_dot_v, visibility, s.perceptual_roughness);
    // ibl is linear in both light terms: split it to occlude each differently.
    var open = s;
    open.occlusion = 1.0;
    let specular_part = ibl(open, dfg, specular, vec3f(0.0)) * specular_visibility;
    let diffuse_part = ibl(open, dfg, vec3f(0.0), irradiance) * diffuse_visibility;
    return color + specular_part + diffuse_part;
}

// World-space direction of the view ray through `uv` (perspective or orthographic).
fn view_ray(uv: vec2f, inv_view_proj: mat4x4f) -> vec3f {
    return normalize(world_from_depth(uv, 0.5, inv_view_proj) - world_from_depth(uv, 1.0, inv_view_proj));
}

// Radiance leaving a surface towards the viewer: every punctual light (with the directional
// shadow on the light that casts it) plus image-based light. Shared by the deferred lighting
// pass and the forward pass, so transparent surfaces are lit exactly like opaque ones.
// The including shader declares `lights: Lights` and includes brdf, lights, environment and
// shadow.

fn shade_surface(s: Surface) -> vec3f {
    let n_dot_v = max(dot(s.normal, s.view), 1e-4);
    let dfg = environment_brdf(n_dot_v, s.perceptual_roughness);
    let energy = multiple_scattering_energy(s, dfg);
    var color = vec3f(0.0);
    let count = min(lights.count.x, MAX_LIGHTS);
    for (var i = 0u; i < count; i++) {
        let light = lights.items[i];
        let incident = incident_light(light, s.position);
        var visibility = 1.0;
        if light.color_shadow.w > 0.5 {
            visibility = directional_shadow(s.position, s.normal);
        }
        color += brdf_cosine(s, incident.l, energy) * incident.illuminance * visibility;
    }
    let reflected = reflect(-s.view, s.normal);
    let specular = environment_specular(reflected, s.perceptual_roughness);
    return color + ibl(s, dfg, specular, environment_irradiance(s.normal));
}

// World-space direction of the view ray through `uv` (perspective or orthographic).
fn view_ray(uv: vec2f, inv_view_proj: mat4x4f) -> vec3f {
    return normalize(world_from_depth(uv, 0.5, inv_view_proj) - world_from_depth(uv, 1.0, inv_view_proj));
}

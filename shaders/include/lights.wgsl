// KHR_lights_punctual lights: directional (lux), point and spot (candela), with the
// extension's recommended range window and smooth cone falloff. Mirrored in src/render/lights.rs.

// One light, as src/render/lights.rs packs it.
struct PunctualLight {
    // xyz: world position; w: range in metres (0 = infinite).
    position_range: vec4f,
    // xyz: unit direction the light travels; w: kind (0 directional, 1 point, 2 spot).
    direction_kind: vec4f,
    // rgb: linear colour times intensity (lux or candela); w: 1 when this light uses the shadow map.
    color_shadow: vec4f,
    // x: cone scale 1 / (cos inner - cos outer), y: offset -cos(outer) * scale; zw unused.
    cone: vec4f,
};

const MAX_LIGHTS: u32 = 32u;

struct Lights {
    // x: number of lights in use.
    count: vec4u,
    items: array<PunctualLight, MAX_LIGHTS>,
};

// Direction towards the light (l) and illuminance on a surface facing it (lux), before the
// cosine term, for a light seen from `position`.
struct Incident {
    l: vec3f,
    illuminance: vec3f,
};

fn incident_light(light: PunctualLight, position: vec3f) -> Incident {
    var out: Incident;
    let kind = u32(light.direction_kind.w);
    if kind == 0u {
        out.l = -light.direction_kind.xyz;
        out.illuminance = light.color_shadow.rgb;
        return out;
    }
    let to_light = light.position_range.xyz - position;
    let distance2 = max(dot(to_light, to_light), 1e-8);
    out.l = to_light * inverseSqrt(distance2);
    var attenuation = 1.0 / distance2;
    let range = light.position_range.w;
    if range > 0.0 {
        let ratio2 = distance2 / (range * range);
        attenuation *= clamp(1.0 - ratio2 * ratio2, 0.0, 1.0);
    }
    if kind == 2u {
        let cd = dot(light.direction_kind.xyz, -out.l);
        let t = clamp(cd * light.cone.x + light.cone.y, 0.0, 1.0);
        attenuation *= t * t;
    }
    out.illuminance = light.color_shadow.rgb * attenuation;
    return out;
}

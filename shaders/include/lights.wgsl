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

// Set per pipeline from the scene's lights when they are set (`LightKey` in
// src/render/lights.rs): how many lights the loops visit (at most MAX_LIGHTS), which of them is
// the key light the shadow map follows (-1: none), and whether its shadow is looked up (the
// shadow map is on). A loop bound or branch read from the uniform block would be a condition on
// uniforms only, which Mesa 22's lavapipe recompiles on every bind (docs/memory-growth.md); as
// constants the loops have fixed trip counts.
override LIGHT_COUNT: u32;
override KEY_LIGHT: i32;
override KEY_LIGHT_SHADOW: bool;

struct Lights {
    // x: number of lights in use (the shaders loop LIGHT_COUNT times instead).
    count: vec4u,
    items: array<PunctualLight, MAX_LIGHTS>,
};

// Direction towards the light (l) and illuminance on a surface facing it (lux), before the
// cosine term, for a light seen from `position`.
struct Incident {
    l: vec3f,
    illuminance: vec3f,
};

// Branch-free: the light's kind and range are uniform values, so every term is computed and
// the kind's one selected (a few multiplies) rather than branched on (see LIGHT_COUNT).
fn incident_light(light: PunctualLight, position: vec3f) -> Incident {
    var out: Incident;
    let kind = u32(light.direction_kind.w);
    let to_light = light.position_range.xyz - position;
    let distance2 = max(dot(to_light, to_light), 1e-8);
    let l = to_light * inverseSqrt(distance2);
    var attenuation = 1.0 / distance2;
    // Range window (range 0 = infinite: no window).
    let range = light.position_range.w;
    let ratio2 = distance2 / max(range * range, 1e-30);
    attenuation *= select(1.0, clamp(1.0 - ratio2 * ratio2, 0.0, 1.0), range > 0.0);
    // Spot cone.
    let cd = dot(light.direction_kind.xyz, -l);
    let t = clamp(cd * light.cone.x + light.cone.y, 0.0, 1.0);
    attenuation *= select(1.0, t * t, kind == 2u);
    let directional = kind == 0u;
    out.l = select(l, -light.direction_kind.xyz, directional);
    out.illuminance = select(light.color_shadow.rgb * attenuation, light.color_shadow.rgb, directional);
    return out;
}

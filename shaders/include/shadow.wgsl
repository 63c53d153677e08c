//! Directional shadow lookup: `directional_shadow(world_position, world_normal)`, 1 = fully lit,
//! 0 = fully shadowed. Declares its own bind group 2 (fragment stage), filled by
//! `ShadowPass::bind_group` in src/render/shadows.rs, whose `ShadowUniforms` mirrors the block
//! below; the two must change together.
//!
//! Reads: the key light's shadow map (Depth32Float, standard depth: 0 at the light's near plane,
//! 1 at its far plane, written with `Less`) through a `LessEqual` comparison sampler.
//!
//! Filtering: percentage-closer filtering (Reeves, Salesin, Cook, "Rendering Antialiased
//! Shadows with Depth Maps", SIGGRAPH 1987) as SHADOW_TAPS x SHADOW_TAPS bilinear comparison
//! taps (4x4 at the high tier) on a grid that spans +-pcf_radius texels, so the 0.5 contour sits
//! on the geometric shadow edge.
//! Only `textureSampleCompareLevel` is used: the lighting pass calls this inside a loop over
//! lights, which is non-uniform control flow.
//!
//! Bias: the receiver is moved along its normal (normal offset: Holbert, "Saying Goodbye to
//! Shadow Acne", GDC 2011 poster) by F * sin(theta) texels,
//! theta the angle between normal and light. On a plane that lifts the lookup F * tan(theta)
//! texels above the surface along the light, which is exactly the depth change of the plane
//! over F texels of the map: a slope-scaled bias with no tan() blow-up at grazing angles.
//! F = sqrt(2) * (pcf_radius + 1) + normal_bias covers the farthest texel any tap compares
//! against, so a flat receiver never shadows itself. A constant depth bias of `depth_bias`
//! texels (measured along the light) absorbs curvature and normal-mapped normals. Both move
//! the lookup up and away from the surface, never sideways along the ground, so a shadow
//! stays attached where an object touches the floor (details in src/render/shadows.rs).
#include "include/common.wgsl"

struct ShadowUniforms {
    // World to the light's clip space: xy in [-1, 1] across the map, z in [0, 1].
    light_view_proj: mat4x4f,
    // xyz: unit vector towards the light; w: 1 when the map holds a shadow, 0 when off.
    to_light: vec4f,
    // x: texel size in metres, y: texel size in uv (1 / map size), z: PCF radius in texels,
    // w: depth units per metre along the light (1 / (far - near)).
    params: vec4f,
    // x: normal offset F in texels (filter footprint + normal_bias), y: constant depth bias in
    // texels; zw unused.
    bias: vec4f,
};

// Filter taps per axis, by the shadow tier (src/post/shadow_tier.rs): 2 low, 3 medium, 4 high,
// 5 ultra. The lighting pass sets it; the forward pass and the shadow catcher keep high's 4.
override SHADOW_TAPS: u32 = 4u;

// 0: the SHADOW_TAPS x SHADOW_TAPS taps as they are. Otherwise the same weighted sum taken as
// SHADOW_PAIRS x SHADOW_PAIRS bilinear taps: per axis, the grid's taps weigh at most
// 2 * SHADOW_PAIRS consecutive texels, and one bilinear tap placed between two texels in
// proportion to their weights takes both at once (the filter's texel weights, Castano's
// "Shadow Mapping Summary" construction for PCF kernels). The mask picks it where it is fewer
// taps (src/render/shadow_mask.rs, `paired_taps`): 9 instead of the high tier's 16 and the
// ultra tier's 25 at the default pcf_radius.
override SHADOW_PAIRS: u32 = 0u;
// The most pairs per axis: pcf_radius <= 3 touches at most 8 texels. `paired_taps` in
// src/render/shadow_mask.rs never asks for more; change both.
const MAX_SHADOW_PAIRS: u32 = 4u;

@group(2) @binding(0) var<uniform> shadow_uniforms: ShadowUniforms;
@group(2) @binding(1) var shadow_map: texture_depth_2d;
@group(2) @binding(2) var shadow_sampler: sampler_comparison;

// Fraction of the key light reaching `world_position` (1 = fully lit, 0 = fully shadowed).
// `world_normal` need not be normalised; a zero normal gets no normal offset. Points outside
// the map's sides, and every point while the shadow is off, are lit.
fn directional_shadow(world_position: vec3f, world_normal: vec3f) -> f32 {
    let u = shadow_uniforms;
    let length2 = dot(world_normal, world_normal);
    let n = select(vec3f(0.0), world_normal * inverseSqrt(length2), length2 > 1e-12);
    let cos_theta = clamp(dot(n, u.to_light.xyz), -1.0, 1.0);
    let sin_theta = sqrt(1.0 - cos_theta * cos_theta);
    let texel = u.params.x;
    let lifted = world_position + n * (u.bias.x * texel * sin_theta);
    // Orthographic: w is 1, no divide needed.
    let clip = u.light_view_proj * vec4f(lifted, 1.0);
    let uv = ndc_to_uv(clip.xy);
    // A receiver beyond the far plane (the shadow catcher's ground, outside the fitted bounds)
    // is behind every caster: compared at the far plane, it is shadowed wherever a caster was
    // drawn and lit where the map kept its cleared 1.
    let reference = min(clip.z - u.bias.y * texel * u.params.w, 1.0);
    if any(uv < vec2f(0.0)) || any(uv > vec2f(1.0)) {
        return 1.0;
    }
    // The taps' spacing in texels: SHADOW_TAPS per axis evenly over +-pcf_radius.
    let spacing = u.params.z * (2.0 / f32(SHADOW_TAPS - 1u));
    var lit = 0.0;
    if SHADOW_PAIRS == 0u {
        // SHADOW_TAPS x SHADOW_TAPS taps, one by one.
        let centre = 0.5 * f32(SHADOW_TAPS - 1u);
        for (var j = 0u; j < SHADOW_TAPS; j++) {
            for (var i = 0u; i < SHADOW_TAPS; i++) {
                let offset = (vec2f(f32(i), f32(j)) - centre) * spacing * u.params.y;
                lit += textureSampleCompareLevel(shadow_map, shadow_sampler, uv + offset, reference);
            }
        }
    } else {
        // The same sum as SHADOW_PAIRS x SHADOW_PAIRS taps, each on two texels per axis.
        // In texels (centres at i + 0.5): the first tap at `first`, the first texel it
        // touches `texel0`, whose centre lies `d` in (-1, 0] from that tap.
        let first = uv / u.params.y - u.params.z;
        let texel0 = floor(first - 0.5);
        let d = texel0 + 0.5 - first;
        var across: array<vec2f, MAX_SHADOW_PAIRS>;
        for (var i = 0u; i < SHADOW_PAIRS; i++) {
            across[i] = texel_pair(i, d.x, spacing);
        }
        for (var j = 0u; j < SHADOW_PAIRS; j++) {
            let down = texel_pair(j, d.y, spacing);
            let y = (texel0.y + f32(2u * j) + 0.5 + down.x) * u.params.y;
            for (var i = 0u; i < SHADOW_PAIRS; i++) {
                let x = (texel0.x + f32(2u * i) + 0.5 + across[i].x) * u.params.y;
                let weight = across[i].y * down.y;
                lit += weight
                    * textureSampleCompareLevel(shadow_map, shadow_sampler, vec2f(x, y), reference);
            }
        }
    }
    // Off (disabled, or no bounds to fit): lit. Selected rather than branched on: a branch on a
    // uniform alone is recompiled on every bind by Mesa 22's lavapipe (docs/memory-growth.md).
    // Passes whose shadow is off in the settings do not call this (`KEY_LIGHT_SHADOW`).
    return select(lit / f32(SHADOW_TAPS * SHADOW_TAPS), 1.0, u.to_light.w < 0.5);
}

// The grid's weights on texels texel0 + 2 * pair and texel0 + 2 * pair + 1 along one axis, as
// the bilinear tap that takes both: x its position past the first texel's centre (in texels,
// 0..1), y the two weights' sum. `d` is texel0's centre relative to the first tap, `spacing`
// the taps' spacing, both in texels; each tap weighs a texel by the tent 1 - |distance|.
fn texel_pair(pair: u32, d: f32, spacing: f32) -> vec2f {
    let first = f32(2u * pair) + d;
    var weights = vec2f(0.0);
    for (var k = 0u; k < SHADOW_TAPS; k++) {
        let distance = first - f32(k) * spacing;
        weights += max(vec2f(0.0), 1.0 - abs(vec2f(distance, distance + 1.0)));
    }
    let sum = weights.x + weights.y;
    return vec2f(select(0.0, weights.y / sum, sum > 0.0), sum);
}

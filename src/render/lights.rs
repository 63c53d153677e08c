//! Punctual lights for the GPU (`Lights` in `shaders/include/lights.wgsl`): up to
//! [`MAX_LIGHTS`] KHR_lights_punctual lights in one uniform block (uniform rather than storage
//! so it works on GLES and WebGL-class devices). The first directional light casts the shadow;
//! a scene with no lights gets [`default_sun`]. The shaders loop over a count and find the
//! shadow's light by index set per pipeline ([`LightKey`]), not read from the block, so no
//! branch depends on uniforms alone (docs/memory-growth.md).

use glam::{Mat4, Vec3};

use crate::scene::{Light, LightKind, Scene};

/// Lights beyond this many are dropped with a warning (the nearest-first choice is the
/// lighting issue's follow-up; glTF scenes rarely have more).
pub const MAX_LIGHTS: usize = 32;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct PunctualLightGpu {
    position_range: [f32; 4],
    direction_kind: [f32; 4],
    color_shadow: [f32; 4],
    cone: [f32; 4],
}

/// GPU layout of `Lights`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct LightsUniforms {
    count: [u32; 4],
    items: [PunctualLightGpu; MAX_LIGHTS],
}

/// The key light used when a scene has none: a 3 lux sun from above, front left (EV100 ~0.3
/// under auto exposure, balanced with the default studio environment).
pub fn default_sun() -> Light {
    let direction = Vec3::new(0.4, -1.0, -0.5).normalize();
    Light {
        name: "default sun".into(),
        kind: LightKind::Directional,
        color: Vec3::ONE,
        intensity: 3.0,
        range: None,
        transform: Mat4::look_to_rh(Vec3::ZERO, direction, Vec3::Y).inverse(),
    }
}

/// The scene's lights, or the default sun when it has none.
pub fn scene_lights(scene: &Scene) -> Vec<Light> {
    if scene.lights.is_empty() { vec![default_sun()] } else { scene.lights.clone() }
}

/// Whether a light can be drawn: finite colour, intensity and placement.
fn usable(light: &Light) -> bool {
    let usable = (light.color * light.intensity).is_finite() && light.transform.is_finite();
    if !usable {
        log::warn!("light {:?} has non-finite values; skipped", light.name);
    }
    usable
}

/// The light whose direction the shadow map follows: the first usable directional light
/// among the first [`MAX_LIGHTS`].
pub fn shadow_light(lights: &[Light]) -> Option<&Light> {
    lights.iter().take(MAX_LIGHTS).find(|l| l.kind == LightKind::Directional && usable(l))
}

/// What the shaders' light loops are specialised on (`LIGHT_COUNT`, `KEY_LIGHT` and
/// `KEY_LIGHT_SHADOW` in `shaders/include/lights.wgsl`): the number of lights packed, which of
/// them is the key light the shadow map follows, and whether its shadow is looked up. Pipelines
/// reading the lights are built per key when the lights are set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct LightKey {
    /// Lights in the uniform block, at most [`MAX_LIGHTS`].
    pub count: u32,
    /// The index of the key light ([`shadow_light`]), if any.
    pub key_light: Option<u32>,
    /// Whether its shadow is looked up (the shadow map is on).
    pub shadow: bool,
}

impl LightKey {
    /// The WGSL override constants.
    pub(crate) fn constants(self) -> crate::draw::specialise::Constants {
        vec![
            ("LIGHT_COUNT", f64::from(self.count)),
            ("KEY_LIGHT", self.key_light.map_or(-1.0, f64::from)),
            ("KEY_LIGHT_SHADOW", if self.shadow && self.key_light.is_some() { 1.0 } else { 0.0 }),
        ]
    }
}

impl LightsUniforms {
    /// The key of the pipelines that draw these lights, `shadow` whether the shadow map is on.
    pub(crate) fn key(&self, shadow: bool) -> LightKey {
        let count = self.count[0];
        let key_light = (0..count).find(|&i| self.items[i as usize].color_shadow[3] > 0.5);
        LightKey { count, key_light, shadow: shadow && key_light.is_some() }
    }

    pub(crate) fn new(lights: &[Light]) -> Self {
        if lights.len() > MAX_LIGHTS {
            log::warn!("{} lights; only the first {MAX_LIGHTS} are drawn", lights.len());
        }
        let shadow_caster = shadow_light(lights);
        let mut items = [PunctualLightGpu::default(); MAX_LIGHTS];
        let mut count = 0;
        for light in lights.iter().take(MAX_LIGHTS).filter(|l| usable(l)) {
            let radiance = light.color * light.intensity;
            let (kind, cone) = match light.kind {
                LightKind::Directional => (0.0, [0.0; 4]),
                LightKind::Point => (1.0, [0.0; 4]),
                LightKind::Spot { inner_cone_angle, outer_cone_angle } => {
                    let (cos_inner, cos_outer) = (inner_cone_angle.cos(), outer_cone_angle.cos());
                    let scale = 1.0 / (cos_inner - cos_outer).max(1e-3);
                    (2.0, [scale, -cos_outer * scale, 0.0, 0.0])
                }
            };
            let range = light.range.filter(|r| r.is_finite() && *r > 0.0).unwrap_or(0.0);
            let shadow =
                if shadow_caster.is_some_and(|s| std::ptr::eq(s, light)) { 1.0 } else { 0.0 };
            items[count] = PunctualLightGpu {
                position_range: light.position().extend(range).to_array(),
                direction_kind: light.direction().extend(kind).to_array(),
                color_shadow: radiance.max(Vec3::ZERO).extend(shadow).to_array(),
                cone,
            };
            count += 1;
        }
        Self { count: [count as u32, 0, 0, 0], items }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sun_points_down_and_forward() {
        let sun = default_sun();
        assert!(sun.direction().y < -0.8, "{}", sun.direction());
        assert!((sun.direction() - Vec3::new(0.4, -1.0, -0.5).normalize()).length() < 1e-5);
    }

    #[test]
    fn lights_pack_with_shadow_on_the_first_directional() {
        let mut point = default_sun();
        point.kind = LightKind::Point;
        point.range = Some(5.0);
        let mut spot = default_sun();
        spot.kind = LightKind::Spot { inner_cone_angle: 0.2, outer_cone_angle: 0.5 };
        let mut bad = default_sun();
        bad.intensity = f32::NAN;
        let u = LightsUniforms::new(&[point, bad, default_sun(), spot]);
        assert_eq!(u.count[0], 3);
        assert_eq!(u.key(true), LightKey { count: 3, key_light: Some(1), shadow: true });
        assert_eq!(u.key(false), LightKey { count: 3, key_light: Some(1), shadow: false });
        assert_eq!(u.items[0].position_range[3], 5.0);
        assert_eq!((u.items[0].direction_kind[3], u.items[0].color_shadow[3]), (1.0, 0.0));
        assert_eq!((u.items[1].direction_kind[3], u.items[1].color_shadow[3]), (0.0, 1.0));
        let cone = u.items[2].cone;
        // At the outer angle the cone factor is 0, at the inner angle 1.
        assert!((0.5f32.cos() * cone[0] + cone[1]).abs() < 1e-5);
        assert!((0.2f32.cos() * cone[0] + cone[1] - 1.0).abs() < 1e-4);
    }

    #[test]
    fn too_many_lights_are_capped() {
        let lights = vec![default_sun(); MAX_LIGHTS + 5];
        assert_eq!(LightsUniforms::new(&lights).count[0] as usize, MAX_LIGHTS);
        let none = LightKey { count: 0, key_light: None, shadow: false };
        assert_eq!(LightsUniforms::new(&[]).key(true), none);
    }
}

//! Physical camera exposure. Radiance in the HDR target is pre-exposed: multiplied by
//! `1 / (1.2 * 2^EV100)` (the saturation-based sensitivity model of Lagarde & de Rousiers,
//! "Moving Frostbite to PBR", 2014), so glTF lights in lux and candela land near 1.

use crate::scene::{Light, LightKind};

/// Incident-light meter calibration constant (ISO 2720, flat receptor), in lux.
const INCIDENT_METER_CALIBRATION: f32 = 250.0;

/// How the exposure is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Exposure {
    /// Meter the light falling on an upward-facing surface as an incident-light meter would,
    /// EV100 = log2(E * 100 / 250), with E the first directional light's illuminance plus the
    /// environment's (pi times its mean radiance); EV100 0 when both are zero.
    #[default]
    Auto,
    /// Exposure value at ISO 100, in stops. Range -10..=20; 15 is a sunny day, 0 a dim room.
    Ev100(f32),
    /// A physical camera: f-number (1..=64), shutter time in seconds (> 0) and ISO (> 0).
    Camera {
        /// Aperture f-number.
        aperture: f32,
        /// Shutter time in seconds.
        shutter: f32,
        /// Sensor sensitivity.
        iso: f32,
    },
}

impl Exposure {
    /// EV100 for a scene lit by `lights` and an environment giving `environment_lux` on an
    /// upward-facing surface, clamped to -10..=20; non-finite inputs give 0.
    pub fn ev100(&self, lights: &[Light], environment_lux: f32) -> f32 {
        let ev = match *self {
            Exposure::Auto => {
                let sun = lights
                    .iter()
                    .find(|l| l.kind == LightKind::Directional)
                    .map_or(0.0, |l| l.intensity * l.color.max_element());
                let lux = sun.max(0.0) + environment_lux.max(0.0);
                if lux > 0.0 { (lux * 100.0 / INCIDENT_METER_CALIBRATION).log2() } else { 0.0 }
            }
            Exposure::Ev100(ev) => ev,
            Exposure::Camera { aperture, shutter, iso } => {
                (aperture * aperture / shutter * 100.0 / iso).log2()
            }
        };
        if ev.is_finite() { ev.clamp(-10.0, 20.0) } else { 0.0 }
    }
}

/// The multiplier applied to radiance for an exposure value at ISO 100.
pub fn pre_exposure(ev100: f32) -> f32 {
    1.0 / (1.2 * 2f32.powf(ev100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::{Mat4, Vec3};

    fn sun(lux: f32) -> Vec<Light> {
        vec![Light {
            name: "sun".into(),
            kind: LightKind::Directional,
            color: Vec3::ONE,
            intensity: lux,
            range: None,
            transform: Mat4::IDENTITY,
        }]
    }

    #[test]
    fn sunny_sixteen_meters_to_ev15() {
        // A 100 000 lux sun meters at EV100 ~15.3, the "sunny 16" exposure.
        let ev = Exposure::Auto.ev100(&sun(100_000.0), 0.0);
        assert!((ev - 15.29).abs() < 0.01, "{ev}");
    }

    #[test]
    fn environment_light_adds_to_the_sun() {
        // 2.5 lux meters EV100 0; twice the light, one stop more.
        assert!((Exposure::Auto.ev100(&[], 2.5)).abs() < 1e-6);
        assert!((Exposure::Auto.ev100(&sun(2.5), 2.5) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn camera_settings_give_the_textbook_ev() {
        // f/16, 1/125 s, ISO 100 is EV100 log2(256 * 125) = 14.97.
        let ev =
            Exposure::Camera { aperture: 16.0, shutter: 1.0 / 125.0, iso: 100.0 }.ev100(&[], 0.0);
        assert!((ev - 14.97).abs() < 0.01, "{ev}");
        assert_eq!(pre_exposure(0.0), 1.0 / 1.2);
    }

    #[test]
    fn no_light_and_bad_values_fall_back() {
        assert_eq!(Exposure::Auto.ev100(&[], 0.0), 0.0);
        assert_eq!(Exposure::Ev100(f32::NAN).ev100(&[], 0.0), 0.0);
        assert_eq!(Exposure::Ev100(99.0).ev100(&[], 0.0), 20.0);
        let zero_shutter = Exposure::Camera { aperture: 2.0, shutter: 0.0, iso: 100.0 };
        assert_eq!(zero_shutter.ev100(&[], 0.0), 0.0);
    }
}

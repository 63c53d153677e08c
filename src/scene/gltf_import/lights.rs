//! Lights: a node's KHR_lights_punctual light (directional, point or spot), its colour,
//! intensity, range and cone angles sanitised with warnings.

use std::f32::consts::{FRAC_PI_2, FRAC_PI_4};

use glam::{Mat4, Vec3};
use gltf::json;
use gltf::json::validation::Checked;

use crate::scene::{Light, LightKind};

use super::document::Doc;
use super::output::{Output, factor};

impl Doc<'_> {
    pub(super) fn light(&self, index: usize, node: &str, transform: Mat4, out: &mut Output) {
        use json::extensions::scene::khr_lights_punctual::Type as T;
        let Some(light) = self
            .root
            .extensions
            .as_ref()
            .and_then(|e| e.khr_lights_punctual.as_ref())
            .and_then(|l| l.lights.get(index))
        else {
            return;
        };
        let name = light.name.clone().unwrap_or_else(|| node.to_owned());
        let here = format!("light {index} ({name:?})");
        let kind = match light.type_ {
            Checked::Valid(T::Directional) => LightKind::Directional,
            Checked::Valid(T::Point) => LightKind::Point,
            Checked::Valid(T::Spot) => {
                let (inner, outer) = light
                    .spot
                    .as_ref()
                    .map_or((0.0, FRAC_PI_4), |s| (s.inner_cone_angle, s.outer_cone_angle));
                let outer = factor(
                    out,
                    &format!("{here} outerConeAngle"),
                    outer,
                    1e-4,
                    FRAC_PI_2,
                    FRAC_PI_4,
                );
                let inner = factor(out, &format!("{here} innerConeAngle"), inner, 0.0, outer, 0.0);
                LightKind::Spot { inner_cone_angle: inner, outer_cone_angle: outer }
            }
            Checked::Invalid => {
                out.warn(format!("{here}: unknown type; skipped"));
                return;
            }
        };
        let color = Vec3::from(light.color);
        let color = if color.is_finite() && color.min_element() >= 0.0 {
            color
        } else {
            out.warn(format!("{here}: colour {color} is invalid; white is used"));
            Vec3::ONE
        };
        let intensity =
            factor(out, &format!("{here} intensity"), light.intensity, 0.0, f32::INFINITY, 1.0);
        let range = match light.range {
            Some(r) if r.is_finite() && r > 0.0 => Some(r),
            Some(r) => {
                out.warn(format!("{here}: range {r} is invalid; infinite range is used"));
                None
            }
            None => None,
        };
        out.scene.lights.push(Light { name, kind, color, intensity, range, transform });
    }
}

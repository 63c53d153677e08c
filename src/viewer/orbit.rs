//! The viewer's camera: an orbit around a target point (yaw, pitch, distance) driven by the
//! mouse: left drag orbits, right or middle drag pans, the wheel zooms; `F` frames the scene.
//! Reads: mouse deltas in pixels. Writes: a [`Camera`] through [`Camera::orbit`], the same
//! convention `afterlight render --orbit` uses.

use glam::Vec3;

use crate::scene::{Aabb, Camera, CameraProjection};

/// Degrees of orbit per pixel of drag.
const DEGREES_PER_PIXEL: f32 = 0.3;
/// Fraction of the distance each wheel notch zooms.
const ZOOM_PER_NOTCH: f32 = 0.1;
/// Vertical field of view of the orbit camera when the scene's camera has none (as
/// [`Camera::frame_bounds`]).
const YFOV_DEGREES: f32 = 40.0;

/// An orbit camera: where it looks, from which angles and how far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Orbit {
    /// The point orbited and looked at.
    pub target: Vec3,
    /// Degrees around +Y from +Z towards +X.
    pub yaw: f32,
    /// Degrees above the horizon, `-89..=89`.
    pub pitch: f32,
    /// Distance from the target, scene units (> 0).
    pub distance: f32,
    /// Vertical field of view, radians.
    pub yfov: f32,
}

impl Orbit {
    /// Frames `bounds` from 30° yaw and 20° pitch at the given aspect (width / height), exactly
    /// as [`crate::scene::Scene::default_camera`] does for a scene without cameras.
    pub fn framing(bounds: &Aabb, aspect: f32) -> Self {
        Self::from_camera(&Camera::frame_bounds(bounds, 30.0, 20.0, aspect), bounds)
    }

    /// The orbit that reproduces `camera`, turning about the point of `bounds`' centre's
    /// depth along its view (a camera from a file keeps its position and direction).
    pub fn from_camera(camera: &Camera, bounds: &Aabb) -> Self {
        let forward = camera.forward.normalize_or(Vec3::NEG_Z);
        let distance = if bounds.is_empty() {
            3.0
        } else {
            (bounds.center() - camera.position).dot(forward).max(bounds.radius() * 0.05).max(1e-3)
        };
        let pitch = (-forward.y).clamp(-1.0, 1.0).asin().to_degrees();
        let yaw = (-forward.x).atan2(-forward.z).to_degrees();
        let yfov = match camera.projection {
            CameraProjection::Perspective { yfov, .. } => yfov,
            CameraProjection::Orthographic { .. } => YFOV_DEGREES.to_radians(),
        };
        Self { target: camera.position + forward * distance, yaw, pitch, distance, yfov }
    }

    /// The camera this orbit is seen through.
    pub fn camera(&self) -> Camera {
        Camera::orbit(self.target, self.yaw, self.pitch, self.distance, self.yfov)
    }

    /// Turn by a drag of `dx`, `dy` pixels (right and down positive).
    pub fn rotate(&mut self, dx: f32, dy: f32) {
        self.yaw = (self.yaw - dx * DEGREES_PER_PIXEL).rem_euclid(360.0);
        self.pitch = (self.pitch + dy * DEGREES_PER_PIXEL).clamp(-89.0, 89.0);
    }

    /// Move the target in the view plane by a drag of `dx`, `dy` pixels in a view
    /// `view_height` pixels tall, so the point under the cursor follows it.
    pub fn pan(&mut self, dx: f32, dy: f32, view_height: f32) {
        let camera = self.camera();
        let right = camera.forward.cross(Vec3::Y).normalize_or(Vec3::X);
        let up = right.cross(camera.forward);
        let units_per_pixel = 2.0 * self.distance * (self.yfov * 0.5).tan() / view_height.max(1.0);
        self.target += (-right * dx + up * dy) * units_per_pixel;
    }

    /// Zoom by `notches` wheel steps (positive: closer).
    pub fn zoom(&mut self, notches: f32) {
        let factor = (1.0 - ZOOM_PER_NOTCH).powf(notches);
        if factor.is_finite() {
            self.distance = (self.distance * factor).clamp(1e-3, 1e6);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Vec3, b: Vec3) -> bool {
        (a - b).length() < 1e-4 * (1.0 + a.length())
    }

    #[test]
    fn framing_matches_the_default_camera() {
        let bounds = Aabb { min: Vec3::new(-1.0, 0.0, -2.0), max: Vec3::new(3.0, 1.5, 1.0) };
        let expected = Camera::frame_bounds(&bounds, 30.0, 20.0, 1.5);
        let camera = Orbit::framing(&bounds, 1.5).camera();
        assert!(close(camera.position, expected.position), "{camera:?} vs {expected:?}");
        assert!(close(camera.forward, expected.forward));
        assert_eq!(camera.projection, expected.projection);
    }

    #[test]
    fn orbiting_keeps_the_target_and_distance() {
        let bounds = Aabb { min: Vec3::splat(-1.0), max: Vec3::splat(1.0) };
        let mut orbit = Orbit::framing(&bounds, 1.0);
        let before = orbit;
        orbit.rotate(100.0, -40.0);
        let camera = orbit.camera();
        assert!(close(camera.position + camera.forward * orbit.distance, before.target));
        assert!((orbit.yaw - (before.yaw - 30.0).rem_euclid(360.0)).abs() < 1e-3);
        orbit.rotate(0.0, 1e6);
        assert_eq!(orbit.pitch, 89.0);
    }

    #[test]
    fn panning_moves_the_target_across_the_view_and_zoom_scales_distance() {
        let mut orbit =
            Orbit { target: Vec3::ZERO, yaw: 0.0, pitch: 0.0, distance: 2.0, yfov: 0.7 };
        // Looking down -Z from +Z: a drag to the right moves the target to -X.
        orbit.pan(10.0, 0.0, 100.0);
        assert!(orbit.target.x < 0.0 && orbit.target.y.abs() < 1e-6, "{:?}", orbit.target);
        orbit.zoom(1.0);
        assert!((orbit.distance - 1.8).abs() < 1e-5);
        orbit.zoom(f32::INFINITY);
        assert!(orbit.distance >= 1e-3);
    }
}

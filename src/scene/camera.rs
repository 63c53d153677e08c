//! Cameras: glTF lenses, orbit and auto-framing, and the reverse-Z projections the renderer uses.
//!
//! Depth convention (docs/architecture.md, "Conventions"): reverse-Z with an infinite far plane for perspective cameras,
//! so depth = near / view_distance (1 at the near plane, 0 at infinity), and reverse-Z over
//! `[znear, zfar]` for orthographic ones. Clear depth is 0 and the depth test is `Greater`.

use glam::{Mat4, Vec3};

use super::Aabb;

/// A camera lens, as glTF describes one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CameraProjection {
    /// Pinhole camera.
    Perspective {
        /// Vertical field of view in radians (0..pi).
        yfov: f32,
        /// Near plane distance (> 0). The far plane is at infinity.
        znear: f32,
    },
    /// Parallel projection.
    Orthographic {
        /// Half the view height in world units; the half width follows the image aspect.
        ymag: f32,
        /// Near plane distance.
        znear: f32,
        /// Far plane distance (> znear).
        zfar: f32,
    },
}

/// A placed camera: where it is and its lens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    /// Camera position in world space.
    pub position: Vec3,
    /// Unit direction the camera looks along.
    pub forward: Vec3,
    /// Approximate up direction (need not be orthogonal to `forward`).
    pub up: Vec3,
    /// The lens.
    pub projection: CameraProjection,
}

impl Camera {
    /// A camera from a world-from-camera matrix (scale in the matrix is ignored).
    pub fn from_transform(world_from_camera: &Mat4, projection: CameraProjection) -> Self {
        let forward = (-world_from_camera.z_axis.truncate()).normalize_or(Vec3::NEG_Z);
        let up = world_from_camera.y_axis.truncate().normalize_or(Vec3::Y);
        Self { position: world_from_camera.w_axis.truncate(), forward, up, projection }
    }

    /// A perspective camera orbiting `target` at `distance`: yaw around +Y from +Z towards +X,
    /// pitch above the horizon, both in degrees.
    pub fn orbit(
        target: Vec3,
        yaw_degrees: f32,
        pitch_degrees: f32,
        distance: f32,
        yfov: f32,
    ) -> Self {
        let (yaw, pitch) =
            (yaw_degrees.to_radians(), pitch_degrees.clamp(-89.0, 89.0).to_radians());
        let offset = Vec3::new(yaw.sin() * pitch.cos(), pitch.sin(), yaw.cos() * pitch.cos());
        let distance = if distance.is_finite() && distance > 0.0 { distance } else { 1.0 };
        let znear = (distance * 0.01).max(1e-4);
        Self {
            position: target + offset * distance,
            forward: -offset,
            up: Vec3::Y,
            projection: CameraProjection::Perspective { yfov, znear },
        }
    }

    /// A perspective camera at the given orbit angles, as close as it can be with all eight
    /// corners of `bounds` inside a frame of the given aspect (width / height), with a small
    /// margin.
    pub fn frame_bounds(bounds: &Aabb, yaw_degrees: f32, pitch_degrees: f32, aspect: f32) -> Self {
        let yfov = 40f32.to_radians();
        if bounds.is_empty() || !bounds.radius().is_finite() {
            return Self::orbit(Vec3::ZERO, yaw_degrees, pitch_degrees, 3.0, yfov);
        }
        let center = bounds.center();
        let aspect = if aspect.is_finite() { aspect.clamp(1e-3, 1e3) } else { 1.0 };
        let probe = Self::orbit(center, yaw_degrees, pitch_degrees, 1.0, yfov);
        let forward = probe.forward;
        let right = forward.cross(Vec3::Y).normalize_or(Vec3::X);
        let up = right.cross(forward);
        // Leave 5% of the frame free on each side.
        let tan_y = (yfov * 0.5).tan() * 0.9;
        let tan_x = tan_y * aspect;
        let mut distance = 1e-3f32;
        for i in 0..8 {
            let corner = Vec3::new(
                if i & 1 == 0 { bounds.min.x } else { bounds.max.x },
                if i & 2 == 0 { bounds.min.y } else { bounds.max.y },
                if i & 4 == 0 { bounds.min.z } else { bounds.max.z },
            ) - center;
            // The corner's depth towards the camera shortens the distance it needs.
            let towards_camera = -corner.dot(forward);
            let needed_x = corner.dot(right).abs() / tan_x + towards_camera;
            let needed_y = corner.dot(up).abs() / tan_y + towards_camera;
            distance = distance.max(needed_x).max(needed_y);
        }
        Self::orbit(center, yaw_degrees, pitch_degrees, distance.max(bounds.radius() * 0.05), yfov)
    }

    /// View-from-world matrix.
    pub fn view(&self) -> Mat4 {
        let up = if self.forward.cross(self.up).length_squared() < 1e-8 {
            if self.forward.y.abs() > 0.9 { Vec3::Z } else { Vec3::Y }
        } else {
            self.up
        };
        Mat4::look_to_rh(self.position, self.forward, up)
    }

    /// Clip-from-view matrix for an image of the given aspect (width / height), reverse-Z.
    pub fn projection_matrix(&self, aspect: f32) -> Mat4 {
        let aspect = if aspect.is_finite() && aspect > 0.0 { aspect } else { 1.0 };
        match self.projection {
            CameraProjection::Perspective { yfov, znear } => Mat4::perspective_infinite_reverse_rh(
                yfov.clamp(1e-3, 3.1),
                aspect,
                znear.max(1e-6),
            ),
            CameraProjection::Orthographic { ymag, znear, zfar } => {
                let xmag = ymag * aspect;
                Mat4::orthographic_rh(-xmag, xmag, -ymag, ymag, zfar, znear)
            }
        }
    }

    /// Distance along the view axis for a reverse-Z depth-buffer value.
    pub fn linearize_depth(&self, depth: f32) -> f32 {
        match self.projection {
            CameraProjection::Perspective { znear, .. } => {
                if depth <= 0.0 {
                    f32::INFINITY
                } else {
                    znear / depth
                }
            }
            CameraProjection::Orthographic { znear, zfar, .. } => zfar + depth * (znear - zfar),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perspective_depth_is_near_over_distance() {
        let cam = Camera::orbit(Vec3::ZERO, 0.0, 0.0, 5.0, 1.0);
        let CameraProjection::Perspective { znear, .. } = cam.projection else { unreachable!() };
        let clip = cam.projection_matrix(1.5) * cam.view() * Vec3::new(0.0, 0.0, 2.0).extend(1.0);
        let depth = clip.z / clip.w;
        assert!((depth - znear / 3.0).abs() < 1e-6, "depth {depth}");
        assert!((cam.linearize_depth(depth) - 3.0).abs() < 1e-4);
    }

    #[test]
    fn orthographic_depth_is_reversed_and_linear() {
        let cam = Camera {
            position: Vec3::ZERO,
            forward: Vec3::NEG_Z,
            up: Vec3::Y,
            projection: CameraProjection::Orthographic { ymag: 2.0, znear: 1.0, zfar: 11.0 },
        };
        let m = cam.projection_matrix(1.0) * cam.view();
        for (dist, expected) in [(1.0, 1.0), (11.0, 0.0), (6.0, 0.5)] {
            let d = m.project_point3(Vec3::new(0.0, 0.0, -dist)).z;
            assert!((d - expected).abs() < 1e-6, "{dist}: {d}");
            assert!((cam.linearize_depth(d) - dist).abs() < 1e-5);
        }
    }

    #[test]
    fn framing_keeps_bounds_in_view() {
        let mut b = Aabb::empty();
        b.extend(Vec3::new(-1.0, 0.0, -3.0));
        b.extend(Vec3::new(4.0, 2.0, 1.0));
        for aspect in [0.5, 1.0, 2.0] {
            let cam = Camera::frame_bounds(&b, 30.0, 20.0, aspect);
            let m = cam.projection_matrix(aspect) * cam.view();
            for i in 0..8 {
                let c = Vec3::new(
                    if i & 1 == 0 { b.min.x } else { b.max.x },
                    if i & 2 == 0 { b.min.y } else { b.max.y },
                    if i & 4 == 0 { b.min.z } else { b.max.z },
                );
                let p = m.project_point3(c);
                assert!(p.x.abs() <= 1.0 && p.y.abs() <= 1.0 && p.z > 0.0, "{aspect}: {p}");
            }
        }
    }
}

//! The per-view uniform block shared by every pass (`Camera` in `shaders/include/common.wgsl`).

use glam::{Mat4, Vec2, Vec3};

use crate::scene::{Camera, CameraProjection};

/// GPU layout of `Camera` in `common.wgsl` (std140-compatible: matrices and vec4s only).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct CameraUniforms {
    view_proj: [[f32; 4]; 4],
    inv_view_proj: [[f32; 4]; 4],
    prev_view_proj: [[f32; 4]; 4],
    unjittered_view_proj: [[f32; 4]; 4],
    view: [[f32; 4]; 4],
    position: [f32; 4],
    viewport: [f32; 4],
    exposure: [f32; 4],
    jitter: [f32; 4],
}

impl CameraUniforms {
    /// Uniforms for `camera` on a `width` x `height` target, rasterised `jitter` pixels off the
    /// pixel centres (TAA's sub-pixel offset, x right and y down, zero without TAA);
    /// `prev_view_proj` is last frame's unjittered view-projection.
    pub(crate) fn new(
        camera: &Camera,
        (width, height): (u32, u32),
        jitter: Vec2,
        prev_view_proj: Mat4,
        exposure: f32,
    ) -> Self {
        let unjittered = view_projection(camera, width, height);
        Self::with_view_projection(
            camera,
            unjittered,
            (width, height),
            jitter,
            prev_view_proj,
            exposure,
        )
    }

    /// As [`CameraUniforms::new`] with the unjittered view-projection given (the display's
    /// aspect, when the target is that display scaled and rounded).
    pub(crate) fn with_view_projection(
        camera: &Camera,
        unjittered: Mat4,
        (width, height): (u32, u32),
        jitter: Vec2,
        prev_view_proj: Mat4,
        exposure: f32,
    ) -> Self {
        let view_proj = jittered(unjittered, jitter, width, height);
        let (w, h) = (width as f32, height as f32);
        Self {
            view_proj: view_proj.to_cols_array_2d(),
            inv_view_proj: view_proj.inverse().to_cols_array_2d(),
            prev_view_proj: prev_view_proj.to_cols_array_2d(),
            unjittered_view_proj: unjittered.to_cols_array_2d(),
            view: camera.view().to_cols_array_2d(),
            // w = 0 tells shaders the view direction is constant (orthographic).
            position: camera
                .position
                .extend(match camera.projection {
                    CameraProjection::Perspective { .. } => 1.0,
                    CameraProjection::Orthographic { .. } => 0.0,
                })
                .to_array(),
            viewport: [w, h, 1.0 / w, 1.0 / h],
            exposure: [exposure, 0.0, 0.0, 0.0],
            jitter: [jitter.x, jitter.y, jitter.x / w, jitter.y / h],
        }
    }
}

/// Clip-from-world for `camera` on a `width` x `height` target.
pub fn view_projection(camera: &Camera, width: u32, height: u32) -> Mat4 {
    camera.projection_matrix(width as f32 / height as f32) * camera.view()
}

/// `view_proj` moved by `jitter` pixels (x right, y down) on a `width` x `height` target: a
/// clip-space translation scaled by w, so it shifts perspective and orthographic projections
/// alike by the same sub-pixel amount everywhere.
pub fn jittered(view_proj: Mat4, jitter: Vec2, width: u32, height: u32) -> Mat4 {
    let ndc = Vec3::new(2.0 * jitter.x / width as f32, -2.0 * jitter.y / height as f32, 0.0);
    Mat4::from_translation(ndc) * view_proj
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::Vec4;

    #[test]
    fn jitter_moves_every_point_by_the_same_pixels() {
        let camera = Camera::orbit(Vec3::ZERO, 30.0, 10.0, 4.0, 0.9);
        let (w, h) = (64, 32);
        let vp = view_projection(&camera, w, h);
        let moved = jittered(vp, Vec2::new(0.25, -0.5), w, h);
        for p in [Vec3::ZERO, Vec3::new(1.0, 0.5, -0.7), Vec3::new(-2.0, 1.0, 1.5)] {
            let to_pixels = |m: Mat4| {
                let c: Vec4 = m * p.extend(1.0);
                let ndc = c.truncate().truncate() / c.w;
                Vec2::new((ndc.x * 0.5 + 0.5) * w as f32, (0.5 - ndc.y * 0.5) * h as f32)
            };
            let d = to_pixels(moved) - to_pixels(vp);
            assert!((d - Vec2::new(0.25, -0.5)).length() < 1e-3, "{p}: moved {d}");
        }
    }
}

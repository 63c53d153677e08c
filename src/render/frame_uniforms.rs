//! The per-view uniform block shared by every pass (`Camera` in `shaders/include/common.wgsl`).

use glam::Mat4;

use crate::scene::{Camera, CameraProjection};

/// GPU layout of `Camera` in `common.wgsl` (std140-compatible: matrices and vec4s only).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct CameraUniforms {
    view_proj: [[f32; 4]; 4],
    inv_view_proj: [[f32; 4]; 4],
    prev_view_proj: [[f32; 4]; 4],
    view: [[f32; 4]; 4],
    position: [f32; 4],
    viewport: [f32; 4],
    exposure: [f32; 4],
}

impl CameraUniforms {
    /// Uniforms for `camera` on a `width` x `height` target; `prev_view_proj` is last frame's.
    pub(crate) fn new(
        camera: &Camera,
        width: u32,
        height: u32,
        prev_view_proj: Mat4,
        exposure: f32,
    ) -> Self {
        let view_proj = view_projection(camera, width, height);
        let (w, h) = (width as f32, height as f32);
        Self {
            view_proj: view_proj.to_cols_array_2d(),
            inv_view_proj: view_proj.inverse().to_cols_array_2d(),
            prev_view_proj: prev_view_proj.to_cols_array_2d(),
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
        }
    }
}

/// Clip-from-world for `camera` on a `width` x `height` target.
pub fn view_projection(camera: &Camera, width: u32, height: u32) -> Mat4 {
    camera.projection_matrix(width as f32 / height as f32) * camera.view()
}

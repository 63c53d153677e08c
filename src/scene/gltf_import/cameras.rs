//! Cameras: a node's perspective or orthographic camera, kept when its lens values are in
//! range and skipped with a warning when not.

use std::f32::consts::PI;

use glam::Mat4;
use gltf::json;
use gltf::json::validation::Checked;

use crate::scene::{CameraProjection, SceneCamera};

use super::document::Doc;
use super::output::Output;

impl Doc<'_> {
    pub(super) fn camera(&self, index: usize, node: &str, transform: Mat4, out: &mut Output) {
        use json::camera::Type as T;
        let Some(camera) = self.root.cameras.get(index) else { return };
        let name = camera.name.clone().unwrap_or_else(|| node.to_owned());
        let projection = match (&camera.type_, &camera.perspective, &camera.orthographic) {
            (Checked::Valid(T::Perspective), Some(p), _)
                if p.yfov.is_finite()
                    && p.yfov > 0.0
                    && p.yfov < PI
                    && p.znear.is_finite()
                    && p.znear > 0.0 =>
            {
                Some(CameraProjection::Perspective { yfov: p.yfov, znear: p.znear })
            }
            (Checked::Valid(T::Orthographic), _, Some(o))
                if o.ymag.is_finite()
                    && o.ymag != 0.0
                    && o.znear.is_finite()
                    && o.znear >= 0.0
                    && o.zfar.is_finite()
                    && o.zfar > o.znear =>
            {
                Some(CameraProjection::Orthographic {
                    ymag: o.ymag.abs(),
                    znear: o.znear,
                    zfar: o.zfar,
                })
            }
            _ => None,
        };
        match projection {
            Some(projection) => out.scene.cameras.push(SceneCamera { name, projection, transform }),
            None => out.warn(format!(
                "camera {index} ({name:?}): missing or out-of-range lens values; skipped"
            )),
        }
    }
}

//! The walk of the scene's node trees: each node's global transform, and the mesh instance,
//! camera and light it carries.

use glam::{Mat4, Quat, Vec3};
use gltf::json;

use crate::scene::Instance;

use super::document::Doc;
use super::output::Output;
use super::validate::node_label;

impl Doc<'_> {
    /// Walks the scene's node trees with an explicit stack, placing meshes, cameras and lights.
    pub(super) fn traverse(&self, parents: &[Option<usize>], out: &mut Output) {
        let scene = self.root.scene.map(|s| s.value());
        let scene = scene.or(if self.root.scenes.is_empty() { None } else { Some(0) });
        let roots: Vec<usize> = match scene {
            Some(s) => self
                .root
                .scenes
                .get(s)
                .map(|s| s.nodes.iter().map(|n| n.value()).collect())
                .unwrap_or_default(),
            // No scenes at all: everything that is not somebody's child.
            None => (0..parents.len()).filter(|&n| parents.get(n) == Some(&None)).collect(),
        };
        let mut visited = vec![false; self.root.nodes.len()];
        let mut stack: Vec<(usize, Mat4)> =
            roots.iter().rev().map(|&n| (n, Mat4::IDENTITY)).collect();
        while let Some((n, parent)) = stack.pop() {
            let (Some(node), Some(seen)) = (self.root.nodes.get(n), visited.get_mut(n)) else {
                continue;
            };
            if *seen {
                let label = node_label(&self.root, n);
                out.warn(format!("{label} is listed more than once in the scene; drawn once"));
                continue;
            }
            *seen = true;
            let name = node.name.clone().unwrap_or_else(|| format!("node {n}"));
            let mut global = parent * local_transform(node);
            if !global.is_finite() {
                let label = node_label(&self.root, n);
                out.warn(format!("{label}: transform is not finite; its parent's is used"));
                global = parent;
            }
            if let Some(mesh) = node.mesh {
                out.scene.instances.push(Instance {
                    mesh: mesh.value(),
                    transform: global,
                    node: name.clone(),
                });
            }
            if let Some(camera) = node.camera {
                self.camera(camera.value(), &name, global, out);
            }
            if let Some(light) =
                node.extensions.as_ref().and_then(|e| e.khr_lights_punctual.as_ref())
            {
                self.light(light.light.value(), &name, global, out);
            }
            for child in node.children.iter().flatten().rev() {
                stack.push((child.value(), global));
            }
        }
    }
}

fn local_transform(node: &json::Node) -> Mat4 {
    if let Some(m) = node.matrix {
        return Mat4::from_cols_array(&m);
    }
    let rotation = node.rotation.as_ref().map_or(Quat::IDENTITY, |q| Quat::from_array(q.0));
    // Exporters write slightly denormalised quaternions; a zero one means no rotation at all.
    let rotation = if rotation.is_finite() && rotation.length_squared() > 1e-12 {
        rotation.normalize()
    } else {
        Quat::IDENTITY
    };
    Mat4::from_scale_rotation_translation(
        Vec3::from(node.scale.unwrap_or([1.0; 3])),
        rotation,
        Vec3::from(node.translation.unwrap_or([0.0; 3])),
    )
}

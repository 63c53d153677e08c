//! MikkTSpace tangent generation for primitives that use a normal map but have no TANGENT.
//!
//! glTF asks for MikkTSpace computed from the positions, normals and the texture coordinates the
//! normal map is sampled with, which is what baking tools assume (with v pointing up, as they
//! have it, not down as glTF stores it). The input is an unwelded triangle list (three
//! consecutive vertices per triangle) so every corner can receive its own tangent; the importer
//! welds identical vertices again afterwards.

use bevy_mikktspace::{Geometry, TangentSpace, generate_tangents};
use glam::{Vec3, Vec4};

use super::{UvTransform, Vertex};

/// Inputs are clamped to this magnitude: MikkTSpace sorts on float keys, and values whose
/// squares overflow would turn into NaN inside it.
const LIMIT: f32 = 1.0e15;

/// An unwelded triangle list seen through the MikkTSpace interface.
struct Triangles<'a> {
    vertices: &'a mut [Vertex],
    uv_set: u32,
    uv_transform: UvTransform,
}

impl Triangles<'_> {
    fn vertex(&self, face: usize, vert: usize) -> Vertex {
        face.checked_mul(3)
            .and_then(|i| i.checked_add(vert))
            .and_then(|i| self.vertices.get(i))
            .copied()
            .unwrap_or_default()
    }
}

/// Non-finite values become 0 and huge ones are clamped, so MikkTSpace only sees sane floats.
fn sane<const N: usize>(v: [f32; N]) -> [f32; N] {
    v.map(|x| if x.is_finite() { x.clamp(-LIMIT, LIMIT) } else { 0.0 })
}

impl Geometry for Triangles<'_> {
    fn num_faces(&self) -> usize {
        self.vertices.len() / 3
    }

    fn num_vertices_of_face(&self, _face: usize) -> usize {
        3
    }

    fn position(&self, face: usize, vert: usize) -> [f32; 3] {
        sane(self.vertex(face, vert).position)
    }

    fn normal(&self, face: usize, vert: usize) -> [f32; 3] {
        sane(self.vertex(face, vert).normal)
    }

    fn tex_coord(&self, face: usize, vert: usize) -> [f32; 2] {
        let v = self.vertex(face, vert);
        let uv = if self.uv_set == 1 { v.uv1 } else { v.uv0 };
        // The tangent frame must follow the uv space the normal map is actually sampled in.
        let uv = self.uv_transform.matrix() * glam::Vec2::from(uv).extend(1.0);
        // MikkTSpace, like the tools that bake normal maps, expects v to grow upwards; glTF's v
        // grows downwards. Without the flip every bitangent sign comes out inverted (checked
        // against the tangents NormalTangentMirrorTest.glb supplies).
        sane([uv.x, 1.0 - uv.y])
    }

    fn set_tangent(&mut self, tangent_space: Option<TangentSpace>, face: usize, vert: usize) {
        let Some(vertex) = face
            .checked_mul(3)
            .and_then(|i| i.checked_add(vert))
            .and_then(|i| self.vertices.get_mut(i))
        else {
            return;
        };
        let normal = Vec3::from(vertex.normal);
        vertex.tangent = match tangent_space {
            Some(space) => {
                let t = Vec4::from(space.tangent_encoded());
                orthonormal_tangent(t.truncate(), normal, t.w).to_array()
            }
            // A degenerate face with no usable neighbour: any frame is as good as another.
            None => orthonormal_tangent(Vec3::ZERO, normal, 1.0).to_array(),
        };
    }
}

/// Writes MikkTSpace tangents into an unwelded triangle list (`vertices.len()` a multiple of 3,
/// normals already unit length), using TEXCOORD `uv_set` as transformed by `uv_transform`.
pub(super) fn generate(vertices: &mut [Vertex], uv_set: u32, uv_transform: UvTransform) {
    let mut triangles = Triangles { vertices, uv_set, uv_transform };
    // The error type has no variants in bevy_mikktspace 1.0; should one appear, arbitrary
    // frames are better than failing the whole import.
    if generate_tangents(&mut triangles).is_err() {
        for v in triangles.vertices.iter_mut() {
            v.tangent = orthonormal_tangent(Vec3::ZERO, Vec3::from(v.normal), 1.0).to_array();
        }
    }
}

/// `t` made unit length and orthogonal to the unit normal `n` (any orthogonal unit vector when
/// `t` is degenerate), with the handedness sign of `w` (+1 unless clearly negative).
pub(super) fn orthonormal_tangent(t: Vec3, n: Vec3, w: f32) -> Vec4 {
    let n = n.normalize_or(Vec3::Z);
    let t = (t - n * n.dot(t)).normalize_or(n.any_orthonormal_vector());
    t.extend(if w < 0.0 { -1.0 } else { 1.0 })
}

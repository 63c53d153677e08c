//! Triangle geometry: triangle lists from triangles, strips and fans, face normals, normals
//! made unit, tangents where no normal map needs real ones, and the welding of identical
//! vertices.

use std::collections::HashMap;

use glam::Vec3;
use gltf::json::mesh::Mode;

use crate::scene::Vertex;
use crate::scene::tangents::orthonormal_tangent;

/// Triangle-list indices for a triangle, strip or fan primitive, in the vertex order the glTF
/// specification gives, which keeps front faces counter-clockwise.
pub(super) fn triangle_list(mode: Mode, indices: &[u32]) -> Vec<u32> {
    match mode {
        Mode::TriangleStrip => indices
            .windows(3)
            .enumerate()
            .flat_map(|(i, w)| if i % 2 == 0 { [w[0], w[1], w[2]] } else { [w[0], w[2], w[1]] })
            .collect(),
        Mode::TriangleFan => match indices.split_first() {
            Some((&first, rest)) => rest.windows(2).flat_map(|w| [w[0], w[1], first]).collect(),
            None => Vec::new(),
        },
        _ => indices.chunks_exact(3).flatten().copied().collect(),
    }
}

/// Area-weighted (unnormalised) normal of a counter-clockwise triangle.
pub(super) fn face_normal(a: &Vertex, b: &Vertex, c: &Vertex) -> Vec3 {
    let (a, b, c) = (Vec3::from(a.position), Vec3::from(b.position), Vec3::from(c.position));
    (b - a).cross(c - a)
}

/// Unit normals; zero or non-finite ones borrow the normal of the triangles around them.
pub(super) fn fix_normals(vertices: &mut [Vertex], triangles: &[u32]) {
    let unit = |v: &Vertex| Vec3::from(v.normal).try_normalize();
    if vertices.iter().all(|v| unit(v).is_some()) {
        for v in vertices.iter_mut() {
            v.normal = unit(v).unwrap_or(Vec3::Z).to_array();
        }
        return;
    }
    let mut around = vec![Vec3::ZERO; vertices.len()];
    for triangle in triangles.chunks_exact(3) {
        let corner = |k: usize| triangle.get(k).and_then(|&i| vertices.get(i as usize));
        if let (Some(a), Some(b), Some(c)) = (corner(0), corner(1), corner(2)) {
            let n = face_normal(a, b, c);
            for &i in triangle {
                if let Some(sum) = around.get_mut(i as usize) {
                    *sum += n;
                }
            }
        }
    }
    for (v, n) in vertices.iter_mut().zip(around) {
        v.normal = unit(v).unwrap_or_else(|| n.normalize_or(Vec3::Z)).to_array();
    }
}

/// Without a normal map the tangent frame is never used for shading, but it must still be a
/// valid unit vector orthogonal to the normal.
pub(super) fn arbitrary_tangents(vertices: &mut [Vertex]) {
    for v in vertices {
        v.tangent = orthonormal_tangent(Vec3::ZERO, Vec3::from(v.normal), 1.0).to_array();
    }
}

/// Merges bit-identical vertices of an unwelded triangle list back into an indexed one.
pub(super) fn weld(corners: Vec<Vertex>) -> (Vec<Vertex>, Vec<u32>) {
    let mut first: HashMap<[u32; 18], u32> = HashMap::with_capacity(corners.len());
    let mut vertices = Vec::new();
    let mut indices = Vec::with_capacity(corners.len());
    for v in corners {
        let next = vertices.len() as u32;
        let index = *first.entry(bytemuck::cast(v)).or_insert_with(|| {
            vertices.push(v);
            next
        });
        indices.push(index);
    }
    (vertices, indices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_fans_follow_the_specification_order() {
        assert_eq!(
            triangle_list(Mode::TriangleStrip, &[0, 1, 2, 3, 4]),
            [0, 1, 2, 1, 3, 2, 2, 3, 4]
        );
        assert_eq!(triangle_list(Mode::TriangleFan, &[0, 1, 2, 3]), [1, 2, 0, 2, 3, 0]);
        assert_eq!(triangle_list(Mode::Triangles, &[0, 1, 2, 3]), [0, 1, 2]);
        assert!(triangle_list(Mode::TriangleStrip, &[0, 1]).is_empty());
        assert!(triangle_list(Mode::TriangleFan, &[]).is_empty());
    }
}

//! Meshes and their primitives: attributes read and checked against each other, indices
//! checked, triangles assembled, non-finite values replaced, and normals and tangents made
//! valid (generated when the file has none).

use glam::{Vec3, Vec4};
use gltf::json;
use gltf::json::accessor::Type;
use gltf::json::mesh::{Mode, Semantic};
use gltf::json::validation::Checked;

use crate::scene::tangents::{self, orthonormal_tangent};
use crate::scene::{Aabb, Mesh, Primitive, SceneError, Vertex};

use super::document::Doc;
use super::geometry::{arbitrary_tangents, face_normal, fix_normals, triangle_list, weld};
use super::output::Output;

/// Most vertices or triangle corners one primitive may have (72 bytes each: about 4.8 GB).
const MAX_VERTICES: usize = 1 << 26;

/// Non-finite components become `fallback`; `replaced` counts them for one warning.
fn finite_or<const N: usize>(v: [f32; N], fallback: f32, replaced: &mut usize) -> [f32; N] {
    v.map(|x| {
        if x.is_finite() {
            x
        } else {
            *replaced += 1;
            fallback
        }
    })
}

impl Doc<'_> {
    pub(super) fn mesh(&self, index: usize, out: &mut Output) -> Result<Mesh, SceneError> {
        let Some(mesh) = self.root.meshes.get(index) else { return Ok(Mesh::default()) };
        let name = mesh.name.clone().unwrap_or_else(|| format!("mesh {index}"));
        let mut primitives = Vec::new();
        for (p, primitive) in mesh.primitives.iter().enumerate() {
            if let Some(primitive) = self.primitive(&name, p, primitive, out)? {
                primitives.push(primitive);
            }
        }
        Ok(Mesh { name, primitives })
    }

    fn primitive(
        &self,
        mesh: &str,
        p: usize,
        primitive: &json::mesh::Primitive,
        out: &mut Output,
    ) -> Result<Option<Primitive>, SceneError> {
        let error =
            |reason: String| SceneError::Primitive { mesh: mesh.to_owned(), primitive: p, reason };
        let here = format!("mesh {mesh:?} primitive {p}");
        let Checked::Valid(mode) = primitive.mode else {
            return Err(error("invalid mode".into()));
        };
        if !matches!(mode, Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan) {
            out.warn(format!(
                "{here}: {mode:?} primitives are not drawn (only triangles); skipped"
            ));
            return Ok(None);
        }
        let attribute =
            |s: Semantic| primitive.attributes.get(&Checked::Valid(s)).map(|i| i.value());
        let Some(position_accessor) = attribute(Semantic::Positions) else {
            out.warn(format!("{here}: no POSITION attribute; skipped"));
            return Ok(None);
        };
        let vertex_count = self.layout(position_accessor)?.count;
        for (semantic, accessor) in &primitive.attributes {
            let count = self.layout(accessor.value())?.count;
            if count != vertex_count {
                let name = match semantic {
                    Checked::Valid(s) => s.to_string(),
                    Checked::Invalid => "(unnamed)".into(),
                };
                return Err(error(format!(
                    "attribute {name} (accessor {}) has {count} elements but POSITION has \
                     {vertex_count}",
                    accessor.value()
                )));
            }
        }
        if vertex_count > MAX_VERTICES {
            return Err(error(format!(
                "{vertex_count} vertices is more than the {MAX_VERTICES} supported"
            )));
        }

        let positions = self.read_vectors::<3>(position_accessor, Type::Vec3, "POSITION")?;
        let normals = attribute(Semantic::Normals)
            .map(|i| self.read_vectors::<3>(i, Type::Vec3, "NORMAL"))
            .transpose()?;
        let tangents = attribute(Semantic::Tangents)
            .map(|i| self.read_vectors::<4>(i, Type::Vec4, "TANGENT"))
            .transpose()?;
        let uv0 = attribute(Semantic::TexCoords(0))
            .map(|i| self.read_vectors::<2>(i, Type::Vec2, "TEXCOORD_0"))
            .transpose()?;
        let uv1 = attribute(Semantic::TexCoords(1))
            .map(|i| self.read_vectors::<2>(i, Type::Vec2, "TEXCOORD_1"))
            .transpose()?;
        let colors = attribute(Semantic::Colors(0))
            .map(|i| -> Result<Vec<[f32; 4]>, SceneError> {
                let floats = self.read_floats(i, &[Type::Vec3, Type::Vec4], "COLOR_0")?;
                let width = if self.layout(i)?.ty == Type::Vec3 { 3 } else { 4 };
                Ok(floats
                    .chunks_exact(width)
                    .map(|c| match *c {
                        [r, g, b] => [r, g, b, 1.0],
                        [r, g, b, a] => [r, g, b, a],
                        _ => [1.0; 4],
                    })
                    .collect())
            })
            .transpose()?;

        let indices = match primitive.indices {
            Some(accessor) => self.read_indices(accessor.value())?,
            None => (0..vertex_count as u32).collect(),
        };
        if let Some((k, bad)) =
            indices.iter().enumerate().find(|(_, i)| **i as usize >= vertex_count)
        {
            return Err(error(format!(
                "index {bad} at position {k} is out of range ({vertex_count} vertices)"
            )));
        }
        if mode == Mode::Triangles && indices.len() % 3 != 0 {
            out.warn(format!(
                "{here}: {} indices is not a multiple of 3; the last {} are ignored",
                indices.len(),
                indices.len() % 3
            ));
        }
        let triangles = triangle_list(mode, &indices);
        if triangles.is_empty() {
            out.warn(format!("{here}: no triangles; skipped"));
            return Ok(None);
        }
        if triangles.len() > MAX_VERTICES {
            return Err(error(format!(
                "{} triangle corners is more than the {MAX_VERTICES} supported",
                triangles.len()
            )));
        }

        let mut replaced = 0;
        let mut vertices: Vec<Vertex> = (0..vertex_count)
            .map(|i| {
                let get2 = |a: &Option<Vec<[f32; 2]>>| a.as_ref().and_then(|a| a.get(i)).copied();
                let uv0 = finite_or(get2(&uv0).unwrap_or_default(), 0.0, &mut replaced);
                Vertex {
                    position: finite_or(
                        positions.get(i).copied().unwrap_or_default(),
                        0.0,
                        &mut replaced,
                    ),
                    normal: normals.as_ref().and_then(|n| n.get(i)).copied().unwrap_or_default(),
                    tangent: tangents.as_ref().and_then(|t| t.get(i)).copied().unwrap_or_default(),
                    uv0,
                    uv1: finite_or(get2(&uv1).unwrap_or(uv0), 0.0, &mut replaced),
                    color: finite_or(
                        colors.as_ref().and_then(|c| c.get(i)).copied().unwrap_or([1.0; 4]),
                        1.0,
                        &mut replaced,
                    ),
                }
            })
            .collect();
        if replaced > 0 {
            out.warn(format!("{here}: {replaced} non-finite attribute values replaced"));
        }

        let material = primitive.material.map(|m| m.value());
        let normal_map = material
            .and_then(|m| out.scene.materials.get(m))
            .and_then(|m| m.normal_texture)
            .map(|t| (t.tex_coord, t.transform));
        if normals.is_some() {
            fix_normals(&mut vertices, &triangles);
        }
        // Flat normals and MikkTSpace both give each triangle corner its own values, so those
        // paths work on unwelded corners and weld identical vertices afterwards.
        let unweld = normals.is_none() || (tangents.is_none() && normal_map.is_some());
        if unweld {
            vertices =
                triangles.iter().filter_map(|&i| vertices.get(i as usize).copied()).collect();
        }
        if normals.is_none() {
            for triangle in vertices.chunks_exact_mut(3) {
                let n = match &*triangle {
                    [a, b, c] => face_normal(a, b, c).normalize_or(Vec3::Z),
                    _ => Vec3::Z,
                };
                for v in triangle.iter_mut() {
                    v.normal = n.to_array();
                }
            }
        }
        match (tangents.is_some(), normal_map) {
            (true, _) => {
                for v in &mut vertices {
                    let t = Vec4::from(v.tangent);
                    v.tangent =
                        orthonormal_tangent(t.truncate(), Vec3::from(v.normal), t.w).to_array();
                }
            }
            (false, Some((set, transform))) => tangents::generate(&mut vertices, set, transform),
            (false, None) => arbitrary_tangents(&mut vertices),
        }
        let (vertices, indices) = if unweld { weld(vertices) } else { (vertices, triangles) };

        let mut bounds = Aabb::empty();
        for v in &vertices {
            bounds.extend(Vec3::from(v.position));
        }
        Ok(Some(Primitive { vertices, indices, material, bounds }))
    }
}

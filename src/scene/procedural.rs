//! Generated benchmark scenes, described in small TOML files in `scenes/` and built in memory
//! the same way every time (no big binaries in the repository).
//!
//! - `kind = "atrium"` (`scenes/atrium.toml`): a square courtyard with a two-storey colonnade
//!   (`columns_per_side` columns per side and storey, each a cylinder of `column_segments` x
//!   `column_rings` quads), a tiled floor and `statues` spheres in the middle; `materials`
//!   materials, dealt to the columns and statues in turn. The default file draws about 295k
//!   triangles with 36 materials.
//! - `kind = "instanced"` (`scenes/stress.toml`): a `grid` of small spheres, one instanced mesh
//!   per material: few draw calls, many triangles and instances.
//!
//! Geometry is computed in `f64` and rounded to `f32` once; the same description gives the
//! same bytes on every run (`tests` checks it). Lights: none, so the renderer's default sun.

use std::path::Path;

use glam::{Mat4, Vec3, Vec4};
use serde::Deserialize;

use super::{Aabb, Instance, Material, Mesh, Primitive, Scene, Vertex};
use crate::Error;

/// Names of the generated scenes built into the binary.
pub const BUILT_IN: &[&str] = &["atrium", "stress"];

/// The description of a built-in generated scene, by name.
pub fn built_in(name: &str) -> Option<&'static str> {
    match name {
        "atrium" => Some(include_str!("../../scenes/atrium.toml")),
        "stress" => Some(include_str!("../../scenes/stress.toml")),
        _ => None,
    }
}

/// What a description file holds.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Description {
    /// The courtyard.
    Atrium {
        /// Columns per side and storey (2..=64).
        columns_per_side: u32,
        /// Quads around each column (3..=256).
        column_segments: u32,
        /// Quads along each column (1..=256).
        column_rings: u32,
        /// Spheres in the middle (0..=256).
        statues: u32,
        /// Quads around each statue sphere (3..=256; half as many from pole to pole).
        statue_segments: u32,
        /// Materials (1..=256).
        materials: u32,
    },
    /// The instanced grid.
    Instanced {
        /// Spheres along x, y and z (each 1..=128).
        grid: [u32; 3],
        /// Quads around each sphere (3..=256).
        sphere_segments: u32,
        /// Materials, one instanced mesh each (1..=256).
        materials: u32,
    },
}

/// Load and build a description file.
pub fn load(path: &Path) -> Result<Scene, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::InvalidArgument(format!("scene description {}: {e}", path.display()))
    })?;
    parse(&text, path)
}

/// Build the scene `text` describes (`origin` names it in errors).
pub fn parse(text: &str, origin: &Path) -> Result<Scene, Error> {
    let invalid = |reason: String| {
        Error::InvalidArgument(format!("scene description {}: {reason}", origin.display()))
    };
    let description: Description = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let check = |key: &str, value: u32, lo: u32, hi: u32| {
        if (lo..=hi).contains(&value) {
            Ok(value)
        } else {
            Err(invalid(format!("{key} = {value} is outside {lo}..={hi}")))
        }
    };
    Ok(match description {
        Description::Atrium {
            columns_per_side,
            column_segments,
            column_rings,
            statues,
            statue_segments,
            materials,
        } => atrium(
            check("columns_per_side", columns_per_side, 2, 64)?,
            (
                check("column_segments", column_segments, 3, 256)?,
                check("column_rings", column_rings, 1, 256)?,
            ),
            (
                check("statues", statues, 0, 256)?,
                check("statue_segments", statue_segments, 3, 256)?,
            ),
            check("materials", materials, 1, 256)?,
        ),
        Description::Instanced { grid, sphere_segments, materials } => {
            for (axis, n) in ["grid[0]", "grid[1]", "grid[2]"].iter().zip(grid) {
                check(axis, n, 1, 128)?;
            }
            instanced(
                grid,
                check("sphere_segments", sphere_segments, 3, 256)?,
                check("materials", materials, 1, 256)?,
            )
        }
    })
}

/// A material of the palette: hues around the colour wheel by the golden angle, roughness
/// and metalness varied, every seventh one glowing (bloom sources).
fn palette_material(index: u32) -> Material {
    let hue = (f64::from(index) * 0.618_033_988_749_895).fract();
    let channel = |offset: f64| {
        let t = (hue + offset).fract();
        (0.25 + 0.6 * (1.0 - (t * 2.0 - 1.0).abs())) as f32
    };
    let colour = Vec3::new(channel(0.0), channel(1.0 / 3.0), channel(2.0 / 3.0));
    Material {
        name: format!("atrium_{index}"),
        base_color_factor: colour.extend(1.0),
        metallic_factor: if index.is_multiple_of(5) { 1.0 } else { 0.0 },
        roughness_factor: 0.2 + 0.6 * (f64::from(index % 4) / 3.0) as f32,
        emissive_factor: if index % 7 == 6 { colour * 4.0 } else { Vec3::ZERO },
        ..Material::default()
    }
}

fn vertex(p: [f64; 3], n: [f64; 3], t: [f64; 3], uv: [f64; 2]) -> Vertex {
    let uv = uv.map(|c| c as f32);
    Vertex {
        position: p.map(|c| c as f32),
        normal: n.map(|c| c as f32),
        tangent: [t[0] as f32, t[1] as f32, t[2] as f32, 1.0],
        uv0: uv,
        uv1: uv,
        color: [1.0; 4],
    }
}

fn primitive(vertices: Vec<Vertex>, indices: Vec<u32>, material: u32) -> Primitive {
    let mut bounds = Aabb::empty();
    vertices.iter().for_each(|v| bounds.extend(Vec3::from(v.position)));
    Primitive { vertices, indices, material: Some(material as usize), bounds }
}

/// Quads of a `(columns + 1) x (rows + 1)` vertex grid as counter-clockwise triangles.
fn grid_indices(columns: u32, rows: u32) -> Vec<u32> {
    let mut indices = Vec::with_capacity((columns * rows * 6) as usize);
    for r in 0..rows {
        for c in 0..columns {
            let a = r * (columns + 1) + c;
            let (b, d) = (a + 1, a + columns + 1);
            indices.extend([a, b, d, b, d + 1, d]);
        }
    }
    indices
}

/// An open cylinder of unit radius from y = 0 to 1, outward normals.
fn cylinder(segments: u32, rings: u32, material: u32) -> Primitive {
    let mut vertices = Vec::new();
    for r in 0..=rings {
        let v = f64::from(r) / f64::from(rings);
        for s in 0..=segments {
            let u = f64::from(s) / f64::from(segments);
            let (sin, cos) = (u * std::f64::consts::TAU).sin_cos();
            vertices.push(vertex(
                [cos, v, -sin],
                [cos, 0.0, -sin],
                [-sin, 0.0, -cos],
                [u, 1.0 - v],
            ));
        }
    }
    primitive(vertices, grid_indices(segments, rings), material)
}

/// A unit sphere, `segments` around and `segments / 2` from pole to pole.
fn sphere(segments: u32, material: u32) -> Primitive {
    let rings = (segments / 2).max(2);
    let mut vertices = Vec::new();
    for r in 0..=rings {
        let v = f64::from(r) / f64::from(rings);
        let (sin_t, cos_t) = ((v - 0.5) * std::f64::consts::PI).sin_cos();
        for s in 0..=segments {
            let u = f64::from(s) / f64::from(segments);
            let (sin, cos) = (u * std::f64::consts::TAU).sin_cos();
            let n = [cos_t * cos, sin_t, -cos_t * sin];
            vertices.push(vertex(n, n, [-sin, 0.0, -cos], [u, 1.0 - v]));
        }
    }
    primitive(vertices, grid_indices(segments, rings), material)
}

/// A square of side 1 in the XZ plane, facing +Y, `n x n` quads.
fn floor(n: u32, material: u32) -> Primitive {
    let mut vertices = Vec::new();
    for r in 0..=n {
        let z = f64::from(r) / f64::from(n) - 0.5;
        for c in 0..=n {
            let x = f64::from(c) / f64::from(n) - 0.5;
            vertices.push(vertex(
                [x, 0.0, -z],
                [0.0, 1.0, 0.0],
                [1.0, 0.0, 0.0],
                [x * 8.0, z * 8.0],
            ));
        }
    }
    primitive(vertices, grid_indices(n, n), material)
}

fn mesh(name: String, primitive: Primitive) -> Mesh {
    Mesh { name, primitives: vec![primitive] }
}

fn place(mesh: usize, node: String, translation: Vec3, scale: Vec3) -> Instance {
    Instance {
        mesh,
        transform: Mat4::from_scale_rotation_translation(scale, glam::Quat::IDENTITY, translation),
        node,
    }
}

fn finish(meshes: Vec<Mesh>, materials: Vec<Material>, instances: Vec<Instance>) -> Scene {
    let mut scene = Scene { meshes, materials, instances, ..Default::default() };
    scene.update_bounds();
    scene
}

fn atrium(
    per_side: u32,
    (segments, rings): (u32, u32),
    (statues, statue_segments): (u32, u32),
    materials: u32,
) -> Scene {
    const SPACING: f32 = 2.0;
    const STOREY: f32 = 4.0;
    let side = per_side as f32 * SPACING;
    let mut meshes = vec![mesh("floor".into(), floor(64, 0))];
    let mut mats: Vec<Material> = (0..materials).map(palette_material).collect();
    let stone = materials;
    mats.push(Material {
        name: "stone".into(),
        base_color_factor: Vec4::new(0.6, 0.58, 0.55, 1.0),
        metallic_factor: 0.0,
        roughness_factor: 0.8,
        ..Material::default()
    });
    meshes[0].primitives[0].material = Some(stone as usize);
    // One column mesh and one statue mesh per material: the draw calls a real scene has.
    let column_mesh = |m: u32| 1 + m as usize;
    let statue_mesh = |m: u32| 1 + (materials + m) as usize;
    meshes
        .extend((0..materials).map(|m| mesh(format!("column_{m}"), cylinder(segments, rings, m))));
    meshes.extend((0..materials).map(|m| mesh(format!("statue_{m}"), sphere(statue_segments, m))));
    let mut instances =
        vec![place(0, "floor".into(), Vec3::ZERO, Vec3::new(side + 4.0, 1.0, side + 4.0))];
    let mut count = 0;
    for storey in 0..2 {
        for edge in 0..4 {
            for i in 0..per_side {
                let t = (i as f32 + 0.5) * SPACING - side * 0.5;
                let h = side * 0.5;
                let (x, z) = match edge {
                    0 => (t, -h),
                    1 => (h, t),
                    2 => (-t, h),
                    _ => (-h, -t),
                };
                let y = storey as f32 * STOREY;
                instances.push(place(
                    column_mesh(count % materials),
                    format!("column {count}"),
                    Vec3::new(x, y, z),
                    Vec3::new(0.25, STOREY - 0.4, 0.25),
                ));
                count += 1;
            }
        }
    }
    let ring = side * 0.25;
    for s in 0..statues {
        let angle = s as f32 / statues.max(1) as f32 * std::f32::consts::TAU;
        let position = Vec3::new(ring * angle.cos(), 0.6, ring * angle.sin());
        instances.push(place(
            statue_mesh(s % materials),
            format!("statue {s}"),
            position,
            Vec3::splat(0.6),
        ));
    }
    finish(meshes, mats, instances)
}

fn instanced(grid: [u32; 3], segments: u32, materials: u32) -> Scene {
    let meshes = (0..materials).map(|m| mesh(format!("sphere_{m}"), sphere(segments, m))).collect();
    let mats = (0..materials).map(palette_material).collect();
    let mut instances = Vec::new();
    let [nx, ny, nz] = grid;
    for y in 0..ny {
        for z in 0..nz {
            for x in 0..nx {
                let i = (y * nz + z) * nx + x;
                let centre = Vec3::new(
                    x as f32 - (nx - 1) as f32 * 0.5,
                    y as f32 + 0.4,
                    z as f32 - (nz - 1) as f32 * 0.5,
                );
                instances.push(place(
                    (i % materials) as usize,
                    format!("sphere {i}"),
                    centre,
                    Vec3::splat(0.4),
                ));
            }
        }
    }
    finish(meshes, mats, instances)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(scene: &Scene) -> Vec<u8> {
        let mut out = Vec::new();
        for p in scene.meshes.iter().flat_map(|m| &m.primitives) {
            out.extend_from_slice(bytemuck::cast_slice(&p.vertices));
            out.extend_from_slice(bytemuck::cast_slice(&p.indices));
        }
        for i in &scene.instances {
            out.extend_from_slice(bytemuck::cast_slice(&i.transform.to_cols_array()));
        }
        out
    }

    #[test]
    fn the_built_in_scenes_have_their_sizes_and_are_deterministic() {
        let atrium =
            parse(built_in("atrium").unwrap_or_default(), Path::new("atrium")).expect("atrium");
        let triangles = crate::scene::triangle_count(&atrium);
        assert!((100_000..=1_000_000).contains(&triangles), "{triangles}");
        assert!(atrium.materials.len() >= 24, "{}", atrium.materials.len());
        let stress =
            parse(built_in("stress").unwrap_or_default(), Path::new("stress")).expect("stress");
        assert!(stress.instances.len() >= 1000 && stress.meshes.len() <= 8);
        for name in BUILT_IN {
            let text = built_in(name).unwrap_or_default();
            let (a, b) = (parse(text, Path::new(name)), parse(text, Path::new(name)));
            let (a, b) = (a.expect("builds"), b.expect("builds"));
            assert_eq!(bytes(&a), bytes(&b), "{name} is not deterministic");
            assert!(!a.bounds.is_empty());
        }
    }

    #[test]
    fn a_column_has_the_triangles_it_declares_and_faces_outward() {
        let c = cylinder(8, 3, 0);
        assert_eq!(c.indices.len(), 8 * 3 * 6);
        for t in c.indices.chunks_exact(3) {
            let p = |i: u32| Vec3::from(c.vertices[i as usize].position);
            let normal = (p(t[1]) - p(t[0])).cross(p(t[2]) - p(t[0]));
            let outward = Vec3::new(p(t[0]).x, 0.0, p(t[0]).z);
            assert!(normal.dot(outward) > 0.0, "triangle {t:?} faces inward");
        }
    }

    #[test]
    fn bad_descriptions_name_the_file_and_key() {
        let e = parse(
            "kind = \"atrium\"\ncolumns_per_side = 1\ncolumn_segments = 8\ncolumn_rings = 1\nstatues = 0\nstatue_segments = 8\nmaterials = 2",
            Path::new("a.toml"),
        );
        let e = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("a.toml") && e.contains("columns_per_side = 1"), "{e}");
        let e = parse("kind = \"cathedral\"", Path::new("b.toml")).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("b.toml")));
    }
}

//! Small test scenes built directly in memory, with known geometry for reference answers
//! (ray-traced AO, analytic lighting): a sphere resting on a plane, and an inside corner.
//!
//! Both use one grey dielectric material (base colour 0.8, roughness 0.7, metallic 0), a
//! directional sun, counter-clockwise front faces with outward unit normals, glTF tangents
//! (along +u, bitangent sign +1) and uvs with the origin top-left. No file, no importer: what
//! a test reads here is exactly what the renderer gets.

use glam::{Mat4, Vec3, Vec4};

use super::{Aabb, Instance, Light, LightKind, Material, Mesh, Primitive, Scene, Vertex};

/// Radius of the sphere in [`sphere_on_plane`], in metres.
pub const SPHERE_RADIUS: f32 = 0.5;
/// Side of the square floor in [`sphere_on_plane`], in metres.
pub const PLANE_SIZE: f32 = 6.0;
/// Side of each square in [`corner`], in metres.
pub const CORNER_SIZE: f32 = 4.0;

/// Sphere subdivision: segments around the vertical axis and stacks from pole to pole.
const SPHERE_SEGMENTS: u32 = 48;
const SPHERE_STACKS: u32 = 24;

/// A UV sphere of radius [`SPHERE_RADIUS`] resting on the origin of a [`PLANE_SIZE`] square
/// floor at y = 0 (centre at (0, 0.5, 0)), lit by a sun from above and to the side.
pub fn sphere_on_plane() -> Scene {
    let mut floor = Geometry::default();
    let h = PLANE_SIZE * 0.5;
    floor.quad(
        [
            Vec3::new(-h, 0.0, -h),
            Vec3::new(-h, 0.0, h),
            Vec3::new(h, 0.0, h),
            Vec3::new(h, 0.0, -h),
        ],
        Vec3::Y,
        Vec3::X,
    );
    let sphere = uv_sphere(Vec3::new(0.0, SPHERE_RADIUS, 0.0), SPHERE_RADIUS);
    scene_of("sphere on plane", vec![("floor", floor), ("sphere", sphere)])
}

/// Two [`CORNER_SIZE`] squares meeting at a right angle along the x axis: a floor at y = 0
/// (x in ±2, z in 0..4, facing +y) and a wall at z = 0 (x in ±2, y in 0..4, facing +z).
pub fn corner() -> Scene {
    let (h, s) = (CORNER_SIZE * 0.5, CORNER_SIZE);
    let mut floor = Geometry::default();
    floor.quad(
        [
            Vec3::new(-h, 0.0, 0.0),
            Vec3::new(-h, 0.0, s),
            Vec3::new(h, 0.0, s),
            Vec3::new(h, 0.0, 0.0),
        ],
        Vec3::Y,
        Vec3::X,
    );
    let mut wall = Geometry::default();
    wall.quad(
        [
            Vec3::new(-h, s, 0.0),
            Vec3::new(-h, 0.0, 0.0),
            Vec3::new(h, 0.0, 0.0),
            Vec3::new(h, s, 0.0),
        ],
        Vec3::Z,
        Vec3::X,
    );
    scene_of("corner", vec![("floor", floor), ("wall", wall)])
}

/// The grey material both scenes use.
fn grey() -> Material {
    Material {
        name: "grey".into(),
        base_color_factor: Vec4::new(0.8, 0.8, 0.8, 1.0),
        metallic_factor: 0.0,
        roughness_factor: 0.7,
        ..Default::default()
    }
}

/// A sun (6 lux, like the default scene's) shining down and across from +x, +z.
fn sun() -> Light {
    let direction = Vec3::new(-0.4, -1.0, -0.3).normalize();
    // The light shines along its -Z: the inverse of a view matrix looking along `direction`.
    let transform = Mat4::look_to_rh(-direction * 4.0, direction, Vec3::Y).inverse();
    Light {
        name: "sun".into(),
        kind: LightKind::Directional,
        color: Vec3::ONE,
        intensity: 6.0,
        range: None,
        transform,
    }
}

/// One mesh per named geometry, each placed once at the origin, all in the grey material.
fn scene_of(name: &str, parts: Vec<(&str, Geometry)>) -> Scene {
    let mut scene = Scene { materials: vec![grey()], lights: vec![sun()], ..Default::default() };
    for (index, (part, geometry)) in parts.into_iter().enumerate() {
        let mut bounds = Aabb::empty();
        for v in &geometry.vertices {
            bounds.extend(Vec3::from(v.position));
        }
        scene.meshes.push(Mesh {
            name: format!("{name}: {part}"),
            primitives: vec![Primitive {
                vertices: geometry.vertices,
                indices: geometry.indices,
                material: Some(0),
                bounds,
            }],
        });
        scene.instances.push(Instance {
            mesh: index,
            transform: Mat4::IDENTITY,
            node: part.to_string(),
        });
    }
    scene.update_bounds();
    scene
}

#[derive(Default)]
struct Geometry {
    vertices: Vec<Vertex>,
    indices: Vec<u32>,
}

impl Geometry {
    fn vertex(&mut self, position: Vec3, normal: Vec3, tangent: Vec3, uv: [f32; 2]) -> u32 {
        self.vertices.push(Vertex {
            position: position.into(),
            normal: normal.into(),
            tangent: tangent.extend(1.0).into(),
            uv0: uv,
            uv1: uv,
            color: [1.0; 4],
        });
        self.vertices.len() as u32 - 1
    }

    /// A flat quad from corners in counter-clockwise order seen from the front, starting at
    /// the uv origin (top-left) and going down the left edge first.
    fn quad(&mut self, corners: [Vec3; 4], normal: Vec3, tangent: Vec3) {
        let uvs = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
        let i: Vec<u32> =
            corners.iter().zip(uvs).map(|(&p, uv)| self.vertex(p, normal, tangent, uv)).collect();
        self.indices.extend([i[0], i[1], i[2], i[0], i[2], i[3]]);
    }
}

/// A UV sphere: `theta` from the +y pole down, `phi` around +y from +z towards +x, u = phi /
/// 2 pi, v = theta / pi. The pole rows keep one triangle per segment (the other would have no
/// area).
fn uv_sphere(center: Vec3, radius: f32) -> Geometry {
    let mut g = Geometry::default();
    for stack in 0..=SPHERE_STACKS {
        let v = stack as f32 / SPHERE_STACKS as f32;
        let (sin_theta, cos_theta) = (v * std::f32::consts::PI).sin_cos();
        for segment in 0..=SPHERE_SEGMENTS {
            let u = segment as f32 / SPHERE_SEGMENTS as f32;
            let (sin_phi, cos_phi) = (u * std::f32::consts::TAU).sin_cos();
            let normal = Vec3::new(sin_theta * sin_phi, cos_theta, sin_theta * cos_phi);
            // d(position)/d(phi) direction: along +u.
            let tangent = Vec3::new(cos_phi, 0.0, -sin_phi);
            g.vertex(center + normal * radius, normal, tangent, [u, v]);
        }
    }
    let row = SPHERE_SEGMENTS + 1;
    for stack in 0..SPHERE_STACKS {
        for segment in 0..SPHERE_SEGMENTS {
            // a -> b runs down a meridian (+theta), a -> d along a parallel (+phi); theta x
            // phi points outward, so (a, b, c) and (a, c, d) are counter-clockwise outside.
            let a = stack * row + segment;
            let (b, c, d) = (a + row, a + row + 1, a + 1);
            if stack != 0 {
                g.indices.extend([a, c, d]);
            }
            if stack != SPHERE_STACKS - 1 {
                g.indices.extend([a, b, c]);
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every triangle has area, winds counter-clockwise seen from the side its vertex normals
    /// point to, and the normals and tangents are unit length and orthogonal.
    fn assert_well_formed(scene: &Scene) {
        for instance in &scene.instances {
            let mesh = &scene.meshes[instance.mesh];
            for p in &mesh.primitives {
                assert_eq!(p.indices.len() % 3, 0);
                for v in &p.vertices {
                    let (n, t) = (Vec3::from(v.normal), Vec4::from(v.tangent));
                    assert!((n.length() - 1.0).abs() < 1e-5, "{}: normal {n}", mesh.name);
                    assert!((t.truncate().length() - 1.0).abs() < 1e-5, "{}: tangent", mesh.name);
                    assert!(n.dot(t.truncate()).abs() < 1e-5 && t.w == 1.0, "{}", mesh.name);
                }
                for tri in p.indices.chunks_exact(3) {
                    let v = [tri[0], tri[1], tri[2]].map(|i| p.vertices[i as usize]);
                    let [a, b, c] = v.map(|v| Vec3::from(v.position));
                    let cross = (b - a).cross(c - a);
                    assert!(cross.length() > 1e-6, "{}: degenerate triangle", mesh.name);
                    let normal: Vec3 = v.iter().map(|v| Vec3::from(v.normal)).sum();
                    assert!(cross.dot(normal) > 0.0, "{}: clockwise triangle {tri:?}", mesh.name);
                }
            }
        }
    }

    #[test]
    fn sphere_on_plane_has_the_documented_shape() {
        let scene = sphere_on_plane();
        assert_eq!(scene.bounds.min, Vec3::new(-3.0, 0.0, -3.0));
        assert!((scene.bounds.max - Vec3::new(3.0, 1.0, 3.0)).length() < 1e-6);
        assert_well_formed(&scene);
        let sphere = &scene.meshes[1].primitives[0];
        let center = Vec3::new(0.0, SPHERE_RADIUS, 0.0);
        for v in &sphere.vertices {
            let offset = Vec3::from(v.position) - center;
            assert!((offset.length() - SPHERE_RADIUS).abs() < 1e-6);
            // Outward: the normal is the direction from the centre.
            assert!((offset / SPHERE_RADIUS - Vec3::from(v.normal)).length() < 1e-5);
        }
        let triangles = sphere.indices.len() / 3;
        assert_eq!(triangles as u32, 2 * SPHERE_SEGMENTS * (SPHERE_STACKS - 1));
        let m = &scene.materials[0];
        assert_eq!((m.metallic_factor, m.roughness_factor), (0.0, 0.7));
        assert_eq!(m.base_color_factor, Vec4::new(0.8, 0.8, 0.8, 1.0));
        assert!(scene.meshes.iter().all(|mesh| mesh.primitives[0].material == Some(0)));
        assert_eq!(scene.lights.len(), 1);
        let sun = &scene.lights[0];
        assert_eq!(sun.kind, LightKind::Directional);
        assert!(sun.direction().y < -0.5, "the sun shines down: {}", sun.direction());
    }

    #[test]
    fn corner_is_a_floor_and_a_wall() {
        let scene = corner();
        assert_eq!(scene.bounds.min, Vec3::new(-2.0, 0.0, 0.0));
        assert_eq!(scene.bounds.max, Vec3::new(2.0, 4.0, 4.0));
        assert_well_formed(&scene);
        let normal = |mesh: usize| Vec3::from(scene.meshes[mesh].primitives[0].vertices[0].normal);
        assert_eq!((normal(0), normal(1)), (Vec3::Y, Vec3::Z));
    }
}

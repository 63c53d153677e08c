//! Generates the built-in scene `scenes/product_demo.glb` ([`super::DEFAULT_SCENE_GLB`]).
//!
//! A product-demo setup in metres, +Y up: a 6 m floor with a checker texture, a white pedestal
//! with a bevelled top edge, a glossy red plastic sphere and a smaller gold sphere on it, a
//! warm emissive ring around the pedestal's foot (a bloom source), a perspective camera at a
//! 3/4 view slightly above, and a directional sun (KHR_lights_punctual, 6 lux).
//!
//! The output is the same bytes on every run and every platform, so the committed file can be
//! checked against it: all geometry is computed in `f64` with only correctly rounded
//! operations (our own sine and cosine, no platform `libm`, no SIMD reordering) and rounded to
//! `f32` once. `tests/integration/default_scene.rs` compares, and rewrites the file with
//! `AFTERLIGHT_BLESS=1`.

use std::collections::BTreeMap;

use gltf::json;
use json::validation::{Checked::Valid, USize64};

/// The default scene as a GLB file.
pub fn product_demo_glb() -> Vec<u8> {
    let mut b = Builder::default();

    let checker = b.checker_texture();
    let floor_material = b.material(Material {
        name: "floor",
        base_color: [0.8, 0.8, 0.8],
        metallic: 0.0,
        roughness: 0.85,
        base_color_texture: Some(checker),
        ..Material::default()
    });
    let pedestal_material = b.material(Material {
        name: "pedestal_white",
        base_color: [0.9, 0.9, 0.88],
        metallic: 0.0,
        roughness: 0.7,
        ..Material::default()
    });
    let red_material = b.material(Material {
        name: "red_plastic",
        base_color: [0.8, 0.03, 0.025],
        metallic: 0.0,
        roughness: 0.3,
        ..Material::default()
    });
    // Gold's measured F0 in linear RGB, which is the base colour of a metal.
    let gold_material = b.material(Material {
        name: "gold",
        base_color: [1.0, 0.766, 0.336],
        metallic: 1.0,
        roughness: 0.25,
        ..Material::default()
    });
    let glow_material = b.material(Material {
        name: "warm_glow",
        base_color: [0.05, 0.05, 0.05],
        metallic: 0.0,
        roughness: 0.5,
        emissive: [1.0, 0.55, 0.25],
        emissive_strength: 4.0,
        ..Material::default()
    });

    let floor = b.geometry(&floor_geometry(FLOOR_SIZE));
    let pedestal = b.geometry(&pedestal_geometry());
    let sphere = b.geometry(&sphere_geometry());
    let ring = b.geometry(&ring_geometry());

    let mut nodes = vec![
        b.mesh_node("floor", &floor, floor_material, [0.0; 3], 1.0),
        b.mesh_node("pedestal", &pedestal, pedestal_material, [0.0; 3], 1.0),
        // Spheres rest on the pedestal's top, clear of each other and of its rim.
        b.mesh_node(
            "red_sphere",
            &sphere,
            red_material,
            [-0.14, PEDESTAL_HEIGHT + RED_RADIUS, 0.0],
            RED_RADIUS,
        ),
        b.mesh_node(
            "gold_sphere",
            &sphere,
            gold_material,
            [0.28, PEDESTAL_HEIGHT + GOLD_RADIUS, 0.14],
            GOLD_RADIUS,
        ),
        b.mesh_node("glow_ring", &ring, glow_material, [0.0; 3], 1.0),
    ];
    nodes.push(b.camera_node());
    nodes.push(b.sun_node());

    b.root.extensions_used =
        vec!["KHR_lights_punctual".into(), "KHR_materials_emissive_strength".into()];
    let scene = b.root.push(json::Scene {
        extensions: None,
        extras: Default::default(),
        name: Some("product_demo".into()),
        nodes,
    });
    b.root.scene = Some(scene);
    b.finish()
}

/// Floor side length, metres.
const FLOOR_SIZE: f64 = 6.0;
/// Pedestal radius and height, metres.
const PEDESTAL_RADIUS: f64 = 0.5;
const PEDESTAL_HEIGHT: f64 = 0.6;
/// Radius of the bevel on the pedestal's top edge, metres; it catches a highlight.
const PEDESTAL_BEVEL: f64 = 0.03;
const RED_RADIUS: f64 = 0.3;
const GOLD_RADIUS: f64 = 0.15;
/// Segments around the Y axis for the round shapes.
const SEGMENTS: u32 = 64;
/// The checker texture: size in pixels and checker cell size in pixels.
const CHECKER_SIZE: u32 = 64;
const CHECKER_CELL: u32 = 8;

type V3 = [f64; 3];

/// Triangle-list geometry with the attributes the scene uses.
#[derive(Default)]
struct Geometry {
    positions: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    uvs: Vec<[f32; 2]>,
    /// Counter-clockwise front faces.
    indices: Vec<u16>,
}

impl Geometry {
    fn vertex(&mut self, position: V3, normal: V3, uv: [f64; 2]) -> u16 {
        let index = u16::try_from(self.positions.len()).expect("meshes stay under 65536 vertices");
        let n = normalize(normal);
        self.positions.push(position.map(|c| c as f32));
        self.normals.push(n.map(|c| c as f32));
        self.uvs.push(uv.map(|c| c as f32));
        index
    }
}

/// A point of a profile turned around the Y axis: distance from the axis, height, and the
/// outward normal in the (r, y) plane.
#[derive(Clone, Copy)]
struct ProfilePoint {
    r: f64,
    y: f64,
    nr: f64,
    ny: f64,
}

/// Turns `strips` around the Y axis. Within a strip the surface is smooth; between strips the
/// vertices are repeated with their own normals, giving a hard edge. A strip must run so that
/// the outside is on its right when r points right and y up (bottom to top on the outside,
/// inwards across a top), which makes the triangles counter-clockwise seen from outside.
fn lathe(strips: &[Vec<ProfilePoint>], segments: u32) -> Geometry {
    // v runs along the whole profile, top of the texture at its end.
    let mut lengths = Vec::new();
    let mut total = 0.0;
    for strip in strips {
        let mut along = Vec::with_capacity(strip.len());
        for (i, p) in strip.iter().enumerate() {
            if i > 0 {
                let q = strip[i - 1];
                total += ((p.r - q.r) * (p.r - q.r) + (p.y - q.y) * (p.y - q.y)).sqrt();
            }
            along.push(total);
        }
        lengths.push(along);
    }

    let mut g = Geometry::default();
    for (strip, along) in strips.iter().zip(&lengths) {
        let mut rings = Vec::with_capacity(strip.len());
        for (p, &a) in strip.iter().zip(along) {
            // One more column than segments: the seam needs u = 0 and u = 1.
            let ring: Vec<u16> = (0..=segments)
                .map(|i| {
                    let u = f64::from(i) / f64::from(segments);
                    let (s, c) = sin_cos(u * TAU);
                    g.vertex(
                        [p.r * s, p.y, p.r * c],
                        [p.nr * s, p.ny, p.nr * c],
                        [u, 1.0 - a / total],
                    )
                })
                .collect();
            rings.push((ring, p.r == 0.0));
        }
        for pair in rings.windows(2) {
            let ((lower, lower_on_axis), (upper, upper_on_axis)) = (&pair[0], &pair[1]);
            for i in 0..segments as usize {
                let (a, b, c, d) = (lower[i], lower[i + 1], upper[i + 1], upper[i]);
                // On the axis a quad folds into one triangle; skip the one with no area.
                if !lower_on_axis {
                    g.indices.extend([a, b, c]);
                }
                if !upper_on_axis {
                    g.indices.extend([a, c, d]);
                }
            }
        }
    }
    g
}

/// A square on y = 0 facing up, one texture repeat per metre.
fn floor_geometry(size: f64) -> Geometry {
    let h = size * 0.5;
    let mut g = Geometry::default();
    let up = [0.0, 1.0, 0.0];
    let corners = [[-h, -h], [-h, h], [h, h], [h, -h]];
    let v: Vec<u16> =
        corners.iter().map(|&[x, z]| g.vertex([x, 0.0, z], up, [x + h, z + h])).collect();
    g.indices.extend([v[0], v[1], v[2], v[0], v[2], v[3]]);
    g
}

/// A cylinder standing on y = 0 with a rounded top edge, closed at both ends.
fn pedestal_geometry() -> Geometry {
    let (r, h, bevel) = (PEDESTAL_RADIUS, PEDESTAL_HEIGHT, PEDESTAL_BEVEL);
    let point = |r, y, nr, ny| ProfilePoint { r, y, nr, ny };
    let bottom = vec![point(0.0, 0.0, 0.0, -1.0), point(r, 0.0, 0.0, -1.0)];
    let mut side = vec![point(r, 0.0, 1.0, 0.0)];
    const BEVEL_STEPS: u32 = 6;
    for i in 0..=BEVEL_STEPS {
        let (s, c) = sin_cos(f64::from(i) / f64::from(BEVEL_STEPS) * TAU / 4.0);
        side.push(point(r - bevel + bevel * c, h - bevel + bevel * s, c, s));
    }
    // The bevel ends facing straight up, so the top continues the same smooth strip.
    side.push(point(0.0, h, 0.0, 1.0));
    lathe(&[bottom, side], SEGMENTS)
}

/// A unit sphere centred on the origin; nodes scale it.
fn sphere_geometry() -> Geometry {
    const RINGS: u32 = 32;
    let profile = (0..=RINGS)
        .map(|i| {
            // From the south pole up, so the outside is on the right.
            let (s, c) = sin_cos(f64::from(i) / f64::from(RINGS) * TAU / 2.0);
            let (r, y) = if i == 0 || i == RINGS { (0.0, -c) } else { (s, -c) };
            ProfilePoint { r, y, nr: r, ny: y }
        })
        .collect();
    lathe(&[profile], 48)
}

/// A thin torus lying on the floor around the pedestal's foot.
fn ring_geometry() -> Geometry {
    const STEPS: u32 = 12;
    let (major, minor) = (PEDESTAL_RADIUS + 0.05, 0.012);
    let profile = (0..=STEPS)
        .map(|i| {
            // Starting at the bottom and turning counter-clockwise in (r, y): outside first.
            let (s, c) = sin_cos((f64::from(i) / f64::from(STEPS) - 0.25) * TAU);
            ProfilePoint { r: major + minor * c, y: minor + minor * s, nr: c, ny: s }
        })
        .collect();
    lathe(&[profile], SEGMENTS)
}

/// The floor texture: a light grey checker, 8x8 pixel cells, RGB.
fn checker_png() -> Vec<u8> {
    use image::ImageEncoder as _;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};

    let mut pixels = Vec::with_capacity((CHECKER_SIZE * CHECKER_SIZE * 3) as usize);
    for y in 0..CHECKER_SIZE {
        for x in 0..CHECKER_SIZE {
            let light = (x / CHECKER_CELL + y / CHECKER_CELL).is_multiple_of(2);
            pixels.extend(if light { [235, 235, 235] } else { [180, 180, 180] });
        }
    }
    let mut png = Vec::new();
    // Fixed settings: the default may change between versions, and the file is compared.
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::NoFilter)
        .write_image(&pixels, CHECKER_SIZE, CHECKER_SIZE, image::ExtendedColorType::Rgb8)
        .expect("encoding a fixed image in memory cannot fail");
    png
}

/// The camera: 3/4 view from the front right, slightly above, at the spheres.
fn camera_pose() -> (V3, [f64; 4]) {
    let target = [0.0, 0.55, 0.0];
    let distance = 3.4;
    let (sin_az, cos_az) = sin_cos(35.0 * DEGREE);
    let (sin_el, cos_el) = sin_cos(20.0 * DEGREE);
    let offset = [distance * cos_el * sin_az, distance * sin_el, distance * cos_el * cos_az];
    let eye = add(target, offset);
    (eye, look_rotation(neg(offset)))
}

/// Direction the sunlight travels: down, from the front left of the camera's view.
fn sun_direction() -> V3 {
    normalize([0.45, -1.2, -0.75])
}

/// Material parameters, linear RGB.
struct Material {
    name: &'static str,
    base_color: [f32; 3],
    metallic: f32,
    roughness: f32,
    base_color_texture: Option<json::Index<json::Texture>>,
    emissive: [f32; 3],
    /// KHR_materials_emissive_strength; 1 leaves the extension out.
    emissive_strength: f32,
}

impl Default for Material {
    fn default() -> Self {
        Self {
            name: "",
            base_color: [1.0; 3],
            metallic: 0.0,
            roughness: 1.0,
            base_color_texture: None,
            emissive: [0.0; 3],
            emissive_strength: 1.0,
        }
    }
}

/// Accessors of one uploaded [`Geometry`].
struct GeometryAccessors {
    positions: json::Index<json::Accessor>,
    normals: json::Index<json::Accessor>,
    uvs: json::Index<json::Accessor>,
    indices: json::Index<json::Accessor>,
}

/// Collects the glTF document and its binary chunk.
struct Builder {
    root: json::Root,
    bin: Vec<u8>,
}

impl Default for Builder {
    fn default() -> Self {
        let root = json::Root {
            asset: json::Asset {
                copyright: None,
                extensions: None,
                extras: Default::default(),
                generator: Some("afterlight src/scene/generate.rs".into()),
                min_version: None,
                version: "2.0".into(),
            },
            ..Default::default()
        };
        Self { root, bin: Vec::new() }
    }
}

impl Builder {
    /// Appends `bytes` to the binary chunk as a new buffer view, 4-byte aligned as every
    /// accessor component type needs.
    fn view(
        &mut self,
        bytes: &[u8],
        target: Option<json::buffer::Target>,
    ) -> json::Index<json::buffer::View> {
        self.bin.resize(self.bin.len().next_multiple_of(4), 0);
        let offset = self.bin.len();
        self.bin.extend_from_slice(bytes);
        self.root.push(json::buffer::View {
            buffer: json::Index::new(0),
            byte_length: USize64::from(bytes.len()),
            byte_offset: Some(USize64::from(offset)),
            byte_stride: None,
            name: None,
            target: target.map(Valid),
            extensions: None,
            extras: Default::default(),
        })
    }

    fn accessor(
        &mut self,
        bytes: &[u8],
        count: usize,
        component: json::accessor::ComponentType,
        type_: json::accessor::Type,
        bounds: Option<(json::Value, json::Value)>,
    ) -> json::Index<json::Accessor> {
        let target = if type_ == json::accessor::Type::Scalar {
            json::buffer::Target::ElementArrayBuffer
        } else {
            json::buffer::Target::ArrayBuffer
        };
        let view = self.view(bytes, Some(target));
        let (min, max) = bounds.unzip();
        self.root.push(json::Accessor {
            buffer_view: Some(view),
            byte_offset: None,
            count: USize64::from(count),
            component_type: Valid(json::accessor::GenericComponentType(component)),
            extensions: None,
            extras: Default::default(),
            type_: Valid(type_),
            min,
            max,
            name: None,
            normalized: false,
            sparse: None,
        })
    }

    fn geometry(&mut self, g: &Geometry) -> GeometryAccessors {
        use json::accessor::{ComponentType, Type};
        // glTF requires POSITION min and max; they also give importers their bounds.
        let mut min = [f32::INFINITY; 3];
        let mut max = [f32::NEG_INFINITY; 3];
        for p in &g.positions {
            for i in 0..3 {
                min[i] = min[i].min(p[i]);
                max[i] = max[i].max(p[i]);
            }
        }
        let bounds = (json::Value::from(min.to_vec()), json::Value::from(max.to_vec()));
        let n = g.positions.len();
        GeometryAccessors {
            positions: self.accessor(
                bytemuck::cast_slice(&g.positions),
                n,
                ComponentType::F32,
                Type::Vec3,
                Some(bounds),
            ),
            normals: self.accessor(
                bytemuck::cast_slice(&g.normals),
                n,
                ComponentType::F32,
                Type::Vec3,
                None,
            ),
            uvs: self.accessor(
                bytemuck::cast_slice(&g.uvs),
                n,
                ComponentType::F32,
                Type::Vec2,
                None,
            ),
            indices: self.accessor(
                bytemuck::cast_slice(&g.indices),
                g.indices.len(),
                ComponentType::U16,
                Type::Scalar,
                None,
            ),
        }
    }

    fn checker_texture(&mut self) -> json::Index<json::Texture> {
        let png = checker_png();
        let view = self.view(&png, None);
        let image = self.root.push(json::Image {
            buffer_view: Some(view),
            mime_type: Some(json::image::MimeType("image/png".into())),
            name: Some("checker".into()),
            uri: None,
            extensions: None,
            extras: Default::default(),
        });
        let sampler = self.root.push(json::texture::Sampler {
            mag_filter: Some(Valid(json::texture::MagFilter::Linear)),
            min_filter: Some(Valid(json::texture::MinFilter::LinearMipmapLinear)),
            name: Some("repeat".into()),
            wrap_s: Valid(json::texture::WrappingMode::Repeat),
            wrap_t: Valid(json::texture::WrappingMode::Repeat),
            ..Default::default()
        });
        self.root.push(json::Texture {
            name: Some("checker".into()),
            sampler: Some(sampler),
            source: image,
            extensions: None,
            extras: Default::default(),
        })
    }

    fn material(&mut self, m: Material) -> json::Index<json::Material> {
        use json::material::{EmissiveFactor, PbrBaseColorFactor, StrengthFactor};
        let [r, g, b] = m.base_color;
        let extensions =
            (m.emissive_strength != 1.0).then(|| json::extensions::material::Material {
                emissive_strength: Some(json::extensions::material::EmissiveStrength {
                    emissive_strength: json::extensions::material::EmissiveStrengthFactor(
                        m.emissive_strength,
                    ),
                }),
                ..Default::default()
            });
        self.root.push(json::Material {
            name: Some(m.name.into()),
            pbr_metallic_roughness: json::material::PbrMetallicRoughness {
                base_color_factor: PbrBaseColorFactor([r, g, b, 1.0]),
                base_color_texture: m.base_color_texture.map(|index| json::texture::Info {
                    index,
                    tex_coord: 0,
                    extensions: None,
                    extras: Default::default(),
                }),
                metallic_factor: StrengthFactor(m.metallic),
                roughness_factor: StrengthFactor(m.roughness),
                ..Default::default()
            },
            emissive_factor: EmissiveFactor(m.emissive),
            extensions,
            ..Default::default()
        })
    }

    /// A node drawing `g` with `material`, at `translation`, scaled uniformly by `scale`.
    fn mesh_node(
        &mut self,
        name: &str,
        g: &GeometryAccessors,
        material: json::Index<json::Material>,
        translation: V3,
        scale: f64,
    ) -> json::Index<json::Node> {
        use json::mesh::Semantic;
        let attributes = BTreeMap::from([
            (Valid(Semantic::Positions), g.positions),
            (Valid(Semantic::Normals), g.normals),
            (Valid(Semantic::TexCoords(0)), g.uvs),
        ]);
        let mesh = self.root.push(json::Mesh {
            extensions: None,
            extras: Default::default(),
            name: Some(name.into()),
            primitives: vec![json::mesh::Primitive {
                attributes,
                extensions: None,
                extras: Default::default(),
                indices: Some(g.indices),
                material: Some(material),
                mode: Valid(json::mesh::Mode::Triangles),
                targets: None,
            }],
            weights: None,
        });
        self.root.push(json::Node {
            mesh: Some(mesh),
            name: Some(name.into()),
            translation: (translation != [0.0; 3]).then(|| translation.map(|c| c as f32)),
            scale: (scale != 1.0).then_some([scale as f32; 3]),
            ..Default::default()
        })
    }

    fn camera_node(&mut self) -> json::Index<json::Node> {
        let camera = self.root.push(json::Camera {
            name: Some("product_camera".into()),
            orthographic: None,
            perspective: Some(json::camera::Perspective {
                // Left to the viewport, so the picture is not stretched at any size.
                aspect_ratio: None,
                yfov: (35.0 * DEGREE) as f32,
                // Infinite far plane, which reverse-Z depth is made for.
                zfar: None,
                znear: 0.05,
                extensions: None,
                extras: Default::default(),
            }),
            type_: Valid(json::camera::Type::Perspective),
            extensions: None,
            extras: Default::default(),
        });
        let (eye, rotation) = camera_pose();
        self.root.push(json::Node {
            camera: Some(camera),
            name: Some("camera".into()),
            translation: Some(eye.map(|c| c as f32)),
            rotation: Some(json::scene::UnitQuaternion(rotation.map(|c| c as f32))),
            ..Default::default()
        })
    }

    fn sun_node(&mut self) -> json::Index<json::Node> {
        use json::extensions::scene::khr_lights_punctual::{KhrLightsPunctual, Light, Type};
        let light = self.root.push(Light {
            // Slightly warm daylight.
            color: [1.0, 0.96, 0.9],
            extensions: None,
            extras: Default::default(),
            // Lux, as KHR_lights_punctual defines for directional lights.
            intensity: 6.0,
            name: Some("sun".into()),
            range: None,
            spot: None,
            type_: Valid(Type::Directional),
        });
        let direction = sun_direction();
        self.root.push(json::Node {
            name: Some("sun".into()),
            // A directional light has no position; this one only helps in editors.
            translation: Some(scale(direction, -4.0).map(|c| c as f32)),
            rotation: Some(json::scene::UnitQuaternion(look_rotation(direction).map(|c| c as f32))),
            extensions: Some(json::extensions::scene::Node {
                khr_lights_punctual: Some(KhrLightsPunctual { light }),
            }),
            ..Default::default()
        })
    }

    /// The GLB container: header, JSON chunk padded with spaces, BIN chunk padded with zeros.
    fn finish(mut self) -> Vec<u8> {
        self.root.buffers = vec![json::Buffer {
            byte_length: USize64::from(self.bin.len()),
            name: None,
            uri: None,
            extensions: None,
            extras: Default::default(),
        }];
        let mut json_chunk =
            json::serialize::to_vec(&self.root).expect("a glTF document always serializes");
        json_chunk.resize(json_chunk.len().next_multiple_of(4), b' ');
        let mut bin_chunk = self.bin;
        bin_chunk.resize(bin_chunk.len().next_multiple_of(4), 0);

        let total = 12 + 8 + json_chunk.len() + 8 + bin_chunk.len();
        let mut glb = Vec::with_capacity(total);
        let u32_le =
            |n: usize| u32::try_from(n).expect("the scene is far below 4 GiB").to_le_bytes();
        glb.extend(b"glTF");
        glb.extend(2u32.to_le_bytes());
        glb.extend(u32_le(total));
        glb.extend(u32_le(json_chunk.len()));
        glb.extend(b"JSON");
        glb.extend(json_chunk);
        glb.extend(u32_le(bin_chunk.len()));
        glb.extend(b"BIN\0");
        glb.extend(bin_chunk);
        glb
    }
}

const TAU: f64 = std::f64::consts::TAU;
const DEGREE: f64 = std::f64::consts::PI / 180.0;

/// Sine and cosine from their Taylor series. Platform `libm`s differ in the last bit, which
/// would change the generated bytes from one machine to the next; this uses only `+`, `*`, `/`
/// and `round`, which IEEE 754 defines exactly.
fn sin_cos(x: f64) -> (f64, f64) {
    let x = x - TAU * (x / TAU).round();
    let x2 = x * x;
    let (mut sin, mut cos) = (0.0, 0.0);
    let (mut sin_term, mut cos_term) = (x, 1.0);
    // |x| <= pi: the 25th terms are far below f64 precision.
    for k in 0..25 {
        sin += sin_term;
        cos += cos_term;
        let k = f64::from(k);
        sin_term *= -x2 / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
        cos_term *= -x2 / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
    }
    (sin, cos)
}

fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn neg(a: V3) -> V3 {
    a.map(|c| -c)
}

fn scale(a: V3, s: f64) -> V3 {
    a.map(|c| c * s)
}

fn cross(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn normalize(a: V3) -> V3 {
    let length = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    if length == 0.0 { a } else { scale(a, 1.0 / length) }
}

/// The rotation (x, y, z, w) that turns a node's -Z to `forward` with its +Y as close to world
/// up as possible, as glTF cameras and lights need. `forward` must not be vertical.
fn look_rotation(forward: V3) -> [f64; 4] {
    let back = normalize(neg(forward));
    let right = normalize(cross([0.0, 1.0, 0.0], back));
    let up = cross(back, right);
    // Columns right, up, back; m[row][column].
    let m = [[right[0], up[0], back[0]], [right[1], up[1], back[1]], [right[2], up[2], back[2]]];
    let trace = m[0][0] + m[1][1] + m[2][2];
    if trace > 0.0 {
        let s = (trace + 1.0).sqrt() * 2.0;
        [(m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s, s / 4.0]
    } else if m[0][0] > m[1][1] && m[0][0] > m[2][2] {
        let s = (1.0 + m[0][0] - m[1][1] - m[2][2]).sqrt() * 2.0;
        [s / 4.0, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s, (m[2][1] - m[1][2]) / s]
    } else if m[1][1] > m[2][2] {
        let s = (1.0 + m[1][1] - m[0][0] - m[2][2]).sqrt() * 2.0;
        [(m[0][1] + m[1][0]) / s, s / 4.0, (m[1][2] + m[2][1]) / s, (m[0][2] - m[2][0]) / s]
    } else {
        let s = (1.0 + m[2][2] - m[0][0] - m[1][1]).sqrt() * 2.0;
        [(m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, s / 4.0, (m[1][0] - m[0][1]) / s]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cos_matches_the_standard_library() {
        for i in -40..=40 {
            let x = f64::from(i) * 0.25;
            let (s, c) = sin_cos(x);
            assert!((s - x.sin()).abs() < 1e-14, "sin({x})");
            assert!((c - x.cos()).abs() < 1e-14, "cos({x})");
        }
    }

    /// Every triangle winds counter-clockwise seen from the side its vertex normals face.
    fn assert_front_faces_outward(name: &str, g: &Geometry) {
        assert_eq!(g.indices.len() % 3, 0);
        for t in g.indices.chunks_exact(3) {
            let t = [t[0], t[1], t[2]];
            let p = t.map(|i| g.positions[i as usize].map(f64::from));
            let face = cross(add(p[1], neg(p[0])), add(p[2], neg(p[0])));
            let n: V3 =
                t.iter().fold([0.0; 3], |acc, &i| add(acc, g.normals[i as usize].map(f64::from)));
            let dot = face[0] * n[0] + face[1] * n[1] + face[2] * n[2];
            assert!(dot > 0.0, "{name}: triangle {t:?} winds against its normals");
        }
    }

    #[test]
    fn geometry_winds_counter_clockwise_with_unit_normals() {
        for (name, g) in [
            ("floor", floor_geometry(FLOOR_SIZE)),
            ("pedestal", pedestal_geometry()),
            ("sphere", sphere_geometry()),
            ("ring", ring_geometry()),
        ] {
            assert_front_faces_outward(name, &g);
            assert_eq!(g.positions.len(), g.normals.len());
            assert_eq!(g.positions.len(), g.uvs.len());
            for n in &g.normals {
                let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
                assert!((length - 1.0).abs() < 1e-5, "{name}: normal {n:?}");
            }
            assert!(g.indices.iter().all(|&i| (i as usize) < g.positions.len()));
        }
    }

    #[test]
    fn sphere_is_a_unit_sphere() {
        let g = sphere_geometry();
        for p in &g.positions {
            let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
            assert!((r - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn look_rotation_points_minus_z_forward() {
        let forward = normalize([0.3, -0.5, -0.8]);
        let [x, y, z, w] = look_rotation(forward);
        assert!(((x * x + y * y + z * z + w * w) - 1.0).abs() < 1e-12);
        // Rotate (0, 0, -1) by the quaternion: v' = v + 2w(q x v) + 2 q x (q x v).
        let q = [x, y, z];
        let v = [0.0, 0.0, -1.0];
        let t = scale(cross(q, v), 2.0);
        let rotated = add(add(v, scale(t, w)), cross(q, t));
        for i in 0..3 {
            assert!((rotated[i] - forward[i]).abs() < 1e-12, "{rotated:?} vs {forward:?}");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(product_demo_glb(), product_demo_glb());
    }
}

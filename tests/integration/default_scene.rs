//! The built-in scene `scenes/product_demo.glb`: the committed file is exactly what
//! `afterlight::scene::generate` produces, and it holds the product-demo setup it promises.
//!
//! After changing the generator, rewrite the file with
//! `AFTERLIGHT_BLESS=1 cargo test --test integration default_scene::` and commit it.

use std::path::PathBuf;

use afterlight::scene::{self, generate};
use glam::{Quat, Vec3};
use gltf::khr_lights_punctual::Kind;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenes").join("product_demo.glb")
}

fn bless() -> bool {
    std::env::var_os("AFTERLIGHT_BLESS").is_some_and(|v| v == "1")
}

#[test]
fn committed_scene_is_what_the_generator_makes() {
    let generated = generate::product_demo_glb();
    let path = committed_path();
    if bless() {
        std::fs::write(&path, &generated).expect("write scenes/product_demo.glb");
        eprintln!("AFTERLIGHT_BLESS=1: wrote {} ({} bytes)", path.display(), generated.len());
        return;
    }
    let committed = std::fs::read(&path).expect("read scenes/product_demo.glb");
    if committed != generated {
        let first_difference = committed.iter().zip(&generated).position(|(a, b)| a != b);
        panic!(
            "{} ({} bytes) differs from generate::product_demo_glb() ({} bytes), first at byte \
             {first_difference:?}; if the generator changed on purpose, run \
             `AFTERLIGHT_BLESS=1 cargo test --test integration default_scene::` and commit the file",
            path.display(),
            committed.len(),
            generated.len(),
        );
    }
    // The embedded copy is compiled in from the same file; a stale build would show here.
    assert!(scene::DEFAULT_SCENE_GLB == generated.as_slice(), "DEFAULT_SCENE_GLB is stale");
}

#[test]
fn scene_is_small() {
    let size = generate::product_demo_glb().len();
    assert!(size < 300 * 1024, "product_demo.glb is {size} bytes");
}

/// World transform of a root node (the scene has no hierarchy).
fn node_pose(node: &gltf::Node) -> (Vec3, Quat) {
    let (translation, rotation, _) = node.transform().decomposed();
    (Vec3::from(translation), Quat::from_array(rotation))
}

#[test]
fn scene_has_the_meshes_materials_camera_and_light_described() {
    let glb = generate::product_demo_glb();
    let gltf = gltf::Gltf::from_slice(&glb).expect("valid GLB");
    let blob = gltf.blob.as_deref().expect("GLB has a BIN chunk");
    assert!(gltf.extensions_required().next().is_none(), "nothing should be required");
    let used: Vec<&str> = gltf.extensions_used().collect();
    assert!(
        used.contains(&"KHR_lights_punctual") && used.contains(&"KHR_materials_emissive_strength")
    );

    let scene = gltf.default_scene().expect("a default scene");
    let nodes: Vec<gltf::Node> = scene.nodes().collect();
    let node = |name: &str| {
        nodes.iter().find(|n| n.name() == Some(name)).unwrap_or_else(|| panic!("node {name}"))
    };

    for name in ["floor", "pedestal", "red_sphere", "gold_sphere", "glow_ring"] {
        let mesh = node(name).mesh().unwrap_or_else(|| panic!("{name} has a mesh"));
        for primitive in mesh.primitives() {
            assert_eq!(primitive.mode(), gltf::mesh::Mode::Triangles);
            for semantic in
                [gltf::Semantic::Positions, gltf::Semantic::Normals, gltf::Semantic::TexCoords(0)]
            {
                assert!(primitive.get(&semantic).is_some(), "{name} lacks {semantic:?}");
            }
            let indices = primitive.indices().expect("indexed");
            assert_eq!(indices.data_type(), gltf::accessor::DataType::U16);
            // The declared POSITION bounds are the data's, as glTF requires.
            let reader = primitive.reader(|_| Some(blob));
            let (mut min, mut max) = (Vec3::INFINITY, Vec3::NEG_INFINITY);
            for p in reader.read_positions().expect("positions") {
                min = min.min(Vec3::from(p));
                max = max.max(Vec3::from(p));
            }
            let bounds = primitive.bounding_box();
            assert_eq!((Vec3::from(bounds.min), Vec3::from(bounds.max)), (min, max), "{name}");
            let count = reader.read_positions().expect("positions").len() as u32;
            let read_indices: Vec<u32> =
                reader.read_indices().expect("indices").into_u32().collect();
            assert!(
                read_indices.len().is_multiple_of(3) && read_indices.iter().all(|&i| i < count)
            );
        }
    }

    let material = |name: &str| {
        let n = node(name);
        n.mesh().and_then(|m| m.primitives().next()).map(|p| p.material()).expect("material")
    };
    let floor = material("floor");
    let pbr = floor.pbr_metallic_roughness();
    assert!(pbr.roughness_factor() >= 0.7 && pbr.metallic_factor() == 0.0);
    let checker = pbr.base_color_texture().expect("the floor has a texture");
    assert_eq!(checker.tex_coord(), 0);
    let sampler = checker.texture().sampler();
    assert_eq!(sampler.wrap_s(), gltf::texture::WrappingMode::Repeat);
    assert_eq!(sampler.wrap_t(), gltf::texture::WrappingMode::Repeat);
    let gltf::image::Source::View { view, mime_type } = checker.texture().source().source() else {
        panic!("the checker should be embedded in the GLB");
    };
    assert_eq!(mime_type, "image/png");
    let png = &blob[view.offset()..view.offset() + view.length()];
    let image = image::load_from_memory(png).expect("decodable PNG");
    assert_eq!((image.width(), image.height()), (64, 64));

    let red = material("red_sphere").pbr_metallic_roughness();
    let [r, g, b, _] = red.base_color_factor();
    assert!(r > 0.5 && g < 0.1 && b < 0.1, "red plastic is red");
    assert_eq!((red.metallic_factor(), red.roughness_factor()), (0.0, 0.3));
    let gold = material("gold_sphere").pbr_metallic_roughness();
    assert_eq!((gold.metallic_factor(), gold.roughness_factor()), (1.0, 0.25));
    let glow = material("glow_ring");
    assert!(glow.emissive_factor().iter().all(|&c| c > 0.0));
    assert_eq!(glow.emissive_strength(), Some(4.0));

    // The spheres rest on the pedestal, the gold one smaller.
    let red_sphere = node("red_sphere").transform().decomposed();
    let gold_sphere = node("gold_sphere").transform().decomposed();
    assert!(gold_sphere.2[0] < red_sphere.2[0]);
    let pedestal_top =
        node("pedestal").mesh().and_then(|m| m.primitives().next()).expect("primitive");
    let top = pedestal_top.bounding_box().max[1];
    for (translation, _, scale) in [red_sphere, gold_sphere] {
        assert!((translation[1] - scale[1] - top).abs() < 1e-5, "a sphere floats or sinks");
    }

    let cameras: Vec<gltf::Node> = nodes.iter().filter(|n| n.camera().is_some()).cloned().collect();
    assert_eq!(cameras.len(), 1);
    assert_eq!(gltf.cameras().len(), 1);
    let camera = &cameras[0];
    let lens = camera.camera().expect("camera");
    let gltf::camera::Projection::Perspective(lens) = lens.projection() else {
        panic!("the camera should be perspective");
    };
    assert!(lens.yfov() > 0.3 && lens.yfov() < 1.2);
    let (eye, rotation) = node_pose(camera);
    let looking = rotation * Vec3::NEG_Z;
    let to_product = (Vec3::new(0.0, 0.6, 0.0) - eye).normalize();
    assert!(looking.dot(to_product) > 0.99, "the camera looks at the product");
    assert!(eye.y > 1.0 && eye.x.abs() > 0.5 && eye.z > 0.5, "3/4 view from above: {eye}");
    assert!((rotation * Vec3::X).y.abs() < 1e-5, "the camera is not rolled");

    let lights: Vec<gltf::Node> = nodes.iter().filter(|n| n.light().is_some()).cloned().collect();
    assert_eq!(lights.len(), 1);
    let light = lights[0].light().expect("light");
    assert!(matches!(light.kind(), Kind::Directional));
    assert_eq!(light.intensity(), 6.0);
    let (_, rotation) = node_pose(&lights[0]);
    let direction = rotation * Vec3::NEG_Z;
    assert!(direction.y < -0.5, "the sun shines down: {direction}");
}

/// Through afterlight's own importer, the scene gives what the renderer needs.
#[test]
fn scene_imports_with_a_camera_and_a_light() {
    let imported = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None).expect("imports");
    assert!(!imported.instances.is_empty());
    assert_eq!(imported.cameras.len(), 1);
    assert_eq!(imported.lights.len(), 1);
}

//! Ray-traced reference AO on real scenes (the Cornell box and DamagedHelmet from
//! `../shared/scenes`, skipped with a message when that folder is absent): physical sanity of
//! the reference the screen-space AO pass is measured against. Prints timings and a coarse
//! picture; asserts nothing about time and writes no files.

use crate::common;

use std::time::Instant;

use afterlight::quality::ao_reference::{self, ambient_occlusion_with_bvh};
use afterlight::quality::raytrace::Bvh;
use afterlight::scene::{self, Camera, Scene};
use glam::Vec3;

const SIZE: u32 = 64;
const RAYS: u32 = 64;

/// The reference AO of `scene` framed from `yaw`/`pitch`, with radius 0.1 x the bounds'
/// radius, timed; also the camera used.
fn reference(name: &str, scene: &Scene, yaw: f32, pitch: f32) -> (Vec<Option<f32>>, Camera) {
    let camera = Camera::frame_bounds(&scene.bounds, yaw, pitch, 1.0);
    let radius = 0.1 * scene.bounds.radius();
    let start = Instant::now();
    let bvh = Bvh::from_scene(scene);
    let built = start.elapsed();
    let start = Instant::now();
    let ao = ambient_occlusion_with_bvh(&bvh, &camera, SIZE, SIZE, radius, RAYS);
    let traced = start.elapsed();
    eprintln!(
        "{name}: {} triangles, {} BVH nodes built in {:.1} ms; {SIZE}x{SIZE} px x {RAYS} rays \
         (radius {radius:.3}) traced in {:.1} ms",
        bvh.triangles().len(),
        bvh.node_count(),
        built.as_secs_f64() * 1e3,
        traced.as_secs_f64() * 1e3,
    );
    eprintln!("{}", picture(&ao));
    (ao, camera)
}

/// Every other row and column as characters: ' ' for no surface, then darker to lighter.
fn picture(ao: &[Option<f32>]) -> String {
    const RAMP: &[u8] = b"#%*+=-:.";
    let mut out = String::new();
    for y in (0..SIZE as usize).step_by(2) {
        for x in (0..SIZE as usize).step_by(2) {
            out.push(match ao[y * SIZE as usize + x] {
                None => ' ',
                Some(v) => RAMP[((v * RAMP.len() as f32) as usize).min(RAMP.len() - 1)] as char,
            });
        }
        out.push('\n');
    }
    out
}

/// Values in [0, 1], some surface, some occlusion; returns the mean visibility.
fn assert_sane(name: &str, ao: &[Option<f32>]) -> f32 {
    assert_eq!(ao.len(), (SIZE * SIZE) as usize);
    let values: Vec<f32> = ao.iter().flatten().copied().collect();
    assert!(values.len() > ao.len() / 10, "{name}: only {} surface pixels", values.len());
    assert!(values.iter().all(|v| (0.0..=1.0).contains(v)), "{name}: value out of range");
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    eprintln!("{name}: mean visibility {mean:.3} over {} pixels", values.len());
    assert!(mean < 1.0, "{name}: no occlusion at all");
    mean
}

/// The pixel whose centre is nearest where `point` projects.
fn pixel_of(camera: &Camera, point: Vec3) -> Option<usize> {
    let ndc = (camera.projection_matrix(1.0) * camera.view()).project_point3(point);
    let x = ((ndc.x * 0.5 + 0.5) * SIZE as f32).floor();
    let y = ((0.5 - ndc.y * 0.5) * SIZE as f32).floor();
    let inside = (0.0..SIZE as f32).contains(&x) && (0.0..SIZE as f32).contains(&y);
    inside.then(|| y as usize * SIZE as usize + x as usize)
}

#[test]
fn cornell_box_corners_are_darker_than_the_back_wall() {
    let Some(path) = common::shared_file("scenes/CornellBox_kajiya/scene.gltf") else { return };
    let scene = scene::load(&path).expect("loads");
    // The box opens towards +z: look straight in.
    let (ao, camera) = reference("Cornell box", &scene, 0.0, 0.0);
    assert_sane("Cornell box", &ao);
    let (min, max) = (scene.bounds.min, scene.bounds.max);
    let at = |p: Vec3| {
        let pixel = pixel_of(&camera, p).expect("point in view");
        ao[pixel].unwrap_or_else(|| panic!("no surface at {p}"))
    };
    // The back wall is the bounds' far z face; the side walls, floor and ceiling meet it.
    let centre = at(Vec3::new((min.x + max.x) * 0.5, (min.y + max.y) * 0.5, min.z));
    let inset = 0.03 * (max - min);
    for (sx, sy) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
        let corner = Vec3::new(
            min.x + inset.x + sx * (max.x - min.x - 2.0 * inset.x),
            min.y + inset.y + sy * (max.y - min.y - 2.0 * inset.y),
            min.z + inset.z,
        );
        let v = at(corner);
        eprintln!("corner {corner}: {v:.3} (back wall centre {centre:.3})");
        assert!(v < centre - 0.1, "corner {corner}: {v} vs back wall centre {centre}");
    }
}

#[test]
fn damaged_helmet_reference_is_physically_sane() {
    let Some(path) = common::shared_file("scenes/DamagedHelmet/DamagedHelmet.glb") else { return };
    let scene = scene::load(&path).expect("loads");
    let (ao, _) = reference("DamagedHelmet", &scene, 30.0, 15.0);
    assert_sane("DamagedHelmet", &ao);
    // The reference is reproducible: the same inputs give the same bits.
    let camera = Camera::frame_bounds(&scene.bounds, 30.0, 15.0, 1.0);
    let again = ao_reference::ambient_occlusion(
        &scene,
        &camera,
        SIZE,
        SIZE,
        0.1 * scene.bounds.radius(),
        RAYS,
    );
    assert_eq!(ao, again);
}

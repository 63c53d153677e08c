//! G-buffer contents against analytic answers, on whatever adapter is present (lavapipe in CI):
//! depth linearisation, motion vectors for known camera and object moves, normal packing.

use crate::common;

use afterlight::render::{RenderOptions, Renderer, packing};
use afterlight::scene::{Camera, CameraProjection};
use glam::{Mat4, Vec2, Vec3};

const W: u32 = 64;
const H: u32 = 48;

fn ortho_camera(x: f32) -> Camera {
    Camera {
        position: Vec3::new(x, 0.0, 10.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Orthographic { ymag: 2.0, znear: 0.1, zfar: 100.0 },
    }
}

fn covered(depth: &[f32]) -> Vec<usize> {
    (0..depth.len()).filter(|&i| depth[i] > 0.0).collect()
}

#[test]
fn perspective_depth_linearises_to_the_plane_distance() {
    let Some(gpu) = common::gpu() else { return };
    // A square facing the camera 7 m away, much larger than the view.
    let scene = common::square_scene(100.0, Mat4::from_translation(Vec3::new(0.0, 0.0, -7.0)));
    let camera = Camera {
        position: Vec3::ZERO,
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Perspective { yfov: 1.0, znear: 0.05 },
    };
    let mut renderer = Renderer::new(&gpu, &scene, W, H).expect("renderer");
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
    let depth = renderer.read_depth(&gpu).expect("depth");
    assert_eq!(covered(&depth).len(), depth.len(), "the plane covers the view");
    for &d in &depth {
        // Reverse-Z, infinite far: depth = near / distance along the view axis.
        assert!((d - 0.05 / 7.0).abs() < 1e-6, "stored depth {d}");
        assert!(
            (camera.linearize_depth(d) - 7.0).abs() < 1e-3,
            "linear depth {}",
            camera.linearize_depth(d)
        );
    }
}

#[test]
fn camera_pan_gives_the_analytic_motion_vector() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::square_scene(100.0, Mat4::IDENTITY);
    let mut renderer = Renderer::new(&gpu, &scene, W, H).expect("renderer");
    let options = RenderOptions::default();
    renderer.render(&gpu, &ortho_camera(0.0), &options).expect("render");
    assert!(
        renderer.read_motion(&gpu).expect("motion").iter().all(|m| *m == [0.0, 0.0]),
        "first frame is still"
    );
    // The camera moves 0.3 m right; the view is 2 * ymag * aspect wide, so the world moves
    // left by 0.3 / (2 * 2 * 4/3) of the image width.
    renderer.render(&gpu, &ortho_camera(0.3), &options).expect("render");
    let motion = renderer.read_motion(&gpu).expect("motion");
    let expected = -0.3 / (2.0 * 2.0 * W as f32 / H as f32);
    for m in motion {
        assert!(
            (m[0] - expected).abs() < 2e-4 && m[1].abs() < 1e-6,
            "motion {m:?}, expected ({expected}, 0)"
        );
    }
}

#[test]
fn perspective_camera_motion_matches_cpu_reprojection() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::square_scene(
        40.0,
        Mat4::from_rotation_x(-1.2) * Mat4::from_translation(Vec3::new(0.0, 0.0, -2.0)),
    );
    let mut renderer = Renderer::new(&gpu, &scene, W, H).expect("renderer");
    let before = Camera::orbit(Vec3::ZERO, 10.0, 25.0, 6.0, 0.9);
    let after = Camera::orbit(Vec3::new(0.1, 0.0, 0.0), 14.0, 23.0, 5.8, 0.9);
    renderer.render(&gpu, &before, &RenderOptions::default()).expect("render");
    renderer.render(&gpu, &after, &RenderOptions::default()).expect("render");
    let depth = renderer.read_depth(&gpu).expect("depth");
    let motion = renderer.read_motion(&gpu).expect("motion");
    let now = afterlight::render::view_projection(&after, W, H);
    let prev = afterlight::render::view_projection(&before, W, H);
    let pixels = covered(&depth);
    assert!(pixels.len() > 500, "plane visible: {} pixels", pixels.len());
    let mut worst = 0f32;
    for i in pixels {
        let uv = Vec2::new((i as u32 % W) as f32 + 0.5, (i as u32 / W) as f32 + 0.5)
            / Vec2::new(W as f32, H as f32);
        let ndc = Vec3::new(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, depth[i]);
        let world = now.inverse().project_point3(ndc);
        let p = prev.project_point3(world);
        let prev_uv = Vec2::new(p.x * 0.5 + 0.5, 0.5 - p.y * 0.5);
        let expected = uv - prev_uv;
        worst = worst.max((Vec2::from(motion[i]) - expected).abs().max_element());
    }
    // Half-float storage of motions up to ~0.1 gives ~5e-5 error; interpolation adds a little.
    assert!(worst < 1e-3, "worst motion error {worst}");
}

#[test]
fn object_motion_is_written_for_a_moving_instance() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::square_scene(1.0, Mat4::IDENTITY);
    let mut renderer = Renderer::new(&gpu, &scene, W, H).expect("renderer");
    let camera = ortho_camera(0.0);
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
    // The square moves 0.5 m up: in uv (v down) that is -0.5 / (2 * ymag).
    assert!(renderer.set_instance_transform(0, Mat4::from_translation(Vec3::new(0.0, 0.5, 0.0))));
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
    let depth = renderer.read_depth(&gpu).expect("depth");
    let motion = renderer.read_motion(&gpu).expect("motion");
    let pixels = covered(&depth);
    // 1 m square in a 4 m tall view of 48 px: 12 x 12 px.
    assert_eq!(pixels.len(), 144, "square coverage");
    for i in pixels {
        assert!(
            motion[i][0].abs() < 1e-6 && (motion[i][1] + 0.125).abs() < 1e-4,
            "motion {:?}",
            motion[i]
        );
    }
    assert!(!renderer.set_instance_transform(5, Mat4::IDENTITY), "no instance 5");
    assert!(
        !renderer.set_instance_transform(0, Mat4::from_scale(Vec3::splat(f32::NAN))),
        "NaN rejected"
    );
}

#[test]
fn stored_normals_decode_to_the_geometric_normal() {
    let Some(gpu) = common::gpu() else { return };
    // A square tilted about x and y: its normal is known exactly.
    let rotation = Mat4::from_rotation_y(0.7) * Mat4::from_rotation_x(-0.4);
    let scene = common::square_scene(100.0, rotation);
    let normal = rotation.transform_vector3(Vec3::Z).normalize();
    let camera =
        Camera { position: normal * 5.0, forward: -normal, up: Vec3::Y, ..ortho_camera(0.0) };
    let mut renderer = Renderer::new(&gpu, &scene, W, H).expect("renderer");
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
    let stored = renderer.read_normal_roughness_metallic(&gpu).expect("normals");
    for s in stored {
        let decoded = packing::oct_decode(Vec2::new(s[0], s[1]));
        assert!((decoded - normal).abs().max_element() < 1e-3, "{decoded} vs {normal}");
        // The default glTF material: roughness 1, metallic 1.
        assert_eq!((s[2], s[3]), (1.0, 1.0));
    }
}

//! Image tests on a real adapter (lavapipe in CI): goldens of our own scene and the shared
//! models, and placement checks with reference answers (UV orientation, world axes).

mod common;

use afterlight::gpu::Gpu;
use afterlight::render::{DebugView, RenderOptions, Renderer, view_projection};
use afterlight::scene::{self, Camera, Scene};
use glam::{Vec2, Vec3};

fn render(
    gpu: &Gpu,
    scene: &Scene,
    camera: &Camera,
    size: (u32, u32),
    view: Option<DebugView>,
) -> Vec<u8> {
    let mut renderer = Renderer::new(gpu, scene, size.0, size.1).expect("renderer");
    renderer.render(gpu, camera, &RenderOptions { debug_view: view, ..Default::default() });
    renderer.read_display(gpu).expect("readback")
}

fn default_scene() -> Scene {
    scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None).expect("built-in scene loads")
}

fn scene_camera(scene: &Scene, aspect: f32) -> Camera {
    scene
        .cameras
        .first()
        .map(|c| Camera::from_transform(&c.transform, c.projection))
        .unwrap_or_else(|| Camera::frame_bounds(&scene.bounds, 30.0, 20.0, aspect))
}

/// Pixel coordinates of a world point.
fn project(camera: &Camera, size: (u32, u32), p: Vec3) -> Vec2 {
    let ndc = view_projection(camera, size.0, size.1).project_point3(p);
    Vec2::new((ndc.x * 0.5 + 0.5) * size.0 as f32, (0.5 - ndc.y * 0.5) * size.1 as f32)
}

fn pixel(rgba: &[u8], size: (u32, u32), at: Vec2) -> [u8; 3] {
    let (x, y) = (
        at.x.clamp(0.0, size.0 as f32 - 1.0) as usize,
        at.y.clamp(0.0, size.1 as f32 - 1.0) as usize,
    );
    let i = (y * size.0 as usize + x) * 4;
    [rgba[i], rgba[i + 1], rgba[i + 2]]
}

#[test]
fn product_demo_lit_golden() {
    let Some(gpu) = common::gpu() else { return };
    let scene = default_scene();
    let size = (192, 128);
    let image = render(&gpu, &scene, &scene_camera(&scene, 1.5), size, None);
    common::assert_golden("product_demo_lit", size.0, size.1, &image, 0.97);
}

#[test]
fn product_demo_debug_views_golden() {
    let Some(gpu) = common::gpu() else { return };
    let scene = default_scene();
    let camera = scene_camera(&scene, 1.5);
    let tile = (96u32, 64u32);
    let views = [
        DebugView::Albedo,
        DebugView::Normal,
        DebugView::Roughness,
        DebugView::Metallic,
        DebugView::Depth,
        DebugView::Emissive,
    ];
    // One atlas, three tiles across, so a single golden shows every channel side by side.
    let (w, h) = (tile.0 * 3, tile.1 * 2);
    let mut atlas = vec![0u8; (w * h * 4) as usize];
    for (i, view) in views.into_iter().enumerate() {
        let image = render(&gpu, &scene, &camera, tile, Some(view));
        let (ox, oy) = ((i as u32 % 3) * tile.0, (i as u32 / 3) * tile.1);
        for y in 0..tile.1 {
            let src = (y * tile.0 * 4) as usize;
            let dst = (((oy + y) * w + ox) * 4) as usize;
            atlas[dst..dst + (tile.0 * 4) as usize]
                .copy_from_slice(&image[src..src + (tile.0 * 4) as usize]);
        }
    }
    common::assert_golden("product_demo_debug_views", w, h, &atlas, 0.97);
}

#[test]
fn damaged_helmet_golden() {
    let (Some(shared), Some(gpu)) = (common::shared(), common::gpu()) else { return };
    let scene =
        scene::load(&shared.join("scenes/DamagedHelmet/DamagedHelmet.glb")).expect("helmet loads");
    let size = (128, 128);
    let camera = Camera::frame_bounds(&scene.bounds, 25.0, 10.0, 1.0);
    let image = render(&gpu, &scene, &camera, size, None);
    common::assert_golden("damaged_helmet", size.0, size.1, &image, 0.95);
}

/// Fraction of pixels darker than the checker threshold in the square of half-size `r` pixels
/// around `at`.
fn dark_fraction(rgba: &[u8], size: (u32, u32), at: Vec2, r: i32) -> f32 {
    let mut dark = 0;
    let mut total = 0;
    for dy in -r..=r {
        for dx in -r..=r {
            let p = pixel(rgba, size, at + Vec2::new(dx as f32, dy as f32));
            total += 1;
            if p.iter().all(|&c| c < 40) {
                dark += 1;
            }
        }
    }
    dark as f32 / total as f32
}

#[test]
fn texture_coordinates_put_each_label_corner_outside() {
    let (Some(shared), Some(gpu)) = (common::shared(), common::gpu()) else { return };
    let scene = scene::load(&shared.join("scenes/TextureCoordinateTest/TextureCoordinateTest.glb"))
        .expect("loads");
    let size = (160, 160);
    let camera = Camera::orbit(Vec3::ZERO, 0.0, 0.0, 8.0, 0.4);
    let image = render(&gpu, &scene, &camera, size, Some(DebugView::Albedo));
    // Each quad spans 0.2..1.2 in |x| and |y| and shows the texture corner whose checker
    // border lies at the quad's outer corner; the other corners of the quad are plain.
    for (sx, sy, colour) in
        [(-1.0f32, 1.0f32, "yellow"), (1.0, 1.0, "red"), (-1.0, -1.0, "blue"), (1.0, -1.0, "green")]
    {
        let at = |x: f32, y: f32| project(&camera, size, Vec3::new(sx * x, sy * y, 0.0));
        let outer = dark_fraction(&image, size, at(1.12, 1.12), 2);
        let across_x = dark_fraction(&image, size, at(0.33, 1.12), 2);
        let across_y = dark_fraction(&image, size, at(1.12, 0.33), 2);
        assert!(outer > 0.2, "{colour} quad: checker missing at its outer corner ({outer})");
        assert!(
            across_x < 0.05 && across_y < 0.05,
            "{colour} quad: checker where u or v is flipped ({across_x}, {across_y})"
        );
    }
    // Quad colours by position (base colour factor times white texel): a check of axes.
    let body = |x: f32, y: f32| pixel(&image, size, project(&camera, size, Vec3::new(x, y, 0.0)));
    let [r, g, b] = body(-0.75, 0.55);
    assert!(r > 200 && g > 200 && b < 40, "top left is yellow: {r} {g} {b}");
    let [r, g, b] = body(0.75, 0.55);
    assert!(r > 200 && g < 120 && b < 40, "top right is red: {r} {g} {b}");
    let [r, g, b] = body(-0.75, -0.55);
    assert!(r < 40 && b > 200 && g < 140, "bottom left is blue: {r} {g} {b}");
    let [r, g, b] = body(0.75, -0.55);
    assert!(r < 40 && g > 200 && b < 40, "bottom right is green: {r} {g} {b}");
}

#[test]
fn orientation_test_targets_appear_where_the_axes_say() {
    let (Some(shared), Some(gpu)) = (common::shared(), common::gpu()) else { return };
    let scene =
        scene::load(&shared.join("scenes/OrientationTest/OrientationTest.glb")).expect("loads");
    let size = (200, 200);
    // From the +X +Y +Z octant: the +X, +Y and +Z faces with their arrows and targets show.
    let camera = Camera::orbit(Vec3::ZERO, 45.0, 30.0, 40.0, 0.6);
    let image = render(&gpu, &scene, &camera, size, Some(DebugView::Albedo));
    // Target centres (from the file's accessor bounds) and their materials' base colours.
    let targets = [
        ("TargetX1 (red)", Vec3::new(5.0, 2.95, -2.13), [204u8, 0, 0]),
        ("TargetY1 (green)", Vec3::new(3.34, 5.0, -1.35), [0, 204, 0]),
        ("TargetZ1 (blue)", Vec3::new(-1.0, 3.43, 5.0), [0, 0, 204]),
    ];
    for (name, centre, expected) in targets {
        let at = project(&camera, size, centre);
        let got = pixel(&image, size, at);
        // 0.8 linear is 231 in sRGB; allow for edges and filtering.
        let matches = got.iter().zip(expected).all(|(&g, e)| if e > 0 { g > 180 } else { g < 60 });
        assert!(matches, "{name} at pixel {at}: got {got:?}");
    }
}

//! The shadow catcher against geometric and physical answers: a sphere resting on the
//! invisible ground plane, mostly seen from straight above through an orthographic camera (one
//! pixel is a fixed patch of ground), so the sun's shadow is an analytic ellipse and the
//! sphere's silhouette an analytic disc. Checked: the light fraction inside and outside the shadow and
//! its area, AO under only an environment, the real-world mask against the object's coverage
//! with the catcher off, the HDR at plane pixels against the background the catcher-off render
//! shows there, and strength 0.

use crate::common;

use std::sync::Arc;

use afterlight::gpu::Gpu;
use afterlight::post::Tier;
use afterlight::post::ao::AoSettings;
use afterlight::post::chain::PostSettings;
use afterlight::post::taa::TaaSettings;
use afterlight::render::environment::{Environment, EnvironmentSource};
use afterlight::render::shadow_catcher::ShadowCatcherSettings;
use afterlight::render::{Background, RenderOptions, Renderer, RendererSettings, view_projection};
use afterlight::scene::shapes::{SPHERE_RADIUS, sphere_on_plane};
use afterlight::scene::{Camera, CameraProjection, Light, LightKind, Scene};
use glam::{Mat4, Vec3};

const SIZE: u32 = 128;
/// Half the orthographic view's height in metres: 4 m across, 32 pixels per metre.
const YMAG: f32 = 2.0;

/// The sphere of `sphere_on_plane` without its floor: the catcher is the only ground.
fn sphere() -> Scene {
    let mut scene = sphere_on_plane();
    let floor = scene.meshes.iter().position(|m| m.name.ends_with("floor")).expect("floor");
    scene.instances.retain(|i| i.mesh != floor);
    scene.update_bounds();
    scene
}

/// Straight down at the origin: image right is world +x, image down is world +z.
fn top_down() -> Camera {
    Camera {
        position: Vec3::new(0.0, 10.0, 0.0),
        forward: Vec3::NEG_Y,
        up: Vec3::NEG_Z,
        projection: CameraProjection::Orthographic { ymag: YMAG, znear: 0.1, zfar: 100.0 },
    }
}

/// The ground point (x, z) under pixel `index` of the top-down view.
fn ground(index: usize) -> (f32, f32) {
    let metres_per_pixel = 2.0 * YMAG / SIZE as f32;
    let (i, j) = (index % SIZE as usize, index / SIZE as usize);
    (-YMAG + (i as f32 + 0.5) * metres_per_pixel, -YMAG + (j as f32 + 0.5) * metres_per_pixel)
}

/// The pixel over ground point (x, z).
fn pixel(x: f32, z: f32) -> usize {
    let pixels_per_metre = SIZE as f32 / (2.0 * YMAG);
    let i = ((x + YMAG) * pixels_per_metre) as usize;
    let j = ((z + YMAG) * pixels_per_metre) as usize;
    j * SIZE as usize + i
}

/// A sun of 10 000 lux `zenith` degrees from straight down, travelling towards +x.
fn sun(zenith: f32) -> Light {
    let z = zenith.to_radians();
    let direction = Vec3::new(z.sin(), -z.cos(), 0.0);
    let up = if zenith.abs() < 1.0 { Vec3::Z } else { Vec3::Y };
    Light {
        name: "sun".into(),
        kind: LightKind::Directional,
        color: Vec3::ONE,
        intensity: 10_000.0,
        range: None,
        transform: Mat4::look_to_rh(-direction * 5.0, direction, up).inverse(),
    }
}

/// Default post settings with GTAO on and TAA off, so one frame is the whole answer (no
/// jitter, no accumulation).
fn options(background: Background) -> RenderOptions {
    let post = PostSettings {
        taa: TaaSettings { tier: Tier::Off, ..Default::default() },
        ao: AoSettings::HIGH,
        ..Default::default()
    };
    RenderOptions { background, post, ..Default::default() }
}

struct Frame {
    renderer: Renderer,
}

/// One frame of the sphere from above under `lights` and `env`, with `catcher`.
fn render(
    gpu: &Gpu,
    env: &Arc<Environment>,
    lights: &[Light],
    catcher: Option<ShadowCatcherSettings>,
    camera: &Camera,
    background: Background,
) -> Frame {
    let settings = RendererSettings { shadow_catcher: catcher, ..Default::default() };
    let mut renderer =
        Renderer::with_environment(gpu, &sphere(), (SIZE, SIZE), env.clone(), &settings)
            .expect("renderer");
    renderer.set_lights(gpu, lights);
    renderer.render(gpu, camera, &options(background)).expect("render");
    Frame { renderer }
}

impl Frame {
    fn fraction(&self, gpu: &Gpu) -> Vec<f32> {
        self.renderer.read_shadow_catcher(gpu).expect("readback").expect("catcher on")
    }
    fn mask(&self, gpu: &Gpu) -> Vec<f32> {
        self.renderer.read_real_world_mask(gpu).expect("readback").expect("catcher on")
    }
}

/// Write a single-channel image (0..1) as a grey PNG under target/shadow_catcher/.
fn save(name: &str, values: &[f32]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/shadow_catcher");
    std::fs::create_dir_all(&dir).expect("target dir");
    let bytes: Vec<u8> = values.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
    image::GrayImage::from_raw(SIZE, SIZE, bytes)
        .expect("image size")
        .save(dir.join(format!("{name}.png")))
        .expect("png");
}

fn inside_sphere_silhouette(x: f32, z: f32) -> bool {
    x * x + z * z < SPHERE_RADIUS * SPHERE_RADIUS
}

#[test]
fn sun_shadow_is_the_spheres_projected_ellipse() {
    let Some(gpu) = common::gpu() else { return };
    let black = common::environment(&gpu, EnvironmentSource::Uniform(Vec3::ZERO), 32);
    // 60 degrees from the zenith: the shadow is an ellipse with semi-axes r / cos 60 = 2r
    // along x and r along z, centred r tan 60 along +x from the contact point.
    let zenith = 60f32.to_radians();
    let sun = sun(60.0);
    let frame =
        render(&gpu, &black, &[sun], Some(Default::default()), &top_down(), Background::default());
    let fraction = frame.fraction(&gpu);
    save("sun_fraction", &fraction);
    let r = SPHERE_RADIUS;
    let (cx, ax, az) = (r * zenith.tan(), r / zenith.cos(), r);
    let centre = fraction[pixel(cx, 0.0)];
    assert!(centre < 0.02, "fraction at the shadow's centre {centre}");
    let far = fraction[pixel(-1.5, -1.5)];
    assert!(far > 0.999, "fraction far from the sphere {far}");
    let (mut expected, mut measured) = (0usize, 0usize);
    for (index, &f) in fraction.iter().enumerate() {
        let (x, z) = ground(index);
        if inside_sphere_silhouette(x, z) {
            assert_eq!(f, 1.0, "the sphere itself is not the plane at ({x}, {z})");
            continue;
        }
        let (u, v) = ((x - cx) / ax, z / az);
        expected += usize::from(u * u + v * v < 1.0);
        measured += usize::from(f < 0.5);
    }
    let error = (measured as f32 - expected as f32).abs() / expected as f32;
    assert!(error < 0.05, "shadow area {measured} px, expected {expected} px");
}

#[test]
fn environment_only_gives_ambient_occlusion_near_the_sphere() {
    let Some(gpu) = common::gpu() else { return };
    let white = common::environment(&gpu, EnvironmentSource::Uniform(Vec3::ONE), 32);
    let camera = Camera::orbit(Vec3::new(0.0, 0.3, 0.0), 20.0, 35.0, 4.0, 0.9);
    let catcher = Some(Default::default());
    let frame = render(&gpu, &white, &[], catcher, &camera, Background::default());
    let fraction = frame.fraction(&gpu);
    let mask = frame.mask(&gpu);
    save("sky_fraction", &fraction);
    let view_proj = view_projection(&camera, SIZE, SIZE);
    let pixel_of = |p: Vec3| {
        let clip = view_proj * p.extend(1.0);
        let ndc = clip.truncate() / clip.w;
        let x = ((ndc.x * 0.5 + 0.5) * SIZE as f32) as usize;
        let y = ((0.5 - ndc.y * 0.5) * SIZE as f32) as usize;
        (x < SIZE as usize && y < SIZE as usize).then_some(y * SIZE as usize + x)
    };
    // Plane pixels on a ring just outside the sphere's silhouette, where it hides much of
    // the sky, and on a ring 2.5 m out.
    let ring = |d: f32| -> Vec<f32> {
        (0..64)
            .filter_map(|k| {
                let a = k as f32 / 64.0 * std::f32::consts::TAU;
                pixel_of(Vec3::new(d * a.cos(), 0.0, d * a.sin()))
            })
            .filter(|&i| mask[i] == 1.0)
            .map(|i| fraction[i])
            .collect()
    };
    let (near, far) = (ring(SPHERE_RADIUS * 1.1), ring(2.5));
    assert!(near.len() > 8 && far.len() > 8, "{} and {} ring pixels", near.len(), far.len());
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    // GTAO's 0.5 m radius and falloff make this far weaker than the ray-traced answer; the
    // side facing the camera is the darkest (GTAO works in screen space).
    let darkest = near.iter().fold(1f32, |a, &b| a.min(b));
    assert!(darkest < 0.95 && mean(&near) < 0.985, "fraction next to the sphere {near:?}");
    assert!(mean(&far) > 0.98, "fraction 2.5 m out {far:?}");
}

#[test]
fn real_world_mask_is_everything_but_the_object() {
    let Some(gpu) = common::gpu() else { return };
    let env = common::studio(&gpu);
    let lights = [sun(30.0)];
    // A plane smaller than the view, so background, plane and object all show.
    let catcher = ShadowCatcherSettings { half_extent: Some(1.5), ..Default::default() };
    let on = render(&gpu, &env, &lights, Some(catcher), &top_down(), Background::default());
    let off = render(&gpu, &env, &lights, None, &top_down(), Background::default());
    assert!(off.renderer.read_shadow_catcher(&gpu).expect("readback").is_none());
    assert!(off.renderer.real_world_mask_view().is_none());
    let mask = on.mask(&gpu);
    save("mask", &mask);
    let object = off.renderer.read_depth(&gpu).expect("depth");
    let depth_on = on.renderer.read_depth(&gpu).expect("depth");
    let (mut object_pixels, mut plane_pixels, mut background_pixels) = (0, 0, 0);
    for (index, &m) in mask.iter().enumerate() {
        let on_object = object[index] > 0.0;
        assert_eq!(m, if on_object { 0.0 } else { 1.0 }, "mask at pixel {index}");
        object_pixels += usize::from(on_object);
        plane_pixels += usize::from(!on_object && depth_on[index] > 0.0);
        background_pixels += usize::from(depth_on[index] <= 0.0);
    }
    // The sphere's disc and the 3 m square, in pixels.
    let per_metre = SIZE as f32 / (2.0 * YMAG);
    let disc = std::f32::consts::PI * (SPHERE_RADIUS * per_metre).powi(2);
    let square = (3.0 * per_metre).powi(2);
    assert!((object_pixels as f32 - disc).abs() < 0.03 * disc, "{object_pixels} vs {disc}");
    let plane = square - disc;
    assert!((plane_pixels as f32 - plane).abs() < 0.03 * plane, "{plane_pixels} vs {plane}");
    assert!(background_pixels > 0);
}

#[test]
fn plane_shows_the_background_times_the_fraction() {
    let Some(gpu) = common::gpu() else { return };
    let env = common::studio(&gpu);
    let lights = [sun(40.0)];
    // In perspective, so the environment behind the plane varies across the image.
    let camera = Camera::orbit(Vec3::new(0.0, 0.3, 0.0), 20.0, 35.0, 4.0, 0.9);
    for background in [Background::Environment, Background::Color(Vec3::new(0.2, 0.3, 0.4))] {
        let on = render(&gpu, &env, &lights, Some(Default::default()), &camera, background);
        let off = render(&gpu, &env, &lights, None, &camera, background);
        let fraction = on.fraction(&gpu);
        let mask = on.mask(&gpu);
        let (hdr_on, hdr_off) =
            (on.renderer.read_hdr(&gpu).expect("hdr"), off.renderer.read_hdr(&gpu).expect("hdr"));
        let depth_off = off.renderer.read_depth(&gpu).expect("depth");
        let depth_on = on.renderer.read_depth(&gpu).expect("depth");
        if background == Background::Environment {
            save("perspective_fraction", &fraction);
            let luminance: Vec<f32> = hdr_on.iter().map(|c| c[1] / (1.0 + c[1])).collect();
            save("perspective_hdr", &luminance);
        }
        let (mut plane_pixels, mut far_pixels) = (0, 0);
        for index in 0..fraction.len() {
            // Plane pixels: ground with the catcher on, background with it off.
            if depth_on[index] <= 0.0 || depth_off[index] > 0.0 {
                continue;
            }
            assert_eq!(mask[index], 1.0, "plane pixel {index} is real world");
            plane_pixels += 1;
            let f = fraction[index];
            for c in 0..4 {
                let expected = if c == 3 { 1.0 } else { hdr_off[index][c] * f };
                let got = hdr_on[index][c];
                assert!(
                    (got - expected).abs() <= 4e-3 * expected.abs() + 1e-7,
                    "{background:?} pixel {index} channel {c}: {got} vs {expected} (fraction {f})"
                );
            }
            if f > 0.999 {
                far_pixels += 1;
            }
        }
        assert!(plane_pixels > 2000, "{plane_pixels} plane pixels");
        assert!(far_pixels > plane_pixels / 2, "{far_pixels} of {plane_pixels} unshadowed");
    }
}

#[test]
fn strength_zero_keeps_everything_lit() {
    let Some(gpu) = common::gpu() else { return };
    let env = common::studio(&gpu);
    let catcher = ShadowCatcherSettings { strength: 0.0, ..Default::default() };
    let frame = render(&gpu, &env, &[sun(30.0)], Some(catcher), &top_down(), Background::default());
    let fraction = frame.fraction(&gpu);
    assert!(
        fraction.iter().all(|&f| f == 1.0),
        "min {}",
        fraction.iter().fold(1f32, |a, &b| a.min(b))
    );
}

#[test]
fn settings_out_of_range_are_clamped_not_fatal() {
    let Some(gpu) = common::gpu() else { return };
    let env = common::studio(&gpu);
    let catcher =
        ShadowCatcherSettings { height: Some(f32::NAN), half_extent: Some(-1.0), strength: 7.0 };
    let frame = render(&gpu, &env, &[sun(0.0)], Some(catcher), &top_down(), Background::default());
    let fraction = frame.fraction(&gpu);
    // Strength clamped to 1 and the sun straight down: the ground right beside the sphere is
    // lit, and nothing is NaN.
    assert!(fraction.iter().all(|f| f.is_finite() && (0.0..=1.0).contains(f)));
    assert!(fraction[pixel(1.5, 0.0)] > 0.99);
}

#[test]
fn settings_round_trip_through_toml() {
    let settings = ShadowCatcherSettings { height: Some(0.25), half_extent: None, strength: 0.8 };
    let text = toml::to_string(&settings).expect("serialise");
    let back: ShadowCatcherSettings = toml::from_str(&text).expect("parse");
    assert_eq!(back, settings);
    let error = toml::from_str::<ShadowCatcherSettings>("strenght = 1").expect_err("unknown key");
    assert!(error.to_string().contains("strenght"), "{error}");
}

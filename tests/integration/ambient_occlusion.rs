//! Ground-truth ambient occlusion against physical answers: an open plane sees its whole
//! hemisphere at every tier, a right-angle crease darkens monotonically towards the crease and
//! not at all beyond the radius, AO never touches direct light but does darken environment
//! light in creases, half resolution and temporal accumulation agree with the full-resolution
//! single frame, and tiny images stay finite. Against the ray-traced reference on the scenes
//! `afterlight quality` measures, each tier is at least as close as the one below (the tier
//! ladder), and a budget-governor step between tiers compiles no pipeline in its frame.

use crate::common;

use std::sync::Arc;

use afterlight::gpu::Gpu;
use afterlight::post::Tier;
use afterlight::post::ao::{AoQuality, AoSettings};
use afterlight::post::taa::TaaSettings;
use afterlight::quality::report::{self, AoCase};
use afterlight::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use afterlight::render::shadows::ShadowSettings;
use afterlight::render::{Background, RenderOptions, Renderer, RendererSettings, view_projection};
use afterlight::scene::{Camera, CameraProjection, Instance, Light, LightKind, Material, Scene};
use glam::{Mat4, Quat, Vec3, Vec4};

const SIZE: (u32, u32) = (96, 96);
const TIERS: [Tier; 4] = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra];

fn environment(gpu: &Gpu, radiance: Vec3) -> Arc<Environment> {
    let settings = EnvironmentSettings {
        source: EnvironmentSource::Uniform(radiance),
        resolution: 32,
        ..Default::default()
    };
    Arc::new(Environment::new(gpu, &settings, &mut |_, _| {}).expect("environment"))
}

fn options(ao: AoSettings) -> RenderOptions {
    let mut options =
        RenderOptions { background: Background::Color(Vec3::ZERO), ..Default::default() };
    options.post.exposure = afterlight::post::exposure::ExposureSettings::manual(-(1.2f32).log2());
    options.post.ao = ao;
    options
}

fn ao(tier: Tier) -> AoSettings {
    AoSettings { tier, multi_bounce: false, ..AoSettings::HIGH }
}

fn renderer(gpu: &Gpu, scene: &Scene, size: (u32, u32), env: &Arc<Environment>) -> Renderer {
    let no_shadow = RendererSettings {
        shadows: ShadowSettings { enabled: false, ..Default::default() },
        ..Default::default()
    };
    Renderer::with_environment(gpu, scene, size, env.clone(), &no_shadow).expect("renderer")
}

/// A white dielectric floor (z = 0, facing +Z, 40 m wide), optionally with a wall on x = 0
/// facing +X standing on it (the crease along the y axis).
fn floor_scene(wall: bool) -> Scene {
    let mut scene = common::square_scene(40.0, Mat4::IDENTITY);
    scene.materials = vec![Material {
        base_color_factor: Vec4::ONE,
        metallic_factor: 0.0,
        roughness_factor: 1.0,
        ..Default::default()
    }];
    scene.meshes[0].primitives[0].material = Some(0);
    if wall {
        // +Z turned to +X, then lifted so the wall stands on the floor.
        let transform = Mat4::from_translation(Vec3::new(0.0, 0.0, 20.0))
            * Mat4::from_quat(Quat::from_rotation_y(std::f32::consts::FRAC_PI_2));
        scene.instances.push(Instance { mesh: 0, transform, node: "wall".into() });
        scene.update_bounds();
    }
    scene
}

/// Looking down at the floor from 3 m, tilted to see the crease from the +X side.
fn crease_camera() -> Camera {
    let position = Vec3::new(2.5, -0.5, 3.0);
    Camera {
        position,
        forward: (Vec3::new(0.6, 0.0, 0.0) - position).normalize(),
        up: Vec3::Y,
        projection: CameraProjection::Perspective { yfov: 0.9, znear: 0.05 },
    }
}

/// The pixel index where world point `p` lands.
fn pixel_of(camera: &Camera, size: (u32, u32), p: Vec3) -> usize {
    let clip = view_projection(camera, size.0, size.1) * p.extend(1.0);
    let ndc = clip.truncate() / clip.w;
    let x = ((ndc.x * 0.5 + 0.5) * size.0 as f32) as usize;
    let y = ((0.5 - ndc.y * 0.5) * size.1 as f32) as usize;
    y * size.0 as usize + x
}

fn visibility(
    gpu: &Gpu,
    scene: &Scene,
    camera: &Camera,
    size: (u32, u32),
    ao: AoSettings,
) -> Vec<f32> {
    let env = environment(gpu, Vec3::ONE);
    let mut renderer = renderer(gpu, scene, size, &env);
    renderer.render(gpu, camera, &options(ao)).expect("render");
    let v = renderer.read_ambient_occlusion(gpu).expect("readback").expect("AO ran");
    assert_eq!(v.len(), (size.0 * size.1) as usize);
    v
}

#[test]
fn tier_table_counts_samples() {
    let spp: Vec<u32> =
        TIERS.iter().map(|&t| AoQuality::for_tier(t).expect("on").samples_per_pixel()).collect();
    assert_eq!(spp, [4, 8, 36, 64]);
    assert!(AoQuality::for_tier(Tier::Off).is_none());
}

#[test]
fn an_open_plane_is_unoccluded_at_every_tier() {
    let Some(gpu) = common::gpu() else { return };
    let scene = floor_scene(false);
    let straight = Camera {
        position: Vec3::new(0.0, 0.0, 3.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Perspective { yfov: 0.9, znear: 0.05 },
    };
    // 30 degrees above the plane, seeing it out to 20 m.
    let position = Vec3::new(0.0, -2.6, 1.5);
    let tilted = Camera { position, forward: -position.normalize(), up: Vec3::Z, ..straight };
    let mut ok = true;
    for (name, camera) in [("straight", straight), ("tilted", tilted)] {
        for tier in TIERS {
            for half_resolution in [false, true] {
                let settings = AoSettings { half_resolution, ..ao(tier) };
                let v = visibility(&gpu, &scene, &camera, SIZE, settings);
                let mean = v.iter().sum::<f32>() / v.len() as f32;
                let mut sorted = v.clone();
                sorted.sort_by(f32::total_cmp);
                let (min, p01) = (sorted[0], sorted[sorted.len() / 100]);
                eprintln!(
                    "{name} {tier:?} half={half_resolution}: mean {mean:.4}, 1% {p01:.4}, min {min:.4}"
                );
                // Low's single slice direction per pixel is noisy on planes seen at an angle (one
                // slice over- or under-estimates; only the mean over directions is 1).
                let floor = if tier == Tier::Low { 0.7 } else { 0.9 };
                ok &= mean > 0.97 && p01 > floor;
            }
        }
    }
    assert!(ok, "an open plane is occluded (see above)");
}

/// Visibility of floor points at increasing distance from the wall.
fn crease_profile(gpu: &Gpu, settings: AoSettings) -> Vec<(f32, f32)> {
    let camera = crease_camera();
    let v = visibility(gpu, &floor_scene(true), &camera, SIZE, settings);
    [0.03, 0.08, 0.15, 0.25, 0.4, 0.6, 0.9]
        .iter()
        .map(|&d| (d, v[pixel_of(&camera, SIZE, Vec3::new(d, 0.0, 0.0))]))
        .collect()
}

#[test]
fn a_right_angle_crease_darkens_monotonically_towards_the_crease() {
    let Some(gpu) = common::gpu() else { return };
    for tier in TIERS {
        let profile = crease_profile(&gpu, ao(tier));
        eprintln!("{tier:?}: {profile:?}");
        // At the crease a quarter of the floor's hemisphere (by solid angle, more by cosine
        // weight near the wall) is wall within the radius.
        assert!(profile[0].1 < 0.8, "{tier:?}: next to the crease {profile:?}");
        // Beyond the radius (0.5 m) nothing occludes.
        assert!(profile[6].1 > 0.95, "{tier:?}: beyond the radius {profile:?}");
        for pair in profile.windows(2) {
            assert!(pair[1].1 >= pair[0].1 - 0.03, "{tier:?}: not monotonic {profile:?}");
        }
    }
}

fn hdr_red(
    gpu: &Gpu,
    scene: &Scene,
    env: &Arc<Environment>,
    lights: &[Light],
    ao: AoSettings,
) -> Vec<f32> {
    let mut renderer = renderer(gpu, scene, SIZE, env);
    renderer.set_lights(gpu, lights);
    renderer.render(gpu, &crease_camera(), &options(ao)).expect("render");
    renderer.read_hdr(gpu).expect("hdr").iter().map(|p| p[0]).collect()
}

#[test]
fn ao_never_touches_direct_light() {
    let Some(gpu) = common::gpu() else { return };
    let black = environment(&gpu, Vec3::ZERO);
    let sun = Light {
        name: "sun".into(),
        kind: LightKind::Directional,
        color: Vec3::ONE,
        intensity: 3.0,
        range: None,
        transform: Mat4::look_to_rh(Vec3::ZERO, Vec3::new(-0.3, 0.2, -1.0), Vec3::Y).inverse(),
    };
    let scene = floor_scene(true);
    let off = hdr_red(&gpu, &scene, &black, std::slice::from_ref(&sun), AoSettings::OFF);
    let on =
        hdr_red(&gpu, &scene, &black, &[sun], AoSettings { multi_bounce: true, ..ao(Tier::High) });
    assert!(off.iter().any(|&r| r > 0.1), "the sun lights the scene");
    assert_eq!(off, on, "AO changed directly lit pixels");
}

#[test]
fn ao_darkens_environment_light_in_the_crease_only() {
    let Some(gpu) = common::gpu() else { return };
    let white = environment(&gpu, Vec3::ONE);
    let scene = floor_scene(true);
    let off = hdr_red(&gpu, &scene, &white, &[], AoSettings::OFF);
    let on = hdr_red(&gpu, &scene, &white, &[], ao(Tier::High));
    let camera = crease_camera();
    let at = |d: f32| pixel_of(&camera, SIZE, Vec3::new(d, 0.0, 0.0));
    let (near, far) = (at(0.05), at(0.9));
    eprintln!("near crease {} -> {}, far {} -> {}", off[near], on[near], off[far], on[far]);
    assert!(on[near] < 0.85 * off[near], "crease not darkened");
    assert!((on[far] - off[far]).abs() < 0.03 * off[far], "open floor darkened");
    for (a, b) in off.iter().zip(&on) {
        assert!(*b <= a + 1e-3 * a.max(1.0), "AO brightened a pixel: {a} -> {b}");
    }
}

#[test]
fn turning_ao_off_restores_the_image_without_it() {
    let Some(gpu) = common::gpu() else { return };
    let white = environment(&gpu, Vec3::ONE);
    let scene = floor_scene(true);
    let fresh = hdr_red(&gpu, &scene, &white, &[], AoSettings::OFF);
    let mut first = renderer(&gpu, &scene, SIZE, &white);
    first.render(&gpu, &crease_camera(), &options(ao(Tier::High))).expect("render");
    first.render(&gpu, &crease_camera(), &options(AoSettings::OFF)).expect("render");
    assert!(first.read_ambient_occlusion(&gpu).expect("readback").is_none());
    let after: Vec<f32> = first.read_hdr(&gpu).expect("hdr").iter().map(|p| p[0]).collect();
    let mut again = renderer(&gpu, &scene, SIZE, &white);
    again.render(&gpu, &crease_camera(), &options(AoSettings::OFF)).expect("render");
    again.render(&gpu, &crease_camera(), &options(AoSettings::OFF)).expect("render");
    let twice: Vec<f32> = again.read_hdr(&gpu).expect("hdr").iter().map(|p| p[0]).collect();
    let differ = |a: &[f32], b: &[f32]| a.iter().zip(b).filter(|(x, y)| x != y).count();
    eprintln!(
        "fresh vs after AO {}, fresh vs twice {}, twice vs after {}",
        differ(&fresh, &after),
        differ(&fresh, &twice),
        differ(&twice, &after)
    );
    assert!(differ(&twice, &after) == 0);
}

#[test]
fn half_resolution_is_full_size_and_close_to_full_resolution() {
    let Some(gpu) = common::gpu() else { return };
    let scene = floor_scene(true);
    let camera = crease_camera();
    let full = visibility(&gpu, &scene, &camera, SIZE, ao(Tier::High));
    let half = visibility(
        &gpu,
        &scene,
        &camera,
        SIZE,
        AoSettings { half_resolution: true, ..ao(Tier::High) },
    );
    let mae = full.iter().zip(&half).map(|(a, b)| (a - b).abs()).sum::<f32>() / full.len() as f32;
    eprintln!("half vs full resolution: MAE {mae:.4}");
    assert!(mae < 0.04, "MAE {mae}");
}

#[test]
fn temporal_accumulation_stays_close_to_a_single_frame() {
    let Some(gpu) = common::gpu() else { return };
    let scene = floor_scene(true);
    let camera = crease_camera();
    let single = visibility(&gpu, &scene, &camera, SIZE, ao(Tier::High));
    let env = environment(&gpu, Vec3::ONE);
    let mut renderer = renderer(&gpu, &scene, SIZE, &env);
    let mut taa = options(ao(Tier::High));
    taa.post.taa = TaaSettings::HIGH;
    for _ in 0..6 {
        renderer.render(&gpu, &camera, &taa).expect("render");
    }
    let accumulated = renderer.read_ambient_occlusion(&gpu).expect("readback").expect("AO ran");
    assert!(accumulated.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    let mae = single.iter().zip(&accumulated).map(|(a, b)| (a - b).abs()).sum::<f32>()
        / single.len() as f32;
    eprintln!("temporal vs single frame: MAE {mae:.4}");
    assert!(mae < 0.04, "MAE {mae}");
}

#[test]
fn tiny_images_give_finite_visibility() {
    let Some(gpu) = common::gpu() else { return };
    let scene = floor_scene(true);
    let camera = crease_camera();
    let env = environment(&gpu, Vec3::ONE);
    for size in [(1, 1), (1, 7), (3, 2), (5, 1)] {
        let mut renderer = renderer(&gpu, &scene, size, &env);
        for (tier, half_resolution, temporal) in
            [(Tier::Low, false, false), (Tier::Ultra, true, false), (Tier::High, true, true)]
        {
            let mut options = options(AoSettings { half_resolution, ..ao(tier) });
            if temporal {
                options.post.taa = TaaSettings::HIGH;
            }
            renderer.render(&gpu, &camera, &options).expect("render");
            let v = renderer.read_ambient_occlusion(&gpu).expect("readback").expect("AO ran");
            assert_eq!(v.len(), (size.0 * size.1) as usize, "{size:?}");
            assert!(
                v.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
                "{size:?} {tier:?}: {v:?}"
            );
            let hdr = renderer.read_hdr(&gpu).expect("hdr");
            assert!(hdr.iter().flatten().all(|c| c.is_finite()), "{size:?}: NaN in HDR");
        }
    }
}

/// How much a tier's error against the reference may exceed the tier below's: the ladder
/// holds where a tier is a real step, and on DamagedHelmet High and Ultra both sit at what
/// screen-space GTAO can reach there (0.047; 16 slices x 16 steps do not lower it: the
/// error is the occluders a depth buffer cannot see, and normal maps the reference has not),
/// where they differ by 0.0001 to 0.001 with the reference's rays.
const LADDER_TOLERANCE: f64 = 0.002;

/// Each tier's mean absolute error against the CPU ray tracer (cosine-weighted visibility
/// within the same radius, 128 rays per pixel) at 128 x 128; High must be within 0.05, and
/// each tier within [`LADDER_TOLERANCE`] of the one below or closer (the tier ladder).
fn assert_close_to_the_ray_traced_reference(gpu: &Gpu, case: &AoCase) {
    let variants = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra].map(|t| (t, false));
    let scores = report::ao_scores(
        gpu,
        &common::studio(gpu),
        &Default::default(),
        case,
        128,
        128,
        &variants,
    )
    .unwrap();
    print!("{}", report::ao_table(&scores));
    for s in &scores {
        assert!(s.mean_absolute_error.is_finite() && s.mean_absolute_error < 0.15, "{s:?}");
    }
    let high = &scores[2];
    assert!(
        high.mean_absolute_error <= 0.05,
        "{}: High MAE {}",
        case.name,
        high.mean_absolute_error
    );
    for pair in scores.windows(2) {
        let (lower, higher) = (&pair[0], &pair[1]);
        assert!(
            higher.mean_absolute_error <= lower.mean_absolute_error + LADDER_TOLERANCE,
            "{}: {} (MAE {:.4}) is further from the reference than {} (MAE {:.4})",
            case.name,
            higher.tier,
            higher.mean_absolute_error,
            lower.tier,
            lower.mean_absolute_error
        );
    }
}

#[test]
fn sphere_on_plane_matches_the_ray_traced_reference() {
    let Some(gpu) = common::gpu() else { return };
    assert_close_to_the_ray_traced_reference(&gpu, &AoCase::sphere_on_plane());
}

#[test]
fn cornell_box_and_damaged_helmet_match_the_ray_traced_reference() {
    let Some(gpu) = common::gpu() else { return };
    let Some(cornell) = common::shared_file("scenes/CornellBox_kajiya/scene.gltf") else { return };
    let Some(helmet) = common::shared_file("scenes/DamagedHelmet/DamagedHelmet.glb") else {
        return;
    };
    let cornell = afterlight::scene::load(&cornell).unwrap();
    assert_close_to_the_ray_traced_reference(
        &gpu,
        &AoCase::framed("Cornell box", cornell, 0.0, 0.0),
    );
    let helmet = afterlight::scene::load(&helmet).unwrap();
    assert_close_to_the_ray_traced_reference(
        &gpu,
        &AoCase::framed("DamagedHelmet", helmet, 30.0, 15.0),
    );
}

/// Half-resolution AO upsampled by the lighting pass (`upsample_in_lighting`, the mobile
/// preset's choice: one full-screen pass and one full-size target fewer) lights the frame as
/// the separate upsample pass does, to within a hundredth of the radiance on the crease and the
/// product demo; the visibility the renderer reads back is then the half-size one.
#[test]
fn upsampling_ao_inside_lighting_lights_as_the_upsample_pass_does() {
    let Some(gpu) = common::gpu() else { return };
    let studio = common::studio(&gpu);
    let product = common::default_scene();
    let product_camera = common::scene_camera(&product, SIZE.0 as f32 / SIZE.1 as f32);
    let cases = [
        ("crease", floor_scene(true), crease_camera(), environment(&gpu, Vec3::ONE)),
        ("product demo", product, product_camera, studio),
    ];
    for (name, scene, camera, env) in cases {
        let hdr = |in_lighting: bool| {
            let settings = AoSettings { upsample_in_lighting: in_lighting, ..AoSettings::MOBILE };
            let mut r = renderer(&gpu, &scene, SIZE, &env);
            r.render(&gpu, &camera, &options(settings)).expect("frame");
            let ao = r.read_ambient_occlusion(&gpu).expect("readback").expect("AO ran");
            (r.read_hdr(&gpu).expect("hdr"), ao.len())
        };
        let ((separate, full_size), (merged, half_size)) = (hdr(false), hdr(true));
        assert_eq!(full_size, (SIZE.0 * SIZE.1) as usize);
        assert_eq!(half_size, (SIZE.0.div_ceil(2) * SIZE.1.div_ceil(2)) as usize);
        let mut largest = 0f32;
        for (a, b) in separate.iter().zip(&merged) {
            for c in 0..3 {
                let scale = a[c].abs().max(b[c].abs()).max(1e-3);
                largest = largest.max((a[c] - b[c]).abs() / scale);
            }
        }
        eprintln!(
            "{name}: AO upsampled in lighting vs its own pass: largest relative {largest:.5}"
        );
        assert!(largest < 0.01, "{name}: {largest}");
    }
}

/// A budget governor's walk over `frame`'s tiers, one step at a time (down to Low, up to
/// Ultra): `frame(tier)` records one frame at `tier` and returns how many specialised
/// pipelines the pass has built. The first frame builds its tier and the neighbours, a frame
/// whose tier just stepped builds none (it was built ahead). Returns how many are built at
/// the end, when every tier has run.
pub(crate) fn assert_a_tier_step_builds_nothing(
    what: &str,
    mut frame: impl FnMut(Tier) -> usize,
) -> usize {
    use Tier::{High, Low, Medium, Ultra};
    let walk = [High, High, Medium, Medium, Low, Low, Medium, High, Ultra, Ultra, High];
    let first = frame(walk[0]);
    assert!(first > 0, "{what}: the first frame built nothing");
    let mut built = first;
    for pair in walk.windows(2) {
        let now = frame(pair[1]);
        if pair[0] != pair[1] {
            assert_eq!(
                now, built,
                "{what}: the step {} -> {} built in its frame",
                pair[0], pair[1]
            );
        }
        built = now;
    }
    built
}

#[test]
fn a_tier_step_builds_no_pipeline_in_its_frame() {
    let Some(gpu) = common::gpu() else { return };
    use afterlight::graph::TexturePool;
    use afterlight::post::ao::{AoFrame, AoPass};
    let size = (32, 24);
    let n = (size.0 * size.1) as usize;
    let float = |format, channels, value: f32| {
        common::float_texture(&gpu, size, format, channels, &vec![value; n * channels as usize])
    };
    let depth = float(wgpu::TextureFormat::R32Float, 1, 0.5);
    let normals = float(wgpu::TextureFormat::Rgba32Float, 4, 0.0);
    let motion = float(wgpu::TextureFormat::Rg32Float, 2, 0.0);
    // The camera uniform (`Camera` in shaders/include/common.wgsl): 5 matrices, 4 vectors.
    let camera = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("camera"),
        size: 5 * 64 + 4 * 16,
        usage: wgpu::BufferUsages::UNIFORM,
        mapped_at_creation: false,
    });
    let mut pass = AoPass::new(&gpu.device).expect("AO pass");
    let mut pool = TexturePool::new();
    let projection = Mat4::perspective_infinite_reverse_rh(0.9, 4.0 / 3.0, 0.05);
    let frame = AoFrame {
        depth: &depth,
        normals: &normals,
        motion: &motion,
        camera: &camera,
        projection,
        size,
        frame_index: 0,
        temporal: false,
        lighting_only: false,
    };
    let built = assert_a_tier_step_builds_nothing("ao", |tier| {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let settings = AoSettings { tier, ..AoSettings::HIGH };
        let output = pass.draw(&gpu.device, &gpu.queue, &mut encoder, &mut pool, &frame, &settings);
        assert!(output.is_some(), "AO ran at {tier}");
        gpu.queue.submit([encoder.finish()]);
        pool.end_frame();
        pass.pipelines_built()
    });
    assert_eq!(built, 1 + 4, "the prefilter (one resolution) and GTAO at each tier");
}

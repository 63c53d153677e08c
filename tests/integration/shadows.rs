//! The directional shadow map against analytic answers, on whatever adapter is present
//! (lavapipe in CI): the shadow of a hovering square where geometry puts it, no self-shadowing
//! (acne) on planes up to grazing light, shadows attached where objects touch the floor (no
//! peter-panning), alpha-tested casters casting only where opaque, the light's projection
//! containing the scene, and the shared scenes drawing cleanly. Masks come from `render_shadow_mask`, which evaluates the same
//! `directional_shadow` the lighting pass calls, per G-buffer pixel.

use crate::common;

use std::sync::Arc;

use afterlight::gpu::Gpu;
use afterlight::post::Tier;
use afterlight::post::shadow_tier::{filter_taps, map_side};
use afterlight::render::environment::Environment;
use afterlight::render::shadow_mask::{TapLayout, paired_taps, render_shadow_mask};
use afterlight::render::shadows::{ShadowPass, ShadowSettings};
use afterlight::render::{RenderOptions, view_projection};
use afterlight::scene::{
    self, Aabb, AlphaMode, Camera, CameraProjection, Instance, LightKind, Material, Scene,
};
use glam::{Mat4, Vec2, Vec3, Vec4};

const SIZE: u32 = 128;

/// A scene of unit squares (facing +Z before `transforms`), one instance each.
fn squares(transforms: &[Mat4]) -> Scene {
    let mut scene = common::square_scene(1.0, transforms[0]);
    for t in &transforms[1..] {
        scene.instances.push(Instance { mesh: 0, transform: *t, node: "square".into() });
    }
    scene.update_bounds();
    scene
}

/// Turns a +Z-facing square into a +Y-facing one (a floor tile).
fn face_up() -> Mat4 {
    Mat4::from_rotation_x(-std::f32::consts::FRAC_PI_2)
}

/// An 8 m floor at y = 0.
fn floor() -> Mat4 {
    face_up() * Mat4::from_scale(Vec3::splat(8.0))
}

/// Orthographic camera looking along `forward` at `target`, `ymag` metres half-height.
fn ortho(target: Vec3, forward: Vec3, up: Vec3, ymag: f32) -> Camera {
    let forward = forward.normalize();
    Camera {
        position: target - forward * 10.0,
        forward,
        up,
        projection: CameraProjection::Orthographic { ymag, znear: 0.1, zfar: 100.0 },
    }
}

fn top_down(center: Vec3, ymag: f32) -> Camera {
    // Image right is world +x, image down is world +z.
    ortho(center, Vec3::NEG_Y, Vec3::NEG_Z, ymag)
}

/// A sun `zenith` degrees from straight down, travelling towards `azimuth` degrees from +x
/// (towards +z at 90).
fn sun(zenith: f32, azimuth: f32) -> Vec3 {
    let (z, a) = (zenith.to_radians(), azimuth.to_radians());
    Vec3::new(z.sin() * a.cos(), -z.cos(), z.sin() * a.sin())
}

/// A GPU and an environment baked once for all of a test's renderers.
struct Rig {
    gpu: Gpu,
    studio: Arc<Environment>,
}

/// The test rig, or `None` (with the message from `common::gpu`) when there is no adapter.
fn rig() -> Option<Rig> {
    let gpu = common::gpu()?;
    let studio = common::studio(&gpu);
    Some(Rig { gpu, studio })
}

/// One G-buffer frame and the shadow mask for each light direction.
struct Shots {
    /// Image width and height in pixels.
    size: u32,
    /// World position of each pixel's surface, `None` where nothing was drawn.
    world: Vec<Option<Vec3>>,
    /// One mask per light direction, `size * size` values, top row first.
    masks: Vec<Vec<f32>>,
    /// The shadow map's texel size in metres, per light direction.
    texels: Vec<f32>,
}

fn shoot(
    rig: &Rig,
    scene: &Scene,
    camera: &Camera,
    settings: &ShadowSettings,
    lights: &[Vec3],
    size: u32,
) -> Shots {
    shoot_at_tier(rig, scene, camera, (settings, Tier::High, TapLayout::AsTheFrame), lights, size)
}

/// [`shoot`] with the shadow at `tier` (its map side and filter taps), the mask taking its
/// taps as `layout` says.
fn shoot_at_tier(
    rig: &Rig,
    scene: &Scene,
    camera: &Camera,
    (settings, tier, layout): (&ShadowSettings, Tier, TapLayout),
    lights: &[Vec3],
    size: u32,
) -> Shots {
    let gpu = &rig.gpu;
    let mut renderer = common::renderer(gpu, scene, (size, size), &rig.studio);
    renderer.render(gpu, camera, &RenderOptions::default()).expect("render");
    let depth = renderer.read_depth(gpu).expect("depth");
    let inverse = view_projection(camera, size, size).inverse();
    let world = depth
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let uv = Vec2::new((i as u32 % size) as f32 + 0.5, (i as u32 / size) as f32 + 0.5)
                / size as f32;
            (d > 0.0)
                .then(|| inverse.project_point3(Vec3::new(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, d)))
        })
        .collect();
    let (masks, texels) = gpu
        .checked("shadow masks", || {
            let mut shadows =
                ShadowPass::new(&gpu.device, renderer.geometry(), settings).expect("shadow pass");
            shadows.set_tier(&gpu.device, tier);
            let side = map_side(
                shadows.settings().size,
                tier,
                gpu.device.limits().max_texture_dimension_2d,
            );
            lights
                .iter()
                .map(|&light| {
                    shadows.update(&gpu.queue, light, &scene.bounds);
                    let mut encoder = gpu.device.create_command_encoder(&Default::default());
                    shadows.draw(&mut encoder, renderer.scene_gpu());
                    gpu.queue.submit([encoder.finish()]);
                    let mask = render_shadow_mask(gpu, &renderer, &shadows, layout).expect("mask");
                    // The map spans 2 clip units over `size` texels along the light's x axis.
                    let m = shadows.light_view_proj();
                    let texel = 2.0 / (m.row(0).truncate().length() * side as f32);
                    (mask, texel)
                })
                .unzip()
        })
        .expect("no GPU validation errors");
    Shots { size, world, masks, texels }
}

/// For each pixel: is any pixel within `radius` (Chebyshev) classified differently?
fn near_edge(classes: &[Option<bool>], radius: i32) -> Vec<bool> {
    let n = SIZE as i32;
    (0..n * n)
        .map(|i| {
            let (x, y) = (i % n, i / n);
            let here = classes[i as usize];
            (-radius..=radius).any(|dy| {
                (-radius..=radius).any(|dx| {
                    let (nx, ny) = (x + dx, y + dy);
                    (0..n).contains(&nx)
                        && (0..n).contains(&ny)
                        && classes[(ny * n + nx) as usize] != here
                })
            })
        })
        .collect()
}

/// Is `p` (on the floor or the occluder) in the shadow of the 1 m square hovering at y = 1?
fn under_hovering_square(p: Vec3, light: Vec3) -> bool {
    if p.y > 0.5 {
        return false; // the occluder's own top, facing the sun
    }
    let q = p - light * ((1.0 - p.y) / -light.y);
    q.x.abs() <= 0.5 && q.z.abs() <= 0.5
}

/// Distance in metres from floor point `p` to the edge of that shadow (Chebyshev, which is
/// exact along the square's straight edges).
fn distance_to_shadow_edge(p: Vec3, light: Vec3) -> f32 {
    let q = p - light * ((1.0 - p.y) / -light.y);
    (q.x.abs().max(q.z.abs()) - 0.5).abs()
}

#[test]
fn hovering_square_shadow_matches_its_projection() {
    let Some(rig) = rig() else { return };
    let scene = squares(&[floor(), Mat4::from_translation(Vec3::Y) * face_up()]);
    // Straight down the shadow hides under the square from above, so that light is also seen
    // from an oblique camera.
    let cases = [
        ("45 deg, top-down", sun(45.0, 0.0), top_down(Vec3::new(0.5, 0.0, 0.0), 2.0)),
        ("45 deg diagonal, top-down", sun(45.0, 45.0), top_down(Vec3::new(0.5, 0.0, 0.5), 2.0)),
        (
            "straight down, oblique",
            Vec3::NEG_Y,
            ortho(Vec3::ZERO, Vec3::new(0.0, -1.0, -1.0), Vec3::Y, 2.0),
        ),
        ("straight down, top-down", Vec3::NEG_Y, top_down(Vec3::ZERO, 2.0)),
    ];
    for (name, light, camera) in cases {
        let shots = shoot(&rig, &scene, &camera, &ShadowSettings::default(), &[light], SIZE);
        let mask = &shots.masks[0];
        let expected: Vec<Option<bool>> =
            shots.world.iter().map(|w| w.map(|p| under_hovering_square(p, light))).collect();
        let edge = near_edge(&expected, 2);
        let (mut mismatched, mut far_from_edge, mut shadowed) = (0, 0, 0);
        let (mut worst_lit, mut worst_dark, mut worst_distance) = (1f32, 0f32, 0f32);
        for i in 0..mask.len() {
            let (Some(want_shadow), Some(p)) = (expected[i], shots.world[i]) else { continue };
            shadowed += usize::from(want_shadow);
            if (mask[i] < 0.5) != want_shadow {
                mismatched += 1;
                far_from_edge += usize::from(!edge[i]);
                worst_distance = worst_distance.max(distance_to_shadow_edge(p, light));
            }
            if !edge[i] {
                if want_shadow {
                    worst_dark = worst_dark.max(mask[i]);
                } else {
                    worst_lit = worst_lit.min(mask[i]);
                }
            }
        }
        // Floor metres per pixel across the image (the oblique view also foreshortens along z).
        let pixel = 2.0 * 2.0 / SIZE as f32;
        println!(
            "{name}: {shadowed} px expected in shadow, {mismatched} px mismatched, the farthest \
             {:.1} mm ({:.2} px) from the analytic edge; lit interior min {worst_lit}, shadow \
             interior max {worst_dark}",
            worst_distance * 1e3,
            worst_distance / pixel
        );
        assert!(shadowed > 0 || name.ends_with("top-down") && light == Vec3::NEG_Y, "{name}");
        assert_eq!(far_from_edge, 0, "{name}: pixels wrong more than 2 px from the shadow edge");
        assert!(worst_lit >= 0.999, "{name}: lit pixel at {worst_lit}");
        assert!(worst_dark <= 0.001, "{name}: shadowed pixel at {worst_dark}");
    }
}

/// Every shadow tier up is at least as close to the hovering square's analytic shadow as the
/// tier below (a larger map and more filter taps: a narrower, smoother penumbra), and off is
/// lit everywhere. The error is the mean |mask - analytic| over the floor, where the analytic
/// shadow is 1 (lit) or 0 (in the square's projection).
#[test]
fn each_shadow_tier_up_lands_closer_to_the_analytic_shadow() {
    let Some(rig) = rig() else { return };
    let scene = squares(&[floor(), Mat4::from_translation(Vec3::Y) * face_up()]);
    let (light, camera) = (sun(45.0, 20.0), top_down(Vec3::new(0.5, 0.0, 0.2), 2.0));
    let settings = ShadowSettings { size: 1024, ..Default::default() };
    let mut errors = Vec::new();
    for tier in Tier::ALL {
        let shadow = (&settings, tier, TapLayout::AsTheFrame);
        let shots = shoot_at_tier(&rig, &scene, &camera, shadow, &[light], SIZE);
        let mask = &shots.masks[0];
        let (mut sum, mut count) = (0.0f64, 0usize);
        for (i, world) in shots.world.iter().enumerate() {
            let Some(p) = world.filter(|p| p.y < 0.5) else { continue };
            let analytic = if under_hovering_square(p, light) { 0.0 } else { 1.0 };
            sum += f64::from((mask[i] - analytic).abs());
            count += 1;
        }
        let error = sum / count as f64;
        println!("shadows {tier}: mean error against the analytic shadow {error:.5}");
        if tier == Tier::Off {
            assert!(mask.iter().all(|&m| m == 1.0), "off: lit everywhere");
        }
        errors.push(error);
    }
    for i in 2..errors.len() {
        assert!(
            errors[i] <= errors[i - 1] + 1e-6,
            "{} ({:.5}) is further from the analytic shadow than {} ({:.5})",
            Tier::ALL[i],
            errors[i],
            Tier::ALL[i - 1],
            errors[i - 1]
        );
    }
    assert!(errors[4] < errors[1], "ultra must beat low: {errors:?}");
}

/// The mask's paired taps (one bilinear tap on two texels per axis, where that is fewer taps)
/// take the same weighted sum as the tier's grid of taps, on a penumbra of the hovering square,
/// at the tiers and radii where the frame pairs them: whole-texel spacing (high, 1.5), spacing
/// under a texel (ultra, 1.5 and 3) and a spacing that is no fraction of a texel (medium, 0.7).
#[test]
fn paired_shadow_taps_take_the_grids_sum() {
    let Some(rig) = rig() else { return };
    let scene = squares(&[floor(), Mat4::from_translation(Vec3::Y) * face_up()]);
    let (light, camera) = (sun(45.0, 20.0), top_down(Vec3::new(0.5, 0.0, 0.2), 2.0));
    for (tier, pcf_radius) in
        [(Tier::High, 1.5), (Tier::Ultra, 1.5), (Tier::Medium, 0.7), (Tier::Ultra, 3.0)]
    {
        let pairs = paired_taps(filter_taps(tier), pcf_radius);
        assert!(
            pairs > 0 && pairs < filter_taps(tier),
            "{tier}, radius {pcf_radius}: pairs {pairs}"
        );
        let settings = ShadowSettings { size: 256, pcf_radius, ..Default::default() };
        let mask = |layout| {
            let shadow = (&settings, tier, layout);
            shoot_at_tier(&rig, &scene, &camera, shadow, &[light], SIZE).masks.remove(0)
        };
        let (paired, grid) = (mask(TapLayout::AsTheFrame), mask(TapLayout::Grid));
        let penumbra = grid.iter().filter(|&&v| v > 0.05 && v < 0.95).count();
        let shadowed = grid.iter().filter(|&&v| v < 0.05).count();
        let worst = paired.iter().zip(&grid).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        println!(
            "{tier}, radius {pcf_radius}: {pairs}x{pairs} paired taps, {penumbra} penumbra and \
             {shadowed} shadowed pixels, largest difference from the grid {worst:.2e}"
        );
        assert!(penumbra > 200 && shadowed > 300, "{tier}: too little shadow to compare");
        assert!(worst < 0.01, "{tier}, radius {pcf_radius}: paired taps differ by {worst}");
    }
}

#[test]
fn alpha_tested_casters_cast_only_where_opaque() {
    let Some(rig) = rig() else { return };
    let camera = top_down(Vec3::new(0.5, 0.0, 0.0), 2.0);
    let light = sun(45.0, 0.0);
    let mut counts = Vec::new();
    for (mode, alpha) in [(AlphaMode::Mask, 0.2), (AlphaMode::Mask, 0.8), (AlphaMode::Blend, 0.3)] {
        // The hovering square again, as its own mesh with an alpha-tested material (cutoff 0.5).
        let mut scene = squares(&[floor()]);
        let mut mesh = scene.meshes[0].clone();
        mesh.primitives[0].material = Some(0);
        scene.meshes.push(mesh);
        scene.materials.push(Material {
            base_color_factor: Vec4::new(1.0, 1.0, 1.0, alpha),
            alpha_mode: mode,
            alpha_cutoff: 0.5,
            ..Default::default()
        });
        scene.instances.push(Instance {
            mesh: 1,
            transform: Mat4::from_translation(Vec3::Y) * face_up(),
            node: "occluder".into(),
        });
        scene.update_bounds();
        let shots = shoot(&rig, &scene, &camera, &ShadowSettings::default(), &[light], SIZE);
        let expected = (0..shots.masks[0].len())
            .filter(|&i| shots.world[i].is_some_and(|p| under_hovering_square(p, light)))
            .count();
        let dark = shots.masks[0].iter().filter(|&&m| m < 0.5).count();
        println!("{mode:?} alpha {alpha}: {dark} px shadowed ({expected} if opaque)");
        counts.push((dark, expected));
    }
    assert_eq!(counts[0].0, 0, "alpha 0.2 under cutoff 0.5 casts nothing");
    assert_eq!(counts[1].0, counts[1].1, "alpha 0.8 casts like an opaque square");
    assert_eq!(counts[2].0, 0, "blended alpha 0.3 casts nothing (tested at 0.5)");
}

#[test]
fn planes_do_not_shadow_themselves_up_to_grazing_light() {
    let Some(rig) = rig() else { return };
    // A flat floor and two tilted ones; the light at up to 85 degrees from each plane's normal,
    // from several azimuths (the map's texel grid is not aligned with the slope).
    let tilts = [
        Mat4::IDENTITY,
        Mat4::from_rotation_x(40f32.to_radians()),
        Mat4::from_rotation_y(30f32.to_radians()) * Mat4::from_rotation_z(25f32.to_radians()),
    ];
    for tilt in tilts {
        let scene = squares(&[tilt * floor()]);
        let normal = tilt.transform_vector3(Vec3::Y);
        let tangent = tilt.transform_vector3(Vec3::X);
        let bitangent = normal.cross(tangent);
        let mut lights = Vec::new();
        for zenith in [0.0f32, 30.0, 60.0, 80.0, 85.0] {
            for azimuth in [0.0f32, 30.0, 135.0] {
                let (z, a) = (zenith.to_radians(), azimuth.to_radians());
                let to_light =
                    normal * z.cos() + (tangent * a.cos() + bitangent * a.sin()) * z.sin();
                lights.push(-to_light);
            }
        }
        let camera = ortho(Vec3::ZERO, -normal, tangent.cross(normal), 3.5);
        let shots = shoot(&rig, &scene, &camera, &ShadowSettings::default(), &lights, SIZE);
        for (light, mask) in lights.iter().zip(&shots.masks) {
            let covered: Vec<f32> =
                (0..mask.len()).filter(|&i| shots.world[i].is_some()).map(|i| mask[i]).collect();
            let darkened = covered.iter().filter(|&&m| m < 1.0).count();
            let min = covered.iter().copied().fold(1f32, f32::min);
            assert!(covered.len() > 10_000, "floor visible");
            assert!(
                min >= 0.999,
                "acne: light {light} at {:.0} deg from the normal darkens {darkened} px (min {min})",
                normal.dot(-*light).acos().to_degrees()
            );
        }
    }
    println!("no acne on 3 planes x 15 light directions (0..85 deg)");
}

/// The signed distance in pixels from the contact line at world x = `contact` to where the
/// shadow begins (first pixel < 0.5 scanning +x from `start`), worst over the rows |z| < 0.4.
fn shadow_start_offset(shots: &Shots, mask: &[f32], camera: &Camera, contact: f32) -> f32 {
    let view_proj = view_projection(camera, SIZE, SIZE);
    let column =
        |x: f32| (view_proj.project_point3(Vec3::new(x, 0.0, 0.0)).x * 0.5 + 0.5) * SIZE as f32;
    let contact_column = column(contact);
    let mut worst = 0f32;
    for y in 0..SIZE as usize {
        let row = &shots.world[y * SIZE as usize..][..SIZE as usize];
        let Some(z) = row.iter().flatten().map(|p| p.z).next() else { continue };
        if z.abs() > 0.4 {
            continue;
        }
        let start = (column(contact - 0.2).floor() as usize..SIZE as usize)
            .find(|&x| mask[y * SIZE as usize + x] < 0.5)
            .map_or(f32::INFINITY, |x| x as f32);
        // The shadow begins at the pixel whose centre is past the contact line.
        let offset = start + 0.5 - contact_column;
        if offset.abs() > worst.abs() {
            worst = offset;
        }
    }
    worst
}

#[test]
fn shadows_stay_attached_at_contact() {
    let Some(rig) = rig() else { return };
    use std::f32::consts::{FRAC_PI_2, PI};
    let cube = [
        floor(),
        Mat4::from_translation(Vec3::Y) * face_up(),
        Mat4::from_translation(Vec3::new(0.5, 0.5, 0.0)) * Mat4::from_rotation_y(FRAC_PI_2),
        Mat4::from_translation(Vec3::new(-0.5, 0.5, 0.0)) * Mat4::from_rotation_y(-FRAC_PI_2),
        Mat4::from_translation(Vec3::new(0.0, 0.5, 0.5)),
        Mat4::from_translation(Vec3::new(0.0, 0.5, -0.5)) * Mat4::from_rotation_y(PI),
    ];
    // A zero-thickness card standing on the floor at x = 0: the hardest case for a bias.
    let card = [
        floor(),
        Mat4::from_translation(Vec3::new(0.0, 0.5, 0.0)) * Mat4::from_rotation_y(-FRAC_PI_2),
    ];
    let cases: [(&str, &[Mat4], f32); 2] = [("box", &cube, 0.5), ("card", &card, 0.0)];
    for (name, transforms, contact) in cases {
        let scene = squares(transforms);
        // 7.8 mm pixels, about two shadow-map texels (8 m floor, 2048 map).
        let camera = top_down(Vec3::new(contact + 0.4, 0.0, 0.0), 0.5);
        let lights = [sun(45.0, 0.0), sun(70.0, 0.0), sun(80.0, 0.0)];
        let shots = shoot(&rig, &scene, &camera, &ShadowSettings::default(), &lights, SIZE);
        for (light, mask) in lights.iter().zip(&shots.masks) {
            let offset = shadow_start_offset(&shots, mask, &camera, contact);
            println!(
                "{name}, sun {light}: shadow starts {offset:+.2} px ({:+.1} mm) from the contact line",
                offset / SIZE as f32 * 1e3
            );
            assert!(offset.abs() <= 2.0, "{name}, sun {light}: shadow starts {offset} px away");
        }
    }
}

fn corners(b: &Aabb) -> Vec<Vec3> {
    (0..8)
        .map(|i| {
            Vec3::new(
                if i & 1 == 0 { b.min.x } else { b.max.x },
                if i & 2 == 0 { b.min.y } else { b.max.y },
                if i & 4 == 0 { b.min.z } else { b.max.z },
            )
        })
        .collect()
}

#[test]
fn light_projection_contains_the_scene_bounds() {
    let Some(rig) = rig() else { return };
    let gpu = &rig.gpu;
    // Any renderer's geometry pass will do: only its material layout is shared.
    let renderer = common::renderer(gpu, &squares(&[floor()]), (8, 8), &rig.studio);
    let geometry = renderer.geometry();
    let mut shadows =
        ShadowPass::new(&gpu.device, geometry, &ShadowSettings::default()).expect("shadows");
    let boxes = [
        Aabb { min: Vec3::new(-1.0, 0.0, -1.0), max: Vec3::new(1.0, 2.0, 1.0) },
        Aabb { min: Vec3::new(20.0, -3.0, 5.0), max: Vec3::new(60.0, 7.0, 6.0) },
        Aabb { min: Vec3::splat(2.0), max: Vec3::splat(2.0) },
        Aabb { min: Vec3::new(-4.0, 0.0, -4.0), max: Vec3::new(4.0, 0.0, 4.0) },
    ];
    let lights =
        [Vec3::NEG_Y, Vec3::Y, sun(45.0, 20.0), sun(89.0, 200.0), Vec3::new(0.0, -1.0, 1e-6)];
    for b in &boxes {
        for light in lights {
            shadows.update(&gpu.queue, light, b);
            assert!(shadows.is_active());
            let m = shadows.light_view_proj();
            assert!(m.is_finite(), "{m} for {b:?} along {light}");
            for c in corners(b) {
                let p = m.project_point3(c);
                assert!(
                    p.x.abs() <= 1.0 && p.y.abs() <= 1.0 && (0.0..=1.0).contains(&p.z),
                    "corner {c} of {b:?} along {light} projects to {p}"
                );
            }
        }
    }
    shadows.update(&gpu.queue, Vec3::NEG_Y, &Aabb::empty());
    assert!(!shadows.is_active(), "empty bounds: no shadow");
    let mut off = ShadowPass::new(
        &gpu.device,
        geometry,
        &ShadowSettings { enabled: false, ..Default::default() },
    )
    .expect("shadows");
    off.update(&gpu.queue, Vec3::NEG_Y, &boxes[0]);
    assert!(!off.is_active(), "disabled: no shadow");
}

#[test]
fn disabled_shadow_is_lit_everywhere() {
    let Some(rig) = rig() else { return };
    let scene = squares(&[floor(), Mat4::from_translation(Vec3::Y) * face_up()]);
    let settings = ShadowSettings { enabled: false, ..Default::default() };
    let shots = shoot(&rig, &scene, &top_down(Vec3::ZERO, 2.0), &settings, &[sun(30.0, 0.0)], SIZE);
    assert!(shots.masks[0].iter().all(|&m| m == 1.0));
}

/// The first directional light of `scene`, else the renderer's default sun direction.
fn key_light(scene: &Scene) -> Vec3 {
    scene
        .lights
        .iter()
        .find(|l| l.kind == LightKind::Directional)
        .map_or(Vec3::new(0.4, -1.0, -0.5).normalize(), |l| l.direction())
}

/// Writes `mask` as a grey PNG under target/shadow-masks when AFTERLIGHT_SHADOW_MASKS=1, for
/// looking at acne and peter-panning by eye.
fn maybe_save(name: &str, mask: &[f32], size: u32) {
    if !std::env::var("AFTERLIGHT_SHADOW_MASKS").is_ok_and(|v| v == "1") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/shadow-masks");
    std::fs::create_dir_all(&dir).expect("create target/shadow-masks");
    let grey: Vec<u8> = mask.iter().map(|m| (m.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
    let path = dir.join(format!("{name}.png"));
    image::save_buffer(&path, &grey, size, size, image::ExtendedColorType::L8).expect("write mask");
    println!("wrote {}", path.display());
}

/// Real scenes under their key light and one over the camera's shoulder: the mask stays in
/// 0..1, has both lit and shadowed pixels where geometry was drawn, and is lit wherever nothing
/// was (the helmet leaves most of the frame empty).
#[test]
fn shared_scenes_render_a_shadow_mask() {
    let Some(rig) = rig() else { return };
    let scenes = [
        ("damaged_helmet", "scenes/DamagedHelmet/DamagedHelmet.glb", 25.0),
        ("cornell_box", "scenes/CornellBox_kajiya/scene.gltf", 0.0),
    ];
    for (name, path, yaw) in scenes {
        let Some(path) = common::shared_file(path) else { return };
        let scene = scene::load(&path).expect("scene loads");
        let camera = Camera::frame_bounds(&scene.bounds, yaw, 10.0, 1.0);
        // The scene's key light, and one from over the camera's shoulder that lights what the
        // camera sees (the Cornell box is closed to a sun from above).
        let shoulder = (camera.forward + Vec3::new(0.3, -0.4, 0.0)).normalize();
        let lights = [("key", key_light(&scene)), ("shoulder", shoulder)];
        let directions = lights.map(|(_, d)| d);
        let shots = shoot(&rig, &scene, &camera, &ShadowSettings::default(), &directions, 256);
        for (((light_name, light), mask), texel) in
            lights.iter().zip(&shots.masks).zip(&shots.texels)
        {
            maybe_save(&format!("{name}_{light_name}"), mask, shots.size);
            let covered: Vec<f32> =
                (0..mask.len()).filter(|&i| shots.world[i].is_some()).map(|i| mask[i]).collect();
            let dark = covered.iter().filter(|&&m| m < 0.5).count();
            let lit = covered.iter().filter(|&&m| m > 0.999).count();
            println!(
                "{name}, {light_name} light {light}: map texel {:.2} mm; {} px covered, {dark} in shadow, {lit} fully lit",
                texel * 1e3,
                covered.len()
            );
            assert!(covered.iter().all(|m| (0.0..=1.0).contains(m)), "{name}: mask out of 0..1");
            assert!(lit > 0, "{name}: nothing lit");
            assert!(dark > 0, "{name}: nothing in shadow");
            // Where nothing was drawn the mask is lit.
            let sky: Vec<f32> =
                (0..mask.len()).filter(|&i| shots.world[i].is_none()).map(|i| mask[i]).collect();
            assert!(sky.iter().all(|&m| m == 1.0), "{name}: a pixel without geometry in shadow");
            assert!(name != "damaged_helmet" || sky.len() > 1000, "{name}: {} sky px", sky.len());
        }
    }
}

/// The shadow map is drawn once while nothing it depends on changes, whatever the camera does
/// (a product turntable), and redrawn in the very frame an instance or the light changes: that
/// frame's picture is the one a fresh renderer draws of the same state. Setting an instance to
/// where it already stands redraws nothing.
#[test]
fn a_cached_shadow_map_follows_every_change_in_its_frame() {
    let Some(rig) = rig() else { return };
    let gpu = &rig.gpu;
    let hover = |x: f32| Mat4::from_translation(Vec3::new(x, 1.0, 0.0)) * face_up();
    let sun_light = |direction: Vec3| scene::Light {
        name: "sun".into(),
        kind: LightKind::Directional,
        color: Vec3::ONE,
        intensity: 10.0,
        range: None,
        transform: Mat4::look_to_rh(Vec3::ZERO, direction, Vec3::Z).inverse(),
    };
    let mut options = RenderOptions::default();
    options.post = afterlight::quality::antialiasing::deterministic(&options.post);
    options.post.exposure = afterlight::post::exposure::ExposureSettings::manual(0.0);
    let size = (64, 64);
    let camera = top_down(Vec3::ZERO, 3.0);
    // What a renderer that never saw another state draws.
    let fresh = |occluder: Mat4, light: Vec3| {
        let mut renderer = common::renderer(gpu, &squares(&[floor(), occluder]), size, &rig.studio);
        renderer.set_lights(gpu, &[sun_light(light)]);
        renderer.render(gpu, &camera, &options).expect("render");
        renderer.read_hdr(gpu).expect("hdr")
    };
    let mut renderer = common::renderer(gpu, &squares(&[floor(), hover(0.0)]), size, &rig.studio);
    let light = sun(30.0, 0.0);
    renderer.set_lights(gpu, &[sun_light(light)]);
    // A turntable: the camera moves, nothing else does.
    for step in 0..4 {
        let turned = ortho(Vec3::ZERO, Vec3::new(0.2 * step as f32, -1.0, 0.1), Vec3::NEG_Z, 3.0);
        renderer.render(gpu, &turned, &options).expect("render");
    }
    assert_eq!(renderer.shadow_maps_drawn(), 1, "a still scene draws its shadow map once");
    let same = |a: &[[f32; 4]], b: &[[f32; 4]]| {
        a.iter().zip(b).all(|(p, q)| p.iter().zip(q).all(|(x, y)| (x - y).abs() <= 1e-6))
    };
    renderer.render(gpu, &camera, &options).expect("render");
    assert!(same(&renderer.read_hdr(gpu).unwrap(), &fresh(hover(0.0), light)), "cached frame");
    // The occluder moves: the shadow follows in that frame.
    assert!(renderer.set_instance_transform(1, hover(1.5)));
    renderer.render(gpu, &camera, &options).expect("render");
    assert_eq!(renderer.shadow_maps_drawn(), 2, "a moved instance redraws the map");
    let moved = renderer.read_hdr(gpu).unwrap();
    assert!(same(&moved, &fresh(hover(1.5), light)), "the shadow follows the moved occluder");
    assert!(!same(&moved, &fresh(hover(0.0), light)), "the move changed the picture");
    // Set where it stands: nothing moved, nothing redrawn.
    assert!(renderer.set_instance_transform(1, hover(1.5)));
    renderer.render(gpu, &camera, &options).expect("render");
    assert_eq!(renderer.shadow_maps_drawn(), 2, "an unchanged transform keeps the map");
    // The light turns: redrawn in that frame.
    let turned = sun(40.0, 90.0);
    renderer.set_lights(gpu, &[sun_light(turned)]);
    renderer.render(gpu, &camera, &options).expect("render");
    assert_eq!(renderer.shadow_maps_drawn(), 3, "a new light direction redraws the map");
    assert!(same(&renderer.read_hdr(gpu).unwrap(), &fresh(hover(1.5), turned)), "new light");
}

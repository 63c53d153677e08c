//! Lighting against physical answers, read back from the HDR target at pre-exposure 1:
//! the white furnace, a Lambert plane under a directional light, inverse-square point lights
//! with the KHR_lights_punctual range window, and spot cone edges.

use crate::common;

use std::f32::consts::PI;
use std::sync::Arc;

use afterlight::gpu::Gpu;
use afterlight::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use afterlight::render::shadows::ShadowSettings;
use afterlight::render::{Background, RenderOptions, Renderer, RendererSettings};
use afterlight::scene::{
    Aabb, Camera, CameraProjection, Instance, Light, LightKind, Material, Mesh, Primitive, Scene,
    Vertex,
};
use glam::{Mat4, Vec3, Vec4};

const SIZE: (u32, u32) = (96, 96);
/// Half the orthographic view height in metres.
const YMAG: f32 = 3.0;

/// EV100 at which pre-exposure is exactly 1: 1 / (1.2 * 2^ev) = 1.
fn unit_exposure() -> RenderOptions {
    RenderOptions {
        post: afterlight::post::chain::PostSettings {
            exposure: afterlight::post::exposure::ExposureSettings::manual(-(1.2f32).log2()),
            ..Default::default()
        },
        background: Background::Color(Vec3::ZERO),
        ..Default::default()
    }
}

fn environment(gpu: &Gpu, radiance: Vec3) -> Arc<Environment> {
    let settings = EnvironmentSettings {
        source: EnvironmentSource::Uniform(radiance),
        resolution: 32,
        ..Default::default()
    };
    Arc::new(Environment::new(gpu, &settings, &mut |_, _| {}).expect("environment"))
}

fn material(albedo: f32, metallic: f32, roughness: f32) -> Material {
    Material {
        base_color_factor: Vec4::new(albedo, albedo, albedo, 1.0),
        metallic_factor: metallic,
        roughness_factor: roughness,
        ..Default::default()
    }
}

/// A ground square in the XY plane facing +Z (side 40 m) with one material.
fn plane(material: Material) -> Scene {
    let mut scene = common::square_scene(40.0, Mat4::IDENTITY);
    scene.materials = vec![material];
    scene.meshes[0].primitives[0].material = Some(0);
    scene
}

/// A UV sphere of radius 1 at the origin with one material.
fn sphere(material: Material) -> Scene {
    let (rings, segments) = (48u32, 96u32);
    let mut vertices = Vec::new();
    for ring in 0..=rings {
        let theta = ring as f32 / rings as f32 * PI;
        for segment in 0..=segments {
            let phi = segment as f32 / segments as f32 * 2.0 * PI;
            let n = Vec3::new(theta.sin() * phi.cos(), theta.cos(), theta.sin() * phi.sin());
            vertices.push(Vertex {
                position: n.to_array(),
                normal: n.to_array(),
                tangent: [1.0, 0.0, 0.0, 1.0],
                color: [1.0; 4],
                ..Default::default()
            });
        }
    }
    let mut indices = Vec::new();
    for ring in 0..rings {
        for segment in 0..segments {
            let a = ring * (segments + 1) + segment;
            let b = a + segments + 1;
            indices.extend([a, a + 1, b, a + 1, b + 1, b]);
        }
    }
    let mut bounds = Aabb::empty();
    bounds.extend(Vec3::splat(-1.0));
    bounds.extend(Vec3::splat(1.0));
    let mut scene = Scene {
        meshes: vec![Mesh {
            name: "sphere".into(),
            primitives: vec![Primitive { vertices, indices, material: Some(0), bounds }],
        }],
        materials: vec![material],
        instances: vec![Instance { mesh: 0, transform: Mat4::IDENTITY, node: "sphere".into() }],
        ..Default::default()
    };
    scene.update_bounds();
    scene
}

fn top_down_camera() -> Camera {
    Camera {
        position: Vec3::new(0.0, 0.0, 10.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Orthographic { ymag: YMAG, znear: 0.1, zfar: 100.0 },
    }
}

/// World position on the z = 0 plane under each pixel of the top-down camera.
fn pixel_world(index: usize) -> Vec3 {
    let (px, py) = ((index as u32 % SIZE.0) as f32 + 0.5, (index as u32 / SIZE.0) as f32 + 0.5);
    Vec3::new((px / SIZE.0 as f32 * 2.0 - 1.0) * YMAG, (1.0 - py / SIZE.1 as f32 * 2.0) * YMAG, 0.0)
}

fn light(
    kind: LightKind,
    position: Vec3,
    direction: Vec3,
    intensity: f32,
    range: Option<f32>,
) -> Light {
    Light {
        name: "test".into(),
        kind,
        color: Vec3::ONE,
        intensity,
        range,
        transform: Mat4::look_to_rh(position, direction, Vec3::Y).inverse(),
    }
}

/// Red channel of the HDR image of `scene` under `lights`, in a black environment, no shadow.
fn render_red(gpu: &Gpu, scene: &Scene, lights: &[Light], env: &Arc<Environment>) -> Vec<f32> {
    let no_shadow = RendererSettings {
        shadows: ShadowSettings { enabled: false, ..Default::default() },
        ..Default::default()
    };
    let mut renderer =
        Renderer::with_environment(gpu, scene, SIZE, env.clone(), &no_shadow).expect("renderer");
    renderer.set_lights(gpu, lights);
    renderer.render(gpu, &top_down_camera(), &unit_exposure()).expect("render");
    renderer.read_hdr(gpu).expect("hdr").iter().map(|p| p[0]).collect()
}

/// Diffuse radiance alone: albedo 1 minus albedo 0 (the specular layer, F0 = 0.04 for any
/// dielectric, is the same in both and cancels). Lambert: L = E cos(theta) / pi.
fn lambert_radiance(gpu: &Gpu, lights: &[Light]) -> Vec<f32> {
    let env = environment(gpu, Vec3::ZERO);
    let white = render_red(gpu, &plane(material(1.0, 0.0, 1.0)), lights, &env);
    let black = render_red(gpu, &plane(material(0.0, 0.0, 1.0)), lights, &env);
    white.iter().zip(&black).map(|(w, b)| w - b).collect()
}

#[test]
fn white_furnace_returns_the_environment_for_every_roughness() {
    let Some(gpu) = common::gpu() else { return };
    let env = environment(&gpu, Vec3::ONE);
    let camera = Camera {
        position: Vec3::new(0.0, 0.0, 4.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Orthographic { ymag: 1.1, znear: 0.1, zfar: 100.0 },
    };
    let no_shadow = RendererSettings {
        shadows: ShadowSettings { enabled: false, ..Default::default() },
        ..Default::default()
    };
    let mut worst = (0f32, 0.0, 0.0);
    for metallic in [0.0, 1.0] {
        for roughness in [0.0, 0.1, 0.25, 0.5, 0.75, 1.0] {
            let scene = sphere(material(1.0, metallic, roughness));
            let mut renderer =
                Renderer::with_environment(&gpu, &scene, SIZE, env.clone(), &no_shadow)
                    .expect("renderer");
            renderer.set_lights(&gpu, &[]);
            renderer.render(&gpu, &camera, &unit_exposure()).expect("render");
            let depth = renderer.read_depth(&gpu).expect("depth");
            let hdr = renderer.read_hdr(&gpu).expect("hdr");
            let mut covered = 0;
            for (d, p) in depth.iter().zip(&hdr) {
                if *d > 0.0 {
                    covered += 1;
                    for c in &p[..3] {
                        let error = (c - 1.0).abs();
                        if error > worst.0 {
                            worst = (error, metallic, roughness);
                        }
                    }
                }
            }
            assert!(covered > 5000, "sphere covers {covered} pixels");
        }
    }
    eprintln!(
        "white furnace: worst |L - 1| = {:.4} (metallic {}, roughness {})",
        worst.0, worst.1, worst.2
    );
    assert!(worst.0 < 0.02, "furnace error {worst:?}");
}

/// A linear value stored in an 8-bit sRGB texel and read back.
fn srgb_round_trip(linear: f32) -> f32 {
    let encoded =
        if linear <= 0.003_130_8 { linear * 12.92 } else { 1.055 * linear.powf(1.0 / 2.4) - 0.055 };
    let code = (encoded * 255.0).round() / 255.0;
    if code <= 0.04045 { code / 12.92 } else { ((code + 0.055) / 1.055).powf(2.4) }
}

#[test]
fn lambert_plane_under_a_directional_light_gives_e_albedo_over_pi() {
    let Some(gpu) = common::gpu() else { return };
    let e = 100.0;
    for (albedo, name) in [(0.18, "grey card"), (0.8, "white")] {
        let sun = light(LightKind::Directional, Vec3::ZERO, Vec3::NEG_Z, e, None);
        let env = environment(&gpu, Vec3::ZERO);
        let lit =
            render_red(&gpu, &plane(material(albedo, 0.0, 1.0)), std::slice::from_ref(&sun), &env);
        let specular_only = render_red(&gpu, &plane(material(0.0, 0.0, 1.0)), &[sun], &env);
        // The G-buffer stores albedo as 8-bit sRGB: compare against the stored value. Half a
        // code step is ~0.9% at 0.18; lavapipe's sRGB conversion adds a little more.
        let expected = e * srgb_round_trip(albedo) / PI;
        let diffuse = lit[0] - specular_only[0];
        eprintln!("{name}: E albedo / pi = {expected:.4}, measured {diffuse:.4}");
        for (l, s) in lit.iter().zip(&specular_only) {
            assert!(
                ((l - s) / expected - 1.0).abs() < 0.01,
                "{name}: diffuse {} vs {expected}",
                l - s
            );
        }
        // And the specular layer alone is the GGX term at normal incidence (CPU mirror).
        let spec = e * afterlight::render::brdf::specular_at_normal_incidence(1.0, 0.04);
        assert!(
            specular_only.iter().all(|s| (s / spec - 1.0).abs() < 0.1),
            "specular {} vs {spec}",
            specular_only[0]
        );
    }
}

#[test]
fn point_light_falls_off_with_inverse_square_inside_its_range() {
    let Some(gpu) = common::gpu() else { return };
    let (intensity, height, range) = (200.0, 1.5, 3.5);
    let point =
        light(LightKind::Point, Vec3::new(0.0, 0.0, height), Vec3::NEG_Z, intensity, Some(range));
    let radiance = lambert_radiance(&gpu, &[point]);
    let mut worst = 0f32;
    for (i, l) in radiance.iter().enumerate() {
        let p = pixel_world(i);
        let d2 = p.x * p.x + p.y * p.y + height * height;
        let cos = height / d2.sqrt();
        // KHR_lights_punctual: I / d^2 times the window clamp(1 - (d / range)^4, 0, 1).
        let window = (1.0 - (d2 / (range * range)).powi(2)).clamp(0.0, 1.0);
        let expected = intensity * cos / d2 * window / PI;
        let error = (l - expected).abs() / (intensity / (height * height) / PI);
        worst = worst.max(error);
    }
    eprintln!("point light: worst error {worst:.5} of the peak radiance");
    assert!(worst < 0.005, "point light error {worst}");
    let outside = (0..radiance.len())
        .filter(|&i| pixel_world(i).length_squared() + height * height > range * range);
    assert!(
        outside.clone().count() > 100 && outside.map(|i| radiance[i]).all(|l| l == 0.0),
        "beyond range is dark"
    );
}

#[test]
fn spot_light_cone_edges_sit_at_the_specified_angles() {
    let Some(gpu) = common::gpu() else { return };
    let (intensity, height) = (300.0, 2.0);
    let (inner, outer) = (20f32.to_radians(), 35f32.to_radians());
    let kind = LightKind::Spot { inner_cone_angle: inner, outer_cone_angle: outer };
    let spot = light(kind, Vec3::new(0.0, 0.0, height), Vec3::NEG_Z, intensity, None);
    let radiance = lambert_radiance(&gpu, &[spot]);
    let peak = intensity / (height * height) / PI;
    let (mut lit_inside, mut dark_outside) = (0, 0);
    for (i, l) in radiance.iter().enumerate() {
        let p = pixel_world(i);
        let angle = (p.truncate().length() / height).atan();
        let d2 = p.length_squared() + height * height;
        let full = intensity * (height / d2.sqrt()) / d2 / PI;
        // The extension's smooth falloff: ((cos a - cos outer) / (cos inner - cos outer))^2.
        let t = ((angle.cos() - outer.cos()) / (inner.cos() - outer.cos())).clamp(0.0, 1.0);
        assert!(
            (l - full * t * t).abs() < 0.005 * peak,
            "angle {:.1} deg: {l} vs {}",
            angle.to_degrees(),
            full * t * t
        );
        if angle < inner - 0.02 {
            lit_inside += usize::from((l / full - 1.0).abs() < 0.005);
        }
        if angle > outer + 0.02 {
            dark_outside += usize::from(*l == 0.0);
        }
    }
    assert!(lit_inside > 300 && dark_outside > 300, "inside {lit_inside}, outside {dark_outside}");
}

#[test]
fn unlit_materials_write_their_base_colour_untouched_by_light_and_exposure() {
    let Some(gpu) = common::gpu() else { return };
    let mut unlit = material(0.5, 0.0, 1.0);
    unlit.base_color_factor = Vec4::new(0.25, 0.5, 0.75, 1.0);
    unlit.unlit = true;
    let sun = light(LightKind::Directional, Vec3::ZERO, Vec3::NEG_Z, 1000.0, None);
    let env = environment(&gpu, Vec3::splat(3.0));
    let mut renderer = common::renderer(&gpu, &plane(unlit), SIZE, &env);
    renderer.set_lights(&gpu, &[sun]);
    // A bright exposure too: unlit colour is display-referred.
    let mut options = unit_exposure();
    options.post.exposure = afterlight::post::exposure::ExposureSettings::manual(12.0);
    renderer.render(&gpu, &top_down_camera(), &options).expect("render");
    for p in renderer.read_hdr(&gpu).expect("hdr") {
        let expected = [0.25, 0.5, 0.75];
        // 8-bit sRGB storage of the base colour: within one code.
        assert!(p.iter().zip(expected).all(|(a, b)| (a - b).abs() < 0.01), "{p:?}");
    }
}

#[test]
fn an_instance_moved_out_of_the_original_bounds_still_casts_its_shadow() {
    let Some(gpu) = common::gpu() else { return };
    // Ground (40 m) and a 2 m occluder made from the same square, 1 m above the ground.
    let mut scene = plane(material(0.8, 0.0, 1.0));
    let occluder = |height: f32| {
        Mat4::from_translation(Vec3::new(0.0, 0.0, height)) * Mat4::from_scale(Vec3::splat(0.05))
    };
    scene.instances.push(Instance { mesh: 0, transform: occluder(1.0), node: "occluder".into() });
    scene.update_bounds();
    let sun = light(LightKind::Directional, Vec3::ZERO, Vec3::NEG_Z, 100.0, None);
    let mut renderer = common::renderer(&gpu, &scene, SIZE, &environment(&gpu, Vec3::ZERO));
    renderer.set_lights(&gpu, &[sun]);
    // Lift the occluder far above the bounds the scene was uploaded with (and above the camera).
    assert!(renderer.set_instance_transform(1, occluder(30.0)));
    renderer.render(&gpu, &top_down_camera(), &unit_exposure()).expect("render");
    let hdr = renderer.read_hdr(&gpu).expect("hdr");
    let centre = hdr[(SIZE.1 / 2 * SIZE.0 + SIZE.0 / 2) as usize][0];
    let corner = hdr[(SIZE.0 * 4 + 4) as usize][0];
    assert!(corner > 20.0, "open ground is lit: {corner}");
    assert!(centre < 0.05 * corner, "the lifted occluder's shadow: {centre} vs lit {corner}");
}

/// Lighting reads the key light's shadow from the frame's shadow mask at the shadow tier
/// (src/render/shadow_mask.rs): the occluder's shadow is there at every tier from low to ultra,
/// the ground lit the same around it, and the tier off lights everything (the mask all lit);
/// the tiers in an order that steps down, to off and back up.
#[test]
fn lighting_reads_the_shadow_at_every_tier_and_none_when_off() {
    use afterlight::post::Tier;
    let Some(gpu) = common::gpu() else { return };
    let mut scene = plane(material(0.8, 0.0, 1.0));
    // Above the camera: the camera sees the ground under it, not its lit top.
    let occluder =
        Mat4::from_translation(Vec3::new(0.0, 0.0, 30.0)) * Mat4::from_scale(Vec3::splat(0.05));
    scene.instances.push(Instance { mesh: 0, transform: occluder, node: "occluder".into() });
    scene.update_bounds();
    let sun = light(LightKind::Directional, Vec3::ZERO, Vec3::NEG_Z, 100.0, None);
    let mut renderer = common::renderer(&gpu, &scene, SIZE, &environment(&gpu, Vec3::ZERO));
    renderer.set_lights(&gpu, &[sun]);
    for tier in [Tier::High, Tier::Low, Tier::Off, Tier::Medium, Tier::Ultra] {
        let mut options = unit_exposure();
        options.post.shadows.tier = tier;
        renderer.render(&gpu, &top_down_camera(), &options).expect("render");
        let hdr = renderer.read_hdr(&gpu).expect("hdr");
        let centre = hdr[(SIZE.1 / 2 * SIZE.0 + SIZE.0 / 2) as usize][0];
        let corner = hdr[(SIZE.0 * 4 + 4) as usize][0];
        println!("shadow tier {tier}: centre {centre}, open ground {corner}");
        assert!(corner > 20.0, "{tier}: open ground is lit: {corner}");
        match tier {
            Tier::Off => assert!(centre > 0.99 * corner, "off: no shadow, {centre} vs {corner}"),
            _ => assert!(centre < 0.05 * corner, "{tier}: the shadow, {centre} vs {corner}"),
        }
    }
}

/// The lighting pass is specialised per AO state (on, upsampled in lighting, off): the states
/// a budget-governor step reaches from the wanted settings (AO off, TAA off so lighting
/// upsamples) are built with the first frame, so the frames after such a step compile nothing;
/// new lights build their own.
#[test]
fn lighting_pipelines_for_governor_steps_are_built_ahead() {
    use afterlight::post::Tier;
    use afterlight::post::ao::AoSettings;
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let mut renderer = common::renderer(&gpu, &scene, (32, 32), &common::studio(&gpu));
    let camera = common::scene_camera(&scene, 1.0);
    let wanted = afterlight::post::chain::PostSettings {
        ao: AoSettings::MOBILE,
        taa: afterlight::post::taa::TaaSettings { tier: Tier::High, ..Default::default() },
        ..Default::default()
    };
    let mut frame = |post: &afterlight::post::chain::PostSettings| {
        let options = RenderOptions { post: post.clone(), ..Default::default() };
        renderer.render(&gpu, &camera, &options).expect("render");
        renderer.lighting_pipelines_built()
    };
    let built = frame(&wanted);
    // AO off, on at full size (TAA on), on upsampled here (TAA off).
    assert_eq!(built, 3);
    // As the governor would turn them: TAA off (lighting upsamples AO), AO off, back.
    let mut taa_off = wanted.clone();
    taa_off.taa.tier = Tier::Off;
    let mut ao_off = taa_off.clone();
    ao_off.ao.tier = Tier::Off;
    for post in [&taa_off, &ao_off, &taa_off, &wanted] {
        assert_eq!(frame(post), built, "a pipeline was built during the frame");
    }
    // New lights (a count no scene here has): their own pipelines, built as they are set.
    let point = light(LightKind::Point, Vec3::Y, Vec3::NEG_Z, 100.0, None);
    let sun = afterlight::render::lights::default_sun();
    renderer.set_lights(&gpu, &[point.clone(), point.clone(), point, sun]);
    let after = renderer.lighting_pipelines_built();
    assert_eq!(after, 2 * built);
    let options = RenderOptions { post: wanted, ..Default::default() };
    renderer.render(&gpu, &camera, &options).expect("render");
    assert_eq!(renderer.lighting_pipelines_built(), after);
}

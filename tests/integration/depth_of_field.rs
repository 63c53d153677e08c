//! Depth of field (`src/post/dof.rs`, `shaders/post/dof.wgsl`) on a software GPU, fed synthetic
//! colour and depth so the answer is the thin-lens formula: pixels at the focus distance come
//! out exactly as they went in (even beside a blurred background), and a sharp edge on a plane
//! at a known distance, in front of or behind the focus plane, is blurred by a disc whose
//! radius matches the thin lens's circle of confusion within 10 %.
//!
//! The blur radius is measured from the edge's line-spread function (the derivative of the
//! row-averaged edge profile): a uniform disc of radius `r` has a line-spread variance of
//! `r² / 4`, so `r = 2σ`. End to end, the renderer's autofocus (the scene's bounds centre)
//! keeps a square at that distance exactly as it is without DoF, where a wrong focus blurs
//! its edges. The budget governor turns depth of field (and motion blur) down when they cost
//! the most. Images are written to `<temp>/afterlight-cinematic/`.

use crate::common;
use crate::common::float_texture;
use crate::motion_blur::{column_profile, read_rgba, save_grey};

use afterlight::gpu::{FrameTiming, Gpu, PassTime};
use afterlight::graph::TexturePool;
use afterlight::post::Tier;
use afterlight::post::budget::{BudgetSettings, Governor};
use afterlight::post::chain::{PostCamera, PostSettings};
use afterlight::post::dof::{DofFrame, DofPass, DofSettings};
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::motion_blur::MotionBlurSettings;
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::{Background, RenderOptions};
use afterlight::scene::{Camera, CameraProjection, Material};
use glam::{Mat4, Vec3};

const WIDTH: u32 = 256;
const HEIGHT: u32 = 128;
const ZNEAR: f32 = 0.1;
const FOCUS: f32 = 2.0;

/// A 200 mm lens at f/2.8 focused at 2 m on a full-frame sensor: at 128 px tall, the CoC
/// radius at infinity is about 21 px.
const LENS: DofSettings = DofSettings {
    tier: Tier::Ultra,
    focal_length_mm: 200.0,
    f_stop: 2.8,
    focus_distance: FOCUS,
    sensor_height_mm: 24.0,
};

const CAMERA: PostCamera = PostCamera { znear: ZNEAR, yfov: 0.5, autofocus_distance: Some(FOCUS) };

/// Depth of field of a grey image (`colour`, one value per pixel) with view distances
/// `distance`; the red channel of the result.
fn depth_of_field(gpu: &Gpu, colour: &[f32], distance: &[f32], settings: &DofSettings) -> Vec<f32> {
    let size = (WIDTH, HEIGHT);
    let rgba: Vec<f32> = colour.iter().flat_map(|&c| [c, c, c, 1.0]).collect();
    let depth: Vec<f32> = distance.iter().map(|z| ZNEAR / z).collect();
    let hdr = float_texture(gpu, size, wgpu::TextureFormat::Rgba32Float, 4, &rgba);
    let depth = float_texture(gpu, size, wgpu::TextureFormat::R32Float, 1, &depth);
    let mut pass = DofPass::new(&gpu.device, wgpu::TextureFormat::Rgba16Float).expect("dof pass");
    let mut pool = TexturePool::new();
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let frame = DofFrame { hdr: &hdr, depth: &depth, size, camera: CAMERA, frame_index: 0 };
    let output = pass
        .draw(&gpu.device, &gpu.queue, &mut encoder, &mut pool, &frame, settings)
        .expect("the pass runs");
    gpu.queue.submit([encoder.finish()]);
    read_rgba(gpu, &output.texture).iter().map(|p| p[0]).collect()
}

/// A detailed pattern: a checkerboard of 3 px squares with a brighter dot every 16 px.
fn pattern(x: u32, y: u32) -> f32 {
    let checker = if (x / 3 + y / 3).is_multiple_of(2) { 0.2 } else { 0.7 };
    if x % 16 == 5 && y % 16 == 9 { 4.0 } else { checker }
}

#[test]
fn pixels_at_the_focus_distance_match_the_image_without_dof() {
    let Some(gpu) = common::gpu() else { return };
    // Left half in focus, right half a background at 6 m, both patterned.
    let n = (WIDTH * HEIGHT) as usize;
    let colour: Vec<f32> = (0..n as u32).map(|i| pattern(i % WIDTH, i / WIDTH)).collect();
    let distance: Vec<f32> =
        (0..n as u32).map(|i| if i % WIDTH < WIDTH / 2 { FOCUS } else { 6.0 }).collect();
    for tier in [Tier::Low, Tier::High, Tier::Ultra] {
        let out = depth_of_field(&gpu, &colour, &distance, &DofSettings { tier, ..LENS });
        save_grey(&format!("dof_focus_{tier}"), (WIDTH, HEIGHT), &out);
        let (mut worst, mut squared, mut count) = (0f32, 0f64, 0usize);
        for i in (0..n).filter(|&i| distance[i] == FOCUS) {
            // The output is half floats: compare relative to the value.
            let error = (out[i] - colour[i]).abs() / colour[i].max(1.0);
            worst = worst.max(error);
            squared += f64::from(error * error);
            count += 1;
        }
        let mse = squared / count as f64;
        let psnr = if mse > 0.0 { 10.0 * (1.0 / mse).log10() } else { f64::INFINITY };
        eprintln!("{tier}: in-focus pixels max relative error {worst:.2e}, PSNR {psnr:.1} dB");
        assert!(worst < 1e-3, "{tier}: in-focus pixels changed by up to {worst}");
        // The background was blurred: its dots are gone.
        let dot = (9 * WIDTH + 133) as usize;
        assert!(out[dot] < 2.0, "{tier}: background dot kept {}", out[dot]);
    }
}

/// The blur radius of a vertical edge at column `WIDTH / 2` in `image`, from the line-spread
/// function's second moment (`r = 2σ` for a disc).
fn edge_blur_radius(image: &[f32]) -> f64 {
    let profile = column_profile(image, WIDTH, 40..88);
    let edge = (WIDTH / 2) as usize;
    let window = 40;
    let lsf: Vec<(f64, f64)> = (edge - window..edge + window)
        .map(|x| (x as f64 + 1.0, (profile[x + 1] - profile[x]).abs()))
        .collect();
    let total: f64 = lsf.iter().map(|(_, w)| w).sum();
    let mean = lsf.iter().map(|(x, w)| x * w).sum::<f64>() / total;
    let variance = lsf.iter().map(|(x, w)| (x - mean).powi(2) * w).sum::<f64>() / total;
    2.0 * variance.sqrt()
}

#[test]
fn an_edge_out_of_focus_blurs_by_the_thin_lens_circle_of_confusion() {
    let Some(gpu) = common::gpu() else { return };
    let n = (WIDTH * HEIGHT) as usize;
    // A bright half-plane on a dark one, everything at one distance.
    let colour: Vec<f32> =
        (0..n as u32).map(|i| if i % WIDTH < WIDTH / 2 { 1.0 } else { 0.05 }).collect();
    let lens = LENS.lens(&CAMERA);
    // Behind the focus plane (far field) and in front of it (near field).
    for distance in [4.0f32, 3.0, 1.4] {
        let out = depth_of_field(&gpu, &colour, &vec![distance; n], &LENS);
        save_grey(&format!("dof_edge_{distance}m"), (WIDTH, HEIGHT), &out);
        let expected = f64::from(lens.coc_radius_px(distance, HEIGHT).abs());
        let measured = edge_blur_radius(&out);
        // Without DoF the edge's own "radius" is 0: the measure itself adds nothing.
        eprintln!(
            "{distance} m: CoC radius measured {measured:.2} px, thin lens {expected:.2} px \
             ({:+.1} %)",
            100.0 * (measured / expected - 1.0)
        );
        assert!(
            (measured / expected - 1.0).abs() < 0.1,
            "{distance} m: {measured:.2} px vs {expected:.2} px"
        );
    }
}

#[test]
fn the_renderer_autofocuses_on_the_scene_bounds_centre() {
    let Some(gpu) = common::gpu() else { return };
    // An unlit grey square of side 1 at the origin on black, 2 m in front of the camera.
    let size = (128, 64);
    let mut scene = common::square_scene(1.0, Mat4::IDENTITY);
    for v in &mut scene.meshes[0].primitives[0].vertices {
        v.color = [0.5, 0.5, 0.5, 1.0];
    }
    scene.materials = vec![Material { unlit: true, ..Default::default() }];
    scene.meshes[0].primitives[0].material = Some(0);
    let camera = Camera {
        position: Vec3::new(0.0, 0.0, 2.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Perspective { yfov: 40f32.to_radians(), znear: 0.1 },
    };
    let mut renderer = common::renderer(&gpu, &scene, size, &common::studio(&gpu));
    let mut render = |dof: DofSettings| {
        let mut post = PostSettings::default();
        post.tonemap.mapper = ToneMapper::Clamp;
        post.finish.dither = false;
        post.exposure = ExposureSettings::manual(0.0);
        post.dof = dof;
        let background = Background::Color(Vec3::ZERO);
        let options = RenderOptions { post, background, ..Default::default() };
        renderer.render(&gpu, &camera, &options).expect("render");
        renderer.read_display(&gpu).expect("readback")
    };
    let sharp = render(DofSettings::OFF);
    // Autofocus (focus_distance 0) with a long lens: about 10 px of blur at infinity.
    let lens = DofSettings { focal_length_mm: 200.0, ..DofSettings::PRODUCT };
    let autofocus = render(lens);
    let misfocused = render(DofSettings { focus_distance: 1.0, ..lens });
    let green = |image: &[u8]| image.chunks_exact(4).map(|p| p[1]).collect::<Vec<u8>>();
    let (sharp, autofocus, misfocused) = (green(&sharp), green(&autofocus), green(&misfocused));
    let to_linear = |image: &[u8]| image.iter().map(|&c| f32::from(c) / 255.0).collect::<Vec<_>>();
    save_grey("dof_renderer_autofocus", size, &to_linear(&autofocus));
    save_grey("dof_renderer_misfocused", size, &to_linear(&misfocused));
    let square: Vec<usize> = (0..sharp.len()).filter(|&i| sharp[i] > 0).collect();
    assert!(square.len() > 500, "the square covers {} pixels", square.len());
    let worst = |image: &[u8]| square.iter().map(|&i| image[i].abs_diff(sharp[i])).max();
    let (in_focus, out_of_focus) = (worst(&autofocus), worst(&misfocused));
    eprintln!("square's largest change: autofocus {in_focus:?}, focused at 1 m {out_of_focus:?}");
    assert!(in_focus.is_some_and(|d| d <= 1), "autofocus changed the square by {in_focus:?}");
    assert!(out_of_focus.is_some_and(|d| d > 20), "a wrong focus left the square sharp");
}

#[test]
fn the_budget_governor_turns_the_cinematic_passes_down_when_they_cost_most() {
    // A 10 ms budget; the finish costs 4 ms, depth of field 7 ms at High, motion blur 1 ms:
    // the first thing to go is depth of field, and the frame ends up inside the budget.
    let user = PostSettings {
        dof: DofSettings::PRODUCT,
        motion_blur: MotionBlurSettings::FILM,
        budget: BudgetSettings::adaptive(10.0),
        ..Default::default()
    };
    let cost = |tier: Tier, high: f64| high * [0.0, 0.3, 0.5, 1.0, 1.5][tier as usize];
    let mut governor = Governor::new(true);
    let mut arrived = Vec::new();
    let mut frame_ms = Vec::new();
    for frame in 0..400u64 {
        let settings = governor.update(&user, frame, &arrived);
        let pass = |name: &str, ms: f64| PassTime { name: name.into(), ms, cpu_ms: 0.05 };
        let passes = vec![
            pass("dof", cost(settings.dof.tier, 7.0)),
            pass("motion_blur", cost(settings.motion_blur.tier, 1.0)),
            pass("finish", 4.0),
        ];
        let gpu_ms = passes.iter().map(|p| p.ms).sum();
        frame_ms.push(gpu_ms);
        arrived = vec![FrameTiming { frame, gpu_ms, cpu_ms: 0.15, passes }];
    }
    let decisions = governor.decisions();
    assert!(!decisions.is_empty(), "no decision at 12 ms against 10 ms");
    assert_eq!(decisions[0].changes[0].knob, "dof", "{}", decisions[0]);
    let settled = &frame_ms[frame_ms.len() - 100..];
    assert!(settled.iter().all(|&ms| ms <= 10.0), "still over budget: {settled:?}");
    eprintln!("{}", decisions[0]);
}

#[test]
fn a_tier_step_builds_no_pipeline_in_its_frame() {
    let Some(gpu) = common::gpu() else { return };
    let size = (64, 32);
    let n = (size.0 * size.1) as usize;
    let hdr = float_texture(&gpu, size, wgpu::TextureFormat::Rgba32Float, 4, &vec![0.5; 4 * n]);
    let depth = float_texture(&gpu, size, wgpu::TextureFormat::R32Float, 1, &vec![ZNEAR / 6.0; n]);
    let mut pass = DofPass::new(&gpu.device, wgpu::TextureFormat::Rgba16Float).expect("dof pass");
    let mut pool = TexturePool::new();
    let frame = DofFrame { hdr: &hdr, depth: &depth, size, camera: CAMERA, frame_index: 0 };
    let built = crate::ambient_occlusion::assert_a_tier_step_builds_nothing("dof", |tier| {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let settings = DofSettings { tier, ..LENS };
        let output = pass.draw(&gpu.device, &gpu.queue, &mut encoder, &mut pool, &frame, &settings);
        assert!(output.is_some(), "DoF ran at {tier}");
        gpu.queue.submit([encoder.finish()]);
        pool.end_frame();
        pass.pipelines_built()
    });
    assert_eq!(built, 2 * 4, "the tiles and the gather at each tier");
}

//! Motion blur (`src/post/motion_blur.rs`, `shaders/post/motion_blur.wgsl`) on a software GPU,
//! fed synthetic colour, depth and motion so the answer is exact: a box moving at a known
//! screen velocity in front of a black background is the time average of the box over the
//! exposure, so each of its edges along the motion becomes a linear ramp `v · shutter` pixels
//! wide (10-90 % width `0.8 · v · shutter`); a static box beside it keeps every pixel; a static
//! foreground over a moving background stays sharp (depth-aware). End to end, a square the
//! renderer moves between frames (`set_instance_transform`) is blurred the same way.
//!
//! Images are written to `<temp>/afterlight-cinematic/` to look at.

use crate::common;

use afterlight::gpu::{Gpu, halves_to_f32, read_texture};
use afterlight::graph::TexturePool;
use afterlight::post::Tier;
use afterlight::post::chain::PostSettings;
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::motion_blur::{MotionBlurFrame, MotionBlurPass, MotionBlurSettings};
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::{Background, RenderOptions};
use afterlight::scene::{Camera, CameraProjection, Material};
use glam::{Mat4, Vec3};

const WIDTH: u32 = 192;
const HEIGHT: u32 = 64;
/// Reverse-Z depth of the boxes (nearer) and the background.
const NEAR_DEPTH: f32 = 0.1;
const FAR_DEPTH: f32 = 0.02;

/// An Rgba16Float texture read back as RGBA f32.
pub(crate) fn read_rgba(gpu: &Gpu, texture: &wgpu::Texture) -> Vec<[f32; 4]> {
    let halves = halves_to_f32(&read_texture(gpu, texture).expect("readback"));
    halves.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect()
}

/// Write the red channel (0..1) as a grey PNG under `<temp>/afterlight-cinematic/`.
pub(crate) fn save_grey(name: &str, size: (u32, u32), pixels: &[f32]) {
    let dir = std::env::temp_dir().join("afterlight-cinematic");
    let bytes: Vec<u8> = pixels.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
    if std::fs::create_dir_all(&dir).is_ok() {
        let path = dir.join(format!("{name}.png"));
        if image::save_buffer(&path, &bytes, size.0, size.1, image::ExtendedColorType::L8).is_ok() {
            eprintln!("wrote {}", path.display());
        }
    }
}

/// The mean of `image`'s red channel over rows `rows` for every column.
pub(crate) fn column_profile(image: &[f32], width: u32, rows: std::ops::Range<u32>) -> Vec<f64> {
    let n = f64::from(rows.len() as u32);
    (0..width)
        .map(|x| rows.clone().map(|y| f64::from(image[(y * width + x) as usize])).sum::<f64>() / n)
        .collect()
}

/// Where a monotonic stretch of `profile` between `from` and `to` (column indices, either
/// order) crosses `level` of its range, by linear interpolation.
fn crossing(profile: &[f64], from: usize, to: usize, level: f64) -> f64 {
    let (lo, hi) = (profile[from], profile[to]);
    let target = lo + (hi - lo) * level;
    let step: isize = if to > from { 1 } else { -1 };
    let mut i = from as isize;
    while i != to as isize {
        let (a, b) = (profile[i as usize], profile[(i + step) as usize]);
        if (a - target) * (b - target) <= 0.0 && a != b {
            return i as f64 + step as f64 * (target - a) / (b - a);
        }
        i += step;
    }
    to as f64
}

/// 10-90 % width of the edge between columns `from` (one side's plateau) and `to` (the
/// other's).
fn edge_width(profile: &[f64], from: usize, to: usize) -> f64 {
    (crossing(profile, from, to, 0.9) - crossing(profile, from, to, 0.1)).abs()
}

/// A scene: colour (red channel), reverse-Z depth and motion in pixels per frame, per pixel.
struct Scene {
    colour: Vec<f32>,
    depth: Vec<f32>,
    motion_px: Vec<[f32; 2]>,
}

impl Scene {
    fn new(background: impl Fn(u32, u32) -> f32, background_motion: f32) -> Self {
        let n = (WIDTH * HEIGHT) as usize;
        let colour = (0..n as u32).map(|i| background(i % WIDTH, i / WIDTH)).collect();
        Self { colour, depth: vec![FAR_DEPTH; n], motion_px: vec![[background_motion, 0.0]; n] }
    }

    /// A box of `value` over columns `x` and rows `y`, nearer than the background, moving
    /// `motion` pixels per frame along x.
    fn square(
        &mut self,
        x: std::ops::Range<u32>,
        y: std::ops::Range<u32>,
        value: f32,
        motion: f32,
    ) {
        for j in y {
            for i in x.clone() {
                let k = (j * WIDTH + i) as usize;
                self.colour[k] = value;
                self.depth[k] = NEAR_DEPTH;
                self.motion_px[k] = [motion, 0.0];
            }
        }
    }

    /// The blurred red channel, or the input where the pass returns nothing.
    fn blur(&self, gpu: &Gpu, settings: &MotionBlurSettings) -> Option<Vec<f32>> {
        let size = (WIDTH, HEIGHT);
        let rgba: Vec<f32> = self.colour.iter().flat_map(|&c| [c, c, c, 1.0]).collect();
        let uv: Vec<f32> = self
            .motion_px
            .iter()
            .flat_map(|m| [m[0] / WIDTH as f32, m[1] / HEIGHT as f32])
            .collect();
        let hdr = common::float_texture(gpu, size, wgpu::TextureFormat::Rgba32Float, 4, &rgba);
        let depth = common::float_texture(gpu, size, wgpu::TextureFormat::R32Float, 1, &self.depth);
        let motion = common::float_texture(gpu, size, wgpu::TextureFormat::Rg32Float, 2, &uv);
        let mut pass = MotionBlurPass::new(&gpu.device, wgpu::TextureFormat::Rgba16Float)
            .expect("motion blur pass");
        let mut pool = TexturePool::new();
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let frame =
            MotionBlurFrame { hdr: &hdr, depth: &depth, motion: &motion, size, frame_index: 0 };
        let output = pass.draw(&gpu.device, &gpu.queue, &mut encoder, &mut pool, &frame, settings);
        gpu.queue.submit([encoder.finish()]);
        output.map(|o| read_rgba(gpu, &o.texture).iter().map(|p| p[0]).collect())
    }
}

#[test]
fn a_moving_box_blurs_over_velocity_times_shutter_and_a_static_one_stays_sharp() {
    let Some(gpu) = common::gpu() else { return };
    let velocity = 16.0;
    let mut scene = Scene::new(|_, _| 0.0, 0.0);
    scene.square(40..90, 16..48, 1.0, velocity);
    scene.square(150..180, 16..48, 1.0, 0.0);
    save_grey("motion_blur_input", (WIDTH, HEIGHT), &scene.colour);
    for (tier, shutter_angle) in [(Tier::High, 180.0), (Tier::Ultra, 360.0), (Tier::Low, 180.0)] {
        let settings = MotionBlurSettings { tier, shutter_angle };
        let blurred = scene.blur(&gpu, &settings).expect("the pass runs");
        save_grey(&format!("motion_blur_{tier}_{shutter_angle}"), (WIDTH, HEIGHT), &blurred);
        let profile = column_profile(&blurred, WIDTH, 20..44);
        let smear = velocity as f64 * f64::from(shutter_angle) / 360.0;
        let expected = 0.8 * smear;
        // Trailing edge (x = 40) and leading edge (x = 90), each between plateaus.
        let trailing = edge_width(&profile, 20, 65);
        let leading = edge_width(&profile, 65, 120);
        eprintln!(
            "{tier} {shutter_angle}°: 10-90 % widths {trailing:.2} and {leading:.2} px, \
             expected {expected:.2} (ramp {smear} px)"
        );
        for width in [trailing, leading] {
            assert!((width - expected).abs() <= 1.5, "{tier}: {width:.2} vs {expected:.2}");
        }
        // The ramp is centred on the drawn edge: half the box's light stays on each side.
        let half = crossing(&profile, 65, 120, 0.5);
        assert!((half - 90.0).abs() <= 0.75, "{tier}: leading edge's 50 % at {half:.2}");
        // The static box: every pixel as drawn.
        for y in 0..HEIGHT {
            for x in 130..WIDTH {
                let k = (y * WIDTH + x) as usize;
                let error = (blurred[k] - scene.colour[k]).abs();
                assert!(error < 1e-3, "{tier}: static pixel ({x}, {y}) changed by {error}");
            }
        }
    }
    // A closed shutter or the Off tier: no pass.
    let closed = MotionBlurSettings { shutter_angle: 0.0, ..MotionBlurSettings::FILM };
    assert!(scene.blur(&gpu, &closed).is_none());
    assert!(scene.blur(&gpu, &MotionBlurSettings::OFF).is_none());
}

#[test]
fn a_moving_background_does_not_smear_over_a_static_foreground() {
    let Some(gpu) = common::gpu() else { return };
    // Vertical stripes 4 px wide, moving 16 px per frame behind a static box.
    let mut scene = Scene::new(|x, _| if (x / 4).is_multiple_of(2) { 0.8 } else { 0.1 }, 16.0);
    scene.square(70..120, 16..48, 0.5, 0.0);
    let blurred = scene.blur(&gpu, &MotionBlurSettings::FILM).expect("the pass runs");
    save_grey("motion_blur_background", (WIDTH, HEIGHT), &blurred);
    let mut worst = 0f32;
    for y in 16..48 {
        for x in 70..120 {
            let k = (y * WIDTH + x) as usize;
            worst = worst.max((blurred[k] - scene.colour[k]).abs());
        }
    }
    assert!(worst < 1e-3, "the static foreground changed by up to {worst}");
    // The background is blurred over 8 px: 4 px stripes average out to about 0.45 (away
    // from the image's edge, where the clamped samples repeat the border column).
    let row: Vec<f32> = (8..60).map(|x| blurred[(4 * WIDTH + x) as usize]).collect();
    let (lo, hi) = row.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    eprintln!("background row range after blur: {lo:.3}..{hi:.3} (input 0.1..0.8)");
    assert!(hi - lo < 0.1, "stripes not blurred: {lo}..{hi}");
}

/// 8-bit sRGB to linear.
fn srgb_decode(code: u8) -> f32 {
    let v = f32::from(code) / 255.0;
    if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
}

#[test]
fn the_renderer_blurs_an_instance_it_moves_by_its_screen_velocity() {
    let Some(gpu) = common::gpu() else { return };
    // An unlit grey square (0.5, below the clamp) on black, seen by an orthographic camera
    // 4 x 2 units wide at 128 x 64 px: 32 px per unit.
    let size = (128, 64);
    let start = Mat4::from_translation(Vec3::new(-0.5, 0.0, 0.0));
    let mut scene = common::square_scene(1.0, start);
    for v in &mut scene.meshes[0].primitives[0].vertices {
        v.color = [0.5, 0.5, 0.5, 1.0];
    }
    scene.materials = vec![Material { unlit: true, ..Default::default() }];
    scene.meshes[0].primitives[0].material = Some(0);
    let camera = Camera {
        position: Vec3::new(0.0, 0.0, 5.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Orthographic { ymag: 1.0, znear: 0.1, zfar: 10.0 },
    };
    let mut renderer = common::renderer(&gpu, &scene, size, &common::studio(&gpu));
    let mut post = PostSettings::default();
    post.tonemap.mapper = ToneMapper::Clamp;
    post.finish.dither = false;
    post.exposure = ExposureSettings::manual(0.0);
    post.motion_blur = MotionBlurSettings::FILM;
    let options =
        RenderOptions { post, background: Background::Color(Vec3::ZERO), ..Default::default() };
    renderer.render(&gpu, &camera, &options).expect("first frame");
    // 0.5 units to the right: 16 px per frame, smeared over 8 px at 180°.
    renderer.set_instance_transform(0, Mat4::from_translation(Vec3::new(0.0, 0.0, 0.0)));
    renderer.render(&gpu, &camera, &options).expect("second frame");
    let display = renderer.read_display(&gpu).expect("readback");
    let linear: Vec<f32> = display.chunks_exact(4).map(|p| srgb_decode(p[1])).collect();
    save_grey("motion_blur_renderer", size, &linear);
    let profile = column_profile(&linear, size.0, 24..40);
    // The square spans x = -0.5..0.5 units, columns 48..80; its middle is column 64.
    let trailing = edge_width(&profile, 30, 64);
    let leading = edge_width(&profile, 64, 100);
    eprintln!("renderer: 10-90 % widths {trailing:.2} and {leading:.2} px, expected 6.40");
    for width in [trailing, leading] {
        assert!((width - 6.4).abs() <= 1.5, "{width:.2} px vs 6.40");
    }
    let half = crossing(&profile, 64, 100, 0.5);
    assert!((half - 80.0).abs() <= 1.0, "leading edge's 50 % at {half:.2}, drawn at 80");
}

#[test]
fn a_tier_step_builds_no_pipeline_in_its_frame() {
    let Some(gpu) = common::gpu() else { return };
    let size = (64, 32);
    let n = (size.0 * size.1) as usize;
    let float = |format, channels: usize, value: f32| {
        common::float_texture(&gpu, size, format, channels as u32, &vec![value; channels * n])
    };
    let hdr = float(wgpu::TextureFormat::Rgba32Float, 4, 0.5);
    let depth = float(wgpu::TextureFormat::R32Float, 1, 0.1);
    let motion = float(wgpu::TextureFormat::Rg32Float, 2, 0.05);
    let mut pass =
        MotionBlurPass::new(&gpu.device, wgpu::TextureFormat::Rgba16Float).expect("motion blur");
    let mut pool = TexturePool::new();
    let frame = MotionBlurFrame { hdr: &hdr, depth: &depth, motion: &motion, size, frame_index: 0 };
    let built =
        crate::ambient_occlusion::assert_a_tier_step_builds_nothing("motion_blur", |tier| {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            let settings = MotionBlurSettings { tier, ..MotionBlurSettings::FILM };
            let output =
                pass.draw(&gpu.device, &gpu.queue, &mut encoder, &mut pool, &frame, &settings);
            assert!(output.is_some(), "motion blur ran at {tier}");
            gpu.queue.submit([encoder.finish()]);
            pool.end_frame();
            pass.pipelines_built()
        });
    assert_eq!(built, 2 * 4, "the tile maximum and the gather at each tier");
}

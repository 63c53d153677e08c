//! Compute and fragment variants of the full-screen passes (`src/post/variant.rs`): on the
//! built-in product demo scene each pass's compute variant gives the fragment variant's image
//! (8-bit display images within one code, the sRGB encode being the only difference; the
//! Rgba16Float TAA resolve within half-float rounding), `auto` resolves as documented, the
//! benchmark runs both side by side, and TAA's memory is its real history textures.

use std::path::Path;

use afterlight::bench::{self, BenchConfig};
use afterlight::gpu::Gpu;
use afterlight::graph::TexturePool;
use afterlight::post::Tier;
use afterlight::post::bloom::BloomSettings;
use afterlight::post::chain::{PostCamera, PostSettings};
use afterlight::post::dof::{DofFrame, DofPass, DofSettings};
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::finish::FinishSettings;
use afterlight::post::fxaa::{FxaaPass, FxaaSettings};
use afterlight::post::motion_blur::{MotionBlurFrame, MotionBlurPass, MotionBlurSettings};
use afterlight::post::sharpen::{SharpenPass, SharpenSettings};
use afterlight::post::taa::TaaSettings;
use afterlight::post::variant::{self, PassVariant};
use afterlight::render::gbuffer::HdrFormat;
use afterlight::render::{RenderOptions, Renderer, RendererSettings};
use afterlight::scene::Camera;

use crate::common;
use crate::motion_blur::read_rgba;
use crate::skip::{self, Capability};

const SIZE: (u32, u32) = (96, 64);

/// Render `frames` frames of the product demo with `post` and return the display image and
/// the renderer.
fn render(gpu: &Gpu, post: &PostSettings, frames: u32) -> (Vec<u8>, Renderer) {
    let scene = common::default_scene();
    let environment = common::studio(gpu);
    let mut renderer = common::renderer(gpu, &scene, SIZE, &environment);
    let camera = common::scene_camera(&scene, SIZE.0 as f32 / SIZE.1 as f32);
    let options = RenderOptions { post: post.clone(), ..Default::default() };
    for _ in 0..frames {
        renderer.render(gpu, &camera, &options).expect("renders");
    }
    let image = renderer.read_display(gpu).expect("readback");
    (image, renderer)
}

/// The largest difference between two byte images, and where.
fn max_difference(a: &[u8], b: &[u8]) -> (u8, usize) {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .enumerate()
        .fold((0, 0), |best, (i, d)| if d > best.0 { (d, i) } else { best })
}

/// The chain with `post` under both variants gives the same image within one code, and the
/// compute run really ran compute (lavapipe and desktop adapters support it).
fn assert_variants_agree(gpu: &Gpu, what: &str, post: PostSettings, frames: u32) {
    if skip::lacks(gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device)) {
        return;
    }
    let fragment = PostSettings { variant: PassVariant::Fragment, ..post.clone() };
    let compute = PostSettings { variant: PassVariant::Compute, ..post };
    let (a, ra) = render(gpu, &fragment, frames);
    let (b, rb) = render(gpu, &compute, frames);
    assert_eq!(ra.post_variant().map(|v| v.used), Some(PassVariant::Fragment));
    let choice = rb.post_variant().expect("resolved");
    assert_eq!(choice.used, PassVariant::Compute, "{what}: {}", choice.reason);
    let (d, at) = max_difference(&a, &b);
    let pixel = at / 4;
    assert!(
        d <= 1,
        "{what}: compute differs from fragment by {d} codes at pixel ({}, {}) channel {}",
        pixel % SIZE.0 as usize,
        pixel / SIZE.0 as usize,
        at % 4
    );
    assert!(a.iter().any(|&v| v > 16), "{what}: the image is not black");
}

/// Manual exposure, so both renders expose alike from the first frame.
fn base() -> PostSettings {
    PostSettings { exposure: ExposureSettings::manual(9.0), ..Default::default() }
}

#[test]
fn finish_compute_matches_fragment() {
    let Some(gpu) = common::gpu() else { return };
    let post = PostSettings {
        finish: FinishSettings::CINEMATIC,
        bloom: BloomSettings { tier: Tier::High, ..BloomSettings::default() },
        ..base()
    };
    assert_variants_agree(&gpu, "finish (+ bloom, vignette, grain, aberration)", post, 1);
}

#[test]
fn taa_compute_matches_fragment() {
    let Some(gpu) = common::gpu() else { return };
    let post =
        PostSettings { taa: TaaSettings { tier: Tier::High, ..TaaSettings::default() }, ..base() };
    assert_variants_agree(&gpu, "taa (3 frames of history)", post, 3);
}

#[test]
fn upscale_compute_matches_fragment() {
    let Some(gpu) = common::gpu() else { return };
    for tier in [Tier::Low, Tier::Medium, Tier::High] {
        let mut post = PostSettings { render_scale: 0.5, ..base() };
        post.upscale.tier = tier;
        assert_variants_agree(&gpu, &format!("upscale {tier:?} (render scale 0.5)"), post, 1);
    }
}

/// FXAA and sharpen on one input, the rendered scene: the fragment pass writes an sRGB
/// attachment, the compute pass an Rgba8Unorm storage texture it encodes itself.
#[test]
fn fxaa_and_sharpen_compute_match_fragment() {
    let Some(gpu) = common::gpu() else { return };
    if skip::lacks(&gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device)) {
        return;
    }
    let (scene, _) = render(&gpu, &base(), 1);
    let input = common::display_texture(&gpu, SIZE, Some(&scene));
    let input_view = input.create_view(&Default::default());
    let storage = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("compute output"),
        size: wgpu::Extent3d { width: SIZE.0, height: SIZE.1, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let storage_view = storage.create_view(&Default::default());
    let (device, queue) = (&gpu.device, &gpu.queue);
    let fxaa = FxaaSettings { tier: Tier::Ultra, ..FxaaSettings::DESKTOP };
    let sharpen = SharpenSettings::CRISP;
    type Record<'a> = Box<dyn Fn(&mut wgpu::CommandEncoder, &wgpu::TextureView, bool) + 'a>;
    let mut fxaa_pass =
        FxaaPass::new(device, afterlight::post::finish::DISPLAY_FORMAT).expect("fxaa");
    let mut sharpen_pass =
        SharpenPass::new(device, afterlight::post::finish::DISPLAY_FORMAT).expect("sharpen");
    let fxaa_pass = std::cell::RefCell::new(&mut fxaa_pass);
    let sharpen_pass = std::cell::RefCell::new(&mut sharpen_pass);
    let cases: [(&str, Record); 2] = [
        (
            "fxaa",
            Box::new(|e, out, compute| {
                let mut p = fxaa_pass.borrow_mut();
                match compute {
                    true => p.dispatch(device, queue, e, &input_view, out, SIZE, &fxaa),
                    false => p.draw(device, queue, e, &input_view, out, SIZE, &fxaa),
                }
            }),
        ),
        (
            "sharpen",
            Box::new(|e, out, compute| {
                let mut p = sharpen_pass.borrow_mut();
                match compute {
                    true => p.dispatch(device, queue, e, &input_view, out, SIZE, &sharpen),
                    false => p.draw(device, queue, e, &input_view, out, SIZE, &sharpen),
                }
            }),
        ),
    ];
    for (name, record) in cases {
        let fragment = common::display_pass(&gpu, &scene, SIZE, |e, _, out| record(e, out, false));
        let mut encoder = device.create_command_encoder(&Default::default());
        record(&mut encoder, &storage_view, true);
        queue.submit([encoder.finish()]);
        let compute = afterlight::gpu::read_texture(&gpu, &storage).expect("readback");
        let (d, at) = max_difference(&fragment, &compute);
        assert!(d <= 1, "{name}: compute differs from fragment by {d} codes at byte {at}");
        assert_ne!(fragment, scene, "{name} changed the image");
    }
}

#[test]
fn auto_resolves_by_device_class() {
    let Some(gpu) = common::gpu() else { return };
    let (_, renderer) = render(&gpu, &base(), 1);
    let choice = renderer.post_variant().expect("resolved").clone();
    assert_eq!(choice.requested, PassVariant::Auto);
    let expected = match (gpu.device_class().is_mobile(), variant::compute_unsupported(&gpu.device))
    {
        (_, Some(_)) | (true, None) => PassVariant::Fragment,
        (false, None) => PassVariant::Compute,
    };
    assert_eq!(
        choice.used, expected,
        "{} ({:?}): {}",
        gpu.info.name, gpu.info.device_type, choice.reason
    );
    assert!(choice.reason.starts_with("auto"), "{}", choice.reason);
}

/// `--variant both` runs each combination twice, says which ran, and the markdown puts them
/// side by side; TAA's memory is its four history textures at the display size.
#[test]
fn bench_runs_both_variants_side_by_side_with_taa_memory() {
    let Some(gpu) = common::gpu() else { return };
    if skip::lacks(&gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device))
        || skip::refuses(&gpu, Capability::TimestampsInsideEncoders, !gpu.timestamps)
    {
        return;
    }
    let environment = common::studio(&gpu);
    let config = BenchConfig {
        scenes: vec![bench::load_scene("product_demo", Path::new("../shared")).expect("scene")],
        presets: vec![bench::load_preset("desktop").expect("preset")],
        resolutions: vec!["48x32".parse().expect("size")],
        frames: 2,
        warm_up: 1,
        degrees_per_frame: 0.5,
        peak_gbps: None,
        variants: bench::parse_variants("both").expect("both"),
    };
    let report = bench::run(&gpu, &environment, &config, &mut |_| {}).expect("bench runs");
    let used: Vec<_> = report.runs.iter().map(|r| r.variant.as_ref().map(|v| v.used)).collect();
    assert_eq!(used, [Some(PassVariant::Fragment), Some(PassVariant::Compute)]);
    let md = report.markdown();
    assert!(md.contains("Fragment vs compute: product_demo / desktop / 48x32"), "{md}");
    for run in &report.runs {
        assert!(run.passes.iter().any(|p| p.name == "taa"), "desktop runs TAA");
        let history: Vec<_> =
            run.memory.iter().filter(|e| e.name.starts_with("taa.history")).collect();
        assert_eq!(history.len(), 4, "{history:?}");
        for entry in history {
            assert_eq!(entry.bytes, 48 * 32 * 8, "{entry:?}: Rgba16Float at the display size");
            assert!(entry.per_resolution && !entry.pooled);
        }
        assert!(!run.memory.iter().any(|e| e.name.contains("estimate")));
        // Bloom and AO (the desktop preset runs both) say when they ran as compute.
        let compute = run.variant.as_ref().is_some_and(|v| v.used == PassVariant::Compute);
        for name in ["bloom", "ao"] {
            let pass = run.passes.iter().find(|p| p.name == name).expect("timed");
            let counted = &pass.traffic.as_ref().expect("declared").counted;
            assert_eq!(counted.contains("compute variant"), compute, "{name}: {counted}");
        }
    }
    assert!(bench::parse_variants("vertex").unwrap_err().contains("both"));
}

/// Render the product demo into an `hdr` target once per camera in `cameras` (motion vectors
/// from one to the next) with `post` and return the last display image and which variant ran.
fn render_path(
    gpu: &Gpu,
    post: &PostSettings,
    cameras: &[Camera],
    hdr: HdrFormat,
) -> (Vec<u8>, PassVariant) {
    let scene = common::default_scene();
    let environment = common::studio(gpu);
    let settings = RendererSettings { hdr_format: hdr, ..Default::default() };
    let mut renderer =
        Renderer::with_environment(gpu, &scene, CINEMATIC_SIZE, environment, &settings)
            .expect("renderer");
    let options = RenderOptions { post: post.clone(), ..Default::default() };
    for camera in cameras {
        renderer.render(gpu, camera, &options).expect("renders");
    }
    let image = renderer.read_display(gpu).expect("readback");
    let used = renderer.post_variant().map_or(PassVariant::Auto, |v| v.used);
    (image, used)
}

/// Manual exposure bright enough that the product's edges are well above the 8-bit floor
/// (the blur must show in the finished image).
fn bright() -> PostSettings {
    PostSettings { exposure: ExposureSettings::manual(6.0), ..Default::default() }
}

/// The depth of field and motion blur tests' image size (they gather over tens of pixels).
const CINEMATIC_SIZE: (u32, u32) = (128, 96);

/// The share of pixels where any channel of `a` and `b` differs by more than 2 codes.
fn changed_share(a: &[u8], b: &[u8]) -> f64 {
    let changed = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .filter(|(p, q)| p.iter().zip(q.iter()).take(3).any(|(x, y)| x.abs_diff(*y) > 2));
    changed.count() as f64 / (a.len() / 4) as f64
}

/// For each of `cases` (a tier's name and the settings with the effect on), the compute
/// variant gives the fragment variant's image within one code, and the effect changes at
/// least `min_changed` of the pixels against `off` (the same frames without it), so the
/// comparison is not vacuous. With an `hdr` format other than Rgba16Float the pass's last
/// step runs as a fragment pass in the compute variant (it cannot store that format).
fn assert_cinematic_variants_agree(
    gpu: &Gpu,
    what: &str,
    off: &PostSettings,
    cases: &[(&str, PostSettings)],
    cameras: &[Camera],
    hdr: HdrFormat,
    min_changed: f64,
) {
    if skip::lacks(gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device)) {
        return;
    }
    let renderable = wgpu::Features::RG11B10UFLOAT_RENDERABLE;
    let refused = hdr == HdrFormat::Rg11b10Ufloat && !gpu.device.features().contains(renderable);
    if skip::refuses(gpu, Capability::Renderable(wgpu::TextureFormat::Rg11b10Ufloat), refused) {
        return;
    }
    let what = format!("{what} ({hdr:?})");
    let fragment =
        |post: &PostSettings| PostSettings { variant: PassVariant::Fragment, ..post.clone() };
    let (plain, _) = render_path(gpu, &fragment(off), cameras, hdr);
    for (tier, post) in cases {
        let (a, used_a) = render_path(gpu, &fragment(post), cameras, hdr);
        let compute = PostSettings { variant: PassVariant::Compute, ..post.clone() };
        let (b, used_b) = render_path(gpu, &compute, cameras, hdr);
        assert_eq!((used_a, used_b), (PassVariant::Fragment, PassVariant::Compute), "{what}");
        let changed = changed_share(&plain, &a);
        eprintln!("{what} {tier}: changes {:.1} % of the pixels", changed * 100.0);
        assert!(changed >= min_changed, "{what} {tier}: changes only {changed:.3} of the image");
        let (d, at) = max_difference(&a, &b);
        let pixel = at / 4;
        assert!(
            d <= 1,
            "{what} {tier}: compute differs from fragment by {d} codes at pixel ({}, {}) \
             channel {}",
            pixel % CINEMATIC_SIZE.0 as usize,
            pixel / CINEMATIC_SIZE.0 as usize,
            at % 4
        );
    }
}

/// Depth of field at every tier: a long, fast lens focused on the scene's bounds centre, so
/// the product's front comes out in the near field and its back and the ground in the far;
/// and at High with an Rg11b10Ufloat HDR target.
#[test]
fn dof_compute_matches_fragment_at_every_tier() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let aspect = CINEMATIC_SIZE.0 as f32 / CINEMATIC_SIZE.1 as f32;
    let camera = common::scene_camera(&scene, aspect);
    let lens = DofSettings { focal_length_mm: 300.0, f_stop: 1.4, ..DofSettings::PRODUCT };
    let cases: Vec<_> = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra]
        .into_iter()
        .map(|tier| (tier.name(), PostSettings { dof: DofSettings { tier, ..lens }, ..bright() }))
        .collect();
    let (off, cameras) = (bright(), [camera]);
    assert_cinematic_variants_agree(
        &gpu,
        "dof",
        &off,
        &cases,
        &cameras,
        HdrFormat::Rgba16Float,
        0.2,
    );
    // The composite cannot store Rg11b10Ufloat: it runs as a fragment pass after compute steps.
    let high = &cases[2..3];
    assert_cinematic_variants_agree(
        &gpu,
        "dof",
        &off,
        high,
        &cameras,
        HdrFormat::Rg11b10Ufloat,
        0.2,
    );
}

/// Motion blur at every tier: the camera pans 4° between two frames (about 10 px of motion
/// everywhere at 128 px wide), and the blur reads the motion vectors that gives; and at High
/// with an Rg11b10Ufloat HDR target.
#[test]
fn motion_blur_compute_matches_fragment_at_every_tier() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let aspect = CINEMATIC_SIZE.0 as f32 / CINEMATIC_SIZE.1 as f32;
    let first = common::scene_camera(&scene, aspect);
    let turn = glam::Quat::from_axis_angle(first.up.normalize(), 4f32.to_radians());
    let cameras = [first, Camera { forward: turn * first.forward, ..first }];
    let cases: Vec<_> = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra]
        .into_iter()
        .map(|tier| {
            let blur = MotionBlurSettings { tier, shutter_angle: 360.0 };
            (tier.name(), PostSettings { motion_blur: blur, ..bright() })
        })
        .collect();
    let off = bright();
    let hdr = HdrFormat::Rgba16Float;
    assert_cinematic_variants_agree(&gpu, "motion_blur", &off, &cases, &cameras, hdr, 0.2);
    // The gather cannot store Rg11b10Ufloat: it runs as a fragment pass after compute tiles.
    let (high, hdr) = (&cases[2..3], HdrFormat::Rg11b10Ufloat);
    assert_cinematic_variants_agree(&gpu, "motion_blur", &off, high, &cameras, hdr, 0.2);
}

/// The largest difference between two float images relative to `max(1, |fragment|)`, and the
/// share of values that moved by more than 0.05 from `input` (the pass changed the image).
fn float_agreement(fragment: &[[f32; 4]], compute: &[[f32; 4]], input: &[f32]) -> (f32, f64) {
    assert_eq!(fragment.len(), compute.len());
    let worst = fragment
        .iter()
        .flatten()
        .zip(compute.iter().flatten())
        .map(|(a, b)| (a - b).abs() / a.abs().max(1.0))
        .fold(0.0, f32::max);
    let moved = fragment.iter().zip(input).filter(|(p, c)| (p[0] - **c).abs() > 0.05).count();
    (worst, moved as f64 / input.len() as f64)
}

/// The two cinematic passes on synthetic HDR inputs at the pass's own output, before any
/// tone mapping or 8-bit rounding: a detailed pattern with bright dots, view distances from
/// 0.5 m to 8 m across the image (near and far field around a 2 m focus) and a swirl of motion
/// up to 20 px per frame. Compute and fragment agree within half-float rounding (one unit
/// in the last place of an Rgba16Float, 2^-10 relative).
#[test]
fn cinematic_passes_compute_matches_fragment_in_float() {
    let Some(gpu) = common::gpu() else { return };
    if skip::lacks(&gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device)) {
        return;
    }
    let (w, h) = (96u32, 64u32);
    let size = (w, h);
    let znear = 0.1;
    let pixels = (0..w * h).map(|i| (i % w, i / w));
    let grey: Vec<f32> = pixels
        .clone()
        .map(|(x, y)| match (x % 11 == 3 && y % 9 == 4, (x / 3 + y / 3) % 2 == 0) {
            (true, _) => 6.0,
            (false, true) => 0.15,
            (false, false) => 0.8,
        })
        .collect();
    let rgba: Vec<f32> = grey.iter().flat_map(|&c| [c, c * 0.8, c * 0.6, 1.0]).collect();
    let depth: Vec<f32> =
        pixels.clone().map(|(x, _)| znear / (0.5 + 7.5 * x as f32 / (w - 1) as f32)).collect();
    let motion: Vec<f32> = pixels
        .flat_map(|(x, y)| {
            let (dx, dy) = (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0);
            [-dy * 0.6 / w as f32, dx * 0.6 / h as f32]
        })
        .collect();
    let hdr = common::float_texture(&gpu, size, wgpu::TextureFormat::Rgba32Float, 4, &rgba);
    let depth = common::float_texture(&gpu, size, wgpu::TextureFormat::R32Float, 1, &depth);
    let motion = common::float_texture(&gpu, size, wgpu::TextureFormat::Rg32Float, 2, &motion);
    let (device, queue) = (&gpu.device, &gpu.queue);
    let format = wgpu::TextureFormat::Rgba16Float;
    let camera = PostCamera { znear, yfov: 0.5, autofocus_distance: Some(2.0) };
    let lens = DofSettings { focal_length_mm: 200.0, focus_distance: 2.0, ..DofSettings::PRODUCT };
    for tier in [Tier::Low, Tier::Ultra] {
        let settings = DofSettings { tier, ..lens };
        let frame = DofFrame { hdr: &hdr, depth: &depth, size, camera, frame_index: 3 };
        let mut pass = DofPass::new(device, format).expect("dof");
        let mut run = |compute: bool| {
            let mut pool = TexturePool::new();
            let mut encoder = device.create_command_encoder(&Default::default());
            let output = match compute {
                true => pass.dispatch(device, queue, &mut encoder, &mut pool, &frame, &settings),
                false => pass.draw(device, queue, &mut encoder, &mut pool, &frame, &settings),
            };
            queue.submit([encoder.finish()]);
            read_rgba(&gpu, &output.expect("dof runs").texture)
        };
        let (fragment, compute) = (run(false), run(true));
        let (worst, moved) = float_agreement(&fragment, &compute, &grey);
        eprintln!("dof {tier:?}: worst relative difference {worst:e}, {moved:.3} changed");
        assert!(worst <= 1.0 / 1024.0, "dof {tier:?}: compute differs by {worst} (relative)");
        assert!(moved > 0.3, "dof {tier:?}: only {moved:.3} of the image blurred");
    }
    for tier in [Tier::Low, Tier::Ultra] {
        let settings = MotionBlurSettings { tier, shutter_angle: 360.0 };
        let frame =
            MotionBlurFrame { hdr: &hdr, depth: &depth, motion: &motion, size, frame_index: 3 };
        let mut pass = MotionBlurPass::new(device, format).expect("motion blur");
        let mut run = |compute: bool| {
            let mut pool = TexturePool::new();
            let mut encoder = device.create_command_encoder(&Default::default());
            let output = match compute {
                true => pass.dispatch(device, queue, &mut encoder, &mut pool, &frame, &settings),
                false => pass.draw(device, queue, &mut encoder, &mut pool, &frame, &settings),
            };
            queue.submit([encoder.finish()]);
            read_rgba(&gpu, &output.expect("motion blur runs").texture)
        };
        let (fragment, compute) = (run(false), run(true));
        let (worst, moved) = float_agreement(&fragment, &compute, &grey);
        eprintln!("motion_blur {tier:?}: worst relative difference {worst:e}, {moved:.3} changed");
        assert!(worst <= 1.0 / 1024.0, "blur {tier:?}: compute differs by {worst} (relative)");
        assert!(moved > 0.3, "motion_blur {tier:?}: only {moved:.3} of the image blurred");
    }
}

/// `--variant both` with depth of field and motion blur on: both runs time the two passes
/// under their own names, declare the same traffic for them (the compute variant reads and
/// writes the same textures; its Rgba16Float tiles are among the uncounted small ones), and
/// the side-by-side table has a row for each.
#[test]
fn bench_reports_the_cinematic_passes_under_both_variants() {
    let Some(gpu) = common::gpu() else { return };
    if skip::lacks(&gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device))
        || skip::refuses(&gpu, Capability::TimestampsInsideEncoders, !gpu.timestamps)
    {
        return;
    }
    let environment = common::studio(&gpu);
    let mut preset = bench::load_preset("product").expect("preset");
    preset.settings.dof.tier = Tier::Low;
    preset.settings.motion_blur.tier = Tier::Low;
    let config = BenchConfig {
        scenes: vec![bench::load_scene("product_demo", Path::new("../shared")).expect("scene")],
        presets: vec![preset],
        resolutions: vec!["48x32".parse().expect("size")],
        frames: 2,
        warm_up: 1,
        degrees_per_frame: 2.0,
        peak_gbps: None,
        variants: bench::parse_variants("both").expect("both"),
    };
    let report = bench::run(&gpu, &environment, &config, &mut |_| {}).expect("bench runs");
    let used: Vec<_> = report.runs.iter().map(|r| r.variant.as_ref().map(|v| v.used)).collect();
    assert_eq!(used, [Some(PassVariant::Fragment), Some(PassVariant::Compute)]);
    let md = report.variant_table();
    for name in ["dof", "motion_blur"] {
        let declared: Vec<_> = report
            .runs
            .iter()
            .map(|run| {
                let pass = run.passes.iter().find(|p| p.name == name);
                let pass = pass.unwrap_or_else(|| panic!("{name} timed in {:?}", run.variant));
                pass.traffic.clone().unwrap_or_else(|| panic!("{name} declares its traffic"))
            })
            .collect();
        assert_eq!(declared[0], declared[1], "{name}");
        assert!(md.contains(&format!("| {name} | ")), "{name} row:\n{md}");
    }
}

/// FXAA and then sharpen after the finish through the chain: each reads the compute
/// variant's Rgba8Unorm storage image through an sRGB view, which must be a sampled-only
/// view (an sRGB view cannot carry storage usage; the product preset hit this in the bench,
/// where the compute frame recorded nothing). Each pass alone agrees within one code; here
/// the finish's and FXAA's one-code rounding differences go through the sharpen, whose
/// negative lobes multiply a lone difference by `1 / (1 + 4 w)`, at most 3.8 at sharpness 0.8
/// (w = -0.185), so the images agree within 4 codes, and within one almost everywhere.
#[test]
fn display_passes_after_the_finish_compute_match_fragment_in_the_chain() {
    let Some(gpu) = common::gpu() else { return };
    if skip::lacks(&gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device)) {
        return;
    }
    let post =
        PostSettings { fxaa: FxaaSettings::DESKTOP, sharpen: SharpenSettings::CRISP, ..base() };
    let (a, _) = render(&gpu, &PostSettings { variant: PassVariant::Fragment, ..post.clone() }, 1);
    let (b, rb) = render(&gpu, &PostSettings { variant: PassVariant::Compute, ..post }, 1);
    assert_eq!(rb.post_variant().map(|v| v.used), Some(PassVariant::Compute));
    let (d, at) = max_difference(&a, &b);
    let off_by_more = a.iter().zip(&b).filter(|(x, y)| x.abs_diff(**y) > 1).count();
    let share = off_by_more as f64 / a.len() as f64;
    eprintln!("chain fxaa + sharpen: max {d} codes at byte {at}, {share:.4} of values beyond 1");
    assert!(d <= 4, "compute differs from fragment by {d} codes at byte {at}");
    assert!(share <= 0.01, "{share:.4} of the values differ by more than one code");
    assert!(a.iter().any(|&v| v > 16), "the image is not black");
}

/// SMAA has no compute variant: with the compute variant requested, the chain draws it into a
/// render target between the compute passes (the finish before, FXAA after) and copies the
/// last image on, and the picture matches the fragment chain's as closely as FXAA alone does.
#[test]
fn smaa_runs_between_compute_passes_in_the_chain() {
    let Some(gpu) = common::gpu() else { return };
    if skip::lacks(&gpu, Capability::ComputeVariant, variant::compute_unsupported(&gpu.device)) {
        return;
    }
    let post = PostSettings {
        smaa: afterlight::post::smaa::SmaaSettings::DESKTOP,
        fxaa: FxaaSettings::DESKTOP,
        ..base()
    };
    let (a, _) = render(&gpu, &PostSettings { variant: PassVariant::Fragment, ..post.clone() }, 1);
    let (b, rb) = render(&gpu, &PostSettings { variant: PassVariant::Compute, ..post }, 1);
    assert_eq!(rb.post_variant().map(|v| v.used), Some(PassVariant::Compute));
    let (d, at) = max_difference(&a, &b);
    let off_by_more = a.iter().zip(&b).filter(|(x, y)| x.abs_diff(**y) > 1).count();
    let share = off_by_more as f64 / a.len() as f64;
    eprintln!("chain smaa + fxaa: max {d} codes at byte {at}, {share:.4} of values beyond 1");
    assert!(share <= 0.01, "{share:.4} of the values differ by more than one code");
    assert!(a.iter().any(|&v| v > 16), "the image is not black");
    let (plain, _) = render(&gpu, &PostSettings { variant: PassVariant::Compute, ..base() }, 1);
    assert!(plain != b, "SMAA and FXAA changed nothing");
}

/// The largest difference between two float images relative to the fragment value (at
/// least 1e-3: below that, absolute), and where.
fn max_relative_difference(fragment: &[f32], compute: &[f32]) -> (f32, usize) {
    assert_eq!(fragment.len(), compute.len());
    fragment
        .iter()
        .zip(compute)
        .map(|(a, b)| (a - b).abs() / a.abs().max(1e-3))
        .enumerate()
        .fold((0.0, 0), |best, (i, d)| if d > best.0 { (d, i) } else { best })
}

/// Bloom's compute chain (storage mips, the upsample into a second chain) gives the fragment
/// chain's bloom texture on the rendered scene's HDR image, at every tier and with the
/// largest level at full resolution and a threshold (the sanitise-and-threshold final pass),
/// within a few half-float steps (2^-11 relative each) carried through the chain.
#[test]
fn bloom_compute_matches_fragment_at_every_tier() {
    use afterlight::graph::TexturePool;
    use afterlight::post::bloom::BloomPass;
    let Some(gpu) = common::gpu() else { return };
    let (_, renderer) = render(&gpu, &base(), 1);
    let hdr = &renderer.gbuffer().hdr;
    let format = hdr.texture.format();
    let mut pass = BloomPass::new(&gpu.device, format).expect("bloom");
    if skip::lacks(&gpu, Capability::ComputeVariant, pass.compute_unsupported(&gpu.device)) {
        return;
    }
    let mut pool = TexturePool::new();
    let cases = [
        ("low", BloomSettings { tier: Tier::Low, ..BloomSettings::NATURAL }),
        ("medium", BloomSettings { tier: Tier::Medium, ..BloomSettings::NATURAL }),
        ("high", BloomSettings::NATURAL),
        ("ultra", BloomSettings { tier: Tier::Ultra, ..BloomSettings::NATURAL }),
        (
            "full-size level, threshold",
            BloomSettings { largest_mip: 1, threshold: 0.002, ..BloomSettings::OLD_SCHOOL },
        ),
    ];
    for (name, settings) in cases {
        let mut run = |compute: bool| {
            let (device, queue) = (&gpu.device, &gpu.queue);
            let mut encoder = device.create_command_encoder(&Default::default());
            let (p, view) = (&mut pool, &hdr.view);
            let output = match compute {
                true => pass.dispatch(device, queue, &mut encoder, p, view, SIZE, &settings),
                false => pass.draw(device, queue, &mut encoder, p, view, SIZE, &settings),
            }
            .expect("bloom on");
            queue.submit([encoder.finish()]);
            let bytes = afterlight::gpu::read_texture(&gpu, &output.texture).expect("readback");
            pool.release(&output);
            pool.end_frame();
            afterlight::gpu::halves_to_f32(&bytes)
        };
        let fragment = run(false);
        let compute = run(true);
        let (d, at) = max_relative_difference(&fragment, &compute);
        assert!(
            d <= 4e-3,
            "bloom {name}: compute {} against fragment {} at value {at} (relative {d})",
            compute[at],
            fragment[at]
        );
        let mean = fragment.iter().step_by(4).sum::<f32>() / (fragment.len() / 4) as f32;
        eprintln!("bloom {name}: max relative difference {d:.2e}, mean red {mean:.4}");
        assert!(mean > 1e-4, "bloom {name}: the bloom is not black ({mean})");
    }
}

/// GTAO's compute steps (R32Float storage, see `src/post/ao.rs`) give the fragment steps'
/// visibility (R16Float) on the product demo within one 8-bit code, at every tier, at half
/// resolution (the depth-aware upsample) and with TAA's temporal accumulation over three frames
/// (the two-output temporal step and its history).
#[test]
fn ao_compute_matches_fragment_at_every_tier() {
    use afterlight::post::ao::{AoPass, AoSettings};
    let Some(gpu) = common::gpu() else { return };
    let r32 = Capability::ComputeStorage(wgpu::TextureFormat::Rg32Float);
    if skip::lacks(&gpu, r32, AoPass::compute_unsupported(&gpu.device)) {
        return;
    }
    let ao = |tier| AoSettings { tier, ..AoSettings::HIGH };
    let taa = TaaSettings { tier: Tier::High, ..TaaSettings::default() };
    let cases = [
        ("low", ao(Tier::Low), TaaSettings::default(), 1),
        ("medium", ao(Tier::Medium), TaaSettings::default(), 1),
        ("high", ao(Tier::High), TaaSettings::default(), 1),
        ("ultra", ao(Tier::Ultra), TaaSettings::default(), 1),
        ("mobile (half resolution)", AoSettings::MOBILE, TaaSettings::default(), 1),
        ("high + temporal", ao(Tier::High), taa, 3),
    ];
    for (name, ao, taa, frames) in cases {
        let visibility = |variant| {
            let post = PostSettings { ao, taa, variant, ..base() };
            let (_, renderer) = render(&gpu, &post, frames);
            let used = renderer.ao_variant().map(|v| v.used);
            assert_eq!(used, Some(variant), "ao {name}: {:?}", renderer.ao_variant());
            renderer.read_ambient_occlusion(&gpu).expect("readback").expect("ao ran")
        };
        let fragment = visibility(PassVariant::Fragment);
        let compute = visibility(PassVariant::Compute);
        assert_eq!(fragment.len(), compute.len());
        let (d, at) = fragment
            .iter()
            .zip(&compute)
            .map(|(a, b)| (a - b).abs())
            .enumerate()
            .fold((0.0f32, 0), |best, (i, d)| if d > best.0 { (d, i) } else { best });
        let occluded = fragment.iter().filter(|&&v| v < 0.9).count();
        eprintln!("ao {name}: max difference {d:.2e}, {occluded} pixels below 0.9");
        assert!(
            d <= 1.0 / 255.0,
            "ao {name}: compute {} against fragment {} at pixel ({}, {})",
            compute[at],
            fragment[at],
            at % SIZE.0 as usize,
            at / SIZE.0 as usize
        );
        assert!(occluded > 0, "ao {name}: something in the scene is occluded");
    }
}

//! The downlevel (GLES 3.0 / WebGL2 class) path on any adapter: a device created with WebGL2's
//! limits (`--downlevel webgl2`: no compute, no storage, no view formats) renders each post
//! pass, one at a time on the product demo, and its picture is compared with the full device's
//! fragment variant. On the full device the grade LUT is baked by compute and the exposure
//! state written as storage; on the downlevel one the LUT is computed on the CPU and uploaded,
//! //! the state is written from the CPU, scene textures are uploaded once per format they are
//! read as, and GTAO keeps its view depth in R16Float (no 32-bit float render targets).
//! Automatic exposure meters by fragment samples read back to the CPU; it is checked too.

use crate::common;

use afterlight::gpu::{Capabilities, DownlevelRequest, Gpu, GpuOptions};
use afterlight::post::Tier;
use afterlight::post::bloom::BloomSettings;
use afterlight::post::chain::PostSettings;
use afterlight::post::dof::DofSettings;
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::finish::FinishSettings;
use afterlight::post::fxaa::FxaaSettings;
use afterlight::post::motion_blur::MotionBlurSettings;
use afterlight::post::sharpen::SharpenSettings;
use afterlight::post::taa::TaaSettings;
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::RenderOptions;
use afterlight::scene::Camera;

const SIZE: (u32, u32) = (128, 96);

/// A device on the same adapter with WebGL2's limits.
fn webgl2() -> Gpu {
    let options = GpuOptions { downlevel: Some(DownlevelRequest::WebGl2), ..Default::default() };
    Gpu::new(&options).expect("a WebGL2-level device")
}

/// `frames` frames of the product demo with `post`, the camera turning 2° a frame (so TAA and
/// motion blur see motion), and the last display image.
fn render(gpu: &Gpu, post: &PostSettings, frames: u32) -> Vec<u8> {
    let scene = common::default_scene();
    let mut renderer = common::renderer(gpu, &scene, SIZE, &common::studio(gpu));
    let first = common::scene_camera(&scene, SIZE.0 as f32 / SIZE.1 as f32);
    let options = RenderOptions { post: post.clone(), ..Default::default() };
    for frame in 0..frames {
        let turn = glam::Quat::from_axis_angle(first.up, (2.0 * frame as f32).to_radians());
        let camera = Camera { forward: turn * first.forward, ..first };
        renderer.render(gpu, &camera, &options).expect("renders");
    }
    renderer.read_display(gpu).expect("readback")
}

/// The largest difference in codes and the mean absolute difference.
fn difference(a: &[u8], b: &[u8]) -> (u8, f64) {
    let largest = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0);
    let sum: u64 = a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    (largest, sum as f64 / a.len().max(1) as f64)
}

/// Manual exposure, fragment variant: the base every case changes one pass of.
fn base() -> PostSettings {
    PostSettings {
        exposure: ExposureSettings::manual(6.0),
        variant: afterlight::post::variant::PassVariant::Fragment,
        ..Default::default()
    }
}

/// Each post pass alone (and the grade, a user LUT and the upscale): name, settings, frames.
fn pass_cases() -> Option<Vec<(&'static str, PostSettings, u32)>> {
    let cube = common::shared_file("luts/colour_eotf_sRGB_3D.cube")?;
    let mut lut = base();
    lut.lut.file = Some(cube);
    let mut graded = base();
    graded.grade = common::EVERY_STEP;
    graded.tonemap.mapper = ToneMapper::AgX;
    let dof = DofSettings { focal_length_mm: 300.0, f_stop: 1.4, ..DofSettings::PRODUCT };
    Some(vec![
        ("ao", PostSettings { ao: afterlight::post::ao::AoSettings::HIGH, ..base() }, 1),
        ("dof", PostSettings { dof, ..base() }, 1),
        ("motion_blur", PostSettings { motion_blur: MotionBlurSettings::FILM, ..base() }, 2),
        (
            "taa",
            PostSettings { taa: TaaSettings { tier: Tier::High, ..TaaSettings::HIGH }, ..base() },
            4,
        ),
        (
            "bloom",
            PostSettings {
                bloom: BloomSettings { intensity: 0.5, ..BloomSettings::NATURAL },
                ..base()
            },
            1,
        ),
        (
            "finish (cinematic: vignette, grain, aberration)",
            PostSettings { finish: FinishSettings::CINEMATIC, ..base() },
            1,
        ),
        ("grade + AgX", graded, 1),
        ("user LUT (display)", lut, 1),
        ("fxaa", PostSettings { fxaa: FxaaSettings::DESKTOP, ..base() }, 1),
        ("smaa", PostSettings { smaa: afterlight::post::smaa::SmaaSettings::ULTRA, ..base() }, 1),
        (
            "sharpen",
            PostSettings {
                sharpen: SharpenSettings { tier: Tier::High, sharpness: 1.0 },
                ..base()
            },
            1,
        ),
        ("upscale (render scale 0.5)", PostSettings { render_scale: 0.5, ..base() }, 1),
    ])
}

/// Every case of [`pass_cases`] on `other` draws `full`'s fragment picture within `tolerance`
/// codes; each pass changes at least 0.5 % of the values, so no comparison is vacuous.
fn assert_each_pass_matches(full: &Gpu, other: &Gpu, what: &str, tolerance: u8) {
    let Some(cases) = pass_cases() else { return };
    for (name, post, frames) in &cases {
        let plain = render(full, &base(), *frames);
        let reference = render(full, post, *frames);
        let downlevel = render(other, post, *frames);
        let (largest, mean) = difference(&reference, &downlevel);
        let changed = reference.iter().zip(&plain).filter(|(a, b)| a.abs_diff(**b) > 1).count();
        let share = changed as f64 / reference.len() as f64;
        println!(
            "{name}: {what} vs full fragment: largest {largest} codes, mean {mean:.4}; the \
             pass changes {:.1} % of the values by more than a code",
            100.0 * share
        );
        assert!(share > 0.005, "{name}: the pass must change the picture ({changed} values)");
        assert!(
            largest <= tolerance && mean <= 0.05,
            "{name}: the {what} picture is {largest} codes off (mean {mean:.4})"
        );
    }
}

#[test]
fn every_post_pass_at_webgl2_level_draws_the_full_fragment_picture() {
    let Some(full) = common::gpu() else { return };
    let low = webgl2();
    assert_eq!(low.capabilities, Capabilities::WEBGL2);
    // Only AO differs at all (its R16Float view depth): by one code, in 0.05 % of values.
    assert_each_pass_matches(&full, &low, "WebGL2 level", 1);
}

/// wgpu's GL backend (Mesa's llvmpipe through EGL here: a GLES-class path) draws every pass as
/// the Vulkan device does. GL reaches the downlevel level (no view formats, no 32-bit float
/// targets) with compute: the grade LUT is computed on the CPU (GL binds one slice of a 3D
/// storage texture), the environment is baked by draws only (GL cannot copy or read back cube
/// textures), bloom copies one mip out before a step that reads two (GL applies a view's mip
/// range to the whole texture: before, GL's bloom was 9 codes off), and the rasterisers differ
/// by a code or two along edges.
#[test]
fn every_post_pass_on_the_gl_backend_draws_the_vulkan_picture() {
    let Some(full) = common::gpu() else { return };
    let options = GpuOptions { backends: Some(wgpu::Backends::GL), ..Default::default() };
    let gl = match Gpu::new(&options) {
        Ok(gl) => gl,
        Err(e) => {
            crate::skip::no_tool(&format!("no GL adapter (Mesa's EGL and GL drivers): {e}"));
            return;
        }
    };
    assert_eq!(gl.info.backend, wgpu::Backend::Gl);
    println!("GL: {} ({})", gl.info.name, gl.capabilities);
    assert!(!gl.capabilities.view_formats && !gl.capabilities.float32_render_targets);
    // Edge decisions (FXAA, TAA) can flip where the rasterisers differ by a code: a flipped
    // FXAA search moves a pixel by a share of its edge's contrast (12 codes in
    // the FXAA case since the finish's dither pattern changed), the mean stays under 0.05.
    assert_each_pass_matches(&full, &gl, "GL", 16);
}

/// Automatic exposure at the WebGL2 level meters by fragment samples read back to the CPU: on a
/// still camera, once the samples are back (a frame or two), the picture is the full device's,
/// whose histogram is computed on the GPU; and it is not the metered exposure's picture (the
/// comparison is not vacuous).
#[test]
fn automatic_exposure_at_webgl2_level_meters_what_the_full_device_meters() {
    let Some(full) = common::gpu() else { return };
    let low = webgl2();
    let still = |gpu: &Gpu, post: &PostSettings| {
        let scene = common::default_scene();
        let mut renderer = common::renderer(gpu, &scene, SIZE, &common::studio(gpu));
        let camera = common::scene_camera(&scene, SIZE.0 as f32 / SIZE.1 as f32);
        let options = RenderOptions { post: post.clone(), ..Default::default() };
        for _ in 0..4 {
            renderer.render(gpu, &camera, &options).expect("renders");
        }
        renderer.read_display(gpu).expect("readback")
    };
    let automatic = PostSettings { exposure: ExposureSettings::AUTO_PRODUCT, ..Default::default() };
    let metered = PostSettings { exposure: ExposureSettings::DEFAULT, ..Default::default() };
    let reference = still(&full, &automatic);
    let (largest, mean) = difference(&reference, &still(&low, &automatic));
    println!("automatic exposure, WebGL2 level vs full: largest {largest} codes, mean {mean:.4}");
    assert!(largest <= 1 && mean <= 0.05, "{largest} codes off (mean {mean:.4})");
    let (apart, _) = difference(&reference, &still(&low, &metered));
    assert!(apart > 8, "automatic and metered exposure must differ here: {apart} codes");
}

/// The downlevel grade LUT is the CPU lattice (`baked_lattice`) uploaded; the full device's
/// compute bake agrees with it within half-float rounding.
#[test]
fn the_cpu_baked_grade_lut_matches_the_compute_bake() {
    use afterlight::post::grade_bake::{GradeLut, baked_lattice};
    let Some(full) = common::gpu() else { return };
    let low = webgl2();
    let (settings, mapper, size) = (common::EVERY_STEP, ToneMapper::AgX, 32);
    let cpu = GradeLut::new(&low.device).expect("bake");
    assert!(!cpu.bakes_on_gpu());
    let gpu_bake = GradeLut::new(&full.device).expect("bake");
    assert!(gpu_bake.bakes_on_gpu());
    let read = |gpu: &Gpu, bake: &GradeLut| {
        let texture = bake.bake(&gpu.device, &gpu.queue, &settings, mapper, None, size).unwrap();
        afterlight::gpu::halves_to_f32(&afterlight::gpu::read_texture(gpu, &texture).unwrap())
    };
    // The first slice (blue = 0) of each, `size`² texels.
    let (a, b) = (read(&low, &cpu), read(&full, &gpu_bake));
    let lattice = baked_lattice(&settings.validated(), mapper, None, size);
    let slice = (size * size) as usize;
    assert_eq!((a.len(), b.len()), (slice * 4, slice * 4));
    for (i, value) in lattice[..slice].iter().enumerate() {
        let texel = &a[4 * i..4 * i + 3];
        let rounded = value.to_array().map(|v| half::f16::from_f32(v).to_f32());
        assert_eq!(texel, rounded, "texel {i}: the upload is the lattice rounded to half");
    }
    let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    println!("CPU-baked vs compute-baked grade LUT ({size}^3): largest difference {worst:.2e}");
    assert!(worst <= 2e-3, "the two bakes differ by {worst}");
}

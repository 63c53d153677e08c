//! The post chain as a whole: presets load, print back and fail with file, line and key; a
//! pass whose input the pipeline lacks is an error naming both; every preset renders; the
//! fused finish's vignette, grain, aberration, bloom composite and dither do what their
//! formulas say on images with known answers.

use crate::common;

use std::path::{Path, PathBuf};

use afterlight::config::{Preset, PresetError};
use afterlight::gpu::Gpu;
use afterlight::post::Tier;
use afterlight::post::bloom::BloomSettings;
use afterlight::post::chain::{PostChain, PostSettings, Provided};
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::{RenderOptions, Renderer};
use afterlight::scene::Camera;
use glam::Vec3;

/// presets/*.toml, and the bench's own preset files (benches/*.toml).
fn presets() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = common::files(&root.join("presets"), &["toml"]);
    files.extend(common::files(&root.join("benches"), &["toml"]));
    files
}

#[test]
fn every_preset_loads_clean_and_prints_back_the_same() {
    let files = presets();
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    for needed in ["desktop", "mobile", "ar", "product"] {
        assert!(names.iter().any(|n| n == needed), "presets/{needed}.toml missing: {names:?}");
    }
    for file in files {
        let preset = Preset::load(&file).unwrap_or_else(|e| panic!("{e}"));
        assert!(preset.warnings.is_empty(), "{}: {:?}", file.display(), preset.warnings);
        assert!(!preset.settings.description.is_empty(), "{} has a description", file.display());
        let printed = preset.to_toml().expect("print");
        // Fully resolved: every pass's table and every key is in the printout.
        for key in ["[exposure]", "[bloom]", "[tonemap]", "[grade]", "[finish.vignette]", "[fxaa]"]
        {
            assert!(printed.contains(key), "{key} missing from\n{printed}");
        }
        assert!(printed.contains("low_frequency_boost") && printed.contains("speed_darken"));
        let again = Preset::parse(&printed).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        assert_eq!(again.settings, preset.settings, "{} round trip", file.display());
    }
}

fn write_preset(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write preset");
    path
}

#[test]
fn unknown_keys_and_wrong_types_name_file_line_and_key() {
    let cases = [
        ("unknown_key.toml", "[bloom]\nintensity = 0.1\nlevls = 3\n", 3, "bloom.levls", "unknown"),
        ("wrong_type.toml", "[exposure]\n\nmode = 3\n", 3, "exposure.mode", "wanted string"),
        (
            "wrong_number.toml",
            "[bloom]\nintensity = \"high\"\n",
            2,
            "bloom.intensity",
            "invalid type",
        ),
        (
            "bad_enum.toml",
            "[tonemap]\nmapper = \"filmic\"\n",
            2,
            "tonemap.mapper",
            "unknown variant",
        ),
        ("nested.toml", "[finish.vignette]\nradius = \"big\"\n", 2, "finish.vignette.radius", ""),
        ("unknown_table.toml", "[blom]\nintensity = 1.0\n", 1, "blom", "unknown field"),
    ];
    for (name, text, line, key, message) in cases {
        let path = write_preset(name, text);
        match Preset::load(&path) {
            Err(e @ PresetError::Invalid { .. }) => {
                let shown = e.to_string();
                assert!(shown.contains(name), "file named: {shown}");
                assert!(shown.contains(&format!(":{line}:")), "line {line}: {shown}");
                assert!(shown.contains(key), "key {key}: {shown}");
                assert!(shown.contains(message), "{message:?}: {shown}");
            }
            other => panic!("{name}: expected an error naming the key, got {other:?}"),
        }
    }
    let missing = Preset::load("/no/such/preset.toml").unwrap_err().to_string();
    assert!(missing.contains("/no/such/preset.toml"), "{missing}");
}

#[test]
fn out_of_range_values_are_clamped_with_a_warning_naming_the_key() {
    let path = write_preset(
        "clamped.toml",
        "[bloom]\nintensity = 3.0\n[finish.grain]\nsize = 100.0\n[grade]\nsaturation = -1.0\n",
    );
    let preset = Preset::load(&path).expect("clamped, not rejected");
    assert_eq!(preset.settings.bloom.intensity, 1.0);
    assert_eq!(preset.settings.finish.grain.size, 4.0);
    assert_eq!(preset.settings.grade.saturation, 0.0);
    assert_eq!(preset.warnings.len(), 3, "{:?}", preset.warnings);
    for key in ["bloom.intensity", "finish.grain.size", "grade.saturation"] {
        assert!(
            preset.warnings.iter().any(|w| w.contains(key) && w.contains("clamped.toml")),
            "{key}: {:?}",
            preset.warnings
        );
    }
}

#[test]
fn a_preset_needing_an_input_the_pipeline_lacks_names_pass_and_input() {
    let Some(gpu) = common::gpu() else { return };
    let product = Preset::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/product.toml"))
        .expect("product preset");
    // An app feeding only its own HDR image (no depth) cannot meter the foreground.
    let mut chain =
        PostChain::new(&gpu.device, wgpu::TextureFormat::Rgba16Float, Provided::HDR_ONLY)
            .expect("chain");
    // The first pass in the chain's order that reads what is missing is named: AO (depth and
    // normals), then depth of field (depth) and motion blur, then TAA (depth and motion), then exposure.
    let error = chain
        .prepare(&gpu.device, &gpu.queue, &product.settings)
        .expect_err("needs depth")
        .to_string();
    assert!(error.contains("`ao`") && error.contains("depth"), "{error}");
    let mut hdr_only = product.settings.clone();
    hdr_only.ao.tier = afterlight::post::Tier::Off;
    assert!(hdr_only.dof.tier.is_on(), "the product preset has depth of field");
    let error =
        chain.prepare(&gpu.device, &gpu.queue, &hdr_only).expect_err("dof: depth").to_string();
    assert!(error.contains("`dof`") && error.contains("depth"), "{error}");
    hdr_only.dof.tier = afterlight::post::Tier::Off;
    assert!(hdr_only.motion_blur.tier.is_on(), "the product preset has motion blur");
    let error =
        chain.prepare(&gpu.device, &gpu.queue, &hdr_only).expect_err("blur: depth").to_string();
    assert!(error.contains("`motion_blur`") && error.contains("depth"), "{error}");
    hdr_only.motion_blur.tier = afterlight::post::Tier::Off;
    let error =
        chain.prepare(&gpu.device, &gpu.queue, &hdr_only).expect_err("needs motion").to_string();
    assert!(error.contains("`taa`") && error.contains("depth"), "{error}");
    hdr_only.taa.tier = afterlight::post::Tier::Off;
    let error =
        chain.prepare(&gpu.device, &gpu.queue, &hdr_only).expect_err("needs depth").to_string();
    assert!(error.contains("`exposure`") && error.contains("depth"), "{error}");
    assert!(error.contains("foreground"), "names the setting: {error}");
    // The deferred renderer has depth, so the same preset is fine there.
    let mut chain =
        PostChain::new(&gpu.device, wgpu::TextureFormat::Rgba16Float, Provided::GBUFFER)
            .expect("chain");
    chain.prepare(&gpu.device, &gpu.queue, &product.settings).expect("the G-buffer provides depth");
    // A LUT file that does not exist is an error naming the pass and the file.
    let mut settings = PostSettings::default();
    settings.lut.file = Some(PathBuf::from("/no/such/look.cube"));
    let error =
        chain.prepare(&gpu.device, &gpu.queue, &settings).expect_err("missing LUT").to_string();
    assert!(error.contains("`lut`") && error.contains("/no/such/look.cube"), "{error}");
}

#[test]
fn every_preset_renders_the_default_scene_and_times_its_passes() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let size = (96, 64);
    let camera = common::scene_camera(&scene, 1.5);
    let mut renderer = common::renderer(&gpu, &scene, size, &common::studio(&gpu));
    for file in presets() {
        let preset = Preset::load(&file).expect("preset");
        let options = RenderOptions { post: preset.settings.clone(), ..Default::default() };
        for _ in 0..3 {
            renderer.render(&gpu, &camera, &options).expect("render");
        }
        // The green channel as an 8-bit sRGB code (an HDR preset's PQ light relative to its
        // paper white, encoded as SDR would be).
        let greens: Vec<f64> = match renderer.read_display_hdr(&gpu).expect("readback") {
            None => {
                let image = renderer.read_display(&gpu).expect("readback");
                image.chunks_exact(4).map(|p| f64::from(p[1])).collect()
            }
            Some(image) => {
                let paper = preset.settings.display.paper_white_nits;
                let code = |pq: f32| {
                    let relative = afterlight::post::display::pq_decode(pq) / paper;
                    f64::from(afterlight::post::grade_bake::srgb_encode(relative.min(1.0))) * 255.0
                };
                image.iter().map(|p| code(p[1])).collect()
            }
        };
        let mean = greens.iter().sum::<f64>() / (size.0 * size.1) as f64;
        eprintln!("{}: mean green code {mean:.1}", file.display());
        assert!((30.0..220.0).contains(&mean), "{}: exposed sensibly: {mean}", file.display());
        if renderer.timing_available() {
            let names: Vec<String> =
                renderer.wait_for_pass_times().iter().map(|t| t.name.clone()).collect();
            let s = &preset.settings;
            for (on, name) in [
                (s.exposure.is_automatic(), "exposure"),
                (s.bloom.tier.is_on(), "bloom"),
                (true, "finish"),
                (s.smaa.tier.is_on(), "smaa"),
                (s.fxaa.tier.is_on(), "fxaa"),
                (s.sharpen.tier.is_on(), "sharpen"),
            ] {
                assert_eq!(names.iter().any(|n| n == name), on, "{name} in {names:?}");
            }
        }
    }
}

/// Clamp tone mapper, neutral grade, no dither: the display is the sRGB encoding of the HDR.
fn plain() -> PostSettings {
    let mut post = PostSettings::default();
    post.tonemap.mapper = ToneMapper::Clamp;
    post.finish.dither = false;
    post.exposure = ExposureSettings::manual(0.0);
    post
}

fn render(gpu: &Gpu, renderer: &mut Renderer, camera: &Camera, post: &PostSettings) -> Vec<u8> {
    let options = RenderOptions { post: post.clone(), ..Default::default() };
    renderer.render(gpu, camera, &options).expect("render");
    renderer.read_display(gpu).expect("readback")
}

fn srgb_decode(code: u8) -> f64 {
    let v = f64::from(code) / 255.0;
    if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
}

#[test]
fn vignette_darkens_the_corners_and_leaves_the_centre() {
    let Some(gpu) = common::gpu() else { return };
    let size = (96, 64);
    let (mut renderer, camera) = common::flat_renderer(&gpu, size, 0.5, 0.5);
    let clean = render(&gpu, &mut renderer, &camera, &plain());
    let mut post = plain();
    post.finish.vignette.intensity = 1.0;
    post.finish.vignette.radius = 0.5;
    post.finish.vignette.smoothness = 0.5;
    let vignetted = render(&gpu, &mut renderer, &camera, &post);
    let at = |image: &[u8], x: u32, y: u32| image[((y * size.0 + x) * 4) as usize];
    let (cx, cy) = (size.0 / 2, size.1 / 2);
    assert_eq!(at(&vignetted, cx, cy), at(&clean, cx, cy), "inside the radius: unchanged");
    // At the corner r = 1 = radius + smoothness: fully the vignette colour (black).
    assert!(at(&vignetted, 0, 0) <= 3, "corner: {}", at(&vignetted, 0, 0));
    // Monotonic falloff along the diagonal.
    let diagonal: Vec<u8> =
        (0..cx).map(|i| at(&vignetted, cx - i, cy - i * size.1 / size.0)).collect();
    assert!(diagonal.windows(2).all(|w| w[1] <= w[0]), "{diagonal:?}");
}

#[test]
fn grain_adds_zero_mean_noise_that_animates_only_when_asked() {
    let Some(gpu) = common::gpu() else { return };
    let size = (96, 64);
    let (mut renderer, camera) = common::flat_renderer(&gpu, size, 0.2, 0.2);
    let clean = render(&gpu, &mut renderer, &camera, &plain());
    let mut post = plain();
    post.finish.grain.intensity = 0.5;
    post.finish.grain.luminance_response = 0.0;
    let a = render(&gpu, &mut renderer, &camera, &post);
    let b = render(&gpu, &mut renderer, &camera, &post);
    let stats = |image: &[u8]| {
        let values: Vec<f64> = image.chunks_exact(4).map(|p| f64::from(p[1])).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        (mean, var.sqrt())
    };
    let (clean_mean, clean_std) = stats(&clean);
    let (grain_mean, grain_std) = stats(&a);
    eprintln!("clean {clean_mean:.2} ± {clean_std:.2}, grain {grain_mean:.2} ± {grain_std:.2}");
    assert!(clean_std < 0.01, "flat input: {clean_std}");
    assert!(grain_std > 2.0, "grain is visible: {grain_std}");
    assert!((grain_mean - clean_mean).abs() < 1.0, "zero mean: {grain_mean} vs {clean_mean}");
    assert_ne!(a, b, "animated grain changes every frame");
    post.finish.grain.animated = false;
    let c = render(&gpu, &mut renderer, &camera, &post);
    let d = render(&gpu, &mut renderer, &camera, &post);
    assert_eq!(c, d, "still grain stays");
    post.finish.tier = Tier::Low;
    let low = render(&gpu, &mut renderer, &camera, &post);
    post.finish.grain.intensity = 0.0;
    assert_eq!(low, render(&gpu, &mut renderer, &camera, &post), "the low tier drops grain");
}

/// Lateral chromatic aberration magnifies red by `1 + s` and blue by `1 - s` about the image
/// centre (`s = 0.01 · intensity`), so a feature at radius `r` shows its red at `r (1 + s)` and
/// its blue at `r (1 - s)`; green stays. A bright unlit band right of centre on black, seen on
/// the centre row: each channel's band edges are measured to a fraction of a pixel from the
/// row's linear light (edges from the band's centroid and width) and must land where the
/// setting puts them, within a quarter texel.
#[test]
fn chromatic_aberration_shifts_red_out_and_blue_in() {
    let Some(gpu) = common::gpu() else { return };
    let size = (256u32, 128u32);
    // Orthographic, 64 pixels per unit: the unit square centred at x = 1.25 spans pixels
    // 176..240 on the centre row, radii 48 and 112 from the centre column (128).
    let mut scene =
        common::square_scene(1.0, glam::Mat4::from_translation(Vec3::new(1.25, 0.0, 0.0)));
    for v in &mut scene.meshes[0].primitives[0].vertices {
        v.color = [0.5, 0.5, 0.5, 1.0];
    }
    let (mut renderer, camera) = common::unlit_ortho(&gpu, scene, size);
    let mut options = RenderOptions {
        post: plain(),
        background: afterlight::render::Background::Color(Vec3::ZERO),
        ..Default::default()
    };
    // The band's (left, right) edge in pixels on the centre row, per channel, from the first
    // two moments of the row's linear light: centroid ± half the width.
    let edges = |image: &[u8], channel: usize| {
        let row = (size.1 / 2) as usize * size.0 as usize * 4;
        let light: Vec<f64> =
            (0..size.0 as usize).map(|x| srgb_decode(image[row + x * 4 + channel])).collect();
        let plateau = light[208];
        let sum: f64 = light.iter().sum();
        let centroid =
            light.iter().enumerate().map(|(x, v)| (x as f64 + 0.5) * v).sum::<f64>() / sum;
        let half_width = sum / plateau / 2.0;
        (centroid - half_width, centroid + half_width)
    };
    renderer.render(&gpu, &camera, &options).expect("render");
    let clean = renderer.read_display(&gpu).expect("readback");
    let (left, right) = edges(&clean, 1);
    assert!((left - 176.0).abs() < 0.25 && (right - 240.0).abs() < 0.25, "{left} {right}");
    for intensity in [0.5f32, 1.0] {
        options.post.finish.chromatic_aberration.intensity = intensity;
        renderer.render(&gpu, &camera, &options).expect("render");
        let shifted = renderer.read_display(&gpu).expect("readback");
        let s = 0.01 * f64::from(intensity);
        let centre = f64::from(size.0) / 2.0;
        let at = |edge: f64, magnification: f64| centre + (edge - centre) * magnification;
        for (channel, name, magnification) in
            [(0, "red", 1.0 + s), (1, "green", 1.0), (2, "blue", 1.0 - s)]
        {
            let (l, r) = edges(&shifted, channel);
            let (want_l, want_r) = (at(left, magnification), at(right, magnification));
            eprintln!(
                "intensity {intensity}: {name} edges {l:.3}, {r:.3} px (expected {want_l:.3}, \
                 {want_r:.3}; unshifted {left:.3}, {right:.3})"
            );
            assert!(
                (l - want_l).abs() < 0.25 && (r - want_r).abs() < 0.25,
                "intensity {intensity}: {name} band at {l:.3}..{r:.3} px, expected \
                 {want_l:.3}..{want_r:.3} (radial scale {magnification})"
            );
        }
    }
}

#[test]
fn energy_conserving_bloom_keeps_the_image_light() {
    let Some(gpu) = common::gpu() else { return };
    let size = (128, 96);
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, size.0 as f32 / size.1 as f32);
    let mut renderer = common::renderer(&gpu, &scene, size, &common::studio(&gpu));
    // Exposed four stops down with the Clamp mapper so no pixel clips: the display is then the
    // HDR image itself, and the sum of its linear values is the image's light.
    let mut post = plain();
    post.exposure = ExposureSettings { compensation: -4.0, ..ExposureSettings::default() };
    let light = |image: &[u8]| image.chunks_exact(4).map(|p| srgb_decode(p[1])).sum::<f64>();
    let clean = render(&gpu, &mut renderer, &camera, &post);
    let brightest = clean.chunks_exact(4).map(|p| p[1]).max().unwrap_or(0);
    assert!(brightest < 255, "nothing clips: {brightest}");
    post.bloom = BloomSettings { intensity: 0.5, tier: Tier::Low, ..BloomSettings::NATURAL };
    let bloomed = render(&gpu, &mut renderer, &camera, &post);
    let ratio = light(&bloomed) / light(&clean);
    let changed = clean.iter().zip(&bloomed).filter(|(a, b)| a != b).count();
    eprintln!("light with/without energy-conserving bloom: {ratio:.4} ({changed} bytes changed)");
    assert!(changed > 1000, "bloom at 0.5 changes the picture");
    assert!((ratio - 1.0).abs() < 0.01, "total light within 1%: {ratio}");
}

/// Longest run of equal green codes along each row, in pixels.
fn longest_flat_run(image: &[u8], width: u32) -> usize {
    image
        .chunks_exact(width as usize * 4)
        .map(|row| {
            let codes: Vec<u8> = row.chunks_exact(4).map(|p| p[1]).collect();
            let mut longest = 1;
            let mut run = 1;
            for w in codes.windows(2) {
                run = if w[0] == w[1] { run + 1 } else { 1 };
                longest = longest.max(run);
            }
            longest
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn dithered_slow_ramps_have_no_flat_runs_longer_than_one_step() {
    let Some(gpu) = common::gpu() else { return };
    // A slow HDR ramp through the default tone mapper: 0.30 -> 0.31 over 256 px, about two
    // codes, so plain rounding makes bands about 100 px wide.
    let size = (256, 32);
    let (left, right) = (0.30f32, 0.31f32);
    let (mut renderer, camera) = common::flat_renderer(&gpu, size, left, right);
    let mut post = plain();
    post.tonemap.mapper = ToneMapper::KhronosPbrNeutral;
    let mapped = |x: f32| ToneMapper::KhronosPbrNeutral.apply(Vec3::splat(x)).y;
    let encode =
        |v: f32| if v <= 0.0031308 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 };
    let codes = (encode(mapped(right)) - encode(mapped(left))) * 255.0;
    let ideal_step = size.0 as f32 / codes;
    let plain_run = longest_flat_run(&render(&gpu, &mut renderer, &camera, &post), size.0);
    post.finish.dither = true;
    let dithered_run = longest_flat_run(&render(&gpu, &mut renderer, &camera, &post), size.0);
    eprintln!(
        "ramp spans {codes:.1} codes: ideal step {ideal_step:.1} px; longest flat run \
         {plain_run} px undithered, {dithered_run} px dithered"
    );
    // Undithered, a run is one code wide: about the ideal step (bands), and not much longer
    // (the LUT does not flatten the ramp). Dithered, the code changes every few pixels: a run
    // of 0.4 of a step (46 px) would take 45 repeats of a 3-in-4 chance.
    assert!((plain_run as f32) > 0.7 * ideal_step, "undithered output bands: {plain_run}");
    assert!((plain_run as f32) < 1.5 * ideal_step, "LUT flattens the ramp: {plain_run}");
    assert!((dithered_run as f32) < 0.4 * ideal_step, "dither breaks bands: {dithered_run}");
}

/// A pooled image goes back to the pool when its last handle is dropped: the next request of
/// the same frame reuses it instead of creating one; while a handle lives it is not lent twice.
#[test]
fn a_dropped_pooled_image_is_reused_within_the_frame() {
    let Some(gpu) = common::gpu() else { return };
    let mut pool = afterlight::graph::TexturePool::new();
    let desc = afterlight::graph::TransientDesc::target(
        16,
        16,
        wgpu::TextureFormat::Rgba16Float,
        wgpu::TextureUsages::empty(),
    );
    let first = pool.acquire(&gpu.device, "first", &desc);
    let held = first.clone();
    drop(first);
    let second = pool.acquire(&gpu.device, "second", &desc);
    assert_ne!(second.texture, held.texture, "a clone still holds the first: not lent twice");
    assert_eq!(pool.textures_created(), 2);
    drop((held, second));
    let third = pool.acquire(&gpu.device, "third", &desc);
    let fourth = pool.acquire(&gpu.device, "fourth", &desc);
    assert_eq!(pool.textures_created(), 2, "both dropped images were reused, none created");
    assert_ne!(third.texture, fourth.texture);
    pool.end_frame();
}

/// A budget-governor step compiles nothing in the frame that takes it (#23 item 1): once a
/// frame is submitted, the chain builds the specialised pipelines (exposure, bloom, finish,
/// SMAA, FXAA, sharpen) that one tier up or down of any of them needs, so the next frame's
/// `begin_frame` and `record` at the new tier find them built. Under both variants.
#[test]
fn a_tier_step_finds_its_display_pipelines_built() {
    use afterlight::post::finish::{DISPLAY_FORMAT, FinishSettings};
    use afterlight::post::fxaa::FxaaSettings;
    use afterlight::post::sharpen::SharpenSettings;
    use afterlight::post::smaa::SmaaSettings;
    use afterlight::post::stack::{PostInputs, PostStack, PostStackDescriptor};
    use afterlight::post::variant::PassVariant;
    let Some(gpu) = common::gpu() else { return };
    let size = (48u32, 32u32);
    let texels: Vec<[u16; 4]> = (0..size.0 * size.1)
        .map(|i| {
            let x = (i % size.0) as f32 / size.0 as f32;
            [x * 4.0, 0.5 * x, 1.0 - x, 1.0].map(common::f32_to_f16)
        })
        .collect();
    let format = wgpu::TextureFormat::Rgba16Float;
    let hdr = common::texture_from_bytes(&gpu, size, format, bytemuck::cast_slice(&texels));
    let output = common::display_texture(&gpu, size, None).create_view(&Default::default());
    let inputs = PostInputs::new(&hdr);
    // One frame; the pipelines built before it and after its recording (before it is
    // submitted, when the chain builds ahead).
    let frame = |stack: &mut PostStack| {
        let before = stack.chain().display_pipelines_built();
        stack.begin_frame(size).expect("begin_frame");
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        stack.record(&mut encoder, &inputs, &output).expect("record");
        let recorded = stack.chain().display_pipelines_built();
        stack.submit([encoder.finish()]);
        (before, recorded)
    };
    for variant in [PassVariant::Fragment, PassVariant::Compute] {
        let base = PostSettings {
            variant,
            exposure: ExposureSettings::AUTO,
            bloom: BloomSettings::NATURAL,
            finish: FinishSettings::CINEMATIC,
            smaa: SmaaSettings::DESKTOP,
            fxaa: FxaaSettings::DESKTOP,
            sharpen: SharpenSettings::CRISP,
            ..PostSettings::default()
        };
        let descriptor = PostStackDescriptor {
            settings: base.clone(),
            ..PostStackDescriptor::new(DISPLAY_FORMAT)
        };
        let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
        let (_, first) = frame(&mut stack);
        assert!(first >= 5, "{variant:?}: the first frame builds what it uses ({first})");
        frame(&mut stack);
        type Knob = fn(&mut PostSettings) -> &mut Tier;
        let knobs: [(&str, Knob); 6] = [
            ("exposure", |s| &mut s.exposure.tier),
            ("bloom", |s| &mut s.bloom.tier),
            ("finish", |s| &mut s.finish.tier),
            ("smaa", |s| &mut s.smaa.tier),
            ("fxaa", |s| &mut s.fxaa.tier),
            ("sharpen", |s| &mut s.sharpen.tier),
        ];
        for (name, knob) in knobs {
            let tier = *knob(&mut base.clone());
            for step in [tier.lower(), tier.higher()] {
                let mut stepped = base.clone();
                *knob(&mut stepped) = step;
                stack.set_settings(&stepped).expect("settings");
                let (before, recorded) = frame(&mut stack);
                assert_eq!(
                    before, recorded,
                    "{variant:?}: {name} {tier} -> {step} built a pipeline"
                );
                stack.set_settings(&base).expect("settings");
                let (before, recorded) = frame(&mut stack);
                assert_eq!(
                    before, recorded,
                    "{variant:?}: {name} {step} -> {tier} built a pipeline"
                );
            }
        }
        eprintln!("{variant:?}: {} specialised pipelines", stack.chain().display_pipelines_built());
    }
}

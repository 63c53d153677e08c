//! HDR display output (`[display]`, `src/post/display.rs`) on the GPU: paper white lands at its
//! nits and the peak is never passed, PQ and scRGB agree, SDR output is unchanged bit for bit
//! after a round trip through HDR, the display passes draw HDR, the 16-bit PQ PNG carries its
//! cICP chunk, and what cannot be HDR (a debug view, an 8-bit target, AR compositing, a PNG of
//! scRGB) says so.

use crate::common;

use std::process::Command;

use afterlight::gpu::Gpu;
use afterlight::post::Tier;
use afterlight::post::chain::PostSettings;
use afterlight::post::display::{DisplayEncoding, DisplaySettings, pq_decode};
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::{RenderOptions, Renderer};
use afterlight::scene::Camera;
use glam::Vec3;

const SIZE: (u32, u32) = (64, 32);

/// An unlit plane filling an orthographic view whose HDR image is `left` at the left edge and
/// `right` at the right (the manual exposure below makes the multiplier 1).
fn flat(gpu: &Gpu, left: f32, right: f32) -> (Renderer, Camera) {
    common::flat_renderer(gpu, SIZE, left, right)
}

/// No curve, neutral grade, no dither, exposure multiplier 1, the given display.
fn plain(mapper: ToneMapper, display: DisplaySettings) -> PostSettings {
    let mut post = PostSettings::default();
    post.tonemap.mapper = mapper;
    post.finish.dither = false;
    post.exposure = ExposureSettings::manual(0.0);
    post.display = display;
    post
}

/// The display image's value at the centre of the left and right halves.
fn halves(gpu: &Gpu, renderer: &mut Renderer, camera: &Camera, post: &PostSettings) -> [Vec3; 2] {
    let options = RenderOptions { post: post.clone(), ..Default::default() };
    renderer.render(gpu, camera, &options).expect("render");
    let image = renderer.read_display_hdr(gpu).expect("readback").expect("an HDR frame");
    let at = |x: u32| {
        let p = image[(SIZE.1 / 2 * SIZE.0 + x) as usize];
        Vec3::new(p[0], p[1], p[2])
    };
    [at(SIZE.0 / 4), at(3 * SIZE.0 / 4)]
}

/// Display-linear light of an 8-bit sRGB code.
fn srgb_decode(code: u8) -> f32 {
    afterlight::post::grade_bake::srgb_decode(f32::from(code) / 255.0)
}

/// Nits of BT.2020 light in PQ code values, as Rec.709 light (luminance in every channel for
/// grey).
fn nits(pq: Vec3) -> Vec3 {
    let bt2020_to_709 = afterlight::post::display::REC709_TO_BT2020.inverse();
    bt2020_to_709 * pq.map(pq_decode)
}

#[test]
fn paper_white_lands_at_its_nits_and_the_peak_is_never_passed() {
    let Some(gpu) = common::gpu() else { return };
    // Scene-linear 1 (paper white with no curve) and far past any peak.
    let (mut white_renderer, camera) = flat(&gpu, 1.0, 1.0);
    let (mut bright_renderer, _) = flat(&gpu, 5000.0, 5000.0);
    for (paper, peak) in [(203.0, 1000.0), (100.0, 600.0), (300.0, 4000.0)] {
        let display =
            DisplaySettings { paper_white_nits: paper, peak_nits: peak, ..DisplaySettings::PQ };
        let clamp = plain(ToneMapper::Clamp, display);
        let white = nits(halves(&gpu, &mut white_renderer, &camera, &clamp)[0]);
        let bright = nits(halves(&gpu, &mut bright_renderer, &camera, &clamp)[0]);
        println!("paper white {paper}, peak {peak}: scene 1 -> {white} nits, 5000 -> {bright}");
        // One 10-bit PQ code is about 1 % of the light here; the LUT's half floats less.
        assert!((white - Vec3::splat(paper)).abs().max_element() <= 0.012 * paper, "{white}");
        // The finish clamps to the half float at or below the peak's PQ code: never above.
        assert!(bright.max_element() <= peak, "past the peak: {bright}");
        assert!(bright.min_element() >= peak * 0.97, "clamp reaches the peak: {bright}");
        // A curve keeps scene 1 at its SDR value times paper white (below it), and the
        // brightest light under the peak.
        let neutral = plain(ToneMapper::KhronosPbrNeutral, display);
        let sdr_frame = PostSettings { display: DisplaySettings::default(), ..neutral.clone() };
        let options = RenderOptions { post: sdr_frame, ..Default::default() };
        white_renderer.render(&gpu, &camera, &options).expect("render");
        let code = white_renderer.read_display(&gpu).expect("readback")[0];
        let sdr = srgb_decode(code) * paper;
        let white = nits(halves(&gpu, &mut white_renderer, &camera, &neutral)[0]);
        let bright = nits(halves(&gpu, &mut bright_renderer, &camera, &neutral)[0]);
        println!("  PBR Neutral: scene 1 -> {white} nits (SDR {sdr}), 5000 -> {bright}");
        assert!((white - Vec3::splat(sdr)).abs().max_element() <= 0.012 * sdr, "{white}");
        assert!(bright.max_element() <= peak * 1.012 && bright.min_element() > paper, "{bright}");
    }
}

/// `afterlight quality`'s display section (`quality::display`): on the built-in scene, every
/// case's pixels against the formula the finish bakes, in 10-bit PQ codes; paper white at its
/// nits, and nothing on the scene or far above the peak past it.
#[test]
fn the_quality_report_measures_hdr_output_against_its_formulas() {
    use afterlight::quality::display;
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 2.0);
    let environment = common::studio(&gpu);
    let settings = Default::default();
    let mut scores = Vec::new();
    for case in display::display_cases() {
        let s = display::score(&gpu, &environment, &settings, &scene, &camera, 64, &case)
            .expect("display score");
        let (paper, peak) =
            (f64::from(case.display.paper_white_nits), f64::from(case.display.peak_nits));
        assert!((s.paper_white_nits - paper).abs() <= 0.012 * paper, "{s:?}");
        assert!(s.far_above_peak_nits <= peak && s.brightest_nits <= peak, "{s:?}");
        // What the 64³ LUT's trilinear interpolation (High) costs where the curve is not
        // smooth or not separable: Clamp's kink at the peak (2.9 codes), PBR Neutral
        // compressing every channel by the largest (5.0 codes above paper white, 1.3 on
        // average on this view of the scene); AgX and ACES within 1.7. Ultra's tetrahedral
        // interpolation keeps greys on the curve: PBR Neutral within 3 (saturated colours),
        // 0.2 on average.
        let (max, mean) = match (case.mapper, case.tier) {
            (ToneMapper::KhronosPbrNeutral, Tier::Ultra) => (3.5, 0.5),
            (ToneMapper::KhronosPbrNeutral, _) => (6.0, 1.5),
            _ => (3.5, 0.5),
        };
        assert!(s.max_error_codes <= max && s.mean_error_codes <= mean, "{s:?}");
        scores.push(s);
    }
    println!("{}", display::table(&scores));
    // The finish's Ultra step lands closer than High where trilinear filtering fails.
    let pbr = |tier| {
        scores
            .iter()
            .find(|s| s.case.mapper == ToneMapper::KhronosPbrNeutral && s.case.tier == tier)
            .expect("a PBR Neutral case per tier")
    };
    let (high, ultra) = (pbr(Tier::High), pbr(Tier::Ultra));
    assert!(ultra.max_error_codes < high.max_error_codes, "{ultra:?} vs {high:?}");
    assert!(ultra.mean_error_codes < high.mean_error_codes, "{ultra:?} vs {high:?}");
}

#[test]
fn scrgb_is_pq_decoded_to_linear_rec709_over_80_nits() {
    let Some(gpu) = common::gpu() else { return };
    let (mut renderer, camera) = flat(&gpu, 0.18, 3.0);
    let pq = DisplaySettings::PQ;
    let scrgb = DisplaySettings { encoding: DisplayEncoding::ScRgb, ..pq };
    for mapper in [ToneMapper::KhronosPbrNeutral, ToneMapper::AgX] {
        let from_pq = halves(&gpu, &mut renderer, &camera, &plain(mapper, pq)).map(nits);
        let linear = halves(&gpu, &mut renderer, &camera, &plain(mapper, scrgb));
        for (n, l) in from_pq.iter().zip(linear) {
            // Half-float storage of the scRGB value: 1e-3 relative.
            assert!(
                (*n / 80.0 - l).abs().max_element() <= 2e-3 * l.max_element().max(0.05),
                "{mapper:?}: {n} nits vs scRGB {l}"
            );
        }
    }
}

#[test]
fn sdr_output_is_the_same_bytes_before_and_after_hdr_frames() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 2.0);
    let mut renderer = common::renderer(&gpu, &scene, SIZE, &common::studio(&gpu));
    let mut frame = |display: DisplaySettings| {
        let post =
            PostSettings { display, exposure: ExposureSettings::manual(9.0), ..Default::default() };
        let options = RenderOptions { post, ..Default::default() };
        renderer.render(&gpu, &camera, &options).expect("render");
        renderer.read_display(&gpu).expect("readback")
    };
    let before = frame(DisplaySettings::default());
    // HDR frames (the display passes and the target rebuilt for them), then SDR again with
    // HDR-only values changed: nothing of it may reach the SDR image.
    frame(DisplaySettings::PQ);
    frame(DisplaySettings { encoding: DisplayEncoding::ScRgb, ..DisplaySettings::PQ });
    let after =
        frame(DisplaySettings { paper_white_nits: 400.0, peak_nits: 4000.0, ..Default::default() });
    assert_eq!(before.len(), (SIZE.0 * SIZE.1 * 4) as usize);
    assert!(before == after, "the SDR image changed after HDR frames");
}

#[test]
fn the_display_passes_draw_hdr_and_keep_pq_in_range() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 2.0);
    let mut renderer = common::renderer(&gpu, &scene, SIZE, &common::studio(&gpu));
    let mut post: PostSettings = afterlight::config::Preset::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/product.toml"
    )))
    .expect("product preset")
    .settings;
    post.smaa = afterlight::post::smaa::SmaaSettings::DESKTOP;
    post.fxaa = afterlight::post::fxaa::FxaaSettings::DESKTOP;
    post.sharpen = afterlight::post::sharpen::SharpenSettings::CRISP;
    post.finish.vignette.colour = Vec3::new(0.2, 0.1, 0.05);
    post.display = DisplaySettings::PQ;
    // Bright enough that the pedestal and the emissive ring pass scene-linear 1.
    post.exposure = ExposureSettings::manual(0.0);
    let options = RenderOptions { post, ..Default::default() };
    gpu.checked("HDR frames", || {
        for _ in 0..3 {
            renderer.render(&gpu, &camera, &options).expect("render");
        }
    })
    .expect("no validation errors");
    let image = renderer.read_display_hdr(&gpu).expect("readback").expect("HDR");
    assert!(image.iter().flatten().all(|v| (0.0..=1.0).contains(v)), "PQ code values in [0, 1]");
    let brightest = image.iter().map(|p| p[0].max(p[1]).max(p[2])).fold(0.0, f32::max);
    println!("brightest PQ code {brightest}: {} nits", pq_decode(brightest));
    assert!(pq_decode(brightest) > 203.0, "the product shot has highlights above paper white");
}

#[test]
fn what_cannot_be_hdr_says_so() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 2.0);
    let mut renderer = common::renderer(&gpu, &scene, SIZE, &common::studio(&gpu));
    let post = PostSettings { display: DisplaySettings::PQ, ..Default::default() };
    let debug = RenderOptions {
        post: post.clone(),
        debug_view: Some(afterlight::render::DebugView::Normal),
        ..Default::default()
    };
    let err = renderer.render(&gpu, &camera, &debug).expect_err("a debug view in HDR");
    assert!(err.to_string().contains("debug views draw SDR"), "{err}");
    // The renderer goes on: an HDR frame, then an SDR one.
    renderer.render(&gpu, &camera, &RenderOptions { post, ..Default::default() }).expect("HDR");
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("SDR");
    assert!(renderer.read_display_hdr(&gpu).expect("readback").is_none(), "an SDR frame");

    // A PostStack writing an 8-bit target cannot take PQ.
    use afterlight::post::stack::{PostInputs, PostStack, PostStackDescriptor};
    let descriptor = PostStackDescriptor {
        settings: PostSettings { display: DisplaySettings::PQ, ..Default::default() },
        ..PostStackDescriptor::new(afterlight::post::finish::DISPLAY_FORMAT)
    };
    let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
    let hdr = common::texture_from_bytes(
        &gpu,
        SIZE,
        wgpu::TextureFormat::Rgba16Float,
        &vec![0u8; (SIZE.0 * SIZE.1 * 8) as usize],
    );
    let output = common::display_texture(&gpu, SIZE, None).create_view(&Default::default());
    stack.begin_frame(SIZE).expect("plan");
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let inputs = PostInputs::new(&hdr);
    let err = stack.record(&mut encoder, &inputs, &output).expect_err("an 8-bit target");
    assert!(err.to_string().contains("needs a target that holds HDR values"), "{err}");
}

#[test]
fn render_writes_a_16_bit_pq_png_with_its_cicp_chunk() {
    if common::gpu().is_none() {
        return;
    }
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let out = dir.join("hdr-pq.png");
    let output = Command::new(env!("CARGO_BIN_EXE_afterlight"))
        .args(["render", "--size", "64x36", "--output-encoding", "pq", "-o"])
        .arg(&out)
        .output()
        .expect("run afterlight");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).expect("png")));
    let mut reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    assert_eq!(info.bit_depth, png::BitDepth::Sixteen);
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let cicp = info.coding_independent_code_points.expect("a cICP chunk");
    assert_eq!(
        (cicp.color_primaries, cicp.transfer_function, cicp.matrix_coefficients),
        (9, 16, 0)
    );
    assert!(cicp.is_video_full_range_image);
    let mut data = vec![0; reader.output_buffer_size().expect("size")];
    reader.next_frame(&mut data).expect("pixels");
    let codes: Vec<u16> = data.chunks_exact(2).map(|b| u16::from_be_bytes([b[0], b[1]])).collect();
    let brightest = codes.iter().copied().max().unwrap_or(0);
    let nits = pq_decode(f32::from(brightest) / 65535.0);
    assert!(nits > 203.0 && nits <= 1000.0 * 1.012, "brightest {nits} nits");
    // scRGB cannot be a PNG: a clear error, no file.
    let scrgb = dir.join("hdr-scrgb.png");
    let output = Command::new(env!("CARGO_BIN_EXE_afterlight"))
        .args(["render", "--size", "64x36", "--output-encoding", "scrgb", "-o"])
        .arg(&scrgb)
        .output()
        .expect("run afterlight");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && err.contains("a PNG cannot hold") && !err.contains("panicked"),
        "{err}"
    );
}

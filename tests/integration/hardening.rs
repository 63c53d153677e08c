//! Hostile HDR input through the whole post chain (issue #10): NaN, +Inf, -Inf and 65504
//! (the largest half float) injected into the HDR image an app hands to
//! [`PostChain::record`]. Each run is compared frame by frame with a clean run of the same
//! chain, same jitter, same frame numbers:
//!
//! - the frame carrying the bad texels comes out finite and not blacked out: away from the bad
//!   texels it matches the clean run (NaN, -Inf), or at least keeps its brightness (+Inf and
//!   65504, which legitimately bloom and pull automatic exposure down a little);
//! - 65504 is a real (very bright) value: its pixel comes out brighter than in the clean run;
//! - once the input is clean again, nothing persists: TAA history, bloom mips and the exposure
//!   histogram let the output return to the clean run's within a few frames.
//!
//! With TAA on, its NaN guard meets the bad texels first; with TAA off, bloom and the exposure
//! histogram read them directly, so both configurations run.

use crate::common;

use std::path::Path;

use afterlight::config::Preset;
use afterlight::gpu::{Gpu, PassTimer, read_texture};
use afterlight::post::Tier;
use afterlight::post::chain::{PostChain, PostFrame, PostSettings, Provided};
use afterlight::post::taa::jitter;
use glam::Vec2;

const SIZE: (u32, u32) = (32, 32);
/// Clean frames before the bad one (TAA history and exposure settle).
const WARM_UP: u64 = 6;
/// Clean frames after the bad one.
const AFTER: u64 = 16;
/// The 2x2 block of texels that goes bad.
const BAD: [(u32, u32); 4] = [(20, 9), (21, 9), (20, 10), (21, 10)];

/// IEEE half bits of `v`: exact for the specials and for the multiples of 1/64 in 0..4 that the
/// test image uses (enough for a known image; not a general converter).
fn half(v: f32) -> u16 {
    if v.is_nan() {
        return 0x7E00;
    }
    if v == f32::INFINITY {
        return 0x7C00;
    }
    if v == f32::NEG_INFINITY {
        return 0xFC00;
    }
    if v == 0.0 {
        return 0;
    }
    let bits = v.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xff) as i32 - 127 + 15;
    let mantissa = ((bits >> 13) & 0x3ff) as u16;
    assert!((1..31).contains(&exponent), "{v} is not a normal half");
    sign | ((exponent as u16) << 10) | mantissa
}

/// A known HDR image: a soft horizontal ramp, a bright square and a dark bar, so TAA, bloom
/// and the histogram all have structure to work on.
fn image(bad: Option<f32>) -> Vec<u16> {
    let mut texels = Vec::new();
    for y in 0..SIZE.1 {
        for x in 0..SIZE.0 {
            let mut rgb = [0.25 + x as f32 / 64.0, 0.25, 0.5 - y as f32 / 128.0];
            if (4..10).contains(&x) && (4..10).contains(&y) {
                rgb = [2.0, 1.5, 1.0];
            }
            if (24..28).contains(&y) {
                rgb = [0.0625, 0.0625, 0.0625];
            }
            if let Some(value) = bad.filter(|_| BAD.contains(&(x, y))) {
                rgb = [value; 3];
            }
            texels.extend(rgb.map(half));
            texels.push(half(1.0));
        }
    }
    texels
}

fn texture(gpu: &Gpu, format: wgpu::TextureFormat, usage: wgpu::TextureUsages) -> wgpu::Texture {
    gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("hardening input"),
        size: wgpu::Extent3d { width: SIZE.0, height: SIZE.1, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

/// Depth at the far plane (reverse-Z 0) and zero motion: a still image.
struct StillInputs {
    depth: wgpu::TextureView,
    motion: wgpu::TextureView,
}

impl StillInputs {
    fn new(gpu: &Gpu) -> Self {
        let usage = wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::RENDER_ATTACHMENT;
        let depth =
            texture(gpu, wgpu::TextureFormat::Depth32Float, usage).create_view(&Default::default());
        let motion =
            texture(gpu, wgpu::TextureFormat::Rg16Float, usage).create_view(&Default::default());
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("clear still inputs"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &motion,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &depth,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(0.0),
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            ..Default::default()
        });
        gpu.queue.submit([encoder.finish()]);
        Self { depth, motion }
    }
}

/// The desktop preset (automatic exposure, bloom, AgX, grain, TAA) without AO, which the
/// renderer runs, not the chain; TAA on or off.
fn settings(taa: bool) -> PostSettings {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/desktop.toml");
    let mut settings = Preset::load(path).expect("desktop preset").settings;
    settings.ao.tier = Tier::Off;
    if !taa {
        settings.taa.tier = Tier::Off;
        settings.taa.fxaa_fallback = false;
    }
    settings
}

/// Runs the chain over `WARM_UP` clean frames, one frame with `bad` in the [`BAD`] texels
/// (none for the clean run) and `AFTER` clean frames; returns every frame's RGBA8 output.
fn run(gpu: &Gpu, settings: &PostSettings, bad: Option<f32>) -> Vec<Vec<u8>> {
    let mut chain =
        PostChain::new(&gpu.device, wgpu::TextureFormat::Rgba16Float, Provided::GBUFFER)
            .expect("chain");
    chain.prepare(&gpu.device, &gpu.queue, settings).expect("prepare");
    let mut timer = PassTimer::new(&gpu.device);
    let still = StillInputs::new(gpu);
    let hdr = texture(
        gpu,
        wgpu::TextureFormat::Rgba16Float,
        wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
    );
    let hdr_view = hdr.create_view(&Default::default());
    let output = common::display_texture(gpu, SIZE, None);
    let output_view = output.create_view(&Default::default());
    let (clean, broken) = (image(None), image(bad));
    let mut frames = Vec::new();
    for index in 0..WARM_UP + 1 + AFTER {
        let texels = if index == WARM_UP { &broken } else { &clean };
        gpu.queue.write_texture(
            hdr.as_image_copy(),
            bytemuck::cast_slice(texels),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(SIZE.0 * 8),
                rows_per_image: Some(SIZE.1),
            },
            hdr.size(),
        );
        let frame = PostFrame {
            hdr: &hdr_view,
            depth: Some(&still.depth),
            motion: Some(&still.motion),
            jitter: if settings.taa.tier.is_on() { jitter(index, 8) } else { Vec2::ZERO },
            camera_cut: false,
            reprojection: None,
            size: SIZE,
            input_size: SIZE,
            pre_exposure: 1.0,
            fixed_ev100: 0.0,
            dt_seconds: 1.0 / 60.0,
            frame_index: index,
            camera: None,
        };
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        chain.record(&gpu.device, &gpu.queue, &mut encoder, &timer, settings, &frame, &output_view);
        timer.resolve(&mut encoder);
        gpu.queue.submit([encoder.finish()]);
        timer.end_frame(&gpu.queue);
        frames.push(read_texture(gpu, &output).expect("readback"));
    }
    frames
}

fn pixel(frame: &[u8], (x, y): (u32, u32)) -> [u8; 3] {
    let i = ((y * SIZE.0 + x) * 4) as usize;
    [frame[i], frame[i + 1], frame[i + 2]]
}

/// Largest and mean absolute difference in RGB codes over the pixels `keep` accepts.
fn difference(a: &[u8], b: &[u8], keep: impl Fn((u32, u32)) -> bool) -> (u8, f32) {
    let (mut max, mut sum, mut n) = (0u8, 0f32, 0f32);
    for y in 0..SIZE.1 {
        for x in 0..SIZE.0 {
            if !keep((x, y)) {
                continue;
            }
            let (p, q) = (pixel(a, (x, y)), pixel(b, (x, y)));
            for c in 0..3 {
                let d = p[c].abs_diff(q[c]);
                max = max.max(d);
                sum += f32::from(d);
                n += 1.0;
            }
        }
    }
    (max, sum / n.max(1.0))
}

fn mean_luma(frame: &[u8]) -> f32 {
    let (_, mean) = difference(frame, &vec![0; frame.len()], |_| true);
    mean
}

/// Pixels at least `radius` texels (Chebyshev) from every bad texel.
fn far_from_bad(radius: u32) -> impl Fn((u32, u32)) -> bool {
    move |(x, y)| BAD.iter().all(|&(bx, by)| x.abs_diff(bx).max(y.abs_diff(by)) >= radius)
}

fn check(gpu: &Gpu, taa: bool) {
    let settings = settings(taa);
    let clean = run(gpu, &settings, None);
    let bad_frame = WARM_UP as usize;
    for value in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 65504.0] {
        let label = format!("{value} with TAA {}", if taa { "on" } else { "off" });
        let frames = run(gpu, &settings, Some(value));
        for (i, (got, want)) in frames.iter().zip(&clean).enumerate().take(bad_frame) {
            assert_eq!(got, want, "{label}: clean frame {i} differs before the bad one");
        }
        let hit = &frames[bad_frame];
        let (far_max, far_mean) = difference(hit, &clean[bad_frame], far_from_bad(4));
        eprintln!(
            "{label}: bad frame, pixels 4+ texels away: max {far_max} mean {far_mean:.3} codes; \
             bad pixel {:?} (clean {:?}); mean level {:.1} (clean {:.1})",
            pixel(hit, BAD[0]),
            pixel(&clean[bad_frame], BAD[0]),
            mean_luma(hit),
            mean_luma(&clean[bad_frame]),
        );
        if value.is_nan() || value == f32::NEG_INFINITY {
            // Dropped like a black texel: at most a trace in bloom's wide tent far away.
            assert!(far_max <= 6 && far_mean < 0.5, "{label}: max {far_max} mean {far_mean}");
        } else {
            // A blinding texel may bloom and nudge exposure, never black the frame out.
            assert!(
                mean_luma(hit) > 0.8 * mean_luma(&clean[bad_frame]),
                "{label}: the frame darkened from {} to {}",
                mean_luma(&clean[bad_frame]),
                mean_luma(hit)
            );
        }
        if value == 65504.0 {
            let (got, was) = (pixel(hit, BAD[0]), pixel(&clean[bad_frame], BAD[0]));
            let sum = |p: [u8; 3]| p.iter().map(|&c| u32::from(c)).sum::<u32>();
            assert!(sum(got) > sum(was) + 30, "{label}: 65504 came out {got:?}, clean {was:?}");
        }
        // Nothing persists: within a few clean frames the output is the clean run's again.
        let (last_max, last_mean) =
            difference(frames.last().unwrap(), clean.last().unwrap(), |_| true);
        let settled = (bad_frame + 1..frames.len())
            .find(|&i| difference(&frames[i], &clean[i], |_| true).0 <= 2)
            .map_or("never".to_owned(), |i| format!("{} frames after", i - bad_frame));
        eprintln!(
            "{label}: back within 2 codes {settled}; last frame max {last_max} mean {last_mean:.3}"
        );
        assert!(last_max <= 2, "{label}: {AFTER} clean frames later still {last_max} codes off");
    }
}

#[test]
fn hostile_hdr_values_with_taa_leave_no_trace() {
    let Some(gpu) = common::gpu() else { return };
    check(&gpu, true);
}

#[test]
fn hostile_hdr_values_without_taa_leave_no_trace() {
    let Some(gpu) = common::gpu() else { return };
    check(&gpu, false);
}

/// Writes `text` as preset `name` in the test's scratch folder.
fn preset_file(name: &str, text: &[u8]) -> std::path::PathBuf {
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write preset");
    path
}

#[test]
fn preset_errors_name_file_line_and_key() {
    let cases: [(&str, &str, &str); 7] = [
        (
            "missing_lut.toml",
            "[lut]\nspace = \"display\"\nfile = \"looks/gone.cube\"\n",
            ":3:1: lut.file: no such LUT file: ",
        ),
        (
            "huge_integer.toml",
            "[bloom]\nlevels = 99999999999\n",
            ":2:10: bloom.levels: invalid value: integer `99999999999`, expected u32",
        ),
        (
            "negative_integer.toml",
            "[bloom]\n\nlevels = -3\n",
            ":3:10: bloom.levels: invalid value: integer `-3`, expected u32",
        ),
        ("table_as_value.toml", "bloom = 3\n", ":1:9: bloom: invalid type: integer `3`"),
        (
            "duplicate_key.toml",
            "[bloom]\nintensity = 0.1\nintensity = 0.2\n",
            ":3:1: bloom.intensity: duplicate key",
        ),
        (
            "unknown_tier.toml",
            "[fxaa]\ntier = \"extreme\"\n",
            ":2:8: fxaa.tier: unknown variant `extreme`",
        ),
        (
            "string_for_bool.toml",
            "[finish]\ndither = \"yes\"\n",
            ":2:10: finish.dither: invalid type: string \"yes\", expected a boolean",
        ),
    ];
    for (name, text, expected) in cases {
        let path = preset_file(name, text.as_bytes());
        let message = Preset::load(&path).expect_err(name).to_string();
        assert!(message.starts_with(&path.display().to_string()), "{name}: {message}");
        assert!(message.contains(expected), "{name}: {message:?} lacks {expected:?}");
    }
    let path = preset_file("not_utf8.toml", b"[bloom]\nintensity = \xff\n");
    let message = Preset::load(&path).expect_err("not UTF-8").to_string();
    assert!(
        message.starts_with("cannot read preset ") && message.contains("not_utf8.toml"),
        "{message}"
    );
    assert!(message.contains("UTF-8"), "{message}");
}

#[test]
fn out_of_range_and_non_finite_preset_values_warn_with_file_line_and_key() {
    let text =
        "[bloom]\nintensity = nan\n[finish.grain]\nsize = inf\n[grade]\n\nsaturation = -inf\n";
    let path = preset_file("non_finite.toml", text.as_bytes());
    let preset = Preset::load(&path).expect("clamped, not refused");
    let file = path.display().to_string();
    let expected = [
        format!("{file}:2: bloom.intensity is NaN; using the default"),
        format!("{file}:4: finish.grain.size = inf is outside"),
        format!("{file}:7: grade.saturation = -inf is outside"),
    ];
    assert_eq!(preset.warnings.len(), expected.len(), "{:?}", preset.warnings);
    for expected in &expected {
        assert!(
            preset.warnings.iter().any(|w| w.starts_with(expected)),
            "no warning starts {expected:?}: {:?}",
            preset.warnings
        );
    }
    assert!(preset.settings.bloom.intensity.is_finite());
    assert_eq!(preset.settings.finish.grain.size, 4.0);
    assert_eq!(preset.settings.grade.saturation, 0.0);
}

/// glTF JSON with one material whose base colour texture is `png`, as a data URI.
fn gltf_with_image(png: &[u8]) -> String {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    format!(
        r#"{{"asset":{{"version":"2.0"}},"images":[{{"name":"huge","uri":"data:image/png;base64,{data}"}}],
        "textures":[{{"source":0}}],
        "materials":[{{"pbrMetallicRoughness":{{"baseColorTexture":{{"index":0}}}}}}]}}"#
    )
}

#[test]
fn an_image_wider_than_a_texture_can_be_is_refused_before_decoding() {
    let mut png = Vec::new();
    let wide = image::RgbaImage::new(afterlight::scene::MAX_IMAGE_DIMENSION + 1, 1);
    wide.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("encode");
    let scene = afterlight::scene::load_from_slice(gltf_with_image(&png).as_bytes(), None)
        .expect("a bad texture is a warning, not a failed import");
    assert!(scene.images.is_empty());
    assert_eq!(
        scene.warnings[0],
        "image \"huge\": 8193x1 pixels is larger than the 8192x8192 supported; textures using it \
         are ignored",
    );
}

/// Bytes of texture and buffer memory wgpu's Vulkan/GL/Metal layer has allocated on the device
/// (wgpu's `counters` feature; zero where a backend does not count).
pub fn gpu_memory(gpu: &Gpu) -> (i64, i64) {
    gpu.wait_idle();
    let hal = gpu.device.get_internal_counters().hal;
    (hal.texture_memory.read() as i64, hal.buffer_memory.read() as i64)
}

/// A small deterministic generator (xorshift64*), so the storm is the same every run.
pub struct Rng(pub u64);

impl Rng {
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// 1000 sizes: the edge cases first, then random ones (mostly small and often odd, some zero,
/// some beyond the device's `max_texture_dimension_2d`).
fn storm_sizes(max: u32, seed: u64, count: usize) -> Vec<(u32, u32)> {
    let mut sizes =
        vec![(0, 0), (0, 1), (1, 0), (1, 1), (max + 1, 1), (1, max + 1), (u32::MAX, u32::MAX)];
    sizes.extend([(3, 5), (17, 1), (1, 63), (95, 33), (2, 2)]);
    let mut rng = Rng(seed);
    while sizes.len() < count {
        let mut side = || match rng.below(20) {
            0 => 0,
            1 => max + 1 + rng.below(u64::from(max)) as u32,
            _ => 1 + rng.below(96) as u32,
        };
        sizes.push((side(), side()));
    }
    sizes
}

#[test]
fn a_resize_storm_refuses_bad_sizes_clearly_and_leaks_no_gpu_memory() {
    // A device of this test's own, without timestamp queries: wgpu-profiler keeps one query
    // pool (a resolve and a read-back buffer) per frame in flight, up to `PENDING_FRAMES`, and
    // how many frames are in flight depends on how busy the machine is (a loaded machine grew
    // buffer memory by one pool, 512 bytes, and failed this test). That pool is bounded by
    // design; what this test measures is everything the renderer allocates.
    let Some(base) = common::gpu() else { return };
    let descriptor = wgpu::DeviceDescriptor {
        label: Some("resize storm"),
        required_features: base.device.features() - afterlight::gpu::TIMER_FEATURES,
        required_limits: base.device.limits(),
        ..Default::default()
    };
    let (device, queue) =
        pollster::block_on(base.adapter.request_device(&descriptor)).expect("a second device");
    let gpu = Gpu { device, queue, timestamps: false, ..base };
    let max = gpu.device.limits().max_texture_dimension_2d;
    let scene = common::square_scene(1.0, glam::Mat4::IDENTITY);
    let mut renderer = common::renderer(&gpu, &scene, (32, 32), &common::studio(&gpu));
    let camera = common::scene_camera(&scene, 1.0);
    let options = afterlight::render::RenderOptions { post: settings(true), ..Default::default() };
    let settle = |renderer: &mut afterlight::render::Renderer| {
        for _ in 0..4 {
            renderer.render(&gpu, &camera, &options).expect("render");
        }
    };
    settle(&mut renderer);
    // A first, short storm: what the first resizes allocate once (staging and readback
    // buffers, a few hundred bytes on lavapipe) is the baseline, not a leak.
    for (width, height) in storm_sizes(max, 7, 100) {
        if renderer.resize(&gpu, width, height).is_ok() {
            renderer.render(&gpu, &camera, &options).expect("render");
        }
    }
    renderer.resize(&gpu, 32, 32).expect("back to 32x32");
    settle(&mut renderer);
    let before = gpu_memory(&gpu);
    let (mut refused, mut rendered) = (0, 0);
    for (i, (width, height)) in storm_sizes(max, 0x5EED_0FA1_1570, 1000).into_iter().enumerate() {
        let was = renderer.size();
        match renderer.resize(&gpu, width, height) {
            Ok(()) => {
                assert!(width >= 1 && height >= 1 && width <= max && height <= max);
                assert_eq!(renderer.size(), (width, height));
                if i % 10 == 0 {
                    renderer.render(&gpu, &camera, &options).expect("render after resize");
                    rendered += 1;
                }
            }
            Err(e) => {
                assert_eq!(
                    e.to_string(),
                    format!("image size {width}x{height} is outside 1..={max} on this device")
                );
                assert_eq!(renderer.size(), was, "a refused size changes nothing");
                refused += 1;
            }
        }
    }
    renderer.resize(&gpu, 32, 32).expect("back to 32x32");
    settle(&mut renderer);
    let after = gpu_memory(&gpu);
    eprintln!(
        "resize storm: 1000 sizes, {refused} refused, {rendered} rendered; GPU texture memory \
         {} -> {} bytes, buffer memory {} -> {} bytes",
        before.0, after.0, before.1, after.1
    );
    assert!(refused > 50 && rendered > 50);
    assert!(before.0 > 0, "wgpu counts texture memory on this backend");
    assert!(after.0 <= before.0, "texture memory grew from {} to {}", before.0, after.0);
    assert!(after.1 <= before.1, "buffer memory grew from {} to {}", before.1, after.1);
}

/// What one regression input gives through the parser its folder names: `ok` or the error
/// message, as a user would see it.
fn regression_outcome(target: &str, bytes: &[u8]) -> String {
    use afterlight::post::colour_lut::ColourLut;
    let text = || String::from_utf8_lossy(bytes).into_owned();
    let outcome = |r: Result<(), String>| r.err().unwrap_or_else(|| "ok".into());
    match target {
        "gltf_import" => outcome(
            afterlight::scene::load_from_slice(bytes, None).map(drop).map_err(|e| e.to_string()),
        ),
        "cube_lut" => outcome(ColourLut::parse_cube(&text()).map(drop).map_err(|e| e.to_string())),
        "preset" => outcome(Preset::parse(&text()).map(drop).map_err(|e| e.to_string())),
        "wgsl_include" => {
            let text = text();
            let mut parts = text.split('\0');
            let main = parts.next().unwrap_or_default();
            let names: Vec<String> = (0..16).map(|i| format!("include/{i}.wgsl")).collect();
            let mut files: Vec<(&str, &str)> = vec![("main.wgsl", main)];
            files.extend(names.iter().map(String::as_str).zip(parts));
            outcome(
                afterlight::shaders::expand_in_memory(&files, "main")
                    .map(drop)
                    .map_err(|e| e.to_string()),
            )
        }
        other => panic!("tests/regressions/{other}: no parser of that name"),
    }
}

/// Every input under `tests/regressions/<parser>/` (crashes the fuzzers found, and hostile
/// inputs written by hand) goes through its parser and must give exactly the message in the
/// file beside it with `.expected` appended. `AFTERLIGHT_BLESS=1` writes the `.expected` files.
#[test]
fn regression_inputs_give_their_recorded_messages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let bless = std::env::var("AFTERLIGHT_BLESS").is_ok_and(|v| v == "1");
    let mut checked = 0;
    for target in ["gltf_import", "cube_lut", "preset", "wgsl_include"] {
        let dir = root.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_none_or(|ext| ext != "expected"))
            .collect();
        inputs.sort();
        for input in inputs {
            let bytes = std::fs::read(&input).expect("read regression input");
            let got = regression_outcome(target, &bytes);
            let mut expected_path = input.clone().into_os_string();
            expected_path.push(".expected");
            if bless {
                std::fs::write(&expected_path, format!("{got}\n")).expect("bless");
            }
            let expected = std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|e| panic!("{}: {e}", Path::new(&expected_path).display()));
            assert_eq!(got, expected.trim_end(), "{}", input.display());
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} regression inputs");
}

/// The properties the cargo-fuzz targets in `fuzz/` check, for one input of one parser; a
/// violated property panics with what went wrong.
fn check_parser_properties(target: &str, bytes: &[u8]) {
    use afterlight::config::PresetError;
    use afterlight::post::lut::CubeLut;
    use afterlight::shaders::ShaderError;
    match target {
        "gltf_import" => match afterlight::scene::load_from_slice(bytes, None) {
            Ok(scene) => {
                let b = &scene.bounds;
                assert!(b.is_empty() || (b.min.is_finite() && b.max.is_finite()), "{b:?}");
            }
            Err(e) => assert!(!e.to_string().contains("internal error"), "{e}"),
        },
        "cube_lut" => {
            // Every format's parser, as fuzz/fuzz_targets/cube_lut.rs does.
            use afterlight::post::colour_lut::{ColourLut, LutFormat};
            let Ok(text) = std::str::from_utf8(bytes) else { return };
            let formats =
                [LutFormat::Cube, LutFormat::Discreet3dl, LutFormat::Spi1d, LutFormat::Spi3d];
            for format in formats {
                let lut = match ColourLut::parse(format, text, None) {
                    Ok(lut) => lut,
                    Err(e) => {
                        assert!(e.to_string().contains("line "), "{format:?}: {e}");
                        continue;
                    }
                };
                lut.validate().expect("a parsed LUT is valid");
                for v in [0.0, 0.5, 1.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 65504.0] {
                    let probe = glam::Vec3::splat(v);
                    assert!(lut.apply(probe).is_finite(), "{format:?} at {v}");
                }
                let Some(cube) = &lut.cube else { continue };
                assert!(cube.sample_tetrahedral(glam::Vec3::splat(0.5)).is_finite());
                let written = cube.to_cube_string();
                let again = CubeLut::parse(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
                assert_eq!(
                    (again.size, again.domain_min, again.domain_max),
                    (cube.size, cube.domain_min, cube.domain_max)
                );
                assert_eq!(again.data, cube.data);
            }
        }
        "preset" => {
            let Ok(text) = std::str::from_utf8(bytes) else { return };
            let preset = match Preset::parse(text) {
                Ok(preset) => preset,
                Err(PresetError::Invalid { line, key, message, .. }) => {
                    return assert!(line >= 1 && !key.is_empty() && !message.is_empty());
                }
                Err(other) => panic!("unexpected error kind: {other}"),
            };
            let (again, warnings) = preset.settings.validated();
            assert!(warnings.is_empty(), "validated settings warn again: {warnings:?}");
            assert_eq!(again, preset.settings);
            let written = preset.to_toml().expect("settings print as TOML");
            let reread = Preset::parse(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
            assert_eq!(reread.settings, preset.settings, "\n{written}");
        }
        "wgsl_include" => {
            let Ok(text) = std::str::from_utf8(bytes) else { return };
            let mut parts = text.split('\0');
            let main = parts.next().unwrap_or_default();
            let names: Vec<String> = (0..16).map(|i| format!("include/{i}.wgsl")).collect();
            let mut files: Vec<(&str, &str)> = vec![("main.wgsl", main)];
            files.extend(names.iter().map(String::as_str).zip(parts));
            match afterlight::shaders::expand_in_memory(&files, "main") {
                Ok(source) => {
                    for line in 1..=source.code.lines().count() {
                        let (file, at) = source.locate(line);
                        let (_, text) = files.iter().find(|(n, _)| *n == file).expect("known file");
                        let original =
                            text.strip_prefix('\u{feff}').unwrap_or(text).lines().count();
                        assert!(at >= 1 && at <= original.max(1), "{file}:{at} of {original}");
                    }
                }
                Err(ShaderError::Include { line, reason, .. }) => {
                    assert!(line >= 1 && !reason.is_empty())
                }
                Err(other) => panic!("unexpected error kind: {other}"),
            }
        }
        other => panic!("no parser {other}"),
    }
}

/// Seed inputs for a parser: our own files, `../shared` (a recorded skip of those seeds when
/// absent, a failure under `AFTERLIGHT_REQUIRE_ASSETS=1`), and the regressions.
fn fuzz_seeds(target: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = |folder: &str| common::shared_file(folder).into_iter();
    let (dirs, extensions): (Vec<std::path::PathBuf>, &[&str]) = match target {
        "gltf_import" => (shared("scenes").chain(shared("invalid")).collect(), &["glb", "gltf"]),
        "cube_lut" => (shared("luts").collect(), &["cube", "3dl", "spi1d", "spi3d"]),
        "preset" => (vec![root.join("presets")], &["toml"]),
        _ => (vec![root.join("shaders")], &["wgsl"]),
    };
    let mut seeds: Vec<Vec<u8>> = dirs
        .iter()
        .filter(|d| d.is_dir())
        .flat_map(|d| common::files(d, extensions))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() < 64 * 1024))
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    let regressions = root.join("tests/regressions").join(target);
    seeds.extend(
        std::fs::read_dir(regressions)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_none_or(|e| e != "expected"))
            .filter_map(|p| std::fs::read(p).ok()),
    );
    seeds
}

/// Tokens worth splicing into a parser's input.
fn fuzz_tokens(target: &str) -> &'static [&'static str] {
    match target {
        "gltf_import" => &[
            "4294967295",
            "-1",
            "1e400",
            "null",
            "[]",
            "{}",
            "\"uri\":\"data:,\"",
            "0",
            "65536",
            "\"byteStride\":0",
            "\"count\":2147483647",
            "\"type\":\"MAT4\"",
            "\"sparse\"",
        ],
        "cube_lut" => &[
            "LUT_3D_SIZE",
            "DOMAIN_MIN",
            "DOMAIN_MAX",
            "TITLE",
            "nan",
            "inf",
            "-inf",
            "1e39",
            "-0",
            "65",
            "66",
            "\"",
            "#",
            "\r\n",
            "\u{feff}",
            "LUT_1D_SIZE",
            "3e38",
            "LUT_1D_INPUT_RANGE",
            "LUT_3D_INPUT_RANGE",
            "3DMESH",
            "Mesh 4 12",
            "65535",
            "SPILUT 1.0",
            "3 3",
            "{",
            "}",
            "Length",
            "From",
            "Components 3",
        ],
        "preset" => &[
            "nan",
            "inf",
            "-inf",
            "1e999",
            "-1",
            "4294967296",
            "[lut]",
            "file = \"/\"",
            "\"",
            "[budget]",
            "mode = \"adaptive\"",
            "tier = \"ultra\"",
            "[[bloom]]",
            "{}",
            "[]",
            "render_scale = 0",
            "window_frames = 0",
        ],
        _ => &[
            "#include \"include/0.wgsl\"",
            "#include \"include/1.wgsl\"",
            "#include \"main.wgsl\"",
            "\0",
            "#include",
            "\"",
            "../",
            "//",
            "/*",
            "\u{feff}",
            "\r\n",
            "#include \"\"",
        ],
    }
}

/// Coverage-blind mutation fuzzing of one parser inside the test binary: random byte flips,
/// interesting bytes, cut and duplicated ranges, spliced seeds and parser tokens, each input
/// checked with [`check_parser_properties`]. For machines where cargo-fuzz (nightly, an
/// instrumented build of every dependency) cannot run; crashing inputs are written to the
/// scratch folder and fail the test. Returns the number of inputs tried.
fn mutation_fuzz(target: &str, seconds: u64, seed: u64) -> u64 {
    let seeds = fuzz_seeds(target);
    assert!(!seeds.is_empty(), "{target}: no seeds");
    let tokens = fuzz_tokens(target);
    let mut rng = Rng(seed | 1);
    let start = std::time::Instant::now();
    let (mut tried, mut crashes) = (0u64, Vec::new());
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while start.elapsed().as_secs() < seconds && crashes.len() < 5 {
        let mut input = seeds[rng.below(seeds.len() as u64) as usize].clone();
        for _ in 0..=rng.below(8) {
            let len = input.len() as u64;
            let at = rng.below(len + 1) as usize;
            let byte = at.min(input.len().saturating_sub(1));
            const BYTES: &[u8] = b"\0\xff09 \n\"[]=#-.e";
            match rng.below(6) {
                0 if len > 0 => input[byte] ^= 1 << rng.below(8),
                1 if len > 0 => input[byte] = BYTES[rng.below(BYTES.len() as u64) as usize],
                2 => {
                    let end = (at + 1 + rng.below(64) as usize).min(input.len());
                    input.drain(at.min(end)..end);
                }
                3 => {
                    let end = (at + 1 + rng.below(256) as usize).min(input.len());
                    let copy = input[at.min(end)..end].to_vec();
                    let to = rng.below(input.len() as u64 + 1) as usize;
                    input.splice(to..to, copy);
                }
                4 => {
                    let other = &seeds[rng.below(seeds.len() as u64) as usize];
                    let from = rng.below(other.len() as u64 + 1) as usize;
                    let end = (from + rng.below(512) as usize).min(other.len());
                    input.splice(at..at, other[from..end].iter().copied());
                }
                _ => {
                    let token = tokens[rng.below(tokens.len() as u64) as usize];
                    input.splice(at..at, token.bytes());
                }
            }
        }
        tried += 1;
        let outcome = std::panic::catch_unwind(|| check_parser_properties(target, &input));
        if let Err(payload) = outcome {
            let what = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("fuzz-crash-{target}-{}", crashes.len()));
            std::fs::write(&path, &input).expect("save crash");
            crashes.push(format!("{}: {what}", path.display()));
        }
    }
    std::panic::set_hook(previous_hook);
    eprintln!(
        "mutation fuzz {target}: {tried} inputs in {:.0} s, {} crashes",
        start.elapsed().as_secs_f64(),
        crashes.len()
    );
    assert!(crashes.is_empty(), "{target}: {crashes:#?}");
    tried
}

/// A few seconds of each parser's mutation fuzzing in every `cargo test`; set
/// `AFTERLIGHT_FUZZ_SECONDS` (per parser), `AFTERLIGHT_FUZZ_TARGET` (one parser) and
/// `AFTERLIGHT_FUZZ_SEED` (another sequence of mutations) for long runs.
#[test]
fn parsers_keep_their_properties_under_mutation() {
    let seconds =
        std::env::var("AFTERLIGHT_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let only = std::env::var("AFTERLIGHT_FUZZ_TARGET").unwrap_or_default();
    let seed: u64 =
        std::env::var("AFTERLIGHT_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0xF022);
    for (i, target) in ["gltf_import", "cube_lut", "preset", "wgsl_include"].into_iter().enumerate()
    {
        if only.is_empty() || only == target {
            assert!(mutation_fuzz(target, seconds, seed + i as u64) > 0);
        }
    }
}

/// Runs the `afterlight` binary with `args` (no adapter filter from the environment).
fn afterlight_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_afterlight"))
        .args(args)
        .env_remove("AFTERLIGHT_ADAPTER")
        .env_remove("WGPU_ADAPTER_NAME")
        .output()
        .expect("run afterlight")
}

/// Checks that `args` fail with `expected` in the message and without a panic; `false` when
/// the command needed a GPU and there is none (the caller skips).
fn fails_with(args: &[&str], expected: &str) -> bool {
    let output = afterlight_cli(args);
    let err = String::from_utf8_lossy(&output.stderr);
    if !expected.contains("no GPU adapter") && crate::skip::binary_found_no_adapter(&err) {
        return false;
    }
    assert!(!output.status.success(), "`afterlight {}` should fail: {err}", args.join(" "));
    assert!(!err.contains("panicked"), "`afterlight {}` panicked: {err}", args.join(" "));
    assert!(
        err.contains(expected),
        "`afterlight {}`: expected {expected:?} in: {err}",
        args.join(" ")
    );
    true
}

/// Every command-line error path that `tests/integration/cli.rs` does not already check, each
/// with the message a user sees: files that are missing, unreadable, of the wrong kind or
/// unwritable, and arguments that cannot work together. The ones found before a GPU is needed
/// run everywhere; the others skip without an adapter.
#[test]
fn command_line_errors_say_what_is_wrong() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-errors");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let file = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write input");
        path.to_string_lossy().into_owned()
    };
    let text_as_hdr = file("notes.hdr", b"just some text, not radiance\n");
    let png = file("photo.png", &{
        let mut bytes = Vec::new();
        let image = image::RgbImage::from_pixel(8, 4, image::Rgb([200, 100, 50]));
        image
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .expect("encode PNG");
        bytes
    });
    let cut_hdr = file("cut.hdr", b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 8\n\x02\x02");
    let not_gltf = file("scene.glb", b"glTF\x02\x00\x00\x00 definitely not a container");
    let out = dir.join("out.png").to_string_lossy().into_owned();
    let no_folder = "/nonexistent-afterlight-dir/out.png";

    let before_gpu: &[(&[&str], &str)] = &[
        (&["preset", "/nonexistent/p.toml"], "cannot read preset /nonexistent/p.toml"),
        (
            &["render", "--preset", "/nonexistent/p.toml", "-o", &out],
            "cannot read preset /nonexistent/p.toml",
        ),
        (
            &["lut", "export", "--preset", "/nonexistent/p.toml", "-o", "x.cube"],
            "cannot read preset /nonexistent/p.toml",
        ),
        (
            &["lut", "export", "-o", "/nonexistent-afterlight-dir/x.cube"],
            "/nonexistent-afterlight-dir/x.cube",
        ),
        (&["render", &not_gltf, "-o", &out], "invalid glTF"),
        (
            &["render", "--background", "transparent", "--hdr-11-11-10", "-o", &out],
            "--background transparent needs alpha",
        ),
        (&["render", "--tone-mapper", "sepia", "-o", &out], "sepia"),
        (
            &["render", "--background", "1,2", "-o", &out],
            "expected environment, transparent or R,G,B",
        ),
        (&["quality", "--size", "0"], "--size 0 is outside 1..=1024"),
        (&["quality", "--only", "dof"], "dof"),
    ];
    for (args, expected) in before_gpu {
        assert!(fails_with(args, expected), "needs no GPU: `afterlight {}`", args.join(" "));
    }

    let env_reason = "not a Radiance .hdr or OpenEXR image";
    let with_gpu: &[(&[&str], &str)] = &[
        (
            &["render", "--size", "16x16", "--env", "/nonexistent/sky.hdr", "-o", &out],
            "cannot load environment /nonexistent/sky.hdr",
        ),
        (&["render", "--size", "16x16", "--env", &text_as_hdr, "-o", &out], env_reason),
        (&["render", "--size", "16x16", "--env", &png, "-o", &out], env_reason),
        (&["render", "--size", "16x16", "--env", &cut_hdr, "-o", &out], "cannot decode"),
        (
            &["render", "--size", "16x16", "-o", no_folder],
            "cannot write /nonexistent-afterlight-dir/out.png",
        ),
    ];
    for (args, expected) in with_gpu {
        if !fails_with(args, expected) {
            return;
        }
    }
}

/// libFuzzer (gltf_import, session 6): a finite node transform that carries a mesh beyond the
/// f32 range gave infinite scene bounds. The instance is now skipped with a warning naming it.
#[test]
fn a_transform_beyond_the_f32_range_skips_its_instance_with_a_warning() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions/gltf_import/unbounded_transform.glb");
    let bytes = std::fs::read(&path).expect("regression input");
    let scene = afterlight::scene::load_from_slice(&bytes, None).expect("imports");
    let b = &scene.bounds;
    assert!(b.is_empty() || (b.min.is_finite() && b.max.is_finite()), "{b:?}");
    let warning = scene.warnings.iter().find(|w| w.contains("beyond the f32 range"));
    assert!(warning.is_some_and(|w| w.starts_with("node `")), "{:?}", scene.warnings);
}

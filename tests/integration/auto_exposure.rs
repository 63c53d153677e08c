//! The GPU auto exposure (`src/post/exposure.rs`, `shaders/post/exposure.wgsl`) against physics and
//! its CPU reference: a uniform image meters to `EV100 = log2(L · 100 / 12.5)`, percentile
//! clipping matches `reference_target_ev100`, adaptation moves at exactly `speed · dt`, the
//! clamps, compensation and metering masks do what they say, bad texels never reach the state,
//! and the fixed modes write the fixed state. The state buffer is read back after each submit
//! (fine in a test; the pass itself never reads back).

use crate::common;

use afterlight::gpu::{Gpu, f16_to_f32};
use afterlight::post::Tier;
use afterlight::post::exposure::{
    ExposureMode, ExposurePass, ExposureSettings, MeteringMask, reference_target_ev100,
};

/// `log2(100 / 12.5)`.
const LOG2_METER: f32 = 3.0;

/// The state buffer, as the shader writes it.
#[derive(Clone, Copy, Debug)]
struct State {
    multiplier: f32,
    ev100: f32,
    target_ev100: f32,
    average_log2_luminance: f32,
}

impl State {
    fn is_finite(&self) -> bool {
        [self.multiplier, self.ev100, self.target_ev100, self.average_log2_luminance]
            .iter()
            .all(|v| v.is_finite())
    }
}

/// `1 / (1.2 · 2^ev)`.
fn exposure(ev100: f32) -> f32 {
    1.0 / (1.2 * ev100.exp2())
}

/// Width of one histogram bin of `settings` (bins 1.. split the log2 range evenly).
fn bin_width(settings: &ExposureSettings) -> f32 {
    let bins = match settings.tier {
        Tier::Low => 64.0,
        Tier::Medium => 128.0,
        _ => 256.0,
    };
    (settings.max_log2_luminance - settings.min_log2_luminance) / (bins - 1.0)
}

/// Rec.709 luminance of an RGB colour as the GPU sees it (after the half-float upload).
fn stored_luminance(rgb: [f32; 3]) -> f32 {
    let h = |v: f32| f16_to_f32(common::f32_to_f16(v)).max(0.0);
    0.2126 * h(rgb[0]) + 0.7152 * h(rgb[1]) + 0.0722 * h(rgb[2])
}

/// A test image: pre-exposed RGB per pixel, row by row.
struct Image {
    width: u32,
    height: u32,
    pixels: Vec<[f32; 3]>,
}

impl Image {
    /// An image whose pixel (x, y) has grey scene luminance `scene(x, y)`, pre-exposed by `p`.
    fn grey(width: u32, height: u32, p: f32, scene: impl Fn(u32, u32) -> f32) -> Self {
        let pixels = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| [scene(x, y) * p; 3])
            .collect();
        Self { width, height, pixels }
    }

    /// Scene luminance (stored luminance / p) of every pixel, row by row.
    fn scene_luminance(&self, p: f32) -> Vec<f32> {
        self.pixels
            .iter()
            .map(|&rgb| {
                if rgb.iter().all(|v| v.is_finite()) { stored_luminance(rgb) / p } else { f32::NAN }
            })
            .collect()
    }

    fn upload(&self, gpu: &Gpu) -> wgpu::TextureView {
        let texels: Vec<u16> = self
            .pixels
            .iter()
            .flat_map(|&[r, g, b]| [r, g, b, 1.0].map(common::f32_to_f16))
            .collect();
        let size =
            wgpu::Extent3d { width: self.width, height: self.height, depth_or_array_layers: 1 };
        let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("test.hdr"),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba16Float,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        gpu.queue.write_texture(
            texture.as_image_copy(),
            bytemuck::cast_slice(&texels),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(self.width * 8),
                rows_per_image: Some(self.height),
            },
            size,
        );
        texture.create_view(&Default::default())
    }
}

/// A reverse-Z depth texture: 0 (background) everywhere except `rect` (x0, y0, x1, y1), where
/// geometry at depth 0.5 was drawn. Depth32Float cannot be a copy destination, so it is drawn.
fn depth_texture(
    gpu: &Gpu,
    width: u32,
    height: u32,
    rect: (u32, u32, u32, u32),
) -> wgpu::TextureView {
    let device = &gpu.device;
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("test.depth"),
        size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Depth32Float,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        view_formats: &[],
    });
    let view = texture.create_view(&Default::default());
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("test.depth"),
        source: wgpu::ShaderSource::Wgsl(
            "@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
                let p = vec2f(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0;
                return vec4f(p, 0.5, 1.0);
            }"
            .into(),
        ),
    });
    let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("test.depth"),
        layout: None,
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: Default::default(),
        depth_stencil: Some(wgpu::DepthStencilState {
            format: wgpu::TextureFormat::Depth32Float,
            depth_write_enabled: Some(true),
            depth_compare: Some(wgpu::CompareFunction::Always),
            stencil: Default::default(),
            bias: Default::default(),
        }),
        multisample: Default::default(),
        fragment: None,
        multiview_mask: None,
        cache: None,
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("test.depth"),
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &view,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(0.0),
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            ..Default::default()
        });
        pass.set_pipeline(&pipeline);
        pass.set_scissor_rect(rect.0, rect.1, rect.2 - rect.0, rect.3 - rect.1);
        pass.draw(0..3, 0..1);
    }
    gpu.queue.submit([encoder.finish()]);
    view
}

/// A GPU, the pass, and a readback buffer for the state.
struct Rig {
    gpu: Gpu,
    pass: ExposurePass,
    readback: wgpu::Buffer,
}

impl Rig {
    fn new() -> Option<Self> {
        Some(Self::on(common::gpu()?))
    }

    /// The rig on `gpu` (a WebGL2-level device meters by the fragment path).
    fn on(gpu: Gpu) -> Self {
        let pass = ExposurePass::new(&gpu.device).expect("exposure pass builds");
        let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("test.exposure_state"),
            size: 16,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        Self { gpu, pass, readback }
    }

    /// One dispatch in its own submission, then the state read back.
    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &mut self,
        hdr: &wgpu::TextureView,
        depth: Option<&wgpu::TextureView>,
        size: (u32, u32),
        settings: &ExposureSettings,
        pre_exposure: f32,
        fixed_ev100: f32,
        dt: f32,
    ) -> State {
        let device = &self.gpu.device;
        let mut encoder = device.create_command_encoder(&Default::default());
        self.pass.dispatch(
            device,
            &self.gpu.queue,
            &mut encoder,
            hdr,
            depth,
            size,
            settings,
            pre_exposure,
            fixed_ev100,
            dt,
        );
        encoder.copy_buffer_to_buffer(self.pass.state_buffer(), 0, &self.readback, 0, 16);
        self.gpu.queue.submit([encoder.finish()]);
        self.pass.frame_submitted();
        let slice = self.readback.slice(..);
        let (sender, receiver) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = sender.send(r);
        });
        device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
        receiver.recv().expect("map callback").expect("map");
        let v: Vec<f32> = bytemuck::cast_slice(&slice.get_mapped_range().expect("mapped")).to_vec();
        self.readback.unmap();
        State { multiplier: v[0], ev100: v[1], target_ev100: v[2], average_log2_luminance: v[3] }
    }

    /// A reset then an automatic dispatch of `image`.
    fn meter(&mut self, image: &Image, settings: &ExposureSettings, p: f32) -> State {
        let view = image.upload(&self.gpu);
        self.pass.reset();
        self.dispatch(&view, None, (image.width, image.height), settings, p, 0.0, 0.016)
    }
}

/// Every image and setting [`the_fragment_path_meters_what_the_compute_histogram_meters`]
/// compares: uniform, clipped, masked, black and broken images, at each tier.
fn metering_cases() -> Vec<(&'static str, Image, ExposureSettings, f32)> {
    let p = 2.0;
    let clipped = clipped_image(p);
    let mut broken = Image::grey(32, 32, p, |x, _| 0.5 + x as f32);
    for (i, pixel) in broken.pixels.iter_mut().enumerate() {
        match i % 7 {
            0 => *pixel = [f32::NAN, 0.5, 0.5],
            1 => *pixel = [f32::INFINITY; 3],
            2 => *pixel = [-1.0; 3],
            _ => {}
        }
    }
    let mut cases = vec![
        ("uniform dim", Image::grey(40, 24, p, |_, _| 0.3), average(), p),
        ("uniform bright", Image::grey(40, 24, 0.01, |_, _| 16384.0), average(), 0.01),
        ("black", Image::grey(16, 16, p, |_, _| 0.0), average(), p),
        ("NaN, infinite, negative", broken, average(), p),
    ];
    for settings in clipping_matrix() {
        let image = Image { pixels: clipped.pixels.clone(), ..clipped };
        cases.push(("clipped", image, ExposureSettings { compensation: 0.5, ..settings }, p));
    }
    cases
}

/// Half very dark, half bright, with a small very bright area (2 % of the image).
fn clipped_image(p: f32) -> Image {
    Image::grey(64, 48, p, |x, y| {
        if (28..36).contains(&x) && (20..28).contains(&y) {
            4096.0
        } else if y < 24 {
            0.01 + 0.0005 * x as f32
        } else {
            3.0 + 0.05 * (x + y) as f32
        }
    })
}

/// Percentile clippings x metering masks x tiers, in that order of nesting.
fn clipping_matrix() -> Vec<ExposureSettings> {
    let mut matrix = Vec::new();
    for (low_percent, high_percent) in [(10.0, 5.0), (0.0, 0.0), (30.0, 10.0), (49.0, 49.0)] {
        for metering in [MeteringMask::Average, MeteringMask::CentreWeighted, MeteringMask::Spot] {
            for tier in [Tier::High, Tier::Medium, Tier::Low] {
                let settings = ExposureSettings {
                    low_percent,
                    high_percent,
                    metering,
                    tier,
                    ..ExposureSettings::AUTO
                };
                matrix.push(settings);
            }
        }
    }
    matrix
}

/// Automatic exposure on a device without compute or storage (WebGL2 level): the fragment
/// path's samples, read back and ranked on the CPU, meter the same target as the compute
/// histogram, to 0.001 EV (both bin the same samples with the same integer weights; only the
/// float order of the ranking differs), for every image of [`metering_cases`], Foreground
/// metering with a depth buffer included. The first frame after a reset shows the metered
/// (fixed) exposure while the samples travel back; the next one has snapped to the target.
#[test]
fn the_fragment_path_meters_what_the_compute_histogram_meters() {
    let Some(mut full) = Rig::new() else { return };
    let low = Gpu::new(&afterlight::gpu::GpuOptions {
        downlevel: Some(afterlight::gpu::DownlevelRequest::WebGl2),
        ..Default::default()
    })
    .expect("a WebGL2-level device");
    let mut low = Rig::on(low);
    assert!(
        low.pass.metering_path().starts_with("fragment samples"),
        "{}",
        low.pass.metering_path()
    );
    assert!(full.pass.metering_path().starts_with("GPU histogram"));
    let mut worst = 0.0f32;
    for (name, image, settings, p) in metering_cases() {
        let size = (image.width, image.height);
        let full_view = image.upload(&full.gpu);
        full.pass.reset();
        let expected = full.dispatch(&full_view, None, size, &settings, p, 4.0, 0.0);
        let low_view = image.upload(&low.gpu);
        low.pass.reset();
        let first = low.dispatch(&low_view, None, size, &settings, p, 4.0, 0.0);
        assert_eq!(first.ev100, 4.0 - settings.compensation, "{name}: the metered stand-in");
        let state = low.dispatch(&low_view, None, size, &settings, p, 4.0, 0.0);
        assert!(state.is_finite(), "{name}: {state:?}");
        let off = (state.target_ev100 - expected.target_ev100).abs();
        worst = worst.max(off);
        assert!(
            off <= 1e-3 && (state.ev100 - expected.ev100).abs() <= 1e-3,
            "{name} {settings:?}: fragment path {state:?}, compute {expected:?}"
        );
        let relative = (state.multiplier / expected.multiplier - 1.0).abs();
        assert!(relative < 1e-3, "{name}: {state:?} vs {expected:?}");
    }
    // Foreground metering reads the depth buffer on both paths.
    let rect = (8, 40, 24, 56);
    let inside = |x: u32, y: u32| (rect.0..rect.2).contains(&x) && (rect.1..rect.3).contains(&y);
    let product = Image::grey(64, 64, 1.0, |x, y| if inside(x, y) { 8.0 } else { 1024.0 });
    let foreground =
        ExposureSettings { metering: MeteringMask::Foreground, ..ExposureSettings::AUTO };
    let mut metered = Vec::new();
    for rig in [&mut full, &mut low] {
        let depth = depth_texture(&rig.gpu, 64, 64, rect);
        let view = product.upload(&rig.gpu);
        rig.pass.reset();
        rig.dispatch(&view, Some(&depth), (64, 64), &foreground, 1.0, 0.0, 0.0);
        metered.push(rig.dispatch(&view, Some(&depth), (64, 64), &foreground, 1.0, 0.0, 0.0));
    }
    assert!((metered[0].ev100 - (3.0 + LOG2_METER)).abs() <= bin_width(&foreground));
    assert!((metered[0].ev100 - metered[1].ev100).abs() <= 1e-3, "{metered:?}");
    eprintln!("fragment path vs compute histogram: worst target difference {worst:.6} EV");
}

/// The fragment path adapts on the CPU at the set speeds, a frame behind the compute path
/// (the samples' readback): toward a brighter scene it moves `speed_brighten · dt` per frame
/// and stops on the target.
#[test]
fn the_fragment_path_adapts_at_the_set_speed() {
    if common::gpu().is_none() {
        return;
    }
    let low = Gpu::new(&afterlight::gpu::GpuOptions {
        downlevel: Some(afterlight::gpu::DownlevelRequest::WebGl2),
        ..Default::default()
    })
    .expect("a WebGL2-level device");
    let mut rig = Rig::on(low);
    let p = 0.5;
    let settings = ExposureSettings {
        speed_brighten: 2.0,
        speed_darken: 1.0,
        metering: MeteringMask::Average,
        ..ExposureSettings::AUTO
    };
    let size = (32, 32);
    let dark = Image::grey(32, 32, p, |_, _| 0.3).upload(&rig.gpu);
    let bright = Image::grey(32, 32, p, |_, _| 64.0).upload(&rig.gpu);
    rig.pass.reset();
    rig.dispatch(&dark, None, size, &settings, p, 0.0, 0.25);
    let start = rig.dispatch(&dark, None, size, &settings, p, 0.0, 0.25);
    assert_eq!(start.ev100, start.target_ev100, "snapped to the dark scene");
    // The first bright frame still adapts to the dark samples (they were in flight).
    let lagging = rig.dispatch(&bright, None, size, &settings, p, 0.0, 0.25);
    assert_eq!(lagging.ev100, start.ev100);
    let mut ev = start.ev100;
    let mut goal = f32::INFINITY;
    for step in 0..40 {
        let state = rig.dispatch(&bright, None, size, &settings, p, 0.0, 0.25);
        goal = state.target_ev100;
        let expected = (ev + 0.5).min(goal);
        assert!((state.ev100 - expected).abs() < 1e-4, "step {step}: {state:?} vs {expected}");
        ev = state.ev100;
        if ev >= goal {
            break;
        }
    }
    assert!(goal - start.ev100 > 7.5 && ev == goal, "{} -> {ev}, goal {goal}", start.ev100);
}

fn average() -> ExposureSettings {
    ExposureSettings { metering: MeteringMask::Average, ..ExposureSettings::AUTO }
}

/// A uniform image of scene luminance L meters at EV100 = log2(L · 100 / 12.5) within a bin,
/// for L over 14 stops and a pre-exposure p ≠ 1, and the finished luminance
/// `multiplier · L · p = exposure(EV100) · L` is `12.5 / (1.2 · 100) = 1 / 9.6` within a bin.
#[test]
fn uniform_image_meters_to_mid_grey() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 0.25;
    for settings in [average(), ExposureSettings { tier: Tier::Low, ..ExposureSettings::AUTO }] {
        let w = bin_width(&settings);
        for k in -4..=10 {
            let l = 0.3 * 2f32.powi(k);
            let image = Image::grey(40, 24, p, |_, _| l);
            let l = image.scene_luminance(p)[0];
            let state = rig.meter(&image, &settings, p);
            let expected = (l * 100.0 / 12.5).log2();
            assert!(
                (state.ev100 - expected).abs() <= w,
                "L {l} ({:?}): EV100 {} expected {expected} ± {w}",
                settings.tier,
                state.ev100
            );
            assert_eq!(state.ev100, state.target_ev100, "a reset snaps to the target");
            assert!((state.average_log2_luminance - l.log2()).abs() <= w, "{state:?}");
            let relative = (state.multiplier / (exposure(state.ev100) / p) - 1.0).abs();
            assert!(relative < 1e-5, "multiplier {state:?}");
            let finished = state.multiplier * l * p;
            assert!(
                (finished * 9.6).log2().abs() <= w,
                "L {l}: finished luminance {finished}, expected {} within a bin",
                1.0 / 9.6
            );
        }
    }
}

/// A half very dark image with a small very bright area: the GPU matches the CPU reference
/// within one bin for several percentile settings, masks and tiers, and the clipping matters.
#[test]
fn percentile_clipping_matches_the_reference() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 2.0;
    let image = clipped_image(p);
    let (width, height) = (image.width, image.height);
    let luminance = image.scene_luminance(p);
    let mut results = Vec::new();
    for settings in clipping_matrix() {
        let stride = match settings.tier {
            Tier::Low => 4,
            Tier::Medium => 3,
            Tier::High => 2,
            _ => 1,
        };
        let (mut sampled, mut weights) = (Vec::new(), Vec::new());
        for y in (stride / 2..height).step_by(stride as usize) {
            for x in (stride / 2..width).step_by(stride as usize) {
                sampled.push(luminance[(y * width + x) as usize]);
                weights.push(settings.metering.weight(x, y, (width, height), false));
            }
        }
        let reference = reference_target_ev100(&sampled, &weights, &settings);
        let state = rig.meter(&image, &settings, p);
        let w = bin_width(&settings);
        assert!(
            (state.target_ev100 - reference).abs() <= w,
            "{settings:?}: GPU {} CPU {reference}",
            state.target_ev100
        );
        if settings.metering == MeteringMask::Average && settings.tier == Tier::High {
            results.push(reference);
        }
    }
    // The clipping matters: dropping the darkest 30% and the brightest 10% meters over a stop
    // brighter than no clipping at all.
    assert!(results[2] - results[1] > 1.0, "{results:?}");
}

/// The tier ladder on real light: the two HDR photographs in `../shared/hdr` (every 4th texel
/// of the 1k equirect, 256x128), metered at each tier with centre-weighted and average masks.
/// Ultra samples every pixel; High (every 2nd pixel per axis, a quarter of the reads) lands
/// within one of its bins (0.094 EV) of Ultra's target, and every lower tier within its own
/// bin width plus Ultra's of Ultra (sampling 1 in 9 or 1 in 16 pixels of a real image).
#[test]
fn each_tier_meters_real_photographs_close_to_every_pixel() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 0.5;
    for name in ["royal_esplanade_1k.hdr", "spiaggia_di_mondello_1k.hdr"] {
        let path = common::shared_file(&format!("hdr/{name}"))
            .unwrap_or_else(|| panic!("../shared/hdr/{name} is missing"));
        let photo = image::open(&path).unwrap_or_else(|e| panic!("{name}: {e}")).into_rgb32f();
        let (width, height) = (photo.width() / 4, photo.height() / 4);
        let pixels = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| photo.get_pixel(x * 4 + 1, y * 4 + 1).0.map(|v| v * p))
            .collect();
        let image = Image { width, height, pixels };
        for metering in [MeteringMask::CentreWeighted, MeteringMask::Average] {
            let at = |tier| ExposureSettings { metering, tier, ..ExposureSettings::AUTO };
            let ultra = rig.meter(&image, &at(Tier::Ultra), p).target_ev100;
            let mut line = format!("{name} {metering:?}: ultra {ultra:.3} EV100");
            for tier in [Tier::High, Tier::Medium, Tier::Low] {
                let settings = at(tier);
                let got = rig.meter(&image, &settings, p).target_ev100;
                line += &format!(", {tier:?} {:+.3}", got - ultra);
                let allowed = match tier {
                    Tier::High => bin_width(&settings),
                    _ => bin_width(&settings) + bin_width(&at(Tier::Ultra)),
                };
                assert!(
                    (got - ultra).abs() <= allowed,
                    "{name} {metering:?} {tier:?}: {got} against ultra's {ultra} (allowed {allowed})"
                );
            }
            println!("{line}");
        }
    }
}

/// speed_brighten 2 EV/s at dt 0.25 s moves exactly 0.5 EV per dispatch toward a brighter
/// scene and stops on the target; a darker scene uses speed_darken.
#[test]
fn adaptation_moves_at_the_set_speed_without_overshoot() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 0.5;
    let settings = ExposureSettings {
        speed_brighten: 2.0,
        speed_darken: 1.0,
        metering: MeteringMask::Average,
        ..ExposureSettings::AUTO
    };
    let dark = Image::grey(32, 32, p, |_, _| 0.3);
    let bright = Image::grey(32, 32, p, |_, _| 64.0);
    let size = (32, 32);
    let (dark_view, bright_view) = (dark.upload(&rig.gpu), bright.upload(&rig.gpu));
    rig.pass.reset();
    let start = rig.dispatch(&dark_view, None, size, &settings, p, 0.0, 0.25).ev100;
    let target = rig.dispatch(&bright_view, None, size, &settings, p, 0.0, 0.0);
    assert_eq!(target.ev100, start, "dt 0 does not move");
    let goal = target.target_ev100;
    assert!(goal - start > 7.5, "{start} -> {goal}");
    let mut ev = start;
    let mut steps = 0;
    while ev < goal {
        let state = rig.dispatch(&bright_view, None, size, &settings, p, 0.0, 0.25);
        let expected = (ev + 0.5).min(goal);
        assert!(
            (state.ev100 - expected).abs() < 1e-4,
            "step {steps}: {} vs {expected}",
            state.ev100
        );
        assert!(state.ev100 <= goal, "overshoot");
        let relative = (state.multiplier / (exposure(state.ev100) / p) - 1.0).abs();
        assert!(relative < 1e-5, "{state:?}");
        ev = state.ev100;
        steps += 1;
        assert!(steps <= 20, "never arrives");
    }
    assert_eq!(steps, ((goal - start) / 0.5).ceil() as i32);
    // Back to the dark scene: 1 EV/s · 0.25 s per dispatch.
    for _ in 0..3 {
        let state = rig.dispatch(&dark_view, None, size, &settings, p, 0.0, 0.25);
        assert!((state.ev100 - (ev - 0.25)).abs() < 1e-4, "{} vs {}", state.ev100, ev - 0.25);
        ev = state.ev100;
    }
    // A reset snaps.
    rig.pass.reset();
    let state = rig.dispatch(&dark_view, None, size, &settings, p, 0.0, 0.25);
    assert!((state.ev100 - start).abs() < 1e-4, "{} vs {start}", state.ev100);
}

/// The metered EV is clamped to [min_ev100, max_ev100]; compensation then lowers the target
/// by exactly its EV (positive compensation brightens).
#[test]
fn clamps_and_compensation() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 0.01;
    let bright = Image::grey(16, 16, p, |_, _| 16384.0); // EV100 17
    let dark = Image::grey(16, 16, p, |_, _| 1.0 / 128.0); // EV100 -4
    let base = average();
    let free = rig.meter(&bright, &base, p).ev100;
    assert!((free - 17.0).abs() <= bin_width(&base), "{free}");
    let capped = ExposureSettings { max_ev100: 12.0, ..base };
    assert_eq!(rig.meter(&bright, &capped, p).ev100, 12.0);
    let floored = ExposureSettings { min_ev100: -2.0, ..base };
    assert_eq!(rig.meter(&dark, &floored, p).ev100, -2.0);
    let unclamped = rig.meter(&dark, &base, p).ev100;
    assert!((unclamped + 4.0).abs() <= bin_width(&base), "{unclamped}");
    for compensation in [1.5, -2.25] {
        let state = rig.meter(&bright, &ExposureSettings { compensation, ..base }, p);
        assert!((state.ev100 - (free - compensation)).abs() < 1e-4, "{state:?}");
        let relative = (state.multiplier / (exposure(state.ev100) / p) - 1.0).abs();
        assert!(relative < 1e-5, "{state:?}");
        // After the clamp.
        let state = rig.meter(&bright, &ExposureSettings { compensation, ..capped }, p);
        assert!((state.ev100 - (12.0 - compensation)).abs() < 1e-4, "{state:?}");
    }
}

/// Spot meters only the centre; Foreground only the pixels with depth ≠ 0, and falls back to
/// Average without a depth buffer.
#[test]
fn metering_masks() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 1.0;
    let (width, height) = (64, 64);
    let size = (width, height);
    // A bright 16x16 square in the centre (covers the spot's 6.4 px radius), dark elsewhere.
    let spot_image = Image::grey(width, height, p, |x, y| {
        if (24..40).contains(&x) && (24..40).contains(&y) { 256.0 } else { 1.0 / 16.0 }
    });
    let spot = ExposureSettings { metering: MeteringMask::Spot, ..ExposureSettings::AUTO };
    let w = bin_width(&spot);
    let ev = rig.meter(&spot_image, &spot, p).ev100;
    assert!((ev - (8.0 + LOG2_METER)).abs() <= w, "spot {ev}");
    let ev = rig.meter(&spot_image, &average(), p).ev100;
    assert!(ev < 3.0, "average meters the dark surround: {ev}");

    // The product (geometry) is in a corner, the backdrop much brighter.
    let rect = (8, 40, 24, 56);
    let inside = |x: u32, y: u32| (rect.0..rect.2).contains(&x) && (rect.1..rect.3).contains(&y);
    let product = Image::grey(width, height, p, |x, y| if inside(x, y) { 8.0 } else { 1024.0 });
    let depth = depth_texture(&rig.gpu, width, height, rect);
    let view = product.upload(&rig.gpu);
    let foreground =
        ExposureSettings { metering: MeteringMask::Foreground, ..ExposureSettings::AUTO };
    assert!(ExposurePass::needs_depth(&foreground));
    assert!(!ExposurePass::needs_depth(&average()));
    rig.pass.reset();
    let state = rig.dispatch(&view, Some(&depth), size, &foreground, p, 0.0, 0.0);
    assert!((state.ev100 - (3.0 + LOG2_METER)).abs() <= w, "foreground {state:?}");
    let luminance = product.scene_luminance(p);
    let weights: Vec<f32> = (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .map(|(x, y)| MeteringMask::Foreground.weight(x, y, size, inside(x, y)))
        .collect();
    let reference = reference_target_ev100(&luminance, &weights, &foreground);
    assert!((state.ev100 - reference).abs() <= w, "{state:?} vs {reference}");
    // A half-resolution depth buffer maps onto the full-resolution image.
    let half_depth = depth_texture(&rig.gpu, 32, 32, (4, 20, 12, 28));
    rig.pass.reset();
    let state = rig.dispatch(&view, Some(&half_depth), size, &foreground, p, 0.0, 0.0);
    assert!((state.ev100 - (3.0 + LOG2_METER)).abs() <= w, "half-res depth {state:?}");
    // Without depth: Average.
    rig.pass.reset();
    let fallback = rig.dispatch(&view, None, size, &foreground, p, 0.0, 0.0);
    let averaged = rig.meter(&product, &average(), p);
    assert_eq!(fallback.ev100, averaged.ev100);
}

/// NaN, infinite, negative and zero texels never make the state NaN; an all-black image gives
/// min_ev100 and a finite multiplier; an image with nothing to meter holds the exposure.
#[test]
fn bad_texels_and_black() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 0.5;
    let settings = average();
    let (width, height) = (32u32, 32u32);
    let mut mixed = Image::grey(width, height, p, |_, _| 1.0);
    for (i, pixel) in mixed.pixels.iter_mut().enumerate() {
        *pixel = match i % 8 {
            0 => [f32::NAN, 0.5, 0.5],
            1 => [f32::INFINITY; 3],
            2 => [0.5, f32::NEG_INFINITY, 0.5],
            3 => [0.0; 3],
            4 => [-1.0, -1.0, -1.0],
            _ => *pixel,
        };
    }
    let state = rig.meter(&mixed, &settings, p);
    assert!(state.is_finite(), "{state:?}");
    // Zeros and negatives are black (ranked, no luminance); the rest is L = 1.
    assert!((state.ev100 - LOG2_METER).abs() <= bin_width(&settings), "{state:?}");
    let reference = reference_target_ev100(&mixed.scene_luminance(p), &[], &settings);
    assert!((state.ev100 - reference).abs() <= bin_width(&settings), "{reference}");

    let black = Image::grey(width, height, p, |_, _| 0.0);
    let state = rig.meter(&black, &settings, p);
    assert!(state.is_finite(), "{state:?}");
    assert_eq!(state.ev100, settings.min_ev100);
    assert_eq!(state.target_ev100, settings.min_ev100);
    let relative = (state.multiplier / (exposure(settings.min_ev100) / p) - 1.0).abs();
    assert!(relative < 1e-5, "{state:?}");

    // All NaN after a reset: nothing metered, min_ev100. Without a reset: the exposure holds.
    let nan = Image { width, height, pixels: vec![[f32::NAN; 3]; (width * height) as usize] };
    let state = rig.meter(&nan, &settings, p);
    assert!(state.is_finite(), "{state:?}");
    assert_eq!(state.ev100, settings.min_ev100);
    let grey = rig.meter(&Image::grey(width, height, p, |_, _| 1.0), &settings, p);
    let view = nan.upload(&rig.gpu);
    let held = rig.dispatch(&view, None, (width, height), &settings, p, 0.0, 1.0);
    assert!(held.is_finite(), "{held:?}");
    assert_eq!(held.ev100, grey.ev100);
    assert_eq!(held.target_ev100, grey.target_ev100);

    // Non-finite arguments are sanitised, never propagated.
    let view = Image::grey(width, height, p, |_, _| 1.0).upload(&rig.gpu);
    let state =
        rig.dispatch(&view, None, (width, height), &settings, f32::NAN, f32::NAN, f32::INFINITY);
    assert!(state.is_finite(), "{state:?}");
    let bad = ExposureSettings { compensation: f32::NAN, min_ev100: f32::INFINITY, ..settings };
    rig.pass.reset();
    let state = rig.dispatch(&view, None, (width, height), &bad, p, 0.0, 0.1);
    assert!(state.is_finite(), "{state:?}");
}

/// Manual and Camera write the fixed state, with Camera's EV100 = log2(N² / t · 100 / S);
/// Automatic at tier Off uses the fixed EV too.
#[test]
fn fixed_modes_write_the_fixed_state() {
    let Some(mut rig) = Rig::new() else { return };
    let p = 0.125;
    let view = Image::grey(16, 16, p, |_, _| 1000.0).upload(&rig.gpu);
    let check = |state: State, ev: f32| {
        assert_eq!(state.ev100, ev);
        assert_eq!(state.target_ev100, ev);
        assert_eq!(state.average_log2_luminance, ev - LOG2_METER);
        let relative = (state.multiplier / (exposure(ev) / p) - 1.0).abs();
        assert!(relative < 1e-6, "{state:?}");
    };
    let indoor = ExposureSettings::INDOOR;
    assert_eq!(indoor.mode, ExposureMode::Manual);
    let ev = indoor.fixed_ev100().expect("manual is fixed");
    assert_eq!(ev, 7.0);
    check(rig.dispatch(&view, None, (16, 16), &indoor, p, ev, 0.1), ev);

    let camera = ExposureSettings {
        mode: ExposureMode::Camera,
        aperture: 16.0,
        shutter_seconds: 1.0 / 125.0,
        iso: 100.0,
        ..Default::default()
    };
    let ev = camera.fixed_ev100().expect("camera is fixed");
    assert!((ev - (256.0f32 * 125.0).log2()).abs() < 1e-4, "sunny 16: {ev}");
    let f2 = ExposureSettings { aperture: 2.0, shutter_seconds: 0.5, iso: 400.0, ..camera };
    assert!((f2.fixed_ev100().expect("fixed") - 1.0).abs() < 1e-5, "log2(4 / 0.5 / 4) = 1");
    check(rig.dispatch(&view, None, (16, 16), &camera, p, ev, 0.1), ev);

    assert_eq!(ExposureSettings::default().fixed_ev100(), None);
    let off = ExposureSettings { tier: Tier::Off, ..ExposureSettings::AUTO };
    assert!(!ExposurePass::needs_depth(&ExposureSettings {
        tier: Tier::Off,
        ..ExposureSettings::AUTO_PRODUCT
    }));
    check(rig.dispatch(&view, None, (16, 16), &off, p, 5.5, 0.1), 5.5);

    // Automatic adapts from the fixed EV rather than jumping (no reset).
    let auto = ExposureSettings { speed_brighten: 1.0, ..average() };
    let state = rig.dispatch(&view, None, (16, 16), &auto, p, 0.0, 0.5);
    assert!((state.ev100 - 6.0).abs() < 1e-4, "{state:?}");
}

/// `validated` clamps every bad value and names each field it changed; presets are valid;
/// serde uses snake_case and rejects unknown fields.
#[test]
fn validated_clamps_and_names_fields() {
    for preset in
        [ExposureSettings::default(), ExposureSettings::INDOOR, ExposureSettings::AUTO_PRODUCT]
    {
        let (same, warnings) = preset.validated();
        assert_eq!(same, preset);
        assert!(warnings.is_empty(), "{warnings:?}");
    }
    assert_eq!(ExposureSettings::AUTO_PRODUCT.metering, MeteringMask::Foreground);
    assert_eq!(ExposureSettings::AUTO_PRODUCT.mode, ExposureMode::Automatic);

    let bad = ExposureSettings {
        ev100: 99.0,
        aperture: f32::NAN,
        shutter_seconds: 0.0,
        iso: 1e9,
        compensation: -20.0,
        min_log2_luminance: -100.0,
        max_log2_luminance: -50.0,
        min_ev100: 5.0,
        max_ev100: 2.0,
        low_percent: 80.0,
        high_percent: -1.0,
        speed_brighten: f32::INFINITY,
        speed_darken: -3.0,
        ..Default::default()
    };
    let (fixed, warnings) = bad.validated();
    let expect = [
        ("ev100", "99", fixed.ev100, 20.0),
        ("aperture", "NaN", fixed.aperture, 16.0),
        ("shutter_seconds", "0", fixed.shutter_seconds, 1.0 / 8000.0),
        ("iso", "1000000000", fixed.iso, 12800.0),
        ("compensation", "-20", fixed.compensation, -10.0),
        ("min_log2_luminance", "-100", fixed.min_log2_luminance, -20.0),
        ("max_log2_luminance", "-50", fixed.max_log2_luminance, -19.0),
        ("min_ev100", "", fixed.min_ev100, 5.0),
        ("max_ev100", "2", fixed.max_ev100, 5.0),
        ("low_percent", "80", fixed.low_percent, 49.0),
        ("high_percent", "-1", fixed.high_percent, 0.0),
        ("speed_brighten", "inf", fixed.speed_brighten, 3.0),
        ("speed_darken", "-3", fixed.speed_darken, 0.0),
    ];
    for (field, bad_value, got, want) in expect {
        assert_eq!(got, want, "{field}");
        let name = format!("exposure.{field} ");
        let warning = warnings.iter().find(|w| w.starts_with(&name));
        if bad_value.is_empty() {
            assert!(warning.is_none(), "{field} was valid: {warnings:?}");
            continue;
        }
        let warning = warning.unwrap_or_else(|| panic!("no warning for {field}: {warnings:?}"));
        assert!(warning.contains(bad_value), "{warning}");
        assert!(warning.contains(&want.to_string()), "{warning}");
    }
    assert_eq!(warnings.len(), 12, "{warnings:#?}");
    let (again, none) = fixed.validated();
    assert_eq!(again, fixed);
    assert!(none.is_empty(), "{none:?}");

    let parsed: ExposureSettings = toml::from_str(
        "mode = \"camera\"\nmetering = \"centre_weighted\"\ntier = \"low\"\niso = 400.0\n",
    )
    .expect("parses");
    assert_eq!(parsed.mode, ExposureMode::Camera);
    assert_eq!(parsed.tier, Tier::Low);
    assert_eq!(parsed.iso, 400.0);
    assert_eq!(parsed.aperture, ExposureSettings::default().aperture);
    let foreground: ExposureSettings = toml::from_str("metering = \"foreground\"").expect("parses");
    assert_eq!(foreground.metering, MeteringMask::Foreground);
    assert!(toml::from_str::<ExposureSettings>("speed = 3.0").is_err(), "unknown field");
    assert!(toml::from_str::<ExposureSettings>("mode = \"Automatic\"").is_err(), "snake_case");
}

//! The `afterlight` command line: `info` reports adapters, `render` draws a scene to PNG or EXR,
//! `preset` prints a preset fully resolved, `lut export` writes a preset's grade as a `.cube`,
//! `quality` measures passes against their references, `bench` benchmarks passes (or traces the
//! budget governor).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use afterlight::Error;
use afterlight::bench::{MAX_FRAMES_IN_FLIGHT, record_trace};
use afterlight::config::Preset;
use afterlight::gpu::{self, FrameTiming, Gpu, GpuOptions};
use afterlight::post::budget::{BudgetMode, BudgetSettings, RollingStats, TRACE_LEGEND};
use afterlight::post::chain::PostSettings;
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use afterlight::render::shadows::ShadowSettings;
use afterlight::render::{
    Background, DebugView, GBUFFER_BYTES_PER_PIXEL, HdrFormat, RenderOptions, Renderer,
    RendererSettings,
};
use afterlight::scene::{self, Camera, Scene};
use clap::{Parser, Subcommand};
use glam::Vec3;

#[derive(Parser)]
#[command(name = "afterlight", version, about = "Real-time 3D post-effects stack on wgpu")]
struct Cli {
    /// Use the first adapter whose name contains this text (case-insensitive); default from
    /// AFTERLIGHT_ADAPTER, then WGPU_ADAPTER_NAME.
    #[arg(long, global = true)]
    adapter: Option<String>,
    /// Create the device at a lower capability level than the adapter offers, to run the
    /// GLES 3.0 / WebGL2 path anywhere: `webgl2` (default from AFTERLIGHT_DOWNLEVEL).
    #[arg(long, global = true, value_parser = gpu::DownlevelRequest::parse)]
    downlevel: Option<gpu::DownlevelRequest>,
    /// How GPU time is measured for the budget and the bench: `auto` (the best the device
    /// has), `encoder` (timestamps inside encoders), `pass` (pass-boundary timestamps) or
    /// `frame` (no timestamps: submission to completion). Overrides presets' `[budget]
    /// timing`; default from AFTERLIGHT_TIMING.
    #[arg(long, global = true, value_parser = gpu::TimingRequest::parse)]
    timing: Option<gpu::TimingRequest>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every adapter wgpu sees, the one afterlight picks, its limits and its class.
    Info,
    /// Render a glTF scene (or the built-in product demo) to a PNG, or to a linear EXR.
    Render(RenderArgs),
    /// Print a preset fully resolved: every pass, every key, the values in use (after
    /// clamping out-of-range values, with a warning for each).
    Preset {
        /// The preset file (TOML), e.g. presets/desktop.toml.
        file: PathBuf,
    },
    /// Work with 3D LUTs.
    #[command(subcommand)]
    Lut(LutCommand),
    /// Measure passes against their references and print error beside GPU time per tier:
    /// ambient occlusion against a CPU ray tracer, anti-aliasing (none, FXAA, TAA) against a
    /// supersampled image.
    Quality(QualityArgs),
    /// Benchmark scenes x presets x sizes over a fixed turntable path: GPU ms per pass (median,
    /// p90, p99), CPU encode ms, memory of every texture and buffer, GB/s per pass; writes
    /// JSON, markdown and a PNG chart. With --budget or --trace: run one scene under a GPU frame
    /// budget and write the trace (frame time, budget line, each knob's tier over time).
    Bench(BenchArgs),
    /// Open a window to tune the post chain live: a panel of every pass and setting, GPU ms
    /// per pass, presets, A/B compare, hot reload of shaders and the preset (feature "viewer").
    #[cfg(feature = "viewer")]
    View(afterlight::viewer::ViewArgs),
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Scenes: .gltf/.glb files, generated-scene descriptions (scenes/atrium.toml), or names:
    /// product_demo, atrium, stress, or a scene folder of ../shared/scenes (DamagedHelmet).
    /// Default: product_demo.
    scenes: Vec<String>,
    /// Presets: TOML files or built-in names (desktop, desktop-ultra, mobile, ar, product);
    /// repeat for several. Default: mobile on a mobile-class adapter (see `afterlight info`),
    /// else desktop.
    #[arg(long)]
    preset: Vec<String>,
    /// Output sizes: 720p, 1080p, 1440p, 4k or WIDTHxHEIGHT, comma-separated or repeated.
    /// Default 1080p (the budget trace: 256x256).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    size: Vec<String>,
    /// Frames measured per scene x preset x size (default 60; the budget trace: 600).
    #[arg(long)]
    frames: Option<u64>,
    /// Frames rendered before measuring, per combination.
    #[arg(long, default_value_t = 10)]
    warm_up: u32,
    /// Turntable speed of the camera path in degrees per frame.
    #[arg(long, default_value_t = 0.5, allow_hyphen_values = true)]
    degrees_per_frame: f32,
    /// Where the report goes: OUT.json, OUT.md and OUT.png.
    #[arg(long, default_value = "bench")]
    out: PathBuf,
    /// DRAM bandwidth in GB/s for the ratio to the DRAM floor (default: a nominal datasheet
    /// figure for a few known adapters, else none).
    #[arg(long)]
    peak_gbps: Option<f64>,
    /// An earlier OUT.json: print each pass's median against it and flag regressions (more
    /// than 10% and 0.05 ms slower); the command fails when any is flagged.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Full-screen passes as `fragment` or `compute` shaders, `auto` (compute unless the
    /// adapter is mobile-class), or `both`: every combination twice, side by side in the
    /// report. Default: each preset's own `variant`.
    #[arg(long)]
    variant: Option<String>,
    /// The shared asset folder for scenes named by folder (default ../shared).
    #[arg(long, default_value = "../shared")]
    shared: PathBuf,
    /// Budget trace instead of the benchmark: the governor adapts to this many milliseconds
    /// of GPU time (without it, the preset's `[budget]`, or a fixed run that only measures),
    /// and the trace is written as JSON and a PNG chart.
    #[arg(long)]
    budget: Option<f32>,
    /// Budget trace instead of the benchmark, written to PATH.json and PATH.png (default
    /// bench-trace with --budget).
    #[arg(long)]
    trace: Option<PathBuf>,
}

#[derive(clap::Args)]
struct QualityArgs {
    /// Image size (square) in pixels.
    #[arg(long, default_value_t = 128)]
    size: u32,
    /// Rays per pixel of the ray-traced AO reference.
    #[arg(long, default_value_t = 256)]
    rays: u32,
    /// Samples per pixel of the supersampled anti-aliasing reference.
    #[arg(long, default_value_t = 64)]
    samples: u32,
    /// The shared asset folder (for the Cornell box and DamagedHelmet); default ../shared
    /// when it exists.
    #[arg(long)]
    shared: Option<PathBuf>,
    /// Only this part: `ao` or `aa`.
    #[arg(long, value_parser = ["ao", "aa"])]
    only: Option<String>,
}

#[derive(Subcommand)]
enum LutCommand {
    /// Write a preset's whole grade (grade, tone mapper, user LUT) as a `.cube` 3D LUT over
    /// afterlight's log2 shaper, for Resolve or OCIO (the file's comments say how its input is
    /// encoded). Needs no GPU.
    Export {
        /// The preset whose grade to export (default: the built-in defaults).
        #[arg(long)]
        preset: Option<PathBuf>,
        /// The `.cube` file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Lattice points per side (2..=65).
        #[arg(long, default_value_t = 33)]
        size: u32,
    },
}

#[derive(clap::Args)]
struct RenderArgs {
    /// A .gltf or .glb file; without one, the built-in scene scenes/product_demo.glb.
    scene: Option<PathBuf>,
    /// Output file: .png (display-referred sRGB) or .exr (linear HDR radiance).
    #[arg(short, long, default_value = "out.png")]
    output: PathBuf,
    /// Image size as WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size, allow_hyphen_values = true)]
    size: (u32, u32),
    /// Use the scene's camera with this index (in node order).
    #[arg(long, conflicts_with = "orbit")]
    camera: Option<usize>,
    /// Orbit the scene's centre: YAW,PITCH in degrees, and optionally DIST in scene units
    /// (without DIST the scene's bounds are framed).
    #[arg(long, value_parser = parse_orbit, allow_hyphen_values = true)]
    orbit: Option<(f32, f32, Option<f32>)>,
    /// Show a G-buffer channel instead of the lit image.
    #[arg(long, value_enum)]
    debug_view: Option<DebugView>,
    /// A preset file (TOML, see presets/): the post chain's passes and settings. The flags
    /// below override it.
    #[arg(long)]
    preset: Option<PathBuf>,
    /// Exposure value at ISO 100 (stops; -10..20, 15 = sunny day): manual exposure. Default:
    /// the preset's, else metered from the scene's first directional light and environment.
    #[arg(long, allow_hyphen_values = true)]
    ev100: Option<f32>,
    /// Tone mapper: clamp, reinhard, reinhard_luminance, aces_fitted, agx, agx_punchy,
    /// agx_golden, khronos_pbr_neutral, hable_filmic. Default: the preset's.
    #[arg(long)]
    tone_mapper: Option<ToneMapper>,
    /// Exposure compensation in stops, applied before tone mapping. Default: the preset's.
    #[arg(long, allow_hyphen_values = true)]
    exposure_compensation: Option<f32>,
    /// What pixels without geometry show: `environment`, `transparent` (PNG alpha 0), or a
    /// linear colour R,G,B.
    #[arg(long, default_value = "environment", value_parser = parse_background)]
    background: Background,
    /// Equirectangular environment (.hdr or .exr) for image-based light and the background;
    /// without one, a neutral studio.
    #[arg(long)]
    env: Option<PathBuf>,
    /// Linear multiplier on the environment's radiance.
    #[arg(long, default_value_t = 1.0)]
    env_intensity: f32,
    /// Rotation of the environment about +Y, in degrees.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    env_rotation: f32,
    /// Shadow map size in texels (256..=8192).
    #[arg(long, default_value_t = ShadowSettings::default().size)]
    shadow_size: u32,
    /// Turn the key light's shadow off.
    #[arg(long)]
    no_shadows: bool,
    /// Full-screen passes as `fragment` or `compute` shaders, or `auto` (compute unless the
    /// adapter is mobile-class); overrides the preset's `variant`.
    #[arg(long, value_parser = |s: &str| s.parse::<afterlight::post::variant::PassVariant>())]
    variant: Option<afterlight::post::variant::PassVariant>,
    /// Use the 4-byte Rg11b10Ufloat HDR target (half the bandwidth, no alpha) instead of Rgba16Float.
    #[arg(long)]
    hdr_11_11_10: bool,
    /// Render 60 more frames (after 5 warm-up frames) and print each pass's GPU median, p90
    /// and p99 and CPU encode median milliseconds, and the frame's GPU span (timestamp queries;
    /// not available on every adapter).
    #[arg(long)]
    timings: bool,
}

/// Frames rendered and dropped before `--timings` measures (pipelines, pools, caches settle).
const TIMING_WARM_UP_FRAMES: u64 = 5;
/// Frames `--timings` measures.
const TIMING_FRAMES: u64 = 60;

/// Render warm-up frames, then `TIMING_FRAMES` frames without waiting on their timings, and
/// print each pass's GPU median / p90 / p99 and CPU encode median milliseconds, and the whole
/// frame's GPU span.
fn print_timings(gpu: &Gpu, renderer: &mut Renderer, camera: &Camera, options: &RenderOptions) {
    let method = renderer.timing_method();
    eprintln!("GPU timing: {method} ({})", method.describe());
    let first = renderer.frame_index() + TIMING_WARM_UP_FRAMES;
    let end = first + TIMING_FRAMES;
    let capacity = TIMING_FRAMES as usize;
    // (name, GPU ms, CPU encode ms) in the order passes first appear.
    let mut passes: Vec<(String, RollingStats, RollingStats)> = Vec::new();
    let (mut span, mut frame_cpu) = (RollingStats::new(capacity), RollingStats::new(capacity));
    let mut received = 0;
    // The next frame whose timings have not arrived (or were dropped).
    let mut next_expected = renderer.frame_index();
    let mut take = |timings: Vec<FrameTiming>, next_expected: &mut u64| {
        for timing in timings {
            *next_expected = timing.frame + 1;
            if timing.frame < first {
                continue;
            }
            received += 1;
            span.push(timing.gpu_ms);
            frame_cpu.push(timing.cpu_ms);
            for pass in timing.passes {
                let index = match passes.iter().position(|(name, ..)| *name == pass.name) {
                    Some(i) => i,
                    None => {
                        let stats = RollingStats::new(capacity);
                        passes.push((pass.name.clone(), stats.clone(), stats));
                        passes.len() - 1
                    }
                };
                passes[index].1.push(pass.ms);
                passes[index].2.push(pass.cpu_ms);
            }
        }
    };
    while renderer.frame_index() < end {
        if let Err(e) = renderer.render(gpu, camera, options) {
            eprintln!("GPU timings: {e}");
            return;
        }
        take(renderer.frame_timings(), &mut next_expected);
        if renderer.frame_index() - next_expected > MAX_FRAMES_IN_FLIGHT {
            gpu.wait_idle();
        }
    }
    take(renderer.wait_for_frame_timings(), &mut next_expected);
    if received == 0 {
        eprintln!("GPU timings: no frame's timings arrived");
        return;
    }
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    eprintln!(
        "GPU ms per pass on {} ({received} of {TIMING_FRAMES} frames timed, after \
         {TIMING_WARM_UP_FRAMES} warm-up):",
        gpu.info.name
    );
    let header = ["pass", "GPU med", "GPU p90", "GPU p99", "CPU encode med"];
    let [pass, median, p90, p99, cpu] = header;
    eprintln!("  {pass:<18} {median:>8} {p90:>8} {p99:>8}  {cpu:>14}");
    for (name, gpu_ms, cpu_ms) in &passes {
        eprintln!(
            "  {name:<18} {:>8} {:>8} {:>8}  {:>14}",
            ms(gpu_ms.median()),
            ms(gpu_ms.p90()),
            ms(gpu_ms.p99()),
            ms(cpu_ms.median())
        );
    }
    eprintln!(
        "  {:<18} {:>8} {:>8} {:>8}  {:>14}",
        "frame (GPU span)",
        ms(span.median()),
        ms(span.p90()),
        ms(span.p99()),
        ms(frame_cpu.median())
    );
}

/// Bake the environment, printing progress on one line when it takes more than half a second.
fn bake_environment(gpu: &Gpu, args: &RenderArgs) -> Result<Environment, Error> {
    let settings = EnvironmentSettings {
        source: args.env.clone().map_or(EnvironmentSource::Studio, EnvironmentSource::Equirect),
        intensity: args.env_intensity,
        rotation_degrees: args.env_rotation,
        ..Default::default()
    };
    let start = Instant::now();
    let mut shown = false;
    let environment = Environment::new(gpu, &settings, &mut |stage, done| {
        if start.elapsed().as_secs_f32() > 0.5 {
            eprint!("\rbaking environment: {stage} {:>3.0}%   ", done * 100.0);
            shown = true;
        }
    });
    if shown {
        eprintln!("\rbaking environment: done in {:.1} s        ", start.elapsed().as_secs_f32());
    }
    if let Ok(environment) = &environment {
        log::info!(
            "environment baked in {:.2} s (wall clock, GPU work included)",
            environment.info().bake_seconds
        );
    }
    environment
}

fn parse_background(text: &str) -> Result<Background, String> {
    match text.trim() {
        "environment" | "env" => Ok(Background::Environment),
        "transparent" => Ok(Background::Transparent),
        rgb => {
            let values: Vec<f32> = rgb
                .split(',')
                .map(|s| s.trim().parse::<f32>().map_err(|e| format!("{s:?}: {e}")))
                .collect::<Result<_, _>>()?;
            match values[..] {
                [r, g, b] if values.iter().all(|v| v.is_finite() && *v >= 0.0) => {
                    Ok(Background::Color(Vec3::new(r, g, b)))
                }
                _ => Err("expected environment, transparent or R,G,B (non-negative)".into()),
            }
        }
    }
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text.split_once(['x', 'X']).ok_or("expected WIDTHxHEIGHT, e.g. 1280x720")?;
    let parse = |s: &str| s.trim().parse::<u32>().map_err(|e| format!("{s:?}: {e}"));
    let (w, h) = (parse(w)?, parse(h)?);
    if w == 0 || h == 0 {
        return Err(format!("size {w}x{h}: width and height must be at least 1"));
    }
    Ok((w, h))
}

fn parse_orbit(text: &str) -> Result<(f32, f32, Option<f32>), String> {
    let values: Vec<f32> = text
        .split(',')
        .map(|s| s.trim().parse::<f32>().map_err(|e| format!("{s:?}: {e}")))
        .collect::<Result<_, _>>()?;
    if values.iter().any(|v| !v.is_finite()) {
        return Err("orbit values must be finite numbers".into());
    }
    match values[..] {
        [yaw, pitch] => Ok((yaw, pitch, None)),
        [yaw, pitch, dist] if dist > 0.0 => Ok((yaw, pitch, Some(dist))),
        [_, _, dist] => Err(format!("orbit distance {dist} must be positive")),
        _ => Err("expected YAW,PITCH or YAW,PITCH,DIST".into()),
    }
}

fn choose_camera(scene: &Scene, args: &RenderArgs) -> Result<Camera, Error> {
    let aspect = args.size.0 as f32 / args.size.1 as f32;
    if let Some((yaw, pitch, dist)) = args.orbit {
        return Ok(match dist {
            Some(d) => {
                let framed = scene.framing_bounds();
                let center = if framed.is_empty() { Vec3::ZERO } else { framed.center() };
                Camera::orbit(center, yaw, pitch, d, 40f32.to_radians())
            }
            None => Camera::frame_bounds(&scene.framing_bounds(), yaw, pitch, aspect),
        });
    }
    match args.camera {
        Some(index) => scene
            .cameras
            .get(index)
            .map(|c| Camera::from_transform(&c.transform, c.projection))
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "--camera {index}: the scene has {} camera(s)",
                    scene.cameras.len()
                ))
            }),
        None => Ok(scene.default_camera(aspect)),
    }
}

fn info(options: &GpuOptions) -> Result<(), Error> {
    let adapters = gpu::enumerate_adapters();
    println!("adapters ({}):", adapters.len());
    for adapter in &adapters {
        let i = adapter.get_info();
        println!(
            "  - {} | backend {:?} | {:?} | driver {} {} | vendor 0x{:04X} device 0x{:04X}",
            i.name, i.backend, i.device_type, i.driver, i.driver_info, i.vendor, i.device
        );
    }
    if let Some(filter) = gpu::adapter_filter(options) {
        println!("adapter filter: {filter:?}");
    }
    let gpu = Gpu::new(options)?;
    println!("chosen: {} ({:?}, {:?})", gpu.info.name, gpu.info.backend, gpu.info.device_type);
    for issue in gpu::known_driver_issues(&gpu.info) {
        println!("known driver issue: {issue}");
    }
    println!("adapter limits:");
    for (name, value) in gpu::limit_rows(&gpu.adapter.limits()) {
        println!("  {name}: {value}");
    }
    let requested = match gpu.capabilities.compute {
        true => "wgpu's downlevel defaults",
        false => "WebGL2's",
    };
    println!("device limits requested ({requested}, adapter texture size):");
    for (name, value) in gpu::limit_rows(&gpu.device.limits()) {
        println!("  {name}: {value}");
    }
    println!("capability level: {}", gpu.capabilities);
    println!("how each pass runs at this level:");
    for (pass, how) in pass_paths(&gpu) {
        println!("  {pass:<12} {how}");
    }
    let features = gpu.device.features();
    let (timing, warning) = gpu::TimingMethod::resolve(gpu.timing.unwrap_or_default(), features);
    println!("GPU timing: {timing} ({})", timing.describe());
    if let Some(warning) = warning {
        println!("  {warning}");
    }
    for rung in gpu::TimingMethod::ALL {
        let has = if rung.supported_by(features) { "available" } else { "not on this device" };
        println!("  {:<8} {has}", rung.name());
    }
    let class = gpu.device_class();
    println!(
        "mobile-class: {} (device class {:?})",
        if class.is_mobile() { "yes" } else { "no" },
        class.class
    );
    for reason in &class.reasons {
        println!("  - {reason}");
    }
    println!("default budget: {}", gpu::default_budget_hint(class.class));
    println!("G-buffer: {GBUFFER_BYTES_PER_PIXEL} bytes per pixel");
    Ok(())
}

fn render(options: &GpuOptions, args: &RenderArgs) -> Result<(), Error> {
    let extension = args.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let hdr = match extension.as_deref() {
        Some("png") => false,
        Some("exr") if args.debug_view.is_none() => true,
        Some("exr") => {
            return Err(Error::InvalidArgument(
                "debug views are 8-bit images: write a .png".into(),
            ));
        }
        _ => {
            return Err(Error::InvalidArgument(format!(
                "{}: the output must end in .png or .exr",
                args.output.display()
            )));
        }
    };
    if args.hdr_11_11_10 && args.background == Background::Transparent {
        return Err(Error::InvalidArgument(
            "--background transparent needs alpha, which --hdr-11-11-10 does not have".into(),
        ));
    }
    let start = Instant::now();
    let post = post_settings(args)?;
    let scene = match &args.scene {
        Some(path) => scene::load(path)?,
        None => scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?,
    };
    let loaded = start.elapsed();
    let camera = choose_camera(&scene, args)?;
    let gpu = Gpu::new(options)?;
    let (width, height) = args.size;
    let environment = Arc::new(bake_environment(&gpu, args)?);
    let settings = RendererSettings {
        shadows: ShadowSettings {
            enabled: !args.no_shadows,
            size: args.shadow_size,
            ..Default::default()
        },
        hdr_format: if args.hdr_11_11_10 {
            HdrFormat::Rg11b10Ufloat
        } else {
            HdrFormat::Rgba16Float
        },
        shadow_catcher: None,
    };
    let mut renderer =
        Renderer::with_environment(&gpu, &scene, (width, height), environment, &settings)?;
    let uploaded = start.elapsed();
    let render_options = RenderOptions {
        debug_view: args.debug_view,
        background: args.background,
        post,
        ..Default::default()
    };
    // TAA needs history: a still image gets the frames it takes to converge.
    let frames = if render_options.debug_view.is_none() && render_options.post.taa.tier.is_on() {
        afterlight::quality::antialiasing::TAA_CONVERGENCE_FRAMES
    } else {
        1
    };
    for _ in 0..frames {
        renderer.render(&gpu, &camera, &render_options)?;
    }
    if args.timings {
        print_timings(&gpu, &mut renderer, &camera, &render_options);
    }
    if hdr {
        let pixels: Vec<f32> = renderer.read_hdr(&gpu)?.into_iter().flatten().collect();
        save_exr(&args.output, width, height, pixels)?;
    } else {
        let pixels = renderer.read_display(&gpu)?;
        image::save_buffer(&args.output, &pixels, width, height, image::ExtendedColorType::Rgba8)
            .map_err(|e| Error::Output { path: args.output.clone(), reason: e.to_string() })?;
    }
    let name =
        args.scene.as_deref().map_or("built-in product demo".into(), |p| p.display().to_string());
    eprintln!(
        "{name}: {width}x{height} on {} -> {} in {:.2} s (load {:.2} s, GPU setup + upload {:.2} s)",
        gpu.info.name,
        args.output.display(),
        start.elapsed().as_secs_f64(),
        loaded.as_secs_f64(),
        (uploaded - loaded).as_secs_f64()
    );
    Ok(())
}

/// The preset (or the defaults) with the command line's overrides.
fn post_settings(args: &RenderArgs) -> Result<PostSettings, Error> {
    let mut post = match &args.preset {
        Some(path) => Preset::load(path)?.settings,
        None => PostSettings::default(),
    };
    if let Some(ev100) = args.ev100 {
        post.exposure = ExposureSettings::manual(ev100);
    }
    if let Some(mapper) = args.tone_mapper {
        post.tonemap.mapper = mapper;
    }
    if let Some(stops) = args.exposure_compensation {
        post.exposure.compensation = stops;
    }
    if let Some(variant) = args.variant {
        post.variant = variant;
    }
    // The preset was validated when loaded; this reports overrides out of range.
    let (post, warnings) = post.validated();
    for warning in warnings {
        log::warn!("command line: {warning}");
    }
    Ok(post)
}

fn print_preset(file: &Path) -> Result<(), Error> {
    let preset = Preset::load(file)?;
    print!("{}", preset.to_toml()?);
    Ok(())
}

fn export_lut(preset: Option<&Path>, output: &Path, size: u32) -> Result<(), Error> {
    if !(2..=65).contains(&size) {
        return Err(Error::InvalidArgument(format!("--size {size}: must be 2..=65")));
    }
    let settings = match preset {
        Some(path) => Preset::load(path)?.settings,
        None => PostSettings::default(),
    };
    let user_lut = match &settings.lut.file {
        Some(path) => Some(afterlight::post::grade_bake::UserLut {
            lut: Arc::new(afterlight::post::lut::CubeLut::load(path)?),
            space: settings.lut.space,
        }),
        None => None,
    };
    let lut = afterlight::post::grade_bake::export_cube(
        &settings.grade,
        settings.tonemap.mapper,
        user_lut.as_ref(),
        size,
    );
    lut.save(output)?;
    eprintln!(
        "wrote {} ({size}³, grade + {} tone mapper)",
        output.display(),
        settings.tonemap.mapper
    );
    Ok(())
}

fn save_exr(path: &Path, width: u32, height: u32, pixels: Vec<f32>) -> Result<(), Error> {
    let output_error = |reason: String| Error::Output { path: path.into(), reason };
    let image = image::Rgba32FImage::from_raw(width, height, pixels)
        .ok_or_else(|| output_error("HDR readback has the wrong size".into()))?;
    image.save(path).map_err(|e| output_error(e.to_string()))
}

fn quality(options: &GpuOptions, args: &QualityArgs) -> Result<(), Error> {
    use afterlight::post::Tier;
    use afterlight::quality::report::{self, AoCase};
    if args.size == 0 || args.size > 1024 {
        return Err(Error::InvalidArgument(format!("--size {} is outside 1..=1024", args.size)));
    }
    let gpu = Gpu::new(options)?;
    let settings = RendererSettings::default();
    // One studio environment serves every renderer the report creates.
    let environment = Arc::new(Environment::new(&gpu, &Default::default(), &mut |_, _| {})?);
    println!("afterlight quality on {} at {}x{}", gpu.info.name, args.size, args.size);
    if args.only.as_deref() != Some("aa") {
        let mut cases = vec![AoCase::sphere_on_plane()];
        let shared = args.shared.clone().or_else(|| {
            let default = PathBuf::from("../shared");
            default.is_dir().then_some(default)
        });
        match &shared {
            Some(dir) => {
                let cornell = scene::load(&dir.join("scenes/CornellBox_kajiya/scene.gltf"))?;
                cases.push(AoCase::framed("Cornell box", cornell, 0.0, 0.0));
                let helmet = scene::load(&dir.join("scenes/DamagedHelmet/DamagedHelmet.glb"))?;
                cases.push(AoCase::framed("DamagedHelmet", helmet, 30.0, 15.0));
            }
            None => eprintln!("no shared folder (--shared): AO on the built-in scene only"),
        }
        let mut variants: Vec<(Tier, bool)> =
            [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra].map(|t| (t, false)).to_vec();
        variants.extend([(Tier::Low, true), (Tier::High, true)]);
        let mut scores = Vec::new();
        for case in &cases {
            eprintln!("AO: {} ({} rays per pixel reference)", case.name, args.rays);
            scores.extend(report::ao_scores(
                &gpu,
                &environment,
                &settings,
                case,
                args.size,
                args.rays,
                &variants,
            )?);
        }
        println!("\nAmbient occlusion vs ray-traced reference (mean absolute error of visibility)");
        print!("{}", report::ao_table(&scores));
    }
    if args.only.as_deref() != Some("ao") {
        eprintln!("AA: references at {} samples per pixel", args.samples);
        let scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
        let scores =
            report::aa_scores(&gpu, &environment, &settings, &scene, args.size, args.samples)?;
        println!(
            "\nAnti-aliasing vs {}-sample supersampled reference (built-in scene)",
            args.samples
        );
        print!("{}", report::aa_table(&scores));
    }
    Ok(())
}

/// The desktop and mobile presets, built in so `bench` runs from anywhere.
const DESKTOP_PRESET: &str = include_str!("../../presets/desktop.toml");
const MOBILE_PRESET: &str = include_str!("../../presets/mobile.toml");

fn bench_trace(options: &GpuOptions, args: &BenchArgs, frames: u64) -> Result<(), Error> {
    let size = match args.size.first() {
        Some(text) => {
            parse_size(text).map_err(|e| Error::InvalidArgument(format!("--size {e}")))?
        }
        None => (256, 256),
    };
    let trace_path = args.trace.clone().unwrap_or_else(|| PathBuf::from("bench-trace"));
    let gpu = Gpu::new(options)?;
    let mut post = match args.preset.first() {
        Some(preset) => afterlight::bench::load_preset(preset)?.settings,
        None => {
            let class = gpu.device_class();
            let (name, text) = match class.class {
                gpu::DeviceClass::Mobile => ("mobile", MOBILE_PRESET),
                gpu::DeviceClass::Desktop => ("desktop", DESKTOP_PRESET),
            };
            println!(
                "preset: built-in {name} ({:?}-class: {})",
                class.class,
                class.reasons.join("; ")
            );
            Preset::parse(text)?.settings
        }
    };
    match args.budget {
        Some(ms) if !(ms.is_finite() && ms > 0.0) => {
            return Err(Error::InvalidArgument(format!("--budget {ms}: must be above 0 ms")));
        }
        Some(ms) => {
            post.budget = BudgetSettings {
                target_ms: ms,
                refresh_hz: 0.0,
                mode: BudgetMode::Adaptive,
                ..post.budget
            }
        }
        None if post.budget.mode == BudgetMode::Off => post.budget.mode = BudgetMode::Fixed,
        None => {}
    }
    let (post, warnings) = post.validated();
    for warning in warnings {
        log::warn!("command line: {warning}");
    }
    let scene = match args.scenes.first() {
        Some(arg) => afterlight::bench::load_scene(arg, &args.shared)?.scene,
        None => scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?,
    };
    let gpu = Gpu::new(options)?;
    let environment =
        Arc::new(Environment::new(&gpu, &EnvironmentSettings::default(), &mut |_, _| {})?);
    let mut renderer =
        Renderer::with_environment(&gpu, &scene, size, environment, &RendererSettings::default())?;
    let aspect = size.0 as f32 / size.1 as f32;
    let render_options = RenderOptions { post, ..Default::default() };
    let trace = record_trace(&gpu, &mut renderer, &render_options, frames, |frame| {
        Camera::frame_bounds(
            &scene.bounds,
            30.0 + args.degrees_per_frame * frame as f32,
            20.0,
            aspect,
        )
    })?;
    let json = trace_path.with_extension("json");
    let png = trace_path.with_extension("png");
    std::fs::write(&json, trace.to_json())
        .map_err(|e| Error::Output { path: json.clone(), reason: e.to_string() })?;
    trace.write_png(&png, 960, 480)?;
    let measured = trace.measured_ms();
    let mut stats = RollingStats::new(measured.len().max(1));
    let tail = &measured[measured.len() / 2..];
    tail.iter().for_each(|ms| stats.push(*ms));
    println!(
        "{} frames at {}x{} on {}; budget {:.2} ms (steering to {:.2} ms)",
        frames, size.0, size.1, gpu.info.name, trace.budget_ms, trace.limit_ms
    );
    if let (Some(median), Some(p90), Some(p99)) = (stats.median(), stats.p90(), stats.p99()) {
        println!("second half: frame GPU median {median:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms");
    }
    println!("timing: {} ({})", trace.timing, renderer.timing_method().describe());
    println!("governor: {}", trace.status);
    for decision in &trace.decisions {
        println!("  {decision}");
    }
    println!("trace: {} and {} ({TRACE_LEGEND})", json.display(), png.display());
    Ok(())
}

fn bench(options: &GpuOptions, args: &BenchArgs) -> Result<(), Error> {
    use afterlight::bench::{self, BenchConfig, Resolution};
    if args.frames == Some(0) {
        return Err(Error::InvalidArgument("--frames must be at least 1".into()));
    }
    if args.budget.is_some() || args.trace.is_some() {
        return bench_trace(options, args, args.frames.unwrap_or(600));
    }
    let frames = u32::try_from(args.frames.unwrap_or(60))
        .map_err(|_| Error::InvalidArgument("--frames is too large".into()))?;
    let resolutions: Vec<Resolution> = if args.size.is_empty() {
        vec!["1080p".parse().map_err(Error::InvalidArgument)?]
    } else {
        args.size
            .iter()
            .map(|s| s.parse().map_err(|e| Error::InvalidArgument(format!("--size {e}"))))
            .collect::<Result<_, _>>()?
    };
    let baseline = args.baseline.as_deref().map(bench::BenchReport::load).transpose()?;
    let variants = match &args.variant {
        Some(text) => bench::parse_variants(text).map_err(Error::InvalidArgument)?,
        None => Vec::new(),
    };
    let mut presets: Vec<bench::BenchPreset> =
        args.preset.iter().map(|p| bench::load_preset(p)).collect::<Result<_, _>>()?;
    let gpu = Gpu::new(options)?;
    if presets.is_empty() {
        let name = match gpu.device_class().class {
            gpu::DeviceClass::Mobile => "mobile",
            gpu::DeviceClass::Desktop => "desktop",
        };
        presets.push(bench::load_preset(name)?);
    }
    let scene_args =
        if args.scenes.is_empty() { vec!["product_demo".to_owned()] } else { args.scenes.clone() };
    let scenes = scene_args
        .iter()
        .map(|s| bench::load_scene(s, &args.shared))
        .collect::<Result<Vec<_>, _>>()?;
    let config = BenchConfig {
        scenes,
        presets,
        resolutions,
        frames,
        warm_up: args.warm_up,
        degrees_per_frame: args.degrees_per_frame,
        peak_gbps: args.peak_gbps,
        variants,
    };
    let environment =
        Arc::new(Environment::new(&gpu, &EnvironmentSettings::default(), &mut |_, _| {})?);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} frames {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = bench::run(&gpu, &environment, &config, &mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(p.current.to_owned());
    });
    bar.finish_and_clear();
    let report = report?;
    let output = |extension: &str| args.out.with_extension(extension);
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text).map_err(|e| Error::Output { path, reason: e.to_string() })
    };
    let markdown = format!(
        "{}\nChart {}: one bar per pass (median, tick at p90); colours: {}.\n",
        report.markdown(),
        output("png").display(),
        bench::chart::legend(&report)
    );
    write(output("json"), report.to_json())?;
    write(output("md"), markdown.clone())?;
    report.write_chart(&output("png"), 960)?;
    print!("{markdown}");
    println!(
        "report: {}, {} and {}",
        output("json").display(),
        output("md").display(),
        output("png").display()
    );
    if let Some(baseline) = &baseline {
        let comparisons = bench::compare(&report, baseline);
        println!(
            "\nagainst {} (median ratios; regression: > x{} and >= {} ms slower):",
            args.baseline.as_deref().unwrap_or(Path::new("")).display(),
            bench::compare::REGRESSION_RATIO,
            bench::compare::REGRESSION_MIN_MS
        );
        for c in &comparisons {
            println!("  {c}");
        }
        let regressions = comparisons.iter().filter(|c| c.regression).count();
        if regressions > 0 {
            return Err(Error::InvalidArgument(format!(
                "{regressions} regression(s) against the baseline"
            )));
        }
    }
    Ok(())
}

/// How each pass runs on `gpu`'s device (for `afterlight info`): the full-screen passes'
/// variant under `variant = "auto"`, and the passes whose path depends on compute.
fn pass_paths(gpu: &Gpu) -> Vec<(&'static str, String)> {
    use afterlight::post::variant::{self, PassVariant};
    let choice = variant::resolve(PassVariant::Auto, &gpu.device);
    let full_screen = match variant::compute_unsupported(&gpu.device) {
        None => {
            format!("fragment or compute; auto picks {} ({})", choice.used.name(), choice.reason)
        }
        Some(why) => format!("fragment (no compute variant: {why})"),
    };
    let compute = gpu.capabilities.compute_and_storage();
    let mut rows: Vec<(&'static str, String)> =
        ["ao", "dof", "motion_blur", "taa", "upscale", "bloom", "finish", "fxaa", "sharpen"]
            .into_iter()
            .map(|pass| (pass, full_screen.clone()))
            .collect();
    rows.push((
        "exposure",
        match compute {
            true => "fixed modes from the CPU; automatic by a GPU histogram (compute)".into(),
            false => "fixed modes from the CPU; automatic by fragment samples read back to the \
                      CPU (no compute): a frame or two behind the image"
                .into(),
        },
    ));
    rows.push((
        "grade_lut",
        match afterlight::post::grade_bake::GradeLut::bakes_on_gpu_with(&gpu.capabilities) {
            true => "baked by compute when the grade changes".into(),
            false => "baked on the CPU (downlevel) and uploaded when the grade changes".into(),
        },
    ));
    rows.push((
        "ar_exposure",
        match compute {
            true => "matched to the camera image by compute".into(),
            false => "matched by fragment samples read back to the CPU (no compute): a frame or \
                      two behind the camera"
                .into(),
        },
    ));
    rows
}

fn main() -> ExitCode {
    // wgpu's EGL setup logs a failed platform (e.g. "DRI2: failed to load driver") as an error
    // while it goes on to the next one: probing, not an error; our own message says what failed.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(
        "warn,wgpu_hal=error,wgpu_hal::gles::egl=off,wgpu_core=error,naga=error",
    ))
    .init();
    gpu::quiet_headless_probing();
    let cli = Cli::parse();
    let options = GpuOptions {
        adapter: cli.adapter.clone(),
        downlevel: cli.downlevel,
        backends: None,
        timing: cli.timing,
    };
    let result = match &cli.command {
        Command::Info => info(&options),
        Command::Render(args) => render(&options, args),
        Command::Preset { file } => print_preset(file),
        Command::Lut(LutCommand::Export { preset, output, size }) => {
            export_lut(preset.as_deref(), output, *size)
        }
        Command::Quality(args) => quality(&options, args),
        Command::Bench(args) => bench(&options, args),
        #[cfg(feature = "viewer")]
        Command::View(args) => afterlight::viewer::run_command(&options, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `afterlight render`: a scene drawn to PNG or EXR, with its arguments, camera and environment
//! choices and the optional pass timings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use afterlight::Error;
use afterlight::bench::MAX_FRAMES_IN_FLIGHT;
use afterlight::config::Preset;
use afterlight::gpu::{FrameTiming, Gpu, GpuOptions};
use afterlight::post::budget::RollingStats;
use afterlight::post::chain::PostSettings;
use afterlight::post::display::DisplayEncoding;
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use afterlight::render::shadows::ShadowSettings;
use afterlight::render::{
    Background, DebugView, HdrFormat, RenderOptions, Renderer, RendererSettings,
};
use afterlight::scene::{self, Camera, Scene};
use glam::Vec3;

#[derive(clap::Args)]
pub(super) struct RenderArgs {
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
    /// The display encoding of a .png (overrides the preset's `[display] encoding`): `sdr`
    /// (8-bit sRGB), or `pq`: a 16-bit PNG of BT.2100 PQ code values with a cICP chunk
    /// (primaries BT.2020, transfer PQ), which HDR-capable browsers and viewers show as HDR.
    /// scRGB is linear: the library writes it to an app's float target, a PNG cannot hold it.
    #[arg(long, value_parser = |s: &str| s.parse::<DisplayEncoding>())]
    output_encoding: Option<DisplayEncoding>,
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

pub(super) fn parse_size(text: &str) -> Result<(u32, u32), String> {
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

pub(super) fn render(options: &GpuOptions, args: &RenderArgs) -> Result<(), Error> {
    let extension = args.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if args.output_encoding == Some(DisplayEncoding::ScRgb) {
        return Err(Error::InvalidArgument(
            "--output-encoding scrgb: scRGB is linear floating point, which a PNG cannot hold; \
             use pq for an HDR PNG, or .exr for the linear HDR image"
                .into(),
        ));
    }
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
    } else if let Some(pixels) = renderer.read_display_hdr(&gpu)? {
        afterlight::post::display::save_pq_png(&args.output, width, height, &pixels)?;
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
    // The EXR is the linear HDR image whatever the display: only a PNG is encoded for one.
    let png = args.output.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    match args.output_encoding {
        Some(encoding) if png => post.display.encoding = encoding,
        _ if !png => post.display.encoding = DisplayEncoding::Sdr,
        _ => {}
    }
    // The preset was validated when loaded; this reports overrides out of range.
    let (post, warnings) = post.validated();
    for warning in warnings {
        log::warn!("command line: {warning}");
    }
    Ok(post)
}

fn save_exr(path: &Path, width: u32, height: u32, pixels: Vec<f32>) -> Result<(), Error> {
    let output_error = |reason: String| Error::Output { path: path.into(), reason };
    let image = image::Rgba32FImage::from_raw(width, height, pixels)
        .ok_or_else(|| output_error("HDR readback has the wrong size".into()))?;
    image.save(path).map_err(|e| output_error(e.to_string()))
}

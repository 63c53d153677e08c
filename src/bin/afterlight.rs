//! The `afterlight` command line: `info` reports adapters, `render` draws a scene to PNG or EXR,
//! `preset` prints a preset fully resolved, `lut export` writes a preset's grade as a `.cube`,
//! `quality` measures passes against their references.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use afterlight::Error;
use afterlight::config::Preset;
use afterlight::gpu::{self, Gpu, GpuOptions};
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
    /// Use the 4-byte Rg11b10Ufloat HDR target (half the bandwidth, no alpha) instead of Rgba16Float.
    #[arg(long)]
    hdr_11_11_10: bool,
    /// Render 10 more frames and print the median GPU milliseconds of each pass (timestamp
    /// queries; not available on every adapter).
    #[arg(long)]
    timings: bool,
}

/// Render `frames` frames, then print the median and minimum GPU ms of each pass.
fn print_timings(gpu: &Gpu, renderer: &mut Renderer, camera: &Camera, options: &RenderOptions) {
    if !renderer.timing_available() {
        eprintln!("GPU timings: this adapter has no timestamp queries inside encoders");
        return;
    }
    let mut samples: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..10 {
        if let Err(e) = renderer.render(gpu, camera, options) {
            eprintln!("GPU timings: {e}");
            return;
        }
        for time in renderer.wait_for_pass_times(gpu) {
            match samples.iter_mut().find(|(name, _)| *name == time.name) {
                Some((_, v)) => v.push(time.ms),
                None => samples.push((time.name.clone(), vec![time.ms])),
            }
        }
    }
    eprintln!("GPU ms per pass on {} (median of {} frames, min):", gpu.info.name, 10);
    let mut total = 0.0;
    for (name, mut v) in samples {
        v.sort_by(f64::total_cmp);
        let median = v[v.len() / 2];
        total += median;
        eprintln!("  {name:<12} {median:8.3}  {:8.3}", v[0]);
    }
    eprintln!("  {:<12} {total:8.3}", "sum");
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
                let center =
                    if scene.bounds.is_empty() { Vec3::ZERO } else { scene.bounds.center() };
                Camera::orbit(center, yaw, pitch, d, 40f32.to_radians())
            }
            None => Camera::frame_bounds(&scene.bounds, yaw, pitch, aspect),
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
    println!("adapter limits:");
    for (name, value) in gpu::limit_rows(&gpu.adapter.limits()) {
        println!("  {name}: {value}");
    }
    println!("device limits requested (downlevel defaults, adapter texture size):");
    for (name, value) in gpu::limit_rows(&gpu.device.limits()) {
        println!("  {name}: {value}");
    }
    println!(
        "timestamp queries: {}",
        if gpu.timestamps { "yes" } else { "no (GPU timing and the budget governor are off)" }
    );
    let class = gpu.mobile_class();
    if class.is_mobile {
        println!("mobile-class: yes, because {}", class.reasons.join("; "));
    } else {
        println!("mobile-class: no (discrete or unclassified desktop GPU)");
    }
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

fn main() -> ExitCode {
    env_logger::Builder::from_env(
        env_logger::Env::default()
            .default_filter_or("warn,wgpu_hal=error,wgpu_core=error,naga=error"),
    )
    .init();
    let cli = Cli::parse();
    let options = GpuOptions { adapter: cli.adapter.clone() };
    let result = match &cli.command {
        Command::Info => info(&options),
        Command::Render(args) => render(&options, args),
        Command::Preset { file } => print_preset(file),
        Command::Lut(LutCommand::Export { preset, output, size }) => {
            export_lut(preset.as_deref(), output, *size)
        }
        Command::Quality(args) => quality(&options, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

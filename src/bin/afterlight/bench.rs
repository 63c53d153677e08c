//! `afterlight bench`: passes benchmarked over scenes, presets and resolutions, or the budget
//! governor traced over a turntable (`--budget`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use afterlight::Error;
use afterlight::bench::record_trace;
use afterlight::config::Preset;
use afterlight::gpu::{self, Gpu, GpuOptions};
use afterlight::post::budget::{BudgetMode, BudgetSettings, RollingStats};
use afterlight::render::environment::{Environment, EnvironmentSettings};
use afterlight::render::{RenderOptions, Renderer, RendererSettings};
use afterlight::scene::{self, Camera};

use super::render::parse_size;

#[derive(clap::Args)]
pub(super) struct BenchArgs {
    /// Scenes: .gltf/.glb files, generated-scene descriptions (scenes/atrium.toml), or names:
    /// product_demo, atrium, stress, or a scene folder of ../shared/scenes (DamagedHelmet).
    /// Default: product_demo.
    scenes: Vec<String>,
    /// Presets: TOML files or built-in names (desktop, desktop-ultra, mobile, ar, product,
    /// smaa, hdr: PQ output);
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
    /// Where the report goes: OUT.json, OUT.md, OUT.png (the chart) and OUT.html (tables and
    /// charts in one page that opens offline).
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
    /// With --baseline: passes judged by their sum, not one by one, as `lighting+shadows`
    /// (comma-separated or repeated), for work that moved between passes from the baseline's
    /// build to this one. Each member still shows its own ratio. The post passes' sum is always
    /// shown.
    #[arg(long, value_delimiter = ',', value_name = "PASS+PASS")]
    together: Vec<String>,
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
    /// Also measure what each tier buys: AO, FXAA, SMAA, TAA and the spatial upscale per tier against
    /// their references (the ray tracer, a supersampled image, the native-resolution render; as
    /// `afterlight quality`), error beside GPU ms,
    /// in the report's "What each tier buys" section and its JSON `quality`. Adds a minute or
    /// so on a software GPU.
    #[arg(long)]
    quality: bool,
    /// Run nothing: redraw OUT.png and OUT.html from a report written before (its OUT.json),
    /// against --baseline when given.
    #[arg(long, value_name = "REPORT_JSON")]
    replot: Option<PathBuf>,
}

/// The desktop and mobile presets, built in so `bench` runs from anywhere.
const DESKTOP_PRESET: &str = include_str!("../../../presets/desktop.toml");

const MOBILE_PRESET: &str = include_str!("../../../presets/mobile.toml");

fn bench_trace(options: &GpuOptions, args: &BenchArgs, frames: u64) -> Result<(), Error> {
    let size = match args.size.first() {
        Some(text) => {
            parse_size(text).map_err(|e| Error::InvalidArgument(format!("--size {e}")))?
        }
        None => (256, 256),
    };
    let trace_path = args.trace.clone().unwrap_or_else(|| PathBuf::from("bench-trace"));
    let gpu = Gpu::new(options)?;
    let (preset_name, mut post) = match args.preset.first() {
        Some(preset) => {
            let preset = afterlight::bench::load_preset(preset)?;
            (preset.name, preset.settings)
        }
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
            (name.to_owned(), Preset::parse(text)?.settings)
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
    let (scene_name, scene) = match args.scenes.first() {
        Some(arg) => {
            let loaded = afterlight::bench::load_scene(arg, &args.shared)?;
            (loaded.name, loaded.scene)
        }
        None => {
            ("product_demo".to_owned(), scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?)
        }
    };
    let gpu = Gpu::new(options)?;
    let environment =
        Arc::new(Environment::new(&gpu, &EnvironmentSettings::default(), &mut |_, _| {})?);
    let mut renderer =
        Renderer::with_environment(&gpu, &scene, size, environment, &RendererSettings::default())?;
    let aspect = size.0 as f32 / size.1 as f32;
    let render_options = RenderOptions { post, ..Default::default() };
    let mut trace = record_trace(&gpu, &mut renderer, &render_options, frames, |frame| {
        Camera::frame_bounds(
            &scene.bounds,
            30.0 + args.degrees_per_frame * frame as f32,
            20.0,
            aspect,
        )
    })?;
    trace.context =
        format!("{} / {} / {}x{} on {}", scene_name, preset_name, size.0, size.1, gpu.info.name);
    let json = trace_path.with_extension("json");
    let png = trace_path.with_extension("png");
    let html = trace_path.with_extension("html");
    std::fs::write(&json, trace.to_json())
        .map_err(|e| Error::Output { path: json.clone(), reason: e.to_string() })?;
    trace.write_png(&png, 960)?;
    std::fs::write(&html, afterlight::bench::trace_html::report(&trace)?)
        .map_err(|e| Error::Output { path: html.clone(), reason: e.to_string() })?;
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
    if let (Some(outside), Some(median)) = (trace.outside_knobs_ms, stats.median()) {
        println!(
            "outside every knob: {outside:.2} ms per frame ({:.0} % of the second half's median): \
             passes no knob turns and the render scale does not shrink, and untimed work",
            100.0 * outside / median.max(1e-9)
        );
    }
    for decision in &trace.decisions {
        println!("  {decision}");
    }
    println!(
        "trace: {}, {} (frame time with the budget and steering lines, a named lane per knob) and {}",
        json.display(),
        png.display(),
        html.display()
    );
    Ok(())
}

pub(super) fn bench(options: &GpuOptions, args: &BenchArgs) -> Result<(), Error> {
    use afterlight::bench::{self, BenchConfig, Resolution};
    if args.frames == Some(0) {
        return Err(Error::InvalidArgument("--frames must be at least 1".into()));
    }
    if args.budget.is_some() || args.trace.is_some() {
        return bench_trace(options, args, args.frames.unwrap_or(600));
    }
    let groups: Vec<bench::compare::PassGroup> = args
        .together
        .iter()
        .map(|g| g.parse().map_err(|e| Error::InvalidArgument(format!("--together {e}"))))
        .collect::<Result<_, _>>()?;
    if !groups.is_empty() && args.baseline.is_none() {
        return Err(Error::InvalidArgument(
            "--together compares against --baseline: give one".into(),
        ));
    }
    if let Some(report) = &args.replot {
        let report = bench::BenchReport::load(report)?;
        let baseline = args.baseline.as_deref().map(bench::BenchReport::load).transpose()?;
        let comparisons = baseline
            .map(|baseline| bench::compare(&report, &baseline, &groups))
            .unwrap_or_default();
        write_charts(&report, &comparisons, &args.out)?;
        println!(
            "charts: {} and {}",
            args.out.with_extension("png").display(),
            args.out.with_extension("html").display()
        );
        return Ok(());
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
    let mut report = report?;
    if args.quality {
        eprintln!("quality: each tier against its reference");
        let shared = args.shared.is_dir().then_some(args.shared.as_path());
        let settings = bench::quality::QualitySettings::default();
        report.quality = Some(bench::quality::measure(&gpu, &environment, shared, settings)?);
    }
    let output = |extension: &str| args.out.with_extension(extension);
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text).map_err(|e| Error::Output { path, reason: e.to_string() })
    };
    let comparisons = baseline
        .as_ref()
        .map(|baseline| bench::compare(&report, baseline, &groups))
        .unwrap_or_default();
    let markdown = format!(
        "{}\nChart {}: one bar per pass (median, whisker p90 to p99; pass names on the axis); \
         report with tables and charts: {}.\n{}",
        report.markdown(),
        output("png").display(),
        output("html").display(),
        report.quality.as_ref().map_or(String::new(), |q| q.markdown())
    );
    write(output("json"), report.to_json())?;
    write(output("md"), markdown.clone())?;
    write_charts(&report, &comparisons, &args.out)?;
    print!("{markdown}");
    println!(
        "report: {}, {}, {} and {}",
        output("json").display(),
        output("md").display(),
        output("png").display(),
        output("html").display()
    );
    if baseline.is_some() {
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

/// OUT.png and OUT.html of a report.
fn write_charts(
    report: &afterlight::bench::BenchReport,
    comparisons: &[afterlight::bench::Comparison],
    out: &Path,
) -> Result<(), Error> {
    report.write_chart(&out.with_extension("png"), comparisons, 960)?;
    let html = out.with_extension("html");
    let page = afterlight::bench::html::report(report, comparisons)?;
    std::fs::write(&html, page).map_err(|e| Error::Output { path: html, reason: e.to_string() })
}

//! Benchmarks: scenes x presets x resolutions, each over a fixed camera path of N frames after
//! a warm-up, reporting GPU ms (median / p90 / p99) and CPU encode ms per pass and for the
//! whole frame, the GPU memory of every texture and buffer, and each pass's declared memory
//! traffic as achieved GB/s (and, given a peak, the ratio to the DRAM floor).
//!
//! `afterlight bench` and `cargo bench` (`benches/passes.rs`) both call [`run`]. The report
//! ([`BenchReport`]) is written as JSON, as a markdown table ([`BenchReport::markdown`]) and as
//! a PNG chart of per-pass milliseconds ([`BenchReport::write_chart`]); [`compare()`] sets a
//! report against an earlier one and flags regressions.
//!
//! The camera path is a turntable: frame `k` (warm-up included) looks at the scene's bounds
//! from yaw `30° + k · degrees_per_frame`, pitch 20°, so a run is the same on every device.
//! The budget governor is off during a run (a benchmark measures fixed settings).

mod budget_run;
#[cfg(feature = "charts")]
pub mod chart;
pub mod compare;
#[cfg(feature = "charts")]
pub mod html;
pub mod quality;
#[cfg(feature = "charts")]
pub mod trace_chart;
#[cfg(feature = "charts")]
pub mod trace_html;
pub mod traffic;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::config::Preset;
use crate::gpu::memory::{self, MemoryEntry};
use crate::gpu::{FrameTiming, Gpu};
use crate::post::budget::{BudgetMode, RollingStats};
use crate::post::chain::PostSettings;
use crate::post::variant::{PassVariant, VariantChoice};
use crate::render::environment::Environment;
use crate::render::{RenderOptions, Renderer, RendererSettings};
use crate::scene::{self, Camera, Scene};
pub use budget_run::{MAX_FRAMES_IN_FLIGHT, record_trace};
pub use compare::{Comparison, compare};
use traffic::{FrameShape, PassTraffic};

/// Version of the JSON layout; a baseline with another version is refused.
pub const SCHEMA_VERSION: u32 = 1;

/// A named output size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// `720p`, `1080p`, `1440p`, `4k`, or `WxH`.
    pub name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl std::str::FromStr for Resolution {
    type Err = String;

    /// `720p`, `1080p`, `1440p`, `4k` (or `2160p`), or `WIDTHxHEIGHT`.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let named = match text.to_ascii_lowercase().as_str() {
            "720p" => Some((1280, 720)),
            "1080p" => Some((1920, 1080)),
            "1440p" => Some((2560, 1440)),
            "4k" | "2160p" => Some((3840, 2160)),
            _ => None,
        };
        let (width, height) = match named {
            Some(size) => size,
            None => {
                let (w, h) = text.split_once(['x', 'X']).ok_or_else(|| {
                    format!("{text:?}: expected 720p, 1080p, 1440p, 4k or WIDTHxHEIGHT")
                })?;
                let parse = |s: &str| s.trim().parse::<u32>().map_err(|e| format!("{s:?}: {e}"));
                (parse(w)?, parse(h)?)
            }
        };
        if width == 0 || height == 0 {
            return Err(format!("size {text}: width and height must be at least 1"));
        }
        Ok(Self { name: text.to_ascii_lowercase(), width, height })
    }
}

/// A scene to benchmark.
pub struct BenchScene {
    /// How the report names it.
    pub name: String,
    /// The scene.
    pub scene: Scene,
}

/// Resolve a scene argument: a `.gltf`/`.glb` file, a generated-scene description (`.toml`,
/// see [`crate::scene::procedural`]), `product_demo` (the built-in scene), the name of one of
/// our generated scenes (`atrium`, `stress`), or the name of a scene in `shared/scenes`
/// (`DamagedHelmet` loads `shared/scenes/DamagedHelmet/DamagedHelmet.glb` or `.gltf`).
pub fn load_scene(arg: &str, shared: &Path) -> Result<BenchScene, Error> {
    let path = PathBuf::from(arg);
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let stem = || path.file_stem().map_or(arg.to_owned(), |s| s.to_string_lossy().into_owned());
    let built_in = scene::procedural::built_in(arg);
    let scene = match (extension.as_deref(), built_in) {
        (Some("gltf" | "glb"), _) => scene::load(&path)?,
        (Some("toml"), _) => scene::procedural::load(&path)?,
        _ if arg == "product_demo" => scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?,
        (_, Some(text)) => scene::procedural::parse(text, Path::new(arg))?,
        _ => {
            let dir = shared.join("scenes").join(arg);
            let file = ["glb", "gltf"]
                .iter()
                .map(|e| dir.join(format!("{arg}.{e}")))
                .find(|f| f.is_file())
                .ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "scene {arg:?}: not a .gltf/.glb/.toml file, a generated scene ({}), \
                         product_demo, or a folder of {}",
                        scene::procedural::BUILT_IN.join(", "),
                        shared.join("scenes").display()
                    ))
                })?;
            scene::load(&file)?
        }
    };
    Ok(BenchScene { name: stem(), scene })
}

/// A preset to benchmark.
#[derive(Clone, Debug)]
pub struct BenchPreset {
    /// How the report names it.
    pub name: String,
    /// Its settings.
    pub settings: PostSettings,
}

/// The presets built into the binary, by name.
pub const BUILT_IN_PRESETS: &[(&str, &str)] = &[
    ("desktop", include_str!("../../presets/desktop.toml")),
    ("desktop-ultra", include_str!("../../presets/desktop-ultra.toml")),
    ("mobile", include_str!("../../presets/mobile.toml")),
    ("ar", include_str!("../../presets/ar.toml")),
    ("product", include_str!("../../presets/product.toml")),
    ("smaa", include_str!("../../presets/smaa.toml")),
    ("hdr", include_str!("../../presets/hdr.toml")),
];

/// Resolve a preset argument: a preset file (`.toml`), or the name of a built-in preset.
pub fn load_preset(arg: &str) -> Result<BenchPreset, Error> {
    let path = Path::new(arg);
    let settings = if path.is_file() || path.extension().is_some_and(|e| e == "toml") {
        Preset::load(path)?.settings
    } else {
        let (_, text) =
            BUILT_IN_PRESETS.iter().find(|(name, _)| *name == arg).ok_or_else(|| {
                let names: Vec<&str> = BUILT_IN_PRESETS.iter().map(|(n, _)| *n).collect();
                Error::InvalidArgument(format!(
                    "preset {arg:?}: not a .toml file or one of {}",
                    names.join(", ")
                ))
            })?;
        Preset::parse(text)?.settings
    };
    let name = path.file_stem().map_or(arg.to_owned(), |s| s.to_string_lossy().into_owned());
    Ok(BenchPreset { name, settings })
}

/// What to run.
pub struct BenchConfig {
    /// Scenes.
    pub scenes: Vec<BenchScene>,
    /// Presets.
    pub presets: Vec<BenchPreset>,
    /// Output sizes.
    pub resolutions: Vec<Resolution>,
    /// Frames measured per combination.
    pub frames: u32,
    /// Frames rendered first and not measured (pipelines, pools, TAA history settle).
    pub warm_up: u32,
    /// Turntable speed of the camera path.
    pub degrees_per_frame: f32,
    /// DRAM bandwidth in GB/s to compare achieved bandwidth with; `None`: the known-device
    /// table ([`traffic::KNOWN_DEVICES`]) by adapter name, else no ratio.
    pub peak_gbps: Option<f64>,
    /// The full-screen pass variants to run every combination with, side by side (see
    /// [`parse_variants`]); empty: each preset's own `variant`.
    pub variants: Vec<PassVariant>,
}

/// `--variant`: `fragment`, `compute`, `auto`, or `both` (fragment then compute).
pub fn parse_variants(text: &str) -> Result<Vec<PassVariant>, String> {
    match text {
        "both" => Ok(vec![PassVariant::Fragment, PassVariant::Compute]),
        other => other.parse().map(|v| vec![v]).map_err(|e: String| format!("--{e}, or both")),
    }
}

/// Median, p90, p99 and mean of a set of samples (milliseconds).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Median (nearest rank).
    pub median: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Number of samples.
    pub samples: usize,
}

impl Stat {
    /// The statistics of `samples` (non-finite and negative ones ignored); `None` when none
    /// are left.
    pub fn from_samples(samples: &[f64]) -> Option<Stat> {
        let mut stats = RollingStats::new(samples.len());
        samples.iter().for_each(|s| stats.push(*s));
        Some(Stat {
            median: stats.median()?,
            p90: stats.p90()?,
            p99: stats.p99()?,
            mean: stats.mean()?,
            samples: stats.len(),
        })
    }
}

/// One pass's figures in one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassResult {
    /// The pass's timing scope.
    pub name: String,
    /// GPU milliseconds per frame (scopes of the same name in one frame summed).
    pub gpu_ms: Stat,
    /// CPU milliseconds encoding it per frame.
    pub cpu_encode_ms: Stat,
    /// Declared traffic ([`traffic::pass_traffic`]), if the pass declares one.
    pub traffic: Option<PassTraffic>,
    /// Declared bytes over the median GPU time, GB/s.
    pub achieved_gbps: Option<f64>,
    /// The DRAM floor (declared bytes at the peak bandwidth) over the median GPU time:
    /// 1 = the pass runs at the memory bound, 0.1 = ten times slower than it.
    pub dram_floor_ratio: Option<f64>,
}

/// One scene x preset x resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Scene name.
    pub scene: String,
    /// Triangles drawn per frame (every instance of every primitive).
    pub triangles: u64,
    /// Preset name.
    pub preset: String,
    /// Output size.
    pub resolution: Resolution,
    /// Frames whose timings arrived (of `BenchSettings::frames`).
    pub frames_timed: usize,
    /// Whole-frame GPU span (first scope begin to last end), ms.
    pub frame_gpu_ms: Option<Stat>,
    /// Whole-frame CPU encode ms (sum of the passes').
    pub frame_cpu_encode_ms: Option<Stat>,
    /// Every timed pass, in recording order.
    pub passes: Vec<PassResult>,
    /// Every texture and buffer at the end of the run.
    pub memory: Vec<MemoryEntry>,
    /// Sum of `memory`.
    pub memory_bytes: u64,
    /// Sum of the entries that scale with the resolution.
    pub memory_per_resolution_bytes: u64,
    /// What the renderer's texture pools said they hold (`Renderer::pool_bytes`); the
    /// `pooled` entries of `memory` add up to it.
    pub pool_bytes: u64,
    /// The full-screen pass variant asked for, what ran and why (absent in reports from
    /// before variants existed).
    #[serde(default)]
    pub variant: Option<VariantChoice>,
    /// The rung of the timing ladder that measured it (`encoder`, `pass` or `frame`; on
    /// `frame` there are no per-pass rows). Empty in reports from before the ladder.
    #[serde(default)]
    pub timing: String,
    /// The frame's shape as a tile-based GPU sees it (absent without per-pass rows).
    #[serde(default)]
    pub frame_shape: Option<FrameShapeReport>,
    /// The display output the finish encoded for ([`crate::post::display::DisplaySettings::describe`]: SDR, or PQ /
    /// scRGB with paper white and peak). Empty in reports from before HDR output.
    #[serde(default)]
    pub display: String,
}

/// How many full-screen passes a frame runs, the bytes it moves per display pixel (both from
/// the passes' declared traffic, [`traffic::pass_traffic`]) and the resolution-sized targets
/// it holds (measured: the memory report's entries that scale with the resolution).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameShapeReport {
    /// Passes over every pixel of the render or display size, summed over the timed passes.
    pub full_screen_passes: u32,
    /// Bytes read and written per display pixel by the passes with declared traffic.
    pub bytes_per_pixel: f64,
    /// The timed passes without declared traffic (shadow map, forward blending).
    pub not_counted: Vec<String>,
    /// Textures and buffers sized from the resolution (targets, pools, histories).
    pub resolution_targets: usize,
    /// Their bytes.
    pub resolution_bytes: u64,
}

/// The adapter a report was measured on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdapterReport {
    /// Adapter name.
    pub name: String,
    /// Backend (Vulkan, Metal, ...).
    pub backend: String,
    /// Device type (discrete, integrated, CPU, ...).
    pub device_type: String,
    /// Driver name.
    pub driver: String,
    /// Driver version text.
    pub driver_info: String,
    /// PCI vendor id.
    pub vendor: u32,
    /// PCI device id.
    pub device: u32,
    /// `desktop` or `mobile` (`Gpu::device_class`).
    pub device_class: String,
    /// Timestamp queries available (without them there are no GPU times).
    pub timestamps: bool,
    /// Known bugs of this driver that distort the figures ([`crate::gpu::known_driver_issues`]).
    #[serde(default)]
    pub known_issues: Vec<String>,
    /// The capability level the device reached and what it lacks ([`crate::gpu::Capabilities`]);
    /// at the downlevel level automatic exposure meters by fragment samples read back to the
    /// CPU and the grade LUT is baked on
    /// the CPU.
    #[serde(default)]
    pub capability_level: String,
}

/// The build that measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildReport {
    /// Crate version.
    pub version: String,
    /// `git rev-parse --short HEAD` of the source tree, with `-dirty` for local changes, if
    /// git and the tree are there.
    pub git_commit: Option<String>,
    /// `debug` or `release` (whether debug assertions were on).
    pub profile: String,
}

impl BuildReport {
    /// This build.
    pub fn current() -> Self {
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(env!("CARGO_MANIFEST_DIR"))
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        };
        let git_commit = git(&["rev-parse", "--short", "HEAD"]).map(|commit| {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty { format!("{commit}-dirty") } else { commit }
        });
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            git_commit,
            profile: if cfg!(debug_assertions) { "debug" } else { "release" }.to_owned(),
        }
    }
}

/// The settings of a run, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchSettings {
    /// Frames measured per combination.
    pub frames: u32,
    /// Warm-up frames per combination.
    pub warm_up: u32,
    /// Camera path speed.
    pub degrees_per_frame: f32,
    /// DRAM bandwidth used for the floor, GB/s.
    pub peak_gbps: Option<f64>,
    /// Where it came from: `--peak-gbps`, `nominal datasheet (known-device table)` or none.
    pub peak_source: Option<String>,
    /// Each preset's settings as run (budget off).
    pub presets: BTreeMap<String, PostSettings>,
}

/// A whole benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The adapter.
    pub adapter: AdapterReport,
    /// The build.
    pub build: BuildReport,
    /// The settings.
    pub settings: BenchSettings,
    /// Every combination, scenes outermost, then presets, then resolutions.
    pub runs: Vec<RunResult>,
    /// What each tier buys: error against the reference beside GPU ms (`--quality`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<quality::QualityReport>,
}

/// A run's progress, for a progress bar: frames done of all frames of all combinations.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    /// Frames rendered so far (warm-up included).
    pub done: u64,
    /// Frames to render in all.
    pub total: u64,
    /// The combination being run: `scene / preset / resolution`.
    pub current: &'a str,
}

/// The frame's shape from its timed passes' traffic and its memory (None without pass rows).
fn frame_shape(
    passes: &[PassResult],
    memory: &[MemoryEntry],
    size: (u32, u32),
) -> Option<FrameShapeReport> {
    if passes.is_empty() {
        return None;
    }
    let display = f64::from(size.0) * f64::from(size.1);
    let counted = passes.iter().filter_map(|p| p.traffic.as_ref());
    let resolution: Vec<&MemoryEntry> = memory.iter().filter(|e| e.per_resolution).collect();
    Some(FrameShapeReport {
        full_screen_passes: counted.clone().map(|t| t.full_screen_passes).sum(),
        bytes_per_pixel: counted.map(|t| t.bytes()).sum::<f64>() / display.max(1.0),
        not_counted: passes
            .iter()
            .filter(|p| p.traffic.is_none())
            .map(|p| p.name.clone())
            .collect(),
        resolution_targets: resolution.len(),
        resolution_bytes: resolution.iter().map(|e| e.bytes).sum(),
    })
}

/// Run every combination in `config` on `gpu` with one baked `environment`, calling
/// `progress` after every frame.
pub fn run(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    config: &BenchConfig,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BenchReport, Error> {
    if config.frames == 0 {
        return Err(Error::InvalidArgument("--frames must be at least 1".into()));
    }
    let (peak_gbps, peak_source) = match config.peak_gbps {
        Some(p) if p.is_finite() && p > 0.0 => (Some(p), Some("--peak-gbps".to_owned())),
        Some(p) => {
            return Err(Error::InvalidArgument(format!("--peak-gbps {p}: must be above 0")));
        }
        None => match traffic::known_peak_gbps(&gpu.info.name) {
            Some(p) => (Some(p), Some("nominal datasheet (known-device table)".to_owned())),
            None => (None, None),
        },
    };
    let presets: Vec<BenchPreset> = config
        .presets
        .iter()
        .map(|p| {
            let mut settings = p.settings.clone();
            settings.budget.mode = BudgetMode::Off;
            let (settings, warnings) = settings.validated();
            for warning in warnings {
                log::warn!("preset {}: {warning}", p.name);
            }
            BenchPreset { name: p.name.clone(), settings }
        })
        .collect();
    let per_run = u64::from(config.frames + config.warm_up);
    let variants: Vec<Option<PassVariant>> = match config.variants.is_empty() {
        true => vec![None],
        false => config.variants.iter().copied().map(Some).collect(),
    };
    let combos = config.scenes.len() * presets.len() * config.resolutions.len() * variants.len();
    let total = per_run * combos as u64;
    let mut done = 0;
    let mut runs = Vec::new();
    for scene in &config.scenes {
        for preset in &presets {
            for (resolution, variant) in
                config.resolutions.iter().flat_map(|r| variants.iter().map(move |v| (r, *v)))
            {
                let mut preset = preset.clone();
                if let Some(variant) = variant {
                    preset.settings.variant = variant;
                }
                let variant = preset.settings.variant.name();
                let label =
                    format!("{} / {} / {} / {variant}", scene.name, preset.name, resolution.name);
                let mut on_frame = |_| {
                    done += 1;
                    progress(Progress { done, total, current: &label });
                };
                let run =
                    run_one(gpu, environment, config, scene, &preset, resolution, &mut on_frame)?;
                let run = with_bandwidth(run, peak_gbps);
                runs.push(run);
            }
        }
    }
    let class = gpu.device_class();
    Ok(BenchReport {
        schema: SCHEMA_VERSION,
        adapter: AdapterReport {
            name: gpu.info.name.clone(),
            backend: format!("{:?}", gpu.info.backend),
            device_type: format!("{:?}", gpu.info.device_type),
            driver: gpu.info.driver.clone(),
            driver_info: gpu.info.driver_info.clone(),
            vendor: gpu.info.vendor,
            device: gpu.info.device,
            device_class: format!("{:?}", class.class).to_ascii_lowercase(),
            timestamps: gpu.timestamps,
            known_issues: crate::gpu::known_driver_issues(&gpu.info),
            capability_level: gpu.capabilities.to_string(),
        },
        build: BuildReport::current(),
        settings: BenchSettings {
            frames: config.frames,
            warm_up: config.warm_up,
            degrees_per_frame: config.degrees_per_frame,
            peak_gbps,
            peak_source,
            presets: presets.iter().map(|p| (p.name.clone(), p.settings.clone())).collect(),
        },
        runs,
        quality: None,
    })
}

/// Fill in achieved GB/s and the DRAM-floor ratio from each pass's traffic and median.
fn with_bandwidth(mut run: RunResult, peak_gbps: Option<f64>) -> RunResult {
    for pass in &mut run.passes {
        let Some(traffic) = &pass.traffic else { continue };
        let ms = pass.gpu_ms.median;
        pass.achieved_gbps = traffic.achieved_gbps(ms);
        pass.dram_floor_ratio = peak_gbps
            .and_then(|peak| traffic.floor_ms(peak))
            .and_then(|floor| (ms > 0.0).then(|| floor / ms));
    }
    run
}

/// Per pass name: GPU ms and CPU ms samples, in the order names first appear.
type Samples = Vec<(String, Vec<f64>, Vec<f64>)>;

fn run_one(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    config: &BenchConfig,
    scene: &BenchScene,
    preset: &BenchPreset,
    resolution: &Resolution,
    on_frame: &mut dyn FnMut(u64),
) -> Result<RunResult, Error> {
    let size = (resolution.width, resolution.height);
    let mut renderer = Renderer::with_environment(
        gpu,
        &scene.scene,
        size,
        environment.clone(),
        &RendererSettings::default(),
    )?;
    let options = RenderOptions { post: preset.settings.clone(), ..Default::default() };
    let aspect = size.0 as f32 / size.1 as f32;
    let first_measured = renderer.frame_index() + u64::from(config.warm_up);
    let mut passes: Samples = Vec::new();
    let (mut span, mut cpu) = (Vec::new(), Vec::new());
    let mut next_expected = renderer.frame_index();
    let mut take = |timings: Vec<FrameTiming>, next_expected: &mut u64| {
        for timing in timings {
            *next_expected = timing.frame + 1;
            if timing.frame < first_measured {
                continue;
            }
            span.push(timing.gpu_ms);
            cpu.push(timing.cpu_ms);
            let mut frame: Samples = Vec::new();
            for pass in timing.passes {
                match frame.iter_mut().find(|(name, ..)| *name == pass.name) {
                    Some((_, gpu_ms, cpu_ms)) => {
                        gpu_ms[0] += pass.ms;
                        cpu_ms[0] += pass.cpu_ms;
                    }
                    None => frame.push((pass.name, vec![pass.ms], vec![pass.cpu_ms])),
                }
            }
            for (name, gpu_ms, cpu_ms) in frame {
                match passes.iter_mut().find(|(n, ..)| *n == name) {
                    Some((_, g, c)) => {
                        g.extend(gpu_ms);
                        c.extend(cpu_ms);
                    }
                    None => passes.push((name, gpu_ms, cpu_ms)),
                }
            }
        }
    };
    for k in 0..u64::from(config.warm_up + config.frames) {
        let yaw = 30.0 + config.degrees_per_frame * k as f32;
        let camera = Camera::frame_bounds(&scene.scene.bounds, yaw, 20.0, aspect);
        renderer.render(gpu, &camera, &options)?;
        take(renderer.frame_timings(), &mut next_expected);
        if renderer.frame_index() - next_expected > MAX_FRAMES_IN_FLIGHT {
            gpu.wait_idle();
        }
        on_frame(k);
    }
    take(renderer.wait_for_frame_timings(), &mut next_expected);
    let shape = FrameShape {
        post: &options.post,
        hdr_format: RendererSettings::default().hdr_format.texture_format(),
        size,
        render_size: renderer.render_size(),
    };
    // What each pass ran as: AO resolves in the renderer, the rest in the post chain.
    let used = |name: &str| {
        let choice = match name {
            "ao" | "lighting" => renderer.ao_variant(),
            _ => renderer.post_variant(),
        };
        choice.map_or(PassVariant::Fragment, |c| c.used)
    };
    let passes: Vec<PassResult> = passes
        .into_iter()
        .filter_map(|(name, gpu_ms, cpu_ms)| {
            Some(PassResult {
                traffic: traffic::pass_traffic_variant(&name, &shape, used(&name)),
                gpu_ms: Stat::from_samples(&gpu_ms)?,
                cpu_encode_ms: Stat::from_samples(&cpu_ms)?,
                achieved_gbps: None,
                dram_floor_ratio: None,
                name,
            })
        })
        .collect();
    let memory = renderer.memory(&options.post);
    let shape = frame_shape(&passes, &memory, size);
    Ok(RunResult {
        scene: scene.name.clone(),
        triangles: crate::scene::triangle_count(&scene.scene),
        preset: preset.name.clone(),
        resolution: resolution.clone(),
        frames_timed: span.len(),
        frame_gpu_ms: Stat::from_samples(&span),
        frame_cpu_encode_ms: Stat::from_samples(&cpu),
        passes,
        memory_bytes: memory::total_bytes(&memory),
        memory_per_resolution_bytes: memory
            .iter()
            .filter(|e| e.per_resolution)
            .map(|e| e.bytes)
            .sum(),
        pool_bytes: renderer.pool_bytes(),
        frame_shape: shape,
        display: options.post.display.validated().0.describe(),
        memory,
        variant: renderer.post_variant().cloned(),
        timing: renderer.timing_method().name().to_owned(),
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

impl BenchReport {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Read a report written by [`BenchReport::to_json`]; errors name the file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let invalid = |reason: String| {
            Error::InvalidArgument(format!("benchmark report {}: {reason}", path.display()))
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        let report: BenchReport =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if report.schema != SCHEMA_VERSION {
            return Err(invalid(format!(
                "schema {} (this build reads {SCHEMA_VERSION})",
                report.schema
            )));
        }
        Ok(report)
    }

    /// Markdown: a heading per run and a table of its passes (GPU ms, CPU encode ms, declared
    /// bytes per pixel, GB/s, share of the DRAM floor), the whole frame, and its memory.
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let mut md = String::new();
        let a = &self.adapter;
        let b = &self.build;
        let s = &self.settings;
        let _ = writeln!(
            md,
            "Adapter: {} ({}, {}, driver {} {}); afterlight {} ({}, {} build); {} frames after \
             {} warm-up, camera turntable {}°/frame.",
            a.name,
            a.backend,
            a.device_type,
            a.driver,
            a.driver_info,
            b.version,
            b.git_commit.as_deref().unwrap_or("no git"),
            b.profile,
            s.frames,
            s.warm_up,
            s.degrees_per_frame
        );
        for issue in &a.known_issues {
            let _ = writeln!(md, "Known driver issue: {issue}.");
        }
        if a.capability_level.starts_with("downlevel") {
            let _ = writeln!(
                md,
                "Capability level {}: automatic exposure meters by fragment samples read back to \
                 the CPU, the grade LUT is baked \
                 on the CPU, no compute variants.",
                a.capability_level
            );
        }
        match (s.peak_gbps, &s.peak_source) {
            (Some(p), Some(source)) => {
                let _ = writeln!(md, "DRAM floor at {p} GB/s ({source}).");
            }
            _ => {
                let _ = writeln!(md, "No peak bandwidth (--peak-gbps): no DRAM-floor ratio.");
            }
        }
        let f = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
        for run in &self.runs {
            let _ = writeln!(
                md,
                "\n### {} ({} triangles) / {} / {} ({}x{}){}\n",
                run.scene,
                run.triangles,
                run.preset,
                run.resolution.name,
                run.resolution.width,
                run.resolution.height,
                run.variant.as_ref().map_or(String::new(), |v| format!(" / {}", v.used.name()))
            );
            if let Some(v) = &run.variant {
                let _ = writeln!(
                    md,
                    "Full-screen passes: {} (asked: {}; {}{}).\n",
                    v.used.name(),
                    v.requested.name(),
                    v.reason,
                    if v.fallback { "; FALLBACK" } else { "" }
                );
            }
            if !run.display.is_empty() {
                let _ = writeln!(md, "Display output: {}.\n", run.display);
            }
            if let Some(shape) = &run.frame_shape {
                let _ = writeln!(
                    md,
                    "Frame shape: {} full-screen passes, {:.1} B/px moved (declared traffic{}), \
                     {} resolution-sized targets ({:.1} MiB).\n",
                    shape.full_screen_passes,
                    shape.bytes_per_pixel,
                    if shape.not_counted.is_empty() {
                        String::new()
                    } else {
                        format!("; not counted: {}", shape.not_counted.join(", "))
                    },
                    shape.resolution_targets,
                    shape.resolution_bytes as f64 / (1024.0 * 1024.0)
                );
            }
            if run.timing == "frame" {
                let _ = writeln!(
                    md,
                    "GPU timing: frame (no timestamps on this device): the frame row only.\n"
                );
            } else if !run.timing.is_empty() {
                let _ = writeln!(md, "GPU timing: {}.\n", run.timing);
            }
            let _ = writeln!(
                md,
                "| pass | GPU ms median | p90 | p99 | CPU encode ms | read B/px | write B/px | GB/s | of DRAM floor |"
            );
            let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for p in &run.passes {
                let t = p.traffic.as_ref();
                let _ = writeln!(
                    md,
                    "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {} | {} | {} | {} |",
                    p.name,
                    p.gpu_ms.median,
                    p.gpu_ms.p90,
                    p.gpu_ms.p99,
                    p.cpu_encode_ms.median,
                    f(t.map(|t| t.read_bytes_per_pixel), 1),
                    f(t.map(|t| t.write_bytes_per_pixel), 1),
                    f(p.achieved_gbps, 2),
                    p.dram_floor_ratio.map_or("-".into(), |r| format!("{:.1}%", r * 100.0)),
                );
            }
            let (g, c) = (run.frame_gpu_ms, run.frame_cpu_encode_ms);
            let _ = writeln!(
                md,
                "| **frame** (GPU span) | {} | {} | {} | {} | | | | |",
                f(g.map(|s| s.median), 3),
                f(g.map(|s| s.p90), 3),
                f(g.map(|s| s.p99), 3),
                f(c.map(|s| s.median), 3),
            );
            let _ = writeln!(
                md,
                "\nFrames timed: {} of {}. GPU memory: {:.1} MiB in {} textures/buffers, of which \
                 {:.1} MiB scale with the resolution ({:.1} MiB in transient pools).",
                run.frames_timed,
                self.settings.frames,
                mib(run.memory_bytes),
                run.memory.len(),
                mib(run.memory_per_resolution_bytes),
                mib(run.pool_bytes)
            );
        }
        md.push_str(&self.variant_table());
        md
    }

    /// Fragment against compute, side by side, for every scene x preset x resolution run
    /// with both (empty when none was): each pass's GPU median under each and their ratio.
    pub fn variant_table(&self) -> String {
        use std::fmt::Write as _;
        let mut md = String::new();
        let used =
            |run: &RunResult, v: PassVariant| run.variant.as_ref().is_some_and(|c| c.used == v);
        for fragment in self.runs.iter().filter(|r| used(r, PassVariant::Fragment)) {
            let Some(compute) = self.runs.iter().find(|r| {
                used(r, PassVariant::Compute)
                    && (&r.scene, &r.preset, &r.resolution)
                        == (&fragment.scene, &fragment.preset, &fragment.resolution)
            }) else {
                continue;
            };
            let _ = writeln!(
                md,
                "\n### Fragment vs compute: {} / {} / {}\n\n| pass | fragment ms | compute ms | \
                 compute / fragment |\n|---|---:|---:|---:|",
                fragment.scene, fragment.preset, fragment.resolution.name
            );
            let mut names: Vec<&str> = fragment.passes.iter().map(|p| p.name.as_str()).collect();
            for p in &compute.passes {
                if !names.contains(&p.name.as_str()) {
                    names.push(&p.name);
                }
            }
            let median = |run: &RunResult, name: &str| {
                run.passes.iter().find(|p| p.name == name).map(|p| p.gpu_ms.median)
            };
            let mut row = |name: &str, a: Option<f64>, b: Option<f64>| {
                let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.3}"));
                let ratio = match (a, b) {
                    (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                    _ => "-".into(),
                };
                let _ = writeln!(md, "| {name} | {} | {} | {ratio} |", ms(a), ms(b));
            };
            for name in names {
                row(name, median(fragment, name), median(compute, name));
            }
            let frame = |run: &RunResult| run.frame_gpu_ms.map(|s| s.median);
            row("**frame** (GPU span)", frame(fragment), frame(compute));
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_parse_by_name_and_size() {
        let r: Resolution = "1080p".parse().expect("1080p");
        assert_eq!((r.width, r.height), (1920, 1080));
        let r: Resolution = "4K".parse().expect("4k");
        assert_eq!((r.width, r.height), (3840, 2160));
        let r: Resolution = "64x48".parse().expect("WxH");
        assert_eq!((r.width, r.height, r.name.as_str()), (64, 48, "64x48"));
        assert!("0x10".parse::<Resolution>().is_err());
        assert!("big".parse::<Resolution>().unwrap_err().contains("WIDTHxHEIGHT"));
    }

    #[test]
    fn statistics_are_nearest_rank_percentiles() {
        let samples: Vec<f64> = (1..=200).map(f64::from).collect();
        let s = Stat::from_samples(&samples).expect("samples");
        assert_eq!((s.median, s.p90, s.p99, s.samples), (100.0, 180.0, 198.0, 200));
        assert!((s.mean - 100.5).abs() < 1e-12);
        // A broken timestamp does not move the statistics; nothing usable gives nothing.
        let s = Stat::from_samples(&[2.0, f64::NAN, 1.0, 3.0]).expect("samples");
        assert_eq!((s.median, s.samples), (2.0, 3));
        assert_eq!(Stat::from_samples(&[f64::NAN]), None);
    }

    #[test]
    fn the_json_round_trips() {
        let report = compare::tests::report(&[("finish", 1.0), ("bloom", 2.0)]);
        let json = report.to_json();
        let back: BenchReport = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, report);
        let dir = std::env::temp_dir().join(format!("afterlight-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("report.json");
        std::fs::write(&path, &json).expect("written");
        assert_eq!(BenchReport::load(&path).expect("loads"), report);
        std::fs::write(&path, "{\"schema\": 1}").expect("written");
        let error = BenchReport::load(&path).unwrap_err().to_string();
        assert!(error.contains("report.json") && error.contains("missing field"), "{error}");
        assert!(report.markdown().contains("| finish | 1.000 |"));
    }

    #[test]
    fn unknown_presets_and_scenes_are_named_in_the_error() {
        let error = load_preset("nonesuch").unwrap_err().to_string();
        assert!(error.contains("nonesuch") && error.contains("desktop"), "{error}");
        let error = load_scene("nonesuch", Path::new("/nowhere")).err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("nonesuch") && e.contains("atrium")));
        assert!(load_preset("mobile").is_ok());
    }
}

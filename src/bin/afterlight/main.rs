//! The `afterlight` command line: `info` reports adapters, `render` draws a scene to PNG or EXR,
//! `preset` prints a preset fully resolved, `lut export` writes a preset's grade as a `.cube`,
//! `lut info` describes a LUT file and `lut convert` rewrites one as a 3D `.cube`,
//! `quality` measures passes against their references, `bench` benchmarks passes (or traces the
//! budget governor).

mod bench;
mod info;
mod lut;
mod preset;
mod quality;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use afterlight::gpu::{self, GpuOptions};
use clap::{Parser, Subcommand};

use bench::{BenchArgs, bench};
use info::info;
use lut::LutCommand;
use preset::print_preset;
use quality::{QualityArgs, quality};
use render::{RenderArgs, render};

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
    /// Work with LUT files: export a preset's grade, describe or convert a file.
    #[command(subcommand)]
    Lut(LutCommand),
    /// Measure passes against their references and print error beside GPU time per tier:
    /// ambient occlusion against a CPU ray tracer, anti-aliasing (none, FXAA, SMAA, TAA) against a
    /// supersampled image, the spatial upscale (and CPU resizes) against the native render.
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
        Command::Lut(command) => lut::run(command),
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

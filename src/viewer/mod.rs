//! `afterlight view`: a window for tuning the post chain live (feature `viewer`).
//!
//! A winit window with a wgpu surface shows the renderer's finished image in the 3D viewport
//! beside an egui panel ([`panel`]) of every pass and setting ([`schema`]). The mouse orbits,
//! pans and zooms ([`orbit`]); `F` frames the scene; dropping a `.glb`/`.gltf`, `.hdr`/`.exr`,
//! `.cube` or preset `.toml` onto the window loads it. Shaders under the shader directory and
//! the loaded preset are watched and reloaded on save, keeping the last good version when the
//! new one has errors ([`reload`]). `F12` (or `P`) writes a screenshot: PNG of the finished
//! image and EXR of the HDR one.
//!
//! Reads: a scene, an optional preset and environment, shader files. Writes: the window, and
//! presets and screenshots where asked. The approach is the usual immediate-mode tool loop:
//! one egui pass per frame, then the scene frame, then the present pass ([`blit`]) and egui's
//! own pass into the surface texture.

mod app;
pub mod blit;
mod custom_panel;
pub mod hdr_surface;
pub mod orbit;
pub mod panel;
pub mod reload;
pub mod schema;
pub mod session;

use std::path::{Path, PathBuf};

pub use app::run;

use crate::config::{self, Preset, PresetError};
use crate::post::chain::PostSettings;

/// How `afterlight view` starts.
#[derive(Clone, Debug, Default)]
pub struct ViewerOptions {
    /// The scene (.glb/.gltf); `None` is the built-in product demo.
    pub scene: Option<PathBuf>,
    /// A preset to start from; `None` is the built-in defaults.
    pub preset: Option<PathBuf>,
    /// An equirectangular environment (.hdr/.exr); `None` is the neutral studio.
    pub env: Option<PathBuf>,
    /// The window's inner size in pixels.
    pub size: (u32, u32),
    /// Close after this many frames (scripted runs and tests).
    pub exit_after_frames: Option<u64>,
    /// Write the finished image here (PNG; an EXR of the HDR image beside it) before closing
    /// after `exit_after_frames`.
    pub screenshot: Option<PathBuf>,
    /// Adapter name filter.
    pub gpu: crate::gpu::GpuOptions,
    /// Directory of shaders to watch; `None` watches [`crate::shaders::source_dir`], where the
    /// renderer reads its shaders, or else the `shaders/` of the checkout the build was made
    /// in when it matches the build, which the renderer is then told to read
    /// ([`reload::choose_shader_dir`]).
    pub shader_dir: Option<PathBuf>,
}

/// The command line of `afterlight view`.
#[derive(Clone, Debug, clap::Args)]
pub struct ViewArgs {
    /// A .gltf or .glb file; without one, the built-in scene scenes/product_demo.glb.
    pub scene: Option<PathBuf>,
    /// A preset file (TOML) to start from; it is reloaded when it changes on disk.
    #[arg(long)]
    pub preset: Option<PathBuf>,
    /// Equirectangular environment (.hdr or .exr); without one, a neutral studio.
    #[arg(long)]
    pub env: Option<PathBuf>,
    /// Window size as WIDTHxHEIGHT (the panel takes 300 points on the right).
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Close after this many frames (scripted runs).
    #[arg(long)]
    pub exit_after_frames: Option<u64>,
    /// With --exit-after-frames: write the finished image here as PNG (and the HDR image as
    /// EXR beside it) before closing.
    #[arg(long, requires = "exit_after_frames")]
    pub screenshot: Option<PathBuf>,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text.split_once(['x', 'X']).ok_or("expected WIDTHxHEIGHT, e.g. 1280x720")?;
    let parse = |s: &str| s.trim().parse::<u32>().map_err(|e| format!("{s:?}: {e}"));
    match (parse(w)?, parse(h)?) {
        (w, h) if (64..=16384).contains(&w) && (64..=16384).contains(&h) => Ok((w, h)),
        (w, h) => Err(format!("window size {w}x{h}: each side must be 64..=16384")),
    }
}

/// `afterlight view` from its command line; errors are the library's (a viewer failure
/// becomes [`crate::Error::InvalidArgument`] with its message).
pub fn run_command(gpu: &crate::gpu::GpuOptions, args: &ViewArgs) -> Result<(), crate::Error> {
    let options = ViewerOptions {
        scene: args.scene.clone(),
        preset: args.preset.clone(),
        env: args.env.clone(),
        size: args.size,
        exit_after_frames: args.exit_after_frames,
        screenshot: args.screenshot.clone(),
        gpu: gpu.clone(),
        shader_dir: None,
    };
    match run(options) {
        Ok(()) => Ok(()),
        Err(ViewerError::Afterlight(e)) => Err(e),
        Err(e) => Err(crate::Error::InvalidArgument(e.to_string())),
    }
}

/// Why the viewer stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// No window could be opened (no display, an event loop error).
    #[error("cannot open a window: {0}")]
    Window(String),
    /// The window's surface cannot be drawn to with this adapter.
    #[error("cannot draw to the window: {0}")]
    Surface(String),
    /// The GPU device was lost (driver reset, GPU removed).
    #[error("the GPU device was lost ({0}); the viewer has to close")]
    DeviceLost(String),
    /// Starting up failed: the scene, the preset, the environment or the renderer.
    #[error(transparent)]
    Afterlight(#[from] crate::Error),
}

/// `settings` as preset TOML for a file at `path`: every key in a fixed order (the same
/// settings always give the same bytes), the `.cube` path made relative to the preset's folder
/// when it lies inside it (so a preset and its LUT can move together).
pub fn preset_text(settings: &PostSettings, path: &Path) -> Result<String, PresetError> {
    let mut settings = settings.clone();
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    if let (Some(file), Some(folder)) = (&settings.lut.file, path.parent())
        && let Ok(relative) = absolute(file).strip_prefix(absolute(folder))
    {
        settings.lut.file = Some(relative.to_owned());
    }
    config::to_toml(&settings)
}

/// Write `settings` to `path` as a preset (see [`preset_text`]), then read it back the way
/// `--preset` would, so what was written is known to load.
pub fn save_preset(settings: &PostSettings, path: &Path) -> Result<Preset, PresetError> {
    let text = preset_text(settings, path)?;
    std::fs::write(path, text)
        .map_err(|e| PresetError::Write(format!("{}: {e}", path.display())))?;
    Preset::load(path)
}

//! afterlight: a real-time 3D post-effects stack on wgpu.
//!
//! A deferred renderer draws glTF 2.0 scenes into a G-buffer; screen-space passes turn the HDR
//! result into the picture people see. See `DESIGN.md` in the shared folder for the architecture.
//!
//! Rendering a scene headless to an 8-bit sRGB image:
//! ```no_run
//! use afterlight::{gpu::Gpu, render::{Renderer, RenderOptions}, scene::{self, Camera}};
//! # fn main() -> Result<(), afterlight::Error> {
//! let gpu = Gpu::new(&Default::default())?;
//! let scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
//! let mut renderer = Renderer::new(&gpu, &scene, 256, 256)?;
//! let camera = Camera::frame_bounds(&scene.bounds, 30.0, 20.0, 1.0);
//! renderer.render(&gpu, &camera, &RenderOptions::default())?;
//! let pixels = renderer.read_display(&gpu)?; // 256 * 256 * 4 bytes, sRGB
//! # let _ = pixels; Ok(()) }
//! ```

pub mod bench;
pub mod budget;
pub mod config;
pub mod gpu;
pub mod graph;
pub mod post;
pub mod quality;
pub mod render;
pub mod scene;
pub mod shaders;
#[cfg(feature = "viewer")]
pub mod viewer;

/// Every error afterlight reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Adapter, device or readback failure.
    #[error(transparent)]
    Gpu(#[from] gpu::GpuError),
    /// The scene could not be imported.
    #[error(transparent)]
    Scene(#[from] scene::SceneError),
    /// A shader failed to load, include or validate.
    #[error(transparent)]
    Shader(#[from] shaders::ShaderError),
    /// A preset file could not be read or parsed.
    #[error(transparent)]
    Preset(#[from] config::PresetError),
    /// The post chain cannot run as configured (a pass reads an input the pipeline lacks).
    #[error(transparent)]
    Chain(#[from] post::chain::ChainError),
    /// A `.cube` LUT could not be read or written.
    #[error(transparent)]
    Lut(#[from] post::lut::LutError),
    /// Invalid argument (size of zero, unknown camera index, ...).
    #[error("{0}")]
    InvalidArgument(String),
    /// An environment map could not be read or is not a linear HDR image.
    #[error("cannot load environment {path}: {reason}")]
    Environment {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// Writing an output file failed.
    #[error("cannot write {path}: {reason}")]
    Output {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
}

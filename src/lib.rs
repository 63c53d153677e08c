//! afterlight: a real-time 3D post-effects stack on wgpu.
//!
//! A deferred renderer ([`render::Renderer`]) draws glTF 2.0 scenes into a G-buffer; a chain of
//! screen-space passes ([`post`]: depth of field, motion blur, TAA, exposure, bloom, the fused
//! tone map + grade + finish, FXAA, sharpening) turns the HDR result into the picture people
//! see, and a budget governor ([`budget`]) turns passes down to hold a GPU frame time. See
//! `DESIGN.md` in the shared folder for the architecture.
//!
//! # Embedding the post stack
//! [`post::stack::PostStack`] runs on the app's own device, queue, textures and command
//! encoder: the app renders HDR colour (and, where it has them, depth and motion vectors),
//! the stack writes the finished picture into the app's target view, in any colour format.
//! afterlight's own renderer drives its post processing through exactly this API.
//! ```no_run
//! use afterlight::post::chain::{PostSettings, Provided};
//! use afterlight::post::stack::{PostInputs, PostStack, PostStackDescriptor};
//!
//! fn frame(
//!     device: &wgpu::Device,
//!     queue: &wgpu::Queue,
//!     hdr: &wgpu::TextureView,        // the app's Rgba16Float colour, 1280x720
//!     depth: &wgpu::TextureView,      // its reverse-Z Depth32Float
//!     motion: &wgpu::TextureView,     // its Rg16Float motion vectors
//!     swapchain: &wgpu::TextureView,  // a Bgra8UnormSrgb surface texture
//!     view_projection: glam::Mat4,    // this frame's, without jitter
//! ) -> Result<(), afterlight::Error> {
//!     // Once: a preset (or `PostSettings` built in code) and what the app provides.
//!     let preset = afterlight::config::Preset::load("presets/desktop.toml")?;
//!     let mut settings = preset.settings;
//!     settings.ao.tier = afterlight::post::Tier::Off; // AO belongs in the app's lighting
//!     let descriptor = PostStackDescriptor {
//!         settings,
//!         hdr_format: wgpu::TextureFormat::Rgba16Float,
//!         output_format: wgpu::TextureFormat::Bgra8UnormSrgb,
//!         provided: Provided { depth: true, normals: false, motion: true },
//!     };
//!     let mut post = PostStack::new(device, queue, &descriptor)?;
//!
//!     // Every frame: the plan says what to render (TAA's jitter, the render size) ...
//!     let plan = post.begin_frame((1280, 720))?;
//!     let _jittered = plan.jittered(view_projection); // rasterise the scene with this
//!     let mut encoder = device.create_command_encoder(&Default::default());
//!     // ... the app draws its scene into `hdr`, `depth` and `motion` here ...
//!     let inputs = PostInputs {
//!         depth: Some(depth),
//!         motion: Some(motion),
//!         view_projection: Some(view_projection),
//!         ..PostInputs::new(hdr)
//!     };
//!     post.record(&mut encoder, &inputs, swapchain)?;
//!     queue.submit([encoder.finish()]);
//!     post.end_frame();
//!     // What to show in the app's UI: GPU ms per pass and what the governor did.
//!     for pass in post.pass_times() {
//!         println!("{}: {:.2} ms", pass.name, pass.ms);
//!     }
//!     println!("budget: {}", post.governor().status());
//!     Ok(())
//! }
//! ```
//! `examples/embed_minimal.rs` runs this end to end with an app's own wgpu drawing;
//! `examples/ar_composite.rs` composites over a camera image ([`post::composite`]).
//!
//! # Rendering a scene
//! Headless, to an 8-bit sRGB image:
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
//!
//! # Features
//! `cli` (the `afterlight` command) and `viewer` (`afterlight view`: winit, egui, hot reload)
//! are on by default; an embedding app depends on afterlight with `default-features = false`.

#![warn(missing_docs)]

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

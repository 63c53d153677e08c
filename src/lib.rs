//! afterlight: a real-time 3D post-effects stack on wgpu.
//!
//! A deferred renderer ([`render::Renderer`]) draws glTF 2.0 scenes into a G-buffer; a chain of
//! screen-space passes ([`post`]: depth of field, motion blur, TAA, exposure, bloom, the fused
//! tone map + grade + finish, FXAA, sharpening) turns the HDR result into the picture people
//! see, and a budget governor ([`post::budget`]) turns passes down to hold a GPU frame time. See
//! `docs/architecture.md` in the repository for the architecture.
//!
//! # Embedding the post stack
//! [`post::stack::PostStack`] runs on the app's own device, queue, textures and command
//! encoder: the app renders HDR colour (and, where it has them, depth and motion vectors),
//! the stack writes the finished picture into the app's target view, in any colour format.
//! afterlight's own renderer drives its post processing through exactly this API.
//! ```
//! use afterlight::post::chain::{PostSettings, Provided};
//! use afterlight::post::stack::{PostInputs, PostStack, PostStackDescriptor};
//!
//! fn frame(
//!     device: &wgpu::Device,
//!     queue: &wgpu::Queue,
//!     hdr: &wgpu::TextureView,        // the app's Rgba16Float colour
//!     depth: &wgpu::TextureView,      // its reverse-Z Depth32Float
//!     motion: &wgpu::TextureView,     // its Rg16Float motion vectors
//!     swapchain: &wgpu::TextureView,  // a Bgra8UnormSrgb surface texture
//!     size: (u32, u32),
//!     view_projection: glam::Mat4,    // this frame's, without jitter
//!     settings: PostSettings,         // e.g. `afterlight::config::Preset::load(path)?.settings`
//! ) -> Result<(), afterlight::Error> {
//!     // Once: the settings (a preset's, or built in code) and what the app provides.
//!     let descriptor = PostStackDescriptor {
//!         settings,
//!         hdr_format: wgpu::TextureFormat::Rgba16Float,
//!         output_format: wgpu::TextureFormat::Bgra8UnormSrgb,
//!         provided: Provided { depth: true, normals: false, motion: true },
//!     };
//!     let mut post = PostStack::new(device, queue, &descriptor)?;
//!
//!     // Every frame: the plan says what to render (TAA's jitter, the render size) ...
//!     let plan = post.begin_frame(size)?;
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
//! # // Run here on a flat grey HDR image: with manual exposure EV 0 (x 1 / 1.2), the Clamp
//! # // tone mapper and no dither, a linear 0.3 must come out as the sRGB encoding of 0.25.
//! # fn main() -> Result<(), afterlight::Error> {
//! # let Ok(gpu) = afterlight::gpu::Gpu::new(&Default::default()) else {
//! #     assert!(std::env::var("AFTERLIGHT_REQUIRE_GPU").as_deref() != Ok("1"), "no GPU adapter");
//! #     return Ok(());
//! # };
//! # let size = (32, 16);
//! # let texture = |format, usage| {
//! #     gpu.device.create_texture(&wgpu::TextureDescriptor {
//! #         label: None,
//! #         size: wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 },
//! #         mip_level_count: 1, sample_count: 1, dimension: wgpu::TextureDimension::D2,
//! #         format, usage: usage | wgpu::TextureUsages::TEXTURE_BINDING, view_formats: &[],
//! #     })
//! # };
//! # use wgpu::{TextureFormat as F, TextureUsages as U};
//! # let hdr = texture(F::Rgba16Float, U::COPY_DST | U::RENDER_ATTACHMENT);
//! # let depth = texture(F::Depth32Float, U::RENDER_ATTACHMENT);
//! # let motion = texture(F::Rg16Float, U::RENDER_ATTACHMENT);
//! # let output = texture(F::Bgra8UnormSrgb, U::COPY_SRC | U::RENDER_ATTACHMENT);
//! # let grey: Vec<u8> = [0x34cdu16, 0x34cd, 0x34cd, 0x3c00] // 0.3 as f16, alpha 1
//! #     .iter().cycle().take((size.0 * size.1 * 4) as usize).flat_map(|h| h.to_le_bytes()).collect();
//! # gpu.queue.write_texture(hdr.as_image_copy(), &grey, wgpu::TexelCopyBufferLayout {
//! #     offset: 0, bytes_per_row: Some(size.0 * 8), rows_per_image: None }, hdr.size());
//! # let mut settings = PostSettings::default();
//! # settings.exposure = afterlight::post::exposure::ExposureSettings::manual(0.0);
//! # settings.tonemap.mapper = afterlight::post::tonemap::ToneMapper::Clamp;
//! # settings.finish = afterlight::post::finish::FinishSettings::CLEAN;
//! # settings.finish.dither = false;
//! # let view = |t: &wgpu::Texture| t.create_view(&Default::default());
//! # let identity = glam::Mat4::IDENTITY;
//! # frame(&gpu.device, &gpu.queue, &view(&hdr), &view(&depth), &view(&motion), &view(&output),
//! #     size, identity, settings)?;
//! # let pixels = afterlight::gpu::read_texture(&gpu, &output)?;
//! # let linear = 0.2998f32 / 1.2; // the f16 nearest 0.3, exposed
//! # let expected = ((1.055 * linear.powf(1.0 / 2.4) - 0.055) * 255.0).round() as i32;
//! # for (i, pixel) in pixels.chunks(4).enumerate() {
//! #     for &code in &pixel[..3] {
//! #         assert!((i32::from(code) - expected).abs() <= 1, "pixel {i}: {pixel:?}, expected {expected}");
//! #     }
//! # }
//! # Ok(()) }
//! ```
//! `examples/embed_minimal.rs` runs this end to end with an app's own wgpu drawing;
//! `examples/ar_composite.rs` composites over a camera image ([`post::composite`]).
//!
//! # Rendering a scene
//! Headless, to an 8-bit sRGB image:
//! ```
//! use afterlight::{gpu::Gpu, render::{Renderer, RenderOptions}, scene::{self, Camera}};
//! # fn main() -> Result<(), afterlight::Error> {
//! let gpu = Gpu::new(&Default::default())?;
//! let scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
//! let mut renderer = Renderer::new(&gpu, &scene, 256, 256)?;
//! let camera = Camera::frame_bounds(&scene.bounds, 30.0, 20.0, 1.0);
//! renderer.render(&gpu, &camera, &RenderOptions::default())?;
//! let pixels = renderer.read_display(&gpu)?; // 256 * 256 * 4 bytes, sRGB
//! # assert_eq!(pixels.len(), 256 * 256 * 4);
//! # assert!(pixels.chunks(4).any(|p| p[..3] != pixels[..3]), "a picture, not a flat fill");
//! # Ok(()) }
//! ```
//!
//! # Features
//! `cli` (the `afterlight` command) and `viewer` (`afterlight view`: winit, egui, hot reload)
//! are on by default; an embedding app depends on afterlight with `default-features = false`.

#![warn(missing_docs)]

pub mod bench;
#[cfg(feature = "charts")]
pub mod charts;
pub mod config;
pub mod draw;
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

//! What the renderer and the post chain both draw with: render targets, the G-buffer's formats,
//! bind group shorthands, full-screen passes, specialised pipelines and the per-view camera
//! uniforms. Below both
//! `render` and `post`.

pub(crate) mod bindings;
mod frame_uniforms;
pub(crate) mod fullscreen;
pub(crate) mod gbuffer_formats;
pub mod specialise;
mod target;

pub(crate) use frame_uniforms::CameraUniforms;
pub use frame_uniforms::{jittered, view_projection};
pub use specialise::{Constants, Specialised};
pub use target::Target;

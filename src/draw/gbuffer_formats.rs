//! The G-buffer's texture formats: `render::gbuffer` creates its targets in them (and
//! re-exports them), and post passes that read the G-buffer declare their memory traffic from
//! them without importing the renderer.

/// Depth format: reverse-Z, so clear to 0 and test `Greater`.
pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Base colour + AO format.
pub const BASE_COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// Octahedral normal + roughness + metallic format.
pub const NORMAL_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// Motion vector format.
pub const MOTION_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg16Float;

//! Memory traffic each pass declares: bytes read and written per pixel, from the formats of
//! the textures it actually reads and writes, so a benchmark can turn GPU milliseconds into
//! achieved GB/s and compare them with the device's DRAM bandwidth.
//!
//! How bytes are counted (a floor, the traffic a perfect cache would leave):
//! - every texel of every input a pass reads counts **once per pixel it covers**, however many
//!   taps read it (gathers and overlapping kernels hit the cache); an input at a lower
//!   resolution counts its fraction of the pixels (a half-size mip is 1/4);
//! - every texel written counts once; blending or a `Load` of the target counts as a read;
//! - small tables (LUTs, histograms, uniforms) and geometry (vertices, material textures) are
//!   not counted; no overdraw; no framebuffer compression.
//!
//! Figures are per pixel of [`PassTraffic::pixels`] (the size the pass runs at).
//!
//! Each post pass declares its traffic once, in its own file: `traffic` (and `traffic_compute`
//! where its compute variant moves other bytes), from the frame's [`FrameTargets`] and the
//! settings it reads. This file imports nothing of `post`, so every pass can; a frame's
//! declarations are looked up by pass name in [`super::frame_traffic`], above the settings.

use serde::{Deserialize, Serialize};

/// A pass's declared traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassTraffic {
    /// Bytes read per pixel.
    pub read_bytes_per_pixel: f64,
    /// Bytes written per pixel.
    pub write_bytes_per_pixel: f64,
    /// Pixels the figures are per (the pass's working size).
    pub pixels: u64,
    /// What was counted.
    pub counted: String,
    /// Render or compute passes the scope runs over every pixel of the render or display size
    /// (the passes a tile-based GPU pays a full tile load/store round for; half-size and mip
    /// passes are not counted).
    #[serde(default)]
    pub full_screen_passes: u32,
}

impl PassTraffic {
    /// Total bytes moved in one run of the pass.
    pub fn bytes(&self) -> f64 {
        (self.read_bytes_per_pixel + self.write_bytes_per_pixel) * self.pixels as f64
    }

    /// Achieved bandwidth in GB/s (10^9 bytes per second) if the pass took `ms`.
    pub fn achieved_gbps(&self, ms: f64) -> Option<f64> {
        (ms > 0.0).then(|| self.bytes() / (ms * 1e-3) / 1e9)
    }

    /// The time moving [`PassTraffic::bytes`] takes at `peak_gbps`, in ms (the DRAM floor).
    pub fn floor_ms(&self, peak_gbps: f64) -> Option<f64> {
        (peak_gbps > 0.0).then(|| self.bytes() / (peak_gbps * 1e9) * 1e3)
    }

    /// A declaration of `read` and `write` bytes per pixel over `pixels`, `counted` saying
    /// what was counted, in one full-screen pass.
    pub(crate) fn new(read: f64, write: f64, pixels: u64, counted: &str) -> Self {
        Self {
            read_bytes_per_pixel: read,
            write_bytes_per_pixel: write,
            pixels,
            counted: counted.to_owned(),
            full_screen_passes: 1,
        }
    }

    /// The same, run as `full_screen_passes` full-screen passes.
    pub(crate) fn with_full_screen_passes(self, full_screen_passes: u32) -> Self {
        Self { full_screen_passes, ..self }
    }

    /// The same, with `note` added to what was counted (how a variant differs).
    pub(crate) fn noting(self, note: &str) -> Self {
        Self { counted: format!("{}; {note}", self.counted), ..self }
    }
}

/// Bytes of one texel of `format` (depth formats: their depth aspect).
pub fn texel_bytes(format: wgpu::TextureFormat) -> f64 {
    let bytes = format
        .block_copy_size(None)
        .or_else(|| format.block_copy_size(Some(wgpu::TextureAspect::DepthOnly)))
        .unwrap_or(4);
    f64::from(bytes)
}

/// The targets of one frame that size every pass's traffic: what a pass's `traffic` reads
/// besides its own settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameTargets {
    /// The HDR target's format.
    pub hdr_format: wgpu::TextureFormat,
    /// Display size in pixels.
    pub size: (u32, u32),
    /// G-buffer size in pixels (display size times the render scale).
    pub render_size: (u32, u32),
    /// Whether TAA runs: it resolves the HDR image into Rgba16Float at the display size
    /// (`post::taa`), which the passes after it read, and AO adds its temporal step.
    pub taa: bool,
    /// The format the finish writes and the display passes after it read and write: 8-bit
    /// sRGB for SDR output, Rgba16Float for PQ and scRGB (`post::display`).
    pub display_format: wgpu::TextureFormat,
}

impl FrameTargets {
    /// Bytes of one texel of the HDR target.
    pub(crate) fn hdr_bytes(&self) -> f64 {
        texel_bytes(self.hdr_format)
    }

    /// Bytes of one texel of the HDR image the passes after TAA read: TAA resolves into
    /// Rgba16Float whatever the renderer's HDR format, at the display size.
    pub(crate) fn resolved_hdr_bytes(&self) -> f64 {
        if self.taa { texel_bytes(wgpu::TextureFormat::Rgba16Float) } else { self.hdr_bytes() }
    }

    /// Bytes of one texel of the display image (the finish's output).
    pub(crate) fn display_bytes(&self) -> f64 {
        texel_bytes(self.display_format)
    }

    /// Pixels at the display size.
    pub(crate) fn display_pixels(&self) -> u64 {
        pixels(self.size)
    }

    /// Pixels at the render (G-buffer) size.
    pub(crate) fn render_pixels(&self) -> u64 {
        pixels(self.render_size)
    }

    /// Render-size pixels per display-size pixel: what a render-size input counts per pixel
    /// of a display-size pass.
    pub(crate) fn render_fraction(&self) -> f64 {
        self.render_pixels() as f64 / self.display_pixels().max(1) as f64
    }
}

fn pixels((w, h): (u32, u32)) -> u64 {
    u64::from(w) * u64::from(h)
}

//! What a device offers that afterlight's passes depend on, read from the device alone (so an
//! embedding app's own device works too), and the capability level that sums it up:
//!
//! - **full**: compute shaders, storage textures and buffers, and textures viewable in another
//!   format (`view_formats`, e.g. an Rgba8Unorm image read through an sRGB view): Vulkan, Metal,
//!   DX12 and WebGPU;
//! - **downlevel**: any of those missing, as on GLES 3.0 and WebGL2 (wgpu's GL backend never has
//!   `DownlevelFlags::VIEW_FORMATS`), or a device created with WebGL2 limits on purpose
//!   (`--downlevel webgl2`, [`DownlevelRequest`]).
//!
//! A device created with WebGL2 limits is treated as a WebGL2 device throughout, view formats
//! included, so that forcing the level on a capable adapter exercises the same paths.

use std::fmt;

/// The capability level a device reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Compute, storage and view formats.
    Full,
    /// At least one of them missing (GLES 3.0 / WebGL2 class).
    Downlevel,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Full => "full",
            Level::Downlevel => "downlevel",
        })
    }
}

/// A request to create the device below what the adapter offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownlevelRequest {
    /// WebGL2's limits (`wgpu::Limits::downlevel_webgl2_defaults`, raised to the adapter's
    /// texture size): no compute, no storage textures or buffers.
    WebGl2,
}

impl DownlevelRequest {
    /// Parse `webgl2` (the CLI's `--downlevel` and `AFTERLIGHT_DOWNLEVEL`).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "webgl2" => Ok(Self::WebGl2),
            other => {
                Err(format!("downlevel {other:?}: the one level that can be forced is webgl2"))
            }
        }
    }

    /// `AFTERLIGHT_DOWNLEVEL`, when set (an unknown value is an error naming it).
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var("AFTERLIGHT_DOWNLEVEL") {
            Ok(v) if !v.trim().is_empty() => {
                Self::parse(&v).map(Some).map_err(|e| format!("AFTERLIGHT_DOWNLEVEL: {e}"))
            }
            _ => Ok(None),
        }
    }
}

/// What a device offers, as afterlight's passes ask it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Compute shaders (a device without them has no compute workgroups in its limits).
    pub compute: bool,
    /// Storage buffers and storage textures in shaders.
    pub storage: bool,
    /// Textures may be viewed in a format other than their own (`view_formats`).
    pub view_formats: bool,
    /// R32Float (and other 32-bit float) render targets. wgpu's GL backend may not offer them
    /// (llvmpipe's does not; WebGL2 needs `EXT_color_buffer_float`), so the downlevel level
    /// goes without: GTAO keeps its view depth in R16Float there.
    pub float32_render_targets: bool,
    /// Two views of one texture at different mips can be read in one draw. wgpu's GL backend
    /// sets a sampled view's mip range on the texture object itself, so both views would read
    /// one level; passes that read two mips of a chain at once copy one of them first.
    pub independent_mip_views: bool,
}

impl Capabilities {
    /// A WebGL2 device's (and a device created with `--downlevel webgl2`): none of them.
    pub const WEBGL2: Self = Self {
        compute: false,
        storage: false,
        view_formats: false,
        float32_render_targets: false,
        independent_mip_views: false,
    };

    /// The capabilities of `device`, from its limits and backend.
    pub fn of(device: &wgpu::Device) -> Self {
        Self::from_parts(&device.limits(), device.adapter_info().backend)
    }

    /// The capabilities of a device with `limits` on `backend`.
    pub fn from_parts(limits: &wgpu::Limits, backend: wgpu::Backend) -> Self {
        let compute = limits.max_compute_workgroups_per_dimension > 0;
        let storage = limits.max_storage_buffers_per_shader_stage > 0
            && limits.max_storage_textures_per_shader_stage > 0;
        // wgpu's GL backend has no DownlevelFlags::VIEW_FORMATS; a device with WebGL2's limits
        // (no compute) stands for a WebGL2 device and goes without them too.
        let view_formats = backend != wgpu::Backend::Gl && compute;
        let float32_render_targets = backend != wgpu::Backend::Gl && compute;
        let independent_mip_views = backend != wgpu::Backend::Gl && compute;
        Self { compute, storage, view_formats, float32_render_targets, independent_mip_views }
    }

    /// Compute shaders with storage buffers and textures: what the automatic exposure's
    /// histogram and the AR exposure match need.
    pub fn compute_and_storage(&self) -> bool {
        self.compute && self.storage
    }

    /// The level these capabilities reach.
    pub fn level(&self) -> Level {
        if self.compute && self.storage && self.view_formats && self.float32_render_targets {
            Level::Full
        } else {
            Level::Downlevel
        }
    }

    /// What is missing, in words (empty at the full level).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.compute {
            missing.push("compute shaders");
        }
        if !self.storage {
            missing.push("storage textures and buffers");
        }
        if !self.view_formats {
            missing.push("view formats (an sRGB view of an Rgba8Unorm texture)");
        }
        if !self.float32_render_targets {
            missing.push("32-bit float render targets");
        }
        missing
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.level() {
            Level::Full => write!(f, "full (compute, storage, view formats, f32 targets)"),
            Level::Downlevel => write!(f, "downlevel (no {})", self.missing().join(", no ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_limits_and_the_backend() {
        let full =
            Capabilities::from_parts(&wgpu::Limits::downlevel_defaults(), wgpu::Backend::Vulkan);
        assert_eq!(full.level(), Level::Full);
        assert!(full.missing().is_empty());
        let webgl2 = Capabilities::from_parts(
            &wgpu::Limits::downlevel_webgl2_defaults(),
            wgpu::Backend::Vulkan,
        );
        assert_eq!(webgl2, Capabilities::WEBGL2);
        assert_eq!(webgl2.level(), Level::Downlevel);
        // GLES 3.1 with compute: everything but view formats.
        let gles = Capabilities::from_parts(&wgpu::Limits::downlevel_defaults(), wgpu::Backend::Gl);
        assert_eq!(
            gles,
            Capabilities {
                compute: true,
                storage: true,
                view_formats: false,
                float32_render_targets: false,
                independent_mip_views: false
            }
        );
        assert_eq!(
            gles.to_string(),
            "downlevel (no view formats (an sRGB view of an Rgba8Unorm texture), no 32-bit \
             float render targets)"
        );
    }

    #[test]
    fn only_webgl2_can_be_forced() {
        assert_eq!(DownlevelRequest::parse(" WebGL2 "), Ok(DownlevelRequest::WebGl2));
        let error = DownlevelRequest::parse("gles2").unwrap_err();
        assert!(error.contains("\"gles2\"") && error.contains("webgl2"), "{error}");
    }
}

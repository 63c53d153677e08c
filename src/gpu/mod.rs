//! Adapter and device selection, the capability report, and readback of textures.
//!
//! Choosing an adapter: `GpuOptions::adapter` (the CLI's `--adapter`), else `AFTERLIGHT_ADAPTER`,
//! else wgpu's `WGPU_ADAPTER_NAME`, each a case-insensitive substring of the adapter name; with
//! none set, wgpu's default choice under `WGPU_POWER_PREF`. `WGPU_BACKEND` limits the backends;
//! otherwise Vulkan/Metal/DX12 are tried first and GL only when they have no adapter.
//! The device asks only for what the adapter has: wgpu's downlevel limits (compute, storage; raised
//! to the adapter's texture size) where the adapter offers compute shaders, else WebGL2's, so
//! what runs here also runs on phones; `--downlevel webgl2` (`AFTERLIGHT_DOWNLEVEL=webgl2`)
//! asks for WebGL2's limits on any adapter. [`Capabilities`] says what the device reached.
//! Timestamp queries are enabled when the adapter has them.

mod capabilities;
mod device_class;
mod driver_issues;
pub mod memory;
#[cfg(feature = "cli")]
mod quiet;
mod readback;
mod readback_ring;
mod strict;
mod timing;

pub use capabilities::{Capabilities, DownlevelRequest, Level};
pub use device_class::{
    DeviceClass, DeviceClassification, MOBILE_VENDORS, classify, default_budget_hint,
};
pub use driver_issues::{known_driver_issues, warn_known_driver_issues};
#[cfg(feature = "cli")]
pub use quiet::quiet_headless_probing;
pub use readback::{
    f16_to_f32, halves_to_f32, read_subresource, read_texture, read_texture_async, read_texture_on,
};
pub use readback_ring::{ReadbackRing, TexelRows};
pub use strict::{dont_care_loads_allowed, strict_webgpu_compliance};
pub use timing::{FrameTiming, PENDING_FRAMES, PassTime, PassTimer, TimingMethod, TimingRequest};

/// What the caller wants from adapter selection.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Case-insensitive substring of the adapter name; overrides the environment.
    pub adapter: Option<String>,
    /// Create the device below what the adapter offers (the CLI's `--downlevel`); `None`
    /// reads `AFTERLIGHT_DOWNLEVEL`.
    pub downlevel: Option<DownlevelRequest>,
    /// Only these backends (e.g. `wgpu::Backends::GL`), whatever `WGPU_BACKEND` says; `None`
    /// tries Vulkan, Metal and DX12 first, then GL, within `WGPU_BACKEND`.
    pub backends: Option<wgpu::Backends>,
    /// Time frames by this rung of the timing ladder whatever the presets' `[budget] timing`
    /// say (the CLI's `--timing`); `None` reads `AFTERLIGHT_TIMING`, and without it the
    /// presets decide.
    pub timing: Option<TimingRequest>,
}

/// Errors from adapter, device and readback.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter at all, or none matching the requested name.
    #[error(
        "no GPU adapter found{}{}. afterlight needs a Vulkan, Metal, DX12 or GL driver; on a \
         machine without a GPU install Mesa's software Vulkan driver \
         (Debian/Ubuntu: `apt-get install mesa-vulkan-drivers`)",
        wanted.as_ref().map(|w| format!(" matching {w:?}")).unwrap_or_default(),
        if seen.is_empty() { String::new() } else { format!(" (adapters seen: {})", seen.join(", ")) }
    )]
    NoAdapter {
        /// The name substring asked for, if any.
        wanted: Option<String>,
        /// Names of the adapters that exist.
        seen: Vec<String>,
    },
    /// The adapter refused to create a device.
    #[error("cannot create a device on {adapter}: {reason}")]
    Device {
        /// Adapter name.
        adapter: String,
        /// wgpu's reason.
        reason: String,
    },
    /// Reading a texture back failed.
    #[error("readback failed: {0}")]
    Readback(String),
    /// wgpu reported a validation or out-of-memory error.
    #[error("GPU error in {context}: {reason}")]
    Validation {
        /// What we were doing.
        context: String,
        /// wgpu's message.
        reason: String,
    },
}

/// An adapter, its device and queue, and what we learned about them.
pub struct Gpu {
    /// The wgpu instance the adapter came from.
    pub instance: wgpu::Instance,
    /// The chosen adapter.
    pub adapter: wgpu::Adapter,
    /// The device created on it.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// `adapter.get_info()`.
    pub info: wgpu::AdapterInfo,
    /// Whether timestamp queries (at pass boundaries and inside encoders) are enabled.
    pub timestamps: bool,
    /// The timing rung every renderer on this GPU uses, over the presets' (see
    /// [`GpuOptions::timing`]).
    pub timing: Option<TimingRequest>,
    /// What the device offers the passes, and the level it reached.
    pub capabilities: Capabilities,
}

/// An instance over `backends`, unless `WGPU_BACKEND` names others.
fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    instance_over(wgpu::Backends::from_env().unwrap_or(backends))
}

/// An instance over exactly `backends` (the rest of wgpu's environment settings apply).
fn instance_over(backends: wgpu::Backends) -> wgpu::Instance {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends = backends;
    if descriptor.flags.contains(wgpu::InstanceFlags::STRICT_WEBGPU_COMPLIANCE) {
        strict_webgpu_compliance();
    }
    wgpu::Instance::new(descriptor)
}

/// Every adapter wgpu sees, with its info.
#[cfg(not(target_arch = "wasm32"))]
pub fn enumerate_adapters() -> Vec<wgpu::Adapter> {
    pollster::block_on(instance(wgpu::Backends::all()).enumerate_adapters(wgpu::Backends::all()))
}

/// The adapter-name filter in force: the option, else `AFTERLIGHT_ADAPTER`, else `WGPU_ADAPTER_NAME`.
pub fn adapter_filter(options: &GpuOptions) -> Option<String> {
    options
        .adapter
        .clone()
        .or_else(|| std::env::var("AFTERLIGHT_ADAPTER").ok())
        .or_else(|| std::env::var("WGPU_ADAPTER_NAME").ok())
        .filter(|s| !s.trim().is_empty())
}

async fn choose_adapter(
    instance: &wgpu::Instance,
    options: &GpuOptions,
) -> Result<wgpu::Adapter, GpuError> {
    let adapters = instance.enumerate_adapters(wgpu::Backends::all()).await;
    let seen: Vec<String> = adapters
        .iter()
        .map(|a| {
            let i = a.get_info();
            format!("{} ({:?})", i.name, i.backend)
        })
        .collect();
    if let Some(wanted) = adapter_filter(options) {
        let needle = wanted.to_lowercase();
        return adapters
            .into_iter()
            .find(|a| a.get_info().name.to_lowercase().contains(&needle))
            .ok_or(GpuError::NoAdapter { wanted: Some(wanted), seen });
    }
    let power_preference = wgpu::PowerPreference::from_env().unwrap_or_default();
    instance
        .request_adapter(&wgpu::RequestAdapterOptions { power_preference, ..Default::default() })
        .await
        .map_err(|_| GpuError::NoAdapter { wanted: None, seen })
}

impl Gpu {
    /// Block until the GPU has finished everything submitted (headless pacing, one-off
    /// readbacks); a failure to wait is logged, not returned: the caller carries on.
    pub fn wait_idle(&self) {
        if let Err(e) = self.device.poll(wgpu::PollType::wait_indefinitely()) {
            log::warn!("waiting for the GPU: {e}");
        }
    }

    /// Choose an adapter (see the module docs) and create a device on it, blocking until it
    /// exists ([`Gpu::new_async`] without an executor; not on the web, where nothing may
    /// block).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new(options: &GpuOptions) -> Result<Self, GpuError> {
        pollster::block_on(Self::new_async(options))
    }

    /// Choose an adapter (see the module docs) and create a device on it. On the web await
    /// it (e.g. with `wasm_bindgen_futures::spawn_local`); natively [`Gpu::new`] blocks on it.
    pub async fn new_async(options: &GpuOptions) -> Result<Self, GpuError> {
        // Vulkan, Metal and DX12 first; GL only when none of them has an adapter, because
        // initialising EGL prints driver noise and GL is the weaker path.
        let (instance, adapter) = if let Some(backends) = options.backends {
            let only = instance_over(backends);
            let adapter = choose_adapter(&only, options).await?;
            (only, adapter)
        } else {
            let primary = instance(wgpu::Backends::PRIMARY);
            match choose_adapter(&primary, options).await {
                Ok(adapter) => (primary, adapter),
                Err(_) => {
                    let all = instance(wgpu::Backends::all());
                    let adapter = choose_adapter(&all, options).await?;
                    (all, adapter)
                }
            }
        };
        Self::on_adapter(instance, adapter, options).await
    }

    /// Create the device on an adapter the app chose (on the web, one compatible with its
    /// canvas's surface), as [`Gpu::new_async`] does on the one it chooses.
    pub async fn on_adapter(
        instance: wgpu::Instance,
        adapter: wgpu::Adapter,
        options: &GpuOptions,
    ) -> Result<Self, GpuError> {
        let info = adapter.get_info();
        // Timestamps inside encoders let a profiler scope wrap any span of work (several
        // passes, a whole bake); where only pass-boundary timestamps exist, the timer brackets
        // each scope with marker passes (see `TimingMethod`).
        let timestamps = adapter.features().contains(TIMER_FEATURES);
        let mut required_features = adapter.features() & TIMER_FEATURES;
        // Half-bandwidth HDR targets for mobile tiers, where the adapter can render to them.
        required_features |= adapter.features() & wgpu::Features::RG11B10UFLOAT_RENDERABLE;
        let downlevel = match options.downlevel {
            Some(request) => Some(request),
            None => DownlevelRequest::from_env()
                .map_err(|reason| GpuError::Device { adapter: info.name.clone(), reason })?,
        };
        let compute = adapter
            .get_downlevel_capabilities()
            .flags
            .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS);
        let base_limits = match downlevel {
            None if compute => wgpu::Limits::downlevel_defaults(),
            Some(DownlevelRequest::WebGl2) | None => wgpu::Limits::downlevel_webgl2_defaults(),
        };
        let required_limits = base_limits.using_resolution(adapter.limits());
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("afterlight"),
                required_features,
                required_limits,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Device { adapter: info.name.clone(), reason: e.to_string() })?;
        // wgpu's default handler panics; an error outside an error scope is logged instead,
        // and the operations that can fail on user input run inside `checked`.
        device.on_uncaptured_error(std::sync::Arc::new(|e: wgpu::Error| {
            log::error!("uncaptured GPU error: {e}");
        }));
        let capabilities = Capabilities::of(&device);
        let timing = match options.timing {
            Some(request) => Some(request),
            None => match std::env::var("AFTERLIGHT_TIMING") {
                Ok(text) if !text.trim().is_empty() => {
                    Some(TimingRequest::parse(&text).map_err(|e| GpuError::Device {
                        adapter: info.name.clone(),
                        reason: format!("AFTERLIGHT_TIMING: {e}"),
                    })?)
                }
                _ => None,
            },
        };
        Ok(Self { instance, adapter, device, queue, info, timestamps, timing, capabilities })
    }

    /// Desktop or mobile-class, from the adapter's info and wgpu's tile-based hint
    /// (`AdapterInfo::transient_saves_memory`).
    pub fn device_class(&self) -> DeviceClassification {
        classify(&self.info, self.info.transient_saves_memory == Some(true))
    }

    /// Run `f` and turn any wgpu validation or out-of-memory error it raised into a `GpuError`.
    pub fn checked<T>(&self, context: &str, f: impl FnOnce() -> T) -> Result<T, GpuError> {
        checked(&self.device, context, f)
    }
}

/// Run `f` and turn any wgpu validation or out-of-memory error it raised on `device` into a
/// `GpuError` (an embedding app's device: see [`Gpu::checked`]).
///
/// On the web the browser resolves error scopes only asynchronously, and nothing may block:
/// there `f` runs without a scope, and an error it raises reaches the device's uncaptured-error
/// handler ([`Gpu::new_async`] installs one that logs it) instead of this result.
#[cfg(target_arch = "wasm32")]
pub fn checked<T>(
    _device: &wgpu::Device,
    _context: &str,
    f: impl FnOnce() -> T,
) -> Result<T, GpuError> {
    Ok(f())
}

/// Run `f` and turn any wgpu validation or out-of-memory error it raised on `device` into a
/// `GpuError` (an embedding app's device: see [`Gpu::checked`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn checked<T>(
    device: &wgpu::Device,
    context: &str,
    f: impl FnOnce() -> T,
) -> Result<T, GpuError> {
    let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let value = f();
    let errors = [pollster::block_on(validation.pop()), pollster::block_on(oom.pop())];
    match errors.into_iter().flatten().next() {
        Some(e) => Err(GpuError::Validation { context: context.into(), reason: e.to_string() }),
        None => Ok(value),
    }
}

/// The features the best rung of GPU timing needs: timestamps at pass boundaries and inside
/// encoders (so a scope can wrap any span of work). With only the first, timing runs on the
/// pass rung; with neither, on the frame rung ([`TimingMethod`]).
pub const TIMER_FEATURES: wgpu::Features =
    wgpu::Features::TIMESTAMP_QUERY.union(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS);

/// The limits afterlight cares about, as `(name, value)` rows for `afterlight info`.
pub fn limit_rows(limits: &wgpu::Limits) -> Vec<(&'static str, u32)> {
    vec![
        ("max_texture_dimension_2d", limits.max_texture_dimension_2d),
        ("max_storage_textures_per_shader_stage", limits.max_storage_textures_per_shader_stage),
        ("max_sampled_textures_per_shader_stage", limits.max_sampled_textures_per_shader_stage),
        ("max_bind_groups", limits.max_bind_groups),
        ("max_color_attachments", limits.max_color_attachments),
        ("max_compute_workgroup_storage_size", limits.max_compute_workgroup_storage_size),
    ]
}

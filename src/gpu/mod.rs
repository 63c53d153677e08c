//! Adapter and device selection, the capability report, and readback of textures.
//!
//! Choosing an adapter: `GpuOptions::adapter` (the CLI's `--adapter`), else `AFTERLIGHT_ADAPTER`,
//! else wgpu's `WGPU_ADAPTER_NAME`, each a case-insensitive substring of the adapter name; with
//! none set, wgpu's default choice under `WGPU_POWER_PREF`. `WGPU_BACKEND` limits the backends;
//! otherwise Vulkan/Metal/DX12 are tried first and GL only when they have no adapter.
//! The device is created with wgpu's downlevel limits (raised to the adapter's texture size), so
//! what runs here also runs on phones; timestamp queries are enabled when the adapter has them.

mod readback;
mod timing;

pub use readback::{f16_to_f32, halves_to_f32, read_subresource, read_texture};
pub use timing::{PassTime, PassTimer};

/// What the caller wants from adapter selection.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Case-insensitive substring of the adapter name; overrides the environment.
    pub adapter: Option<String>,
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

/// Whether an adapter is treated as mobile-class, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MobileClass {
    /// True for integrated, CPU and virtual adapters, GL backends, mobile vendors, tilers.
    pub is_mobile: bool,
    /// Human-readable reasons; empty for a discrete desktop GPU.
    pub reasons: Vec<String>,
}

/// PCI vendor ids of GPU makers whose parts are mobile (tile-based) designs.
const MOBILE_VENDORS: [(u32, &str); 5] = [
    (0x5143, "Qualcomm"),
    (0x13B5, "Arm"),
    (0x106B, "Apple"),
    (0x1010, "Imagination"),
    (0x144D, "Samsung"),
];

/// Decide whether an adapter is mobile-class (the budget governor's default profile).
pub fn classify(info: &wgpu::AdapterInfo) -> MobileClass {
    let mut reasons = Vec::new();
    match info.device_type {
        wgpu::DeviceType::IntegratedGpu => reasons.push("integrated GPU".to_string()),
        wgpu::DeviceType::Cpu => reasons.push("CPU (software) adapter".to_string()),
        wgpu::DeviceType::VirtualGpu => reasons.push("virtual GPU".to_string()),
        wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::Other => {}
    }
    if info.backend == wgpu::Backend::Gl {
        reasons.push("GL/GLES backend".to_string());
    }
    if let Some((_, vendor)) = MOBILE_VENDORS.iter().find(|(id, _)| *id == info.vendor) {
        reasons.push(format!("mobile GPU vendor {vendor} (0x{:04X})", info.vendor));
    }
    if info.transient_saves_memory == Some(true) {
        reasons.push("transient attachments save memory (tile-based GPU)".to_string());
    }
    MobileClass { is_mobile: !reasons.is_empty(), reasons }
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
}

/// An instance over `backends`, unless `WGPU_BACKEND` names others.
fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if wgpu::Backends::from_env().is_none() {
        descriptor.backends = backends;
    }
    wgpu::Instance::new(descriptor)
}

/// Every adapter wgpu sees, with its info.
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

fn choose_adapter(
    instance: &wgpu::Instance,
    options: &GpuOptions,
) -> Result<wgpu::Adapter, GpuError> {
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
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
    pollster::block_on(
        instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference,
            ..Default::default()
        }),
    )
    .map_err(|_| GpuError::NoAdapter { wanted: None, seen })
}

impl Gpu {
    /// Choose an adapter (see the module docs) and create a device on it.
    pub fn new(options: &GpuOptions) -> Result<Self, GpuError> {
        // Vulkan, Metal and DX12 first; GL only when none of them has an adapter, because
        // initialising EGL prints driver noise and GL is the weaker path.
        let (instance, adapter) = {
            let primary = instance(wgpu::Backends::PRIMARY);
            match choose_adapter(&primary, options) {
                Ok(adapter) => (primary, adapter),
                Err(_) => {
                    let all = instance(wgpu::Backends::all());
                    let adapter = choose_adapter(&all, options)?;
                    (all, adapter)
                }
            }
        };
        let info = adapter.get_info();
        // Timestamps inside encoders let a profiler scope wrap any span of work (several
        // passes, a whole bake); where only pass-boundary timestamps exist, timing is off.
        let timer_features =
            wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        let timestamps = adapter.features().contains(timer_features);
        let mut required_features =
            if timestamps { timer_features } else { wgpu::Features::empty() };
        // Half-bandwidth HDR targets for mobile tiers, where the adapter can render to them.
        required_features |= adapter.features() & wgpu::Features::RG11B10UFLOAT_RENDERABLE;
        let required_limits = wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits());
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("afterlight"),
            required_features,
            required_limits,
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device { adapter: info.name.clone(), reason: e.to_string() })?;
        // wgpu's default handler panics; an error outside an error scope is logged instead,
        // and the operations that can fail on user input run inside `checked`.
        device.on_uncaptured_error(std::sync::Arc::new(|e: wgpu::Error| {
            log::error!("uncaptured GPU error: {e}");
        }));
        Ok(Self { instance, adapter, device, queue, info, timestamps })
    }

    /// Whether this adapter is treated as mobile-class.
    pub fn mobile_class(&self) -> MobileClass {
        classify(&self.info)
    }

    /// Run `f` and turn any wgpu validation or out-of-memory error it raised into a `GpuError`.
    pub fn checked<T>(&self, context: &str, f: impl FnOnce() -> T) -> Result<T, GpuError> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        let errors = [pollster::block_on(validation.pop()), pollster::block_on(oom.pop())];
        match errors.into_iter().flatten().next() {
            Some(e) => Err(GpuError::Validation { context: context.into(), reason: e.to_string() }),
            None => Ok(value),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        device_type: wgpu::DeviceType,
        backend: wgpu::Backend,
        vendor: u32,
    ) -> wgpu::AdapterInfo {
        wgpu::AdapterInfo {
            name: "test".into(),
            vendor,
            device: 0,
            device_type,
            backend,
            ..wgpu::AdapterInfo::new(device_type, backend)
        }
    }

    #[test]
    fn discrete_vulkan_desktop_is_not_mobile() {
        let c = classify(&info(wgpu::DeviceType::DiscreteGpu, wgpu::Backend::Vulkan, 0x10DE));
        assert!(!c.is_mobile, "{:?}", c.reasons);
    }

    #[test]
    fn mobile_signals_are_each_enough() {
        let cases = [
            info(wgpu::DeviceType::IntegratedGpu, wgpu::Backend::Vulkan, 0x8086),
            info(wgpu::DeviceType::Cpu, wgpu::Backend::Vulkan, 0x10005),
            info(wgpu::DeviceType::DiscreteGpu, wgpu::Backend::Gl, 0x10DE),
            info(wgpu::DeviceType::Other, wgpu::Backend::Vulkan, 0x5143),
            info(wgpu::DeviceType::Other, wgpu::Backend::Vulkan, 0x13B5),
        ];
        for c in cases {
            let class = classify(&c);
            assert!(class.is_mobile && !class.reasons.is_empty(), "{c:?}");
        }
    }
}

//! The capability level (`gpu::Capabilities`) against what the adapters themselves report:
//! every adapter on this machine (lavapipe's Vulkan and llvmpipe's GL here), the device asking
//! only for what its adapter has, and `--downlevel webgl2` forcing WebGL2's limits.

use crate::common;

use afterlight::gpu::{self, Capabilities, DownlevelRequest, Gpu, GpuOptions, Level};

/// For every adapter wgpu sees, the capabilities of a device with the limits we would request
/// agree with the adapter's own downlevel flags: compute shaders, and view formats (which
/// wgpu's GL backend lacks, and which `Capabilities` infers from the backend).
#[test]
fn capabilities_agree_with_every_adapters_downlevel_flags() {
    if common::gpu().is_none() {
        return;
    }
    let adapters = gpu::enumerate_adapters();
    assert!(!adapters.is_empty());
    for adapter in &adapters {
        let info = adapter.get_info();
        let flags = adapter.get_downlevel_capabilities().flags;
        let compute = flags.contains(wgpu::DownlevelFlags::COMPUTE_SHADERS);
        let limits = if compute {
            wgpu::Limits::downlevel_defaults()
        } else {
            wgpu::Limits::downlevel_webgl2_defaults()
        };
        let capabilities = Capabilities::from_parts(&limits, info.backend);
        println!("{} ({:?}): {capabilities}", info.name, info.backend);
        assert_eq!(capabilities.compute, compute, "{} ({:?})", info.name, info.backend);
        assert_eq!(
            capabilities.view_formats,
            flags.contains(wgpu::DownlevelFlags::VIEW_FORMATS),
            "{} ({:?}): view formats",
            info.name,
            info.backend
        );
    }
}

/// The device reaches what its adapter offers by default, and WebGL2's level when asked.
#[test]
fn the_device_asks_for_what_the_adapter_has_or_for_webgl2() {
    let Some(gpu) = common::gpu() else { return };
    let flags = gpu.adapter.get_downlevel_capabilities().flags;
    let full = flags.contains(wgpu::DownlevelFlags::COMPUTE_SHADERS)
        && flags.contains(wgpu::DownlevelFlags::VIEW_FORMATS);
    assert_eq!(gpu.capabilities.level() == Level::Full, full, "{}", gpu.capabilities);
    let options = GpuOptions { downlevel: Some(DownlevelRequest::WebGl2), ..Default::default() };
    let webgl2 = Gpu::new(&options).expect("a WebGL2-level device on the same adapter");
    assert_eq!(webgl2.info.name, gpu.info.name);
    assert_eq!(webgl2.capabilities, Capabilities::WEBGL2);
    let limits = webgl2.device.limits();
    assert_eq!(limits.max_compute_workgroups_per_dimension, 0);
    assert_eq!(limits.max_storage_buffers_per_shader_stage, 0);
    // The texture size still follows the adapter.
    assert_eq!(limits.max_texture_dimension_2d, gpu.device.limits().max_texture_dimension_2d);
}

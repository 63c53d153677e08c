//! `afterlight info`: the adapters, the device chosen and its capabilities, and how each pass
//! runs on it.

use afterlight::Error;
use afterlight::gpu::{self, Gpu, GpuOptions};
use afterlight::render::GBUFFER_BYTES_PER_PIXEL;

pub(super) fn info(options: &GpuOptions) -> Result<(), Error> {
    let adapters = gpu::enumerate_adapters();
    println!("adapters ({}):", adapters.len());
    for adapter in &adapters {
        let i = adapter.get_info();
        println!(
            "  - {} | backend {:?} | {:?} | driver {} {} | vendor 0x{:04X} device 0x{:04X}",
            i.name, i.backend, i.device_type, i.driver, i.driver_info, i.vendor, i.device
        );
    }
    if let Some(filter) = gpu::adapter_filter(options) {
        println!("adapter filter: {filter:?}");
    }
    let gpu = Gpu::new(options)?;
    println!("chosen: {} ({:?}, {:?})", gpu.info.name, gpu.info.backend, gpu.info.device_type);
    for issue in gpu::known_driver_issues(&gpu.info) {
        println!("known driver issue: {issue}");
    }
    println!("adapter limits:");
    for (name, value) in gpu::limit_rows(&gpu.adapter.limits()) {
        println!("  {name}: {value}");
    }
    let requested = match gpu.capabilities.compute {
        true => "wgpu's downlevel defaults",
        false => "WebGL2's",
    };
    println!("device limits requested ({requested}, adapter texture size):");
    for (name, value) in gpu::limit_rows(&gpu.device.limits()) {
        println!("  {name}: {value}");
    }
    println!("capability level: {}", gpu.capabilities);
    println!("how each pass runs at this level:");
    for (pass, how) in pass_paths(&gpu) {
        println!("  {pass:<12} {how}");
    }
    let features = gpu.device.features();
    let (timing, warning) = gpu::TimingMethod::resolve(gpu.timing.unwrap_or_default(), features);
    println!("GPU timing: {timing} ({})", timing.describe());
    if let Some(warning) = warning {
        println!("  {warning}");
    }
    for rung in gpu::TimingMethod::ALL {
        let has = if rung.supported_by(features) { "available" } else { "not on this device" };
        println!("  {:<8} {has}", rung.name());
    }
    let class = gpu.device_class();
    println!(
        "mobile-class: {} (device class {:?})",
        if class.is_mobile() { "yes" } else { "no" },
        class.class
    );
    for reason in &class.reasons {
        println!("  - {reason}");
    }
    println!("default budget: {}", gpu::default_budget_hint(class.class));
    println!("G-buffer: {GBUFFER_BYTES_PER_PIXEL} bytes per pixel");
    Ok(())
}

/// How each pass runs on `gpu`'s device (for `afterlight info`): the full-screen passes'
/// variant under `variant = "auto"`, and the passes whose path depends on compute.
fn pass_paths(gpu: &Gpu) -> Vec<(&'static str, String)> {
    use afterlight::post::variant::{self, PassVariant};
    let choice = variant::resolve(PassVariant::Auto, &gpu.device);
    let full_screen = match variant::compute_unsupported(&gpu.device) {
        None => {
            format!("fragment or compute; auto picks {} ({})", choice.used.name(), choice.reason)
        }
        Some(why) => format!("fragment (no compute variant: {why})"),
    };
    let compute = gpu.capabilities.compute_and_storage();
    let mut rows: Vec<(&'static str, String)> =
        ["ao", "dof", "motion_blur", "taa", "upscale", "bloom", "finish", "fxaa", "sharpen"]
            .into_iter()
            .map(|pass| (pass, full_screen.clone()))
            .collect();
    rows.push(("smaa", "fragment only (three full-screen passes)".into()));
    rows.push((
        "exposure",
        match compute {
            true => "fixed modes from the CPU; automatic by a GPU histogram (compute)".into(),
            false => "fixed modes from the CPU; automatic by fragment samples read back to the \
                      CPU (no compute): a frame or two behind the image"
                .into(),
        },
    ));
    rows.push((
        "grade_lut",
        match afterlight::post::grade_bake::GradeLut::bakes_on_gpu_with(&gpu.capabilities) {
            true => "baked by compute when the grade changes".into(),
            false => "baked on the CPU (downlevel) and uploaded when the grade changes".into(),
        },
    ));
    rows.push((
        "ar_exposure",
        match compute {
            true => "matched to the camera image by compute".into(),
            false => "matched by fragment samples read back to the CPU (no compute): a frame or \
                      two behind the camera"
                .into(),
        },
    ));
    rows
}

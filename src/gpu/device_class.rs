//! Desktop or mobile-class hardware, and why: mobile-class adapters get the budget governor's
//! default profile (see `docs/architecture.md`, "GPU timing and the budget"); the user can always override.
//!
//! Rules, any one of which makes an adapter mobile-class:
//! - device type `IntegratedGpu`, `Cpu` or `VirtualGpu`;
//! - the GL/GLES backend;
//! - a PCI vendor that makes mobile (tile-based) GPUs: Qualcomm, Arm, Apple, Imagination, Samsung;
//! - the tile-based hint: wgpu 30 reports in `AdapterInfo::transient_saves_memory` whether
//!   `TextureUsages::TRANSIENT_ATTACHMENT` saves memory (Vulkan: a `LAZILY_ALLOCATED` memory
//!   type; Metal: memoryless storage; `None` on the web, `Some(false)` on DX12 and GL).

/// Which default budget profile an adapter gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceClass {
    /// A discrete (or unclassified) desktop GPU: no governor unless a preset asks for one.
    Desktop,
    /// Integrated, software, virtual, GL/GLES, mobile-vendor or tile-based: the 90 Hz profile.
    Mobile,
}

/// An adapter's class and the rules that decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceClassification {
    /// The class.
    pub class: DeviceClass,
    /// Each mobile rule that fired, in words; for a desktop adapter, why it is one.
    pub reasons: Vec<String>,
}

impl DeviceClassification {
    /// Whether the adapter is mobile-class.
    pub fn is_mobile(&self) -> bool {
        self.class == DeviceClass::Mobile
    }
}

/// PCI vendor ids of GPU makers whose parts are mobile (tile-based) designs.
pub const MOBILE_VENDORS: [(u32, &str); 5] = [
    (0x5143, "Qualcomm"),
    (0x13B5, "Arm"),
    (0x106B, "Apple"),
    (0x1010, "Imagination"),
    (0x144D, "Samsung"),
];

/// Desktop vendors, only to name them in the reasons.
const DESKTOP_VENDORS: [(u32, &str); 3] = [(0x10DE, "NVIDIA"), (0x1002, "AMD"), (0x8086, "Intel")];

/// Classify an adapter from its info and the tile-based hint (pure; [`super::Gpu::device_class`]
/// passes `info.transient_saves_memory == Some(true)` as the hint). `info.transient_saves_memory`
/// itself is not read here, so the hint is the one input for that rule.
pub fn classify(info: &wgpu::AdapterInfo, tile_based_hint: bool) -> DeviceClassification {
    let mut reasons = Vec::new();
    match info.device_type {
        wgpu::DeviceType::IntegratedGpu => reasons
            .push("device type is IntegratedGpu (shares memory and power with the CPU)".into()),
        wgpu::DeviceType::Cpu => reasons.push("device type is Cpu (software rasteriser)".into()),
        wgpu::DeviceType::VirtualGpu => {
            reasons.push("device type is VirtualGpu (virtualised, speed unknown)".into())
        }
        wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::Other => {}
    }
    if info.backend == wgpu::Backend::Gl {
        reasons.push("backend is GL/GLES".into());
    }
    if let Some((id, vendor)) = MOBILE_VENDORS.iter().find(|(id, _)| *id == info.vendor) {
        reasons.push(format!("vendor 0x{id:04X} is {vendor}"));
    }
    if tile_based_hint {
        reasons.push("transient attachments save memory (tile-based GPU)".into());
    }
    if !reasons.is_empty() {
        return DeviceClassification { class: DeviceClass::Mobile, reasons };
    }
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete GPU",
        _ => "unclassified GPU (device type Other)",
    };
    let vendor = match DESKTOP_VENDORS.iter().find(|(id, _)| *id == info.vendor) {
        Some((id, name)) => format!("vendor 0x{id:04X} ({name})"),
        None => format!("vendor 0x{:04X}", info.vendor),
    };
    let reason = format!("{kind}, {vendor}, {:?} backend, no mobile rule fired", info.backend);
    DeviceClassification { class: DeviceClass::Desktop, reasons: vec![reason] }
}

/// The budget a class defaults to, in words (for `afterlight info`).
pub fn default_budget_hint(class: DeviceClass) -> &'static str {
    match class {
        DeviceClass::Mobile => "90 Hz AR profile, 11.1 ms frame budget, governor adaptive",
        DeviceClass::Desktop => "governor off unless a preset sets [budget]",
    }
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
            ..wgpu::AdapterInfo::new(device_type, backend)
        }
    }

    fn desktop() -> wgpu::AdapterInfo {
        info(wgpu::DeviceType::DiscreteGpu, wgpu::Backend::Vulkan, 0x10DE)
    }

    /// Mobile, with exactly one reason containing `needle`.
    fn assert_mobile_because(c: DeviceClassification, needle: &str) {
        assert_eq!(c.class, DeviceClass::Mobile, "{c:?}");
        assert_eq!(c.reasons.len(), 1, "{c:?}");
        assert!(c.reasons[0].contains(needle), "{needle:?} not in {c:?}");
    }

    #[test]
    fn discrete_vulkan_desktop_is_desktop_and_says_why() {
        let c = classify(&desktop(), false);
        assert_eq!(c.class, DeviceClass::Desktop);
        assert!(!c.is_mobile());
        assert_eq!(c.reasons.len(), 1);
        assert!(c.reasons[0].contains("discrete GPU, vendor 0x10DE (NVIDIA)"), "{c:?}");
    }

    #[test]
    fn other_device_type_from_a_desktop_vendor_is_desktop() {
        let c = classify(&info(wgpu::DeviceType::Other, wgpu::Backend::Dx12, 0x1002), false);
        assert_eq!(c.class, DeviceClass::Desktop, "{c:?}");
    }

    #[test]
    fn integrated_gpu_is_mobile() {
        let i = info(wgpu::DeviceType::IntegratedGpu, wgpu::Backend::Vulkan, 0x8086);
        assert_mobile_because(classify(&i, false), "IntegratedGpu");
    }

    #[test]
    fn cpu_adapter_is_mobile() {
        // lavapipe: Mesa's Vulkan vendor id, not a PCI one.
        let i = info(wgpu::DeviceType::Cpu, wgpu::Backend::Vulkan, 0x10005);
        assert_mobile_because(classify(&i, false), "device type is Cpu (software rasteriser)");
    }

    #[test]
    fn virtual_gpu_is_mobile() {
        let i = info(wgpu::DeviceType::VirtualGpu, wgpu::Backend::Vulkan, 0x1AF4);
        assert_mobile_because(classify(&i, false), "VirtualGpu");
    }

    #[test]
    fn gl_backend_is_mobile() {
        let i = info(wgpu::DeviceType::DiscreteGpu, wgpu::Backend::Gl, 0x10DE);
        assert_mobile_because(classify(&i, false), "GL/GLES");
    }

    #[test]
    fn each_mobile_vendor_is_mobile() {
        for (id, name) in MOBILE_VENDORS {
            let i = info(wgpu::DeviceType::Other, wgpu::Backend::Vulkan, id);
            assert_mobile_because(classify(&i, false), &format!("vendor 0x{id:04X} is {name}"));
        }
        let c = classify(&info(wgpu::DeviceType::Other, wgpu::Backend::Vulkan, 0x5143), false);
        assert_eq!(c.reasons, ["vendor 0x5143 is Qualcomm"]);
    }

    #[test]
    fn tile_based_hint_is_mobile() {
        assert_mobile_because(classify(&desktop(), true), "tile-based");
    }

    #[test]
    fn transient_saves_memory_in_the_info_alone_is_not_read() {
        let mut i = desktop();
        i.transient_saves_memory = Some(true);
        assert_eq!(classify(&i, false).class, DeviceClass::Desktop);
    }

    #[test]
    fn every_rule_that_fires_is_listed() {
        let i = info(wgpu::DeviceType::IntegratedGpu, wgpu::Backend::Gl, 0x13B5);
        let c = classify(&i, true);
        assert_eq!(c.class, DeviceClass::Mobile);
        assert_eq!(c.reasons.len(), 4, "{c:?}");
    }

    #[test]
    fn budget_hints() {
        assert!(default_budget_hint(DeviceClass::Mobile).contains("11.1 ms"));
        assert!(default_budget_hint(DeviceClass::Desktop).contains("governor off"));
    }
}

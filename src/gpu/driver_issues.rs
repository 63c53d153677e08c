//! Known driver bugs that change what afterlight does or measures, recognised from the
//! adapter's info so they can be reported (a log warning, `afterlight info`, the bench JSON)
//! instead of being mistaken for afterlight's own behaviour.
//!
//! The one known so far: Mesa's lavapipe before 23 recompiles a shader every time a pipeline
//! is bound whose branch or loop conditions read only uniform-buffer values (its "uniform
//! inlining": the uniforms' current values are folded in and the shader compiled again), and
//! never frees the compiled copies. afterlight's own shaders used to have such branches
//! everywhere (lighting's light loop, the material switches, the post passes' tier loops), and
//! resident memory grew by about 2 MiB per frame at 64x64 on lavapipe 22.3.6. Since #23 every
//! built-in pass is a specialised pipeline (settings as `override` constants, no branch on a
//! uniform alone) and the soak stays flat there (`tests/integration/soak.rs`,
//! docs/memory-growth.md); a user pass (`[[custom]]`) whose WGSL branches on its params still
//! triggers it, so the warning is logged when user passes are compiled on such a driver.
//! Real GPU drivers do not do this; the fix is a newer Mesa.

/// The first Mesa major version whose lavapipe keeps its uniform-inlined shader variants in a
/// cache instead of compiling and leaking one per pipeline bind. Measured: 22.3.6 leaks,
/// 25.0.7 does not; by our reading of Mesa's source the cache arrived in the 23 series.
const LAVAPIPE_FIXED_MAJOR: u32 = 23;

/// A description of each known bug of the driver behind `info` that affects afterlight; empty
/// for drivers without known issues.
pub fn known_driver_issues(info: &wgpu::AdapterInfo) -> Vec<String> {
    let mut issues = Vec::new();
    // lavapipe is llvmpipe behind Vulkan; llvmpipe behind GL does not inline uniforms.
    let lavapipe = info.backend == wgpu::Backend::Vulkan
        && (info.name.contains("llvmpipe") || info.driver.contains("llvmpipe"));
    if let Some(version) = mesa_major(&info.driver_info).filter(|_| lavapipe)
        && version < LAVAPIPE_FIXED_MAJOR
    {
        issues.push(format!(
            "lavapipe from Mesa {version} compiles a new copy of a shader on every pipeline bind \
             whose branches depend on uniform values alone and never frees it (about 2 MiB a \
             frame): afterlight's built-in passes have no such branch, a user pass whose WGSL \
             branches on its params does; use Mesa {LAVAPIPE_FIXED_MAJOR} or newer (see \
             docs/memory-growth.md)"
        ));
    }
    issues
}

/// The major version in a driver text like "Mesa 22.3.6 (LLVM 15.0.6)".
fn mesa_major(driver_info: &str) -> Option<u32> {
    let rest = driver_info.split("Mesa ").nth(1)?;
    rest.split(['.', ' ', '-']).next()?.parse().ok()
}

/// Log each of [`known_driver_issues`] once per process (every renderer and post stack on the
/// same driver would otherwise repeat it).
pub fn warn_known_driver_issues(info: &wgpu::AdapterInfo) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let issues = known_driver_issues(info);
    if !issues.is_empty() {
        WARNED.call_once(|| issues.iter().for_each(|issue| log::warn!("{issue}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(name: &str, driver: &str, driver_info: &str) -> wgpu::AdapterInfo {
        wgpu::AdapterInfo {
            name: name.into(),
            driver: driver.into(),
            driver_info: driver_info.into(),
            ..wgpu::AdapterInfo::new(wgpu::DeviceType::Cpu, wgpu::Backend::Vulkan)
        }
    }

    #[test]
    fn lavapipe_22_is_reported_with_the_fix() {
        let info =
            adapter("llvmpipe (LLVM 15.0.6, 256 bits)", "llvmpipe", "Mesa 22.3.6 (LLVM 15.0.6)");
        let issues = known_driver_issues(&info);
        assert_eq!(issues.len(), 1);
        assert!(issues[0].contains("Mesa 22") && issues[0].contains("Mesa 23 or newer"));
    }

    #[test]
    fn newer_lavapipe_and_other_drivers_are_not() {
        let fixed =
            adapter("llvmpipe (LLVM 15.0.6, 256 bits)", "llvmpipe", "Mesa 25.0.7-2~bpo12+1");
        assert!(known_driver_issues(&fixed).is_empty());
        let nvidia = adapter("NVIDIA H100", "NVIDIA", "560.35.03");
        assert!(known_driver_issues(&nvidia).is_empty());
        let radv = adapter("AMD Radeon (RADV NAVI21)", "radv", "Mesa 22.3.6");
        assert!(known_driver_issues(&radv).is_empty(), "the bug is lavapipe's, not Mesa's");
        let gl = wgpu::AdapterInfo {
            backend: wgpu::Backend::Gl,
            ..adapter("llvmpipe (LLVM 15.0.6, 256 bits)", "", "4.5 (Core Profile) Mesa 22.3.6")
        };
        assert!(known_driver_issues(&gl).is_empty(), "llvmpipe behind GL does not inline");
    }

    #[test]
    fn mesa_versions_parse() {
        assert_eq!(mesa_major("Mesa 22.3.6 (LLVM 15.0.6)"), Some(22));
        assert_eq!(mesa_major("Mesa 25.0.7-2~bpo12+1"), Some(25));
        assert_eq!(mesa_major("Mesa 24-devel"), Some(24));
        assert_eq!(mesa_major("560.35.03"), None);
        assert_eq!(mesa_major(""), None);
    }
}

//! Whether the passes may start a render pass with `LoadOp::DontCare`
//! ([`dont_care_loads_allowed`]): wgpu rejects that load on an instance created with
//! `InstanceFlags::STRICT_WEBGPU_COMPLIANCE` (which `WGPU_STRICT_WEBGPU_COMPLIANCE=1` sets for
//! instances made from the environment, as [`super::Gpu`]'s are). The full-screen passes that
//! overwrite every pixel of their targets (`draw::fullscreen::overwritten_attachment`) clear
//! them instead on such an instance. One flag for the process: strict anywhere turns it off
//! everywhere, which costs only the clears.
//!
//! Reads and writes nothing but the flag.

use std::sync::atomic::{AtomicBool, Ordering};

static STRICT: AtomicBool = AtomicBool::new(false);

/// Tell the passes that a wgpu instance they draw on has
/// `InstanceFlags::STRICT_WEBGPU_COMPLIANCE`: from then on they clear the targets they
/// overwrite instead of using `LoadOp::DontCare`, which such an instance rejects with a
/// validation error. [`super::Gpu`] calls it for its own instance; an app that brings its own
/// strict device calls it once before recording a frame.
pub fn strict_webgpu_compliance() {
    STRICT.store(true, Ordering::Relaxed);
}

/// Whether `LoadOp::DontCare` may be used: no instance was declared strict.
pub fn dont_care_loads_allowed() -> bool {
    !STRICT.load(Ordering::Relaxed)
}

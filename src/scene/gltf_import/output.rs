//! The scene an import builds, with its warnings, and the clamping of a value from the file
//! that warns when it had to change it.

use crate::scene::Scene;

/// The scene being built, and which glTF images became which `Scene::images`.
#[derive(Default)]
pub(super) struct Output {
    pub(super) scene: Scene,
    /// Per glTF image: `None` before it is first used, then its scene image (or `None` when it
    /// could not be decoded, so the warning is given once).
    pub(super) image_slots: Vec<Option<Option<usize>>>,
}

impl Output {
    pub(super) fn warn(&mut self, message: String) {
        log::warn!("{message}");
        self.scene.warnings.push(message);
    }
}

/// `value` clamped to `lo..=hi` (non-finite: `default`), with a warning naming `what` when it
/// had to change.
pub(super) fn factor(
    out: &mut Output,
    what: &str,
    value: f32,
    lo: f32,
    hi: f32,
    default: f32,
) -> f32 {
    let fixed = if value.is_finite() { value.clamp(lo, hi) } else { default };
    if fixed != value {
        out.warn(format!("{what}: {value} is not in {lo}..={hi}; {fixed} is used"));
    }
    fixed
}

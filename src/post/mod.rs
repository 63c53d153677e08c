//! The post chain: screen-space passes between the HDR image and the display (docs/architecture.md).
//!
//! [`chain`] builds and records the chain from [`chain::PostSettings`] (a preset's content):
//! [`exposure`] -> [`bloom`] -> [`finish`] -> [`smaa`] -> [`fxaa`] -> [`sharpen`]. One file per pass, each
//! with its `<Name>Settings` (serde, documented ranges, tiers), its `SETTINGS` (how the panel
//! and presets see them, [`schema`]) and `<Name>Pass`. Beside them the CPU references the GPU
//! is tested against: `.cube` 3D LUTs ([`lut`]), the tone mappers ([`tonemap`]) and the colour
//! grade ([`grade`]), which [`grade_bake`] bakes into the finish's 3D LUT.

pub mod ao;
pub mod bloom;
mod blue_noise;
pub mod budget;
pub mod camera;
pub mod camera_exposure;
pub mod camera_log;
pub mod chain;
pub mod colour_lut;
pub mod composite;
pub mod contract;
pub mod custom;
pub mod display;
mod display_pass;
pub mod dof;
pub mod exposure;
pub mod finish;
pub mod frame;
pub mod frame_traffic;
pub mod fxaa;
pub mod grade;
pub mod grade_bake;
pub mod lut;
pub mod lut_1d;
pub mod lut_3dl;
pub mod lut_cube_file;
pub mod lut_export;
pub mod lut_spi;
pub mod motion_blur;
pub mod order;
pub mod primaries;
pub mod schema;
pub mod settings;
pub mod shadow_tier;
pub mod sharpen;
pub mod smaa;
pub mod stack;
pub mod taa;
pub mod tier;
pub mod tonemap;
pub mod traffic;
pub mod upscale;
pub mod variant;

pub use tier::Tier;

/// A setting brought into its documented range: NaN becomes `default`, a value outside
/// `min..=max` (infinities included) is clamped, and either change adds a warning naming
/// `key` (`bloom.intensity = 3 is outside 0..=1; using 1`). Every pass's `validated` uses it.
pub(crate) fn clamp_setting(
    warnings: &mut Vec<String>,
    key: &str,
    value: f32,
    min: f32,
    max: f32,
    default: f32,
) -> f32 {
    if value.is_nan() {
        warnings.push(format!("{key} is NaN; using the default {default}"));
        default
    } else if value < min || value > max {
        let clamped = value.clamp(min, max);
        warnings.push(format!("{key} = {value} is outside {min}..={max}; using {clamped}"));
        clamped
    } else {
        value
    }
}

//! The post chain: screen-space passes between the HDR image and the display (DESIGN.md).
//!
//! [`chain`] builds and records the chain from [`chain::PostSettings`] (a preset's content):
//! [`exposure`] -> [`bloom`] -> [`finish`] -> [`fxaa`] -> [`sharpen`]. One file per pass, each
//! with its `<Name>Settings` (serde, documented ranges, tiers) and `<Name>Pass`. Beside them
//! the CPU references the GPU is tested against: `.cube` 3D LUTs ([`lut`]), the tone mappers
//! ([`tonemap`]) and the colour grade ([`grade`]), which [`grade_bake`] bakes into the finish's
//! 3D LUT.

pub mod bloom;
pub mod chain;
pub mod exposure;
pub mod finish;
pub mod fxaa;
pub mod grade;
pub mod grade_bake;
pub mod lut;
pub mod sharpen;
pub mod tier;
pub mod tonemap;

pub use tier::Tier;

//! The post chain: screen-space passes between the HDR image and the display (DESIGN.md).
//! So far the CPU references the GPU passes are tested against: `.cube` 3D LUTs, the tone
//! mappers (their WGSL twins in `shaders/include/tonemap.wgsl` run in the display transform)
//! and the colour grade that the finish pass will bake into one 3D LUT.

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

//! The post chain: screen-space passes between the HDR image and the display (DESIGN.md).
//! So far the CPU halves that the GPU passes will be tested against: `.cube` 3D LUTs and
//! the reference tone mappers.

pub mod lut;
pub mod tonemap;

//! Every integration test in one binary: one link of wgpu instead of one per file, which keeps
//! a fresh build small enough for CI's disk and quicker on two cores.

mod common;
mod skip;

mod ambient_occlusion;
mod antialiasing;
mod ao_pyramid;
mod ao_reference;
mod auto_exposure;
mod bench;
mod bloom;
mod budget;
mod capabilities;
mod cli;
mod cube_lut;
mod custom_passes;
mod debug_views;
mod default_scene;
mod depth_of_field;
mod downlevel;
mod embedding;
mod environment;
mod fxaa;
mod gbuffer;
mod grade;
mod grade_bake;
mod grade_export;
mod hardening;
mod hdr_output;
mod lighting;
mod lut_formats;
mod motion_blur;
mod post_chain;
mod render;
mod scene_import;
mod shaders;
mod shadow_catcher;
mod shadows;
mod sharpen;
mod smaa;
mod soak;
mod taa;
mod timing;
mod tonemap;
mod tonemap_gpu;
mod variants;
#[cfg(feature = "viewer")]
mod viewer;

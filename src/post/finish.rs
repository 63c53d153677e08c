//! The fused finish pass (`shaders/finish.wgsl`): exposure compensation and one sample of a 3D
//! LUT into which the colour grade and the tone mapper are baked (`grade_bake`), re-baked only
//! when those settings change, then a triangular-PDF dither of one code before the 8-bit
//! target quantises. The rest of the finish (bloom composite, vignette, grain) joins this
//! pass as the post chain grows.
//!
//! Reads: HDR (pre-exposed radiance), the grade LUT. Writes: the 8-bit display target
//! (Rgba8UnormSrgb, alpha = coverage).

use super::grade::GradeSettings;
use super::grade_bake::{GradeLut, UserLut, lut_sampler};
use super::tonemap::ToneMapper;
use crate::Error;
use crate::gpu::Gpu;
use crate::render::fullscreen::FullscreenPass;
use crate::render::{Target, bindings};

/// Format of the finished 8-bit image.
pub const DISPLAY_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

/// What the baked LUT was asked to hold, to know when to bake again (the user LUT compares
/// by `Arc` pointer and space; keeping the `Arc` here keeps that pointer from being reused).
#[derive(Clone, Debug, PartialEq)]
struct Baked {
    grade: GradeSettings,
    tone_mapper: ToneMapper,
    user_lut: Option<UserLut>,
    requested_size: u32,
}

/// The finish pass and its grade LUT.
pub struct FinishPass {
    pass: FullscreenPass,
    baker: GradeLut,
    sampler: wgpu::Sampler,
    /// The baked LUT, its edge length in texels, and what it holds.
    lut: Option<(Baked, u32, wgpu::TextureView)>,
    hdr: Option<wgpu::TextureView>,
}

impl FinishPass {
    /// Load the shaders (finish and the LUT bake).
    pub fn new(device: &wgpu::Device) -> Result<Self, Error> {
        let inputs = [bindings::texture(1, false), bindings::texture_3d(2), bindings::sampler(3)];
        let pass = FullscreenPass::new(device, "finish", &inputs, 16, (DISPLAY_FORMAT, None), &[])?;
        let sampler = lut_sampler(device);
        Ok(Self { pass, baker: GradeLut::new(device)?, sampler, lut: None, hdr: None })
    }

    /// Read `hdr` from now on (after creation and every resize).
    pub fn bind(&mut self, device: &wgpu::Device, hdr: &wgpu::TextureView) {
        self.hdr = Some(hdr.clone());
        self.rebind(device);
    }

    fn rebind(&mut self, device: &wgpu::Device) {
        if let (Some(hdr), Some((_, _, lut))) = (&self.hdr, &self.lut) {
            self.pass.bind(
                device,
                &[
                    wgpu::BindingResource::TextureView(hdr),
                    wgpu::BindingResource::TextureView(lut),
                    wgpu::BindingResource::Sampler(&self.sampler),
                ],
            );
        }
    }

    /// Bake the LUT for these settings (grade, tone mapper, optional user `.cube` LUT; see
    /// `grade_bake`) unless it already holds them. Call outside any encoder that is being
    /// recorded: the bake is its own submission. On error the previous LUT stays.
    pub fn prepare(
        &mut self,
        gpu: &Gpu,
        grade: &GradeSettings,
        tone_mapper: ToneMapper,
        user_lut: Option<&UserLut>,
        size: u32,
    ) -> Result<(), Error> {
        let wanted =
            Baked { grade: *grade, tone_mapper, user_lut: user_lut.cloned(), requested_size: size };
        if self.lut.as_ref().is_some_and(|(baked, _, _)| *baked == wanted) {
            return Ok(());
        }
        let texture = self.baker.bake(gpu, grade, tone_mapper, user_lut, size)?;
        let view = texture.create_view(&Default::default());
        self.lut = Some((wanted, texture.width(), view));
        self.rebind(&gpu.device);
        Ok(())
    }

    /// Finish the HDR image into `output` with a linear exposure-compensation multiplier,
    /// dithered before 8-bit quantisation when `dither` is set.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        queue: &wgpu::Queue,
        compensation: f32,
        dither: bool,
        output: &Target,
    ) {
        let Some((_, texels, _)) = &self.lut else { return };
        let compensation = if compensation.is_finite() { compensation.max(0.0) } else { 1.0 };
        let params = [compensation, *texels as f32, if dither { 1.0 } else { 0.0 }, 0.0];
        self.pass.write_uniforms(queue, bytemuck::bytes_of(&params));
        self.pass.draw(encoder, &output.view, Some(wgpu::Color::BLACK), &[]);
    }
}

//! The post stack's last step (`shaders/post/composite.wgsl`): the finished display image into the
//! app's target, whatever its colour format, and AR compositing with a camera image.
//!
//! An AR app brings the camera's picture of the real world and a **real-world mask** (1 where a
//! pixel shows the real world, 0 on virtual content, fractions on edges). Real-world pixels
//! leave the stack as the camera gave them: grading, tone mapping, bloom, vignette, grain, FXAA,
//! sharpening and TAA all run on the virtual image, and this pass puts the camera image back
//! over it by the mask, as the last step, so nothing the chain does reaches those pixels. With
//! a **shadow catcher** (the renderer's ground plane, see `RendererSettings::shadow_catcher`)
//! the camera image is multiplied by the fraction of light the ground still receives, so the
//! virtual object's shadow and ambient occlusion darken the real floor beneath it.
//!
//! Matching the photo: virtual pixels get Gaussian noise of the camera's own noise level
//! ([`RealWorld::grain_sigma`]; [`estimate_noise_sigma`] measures it from the camera image,
//! Immerkær 1996), so the object does not look cleaner than the photo around it. Exposure is
//! taken from the camera image ([`RealWorld::match_exposure`], see [`super::camera_exposure`])
//! or given: the camera's EV100 in `PostInputs::ev100` (from its metadata), or the exposure
//! settings' `camera` mode (aperture, shutter, ISO).
//!
//! **Specialised** ([`crate::draw::specialise`]): whether the frame has a camera image, a light
//! fraction and grain, and whether the target needs the shader's sRGB encode, are override
//! constants, one pipeline per combination built on first use (none changes with the budget
//! governor), so no branch reads a uniform (`docs/memory-growth.md`).
//!
//! **HDR output** ([`super::display`]): the finished image holds PQ code values; for PQ they are
//! written as they are (an `Rgba16Float` or `Rgb10a2Unorm` target of a BT.2100 PQ surface), for
//! scRGB decoded to light, converted from BT.2020 to Rec.709 primaries and divided by 80 nits.
//! AR compositing is SDR only (the camera image is 8-bit sRGB); the stack refuses it with HDR.
//!
//! Reads: the finished image (8-bit sRGB, or PQ for HDR: the chain's output), the camera
//! image, the mask and the light fraction. Writes: the app's target: linear values for sRGB and
//! float formats, sRGB-encoded values for plain unorm formats (a `Bgra8Unorm` swapchain shows
//! the same picture as a `Bgra8UnormSrgb` one); PQ or scRGB values for HDR.

use super::display::DisplayEncoding;
use crate::Error;
use crate::draw::bindings;
use crate::draw::fullscreen::{FullscreenPass, specialised_pipeline};
use crate::draw::specialise::Specialised;

/// The camera side of an AR frame.
#[derive(Clone, Copy, Debug)]
pub struct RealWorld<'a> {
    /// The camera image, any size (sampled bilinearly over the target): a view whose
    /// sampling returns display-linear values, so an `*Srgb` format for 8-bit sRGB pixels.
    pub camera_image: &'a wgpu::TextureView,
    /// Real-world coverage in the red channel (1: the camera's pixel, 0: virtual content),
    /// any size, any filterable format (`R8Unorm`, `R16Float`, ...).
    pub mask: &'a wgpu::TextureView,
    /// The shadow catcher's light fraction in the red channel (1: the real ground is
    /// unshadowed; it multiplies the camera image); `None` leaves the camera image as it is.
    pub light_fraction: Option<&'a wgpu::TextureView>,
    /// Standard deviation of the camera image's sensor noise in sRGB-encoded units (0..1; an
    /// 8-bit value of 2.55 codes is 0.01), added to virtual pixels. See
    /// [`estimate_noise_sigma`]. Clamped to `0..=0.25`.
    pub grain_sigma: f32,
    /// Take the exposure from the camera image ([`super::camera_exposure`]): the virtual
    /// object gets the exposure that makes the HDR image's real-world pixels match the camera
    /// image there. Off: the exposure settings and `PostInputs::ev100` decide.
    pub match_exposure: bool,
}

/// What the composite does with a frame.
pub struct CompositeFrame<'a> {
    /// The chain's finished image ([`super::finish::DISPLAY_FORMAT`], or PQ code values for HDR
    /// output) at the target's size.
    pub finished: &'a wgpu::TextureView,
    /// The display encoding the finished image is for ([`super::display`]).
    pub encoding: DisplayEncoding,
    /// The AR inputs, or `None` for a plain format conversion.
    pub real_world: Option<RealWorld<'a>>,
    /// Frame number (animates the grain).
    pub frame_index: u64,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct CompositeUniforms {
    params: [f32; 4],
    seed: [f32; 4],
}

/// Whether the shader must encode sRGB itself: plain 8- and 10-bit unorm targets. sRGB formats
/// encode in hardware; float formats take linear values.
pub fn encodes_srgb(format: wgpu::TextureFormat) -> bool {
    use wgpu::TextureFormat as F;
    matches!(format, F::Rgba8Unorm | F::Bgra8Unorm | F::Rgb10a2Unorm)
}

/// What a composite pipeline is specialised on (the shader's `override` constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct CompositeKey {
    /// A camera image and mask (`REAL_WORLD`).
    real_world: bool,
    /// A shadow-catcher light fraction (`LIGHT_FRACTION`).
    light_fraction: bool,
    /// Grain of a sigma above 0 (`GRAIN`).
    grain: bool,
    /// What the finished image holds (`INPUT`): 0 SDR (8-bit sRGB), 1 PQ code values written
    /// as they are, 2 PQ code values decoded to scRGB (linear Rec.709, 1.0 = 80 nits).
    input: u8,
}

/// The composite pass: pipelines for the target's format, one per [`CompositeKey`].
pub struct CompositePass {
    /// The uniforms, the layout and the bind group (its own pipeline is never bound).
    pass: FullscreenPass,
    module: wgpu::ShaderModule,
    target_format: wgpu::TextureFormat,
    pipelines: Specialised<CompositeKey, wgpu::RenderPipeline>,
    encode_srgb: bool,
    sampler: wgpu::Sampler,
    /// Bound where an AR input is absent (the shader does not read it then).
    absent: wgpu::TextureView,
}

impl CompositePass {
    /// The pass's label, timing scope and preset key.
    pub const NAME: &'static str = "composite";

    /// Load the shader and build the pipeline writing `target_format` (any renderable colour
    /// format).
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Result<Self, Error> {
        let inputs = [
            bindings::texture(1, false),
            bindings::texture(2, true),
            bindings::texture(3, true),
            bindings::texture(4, true),
            bindings::sampler(5),
        ];
        let size = std::mem::size_of::<CompositeUniforms>() as u64;
        let pass =
            FullscreenPass::new(device, Self::NAME, &inputs, size, (target_format, None), &[])?;
        Ok(Self {
            pass,
            module: crate::shaders::create_module(device, Self::NAME)?,
            target_format,
            pipelines: Specialised::new(),
            encode_srgb: encodes_srgb(target_format),
            sampler: bindings::linear_sampler(device, Self::NAME),
            absent: bindings::placeholder(device, "composite.absent", wgpu::TextureFormat::R8Unorm),
        })
    }

    /// Record the composite of `frame` into `target` (a view of the format given to `new`,
    /// the finished image's size).
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &CompositeFrame<'_>,
        target: &wgpu::TextureView,
    ) {
        let real = frame.real_world;
        let on = |b: bool| if b { 1.0 } else { 0.0 };
        let sigma = real.map_or(0.0, |r| {
            if r.grain_sigma.is_finite() { r.grain_sigma.clamp(0.0, 0.25) } else { 0.0 }
        });
        let key = CompositeKey {
            real_world: real.is_some(),
            light_fraction: real.is_some_and(|r| r.light_fraction.is_some()),
            grain: real.is_some() && sigma > 0.0,
            input: match frame.encoding {
                DisplayEncoding::Sdr => 0,
                DisplayEncoding::Pq => 1,
                DisplayEncoding::ScRgb => 2,
            },
        };
        let uniforms = CompositeUniforms {
            params: [0.0, 0.0, 0.0, sigma],
            seed: [(frame.frame_index % 65_536) as f32, 0.0, 0.0, 0.0],
        };
        self.pass.write_uniforms(queue, bytemuck::bytes_of(&uniforms));
        let absent = &self.absent;
        self.pass.bind(
            device,
            &[
                wgpu::BindingResource::TextureView(frame.finished),
                wgpu::BindingResource::TextureView(real.map_or(absent, |r| r.camera_image)),
                wgpu::BindingResource::TextureView(real.map_or(absent, |r| r.mask)),
                wgpu::BindingResource::TextureView(
                    real.and_then(|r| r.light_fraction).unwrap_or(absent),
                ),
                wgpu::BindingResource::Sampler(&self.sampler),
            ],
        );
        let Some(group) = self.pass.bind_group() else { return };
        let (module, layout, format) = (&self.module, self.pass.layout(), self.target_format);
        let encode = self.encode_srgb;
        let pipeline = self.pipelines.get(key, |key| {
            let constants = vec![
                ("REAL_WORLD", on(key.real_world)),
                ("LIGHT_FRACTION", on(key.light_fraction)),
                ("GRAIN", on(key.grain)),
                ("ENCODE_SRGB", on(encode && key.input == 0)),
                ("INPUT", f64::from(key.input)),
            ];
            let target = (format, None);
            specialised_pipeline(
                device,
                Self::NAME,
                module,
                "fs_main",
                &[layout],
                target,
                &constants,
            )
        });
        // Every pixel is written (no blending).
        crate::draw::fullscreen::overwrite(encoder, Self::NAME, pipeline, &[group], target);
    }

    /// The pass's own buffers and textures, for memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![self.pass.memory()]
    }
}

/// The standard deviation of an image's noise per colour channel, in sRGB-encoded units
/// (0..1), by Immerkær's fast estimate ("Fast Noise Variance Estimation", CVIU 1996): each of
/// R, G and B convolved with the difference of two Laplacians, `[1 -2 1; -2 4 -2; 1 -2 1]`,
/// which cancels any locally planar signal; `sigma = sqrt(pi / 2) / (6 (W - 2) (H - 2)) *
/// sum |I * N|`, averaged over the three channels (the grain [`RealWorld::grain_sigma`] adds is
/// per channel too). `rgba8` is `width * height * 4` bytes of 8-bit RGBA, rows top first (a
/// camera frame, or a downscaled copy of one). Smooth content reads as no noise; strong texture
/// reads as a little. Images smaller than 3x3, or a buffer of the wrong length, give 0.
pub fn estimate_noise_sigma(rgba8: &[u8], width: u32, height: u32) -> f32 {
    let (w, h) = (width as usize, height as usize);
    if w < 3 || h < 3 || rgba8.len() != w * h * 4 {
        return 0.0;
    }
    const KERNEL: [[f32; 3]; 3] = [[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]];
    let mut sum = 0.0f64;
    for channel in 0..3 {
        let value = |x: usize, y: usize| f32::from(rgba8[(y * w + x) * 4 + channel]) / 255.0;
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let mut v = 0.0f32;
                for (dy, row) in KERNEL.iter().enumerate() {
                    for (dx, k) in row.iter().enumerate() {
                        v += k * value(x + dx - 1, y + dy - 1);
                    }
                }
                sum += f64::from(v.abs());
            }
        }
    }
    let n = (3 * (w - 2) * (h - 2)) as f64;
    (std::f64::consts::FRAC_PI_2.sqrt() * sum / (6.0 * n)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth gradient plus Gaussian noise of `sigma` (8-bit, per channel), seeded.
    fn noisy_gradient(width: u32, height: u32, sigma: f32) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 11) as f64 / (1u64 << 53) as f64).max(1e-12)
        };
        let mut out = Vec::new();
        for y in 0..height {
            for x in 0..width {
                let base = [
                    0.2 + 0.5 * x as f32 / width as f32,
                    0.4,
                    0.3 + 0.3 * y as f32 / height as f32,
                ];
                for b in base {
                    let g =
                        (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
                    out.push(((b + sigma * g as f32) * 255.0).round().clamp(0.0, 255.0) as u8);
                }
                out.push(255);
            }
        }
        out
    }

    #[test]
    fn the_noise_estimate_reads_back_the_noise_added() {
        for sigma in [0.005, 0.01, 0.03] {
            let image = noisy_gradient(128, 96, sigma);
            let estimate = estimate_noise_sigma(&image, 128, 96);
            assert!((estimate - sigma).abs() < 0.12 * sigma + 0.001, "{estimate} for {sigma}");
        }
        let clean = noisy_gradient(64, 64, 0.0);
        assert!(estimate_noise_sigma(&clean, 64, 64) < 0.002, "a smooth ramp has no noise");
        assert_eq!(estimate_noise_sigma(&[0; 8], 2, 1), 0.0);
        assert_eq!(estimate_noise_sigma(&[0; 7], 64, 64), 0.0);
    }
}

//! Spatial upscale (`shaders/post/upscale.wgsl`): when the render scale is below 1 and TAA is off,
//! the HDR image is brought to display size by the filter its tier picks ([`UpscaleSettings`]):
//! bilinear, or a Lanczos-2-like kernel in the manner of AMD FSR 1's EASU, turned to the local
//! edge, narrowed across it and widened along it, over the nearest 2x2 texels or over 12 (the
//! 4x4 window less its corners, with negative lobes). All work in a compressed space
//! `c / (1 + max(r, g, b))` (Karis 2014); the 12-tap kernel is clamped to the nearest 2x2 input
//! texels so HDR edges do not ring. The shader's header says how the edge is found and why it
//! differs from EASU's analysis. With TAA on, TAA upsamples temporally instead and
//! this pass does not run.
//!
//! Reads: the HDR image at render size. Writes: an HDR image of the same format at display
//! size (the chain's transient pool provides it). The compute variant
//! ([`UpscalePass::dispatch`], [`super::variant`]) writes a storage texture, Rgba16Float only.

use super::Tier;
use super::contract::{Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::display_pass::{DisplayPass, DisplayTarget};
use super::schema::{Control, Setting, TIERS, setting};
use super::traffic::{FrameTargets, PassTraffic};
use crate::Error;
use crate::draw::bindings;
use serde::{Deserialize, Serialize};

/// The one HDR format the compute variant writes (`rgba16float` storage in the shader); with
/// another HDR format the chain runs the fragment variant.
pub const COMPUTE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The spatial upscale's tier: which filter brings a render below display size up to it.
///
/// | tier            | filter                                                  | loads |
/// |-----------------|---------------------------------------------------------|-------|
/// | `Low`           | bilinear                                                | 4     |
/// | `Medium`        | edge-directed over the nearest 2x2 (no negative lobes)  | 4     |
/// | `High`, `Ultra` | edge-adaptive over 12 texels, negative lobes, clamped   | 12    |
///
/// Against native-resolution renders at scales 0.5 and 0.67 each tier is closer than the one
/// below on the mean PSNR and SSIM, and the default beats bilinear and Catmull-Rom resizes of
/// the finished small image (`tests/integration/antialiasing.rs`, `benches/RESULTS.md`).
///
/// `Off` cannot skip the pass (a render below display size must be brought up to it): it is
/// read as `Low` with a warning. `Ultra` has nothing more to spend and equals `High`. The pass
/// runs only when the render scale is below 1 and TAA is off; the tier costs nothing otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpscaleSettings {
    /// Which filter (see the table above). Default [`Tier::High`], the edge-adaptive one.
    pub tier: Tier,
}

impl UpscaleSettings {
    /// The default: the edge-adaptive filter.
    pub const DEFAULT: Self = Self { tier: Tier::High };

    /// A copy whose tier is at least `Low`, and one warning, named `upscale.tier`, when `Off`
    /// was given.
    pub fn validated(&self) -> (Self, Vec<String>) {
        match self.tier {
            Tier::Off => (
                Self { tier: Tier::Low },
                vec![
                    "upscale.tier = off: the upscale cannot be skipped while the render scale \
                      is below 1; using low (bilinear)"
                        .to_string(),
                ],
            ),
            tier => (Self { tier }, Vec::new()),
        }
    }

    /// The filter: an index into [`FILTERS`].
    fn filter(&self) -> usize {
        match self.tier {
            Tier::Off | Tier::Low => 0,
            Tier::Medium => 1,
            Tier::High | Tier::Ultra => 2,
        }
    }
}

/// The `[upscale]` keys as the panel and presets see them ([`UpscaleSettings`]).
pub const SETTINGS: &[Setting] = &[setting(
    "upscale.tier",
    Control::Choice(TIERS),
    "The spatial upscale's filter, below render scale 1 with TAA off: low bilinear, medium \
         edge-directed 2x2, high and ultra edge-adaptive 12 taps (default high). Off reads as low.",
)];

impl Default for UpscaleSettings {
    /// [`UpscaleSettings::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The shader's entry points (fragment, compute), one pair per filter: bilinear,
/// edge-directed 2x2, edge-adaptive 12 taps. Each is specialised, so no branch reads a uniform.
const FILTERS: [(&str, &str); 3] = [
    ("fs_bilinear", "cs_bilinear"),
    ("fs_edge_directed", "cs_edge_directed"),
    ("fs_edge_adaptive", "cs_edge_adaptive"),
];

/// The upscale pass: a fragment pipeline and a compute variant per filter.
pub struct UpscalePass {
    passes: Vec<DisplayPass>,
    /// The NEAREST sampler the input's texels are read through (`bindings::depth_sampler`):
    /// on lavapipe cheaper than `textureLoad`.
    texels: wgpu::Sampler,
}

impl UpscalePass {
    /// The pass's label and timing scope.
    pub const NAME: &'static str = "upscale";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Spatial upscale to the display size below render scale 1 without TAA (bilinear, edge-directed, edge-adaptive)",
        writes: &[Image {
            name: "upscaled",
            format: ImageFormat::Hdr,
            size: ImageSize::Display,
            kept: false,
        }],
        knob: Some(KnobDecl {
            floor: Tier::Low,
            value: 1.0,
            prior_share: 0.03,
            at_render_size: false,
            // Measured on lavapipe at 1280x720 from render scale 0.67 (benches/RESULTS.md,
            // session 16: 4.67, 6.62, 11.72 ms); ultra is high's kernel.
            tier_cost: [0.0, 0.40, 0.56, 1.0, 1.0],
        }),
        settings: &[SETTINGS],
    };

    /// Load the shader and build the pipeline writing `hdr_format`.
    pub fn new(device: &wgpu::Device, hdr_format: wgpu::TextureFormat) -> Result<Self, Error> {
        let inputs = [bindings::texture(1, false), bindings::depth_sampler(2)];
        let passes = FILTERS
            .iter()
            .map(|&entries| {
                let (format, compute) = (hdr_format, COMPUTE_FORMAT);
                DisplayPass::with_entries(device, Self::NAME, entries, &inputs, 16, format, compute)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { passes, texels: bindings::nearest_sampler(device, "upscale.texels") })
    }

    /// Record the upscale of `input` (an HDR view of `input_size`) into `output` (a view of
    /// the same format, any size) with the filter `settings` picks. A zero `input_size`
    /// records nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        input_size: (u32, u32),
        output: &wgpu::TextureView,
        settings: &UpscaleSettings,
    ) {
        let target = DisplayTarget::Attachment(output, wgpu::Color::TRANSPARENT);
        self.record(device, queue, encoder, input, input_size, target, settings);
    }

    /// The compute variant of [`UpscalePass::draw`]: `output` is a storage view of a
    /// [`COMPUTE_FORMAT`] texture of `output_size` (see [`super::variant`]).
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        input_size: (u32, u32),
        output: &wgpu::TextureView,
        output_size: (u32, u32),
        settings: &UpscaleSettings,
    ) {
        let target = DisplayTarget::Storage(output, output_size);
        self.record(device, queue, encoder, input, input_size, target, settings);
        // Every filter's kernel is built with the first (three small kernels), so a governor
        // step never compiles one during a frame.
        for pass in &mut self.passes {
            pass.build_compute(device);
        }
    }

    /// Record either variant into `target`; nothing for a zero input size.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        input_size: (u32, u32),
        target: DisplayTarget<'_>,
        settings: &UpscaleSettings,
    ) {
        if input_size.0 == 0 || input_size.1 == 0 {
            return;
        }
        let (w, h) = (input_size.0 as f32, input_size.1 as f32);
        let uniforms = [w, h, 1.0 / w, 1.0 / h];
        let inputs = [
            wgpu::BindingResource::TextureView(input),
            wgpu::BindingResource::Sampler(&self.texels),
        ];
        let pass = &mut self.passes[settings.filter()];
        pass.record(device, queue, encoder, bytemuck::bytes_of(&uniforms), &inputs, target);
    }
}

impl UpscalePass {
    /// The uniforms (one block per filter), for memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        self.passes.iter().map(DisplayPass::memory).collect()
    }
}

/// The pass's memory traffic ([`super::traffic`]), at the display size.
pub fn traffic(frame: &FrameTargets) -> Option<PassTraffic> {
    let hdr = frame.hdr_bytes();
    Some(PassTraffic::new(
        hdr * frame.render_fraction(),
        hdr,
        frame.display_pixels(),
        "the render-size HDR image read once, the display-size HDR written",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_reads_as_low_with_a_warning_and_tiers_pick_their_filters() {
        let (off, warnings) = UpscaleSettings { tier: Tier::Off }.validated();
        assert_eq!(off.tier, Tier::Low);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("upscale.tier = off"), "{warnings:?}");
        for tier in [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra] {
            let (same, warnings) = UpscaleSettings { tier }.validated();
            assert_eq!((same.tier, warnings.len()), (tier, 0));
        }
        let filters = Tier::ALL.map(|tier| FILTERS[UpscaleSettings { tier }.filter()].0);
        let expected = ["fs_bilinear", "fs_bilinear", "fs_edge_directed", "fs_edge_adaptive"];
        assert_eq!(filters, [expected[0], expected[1], expected[2], expected[3], expected[3]]);
        assert_eq!(UpscaleSettings::default().tier, Tier::High);
    }

    #[test]
    fn a_preset_names_the_tier() {
        let settings: crate::post::chain::PostSettings =
            toml::from_str("render_scale = 0.5\n[upscale]\ntier = \"medium\"").unwrap();
        assert_eq!(settings.upscale.tier, Tier::Medium);
        let error = toml::from_str::<crate::post::chain::PostSettings>("[upscale]\nfilter = 1");
        assert!(error.is_err(), "unknown keys are refused");
    }
}

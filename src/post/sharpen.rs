//! Contrast-adaptive sharpening (`shaders/post/sharpen.wgsl`): AMD FidelityFX CAS (Timothy Lottes,
//! AMD, 2019), the non-upscaling path. A cross filter with negative lobes whose weight,
//! `peak · sqrt(amp)` with `peak = -1 / lerp(8, 5, sharpness)`, shrinks where the 3x3 window's
//! soft min/max already reach the signal's limits, so weak detail is lifted more than strong
//! edges. Applied in linear light, and (an addition to CAS) clamped to each channel's window
//! min/max so it never rings or overshoots.
//!
//! Reads: the display image ([`DISPLAY_FORMAT`](super::finish::DISPLAY_FORMAT), usually FXAA's output). Writes: a different
//! texture of the same format (ping-pong); alpha is copied. The compute variant
//! ([`SharpenPass::dispatch`], [`super::variant`]) writes an `Rgba8Unorm` storage texture with
//! sRGB-encoded values instead.
//!
//! **Specialised** ([`crate::draw::specialise`]): the tier's window and weights are the
//! shader's `MODE` override constant, one pipeline per mode, so no branch reads a uniform (Mesa
//! 22's lavapipe recompiled and leaked the shader on every bind, `docs/memory-growth.md`);
//! [`SharpenPass::frame_submitted`] builds the tiers a budget-governor step can reach once a
//! frame is submitted.

use super::contract::{DEFAULT_TIER_COST, Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::display_pass::{DisplayTarget, SpecialisedDisplayPass};
use super::finish::display_image_traffic;
use super::schema::{Control, Setting, TIERS, float, setting};
use super::traffic::{FrameTargets, PassTraffic};
use super::{Tier, clamp_setting};
use crate::Error;
use crate::draw::bindings;
use serde::{Deserialize, Serialize};

/// CAS's one knob and a tier.
///
/// What each tier computes per pixel:
///
/// | tier             | window for min/max | lobe weight                         | loads |
/// |------------------|--------------------|-------------------------------------|-------|
/// | `Off`            | –                  | pass skipped (a draw copies input)  | 0     |
/// | `Low`            | 5-tap cross        | one, from green, for all channels   | 5     |
/// | `Medium`         | 5-tap cross        | one per channel                     | 5     |
/// | `High`, `Ultra`  | 9 taps: cross min/max plus 3x3 min/max ("better diagonals") | one per channel | 9 |
///
/// `Low` is CAS's own shortcut (it filters all channels with the green weight); the 9-tap
/// window is CAS's `CAS_BETTER_DIAGONALS` path, steadier on diagonal detail. `Ultra` has
/// nothing more to spend and equals `High`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SharpenSettings {
    /// Which window and weights (see the table above). Default [`Tier::Off`]: sharpening is
    /// opt-in.
    pub tier: Tier,
    /// CAS sharpness, unitless, `0..=1`, default 0.5: the lobe peak goes from -1/8 (0, already
    /// a gentle sharpen) to -1/5 (1).
    pub sharpness: f32,
}

impl SharpenSettings {
    /// No sharpening (the default).
    pub const OFF: Self = Self { tier: Tier::Off, sharpness: 0.5 };

    /// Visible crispness for product shots and softened (TAA/FXAA) images: full 9-tap CAS at
    /// sharpness 0.8.
    pub const CRISP: Self = Self { tier: Tier::High, sharpness: 0.8 };

    /// A light touch for mobile budgets: 5-tap cross, one weight, sharpness 0.5.
    pub const MOBILE: Self = Self { tier: Tier::Low, sharpness: 0.5 };

    /// A copy with `sharpness` in `0..=1` (a NaN becomes the default 0.5), and one warning,
    /// named `sharpen.sharpness`, with the value given and the value used, when it changed.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut w = Vec::new();
        let sharpness = clamp_setting(
            &mut w,
            "sharpen.sharpness",
            self.sharpness,
            0.0,
            1.0,
            Self::OFF.sharpness,
        );
        (Self { tier: self.tier, sharpness }, w)
    }

    /// CAS's lobe peak, `-1 / lerp(8, 5, sharpness)`.
    fn peak(&self) -> f32 {
        -1.0 / (8.0 + (5.0 - 8.0) * self.sharpness)
    }

    /// The shader's `MODE` at `tier`: 0 copy, 1 cross + green weight, 2 cross, 3 nine taps.
    fn mode(tier: Tier) -> u8 {
        match tier {
            Tier::Off => 0,
            Tier::Low => 1,
            Tier::Medium => 2,
            Tier::High | Tier::Ultra => 3,
        }
    }
}

/// The `[sharpen]` keys as the panel and presets see them ([`SharpenSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "sharpen.tier",
        Control::Choice(TIERS),
        "CAS window and weights by tier. Default off: sharpening is opt-in.",
    ),
    setting("sharpen.sharpness", float(0.0, 1.0, 0.01), "CAS sharpness, 0..=1, default 0.5."),
];

impl Default for SharpenSettings {
    /// [`SharpenSettings::OFF`].
    fn default() -> Self {
        Self::OFF
    }
}

/// The sharpening pass: its fragment pipelines and compute variants, one per mode.
pub struct SharpenPass {
    pass: SpecialisedDisplayPass<u8>,
    /// The NEAREST sampler the input's texels are read through (`bindings::depth_sampler`):
    /// on lavapipe cheaper than `textureLoad`.
    texels: wgpu::Sampler,
}

impl SharpenPass {
    /// The pass's label, timing scope and preset key.
    pub const NAME: &'static str = "sharpen";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "Contrast-adaptive sharpening of the display image",
        writes: &[Image {
            name: "sharpened",
            format: ImageFormat::Display,
            size: ImageSize::Display,
            kept: false,
        }],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 1.0,
            prior_share: 0.03,
            at_render_size: false,
            tier_cost: DEFAULT_TIER_COST,
        }),
        settings: &[SETTINGS],
    };

    /// Load the shader and build the pipeline.
    /// Load the shader for display images of `format` (the chain's: [`DISPLAY_FORMAT`](super::finish::DISPLAY_FORMAT), or
    /// PQ code values in [`super::display::HDR_DISPLAY_FORMAT`]).
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Result<Self, Error> {
        let inputs = [bindings::texture(1, false), bindings::depth_sampler(2)];
        let storage = wgpu::TextureFormat::Rgba8Unorm;
        let mode = |mode: u8, _compute| vec![("MODE", f64::from(mode))];
        let entries = ("fs_main", "cs_main");
        let formats = (format, storage);
        let pass =
            SpecialisedDisplayPass::new(device, Self::NAME, entries, (&inputs, 16), formats, mode)?;
        Ok(Self { pass, texels: bindings::nearest_sampler(device, "sharpen.texels") })
    }

    /// The frame was submitted: build the pipelines of the tiers a budget-governor step from
    /// its settings can reach (for the variants that ran), so a step never compiles during a
    /// frame.
    pub fn frame_submitted(&mut self) {
        self.pass.frame_submitted();
    }

    /// How many pipelines are built (fragment and compute), for tests of building ahead.
    pub fn pipelines_built(&self) -> usize {
        self.pass.built()
    }

    /// Record sharpening from `input` (a view of a [`DISPLAY_FORMAT`](super::finish::DISPLAY_FORMAT) texture of `size`) into
    /// `output` (another texture of that format and size). Settings are brought into range
    /// silently (call [`SharpenSettings::validated`] where they are read to report problems).
    /// With [`Tier::Off`] the draw copies the input; a zero `size` records nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        output: &wgpu::TextureView,
        size: (u32, u32),
        settings: &SharpenSettings,
    ) {
        let target = DisplayTarget::Attachment(output, wgpu::Color::BLACK);
        self.record(device, queue, encoder, input, size, settings, target);
    }

    /// The compute variant of [`SharpenPass::draw`]: `output` is a storage view of an
    /// `Rgba8Unorm` texture of `size`, written with sRGB-encoded values (see
    /// [`super::variant`]).
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        output: &wgpu::TextureView,
        size: (u32, u32),
        settings: &SharpenSettings,
    ) {
        let target = DisplayTarget::Storage(output, size);
        self.record(device, queue, encoder, input, size, settings, target);
    }

    /// Record either variant into `target`; nothing for a zero size.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        size: (u32, u32),
        settings: &SharpenSettings,
        target: DisplayTarget<'_>,
    ) {
        if size.0 == 0 || size.1 == 0 {
            return;
        }
        let (settings, _) = settings.validated();
        let params = [settings.peak(), 0.0, size.0 as f32, size.1 as f32];
        let inputs = [
            wgpu::BindingResource::TextureView(input),
            wgpu::BindingResource::Sampler(&self.texels),
        ];
        let (mode, bytes) = (SharpenSettings::mode(settings.tier), bytemuck::bytes_of(&params));
        self.pass.record(device, queue, encoder, mode, bytes, &inputs, target);
        let tiers = settings.tier.with_neighbours().into_iter();
        self.pass.ahead(tiers.map(SharpenSettings::mode).collect());
    }
}

impl SharpenPass {
    /// The uniforms, for memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![self.pass.memory()]
    }
}

/// The pass's memory traffic ([`super::traffic`]) under `settings`, at the display size, or
/// `None` when it is off.
pub fn traffic(settings: &SharpenSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    settings
        .tier
        .is_on()
        .then(|| display_image_traffic(frame, "8-bit image read (3x3 taps cached), 8-bit written"))
}

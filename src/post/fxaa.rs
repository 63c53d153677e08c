//! FXAA (`shaders/post/fxaa.wgsl`): Timothy Lottes, "FXAA 3.11" (NVIDIA, 2011), the PC quality
//! path. Runs after the finish, on the 8-bit display image: a local-contrast test skips flat
//! pixels, the edge direction is taken from second differences of luma, both ends of the edge
//! are searched for along it (the quality preset sets the step distances), and the pixel is
//! re-sampled across the edge in proportion to its distance from the nearer end; a sub-pixel
//! term softens features too small for the search. Luma is taken perceptually (gamma 2 of
//! linear Rec.601 luma), as FXAA expects display-encoded values.
//!
//! **Specialised** ([`crate::draw::specialise`]): the number of search steps is the shader's
//! `STEPS` override constant, one pipeline per tier's count (0, 3, 5, 12; High and Ultra share
//! one, their step distances stay uniforms), so the search is a loop of fixed length whose only
//! exit reads the image; no branch reads a uniform (Mesa 22's lavapipe recompiled and leaked
//! the shader on every bind, `docs/memory-growth.md`). [`FxaaPass::frame_submitted`] builds the
//! tiers a budget-governor step can reach once a frame is submitted.
//!
//! Reads: the finished display image ([`DISPLAY_FORMAT`](super::finish::DISPLAY_FORMAT), any texture of `size`). Writes: a
//! different texture of the same format (ping-pong); colour and alpha are filtered together.

use super::contract::{DEFAULT_TIER_COST, Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::display_pass::{DisplayTarget, SpecialisedDisplayPass};
use super::finish::display_image_traffic;
use super::schema::{Control, Setting, TIERS, float, setting};
use super::traffic::{FrameTargets, PassTraffic};
use super::{Tier, clamp_setting};
use crate::Error;
use crate::draw::bindings;
use serde::{Deserialize, Serialize};

/// FXAA's knobs (the names of FXAA 3.11's `fxaaQuality*` parameters).
///
/// The tier picks the quality preset, i.e. the end-of-edge search: the distance in pixels of
/// each step (`FXAA_QUALITY__P0..`), from FXAA 3.11's preset table:
///
/// | tier     | preset | steps | step distances (pixels)                               |
/// |----------|--------|-------|-------------------------------------------------------|
/// | `Off`    | –      | 0     | pass skipped (a draw copies the input)                |
/// | `Low`    | 10     | 3     | 1.5, 3, 12                                            |
/// | `Medium` | 12     | 5     | 1, 1.5, 2, 4, 12                                      |
/// | `High`   | 29     | 12    | 1, 1.5, 2, 2, 2, 2, 2, 2, 2, 2, 4, 8                  |
/// | `Ultra`  | 39, longer reach | 12 | 1, 1, 1.5, 2, 2, 2, 2, 2, 2, 4, 8, 8           |
///
/// Ultra is preset 39's fine first steps with a longer reach (35.5 px against 39's 25.5): 39
/// as FXAA 3.11 has it left more edge error than 29 on the test scene (6.128 against 6.066
/// codes, `fxaa::fxaa_lowers_edge_error_against_a_supersampled_reference_at_every_tier`, which
/// now holds each tier at least as close to the reference as the one below); this one leaves
/// 6.054.
///
/// Every step is one bilinear tap at each end, so the cost on an edge pixel is at most
/// 9 + 2 × steps texture reads; flat pixels cost 5.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FxaaSettings {
    /// Quality preset (see the table above). Default [`Tier::High`] (preset 29).
    pub tier: Tier,
    /// Sub-pixel aliasing removal (`fxaaQualitySubpix`), unitless, `0..=1`, default 0.75:
    /// 0 keeps single-pixel detail sharp, 1 softens it most; 0.75 is FXAA's default.
    pub subpixel: f32,
    /// Minimum local contrast to process a pixel, as a fraction of the neighbourhood's
    /// brightest luma (`fxaaQualityEdgeThreshold`), `0.063..=0.333`, default 0.166. Lower
    /// catches fainter edges and costs more; 0.333 is "too little", 0.063 "overkill" (FXAA).
    pub edge_threshold: f32,
    /// Absolute minimum local contrast in luma (0..1) to process a pixel
    /// (`fxaaQualityEdgeThresholdMin`), `0..=0.0833`, default 0.0833: keeps dark areas, where
    /// the relative threshold is tiny, from being filtered.
    pub edge_threshold_min: f32,
}

impl FxaaSettings {
    /// FXAA off: the frame recipe skips the pass.
    pub const OFF: Self = Self { tier: Tier::Off, ..Self::DESKTOP };

    /// FXAA 3.11's defaults: preset 29, subpix 0.75, thresholds 0.166 and 0.0833.
    pub const DESKTOP: Self = Self {
        tier: Tier::High,
        subpixel: 0.75,
        edge_threshold: 0.166,
        edge_threshold_min: 0.0833,
    };

    /// A cheap setting for mobile budgets: preset 10 and a higher edge threshold (fewer pixels
    /// take the edge search).
    pub const MOBILE: Self = Self { tier: Tier::Low, edge_threshold: 0.25, ..Self::DESKTOP };

    /// Stills and captures: the ultra search (preset 39 reaching further) and FXAA's "high
    /// quality" threshold 0.125.
    pub const ULTRA: Self = Self { tier: Tier::Ultra, edge_threshold: 0.125, ..Self::DESKTOP };

    /// A copy with every value in its documented range: out-of-range values are clamped and a
    /// NaN becomes the default. One warning per changed field, named `fxaa.<field>`, with the
    /// value given and the value used.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let d = Self::DESKTOP;
        let mut w = Vec::new();
        let settings = Self {
            tier: self.tier,
            subpixel: clamp_setting(&mut w, "fxaa.subpixel", self.subpixel, 0.0, 1.0, d.subpixel),
            edge_threshold: clamp_setting(
                &mut w,
                "fxaa.edge_threshold",
                self.edge_threshold,
                0.063,
                0.333,
                d.edge_threshold,
            ),
            edge_threshold_min: clamp_setting(
                &mut w,
                "fxaa.edge_threshold_min",
                self.edge_threshold_min,
                0.0,
                0.0833,
                d.edge_threshold_min,
            ),
        };
        (settings, w)
    }

    /// The tier's search: the step distances (`FXAA_QUALITY__P0..P11`, unused ones 0) and how
    /// many there are (0 when off).
    fn search_steps(tier: Tier) -> ([f32; 12], u32) {
        match tier {
            Tier::Off => ([0.0; 12], 0),
            Tier::Low => ([1.5, 3.0, 12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 3),
            Tier::Medium => ([1.0, 1.5, 2.0, 4.0, 12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 5),
            Tier::High => ([1.0, 1.5, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 4.0, 8.0], 12),
            Tier::Ultra => ([1.0, 1.0, 1.5, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 4.0, 8.0, 8.0], 12),
        }
    }
}

/// The `[fxaa]` keys as the panel and presets see them ([`FxaaSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "fxaa.tier",
        Control::Choice(TIERS),
        "FXAA 3.11 quality preset by tier. Default high when named; off otherwise.",
    ),
    setting(
        "fxaa.subpixel",
        float(0.0, 1.0, 0.01),
        "Sub-pixel aliasing removal, 0..=1, default 0.75.",
    ),
    setting(
        "fxaa.edge_threshold",
        float(0.063, 0.333, 0.001),
        "Minimum local contrast to process, relative to the brightest luma, 0.063..=0.333, default 0.166.",
    ),
    setting(
        "fxaa.edge_threshold_min",
        float(0.0, 0.0833, 0.001),
        "Absolute minimum local contrast in luma, 0..=0.0833, default 0.0833.",
    ),
];

impl Default for FxaaSettings {
    /// [`FxaaSettings::DESKTOP`].
    fn default() -> Self {
        Self::DESKTOP
    }
}

/// The uniform block of `shaders/post/fxaa.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct FxaaUniforms {
    /// 1 / width, 1 / height, width, height.
    frame: [f32; 4],
    /// subpix, edge threshold, edge threshold min, unused (the step count is the pipeline's).
    params: [f32; 4],
    /// Step distances.
    steps: [f32; 12],
}

/// The FXAA pass: its fragment pipelines and compute variants, one per number of search steps
/// (the shader's `STEPS`), and its sampler.
pub struct FxaaPass {
    pass: SpecialisedDisplayPass<u8>,
    sampler: wgpu::Sampler,
}

impl FxaaPass {
    /// The pass's label, timing scope and preset key.
    pub const NAME: &'static str = "fxaa";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "FXAA: luma-edge anti-aliasing of the display image",
        writes: &[Image {
            name: "anti-aliased",
            format: ImageFormat::Display,
            size: ImageSize::Display,
            kept: false,
        }],
        knob: Some(KnobDecl {
            floor: Tier::Off,
            value: 1.5,
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
        let inputs = [bindings::texture(1, true), bindings::sampler(2)];
        let size = std::mem::size_of::<FxaaUniforms>() as u64;
        let storage = wgpu::TextureFormat::Rgba8Unorm;
        let steps = |steps: u8, _compute| vec![("STEPS", f64::from(steps))];
        let (entries, formats) = (("fs_main", "cs_main"), (format, storage));
        let pass = SpecialisedDisplayPass::new(
            device,
            Self::NAME,
            entries,
            (&inputs, size),
            formats,
            steps,
        )?;
        let sampler = bindings::linear_sampler(device, Self::NAME);
        Ok(Self { pass, sampler })
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

    /// Record FXAA from `input` (a view of a [`DISPLAY_FORMAT`](super::finish::DISPLAY_FORMAT) texture of `size`) into `output`
    /// (another texture of that format and size). Settings are brought into range silently
    /// (call [`FxaaSettings::validated`] where they are read to report problems). With
    /// [`Tier::Off`] the draw copies the input; a zero `size` records nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::TextureView,
        output: &wgpu::TextureView,
        size: (u32, u32),
        settings: &FxaaSettings,
    ) {
        let target = DisplayTarget::Attachment(output, wgpu::Color::BLACK);
        self.record(device, queue, encoder, input, size, settings, target);
    }

    /// The compute variant of [`FxaaPass::draw`]: `output` is a storage view of an
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
        settings: &FxaaSettings,
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
        settings: &FxaaSettings,
        target: DisplayTarget<'_>,
    ) {
        if size.0 == 0 || size.1 == 0 {
            return;
        }
        let (settings, _) = settings.validated();
        let (steps, count) = FxaaSettings::search_steps(settings.tier);
        let (w, h) = (size.0 as f32, size.1 as f32);
        let uniforms = FxaaUniforms {
            frame: [1.0 / w, 1.0 / h, w, h],
            params: [settings.subpixel, settings.edge_threshold, settings.edge_threshold_min, 0.0],
            steps,
        };
        let inputs = [
            wgpu::BindingResource::TextureView(input),
            wgpu::BindingResource::Sampler(&self.sampler),
        ];
        let bytes = bytemuck::bytes_of(&uniforms);
        self.pass.record(device, queue, encoder, count as u8, bytes, &inputs, target);
        let tiers = settings.tier.with_neighbours().into_iter();
        self.pass.ahead(tiers.map(|tier| FxaaSettings::search_steps(tier).1 as u8).collect());
    }
}

impl FxaaPass {
    /// The uniforms, for memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        vec![self.pass.memory()]
    }
}

/// The pass's memory traffic ([`super::traffic`]) under `settings` (as it runs: see
/// `post::settings::effective_fxaa`), at the display size, or `None` when it is off.
pub fn traffic(settings: &FxaaSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    settings
        .tier
        .is_on()
        .then(|| display_image_traffic(frame, "8-bit image read (every tap cached), 8-bit written"))
}

//! The fused finish pass (`shaders/post/finish.wgsl`): every per-pixel operation between the HDR
//! image and the 8-bit display in one full-screen pass (docs/architecture.md, "The frame"):
//!
//! 1. chromatic aberration (red and blue magnified by `1 + s` and `1 − s` about the centre),
//! 2. the bloom composite (energy-conserving `mix(hdr, bloom, i)` or additive `hdr + i·bloom`,
//!    see [`bloom`](super::bloom)),
//! 3. exposure: the multiplier the [`exposure`](super::exposure) pass left on the GPU,
//! 4. one trilinear sample of a 3D LUT into which the colour grade, the tone mapper and a user
//!    `.cube` LUT are baked ([`grade_bake`](super::grade_bake)), re-baked only when those
//!    settings change; the LUT holds sRGB-encoded display values,
//! 5. vignette (a display-linear mix towards a colour; towards black, the default, computed
//!    as one scalar on the encoded value, see [`VignetteSettings`]),
//! 6. film grain and a triangular-PDF dither of one code (sRGB-encoded), both from one fetch
//!    of a 64x64 noise tile ([`blue_noise`]: two blue-noise masks and the grain's value
//!    noise).
//!
//! Everything after the LUT stays in the sRGB encoding the LUT gives: the compute variant
//! stores it as it is, and so does the fragment variant into a target whose texture is
//! `Rgba8Unorm` (through a view of that format: the renderer's display target where the device
//! has view formats); into an sRGB-only texture it decodes once for the attachment (which
//! encodes on store). At 5de0507 a vignetted pixel was decoded, mixed and encoded again, then decoded
//! for the attachment (three `pow` per channel), and the compute variant encoded it once more.
//!
//! **Specialised pipelines** ([`crate::draw::specialise`]): every setting that turns a step on
//! or off or picks its form is an `override` constant of the shader, one pipeline per
//! [`FinishKey`]: the LUT size (by tier), chromatic aberration and grain (by tier and
//! intensity), the bloom composite (off, energy-conserving, additive), the vignette (off,
//! black up to 0.5, stronger black, coloured) and the dither. No branch reads a uniform, which
//! the GPU runs faster (straight-line code) and which Mesa 22's lavapipe would otherwise
//! recompile and leak on every bind (`docs/memory-growth.md`). [`FinishPass::frame_submitted`] builds, once a frame
//! is submitted, the keys a budget-governor step from it can reach: the finish's neighbouring
//! tiers and bloom one tier up or down (bloom's floor is off). Intensities, radii and the
//! exposure stay uniforms; turning a feature on or off (a preset or a panel edit) builds its
//! pipeline once, in that frame.
//!
//! Reads: HDR (pre-exposed radiance), the grade LUT, the bloom texture, the exposure state
//! (16 B), the noise tile. Writes: the 8-bit display target (Rgba8UnormSrgb, alpha =
//! coverage); the compute variant ([`FinishPass::dispatch`], [`super::variant`]) an Rgba8Unorm
//! storage texture holding sRGB-encoded values.
//!
//! Bytes per pixel: 8 read (one Rgba16Float HDR texel; 4 with Rg11b10Ufloat) + 4 written
//! (Rgba8). The LUT (64³ · 8 B = 2 MiB), the bloom image (a quarter of the pixels at 8 B, so
//! 2 B per output pixel through bilinear taps that mostly hit the cache) and the two extra HDR
//! taps of chromatic aberration (cache hits next to the first) add texture fetches, not
//! proportional memory traffic.

use glam::Vec3;
use serde::{Deserialize, Serialize};

use super::bloom::{BloomComposite, BloomSettings};
use super::blue_noise;
use super::contract::{DEFAULT_TIER_COST, Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::display::{DisplaySettings, HDR_DISPLAY_FORMAT};
use super::display_pass::{DisplayTarget, SpecialisedDisplayPass};
use super::grade::GradeSettings;
use super::grade_bake::lut_size_for_tier;
use super::grade_bake::{GradeLut, UserLut, lut_sampler, tetrahedral_is_closer};
use super::schema::{Control, Setting, TIERS, float, setting};
use super::tonemap::ToneMapper;
use super::traffic::{FrameTargets, PassTraffic};
use super::{Tier, clamp_setting};
use crate::Error;
use crate::draw::bindings;
use crate::draw::specialise::Constants;

/// Format of the finished 8-bit image (SDR output; [`super::display`] declares it).
pub use super::display::DISPLAY_FORMAT;

/// What the baked LUT was asked to hold, to know when to bake again (the user LUT compares
/// by `Arc` pointer and space; keeping the `Arc` here keeps that pointer from being reused).
#[derive(Clone, Debug, PartialEq)]
struct Baked {
    /// The HDR display's settings (the SDR default when the finish encodes SDR).
    display: DisplaySettings,
    grade: GradeSettings,
    tone_mapper: ToneMapper,
    user_lut: Option<UserLut>,
    requested_size: u32,
}

/// The baked LUT: what it was asked to hold, its edge in texels, its view, and whether the
/// Ultra tier samples it tetrahedrally ([`tetrahedral_is_closer`] for its grade).
struct BakedLut {
    baked: Baked,
    texels: u32,
    view: wgpu::TextureView,
    tetrahedral: bool,
}

/// The finish's uniform block (`Finish` in `shaders/post/finish.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct FinishUniforms {
    /// Bloom intensity, 1 / width, 1 / height, unused.
    frame: [f32; 4],
    vignette: [f32; 4],
    vignette_colour: [f32; 4],
    /// Grain amplitude, grain luminance response, the noise tile's offset (x, y).
    noise: [f32; 4],
    /// Chromatic aberration's `1 / (1 + s)` and `1 / (1 − s)`; the largest code the output
    /// may hold ([`max_code`]); unused.
    aberration: [f32; 4],
}

/// What a finish pipeline is specialised on (the shader's `override` constants): every
/// setting that turns a step on or off or picks its form. Continuous values (intensities,
/// radii, the exposure) stay uniforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FinishKey {
    /// The baked LUT's edge in texels (`LUT_SIZE`).
    lut_size: u32,
    /// Chromatic aberration on (`ABERRATION`).
    aberration: bool,
    /// The bloom composite (`BLOOM`): 0 off, 1 energy-conserving, 2 additive.
    bloom: u8,
    /// The vignette (`VIGNETTE`): 0 off, 1 towards black up to intensity 0.5, 2 towards black
    /// stronger than that, 3 towards a colour.
    vignette: u8,
    /// Film grain on (`GRAIN`).
    grain: bool,
    /// Dither on (`DITHER`).
    dither: bool,
    /// HDR output: the LUT and the output are PQ code values (`ENCODING` 1).
    hdr: bool,
    /// SDR written as the sRGB-encoded bytes themselves through an `Rgba8Unorm` view of the
    /// target (`ENCODING` 2): no decode in the shader, no encode in the attachment.
    encoded_bytes: bool,
    /// The LUT interpolated tetrahedrally (`TETRAHEDRAL`, the Ultra tier).
    tetrahedral: bool,
}

impl FinishKey {
    /// The key of `finish` at its tier with a LUT of `lut_size` texels, compositing bloom
    /// (`None`: no bloom this frame); `tetrahedral_closer`: the baked grade is reproduced more
    /// closely by tetrahedral interpolation ([`tetrahedral_is_closer`]), which the Ultra tier
    /// then uses.
    fn of(
        finish: &FinishSettings,
        bloom: Option<BloomComposite>,
        (lut_size, tetrahedral_closer): (u32, bool),
        hdr: bool,
    ) -> Self {
        let quality = FinishQuality::for_tier(finish.tier);
        let v = &finish.vignette;
        Self {
            lut_size,
            aberration: quality.chromatic_aberration && finish.chromatic_aberration.intensity > 0.0,
            bloom: match bloom {
                None => 0,
                Some(BloomComposite::EnergyConserving) => 1,
                Some(BloomComposite::Additive) => 2,
            },
            vignette: match (v.intensity > 0.0, v.colour == Vec3::ZERO) {
                (false, _) => 0,
                (true, true) if v.intensity <= 0.5 => 1,
                (true, true) => 2,
                (true, false) => 3,
            },
            grain: quality.grain && finish.grain.intensity > 0.0,
            dither: finish.dither,
            hdr,
            encoded_bytes: false,
            tetrahedral: quality.tetrahedral_lut && tetrahedral_closer,
        }
    }

    /// The shader's `override` constants for this key.
    fn constants(self, _compute: bool) -> Constants {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        vec![
            ("LUT_SIZE", f64::from(self.lut_size)),
            ("ABERRATION", flag(self.aberration)),
            ("BLOOM", f64::from(self.bloom)),
            ("VIGNETTE", f64::from(self.vignette)),
            ("GRAIN", flag(self.grain)),
            ("DITHER", flag(self.dither)),
            ("ENCODING", if self.hdr { 1.0 } else { 2.0 * flag(self.encoded_bytes) }),
            ("TETRAHEDRAL", flag(self.tetrahedral)),
        ]
    }
}

/// Per-frame inputs of the finish.
pub struct FinishFrame<'a> {
    /// The HDR image (pre-exposed).
    pub hdr: &'a wgpu::TextureView,
    /// The bloom texture to composite (None when bloom is off).
    pub bloom: Option<&'a wgpu::TextureView>,
    /// The exposure pass's state buffer (its `multiplier` scales the HDR image).
    pub exposure: &'a wgpu::Buffer,
    /// Image size in pixels.
    pub size: (u32, u32),
    /// Frame number (animates the grain).
    pub frame_index: u64,
}

/// The finish pass and its grade LUT.
pub struct FinishPass {
    /// The pipelines by [`FinishKey`], fragment and compute ([`FinishPass::dispatch`]).
    pass: SpecialisedDisplayPass<FinishKey>,
    baker: GradeLut,
    sampler: wgpu::Sampler,
    /// NEAREST samplers for the HDR image (clamped to the edge) and the blue-noise tile
    /// (repeating): on lavapipe a texel read through a sampler costs less than `textureLoad`.
    texel_samplers: [wgpu::Sampler; 2],
    /// The baked LUT, what it holds and how the Ultra tier samples it.
    lut: Option<BakedLut>,
    /// Bound where bloom is off.
    black: wgpu::TextureView,
    /// The noise tile ([`blue_noise`]) and the grain lattice its blue channel holds.
    noise: (wgpu::TextureView, Option<u32>),
    /// It writes an HDR display image (PQ code values in [`HDR_DISPLAY_FORMAT`]).
    hdr: bool,
    /// The `Rgba8Unorm` view of the last `Rgba8Unorm` output texture ([`FinishPass::draw`]),
    /// made once per texture rather than every frame.
    bytes_view: Option<(wgpu::Texture, wgpu::TextureView)>,
}

impl FinishPass {
    /// The pass's name: label, timing scope, panel row and preset key.
    pub const NAME: &'static str = "finish";
    /// What the pass declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "The fused finish: exposure, bloom composite, chromatic aberration, one baked grade and tone-map LUT, vignette, grain, dither",
        writes: &[
            Image {
                name: "display image",
                format: ImageFormat::Display,
                size: ImageSize::Display,
                kept: false,
            },
            Image {
                name: "grade LUT",
                format: ImageFormat::Fixed(super::grade_bake::LUT_FORMAT),
                size: ImageSize::Fixed,
                kept: true,
            },
        ],
        knob: Some(KnobDecl {
            floor: Tier::Low,
            value: 2.0,
            prior_share: 0.06,
            at_render_size: false,
            tier_cost: DEFAULT_TIER_COST,
        }),
        settings: &[
            super::tonemap::SETTINGS,
            super::grade::SETTINGS,
            super::lut::LUT_SETTINGS,
            super::display::SETTINGS,
            SETTINGS,
        ],
    };

    /// Load the shaders (finish and the LUT bake) for display images of `format`:
    /// [`DISPLAY_FORMAT`] (SDR) or [`HDR_DISPLAY_FORMAT`] (PQ code values,
    /// [`super::display`]; fragment only).
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Result<Self, Error> {
        let exposure = wgpu::BindGroupLayoutEntry {
            binding: 5,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: wgpu::BufferSize::new(16),
            },
            count: None,
        };
        let inputs = [
            bindings::texture(1, true),
            bindings::texture_3d(2),
            bindings::sampler(3),
            bindings::texture(4, true),
            exposure,
            bindings::texture(6, false),
            bindings::depth_sampler(7),
            bindings::depth_sampler(8),
        ];
        let uniform_size = std::mem::size_of::<FinishUniforms>() as u64;
        let pass = SpecialisedDisplayPass::new(
            device,
            Self::NAME,
            ("fs_main", "cs_main"),
            (&inputs, uniform_size),
            (format, wgpu::TextureFormat::Rgba8Unorm),
            FinishKey::constants,
        )?
        .with_fragment_format(|key, format| match key.encoded_bytes {
            true => wgpu::TextureFormat::Rgba8Unorm,
            false => format,
        });
        let black =
            bindings::placeholder(device, "finish.no_bloom", wgpu::TextureFormat::Rgba16Float);
        let noise = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("finish.noise"),
            size: wgpu::Extent3d {
                width: blue_noise::TILE,
                height: blue_noise::TILE,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        Ok(Self {
            pass,
            baker: GradeLut::new(device)?,
            sampler: lut_sampler(device),
            texel_samplers: [
                bindings::nearest_sampler(device, "finish.hdr_texels"),
                device.create_sampler(&wgpu::SamplerDescriptor {
                    label: Some("finish.noise_texels"),
                    address_mode_u: wgpu::AddressMode::Repeat,
                    address_mode_v: wgpu::AddressMode::Repeat,
                    ..Default::default()
                }),
            ],
            lut: None,
            black,
            noise: (noise.create_view(&Default::default()), None),
            hdr: format == HDR_DISPLAY_FORMAT,
            bytes_view: None,
        })
    }

    /// Bake the LUT for these settings (grade, tone mapper, optional user `.cube` LUT; see
    /// `grade_bake`; for HDR output the PQ lattice of [`super::display`], computed on the CPU)
    /// unless it already holds them. Call outside any encoder that is being recorded: the bake
    /// is its own submission. On error the previous LUT stays.
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        grade: &GradeSettings,
        tone_mapper: ToneMapper,
        user_lut: Option<&UserLut>,
        size: u32,
        display: &DisplaySettings,
    ) -> Result<(), Error> {
        let display = if self.hdr { *display } else { DisplaySettings::default() };
        let wanted = Baked {
            display,
            grade: *grade,
            tone_mapper,
            user_lut: user_lut.cloned(),
            requested_size: size,
        };
        if self.lut.as_ref().is_some_and(|lut| lut.baked == wanted) {
            return Ok(());
        }
        let texture = match self.hdr {
            false => self.baker.bake(device, queue, grade, tone_mapper, user_lut, size)?,
            true => {
                let baker = &self.baker;
                baker.bake_hdr(device, queue, grade, tone_mapper, user_lut, size, &display)?
            }
        };
        let view = texture.create_view(&Default::default());
        let validated = grade.validated();
        let tetrahedral = tetrahedral_is_closer(&validated, tone_mapper, user_lut, size);
        self.lut = Some(BakedLut { baked: wanted, texels: texture.width(), view, tetrahedral });
        Ok(())
    }

    /// Drop the baked LUT (a pass kept aside while the other display format is in use keeps
    /// its pipelines, not its 3D texture); the next [`FinishPass::prepare`] bakes again.
    pub fn release_lut(&mut self) {
        self.lut = None;
        // Nor the output texture it last wrote (the renderer's display target, replaced by an
        // HDR one).
        self.bytes_view = None;
    }

    /// The frame was submitted: build the pipelines a budget-governor step from its settings
    /// can ask for (see [`FinishPass::record`]), for the variants that ran, so a step never
    /// compiles during a frame.
    pub fn frame_submitted(&mut self) {
        self.pass.frame_submitted();
    }

    /// How many finish pipelines are built (fragment and compute), for tests of building
    /// ahead.
    pub fn pipelines_built(&self) -> usize {
        self.pass.built()
    }

    /// Record the finish of `frame` into `output` (a [`DISPLAY_FORMAT`] view of `frame.size`,
    /// mip 0 of its texture) with the finish's settings (vignette, grain, dither...) and
    /// bloom's composite mode and intensity. Nothing is drawn before the first successful
    /// [`FinishPass::prepare`].
    ///
    /// Where `output`'s texture is `Rgba8Unorm` (an sRGB view of it, as the renderer's display
    /// target is where the device has view formats) the finish writes the sRGB-encoded bytes
    /// themselves through an `Rgba8Unorm` view: the shader computes the encoding anyway, so it
    /// neither decodes it for an sRGB attachment nor has the attachment encode it again.
    pub fn draw(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &FinishFrame<'_>,
        knobs: (&FinishSettings, &BloomSettings),
        output: &wgpu::TextureView,
    ) {
        let texture = output.texture();
        let bytes = !self.hdr && texture.format() == wgpu::TextureFormat::Rgba8Unorm;
        if bytes && self.bytes_view.as_ref().is_none_or(|(t, _)| t != texture) {
            let view = texture.create_view(&wgpu::TextureViewDescriptor {
                label: Some("finish.encoded_bytes"),
                mip_level_count: Some(1),
                ..Default::default()
            });
            self.bytes_view = Some((texture.clone(), view));
        }
        let view = match &self.bytes_view {
            Some((_, view)) if bytes => view.clone(),
            _ => output.clone(),
        };
        let target = DisplayTarget::Attachment(&view, wgpu::Color::BLACK);
        self.record(device, queue, encoder, frame, knobs, (target, bytes));
    }

    /// The compute variant of [`FinishPass::draw`]: `output` is a storage view of an
    /// `Rgba8Unorm` texture of `frame.size`, written with sRGB-encoded values (see
    /// [`super::variant`]).
    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &FinishFrame<'_>,
        knobs: (&FinishSettings, &BloomSettings),
        output: &wgpu::TextureView,
    ) {
        let target = DisplayTarget::Storage(output, frame.size);
        self.record(device, queue, encoder, frame, knobs, (target, false));
    }

    /// Write the uniforms, bind the inputs and record the pipeline of the settings' key into
    /// `target` (`encoded_bytes`: an `Rgba8Unorm` attachment taking the sRGB encoding as it
    /// is); nothing before the first successful [`FinishPass::prepare`].
    fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &FinishFrame<'_>,
        (finish, bloom): (&FinishSettings, &BloomSettings),
        (target, encoded_bytes): (DisplayTarget<'_>, bool),
    ) {
        let Some(BakedLut { baked, texels, view, tetrahedral }) = &self.lut else { return };
        let lut = (*texels, *tetrahedral);
        let (width, height) = (frame.size.0.max(1) as f32, frame.size.1.max(1) as f32);
        let paper_white = baked.display.paper_white_nits;
        let key = FinishKey {
            encoded_bytes,
            ..FinishKey::of(finish, frame.bloom.map(|_| bloom.composite), lut, self.hdr)
        };
        let v = &finish.vignette;
        // The scale of (uv - 0.5) whose length is 1 at the corners: roundness 1 measures in
        // pixels (a circle), 0 in uv (an ellipse of the image's aspect).
        let scale = glam::Vec2::new(1.0 + (width / height - 1.0) * v.roundness, 1.0);
        let shape = scale / (0.5 * scale).length();
        let g = &finish.grain;
        let aberration = 0.01 * finish.chromatic_aberration.intensity.clamp(0.0, 1.0);
        // The grain's lattice in the tile's blue channel, re-baked when the size changes.
        let lattice = blue_noise::grain_lattice(g.size.clamp(0.5, 4.0));
        if (key.grain && self.noise.1 != Some(lattice)) || self.noise.1.is_none() {
            let texels = blue_noise::tile(lattice);
            let side = blue_noise::TILE;
            queue.write_texture(
                self.noise.0.texture().as_image_copy(),
                &texels,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(side * 4),
                    rows_per_image: None,
                },
                wgpu::Extent3d { width: side, height: side, depth_or_array_layers: 1 },
            );
            self.noise.1 = Some(lattice);
        }
        // The noise tile moves with the animated grain; still otherwise (the dither stays).
        let frame_seed = if g.animated { frame.frame_index % 4096 } else { 0 } as u32;
        let seed = (g.seed % 4096) * 131 + frame_seed * 17;
        let (ox, oy) = if key.grain { blue_noise::offset(seed) } else { (0, 0) };
        let uniforms = FinishUniforms {
            frame: [bloom.intensity, 1.0 / width, 1.0 / height, paper_white],
            vignette: [v.intensity, v.radius, 1.0 / v.smoothness.max(1e-4), shape.x],
            vignette_colour: [v.colour.x, v.colour.y, v.colour.z, shape.y],
            noise: [0.1 * g.intensity, g.luminance_response, ox as f32, oy as f32],
            aberration: [
                1.0 / (1.0 + aberration),
                1.0 / (1.0 - aberration),
                max_code(self.hdr.then_some(&baked.display)),
                0.0,
            ],
        };
        let inputs = [
            wgpu::BindingResource::TextureView(frame.hdr),
            wgpu::BindingResource::TextureView(view),
            wgpu::BindingResource::Sampler(&self.sampler),
            wgpu::BindingResource::TextureView(frame.bloom.unwrap_or(&self.black)),
            frame.exposure.as_entire_binding(),
            wgpu::BindingResource::TextureView(&self.noise.0),
            wgpu::BindingResource::Sampler(&self.texel_samplers[0]),
            wgpu::BindingResource::Sampler(&self.texel_samplers[1]),
        ];
        let bytes = bytemuck::bytes_of(&uniforms);
        self.pass.record(device, queue, encoder, key, bytes, &inputs, target);
        let ahead = Self::neighbours(finish, bloom, *tetrahedral, self.hdr);
        self.pass.ahead(ahead.into_iter().map(|k| FinishKey { encoded_bytes, ..k }).collect());
    }

    /// The keys a budget-governor step from these settings can ask for: the finish's
    /// neighbouring tiers (their LUT sizes, grain and aberration) and bloom one tier up or down
    /// (on or off: bloom's floor is off); `tetrahedral_closer` as the baked LUT has it.
    fn neighbours(
        finish: &FinishSettings,
        bloom: &BloomSettings,
        tetrahedral_closer: bool,
        hdr: bool,
    ) -> Vec<FinishKey> {
        let composite = |tier: Tier| tier.is_on().then_some(bloom.composite);
        let key = |finish_tier: Tier, bloom_tier: Tier| {
            let settings = FinishSettings { tier: finish_tier, ..*finish };
            let lut = super::grade_bake::lut_size(lut_size_for_tier(finish_tier));
            FinishKey::of(&settings, composite(bloom_tier), (lut, tetrahedral_closer), hdr)
        };
        let mut keys: Vec<FinishKey> =
            finish.tier.with_neighbours().into_iter().map(|t| key(t, bloom.tier)).collect();
        keys.extend([bloom.tier.lower(), bloom.tier.higher()].map(|t| key(finish.tier, t)));
        keys
    }
}

/// The fused finish's settings (`[finish]` in a preset).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinishSettings {
    /// Quality tier (default `high`). The knobs behind it, in [`FinishQuality::for_tier`]:
    ///
    /// | tier   | grade LUT                 | film grain | chromatic aberration |
    /// |--------|---------------------------|------------|----------------------|
    /// | off    | 32³, trilinear            | off        | off                  |
    /// | low    | 16³, trilinear            | off        | off                  |
    /// | medium | 32³, trilinear            | on         | off                  |
    /// | high   | 64³, trilinear            | on         | on                   |
    /// | ultra  | 64³, tetrahedral (*)      | on         | on                   |
    ///
    /// (*) Tetrahedral interpolation reads four lattice points instead of one filtered sample
    /// and keeps greys on the grey diagonal: with PBR Neutral (which compresses every channel
    /// by the largest) trilinear filtering puts greys up to 4.5 PQ codes below the curve just
    /// above paper white (`afterlight quality --only display`). On curves smooth per channel
    /// (AgX, Reinhard) it is the further one, so Ultra samples tetrahedrally only where the
    /// bake finds it closer for the grade at hand
    /// ([`tetrahedral_is_closer`](super::grade_bake::tetrahedral_is_closer)), and trilinearly
    /// as High does otherwise: Ultra is never further from the grade than High.
    ///
    /// (The LUT size is [`lut_size_for_tier`](super::grade_bake::lut_size_for_tier); a 64³
    /// LUT keeps the identity grade within one 10-bit code, 32³ within three.)
    ///
    /// The finish itself always runs (something must write the display image); `off` only
    /// drops the optional effects, like `low`, with the medium LUT.
    pub tier: Tier,
    /// Darkening (or tinting) towards the image corners.
    pub vignette: VignetteSettings,
    /// Film grain.
    pub grain: GrainSettings,
    /// Lateral chromatic aberration: red and blue sampled at slightly different radii.
    pub chromatic_aberration: ChromaticAberrationSettings,
    /// Add triangular noise of one 8-bit code before quantisation so slow gradients do not
    /// band (default true).
    pub dither: bool,
}

impl Default for FinishSettings {
    fn default() -> Self {
        Self {
            tier: Tier::High,
            vignette: VignetteSettings::default(),
            grain: GrainSettings::default(),
            chromatic_aberration: ChromaticAberrationSettings::default(),
            dither: true,
        }
    }
}

/// What a finish tier turns on (see [`FinishSettings::tier`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinishQuality {
    /// Film grain runs (when its intensity is above 0).
    pub grain: bool,
    /// Chromatic aberration runs (when its intensity is above 0): three HDR taps instead of one.
    pub chromatic_aberration: bool,
    /// The LUT is interpolated tetrahedrally (four texel loads) rather than trilinearly, for
    /// grades it reproduces more closely
    /// ([`tetrahedral_is_closer`](super::grade_bake::tetrahedral_is_closer)).
    pub tetrahedral_lut: bool,
}

impl FinishQuality {
    /// The knobs behind each tier.
    pub fn for_tier(tier: Tier) -> Self {
        let (grain, chromatic_aberration) = match tier {
            Tier::Off | Tier::Low => (false, false),
            Tier::Medium => (true, false),
            Tier::High | Tier::Ultra => (true, true),
        };
        Self { grain, chromatic_aberration, tetrahedral_lut: tier == Tier::Ultra }
    }
}

/// Vignette (`[finish.vignette]`), applied to the display-linear colour after the LUT:
/// `out = mix(colour, vignette.colour, intensity · smoothstep(radius, radius + smoothness, r))`
/// where `r` is the distance from the image centre, 1 at the corners.
///
/// Towards black (the default colour) the shader computes it on the sRGB-encoded value `e`
/// (clipped to `[0, 1]`) with `k = 1 − amount` as `max((e + 0.055) k^(1/2.4) − 0.055, k e)`,
/// `k^(1/2.4)` a polynomial in `amount` within 2·10⁻⁴: the formula above exactly where `e` and
/// the result both lie on the sRGB curve's power segment or both on its linear toe, and within
/// 0.24 of an 8-bit code where they straddle the toe (results below code 10.3), for amounts up
/// to 0.5; a few multiply-adds instead of decoding and encoding three channels. Pixels
/// vignetted by more than 0.5 decode, scale and encode (a vignette stronger than 0.5 has its
/// own pipeline, so the common ones do not pay for that branch).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VignetteSettings {
    /// Strength at full falloff, `0..=1`, default 0 (off).
    pub intensity: f32,
    /// Distance from the centre where the falloff starts, `0..=1.5` (1 = the corners),
    /// default 0.5.
    pub radius: f32,
    /// Width of the falloff, `0.01..=1`, default 0.5.
    pub smoothness: f32,
    /// Shape, `0..=1`, default 1: 1 is a circle on screen, 0 an ellipse with the image's
    /// aspect ratio.
    pub roundness: f32,
    /// Display-linear Rec.709 colour the corners fade to, each `0..=1`, default black.
    pub colour: Vec3,
}

impl Default for VignetteSettings {
    fn default() -> Self {
        Self { intensity: 0.0, radius: 0.5, smoothness: 0.5, roundness: 1.0, colour: Vec3::ZERO }
    }
}

/// Film grain (`[finish.grain]`), added in the sRGB-encoded domain after the vignette:
/// smooth value noise with features about `size` pixels across, amplitude
/// `0.1 · intensity · mix(1, 1 − luma, luminance_response)`. The noise is baked into the blue
/// channel of the finish's 64x64 noise tile ([`blue_noise`]; `round(64 / size)` lattice points
/// across, so the size is used to within about 3 %), fetched with the dither's blue noise and
/// moved by a random whole-texel offset every frame when animated (by the seed otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrainSettings {
    /// Amplitude, `0..=1` (1 = ±0.1 of full scale), default 0 (off).
    pub intensity: f32,
    /// Grain size in pixels, `0.5..=4`, default 1.5.
    pub size: f32,
    /// How much less grain bright areas get, `0..=1`, default 0.8 (as film: highlights are
    /// clean, shadows grainy).
    pub luminance_response: f32,
    /// New grain every frame (default true); off gives a fixed pattern.
    pub animated: bool,
    /// Seed of the pattern, any integer, default 0.
    pub seed: u32,
}

impl Default for GrainSettings {
    fn default() -> Self {
        Self { intensity: 0.0, size: 1.5, luminance_response: 0.8, animated: true, seed: 0 }
    }
}

/// Lateral chromatic aberration (`[finish.chromatic_aberration]`): the red image is magnified
/// by `1 + s` and the blue by `1 − s` about the centre, `s = 0.01 · intensity`: a feature at
/// radius `r` shows its red at `r (1 + s)` (outward) and its blue at `r (1 − s)` (inward), so
/// fringes grow towards the corners as with a real lens. The pass reads red from
/// `centre + (p − centre) / (1 + s)` and blue from `centre + (p − centre) / (1 − s)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChromaticAberrationSettings {
    /// Strength, `0..=1` (1 = a 1 % radial shift of red and blue), default 0 (off).
    pub intensity: f32,
}

impl FinishSettings {
    /// The finish without vignette, grain or aberration: LUT and dither only.
    pub const CLEAN: Self = Self {
        tier: Tier::High,
        vignette: VignetteSettings {
            intensity: 0.0,
            radius: 0.5,
            smoothness: 0.5,
            roundness: 1.0,
            colour: Vec3::ZERO,
        },
        grain: GrainSettings {
            intensity: 0.0,
            size: 1.5,
            luminance_response: 0.8,
            animated: true,
            seed: 0,
        },
        chromatic_aberration: ChromaticAberrationSettings { intensity: 0.0 },
        dither: true,
    };

    /// A filmic finish: soft vignette, fine grain, a hint of aberration.
    pub const CINEMATIC: Self = Self {
        tier: Tier::High,
        vignette: VignetteSettings {
            intensity: 0.35,
            radius: 0.45,
            smoothness: 0.6,
            roundness: 1.0,
            colour: Vec3::ZERO,
        },
        grain: GrainSettings {
            intensity: 0.15,
            size: 1.5,
            luminance_response: 0.8,
            animated: true,
            seed: 0,
        },
        chromatic_aberration: ChromaticAberrationSettings { intensity: 0.2 },
        dither: true,
    };

    /// Every value clamped to its documented range, one warning per change naming the key.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut w = Vec::new();
        let d = Self::default();
        let v = &self.vignette;
        let colour = |w: &mut Vec<String>, axis: &str, value: f32| {
            clamp_setting(w, &format!("finish.vignette.colour.{axis}"), value, 0.0, 1.0, 0.0)
        };
        let vignette = VignetteSettings {
            intensity: clamp_setting(
                &mut w,
                "finish.vignette.intensity",
                v.intensity,
                0.0,
                1.0,
                0.0,
            ),
            radius: clamp_setting(
                &mut w,
                "finish.vignette.radius",
                v.radius,
                0.0,
                1.5,
                d.vignette.radius,
            ),
            smoothness: clamp_setting(
                &mut w,
                "finish.vignette.smoothness",
                v.smoothness,
                0.01,
                1.0,
                d.vignette.smoothness,
            ),
            roundness: clamp_setting(
                &mut w,
                "finish.vignette.roundness",
                v.roundness,
                0.0,
                1.0,
                1.0,
            ),
            colour: Vec3::new(
                colour(&mut w, "x", v.colour.x),
                colour(&mut w, "y", v.colour.y),
                colour(&mut w, "z", v.colour.z),
            ),
        };
        let g = &self.grain;
        let grain = GrainSettings {
            intensity: clamp_setting(&mut w, "finish.grain.intensity", g.intensity, 0.0, 1.0, 0.0),
            size: clamp_setting(&mut w, "finish.grain.size", g.size, 0.5, 4.0, d.grain.size),
            luminance_response: clamp_setting(
                &mut w,
                "finish.grain.luminance_response",
                g.luminance_response,
                0.0,
                1.0,
                d.grain.luminance_response,
            ),
            animated: g.animated,
            seed: g.seed,
        };
        let chromatic_aberration = ChromaticAberrationSettings {
            intensity: clamp_setting(
                &mut w,
                "finish.chromatic_aberration.intensity",
                self.chromatic_aberration.intensity,
                0.0,
                1.0,
                0.0,
            ),
        };
        (Self { tier: self.tier, vignette, grain, chromatic_aberration, dither: self.dither }, w)
    }
}

/// The `[finish]` keys as the panel and presets see them ([`FinishSettings`]).
pub const SETTINGS: &[Setting] = &[
    setting(
        "finish.tier",
        Control::Choice(TIERS),
        "LUT size (16³/32³/64³), grain and chromatic aberration by tier. Default high; the finish always runs.",
    ),
    setting(
        "finish.vignette.intensity",
        float(0.0, 1.0, 0.01),
        "Vignette strength at full falloff, 0..=1, default 0 (off).",
    ),
    setting(
        "finish.vignette.radius",
        float(0.0, 1.5, 0.01),
        "Distance from the centre where the falloff starts, 0..=1.5 (1 = corners), default 0.5.",
    ),
    setting(
        "finish.vignette.smoothness",
        float(0.01, 1.0, 0.01),
        "Width of the falloff, 0.01..=1, default 0.5.",
    ),
    setting(
        "finish.vignette.roundness",
        float(0.0, 1.0, 0.01),
        "Shape, 0..=1, default 1: 1 a circle on screen, 0 an ellipse of the image's aspect.",
    ),
    setting(
        "finish.vignette.colour",
        Control::Vec3 { min: 0.0, max: 1.0 },
        "Colour the corners fade to, display-linear, 0..=1, default black.",
    ),
    setting(
        "finish.grain.intensity",
        float(0.0, 1.0, 0.01),
        "Film grain amplitude, 0..=1 (1 = ±0.1 of full scale), default 0 (off).",
    ),
    setting(
        "finish.grain.size",
        float(0.5, 4.0, 0.05),
        "Grain size in pixels, 0.5..=4, default 1.5.",
    ),
    setting(
        "finish.grain.luminance_response",
        float(0.0, 1.0, 0.01),
        "How much less grain bright areas get, 0..=1, default 0.8.",
    ),
    setting(
        "finish.grain.animated",
        Control::Bool,
        "New grain every frame (default on); off gives a fixed pattern.",
    ),
    setting(
        "finish.grain.seed",
        Control::Int { min: 0, max: u32::MAX as i64 },
        "Seed of the grain pattern, default 0.",
    ),
    setting(
        "finish.chromatic_aberration.intensity",
        float(0.0, 1.0, 0.01),
        "Lateral chromatic aberration, 0..=1 (1 = a 1 % radial shift of red and blue), default 0.",
    ),
    setting(
        "finish.dither",
        Control::Bool,
        "Triangular noise of one 8-bit code before quantisation against banding. Default on.",
    ),
];

impl FinishPass {
    /// The baked grade LUT (3D, [`LUT_FORMAT`](super::grade_bake::LUT_FORMAT), sRGB-encoded
    /// display values) the finish samples, once [`FinishPass::prepare`] has baked one.
    pub fn lut_view(&self) -> Option<&wgpu::TextureView> {
        self.lut.as_ref().map(|lut| &lut.view)
    }

    /// The baked grade LUT (once prepared), the black placeholder and the uniforms, for
    /// memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        let mut entries = vec![
            self.pass.memory(),
            crate::gpu::memory::MemoryEntry::texture("finish.black", self.black.texture(), false),
            crate::gpu::memory::MemoryEntry::texture("finish.noise", self.noise.0.texture(), false),
        ];
        if let Some(BakedLut { view, .. }) = &self.lut {
            entries.push(crate::gpu::memory::MemoryEntry::texture(
                "finish.grade_lut",
                view.texture(),
                false,
            ));
        }
        entries
    }
}

/// The pass's memory traffic ([`super::traffic`]) with `bloom` (the chain it composites), at
/// the display size.
pub fn traffic(bloom: &BloomSettings, frame: &FrameTargets) -> Option<PassTraffic> {
    let hdr = frame.hdr_bytes();
    let bloom = bloom
        .chain(frame.size)
        .map_or(0.0, |c| hdr / f64::from(c.first_mip_divisor * c.first_mip_divisor));
    Some(PassTraffic::new(
        frame.resolved_hdr_bytes() + bloom,
        frame.display_bytes(),
        frame.display_pixels(),
        "HDR (+ the bloom output) read; the display image written (8-bit sRGB, or Rgba16Float \
         for PQ and scRGB); the grade LUT not counted",
    ))
}

/// The largest code value the finish writes: 1 in SDR; in HDR the PQ code of the display's
/// peak, rounded down to a half float (the Rgba16Float display image rounds to nearest, which
/// could otherwise store a code a fraction of a nit above the peak).
pub fn max_code(hdr: Option<&DisplaySettings>) -> f32 {
    let Some(display) = hdr else { return 1.0 };
    let code = super::display::pq_encode(display.validated().0.peak_nits);
    let half = half::f16::from_f32(code);
    let below = if half.to_f32() > code { half::f16::from_bits(half.to_bits() - 1) } else { half };
    below.to_f32()
}

/// The traffic of a display-size pass that reads one display image (8-bit sRGB, or
/// Rgba16Float in HDR output) and writes another (FXAA, sharpen, the compute variant's output
/// copy), `counted` saying how.
pub(crate) fn display_image_traffic(frame: &FrameTargets, counted: &str) -> PassTraffic {
    let display = frame.display_bytes();
    PassTraffic::new(display, display, frame.display_pixels(), counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ultra_samples_tetrahedrally_and_only_where_the_bake_finds_it_closer() {
        let key = |tier: Tier, closer: bool| {
            let finish = FinishSettings { tier, ..FinishSettings::default() };
            FinishKey::of(&finish, None, (64, closer), false)
        };
        assert!(key(Tier::Ultra, true).tetrahedral);
        assert!(!key(Tier::Ultra, false).tetrahedral);
        assert!(!key(Tier::High, true).tetrahedral);
        // The pipelines built ahead carry the same choice.
        let (finish, bloom) = (FinishSettings::default(), BloomSettings::default());
        for closer in [false, true] {
            // High's neighbours: Medium and Ultra, and High with bloom a tier up or down; only
            // the Ultra one may sample tetrahedrally.
            let ahead = FinishPass::neighbours(&finish, &bloom, closer, false);
            let tetrahedral = ahead.iter().filter(|k| k.tetrahedral).count();
            assert_eq!(tetrahedral, usize::from(closer), "{ahead:?}");
        }
    }
}

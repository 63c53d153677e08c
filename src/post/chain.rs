//! The post chain: the passes between the lit HDR image and the display, built from a preset
//! ([`PostSettings`]), validated before the first frame, recorded in one straight line.
//!
//! ```text
//! HDR -> depth of field (thin-lens CoC, half-size gather) -> motion blur (tile and
//!     neighbour max, gather; before TAA, see `motion_blur`, both at the render size)
//!     -> TAA (jitter + reprojected history; later passes read its output)
//!     -> exposure (histogram, on the GPU) -> bloom (mip chain) -> finish (exposure, bloom
//!     composite, chromatic aberration, one baked grade + tone-map LUT sample, vignette, grain,
//!     dither) -> SMAA 1x -> FXAA (or its fallback when TAA and SMAA are off:
//!     `effective_fxaa`) -> sharpen -> output
//! ```
//! SMAA has a fixed place, first on the finished display image: its edge detection wants the
//! image before anything else filters it (FXAA or sharpening would blur or ring the edges it
//! classifies). Both SMAA and FXAA may be on (FXAA then only catches what SMAA left, at some
//! extra blur); with SMAA on, TAA's FXAA fallback stays off.
//! Depth of field and motion blur may trade places, and so may FXAA and sharpen:
//! [`PostSettings::order`], checked by [`validate_order`], whose reasons are on [`PostPass`].
//! Each pass declares what it reads ([`requirements`]); [`validate`] checks those against what
//! the pipeline provides ([`Provided`]), so a configuration the pipeline cannot feed is an
//! error naming the pass and the missing input, never a black screen. Passes whose tier is
//! `Off` are skipped and cost nothing. Intermediate images come from the transient pool.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::bloom::BloomPass;
pub use super::camera::PostCamera;
use super::colour_lut::{ColourLut, LutFormat};
use super::custom::{self, CustomFrame, CustomPasses, DisplayStep, Point};
use super::dof::{DofFrame, DofPass};
use super::exposure::ExposurePass;
use super::finish::display_image_traffic;
use super::finish::{DISPLAY_FORMAT, FinishFrame, FinishPass};
use super::frame::FrameContext;
use super::fxaa::FxaaPass;
use super::grade_bake::{LutSpace, UserLut, lut_size_for_tier};
use super::motion_blur::{MotionBlurFrame, MotionBlurPass};
pub use super::order::{OrderError, PostPass, move_pass, validate_order};
pub use super::settings::{
    BUILT_IN, BuiltinPass, LutSettings, PostSettings, TonemapSettings, effective_fxaa,
};
use super::sharpen::SharpenPass;
use super::smaa::SmaaPass;
use super::taa::{TaaFrame, TaaPass};
use super::traffic::{FrameTargets, PassTraffic};
use super::upscale::{self, UpscalePass};
use super::variant::{self, PassVariant, VariantChoice};
use crate::Error;
use crate::gpu::PassTimer;
use crate::graph::{PooledTexture, TexturePool, TransientDesc};

pub use super::contract::{PassInput, Provided};

/// One input one pass reads under the given settings, and the setting that makes it do so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The pass's name (its label, timing scope and preset key).
    pub pass: &'static str,
    /// What it reads.
    pub input: PassInput,
    /// The setting that makes it read this, for the error message.
    pub because: String,
}

/// A chain that cannot run as configured.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// A pass reads something the pipeline does not provide.
    #[error("pass `{pass}` reads {} ({because}), which this pipeline does not provide", input.name())]
    MissingInput {
        /// The pass.
        pass: &'static str,
        /// The missing input.
        input: PassInput,
        /// The setting that asks for it.
        because: String,
    },
    /// A LUT file named in the preset cannot be read.
    #[error("pass `{pass}` reads the LUT file {path}: {reason}")]
    LutFile {
        /// The pass.
        pass: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The passes are in an order the chain cannot run ([`validate_order`]).
    #[error("the pass order: {0}")]
    Order(#[from] OrderError),
    /// A user pass cannot be used ([`super::custom`]).
    #[error(transparent)]
    Custom(#[from] custom::CustomError),
}

/// What each enabled pass reads under `settings`, in the chain's order, from each pass's
/// declaration ([`BUILT_IN`]).
pub fn requirements(settings: &PostSettings) -> Vec<Requirement> {
    BUILT_IN
        .iter()
        .flat_map(|pass| {
            (pass.reads)(settings).into_iter().map(|(input, because)| Requirement {
                pass: pass.name(),
                input,
                because: because.into(),
            })
        })
        .collect()
}

/// Check the pass order, then every requirement against what the pipeline provides: the
/// first pass that reads something missing is the error.
pub fn validate(settings: &PostSettings, provided: Provided) -> Result<(), ChainError> {
    validate_order(&settings.order)?;
    custom::check(&settings.custom)?;
    for r in requirements(settings) {
        if !provided.has(r.input) {
            return Err(ChainError::MissingInput {
                pass: r.pass,
                input: r.input,
                because: r.because,
            });
        }
    }
    Ok(())
}

/// The timing scope of the compute variant's copy of the last display pass into the output.
pub const OUTPUT_COPY: &str = "output_copy";

/// Per-frame inputs of the chain.
pub struct PostFrame<'a> {
    /// The lit HDR image (pre-exposed by `pre_exposure`).
    pub hdr: &'a wgpu::TextureView,
    /// Reverse-Z depth, when the pipeline has it.
    pub depth: Option<&'a wgpu::TextureView>,
    /// Motion vectors (uv now minus uv last frame, without the jitter), when the pipeline has
    /// them.
    pub motion: Option<&'a wgpu::TextureView>,
    /// The sub-pixel offset `hdr` was rasterised at, in pixels (x right, y down); zero without
    /// TAA.
    pub jitter: glam::Vec2,
    /// The view jumped since the previous frame: TAA drops its history (see
    /// [`super::taa::is_camera_cut`]) and motion blur skips the frame (the jump is no motion).
    pub camera_cut: bool,
    /// Last frame's clip space from this frame's unjittered NDC, for TAA to move the sky
    /// (infinite depth, no motion vectors) with the camera: [`super::taa::reprojection`] of
    /// the previous and current unjittered view-projections. `None` (an app without a camera)
    /// leaves the sky's motion at zero.
    pub reprojection: Option<glam::Mat4>,
    /// The perspective camera, for depth of field; `None` (an orthographic camera, an app
    /// without one) skips depth of field.
    pub camera: Option<PostCamera>,
    /// Display size in pixels: what the chain writes.
    pub size: (u32, u32),
    /// Size of `hdr`, `depth` and `motion` in pixels: `size` scaled by the render scale.
    pub input_size: (u32, u32),
    /// The multiplier the HDR image was rendered with (`1 / (1.2 · 2^EV100)`).
    pub pre_exposure: f32,
    /// EV100 for the fixed exposure modes (what the renderer metered or the user set).
    pub fixed_ev100: f32,
    /// Seconds since the previous frame (automatic exposure adapts at EV per second).
    pub dt_seconds: f32,
    /// Frame number (animates the grain).
    pub frame_index: u64,
}

/// The HDR image at the display size after TAA or the upscale: TAA's output, or the
/// upscale's pooled image (held, so the pool does not lend it again while later steps read it).
struct Resolved {
    view: wgpu::TextureView,
    _image: Option<PooledTexture>,
}

/// The display passes of one display format: the finish, SMAA, FXAA, sharpen.
type DisplayPasses = (FinishPass, SmaaPass, FxaaPass, SharpenPass);

/// The display passes kept for the format not in use, with that format.
type OtherDisplay = (wgpu::TextureFormat, DisplayPasses);

/// The post chain's passes, pool and loaded LUT.
pub struct PostChain {
    provided: Provided,
    dof: DofPass,
    motion_blur: MotionBlurPass,
    taa: TaaPass,
    upscale: UpscalePass,
    hdr_format: wgpu::TextureFormat,
    exposure: ExposurePass,
    bloom: BloomPass,
    finish: FinishPass,
    smaa: SmaaPass,
    fxaa: FxaaPass,
    sharpen: SharpenPass,
    pool: TexturePool,
    user_lut: Option<(PathBuf, UserLut)>,
    /// LUT files given as text ([`PostChain::provide_lut`]), by the name presets use.
    provided_luts: std::collections::HashMap<PathBuf, Arc<ColourLut>>,
    /// Depth of field was asked for without a perspective camera, and the log said so once.
    warned_no_camera: bool,
    /// The variant the last frame resolved to (logged when it changes), and what it was
    /// resolved from: the requested variant and whether the output could be reached.
    variant: Option<(VariantChoice, (PassVariant, bool))>,
    /// User passes: the presets' compiled shaders and the app's Rust passes.
    custom: CustomPasses,
    /// The format of the display images (the finish's output and the display passes'):
    /// [`DISPLAY_FORMAT`], or PQ code values for HDR output ([`super::display`]).
    display_format: wgpu::TextureFormat,
    /// The display passes of the other format, kept from when it was last used: switching
    /// between SDR and HDR swaps them back instead of building new pipelines each time.
    other_display: Option<OtherDisplay>,
}

impl PostChain {
    /// Create every pass's pipelines for HDR images of `hdr_format`, fed by a pipeline that
    /// provides `provided`.
    pub fn new(
        device: &wgpu::Device,
        hdr_format: wgpu::TextureFormat,
        provided: Provided,
    ) -> Result<Self, Error> {
        Ok(Self {
            provided,
            dof: DofPass::new(device, hdr_format)?,
            motion_blur: MotionBlurPass::new(device, hdr_format)?,
            taa: TaaPass::new(device, hdr_format)?,
            upscale: UpscalePass::new(device, hdr_format)?,
            hdr_format,
            exposure: ExposurePass::new(device)?,
            bloom: BloomPass::new(device, hdr_format)?,
            finish: FinishPass::new(device, DISPLAY_FORMAT)?,
            smaa: SmaaPass::new(device, DISPLAY_FORMAT)?,
            fxaa: FxaaPass::new(device, DISPLAY_FORMAT)?,
            sharpen: SharpenPass::new(device, DISPLAY_FORMAT)?,
            pool: TexturePool::new(),
            user_lut: None,
            provided_luts: Default::default(),
            warned_no_camera: false,
            variant: None,
            custom: CustomPasses::new(device, hdr_format),
            display_format: DISPLAY_FORMAT,
            other_display: None,
        })
    }

    /// Validate `settings` against the pipeline, load the user LUT if it changed, and bake
    /// the grade LUT if the grade changed. Call before recording a frame, outside any
    /// encoder (a bake is its own submission). On error nothing changes.
    pub fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        settings: &PostSettings,
    ) -> Result<(), Error> {
        validate(settings, self.provided)?;
        let display_format = settings.display.encoding.chain_format();
        if display_format != self.display_format {
            // The display passes write the other format from now on: those kept from its last
            // use, else new ones; these are kept for the next switch back.
            let (finish, smaa, fxaa, sharpen) = match self.other_display.take() {
                Some((format, passes)) if format == display_format => passes,
                _ => (
                    FinishPass::new(device, display_format)?,
                    SmaaPass::new(device, display_format)?,
                    FxaaPass::new(device, display_format)?,
                    SharpenPass::new(device, display_format)?,
                ),
            };
            let mut finish = std::mem::replace(&mut self.finish, finish);
            finish.release_lut();
            let smaa = std::mem::replace(&mut self.smaa, smaa);
            let fxaa = std::mem::replace(&mut self.fxaa, fxaa);
            let sharpen = std::mem::replace(&mut self.sharpen, sharpen);
            self.other_display = Some((self.display_format, (finish, smaa, fxaa, sharpen)));
            self.custom.set_display_format(display_format);
            self.display_format = display_format;
        }
        self.custom.prepare(device, &settings.custom).map_err(ChainError::from)?;
        // TAA's pipelines for this frame and its neighbours', in the variant the last frame
        // resolved to.
        if let Some((choice, _)) = &self.variant {
            let compute = choice.used == PassVariant::Compute;
            let upsample = settings.render_scale() < 1.0;
            self.taa.prepare(device, &settings.taa.validated().0, compute, upsample);
        }
        let user_lut = match &settings.lut.file {
            None => None,
            Some(path) => Some(self.load_lut(path, settings.lut.space)?),
        };
        let size = lut_size_for_tier(settings.finish.tier);
        self.finish.prepare(
            device,
            queue,
            &settings.grade,
            settings.tonemap.mapper,
            user_lut.as_ref(),
            size,
            &settings.display.validated().0,
        )?;
        self.user_lut = user_lut.map(|lut| (settings.lut.file.clone().unwrap_or_default(), lut));
        Ok(())
    }

    fn load_lut(&self, path: &Path, space: LutSpace) -> Result<UserLut, ChainError> {
        if let Some((loaded, lut)) = &self.user_lut
            && loaded == path
        {
            return Ok(UserLut { lut: lut.lut.clone(), space });
        }
        if let Some(lut) = self.provided_luts.get(path) {
            return Ok(UserLut { lut: lut.clone(), space });
        }
        let lut = ColourLut::load(path).map_err(|e| ChainError::LutFile {
            pass: "lut",
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(UserLut { lut: Arc::new(lut), space })
    }

    /// Give the chain a LUT file's `text` under `name`: a preset's `[lut] file = name`
    /// then uses it without reading any file (the web, assets in memory). The format is the
    /// name's extension (`.cube`, `.3dl`, `.spi1d`, `.spi3d`; `.cube` for any other). Parse and
    /// validation errors name `name`; the LUT in use changes at the next
    /// [`PostChain::prepare`] that names it.
    pub fn provide_lut(&mut self, name: impl Into<PathBuf>, text: &str) -> Result<(), Error> {
        let name = name.into();
        let error =
            |reason: String| ChainError::LutFile { pass: "lut", path: name.clone(), reason };
        let format = LutFormat::from_path(&name).unwrap_or(LutFormat::Cube);
        let lut = ColourLut::parse(format, text, None).map_err(|e| error(e.to_string()))?;
        lut.validate().map_err(|e| error(e.to_string()))?;
        if self.user_lut.as_ref().is_some_and(|(loaded, _)| *loaded == name) {
            self.user_lut = None;
        }
        self.provided_luts.insert(name, Arc::new(lut));
        Ok(())
    }

    /// Read the user LUT file in use again (it changed on disk): on success the next
    /// [`PostChain::prepare`] bakes the new one; on failure the LUT in use stays and the error
    /// names the file and line. Nothing happens without a LUT file, or for one given with
    /// [`PostChain::provide_lut`]. Returns whether a new LUT was loaded.
    pub fn reload_lut(&mut self) -> Result<bool, Error> {
        let Some((path, user)) = &mut self.user_lut else { return Ok(false) };
        if self.provided_luts.contains_key(path.as_path()) {
            return Ok(false);
        }
        let lut = ColourLut::load(path.as_path()).map_err(|e| ChainError::LutFile {
            pass: "lut",
            path: path.clone(),
            reason: e.to_string(),
        })?;
        user.lut = Arc::new(lut);
        Ok(true)
    }

    /// The next frame's automatic exposure snaps to its target and TAA starts from the
    /// current frame (camera cut, new scene).
    pub fn reset_history(&mut self) {
        self.exposure.reset();
        self.taa.reset_history();
    }

    /// The user LUT the grade LUT was baked with, if the settings name one.
    pub fn user_lut(&self) -> Option<&UserLut> {
        self.user_lut.as_ref().map(|(_, lut)| lut)
    }

    /// Add a user pass from Rust, run at its slot every frame after the preset's passes at
    /// the same point (see [`custom::UserPass`]). Errors name the pass: a slot no user pass
    /// can run at, or a name already taken.
    pub fn add_pass(&mut self, pass: Box<dyn custom::UserPass>) -> Result<(), Error> {
        Ok(self.custom.add(pass).map_err(ChainError::from)?)
    }

    /// Give the chain a user shader's `text` under `path`: a `[[custom]] shader = path` then
    /// uses it without reading any file (the web, shaders in memory, tests).
    pub fn provide_custom_shader(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.custom.provide(path.into(), text.into());
    }

    /// Re-read the user passes' shader files and rebuild those that changed (hot reload);
    /// each error names the file, line and column, and its pass keeps its last good pipeline.
    pub fn reload_custom_shaders(
        &mut self,
        device: &wgpu::Device,
        settings: &PostSettings,
    ) -> Vec<custom::CustomError> {
        self.custom.reload(device, &settings.custom)
    }

    /// The compile error of each user pass now running its last good pipeline, by name.
    pub fn custom_errors(&self) -> &std::collections::HashMap<String, String> {
        self.custom.errors()
    }

    /// The G-buffer normals (octahedral xy) user passes read with `custom_normal`; `None`
    /// (the default) reads (0, 0, 0).
    pub fn set_normals(&mut self, normals: Option<wgpu::TextureView>) {
        self.custom.set_normals(normals);
    }

    /// The frame's commands were submitted: passes that read results back start doing so,
    /// and passes with specialised pipelines build those a budget-governor step from this
    /// frame's settings can ask for (while the GPU works on the frame).
    pub fn frame_submitted(&mut self) {
        self.exposure.frame_submitted();
        self.bloom.frame_submitted();
        self.finish.frame_submitted();
        self.smaa.frame_submitted();
        self.fxaa.frame_submitted();
        self.sharpen.frame_submitted();
    }

    /// How many specialised pipelines the exposure, bloom, finish, SMAA, FXAA and sharpen passes
    /// hold, for tests that a budget-governor step compiles nothing in its frame.
    pub fn display_pipelines_built(&self) -> usize {
        self.exposure.pipelines_built()
            + self.bloom.pipelines_built()
            + self.finish.pipelines_built()
            + self.smaa.pipelines_built()
            + self.fxaa.pipelines_built()
            + self.sharpen.pipelines_built()
    }

    /// How automatic exposure meters on this device, in words (see
    /// [`ExposurePass::metering_path`]).
    pub fn exposure_metering_path(&self) -> &'static str {
        self.exposure.metering_path()
    }

    /// The exposure state buffer the finish reads (see [`ExposurePass::state_buffer`]).
    pub fn exposure_state(&self) -> &wgpu::Buffer {
        self.exposure.state_buffer()
    }

    /// What the last recorded frame's `variant` setting resolved to on this device, and why
    /// (`None` before the first frame).
    pub fn variant(&self) -> Option<&VariantChoice> {
        self.variant.as_ref().map(|(choice, _)| choice)
    }

    /// Resolve `requested` on `device` and for `output`, keeping (and logging) the choice when it
    /// changes. The display passes' compute variant also needs to reach `output`: directly
    /// when it is an `Rgba8Unorm` storage texture, else by a copy from a pooled texture, which
    /// needs `COPY_DST` on it; without either the frame falls back to fragment.
    fn resolve_variant(
        &mut self,
        device: &wgpu::Device,
        requested: PassVariant,
        output: &wgpu::TextureView,
    ) -> PassVariant {
        let texture = output.texture();
        let usage = texture.usage();
        let reachable =
            usage.contains(wgpu::TextureUsages::COPY_DST) || Self::writes_output_directly(output);
        let key = (requested, reachable);
        if self.variant.as_ref().is_none_or(|(_, k)| *k != key) {
            let mut choice = variant::resolve(requested, device);
            if choice.used == PassVariant::Compute && !reachable {
                choice.used = PassVariant::Fragment;
                choice.fallback = true;
                choice.reason = format!(
                    "{} falls back to fragment: the output texture is neither an Rgba8Unorm \
                     storage texture nor a copy destination",
                    requested.name()
                );
            }
            if choice.fallback {
                log::warn!("post chain: {}", choice.reason);
            } else {
                log::info!("post chain: {} passes ({})", choice.used.name(), choice.reason);
            }
            self.variant = Some((choice, key));
        }
        self.variant.as_ref().map_or(PassVariant::Fragment, |(c, _)| c.used)
    }

    /// The compute variant can store into `output` itself (an Rgba8Unorm storage texture).
    fn writes_output_directly(output: &wgpu::TextureView) -> bool {
        let texture = output.texture();
        texture.format() == wgpu::TextureFormat::Rgba8Unorm
            && texture.usage().contains(wgpu::TextureUsages::STORAGE_BINDING)
    }

    /// The transient pool (for statistics).
    pub fn pool(&self) -> &TexturePool {
        &self.pool
    }

    /// The grade LUT the finish samples (see [`FinishPass::lut_view`]), for debug views.
    pub fn grade_lut(&self) -> Option<&wgpu::TextureView> {
        self.finish.lut_view()
    }

    /// One mip of the last bloom chain (see [`BloomPass::mip_view`]), for debug views.
    pub fn bloom_mip(&self, mip: u32) -> Option<wgpu::TextureView> {
        self.bloom.mip_view(mip)
    }

    /// Record the chain for one frame into `output` (a [`DISPLAY_FORMAT`] view of
    /// `frame.size`, mip 0 of its texture). `settings` must have been accepted by
    /// [`PostChain::prepare`]. With the compute variant the display passes write pooled
    /// `Rgba8Unorm` storage textures, and the last one is copied into `output`'s texture
    /// (which then needs `COPY_DST`) unless `output` is itself an `Rgba8Unorm` storage texture
    /// that the last pass writes directly (see [`super::variant`]).
    ///
    /// This is the chain's recipe, one step per line; each step is skipped when its tier is
    /// off, and each image goes back to the pool when the last step reading it is recorded.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        timer: &PassTimer,
        settings: &PostSettings,
        frame: &PostFrame<'_>,
        output: &wgpu::TextureView,
    ) {
        let compute =
            self.resolve_variant(device, settings.variant, output) == PassVariant::Compute;
        let mut pool = std::mem::take(&mut self.pool);
        let ctx = &mut FrameContext { device, queue, encoder, pool: &mut pool, timer, compute };
        let user = CustomFrame {
            size: frame.size,
            depth: frame.depth,
            motion: frame.motion,
            frame_index: frame.frame_index,
        };
        // Depth of field and motion blur, in the preset's order, at the render size.
        let cinematic = self.cinematic(ctx, settings, frame);
        let scene = cinematic.as_ref().map_or(frame.hdr, |t| &t.view);
        // TAA, or below render scale 1 without it the spatial upscale: to the display size.
        let resolved = self.taa_or_upscale(ctx, settings, frame, scene);
        let hdr = resolved.as_ref().map_or(scene, |r| &r.view);
        let after_taa = self.user_passes(ctx, settings, Point::AfterTaa, &user, hdr);
        let hdr = after_taa.as_ref().map_or(hdr, |t| &t.view);
        // Exposure: the histogram and adaptation on the GPU (fixed modes: no GPU work).
        self.exposure(ctx, settings, frame, hdr);
        let after_exposure = self.user_passes(ctx, settings, Point::AfterExposure, &user, hdr);
        let hdr = after_exposure.as_ref().map_or(hdr, |t| &t.view);
        // Bloom: the downsample chain and tent upsample.
        let bloom = self.bloom(ctx, settings, frame, hdr);
        let before_finish = self.user_passes(ctx, settings, Point::BeforeFinish, &user, hdr);
        let hdr = before_finish.as_ref().map_or(hdr, |t| &t.view);
        // The finish, then SMAA, FXAA, sharpen and user passes on the display image, into
        // `output`.
        self.finish_and_display(ctx, settings, frame, (hdr, bloom), &user, output);
        self.pool = pool;
        self.pool.end_frame();
    }

    /// Depth of field (thin-lens CoC, half-size gather; needs depth and a perspective camera)
    /// and motion blur (tile and neighbour max, gather; needs depth and motion, skipped on a
    /// camera cut), in `settings.order`, each reading the other's output.
    fn cinematic(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &PostSettings,
        frame: &PostFrame<'_>,
    ) -> Option<PooledTexture> {
        if settings.dof.tier.is_on() && frame.camera.is_none() && !self.warned_no_camera {
            log::warn!(
                "dof: no perspective camera this frame (orthographic?); depth of field is skipped"
            );
            self.warned_no_camera = true;
        }
        let mut current: Option<PooledTexture> = None;
        let cinematic = [PostPass::Dof, PostPass::MotionBlur];
        for pass in settings.order.iter().filter(|p| cinematic.contains(p)) {
            let hdr = current.as_ref().map_or(frame.hdr, |t| &t.view);
            let (size, frame_index) = (frame.input_size, frame.frame_index);
            let output = match (*pass, frame.depth, frame.motion, frame.camera) {
                (PostPass::Dof, Some(depth), _, Some(camera)) if settings.dof.tier.is_on() => {
                    let dof_frame = DofFrame { hdr, depth, size, camera, frame_index };
                    let dof = &settings.dof;
                    ctx.run(
                        DofPass::NAME,
                        &mut self.dof,
                        |p, c| p.draw(c.device, c.queue, c.encoder, c.pool, &dof_frame, dof),
                        |p, c| p.dispatch(c.device, c.queue, c.encoder, c.pool, &dof_frame, dof),
                    )
                }
                (PostPass::MotionBlur, Some(depth), Some(motion), _)
                    if settings.motion_blur.tier.is_on() && !frame.camera_cut =>
                {
                    let blur_frame = MotionBlurFrame { hdr, depth, motion, size, frame_index };
                    let blur = &settings.motion_blur;
                    ctx.run(
                        MotionBlurPass::NAME,
                        &mut self.motion_blur,
                        |p, c| p.draw(c.device, c.queue, c.encoder, c.pool, &blur_frame, blur),
                        |p, c| p.dispatch(c.device, c.queue, c.encoder, c.pool, &blur_frame, blur),
                    )
                }
                _ => None,
            };
            if output.is_some() {
                current = output;
            }
        }
        current
    }

    /// TAA (jittered frame + reprojected history, resolved at the display size; off drops
    /// its history), or, with TAA off below render scale 1, the spatial upscale. `None`: the
    /// image is already at the display size and later passes read `scene`.
    fn taa_or_upscale(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &PostSettings,
        frame: &PostFrame<'_>,
        scene: &wgpu::TextureView,
    ) -> Option<Resolved> {
        if settings.taa.tier.is_on() {
            let taa_frame = TaaFrame {
                hdr: scene,
                depth: frame.depth,
                motion: frame.motion,
                jitter: frame.jitter,
                input_size: frame.input_size,
                output_size: frame.size,
                camera_cut: frame.camera_cut,
                reprojection: frame.reprojection,
            };
            let taa = &settings.taa;
            let view = ctx.run(
                TaaPass::NAME,
                &mut self.taa,
                |p, c| p.draw(c.device, c.queue, c.encoder, &taa_frame, taa).cloned(),
                |p, c| p.dispatch(c.device, c.queue, c.encoder, &taa_frame, taa).cloned(),
            );
            return view.map(|view| Resolved { view, _image: None });
        }
        self.taa.reset_history();
        if frame.input_size == frame.size {
            return None;
        }
        // The compute variant stores Rgba16Float only; other HDR formats upscale by fragment.
        let compute = ctx.compute && self.hdr_format == upscale::COMPUTE_FORMAT;
        let storage = match compute {
            true => wgpu::TextureUsages::STORAGE_BINDING,
            false => wgpu::TextureUsages::empty(),
        };
        let (width, height) = frame.size;
        let desc = TransientDesc::target(width, height, self.hdr_format, storage);
        let target = ctx.target(UpscalePass::NAME, &desc);
        let (input, view, filter) = ((scene, frame.input_size), &target.view, &settings.upscale);
        ctx.scope(UpscalePass::NAME, |c| match compute {
            true => {
                let (input, size) = input;
                self.upscale
                    .dispatch(c.device, c.queue, c.encoder, input, size, view, frame.size, filter)
            }
            false => {
                self.upscale.draw(c.device, c.queue, c.encoder, input.0, input.1, view, filter)
            }
        });
        Some(Resolved { view: target.view.clone(), _image: Some(target) })
    }

    /// The preset's and the app's user passes at `point` on the HDR image, one after another;
    /// the last one's output (`None`: there are none).
    fn user_passes(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &PostSettings,
        point: Point,
        user: &CustomFrame<'_>,
        hdr: &wgpu::TextureView,
    ) -> Option<PooledTexture> {
        self.custom.run_hdr(ctx, &settings.custom, point, user, hdr)
    }

    /// Exposure: histogram of the HDR image and adaptation, all on the GPU, timed; the fixed
    /// modes only write the state buffer (no GPU work, no timing scope).
    fn exposure(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &PostSettings,
        frame: &PostFrame<'_>,
        hdr: &wgpu::TextureView,
    ) {
        let exposure = &mut self.exposure;
        let mut record = |c: &mut FrameContext<'_>| {
            exposure.dispatch(
                c.device,
                c.queue,
                c.encoder,
                hdr,
                frame.depth,
                frame.size,
                &settings.exposure,
                frame.pre_exposure,
                frame.fixed_ev100,
                frame.dt_seconds,
            )
        };
        match settings.exposure.is_automatic() {
            true => ctx.scope(ExposurePass::NAME, record),
            false => record(ctx),
        }
    }

    /// Bloom: 13-tap/Karis downsample chain and tent upsample (`None` when off).
    fn bloom(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &PostSettings,
        frame: &PostFrame<'_>,
        hdr: &wgpu::TextureView,
    ) -> Option<PooledTexture> {
        if !settings.bloom.tier.is_on() {
            return None;
        }
        let (size, bloom) = (frame.size, &settings.bloom);
        ctx.run(
            BloomPass::NAME,
            &mut self.bloom,
            |p, c| p.draw(c.device, c.queue, c.encoder, c.pool, hdr, size, bloom),
            |p, c| p.dispatch(c.device, c.queue, c.encoder, c.pool, hdr, size, bloom),
        )
    }

    /// The finish (into `output` directly, or into a pooled image when display passes follow
    /// or the compute variant cannot store into `output`), then SMAA (fragment only), FXAA,
    /// sharpen and the user passes after the finish in `settings.order`, each into the output
    /// or a pooled image when another follows; with the compute variant the last image is
    /// copied into `output`.
    /// User passes after the finish also read the HDR image the finish read.
    fn finish_and_display(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &PostSettings,
        frame: &PostFrame<'_>,
        (hdr, bloom): (&wgpu::TextureView, Option<PooledTexture>),
        user: &CustomFrame<'_>,
        output: &wgpu::TextureView,
    ) {
        let (width, height) = frame.size;
        // HDR display images (Rgba16Float PQ values) are drawn by the fragment variants: the
        // compute kernels store 8-bit sRGB-encoded texels.
        let hdr_output = self.display_format != DISPLAY_FORMAT;
        let compute = ctx.compute && !hdr_output;
        let was_compute = std::mem::replace(&mut ctx.compute, compute);
        let fxaa = effective_fxaa(settings);
        let (fxaa_on, sharpen_on) = (fxaa.tier.is_on(), settings.sharpen.tier.is_on());
        // User passes after the finish are fragment passes writing the display format: with
        // the compute variant their output is copied into the output like the others'.
        let mut steps =
            custom::display_steps(&self.custom, &settings.custom, &settings.order, |p| {
                (p == PostPass::Fxaa && fxaa_on) || (p == PostPass::Sharpen && sharpen_on)
            });
        // SMAA first on the display image (see the module documentation).
        if settings.smaa.tier.is_on() {
            steps.insert(0, DisplayStep::Smaa);
        }
        // SMAA and user passes are fragment passes writing the display format: with the
        // compute variant their output is copied into the output like the others'.
        let user_display =
            steps.iter().any(|s| matches!(s, DisplayStep::Custom(_) | DisplayStep::Smaa));
        let staged = compute && (user_display || !Self::writes_output_directly(output));
        let display_format = self.display_format;
        let plain =
            TransientDesc::target(width, height, display_format, wgpu::TextureUsages::empty());
        let display = match compute {
            true => TransientDesc {
                format: wgpu::TextureFormat::Rgba8Unorm,
                usage: wgpu::TextureUsages::TEXTURE_BINDING
                    | wgpu::TextureUsages::STORAGE_BINDING
                    | wgpu::TextureUsages::COPY_SRC,
                ..plain
            },
            false => plain,
        };
        // What the next display pass reads: the sRGB view of a compute pass's Rgba8Unorm.
        let readable = |t: &PooledTexture| match compute {
            true => t.texture.create_view(&wgpu::TextureViewDescriptor {
                format: Some(DISPLAY_FORMAT),
                // Sampled only: an sRGB view cannot carry the texture's storage usage.
                usage: Some(wgpu::TextureUsages::TEXTURE_BINDING),
                ..Default::default()
            }),
            false => t.view.clone(),
        };
        let mut current =
            (!steps.is_empty() || staged).then(|| ctx.target(FinishPass::NAME, &display));
        {
            let finish_frame = FinishFrame {
                hdr,
                bloom: bloom.as_ref().map(|b| &b.view),
                exposure: self.exposure.state_buffer(),
                size: frame.size,
                frame_index: frame.frame_index,
            };
            let target = current.as_ref().map_or(output, |t| &t.view);
            let knobs = (&settings.finish, &settings.bloom);
            ctx.run(
                FinishPass::NAME,
                &mut self.finish,
                |p, c| p.draw(c.device, c.queue, c.encoder, &finish_frame, knobs, target),
                |p, c| p.dispatch(c.device, c.queue, c.encoder, &finish_frame, knobs, target),
            );
        }
        drop(bloom);
        let mut remaining = steps.iter().peekable();
        while let Some(step) = remaining.next() {
            let Some(input) = current.take() else { break };
            let last = remaining.peek().is_none() && !staged;
            let source = readable(&input);
            let size = frame.size;
            match step {
                DisplayStep::Custom(pass) => {
                    // Fragment only: a render target of the display format (copyable).
                    let name = self.custom.name(&settings.custom, *pass).to_owned();
                    let usage = wgpu::TextureUsages::COPY_SRC;
                    let desc = TransientDesc::target(width, height, display_format, usage);
                    current = (!last).then(|| ctx.target(&name, &desc));
                    let into = current.as_ref().map_or(output, |t| &t.view);
                    let (io, out) = ((&source, hdr), (into, display_format));
                    self.custom.draw(ctx, &settings.custom, *pass, user, io, out);
                }
                DisplayStep::Smaa => {
                    // SMAA 1x: edges, blending weights, neighbourhood blend (fragment only: a
                    // render target of the display format, copyable).
                    let usage = wgpu::TextureUsages::COPY_SRC;
                    let desc = TransientDesc::target(width, height, display_format, usage);
                    current = (!last).then(|| ctx.target(SmaaPass::NAME, &desc));
                    let into = current.as_ref().map_or(output, |t| &t.view);
                    let smaa = &settings.smaa;
                    ctx.scope(SmaaPass::NAME, |c| {
                        let (device, queue) = (c.device, c.queue);
                        self.smaa.draw(device, queue, c.encoder, c.pool, &source, into, size, smaa)
                    });
                }
                DisplayStep::Builtin(PostPass::Fxaa) => {
                    // FXAA: luma-edge anti-aliasing of the display image.
                    current = (!last).then(|| ctx.target(FxaaPass::NAME, &display));
                    let into = current.as_ref().map_or(output, |t| &t.view);
                    ctx.run(
                        FxaaPass::NAME,
                        &mut self.fxaa,
                        |p, c| p.draw(c.device, c.queue, c.encoder, &source, into, size, &fxaa),
                        |p, c| p.dispatch(c.device, c.queue, c.encoder, &source, into, size, &fxaa),
                    );
                }
                DisplayStep::Builtin(_) => {
                    // Sharpen: contrast-adaptive.
                    current = (!last).then(|| ctx.target(SharpenPass::NAME, &display));
                    let into = current.as_ref().map_or(output, |t| &t.view);
                    let sharpen = &settings.sharpen;
                    ctx.run(
                        SharpenPass::NAME,
                        &mut self.sharpen,
                        |p, c| p.draw(c.device, c.queue, c.encoder, &source, into, size, sharpen),
                        |p, c| {
                            p.dispatch(c.device, c.queue, c.encoder, &source, into, size, sharpen)
                        },
                    );
                }
            }
        }
        // Output copy (compute variant only): the last display pass's storage texture into
        // the caller's texture, which storage cannot reach.
        if let Some(last) = current {
            ctx.scope(OUTPUT_COPY, |c| {
                c.encoder.copy_texture_to_texture(
                    last.texture.as_image_copy(),
                    output.texture().as_image_copy(),
                    wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
                )
            });
        }
        ctx.compute = was_compute;
    }
}

impl PostChain {
    /// Every texture and buffer the chain holds: the transient pool's textures (free or lent,
    /// see [`TexturePool::memory`]) and each pass's own, TAA's history included (what it
    /// holds now: nothing before TAA first ran; `settings` and `size` are not needed for it).
    pub fn memory(
        &self,
        _settings: &PostSettings,
        _size: (u32, u32),
    ) -> Vec<crate::gpu::memory::MemoryEntry> {
        let mut entries = self.pool.memory("post.pool");
        entries.extend(self.dof.memory());
        entries.extend(self.motion_blur.memory());
        entries.extend(self.taa.memory());
        entries.extend(self.exposure.memory());
        entries.extend(self.bloom.memory());
        entries.extend(self.finish.memory());
        entries.extend(self.smaa.memory());
        entries.extend(self.fxaa.memory());
        entries.extend(self.sharpen.memory());
        if let Some((_, (finish, smaa, fxaa, sharpen))) = &self.other_display {
            entries.extend(finish.memory());
            entries.extend(smaa.memory());
            entries.extend(fxaa.memory());
            entries.extend(sharpen.memory());
        }
        entries.extend(self.upscale.memory());
        entries
    }
}

/// The memory traffic ([`super::traffic`]) of [`OUTPUT_COPY`], at the display size.
pub fn output_copy_traffic(frame: &FrameTargets) -> Option<PassTraffic> {
    Some(display_image_traffic(
        frame,
        "compute variant: the last display pass's Rgba8Unorm image copied into the output",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::dof::DofSettings;
    use crate::post::exposure::ExposureSettings;
    use crate::post::motion_blur::MotionBlurSettings;

    #[test]
    fn foreground_metering_needs_depth() {
        let settings =
            PostSettings { exposure: ExposureSettings::AUTO_PRODUCT, ..Default::default() };
        assert!(validate(&settings, Provided::GBUFFER).is_ok());
        let error = validate(&settings, Provided::HDR_ONLY).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`exposure`") && message.contains("depth"), "{message}");
    }

    #[test]
    fn cinematic_passes_need_depth_and_motion() {
        let settings = PostSettings {
            dof: DofSettings::PRODUCT,
            motion_blur: MotionBlurSettings::FILM,
            ..Default::default()
        };
        assert!(validate(&settings, Provided::GBUFFER).is_ok());
        let message = validate(&settings, Provided::HDR_ONLY).unwrap_err().to_string();
        assert!(message.contains("`dof`") && message.contains("depth"), "{message}");
        let no_motion = Provided { motion: false, ..Provided::GBUFFER };
        let message = validate(&settings, no_motion).unwrap_err().to_string();
        assert!(message.contains("`motion_blur`") && message.contains("motion"), "{message}");
    }

    #[test]
    fn the_allowed_swaps_validate_and_the_rest_are_refused_with_a_reason() {
        assert_eq!(validate_order(&PostPass::DEFAULT_ORDER), Ok(()));
        let swapped = move_pass(&PostPass::DEFAULT_ORDER, 0, false).expect("dof after blur");
        assert_eq!(&swapped[..2], &[PostPass::MotionBlur, PostPass::Dof]);
        assert!(move_pass(&PostPass::DEFAULT_ORDER, 6, false).is_ok(), "FXAA after sharpen");
        let refused = move_pass(&PostPass::DEFAULT_ORDER, 2, true).unwrap_err();
        assert!(refused.contains("TAA must come after"), "{refused}");
        let refused = move_pass(&PostPass::DEFAULT_ORDER, 4, true).unwrap_err();
        assert!(refused.contains("cannot change the picture"), "{refused}");
        let refused = move_pass(&PostPass::DEFAULT_ORDER, 5, false).unwrap_err();
        assert!(refused.contains("must follow the finish"), "{refused}");
        assert!(move_pass(&PostPass::DEFAULT_ORDER, 0, true).is_err(), "nowhere to go");
        let missing = validate_order(&PostPass::DEFAULT_ORDER[1..]).unwrap_err();
        assert_eq!(missing, OrderError::Count("dof"));
    }

    #[test]
    fn an_order_round_trips_through_a_preset_and_a_bad_one_is_clamped_with_a_warning() {
        let mut settings = PostSettings::default();
        settings.order = move_pass(&settings.order, 6, false).expect("allowed");
        let text = toml::to_string_pretty(&settings).expect("toml");
        assert!(
            text.contains("\"sharpen\",\n    \"fxaa\"") || text.contains("\"sharpen\", \"fxaa\""),
            "{text}"
        );
        let back: PostSettings = toml::from_str(&text).expect("parses");
        assert_eq!(back.order, settings.order);
        let bad: PostSettings = toml::from_str(
            "order = [\"taa\", \"dof\", \"motion_blur\", \"exposure\", \"bloom\", \"finish\", \"fxaa\", \"sharpen\"]",
        )
        .expect("parses");
        let (fixed, warnings) = bad.validated();
        assert_eq!(fixed.order, PostPass::DEFAULT_ORDER);
        assert!(
            warnings.iter().any(|w| w.starts_with("order: `taa` cannot run before `dof`")),
            "{warnings:?}"
        );
    }

    #[test]
    fn value_weights_default_to_the_contracts_and_unknown_knobs_are_named() {
        let defaults = PostSettings::default().budget.value;
        assert_eq!(defaults.weight("render_scale"), Some(crate::post::budget::RENDER_SCALE_VALUE));
        for pass in BUILT_IN {
            let declared = pass.contract.knob.map(|k| k.value);
            assert_eq!(defaults.weight(pass.name()), declared, "{}", pass.name());
        }
        let partial: PostSettings =
            toml::from_str("[budget.value]\nbloom = 7\nbogus = 2").expect("parses");
        assert_eq!(partial.budget.value.weight("ao"), None, "a preset holds what it names");
        let (v, w) = partial.validated();
        assert_eq!(v.budget.value.weight("bloom"), Some(7.0));
        assert_eq!(v.budget.value.weight("ao"), defaults.weight("ao"), "defaults filled in");
        assert!(w.iter().any(|w| w.starts_with("budget.value.bogus: no knob")), "{w:?}");
        assert_eq!(v.budget.value.weight("bogus"), None);
    }

    #[test]
    fn requirements_come_from_the_contracts_in_chain_order() {
        let settings = PostSettings {
            ao: crate::post::ao::AoSettings::default(),
            taa: crate::post::taa::TaaSettings::default(),
            ..Default::default()
        };
        let passes: Vec<&str> = requirements(&settings).iter().map(|r| r.pass).collect();
        let order: Vec<&str> = BUILT_IN.iter().map(|p| p.name()).collect();
        let mut last = 0;
        for pass in &passes {
            let at = order.iter().position(|p| p == pass).expect("a built-in pass");
            assert!(at >= last, "{passes:?} out of the chain's order");
            last = at;
        }
        assert!(passes.contains(&"ao") && passes.contains(&"taa") && passes.contains(&"finish"));
    }

    #[test]
    fn defaults_need_only_hdr() {
        assert!(validate(&PostSettings::default(), Provided::HDR_ONLY).is_ok());
    }
}

//! [`PostStack`]: the post chain as an app embeds it, on the app's own device, queue, textures
//! and command encoder. afterlight's own renderer ([`crate::render::Renderer`]) drives its post
//! processing through this same API.
//!
//! One frame, in order:
//! 1. [`PostStack::begin_frame`] collects the GPU timings that arrived, lets the budget governor
//!    choose this frame's settings, and returns a [`FramePlan`]: the settings the frame runs
//!    with (tiers the governor turned down included), the sub-pixel **jitter** TAA wants the
//!    app to rasterise with ([`FramePlan::jittered`] applies it to a view-projection), and the
//!    render size (the display size times the render scale).
//! 2. The app renders its scene at the plan's render size, timing its own passes with
//!    [`PostStack::timer`] if it wants the governor to see the whole frame.
//! 3. [`PostStack::record`] validates the frame's inputs against what the stack was told the
//!    app provides ([`Provided`]) and records the chain into the app's encoder, writing the
//!    app's target view (any colour format; see [`super::composite`]). With a
//!    [`RealWorld`] camera image and mask, real-world pixels come out as the camera gave them.
//! 4. The app submits, then calls [`PostStack::end_frame`].
//!
//! [`PostStack::governor`], [`PostStack::pass_times`] and [`PostStack::frame_timings`] are the
//! state to show. Requirements are checked on [`PostStack::new`] and
//! [`PostStack::set_settings`]: a pass reading an input the app does not provide is an error
//! naming the pass and the input (AO, which runs before lighting, is the app's to run with
//! [`super::ao::AoPass`] on its depth and normals; its settings are checked the same way).

use glam::{Mat4, Vec2};

use super::camera_exposure::{CameraExposureFrame, CameraExposurePass};
use super::chain::{PostCamera, PostChain, PostFrame, PostSettings, Provided, validate};
use super::composite::{CompositeFrame, CompositePass, RealWorld};
use super::display::DisplayEncoding;
use super::exposure::ExposureMode;
use crate::Error;
use crate::draw::Target;
use crate::gpu::{FrameTiming, PassTime, PassTimer, TimingMethod};
use crate::post::budget::Governor;

/// How to build a [`PostStack`].
#[derive(Clone, Debug)]
pub struct PostStackDescriptor {
    /// The settings to start with (a preset's content, see [`crate::config::Preset`]).
    pub settings: PostSettings,
    /// Format of the HDR colour the app hands in (a float format; `Rgba16Float` is usual).
    pub hdr_format: wgpu::TextureFormat,
    /// Format of the app's target view (a swapchain's, an offscreen texture's): any
    /// renderable colour format. `Rgba8UnormSrgb` is written by the chain directly.
    pub output_format: wgpu::TextureFormat,
    /// What the app's pipeline hands in besides HDR colour.
    pub provided: Provided,
}

impl PostStackDescriptor {
    /// Default settings, `Rgba16Float` HDR colour only, writing `output_format`.
    pub fn new(output_format: wgpu::TextureFormat) -> Self {
        Self {
            settings: PostSettings::default(),
            hdr_format: wgpu::TextureFormat::Rgba16Float,
            output_format,
            provided: Provided::HDR_ONLY,
        }
    }
}

/// What one frame runs with, from [`PostStack::begin_frame`].
#[derive(Clone, Debug, PartialEq)]
pub struct FramePlan {
    /// The settings this frame runs with: the app's, with the tiers and render scale the
    /// budget governor turned down.
    pub settings: PostSettings,
    /// The sub-pixel offset to rasterise this frame at, in pixels (x right, y down), within
    /// `[-0.5, 0.5)`; zero without TAA. Motion vectors stay unjittered.
    pub jitter: Vec2,
    /// Size to render the HDR colour (and depth, motion) at: the display size times the
    /// render scale, at least 1 pixel.
    pub render_size: (u32, u32),
    /// The display size the chain writes.
    pub display_size: (u32, u32),
    /// This frame's number (the `frame` of its [`FrameTiming`] when timings arrive).
    pub frame_index: u64,
}

impl FramePlan {
    /// `view_proj` moved by this frame's jitter on the render-size target: what the app
    /// rasterises with (a clip-space translation, so perspective and orthographic projections
    /// move alike).
    pub fn jittered(&self, view_proj: Mat4) -> Mat4 {
        crate::draw::jittered(view_proj, self.jitter, self.render_size.0, self.render_size.1)
    }
}

/// One frame's inputs to [`PostStack::record`]. Build with [`PostInputs::new`] and set what
/// the app has.
#[derive(Clone, Copy, Debug)]
pub struct PostInputs<'a> {
    /// The lit HDR colour at the plan's render size (alpha is coverage; pre-exposed by
    /// `pre_exposure`).
    pub hdr: &'a wgpu::TextureView,
    /// Reverse-Z depth (`Depth32Float`, 0 at infinity) at the render size.
    pub depth: Option<&'a wgpu::TextureView>,
    /// Motion vectors (`Rg16Float`, uv now minus uv last frame, unjittered) at the render size.
    pub motion: Option<&'a wgpu::TextureView>,
    /// This frame's clip-from-world matrix without the jitter. With it the stack detects
    /// camera cuts and moves the sky (no motion vectors) with the camera in TAA.
    pub view_projection: Option<Mat4>,
    /// The perspective camera's lens, for depth of field; `None` skips depth of field.
    pub camera: Option<PostCamera>,
    /// The app announces a cut (TAA drops its history, motion blur skips the frame); the
    /// stack also detects one from `view_projection`.
    pub camera_cut: bool,
    /// The jitter the HDR colour was actually rasterised at, when it is not the plan's (a
    /// supersampling tool); `None` means the plan's.
    pub jitter: Option<Vec2>,
    /// The multiplier the HDR colour was rendered with (`1 / (1.2 · 2^EV100)` for a
    /// physically exposed renderer, 1 for one that writes radiance as it is).
    pub pre_exposure: f32,
    /// EV100 for the fixed exposure modes: what the app metered or the camera reports.
    pub ev100: f32,
    /// Seconds since the previous frame (automatic exposure adapts in EV per second).
    pub dt_seconds: f32,
    /// The AR camera image, real-world mask and shadow catcher; `None` for a fully virtual
    /// frame.
    pub real_world: Option<RealWorld<'a>>,
}

impl<'a> PostInputs<'a> {
    /// HDR colour only: no depth, motion or camera, pre-exposure 1, EV100 0, 60 Hz.
    pub fn new(hdr: &'a wgpu::TextureView) -> Self {
        Self {
            hdr,
            depth: None,
            motion: None,
            view_projection: None,
            camera: None,
            camera_cut: false,
            jitter: None,
            pre_exposure: 1.0,
            ev100: 0.0,
            dt_seconds: 1.0 / 60.0,
            real_world: None,
        }
    }
}

/// The post chain, its budget governor and GPU timer, on an app's device.
pub struct PostStack {
    device: wgpu::Device,
    queue: wgpu::Queue,
    provided: Provided,
    output_format: wgpu::TextureFormat,
    chain: PostChain,
    composite: CompositePass,
    /// The AR exposure match (by compute, or by fragment samples read back where the device
    /// has no compute or storage buffers).
    camera_exposure: CameraExposurePass,
    /// The chain's output when a composite follows (AR, a target format other than the
    /// chain's display format, or scRGB output), at the display size.
    finished: Option<Target>,
    timer: PassTimer,
    governor: Governor,
    /// The app's settings, validated.
    settings: PostSettings,
    /// The frame between `begin_frame` and `end_frame`.
    plan: Option<FramePlan>,
    /// The frame was recorded (its queries resolved) and waits for `end_frame`.
    recorded: bool,
    prev_view_proj: Option<Mat4>,
    /// Timings drained for the governor, kept for [`PostStack::frame_timings`].
    recent_timings: Vec<FrameTiming>,
    /// Timings [`PostStack::frame_timings`] drained that the governor has not seen yet.
    governor_inbox: Vec<FrameTiming>,
}

/// `display` scaled by `scale` per axis, rounded, at least 1 pixel.
pub fn scaled_size(display: (u32, u32), scale: f32) -> (u32, u32) {
    let scaled = |n: u32| ((n as f32 * scale).round() as u32).clamp(1, n.max(1));
    (scaled(display.0), scaled(display.1))
}

impl PostStack {
    /// Build the chain's pipelines on the app's `device` (cloned handles are kept; wgpu's are
    /// reference-counted). The settings are validated against `desc.provided`; out-of-range
    /// values are clamped with a logged warning.
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        desc: &PostStackDescriptor,
    ) -> Result<Self, Error> {
        let (settings, warnings) = desc.settings.validated();
        for warning in warnings {
            log::warn!("post settings: {warning}");
        }
        validate(&settings, desc.provided)?;
        let (chain, composite, camera_exposure) =
            crate::gpu::checked(device, "creating pipelines", || -> Result<_, Error> {
                Ok((
                    PostChain::new(device, desc.hdr_format, desc.provided)?,
                    CompositePass::new(device, desc.output_format)?,
                    CameraExposurePass::new(device)?,
                ))
            })??;
        Ok(Self {
            device: device.clone(),
            queue: queue.clone(),
            provided: desc.provided,
            output_format: desc.output_format,
            chain,
            composite,
            camera_exposure,
            finished: None,
            timer: PassTimer::with_request(device, settings.budget.timing),
            // Every device times frames (the frame rung needs no timestamps).
            governor: Governor::new(true),
            settings,
            plan: None,
            recorded: false,
            prev_view_proj: None,
            recent_timings: Vec::new(),
            governor_inbox: Vec::new(),
        })
    }

    /// The format of the target [`PostStack::record`] writes from now on (a new swapchain
    /// format, or an HDR target for `[display] encoding`): the composite's pipelines follow.
    pub fn set_output_format(&mut self, format: wgpu::TextureFormat) -> Result<(), Error> {
        if format != self.output_format {
            let device = &self.device;
            self.composite = crate::gpu::checked(device, "creating pipelines", || {
                CompositePass::new(device, format)
            })??;
            self.output_format = format;
        }
        Ok(())
    }

    /// The format of the target [`PostStack::record`] writes.
    pub fn output_format(&self) -> wgpu::TextureFormat {
        self.output_format
    }

    /// Replace the settings (a preset loaded, a slider moved). Out-of-range values are clamped
    /// and returned as warnings; a pass reading an input the app does not provide is an error
    /// and the previous settings stay.
    pub fn set_settings(&mut self, settings: &PostSettings) -> Result<Vec<String>, Error> {
        let (settings, warnings) = settings.validated();
        validate(&settings, self.provided)?;
        self.settings = settings;
        Ok(warnings)
    }

    /// Give the chain a `.cube` file's `text` under `name`, for presets that name it in
    /// `[lut] file` (see [`PostChain::provide_lut`]): LUTs from memory, e.g. on the web.
    pub fn provide_lut(&mut self, name: &str, text: &str) -> Result<(), Error> {
        self.chain.provide_lut(name, text)
    }

    /// Add a user pass from Rust at its slot (see [`PostChain::add_pass`]).
    pub fn add_pass(&mut self, pass: Box<dyn super::custom::UserPass>) -> Result<(), Error> {
        self.chain.add_pass(pass)
    }

    /// The chain, to give it user shaders, normals or reload requests.
    pub fn chain_mut(&mut self) -> &mut PostChain {
        &mut self.chain
    }

    /// Re-read the settings' user shader files (see [`PostChain::reload_custom_shaders`]).
    pub fn reload_custom_shaders(&mut self) -> Vec<super::custom::CustomError> {
        self.chain.reload_custom_shaders(&self.device, &self.settings)
    }

    /// Re-read the user LUT file (see [`PostChain::reload_lut`]).
    pub fn reload_lut(&mut self) -> Result<bool, crate::Error> {
        self.chain.reload_lut()
    }

    /// The app's settings as validated (before the governor).
    pub fn settings(&self) -> &PostSettings {
        &self.settings
    }

    /// Start a frame of `display_size` pixels: collect the timings that arrived, let the
    /// governor choose the settings, load a changed LUT file and bake a changed grade (its own
    /// submission on the queue; call outside any encoder being recorded). A frame recorded
    /// but not ended is ended first. A zero size is an error.
    pub fn begin_frame(&mut self, display_size: (u32, u32)) -> Result<FramePlan, Error> {
        if display_size.0 == 0 || display_size.1 == 0 {
            return Err(Error::InvalidArgument(format!(
                "post stack display size {}x{} has a zero side",
                display_size.0, display_size.1
            )));
        }
        if self.recorded {
            self.end_frame();
        }
        if self.timer.set_request(&self.device, self.settings.budget.timing) {
            let method = self.timer.method();
            self.governor.reset(&format!("timing by '{method}' now"));
        }
        let fresh = self.timer.drain(&self.device, &self.queue);
        let mut timings = std::mem::take(&mut self.governor_inbox);
        timings.extend(fresh.iter().cloned());
        let frame_index = self.timer.frame_index();
        let governed = self.governor.update(&self.settings, frame_index, &timings);
        self.keep_timings(fresh);
        self.chain.prepare(&self.device, &self.queue, &governed)?;
        let jitter = match governed.taa.tier.is_on() {
            true => super::taa::jitter(frame_index, governed.taa.sequence_length()),
            false => Vec2::ZERO,
        };
        let plan = FramePlan {
            render_size: scaled_size(display_size, governed.render_scale()),
            settings: governed,
            jitter,
            display_size,
            frame_index,
        };
        self.plan = Some(plan.clone());
        Ok(plan)
    }

    /// The GPU timer: wrap the app's own passes in [`PassTimer::scope`] between
    /// [`PostStack::begin_frame`] and [`PostStack::record`] so the governor steers on the whole
    /// frame's GPU time.
    pub fn timer(&self) -> &PassTimer {
        &self.timer
    }

    /// Record the chain for the frame [`PostStack::begin_frame`] planned into `encoder`,
    /// writing `target` (a view of the descriptor's output format at the display size), and
    /// close the frame's timing queries (time the app's own passes before this call).
    ///
    /// Errors, with nothing recorded: no planned frame, an input missing that
    /// [`Provided`] promised, or AR inputs without a camera image the right size.
    pub fn record(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        inputs: &PostInputs<'_>,
        target: &wgpu::TextureView,
    ) -> Result<(), Error> {
        let Some(plan) = self.plan.clone() else {
            return Err(Error::InvalidArgument(
                "PostStack::record without PostStack::begin_frame for this frame".into(),
            ));
        };
        if self.recorded {
            return Err(Error::InvalidArgument(
                "PostStack::record called twice for one frame; call end_frame after submitting"
                    .into(),
            ));
        }
        for (promised, given, name) in [
            (self.provided.depth, inputs.depth.is_some(), "depth"),
            (self.provided.motion, inputs.motion.is_some(), "motion vectors"),
        ] {
            if promised && !given {
                return Err(Error::InvalidArgument(format!(
                    "the post stack was created with {name} provided, but this frame has none"
                )));
            }
        }
        let view_proj = inputs.view_projection;
        let camera_cut = inputs.camera_cut
            || view_proj.is_some_and(|vp| {
                let focus = inputs
                    .camera
                    .and_then(|c| c.autofocus_distance.map(|d| c.znear / d))
                    .unwrap_or(f32::NAN);
                super::taa::is_camera_cut(self.prev_view_proj, vp, focus)
            });
        let reprojection = match (view_proj, self.prev_view_proj) {
            (Some(now), Some(before)) => super::taa::reprojection(before, now),
            (Some(now), None) => super::taa::reprojection(now, now),
            _ => None,
        };
        let mut frame = PostFrame {
            hdr: inputs.hdr,
            depth: inputs.depth,
            motion: inputs.motion,
            jitter: inputs.jitter.unwrap_or(plan.jitter),
            camera_cut,
            reprojection,
            camera: inputs.camera,
            size: plan.display_size,
            input_size: plan.render_size,
            pre_exposure: inputs.pre_exposure,
            fixed_ev100: inputs.ev100,
            dt_seconds: inputs.dt_seconds,
            frame_index: plan.frame_index,
        };
        let encoding = plan.settings.display.encoding;
        if encoding.is_hdr() && inputs.real_world.is_some() {
            return Err(Error::InvalidArgument(format!(
                "AR compositing over a camera image is SDR only; display.encoding = \"{}\" needs \
                 a frame without a camera image",
                encoding.name()
            )));
        }
        let chain_format = encoding.chain_format();
        if encoding.is_hdr() && !super::display::takes_hdr(self.output_format, encoding) {
            return Err(Error::InvalidArgument(format!(
                "display.encoding = \"{}\" needs a target that holds HDR values (Rgba16Float{}); \
                 this stack writes {:?} (PostStack::set_output_format)",
                encoding.name(),
                if encoding == DisplayEncoding::Pq { " or Rgb10a2Unorm" } else { "" },
                self.output_format
            )));
        }
        let composite = inputs.real_world.is_some()
            || self.output_format != chain_format
            || encoding == DisplayEncoding::ScRgb;
        let (device, queue) = (&self.device, &self.queue);
        if composite {
            let (w, h) = plan.display_size;
            let stale = self.finished.as_ref().is_none_or(|t| {
                (t.texture.width(), t.texture.height(), t.texture.format())
                    != (plan.display_size.0, plan.display_size.1, chain_format)
            });
            if stale {
                self.finished = Some(Target::new(device, "post.finished", w, h, chain_format));
            }
        }
        // AR exposure matching: the camera image's exposure replaces the fixed EV written for
        // the frame (automatic exposure is off while it runs: the camera decides).
        let mut settings = plan.settings.clone();
        let matching = inputs.real_world.filter(|r| r.match_exposure);
        if let Some(real) = matching {
            if settings.exposure.is_automatic() {
                settings.exposure.mode = ExposureMode::Metered;
            }
            let exposure_frame = CameraExposureFrame {
                hdr: inputs.hdr,
                camera_image: real.camera_image,
                mask: real.mask,
                pre_exposure: inputs.pre_exposure,
                compensation: settings.exposure.compensation,
                state: self.chain.exposure_state(),
                grade_lut: self.chain.grade_lut(),
            };
            let camera_exposure = &mut self.camera_exposure;
            if camera_exposure.is_compute() {
                self.timer.scope(CameraExposurePass::NAME, encoder, |e| {
                    camera_exposure.dispatch(device, queue, e, &exposure_frame)
                });
            } else {
                // Fragment path: the newest samples back give the frame's EV (the exposure
                // pass writes it, less the compensation); this frame's samples go back too.
                let user_lut = self.chain.user_lut();
                let grade = &settings.grade;
                let mapper = settings.tonemap.mapper;
                if let Some(ev100) = camera_exposure.matched_ev100(grade, mapper, user_lut) {
                    frame.fixed_ev100 = ev100;
                }
                self.timer.scope(CameraExposurePass::NAME, encoder, |e| {
                    camera_exposure.sample(device, queue, e, &exposure_frame)
                });
            }
        }
        let finished = self.finished.as_ref().filter(|_| composite);
        let chain_output = finished.map_or(target, |t| &t.view);
        self.chain.record(device, queue, encoder, &self.timer, &settings, &frame, chain_output);
        if let Some(finished) = finished {
            let composite_frame = CompositeFrame {
                finished: &finished.view,
                encoding,
                real_world: inputs.real_world,
                frame_index: plan.frame_index,
            };
            self.timer.scope(CompositePass::NAME, encoder, |e| {
                self.composite.draw(device, queue, e, &composite_frame, target)
            });
        }
        self.timer.resolve(encoder);
        self.prev_view_proj = view_proj.or(self.prev_view_proj);
        self.recorded = true;
        Ok(())
    }

    /// Close a frame the app rendered without the chain (a debug view): its timing queries
    /// are resolved into `encoder` so the frame still counts.
    pub fn skip_record(&mut self, encoder: &mut wgpu::CommandEncoder) {
        if !self.recorded {
            self.timer.resolve(encoder);
            self.recorded = true;
        }
    }

    /// Submit the frame's command buffers on the stack's queue and end the frame: the frame
    /// rung's GPU time starts right before the submission (apps that submit themselves call
    /// [`PostStack::end_frame`] after it instead).
    pub fn submit(
        &mut self,
        command_buffers: impl IntoIterator<Item = wgpu::CommandBuffer>,
    ) -> wgpu::SubmissionIndex {
        if self.recorded {
            self.timer.submitting();
        }
        let index = self.queue.submit(command_buffers);
        self.end_frame();
        index
    }

    /// The frame's commands were submitted: hand its timing queries to the timer and move on
    /// to the next frame number. Never waits for the GPU.
    pub fn end_frame(&mut self) {
        if self.recorded {
            self.timer.end_frame(&self.queue);
            self.chain.frame_submitted();
            self.camera_exposure.frame_submitted();
        }
        self.recorded = false;
        self.plan = None;
    }

    /// The next frame's automatic exposure snaps to its target, TAA starts afresh and the next
    /// frame counts as a camera cut (a new scene, a teleport).
    pub fn reset_history(&mut self) {
        self.chain.reset_history();
        self.prev_view_proj = None;
    }

    /// The budget governor: its status, decisions and current knobs.
    pub fn governor(&self) -> &Governor {
        &self.governor
    }

    /// Forget the governor's statistics and learned costs (the scene or the resolution
    /// changed).
    pub fn reset_budget_statistics(&mut self, reason: &str) {
        self.governor.reset(reason);
    }

    /// Whether this device gives GPU pass times (the encoder or pass rung of the timing
    /// ladder). Frame times arrive on every device.
    pub fn timing_available(&self) -> bool {
        self.timer.available()
    }

    /// How GPU time is measured on this device (the rung of the timing ladder in use).
    pub fn timing_method(&self) -> TimingMethod {
        self.timer.method()
    }

    /// GPU milliseconds per pass of the newest frame whose timestamps have arrived (a few
    /// frames late).
    pub fn pass_times(&self) -> &[PassTime] {
        self.timer.latest()
    }

    /// Wait for the GPU and collect the newest pass times (headless tools only: it stalls).
    pub fn wait_for_pass_times(&mut self) -> &[PassTime] {
        if let Err(e) = self.device.poll(wgpu::PollType::wait_indefinitely()) {
            log::warn!("waiting for the GPU: {e}");
        }
        self.timer.collect(&self.queue);
        self.timer.latest()
    }

    /// Every frame whose GPU timings arrived since the last call, oldest first (polls the
    /// device without blocking; empty without timestamp support).
    pub fn frame_timings(&mut self) -> Vec<FrameTiming> {
        let timings = self.timer.drain(&self.device, &self.queue);
        self.governor_inbox.extend(timings.iter().cloned());
        self.keep_timings(timings);
        std::mem::take(&mut self.recent_timings)
    }

    /// Wait for the GPU and return every frame whose timings arrived since the last call, up to
    /// the last frame submitted (the end of a headless run: it stalls).
    pub fn wait_for_frame_timings(&mut self) -> Vec<FrameTiming> {
        let timings = self.timer.wait_for_frames(&self.device, &self.queue);
        self.governor_inbox.extend(timings.iter().cloned());
        self.keep_timings(timings);
        std::mem::take(&mut self.recent_timings)
    }

    fn keep_timings(&mut self, timings: Vec<FrameTiming>) {
        // Bounded: an app that never asks keeps only the last few seconds.
        const KEEP: usize = 1024;
        self.recent_timings.extend(timings);
        let excess = self.recent_timings.len().saturating_sub(KEEP);
        self.recent_timings.drain(..excess);
    }

    /// The index the next frame will get.
    pub fn frame_index(&self) -> u64 {
        self.timer.frame_index()
    }

    /// The chain (its pool statistics, its passes' memory).
    pub fn chain(&self) -> &PostChain {
        &self.chain
    }

    /// Every texture and buffer the stack holds (see [`PostChain::memory`]), for `size`.
    pub fn memory(
        &self,
        settings: &PostSettings,
        size: (u32, u32),
    ) -> Vec<crate::gpu::memory::MemoryEntry> {
        let mut entries = self.chain.memory(settings, size);
        if let Some(finished) = &self.finished {
            entries.push(crate::gpu::memory::MemoryEntry::texture(
                "post.finished",
                &finished.texture,
                true,
            ));
        }
        entries.extend(self.composite.memory());
        entries.extend(self.camera_exposure.memory());
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>() {}

    #[test]
    fn the_stack_moves_between_threads_and_its_settings_are_plain_data() {
        send::<PostStack>();
        send::<PostSettings>();
        send::<FramePlan>();
        let settings = PostSettings {
            taa: crate::post::taa::TaaSettings::HIGH,
            bloom: crate::post::bloom::BloomSettings::NATURAL,
            ..Default::default()
        };
        let json = serde_json::to_string(&settings).expect("serialises");
        let back: PostSettings = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, settings);
    }

    #[test]
    fn the_render_size_follows_the_scale_and_never_reaches_zero() {
        assert_eq!(scaled_size((1920, 1080), 0.5), (960, 540));
        assert_eq!(scaled_size((1, 1), 0.5), (1, 1));
        assert_eq!(scaled_size((101, 33), 1.0), (101, 33));
    }
}

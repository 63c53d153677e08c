//! GPU time per frame and per pass, by the best method the device has (the timing ladder,
//! [`TimingMethod`]); results arrive a few frames late and are never waited for in a frame.
//!
//! - **encoder**: timestamps written into the command encoder around each step of the frame
//!   recipe (`TIMESTAMP_QUERY_INSIDE_ENCODERS`), through `wgpu-profiler`: per-pass times.
//! - **pass**: pass-boundary timestamps only (`TIMESTAMP_QUERY`, as on Apple's tile GPUs and
//!   WebGPU): each scope opens and closes with an empty 1x1 marker render pass whose
//!   `timestamp_writes` take the scope's begin and end: per-pass times again.
//! - **frame**: no GPU timestamps at all (GLES, WebGL2): the frame's GPU time is the time from
//!   its submission (or the previous frame's completion, if later) to the queue reporting the
//!   work done (`Queue::on_submitted_work_done`, driven on native by a thread that waits for
//!   each frame's submission). No per-pass times; the governor learns what knobs cost from
//!   the change in frame time.
//!
//! The timer is never fed CPU times as GPU times.
//!
//! Frames are numbered by the timer (`end_frame` hands out the next index). wgpu-profiler
//! returns finished frames in submission order, so the timer keeps a FIFO of the frames waiting
//! for their timestamps (with the CPU encode times recorded for each) and pairs one with every
//! result that comes back. When more than [`PENDING_FRAMES`] frames wait, wgpu-profiler drops the
//! *newest* waiting frame; the FIFO mirrors that, so indices stay right and the drop shows as a
//! gap in the frame numbers (and in [`PassTimer::dropped_frames`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use web_time::Instant;

use serde::{Deserialize, Serialize};
use wgpu_profiler::{GpuProfiler, GpuProfilerSettings, GpuTimerQueryResult};

/// A rung of the timing ladder: how GPU time is measured on this device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimingMethod {
    /// Timestamps inside the command encoder around each scope.
    Encoder,
    /// Timestamps at render-pass boundaries (marker passes around each scope).
    Pass,
    /// No timestamps: submission to completion of each frame, measured on the CPU clock.
    Frame,
}

impl TimingMethod {
    /// Every rung, best first.
    pub const ALL: [TimingMethod; 3] =
        [TimingMethod::Encoder, TimingMethod::Pass, TimingMethod::Frame];

    /// The rung's name as presets and the command line spell it.
    pub fn name(self) -> &'static str {
        match self {
            TimingMethod::Encoder => "encoder",
            TimingMethod::Pass => "pass",
            TimingMethod::Frame => "frame",
        }
    }

    /// What the rung measures, in words (for `info`, the bench report and the trace).
    pub fn describe(self) -> &'static str {
        match self {
            TimingMethod::Encoder => "timestamps inside the encoder: GPU ms per pass",
            TimingMethod::Pass => "pass-boundary timestamps (marker passes): GPU ms per pass",
            TimingMethod::Frame => {
                "no GPU timestamps: frame GPU ms from submission to work done, no per-pass times"
            }
        }
    }

    /// The device features the rung needs.
    pub fn features(self) -> wgpu::Features {
        match self {
            TimingMethod::Encoder => super::TIMER_FEATURES,
            TimingMethod::Pass => wgpu::Features::TIMESTAMP_QUERY,
            TimingMethod::Frame => wgpu::Features::empty(),
        }
    }

    /// Whether a device with `features` can time this way.
    pub fn supported_by(self, features: wgpu::Features) -> bool {
        features.contains(self.features())
    }

    /// The best rung a device with `features` offers.
    pub fn best(features: wgpu::Features) -> Self {
        Self::ALL.into_iter().find(|m| m.supported_by(features)).unwrap_or(TimingMethod::Frame)
    }

    /// Whether the rung gives per-pass times (not only the frame's).
    pub fn per_pass(self) -> bool {
        self != TimingMethod::Frame
    }

    /// The rung `request` gets on a device with `features`, and a warning when the device
    /// cannot honour it (then the best rung it has).
    pub fn resolve(request: TimingRequest, features: wgpu::Features) -> (Self, Option<String>) {
        let best = Self::best(features);
        let wanted = match request {
            TimingRequest::Auto => return (best, None),
            TimingRequest::Encoder => TimingMethod::Encoder,
            TimingRequest::Pass => TimingMethod::Pass,
            TimingRequest::Frame => TimingMethod::Frame,
        };
        // A request below the best is always honoured (the frame rung needs nothing).
        if wanted.supported_by(features) {
            (wanted, None)
        } else {
            let warning = format!(
                "timing '{}' needs {:?}, which this device lacks; timing by '{}' instead",
                wanted.name(),
                wanted.features(),
                best.name()
            );
            (best, Some(warning))
        }
    }
}

impl std::fmt::Display for TimingMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a preset (`[budget] timing`) or the command line (`--timing`) asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimingRequest {
    /// The best rung the device has (default).
    #[default]
    Auto,
    /// In-encoder timestamps.
    Encoder,
    /// Pass-boundary timestamps.
    Pass,
    /// Frame time from submission to completion, no timestamps.
    Frame,
}

impl From<TimingMethod> for TimingRequest {
    fn from(method: TimingMethod) -> Self {
        match method {
            TimingMethod::Encoder => TimingRequest::Encoder,
            TimingMethod::Pass => TimingRequest::Pass,
            TimingMethod::Frame => TimingRequest::Frame,
        }
    }
}

impl TimingRequest {
    /// Parse `auto`, `encoder`, `pass` or `frame`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "encoder" => Ok(Self::Encoder),
            "pass" => Ok(Self::Pass),
            "frame" => Ok(Self::Frame),
            other => {
                Err(format!("unknown timing '{other}': expected auto, encoder, pass or frame"))
            }
        }
    }
}

/// Frames that may wait for their timestamps before wgpu-profiler drops one. A swapchain keeps
/// two or three frames in flight and results are read one submission after they land.
pub const PENDING_FRAMES: usize = 5;

/// Finished frames kept for [`PassTimer::drain`] when nobody drains (the oldest go first).
const MAX_FINISHED: usize = 1024;

/// GPU and CPU milliseconds of one pass in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct PassTime {
    /// The pass's name (its wgpu label and timing scope).
    pub name: String,
    /// GPU time in milliseconds (timestamp at the scope's end minus at its begin).
    pub ms: f64,
    /// CPU milliseconds spent encoding the scope (wall-clock around its record closure).
    pub cpu_ms: f64,
}

/// The timings of one frame, as they arrive a few frames after it was submitted.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameTiming {
    /// Index of the frame these times belong to (see [`PassTimer::frame_index`]).
    pub frame: u64,
    /// Whole-frame GPU span in milliseconds: earliest scope begin to latest scope end (on the
    /// frame rung: submission, or the previous frame's completion if later, to completion).
    /// This is what a budget steers on; on tile-based GPUs passes overlap and their sum
    /// overstates it.
    pub gpu_ms: f64,
    /// Sum of the passes' CPU encode milliseconds.
    pub cpu_ms: f64,
    /// Each timed scope, in recording order (empty on the frame rung).
    pub passes: Vec<PassTime>,
}

/// Frame completion times for the `frame` rung: each frame's submission time goes in, the time
/// the queue reported its work done comes out.
struct FrameClock {
    /// `(frame, submitted)` to the waiter; `None` on the web (no threads: the browser runs
    /// `on_submitted_work_done` callbacks from its event loop).
    #[cfg(not(target_arch = "wasm32"))]
    waiter: Sender<(u64, Instant, wgpu::SubmissionIndex)>,
    done_sender: Sender<(u64, Instant, Instant)>,
    /// `(frame, submitted, done)` in submission order.
    done: Receiver<(u64, Instant, Instant)>,
    /// When the previous frame's work was done: a frame's GPU time starts at its submission or
    /// there, whichever is later.
    previous_done: Option<Instant>,
    /// Frames submitted whose completion has not been collected.
    outstanding: u64,
}

impl FrameClock {
    fn new(device: &wgpu::Device) -> Self {
        let (done_sender, done) = channel();
        #[cfg(not(target_arch = "wasm32"))]
        let waiter = {
            let (waiter, frames) = channel::<(u64, Instant, wgpu::SubmissionIndex)>();
            let (device, sender) = (device.clone(), done_sender.clone());
            // One thread per timer waits for each frame's submission in turn, so its completion
            // is seen when it happens, not at the app's next poll. It ends with the timer.
            let spawned = std::thread::Builder::new().name("afterlight frame clock".into()).spawn(
                move || {
                    for (frame, submitted, index) in frames {
                        let wait = wgpu::PollType::Wait {
                            submission_index: Some(index),
                            timeout: Some(std::time::Duration::from_secs(10)),
                        };
                        if let Err(e) = device.poll(wait) {
                            log::warn!("frame clock: waiting for frame {frame}: {e}");
                            continue;
                        }
                        if sender.send((frame, submitted, Instant::now())).is_err() {
                            break;
                        }
                    }
                },
            );
            if let Err(e) = spawned {
                log::warn!("frame clock: no waiting thread ({e}); frame times arrive at polls");
            }
            waiter
        };
        #[cfg(target_arch = "wasm32")]
        let _ = device;
        Self {
            #[cfg(not(target_arch = "wasm32"))]
            waiter,
            done_sender,
            done,
            previous_done: None,
            outstanding: 0,
        }
    }

    /// Frame `frame` was submitted at `submitted`; its work is everything on `queue` so far.
    fn submitted(&mut self, queue: &wgpu::Queue, frame: u64, submitted: Instant) {
        // An empty submission after the frame's: waiting for it waits for the frame.
        let index = queue.submit([]);
        self.outstanding += 1;
        #[cfg(not(target_arch = "wasm32"))]
        if self.waiter.send((frame, submitted, index.clone())).is_ok() {
            return;
        }
        let _ = index;
        let sender = self.done_sender.clone();
        queue.on_submitted_work_done(move || {
            let _ = sender.send((frame, submitted, Instant::now()));
        });
    }

    /// Every frame whose completion has been seen, as a timing without passes.
    fn collect(&mut self, mut push: impl FnMut(FrameTiming)) {
        while let Ok(done) = self.done.try_recv() {
            push(self.timing(done));
        }
    }

    /// Block until every submitted frame's completion has been seen (the GPU is idle: the
    /// waiting thread is about to report them), then [`FrameClock::collect`].
    fn wait(&mut self, mut push: impl FnMut(FrameTiming)) {
        #[cfg(not(target_arch = "wasm32"))]
        while self.outstanding > 0 {
            match self.done.recv_timeout(std::time::Duration::from_secs(10)) {
                Ok(done) => push(self.timing(done)),
                Err(e) => {
                    log::warn!("frame clock: {} frame(s) not reported: {e}", self.outstanding);
                    self.outstanding = 0;
                }
            }
        }
        // The web cannot block: there, what the browser has reported so far.
        self.collect(&mut push);
    }

    fn timing(&mut self, (frame, submitted, done): (u64, Instant, Instant)) -> FrameTiming {
        self.outstanding = self.outstanding.saturating_sub(1);
        let start = self.previous_done.map_or(submitted, |p| p.max(submitted));
        self.previous_done = Some(done);
        let gpu_ms = done.saturating_duration_since(start).as_secs_f64() * 1e3;
        FrameTiming { frame, gpu_ms, cpu_ms: 0.0, passes: Vec::new() }
    }
}

/// GPU timer for frames and passes, by one rung of the timing ladder.
pub struct PassTimer {
    method: TimingMethod,
    /// What was asked for (the method is the best the device allows of it).
    request: TimingRequest,
    /// Timestamp queries (encoder and pass rungs).
    profiler: Option<GpuProfiler>,
    /// The 1x1 target of the pass rung's marker passes.
    marker: Option<wgpu::TextureView>,
    /// Completion times (frame rung).
    clock: Option<FrameClock>,
    /// When the frame being recorded was (about to be) submitted, if the app said so.
    submitted: Option<Instant>,
    /// CPU encode times of the frame being recorded (`scope` takes `&self`).
    cpu: Mutex<Vec<(String, f64)>>,
    /// Submitted frames waiting for results, oldest first; mirrors wgpu-profiler's queue.
    pending: VecDeque<PendingFrame>,
    /// Frames whose results arrived and that `drain` has not returned yet, oldest first.
    finished: VecDeque<FrameTiming>,
    latest: Vec<PassTime>,
    next_frame: u64,
    dropped: u64,
}

/// A submitted frame waiting for its timestamps.
#[derive(Debug)]
struct PendingFrame {
    frame: u64,
    /// `(scope name, CPU ms)` in the order the scopes closed.
    cpu: Vec<(String, f64)>,
}

impl PassTimer {
    /// A timer on `device` by the best rung it has (see [`TimingMethod::best`]).
    pub fn new(device: &wgpu::Device) -> Self {
        Self::with_request(device, TimingRequest::Auto)
    }

    /// A timer by the rung `request` names, or the best the device has where it cannot (with a
    /// logged warning).
    pub fn with_request(device: &wgpu::Device, request: TimingRequest) -> Self {
        let (method, warning) = TimingMethod::resolve(request, device.features());
        if let Some(warning) = warning {
            log::warn!("{warning}");
        }
        // No debug groups: Mesa's lavapipe (22.3) crashes in vkCmdBeginDebugUtilsLabelEXT on
        // encoder-level labels, and every pass is already labelled by name.
        let settings = GpuProfilerSettings {
            enable_debug_groups: false,
            max_num_pending_frames: PENDING_FRAMES,
            ..Default::default()
        };
        let profiler = match method {
            TimingMethod::Frame => None,
            _ => GpuProfiler::new(device, settings)
                .map_err(|e| log::warn!("GPU timing off: {e}"))
                .ok(),
        };
        let marker = (method == TimingMethod::Pass).then(|| marker_view(device));
        let clock = (method == TimingMethod::Frame).then(|| FrameClock::new(device));
        Self {
            method,
            request,
            profiler,
            marker,
            clock,
            submitted: None,
            cpu: Mutex::new(Vec::new()),
            pending: VecDeque::new(),
            finished: VecDeque::new(),
            latest: Vec::new(),
            next_frame: 0,
            dropped: 0,
        }
    }

    /// Switch to the rung `request` names (a preset changed `[budget] timing`); frames still
    /// waiting for results are dropped and frame numbering goes on. Returns whether the rung
    /// changed.
    pub fn set_request(&mut self, device: &wgpu::Device, request: TimingRequest) -> bool {
        if request == self.request {
            return false;
        }
        let mut fresh = Self::with_request(device, request);
        fresh.next_frame = self.next_frame;
        fresh.dropped = self.dropped + self.pending.len() as u64;
        let changed = fresh.method != self.method;
        *self = fresh;
        changed
    }

    /// The rung in use.
    pub fn method(&self) -> TimingMethod {
        self.method
    }

    /// Whether GPU times per pass will arrive (the encoder and pass rungs). Frame times arrive
    /// on every rung.
    pub fn available(&self) -> bool {
        self.method.per_pass() && self.profiler.is_some()
    }

    /// The index the next frame (the next `end_frame`) will get.
    pub fn frame_index(&self) -> u64 {
        self.next_frame
    }

    /// Frames whose timings were dropped: too many were waiting (see [`PENDING_FRAMES`]), or
    /// the frame's queries were left open or unresolved.
    pub fn dropped_frames(&self) -> u64 {
        self.dropped
    }

    /// Run `record` inside a timing scope called `name` (or without one on the frame rung),
    /// noting the CPU time `record` takes.
    pub fn scope<T>(
        &self,
        name: &str,
        encoder: &mut wgpu::CommandEncoder,
        record: impl FnOnce(&mut wgpu::CommandEncoder) -> T,
    ) -> T {
        let Some(profiler) = &self.profiler else { return record(encoder) };
        let start = Instant::now();
        let value = match &self.marker {
            None => {
                let mut scope = profiler.scope(name, encoder);
                record(&mut scope)
            }
            Some(marker) => {
                let query = profiler.begin_pass_query(name, encoder);
                let writes = query.render_pass_timestamp_writes();
                if let Some(w) = &writes {
                    mark(encoder, marker, w.query_set, w.beginning_of_pass_write_index, None);
                }
                let value = record(encoder);
                if let Some(w) = &writes {
                    mark(encoder, marker, w.query_set, None, w.end_of_pass_write_index);
                }
                profiler.end_query(encoder, query);
                value
            }
        };
        let cpu_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut cpu = self.cpu.lock().unwrap_or_else(|e| e.into_inner());
        cpu.push((name.to_string(), cpu_ms));
        value
    }

    /// Close the frame's queries; call after the last scope, before `finish()`.
    pub fn resolve(&mut self, encoder: &mut wgpu::CommandEncoder) {
        if let Some(profiler) = &mut self.profiler {
            profiler.resolve_queries(encoder);
        }
    }

    /// The frame's commands are about to be submitted: the frame rung's GPU time starts now.
    /// (Without this call it starts at [`PassTimer::end_frame`], which is right where
    /// submission returns quickly, as on hardware GPUs; software drivers execute inside
    /// `submit`.)
    pub fn submitting(&mut self) {
        self.submitted = Some(Instant::now());
    }

    /// Mark the frame submitted (it gets the next frame index) and collect any earlier frame
    /// whose results have arrived. Never waits for the GPU.
    pub fn end_frame(&mut self, queue: &wgpu::Queue) {
        let frame = self.next_frame;
        self.next_frame += 1;
        let cpu = std::mem::take(self.cpu.get_mut().unwrap_or_else(|e| e.into_inner()));
        let submitted = self.submitted.take().unwrap_or_else(Instant::now);
        if let Some(clock) = &mut self.clock {
            clock.submitted(queue, frame, submitted);
        }
        let Some(profiler) = &mut self.profiler else { return };
        match profiler.end_frame() {
            Ok(()) => {
                if let Some(dropped) = enqueue(&mut self.pending, PendingFrame { frame, cpu }) {
                    log::debug!("GPU timing of frame {dropped} dropped: too many frames wait");
                    self.dropped += 1;
                }
            }
            Err(e) => {
                log::warn!("GPU timing of frame {frame} dropped: {e}");
                self.dropped += 1;
            }
        }
        self.collect(queue);
    }

    /// Poll the device without blocking and return every frame whose timings arrived since the
    /// last call, oldest first (frames without any timed scope are left out).
    pub fn drain(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) -> Vec<FrameTiming> {
        if let Err(e) = device.poll(wgpu::PollType::Poll) {
            log::warn!("polling the GPU: {e}");
        }
        self.collect(queue);
        self.finished.drain(..).collect()
    }

    /// Wait for the GPU and return every frame whose timings arrived since the last call,
    /// including every frame submitted so far (headless tools, the end of a run: it stalls).
    pub fn wait_for_frames(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
    ) -> Vec<FrameTiming> {
        wait_for_gpu(device);
        if let Some(clock) = &mut self.clock {
            let finished = &mut self.finished;
            clock.wait(|timing| keep_finished(finished, timing));
        }
        self.collect(queue);
        self.finished.drain(..).collect()
    }

    /// End the frame, wait for the GPU and return every scope timed since the last call
    /// (one-off work such as a bake, never a frame loop: it stalls). Empty on the frame rung.
    pub fn finish_blocking(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) -> Vec<PassTime> {
        if self.profiler.is_none() {
            return Vec::new();
        }
        self.end_frame(queue);
        wait_for_gpu(device);
        self.collect(queue);
        self.finished.drain(..).flat_map(|f| f.passes).collect()
    }

    /// Take every finished frame's results (without polling the device), keeping them for
    /// [`PassTimer::drain`] and the newest for [`PassTimer::latest`].
    pub fn collect(&mut self, queue: &wgpu::Queue) {
        if let Some(clock) = &mut self.clock {
            let finished = &mut self.finished;
            clock.collect(|timing| keep_finished(finished, timing));
        }
        let Some(profiler) = &mut self.profiler else { return };
        let period = queue.get_timestamp_period();
        while let Some(results) = profiler.process_finished_frame(period) {
            let Some(pending) = self.pending.pop_front() else {
                log::warn!("GPU timing results for a frame the timer did not submit");
                continue;
            };
            let Some(timing) = frame_timing(pending, &results) else { continue };
            self.latest.clone_from(&timing.passes);
            keep_finished(&mut self.finished, timing);
        }
    }

    /// The most recent frame's pass times that have arrived (empty until then, and on the
    /// frame rung).
    pub fn latest(&self) -> &[PassTime] {
        &self.latest
    }
}

/// Wait for everything submitted to `device` (natively; the web cannot block, and there only
/// what the browser reported already is collected).
fn wait_for_gpu(device: &wgpu::Device) {
    let poll = match cfg!(target_arch = "wasm32") {
        true => wgpu::PollType::Poll,
        false => wgpu::PollType::wait_indefinitely(),
    };
    if let Err(e) = device.poll(poll) {
        log::warn!("waiting for the GPU: {e}");
    }
}

/// Keep a finished frame for [`PassTimer::drain`] (the oldest go past [`MAX_FINISHED`]).
fn keep_finished(finished: &mut VecDeque<FrameTiming>, timing: FrameTiming) {
    if finished.len() == MAX_FINISHED {
        finished.pop_front();
    }
    finished.push_back(timing);
}

/// The pass rung's marker target: 1x1, cleared and discarded, so a marker pass costs nothing
/// but its timestamp.
fn marker_view(device: &wgpu::Device) -> wgpu::TextureView {
    device
        .create_texture(&wgpu::TextureDescriptor {
            label: Some("timing marker"),
            size: wgpu::Extent3d { width: 1, height: 1, depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            view_formats: &[],
        })
        .create_view(&wgpu::TextureViewDescriptor::default())
}

/// An empty render pass on the marker target that writes a timestamp at its beginning or end.
fn mark(
    encoder: &mut wgpu::CommandEncoder,
    marker: &wgpu::TextureView,
    query_set: &wgpu::QuerySet,
    beginning_of_pass_write_index: Option<u32>,
    end_of_pass_write_index: Option<u32>,
) {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("timing marker"),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view: marker,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                store: wgpu::StoreOp::Discard,
            },
        })],
        timestamp_writes: Some(wgpu::RenderPassTimestampWrites {
            query_set,
            beginning_of_pass_write_index,
            end_of_pass_write_index,
        }),
        ..Default::default()
    });
}

/// Queue a submitted frame as wgpu-profiler 0.28 queues its own (`GpuProfiler::end_frame`): when
/// [`PENDING_FRAMES`] already wait, the newest waiting one is dropped to make room (the oldest
/// are closest to done). Returns the dropped frame's index.
fn enqueue(pending: &mut VecDeque<PendingFrame>, frame: PendingFrame) -> Option<u64> {
    let dropped =
        if pending.len() >= PENDING_FRAMES { pending.pop_back().map(|f| f.frame) } else { None };
    pending.push_back(frame);
    dropped
}

/// Pair a frame's GPU results with its CPU encode times (by name, in order); `None` when no
/// scope has a GPU time.
fn frame_timing(pending: PendingFrame, results: &[GpuTimerQueryResult]) -> Option<FrameTiming> {
    let mut cpu: Vec<Option<(String, f64)>> = pending.cpu.into_iter().map(Some).collect();
    let mut passes = Vec::new();
    let (mut begin, mut end) = (f64::INFINITY, f64::NEG_INFINITY);
    for result in results {
        let Some(time) = &result.time else { continue };
        begin = begin.min(time.start);
        end = end.max(time.end);
        let cpu_ms = cpu
            .iter_mut()
            .find(|c| c.as_ref().is_some_and(|(name, _)| *name == result.label))
            .and_then(Option::take)
            .map_or(0.0, |(_, ms)| ms);
        passes.push(PassTime {
            name: result.label.clone(),
            ms: (time.end - time.start) * 1e3,
            cpu_ms,
        });
    }
    if passes.is_empty() {
        return None;
    }
    Some(FrameTiming {
        frame: pending.frame,
        gpu_ms: (end - begin) * 1e3,
        cpu_ms: passes.iter().map(|p| p.cpu_ms).sum(),
        passes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_picks_the_best_rung_and_honours_any_it_can() {
        use wgpu::Features as F;
        let all = F::TIMESTAMP_QUERY | F::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        let cases = [
            (all, TimingMethod::Encoder),
            (F::TIMESTAMP_QUERY, TimingMethod::Pass),
            (F::TIMESTAMP_QUERY_INSIDE_ENCODERS, TimingMethod::Frame),
            (F::empty(), TimingMethod::Frame),
        ];
        for (features, best) in cases {
            assert_eq!(TimingMethod::best(features), best, "{features:?}");
            assert_eq!(TimingMethod::resolve(TimingRequest::Auto, features), (best, None));
            // Every rung at or below the best is honoured as asked.
            for method in TimingMethod::ALL.into_iter().filter(|m| *m as u8 >= best as u8) {
                assert_eq!(TimingMethod::resolve(method.into(), features), (method, None));
            }
        }
        // A rung the device lacks falls back to its best, with a warning naming both.
        let (method, warning) = TimingMethod::resolve(TimingRequest::Encoder, F::TIMESTAMP_QUERY);
        assert_eq!(method, TimingMethod::Pass);
        let warning = warning.expect("a warning");
        assert!(warning.contains("'encoder'") && warning.contains("'pass'"), "{warning}");
        assert!(!TimingMethod::Frame.per_pass() && TimingMethod::Pass.per_pass());
    }

    #[test]
    fn timing_requests_parse_from_presets_and_the_command_line() {
        for (text, request) in [
            ("auto", TimingRequest::Auto),
            ("Encoder", TimingRequest::Encoder),
            (" pass ", TimingRequest::Pass),
            ("frame", TimingRequest::Frame),
        ] {
            assert_eq!(TimingRequest::parse(text), Ok(request));
        }
        let err = TimingRequest::parse("gpu").expect_err("unknown");
        assert!(err.contains("auto, encoder, pass or frame"), "{err}");
        #[derive(serde::Deserialize)]
        struct Table {
            timing: TimingRequest,
        }
        let table: Table = toml::from_str("timing = \"frame\"").expect("parses");
        assert_eq!(table.timing, TimingRequest::Frame);
        assert!(toml::from_str::<Table>("timing = \"fast\"").is_err());
    }

    fn result(label: &str, start_ms: f64, end_ms: f64) -> GpuTimerQueryResult {
        GpuTimerQueryResult {
            label: label.into(),
            pid: 0,
            tid: std::thread::current().id(),
            time: Some(start_ms * 1e-3..end_ms * 1e-3),
            nested_queries: Vec::new(),
        }
    }

    #[test]
    fn frame_timing_spans_first_begin_to_last_end_and_pairs_cpu_times_by_name() {
        let pending = PendingFrame {
            frame: 7,
            cpu: vec![("a".into(), 0.5), ("b".into(), 0.25), ("a".into(), 1.0)],
        };
        let results = [result("a", 1.0, 2.0), result("b", 2.0, 4.0), result("a", 3.0, 3.5)];
        let t = frame_timing(pending, &results).expect("timed");
        assert_eq!(t.frame, 7);
        assert!((t.gpu_ms - 3.0).abs() < 1e-9, "{t:?}");
        assert!((t.cpu_ms - 1.75).abs() < 1e-9, "{t:?}");
        let cpu: Vec<f64> = t.passes.iter().map(|p| p.cpu_ms).collect();
        assert_eq!(cpu, [0.5, 0.25, 1.0]);
    }

    #[test]
    fn a_full_queue_drops_its_newest_waiting_frame_like_wgpu_profiler() {
        let mut pending = VecDeque::new();
        let total = PENDING_FRAMES as u64 + 2;
        let dropped: Vec<u64> = (0..total)
            .filter_map(|frame| enqueue(&mut pending, PendingFrame { frame, cpu: Vec::new() }))
            .collect();
        let n = PENDING_FRAMES as u64;
        assert_eq!(dropped, [n - 1, n]);
        let waiting: Vec<u64> = pending.iter().map(|f| f.frame).collect();
        let mut expected: Vec<u64> = (0..n - 1).collect();
        expected.push(n + 1);
        assert_eq!(waiting, expected);
    }

    #[test]
    fn a_frame_without_timed_scopes_gives_nothing() {
        let pending = PendingFrame { frame: 0, cpu: Vec::new() };
        let mut untimed = result("a", 0.0, 1.0);
        untimed.time = None;
        assert!(frame_timing(pending, &[untimed]).is_none());
    }
}

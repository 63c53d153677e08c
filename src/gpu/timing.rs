//! GPU time per pass from timestamp queries, through `wgpu-profiler`: each step of the frame
//! recipe is a scope; results arrive a few frames late and are never waited for in a frame.
//! Without timestamp support the timer records nothing and says so (`available()`), it is
//! never fed CPU times.
//!
//! Frames are numbered by the timer (`end_frame` hands out the next index). wgpu-profiler
//! returns finished frames in submission order, so the timer keeps a FIFO of the frames waiting
//! for their timestamps (with the CPU encode times recorded for each) and pairs one with every
//! result that comes back. When more than [`PENDING_FRAMES`] frames wait, wgpu-profiler drops the
//! *newest* waiting frame; the FIFO mirrors that, so indices stay right and the drop shows as a
//! gap in the frame numbers (and in [`PassTimer::dropped_frames`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use wgpu_profiler::{GpuProfiler, GpuProfilerSettings, GpuTimerQueryResult};

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
    /// Whole-frame GPU span in milliseconds: earliest scope begin to latest scope end. This is
    /// what a budget steers on; on tile-based GPUs passes overlap and their sum overstates it.
    pub gpu_ms: f64,
    /// Sum of the passes' CPU encode milliseconds.
    pub cpu_ms: f64,
    /// Each timed scope, in recording order.
    pub passes: Vec<PassTime>,
}

/// A submitted frame waiting for its timestamps.
#[derive(Debug)]
struct PendingFrame {
    frame: u64,
    /// `(scope name, CPU ms)` in the order the scopes closed.
    cpu: Vec<(String, f64)>,
}

/// Per-pass GPU timer.
pub struct PassTimer {
    profiler: Option<GpuProfiler>,
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

impl PassTimer {
    /// A timer on `device`; inert when the device was created without
    /// [`super::TIMER_FEATURES`].
    pub fn new(device: &wgpu::Device) -> Self {
        // No debug groups: Mesa's lavapipe (22.3) crashes in vkCmdBeginDebugUtilsLabelEXT on
        // encoder-level labels, and every pass is already labelled by name.
        let settings = GpuProfilerSettings {
            enable_debug_groups: false,
            max_num_pending_frames: PENDING_FRAMES,
            ..Default::default()
        };
        let timestamps = device.features().contains(super::TIMER_FEATURES);
        let profiler = timestamps.then(|| GpuProfiler::new(device, settings).ok()).flatten();
        Self {
            profiler,
            cpu: Mutex::new(Vec::new()),
            pending: VecDeque::new(),
            finished: VecDeque::new(),
            latest: Vec::new(),
            next_frame: 0,
            dropped: 0,
        }
    }

    /// Whether GPU times will arrive.
    pub fn available(&self) -> bool {
        self.profiler.is_some()
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

    /// Run `record` inside a timing scope called `name` (or without one when unavailable),
    /// noting the CPU time `record` takes.
    pub fn scope<T>(
        &self,
        name: &str,
        encoder: &mut wgpu::CommandEncoder,
        record: impl FnOnce(&mut wgpu::CommandEncoder) -> T,
    ) -> T {
        match &self.profiler {
            Some(profiler) => {
                let mut scope = profiler.scope(name, encoder);
                let start = Instant::now();
                let value = record(&mut scope);
                let cpu_ms = start.elapsed().as_secs_f64() * 1e3;
                let mut cpu = self.cpu.lock().unwrap_or_else(|e| e.into_inner());
                cpu.push((name.to_string(), cpu_ms));
                value
            }
            None => record(encoder),
        }
    }

    /// Close the frame's queries; call after the last scope, before `finish()`.
    pub fn resolve(&mut self, encoder: &mut wgpu::CommandEncoder) {
        if let Some(profiler) = &mut self.profiler {
            profiler.resolve_queries(encoder);
        }
    }

    /// Mark the frame submitted (it gets the next frame index) and collect any earlier frame
    /// whose results have arrived. Never waits for the GPU.
    pub fn end_frame(&mut self, queue: &wgpu::Queue) {
        let frame = self.next_frame;
        self.next_frame += 1;
        let cpu = std::mem::take(self.cpu.get_mut().unwrap_or_else(|e| e.into_inner()));
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
        if self.profiler.is_none() {
            return Vec::new();
        }
        if let Err(e) = device.poll(wgpu::PollType::Poll) {
            log::warn!("polling the GPU: {e}");
        }
        self.collect(queue);
        self.finished.drain(..).collect()
    }

    /// End the frame, wait for the GPU and return every scope timed since the last call
    /// (one-off work such as a bake, never a frame loop: it stalls).
    pub fn finish_blocking(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) -> Vec<PassTime> {
        if self.profiler.is_none() {
            return Vec::new();
        }
        self.end_frame(queue);
        if let Err(e) = device.poll(wgpu::PollType::wait_indefinitely()) {
            log::warn!("waiting for the GPU: {e}");
        }
        self.collect(queue);
        self.finished.drain(..).flat_map(|f| f.passes).collect()
    }

    /// Take every finished frame's results (without polling the device), keeping them for
    /// [`PassTimer::drain`] and the newest for [`PassTimer::latest`].
    pub fn collect(&mut self, queue: &wgpu::Queue) {
        let Some(profiler) = &mut self.profiler else { return };
        let period = queue.get_timestamp_period();
        while let Some(results) = profiler.process_finished_frame(period) {
            let Some(pending) = self.pending.pop_front() else {
                log::warn!("GPU timing results for a frame the timer did not submit");
                continue;
            };
            let Some(timing) = frame_timing(pending, &results) else { continue };
            self.latest.clone_from(&timing.passes);
            if self.finished.len() == MAX_FINISHED {
                self.finished.pop_front();
            }
            self.finished.push_back(timing);
        }
    }

    /// The most recent frame's times that have arrived (empty until then).
    pub fn latest(&self) -> &[PassTime] {
        &self.latest
    }
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

//! GPU time per pass from timestamp queries, through `wgpu-profiler`: each step of the frame
//! recipe is a scope; results arrive a few frames late and are never waited for in a frame.
//! Without timestamp support the timer records nothing and says so (`available()`), it is
//! never fed CPU times.

use wgpu_profiler::{GpuProfiler, GpuProfilerSettings, GpuTimerQueryResult};

use super::Gpu;

/// GPU milliseconds of one pass in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct PassTime {
    /// The pass's name (its wgpu label and timing scope).
    pub name: String,
    /// GPU time in milliseconds.
    pub ms: f64,
}

/// Per-pass GPU timer.
pub struct PassTimer {
    profiler: Option<GpuProfiler>,
    latest: Vec<PassTime>,
}

impl PassTimer {
    /// A timer on `gpu`; inert when the device has no timestamp queries.
    pub fn new(gpu: &Gpu) -> Self {
        // No debug groups: Mesa's lavapipe (22.3) crashes in vkCmdBeginDebugUtilsLabelEXT on
        // encoder-level labels, and every pass is already labelled by name.
        let settings = GpuProfilerSettings { enable_debug_groups: false, ..Default::default() };
        let profiler =
            gpu.timestamps.then(|| GpuProfiler::new(&gpu.device, settings).ok()).flatten();
        Self { profiler, latest: Vec::new() }
    }

    /// Whether GPU times will arrive.
    pub fn available(&self) -> bool {
        self.profiler.is_some()
    }

    /// Run `record` inside a timing scope called `name` (or without one when unavailable).
    pub fn scope<T>(
        &self,
        name: &str,
        encoder: &mut wgpu::CommandEncoder,
        record: impl FnOnce(&mut wgpu::CommandEncoder) -> T,
    ) -> T {
        match &self.profiler {
            Some(profiler) => {
                let mut scope = profiler.scope(name, encoder);
                record(&mut scope)
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

    /// Mark the frame submitted and collect any earlier frame whose results have arrived.
    pub fn end_frame(&mut self, gpu: &Gpu) {
        let Some(profiler) = &mut self.profiler else { return };
        if let Err(e) = profiler.end_frame() {
            log::warn!("GPU timing frame dropped: {e}");
        }
        self.collect(gpu);
    }

    /// End the frame, wait for the GPU and return every scope timed since the last call
    /// (one-off work such as a bake, never a frame loop: it stalls).
    pub fn finish_blocking(&mut self, gpu: &Gpu) -> Vec<PassTime> {
        let Some(profiler) = &mut self.profiler else { return Vec::new() };
        if let Err(e) = profiler.end_frame() {
            log::warn!("GPU timing frame dropped: {e}");
        }
        if let Err(e) = gpu.device.poll(wgpu::PollType::wait_indefinitely()) {
            log::warn!("waiting for the GPU: {e}");
        }
        let mut all = Vec::new();
        while let Some(results) = profiler.process_finished_frame(gpu.queue.get_timestamp_period())
        {
            all.extend(flatten(&results));
        }
        all
    }

    /// Take every finished frame's results, keeping the newest.
    pub fn collect(&mut self, gpu: &Gpu) {
        let Some(profiler) = &mut self.profiler else { return };
        while let Some(results) = profiler.process_finished_frame(gpu.queue.get_timestamp_period())
        {
            self.latest = flatten(&results);
        }
    }

    /// The most recent frame's times that have arrived (empty until then).
    pub fn latest(&self) -> &[PassTime] {
        &self.latest
    }
}

fn flatten(results: &[GpuTimerQueryResult]) -> Vec<PassTime> {
    results
        .iter()
        .filter_map(|r| {
            r.time.as_ref().map(|t| PassTime { name: r.label.clone(), ms: (t.end - t.start) * 1e3 })
        })
        .collect()
}

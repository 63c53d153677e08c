//! A budgeted run of the renderer, recorded as a [`BudgetTrace`]: what `afterlight bench
//! --budget` and the end-to-end budget test do.

use crate::Error;
use crate::gpu::Gpu;
use crate::post::budget::BudgetTrace;
use crate::render::{RenderOptions, Renderer};
use crate::scene::Camera;

/// Frames allowed to run ahead of their timings before the loop waits for the GPU, as a
/// swapchain would; it bounds the queue of a headless loop.
pub const MAX_FRAMES_IN_FLIGHT: u64 = 3;

/// Render `frames` frames with `options` (its `post.budget` governs), the camera for each frame
/// from `camera(frame)`, and record every frame's GPU time, the knobs it ran with and the
/// governor's decisions.
pub fn record_trace(
    gpu: &Gpu,
    renderer: &mut Renderer,
    options: &RenderOptions,
    frames: u64,
    mut camera: impl FnMut(u64) -> Camera,
) -> Result<BudgetTrace, Error> {
    let budget = options.post.budget.validated().0;
    let mut trace = BudgetTrace::new(budget.budget_ms(), budget.limit_ms());
    let mut newest_measured: Option<u64> = None;
    for i in 0..frames {
        let frame = renderer.frame_index();
        renderer.render(gpu, &camera(i), options)?;
        trace.push_frame(frame, &renderer.governor().knobs());
        if newest_measured.map_or(i, |m| frame - m) >= MAX_FRAMES_IN_FLIGHT {
            // Bound the queue: wait until earlier frames are done (timings then arrive).
            gpu.wait_idle();
        }
        for timing in renderer.frame_timings() {
            trace.set_gpu_ms(timing.frame, timing.gpu_ms);
            newest_measured = Some(newest_measured.map_or(timing.frame, |m| m.max(timing.frame)));
        }
    }
    for timing in renderer.wait_for_frame_timings() {
        trace.set_gpu_ms(timing.frame, timing.gpu_ms);
    }
    trace.set_decisions(renderer.governor().decisions());
    trace.status = renderer.governor().status().to_owned();
    trace.outside_knobs_ms = renderer.governor().outside_knobs_ms();
    trace.timing = renderer.timing_method().name().to_owned();
    Ok(trace)
}

//! A budget run written down: each frame's GPU time against the budget line and each knob's
//! level over time, as JSON (for tools) and as a PNG chart (for people).
//!
//! The chart has the frame time on top (grey line, one pixel column per frame or group of
//! frames, budget in red, the governor's steering line in orange) and one lane per knob
//! below it, in the governor's knob order (the render scale, the built-in passes in the chain's
//! order, then the user passes), whose height is the knob's level (tiers off..ultra, a user
//! pass off or on, render scale 0.5..1) in that knob's colour. [`BudgetTrace::legend`] names
//! the lanes.

use std::path::Path;

use serde::Serialize;

use super::{Decision, Knob, KnobLevel};

const LANE_COLOURS: [[u8; 3]; 11] = [
    [66, 133, 244],
    [219, 68, 55],
    [15, 157, 88],
    [244, 180, 0],
    [171, 71, 188],
    [0, 172, 193],
    [255, 112, 67],
    [158, 157, 36],
    [121, 85, 72],
    [233, 30, 99],
    [96, 125, 139],
];

/// One frame of a trace.
#[derive(Clone, Debug, Serialize)]
pub struct TraceFrame {
    /// Frame index.
    pub frame: u64,
    /// Whole-frame GPU time, ms (absent while it was still in flight).
    pub gpu_ms: Option<f64>,
    /// Each knob's level this frame ran with: tier index 0 (off)..4 (ultra), or the scale.
    pub knobs: Vec<(String, f32)>,
}

/// A whole run.
#[derive(Clone, Debug, Serialize)]
pub struct BudgetTrace {
    /// The frame budget, ms.
    pub budget_ms: f64,
    /// What the governor steers to, ms.
    pub limit_ms: f64,
    /// Every frame, in order.
    pub frames: Vec<TraceFrame>,
    /// Every decision, as one line of text each.
    pub decisions: Vec<String>,
    /// The governor's status at the end of the run.
    pub status: String,
    /// GPU ms per frame that no knob reaches at the end of the run (median of the governor's
    /// window: [`super::Governor::outside_knobs_ms`]); `None` without per-pass times.
    pub outside_knobs_ms: Option<f64>,
    /// The rung of the timing ladder that measured the frames (`encoder`, `pass`, `frame`).
    pub timing: String,
}

impl BudgetTrace {
    /// An empty trace for a budget.
    pub fn new(budget_ms: f64, limit_ms: f64) -> Self {
        Self {
            budget_ms,
            limit_ms,
            frames: Vec::new(),
            decisions: Vec::new(),
            status: String::new(),
            outside_knobs_ms: None,
            timing: String::new(),
        }
    }

    /// Add a frame with the knob levels it ran with.
    pub fn push_frame(&mut self, frame: u64, knobs: &[(Knob, KnobLevel)]) {
        let knobs =
            knobs.iter().map(|(k, level)| (k.name().to_owned(), level.lane_value())).collect();
        self.frames.push(TraceFrame { frame, gpu_ms: None, knobs });
    }

    /// The chart's caption: what the plot shows and the lanes from the top, named after the
    /// knobs the run had.
    pub fn legend(&self) -> String {
        let lanes: Vec<&str> = self
            .frames
            .first()
            .map(|f| f.knobs.iter().map(|(name, _)| name.as_str()).collect())
            .unwrap_or_default();
        format!(
            "top: frame GPU ms (grey), budget (red), steering line (orange); lanes below, top to \
             bottom: {} (height = tier off..ultra, user pass off/on, scale 0.5..1)",
            lanes.join(", ")
        )
    }

    /// Record a frame's measured GPU time (it arrives a few frames late).
    pub fn set_gpu_ms(&mut self, frame: u64, ms: f64) {
        if let Some(f) = self.frames.iter_mut().rev().find(|f| f.frame == frame) {
            f.gpu_ms = Some(ms);
        }
    }

    /// Keep the decisions.
    pub fn set_decisions(&mut self, decisions: &[Decision]) {
        self.decisions = decisions.iter().map(ToString::to_string).collect();
    }

    /// The measured frame times, in frame order.
    pub fn measured_ms(&self) -> Vec<f64> {
        self.frames.iter().filter_map(|f| f.gpu_ms).collect()
    }

    /// The trace as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Draw the chart (`width` × `height` pixels, at least 64 × 64).
    pub fn chart(&self, width: u32, height: u32) -> image::RgbImage {
        let (w, h) = (width.max(64), height.max(64));
        let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
        let n = self.frames.len();
        if n == 0 {
            return img;
        }
        let plot_h = h * 2 / 5;
        let lanes = self.frames[0].knobs.len().max(1) as u32;
        let lane_h = (h - plot_h - 4) / lanes;
        let top_ms = self
            .measured_ms()
            .into_iter()
            .fold(self.budget_ms * 1.5, f64::max)
            .min(self.budget_ms * 4.0);
        let y_of = |ms: f64| {
            let t = (ms / top_ms).clamp(0.0, 1.0);
            (f64::from(plot_h - 1) * (1.0 - t)) as u32
        };
        let frames_in = |x: u32| {
            let a = (x as usize * n / w as usize).min(n - 1);
            let b = ((x as usize + 1) * n / w as usize).clamp(a + 1, n);
            &self.frames[a..b]
        };
        for x in 0..w {
            let column = frames_in(x);
            for (ms, colour) in [(self.budget_ms, [220, 40, 40]), (self.limit_ms, [255, 150, 0])] {
                img.put_pixel(x, y_of(ms), image::Rgb(colour));
            }
            let measured: Vec<f64> = column.iter().filter_map(|f| f.gpu_ms).collect();
            if let (Some(lo), Some(hi)) = (
                measured.iter().copied().reduce(f64::min),
                measured.iter().copied().reduce(f64::max),
            ) {
                for y in y_of(hi)..=y_of(lo) {
                    img.put_pixel(x, y, image::Rgb([90, 90, 90]));
                }
            }
            let Some(frame) = column.first() else { continue };
            for (lane, (name, value)) in frame.knobs.iter().enumerate().take(lanes as usize) {
                let level = if name == "render_scale" {
                    ((value - 0.5) / 0.5).clamp(0.0, 1.0)
                } else {
                    (value / 4.0).clamp(0.0, 1.0)
                };
                let lane_top = plot_h + 4 + lane as u32 * lane_h;
                let filled = ((lane_h.saturating_sub(2)) as f32 * level).round() as u32;
                let bottom = lane_top + lane_h.saturating_sub(2);
                img.put_pixel(x, bottom, image::Rgb([200, 200, 200]));
                for y in bottom.saturating_sub(filled)..bottom {
                    img.put_pixel(x, y, image::Rgb(LANE_COLOURS[lane % LANE_COLOURS.len()]));
                }
            }
        }
        img
    }

    /// Write the chart as a PNG.
    pub fn write_png(&self, path: &Path, width: u32, height: u32) -> Result<(), crate::Error> {
        self.chart(width, height)
            .save(path)
            .map_err(|e| crate::Error::Output { path: path.to_owned(), reason: e.to_string() })
    }
}

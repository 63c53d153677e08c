//! A budget run written down: each frame's GPU time against the budget line and each knob's
//! level over time, and the governor's decisions, as JSON (for tools); `bench::trace_chart`
//! draws it for people (feature `charts`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Decision, Knob, KnobLevel};

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
    /// The first frame each decision ran with, in the order of `decisions`.
    pub decision_frames: Vec<u64>,
    /// What each knob's lane value is: `tier` (0 off ..4 ultra), `switch` (a user pass: 0 off,
    /// 3 on) or `scale` (the render scale, 0.5..1).
    pub knob_kinds: BTreeMap<String, String>,
    /// What was run (scene, preset, size, adapter), for the chart's title; empty if unknown.
    pub context: String,
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
            decision_frames: Vec::new(),
            knob_kinds: BTreeMap::new(),
            context: String::new(),
            status: String::new(),
            outside_knobs_ms: None,
            timing: String::new(),
        }
    }

    /// Add a frame with the knob levels it ran with.
    pub fn push_frame(&mut self, frame: u64, knobs: &[(Knob, KnobLevel)]) {
        for (knob, level) in knobs {
            let kind = match level {
                KnobLevel::Tier(_) => "tier",
                KnobLevel::Switch(_) => "switch",
                KnobLevel::Scale(_) => "scale",
            };
            self.knob_kinds.entry(knob.name().to_owned()).or_insert_with(|| kind.to_owned());
        }
        let knobs =
            knobs.iter().map(|(k, level)| (k.name().to_owned(), level.lane_value())).collect();
        self.frames.push(TraceFrame { frame, gpu_ms: None, knobs });
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
        self.decision_frames = decisions.iter().map(|d| d.frame).collect();
    }

    /// The measured frame times, in frame order.
    pub fn measured_ms(&self) -> Vec<f64> {
        self.frames.iter().filter_map(|f| f.gpu_ms).collect()
    }

    /// The trace as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

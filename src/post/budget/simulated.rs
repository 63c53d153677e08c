//! A simulated GPU to test the governor against: a per-pass cost model with noise, spikes,
//! slow thermal drift, passes that overlap (as on tile-based GPUs) and results that arrive
//! a few frames late, like real timestamp queries.
//!
//! Its tier costs deliberately differ from the governor's prior table, so the governor has
//! to measure and learn rather than read its own assumptions back.

use std::collections::VecDeque;

use crate::gpu::{FrameTiming, PassTime};
use crate::post::Tier;
use crate::post::settings::{BUILT_IN, PostSettings, built_in, effective_fxaa};

/// One pass of the simulated frame.
#[derive(Clone, Debug)]
pub struct SimulatedPass {
    /// Timing scope name (`"ao"`, `"gbuffer"`, a user pass's name, ...).
    pub name: String,
    /// Milliseconds at tier High and render scale 1.
    pub high_ms: f64,
    /// Cost of each tier relative to High (off, low, medium, high, ultra).
    pub tier_cost: [f64; 5],
    /// Whether the cost follows the render scale (pixels drawn before the upscale).
    pub scaled: bool,
}

/// The simulated GPU; see the module documentation.
#[derive(Clone, Debug)]
pub struct SimulatedGpu {
    /// The frame's passes, in order.
    pub passes: Vec<SimulatedPass>,
    /// Standard deviation of each pass's time, relative to it (Gaussian).
    pub noise: f64,
    /// Frames on which the whole frame takes `spike_factor` times as long.
    pub spike_frames: Vec<u64>,
    /// How much longer a spike frame takes.
    pub spike_factor: f64,
    /// Slow thermal drift: every pass costs `1 + drift_per_frame × frame` times as much, up to
    /// `1 + drift_limit`.
    pub drift_per_frame: f64,
    /// The most the drift adds.
    pub drift_limit: f64,
    /// Fraction of each pass that runs under the previous one (0: sequential; tile-based GPUs
    /// overlap vertex and fragment work of neighbouring passes). Per-pass times stay whole,
    /// so they add up to more than the frame.
    pub overlap: f64,
    /// Frames before a frame's timing can be read.
    pub latency: u64,
    /// Multiplier on every cost: a scene getting heavier or lighter.
    pub load: f64,
    rng: u64,
    in_flight: VecDeque<FrameTiming>,
}

impl SimulatedGpu {
    /// A mobile-class GPU running the full chain at 1080p-like cost: about 16 ms at High,
    /// sequential passes, 2 % noise, results 3 frames late.
    pub fn mobile(seed: u64) -> Self {
        let pass = |name: &str, high_ms, tier_cost, scaled| SimulatedPass {
            name: name.to_owned(),
            high_ms,
            tier_cost,
            scaled,
        };
        let fixed = [1.0; 5];
        let mut passes = vec![
            // A shadow map redrawn every frame (something moves): its fill by tier.
            pass("shadows", 1.0, [0.0, 0.2, 0.4, 1.0, 2.5], false),
            pass("gbuffer", 2.2, fixed, true),
            pass("ao", 2.6, [0.0, 0.25, 0.45, 1.0, 1.9], true),
            pass("lighting", 2.4, fixed, true),
            pass("forward", 0.4, fixed, true),
            pass("taa", 1.6, [0.0, 0.7, 0.85, 1.0, 1.2], false),
            pass("exposure", 0.5, [0.0, 0.3, 0.55, 1.0, 1.5], false),
            pass("bloom", 2.0, [0.0, 0.5, 0.7, 1.0, 1.4], false),
            pass("finish", 1.2, [0.8, 0.8, 0.9, 1.0, 1.0], false),
            pass("smaa", 0.9, [0.0, 0.9, 0.95, 1.0, 1.1], false),
            pass("fxaa", 0.7, [0.0, 0.6, 0.8, 1.0, 1.3], false),
            pass("sharpen", 0.6, [0.0, 0.7, 0.85, 1.0, 1.1], false),
            pass("upscale", 0.5, [0.4, 0.4, 0.6, 1.0, 1.0], false),
        ];
        // Every other built-in pass with a knob, from its contract: its prior share of a
        // 16 ms frame, tiers a little steeper than the governor's table.
        for builtin in BUILT_IN {
            if let Some(knob) = builtin.contract.knob
                && !passes.iter().any(|p| p.name == builtin.name())
            {
                let cost = [0.0, 0.35, 0.55, 1.0, 1.7];
                passes.push(pass(
                    builtin.name(),
                    16.0 * knob.prior_share,
                    cost,
                    knob.at_render_size,
                ));
            }
        }
        Self {
            passes,
            noise: 0.02,
            spike_frames: Vec::new(),
            spike_factor: 3.0,
            drift_per_frame: 0.0,
            drift_limit: 0.0,
            overlap: 0.0,
            latency: 3,
            load: 1.0,
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            in_flight: VecDeque::new(),
        }
    }

    /// The noise-free cost of one frame under `settings` at `frame` (drift and load included,
    /// no spike), ms.
    pub fn expected_ms(&self, settings: &PostSettings, frame: u64) -> f64 {
        let ms: Vec<f64> = self.passes.iter().map(|p| self.pass_ms(p, settings, frame)).collect();
        self.span(&ms)
    }

    /// Render frame `frame`; returns the timings that can be read now (frames at least
    /// `latency` old), oldest first.
    pub fn render(&mut self, frame: u64, settings: &PostSettings) -> Vec<FrameTiming> {
        let spike = if self.spike_frames.contains(&frame) { self.spike_factor } else { 1.0 };
        let mut passes = Vec::new();
        let mut times = Vec::new();
        for i in 0..self.passes.len() {
            let base = self.pass_ms(&self.passes[i], settings, frame);
            if base <= 0.0 {
                continue;
            }
            let noisy = (base * (1.0 + self.noise * self.gaussian()) * spike).max(0.0);
            times.push(noisy);
            passes.push(PassTime { name: self.passes[i].name.clone(), ms: noisy, cpu_ms: 0.05 });
        }
        let gpu_ms = self.span(&times);
        let cpu_ms = passes.iter().map(|p| p.cpu_ms).sum();
        self.in_flight.push_back(FrameTiming { frame, gpu_ms, cpu_ms, passes });
        let mut ready = Vec::new();
        while self.in_flight.front().is_some_and(|t| t.frame + self.latency <= frame) {
            ready.extend(self.in_flight.pop_front());
        }
        ready
    }

    fn pass_ms(&self, pass: &SimulatedPass, settings: &PostSettings, frame: u64) -> f64 {
        let user = settings.custom.iter().find(|c| c.name == pass.name);
        let tier = match (pass.name.as_str(), built_in(&pass.name), user) {
            ("fxaa", ..) => effective_fxaa(settings).tier,
            (_, Some(builtin), _) => (builtin.tier)(settings),
            (_, None, Some(user)) if !user.enabled => Tier::Off,
            _ => Tier::High,
        };
        let upscaled = settings.render_scale < 1.0 && !settings.taa.tier.is_on();
        if pass.name == "upscale" && !upscaled {
            return 0.0;
        }
        let scale = f64::from(settings.render_scale);
        let pixels = if pass.scaled { scale * scale } else { 1.0 };
        let drift = 1.0 + (self.drift_per_frame * frame as f64).min(self.drift_limit);
        pass.high_ms * pass.tier_cost[tier as usize] * pixels * drift * self.load
    }

    /// Frame span of passes run in order, each starting `overlap` of its length before the
    /// previous one ends.
    fn span(&self, ms: &[f64]) -> f64 {
        let mut end = 0.0f64;
        for &t in ms {
            let start = (end - self.overlap * t).max(0.0);
            end = end.max(start + t);
        }
        end
    }

    /// A standard normal sample (xorshift64 and Box-Muller).
    fn gaussian(&mut self) -> f64 {
        let mut uniform = || {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            ((self.rng >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (u, v) = (uniform(), uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

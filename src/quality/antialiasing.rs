//! Anti-aliasing measured against a supersampled reference.
//!
//! The reference is the mean of many frames rendered with anti-aliasing off, each rasterised
//! at its own sub-pixel offset (a jittered `n x n` grid: one uniformly random point in each
//! stratum), averaged in linear display light. That is the box-filtered image an infinitely
//! fine display would show, so it is what TAA converges towards and FXAA and SMAA approximate.
//!
//! The measures, each computed for every method (none, FXAA, SMAA, TAA) on the same scene:
//! - **static error**: PSNR against the reference after the method converged (TAA: 32 frames,
//!   then the mean squared error of the next [`STATIC_POOLED_FRAMES`], a whole jitter cycle)
//!   on a still camera;
//! - **edge error**: on the same still frames, the mean absolute error over the reference's
//!   edge pixels only ([`edge_mask`]), where aliasing is (the static PSNR is mostly flat
//!   pixels every method leaves alone);
//! - **still repeat**: the largest change of any pixel between consecutive still frames: 0 for
//!   a method without history or jitter (none, FXAA, SMAA: no ghosting by construction), TAA's
//!   jitter and history make it move;
//! - **ghosting**: mean absolute error, against the reference of the same frame, in the
//!   region a moving object uncovered during the last few frames (where a stale history
//!   leaves a trail): pixels the object covered in one of its previous [`GHOST_TRAIL_FRAMES`]
//!   positions and does not cover now, judged against a depth image without the object. It is
//!   pooled over the last [`GHOST_MEASURED_FRAMES`] frames of the motion, each against its own
//!   reference, so the jitter phase of a single frame does not decide the score;
//! - **flicker**: on a slowly panning camera, how much each frame-to-frame change differs from
//!   the reference's own change (0 = changes exactly as the supersampled image does; aliasing
//!   crawl and TAA instability both add to it).
//!
//! All errors are taken on sRGB-encoded values in `0..=1` (closer to what people see than
//! linear light). Frame settings are made deterministic first (no grain, no dither, fixed
//! exposure), so only the anti-aliasing differs between runs.

use glam::{Mat4, Vec2, Vec3};

use crate::Error;
use crate::gpu::Gpu;
use crate::post::Tier;
use crate::post::chain::PostSettings;
use crate::post::exposure::ExposureMode;
use crate::post::fxaa::FxaaSettings;
use crate::post::smaa::SmaaSettings;
use crate::post::taa::TaaSettings;
use crate::render::{RenderOptions, Renderer};
use crate::scene::Camera;

/// Frames TAA gets to converge on a still camera before it is measured.
pub const TAA_CONVERGENCE_FRAMES: u32 = 32;

/// Frames after TAA converged whose error is pooled into its static score: a whole cycle of
/// either jitter sequence (8 or 16 frames), so the score does not depend on the phase of the
/// sequence the last frame happens to be at (a converged image still moves a little with it).
pub const STATIC_POOLED_FRAMES: u32 = 16;

/// An anti-aliasing method under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AntiAliasing {
    /// Neither TAA, FXAA nor SMAA.
    None,
    /// FXAA at a tier.
    Fxaa(Tier),
    /// SMAA 1x at a tier.
    Smaa(Tier),
    /// TAA at a tier (no FXAA fallback).
    Taa(Tier),
}

impl AntiAliasing {
    /// `none`, `fxaa high`, `smaa low`, `taa ultra`.
    pub fn name(self) -> String {
        match self {
            AntiAliasing::None => "none".into(),
            AntiAliasing::Fxaa(tier) => format!("fxaa {}", tier.name()),
            AntiAliasing::Smaa(tier) => format!("smaa {}", tier.name()),
            AntiAliasing::Taa(tier) => format!("taa {}", tier.name()),
        }
    }

    /// The timing scope that holds this method's GPU time.
    pub fn scope(self) -> Option<&'static str> {
        match self {
            AntiAliasing::None => None,
            AntiAliasing::Fxaa(_) => Some("fxaa"),
            AntiAliasing::Smaa(_) => Some("smaa"),
            AntiAliasing::Taa(_) => Some("taa"),
        }
    }

    /// `post` with this method and nothing else anti-aliasing.
    pub fn apply(self, post: &PostSettings) -> PostSettings {
        let mut post = post.clone();
        post.taa = TaaSettings::OFF;
        post.fxaa = FxaaSettings::OFF;
        post.smaa = SmaaSettings::OFF;
        match self {
            AntiAliasing::None => {}
            AntiAliasing::Fxaa(tier) => post.fxaa = FxaaSettings { tier, ..FxaaSettings::DESKTOP },
            AntiAliasing::Smaa(tier) => post.smaa = SmaaSettings { tier, ..SmaaSettings::DESKTOP },
            AntiAliasing::Taa(tier) => {
                post.taa = TaaSettings { tier, fxaa_fallback: false, ..TaaSettings::HIGH }
            }
        }
        post
    }

    /// Frames rendered on the still camera, and how many of the last are measured (two for
    /// the spatial methods: the second shows whether anything changed).
    fn still_frames(self) -> (u32, u32) {
        match self {
            AntiAliasing::Taa(_) => {
                (TAA_CONVERGENCE_FRAMES + STATIC_POOLED_FRAMES, STATIC_POOLED_FRAMES)
            }
            _ => (2, 2),
        }
    }
}

/// `post` made repeatable frame to frame: no film grain, no dither, no sharpening, and a fixed
/// exposure (automatic exposure becomes the metered one), with anti-aliasing off.
pub fn deterministic(post: &PostSettings) -> PostSettings {
    let mut post = AntiAliasing::None.apply(post);
    post.finish.grain.intensity = 0.0;
    post.finish.dither = false;
    post.sharpen.tier = Tier::Off;
    if post.exposure.mode == ExposureMode::Automatic {
        post.exposure.mode = ExposureMode::Metered;
    }
    post
}

/// An image in linear display light (the display image with its sRGB encoding removed).
#[derive(Clone, Debug, PartialEq)]
pub struct LinearImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Linear RGB per pixel, top row first.
    pub rgb: Vec<[f32; 3]>,
}

fn srgb_decode(c: f32) -> f32 {
    if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
}

fn srgb_encode(c: f32) -> f32 {
    let c = c.clamp(0.0, 1.0);
    if c <= 0.003_130_8 { c * 12.92 } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 }
}

impl LinearImage {
    /// Decode an 8-bit sRGB RGBA image (alpha ignored).
    pub fn from_display(rgba: &[u8], width: u32, height: u32) -> Self {
        let rgb = rgba
            .chunks_exact(4)
            .map(|p| [0, 1, 2].map(|c| srgb_decode(f32::from(p[c]) / 255.0)))
            .collect();
        Self { width, height, rgb }
    }

    /// sRGB-encoded 8-bit RGBA (alpha 255), for saving and looking at.
    pub fn to_display(&self) -> Vec<u8> {
        self.rgb
            .iter()
            .flat_map(|p| {
                let [r, g, b] = p.map(|c| (srgb_encode(c) * 255.0).round() as u8);
                [r, g, b, 255]
            })
            .collect()
    }

    fn encoded(&self) -> impl Iterator<Item = [f32; 3]> + '_ {
        self.rgb.iter().map(|p| p.map(srgb_encode))
    }

    /// Peak signal-to-noise ratio against `reference` in dB, on sRGB-encoded values (infinite
    /// when identical; `None` when the sizes differ).
    pub fn psnr(&self, reference: &LinearImage) -> Option<f64> {
        let mse = self.mean_error(reference, None, |d| d * d)?;
        Some(if mse == 0.0 { f64::INFINITY } else { -10.0 * mse.log10() })
    }

    /// Mean SSIM against `reference` on the sRGB-encoded 8-bit luma ([`crate::quality::ssim`]);
    /// `None` when the sizes differ or the image is smaller than its 8x8 window.
    pub fn ssim(&self, reference: &LinearImage) -> Option<f64> {
        if (self.width, self.height) != (reference.width, reference.height) {
            return None;
        }
        let (w, h) = (self.width as usize, self.height as usize);
        crate::quality::ssim(&self.to_display(), &reference.to_display(), w, h)
    }

    /// The largest difference of any channel from `other`, on sRGB-encoded values (infinite
    /// when the sizes differ).
    pub fn max_abs_difference(&self, other: &LinearImage) -> f64 {
        if self.rgb.len() != other.rgb.len() {
            return f64::INFINITY;
        }
        let pairs = self.encoded().zip(other.encoded());
        pairs
            .flat_map(|(a, b)| (0..3).map(move |c| f64::from((a[c] - b[c]).abs())))
            .fold(0.0, f64::max)
    }

    /// Mean absolute error against `reference` on sRGB-encoded values, over the pixels where
    /// `mask` is true (all when `None`). `None` when sizes differ or the mask is empty.
    pub fn mean_abs_error(&self, reference: &LinearImage, mask: Option<&[bool]>) -> Option<f64> {
        self.mean_error(reference, mask, f64::abs)
    }

    fn mean_error(
        &self,
        reference: &LinearImage,
        mask: Option<&[bool]>,
        per_channel: impl Fn(f64) -> f64,
    ) -> Option<f64> {
        if self.rgb.len() != reference.rgb.len() || mask.is_some_and(|m| m.len() != self.rgb.len())
        {
            return None;
        }
        let (mut sum, mut count) = (0.0, 0usize);
        for (i, (a, b)) in self.encoded().zip(reference.encoded()).enumerate() {
            if mask.is_some_and(|m| !m[i]) {
                continue;
            }
            sum += (0..3).map(|c| per_channel(f64::from(a[c] - b[c]))).sum::<f64>();
            count += 3;
        }
        (count > 0).then(|| sum / count as f64)
    }
}

/// `samples` sub-pixel offsets in `[-0.5, 0.5)²`: a jittered grid of `ceil(sqrt(samples))²`
/// strata, one uniformly placed point per stratum (a fixed seed: the reference is repeatable),
/// truncated to `samples`.
pub fn sample_offsets(samples: u32) -> Vec<Vec2> {
    let n = (samples.max(1) as f32).sqrt().ceil() as u32;
    let mut state = 0x9e37_79b9_u32;
    let mut random = move || {
        // xorshift32: deterministic and good enough to place points inside strata.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state >> 8) as f32 / (1u32 << 24) as f32
    };
    let mut offsets = Vec::with_capacity((n * n) as usize);
    for y in 0..n {
        for x in 0..n {
            let jitter = Vec2::new(random(), random());
            offsets.push((Vec2::new(x as f32, y as f32) + jitter) / n as f32 - 0.5);
        }
    }
    offsets.truncate(samples.max(1) as usize);
    offsets
}

fn read(gpu: &Gpu, renderer: &Renderer) -> Result<LinearImage, Error> {
    let (width, height) = renderer.size();
    Ok(LinearImage::from_display(&renderer.read_display(gpu)?, width, height))
}

/// The supersampled reference of one frame: `samples` renders without anti-aliasing, each at
/// its own offset from [`sample_offsets`], averaged in linear light. The post settings are
/// made [`deterministic`] first.
pub fn supersampled(
    gpu: &Gpu,
    renderer: &mut Renderer,
    camera: &Camera,
    options: &RenderOptions,
    samples: u32,
) -> Result<LinearImage, Error> {
    let offsets = sample_offsets(samples);
    let (width, height) = renderer.size();
    let mut sum = vec![[0f64; 3]; (width * height) as usize];
    for offset in &offsets {
        let frame = RenderOptions {
            post: deterministic(&options.post),
            subpixel_offset: Some(*offset),
            ..options.clone()
        };
        renderer.render(gpu, camera, &frame)?;
        for (s, p) in sum.iter_mut().zip(read(gpu, renderer)?.rgb) {
            for c in 0..3 {
                s[c] += f64::from(p[c]);
            }
        }
    }
    let n = offsets.len() as f64;
    let rgb = sum.into_iter().map(|s| s.map(|c| (c / n) as f32)).collect();
    Ok(LinearImage { width, height, rgb })
}

/// Render `frames` frames of `method` from a fresh history, with `camera_at(frame)` and
/// `before(renderer, frame)` run before each (to move objects); returns the images of the
/// last `keep` frames, oldest first.
#[allow(clippy::too_many_arguments)]
fn run(
    gpu: &Gpu,
    renderer: &mut Renderer,
    options: &RenderOptions,
    method: AntiAliasing,
    frames: u32,
    keep: u32,
    camera_at: &dyn Fn(u32) -> Camera,
    before: &mut dyn FnMut(&mut Renderer, u32),
) -> Result<Vec<LinearImage>, Error> {
    let mut frame =
        RenderOptions { post: method.apply(&deterministic(&options.post)), ..options.clone() };
    // TAA's jitter sequence from its start at every run, as after a cut: left to the frame
    // counter, each run would start at another phase of it (the counter runs on across the
    // references and the other methods), and a still image converged to another phase differs
    // by up to a dB, which hid whether one tier beats another.
    let sequence = frame.post.taa.tier.is_on().then(|| frame.post.taa.sequence_length());
    renderer.reset_history();
    let mut kept = Vec::new();
    for f in 0..frames {
        before(renderer, f);
        frame.subpixel_offset =
            sequence.map(|length| crate::post::taa::jitter(u64::from(f), length));
        renderer.render(gpu, &camera_at(f), &frame)?;
        if f + keep >= frames {
            kept.push(read(gpu, renderer)?);
        }
    }
    Ok(kept)
}

/// A moving object for the ghosting measure: instance `instance` starts at `start` and moves
/// by `step` (world units) each frame for `frames` frames.
#[derive(Clone, Copy, Debug)]
pub struct ObjectMotion {
    /// The scene instance that moves.
    pub instance: usize,
    /// Its transform at frame 0.
    pub start: Mat4,
    /// World-space translation per frame.
    pub step: Vec3,
    /// Frames rendered; the last is measured.
    pub frames: u32,
}

impl ObjectMotion {
    fn at(&self, frame: u32) -> Mat4 {
        Mat4::from_translation(self.step * frame as f32) * self.start
    }
}

/// Frames behind the object whose uncovered pixels count as "just uncovered".
pub const GHOST_TRAIL_FRAMES: u32 = 4;

/// Frames at the end of the motion whose ghosting is pooled into one score.
pub const GHOST_MEASURED_FRAMES: u32 = 8;

/// The scenario every method is measured on: a still camera, a moving object and a pan.
pub struct Scenario {
    /// The still camera (static error and ghosting).
    pub camera: Camera,
    /// Frame settings (the post chain is made deterministic and its AA replaced per method).
    pub options: RenderOptions,
    /// The moving object (ghosting).
    pub motion: ObjectMotion,
    /// Yaw, in degrees per frame, of the slow pan (the still camera turning in place) used
    /// for the flicker measure: a fraction of a pixel per frame.
    pub pan_degrees_per_frame: f32,
    /// Frames of the pan; flicker is measured over the last [`FLICKER_WINDOW`] of them.
    pub pan_frames: u32,
    /// Samples per pixel of the references.
    pub samples: u32,
}

/// Frame-to-frame changes averaged for the flicker measure.
pub const FLICKER_WINDOW: u32 = 6;

/// One method's scores on a [`Scenario`].
#[derive(Clone, Debug, PartialEq)]
pub struct AaScore {
    /// The method.
    pub method: AntiAliasing,
    /// PSNR (dB) against the reference on the still camera; higher is better.
    pub static_psnr: f64,
    /// Mean absolute error (sRGB-encoded, `0..1`) against the reference over its edge pixels
    /// ([`edge_mask`]) on the still camera, pooled over the measured frames; lower is better.
    pub edge_error: f64,
    /// The largest change of any channel (sRGB-encoded, `0..1`) between consecutive measured
    /// still frames: 0 when the method gives the same image every frame of a still camera.
    pub still_repeat: f64,
    /// Mean absolute error in the just-uncovered region; lower is better.
    pub ghosting: f64,
    /// Mean absolute difference between the method's and the reference's frame-to-frame
    /// changes on the pan; lower is better.
    pub flicker: f64,
    /// Median GPU milliseconds of the method's pass (0 for none; `None` without timestamps).
    pub gpu_ms: Option<f64>,
}

/// The references a [`Scenario`] is measured against; computed once, shared by every method.
pub struct References {
    still: LinearImage,
    /// The supersampled reference of each of the last [`GHOST_MEASURED_FRAMES`] frames of the
    /// motion, oldest first.
    moved: Vec<LinearImage>,
    /// The just-uncovered pixels of each of those frames.
    uncovered: Vec<Vec<bool>>,
    pan: Vec<LinearImage>,
}

impl References {
    /// The still camera's supersampled reference.
    pub fn still(&self) -> &LinearImage {
        &self.still
    }

    /// The pixels the ghosting measure covers in the last frame of the motion (row-major, top
    /// row first).
    pub fn uncovered(&self) -> &[bool] {
        self.uncovered.last().map_or(&[], Vec::as_slice)
    }

    /// How many pixels the ghosting measure covers, over all its frames.
    pub fn uncovered_pixels(&self) -> usize {
        self.uncovered.iter().flatten().filter(|&&u| u).count()
    }

    /// The ghosting score of a complete one-frame ghost: each measured frame shown as the
    /// previous frame's reference (the object where it was a frame ago, nothing of now), pooled
    /// over the same just-uncovered pixels as [`AaScore::ghosting`]. A method that rejects
    /// stale history scores well below it; one that keeps the stale object comes near it.
    pub fn stale_frame_ghosting(&self) -> f64 {
        let (mut sum, mut pixels) = (0.0, 0usize);
        for t in 1..self.moved.len() {
            let mask = &self.uncovered[t];
            let n = mask.iter().filter(|&&u| u).count();
            let error = self.moved[t - 1].mean_abs_error(&self.moved[t], Some(mask));
            sum += error.unwrap_or(0.0) * n as f64;
            pixels += n;
        }
        if pixels == 0 { 0.0 } else { sum / pixels as f64 }
    }

    /// Pooled mean absolute error of `frames` (the last [`GHOST_MEASURED_FRAMES`] frames of
    /// the motion, oldest first) in their just-uncovered pixels.
    fn ghosting(&self, frames: &[LinearImage]) -> f64 {
        let (mut sum, mut pixels) = (0.0, 0usize);
        for ((image, reference), mask) in frames.iter().zip(&self.moved).zip(&self.uncovered) {
            let n = mask.iter().filter(|&&u| u).count();
            sum += image.mean_abs_error(reference, Some(mask)).unwrap_or(0.0) * n as f64;
            pixels += n;
        }
        if pixels == 0 { 0.0 } else { sum / pixels as f64 }
    }
}

fn pan_camera(scenario: &Scenario, frame: u32) -> Camera {
    let turn = Mat4::from_rotation_y((scenario.pan_degrees_per_frame * frame as f32).to_radians());
    let camera = &scenario.camera;
    Camera { forward: turn.transform_vector3(camera.forward), ..*camera }
}

/// Compute the references of `scenario` (the slow part: `samples` renders per reference).
pub fn references(
    gpu: &Gpu,
    renderer: &mut Renderer,
    scenario: &Scenario,
) -> Result<References, Error> {
    let s = scenario;
    let motion = &s.motion;
    let last = motion.frames.max(1) - 1;
    renderer.set_instance_transform(motion.instance, motion.start);
    let still = supersampled(gpu, renderer, &s.camera, &s.options, s.samples)?;
    // Uncovered: the object covers the pixel in one of the last few frames' positions but not
    // in the last one. The object covers a pixel where the depth with it is nearer than the
    // depth without it (moved behind the camera); comparing the depths of two frames with it
    // would also flag the object's own surface, whose depth changes as it moves. Depth from
    // unjittered frames.
    let depth_with = |transform: Mat4, renderer: &mut Renderer| -> Result<Vec<f32>, Error> {
        renderer.set_instance_transform(motion.instance, transform);
        let options = RenderOptions {
            post: deterministic(&s.options.post),
            subpixel_offset: Some(Vec2::ZERO),
            ..s.options.clone()
        };
        renderer.render(gpu, &s.camera, &options)?;
        Ok(renderer.read_depth(gpu)?)
    };
    let behind_camera = s.camera.position - 100.0 * s.camera.forward;
    let away =
        Mat4::from_translation(behind_camera - motion.start.w_axis.truncate()) * motion.start;
    let background = depth_with(away, renderer)?;
    let covered = |frame: u32, renderer: &mut Renderer| -> Result<Vec<bool>, Error> {
        let depth = depth_with(motion.at(frame), renderer)?;
        Ok(depth.iter().zip(&background).map(|(d, b)| *d > *b * 1.0001 + 1e-7).collect())
    };
    let first_measured = (last + 1).saturating_sub(GHOST_MEASURED_FRAMES);
    let first_covered = first_measured.saturating_sub(GHOST_TRAIL_FRAMES);
    let coverage = (first_covered..=last)
        .map(|frame| covered(frame, renderer))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut uncovered = Vec::new();
    let mut moved = Vec::new();
    for frame in first_measured..=last {
        let now = &coverage[(frame - first_covered) as usize];
        let mut mask = vec![false; now.len()];
        for back in 1..=GHOST_TRAIL_FRAMES.min(frame) {
            let then = &coverage[(frame - back - first_covered) as usize];
            for (u, (n, t)) in mask.iter_mut().zip(now.iter().zip(then)) {
                *u |= *t && !*n;
            }
        }
        uncovered.push(mask);
        renderer.set_instance_transform(motion.instance, motion.at(frame));
        moved.push(supersampled(gpu, renderer, &s.camera, &s.options, s.samples)?);
    }
    renderer.set_instance_transform(motion.instance, motion.start);
    let mut pan = Vec::new();
    for f in s.pan_frames.saturating_sub(FLICKER_WINDOW + 1)..s.pan_frames {
        pan.push(supersampled(gpu, renderer, &pan_camera(s, f), &s.options, s.samples)?);
    }
    Ok(References { still, moved, uncovered, pan })
}

/// Score `method` on `scenario` against its `references`.
pub fn score(
    gpu: &Gpu,
    renderer: &mut Renderer,
    scenario: &Scenario,
    references: &References,
    method: AntiAliasing,
) -> Result<AaScore, Error> {
    let s = scenario;
    let motion = &s.motion;
    let still_camera = |_| s.camera;
    renderer.set_instance_transform(motion.instance, motion.start);
    let (frames, keep) = method.still_frames();
    let still =
        run(gpu, renderer, &s.options, method, frames, keep, &still_camera, &mut |_, _| {})?;
    let static_psnr = pooled_psnr(&still, &references.still);
    let edges = edge_mask(&references.still);
    let edge_error = still
        .iter()
        .filter_map(|image| image.mean_abs_error(&references.still, Some(&edges)))
        .sum::<f64>()
        / still.len().max(1) as f64;
    let still_repeat = still.windows(2).map(|w| w[1].max_abs_difference(&w[0])).fold(0.0, f64::max);
    let gpu_ms = match method.scope() {
        Some(scope) => {
            let options = RenderOptions {
                post: method.apply(&deterministic(&s.options.post)),
                ..s.options.clone()
            };
            super::scope_ms(gpu, renderer, &s.camera, &options, scope)?
        }
        None => renderer.timing_available().then_some(0.0),
    };
    let moved = run(
        gpu,
        renderer,
        &s.options,
        method,
        motion.frames.max(1),
        GHOST_MEASURED_FRAMES.min(motion.frames.max(1)),
        &still_camera,
        &mut |r, f| {
            r.set_instance_transform(motion.instance, motion.at(f));
        },
    )?;
    renderer.set_instance_transform(motion.instance, motion.start);
    let ghosting = references.ghosting(&moved);
    let keep = references.pan.len() as u32;
    let pan = run(
        gpu,
        renderer,
        &s.options,
        method,
        s.pan_frames,
        keep,
        &|f| pan_camera(s, f),
        &mut |_, _| {},
    )?;
    let flicker = flicker(&pan, &references.pan);
    Ok(AaScore { method, static_psnr, edge_error, still_repeat, ghosting, flicker, gpu_ms })
}

/// The luma range (sRGB-encoded, `0..1`) over a pixel's 3x3 neighbourhood in the reference
/// above which [`edge_mask`] counts it as an edge pixel.
pub const EDGE_RANGE: f32 = 0.1;

/// The edge pixels of `reference`: those whose 3x3 neighbourhood spans more than
/// [`EDGE_RANGE`] of sRGB-encoded Rec.709 luma (row-major, top row first).
pub fn edge_mask(reference: &LinearImage) -> Vec<bool> {
    let luma: Vec<f32> =
        reference.encoded().map(|[r, g, b]| 0.2126 * r + 0.7152 * g + 0.0722 * b).collect();
    let (w, h) = (reference.width as i64, reference.height as i64);
    let mut mask = vec![false; luma.len()];
    for y in 0..h {
        for x in 0..w {
            let (mut lo, mut hi) = (f32::MAX, f32::MIN);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (sx, sy) = ((x + dx).clamp(0, w - 1), (y + dy).clamp(0, h - 1));
                    let v = luma[(sy * w + sx) as usize];
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
            mask[(y * w + x) as usize] = hi - lo > EDGE_RANGE;
        }
    }
    mask
}

/// PSNR of the mean squared error of `images` against `reference` (0 when a size differs).
fn pooled_psnr(images: &[LinearImage], reference: &LinearImage) -> f64 {
    let mut mse = 0.0;
    for image in images {
        let Some(psnr) = image.psnr(reference) else { return 0.0 };
        mse += 10f64.powf(-psnr / 10.0) / images.len() as f64;
    }
    if mse == 0.0 { f64::INFINITY } else { -10.0 * mse.log10() }
}

/// Mean over consecutive frame pairs and pixels of |(a_t - a_t-1) - (r_t - r_t-1)| on
/// sRGB-encoded values.
pub fn flicker(images: &[LinearImage], references: &[LinearImage]) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for t in 1..images.len().min(references.len()) {
        let frames = [&images[t - 1], &images[t], &references[t - 1], &references[t]];
        let encoded: Vec<Vec<[f32; 3]>> = frames.iter().map(|i| i.encoded().collect()).collect();
        let pixels = encoded[0].iter().zip(&encoded[1]).zip(encoded[2].iter().zip(&encoded[3]));
        for ((before, after), (reference_before, reference_after)) in pixels {
            for c in 0..3 {
                let change = after[c] - before[c];
                let reference = reference_after[c] - reference_before[c];
                sum += f64::from((change - reference).abs());
                count += 1;
            }
        }
    }
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// The scenario `afterlight quality` and the tests use on the built-in product demo scene
/// (`scene`, its own camera, an image `height` pixels tall): the gold sphere slides sideways about a pixel per frame for 16
/// frames; the pan turns a third of a pixel per frame for 24 frames. `None` when `scene` has
/// no `gold_sphere` node.
pub fn product_demo_scenario(
    scene: &crate::scene::Scene,
    height: u32,
    samples: u32,
) -> Option<Scenario> {
    let instance = scene.instances.iter().position(|i| i.node == "gold_sphere")?;
    let camera = scene.default_camera(1.0);
    let crate::scene::CameraProjection::Perspective { yfov, .. } = camera.projection else {
        return None;
    };
    let pixel_degrees = yfov.to_degrees() / height.max(1) as f32;
    // One pixel at the sphere's distance, in world units.
    let start = scene.instances[instance].transform;
    let distance = (start.w_axis.truncate() - camera.position).length();
    let pixel_world = distance * (yfov / height.max(1) as f32);
    let right = camera.forward.cross(camera.up).normalize_or(Vec3::X);
    let options = RenderOptions {
        post: PostSettings {
            exposure: crate::post::exposure::ExposureSettings::default(),
            ..PostSettings::default()
        },
        ..RenderOptions::default()
    };
    Some(Scenario {
        camera,
        options,
        motion: ObjectMotion { instance, start, step: right * pixel_world, frames: 16 },
        pan_degrees_per_frame: pixel_degrees / 3.0,
        pan_frames: 24,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_fill_their_strata() {
        let offsets = sample_offsets(64);
        assert_eq!(offsets.len(), 64);
        for (i, o) in offsets.iter().enumerate() {
            let (x, y) = ((i % 8) as f32, (i / 8) as f32);
            let cell = (*o + 0.5) * 8.0;
            assert!(cell.x >= x && cell.x < x + 1.0 && cell.y >= y && cell.y < y + 1.0, "{i}: {o}");
        }
        let mean = offsets.iter().sum::<Vec2>() / 64.0;
        assert!(mean.length() < 0.05, "mean {mean}");
        assert_eq!(sample_offsets(0).len(), 1);
    }

    #[test]
    fn psnr_and_error_follow_their_definitions() {
        let grey = |v: u8| LinearImage::from_display(&[v, v, v, 255].repeat(4), 2, 2);
        let (a, b) = (grey(100), grey(110));
        assert_eq!(a.psnr(&a), Some(f64::INFINITY));
        let d: f64 = 10.0 / 255.0;
        let psnr = a.psnr(&b).unwrap();
        assert!((psnr - (-10.0 * (d * d).log10())).abs() < 1e-3, "{psnr}");
        assert!((a.mean_abs_error(&b, None).unwrap() - d).abs() < 1e-4);
        let mask = [true, false, false, false];
        assert!((a.mean_abs_error(&b, Some(&mask)).unwrap() - d).abs() < 1e-4);
        assert_eq!(a.mean_abs_error(&b, Some(&[false; 4])), None);
        assert_eq!(a.psnr(&grey(1).clone_with_size(1)), None);
    }

    #[test]
    fn flicker_is_zero_when_changes_match_the_reference() {
        let img = |v: u8| LinearImage::from_display(&[v, v, v, 255], 1, 1);
        let reference = [img(10), img(20), img(30)];
        let steady = flicker(&[img(50), img(60), img(70)], &reference);
        assert!(steady < 1e-5, "{steady}");
        let jumpy = flicker(&[img(50), img(80), img(50)], &reference);
        assert!(jumpy > 0.05, "{jumpy}");
    }

    impl LinearImage {
        fn clone_with_size(&self, pixels: usize) -> LinearImage {
            LinearImage { width: 1, height: 1, rgb: self.rgb[..pixels].to_vec() }
        }
    }
}

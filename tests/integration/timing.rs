//! Frame timings from timestamp queries on a real adapter (lavapipe in CI): every rendered frame
//! comes back once, in order, with its index, and the whole-frame GPU span agrees with its
//! passes. Nothing here asserts wall-clock values.

use crate::common;
use crate::skip::{self, Capability};

use afterlight::gpu::{FrameTiming, Gpu, PENDING_FRAMES, PassTimer, TimingMethod};
use afterlight::render::{RenderOptions, Renderer};

/// Frames rendered ahead of their timings before the test waits, as a swapchain would.
const MAX_IN_FLIGHT: u64 = 3;

fn wait_for_gpu(gpu: &Gpu) {
    gpu.device.poll(wgpu::PollType::wait_indefinitely()).expect("GPU finishes");
}

/// Render `frames` frames, draining timings after each; returns what arrived before the final
/// wait, and what arrived after it.
fn render_and_drain(
    gpu: &Gpu,
    renderer: &mut Renderer,
    frames: u64,
) -> (Vec<FrameTiming>, Vec<FrameTiming>) {
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 96.0 / 64.0);
    let mut before = Vec::new();
    for _ in 0..frames {
        renderer.render(gpu, &camera, &RenderOptions::default()).expect("render");
        before.extend(renderer.frame_timings());
        let next_expected = before.last().map_or(0, |t| t.frame + 1);
        if renderer.frame_index() - next_expected > MAX_IN_FLIGHT {
            wait_for_gpu(gpu);
        }
    }
    wait_for_gpu(gpu);
    let after = renderer.frame_timings();
    (before, after)
}

#[test]
fn every_frame_arrives_once_in_order_with_a_consistent_span() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let mut renderer = common::renderer(&gpu, &scene, (96, 64), &common::studio(&gpu));
    if skip::refuses(&gpu, Capability::TimestampsInsideEncoders, !renderer.timing_available()) {
        assert!(renderer.frame_timings().is_empty());
        return;
    }
    assert_eq!(renderer.frame_index(), 0);
    const FRAMES: u64 = 12;
    let (before, after) = render_and_drain(&gpu, &mut renderer, FRAMES);
    assert_eq!(renderer.frame_index(), FRAMES);
    // Only the newest few may still be in flight before the wait.
    assert!(before.len() as u64 + MAX_IN_FLIGHT + 1 >= FRAMES, "{} arrived early", before.len());
    let all: Vec<&FrameTiming> = before.iter().chain(&after).collect();
    let indices: Vec<u64> = all.iter().map(|t| t.frame).collect();
    assert_eq!(indices, (0..FRAMES).collect::<Vec<_>>());
    assert!(renderer.frame_timings().is_empty(), "drain returns each frame once");

    let mut ratios = Vec::new();
    for t in &all {
        let names: Vec<&str> = t.passes.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["gbuffer", "shadows", "lighting", "finish"], "{t:?}");
        // The bench's post-pass sum leaves out the renderer's scopes, and only those.
        let renderer = |n: &&&str| afterlight::render::RENDERER_SCOPES.contains(*n);
        assert_eq!(
            names.iter().filter(renderer).count(),
            3,
            "{:?}",
            afterlight::render::RENDERER_SCOPES
        );
        let largest = t.passes.iter().map(|p| p.ms).fold(0.0, f64::max);
        let sum: f64 = t.passes.iter().map(|p| p.ms).sum();
        assert!(t.passes.iter().all(|p| p.ms.is_finite() && p.ms >= 0.0), "{t:?}");
        assert!(t.gpu_ms + 1e-6 >= largest, "span below the largest pass: {t:?}");
        // lavapipe runs passes one after another: the span covers (nearly) all of them.
        assert!(t.gpu_ms >= 0.9 * sum, "span {} < 0.9 x sum {sum}: {t:?}", t.gpu_ms);
        assert!(t.passes.iter().all(|p| p.cpu_ms > 0.0), "CPU encode time missing: {t:?}");
        let cpu_sum: f64 = t.passes.iter().map(|p| p.cpu_ms).sum();
        assert!((t.cpu_ms - cpu_sum).abs() < 1e-9, "{t:?}");
        ratios.push(t.gpu_ms / sum);
    }
    eprintln!("{} of {FRAMES} frames arrived before the wait", before.len());
    eprintln!("GPU span / sum of passes per frame: {ratios:.3?}");
    // Gaps between passes are small; the median frame's span is close to the sum (a preempted
    // lavapipe thread may stretch a single frame).
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    assert!(median <= 1.5, "median span / sum {median}");
    // The existing accessor still shows the newest frame's passes.
    assert_eq!(renderer.pass_times(), all.last().expect("frames").passes.as_slice());
}

#[test]
fn frame_indices_continue_across_drains() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let mut renderer = common::renderer(&gpu, &scene, (96, 64), &common::studio(&gpu));
    if skip::refuses(&gpu, Capability::TimestampsInsideEncoders, !renderer.timing_available()) {
        return;
    }
    let (a, b) = render_and_drain(&gpu, &mut renderer, 3);
    let (c, d) = render_and_drain(&gpu, &mut renderer, 3);
    let indices: Vec<u64> = a.iter().chain(&b).chain(&c).chain(&d).map(|t| t.frame).collect();
    assert_eq!(indices, [0, 1, 2, 3, 4, 5]);
}

/// Frames submitted without waiting: wgpu-profiler drops the newest waiting frame when too many
/// wait, and every timing that does arrive still carries its own frame's index (each frame's
/// scope is named after the index it should get). lavapipe executes each submission inside
/// `queue.submit` (~14 ms here for this load), so it never drops one; a hardware GPU can.
#[test]
fn frames_dropped_under_load_keep_the_others_numbered() {
    let Some(gpu) = common::gpu() else { return };
    let mut timer = PassTimer::new(&gpu.device);
    if skip::refuses(&gpu, Capability::TimestampsInsideEncoders, !timer.available()) {
        return;
    }
    let target = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("timing load"),
        size: wgpu::Extent3d { width: 512, height: 512, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba16Float,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
        view_formats: &[],
    });
    let view = target.create_view(&Default::default());
    const FRAMES: u64 = 4 * PENDING_FRAMES as u64;
    for frame in 0..FRAMES {
        assert_eq!(timer.frame_index(), frame);
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        timer.scope(&format!("frame {frame}"), &mut encoder, |e| {
            for _ in 0..8 {
                e.begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: None,
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    ..Default::default()
                });
            }
        });
        timer.resolve(&mut encoder);
        gpu.queue.submit([encoder.finish()]);
        timer.end_frame(&gpu.queue);
    }
    wait_for_gpu(&gpu);
    let timings = timer.drain(&gpu.device, &gpu.queue);
    eprintln!("{} of {FRAMES} frames timed, {} dropped", timings.len(), timer.dropped_frames());
    assert_eq!(timings.len() as u64 + timer.dropped_frames(), FRAMES);
    assert!(timings.windows(2).all(|w| w[0].frame < w[1].frame), "{timings:?}");
    for t in &timings {
        assert_eq!(t.passes.len(), 1, "{t:?}");
        assert_eq!(t.passes[0].name, format!("frame {}", t.frame), "{t:?}");
    }
    // The first frame never waits behind another, so it is never the one dropped.
    assert_eq!(timings.first().map(|t| t.frame), Some(0));
}

/// Render `frames` frames timed by `method` (a preset's `[budget] timing`) and return every
/// timing, the last ones waited for.
fn timed_by(
    gpu: &Gpu,
    renderer: &mut Renderer,
    method: TimingMethod,
    frames: u64,
) -> Vec<FrameTiming> {
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 96.0 / 64.0);
    let mut options = RenderOptions::default();
    options.post.budget.timing = method.into();
    let mut timings = Vec::new();
    for _ in 0..frames {
        renderer.render(gpu, &camera, &options).expect("render");
        timings.extend(renderer.frame_timings());
        let next_expected = timings.last().map_or(0, |t: &FrameTiming| t.frame + 1);
        if renderer.frame_index() - next_expected > MAX_IN_FLIGHT {
            wait_for_gpu(gpu);
        }
    }
    timings.extend(renderer.wait_for_frame_timings());
    timings
}

/// Each rung of the timing ladder, forced: every frame arrives once, in order, with a finite
/// positive GPU time; the encoder and pass rungs time the same scopes; the frame rung (no
/// timestamps) gives the frame only. Switching rungs mid-run keeps the frame numbers going.
#[test]
fn every_rung_of_the_timing_ladder_times_every_frame() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let mut renderer = common::renderer(&gpu, &scene, (96, 64), &common::studio(&gpu));
    const FRAMES: u64 = 6;
    let mut next = 0;
    for method in TimingMethod::ALL {
        if skip::refuses(
            &gpu,
            Capability::Timing(method),
            !method.supported_by(gpu.device.features()),
        ) {
            continue;
        }
        let timings = timed_by(&gpu, &mut renderer, method, FRAMES);
        assert_eq!(renderer.timing_method(), method);
        assert_eq!(renderer.timing_available(), method.per_pass());
        let indices: Vec<u64> = timings.iter().map(|t| t.frame).collect();
        // The first frame after a switch may be lost with the old timer's queue.
        let expected: Vec<u64> = (next..next + FRAMES).collect();
        assert!(
            indices == expected || indices == expected[1..],
            "{method}: frames {indices:?}, expected {expected:?}"
        );
        next += FRAMES;
        for t in &timings {
            assert!(t.gpu_ms.is_finite() && t.gpu_ms > 0.0, "{method}: {t:?}");
            let names: Vec<&str> = t.passes.iter().map(|p| p.name.as_str()).collect();
            match method {
                TimingMethod::Frame => assert!(names.is_empty(), "{method}: {t:?}"),
                _ => {
                    assert_eq!(names, ["gbuffer", "shadows", "lighting", "finish"]);
                    let largest = t.passes.iter().map(|p| p.ms).fold(0.0, f64::max);
                    assert!(t.gpu_ms + 1e-6 >= largest, "{method}: span below a pass: {t:?}");
                }
            }
        }
        let mut ms: Vec<f64> = timings.iter().map(|t| t.gpu_ms).collect();
        ms.sort_by(f64::total_cmp);
        eprintln!("{method}: median frame {:.2} ms over {} frames", ms[ms.len() / 2], ms.len());
    }
}

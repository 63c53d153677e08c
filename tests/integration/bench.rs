//! The benchmark end to end on a small image: every pass the preset runs is in the report
//! with its statistics, the memory entries add up to what the texture pools hold, and the
//! JSON reads back.

use std::path::Path;

use afterlight::bench::{self, BenchConfig, BenchReport};

use crate::common;
use crate::skip::{self, Capability};

#[test]
fn a_tiny_bench_reports_every_pass_and_all_pooled_memory() {
    let Some(gpu) = common::gpu() else { return };
    if skip::refuses(&gpu, Capability::TimestampsInsideEncoders, !gpu.timestamps) {
        return;
    }
    let environment = common::studio(&gpu);
    // desktop-ultra runs AO, TAA, automatic exposure, bloom and the finish.
    let preset = bench::load_preset("desktop-ultra").expect("built-in preset");
    let config = BenchConfig {
        scenes: vec![bench::load_scene("product_demo", Path::new("../shared")).expect("scene")],
        presets: vec![preset],
        resolutions: vec!["64x64".parse().expect("size")],
        frames: 4,
        warm_up: 2,
        degrees_per_frame: 0.5,
        peak_gbps: Some(100.0),
        variants: Vec::new(),
    };
    let mut last = 0;
    let report = bench::run(&gpu, &environment, &config, &mut |p| {
        assert_eq!(p.done, last + 1);
        last = p.done;
        assert_eq!(p.total, 6);
    })
    .expect("bench runs");
    assert_eq!(last, 6, "progress reached every frame");
    let run = &report.runs[0];
    let names: Vec<&str> = run.passes.iter().map(|p| p.name.as_str()).collect();
    for pass in ["shadows", "gbuffer", "ao", "lighting", "taa", "exposure", "bloom", "finish"] {
        assert!(names.contains(&pass), "{pass} missing from {names:?}");
    }
    assert!(run.frames_timed > 0 && run.frame_gpu_ms.is_some());
    for pass in &run.passes {
        assert!(pass.gpu_ms.median >= 0.0 && pass.gpu_ms.p99 >= pass.gpu_ms.median, "{pass:?}");
        if let Some(traffic) = &pass.traffic {
            assert_eq!(traffic.pixels, 64 * 64, "{}", pass.name);
            assert!(pass.gpu_ms.median <= 0.0 || pass.dram_floor_ratio.is_some(), "{}", pass.name);
        }
    }
    // Memory: the pooled entries are exactly the pools' contents, and the G-buffer is there
    // at the run's size (depth 4 B + base 4 + normal 8 + motion 4 + HDR 8 = 28 B per pixel).
    let pooled: u64 = run.memory.iter().filter(|e| e.pooled).map(|e| e.bytes).sum();
    assert!(run.pool_bytes > 0);
    assert_eq!(pooled, run.pool_bytes, "{:#?}", run.memory);
    let gbuffer: u64 =
        run.memory.iter().filter(|e| e.name.starts_with("gbuffer.")).map(|e| e.bytes).sum();
    assert_eq!(gbuffer, 64 * 64 * 28);
    assert_eq!(run.memory_bytes, run.memory.iter().map(|e| e.bytes).sum::<u64>());
    // Every pass of the chain reports what it owns, whether it runs or not (depth of field and
    // motion blur were once left out).
    let names: Vec<&str> = run.memory.iter().map(|e| e.name.as_str()).collect();
    for owned in ["dof.uniforms", "motion_blur.uniforms", "taa.uniforms", "upscale"] {
        assert!(names.iter().any(|n| n.starts_with(owned)), "{owned} missing from {names:?}");
    }
    let back: BenchReport = serde_json::from_str(&report.to_json()).expect("JSON reads back");
    assert_eq!(back, report);
    assert!(report.markdown().contains("| finish |"));
    // Which output the run encoded for: desktop-ultra is SDR.
    assert!(run.display.starts_with("sdr (8-bit sRGB"), "{}", run.display);
    assert!(report.markdown().contains("Display output: sdr"));
}

/// The mobile preset fits tile-based GPUs: fewer full-screen passes, fewer bytes moved per
/// pixel and fewer resolution-sized targets than the desktop preset, as the bench reports them
/// (passes and bytes from the passes' declared traffic, targets from the measured memory).
#[test]
fn the_mobile_preset_runs_fewer_full_screen_passes_and_targets_than_the_desktop_one() {
    let Some(gpu) = common::gpu() else { return };
    if skip::lacks_pass_times(&gpu) {
        return;
    }
    let environment = common::studio(&gpu);
    let config = BenchConfig {
        scenes: vec![bench::load_scene("product_demo", Path::new("../shared")).expect("scene")],
        presets: ["desktop", "mobile"].map(|p| bench::load_preset(p).expect("preset")).to_vec(),
        resolutions: vec!["128x72".parse().expect("size")],
        frames: 2,
        warm_up: 1,
        degrees_per_frame: 0.5,
        peak_gbps: None,
        variants: Vec::new(),
    };
    let report = bench::run(&gpu, &environment, &config, &mut |_| {}).expect("bench runs");
    let shape = |preset: &str| {
        let run = report.runs.iter().find(|r| r.preset == preset).expect("run");
        run.frame_shape.clone().expect("frame shape with per-pass timing")
    };
    let (desktop, mobile) = (shape("desktop"), shape("mobile"));
    eprintln!("desktop {desktop:?}\nmobile {mobile:?}");
    assert!(mobile.full_screen_passes < desktop.full_screen_passes, "{mobile:?} vs {desktop:?}");
    assert!(mobile.bytes_per_pixel < desktop.bytes_per_pixel, "{mobile:?} vs {desktop:?}");
    assert!(mobile.resolution_targets < desktop.resolution_targets, "{mobile:?} vs {desktop:?}");
    assert!(mobile.resolution_bytes < desktop.resolution_bytes, "{mobile:?} vs {desktop:?}");
    assert!(report.markdown().contains("full-screen passes"));
}

/// `bench --quality`: every AO, FXAA, TAA and upscale tier measured against its reference, error beside
/// GPU ms, in the report's JSON and markdown.
#[test]
fn the_quality_section_lists_every_tier_with_its_error_and_cost() {
    use afterlight::bench::quality::{self, QualitySettings};
    let Some(gpu) = common::gpu() else { return };
    let environment = common::studio(&gpu);
    let settings = QualitySettings { size: 64, rays: 16, samples: 4 };
    let report = quality::measure(&gpu, &environment, None, settings).expect("quality");
    for (pass, tiers) in [
        ("ao", &["low", "medium", "high", "ultra"][..]),
        ("fxaa", &["low", "medium", "high", "ultra"][..]),
        ("smaa", &["low", "medium", "high", "ultra"][..]),
        ("taa", &["low", "medium", "high", "ultra"][..]),
    ] {
        let rows: Vec<_> = report.rows.iter().filter(|r| r.pass == pass).collect();
        let found: Vec<&str> = rows.iter().map(|r| r.tier.as_str()).collect();
        assert_eq!(found, tiers, "{pass}'s tiers in order");
        for row in rows {
            assert!(row.error.is_finite() && row.error >= 0.0, "{row:?}");
            assert!(row.gpu_ms.is_none_or(|ms| ms >= 0.0), "{row:?}");
            if pass != "ao" {
                // Anti-aliasing rows carry their edge error beside the flicker.
                assert!(row.edge_error.is_some_and(|e| (0.0..1.0).contains(&e)), "{row:?}");
            }
        }
    }
    assert!(report.markdown().contains("### smaa"), "the section has SMAA's table");
    // The upscale: each tier and both CPU resizes, per view and render scale; only the pass's
    // tiers have a GPU time.
    let upscale: Vec<_> = report.rows.iter().filter(|r| r.pass == "upscale").collect();
    assert_eq!(upscale.len(), 2 * 2 * 5, "two views, two scales, five upscalers: {upscale:?}");
    for row in upscale {
        assert!(row.error.is_finite() && (0.0..1.0).contains(&row.error), "{row:?}");
        assert!(row.psnr_db.is_some_and(|db| db > 10.0), "{row:?}");
        assert!(row.gpu_ms.is_none() || !row.tier.starts_with("CPU"), "{row:?}");
    }
    let md = report.markdown();
    assert!(md.contains("## What each tier buys") && md.contains("### taa"), "{md}");
    assert!(md.contains("### upscale") && md.contains("CPU Catmull-Rom"), "{md}");
}

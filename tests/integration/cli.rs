//! The command line as a user meets it: bad input is a clear message and a non-zero exit code,
//! never a panic; the built-in scene renders with no arguments but an output path.

use crate::common;
use crate::skip;

use std::path::PathBuf;
use std::process::{Command, Output};

fn afterlight(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_afterlight"));
    command.args(args).env_remove("AFTERLIGHT_ADAPTER").env_remove("WGPU_ADAPTER_NAME");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run afterlight")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_clean_failure(output: &Output, expected: &str) {
    let err = stderr(output);
    assert!(!output.status.success(), "should fail: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
}

fn out_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(name)
}

#[test]
fn unknown_adapter_says_what_to_install() {
    let out = out_path("never.png");
    let output = afterlight(
        &["render", "-o", out.to_str().unwrap_or_default()],
        &[("AFTERLIGHT_ADAPTER", "no-such-gpu-xyz")],
    );
    assert_clean_failure(&output, "no GPU adapter found matching \"no-such-gpu-xyz\"");
    assert!(stderr(&output).contains("mesa-vulkan-drivers"), "{}", stderr(&output));
    assert!(!out.exists());
}

#[test]
fn missing_driver_is_an_error_not_a_panic() {
    // Point the Vulkan loader at no driver and allow only Vulkan: no adapter at all.
    let env = [
        ("WGPU_BACKEND", "vulkan"),
        ("VK_ICD_FILENAMES", "/nonexistent.json"),
        ("VK_DRIVER_FILES", "/nonexistent.json"),
    ];
    let output =
        afterlight(&["render", "-o", out_path("none.png").to_str().unwrap_or_default()], &env);
    assert_clean_failure(&output, "no GPU adapter found");
}

#[test]
fn sizes_of_zero_and_garbage_are_rejected() {
    for size in ["0x10", "10x0", "axb", "100", "-5x5", "99999999999x2"] {
        let output = afterlight(&["render", "--size", size, "-o", "x.png"], &[]);
        assert_clean_failure(&output, "--size");
    }
}

#[test]
fn size_above_the_device_limit_is_an_error() {
    if common::gpu().is_none() {
        return;
    }
    let output = afterlight(
        &["render", "--size", "100000x16", "-o", out_path("huge.png").to_str().unwrap_or_default()],
        &[],
    );
    assert_clean_failure(&output, "image size 100000x16 is outside");
}

#[test]
fn bad_orbits_are_rejected() {
    for orbit in ["1", "1,2,3,4", "1,2,-3", "a,b", "nan,0"] {
        let output = afterlight(&["render", "--orbit", orbit, "-o", "x.png"], &[]);
        assert_clean_failure(&output, "--orbit");
    }
}

#[test]
fn missing_scene_file_names_the_file() {
    let output = afterlight(&["render", "/nonexistent/scene.glb", "-o", "x.png"], &[]);
    assert_clean_failure(&output, "/nonexistent/scene.glb");
}

#[test]
fn output_must_be_png_or_exr() {
    let output = afterlight(&["render", "-o", "picture.jpg"], &[]);
    assert_clean_failure(&output, "must end in .png or .exr");
    let output = afterlight(&["render", "--debug-view", "normal", "-o", "picture.exr"], &[]);
    assert_clean_failure(&output, "debug views are 8-bit");
}

#[test]
fn camera_index_out_of_range_is_an_error() {
    if common::gpu().is_none() {
        return;
    }
    let output = afterlight(&["render", "--camera", "7", "-o", "x.png"], &[]);
    assert_clean_failure(&output, "--camera 7: the scene has 1 camera(s)");
}

#[test]
fn default_scene_renders_to_png_and_exr() {
    if common::gpu().is_none() {
        return;
    }
    let png = out_path("default.png");
    let output =
        afterlight(&["render", "-o", png.to_str().unwrap_or_default(), "--size", "96x64"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let image = image::open(&png).expect("png written").to_rgba8();
    assert_eq!(image.dimensions(), (96, 64));
    let exr = out_path("default.exr");
    let output =
        afterlight(&["render", "-o", exr.to_str().unwrap_or_default(), "--size", "96x64"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let hdr = image::open(&exr).expect("exr written").to_rgba32f();
    assert_eq!(hdr.dimensions(), (96, 64));
    // Linear HDR: the emissive strip (strength > 1) stays above 1 unclipped.
    let max = hdr.pixels().map(|p| p[0].max(p[1]).max(p[2])).fold(0f32, f32::max);
    assert!(max > 1.0, "brightest EXR value {max}");
}

#[test]
fn info_reports_the_chosen_adapter() {
    if common::gpu().is_none() {
        return;
    }
    let output = afterlight(&["info"], &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", stderr(&output));
    for needle in [
        "chosen:",
        "max_texture_dimension_2d",
        "max_storage_textures_per_shader_stage",
        "max_bind_groups",
        "GPU timing:",
        "mobile-class:",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

fn preset(name: &str) -> String {
    format!("{}/presets/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn preset_prints_back_fully_resolved() {
    let output = afterlight(&["preset", &preset("mobile")], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for key in ["[exposure]", "tier = \"low\"", "[finish.grain]", "[sharpen]", "mapper ="] {
        assert!(text.contains(key), "{key} in:\n{text}");
    }
}

#[test]
fn a_broken_preset_is_a_message_with_file_line_and_key() {
    let path = out_path("broken_preset.toml");
    std::fs::write(&path, "[bloom]\nintensty = 0.2\n").expect("write");
    let path = path.to_str().unwrap_or_default();
    let out = out_path("never_preset.png");
    let output = afterlight(
        &["render", "--preset", path, "--size", "32x32", "-o", out.to_str().unwrap_or_default()],
        &[],
    );
    assert_clean_failure(&output, "broken_preset.toml:2:1: bloom.intensty");
    assert!(!out.exists(), "nothing rendered");
    assert_clean_failure(&afterlight(&["preset", path], &[]), "bloom.intensty");
}

#[test]
fn render_with_a_preset_and_export_its_grade() {
    let out = out_path("desktop_preset.png");
    let output = afterlight(
        &[
            "render",
            "--preset",
            &preset("desktop"),
            "--size",
            "64x48",
            "-o",
            out.to_str().unwrap_or_default(),
        ],
        &[],
    );
    if crate::skip::binary_found_no_adapter(&stderr(&output)) {
        return;
    }
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.exists());
    let cube = out_path("desktop_grade.cube");
    let cube_arg = cube.to_str().unwrap_or_default();
    let output = afterlight(
        &["lut", "export", "--preset", &preset("desktop"), "-o", cube_arg, "--size", "17"],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let lut = afterlight::post::lut::CubeLut::load(&cube).expect("the export parses");
    assert_eq!(lut.size, 17);
    assert_clean_failure(
        &afterlight(&["lut", "export", "-o", cube_arg, "--size", "1"], &[]),
        "--size 1",
    );
}

#[test]
fn out_of_range_overrides_are_clamped_with_a_warning() {
    let out = out_path("clamped_ev.png");
    let output = afterlight(
        &["render", "--ev100", "99", "--size", "16x16", "-o", out.to_str().unwrap_or_default()],
        &[],
    );
    if crate::skip::binary_found_no_adapter(&stderr(&output)) {
        return;
    }
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("exposure.ev100 = 99 is outside -10..=20; using 20"));
}

#[test]
fn bench_writes_a_budget_trace_and_rejects_bad_budgets() {
    for (args, expected) in [
        (&["bench", "--budget", "0"][..], "--budget 0"),
        (&["bench", "--budget", "NaN"][..], "--budget NaN"),
        (&["bench", "--frames", "0"][..], "--frames must be at least 1"),
    ] {
        assert_clean_failure(&afterlight(args, &[]), expected);
    }
    if common::gpu().is_none() {
        return;
    }
    let trace = out_path("bench-trace");
    let output = afterlight(
        &[
            "bench",
            "--frames",
            "40",
            "--size",
            "48x48",
            "--budget",
            "4",
            "--trace",
            trace.to_str().unwrap_or_default(),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "bench failed: {}{stdout}", stderr(&output));
    assert!(stdout.contains("budget 4.00 ms") && stdout.contains("governor:"), "{stdout}");
    let json = std::fs::read_to_string(trace.with_extension("json")).expect("trace json");
    assert_eq!(json.matches("\"frame\":").count(), 40, "one entry per frame");
    let chart = image::open(trace.with_extension("png")).expect("trace chart");
    // 960 wide; the plot and a lane per knob below it.
    assert!(chart.width() == 960 && chart.height() > 480, "{}x{}", chart.width(), chart.height());
    let html = std::fs::read_to_string(trace.with_extension("html")).expect("trace page");
    assert!(html.contains("<td>budget</td><td>4.00 ms</td>"), "trace page settings");
    assert!(html.contains("Governor decisions") && html.contains("render_scale"));
}

#[test]
fn bench_matrix_writes_its_report_and_flags_regressions_against_a_baseline() {
    for (args, expected) in [
        (&["bench", "--size", "big"][..], "--size \"big\""),
        (&["bench", "--preset", "nonesuch"][..], "preset \"nonesuch\""),
        (&["bench", "--baseline", "/nonexistent/b.json"][..], "/nonexistent/b.json"),
        (&["bench", "--together", "lighting"][..], "--together \"lighting\": a group is two"),
        (&["bench", "--together", "lighting+shadows"][..], "--together compares against"),
    ] {
        assert_clean_failure(&afterlight(args, &[]), expected);
    }
    let Some(gpu) = common::gpu() else { return };
    // Per-pass rows need timestamps (a device without them benches frames only).
    if skip::lacks_pass_times(&gpu) {
        return;
    }
    let out = out_path("bench-matrix");
    let out_arg = out.to_str().unwrap_or_default();
    let run = |extra: &[&str]| {
        let mut args =
            vec!["bench", "--size", "32x32", "--frames", "2", "--warm-up", "1", "--out", out_arg];
        args.extend_from_slice(extra);
        afterlight(&args, &[])
    };
    let output = run(&["--preset", "mobile", "--peak-gbps", "50"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "bench failed: {}{stdout}", stderr(&output));
    assert!(stdout.contains("| finish |") && stdout.contains("of DRAM floor"), "{stdout}");
    let json = std::fs::read_to_string(out.with_extension("json")).expect("report json");
    assert!(std::fs::metadata(out.with_extension("md")).is_ok_and(|m| m.len() > 0));
    assert!(image::open(out.with_extension("png")).is_ok(), "chart");
    // The HTML report: one page with the pass table and the chart (every pass on its axis).
    let html = std::fs::read_to_string(out.with_extension("html")).expect("report html");
    assert!(html.contains("<td>finish</td>") && html.contains("GPU time per frame (ms)"));
    assert!(html.contains("<svg") && !html.contains("<script"), "self-contained");
    // Baselines made from this report: 1000x slower (no regression), 1000x faster (every
    // pass with 0.05 ms to spare regresses, the frame certainly).
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let scale = |value: &mut serde_json::Value, factor: f64| {
        let run = &mut value["runs"][0];
        let median = run["frame_gpu_ms"]["median"].as_f64().unwrap_or(0.0);
        run["frame_gpu_ms"]["median"] = (median * factor).into();
        for pass in run["passes"].as_array_mut().into_iter().flatten() {
            let median = pass["gpu_ms"]["median"].as_f64().unwrap_or(0.0);
            pass["gpu_ms"]["median"] = (median * factor).into();
        }
    };
    let baseline = out_path("bench-baseline.json");
    let baseline_arg = baseline.to_str().unwrap_or_default();
    for (factor, regressed) in [(1000.0, false), (0.001, true)] {
        let mut scaled = value.clone();
        scale(&mut scaled, factor);
        std::fs::write(&baseline, scaled.to_string()).expect("baseline written");
        let output = run(&["--preset", "mobile", "--baseline", baseline_arg]);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(stdout.contains("against") && stdout.contains("frame"), "{stdout}");
        assert_eq!(stdout.contains("REGRESSION"), regressed, "{stdout}");
        assert_eq!(output.status.success(), !regressed, "{}", stderr(&output));
        let html = std::fs::read_to_string(out.with_extension("html")).expect("report html");
        assert!(html.contains("Against the baseline"), "no before/after table");
        assert_eq!(html.contains("<tr class=\"regression\">"), regressed);
    }
    // Work that moved from lighting into shadows: the baseline's shadows 1000x faster, its
    // lighting (and everything else) 1000x slower. Named together, the two are judged by
    // their sum: shown, each with its own ratio, and not flagged.
    let mut moved = value.clone();
    scale(&mut moved, 1000.0);
    for pass in moved["runs"][0]["passes"].as_array_mut().into_iter().flatten() {
        if pass["name"] == "shadows" {
            let median = pass["gpu_ms"]["median"].as_f64().unwrap_or(0.0);
            pass["gpu_ms"]["median"] = (median * 1e-6).into();
        }
    }
    std::fs::write(&baseline, moved.to_string()).expect("baseline written");
    let output =
        run(&["--preset", "mobile", "--baseline", baseline_arg, "--together", "lighting+shadows"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{}{stdout}", stderr(&output));
    let line = |pass: &str| {
        stdout
            .lines()
            .find(|l| l.contains(" -> ") && l.split_whitespace().any(|w| w == pass))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("shadows").ends_with("(judged in lighting+shadows)"), "{stdout}");
    assert!(line("lighting+shadows").contains(" -> "), "{stdout}");
    assert!(stdout.contains("post passes"), "{stdout}");
    assert!(!stdout.contains("REGRESSION"), "{stdout}");
    // --replot redraws the chart and the page from the JSON without a GPU run.
    let replot = out_path("bench-replot");
    let json_path = out.with_extension("json");
    let args = ["bench", "--replot", json_path.to_str().unwrap_or_default(), "--out"];
    let mut args = args.to_vec();
    args.push(replot.to_str().unwrap_or_default());
    let output = afterlight(&args, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(image::open(replot.with_extension("png")).is_ok(), "replotted chart");
    let html = std::fs::read_to_string(replot.with_extension("html")).expect("replotted html");
    assert!(html.contains("<td>finish</td>"));
    let args = ["bench", "--replot", "/nonexistent/r.json"];
    assert_clean_failure(&afterlight(&args, &[]), "/nonexistent/r.json");
}

/// On a headless machine (no display variables at all) probing the backends prints nothing
/// that looks like an error: libwayland-client's "XDG_RUNTIME_DIR is invalid" (from Mesa's
/// Vulkan device-select layer and wgpu's EGL setup) goes to the debug log, and EGL platforms
/// that fail while wgpu tries the next are not logged as errors.
#[test]
fn headless_commands_print_no_error_lines() {
    if common::gpu().is_none() {
        return;
    }
    let out = out_path("headless.png");
    for args in
        [&["info"][..], &["render", "--size", "16x16", "-o", out.to_str().unwrap_or_default()]]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_afterlight"))
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("RUST_LOG")
            .env_remove("AFTERLIGHT_ADAPTER")
            .env_remove("WGPU_ADAPTER_NAME")
            .output()
            .expect("run afterlight");
        let err = stderr(&output);
        assert!(output.status.success(), "afterlight {}: {err}", args.join(" "));
        let errors: Vec<&str> =
            err.lines().filter(|l| l.to_ascii_lowercase().contains("error")).collect();
        assert!(errors.is_empty(), "afterlight {}: {errors:#?}", args.join(" "));
    }
}

/// `--downlevel webgl2` creates the device with WebGL2's limits on any adapter: `info` says
/// which level it reached and how each pass runs there, a render with automatic exposure meters
/// without a fallback warning and writes its picture, and an unknown level is named.
#[test]
fn a_forced_downlevel_is_reported_and_renders() {
    assert_clean_failure(&afterlight(&["info", "--downlevel", "gles2"], &[]), "\"gles2\"");
    if common::gpu().is_none() {
        return;
    }
    let output = afterlight(&["--downlevel", "webgl2", "info"], &[]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(text.contains("device limits requested (WebGL2's"), "{text}");
    assert!(text.contains("capability level: downlevel (no compute shaders"), "{text}");
    assert!(text.contains("grade_lut    baked on the CPU"), "{text}");
    assert!(text.contains("taa          fragment (no compute variant"), "{text}");
    let output = afterlight(&["info"], &[("AFTERLIGHT_DOWNLEVEL", "webgl2")]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("capability level: downlevel"));
    let out = out_path("downlevel.png");
    let product = preset("product");
    let args = ["render", "--downlevel", "webgl2", "--preset", &product, "--size", "32x24", "-o"];
    let mut args = args.to_vec();
    args.push(out.to_str().unwrap_or_default());
    let output = afterlight(&args, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("exposure"), "no exposure fallback: {}", stderr(&output));
    assert_eq!(image::open(&out).expect("png written").width(), 32);
}

/// `--timing` forces a rung of the timing ladder on every command: `info` lists the rungs and
/// the one in use, `render --timings` with `frame` times the frame without per-pass rows, the
/// budget trace names its rung in its JSON, and an unknown rung is named in the error.
#[test]
fn the_timing_flag_picks_a_rung_of_the_ladder() {
    assert_clean_failure(&afterlight(&["info", "--timing", "cpu"], &[]), "unknown timing 'cpu'");
    let Some(gpu) = common::gpu() else { return };
    let output = afterlight(&["info"], &[]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{}", stderr(&output));
    let best = afterlight::gpu::TimingMethod::best(gpu.device.features());
    assert!(text.contains(&format!("GPU timing: {best} (")), "{text}");
    assert!(text.contains("  frame    available"), "{text}");
    let output = afterlight(&["--timing", "frame", "info"], &[]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(text.contains("GPU timing: frame (no GPU timestamps"), "{text}");

    let out = out_path("timing-frame.png");
    let args = ["render", "--timing", "frame", "--timings", "--size", "32x24", "-o"];
    let mut args = args.to_vec();
    args.push(out.to_str().unwrap_or_default());
    let output = afterlight(&args, &[]);
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("GPU timing: frame") && err.contains("frame (GPU span)"), "{err}");
    assert!(!err.contains("\n  lighting "), "per-pass rows without timestamps: {err}");

    let trace = out_path("timing-trace");
    let trace_arg = trace.to_str().unwrap_or_default();
    let args =
        ["bench", "--budget", "5", "--frames", "24", "--size", "32x32", "--trace", trace_arg];
    let output = afterlight(&args, &[("AFTERLIGHT_TIMING", "frame")]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{}{stdout}", stderr(&output));
    assert!(stdout.contains("timing: frame"), "{stdout}");
    let json = std::fs::read_to_string(trace.with_extension("json")).expect("trace json");
    assert!(json.contains("\"timing\": \"frame\""), "{json}");
    let html = std::fs::read_to_string(trace.with_extension("html")).expect("trace html");
    assert!(html.contains("Governor decisions") && html.contains("<svg"), "trace page");
    assert!(image::open(trace.with_extension("png")).is_ok(), "trace chart");
}

/// `lut info` describes every format; `lut convert` writes a 3D `.cube` that reproduces the
/// source at its lattice points; broken and unknown files are clean failures naming the file.
#[test]
fn lut_info_and_convert() {
    let Some(dir) = common::shared_file("luts") else { return };
    let resolve = dir.join("colour_resolve_1D_shaper_3D.cube");
    let output = afterlight(&["lut", "info", resolve.to_str().unwrap_or_default()], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "format: .cube",
        "title: \"LUT3D with My Shaper\"",
        "stage 1: 1D (shaper), 10 entries per channel, input range -0.1 .. 3",
        "stage 2: 3D, 3x3x3, input range -0.1 .. 3",
        "monotone per channel: red no, green no, blue no",
        "output range: r 0.431556 .. 3, g -0.1 .. 3, b -0.1 .. 3",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
    let spi1d = dir.join("colour_sony_eotf_sRGB_1D.spi1d");
    let output = afterlight(&["lut", "info", spi1d.to_str().unwrap_or_default()], &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("format: .spi1d") && text.contains("red yes, green yes, blue yes"));
    assert!(text.contains("output range: -0.0077399 .. 2.5371552"), "{text}");

    let cube = out_path("converted_spi1d.cube");
    let output = afterlight(
        &[
            "lut",
            "convert",
            spi1d.to_str().unwrap_or_default(),
            cube.to_str().unwrap_or_default(),
            "--size",
            "16",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let converted = afterlight::post::lut::CubeLut::load(&cube).expect("the conversion parses");
    let source = afterlight::post::colour_lut::ColourLut::load(&spi1d).unwrap();
    assert_eq!((converted.size, converted.domain_min.x, converted.domain_max.x), (16, -0.1, 1.5));
    // 16 points over -0.1..1.5 in both: the 3D lattice sits on the 1D nodes.
    let worst = (0..16)
        .map(|i| {
            let x = -0.1 + 1.6 * i as f32 / 15.0;
            let p = glam::Vec3::new(x, 0.5, 1.5);
            (converted.sample_trilinear(p) - source.apply(p)).abs().max_element()
        })
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "{worst}");

    let exported = out_path("grade_acescct.cube");
    let output = afterlight(
        &[
            "lut",
            "export",
            "--input-encoding",
            "acescct",
            "--size",
            "9",
            "-o",
            exported.to_str().unwrap_or_default(),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("import as [lut] space = \"acescct\""), "{}", stderr(&output));
    // Resolve's 1D shaper + 3D form, which lut info reads like any other .cube.
    let text = std::fs::read_to_string(&exported).unwrap();
    let file = afterlight::post::lut_cube_file::parse_cube_file(&text, None).expect("it parses");
    assert_eq!(file.cube.as_ref().map(|c| c.size), Some(9));
    assert_eq!(file.shaper.as_ref().map(|s| s.data.len()), Some(4096));
    assert!(file.comments.iter().any(|c| c.starts_with("INPUT: ACEScct code values")));
    let output = afterlight(&["lut", "info", exported.to_str().unwrap_or_default()], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let info = String::from_utf8_lossy(&output.stdout);
    assert!(info.contains("4096") && info.contains("9"), "{info}");
    assert_clean_failure(
        &afterlight(&["lut", "export", "--input-encoding", "rec2020", "-o", "x.cube"], &[]),
        "unknown input encoding \"rec2020\"",
    );

    let truncated = dir.join("ocio_error_truncated_file.3dl");
    assert_clean_failure(
        &afterlight(&["lut", "info", truncated.to_str().unwrap_or_default()], &[]),
        "ocio_error_truncated_file.3dl line 375: the file ends after 369 of 4913 data lines",
    );
    assert_clean_failure(
        &afterlight(&["lut", "convert", "look.csp", cube.to_str().unwrap_or_default()], &[]),
        "look.csp: unknown LUT format",
    );
    assert_clean_failure(
        &afterlight(
            &[
                "lut",
                "convert",
                spi1d.to_str().unwrap_or_default(),
                cube.to_str().unwrap_or_default(),
                "--size",
                "99",
            ],
            &[],
        ),
        "--size 99",
    );
}

//! User passes (#22 items 4-6): the shipped examples (`presets/examples/`) against CPU
//! computations of their formulas on the same input, a broken shader's error and the last good
//! pipeline, preset errors naming the key, timing scopes, and a pass added from Rust.

use crate::common;

use std::path::{Path, PathBuf};

use afterlight::config::Preset;
use afterlight::gpu::{Gpu, read_texture};
use afterlight::post::Tier;
use afterlight::post::chain::{PostPass, PostSettings, Provided};
use afterlight::post::custom::{UserPass, UserPassContext};
use afterlight::post::finish::DISPLAY_FORMAT;
use afterlight::post::stack::{PostInputs, PostStack, PostStackDescriptor};
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::{DebugView, RenderOptions};
use wgpu::util::DeviceExt;

const SIZE: (u32, u32) = (48, 32);

fn example(name: &str) -> PostSettings {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/examples").join(name);
    let mut settings = Preset::load(&path).expect("example preset").settings;
    // Deterministic frames: no dither, no TAA/FXAA/sharpen, a clamp tone mapper.
    settings.finish.dither = false;
    settings.tonemap.mapper = ToneMapper::Clamp;
    settings.fxaa.tier = Tier::Off;
    settings.taa.tier = Tier::Off;
    settings.taa.fxaa_fallback = false;
    settings.sharpen.tier = Tier::Off;
    settings
}

/// A smooth HDR gradient (every channel varies) as an Rgba16Float view.
fn gradient_hdr(gpu: &Gpu) -> wgpu::TextureView {
    scaled_gradient_hdr(gpu, 1.0)
}

/// The gradient times `k` (in RGB).
fn scaled_gradient_hdr(gpu: &Gpu, k: f32) -> wgpu::TextureView {
    let (w, h) = SIZE;
    let texels: Vec<[f32; 3]> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x as f32 / w as f32, y as f32 / h as f32)))
        .map(|(u, v)| [0.05 + 1.2 * u, 0.02 + 0.9 * v, 0.3 + 0.5 * u * v].map(|c| c * k))
        .collect();
    hdr_texture(gpu, &texels)
}

/// An HDR image of `SIZE` from linear RGB texels (row-major), as an Rgba16Float view.
fn hdr_texture(gpu: &Gpu, texels: &[[f32; 3]]) -> wgpu::TextureView {
    let rgba: Vec<f32> = texels.iter().flat_map(|&[r, g, b]| [r, g, b, 1.0]).collect();
    let halves: Vec<u16> = rgba.iter().map(|&c| common::f32_to_f16(c)).collect();
    let (w, h) = SIZE;
    let desc = wgpu::TextureDescriptor {
        label: Some("test hdr"),
        size: wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba16Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING,
        view_formats: &[],
    };
    let order = wgpu::util::TextureDataOrder::LayerMajor;
    let bytes = bytemuck::cast_slice(&halves);
    gpu.device
        .create_texture_with_data(&gpu.queue, &desc, order, bytes)
        .create_view(&Default::default())
}

fn stack(gpu: &Gpu, settings: &PostSettings, provided: Provided) -> PostStack {
    let descriptor = PostStackDescriptor {
        settings: settings.clone(),
        provided,
        ..PostStackDescriptor::new(DISPLAY_FORMAT)
    };
    PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack")
}

/// One frame into a new display texture; its bytes, or the begin_frame error.
fn frame(gpu: &Gpu, stack: &mut PostStack, inputs: &PostInputs<'_>) -> Result<Vec<u8>, String> {
    let output = common::display_texture(gpu, SIZE, None);
    stack.begin_frame(SIZE).map_err(|e| e.to_string())?;
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let view = output.create_view(&Default::default());
    stack.record(&mut encoder, inputs, &view).map_err(|e| e.to_string())?;
    gpu.queue.submit([encoder.finish()]);
    stack.end_frame();
    Ok(read_texture(gpu, &output).expect("readback"))
}

/// The largest and mean absolute difference of two RGB(A) byte images (alpha skipped).
fn difference(a: &[u8], b: &[u8]) -> (u8, f64) {
    let diffs: Vec<u8> = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .flat_map(|(p, q)| (0..3).map(move |c| p[c].abs_diff(q[c])))
        .collect();
    let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
    (diffs.iter().copied().max().unwrap_or(0), mean)
}

/// Settings with one user pass `name` reading `/virtual/<name>.wgsl` (give its text with
/// `provide_custom_shader`), its other keys (slot, params) in `keys`; no dither.
fn one_pass(name: &str, keys: &str) -> (PathBuf, PostSettings) {
    let path = PathBuf::from(format!("/virtual/{name}.wgsl"));
    let text = format!("[[custom]]\nname = \"{name}\"\nshader = \"{}\"\n{keys}\n", path.display());
    let mut settings = Preset::parse(&text).expect("preset").settings;
    settings.finish.dither = false;
    (path, settings)
}

/// One frame of `settings` from `hdr`, with `shader` as the text of the user shader at `path`.
fn frame_with_shader(
    gpu: &Gpu,
    settings: &PostSettings,
    (path, shader): (&Path, &str),
    hdr: &wgpu::TextureView,
) -> Vec<u8> {
    let mut post = stack(gpu, settings, Provided::HDR_ONLY);
    post.chain_mut().provide_custom_shader(path, shader);
    frame(gpu, &mut post, &PostInputs::new(hdr)).expect("frame")
}

fn param(settings: &PostSettings, name: &str) -> Vec<f32> {
    use afterlight::post::custom::ParamValue;
    let (_, p) = settings.custom[0].params.iter().find(|(n, _)| n == name).expect("param");
    match p.value {
        ParamValue::Float(v) => vec![v],
        ParamValue::Vec3(v) => v.to_vec(),
    }
}

#[test]
fn night_vision_matches_its_formula_on_the_cpu() {
    let Some(gpu) = common::gpu() else { return };
    let with = example("night_vision.toml");
    let without = PostSettings { custom: Vec::new(), ..with.clone() };
    let hdr = gradient_hdr(&gpu);
    let inputs = PostInputs::new(&hdr);
    let plain =
        frame(&gpu, &mut stack(&gpu, &without, Provided::HDR_ONLY), &inputs).expect("frame");
    let gpu_out = frame(&gpu, &mut stack(&gpu, &with, Provided::HDR_ONLY), &inputs).expect("frame");
    let (gain, tint, scan) =
        (param(&with, "gain")[0], param(&with, "tint"), param(&with, "scanlines")[0]);
    let mut expected = plain.clone();
    for (i, p) in expected.chunks_exact_mut(4).enumerate() {
        let row = i as u32 / SIZE.0;
        let c = [p[0], p[1], p[2]].map(|b| f32::from(b) / 255.0);
        let luma = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        let v = (luma * gain).clamp(0.0, 1.0) * (1.0 - scan * (row % 2) as f32);
        for k in 0..3 {
            p[k] = (tint[k] * v * 255.0).round() as u8;
        }
    }
    let (max, mean) = difference(&gpu_out, &expected);
    eprintln!("night vision vs CPU: max {max} codes, mean {mean:.3}");
    assert!(max <= 2 && mean < 0.5, "max {max}, mean {mean}");
    let (changed, _) = difference(&gpu_out, &plain);
    assert!(changed > 50, "the pass changed the image ({changed})");
}

/// Octahedral encoding of a unit normal with z >= 0 (what the G-buffer stores in xy).
fn oct(n: [f32; 3]) -> [f32; 4] {
    let s = n[0].abs() + n[1].abs() + n[2].abs();
    [n[0] / s, n[1] / s, 0.5, 0.0]
}

#[test]
fn the_outline_matches_edges_computed_on_the_cpu_from_the_same_depth_and_normals() {
    let Some(gpu) = common::gpu() else { return };
    let (w, h) = SIZE;
    // Sky on the left, a flat panel facing the camera, a crease (the lower band turns up by
    // 53 degrees at nearly the same depth) and a nearer block on the right.
    let (mut depth, mut normal) = (Vec::new(), Vec::new());
    for y in 0..h {
        for x in 0..w {
            let (d, n) = match (x, y) {
                (0..8, _) => (0.0, [0.0, 0.0, 1.0]),
                (8..30, 20..) => (0.52, [0.0, 0.8, 0.6]),
                (8..30, _) => (0.5, [0.0, 0.0, 1.0]),
                _ => (0.3, [0.6, 0.0, 0.8]),
            };
            depth.push(d);
            normal.push(n);
        }
    }
    let depth_view = common::float_texture(&gpu, SIZE, wgpu::TextureFormat::R32Float, 1, &depth);
    let encoded: Vec<f32> = normal.iter().flat_map(|&n| oct(n)).collect();
    let normal_view =
        common::float_texture(&gpu, SIZE, wgpu::TextureFormat::Rgba32Float, 4, &encoded);
    let with = example("outline.toml");
    let without = PostSettings { custom: Vec::new(), ..with.clone() };
    let provided = Provided { depth: true, ..Provided::HDR_ONLY };
    let hdr = gradient_hdr(&gpu);
    let inputs = PostInputs { depth: Some(&depth_view), ..PostInputs::new(&hdr) };
    let plain = frame(&gpu, &mut stack(&gpu, &without, provided), &inputs).expect("frame");
    let mut outlined = stack(&gpu, &with, provided);
    outlined.chain_mut().set_normals(Some(normal_view));
    let gpu_out = frame(&gpu, &mut outlined, &inputs).expect("frame");

    let (dt, nt) = (param(&with, "depth_threshold")[0], param(&with, "normal_threshold")[0]);
    let (opacity, colour) = (param(&with, "opacity")[0], param(&with, "colour"));
    let at = |x: i32, y: i32| {
        let i = (y.clamp(0, h as i32 - 1) as u32 * w + x.clamp(0, w as i32 - 1) as u32) as usize;
        let n = if depth[i] > 0.0 { normal[i] } else { [0.0; 3] };
        (depth[i], n)
    };
    let dot = |a: [f32; 3], b: [f32; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let mut expected = plain.clone();
    let mut edges = 0;
    for y in 0..h as i32 {
        for x in 0..w as i32 {
            let (d, n) = at(x, y);
            let edge = [(1, 0), (-1, 0), (0, 1), (0, -1)].iter().any(|(dx, dy)| {
                let (dq, nq) = at(x + dx, y + dy);
                (dq - d).abs() > dt * dq.max(d).max(1e-6)
                    || (dot(n, n) > 0.5 && dot(nq, nq) > 0.5 && 1.0 - dot(n, nq) > nt)
            });
            if edge {
                edges += 1;
                let p = &mut expected[((y as u32 * w + x as u32) * 4) as usize..][..3];
                for k in 0..3 {
                    let c = f32::from(p[k]) / 255.0;
                    p[k] = ((c + (colour[k] - c) * opacity) * 255.0).round() as u8;
                }
            }
        }
    }
    let (max, mean) = difference(&gpu_out, &expected);
    eprintln!("outline vs CPU: {edges} edge pixels; max {max} codes, mean {mean:.3}");
    assert!(edges > 100, "the synthetic input has edges ({edges})");
    assert!(max <= 2 && mean < 0.1, "max {max}, mean {mean}");
}

#[test]
fn a_broken_shader_names_file_line_and_column_and_the_last_good_pipeline_keeps_running() {
    let Some(gpu) = common::gpu() else { return };
    let (path, settings) =
        one_pass("tint", "after = \"finish\"\n[custom.params]\nk = { value = 0.5 }");
    let path = path.as_path();
    let good = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return vec4f(color.rgb * params.k, color.a);\n}\n";
    let broken = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    let x = 1.0;\n    return vec4f(color.rgb * params.kk, color.a);\n}\n";
    let hdr = gradient_hdr(&gpu);
    let inputs = PostInputs::new(&hdr);

    // Broken from the start: the frame is refused with the location.
    let mut fresh = stack(&gpu, &settings, Provided::HDR_ONLY);
    fresh.chain_mut().provide_custom_shader(path, broken);
    let message = frame(&gpu, &mut fresh, &inputs).expect_err("broken shader");
    eprintln!("{message}");
    assert!(message.starts_with("/virtual/tint.wgsl:3:"), "{message}");

    // Good, then broken on reload: the error names the place, frames keep the good pipeline.
    let mut live = stack(&gpu, &settings, Provided::HDR_ONLY);
    live.chain_mut().provide_custom_shader(path, good);
    let before = frame(&gpu, &mut live, &inputs).expect("good shader");
    live.chain_mut().provide_custom_shader(path, broken);
    let errors = live.reload_custom_shaders();
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert!(message.starts_with("/virtual/tint.wgsl:3:"), "{message}");
    assert!(live.chain().custom_errors().contains_key("tint"));
    let after = frame(&gpu, &mut live, &inputs).expect("still running");
    assert_eq!(before, after, "the last good pipeline drew the frame");
}

#[test]
fn preset_errors_name_the_custom_key() {
    let pass =
        |slot: &str| format!("[[custom]]\nname = \"glow\"\nshader = \"glow.wgsl\"\n{slot}\n");
    let unknown = Preset::parse(&pass("after = \"finsh\"")).expect_err("unknown pass").to_string();
    assert!(unknown.contains("custom") && unknown.contains("finsh"), "{unknown}");
    let refused = Preset::parse(&pass("after = \"dof\"")).expect_err("before TAA").to_string();
    assert!(refused.contains("custom.glow.after"), "{refused}");
    let neither = Preset::parse(&pass("")).expect_err("no slot").to_string();
    assert!(neither.contains("custom.glow.after") && neither.contains("exactly one"), "{neither}");
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/examples/missing.toml");
    std::fs::write(&missing, pass("after = \"finish\"")).expect("write");
    let error = Preset::load(&missing).expect_err("no shader file").to_string();
    std::fs::remove_file(&missing).ok();
    assert!(error.contains("custom.glow.shader") && error.contains("glow.wgsl"), "{error}");
}

#[test]
fn a_user_pass_is_a_timing_scope_of_the_renderer() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 1.5);
    let mut renderer = common::renderer(&gpu, &scene, (64, 48), &common::studio(&gpu));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/examples/night_vision.toml");
    let post = Preset::load(&path).expect("preset").settings;
    let options = RenderOptions { post, ..Default::default() };
    renderer.render(&gpu, &camera, &options).expect("render");
    if !renderer.timing_available() {
        eprintln!("no GPU timing here; skipped");
        return;
    }
    let names: Vec<String> =
        renderer.wait_for_pass_times().iter().map(|t| t.name.clone()).collect();
    assert!(names.iter().any(|n| n == "night_vision"), "{names:?}");
}

/// A Rust pass that fills its output with one colour.
struct Fill(wgpu::Color);

impl UserPass for Fill {
    fn name(&self) -> &str {
        "fill"
    }
    fn slot(&self) -> (PostPass, bool) {
        (PostPass::Finish, true)
    }
    fn record(&mut self, ctx: UserPassContext<'_>) {
        assert_eq!(ctx.format, DISPLAY_FORMAT);
        ctx.encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("fill"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: ctx.output,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(self.0),
                    store: wgpu::StoreOp::Store,
                },
            })],
            ..Default::default()
        });
    }
}

#[test]
fn a_rust_pass_runs_at_its_slot_and_a_bad_slot_is_refused() {
    let Some(gpu) = common::gpu() else { return };
    let settings = PostSettings::default();
    let mut post = stack(&gpu, &settings, Provided::HDR_ONLY);
    let grey = wgpu::Color { r: 0.5, g: 0.5, b: 0.5, a: 1.0 };
    post.add_pass(Box::new(Fill(grey))).expect("add");
    assert!(post.add_pass(Box::new(Fill(grey))).is_err(), "a second `fill` is refused");
    let hdr = gradient_hdr(&gpu);
    let out = frame(&gpu, &mut post, &PostInputs::new(&hdr)).expect("frame");
    // Linear 0.5 is sRGB code 188.
    assert!(out.chunks_exact(4).all(|p| p == [188, 188, 188, 255]), "{:?}", &out[..8]);

    struct Early;
    impl UserPass for Early {
        fn name(&self) -> &str {
            "early"
        }
        fn slot(&self) -> (PostPass, bool) {
            (PostPass::Dof, true)
        }
        fn record(&mut self, _: UserPassContext<'_>) {}
    }
    let message = post.add_pass(Box::new(Early)).expect_err("before TAA").to_string();
    assert!(message.contains("early"), "{message}");
}

#[test]
fn hdr_slots_see_scene_linear_colour_before_the_finish() {
    let Some(gpu) = common::gpu() else { return };
    let path = Path::new("/virtual/half.wgsl");
    let half = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return vec4f(color.rgb * 0.5, color.a);\n}\n";
    let mut plain = PostSettings::default();
    plain.finish.dither = false;
    plain.tonemap.mapper = ToneMapper::Clamp;
    plain.exposure = afterlight::post::exposure::ExposureSettings::manual(0.0);
    // Halving the HDR image before the finish draws what the finish draws of half the input
    // (a clamp tone map, a fixed exposure; halving is exact in half floats).
    let expected = frame(
        &gpu,
        &mut stack(&gpu, &plain, Provided::HDR_ONLY),
        &PostInputs::new(&scaled_gradient_hdr(&gpu, 0.5)),
    )
    .expect("frame");
    let hdr = gradient_hdr(&gpu);
    for slot in ["after = \"taa\"", "before = \"bloom\"", "before = \"finish\""] {
        let text =
            format!("[[custom]]\nname = \"half\"\nshader = \"{}\"\n{slot}\n", path.display());
        let custom = Preset::parse(&text).expect("preset").settings.custom;
        let settings = PostSettings { custom, ..plain.clone() };
        let out = frame_with_shader(&gpu, &settings, (path, half), &hdr);
        let (max, mean) = difference(&out, &expected);
        eprintln!("{slot}: max {max} codes, mean {mean:.3} from the finish of half the input");
        assert!(max <= 1, "{slot}: max {max}, mean {mean}");
    }
}

#[test]
fn custom_normal_reads_the_renderers_g_buffer_normals() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let size = (96, 64);
    let camera = common::scene_camera(&scene, 1.5);
    // The normal as the G-buffer debug view shows it: n * 0.5 + 0.5, black on the sky.
    let shader = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    let n = custom_normal(uv);\n    return vec4f(select(vec3f(0.0), n * 0.5 + 0.5, dot(n, n) > 0.5), 1.0);\n}\n";
    let (path, mut post) = one_pass("normals", "after = \"sharpen\"");
    // No jitter, so both frames rasterise the same G-buffer.
    post.taa.tier = Tier::Off;
    post.taa.fxaa_fallback = false;
    let mut renderer = common::renderer(&gpu, &scene, size, &common::studio(&gpu));
    renderer.post_stack_mut().chain_mut().provide_custom_shader(path, shader);
    let options = RenderOptions { post, ..Default::default() };
    renderer.render(&gpu, &camera, &options).expect("render");
    let user = renderer.read_display(&gpu).expect("readback");
    let debug = RenderOptions { debug_view: Some(DebugView::Normal), ..options };
    renderer.render(&gpu, &camera, &debug).expect("render");
    let reference = renderer.read_display(&gpu).expect("readback");

    let surface = reference.chunks_exact(4).filter(|p| p[..3] != [0, 0, 0]).count();
    let colours: std::collections::HashSet<&[u8]> = user.chunks_exact(4).collect();
    let (max, mean) = difference(&user, &reference);
    eprintln!(
        "custom_normal vs the G-buffer view: {surface} surface pixels, {} colours; max {max} \
         codes, mean {mean:.3}",
        colours.len()
    );
    assert!(surface > size.0 as usize * size.1 as usize / 4, "the scene covers the view");
    assert!(colours.len() > 50, "custom_normal is not a constant ({} colours)", colours.len());
    assert!(max <= 1, "max {max}, mean {mean}");
}

/// What a linear sampler with clamp-to-edge returns at `uv` from a `w` x `h` image.
fn bilinear(image: &[[f32; 3]], (w, h): (u32, u32), uv: [f32; 2]) -> [f32; 3] {
    let axis = |t: f32, n: u32| {
        let p = t * n as f32 - 0.5;
        let i = p.floor();
        let clamp = |k: f32| k.clamp(0.0, n as f32 - 1.0) as usize;
        (clamp(i), clamp(i + 1.0), p - i)
    };
    let ((x0, x1, fx), (y0, y1, fy)) = (axis(uv[0], w), axis(uv[1], h));
    let at = |x: usize, y: usize| image[y * w as usize + x];
    let mut out = [0.0; 3];
    for (k, c) in out.iter_mut().enumerate() {
        let top = at(x0, y0)[k] * (1.0 - fx) + at(x1, y0)[k] * fx;
        let bottom = at(x0, y1)[k] * (1.0 - fx) + at(x1, y1)[k] * fx;
        *c = top * (1.0 - fy) + bottom * fy;
    }
    out
}

/// A dim background (below the halation's threshold) with a bright block, a bright pixel and
/// a bright corner; every value a multiple of 1/64, exact in half floats.
fn highlights() -> Vec<[f32; 3]> {
    let (w, h) = SIZE;
    let mut texels = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let texel = match (x, y) {
                (10..13, 8..11) => [6.0, 5.0, 4.0],
                (30, 20) => [12.0, 12.0, 12.0],
                (44.., 28..) => [3.0, 2.5, 2.0],
                _ => [(x % 16) as f32 / 64.0, (y % 8) as f32 / 64.0, 0.25],
            };
            texels.push(texel);
        }
    }
    texels
}

#[test]
fn halation_prepares_at_half_size_and_matches_its_formula_on_the_cpu() {
    let Some(gpu) = common::gpu() else { return };
    let mut with = example("halation.toml");
    // A fixed exposure and no bloom: the finish then draws any HDR image the same way.
    with.exposure = afterlight::post::exposure::ExposureSettings::manual(0.0);
    with.bloom.tier = Tier::Off;
    let without = PostSettings { custom: Vec::new(), ..with.clone() };
    let (threshold, amount) = (param(&with, "threshold")[0], param(&with, "amount")[0]);
    let (tint, spread) = (param(&with, "tint"), param(&with, "spread")[0]);

    // prepare: the blurred excess luminance at half size; effect: the input plus the tinted
    // glow sampled bilinearly at full size.
    let input = highlights();
    let small = with.custom[0].intermediate_size(SIZE);
    assert_eq!(small, (SIZE.0 / 2, SIZE.1 / 2));
    let weights = [1.0, 4.0, 6.0, 4.0, 1.0];
    let bright = |c: [f32; 3]| (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] - threshold).max(0.0);
    let mut glow = Vec::new();
    for y in 0..small.1 {
        for x in 0..small.0 {
            let uv = [(x as f32 + 0.5) / small.0 as f32, (y as f32 + 0.5) / small.1 as f32];
            let mut sum = 0.0;
            for (j, wj) in weights.iter().enumerate() {
                for (i, wi) in weights.iter().enumerate() {
                    let at = [
                        uv[0] + (i as f32 - 2.0) * spread / small.0 as f32,
                        uv[1] + (j as f32 - 2.0) * spread / small.1 as f32,
                    ];
                    sum += wi * wj * bright(bilinear(&input, SIZE, at));
                }
            }
            glow.push([sum / 256.0; 3]);
        }
    }
    let expected: Vec<[f32; 3]> = (0..SIZE.1)
        .flat_map(|y| (0..SIZE.0).map(move |x| (x, y)))
        .map(|(x, y)| {
            let uv = [(x as f32 + 0.5) / SIZE.0 as f32, (y as f32 + 0.5) / SIZE.1 as f32];
            let g = bilinear(&glow, small, uv);
            let c = input[(y * SIZE.0 + x) as usize];
            [0, 1, 2].map(|k| c[k] + tint[k] * amount * g[k])
        })
        .collect();
    let glowing = glow.iter().filter(|g| g[0] > 0.01).count();

    let source = hdr_texture(&gpu, &input);
    let mut post = stack(&gpu, &with, Provided::HDR_ONLY);
    let gpu_out = frame(&gpu, &mut post, &PostInputs::new(&source)).expect("frame");
    let reference = hdr_texture(&gpu, &expected);
    let mut plain = stack(&gpu, &without, Provided::HDR_ONLY);
    let cpu_out = frame(&gpu, &mut plain, &PostInputs::new(&reference)).expect("frame");
    let unchanged = frame(&gpu, &mut plain, &PostInputs::new(&source)).expect("frame");
    let (max, mean) = difference(&gpu_out, &cpu_out);
    let (changed, _) = difference(&gpu_out, &unchanged);
    eprintln!(
        "halation vs CPU: {glowing} of {} intermediate pixels glow; max {max} codes, mean \
         {mean:.3}; the pass changed the image by up to {changed} codes",
        glow.len()
    );
    assert!(glowing > 20, "the highlights glow ({glowing})");
    assert!(changed > 30, "the glow shows ({changed})");
    assert!(max <= 2 && mean < 0.1, "max {max}, mean {mean}");

    // The intermediate came from the pool, at half size, named after the pass.
    let pool = post.chain().pool().memory("post.pool");
    let intermediate: Vec<_> =
        pool.iter().filter(|e| e.name.contains("halation.intermediate")).collect();
    assert_eq!(intermediate.len(), 1, "{:?}", pool.iter().map(|e| &e.name).collect::<Vec<_>>());
    assert_eq!(intermediate[0].bytes, u64::from(small.0 * small.1) * 8, "Rgba16Float, half size");
}

#[test]
fn a_pass_without_prepare_draws_no_intermediate() {
    let Some(gpu) = common::gpu() else { return };
    let settings = example("halation.toml");
    let effect_only = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return color * params.amount;\n}\n";
    let mut post = stack(&gpu, &settings, Provided::HDR_ONLY);
    post.chain_mut().provide_custom_shader(settings.custom[0].shader.clone(), effect_only);
    let hdr = gradient_hdr(&gpu);
    frame(&gpu, &mut post, &PostInputs::new(&hdr)).expect("frame");
    let pool = post.chain().pool().memory("post.pool");
    let names: Vec<&str> = pool.iter().map(|e| e.name.as_str()).collect();
    assert!(!names.iter().any(|n| n.contains("intermediate")), "{names:?}");
    let half = u64::from(SIZE.0 / 2 * SIZE.1 / 2) * 8;
    assert!(!pool.iter().any(|e| e.bytes == half), "no half-size HDR image: {names:?}");

    // `custom_intermediate` without `prepare` is an error saying why.
    let uses = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return custom_intermediate(uv);\n}\n";
    let mut post = stack(&gpu, &settings, Provided::HDR_ONLY);
    post.chain_mut().provide_custom_shader(settings.custom[0].shader.clone(), uses);
    let message = frame(&gpu, &mut post, &PostInputs::new(&hdr)).expect_err("no prepare");
    eprintln!("{message}");
    assert!(message.contains("halation.wgsl:2:") && message.contains("fn prepare"), "{message}");
}

#[test]
fn prepare_at_a_display_slot_at_full_scale_passes_the_image_through() {
    let Some(gpu) = common::gpu() else { return };
    let shader = "fn prepare(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return color;\n}\n\nfn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return custom_intermediate(uv);\n}\n";
    let (path, settings) = one_pass("through", "after = \"finish\"\nintermediate_scale = 1.0");
    let hdr = gradient_hdr(&gpu);
    let without = PostSettings { custom: Vec::new(), ..settings.clone() };
    let plain = frame(&gpu, &mut stack(&gpu, &without, Provided::HDR_ONLY), &PostInputs::new(&hdr))
        .expect("frame");
    let out = frame_with_shader(&gpu, &settings, (&path, shader), &hdr);
    // Display colour decoded, written to an sRGB image, read back and encoded twice over.
    let (max, mean) = difference(&out, &plain);
    eprintln!("prepare -> intermediate -> effect at full scale: max {max} codes, mean {mean:.3}");
    // (`effect` returns only what `prepare` wrote: had it not run, this would differ.)
    assert!(max <= 1, "max {max}, mean {mean}");
}

//! The viewer (`afterlight view`): the panel driven by synthetic egui input (no window),
//! presets saved byte-identically, hot reload keeping the last good pipeline and then
//! replacing it, and a real window under Xvfb whose screenshot must match `afterlight render`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use afterlight::config::Preset;
use afterlight::gpu::read_texture;
use afterlight::post::Tier;
use afterlight::post::chain::PostSettings;
use afterlight::post::finish::DISPLAY_FORMAT;
use afterlight::viewer::blit::{self, BlitPass, BlitRegion};
use afterlight::viewer::panel::{FrameStats, Panel};
use afterlight::viewer::reload::{FileWatcher, Reloadable, check_shader_dir};
use afterlight::viewer::{preset_text, save_preset};

/// A fresh directory under the test target folder.
fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("viewer-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Drives a panel through egui frames with synthetic input, like a window would.
struct Driver {
    ctx: egui::Context,
    panel: Panel,
}

impl Driver {
    fn new(panel: Panel) -> Self {
        let mut driver = Self { ctx: egui::Context::default(), panel };
        driver.frame(Vec::new());
        driver
    }

    fn frame(&mut self, events: Vec<egui::Event>) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(420.0, 4000.0),
            )),
            events,
            ..Default::default()
        };
        let panel = &mut self.panel;
        let output = self.ctx.run_ui(input, |ui| {
            panel.ui(ui, &FrameStats::default());
        });
        output.drop_without_applying_deltas();
    }

    fn rect(&self, key: &str) -> egui::Rect {
        self.panel.widget_rect(key).unwrap_or_else(|| panic!("no widget drawn for {key}"))
    }

    fn button(pos: egui::Pos2, pressed: bool) -> egui::Event {
        egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        }
    }

    fn click(&mut self, key: &str) {
        let pos = self.rect(key).center();
        self.frame(vec![egui::Event::PointerMoved(pos)]);
        self.frame(vec![Self::button(pos, true)]);
        self.frame(vec![Self::button(pos, false)]);
        self.frame(Vec::new());
    }

    /// Press at `from`, move to `to` in steps, release.
    fn drag(&mut self, from: egui::Pos2, to: egui::Pos2) {
        self.frame(vec![egui::Event::PointerMoved(from)]);
        self.frame(vec![Self::button(from, true)]);
        for i in 1..=8 {
            self.frame(vec![egui::Event::PointerMoved(from.lerp(to, i as f32 / 8.0))]);
        }
        self.frame(vec![Self::button(to, false)]);
        self.frame(Vec::new());
    }

    fn open(&mut self, section: &str) {
        Panel::set_section_open(&self.ctx, section, true);
        self.frame(Vec::new());
    }
}

/// Every piece of text a frame of the panel drew, with the pointer at `pointer`.
fn panel_texts(ctx: &egui::Context, panel: &mut Panel, pointer: Option<egui::Pos2>) -> Vec<String> {
    fn collect(shape: &egui::Shape, out: &mut Vec<String>) {
        match shape {
            egui::Shape::Text(text) => out.push(text.galley.text().to_owned()),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect(s, out)),
            _ => {}
        }
    }
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(420.0, 4000.0))),
        events: pointer.map(egui::Event::PointerMoved).into_iter().collect(),
        ..Default::default()
    };
    let output = ctx.run_ui(input, |ui| {
        panel.ui(ui, &FrameStats::default());
    });
    let mut texts = Vec::new();
    output.shapes.iter().for_each(|s| collect(&s.shape, &mut texts));
    output.drop_without_applying_deltas();
    texts
}

#[test]
fn the_timing_charts_name_every_pass_on_the_axis_and_the_budget_line() {
    use afterlight::gpu::{FrameTiming, PassTime};
    let names = ["shadows", "gbuffer", "ao", "lighting", "motion_blur_tiles", "finish"];
    let timings: Vec<FrameTiming> = (0..40u64)
        .map(|frame| FrameTiming {
            frame,
            gpu_ms: 6.0 + (frame % 5) as f64,
            cpu_ms: 0.2,
            passes: names
                .iter()
                .enumerate()
                .map(|(i, name)| PassTime {
                    name: (*name).into(),
                    ms: 0.5 + i as f64,
                    cpu_ms: 0.01,
                })
                .collect(),
        })
        .collect();
    let mut settings = PostSettings::default();
    settings.budget.target_ms = 10.0;
    let budget = settings.budget.budget_ms();
    let steering = settings.budget.limit_ms();
    let mut panel = Panel::new(settings, None);
    panel.record_timings(&timings);
    let ctx = egui::Context::default();
    panel_texts(&ctx, &mut panel, None);
    let texts = panel_texts(&ctx, &mut panel, None);
    // Each pass named on the bar chart's axis (a long name abbreviated), the axes and the
    // frame-time plot's lines named in its legend.
    for text in [
        "shadows",
        "gbuffer",
        "ao",
        "lighting",
        "motion_bl…",
        "finish",
        "GPU ms per pass",
        "GPU ms",
        "frame",
        "frame GPU ms",
        &format!("budget {budget:.2} ms"),
        &format!("steering line {steering:.2} ms"),
    ] {
        assert!(texts.iter().any(|t| t == text), "{text} missing from {texts:?}");
    }
    // Hovering the abbreviated pass's bar shows its full name and ms.
    let bar = panel.widget_rect("pass_ms.motion_blur_tiles").expect("bar drawn").center();
    panel_texts(&ctx, &mut panel, Some(bar));
    let texts = panel_texts(&ctx, &mut panel, Some(bar));
    assert!(
        texts.iter().any(|t| t.contains("motion_blur_tiles: 4.500 ms")),
        "no hover text in {texts:?}"
    );
}

#[test]
fn clicking_a_pass_toggle_turns_it_on_and_reset_returns_to_the_preset() {
    let mut d = Driver::new(Panel::new(PostSettings::default(), None));
    assert_eq!(d.panel.settings().bloom.tier, Tier::Off);
    d.click("bloom.enabled");
    assert_eq!(d.panel.settings().bloom.tier, Tier::High, "a pass switched on gets tier high");
    assert!(d.panel.is_dirty());
    let changed = d.panel.take_changed().expect("the app is told the settings changed");
    assert_eq!(changed.bloom.tier, Tier::High);
    assert_eq!(d.panel.take_changed(), None, "told once");
    d.click("bloom.reset");
    assert_eq!(d.panel.settings(), &PostSettings::default());
    assert!(!d.panel.is_dirty());
}

#[test]
fn dragging_a_slider_sets_the_value_it_points_at() {
    let mut d = Driver::new(Panel::new(PostSettings::default(), None));
    d.open("grade");
    let rail = d.rect("grade.saturation");
    // Saturation's range is 0..=2; drag the handle to three quarters of the rail.
    let y = rail.center().y;
    d.drag(
        egui::pos2(rail.center().x, y),
        egui::pos2(rail.lerp_inside(egui::vec2(0.75, 0.5)).x, y),
    );
    let saturation = d.panel.settings().grade.saturation;
    assert!((1.3..=1.7).contains(&saturation), "saturation {saturation} after a drag to 3/4");
    // The grade is one of the settings in the tree the renderer reads.
    let changed = d.panel.take_changed().expect("changed");
    assert_eq!(changed.grade.saturation, saturation);
    // Dragging far past the end stops at the documented maximum.
    let rail = d.rect("grade.saturation");
    d.drag(rail.center(), rail.right_center() + egui::vec2(500.0, 0.0));
    assert_eq!(d.panel.settings().grade.saturation, 2.0);
}

#[test]
fn a_pass_with_a_tier_shows_its_toggle_and_every_setting_gets_a_control() {
    let mut d = Driver::new(Panel::new(PostSettings::default(), None));
    for section in afterlight::viewer::schema::sections() {
        d.open(section);
    }
    for setting in afterlight::viewer::schema::SETTINGS.iter() {
        assert!(d.panel.widget_rect(setting.key).is_some(), "{} has no control", setting.key);
    }
    for pass in ["ao", "taa", "exposure", "bloom", "finish", "fxaa", "sharpen"] {
        assert!(d.panel.widget_rect(&format!("{pass}.enabled")).is_some(), "{pass} toggle");
    }
}

#[test]
fn presets_save_byte_identically_and_load_back_equal() {
    let dir = temp_dir("presets");
    let presets = common::files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("presets"), &["toml"]);
    assert!(!presets.is_empty());
    for path in presets {
        let loaded = Preset::load(&path).expect("shipped preset loads");
        let out = dir.join(path.file_name().expect("name"));
        let again = save_preset(&loaded.settings, &out).expect("save");
        assert_eq!(again.settings, loaded.settings, "{} changes when saved", path.display());
        let first = std::fs::read(&out).expect("read");
        assert_eq!(
            preset_text(&again.settings, &out).expect("text").as_bytes(),
            first,
            "{}: saving what was loaded from the saved file gives other bytes",
            path.display()
        );
    }
}

#[test]
fn panel_edits_saved_as_a_preset_come_back_as_the_same_settings() {
    let dir = temp_dir("panel-save");
    let mut d = Driver::new(Panel::new(PostSettings::default(), None));
    d.click("bloom.enabled");
    d.click("fxaa.enabled");
    let path = dir.join("tuned.toml");
    let saved = save_preset(d.panel.settings(), &path).expect("save");
    d.panel.mark_saved(&path);
    assert!(!d.panel.is_dirty());
    assert_eq!(&saved.settings, d.panel.settings());
    assert_eq!((saved.settings.bloom.tier, saved.settings.fxaa.tier), (Tier::High, Tier::High));
}

const FRAGMENT_LINE: &str = "        return vec4f(textureLoad(image_a, pixel, 0).rgb, 1.0);";

/// Draw `input` (a 4x4 image of one colour) through `pass` and return the centre pixel.
fn blit_colour(gpu: &afterlight::gpu::Gpu, pass: &BlitPass, input: [u8; 4]) -> [u8; 4] {
    let size = (4, 4);
    let rgba: Vec<u8> = input.iter().copied().cycle().take(4 * 4 * 4).collect();
    let source = common::display_texture(gpu, size, Some(&rgba));
    let target = common::display_texture(gpu, size, None);
    let view = source.create_view(&Default::default());
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let region = BlitRegion { origin: (0, 0), size, divider: None };
    let target_view = target.create_view(&Default::default());
    pass.draw(&gpu.device, &gpu.queue, &mut encoder, &target_view, (&view, None), &region);
    gpu.queue.submit([encoder.finish()]);
    let pixels = read_texture(gpu, &target).expect("read back");
    let i = (2 * 4 + 2) * 4;
    [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]
}

/// Wait (at most 10 s) for the watcher to report a shader change.
fn wait_for_shader_change(watcher: &mut FileWatcher) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if watcher.poll().is_some_and(|c| c.shaders) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the watcher did not report the shader change within 10 s");
}

#[test]
fn a_broken_shader_keeps_the_last_good_pipeline_and_a_fixed_one_replaces_it() {
    let Some(gpu) = common::gpu() else { return };
    let dir = temp_dir("hot-reload");
    let original = blit::load_source(None).expect("blit shader").code;
    assert!(original.contains(FRAGMENT_LINE), "the test edits this line of viewer_blit.wgsl");
    let file = dir.join("viewer_blit.wgsl");
    std::fs::write(&file, &original).expect("write shader");
    let mut watcher = FileWatcher::new(Some(&dir)).expect("watch");
    let build = |dir: &Path| {
        blit::load_source(Some(dir)).and_then(|s| BlitPass::new(&gpu.device, DISPLAY_FORMAT, &s))
    };
    let mut pass = Reloadable::new(build(&dir).expect("good shader builds"));
    let colour = [200, 40, 90, 255];
    assert_eq!(blit_colour(&gpu, pass.get(), colour), colour);

    // Broken: a missing semicolon on the fragment's line.
    let line = original.lines().position(|l| l == FRAGMENT_LINE).expect("line") + 1;
    let broken = original.replace(FRAGMENT_LINE, FRAGMENT_LINE.trim_end_matches(';'));
    std::fs::write(&file, &broken).expect("write broken");
    wait_for_shader_change(&mut watcher);
    let errors = check_shader_dir(&dir).expect_err("naga rejects the broken shader");
    let message = errors[0].to_string();
    assert!(
        message.contains("viewer_blit.wgsl:") && errors.len() == 1,
        "error names the file: {message}"
    );
    assert!(!pass.reload(|| build(&dir)));
    let error = pass.error().expect("error kept for the panel").to_owned();
    eprintln!("kept the last good pipeline: {error}");
    let location = format!("viewer_blit.wgsl:{}", line + 1);
    let location_here = format!("viewer_blit.wgsl:{line}");
    assert!(
        error.contains(&location) || error.contains(&location_here),
        "error names file and line {line}: {error}"
    );
    assert_eq!(pass.generation(), 0);
    assert_eq!(blit_colour(&gpu, pass.get(), colour), colour, "the last good pipeline still runs");

    // Fixed, and different: the new pipeline inverts the image.
    let inverted = original.replace(
        FRAGMENT_LINE,
        "        return vec4f(1.0 - textureLoad(image_a, pixel, 0).rgb, 1.0);",
    );
    std::fs::write(&file, &inverted).expect("write fixed");
    wait_for_shader_change(&mut watcher);
    assert_eq!(check_shader_dir(&dir).map_err(|e| e.len()), Ok(1));
    assert!(pass.reload(|| build(&dir)));
    assert_eq!((pass.generation(), pass.error()), (1, None));
    let out = blit_colour(&gpu, pass.get(), colour);
    // 1 - x in linear light, through the sRGB encode of the target.
    let expected: Vec<u8> = colour[..3]
        .iter()
        .map(|&c| common::linear_to_srgb(1.0 - common::srgb_to_linear(c)))
        .collect();
    for (got, want) in out[..3].iter().zip(&expected) {
        assert!(got.abs_diff(*want) <= 1, "replaced pipeline drew {out:?}, expected {expected:?}");
    }
}

#[test]
fn editing_the_watched_preset_is_reported() {
    let dir = temp_dir("preset-watch");
    let path = dir.join("live.toml");
    std::fs::write(&path, "[bloom]\nintensity = 0.1\n").expect("write");
    let mut watcher = FileWatcher::new(None).expect("watch");
    watcher.watch_preset(Some(&path)).expect("watch preset");
    std::fs::write(dir.join("other.toml"), "").expect("write other");
    std::fs::write(&path, "[bloom]\nintensity = 0.2\n").expect("write");
    let start = Instant::now();
    let mut seen = None;
    while start.elapsed() < Duration::from_secs(10) && seen.is_none() {
        seen = watcher.poll();
        std::thread::sleep(Duration::from_millis(20));
    }
    let changes = seen.expect("the preset change is reported within 10 s");
    assert!(changes.preset && !changes.shaders, "{changes:?}");
}

/// Whether `program` can be run (found on PATH).
fn available(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_window_renders_the_scene_as_render_does() {
    if !available("xvfb-run") {
        crate::skip::no_tool("xvfb-run is not installed (apt-get install xvfb xauth)");
        return;
    }
    if common::gpu().is_none() {
        return;
    }
    let dir = temp_dir("window");
    let shot = dir.join("view.png");
    let output = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 800x600x24"])
        .arg(env!("CARGO_BIN_EXE_afterlight"))
        .args(["view", "--size", "540x240", "--exit-after-frames", "6", "--screenshot"])
        .arg(&shot)
        .env_remove("AFTERLIGHT_ADAPTER")
        .output()
        .expect("run xvfb-run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "afterlight view failed: {stderr}");
    let view = image::open(&shot).expect("screenshot written").to_rgba8();
    let (w, h) = view.dimensions();
    assert!(w >= 64 && h >= 64 && w <= 256 && h <= 256, "viewport {w}x{h}");
    assert!(shot.with_extension("exr").is_file(), "the HDR screenshot is written too");

    let reference = dir.join("render.png");
    let size = format!("{w}x{h}");
    let render = Command::new(env!("CARGO_BIN_EXE_afterlight"))
        .args(["render", "--size", &size, "-o"])
        .arg(&reference)
        .output()
        .expect("run afterlight render");
    assert!(render.status.success(), "{}", String::from_utf8_lossy(&render.stderr));
    let reference = image::open(&reference).expect("reference").to_rgba8();
    let ssim = afterlight::quality::ssim(view.as_raw(), reference.as_raw(), w as usize, h as usize)
        .expect("same size");
    eprintln!("afterlight view {w}x{h} vs afterlight render: SSIM {ssim:.4}");
    assert!(ssim > 0.97, "the window's image differs from `afterlight render`: SSIM {ssim:.4}");
    // And it shows the scene, not a flat colour: the object's pixels differ from the corners.
    let corner = view.get_pixel(1, 1).0;
    let differing =
        view.pixels().filter(|p| p.0.iter().zip(corner).any(|(a, b)| a.abs_diff(b) > 24)).count();
    assert!(
        differing > (w * h / 10) as usize,
        "only {differing} pixels differ from the background"
    );
}

#[test]
fn the_compare_split_shows_a_left_of_the_divider_and_b_right_of_it() {
    let Some(gpu) = common::gpu() else { return };
    let pass =
        BlitPass::new(&gpu.device, DISPLAY_FORMAT, &blit::load_source(None).expect("shader"))
            .expect("blit pass");
    let size = (16, 4);
    let image = |rgba: [u8; 4]| {
        let pixels: Vec<u8> = rgba.iter().copied().cycle().take(16 * 4 * 4).collect();
        common::display_texture(&gpu, size, Some(&pixels))
    };
    let (a, b) = (image([255, 0, 0, 255]), image([0, 0, 255, 255]));
    let target = common::display_texture(&gpu, size, None);
    let (a_view, b_view) = (a.create_view(&Default::default()), b.create_view(&Default::default()));
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let region = BlitRegion { origin: (0, 0), size, divider: Some(8.0) };
    let target_view = target.create_view(&Default::default());
    pass.draw(
        &gpu.device,
        &gpu.queue,
        &mut encoder,
        &target_view,
        (&a_view, Some(&b_view)),
        &region,
    );
    gpu.queue.submit([encoder.finish()]);
    let pixels = read_texture(&gpu, &target).expect("read back");
    let at = |x: usize| &pixels[(16 + x) * 4..(16 + x) * 4 + 3];
    assert_eq!(at(2), [255, 0, 0], "left of the divider: A");
    assert_eq!(at(13), [0, 0, 255], "right of the divider: B");
    assert!(at(7)[1] > 150 && at(8)[1] > 150, "the divider line is drawn: {:?} {:?}", at(7), at(8));
}

#[test]
fn a_valid_reorder_changes_settings_and_image_and_an_invalid_one_is_refused_with_its_reason() {
    use afterlight::post::chain::PostPass;
    use afterlight::post::fxaa::FxaaSettings;
    use afterlight::post::sharpen::SharpenSettings;
    let start = PostSettings {
        fxaa: FxaaSettings { tier: Tier::High, ..FxaaSettings::default() },
        sharpen: SharpenSettings { tier: Tier::High, ..SharpenSettings::default() },
        ..PostSettings::default()
    };
    let mut d = Driver::new(Panel::new(start.clone(), None));
    d.click("order.fxaa.down");
    let swapped = d.panel.settings().clone();
    let fxaa = swapped.order.iter().position(|p| *p == PostPass::Fxaa);
    let sharpen = swapped.order.iter().position(|p| *p == PostPass::Sharpen);
    assert!(sharpen < fxaa, "FXAA now runs after sharpen: {:?}", swapped.order);
    assert!(d.panel.order_refusal().is_none());

    d.click("order.taa.up");
    assert_eq!(d.panel.settings().order, swapped.order, "the refused move changed nothing");
    let reason = d.panel.order_refusal().expect("a reason is shown");
    assert!(reason.contains("TAA must come after depth of field and motion blur"), "{reason}");
    assert!(d.panel.messages().iter().any(|m| m.text.contains(reason)), "and logged");

    // The preset keeps the order.
    let dir = temp_dir("order");
    let preset = save_preset(&swapped, &dir.join("order.toml")).expect("saved and read back");
    assert_eq!(preset.settings.order, swapped.order);

    // The chain honours it: the picture changes.
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 1.0);
    let env = common::studio(&gpu);
    let mut renderer = common::renderer(&gpu, &scene, (64, 64), &env);
    let mut image = |post: &PostSettings| {
        let options =
            afterlight::render::RenderOptions { post: post.clone(), ..Default::default() };
        renderer.render(&gpu, &camera, &options).expect("render");
        renderer.read_display(&gpu).expect("readback")
    };
    let before = image(&start);
    let after = image(&swapped);
    let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert!(changed > 0, "FXAA after sharpen draws a different picture");
    assert_eq!(image(&start), before, "and the default order draws the first one again");
}

#[test]
fn dropped_files_load_by_kind_and_a_broken_one_shows_its_error() {
    use afterlight::viewer::panel::Level;
    use afterlight::viewer::session::{DroppedKind, Session};
    let Some(hdr) = common::shared_file("hdr/royal_esplanade_1k.hdr") else { return };
    let Some(lut) = common::shared_file("luts/colour_eotf_sRGB_3D.cube") else { return };
    let Some(_) = common::gpu() else { return };
    let options = afterlight::viewer::ViewerOptions { size: (64, 64), ..Default::default() };
    let mut session = Session::new(&options).expect("session");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = temp_dir("drop");
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "[bloom]\nintensity = \"bright\"\n").expect("write");
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "hello").expect("write");
    let cases = [
        (root.join("scenes/product_demo.glb"), Some(DroppedKind::Scene)),
        (hdr, Some(DroppedKind::Environment)),
        (lut, Some(DroppedKind::Lut)),
        (root.join("presets/product.toml"), Some(DroppedKind::Preset)),
        (broken.clone(), None),
        (notes.clone(), None),
    ];
    for (path, kind) in &cases {
        let before = session.panel().messages().len();
        assert_eq!(session.drop_file(path), *kind, "{}", path.display());
        let message = session.panel().messages().last().expect("a message");
        assert_eq!(session.panel().messages().len(), before + 1);
        let level = if kind.is_some() { Level::Info } else { Level::Error };
        assert_eq!(message.level, level, "{}", message.text);
        assert!(message.text.contains(&path.display().to_string()), "{}", message.text);
    }
    let product = Preset::load(root.join("presets/product.toml")).expect("preset");
    assert_eq!(session.panel().settings().bloom, product.settings.bloom, "the preset loaded");
    assert_eq!(session.panel().preset_path(), Some(root.join("presets/product.toml").as_path()));
    let messages = session.panel().messages();
    let broken_error = &messages[messages.len() - 2].text;
    assert!(broken_error.contains("intensity"), "the key is named: {broken_error}");
    assert!(messages.last().is_some_and(|m| m.text.contains("drop a .glb")));
}

#[test]
fn a_lost_device_is_noticed_and_replaced() {
    use afterlight::viewer::session::Session;
    let Some(_) = common::gpu() else { return };
    let options = afterlight::viewer::ViewerOptions { size: (64, 64), ..Default::default() };
    let mut session = Session::new(&options).expect("session");
    assert!(session.device_lost().is_none());
    let old = session.gpu().device.clone();
    old.destroy();
    let _ = old.poll(wgpu::PollType::wait_indefinitely());
    let reason = session.device_lost().expect("the loss is reported");
    assert!(reason.contains("Destroyed"), "{reason}");

    session.recover().expect("a new device");
    assert!(session.device_lost().is_none(), "the new device is fine");
    let last = session.panel().messages().last().expect("a message").text.clone();
    assert!(last.contains("GPU device was lost") && last.contains("Destroyed"), "{last}");
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 1.0);
    let (gpu, renderer) = session.gpu_and_renderer();
    renderer.resize(gpu, 32, 32).expect("resize");
    renderer.render(gpu, &camera, &Default::default()).expect("renders on the new device");
    let image = renderer.read_display(gpu).expect("readback");
    assert!(image.chunks_exact(4).any(|p| p[0] > 20), "the scene is drawn, not black");

    let error = afterlight::viewer::ViewerError::DeviceLost(reason);
    assert!(error.to_string().contains("the viewer has to close"), "{error}");
}

#[test]
fn editing_the_watched_lut_is_reported() {
    let dir = temp_dir("lut-watch");
    let path = dir.join("look.spi1d");
    std::fs::write(&path, "Version 1\nLength 2\n{\n0\n1\n}\n").expect("write");
    let mut watcher = FileWatcher::new(None).expect("watch");
    watcher.watch_lut(Some(&path)).expect("watch LUT");
    // Watching the same path again is a no-op (the viewer calls it every frame).
    watcher.watch_lut(Some(&path)).expect("watch LUT again");
    std::fs::write(&path, "Version 1\nLength 2\n{\n0\n0.5\n}\n").expect("write");
    let start = Instant::now();
    let mut seen = None;
    while start.elapsed() < Duration::from_secs(10) && seen.is_none() {
        seen = watcher.poll();
        std::thread::sleep(Duration::from_millis(20));
    }
    let changes = seen.expect("the LUT change is reported within 10 s");
    assert!(changes.lut && !changes.preset && !changes.shaders, "{changes:?}");
}

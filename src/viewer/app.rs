//! The viewer's window loop: winit events in, one egui pass, the scene frame (and the B side
//! of an A/B compare), the present pass and egui into the surface. Reads: window events, file
//! changes, dropped files. Writes: the window, presets and screenshots on request.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use winit::application::ApplicationHandler;
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Window, WindowId};

use super::blit::{self, BlitPass, BlitRegion};
use super::hdr_surface::{SurfaceChoice, choose_surface};
use super::orbit::Orbit;
use super::panel::{Action, CompareWith, FrameStats, GovernorView, Level};
use super::reload::{FileWatcher, Reloadable, check_shader_dir};
use super::session::{MIN_VIEWPORT, Session};
use super::{ViewerError, ViewerOptions, save_preset, schema};
use crate::Error;
use crate::config::Preset;
use crate::gpu::Gpu;
use crate::post::chain::PostSettings;
use crate::post::display::DisplayEncoding;
use crate::render::{RenderOptions, Renderer, RendererSettings};

/// Width of the panel when the window opens, in points.
const PANEL_WIDTH: f32 = 300.0;

/// Open the viewer window and run until it is closed (or `exit_after_frames` is reached).
pub fn run(options: ViewerOptions) -> Result<(), ViewerError> {
    let event_loop = EventLoop::new().map_err(|e| ViewerError::Window(e.to_string()))?;
    event_loop.set_control_flow(ControlFlow::Poll);
    let mut app = App { options, state: None, error: None };
    event_loop.run_app(&mut app).map_err(|e| ViewerError::Window(e.to_string()))?;
    match app.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct App {
    options: ViewerOptions,
    state: Option<State>,
    error: Option<ViewerError>,
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.state.is_some() {
            return;
        }
        match State::new(event_loop, &self.options) {
            Ok(state) => self.state = Some(state),
            Err(e) => {
                self.error = Some(e);
                event_loop.exit();
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        let Some(state) = &mut self.state else { return };
        let result = match event {
            WindowEvent::CloseRequested => {
                event_loop.exit();
                Ok(())
            }
            WindowEvent::RedrawRequested => state.redraw(),
            event => {
                state.input(&event);
                Ok(())
            }
        };
        let done = self.options.exit_after_frames.is_some_and(|n| state.frames >= n);
        if let Err(e) = result {
            self.error = Some(e);
            event_loop.exit();
        } else if done {
            if let Some(path) = &self.options.screenshot
                && let Err(e) = state.screenshot(path)
            {
                self.error = Some(e.into());
            }
            event_loop.exit();
        }
    }

    fn about_to_wait(&mut self, _: &ActiveEventLoop) {
        if let Some(state) = &self.state {
            state.window.request_redraw();
        }
    }
}

/// Mouse buttons held over the 3D viewport and where the cursor was.
#[derive(Default)]
struct Drag {
    orbit: bool,
    pan: bool,
    last: Option<(f32, f32)>,
    /// Ctrl is held: a left click focuses depth of field instead of orbiting.
    ctrl: bool,
}

struct State {
    window: Arc<Window>,
    /// The surface, present pass and egui renderer: everything of the window on the GPU.
    surface: WindowGpu,
    egui: egui_winit::State,
    /// GPU, scene, renderers, panel and file watching.
    session: Session,
    /// Device losses recovered from so far.
    recoveries: u32,
    /// The B preset, with the path it was read from.
    compare_preset: Option<(PathBuf, Result<PostSettings, String>)>,
    orbit: Option<Orbit>,
    options: RenderOptions,
    /// Viewport origin and size in surface pixels.
    viewport: ((u32, u32), (u32, u32)),
    drag: Drag,
    last_frame: Instant,
    frames: u64,
    last_render_error: Option<String>,
}

/// How many lost devices the viewer replaces before it gives up.
const MAX_RECOVERIES: u32 = 3;

/// The window's GPU objects, remade with each new device.
struct WindowGpu {
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    /// The surface's format and colour space for the display encoding asked for.
    choice: SurfaceChoice,
    egui_renderer: egui_wgpu::Renderer,
    blit: Reloadable<BlitPass>,
}

impl WindowGpu {
    fn new(gpu: &Gpu, window: &Arc<Window>) -> Result<Self, ViewerError> {
        let surface = gpu
            .instance
            .create_surface(window.clone())
            .map_err(|e| ViewerError::Surface(e.to_string()))?;
        if !gpu.adapter.is_surface_supported(&surface) {
            return Err(ViewerError::Surface(format!(
                "{} cannot present to this window",
                gpu.info.name
            )));
        }
        let caps = surface.get_capabilities(&gpu.adapter);
        let choice = choose_surface(&caps.format_capabilities, &caps.formats, DisplayEncoding::Sdr)
            .ok_or_else(|| ViewerError::Surface("the surface offers no format".into()))?;
        let format = choice.format;
        let (w, h) = pixels(window.inner_size());
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: w,
            height: h,
            present_mode: wgpu::PresentMode::AutoVsync,
            desired_maximum_frame_latency: 2,
            alpha_mode: caps.alpha_modes.first().copied().unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            color_space: choice.color_space,
        };
        surface.configure(&gpu.device, &config);
        let egui_renderer = egui_wgpu::Renderer::new(&gpu.device, format, Default::default());
        let blit =
            BlitPass::new(&gpu.device, format, &blit::load_source(None).map_err(Error::from)?)
                .map_err(Error::from)?;
        Ok(Self { surface, config, choice, egui_renderer, blit: Reloadable::new(blit) })
    }

    /// Present in the display encoding `wanted` (the preset's `[display] encoding`): an HDR
    /// surface where this one offers its colour space, else SDR ([`choose_surface`]). The
    /// surface, the UI renderer and the blit follow a new format.
    fn follow(&mut self, gpu: &Gpu, wanted: DisplayEncoding) -> Result<(), ViewerError> {
        if wanted == self.choice.wanted {
            return Ok(());
        }
        let caps = self.surface.get_capabilities(&gpu.adapter);
        let Some(choice) = choose_surface(&caps.format_capabilities, &caps.formats, wanted) else {
            return Ok(());
        };
        if (choice.format, choice.color_space) != (self.config.format, self.config.color_space) {
            self.config.format = choice.format;
            self.config.color_space = choice.color_space;
            self.surface.configure(&gpu.device, &self.config);
            self.egui_renderer =
                egui_wgpu::Renderer::new(&gpu.device, choice.format, Default::default());
            let source = blit::load_source(None).map_err(Error::from)?;
            let blit = BlitPass::new(&gpu.device, choice.format, &source).map_err(Error::from)?;
            self.blit = Reloadable::new(blit);
        }
        log::info!("{}", choice.describe());
        self.choice = choice;
        Ok(())
    }

    /// The window's new size in pixels.
    fn resize(&mut self, gpu: &Gpu, width: u32, height: u32) {
        self.config.width = width;
        self.config.height = height;
        self.surface.configure(&gpu.device, &self.config);
    }

    /// A new surface for the window with the same configuration (the old one was lost).
    fn recreate_surface(&mut self, gpu: &Gpu, window: &Arc<Window>) -> Result<(), ViewerError> {
        self.surface = gpu
            .instance
            .create_surface(window.clone())
            .map_err(|e| ViewerError::Surface(e.to_string()))?;
        self.surface.configure(&gpu.device, &self.config);
        Ok(())
    }
}

fn pixels(size: winit::dpi::PhysicalSize<u32>) -> (u32, u32) {
    (size.width.max(1), size.height.max(1))
}

impl State {
    fn new(event_loop: &ActiveEventLoop, options: &ViewerOptions) -> Result<Self, ViewerError> {
        let (width, height) = options.size;
        let attributes = Window::default_attributes()
            .with_title("afterlight view")
            .with_inner_size(winit::dpi::PhysicalSize::new(width.max(64), height.max(64)));
        let window = Arc::new(
            event_loop.create_window(attributes).map_err(|e| ViewerError::Window(e.to_string()))?,
        );
        let session = Session::new(options)?;
        let surface = WindowGpu::new(&session.gpu, &window)?;
        let egui = egui_winit::State::new(
            egui::Context::default(),
            egui::ViewportId::ROOT,
            &*window,
            Some(window.scale_factor() as f32),
            None,
            Some(session.gpu.device.limits().max_texture_dimension_2d as usize),
        );
        let options =
            RenderOptions { post: session.panel.settings().clone(), ..Default::default() };
        Ok(Self {
            window,
            surface,
            egui,
            session,
            recoveries: 0,
            compare_preset: None,
            orbit: None,
            options,
            viewport: ((0, 0), (MIN_VIEWPORT, MIN_VIEWPORT)),
            drag: Drag::default(),
            last_frame: Instant::now(),
            frames: 0,
            last_render_error: None,
        })
    }

    /// The device was lost: a new one for the session, then the window's surface, present
    /// pass and egui renderer on it. At most [`MAX_RECOVERIES`] times, so a device that keeps
    /// failing ends the viewer with its reason instead of looping.
    fn recover(&mut self, reason: String) -> Result<(), ViewerError> {
        self.recoveries += 1;
        if self.recoveries > MAX_RECOVERIES {
            return Err(ViewerError::DeviceLost(format!(
                "{reason}; lost {MAX_RECOVERIES} times already"
            )));
        }
        log::warn!("the GPU device was lost ({reason}); recreating it");
        let failed = |e: ViewerError| {
            ViewerError::DeviceLost(format!("{reason}; recreating it failed: {e}"))
        };
        self.session.recover().map_err(failed)?;
        self.surface = WindowGpu::new(&self.session.gpu, &self.window).map_err(failed)?;
        // A fresh egui context: the new renderer needs its font atlas sent again.
        self.egui = egui_winit::State::new(
            egui::Context::default(),
            egui::ViewportId::ROOT,
            &*self.window,
            Some(self.window.scale_factor() as f32),
            None,
            Some(self.session.gpu.device.limits().max_texture_dimension_2d as usize),
        );
        let size = self.viewport.1;
        self.session.renderer.get_mut().resize(&self.session.gpu, size.0, size.1)?;
        Ok(())
    }

    /// Window events other than redraw: egui first, then the camera, keys and dropped files.
    fn input(&mut self, event: &WindowEvent) {
        let response = self.egui.on_window_event(&self.window, event);
        match event {
            WindowEvent::Resized(size) => {
                let (w, h) = pixels(*size);
                self.surface.resize(&self.session.gpu, w, h);
            }
            WindowEvent::DroppedFile(path) => {
                self.session.drop_file(path);
                if std::mem::take(&mut self.session.scene_changed) {
                    self.frame_scene();
                }
            }
            WindowEvent::ModifiersChanged(modifiers) => {
                self.drag.ctrl = modifiers.state().control_key();
            }
            WindowEvent::MouseInput { state, button, .. } => {
                let pressed = *state == ElementState::Pressed && !response.consumed;
                match button {
                    MouseButton::Left if pressed && self.drag.ctrl => self.focus_at_cursor(),
                    MouseButton::Left => self.drag.orbit = pressed,
                    MouseButton::Right | MouseButton::Middle => self.drag.pan = pressed,
                    _ => {}
                }
            }
            WindowEvent::CursorMoved { position, .. } => {
                let now = (position.x as f32, position.y as f32);
                if let (Some(last), Some(orbit)) = (self.drag.last, &mut self.orbit) {
                    let (dx, dy) = (now.0 - last.0, now.1 - last.1);
                    if self.drag.orbit {
                        orbit.rotate(dx, dy);
                    } else if self.drag.pan {
                        orbit.pan(dx, dy, self.viewport.1.1 as f32);
                    }
                }
                self.drag.last = Some(now);
            }
            WindowEvent::MouseWheel { delta, .. } if !response.consumed => {
                let notches = match delta {
                    MouseScrollDelta::LineDelta(_, y) => *y,
                    MouseScrollDelta::PixelDelta(p) => p.y as f32 / 50.0,
                };
                if let Some(orbit) = &mut self.orbit {
                    orbit.zoom(notches);
                }
            }
            WindowEvent::KeyboardInput { event, .. }
                if event.state == ElementState::Pressed
                    && !response.consumed
                    && !self.egui.egui_ctx().egui_wants_keyboard_input() =>
            {
                match &event.logical_key {
                    Key::Character(c) if c.eq_ignore_ascii_case("f") => self.frame_scene(),
                    Key::Character(c) if c.eq_ignore_ascii_case("p") => self.key_screenshot(),
                    Key::Named(NamedKey::F12) => self.key_screenshot(),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Depth of field focused on the surface under the cursor (ctrl+click): its view depth
    /// from the G-buffer ([`crate::post::dof::focus_distance_at`]) becomes `dof.focus_distance`.
    fn focus_at_cursor(&mut self) {
        let (Some(cursor), Some(orbit)) = (self.drag.last, &self.orbit) else { return };
        let crate::scene::CameraProjection::Perspective { znear, .. } = orbit.camera().projection
        else {
            return;
        };
        let ((ox, oy), (vw, vh)) = self.viewport;
        let renderer = self.session.renderer.get();
        let (rw, rh) = renderer.render_size();
        let (x, y) = (cursor.0 - ox as f32, cursor.1 - oy as f32);
        if x < 0.0 || y < 0.0 || x >= vw as f32 || y >= vh as f32 {
            return;
        }
        let pixel = ((x * rw as f32 / vw as f32) as u32, (y * rh as f32 / vh as f32) as u32);
        let depth = match renderer.read_depth(&self.session.gpu) {
            Ok(depth) => depth,
            Err(e) => return self.session.panel.push(Level::Error, format!("focus: {e}")),
        };
        match crate::post::dof::focus_distance_at(&depth, rw, rh, pixel, znear) {
            Some(distance) => {
                let mut settings = self.session.panel.settings().clone();
                settings.dof.focus_distance = distance;
                self.session.panel.set_settings(settings);
                self.session
                    .panel
                    .push(Level::Info, format!("depth of field focused at {distance:.3} m"));
            }
            None => {
                self.session.panel.push(Level::Info, "focus: no surface under the cursor (sky)")
            }
        }
    }

    fn frame_scene(&mut self) {
        let (w, h) = self.viewport.1;
        self.orbit =
            Some(Orbit::framing(&self.session.scene.framing_bounds(), w as f32 / h as f32));
    }

    fn key_screenshot(&mut self) {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let path = PathBuf::from(format!("afterlight-{stamp}.png"));
        match self.screenshot(&path) {
            Ok(()) => self.session.panel.push(
                Level::Info,
                format!(
                    "screenshot: {} and {}",
                    path.display(),
                    path.with_extension("exr").display()
                ),
            ),
            Err(e) => self.session.panel.push(Level::Error, format!("screenshot: {e}")),
        }
    }

    /// PNG of the finished image at `path` and EXR of the HDR image beside it.
    fn screenshot(&self, path: &Path) -> Result<(), Error> {
        let renderer = self.session.renderer.get();
        let (w, h) = renderer.size();
        let output = |path: &Path, e: String| Error::Output { path: path.to_owned(), reason: e };
        match (renderer.read_display_hdr(&self.session.gpu)?, self.surface.choice.shown) {
            (None, _) => {
                let display = renderer.read_display(&self.session.gpu)?;
                image::save_buffer(path, &display, w, h, image::ExtendedColorType::Rgba8)
                    .map_err(|e| output(path, e.to_string()))?;
            }
            (Some(pq), DisplayEncoding::Pq) => crate::post::display::save_pq_png(path, w, h, &pq)?,
            (Some(_), _) => {
                return Err(output(
                    path,
                    "an scRGB frame is linear floating point, which a PNG \
                    cannot hold: set [display] encoding = \"pq\" for an HDR screenshot"
                        .into(),
                ));
            }
        }
        if self.options.debug_view.is_none() {
            let (hw, hh) = renderer.render_size();
            let hdr: Vec<f32> =
                renderer.read_hdr(&self.session.gpu)?.into_iter().flatten().collect();
            let exr = path.with_extension("exr");
            let image = image::Rgba32FImage::from_raw(hw, hh, hdr)
                .ok_or_else(|| output(&exr, "HDR readback has the wrong size".into()))?;
            image.save(&exr).map_err(|e| output(&exr, e.to_string()))?;
        }
        Ok(())
    }

    /// Shader, preset or LUT files changed on disk: check and rebuild, or keep the last good
    /// ones.
    fn hot_reload(&mut self) {
        let lut_file = self.session.panel.settings().lut.file.clone();
        if let Some(watcher) = &mut self.session.watcher
            && let Err(e) = watcher.watch_lut(lut_file.as_deref())
        {
            let shown = lut_file.as_deref().unwrap_or(Path::new("")).display().to_string();
            self.session.panel.push(Level::Warning, format!("cannot watch {shown}: {e}"));
        }
        let Some(changes) = self.session.watcher.as_mut().and_then(FileWatcher::poll) else {
            return;
        };
        if changes.lut {
            // The LUT file changed: baked at the next frame, or the last good one kept.
            match self.session.renderer.get_mut().post_stack_mut().reload_lut() {
                Ok(true) => {
                    let shown = lut_file.as_deref().unwrap_or(Path::new("")).display();
                    self.session.panel.push(Level::Info, format!("reloaded {shown}"));
                }
                Ok(false) => {}
                Err(e) => self
                    .session
                    .panel
                    .push(Level::Error, format!("{e} (keeping the last good LUT)")),
            }
        }
        if changes.shaders
            && let Some(dir) = self.session.shader_dir.clone()
        {
            match check_shader_dir(&dir) {
                Err(errors) => {
                    for e in errors {
                        let message = format!("{e} (keeping the last good shaders)");
                        log::warn!("{message}");
                        self.session.panel.push(Level::Error, message);
                    }
                }
                Ok(count) => {
                    let (scene, environment) = (&self.session.scene, &self.session.environment);
                    let built = self.session.renderer.reload(|| {
                        Renderer::with_environment(
                            &self.session.gpu,
                            scene,
                            self.viewport.1,
                            environment.clone(),
                            &RendererSettings::default(),
                        )
                    });
                    let format = self.surface.config.format;
                    let device = &self.session.gpu.device;
                    self.surface.blit.reload(|| {
                        blit::load_source(Some(&dir))
                            .and_then(|s| BlitPass::new(device, format, &s))
                    });
                    match (built, self.session.renderer.error(), self.surface.blit.error()) {
                        (true, _, None) => {
                            self.session.compare_renderer = None;
                            log::info!("reloaded {count} shaders");
                            self.session
                                .panel
                                .push(Level::Info, format!("reloaded {count} shaders"));
                        }
                        (_, renderer_error, blit_error) => {
                            for e in [renderer_error, blit_error].into_iter().flatten() {
                                self.session.panel.push(
                                    Level::Error,
                                    format!("{e} (keeping the last good pipeline)"),
                                );
                            }
                        }
                    }
                }
            }
        }
        if changes.custom {
            // User passes' shaders beside the preset: rebuilt, or the last good pipeline kept.
            let post = self.session.renderer.get_mut().post_stack_mut();
            let errors = post.reload_custom_shaders();
            let kept = post.chain().custom_errors().clone();
            for e in &errors {
                self.session
                    .panel
                    .push(Level::Error, format!("{e} (keeping the last good pipeline)"));
            }
            if errors.is_empty() {
                self.session.panel.push(Level::Info, "reloaded the user passes' shaders");
            }
            self.session.panel.custom_errors = kept;
        }
        if changes.preset
            && let Some(path) = self.session.panel.preset_path().map(Path::to_owned)
        {
            match Preset::load(&path) {
                Ok(preset) => {
                    self.session.panel.load_preset(&preset);
                    self.session.panel.push(Level::Info, format!("reloaded {}", path.display()));
                }
                Err(e) => self
                    .session
                    .panel
                    .push(Level::Error, format!("{e} (keeping the last good settings)")),
            }
        }
    }

    fn apply(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::FrameScene => self.frame_scene(),
                Action::Screenshot => self.key_screenshot(),
                Action::LoadPreset(path) => match self.session.load_preset(&path) {
                    Ok(()) => {
                        self.session.panel.push(Level::Info, format!("loaded {}", path.display()))
                    }
                    Err(e) => self.session.panel.push(Level::Error, e),
                },
                Action::SavePreset(path) => match save_preset(self.session.panel.settings(), &path)
                {
                    Ok(_) => {
                        self.session.panel.mark_saved(&path);
                        if let Some(watcher) = &mut self.session.watcher
                            && let Err(e) = watcher.watch_preset(Some(&path))
                        {
                            self.session.panel.push(
                                Level::Warning,
                                format!("cannot watch {}: {e}", path.display()),
                            );
                        }
                        // Our own write is not an outside edit.
                        if let Some(watcher) = &mut self.session.watcher {
                            let _ = watcher.poll();
                        }
                        self.session.panel.push(Level::Info, format!("saved {}", path.display()));
                    }
                    Err(e) => self.session.panel.push(Level::Error, e.to_string()),
                },
            }
        }
    }

    /// The settings the B side of the compare draws with, or why there are none.
    fn compare_settings(&mut self) -> Option<Result<PostSettings, String>> {
        if !self.session.panel.compare.enabled {
            return None;
        }
        Some(match &self.session.panel.compare.with {
            CompareWith::WithoutPass(pass) => {
                let mut value = schema::to_value(self.session.panel.settings());
                match schema::get_mut(&mut value, &format!("{pass}.tier")) {
                    Some(slot) => {
                        *slot = serde_json::Value::String("off".into());
                        schema::from_value(&value)
                    }
                    None => Err(format!("{pass} has no tier to turn off")),
                }
            }
            CompareWith::Preset(path) => {
                let stale = self.compare_preset.as_ref().is_none_or(|(p, _)| p != path);
                if stale {
                    let loaded = Preset::load(path).map(|p| p.settings).map_err(|e| e.to_string());
                    self.compare_preset = Some((path.clone(), loaded));
                }
                self.compare_preset.as_ref().map_or(Err("no preset".into()), |(_, r)| r.clone())
            }
        })
    }

    fn redraw(&mut self) -> Result<(), ViewerError> {
        if let Some(reason) = self.session.device_lost() {
            return self.recover(reason);
        }
        self.hot_reload();
        let now = Instant::now();
        self.options.dt_seconds = (now - self.last_frame).as_secs_f32().clamp(1e-4, 0.25);
        self.last_frame = now;

        // egui: the panel on the right, the 3D viewport in what is left.
        let raw_input = self.egui.take_egui_input(&self.window);
        let renderer = self.session.renderer.get();
        let stats = FrameStats {
            governor: GovernorView {
                status: renderer.governor().status().to_owned(),
                decisions: renderer.governor().decisions().iter().map(|d| d.to_string()).collect(),
                timing: renderer.timing_method().name().to_owned(),
            },
            viewport: self.viewport.1,
            adapter: self.session.gpu.info.name.clone(),
            display: self.surface.choice.describe(),
        };
        let mut actions = Vec::new();
        let mut central = egui::Rect::NOTHING;
        let panel = &mut self.session.panel;
        let output = self.egui.egui_ctx().clone().run_ui(raw_input, |ui| {
            egui::Panel::right("afterlight")
                .default_size(PANEL_WIDTH)
                .show(ui, |ui| actions = panel.ui(ui, &stats));
            central = ui.available_rect_before_wrap();
            if panel.compare.enabled {
                let x = central.left() + central.width() * panel.compare.divider;
                let handle = egui::Rect::from_x_y_ranges(x - 6.0..=x + 6.0, central.y_range());
                let response = ui
                    .interact(
                        handle,
                        egui::Id::unique("afterlight.compare_divider"),
                        egui::Sense::drag(),
                    )
                    .on_hover_cursor(egui::CursorIcon::ResizeHorizontal);
                if response.dragged() && central.width() > 0.0 {
                    panel.compare.divider = (panel.compare.divider
                        + response.drag_delta().x / central.width())
                    .clamp(0.0, 1.0);
                }
            }
        });
        self.egui.handle_platform_output(&self.window, output.platform_output);
        // egui's font atlas and images: applied now, before anything below can skip the frame.
        let mut textures = output.textures_delta;
        for (id, deltas) in &textures.set {
            for delta in deltas {
                self.surface.egui_renderer.update_texture(
                    &self.session.gpu.device,
                    &self.session.gpu.queue,
                    *id,
                    delta,
                );
            }
        }
        for id in &textures.free {
            self.surface.egui_renderer.free_texture(id);
        }
        textures.clear();
        self.apply(actions);

        // The viewport in surface pixels; the renderers follow its size.
        let ppp = output.pixels_per_point;
        let origin =
            ((central.left() * ppp).max(0.0) as u32, (central.top() * ppp).max(0.0) as u32);
        let size = (
            ((central.width() * ppp) as u32)
                .clamp(MIN_VIEWPORT, self.surface.config.width.max(MIN_VIEWPORT)),
            ((central.height() * ppp) as u32)
                .clamp(MIN_VIEWPORT, self.surface.config.height.max(MIN_VIEWPORT)),
        );
        if size != self.viewport.1 {
            self.session.renderer.get_mut().resize(&self.session.gpu, size.0, size.1)?;
            if let Some(b) = &mut self.session.compare_renderer {
                b.resize(&self.session.gpu, size.0, size.1)?;
            }
            self.session.size = size;
        }
        self.viewport = (origin, size);
        let orbit = *self.orbit.get_or_insert_with(|| {
            Orbit::from_camera(
                &self.session.scene.default_camera(size.0 as f32 / size.1 as f32),
                &self.session.scene.framing_bounds(),
            )
        });
        let camera = orbit.camera();

        // The scene: A (the panel's settings) and, in compare, B, in the encoding the surface
        // shows (SDR where it has no HDR colour space for the one asked for).
        if let Some(settings) = self.session.panel.take_changed() {
            self.options.post = settings;
        }
        let wanted = self.session.panel.settings().display.encoding;
        if let Err(e) = self.surface.follow(&self.session.gpu, wanted) {
            log::warn!("display encoding {}: {e}", wanted.name());
        }
        self.options.post.display.encoding = self.surface.choice.shown;
        self.options.debug_view = self.session.panel.debug_view;
        let mut errors = Vec::new();
        if let Err(e) =
            self.session.renderer.get_mut().render(&self.session.gpu, &camera, &self.options)
        {
            errors.push(e.to_string());
        }
        let mut b_drawn = false;
        if let Some(b_settings) = self.compare_settings() {
            match b_settings {
                Ok(post) => {
                    if self.session.compare_renderer.is_none() {
                        match self
                            .session
                            .new_renderer(&self.session.scene, &self.session.environment)
                        {
                            Ok(r) => self.session.compare_renderer = Some(r),
                            Err(e) => errors.push(e.to_string()),
                        }
                    }
                    if let Some(b) = &mut self.session.compare_renderer {
                        let b_options = RenderOptions { post, ..self.options.clone() };
                        match b.render(&self.session.gpu, &camera, &b_options) {
                            Ok(()) => b_drawn = true,
                            Err(e) => errors.push(format!("A/B compare: {e}")),
                        }
                    }
                }
                Err(e) => errors.push(format!("A/B compare: {e}")),
            }
        }
        self.report(errors);
        let timings = self.session.renderer.get_mut().frame_timings();
        self.session.panel.record_timings(&timings);

        // Present: the image(s) into the viewport, egui over everything.
        let (gpu, config) = (&self.session.gpu, &self.surface.config);
        let frame = match self.surface.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(frame) => frame,
            wgpu::CurrentSurfaceTexture::Suboptimal(frame) => {
                self.surface.surface.configure(&gpu.device, config);
                frame
            }
            // The window changed under the surface: configure it again, draw next frame.
            wgpu::CurrentSurfaceTexture::Outdated => {
                self.surface.surface.configure(&gpu.device, config);
                return Ok(());
            }
            // The surface itself is gone: a new one for the same window, draw next frame.
            wgpu::CurrentSurfaceTexture::Lost => {
                log::warn!("the window surface was lost; recreating it");
                self.surface.recreate_surface(&self.session.gpu, &self.window)?;
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Timeout
            | wgpu::CurrentSurfaceTexture::Occluded
            | wgpu::CurrentSurfaceTexture::Validation => return Ok(()),
        };
        let target = frame.texture.create_view(&Default::default());
        let mut encoder = self
            .session
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("viewer") });
        let region = BlitRegion {
            origin,
            size,
            divider: b_drawn.then_some(self.session.panel.compare.divider * size.0 as f32),
        };
        let a_view = self.session.renderer.get().display_view();
        let b_view =
            self.session.compare_renderer.as_ref().filter(|_| b_drawn).map(Renderer::display_view);
        self.surface.blit.get().draw(
            &self.session.gpu.device,
            &self.session.gpu.queue,
            &mut encoder,
            &target,
            (a_view, b_view),
            &region,
        );
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [self.surface.config.width, self.surface.config.height],
            pixels_per_point: ppp,
        };
        let jobs = self.egui.egui_ctx().tessellate(output.shapes, ppp);
        let extra = self.surface.egui_renderer.update_buffers(
            &self.session.gpu.device,
            &self.session.gpu.queue,
            &mut encoder,
            &jobs,
            &screen,
        );
        {
            let mut pass = encoder
                .begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("egui"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &target,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Load,
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    ..Default::default()
                })
                .forget_lifetime();
            self.surface.egui_renderer.render(&mut pass, &jobs, &screen);
        }
        self.session.gpu.queue.submit(extra.into_iter().chain([encoder.finish()]));
        self.session.gpu.queue.present(frame);
        self.frames += 1;
        Ok(())
    }

    /// Show this frame's render errors in the panel once (not every frame they repeat).
    fn report(&mut self, errors: Vec<String>) {
        let text = (!errors.is_empty()).then(|| errors.join("; "));
        if let Some(text) = &text
            && Some(text) != self.last_render_error.as_ref()
        {
            self.session.panel.push(Level::Error, text.clone());
        }
        self.last_render_error = text;
    }
}

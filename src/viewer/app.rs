//! The viewer's window loop: winit events in, one egui pass, the scene frame (and the B side
//! of an A/B compare), the present pass and egui into the surface. Reads: window events, file
//! changes, dropped files. Writes: the window, presets and screenshots on request.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use winit::application::ApplicationHandler;
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Window, WindowId};

use super::blit::{self, BlitPass, BlitRegion};
use super::orbit::Orbit;
use super::panel::{Action, CompareWith, FrameStats, GovernorView, Level, Panel};
use super::reload::{FileWatcher, Reloadable, check_shader_dir};
use super::{ViewerError, ViewerOptions, save_preset, schema};
use crate::Error;
use crate::config::Preset;
use crate::gpu::Gpu;
use crate::post::chain::PostSettings;
use crate::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use crate::render::{RenderOptions, Renderer, RendererSettings};
use crate::scene::{self, Scene};

/// Width of the panel when the window opens, in points.
const PANEL_WIDTH: f32 = 300.0;
/// The smallest 3D viewport drawn, in pixels per side.
const MIN_VIEWPORT: u32 = 16;

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
    gpu: Gpu,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    egui: egui_winit::State,
    egui_renderer: egui_wgpu::Renderer,
    scene: Scene,
    environment: Arc<Environment>,
    renderer: Reloadable<Renderer>,
    /// The B side of an A/B compare, made when first needed.
    compare_renderer: Option<Renderer>,
    /// The B preset, with the path it was read from.
    compare_preset: Option<(PathBuf, Result<PostSettings, String>)>,
    blit: Reloadable<BlitPass>,
    panel: Panel,
    orbit: Option<Orbit>,
    watcher: Option<FileWatcher>,
    shader_dir: Option<PathBuf>,
    options: RenderOptions,
    /// Viewport origin and size in surface pixels.
    viewport: ((u32, u32), (u32, u32)),
    drag: Drag,
    last_frame: Instant,
    frames: u64,
    last_render_error: Option<String>,
    device_lost: Arc<Mutex<Option<String>>>,
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
        let gpu = Gpu::new(&options.gpu).map_err(Error::from)?;
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
        let format = caps
            .formats
            .iter()
            .copied()
            .find(wgpu::TextureFormat::is_srgb)
            .or_else(|| caps.formats.first().copied())
            .ok_or_else(|| ViewerError::Surface("the surface offers no format".into()))?;
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
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        surface.configure(&gpu.device, &config);
        let device_lost = Arc::new(Mutex::new(None));
        let lost = device_lost.clone();
        gpu.device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut slot) = lost.lock() {
                *slot = Some(format!("{reason:?}: {message}"));
            }
        });

        let ctx = egui::Context::default();
        let egui = egui_winit::State::new(
            ctx,
            egui::ViewportId::ROOT,
            &*window,
            Some(window.scale_factor() as f32),
            None,
            Some(gpu.device.limits().max_texture_dimension_2d as usize),
        );
        let egui_renderer = egui_wgpu::Renderer::new(&gpu.device, format, Default::default());

        let scene = match &options.scene {
            Some(path) => scene::load(path).map_err(Error::from)?,
            None => scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None).map_err(Error::from)?,
        };
        let environment = Arc::new(bake_environment(&gpu, options.env.as_deref())?);
        let preset = match &options.preset {
            Some(path) => Some(Preset::load(path).map_err(Error::from)?),
            None => None,
        };
        let mut panel = Panel::new(PostSettings::default(), None);
        if let Some(preset) = &preset {
            panel.load_preset(preset);
        }
        let renderer = Renderer::with_environment(
            &gpu,
            &scene,
            (MIN_VIEWPORT, MIN_VIEWPORT),
            environment.clone(),
            &RendererSettings::default(),
        )?;
        let blit =
            BlitPass::new(&gpu.device, format, &blit::load_source(None).map_err(Error::from)?)
                .map_err(Error::from)?;
        let shader_dir = options.shader_dir.clone().or_else(crate::shaders::source_dir);
        let mut watcher = match FileWatcher::new(shader_dir.as_deref()) {
            Ok(watcher) => Some(watcher),
            Err(e) => {
                panel.push(Level::Warning, format!("file watching is off: {e}"));
                None
            }
        };
        match &shader_dir {
            Some(dir) => panel.push(Level::Info, format!("watching shaders in {}", dir.display())),
            None => panel.push(
                Level::Info,
                "shaders are embedded in this build: set AFTERLIGHT_SHADER_DIR to reload them",
            ),
        }
        if let (Some(watcher), Some(path)) = (&mut watcher, &options.preset)
            && let Err(e) = watcher.watch_preset(Some(path))
        {
            panel.push(Level::Warning, format!("cannot watch {}: {e}", path.display()));
        }
        let options = RenderOptions { post: panel.settings().clone(), ..Default::default() };
        Ok(Self {
            window,
            gpu,
            surface,
            config,
            egui,
            egui_renderer,
            scene,
            environment,
            renderer: Reloadable::new(renderer),
            compare_renderer: None,
            compare_preset: None,
            blit: Reloadable::new(blit),
            panel,
            orbit: None,
            watcher,
            shader_dir,
            options,
            viewport: ((0, 0), (MIN_VIEWPORT, MIN_VIEWPORT)),
            drag: Drag::default(),
            last_frame: Instant::now(),
            frames: 0,
            last_render_error: None,
            device_lost,
        })
    }

    /// Window events other than redraw: egui first, then the camera, keys and dropped files.
    fn input(&mut self, event: &WindowEvent) {
        let response = self.egui.on_window_event(&self.window, event);
        match event {
            WindowEvent::Resized(size) => {
                let (w, h) = pixels(*size);
                self.config.width = w;
                self.config.height = h;
                self.surface.configure(&self.gpu.device, &self.config);
            }
            WindowEvent::DroppedFile(path) => self.dropped(path),
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
        let renderer = self.renderer.get();
        let (rw, rh) = renderer.render_size();
        let (x, y) = (cursor.0 - ox as f32, cursor.1 - oy as f32);
        if x < 0.0 || y < 0.0 || x >= vw as f32 || y >= vh as f32 {
            return;
        }
        let pixel = ((x * rw as f32 / vw as f32) as u32, (y * rh as f32 / vh as f32) as u32);
        let depth = match renderer.read_depth(&self.gpu) {
            Ok(depth) => depth,
            Err(e) => return self.panel.push(Level::Error, format!("focus: {e}")),
        };
        match crate::post::dof::focus_distance_at(&depth, rw, rh, pixel, znear) {
            Some(distance) => {
                let mut settings = self.panel.settings().clone();
                settings.dof.focus_distance = distance;
                self.panel.set_settings(settings);
                self.panel.push(Level::Info, format!("depth of field focused at {distance:.3} m"));
            }
            None => self.panel.push(Level::Info, "focus: no surface under the cursor (sky)"),
        }
    }

    fn frame_scene(&mut self) {
        let (w, h) = self.viewport.1;
        self.orbit = Some(Orbit::framing(&self.scene.bounds, w as f32 / h as f32));
    }

    fn key_screenshot(&mut self) {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let path = PathBuf::from(format!("afterlight-{stamp}.png"));
        match self.screenshot(&path) {
            Ok(()) => self.panel.push(
                Level::Info,
                format!(
                    "screenshot: {} and {}",
                    path.display(),
                    path.with_extension("exr").display()
                ),
            ),
            Err(e) => self.panel.push(Level::Error, format!("screenshot: {e}")),
        }
    }

    /// PNG of the finished image at `path` and EXR of the HDR image beside it.
    fn screenshot(&self, path: &Path) -> Result<(), Error> {
        let renderer = self.renderer.get();
        let (w, h) = renderer.size();
        let output = |path: &Path, e: String| Error::Output { path: path.to_owned(), reason: e };
        let display = renderer.read_display(&self.gpu)?;
        image::save_buffer(path, &display, w, h, image::ExtendedColorType::Rgba8)
            .map_err(|e| output(path, e.to_string()))?;
        if self.options.debug_view.is_none() {
            let (hw, hh) = renderer.render_size();
            let hdr: Vec<f32> = renderer.read_hdr(&self.gpu)?.into_iter().flatten().collect();
            let exr = path.with_extension("exr");
            let image = image::Rgba32FImage::from_raw(hw, hh, hdr)
                .ok_or_else(|| output(&exr, "HDR readback has the wrong size".into()))?;
            image.save(&exr).map_err(|e| output(&exr, e.to_string()))?;
        }
        Ok(())
    }

    fn dropped(&mut self, path: &Path) {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let result = match extension.as_str() {
            "glb" | "gltf" => self.load_scene(path),
            "hdr" | "exr" => self.load_environment(path),
            "cube" => self.load_lut(path),
            "toml" => self.load_preset(path),
            _ => Err(format!(
                "{}: drop a .glb/.gltf scene, an .hdr/.exr environment, a .cube LUT or a .toml preset",
                path.display()
            )),
        };
        match result {
            Ok(()) => self.panel.push(Level::Info, format!("loaded {}", path.display())),
            Err(e) => self.panel.push(Level::Error, e),
        }
    }

    fn load_scene(&mut self, path: &Path) -> Result<(), String> {
        let scene = scene::load(path).map_err(|e| e.to_string())?;
        let renderer = self.new_renderer(&scene, &self.environment).map_err(|e| e.to_string())?;
        self.scene = scene;
        self.renderer = Reloadable::new(renderer);
        self.compare_renderer = None;
        self.frame_scene();
        Ok(())
    }

    fn load_environment(&mut self, path: &Path) -> Result<(), String> {
        let environment =
            Arc::new(bake_environment(&self.gpu, Some(path)).map_err(|e| e.to_string())?);
        let renderer = self.new_renderer(&self.scene, &environment).map_err(|e| e.to_string())?;
        self.environment = environment;
        self.renderer = Reloadable::new(renderer);
        self.compare_renderer = None;
        Ok(())
    }

    fn load_lut(&mut self, path: &Path) -> Result<(), String> {
        crate::post::lut::CubeLut::load(path).map_err(|e| e.to_string())?;
        let mut settings = self.panel.settings().clone();
        settings.lut.file = Some(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()));
        self.panel.set_settings(settings);
        Ok(())
    }

    fn load_preset(&mut self, path: &Path) -> Result<(), String> {
        let preset = Preset::load(path).map_err(|e| e.to_string())?;
        self.panel.load_preset(&preset);
        if let Some(watcher) = &mut self.watcher
            && let Err(e) = watcher.watch_preset(Some(path))
        {
            self.panel.push(Level::Warning, format!("cannot watch {}: {e}", path.display()));
        }
        Ok(())
    }

    fn new_renderer(
        &self,
        scene: &Scene,
        environment: &Arc<Environment>,
    ) -> Result<Renderer, Error> {
        Renderer::with_environment(
            &self.gpu,
            scene,
            self.viewport.1,
            environment.clone(),
            &RendererSettings::default(),
        )
    }

    /// Shader or preset files changed on disk: check and rebuild, or keep the last good ones.
    fn hot_reload(&mut self) {
        let Some(changes) = self.watcher.as_mut().and_then(FileWatcher::poll) else { return };
        if changes.shaders
            && let Some(dir) = self.shader_dir.clone()
        {
            match check_shader_dir(&dir) {
                Err(errors) => {
                    for e in errors {
                        let message = format!("{e} (keeping the last good shaders)");
                        log::warn!("{message}");
                        self.panel.push(Level::Error, message);
                    }
                }
                Ok(count) => {
                    let (scene, environment) = (&self.scene, &self.environment);
                    let built = self.renderer.reload(|| {
                        Renderer::with_environment(
                            &self.gpu,
                            scene,
                            self.viewport.1,
                            environment.clone(),
                            &RendererSettings::default(),
                        )
                    });
                    let format = self.config.format;
                    let device = &self.gpu.device;
                    self.blit.reload(|| {
                        blit::load_source(Some(&dir))
                            .and_then(|s| BlitPass::new(device, format, &s))
                    });
                    match (built, self.renderer.error(), self.blit.error()) {
                        (true, _, None) => {
                            self.compare_renderer = None;
                            log::info!("reloaded {count} shaders");
                            self.panel.push(Level::Info, format!("reloaded {count} shaders"));
                        }
                        (_, renderer_error, blit_error) => {
                            for e in [renderer_error, blit_error].into_iter().flatten() {
                                self.panel.push(
                                    Level::Error,
                                    format!("{e} (keeping the last good pipeline)"),
                                );
                            }
                        }
                    }
                }
            }
        }
        if changes.preset
            && let Some(path) = self.panel.preset_path().map(Path::to_owned)
        {
            match Preset::load(&path) {
                Ok(preset) => {
                    self.panel.load_preset(&preset);
                    self.panel.push(Level::Info, format!("reloaded {}", path.display()));
                }
                Err(e) => {
                    self.panel.push(Level::Error, format!("{e} (keeping the last good settings)"))
                }
            }
        }
    }

    fn apply(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::FrameScene => self.frame_scene(),
                Action::Screenshot => self.key_screenshot(),
                Action::LoadPreset(path) => match self.load_preset(&path) {
                    Ok(()) => self.panel.push(Level::Info, format!("loaded {}", path.display())),
                    Err(e) => self.panel.push(Level::Error, e),
                },
                Action::SavePreset(path) => match save_preset(self.panel.settings(), &path) {
                    Ok(_) => {
                        self.panel.mark_saved(&path);
                        if let Some(watcher) = &mut self.watcher
                            && let Err(e) = watcher.watch_preset(Some(&path))
                        {
                            self.panel.push(
                                Level::Warning,
                                format!("cannot watch {}: {e}", path.display()),
                            );
                        }
                        // Our own write is not an outside edit.
                        if let Some(watcher) = &mut self.watcher {
                            let _ = watcher.poll();
                        }
                        self.panel.push(Level::Info, format!("saved {}", path.display()));
                    }
                    Err(e) => self.panel.push(Level::Error, e.to_string()),
                },
            }
        }
    }

    /// The settings the B side of the compare draws with, or why there are none.
    fn compare_settings(&mut self) -> Option<Result<PostSettings, String>> {
        if !self.panel.compare.enabled {
            return None;
        }
        Some(match &self.panel.compare.with {
            CompareWith::WithoutPass(pass) => {
                let mut value = schema::to_value(self.panel.settings());
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
        if let Some(reason) = self.device_lost.lock().ok().and_then(|slot| slot.clone()) {
            return Err(ViewerError::DeviceLost(reason));
        }
        self.hot_reload();
        let now = Instant::now();
        self.options.dt_seconds = (now - self.last_frame).as_secs_f32().clamp(1e-4, 0.25);
        self.last_frame = now;

        // egui: the panel on the right, the 3D viewport in what is left.
        let raw_input = self.egui.take_egui_input(&self.window);
        let renderer = self.renderer.get();
        let stats = FrameStats {
            governor: GovernorView {
                status: renderer.governor().status().to_owned(),
                decisions: renderer.governor().decisions().iter().map(|d| d.to_string()).collect(),
                timing_available: renderer.timing_available(),
            },
            viewport: self.viewport.1,
            adapter: self.gpu.info.name.clone(),
        };
        let mut actions = Vec::new();
        let mut central = egui::Rect::NOTHING;
        let panel = &mut self.panel;
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
                self.egui_renderer.update_texture(&self.gpu.device, &self.gpu.queue, *id, delta);
            }
        }
        for id in &textures.free {
            self.egui_renderer.free_texture(id);
        }
        textures.clear();
        self.apply(actions);

        // The viewport in surface pixels; the renderers follow its size.
        let ppp = output.pixels_per_point;
        let origin =
            ((central.left() * ppp).max(0.0) as u32, (central.top() * ppp).max(0.0) as u32);
        let size = (
            ((central.width() * ppp) as u32)
                .clamp(MIN_VIEWPORT, self.config.width.max(MIN_VIEWPORT)),
            ((central.height() * ppp) as u32)
                .clamp(MIN_VIEWPORT, self.config.height.max(MIN_VIEWPORT)),
        );
        if size != self.viewport.1 {
            self.renderer.get_mut().resize(&self.gpu, size.0, size.1)?;
            if let Some(b) = &mut self.compare_renderer {
                b.resize(&self.gpu, size.0, size.1)?;
            }
        }
        self.viewport = (origin, size);
        let orbit = *self.orbit.get_or_insert_with(|| {
            Orbit::from_camera(
                &self.scene.default_camera(size.0 as f32 / size.1 as f32),
                &self.scene.bounds,
            )
        });
        let camera = orbit.camera();

        // The scene: A (the panel's settings) and, in compare, B.
        if let Some(settings) = self.panel.take_changed() {
            self.options.post = settings;
        }
        self.options.debug_view = self.panel.debug_view;
        let mut errors = Vec::new();
        if let Err(e) = self.renderer.get_mut().render(&self.gpu, &camera, &self.options) {
            errors.push(e.to_string());
        }
        let mut b_drawn = false;
        if let Some(b_settings) = self.compare_settings() {
            match b_settings {
                Ok(post) => {
                    if self.compare_renderer.is_none() {
                        match self.new_renderer(&self.scene, &self.environment) {
                            Ok(r) => self.compare_renderer = Some(r),
                            Err(e) => errors.push(e.to_string()),
                        }
                    }
                    if let Some(b) = &mut self.compare_renderer {
                        let b_options = RenderOptions { post, ..self.options.clone() };
                        match b.render(&self.gpu, &camera, &b_options) {
                            Ok(()) => b_drawn = true,
                            Err(e) => errors.push(format!("A/B compare: {e}")),
                        }
                    }
                }
                Err(e) => errors.push(format!("A/B compare: {e}")),
            }
        }
        self.report(errors);
        let timings = self.renderer.get_mut().frame_timings();
        self.panel.record_timings(&timings);

        // Present: the image(s) into the viewport, egui over everything.
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(frame) => frame,
            wgpu::CurrentSurfaceTexture::Suboptimal(frame) => {
                self.surface.configure(&self.gpu.device, &self.config);
                frame
            }
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.gpu.device, &self.config);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Timeout
            | wgpu::CurrentSurfaceTexture::Occluded
            | wgpu::CurrentSurfaceTexture::Validation => return Ok(()),
        };
        let target = frame.texture.create_view(&Default::default());
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("viewer") });
        let region = BlitRegion {
            origin,
            size,
            divider: b_drawn.then_some(self.panel.compare.divider * size.0 as f32),
        };
        let a_view = self.renderer.get().display_view();
        let b_view = self.compare_renderer.as_ref().filter(|_| b_drawn).map(Renderer::display_view);
        self.blit.get().draw(
            &self.gpu.device,
            &self.gpu.queue,
            &mut encoder,
            &target,
            (a_view, b_view),
            &region,
        );
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [self.config.width, self.config.height],
            pixels_per_point: ppp,
        };
        let jobs = self.egui.egui_ctx().tessellate(output.shapes, ppp);
        let extra = self.egui_renderer.update_buffers(
            &self.gpu.device,
            &self.gpu.queue,
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
            self.egui_renderer.render(&mut pass, &jobs, &screen);
        }
        self.gpu.queue.submit(extra.into_iter().chain([encoder.finish()]));
        self.gpu.queue.present(frame);
        self.frames += 1;
        Ok(())
    }

    /// Show this frame's render errors in the panel once (not every frame they repeat).
    fn report(&mut self, errors: Vec<String>) {
        let text = (!errors.is_empty()).then(|| errors.join("; "));
        if let Some(text) = &text
            && Some(text) != self.last_render_error.as_ref()
        {
            self.panel.push(Level::Error, text.clone());
        }
        self.last_render_error = text;
    }
}

/// Bake the environment from `path` (equirectangular .hdr/.exr) or the neutral studio.
fn bake_environment(gpu: &Gpu, path: Option<&Path>) -> Result<Environment, Error> {
    let settings = EnvironmentSettings {
        source: path
            .map_or(EnvironmentSource::Studio, |p| EnvironmentSource::Equirect(p.to_owned())),
        ..Default::default()
    };
    Environment::new(gpu, &settings, &mut |stage, done| {
        log::debug!("environment {stage}: {:.0}%", done * 100.0);
    })
}

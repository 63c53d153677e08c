//! The product-demo page (`web/index.html`, built by `web/build.sh`): afterlight's renderer and
//! post chain on a canvas. WebGPU where the browser has `navigator.gpu`, otherwise (or with
//! `?backend=webgl2`) WebGL2, which runs the downlevel path. `?scene=URL` loads a `.glb`
//! instead of the built-in product demo, and so does a `.glb` chosen with the file picker or
//! dropped on the page; drag (mouse or one finger) orbits, the wheel or a two-finger pinch
//! zooms, the select switches the built-in presets, checkboxes turn passes off and on (their
//! tier: off, or the preset's), another runs the budget governor (an adaptive 60 Hz budget, or
//! `?budget=MS`) on the timing rung the browser allows, `?view=albedo|normal|depth|emissive`
//! shows a G-buffer channel. GPU ms per pass are shown where the browser offers timestamps.
//!
//! When the first frame is on screen the page's title becomes `afterlight: ready`; any failure
//! (a panic included) sets `afterlight: error: <message>` and shows the message on the page.

use std::cell::RefCell;
use std::rc::Rc;

use afterlight::config::Preset;
use afterlight::gpu::{Gpu, GpuOptions};
use afterlight::post::budget::{BudgetMode, BudgetSettings};
use afterlight::post::chain::PostSettings;
use afterlight::post::tier::Tier;
use afterlight::render::{DebugView, RenderOptions, Renderer};
use afterlight::scene::{Camera, Scene};
use glam::Vec3;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Frames drawn before `?report` posts the picture (TAA and exposure settle).
const REPORT_AFTER_FRAMES: u64 = 8;

/// Vertical field of view of the orbit camera.
const YFOV_DEGREES: f32 = 40.0;

/// The camera the page starts with: yaw and pitch in degrees about the scene's centre, at the
/// distance that frames its bounds (`afterlight render --orbit 30,20` draws the same view).
const START_ORBIT: (f32, f32) = (30.0, 20.0);

/// The passes the page's checkboxes turn off and on: (preset key, label).
const TOGGLED_PASSES: [(&str, &str); 8] = [
    ("ao", "AO"),
    ("bloom", "bloom"),
    ("taa", "TAA"),
    ("smaa", "SMAA"),
    ("fxaa", "FXAA"),
    ("sharpen", "sharpen"),
    ("dof", "depth of field"),
    ("motion_blur", "motion blur"),
];

/// The tier of the toggled pass `key` in `post`.
fn tier_mut<'a>(post: &'a mut PostSettings, key: &str) -> Option<&'a mut Tier> {
    Some(match key {
        "ao" => &mut post.ao.tier,
        "bloom" => &mut post.bloom.tier,
        "taa" => &mut post.taa.tier,
        "smaa" => &mut post.smaa.tier,
        "fxaa" => &mut post.fxaa.tier,
        "sharpen" => &mut post.sharpen.tier,
        "dof" => &mut post.dof.tier,
        "motion_blur" => &mut post.motion_blur.tier,
        _ => return None,
    })
}

/// `log` records (wgpu's, afterlight's) to the browser console.
struct ConsoleLog;

impl log::Log for ConsoleLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
            || metadata.target().starts_with("afterlight") && metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text: JsValue =
            format!("{} {}: {}", record.level(), record.target(), record.args()).into();
        match record.level() {
            log::Level::Error => web_sys::console::error_1(&text),
            log::Level::Warn => web_sys::console::warn_1(&text),
            _ => web_sys::console::log_1(&text),
        }
    }

    fn flush(&self) {}
}

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| fail(&info.to_string())));
    if log::set_logger(&ConsoleLog).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    wasm_bindgen_futures::spawn_local(async {
        if let Err(message) = run().await {
            fail(&message);
        }
    });
}

/// Report `message` in the title, on the page and in the console.
fn fail(message: &str) {
    web_sys::console::error_1(&message.into());
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&format!("afterlight: error: {message}"));
        set_text(&document, "status", &format!("error: {message}"));
    }
}

fn set_text(document: &web_sys::Document, id: &str, text: &str) {
    if let Some(element) = document.get_element_by_id(id) {
        element.set_text_content(Some(text));
    }
}

fn js(value: JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// Everything one frame needs.
struct Page {
    document: web_sys::Document,
    gpu: Gpu,
    surface: wgpu::Surface<'static>,
    /// The canvas's format, and whether the display image is copied into it (else blitted).
    canvas: (wgpu::TextureFormat, bool),
    /// How the display image reaches the canvas where the canvas takes no copies.
    blit: Option<Blit>,
    renderer: Renderer,
    options: RenderOptions,
    /// The chosen preset's settings, before the checkboxes turn passes off.
    preset: PostSettings,
    /// The toggled passes (keys of [`TOGGLED_PASSES`]) turned off.
    passes_off: Vec<&'static str>,
    /// The budget the governor holds while its checkbox is ticked.
    budget: BudgetSettings,
    budget_on: bool,
    size: (u32, u32),
    centre: Vec3,
    yaw: f32,
    pitch: f32,
    distance: f32,
    /// Pointers down on the canvas (mouse, pen, fingers): id and last position.
    pointers: Vec<(i32, f32, f32)>,
    /// With two pointers down: their last distance apart (the pinch).
    pinch: Option<f32>,
    frames: u64,
    /// `?report`: after this many frames the display image is posted to `/result/pixels`.
    report_after: Option<u64>,
}

async fn run() -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let canvas: web_sys::HtmlCanvasElement = document
        .get_element_by_id("afterlight")
        .ok_or("no canvas #afterlight")?
        .dyn_into()
        .map_err(|_| "#afterlight is not a canvas")?;
    let query = window.location().search().map_err(js)?;
    let params = web_sys::UrlSearchParams::new_with_str(&query).map_err(js)?;
    let has_webgpu = js_sys::Reflect::has(&window.navigator(), &"gpu".into()).unwrap_or(false);
    let mut webgl2 = params.get("backend").as_deref() == Some("webgl2") || !has_webgpu;
    if !webgl2 && !webgpu_adapter_exists().await {
        // `navigator.gpu` without an adapter (WebGPU behind a flag, a blocklisted GPU): a
        // canvas that once had a WebGPU context cannot get a WebGL2 one, so ask before.
        log::warn!("navigator.gpu offers no adapter: falling back to WebGL2");
        webgl2 = true;
    }
    let backends = if webgl2 { wgpu::Backends::GL } else { wgpu::Backends::BROWSER_WEBGPU };
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let surface = instance
        .create_surface(wgpu::SurfaceTarget::Canvas(canvas.clone()))
        .map_err(|e| format!("no {} surface on the canvas: {e}", backend_name(webgl2)))?;
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            compatible_surface: Some(&surface),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("no {} adapter: {e}", backend_name(webgl2)))?;
    let gpu = Gpu::on_adapter(instance, adapter, &GpuOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let scene = match params.get("scene") {
        Some(url) => fetch_scene(&window, &url).await?,
        None => afterlight::scene::load_from_slice(afterlight::scene::DEFAULT_SCENE_GLB, None)
            .map_err(|e| e.to_string())?,
    };
    let size = (canvas.width().max(1), canvas.height().max(1));
    let caps = surface.get_capabilities(&gpu.adapter);
    log::info!("canvas formats {:?}, usages {:?}", caps.formats, caps.usages);
    // The display image is sRGB-encoded RGBA8: copied as bytes into an RGBA8 canvas where the
    // canvas takes copies (WebGPU), else drawn into an sRGB canvas (WebGL2).
    let copy = caps.usages.contains(wgpu::TextureUsages::COPY_DST)
        && caps.formats.contains(&wgpu::TextureFormat::Rgba8Unorm);
    let (format, usage) = match copy {
        true => (wgpu::TextureFormat::Rgba8Unorm, wgpu::TextureUsages::COPY_DST),
        false => {
            let format = [wgpu::TextureFormat::Rgba8UnormSrgb, wgpu::TextureFormat::Rgba8Unorm]
                .into_iter()
                .find(|f| caps.formats.contains(f))
                .ok_or_else(|| format!("the canvas offers no RGBA8 format ({:?})", caps.formats))?;
            (format, wgpu::TextureUsages::RENDER_ATTACHMENT)
        }
    };
    surface.configure(
        &gpu.device,
        &wgpu::SurfaceConfiguration {
            usage,
            format,
            width: size.0,
            height: size.1,
            present_mode: wgpu::PresentMode::Fifo,
            desired_maximum_frame_latency: 2,
            alpha_mode: caps.alpha_modes.first().copied().unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            color_space: wgpu::SurfaceColorSpace::Auto,
        },
    );
    let renderer =
        Renderer::new(&gpu, &scene, size.0, size.1).map_err(|e| format!("renderer: {e}"))?;
    let blit = (!copy).then(|| Blit::new(&gpu.device, format, renderer.display_view()));
    let mut options = RenderOptions::default();
    let preset = match params.get("preset") {
        Some(preset) => preset_settings(&preset)?,
        None => options.post.clone(),
    };
    options.debug_view = match params.get("view").as_deref() {
        None | Some("") | Some("lit") => None,
        Some("albedo") => Some(DebugView::Albedo),
        Some("normal") => Some(DebugView::Normal),
        Some("depth") => Some(DebugView::Depth),
        Some("emissive") => Some(DebugView::Emissive),
        Some(other) => {
            return Err(format!("?view={other}: lit, albedo, normal, depth or emissive"));
        }
    };
    let budget = match params.get("budget") {
        None => BudgetSettings::adaptive(1000.0 / 60.0),
        Some(ms) => match ms.parse::<f32>() {
            Ok(ms) if (1.0..=1000.0).contains(&ms) => BudgetSettings::adaptive(ms),
            _ => return Err(format!("?budget={ms}: a frame budget in ms, 1 to 1000")),
        },
    };
    let budget_on = params.has("budget") || preset.budget.mode != BudgetMode::Off;
    // WebGPU hides the adapter's name unless the page asks for it.
    let adapter = match gpu.info.name.as_str() {
        "" => "an unnamed adapter",
        name => name,
    };
    set_text(
        &document,
        "status",
        &format!(
            "{} on {adapter} ({}); timing: {}",
            backend_name(webgl2),
            gpu.capabilities,
            renderer.timing_method()
        ),
    );
    let mut page = Page {
        document: document.clone(),
        gpu,
        surface,
        canvas: (format, copy),
        blit,
        renderer,
        options,
        preset,
        passes_off: Vec::new(),
        budget,
        budget_on,
        size,
        centre: Vec3::ZERO,
        yaw: START_ORBIT.0,
        pitch: START_ORBIT.1,
        distance: 1.0,
        pointers: Vec::new(),
        pinch: None,
        frames: 0,
        report_after: params.has("report").then_some(REPORT_AFTER_FRAMES),
    };
    page.frame_scene(&scene);
    page.apply_settings();
    let page = Rc::new(RefCell::new(page));
    listen(&canvas, &document, &page)?;
    animate(page);
    Ok(())
}

/// Whether WebGPU gives an adapter at all (asked without a surface, before the canvas gets a
/// context).
async fn webgpu_adapter_exists() -> bool {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::BROWSER_WEBGPU,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    instance.request_adapter(&Default::default()).await.is_ok()
}

fn backend_name(webgl2: bool) -> &'static str {
    if webgl2 { "WebGL2" } else { "WebGPU" }
}

/// A built-in preset's settings, by name.
fn preset_settings(name: &str) -> Result<PostSettings, String> {
    let (_, text) = afterlight::bench::BUILT_IN_PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("no built-in preset {name:?}"))?;
    Ok(Preset::parse(text).map_err(|e| e.to_string())?.settings)
}

async fn fetch_scene(window: &web_sys::Window, url: &str) -> Result<Scene, String> {
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
            .await
            .map_err(|e| format!("fetching {url}: {}", js(e)))?
            .dyn_into()
            .map_err(|_| format!("fetching {url}: not a response"))?;
    if !response.ok() {
        return Err(format!("fetching {url}: HTTP {}", response.status()));
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(js)?)
        .await
        .map_err(|e| format!("reading {url}: {}", js(e)))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    afterlight::scene::load_from_slice(&bytes, None).map_err(|e| format!("{url}: {e}"))
}

/// Read a `.glb` the user picked or dropped and show it (errors shown on the page).
fn open_file(page: &Rc<RefCell<Page>>, file: web_sys::File) {
    let page = page.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let result = async {
            let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                .await
                .map_err(|e| format!("reading {name}: {}", js(e)))?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let scene = afterlight::scene::load_from_slice(&bytes, None)
                .map_err(|e| format!("{name}: {e}"))?;
            page.borrow_mut().show_scene(&scene).map_err(|e| format!("{name}: {e}"))
        };
        match result.await {
            Ok(()) => log::info!("showing {name}"),
            Err(message) => fail(&message),
        }
    });
}

/// `closure` called with each `event` on `target` (for the page's lifetime).
fn on(
    target: &web_sys::EventTarget,
    event: &str,
    closure: impl FnMut(JsValue) + 'static,
) -> Result<(), String> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(closure);
    let added = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
    added.map_err(js)
}

/// Pointers orbit (one) and pinch-zoom (two), the wheel zooms, the preset select switches
/// presets, the checkboxes toggle passes and the budget, the file picker and a drop load a
/// `.glb`.
fn listen(
    canvas: &web_sys::HtmlCanvasElement,
    document: &web_sys::Document,
    page: &Rc<RefCell<Page>>,
) -> Result<(), String> {
    let p = page.clone();
    let target = canvas.clone();
    on(canvas, "pointerdown", move |e| {
        let e: web_sys::PointerEvent = e.unchecked_into();
        // Moves outside the canvas still reach it until the pointer is released.
        let _ = target.set_pointer_capture(e.pointer_id());
        p.borrow_mut().pointer_down(e.pointer_id(), e.client_x() as f32, e.client_y() as f32);
    })?;
    let p = page.clone();
    on(canvas, "pointermove", move |e| {
        let e: web_sys::PointerEvent = e.unchecked_into();
        p.borrow_mut().pointer_move(e.pointer_id(), e.client_x() as f32, e.client_y() as f32);
    })?;
    for event in ["pointerup", "pointercancel", "lostpointercapture"] {
        let p = page.clone();
        on(canvas, event, move |e| {
            let e: web_sys::PointerEvent = e.unchecked_into();
            p.borrow_mut().pointer_up(e.pointer_id());
        })?;
    }
    let p = page.clone();
    on(canvas, "wheel", move |e| {
        let e: web_sys::WheelEvent = e.unchecked_into();
        e.prevent_default();
        p.borrow_mut().zoom(1.0 + 0.001 * e.delta_y() as f32);
    })?;
    if let Some(select) = document.get_element_by_id("preset") {
        let select: web_sys::HtmlSelectElement =
            select.dyn_into().map_err(|_| "#preset is not a select")?;
        for (name, _) in afterlight::bench::BUILT_IN_PRESETS {
            let option = document.create_element("option").map_err(js)?;
            option.set_text_content(Some(name));
            select.append_child(&option).map_err(js)?;
        }
        let p = page.clone();
        let chosen = select.clone();
        on(&select, "change", move |_| {
            let settings = match chosen.value().as_str() {
                "" => Ok(RenderOptions::default().post),
                name => preset_settings(name),
            };
            match settings {
                Ok(settings) => p.borrow_mut().set_preset(settings),
                Err(message) => fail(&message),
            }
        })?;
    }
    if let Some(passes) = document.get_element_by_id("passes") {
        for (key, label) in TOGGLED_PASSES {
            let checkbox = checkbox(document, &format!("pass-{key}"), label, &passes)?;
            let p = page.clone();
            let input = checkbox.clone();
            on(&checkbox, "change", move |_| p.borrow_mut().toggle_pass(key, input.checked()))?;
        }
        let checkbox = checkbox(document, "budget", "budget governor", &passes)?;
        let p = page.clone();
        let input = checkbox.clone();
        on(&checkbox, "change", move |_| {
            let mut page = p.borrow_mut();
            page.budget_on = input.checked();
            page.apply_settings();
        })?;
    }
    if let Some(input) = document.get_element_by_id("file") {
        let input: web_sys::HtmlInputElement =
            input.dyn_into().map_err(|_| "#file is not an input")?;
        let p = page.clone();
        let picker = input.clone();
        on(&input, "change", move |_| {
            if let Some(file) = picker.files().and_then(|files| files.get(0)) {
                open_file(&p, file);
            }
        })?;
    }
    // A file dropped anywhere on the page.
    on(document, "dragover", |e| e.unchecked_into::<web_sys::Event>().prevent_default())?;
    let p = page.clone();
    on(document, "drop", move |e| {
        let e: web_sys::DragEvent = e.unchecked_into();
        e.prevent_default();
        let file = e.data_transfer().and_then(|d| d.files()).and_then(|files| files.get(0));
        if let Some(file) = file {
            open_file(&p, file);
        }
    })?;
    Ok(())
}

/// A labelled checkbox `id` appended to `parent`.
fn checkbox(
    document: &web_sys::Document,
    id: &str,
    text: &str,
    parent: &web_sys::Element,
) -> Result<web_sys::HtmlInputElement, String> {
    let label = document.create_element("label").map_err(js)?;
    let input: web_sys::HtmlInputElement = document
        .create_element("input")
        .map_err(js)?
        .dyn_into()
        .map_err(|_| "not an input element")?;
    input.set_type("checkbox");
    input.set_id(id);
    label.append_child(&input).map_err(js)?;
    label.append_child(&document.create_text_node(&format!(" {text} "))).map_err(js)?;
    parent.append_child(&label).map_err(js)?;
    Ok(input)
}

/// Draw a frame at every animation frame until one fails.
fn animate(page: Rc<RefCell<Page>>) {
    type Callback = Closure<dyn FnMut()>;
    let next: Rc<RefCell<Option<Callback>>> = Rc::new(RefCell::new(None));
    let again = next.clone();
    *next.borrow_mut() = Some(Closure::new(move || {
        if let Err(message) = page.borrow_mut().frame() {
            fail(&message);
            return;
        }
        if let (Some(window), Some(callback)) = (web_sys::window(), again.borrow().as_ref()) {
            let _ = window.request_animation_frame(callback.as_ref().unchecked_ref());
        }
    }));
    if let (Some(window), Some(callback)) = (web_sys::window(), next.borrow().as_ref()) {
        let _ = window.request_animation_frame(callback.as_ref().unchecked_ref());
    }
}

impl Page {
    /// Aim the orbit camera at `scene`'s centre, at the distance that frames it.
    fn frame_scene(&mut self, scene: &Scene) {
        let framing = scene.framing_bounds();
        let aspect = self.size.0 as f32 / self.size.1 as f32;
        let start = Camera::frame_bounds(&framing, START_ORBIT.0, START_ORBIT.1, aspect);
        self.centre = if framing.is_empty() { Vec3::ZERO } else { framing.center() };
        self.distance = (start.position - self.centre).length().max(0.01);
        (self.yaw, self.pitch) = START_ORBIT;
    }

    /// Show `scene` instead of the current one (a new renderer: its buffers, environment and
    /// histories start afresh).
    fn show_scene(&mut self, scene: &Scene) -> Result<(), String> {
        let renderer = Renderer::new(&self.gpu, scene, self.size.0, self.size.1)
            .map_err(|e| format!("renderer: {e}"))?;
        let (format, copy) = self.canvas;
        self.blit = (!copy).then(|| Blit::new(&self.gpu.device, format, renderer.display_view()));
        self.renderer = renderer;
        self.frame_scene(scene);
        Ok(())
    }

    /// A new preset: its settings, with the checkboxes showing its passes.
    fn set_preset(&mut self, settings: PostSettings) {
        self.preset = settings;
        self.passes_off.clear();
        self.budget_on = self.preset.budget.mode != BudgetMode::Off;
        self.apply_settings();
    }

    /// Turn pass `key` off, or back to the preset's tier (`high` where the preset has it off).
    fn toggle_pass(&mut self, key: &'static str, on: bool) {
        self.passes_off.retain(|k| *k != key);
        if on {
            if let Some(tier) = tier_mut(&mut self.preset, key)
                && !tier.is_on()
            {
                *tier = Tier::High;
            }
        } else {
            self.passes_off.push(key);
        }
        self.apply_settings();
    }

    /// The render options from the preset, the checkboxes and the budget; the checkboxes
    /// updated to match.
    fn apply_settings(&mut self) {
        let mut post = self.preset.clone();
        for key in &self.passes_off {
            if let Some(tier) = tier_mut(&mut post, key) {
                *tier = Tier::Off;
            }
        }
        post.budget = match (self.budget_on, post.budget.mode) {
            (false, _) => BudgetSettings { mode: BudgetMode::Off, ..post.budget },
            (true, BudgetMode::Off) => self.budget.clone(),
            (true, _) => post.budget,
        };
        for (key, _) in TOGGLED_PASSES {
            let on = tier_mut(&mut post, key).is_some_and(|t| t.is_on());
            self.set_checked(&format!("pass-{key}"), on);
        }
        self.set_checked("budget", self.budget_on);
        self.options.post = post;
    }

    fn set_checked(&self, id: &str, checked: bool) {
        let input = self.document.get_element_by_id(id);
        if let Some(input) = input.and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            input.set_checked(checked);
        }
    }

    fn pointer_down(&mut self, id: i32, x: f32, y: f32) {
        self.pointers.retain(|p| p.0 != id);
        self.pointers.push((id, x, y));
        self.pinch = self.pinch_distance();
    }

    fn pointer_up(&mut self, id: i32) {
        self.pointers.retain(|p| p.0 != id);
        self.pinch = self.pinch_distance();
    }

    /// With exactly two pointers down: how far apart they are.
    fn pinch_distance(&self) -> Option<f32> {
        match self.pointers.as_slice() {
            [a, b] => Some(((a.1 - b.1).powi(2) + (a.2 - b.2).powi(2)).sqrt().max(1.0)),
            _ => None,
        }
    }

    /// One pointer orbits; two zoom by the change in their distance apart.
    fn pointer_move(&mut self, id: i32, x: f32, y: f32) {
        let Some(index) = self.pointers.iter().position(|p| p.0 == id) else {
            return;
        };
        let (_, last_x, last_y) = self.pointers[index];
        self.pointers[index] = (id, x, y);
        match (self.pointers.len(), self.pinch, self.pinch_distance()) {
            (1, _, _) => {
                self.yaw -= 0.4 * (x - last_x);
                self.pitch = (self.pitch + 0.4 * (y - last_y)).clamp(-89.0, 89.0);
            }
            (2, Some(before), Some(now)) => {
                self.zoom(before / now);
                self.pinch = Some(now);
            }
            _ => {}
        }
    }

    /// Multiply the orbit distance by `factor`.
    fn zoom(&mut self, factor: f32) {
        if factor.is_finite() && factor > 0.0 {
            self.distance = (self.distance * factor).clamp(0.01, 1.0e6);
        }
    }

    /// Read the display image back (without blocking) and post it, RGBA8 rows top first, to
    /// `/result/pixels` (web/serve.py --result writes it to a file).
    fn post_pixels(&self) {
        let texture = self.renderer.display_view().texture();
        let pending =
            afterlight::gpu::read_texture_async(&self.gpu.device, &self.gpu.queue, texture);
        wasm_bindgen_futures::spawn_local(async move {
            let result = async {
                let bytes = pending.await.map_err(|e| e.to_string())?;
                let window = web_sys::window().ok_or("no window")?;
                let init = web_sys::RequestInit::new();
                init.set_method("POST");
                let body = js_sys::Uint8Array::from(bytes.as_slice());
                init.set_body(&body);
                let sent = window.fetch_with_str_and_init("/result/pixels", &init);
                wasm_bindgen_futures::JsFuture::from(sent).await.map_err(js)?;
                Ok::<(), String>(())
            };
            if let Err(message) = result.await {
                fail(&format!("posting the picture: {message}"));
            }
        });
    }

    fn frame(&mut self) -> Result<(), String> {
        let camera = Camera::orbit(
            self.centre,
            self.yaw,
            self.pitch,
            self.distance,
            YFOV_DEGREES.to_radians(),
        );
        self.renderer.render(&self.gpu, &camera, &self.options).map_err(|e| e.to_string())?;
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(frame)
            | wgpu::CurrentSurfaceTexture::Suboptimal(frame) => frame,
            // Skip this frame (the tab is hidden, the canvas is being resized).
            _ => return Ok(()),
        };
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        match &self.blit {
            Some(blit) => blit.draw(&mut encoder, &frame.texture.create_view(&Default::default())),
            None => encoder.copy_texture_to_texture(
                self.renderer.display_view().texture().as_image_copy(),
                frame.texture.as_image_copy(),
                wgpu::Extent3d {
                    width: self.size.0,
                    height: self.size.1,
                    depth_or_array_layers: 1,
                },
            ),
        }
        self.gpu.queue.submit([encoder.finish()]);
        self.gpu.queue.present(frame);
        self.frames += 1;
        if self.report_after == Some(self.frames) {
            self.post_pixels();
        }
        if self.frames == 1 {
            self.document.set_title("afterlight: ready");
        }
        let mut lines: Vec<String> = self
            .renderer
            .pass_times()
            .iter()
            .map(|p| format!("{:<12} {:7.3} ms", p.name, p.ms))
            .collect();
        if lines.is_empty() {
            lines.push(format!("frame {}: no per-pass GPU times on this backend", self.frames));
        }
        if self.options.post.budget.mode != BudgetMode::Off {
            let governor = self.renderer.governor();
            let knobs: Vec<String> =
                governor.knobs().iter().map(|(knob, level)| format!("{knob} {level}")).collect();
            lines.push(format!(
                "budget {:.1} ms ({}): {}",
                self.options.post.budget.budget_ms(),
                governor.status(),
                knobs.join(", ")
            ));
        }
        set_text(&self.document, "timings", &lines.join("\n"));
        Ok(())
    }
}

/// Draws the display image into the canvas texel for texel, for canvases that cannot be copied
/// into: the sRGB read decodes, and an sRGB canvas encodes again, or the shader does for an
/// RGBA8 one.
struct Blit {
    pipeline: wgpu::RenderPipeline,
    bind_group: wgpu::BindGroup,
}

const BLIT_WGSL: &str = "
@group(0) @binding(0) var image: texture_2d<f32>;

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
    let uv = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4f(uv * vec2f(2.0, -2.0) + vec2f(-1.0, 1.0), 0.0, 1.0);
}

@fragment
fn fs(@builtin(position) position: vec4f) -> @location(0) vec4f {
    return textureLoad(image, vec2i(position.xy), 0);
}

@fragment
fn fs_encode(@builtin(position) position: vec4f) -> @location(0) vec4f {
    let c = textureLoad(image, vec2i(position.xy), 0);
    let encoded = select(1.055 * pow(c.rgb, vec3f(1.0 / 2.4)) - 0.055, c.rgb * 12.92, c.rgb <= vec3f(0.0031308));
    return vec4f(encoded, c.a);
}
";

impl Blit {
    fn new(device: &wgpu::Device, format: wgpu::TextureFormat, image: &wgpu::TextureView) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("canvas blit"),
            source: wgpu::ShaderSource::Wgsl(BLIT_WGSL.into()),
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("canvas blit"),
            layout: None,
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: Default::default(),
            depth_stencil: None,
            multisample: Default::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some(if format.is_srgb() { "fs" } else { "fs_encode" }),
                compilation_options: Default::default(),
                targets: &[Some(format.into())],
            }),
            multiview_mask: None,
            cache: None,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("canvas blit"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(image),
            }],
        });
        Self { pipeline, bind_group }
    }

    fn draw(&self, encoder: &mut wgpu::CommandEncoder, target: &wgpu::TextureView) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("canvas blit"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                    store: wgpu::StoreOp::Store,
                },
            })],
            ..Default::default()
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.draw(0..3, 0..1);
    }
}

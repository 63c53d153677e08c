//! The product-demo page (`web/index.html`, built by `web/build.sh`): afterlight's renderer and
//! post chain on a canvas. WebGPU where the browser has `navigator.gpu`, otherwise (or with
//! `?backend=webgl2`) WebGL2, which runs the downlevel path. `?scene=URL` loads a `.glb`
//! instead of the built-in product demo; drag to orbit, the wheel zooms, the select switches
//! the built-in presets, `?view=albedo|normal|depth|emissive` shows a G-buffer channel. GPU ms
//! per pass are shown where the browser offers timestamps.
//!
//! When the first frame is on screen the page's title becomes `afterlight: ready`; any failure
//! (a panic included) sets `afterlight: error: <message>` and shows the message on the page.

use std::cell::RefCell;
use std::rc::Rc;

use afterlight::config::Preset;
use afterlight::gpu::{Gpu, GpuOptions};
use afterlight::render::{DebugView, RenderOptions, Renderer};
use afterlight::scene::{Camera, Scene};
use glam::Vec3;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Frames drawn before `?report` posts the picture (TAA and exposure settle).
const REPORT_AFTER_FRAMES: u64 = 8;

/// Vertical field of view of the orbit camera.
const YFOV_DEGREES: f32 = 40.0;

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
    /// How the display image reaches the canvas where the canvas takes no copies.
    blit: Option<Blit>,
    renderer: Renderer,
    options: RenderOptions,
    size: (u32, u32),
    centre: Vec3,
    yaw: f32,
    pitch: f32,
    distance: f32,
    drag: Option<(i32, i32)>,
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
    let webgl2 = params.get("backend").as_deref() == Some("webgl2") || !has_webgpu;
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
    let framing = scene.framing_bounds();
    let aspect = size.0 as f32 / size.1 as f32;
    let start = Camera::frame_bounds(&framing, 30.0, 20.0, aspect);
    let centre = if framing.is_empty() { Vec3::ZERO } else { framing.center() };
    let mut options = RenderOptions::default();
    if let Some(preset) = params.get("preset") {
        options.post = preset_settings(&preset)?;
    }
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
    set_text(
        &document,
        "status",
        &format!(
            "{} on {} ({}); timing: {}",
            backend_name(webgl2),
            gpu.info.name,
            gpu.capabilities,
            renderer.timing_method()
        ),
    );
    let page = Rc::new(RefCell::new(Page {
        document: document.clone(),
        gpu,
        surface,
        blit,
        renderer,
        options,
        size,
        centre,
        yaw: 30.0,
        pitch: 20.0,
        distance: (start.position - centre).length().max(0.01),
        drag: None,
        frames: 0,
        report_after: params.has("report").then_some(REPORT_AFTER_FRAMES),
    }));
    listen(&canvas, &document, &page)?;
    animate(page);
    Ok(())
}

fn backend_name(webgl2: bool) -> &'static str {
    if webgl2 { "WebGL2" } else { "WebGPU" }
}

/// A built-in preset's settings, by name.
fn preset_settings(name: &str) -> Result<afterlight::post::chain::PostSettings, String> {
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

/// Pointer drag orbits, the wheel zooms, the preset select switches presets.
fn listen(
    canvas: &web_sys::HtmlCanvasElement,
    document: &web_sys::Document,
    page: &Rc<RefCell<Page>>,
) -> Result<(), String> {
    let on = |target: &web_sys::EventTarget, event: &str, f: Box<dyn FnMut(JsValue)>| {
        let closure = Closure::<dyn FnMut(JsValue)>::new(f);
        let added =
            target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        closure.forget();
        added.map_err(js)
    };
    let p = page.clone();
    on(
        canvas,
        "pointerdown",
        Box::new(move |e| {
            let e: web_sys::PointerEvent = e.unchecked_into();
            p.borrow_mut().drag = Some((e.client_x(), e.client_y()));
        }),
    )?;
    let p = page.clone();
    on(
        canvas,
        "pointermove",
        Box::new(move |e| {
            let e: web_sys::PointerEvent = e.unchecked_into();
            let mut page = p.borrow_mut();
            if let Some((x, y)) = page.drag {
                page.yaw -= 0.4 * (e.client_x() - x) as f32;
                page.pitch = (page.pitch + 0.4 * (e.client_y() - y) as f32).clamp(-89.0, 89.0);
                page.drag = Some((e.client_x(), e.client_y()));
            }
        }),
    )?;
    for event in ["pointerup", "pointerleave", "pointercancel"] {
        let p = page.clone();
        on(canvas, event, Box::new(move |_| p.borrow_mut().drag = None))?;
    }
    let p = page.clone();
    on(
        canvas,
        "wheel",
        Box::new(move |e| {
            let e: web_sys::WheelEvent = e.unchecked_into();
            e.prevent_default();
            let mut page = p.borrow_mut();
            page.distance = (page.distance * (1.0 + 0.001 * e.delta_y() as f32)).max(0.01);
        }),
    )?;
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
        on(
            &select,
            "change",
            Box::new(move |_| match preset_settings(&chosen.value()) {
                Ok(settings) => p.borrow_mut().options.post = settings,
                Err(message) => fail(&message),
            }),
        )?;
    }
    Ok(())
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
        let times: Vec<String> = self
            .renderer
            .pass_times()
            .iter()
            .map(|p| format!("{:<12} {:7.3} ms", p.name, p.ms))
            .collect();
        let text = match times.is_empty() {
            true => format!("frame {}: no per-pass GPU times on this backend", self.frames),
            false => times.join("\n"),
        };
        set_text(&self.document, "timings", &text);
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

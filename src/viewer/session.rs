//! The viewer's state without its window: the GPU, the scene and environment, the renderers,
//! the panel and the file watcher. Dropped files are loaded here ([`Session::drop_file`]) and
//! a lost GPU device is noticed and rebuilt here ([`Session::recover`]), so both can be driven
//! without a window (tests) as well as by the window loop (`app.rs`).
//!
//! Reads: the scene, preset and environment files it is given or that are dropped. Writes:
//! messages into the panel. Device loss follows the WebGPU model wgpu implements: a lost
//! device stays lost, so recovery is a new device and everything made on the old one rebuilt.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::panel::{Level, Panel};
use super::reload::{FileWatcher, Reloadable, ShaderDirChoice, choose_shader_dir};
use super::{ViewerError, ViewerOptions};
use crate::Error;
use crate::config::Preset;
use crate::gpu::{Gpu, GpuOptions};
use crate::post::chain::PostSettings;
use crate::render::environment::{Environment, EnvironmentSettings, EnvironmentSource};
use crate::render::{Renderer, RendererSettings};
use crate::scene::{self, Scene};

/// The smallest 3D viewport drawn, in pixels per side.
pub(super) const MIN_VIEWPORT: u32 = 16;

/// What a dropped file was taken as, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DroppedKind {
    /// A `.glb`/`.gltf` scene: it replaces the scene.
    Scene,
    /// An `.hdr`/`.exr` equirectangular environment: it is baked and replaces the lighting.
    Environment,
    /// A LUT file (`.cube`, `.3dl`, `.spi1d`, `.spi3d`): it becomes `lut.file`.
    Lut,
    /// A `.toml` preset: it replaces the settings and is watched.
    Preset,
}

impl DroppedKind {
    /// The kind for `path`'s extension (case-insensitive), `None` for anything else.
    pub fn of(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "glb" | "gltf" => Some(DroppedKind::Scene),
            "hdr" | "exr" => Some(DroppedKind::Environment),
            "cube" | "3dl" | "spi1d" | "spi3d" => Some(DroppedKind::Lut),
            "toml" => Some(DroppedKind::Preset),
            _ => None,
        }
    }
}

/// The viewer's state apart from the window.
pub struct Session {
    pub(super) gpu: Gpu,
    gpu_options: GpuOptions,
    pub(super) scene: Scene,
    environment_path: Option<PathBuf>,
    pub(super) environment: Arc<Environment>,
    pub(super) renderer: Reloadable<Renderer>,
    /// The B side of an A/B compare, made when first needed.
    pub(super) compare_renderer: Option<Renderer>,
    pub(super) panel: Panel,
    pub(super) watcher: Option<FileWatcher>,
    pub(super) shader_dir: Option<PathBuf>,
    /// The size the renderers draw at (the window's 3D viewport).
    pub(super) size: (u32, u32),
    /// A new scene was loaded: the window loop frames it.
    pub(super) scene_changed: bool,
    device_lost: Arc<Mutex<Option<String>>>,
}

impl Session {
    /// Open the GPU, load the scene, environment and preset of `options`, and build the
    /// renderer at the smallest viewport (the window loop resizes it).
    pub fn new(options: &ViewerOptions) -> Result<Self, ViewerError> {
        // Before anything loads a shader: a release build run from its checkout reads (and
        // watches) the checkout's shaders, so edits there apply.
        let shader_choice = shader_dir_choice(options);
        if let ShaderDirChoice::Checkout(dir) = &shader_choice {
            crate::shaders::use_source_dir(Some(dir.clone()));
        }
        let gpu = Gpu::new(&options.gpu).map_err(Error::from)?;
        let device_lost = watch_device(&gpu);
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
        let size = (MIN_VIEWPORT, MIN_VIEWPORT);
        let renderer = Renderer::with_environment(
            &gpu,
            &scene,
            size,
            environment.clone(),
            &RendererSettings::default(),
        )?;
        let shader_dir = shader_choice.dir().map(Path::to_owned);
        let mut watcher = match FileWatcher::new(shader_dir.as_deref()) {
            Ok(watcher) => Some(watcher),
            Err(e) => {
                panel.push(Level::Warning, format!("file watching is off: {e}"));
                None
            }
        };
        log::info!("{}", shader_choice.message());
        panel.push(Level::Info, shader_choice.message());
        if let (Some(watcher), Some(path)) = (&mut watcher, &options.preset)
            && let Err(e) = watcher.watch_preset(Some(path))
        {
            panel.push(Level::Warning, format!("cannot watch {}: {e}", path.display()));
        }
        Ok(Self {
            gpu,
            gpu_options: options.gpu.clone(),
            scene,
            environment_path: options.env.clone(),
            environment,
            renderer: Reloadable::new(renderer),
            compare_renderer: None,
            panel,
            watcher,
            shader_dir,
            size,
            scene_changed: false,
            device_lost,
        })
    }

    /// The GPU everything is drawn with (a new one after [`Session::recover`]).
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// The scene shown.
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// The GPU with the renderer of the A side (the panel's settings), to draw a frame.
    pub fn gpu_and_renderer(&mut self) -> (&Gpu, &mut Renderer) {
        (&self.gpu, self.renderer.get_mut())
    }

    /// The panel, with its settings and messages.
    pub fn panel(&self) -> &Panel {
        &self.panel
    }

    /// Why the GPU device was lost, once wgpu has reported it (it does so while polling or
    /// submitting); `None` while the device is fine.
    pub fn device_lost(&self) -> Option<String> {
        self.device_lost.lock().ok().and_then(|slot| slot.clone())
    }

    /// Replace a lost device: a new [`Gpu`] with the same options, the environment baked and
    /// the renderer built on it again (the compare side is rebuilt when next needed). The
    /// window's own GPU objects (surface, present pass, egui) are the caller's to rebuild.
    pub fn recover(&mut self) -> Result<(), ViewerError> {
        let reason = self.device_lost().unwrap_or_else(|| "no reason given".into());
        let gpu = Gpu::new(&self.gpu_options).map_err(Error::from)?;
        let device_lost = watch_device(&gpu);
        let environment = Arc::new(bake_environment(&gpu, self.environment_path.as_deref())?);
        let renderer = Renderer::with_environment(
            &gpu,
            &self.scene,
            self.size,
            environment.clone(),
            &RendererSettings::default(),
        )?;
        self.gpu = gpu;
        self.device_lost = device_lost;
        self.environment = environment;
        self.renderer = Reloadable::new(renderer);
        self.compare_renderer = None;
        self.panel.push(
            Level::Warning,
            format!("the GPU device was lost ({reason}); recreated it on {}", self.gpu.info.name),
        );
        Ok(())
    }

    /// Load a dropped file by its extension (see [`DroppedKind`]); the outcome, loaded or the
    /// error naming the file, goes into the panel's messages. Returns what it was taken as
    /// when it loaded.
    pub fn drop_file(&mut self, path: &Path) -> Option<DroppedKind> {
        let Some(kind) = DroppedKind::of(path) else {
            self.panel.push(
                Level::Error,
                format!(
                    "{}: drop a .glb/.gltf scene, an .hdr/.exr environment, a .cube LUT or a \
                     .toml preset",
                    path.display()
                ),
            );
            return None;
        };
        let result = match kind {
            DroppedKind::Scene => self.load_scene(path),
            DroppedKind::Environment => self.load_environment(path),
            DroppedKind::Lut => self.load_lut(path),
            DroppedKind::Preset => self.load_preset(path),
        };
        match result {
            Ok(()) => {
                self.panel.push(Level::Info, format!("loaded {}", path.display()));
                Some(kind)
            }
            Err(e) => {
                self.panel.push(Level::Error, e);
                None
            }
        }
    }

    fn load_scene(&mut self, path: &Path) -> Result<(), String> {
        let scene = scene::load(path).map_err(|e| e.to_string())?;
        let renderer = self.new_renderer(&scene, &self.environment).map_err(|e| e.to_string())?;
        self.scene = scene;
        self.renderer = Reloadable::new(renderer);
        self.compare_renderer = None;
        self.scene_changed = true;
        Ok(())
    }

    fn load_environment(&mut self, path: &Path) -> Result<(), String> {
        let environment =
            Arc::new(bake_environment(&self.gpu, Some(path)).map_err(|e| e.to_string())?);
        let renderer = self.new_renderer(&self.scene, &environment).map_err(|e| e.to_string())?;
        self.environment = environment;
        self.environment_path = Some(path.to_owned());
        self.renderer = Reloadable::new(renderer);
        self.compare_renderer = None;
        Ok(())
    }

    fn load_lut(&mut self, path: &Path) -> Result<(), String> {
        crate::post::colour_lut::ColourLut::load(path).map_err(|e| e.to_string())?;
        let mut settings = self.panel.settings().clone();
        settings.lut.file = Some(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()));
        self.panel.set_settings(settings);
        Ok(())
    }

    pub(super) fn load_preset(&mut self, path: &Path) -> Result<(), String> {
        let preset = Preset::load(path).map_err(|e| e.to_string())?;
        self.panel.load_preset(&preset);
        if let Some(watcher) = &mut self.watcher
            && let Err(e) = watcher.watch_preset(Some(path))
        {
            self.panel.push(Level::Warning, format!("cannot watch {}: {e}", path.display()));
        }
        Ok(())
    }

    pub(super) fn new_renderer(
        &self,
        scene: &Scene,
        environment: &Arc<Environment>,
    ) -> Result<Renderer, Error> {
        Renderer::with_environment(
            &self.gpu,
            scene,
            self.size,
            environment.clone(),
            &RendererSettings::default(),
        )
    }
}

/// Where this viewer reads and watches shaders: the options' folder or the loader's, else the
/// `shaders/` of the checkout this build was made in when it matches the build.
fn shader_dir_choice(options: &ViewerOptions) -> ShaderDirChoice {
    let given = options.shader_dir.clone().or_else(crate::shaders::source_dir);
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let embedded: Vec<&str> = crate::shaders::embedded_files().collect();
    choose_shader_dir(given, &checkout, &embedded)
}

/// A slot the device-lost callback of `gpu`'s device fills with its reason.
fn watch_device(gpu: &Gpu) -> Arc<Mutex<Option<String>>> {
    let slot = Arc::new(Mutex::new(None));
    let lost = slot.clone();
    gpu.device.set_device_lost_callback(move |reason, message| {
        if let Ok(mut slot) = lost.lock() {
            *slot = Some(format!("{reason:?}: {message}"));
        }
    });
    slot
}

/// Bake the environment from `path` (equirectangular .hdr/.exr) or the neutral studio.
pub(super) fn bake_environment(gpu: &Gpu, path: Option<&Path>) -> Result<Environment, Error> {
    let settings = EnvironmentSettings {
        source: path
            .map_or(EnvironmentSource::Studio, |p| EnvironmentSource::Equirect(p.to_owned())),
        ..Default::default()
    };
    Environment::new(gpu, &settings, &mut |stage, done| {
        log::debug!("environment {stage}: {:.0}%", done * 100.0);
    })
}

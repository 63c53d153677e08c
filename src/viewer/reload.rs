//! Hot reload: watch the shader directory, the loaded preset file and the user LUT file
//! (notify), check every
//! shader with naga before anything is rebuilt, and keep the last good pipeline (or settings)
//! when a new version fails, with the error (`file:line: message`) to show.
//!
//! Reads: file-system events; shader text through [`shaders::load_from_dir`]. Writes: nothing
//! on disk. The directory is always passed in explicitly (no process-wide state), so tests in
//! one process can each watch their own. Which directory the viewer watches is
//! [`choose_shader_dir`]'s decision: the loader's, else the checkout the build was made in
//! when its shaders match the build (the viewer then has the loader read it too).
//!
//! The approach follows what blade and vello do for reloads: build the new pipeline inside a
//! validation error scope and swap only on success.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use crate::shaders::{self, ShaderError};

/// Quiet time after the last file event before a change is reported: editors write a file in
/// several steps (truncate, write, rename), and a reload should see the finished file.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Validate every top-level shader under `dir` (which plays the part of `shaders/`) with
/// naga; every failure is returned, each naming its file and line.
pub fn check_shader_dir(dir: &Path) -> Result<usize, Vec<ShaderError>> {
    let names = shaders::names_in_dir(dir).map_err(|e| vec![e])?;
    let errors: Vec<ShaderError> = names
        .iter()
        .filter_map(|name| {
            shaders::load_from_dir(dir, name).and_then(|s| shaders::validate(&s)).err()
        })
        .collect();
    if errors.is_empty() { Ok(names.len()) } else { Err(errors) }
}

/// Where the viewer reads and watches shaders ([`choose_shader_dir`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShaderDirChoice {
    /// A folder the shader loader already reads: `AFTERLIGHT_SHADER_DIR`, a debug build's
    /// checkout, or the one the viewer's options name.
    Given(PathBuf),
    /// The `shaders/` folder of the checkout this build came from: it holds every shader the
    /// build embeds, so the viewer has the loader read it ([`shaders::use_source_dir`]) and
    /// edits there apply, in release builds too.
    Checkout(PathBuf),
    /// None: the embedded shaders are drawn and nothing is reloaded, for the reason given.
    Embedded(String),
}

impl ShaderDirChoice {
    /// The folder to watch, if any.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            ShaderDirChoice::Given(dir) | ShaderDirChoice::Checkout(dir) => Some(dir),
            ShaderDirChoice::Embedded(_) => None,
        }
    }

    /// The line for the viewer's panel: the folder watched, or why none is and what to do.
    pub fn message(&self) -> String {
        match self {
            ShaderDirChoice::Given(dir) | ShaderDirChoice::Checkout(dir) => {
                format!("watching shaders in {}", dir.display())
            }
            ShaderDirChoice::Embedded(reason) => format!(
                "shaders are embedded in this build and are not reloaded: {reason}. To edit them \
                 live, run a build of the checkout you edit, or set {}=<its shaders folder>",
                shaders::SHADER_DIR_ENV
            ),
        }
    }
}

/// Where the viewer reads and watches shaders. `given` is a folder the loader already reads
/// ([`shaders::source_dir`]) or the viewer's options name: it is used as it is. Otherwise
/// `checkout` (the build's crate folder's `shaders/`) is used when it exists and holds every
/// file of `embedded` (the build's shader files, relative to the shaders root): then it is
/// the checkout this build came from, at a version whose shaders are all where the build
/// expects them. Extra files there are new shaders and different text is the edits; a missing
/// file means another version (or no checkout at all), and the embedded shaders stay.
pub fn choose_shader_dir(
    given: Option<PathBuf>,
    checkout: &Path,
    embedded: &[&str],
) -> ShaderDirChoice {
    if let Some(dir) = given {
        return ShaderDirChoice::Given(dir);
    }
    if !checkout.is_dir() {
        return ShaderDirChoice::Embedded(format!(
            "{} (where this build was made) is not here",
            checkout.display()
        ));
    }
    let missing: Vec<&str> =
        embedded.iter().copied().filter(|file| !checkout.join(file).is_file()).collect();
    match missing.as_slice() {
        [] => ShaderDirChoice::Checkout(checkout.to_owned()),
        [first, ..] => ShaderDirChoice::Embedded(format!(
            "{} lacks {} of this build's {} shader files ({first}{}), so it holds another \
             version of them",
            checkout.display(),
            missing.len(),
            embedded.len(),
            if missing.len() > 1 { ", ..." } else { "" },
        )),
    }
}

/// A value rebuilt on reload that keeps its last good version when a rebuild fails.
pub struct Reloadable<T> {
    current: T,
    error: Option<String>,
    generation: u64,
}

impl<T> Reloadable<T> {
    /// Start with a good value (generation 0).
    pub fn new(value: T) -> Self {
        Self { current: value, error: None, generation: 0 }
    }

    /// Try `build`: on success the new value replaces the old (the generation counts up and
    /// the error clears); on failure the old value stays and the error is kept. Returns
    /// whether the value was replaced.
    pub fn reload<E: std::fmt::Display>(&mut self, build: impl FnOnce() -> Result<T, E>) -> bool {
        match build() {
            Ok(value) => {
                self.current = value;
                self.error = None;
                self.generation += 1;
                true
            }
            Err(e) => {
                let message = e.to_string();
                log::warn!("reload failed, keeping the last good version: {message}");
                self.error = Some(message);
                false
            }
        }
    }

    /// The value in use: the newest that built.
    pub fn get(&self) -> &T {
        &self.current
    }

    /// The value in use, mutable.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.current
    }

    /// Why the last reload failed, when it did.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// How many reloads have replaced the value.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// What changed on disk since the last report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// A `.wgsl` file under the shader directory.
    pub shaders: bool,
    /// The watched preset file.
    pub preset: bool,
    /// A `.wgsl` file in the preset's folder (user passes' shaders).
    pub custom: bool,
    /// The watched LUT file (`lut.file`).
    pub lut: bool,
}

/// Watches a shader directory (recursively) and one preset file, and reports changes once
/// they have settled for [`DEBOUNCE`].
pub struct FileWatcher {
    watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    shader_dir: Option<PathBuf>,
    preset: Option<PathBuf>,
    preset_parent: Option<PathBuf>,
    lut: Option<PathBuf>,
    lut_parent: Option<PathBuf>,
    pending: Changes,
    last_event: Option<Instant>,
}

impl FileWatcher {
    /// Watch `shader_dir` (when given) for `.wgsl` changes. Call [`FileWatcher::watch_preset`]
    /// for the preset.
    pub fn new(shader_dir: Option<&Path>) -> Result<Self, notify::Error> {
        let (sender, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            // The receiver goes away with the watcher; nothing to do then.
            let _ = sender.send(event);
        })?;
        let shader_dir = match shader_dir {
            Some(dir) => {
                watcher.watch(dir, RecursiveMode::Recursive)?;
                Some(absolute(dir))
            }
            None => None,
        };
        Ok(Self {
            watcher,
            events,
            shader_dir,
            preset: None,
            preset_parent: None,
            lut: None,
            lut_parent: None,
            pending: Changes::default(),
            last_event: None,
        })
    }

    /// Watch `path` as the preset (replacing any earlier one); `None` stops watching presets.
    /// The file's folder is watched, so editors that save by renaming a new file over the old
    /// one are seen too.
    pub fn watch_preset(&mut self, path: Option<&Path>) -> Result<(), notify::Error> {
        if let Some(parent) = self.preset_parent.take() {
            // Unwatching a folder that vanished is not an error worth reporting.
            let _ = self.watcher.unwatch(&parent);
        }
        self.preset = None;
        if let Some(path) = path {
            let path = absolute(path);
            let parent = path.parent().map(Path::to_owned).unwrap_or_else(|| PathBuf::from("."));
            self.watcher.watch(&parent, RecursiveMode::NonRecursive)?;
            self.preset_parent = Some(parent);
            self.preset = Some(path);
        }
        Ok(())
    }

    /// Watch `path` as the user LUT file (its folder, as for the preset); `None` stops. A
    /// path already watched is left as it is, so this can be called every frame.
    pub fn watch_lut(&mut self, path: Option<&Path>) -> Result<(), notify::Error> {
        let path = path.map(absolute);
        if path == self.lut {
            return Ok(());
        }
        if let Some(parent) = self.lut_parent.take()
            && Some(&parent) != self.preset_parent.as_ref()
        {
            let _ = self.watcher.unwatch(&parent);
        }
        // Recorded before watching, so a folder that cannot be watched is reported once.
        self.lut = path.clone();
        if let Some(path) = path {
            let parent = path.parent().map(Path::to_owned).unwrap_or_else(|| PathBuf::from("."));
            self.watcher.watch(&parent, RecursiveMode::NonRecursive)?;
            self.lut_parent = Some(parent);
        }
        Ok(())
    }

    /// Changes that have settled (no new event for [`DEBOUNCE`]); `None` while there are none
    /// or they are still arriving. Never blocks.
    pub fn poll(&mut self) -> Option<Changes> {
        while let Ok(event) = self.events.try_recv() {
            let Ok(event) = event else { continue };
            if matches!(event.kind, notify::EventKind::Access(_)) {
                continue;
            }
            for path in &event.paths {
                let path = absolute(path);
                if let Some(dir) = &self.shader_dir
                    && path.starts_with(dir)
                    && path.extension().is_some_and(|e| e == "wgsl")
                {
                    self.pending.shaders = true;
                    self.last_event = Some(Instant::now());
                }
                if self.preset_parent.as_ref().is_some_and(|dir| path.starts_with(dir))
                    && path.extension().is_some_and(|e| e == "wgsl")
                {
                    self.pending.custom = true;
                    self.last_event = Some(Instant::now());
                }
                if self.preset.as_ref() == Some(&path) {
                    self.pending.preset = true;
                    self.last_event = Some(Instant::now());
                }
                if self.lut.as_ref() == Some(&path) {
                    self.pending.lut = true;
                    self.last_event = Some(Instant::now());
                }
            }
        }
        let settled = self.last_event.is_some_and(|t| t.elapsed() >= DEBOUNCE);
        if settled {
            self.last_event = None;
            return Some(std::mem::take(&mut self.pending));
        }
        None
    }
}

/// `path` made absolute against the current directory (without resolving links), so event
/// paths and watched paths compare equal.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloadable_keeps_the_old_value_on_failure() {
        let mut value = Reloadable::new(1);
        assert!(!value.reload(|| Err::<i32, _>("broken.wgsl:3: expected `;`")));
        assert_eq!((*value.get(), value.generation()), (1, 0));
        assert_eq!(value.error(), Some("broken.wgsl:3: expected `;`"));
        assert!(value.reload(|| Ok::<_, String>(2)));
        assert_eq!((*value.get(), value.generation(), value.error()), (2, 1, None));
    }

    #[test]
    fn the_checkout_is_used_when_it_holds_every_embedded_shader() {
        let root = std::env::temp_dir().join(format!("afterlight-choice-{}", std::process::id()));
        let shaders = root.join("shaders");
        std::fs::create_dir_all(shaders.join("post")).expect("create temp dir");
        let embedded = ["include/common.wgsl", "post/taa.wgsl"];

        // A folder the loader already reads wins, whatever the checkout holds.
        let given = Some(root.join("elsewhere"));
        let choice = choose_shader_dir(given.clone(), &shaders, &embedded);
        assert_eq!(choice, ShaderDirChoice::Given(root.join("elsewhere")));
        assert_eq!(choice.dir(), given.as_deref());

        // No checkout where the build was made (the binary was copied elsewhere).
        let choice = choose_shader_dir(None, &root.join("gone"), &embedded);
        assert_eq!(choice.dir(), None);
        let message = choice.message();
        assert!(message.contains("gone") && message.contains("is not here"), "{message}");
        assert!(message.contains(shaders::SHADER_DIR_ENV), "says what to do: {message}");

        // A checkout lacking one of the build's files is another version.
        std::fs::write(shaders.join("post/taa.wgsl"), "// edited\n").expect("write");
        let choice = choose_shader_dir(None, &shaders, &embedded);
        let ShaderDirChoice::Embedded(reason) = &choice else { panic!("{choice:?}") };
        assert!(
            reason.contains("lacks 1 of this build's 2") && reason.contains("common"),
            "{reason}"
        );

        // Every file there (edited, with a new one beside): the checkout is read and watched.
        std::fs::create_dir_all(shaders.join("include")).expect("create");
        std::fs::write(shaders.join("include/common.wgsl"), "").expect("write");
        std::fs::write(shaders.join("post/new.wgsl"), "").expect("write");
        let choice = choose_shader_dir(None, &shaders, &embedded);
        assert_eq!(choice, ShaderDirChoice::Checkout(shaders.clone()));
        assert_eq!(choice.message(), format!("watching shaders in {}", shaders.display()));
        std::fs::remove_dir_all(&root).ok();

        // This build's own checkout holds every shader it embeds.
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let embedded: Vec<&str> = shaders::embedded_files().collect();
        let choice = choose_shader_dir(None, &checkout, &embedded);
        assert_eq!(choice, ShaderDirChoice::Checkout(checkout));
    }
}

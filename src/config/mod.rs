//! Presets: the post chain's settings as TOML files (`presets/*.toml`).
//!
//! A preset is a [`PostSettings`] written as TOML, one table
//! per pass keyed by the pass's name (`[bloom]`, `[exposure]`, `[finish]`, ...). Every key is
//! optional: what a file leaves out keeps its default, so a preset says only what it changes.
//!
//! - Unknown keys and wrong types are errors naming the file, the line and the key
//!   ([`PresetError::Invalid`]).
//! - Values out of their documented range are clamped, each with a warning naming the file,
//!   the line and the key ([`Preset::warnings`]).
//! - A `[lut] file` that does not exist is an error naming the file, the line and `lut.file`.
//! - [`Preset::to_toml`] prints a preset back out fully resolved: every key of every pass with
//!   the value in use.
//! - Paths inside a preset (a `.cube` LUT) are relative to the preset file.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::post::chain::PostSettings;

/// Why a preset could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    /// The file could not be read.
    #[error("cannot read preset {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The TOML is malformed, or a key is unknown or has the wrong type.
    #[error("{path}:{line}:{column}: {key}: {message}")]
    Invalid {
        /// The file (`<string>` for text not read from a file).
        path: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The key as `table.key` (or the table name, or `?` where TOML itself is broken).
        key: String,
        /// What is wrong, from the TOML reader.
        message: String,
    },
    /// The settings could not be written as TOML (a bug: every setting has a TOML form).
    #[error("cannot write the preset as TOML: {0}")]
    Write(String),
}

/// A preset as loaded: the resolved settings, where they came from and what was clamped.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    /// The settings, clamped to their documented ranges, with paths made absolute.
    pub settings: PostSettings,
    /// The file it was read from (None for text).
    pub path: Option<PathBuf>,
    /// One line per value that was out of range and clamped, naming the file, the line (where
    /// the key is written as `key = value` or under a `[table]`) and the key.
    pub warnings: Vec<String>,
}

impl Preset {
    /// Read and validate a preset file. Warnings are logged and kept in
    /// [`Preset::warnings`].
    pub fn load(path: impl AsRef<Path>) -> Result<Preset, PresetError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PresetError::Read { path: path.to_owned(), reason: e.to_string() })?;
        let base = path.parent().map(Path::to_owned).unwrap_or_default();
        let mut preset = Self::parse_with_base(&text, path, &base)?;
        preset.path = Some(path.to_owned());
        Ok(preset)
    }

    /// Parse preset text; relative paths in it are taken relative to the current directory.
    pub fn parse(text: &str) -> Result<Preset, PresetError> {
        Self::parse_with_base(text, Path::new("<string>"), Path::new(""))
    }

    fn parse_with_base(text: &str, path: &Path, base: &Path) -> Result<Preset, PresetError> {
        let mut settings: PostSettings = parse_toml(text, path)?;
        if let Some(file) = &settings.lut.file
            && file.is_relative()
            && !base.as_os_str().is_empty()
        {
            settings.lut.file = Some(base.join(file));
        }
        if let Some(file) = &settings.lut.file
            && !file.is_file()
        {
            let line = line_of_key(text, "lut.file").unwrap_or(1);
            return Err(PresetError::Invalid {
                path: path.to_owned(),
                line,
                column: 1,
                key: "lut.file".into(),
                message: if file.exists() {
                    format!("{} is not a file; a LUT file is needed", file.display())
                } else {
                    format!("no such LUT file: {}", file.display())
                },
            });
        }
        if let Err(error) = crate::post::custom::check(&settings.custom) {
            return Err(custom_error(text, path, error.to_string()));
        }
        for pass in &mut settings.custom {
            if pass.shader.is_relative() && !base.as_os_str().is_empty() {
                pass.shader = base.join(&pass.shader);
            }
            if !base.as_os_str().is_empty() && !pass.shader.is_file() {
                let message =
                    format!("custom.{}.shader: no such file: {}", pass.name, pass.shader.display());
                return Err(custom_error(text, path, message));
            }
        }
        let (settings, warnings) = settings.validated();
        let warnings: Vec<String> = warnings
            .into_iter()
            .map(|w| {
                let key = w.split_whitespace().next().unwrap_or_default();
                match line_of_key(text, key) {
                    Some(line) => format!("{}:{line}: {w}", path.display()),
                    None => format!("{}: {w}", path.display()),
                }
            })
            .collect();
        for warning in &warnings {
            log::warn!("{warning}");
        }
        Ok(Preset { settings, path: None, warnings })
    }

    /// The preset fully resolved as TOML: every pass, every key, the values in use.
    pub fn to_toml(&self) -> Result<String, PresetError> {
        to_toml(&self.settings)
    }
}

/// A `[[custom]]` problem (`custom.<name>.<key>: ...`) as an error at the line of the pass's
/// `name = "<name>"` (or of `[[custom]]`).
fn custom_error(text: &str, path: &Path, message: String) -> PresetError {
    let rest = message.strip_prefix("custom.").unwrap_or(&message);
    let (key, message) = rest.split_once(": ").unwrap_or((rest, ""));
    let name = key.split('.').next().unwrap_or_default();
    let needle = format!("\"{name}\"");
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("name") && l.contains(&needle))
        .or_else(|| text.lines().position(|l| l.trim() == "[[custom]]"))
        .map_or(1, |i| i + 1);
    PresetError::Invalid {
        path: path.to_owned(),
        line,
        column: 1,
        key: format!("custom.{key}"),
        message: message.to_owned(),
    }
}

/// Any serialisable settings as pretty TOML.
pub fn to_toml<T: Serialize>(settings: &T) -> Result<String, PresetError> {
    toml::to_string_pretty(settings).map_err(|e| PresetError::Write(e.to_string()))
}

/// Deserialize TOML text into `T`, turning the reader's error into one that names the file,
/// the line and the key.
pub fn parse_toml<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, PresetError> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |span| span.start).min(text.len());
        let (line, column) = line_and_column(text, offset);
        PresetError::Invalid {
            path: path.to_owned(),
            line,
            column,
            key: key_at(text, offset).unwrap_or_else(|| "?".into()),
            message: e.message().trim().to_owned(),
        }
    })
}

/// 1-based line and column of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The dotted key whose line holds `offset`: the `key = value` on that line prefixed by the
/// nearest `[table]` header above it, or the header itself when the offset is on one.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    if let Some(header) = table_header(line) {
        return Some(header);
    }
    let table = text[..line_start].lines().rev().find_map(|l| table_header(l.trim()));
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty());
    match (table, key) {
        (Some(table), Some(key)) => Some(format!("{table}.{key}")),
        (table, key) => key.or(table),
    }
}

/// 1-based line of the dotted `key` (`bloom.intensity`, `finish.grain.size`) in preset text:
/// a `key = value` line under its `[table]` header, or a dotted `table.key = value` line. `None`
/// when the text does not spell the key that way (an inline table, say).
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let mut table = String::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = table_header(line) {
            table = header;
            continue;
        }
        let Some((name, _)) = line.split_once('=') else { continue };
        let name: Vec<&str> = name.split('.').map(|p| p.trim().trim_matches('"')).collect();
        let name = name.join(".");
        let full = if table.is_empty() { name } else { format!("{table}.{name}") };
        if full == key {
            return Some(index + 1);
        }
    }
    None
}

fn table_header(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?.split(']').next()?;
    Some(inner.trim_matches('[').trim().to_owned()).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Inner {
        intensity: f32,
        levels: u32,
    }

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Outer {
        bloom: Inner,
    }

    fn error(text: &str) -> (usize, String, String) {
        match parse_toml::<Outer>(text, Path::new("x.toml")) {
            Err(PresetError::Invalid { line, key, message, .. }) => (line, key, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let (line, key, message) = error("# a preset\n[bloom]\nintensity = 0.1\nlevls = 3\n");
        assert_eq!((line, key.as_str()), (4, "bloom.levls"));
        assert!(message.contains("unknown field"), "{message}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let (line, key, message) = error("[bloom]\nintensity = \"strong\"\n");
        assert_eq!((line, key.as_str()), (2, "bloom.intensity"));
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn unknown_table_is_named() {
        let (line, key, _) = error("[blom]\nintensity = 1.0\n");
        assert_eq!((line, key.as_str()), (1, "blom"));
    }

    #[test]
    fn broken_toml_is_an_error_not_a_panic() {
        let (line, _, _) = error("[bloom\nintensity = \n");
        assert!(line >= 1);
    }

    #[test]
    fn keys_are_found_under_tables_and_dotted() {
        let text =
            "a = 1\n[bloom]\nintensity = 2\n[finish.grain]\n\"size\" = 3\n[x]\nbloom.levels = 4\n";
        assert_eq!(line_of_key(text, "a"), Some(1));
        assert_eq!(line_of_key(text, "bloom.intensity"), Some(3));
        assert_eq!(line_of_key(text, "finish.grain.size"), Some(5));
        assert_eq!(line_of_key(text, "x.bloom.levels"), Some(7));
        assert_eq!(line_of_key(text, "bloom.levels"), None);
    }

    #[test]
    fn clamp_warnings_name_file_line_and_key() {
        let text = "[bloom]\n\nintensity = 3.0\n";
        let preset = Preset::parse_with_base(text, Path::new("p.toml"), Path::new("")).unwrap();
        assert_eq!(preset.warnings.len(), 1, "{:?}", preset.warnings);
        assert!(
            preset.warnings[0].starts_with("p.toml:3: bloom.intensity = 3"),
            "{:?}",
            preset.warnings
        );
    }

    #[test]
    fn a_missing_lut_file_names_file_line_and_key() {
        let text = "[lut]\nspace = \"display\"\nfile = \"no-such.cube\"\n";
        let error = Preset::parse_with_base(text, Path::new("dir/p.toml"), Path::new("dir"))
            .unwrap_err()
            .to_string();
        assert_eq!(error, "dir/p.toml:3:1: lut.file: no such LUT file: dir/no-such.cube");
    }

    #[test]
    fn lut_spaces_by_name_and_an_unknown_one_names_the_choices() {
        use crate::post::grade_bake::LutSpace;
        for (space, name) in LutSpace::NAMES {
            let preset = Preset::parse(&format!("[lut]\nspace = \"{name}\"\n")).unwrap();
            assert_eq!(preset.settings.lut.space, space);
        }
        let error = Preset::parse("[lut]\nspace = \"log_c3\"\n").unwrap_err().to_string();
        assert!(error.contains("logc3") && error.contains("acescct"), "{error}");
    }

    #[test]
    fn missing_keys_keep_defaults() {
        let outer: Outer = parse_toml("[bloom]\nlevels = 3\n", Path::new("x")).unwrap();
        assert_eq!(outer.bloom, Inner { intensity: 0.0, levels: 3 });
    }
}

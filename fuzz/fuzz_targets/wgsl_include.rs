//! Fuzzes WGSL `#include` expansion (`afterlight::shaders::expand_in_memory`).
//!
//! The input is split at NUL bytes into files: the first is `main.wgsl`, the others
//! `include/0.wgsl`, `include/1.wgsl`, ... so includes can reach each other, form cycles and
//! chains. Expansion must end in a shader or an error naming a file, and every line of an
//! expanded shader must map back to a line of one of its files.
#![no_main]

use afterlight::shaders::{self, ShaderError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.split('\0');
    let main = parts.next().unwrap_or_default();
    let names: Vec<String> = (0..).map(|i| format!("include/{i}.wgsl")).take(16).collect();
    let mut files: Vec<(&str, &str)> = vec![("main.wgsl", main)];
    files.extend(names.iter().map(String::as_str).zip(parts));
    match shaders::expand_in_memory(&files, "main") {
        Ok(source) => {
            let lines = source.code.lines().count();
            for line in 1..=lines {
                let (file, at) = source.locate(line);
                let (_, text) = files
                    .iter()
                    .find(|(name, _)| *name == file)
                    .unwrap_or_else(|| panic!("line {line} maps to unknown file {file}"));
                let original = text.strip_prefix('\u{feff}').unwrap_or(text).lines().count();
                assert!(at >= 1 && at <= original.max(1), "{file}:{at} of {original}");
            }
        }
        Err(ShaderError::Include { file, line, reason }) => {
            assert!(line >= 1 && !reason.is_empty(), "{file}:{line}");
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
});

//! Fuzzes TOML preset parsing and validation (`afterlight::config::Preset::parse`, which runs
//! `PostSettings::validated`).
//!
//! A preset that parses must already be within range (validating it again warns about
//! nothing), and must print (`Preset::to_toml`) to TOML that parses back to the same settings.
//! Errors must name a line and a key.
#![no_main]

use afterlight::config::{Preset, PresetError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let preset = match Preset::parse(text) {
        Ok(preset) => preset,
        Err(PresetError::Invalid { line, key, message, .. }) => {
            assert!(line >= 1 && !key.is_empty() && !message.is_empty());
            return;
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    };
    let (again, warnings) = preset.settings.validated();
    assert!(warnings.is_empty(), "validated settings warn again: {warnings:?}");
    assert_eq!(again, preset.settings);
    let written = preset.to_toml().expect("settings print as TOML");
    let reread = Preset::parse(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(reread.settings, preset.settings, "\n{written}");
});

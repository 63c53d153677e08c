//! `afterlight preset` prints a preset fully resolved.

use std::path::Path;

use afterlight::Error;
use afterlight::config::Preset;

pub(super) fn print_preset(file: &Path) -> Result<(), Error> {
    let preset = Preset::load(file)?;
    print!("{}", preset.to_toml()?);
    Ok(())
}

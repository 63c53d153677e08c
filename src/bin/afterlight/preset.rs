//! `afterlight preset` prints a preset fully resolved; `afterlight lut export` writes its grade
//! as a `.cube`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use afterlight::Error;
use afterlight::config::Preset;
use afterlight::post::chain::PostSettings;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum LutCommand {
    /// Write a preset's whole grade (grade, tone mapper, user LUT) as a `.cube` 3D LUT over
    /// afterlight's log2 shaper, for Resolve or OCIO (the file's comments say how its input is
    /// encoded). Needs no GPU.
    Export {
        /// The preset whose grade to export (default: the built-in defaults).
        #[arg(long)]
        preset: Option<PathBuf>,
        /// The `.cube` file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Lattice points per side (2..=65).
        #[arg(long, default_value_t = 33)]
        size: u32,
    },
}

pub(super) fn print_preset(file: &Path) -> Result<(), Error> {
    let preset = Preset::load(file)?;
    print!("{}", preset.to_toml()?);
    Ok(())
}

pub(super) fn export_lut(preset: Option<&Path>, output: &Path, size: u32) -> Result<(), Error> {
    if !(2..=65).contains(&size) {
        return Err(Error::InvalidArgument(format!("--size {size}: must be 2..=65")));
    }
    let settings = match preset {
        Some(path) => Preset::load(path)?.settings,
        None => PostSettings::default(),
    };
    let user_lut = match &settings.lut.file {
        Some(path) => Some(afterlight::post::grade_bake::UserLut {
            lut: Arc::new(afterlight::post::colour_lut::ColourLut::load(path)?),
            space: settings.lut.space,
        }),
        None => None,
    };
    let lut = afterlight::post::grade_bake::export_cube(
        &settings.grade,
        settings.tonemap.mapper,
        user_lut.as_ref(),
        size,
    );
    lut.save(output)?;
    eprintln!(
        "wrote {} ({size}³, grade + {} tone mapper)",
        output.display(),
        settings.tonemap.mapper
    );
    Ok(())
}

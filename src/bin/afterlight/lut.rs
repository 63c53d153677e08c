//! `afterlight lut`: `export` writes a preset's whole grade as a `.cube`, `info` describes a LUT
//! file, `convert` rewrites any supported LUT file as a 3D `.cube`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use afterlight::Error;
use afterlight::config::Preset;
use afterlight::post::chain::PostSettings;
use afterlight::post::colour_lut::ColourLut;
use afterlight::post::lut_export::{EXPORT_SIZE, ExportEncoding, export_cube_encoded};
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum LutCommand {
    /// Write a preset's whole grade (grade, tone mapper, user LUT) as a `.cube` 3D LUT for
    /// Resolve, Nuke or OCIO, over the input encoding chosen (the file's comments say how its
    /// input is encoded and which `[lut] space` reads it back). Needs no GPU.
    Export {
        /// The preset whose grade to export (default: the built-in defaults).
        #[arg(long)]
        preset: Option<PathBuf>,
        /// The `.cube` file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// 3D lattice points per side (2..=65). The default, 64, is the finish's own LUT size
        /// (High and Ultra): over afterlight-log2 the file is that LUT exactly, and over the
        /// other encodings its grey axis lies on that LUT's lattice.
        #[arg(long, default_value_t = EXPORT_SIZE)]
        size: u32,
        /// The LUT's input: afterlight-log2 (afterlight's shaper; import as scene_log; a 3D
        /// .cube), acescct (ACEScct, AP1), logc3 (ARRI LogC3 EI800, AWG3) or srgb-display
        /// (the image shown with the neutral grade and the same tone mapper; import as
        /// display). The last three are written in Resolve's 1D shaper + 3D .cube form, which
        /// Resolve and OCIO read; see docs/lut-export.md for how closely each reproduces the
        /// grade.
        #[arg(long, default_value = "afterlight-log2")]
        input_encoding: ExportEncoding,
    },
    /// Describe a LUT file (.cube 1D/3D/Resolve 1D+3D, .3dl, .spi1d, .spi3d): format, stages,
    /// sizes, input ranges, whether it is monotone per channel, its output range.
    Info {
        /// The LUT file.
        file: PathBuf,
    },
    /// Write any supported LUT file as a 3D `.cube` of the chosen size over the input range of
    /// its first stage (exact at the lattice points).
    Convert {
        /// The LUT file to read.
        input: PathBuf,
        /// The `.cube` file to write.
        output: PathBuf,
        /// Lattice points per side (2..=65).
        #[arg(long, default_value_t = 33)]
        size: u32,
    },
}

/// Runs one `afterlight lut` command.
pub(super) fn run(command: &LutCommand) -> Result<(), Error> {
    match command {
        LutCommand::Export { preset, output, size, input_encoding } => {
            export_lut(preset.as_deref(), output, *size, *input_encoding)
        }
        LutCommand::Info { file } => {
            let lut = ColourLut::load(file)?;
            print!("file: {}\n{}", file.display(), lut.summary());
            Ok(())
        }
        LutCommand::Convert { input, output, size } => {
            check_size(*size)?;
            let lut = ColourLut::load(input)?;
            let cube = lut.to_cube(*size)?;
            cube.save(output)?;
            eprintln!("wrote {} ({size}³ from {})", output.display(), input.display());
            Ok(())
        }
    }
}

fn check_size(size: u32) -> Result<(), Error> {
    if (2..=65).contains(&size) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!("--size {size}: must be 2..=65")))
    }
}

fn export_lut(
    preset: Option<&Path>,
    output: &Path,
    size: u32,
    encoding: ExportEncoding,
) -> Result<(), Error> {
    check_size(size)?;
    let settings = match preset {
        Some(path) => Preset::load(path)?.settings,
        None => PostSettings::default(),
    };
    let user_lut = match &settings.lut.file {
        Some(path) => Some(afterlight::post::grade_bake::UserLut {
            lut: Arc::new(ColourLut::load(path)?),
            space: settings.lut.space,
        }),
        None => None,
    };
    let lut = export_cube_encoded(
        &settings.grade,
        settings.tonemap.mapper,
        user_lut.as_ref(),
        size,
        encoding,
    )?;
    lut.save(output)?;
    let shaper = lut
        .shaper
        .as_ref()
        .map_or(String::new(), |s| format!("{}-entry 1D shaper + ", s.data.len()));
    eprintln!(
        "wrote {} ({shaper}{size}³, grade + {} tone mapper, input {}; import as [lut] space = \"{}\")",
        output.display(),
        settings.tonemap.mapper,
        ExportEncoding::NAMES.iter().find(|(e, _)| *e == encoding).map_or("", |(_, n)| n),
        encoding.import_space().name()
    );
    Ok(())
}

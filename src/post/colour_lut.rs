//! One in-memory LUT for every file format colourists bring: an optional per-channel 1D stage,
//! then an optional 3D stage.
//!
//! | format (extension)   | stages                                   | parser                       |
//! |----------------------|------------------------------------------|------------------------------|
//! | `.cube` 3D           | 3D                                       | [`super::lut_cube_file`]     |
//! | `.cube` 1D           | 1D                                       | [`super::lut_cube_file`]     |
//! | `.cube` Resolve 1D+3D| 1D shaper, then 3D                       | [`super::lut_cube_file`]     |
//! | `.3dl`               | 3D (integer entries, blue fastest)       | [`super::lut_3dl`]           |
//! | `.spi1d`             | 1D                                       | [`super::lut_spi`]           |
//! | `.spi3d`             | 3D                                       | [`super::lut_spi`]           |
//!
//! [`ColourLut::apply`] is the LUT: the 1D stage ([`Lut1d::sample`], linear per channel through
//! its domain), then the 3D stage ([`CubeLut::sample_trilinear`] through its domain). The grade
//! bake applies exactly this function (`baked_value` in [`super::grade_bake`]).

use std::path::Path;

use glam::Vec3;

use super::lut::{CubeLut, LutError};
use super::lut_1d::Lut1d;
use super::lut_3dl::parse_3dl;
use super::lut_cube_file::parse_cube_file;
use super::lut_spi::{parse_spi1d, parse_spi3d};

/// The file format a [`ColourLut`] was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LutFormat {
    /// Adobe/Iridas or Resolve `.cube`.
    Cube,
    /// Autodesk/Discreet `.3dl`.
    Discreet3dl,
    /// Sony Imageworks `.spi1d`.
    Spi1d,
    /// Sony Imageworks `.spi3d`.
    Spi3d,
}

impl LutFormat {
    /// The format for a file name's extension (case-insensitive), if supported.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "cube" => Some(Self::Cube),
            "3dl" => Some(Self::Discreet3dl),
            "spi1d" => Some(Self::Spi1d),
            "spi3d" => Some(Self::Spi3d),
            _ => None,
        }
    }

    /// A one-line description, for `afterlight lut info`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Cube => ".cube (Adobe/Iridas, Resolve)",
            Self::Discreet3dl => ".3dl (Autodesk/Discreet)",
            Self::Spi1d => ".spi1d (Sony Imageworks)",
            Self::Spi3d => ".spi3d (Sony Imageworks)",
        }
    }
}

/// A LUT of any supported format: a 1D stage, then a 3D stage, at least one present.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourLut {
    /// Where it came from.
    pub format: LutFormat,
    /// The file's title, if the format has one.
    pub title: Option<String>,
    /// The per-channel 1D stage, applied first.
    pub shaper: Option<Lut1d>,
    /// The 3D stage, applied to the 1D stage's output.
    pub cube: Option<CubeLut>,
}

impl From<CubeLut> for ColourLut {
    /// A 3D-only LUT (its title kept).
    fn from(cube: CubeLut) -> Self {
        Self { format: LutFormat::Cube, title: cube.title.clone(), shaper: None, cube: Some(cube) }
    }
}

/// What `afterlight lut info` reports beyond the stages themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct LutStats {
    /// Per channel, whether the output never decreases as that channel's input rises (the
    /// others held at any lattice value): along the 1D stage's entries, and along every
    /// lattice line of the 3D stage; for both, of the composition at the 1D stage's inputs.
    pub monotone: [bool; 3],
    /// The smallest output per channel, over every entry of the last stage.
    pub output_min: Vec3,
    /// The largest output per channel.
    pub output_max: Vec3,
}

impl ColourLut {
    /// Reads a LUT file, the format chosen by its extension. Errors name the file, and for a
    /// broken file the line and what was expected there.
    pub fn load(path: impl AsRef<Path>) -> Result<ColourLut, LutError> {
        let path = path.as_ref();
        let format = LutFormat::from_path(path)
            .ok_or_else(|| LutError::UnknownFormat { path: path.to_path_buf() })?;
        let text = std::fs::read_to_string(path)
            .map_err(|source| LutError::Io { path: path.to_path_buf(), source })?;
        Self::parse(format, &text, Some(path))
    }

    /// Parses `text` as `format`; `file` only names it in errors.
    pub fn parse(
        format: LutFormat,
        text: &str,
        file: Option<&Path>,
    ) -> Result<ColourLut, LutError> {
        let lut = match format {
            LutFormat::Cube => {
                let parsed = parse_cube_file(text, file)?;
                let cube = parsed.cube.map(|c| CubeLut { comments: parsed.comments, ..c });
                ColourLut { format, title: parsed.title, shaper: parsed.shaper, cube }
            }
            LutFormat::Discreet3dl => {
                ColourLut { format, title: None, shaper: None, cube: Some(parse_3dl(text, file)?) }
            }
            LutFormat::Spi1d => ColourLut {
                format,
                title: None,
                shaper: Some(parse_spi1d(text, file)?),
                cube: None,
            },
            LutFormat::Spi3d => ColourLut {
                format,
                title: None,
                shaper: None,
                cube: Some(parse_spi3d(text, file)?),
            },
        };
        Ok(lut)
    }

    /// Parses the text of a `.cube` file of any kind (1D, 3D, Resolve 1D+3D).
    pub fn parse_cube(text: &str) -> Result<ColourLut, LutError> {
        Self::parse(LutFormat::Cube, text, None)
    }

    /// The LUT at `rgb`: the 1D stage, then the 3D stage (each that is present).
    pub fn apply(&self, rgb: Vec3) -> Vec3 {
        let shaped = match &self.shaper {
            Some(stage) => stage.sample(rgb),
            None => rgb,
        };
        match &self.cube {
            Some(cube) => cube.sample_trilinear(shaped),
            None => shaped,
        }
    }

    /// Checks what the parsers guarantee, for a LUT built by hand: at least one stage, each
    /// valid ([`Lut1d::validate`], [`CubeLut::validate`]).
    pub fn validate(&self) -> Result<(), LutError> {
        if self.shaper.is_none() && self.cube.is_none() {
            return Err(LutError::Invalid("a LUT needs a 1D or a 3D stage".into()));
        }
        if let Some(stage) = &self.shaper {
            stage.validate()?;
        }
        if let Some(cube) = &self.cube {
            cube.validate()?;
        }
        Ok(())
    }

    /// Monotonicity per channel and the output range (see [`LutStats`]).
    pub fn stats(&self) -> LutStats {
        let mut monotone = [true; 3];
        let mut output_min = Vec3::splat(f32::INFINITY);
        let mut output_max = Vec3::splat(f32::NEG_INFINITY);
        if let Some(stage) = &self.shaper {
            for pair in stage.data.windows(2) {
                for (c, flag) in monotone.iter_mut().enumerate() {
                    *flag &= pair[1][c] >= pair[0][c];
                }
            }
        }
        match &self.cube {
            Some(cube) => {
                let n = cube.size as usize;
                let at = |r: usize, g: usize, b: usize| cube.data.get(r + n * (g + n * b));
                for b in 0..n {
                    for g in 0..n {
                        for r in 0..n {
                            let Some(&v) = at(r, g, b) else { continue };
                            output_min = output_min.min(v);
                            output_max = output_max.max(v);
                            let steps = [
                                (r + 1 < n).then(|| at(r + 1, g, b)).flatten(),
                                (g + 1 < n).then(|| at(r, g + 1, b)).flatten(),
                                (b + 1 < n).then(|| at(r, g, b + 1)).flatten(),
                            ];
                            for (c, next) in steps.into_iter().enumerate() {
                                if let Some(next) = next {
                                    monotone[c] &= next[c] >= v[c];
                                }
                            }
                        }
                    }
                }
            }
            None => {
                for v in self.shaper.iter().flat_map(|s| &s.data) {
                    output_min = output_min.min(*v);
                    output_max = output_max.max(*v);
                }
            }
        }
        LutStats { monotone, output_min, output_max }
    }

    /// What `afterlight lut info` prints: format, title, each stage with its size and input
    /// range, monotonicity per channel and the output range, one item per line.
    pub fn summary(&self) -> String {
        let range = |min: Vec3, max: Vec3| {
            if min.x == min.y && min.y == min.z && max.x == max.y && max.y == max.z {
                format!("{} .. {}", min.x, max.x)
            } else {
                format!(
                    "r {} .. {}, g {} .. {}, b {} .. {}",
                    min.x, max.x, min.y, max.y, min.z, max.z
                )
            }
        };
        let mut lines = vec![format!("format: {}", self.format.describe())];
        if let Some(title) = &self.title {
            lines.push(format!("title: \"{title}\""));
        }
        let mut stage = 0;
        if let Some(s) = &self.shaper {
            stage += 1;
            let role = if self.cube.is_some() { " (shaper)" } else { "" };
            lines.push(format!(
                "stage {stage}: 1D{role}, {} entries per channel, input range {}",
                s.data.len(),
                range(s.domain_min, s.domain_max)
            ));
        }
        if let Some(c) = &self.cube {
            stage += 1;
            lines.push(format!(
                "stage {stage}: 3D, {0}x{0}x{0}, input range {1}",
                c.size,
                range(c.domain_min, c.domain_max)
            ));
        }
        let stats = self.stats();
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        lines.push(format!(
            "monotone per channel: red {}, green {}, blue {}",
            yes_no(stats.monotone[0]),
            yes_no(stats.monotone[1]),
            yes_no(stats.monotone[2])
        ));
        lines.push(format!("output range: {}", range(stats.output_min, stats.output_max)));
        lines.join("\n") + "\n"
    }

    /// The input domain of the first stage.
    pub fn input_domain(&self) -> (Vec3, Vec3) {
        match (&self.shaper, &self.cube) {
            (Some(s), _) => (s.domain_min, s.domain_max),
            (None, Some(c)) => (c.domain_min, c.domain_max),
            (None, None) => (Vec3::ZERO, Vec3::ONE),
        }
    }

    /// The whole LUT resampled as a `size`³ 3D LUT over the first stage's input domain (size
    /// clamped into `2..=65` with a warning), for tools that read 3D `.cube` only. Exact at
    /// the lattice points; between them trilinear interpolation of the resampled lattice
    /// approximates the stages (exact for a 3D-only LUT of the same size and domain).
    pub fn to_cube(&self, size: u32) -> Result<CubeLut, LutError> {
        self.validate()?;
        let (min, max) = self.input_domain();
        let mut cube = CubeLut::from_fn(size, min, max, |rgb| self.apply(rgb))?;
        cube.title = self.title.clone();
        Ok(cube)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_runs_the_1d_stage_then_the_3d_stage() {
        let lut = ColourLut::parse_cube(
            "LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n0 0 0\n0.5 0.5 0.5\n\
             0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n",
        )
        .unwrap();
        // The shaper halves, then the identity cube: 0.25 in, 0.125 out.
        assert_eq!(lut.apply(Vec3::splat(0.25)), Vec3::splat(0.125));
        let stats = lut.stats();
        assert_eq!(stats.monotone, [true; 3]);
        assert_eq!((stats.output_min, stats.output_max), (Vec3::ZERO, Vec3::ONE));
        let cube = lut.to_cube(3).unwrap();
        assert_eq!(cube.data[26], Vec3::splat(0.5));
    }

    #[test]
    fn stats_find_a_falling_channel() {
        let mut cube = CubeLut::identity(3);
        // Red at lattice (0, 0, 0) above red at (1, 0, 0) = 0.5.
        cube.data[0].x = 0.95;
        let stats = ColourLut::from(cube).stats();
        assert_eq!(stats.monotone, [false, true, true]);
        assert_eq!(stats.output_max, Vec3::ONE);
    }

    #[test]
    fn formats_by_extension_and_unknown_is_an_error() {
        assert_eq!(LutFormat::from_path(Path::new("a.CUBE")), Some(LutFormat::Cube));
        assert_eq!(LutFormat::from_path(Path::new("a.3dl")), Some(LutFormat::Discreet3dl));
        assert_eq!(LutFormat::from_path(Path::new("a.spi1d")), Some(LutFormat::Spi1d));
        assert_eq!(LutFormat::from_path(Path::new("a.spi3d")), Some(LutFormat::Spi3d));
        let err = ColourLut::load("look.csp").unwrap_err().to_string();
        assert!(err.contains("look.csp: unknown LUT format"), "{err}");
        let none = ColourLut { format: LutFormat::Cube, title: None, shaper: None, cube: None };
        assert!(none.validate().is_err());
        assert_eq!(none.apply(Vec3::ONE), Vec3::ONE);
    }
}

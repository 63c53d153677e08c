//! A 3D colour LUT on the CPU ([`CubeLut`]): sample, bake and write as `.cube`; and the
//! errors of every LUT parser ([`LutError`]).
//!
//! A `.cube` 3D LUT is `size³` output colours with **red changing fastest**, then green, then
//! blue — entry `(r, g, b)` is `r + g·size + b·size²` — over an input domain per channel
//! (`DOMAIN_MIN`/`DOMAIN_MAX`, default 0..1). [`CubeLut::parse`] and [`CubeLut::load`] (in
//! [`super::lut_cube_file`], which describes the text format) read 3D-only `.cube` files;
//! [`ColourLut`](super::colour_lut::ColourLut) reads every supported format, 1D stages
//! included, and holds a `CubeLut` as its 3D stage. [`CubeLut::to_cube_string`] writes the
//! title, the header comments ([`CubeLut::comments`]), the size, the domain and the data.
//!
//! Nothing a file contains makes a parser panic: every problem is a [`LutError`] naming the
//! file (when loaded from a path), the 1-based line and what was expected.
//!
//! # Interpolation
//! An input colour is mapped per channel from `[domain_min, domain_max]` to lattice coordinates
//! `[0, size − 1]` and clamped there (NaN inputs count as 0), then interpolated from the eight
//! surrounding lattice entries:
//!
//! - [`CubeLut::sample_trilinear`]: the tensor-product (trilinear) blend of all eight corners.
//! - [`CubeLut::sample_tetrahedral`]: the cell is split into six tetrahedra along its main
//!   diagonal (000 → 111); the fractional coordinates' order picks one, and the result is the
//!   barycentric blend of its four corners (Kasson, Nin, Plouffe, Hafner, "Performing color
//!   space conversions with three-dimensional linear interpolation", J. Electronic Imaging
//!   4(3), 1995; the common 6-tetrahedra formulation used by OCIO and Resolve). It touches four
//!   entries instead of eight, keeps the neutral axis exact, and reproduces affine functions.
//!
//! Both return lattice entries exactly (bit for bit) at lattice points, and both reduce to 1D
//! linear interpolation for LUTs that act on each channel separately.

use std::fmt;
use std::path::{Path, PathBuf};

use glam::Vec3;

use super::schema::{Control, Setting, setting};

/// The `[lut]` keys as the panel and presets see them ([`LutSettings`](super::settings::LutSettings)).
pub const LUT_SETTINGS: &[Setting] = &[
    setting(
        "lut.file",
        Control::File,
        "A LUT file baked into the finish (.cube 1D/3D/Resolve 1D+3D, .3dl, .spi1d, .spi3d; \
         relative to the preset file); none by default.",
    ),
    setting(
        "lut.space",
        Control::Choice(&["display", "scene_log", "logc3", "logc4", "slog3", "acescct"]),
        "The LUT's input: display (sRGB after the tone mapper, default), scene_log (afterlight's \
         log2 shaper) or a camera log encoding (ARRI LogC3 EI800 / LogC4, Sony S-Log3 \
         S-Gamut3.Cine, ACEScct AP1); all but display replace the tone mapper.",
    ),
];

/// The smallest `LUT_3D_SIZE` accepted.
pub const MIN_SIZE: u32 = 2;
/// The largest `LUT_3D_SIZE` accepted (the Adobe specification's limit; 65³ ≈ 275k entries).
pub const MAX_SIZE: u32 = 65;

/// A 3D colour lookup table as stored in a `.cube` file.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeLut {
    /// The `TITLE`, if the file has one (without the quotes).
    pub title: Option<String>,
    /// The whole-line `#` comments of the header (before the first data line), in order,
    /// without the `#` and the one space that usually follows it. Written back after the
    /// title; a line break inside one is written as a space.
    pub comments: Vec<String>,
    /// Lattice points per axis (`LUT_3D_SIZE`), `2..=65` for a valid LUT.
    pub size: u32,
    /// The input value mapped to the first lattice point, per channel (`DOMAIN_MIN`, default 0).
    pub domain_min: Vec3,
    /// The input value mapped to the last lattice point, per channel (`DOMAIN_MAX`, default 1);
    /// greater than `domain_min` in every channel for a valid LUT.
    pub domain_max: Vec3,
    /// The `size³` output colours in file order: red index fastest, then green, then blue
    /// (entry `(r, g, b)` is at `r + g·size + b·size²`).
    pub data: Vec<Vec3>,
}

/// Why a LUT file could not be read, parsed or baked (every format of
/// [`ColourLut`](super::colour_lut::ColourLut)).
#[derive(Debug, thiserror::Error)]
pub enum LutError {
    /// Reading or writing the file failed (including text that is not UTF-8).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The text is not a valid LUT file of its format.
    #[error("{}: {kind}", Location { file: file.as_deref(), line: *line })]
    Parse {
        /// The file, when the text came from [`CubeLut::load`].
        file: Option<PathBuf>,
        /// The 1-based line the problem is on.
        line: usize,
        /// What is wrong.
        kind: ParseErrorKind,
    },
    /// [`CubeLut::from_fn`] was given a domain with `min >= max` or a non-finite bound.
    #[error("invalid LUT domain {min} .. {max}: each channel needs finite min < max")]
    InvalidDomain {
        /// The requested `domain_min`.
        min: Vec3,
        /// The requested `domain_max`.
        max: Vec3,
    },
    /// A LUT built by hand (not parsed) has no usable lattice; see [`CubeLut::validate`].
    #[error("invalid LUT: {0}")]
    Invalid(String),
    /// A file name whose extension names no supported format.
    #[error(
        "{}: unknown LUT format; supported: .cube (1D, 3D, Resolve 1D+3D), .3dl, .spi1d, .spi3d",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The function given to [`CubeLut::from_fn`] returned NaN or infinity.
    #[error("the baked function returned {value} for input {input}; LUT entries must be finite")]
    NonFiniteOutput {
        /// The lattice input colour.
        input: Vec3,
        /// What the function returned there.
        value: Vec3,
    },
}

/// What is wrong on a line of a LUT file (the line itself is in [`LutError::Parse`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A header keyword this parser does not know.
    #[error("unknown keyword `{0}`")]
    UnknownKeyword(String),
    /// A header keyword after the data has started.
    #[error("keyword `{0}` after the data; keywords must all come before the first data line")]
    KeywordAfterData(String),
    /// The same header keyword twice.
    #[error("duplicate `{keyword}` (first given on line {first_line})")]
    DuplicateKeyword {
        /// The keyword.
        keyword: &'static str,
        /// Where it was first given.
        first_line: usize,
    },
    /// Neither `LUT_3D_SIZE` nor `LUT_1D_SIZE` before the data (or in the whole file).
    #[error("missing LUT_3D_SIZE (or LUT_1D_SIZE) before the data")]
    MissingSize,
    /// A size is not a whole number.
    #[error("{what} `{value}` is not a whole number")]
    SizeNotInteger {
        /// The keyword or field.
        what: &'static str,
        /// The text given.
        value: String,
    },
    /// A size outside what is accepted.
    #[error("{what} {value} is out of range {min}..={max}")]
    SizeOutOfRange {
        /// The keyword or field.
        what: &'static str,
        /// The text given.
        value: String,
        /// The smallest accepted.
        min: u32,
        /// The largest accepted.
        max: u32,
    },
    /// Something other than what the format has at this point.
    #[error("expected {expected}, found `{found}`")]
    Expected {
        /// What the format has here.
        expected: String,
        /// What the line holds (shortened).
        found: String,
    },
    /// Header keywords that contradict each other.
    #[error("{0}")]
    Conflict(String),
    /// A file with a 1D stage where only a 3D LUT is accepted ([`CubeLut::parse`]).
    #[error(
        "this file has a 1D stage (LUT_1D_SIZE); CubeLut::parse reads 3D-only files, \
         ColourLut::parse_cube reads both"
    )]
    Not3dOnly,
    /// A keyword or data line with the wrong number of values.
    #[error("{what} needs {expected} value(s), found {found}")]
    WrongValueCount {
        /// The keyword, or "a data line".
        what: &'static str,
        /// How many it takes.
        expected: usize,
        /// How many the line has.
        found: usize,
    },
    /// A value that is not a number.
    #[error("`{0}` is not a number")]
    NotANumber(String),
    /// A value that is NaN or infinite.
    #[error("`{0}` is not finite")]
    NotFinite(String),
    /// `TITLE "...` without the closing quote.
    #[error("TITLE has an opening quote but no closing quote")]
    UnterminatedTitle,
    /// A domain's minimum is not below its maximum in a channel.
    #[error("{keyword} minimum {min} is not below its maximum {max} in the {channel} channel")]
    DomainOrder {
        /// `DOMAIN_MIN`, `LUT_1D_INPUT_RANGE`, ...
        keyword: &'static str,
        /// "red", "green" or "blue".
        channel: &'static str,
        /// The channel's minimum.
        min: f32,
        /// The channel's maximum.
        max: f32,
    },
    /// The file ends before all the data lines its header announces.
    #[error("the file ends after {found} of {expected} data lines")]
    TooFewDataLines {
        /// What the header announces (`LUT_1D_SIZE + LUT_3D_SIZE³` for a `.cube`).
        expected: usize,
        /// Data lines present.
        found: usize,
    },
    /// More data lines than the header announces.
    #[error("more data lines than the {expected} the header announces")]
    TooManyDataLines {
        /// What the header announces.
        expected: usize,
    },
}

/// "path:line" or "line N", for error messages.
struct Location<'a> {
    file: Option<&'a Path>,
    line: usize,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.file {
            Some(file) => write!(f, "{} line {}", file.display(), self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

impl CubeLut {
    /// The identity LUT of `size` points per axis over the default domain 0..1. A size outside
    /// `2..=65` is clamped into it with a warning.
    pub fn identity(size: u32) -> CubeLut {
        let size = clamp_size(size);
        let scale = 1.0 / (size - 1) as f32;
        let data = lattice(size)
            .map(|[r, g, b]| Vec3::new(r as f32, g as f32, b as f32) * scale)
            .collect();
        CubeLut {
            title: None,
            comments: Vec::new(),
            size,
            domain_min: Vec3::ZERO,
            domain_max: Vec3::ONE,
            data,
        }
    }

    /// Bakes `f` into a LUT of `size` points per axis spanning `domain_min..domain_max`: entry
    /// `(r, g, b)` is `f` of the input colour at that lattice point. A size outside `2..=65` is
    /// clamped into it with a warning; a domain that is not finite with min < max per channel,
    /// or a non-finite output of `f`, is an error (it could not be written as a valid file).
    pub fn from_fn(
        size: u32,
        domain_min: Vec3,
        domain_max: Vec3,
        f: impl Fn(Vec3) -> Vec3,
    ) -> Result<CubeLut, LutError> {
        if !(domain_min.is_finite() && domain_max.is_finite() && domain_min.cmplt(domain_max).all())
        {
            return Err(LutError::InvalidDomain { min: domain_min, max: domain_max });
        }
        let size = clamp_size(size);
        let step = (domain_max - domain_min) / (size - 1) as f32;
        let last = size - 1;
        let mut data = Vec::with_capacity((size as usize).pow(3));
        for index in lattice(size) {
            // Hit the domain ends exactly rather than through `min + step·(size − 1)`.
            let input = Vec3::from_array(std::array::from_fn(|c| {
                if index[c] == last {
                    domain_max[c]
                } else {
                    domain_min[c] + step[c] * index[c] as f32
                }
            }));
            let value = f(input);
            if !value.is_finite() {
                return Err(LutError::NonFiniteOutput { input, value });
            }
            data.push(value);
        }
        Ok(CubeLut { title: None, comments: Vec::new(), size, domain_min, domain_max, data })
    }

    /// Writes the LUT as `.cube` text: `TITLE` if there is one (line breaks in it become
    /// spaces), the [`comments`](CubeLut::comments) as `# ` lines, `LUT_3D_SIZE`,
    /// `DOMAIN_MIN`/`DOMAIN_MAX` only when not the default 0/1, then the data. Numbers use
    /// Rust's shortest representation that reads back to the same `f32`, so
    /// [`CubeLut::parse`] of the result gives bit-identical values (and the same title and
    /// comments, up to line breaks).
    pub fn to_cube_string(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(self.data.len() * 30 + 128);
        // `write!` to a String cannot fail; the results are ignored for that reason.
        if let Some(title) = &self.title {
            let title = one_line(title);
            let _ = writeln!(out, "TITLE \"{title}\"");
        }
        for comment in &self.comments {
            let comment = one_line(comment);
            if comment.is_empty() {
                out.push_str("#\n");
            } else {
                let _ = writeln!(out, "# {comment}");
            }
        }
        let _ = writeln!(out, "LUT_3D_SIZE {}", self.size);
        if self.domain_min != Vec3::ZERO || self.domain_max != Vec3::ONE {
            let (a, b) = (self.domain_min, self.domain_max);
            let _ = writeln!(out, "DOMAIN_MIN {} {} {}", a.x, a.y, a.z);
            let _ = writeln!(out, "DOMAIN_MAX {} {} {}", b.x, b.y, b.z);
        }
        out.push('\n');
        for v in &self.data {
            let _ = writeln!(out, "{} {} {}", v.x, v.y, v.z);
        }
        out
    }

    /// Writes [`CubeLut::to_cube_string`] to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), LutError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_cube_string())
            .map_err(|source| LutError::Io { path: path.to_path_buf(), source })
    }

    /// Checks what [`CubeLut::parse`] guarantees, for a LUT built by hand: `size` in
    /// `2..=65`, `size³` data entries, a finite domain with `min < max` per channel, and
    /// finite entries. The samplers never panic on an invalid LUT, but what they return for
    /// one is of no use; the GPU grade bake refuses one with this error.
    pub fn validate(&self) -> Result<(), LutError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&self.size) {
            let size = self.size;
            return Err(LutError::Invalid(format!(
                "size {size} is outside {MIN_SIZE}..={MAX_SIZE}"
            )));
        }
        let expected = (self.size as usize).pow(3);
        if self.data.len() != expected {
            return Err(LutError::Invalid(format!(
                "{} entries where size {} needs {expected}",
                self.data.len(),
                self.size
            )));
        }
        let (min, max) = (self.domain_min, self.domain_max);
        if !(min.is_finite() && max.is_finite() && min.cmplt(max).all()) {
            return Err(LutError::Invalid(format!(
                "domain {min} .. {max} needs finite min < max per channel"
            )));
        }
        if let Some(i) = self.data.iter().position(|v| !v.is_finite()) {
            return Err(LutError::Invalid(format!("entry {i} is {}", self.data[i])));
        }
        Ok(())
    }

    /// Samples the LUT at `rgb` with trilinear interpolation (see the module docs).
    pub fn sample_trilinear(&self, rgb: Vec3) -> Vec3 {
        let Some(cell) = self.cell(rgb) else { return self.entry([0, 0, 0]) };
        let [r0, g0, b0] = cell.base;
        let [r1, g1, b1] = [r0 + 1, g0 + 1, b0 + 1];
        let f = cell.frac;
        // `a·(1 − t) + b·t` rather than `a + (b − a)·t`: it gives `b` exactly at `t = 1`, so the
        // last lattice point comes back bit for bit.
        let lerp = |a: Vec3, b: Vec3, t: f32| a * (1.0 - t) + b * t;
        let c00 = lerp(self.entry([r0, g0, b0]), self.entry([r1, g0, b0]), f.x);
        let c10 = lerp(self.entry([r0, g1, b0]), self.entry([r1, g1, b0]), f.x);
        let c01 = lerp(self.entry([r0, g0, b1]), self.entry([r1, g0, b1]), f.x);
        let c11 = lerp(self.entry([r0, g1, b1]), self.entry([r1, g1, b1]), f.x);
        lerp(lerp(c00, c10, f.y), lerp(c01, c11, f.y), f.z)
    }

    /// Samples the LUT at `rgb` with tetrahedral interpolation (see the module docs).
    pub fn sample_tetrahedral(&self, rgb: Vec3) -> Vec3 {
        let Some(cell) = self.cell(rgb) else { return self.entry([0, 0, 0]) };
        let [r, g, b] = cell.base;
        let (x, y, z) = (cell.frac.x, cell.frac.y, cell.frac.z);
        let at = |dr: usize, dg: usize, db: usize| self.entry([r + dr, g + dg, b + db]);
        // Walk from corner 000 to 111 along the axes in decreasing order of their fraction:
        // the two corners in between and the barycentric weights (1 − max, max − mid,
        // mid − min, min) follow. Ties go to a fixed side; both sides agree on the shared face.
        let (hi, c1, c2, mid, lo) = if x > y {
            if y > z {
                (x, at(1, 0, 0), at(1, 1, 0), y, z)
            } else if x > z {
                (x, at(1, 0, 0), at(1, 0, 1), z, y)
            } else {
                (z, at(0, 0, 1), at(1, 0, 1), x, y)
            }
        } else if z > y {
            (z, at(0, 0, 1), at(0, 1, 1), y, x)
        } else if z > x {
            (y, at(0, 1, 0), at(0, 1, 1), z, x)
        } else {
            (y, at(0, 1, 0), at(1, 1, 0), x, z)
        };
        at(0, 0, 0) * (1.0 - hi) + c1 * (hi - mid) + c2 * (mid - lo) + at(1, 1, 1) * lo
    }

    /// The lattice cell containing `rgb` and the position inside it, or `None` for a LUT
    /// without a valid lattice (only possible by building one by hand).
    fn cell(&self, rgb: Vec3) -> Option<Cell> {
        // A hand-built LUT whose data does not match its size has no usable lattice; checking
        // here also keeps the index arithmetic in `entry` from overflowing.
        let n = self.size as usize;
        if self.size < 2 || n.checked_pow(3) != Some(self.data.len()) {
            return None;
        }
        let last = (self.size - 1) as f32;
        let mut base = [0usize; 3];
        let mut frac = Vec3::ZERO;
        for c in 0..3 {
            let input = if rgb[c].is_nan() { 0.0 } else { rgb[c] };
            let t = (input - self.domain_min[c]) / (self.domain_max[c] - self.domain_min[c]) * last;
            // A degenerate hand-built domain can make `t` NaN; treat it like the first point.
            let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, last) };
            // The top cell is `size − 2`, so `t = size − 1` lands on its far corner (fraction 1).
            let i = (t.floor() as usize).min(self.size as usize - 2);
            base[c] = i;
            frac[c] = t - i as f32;
        }
        Some(Cell { base, frac })
    }

    /// Entry `(r, g, b)`; black rather than a panic for an index a hand-built LUT lacks.
    fn entry(&self, [r, g, b]: [usize; 3]) -> Vec3 {
        let n = self.size as usize;
        self.data.get(r + n * (g + n * b)).copied().unwrap_or(Vec3::ZERO)
    }
}

/// `text` with its line breaks as spaces, for the one-line `TITLE` and `#` lines.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect()
}

/// Lattice cell: the lower corner's indices and the fractional position (each 0..=1) in it.
struct Cell {
    base: [usize; 3],
    frac: Vec3,
}

/// Lattice indices in file order: red fastest, then green, then blue.
fn lattice(size: u32) -> impl Iterator<Item = [u32; 3]> {
    (0..size).flat_map(move |b| (0..size).flat_map(move |g| (0..size).map(move |r| [r, g, b])))
}

fn clamp_size(size: u32) -> u32 {
    let clamped = size.clamp(MIN_SIZE, MAX_SIZE);
    if clamped != size {
        log::warn!("3D LUT size {size} is outside {MIN_SIZE}..={MAX_SIZE}; using {clamped}");
    }
    clamped
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "TITLE \"small\"\nLUT_3D_SIZE 2\n\
        0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n";

    fn parse_err(text: &str) -> (usize, ParseErrorKind, String) {
        match CubeLut::parse(text) {
            Err(e @ LutError::Parse { .. }) => {
                let message = e.to_string();
                let LutError::Parse { line, kind, .. } = e else { unreachable!() };
                (line, kind, message)
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn parses_small_file_with_comments_crlf_and_any_order() {
        let text = "\u{feff}# leading comment\r\n\r\n  LUT_3D_SIZE\t2  # trailing\r\n\
            DOMAIN_MAX 1 1 1\r\nTITLE \"a # title\"\r\nDOMAIN_MIN 0 0 0\r\n\
            0 0 0\r\n1 0 0\r\n# comment inside the data\r\n0 1 0\r\n1 1 0\r\n\r\n\
            0 0 1\r\n1 0 1\r\n0 1 1\r\n 1   1  1 \r\n";
        let lut = CubeLut::parse(text).unwrap();
        assert_eq!(lut.title.as_deref(), Some("a # title"));
        assert_eq!(
            lut,
            CubeLut {
                title: Some("a # title".into()),
                comments: vec!["leading comment".into()],
                ..CubeLut::identity(2)
            }
        );
    }

    #[test]
    fn unquoted_title_is_accepted() {
        let lut = CubeLut::parse(&SMALL.replace("\"small\"", "plain words")).unwrap();
        assert_eq!(lut.title.as_deref(), Some("plain words"));
    }

    #[test]
    fn error_kinds_and_lines() {
        let cases: &[(&str, usize, &str)] = &[
            ("LUT_3D_SIZE 2\nFOO 1\n", 2, "unknown keyword `FOO`"),
            ("LUT_1D_SIZE 4\n", 1, "ends after 0 of 4"),
            ("LUT_1D_INPUT_RANGE 0 1\nLUT_3D_SIZE 2\n", 1, "without LUT_1D_SIZE"),
            ("TITLE x\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n", 2, "1D stage"),
            ("TITLE \"x\"\n0 0 0\n", 2, "missing LUT_3D_SIZE"),
            ("# nothing\n", 1, "missing LUT_3D_SIZE"),
            ("LUT_3D_SIZE 1\n", 1, "out of range"),
            ("LUT_3D_SIZE 66\n", 1, "out of range"),
            ("LUT_3D_SIZE -3\n", 1, "out of range"),
            ("LUT_3D_SIZE 99999999999\n", 1, "out of range"),
            ("LUT_3D_SIZE 2.5\n", 1, "not a whole number"),
            ("LUT_3D_SIZE\n", 1, "LUT_3D_SIZE needs 1 value(s), found 0"),
            ("LUT_3D_SIZE 2 3\n", 1, "found 2"),
            ("LUT_3D_SIZE 2\n0 0\n", 2, "a data line needs 3 value(s), found 2"),
            ("LUT_3D_SIZE 2\n0 0 0 0\n", 2, "found 4"),
            ("LUT_3D_SIZE 2\n0 x 0\n", 2, "`x` is not a number"),
            ("LUT_3D_SIZE 2\n0 0 nan\n", 2, "`nan` is not finite"),
            ("LUT_3D_SIZE 2\ninf 0 0\n", 2, "`inf` is not finite"),
            ("LUT_3D_SIZE 2\n0 0 1e39\n", 2, "`1e39` is not finite"),
            ("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0\n", 2, "DOMAIN_MIN needs 3"),
            ("LUT_3D_SIZE 2\nDOMAIN_MAX 1 1 y\n", 2, "`y` is not a number"),
            ("LUT_3D_SIZE 2\n0 0 0\n", 2, "ends after 1 of 8 data lines"),
            ("LUT_3D_SIZE 2\n", 1, "ends after 0 of 8"),
            (
                "LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n",
                2,
                "duplicate `LUT_3D_SIZE` (first given on line 1)",
            ),
            ("TITLE \"a\"\nLUT_3D_SIZE 2\nTITLE \"b\"\n", 3, "duplicate `TITLE`"),
            ("DOMAIN_MIN 0 0 0\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\n", 3, "duplicate `DOMAIN_MIN`"),
            ("LUT_3D_SIZE 2\nDOMAIN_MIN 0 2 0\nDOMAIN_MAX 1 1 1\n0 0 0\n", 3, "green channel"),
            ("DOMAIN_MAX 1 1 0.5\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0.5\n", 3, "blue channel"),
            ("LUT_3D_SIZE 2\nDOMAIN_MIN 1 0 0\n", 2, "red channel"),
            ("TITLE \"open\nLUT_3D_SIZE 2\n", 1, "no closing quote"),
        ];
        for &(text, line, needle) in cases {
            let (got_line, _, message) = parse_err(text);
            assert_eq!(got_line, line, "{text:?}: {message}");
            assert!(message.starts_with(&format!("line {line}: ")), "{message}");
            assert!(message.contains(needle), "{text:?}: `{message}` lacks `{needle}`");
        }
    }

    #[test]
    fn too_many_data_lines_and_keyword_after_data() {
        let (line, kind, _) = parse_err(&format!("{SMALL}0 0 0\n"));
        assert_eq!((line, kind), (11, ParseErrorKind::TooManyDataLines { expected: 8 }));
        let (line, kind, _) = parse_err(&SMALL.replace("1 1 0\n", "1 1 0\nDOMAIN_MIN 0 0 0\n"));
        assert_eq!((line, kind), (7, ParseErrorKind::KeywordAfterData("DOMAIN_MIN".into())));
    }

    #[test]
    fn corners_are_exact_and_nan_is_zero() {
        let lut = CubeLut::from_fn(5, Vec3::splat(-1.0), Vec3::new(2.0, 3.0, 4.0), |c| {
            Vec3::new(c.x.sin(), c.y * c.z, c.x.exp())
        })
        .unwrap();
        for (i, [r, g, b]) in lattice(5).enumerate() {
            let input = lut.domain_min
                + (lut.domain_max - lut.domain_min) * Vec3::new(r as f32, g as f32, b as f32) / 4.0;
            assert_eq!(lut.sample_trilinear(input), lut.data[i]);
            assert_eq!(lut.sample_tetrahedral(input), lut.data[i]);
        }
        let nan = Vec3::new(f32::NAN, 0.5, f32::NAN);
        assert_eq!(lut.sample_trilinear(nan), lut.sample_trilinear(Vec3::new(0.0, 0.5, 0.0)));
        assert_eq!(lut.sample_tetrahedral(nan), lut.sample_tetrahedral(Vec3::new(0.0, 0.5, 0.0)));
        assert!(lut.sample_trilinear(Vec3::splat(f32::INFINITY)).is_finite());
    }

    #[test]
    fn hand_built_bad_luts_do_not_panic() {
        let bad = [
            CubeLut { size: 0, data: vec![], ..CubeLut::identity(2) },
            CubeLut { size: 1, data: vec![Vec3::ONE], ..CubeLut::identity(2) },
            CubeLut { size: 4, data: vec![Vec3::ONE; 3], ..CubeLut::identity(2) },
            CubeLut { size: u32::MAX, ..CubeLut::identity(2) },
            CubeLut { domain_min: Vec3::ONE, domain_max: Vec3::ONE, ..CubeLut::identity(3) },
        ];
        for lut in &bad {
            for p in [Vec3::ZERO, Vec3::splat(0.5), Vec3::splat(2.0), Vec3::NAN] {
                let _ = lut.sample_trilinear(p);
                let _ = lut.sample_tetrahedral(p);
            }
        }
    }

    #[test]
    fn validate_accepts_parsed_luts_and_names_what_is_wrong() {
        assert!(CubeLut::identity(5).validate().is_ok());
        assert!(CubeLut::parse(SMALL).unwrap().validate().is_ok());
        let cases = [
            (CubeLut { size: 1, data: vec![Vec3::ONE], ..CubeLut::identity(2) }, "size 1"),
            (CubeLut { size: 66, ..CubeLut::identity(2) }, "size 66"),
            (CubeLut { size: 3, ..CubeLut::identity(2) }, "8 entries where size 3 needs 27"),
            (CubeLut { domain_max: Vec3::ZERO, ..CubeLut::identity(2) }, "domain"),
            (CubeLut { domain_min: Vec3::NAN, ..CubeLut::identity(2) }, "domain"),
        ];
        for (lut, needle) in cases {
            let message = lut.validate().unwrap_err().to_string();
            assert!(message.contains(needle), "{message}");
        }
        let mut lut = CubeLut::identity(2);
        lut.data[5].y = f32::INFINITY;
        assert!(lut.validate().unwrap_err().to_string().contains("entry 5"));
    }

    #[test]
    fn from_fn_rejects_bad_domain_and_non_finite_output_and_clamps_size() {
        assert!(matches!(
            CubeLut::from_fn(4, Vec3::ONE, Vec3::ONE, |c| c),
            Err(LutError::InvalidDomain { .. })
        ));
        assert!(matches!(
            CubeLut::from_fn(4, Vec3::ZERO, Vec3::new(1.0, f32::INFINITY, 1.0), |c| c),
            Err(LutError::InvalidDomain { .. })
        ));
        let err = CubeLut::from_fn(4, Vec3::ZERO, Vec3::ONE, |c| c / c.x).unwrap_err();
        assert!(err.to_string().contains("must be finite"), "{err}");
        assert_eq!(CubeLut::identity(1).size, 2);
        assert_eq!(CubeLut::identity(1000).size, 65);
        assert_eq!(CubeLut::identity(65).data.len(), 65 * 65 * 65);
    }

    #[test]
    fn writer_skips_default_domain_and_round_trips() {
        let lut = CubeLut::identity(3);
        let text = lut.to_cube_string();
        assert!(text.starts_with("LUT_3D_SIZE 3\n"), "{text}");
        assert!(!text.contains("DOMAIN"));
        assert_eq!(CubeLut::parse(&text).unwrap(), lut);
        let titled = CubeLut { title: Some("two\nlines".into()), ..lut.clone() };
        assert_eq!(
            CubeLut::parse(&titled.to_cube_string()).unwrap().title.as_deref(),
            Some("two lines")
        );
        // Comments: written after the title, read back in order; a line break becomes a
        // space, an empty one stays empty, leading spaces beyond the first survive.
        let comments = ["plain", "", "  indented", "with # hash", "two\nlines", "\"quoted\""];
        let commented = CubeLut {
            title: Some("t".into()),
            comments: comments.iter().map(|c| c.to_string()).collect(),
            ..lut
        };
        let text = commented.to_cube_string();
        assert!(text.starts_with("TITLE \"t\"\n# plain\n#\n#   indented\n"), "{text}");
        let again = CubeLut::parse(&text).unwrap();
        let mut want = commented.clone();
        want.comments[4] = "two lines".into();
        assert_eq!(again, want);
        assert_eq!(CubeLut::parse(&again.to_cube_string()).unwrap(), want);
    }

    /// Random junk made of the format's own pieces, so it gets past the first line often.
    #[test]
    fn junk_never_panics() {
        let pieces = [
            "TITLE",
            "\"",
            "LUT_3D_SIZE",
            "LUT_1D_SIZE",
            "DOMAIN_MIN",
            "DOMAIN_MAX",
            "2",
            "3",
            "65",
            "0",
            "1",
            "-0.5",
            "1e40",
            "nan",
            "inf",
            "-",
            ".",
            "+",
            "#",
            " ",
            "\t",
            "\n",
            "\r\n",
            "\r",
            "é",
            "\u{feff}",
            "x",
            "0 0 0\n",
            "1 1 1\n",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = next() % 60;
            let text: String =
                (0..len).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
            let _ = CubeLut::parse(&text);
        }
    }
}

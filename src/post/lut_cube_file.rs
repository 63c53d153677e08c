//! The `.cube` text format (Adobe/Iridas, and DaVinci Resolve's variant): parse into a 1D stage
//! and/or a 3D stage.
//!
//! A `.cube` file is plain text: a header of keywords, then the data lines of three numbers
//! each (output red, green, blue). The keywords accepted (Adobe "Cube LUT Specification" 1.0
//! and Resolve's documented extensions):
//!
//! - `TITLE "text"` — optional; an unquoted title is accepted too.
//! - `LUT_1D_SIZE N` (`2 ≤ N ≤ 65536`) — a per-channel 1D LUT of `N` lines.
//! - `LUT_3D_SIZE N` (`2 ≤ N ≤ 65`) — a 3D LUT of `N³` lines, **red changing fastest**, then
//!   green, then blue.
//! - Both sizes in one file (Resolve): the `N1` 1D lines come first and are a *shaper* applied
//!   before the 3D LUT, whose `N3³` lines follow.
//! - `DOMAIN_MIN r g b` / `DOMAIN_MAX r g b` — the input range per channel of the file's one
//!   stage (default `0 0 0` / `1 1 1`); refused in a file with both stages, where it would be
//!   ambiguous.
//! - `LUT_1D_INPUT_RANGE min max` / `LUT_3D_INPUT_RANGE min max` — Resolve's input range of the
//!   1D / 3D stage, the same for all channels; refused together with `DOMAIN_*` for one stage.
//!
//! Keywords may come in any order but all before the first data line, each at most once.
//! `#` starts a comment (whole-line or trailing, except inside a quoted title); blank lines,
//! extra spaces and tabs, CRLF line ends and a UTF-8 byte-order mark are all accepted.
//! Whole-line comments before the first data line are kept, in order (without the `#` and one
//! space after it); comments among the data are dropped.
//!
//! Nothing a file contains makes this module panic: every problem is a [`LutError::Parse`]
//! naming the file (when loaded from a path), the 1-based line and what was expected.

use std::path::Path;

use glam::Vec3;

use super::lut::{CubeLut, LutError, MAX_SIZE, MIN_SIZE, ParseErrorKind};
use super::lut_1d::{Lut1d, MAX_SIZE_1D, MIN_SIZE_1D};

/// A parsed `.cube` file: its title, header comments and stages.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeFile {
    /// The `TITLE`, without quotes.
    pub title: Option<String>,
    /// The whole-line `#` comments before the data.
    pub comments: Vec<String>,
    /// The 1D stage (`LUT_1D_SIZE`), applied first.
    pub shaper: Option<Lut1d>,
    /// The 3D stage (`LUT_3D_SIZE`), with no title or comments of its own.
    pub cube: Option<CubeLut>,
}

/// The header keywords, for duplicate tracking.
#[derive(Clone, Copy, PartialEq)]
enum Keyword {
    Title,
    Size3d,
    DomainMin,
    DomainMax,
    Size1d,
    InputRange1d,
    InputRange3d,
}

impl Keyword {
    const ALL: [Keyword; 7] = [
        Self::Title,
        Self::Size3d,
        Self::DomainMin,
        Self::DomainMax,
        Self::Size1d,
        Self::InputRange1d,
        Self::InputRange3d,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Title => "TITLE",
            Self::Size3d => "LUT_3D_SIZE",
            Self::DomainMin => "DOMAIN_MIN",
            Self::DomainMax => "DOMAIN_MAX",
            Self::Size1d => "LUT_1D_SIZE",
            Self::InputRange1d => "LUT_1D_INPUT_RANGE",
            Self::InputRange3d => "LUT_3D_INPUT_RANGE",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The parser's state; `file` only feeds error messages.
struct Parser<'a> {
    file: Option<&'a Path>,
    /// Line each keyword was first seen on (indexed like `Keyword::ALL`).
    seen: [Option<usize>; 7],
    title: Option<String>,
    comments: Vec<String>,
    size_1d: Option<u32>,
    size_3d: Option<u32>,
    domain_min: Vec3,
    domain_max: Vec3,
    range_1d: [f32; 2],
    range_3d: [f32; 2],
    /// `N1 + N3³` once the header is done.
    expected: usize,
    data: Vec<Vec3>,
}

/// The error for `kind` on `line` of `file`.
pub(super) fn parse_error(file: Option<&Path>, line: usize, kind: ParseErrorKind) -> LutError {
    LutError::Parse { file: file.map(Path::to_path_buf), line, kind }
}

impl<'a> Parser<'a> {
    fn error(&self, line: usize, kind: ParseErrorKind) -> LutError {
        parse_error(self.file, line, kind)
    }

    fn seen(&self, keyword: Keyword) -> Option<usize> {
        self.seen[keyword as usize]
    }

    fn keyword(&mut self, line: usize, name: &str, rest: &str) -> Result<(), LutError> {
        let Some(keyword) = Keyword::from_name(name) else {
            return Err(self.error(line, ParseErrorKind::UnknownKeyword(name.to_owned())));
        };
        if !self.data.is_empty() {
            return Err(self.error(line, ParseErrorKind::KeywordAfterData(name.to_owned())));
        }
        let slot = keyword as usize;
        if let Some(first_line) = self.seen[slot] {
            let kind = ParseErrorKind::DuplicateKeyword { keyword: keyword.name(), first_line };
            return Err(self.error(line, kind));
        }
        self.seen[slot] = Some(line);
        let at = |k| parse_error(self.file, line, k);
        match keyword {
            Keyword::Title => self.title = Some(parse_title(rest).map_err(at)?),
            Keyword::Size3d | Keyword::Size1d => {
                let what = keyword.name();
                let [token] = tokens::<1>(rest, what).map_err(at)?;
                if keyword == Keyword::Size3d {
                    self.size_3d = Some(parse_size(token, what, MIN_SIZE, MAX_SIZE).map_err(at)?);
                } else {
                    let size = parse_size(token, what, MIN_SIZE_1D, MAX_SIZE_1D).map_err(at)?;
                    self.size_1d = Some(size);
                }
            }
            Keyword::DomainMin => self.domain_min = parse_vec3(rest, "DOMAIN_MIN").map_err(at)?,
            Keyword::DomainMax => self.domain_max = parse_vec3(rest, "DOMAIN_MAX").map_err(at)?,
            Keyword::InputRange1d | Keyword::InputRange3d => {
                let [lo, hi] = tokens::<2>(rest, keyword.name()).map_err(at)?;
                let range = [parse_f32(lo).map_err(at)?, parse_f32(hi).map_err(at)?];
                if keyword == Keyword::InputRange1d {
                    self.range_1d = range;
                } else {
                    self.range_3d = range;
                }
            }
        }
        Ok(())
    }

    /// Checks the header once it is complete (at the first data line, or at the end of a file
    /// without data); `line` is where that happened.
    fn finish_header(&mut self, line: usize) -> Result<(), LutError> {
        let (n1, n3) = (self.size_1d, self.size_3d);
        if n1.is_none() && n3.is_none() {
            return Err(self.error(line, ParseErrorKind::MissingSize));
        }
        let domain_line = [self.seen(Keyword::DomainMin), self.seen(Keyword::DomainMax)]
            .into_iter()
            .flatten()
            .max();
        let conflict = |line: usize, text: &str| {
            Err(self.error(line, ParseErrorKind::Conflict(text.to_owned())))
        };
        if let Some(at) = domain_line {
            if n1.is_some() && n3.is_some() {
                return conflict(
                    at,
                    "DOMAIN_MIN/DOMAIN_MAX in a file with both LUT_1D_SIZE and LUT_3D_SIZE is \
                     ambiguous; give LUT_1D_INPUT_RANGE / LUT_3D_INPUT_RANGE instead",
                );
            }
            for range in [Keyword::InputRange1d, Keyword::InputRange3d] {
                if let Some(at) = self.seen(range) {
                    return conflict(
                        at,
                        &format!(
                            "{} and DOMAIN_MIN/DOMAIN_MAX both set the input range",
                            range.name()
                        ),
                    );
                }
            }
        }
        for (range, size, size_name) in
            [(Keyword::InputRange1d, n1, "LUT_1D_SIZE"), (Keyword::InputRange3d, n3, "LUT_3D_SIZE")]
        {
            if let (Some(at), None) = (self.seen(range), size) {
                return conflict(at, &format!("{} without {size_name}", range.name()));
            }
        }
        // Report a bad domain on the line that set it (the later DOMAIN line for DOMAIN_*).
        let checks = [
            ("DOMAIN_MIN/DOMAIN_MAX", domain_line, self.domain_min, self.domain_max),
            (
                "LUT_1D_INPUT_RANGE",
                self.seen(Keyword::InputRange1d),
                Vec3::splat(self.range_1d[0]),
                Vec3::splat(self.range_1d[1]),
            ),
            (
                "LUT_3D_INPUT_RANGE",
                self.seen(Keyword::InputRange3d),
                Vec3::splat(self.range_3d[0]),
                Vec3::splat(self.range_3d[1]),
            ),
        ];
        for (keyword, at, lo, hi) in checks {
            let Some(at) = at else { continue };
            for (i, channel) in ["red", "green", "blue"].into_iter().enumerate() {
                let (min, max) = (lo[i], hi[i]);
                if min >= max {
                    let kind = ParseErrorKind::DomainOrder { keyword, channel, min, max };
                    return Err(self.error(at, kind));
                }
            }
        }
        self.expected = n1.unwrap_or(0) as usize + n3.map_or(0, |n| (n as usize).pow(3));
        self.data.reserve_exact(self.expected);
        Ok(())
    }

    fn data_line(&mut self, line: usize, text: &str) -> Result<(), LutError> {
        if self.data.is_empty() {
            self.finish_header(line)?;
        }
        if self.data.len() >= self.expected {
            let kind = ParseErrorKind::TooManyDataLines { expected: self.expected };
            return Err(self.error(line, kind));
        }
        let value = parse_vec3(text, "a data line").map_err(|k| parse_error(self.file, line, k))?;
        self.data.push(value);
        Ok(())
    }

    /// The stages, once every data line is in.
    fn into_file(mut self) -> CubeFile {
        let has_1d_range = self.seen(Keyword::InputRange1d).is_some();
        let has_3d_range = self.seen(Keyword::InputRange3d).is_some();
        let (mut min, mut max) = (self.domain_min, self.domain_max);
        let mut cube_data = self.data.split_off(self.size_1d.unwrap_or(0) as usize);
        let shaper = self.size_1d.map(|_| {
            if has_1d_range {
                (min, max) = (Vec3::splat(self.range_1d[0]), Vec3::splat(self.range_1d[1]));
            }
            let stage = Lut1d { domain_min: min, domain_max: max, data: self.data };
            // A 3D stage after a shaper takes its own range (default 0..1).
            (min, max) = (Vec3::ZERO, Vec3::ONE);
            stage
        });
        let cube = self.size_3d.map(|size| {
            if has_3d_range {
                (min, max) = (Vec3::splat(self.range_3d[0]), Vec3::splat(self.range_3d[1]));
            }
            CubeLut {
                title: None,
                comments: Vec::new(),
                size,
                domain_min: min,
                domain_max: max,
                data: std::mem::take(&mut cube_data),
            }
        });
        CubeFile { title: self.title, comments: self.comments, shaper, cube }
    }
}

/// Exactly `N` whitespace-separated tokens.
pub(super) fn tokens<'a, const N: usize>(
    text: &'a str,
    what: &'static str,
) -> Result<[&'a str; N], ParseErrorKind> {
    let mut out = [""; N];
    let mut found = 0;
    for token in text.split_whitespace() {
        if let Some(slot) = out.get_mut(found) {
            *slot = token;
        }
        found += 1;
    }
    if found == N {
        Ok(out)
    } else {
        Err(ParseErrorKind::WrongValueCount { what, expected: N, found })
    }
}

/// A finite `f32`.
pub(super) fn parse_f32(token: &str) -> Result<f32, ParseErrorKind> {
    match token.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(ParseErrorKind::NotFinite(token.to_owned())),
        Err(_) => Err(ParseErrorKind::NotANumber(token.to_owned())),
    }
}

/// Exactly three finite numbers.
pub(super) fn parse_vec3(text: &str, what: &'static str) -> Result<Vec3, ParseErrorKind> {
    let [r, g, b] = tokens::<3>(text, what)?;
    Ok(Vec3::new(parse_f32(r)?, parse_f32(g)?, parse_f32(b)?))
}

/// A whole number in `min..=max` (`what` names the keyword or field in the error).
pub(super) fn parse_size(
    token: &str,
    what: &'static str,
    min: u32,
    max: u32,
) -> Result<u32, ParseErrorKind> {
    let digits = token.strip_prefix('+').unwrap_or(token);
    let negative_digits = token.strip_prefix('-').unwrap_or("");
    let is_integer = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let out_of_range =
        || ParseErrorKind::SizeOutOfRange { what, value: token.to_owned(), min, max };
    if is_integer(digits) {
        match digits.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            // Too big for u32 is still just "out of range" to the user.
            _ => Err(out_of_range()),
        }
    } else if is_integer(negative_digits) {
        Err(out_of_range())
    } else {
        Err(ParseErrorKind::SizeNotInteger { what, value: token.to_owned() })
    }
}

/// The title between the first and the last double quote, or the bare text if unquoted.
fn parse_title(rest: &str) -> Result<String, ParseErrorKind> {
    let rest = rest.trim();
    match rest.strip_prefix('"') {
        Some(inner) => match inner.rfind('"') {
            Some(end) => Ok(inner[..end].to_owned()),
            None => Err(ParseErrorKind::UnterminatedTitle),
        },
        None => Ok(rest.to_owned()),
    }
}

/// The line without its comment: `#` outside double quotes starts one (a quoted title may
/// contain `#`).
pub(super) fn strip_comment(line: &str) -> &str {
    let mut in_quotes = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '#' if !in_quotes => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Whether a (non-empty, trimmed) line is data rather than a keyword: it starts like a number,
/// or is a number Rust would read (`nan`, `inf`), which then fails as non-finite with a clear
/// message instead of "unknown keyword".
pub(super) fn is_data(first_token: &str) -> bool {
    first_token.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
        || first_token.parse::<f32>().is_ok()
}

/// `line` shortened to at most 40 characters, for "found" in error messages.
pub(super) fn shorten(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

/// Parses the text of a `.cube` file (see the module docs); `file` only names it in errors.
pub fn parse_cube_file(text: &str, file: Option<&Path>) -> Result<CubeFile, LutError> {
    parse_with_lines(text, file).map(|(parsed, _)| parsed)
}

/// [`parse_cube_file`], and the line of `LUT_1D_SIZE` if there is one.
fn parse_with_lines(
    text: &str,
    file: Option<&Path>,
) -> Result<(CubeFile, Option<usize>), LutError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        file,
        seen: [None; 7],
        title: None,
        comments: Vec::new(),
        size_1d: None,
        size_3d: None,
        domain_min: Vec3::ZERO,
        domain_max: Vec3::ONE,
        range_1d: [0.0, 1.0],
        range_3d: [0.0, 1.0],
        expected: 0,
        data: Vec::new(),
    };
    // `lines()` splits on `\n` and drops a `\r` before it, so CRLF files need nothing more.
    let mut last_line = 1;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        last_line = line;
        if parser.data.is_empty()
            && let Some(comment) = raw.trim_start().strip_prefix('#')
        {
            let comment = comment.strip_prefix(' ').unwrap_or(comment);
            parser.comments.push(comment.to_owned());
            continue;
        }
        let content = strip_comment(raw).trim();
        let Some(first) = content.split_whitespace().next() else { continue };
        if is_data(first) {
            parser.data_line(line, content)?;
        } else {
            let rest = &content[first.len()..];
            parser.keyword(line, first, rest)?;
        }
    }
    if parser.data.is_empty() {
        parser.finish_header(last_line)?;
    }
    if parser.data.len() != parser.expected {
        let kind =
            ParseErrorKind::TooFewDataLines { expected: parser.expected, found: parser.data.len() };
        return Err(parser.error(last_line, kind));
    }
    let line_1d = parser.seen(Keyword::Size1d);
    Ok((parser.into_file(), line_1d))
}

impl CubeLut {
    /// Parses the text of a 3D-only `.cube` file (see the module docs); a file with a 1D stage
    /// is an error here ([`ColourLut::parse_cube`](super::colour_lut::ColourLut::parse_cube)
    /// reads every kind). Errors name the 1-based line.
    pub fn parse(text: &str) -> Result<CubeLut, LutError> {
        Self::parse_inner(text, None)
    }

    /// Reads and parses a 3D-only `.cube` file. Errors name the file and the line.
    pub fn load(path: impl AsRef<Path>) -> Result<CubeLut, LutError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| LutError::Io { path: path.to_path_buf(), source })?;
        Self::parse_inner(&text, Some(path))
    }

    fn parse_inner(text: &str, file: Option<&Path>) -> Result<CubeLut, LutError> {
        let (parsed, line_1d) = parse_with_lines(text, file)?;
        if let Some(line) = line_1d {
            return Err(parse_error(file, line, ParseErrorKind::Not3dOnly));
        }
        let Some(cube) = parsed.cube else {
            // Unreachable: without LUT_1D_SIZE the header needs LUT_3D_SIZE.
            return Err(parse_error(file, 1, ParseErrorKind::MissingSize));
        };
        Ok(CubeLut { title: parsed.title, comments: parsed.comments, ..cube })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_shaper_and_3d_split_in_order_with_their_ranges() {
        let text = "LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE -1 3\nLUT_3D_SIZE 2\n\
            LUT_3D_INPUT_RANGE 0 2\n0 0 0\n1 2 3\n\
            0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n";
        let file = parse_cube_file(text, None).unwrap();
        let shaper = file.shaper.unwrap();
        assert_eq!(shaper.data, [Vec3::ZERO, Vec3::new(1.0, 2.0, 3.0)]);
        assert_eq!((shaper.domain_min, shaper.domain_max), (Vec3::splat(-1.0), Vec3::splat(3.0)));
        let cube = file.cube.unwrap();
        assert_eq!(cube.data.len(), 8);
        assert_eq!((cube.domain_min, cube.domain_max), (Vec3::ZERO, Vec3::splat(2.0)));
    }

    #[test]
    fn one_d_only_uses_domain_or_range() {
        let file = parse_cube_file(
            "LUT_1D_SIZE 2\nDOMAIN_MIN 0 1 2\nDOMAIN_MAX 1 2 4\n0 0 0\n1 1 1\n",
            None,
        )
        .unwrap();
        assert!(file.cube.is_none());
        assert_eq!(file.shaper.unwrap().domain_max, Vec3::new(1.0, 2.0, 4.0));
    }

    #[test]
    fn header_conflicts_name_the_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\n", 3, "ambiguous"),
            ("LUT_3D_SIZE 2\nDOMAIN_MAX 1 1 1\nLUT_3D_INPUT_RANGE 0 1\n", 3, "both set"),
            ("LUT_3D_SIZE 2\nLUT_1D_INPUT_RANGE 0 1\n", 2, "without LUT_1D_SIZE"),
            ("LUT_1D_SIZE 2\nLUT_3D_INPUT_RANGE 0 1\n", 2, "without LUT_3D_SIZE"),
            ("LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 1 0\n", 2, "LUT_1D_INPUT_RANGE minimum 1"),
            ("LUT_1D_SIZE 1\n", 1, "LUT_1D_SIZE 1 is out of range 2..=65536"),
            ("LUT_1D_SIZE 65537\n", 1, "out of range"),
            ("LUT_1D_INPUT_RANGE 0\n", 1, "needs 2 value(s)"),
            ("LUT_1D_SIZE 2\n0 0 0\n", 2, "ends after 1 of 2"),
            ("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n0 0 0\n0 0 0\n", 4, "ends after 2 of 10"),
        ];
        for &(text, line, needle) in cases {
            let message = parse_cube_file(text, None).unwrap_err().to_string();
            assert!(message.starts_with(&format!("line {line}: ")), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: `{message}` lacks `{needle}`");
        }
    }

    #[test]
    fn cube_lut_parse_refuses_a_1d_stage_on_its_line() {
        let message =
            CubeLut::parse("TITLE \"t\"\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n").unwrap_err().to_string();
        assert!(message.starts_with("line 2: ") && message.contains("1D stage"), "{message}");
    }
}

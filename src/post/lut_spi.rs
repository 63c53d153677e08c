//! Sony Pictures Imageworks `.spi1d` and `.spi3d` LUTs (OpenColorIO's own formats): parse into
//! a [`Lut1d`] and a [`CubeLut`].
//!
//! # `.spi1d`
//! ```text
//! Version 1
//! From -0.1 1.5          (the input range, default 0 1)
//! Length 16              (2..=65536 entries)
//! Components 1           (1: one value per line for all channels, or 3)
//! {
//!  -0.0077399
//!  ...
//! }
//! ```
//! # `.spi3d`
//! ```text
//! SPILUT 1.0
//! 3 3                    (input and output channels)
//! 4 4 4                  (lattice points per side, equal, 2..=65)
//! 0 0 0 0.0 0.0 0.0      (red, green, blue index, then the output colour)
//! ...
//! ```
//! Every lattice point appears exactly once, in any order; the input range is 0..1.
//!
//! `#` starts a comment anywhere; blank lines are skipped. Errors name the file, the line and
//! what was expected; nothing a file contains panics.

use std::path::Path;

use glam::Vec3;

use super::lut::{CubeLut, LutError, MAX_SIZE, MIN_SIZE, ParseErrorKind};
use super::lut_1d::{Lut1d, MAX_SIZE_1D, MIN_SIZE_1D};
use super::lut_cube_file::{parse_error, parse_f32, parse_size, shorten, strip_comment, tokens};

/// The non-blank lines of `text` without comments, with their 1-based numbers.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, strip_comment(l).trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn expected(file: Option<&Path>, line: usize, what: &str, found: &str) -> LutError {
    parse_error(
        file,
        line,
        ParseErrorKind::Expected { expected: what.into(), found: shorten(found) },
    )
}

/// Parses the text of a `.spi1d` file (see the module docs); `file` only names it in errors.
pub fn parse_spi1d(text: &str, file: Option<&Path>) -> Result<Lut1d, LutError> {
    let err = |line: usize, kind: ParseErrorKind| parse_error(file, line, kind);
    let mut lines = content_lines(text);
    let mut last_line = 1;
    let mut range = [0.0f32, 1.0];
    let mut length: Option<usize> = None;
    let mut components = 1usize;
    let mut version = false;
    // The header, up to `{`.
    loop {
        let Some((line, content)) = lines.next() else {
            return Err(expected(file, last_line, "`{` and the data", "the end of the file"));
        };
        last_line = line;
        let (key, rest) = content.split_once(char::is_whitespace).unwrap_or((content, ""));
        match key {
            "Version" => {
                let [v] = tokens::<1>(rest, "Version").map_err(|k| err(line, k))?;
                if v != "1" {
                    return Err(expected(file, line, "Version 1", content));
                }
                version = true;
            }
            "From" => {
                let [lo, hi] = tokens::<2>(rest, "From").map_err(|k| err(line, k))?;
                range = [
                    parse_f32(lo).map_err(|k| err(line, k))?,
                    parse_f32(hi).map_err(|k| err(line, k))?,
                ];
                if range[0] >= range[1] {
                    return Err(expected(file, line, "`From min max` with min < max", content));
                }
            }
            "Length" => {
                let [n] = tokens::<1>(rest, "Length").map_err(|k| err(line, k))?;
                let n =
                    parse_size(n, "Length", MIN_SIZE_1D, MAX_SIZE_1D).map_err(|k| err(line, k))?;
                length = Some(n as usize);
            }
            "Components" => {
                let [c] = tokens::<1>(rest, "Components").map_err(|k| err(line, k))?;
                components = match c {
                    "1" => 1,
                    "3" => 3,
                    _ => return Err(expected(file, line, "Components 1 or 3", content)),
                };
            }
            "{" if rest.trim().is_empty() => break,
            _ => {
                return Err(expected(
                    file,
                    line,
                    "Version, From, Length, Components or `{`",
                    content,
                ));
            }
        }
    }
    if !version {
        return Err(expected(file, last_line, "a `Version 1` line before `{`", "{"));
    }
    let Some(length) = length else {
        return Err(expected(file, last_line, "a `Length N` line before `{`", "{"));
    };
    let mut data = Vec::with_capacity(length);
    let mut closed = false;
    for (line, content) in lines.by_ref() {
        last_line = line;
        if content == "}" {
            closed = true;
            break;
        }
        if data.len() >= length {
            return Err(err(line, ParseErrorKind::TooManyDataLines { expected: length }));
        }
        let value = if components == 1 {
            let [v] = tokens::<1>(content, "a data line").map_err(|k| err(line, k))?;
            Vec3::splat(parse_f32(v).map_err(|k| err(line, k))?)
        } else {
            let [r, g, b] = tokens::<3>(content, "a data line").map_err(|k| err(line, k))?;
            let f = |t| parse_f32(t).map_err(|k| err(line, k));
            Vec3::new(f(r)?, f(g)?, f(b)?)
        };
        data.push(value);
    }
    if data.len() != length {
        let kind = ParseErrorKind::TooFewDataLines { expected: length, found: data.len() };
        return Err(err(last_line, kind));
    }
    if !closed {
        return Err(expected(file, last_line, "`}` after the data", "the end of the file"));
    }
    if let Some((line, content)) = lines.next() {
        return Err(expected(file, line, "nothing after `}`", content));
    }
    Ok(Lut1d { domain_min: Vec3::splat(range[0]), domain_max: Vec3::splat(range[1]), data })
}

/// Parses the text of a `.spi3d` file (see the module docs); `file` only names it in errors.
pub fn parse_spi3d(text: &str, file: Option<&Path>) -> Result<CubeLut, LutError> {
    let err = |line: usize, kind: ParseErrorKind| parse_error(file, line, kind);
    let mut lines = content_lines(text);
    let mut header =
        |what: &str| lines.next().ok_or_else(|| expected(file, 1, what, "the end of the file"));
    let (line, content) = header("SPILUT 1.0")?;
    if content.split_whitespace().collect::<Vec<_>>() != ["SPILUT", "1.0"] {
        return Err(expected(file, line, "SPILUT 1.0", content));
    }
    let (line, content) = header("`3 3`")?;
    if content.split_whitespace().collect::<Vec<_>>() != ["3", "3"] {
        return Err(expected(file, line, "`3 3` (three input and output channels)", content));
    }
    let (line, content) = header("the lattice size `N N N`")?;
    let sizes = tokens::<3>(content, "the lattice size line").map_err(|k| err(line, k))?;
    let mut n = [0u32; 3];
    for (slot, token) in n.iter_mut().zip(sizes) {
        *slot =
            parse_size(token, "the lattice size", MIN_SIZE, MAX_SIZE).map_err(|k| err(line, k))?;
    }
    if n[0] != n[1] || n[1] != n[2] {
        return Err(expected(file, line, "the same size on every axis", content));
    }
    let size = n[0];
    let count = (size as usize).pow(3);
    let mut data = vec![Vec3::ZERO; count];
    let mut given: Vec<Option<usize>> = vec![None; count];
    let mut found = 0usize;
    let mut last_line = line;
    for (line, content) in lines {
        last_line = line;
        let values = tokens::<6>(content, "a data line").map_err(|k| err(line, k))?;
        let mut index = [0usize; 3];
        for (slot, token) in index.iter_mut().zip(&values[..3]) {
            match token.parse::<u32>() {
                Ok(i) if i < size => *slot = i as usize,
                _ => {
                    return Err(expected(file, line, &format!("a lattice index 0..{size}"), token));
                }
            }
        }
        let f = |t: &str| parse_f32(t).map_err(|k| err(line, k));
        let value = Vec3::new(f(values[3])?, f(values[4])?, f(values[5])?);
        let n = size as usize;
        let at = index[0] + n * (index[1] + n * index[2]);
        if let Some(first) = given[at] {
            return Err(err(
                line,
                ParseErrorKind::Conflict(format!(
                    "lattice point {} {} {} given twice (first on line {first})",
                    index[0], index[1], index[2]
                )),
            ));
        }
        given[at] = Some(line);
        data[at] = value;
        found += 1;
    }
    if found != count {
        return Err(err(last_line, ParseErrorKind::TooFewDataLines { expected: count, found }));
    }
    Ok(CubeLut {
        title: None,
        comments: Vec::new(),
        size,
        domain_min: Vec3::ZERO,
        domain_max: Vec3::ONE,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPI1D: &str = "Version 1\nFrom 0 2\nLength 3\nComponents 3\n{\n0 0 0\n1 2 3\n4 5 6\n}\n";

    #[test]
    fn spi1d_reads_ranges_and_components() {
        let lut = parse_spi1d(SPI1D, None).unwrap();
        assert_eq!(lut.domain_max, Vec3::splat(2.0));
        assert_eq!(lut.data[2], Vec3::new(4.0, 5.0, 6.0));
        let single =
            parse_spi1d("Version 1\nLength 2\n{\n 0.5\n 1\n}\n# trailing\n", None).unwrap();
        assert_eq!(single.data, [Vec3::splat(0.5), Vec3::ONE]);
        assert_eq!(single.domain_min, Vec3::ZERO);
    }

    #[test]
    fn spi3d_places_entries_by_their_indices() {
        let mut text = String::from("SPILUT 1.0\n3 3\n2 2 2\n");
        // Written blue fastest; the indices say where each goes.
        for r in 0..2 {
            for g in 0..2 {
                for b in 0..2 {
                    text += &format!("{r} {g} {b} {r} {} {}\n", g * 2, b * 3);
                }
            }
        }
        let lut = parse_spi3d(&text, None).unwrap();
        // (r, g, b) = (1, 0, 1) is entry 1 + 2·2 = 5.
        assert_eq!(lut.data[5], Vec3::new(1.0, 0.0, 3.0));
        assert_eq!(lut.data[2], Vec3::new(0.0, 2.0, 0.0));
    }

    #[test]
    fn errors_name_line_and_expectation() {
        let spi1d: &[(String, usize, &str)] = &[
            (SPI1D.replace("Version 1", "Version 2"), 1, "expected Version 1"),
            (SPI1D.replace("From 0 2", "From 2 0"), 2, "min < max"),
            (SPI1D.replace("Length 3", "Length 1"), 3, "Length 1 is out of range"),
            (SPI1D.replace("Components 3", "Components 2"), 4, "Components 1 or 3"),
            (SPI1D.replace("1 2 3\n", "1 2\n"), 7, "needs 3 value(s), found 2"),
            (SPI1D.replace("4 5 6\n", "4 5 6\n7 8 9\n"), 9, "more data lines than the 3"),
            (SPI1D.replace("4 5 6\n", ""), 8, "ends after 2 of 3"),
            (SPI1D.replace("}\n", ""), 8, "expected `}`"),
            (format!("{SPI1D}junk\n"), 10, "nothing after `}`"),
            ("Length 2\n{\n".into(), 2, "Version 1"),
            ("Version 1\nOops\n".into(), 2, "expected Version, From"),
            ("Version 1\n".into(), 1, "`{` and the data"),
            (SPI1D.replace("1 2 3", "1 nan 3"), 7, "not finite"),
        ];
        for (text, line, needle) in spi1d {
            let message = parse_spi1d(text, None).unwrap_err().to_string();
            assert!(message.starts_with(&format!("line {line}: ")), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: `{message}` lacks `{needle}`");
        }
        let head = "SPILUT 1.0\n3 3\n2 2 2\n";
        let spi3d: &[(String, usize, &str)] = &[
            ("SPILUT 2.0\n".into(), 1, "expected SPILUT 1.0"),
            ("SPILUT 1.0\n3 1\n".into(), 2, "`3 3`"),
            ("SPILUT 1.0\n3 3\n2 2 3\n".into(), 3, "same size"),
            ("SPILUT 1.0\n3 3\n99 99 99\n".into(), 3, "out of range 2..=65"),
            (format!("{head}0 0 2 0 0 0\n"), 4, "a lattice index 0..2, found `2`"),
            (format!("{head}0 0 0 0 0 0\n0 0 0 1 1 1\n"), 5, "given twice (first on line 4)"),
            (format!("{head}0 0 0 0 0\n"), 4, "needs 6 value(s)"),
            (format!("{head}0 0 0 0 0 0\n"), 4, "ends after 1 of 8"),
            ("SPILUT 1.0\n".into(), 1, "`3 3`"),
        ];
        for (text, line, needle) in spi3d {
            let message = parse_spi3d(text, None).unwrap_err().to_string();
            assert!(message.starts_with(&format!("line {line}: ")), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: `{message}` lacks `{needle}`");
        }
    }
}

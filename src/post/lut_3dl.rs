//! Autodesk/Discreet `.3dl` 3D LUTs, as Flame, Lustre and Nuke write them: parse into a
//! [`CubeLut`].
//!
//! # The format
//! Plain text, `#` comments and blank lines anywhere:
//!
//! 1. Optionally `3DMESH` and `Mesh A B` (Lustre/Flame): the lattice has `2^A + 1` points per
//!    side and the entries are `B`-bit integers.
//! 2. The *mesh line*: `N` non-negative integers, the input code of each lattice point of an
//!    axis (`0 64 128 … 960 1023` for a 17-point 10-bit mesh). Its length is the lattice size
//!    `N` (`2..=65`); its last value gives the input bit depth. Only evenly spaced meshes are
//!    accepted (point `i` at `i·2^bits/(N − 1)` or `i·(2^bits − 1)/(N − 1)`, rounded, the last
//!    clamped to `2^bits − 1`), so point `i` is the normalised input `i / (N − 1)`.
//! 3. `N³` lines of three non-negative integers (output red, green, blue) with **blue changing
//!    fastest**, then green, then red (the opposite of `.cube`).
//! 4. Optionally `LUT8` and `gamma G` lines at the end (Lustre), which carry nothing here.
//!
//! Entries are divided by `2^B − 1`: `B` from the `Mesh` line, otherwise the smallest of 10,
//! 12, 14, 16 bits that holds the largest entry. Errors name the file, the line and what was
//! expected; nothing a file contains panics.

use std::path::Path;

use glam::Vec3;

use super::lut::{CubeLut, LutError, MAX_SIZE, MIN_SIZE, ParseErrorKind};
use super::lut_cube_file::{parse_error, parse_size, shorten, strip_comment, tokens};

/// The output bit depths a `.3dl` without a `Mesh` line is read as, smallest first.
const OUTPUT_BITS: [u32; 4] = [10, 12, 14, 16];

/// A non-negative integer token.
fn integer(token: &str) -> Result<u32, ParseErrorKind> {
    token.parse::<u32>().map_err(|_| ParseErrorKind::Expected {
        expected: "a non-negative integer".into(),
        found: shorten(token),
    })
}

/// Whether the mesh line is evenly spaced over `bits` bits (see the module docs).
fn mesh_is_even(mesh: &[u32], bits: u32) -> bool {
    let n = mesh.len();
    let top = (1u64 << bits) as f64;
    let last = (n - 1) as f64;
    [top, top - 1.0].into_iter().any(|span| {
        mesh.iter().enumerate().all(|(i, &v)| {
            let want = (i as f64 * span / last).round().min(top - 1.0);
            (f64::from(v) - want).abs() <= 1.0
        })
    })
}

/// Parses the text of a `.3dl` file (see the module docs); `file` only names it in errors.
pub fn parse_3dl(text: &str, file: Option<&Path>) -> Result<CubeLut, LutError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |line: usize, kind: ParseErrorKind| parse_error(file, line, kind);
    let expected = |line: usize, what: &str, found: &str| {
        err(line, ParseErrorKind::Expected { expected: what.into(), found: shorten(found) })
    };
    let mut mesh_header: Option<(u32, u32, usize)> = None;
    let mut mesh: Option<Vec<u32>> = None;
    let mut raw: Vec<[u32; 3]> = Vec::new();
    let mut data_lines: Vec<usize> = Vec::new();
    let mut trailer = false;
    let mut last_line = 1;
    for (index, line_text) in text.lines().enumerate() {
        let line = index + 1;
        last_line = line;
        let content = strip_comment(line_text).trim();
        let Some(first) = content.split_whitespace().next() else { continue };
        // `3DMESH` starts with a digit too; anything else that does is numbers.
        if first != "3DMESH" && first.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            if trailer {
                return Err(expected(line, "nothing after LUT8/gamma", content));
            }
            let values = content
                .split_whitespace()
                .map(integer)
                .collect::<Result<Vec<u32>, _>>()
                .map_err(|k| err(line, k))?;
            match &mesh {
                None => {
                    let n = values.len();
                    let size =
                        parse_size(&n.to_string(), "the mesh line's length", MIN_SIZE, MAX_SIZE)
                            .map_err(|k| err(line, k))?;
                    if let Some((bits, _, at)) = mesh_header
                        && (1u64 << bits) + 1 != u64::from(size)
                    {
                        return Err(err(
                            line,
                            ParseErrorKind::Conflict(format!(
                                "the mesh line has {size} points but `Mesh {bits}` on line {at} \
                                 says {}",
                                (1u64 << bits) + 1
                            )),
                        ));
                    }
                    let top = values.last().copied().unwrap_or(0);
                    let bits = (8..=16).find(|b| u64::from(top) < (1u64 << b));
                    if !bits.is_some_and(|b| mesh_is_even(&values, b)) {
                        return Err(expected(
                            line,
                            "an evenly spaced mesh line of 8..16-bit input codes (a non-uniform \
                             mesh is not supported)",
                            content,
                        ));
                    }
                    mesh = Some(values);
                }
                Some(mesh) => {
                    let n = mesh.len();
                    if raw.len() >= n.pow(3) {
                        let kind = ParseErrorKind::TooManyDataLines { expected: n.pow(3) };
                        return Err(err(line, kind));
                    }
                    let [r, g, b] = <[u32; 3]>::try_from(values.as_slice()).map_err(|_| {
                        err(
                            line,
                            ParseErrorKind::WrongValueCount {
                                what: "a data line",
                                expected: 3,
                                found: values.len(),
                            },
                        )
                    })?;
                    raw.push([r, g, b]);
                    data_lines.push(line);
                }
            }
            continue;
        }
        match first {
            "3DMESH" if mesh.is_none() => {}
            "Mesh" if mesh.is_none() && mesh_header.is_none() => {
                let [a, b] =
                    tokens::<2>(&content[first.len()..], "Mesh").map_err(|k| err(line, k))?;
                let bits_in = integer(a).map_err(|k| err(line, k))?;
                let bits_out = integer(b).map_err(|k| err(line, k))?;
                if !(0..=6).contains(&bits_in) || !(8..=16).contains(&bits_out) {
                    return Err(expected(
                        line,
                        "`Mesh A B` with A in 0..=6 (2^A + 1 points) and B in 8..=16 bits",
                        content,
                    ));
                }
                mesh_header = Some((bits_in, bits_out, line));
            }
            "LUT8" | "gamma" if mesh.is_some() => trailer = true,
            _ => {
                let what = if mesh.is_none() {
                    "3DMESH, `Mesh A B` or the mesh line of input codes"
                } else {
                    "a data line of three integers"
                };
                return Err(expected(line, what, content));
            }
        }
    }
    let Some(mesh) = mesh else {
        return Err(expected(last_line, "the mesh line of input codes", "the end of the file"));
    };
    let n = mesh.len();
    if raw.len() != n.pow(3) {
        let kind = ParseErrorKind::TooFewDataLines { expected: n.pow(3), found: raw.len() };
        return Err(err(last_line, kind));
    }
    let largest = raw.iter().flatten().copied().max().unwrap_or(0);
    let bits = match mesh_header {
        Some((_, bits, at)) => {
            if u64::from(largest) >= 1u64 << bits {
                let line =
                    raw.iter().position(|v| v.contains(&largest)).map_or(at, |i| data_lines[i]);
                return Err(expected(
                    line,
                    &format!("entries below 2^{bits} (`Mesh` on line {at} says {bits}-bit)"),
                    &largest.to_string(),
                ));
            }
            bits
        }
        None => match OUTPUT_BITS.into_iter().find(|b| u64::from(largest) < (1u64 << b)) {
            Some(bits) => bits,
            None => {
                let i = raw.iter().position(|v| v.contains(&largest)).unwrap_or(0);
                return Err(expected(
                    data_lines[i],
                    "entries of at most 16 bits",
                    &largest.to_string(),
                ));
            }
        },
    };
    let scale = 1.0 / ((1u64 << bits) - 1) as f64;
    // File order is blue fastest; `.cube` order is red fastest.
    let mut data = vec![Vec3::ZERO; n.pow(3)];
    for (i, [r, g, b]) in raw.into_iter().enumerate() {
        let (ri, gi, bi) = (i / (n * n), (i / n) % n, i % n);
        data[ri + n * (gi + n * bi)] = Vec3::new(
            (f64::from(r) * scale) as f32,
            (f64::from(g) * scale) as f32,
            (f64::from(b) * scale) as f32,
        );
    }
    Ok(CubeLut {
        title: None,
        comments: Vec::new(),
        size: n as u32,
        domain_min: Vec3::ZERO,
        domain_max: Vec3::ONE,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-point 10-bit mesh: entry (r, g, b) holds (r·1023, g·511, b·2), blue fastest.
    const SMALL: &str = "# comment\n\n0 1023\n\
        0 0 0\n0 0 2\n0 511 0\n0 511 2\n1023 0 0\n1023 0 2\n1023 511 0\n1023 511 2\n";

    #[test]
    fn reorders_blue_fastest_and_scales_by_the_bit_depth() {
        let lut = parse_3dl(SMALL, None).unwrap();
        assert_eq!(lut.size, 2);
        // Entry (r=1, g=0, b=1) is .cube index 1 + 4 = 5.
        assert_eq!(lut.data[5], Vec3::new(1.0, 0.0, 2.0 / 1023.0));
        assert_eq!(lut.data[2], Vec3::new(0.0, 511.0 / 1023.0, 0.0));
        // A 12-bit Mesh line changes the scale.
        let meshed = format!("3DMESH\nMesh 0 12\n{}", &SMALL[11..]);
        assert_eq!(parse_3dl(&meshed, None).unwrap().data[7].x, 1023.0 / 4095.0);
    }

    #[test]
    fn errors_name_line_and_expectation() {
        let cases: &[(String, usize, &str)] = &[
            ("0 1023\n0 0 0\n".into(), 2, "ends after 1 of 8"),
            (format!("{SMALL}0 0 0\n"), 12, "more data lines than the 8"),
            (SMALL.replace("0 511 0\n", "0 x 0\n"), 6, "expected a non-negative integer, found `x`"),
            (SMALL.replace("0 511 0\n", "0 -1 0\n"), 6, "non-negative integer"),
            (SMALL.replace("0 511 0\n", "0 1 0 1\n"), 6, "needs 3 value(s), found 4"),
            (SMALL.replace("0 1023\n", "0 100 1023\n"), 3, "evenly spaced"),
            ("0\n".into(), 1, "out of range 2..=65"),
            ("FOO\n".into(), 1, "expected 3DMESH"),
            ("Mesh 9 12\n".into(), 1, "A in 0..=6"),
            ("Mesh 2 12\n0 1023\n".into(), 2, "says 5"),
            ("3DMESH\nMesh 0 10\n0 1023\n2000 0 0\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n".into(), 4, "below 2^10"),
            ("0 1023\n70000 0 0\n".into(), 2, "ends after 1"),
            (format!("{SMALL}LUT8\n0 0 0\n"), 13, "nothing after LUT8"),
            ("# only a comment\n".into(), 1, "expected the mesh line"),
        ];
        for (text, line, needle) in cases {
            let message = parse_3dl(text, None).unwrap_err().to_string();
            assert!(message.starts_with(&format!("line {line}: ")), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: `{message}` lacks `{needle}`");
        }
    }
}

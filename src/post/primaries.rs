//! RGB colour spaces by their published primaries and white point, and the 3×3 matrices
//! between them, derived here (in f64) rather than copied.
//!
//! [`rgb_to_xyz`] is the normalised primary matrix of SMPTE RP 177: the columns are the
//! primaries' XYZ scaled so that RGB (1, 1, 1) is the white point with Y = 1. [`conversion`]
//! goes from one space to another through XYZ, adapting the white point with the Bradford
//! transform (von Kries scaling in the Bradford cone space) when the two whites differ, as
//! the ACES documents do for D65 ↔ the ACES white.
//!
//! afterlight's working space is scene-linear Rec.709 / sRGB primaries with a D65 white
//! ([`REC709`]): the renderer's lighting, the grade and the tone mappers all work in it.

/// A row-major 3×3 matrix: `out[i] = Σ m[i][j] · in[j]`.
pub type Matrix3 = [[f64; 3]; 3];

/// An RGB space: the CIE 1931 xy chromaticities of its primaries and of its white point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Primaries {
    /// The space's name, for messages.
    pub name: &'static str,
    /// Red, green, blue primaries, xy.
    pub rgb: [[f64; 2]; 3],
    /// The white point, xy.
    pub white: [f64; 2],
}

/// D65 as ITU-R BT.709 gives it.
pub const D65: [f64; 2] = [0.3127, 0.3290];

/// The ACES white (SMPTE ST 2065-1), near D60.
pub const ACES_WHITE: [f64; 2] = [0.32168, 0.33767];

/// ITU-R BT.709 / sRGB: afterlight's working primaries.
pub const REC709: Primaries =
    Primaries { name: "Rec.709", rgb: [[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]], white: D65 };

/// ARRI Wide Gamut 3 (the ALEXA LogC3 gamut; ARRI "ALEXA Log C Curve" white paper).
pub const ARRI_WIDE_GAMUT_3: Primaries = Primaries {
    name: "ARRI Wide Gamut 3",
    rgb: [[0.6840, 0.3130], [0.2210, 0.8480], [0.0861, -0.1020]],
    white: D65,
};

/// ARRI Wide Gamut 4 (ARRI "LogC4 Logarithmic Color Space" specification).
pub const ARRI_WIDE_GAMUT_4: Primaries = Primaries {
    name: "ARRI Wide Gamut 4",
    rgb: [[0.7347, 0.2653], [0.1424, 0.8576], [0.0991, -0.0308]],
    white: D65,
};

/// Sony S-Gamut3.Cine (Sony "Technical Summary for S-Gamut3.Cine/S-Log3 and
/// S-Gamut3/S-Log3").
pub const S_GAMUT3_CINE: Primaries = Primaries {
    name: "S-Gamut3.Cine",
    rgb: [[0.766, 0.275], [0.225, 0.800], [0.089, -0.087]],
    white: D65,
};

/// ACES AP1, the ACEScg / ACEScct primaries (SMPTE S-2014-004), with the ACES white.
pub const AP1: Primaries = Primaries {
    name: "ACES AP1",
    rgb: [[0.713, 0.293], [0.165, 0.830], [0.128, 0.044]],
    white: ACES_WHITE,
};

/// `xy` to XYZ with Y = 1.
fn xy_to_xyz([x, y]: [f64; 2]) -> [f64; 3] {
    [x / y, 1.0, (1.0 - x - y) / y]
}

/// `a · b`.
pub fn multiply(a: &Matrix3, b: &Matrix3) -> Matrix3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

/// `m · v`.
pub fn apply(m: &Matrix3, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| (0..3).map(|k| m[i][k] * v[k]).sum())
}

/// The inverse of `m` by the adjugate (the matrices here are far from singular).
pub fn invert(m: &Matrix3) -> Matrix3 {
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    // Cofactor (i, j) goes to (j, i) of the inverse.
    std::array::from_fn(|i| std::array::from_fn(|j| c(j, i) / det))
}

/// The normalised primary matrix: linear RGB in `p` to CIE XYZ, white at Y = 1.
pub fn rgb_to_xyz(p: &Primaries) -> Matrix3 {
    let columns = p.rgb.map(xy_to_xyz);
    let m: Matrix3 = std::array::from_fn(|i| std::array::from_fn(|j| columns[j][i]));
    let scale = apply(&invert(&m), xy_to_xyz(p.white));
    std::array::from_fn(|i| std::array::from_fn(|j| m[i][j] * scale[j]))
}

/// The Bradford cone response matrix (Lam 1985, as ICC and ACES use it).
const BRADFORD: Matrix3 =
    [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]];

/// XYZ under white `from` to XYZ under white `to`, by Bradford.
pub fn bradford(from: [f64; 2], to: [f64; 2]) -> Matrix3 {
    let (s, d) = (apply(&BRADFORD, xy_to_xyz(from)), apply(&BRADFORD, xy_to_xyz(to)));
    let scale: Matrix3 =
        std::array::from_fn(|i| std::array::from_fn(|j| if i == j { d[i] / s[i] } else { 0.0 }));
    multiply(&invert(&BRADFORD), &multiply(&scale, &BRADFORD))
}

/// Linear RGB in `from` to linear RGB in `to`, through XYZ, Bradford-adapted when the whites
/// differ. Maps `from`'s white (1, 1, 1) to `to`'s white (1, 1, 1).
pub fn conversion(from: &Primaries, to: &Primaries) -> Matrix3 {
    let mut m = rgb_to_xyz(from);
    if from.white != to.white {
        m = multiply(&bradford(from.white, to.white), &m);
    }
    multiply(&invert(&rgb_to_xyz(to)), &m)
}

/// `m` as a column-major `glam::Mat3` in f32, for the per-pixel code.
pub fn to_mat3(m: &Matrix3) -> glam::Mat3 {
    glam::Mat3::from_cols_array_2d(&std::array::from_fn(|j| {
        std::array::from_fn(|i| m[i][j] as f32)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: &Matrix3, want: &Matrix3, tolerance: f64, what: &str) -> f64 {
        let worst =
            (0..9).map(|k| (got[k / 3][k % 3] - want[k / 3][k % 3]).abs()).fold(0.0, f64::max);
        assert!(worst < tolerance, "{what}: off by {worst:e}\n got {got:?}\nwant {want:?}");
        worst
    }

    /// The normalised primary matrices against the ones the specifications publish.
    #[test]
    fn derived_matrices_match_the_published_ones() {
        let published: [(&Primaries, Matrix3); 5] = [
            // IEC 61966-2-1 (sRGB), to 4 decimals there.
            (
                &REC709,
                [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]],
            ),
            // ARRI, "ALEXA Log C Curve - Usage in VFX" (AWG3 to XYZ).
            (
                &ARRI_WIDE_GAMUT_3,
                [
                    [0.638008, 0.214704, 0.097744],
                    [0.291954, 0.823841, -0.115795],
                    [0.002798, -0.067034, 1.153294],
                ],
            ),
            // ARRI, "LogC4 Logarithmic Color Space" (AWG4 to XYZ).
            (
                &ARRI_WIDE_GAMUT_4,
                [
                    [0.704858320407232, 0.129760295170463, 0.115837311473976],
                    [0.254524176404027, 0.781477732712002, -0.036001909116029],
                    [0.0, 0.0, 1.089057750759878],
                ],
            ),
            // Sony, S-Gamut3.Cine to XYZ.
            (
                &S_GAMUT3_CINE,
                [
                    [0.599083920758327, 0.248925516115424, 0.102446490177921],
                    [0.215075820115587, 0.885068501744728, -0.100144321860315],
                    [-0.032065849545059, -0.027658390679153, 1.14878199098117],
                ],
            ),
            // SMPTE S-2014-004 (AP1 to XYZ).
            (
                &AP1,
                [
                    [0.6624541811, 0.1340042065, 0.1561876870],
                    [0.2722287168, 0.6740817658, 0.0536895174],
                    [-0.0055746495, 0.0040607335, 1.0103391003],
                ],
            ),
        ];
        for (p, want) in published {
            let worst = assert_close(&rgb_to_xyz(p), &want, 1e-4, p.name);
            println!("{} to XYZ: max |derived − published| {worst:.1e}", p.name);
        }
    }

    /// White maps to white, the inverse inverts, and Rec.709 to AP1 matches the
    /// Bradford-adapted matrix the ACES configurations use.
    #[test]
    fn conversions_keep_white_and_match_aces() {
        for to in [&ARRI_WIDE_GAMUT_3, &ARRI_WIDE_GAMUT_4, &S_GAMUT3_CINE, &AP1] {
            let m = conversion(&REC709, to);
            let white = apply(&m, [1.0; 3]);
            assert!(white.iter().all(|w| (w - 1.0).abs() < 1e-12), "{}: {white:?}", to.name);
            let back = multiply(&conversion(to, &REC709), &m);
            let identity = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
            assert_close(&back, &identity, 1e-12, to.name);
        }
        let aces = [
            [0.6130973, 0.3395229, 0.0473793],
            [0.0701942, 0.9163556, 0.0134526],
            [0.0206156, 0.1095698, 0.8698151],
        ];
        let worst = assert_close(&conversion(&REC709, &AP1), &aces, 1e-4, "Rec.709 to AP1");
        println!("Rec.709 to AP1 (Bradford): max |derived − published| {worst:.1e}");
        let m = to_mat3(&conversion(&REC709, &AP1));
        assert!(
            (m * glam::Vec3::X - glam::Vec3::new(0.6130973, 0.0701942, 0.0206156))
                .abs()
                .max_element()
                < 1e-4
        );
    }
}

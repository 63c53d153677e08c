//! A PNG chart of per-pass GPU milliseconds: one block of horizontal bars per run (scene x
//! preset x resolution), one bar per pass in the run's recording order, its length the
//! median on a scale shared by every run, a thin dark tick at p90. Passes keep one colour
//! across runs ([`pass_colour`]); the markdown report names the colours ([`legend`]).

use super::BenchReport;

const PALETTE: [[u8; 3]; 10] = [
    [66, 133, 244],
    [219, 68, 55],
    [15, 157, 88],
    [244, 180, 0],
    [171, 71, 188],
    [0, 172, 193],
    [255, 112, 67],
    [158, 157, 36],
    [92, 107, 192],
    [121, 85, 72],
];

/// Every pass name in the report, in order of first appearance: the colour index.
fn pass_names(report: &BenchReport) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for pass in report.runs.iter().flat_map(|r| &r.passes) {
        if !names.contains(&pass.name) {
            names.push(pass.name.clone());
        }
    }
    names
}

/// The colour of the pass at `index` in the legend.
pub fn pass_colour(index: usize) -> [u8; 3] {
    PALETTE[index % PALETTE.len()]
}

/// `pass: #rrggbb` for every pass, for a caption.
pub fn legend(report: &BenchReport) -> String {
    pass_names(report)
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let [r, g, b] = pass_colour(i);
            format!("{name} #{r:02x}{g:02x}{b:02x}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bar height and the gap between runs, pixels.
const BAR: u32 = 10;
const GAP: u32 = 12;

/// Draw the chart, `width` pixels wide (at least 64).
pub fn chart(report: &BenchReport, width: u32) -> image::RgbImage {
    let width = width.max(64);
    let names = pass_names(report);
    let rows: u32 = report.runs.iter().map(|r| r.passes.len() as u32).sum();
    let height = (rows * BAR + report.runs.len() as u32 * GAP + GAP).max(16);
    let mut img = image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    let top_ms = report
        .runs
        .iter()
        .flat_map(|r| &r.passes)
        .map(|p| p.gpu_ms.p90)
        .fold(0.0f64, f64::max)
        .max(1e-6);
    let plot = f64::from(width - 8);
    let x_of = |ms: f64| 4 + ((ms / top_ms).clamp(0.0, 1.0) * plot) as u32;
    let mut y = GAP;
    for run in &report.runs {
        // A grey rule marks each run's block.
        for x in 0..width {
            img.put_pixel(x, y - GAP / 2, image::Rgb([200, 200, 200]));
        }
        for pass in &run.passes {
            let colour = names.iter().position(|n| *n == pass.name).map_or([0; 3], pass_colour);
            for yy in y + 1..y + BAR - 1 {
                for x in 4..x_of(pass.gpu_ms.median).max(5) {
                    img.put_pixel(x, yy, image::Rgb(colour));
                }
                let tick = x_of(pass.gpu_ms.p90).min(width - 1);
                img.put_pixel(tick, yy, image::Rgb([40, 40, 40]));
            }
            y += BAR;
        }
        y += GAP;
    }
    img
}

impl BenchReport {
    /// Write [`chart`] as a PNG.
    pub fn write_chart(&self, path: &std::path::Path, width: u32) -> Result<(), crate::Error> {
        chart(self, width)
            .save(path)
            .map_err(|e| crate::Error::Output { path: path.to_owned(), reason: e.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_as_long_as_their_medians() {
        let report = crate::bench::compare::tests::report(&[("a", 1.0), ("b", 0.5)]);
        let img = chart(&report, 208);
        assert_eq!(img.height(), 2 * BAR + 2 * GAP);
        let coloured = |row: u32, colour: [u8; 3]| {
            (0..img.width()).filter(|x| img.get_pixel(*x, row).0 == colour).count()
        };
        let (a, b) =
            (coloured(GAP + BAR / 2, pass_colour(0)), coloured(GAP + BAR * 3 / 2, pass_colour(1)));
        // 200 px for the slowest pass (p90 = median here), half of that for the other.
        assert!((199..=200).contains(&a) && (99..=100).contains(&b), "{a} {b}");
        assert!(legend(&report).starts_with("a #4285f4, b #"));
    }
}

//! The benchmark's chart (feature `charts`): one panel per run (scene × preset × resolution)
//! of horizontal bars, one per pass in the run's recording order, named on the axis. A bar is
//! the pass's median GPU milliseconds on a scale shared by every panel, a whisker runs on from
//! it to the p99 with ticks at the p90 and the p99, and its value is written at its end. Against a baseline
//! ([`super::compare()`]) each pass gets the baseline's median as a grey bar above its own, the
//! ratio at the end, and a regression is written in red. The title names the adapter, the
//! frames and the build; each panel's caption names the run and its whole-frame median.
//!
//! The same drawing makes the PNG ([`BenchReport::write_chart`]) and the SVG of the HTML
//! report ([`chart_svg`]), where hovering a row shows the pass's full figures.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::compare::{Comparison, run_label};
use super::{BenchReport, RunResult};
use crate::charts::{self, ChartError, Hover};

/// Pixels: the title block, a run's caption, one pass row (two with a baseline), the x axis.
const TITLE: u32 = 52;
const CAPTION: u32 = 26;
const ROW: u32 = 22;
const ROW_COMPARED: u32 = 30;
const X_AXIS: u32 = 44;

/// The baseline's figures for one pass of one run.
fn compared<'a>(
    comparisons: &'a [Comparison],
    run: &RunResult,
    pass: &str,
) -> Option<&'a Comparison> {
    let label = run_label(run);
    comparisons.iter().find(|c| c.run == label && c.pass == pass && c.members.is_empty())
}

/// The chart's height for `report` (with or without comparisons).
pub fn chart_height(report: &BenchReport, comparing: bool) -> u32 {
    let row = if comparing { ROW_COMPARED } else { ROW };
    title_height(comparing)
        + report
            .runs
            .iter()
            .map(|r| CAPTION + r.passes.len().max(1) as u32 * row + X_AXIS)
            .sum::<u32>()
}

/// The shared scale's top: the slowest p99 (or baseline median) plus room for the value text.
fn top_ms(report: &BenchReport, comparisons: &[Comparison]) -> f64 {
    let slowest = report
        .runs
        .iter()
        .flat_map(|r| &r.passes)
        .map(|p| p.gpu_ms.p99.max(p.gpu_ms.median))
        // The frame's and the sums' comparisons have no bar.
        .chain(
            comparisons
                .iter()
                .filter(|c| c.pass != "frame" && c.members.is_empty())
                .map(|c| c.baseline_ms),
        )
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if slowest > 0.0 { slowest * 1.3 } else { 1.0 }
}

/// The title block's height: two lines, three with a baseline.
fn title_height(comparing: bool) -> u32 {
    if comparing { TITLE + 20 } else { TITLE }
}

/// The title's lines.
fn title(report: &BenchReport, comparing: bool) -> Vec<String> {
    let a = &report.adapter;
    let s = &report.settings;
    let mut lines = vec![
        format!(
            "GPU time per pass, ms: {} ({})",
            a.name,
            [a.backend.as_str(), a.driver.as_str(), a.driver_info.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "{} frames after {} warm-up, {} build. Bar: median; whisker from it to the p99, ticks at p90 and p99",
            s.frames, s.warm_up, report.build.profile,
        ),
    ];
    if comparing {
        lines.push(
            "Grey bar: the baseline's median; ×ratio = this run / baseline; red: a regression"
                .into(),
        );
    }
    lines
}

/// Draw the chart on `root`; returns each pass row's hover region.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &BenchReport,
    comparisons: &[Comparison],
) -> Result<Vec<Hover>, ChartError> {
    let comparing = !comparisons.is_empty();
    let row = if comparing { ROW_COMPARED } else { ROW };
    for (i, line) in title(report, comparing).into_iter().enumerate() {
        let style =
            if i == 0 { charts::text(20, BLACK) } else { charts::text(15, RGBColor(60, 60, 60)) };
        root.draw(&Text::new(line, (10, 8 + 24 * i as i32), style))?;
    }
    let names: Vec<&str> = pass_names(report);
    let label_width = report
        .runs
        .iter()
        .flat_map(|r| &r.passes)
        .map(|p| charts::text_width(&p.name, 15))
        .max()
        .unwrap_or(40)
        + 16;
    let top = top_ms(report, comparisons);
    let mut hovers = Vec::new();
    let (_, mut rest) = root.split_vertically(title_height(comparing));
    for run in &report.runs {
        let n = run.passes.len().max(1) as u32;
        let (panel, below) = rest.split_vertically(CAPTION + n * row + X_AXIS);
        rest = below;
        let frame = run.frame_gpu_ms.map_or("no frame time".to_owned(), |f| {
            format!("frame {} median", charts::ms(f.median))
        });
        let frame_ratio = compared(comparisons, run, "frame")
            .map_or(String::new(), |c| format!(" ×{:.2} baseline{}", c.ratio, c.verdict()));
        // The sums (the post passes, passes named together) have no bars: their ratios here.
        let label = run_label(run);
        let sums: String = comparisons
            .iter()
            .filter(|c| c.run == label && !c.members.is_empty())
            .map(|c| format!("; {} ×{:.2}{}", c.pass, c.ratio, c.verdict()))
            .collect();
        let caption = format!(
            "{} ({}×{}): {frame}{frame_ratio}{sums}",
            run_label(run),
            run.resolution.width,
            run.resolution.height,
        );
        // A segmented 0..k has k + 1 segments, so one per pass is 0..n - 1; a single pass
        // keeps 0..1 (an empty 0..0 does not draw) and an empty row below it.
        let last_row = (n as i32 - 1).max(1);
        let mut chart = ChartBuilder::on(&panel)
            .caption(caption, charts::text(16, BLACK))
            .margin_left(10)
            .margin_right(24)
            .x_label_area_size(X_AXIS - 6)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0.0..top, (0..last_row).into_segmented())?;
        let passes = &run.passes;
        let row_of = |i: usize| last_row - i as i32;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("GPU time per frame (ms)")
            .x_label_formatter(&|v| charts::tick(*v, top))
            .light_line_style(WHITE)
            .y_labels(n as usize)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(r) => usize::try_from(last_row - r)
                    .ok()
                    .and_then(|i| passes.get(i))
                    .map_or(String::new(), |p| p.name.clone()),
                _ => String::new(),
            })
            .label_style(charts::text(15, BLACK))
            .axis_desc_style(charts::text(15, BLACK))
            .draw()?;
        for (i, pass) in passes.iter().enumerate() {
            let r = row_of(i);
            let colour = charts::colour(names.iter().position(|n| *n == pass.name).unwrap_or(0));
            let base = comparing.then(|| compared(comparisons, run, &pass.name)).flatten();
            let (bar_top, bar_bottom) = if comparing { (14, 3) } else { (4, 4) };
            if let Some(c) = base {
                let mut grey = Rectangle::new(
                    [(0.0, SegmentValue::Exact(r)), (c.baseline_ms, SegmentValue::Exact(r + 1))],
                    RGBColor(190, 190, 190).filled(),
                );
                grey.set_margin(3, 14, 0, 0);
                chart.draw_series(std::iter::once(grey))?;
            }
            let median = pass.gpu_ms.median.max(0.0);
            let mut bar = Rectangle::new(
                [(0.0, SegmentValue::Exact(r)), (median, SegmentValue::Exact(r + 1))],
                colour.filled(),
            );
            bar.set_margin(bar_top, bar_bottom, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            let centre = |ms: f64| {
                let (x, y) = chart.backend_coord(&(ms, SegmentValue::Exact(r)));
                let (_, y1) = chart.backend_coord(&(ms, SegmentValue::Exact(r + 1)));
                (x, if comparing { y1 + (y - y1) * 2 / 3 } else { (y + y1) / 2 })
            };
            let (median_end, p90, p99) =
                (centre(median), centre(pass.gpu_ms.p90), centre(pass.gpu_ms.p99));
            let whisker = RGBColor(40, 40, 40);
            root.draw(&PathElement::new(vec![median_end, p99], whisker.stroke_width(1)))?;
            for end in [p90, p99] {
                root.draw(&PathElement::new(
                    vec![(end.0, end.1 - 4), (end.0, end.1 + 4)],
                    whisker.stroke_width(1),
                ))?;
            }
            let end = centre(pass.gpu_ms.median.max(pass.gpu_ms.p99));
            let mut label = charts::ms(pass.gpu_ms.median);
            let mut style = charts::text(14, BLACK);
            if let Some(c) = base {
                label = format!("{label}  ×{:.2}{}", c.ratio, c.verdict());
                if c.regression {
                    style = charts::text(14, charts::BUDGET_RED);
                }
            }
            let style = style.pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            ));
            root.draw(&Text::new(label, (end.0 + 6, end.1), style))?;
            let (x0, y0) = chart.backend_coord(&(0.0, SegmentValue::Exact(r + 1)));
            let (x1, y1) = chart.backend_coord(&(top, SegmentValue::Exact(r)));
            let mut text = format!(
                "{} ({}): median {}, p90 {}, p99 {}, CPU encode {}",
                pass.name,
                run_label(run),
                charts::ms(pass.gpu_ms.median),
                charts::ms(pass.gpu_ms.p90),
                charts::ms(pass.gpu_ms.p99),
                charts::ms(pass.cpu_encode_ms.median)
            );
            if let Some(c) = base {
                text.push_str(&format!(
                    "; baseline {}, ×{:.3}{}",
                    charts::ms(c.baseline_ms),
                    c.ratio,
                    c.verdict().replacen(' ', ", ", 1)
                ));
            }
            hovers.push(Hover { from: (x0 - label_width as i32, y0), to: (x1, y1), text });
        }
    }
    Ok(hovers)
}

/// Every pass name in the report, in order of first appearance: the colour index.
fn pass_names(report: &BenchReport) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for pass in report.runs.iter().flat_map(|r| &r.passes) {
        if !names.contains(&pass.name.as_str()) {
            names.push(&pass.name);
        }
    }
    names
}

/// Draw the chart, `width` pixels wide (at least 480), as an image.
pub fn chart(
    report: &BenchReport,
    comparisons: &[Comparison],
    width: u32,
) -> Result<image::RgbImage, ChartError> {
    let height = chart_height(report, !comparisons.is_empty());
    charts::png(width.max(480), height, |root| draw(&root, report, comparisons))
}

/// The chart as an SVG document, `width` units wide, with a tooltip per pass.
pub fn chart_svg(
    report: &BenchReport,
    comparisons: &[Comparison],
    width: u32,
) -> Result<String, ChartError> {
    let height = chart_height(report, !comparisons.is_empty());
    charts::svg(width.max(480), height, |root| draw(&root, report, comparisons))
}

impl BenchReport {
    /// Write [`chart`] as a PNG (`comparisons` against a baseline, or none).
    pub fn write_chart(
        &self,
        path: &std::path::Path,
        comparisons: &[Comparison],
        width: u32,
    ) -> Result<(), crate::Error> {
        let output = |reason: String| crate::Error::Output { path: path.to_owned(), reason };
        chart(self, comparisons, width)
            .map_err(|e| output(e.0))?
            .save(path)
            .map_err(|e| output(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::compare;

    /// Dark pixels (text, axes) in a rectangle of the image.
    fn ink(img: &image::RgbImage, x: std::ops::Range<u32>, y: std::ops::Range<u32>) -> usize {
        y.flat_map(|y| x.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|c| *c < 110))
            .count()
    }

    #[test]
    fn bars_are_as_long_as_their_medians_and_labelled() {
        let report = compare::tests::report(&[("a", 1.0), ("bloom", 0.5)]);
        let img = chart(&report, &[], 600).expect("draws");
        assert_eq!(img.height(), chart_height(&report, false));
        // The rows: the first pass on top, its bar twice as long as the second's.
        let longest_row = |c: RGBColor| {
            (0..img.height())
                .map(|y| {
                    let n = (0..img.width()).filter(|x| img.get_pixel(*x, y).0 == [c.0, c.1, c.2]);
                    (n.count() as f64, y)
                })
                .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a })
        };
        let ((a, a_y), (b, b_y)) = (longest_row(charts::colour(0)), longest_row(charts::colour(1)));
        assert!(a > 100.0 && (a / b - 2.0).abs() < 0.05 && a_y < b_y, "{a} {b} {a_y} {b_y}");
        // Text where the title, the pass names (left of the bars) and the x axis must be.
        assert!(ink(&img, 10..400, 8..26) > 100, "no title");
        assert!(ink(&img, 0..60, b_y - 7..b_y + 7) > 20, "no pass name");
        let axis = chart_height(&report, false) - 30;
        assert!(ink(&img, 100..500, axis..axis + 28) > 100, "no x axis text");
    }

    /// One row per pass and no empty one: of three passes, the first's bar is in the plot's
    /// top sixth (an empty row above it would put it at three eighths). One pass draws too.
    #[test]
    fn each_pass_has_a_row_and_no_row_is_empty() {
        let bar_rows = |passes: &[(&str, f64)]| {
            let report = compare::tests::report(passes);
            let img = chart(&report, &[], 600).expect("draws");
            let colour = charts::colour(0);
            let colour = [colour.0, colour.1, colour.2];
            let rows: Vec<u32> = (0..img.height())
                .filter(|y| (0..img.width()).any(|x| img.get_pixel(x, *y).0 == colour))
                .collect();
            (rows, title_height(false) + CAPTION, img.height() - X_AXIS)
        };
        let (rows, top, bottom) = bar_rows(&[("taa", 1.0), ("bloom", 0.5), ("finish", 0.2)]);
        let centre = rows.iter().sum::<u32>() as f64 / rows.len().max(1) as f64;
        let plot = f64::from(bottom - top);
        assert!(centre > f64::from(top) && centre < f64::from(top) + plot / 4.0, "{rows:?}");
        let (rows, top, bottom) = bar_rows(&[("finish", 1.0)]);
        assert!(!rows.is_empty() && rows.iter().all(|y| (top..bottom).contains(y)), "{rows:?}");
    }

    #[test]
    fn the_svg_names_every_pass_its_values_and_the_units() {
        let report = compare::tests::report(&[("ssao", 1.25), ("bloom", 0.5), ("tonemap", 0.125)]);
        let svg = chart_svg(&report, &[], 800).expect("draws");
        let texts = charts::svg_texts(&svg);
        for text in [
            "ssao",
            "bloom",
            "tonemap",
            "GPU time per frame (ms)",
            "1.25 ms",
            "0.500 ms",
            "0.125 ms",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} missing from {texts:?}");
        }
        assert!(texts.iter().any(|t| t.starts_with("s / p / 64x64 (64×64): frame 1.88 ms")));
        assert!(svg.contains("<title>bloom (s / p / 64x64): median 0.500 ms"), "no hover");
        // Tick values on the ms axis: the scale runs to 1.3 × 1.25 ms.
        assert!(
            ["0.0", "0.4", "0.8", "1.2", "1.6"].iter().all(|t| texts.iter().any(|x| x == t)),
            "{texts:?}"
        );
    }

    #[test]
    fn a_baseline_adds_grey_bars_ratios_and_marks_regressions() {
        let old = compare::tests::report(&[("ssao", 1.0), ("bloom", 0.5)]);
        let new = compare::tests::report(&[("ssao", 1.5), ("bloom", 0.5)]);
        let comparisons = compare(&new, &old, &[]);
        let svg = chart_svg(&new, &comparisons, 800).expect("draws");
        let texts = charts::svg_texts(&svg);
        assert!(texts.iter().any(|t| t == "1.50 ms  ×1.50 REGRESSION"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "0.500 ms  ×1.00"), "{texts:?}");
        assert!(svg.contains("baseline 1.00 ms, ×1.500, REGRESSION"), "no hover");
        assert!(
            texts.iter().any(|t| t.ends_with(
                "frame 2.00 ms median ×1.33 baseline REGRESSION; post passes ×1.33 REGRESSION"
            )),
            "{texts:?}"
        );
        let img = chart(&new, &comparisons, 800).expect("draws");
        let grey = img.pixels().filter(|p| p.0 == [190, 190, 190]).count();
        assert!(grey > 500, "{grey} baseline pixels");
    }
}

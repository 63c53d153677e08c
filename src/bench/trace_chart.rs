//! The budget trace's chart (feature `charts`): what `afterlight bench --budget` draws as
//! bench-trace.png and in its HTML page.
//!
//! On top, each frame's GPU time (grey line) against the frame number, with the budget (red)
//! and the governor's steering line (orange) named in a legend with their values; frames
//! above the plot's range are drawn at its top edge as red triangles (named in the legend too),
//! and each governor decision is a dashed vertical line numbered as in the decision list.
//! Below it, one lane per knob in the governor's order, named on the left, whose filled height
//! is the knob's level over the same frames: a tier from off to ultra, a user pass off or on,
//! the render scale from 0.5 to 1, with the lane's ends written on its axis. Hovering a lane's
//! stretch in the SVG shows the knob, its level and the frames.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::charts::{self, ChartError, Hover};
use crate::post::budget::BudgetTrace;

/// Pixels: the title block, the frame-time plot, one knob lane, the x axis below the lanes.
const TITLE: u32 = 54;
const PLOT: u32 = 300;
const LANE: u32 = 46;
const X_AXIS: u32 = 44;
/// The left label column.
const LABELS: u32 = 150;

/// The tiers' names by lane value.
const TIERS: [&str; 5] = ["off", "low", "medium", "high", "ultra"];

/// The chart's height for `trace` (`width` is free).
pub fn chart_height(trace: &BudgetTrace) -> u32 {
    TITLE + PLOT + lanes(trace).len() as u32 * LANE + X_AXIS
}

/// The knob names, top to bottom (the first frame's order).
fn lanes(trace: &BudgetTrace) -> Vec<&str> {
    trace
        .frames
        .first()
        .map(|f| f.knobs.iter().map(|(n, _)| n.as_str()).collect())
        .unwrap_or_default()
}

/// The plot's top: the slowest frame with 5% room, at least 1.5 and at most 4 budgets.
fn top_ms(trace: &BudgetTrace) -> f64 {
    let slowest = trace.measured_ms().into_iter().filter(|v| v.is_finite()).fold(0.0, f64::max);
    let budget = trace.budget_ms;
    if budget.is_finite() && budget > 0.0 {
        (slowest * 1.05).clamp(budget * 1.5, budget * 4.0)
    } else if slowest > 0.0 {
        slowest * 1.1
    } else {
        1.0
    }
}

/// A lane's range and the names of its ends.
fn lane_scale(kind: &str) -> (f64, f64, &'static str, &'static str) {
    match kind {
        "scale" => (0.5, 1.0, "0.5", "1"),
        "switch" => (0.0, 3.0, "off", "on"),
        _ => (0.0, 4.0, "off", "ultra"),
    }
}

/// A lane value in words.
fn level_text(kind: &str, value: f32) -> String {
    match kind {
        "scale" => format!("render scale {value:.2}"),
        "switch" => if value > 0.0 { "on" } else { "off" }.to_owned(),
        _ => TIERS.get(value.round().max(0.0) as usize).copied().unwrap_or("?").to_owned(),
    }
}

/// Draw the chart on `root`; returns the hover regions (knob stretches and decisions).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    trace: &BudgetTrace,
) -> Result<Vec<Hover>, ChartError> {
    let mut hovers = Vec::new();
    let title = if trace.context.is_empty() {
        "Budget trace: frame GPU time and the governor's knobs".to_owned()
    } else {
        format!("Budget trace: {}", trace.context)
    };
    root.draw(&Text::new(title, (10, 8), charts::text(20, BLACK)))?;
    let measured = trace.measured_ms();
    let subtitle = format!(
        "{} frames ({} timed, {}), budget {}, steering line {}; governor: {}",
        trace.frames.len(),
        measured.len(),
        if trace.timing.is_empty() { "timing unknown" } else { &trace.timing },
        charts::ms(trace.budget_ms),
        charts::ms(trace.limit_ms),
        trace.status.split(':').next().unwrap_or_default()
    );
    root.draw(&Text::new(subtitle, (10, 32), charts::text(14, RGBColor(60, 60, 60))))?;
    let first = trace.frames.first().map_or(0, |f| f.frame);
    let last = trace.frames.last().map_or(1, |f| f.frame).max(first + 1);
    let x_range = first as f64..last as f64 + 1.0;
    let top = top_ms(trace);
    let (_, below_title) = root.split_vertically(TITLE);
    let (plot_area, lane_area) = below_title.split_vertically(PLOT);

    let mut plot = ChartBuilder::on(&plot_area)
        .margin_right(20)
        .margin_top(6)
        .margin_bottom(10)
        .x_label_area_size(0)
        .y_label_area_size(LABELS)
        .build_cartesian_2d(x_range.clone(), 0.0..top)?;
    plot.configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .y_label_formatter(&|v| charts::tick(*v, top))
        .label_style(charts::text(14, BLACK))
        .axis_desc_style(charts::text(14, BLACK))
        .draw()?;
    let (_, y_mid) = plot.backend_coord(&(x_range.start, top / 2.0));
    for (i, line) in ["frame GPU", "time (ms)"].into_iter().enumerate() {
        root.draw(&Text::new(line, (10, y_mid - 18 + 20 * i as i32), charts::text(15, BLACK)))?;
    }
    let grey = RGBColor(90, 90, 90);
    let mut segment = Vec::new();
    let mut segments = Vec::new();
    for f in &trace.frames {
        match f.gpu_ms {
            Some(ms) => segment.push((f.frame as f64, ms.min(top))),
            None if !segment.is_empty() => segments.push(std::mem::take(&mut segment)),
            None => {}
        }
    }
    segments.push(segment);
    for (i, points) in segments.into_iter().filter(|s| !s.is_empty()).enumerate() {
        let series = plot.draw_series(LineSeries::new(points, grey.stroke_width(1)))?;
        if i == 0 {
            series.label("frame GPU time").legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], grey.stroke_width(2))
            });
        }
    }
    for (ms, colour, name) in [
        (trace.budget_ms, charts::BUDGET_RED, "budget"),
        (trace.limit_ms, charts::STEERING_ORANGE, "steering line (the governor aims under it)"),
    ] {
        if !(ms.is_finite() && ms > 0.0) {
            continue;
        }
        let shown = ms.min(top);
        plot.draw_series(LineSeries::new(
            [(x_range.start, shown), (x_range.end, shown)],
            colour.stroke_width(2),
        ))?
        .label(format!("{name} {}", charts::ms(ms)))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
    }
    let clipped: Vec<(f64, f64)> = trace
        .frames
        .iter()
        .filter_map(|f| f.gpu_ms.filter(|ms| *ms > top).map(|ms| (f.frame as f64, ms)))
        .collect();
    if !clipped.is_empty() {
        let marker = |x: f64| TriangleMarker::new((x, top), 5, charts::BUDGET_RED.filled());
        plot.draw_series(clipped.iter().map(|(x, _)| marker(*x)))?
            .label(format!(
                "{} frame(s) above {}: drawn at the top",
                clipped.len(),
                charts::ms(top)
            ))
            .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 5, charts::BUDGET_RED.filled()));
        for (x, ms) in &clipped {
            let (px, py) = plot.backend_coord(&(*x, top));
            hovers.push(Hover {
                from: (px - 5, py - 2),
                to: (px + 5, py + 8),
                text: format!("frame {x}: {} (above the plot)", charts::ms(*ms)),
            });
        }
    }
    let dash = RGBColor(60, 60, 160);
    for (i, frame) in trace.decision_frames.iter().enumerate() {
        let x = *frame as f64;
        if !x_range.contains(&x) {
            continue;
        }
        let (px, py_top) = plot.backend_coord(&(x, top));
        let (_, py_bottom) = plot.backend_coord(&(x, 0.0));
        let mut y = py_top;
        while y < py_bottom {
            root.draw(&PathElement::new(
                vec![(px, y), (px, (y + 4).min(py_bottom))],
                dash.stroke_width(1),
            ))?;
            y += 8;
        }
        root.draw(&Text::new(
            format!("{}", i + 1),
            (px + 3, py_bottom - 16),
            charts::text(13, dash),
        ))?;
        hovers.push(Hover {
            from: (px - 3, py_top),
            to: (px + 3, py_bottom),
            text: format!(
                "decision {}: {}",
                i + 1,
                trace.decisions.get(i).map_or("", |d| d.as_str())
            ),
        });
    }
    if !trace.decision_frames.is_empty() {
        plot.draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
            .label("governor decision (numbered as listed)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x + 9, y - 6), (x + 9, y + 6)], dash.stroke_width(1))
            });
    }
    plot.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font(charts::text(13, BLACK))
        .draw()?;

    let names = lanes(trace);
    let mut rest = lane_area;
    for (lane, name) in names.iter().enumerate() {
        let last_lane = lane + 1 == names.len();
        let (area, below) = rest.split_vertically(LANE + if last_lane { X_AXIS } else { 0 });
        rest = below;
        let kind = trace.knob_kinds.get(*name).map_or("tier", String::as_str);
        let (low, high, low_name, high_name) = lane_scale(kind);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(20)
            .margin_top(10)
            .x_label_area_size(if last_lane { X_AXIS } else { 0 })
            .y_label_area_size(LABELS)
            .build_cartesian_2d(x_range.clone(), low..high)?;
        let frame_label = |v: &f64| format!("{v:.0}");
        let mut mesh = chart.configure_mesh();
        mesh.disable_mesh().y_labels(0).axis_desc_style(charts::text(14, BLACK));
        if last_lane {
            mesh.x_desc("frame")
                .x_label_formatter(&frame_label)
                .label_style(charts::text(13, BLACK));
        }
        mesh.draw()?;
        for (value, text, v_pos) in [(low, low_name, VPos::Bottom), (high, high_name, VPos::Top)] {
            let (x, y) = chart.backend_coord(&(x_range.start, value));
            root.draw(&Text::new(
                text,
                (x - 6, y),
                charts::text(12, RGBColor(90, 90, 90)).pos(Pos::new(HPos::Right, v_pos)),
            ))?;
        }
        let colour = charts::colour(lane);
        // One rectangle per stretch of frames at one level.
        let mut stretches: Vec<(u64, u64, f32)> = Vec::new();
        for f in &trace.frames {
            let value = f.knobs.iter().find(|(n, _)| n == name).map_or(0.0, |(_, v)| *v);
            match stretches.last_mut() {
                Some((_, end, v)) if *v == value => *end = f.frame + 1,
                _ => stretches.push((f.frame, f.frame + 1, value)),
            }
        }
        for (start, end, value) in &stretches {
            let level = f64::from(*value).clamp(low, high);
            let mut bar = Rectangle::new(
                [(*start as f64, low), (*end as f64, level)],
                colour.mix(0.85).filled(),
            );
            bar.set_margin(3, 0, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            let (x0, y0) = chart.backend_coord(&(*start as f64, high));
            let (x1, y1) = chart.backend_coord(&(*end as f64, low));
            hovers.push(Hover {
                from: (x0, y0),
                to: (x1, y1),
                text: format!("{name}: {} (frames {start}–{})", level_text(kind, *value), end - 1),
            });
        }
        let (_, y_mid) = chart.backend_coord(&(x_range.start, (low + high) / 2.0));
        root.draw(&Text::new(
            (*name).to_owned(),
            (10, y_mid),
            charts::text(15, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(hovers)
}

/// The chart as an image, `width` × [`chart_height`] pixels (`width` at least 480).
pub fn chart(trace: &BudgetTrace, width: u32) -> Result<image::RgbImage, ChartError> {
    charts::png(width.max(480), chart_height(trace), |root| draw(&root, trace))
}

/// The chart as an SVG document with tooltips.
pub fn chart_svg(trace: &BudgetTrace, width: u32) -> Result<String, ChartError> {
    charts::svg(width.max(480), chart_height(trace), |root| draw(&root, trace))
}

impl BudgetTrace {
    /// Write [`chart`] as a PNG, `width` pixels wide.
    pub fn write_png(&self, path: &Path, width: u32) -> Result<(), crate::Error> {
        let output = |reason: String| crate::Error::Output { path: path.to_owned(), reason };
        chart(self, width).map_err(|e| output(e.0))?.save(path).map_err(|e| output(e.to_string()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::post::budget::{Knob, KnobLevel};
    use crate::post::tier::Tier;

    /// 100 frames at 8 ms, then 100 at 30 ms (above a 4 × 5 ms plot), ao dropping from high to
    /// low at frame 100, the render scale from 1 to 0.75 at 150.
    pub(crate) fn trace() -> BudgetTrace {
        let mut trace = BudgetTrace::new(10.0, 9.0);
        trace.context = "product_demo / desktop / 256x256 on lavapipe".into();
        for frame in 0..200u64 {
            let ao = if frame < 100 { Tier::High } else { Tier::Low };
            let scale = if frame < 150 { 1.0 } else { 0.75 };
            trace.push_frame(
                frame,
                &[
                    (Knob::named("render_scale"), KnobLevel::Scale(scale)),
                    (Knob::named("ao"), KnobLevel::Tier(ao)),
                    (Knob::named("my_pass"), KnobLevel::Switch(frame < 50)),
                ],
            );
            trace.set_gpu_ms(frame, if frame < 100 { 8.0 } else { 50.0 });
        }
        trace.decisions = vec!["frame 100: ao high -> low (-2.00 ms); measured 12 ms".into()];
        trace.decision_frames = vec![100];
        trace.status = "adaptive".into();
        trace.timing = "encoder".into();
        trace
    }

    #[test]
    fn the_svg_names_lanes_lines_axes_and_clipped_frames() {
        let svg = chart_svg(&trace(), 960).expect("draws");
        let texts = charts::svg_texts(&svg);
        for text in [
            "Budget trace: product_demo / desktop / 256x256 on lavapipe",
            "frame GPU",
            "time (ms)",
            "frame",
            "frame GPU time",
            "budget 10.00 ms",
            "steering line (the governor aims under it) 9.00 ms",
            "100 frame(s) above 40.00 ms: drawn at the top",
            "governor decision (numbered as listed)",
            "render_scale",
            "ao",
            "my_pass",
            "ultra",
            "on",
            "0.5",
            "1",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} missing from {texts:?}");
        }
        // ms ticks up to the top (4 budgets: the 50 ms frames are clipped).
        assert!(
            ["0", "10", "20", "30", "40"].iter().all(|t| texts.iter().any(|x| x == t)),
            "{texts:?}"
        );
        for hover in [
            "ao: high (frames 0–99)",
            "ao: low (frames 100–199)",
            "render_scale: render scale 0.75 (frames 150–199)",
            "my_pass: off (frames 50–199)",
            "frame 150: 50.00 ms (above the plot)",
            "decision 1: frame 100: ao high -&gt; low",
        ] {
            assert!(svg.contains(&format!("<title>{hover}")), "no hover {hover}");
        }
    }

    #[test]
    fn the_png_has_text_beside_every_lane_and_marks_clipped_frames_at_the_top() {
        let t = trace();
        let img = chart(&t, 960).expect("draws");
        assert_eq!(img.height(), chart_height(&t));
        let ink = |x: std::ops::Range<u32>, y: std::ops::Range<u32>| {
            y.flat_map(|y| x.clone().map(move |x| (x, y)))
                .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|c| *c < 110))
                .count()
        };
        assert!(ink(10..500, 8..28) > 150, "no title");
        for lane in 0..3 {
            let y = TITLE + PLOT + lane * LANE;
            assert!(ink(10..100, y + 14..y + LANE - 2) > 15, "lane {lane} has no name");
        }
        // Red triangles at the top edge over the last 100 frames (right half of the plot).
        let red = |y: u32| {
            (LABELS + 480..940).filter(|x| img.get_pixel(*x, y).0 == [214, 39, 40]).count()
        };
        assert!((TITLE..TITLE + 20).map(red).sum::<usize>() > 200, "no clipped markers");
    }
}

//! Stacked line charts over a shared x axis (frames, seconds): one panel per quantity, each
//! with its own y axis from zero, its unit in the axis title and its series named in a legend,
//! and vertical markers (a warm-up's end, a switch) named in the first panel's legend. The
//! soak test draws `docs/soak-memory.png` with it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ChartError, Hover};

/// One named line.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its legend entry.
    pub name: String,
    /// `(x, y)` in x order.
    pub points: Vec<(f64, f64)>,
}

/// One quantity's panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// The y axis title, with the unit: `GPU texture memory (MiB)`.
    pub y_label: String,
    /// Its lines.
    pub series: Vec<Series>,
}

/// A vertical line across every panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Its legend entry.
    pub name: String,
    /// Where.
    pub x: f64,
}

/// The whole chart.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSeries {
    /// The title line.
    pub title: String,
    /// The x axis title, with the unit: `frame`.
    pub x_label: String,
    /// The panels, top to bottom.
    pub panels: Vec<Panel>,
    /// Vertical markers.
    pub markers: Vec<Marker>,
}

/// Pixels: the title block, the x axis below the last panel.
const TITLE: u32 = 40;
const X_AXIS: u32 = 44;

/// Draw `chart` on `root` (panels share the height left after the title and the x axis).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &TimeSeries,
) -> Result<Vec<Hover>, ChartError> {
    root.draw(&Text::new(chart.title.clone(), (10, 10), super::text(19, BLACK)))?;
    let (_, body) = root.split_vertically(TITLE);
    let (_, height) = body.dim_in_pixel();
    let panels = chart.panels.len().max(1) as u32;
    let panel_height = height.saturating_sub(X_AXIS) / panels;
    let xs = chart.panels.iter().flat_map(|p| &p.series).flat_map(|s| &s.points).map(|p| p.0);
    let (x_min, x_max) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (x_min, x_max) = if x_min < x_max { (x_min, x_max) } else { (0.0, 1.0) };
    let mut rest = body;
    let mut hovers = Vec::new();
    let mut colour_index = 0;
    for (i, panel) in chart.panels.iter().enumerate() {
        let last = i + 1 == chart.panels.len();
        let (area, below) = rest.split_vertically(panel_height + if last { X_AXIS } else { 0 });
        rest = below;
        let top = panel
            .series
            .iter()
            .flat_map(|s| &s.points)
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let top = if top > 0.0 { top * 1.25 } else { 1.0 };
        let mut plot = ChartBuilder::on(&area)
            .margin_right(20)
            .margin_top(8)
            .x_label_area_size(if last { X_AXIS } else { 0 })
            .y_label_area_size(70)
            .build_cartesian_2d(x_min..x_max, 0.0..top)?;
        let x_label_format = |v: &f64| format!("{v:.0}");
        let y_label_format = |v: &f64| super::tick(*v, top);
        let mut mesh = plot.configure_mesh();
        mesh.light_line_style(WHITE)
            .y_desc(panel.y_label.clone())
            .y_label_formatter(&y_label_format)
            .label_style(super::text(13, BLACK))
            .axis_desc_style(super::text(14, BLACK));
        if last {
            mesh.x_desc(chart.x_label.clone()).x_label_formatter(&x_label_format);
        }
        mesh.draw()?;
        for series in &panel.series {
            let colour = super::colour(colour_index);
            colour_index += 1;
            plot.draw_series(LineSeries::new(
                series.points.iter().copied(),
                colour.stroke_width(2),
            ))?
            .label(series.name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
            let lo = series.points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
            let hi = series.points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
            let (x0, y0) = plot.backend_coord(&(x_min, top));
            let (x1, y1) = plot.backend_coord(&(x_max, 0.0));
            hovers.push(Hover {
                from: (x0, y0),
                to: (x1, y1),
                text: format!(
                    "{}: {} to {} ({})",
                    series.name,
                    super::tick(lo, hi / 10.0),
                    super::tick(hi, hi / 10.0),
                    panel.y_label
                ),
            });
        }
        for marker in &chart.markers {
            let red = super::BUDGET_RED;
            let line = plot.draw_series(LineSeries::new(
                [(marker.x, 0.0), (marker.x, top)],
                red.stroke_width(1),
            ))?;
            if i == 0 {
                line.label(marker.name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x + 9, y - 6), (x + 9, y + 6)], red.stroke_width(2))
                });
            }
        }
        plot.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(super::text(13, BLACK))
            .draw()?;
    }
    Ok(hovers)
}

/// The chart as a `width` × `height` image.
pub fn png(chart: &TimeSeries, width: u32, height: u32) -> Result<image::RgbImage, ChartError> {
    super::png(width.max(320), height.max(200), |root| draw(&root, chart))
}

/// The chart as an SVG document.
pub fn svg(chart: &TimeSeries, width: u32, height: u32) -> Result<String, ChartError> {
    super::svg(width.max(320), height.max(200), |root| draw(&root, chart))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_panel_names_its_unit_series_and_the_markers() {
        let chart = TimeSeries {
            title: "soak".into(),
            x_label: "frame".into(),
            panels: vec![
                Panel {
                    y_label: "texture memory (MiB)".into(),
                    series: vec![Series {
                        name: "GPU textures".into(),
                        points: vec![(0.0, 16.0), (1000.0, 16.5)],
                    }],
                },
                Panel {
                    y_label: "resident memory (MiB)".into(),
                    series: vec![Series {
                        name: "process resident".into(),
                        points: vec![(0.0, 170.0), (1000.0, 176.0)],
                    }],
                },
            ],
            markers: vec![Marker { name: "end of warm-up".into(), x: 250.0 }],
        };
        let texts = super::super::svg_texts(&svg(&chart, 800, 400).expect("draws"));
        for text in [
            "soak",
            "frame",
            "texture memory (MiB)",
            "resident memory (MiB)",
            "GPU textures",
            "process resident",
            "end of warm-up",
            "0",
            "500",
            "1000",
            "20",
            "200",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} missing from {texts:?}");
        }
        let img = png(&chart, 800, 400).expect("draws");
        let ink = (0..40u32)
            .flat_map(|y| (0..300u32).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|c| *c < 110))
            .count();
        assert!(ink > 50, "no title in the PNG");
    }
}

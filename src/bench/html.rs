//! The benchmark's HTML report (feature `charts`): one self-contained page (inline CSS and SVG,
//! no script, no network) that `afterlight bench` writes beside its JSON and markdown as
//! OUT.html. It holds the run's settings and adapter (with its known driver issues), the chart
//! ([`super::chart::chart_svg`], a tooltip with the full figures over each pass), one table per
//! run (GPU median / p90 / p99, CPU encode, declared traffic, GB/s, share of the DRAM floor),
//! the quality section's errors against the references when the run measured them, and with a
//! baseline a table of medians before and after with the ratio and the regressions marked.
//!
//! [`page`] is the frame every report page shares (the budget trace's too).

use super::compare::{Comparison, REGRESSION_MIN_MS, REGRESSION_RATIO};
use super::{BenchReport, chart, mib};
use crate::Error;
use crate::charts::{escape, ms};

/// The page's style: readable tables, numbers right-aligned, regressions and issues in red.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;\
color:#222;padding:0 1em}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:3px 8px}\
th{background:#f2f2f2;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.regression td,.issue{color:#c62828;font-weight:600}svg{max-width:100%;height:auto}\
.hover rect:hover{fill:rgba(0,0,0,.08)}.note{color:#555}";

/// A whole HTML document titled `title` around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{}</h1>\n{body}</body></html>\n",
        escape(title),
        escape(title)
    )
}

/// A table with a header row; cells starting with `#` are numbers (right-aligned, `#` removed).
pub fn table(header: &[&str], rows: &[(Vec<String>, &str)]) -> String {
    let mut html = String::from("<table><tr>");
    for h in header {
        html.push_str(&format!("<th>{}</th>", escape(h)));
    }
    html.push_str("</tr>\n");
    for (cells, class) in rows {
        if class.is_empty() {
            html.push_str("<tr>");
        } else {
            html.push_str(&format!("<tr class=\"{class}\">"));
        }
        for cell in cells {
            match cell.strip_prefix('#') {
                Some(number) => html.push_str(&format!("<td class=\"n\">{}</td>", escape(number))),
                None => html.push_str(&format!("<td>{}</td>", escape(cell))),
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// A number cell with `digits` decimals, `-` when absent.
fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or("#-".into(), |v| format!("#{v:.digits$}"))
}

/// The report as one HTML document; `comparisons` against a baseline, or none.
pub fn report(report: &BenchReport, comparisons: &[Comparison]) -> Result<String, Error> {
    let a = &report.adapter;
    let b = &report.build;
    let s = &report.settings;
    let mut body = String::from("<h2>Settings and adapter</h2>\n");
    let settings = [
        ("adapter", format!("{} ({}, {})", a.name, a.backend, a.device_type)),
        ("driver", format!("{} {}", a.driver, a.driver_info)),
        ("device class", a.device_class.clone()),
        ("capability level", a.capability_level.clone()),
        ("GPU timestamps", if a.timestamps { "yes" } else { "no (no GPU times)" }.into()),
        (
            "build",
            format!(
                "afterlight {} ({}, {} build)",
                b.version,
                b.git_commit.as_deref().unwrap_or("no git"),
                b.profile
            ),
        ),
        (
            "frames",
            format!(
                "{} measured after {} warm-up, camera turntable {}°/frame",
                s.frames, s.warm_up, s.degrees_per_frame
            ),
        ),
        (
            "DRAM peak",
            match (s.peak_gbps, &s.peak_source) {
                (Some(p), Some(source)) => format!("{p} GB/s ({source})"),
                _ => "none given (--peak-gbps): no DRAM-floor ratio".into(),
            },
        ),
    ];
    let rows: Vec<(Vec<String>, &str)> =
        settings.into_iter().map(|(k, v)| (vec![k.to_owned(), v], "")).collect();
    body.push_str(&table(&["setting", "value"], &rows));
    for issue in &a.known_issues {
        body.push_str(&format!("<p class=\"issue\">Known driver issue: {}.</p>\n", escape(issue)));
    }
    body.push_str("<h2>GPU time per pass</h2>\n");
    let svg = chart::chart_svg(report, comparisons, 1000)
        .map_err(|e| Error::Output { path: "bench chart".into(), reason: e.0 })?;
    body.push_str(&svg);
    body.push_str("\n<p class=\"note\">Hover a pass for its full figures.</p>\n");
    if !comparisons.is_empty() {
        body.push_str(&baseline_section(comparisons));
    }
    for run in &report.runs {
        body.push_str(&run_section(report, run));
    }
    if let Some(quality) = &report.quality {
        body.push_str(&quality_section(quality));
    }
    Ok(page(&format!("afterlight bench: {}", a.name), &body))
}

/// Before and after per pass, regressions marked.
fn baseline_section(comparisons: &[Comparison]) -> String {
    let regressions = comparisons.iter().filter(|c| c.regression).count();
    let mut html = format!(
        "<h2>Against the baseline</h2>\n<p>Median GPU ms against the baseline's; a regression is \
         above ×{REGRESSION_RATIO} and at least {REGRESSION_MIN_MS} ms slower. Sums: the post \
         passes (every scope that is not the renderer's own) and the passes named together \
         (<code>--together</code>), whose members are judged by their sum. \
         <b>{regressions} regression(s).</b></p>\n"
    );
    let rows: Vec<(Vec<String>, &str)> = comparisons
        .iter()
        .map(|c| {
            (
                vec![
                    c.run.clone(),
                    if c.members.is_empty() {
                        c.pass.clone()
                    } else {
                        format!("{} ({})", c.pass, c.members.join(" + "))
                    },
                    format!("#{:.3}", c.baseline_ms),
                    format!("#{:.3}", c.ms),
                    format!("#×{:.3}", c.ratio),
                    c.verdict().trim().to_owned(),
                ],
                if c.regression { "regression" } else { "" },
            )
        })
        .collect();
    html.push_str(&table(&["run", "pass", "baseline ms", "ms", "ratio", "verdict"], &rows));
    html
}

/// One run's heading, notes and pass table.
fn run_section(report: &BenchReport, run: &super::RunResult) -> String {
    let mut html = format!(
        "<h2>{} ({} triangles) / {} / {} ({}×{})</h2>\n",
        escape(&run.scene),
        run.triangles,
        escape(&run.preset),
        escape(&run.resolution.name),
        run.resolution.width,
        run.resolution.height
    );
    if let Some(v) = &run.variant {
        html.push_str(&format!(
            "<p>Full-screen passes: {} (asked: {}; {}{}).</p>\n",
            escape(v.used.name()),
            escape(v.requested.name()),
            escape(&v.reason),
            if v.fallback { "; FALLBACK" } else { "" }
        ));
    }
    if !run.timing.is_empty() {
        html.push_str(&format!("<p>GPU timing: {}.</p>\n", escape(&run.timing)));
    }
    let mut rows: Vec<(Vec<String>, &str)> = run
        .passes
        .iter()
        .map(|p| {
            let t = p.traffic.as_ref();
            (
                vec![
                    p.name.clone(),
                    format!("#{:.3}", p.gpu_ms.median),
                    format!("#{:.3}", p.gpu_ms.p90),
                    format!("#{:.3}", p.gpu_ms.p99),
                    format!("#{:.3}", p.cpu_encode_ms.median),
                    number(t.map(|t| t.read_bytes_per_pixel), 1),
                    number(t.map(|t| t.write_bytes_per_pixel), 1),
                    number(p.achieved_gbps, 2),
                    p.dram_floor_ratio.map_or("#-".into(), |r| format!("#{:.1}%", r * 100.0)),
                ],
                "",
            )
        })
        .collect();
    let (g, c) = (run.frame_gpu_ms, run.frame_cpu_encode_ms);
    rows.push((
        vec![
            "frame (GPU span)".into(),
            number(g.map(|s| s.median), 3),
            number(g.map(|s| s.p90), 3),
            number(g.map(|s| s.p99), 3),
            number(c.map(|s| s.median), 3),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
        "",
    ));
    html.push_str(&table(
        &[
            "pass",
            "GPU ms median",
            "GPU ms p90",
            "GPU ms p99",
            "CPU encode ms",
            "read B/px",
            "write B/px",
            "GB/s",
            "of DRAM floor",
        ],
        &rows,
    ));
    html.push_str(&format!(
        "<p>Frames timed: {} of {}. GPU memory: {:.1} MiB in {} textures/buffers, of which {:.1} \
         MiB scale with the resolution ({:.1} MiB in transient pools). Frame: {}.</p>\n",
        run.frames_timed,
        report.settings.frames,
        mib(run.memory_bytes),
        run.memory.len(),
        mib(run.memory_per_resolution_bytes),
        mib(run.pool_bytes),
        g.map_or("no GPU time".into(), |g| format!("{} median", ms(g.median)))
    ));
    html
}

/// Each pass's error against its reference, per tier and scene.
fn quality_section(quality: &super::quality::QualityReport) -> String {
    let mut html = String::from(
        "<h2>Error against the references</h2>\n<p>Each pass's error against its reference \
         (AO: ray-traced; anti-aliasing: supersampled; upscale: the native-resolution render) \
         beside its GPU ms, per tier.</p>\n",
    );
    let rows: Vec<(Vec<String>, &str)> = quality
        .rows
        .iter()
        .map(|r| {
            (
                vec![
                    r.pass.clone(),
                    r.tier.clone(),
                    r.scene.clone(),
                    r.metric.clone(),
                    format!("#{:.4}", r.error),
                    number(r.psnr_db, 2),
                    number(r.edge_error, 4),
                    number(r.ghosting, 4),
                    number(r.gpu_ms, 3),
                ],
                "",
            )
        })
        .collect();
    html.push_str(&table(
        &[
            "pass",
            "tier",
            "scene",
            "metric",
            "error",
            "PSNR dB",
            "edge error",
            "ghosting",
            "GPU ms",
        ],
        &rows,
    ));
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::compare::{self, compare};

    #[test]
    fn the_page_holds_settings_every_pass_its_values_and_the_chart() {
        let mut r = compare::tests::report(&[("ssao", 1.25), ("bloom", 0.5)]);
        r.adapter.known_issues.push("timestamps <drift>".into());
        let html = report(&r, &[]).expect("writes");
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
        for text in [
            "<td>ssao</td>",
            "<td>bloom</td>",
            "<td class=\"n\">1.250</td>",
            "<td class=\"n\">0.500</td>",
            "GPU ms p99",
            "CPU encode ms",
            "GB/s",
            "of DRAM floor",
            "Known driver issue: timestamps &lt;drift&gt;.",
            "<svg",
            "GPU time per frame (ms)",
            "<title>ssao (s / p / 64x64): median 1.25 ms",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        // Self-contained: nothing fetched.
        for fetch in ["<script", "<link", "src=\"http", "href=\"http", "<img"] {
            assert!(!html.contains(fetch), "{fetch}");
        }
    }

    #[test]
    fn a_baseline_lists_before_after_and_marks_regressions() {
        let old = compare::tests::report(&[("ssao", 1.0), ("bloom", 0.5)]);
        let new = compare::tests::report(&[("ssao", 1.5), ("bloom", 0.5)]);
        let html = report(&new, &compare(&new, &old, &[])).expect("writes");
        assert!(html.contains("<b>3 regression(s).</b>"), "ssao, the post passes and the frame");
        assert!(html.contains(
            "<td>post passes (ssao + bloom)</td><td class=\"n\">1.500</td><td class=\"n\">2.000</td>"
        ));
        assert!(html.contains(
            "<tr class=\"regression\"><td>s / p / 64x64</td><td>ssao</td><td class=\"n\">1.000</td>\
             <td class=\"n\">1.500</td><td class=\"n\">×1.500</td><td>REGRESSION</td></tr>"
        ));
        assert!(html.contains("<td>bloom</td><td class=\"n\">0.500</td><td class=\"n\">0.500</td><td class=\"n\">×1.000</td><td></td>"));
    }
}

//! The budget trace's HTML page (feature `charts`): what `afterlight bench --budget` writes as
//! TRACE.html beside TRACE.json and TRACE.png. One self-contained page: the run (context,
//! budget, steering line, timing, the governor's status and the time no knob reaches), the
//! chart as inline SVG ([`super::trace_chart::chart_svg`], tooltips on every lane stretch,
//! clipped frame and decision), the second half's frame-time statistics, and every governor
//! decision, numbered as on the chart, with its frame, its steps and its reason.

use super::html::{page, table};
use crate::Error;
use crate::charts::{escape, ms};
use crate::post::budget::{BudgetTrace, RollingStats};

/// The trace as one HTML document.
pub fn report(trace: &BudgetTrace) -> Result<String, Error> {
    let measured = trace.measured_ms();
    let tail = &measured[measured.len() / 2..];
    let mut stats = RollingStats::new(tail.len().max(1));
    tail.iter().for_each(|v| stats.push(*v));
    let stat = |v: Option<f64>| v.map_or("-".to_owned(), ms);
    let rows: Vec<(Vec<String>, &str)> = [
        ("run", trace.context.clone()),
        ("frames", format!("{} ({} with a GPU time)", trace.frames.len(), measured.len())),
        ("budget", ms(trace.budget_ms)),
        ("steering line", format!("{} (the governor aims under it)", ms(trace.limit_ms))),
        ("GPU timing", trace.timing.clone()),
        ("governor", trace.status.clone()),
        (
            "second half: frame GPU median / p90 / p99",
            format!("{} / {} / {}", stat(stats.median()), stat(stats.p90()), stat(stats.p99())),
        ),
        (
            "outside every knob",
            trace.outside_knobs_ms.map_or("-".into(), |o| {
                format!("{} per frame (passes no knob turns, untimed work)", ms(o))
            }),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (vec![k.to_owned(), v], ""))
    .collect();
    let mut body = table(&["setting", "value"], &rows);
    body.push_str("<h2>Frame time and knobs</h2>\n");
    let svg = super::trace_chart::chart_svg(trace, 1000)
        .map_err(|e| Error::Output { path: "trace chart".into(), reason: e.0 })?;
    body.push_str(&svg);
    body.push_str(
        "\n<p class=\"note\">Hover a lane for the knob's level and frames, a dashed line for its \
         decision, a red triangle for a frame above the plot.</p>\n<h2>Governor decisions</h2>\n",
    );
    if trace.decisions.is_empty() {
        body.push_str("<p>No decision: the governor changed nothing.</p>\n");
    } else {
        body.push_str("<ol>\n");
        for decision in &trace.decisions {
            body.push_str(&format!("<li>{}</li>\n", escape(decision)));
        }
        body.push_str("</ol>\n");
    }
    Ok(page("afterlight budget trace", &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_settings_lanes_and_every_decision_with_its_reason() {
        let mut trace = super::super::trace_chart::tests::trace();
        trace
            .decisions
            .push("frame 150: render_scale 1 -> 0.75; measured 50 ms: over <budget>".into());
        trace.decision_frames.push(150);
        let html = report(&trace).expect("writes");
        for text in [
            "<td>budget</td><td>10.00 ms</td>",
            "<td>steering line</td><td>9.00 ms (the governor aims under it)</td>",
            "<td>product_demo / desktop / 256x256 on lavapipe</td>",
            "<li>frame 100: ao high -&gt; low (-2.00 ms); measured 12 ms</li>",
            "<li>frame 150: render_scale 1 -&gt; 0.75; measured 50 ms: over &lt;budget&gt;</li>",
            "time (ms)",
            "render_scale",
            "my_pass",
            "<svg",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        assert!(!html.contains("<script") && !html.contains("<link"));
    }
}

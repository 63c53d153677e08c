//! What each tier buys: the bench's quality section (`afterlight bench --quality`), each
//! pass's error against its reference next to its GPU milliseconds, per tier, from the same
//! references `afterlight quality` measures against ([`crate::quality::report`]): ambient
//! occlusion against the CPU ray tracer, FXAA, SMAA and TAA against a supersampled image, the spatial
//! upscale (its tiers beside the CPU resizes an app would do) against the native render.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::gpu::Gpu;
use crate::post::Tier;
use crate::quality::report;
use crate::quality::upscale::{self, UpscaleScene};
use crate::render::RendererSettings;
use crate::render::environment::Environment;

/// How the quality section was measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualitySettings {
    /// Image size (square), pixels.
    pub size: u32,
    /// Rays per pixel of the ray-traced AO reference.
    pub rays: u32,
    /// Samples per pixel of the supersampled anti-aliasing reference.
    pub samples: u32,
}

impl Default for QualitySettings {
    /// Small enough to add a minute or so to a bench run on a software GPU.
    fn default() -> Self {
        Self { size: 96, rays: 64, samples: 16 }
    }
}

/// One pass at one tier on one scene: its error against the reference and its cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierRow {
    /// The pass (`ao`, `fxaa`, `smaa`, `taa`, `upscale`).
    pub pass: String,
    /// The tier (`ao` at half resolution: `low half`, ...).
    pub tier: String,
    /// The scene.
    pub scene: String,
    /// What `error` measures.
    pub metric: String,
    /// The error against the reference (lower is better).
    pub error: f64,
    /// For anti-aliasing, PSNR of the still image against the reference (dB, higher is
    /// better).
    pub psnr_db: Option<f64>,
    /// For TAA, mean absolute error in the just-uncovered region (lower is better).
    pub ghosting: Option<f64>,
    /// For anti-aliasing, mean absolute error of the still image over the reference's edge
    /// pixels (sRGB-encoded, `0..1`; lower is better). Absent from reports before SMAA.
    #[serde(default)]
    pub edge_error: Option<f64>,
    /// Median GPU ms of the pass's timing scope (`None` without timestamps).
    pub gpu_ms: Option<f64>,
}

/// The quality section of a bench report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// How it was measured.
    pub settings: QualitySettings,
    /// Every pass, tier and scene.
    pub rows: Vec<TierRow>,
}

/// Measure AO (the built-in sphere on a plane, and the Cornell box and DamagedHelmet from
/// `shared` when it holds them), anti-aliasing (the built-in product demo) and the spatial
/// upscale at render scales 0.5 and 0.67 (the product demo, and DamagedHelmet from `shared`)
/// per tier.
pub fn measure(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    shared: Option<&Path>,
    settings: QualitySettings,
) -> Result<QualityReport, Error> {
    let renderer = RendererSettings::default();
    let QualitySettings { size, rays, samples } = settings;
    let mut rows = Vec::new();
    let variants: Vec<(Tier, bool)> =
        [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra].map(|t| (t, false)).to_vec();
    for case in report::ao_cases(shared)? {
        for s in report::ao_scores(gpu, environment, &renderer, &case, size, rays, &variants)? {
            rows.push(TierRow {
                pass: "ao".into(),
                tier: s.tier.name().into(),
                scene: s.scene,
                metric: "mean absolute error of visibility vs ray-traced".into(),
                error: s.mean_absolute_error,
                psnr_db: None,
                ghosting: None,
                edge_error: None,
                gpu_ms: s.gpu_ms,
            });
        }
    }
    let scene = crate::scene::load_from_slice(crate::scene::DEFAULT_SCENE_GLB, None)?;
    for s in report::aa_scores(gpu, environment, &renderer, &scene, size, samples)? {
        let Some(pass) = s.method.scope() else { continue };
        let name = s.method.name();
        let tier = name.split_once(' ').map_or(name.as_str(), |(_, tier)| tier).to_owned();
        rows.push(TierRow {
            pass: pass.into(),
            tier,
            scene: "product demo".into(),
            metric: "flicker vs supersampled (pan)".into(),
            error: s.flicker,
            psnr_db: Some(s.static_psnr),
            ghosting: (pass == "taa").then_some(s.ghosting),
            edge_error: Some(s.edge_error),
            gpu_ms: s.gpu_ms,
        });
    }
    let helmet = shared
        .map(|s| s.join("scenes/DamagedHelmet/DamagedHelmet.glb"))
        .filter(|p| p.is_file())
        .map(|p| crate::scene::load(&p))
        .transpose()?;
    let mut scenes =
        vec![UpscaleScene { name: "product demo", scene: &scene, size: (size, size), ev100: 0.0 }];
    if let Some(helmet) = &helmet {
        scenes.push(UpscaleScene {
            name: "DamagedHelmet",
            scene: helmet,
            size: (size, size),
            ev100: -1.0,
        });
    }
    for scale in [0.5, 0.67] {
        for upscale_scene in &scenes {
            for s in upscale::scores(gpu, environment, &renderer, upscale_scene, scale)? {
                rows.push(TierRow {
                    pass: "upscale".into(),
                    tier: s.upscaler.name().into(),
                    scene: format!("{}, render scale {scale}", s.view),
                    metric: "1 - SSIM vs the native-resolution render (TAA off)".into(),
                    error: 1.0 - s.closeness.ssim,
                    psnr_db: Some(s.closeness.psnr),
                    ghosting: None,
                    edge_error: None,
                    gpu_ms: s.gpu_ms,
                });
            }
        }
    }
    Ok(QualityReport { settings, rows })
}

impl QualityReport {
    /// The markdown section: one table per pass, tiers in order, error beside GPU ms.
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let s = &self.settings;
        let mut md = format!(
            "\n## What each tier buys\n\nEach pass's error against its reference beside its GPU \
             ms, per tier ({}x{} px; AO against a {}-ray ray-traced reference, anti-aliasing \
             against a {}-sample supersampled reference, the spatial upscale against the \
             native-resolution render; `afterlight quality` has the method).\n",
            s.size, s.size, s.rays, s.samples
        );
        let mut passes: Vec<&str> = Vec::new();
        for row in &self.rows {
            if !passes.contains(&row.pass.as_str()) {
                passes.push(&row.pass);
            }
        }
        let f = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
        for pass in passes {
            let rows: Vec<&TierRow> = self.rows.iter().filter(|r| r.pass == pass).collect();
            let metric = rows.first().map_or("", |r| r.metric.as_str());
            let _ = writeln!(
                md,
                "\n### {pass}: {metric}\n\n| scene | tier | error | PSNR dB | edge error | ghosting | \
                 GPU ms |\n|---|---|---:|---:|---:|---:|---:|"
            );
            for r in rows {
                let _ = writeln!(
                    md,
                    "| {} | {} | {:.4} | {} | {} | {} | {} |",
                    r.scene,
                    r.tier,
                    r.error,
                    f(r.psnr_db, 2),
                    f(r.edge_error, 4),
                    f(r.ghosting, 4),
                    f(r.gpu_ms, 3)
                );
            }
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_has_one_table_per_pass_with_every_tier_in_order() {
        let row = |pass: &str, tier: &str, error| TierRow {
            pass: pass.into(),
            tier: tier.into(),
            scene: "s".into(),
            metric: "m".into(),
            error,
            psnr_db: None,
            ghosting: None,
            edge_error: None,
            gpu_ms: Some(1.0),
        };
        let report = QualityReport {
            settings: QualitySettings::default(),
            rows: vec![row("ao", "low", 0.05), row("ao", "high", 0.03), row("taa", "low", 0.1)],
        };
        let md = report.markdown();
        assert_eq!(md.matches("### ").count(), 2, "{md}");
        let low = md.find("| s | low | 0.0500").expect("ao low");
        let high = md.find("| s | high | 0.0300").expect("ao high");
        assert!(low < high, "{md}");
        let json = serde_json::to_string(&report).expect("json");
        assert_eq!(serde_json::from_str::<QualityReport>(&json).expect("back"), report);
    }
}

//! `cargo bench`: a small benchmark matrix through the same code as `afterlight bench`
//! (`afterlight::bench::run`): the built-in product demo and the generated atrium (and
//! DamagedHelmet when `../shared` is there) x the desktop and mobile presets at 256x256,
//! 30 frames after 5 warm-up, with the full-screen pass variants of `AFTERLIGHT_BENCH_VARIANT`
//! (fragment, compute, auto or both; default each preset's own). Writes `target/bench/passes.{json,md,png,html}` and prints the table.
//! Skips with a message without a GPU adapter.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use afterlight::bench::{self, BenchConfig};
use afterlight::gpu::{Gpu, GpuOptions};
use afterlight::render::environment::Environment;

/// Environment variable choosing the full-screen pass variants, as `afterlight bench
/// --variant`: fragment, compute, auto or both (default: each preset's own).
const VARIANT_ENV: &str = "AFTERLIGHT_BENCH_VARIANT";

fn main() {
    let gpu = match Gpu::new(&GpuOptions::default()) {
        Ok(gpu) => gpu,
        Err(e) => {
            eprintln!("SKIPPED: no GPU adapter: {e}");
            return;
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared");
    let mut scene_names = vec!["product_demo", "atrium"];
    if shared.join("scenes/DamagedHelmet").is_dir() {
        scene_names.push("DamagedHelmet");
    } else {
        eprintln!("no {}: DamagedHelmet skipped", shared.display());
    }
    let variants = match std::env::var(VARIANT_ENV) {
        Ok(text) => match bench::parse_variants(&text) {
            Ok(variants) => variants,
            Err(e) => {
                eprintln!("error: {VARIANT_ENV}: {e}");
                std::process::exit(1);
            }
        },
        Err(_) => Vec::new(),
    };
    let result = (|| -> Result<PathBuf, afterlight::Error> {
        let config = BenchConfig {
            scenes: scene_names
                .iter()
                .map(|s| bench::load_scene(s, &shared))
                .collect::<Result<_, _>>()?,
            presets: vec![bench::load_preset("desktop")?, bench::load_preset("mobile")?],
            resolutions: vec!["256x256".parse().map_err(afterlight::Error::InvalidArgument)?],
            frames: 30,
            warm_up: 5,
            degrees_per_frame: 0.5,
            peak_gbps: None,
            variants,
        };
        let environment = Arc::new(Environment::new(&gpu, &Default::default(), &mut |_, _| {})?);
        let report = bench::run(&gpu, &environment, &config, &mut |p| {
            if p.done.is_multiple_of(35) {
                eprintln!("{}/{} frames ({})", p.done, p.total, p.current);
            }
        })?;
        let out = root.join("target/bench");
        std::fs::create_dir_all(&out)
            .map_err(|e| afterlight::Error::Output { path: out.clone(), reason: e.to_string() })?;
        let write = |name: &str, text: String| {
            let path = out.join(name);
            std::fs::write(&path, text)
                .map_err(|e| afterlight::Error::Output { path, reason: e.to_string() })
        };
        write("passes.json", report.to_json())?;
        write("passes.md", report.markdown())?;
        report.write_chart(&out.join("passes.png"), &[], 960)?;
        write("passes.html", bench::html::report(&report, &[])?)?;
        print!("{}", report.markdown());
        Ok(out)
    })();
    match result {
        Ok(out) => println!("report: {}/passes.{{json,md,png,html}}", out.display()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

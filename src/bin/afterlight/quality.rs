//! `afterlight quality`: passes measured against their references.

use std::path::PathBuf;
use std::sync::Arc;

use afterlight::Error;
use afterlight::gpu::{Gpu, GpuOptions};
use afterlight::render::RendererSettings;
use afterlight::render::environment::Environment;
use afterlight::scene;

#[derive(clap::Args)]
pub(super) struct QualityArgs {
    /// Image size (square) in pixels.
    #[arg(long, default_value_t = 128)]
    size: u32,
    /// Rays per pixel of the ray-traced AO reference.
    #[arg(long, default_value_t = 256)]
    rays: u32,
    /// Samples per pixel of the supersampled anti-aliasing reference.
    #[arg(long, default_value_t = 64)]
    samples: u32,
    /// The shared asset folder (for the Cornell box and DamagedHelmet); default ../shared
    /// when it exists.
    #[arg(long)]
    shared: Option<PathBuf>,
    /// Only this part: `ao`, `aa`, `upscale` or `display` (HDR output against its formulas).
    #[arg(long, value_parser = ["ao", "aa", "upscale", "display"])]
    only: Option<String>,
}

pub(super) fn quality(options: &GpuOptions, args: &QualityArgs) -> Result<(), Error> {
    use afterlight::post::Tier;
    use afterlight::quality::report;
    if args.size == 0 || args.size > 1024 {
        return Err(Error::InvalidArgument(format!("--size {} is outside 1..=1024", args.size)));
    }
    let gpu = Gpu::new(options)?;
    let settings = RendererSettings::default();
    // One studio environment serves every renderer the report creates.
    let environment = Arc::new(Environment::new(&gpu, &Default::default(), &mut |_, _| {})?);
    println!("afterlight quality on {} at {}x{}", gpu.info.name, args.size, args.size);
    let part = |name: &str| args.only.as_deref().is_none_or(|only| only == name);
    let shared = args.shared.clone().or_else(|| {
        let default = PathBuf::from("../shared");
        default.is_dir().then_some(default)
    });
    if part("ao") {
        if shared.is_none() {
            eprintln!("no shared folder (--shared): AO on the built-in scene only");
        }
        let cases = report::ao_cases(shared.as_deref())?;
        let mut variants: Vec<(Tier, bool)> =
            [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra].map(|t| (t, false)).to_vec();
        variants.extend([(Tier::Low, true), (Tier::High, true)]);
        let mut scores = Vec::new();
        for case in &cases {
            eprintln!("AO: {} ({} rays per pixel reference)", case.name, args.rays);
            scores.extend(report::ao_scores(
                &gpu,
                &environment,
                &settings,
                case,
                args.size,
                args.rays,
                &variants,
            )?);
        }
        println!("\nAmbient occlusion vs ray-traced reference (mean absolute error of visibility)");
        print!("{}", report::ao_table(&scores));
    }
    if part("aa") {
        eprintln!("AA: references at {} samples per pixel", args.samples);
        let scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
        let scores =
            report::aa_scores(&gpu, &environment, &settings, &scene, args.size, args.samples)?;
        println!(
            "\nAnti-aliasing vs {}-sample supersampled reference (built-in scene)",
            args.samples
        );
        print!("{}", report::aa_table(&scores));
    }
    if part("upscale") {
        upscale(&gpu, &environment, &settings, shared.as_deref(), args.size)?;
    }
    if part("display") {
        use afterlight::quality::display;
        let scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
        let camera = scene::Camera::frame_bounds(&scene.bounds, 30.0, 15.0, 1.0);
        let mut scores = Vec::new();
        for case in display::display_cases() {
            eprintln!("display: {} with {}", case.display.describe(), case.mapper.name());
            scores.push(display::score(
                &gpu,
                &environment,
                &settings,
                &scene,
                &camera,
                args.size,
                &case,
            )?);
        }
        println!(
            "\nHDR display output vs its formulas (built-in scene; error in 10-bit PQ codes; \
             paper white: scene 1 through the Clamp mapper)"
        );
        print!("{}", display::table(&scores));
    }
    Ok(())
}

/// The spatial upscale at render scales 0.5 and 0.67 against the native render: the product
/// demo at `size` x `size`, and DamagedHelmet from `shared` when it holds it.
fn upscale(
    gpu: &Gpu,
    environment: &Arc<Environment>,
    settings: &RendererSettings,
    shared: Option<&std::path::Path>,
    size: u32,
) -> Result<(), Error> {
    use afterlight::quality::{report, upscale};
    let demo = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
    let helmet_path = shared.map(|s| s.join("scenes/DamagedHelmet/DamagedHelmet.glb"));
    let helmet = helmet_path.filter(|p| p.is_file()).map(|p| scene::load(&p)).transpose()?;
    let mut scenes = vec![upscale::UpscaleScene {
        name: "product demo",
        scene: &demo,
        size: (size, size),
        ev100: 0.0,
    }];
    if let Some(helmet) = &helmet {
        scenes.push(upscale::UpscaleScene {
            name: "DamagedHelmet",
            scene: helmet,
            size: (size, size),
            ev100: -1.0,
        });
    }
    let mut scores = Vec::new();
    for scale in [0.5, 0.67] {
        for s in &scenes {
            eprintln!("upscale: {} at render scale {scale}", s.name);
            scores.extend(upscale::scores(gpu, environment, settings, s, scale)?);
        }
    }
    println!("\nSpatial upscale vs the native-resolution render (TAA off)");
    print!("{}", report::upscale_table(&scores));
    Ok(())
}

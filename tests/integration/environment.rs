//! Image-based lighting against physical answers, on whatever adapter is present (lavapipe in
//! CI): white furnace (a uniform environment returns its radiance from every lookup), the
//! split-sum BRDF LUT against a CPU quadrature, irradiance of environments with closed-form
//! answers, the equirect orientation, real `.hdr` files, and errors that name the file.
//! Run with `--nocapture` to see the worst errors and bake times.

use crate::common;

use std::path::{Path, PathBuf};

use afterlight::Error;
use afterlight::gpu::Gpu;
use afterlight::render::environment::{
    CubeMap, Environment, EnvironmentSettings, EnvironmentSource, ProbeQuery, ProbeResult,
    cube_texel_direction, equirect_direction,
};
use glam::{Vec2, Vec3};

/// A scratch folder for files a test writes, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir()
            .join(format!("afterlight-environment-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch folder");
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Write an OpenEXR equirect whose radiance in each texel-centre direction is `radiance(d)`.
fn write_exr(path: &Path, width: u32, height: u32, radiance: impl Fn(Vec3) -> Vec3) {
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let u = (x as f32 + 0.5) / width as f32;
            let v = (y as f32 + 0.5) / height as f32;
            data.extend_from_slice(&radiance(equirect_direction(u, v)).to_array());
        }
    }
    image::save_buffer(
        path,
        bytemuck::cast_slice(&data),
        width,
        height,
        image::ExtendedColorType::Rgb32F,
    )
    .expect("write EXR");
}

fn bake(gpu: &Gpu, settings: &EnvironmentSettings) -> Environment {
    Environment::new(gpu, settings, &mut |_, _| {}).unwrap_or_else(|e| panic!("bake: {e}"))
}

/// `n` directions spread evenly over the sphere (a Fibonacci lattice), plus the six axes.
fn sphere_directions(n: usize) -> Vec<Vec3> {
    let golden = std::f32::consts::PI * (3.0 - 5f32.sqrt());
    let mut dirs: Vec<Vec3> = (0..n)
        .map(|i| {
            let y = 1.0 - 2.0 * (i as f32 + 0.5) / n as f32;
            let r = (1.0 - y * y).sqrt();
            let phi = golden * i as f32;
            Vec3::new(r * phi.cos(), y, r * phi.sin())
        })
        .collect();
    dirs.extend([Vec3::X, Vec3::NEG_X, Vec3::Y, Vec3::NEG_Y, Vec3::Z, Vec3::NEG_Z]);
    dirs
}

fn probe(gpu: &Gpu, environment: &Environment, queries: &[ProbeQuery]) -> Vec<ProbeResult> {
    environment.probe(gpu, queries).unwrap_or_else(|e| panic!("probe: {e}"))
}

fn query(direction: Vec3, perceptual_roughness: f32) -> ProbeQuery {
    ProbeQuery { direction, perceptual_roughness, n_dot_v: 1.0 }
}

/// Largest per-channel relative error of `got` against `want`.
fn relative_error(got: Vec3, want: Vec3) -> f32 {
    ((got - want).abs() / want.max(Vec3::splat(1e-6))).max_element()
}

/// Cube texels of one face of size `size`, each with its direction and relative solid angle.
fn face_texels(face: u32, size: u32) -> impl Iterator<Item = (Vec3, f32)> {
    (0..size * size).map(move |i| {
        let (x, y) = (i % size, i / size);
        let u = (x as f32 + 0.5) / size as f32;
        let v = (y as f32 + 0.5) / size as f32;
        let p = Vec2::new(2.0 * u - 1.0, 2.0 * v - 1.0);
        // Solid angle of a texel on the unit cube: area / distance^3, up to a constant.
        let weight = (1.0 + p.length_squared()).powf(-1.5);
        (cube_texel_direction(face, u, v), weight)
    })
}

#[test]
fn uniform_environment_is_a_white_furnace() {
    let Some(gpu) = common::gpu() else { return };
    // The default resolution and a small one, so every mip-count path is covered.
    for (c, resolution) in [(Vec3::ONE, 256), (Vec3::new(0.2, 0.5, 2.0), 64)] {
        let settings = EnvironmentSettings {
            source: EnvironmentSource::Uniform(c),
            resolution,
            ..Default::default()
        };
        let environment = bake(&gpu, &settings);
        let levels = environment.info().specular_levels;
        // Every stored texel of every specular mip and of the irradiance cube.
        let mut worst_texel = 0f32;
        for face in 0..6 {
            for mip in 0..levels {
                let texels = environment
                    .read_cube_face(&gpu, CubeMap::Specular, face, mip)
                    .expect("read specular");
                for t in texels {
                    worst_texel = worst_texel.max(relative_error(Vec3::new(t[0], t[1], t[2]), c));
                }
            }
            let texels = environment
                .read_cube_face(&gpu, CubeMap::Irradiance, face, 0)
                .expect("read irradiance");
            for t in texels {
                worst_texel = worst_texel.max(relative_error(Vec3::new(t[0], t[1], t[2]), c));
            }
        }
        // And the WGSL lookups themselves, at every mip's roughness and between mips.
        let roughness: Vec<f32> =
            (0..=2 * (levels - 1)).map(|i| i as f32 / (2 * (levels - 1)) as f32).collect();
        let queries: Vec<ProbeQuery> = sphere_directions(200)
            .into_iter()
            .flat_map(|d| roughness.iter().map(move |&r| query(d * 3.0, r)))
            .collect();
        let (mut worst_specular, mut worst_irradiance, mut worst_background) = (0f32, 0f32, 0f32);
        for result in probe(&gpu, &environment, &queries) {
            worst_specular = worst_specular.max(relative_error(result.specular, c));
            worst_irradiance = worst_irradiance.max(relative_error(result.irradiance, c));
            worst_background = worst_background.max(relative_error(result.background, c));
        }
        println!(
            "furnace c = {c}: worst relative error: stored texels {worst_texel:.2e}, \
             specular {worst_specular:.2e}, irradiance / pi {worst_irradiance:.2e}, \
             background {worst_background:.2e} ({} lookups, {levels} mips)",
            queries.len()
        );
        for (what, error) in [
            ("texels", worst_texel),
            ("specular", worst_specular),
            ("irradiance", worst_irradiance),
            ("background", worst_background),
        ] {
            assert!(error < 0.01, "furnace c = {c}: {what} off by {:.3}%", error * 100.0);
        }
    }
}

/// The split-sum (scale, bias) by a 512 x 512 midpoint quadrature over the GGX sampling
/// variables, in f64: the same integrals the LUT holds, by a different point set and precision.
fn reference_brdf(n_dot_v: f64, perceptual_roughness: f64) -> (f64, f64) {
    const N: usize = 512;
    let alpha = perceptual_roughness * perceptual_roughness;
    let a2 = alpha * alpha;
    let v = [(1.0 - n_dot_v * n_dot_v).max(0.0).sqrt(), 0.0, n_dot_v];
    let visibility = |n_dot_l: f64| {
        let gv = n_dot_l * (n_dot_v * n_dot_v * (1.0 - a2) + a2).sqrt();
        let gl = n_dot_v * (n_dot_l * n_dot_l * (1.0 - a2) + a2).sqrt();
        0.5 / (gv + gl).max(1e-12)
    };
    let (mut scale, mut bias) = (0.0, 0.0);
    for i in 0..N {
        let xi = (i as f64 + 0.5) / N as f64;
        let cos_theta = ((1.0 - xi) / (1.0 + (a2 - 1.0) * xi)).sqrt();
        let sin_theta = (1.0 - cos_theta * cos_theta).max(0.0).sqrt();
        for j in 0..N {
            let phi = std::f64::consts::TAU * (j as f64 + 0.5) / N as f64;
            let h = [sin_theta * phi.cos(), sin_theta * phi.sin(), cos_theta];
            let v_dot_h = v[0] * h[0] + v[2] * h[2];
            let n_dot_l = 2.0 * v_dot_h * h[2] - v[2];
            if n_dot_l > 0.0 && v_dot_h > 0.0 {
                let g = visibility(n_dot_l) * 4.0 * n_dot_l * v_dot_h / h[2];
                let fc = (1.0 - v_dot_h).powi(5);
                scale += (1.0 - fc) * g;
                bias += fc * g;
            }
        }
    }
    let n = (N * N) as f64;
    (scale / n, bias / n)
}

#[test]
fn brdf_lut_matches_a_cpu_reference() {
    let Some(gpu) = common::gpu() else { return };
    let settings = EnvironmentSettings {
        source: EnvironmentSource::Uniform(Vec3::ONE),
        resolution: 32,
        ..Default::default()
    };
    let environment = bake(&gpu, &settings);
    let points = [
        (0.1, 0.25),
        (0.3, 0.6),
        (0.5, 0.5),
        (0.75, 0.1),
        (0.9, 0.9),
        (1.0, 0.0),
        (0.2, 1.0),
        (0.6, 0.35),
        (0.05, 0.8),
    ];
    let queries: Vec<ProbeQuery> = points
        .iter()
        .map(|&(n_dot_v, r)| ProbeQuery { direction: Vec3::Y, perceptual_roughness: r, n_dot_v })
        .collect();
    let mut worst = 0f64;
    for (&(n_dot_v, r), result) in points.iter().zip(probe(&gpu, &environment, &queries)) {
        let (a, b) = reference_brdf(f64::from(n_dot_v), f64::from(r));
        let error = (f64::from(result.brdf.x) - a).abs().max((f64::from(result.brdf.y) - b).abs());
        println!(
            "BRDF LUT n.v {n_dot_v} roughness {r}: GPU ({:.4}, {:.4}) reference ({a:.4}, {b:.4})",
            result.brdf.x, result.brdf.y
        );
        worst = worst.max(error);
    }
    println!("BRDF LUT worst error against the CPU reference: {worst:.4}");
    assert!(worst < 0.01, "BRDF LUT off by {worst}");

    // Energy: single-scattering GGX never reflects more than it receives, and a mirror
    // reflects everything.
    let lut = environment.read_brdf_lut(&gpu).expect("read LUT");
    let size = 128;
    let max_albedo = lut.iter().map(|t| t[0] + t[1]).fold(0f32, f32::max);
    let mirror_row = &lut[..size];
    let worst_mirror =
        mirror_row[1..].iter().map(|t| (t[0] + t[1] - 1.0).abs()).fold(0f32, f32::max);
    println!(
        "BRDF LUT: max A + B {max_albedo:.4}; roughness 0 row |A + B - 1| <= {worst_mirror:.4}"
    );
    assert!(max_albedo <= 1.001, "A + B = {max_albedo} > 1");
    assert!(worst_mirror < 0.002, "A + B at roughness 0 is off 1 by {worst_mirror}");
    // Closed form: at alpha = 1 and n.v = 1, D = 1 / pi and V = 1 / (2 (n.l + 1)), so the
    // albedo is the integral of mu / (mu + 1) over mu in [0, 1], 1 - ln 2: rough GGX loses
    // most energy facing the viewer (grazing views tend to 1, the weak furnace limit).
    let rough_normal = lut[size * size - 1];
    let exact = 1.0 - 2f32.ln();
    println!(
        "BRDF LUT at roughness 1, n.v 1: A + B {:.4} (exact {exact:.4})",
        rough_normal[0] + rough_normal[1]
    );
    assert!((rough_normal[0] + rough_normal[1] - exact).abs() < 0.003, "{rough_normal:?}");
}

#[test]
fn irradiance_matches_analytic_answers() {
    let Some(gpu) = common::gpu() else { return };
    let scratch = Scratch::new("irradiance");
    let settings = |path: &Path| EnvironmentSettings {
        source: EnvironmentSource::Equirect(path.to_path_buf()),
        resolution: 128,
        ..Default::default()
    };
    let horizontal = |angle: f32| Vec3::new(angle.cos(), 0.0, angle.sin());
    let mut worst = 0f32;

    // Sky of radiance 1 over a black ground: E / pi is 1 facing up, 0 facing down, 1/2 facing
    // the horizon, (1 + sin(elevation)) / 2 in general.
    let sky = scratch.path("sky.exr");
    write_exr(&sky, 256, 128, |d| if d.y > 0.0 { Vec3::ONE } else { Vec3::ZERO });
    let environment = bake(&gpu, &settings(&sky));
    let mut cases: Vec<(Vec3, f32)> = vec![(Vec3::Y, 1.0), (Vec3::NEG_Y, 0.0)];
    for i in 0..8 {
        cases.push((horizontal(i as f32 * 0.785), 0.5));
    }
    for elevation in [-60f32, -30.0, 30.0, 60.0] {
        let e = elevation.to_radians();
        let d = Vec3::new(e.cos() * 0.6, e.sin(), e.cos() * 0.8);
        cases.push((d, 0.5 * (1.0 + e.sin())));
    }
    let queries: Vec<ProbeQuery> = cases.iter().map(|&(d, _)| query(d, 0.0)).collect();
    for (&(d, want), result) in cases.iter().zip(probe(&gpu, &environment, &queries)) {
        let error = (result.irradiance - Vec3::splat(want)).abs().max_element();
        println!(
            "sky over black ground: E/pi at {d:.2}: {:.4} (exact {want:.4})",
            result.irradiance.x
        );
        worst = worst.max(error);
    }

    // Radiance 1 + y: E / pi = 1 + (2/3) n.y everywhere.
    let gradient = scratch.path("gradient.exr");
    write_exr(&gradient, 256, 128, |d| Vec3::splat(1.0 + d.y));
    let environment = bake(&gpu, &settings(&gradient));
    let directions = sphere_directions(64);
    let queries: Vec<ProbeQuery> = directions.iter().map(|&d| query(d, 0.0)).collect();
    let mut worst_gradient = 0f32;
    for (d, result) in directions.iter().zip(probe(&gpu, &environment, &queries)) {
        let want = 1.0 + 2.0 / 3.0 * d.y;
        worst_gradient =
            worst_gradient.max((result.irradiance - Vec3::splat(want)).abs().max_element());
    }
    println!(
        "irradiance worst absolute error: sky/ground {worst:.4}, radiance 1 + y {worst_gradient:.4}"
    );
    assert!(worst < 0.01, "sky over ground irradiance off by {worst}");
    assert!(worst_gradient < 0.01, "1 + y irradiance off by {worst_gradient}");
}

#[test]
fn equirect_orientation_rotation_and_intensity() {
    let Some(gpu) = common::gpu() else { return };
    let scratch = Scratch::new("orientation");
    // Red towards +X, green towards +Y, blue towards -Z (the image centre).
    let path = scratch.path("axes.exr");
    write_exr(&path, 256, 128, |d| Vec3::new(d.x.max(0.0), d.y.max(0.0), (-d.z).max(0.0)));
    let mut settings = EnvironmentSettings {
        source: EnvironmentSource::Equirect(path),
        resolution: 64,
        ..Default::default()
    };
    let mut environment = bake(&gpu, &settings);
    let axes = [Vec3::X, Vec3::Y, Vec3::NEG_Z, Vec3::NEG_X];
    let queries: Vec<ProbeQuery> = axes.iter().map(|&d| query(d, 0.0)).collect();
    // Texels next to an axis also see a little of the neighbouring colour ramps at 64².
    let close = |a: Vec3, b: Vec3| (a - b).abs().max_element() < 0.03;
    let seen: Vec<Vec3> =
        probe(&gpu, &environment, &queries).iter().map(|r| r.background).collect();
    println!("background along +X, +Y, -Z, -X: {seen:?}");
    assert!(close(seen[0], Vec3::X), "+X sees {}", seen[0]);
    assert!(close(seen[1], Vec3::Y), "+Y sees {}", seen[1]);
    assert!(close(seen[2], Vec3::Z), "-Z sees {}", seen[2]);
    assert!(close(seen[3], Vec3::ZERO), "-X sees {}", seen[3]);

    // +90 degrees about +Y carries the image centre (-Z) to -X and +X to -Z; intensity scales.
    let info = environment.info().clone();
    settings.rotation_degrees = 90.0;
    settings.intensity = 2.0;
    environment.update(&gpu, &settings, &mut |_, _| {}).expect("update");
    assert_eq!(environment.info(), &info, "rotation and intensity must not re-bake");
    let seen: Vec<Vec3> =
        probe(&gpu, &environment, &queries).iter().map(|r| r.background).collect();
    println!("rotated 90, intensity 2: {seen:?}");
    assert!(close(seen[3], Vec3::new(0.0, 0.0, 2.0)), "-X sees {}", seen[3]);
    assert!(close(seen[2], Vec3::new(2.0, 0.0, 0.0)), "-Z sees {}", seen[2]);
    assert!(close(seen[1], Vec3::new(0.0, 2.0, 0.0)), "+Y sees {}", seen[1]);
}

#[test]
fn real_hdr_files_bake() {
    let Some(gpu) = common::gpu() else { return };
    for name in ["royal_esplanade_1k.hdr", "spiaggia_di_mondello_1k.hdr"] {
        let Some(path) = common::shared_file(&format!("hdr/{name}")) else { return };
        let settings =
            EnvironmentSettings { source: EnvironmentSource::Equirect(path), ..Default::default() };
        let mut stages = Vec::new();
        let environment = Environment::new(&gpu, &settings, &mut |stage, fraction| {
            stages.push((stage.to_owned(), fraction));
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let info = environment.info();
        println!(
            "{name}: {}x{} source, {}² x {} mips, bake {:.2} s on {} (wall clock, GPU included), \
             mean radiance {:.3}, {} channels clamped to 65504",
            info.source_size.0,
            info.source_size.1,
            info.face_size,
            info.specular_levels,
            info.bake_seconds,
            gpu.info.name,
            info.average_radiance,
            info.clamped_channels
        );
        assert_eq!(info.face_size, 256);
        assert!(info.average_radiance.min_element() > 0.0);
        // Progress: the stages in order, each ending at 1.
        let order: Vec<&str> = stages.iter().map(|(s, _)| s.as_str()).collect();
        let mut names = order.clone();
        names.dedup();
        assert_eq!(names, ["source", "cubemap", "specular", "irradiance", "brdf_lut"]);
        assert!(stages.iter().all(|&(_, f)| (0.0..=1.0).contains(&f)));
        for stage in &names {
            let last = stages.iter().rev().find(|(s, _)| s == stage).map(|&(_, f)| f);
            assert_eq!(last, Some(1.0), "{stage} ends at 1");
        }
        // Every texel finite and non-negative; each mip no brighter than the one above it
        // (a firefly would make a rough mip's peak jump).
        let mut peaks = Vec::new();
        for mip in 0..info.specular_levels {
            let mut peak = 0f32;
            for face in 0..6 {
                for t in
                    environment.read_cube_face(&gpu, CubeMap::Specular, face, mip).expect("read")
                {
                    assert!(
                        t.iter().all(|v| v.is_finite() && *v >= 0.0),
                        "{name} mip {mip}: {t:?}"
                    );
                    peak = peak.max(t[0].max(t[1]).max(t[2]));
                }
            }
            peaks.push(peak);
        }
        println!("{name}: peak radiance per specular mip {peaks:?}");
        assert!(peaks.windows(2).all(|w| w[1] <= w[0] * 1.01), "{name}: {peaks:?}");
        for face in 0..6 {
            for t in environment.read_cube_face(&gpu, CubeMap::Irradiance, face, 0).expect("read") {
                assert!(t.iter().all(|v| v.is_finite() && *v > 0.0), "{name} irradiance {t:?}");
            }
        }
    }
}

#[test]
fn bad_files_are_errors_naming_the_file() {
    let Some(gpu) = common::gpu() else { return };
    let scratch = Scratch::new("errors");
    let png = scratch.path("photo.hdr");
    // PNG bytes under a .hdr name: the format is judged by content, not extension.
    let png_bytes = {
        let mut bytes = Vec::new();
        image::RgbImage::from_raw(4, 4, vec![128; 48])
            .expect("image")
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .expect("encode PNG");
        bytes
    };
    std::fs::write(&png, png_bytes).expect("write PNG");
    let garbage = scratch.path("garbage.hdr");
    std::fs::write(&garbage, b"this is not an image at all").expect("write garbage");
    let truncated = scratch.path("truncated.hdr");
    std::fs::write(&truncated, b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 512 +X 1024\n\x02\x02")
        .expect("write truncated");
    let missing = scratch.path("missing.hdr");
    for path in [&missing, &garbage, &png, &truncated] {
        let settings = EnvironmentSettings {
            source: EnvironmentSource::Equirect(path.clone()),
            ..Default::default()
        };
        match Environment::new(&gpu, &settings, &mut |_, _| {}) {
            Ok(_) => panic!("{} loaded", path.display()),
            Err(e @ Error::Environment { .. }) => {
                let message = e.to_string();
                println!("{message}");
                assert!(message.contains(&path.display().to_string()), "{message}");
            }
            Err(e) => panic!("{}: wrong error {e}", path.display()),
        }
    }
}

#[test]
fn nan_infinite_and_negative_texels_are_scrubbed() {
    let Some(gpu) = common::gpu() else { return };
    let scratch = Scratch::new("scrub");
    let path = scratch.path("bad.exr");
    let (width, height) = (64u32, 32u32);
    let mut data = vec![1.0f32; (width * height * 3) as usize];
    data[0] = f32::NAN;
    data[100] = f32::INFINITY;
    data[200] = -5.0;
    data[3000] = f32::NEG_INFINITY;
    data[4000] = 1e9;
    image::save_buffer(
        &path,
        bytemuck::cast_slice(&data),
        width,
        height,
        image::ExtendedColorType::Rgb32F,
    )
    .expect("write EXR");
    let settings = EnvironmentSettings {
        source: EnvironmentSource::Equirect(path),
        resolution: 32,
        ..Default::default()
    };
    let environment = bake(&gpu, &settings);
    let info = environment.info();
    println!("scrubbed {} channels, clamped {}", info.scrubbed_channels, info.clamped_channels);
    assert_eq!((info.scrubbed_channels, info.clamped_channels), (4, 1));
    for map in [CubeMap::Specular, CubeMap::Irradiance] {
        for face in 0..6 {
            let texels = environment.read_cube_face(&gpu, map, face, 0).expect("read");
            assert!(texels.iter().flatten().all(|v| v.is_finite() && *v >= 0.0), "{map:?} {face}");
        }
    }
}

#[test]
fn studio_is_bright_on_average_with_light_boxes() {
    let Some(gpu) = common::gpu() else { return };
    let settings = EnvironmentSettings::default();
    assert_eq!(settings.source, EnvironmentSource::Studio);
    let environment = bake(&gpu, &settings);
    let size = environment.info().face_size;
    let (mut sum, mut weight, mut peak) = (0f64, 0f64, 0f32);
    for face in 0..6 {
        let texels = environment.read_cube_face(&gpu, CubeMap::Specular, face, 0).expect("read");
        for (t, (_, w)) in texels.iter().zip(face_texels(face, size)) {
            let luminance = 0.2126 * t[0] + 0.7152 * t[1] + 0.0722 * t[2];
            sum += f64::from(luminance * w);
            weight += f64::from(w);
            peak = peak.max(luminance);
        }
    }
    let average = (sum / weight) as f32;
    println!(
        "studio: average radiance {average:.3}, brightest {peak:.2} ({:.1}x), bake {:.2} s",
        peak / average,
        environment.info().bake_seconds
    );
    assert!((0.5..=2.0).contains(&average), "average {average}");
    assert!(peak >= 5.0 * average, "brightest {peak} vs average {average}");
    // Floor darker than ceiling.
    let probes = probe(&gpu, &environment, &[query(Vec3::NEG_Y, 0.0), query(Vec3::Y, 0.0)]);
    assert!(probes[0].background.x < probes[1].background.x, "{probes:?}");
}

#[test]
fn bake_reports_gpu_time_per_stage() {
    let Some(gpu) = common::gpu() else { return };
    let settings = EnvironmentSettings { resolution: 32, ..Default::default() };
    let environment = Environment::new(&gpu, &settings, &mut |_, _| {}).expect("bake");
    if crate::skip::refuses(
        &gpu,
        crate::skip::Capability::TimestampsInsideEncoders,
        !gpu.timestamps,
    ) {
        assert!(environment.info().gpu_ms.is_empty(), "no CPU times stand in for GPU times");
        return;
    }
    let names: Vec<&str> = environment.info().gpu_ms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "environment.cubemap",
            "environment.specular",
            "environment.irradiance",
            "environment.brdf_lut"
        ]
    );
    assert!(environment.info().gpu_ms.iter().all(|t| t.ms.is_finite() && t.ms >= 0.0));
}

/// An environment from the bytes of a `.hdr` (a browser's fetch, a file picker) bakes exactly
/// what the same file read from disk bakes; bytes that are not HDR are an error naming them.
#[test]
fn an_hdr_given_as_bytes_bakes_what_the_file_bakes() {
    let Some(gpu) = common::gpu() else { return };
    let Some(path) = common::shared_file("hdr/royal_esplanade_1k.hdr") else { return };
    let bytes: std::sync::Arc<[u8]> = std::fs::read(&path).expect("the HDR reads").into();
    let settings = |source| EnvironmentSettings { source, resolution: 32, ..Default::default() };
    let from_file = bake(&gpu, &settings(EnvironmentSource::Equirect(path.clone())));
    let named = EnvironmentSource::EquirectBytes { name: "esplanade.hdr".into(), bytes };
    let from_bytes = bake(&gpu, &settings(named));
    assert_eq!(from_file.info().source_size, from_bytes.info().source_size);
    let queries: Vec<ProbeQuery> =
        [Vec3::Y, Vec3::X, Vec3::NEG_Z].iter().map(|&d| query(d, 0.3)).collect();
    let (a, b) = (probe(&gpu, &from_file, &queries), probe(&gpu, &from_bytes, &queries));
    assert_eq!(a, b, "the same radiance either way");
    let garbage = EnvironmentSource::EquirectBytes {
        name: "notes.txt".into(),
        bytes: b"not an image".as_slice().into(),
    };
    let error = Environment::new(&gpu, &settings(garbage), &mut |_, _| {}).err().expect("refused");
    assert!(error.to_string().contains("notes.txt"), "{error}");
}

//! Image tests on a real adapter (lavapipe in CI): goldens of our own scene and the shared
//! models, and placement checks with reference answers (UV orientation, world axes).

use crate::common;
use crate::skip::{self, Capability};

use afterlight::gpu::Gpu;
use afterlight::post::grade::GradeSettings;
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::environment::EnvironmentSource;
use afterlight::render::{
    DebugView, HdrFormat, RenderOptions, Renderer, RendererSettings, view_projection,
};
use afterlight::scene::{self, Camera, CameraProjection, Scene};
use glam::{Vec2, Vec3};

fn render(
    gpu: &Gpu,
    scene: &Scene,
    camera: &Camera,
    size: (u32, u32),
    view: Option<DebugView>,
) -> Vec<u8> {
    let mut renderer = common::renderer(gpu, scene, size, &common::studio(gpu));
    renderer
        .render(gpu, camera, &RenderOptions { debug_view: view, ..Default::default() })
        .expect("render");
    renderer.read_display(gpu).expect("readback")
}

/// Pixel coordinates of a world point.
fn project(camera: &Camera, size: (u32, u32), p: Vec3) -> Vec2 {
    let ndc = view_projection(camera, size.0, size.1).project_point3(p);
    Vec2::new((ndc.x * 0.5 + 0.5) * size.0 as f32, (0.5 - ndc.y * 0.5) * size.1 as f32)
}

fn pixel(rgba: &[u8], size: (u32, u32), at: Vec2) -> [u8; 3] {
    let (x, y) = (
        at.x.clamp(0.0, size.0 as f32 - 1.0) as usize,
        at.y.clamp(0.0, size.1 as f32 - 1.0) as usize,
    );
    let i = (y * size.0 as usize + x) * 4;
    [rgba[i], rgba[i + 1], rgba[i + 2]]
}

#[test]
fn product_demo_lit_golden() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let size = (192, 128);
    let image = render(&gpu, &scene, &common::scene_camera(&scene, 1.5), size, None);
    common::assert_golden("product_demo_lit", size.0, size.1, &image, 0.97);
}

#[test]
fn product_demo_debug_views_golden() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let camera = common::scene_camera(&scene, 1.5);
    let tile = (96u32, 64u32);
    let views = [
        DebugView::Albedo,
        DebugView::Normal,
        DebugView::Roughness,
        DebugView::Metallic,
        DebugView::Depth,
        DebugView::Emissive,
    ];
    // One atlas, three tiles across, so a single golden shows every channel side by side.
    let (w, h) = (tile.0 * 3, tile.1 * 2);
    let mut atlas = vec![0u8; (w * h * 4) as usize];
    for (i, view) in views.into_iter().enumerate() {
        let image = render(&gpu, &scene, &camera, tile, Some(view));
        let (ox, oy) = ((i as u32 % 3) * tile.0, (i as u32 / 3) * tile.1);
        for y in 0..tile.1 {
            let src = (y * tile.0 * 4) as usize;
            let dst = (((oy + y) * w + ox) * 4) as usize;
            atlas[dst..dst + (tile.0 * 4) as usize]
                .copy_from_slice(&image[src..src + (tile.0 * 4) as usize]);
        }
    }
    common::assert_golden("product_demo_debug_views", w, h, &atlas, 0.97);
}

#[test]
fn damaged_helmet_golden() {
    let file = "scenes/DamagedHelmet/DamagedHelmet.glb";
    let (Some(path), Some(gpu)) = (common::shared_file(file), common::gpu()) else { return };
    let scene = scene::load(&path).expect("helmet loads");
    let size = (128, 128);
    let camera = Camera::frame_bounds(&scene.bounds, 25.0, 10.0, 1.0);
    let image = render(&gpu, &scene, &camera, size, None);
    common::assert_golden("damaged_helmet", size.0, size.1, &image, 0.95);
}

/// The TEXCOORD_0 each TextureCoordinateTest quad has at world (x, y), from the file's vertices:
/// quads span 0.2..1.2 in |x| and |y|, each showing a 0.4 x 0.4 corner of the texture.
fn texture_coordinate_test_uv(x: f32, y: f32) -> Option<Vec2> {
    let inside = |t: f32| (0.2..=1.2).contains(&t.abs());
    if !inside(x) || !inside(y) {
        return None;
    }
    let u = if x < 0.0 { 0.4 * (x + 1.2) } else { 0.6 + 0.4 * (x - 0.2) };
    let v = if y > 0.0 { 0.4 * (1.2 - y) } else { 0.6 + 0.4 * (-0.2 - y) };
    Some(Vec2::new(u, v))
}

/// Mean luma (0..1) of the texels under a pixel's footprint around `uv` (glTF uv: v down).
fn texture_luma(image: &scene::Image, uv: Vec2, footprint: f32) -> f32 {
    let (w, h) = (image.width as f32, image.height as f32);
    let (mut sum, mut n) = (0.0, 0.0);
    let half = (footprint * 0.5).max(0.5);
    let (cx, cy) = (uv.x * w, uv.y * h);
    let mut y = cy - half;
    while y < cy + half {
        let mut x = cx - half;
        while x < cx + half {
            let (tx, ty) = (x.clamp(0.0, w - 1.0) as usize, y.clamp(0.0, h - 1.0) as usize);
            let p = &image.rgba8[(ty * image.width as usize + tx) * 4..][..3];
            sum += (0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2]))
                / 255.0;
            n += 1.0;
            x += 1.0;
        }
        y += 1.0;
    }
    sum / n
}

/// Pearson correlation of paired samples.
fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len().max(1) as f64;
    let (ma, mb) = pairs.iter().fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (a, b) in pairs {
        cov += (a - ma) * (b - mb);
        va += (a - ma) * (a - ma);
        vb += (b - mb) * (b - mb);
    }
    cov / (va * vb).sqrt().max(1e-12)
}

#[test]
fn texture_coordinates_match_a_cpu_sampled_reference() {
    let file = "scenes/TextureCoordinateTest/TextureCoordinateTest.glb";
    let (Some(path), Some(gpu)) = (common::shared_file(file), common::gpu()) else { return };
    let scene = scene::load(&path).expect("loads");
    let texture = scene.images.first().expect("the file has one image");
    let size = (256u32, 256u32);
    let ymag = 1.3;
    let camera = Camera {
        position: Vec3::new(0.0, 0.0, 10.0),
        forward: Vec3::NEG_Z,
        up: Vec3::Y,
        projection: CameraProjection::Orthographic { ymag, znear: 0.1, zfar: 100.0 },
    };
    let image = render(&gpu, &scene, &camera, size, Some(DebugView::Albedo));
    let texels_per_pixel = 2.0 * ymag * 0.4 * texture.width as f32 / size.1 as f32;
    // Brightness of the render against the texture sampled on the CPU at the analytic uv, and at
    // the uv a flipped u or v would give. Only the label band counts (between the checker
    // borders and the centre crosses, both symmetric under flips): there the text "Top Left",
    // "Bottom Right", ... is the only feature, and a flip puts the wrong words in place.
    let mappings: [fn(Vec2) -> Vec2; 3] =
        [|uv| uv, |uv| Vec2::new(1.0 - uv.x, uv.y), |uv| Vec2::new(uv.x, 1.0 - uv.y)];
    let in_label_band = |t: f32| (0.06..0.3).contains(&t.min(1.0 - t));
    let mut correlation = [0f64; 3];
    for (m, map) in mappings.iter().enumerate() {
        let mut pairs = Vec::new();
        for py in 0..size.1 {
            for px in 0..size.0 {
                let x = ((px as f32 + 0.5) / size.0 as f32 * 2.0 - 1.0) * ymag;
                let y = (1.0 - (py as f32 + 0.5) / size.1 as f32 * 2.0) * ymag;
                let Some(uv) = texture_coordinate_test_uv(x, y) else { continue };
                if !in_label_band(uv.x) || !in_label_band(uv.y) {
                    continue;
                }
                let reference = f64::from(texture_luma(texture, map(uv), texels_per_pixel));
                // Quads are tinted yellow, red, blue or green: their largest channel carries the texel.
                let [r, g, b] = pixel(&image, size, Vec2::new(px as f32, py as f32));
                pairs.push((reference, f64::from(r.max(g).max(b))));
            }
        }
        correlation[m] = pearson(&pairs);
    }
    eprintln!(
        "label-band correlation with the CPU reference: as specified {:.3}, u flipped {:.3}, v flipped {:.3}",
        correlation[0], correlation[1], correlation[2]
    );
    assert!(correlation[0] > 0.7, "render disagrees with the CPU-sampled texture: {correlation:?}");
    assert!(
        correlation[0] > correlation[1] + 0.2 && correlation[0] > correlation[2] + 0.2,
        "a flipped mapping fits as well: {correlation:?}"
    );
    // Quad colours by position (base colour factor times white texels): a check of the axes.
    let body = |x: f32, y: f32| pixel(&image, size, project(&camera, size, Vec3::new(x, y, 0.0)));
    let [r, g, b] = body(-0.75, 0.55);
    assert!(r > 200 && g > 200 && b < 40, "top left is yellow: {r} {g} {b}");
    let [r, g, b] = body(0.75, 0.55);
    assert!(r > 200 && g < 120 && b < 40, "top right is red: {r} {g} {b}");
    let [r, g, b] = body(-0.75, -0.55);
    assert!(r < 40 && b > 200 && g < 140, "bottom left is blue: {r} {g} {b}");
    let [r, g, b] = body(0.75, -0.55);
    assert!(r < 40 && g > 200 && b < 40, "bottom right is green: {r} {g} {b}");
}

#[test]
fn orientation_test_targets_appear_where_the_axes_say() {
    let file = "scenes/OrientationTest/OrientationTest.glb";
    let (Some(path), Some(gpu)) = (common::shared_file(file), common::gpu()) else { return };
    let scene = scene::load(&path).expect("loads");
    let size = (200, 200);
    // From the +X +Y +Z octant: the +X, +Y and +Z faces with their arrows and targets show.
    let camera = Camera::orbit(Vec3::ZERO, 45.0, 30.0, 40.0, 0.6);
    let image = render(&gpu, &scene, &camera, size, Some(DebugView::Albedo));
    // Target centres (from the file's accessor bounds) and their materials' base colours.
    let targets = [
        ("TargetX1 (red)", Vec3::new(5.0, 2.95, -2.13), [204u8, 0, 0]),
        ("TargetY1 (green)", Vec3::new(3.34, 5.0, -1.35), [0, 204, 0]),
        ("TargetZ1 (blue)", Vec3::new(-1.0, 3.43, 5.0), [0, 0, 204]),
    ];
    for (name, centre, expected) in targets {
        let at = project(&camera, size, centre);
        let got = pixel(&image, size, at);
        // 0.8 linear is 231 in sRGB; allow for edges and filtering.
        let matches = got.iter().zip(expected).all(|(&g, e)| if e > 0 { g > 180 } else { g < 60 });
        assert!(matches, "{name} at pixel {at}: got {got:?}");
    }
}

#[test]
fn every_shared_scene_uploads_and_renders_without_gpu_errors() {
    let (Some(scenes), Some(gpu)) = (common::shared_file("scenes"), common::gpu()) else { return };
    let files = common::files(&scenes, &["gltf", "glb"]);
    assert!(files.len() >= 10, "found {} scenes", files.len());
    let size = (64, 64);
    let environment = common::studio(&gpu);
    for file in files {
        let scene = scene::load(&file).expect("loads");
        let mut renderer = Renderer::with_environment(
            &gpu,
            &scene,
            size,
            environment.clone(),
            &Default::default(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let camera = Camera::frame_bounds(&scene.bounds, 30.0, 20.0, 1.0);
        gpu.checked("render", || renderer.render(&gpu, &camera, &RenderOptions::default()))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let depth = renderer.read_depth(&gpu).expect("depth");
        let covered = depth.iter().filter(|&&d| d > 0.0).count();
        eprintln!("{}: {covered} of {} pixels covered", file.display(), depth.len());
        assert!(
            covered > depth.len() / 20,
            "{}: the framed scene covers only {covered} pixels",
            file.display()
        );
    }
}

/// A lit golden of a shared model, framed from the given orbit angles.
fn shared_scene_golden(
    name: &str,
    file: &str,
    orbit: (f32, f32),
    env: Option<&str>,
    threshold: f64,
) {
    let (Some(path), Some(gpu)) = (common::shared_file(file), common::gpu()) else { return };
    let scene = scene::load(&path).expect("loads");
    let environment = match env {
        Some(hdr) => {
            let Some(hdr) = common::shared_file(hdr) else { return };
            common::environment(&gpu, EnvironmentSource::Equirect(hdr), 128)
        }
        None => common::studio(&gpu),
    };
    let size = (160, 120);
    let camera =
        Camera::frame_bounds(&scene.bounds, orbit.0, orbit.1, size.0 as f32 / size.1 as f32);
    let mut renderer = common::renderer(&gpu, &scene, size, &environment);
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
    let image = renderer.read_display(&gpu).expect("readback");
    common::assert_golden(name, size.0, size.1, &image, threshold);
}

#[test]
fn metal_rough_spheres_golden() {
    let file = "scenes/MetalRoughSpheresNoTextures/MetalRoughSpheresNoTextures.glb";
    shared_scene_golden("metal_rough_spheres", file, (0.0, 0.0), None, 0.95);
}

#[test]
fn damaged_helmet_under_an_hdr_golden() {
    let file = "scenes/DamagedHelmet/DamagedHelmet.glb";
    shared_scene_golden(
        "damaged_helmet_hdr",
        file,
        (20.0, 10.0),
        Some("hdr/spiaggia_di_mondello_1k.hdr"),
        0.95,
    );
}

#[test]
fn alpha_blend_mode_golden() {
    let file = "scenes/AlphaBlendModeTest/AlphaBlendModeTest.glb";
    shared_scene_golden("alpha_blend_mode", file, (0.0, 10.0), None, 0.95);
}

#[test]
fn lights_punctual_lamp_golden() {
    let file = "scenes/LightsPunctualLamp/LightsPunctualLamp.gltf";
    shared_scene_golden("lights_punctual_lamp", file, (30.0, 15.0), None, 0.95);
}

#[test]
fn cornell_box_golden() {
    shared_scene_golden(
        "cornell_box",
        "scenes/CornellBox_kajiya/scene.gltf",
        (0.0, 0.0),
        None,
        0.95,
    );
}

#[test]
fn pass_times_arrive_for_every_recipe_step() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let mut renderer = common::renderer(&gpu, &scene, (64, 48), &common::studio(&gpu));
    if skip::refuses(&gpu, Capability::TimestampsInsideEncoders, !renderer.timing_available()) {
        return;
    }
    let camera = common::scene_camera(&scene, 64.0 / 48.0);
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
    let times = renderer.wait_for_pass_times().to_vec();
    let names: Vec<&str> = times.iter().map(|t| t.name.as_str()).collect();
    // No transparent surface in the default scene: no forward pass, no scope timing nothing.
    assert_eq!(names, ["gbuffer", "shadows", "lighting", "finish"]);
    assert!(times.iter().all(|t| t.ms.is_finite() && t.ms >= 0.0), "{times:?}");
    assert!(times.iter().any(|t| t.ms > 0.0), "{times:?}");
    // A scene with blended surfaces draws them in the forward pass, timed as `forward`.
    let Some(path) = common::shared_file("scenes/AlphaBlendModeTest/AlphaBlendModeTest.glb") else {
        return;
    };
    let scene = scene::load(&path).expect("loads");
    let mut renderer = common::renderer(&gpu, &scene, (64, 48), &common::studio(&gpu));
    let camera = Camera::frame_bounds(&scene.bounds, 0.0, 10.0, 64.0 / 48.0);
    renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
    let names: Vec<String> =
        renderer.wait_for_pass_times().iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, ["gbuffer", "shadows", "lighting", "forward", "finish"]);
}

#[test]
fn rg11b10_hdr_target_renders_the_same_picture() {
    let Some(gpu) = common::gpu() else { return };
    let renderable = gpu.device.features().contains(wgpu::Features::RG11B10UFLOAT_RENDERABLE);
    if skip::refuses(&gpu, Capability::Renderable(wgpu::TextureFormat::Rg11b10Ufloat), !renderable)
    {
        return;
    }
    let scene = common::default_scene();
    let size = (128, 96);
    let camera = common::scene_camera(&scene, 128.0 / 96.0);
    let environment = common::studio(&gpu);
    let mut images = Vec::new();
    for hdr_format in [HdrFormat::Rgba16Float, HdrFormat::Rg11b10Ufloat] {
        let settings = RendererSettings { hdr_format, ..Default::default() };
        let mut renderer =
            Renderer::with_environment(&gpu, &scene, size, environment.clone(), &settings)
                .expect("renderer");
        renderer.render(&gpu, &camera, &RenderOptions::default()).expect("render");
        images.push(renderer.read_display(&gpu).expect("readback"));
    }
    let ssim = afterlight::quality::ssim(&images[0], &images[1], 128, 96).expect("ssim");
    let psnr = afterlight::quality::psnr(&images[0], &images[1]).expect("psnr");
    eprintln!("Rg11b10Ufloat vs Rgba16Float: SSIM {ssim:.4}, PSNR {psnr:.1} dB");
    assert!(ssim > 0.98 && psnr > 35.0, "SSIM {ssim}, PSNR {psnr}");
}

/// sRGB encode of a display-linear value to an 8-bit code.
fn srgb_code(linear: f32) -> u8 {
    let v = linear.clamp(0.0, 1.0);
    let encoded = if v <= 0.003_130_8 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 };
    (encoded * 255.0).round() as u8
}

#[test]
fn display_applies_each_tone_mapper_as_its_cpu_reference() {
    let Some(gpu) = common::gpu() else { return };
    // An unlit plane writes its colour into HDR untouched (no light, no exposure), so the
    // display pass sees exactly this HDR value (as a half float), above 1 in red.
    let hdr = glam::Vec3::new(2.5, 0.75, 0.125);
    let mut scene = common::square_scene(100.0, glam::Mat4::IDENTITY);
    scene.materials = vec![afterlight::scene::Material {
        base_color_factor: hdr.extend(1.0),
        unlit: true,
        ..Default::default()
    }];
    scene.meshes[0].primitives[0].material = Some(0);
    let camera = Camera::orbit(Vec3::ZERO, 0.0, 0.0, 5.0, 0.5);
    let mut renderer = common::renderer(&gpu, &scene, (16, 16), &common::studio(&gpu));
    for mapper in ToneMapper::ALL {
        renderer
            .render(
                &gpu,
                &camera,
                &options_with(|p| {
                    p.tonemap.mapper = mapper;
                    p.finish.dither = false;
                }),
            )
            .expect("render");
        let image = renderer.read_display(&gpu).expect("readback");
        let expected = mapper.apply(hdr).to_array().map(srgb_code);
        let got = [image[0], image[1], image[2]];
        let off = got.iter().zip(expected).map(|(g, e)| (i32::from(*g) - i32::from(e)).abs()).max();
        assert!(off <= Some(1), "{}: got {got:?}, CPU reference {expected:?}", mapper.name());
    }
}

#[test]
fn finish_applies_the_grade_and_rebakes_when_it_changes() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let size = (96, 64);
    let camera = common::scene_camera(&scene, 1.5);
    let mut renderer = common::renderer(&gpu, &scene, size, &common::studio(&gpu));
    let neutral = RenderOptions::default();
    renderer.render(&gpu, &camera, &neutral).expect("render");
    let before = renderer.read_display(&gpu).expect("readback");
    // Saturation 0 makes every pixel grey (r = g = b within the LUT's interpolation).
    let grey = GradeSettings { saturation: 0.0, ..GradeSettings::NEUTRAL };
    renderer.render(&gpu, &camera, &options_with(|p| p.grade = grey)).expect("render");
    let desaturated = renderer.read_display(&gpu).expect("readback");
    let spread = desaturated
        .chunks_exact(4)
        .map(|p| p[0].max(p[1]).max(p[2]) - p[0].min(p[1]).min(p[2]))
        .max()
        .unwrap_or(0);
    assert!(spread <= 2, "saturation 0 leaves colour: max channel spread {spread}");
    let colourful = before.chunks_exact(4).any(|p| p[0].abs_diff(p[2]) > 60);
    assert!(colourful, "the neutral render has saturated pixels (the red sphere)");
    // Back to neutral: the LUT is baked again and the first image returns exactly.
    renderer.render(&gpu, &camera, &neutral).expect("render");
    assert_eq!(renderer.read_display(&gpu).expect("readback"), before);
}

/// The largest step between the mean 8-bit red codes of adjacent columns: a staircase of
/// flat bands steps by whole codes, a gradient carried by dither by a small fraction of one.
fn largest_column_step(image: &[u8], size: u32) -> f32 {
    let mean = |x: u32| {
        (0..size).map(|y| f32::from(image[((y * size + x) * 4) as usize])).sum::<f32>()
            / size as f32
    };
    (1..size).map(|x| (mean(x) - mean(x - 1)).abs()).fold(0.0, f32::max)
}

#[test]
fn dither_keeps_gradients_finer_than_one_code() {
    let Some(gpu) = common::gpu() else { return };
    // An unlit square whose vertex colours ramp from 0.30 to 0.31 left to right: about 2.2
    // sRGB codes over 256 px, so plain rounding makes a staircase of 3 flat bands.
    let (start, end) = (0.30f32, 0.31f32);
    let mut scene = common::square_scene(2.0, glam::Mat4::IDENTITY);
    for v in &mut scene.meshes[0].primitives[0].vertices {
        let c = if v.position[0] < 0.0 { start } else { end };
        v.color = [c, c, c, 1.0];
    }
    let size = 256;
    let (mut renderer, camera) = common::unlit_ortho(&gpu, scene, (size, size));
    let mut errors = Vec::new();
    for dither in [false, true] {
        let options = options_with(|p| {
            p.tonemap.mapper = ToneMapper::Clamp;
            p.finish.dither = dither;
        });
        renderer.render(&gpu, &camera, &options).expect("render");
        errors.push(largest_column_step(&renderer.read_display(&gpu).expect("readback"), size));
    }
    eprintln!(
        "largest step between column means: plain {:.3} codes, dithered {:.3} codes",
        errors[0], errors[1]
    );
    // The ramp rises 2.2 codes over 256 columns (0.009 per column): rounding makes whole-code
    // steps; with dither the column means move by the slope plus averaged noise.
    assert!(errors[0] > 0.9, "the undithered staircase: {}", errors[0]);
    assert!(errors[1] < 0.25, "dithered output is free of bands: {}", errors[1]);
}

/// Default options with the post settings changed by `change`.
fn options_with(change: impl FnOnce(&mut afterlight::post::chain::PostSettings)) -> RenderOptions {
    let mut options = RenderOptions::default();
    change(&mut options.post);
    options
}

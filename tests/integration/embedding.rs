//! The embedding API (`afterlight::post::stack::PostStack`): the same image as afterlight's own
//! renderer from the same inputs, any output format, requirement errors, and AR compositing
//! (real-world pixels come out as the camera gave them, darkened by the shadow catcher; virtual
//! pixels get the chain and the camera's noise).

use afterlight::config::Preset;
use afterlight::gpu::{Gpu, read_texture};
use afterlight::post::chain::{PostSettings, Provided};
use afterlight::post::composite::RealWorld;
use afterlight::post::dof::DofSettings;
use afterlight::post::exposure::ExposureSettings;
use afterlight::post::finish::DISPLAY_FORMAT;
use afterlight::post::stack::{PostInputs, PostStack, PostStackDescriptor};
use afterlight::render::{RenderOptions, post_camera, pre_exposure, view_projection};
use afterlight::scene::Camera;
use glam::Vec3;
use wgpu::util::DeviceExt;

use crate::common;

const EV100: f32 = 9.0;

fn desktop() -> PostSettings {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/presets/desktop.toml");
    let mut settings = Preset::load(path).expect("desktop preset").settings;
    // A fixed exposure: the app hands the same EV100 and pre-exposure the renderer uses.
    settings.exposure = ExposureSettings::manual(EV100);
    settings
}

fn target(gpu: &Gpu, size: (u32, u32), format: wgpu::TextureFormat) -> wgpu::Texture {
    gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("app target"),
        size: wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    })
}

fn texture_with(
    gpu: &Gpu,
    size: (u32, u32),
    format: wgpu::TextureFormat,
    bytes: &[u8],
) -> wgpu::TextureView {
    gpu.device
        .create_texture_with_data(
            &gpu.queue,
            &wgpu::TextureDescriptor {
                label: Some("app input"),
                size: wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_SRC,
                view_formats: &[],
            },
            wgpu::util::TextureDataOrder::LayerMajor,
            bytes,
        )
        .create_view(&Default::default())
}

/// One frame of `stack` from `inputs` into a new target of `format`; its bytes.
fn run_frame(
    gpu: &Gpu,
    stack: &mut PostStack,
    size: (u32, u32),
    format: wgpu::TextureFormat,
    inputs: &PostInputs<'_>,
) -> Vec<u8> {
    let output = target(gpu, size, format);
    stack.begin_frame(size).expect("begin_frame");
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    stack.record(&mut encoder, inputs, &output.create_view(&Default::default())).expect("record");
    gpu.queue.submit([encoder.finish()]);
    stack.end_frame();
    read_texture(gpu, &output).expect("readback")
}

#[test]
fn the_embedding_path_matches_the_renderer_frame_for_frame() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let environment = common::studio(&gpu);
    let size = (96, 64);
    let mut renderer = common::renderer(&gpu, &scene, size, &environment);
    let settings = desktop();
    assert!(settings.taa.tier.is_on() && settings.bloom.tier.is_on(), "desktop runs TAA, bloom");
    let options = RenderOptions { post: settings.clone(), ..Default::default() };
    let descriptor = PostStackDescriptor {
        settings,
        hdr_format: wgpu::TextureFormat::Rgba16Float,
        output_format: DISPLAY_FORMAT,
        provided: Provided::GBUFFER,
    };
    let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
    let bounds = scene.bounds;
    let aspect = size.0 as f32 / size.1 as f32;
    // Four frames of a slow orbit: TAA's history, the jitter sequence and the grain's frame
    // number all have to stay in step.
    for frame in 0..4 {
        let camera = Camera::frame_bounds(&bounds, 30.0 + 1.5 * frame as f32, 20.0, aspect);
        renderer.render(&gpu, &camera, &options).expect("render");
        let expected = renderer.read_display(&gpu).expect("display");
        let gbuffer = renderer.gbuffer();
        let inputs = PostInputs {
            depth: Some(&gbuffer.depth.view),
            motion: Some(&gbuffer.motion.view),
            view_projection: Some(view_projection(&camera, size.0, size.1)),
            camera: post_camera(&camera, &bounds),
            pre_exposure: pre_exposure(EV100),
            ev100: EV100,
            ..PostInputs::new(&gbuffer.hdr.view)
        };
        let actual = run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs);
        let mean = expected.iter().map(|&b| f64::from(b)).sum::<f64>() / expected.len() as f64;
        assert!((20.0..235.0).contains(&mean), "frame {frame}: a real picture (mean {mean})");
        let differing = expected.iter().zip(&actual).filter(|(a, b)| a != b).count();
        assert_eq!(differing, 0, "frame {frame}: {differing} bytes differ from the renderer's");
    }
}

/// A flat HDR image of `size` (Rgba16Float, alpha 1) as an app would hand in.
fn flat_hdr(gpu: &Gpu, size: (u32, u32), rgb: Vec3) -> wgpu::TextureView {
    let texel = [rgb.x, rgb.y, rgb.z, 1.0].map(common::f32_to_f16);
    let texels = vec![texel; (size.0 * size.1) as usize];
    texture_with(gpu, size, wgpu::TextureFormat::Rgba16Float, bytemuck::cast_slice(&texels))
}

#[test]
fn every_output_format_shows_the_same_picture() {
    let Some(gpu) = common::gpu() else { return };
    let size = (32, 16);
    // A ramp of colours, so the comparison covers the whole transfer curve.
    let texels: Vec<[u16; 4]> = (0..size.0 * size.1)
        .map(|i| {
            let x = (i % size.0) as f32 / size.0 as f32;
            [x * 2.0, 0.5 * x, 1.0 - x, 1.0].map(common::f32_to_f16)
        })
        .collect();
    let hdr =
        texture_with(&gpu, size, wgpu::TextureFormat::Rgba16Float, bytemuck::cast_slice(&texels));
    let render = |format| {
        let descriptor = PostStackDescriptor::new(format);
        let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
        run_frame(&gpu, &mut stack, size, format, &PostInputs::new(&hdr))
    };
    let reference = render(DISPLAY_FORMAT);
    let close = |name: &str, codes: &[[f32; 3]]| {
        for (i, (c, r)) in codes.iter().zip(reference.chunks_exact(4)).enumerate() {
            for k in 0..3 {
                let d = (c[k] - f32::from(r[k])).abs();
                assert!(d <= 1.0, "{name}: pixel {i} channel {k}: {} vs {}", c[k], r[k]);
            }
        }
    };
    let plain = render(wgpu::TextureFormat::Rgba8Unorm);
    close(
        "Rgba8Unorm",
        &plain.chunks_exact(4).map(|p| [p[0], p[1], p[2]].map(f32::from)).collect::<Vec<_>>(),
    );
    let bgra = render(wgpu::TextureFormat::Bgra8UnormSrgb);
    close(
        "Bgra8UnormSrgb",
        &bgra.chunks_exact(4).map(|p| [p[2], p[1], p[0]].map(f32::from)).collect::<Vec<_>>(),
    );
    let float = render(wgpu::TextureFormat::Rgba16Float);
    let encoded: Vec<[f32; 3]> = afterlight::gpu::halves_to_f32(&float)
        .chunks_exact(4)
        .map(|p| [p[0], p[1], p[2]].map(|v| f32::from(common::linear_to_srgb(v))))
        .collect();
    close("Rgba16Float", &encoded);
}

#[test]
fn requirements_and_misuse_are_errors_that_name_them() {
    let Some(gpu) = common::gpu() else { return };
    let settings = PostSettings { dof: DofSettings::PRODUCT, ..Default::default() };
    let descriptor = PostStackDescriptor { settings, ..PostStackDescriptor::new(DISPLAY_FORMAT) };
    let error = PostStack::new(&gpu.device, &gpu.queue, &descriptor).err().expect("needs depth");
    let message = error.to_string();
    assert!(message.contains("`dof`") && message.contains("depth"), "{message}");

    let mut stack =
        PostStack::new(&gpu.device, &gpu.queue, &PostStackDescriptor::new(DISPLAY_FORMAT))
            .expect("defaults need only HDR colour");
    let message = stack.set_settings(&descriptor.settings).expect_err("needs depth").to_string();
    assert!(message.contains("`dof`") && message.contains("depth"), "{message}");
    assert_eq!(stack.settings(), &PostSettings::default().validated().0, "settings kept");

    let message = stack.begin_frame((0, 10)).expect_err("zero size").to_string();
    assert!(message.contains("0x10"), "{message}");

    let hdr = flat_hdr(&gpu, (8, 8), Vec3::ONE);
    let output = target(&gpu, (8, 8), DISPLAY_FORMAT);
    let view = output.create_view(&Default::default());
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let message =
        stack.record(&mut encoder, &PostInputs::new(&hdr), &view).expect_err("no plan").to_string();
    assert!(message.contains("begin_frame"), "{message}");

    let promised = PostStackDescriptor {
        provided: Provided::GBUFFER,
        ..PostStackDescriptor::new(DISPLAY_FORMAT)
    };
    let mut stack = PostStack::new(&gpu.device, &gpu.queue, &promised).expect("stack");
    stack.begin_frame((8, 8)).expect("plan");
    let message = stack
        .record(&mut encoder, &PostInputs::new(&hdr), &view)
        .expect_err("no depth")
        .to_string();
    assert!(message.contains("depth"), "{message}");
}

fn srgb_to_linear(code: f32) -> f32 {
    common::srgb_to_linear(code.round().clamp(0.0, 255.0) as u8)
}

#[test]
fn real_world_pixels_keep_the_camera_image_and_virtual_pixels_get_the_chain() {
    let Some(gpu) = common::gpu() else { return };
    let size = (64u32, 32u32);
    let n = (size.0 * size.1) as usize;
    // A stylised chain: every step would change a camera pixel if it reached one.
    let mut settings = desktop();
    settings.taa.tier = afterlight::post::Tier::Off;
    settings.ao.tier = afterlight::post::Tier::Off;
    settings.finish.vignette.intensity = 0.8;
    settings.grade.saturation = 0.3;
    settings.grade.contrast = 1.4;
    let descriptor = PostStackDescriptor { settings, ..PostStackDescriptor::new(DISPLAY_FORMAT) };
    let hdr = flat_hdr(&gpu, size, Vec3::new(0.3, 0.2, 0.1));
    // The camera image: a colourful ramp. The mask: the left half is real world. The shadow
    // catcher: the top rows of the real world receive half the light.
    let camera: Vec<u8> = (0..n)
        .flat_map(|i| {
            let (x, y) = (i as u32 % size.0, i as u32 / size.0);
            [(x * 4) as u8, (y * 8) as u8, 200 - (x + y) as u8, 255]
        })
        .collect();
    let mask: Vec<u8> =
        (0..n).map(|i| if (i as u32 % size.0) < size.0 / 2 { 255 } else { 0 }).collect();
    let light: Vec<u8> = (0..n).map(|i| if (i as u32 / size.0) < 8 { 128 } else { 255 }).collect();
    let camera_view = texture_with(&gpu, size, DISPLAY_FORMAT, &camera);
    let mask_view = texture_with(&gpu, size, wgpu::TextureFormat::R8Unorm, &mask);
    let light_view = texture_with(&gpu, size, wgpu::TextureFormat::R8Unorm, &light);
    let real_world = RealWorld {
        camera_image: &camera_view,
        mask: &mask_view,
        light_fraction: Some(&light_view),
        grain_sigma: 0.0,
        match_exposure: false,
    };
    let frame = |real_world: Option<RealWorld<'_>>| {
        let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
        let inputs = PostInputs { real_world, ..PostInputs::new(&hdr) };
        run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs)
    };
    let composited = frame(Some(real_world));
    let virtual_only = frame(None);
    let mut graded_away = 0.0;
    for i in 0..n {
        let (x, y) = (i as u32 % size.0, i as u32 / size.0);
        let out = &composited[i * 4..i * 4 + 3];
        if x < size.0 / 2 {
            let fraction = if y < 8 { 128.0 / 255.0 } else { 1.0 };
            for k in 0..3 {
                let expected =
                    common::linear_to_srgb(srgb_to_linear(f32::from(camera[i * 4 + k])) * fraction);
                let d = (i32::from(out[k]) - i32::from(expected)).abs();
                assert!(
                    d <= 1,
                    "real pixel ({x}, {y}) channel {k}: {} vs camera {expected}",
                    out[k]
                );
                graded_away +=
                    (f64::from(virtual_only[i * 4 + k]) - f64::from(camera[i * 4 + k])).abs();
            }
        } else {
            for k in 0..3 {
                let d = (i32::from(out[k]) - i32::from(virtual_only[i * 4 + k])).abs();
                assert!(
                    d <= 1,
                    "virtual pixel ({x}, {y}) channel {k}: {} vs {}",
                    out[k],
                    virtual_only[i * 4 + k]
                );
            }
        }
    }
    // Without the mask the chain reaches the camera's pixels: the difference is visible.
    let mean = graded_away / (n as f64 / 2.0 * 3.0);
    assert!(mean > 10.0, "without the mask real pixels move {mean:.1} codes on average");
}

#[test]
fn virtual_pixels_get_the_camera_noise_level() {
    let Some(gpu) = common::gpu() else { return };
    let size = (64u32, 64u32);
    let n = (size.0 * size.1) as usize;
    let hdr = flat_hdr(&gpu, size, Vec3::splat(0.18));
    let camera_view = texture_with(&gpu, size, DISPLAY_FORMAT, &vec![128; n * 4]);
    let mask_view = texture_with(&gpu, size, wgpu::TextureFormat::R8Unorm, &vec![0; n]);
    let descriptor = PostStackDescriptor::new(DISPLAY_FORMAT);
    let frame = |sigma: f32| {
        let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
        let real_world = RealWorld {
            camera_image: &camera_view,
            mask: &mask_view,
            light_fraction: None,
            grain_sigma: sigma,
            match_exposure: false,
        };
        let inputs = PostInputs { real_world: Some(real_world), ..PostInputs::new(&hdr) };
        run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs)
    };
    let clean = frame(0.0);
    let sigma = 0.02;
    let noisy = frame(sigma);
    let diffs: Vec<f64> = clean
        .chunks_exact(4)
        .zip(noisy.chunks_exact(4))
        .flat_map(|(a, b)| (0..3).map(move |k| f64::from(b[k]) - f64::from(a[k])))
        .collect();
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let std = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / diffs.len() as f64).sqrt();
    let measured = std / 255.0;
    assert!(mean.abs() < 0.5, "grain is zero-mean (mean {mean:.2} codes)");
    assert!(
        (measured - f64::from(sigma)).abs() < 0.15 * f64::from(sigma),
        "grain sigma {measured:.4}, wanted {sigma}"
    );
    // And the estimator reads that noise level back from the output image.
    let estimated = afterlight::post::composite::estimate_noise_sigma(&noisy, size.0, size.1);
    assert!((estimated - sigma).abs() < 0.2 * sigma, "estimated {estimated}, added {sigma}");
}

/// The AR exposure match, on a full device (one compute dispatch) and at the WebGL2 level
/// (fragment samples read back to the CPU, which inverts the tone curve itself): the virtual
/// grey card comes out at the photo's code within 2. On the fragment path the first frame
/// keeps the given exposure (its samples are on their way back); the next frames match.
#[test]
fn exposure_taken_from_the_camera_image_makes_a_grey_card_match_the_photo() {
    let Some(full) = common::gpu() else { return };
    let webgl2 = Gpu::new(&afterlight::gpu::GpuOptions {
        downlevel: Some(afterlight::gpu::DownlevelRequest::WebGl2),
        ..Default::default()
    })
    .expect("a WebGL2-level device");
    for gpu in [&full, &webgl2] {
        // The ar preset's PBR Neutral, and AgX (whose curve is far from the identity).
        for mapper in [None, Some(afterlight::post::tonemap::ToneMapper::AgX)] {
            grey_card_matches_the_photo(gpu, mapper);
        }
    }
}

fn grey_card_matches_the_photo(gpu: &Gpu, mapper: Option<afterlight::post::tonemap::ToneMapper>) {
    let size = (48u32, 32u32);
    let n = (size.0 * size.1) as usize;
    // The ar preset: PBR Neutral (the identity below 0.76), no stylisation.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/presets/ar.toml");
    let mut settings = Preset::load(path).expect("ar preset").settings;
    if let Some(mapper) = mapper {
        settings.tonemap.mapper = mapper;
    }
    let descriptor = PostStackDescriptor { settings, ..PostStackDescriptor::new(DISPLAY_FORMAT) };
    // The real world and a virtual grey card in the same light: scene luminance 50 (any unit)
    // everywhere in the HDR image. The camera exposed the real world to code 118 (0.18 linear).
    let scene = 50.0;
    let hdr = flat_hdr(gpu, size, Vec3::splat(scene));
    let code = 118u8;
    let camera_view = texture_with(gpu, size, DISPLAY_FORMAT, &vec![code; n * 4]);
    let mask: Vec<u8> =
        (0..n).map(|i| if (i as u32 % size.0) < size.0 / 2 { 255 } else { 0 }).collect();
    let mask_view = texture_with(gpu, size, wgpu::TextureFormat::R8Unorm, &mask);
    let frames = |match_exposure: bool, count: usize| {
        let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
        let real_world = RealWorld {
            camera_image: &camera_view,
            mask: &mask_view,
            light_fraction: None,
            grain_sigma: 0.0,
            match_exposure,
        };
        let inputs = PostInputs { real_world: Some(real_world), ..PostInputs::new(&hdr) };
        (0..count).map(|_| run_frame(gpu, &mut stack, size, DISPLAY_FORMAT, &inputs)).collect()
    };
    let virtual_codes = |image: &Vec<u8>| -> Vec<u8> {
        (0..n)
            .filter(|i| (*i as u32 % size.0) >= size.0 / 2)
            .flat_map(|i| image[i * 4..i * 4 + 3].to_vec())
            .collect()
    };
    let level = gpu.capabilities.level();
    // With the given EV100 (0) the card is far too bright: white.
    let given: Vec<Vec<u8>> = frames(false, 1);
    assert!(virtual_codes(&given[0]).iter().all(|&c| c > 250), "{level:?}: burnt out");
    let matched: Vec<Vec<u8>> = frames(true, 3);
    let compute = gpu.capabilities.compute_and_storage();
    for (index, image) in matched.iter().enumerate() {
        let codes = virtual_codes(image);
        if index == 0 && !compute {
            assert!(codes.iter().all(|&c| c > 250), "{level:?}: the first frame waits");
            continue;
        }
        for c in codes {
            let off = (i32::from(c) - i32::from(code)).abs();
            assert!(off <= 2, "{level:?} {mapper:?} frame {index}: card code {c}, photo {code}");
        }
    }
}

#[test]
fn the_renderer_composites_over_a_camera_image_with_its_shadow_catcher() {
    let Some(gpu) = common::gpu() else { return };
    let size = (96u32, 64u32);
    let n = (size.0 * size.1) as usize;
    let mut product = common::default_scene();
    product.instances.retain(|i| i.node != "floor");
    product.update_bounds();
    let environment = common::studio(&gpu);
    let camera = Camera::frame_bounds(&product.bounds, 35.0, 25.0, size.0 as f32 / size.1 as f32);
    let code = 90u8;
    let photo = texture_with(&gpu, size, DISPLAY_FORMAT, &vec![code; n * 4]);
    let image =
        afterlight::render::CameraImage { view: &photo, grain_sigma: 0.0, match_exposure: false };
    let options = RenderOptions { post: desktop(), ..Default::default() };

    let mut plain = common::renderer(&gpu, &product, size, &environment);
    let message = plain
        .render_over_camera(&gpu, &camera, &options, &image)
        .expect_err("no catcher, no mask")
        .to_string();
    assert!(message.contains("shadow catcher"), "{message}");

    let settings = afterlight::render::RendererSettings {
        shadow_catcher: Some(Default::default()),
        ..Default::default()
    };
    let mut renderer = afterlight::render::Renderer::with_environment(
        &gpu,
        &product,
        size,
        environment.clone(),
        &settings,
    )
    .expect("renderer");
    renderer.render_over_camera(&gpu, &camera, &options, &image).expect("AR frame");
    let display = renderer.read_display(&gpu).expect("display");
    let mask = renderer.read_real_world_mask(&gpu).expect("mask").expect("catcher on");
    let light = renderer.read_shadow_catcher(&gpu).expect("fraction").expect("catcher on");
    let (mut open, mut shadowed, mut virtual_pixels) = (0, 0, 0);
    for i in 0..n {
        let out = &display[i * 4..i * 4 + 3];
        if mask[i] > 0.99 && light[i] > 0.999 {
            open += 1;
            for &c in out {
                assert!((i32::from(c) - i32::from(code)).abs() <= 1, "open ground {i}: {c}");
            }
        } else if mask[i] > 0.99 && light[i] < 0.98 {
            shadowed += 1;
            let expected = common::linear_to_srgb(common::srgb_to_linear(code) * light[i]);
            for &c in out {
                assert!(
                    (i32::from(c) - i32::from(expected)).abs() <= 1,
                    "shadow {i}: {c} vs {expected}"
                );
            }
        } else if mask[i] < 0.01 {
            virtual_pixels += 1;
        }
    }
    assert!(
        open > n / 4 && shadowed > 20 && virtual_pixels > 200,
        "{open} open, {shadowed} shadowed, {virtual_pixels} virtual"
    );
}

/// A `.cube` LUT given as text (the web, assets in memory) under the name a preset uses
/// draws exactly what the same file read from disk draws; a broken one is an error naming it,
/// and the stack keeps running.
#[test]
fn a_lut_given_as_text_draws_what_the_file_draws() {
    let Some(gpu) = common::gpu() else { return };
    let Some(path) = common::shared_file("luts/colour_eotf_sRGB_3D.cube") else { return };
    let text = std::fs::read_to_string(&path).expect("the LUT reads");
    let size = (16u32, 8u32);
    let hdr = flat_hdr(&gpu, size, Vec3::new(0.05, 0.2, 0.6));
    let inputs = PostInputs::new(&hdr);
    let picture = |file: Option<std::path::PathBuf>, provide: bool| {
        let mut settings =
            PostSettings { exposure: ExposureSettings::manual(0.0), ..Default::default() };
        settings.lut.file = file;
        let descriptor =
            PostStackDescriptor { settings, ..PostStackDescriptor::new(DISPLAY_FORMAT) };
        let mut stack = PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack");
        if provide {
            stack.provide_lut("in-memory.cube", &text).expect("the LUT parses");
        }
        run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs)
    };
    let from_file = picture(Some(path.clone()), false);
    let from_text = picture(Some("in-memory.cube".into()), true);
    let without = picture(None, false);
    assert_eq!(from_text, from_file, "the LUT from text draws the file's picture");
    assert_ne!(from_file, without, "the LUT changes the picture");

    let plain = PostStackDescriptor::new(DISPLAY_FORMAT);
    let mut stack = PostStack::new(&gpu.device, &gpu.queue, &plain).expect("stack");
    let error = stack.provide_lut("broken.cube", "LUT_3D_SIZE 2\n0 0 0\n").expect_err("too few");
    assert!(error.to_string().contains("broken.cube"), "{error}");
    run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs);
}

/// A LUT file edited on disk: `reload_lut` reads it again and the next frame draws what a
/// fresh stack with the new file draws; a broken edit is an error naming the file and line,
/// and the last good LUT stays.
#[test]
fn a_lut_file_edited_on_disk_is_reloaded() {
    let Some(gpu) = common::gpu() else { return };
    let dir = std::env::temp_dir().join(format!("afterlight-lut-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("look.cube");
    let halve = "LUT_1D_SIZE 2\n0 0 0\n0.5 0.5 0.5\n";
    let invert = "LUT_1D_SIZE 2\n1 1 1\n0 0 0\n";
    std::fs::write(&path, halve).expect("write");
    let size = (16u32, 8u32);
    let hdr = flat_hdr(&gpu, size, Vec3::new(0.05, 0.2, 0.6));
    let inputs = PostInputs::new(&hdr);
    let new_stack = || {
        let mut settings =
            PostSettings { exposure: ExposureSettings::manual(0.0), ..Default::default() };
        settings.lut.file = Some(path.clone());
        let descriptor =
            PostStackDescriptor { settings, ..PostStackDescriptor::new(DISPLAY_FORMAT) };
        PostStack::new(&gpu.device, &gpu.queue, &descriptor).expect("stack")
    };
    let mut stack = new_stack();
    let halved = run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs);
    std::fs::write(&path, invert).expect("write");
    assert!(stack.reload_lut().expect("the edit parses"));
    let reloaded = run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs);
    let fresh = run_frame(&gpu, &mut new_stack(), size, DISPLAY_FORMAT, &inputs);
    assert_ne!(reloaded, halved, "the edit changes the picture");
    assert_eq!(reloaded, fresh, "the reloaded LUT draws what a fresh stack draws");
    std::fs::write(&path, "LUT_1D_SIZE 2\n1 1 1\n").expect("write");
    let error = stack.reload_lut().expect_err("truncated").to_string();
    assert!(error.contains("look.cube line 2"), "{error}");
    assert_eq!(run_frame(&gpu, &mut stack, size, DISPLAY_FORMAT, &inputs), reloaded);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The readback the web uses (`read_texture_async`, nothing blocks) returns the bytes the
/// blocking one does; it resolves once the device has mapped the copy.
#[test]
fn the_async_readback_returns_what_the_blocking_one_does() {
    let Some(gpu) = common::gpu() else { return };
    let size = (24u32, 10u32);
    let bytes: Vec<u8> = (0..size.0 * size.1 * 4).map(|i| (i * 7 % 251) as u8).collect();
    let view = texture_with(&gpu, size, DISPLAY_FORMAT, &bytes);
    let texture = view.texture();
    let pending = afterlight::gpu::read_texture_async(&gpu.device, &gpu.queue, texture);
    gpu.device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
    let read = pollster::block_on(pending).expect("mapped");
    assert_eq!(read, bytes);
    assert_eq!(read, read_texture(&gpu, texture).expect("blocking readback"));
}

/// The AR path at the WebGL2 level (no compute, no storage): the shadow catcher, the
/// real-world composite and the exposure matched to the camera draw the full device's
/// picture (all but 0.1 % of pixels within 2 codes), after the frame the match's samples take
/// to come back.
#[test]
fn the_ar_path_at_webgl2_level_draws_the_full_devices_picture() {
    let Some(full) = common::gpu() else { return };
    let webgl2 = Gpu::new(&afterlight::gpu::GpuOptions {
        downlevel: Some(afterlight::gpu::DownlevelRequest::WebGl2),
        ..Default::default()
    })
    .expect("a WebGL2-level device");
    let size = (96u32, 64u32);
    let n = (size.0 * size.1) as usize;
    let mut product = common::default_scene();
    product.instances.retain(|i| i.node != "floor");
    product.update_bounds();
    let camera = Camera::frame_bounds(&product.bounds, 35.0, 25.0, size.0 as f32 / size.1 as f32);
    let ar = Preset::load(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/ar.toml"))
        .expect("ar preset")
        .settings;
    let options = RenderOptions { post: ar, ..Default::default() };
    let picture = |gpu: &Gpu| {
        let photo = texture_with(gpu, size, DISPLAY_FORMAT, &vec![90u8; n * 4]);
        let image = afterlight::render::CameraImage {
            view: &photo,
            grain_sigma: 0.0,
            match_exposure: true,
        };
        let settings = afterlight::render::RendererSettings {
            shadow_catcher: Some(Default::default()),
            ..Default::default()
        };
        let environment = common::studio(gpu);
        let mut renderer = afterlight::render::Renderer::with_environment(
            gpu,
            &product,
            size,
            environment,
            &settings,
        )
        .expect("renderer");
        for _ in 0..3 {
            renderer.render_over_camera(gpu, &camera, &options, &image).expect("AR frame");
            renderer.read_display(gpu).expect("display");
        }
        renderer.read_display(gpu).expect("display")
    };
    let (reference, low) = (picture(&full), picture(&webgl2));
    let largest = reference.iter().zip(&low).map(|(a, b)| a.abs_diff(*b)).max().unwrap_or(0);
    let mean = reference.iter().zip(&low).map(|(a, b)| f64::from(a.abs_diff(*b))).sum::<f64>()
        / reference.len() as f64;
    // The match's EV comes from half-float log means on the CPU rather than f32 sums on the
    // GPU (about 0.001 EV apart): a code here and there, and FXAA may decide an edge pixel the
    // other way (one pixel of 6144 here).
    let outliers = reference
        .chunks(4)
        .zip(low.chunks(4))
        .filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > 2))
        .count();
    println!(
        "AR at the WebGL2 level vs full: largest {largest} codes, mean {mean:.4}, {outliers} \
         pixels over 2 codes"
    );
    assert!(outliers <= n / 1000 && mean <= 0.05, "{outliers} pixels off (mean {mean:.4})");
}

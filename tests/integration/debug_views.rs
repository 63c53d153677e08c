//! The frame debug views against reference answers: the AO view shows the renderer's AO
//! visibility texel for texel, a bloom mip of a uniform image shows that image's value, and
//! the LUT view of the neutral grade with the clamp tone mapper shows the baked identity ramp
//! (`baked_value`) slice by slice.

use crate::common;

use afterlight::post::Tier;
use afterlight::post::ao::AoSettings;
use afterlight::post::bloom::BloomSettings;
use afterlight::post::grade::GradeSettings;
use afterlight::post::grade_bake::{baked_value, shaper_inverse};
use afterlight::post::tonemap::ToneMapper;
use afterlight::render::{Background, DebugView, RenderOptions};
use afterlight::scene::Camera;
use glam::Vec3;

fn code_of(value: f32) -> f32 {
    (value.clamp(0.0, 1.0) * 255.0).round()
}

#[test]
fn the_ao_view_shows_the_renderers_ao_visibility() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let size = (96, 64);
    let camera = common::scene_camera(&scene, size.0 as f32 / size.1 as f32);
    let env = common::studio(&gpu);
    let mut renderer = common::renderer(&gpu, &scene, size, &env);
    let mut options = RenderOptions { debug_view: Some(DebugView::Ao), ..Default::default() };
    options.post.ao = AoSettings { multi_bounce: false, ..AoSettings::HIGH };
    renderer.render(&gpu, &camera, &options).expect("render");
    let visibility =
        renderer.read_ambient_occlusion(&gpu).expect("readback").expect("AO ran in the AO view");
    let shown = renderer.read_display(&gpu).expect("readback");
    let (ao_w, ao_h) = if visibility.len() == (size.0 * size.1) as usize {
        size
    } else {
        (size.0 / 2, size.1 / 2)
    };
    assert_eq!(visibility.len(), (ao_w * ao_h) as usize, "AO at full or half size");
    let mut occluded = 0;
    for y in 0..size.1 {
        for x in 0..size.0 {
            let ax = ((x as f32 + 0.5) / size.0 as f32 * ao_w as f32) as u32;
            let ay = ((y as f32 + 0.5) / size.1 as f32 * ao_h as f32) as u32;
            let v = visibility[(ay * ao_w + ax) as usize];
            let pixel = &shown[((y * size.0 + x) * 4) as usize..][..4];
            let expected = code_of(v);
            assert!(
                (f32::from(pixel[0]) - expected).abs() <= 1.0 && pixel[0] == pixel[1],
                "pixel ({x}, {y}) shows {pixel:?}, AO visibility {v} is code {expected}"
            );
            occluded += usize::from(v < 0.9);
        }
    }
    assert!(occluded > 20, "the scene has occluded pixels to show ({occluded})");
}

#[test]
fn a_bloom_mip_of_a_uniform_image_shows_that_value() {
    let Some(gpu) = common::gpu() else { return };
    // Only the background in view: a uniform HDR image.
    let scene = common::default_scene();
    let size = (128, 128);
    let away = Camera { forward: Vec3::Y, up: Vec3::Z, ..common::scene_camera(&scene, 1.0) };
    let camera = Camera { position: away.position + Vec3::Y * 1000.0, ..away };
    let env = common::studio(&gpu);
    let mut renderer = common::renderer(&gpu, &scene, size, &env);
    let mut options = RenderOptions {
        background: Background::Color(Vec3::splat(0.3)),
        debug_view: None,
        ..Default::default()
    };
    options.post.bloom = BloomSettings { threshold: 0.0, ..BloomSettings::default() };
    renderer.render(&gpu, &camera, &options).expect("render");
    let hdr = renderer.read_hdr(&gpu).expect("readback");
    let value = hdr[0][1];
    assert!(hdr.iter().all(|p| (p[1] - value).abs() < 1e-3), "the input is uniform");
    assert!(value > 0.02 && value < 0.9, "a value the display can show: {value}");
    for mip in [0, 2, 4] {
        options.debug_view = Some(DebugView::BloomMip(mip));
        renderer.render(&gpu, &camera, &options).expect("render");
        let shown = renderer.read_display(&gpu).expect("readback");
        let mean = shown.chunks_exact(4).map(|p| common::srgb_to_linear(p[1])).sum::<f32>()
            / (size.0 * size.1) as f32;
        assert!(
            (mean - value).abs() < 0.01 + value * 0.02,
            "bloom mip {mip} averages {mean}, the uniform input is {value}"
        );
    }
}

#[test]
fn bloom_mips_have_the_documented_sizes() {
    let Some(gpu) = common::gpu() else { return };
    // Half floats 0.5, 0.5, 0.5, 1 (0x3800, 0x3c00).
    let texels: Vec<u16> = [0x3800u16, 0x3800, 0x3800, 0x3c00].repeat(128 * 96);
    let extent = wgpu::Extent3d { width: 128, height: 96, depth_or_array_layers: 1 };
    let input = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("uniform grey"),
        size: extent,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba16Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    gpu.queue.write_texture(
        input.as_image_copy(),
        bytemuck::cast_slice(&texels),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(128 * 8),
            rows_per_image: Some(96),
        },
        extent,
    );
    let format = wgpu::TextureFormat::Rgba16Float;
    let mut pass =
        afterlight::post::bloom::BloomPass::new(&gpu.device, format).expect("bloom pass");
    assert!(pass.mip_view(0).is_none(), "no mips before the first chain");
    let mut pool = afterlight::graph::TexturePool::new();
    let settings = BloomSettings { tier: Tier::High, ..BloomSettings::default() };
    let chain = settings.chain((128, 96)).expect("a chain");
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let view = input.create_view(&Default::default());
    let output =
        pass.draw(&gpu.device, &gpu.queue, &mut encoder, &mut pool, &view, (128, 96), &settings);
    gpu.queue.submit([encoder.finish()]);
    assert!(output.is_some());
    for mip in 0..chain.mip_count {
        let view = pass.mip_view(mip).expect("a mip");
        let texture = view.texture();
        assert_eq!(texture.mip_level_count(), chain.mip_count);
        let extent = texture.size().mip_level_size(mip, wgpu::TextureDimension::D2);
        assert_eq!(
            (extent.width, extent.height),
            ((128u32 >> (mip + 1)).max(1), (96u32 >> (mip + 1)).max(1)),
            "chain mip {mip} is the input >> (mip + 1)"
        );
    }
}

#[test]
fn the_lut_view_of_the_neutral_grade_shows_the_identity_ramp() {
    let Some(gpu) = common::gpu() else { return };
    let scene = common::default_scene();
    let size = (256, 256);
    let camera = common::scene_camera(&scene, 1.0);
    let env = common::studio(&gpu);
    let mut renderer = common::renderer(&gpu, &scene, size, &env);
    let mut options = RenderOptions { debug_view: Some(DebugView::Lut), ..Default::default() };
    options.post.finish.tier = Tier::Low; // a 16^3 LUT: 4 x 4 tiles of 64 px, 4 px per point
    options.post.tonemap.mapper = ToneMapper::Clamp;
    renderer.render(&gpu, &camera, &options).expect("render");
    let shown = renderer.read_display(&gpu).expect("readback");
    let n = 16u32;
    let lattice = |i: u32| shaper_inverse(i as f32 / (n - 1) as f32);
    for k in [0, 5, 15] {
        for j in [0, 7, 15] {
            for i in 0..n {
                let (x, y) = ((k % 4) * 64 + i * 4 + 2, (k / 4) * 64 + j * 4 + 2);
                let pixel = &shown[((y * size.0 + x) * 4) as usize..][..3];
                let x_in = Vec3::new(lattice(i), lattice(j), lattice(k));
                let expected =
                    baked_value(&GradeSettings::default(), ToneMapper::Clamp, None, x_in);
                for c in 0..3 {
                    assert!(
                        (f32::from(pixel[c]) - code_of(expected[c])).abs() <= 1.0,
                        "lattice ({i}, {j}, {k}) channel {c}: shown {pixel:?}, baked {expected}"
                    );
                }
            }
        }
    }
    // The identity ramp: red along a tile row rises with the lattice index.
    let row: Vec<u8> = (0..n).map(|i| shown[((2 * size.0 + i * 4 + 2) * 4) as usize]).collect();
    assert!(row.windows(2).all(|w| w[0] <= w[1]) && row[0] == 0 && row[15] == 255, "{row:?}");
}

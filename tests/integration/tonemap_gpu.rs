//! The GPU tone mappers (`shaders/include/tonemap.wgsl`, run through `shaders/post/tonemap_probe.wgsl`)
//! against their CPU references (`ToneMapper::apply` in `src/post/tonemap.rs`): every mapper on
//! a grey ramp, saturated colours over a range of intensities, and NaN / negative / huge input.
//! The GPU writes an Rgba32Float target, so what is compared is the shader's own f32 result.

use crate::common;

use afterlight::gpu::{Gpu, read_texture};
use afterlight::post::tonemap::{MAX_RADIANCE, ToneMapper};
use afterlight::shaders;
use glam::Vec3;

/// The requirement: the GPU may differ from the CPU by less than one 8-bit step.
///
/// The real differences are far smaller. On llvmpipe: 0 for Clamp, both Reinhards, ACES and
/// Hable (no transcendentals), one f32 ulp for PBR Neutral, and up to 1.7e-5 for the AgX
/// family, whose `log2` and `pow` GPUs evaluate only to within a few ulp (WGSL allows it) and
/// whose sigmoid polynomial cancels terms of size 40 to reach values near 0, so operation
/// order and fused multiply-adds show up there, amplified by the look's power and saturation
/// and the final 2.2 power. Denormal inputs differ by their own size (about 1e-40): GPUs may
/// flush them to 0 where the CPU keeps them.
const TOLERANCE: f32 = 1.0 / 255.0;

/// Texels per row of the probe's input and output textures (far below any texture limit).
const ROW: u32 = 256;

/// The grey ramp: 0, then 2048 log-spaced samples from 2^-14 to 64.
fn grey_ramp() -> Vec<Vec3> {
    let mut ramp = vec![Vec3::ZERO];
    ramp.extend((0..2048).map(|i| Vec3::splat(2f32.powf(-14.0 + 20.0 * i as f32 / 2047.0))));
    ramp
}

/// Primaries, secondaries and a few mixed colours (brightest channel 1), each scaled from
/// 2^-10 to 2^10 in quarter stops, and to the brightest and beyond.
fn saturated() -> Vec<Vec3> {
    let hues = [
        Vec3::new(1.0, 0.0, 0.0),
        Vec3::new(0.0, 1.0, 0.0),
        Vec3::new(0.0, 0.0, 1.0),
        Vec3::new(1.0, 1.0, 0.0),
        Vec3::new(0.0, 1.0, 1.0),
        Vec3::new(1.0, 0.0, 1.0),
        Vec3::new(1.0, 0.1, 0.02),
        Vec3::new(0.05, 0.2, 1.0),
        Vec3::new(0.1, 1.0, 0.1),
        Vec3::new(1.0, 0.5, 0.25),
        Vec3::new(0.3, 1.0, 0.7),
        Vec3::new(0.8, 0.05, 0.6),
    ];
    let mut scales: Vec<f32> = (0..=80).map(|i| 2f32.powf(-10.0 + i as f32 / 4.0)).collect();
    scales.extend([MAX_RADIANCE, 1e6]);
    hues.iter().flat_map(|&hue| scales.iter().map(move |&s| hue * s)).collect()
}

/// Input the mappers must clean up: NaN, negatives, infinities, values past MAX_RADIANCE,
/// denormals, alone and mixed with ordinary channels.
fn awkward() -> Vec<Vec3> {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    vec![
        Vec3::splat(nan),
        Vec3::splat(-nan),
        Vec3::splat(-1.0),
        Vec3::splat(-0.0),
        Vec3::splat(-inf),
        Vec3::splat(inf),
        Vec3::splat(MAX_RADIANCE),
        Vec3::splat(70000.0),
        Vec3::splat(1e30),
        Vec3::splat(f32::MAX),
        Vec3::splat(1e-40),
        Vec3::new(nan, 1.0, 0.5),
        Vec3::new(0.2, nan, 3.0),
        Vec3::new(inf, 0.2, 0.1),
        Vec3::new(0.5, -inf, inf),
        Vec3::new(-3.0, 0.5, 2.0),
        Vec3::new(1e30, -1e30, 0.18),
        Vec3::new(nan, -1.0, inf),
        Vec3::new(1e-40, 0.18, 1e-40),
    ]
}

/// Run `tonemap(mapper, colour)` on the GPU for every colour, for every mapper, in the order
/// of `mappers`.
fn run_probe(gpu: &Gpu, mappers: &[ToneMapper], colours: &[Vec3]) -> Vec<Vec<Vec3>> {
    let device = &gpu.device;
    let count = colours.len() as u32;
    let size = wgpu::Extent3d { width: ROW, height: count.div_ceil(ROW), depth_or_array_layers: 1 };
    let mut texels: Vec<[f32; 4]> = colours.iter().map(|c| c.extend(1.0).to_array()).collect();
    texels.resize((size.width * size.height) as usize, [0.0; 4]);
    let input = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("tonemap_probe.colours"),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba32Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    gpu.queue.write_texture(
        input.as_image_copy(),
        bytemuck::cast_slice(&texels),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(size.width * 16),
            rows_per_image: Some(size.height),
        },
        size,
    );
    let input_view = input.create_view(&Default::default());

    let module = shaders::create_module(device, "tonemap_probe").unwrap();
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("tonemap_probe"),
        entries: &[
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            },
            wgpu::BindGroupLayoutEntry {
                binding: 1,
                visibility: wgpu::ShaderStages::FRAGMENT,
                // Rgba32Float is not filterable without a feature; textureLoad needs no filter.
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Float { filterable: false },
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            },
        ],
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("tonemap_probe"),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("tonemap_probe"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs_fullscreen"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: Default::default(),
        depth_stencil: None,
        multisample: Default::default(),
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some("fs_main"),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format: wgpu::TextureFormat::Rgba32Float,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    });

    let mut encoder = device.create_command_encoder(&Default::default());
    let mut targets = Vec::new();
    for mapper in mappers {
        let uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("tonemap_probe.uniforms"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        gpu.queue.write_buffer(&uniforms, 0, bytemuck::cast_slice(&[mapper.gpu_id(), 0, 0, 0]));
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("tonemap_probe"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: uniforms.as_entire_binding() },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&input_view),
                },
            ],
        });
        let target = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("tonemap_probe.results"),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba32Float,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = target.create_view(&Default::default());
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("tonemap_probe"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        targets.push(target);
    }
    gpu.queue.submit([encoder.finish()]);

    targets
        .iter()
        .map(|target| {
            let values: Vec<f32> =
                bytemuck::pod_collect_to_vec(&read_texture(gpu, target).unwrap());
            values
                .chunks_exact(4)
                .take(colours.len())
                .map(|t| {
                    // Alpha 1 shows the fragment ran (the clear leaves 0).
                    assert_eq!(t[3], 1.0, "probe texel not written");
                    Vec3::new(t[0], t[1], t[2])
                })
                .collect()
        })
        .collect()
}

#[test]
fn gpu_tone_mappers_match_the_cpu_references() {
    let Some(gpu) = common::gpu() else { return };
    let groups = [("grey ramp", grey_ramp()), ("saturated", saturated()), ("awkward", awkward())];
    let colours: Vec<Vec3> = groups.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    let results = run_probe(&gpu, &ToneMapper::ALL, &colours);

    println!(
        "GPU vs CPU on {} ({} colours), max |difference| per channel:",
        gpu.info.name,
        colours.len()
    );
    let mut failures = Vec::new();
    for (mapper, gpu_out) in ToneMapper::ALL.iter().zip(&results) {
        let mut row = format!("  {:<20}", mapper.name());
        let mut start = 0;
        for (group, group_colours) in &groups {
            let mut worst = (0.0f32, Vec3::ZERO, Vec3::ZERO, Vec3::ZERO);
            for (i, &input) in group_colours.iter().enumerate() {
                let got = gpu_out[start + i];
                let want = mapper.apply(input);
                let difference = (got - want).abs().max_element();
                // A NaN from the GPU has no difference; count it as the worst possible.
                let difference = if got.is_finite() { difference } else { f32::INFINITY };
                if difference > worst.0 {
                    worst = (difference, input, got, want);
                }
            }
            let (difference, input, got, want) = worst;
            row.push_str(&format!(" {group} {difference:.2e}"));
            if difference > TOLERANCE {
                failures.push(format!(
                    "{mapper} ({group}): {input} -> GPU {got}, CPU {want} (|d| {difference:e})"
                ));
            }
            start += group_colours.len();
        }
        println!("{row}");
    }
    assert!(
        failures.is_empty(),
        "GPU differs from CPU by more than 1/255:\n{}",
        failures.join("\n")
    );
}

/// The shader's `TONEMAP_*` id constants are the numbers `ToneMapper::gpu_id` gives, and every
/// mapper has one (checked without a GPU).
#[test]
fn wgsl_mapper_ids_match_gpu_id() {
    let wgsl = shaders::load("tonemap_probe").unwrap().code;
    let mut ids = Vec::new();
    for mapper in ToneMapper::ALL {
        let line =
            format!("const TONEMAP_{}: u32 = {}u;", mapper.name().to_uppercase(), mapper.gpu_id());
        assert!(wgsl.contains(&line), "include/tonemap.wgsl lacks {line:?}");
        ids.push(mapper.gpu_id());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), ToneMapper::ALL.len(), "gpu_id values are not distinct");
}

//! The smallest embedding: an app draws its own HDR picture with plain wgpu (no afterlight
//! renderer), and afterlight's `PostStack` turns it into the displayed image with the app's
//! device, queue, encoder and target. Writes `embed_minimal.png` (or the path given).
//!
//! `cargo run --example embed_minimal [-- out.png]`

use afterlight::post::bloom::BloomSettings;
use afterlight::post::chain::PostSettings;
use afterlight::post::stack::{PostInputs, PostStack, PostStackDescriptor};

/// The app's "scene": a sky gradient and a sun 40 times brighter than white (for the bloom).
const SCENE: &str = "
@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
    return vec4f(vec2f(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0, 0.0, 1.0);
}
@fragment fn fs(@builtin(position) p: vec4f) -> @location(0) vec4f {
    let uv = p.xy / vec2f(320.0, 200.0);
    let sky = mix(vec3f(1.2, 0.7, 0.4), vec3f(0.1, 0.2, 0.6), uv.y);
    return vec4f(sky + select(0.0, 40.0, distance(p.xy, vec2f(160.0, 90.0)) < 10.0), 1.0);
}";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (width, height) = (320, 200);
    let out = std::env::args().nth(1).unwrap_or_else(|| "embed_minimal.png".into());
    // The app's own device and queue.
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&Default::default()))?;
    let limits = wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits());
    let descriptor = wgpu::DeviceDescriptor { required_limits: limits, ..Default::default() };
    let (device, queue) = pollster::block_on(adapter.request_device(&descriptor))?;
    let texture = |format, usage| {
        device.create_texture(&wgpu::TextureDescriptor {
            label: None,
            size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | usage,
            view_formats: &[],
        })
    };
    let hdr = texture(wgpu::TextureFormat::Rgba16Float, wgpu::TextureUsages::TEXTURE_BINDING);
    let output = texture(wgpu::TextureFormat::Rgba8UnormSrgb, wgpu::TextureUsages::COPY_SRC);
    let (hdr_view, output_view) =
        (hdr.create_view(&Default::default()), output.create_view(&Default::default()));
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("app scene"),
        source: wgpu::ShaderSource::Wgsl(SCENE.into()),
    });
    let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("app scene"),
        layout: None,
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: None,
            compilation_options: Default::default(),
            buffers: &[],
        },
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: None,
            compilation_options: Default::default(),
            targets: &[Some(wgpu::TextureFormat::Rgba16Float.into())],
        }),
        primitive: Default::default(),
        depth_stencil: None,
        multisample: Default::default(),
        multiview_mask: None,
        cache: None,
    });

    // afterlight: bloom and the default tone mapper, grade and finish, into the app's target.
    let settings = PostSettings { bloom: BloomSettings::NATURAL, ..Default::default() };
    let stack = PostStackDescriptor { settings, ..PostStackDescriptor::new(output.format()) };
    let mut post = PostStack::new(&device, &queue, &stack)?;

    post.begin_frame((width, height))?;
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &hdr_view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations::default(),
            })],
            ..Default::default()
        });
        pass.set_pipeline(&pipeline);
        pass.draw(0..3, 0..1);
    }
    post.record(&mut encoder, &PostInputs::new(&hdr_view), &output_view)?;
    queue.submit([encoder.finish()]);
    post.end_frame();

    let pixels = afterlight::gpu::read_texture_on(&device, &queue, &output)?;
    image::save_buffer(&out, &pixels, width, height, image::ExtendedColorType::Rgba8)?;
    println!("wrote {out}");
    Ok(())
}

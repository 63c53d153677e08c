//! A user pass written in Rust (#22 item 5): a cinematic letterbox (black bars top and bottom
//! for a 2.39:1 picture) inserted after the finish, timed under its own name like the
//! built-in passes. Renders the built-in scene and writes `custom_pass.png` (or the path
//! given).
//!
//! `cargo run --example custom_pass [-- out.png]`
//!
//! The pass implements [`UserPass`]: a name, the built-in pass it runs after (or before), and
//! `record`, which gets the device, queue, encoder, the previous pass's output and the view
//! to write (after the finish both are `Rgba8UnormSrgb`: reads decode, writes encode).

use std::sync::Arc;

use afterlight::gpu::Gpu;
use afterlight::post::chain::PostPass;
use afterlight::post::custom::{UserPass, UserPassContext};
use afterlight::render::environment::{Environment, EnvironmentSettings};
use afterlight::render::{RenderOptions, Renderer, RendererSettings};
use afterlight::scene::{self, Camera};

const LETTERBOX: &str = "
@group(0) @binding(0) var source: texture_2d<f32>;
@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
    return vec4f(vec2f(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0, 0.0, 1.0);
}
@fragment fn fs(@builtin(position) p: vec4f) -> @location(0) vec4f {
    let size = vec2f(textureDimensions(source));
    let bar = max(0.0, (size.y - size.x / 2.39) * 0.5);
    let inside = p.y >= bar && p.y < size.y - bar;
    return select(vec4f(0.0, 0.0, 0.0, 1.0), textureLoad(source, vec2i(p.xy), 0), inside);
}";

/// The letterbox pass: its pipeline is built on first use, for the format it is given.
#[derive(Default)]
struct Letterbox {
    pipeline: Option<(wgpu::TextureFormat, wgpu::RenderPipeline)>,
}

impl UserPass for Letterbox {
    fn name(&self) -> &str {
        "letterbox"
    }

    fn slot(&self) -> (PostPass, bool) {
        (PostPass::Finish, true)
    }

    fn record(&mut self, ctx: UserPassContext<'_>) {
        if self.pipeline.as_ref().is_none_or(|(format, _)| *format != ctx.format) {
            let module = ctx.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("letterbox"),
                source: wgpu::ShaderSource::Wgsl(LETTERBOX.into()),
            });
            let pipeline = ctx.device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some("letterbox"),
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
                    targets: &[Some(ctx.format.into())],
                }),
                primitive: Default::default(),
                depth_stencil: None,
                multisample: Default::default(),
                multiview_mask: None,
                cache: None,
            });
            self.pipeline = Some((ctx.format, pipeline));
        }
        let Some((_, pipeline)) = &self.pipeline else { return };
        let group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("letterbox"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(ctx.input),
            }],
        });
        let mut pass = ctx.encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("letterbox"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: ctx.output,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                    store: wgpu::StoreOp::Store,
                },
            })],
            ..Default::default()
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.draw(0..3, 0..1);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "custom_pass.png".into());
    let (width, height) = (480, 270);
    let gpu = Gpu::new(&Default::default())?;
    let scene = scene::load_from_slice(scene::DEFAULT_SCENE_GLB, None)?;
    let environment = Environment::new(&gpu, &EnvironmentSettings::default(), &mut |_, _| {})?;
    let mut renderer = Renderer::with_environment(
        &gpu,
        &scene,
        (width, height),
        Arc::new(environment),
        &RendererSettings::default(),
    )?;
    renderer.post_stack_mut().add_pass(Box::new(Letterbox::default()))?;
    let camera = Camera::frame_bounds(&scene.bounds, 30.0, 15.0, width as f32 / height as f32);
    let options = RenderOptions::default();
    renderer.render(&gpu, &camera, &options)?;
    let pixels = renderer.read_display(&gpu)?;
    image::save_buffer(&out, &pixels, width, height, image::ExtendedColorType::Rgba8)?;
    let times = renderer.wait_for_pass_times();
    let letterbox = times.iter().find(|t| t.name == "letterbox");
    match letterbox {
        Some(t) => println!("wrote {out}; letterbox pass: {:.3} ms GPU", t.ms),
        None => println!("wrote {out}"),
    }
    Ok(())
}

//! GPU mip chain generation for material textures: one full-screen draw per level, each
//! sampling the level above through the view format that the material reads (sRGB or linear),
//! so colour textures are averaged in linear light.

use crate::draw::{bindings, fullscreen};
use crate::shaders;

/// Pipelines that downsample one mip level into the next.
pub(crate) struct MipGenerator {
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    srgb: wgpu::RenderPipeline,
    linear: wgpu::RenderPipeline,
}

impl MipGenerator {
    pub(crate) fn new(device: &wgpu::Device) -> Result<Self, shaders::ShaderError> {
        let module = shaders::create_module(device, "mipmap")?;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("mipmap"),
            entries: &[bindings::texture(0, true), bindings::sampler(1)],
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("mipmap"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let srgb_format = wgpu::TextureFormat::Rgba8UnormSrgb;
        let linear_format = wgpu::TextureFormat::Rgba8Unorm;
        Ok(Self {
            srgb: fullscreen::pipeline(device, "mipmap", &module, &[&layout], srgb_format, None),
            linear: fullscreen::pipeline(
                device,
                "mipmap",
                &module,
                &[&layout],
                linear_format,
                None,
            ),
            layout,
            sampler,
        })
    }

    /// Fill mips 1.. of `texture` from mip 0, viewing it as `format`.
    pub(crate) fn generate(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        texture: &wgpu::Texture,
        format: wgpu::TextureFormat,
    ) {
        let pipeline = if format.is_srgb() { &self.srgb } else { &self.linear };
        let view = |level| {
            texture.create_view(&wgpu::TextureViewDescriptor {
                format: Some(format),
                base_mip_level: level,
                mip_level_count: Some(1),
                ..Default::default()
            })
        };
        for level in 1..texture.mip_level_count() {
            let source = view(level - 1);
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("mipmap"),
                layout: &self.layout,
                entries: &bindings::entries(&[
                    wgpu::BindingResource::TextureView(&source),
                    wgpu::BindingResource::Sampler(&self.sampler),
                ]),
            });
            fullscreen::draw(encoder, "mipmap", pipeline, &[&bind_group], &view(level), None);
        }
    }
}

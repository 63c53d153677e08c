//! A render target: a 2D texture with its default view.

/// A render target: texture plus its default view.
pub struct Target {
    /// The texture.
    pub texture: wgpu::Texture,
    /// A view of all of it.
    pub view: wgpu::TextureView,
}

impl Target {
    /// A 2D target usable as attachment, shader input, copy source and copy destination.
    pub fn new(
        device: &wgpu::Device,
        label: &str,
        width: u32,
        height: u32,
        format: wgpu::TextureFormat,
    ) -> Self {
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            // COPY_DST: the post chain's compute variant copies its last pass into the display
            // target (src/post/variant.rs).
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let view = texture.create_view(&Default::default());
        Self { texture, view }
    }
}

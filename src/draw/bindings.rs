//! Bind group layout and bind group entry shorthands shared by the passes.

use wgpu::util::DeviceExt;

/// A uniform buffer visible to the given stages.
pub(crate) fn uniform(binding: u32, visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// A 2D float texture read by the fragment stage; `filterable` when it is sampled.
pub(crate) fn texture(binding: u32, filterable: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

/// A filterable 3D float texture (a colour LUT) sampled by the fragment stage.
pub(crate) fn texture_3d(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension: wgpu::TextureViewDimension::D3,
            multisampled: false,
        },
        count: None,
    }
}

/// A depth texture read as `texture_2d<f32>` (its `x`): an unfilterable float binding, which a
/// Depth32Float view may fill. GLSL (GLES 3.0, WebGL2) cannot `textureLoad` a
/// `texture_depth_2d`, so every pass that reads depth texels binds it this way, with a
/// [`depth_sampler`] beside it, and reads it with `depth_texel` (`shaders/include/depth.wgsl`).
pub(crate) fn depth_as_float(binding: u32) -> wgpu::BindGroupLayoutEntry {
    texture(binding, false)
}

/// The sampler a [`depth_as_float`] texture is read through: non-filtering, filled by
/// [`nearest_sampler`].
///
/// Why a sampler at all: GLES 3.0 (section 3.8.13) calls a depth texture read without
/// comparison *incomplete* unless its filters are NEAREST, and an incomplete texture reads 0.
/// wgpu's GL backend leaves a depth texture at GL's LINEAR default filters, and `textureLoad`
/// (GLSL `texelFetch`) has no sampler to override them, so on WebGL2 every depth read returned
/// 0 (gfx-rs/wgpu#3537). A sample through a NEAREST sampler object reads the same texel and
/// makes the texture complete on every backend.
pub(crate) fn depth_sampler(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::NonFiltering),
        count: None,
    }
}

/// A nearest sampler that clamps to the edge: the one [`depth_sampler`] binds.
pub(crate) fn nearest_sampler(device: &wgpu::Device, label: &str) -> wgpu::Sampler {
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some(label),
        address_mode_u: wgpu::AddressMode::ClampToEdge,
        address_mode_v: wgpu::AddressMode::ClampToEdge,
        address_mode_w: wgpu::AddressMode::ClampToEdge,
        mag_filter: wgpu::FilterMode::Nearest,
        min_filter: wgpu::FilterMode::Nearest,
        mipmap_filter: wgpu::MipmapFilterMode::Nearest,
        ..Default::default()
    })
}

/// A depth texture for comparison sampling (`texture_depth_2d` with a comparison sampler: the
/// shadow map).
pub(crate) fn depth_texture(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Depth,
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

/// A filtering sampler for the fragment stage.
pub(crate) fn sampler(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    }
}

/// A bilinear sampler that clamps to the edge in every direction.
pub(crate) fn linear_sampler(device: &wgpu::Device, label: &str) -> wgpu::Sampler {
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some(label),
        address_mode_u: wgpu::AddressMode::ClampToEdge,
        address_mode_v: wgpu::AddressMode::ClampToEdge,
        address_mode_w: wgpu::AddressMode::ClampToEdge,
        mag_filter: wgpu::FilterMode::Linear,
        min_filter: wgpu::FilterMode::Linear,
        ..Default::default()
    })
}

/// A 1x1 texture of `format` (zeros) to bind where an optional input is absent.
pub(crate) fn placeholder(
    device: &wgpu::Device,
    label: &str,
    format: wgpu::TextureFormat,
) -> wgpu::TextureView {
    device
        .create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d { width: 1, height: 1, depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        })
        .create_view(&Default::default())
}

/// Bind group entries from resources, numbered from 0 in order.
pub(crate) fn entries<'a>(
    resources: &[wgpu::BindingResource<'a>],
) -> Vec<wgpu::BindGroupEntry<'a>> {
    resources
        .iter()
        .enumerate()
        .map(|(i, resource)| wgpu::BindGroupEntry { binding: i as u32, resource: resource.clone() })
        .collect()
}

/// A uniform buffer with initial contents that can be rewritten each frame.
pub(crate) fn uniform_buffer(device: &wgpu::Device, label: &str, contents: &[u8]) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
    })
}

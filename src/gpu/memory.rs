//! GPU memory accounting: every texture and buffer the renderer and the post chain hold, by
//! name, with its size and bytes, as `Renderer::memory` and `PostChain::memory` report it.
//!
//! Bytes are what the resource's descriptor asks for (all mips and layers, tightly packed
//! texel blocks); drivers add alignment and metadata on top, which no portable API reports.
//! Entries that scale with the output size are marked, so a report per resolution can say
//! what a resolution costs apart from the scene and the fixed tables.

use serde::{Deserialize, Serialize};

/// Whether an entry is a texture or a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryKind {
    /// A texture (all mips and layers).
    Texture,
    /// A buffer.
    Buffer,
}

/// One texture or buffer (or a group of same-purpose ones, such as a scene's vertex buffers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryEntry {
    /// What holds it and what for: `gbuffer.depth`, `post.pool bloom.mips`, `scene.vertices`.
    pub name: String,
    /// Texture or buffer.
    pub kind: MemoryKind,
    /// Its shape: `1920x1080 Rgba16Float, 1 mip` for a texture, a count for grouped buffers.
    pub detail: String,
    /// Bytes the descriptor asks for.
    pub bytes: u64,
    /// It is sized from the output resolution (targets, pools, histories).
    pub per_resolution: bool,
    /// It belongs to a transient texture pool (`graph::TexturePool`): free or lent.
    pub pooled: bool,
}

impl MemoryEntry {
    /// A readback ring's target and buffers, named after its label.
    pub fn readback_ring(ring: &crate::gpu::ReadbackRing) -> Vec<MemoryEntry> {
        let target = ring.target_texture().map(|t| Self::texture(ring.label(), t, false));
        let buffers = ring.buffers().map(|b| Self::buffer(ring.label(), b));
        target.into_iter().chain(buffers).collect()
    }

    /// An entry for `texture`.
    pub fn texture(name: &str, texture: &wgpu::Texture, per_resolution: bool) -> Self {
        let size = texture.size();
        let layers = match texture.dimension() {
            wgpu::TextureDimension::D3 => 1,
            _ => size.depth_or_array_layers,
        };
        let depth = match texture.dimension() {
            wgpu::TextureDimension::D3 => size.depth_or_array_layers,
            _ => 1,
        };
        let bytes = texture_bytes(
            texture.format(),
            (size.width, size.height, depth),
            texture.mip_level_count(),
        ) * u64::from(layers);
        let shape = if depth > 1 || layers > 1 {
            format!("{}x{}x{}", size.width, size.height, size.depth_or_array_layers)
        } else {
            format!("{}x{}", size.width, size.height)
        };
        Self {
            name: name.to_owned(),
            kind: MemoryKind::Texture,
            detail: format!(
                "{shape} {:?}, {} mip{}",
                texture.format(),
                texture.mip_level_count(),
                if texture.mip_level_count() == 1 { "" } else { "s" }
            ),
            bytes,
            per_resolution,
            pooled: false,
        }
    }

    /// An entry for `buffer`.
    pub fn buffer(name: &str, buffer: &wgpu::Buffer) -> Self {
        Self::buffers(name, std::slice::from_ref(buffer))
    }

    /// One entry for a group of buffers with one purpose (a scene's vertex buffers).
    pub fn buffers(name: &str, buffers: &[wgpu::Buffer]) -> Self {
        let bytes = buffers.iter().map(wgpu::Buffer::size).sum();
        let detail = match buffers.len() {
            1 => "1 buffer".to_owned(),
            n => format!("{n} buffers"),
        };
        Self {
            name: name.to_owned(),
            kind: MemoryKind::Buffer,
            detail,
            bytes,
            per_resolution: false,
            pooled: false,
        }
    }
}

/// Bytes of a `format` texture of `(width, height, depth)` texels with `mips` mip levels, each
/// level halving every axis (at least 1), in whole texel blocks. Formats without a single
/// copy size (combined depth-stencil) count their depth aspect plus one stencil byte.
pub fn texture_bytes(format: wgpu::TextureFormat, (w, h, d): (u32, u32, u32), mips: u32) -> u64 {
    let block = format.block_copy_size(None).map(u64::from).unwrap_or_else(|| {
        let depth = format.block_copy_size(Some(wgpu::TextureAspect::DepthOnly)).unwrap_or(4);
        let stencil = format.block_copy_size(Some(wgpu::TextureAspect::StencilOnly)).unwrap_or(0);
        u64::from(depth + stencil)
    });
    let (bw, bh) = format.block_dimensions();
    (0..mips.max(1))
        .map(|mip| {
            let (mw, mh, md) = ((w >> mip).max(1), (h >> mip).max(1), (d >> mip).max(1));
            u64::from(mw.div_ceil(bw)) * u64::from(mh.div_ceil(bh)) * u64::from(md) * block
        })
        .sum()
}

/// The sum of `entries`' bytes.
pub fn total_bytes(entries: &[MemoryEntry]) -> u64 {
    entries.iter().map(|e| e.bytes).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texture_bytes_count_every_mip_and_whole_blocks() {
        use wgpu::TextureFormat as F;
        assert_eq!(texture_bytes(F::Rgba16Float, (4, 4, 1), 1), 128);
        // 4x4 + 2x2 + 1x1 texels of 4 bytes.
        assert_eq!(texture_bytes(F::Rgba8Unorm, (4, 4, 1), 3), (16 + 4 + 1) * 4);
        assert_eq!(texture_bytes(F::Depth32Float, (3, 5, 1), 1), 60);
        // BC1: 4x4 blocks of 8 bytes; 5x5 texels need 2x2 blocks.
        assert_eq!(texture_bytes(F::Bc1RgbaUnorm, (5, 5, 1), 1), 32);
        // A 3D LUT of 16^3 RGBA8 texels.
        assert_eq!(texture_bytes(F::Rgba8Unorm, (16, 16, 16), 1), 16 * 16 * 16 * 4);
    }
}

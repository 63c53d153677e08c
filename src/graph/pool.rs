//! Transient textures from a pool keyed by descriptor.
//!
//! Passes ask for intermediate targets (bloom mips, ping-pong images) by [`TransientDesc`];
//! the pool hands back a texture that was released with the same descriptor if there is one,
//! and creates one otherwise. [`TexturePool::end_frame`] returns everything handed out this
//! frame to the free lists and drops textures nobody asked for during the last
//! [`TexturePool::KEEP_FRAMES`] frames, so a resize or a pass turned off frees its memory.
//!
//! Reuse is by exact descriptor: sizes are derived from the pass's inputs, so a chain at a
//! fixed resolution reaches a steady state with no allocation per frame.

use std::collections::HashMap;
use std::sync::Arc;

/// What a transient texture must be. Two requests with equal descriptors may get the same
/// texture (never within one frame unless the first was released).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransientDesc {
    /// Width in pixels (at least 1).
    pub width: u32,
    /// Height in pixels (at least 1).
    pub height: u32,
    /// Texel format.
    pub format: wgpu::TextureFormat,
    /// Mip levels (at least 1).
    pub mip_level_count: u32,
    /// How the texture is used.
    pub usage: wgpu::TextureUsages,
}

impl TransientDesc {
    /// A one-mip 2D target usable as render attachment and shader input (plus `extra` usages).
    pub fn target(
        width: u32,
        height: u32,
        format: wgpu::TextureFormat,
        extra: wgpu::TextureUsages,
    ) -> Self {
        Self {
            width: width.max(1),
            height: height.max(1),
            format,
            mip_level_count: 1,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | extra,
        }
    }

    /// Bytes this texture occupies (all mips), for the pool's statistics.
    pub fn bytes(&self) -> u64 {
        let block = self.format.block_copy_size(None).unwrap_or(4) as u64;
        (0..self.mip_level_count)
            .map(|mip| {
                let w = (self.width >> mip).max(1) as u64;
                let h = (self.height >> mip).max(1) as u64;
                w * h * block
            })
            .sum()
    }
}

/// A texture on loan from the pool, with a view of all of it. Cloning is cheap (wgpu handles
/// are reference counted). It goes back to the pool by itself once every clone of it is
/// dropped (the next [`TexturePool::acquire`] of the frame may then reuse it; drop it only
/// after the last command that reads it has been recorded), or with [`TexturePool::release`],
/// or at [`TexturePool::end_frame`].
#[derive(Clone, Debug)]
pub struct PooledTexture {
    /// What it was asked for as.
    pub desc: TransientDesc,
    /// The texture.
    pub texture: wgpu::Texture,
    /// A view of every mip.
    pub view: wgpu::TextureView,
    /// Counts the holders: the pool holds one, so a count of one means nobody else does.
    lease: Arc<()>,
}

impl PooledTexture {
    /// A view of one mip level.
    pub fn mip_view(&self, mip: u32) -> wgpu::TextureView {
        self.texture.create_view(&wgpu::TextureViewDescriptor {
            base_mip_level: mip,
            mip_level_count: Some(1),
            ..Default::default()
        })
    }
}

struct Free {
    texture: PooledTexture,
    last_used_frame: u64,
}

/// The pool. One per renderer; not shared between devices.
#[derive(Default)]
pub struct TexturePool {
    free: HashMap<TransientDesc, Vec<Free>>,
    in_use: Vec<PooledTexture>,
    frame: u64,
    created: u64,
    /// The label each descriptor was first created with, for [`TexturePool::memory`].
    labels: HashMap<TransientDesc, String>,
}

impl TexturePool {
    /// Frames a released texture is kept for before it is dropped.
    pub const KEEP_FRAMES: u64 = 2;

    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// A texture matching `desc`, reused if one is free, else created with `label`.
    pub fn acquire(
        &mut self,
        device: &wgpu::Device,
        label: &str,
        desc: &TransientDesc,
    ) -> PooledTexture {
        self.reclaim_dropped();
        let reused = self.free.get_mut(desc).and_then(Vec::pop).map(|free| free.texture);
        let texture = reused.unwrap_or_else(|| {
            self.created += 1;
            self.labels.entry(*desc).or_insert_with(|| label.to_owned());
            let texture = device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d {
                    width: desc.width.max(1),
                    height: desc.height.max(1),
                    depth_or_array_layers: 1,
                },
                mip_level_count: desc.mip_level_count.max(1),
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: desc.format,
                usage: desc.usage,
                // Compute passes store display texels as Rgba8Unorm and the next pass reads
                // them through an sRGB view (src/post/variant.rs), where the device has view
                // formats (compute does not run without them).
                view_formats: if desc.format == wgpu::TextureFormat::Rgba8Unorm
                    && crate::gpu::Capabilities::of(device).view_formats
                {
                    &[wgpu::TextureFormat::Rgba8UnormSrgb]
                } else {
                    &[]
                },
            });
            let view = texture.create_view(&Default::default());
            PooledTexture { desc: *desc, texture, view, lease: Arc::new(()) }
        });
        self.in_use.push(texture.clone());
        texture
    }

    /// Take back the textures lent this frame whose every handle has been dropped.
    fn reclaim_dropped(&mut self) {
        let frame = self.frame;
        let mut i = 0;
        while i < self.in_use.len() {
            if Arc::strong_count(&self.in_use[i].lease) == 1 {
                let texture = self.in_use.swap_remove(i);
                let free = Free { texture, last_used_frame: frame };
                self.free.entry(free.texture.desc).or_default().push(free);
            } else {
                i += 1;
            }
        }
    }

    /// Give a texture back before the frame ends, so a later pass of the same frame may reuse
    /// it. (Only after the last command that reads it has been recorded.)
    pub fn release(&mut self, texture: &PooledTexture) {
        if let Some(i) = self.in_use.iter().position(|t| t.texture == texture.texture) {
            let texture = self.in_use.swap_remove(i);
            let frame = self.frame;
            self.free
                .entry(texture.desc)
                .or_default()
                .push(Free { texture, last_used_frame: frame });
        }
    }

    /// Take back everything lent this frame and drop what has not been used for
    /// [`Self::KEEP_FRAMES`] frames.
    pub fn end_frame(&mut self) {
        for texture in std::mem::take(&mut self.in_use) {
            let frame = self.frame;
            self.free
                .entry(texture.desc)
                .or_default()
                .push(Free { texture, last_used_frame: frame });
        }
        let frame = self.frame;
        for list in self.free.values_mut() {
            list.retain(|f| frame - f.last_used_frame < Self::KEEP_FRAMES);
        }
        self.free.retain(|_, list| !list.is_empty());
        self.frame += 1;
    }

    /// Textures created since the pool was made (a steady chain stops creating).
    pub fn textures_created(&self) -> u64 {
        self.created
    }

    /// One entry per texture the pool holds, lent or free, named `{owner} {label}` (its
    /// bytes add up to [`TexturePool::bytes`]).
    pub fn memory(&self, owner: &str) -> Vec<crate::gpu::memory::MemoryEntry> {
        let free = self.free.values().flatten().map(|f| &f.texture);
        free.chain(&self.in_use)
            .map(|t| {
                let label = self.labels.get(&t.desc).map_or("transient", String::as_str);
                let mut entry = crate::gpu::memory::MemoryEntry::texture(
                    &format!("{owner} {label}"),
                    &t.texture,
                    true,
                );
                entry.pooled = true;
                entry
            })
            .collect()
    }

    /// Bytes held by the pool, lent or free.
    pub fn bytes(&self) -> u64 {
        let free: u64 = self.free.values().flatten().map(|f| f.texture.desc.bytes()).sum();
        free + self.in_use.iter().map(|t| t.desc.bytes()).sum::<u64>()
    }
}

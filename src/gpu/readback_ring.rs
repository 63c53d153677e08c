//! Texture readbacks that never stall a frame: a few mappable buffers in turn. A frame draws
//! into the ring's small target ([`ReadbackRing::target`]) and copies it into a free slot
//! ([`ReadbackRing::copy`]); once the frame is submitted the slot is mapped ([`ReadbackRing::submitted`]); a later frame reads the newest slot whose mapping
//! finished ([`ReadbackRing::take_newest`]), a frame or two behind on a GPU that keeps up. The
//! passes that need a reduction on devices without compute or storage buffers (automatic
//! exposure, the AR exposure match at the WebGL2 level) use it.
//!
//! Mapping completes when the device is polled (the post stack polls once a frame) or, on the
//! web, from the browser's event loop.

use std::sync::{Arc, Mutex};

/// Where a slot is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotStatus {
    /// Free to copy into.
    Idle,
    /// Copied into by a frame not yet submitted.
    Copied,
    /// `map_async` requested.
    Mapping,
    /// Mapped: ready to read.
    Ready,
    /// Mapping failed: the slot is reused.
    Failed,
}

/// One mappable buffer and what was copied into it.
struct Slot {
    buffer: wgpu::Buffer,
    /// Texels per row and rows.
    size: (u32, u32),
    bytes_per_row: u32,
    bytes_per_texel: u32,
    /// The caller's tag for the copy (e.g. the settings it was made with).
    tag: u32,
    sequence: u64,
    status: Arc<Mutex<SlotStatus>>,
}

impl Slot {
    fn status(&self) -> SlotStatus {
        *self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, status: SlotStatus) {
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) = status;
    }
}

/// The texels of one finished readback, row by row (top row first).
pub struct TexelRows<'a> {
    data: &'a [u8],
    bytes_per_row: usize,
    size: (u32, u32),
    bytes_per_texel: usize,
    /// The tag the copy was made with.
    pub tag: u32,
}

impl TexelRows<'_> {
    /// Every texel's bytes, row by row, left to right.
    pub fn texels(&self) -> impl Iterator<Item = &[u8]> {
        let width = self.size.0 as usize * self.bytes_per_texel;
        self.data
            .chunks(self.bytes_per_row)
            .take(self.size.1 as usize)
            .flat_map(move |row| row[..width.min(row.len())].chunks_exact(self.bytes_per_texel))
    }

    /// Texels per row and rows.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }
}

/// A ring of readback buffers; see the module documentation.
pub struct ReadbackRing {
    label: &'static str,
    capacity: usize,
    /// The texture frames draw into and copy from.
    target: Option<wgpu::TextureView>,
    slots: Vec<Slot>,
    /// The slot the frame being recorded copied into.
    copied: Option<usize>,
    /// Copies made so far; a slot's sequence orders them.
    sequence: u64,
    /// Copies older than this are dropped unread ([`ReadbackRing::invalidate`]).
    valid_from: u64,
}

impl ReadbackRing {
    /// A ring of at most `capacity` buffers (one being copied into, the rest on their way
    /// back; 3 suits a swapchain's frames in flight), labelled `label`.
    pub fn new(label: &'static str, capacity: usize) -> Self {
        Self {
            label,
            capacity: capacity.max(1),
            target: None,
            slots: Vec::new(),
            copied: None,
            sequence: 0,
            valid_from: 0,
        }
    }

    /// The texture to draw what is read back into: `size`, `format` (an uncompressed colour
    /// format), a render attachment and copy source; made again when either changes.
    pub fn target(
        &mut self,
        device: &wgpu::Device,
        size: (u32, u32),
        format: wgpu::TextureFormat,
    ) -> wgpu::TextureView {
        let fits = |view: &wgpu::TextureView| {
            let texture = view.texture();
            (texture.width(), texture.height()) == size && texture.format() == format
        };
        match &self.target {
            Some(view) if fits(view) => view.clone(),
            _ => {
                let texture = device.create_texture(&wgpu::TextureDescriptor {
                    label: Some(self.label),
                    size: wgpu::Extent3d {
                        width: size.0.max(1),
                        height: size.1.max(1),
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format,
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
                    view_formats: &[],
                });
                let view = texture.create_view(&Default::default());
                self.target = Some(view.clone());
                view
            }
        }
    }

    /// Copy the [`ReadbackRing::target`] into a free slot, tagged `tag`. Returns false when
    /// every slot is still on its way back, or there is no target (the copy is skipped). A copy
    /// made by a frame that was never submitted is overwritten.
    pub fn copy(
        &mut self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        tag: u32,
    ) -> bool {
        let Some(target) = self.target.clone() else { return false };
        let texture = target.texture();
        let size = (texture.width(), texture.height());
        let bytes_per_texel = texture.format().block_copy_size(None).unwrap_or(4);
        let free = |slot: &Slot| matches!(slot.status(), SlotStatus::Idle | SlotStatus::Copied);
        let index = match self.slots.iter().position(free) {
            Some(index) => index,
            None if self.slots.len() < self.capacity => {
                self.slots.push(self.slot(device, size, bytes_per_texel));
                self.slots.len() - 1
            }
            None => return false,
        };
        if self.slots[index].size != size || self.slots[index].bytes_per_texel != bytes_per_texel {
            self.slots[index] = self.slot(device, size, bytes_per_texel);
        }
        let slot = &mut self.slots[index];
        encoder.copy_texture_to_buffer(
            texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &slot.buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(slot.bytes_per_row),
                    rows_per_image: Some(size.1),
                },
            },
            wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 },
        );
        slot.tag = tag;
        slot.sequence = self.sequence;
        slot.set(SlotStatus::Copied);
        self.sequence += 1;
        self.copied = Some(index);
        true
    }

    fn slot(&self, device: &wgpu::Device, size: (u32, u32), bytes_per_texel: u32) -> Slot {
        let bytes_per_row =
            (size.0 * bytes_per_texel).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(self.label),
            size: u64::from(bytes_per_row) * u64::from(size.1),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        Slot {
            buffer,
            size,
            bytes_per_row,
            bytes_per_texel,
            tag: 0,
            sequence: 0,
            status: Arc::new(Mutex::new(SlotStatus::Idle)),
        }
    }

    /// The frame that made the last copy was submitted: start mapping its slot.
    pub fn submitted(&mut self) {
        let Some(index) = self.copied.take() else { return };
        let Some(slot) = self.slots.get(index) else { return };
        slot.set(SlotStatus::Mapping);
        let (status, label) = (slot.status.clone(), self.label);
        slot.buffer.slice(..).map_async(wgpu::MapMode::Read, move |result| {
            let next = match result {
                Ok(()) => SlotStatus::Ready,
                Err(e) => {
                    log::warn!("{label}: reading back failed: {e}");
                    SlotStatus::Failed
                }
            };
            *status.lock().unwrap_or_else(|e| e.into_inner()) = next;
        });
    }

    /// Drop every copy made so far unread (what they show is out of date: a camera cut).
    pub fn invalidate(&mut self) {
        self.valid_from = self.sequence;
    }

    /// Read the newest finished copy made since the last [`ReadbackRing::invalidate`] with
    /// `read`, if one finished since the last call; every finished slot is freed.
    pub fn take_newest<T>(&mut self, read: impl FnOnce(&TexelRows<'_>) -> T) -> Option<T> {
        let newest = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status() == SlotStatus::Ready && s.sequence >= self.valid_from)
            .max_by_key(|(_, s)| s.sequence)
            .map(|(i, _)| i);
        let value = newest.and_then(|index| {
            let slot = &self.slots[index];
            let data = match slot.buffer.slice(..).get_mapped_range() {
                Ok(data) => data,
                Err(e) => {
                    log::warn!("{}: the mapped readback cannot be read: {e}", self.label);
                    return None;
                }
            };
            Some(read(&TexelRows {
                data: &data,
                bytes_per_row: slot.bytes_per_row as usize,
                size: slot.size,
                bytes_per_texel: slot.bytes_per_texel as usize,
                tag: slot.tag,
            }))
        });
        for slot in &self.slots {
            match slot.status() {
                SlotStatus::Ready => slot.buffer.unmap(),
                SlotStatus::Failed => {}
                _ => continue,
            }
            slot.set(SlotStatus::Idle);
        }
        value
    }

    /// The ring's label.
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// The target drawn into, once there is one (for memory reports).
    pub fn target_texture(&self) -> Option<&wgpu::Texture> {
        self.target.as_ref().map(|t| t.texture())
    }

    /// The ring's buffers (for memory reports).
    pub fn buffers(&self) -> impl Iterator<Item = &wgpu::Buffer> {
        self.slots.iter().map(|s| &s.buffer)
    }
}

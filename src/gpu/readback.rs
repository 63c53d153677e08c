//! Copying a texture to the CPU (tests, PNG/EXR output). [`read_texture`] blocks until the GPU
//! is done, so it belongs to headless output and tests, never to the frame loop or the web;
//! [`read_texture_async`] is the same without blocking.

use super::{Gpu, GpuError};

/// Read mip 0 of a 2D colour or depth texture into tightly packed rows (top row first).
pub fn read_texture(gpu: &Gpu, texture: &wgpu::Texture) -> Result<Vec<u8>, GpuError> {
    read_subresource(gpu, texture, 0, 0)
}

/// Read one array layer (a cube face) of one mip level into tightly packed rows.
pub fn read_subresource(
    gpu: &Gpu,
    texture: &wgpu::Texture,
    layer: u32,
    mip: u32,
) -> Result<Vec<u8>, GpuError> {
    read_subresource_on(&gpu.device, &gpu.queue, texture, layer, mip)
}

/// [`read_texture`] on an app's own device and queue (the texture needs `COPY_SRC`).
pub fn read_texture_on(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
) -> Result<Vec<u8>, GpuError> {
    read_subresource_on(device, queue, texture, 0, 0)
}

fn read_subresource_on(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    layer: u32,
    mip: u32,
) -> Result<Vec<u8>, GpuError> {
    let mapping = copy_and_map(device, queue, texture, layer, mip)?;
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    pollster::block_on(mapping.read())
}

/// [`read_texture_on`] without blocking: the copy is submitted (and its mapping requested)
/// now, and the future resolves when the mapping is done. On the web await it (the browser
/// maps in its event loop); natively the device must be polled meanwhile (as a frame loop
/// does).
pub fn read_texture_async(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
) -> impl std::future::Future<Output = Result<Vec<u8>, GpuError>> + use<> {
    let mapping = copy_and_map(device, queue, texture, 0, 0);
    async move { mapping?.read().await }
}

/// A subresource copied into a buffer whose mapping was requested.
struct Mapping {
    buffer: wgpu::Buffer,
    row: u32,
    padded_row: u32,
    height: u32,
    result: std::sync::Arc<std::sync::Mutex<MapState>>,
}

/// The mapping's result and whoever waits for it.
#[derive(Default)]
struct MapState {
    result: Option<Result<(), wgpu::BufferAsyncError>>,
    waker: Option<std::task::Waker>,
}

fn copy_and_map(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    layer: u32,
    mip: u32,
) -> Result<Mapping, GpuError> {
    let format = texture.format();
    let aspect = if format.is_depth_stencil_format() {
        wgpu::TextureAspect::DepthOnly
    } else {
        wgpu::TextureAspect::All
    };
    let texel = format
        .block_copy_size(Some(aspect))
        .ok_or_else(|| GpuError::Readback(format!("cannot copy {format:?} to a buffer")))?;
    let width = (texture.width() >> mip).max(1);
    let height = (texture.height() >> mip).max(1);
    let row = width * texel;
    let padded_row =
        row.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: u64::from(padded_row) * u64::from(height),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    encoder.copy_texture_to_buffer(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: mip,
            origin: wgpu::Origin3d { x: 0, y: 0, z: layer },
            aspect,
        },
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row),
                rows_per_image: Some(height),
            },
        },
        wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
    );
    queue.submit([encoder.finish()]);
    let result = std::sync::Arc::new(std::sync::Mutex::new(MapState::default()));
    let state = result.clone();
    buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        state.result = Some(r);
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
    });
    Ok(Mapping { buffer, row, padded_row, height, result })
}

impl Mapping {
    /// Wait for the mapping and copy the rows out, tightly packed.
    async fn read(self) -> Result<Vec<u8>, GpuError> {
        let mapped = std::future::poll_fn(|context| {
            let mut state = self.result.lock().unwrap_or_else(|e| e.into_inner());
            match state.result.take() {
                Some(result) => std::task::Poll::Ready(result),
                None => {
                    state.waker = Some(context.waker().clone());
                    std::task::Poll::Pending
                }
            }
        })
        .await;
        mapped.map_err(|e| GpuError::Readback(e.to_string()))?;
        let slice = self.buffer.slice(..);
        let data = slice.get_mapped_range().map_err(|e| GpuError::Readback(e.to_string()))?;
        let mut out = Vec::with_capacity((self.row * self.height) as usize);
        for y in 0..self.height as usize {
            let start = y * self.padded_row as usize;
            out.extend_from_slice(&data[start..start + self.row as usize]);
        }
        drop(data);
        self.buffer.unmap();
        Ok(out)
    }
}

/// Little-endian IEEE halves (an Rgba16Float / Rg16Float readback) to f32s.
pub fn halves_to_f32(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(2).map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect()
}

/// IEEE half to single precision (for reading Rgba16Float / Rg16Float targets).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((h >> 10) & 0x1f);
    let mantissa = f32::from(h & 0x3ff);
    match exponent {
        0 => sign * mantissa * 2f32.powi(-24),
        31 if mantissa == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + mantissa / 1024.0) * 2f32.powi(e - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::f16_to_f32;

    #[test]
    fn half_floats_decode() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert!(f16_to_f32(0x7C00).is_infinite());
        assert!(f16_to_f32(0x7E00).is_nan());
    }
}

//! AR exposure matching (`shaders/camera_exposure.wgsl`): the virtual object gets the exposure
//! the camera used, taken from the camera image itself.
//!
//! Where the real-world mask says a pixel is real world, the HDR image holds what the app's
//! lighting predicts the real world looks like (the environment its light estimate lit the
//! object with), and the camera image shows what the camera made of it. The exposure that maps
//! one onto the other, the ratio of their geometric-mean luminances over those pixels, is the
//! camera's exposure in the HDR image's units: with it the virtual object is as bright as a real
//! object of the same albedo beside it. The camera's mean is taken back through the chain's own
//! tone curve first: a bisection along the grey axis of the baked grade LUT (grade, user LUT and
//! tone mapper together) finds the exposed scene grey the chain displays as that mean, so a
//! grey card in the scene's light comes out at the photo's value whatever the tone mapper.
//!
//! One compute dispatch of one workgroup, no readback: the result goes straight into the
//! exposure state buffer the finish reads, replacing the fixed EV of that frame. The post stack
//! runs it when [`super::composite::RealWorld::match_exposure`] is set, with automatic
//! exposure switched off for the frame (the camera decides).
//!
//! Reads: HDR colour (pre-exposed), the camera image, the real-world mask, the grade LUT.
//! Writes: the exposure
//! state (`multiplier, ev100, target_ev100, average_log2_luminance`).

use crate::Error;
use crate::render::bindings;

/// The matching pass: one compute pipeline.
pub struct CameraExposurePass {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    uniforms: wgpu::Buffer,
    sampler: wgpu::Sampler,
}

/// One frame's inputs.
pub struct CameraExposureFrame<'a> {
    /// The pre-exposed HDR colour (render size).
    pub hdr: &'a wgpu::TextureView,
    /// The camera image (display-linear when sampled).
    pub camera_image: &'a wgpu::TextureView,
    /// Real-world coverage in red.
    pub mask: &'a wgpu::TextureView,
    /// The multiplier `hdr` was rendered with.
    pub pre_exposure: f32,
    /// Exposure compensation in EV (positive brightens), as the exposure settings give it.
    pub compensation: f32,
    /// The exposure state buffer to write (16 bytes, storage).
    pub state: &'a wgpu::Buffer,
    /// The chain's baked grade LUT (see [`super::grade_bake`]).
    pub grade_lut: &'a wgpu::TextureView,
}

impl CameraExposurePass {
    /// The pass's label and timing scope.
    pub const NAME: &'static str = "camera_exposure";

    /// Load the shader and build the pipeline.
    pub fn new(device: &wgpu::Device) -> Result<Self, Error> {
        let module = crate::shaders::create_module(device, Self::NAME)?;
        let compute = wgpu::ShaderStages::COMPUTE;
        let texture = |binding, filterable| wgpu::BindGroupLayoutEntry {
            visibility: compute,
            ..bindings::texture(binding, filterable)
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(Self::NAME),
            entries: &[
                bindings::uniform(0, compute),
                texture(1, false),
                texture(2, true),
                texture(3, true),
                wgpu::BindGroupLayoutEntry { visibility: compute, ..bindings::sampler(4) },
                wgpu::BindGroupLayoutEntry {
                    binding: 5,
                    visibility: compute,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage { read_only: false },
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(16),
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry { visibility: compute, ..bindings::texture_3d(6) },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(Self::NAME),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(Self::NAME),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("cs_main"),
            compilation_options: Default::default(),
            cache: None,
        });
        Ok(Self {
            layout,
            pipeline,
            uniforms: bindings::uniform_buffer(device, Self::NAME, &[0; 16]),
            sampler: bindings::linear_sampler(device, Self::NAME),
        })
    }

    /// Record the match into `encoder`: after the exposure state was written for the frame,
    /// before the finish reads it.
    pub fn dispatch(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &CameraExposureFrame<'_>,
    ) {
        let pre_exposure = if frame.pre_exposure.is_finite() && frame.pre_exposure > 0.0 {
            frame.pre_exposure
        } else {
            1.0
        };
        let compensation = if frame.compensation.is_finite() { frame.compensation } else { 0.0 };
        let params = [pre_exposure, compensation, 0.0, 0.0];
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&params));
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(Self::NAME),
            layout: &self.layout,
            entries: &bindings::entries(&[
                self.uniforms.as_entire_binding(),
                wgpu::BindingResource::TextureView(frame.hdr),
                wgpu::BindingResource::TextureView(frame.camera_image),
                wgpu::BindingResource::TextureView(frame.mask),
                wgpu::BindingResource::Sampler(&self.sampler),
                frame.state.as_entire_binding(),
                wgpu::BindingResource::TextureView(frame.grade_lut),
            ]),
        });
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(Self::NAME),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }

    /// The pass's uniform buffer, for memory reports.
    pub fn memory(&self) -> Vec<crate::bench::memory::MemoryEntry> {
        vec![crate::bench::memory::MemoryEntry::buffer(
            &format!("{}.uniforms", Self::NAME),
            &self.uniforms,
        )]
    }
}

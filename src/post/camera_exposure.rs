//! AR exposure matching (`shaders/post/camera_exposure.wgsl`): the virtual object gets the exposure
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
//! Devices without compute or storage buffers (GLES 3.0, WebGL2) draw the grid's samples into
//! a small Rgba16Float image instead ([`CameraExposurePass::sample`]), read back a frame or two
//! later without stalling ([`crate::gpu::ReadbackRing`]); the CPU averages them and inverts the
//! chain's tone curve with the grade LUT's own CPU evaluation
//! ([`super::grade_bake::baked_value`]) in [`CameraExposurePass::matched_ev100`], and the
//! post stack hands that EV to the exposure pass as the frame's fixed EV. Until the first
//! samples are back the exposure stays as given.
//!
//! Reads: HDR colour (pre-exposed), the camera image, the real-world mask, the grade LUT.
//! Writes: the exposure
//! state (`multiplier, ev100, target_ev100, average_log2_luminance`).

use crate::Error;
use crate::draw::bindings;

/// The matching pass: one compute pipeline, or the fragment samples and their readback.
pub struct CameraExposurePass {
    layout: wgpu::BindGroupLayout,
    path: MatchPath,
    uniforms: wgpu::Buffer,
    sampler: wgpu::Sampler,
}

/// How the match is computed on this device.
enum MatchPath {
    /// One compute dispatch writes the exposure state.
    Compute(wgpu::ComputePipeline),
    /// Fragment samples read back to the CPU.
    Samples {
        pipeline: wgpu::RenderPipeline,
        /// The samples image and its copies on their way back.
        readback: crate::gpu::ReadbackRing,
        /// The newest means read back: (log2 camera luminance, log2 scene luminance).
        means: Option<(f32, f32)>,
    },
}

/// The fragment path's samples image (log2 camera, log2 scene, weight).
const SAMPLES_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// Readback slots of the fragment path.
const READBACK_SLOTS: usize = 3;

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
    /// The chain's baked grade LUT (see [`super::grade_bake`]); the compute path needs it.
    pub grade_lut: Option<&'a wgpu::TextureView>,
}

impl CameraExposurePass {
    /// The pass's label and timing scope.
    pub const NAME: &'static str = "camera_exposure";

    /// Load the shader and build the compute pipeline, or on a device without compute and
    /// storage buffers the fragment path.
    pub fn new(device: &wgpu::Device) -> Result<Self, Error> {
        let module = crate::shaders::create_module(device, Self::NAME)?;
        if !crate::gpu::Capabilities::of(device).compute_and_storage() {
            return Ok(Self::with_samples(device, &module));
        }
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
            path: MatchPath::Compute(pipeline),
            uniforms: bindings::uniform_buffer(device, Self::NAME, &[0; 16]),
            sampler: bindings::linear_sampler(device, Self::NAME),
        })
    }

    fn with_samples(device: &wgpu::Device, module: &wgpu::ShaderModule) -> Self {
        let fragment = wgpu::ShaderStages::FRAGMENT;
        let texture = |binding, filterable| wgpu::BindGroupLayoutEntry {
            visibility: fragment,
            ..bindings::texture(binding, filterable)
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("camera_exposure.samples"),
            entries: &[
                bindings::uniform(0, fragment),
                texture(1, false),
                texture(2, true),
                texture(3, true),
                wgpu::BindGroupLayoutEntry { visibility: fragment, ..bindings::sampler(4) },
            ],
        });
        let pipeline = crate::draw::fullscreen::pipeline_with_entry(
            device,
            "camera_exposure.samples",
            module,
            "fs_samples",
            &[&layout],
            SAMPLES_FORMAT,
            None,
        );
        Self {
            layout,
            path: MatchPath::Samples {
                pipeline,
                readback: crate::gpu::ReadbackRing::new("camera_exposure.samples", READBACK_SLOTS),
                means: None,
            },
            uniforms: bindings::uniform_buffer(device, Self::NAME, &[0; 16]),
            sampler: bindings::linear_sampler(device, Self::NAME),
        }
    }

    /// Whether the match runs by compute ([`CameraExposurePass::dispatch`]); otherwise by
    /// fragment samples ([`CameraExposurePass::sample`], [`CameraExposurePass::matched_ev100`]).
    pub fn is_compute(&self) -> bool {
        matches!(self.path, MatchPath::Compute(_))
    }

    /// Fragment path: draw the grid's samples of `frame` and copy them for reading back. A no-op
    /// on the compute path.
    pub fn sample(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &CameraExposureFrame<'_>,
    ) {
        if self.is_compute() {
            return;
        }
        let pre_exposure = if frame.pre_exposure.is_finite() && frame.pre_exposure > 0.0 {
            frame.pre_exposure
        } else {
            1.0
        };
        queue.write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&[pre_exposure, 0.0, 0.0, 0.0]));
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("camera_exposure.samples"),
            layout: &self.layout,
            entries: &bindings::entries(&self.inputs(frame)),
        });
        let MatchPath::Samples { pipeline, readback, .. } = &mut self.path else { return };
        let hdr = frame.hdr.texture();
        let grid = (hdr.width().min(128), hdr.height().min(128));
        let target = readback.target(device, grid, SAMPLES_FORMAT);
        let label = "camera_exposure.samples";
        crate::draw::fullscreen::draw(encoder, label, pipeline, &[&bind_group], &target, None);
        readback.copy(device, encoder, 0);
    }

    /// Fragment path: the EV100 (before compensation) that exposes the scene as the camera
    /// did, from the newest samples read back (taken in now), through the chain's tone curve
    /// (`grade`, `mapper`, `user_lut`: what the grade LUT bakes). `None` until samples are
    /// back, while no grid point counted, and on the compute path.
    pub fn matched_ev100(
        &mut self,
        grade: &super::grade::GradeSettings,
        mapper: super::tonemap::ToneMapper,
        user_lut: Option<&super::grade_bake::UserLut>,
    ) -> Option<f32> {
        let MatchPath::Samples { readback, means, .. } = &mut self.path else { return None };
        if let Some(fresh) = readback.take_newest(mean_logs).flatten() {
            *means = Some(fresh);
        }
        let (camera, scene) = (*means)?;
        Some(matched_ev100(camera, scene, grade, mapper, user_lut))
    }

    /// Bindings 0..=4 of both paths: the uniforms, the HDR image, the camera image, the mask
    /// and the sampler.
    fn inputs<'a>(&'a self, frame: &CameraExposureFrame<'a>) -> [wgpu::BindingResource<'a>; 5] {
        [
            self.uniforms.as_entire_binding(),
            wgpu::BindingResource::TextureView(frame.hdr),
            wgpu::BindingResource::TextureView(frame.camera_image),
            wgpu::BindingResource::TextureView(frame.mask),
            wgpu::BindingResource::Sampler(&self.sampler),
        ]
    }

    /// The frame was submitted: the fragment path starts reading its samples back.
    pub fn frame_submitted(&mut self) {
        if let MatchPath::Samples { readback, .. } = &mut self.path {
            readback.submitted();
        }
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
        let (MatchPath::Compute(pipeline), Some(grade_lut)) = (&self.path, frame.grade_lut) else {
            return;
        };
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
            entries: &bindings::entries(
                &[
                    self.inputs(frame).as_slice(),
                    &[
                        frame.state.as_entire_binding(),
                        wgpu::BindingResource::TextureView(grade_lut),
                    ],
                ]
                .concat(),
            ),
        });
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(Self::NAME),
            timestamp_writes: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }

    /// The pass's uniform buffer (and the fragment path's samples and readback buffers), for
    /// memory reports.
    pub fn memory(&self) -> Vec<crate::gpu::memory::MemoryEntry> {
        use crate::gpu::memory::MemoryEntry;
        let mut entries =
            vec![MemoryEntry::buffer(&format!("{}.uniforms", Self::NAME), &self.uniforms)];
        if let MatchPath::Samples { readback, .. } = &self.path {
            entries.extend(MemoryEntry::readback_ring(readback));
        }
        entries
    }
}

/// The mean (log2 camera, log2 scene) luminance of the counted grid points of a samples image
/// read back (Rgba16Float: log2 camera, log2 scene, weight 1 or 0); `None` when none counted.
fn mean_logs(rows: &crate::gpu::TexelRows<'_>) -> Option<(f32, f32)> {
    let (mut camera, mut scene, mut count) = (0.0f64, 0.0f64, 0.0f64);
    for texel in rows.texels() {
        let channel = |i: usize| {
            f64::from(crate::gpu::f16_to_f32(u16::from_le_bytes([texel[2 * i], texel[2 * i + 1]])))
        };
        let weight = channel(2);
        if weight >= 0.5 && channel(0).is_finite() && channel(1).is_finite() {
            camera += channel(0);
            scene += channel(1);
            count += 1.0;
        }
    }
    (count >= 1.0).then(|| ((camera / count) as f32, (scene / count) as f32))
}

/// The EV100 (before compensation) whose exposure shows a scene of mean log2 luminance
/// `log2_scene` as the camera showed it (mean log2 display-linear luminance `log2_camera`):
/// the shader's bisection along the tone curve's grey axis, on the CPU's evaluation of the
/// grade LUT ([`super::grade_bake::baked_value`] at the lattice coordinate, where the shader
/// samples the baked LUT).
pub fn matched_ev100(
    log2_camera: f32,
    log2_scene: f32,
    grade: &super::grade::GradeSettings,
    mapper: super::tonemap::ToneMapper,
    user_lut: Option<&super::grade_bake::UserLut>,
) -> f32 {
    use super::grade_bake::{baked_value, shaper_inverse, srgb_decode};
    let wanted = log2_camera.exp2();
    let displayed = |t: f32| {
        let encoded = baked_value(grade, mapper, user_lut, glam::Vec3::splat(shaper_inverse(t)));
        let linear = encoded.map(|c| srgb_decode(c.clamp(0.0, 1.0)));
        linear.dot(glam::Vec3::new(0.2126, 0.7152, 0.0722))
    };
    let (mut low, mut high) = (0.0f32, 1.0f32);
    for _ in 0..24 {
        let middle = 0.5 * (low + high);
        if displayed(middle) < wanted {
            low = middle;
        } else {
            high = middle;
        }
    }
    let grey = shaper_inverse(0.5 * (low + high)).max(1e-10);
    -(grey.log2() - log2_scene) - 1.2f32.log2()
}

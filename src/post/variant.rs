//! Compute or fragment variants of the full-screen passes (`variant` in a preset).
//!
//! Every post pass has a compute variant (AO, depth of field, motion blur, TAA, upscale,
//! bloom, finish, FXAA, sharpen; exposure is compute only) and keeps its per-pixel work in one
//! WGSL function that two entry points call: `fs_main` (a full-screen triangle into a colour
//! attachment) and `cs_main` (an 8x8 workgroup per tile, `textureStore` into a storage texture
//! at `@group(1)`), so the two cannot drift apart. Passes of several steps (AO, DoF, motion
//! blur, bloom) pair every `fs_<step>` with a `cs_<step>`, except where one dispatch does what
//! takes the fragment variant several passes (AO's view depth pyramid, `cs_pyramid`, calling
//! the same per-texel functions). The renderer's own full-screen steps (lighting, the shadow
//! catcher, the debug view) and the AR composite stay fragment passes.
//! Desktop and datacenter GPUs tend to favour compute (no rasteriser, no ROP ordering,
//! coalesced stores); tile-based mobile GPUs favour fragment (on-chip tile memory, framebuffer
//! compression), which is why [`PassVariant::Auto`] resolves by the device class of
//! [`crate::gpu::classify`].
//!
//! Storage textures cannot be sRGB, so compute passes that write the 8-bit display image
//! store `Rgba8Unorm` texels they sRGB-encode themselves (`shaders/include/compute_output.wgsl`)
//! into pooled `Rgba8Unorm` textures whose `Rgba8UnormSrgb` view the next pass reads. The
//! chain's output is a view the caller owns and usually cannot be a storage texture; the last
//! compute pass then writes a pooled texture that is copied into the output (a
//! `copy_texture_to_texture`, which needs `COPY_DST` on the caller's texture; see
//! [`super::chain::PostChain::record`]).
//!
//! Reads and writes nothing itself: it resolves the variant and records compute dispatches.

use serde::{Deserialize, Serialize};

/// Which kind of pipeline the full-screen passes use (`variant` at the top of a preset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassVariant {
    /// A full-screen triangle and a fragment shader writing a colour attachment.
    Fragment,
    /// A compute shader in 8x8 workgroups writing a storage texture.
    Compute,
    /// Compute, unless the adapter is mobile-class (tile-based GPUs keep the image in tile
    /// memory for fragment work) or lacks what compute needs; the default.
    #[default]
    Auto,
}

impl PassVariant {
    /// The name in presets and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PassVariant::Fragment => "fragment",
            PassVariant::Compute => "compute",
            PassVariant::Auto => "auto",
        }
    }
}

impl std::str::FromStr for PassVariant {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "fragment" => Ok(PassVariant::Fragment),
            "compute" => Ok(PassVariant::Compute),
            "auto" => Ok(PassVariant::Auto),
            other => Err(format!("variant {other:?}: expected fragment, compute or auto")),
        }
    }
}

/// What a requested variant resolved to on one device, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantChoice {
    /// What the settings asked for.
    pub requested: PassVariant,
    /// What runs: [`PassVariant::Fragment`] or [`PassVariant::Compute`], never `Auto`.
    pub used: PassVariant,
    /// Why: the device class for `auto`, the missing capability for a fallback, or "as
    /// requested".
    pub reason: String,
    /// `compute` was asked for (directly or by `auto` on a desktop-class device) but the
    /// device cannot run it, so fragment runs instead.
    pub fallback: bool,
}

/// Workgroup edge of every compute variant (`@workgroup_size(8, 8)` in the shaders).
pub const WORKGROUP: u32 = 8;

/// Storage formats the compute variants write: the display image and TAA's history.
const STORAGE_FORMATS: [wgpu::TextureFormat; 2] =
    [wgpu::TextureFormat::Rgba8Unorm, wgpu::TextureFormat::Rgba16Float];

/// Why `device` cannot run the compute variants, or `None` when it can: compute shaders (a
/// device without them has no compute workgroups in its limits), two storage textures per
/// stage (TAA writes colour and aux), 8x8 workgroups, and write-only storage of Rgba8Unorm and
/// Rgba16Float. Only the device is asked, so an embedding app's device works too.
pub fn compute_unsupported(device: &wgpu::Device) -> Option<String> {
    let limits = device.limits();
    if limits.max_compute_workgroups_per_dimension == 0 {
        return Some("the device has no compute shaders (downlevel limits)".into());
    }
    if !crate::gpu::Capabilities::of(device).view_formats {
        return Some(
            "the device has no view formats (the next pass reads the stored Rgba8Unorm image \
             through an sRGB view)"
                .into(),
        );
    }
    if limits.max_storage_textures_per_shader_stage < 2 {
        return Some(format!(
            "max_storage_textures_per_shader_stage is {} (2 needed)",
            limits.max_storage_textures_per_shader_stage
        ));
    }
    if limits.max_compute_workgroup_size_x < WORKGROUP
        || limits.max_compute_workgroup_size_y < WORKGROUP
        || limits.max_compute_invocations_per_workgroup < WORKGROUP * WORKGROUP
    {
        return Some(format!("compute workgroups of {WORKGROUP}x{WORKGROUP} are not supported"));
    }
    storage_unsupported(device, &STORAGE_FORMATS)
}

/// The first of `formats` that `device` cannot write as a storage texture, as the reason
/// compute cannot run; `None` when it can write them all.
pub(crate) fn storage_unsupported(
    device: &wgpu::Device,
    formats: &[wgpu::TextureFormat],
) -> Option<String> {
    formats.iter().find_map(|format| {
        let features = format.guaranteed_format_features(device.features());
        (!features.allowed_usages.contains(wgpu::TextureUsages::STORAGE_BINDING))
            .then(|| format!("{format:?} cannot be a storage texture on this device"))
    })
}

/// Resolve `requested` on `device`: `auto` is compute unless the device is mobile-class (by
/// its adapter's info, see [`crate::gpu::classify`]); compute falls back to fragment, with the
/// reason, where [`compute_unsupported`] says so.
pub fn resolve(requested: PassVariant, device: &wgpu::Device) -> VariantChoice {
    let info = device.adapter_info();
    let class = crate::gpu::classify(&info, info.transient_saves_memory == Some(true));
    resolve_with(requested, class.is_mobile(), &class.reasons, compute_unsupported(device))
}

/// [`resolve`] from its inputs: whether the device is mobile-class (with the classifier's
/// reasons) and why compute cannot run, if it cannot.
pub fn resolve_with(
    requested: PassVariant,
    mobile: bool,
    class_reasons: &[String],
    unsupported: Option<String>,
) -> VariantChoice {
    let choice =
        |used, reason: String, fallback| VariantChoice { requested, used, reason, fallback };
    let wants_compute = match requested {
        PassVariant::Fragment => {
            return choice(PassVariant::Fragment, "as requested".into(), false);
        }
        PassVariant::Compute => true,
        PassVariant::Auto if mobile => {
            let why = class_reasons.join("; ");
            let reason = format!("auto: mobile-class adapter ({why}) favours fragment");
            return choice(PassVariant::Fragment, reason, false);
        }
        PassVariant::Auto => true,
    };
    match (wants_compute, unsupported) {
        (_, Some(missing)) => choice(
            PassVariant::Fragment,
            format!("{} falls back to fragment: {missing}", requested.name()),
            true,
        ),
        _ if requested == PassVariant::Auto => choice(
            PassVariant::Compute,
            "auto: desktop-class adapter favours compute".into(),
            false,
        ),
        _ => choice(PassVariant::Compute, "as requested".into(), false),
    }
}

/// A compute pipeline over a full-screen pass's inputs: bind group 0 is the pass's own
/// (uniforms and inputs, shared with its fragment pipeline), bind group 1 holds the storage
/// textures `cs_main` writes, one per format in `outputs`, at bindings 0...
pub(crate) struct ComputeKernel {
    name: &'static str,
    pipeline: wgpu::ComputePipeline,
    output_layout: wgpu::BindGroupLayout,
}

impl ComputeKernel {
    /// The entry point `entry` (`cs_main`, or `cs_<step>` in passes of several steps: bloom's
    /// downsamples and upsamples, AO's, DoF's and motion blur's steps) of `module` over
    /// `input_layout` (group 0), writing storage textures of `outputs` (group 1).
    pub(crate) fn new(
        device: &wgpu::Device,
        name: &'static str,
        module: &wgpu::ShaderModule,
        entry: &str,
        input_layout: &wgpu::BindGroupLayout,
        outputs: &[wgpu::TextureFormat],
    ) -> Self {
        Self::specialised(device, name, module, entry, input_layout, outputs, &[])
    }

    /// As [`ComputeKernel::new`] with the WGSL `override` constants `constants` set (see
    /// [`crate::draw::specialise`]).
    pub(crate) fn specialised(
        device: &wgpu::Device,
        name: &'static str,
        module: &wgpu::ShaderModule,
        entry: &str,
        input_layout: &wgpu::BindGroupLayout,
        outputs: &[wgpu::TextureFormat],
        constants: &[(&'static str, f64)],
    ) -> Self {
        let entries: Vec<_> = outputs
            .iter()
            .enumerate()
            .map(|(binding, &format)| wgpu::BindGroupLayoutEntry {
                binding: binding as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::StorageTexture {
                    access: wgpu::StorageTextureAccess::WriteOnly,
                    format,
                    view_dimension: wgpu::TextureViewDimension::D2,
                },
                count: None,
            })
            .collect();
        let output_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(name),
            entries: &entries,
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(name),
            bind_group_layouts: &[Some(input_layout), Some(&output_layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(name),
            layout: Some(&layout),
            module,
            entry_point: Some(entry),
            compilation_options: crate::draw::specialise::options(constants),
            cache: None,
        });
        Self { name, pipeline, output_layout }
    }

    /// Record one dispatch covering `size` pixels with `inputs` at group 0 and `outputs`
    /// (storage views, in binding order) at group 1. A zero size records nothing.
    pub(crate) fn dispatch(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        inputs: &wgpu::BindGroup,
        outputs: &[&wgpu::TextureView],
        size: (u32, u32),
    ) {
        let groups = (size.0.div_ceil(WORKGROUP), size.1.div_ceil(WORKGROUP));
        self.dispatch_groups(device, encoder, inputs, outputs, groups);
    }

    /// [`ComputeKernel::dispatch`] of `groups` workgroups (x, y), for a kernel whose
    /// workgroups cover more than one pixel each (AO's depth pyramid: 16x16). Zero groups
    /// record nothing.
    pub(crate) fn dispatch_groups(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        inputs: &wgpu::BindGroup,
        outputs: &[&wgpu::TextureView],
        groups: (u32, u32),
    ) {
        if groups.0 == 0 || groups.1 == 0 {
            return;
        }
        let group = self.bind_outputs(device, outputs);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(self.name),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, inputs, &[]);
        pass.set_bind_group(1, &group, &[]);
        pass.dispatch_workgroups(groups.0, groups.1, 1);
    }
}

impl ComputeKernel {
    /// The bind group (group 1) of `outputs`, storage views in binding order, for a pass
    /// that records its own dispatches (several into one compute pass, or with dynamic
    /// offsets at group 0).
    pub(crate) fn bind_outputs(
        &self,
        device: &wgpu::Device,
        outputs: &[&wgpu::TextureView],
    ) -> wgpu::BindGroup {
        let resources: Vec<_> =
            outputs.iter().map(|v| wgpu::BindingResource::TextureView(v)).collect();
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(self.name),
            layout: &self.output_layout,
            entries: &crate::draw::bindings::entries(&resources),
        })
    }

    /// The compute pipeline, for a pass that records its own dispatches.
    pub(crate) fn pipeline(&self) -> &wgpu::ComputePipeline {
        &self.pipeline
    }
}

/// A pass's compute variant, built on its first dispatch (a device that never runs compute
/// never creates the pipeline): the shader module, the formats `cs_main` stores, the kernel.
pub(crate) struct LazyKernel {
    name: &'static str,
    module: wgpu::ShaderModule,
    entry: &'static str,
    outputs: Vec<wgpu::TextureFormat>,
    kernel: Option<ComputeKernel>,
}

impl LazyKernel {
    /// The compute variant of pass `name` in `module`: entry point `entry` (passes of several
    /// steps keep one `cs_<step>` per step in one module), storing textures of `outputs`.
    pub(crate) fn with_entry(
        name: &'static str,
        module: wgpu::ShaderModule,
        entry: &'static str,
        outputs: &[wgpu::TextureFormat],
    ) -> Self {
        Self { name, module, entry, outputs: outputs.to_vec(), kernel: None }
    }

    /// Build the kernel over `input_layout` if it does not exist yet, then record
    /// [`ComputeKernel::dispatch`]. Records nothing without `inputs` (a pass not yet bound).
    pub(crate) fn dispatch(
        &mut self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        input_layout: &wgpu::BindGroupLayout,
        inputs: Option<&wgpu::BindGroup>,
        outputs: &[&wgpu::TextureView],
        size: (u32, u32),
    ) {
        let Some(inputs) = inputs else { return };
        self.build(device, input_layout).dispatch(device, encoder, inputs, outputs, size);
    }

    /// The kernel over `input_layout`, built now if it does not exist yet (ahead of the frame
    /// that dispatches it: a governor step must not compile during a frame).
    pub(crate) fn build(
        &mut self,
        device: &wgpu::Device,
        input_layout: &wgpu::BindGroupLayout,
    ) -> &ComputeKernel {
        let (name, module, entry, formats) = (self.name, &self.module, self.entry, &self.outputs);
        self.kernel.get_or_insert_with(|| {
            ComputeKernel::new(device, name, module, entry, input_layout, formats)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_compute_on_desktop_and_fragment_on_mobile() {
        let desktop = resolve_with(PassVariant::Auto, false, &[], None);
        assert_eq!((desktop.used, desktop.fallback), (PassVariant::Compute, false));
        let reasons = ["device type is Cpu".to_owned()];
        let mobile = resolve_with(PassVariant::Auto, true, &reasons, None);
        assert_eq!((mobile.used, mobile.fallback), (PassVariant::Fragment, false));
        assert!(mobile.reason.contains("device type is Cpu"), "{}", mobile.reason);
    }

    #[test]
    fn compute_falls_back_with_the_missing_capability() {
        let missing = Some("Rgba8Unorm cannot be a storage texture".to_owned());
        let choice = resolve_with(PassVariant::Compute, false, &[], missing);
        assert_eq!((choice.used, choice.fallback), (PassVariant::Fragment, true));
        assert!(choice.reason.contains("Rgba8Unorm"), "{}", choice.reason);
        let forced = resolve_with(PassVariant::Compute, true, &[], None);
        assert_eq!(forced.used, PassVariant::Compute, "an explicit request wins on mobile");
        let fragment = resolve_with(PassVariant::Fragment, false, &[], None);
        assert_eq!(fragment.used, PassVariant::Fragment);
    }

    #[test]
    fn names_parse_back() {
        for v in [PassVariant::Fragment, PassVariant::Compute, PassVariant::Auto] {
            assert_eq!(v.name().parse::<PassVariant>(), Ok(v));
        }
        assert!("vertex".parse::<PassVariant>().unwrap_err().contains("vertex"));
    }
}

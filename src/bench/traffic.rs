//! Memory traffic each pass declares: bytes read and written per pixel, from the formats of
//! the textures it actually reads and writes, so a benchmark can turn GPU milliseconds into
//! achieved GB/s and compare them with the device's DRAM bandwidth.
//!
//! How bytes are counted (a floor, the traffic a perfect cache would leave):
//! - every texel of every input a pass reads counts **once per pixel it covers**, however many
//!   taps read it (gathers and overlapping kernels hit the cache); an input at a lower
//!   resolution counts its fraction of the pixels (a half-size mip is 1/4);
//! - every texel written counts once; blending or a `Load` of the target counts as a read;
//! - small tables (LUTs, histograms, uniforms) and geometry (vertices, material textures) are
//!   not counted; no overdraw; no framebuffer compression.
//!
//! Figures are per pixel of [`PassTraffic::pixels`] (the size the pass runs at).

use serde::{Deserialize, Serialize};

use crate::post::Tier;
use crate::post::chain::{PostSettings, effective_fxaa};
use crate::post::finish::DISPLAY_FORMAT;
use crate::post::variant::PassVariant;
use crate::render::gbuffer::{BASE_COLOR_FORMAT, DEPTH_FORMAT, MOTION_FORMAT, NORMAL_FORMAT};

/// A pass's declared traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassTraffic {
    /// Bytes read per pixel.
    pub read_bytes_per_pixel: f64,
    /// Bytes written per pixel.
    pub write_bytes_per_pixel: f64,
    /// Pixels the figures are per (the pass's working size).
    pub pixels: u64,
    /// What was counted.
    pub counted: String,
    /// Render or compute passes the scope runs over every pixel of the render or display size
    /// (the passes a tile-based GPU pays a full tile load/store round for; half-size and mip
    /// passes are not counted).
    #[serde(default)]
    pub full_screen_passes: u32,
}

impl PassTraffic {
    /// Total bytes moved in one run of the pass.
    pub fn bytes(&self) -> f64 {
        (self.read_bytes_per_pixel + self.write_bytes_per_pixel) * self.pixels as f64
    }

    /// Achieved bandwidth in GB/s (10^9 bytes per second) if the pass took `ms`.
    pub fn achieved_gbps(&self, ms: f64) -> Option<f64> {
        (ms > 0.0).then(|| self.bytes() / (ms * 1e-3) / 1e9)
    }

    /// The time moving [`PassTraffic::bytes`] takes at `peak_gbps`, in ms (the DRAM floor).
    pub fn floor_ms(&self, peak_gbps: f64) -> Option<f64> {
        (peak_gbps > 0.0).then(|| self.bytes() / (peak_gbps * 1e9) * 1e3)
    }
}

/// Bytes of one texel of `format` (depth formats: their depth aspect).
pub fn texel_bytes(format: wgpu::TextureFormat) -> f64 {
    let bytes = format
        .block_copy_size(None)
        .or_else(|| format.block_copy_size(Some(wgpu::TextureAspect::DepthOnly)))
        .unwrap_or(4);
    f64::from(bytes)
}

/// Everything that sizes the traffic of one frame.
#[derive(Clone, Copy, Debug)]
pub struct FrameShape<'a> {
    /// The post settings the frame ran with.
    pub post: &'a PostSettings,
    /// The HDR target's format.
    pub hdr_format: wgpu::TextureFormat,
    /// Display size in pixels.
    pub size: (u32, u32),
    /// G-buffer size in pixels (display size times the render scale).
    pub render_size: (u32, u32),
}

/// The traffic of the pass timed as `name` (its timing scope), or `None` for passes that are
/// not per-pixel (the shadow map) or whose traffic depends on the scene (forward blending).
pub fn pass_traffic(name: &str, shape: &FrameShape<'_>) -> Option<PassTraffic> {
    let hdr = texel_bytes(shape.hdr_format);
    let (depth, base, normal, motion) = (
        texel_bytes(DEPTH_FORMAT),
        texel_bytes(BASE_COLOR_FORMAT),
        texel_bytes(NORMAL_FORMAT),
        texel_bytes(MOTION_FORMAT),
    );
    let display = texel_bytes(DISPLAY_FORMAT);
    let pixels = |(w, h): (u32, u32)| u64::from(w) * u64::from(h);
    let (render, full) = (pixels(shape.render_size), pixels(shape.size));
    let post = shape.post;
    // The HDR image the passes after TAA read: TAA resolves into Rgba16Float whatever the
    // renderer's HDR format (src/post/taa.rs), at the display size.
    let resolved =
        if post.taa.tier.is_on() { texel_bytes(wgpu::TextureFormat::Rgba16Float) } else { hdr };
    // Render-size inputs, per display-size pixel.
    let scaled = render as f64 / full.max(1) as f64;
    let layer = texel_bytes(wgpu::TextureFormat::Rgba16Float);
    let traffic = |read: f64, write: f64, pixels: u64, counted: &str| PassTraffic {
        read_bytes_per_pixel: read,
        write_bytes_per_pixel: write,
        pixels,
        counted: counted.to_owned(),
        full_screen_passes: 1,
    };
    let passes = |mut traffic: PassTraffic, full_screen_passes: u32| {
        traffic.full_screen_passes = full_screen_passes;
        traffic
    };
    match name {
        "gbuffer" => Some(traffic(
            depth,
            depth + base + normal + motion + hdr,
            render,
            "depth test read; depth, base colour, normal, motion and emissive HDR written once \
             (no overdraw; vertices and material textures not counted)",
        )),
        "lighting" => {
            let ao = match (post.ao.tier.is_on(), lighting_upsamples_ao(post)) {
                (false, _) => 0.0,
                // A quarter of the pixels: half-size visibility and its R32Float view depth.
                (true, true) => {
                    let view_depth = texel_bytes(wgpu::TextureFormat::R32Float);
                    0.25 * (texel_bytes(crate::post::ao::OUTPUT_FORMAT) + view_depth)
                }
                (true, false) => texel_bytes(crate::post::ao::OUTPUT_FORMAT),
            };
            Some(traffic(
                depth + base + normal + ao + hdr,
                hdr,
                render,
                "depth, base colour, normal (+ AO visibility) and the emissive HDR read; HDR written",
            ))
        }
        "ao" => {
            let ao = post.ao.validated().0;
            let working = if ao.half_resolution { 0.25 } else { 1.0 };
            let view_depth = texel_bytes(wgpu::TextureFormat::R32Float) * 4.0 / 3.0 * working;
            let visibility = texel_bytes(crate::post::ao::OUTPUT_FORMAT);
            // Prefilter, GTAO and denoise at the working size; the upsample at full size;
            // the temporal step (with TAA) at full size.
            let temporal = u32::from(post.taa.tier.is_on());
            let full_size = match (ao.half_resolution, lighting_upsamples_ao(post)) {
                (true, true) => 0,
                (true, false) => 1,
                (false, _) => 3,
            };
            Some(passes(
                traffic(
                    depth + normal + view_depth + visibility * working,
                    view_depth + visibility * working * 2.0,
                    render,
                    "lower bound: depth and normals read, the view-depth mip chain (4/3 of the \
                     working size) written and read, visibility written, denoised once; \
                     history and upsample not counted",
                ),
                full_size + temporal,
            ))
        }
        "taa" => Some(traffic(
            (hdr + depth + motion) * scaled + 2.0 * layer,
            2.0 * layer,
            full,
            "HDR, depth and motion read at the render size (scaled to display pixels), the \
             Rgba16Float history (colour + aux) read and the new one written at the display \
             size",
        )),
        "dof" => Some(traffic(
            2.0 * (hdr + depth) + 4.0 * layer / 4.0,
            3.0 * layer / 4.0 + hdr,
            render,
            "prepare: HDR and depth read, the half-size Rgba16Float colour + CoC written; tile \
             max and gather read it once each; near and far layers (half size) written by the \
             gather and read by the composite, with HDR and depth again; HDR written; the \
             tile textures (1/tile² of the pixels) not counted; the same for the compute \
             variant (its tiles are Rgba16Float)",
        )),
        "motion_blur" => Some(traffic(
            2.0 * motion + hdr + depth,
            hdr,
            render,
            "motion read by the tile maximum and again by the gather, with HDR and depth; HDR \
             written; the tile and neighbour-max textures (1/K² of the pixels) not counted; \
             the same for the compute variant (its tiles are Rgba16Float)",
        )),
        "upscale" => Some(traffic(
            hdr * render as f64 / full.max(1) as f64,
            hdr,
            full,
            "the render-size HDR image read once, the display-size HDR written",
        )),
        "exposure" => {
            let stride = match post.exposure.tier {
                Tier::Off | Tier::Low => 16.0,
                Tier::Medium => 4.0,
                Tier::High | Tier::Ultra => 1.0,
            };
            Some(passes(
                traffic(
                    resolved / stride,
                    0.0,
                    full,
                    "the HDR pixels the histogram samples (1 in 16 / 4 / 1 by tier); bins not \
                     counted",
                ),
                u32::from(stride == 1.0),
            ))
        }
        "bloom" => {
            let chain = post.bloom.chain(shape.size)?;
            let first = 1.0 / f64::from(chain.first_mip_divisor * chain.first_mip_divisor);
            let level = |k: u32| first / 4f64.powi(k as i32);
            let levels = chain.levels;
            // Down: HDR in, each level written once and read by the next.
            let down_write: f64 = (0..levels).map(level).sum();
            let down_read = 1.0 + (0..levels.saturating_sub(1)).map(level).sum::<f64>();
            // Up: each level read with the smaller one, written back; the output at level 0.
            let up_read: f64 = (0..levels.saturating_sub(1)).map(|k| level(k) + level(k + 1)).sum();
            let up_write: f64 = (0..levels.saturating_sub(1)).map(level).sum::<f64>() + level(0);
            // The first downsample reads the resolved image; the mips are in the HDR format.
            // Every level is half size or smaller: no full-screen pass.
            Some(passes(
                traffic(
                    resolved + hdr * (down_read - 1.0 + up_read),
                    hdr * (down_write + up_write),
                    full,
                    "HDR read once; each mip written by the downsample and read by the next; each \
                 upsample reads two levels and writes one; the output at the largest level",
                ),
                0,
            ))
        }
        "finish" => {
            let bloom = post
                .bloom
                .chain(shape.size)
                .map_or(0.0, |c| hdr / f64::from(c.first_mip_divisor * c.first_mip_divisor));
            Some(traffic(
                resolved + bloom,
                display,
                full,
                "HDR (+ the bloom output) read; 8-bit sRGB written; the grade LUT not counted",
            ))
        }
        "fxaa" if effective_fxaa(post).tier.is_on() => Some(traffic(
            display,
            display,
            full,
            "8-bit image read (every tap cached), 8-bit written",
        )),
        "sharpen" if post.sharpen.tier.is_on() => Some(traffic(
            display,
            display,
            full,
            "8-bit image read (3x3 taps cached), 8-bit written",
        )),
        crate::post::chain::OUTPUT_COPY => Some(traffic(
            display,
            display,
            full,
            "compute variant: the last display pass's Rgba8Unorm image copied into the output",
        )),
        _ => None,
    }
}

/// Whether the lighting pass upsamples half-resolution AO itself in a frame of `post` (no TAA;
/// the bench runs no shadow catcher or debug view): see `AoSettings::upsample_in_lighting`.
fn lighting_upsamples_ao(post: &PostSettings) -> bool {
    let ao = post.ao.validated().0;
    ao.half_resolution && ao.upsample_in_lighting && !post.taa.tier.is_on()
}

/// [`pass_traffic`] for a pass that ran as `used` (what the `variant` setting resolved to).
/// The compute variants move what the fragment ones move, except that AO's compute steps
/// store visibility in [`crate::post::ao::COMPUTE_OUTPUT_FORMAT`] (R32Float, as R16Float
/// cannot be stored everywhere), which AO writes and reads and lighting reads at twice the
/// bytes; bloom's compute upsample writes a second chain instead of blending in place (the
/// same bytes: a blend reads its target), which its `counted` says.
pub fn pass_traffic_variant(
    name: &str,
    shape: &FrameShape<'_>,
    used: PassVariant,
) -> Option<PassTraffic> {
    let mut traffic = pass_traffic(name, shape)?;
    if used != PassVariant::Compute {
        return Some(traffic);
    }
    let extra = texel_bytes(crate::post::ao::COMPUTE_OUTPUT_FORMAT)
        - texel_bytes(crate::post::ao::OUTPUT_FORMAT);
    let note = match name {
        "ao" => {
            let working = if shape.post.ao.validated().0.half_resolution { 0.25 } else { 1.0 };
            traffic.read_bytes_per_pixel += extra * working;
            traffic.write_bytes_per_pixel += extra * working * 2.0;
            "compute variant: visibility stored as R32Float"
        }
        "lighting" if shape.post.ao.tier.is_on() => {
            traffic.read_bytes_per_pixel += extra;
            "compute variant: AO visibility read as R32Float"
        }
        "bloom" if shape.hdr_format == crate::post::bloom::COMPUTE_FORMAT => {
            "compute variant: each upsample reads the larger level's downsample and writes a \
             second chain"
        }
        _ => return Some(traffic),
    };
    traffic.counted = format!("{}; {note}", traffic.counted);
    Some(traffic)
}

/// A device's nominal DRAM bandwidth from its datasheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnownDevice {
    /// A case-insensitive substring of the adapter's name.
    pub name_contains: &'static str,
    /// Nominal DRAM bandwidth in GB/s, as the vendor's datasheet gives it.
    pub peak_gbps: f64,
}

/// Nominal datasheet DRAM bandwidths of a few devices (not measured here; a device's real
/// attainable bandwidth is lower). More specific names come first.
pub const KNOWN_DEVICES: &[KnownDevice] = &[
    KnownDevice { name_contains: "H200", peak_gbps: 4800.0 },
    KnownDevice { name_contains: "H100 PCIe", peak_gbps: 2000.0 },
    KnownDevice { name_contains: "H100", peak_gbps: 3350.0 },
    KnownDevice { name_contains: "A100", peak_gbps: 1555.0 },
    KnownDevice { name_contains: "RTX 4090", peak_gbps: 1008.0 },
    KnownDevice { name_contains: "RTX 3080", peak_gbps: 760.0 },
    KnownDevice { name_contains: "Apple M2", peak_gbps: 100.0 },
    KnownDevice { name_contains: "Apple M1", peak_gbps: 68.25 },
];

/// The nominal DRAM bandwidth of the adapter called `adapter_name`, if it is in
/// [`KNOWN_DEVICES`].
pub fn known_peak_gbps(adapter_name: &str) -> Option<f64> {
    let name = adapter_name.to_ascii_lowercase();
    KNOWN_DEVICES
        .iter()
        .find(|d| name.contains(&d.name_contains.to_ascii_lowercase()))
        .map(|d| d.peak_gbps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::finish::DISPLAY_FORMAT;

    fn shape(post: &PostSettings) -> FrameShape<'_> {
        FrameShape {
            post,
            hdr_format: wgpu::TextureFormat::Rgba16Float,
            size: (64, 32),
            render_size: (64, 32),
        }
    }

    #[test]
    fn declarations_follow_the_texture_formats() {
        let post = PostSettings::default();
        let finish = pass_traffic("finish", &shape(&post)).expect("finish");
        // Bloom off: the Rgba16Float HDR image (8 B) in, the Rgba8UnormSrgb display (4 B) out.
        assert_eq!(finish.read_bytes_per_pixel, 8.0);
        assert_eq!(finish.write_bytes_per_pixel, texel_bytes(DISPLAY_FORMAT));
        assert_eq!(finish.write_bytes_per_pixel, 4.0);
        assert_eq!(finish.pixels, 64 * 32);
        let gbuffer = pass_traffic("gbuffer", &shape(&post)).expect("gbuffer");
        // 4 (depth) + 4 (base) + 8 (normal) + 4 (motion) + 8 (HDR).
        assert_eq!(gbuffer.write_bytes_per_pixel, 28.0);
        let small = FrameShape { hdr_format: wgpu::TextureFormat::Rg11b10Ufloat, ..shape(&post) };
        let finish_small = pass_traffic("finish", &small).expect("finish");
        assert_eq!(finish_small.read_bytes_per_pixel, 4.0);
        // Passes that are off, and the shadow map, declare nothing.
        assert!(pass_traffic("fxaa", &shape(&post)).is_none());
        assert!(pass_traffic("shadows", &shape(&post)).is_none());
    }

    #[test]
    fn taa_reads_render_size_inputs_and_later_passes_read_its_rgba16float() {
        let post = PostSettings {
            taa: crate::post::taa::TaaSettings { tier: Tier::High, ..Default::default() },
            ..Default::default()
        };
        // Rg11b10 HDR at half the display size per axis: TAA reads HDR (4 B), depth (4) and
        // motion (4) for a quarter of the display pixels, and both Rgba16Float histories.
        let shape = FrameShape {
            hdr_format: wgpu::TextureFormat::Rg11b10Ufloat,
            render_size: (32, 16),
            ..shape(&post)
        };
        let taa = pass_traffic("taa", &shape).expect("taa on");
        assert_eq!(taa.read_bytes_per_pixel, 12.0 / 4.0 + 16.0);
        assert_eq!(taa.write_bytes_per_pixel, 16.0);
        assert_eq!(taa.pixels, 64 * 32);
        // The finish reads TAA's Rgba16Float output, not the 4-byte HDR format.
        let finish = pass_traffic("finish", &shape).expect("finish");
        assert_eq!(finish.read_bytes_per_pixel, 8.0);
    }

    #[test]
    fn cinematic_passes_declare_their_traffic_at_the_render_size() {
        let post = PostSettings {
            dof: crate::post::dof::DofSettings::PRODUCT,
            motion_blur: crate::post::motion_blur::MotionBlurSettings::FILM,
            ..Default::default()
        };
        let shape = FrameShape { render_size: (32, 16), ..shape(&post) };
        for name in ["dof", "motion_blur"] {
            let t = pass_traffic(name, &shape).unwrap_or_else(|| panic!("{name} declares"));
            assert_eq!(t.pixels, 32 * 16, "{name}");
            // At least the HDR image and depth in, the HDR image out.
            assert!(t.read_bytes_per_pixel >= 12.0 && t.write_bytes_per_pixel >= 8.0, "{t:?}");
        }
        // Motion blur: motion twice (tile max, gather) + HDR + depth; HDR written.
        let blur = pass_traffic("motion_blur", &shape).expect("blur");
        assert_eq!((blur.read_bytes_per_pixel, blur.write_bytes_per_pixel), (20.0, 8.0));
    }

    #[test]
    fn bloom_traffic_is_a_geometric_series_of_its_mips() {
        let post = PostSettings {
            bloom: crate::post::bloom::BloomSettings::NATURAL,
            ..Default::default()
        };
        let t = pass_traffic("bloom", &shape(&post)).expect("bloom on");
        // The mips start at half size (1/4 of the pixels), each next one a quarter of that:
        // reads are the HDR image plus (1/3 down + 1/3 + 1/12 up) at most, writes
        // (1/3 down + 1/3 + 1/4 up) at most, in HDR texels.
        let hdr = 8.0;
        assert!(
            t.read_bytes_per_pixel > hdr * 1.5 && t.read_bytes_per_pixel <= hdr * 1.75,
            "{t:?}"
        );
        assert!(
            t.write_bytes_per_pixel > hdr * 0.75 && t.write_bytes_per_pixel <= hdr * 0.92,
            "{t:?}"
        );
    }

    #[test]
    fn compute_ao_moves_r32float_visibility_and_compute_bloom_says_how_it_upsamples() {
        let post = PostSettings {
            ao: crate::post::ao::AoSettings::HIGH,
            bloom: crate::post::bloom::BloomSettings::NATURAL,
            ..Default::default()
        };
        let shape = shape(&post);
        let traffic = |name, used| pass_traffic_variant(name, &shape, used).expect(name);
        let (fragment, compute) =
            (traffic("ao", PassVariant::Fragment), traffic("ao", PassVariant::Compute));
        assert_eq!(Some(fragment.clone()), pass_traffic("ao", &shape));
        // Full resolution: one more 2 bytes read (the denoise input), two written.
        assert_eq!(compute.read_bytes_per_pixel - fragment.read_bytes_per_pixel, 2.0);
        assert_eq!(compute.write_bytes_per_pixel - fragment.write_bytes_per_pixel, 4.0);
        let lighting = traffic("lighting", PassVariant::Compute);
        let lighting_fragment = traffic("lighting", PassVariant::Fragment);
        assert_eq!(lighting.read_bytes_per_pixel - lighting_fragment.read_bytes_per_pixel, 2.0);
        let bloom = traffic("bloom", PassVariant::Compute);
        let bloom_fragment = traffic("bloom", PassVariant::Fragment);
        assert_eq!(bloom.bytes(), bloom_fragment.bytes());
        assert!(bloom.counted.contains("compute variant"), "{}", bloom.counted);
        assert_eq!(
            traffic("gbuffer", PassVariant::Compute),
            traffic("gbuffer", PassVariant::Fragment)
        );
    }

    #[test]
    fn bandwidth_and_floor() {
        let t = PassTraffic {
            read_bytes_per_pixel: 8.0,
            write_bytes_per_pixel: 4.0,
            pixels: 1_000_000,
            counted: String::new(),
            full_screen_passes: 1,
        };
        // 12 MB in 1 ms is 12 GB/s; at 100 GB/s it takes 0.12 ms.
        assert!((t.achieved_gbps(1.0).unwrap_or(0.0) - 12.0).abs() < 1e-9);
        assert!((t.floor_ms(100.0).unwrap_or(0.0) - 0.12).abs() < 1e-9);
        assert_eq!(known_peak_gbps("NVIDIA H100 80GB HBM3"), Some(3350.0));
        assert_eq!(known_peak_gbps("llvmpipe (LLVM 15.0.6, 256 bits)"), None);
    }
}

//! The bench's memory-traffic table: what each timed pass declares it reads and writes per
//! pixel, so a benchmark can turn GPU milliseconds into achieved GB/s and compare them with the
//! device's DRAM bandwidth ([`KNOWN_DEVICES`]).
//!
//! The renderer's passes (G-buffer, lighting) declare theirs here; every other timing scope is
//! asked of the post passes, each of which declares its own ([`crate::post::traffic`], which
//! also says how bytes are counted).

use crate::post::ao;
pub use crate::post::frame_traffic::FrameShape;
use crate::post::frame_traffic::{post_pass_traffic, post_pass_traffic_compute};
pub use crate::post::traffic::{PassTraffic, texel_bytes};
use crate::post::variant::PassVariant;
use crate::render::gbuffer::{BASE_COLOR_FORMAT, DEPTH_FORMAT, MOTION_FORMAT, NORMAL_FORMAT};

/// The traffic of the pass timed as `name` (its timing scope), or `None` for passes whose
/// traffic depends on the scene (forward blending). The `shadows` scope counts the screen-space
/// mask only: the map's draw is geometry, drawn only when something moved.
pub fn pass_traffic(name: &str, shape: &FrameShape<'_>) -> Option<PassTraffic> {
    let frame = shape.targets();
    let (hdr, render) = (frame.hdr_bytes(), frame.render_pixels());
    let (depth, base, normal, motion) = (
        texel_bytes(DEPTH_FORMAT),
        texel_bytes(BASE_COLOR_FORMAT),
        texel_bytes(NORMAL_FORMAT),
        texel_bytes(MOTION_FORMAT),
    );
    let post = shape.post;
    match name {
        "gbuffer" => Some(PassTraffic::new(
            depth,
            depth + base + normal + motion + hdr,
            render,
            "depth test read; depth, base colour, normal, motion and emissive HDR written once \
             (no overdraw; vertices and material textures not counted)",
        )),
        "shadows" if post.shadows.tier.is_on() => {
            let mask = texel_bytes(crate::render::shadow_mask::MASK_FORMAT);
            Some(PassTraffic::new(
                depth + normal,
                mask,
                render,
                "the screen-space shadow mask: depth and normal read (the shadow map's taps \
                 hit the cache), visibility written",
            ))
        }
        "lighting" => {
            let mask = match post.shadows.tier.is_on() {
                true => texel_bytes(crate::render::shadow_mask::MASK_FORMAT),
                false => 0.0,
            };
            let visibility =
                match (post.ao.tier.is_on(), ao::lighting_upsamples(&post.ao, frame.taa)) {
                    (false, _) => 0.0,
                    // A quarter of the pixels: half-size visibility and its R32Float view depth.
                    (true, true) => {
                        let view_depth = texel_bytes(wgpu::TextureFormat::R32Float);
                        0.25 * (texel_bytes(ao::OUTPUT_FORMAT) + view_depth)
                    }
                    (true, false) => texel_bytes(ao::OUTPUT_FORMAT),
                };
            Some(PassTraffic::new(
                depth + base + normal + visibility + mask + hdr,
                hdr,
                render,
                "depth, base colour, normal (+ AO visibility, the shadow mask) and the emissive HDR \
                 read; HDR written",
            ))
        }
        _ => post_pass_traffic(name, shape),
    }
}

/// [`pass_traffic`] for a pass that ran as `used` (what the `variant` setting resolved to).
/// The compute variants move what the fragment ones move, except where a post pass declares
/// otherwise (`traffic_compute`: AO's R32Float visibility, bloom's second chain) and that
/// lighting then reads AO's visibility as [`ao::COMPUTE_OUTPUT_FORMAT`], at twice the bytes.
pub fn pass_traffic_variant(
    name: &str,
    shape: &FrameShape<'_>,
    used: PassVariant,
) -> Option<PassTraffic> {
    if used != PassVariant::Compute {
        return pass_traffic(name, shape);
    }
    match name {
        "gbuffer" | "shadows" => pass_traffic(name, shape),
        "lighting" => {
            let mut traffic = pass_traffic(name, shape)?;
            if !shape.post.ao.tier.is_on() {
                return Some(traffic);
            }
            traffic.read_bytes_per_pixel += ao::compute_visibility_extra_bytes();
            Some(traffic.noting("compute variant: AO visibility read as R32Float"))
        }
        _ => post_pass_traffic_compute(name, shape),
    }
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
    use crate::post::chain::PostSettings;
    use crate::post::finish::DISPLAY_FORMAT;
    use crate::post::frame_traffic::tests::shape;

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
        // Passes that are off declare nothing; the shadows scope declares its mask (4 + 8
        // read, 1 written), and lighting reads the mask's byte.
        assert!(pass_traffic("fxaa", &shape(&post)).is_none());
        let shadows = pass_traffic("shadows", &shape(&post)).expect("shadow mask");
        assert_eq!((shadows.read_bytes_per_pixel, shadows.write_bytes_per_pixel), (12.0, 1.0));
        let no_shadow = PostSettings {
            shadows: crate::post::shadow_tier::ShadowTierSettings {
                tier: crate::post::Tier::Off,
                ..Default::default()
            },
            ..PostSettings::default()
        };
        assert!(pass_traffic("shadows", &shape(&no_shadow)).is_none());
        let lighting = |post: &PostSettings| {
            pass_traffic("lighting", &shape(post)).expect("lighting").read_bytes_per_pixel
        };
        assert_eq!(lighting(&post) - lighting(&no_shadow), 1.0);
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
        // Full resolution: one more 2 bytes read (the denoise input), two written; and the
        // R32Float view depth mips (4/3 of the pixels) 2 bytes more than R16Float, written and
        // read once.
        let depth = 2.0 * 4.0 / 3.0;
        let read = compute.read_bytes_per_pixel - fragment.read_bytes_per_pixel;
        let write = compute.write_bytes_per_pixel - fragment.write_bytes_per_pixel;
        assert!((read - (2.0 + depth)).abs() < 1e-9, "{read}");
        assert!((write - (4.0 + depth)).abs() < 1e-9, "{write}");
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

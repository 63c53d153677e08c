//! The traffic of one frame's post passes ([`super::traffic`] says how bytes are counted):
//! [`FrameShape`], the settings and targets a frame ran with, and [`post_pass_traffic`], which
//! finds a pass's own declaration by the pass's `NAME`. The bench adds the renderer's passes
//! (`bench::traffic`).

use super::chain::{self, OUTPUT_COPY};
use super::settings::{PostSettings, built_in};
use super::traffic::{FrameTargets, PassTraffic};

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

impl FrameShape<'_> {
    /// The frame's targets, as the passes' declarations read them.
    pub fn targets(&self) -> FrameTargets {
        FrameTargets {
            hdr_format: self.hdr_format,
            size: self.size,
            render_size: self.render_size,
            taa: self.post.taa.tier.is_on(),
            display_format: self.post.display.encoding.chain_format(),
        }
    }
}

/// The traffic of the post pass timed as `name` (its `NAME`), as its fragment variant moves
/// it, or `None` for a pass that is off this frame or a name that is no post pass: each
/// built-in pass's own declaration ([`BUILT_IN`]).
pub fn post_pass_traffic(name: &str, shape: &FrameShape<'_>) -> Option<PassTraffic> {
    pass_traffic(name, shape, false)
}

/// [`post_pass_traffic`] for a pass that ran its compute variant (AO stores visibility as
/// R32Float; bloom's upsample writes a second chain).
pub fn post_pass_traffic_compute(name: &str, shape: &FrameShape<'_>) -> Option<PassTraffic> {
    pass_traffic(name, shape, true)
}

fn pass_traffic(name: &str, shape: &FrameShape<'_>, compute: bool) -> Option<PassTraffic> {
    let targets = shape.targets();
    if name == OUTPUT_COPY {
        return chain::output_copy_traffic(&targets);
    }
    built_in(name).and_then(|pass| (pass.traffic)(shape.post, &targets, compute))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::post::Tier;
    use crate::post::settings::BUILT_IN;

    /// A 64x32 frame of `post` into an Rgba16Float HDR target, at full render scale.
    pub(crate) fn shape(post: &PostSettings) -> FrameShape<'_> {
        FrameShape {
            post,
            hdr_format: wgpu::TextureFormat::Rgba16Float,
            size: (64, 32),
            render_size: (64, 32),
        }
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
        let taa = post_pass_traffic("taa", &shape).expect("taa on");
        assert_eq!(taa.read_bytes_per_pixel, 12.0 / 4.0 + 16.0);
        assert_eq!(taa.write_bytes_per_pixel, 16.0);
        assert_eq!(taa.pixels, 64 * 32);
        // The finish reads TAA's Rgba16Float output, not the 4-byte HDR format.
        let finish = post_pass_traffic("finish", &shape).expect("finish");
        assert_eq!(finish.read_bytes_per_pixel, 8.0);
    }

    #[test]
    fn the_finish_writes_the_display_format_of_the_output_encoding() {
        let sdr = PostSettings::default();
        let pq = PostSettings {
            display: crate::post::display::DisplaySettings::PQ,
            ..Default::default()
        };
        let written =
            |post| post_pass_traffic("finish", &shape(post)).expect("finish").write_bytes_per_pixel;
        assert_eq!(written(&sdr), 4.0);
        assert_eq!(written(&pq), 8.0);
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
            let t = post_pass_traffic(name, &shape).unwrap_or_else(|| panic!("{name} declares"));
            assert_eq!(t.pixels, 32 * 16, "{name}");
            // At least the HDR image and depth in, the HDR image out.
            assert!(t.read_bytes_per_pixel >= 12.0 && t.write_bytes_per_pixel >= 8.0, "{t:?}");
        }
        // Motion blur: motion twice (tile max, gather) + HDR + depth; HDR written.
        let blur = post_pass_traffic("motion_blur", &shape).expect("blur");
        assert_eq!((blur.read_bytes_per_pixel, blur.write_bytes_per_pixel), (20.0, 8.0));
    }

    #[test]
    fn bloom_traffic_is_a_geometric_series_of_its_mips() {
        let post = PostSettings {
            bloom: crate::post::bloom::BloomSettings::NATURAL,
            ..Default::default()
        };
        let t = post_pass_traffic("bloom", &shape(&post)).expect("bloom on");
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
    fn every_post_pass_is_found_by_its_name_and_others_are_not() {
        let post = PostSettings {
            bloom: crate::post::bloom::BloomSettings::NATURAL,
            smaa: crate::post::smaa::SmaaSettings::DESKTOP,
            fxaa: crate::post::fxaa::FxaaSettings::DESKTOP,
            sharpen: crate::post::sharpen::SharpenSettings::CRISP,
            ..Default::default()
        };
        let shape = shape(&post);
        // The shadow tier's map is drawn by the renderer from the scene's geometry: it declares
        // no per-pixel traffic.
        let shadows = crate::post::shadow_tier::ShadowTier::NAME;
        let passes = BUILT_IN.iter().map(|p| p.name()).filter(|&name| name != shadows);
        for name in passes.chain([OUTPUT_COPY]) {
            assert!(post_pass_traffic(name, &shape).is_some(), "{name}");
            assert!(post_pass_traffic_compute(name, &shape).is_some(), "{name}");
        }
        for name in ["gbuffer", "lighting", "shadows", "nope"] {
            assert!(post_pass_traffic(name, &shape).is_none(), "{name}");
        }
    }
}

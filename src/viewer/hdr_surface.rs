//! Which surface the viewer presents on, for the display encoding the preset asks for
//! (`[display] encoding`, [`crate::post::display`]): an HDR surface where the window's surface
//! offers one (wgpu 30's surface colour spaces), else the SDR sRGB surface with the reason, and
//! the encoding the viewer then renders with, which the panel shows.
//!
//! - `pq`: an `Rgba16Float` or `Rgb10a2Unorm` format the surface offers in the BT.2100 PQ
//!   colour space (HDR10 displays: Vulkan's `HDR10_ST2084`, DXGI's `G2084_P2020`).
//! - `scrgb`: `Rgba16Float` in extended sRGB linear (Windows' and macOS's EDR scRGB).
//! - otherwise, or when the surface has no such colour space (a virtual X server, an SDR
//!   monitor), an sRGB format, and the frames are rendered SDR.

use crate::post::display::DisplayEncoding;

/// The surface the viewer configures, and what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceChoice {
    /// The swapchain format.
    pub format: wgpu::TextureFormat,
    /// Its colour space.
    pub color_space: wgpu::SurfaceColorSpace,
    /// The encoding frames are rendered with: the one asked for, or SDR when the surface has
    /// no HDR colour space for it.
    pub shown: DisplayEncoding,
    /// The encoding the preset asked for.
    pub wanted: DisplayEncoding,
    /// Why the encoding shown is not the one asked for.
    pub note: Option<String>,
}

impl SurfaceChoice {
    /// The panel's line: what is on screen.
    pub fn describe(&self) -> String {
        let on_screen = match self.shown {
            DisplayEncoding::Sdr => "SDR (8-bit sRGB)".to_owned(),
            DisplayEncoding::Pq => format!("HDR: BT.2100 PQ ({:?})", self.format),
            DisplayEncoding::ScRgb => format!("HDR: scRGB ({:?})", self.format),
        };
        match &self.note {
            Some(note) => format!("display: {on_screen}; {note}"),
            None => format!("display: {on_screen}"),
        }
    }
}

/// Choose the surface for `wanted` among the surface's `capabilities` (each format with its
/// colour spaces, in the surface's order of preference) and `sdr_formats` (the formats of the
/// default colour space). `None` when the surface offers no format at all.
pub fn choose_surface(
    capabilities: &[wgpu::SurfaceFormatCapabilities],
    sdr_formats: &[wgpu::TextureFormat],
    wanted: DisplayEncoding,
) -> Option<SurfaceChoice> {
    use wgpu::{SurfaceColorSpace as Space, SurfaceColorSpaces as Spaces, TextureFormat as F};
    let offered = |formats: &[F], spaces: Spaces| {
        formats.iter().copied().find(|format| {
            capabilities.iter().any(|c| c.format == *format && c.color_spaces.contains(spaces))
        })
    };
    let hdr = match wanted {
        DisplayEncoding::Sdr => None,
        DisplayEncoding::Pq => offered(&[F::Rgba16Float, F::Rgb10a2Unorm], Spaces::BT2100_PQ)
            .map(|f| (f, Space::Bt2100Pq)),
        DisplayEncoding::ScRgb => offered(&[F::Rgba16Float], Spaces::EXTENDED_SRGB_LINEAR)
            .map(|f| (f, Space::ExtendedSrgbLinear)),
    };
    if let Some((format, color_space)) = hdr {
        return Some(SurfaceChoice { format, color_space, shown: wanted, wanted, note: None });
    }
    let format =
        sdr_formats.iter().copied().find(F::is_srgb).or_else(|| sdr_formats.first().copied())?;
    let note = wanted.is_hdr().then(|| {
        format!(
            "{} asked for, but this window's surface offers no {} colour space: showing SDR",
            wanted.name(),
            if wanted == DisplayEncoding::Pq { "BT.2100 PQ" } else { "extended sRGB linear" }
        )
    });
    Some(SurfaceChoice {
        format,
        color_space: Space::Auto,
        shown: DisplayEncoding::Sdr,
        wanted,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wgpu::{
        SurfaceColorSpaces as Spaces, SurfaceFormatCapabilities as Caps, TextureFormat as F,
    };

    fn caps(list: &[(F, Spaces)]) -> Vec<Caps> {
        list.iter().map(|&(format, color_spaces)| Caps { format, color_spaces }).collect()
    }

    #[test]
    fn an_hdr_surface_is_chosen_where_offered_and_sdr_says_why_otherwise() {
        let sdr_only = caps(&[(F::Bgra8UnormSrgb, Spaces::SRGB), (F::Bgra8Unorm, Spaces::SRGB)]);
        let sdr_formats = [F::Bgra8Unorm, F::Bgra8UnormSrgb];
        let hdr10 = caps(&[
            (F::Bgra8UnormSrgb, Spaces::SRGB),
            (F::Rgb10a2Unorm, Spaces::SRGB | Spaces::BT2100_PQ),
            (F::Rgba16Float, Spaces::EXTENDED_SRGB_LINEAR),
        ]);
        let pq = choose_surface(&hdr10, &sdr_formats, DisplayEncoding::Pq).expect("a surface");
        assert_eq!(
            (pq.format, pq.color_space, pq.shown),
            (F::Rgb10a2Unorm, wgpu::SurfaceColorSpace::Bt2100Pq, DisplayEncoding::Pq)
        );
        assert!(pq.note.is_none() && pq.describe().contains("BT.2100 PQ"));
        let scrgb =
            choose_surface(&hdr10, &sdr_formats, DisplayEncoding::ScRgb).expect("a surface");
        assert_eq!((scrgb.format, scrgb.shown), (F::Rgba16Float, DisplayEncoding::ScRgb));
        // An SDR monitor (or a virtual X server): sRGB, and the panel says why.
        let fallback =
            choose_surface(&sdr_only, &sdr_formats, DisplayEncoding::Pq).expect("a surface");
        assert_eq!((fallback.format, fallback.shown), (F::Bgra8UnormSrgb, DisplayEncoding::Sdr));
        assert!(
            fallback.describe().contains("offers no BT.2100 PQ colour space: showing SDR"),
            "{}",
            fallback.describe()
        );
        let sdr = choose_surface(&hdr10, &sdr_formats, DisplayEncoding::Sdr).expect("a surface");
        assert_eq!((sdr.format, sdr.note), (F::Bgra8UnormSrgb, None));
        assert!(choose_surface(&[], &[], DisplayEncoding::Sdr).is_none());
    }
}

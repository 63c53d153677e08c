//! Ground-truth-based ambient occlusion (GTAO): settings. The pass itself lands with #5.

use super::{Tier, clamp_setting};
use serde::{Deserialize, Serialize};

/// GTAO's knobs. Every length is in world units (metres).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AoSettings {
    /// Slices x steps (see the pass's tier table). Default [`Tier::High`] when a preset names
    /// `[ao]`; the chain's default is off.
    pub tier: Tier,
    /// World-space radius of the hemisphere searched for occluders, metres, `0.01..=10`,
    /// default 0.5.
    pub radius: f32,
    /// Fraction of the radius, at its outer end, over which an occluder's weight fades to
    /// zero, `0..=1`, default 0.6 (0 is a hard cut at the radius).
    pub falloff: f32,
    /// Thickness heuristic, `0..=1`, default 0.25: how strongly a horizon that rose and then
    /// fell is taken as a thin occluder the light passes behind (0 treats every occluder as
    /// infinitely thick).
    pub thickness: f32,
    /// Exponent on the final visibility, `0.25..=4`, default 1 (1 is the physical answer).
    pub intensity: f32,
    /// Jimenez et al.'s multi-bounce approximation: brightens occlusion on light albedos.
    /// Default true.
    pub multi_bounce: bool,
    /// Compute at half resolution and bilaterally upsample. Default false.
    pub half_resolution: bool,
    /// Also compute bent normals (the mean unoccluded direction) for indirect diffuse.
    /// Default false.
    pub bent_normals: bool,
}

impl Default for AoSettings {
    fn default() -> Self {
        Self::HIGH
    }
}

impl AoSettings {
    /// The desktop default: tier High, half a metre.
    pub const HIGH: Self = Self {
        tier: Tier::High,
        radius: 0.5,
        falloff: 0.6,
        thickness: 0.25,
        intensity: 1.0,
        multi_bounce: true,
        half_resolution: false,
        bent_normals: false,
    };

    /// AO off: the frame recipe skips it and lighting sees full visibility.
    pub const OFF: Self = Self { tier: Tier::Off, ..Self::HIGH };

    /// Phones and headsets: tier Low at half resolution.
    pub const MOBILE: Self = Self { tier: Tier::Low, half_resolution: true, ..Self::HIGH };

    /// A copy with every value in its documented range; one warning per changed field, named
    /// `ao.<field>`.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let d = Self::HIGH;
        let mut w = Vec::new();
        let settings = Self {
            radius: clamp_setting(&mut w, "ao.radius", self.radius, 0.01, 10.0, d.radius),
            falloff: clamp_setting(&mut w, "ao.falloff", self.falloff, 0.0, 1.0, d.falloff),
            thickness: clamp_setting(&mut w, "ao.thickness", self.thickness, 0.0, 1.0, d.thickness),
            intensity: clamp_setting(
                &mut w,
                "ao.intensity",
                self.intensity,
                0.25,
                4.0,
                d.intensity,
            ),
            ..*self
        };
        (settings, w)
    }
}

//! The shadow map's tier (`[shadows]` in a preset): the budget governor's knob over the
//! renderer's directional shadow ([`crate::render::shadows`]). The renderer's
//! `ShadowSettings` give the map's size and filter radius at `High`; each tier scales the map
//! and sets the filter's taps:
//!
//! | tier | map side | PCF taps | the mask's taps at the default `pcf_radius` 1.5 |
//! |---|---|---|---|
//! | off | none (lit everywhere) | 0 | 0 |
//! | low | size / 4 (at least 256) | 2×2 | 2×2 |
//! | medium | size / 2 (at least 256) | 3×3 | 3×3 |
//! | high | size (2048 by default) | 4×4 | 3×3 paired |
//! | ultra | size × 2 (at most 8192 and the device's limit) | 5×5 | 3×3 paired |
//!
//! The taps always span ±`pcf_radius` texels of the tier's map, so a lower tier has a coarser
//! map and a blurrier, coarser-sampled penumbra. The taps run in the screen-space shadow mask
//! ([`crate::render::shadow_mask`], `SHADOW_TAPS`), which lighting reads; where the grid's
//! taps overlap, the mask takes the same sum as fewer bilinear taps on two texels per axis
//! each ("paired", [`crate::render::shadow_mask::paired_taps`]). The forward pass and the
//! shadow catcher keep the high tier's 4×4 grid on whatever map the tier left.
//!
//! **What the governor learns.** Like every knob, the shadow tier's cost is measured in its
//! own timing scope, `shadows`: the map's draw and the mask. With the map cached
//! ([`crate::render::shadows`], "Cached") a still scene draws it once, and the scope is then the
//! mask's taps and the map's texels they fetch: a step down from ultra or high quarters the
//! map the 3×3 paired taps read (the cache misses), a step from medium to low thins the taps
//! (9 → 4 per pixel); once objects move, the map is drawn every frame and each step down also
//! quarters its fill.
//!
//! The floor is `low`: a governor never removes the shadow unless the preset says it may
//! (`off_at_floor = true`).
//!
//! Reads nothing and writes nothing itself: the renderer reads the tier each frame.

use serde::{Deserialize, Serialize};

use super::Tier;
use super::contract::{Image, ImageFormat, ImageSize, KnobDecl, PassContract};
use super::schema::{Control, Setting, TIERS, setting};

/// The `[shadows]` table of a preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShadowTierSettings {
    /// The map's size and filter taps by tier (see the module's table). Default `high`.
    pub tier: Tier,
    /// Whether the budget governor may turn the shadow off (its floor is `low` otherwise).
    /// Default `false`.
    pub off_at_floor: bool,
}

impl Default for ShadowTierSettings {
    fn default() -> Self {
        Self { tier: Tier::High, off_at_floor: false }
    }
}

/// The `[shadows]` keys as presets and the viewer's panel see them.
pub const SETTINGS: &[Setting] = &[
    setting(
        "shadows.tier",
        Control::Choice(TIERS),
        "Shadow map side and filter taps: low = size/4 with 2x2 taps, medium = size/2 with 3x3, \
         high = the renderer's size (2048) with 4x4, ultra = twice it with 5x5; off: no shadow.",
    ),
    setting(
        "shadows.off_at_floor",
        Control::Bool,
        "Let the budget governor turn the shadow off; otherwise it goes no lower than low.",
    ),
];

/// The shadow map's side in texels at `tier`, from the renderer's `base` side (its `High`)
/// and the largest side the device and the settings allow; 0 when off.
pub fn map_side(base: u32, tier: Tier, max_side: u32) -> u32 {
    let side = match tier {
        Tier::Off => return 0,
        Tier::Low => (base / 4).max(256),
        Tier::Medium => (base / 2).max(256),
        Tier::High => base,
        Tier::Ultra => base.saturating_mul(2),
    };
    side.min(max_side.min(8192)).max(1)
}

/// The filter's taps per axis at `tier` (0 when off).
pub fn filter_taps(tier: Tier) -> u32 {
    match tier {
        Tier::Off => 0,
        Tier::Low => 2,
        Tier::Medium => 3,
        Tier::High => 4,
        Tier::Ultra => 5,
    }
}

/// The shadow tier as a pass of the contract list: a knob, no post image.
pub struct ShadowTier;

impl ShadowTier {
    /// The knob's name: preset table, timing scope (the map's draw) and panel row.
    pub const NAME: &'static str = "shadows";
    /// What the knob declares about itself ([`PassContract`]).
    pub const CONTRACT: PassContract = PassContract {
        name: Self::NAME,
        summary: "The key light's shadow map (drawn by the renderer, cached while nothing moves): map side and PCF taps by tier",
        writes: &[Image {
            name: "shadow map",
            format: ImageFormat::Fixed(wgpu::TextureFormat::Depth32Float),
            size: ImageSize::Fixed,
            kept: true,
        }],
        knob: Some(KnobDecl {
            floor: Tier::Low,
            value: 3.0,
            prior_share: 0.1,
            at_render_size: false,
            // The draw fills the map: a quarter of the texels per step down, four times up.
            tier_cost: [0.0, 0.15, 0.35, 1.0, 3.0],
        }),
        settings: &[SETTINGS],
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_up_has_a_larger_map_and_more_taps() {
        for base in [256, 512, 1024, 2048, 4096, 8192] {
            let sides: Vec<u32> = Tier::ALL.iter().map(|&t| map_side(base, t, 16384)).collect();
            let taps: Vec<u32> = Tier::ALL.iter().map(|&t| filter_taps(t)).collect();
            for i in 1..5 {
                assert!(sides[i] >= sides[i - 1], "base {base}: {sides:?}");
                assert!(taps[i] > taps[i - 1], "{taps:?}");
            }
            assert_eq!(sides[0], 0);
            assert_eq!(sides[3], base);
            assert!(sides[4] <= 8192);
        }
        assert_eq!(map_side(2048, Tier::Low, 16384), 512);
        assert_eq!(map_side(2048, Tier::Ultra, 4096), 4096);
        assert_eq!(map_side(2048, Tier::Ultra, 2048), 2048, "the device's limit");
    }
}

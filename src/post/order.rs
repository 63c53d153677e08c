//! The order of the post chain's passes: which passes a preset may move ([`PostPass`]), why
//! the others cannot, and the check ([`validate_order`]) the chain, presets and the viewer use.

use serde::{Deserialize, Serialize};

use super::bloom::BloomPass;
use super::dof::DofPass;
use super::exposure::ExposurePass;
use super::finish::FinishPass;
use super::fxaa::FxaaPass;
use super::motion_blur::MotionBlurPass;
use super::sharpen::SharpenPass;
use super::taa::TaaPass;

/// A pass of the chain whose place [`super::settings::PostSettings::order`] states.
///
/// Why the order is what it is, and which swaps are allowed ([`validate_order`]):
/// - **Depth of field and motion blur may swap.** Both read scene-linear HDR with the
///   G-buffer's depth (and motion) at the render size and write HDR of the same size, so
///   either can feed the other. A real shutter and lens act at once, so neither order is the
///   right one: blur after defocus streaks the bokeh, defocus after blur softens the streaks.
/// - **TAA comes after both.** They read depth and motion vectors aligned with the jittered,
///   render-size input; TAA's output is resolved (and upscaled) to the display size, where
///   that depth no longer lines up, and TAA is also what averages away their per-frame
///   sampling noise.
/// - **Exposure and bloom follow TAA and precede the finish.** Both read the resolved HDR
///   image; the finish applies the exposure this frame's exposure pass wrote (after it, the
///   finish would use last frame's) and composites bloom's texture (it must exist first).
///   Their order between themselves cannot change the picture (neither reads the other), so
///   the chain keeps one: exposure first.
/// - **FXAA and sharpen follow the finish and may swap.** Both work on the tone-mapped,
///   display-encoded image, where edge contrast is perceptual. FXAA after sharpening smooths
///   the halos sharpening leaves on edges; sharpening after FXAA gives back the detail FXAA
///   softens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostPass {
    /// Depth of field ([`DofPass`]).
    Dof,
    /// Motion blur ([`MotionBlurPass`]).
    MotionBlur,
    /// TAA, or the spatial upscale in its place ([`TaaPass`]).
    Taa,
    /// Exposure ([`ExposurePass`]).
    Exposure,
    /// Bloom ([`BloomPass`]).
    Bloom,
    /// The fused finish ([`FinishPass`]).
    Finish,
    /// FXAA ([`FxaaPass`]).
    Fxaa,
    /// Contrast-adaptive sharpening ([`SharpenPass`]).
    Sharpen,
}

impl PostPass {
    /// The chain's default order (the one drawn in the module documentation).
    pub const DEFAULT_ORDER: [PostPass; 8] = [
        PostPass::Dof,
        PostPass::MotionBlur,
        PostPass::Taa,
        PostPass::Exposure,
        PostPass::Bloom,
        PostPass::Finish,
        PostPass::Fxaa,
        PostPass::Sharpen,
    ];

    /// The pass's name: its label, timing scope and preset key.
    pub fn name(self) -> &'static str {
        match self {
            PostPass::Dof => DofPass::NAME,
            PostPass::MotionBlur => MotionBlurPass::NAME,
            PostPass::Taa => TaaPass::NAME,
            PostPass::Exposure => ExposurePass::NAME,
            PostPass::Bloom => BloomPass::NAME,
            PostPass::Finish => FinishPass::NAME,
            PostPass::Fxaa => FxaaPass::NAME,
            PostPass::Sharpen => SharpenPass::NAME,
        }
    }

    /// The passes that may trade places with their neighbour in either order.
    fn swaps_with(self, other: PostPass) -> bool {
        use PostPass::{Dof, Fxaa, MotionBlur, Sharpen};
        matches!(
            (self, other),
            (Dof, MotionBlur) | (MotionBlur, Dof) | (Fxaa, Sharpen) | (Sharpen, Fxaa)
        )
    }

    /// Why `first` cannot run before `second` (both named in the default order with `second`
    /// first): the reason shown when a reorder is refused.
    fn reason(first: PostPass, second: PostPass) -> &'static str {
        use PostPass::*;
        match (second, first) {
            (Dof | MotionBlur, Taa) => {
                "TAA must come after depth of field and motion blur: they read depth and motion \
                 aligned with TAA's jittered render-size input, and TAA resolves their sampling noise"
            }
            (Exposure, Bloom) => {
                "exposure and bloom read the same image and neither reads the other, so their \
                 order cannot change the picture; the chain keeps exposure first"
            }
            (Taa, Exposure | Bloom) => {
                "exposure and bloom read the image TAA resolves: they must follow TAA"
            }
            (_, Finish) => {
                "the HDR passes must precede the finish: it tone-maps to the display, applies \
                 this frame's exposure and composites bloom's texture"
            }
            (Finish, _) | (_, Fxaa | Sharpen) => {
                "FXAA and sharpen work on the finished, display-encoded image: they must follow \
                 the finish"
            }
            _ => {
                "the HDR passes run in the order depth of field/motion blur, TAA, exposure/bloom, \
                 finish"
            }
        }
    }
}

/// Why a pass order cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A pass is missing from the order or named twice.
    #[error("`{0}` must appear exactly once in the order")]
    Count(&'static str),
    /// Two passes are in an order the chain cannot run.
    #[error("`{first}` cannot run before `{second}`: {reason}")]
    Refused {
        /// The pass placed earlier.
        first: &'static str,
        /// The pass it was placed before.
        second: &'static str,
        /// Why not.
        reason: &'static str,
    },
}

/// Check an order: every [`PostPass`] exactly once, and every pair that differs from
/// [`PostPass::DEFAULT_ORDER`] one of the allowed swaps (see [`PostPass`] for the reasons).
pub fn validate_order(order: &[PostPass]) -> Result<(), OrderError> {
    for pass in PostPass::DEFAULT_ORDER {
        if order.iter().filter(|p| **p == pass).count() != 1 {
            return Err(OrderError::Count(pass.name()));
        }
    }
    let rank = |p: PostPass| PostPass::DEFAULT_ORDER.iter().position(|q| *q == p).unwrap_or(0);
    for (i, &first) in order.iter().enumerate() {
        for &second in &order[i + 1..] {
            if rank(first) > rank(second) && !first.swaps_with(second) {
                return Err(OrderError::Refused {
                    first: first.name(),
                    second: second.name(),
                    reason: PostPass::reason(first, second),
                });
            }
        }
    }
    Ok(())
}

/// `order` with the pass at `index` moved one place earlier (`up`) or later: the new order,
/// or why the chain cannot run it (an index at either end has nowhere to go).
pub fn move_pass(order: &[PostPass], index: usize, up: bool) -> Result<Vec<PostPass>, String> {
    let other = if up { index.checked_sub(1) } else { Some(index + 1) };
    let Some(other) = other.filter(|o| *o < order.len() && index < order.len()) else {
        return Err("the pass is already at that end of the chain".into());
    };
    let mut moved = order.to_vec();
    moved.swap(index, other);
    validate_order(&moved).map(|()| moved).map_err(|e| e.to_string())
}

//! Quality tiers: the one enum every pass of the chain shares.
//!
//! Each pass maps a [`Tier`] to its own knobs (mip levels, sample counts, LUT size...) in a
//! table written beside its settings, so the budget governor can turn one pass down without
//! knowing what the knobs mean. `Off` always means the pass is skipped and costs nothing.

use serde::{Deserialize, Serialize};

/// How much of a pass's quality (and GPU time) to spend. Ordered from cheapest to dearest.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// The pass is skipped: no GPU work, no memory beyond its pipelines.
    Off,
    /// Cheapest settings that still look like the effect (mobile budgets).
    Low,
    /// A balance for integrated GPUs.
    Medium,
    /// The desktop default.
    #[default]
    High,
    /// No compromise (stills, captures, strong desktop GPUs).
    Ultra,
}

impl Tier {
    /// Every tier, cheapest first.
    pub const ALL: [Tier; 5] = [Tier::Off, Tier::Low, Tier::Medium, Tier::High, Tier::Ultra];

    /// The tier's name as presets spell it (`"off"`, `"low"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Tier::Off => "off",
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
            Tier::Ultra => "ultra",
        }
    }

    /// This tier's entry of a pass's `table` of knobs, one entry per tier from `Low` to
    /// `Ultra`, cheapest first; `None` for `Off` (the pass is skipped).
    pub const fn pick<T: Copy>(self, table: &[T; 4]) -> Option<T> {
        match self {
            Tier::Off => None,
            Tier::Low => Some(table[0]),
            Tier::Medium => Some(table[1]),
            Tier::High => Some(table[2]),
            Tier::Ultra => Some(table[3]),
        }
    }

    /// This tier and the ones a budget-governor step can reach from it (one lower, one
    /// higher), the ones that run (not `Off`): what a pass builds ahead so a step never
    /// compiles a pipeline during a frame.
    pub fn with_neighbours(self) -> Vec<Tier> {
        let mut tiers = vec![self.lower(), self, self.higher()];
        tiers.dedup();
        tiers.retain(|t| t.is_on());
        tiers
    }

    /// Whether the pass runs at all.
    pub fn is_on(self) -> bool {
        self != Tier::Off
    }

    /// The next cheaper tier (`Off` stays `Off`).
    pub fn lower(self) -> Tier {
        match self {
            Tier::Off | Tier::Low => Tier::Off,
            Tier::Medium => Tier::Low,
            Tier::High => Tier::Medium,
            Tier::Ultra => Tier::High,
        }
    }

    /// The next dearer tier (`Ultra` stays `Ultra`).
    pub fn higher(self) -> Tier {
        match self {
            Tier::Off => Tier::Low,
            Tier::Low => Tier::Medium,
            Tier::Medium => Tier::High,
            Tier::High | Tier::Ultra => Tier::Ultra,
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_in_range_and_are_ordered() {
        for pair in Tier::ALL.windows(2) {
            assert!(pair[0] < pair[1]);
            assert_eq!(pair[1].lower(), pair[0]);
            assert_eq!(pair[0].higher(), pair[1]);
        }
        assert_eq!(Tier::Off.lower(), Tier::Off);
        assert_eq!(Tier::Ultra.higher(), Tier::Ultra);
    }

    #[test]
    fn pick_reads_one_entry_per_tier_above_off() {
        let table = ["low", "medium", "high", "ultra"];
        assert_eq!(Tier::Off.pick(&table), None);
        for tier in &Tier::ALL[1..] {
            assert_eq!(tier.pick(&table), Some(tier.name()));
        }
    }
}

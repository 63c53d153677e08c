//! A pass's settings as the panel and presets see them: each setting's key as a preset spells
//! it, the control that edits it (with the documented range and step) and its documentation.
//!
//! Every pass declares its own table next to its settings struct (`ao::SETTINGS`,
//! `bloom::SETTINGS`, ...; the top-level keys are [`super::settings::GENERAL_SETTINGS`]), so a
//! setting's range and doc live in one file with the code that validates it. Doc comments do
//! not exist at run time, so a table restates them in short. The viewer joins the tables into
//! its panel; its tests check that every key the serialised
//! [`PostSettings`](super::settings::PostSettings) has is described once, and that
//! `validated()` never keeps a value outside the range a table declares.

/// How the panel shows and edits one setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    /// A number in `min..=max`, dragged in steps of `step`.
    Float {
        /// Lower end of the documented range.
        min: f64,
        /// Upper end of the documented range.
        max: f64,
        /// Drag step.
        step: f64,
    },
    /// An integer in `min..=max`.
    Int {
        /// Lower end.
        min: i64,
        /// Upper end.
        max: i64,
    },
    /// On or off.
    Bool,
    /// One of the listed names (as a preset spells them).
    Choice(&'static [&'static str]),
    /// Three numbers (r, g, b), each in `min..=max`.
    Vec3 {
        /// Lower end, each component.
        min: f64,
        /// Upper end, each component.
        max: f64,
    },
    /// Three rows of three numbers, each in `min..=max`.
    Matrix3 {
        /// Lower end, each entry.
        min: f64,
        /// Upper end, each entry.
        max: f64,
    },
    /// Free text.
    Text,
    /// An optional file path (none: empty).
    File,
    /// The chain's pass order: shown here, edited with the up/down buttons of the panel's
    /// "Chain order" list, which refuse orders the chain cannot run.
    Order,
}

/// One setting: its dotted key (`bloom.intensity`), its control and its documentation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    /// The key as a preset spells it, tables joined by dots.
    pub key: &'static str,
    /// How it is edited.
    pub control: Control,
    /// What it does, with unit, range and default (the settings' doc comment, shortened).
    pub doc: &'static str,
}

/// The pass (panel section and preset table) a key belongs to: its first segment, or
/// `"general"` for top-level keys.
pub fn section(key: &str) -> &str {
    key.split_once('.').map_or("general", |(table, _)| table)
}

/// Tier names, cheapest first.
pub const TIERS: &[&str] = &["off", "low", "medium", "high", "ultra"];

/// A [`Control::Float`] in `min..=max`, dragged in steps of `step`.
pub const fn float(min: f64, max: f64, step: f64) -> Control {
    Control::Float { min, max, step }
}

/// A [`Setting`] (for the tables, which are `const`).
pub const fn setting(key: &'static str, control: Control, doc: &'static str) -> Setting {
    Setting { key, control, doc }
}

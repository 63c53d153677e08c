//! The viewer's list of every post-chain setting, in panel order: its key as a preset spells
//! it, the control the panel shows for it (with the documented range and step) and its
//! documentation as a tooltip.
//!
//! Each pass declares its own settings ([`crate::post::schema`]) beside its settings struct;
//! this module only joins those tables in the panel's order ([`SETTINGS`]). Tests check that
//! every key the serialised [`PostSettings`] has is described exactly once (so a new pass or
//! setting fails the tests until its table describes it), and that validation never keeps a
//! value outside the range a table declares.
//!
//! Values are read and written through the settings' serde form (a `serde_json::Value` tree,
//! the same shape as the TOML preset), so the panel needs no code per setting.

use std::sync::LazyLock;

use serde_json::Value;

use crate::post::budget;
use crate::post::chain::PostSettings;
pub use crate::post::schema::{Control, Setting, TIERS, section};
use crate::post::settings::{BUILT_IN, GENERAL_SETTINGS};

/// Every setting of [`PostSettings`], in panel order: the top-level keys, then each built-in
/// pass's tables in the chain's order (the finish's tone mapper, grade and LUT before the
/// finish's own), then the budget and one value weight per governor knob, all from the passes'
/// contracts ([`BUILT_IN`]). The panel shows one section per table, in the order its first key
/// appears here.
pub static SETTINGS: LazyLock<Vec<Setting>> = LazyLock::new(|| {
    let mut settings = GENERAL_SETTINGS.to_vec();
    for pass in BUILT_IN {
        for table in pass.contract.settings {
            settings.extend_from_slice(table);
        }
    }
    settings.extend_from_slice(budget::SETTINGS);
    settings.extend(value_settings());
    settings
});

/// One `budget.value.<knob>` entry per governor knob: the render scale's, then each built-in
/// pass's whose contract declares a knob. Built once per process (the keys are made here, so
/// they are leaked once to live as long as the table).
fn value_settings() -> Vec<Setting> {
    let control = Control::Float { min: 0.0, max: 1000.0, step: 0.1 };
    let mut out = vec![Setting {
        key: "budget.value.render_scale",
        control,
        doc: "What resolution is worth to the governor, per unit of render scale, 0..=1000, \
              default 12.",
    }];
    for pass in BUILT_IN {
        if let Some(knob) = pass.contract.knob {
            let key = format!("budget.value.{}", pass.name());
            let doc = format!(
                "What {}'s quality is worth to the governor, 0..=1000, default {}: {}.",
                pass.name(),
                knob.value,
                pass.contract.summary
            );
            let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
            out.push(Setting { key: leak(key), control, doc: leak(doc) });
        }
    }
    out
}

/// The schema entry for `key`.
pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// The sections (passes) in panel order, each once.
pub fn sections() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for setting in SETTINGS.iter() {
        let name = section(setting.key);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Settings as a value tree (the shape of a preset file).
pub fn to_value(settings: &PostSettings) -> Value {
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_value(settings).unwrap_or(Value::Null)
}

/// A value tree back into settings; an error names what did not fit.
pub fn from_value(value: &Value) -> Result<PostSettings, String> {
    serde_json::from_value(value.clone()).map_err(|e| e.to_string())
}

/// The value at a dotted key.
pub fn get<'a>(root: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(root, |v, part| v.get(part))
}

/// The value at a dotted key, mutable.
pub fn get_mut<'a>(root: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    key.split('.').try_fold(root, |v, part| v.get_mut(part))
}

/// Every leaf key of a value tree (objects are descended, anything else is a leaf), dotted.
pub fn leaf_keys(value: &Value) -> Vec<String> {
    fn walk(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(v, &key, out);
                }
            }
            _ => out.push(prefix.to_owned()),
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_serialised_key_is_described_and_nothing_else() {
        let keys = leaf_keys(&to_value(&PostSettings::default()));
        let missing: Vec<&String> = keys.iter().filter(|k| find(k).is_none()).collect();
        assert!(
            missing.is_empty(),
            "settings without a viewer schema entry (add them to the SETTINGS of the pass that owns them, or to GENERAL_SETTINGS in src/post/settings.rs): {missing:?}"
        );
        let stale: Vec<&str> =
            SETTINGS.iter().map(|s| s.key).filter(|k| !keys.iter().any(|x| x == k)).collect();
        assert!(stale.is_empty(), "schema entries for settings that do not exist: {stale:?}");
        let mut seen = std::collections::HashSet::new();
        for setting in SETTINGS.iter() {
            assert!(seen.insert(setting.key), "{} is described twice", setting.key);
            assert!(!setting.doc.is_empty(), "{} has no documentation", setting.key);
        }
    }

    #[test]
    fn every_choice_is_a_value_the_settings_accept() {
        let base = to_value(&PostSettings::default());
        for setting in SETTINGS.iter() {
            let Control::Choice(choices) = setting.control else { continue };
            for choice in choices {
                let mut value = base.clone();
                *get_mut(&mut value, setting.key).expect("key exists") =
                    Value::String((*choice).to_owned());
                let parsed = from_value(&value)
                    .unwrap_or_else(|e| panic!("{} = {choice:?} is refused: {e}", setting.key));
                assert_eq!(
                    get(&to_value(&parsed), setting.key),
                    Some(&Value::String((*choice).to_owned())),
                    "{} = {choice:?} does not round-trip",
                    setting.key
                );
            }
        }
    }

    #[test]
    fn numeric_defaults_lie_inside_their_documented_ranges() {
        let value = to_value(&PostSettings::default());
        for setting in SETTINGS.iter() {
            let v = get(&value, setting.key).expect("key exists");
            let numbers: Vec<f64> = match setting.control {
                Control::Float { .. } | Control::Int { .. } => v.as_f64().into_iter().collect(),
                Control::Vec3 { .. } => {
                    v.as_array().into_iter().flatten().filter_map(Value::as_f64).collect()
                }
                _ => continue,
            };
            let (min, max) = match setting.control {
                Control::Float { min, max, .. } | Control::Vec3 { min, max } => (min, max),
                Control::Int { min, max } => (min as f64, max as f64),
                _ => continue,
            };
            // The settings are f32: compare at that precision.
            for n in numbers {
                assert!(
                    (min as f32..=max as f32).contains(&(n as f32)),
                    "{} default {n} outside {min}..={max}",
                    setting.key
                );
            }
        }
    }

    /// Numeric settings whose code range depends on another key, so the end of the declared
    /// range is not always kept as given (it is still brought inside the range): each with why.
    const RANGE_DEPENDS_ON_ANOTHER_KEY: &[(&str, &str)] = &[
        (
            "display.peak_nits",
            "its lower end is paper_white_nits (203 by default): a peak below paper white is \
             raised to it; the declared 80 is paper white's own lowest value",
        ),
        (
            "exposure.max_log2_luminance",
            "its lower end is min_log2_luminance + 1 (-7 with the default -8); the declared -19 \
             is that bound for the lowest min_log2_luminance, -20",
        ),
        (
            "exposure.max_ev100",
            "its lower end is min_ev100 (-6 by default); the declared -10 is min_ev100's own \
             lowest value",
        ),
    ];

    /// The numbers at `key` of a value tree (one, or each component of a vector or matrix).
    fn numbers(value: &Value, key: &str) -> Vec<f64> {
        fn walk(value: &Value, out: &mut Vec<f64>) {
            match value {
                Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
                other => out.extend(other.as_f64()),
            }
        }
        let mut out = Vec::new();
        walk(get(value, key).expect("key exists"), &mut out);
        out
    }

    #[test]
    fn validation_keeps_every_number_inside_its_declared_range() {
        // The panel's way: a number put into the serialised settings (every component of a
        // vector or matrix), the tree deserialised, then `validated()` as the renderer runs it.
        // Past either end the code must bring it inside the declared range (or refuse it when
        // deserialising); at either end it must keep it, or the panel offers values the code
        // changes. A declared range wider or narrower than the code's clamp fails either way.
        let base = to_value(&PostSettings::default());
        let mut checked = 0;
        for setting in SETTINGS.iter() {
            let (min, max, integer) = match setting.control {
                Control::Float { min, max, .. }
                | Control::Vec3 { min, max }
                | Control::Matrix3 { min, max } => (min, max, false),
                Control::Int { min, max } => (min as f64, max as f64, true),
                _ => continue,
            };
            let span = max - min;
            let (near, far) = if integer { (1.0, span + 1.0) } else { (span * 0.01, span + 1.0) };
            let depends = RANGE_DEPENDS_ON_ANOTHER_KEY.iter().any(|(key, _)| *key == setting.key);
            let outside = [min - near, min - far, max + near, max + far].map(|v| (v, false));
            for (given, at_an_end) in [(min, true), (max, true)].into_iter().chain(outside) {
                let number = if integer { Value::from(given as i64) } else { Value::from(given) };
                let mut tree = base.clone();
                let slot = get_mut(&mut tree, setting.key).expect("key exists");
                *slot = match slot {
                    Value::Array(items) => Value::Array(
                        items
                            .iter()
                            .map(|item| match item {
                                Value::Array(row) => Value::Array(vec![number.clone(); row.len()]),
                                _ => number.clone(),
                            })
                            .collect(),
                    ),
                    _ => number,
                };
                let parsed = match from_value(&tree) {
                    Ok(parsed) => parsed,
                    // Refused outright (a u32 refuses -1): the code does not take it either.
                    Err(_) if !at_an_end => continue,
                    Err(e) => {
                        panic!("{} = {given} (an end of its range) is refused: {e}", setting.key)
                    }
                };
                let (valid, _) = parsed.validated();
                let used_numbers = numbers(&to_value(&valid), setting.key);
                assert!(!used_numbers.is_empty(), "{} holds no number", setting.key);
                for used in used_numbers {
                    // The settings are f32 (or u32): compare at that precision.
                    let used = used as f32;
                    assert!(
                        (min as f32..=max as f32).contains(&used),
                        "{} = {given} is validated to {used}, outside the declared {min}..={max}: \
                         the code's range and the table in the pass's file disagree",
                        setting.key
                    );
                    if at_an_end && !depends {
                        assert_eq!(
                            used, given as f32,
                            "{} = {given}, an end of the declared {min}..={max}, is changed by \
                             validation: the code's range and the table in the pass's file disagree",
                            setting.key
                        );
                    }
                }
            }
            checked += 1;
        }
        assert!(checked > 50, "only {checked} numeric settings checked");
    }
}

//! The panel's "User passes" section: for each `[[custom]]` pass of the preset, a checkbox
//! (the pass runs or not) and a slider per parameter in its preset range (three for a vec3),
//! plus the compile error its shader last gave, if it runs its last good pipeline.

use std::collections::HashMap;

use crate::post::custom::{CustomPassSettings, ParamValue};

/// Show the controls; true when a value changed.
pub fn ui(
    ui: &mut egui::Ui,
    passes: &mut [CustomPassSettings],
    errors: &HashMap<String, String>,
) -> bool {
    if passes.is_empty() {
        return false;
    }
    let mut changed = false;
    egui::CollapsingHeader::new("User passes").default_open(true).show(ui, |ui| {
        for pass in passes.iter_mut() {
            changed |= ui.checkbox(&mut pass.enabled, &pass.name).changed();
            if let Some(error) = errors.get(&pass.name) {
                ui.colored_label(egui::Color32::LIGHT_RED, error);
            }
            for (name, param) in &mut pass.params {
                let range = param.min..=param.max;
                match &mut param.value {
                    ParamValue::Float(v) => {
                        let slider = egui::Slider::new(v, range).text(name.as_str());
                        changed |= ui.add(slider).changed();
                    }
                    ParamValue::Vec3(v) => {
                        ui.horizontal(|ui| {
                            ui.label(name.as_str());
                            for c in v.iter_mut() {
                                let drag = egui::DragValue::new(c)
                                    .range(range.clone())
                                    .speed((param.max - param.min) / 200.0);
                                changed |= ui.add(drag).changed();
                            }
                        });
                    }
                }
            }
        }
    });
    changed
}

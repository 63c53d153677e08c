//! The viewer's tuning panel (egui), without a window: every pass with its enable toggle and
//! tier, every setting as a control with its documented range and its documentation as a
//! tooltip ([`super::schema`]), reset-to-preset per pass, GPU milliseconds per pass as
//! horizontal bars named on the axis (hover: full name and ms) and the frame time's history
//! on a labelled ms axis against the named budget and steering lines (egui_plot), the governor's status and
//! recent decisions, debug views, A/B compare, preset load/save with a dirty marker, and the
//! errors of reloads and dropped files.
//!
//! Reads: the settings it was given and [`FrameStats`] each frame. Writes: its own settings
//! (taken with [`Panel::take_changed`]) and [`Action`]s for the app. It never touches the GPU,
//! so tests drive it through `egui::Context::run_ui` with synthetic input.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use egui::{Color32, RichText};
use serde_json::Value;

use super::schema::{self, Control, SETTINGS};
use crate::config::Preset;
use crate::gpu::FrameTiming;
use crate::post::chain::{self, PostSettings};
use crate::render::{BLOOM_MIPS, DebugView};

/// Frames of history in the frame-time graph.
pub const HISTORY_FRAMES: usize = 300;

/// How serious a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Something failed; the last good state is still in use.
    Error,
    /// A value was clamped or something was skipped.
    Warning,
    /// Something happened (a reload, a save).
    Info,
}

/// A line shown in the panel's message list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// How serious.
    pub level: Level,
    /// What happened; errors name the file and line where there is one.
    pub text: String,
}

/// What the panel asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Load this preset file (replacing the settings and the baseline).
    LoadPreset(PathBuf),
    /// Write the current settings to this file as a preset.
    SavePreset(PathBuf),
    /// Put the camera where it frames the scene.
    FrameScene,
    /// Write a screenshot (PNG of the finished image, EXR of the HDR one).
    Screenshot,
}

/// What to compare in A/B split screen.
#[derive(Clone, Debug, PartialEq)]
pub enum CompareWith {
    /// The right side draws the chain with this pass (a section name) turned off.
    WithoutPass(String),
    /// The right side draws the settings of this preset file.
    Preset(PathBuf),
}

/// A/B split-screen state.
#[derive(Clone, Debug, PartialEq)]
pub struct Compare {
    /// Whether the split is shown.
    pub enabled: bool,
    /// The divider as a fraction of the viewport's width (left: the current settings).
    pub divider: f32,
    /// What the right side shows.
    pub with: CompareWith,
}

/// The governor's state as the panel shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GovernorView {
    /// One line of status.
    pub status: String,
    /// Its recent decisions, oldest first, in words.
    pub decisions: Vec<String>,
    /// The rung of the timing ladder measuring the frames (`encoder`, `pass` or `frame`).
    pub timing: String,
}

/// Per-frame numbers the app hands the panel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameStats {
    /// The governor.
    pub governor: GovernorView,
    /// The 3D viewport's size in pixels.
    pub viewport: (u32, u32),
    /// The adapter's name.
    pub adapter: String,
    /// What the window shows: SDR, or HDR PQ / scRGB (and why not, when HDR was asked for).
    pub display: String,
}

/// The panel's state.
pub struct Panel {
    settings: PostSettings,
    value: Value,
    baseline: PostSettings,
    preset_path: Option<PathBuf>,
    path_text: String,
    compare_path_text: String,
    messages: Vec<Message>,
    changed: bool,
    /// A G-buffer channel or frame intermediate shown instead of the lit image.
    pub debug_view: Option<DebugView>,
    /// A/B split-screen compare.
    pub compare: Compare,
    frame_history: VecDeque<(u64, f64)>,
    pass_ms: Vec<(String, f64)>,
    rects: HashMap<String, egui::Rect>,
    order_refusal: Option<String>,
    /// The compile error of each user pass running its last good pipeline (set by the app).
    pub custom_errors: HashMap<String, String>,
}

impl Panel {
    /// A panel over `settings`, loaded from `preset_path` when it came from a file (the
    /// baseline for reset and the dirty marker).
    pub fn new(settings: PostSettings, preset_path: Option<PathBuf>) -> Self {
        let path_text = preset_path
            .as_ref()
            .map_or_else(|| "preset.toml".to_owned(), |p| p.display().to_string());
        Self {
            value: schema::to_value(&settings),
            baseline: settings.clone(),
            settings,
            preset_path,
            path_text,
            compare_path_text: String::new(),
            messages: Vec::new(),
            changed: false,
            debug_view: None,
            compare: Compare {
                enabled: false,
                divider: 0.5,
                with: CompareWith::WithoutPass("bloom".into()),
            },
            frame_history: VecDeque::new(),
            pass_ms: Vec::new(),
            rects: HashMap::new(),
            order_refusal: None,
            custom_errors: HashMap::new(),
        }
    }

    /// The settings as edited.
    pub fn settings(&self) -> &PostSettings {
        &self.settings
    }

    /// The settings, when they changed since the last call.
    pub fn take_changed(&mut self) -> Option<PostSettings> {
        std::mem::take(&mut self.changed).then(|| self.settings.clone())
    }

    /// Whether the settings differ from the preset as last loaded or saved.
    pub fn is_dirty(&self) -> bool {
        self.settings != self.baseline
    }

    /// The preset file the settings came from or were last saved to.
    pub fn preset_path(&self) -> Option<&Path> {
        self.preset_path.as_deref()
    }

    /// Replace settings and baseline with a loaded preset (its warnings are shown).
    pub fn load_preset(&mut self, preset: &Preset) {
        self.set_settings(preset.settings.clone());
        self.baseline = preset.settings.clone();
        if let Some(path) = &preset.path {
            self.preset_path = Some(path.clone());
            self.path_text = path.display().to_string();
        }
        for warning in &preset.warnings {
            self.push(Level::Warning, warning.clone());
        }
    }

    /// Replace the current settings (not the baseline), e.g. after dropping a `.cube` file.
    pub fn set_settings(&mut self, settings: PostSettings) {
        self.value = schema::to_value(&settings);
        self.settings = settings;
        self.changed = true;
    }

    /// Mark the current settings as saved to `path` (the new baseline).
    pub fn mark_saved(&mut self, path: &Path) {
        self.baseline = self.settings.clone();
        self.preset_path = Some(path.to_owned());
    }

    /// Add a line to the message list (the newest 50 are kept).
    pub fn push(&mut self, level: Level, text: impl Into<String>) {
        self.messages.push(Message { level, text: text.into() });
        let excess = self.messages.len().saturating_sub(50);
        self.messages.drain(..excess);
    }

    /// The message list, oldest first.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Feed GPU timings that arrived (frame span into the history, the newest frame's passes
    /// into the bars).
    pub fn record_timings(&mut self, timings: &[FrameTiming]) {
        for timing in timings {
            self.frame_history.push_back((timing.frame, timing.gpu_ms));
            if self.frame_history.len() > HISTORY_FRAMES {
                self.frame_history.pop_front();
            }
        }
        if let Some(last) = timings.last() {
            self.pass_ms = last.passes.iter().map(|p| (p.name.clone(), p.ms)).collect();
        }
    }

    /// Where the control for `key` was drawn in the last frame (a setting's key, or
    /// `<section>.enabled`, `<section>.reset`, `section:<name>` for a header, `save`,
    /// `compare.enabled`, `pass_ms.<pass>` for the middle of a pass's bar), for scripted input.
    pub fn widget_rect(&self, key: &str) -> Option<egui::Rect> {
        self.rects.get(key).copied()
    }

    /// Open or close the section of one pass (as clicking its arrow does).
    pub fn set_section_open(ctx: &egui::Context, section: &str, open: bool) {
        let mut state = egui::collapsing_header::CollapsingState::load_with_default_open(
            ctx,
            section_id(section),
            false,
        );
        state.set_open(open);
        state.store(ctx);
    }

    /// Draw the panel's contents into `ui` (one side panel's inside); returns what the app
    /// should do.
    pub fn ui(&mut self, ui: &mut egui::Ui, stats: &FrameStats) -> Vec<Action> {
        let mut actions = Vec::new();
        egui::ScrollArea::vertical().show(ui, |ui| {
            self.header_ui(ui, stats, &mut actions);
            ui.separator();
            self.timing_ui(ui, stats);
            ui.separator();
            self.view_ui(ui);
            ui.separator();
            for section in schema::sections() {
                self.section_ui(ui, section);
            }
            ui.separator();
            if super::custom_panel::ui(ui, &mut self.settings.custom, &self.custom_errors) {
                self.value = schema::to_value(&self.settings);
                self.changed = true;
            }
            self.order_ui(ui);
        });
        actions
    }

    /// The post passes in their order, each with up/down buttons; a move the chain cannot run
    /// is refused and its reason shown ([`chain::move_pass`]).
    fn order_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new("Chain order").strong()).on_hover_text(
            "Before the chain: shadows -> G-buffer -> AO -> lighting -> forward. Depth of field \
             and motion blur may swap, and so may FXAA and sharpen; other moves are refused \
             with the reason.",
        );
        let mut wanted = None;
        for (index, pass) in self.settings.order.iter().enumerate() {
            ui.horizontal(|ui| {
                let up = ui.small_button("up");
                let down = ui.small_button("down");
                ui.label(pass.name());
                self.rects.insert(format!("order.{}.up", pass.name()), up.rect);
                self.rects.insert(format!("order.{}.down", pass.name()), down.rect);
                if up.clicked() {
                    wanted = Some((index, true));
                }
                if down.clicked() {
                    wanted = Some((index, false));
                }
            });
        }
        if let Some((index, up)) = wanted {
            self.move_pass(index, up);
        }
        if let Some(reason) = &self.order_refusal {
            ui.label(RichText::new(reason).color(Color32::LIGHT_RED));
        }
    }

    /// Move the pass at `index` of the order one place up or down, or say why not.
    pub fn move_pass(&mut self, index: usize, up: bool) {
        match chain::move_pass(&self.settings.order, index, up) {
            Ok(order) => {
                let mut settings = self.settings.clone();
                settings.order = order;
                self.set_settings(settings);
                self.order_refusal = None;
            }
            Err(reason) => {
                self.push(Level::Warning, format!("reorder refused: {reason}"));
                self.order_refusal = Some(reason);
            }
        }
    }

    /// Why the last reorder was refused, while it is shown.
    pub fn order_refusal(&self) -> Option<&str> {
        self.order_refusal.as_deref()
    }

    fn header_ui(&mut self, ui: &mut egui::Ui, stats: &FrameStats, actions: &mut Vec<Action>) {
        let name = self
            .preset_path
            .as_ref()
            .and_then(|p| p.file_name())
            .map_or("(built-in defaults)".to_owned(), |n| n.to_string_lossy().into_owned());
        let dirty = if self.is_dirty() { " *" } else { "" };
        ui.heading(format!("{name}{dirty}"));
        ui.label(format!("{} - {}x{}", stats.adapter, stats.viewport.0, stats.viewport.1));
        ui.label(&stats.display);
        ui.horizontal(|ui| {
            ui.label("preset file");
            ui.text_edit_singleline(&mut self.path_text);
        });
        ui.horizontal(|ui| {
            let save = ui.button("Save").on_hover_text(
                "Write every setting as TOML (stable key order: same settings, same bytes)",
            );
            self.rects.insert("save".into(), save.rect);
            if save.clicked() {
                actions.push(Action::SavePreset(PathBuf::from(self.path_text.trim())));
            }
            if ui.button("Load").on_hover_text("Read the preset file above").clicked() {
                actions.push(Action::LoadPreset(PathBuf::from(self.path_text.trim())));
            }
            if ui.button("Frame (F)").clicked() {
                actions.push(Action::FrameScene);
            }
            if ui.button("Screenshot (F12)").clicked() {
                actions.push(Action::Screenshot);
            }
        });
        let mut clear = false;
        for message in self.messages.iter().rev().take(6) {
            let colour = match message.level {
                Level::Error => Color32::from_rgb(255, 110, 100),
                Level::Warning => Color32::from_rgb(240, 200, 90),
                Level::Info => ui.visuals().text_color(),
            };
            ui.label(RichText::new(&message.text).color(colour));
        }
        if !self.messages.is_empty() && ui.small_button("clear messages").clicked() {
            clear = true;
        }
        if clear {
            self.messages.clear();
        }
    }

    fn timing_ui(&mut self, ui: &mut egui::Ui, stats: &FrameStats) {
        let budget = self.settings.budget.budget_ms();
        let last = self.frame_history.back().map_or(0.0, |f| f.1);
        ui.label(format!(
            "GPU frame {last:.2} ms, budget {budget:.2} ms (timing: {})",
            stats.governor.timing
        ));
        if stats.governor.timing == "frame" {
            ui.label("No timestamp queries here: frame times only, no per-pass bars.");
        }
        // Horizontal bars, the first pass on top, each named on the axis (abbreviated to fit;
        // hovering a bar shows the full name and its ms).
        let count = self.pass_ms.len();
        let bars: Vec<egui_plot::Bar> = self
            .pass_ms
            .iter()
            .enumerate()
            .map(|(i, (name, ms))| {
                egui_plot::Bar::new((count - 1 - i) as f64, *ms).name(name).width(0.7)
            })
            .collect();
        let names: Vec<String> = self.pass_ms.iter().map(|(n, _)| axis_name(n)).collect();
        let plot = egui_plot::Plot::new("pass_ms")
            .height(28.0 * count.max(3) as f32 + 40.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .x_axis_label("GPU ms per pass")
            .y_axis_min_width(70.0)
            .include_x(0.0)
            // One row per pass, tall enough for egui_plot to draw every name (it hides tick
            // labels closer than 20 points); ms ticks at least 60 points apart for the same reason.
            .y_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 10.0, 100.0]))
            .x_grid_spacer(egui_plot::uniform_grid_spacer(|input| {
                let step = nice_step((input.bounds.1 - input.bounds.0) / 4.0);
                [step, step * 10.0, step * 100.0]
            }))
            .y_axis_formatter(move |mark, _| {
                let i = mark.value.round();
                if (mark.value - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < count {
                    names.get(count - 1 - i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .show(ui, |plot| {
                let chart = egui_plot::BarChart::new("GPU ms per pass", bars)
                    .horizontal()
                    .element_formatter(Box::new(|bar, _| {
                        format!("{}: {:.3} ms", bar.name, bar.value)
                    }));
                plot.bar_chart(chart);
            });
        for (i, (name, ms)) in self.pass_ms.iter().enumerate() {
            let point = egui_plot::PlotPoint::new(ms / 2.0, (count - 1 - i) as f64);
            let centre = plot.transform.position_from_point(&point);
            let rect = egui::Rect::from_center_size(centre, egui::vec2(2.0, 2.0));
            self.rects.insert(format!("pass_ms.{name}"), rect);
        }

        let points: Vec<[f64; 2]> =
            self.frame_history.iter().map(|(frame, ms)| [*frame as f64, *ms]).collect();
        let steering = self.settings.budget.limit_ms();
        egui_plot::Plot::new("frame_ms")
            .height(150.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .x_axis_label("frame")
            .y_axis_label("GPU ms")
            .include_y(0.0)
            .y_grid_spacer(egui_plot::uniform_grid_spacer(|input| {
                let step = nice_step((input.bounds.1 - input.bounds.0) / 3.0);
                [step, step * 10.0, step * 100.0]
            }))
            .legend(egui_plot::Legend::default())
            .show(ui, |plot| {
                plot.line(egui_plot::Line::new("frame GPU ms", points));
                plot.hline(
                    egui_plot::HLine::new(format!("budget {budget:.2} ms"), budget)
                        .color(Color32::RED),
                );
                plot.hline(
                    egui_plot::HLine::new(format!("steering line {steering:.2} ms"), steering)
                        .color(Color32::from_rgb(255, 150, 0)),
                );
            });
        ui.label(format!("governor: {}", stats.governor.status));
        for decision in stats.governor.decisions.iter().rev().take(5) {
            ui.label(RichText::new(decision).small());
        }
    }

    fn view_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("view");
            let text = self.debug_view.map_or("lit", DebugView::name);
            let combo = egui::ComboBox::from_id_salt("debug_view").selected_text(text);
            combo.show_ui(ui, |ui| {
                ui.selectable_value(&mut self.debug_view, None, "lit");
                for &view in DebugView::all() {
                    let label = match view {
                        DebugView::BloomMip(0) => "bloom mip",
                        DebugView::BloomMip(_) => continue,
                        view => view.name(),
                    };
                    ui.selectable_value(&mut self.debug_view, Some(view), label);
                }
            });
            if let Some(DebugView::BloomMip(mut mip)) = self.debug_view {
                ui.add(egui::DragValue::new(&mut mip).range(0..=BLOOM_MIPS - 1).prefix("mip "))
                    .on_hover_text("Bloom chain mip: render size >> (mip + 1)");
                self.debug_view = Some(DebugView::BloomMip(mip));
            }
        });
        let off = match self.debug_view {
            Some(DebugView::Ao) if !self.settings.ao.tier.is_on() => Some("ao"),
            Some(DebugView::BloomMip(_)) if !self.settings.bloom.tier.is_on() => Some("bloom"),
            _ => None,
        };
        if let Some(pass) = off {
            ui.label(format!("{pass} is off: this view stays black until it is on"));
        }
        let enabled = ui.checkbox(&mut self.compare.enabled, "A/B compare (drag the divider)");
        self.rects.insert("compare.enabled".into(), enabled.rect);
        if self.compare.enabled {
            ui.horizontal(|ui| {
                let is_pass = matches!(self.compare.with, CompareWith::WithoutPass(_));
                if ui.radio(is_pass, "without pass").clicked() && !is_pass {
                    self.compare.with = CompareWith::WithoutPass("bloom".into());
                }
                if ui.radio(!is_pass, "preset").clicked() && is_pass {
                    self.compare.with = CompareWith::Preset(PathBuf::from(&self.compare_path_text));
                }
            });
            match &mut self.compare.with {
                CompareWith::WithoutPass(pass) => {
                    egui::ComboBox::from_id_salt("compare_pass")
                        .selected_text(pass.clone())
                        .show_ui(ui, |ui| {
                            for section in schema::sections() {
                                if schema::find(&format!("{section}.tier")).is_some() {
                                    ui.selectable_value(pass, section.to_owned(), section);
                                }
                            }
                        });
                }
                CompareWith::Preset(path) => {
                    ui.horizontal(|ui| {
                        ui.label("B preset");
                        if ui.text_edit_singleline(&mut self.compare_path_text).lost_focus() {
                            *path = PathBuf::from(self.compare_path_text.trim());
                        }
                    });
                }
            }
        }
    }

    fn section_ui(&mut self, ui: &mut egui::Ui, section: &'static str) {
        let keys: Vec<&'static schema::Setting> =
            SETTINGS.iter().filter(|s| schema::section(s.key) == section).collect();
        let tier_key = format!("{section}.tier");
        let has_tier = schema::find(&tier_key).is_some();
        let ms: f64 = self
            .pass_ms
            .iter()
            .filter(|(n, _)| section_of_pass(n) == section)
            .map(|(_, ms)| ms)
            .sum();
        let header = egui::collapsing_header::CollapsingState::load_with_default_open(
            ui.ctx(),
            section_id(section),
            false,
        );
        let (toggle, header_inner, _) = header
            .show_header(ui, |ui| {
                if has_tier {
                    let mut on =
                        schema::get(&self.value, &tier_key).and_then(Value::as_str) != Some("off");
                    let response = ui.checkbox(&mut on, "");
                    self.rects.insert(format!("{section}.enabled"), response.rect);
                    if response.changed() {
                        let tier = if on {
                            match self.baseline_value(&tier_key) {
                                Some(Value::String(t)) if t != "off" => t,
                                _ => "high".to_owned(),
                            }
                        } else {
                            "off".to_owned()
                        };
                        self.set_value(&tier_key, Value::String(tier));
                    }
                }
                let label = ui.label(RichText::new(section).strong());
                self.rects.insert(format!("section:{section}"), label.rect);
                if ms > 0.0 {
                    ui.label(format!("{ms:.2} ms"));
                }
                let reset = ui
                    .small_button("reset")
                    .on_hover_text("Back to the loaded preset's values for this pass");
                self.rects.insert(format!("{section}.reset"), reset.rect);
                if reset.clicked() {
                    self.reset_section(section);
                }
            })
            .body(|ui| {
                for setting in &keys {
                    self.setting_ui(ui, setting);
                }
            });
        let _ = (toggle, header_inner);
    }

    fn setting_ui(&mut self, ui: &mut egui::Ui, setting: &schema::Setting) {
        let Some(current) = schema::get(&self.value, setting.key).cloned() else { return };
        let name = setting.key.split_once('.').map_or(setting.key, |(_, rest)| rest);
        let mut new_value = None;
        ui.horizontal(|ui| {
            ui.label(name).on_hover_text(setting.doc);
            let response = match setting.control {
                Control::Float { min, max, step } => {
                    let mut v = current.as_f64().unwrap_or(min);
                    let slider = ui
                        .add(egui::Slider::new(&mut v, min..=max).show_value(false))
                        .on_hover_text(setting.doc);
                    let drag = ui.add(egui::DragValue::new(&mut v).speed(step).range(min..=max));
                    if slider.changed() || drag.changed() {
                        new_value = serde_json::Number::from_f64(v).map(Value::Number);
                    }
                    slider
                }
                Control::Int { min, max } => {
                    let mut v = current.as_i64().unwrap_or(min);
                    let drag = ui
                        .add(egui::DragValue::new(&mut v).range(min..=max))
                        .on_hover_text(setting.doc);
                    if drag.changed() {
                        new_value = Some(Value::from(v));
                    }
                    drag
                }
                Control::Bool => {
                    let mut v = current.as_bool().unwrap_or(false);
                    let r = ui.checkbox(&mut v, "").on_hover_text(setting.doc);
                    if r.changed() {
                        new_value = Some(Value::Bool(v));
                    }
                    r
                }
                Control::Choice(choices) => {
                    let mut v = current.as_str().unwrap_or_default().to_owned();
                    let r = egui::ComboBox::from_id_salt(setting.key)
                        .selected_text(v.clone())
                        .show_ui(ui, |ui| {
                            for choice in choices {
                                ui.selectable_value(&mut v, (*choice).to_owned(), *choice);
                            }
                        })
                        .response
                        .on_hover_text(setting.doc);
                    if Some(v.as_str()) != current.as_str() {
                        new_value = Some(Value::String(v));
                    }
                    r
                }
                Control::Vec3 { min, max } => {
                    let mut v = numbers(&current);
                    let mut changed = false;
                    let mut last = None;
                    for x in &mut v {
                        let r = ui.add(egui::DragValue::new(x).speed(0.01).range(min..=max));
                        changed |= r.changed();
                        last = Some(r);
                    }
                    if changed {
                        new_value = Some(Value::from(v));
                    }
                    last.unwrap_or_else(|| ui.label("")).on_hover_text(setting.doc)
                }
                Control::Matrix3 { min, max } => {
                    let rows: Vec<Vec<f64>> = current
                        .as_array()
                        .map(|r| r.iter().map(numbers).collect())
                        .unwrap_or_default();
                    let mut rows = rows;
                    let mut changed = false;
                    let r = ui
                        .vertical(|ui| {
                            for row in &mut rows {
                                ui.horizontal(|ui| {
                                    for x in row.iter_mut() {
                                        changed |= ui
                                            .add(
                                                egui::DragValue::new(x)
                                                    .speed(0.01)
                                                    .range(min..=max),
                                            )
                                            .changed();
                                    }
                                });
                            }
                        })
                        .response
                        .on_hover_text(setting.doc);
                    if changed {
                        new_value = Some(Value::from(rows));
                    }
                    r
                }
                Control::Text => {
                    let mut v = current.as_str().unwrap_or_default().to_owned();
                    let r = ui.text_edit_singleline(&mut v).on_hover_text(setting.doc);
                    if r.changed() {
                        new_value = Some(Value::String(v));
                    }
                    r
                }
                Control::Order => {
                    let names: Vec<&str> = current
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    ui.label(names.join(" -> ")).on_hover_text(setting.doc)
                }
                Control::File => {
                    let mut v = current.as_str().unwrap_or_default().to_owned();
                    let r = ui.text_edit_singleline(&mut v).on_hover_text(setting.doc);
                    if r.changed() {
                        new_value =
                            Some(if v.trim().is_empty() { Value::Null } else { Value::String(v) });
                    }
                    r
                }
            };
            self.rects.insert(setting.key.to_owned(), response.rect);
        });
        if let Some(value) = new_value {
            self.set_value(setting.key, value);
        }
    }

    fn baseline_value(&self, key: &str) -> Option<Value> {
        schema::get(&schema::to_value(&self.baseline), key).cloned()
    }

    /// Set one key; the settings are rebuilt and validated (clamps become warnings).
    fn set_value(&mut self, key: &str, value: Value) {
        let mut tree = self.value.clone();
        let Some(slot) = schema::get_mut(&mut tree, key) else { return };
        *slot = value;
        match schema::from_value(&tree) {
            Ok(settings) => {
                let (settings, warnings) = settings.validated();
                for w in warnings {
                    self.push(Level::Warning, w);
                }
                self.value = schema::to_value(&settings);
                self.settings = settings;
                self.changed = true;
            }
            Err(e) => self.push(Level::Error, format!("{key}: {e}")),
        }
    }

    /// Put every setting of `section` back to the baseline's value.
    pub fn reset_section(&mut self, section: &str) {
        let baseline = schema::to_value(&self.baseline);
        let mut tree = self.value.clone();
        for setting in SETTINGS.iter().filter(|s| schema::section(s.key) == section) {
            if let (Some(slot), Some(v)) =
                (schema::get_mut(&mut tree, setting.key), schema::get(&baseline, setting.key))
            {
                *slot = v.clone();
            }
        }
        if let Ok(settings) = schema::from_value(&tree) {
            self.set_settings(settings);
        }
    }
}

fn section_id(section: &str) -> egui::Id {
    egui::Id::unique(("afterlight.section", section))
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

/// The panel section a timing scope belongs to: `bloom.downsample` -> `bloom`; scopes of the
/// renderer itself (shadows, gbuffer, lighting, forward) have no section.
fn section_of_pass(name: &str) -> &str {
    name.split(['.', '/']).next().unwrap_or(name)
}

/// A pass name short enough for the bar chart's axis: up to 10 characters, else 9 and `…`.
fn axis_name(name: &str) -> String {
    if name.chars().count() <= 10 {
        name.to_owned()
    } else {
        name.chars().take(9).chain(std::iter::once('…')).collect()
    }
}

/// The smallest of 1, 2 and 5 times a power of ten that is at least `span` (a tick step).
fn nice_step(span: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(span.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= span)
        .unwrap_or(power * 10.0)
}

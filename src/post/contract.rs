//! The pass contract: what a pass of the chain declares about itself, once.
//!
//! Each built-in pass file holds one `pub const CONTRACT: PassContract`: its name (label,
//! timing scope, preset table and governor knob), the images it writes with their formats and
//! sizes, its settings (each key's control, range and doc), and, when the governor may turn
//! it, its knob (floor, what its quality is worth by
//! default, its prior share of a frame, whether it runs at the render size). What it reads
//! depends on its settings, so the pass file declares that as a function of its own settings
//! (`reads`), and [`super::settings::BUILT_IN`] joins each contract to the `PostSettings` table
//! that drives it. Everything else is derived from that one list: the chain's validation
//! ([`super::chain::requirements`]), the governor's knobs ([`super::budget::Governor`]), the
//! value weights a preset may set, the viewer's panel, the budget trace's lanes, and the pass
//! table of
//! `docs/architecture.md` ([`table`], checked by a test).
//!
//! User passes ([`super::custom`]) declare the same facts in their `[[custom]]` table (name,
//! slot, weight), and are knobs the governor may turn off.

use super::Tier;
use super::schema::Setting;

/// Something a pass reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PassInput {
    /// The lit HDR colour image.
    HdrColour,
    /// Reverse-Z depth.
    Depth,
    /// G-buffer normals.
    Normals,
    /// Motion vectors.
    Motion,
    /// The pass's own previous frame.
    History,
    /// A file named in the preset (a `.cube` LUT).
    LutFile,
}

impl PassInput {
    /// How error messages name it.
    pub fn name(self) -> &'static str {
        match self {
            PassInput::HdrColour => "HDR colour",
            PassInput::Depth => "depth",
            PassInput::Normals => "normals",
            PassInput::Motion => "motion vectors",
            PassInput::History => "history",
            PassInput::LutFile => "a LUT file",
        }
    }
}

/// One input a pass reads under its settings, and the setting that makes it read it (for the
/// error when the pipeline lacks it).
pub type Read = (PassInput, &'static str);

/// What the pipeline feeding the chain provides. The deferred renderer provides everything;
/// an app that hands in only its own HDR image provides [`Provided::HDR_ONLY`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provided {
    /// A reverse-Z depth texture.
    pub depth: bool,
    /// G-buffer normals.
    pub normals: bool,
    /// Motion vectors.
    pub motion: bool,
}

impl Provided {
    /// The deferred renderer's G-buffer: everything.
    pub const GBUFFER: Provided = Provided { depth: true, normals: true, motion: true };
    /// An HDR colour image and nothing else (an AR camera feed, an app's own renderer).
    pub const HDR_ONLY: Provided = Provided { depth: false, normals: false, motion: false };

    /// Whether the pipeline has `input`.
    pub fn has(self, input: PassInput) -> bool {
        match input {
            PassInput::HdrColour | PassInput::History | PassInput::LutFile => true,
            PassInput::Depth => self.depth,
            PassInput::Normals => self.normals,
            PassInput::Motion => self.motion,
        }
    }
}

/// The format of an image a pass writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// The chain's HDR format (`Rgba16Float`, or `Rg11b10Ufloat` where the renderer chose it).
    Hdr,
    /// The display format (`Rgba8UnormSrgb`; `Rgba8Unorm` storage with the compute variant).
    Display,
    /// A fixed format.
    Fixed(wgpu::TextureFormat),
    /// A storage buffer, not an image.
    Buffer,
}

/// The size of an image a pass writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageSize {
    /// The render size (display size times the render scale).
    Render,
    /// Half the render size per axis.
    HalfRender,
    /// The display size.
    Display,
    /// Half the display size and each mip below it.
    DisplayMips,
    /// One texel per tile of the render size (velocity or CoC tile maxima).
    Tiles,
    /// A fixed small size (a histogram, a 1x1 state), not per pixel.
    Fixed,
}

/// An image a pass writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Image {
    /// What it is (`"history"`, `"bloom mips"`).
    pub name: &'static str,
    /// Its format.
    pub format: ImageFormat,
    /// Its size.
    pub size: ImageSize,
    /// Whether it lives across frames (a history); otherwise it comes from the transient pool.
    pub kept: bool,
}

/// How the budget governor may turn a pass (see [`super::budget`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnobDecl {
    /// The lowest tier the governor may choose (`Low` for passes the frame cannot lose).
    pub floor: Tier,
    /// What the pass's quality is worth against the others', by default (a preset's
    /// `budget.value.<name>` replaces it).
    pub value: f32,
    /// The pass's share of a frame at `High` until measured, where no per-pass times arrive
    /// (the frame rung of the timing ladder); frame deltas correct it after each change.
    pub prior_share: f64,
    /// Whether its cost follows the render scale (it runs at the render size).
    pub at_render_size: bool,
    /// Each tier's cost relative to `High` (off, low, medium, high, ultra), until measured:
    /// what the governor predicts a step saves before it has timed the pass there.
    pub tier_cost: [f64; 5],
}

/// Tier costs relative to `High` for a pass whose tiers scale its samples roughly linearly
/// (off, low, medium, high, ultra).
pub const DEFAULT_TIER_COST: [f64; 5] = [0.0, 0.4, 0.6, 1.0, 1.6];

/// What a pass declares about itself; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PassContract {
    /// Its label, timing scope, preset table and knob name.
    pub name: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// The images it writes.
    pub writes: &'static [Image],
    /// How the governor may turn it, when it may.
    pub knob: Option<KnobDecl>,
    /// The preset tables it reads, each key with its control, range and doc: what presets,
    /// validation tests and the viewer's panel show (the finish reads the tone mapper's, the
    /// grade's and the LUT's tables too).
    pub settings: &'static [&'static [Setting]],
}

impl PassContract {
    /// One row of [`table`].
    fn row(&self) -> String {
        let writes: Vec<String> = self
            .writes
            .iter()
            .map(|image| {
                let format = match image.format {
                    ImageFormat::Hdr => "HDR".to_owned(),
                    ImageFormat::Display => "display".to_owned(),
                    ImageFormat::Fixed(format) => format!("{format:?}"),
                    ImageFormat::Buffer => "buffer".to_owned(),
                };
                let size = match image.size {
                    ImageSize::Render => "render size",
                    ImageSize::HalfRender => "half render size",
                    ImageSize::Display => "display size",
                    ImageSize::DisplayMips => "half display size and mips",
                    ImageSize::Tiles => "one per render-size tile",
                    ImageSize::Fixed => "fixed",
                };
                let kept = if image.kept { ", kept" } else { "" };
                format!("{} ({format}, {size}{kept})", image.name)
            })
            .collect();
        let knob = match self.knob {
            Some(k) => {
                let costs: Vec<String> = k.tier_cost[1..].iter().map(|c| format!("{c}")).collect();
                format!(
                    "floor {}, value {}, prior {:.3}, tiers low..ultra cost {} of high",
                    k.floor,
                    k.value,
                    k.prior_share,
                    costs.join("/")
                )
            }
            None => "none".to_owned(),
        };
        format!("| `{}` | {} | {} | {knob} |", self.name, self.summary, writes.join("; "))
    }
}

/// The markdown table of `contracts` (name, what it does, what it writes, its knob), as
/// `docs/architecture.md` shows it.
pub fn table<'a>(contracts: impl IntoIterator<Item = &'a PassContract>) -> String {
    let mut text =
        String::from("| pass | what it does | writes | governor knob |\n|---|---|---|---|\n");
    for contract in contracts {
        text.push_str(&contract.row());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::settings::BUILT_IN;

    /// `docs/architecture.md` shows the pass table the contracts make. Set
    /// `AFTERLIGHT_BLESS_DOCS=1` to write it after changing a contract.
    #[test]
    fn the_architecture_page_shows_the_contracts_as_they_are() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
        let page = std::fs::read_to_string(&path).expect("docs/architecture.md");
        let (start, end) = ("<!-- contract table -->\n", "<!-- end contract table -->");
        let a = page.find(start).expect("the table's start marker") + start.len();
        let b = page.find(end).expect("the table's end marker");
        let table = table(BUILT_IN.iter().map(|pass| pass.contract));
        if std::env::var_os("AFTERLIGHT_BLESS_DOCS").is_some() {
            let written = format!("{}{table}{}", &page[..a], &page[b..]);
            std::fs::write(&path, written).expect("write docs/architecture.md");
            return;
        }
        assert_eq!(
            &page[a..b],
            table,
            "docs/architecture.md's pass table differs from the contracts; rerun this test with \
             AFTERLIGHT_BLESS_DOCS=1 to write it"
        );
    }

    #[test]
    fn every_built_in_pass_declares_a_name_a_summary_settings_and_what_it_writes() {
        let mut names = std::collections::HashSet::new();
        for pass in BUILT_IN {
            let contract = pass.contract;
            assert!(names.insert(contract.name), "{} is declared twice", contract.name);
            assert!(!contract.summary.is_empty(), "{}", contract.name);
            assert!(!contract.writes.is_empty(), "{} writes nothing", contract.name);
            let own = format!("{}.", contract.name);
            let keys: Vec<&str> =
                contract.settings.iter().flat_map(|t| t.iter().map(|s| s.key)).collect();
            assert!(
                keys.iter().any(|k| k.starts_with(&own)),
                "{}'s settings tables hold none of its own keys: {keys:?}",
                contract.name
            );
            if let Some(knob) = contract.knob {
                assert!(knob.value >= 0.0 && (0.0..1.0).contains(&knob.prior_share));
                assert_eq!(knob.tier_cost[3], 1.0, "{}: costs are relative to high", contract.name);
                assert!(
                    knob.tier_cost.windows(2).all(|w| w[0] <= w[1]) && knob.tier_cost[1] > 0.0,
                    "{}: no tier up may cost less: {:?}",
                    contract.name,
                    knob.tier_cost
                );
            }
        }
    }
}

//! User passes (#22 items 4 and 5): full-screen passes a preset adds with `[[custom]]` tables
//! (a WGSL file defining `effect`), or an app adds from Rust ([`UserPass`]), each inserted at
//! a named point of the chain, timed under its own name like the built-in passes.
//!
//! ```toml
//! [[custom]]
//! name = "invert"            # unique; the timing scope and the bench row
//! shader = "invert.wgsl"     # relative to the preset file
//! after = "finish"           # a built-in pass (or `before = ...`)
//! [custom.params]            # each a field of `params` in the shader, in this order
//! amount = { value = 1.0, min = 0.0, max = 1.0 }
//! tint = { value = [1.0, 0.5, 0.2], min = 0.0, max = 1.0 }   # a vec3f
//! ```
//!
//! The shader defines `fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32>`; afterlight
//! adds a prelude declaring `params` (a uniform struct whose fields are the params by name),
//! the helpers `custom_input(uv)`, `custom_load(pixel)`, `custom_depth(uv)`,
//! `custom_normal(uv)`, `custom_motion(uv)`, `custom_hdr(uv)`, `custom_size()`,
//! `custom_texel()`, `custom_frame()` ([`PRELUDE`] documents each) and the entry points
//! `vs_fullscreen` and `fs_main` (so those names, `Params`, `params` and names starting with
//! `custom_` are taken). Uv has its origin at the top left.
//!
//! **A smaller intermediate target.** A shader that also defines
//! `fn prepare(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32>` runs in two draws under its one
//! timing scope: `prepare` first, into an intermediate target of the slot's format (the HDR
//! format before the finish, `Rgba8UnormSrgb` after it) and of the input's size times
//! `intermediate_scale` (a `[[custom]]` key in (0, 1], default 0.5, each side rounded, at least
//! one pixel), where `color` is the input sampled bilinearly at the target pixel's centre (at
//! half size the mean of the 2x2 input pixels under it) and `custom_size()` / `custom_texel()`
//! describe the intermediate target; then `effect` at full size, which reads what `prepare`
//! wrote with `custom_intermediate(uv)` (bilinear, in the slot's colour space). The
//! intermediate comes from the chain's transient pool (labelled `<name>.intermediate`) and goes
//! back to it after `effect`. Whether `prepare` exists is read from naga's module of the file;
//! only then does the prelude declare `custom_intermediate` and the entry point `fs_prepare`
//! ([`INTERMEDIATE_PRELUDE`], [`PREPARE_ENTRY`]), so a pass without it is compiled and drawn as
//! before, with no intermediate. Errors in `prepare` name the file, line and column as in
//! `effect`; `intermediate_scale` without `prepare` does nothing (a warning says so).
//! `presets/examples/halation.toml` is an example: the highlights are found and blurred at half
//! size, then added, tinted, at full size.
//!
//! Points ([`Point`]) and the colour the pass sees and writes there:
//! - `after = "taa"` / `before = "exposure"`, `after = "exposure"` / `before = "bloom"`,
//!   `after = "bloom"` / `before = "finish"`: scene-linear HDR (pre-exposed, the HDR
//!   format) at the display size, after TAA or the upscale; the later passes read the result.
//! - `after = "finish"`, and before or after `fxaa` / `sharpen`: display-encoded sRGB values in
//!   0..1 (the pass reads an `Rgba8UnormSrgb` image and writes one; the prelude encodes
//!   and decodes). A point next to a pass that is off still runs, where that pass would be.
//! - Depth of field and motion blur run at the render size before TAA: no user pass goes
//!   there (nor `before = "taa"`); such a preset is an error naming the key.
//!
//! User passes are fragment passes on every variant: with the compute variant the display
//! image they write is copied into the output like the compute passes' own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::finish::DISPLAY_FORMAT;
use super::frame::FrameContext;
use super::order::PostPass;
use crate::draw::{bindings, fullscreen};
use crate::graph::{PooledTexture, TransientDesc};

/// A user pass a preset adds (`[[custom]]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPassSettings {
    /// Unique among the user passes and not a built-in pass's name: its timing scope, bench
    /// row and governor knob.
    pub name: String,
    /// The WGSL file defining `effect` (relative paths are relative to the preset file).
    pub shader: PathBuf,
    /// The built-in pass it runs after (exactly one of `after` and `before`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<PostPass>,
    /// The built-in pass it runs before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<PostPass>,
    /// With a `prepare` function in the shader: the intermediate target's size as a fraction
    /// of the input's, in (0, 1]; `None` is [`DEFAULT_INTERMEDIATE_SCALE`]. Without `prepare`
    /// it does nothing (a warning says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediate_scale: Option<f32>,
    /// Whether it runs (default true); the budget governor may turn it off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The governor's value weight for it (how much the look loses without it, like the
    /// built-in knobs' weights; default 1).
    #[serde(default = "one")]
    pub value: f32,
    /// Its parameters, in the order of the shader's `params` fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "param_table")]
    pub params: Vec<(String, CustomParam)>,
}

fn yes() -> bool {
    true
}

/// The intermediate target's scale when a pass with `prepare` does not set
/// `intermediate_scale`: half the input's width and height.
pub const DEFAULT_INTERMEDIATE_SCALE: f32 = 0.5;

fn one() -> f32 {
    1.0
}

/// One parameter: a float or a vec3 (a colour), with its range (the panel's slider).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomParam {
    /// The value: a number (`f32` in the shader) or three (`vec3f`).
    pub value: ParamValue,
    /// Smallest value (each component); default 0.
    #[serde(default)]
    pub min: f32,
    /// Largest value (each component); default 1.
    #[serde(default = "one")]
    pub max: f32,
}

/// A parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// `f32` in the shader.
    Float(f32),
    /// `vec3f` in the shader.
    Vec3([f32; 3]),
}

/// `[custom.params]` as a table kept in file order.
mod param_table {
    use super::CustomParam;
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        params: &[(String, CustomParam)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(params.len()))?;
        for (name, param) in params {
            map.serialize_entry(name, param)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, CustomParam)>, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Vec<(String, CustomParam)>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of params, each `{ value = ..., min = ..., max = ... }`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((name, param)) = map.next_entry::<String, CustomParam>()? {
                    out.push((name, param));
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(Ordered)
    }
}

/// Where in the chain a user pass runs (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Point {
    /// After TAA or the upscale, before exposure (HDR).
    AfterTaa,
    /// After exposure, before bloom (HDR).
    AfterExposure,
    /// After bloom, before the finish (HDR).
    BeforeFinish,
    /// After the finish, before the display passes (display-encoded).
    AfterFinish,
    /// Just before FXAA or sharpen (display-encoded).
    Before(PostPass),
    /// Just after FXAA or sharpen (display-encoded).
    After(PostPass),
}

impl Point {
    /// The point `after` (or, with `after` false, `before`) a built-in pass, or why there is
    /// none.
    pub fn from_slot(pass: PostPass, after: bool) -> Result<Point, String> {
        use PostPass::*;
        Ok(match (pass, after) {
            (Taa, true) | (Exposure, false) => Point::AfterTaa,
            (Exposure, true) | (Bloom, false) => Point::AfterExposure,
            (Bloom, true) | (Finish, false) => Point::BeforeFinish,
            (Finish, true) => Point::AfterFinish,
            (Fxaa | Sharpen, false) => Point::Before(pass),
            (Fxaa | Sharpen, true) => Point::After(pass),
            (Dof | MotionBlur | Taa, _) => {
                return Err(format!(
                    "user passes run at the display size after TAA or the upscale; {} `{}` is \
                     not a point they can run at (use after taa/exposure/bloom/finish/fxaa/\
                     sharpen or before exposure/bloom/finish/fxaa/sharpen)",
                    if after { "after" } else { "before" },
                    pass.name()
                ));
            }
        })
    }

    /// Whether the pass sees display-encoded colour (after the finish) rather than HDR.
    pub fn is_display(self) -> bool {
        matches!(self, Point::AfterFinish | Point::Before(_) | Point::After(_))
    }
}

/// A user pass that cannot be used, naming the preset key or the WGSL file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum CustomError {
    /// A `[[custom]]` entry is wrong.
    #[error("custom.{key}: {message}")]
    Setting {
        /// The key as `<pass name>.<key>` (`invert.after`).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The shader file cannot be read.
    #[error("custom pass `{name}`: cannot read {}: {reason}", path.display())]
    Read {
        /// The pass.
        name: String,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The shader does not compile.
    #[error("{}:{line}:{column}: error: {message}", path.display())]
    Shader {
        /// The user's WGSL file (or `<afterlight prelude of NAME>` for the generated code).
        path: PathBuf,
        /// 1-based line in it (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What naga or the device said.
        message: String,
    },
}

impl CustomPassSettings {
    /// Where it runs, or the error naming the key.
    pub fn point(&self) -> Result<Point, CustomError> {
        let key = |k: &str| format!("{}.{k}", self.name);
        match (self.after, self.before) {
            (Some(pass), None) => Point::from_slot(pass, true)
                .map_err(|message| CustomError::Setting { key: key("after"), message }),
            (None, Some(pass)) => Point::from_slot(pass, false)
                .map_err(|message| CustomError::Setting { key: key("before"), message }),
            _ => Err(CustomError::Setting {
                key: key("after"),
                message: "give exactly one of `after` and `before` (a built-in pass name)".into(),
            }),
        }
    }

    /// The intermediate target's scale (see [`CustomPassSettings::intermediate_scale`]).
    pub fn intermediate_scale(&self) -> f32 {
        self.intermediate_scale.unwrap_or(DEFAULT_INTERMEDIATE_SCALE)
    }

    /// The size of the intermediate target for an input of `size`: each side scaled and
    /// rounded, at least 1.
    pub fn intermediate_size(&self, (width, height): (u32, u32)) -> (u32, u32) {
        let scale = self.intermediate_scale().clamp(f32::MIN_POSITIVE, 1.0);
        let side = |n: u32| ((n as f32 * scale).round() as u32).clamp(1, n.max(1));
        (side(width), side(height))
    }

    /// The params clamped to their ranges (NaN to the minimum) and `intermediate_scale` to
    /// (0, 1], one warning per change, naming the key.
    pub fn validated(&self) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let mut out = self.clone();
        if !out.value.is_finite() || out.value < 0.0 {
            warnings
                .push(format!("custom.{}.value = {} must be >= 0; using 1", self.name, self.value));
            out.value = 1.0;
        }
        if let Some(scale) = out.intermediate_scale
            && !(scale > 0.0 && scale <= 1.0)
        {
            let using = if scale > 1.0 { 1.0 } else { DEFAULT_INTERMEDIATE_SCALE };
            warnings.push(format!(
                "custom.{}.intermediate_scale = {scale} is outside (0, 1]; using {using}",
                self.name
            ));
            out.intermediate_scale = Some(using);
        }
        for (name, param) in &mut out.params {
            let (min, max) = match (param.min.is_finite(), param.max.is_finite()) {
                (true, true) if param.min <= param.max => (param.min, param.max),
                _ => {
                    warnings.push(format!(
                        "custom.{}.params.{name}: min {} and max {} are not a range; using 0..=1",
                        self.name, param.min, param.max
                    ));
                    (0.0, 1.0)
                }
            };
            (param.min, param.max) = (min, max);
            let key = format!("custom.{}.params.{name}", self.name);
            match &mut param.value {
                ParamValue::Float(v) => {
                    *v = super::clamp_setting(&mut warnings, &key, *v, min, max, min)
                }
                ParamValue::Vec3(v) => {
                    for c in v.iter_mut() {
                        *c = super::clamp_setting(&mut warnings, &key, *c, min, max, min);
                    }
                }
            }
        }
        (out, warnings)
    }
}

/// The most params one pass may have (its uniform block stays far below every device's
/// uniform buffer limit).
pub const MAX_PARAMS: usize = 64;

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
}

/// Check every `[[custom]]` entry: names unique, identifiers, not built-in; one valid slot;
/// param names WGSL identifiers, unique. The first problem is the error, naming the key.
pub fn check(passes: &[CustomPassSettings]) -> Result<(), CustomError> {
    let setting = |key: String, message: String| Err(CustomError::Setting { key, message });
    for (i, pass) in passes.iter().enumerate() {
        if !is_identifier(&pass.name) {
            return setting(
                "name".into(),
                format!("{:?} must be a letter then letters, digits or `_`", pass.name),
            );
        }
        if PostPass::DEFAULT_ORDER.iter().any(|p| p.name() == pass.name)
            || ["ao", "upscale", "output_copy", "composite", "lut"].contains(&pass.name.as_str())
        {
            return setting(format!("{}.name", pass.name), "is a built-in pass's name".into());
        }
        if passes[..i].iter().any(|p| p.name == pass.name) {
            return setting(format!("{}.name", pass.name), "is used by two user passes".into());
        }
        pass.point()?;
        if pass.params.len() > MAX_PARAMS {
            return setting(
                format!("{}.params", pass.name),
                format!("{} params; at most {MAX_PARAMS}", pass.params.len()),
            );
        }
        for (j, (name, _)) in pass.params.iter().enumerate() {
            if !is_identifier(name) || name.starts_with("custom_") {
                return setting(
                    format!("{}.params.{name}", pass.name),
                    "a param name must be a WGSL identifier not starting with `custom_`".into(),
                );
            }
            if pass.params[..j].iter().any(|(n, _)| n == name) {
                return setting(format!("{}.params.{name}", pass.name), "is named twice".into());
            }
        }
    }
    Ok(())
}

/// The WGSL afterlight puts before the user's file. `CUSTOM_DISPLAY` and the `Params` struct
/// are generated above it.
pub const PRELUDE: &str = r#"
struct CustomFrame {
    // xy: the target's size in pixels; zw: one over it.
    size: vec4f,
    // x: frame number; y, z, w: 1 when depth, normals, motion are provided.
    info: vec4f,
};

@group(0) @binding(0) var<uniform> custom_frame_data: CustomFrame;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var custom_source: texture_2d<f32>;
@group(0) @binding(3) var custom_linear: sampler;
@group(0) @binding(4) var custom_depth_texture: texture_2d<f32>;
@group(0) @binding(5) var custom_normal_texture: texture_2d<f32>;
@group(0) @binding(6) var custom_motion_texture: texture_2d<f32>;
@group(0) @binding(7) var custom_hdr_texture: texture_2d<f32>;
@group(0) @binding(8) var custom_nearest: sampler;

fn custom_srgb_encode(c: vec3f) -> vec3f {
    let x = clamp(c, vec3f(0.0), vec3f(1.0));
    return select(1.055 * pow(x, vec3f(1.0 / 2.4)) - 0.055, x * 12.92, x <= vec3f(0.0031308));
}

fn custom_srgb_decode(c: vec3f) -> vec3f {
    let x = clamp(c, vec3f(0.0), vec3f(1.0));
    return select(pow((x + 0.055) / 1.055, vec3f(2.4)), x / 12.92, x <= vec3f(0.04045));
}

// Colour as the slot's space has it: display-encoded after the finish, HDR before.
fn custom_to_slot(c: vec4f) -> vec4f {
    if CUSTOM_DISPLAY {
        return vec4f(custom_srgb_encode(c.rgb), c.a);
    }
    return c;
}

// The slot's colour as the target stores it (an sRGB target encodes on write).
fn custom_from_slot(c: vec4f) -> vec4f {
    if CUSTOM_DISPLAY {
        return vec4f(custom_srgb_decode(c.rgb), clamp(c.a, 0.0, 1.0));
    }
    return c;
}

// The target's size in pixels.
fn custom_size() -> vec2f {
    return custom_frame_data.size.xy;
}

// One pixel in uv.
fn custom_texel() -> vec2f {
    return custom_frame_data.size.zw;
}

// The frame number (for animated effects).
fn custom_frame() -> f32 {
    return custom_frame_data.info.x;
}

// The previous pass's output at `uv`, bilinear, in the slot's colour space.
fn custom_input(uv: vec2f) -> vec4f {
    return custom_to_slot(textureSampleLevel(custom_source, custom_linear, uv, 0.0));
}

// The previous pass's output at a pixel (clamped to the image), in the slot's colour space.
fn custom_load(pixel: vec2i) -> vec4f {
    let last = vec2i(textureDimensions(custom_source)) - 1;
    return custom_to_slot(textureLoad(custom_source, clamp(pixel, vec2i(0), last), 0));
}

// Reverse-Z depth at `uv` (1 at the near plane, 0 at infinity); 0 without depth.
fn custom_depth(uv: vec2f) -> f32 {
    return textureSampleLevel(custom_depth_texture, custom_nearest, uv, 0.0).x;
}

// The world-space unit normal at `uv` from the G-buffer; (0, 0, 0) without normals or on the
// sky.
fn custom_normal(uv: vec2f) -> vec3f {
    if custom_frame_data.info.z < 0.5 || custom_depth(uv) <= 0.0 {
        return vec3f(0.0);
    }
    let e = textureSampleLevel(custom_normal_texture, custom_nearest, uv, 0.0).xy;
    var n = vec3f(e, 1.0 - abs(e.x) - abs(e.y));
    let t = max(-n.z, 0.0);
    n.x += select(t, -t, n.x >= 0.0);
    n.y += select(t, -t, n.y >= 0.0);
    return normalize(n);
}

// Motion at `uv` (uv now minus uv last frame); (0, 0) without motion vectors.
fn custom_motion(uv: vec2f) -> vec2f {
    return textureSampleLevel(custom_motion_texture, custom_nearest, uv, 0.0).xy;
}

// The scene-linear HDR image at `uv` (pre-exposed): what the finish reads (or, before it, the
// image this pass reads).
fn custom_hdr(uv: vec2f) -> vec4f {
    return textureSampleLevel(custom_hdr_texture, custom_linear, uv, 0.0);
}

struct CustomVertex {
    @builtin(position) position: vec4f,
    @location(0) uv: vec2f,
};

@vertex
fn vs_fullscreen(@builtin(vertex_index) index: u32) -> CustomVertex {
    let uv = vec2f(f32((index << 1u) & 2u), f32(index & 2u));
    var out: CustomVertex;
    out.position = vec4f((uv - 0.5) * vec2f(2.0, -2.0), 0.0, 1.0);
    out.uv = uv;
    return out;
}

@fragment
fn fs_main(in: CustomVertex) -> @location(0) vec4f {
    return custom_from_slot(effect(custom_load(vec2i(in.position.xy)), in.uv));
}
"#;

/// What the prelude adds when the user's file defines `prepare` (and only then): the
/// intermediate target and `custom_intermediate`. [`PREPARE_ENTRY`] follows it.
pub const INTERMEDIATE_PRELUDE: &str = r#"
@group(0) @binding(9) var custom_intermediate_texture: texture_2d<f32>;

// What `prepare` wrote at `uv`, bilinear, in the slot's colour space (in `effect`; inside
// `prepare` itself, the input).
fn custom_intermediate(uv: vec2f) -> vec4f {
    return custom_to_slot(textureSampleLevel(custom_intermediate_texture, custom_linear, uv, 0.0));
}
"#;

/// The entry point that runs the user's `prepare` over the intermediate target: `color` is
/// the input sampled bilinearly at the target pixel's centre (at half size, the mean of the
/// 2x2 input pixels under it).
pub const PREPARE_ENTRY: &str = r#"
@fragment
fn fs_prepare(in: CustomVertex) -> @location(0) vec4f {
    return custom_from_slot(prepare(custom_input(in.uv), in.uv));
}
"#;

/// The generated part: whether colour is display-encoded and the `Params` struct.
fn header(display: bool, params: &[(String, CustomParam)]) -> String {
    let mut out = format!("const CUSTOM_DISPLAY: bool = {display};\n\nstruct Params {{\n");
    if params.is_empty() {
        out.push_str("    custom_unused: f32,\n");
    }
    for (name, param) in params {
        let ty = match param.value {
            ParamValue::Float(_) => "f32",
            ParamValue::Vec3(_) => "vec3f",
        };
        out.push_str(&format!("    {name}: {ty},\n"));
    }
    out.push_str("};\n");
    out
}

/// The params as the uniform block's bytes (WGSL layout: f32 aligned to 4, vec3f to 16;
/// the size rounded up to 16).
pub fn param_bytes(params: &[(String, CustomParam)]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for (_, param) in params {
        match param.value {
            ParamValue::Float(v) => out.extend_from_slice(&v.to_le_bytes()),
            ParamValue::Vec3(v) => {
                out.resize(out.len().next_multiple_of(16), 0);
                for c in v {
                    out.extend_from_slice(&c.to_le_bytes());
                }
            }
        }
    }
    out.resize(out.len().next_multiple_of(16).max(16), 0);
    out
}

/// The user's file as the generated WGSL includes it (so errors in it are located in it).
const USER_FILE: &str = "include/custom_user.wgsl";

/// The signature `effect` and `prepare` share.
const SIGNATURE: &str = "(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32>";

/// A user shader ready for the device: the generated header, the [`PRELUDE`] (with
/// [`INTERMEDIATE_PRELUDE`] and [`PREPARE_ENTRY`] when the file defines `prepare`), then the
/// user's file.
#[derive(Clone, Debug)]
pub struct UserShader {
    /// The expanded WGSL.
    pub code: String,
    /// Whether the file defines `prepare`: the module then has the entry point `fs_prepare`
    /// and binds the intermediate target at binding 9.
    pub prepare: bool,
}

/// Validate a user shader as it would run at a point with `params`, naming the user's `path`
/// with line and column on error. A `prepare` function is found in naga's module of the file
/// (parsed with the intermediate's helpers declared, so a file using them parses); only then
/// are they and the `prepare` entry point part of the shader.
pub fn compile_source(
    name: &str,
    path: &Path,
    text: &str,
    display: bool,
    params: &[(String, CustomParam)],
) -> Result<UserShader, CustomError> {
    let head = format!("{}{PRELUDE}", header(display, params));
    let user = format!("\n#include \"{USER_FILE}\"\n");
    let (probe, module) =
        validate_user(name, path, text, &format!("{head}{INTERMEDIATE_PRELUDE}{user}"))?;
    let prepare = module.functions.iter().find(|(_, f)| f.name.as_deref() == Some("prepare"));
    let Some((handle, function)) = prepare else {
        let (source, _) =
            validate_user(name, path, text, &format!("{head}{user}")).map_err(|mut error| {
                if let CustomError::Shader { message, .. } = &mut error
                    && message.contains("custom_intermediate")
                {
                    message.push_str(&format!(
                        "\n  note: `custom_intermediate` exists only when the file defines \
                         `fn prepare{SIGNATURE}`"
                    ));
                }
                error
            })?;
        return Ok(UserShader { code: source.code, prepare: false });
    };
    if !has_signature(&module, function) {
        let offset = module.functions.get_span(handle).to_range().map_or(0, |r| r.start);
        let (line, column) = line_and_column(&probe.code, offset);
        let (file, line) = probe.locate(line);
        let path = if file == USER_FILE { path.to_owned() } else { prelude_path(name) };
        let message = format!("`prepare` must be declared as `fn prepare{SIGNATURE}`");
        return Err(CustomError::Shader { path, line, column, message });
    }
    let main = format!("{head}{INTERMEDIATE_PRELUDE}{PREPARE_ENTRY}{user}");
    let (source, _) = validate_user(name, path, text, &main)?;
    Ok(UserShader { code: source.code, prepare: true })
}

/// `<afterlight prelude of NAME>`: where errors in the generated code are reported.
fn prelude_path(name: &str) -> PathBuf {
    PathBuf::from(format!("<afterlight prelude of `{name}`>"))
}

/// Whether `function` takes a `vec4<f32>` and a `vec2<f32>` and returns a `vec4<f32>`.
fn has_signature(module: &naga::Module, function: &naga::Function) -> bool {
    let vector = |ty: naga::Handle<naga::Type>, size| {
        module.types[ty].inner == naga::TypeInner::Vector { size, scalar: naga::Scalar::F32 }
    };
    let arguments: Vec<_> = function.arguments.iter().map(|a| a.ty).collect();
    matches!(arguments[..], [color, uv]
        if vector(color, naga::VectorSize::Quad) && vector(uv, naga::VectorSize::Bi))
        && function.result.as_ref().is_some_and(|r| vector(r.ty, naga::VectorSize::Quad))
}

/// The 1-based line and character column of a byte offset into `code`.
fn line_and_column(code: &str, offset: usize) -> (usize, usize) {
    let prefix = code.get(..offset).unwrap_or(code);
    let start = prefix.rfind('\n').map_or(0, |p| p + 1);
    (prefix.matches('\n').count() + 1, prefix[start..].chars().count() + 1)
}

/// Expand `main` (generated code that includes the user's `text`) and validate it with
/// naga; errors name the user's `path` (or the prelude) with line and column.
fn validate_user(
    name: &str,
    path: &Path,
    text: &str,
    main: &str,
) -> Result<(crate::shaders::ShaderSource, naga::Module), CustomError> {
    let files = [("custom.wgsl", main), (USER_FILE, text)];
    let locate =
        |file: String| if file == USER_FILE { path.to_owned() } else { prelude_path(name) };
    let source = crate::shaders::expand_in_memory(&files, "custom").map_err(|e| {
        CustomError::Shader { path: path.to_owned(), line: 0, column: 0, message: e.to_string() }
    })?;
    use crate::shaders::ShaderError as S;
    match crate::shaders::validate(&source) {
        Ok(module) => Ok((source, module)),
        Err(
            S::Parse { file, line, column, message }
            | S::Validation { file, line, column, message },
        ) => {
            let message =
                message.replace("shaders/include/custom_user.wgsl", &path.display().to_string());
            Err(CustomError::Shader { path: locate(file), line, column, message })
        }
        Err(e) => Err(CustomError::Shader {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: e.to_string(),
        }),
    }
}

/// What a user pass reads and where it writes, for one draw.
pub struct UserPassContext<'a> {
    /// The device.
    pub device: &'a wgpu::Device,
    /// The queue (for uniform writes).
    pub queue: &'a wgpu::Queue,
    /// The frame's encoder, inside the pass's timing scope.
    pub encoder: &'a mut wgpu::CommandEncoder,
    /// The previous pass's output, of `format` (an `Rgba8UnormSrgb` view at display points:
    /// sampling decodes, writing encodes).
    pub input: &'a wgpu::TextureView,
    /// Where to write the whole image, of `format` and `size`.
    pub output: &'a wgpu::TextureView,
    /// The format of `input` and `output`.
    pub format: wgpu::TextureFormat,
    /// The display size in pixels.
    pub size: (u32, u32),
    /// Reverse-Z depth (`texture_2d<f32>`-bindable, unfilterable) at the render size, if any.
    pub depth: Option<&'a wgpu::TextureView>,
    /// The G-buffer's octahedral normals (xy), at the render size, if any.
    pub normals: Option<&'a wgpu::TextureView>,
    /// Motion vectors at the render size, if any.
    pub motion: Option<&'a wgpu::TextureView>,
    /// The scene-linear HDR image the finish reads (at display points) or this pass's input.
    pub hdr: &'a wgpu::TextureView,
    /// The frame number.
    pub frame_index: u64,
}

/// A pass an app adds from Rust ([`super::stack::PostStack::add_pass`]): the same contract as
/// a preset's `[[custom]]` pass. It must write every pixel of `ctx.output`.
pub trait UserPass: wgpu::WasmNotSend {
    /// Its name: timing scope and bench row (unique, not a built-in name).
    fn name(&self) -> &str;
    /// The built-in pass it runs after (`true`) or before (`false`); see [`Point`].
    fn slot(&self) -> (PostPass, bool);
    /// Record the pass.
    fn record(&mut self, ctx: UserPassContext<'_>);
}

/// A compiled preset pass.
struct Compiled {
    /// What it was compiled from: file, point, param layout.
    key: (PathBuf, bool, String),
    /// The file's text it was compiled from.
    text: String,
    /// The params it was compiled with (their layout is the uniform block's).
    params: Vec<(String, CustomParam)>,
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::RenderPipeline,
    /// `fs_prepare`, writing the intermediate target, when the file defines `prepare`.
    prepare: Option<wgpu::RenderPipeline>,
}

/// Inputs shared by the user passes of one frame. The normals are the chain's
/// ([`CustomPasses::set_normals`]), set by the renderer for every frame.
pub(crate) struct CustomFrame<'a> {
    pub size: (u32, u32),
    pub depth: Option<&'a wgpu::TextureView>,
    pub motion: Option<&'a wgpu::TextureView>,
    pub frame_index: u64,
}

/// A pass at a point: a preset's (index into the settings) or an app's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PassRef {
    Preset(usize),
    Rust(usize),
}

/// The chain's user passes: compiled preset shaders, the app's Rust passes, placeholders.
pub(crate) struct CustomPasses {
    hdr_format: wgpu::TextureFormat,
    /// The chain's display images' format (what passes at display points write).
    display_format: wgpu::TextureFormat,
    /// The passes compiled for the other display format, kept for a switch back.
    other_format: Option<(wgpu::TextureFormat, HashMap<String, Compiled>)>,
    compiled: HashMap<String, Compiled>,
    provided: HashMap<PathBuf, String>,
    rust: Vec<Box<dyn UserPass>>,
    linear: wgpu::Sampler,
    nearest: wgpu::Sampler,
    placeholder: wgpu::TextureView,
    /// The G-buffer normals user passes read, set by the renderer.
    pub(crate) normals: Option<wgpu::TextureView>,
    /// Compile errors of passes running their last good pipeline, by pass name.
    errors: HashMap<String, String>,
}

impl CustomPasses {
    pub(crate) fn new(device: &wgpu::Device, hdr_format: wgpu::TextureFormat) -> Self {
        Self {
            hdr_format,
            display_format: DISPLAY_FORMAT,
            other_format: None,
            compiled: HashMap::new(),
            provided: HashMap::new(),
            rust: Vec::new(),
            linear: bindings::linear_sampler(device, "custom.linear"),
            nearest: bindings::nearest_sampler(device, "custom.nearest"),
            placeholder: bindings::placeholder(
                device,
                "custom.none",
                wgpu::TextureFormat::R32Float,
            ),
            normals: None,
            errors: HashMap::new(),
        }
    }

    /// Write display images of `format` from now on: the passes compiled for it when it was
    /// last used come back (the others are kept for the next switch), and the next `prepare`
    /// compiles what is missing.
    pub(crate) fn set_display_format(&mut self, format: wgpu::TextureFormat) {
        if format == self.display_format {
            return;
        }
        let kept = match self.other_format.take() {
            Some((other, compiled)) if other == format => compiled,
            _ => HashMap::new(),
        };
        let current = std::mem::replace(&mut self.compiled, kept);
        self.other_format = Some((self.display_format, current));
        self.display_format = format;
    }

    /// Give the text of a shader file under `path` (no file is read for it).
    pub(crate) fn provide(&mut self, path: PathBuf, text: String) {
        self.provided.insert(path, text);
    }

    pub(crate) fn add(&mut self, pass: Box<dyn UserPass>) -> Result<(), CustomError> {
        let name = pass.name().to_owned();
        let (slot, after) = pass.slot();
        Point::from_slot(slot, after)
            .map_err(|message| CustomError::Setting { key: format!("{name}.slot"), message })?;
        if self.rust.iter().any(|p| p.name() == name)
            || PostPass::DEFAULT_ORDER.iter().any(|p| p.name() == name)
        {
            return Err(CustomError::Setting {
                key: format!("{name}.name"),
                message: "is a built-in pass's or another Rust pass's name".into(),
            });
        }
        self.rust.push(pass);
        Ok(())
    }

    fn read(&self, pass: &CustomPassSettings) -> Result<String, CustomError> {
        if let Some(text) = self.provided.get(&pass.shader) {
            return Ok(text.clone());
        }
        std::fs::read_to_string(&pass.shader).map_err(|e| CustomError::Read {
            name: pass.name.clone(),
            path: pass.shader.clone(),
            reason: e.to_string(),
        })
    }

    /// Compile every preset pass not compiled yet for its file, point and params (files are
    /// read only then, not every frame: [`CustomPasses::reload`] re-reads them). A pass that
    /// fails to compile keeps its last good pipeline (the failure is logged and kept in
    /// [`CustomPasses::errors`]); one without any is the error.
    pub(crate) fn prepare(
        &mut self,
        device: &wgpu::Device,
        passes: &[CustomPassSettings],
    ) -> Result<(), CustomError> {
        check(passes)?;
        if !passes.is_empty() {
            // A user shader may branch on its params, which Mesa 22's lavapipe leaks on.
            crate::gpu::warn_known_driver_issues(&device.adapter_info());
        }
        for pass in passes {
            let display = pass.point()?.is_display();
            let key = (pass.shader.clone(), display, header(display, &pass.params));
            if self.compiled.get(&pass.name).is_some_and(|c| c.key == key) {
                continue;
            }
            if let Err(e) = self.read(pass).and_then(|text| self.build(device, pass, key, text)) {
                if !self.compiled.contains_key(&pass.name) {
                    return Err(e);
                }
                self.failed(&pass.name, &e);
            }
        }
        Ok(())
    }

    /// Re-read every preset pass's file and rebuild those whose text changed (hot reload).
    /// The errors, each naming the file (and line and column); failing passes keep their last
    /// good pipeline.
    pub(crate) fn reload(
        &mut self,
        device: &wgpu::Device,
        passes: &[CustomPassSettings],
    ) -> Vec<CustomError> {
        let mut errors = Vec::new();
        for pass in passes {
            let Ok(display) = pass.point().map(Point::is_display) else { continue };
            let key = (pass.shader.clone(), display, header(display, &pass.params));
            let result = self.read(pass).and_then(|text| {
                match self.compiled.get(&pass.name).is_some_and(|c| c.key == key && c.text == text)
                {
                    true => Ok(()),
                    false => self.build(device, pass, key, text),
                }
            });
            if let Err(e) = result {
                self.failed(&pass.name, &e);
                errors.push(e);
            }
        }
        errors
    }

    fn failed(&mut self, name: &str, error: &CustomError) {
        log::warn!("{error}; custom pass `{name}` keeps its last good pipeline");
        self.errors.insert(name.to_owned(), error.to_string());
    }

    /// The last compile error of each user pass that still runs its previous pipeline.
    pub(crate) fn errors(&self) -> &HashMap<String, String> {
        &self.errors
    }

    fn build(
        &mut self,
        device: &wgpu::Device,
        pass: &CustomPassSettings,
        key: (PathBuf, bool, String),
        text: String,
    ) -> Result<(), CustomError> {
        let (layout, pipeline, prepare) = self.compile(device, pass, &text, key.1)?;
        if prepare.is_none() && pass.intermediate_scale.is_some() {
            log::warn!(
                "custom.{}.intermediate_scale does nothing: {} defines no `prepare`",
                pass.name,
                pass.shader.display()
            );
        }
        let params = pass.params.clone();
        let compiled = Compiled { key, text, params, layout, pipeline, prepare };
        self.compiled.insert(pass.name.clone(), compiled);
        self.errors.remove(&pass.name);
        Ok(())
    }

    fn compile(
        &self,
        device: &wgpu::Device,
        pass: &CustomPassSettings,
        text: &str,
        display: bool,
    ) -> Result<
        (wgpu::BindGroupLayout, wgpu::RenderPipeline, Option<wgpu::RenderPipeline>),
        CustomError,
    > {
        let shader = compile_source(&pass.name, &pass.shader, text, display, &pass.params)?;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(&pass.name),
            source: wgpu::ShaderSource::Wgsl(shader.code.into()),
        });
        let frag = wgpu::ShaderStages::FRAGMENT;
        let mut entries = vec![
            bindings::uniform(0, frag),
            bindings::uniform(1, frag),
            bindings::texture(2, true),
            bindings::sampler(3),
            bindings::depth_as_float(4),
            bindings::texture(5, false),
            bindings::texture(6, false),
            bindings::texture(7, true),
            bindings::depth_sampler(8),
        ];
        if shader.prepare {
            // The intermediate target `custom_intermediate` reads.
            entries.push(bindings::texture(9, true));
        }
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(&pass.name),
            entries: &entries,
        });
        let format = self.format(display);
        let pipeline = fullscreen::pipeline(device, &pass.name, &module, &[&layout], format, None);
        let prepare = shader.prepare.then(|| {
            let label = format!("{}.prepare", pass.name);
            let entry = "fs_prepare";
            fullscreen::pipeline_with_entry(
                device,
                &label,
                &module,
                entry,
                &[&layout],
                format,
                None,
            )
        });
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(error) = pollster::block_on(scope.pop()) {
            return Err(CustomError::Shader {
                path: pass.shader.clone(),
                line: 0,
                column: 0,
                message: format!("the device rejected it: {error}"),
            });
        }
        #[cfg(target_arch = "wasm32")]
        drop(scope);
        Ok((layout, pipeline, prepare))
    }

    /// The format a pass at a display point (`true`) or an HDR point writes, and its
    /// intermediate target's.
    fn format(&self, display: bool) -> wgpu::TextureFormat {
        if display { self.display_format } else { self.hdr_format }
    }

    /// The passes that run at `point` this frame, preset passes first, in their order.
    pub(crate) fn at(&self, settings: &[CustomPassSettings], point: Point) -> Vec<PassRef> {
        let mut out: Vec<PassRef> = settings
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.enabled
                    && p.point().is_ok_and(|q| q == point)
                    && self.compiled.contains_key(&p.name)
            })
            .map(|(i, _)| PassRef::Preset(i))
            .collect();
        out.extend(
            self.rust
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    let (slot, after) = p.slot();
                    Point::from_slot(slot, after).is_ok_and(|q| q == point)
                })
                .map(|(i, _)| PassRef::Rust(i)),
        );
        out
    }

    /// The timing scope (name) of a pass.
    pub(crate) fn name<'a>(&'a self, settings: &'a [CustomPassSettings], pass: PassRef) -> &'a str {
        match pass {
            PassRef::Preset(i) => settings.get(i).map_or("custom", |p| p.name.as_str()),
            PassRef::Rust(i) => self.rust.get(i).map_or("custom", |p| p.name()),
        }
    }

    /// Record one pass, timed under its name, reading `input` and writing all of `output`. A
    /// preset pass with `prepare` first draws it into an intermediate target from `pool`,
    /// given back before this returns.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn draw(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &[CustomPassSettings],
        pass: PassRef,
        frame: &CustomFrame<'_>,
        (input, hdr): (&wgpu::TextureView, &wgpu::TextureView),
        (output, format): (&wgpu::TextureView, wgpu::TextureFormat),
    ) {
        let name = self.name(settings, pass).to_owned();
        let normals = self.normals.clone();
        let normals = normals.as_ref();
        ctx.scope(&name, |ctx| match pass {
            PassRef::Rust(i) => {
                if let Some(user) = self.rust.get_mut(i) {
                    user.record(UserPassContext {
                        device: ctx.device,
                        queue: ctx.queue,
                        encoder: ctx.encoder,
                        input,
                        output,
                        format,
                        size: frame.size,
                        depth: frame.depth,
                        normals,
                        motion: frame.motion,
                        hdr,
                        frame_index: frame.frame_index,
                    });
                }
            }
            PassRef::Preset(i) => {
                let (Some(settings), Some(compiled)) =
                    (settings.get(i), settings.get(i).and_then(|s| self.compiled.get(&s.name)))
                else {
                    return;
                };
                // The compiled layout's params, each with the settings' value when the name and
                // type still match (a pass on its last good pipeline after a failed rebuild).
                let values: Vec<(String, CustomParam)> = compiled
                    .params
                    .iter()
                    .map(|(n, p)| {
                        let now = settings.params.iter().find(|(m, q)| {
                            m == n
                                && std::mem::discriminant(&q.value)
                                    == std::mem::discriminant(&p.value)
                        });
                        (n.clone(), now.map_or_else(|| p.clone(), |(_, q)| q.clone()))
                    })
                    .collect();
                let device = ctx.device;
                let params = bindings::uniform_buffer(device, &name, &param_bytes(&values));
                let none = &self.placeholder;
                // The bind group for a draw into a target of `size`; `intermediate` is bound
                // at binding 9 when the pass has `prepare`.
                let group = |size: (u32, u32), intermediate: Option<&wgpu::TextureView>| {
                    let (w, h) = (size.0.max(1) as f32, size.1.max(1) as f32);
                    let flag = |v: Option<&wgpu::TextureView>| f32::from(u8::from(v.is_some()));
                    let frame_data = [
                        w,
                        h,
                        1.0 / w,
                        1.0 / h,
                        (frame.frame_index % (1 << 24)) as f32,
                        flag(frame.depth),
                        flag(normals),
                        flag(frame.motion),
                    ];
                    let frame_buffer =
                        bindings::uniform_buffer(device, &name, bytemuck::cast_slice(&frame_data));
                    let mut resources = vec![
                        frame_buffer.as_entire_binding(),
                        params.as_entire_binding(),
                        wgpu::BindingResource::TextureView(input),
                        wgpu::BindingResource::Sampler(&self.linear),
                        wgpu::BindingResource::TextureView(frame.depth.unwrap_or(none)),
                        wgpu::BindingResource::TextureView(normals.unwrap_or(none)),
                        wgpu::BindingResource::TextureView(frame.motion.unwrap_or(none)),
                        wgpu::BindingResource::TextureView(hdr),
                        wgpu::BindingResource::Sampler(&self.nearest),
                    ];
                    resources.extend(intermediate.map(wgpu::BindingResource::TextureView));
                    device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some(&name),
                        layout: &compiled.layout,
                        entries: &bindings::entries(&resources),
                    })
                };
                let clear = Some(wgpu::Color::TRANSPARENT);
                // `prepare` over the input into the smaller target (reading the input at
                // binding 9 too: `custom_intermediate` there is the input).
                let intermediate = compiled.prepare.as_ref().map(|prepare| {
                    let size = settings.intermediate_size(frame.size);
                    let format = self.format(compiled.key.1);
                    let usage = wgpu::TextureUsages::empty();
                    let desc = TransientDesc::target(size.0, size.1, format, usage);
                    let target = ctx.target(&format!("{name}.intermediate"), &desc);
                    let label = format!("{name}.prepare");
                    let bind = group(size, Some(input));
                    fullscreen::draw(ctx.encoder, &label, prepare, &[&bind], &target.view, clear);
                    target
                });
                let bind = group(frame.size, intermediate.as_ref().map(|t| &t.view));
                fullscreen::draw(ctx.encoder, &name, &compiled.pipeline, &[&bind], output, clear);
            }
        });
    }

    /// Run the passes at an HDR `point` one after another from `input`; the last one's
    /// pooled output (the caller releases it after the finish), or `None` when none ran.
    /// Intermediate images go back to the pool as soon as they are read.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_hdr(
        &mut self,
        ctx: &mut FrameContext<'_>,
        settings: &[CustomPassSettings],
        point: Point,
        frame: &CustomFrame<'_>,
        input: &wgpu::TextureView,
    ) -> Option<PooledTexture> {
        let mut current: Option<PooledTexture> = None;
        let (w, h) = frame.size;
        let desc = TransientDesc::target(w, h, self.hdr_format, wgpu::TextureUsages::empty());
        for pass in self.at(settings, point) {
            let name = self.name(settings, pass).to_owned();
            let target = ctx.target(&name, &desc);
            let source = current.as_ref().map_or(input, |t| &t.view);
            let io = (source, source);
            self.draw(ctx, settings, pass, frame, io, (&target.view, self.hdr_format));
            // The previous pass's image goes back to the pool as it is replaced.
            current = Some(target);
        }
        current
    }
}

impl CustomPasses {
    /// The chain's normals view for user passes.
    pub(crate) fn set_normals(&mut self, normals: Option<wgpu::TextureView>) {
        self.normals = normals;
    }
}

/// One step of the display part of the chain (after the finish).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DisplayStep {
    /// FXAA or sharpen.
    Builtin(PostPass),
    /// SMAA (first after the finish, when on; see [`super::chain`]).
    Smaa,
    /// A user pass.
    Custom(PassRef),
}

/// The display steps in order: the user passes after the finish, then for FXAA and sharpen in
/// `order` the user passes before each, the pass itself when `on`, the user passes after it.
pub(crate) fn display_steps(
    passes: &CustomPasses,
    settings: &[CustomPassSettings],
    order: &[PostPass],
    on: impl Fn(PostPass) -> bool,
) -> Vec<DisplayStep> {
    let mut steps: Vec<DisplayStep> =
        passes.at(settings, Point::AfterFinish).into_iter().map(DisplayStep::Custom).collect();
    for &pass in order.iter().filter(|p| matches!(p, PostPass::Fxaa | PostPass::Sharpen)) {
        steps.extend(passes.at(settings, Point::Before(pass)).into_iter().map(DisplayStep::Custom));
        if on(pass) {
            steps.push(DisplayStep::Builtin(pass));
        }
        steps.extend(passes.at(settings, Point::After(pass)).into_iter().map(DisplayStep::Custom));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_lay_out_as_wgsl_does() {
        let p = |value| CustomParam { value, min: 0.0, max: 1.0 };
        let params = vec![
            ("a".to_owned(), p(ParamValue::Float(0.5))),
            ("tint".to_owned(), p(ParamValue::Vec3([0.1, 0.2, 0.3]))),
            ("b".to_owned(), p(ParamValue::Float(0.25))),
        ];
        let bytes = param_bytes(&params);
        // a at 0, tint at 16 (vec3 aligns to 16), b at 28 right after it; size 32.
        assert_eq!(bytes.len(), 32);
        let f = |o: usize| f32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
        assert_eq!((f(0), f(16), f(24), f(28)), (0.5, 0.1, 0.3, 0.25));
        assert_eq!(param_bytes(&[]).len(), 16);
    }

    #[test]
    fn a_shader_error_names_the_users_file_line_and_column() {
        let text =
            "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return colr;\n}\n";
        let error = compile_source("x", Path::new("/p/x.wgsl"), text, true, &[]).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("/p/x.wgsl:2:12: error:"), "{message}");
        let good = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> { return color; }\n";
        assert!(compile_source("x", Path::new("/p/x.wgsl"), good, false, &[]).is_ok());
    }

    const EFFECT: &str = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> { return custom_intermediate(uv); }\n";

    #[test]
    fn prepare_is_found_in_the_module_and_only_then_compiled_in() {
        let path = Path::new("/p/x.wgsl");
        let plain = "fn effect(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> { return color; }\n";
        let shader = compile_source("x", path, plain, false, &[]).expect("compiles");
        assert!(!shader.prepare);
        assert!(
            !shader.code.contains("custom_intermediate") && !shader.code.contains("fs_prepare")
        );
        // A `prepare` in a comment is not a function.
        let commented =
            format!("// fn prepare(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32>\n{plain}");
        assert!(!compile_source("x", path, &commented, true, &[]).expect("compiles").prepare);

        let prepare = "fn prepare(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return color * 2.0;\n}\n";
        for display in [false, true] {
            let shader = compile_source("x", path, &format!("{prepare}{EFFECT}"), display, &[])
                .expect("compiles");
            assert!(shader.prepare && shader.code.contains("fn fs_prepare"));
        }
    }

    #[test]
    fn errors_in_prepare_name_the_users_file_line_and_column() {
        let path = Path::new("/p/x.wgsl");
        let broken =
            "fn prepare(color: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return colr;\n}\n";
        let message =
            compile_source("x", path, &format!("{broken}{EFFECT}"), false, &[]).unwrap_err();
        let message = message.to_string();
        assert!(message.starts_with("/p/x.wgsl:2:12: error:"), "{message}");

        let wrong = "\nfn prepare(color: vec4<f32>) -> vec4<f32> {\n    return color;\n}\n";
        let message = compile_source("x", path, &format!("{wrong}{EFFECT}"), false, &[])
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("/p/x.wgsl:2:1: error: `prepare` must be"), "{message}");

        // `custom_intermediate` needs a `prepare`.
        let message = compile_source("x", path, EFFECT, false, &[]).unwrap_err().to_string();
        assert!(message.starts_with("/p/x.wgsl:1:") && message.contains("fn prepare"), "{message}");
    }

    #[test]
    fn intermediate_scale_is_clamped_to_its_range_naming_the_key() {
        let toml = "name = \"x\"\nshader = \"x.wgsl\"\nafter = \"finish\"\n";
        let pass: CustomPassSettings = toml::from_str(toml).expect("parses");
        assert_eq!(pass.intermediate_scale, None);
        assert_eq!(pass.intermediate_size((1920, 1080)), (960, 540));
        assert!(!toml::to_string(&pass).expect("serialises").contains("intermediate_scale"));
        for (given, using) in [(0.0, 0.5), (-1.0, 0.5), (f32::NAN, 0.5), (1.5, 1.0), (0.25, 0.25)] {
            let pass = CustomPassSettings { intermediate_scale: Some(given), ..pass.clone() };
            let (valid, warnings) = pass.validated();
            assert_eq!(valid.intermediate_scale, Some(using), "{given}");
            assert_eq!(warnings.len(), usize::from(using != given), "{warnings:?}");
            assert!(warnings.iter().all(|w| w.starts_with("custom.x.intermediate_scale")));
        }
        let tiny = CustomPassSettings { intermediate_scale: Some(0.001), ..pass };
        assert_eq!(tiny.intermediate_size((640, 360)), (1, 1));
        assert_eq!(tiny.intermediate_size((0, 0)), (1, 1));
    }

    #[test]
    fn slots_before_taa_and_bad_names_are_refused_naming_the_key() {
        let toml = "name = \"x\"\nshader = \"x.wgsl\"\nafter = \"dof\"\n";
        let pass: CustomPassSettings = toml::from_str(toml).expect("parses");
        let message = check(std::slice::from_ref(&pass)).unwrap_err().to_string();
        assert!(message.starts_with("custom.x.after:"), "{message}");
        let dup = CustomPassSettings { after: Some(PostPass::Finish), ..pass.clone() };
        let message = check(&[dup.clone(), dup]).unwrap_err().to_string();
        assert!(message.contains("used by two"), "{message}");
        let builtin =
            CustomPassSettings { name: "bloom".into(), after: Some(PostPass::Finish), ..pass };
        assert!(check(&[builtin]).unwrap_err().to_string().contains("built-in"));
    }
}

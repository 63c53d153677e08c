//! The container: a GLB split into its JSON and binary chunks with every length checked, or
//! JSON text; then the header checks (glTF version, required and used extensions) on the raw
//! JSON, before the typed parser sees it.

use gltf::json::Value;

use crate::scene::SceneError;

use super::output::Output;

/// Extensions we implement; any other name in `extensionsRequired` refuses the file.
const SUPPORTED_EXTENSIONS: &[&str] = &[
    "KHR_lights_punctual",
    "KHR_materials_unlit",
    "KHR_texture_transform",
    "KHR_materials_emissive_strength",
    "KHR_mesh_quantization",
];

const GLB_JSON: u32 = 0x4E4F_534A;
const GLB_BIN: u32 = 0x004E_4942;

/// The JSON text and the GLB binary chunk, if any.
pub(super) fn split_container<'a>(
    bytes: &'a [u8],
    out: &mut Output,
) -> Result<(&'a [u8], Option<&'a [u8]>), SceneError> {
    if bytes.starts_with(b"glTF") {
        return split_glb(bytes);
    }
    let text = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => {
            out.warn("the JSON starts with a byte-order mark, which glTF forbids; skipped".into());
            rest
        }
        None => bytes,
    };
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok((text, None)),
        _ => {
            let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
            Err(SceneError::Invalid(format!(
                "not a glTF file: the data starts with neither the GLB magic \"glTF\" nor a JSON \
                 object (first bytes: [{}])",
                head.join(" ")
            )))
        }
    }
}

/// Splits a GLB container into its JSON and BIN chunks, checking every length first.
fn split_glb(data: &[u8]) -> Result<(&[u8], Option<&[u8]>), SceneError> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
    };
    let glb = |message: String| SceneError::Invalid(format!("GLB: {message}"));
    let (Some(version), Some(length)) = (word(4), word(8)) else {
        return Err(glb(format!("{} bytes is shorter than the 12-byte header", data.len())));
    };
    if version != 2 {
        return Err(glb(format!("container version {version} is not supported (only 2)")));
    }
    if usize::try_from(length).ok() != Some(data.len()) {
        return Err(glb(format!(
            "the header declares a length of {length} bytes but the data is {} bytes",
            data.len()
        )));
    }
    let (mut json, mut bin, mut at) = (None, None, 12usize);
    while at < data.len() {
        let (Some(len), Some(kind)) = (word(at), word(at + 4)) else {
            return Err(glb(format!("truncated chunk header at byte {at}")));
        };
        let body = usize::try_from(len)
            .ok()
            .and_then(|len| data.get(at + 8..(at + 8).checked_add(len)?))
            .ok_or_else(|| {
                glb(format!(
                    "the chunk at byte {at} declares {len} bytes, more than the {} left",
                    data.len().saturating_sub(at + 8)
                ))
            })?;
        match kind {
            GLB_JSON if json.is_none() => json = Some(body),
            GLB_BIN if json.is_some() && bin.is_none() => bin = Some(body),
            GLB_JSON | GLB_BIN => {
                return Err(glb(format!("unexpected or repeated chunk at byte {at}")));
            }
            // The specification says chunks of unknown types must be ignored.
            _ => {}
        }
        at += 8 + body.len();
    }
    let json: &[u8] = json.ok_or_else(|| glb("no JSON chunk".into()))?;
    // The padding should be spaces, but some writers pad with zeros, which JSON parsers reject.
    let padding = json.iter().rev().take_while(|&&b| b == 0).count();
    Ok((json.get(..json.len() - padding).unwrap_or(json), bin))
}

/// Version and extension checks, done on the raw JSON so that a file needing an extension we
/// lack is refused with that name rather than with whatever the typed parser stumbles on.
pub(super) fn check_header(value: &Value, out: &mut Output) -> Result<(), SceneError> {
    if !value.is_object() {
        return Err(SceneError::Invalid("JSON: the top level is not an object".into()));
    }
    let asset = value.get("asset");
    if let Some(version) = asset.and_then(|a| a.get("version")).and_then(Value::as_str)
        && version.split('.').next() != Some("2")
    {
        return Err(SceneError::Invalid(format!(
            "asset.version {version:?}: only glTF 2.x is supported"
        )));
    }
    if let Some(min) = asset.and_then(|a| a.get("minVersion")).and_then(Value::as_str)
        && min != "2.0"
    {
        return Err(SceneError::Invalid(format!("the file requires glTF {min}")));
    }
    let names = |key: &str| -> Vec<String> {
        value
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let supported = |name: &String| SUPPORTED_EXTENSIONS.contains(&name.as_str());
    if let Some(name) = names("extensionsRequired").into_iter().find(|n| !supported(n)) {
        return Err(SceneError::UnsupportedRequiredExtension(name));
    }
    for name in names("extensionsUsed").into_iter().filter(|n| !supported(n)) {
        out.warn(format!("extension {name} is not supported; what uses it is ignored"));
    }
    Ok(())
}

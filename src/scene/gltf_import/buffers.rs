//! Every buffer's bytes: the GLB binary chunk, a base64 data URI or an external file (its
//! percent-encoded URI resolved against the base directory), each cut to its byteLength.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use gltf::json;

use crate::scene::SceneError;

use super::accessors::to_usize;

/// Exporters disagree about base64 padding; accept it either way.
pub(super) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Every buffer's bytes, exactly `byteLength` of them (GLB padding is not readable).
pub(super) fn load_buffers<'a>(
    root: &json::Root,
    bin: Option<&'a [u8]>,
    base_dir: Option<&Path>,
) -> Result<Vec<Cow<'a, [u8]>>, SceneError> {
    let mut buffers = Vec::with_capacity(root.buffers.len());
    for (index, buffer) in root.buffers.iter().enumerate() {
        let err = |reason: String| SceneError::Buffer { index, uri: buffer.uri.clone(), reason };
        let declared = to_usize(buffer.byte_length.0);
        let data = match (&buffer.uri, bin) {
            (Some(uri), _) => {
                Cow::Owned(read_uri(uri, base_dir, buffer.byte_length.0).map_err(err)?)
            }
            (None, Some(bin)) if index == 0 => Cow::Borrowed(bin),
            (None, _) => {
                return Err(err(if index == 0 {
                    "has no uri and there is no GLB binary chunk".into()
                } else {
                    "has no uri (only the first buffer of a GLB may omit it)".into()
                }));
            }
        };
        if data.len() < declared {
            return Err(err(format!(
                "holds {} bytes but its byteLength is {declared}",
                data.len()
            )));
        }
        buffers.push(match data {
            Cow::Borrowed(b) => Cow::Borrowed(b.get(..declared).unwrap_or(b)),
            Cow::Owned(mut b) => {
                b.truncate(declared);
                Cow::Owned(b)
            }
        });
    }
    Ok(buffers)
}

/// The bytes a URI names: a base64 data URI, or a file relative to `base_dir` read up to
/// `limit` bytes. Errors are readable reasons naming the URI or the file.
pub(super) fn read_uri(uri: &str, base_dir: Option<&Path>, limit: u64) -> Result<Vec<u8>, String> {
    if let Some(rest) = uri.strip_prefix("data:") {
        let Some((header, payload)) = rest.split_once(',') else {
            return Err("malformed data URI (no comma)".into());
        };
        if !header.ends_with(";base64") {
            return Err(format!("data URI \"data:{header},...\" is not base64-encoded"));
        }
        return BASE64
            .decode(payload.trim())
            .map_err(|e| format!("invalid base64 in data URI: {e}"));
    }
    if has_scheme(uri) {
        return Err(format!("{uri:?}: only relative paths and data URIs are supported"));
    }
    let relative = percent_decode(uri)
        .ok_or_else(|| format!("{uri:?} is not a valid percent-encoded UTF-8 path"))?;
    let Some(base) = base_dir else {
        return Err(format!(
            "external file {uri:?} cannot be resolved: the glTF was loaded from memory without a \
             base directory"
        ));
    };
    let path = base.join(relative);
    let file = std::fs::File::open(&path)
        .map_err(|e| format!("cannot read {:?} ({}): {e}", uri, path.display()))?;
    // A device or a folder would read forever or fail oddly.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(format!("{uri:?} ({}) is not a regular file", path.display()));
    }
    let mut data = Vec::new();
    file.take(limit)
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot read {:?} ({}): {e}", uri, path.display()))?;
    Ok(data)
}

/// A URI scheme has two or more characters, so `C:` stays a Windows drive letter.
fn has_scheme(uri: &str) -> bool {
    uri.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// `%XX` escapes decoded (glTF URIs are percent-encoded, e.g. spaces as `%20`).
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

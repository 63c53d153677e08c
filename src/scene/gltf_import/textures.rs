//! Images, samplers and texture references: a glTF image decoded into a scene image on first
//! use (PNG or JPEG, size-checked from its header), a sampler's filters and wrapping, and a
//! material's texture slot with KHR_texture_transform.

use std::borrow::Cow;
use std::io::Cursor;

use glam::Vec2;
use gltf::json::validation::Checked;
use gltf::json::{self, Value};

use crate::scene::{Filter, Image, Sampler, SceneError, TextureRef, UvTransform, Wrap};

use super::buffers::read_uri;
use super::document::Doc;
use super::output::Output;

/// Largest external image file read.
const MAX_IMAGE_FILE: u64 = 1 << 30;

/// Widest and tallest image accepted, in pixels: wgpu's default `max_texture_dimension_2d`.
/// Checked from the image header before any pixel memory is allocated, so a few bytes that
/// claim a huge image cost nothing.
pub const MAX_IMAGE_DIMENSION: u32 = 8192;

impl Doc<'_> {
    /// The scene image for glTF image `index`, decoding it on first use; `None` (warned once)
    /// when it cannot be read, so textures using it count as absent.
    fn image(&self, index: usize, out: &mut Output) -> Option<usize> {
        match out.image_slots.get(index) {
            Some(Some(done)) => return *done,
            Some(None) => {}
            None => return None,
        }
        let slot = match self.decode_image(index) {
            Ok(image) => {
                out.scene.images.push(image);
                Some(out.scene.images.len() - 1)
            }
            Err(e) => {
                out.warn(format!("{e}; textures using it are ignored"));
                None
            }
        };
        if let Some(s) = out.image_slots.get_mut(index) {
            *s = Some(slot);
        }
        slot
    }

    fn decode_image(&self, index: usize) -> Result<Image, SceneError> {
        let json = self.root.images.get(index).ok_or_else(|| SceneError::Image {
            name: format!("image {index}"),
            reason: "does not exist".into(),
        })?;
        let data_uri = json.uri.as_deref().and_then(|u| u.strip_prefix("data:"));
        let name = json
            .name
            .clone()
            .or_else(|| json.uri.clone().filter(|_| data_uri.is_none()))
            .unwrap_or_else(|| format!("image {index}"));
        let err = |reason: String| SceneError::Image { name: name.clone(), reason };
        let bytes: Cow<[u8]> = match (&json.buffer_view, &json.uri) {
            (Some(view), _) => {
                let range = self
                    .views
                    .get(view.value())
                    .ok_or_else(|| err(format!("buffer view {} does not exist", view.value())))?;
                let end = range.start.saturating_add(range.len);
                Cow::Borrowed(
                    self.bytes(range.buffer)
                        .get(range.start..end)
                        .ok_or_else(|| err("buffer view lies outside its buffer".into()))?,
                )
            }
            (None, Some(uri)) => {
                Cow::Owned(read_uri(uri, self.base_dir, MAX_IMAGE_FILE).map_err(err)?)
            }
            (None, None) => return Err(err("has neither a uri nor a bufferView".into())),
        };
        let declared = json
            .mime_type
            .as_ref()
            .map(|m| m.0.as_str())
            .or_else(|| data_uri.and_then(|d| d.split([';', ',']).next()));
        // Sniff first: files in the wild carry wrong mime types more often than wrong bytes.
        let format = image::guess_format(&bytes).ok().or(match declared {
            Some("image/png") => Some(image::ImageFormat::Png),
            Some("image/jpeg") => Some(image::ImageFormat::Jpeg),
            _ => None,
        });
        let format = match format {
            Some(f @ (image::ImageFormat::Png | image::ImageFormat::Jpeg)) => f,
            Some(other) => {
                return Err(err(format!("{other:?} images are not supported (PNG and JPEG only)")));
            }
            None => {
                return Err(err(format!(
                    "unrecognised image data ({}); only PNG and JPEG are supported",
                    declared.unwrap_or("no mimeType")
                )));
            }
        };
        let (width, height) = image::ImageReader::with_format(Cursor::new(&*bytes), format)
            .into_dimensions()
            .map_err(|e| err(format!("cannot decode: {e}")))?;
        if width > MAX_IMAGE_DIMENSION || height > MAX_IMAGE_DIMENSION {
            return Err(err(format!(
                "{width}x{height} pixels is larger than the {MAX_IMAGE_DIMENSION}x\
                 {MAX_IMAGE_DIMENSION} supported"
            )));
        }
        // The decoder's default limits cap what a hostile header can make us allocate.
        let decoded = image::ImageReader::with_format(Cursor::new(&*bytes), format)
            .decode()
            .map_err(|e| err(format!("cannot decode: {e}")))?;
        let rgba = decoded.into_rgba8();
        let (width, height) = rgba.dimensions();
        if width == 0 || height == 0 {
            return Err(err("the image is empty".into()));
        }
        Ok(Image { name, width, height, rgba8: rgba.into_raw() })
    }

    fn sampler(&self, index: Option<usize>) -> Sampler {
        use json::texture::{MagFilter, MinFilter, WrappingMode};
        // No sampler means "repeat and filter as you like"; trilinear is what looks right.
        let trilinear = Sampler { mipmap_filter: Some(Filter::Linear), ..Sampler::default() };
        let Some(s) = index.and_then(|i| self.root.samplers.get(i)) else { return trilinear };
        let mag_filter = match s.mag_filter {
            Some(Checked::Valid(MagFilter::Nearest)) => Filter::Nearest,
            _ => Filter::Linear,
        };
        let (min_filter, mipmap_filter) = match s.min_filter {
            Some(Checked::Valid(MinFilter::Nearest)) => (Filter::Nearest, None),
            Some(Checked::Valid(MinFilter::Linear)) => (Filter::Linear, None),
            Some(Checked::Valid(MinFilter::NearestMipmapNearest)) => {
                (Filter::Nearest, Some(Filter::Nearest))
            }
            Some(Checked::Valid(MinFilter::LinearMipmapNearest)) => {
                (Filter::Linear, Some(Filter::Nearest))
            }
            Some(Checked::Valid(MinFilter::NearestMipmapLinear)) => {
                (Filter::Nearest, Some(Filter::Linear))
            }
            _ => (Filter::Linear, Some(Filter::Linear)),
        };
        let wrap = |w: &Checked<WrappingMode>| match w {
            Checked::Valid(WrappingMode::ClampToEdge) => Wrap::ClampToEdge,
            Checked::Valid(WrappingMode::MirroredRepeat) => Wrap::MirroredRepeat,
            _ => Wrap::Repeat,
        };
        Sampler {
            mag_filter,
            min_filter,
            mipmap_filter,
            wrap_u: wrap(&s.wrap_s),
            wrap_v: wrap(&s.wrap_t),
        }
    }

    /// A material's texture slot from its JSON textureInfo (read raw, so that
    /// KHR_texture_transform works on all five slots alike).
    pub(super) fn texture_ref(
        &self,
        info: Option<&Value>,
        slot: &str,
        out: &mut Output,
    ) -> Option<TextureRef> {
        let info = info?;
        let texture_index = usize::try_from(info.get("index")?.as_u64()?).ok()?;
        let texture = self.root.textures.get(texture_index)?;
        let image = self.image(texture.source.value(), out)?;
        let sampler = self.sampler(texture.sampler.map(|s| s.value()));
        let mut tex_coord = info.get("texCoord").and_then(Value::as_u64).unwrap_or(0);
        let mut transform = UvTransform::default();
        if let Some(t) = info.get("extensions").and_then(|e| e.get("KHR_texture_transform")) {
            let pair = |key: &str, default: Vec2| match t.get(key).and_then(Value::as_array) {
                Some(a) => match a.as_slice() {
                    [x, y] => Vec2::new(
                        x.as_f64().unwrap_or(f64::NAN) as f32,
                        y.as_f64().unwrap_or(f64::NAN) as f32,
                    ),
                    _ => Vec2::NAN,
                },
                None => default,
            };
            let parsed = UvTransform {
                offset: pair("offset", Vec2::ZERO),
                rotation: t.get("rotation").map_or(0.0, |r| r.as_f64().unwrap_or(f64::NAN) as f32),
                scale: pair("scale", Vec2::ONE),
            };
            if parsed.offset.is_finite() && parsed.rotation.is_finite() && parsed.scale.is_finite()
            {
                transform = parsed;
            } else {
                out.warn(format!("{slot}: malformed KHR_texture_transform; ignored"));
            }
            if let Some(set) = t.get("texCoord").and_then(Value::as_u64) {
                tex_coord = set;
            }
        }
        if tex_coord > 1 {
            out.warn(format!(
                "{slot}: TEXCOORD_{tex_coord} is not supported (only 0 and 1); TEXCOORD_0 is used"
            ));
            tex_coord = 0;
        }
        Some(TextureRef { image, sampler, tex_coord: u32::from(tex_coord == 1), transform })
    }
}

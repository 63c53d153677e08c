//! Buffer views and accessor layouts, with every read they imply checked against the declared
//! buffer sizes before a byte is read (sparse substitution included), and the decoding of
//! one component as the specification says.

use gltf::json;
use gltf::json::accessor::{ComponentType, Type};
use gltf::json::validation::Checked;

use crate::scene::SceneError;

/// Most component values an accessor without a buffer view (zero-filled or sparse only) may
/// have: no real bytes bound its count, so it is capped before anything is allocated for it.
const MAX_VIRTUAL_VALUES: usize = 1 << 24;

/// Where an accessor's (or a sparse part's) elements are: `stride` bytes apart from `start`.
#[derive(Clone, Copy)]
pub(super) struct Location {
    pub(super) buffer: usize,
    pub(super) start: usize,
    pub(super) stride: usize,
}

/// A buffer view, checked to lie within its buffer's declared byteLength.
pub(super) struct ViewRange {
    pub(super) buffer: usize,
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) stride: Option<usize>,
}

/// Sparse substitution: `count` indices and values, each tightly packed.
pub(super) struct SparseLayout {
    pub(super) count: usize,
    pub(super) index_type: ComponentType,
    pub(super) indices: Location,
    pub(super) values: Location,
}

/// An accessor whose reads have all been checked to stay inside their buffer views.
pub(super) struct Layout {
    pub(super) count: usize,
    pub(super) ty: Type,
    pub(super) component: ComponentType,
    pub(super) normalized: bool,
    /// `None`: the elements start as zeros, as the specification says.
    pub(super) data: Option<Location>,
    pub(super) sparse: Option<SparseLayout>,
}

impl Layout {
    pub(super) fn components(&self) -> usize {
        match self.ty {
            Type::Scalar => 1,
            Type::Vec2 => 2,
            Type::Vec3 => 3,
            Type::Vec4 | Type::Mat2 => 4,
            Type::Mat3 => 9,
            Type::Mat4 => 16,
        }
    }

    /// Rows of a matrix type: its columns start on 4-byte boundaries, which pads small types.
    fn matrix_rows(&self) -> Option<usize> {
        match self.ty {
            Type::Mat2 => Some(2),
            Type::Mat3 => Some(3),
            Type::Mat4 => Some(4),
            _ => None,
        }
    }

    fn element_size(&self) -> usize {
        let size = component_size(self.component);
        match self.matrix_rows() {
            Some(rows) => rows * (rows * size).next_multiple_of(4),
            None => self.components() * size,
        }
    }

    pub(super) fn component_offset(&self, component: usize) -> usize {
        let size = component_size(self.component);
        match self.matrix_rows() {
            Some(rows) => {
                (component / rows) * (rows * size).next_multiple_of(4) + (component % rows) * size
            }
            None => component * size,
        }
    }
}

fn component_size(component: ComponentType) -> usize {
    match component {
        ComponentType::I8 | ComponentType::U8 => 1,
        ComponentType::I16 | ComponentType::U16 => 2,
        ComponentType::U32 | ComponentType::F32 => 4,
    }
}

pub(super) fn type_name(ty: Type) -> &'static str {
    match ty {
        Type::Scalar => "SCALAR",
        Type::Vec2 => "VEC2",
        Type::Vec3 => "VEC3",
        Type::Vec4 => "VEC4",
        Type::Mat2 => "MAT2",
        Type::Mat3 => "MAT3",
        Type::Mat4 => "MAT4",
    }
}

/// Sizes from the file saturate, so an absurd one fails the range checks instead of wrapping.
pub(super) fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// Every buffer view, checked against its buffer's declared byteLength (the real data is
/// checked against byteLength when buffers are loaded).
pub(super) fn view_ranges(root: &json::Root) -> Result<Vec<ViewRange>, SceneError> {
    let mut views = Vec::with_capacity(root.buffer_views.len());
    for (v, view) in root.buffer_views.iter().enumerate() {
        let index = view.buffer.value();
        let buffer = root.buffers.get(index).ok_or_else(|| {
            SceneError::Invalid(format!("buffer view {v}: buffer {index} does not exist"))
        })?;
        let declared = to_usize(buffer.byte_length.0);
        let start = to_usize(view.byte_offset.unwrap_or_default().0);
        let len = to_usize(view.byte_length.0);
        if start.checked_add(len).is_none_or(|end| end > declared) {
            return Err(SceneError::Buffer {
                index,
                uri: buffer.uri.clone(),
                reason: format!(
                    "buffer view {v} covers {len} bytes from offset {start}, beyond the buffer's \
                     byteLength {declared}"
                ),
            });
        }
        views.push(ViewRange { buffer: index, start, len, stride: view.byte_stride.map(|s| s.0) });
    }
    Ok(views)
}

/// Every accessor's layout, with every read it implies checked to stay inside its buffer view.
pub(super) fn accessor_layouts(
    root: &json::Root,
    views: &[ViewRange],
) -> Result<Vec<Layout>, SceneError> {
    let mut layouts = Vec::with_capacity(root.accessors.len());
    for (index, accessor) in root.accessors.iter().enumerate() {
        let err = |reason: String| SceneError::Accessor { index, reason };
        let (Checked::Valid(component), Checked::Valid(ty)) =
            (&accessor.component_type, &accessor.type_)
        else {
            return Err(err("invalid componentType or type".into()));
        };
        let mut layout = Layout {
            count: to_usize(accessor.count.0),
            ty: *ty,
            component: component.0,
            normalized: accessor.normalized,
            data: None,
            sparse: None,
        };
        let element_size = layout.element_size();
        let component_size = component_size(layout.component);
        if let Some(view_index) = accessor.buffer_view {
            let v = view_index.value();
            let view =
                views.get(v).ok_or_else(|| err(format!("buffer view {v} does not exist")))?;
            let offset = to_usize(accessor.byte_offset.unwrap_or_default().0);
            let stride = view.stride.unwrap_or(element_size);
            if stride < element_size {
                return Err(err(format!(
                    "byteStride {stride} of buffer view {v} is smaller than the element size \
                     {element_size}"
                )));
            }
            if stride % component_size != 0 {
                return Err(err(format!(
                    "byteStride {stride} of buffer view {v} is not a multiple of the component \
                     size {component_size}"
                )));
            }
            if layout.count > 0 {
                let needed = stride
                    .checked_mul(layout.count - 1)
                    .and_then(|n| n.checked_add(element_size))
                    .and_then(|n| n.checked_add(offset));
                if needed.is_none_or(|n| n > view.len) {
                    let needed =
                        needed.map_or_else(|| "more than addressable".into(), |n| n.to_string());
                    return Err(err(format!(
                        "{} elements of {element_size} bytes (stride {stride}) from byteOffset \
                         {offset} need {needed} bytes, but buffer view {v} has {}",
                        layout.count, view.len
                    )));
                }
            }
            let start = view.start.saturating_add(offset);
            layout.data = Some(Location { buffer: view.buffer, start, stride });
        } else if layout.count.saturating_mul(layout.components()) > MAX_VIRTUAL_VALUES {
            return Err(err(format!(
                "count {} without a buffer view is more than the {MAX_VIRTUAL_VALUES} values \
                 supported",
                layout.count
            )));
        }
        if let Some(sparse) = &accessor.sparse {
            layout.sparse = Some(sparse_layout(sparse, &layout, views).map_err(err)?);
        }
        layouts.push(layout);
    }
    Ok(layouts)
}

fn sparse_layout(
    sparse: &json::accessor::sparse::Sparse,
    layout: &Layout,
    views: &[ViewRange],
) -> Result<SparseLayout, String> {
    let count = to_usize(sparse.count.0);
    if count > layout.count {
        return Err(format!("sparse count {count} exceeds the accessor count {}", layout.count));
    }
    let index_type = match &sparse.indices.component_type {
        Checked::Valid(t)
            if matches!(t.0, ComponentType::U8 | ComponentType::U16 | ComponentType::U32) =>
        {
            t.0
        }
        _ => return Err("sparse indices must be unsigned integers".into()),
    };
    let place = |view: usize, offset: u64, element: usize, what: &str| {
        let range = views.get(view).ok_or_else(|| format!("buffer view {view} does not exist"))?;
        let offset = to_usize(offset);
        let needed = count.checked_mul(element).and_then(|n| n.checked_add(offset));
        if needed.is_none_or(|n| n > range.len) {
            return Err(format!(
                "sparse {what}: {count} elements of {element} bytes from byteOffset {offset} do \
                 not fit in buffer view {view} ({} bytes)",
                range.len
            ));
        }
        Ok(Location {
            buffer: range.buffer,
            start: range.start.saturating_add(offset),
            stride: element,
        })
    };
    Ok(SparseLayout {
        count,
        index_type,
        indices: place(
            sparse.indices.buffer_view.value(),
            sparse.indices.byte_offset.0,
            component_size(index_type),
            "indices",
        )?,
        values: place(
            sparse.values.buffer_view.value(),
            sparse.values.byte_offset.0,
            layout.element_size(),
            "values",
        )?,
    })
}

pub(super) fn read_component(data: &[u8], at: usize, component: ComponentType) -> Option<f64> {
    fn take<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
        data.get(at..at.checked_add(N)?)?.try_into().ok()
    }
    Some(match component {
        ComponentType::I8 => f64::from(i8::from_le_bytes(take(data, at)?)),
        ComponentType::U8 => f64::from(u8::from_le_bytes(take(data, at)?)),
        ComponentType::I16 => f64::from(i16::from_le_bytes(take(data, at)?)),
        ComponentType::U16 => f64::from(u16::from_le_bytes(take(data, at)?)),
        ComponentType::U32 => f64::from(u32::from_le_bytes(take(data, at)?)),
        ComponentType::F32 => f64::from(f32::from_le_bytes(take(data, at)?)),
    })
}

/// The specification's integer-to-float rules for normalized accessors.
pub(super) fn normalize(value: f64, component: ComponentType) -> f64 {
    match component {
        ComponentType::I8 => (value / 127.0).max(-1.0),
        ComponentType::U8 => value / 255.0,
        ComponentType::I16 => (value / 32767.0).max(-1.0),
        ComponentType::U16 => value / 65535.0,
        ComponentType::U32 => value / 4_294_967_295.0,
        ComponentType::F32 => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_normalized_values_clamp_at_minus_one() {
        assert_eq!(normalize(-128.0, ComponentType::I8), -1.0);
        assert_eq!(normalize(127.0, ComponentType::I8), 1.0);
        assert_eq!(normalize(-32768.0, ComponentType::I16), -1.0);
        assert_eq!(normalize(65535.0, ComponentType::U16), 1.0);
    }
}

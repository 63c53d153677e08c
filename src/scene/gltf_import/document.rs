//! The parsed file with its buffers loaded and its accessors checked (`Doc`), and the reading
//! of accessor data from it: raw components, normalized floats, vectors and indices, and the
//! check of declared min/max against the data.

use std::borrow::Cow;
use std::path::Path;

use gltf::json::accessor::{ComponentType, Type};
use gltf::json::{self, Value};

use crate::scene::SceneError;

use super::accessors::{Layout, ViewRange, normalize, read_component, type_name};
use super::output::Output;

/// The parsed file with its buffers loaded and its accessors checked.
pub(super) struct Doc<'a> {
    pub(super) root: json::Root,
    pub(super) value: Value,
    pub(super) buffers: Vec<Cow<'a, [u8]>>,
    pub(super) views: Vec<ViewRange>,
    pub(super) layouts: Vec<Layout>,
    pub(super) base_dir: Option<&'a Path>,
}

impl Doc<'_> {
    pub(super) fn bytes(&self, buffer: usize) -> &[u8] {
        self.buffers.get(buffer).map_or(&[], |b| b)
    }

    pub(super) fn layout(&self, index: usize) -> Result<&Layout, SceneError> {
        self.layouts
            .get(index)
            .ok_or_else(|| SceneError::Accessor { index, reason: "does not exist".into() })
    }

    /// Raw component values (not normalized), `count * components` of them, sparse
    /// substitution applied.
    fn read_raw(&self, index: usize) -> Result<Vec<f64>, SceneError> {
        let layout = self.layout(index)?;
        let err = |reason: &str| SceneError::Accessor { index, reason: reason.into() };
        let components = layout.components();
        let total = layout.count.checked_mul(components).ok_or_else(|| err("count overflows"))?;
        let mut out = vec![0.0; total];
        if let Some(location) = layout.data {
            let data = self.bytes(location.buffer);
            for (e, element) in out.chunks_exact_mut(components).enumerate() {
                let base =
                    e.checked_mul(location.stride).and_then(|o| o.checked_add(location.start));
                for (c, slot) in element.iter_mut().enumerate() {
                    *slot = base
                        .and_then(|b| b.checked_add(layout.component_offset(c)))
                        .and_then(|at| read_component(data, at, layout.component))
                        .ok_or_else(|| err("reads past the end of its buffer"))?;
                }
            }
        }
        if let Some(sparse) = &layout.sparse {
            let indices = self.bytes(sparse.indices.buffer);
            let values = self.bytes(sparse.values.buffer);
            for k in 0..sparse.count {
                let target = k
                    .checked_mul(sparse.indices.stride)
                    .and_then(|o| o.checked_add(sparse.indices.start))
                    .and_then(|at| read_component(indices, at, sparse.index_type))
                    .ok_or_else(|| err("sparse indices read past the end of their buffer"))?;
                let element = (target as usize)
                    .checked_mul(components)
                    .and_then(|s| out.get_mut(s..s.checked_add(components)?))
                    .ok_or_else(|| SceneError::Accessor {
                        index,
                        reason: format!(
                            "sparse index {target} is out of range (count {})",
                            layout.count
                        ),
                    })?;
                let base = k
                    .checked_mul(sparse.values.stride)
                    .and_then(|o| o.checked_add(sparse.values.start));
                for (c, slot) in element.iter_mut().enumerate() {
                    *slot = base
                        .and_then(|b| b.checked_add(layout.component_offset(c)))
                        .and_then(|at| read_component(values, at, layout.component))
                        .ok_or_else(|| err("sparse values read past the end of their buffer"))?;
                }
            }
        }
        Ok(out)
    }

    /// Floats with normalization applied, after checking the accessor is one of `types`.
    pub(super) fn read_floats(
        &self,
        index: usize,
        types: &[Type],
        what: &str,
    ) -> Result<Vec<f32>, SceneError> {
        let layout = self.layout(index)?;
        if !types.contains(&layout.ty) {
            let expected: Vec<&str> = types.iter().map(|t| type_name(*t)).collect();
            return Err(SceneError::Accessor {
                index,
                reason: format!(
                    "{what} must be {}, not {}",
                    expected.join(" or "),
                    type_name(layout.ty)
                ),
            });
        }
        let (normalized, component) = (layout.normalized, layout.component);
        let raw = self.read_raw(index)?;
        Ok(raw
            .into_iter()
            .map(|v| if normalized { normalize(v, component) } else { v } as f32)
            .collect())
    }

    pub(super) fn read_vectors<const N: usize>(
        &self,
        index: usize,
        ty: Type,
        what: &str,
    ) -> Result<Vec<[f32; N]>, SceneError> {
        let floats = self.read_floats(index, &[ty], what)?;
        Ok(floats.chunks_exact(N).map(|c| c.try_into().unwrap_or([0.0; N])).collect())
    }

    pub(super) fn read_indices(&self, index: usize) -> Result<Vec<u32>, SceneError> {
        let layout = self.layout(index)?;
        let unsigned =
            matches!(layout.component, ComponentType::U8 | ComponentType::U16 | ComponentType::U32);
        if layout.ty != Type::Scalar || !unsigned {
            return Err(SceneError::Accessor {
                index,
                reason: format!(
                    "indices must be unsigned integer SCALARs, not {} of {:?}",
                    type_name(layout.ty),
                    layout.component
                ),
            });
        }
        // Raw u32 values are exact in f64; the cast saturates, never panics.
        Ok(self.read_raw(index)?.into_iter().map(|v| v as u32).collect())
    }

    /// Declared min/max that disagree with the data are a warning: we compute bounds ourselves.
    pub(super) fn check_min_max(&self, out: &mut Output) -> Result<(), SceneError> {
        let numbers = |v: &Value| -> Option<Vec<f64>> {
            v.as_array()?.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>()
        };
        for (index, accessor) in self.root.accessors.iter().enumerate() {
            let (Some(min), Some(max)) = (accessor.min.as_ref(), accessor.max.as_ref()) else {
                continue;
            };
            let layout = self.layout(index)?;
            let components = layout.components();
            let (Some(min), Some(max)) = (numbers(min), numbers(max)) else {
                out.warn(format!("accessor {index}: min/max are not arrays of numbers; ignored"));
                continue;
            };
            if min.len() != components || max.len() != components {
                out.warn(format!(
                    "accessor {index}: min/max should have {components} values; ignored"
                ));
                continue;
            }
            if layout.count == 0 {
                continue;
            }
            let raw = self.read_raw(index)?;
            let mut lo = vec![f64::INFINITY; components];
            let mut hi = vec![f64::NEG_INFINITY; components];
            for element in raw.chunks_exact(components) {
                for ((l, h), v) in lo.iter_mut().zip(hi.iter_mut()).zip(element) {
                    *l = l.min(*v);
                    *h = h.max(*v);
                }
            }
            let close = |a: &f64, b: &f64| (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0);
            let matches = min.iter().zip(&lo).all(|(a, b)| close(a, b))
                && max.iter().zip(&hi).all(|(a, b)| close(a, b));
            if !matches {
                out.warn(format!(
                    "accessor {index}: declared min {min:?} / max {max:?} do not match the data \
                     (min {lo:?}, max {hi:?})"
                ));
            }
        }
        Ok(())
    }
}

//! glTF 2.0 import: `.gltf` (with external or data-URI resources) and `.glb` into a [`Scene`].
//!
//! Nothing in a file is trusted. The JSON is validated by the `gltf` crate; then every buffer
//! view and accessor is checked against the declared and the real buffer sizes before a byte is
//! read, the node graph is checked to be a forest, and counts are capped before allocating.
//! Structural errors are fatal and name what is wrong; harmless oddities (lines and points,
//! skins, unknown optional extensions, undecodable images) become `Scene::warnings`.
//!
//! The `gltf` crate's document wrappers unwrap internally, so this module reads its validated
//! JSON structures directly, with `get` everywhere.

use std::borrow::Cow;
use std::collections::HashMap;
use std::f32::consts::{FRAC_PI_2, FRAC_PI_4, PI};
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use glam::{Mat4, Quat, Vec2, Vec3, Vec4};
use gltf::json::accessor::{ComponentType, Type};
use gltf::json::mesh::{Mode, Semantic};
use gltf::json::validation::{Checked, Validate};
use gltf::json::{self, Value};

use super::tangents::{self, orthonormal_tangent};
use super::{
    Aabb, AlphaMode, CameraProjection, Filter, Image, Instance, Light, LightKind, Material, Mesh,
    Primitive, Sampler, Scene, SceneCamera, SceneError, TextureRef, UvTransform, Vertex, Wrap,
};

/// Extensions we implement; any other name in `extensionsRequired` refuses the file.
const SUPPORTED_EXTENSIONS: &[&str] = &[
    "KHR_lights_punctual",
    "KHR_materials_unlit",
    "KHR_texture_transform",
    "KHR_materials_emissive_strength",
    "KHR_mesh_quantization",
];

/// Most component values an accessor without a buffer view (zero-filled or sparse only) may
/// have: no real bytes bound its count, so it is capped before anything is allocated for it.
const MAX_VIRTUAL_VALUES: usize = 1 << 24;

/// Most vertices or triangle corners one primitive may have (72 bytes each: about 4.8 GB).
const MAX_VERTICES: usize = 1 << 26;

/// Largest external image file read.
const MAX_IMAGE_FILE: u64 = 1 << 30;

/// Widest and tallest image accepted, in pixels: wgpu's default `max_texture_dimension_2d`.
/// Checked from the image header before any pixel memory is allocated, so a few bytes that
/// claim a huge image cost nothing.
pub const MAX_IMAGE_DIMENSION: u32 = 8192;

const GLB_JSON: u32 = 0x4E4F_534A;
const GLB_BIN: u32 = 0x004E_4942;

/// Exporters disagree about base64 padding; accept it either way.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Load a `.gltf` or `.glb` file; relative URIs resolve against its folder.
pub fn load(path: &Path) -> Result<Scene, SceneError> {
    let bytes =
        std::fs::read(path).map_err(|source| SceneError::Io { path: path.into(), source })?;
    load_from_slice(&bytes, path.parent())
}

/// Load glTF JSON or GLB bytes; relative URIs resolve against `base_dir`, and with `None` any
/// external file is an error that names it.
pub fn load_from_slice(bytes: &[u8], base_dir: Option<&Path>) -> Result<Scene, SceneError> {
    // Last line of defence: the importer is written not to panic on any input, but a bug here or
    // in a decoder must not take the application down with it.
    catch_unwind(AssertUnwindSafe(|| import(bytes, base_dir))).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(SceneError::Invalid(format!("internal error: {what}")))
    })
}

fn import(bytes: &[u8], base_dir: Option<&Path>) -> Result<Scene, SceneError> {
    let mut out = Output::default();
    let (json_bytes, bin) = split_container(bytes, &mut out)?;
    // The raw JSON keeps what gltf-json drops without its `extensions` feature (texture
    // transforms on normal and occlusion textures) and lets us check extensions before typed
    // parsing can trip over them.
    let value: Value = json::deserialize::from_slice(json_bytes)
        .map_err(|e| SceneError::Invalid(format!("JSON: {e}")))?;
    check_header(&value, &mut out)?;
    let root: json::Root = json::deserialize::from_slice(json_bytes)
        .map_err(|e| SceneError::Invalid(e.to_string()))?;
    validate(&root, &mut out)?;
    let parents = check_hierarchy(&root)?;
    let views = view_ranges(&root)?;
    let layouts = accessor_layouts(&root, &views)?;
    let buffers = load_buffers(&root, bin, base_dir)?;
    let doc = Doc { root, value, buffers, views, layouts, base_dir };
    doc.check_min_max(&mut out)?;

    out.image_slots = vec![None; doc.root.images.len()];
    for index in 0..doc.root.materials.len() {
        let material = doc.material(index, &mut out);
        out.scene.materials.push(material);
    }
    for index in 0..doc.root.meshes.len() {
        let mesh = doc.mesh(index, &mut out)?;
        out.scene.meshes.push(mesh);
    }
    doc.traverse(&parents, &mut out);
    drop_unbounded_instances(&mut out);
    doc.note_ignored_features(&mut out);
    if out.scene.instances.is_empty() {
        out.warn("nothing to draw: no node of the scene has a mesh".into());
    }
    out.scene.update_bounds();
    Ok(out.scene)
}

/// Drop, with a warning naming the node, every instance whose world-space bounds leave the f32
/// range: a finite but huge transform on large positions (found by fuzzing). Camera framing,
/// shadow fitting and the depth range all need finite scene bounds.
fn drop_unbounded_instances(out: &mut Output) {
    let Scene { meshes, instances, .. } = &mut out.scene;
    let mut dropped = Vec::new();
    instances.retain(|instance| {
        let finite = meshes.get(instance.mesh).is_none_or(|mesh| {
            mesh.primitives.iter().all(|p| {
                let b = p.bounds.transformed(&instance.transform);
                b.is_empty() || (b.min.is_finite() && b.max.is_finite())
            })
        });
        if !finite {
            dropped.push(format!(
                "node `{}`: its transform puts the mesh beyond the f32 range; skipped",
                instance.node
            ));
        }
        finite
    });
    for warning in dropped {
        out.warn(warning);
    }
}

/// The scene being built, and which glTF images became which `Scene::images`.
#[derive(Default)]
struct Output {
    scene: Scene,
    /// Per glTF image: `None` before it is first used, then its scene image (or `None` when it
    /// could not be decoded, so the warning is given once).
    image_slots: Vec<Option<Option<usize>>>,
}

impl Output {
    fn warn(&mut self, message: String) {
        log::warn!("{message}");
        self.scene.warnings.push(message);
    }
}

/// Where an accessor's (or a sparse part's) elements are: `stride` bytes apart from `start`.
#[derive(Clone, Copy)]
struct Location {
    buffer: usize,
    start: usize,
    stride: usize,
}

/// A buffer view, checked to lie within its buffer's declared byteLength.
struct ViewRange {
    buffer: usize,
    start: usize,
    len: usize,
    stride: Option<usize>,
}

/// Sparse substitution: `count` indices and values, each tightly packed.
struct SparseLayout {
    count: usize,
    index_type: ComponentType,
    indices: Location,
    values: Location,
}

/// An accessor whose reads have all been checked to stay inside their buffer views.
struct Layout {
    count: usize,
    ty: Type,
    component: ComponentType,
    normalized: bool,
    /// `None`: the elements start as zeros, as the specification says.
    data: Option<Location>,
    sparse: Option<SparseLayout>,
}

impl Layout {
    fn components(&self) -> usize {
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

    fn component_offset(&self, component: usize) -> usize {
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

fn type_name(ty: Type) -> &'static str {
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
fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// The JSON text and the GLB binary chunk, if any.
fn split_container<'a>(
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
fn check_header(value: &Value, out: &mut Output) -> Result<(), SceneError> {
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

/// gltf-json validation (references, enums, required fields), minus what we handle ourselves.
fn validate(root: &json::Root, out: &mut Output) -> Result<(), SceneError> {
    // gltf-json's POSITION check indexes the accessor array without a bounds check.
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, primitive) in mesh.primitives.iter().enumerate() {
            if let Some(index) = primitive.attributes.get(&Checked::Valid(Semantic::Positions))
                && index.value() >= root.accessors.len()
            {
                return Err(SceneError::Invalid(format!(
                    "meshes[{m}].primitives[{p}].attributes[\"POSITION\"]: accessor {} does \
                         not exist",
                    index.value()
                )));
            }
        }
    }
    let mut reports = Vec::new();
    root.validate(root, json::Path::new, &mut |path, error| {
        reports.push((path().as_str().to_owned(), error));
    });
    let mut fatal = Vec::new();
    for (path, error) in reports {
        use json::validation::Error as E;
        match error {
            // Checked against our own list in `check_header`.
            E::Unsupported if path.starts_with("extensionsRequired") => {}
            // The specification allows accessors without a buffer view: they read as zeros.
            E::Missing if path.starts_with("accessors[") && path.ends_with("].bufferView") => {}
            // A primitive without POSITION is skipped with a warning when meshes are read.
            E::Missing if path.ends_with(".attributes[\"POSITION\"]") => {}
            // Bounds are computed from the data, so wrong or missing ones do no harm.
            E::Missing | E::Invalid
                if path.ends_with("[\"POSITION\"].min") || path.ends_with("[\"POSITION\"].max") =>
            {
                out.warn(format!("{path}: missing or malformed; bounds come from the data"));
            }
            E::Invalid if path.ends_with("[\"<invalid semantic name>\"]") => {
                let primitive = path.split(".attributes").next().unwrap_or(&path);
                out.warn(format!("{primitive}: attribute names glTF does not define are ignored"));
            }
            _ => fatal.push(format!("{path}: {error}")),
        }
    }
    if fatal.is_empty() {
        return Ok(());
    }
    let more = fatal.len().saturating_sub(8);
    fatal.truncate(8);
    let mut message = fatal.join("; ");
    if more > 0 {
        message.push_str(&format!(" (and {more} more)"));
    }
    Err(SceneError::Invalid(message))
}

fn node_label(root: &json::Root, index: usize) -> String {
    match root.nodes.get(index).and_then(|n| n.name.as_deref()) {
        Some(name) => format!("node {index} ({name:?})"),
        None => format!("node {index}"),
    }
}

/// Each node's parent, after checking that the nodes form a forest: no node with two parents
/// and no loops. Iterative, so a deep or cyclic hierarchy cannot overflow the stack.
fn check_hierarchy(root: &json::Root) -> Result<Vec<Option<usize>>, SceneError> {
    let label = |i: usize| node_label(root, i);
    let mut parents: Vec<Option<usize>> = vec![None; root.nodes.len()];
    for (parent, node) in root.nodes.iter().enumerate() {
        for child in node.children.iter().flatten() {
            let c = child.value();
            let Some(slot) = parents.get_mut(c) else {
                return Err(SceneError::NodeHierarchy(format!(
                    "{} has child {c}, which does not exist",
                    label(parent)
                )));
            };
            if c == parent {
                return Err(SceneError::NodeHierarchy(format!("{} is its own child", label(c))));
            }
            if let Some(first) = *slot {
                return Err(SceneError::NodeHierarchy(if first == parent {
                    format!("{} lists {} twice as a child", label(parent), label(c))
                } else {
                    format!("{} has two parents: {} and {}", label(c), label(first), label(parent))
                }));
            }
            *slot = Some(parent);
        }
    }
    // With at most one parent each, a loop is a cycle in some node's chain of parents.
    #[derive(Clone, Copy, PartialEq)]
    enum Seen {
        New,
        OnChain,
        ReachesRoot,
    }
    let mut seen = vec![Seen::New; parents.len()];
    for start in 0..parents.len() {
        let mut chain = Vec::new();
        let mut current = Some(start);
        while let Some(n) = current {
            match seen.get(n).copied() {
                Some(Seen::New) => {
                    if let Some(s) = seen.get_mut(n) {
                        *s = Seen::OnChain;
                    }
                    chain.push(n);
                    current = parents.get(n).copied().flatten();
                }
                Some(Seen::OnChain) => {
                    let from = chain.iter().position(|&x| x == n).unwrap_or(0);
                    // The chain runs child to parent; print it parent to child.
                    let mut names: Vec<String> =
                        chain.get(from..).unwrap_or(&[]).iter().rev().map(|&x| label(x)).collect();
                    if let Some(first) = names.first().cloned() {
                        names.push(first);
                    }
                    return Err(SceneError::NodeHierarchy(format!(
                        "node loop: {} (each is the parent of the next)",
                        names.join(" -> ")
                    )));
                }
                _ => break,
            }
        }
        for n in chain {
            if let Some(s) = seen.get_mut(n) {
                *s = Seen::ReachesRoot;
            }
        }
    }
    Ok(parents)
}

/// Every buffer view, checked against its buffer's declared byteLength (the real data is
/// checked against byteLength when buffers are loaded).
fn view_ranges(root: &json::Root) -> Result<Vec<ViewRange>, SceneError> {
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
fn accessor_layouts(root: &json::Root, views: &[ViewRange]) -> Result<Vec<Layout>, SceneError> {
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

/// Every buffer's bytes, exactly `byteLength` of them (GLB padding is not readable).
fn load_buffers<'a>(
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
fn read_uri(uri: &str, base_dir: Option<&Path>, limit: u64) -> Result<Vec<u8>, String> {
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

fn read_component(data: &[u8], at: usize, component: ComponentType) -> Option<f64> {
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
fn normalize(value: f64, component: ComponentType) -> f64 {
    match component {
        ComponentType::I8 => (value / 127.0).max(-1.0),
        ComponentType::U8 => value / 255.0,
        ComponentType::I16 => (value / 32767.0).max(-1.0),
        ComponentType::U16 => value / 65535.0,
        ComponentType::U32 => value / 4_294_967_295.0,
        ComponentType::F32 => value,
    }
}

/// `value` clamped to `lo..=hi` (non-finite: `default`), with a warning naming `what` when it
/// had to change.
fn factor(out: &mut Output, what: &str, value: f32, lo: f32, hi: f32, default: f32) -> f32 {
    let fixed = if value.is_finite() { value.clamp(lo, hi) } else { default };
    if fixed != value {
        out.warn(format!("{what}: {value} is not in {lo}..={hi}; {fixed} is used"));
    }
    fixed
}

/// Non-finite components become `fallback`; `replaced` counts them for one warning.
fn finite_or<const N: usize>(v: [f32; N], fallback: f32, replaced: &mut usize) -> [f32; N] {
    v.map(|x| {
        if x.is_finite() {
            x
        } else {
            *replaced += 1;
            fallback
        }
    })
}

/// The parsed file with its buffers loaded and its accessors checked.
struct Doc<'a> {
    root: json::Root,
    value: Value,
    buffers: Vec<Cow<'a, [u8]>>,
    views: Vec<ViewRange>,
    layouts: Vec<Layout>,
    base_dir: Option<&'a Path>,
}

impl Doc<'_> {
    fn bytes(&self, buffer: usize) -> &[u8] {
        self.buffers.get(buffer).map_or(&[], |b| b)
    }

    fn layout(&self, index: usize) -> Result<&Layout, SceneError> {
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
    fn read_floats(
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

    fn read_vectors<const N: usize>(
        &self,
        index: usize,
        ty: Type,
        what: &str,
    ) -> Result<Vec<[f32; N]>, SceneError> {
        let floats = self.read_floats(index, &[ty], what)?;
        Ok(floats.chunks_exact(N).map(|c| c.try_into().unwrap_or([0.0; N])).collect())
    }

    fn read_indices(&self, index: usize) -> Result<Vec<u32>, SceneError> {
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
    fn check_min_max(&self, out: &mut Output) -> Result<(), SceneError> {
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
    fn texture_ref(
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

    fn material(&self, index: usize, out: &mut Output) -> Material {
        let Some(m) = self.root.materials.get(index) else { return Material::default() };
        let name = m.name.clone().unwrap_or_else(|| format!("material {index}"));
        let here = |what: &str| format!("material {name:?} {what}");
        let raw = self.value.get("materials").and_then(|v| v.get(index));
        let pbr_raw = raw.and_then(|r| r.get("pbrMetallicRoughness"));
        let pbr = &m.pbr_metallic_roughness;

        let base = Vec4::from_array(pbr.base_color_factor.0);
        let base_color_factor = if base.is_finite() {
            let clamped = base.clamp(Vec4::ZERO, Vec4::ONE);
            if clamped != base {
                out.warn(format!("{}: {base} is outside 0..=1; clamped", here("baseColorFactor")));
            }
            clamped
        } else {
            out.warn(format!("{}: not finite; white is used", here("baseColorFactor")));
            Vec4::ONE
        };
        let metallic_factor =
            factor(out, &here("metallicFactor"), pbr.metallic_factor.0, 0.0, 1.0, 1.0);
        let roughness_factor =
            factor(out, &here("roughnessFactor"), pbr.roughness_factor.0, 0.0, 1.0, 1.0);
        let strength = m
            .extensions
            .as_ref()
            .and_then(|e| e.emissive_strength.as_ref())
            .map_or(1.0, |s| s.emissive_strength.0);
        let strength = factor(out, &here("emissiveStrength"), strength, 0.0, f32::INFINITY, 1.0);
        let emissive = Vec3::from_array(m.emissive_factor.0);
        let emissive_factor = if emissive.is_finite() && emissive.min_element() >= 0.0 {
            emissive * strength
        } else {
            out.warn(format!("{}: {emissive} is invalid; black is used", here("emissiveFactor")));
            Vec3::ZERO
        };
        let normal_scale = m.normal_texture.as_ref().map_or(1.0, |t| t.scale);
        let normal_scale = factor(
            out,
            &here("normalTexture.scale"),
            normal_scale,
            f32::NEG_INFINITY,
            f32::INFINITY,
            1.0,
        );
        let occlusion_strength = m.occlusion_texture.as_ref().map_or(1.0, |t| t.strength.0);
        let occlusion_strength =
            factor(out, &here("occlusionTexture.strength"), occlusion_strength, 0.0, 1.0, 1.0);
        let alpha_mode = match m.alpha_mode {
            Checked::Valid(json::material::AlphaMode::Mask) => AlphaMode::Mask,
            Checked::Valid(json::material::AlphaMode::Blend) => AlphaMode::Blend,
            _ => AlphaMode::Opaque,
        };
        let alpha_cutoff = m.alpha_cutoff.map_or(0.5, |c| c.0);
        let alpha_cutoff = factor(out, &here("alphaCutoff"), alpha_cutoff, 0.0, f32::INFINITY, 0.5);

        Material {
            name: name.clone(),
            base_color_factor,
            metallic_factor,
            roughness_factor,
            emissive_factor,
            normal_scale,
            occlusion_strength,
            alpha_mode,
            alpha_cutoff,
            double_sided: m.double_sided,
            unlit: m.extensions.as_ref().is_some_and(|e| e.unlit.is_some()),
            base_color_texture: self.texture_ref(
                pbr_raw.and_then(|v| v.get("baseColorTexture")),
                &here("baseColorTexture"),
                out,
            ),
            metallic_roughness_texture: self.texture_ref(
                pbr_raw.and_then(|v| v.get("metallicRoughnessTexture")),
                &here("metallicRoughnessTexture"),
                out,
            ),
            normal_texture: self.texture_ref(
                raw.and_then(|v| v.get("normalTexture")),
                &here("normalTexture"),
                out,
            ),
            occlusion_texture: self.texture_ref(
                raw.and_then(|v| v.get("occlusionTexture")),
                &here("occlusionTexture"),
                out,
            ),
            emissive_texture: self.texture_ref(
                raw.and_then(|v| v.get("emissiveTexture")),
                &here("emissiveTexture"),
                out,
            ),
        }
    }

    fn mesh(&self, index: usize, out: &mut Output) -> Result<Mesh, SceneError> {
        let Some(mesh) = self.root.meshes.get(index) else { return Ok(Mesh::default()) };
        let name = mesh.name.clone().unwrap_or_else(|| format!("mesh {index}"));
        let mut primitives = Vec::new();
        for (p, primitive) in mesh.primitives.iter().enumerate() {
            if let Some(primitive) = self.primitive(&name, p, primitive, out)? {
                primitives.push(primitive);
            }
        }
        Ok(Mesh { name, primitives })
    }

    fn primitive(
        &self,
        mesh: &str,
        p: usize,
        primitive: &json::mesh::Primitive,
        out: &mut Output,
    ) -> Result<Option<Primitive>, SceneError> {
        let error =
            |reason: String| SceneError::Primitive { mesh: mesh.to_owned(), primitive: p, reason };
        let here = format!("mesh {mesh:?} primitive {p}");
        let Checked::Valid(mode) = primitive.mode else {
            return Err(error("invalid mode".into()));
        };
        if !matches!(mode, Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan) {
            out.warn(format!(
                "{here}: {mode:?} primitives are not drawn (only triangles); skipped"
            ));
            return Ok(None);
        }
        let attribute =
            |s: Semantic| primitive.attributes.get(&Checked::Valid(s)).map(|i| i.value());
        let Some(position_accessor) = attribute(Semantic::Positions) else {
            out.warn(format!("{here}: no POSITION attribute; skipped"));
            return Ok(None);
        };
        let vertex_count = self.layout(position_accessor)?.count;
        for (semantic, accessor) in &primitive.attributes {
            let count = self.layout(accessor.value())?.count;
            if count != vertex_count {
                let name = match semantic {
                    Checked::Valid(s) => s.to_string(),
                    Checked::Invalid => "(unnamed)".into(),
                };
                return Err(error(format!(
                    "attribute {name} (accessor {}) has {count} elements but POSITION has \
                     {vertex_count}",
                    accessor.value()
                )));
            }
        }
        if vertex_count > MAX_VERTICES {
            return Err(error(format!(
                "{vertex_count} vertices is more than the {MAX_VERTICES} supported"
            )));
        }

        let positions = self.read_vectors::<3>(position_accessor, Type::Vec3, "POSITION")?;
        let normals = attribute(Semantic::Normals)
            .map(|i| self.read_vectors::<3>(i, Type::Vec3, "NORMAL"))
            .transpose()?;
        let tangents = attribute(Semantic::Tangents)
            .map(|i| self.read_vectors::<4>(i, Type::Vec4, "TANGENT"))
            .transpose()?;
        let uv0 = attribute(Semantic::TexCoords(0))
            .map(|i| self.read_vectors::<2>(i, Type::Vec2, "TEXCOORD_0"))
            .transpose()?;
        let uv1 = attribute(Semantic::TexCoords(1))
            .map(|i| self.read_vectors::<2>(i, Type::Vec2, "TEXCOORD_1"))
            .transpose()?;
        let colors = attribute(Semantic::Colors(0))
            .map(|i| -> Result<Vec<[f32; 4]>, SceneError> {
                let floats = self.read_floats(i, &[Type::Vec3, Type::Vec4], "COLOR_0")?;
                let width = if self.layout(i)?.ty == Type::Vec3 { 3 } else { 4 };
                Ok(floats
                    .chunks_exact(width)
                    .map(|c| match *c {
                        [r, g, b] => [r, g, b, 1.0],
                        [r, g, b, a] => [r, g, b, a],
                        _ => [1.0; 4],
                    })
                    .collect())
            })
            .transpose()?;

        let indices = match primitive.indices {
            Some(accessor) => self.read_indices(accessor.value())?,
            None => (0..vertex_count as u32).collect(),
        };
        if let Some((k, bad)) =
            indices.iter().enumerate().find(|(_, i)| **i as usize >= vertex_count)
        {
            return Err(error(format!(
                "index {bad} at position {k} is out of range ({vertex_count} vertices)"
            )));
        }
        if mode == Mode::Triangles && indices.len() % 3 != 0 {
            out.warn(format!(
                "{here}: {} indices is not a multiple of 3; the last {} are ignored",
                indices.len(),
                indices.len() % 3
            ));
        }
        let triangles = triangle_list(mode, &indices);
        if triangles.is_empty() {
            out.warn(format!("{here}: no triangles; skipped"));
            return Ok(None);
        }
        if triangles.len() > MAX_VERTICES {
            return Err(error(format!(
                "{} triangle corners is more than the {MAX_VERTICES} supported",
                triangles.len()
            )));
        }

        let mut replaced = 0;
        let mut vertices: Vec<Vertex> = (0..vertex_count)
            .map(|i| {
                let get2 = |a: &Option<Vec<[f32; 2]>>| a.as_ref().and_then(|a| a.get(i)).copied();
                let uv0 = finite_or(get2(&uv0).unwrap_or_default(), 0.0, &mut replaced);
                Vertex {
                    position: finite_or(
                        positions.get(i).copied().unwrap_or_default(),
                        0.0,
                        &mut replaced,
                    ),
                    normal: normals.as_ref().and_then(|n| n.get(i)).copied().unwrap_or_default(),
                    tangent: tangents.as_ref().and_then(|t| t.get(i)).copied().unwrap_or_default(),
                    uv0,
                    uv1: finite_or(get2(&uv1).unwrap_or(uv0), 0.0, &mut replaced),
                    color: finite_or(
                        colors.as_ref().and_then(|c| c.get(i)).copied().unwrap_or([1.0; 4]),
                        1.0,
                        &mut replaced,
                    ),
                }
            })
            .collect();
        if replaced > 0 {
            out.warn(format!("{here}: {replaced} non-finite attribute values replaced"));
        }

        let material = primitive.material.map(|m| m.value());
        let normal_map = material
            .and_then(|m| out.scene.materials.get(m))
            .and_then(|m| m.normal_texture)
            .map(|t| (t.tex_coord, t.transform));
        if normals.is_some() {
            fix_normals(&mut vertices, &triangles);
        }
        // Flat normals and MikkTSpace both give each triangle corner its own values, so those
        // paths work on unwelded corners and weld identical vertices afterwards.
        let unweld = normals.is_none() || (tangents.is_none() && normal_map.is_some());
        if unweld {
            vertices =
                triangles.iter().filter_map(|&i| vertices.get(i as usize).copied()).collect();
        }
        if normals.is_none() {
            for triangle in vertices.chunks_exact_mut(3) {
                let n = match &*triangle {
                    [a, b, c] => face_normal(a, b, c).normalize_or(Vec3::Z),
                    _ => Vec3::Z,
                };
                for v in triangle.iter_mut() {
                    v.normal = n.to_array();
                }
            }
        }
        match (tangents.is_some(), normal_map) {
            (true, _) => {
                for v in &mut vertices {
                    let t = Vec4::from(v.tangent);
                    v.tangent =
                        orthonormal_tangent(t.truncate(), Vec3::from(v.normal), t.w).to_array();
                }
            }
            (false, Some((set, transform))) => tangents::generate(&mut vertices, set, transform),
            (false, None) => arbitrary_tangents(&mut vertices),
        }
        let (vertices, indices) = if unweld { weld(vertices) } else { (vertices, triangles) };

        let mut bounds = Aabb::empty();
        for v in &vertices {
            bounds.extend(Vec3::from(v.position));
        }
        Ok(Some(Primitive { vertices, indices, material, bounds }))
    }

    /// Walks the scene's node trees with an explicit stack, placing meshes, cameras and lights.
    fn traverse(&self, parents: &[Option<usize>], out: &mut Output) {
        let scene = self.root.scene.map(|s| s.value());
        let scene = scene.or(if self.root.scenes.is_empty() { None } else { Some(0) });
        let roots: Vec<usize> = match scene {
            Some(s) => self
                .root
                .scenes
                .get(s)
                .map(|s| s.nodes.iter().map(|n| n.value()).collect())
                .unwrap_or_default(),
            // No scenes at all: everything that is not somebody's child.
            None => (0..parents.len()).filter(|&n| parents.get(n) == Some(&None)).collect(),
        };
        let mut visited = vec![false; self.root.nodes.len()];
        let mut stack: Vec<(usize, Mat4)> =
            roots.iter().rev().map(|&n| (n, Mat4::IDENTITY)).collect();
        while let Some((n, parent)) = stack.pop() {
            let (Some(node), Some(seen)) = (self.root.nodes.get(n), visited.get_mut(n)) else {
                continue;
            };
            if *seen {
                let label = node_label(&self.root, n);
                out.warn(format!("{label} is listed more than once in the scene; drawn once"));
                continue;
            }
            *seen = true;
            let name = node.name.clone().unwrap_or_else(|| format!("node {n}"));
            let mut global = parent * local_transform(node);
            if !global.is_finite() {
                let label = node_label(&self.root, n);
                out.warn(format!("{label}: transform is not finite; its parent's is used"));
                global = parent;
            }
            if let Some(mesh) = node.mesh {
                out.scene.instances.push(Instance {
                    mesh: mesh.value(),
                    transform: global,
                    node: name.clone(),
                });
            }
            if let Some(camera) = node.camera {
                self.camera(camera.value(), &name, global, out);
            }
            if let Some(light) =
                node.extensions.as_ref().and_then(|e| e.khr_lights_punctual.as_ref())
            {
                self.light(light.light.value(), &name, global, out);
            }
            for child in node.children.iter().flatten().rev() {
                stack.push((child.value(), global));
            }
        }
    }

    fn camera(&self, index: usize, node: &str, transform: Mat4, out: &mut Output) {
        use json::camera::Type as T;
        let Some(camera) = self.root.cameras.get(index) else { return };
        let name = camera.name.clone().unwrap_or_else(|| node.to_owned());
        let projection = match (&camera.type_, &camera.perspective, &camera.orthographic) {
            (Checked::Valid(T::Perspective), Some(p), _)
                if p.yfov.is_finite()
                    && p.yfov > 0.0
                    && p.yfov < PI
                    && p.znear.is_finite()
                    && p.znear > 0.0 =>
            {
                Some(CameraProjection::Perspective { yfov: p.yfov, znear: p.znear })
            }
            (Checked::Valid(T::Orthographic), _, Some(o))
                if o.ymag.is_finite()
                    && o.ymag != 0.0
                    && o.znear.is_finite()
                    && o.znear >= 0.0
                    && o.zfar.is_finite()
                    && o.zfar > o.znear =>
            {
                Some(CameraProjection::Orthographic {
                    ymag: o.ymag.abs(),
                    znear: o.znear,
                    zfar: o.zfar,
                })
            }
            _ => None,
        };
        match projection {
            Some(projection) => out.scene.cameras.push(SceneCamera { name, projection, transform }),
            None => out.warn(format!(
                "camera {index} ({name:?}): missing or out-of-range lens values; skipped"
            )),
        }
    }

    fn light(&self, index: usize, node: &str, transform: Mat4, out: &mut Output) {
        use json::extensions::scene::khr_lights_punctual::Type as T;
        let Some(light) = self
            .root
            .extensions
            .as_ref()
            .and_then(|e| e.khr_lights_punctual.as_ref())
            .and_then(|l| l.lights.get(index))
        else {
            return;
        };
        let name = light.name.clone().unwrap_or_else(|| node.to_owned());
        let here = format!("light {index} ({name:?})");
        let kind = match light.type_ {
            Checked::Valid(T::Directional) => LightKind::Directional,
            Checked::Valid(T::Point) => LightKind::Point,
            Checked::Valid(T::Spot) => {
                let (inner, outer) = light
                    .spot
                    .as_ref()
                    .map_or((0.0, FRAC_PI_4), |s| (s.inner_cone_angle, s.outer_cone_angle));
                let outer = factor(
                    out,
                    &format!("{here} outerConeAngle"),
                    outer,
                    1e-4,
                    FRAC_PI_2,
                    FRAC_PI_4,
                );
                let inner = factor(out, &format!("{here} innerConeAngle"), inner, 0.0, outer, 0.0);
                LightKind::Spot { inner_cone_angle: inner, outer_cone_angle: outer }
            }
            Checked::Invalid => {
                out.warn(format!("{here}: unknown type; skipped"));
                return;
            }
        };
        let color = Vec3::from(light.color);
        let color = if color.is_finite() && color.min_element() >= 0.0 {
            color
        } else {
            out.warn(format!("{here}: colour {color} is invalid; white is used"));
            Vec3::ONE
        };
        let intensity =
            factor(out, &format!("{here} intensity"), light.intensity, 0.0, f32::INFINITY, 1.0);
        let range = match light.range {
            Some(r) if r.is_finite() && r > 0.0 => Some(r),
            Some(r) => {
                out.warn(format!("{here}: range {r} is invalid; infinite range is used"));
                None
            }
            None => None,
        };
        out.scene.lights.push(Light { name, kind, color, intensity, range, transform });
    }

    /// One warning per file for each feature we draw without.
    fn note_ignored_features(&self, out: &mut Output) {
        let root = &self.root;
        if !root.skins.is_empty() || root.nodes.iter().any(|n| n.skin.is_some()) {
            out.warn("skins are ignored: skinned meshes are drawn in their bind pose".into());
        }
        if root.meshes.iter().flat_map(|m| &m.primitives).any(|p| p.targets.is_some()) {
            out.warn("morph targets are ignored: meshes are drawn without them".into());
        }
        if !root.animations.is_empty() {
            out.warn(format!("{} animations are ignored", root.animations.len()));
        }
    }
}

fn local_transform(node: &json::Node) -> Mat4 {
    if let Some(m) = node.matrix {
        return Mat4::from_cols_array(&m);
    }
    let rotation = node.rotation.as_ref().map_or(Quat::IDENTITY, |q| Quat::from_array(q.0));
    // Exporters write slightly denormalised quaternions; a zero one means no rotation at all.
    let rotation = if rotation.is_finite() && rotation.length_squared() > 1e-12 {
        rotation.normalize()
    } else {
        Quat::IDENTITY
    };
    Mat4::from_scale_rotation_translation(
        Vec3::from(node.scale.unwrap_or([1.0; 3])),
        rotation,
        Vec3::from(node.translation.unwrap_or([0.0; 3])),
    )
}

/// Triangle-list indices for a triangle, strip or fan primitive, in the vertex order the glTF
/// specification gives, which keeps front faces counter-clockwise.
fn triangle_list(mode: Mode, indices: &[u32]) -> Vec<u32> {
    match mode {
        Mode::TriangleStrip => indices
            .windows(3)
            .enumerate()
            .flat_map(|(i, w)| if i % 2 == 0 { [w[0], w[1], w[2]] } else { [w[0], w[2], w[1]] })
            .collect(),
        Mode::TriangleFan => match indices.split_first() {
            Some((&first, rest)) => rest.windows(2).flat_map(|w| [w[0], w[1], first]).collect(),
            None => Vec::new(),
        },
        _ => indices.chunks_exact(3).flatten().copied().collect(),
    }
}

/// Area-weighted (unnormalised) normal of a counter-clockwise triangle.
fn face_normal(a: &Vertex, b: &Vertex, c: &Vertex) -> Vec3 {
    let (a, b, c) = (Vec3::from(a.position), Vec3::from(b.position), Vec3::from(c.position));
    (b - a).cross(c - a)
}

/// Unit normals; zero or non-finite ones borrow the normal of the triangles around them.
fn fix_normals(vertices: &mut [Vertex], triangles: &[u32]) {
    let unit = |v: &Vertex| Vec3::from(v.normal).try_normalize();
    if vertices.iter().all(|v| unit(v).is_some()) {
        for v in vertices.iter_mut() {
            v.normal = unit(v).unwrap_or(Vec3::Z).to_array();
        }
        return;
    }
    let mut around = vec![Vec3::ZERO; vertices.len()];
    for triangle in triangles.chunks_exact(3) {
        let corner = |k: usize| triangle.get(k).and_then(|&i| vertices.get(i as usize));
        if let (Some(a), Some(b), Some(c)) = (corner(0), corner(1), corner(2)) {
            let n = face_normal(a, b, c);
            for &i in triangle {
                if let Some(sum) = around.get_mut(i as usize) {
                    *sum += n;
                }
            }
        }
    }
    for (v, n) in vertices.iter_mut().zip(around) {
        v.normal = unit(v).unwrap_or_else(|| n.normalize_or(Vec3::Z)).to_array();
    }
}

/// Without a normal map the tangent frame is never used for shading, but it must still be a
/// valid unit vector orthogonal to the normal.
fn arbitrary_tangents(vertices: &mut [Vertex]) {
    for v in vertices {
        v.tangent = orthonormal_tangent(Vec3::ZERO, Vec3::from(v.normal), 1.0).to_array();
    }
}

/// Merges bit-identical vertices of an unwelded triangle list back into an indexed one.
fn weld(corners: Vec<Vertex>) -> (Vec<Vertex>, Vec<u32>) {
    let mut first: HashMap<[u32; 18], u32> = HashMap::with_capacity(corners.len());
    let mut vertices = Vec::new();
    let mut indices = Vec::with_capacity(corners.len());
    for v in corners {
        let next = vertices.len() as u32;
        let index = *first.entry(bytemuck::cast(v)).or_insert_with(|| {
            vertices.push(v);
            next
        });
        indices.push(index);
    }
    (vertices, indices)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn u16s(values: &[u16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// A glTF file with one data-URI buffer holding `parts`, each 4-byte aligned and given one
    /// buffer view, in order; `rest` adds the other top-level members (accessors, meshes, ...).
    fn gltf(parts: &[Vec<u8>], rest: &str) -> Vec<u8> {
        let mut bin = Vec::new();
        let mut views = Vec::new();
        for part in parts {
            bin.resize(bin.len().next_multiple_of(4), 0);
            views.push(format!(
                r#"{{"buffer":0,"byteOffset":{},"byteLength":{}}}"#,
                bin.len(),
                part.len()
            ));
            bin.extend_from_slice(part);
        }
        format!(
            r#"{{"asset":{{"version":"2.0"}},"buffers":[{{"byteLength":{},"uri":"data:application/octet-stream;base64,{}"}}],"bufferViews":[{}]{}{rest}}}"#,
            bin.len(),
            BASE64.encode(&bin),
            views.join(","),
            if rest.is_empty() { "" } else { "," },
        )
        .into_bytes()
    }

    /// One mesh of one primitive with the given attributes (and extra primitive members) on
    /// one node.
    fn one_mesh(accessors: &str, primitive: &str) -> String {
        format!(
            r#""accessors":[{accessors}],"meshes":[{{"name":"m","primitives":[{{{primitive}}}]}}],"nodes":[{{"mesh":0}}],"scenes":[{{"nodes":[0]}}]"#
        )
    }

    fn scene(file: &[u8]) -> Scene {
        load_from_slice(file, None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn positions(p: &Primitive, triangle: &[u32]) -> Vec<Vec3> {
        triangle.iter().map(|&i| Vec3::from(p.vertices[i as usize].position)).collect()
    }

    const SQUARE: [f32; 12] = [0., 0., 0., 1., 0., 0., 0., 1., 0., 1., 1., 0.];
    const SQUARE_ACCESSOR: &str = r#"{"bufferView":0,"componentType":5126,"count":4,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}"#;

    #[test]
    fn strips_and_fans_follow_the_specification_order() {
        assert_eq!(
            triangle_list(Mode::TriangleStrip, &[0, 1, 2, 3, 4]),
            [0, 1, 2, 1, 3, 2, 2, 3, 4]
        );
        assert_eq!(triangle_list(Mode::TriangleFan, &[0, 1, 2, 3]), [1, 2, 0, 2, 3, 0]);
        assert_eq!(triangle_list(Mode::Triangles, &[0, 1, 2, 3]), [0, 1, 2]);
        assert!(triangle_list(Mode::TriangleStrip, &[0, 1]).is_empty());
        assert!(triangle_list(Mode::TriangleFan, &[]).is_empty());
    }

    #[test]
    fn strip_and_fan_keep_counter_clockwise_winding_with_flat_normals() {
        let fan = [0., 0., 0., 1., 0., 0., 1., 1., 0., 0., 1., 0.];
        for (mode, data) in [(5, SQUARE), (6, fan)] {
            let file = gltf(
                &[f32s(&data)],
                &one_mesh(
                    SQUARE_ACCESSOR,
                    &format!(r#""attributes":{{"POSITION":0}},"mode":{mode}"#),
                ),
            );
            let s = scene(&file);
            let p = &s.meshes[0].primitives[0];
            assert_eq!(p.indices.len(), 6, "mode {mode}");
            for triangle in p.indices.chunks(3) {
                let [a, b, c] = positions(p, triangle)[..] else { unreachable!() };
                assert!((b - a).cross(c - a).z > 0.0, "mode {mode}: {a} {b} {c}");
            }
            // No NORMAL in the file: flat normals, here all +Z.
            assert!(p.vertices.iter().all(|v| v.normal == [0.0, 0.0, 1.0]), "mode {mode}");
            assert_eq!(p.bounds.max, Vec3::new(1.0, 1.0, 0.0));
        }
    }

    #[test]
    fn missing_normals_give_each_triangle_its_face_normal() {
        // Two triangles folded along the x axis: one faces +Z, the other +Y.
        let file = gltf(
            &[f32s(&[0., 0., 0., 1., 0., 0., 0., 1., 0., 0., 0., 1.]), u16s(&[0, 1, 2, 0, 3, 1])],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":4,"type":"VEC3","min":[0,0,0],"max":[1,1,1]},
                   {"bufferView":1,"componentType":5123,"count":6,"type":"SCALAR"}"#,
                r#""attributes":{"POSITION":0},"indices":1"#,
            ),
        );
        let s = scene(&file);
        let p = &s.meshes[0].primitives[0];
        assert_eq!(p.vertices.len(), 6, "the shared edge is unwelded");
        for (triangle, expected) in p.indices.chunks(3).zip([Vec3::Z, Vec3::Y]) {
            for &i in triangle {
                assert_eq!(Vec3::from(p.vertices[i as usize].normal), expected);
                let t = Vec4::from(p.vertices[i as usize].tangent);
                assert!(t.truncate().dot(expected).abs() < 1e-6 && t.w == 1.0);
            }
        }
    }

    #[test]
    fn integer_attributes_are_converted_as_the_specification_says() {
        // KHR_mesh_quantization: strided i16 positions, u8 and u16 normalized texture coordinates.
        let positions: Vec<u8> = [0i16, 0, 0, 0, 100, 0, 0, 0, 0, 100, 0, 0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let rest = format!(
            r#""extensionsRequired":["KHR_mesh_quantization"],"extensionsUsed":["KHR_mesh_quantization"],{}"#,
            one_mesh(
                r#"{"bufferView":0,"componentType":5122,"count":3,"type":"VEC3","min":[0,0,0],"max":[100,100,0]},
                   {"bufferView":1,"componentType":5121,"normalized":true,"count":3,"type":"VEC2"},
                   {"bufferView":2,"componentType":5123,"normalized":true,"count":3,"type":"VEC2"}"#,
                r#""attributes":{"POSITION":0,"TEXCOORD_0":1,"TEXCOORD_1":2}"#,
            )
        );
        let file = gltf(
            &[positions, vec![0, 255, 255, 0, 51, 102], u16s(&[65535, 0, 0, 65535, 13107, 0])],
            &rest,
        );
        // Vertex attributes are 4-byte aligned, so 6-byte positions come with a stride of 8.
        let file = String::from_utf8(file).unwrap().replacen(
            r#""byteLength":24}"#,
            r#""byteLength":24,"byteStride":8}"#,
            1,
        );
        let s = scene(file.as_bytes());
        let p = &s.meshes[0].primitives[0];
        let find = |x: f32, y: f32| {
            p.vertices.iter().find(|v| v.position[0] == x && v.position[1] == y).expect("vertex")
        };
        assert_eq!(find(0.0, 0.0).uv0, [0.0, 1.0]);
        assert_eq!(find(100.0, 0.0).uv0, [1.0, 0.0]);
        assert_eq!(find(0.0, 100.0).uv0, [0.2, 0.4]);
        assert_eq!(find(0.0, 0.0).uv1, [1.0, 0.0]);
        assert_eq!(find(0.0, 100.0).uv1, [0.2, 0.0]);
        assert!(p.vertices.iter().all(|v| v.color == [1.0; 4]), "no COLOR_0: white");
    }

    #[test]
    fn signed_normalized_values_clamp_at_minus_one() {
        assert_eq!(normalize(-128.0, ComponentType::I8), -1.0);
        assert_eq!(normalize(127.0, ComponentType::I8), 1.0);
        assert_eq!(normalize(-32768.0, ComponentType::I16), -1.0);
        assert_eq!(normalize(65535.0, ComponentType::U16), 1.0);
    }

    #[test]
    fn rgb_u8_colours_get_opaque_alpha() {
        let file = gltf(
            &[f32s(&SQUARE[..9]), vec![255, 0, 0, 0, 255, 0, 0, 0, 255]],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]},
                   {"bufferView":1,"componentType":5121,"normalized":true,"count":3,"type":"VEC3"}"#,
                r#""attributes":{"POSITION":0,"COLOR_0":1}"#,
            ),
        );
        let s = scene(&file);
        let mut colours: Vec<[f32; 4]> =
            s.meshes[0].primitives[0].vertices.iter().map(|v| v.color).collect();
        colours.sort_by(|a, b| b.partial_cmp(a).unwrap());
        assert_eq!(colours, [[1., 0., 0., 1.], [0., 1., 0., 1.], [0., 0., 1., 1.]]);
    }

    #[test]
    fn sparse_accessors_override_their_base() {
        let file = gltf(
            &[f32s(&[0., 0., 0., 1., 0., 0., 5., 5., 5.]), vec![2, 0, 0, 0], f32s(&[0., 1., 0.])],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0],
                    "sparse":{"count":1,"indices":{"bufferView":1,"componentType":5121},"values":{"bufferView":2}}}"#,
                r#""attributes":{"POSITION":0}"#,
            ),
        );
        let s = scene(&file);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(s.bounds.max, Vec3::new(1.0, 1.0, 0.0));
    }

    /// A 1x1 PNG as a data URI.
    fn png_uri() -> String {
        let mut png = Vec::new();
        image::RgbaImage::from_pixel(1, 1, image::Rgba([255, 0, 0, 255]))
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        format!("data:image/png;base64,{}", BASE64.encode(png))
    }

    #[test]
    fn materials_read_factors_samplers_and_texture_transforms() {
        let file = gltf(
            &[],
            &format!(
                r#""images":[{{"uri":"{}"}}],"samplers":[{{"magFilter":9728,"minFilter":9985,"wrapS":33071,"wrapT":33648}}],
                "textures":[{{"source":0,"sampler":0}},{{"source":0}}],
                "extensionsUsed":["KHR_texture_transform","KHR_materials_emissive_strength","KHR_materials_unlit"],
                "materials":[{{"name":"m","pbrMetallicRoughness":{{"baseColorFactor":[1,0.5,0.25,0.5],"metallicFactor":0.25,"roughnessFactor":0.75,
                    "baseColorTexture":{{"index":0,"extensions":{{"KHR_texture_transform":{{"offset":[0.5,0.25],"rotation":1.5,"scale":[2,3],"texCoord":1}}}}}}}},
                  "normalTexture":{{"index":1,"scale":0.5,"extensions":{{"KHR_texture_transform":{{"scale":[4,4]}}}}}},
                  "occlusionTexture":{{"index":1,"strength":0.25}},"emissiveFactor":[1,0.5,0],
                  "extensions":{{"KHR_materials_emissive_strength":{{"emissiveStrength":3}},"KHR_materials_unlit":{{}}}},
                  "alphaMode":"MASK","alphaCutoff":0.3,"doubleSided":true}}]"#,
                png_uri()
            ),
        );
        let s = scene(&file);
        assert_eq!(s.images.len(), 1, "one image shared by both textures");
        assert_eq!((s.images[0].width, &s.images[0].rgba8[..]), (1, &[255, 0, 0, 255][..]));
        let m = &s.materials[0];
        assert_eq!(m.base_color_factor, Vec4::new(1.0, 0.5, 0.25, 0.5));
        assert_eq!((m.metallic_factor, m.roughness_factor), (0.25, 0.75));
        assert_eq!(m.emissive_factor, Vec3::new(3.0, 1.5, 0.0));
        assert_eq!((m.normal_scale, m.occlusion_strength), (0.5, 0.25));
        assert_eq!(
            (m.alpha_mode, m.alpha_cutoff, m.double_sided, m.unlit),
            (AlphaMode::Mask, 0.3, true, true)
        );
        let base = m.base_color_texture.expect("base colour texture");
        assert_eq!(base.tex_coord, 1, "KHR_texture_transform's texCoord overrides");
        assert_eq!(
            base.transform,
            UvTransform { offset: Vec2::new(0.5, 0.25), rotation: 1.5, scale: Vec2::new(2.0, 3.0) }
        );
        assert_eq!(
            base.sampler,
            Sampler {
                mag_filter: Filter::Nearest,
                min_filter: Filter::Linear,
                mipmap_filter: Some(Filter::Nearest),
                wrap_u: Wrap::ClampToEdge,
                wrap_v: Wrap::MirroredRepeat,
            }
        );
        let normal = m.normal_texture.expect("normal texture");
        assert_eq!(normal.transform.scale, Vec2::splat(4.0));
        assert_eq!(normal.sampler.mipmap_filter, Some(Filter::Linear), "no sampler: trilinear");
        assert!(m.occlusion_texture.is_some() && m.metallic_roughness_texture.is_none());
    }

    #[test]
    fn grey_16_bit_png_and_rgb_jpeg_become_rgba8() {
        let mut png = Vec::new();
        image::ImageBuffer::<image::Luma<u16>, _>::from_pixel(2, 1, image::Luma([65535u16]))
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let mut jpeg = Vec::new();
        image::RgbImage::from_pixel(8, 8, image::Rgb([0, 0, 255]))
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        // The JPEG sits in a buffer view under a wrong mimeType: its bytes decide.
        let file = gltf(
            &[jpeg],
            &format!(
                r#""images":[{{"uri":"data:image/png;base64,{}"}},{{"bufferView":0,"mimeType":"image/png"}}],
                "textures":[{{"source":0}},{{"source":1}}],
                "materials":[{{"pbrMetallicRoughness":{{"baseColorTexture":{{"index":0}}}},"emissiveTexture":{{"index":1}}}}]"#,
                BASE64.encode(png)
            ),
        );
        let s = scene(&file);
        assert_eq!((s.images[0].width, s.images[0].height), (2, 1));
        assert_eq!(s.images[0].rgba8, [255; 8]);
        let blue = &s.images[1].rgba8[..4];
        assert!(blue[0] < 16 && blue[1] < 16 && blue[2] > 240 && blue[3] == 255, "{blue:?}");
    }

    #[test]
    fn an_undecodable_image_is_a_warning_and_no_texture() {
        let file = gltf(
            &[],
            r#""images":[{"name":"broken","uri":"data:image/png;base64,iVBORw0KGgoAAAA"}],"textures":[{"source":0}],
               "materials":[{"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}}]"#,
        );
        let s = scene(&file);
        assert!(s.materials[0].base_color_texture.is_none());
        assert!(s.images.is_empty());
        assert!(s.warnings.iter().any(|w| w.contains("\"broken\"")), "{:?}", s.warnings);
    }

    #[test]
    fn normal_maps_without_tangents_get_mikktspace_tangents() {
        let file = gltf(
            &[f32s(&SQUARE), f32s(&[0., 1., 1., 1., 0., 0., 1., 0.])],
            &format!(
                r#""images":[{{"uri":"{}"}}],"textures":[{{"source":0}}],"materials":[{{"normalTexture":{{"index":0}}}}],{}"#,
                png_uri(),
                one_mesh(
                    &format!(
                        r#"{SQUARE_ACCESSOR},{{"bufferView":1,"componentType":5126,"count":4,"type":"VEC2"}}"#
                    ),
                    r#""attributes":{"POSITION":0,"TEXCOORD_0":1},"mode":5,"material":0"#,
                ),
            ),
        );
        let s = scene(&file);
        for v in &s.meshes[0].primitives[0].vertices {
            // u grows along +x and v (downwards in glTF) along -y: tangent +X, bitangent +Y.
            assert!(
                Vec3::from(v.tangent[..3].try_into().unwrap_or([0.0; 3]))
                    .abs_diff_eq(Vec3::X, 1e-5),
                "{v:?}"
            );
            assert_eq!(v.tangent[3], 1.0, "{v:?}");
        }
    }

    #[test]
    fn degenerate_normals_and_tangents_never_become_nan() {
        let nan = f32::NAN;
        let file = gltf(
            &[
                f32s(&SQUARE[..9]),
                f32s(&[0., 0., 0., nan, 0., 1., 0., 0., 2.]),
                f32s(&[0., 0., 0., 1., nan, 0., 0., 1., 0., 0., 1., -1.]),
            ],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]},
                   {"bufferView":1,"componentType":5126,"count":3,"type":"VEC3"},
                   {"bufferView":2,"componentType":5126,"count":3,"type":"VEC4"}"#,
                r#""attributes":{"POSITION":0,"NORMAL":1,"TANGENT":2}"#,
            ),
        );
        let s = scene(&file);
        for v in &s.meshes[0].primitives[0].vertices {
            let (n, t) = (Vec3::from(v.normal), Vec4::from(v.tangent));
            assert!((n.length() - 1.0).abs() < 1e-5 && n.dot(Vec3::Z) > 0.99, "{v:?}");
            assert!((t.truncate().length() - 1.0).abs() < 1e-5 && n.dot(t.truncate()).abs() < 1e-5);
        }
    }

    #[test]
    fn supplied_tangents_are_made_orthogonal_to_flat_normals() {
        let file = gltf(
            &[f32s(&SQUARE[..9]), f32s(&[1., 0., 1., 1., 1., 0., 1., -1., 1., 0., 1., 1.])],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]},
                   {"bufferView":1,"componentType":5126,"count":3,"type":"VEC4"}"#,
                r#""attributes":{"POSITION":0,"TANGENT":1}"#,
            ),
        );
        let s = scene(&file);
        let w: Vec<f32> = s.meshes[0].primitives[0].vertices.iter().map(|v| v.tangent[3]).collect();
        assert_eq!(w, [1.0, -1.0, 1.0]);
        for v in &s.meshes[0].primitives[0].vertices {
            assert_eq!(Vec4::from(v.tangent).truncate(), Vec3::X, "{v:?}");
        }
    }

    #[test]
    fn instances_share_meshes_and_compose_node_transforms() {
        let nodes = r#""nodes":[{"matrix":[2,0,0,0, 0,2,0,0, 0,0,2,0, 1,0,0,1],"children":[1]},
                                {"mesh":0,"translation":[0,1,0],"rotation":[0,0,0,2]},
                                {"mesh":0,"scale":[-1,1,1]}],"scenes":[{"nodes":[0,2]}]"#;
        let file = gltf(
            &[f32s(&SQUARE[..9])],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}"#,
                r#""attributes":{"POSITION":0}"#,
            )
            .replace(r#""nodes":[{"mesh":0}],"scenes":[{"nodes":[0]}]"#, nodes),
        );
        let s = scene(&file);
        assert_eq!((s.meshes.len(), s.instances.len()), (1, 2));
        assert!(s.instances.iter().all(|i| i.mesh == 0));
        // Matrix parent times TRS child (its quaternion is normalised first).
        let child = s.instances[0].transform;
        assert_eq!(child.transform_point3(Vec3::ZERO), Vec3::new(1.0, 2.0, 0.0));
        assert_eq!(child.transform_vector3(Vec3::X), Vec3::new(2.0, 0.0, 0.0));
        // Mirrored instances are kept as they are; the renderer flips the winding.
        assert!(s.instances[1].transform.determinant() < 0.0);
        assert_eq!(s.bounds.min, Vec3::new(-1.0, 0.0, 0.0));
    }

    #[test]
    fn unsupported_required_extensions_are_refused_by_name() {
        let file = br#"{"asset":{"version":"2.0"},"extensionsUsed":["KHR_draco_mesh_compression"],
                        "extensionsRequired":["KHR_draco_mesh_compression"]}"#;
        let err = load_from_slice(file, None).unwrap_err();
        assert!(
            matches!(&err, SceneError::UnsupportedRequiredExtension(n) if n == "KHR_draco_mesh_compression")
        );
        assert!(err.to_string().contains("KHR_draco_mesh_compression"));
        // Only used, not required: a warning.
        let file = br#"{"asset":{"version":"2.0"},"extensionsUsed":["EXT_unknown"]}"#;
        let s = scene(file);
        assert!(s.warnings.iter().any(|w| w.contains("EXT_unknown")), "{:?}", s.warnings);
    }

    #[test]
    fn accessors_overrunning_their_data_are_errors() {
        // Ten VEC3 floats from a 36-byte view.
        let file = gltf(
            &[f32s(&SQUARE[..9])],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":10,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}"#,
                r#""attributes":{"POSITION":0}"#,
            ),
        );
        let err = load_from_slice(&file, None).unwrap_err();
        assert!(matches!(err, SceneError::Accessor { index: 0, .. }), "{err}");
        assert!(err.to_string().contains("buffer view 0"), "{err}");
        // An absurd count is refused before anything is allocated for it.
        let file =
            String::from_utf8(file).unwrap().replace("\"count\":10", "\"count\":4000000000000");
        let err = load_from_slice(file.as_bytes(), None).unwrap_err();
        assert!(matches!(err, SceneError::Accessor { index: 0, .. }), "{err}");
        // A buffer view beyond its buffer, and a buffer shorter than its byteLength.
        let file = String::from_utf8(gltf(&[f32s(&SQUARE[..9])], "")).unwrap();
        let err = load_from_slice(
            file.replace(r#""byteLength":36}"#, r#""byteLength":40}"#).as_bytes(),
            None,
        )
        .unwrap_err();
        assert!(matches!(err, SceneError::Buffer { index: 0, .. }), "{err}");
        let err = load_from_slice(
            file.replacen(r#""byteLength":36"#, r#""byteLength":40"#, 1).as_bytes(),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("holds 36 bytes"), "{err}");
    }

    #[test]
    fn indices_out_of_range_are_errors() {
        let file = gltf(
            &[f32s(&SQUARE[..9]), u16s(&[0, 1, 5])],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]},
                   {"bufferView":1,"componentType":5123,"count":3,"type":"SCALAR"}"#,
                r#""attributes":{"POSITION":0},"indices":1"#,
            ),
        );
        let err = load_from_slice(&file, None).unwrap_err();
        assert!(matches!(err, SceneError::Primitive { primitive: 0, .. }), "{err}");
        assert!(err.to_string().contains("index 5"), "{err}");
    }

    #[test]
    fn points_and_lines_are_skipped_with_a_warning() {
        let file = gltf(
            &[f32s(&SQUARE)],
            &one_mesh(SQUARE_ACCESSOR, r#""attributes":{"POSITION":0},"mode":1"#),
        );
        let s = scene(&file);
        assert!(s.meshes[0].primitives.is_empty());
        assert!(
            s.warnings.iter().any(|w| w.contains("mesh \"m\" primitive 0")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn node_graphs_that_are_not_forests_are_errors() {
        let cases = [
            (r#"[{"children":[2]},{"children":[2]},{}]"#, "two parents"),
            (r#"[{"children":[1]},{"children":[0]}]"#, "loop"),
            (r#"[{"children":[0]}]"#, "own child"),
            (r#"[{"children":[1,1]},{}]"#, "twice"),
        ];
        for (nodes, expected) in cases {
            let file = format!(r#"{{"asset":{{"version":"2.0"}},"nodes":{nodes}}}"#);
            let err = load_from_slice(file.as_bytes(), None).unwrap_err();
            assert!(matches!(err, SceneError::NodeHierarchy(_)), "{nodes}: {err}");
            assert!(err.to_string().contains(expected), "{nodes}: {err}");
        }
        // A very deep chain is fine: nothing recurses.
        let chain: Vec<String> = (1..20_000).map(|i| format!(r#"{{"children":[{i}]}}"#)).collect();
        let file = format!(r#"{{"asset":{{"version":"2.0"}},"nodes":[{},{{}}]}}"#, chain.join(","));
        scene(file.as_bytes());
    }

    #[test]
    fn cameras_follow_node_order_with_global_transforms() {
        let file = br#"{"asset":{"version":"2.0"},
            "cameras":[{"type":"perspective","perspective":{"yfov":0.8,"znear":0.1,"zfar":100,"aspectRatio":1.5}},
                       {"type":"orthographic","orthographic":{"xmag":2,"ymag":1.5,"znear":0.5,"zfar":50}}],
            "nodes":[{"camera":1,"translation":[1,2,3]},{"camera":0,"children":[2],"translation":[0,1,0]},
                     {"name":"child","camera":0,"translation":[0,0,5]}],
            "scene":0,"scenes":[{"nodes":[1,0]}]}"#;
        let s = scene(file);
        let names: Vec<&str> = s.cameras.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["node 1", "child", "node 0"]);
        assert_eq!(
            s.cameras[0].projection,
            CameraProjection::Perspective { yfov: 0.8, znear: 0.1 }
        );
        assert_eq!(s.cameras[1].transform.w_axis.truncate(), Vec3::new(0.0, 1.0, 5.0));
        assert_eq!(
            s.cameras[2].projection,
            CameraProjection::Orthographic { ymag: 1.5, znear: 0.5, zfar: 50.0 }
        );
    }

    #[test]
    fn punctual_lights_are_placed_and_sanitised() {
        let file = br#"{"asset":{"version":"2.0"},"extensionsUsed":["KHR_lights_punctual"],
            "extensions":{"KHR_lights_punctual":{"lights":[
                {"type":"spot","color":[1,0.5,0],"intensity":20,"range":10,"spot":{"innerConeAngle":0.2,"outerConeAngle":0.5}},
                {"name":"sun","type":"directional","intensity":3},
                {"type":"spot","spot":{"innerConeAngle":1.0,"outerConeAngle":0.5}}]}},
            "nodes":[{"name":"lamp","translation":[0,3,0],"extensions":{"KHR_lights_punctual":{"light":0}}},
                     {"extensions":{"KHR_lights_punctual":{"light":1}}},
                     {"extensions":{"KHR_lights_punctual":{"light":2}}}]}"#;
        let s = scene(file);
        let lamp = &s.lights[0];
        assert_eq!((lamp.name.as_str(), lamp.intensity, lamp.range), ("lamp", 20.0, Some(10.0)));
        assert_eq!(lamp.kind, LightKind::Spot { inner_cone_angle: 0.2, outer_cone_angle: 0.5 });
        assert_eq!(
            (lamp.color, lamp.position()),
            (Vec3::new(1.0, 0.5, 0.0), Vec3::new(0.0, 3.0, 0.0))
        );
        assert_eq!((s.lights[1].name.as_str(), s.lights[1].kind), ("sun", LightKind::Directional));
        assert_eq!(
            s.lights[2].kind,
            LightKind::Spot { inner_cone_angle: 0.5, outer_cone_angle: 0.5 }
        );
        assert!(s.warnings.iter().any(|w| w.contains("innerConeAngle")), "{:?}", s.warnings);
    }

    #[test]
    fn external_files_need_a_base_directory_and_may_be_percent_encoded() {
        let file =
            br#"{"asset":{"version":"2.0"},"buffers":[{"uri":"my%20data.bin","byteLength":4}]}"#;
        let err = load_from_slice(file, None).unwrap_err();
        assert!(matches!(err, SceneError::Buffer { index: 0, .. }), "{err}");
        assert!(err.to_string().contains("my%20data.bin"), "{err}");

        let dir = std::env::temp_dir().join(format!("afterlight-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("my data.bin"), [1, 2, 3, 4]).unwrap();
        let loaded = load_from_slice(file, Some(&dir));
        std::fs::remove_dir_all(&dir).ok();
        loaded.unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn glb_containers_are_checked() {
        let json = br#"{"asset":{"version":"2.0"}}   "#;
        let mut glb = b"glTF".to_vec();
        glb.extend(2u32.to_le_bytes());
        glb.extend(((20 + json.len()) as u32).to_le_bytes());
        glb.extend((json.len() as u32).to_le_bytes());
        glb.extend(b"JSON");
        glb.extend(json);
        scene(&glb);
        let mut zero_padded = glb.clone();
        let end = zero_padded.len();
        zero_padded[end - 3..].fill(0);
        scene(&zero_padded);
        for broken in [&glb[..10], &glb[..glb.len() - 4]] {
            let err = load_from_slice(broken, None).unwrap_err();
            assert!(err.to_string().contains("GLB"), "{err}");
        }
        let mut long_chunk = glb.clone();
        long_chunk[12] = 200;
        assert!(load_from_slice(&long_chunk, None).unwrap_err().to_string().contains("chunk"));
    }

    #[test]
    fn skins_and_morph_targets_warn_once() {
        let file = gltf(
            &[f32s(&SQUARE[..9])],
            &one_mesh(
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}"#,
                r#""attributes":{"POSITION":0},"targets":[{"POSITION":0}]"#,
            ),
        );
        let s = scene(&file);
        assert_eq!(
            s.warnings.iter().filter(|w| w.contains("morph")).count(),
            1,
            "{:?}",
            s.warnings
        );
        assert_eq!(s.instances.len(), 1);
    }
}

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
//!
//! `import` runs the steps in order, each in its own file:
//! - `container`: the GLB or JSON container split, then the version and extension checks;
//! - `validate`: gltf-json's validation and the check that the nodes form a forest;
//! - `accessors`: buffer views and accessor layouts checked against the declared buffer
//!   sizes, and how one component is decoded;
//! - `buffers`: every buffer's bytes, from the GLB chunk, a data URI or a file;
//! - `document`: the checked file (`Doc`) and the reading of accessor data from it;
//! - `materials`, `textures`: materials, and the images and samplers their textures use;
//! - `meshes`, with `geometry`: primitives as indexed triangle lists with normals and
//!   tangents;
//! - `nodes`, `cameras`, `lights`: the walk of the node trees that places mesh instances,
//!   cameras and lights;
//! - `output`: the scene being built and its warnings.

mod accessors;
mod buffers;
mod cameras;
mod container;
mod document;
mod geometry;
mod lights;
mod materials;
mod meshes;
mod nodes;
mod output;
mod textures;
mod validate;

pub use textures::MAX_IMAGE_DIMENSION;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use gltf::json::{self, Value};

use crate::scene::{Scene, SceneError};

use accessors::{accessor_layouts, view_ranges};
use buffers::load_buffers;
use container::{check_header, split_container};
use document::Doc;
use output::Output;
use validate::{check_hierarchy, validate};

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

impl Doc<'_> {
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

#[cfg(test)]
mod tests;

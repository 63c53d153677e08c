//! Structural validation of the parsed JSON: gltf-json's checks of references, enums and
//! required fields (minus what the importer handles itself), and the node hierarchy, checked
//! to be a forest.

use gltf::json;
use gltf::json::mesh::Semantic;
use gltf::json::validation::{Checked, Validate};

use crate::scene::SceneError;

use super::output::Output;

/// gltf-json validation (references, enums, required fields), minus what we handle ourselves.
pub(super) fn validate(root: &json::Root, out: &mut Output) -> Result<(), SceneError> {
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

pub(super) fn node_label(root: &json::Root, index: usize) -> String {
    match root.nodes.get(index).and_then(|n| n.name.as_deref()) {
        Some(name) => format!("node {index} ({name:?})"),
        None => format!("node {index}"),
    }
}

/// Each node's parent, after checking that the nodes form a forest: no node with two parents
/// and no loops. Iterative, so a deep or cyclic hierarchy cannot overflow the stack.
pub(super) fn check_hierarchy(root: &json::Root) -> Result<Vec<Option<usize>>, SceneError> {
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

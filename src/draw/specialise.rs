//! Specialised pipelines: one WGSL source, a pipeline per setting that decides a branch or a
//! loop bound (a tier, a mode, an on/off feature), the setting given as WGSL `override`
//! constants when the pipeline is built ([`Constants`]). The GPU then runs straight-line code
//! with fixed loop counts, and no shader branches on a uniform that only settings decide (which
//! Mesa 22's lavapipe recompiles and leaks on every bind: `docs/memory-growth.md`).
//!
//! [`Specialised`] caches the pipelines by key; [`Specialised::prepare`] builds keys ahead (a
//! tier's neighbours, so a budget-governor step never compiles during a frame).

use std::collections::HashMap;
use std::hash::Hash;

/// WGSL `override` constants by name, as `wgpu::PipelineCompilationOptions::constants` takes
/// them (booleans as 0 or 1).
pub type Constants = Vec<(&'static str, f64)>;

/// The compilation options that set `constants`.
pub(crate) fn options<'a>(
    constants: &'a [(&'static str, f64)],
) -> wgpu::PipelineCompilationOptions<'a> {
    wgpu::PipelineCompilationOptions { constants, ..Default::default() }
}

/// Pipelines (or anything built per key) cached by key.
pub struct Specialised<K, P> {
    built: HashMap<K, P>,
}

impl<K, P> Default for Specialised<K, P> {
    fn default() -> Self {
        Self { built: HashMap::new() }
    }
}

impl<K: Copy + Eq + Hash, P> Specialised<K, P> {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The pipeline for `key`, built with `build` if it is not cached yet.
    pub fn get(&mut self, key: K, build: impl FnOnce(K) -> P) -> &P {
        self.built.entry(key).or_insert_with(|| build(key))
    }

    /// Build every key of `keys` not cached yet (ahead of the frames that use them).
    pub fn prepare(&mut self, keys: impl IntoIterator<Item = K>, mut build: impl FnMut(K) -> P) {
        for key in keys {
            self.built.entry(key).or_insert_with(|| build(key));
        }
    }

    /// The pipeline for `key`, if built.
    pub fn built(&self, key: K) -> Option<&P> {
        self.built.get(&key)
    }

    /// How many are built.
    pub fn len(&self) -> usize {
        self.built.len()
    }

    /// Whether none is built.
    pub fn is_empty(&self) -> bool {
        self.built.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_built_once_and_prepare_builds_ahead() {
        let mut cache: Specialised<u8, String> = Specialised::new();
        let mut builds = 0;
        cache.prepare([1, 2, 1], |k| {
            builds += 1;
            format!("pipeline {k}")
        });
        assert_eq!(builds, 2);
        assert_eq!(cache.get(2, |_| unreachable!("built ahead")), "pipeline 2");
        assert_eq!(cache.get(3, |k| format!("pipeline {k}")), "pipeline 3");
        assert_eq!(cache.len(), 3);
        assert!(cache.built(4).is_none());
    }
}

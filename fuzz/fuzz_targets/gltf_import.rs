//! Fuzzes glTF import from bytes (`afterlight::scene::load_from_slice`): `.glb` containers and
//! `.gltf` JSON alike, with no base folder so external files are refused rather than read.
//!
//! The importer catches panics as a last line of defence and reports them as
//! "internal error"; libFuzzer's panic hook aborts first, so a panic anywhere is still a crash
//! here. An import that succeeds must give finite scene bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match afterlight::scene::load_from_slice(data, None) {
        Ok(scene) => {
            let bounds = &scene.bounds;
            assert!(
                bounds.is_empty() || (bounds.min.is_finite() && bounds.max.is_finite()),
                "non-finite bounds {bounds:?}"
            );
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            assert!(!message.contains("internal error"), "{message}");
        }
    }
});

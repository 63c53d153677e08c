//! glTF importer tests on real files.
//!
//! The Khronos validator's broken files in `../shared/invalid` must each be refused with an error
//! that names the problem its `.report.json` lists, or load with warnings; none may panic or
//! hang. The sample models in `../shared/scenes` must load into sane geometry. Run with
//! `--nocapture` to see the tables.

use crate::common;

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use afterlight::scene::{self, AlphaMode, LightKind, Scene, SceneError};
use glam::{Vec3, Vec4};
use gltf::json::Value;

/// Loads on another thread, so that a hang fails the test instead of stalling the run and a
/// panic is reported with the file's name.
fn load(path: &Path) -> Result<Scene, SceneError> {
    let (send, receive) = mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = send.send(scene::load(&owned));
    });
    match receive.recv_timeout(Duration::from_secs(300)) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => panic!("{}: load did not finish", path.display()),
        Err(RecvTimeoutError::Disconnected) => panic!("{}: load panicked", path.display()),
    }
}

fn load_sample(relative: &str) -> Option<Scene> {
    let path = common::shared_file(&format!("scenes/{relative}"))?;
    Some(load(&path).unwrap_or_else(|e| panic!("{relative}: {e}")))
}

/// The code of the first error the validator reports for a file.
fn first_error(report: &Path) -> Option<String> {
    let text = std::fs::read(report).ok()?;
    let value: Value = gltf::json::deserialize::from_slice(&text).ok()?;
    let messages = value.get("issues")?.get("messages")?.as_array()?;
    let error = messages.iter().find(|m| m.get("severity").and_then(Value::as_u64) == Some(0))?;
    Some(error.get("code")?.as_str()?.to_owned())
}

/// What the importer must do with one broken file: refuse it with this kind of error, or load
/// it with a warning, the message naming every one of `names` (the item and the fault).
enum Expected {
    Refused(fn(&SceneError) -> bool, &'static [&'static str]),
    Warned(&'static [&'static str]),
}

/// Each file in `../shared/invalid`, the first error code the Khronos validator reports for it
/// (its `.report.json`), and the outcome we owe it. A file without a row fails the test.
const ANSWERS: &[(&str, &str, Expected)] = {
    use Expected::{Refused, Warned};
    &[
        (
            "accessor/small_stride.gltf",
            "ACCESSOR_SMALL_BYTESTRIDE",
            Refused(|e| matches!(e, SceneError::Accessor { .. }), &["accessor 0", "byteStride 4"]),
        ),
        (
            "accessor_data/out_of_range_elements_uint16.gltf",
            "ACCESSOR_MIN_MISMATCH",
            Warned(&["accessor 0", "declared min", "max", "do not match the data"]),
        ),
        (
            "buffer/not_found.gltf",
            "IO_ERROR",
            Refused(|e| matches!(e, SceneError::Buffer { .. }), &["buffer 0", "not_found.bin"]),
        ),
        (
            "glb/chunk_too_big.glb",
            "GLB_CHUNK_TOO_BIG",
            Refused(|e| matches!(e, SceneError::Invalid(_)), &["GLB", "length of 13 bytes"]),
        ),
        (
            "glb/invalid_magic.glb",
            "GLB_INVALID_MAGIC",
            Refused(|e| matches!(e, SceneError::Invalid(_)), &["not a glTF file", "magic"]),
        ),
        (
            "glb/length_mismatch.glb",
            "GLB_LENGTH_MISMATCH",
            Refused(|e| matches!(e, SceneError::Invalid(_)), &["GLB", "length of 49 bytes"]),
        ),
        (
            "json/invalid_syntax.gltf",
            "INVALID_JSON",
            Refused(|e| matches!(e, SceneError::Invalid(_)), &["JSON", "line 1 column 2"]),
        ),
        (
            "material/unresolved_normal.gltf",
            "UNRESOLVED_REFERENCE",
            Refused(
                |e| matches!(e, SceneError::Invalid(_)),
                &["materials[0].normalTexture.index", "out of bounds"],
            ),
        ),
        (
            "mesh/accessor_unequal_count.gltf",
            "MESH_PRIMITIVE_UNEQUAL_ACCESSOR_COUNT",
            Refused(
                |e| matches!(e, SceneError::Primitive { .. }),
                &["primitive 0", "COLOR_0", "4 elements", "POSITION has 3"],
            ),
        ),
        (
            "node/node_loop.gltf",
            "NODE_LOOP",
            Refused(
                |e| matches!(e, SceneError::NodeHierarchy(_)),
                &["node loop", "node 0", "node 1"],
            ),
        ),
    ]
};

/// Why `outcome` is not `expected`, or `None` when it is.
fn mismatch(expected: &Expected, outcome: &Result<Scene, SceneError>) -> Option<String> {
    let missing = |text: &str, names: &[&str]| {
        let absent: Vec<&&str> = names.iter().filter(|n| !text.contains(**n)).collect();
        (!absent.is_empty()).then(|| format!("{text:?} does not name {absent:?}"))
    };
    match (expected, outcome) {
        (Expected::Refused(kind, names), Err(e)) if kind(e) => missing(&e.to_string(), names),
        (Expected::Refused(..), Err(e)) => Some(format!("refused with the wrong kind: {e:?}")),
        (Expected::Refused(..), Ok(_)) => Some("loaded, but must be refused".into()),
        (Expected::Warned(names), Ok(scene)) => {
            let found = scene.warnings.iter().any(|w| missing(w, names).is_none());
            (!found).then(|| format!("no warning naming {names:?} in {:?}", scene.warnings))
        }
        (Expected::Warned(_), Err(e)) => {
            Some(format!("refused, but must load with a warning: {e}"))
        }
    }
}

#[test]
fn broken_files_are_refused_or_warned_about_never_panic() {
    let Some(invalid) = common::shared_file("invalid") else { return };
    let paths = common::files(&invalid, &["gltf", "glb"]);
    assert!(!paths.is_empty(), "no files in ../shared/invalid");
    let mut failures = Vec::new();
    println!("{:<46} outcome", "file");
    for path in &paths {
        let name = path.strip_prefix(&invalid).unwrap_or(path).display().to_string();
        let outcome = load(path);
        match &outcome {
            Err(e) => println!("{name:<46} rejected: {e}"),
            Ok(scene) => {
                println!("{name:<46} loaded with {} warnings", scene.warnings.len());
                for w in &scene.warnings {
                    println!("{:<46}   warning: {w}", "");
                }
            }
        }
        if let Err(e) = &outcome {
            // A caught panic would also be an error; it must not be how a file gets refused.
            assert!(!e.to_string().contains("internal error"), "{name}: {e}");
        }
        let Some((_, code, expected)) = ANSWERS.iter().find(|(file, ..)| *file == name) else {
            failures.push(format!("{name}: no expected outcome in ANSWERS; add one"));
            continue;
        };
        let mut report = path.clone().into_os_string();
        report.push(".report.json");
        let reported = first_error(Path::new(&report));
        if reported.as_deref() != Some(*code) {
            failures.push(format!("{name}: the validator reports {reported:?}, ANSWERS {code}"));
        }
        if let Some(why) = mismatch(expected, &outcome) {
            failures.push(format!("{name}: {why}"));
        }
    }
    let seen: Vec<String> =
        paths.iter().map(|p| p.strip_prefix(&invalid).unwrap_or(p).display().to_string()).collect();
    for (file, ..) in ANSWERS {
        if !seen.iter().any(|s| s == file) {
            failures.push(format!("{file}: listed in ANSWERS but not in ../shared/invalid"));
        }
    }
    assert!(
        failures.is_empty(),
        "outcomes that do not answer the validator:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_sample_scene_loads_into_sane_geometry() {
    let Some(scenes) = common::shared_file("scenes") else { return };
    let shared = scenes.parent().expect("../shared").to_path_buf();
    let paths = common::files(&scenes, &["gltf", "glb"]);
    assert!(!paths.is_empty(), "no files in ../shared/scenes");
    for path in &paths {
        let name = path.strip_prefix(&shared).unwrap_or(path).display().to_string();
        let scene = load(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let triangles: usize =
            scene.meshes.iter().flat_map(|m| &m.primitives).map(|p| p.indices.len() / 3).sum();
        println!(
            "{name:<60} {} meshes, {} instances, {triangles} triangles, {} images, {} warnings",
            scene.meshes.len(),
            scene.instances.len(),
            scene.images.len(),
            scene.warnings.len()
        );
        for w in &scene.warnings {
            println!("    warning: {w}");
        }
        assert!(!scene.instances.is_empty(), "{name}: no instances");
        let b = scene.bounds;
        assert!(!b.is_empty() && b.min.is_finite() && b.max.is_finite(), "{name}: bounds {b:?}");
        for mesh in &scene.meshes {
            for (p, primitive) in mesh.primitives.iter().enumerate() {
                let here = format!("{name} mesh {:?} primitive {p}", mesh.name);
                assert_eq!(primitive.indices.len() % 3, 0, "{here}");
                assert!(!primitive.indices.is_empty(), "{here}: empty");
                let n = primitive.vertices.len();
                assert!(primitive.indices.iter().all(|&i| (i as usize) < n), "{here}: index range");
                for v in &primitive.vertices {
                    let all = [&v.position[..], &v.normal, &v.tangent, &v.uv0, &v.uv1, &v.color];
                    assert!(all.iter().all(|a| a.iter().all(|x| x.is_finite())), "{here}: {v:?}");
                    assert!((Vec3::from(v.normal).length() - 1.0).abs() < 1e-3, "{here}: {v:?}");
                    let t = Vec4::from(v.tangent);
                    assert!((t.truncate().length() - 1.0).abs() < 1e-3, "{here}: {v:?}");
                    assert!(t.w == 1.0 || t.w == -1.0, "{here}: {v:?}");
                }
                if let Some(m) = primitive.material {
                    assert!(m < scene.materials.len(), "{here}: material {m}");
                }
            }
        }
        for instance in &scene.instances {
            assert!(instance.mesh < scene.meshes.len(), "{name}: {instance:?}");
        }
        for material in &scene.materials {
            let textures = [
                material.base_color_texture,
                material.metallic_roughness_texture,
                material.normal_texture,
                material.occlusion_texture,
                material.emissive_texture,
            ];
            for t in textures.iter().flatten() {
                let image = scene.images.get(t.image).expect("texture image index in range");
                assert_eq!(image.rgba8.len(), image.width as usize * image.height as usize * 4);
            }
        }
    }
}

#[test]
fn box_has_twelve_triangles_in_a_unit_cube() {
    let Some(scene) = load_sample("Box/Box.glb") else { return };
    assert_eq!(scene.meshes.len(), 1);
    let triangles: usize = scene.meshes[0].primitives.iter().map(|p| p.indices.len() / 3).sum();
    assert_eq!(triangles, 12);
    assert!(scene.bounds.min.abs_diff_eq(Vec3::splat(-0.5), 1e-5), "{:?}", scene.bounds);
    assert!(scene.bounds.max.abs_diff_eq(Vec3::splat(0.5), 1e-5), "{:?}", scene.bounds);
    assert!(scene.warnings.is_empty(), "{:?}", scene.warnings);
}

#[test]
fn damaged_helmet_gets_all_textures_and_generated_tangents() {
    let Some(scene) = load_sample("DamagedHelmet/DamagedHelmet.glb") else { return };
    let m = &scene.materials[0];
    assert!(m.base_color_texture.is_some());
    assert!(m.metallic_roughness_texture.is_some());
    assert!(m.normal_texture.is_some());
    assert!(m.occlusion_texture.is_some());
    assert!(m.emissive_texture.is_some());
    assert_eq!(scene.images.len(), 5);
    // The file has no TANGENT, and the normal map needs them: MikkTSpace made them.
    for v in scene.meshes.iter().flat_map(|m| &m.primitives).flat_map(|p| &p.vertices) {
        let (n, t) = (Vec3::from(v.normal), Vec4::from(v.tangent));
        assert!((t.truncate().length() - 1.0).abs() < 1e-3, "{v:?}");
        assert!(n.dot(t.truncate()).abs() < 1e-3, "{v:?}");
    }
}

#[test]
fn emissive_strength_is_multiplied_into_the_factor() {
    let Some(scene) = load_sample("EmissiveStrengthTest/EmissiveStrengthTest.glb") else { return };
    let mut checked = 0;
    for m in &scene.materials {
        if let Some(strength) = m.name.strip_prefix("Emit").and_then(|s| s.parse::<f32>().ok()) {
            let expected = Vec3::new(0.1, 0.5, 0.9) * strength;
            assert!(
                m.emissive_factor.abs_diff_eq(expected, 1e-5),
                "{}: {}",
                m.name,
                m.emissive_factor
            );
            if strength > 1.0 {
                assert!(m.emissive_factor.max_element() > 1.0, "{}", m.name);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 5);
}

#[test]
fn lights_punctual_lamp_has_five_point_lights() {
    let Some(scene) = load_sample("LightsPunctualLamp/LightsPunctualLamp.gltf") else { return };
    let intensities: Vec<f32> = scene.lights.iter().map(|l| l.intensity).collect();
    assert_eq!(intensities, [15.0, 1.5, 80.0, 80.0, 180.0]);
    assert!(scene.lights.iter().all(|l| l.kind == LightKind::Point && l.range.is_none()));
    assert!(scene.lights.iter().all(|l| l.position().is_finite()));
    assert!(scene.warnings.iter().any(|w| w.contains("KHR_materials_transmission")));
}

#[test]
fn orientation_and_texture_coordinate_tests_place_their_nodes() {
    let Some(scene) = load_sample("OrientationTest/OrientationTest.glb") else { return };
    assert!(scene.cameras.is_empty());
    assert_eq!(scene.instances.len(), 13);
    let mut names: Vec<&str> = scene.instances.iter().map(|i| i.node.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 13);

    let Some(scene) = load_sample("TextureCoordinateTest/TextureCoordinateTest.glb") else {
        return;
    };
    assert!(scene.cameras.is_empty());
    let names: Vec<&str> = scene.instances.iter().map(|i| i.node.as_str()).collect();
    // Scene order, as the file lists its root nodes.
    assert_eq!(
        names,
        ["BackPlane", "BottomRightObj", "BottomLeftObj", "TopRightObj", "TopLeftObj"]
    );
    assert!(scene.materials.iter().any(|m| m.base_color_texture.is_some()));
}

#[test]
fn flight_helmet_has_several_materials_one_blended() {
    let Some(scene) = load_sample("FlightHelmet/FlightHelmet.gltf") else { return };
    assert_eq!(scene.materials.len(), 6);
    let blended: Vec<&str> = scene
        .materials
        .iter()
        .filter(|m| m.alpha_mode == AlphaMode::Blend)
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(blended, ["LensesMat"]);
    assert_eq!(scene.images.len(), 15);
    assert!(scene.materials.iter().all(|m| m.normal_texture.is_some()));
}

/// `glb` with TANGENT removed from every primitive.
fn without_tangents(glb: &[u8]) -> Vec<u8> {
    let word = |at: usize| u32::from_le_bytes(glb[at..at + 4].try_into().unwrap()) as usize;
    let json_len = word(12);
    let mut json: Value = gltf::json::deserialize::from_slice(&glb[20..20 + json_len]).unwrap();
    for mesh in json["meshes"].as_array_mut().unwrap() {
        for primitive in mesh["primitives"].as_array_mut().unwrap() {
            primitive["attributes"].as_object_mut().unwrap().remove("TANGENT");
        }
    }
    let mut text = gltf::json::serialize::to_vec(&json).unwrap();
    text.resize(text.len().next_multiple_of(4), b' ');
    let rest = &glb[20 + json_len..];
    let mut out = b"glTF".to_vec();
    out.extend(2u32.to_le_bytes());
    out.extend(((20 + text.len() + rest.len()) as u32).to_le_bytes());
    out.extend((text.len() as u32).to_le_bytes());
    out.extend(b"JSON");
    out.extend(text);
    out.extend(rest);
    out
}

#[test]
fn generated_tangents_match_the_ones_a_file_supplies() {
    let file = "scenes/NormalTangentMirrorTest/NormalTangentMirrorTest.glb";
    let Some(path) = common::shared_file(file) else { return };
    let bytes = std::fs::read(path).expect("NormalTangentMirrorTest.glb");
    let supplied = scene::load_from_slice(&bytes, None).expect("with tangents");
    let generated = scene::load_from_slice(&without_tangents(&bytes), None).expect("without");
    let key = |v: &afterlight::scene::Vertex| {
        (v.position.map(f32::to_bits), v.normal.map(f32::to_bits), v.uv0.map(f32::to_bits))
    };
    let file: std::collections::HashMap<_, Vec4> = supplied.meshes[0].primitives[0]
        .vertices
        .iter()
        .map(|v| (key(v), Vec4::from(v.tangent)))
        .collect();
    let (mut same, mut total) = (0, 0);
    for v in &generated.meshes[0].primitives[0].vertices {
        if let Some(t) = file.get(&key(v)) {
            total += 1;
            let g = Vec4::from(v.tangent);
            if g.w == t.w && g.truncate().dot(t.truncate()) > 0.9 {
                same += 1;
            }
        }
    }
    println!("{same} of {total} generated tangents agree with the file's");
    assert!(total > 1000 && same as f32 > 0.95 * total as f32, "{same} of {total}");
}

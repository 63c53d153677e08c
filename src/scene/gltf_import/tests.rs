//! The importer's tests, each loading a small glTF file built in memory.

use std::io::Cursor;

use base64::Engine as _;
use glam::{Vec2, Vec3, Vec4};

use crate::scene::{
    AlphaMode, CameraProjection, Filter, LightKind, Primitive, Sampler, Scene, SceneError,
    UvTransform, Wrap,
};

use super::buffers::BASE64;
use super::load_from_slice;

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
const SQUARE_ACCESSOR: &str =
    r#"{"bufferView":0,"componentType":5126,"count":4,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}"#;

#[test]
fn strip_and_fan_keep_counter_clockwise_winding_with_flat_normals() {
    let fan = [0., 0., 0., 1., 0., 0., 1., 1., 0., 0., 1., 0.];
    for (mode, data) in [(5, SQUARE), (6, fan)] {
        let file = gltf(
            &[f32s(&data)],
            &one_mesh(SQUARE_ACCESSOR, &format!(r#""attributes":{{"POSITION":0}},"mode":{mode}"#)),
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
    let positions: Vec<u8> =
        [0i16, 0, 0, 0, 100, 0, 0, 0, 0, 100, 0, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
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
            Vec3::from(v.tangent[..3].try_into().unwrap_or([0.0; 3])).abs_diff_eq(Vec3::X, 1e-5),
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
    let file = String::from_utf8(file).unwrap().replace("\"count\":10", "\"count\":4000000000000");
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
    assert!(s.warnings.iter().any(|w| w.contains("mesh \"m\" primitive 0")), "{:?}", s.warnings);
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
    assert_eq!(s.cameras[0].projection, CameraProjection::Perspective { yfov: 0.8, znear: 0.1 });
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
    assert_eq!((lamp.color, lamp.position()), (Vec3::new(1.0, 0.5, 0.0), Vec3::new(0.0, 3.0, 0.0)));
    assert_eq!((s.lights[1].name.as_str(), s.lights[1].kind), ("sun", LightKind::Directional));
    assert_eq!(s.lights[2].kind, LightKind::Spot { inner_cone_angle: 0.5, outer_cone_angle: 0.5 });
    assert!(s.warnings.iter().any(|w| w.contains("innerConeAngle")), "{:?}", s.warnings);
}

#[test]
fn external_files_need_a_base_directory_and_may_be_percent_encoded() {
    let file = br#"{"asset":{"version":"2.0"},"buffers":[{"uri":"my%20data.bin","byteLength":4}]}"#;
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
    assert_eq!(s.warnings.iter().filter(|w| w.contains("morph")).count(), 1, "{:?}", s.warnings);
    assert_eq!(s.instances.len(), 1);
}

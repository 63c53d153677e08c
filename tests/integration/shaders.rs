//! Shader loading and validation without a GPU: every shader in `shaders/` passes naga's
//! validator, and `#include` errors, parse errors and validation errors point at the file and
//! line the author wrote.

use std::path::{Path, PathBuf};

use afterlight::shaders::{self, ShaderError};

#[test]
fn every_shader_loads_and_validates() {
    let names = shaders::names();
    let mut failures = Vec::new();
    for name in &names {
        if let Err(e) = shaders::load(name).and_then(|source| shaders::validate(&source)) {
            failures.push(e.to_string());
        }
    }
    println!("validated {} shaders: {names:?}", names.len());
    assert!(failures.is_empty(), "{} shaders failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_top_level_file_on_disk_is_listed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let on_disk = shaders::names_in_dir(&root).expect("list shaders/");
    let listed = shaders::names();
    let missing: Vec<&String> = on_disk.iter().filter(|n| !listed.contains(n)).collect();
    assert!(missing.is_empty(), "not in shaders::names(): {missing:?}");
    assert!(listed.iter().all(|n| !n.starts_with("include/")), "includes are not shaders");
}

/// A shaders folder in the temp directory, removed when dropped.
struct Fixture(PathBuf);

impl Fixture {
    fn new(test: &str, files: &[(&str, &str)]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("afterlight-shaders-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("fixture files are in a folder"))
                .expect("create fixture folder");
            std::fs::write(path, text).expect("write fixture file");
        }
        Self(dir)
    }

    fn load(&self, name: &str) -> Result<shaders::ShaderSource, ShaderError> {
        shaders::load_from_dir(&self.0, name)
    }

    fn validate(&self, name: &str) -> Result<naga::Module, ShaderError> {
        shaders::validate(&self.load(name)?)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const COMMON: &str = "\
// Shared helpers.
const PI: f32 = 3.14159265;

fn luminance(c: vec3f) -> f32 {
    return dot(c, vec3f(0.2126, 0.7152, 0.0722));
}
";

const MAIN: &str = "\
#include \"include/common.wgsl\"

@fragment
fn main() -> @location(0) vec4f {
    let l = luminance(vec3f(1.0));
    return vec4f(l, l, l, 1.0);
}
";

#[test]
fn a_valid_shader_with_an_include_validates() {
    let f = Fixture::new("valid", &[("include/common.wgsl", COMMON), ("main.wgsl", MAIN)]);
    let source = f.load("main").expect("loads");
    assert_eq!(source.name, "main");
    assert_eq!(source.files(), ["main.wgsl", "include/common.wgsl"]);
    // The include's own line 4 (`fn luminance`) sits after main's line 1 in the expansion.
    let line = source.code.lines().position(|l| l.starts_with("fn luminance")).expect("expanded");
    assert_eq!(source.locate(line + 1), ("include/common.wgsl".to_owned(), 4));
    shaders::validate(&source).expect("valid");
    assert_eq!(f.load("main.wgsl").expect("the extension is optional").name, "main");
}

#[test]
fn parse_error_in_an_included_file_names_that_file_and_line() {
    let broken = COMMON.replace("fn luminance(c: vec3f)", "fn luminance(c: vec5f)");
    let f = Fixture::new("parse-include", &[("include/common.wgsl", &broken), ("main.wgsl", MAIN)]);
    match f.validate("main") {
        Err(ShaderError::Parse { file, line, column, message }) => {
            assert_eq!((file.as_str(), line, column), ("include/common.wgsl", 4, 17), "{message}");
            assert!(message.contains("vec5f"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let shown = f.validate("main").expect_err("broken").to_string();
    assert!(shown.starts_with("shaders/include/common.wgsl:4:17: error: "), "{shown}");
}

#[test]
fn error_after_an_include_names_the_main_file_and_its_own_line() {
    let broken = MAIN.replace("let l = luminance(vec3f(1.0));", "let l = luminance(vec3f(1.0)) +;");
    let f = Fixture::new("parse-main", &[("include/common.wgsl", COMMON), ("main.wgsl", &broken)]);
    match f.validate("main") {
        Err(ShaderError::Parse { file, line, .. }) => {
            assert_eq!((file.as_str(), line), ("main.wgsl", 5))
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn validation_error_names_the_original_file_and_line() {
    // Parses, but returns an f32 from a function declared to return vec4f. naga points at
    // the returned expression, so it is written on the return line.
    let broken = MAIN.replace("return vec4f(l, l, l, 1.0);", "return l * 2.0;");
    let f = Fixture::new("validation", &[("include/common.wgsl", COMMON), ("main.wgsl", &broken)]);
    match f.validate("main") {
        Err(ShaderError::Validation { file, line, message, .. }) => {
            assert_eq!((file.as_str(), line), ("main.wgsl", 6), "{message}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }

    // An error inside an included function is reported in the include.
    let broken = COMMON.replace("return dot(c, vec3f(0.2126, 0.7152, 0.0722));", "return c * 2.0;");
    let f = Fixture::new(
        "validation-include",
        &[("include/common.wgsl", &broken), ("main.wgsl", MAIN)],
    );
    match f.validate("main") {
        Err(ShaderError::Validation { file, line, message, .. }) => {
            assert_eq!((file.as_str(), line), ("include/common.wgsl", 5), "{message}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn missing_include_names_the_including_file_and_line() {
    let main = "// A comment.\n#include \"include/nope.wgsl\"\n";
    let f = Fixture::new("missing", &[("main.wgsl", main)]);
    match f.load("main") {
        Err(ShaderError::Include { file, line, reason }) => {
            assert_eq!((file.as_str(), line), ("main.wgsl", 2));
            assert!(reason.contains("include/nope.wgsl"), "{reason}");
        }
        other => panic!("expected an include error, got {other:?}"),
    }
}

#[test]
fn include_cycle_names_the_file_and_line_that_closes_it() {
    let f = Fixture::new(
        "cycle",
        &[
            ("main.wgsl", "#include \"include/a.wgsl\"\n"),
            ("include/a.wgsl", "// a\n#include \"include/b.wgsl\"\n"),
            ("include/b.wgsl", "// b\n\n#include \"include/a.wgsl\"\n"),
        ],
    );
    match f.load("main") {
        Err(ShaderError::Include { file, line, reason }) => {
            assert_eq!((file.as_str(), line), ("include/b.wgsl", 3));
            assert!(
                reason.contains("include/a.wgsl -> include/b.wgsl -> include/a.wgsl"),
                "{reason}"
            );
        }
        other => panic!("expected an include error, got {other:?}"),
    }
}

#[test]
fn a_file_included_twice_is_expanded_once() {
    let f = Fixture::new(
        "twice",
        &[
            ("include/common.wgsl", COMMON),
            ("include/tone.wgsl", "#include \"include/common.wgsl\"\nfn tone(x: f32) -> f32 { return x / (1.0 + x); }\n"),
            (
                "main.wgsl",
                &MAIN.replace(
                    "#include \"include/common.wgsl\"",
                    "#include \"include/common.wgsl\"\n#include \"include/tone.wgsl\"\n#include \"./include/common.wgsl\"",
                ),
            ),
        ],
    );
    let source = f.load("main").expect("loads");
    assert_eq!(source.code.matches("fn luminance").count(), 1);
    assert_eq!(source.files(), ["main.wgsl", "include/common.wgsl", "include/tone.wgsl"]);
    shaders::validate(&source).expect("a declaration included twice would not validate");
    // Lines after the skipped includes still map to main.wgsl.
    let line = source.code.lines().position(|l| l.starts_with("fn main")).expect("expanded");
    assert_eq!(source.locate(line + 1), ("main.wgsl".to_owned(), 6));
}

#[test]
fn malformed_include_and_unknown_shader_are_errors() {
    let f = Fixture::new("malformed", &[("main.wgsl", "\n  #include include/common.wgsl\n")]);
    match f.load("main") {
        Err(ShaderError::Include { file, line, .. }) => {
            assert_eq!((file.as_str(), line), ("main.wgsl", 2))
        }
        other => panic!("expected an include error, got {other:?}"),
    }
    assert!(matches!(f.load("absent"), Err(ShaderError::NotFound { .. })));
    assert!(matches!(f.load("../main"), Err(ShaderError::NotFound { .. })));
    assert!(matches!(f.load("include/common"), Err(ShaderError::NotFound { .. })));
}

#[test]
fn names_in_dir_lists_top_level_shaders_and_folders_but_not_includes() {
    let f = Fixture::new(
        "names",
        &[
            ("include/common.wgsl", COMMON),
            ("main.wgsl", MAIN),
            ("bloom/downsample.wgsl", ""),
            ("notes.txt", ""),
        ],
    );
    assert_eq!(shaders::names_in_dir(&f.0).expect("lists"), ["bloom/downsample", "main"]);
    assert!(f.load("bloom/downsample").is_ok());
}

/// With a device (a software one is enough), every shader becomes a module; without one the
/// skip is recorded (a failure under `AFTERLIGHT_REQUIRE_GPU=1`).
#[test]
fn every_shader_creates_a_module_on_a_device() {
    let Some(gpu) = crate::common::gpu() else { return };
    let names = shaders::names();
    for name in &names {
        if let Err(e) = shaders::create_module(&gpu.device, name) {
            panic!("{name} on {}: {e}", gpu.info.name);
        }
    }
    println!("created {} modules on {}", names.len(), gpu.info.name);

    // A shader naga rejects never reaches the device.
    let f = Fixture::new("device", &[("main.wgsl", "fn f() -> f32 { return vec2f(1.0); }\n")]);
    let source = f.load("main").expect("loads");
    assert!(matches!(
        shaders::create_module_from_source(&gpu.device, &source),
        Err(ShaderError::Validation { .. } | ShaderError::Parse { .. })
    ));
}

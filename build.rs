//! Embeds every WGSL file under `shaders/` into the crate, so a built binary needs no shader
//! files next to it. `src/shaders.rs` includes the generated table and decides at run time
//! whether to read from disk (development) or from this table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn main() {
    // Cargo scans a directory given here recursively, so adding, removing or editing any
    // shader re-runs this script and re-embeds.
    println!("cargo:rerun-if-changed=shaders");

    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("shaders");
    let mut files = Vec::new();
    if root.is_dir() {
        collect(&root, "", &mut files).expect("cannot list shaders/");
    }
    // Sorted so the generated file (and so the build) does not depend on directory order.
    files.sort();

    let mut out = String::from(
        "/// Every `.wgsl` file under `shaders/`: (path relative to `shaders/`, contents).\n\
         pub(super) static FILES: &[(&str, &str)] = &[\n",
    );
    for relative in &files {
        let absolute = root.join(relative);
        let absolute = absolute.to_str().expect("shader paths must be valid UTF-8");
        // `{:?}` quotes and escapes, which keeps Windows backslashes intact.
        writeln!(out, "    ({relative:?}, include_str!({absolute:?})),").expect("write to String");
    }
    out.push_str("];\n");

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out_dir.join("embedded_shaders.rs"), out).expect("cannot write embedded_shaders.rs");
}

/// Adds the `.wgsl` files under `dir` to `files` as `/`-separated paths relative to the root.
/// Hidden entries are skipped: editors put lock and swap files there.
fn collect(dir: &Path, prefix: &str, files: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let relative = format!("{prefix}{name}");
        let path = entry.path();
        if path.is_dir() {
            collect(&path, &format!("{relative}/"), files)?;
        } else if name.ends_with(".wgsl") {
            files.push(relative);
        }
    }
    Ok(())
}

//! Every way a test may end without running its check goes through here, so that a skip is
//! never silent and CI can refuse them:
//! - a missing asset under `../shared` fails the test under `AFTERLIGHT_REQUIRE_ASSETS=1`
//!   (set by `.ci/run`), naming the file;
//! - a missing GPU adapter fails it under `AFTERLIGHT_REQUIRE_GPU=1` (set by `.ci/run`);
//! - a missing capability (timestamps, compute, a storage or render format) is checked against
//!   the adapter itself: if our code says the capability is missing but the adapter has it, the
//!   test fails (that is a bug of ours, not the machine's); only a capability the adapter truly
//!   lacks may skip, and the skip names it.
//!
//! Each skip is printed and appended as one line (`test name: reason`) to the skip log,
//! `AFTERLIGHT_SKIP_LOG` or else `target/tmp/skipped-tests.txt`; `.ci/run` counts its lines
//! and fails when there is any.

use std::io::Write;
use std::path::PathBuf;

use afterlight::gpu::Gpu;

/// Something a test needs from the adapter, checked on the adapter itself (not on the device
/// we created, nor through our own code's view of it).
#[derive(Clone, Copy, Debug)]
pub enum Capability {
    /// `TIMESTAMP_QUERY` and `TIMESTAMP_QUERY_INSIDE_ENCODERS` (the per-pass timer).
    TimestampsInsideEncoders,
    /// Compute shaders with 8x8 workgroups, two storage textures per stage, and write-only
    /// storage of Rgba8Unorm and Rgba16Float (the post chain's compute variant).
    ComputeVariant,
    /// The compute variant, and write-only storage of this format too.
    ComputeStorage(wgpu::TextureFormat),
    /// Rendering to this format.
    Renderable(wgpu::TextureFormat),
    /// The features of this rung of the timing ladder.
    Timing(afterlight::gpu::TimingMethod),
}

impl Capability {
    /// Whether `adapter` has the capability.
    fn on(self, adapter: &wgpu::Adapter) -> bool {
        let storable = |format| {
            adapter
                .get_texture_format_features(format)
                .allowed_usages
                .contains(wgpu::TextureUsages::STORAGE_BINDING)
        };
        match self {
            Self::TimestampsInsideEncoders => {
                adapter.features().contains(afterlight::gpu::TIMER_FEATURES)
            }
            Self::ComputeVariant => {
                let limits = adapter.limits();
                let compute = adapter
                    .get_downlevel_capabilities()
                    .flags
                    .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS);
                compute
                    && limits.max_compute_workgroup_size_x >= 8
                    && limits.max_compute_workgroup_size_y >= 8
                    && limits.max_compute_invocations_per_workgroup >= 64
                    && limits.max_storage_textures_per_shader_stage >= 2
                    && storable(wgpu::TextureFormat::Rgba8Unorm)
                    && storable(wgpu::TextureFormat::Rgba16Float)
            }
            Self::ComputeStorage(format) => Self::ComputeVariant.on(adapter) && storable(format),
            Self::Renderable(format) => adapter
                .get_texture_format_features(format)
                .allowed_usages
                .contains(wgpu::TextureUsages::RENDER_ATTACHMENT),
            Self::Timing(method) => method.supported_by(adapter.features()),
        }
    }
}

/// Whether the test must stop because `capability` is missing. `says_missing` is our code's
/// verdict (`Some(reason)` when it would not run the thing under test). Returns `false` when our
/// code can run it; `true` (after recording the skip) only when the adapter truly lacks the
/// capability; panics when our code refuses what the adapter has.
pub fn lacks(gpu: &Gpu, capability: Capability, says_missing: Option<String>) -> bool {
    let Some(reason) = says_missing else { return false };
    assert!(
        !capability.on(&gpu.adapter),
        "{} has {capability:?}, yet the code under test refuses it: {reason}",
        gpu.info.name
    );
    record(&format!("{} lacks {capability:?}: {reason}", gpu.info.name));
    true
}

/// [`lacks`] with our code's verdict as a flag: `refused` when the code under test would not
/// run for want of `capability`.
pub fn refuses(gpu: &Gpu, capability: Capability, refused: bool) -> bool {
    lacks(gpu, capability, refused.then(|| "refused by the code under test".to_owned()))
}

/// Whether the environment variable `name` is set to 1.
pub fn required(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

/// A test stops for want of a GPU adapter: a failure under `AFTERLIGHT_REQUIRE_GPU=1`,
/// else a recorded skip.
pub fn no_adapter(why: &str) {
    if required("AFTERLIGHT_REQUIRE_GPU") {
        panic!("AFTERLIGHT_REQUIRE_GPU=1 but no GPU adapter: {why}");
    }
    record(&format!("no GPU adapter ({why}); set AFTERLIGHT_REQUIRE_GPU=1 to fail instead"));
}

/// `relative` under `../shared` beside the checkout, when it exists; else a failure under
/// `AFTERLIGHT_REQUIRE_ASSETS=1` naming the file, or a recorded skip.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    let path = shared_dir().join(relative);
    if path.exists() {
        return Some(path);
    }
    let what = format!("../shared/{relative} is missing ({})", path.display());
    if required("AFTERLIGHT_REQUIRE_ASSETS") {
        panic!("AFTERLIGHT_REQUIRE_ASSETS=1 but {what}");
    }
    record(&format!("{what}; set AFTERLIGHT_REQUIRE_ASSETS=1 to fail instead"));
    None
}

/// Whether a run of the `afterlight` binary that wrote `stderr` stopped for want of a GPU
/// adapter, so the test must stop too. When the test process itself has an adapter, the
/// binary's "no GPU adapter" is a bug and the test fails; without one it is [`no_adapter`].
pub fn binary_found_no_adapter(stderr: &str) -> bool {
    if !stderr.contains("no GPU adapter") {
        return false;
    }
    if let Ok(gpu) = Gpu::new(&Default::default()) {
        panic!(
            "the afterlight binary found no GPU adapter, but this process has {}: {stderr}",
            gpu.info.name
        );
    }
    no_adapter(stderr.trim());
    true
}

/// A test stops because a tool outside Rust (e.g. `xvfb-run`) is missing: a failure under
/// `AFTERLIGHT_REQUIRE_GPU=1` (CI installs its tools), else a recorded skip.
pub fn no_tool(what: &str) {
    if required("AFTERLIGHT_REQUIRE_GPU") {
        panic!("AFTERLIGHT_REQUIRE_GPU=1 (CI) but {what}");
    }
    record(what);
}

/// `../shared` beside the checkout, or `AFTERLIGHT_SHARED_DIR` (this file's own tests point it
/// at a folder that does not exist).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("AFTERLIGHT_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// Where skips are logged.
pub fn log_path() -> PathBuf {
    std::env::var_os("AFTERLIGHT_SKIP_LOG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt"))
}

/// Print the skip and append it to the log as one line, named after the running test.
fn record(reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("(unnamed test thread)");
    eprintln!("SKIPPED {test}: {reason}");
    let line = format!("{test}: {}\n", reason.replace('\n', " "));
    let path = log_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!("cannot record the skip in {}: {e}", path.display());
    }
}

/// Runs one test of this binary in a child process with `env`, returning whether it passed and
/// what it printed.
fn run_alone(test: &str, env: &[(&str, &std::ffi::OsStr)]) -> (bool, String) {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    command.env_remove("AFTERLIGHT_REQUIRE_ASSETS").env_remove("AFTERLIGHT_SKIP_LOG");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("run the test binary");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// The mechanism itself, on a test that needs `../shared/luts`: with the folder missing it
/// passes as a recorded skip (one line in the log, naming the test and the file), and under
/// `AFTERLIGHT_REQUIRE_ASSETS=1` it fails, naming the file.
#[test]
fn a_missing_asset_is_a_recorded_skip_or_under_the_requirement_a_failure() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skip-mechanism");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let log = dir.join("skips.txt");
    let missing = dir.join("no-shared-here");
    let test = "cube_lut::srgb_eotf_lut_matches_closed_form";
    let (passed, text) = run_alone(
        test,
        &[("AFTERLIGHT_SHARED_DIR", missing.as_os_str()), ("AFTERLIGHT_SKIP_LOG", log.as_os_str())],
    );
    assert!(passed, "a missing asset skips: {text}");
    assert!(text.contains("1 passed"), "the test ran: {text}");
    let logged = std::fs::read_to_string(&log).expect("the skip is logged");
    assert_eq!(logged.lines().count(), 1, "{logged}");
    assert!(
        logged.starts_with(&format!("{test}: ")) && logged.contains("luts is missing"),
        "{logged}"
    );
    let (passed, text) = run_alone(
        test,
        &[
            ("AFTERLIGHT_SHARED_DIR", missing.as_os_str()),
            ("AFTERLIGHT_REQUIRE_ASSETS", "1".as_ref()),
            ("AFTERLIGHT_SKIP_LOG", log.as_os_str()),
        ],
    );
    assert!(!passed, "AFTERLIGHT_REQUIRE_ASSETS=1 turns the skip into a failure: {text}");
    assert!(text.contains("AFTERLIGHT_REQUIRE_ASSETS=1 but ../shared/luts is missing"), "{text}");
}

/// Whether the test must stop because the device has no per-pass GPU times (no timestamp
/// queries at all: only the frame rung of the timing ladder), recording why.
pub fn lacks_pass_times(gpu: &Gpu) -> bool {
    let per_pass = afterlight::gpu::TimingMethod::Pass;
    refuses(gpu, Capability::Timing(per_pass), !per_pass.supported_by(gpu.device.features()))
}

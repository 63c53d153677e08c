//! Quiet backend probing on a headless Linux machine, for command-line programs.
//!
//! With no Wayland display named, every command used to print `error: XDG_RUNTIME_DIR is
//! invalid or not set in the environment.` two to four times. libwayland-client prints it when
//! something asks it for the default display: Mesa's Vulkan device-select layer does while the
//! Vulkan loader lists GPUs, and wgpu's EGL setup does while it looks for a Wayland platform.
//! Neither is an error here: both go on without a display. [`quiet_headless_probing`] routes
//! libwayland-client's log to this crate's debug log instead (`RUST_LOG=afterlight=debug` shows
//! it), through libwayland's own `wl_log_set_handler_client`. It changes nothing when a Wayland
//! display is named, and nothing off Linux.

/// Route libwayland-client's log to the debug log when `WAYLAND_DISPLAY` is unset (call it once,
/// before the first `wgpu::Instance`). Does nothing when the library is not installed.
pub fn quiet_headless_probing() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WAYLAND_DISPLAY").is_none() {
        linux::route_wayland_log();
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::ffi::{CStr, c_char, c_void};

    /// `wl_log_func_t`: `void (*)(const char *fmt, va_list args)`. A `va_list` argument is a
    /// pointer on x86-64 and is passed by reference on AArch64; the handler never reads it.
    type LogHandler = unsafe extern "C" fn(*const c_char, *mut c_void);

    /// libwayland's messages are printf formats; the ones seen while probing take no arguments,
    /// so the format itself is the message.
    unsafe extern "C" fn to_debug_log(format: *const c_char, _args: *mut c_void) {
        if format.is_null() {
            return;
        }
        // SAFETY: libwayland passes a NUL-terminated format string that outlives the call.
        let text = unsafe { CStr::from_ptr(format) }.to_string_lossy();
        log::debug!("libwayland-client: {}", text.trim_end());
    }

    pub fn route_wayland_log() {
        // SAFETY: loading libwayland-client runs no initialisers with preconditions; the symbol
        // has the C signature declared above (wayland-client-core.h), and the library is kept
        // loaded for the life of the process so the handler stays valid.
        unsafe {
            let Ok(library) = libloading::Library::new("libwayland-client.so.0") else { return };
            let set: Result<libloading::Symbol<'_, unsafe extern "C" fn(LogHandler)>, _> =
                library.get(b"wl_log_set_handler_client\0");
            if let Ok(set) = set {
                set(to_debug_log);
            }
            std::mem::forget(library);
        }
    }
}

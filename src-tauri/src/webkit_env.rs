//! How WebKitGTK is set up before GTK starts (Linux only).
//!
//! Two small windows that show text gain nothing from the GPU, and on a
//! machine without one (Xvfb, many office PCs, VMs) every process that opens
//! a GL or EGL display loads Mesa's llvmpipe, libLLVM included: about 60 MB
//! of RSS each (measured: `bench/RESULTS.md`).
//!
//! - WebKit's accelerated compositing is off (`WEBKIT_DISABLE_COMPOSITING_MODE`):
//!   each page is painted into shared memory and the app process only copies
//!   it to the window.
//! - The app process then needs no GL at all, so it opens none: GDK's GLX
//!   probe is off (`GDK_GL=disable`) and this process's EGL is initialised
//!   with no vendor, so WebKit's own display probe in this process finds none
//!   and falls back to shared memory. WebKit's web processes still need EGL
//!   (WebKitGTK 2.50 aborts without a surfaceless display), so the EGL vendor
//!   override is removed again before any of them is started: they inherit the
//!   normal environment.
//!
//! A value the user exported wins: with `WEBKIT_DISABLE_COMPOSITING_MODE=0`
//! compositing stays on and this process keeps its GL, and an exported
//! `GDK_GL` or `__EGL_VENDOR_LIBRARY_FILENAMES` is left as it is.

/// glvnd reads this list of vendor files once, at this process's first EGL
/// call; a file that does not exist is skipped, so the list is empty.
#[cfg(target_os = "linux")]
const NO_EGL_VENDOR: &str = "/nonexistent/ringside-no-egl-vendor.json";

/// What [`prepare`] decided, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prepared {
    /// Accelerated compositing is off (ours or the user's choice).
    pub compositing_off: bool,
    /// This process opened its EGL with no vendor and GDK's GL is off, so it
    /// loads no Mesa.
    pub app_without_gl: bool,
}

/// Sets the environment WebKitGTK reads at start. Must run first thing in
/// `main`, before any thread exists (`set_var` is only sound then).
#[cfg(target_os = "linux")]
pub fn prepare() -> Prepared {
    use std::env;
    if env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    let compositing_off = env::var("WEBKIT_DISABLE_COMPOSITING_MODE").is_ok_and(|v| v != "0");
    if !compositing_off || env::var_os("RINGSIDE_APP_GL").is_some() {
        return Prepared {
            compositing_off,
            app_without_gl: false,
        };
    }
    if env::var_os("GDK_GL").is_none() {
        env::set_var("GDK_GL", "disable");
    }
    if env::var_os("__EGL_VENDOR_LIBRARY_FILENAMES").is_some() {
        return Prepared {
            compositing_off,
            app_without_gl: false,
        };
    }
    env::set_var("__EGL_VENDOR_LIBRARY_FILENAMES", NO_EGL_VENDOR);
    let egl = khronos_egl::Instance::new(khronos_egl::Static);
    // EGL_NO_DISPLAY + EGL_EXTENSIONS makes glvnd load its vendor list now.
    // Whatever it answers (no vendor: an empty list or none), the list is read.
    let _ = egl.query_string(None, khronos_egl::EXTENSIONS);
    env::remove_var("__EGL_VENDOR_LIBRARY_FILENAMES");
    Prepared {
        compositing_off,
        app_without_gl: true,
    }
}

/// Nothing to prepare off Linux.
#[cfg(not(target_os = "linux"))]
pub fn prepare() -> Prepared {
    Prepared {
        compositing_off: false,
        app_without_gl: false,
    }
}

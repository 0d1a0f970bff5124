//! One-time global initialisation of wimlib.

use std::sync::Once;

use wimlib_sys as sys;

static INIT: Once = Once::new();

/// Initialises wimlib once per process: paths are looked up case-insensitively (as Windows
/// does) and wimlib never prints errors or warnings to stderr on its own (errors come back to
/// callers as typed [`crate::Error`]s instead).
pub(crate) fn ensure() {
    INIT.call_once(|| {
        // SAFETY: called exactly once (std::sync::Once) before any other wimlib call made by
        // this crate; wimlib_global_init is documented as safe to call before other threads
        // use wimlib. A failure here (only possible for invalid flags) would surface again as
        // an error from the first real wimlib call, which performs the same initialisation.
        unsafe {
            sys::wimlib_global_init(sys::WIMLIB_INIT_FLAG_DEFAULT_CASE_INSENSITIVE as i32);
            sys::wimlib_set_print_errors(false);
        }
    });
}

/// The version of the wimlib linked in, as it reports itself (e.g. `1.14.4`).
pub fn wimlib_version() -> String {
    // SAFETY: wimlib_get_version takes nothing, touches no global state (no initialisation
    // needed) and returns a plain number: major << 20 | minor << 10 | patch.
    let v = unsafe { sys::wimlib_get_version() };
    format!("{}.{}.{}", v >> 20, (v >> 10) & 0x3ff, v & 0x3ff)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wimlib_version_is_the_bundled_one() {
        let v = super::wimlib_version();
        assert_eq!(
            v,
            format!(
                "{}.{}.{}",
                wimlib_sys::WIMLIB_MAJOR_VERSION,
                wimlib_sys::WIMLIB_MINOR_VERSION,
                wimlib_sys::WIMLIB_PATCH_VERSION
            )
        );
    }
}

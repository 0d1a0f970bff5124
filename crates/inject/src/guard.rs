//! Running a dependency's code so that a panic in it becomes an error, not a crash.
//!
//! nt-hive asserts on some inputs (a differencing hive, some damaged cells). The project's rule
//! is that a panic from any dependency is a bug of ours, so every call into it goes through
//! [`no_panic`]: the panic is caught, its message becomes the error, and nothing is printed (the
//! process-wide panic hook is wrapped once so that it stays silent on the threads inside a
//! [`no_panic`] call and behaves as before everywhere else).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// True while this thread runs inside [`no_panic`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static WRAP_HOOK: Once = Once::new();

/// Runs `f`; a panic inside it is returned as `Err("<what> panicked: <message>")`.
pub fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    WRAP_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        format!("{what} panicked: {message}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_values_pass_through() {
        assert_eq!(no_panic("x", || 7), Ok(7));
        let err = no_panic("nt-hive", || -> u8 { panic!("assertion failed: boom") }).unwrap_err();
        assert_eq!(err, "nt-hive panicked: assertion failed: boom");
        let err = no_panic("y", || -> u8 { panic!("{}", String::from("owned")) }).unwrap_err();
        assert_eq!(err, "y panicked: owned");
    }
}

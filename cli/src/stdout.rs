//! Printing that never panics: `println!` panics when stdout is a closed pipe
//! (`inject-root list ... | head`). Once a write fails, the rest of the output is dropped; the
//! exit code still says how the job went.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static GONE: AtomicBool = AtomicBool::new(false);

/// Writes one line to stdout, unless stdout is gone.
pub fn line(args: std::fmt::Arguments) {
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{args}").and_then(|()| out.flush()).is_err() {
        GONE.store(true, Ordering::Relaxed);
    }
}

/// Writes one line to stderr; a failure is ignored (there is nowhere left to say it).
pub fn err_line(args: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// `println!` that never panics (see the module documentation).
macro_rules! outln {
    ($($arg:tt)*) => { $crate::stdout::line(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::stdout::err_line(format_args!($($arg)*)) };
}

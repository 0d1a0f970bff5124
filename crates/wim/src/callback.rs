//! Calling the caller's progress callback from inside a commit, for both writers: a panic in
//! the callback is caught (it must never unwind through wimlib's C frames, nor leave a half
//! written commit behind) and becomes the message of [`crate::Error::CallbackPanicked`].

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::commit_types::Progress;

/// Calls `cb` with `p`; `Err(message)` if it panicked.
pub(crate) fn report(cb: &mut dyn FnMut(Progress), p: Progress) -> std::result::Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| cb(p))).map_err(|payload| panic_message(payload.as_ref()))
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        let p = Progress {
            bytes_done: 1,
            bytes_total: 2,
        };
        assert_eq!(report(&mut |_| {}, p), Ok(()));
        assert_eq!(report(&mut |_| panic!("bug {}", 7), p), Err("bug 7".into()));
        assert_eq!(report(&mut |_| panic!("static"), p), Err("static".into()));
    }
}

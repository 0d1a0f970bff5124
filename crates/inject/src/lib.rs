//! inject (work in progress).

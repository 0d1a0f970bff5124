//! wim (work in progress).

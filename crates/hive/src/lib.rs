//! Pure-Rust reader and editor for Windows registry hive files (regf).
//! See docs/architecture.md for the contract this crate offers.

pub mod log;

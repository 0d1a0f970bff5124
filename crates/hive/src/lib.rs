//! Pure-Rust reader and editor for Windows registry hive files (regf).
//!
//! See docs/architecture.md for the contract this crate offers. Layers, bottom up: bounds-checked
//! cell access (`cell`), one module per on-disk record (base block, nk, vk, lists, sk, db),
//! the allocator, and the friendly [`Hive`] / [`Key`] / [`Value`] API with its edit operations.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alloc;
pub mod atomic;
mod base_block;
mod cell;
mod db;
mod edit;
mod error;
mod footprint;
mod hbin;
mod hive;
mod image;
mod key;
mod lists;
mod names;
mod nk;
mod sk;
mod structure;
mod value_type;
mod vk;
mod write;

pub mod log;

pub use error::{Error, Result};
pub use footprint::{Footprint, HbinChange};
pub use hive::Hive;
pub use key::{Key, Value};
pub use value_type::ValueType;

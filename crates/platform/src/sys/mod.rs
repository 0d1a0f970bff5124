//! The two sides of the platform layer; exactly one is compiled.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::FileIdentity;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::FileIdentity;
#[cfg(windows)]
pub(crate) use windows::*;

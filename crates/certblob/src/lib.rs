//! Certificate input, SHA-1 thumbprints, the Windows registry certificate `Blob` format and
//! regedit `.reg` files. See docs/architecture.md for the contract this crate offers.

pub mod reg;

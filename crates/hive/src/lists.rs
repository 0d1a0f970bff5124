//! Subkey lists: `li`, `lf` (name hints), `lh` (name hashes) leaves and `ri` index roots.

use std::collections::HashSet;

use crate::cell::{allocated, Cell};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::names;

/// The form of a subkey list cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Index leaf: key node offsets only.
    Li,
    /// Fast leaf: offsets with 4-character name hints.
    Lf,
    /// Hash leaf: offsets with name hashes.
    Lh,
    /// Index root: offsets of leaves.
    Ri,
}

impl Kind {
    fn sig(self) -> &'static [u8; 2] {
        match self {
            Kind::Li => b"li",
            Kind::Lf => b"lf",
            Kind::Lh => b"lh",
            Kind::Ri => b"ri",
        }
    }

    /// Bytes per list element.
    pub fn stride(self) -> usize {
        match self {
            Kind::Lf | Kind::Lh => 8,
            Kind::Li | Kind::Ri => 4,
        }
    }

    /// Reads the kind of the list in `cell`.
    pub fn of(bytes: &Image, cell: &Cell) -> Result<Kind> {
        let sig = cell.slice(bytes, 0, 2, "subkey list signature")?;
        match sig {
            b"li" => Ok(Kind::Li),
            b"lf" => Ok(Kind::Lf),
            b"lh" => Ok(Kind::Lh),
            b"ri" => Ok(Kind::Ri),
            other => Err(Error::BadSignature {
                offset: cell.at(0),
                expected: "li/lf/lh/ri",
                found: other.to_vec(),
            }),
        }
    }
}

/// One leaf of a subkey list.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub cell: Cell,
    pub kind: Kind,
    pub entries: Vec<u32>,
    /// The raw list elements (offset plus hint or hash), kept byte-exact for rewrites.
    pub raw: Vec<Vec<u8>>,
}

/// A whole subkey list: an optional index root and its leaves, in order.
#[derive(Debug, Clone)]
pub(crate) struct SubkeyList {
    pub root: Option<Cell>,
    pub leaves: Vec<Leaf>,
}

impl SubkeyList {
    /// All key node offsets in order.
    pub fn offsets(&self) -> Vec<u32> {
        self.leaves
            .iter()
            .flat_map(|l| l.entries.iter().copied())
            .collect()
    }
}

/// Reads the raw elements of a list of `kind` in `cell`.
fn raw_elements(bytes: &Image, cell: &Cell, kind: Kind) -> Result<Vec<Vec<u8>>> {
    let n = elements(bytes, cell, kind)?.len();
    (0..n)
        .map(|i| {
            cell.slice(
                bytes,
                4 + i * kind.stride(),
                kind.stride(),
                "subkey list element",
            )
            .map(<[u8]>::to_vec)
        })
        .collect()
}

/// Reads `count` elements (offsets) of a list of `kind` in `cell`.
fn elements(bytes: &Image, cell: &Cell, kind: Kind) -> Result<Vec<u32>> {
    let n = cell.u16(bytes, 2, "subkey list count")?;
    let need = 4 + usize::from(n) * kind.stride();
    if need > cell.len {
        return Err(Error::corrupt(
            cell.at(2),
            format!(
                "subkey list count {n} does not fit its cell ({} bytes)",
                cell.len
            ),
        ));
    }
    (0..usize::from(n))
        .map(|i| cell.u32(bytes, 4 + i * kind.stride(), "subkey list element"))
        .collect()
}

/// Reads the subkey list at `list`, which must hold exactly `count` keys.
pub(crate) fn read(
    bytes: &Image,
    bins_size: u32,
    list: u32,
    count: u32,
    referrer: u64,
) -> Result<SubkeyList> {
    if count == 0 {
        return Ok(SubkeyList {
            root: None,
            leaves: Vec::new(),
        });
    }
    let cell = allocated(bytes, bins_size, list, referrer)?;
    let kind = Kind::of(bytes, &cell)?;
    let mut out = SubkeyList {
        root: None,
        leaves: Vec::new(),
    };
    if kind == Kind::Ri {
        out.root = Some(cell);
        let mut seen = HashSet::new();
        for (i, leaf_off) in elements(bytes, &cell, Kind::Ri)?.into_iter().enumerate() {
            let at = cell.at(4 + i * 4);
            if !seen.insert(leaf_off) {
                return Err(Error::Cycle {
                    offset: at,
                    what: "index root lists the same subkey list twice",
                });
            }
            let leaf = allocated(bytes, bins_size, leaf_off, at)?;
            let leaf_kind = Kind::of(bytes, &leaf)?;
            if leaf_kind == Kind::Ri {
                return Err(Error::Cycle {
                    offset: leaf.at(0),
                    what: "index root nested inside an index root",
                });
            }
            let entries = elements(bytes, &leaf, leaf_kind)?;
            let raw = raw_elements(bytes, &leaf, leaf_kind)?;
            out.leaves.push(Leaf {
                cell: leaf,
                kind: leaf_kind,
                entries,
                raw,
            });
        }
    } else {
        let entries = elements(bytes, &cell, kind)?;
        let raw = raw_elements(bytes, &cell, kind)?;
        out.leaves.push(Leaf {
            cell,
            kind,
            entries,
            raw,
        });
    }
    let total: u64 = out.leaves.iter().map(|l| l.entries.len() as u64).sum();
    if total != u64::from(count) {
        return Err(Error::corrupt(
            referrer,
            format!("key says {count} subkeys but its subkey list holds {total}"),
        ));
    }
    Ok(out)
}

/// One raw element of a leaf of `kind` for the key node at `off` named `name`.
pub(crate) fn element(kind: Kind, off: u32, name: &[u16]) -> Vec<u8> {
    let mut d = off.to_le_bytes().to_vec();
    match kind {
        Kind::Lf => d.extend_from_slice(&names::lf_hint(name)),
        Kind::Lh => d.extend_from_slice(&names::lh_hash(name).to_le_bytes()),
        Kind::Li | Kind::Ri => {}
    }
    d
}

/// Builds the cell data of a leaf of `kind` from its raw elements.
pub(crate) fn build_leaf(kind: Kind, raw: &[Vec<u8>]) -> Vec<u8> {
    let mut d = Vec::with_capacity(4 + raw.len() * kind.stride());
    d.extend_from_slice(kind.sig());
    d.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    for e in raw {
        d.extend_from_slice(e);
    }
    d
}

/// Builds the cell data of an index root over `leaves`.
pub(crate) fn build_root(leaves: &[u32]) -> Vec<u8> {
    let mut d = Vec::with_capacity(4 + leaves.len() * 4);
    d.extend_from_slice(Kind::Ri.sig());
    d.extend_from_slice(&(leaves.len() as u16).to_le_bytes());
    for off in leaves {
        d.extend_from_slice(&off.to_le_bytes());
    }
    d
}

//! The read API: [`Key`] and [`Value`] views into a [`Hive`].

use crate::error::{Error, Result};
use crate::hive::Hive;
use crate::nk::{self, Nk};
use crate::value_type::ValueType;
use crate::vk::Vk;

/// A key of a hive (a view; cheap to create).
#[derive(Debug, Clone)]
pub struct Key<'h> {
    pub(crate) hive: &'h Hive,
    pub(crate) nk: Nk,
    pub(crate) path: String,
    /// Cell offsets of the keys from the root down to this one (cycle detection).
    pub(crate) chain: Vec<u32>,
}

/// Deepest key nesting Windows allows.
pub(crate) const MAX_DEPTH: usize = 512;

impl<'h> Key<'h> {
    /// The key's name as stored (original case). The root key's stored name (e.g. "ROOT").
    pub fn name(&self) -> String {
        String::from_utf16_lossy(&self.nk.name)
    }

    /// The path from the hive root, components joined by `\`; "" for the root.
    pub fn path(&self) -> String {
        self.path.clone()
    }

    /// The last-written timestamp (FILETIME: 100 ns ticks since 1601-01-01 UTC).
    pub fn last_written(&self) -> u64 {
        self.nk.last_written
    }

    /// Number of (non-volatile) subkeys, as the key node records it.
    pub fn subkey_count(&self) -> u32 {
        self.nk.subkey_count
    }

    /// Number of values, as the key node records it.
    pub fn value_count(&self) -> u32 {
        self.nk.value_count
    }

    /// The subkeys, in the order of the subkey list (sorted by upper-cased name).
    pub fn subkeys(&self) -> Result<Vec<Key<'h>>> {
        let offs = self.hive.subkey_offsets(&self.nk)?;
        let list_at = self.nk.cell.at(nk::off::SUBKEY_LIST);
        offs.into_iter()
            .map(|off| {
                let child = self.hive.read_nk(off, list_at)?;
                self.child(child)
            })
            .collect()
    }

    /// The subkey called `name` (case-insensitive), if any.
    pub fn subkey(&self, name: &str) -> Result<Option<Key<'h>>> {
        let units: Vec<u16> = name.encode_utf16().collect();
        self.hive
            .find_subkey(&self.nk, &units)?
            .map(|child| self.child(child))
            .transpose()
    }

    fn child(&self, nk: Nk) -> Result<Key<'h>> {
        if self.chain.contains(&nk.cell.off) {
            return Err(Error::Cycle {
                offset: self.nk.cell.at(crate::nk::off::SUBKEY_LIST),
                what: "a subkey list leads back to the key itself or one of its parents",
            });
        }
        if self.chain.len() >= MAX_DEPTH {
            return Err(Error::corrupt(
                self.nk.cell.at(0),
                format!("keys nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut chain = self.chain.clone();
        chain.push(nk.cell.off);
        let name = String::from_utf16_lossy(&nk.name);
        let path = if self.path.is_empty() {
            name
        } else {
            format!("{}\\{}", self.path, name)
        };
        Ok(Key {
            hive: self.hive,
            nk,
            path,
            chain,
        })
    }

    /// The values, in the order of the value list.
    pub fn values(&self) -> Result<Vec<Value<'h>>> {
        let list = self.hive.value_offsets(&self.nk)?;
        let at = self.nk.cell.at(nk::off::VALUE_LIST);
        list.into_iter()
            .map(|off| {
                Ok(Value {
                    hive: self.hive,
                    vk: self.hive.read_vk(off, at)?,
                })
            })
            .collect()
    }

    /// The value called `name` (case-insensitive); "" is the default value.
    pub fn value(&self, name: &str) -> Result<Option<Value<'h>>> {
        let units: Vec<u16> = name.encode_utf16().collect();
        Ok(self
            .hive
            .find_value(&self.nk, &units)?
            .map(|(_, vk)| Value {
                hive: self.hive,
                vk,
            }))
    }
}

/// A value of a key (a view; the data is read on demand).
#[derive(Debug, Clone)]
pub struct Value<'h> {
    pub(crate) hive: &'h Hive,
    pub(crate) vk: Vk,
}

impl Value<'_> {
    /// The value's name as stored; "" for the default value.
    pub fn name(&self) -> String {
        String::from_utf16_lossy(&self.vk.name)
    }

    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        ValueType::from(self.vk.ty)
    }

    /// Length of the data in bytes.
    pub fn data_len(&self) -> u32 {
        self.vk.data_len()
    }

    /// The data: exactly data-length bytes, wherever they are stored (inline, cell, big data).
    pub fn data(&self) -> Result<Vec<u8>> {
        self.hive.read_data(&self.vk)
    }
}

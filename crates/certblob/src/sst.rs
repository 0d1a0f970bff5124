//! Microsoft serialized certificate stores (`.sst`): what certmgr's export,
//! `Export-Certificate -Type SST` and `certutil -generateSSTFromWU` write.
//!
//! Layout (the registry Blob's own record format, after an 8-byte file header): a 4-byte zero
//! and the magic `CERT`, then records `property id (u32 LE)`, `1 (u32 LE)`, `length (u32 LE)`,
//! data; each certificate's properties come first and its record 32 (the DER certificate)
//! closes it; a record of id 0 ends the file. Only the certificates are taken, with their
//! friendly names (record 11): every other property is Windows' own state, and the Blob we
//! write is computed from the certificate, never copied from the file.

use crate::blob::{utf16z_text, CERT_CERT_PROP_ID, CERT_FRIENDLY_NAME_PROP_ID};
use crate::certificate::Certificate;
use crate::error::{Error, Result};

/// The first 8 bytes of every serialized store.
pub const SST_MAGIC: [u8; 8] = [0, 0, 0, 0, b'C', b'E', b'R', b'T'];

/// Size of a record header.
const HEADER: usize = 12;

/// True when `bytes` starts like a serialized store.
pub fn is_sst(bytes: &[u8]) -> bool {
    bytes.starts_with(&SST_MAGIC)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Every certificate of the serialized store `bytes` (`source` names it in errors), each with
/// the friendly name its properties gave it.
pub fn parse_sst(bytes: &[u8], source: &str) -> Result<Vec<Certificate>> {
    let bad = |offset: usize, detail: String| Error::BadStore {
        file: source.to_string(),
        offset,
        detail,
    };
    if !is_sst(bytes) {
        return Err(bad(
            0,
            "the file does not start with 00 00 00 00 'CERT'".into(),
        ));
    }
    let mut certificates = Vec::new();
    let mut friendly_name: Option<String> = None;
    let mut pending_properties = 0usize;
    let mut off = SST_MAGIC.len();
    loop {
        if bytes.len() - off < HEADER {
            return Err(bad(
                off,
                format!(
                    "the file ends inside a record header ({} bytes left) before the end record \
                     (id 0): it is truncated",
                    bytes.len() - off
                ),
            ));
        }
        let (id, reserved, len) = (
            u32_at(bytes, off),
            u32_at(bytes, off + 4),
            u32_at(bytes, off + 8) as usize,
        );
        if id == 0 {
            if pending_properties > 0 {
                return Err(bad(
                    off,
                    format!("{pending_properties} properties before the end have no certificate"),
                ));
            }
            break;
        }
        if reserved != 1 {
            return Err(bad(
                off + 4,
                format!("property {id} has {reserved} in its reserved field, not 1"),
            ));
        }
        let data_start = off + HEADER;
        let available = bytes.len() - data_start;
        if len > available {
            return Err(bad(
                off,
                format!("property {id} claims {len} bytes, only {available} remain: truncated"),
            ));
        }
        let data = &bytes[data_start..data_start + len];
        match id {
            CERT_CERT_PROP_ID => {
                let cert = Certificate::from_der_named(data, source, data_start)?;
                certificates.push(cert.with_friendly_name(friendly_name.take()));
                pending_properties = 0;
            }
            CERT_FRIENDLY_NAME_PROP_ID => {
                friendly_name = Some(utf16z_text(data));
                pending_properties += 1;
            }
            _ => pending_properties += 1,
        }
        off = data_start + len;
    }
    if certificates.is_empty() {
        return Err(bad(off, "the store holds no certificate".into()));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u32, reserved: u32, data: &[u8]) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend_from_slice(&id.to_le_bytes());
        r.extend_from_slice(&reserved.to_le_bytes());
        r.extend_from_slice(&(data.len() as u32).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    #[test]
    fn structure_errors_name_the_offset() {
        let mut sst = SST_MAGIC.to_vec();
        sst.extend(record(11, 1, &[b'A', 0, 0, 0]));
        // Properties, then the end record with no certificate.
        let mut no_cert = sst.clone();
        no_cert.extend(record(0, 0, &[]));
        let e = parse_sst(&no_cert, "x.sst").unwrap_err().to_string();
        assert!(e.contains("byte 24") && e.contains("no certificate"), "{e}");
        // No end record.
        let e = parse_sst(&sst, "x.sst").unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        // A length past the end.
        let mut long = SST_MAGIC.to_vec();
        long.extend(&record(32, 1, &[0x30; 10])[..16]);
        let e = parse_sst(&long, "x.sst").unwrap_err().to_string();
        assert!(e.contains("byte 8") && e.contains("claims 10 bytes"), "{e}");
        // A reserved field that is not 1.
        let mut reserved = SST_MAGIC.to_vec();
        reserved.extend(record(3, 7, &[0; 20]));
        let e = parse_sst(&reserved, "x.sst").unwrap_err().to_string();
        assert!(e.contains("byte 12") && e.contains("reserved"), "{e}");
        // Not a certificate in record 32.
        let mut junk = SST_MAGIC.to_vec();
        junk.extend(record(32, 1, &[0x30, 0x03, 1, 2, 3]));
        junk.extend(record(0, 0, &[]));
        let e = parse_sst(&junk, "x.sst").unwrap_err().to_string();
        assert!(e.contains("byte 20"), "{e}");
    }
}

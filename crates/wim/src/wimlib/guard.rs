//! What must be checked before wimlib sees a file: wimlib 1.14.4 frees memory twice when a
//! WIM's XML does not hold exactly one `IMAGE` element per image (`setup_images`, found by the
//! `wim_open_read` fuzz target), so such a file never reaches it. The check reads the XML
//! with the [`crate::format`] layer, from the file and header already read at open.

use crate::backend::Opened;
use crate::error::{Error, Result};
use crate::file_io::read_at;
use crate::format::xml::XmlData;

/// Refuses a WIM whose (uncompressed) XML does not name each image exactly once, with the
/// XML's offset. A compressed XML (which wimlib refuses itself) is not read.
pub(super) fn check_xml(f: &Opened) -> Result<()> {
    let r = f.header.xml;
    if r.is_zero() || r.is_compressed() {
        return Ok(());
    }
    let len = r.uncompressed_size.min(r.size_in_wim);
    let bytes = read_at(&f.file, f.file_len()?, r.offset, len).map_err(|e| e.at(&f.path))?;
    let xml = XmlData::decode(&bytes, r.offset).map_err(|e| Error::malformed(&f.path, e))?;
    if !xml.image_indices_are_exact() {
        return Err(Error::Malformed {
            path: f.path.clone(),
            offset: Some(r.offset),
            message: "the XML data does not hold exactly one IMAGE element per image".into(),
        });
    }
    Ok(())
}

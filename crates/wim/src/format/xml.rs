//! The WIM's XML data (UTF-16LE, normally with a byte order mark): the image descriptions read
//! from it, and in-place edits of single text values, so that every other byte stays as its
//! writer wrote it.

use super::FormatError;

/// The XML data as UTF-16 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlData {
    /// Starts with the UTF-16LE byte order mark.
    bom: bool,
    /// The UTF-16 code units after the BOM.
    units: Vec<u16>,
    /// The same text decoded.
    text: String,
}

/// What the XML says about one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageXml {
    /// The `INDEX` attribute.
    pub index: u32,
    /// `NAME`.
    pub name: Option<String>,
    /// `DESCRIPTION`.
    pub description: Option<String>,
    /// `FLAGS`.
    pub flags: Option<String>,
    /// `WINDOWS/ARCH`.
    pub arch: Option<String>,
    /// `WINDOWS/EDITIONID`.
    pub edition: Option<String>,
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

/// The first child element of `n` named `name`.
fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The element at the `/`-separated `path` below `n`.
fn descendant<'a, 'i>(n: Node<'a, 'i>, path: &str) -> Option<Node<'a, 'i>> {
    path.split('/')
        .filter(|p| !p.is_empty())
        .try_fold(n, |cur, p| child(cur, p))
}

/// The `IMAGE` elements of the document, with their `INDEX` where it is a number.
fn image_elements<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
) -> impl Iterator<Item = (Option<u32>, Node<'a, 'i>)> {
    doc.root_element()
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "IMAGE")
        .map(|n| (n.attribute("INDEX").and_then(|v| v.trim().parse().ok()), n))
}

/// The `IMAGE` element with `INDEX` `index`.
fn image_element<'a, 'i>(doc: &'a roxmltree::Document<'i>, index: u32) -> Option<Node<'a, 'i>> {
    image_elements(doc)
        .find(|(i, _)| *i == Some(index))
        .map(|(_, n)| n)
}

/// Which text value to change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The WIM's own `TOTALBYTES`.
    WimTotalBytes,
    /// An image's `TOTALBYTES`.
    ImageTotalBytes(u32),
    /// An image's `LASTMODIFICATIONTIME/HIGHPART`.
    ImageModifiedHigh(u32),
    /// An image's `LASTMODIFICATIONTIME/LOWPART`.
    ImageModifiedLow(u32),
}

impl XmlData {
    /// Decodes the XML resource's bytes. Empty data gives an empty document.
    pub fn decode(b: &[u8], at: u64) -> Result<XmlData, FormatError> {
        if b.is_empty() {
            return Ok(XmlData {
                bom: false,
                units: Vec::new(),
                text: String::new(),
            });
        }
        if !b.len().is_multiple_of(2) {
            return Err(FormatError::new(at, "XML data has an odd number of bytes"));
        }
        let bom = b.starts_with(&[0xff, 0xfe]);
        let units: Vec<u16> = b[if bom { 2 } else { 0 }..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units)
            .map_err(|_| FormatError::new(at, "XML data is not valid UTF-16"))?;
        let data = XmlData { bom, units, text };
        data.parse(at)?;
        Ok(data)
    }

    fn parse(&self, at: u64) -> Result<Option<roxmltree::Document<'_>>, FormatError> {
        if self
            .text
            .trim_matches(|c: char| c.is_whitespace() || c == '\0')
            .is_empty()
        {
            return Ok(None);
        }
        let text = self.text.trim_end_matches('\0');
        roxmltree::Document::parse(text)
            .map(Some)
            .map_err(|e| FormatError::new(at, format!("XML data does not parse: {e}")))
    }

    /// The bytes as they go into the WIM.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.units.len() * 2 + 2);
        if self.bom {
            out.extend_from_slice(&[0xff, 0xfe]);
        }
        for u in &self.units {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    /// The images the XML describes, in document order.
    pub fn images(&self) -> Vec<ImageXml> {
        let Ok(Some(doc)) = self.parse(0) else {
            return Vec::new();
        };
        let text = |n: Node<'_, '_>, path: &str| {
            descendant(n, path).map(|e| e.text().unwrap_or("").to_string())
        };
        image_elements(&doc)
            .filter_map(|(index, n)| {
                Some(ImageXml {
                    index: index?,
                    name: text(n, "NAME"),
                    description: text(n, "DESCRIPTION"),
                    flags: text(n, "FLAGS"),
                    arch: text(n, "WINDOWS/ARCH"),
                    edition: text(n, "WINDOWS/EDITIONID"),
                })
            })
            .collect()
    }

    /// The text of an image's element at `/`-separated `path` (e.g. `WINDOWS/VERSION/BUILD`).
    pub fn image_property(&self, index: u32, path: &str) -> Option<String> {
        let doc = self.parse(0).ok()??;
        let e = descendant(image_element(&doc, index)?, path)?;
        Some(e.text().unwrap_or("").to_string())
    }

    /// True when the document has exactly one `IMAGE` element per index 1..=n (n the number
    /// of `IMAGE` elements), as wimlib requires. An empty document has none.
    pub fn image_indices_are_exact(&self) -> bool {
        let Ok(Some(doc)) = self.parse(0) else {
            return self.parse(0).is_ok();
        };
        let indices: Vec<Option<u32>> = image_elements(&doc).map(|(i, _)| i).collect();
        let n = indices.len() as u32;
        let mut seen = vec![false; indices.len()];
        indices.iter().all(|i| match i {
            Some(i) if (1..=n).contains(i) && !seen[*i as usize - 1] => {
                seen[*i as usize - 1] = true;
                true
            }
            _ => false,
        })
    }

    /// The current text of `field`, if the document has it.
    pub fn get(&self, field: &Field) -> Option<String> {
        let (start, end) = self.locate(field)?;
        Some(self.text[start..end].to_string())
    }

    /// Byte range in `text` of the value of `field`.
    fn locate(&self, field: &Field) -> Option<(usize, usize)> {
        let doc = self.parse(0).ok()??;
        let root = doc.root_element();
        let image = |i: u32| image_element(&doc, i);
        let node = match field {
            Field::WimTotalBytes => child(root, "TOTALBYTES")?,
            Field::ImageTotalBytes(i) => child(image(*i)?, "TOTALBYTES")?,
            Field::ImageModifiedHigh(i) => descendant(image(*i)?, "LASTMODIFICATIONTIME/HIGHPART")?,
            Field::ImageModifiedLow(i) => descendant(image(*i)?, "LASTMODIFICATIONTIME/LOWPART")?,
        };
        let text = node.first_child().filter(|c| c.is_text())?;
        if text.next_sibling().is_some() {
            return None;
        }
        let r = text.range();
        Some((r.start, r.end))
    }

    /// Replaces the text of `field` with `value`, leaving every other code unit as it was.
    /// Returns false (and changes nothing) if the document has no such value.
    pub fn set(&mut self, field: &Field, value: &str) -> bool {
        let Some((start, end)) = self.locate(field) else {
            return false;
        };
        let u_start = self.text[..start].encode_utf16().count();
        let u_end = u_start + self.text[start..end].encode_utf16().count();
        let new: Vec<u16> = value.encode_utf16().collect();
        self.units.splice(u_start..u_end, new);
        self.text.replace_range(start..end, value);
        true
    }
}

/// Writes a FILETIME's half the way the field was written: `0x` and 8 upper-case hex digits
/// if the old value had that form, else the same radix style as the old value.
pub fn format_part(old: &str, value: u32) -> String {
    let t = old.trim();
    if t.starts_with("0x") || t.starts_with("0X") {
        let digits = &t[2..];
        if digits.chars().any(|c| c.is_ascii_lowercase()) {
            format!("{}{value:08x}", &t[..2])
        } else {
            format!("{}{value:08X}", &t[..2])
        }
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        let mut b = vec![0xff, 0xfe];
        for u in s.encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b
    }

    #[test]
    fn edits_only_the_values() {
        let src = "<WIM><TOTALBYTES>123</TOTALBYTES><IMAGE INDEX=\"1\"><NAME>é one</NAME><TOTALBYTES>5</TOTALBYTES><LASTMODIFICATIONTIME><HIGHPART>0x01D2AAAA</HIGHPART><LOWPART>0x00000001</LOWPART></LASTMODIFICATIONTIME></IMAGE></WIM>";
        let mut x = XmlData::decode(&utf16(src), 0).unwrap();
        assert_eq!(x.images()[0].name.as_deref(), Some("é one"));
        assert!(x.set(&Field::WimTotalBytes, "1234567"));
        assert!(x.set(&Field::ImageTotalBytes(1), "6"));
        let old = x.get(&Field::ImageModifiedHigh(1)).unwrap();
        assert!(x.set(
            &Field::ImageModifiedHigh(1),
            &format_part(&old, 0x01d3_0000)
        ));
        assert!(!x.set(&Field::ImageTotalBytes(2), "1"));
        let want = src
            .replace(">123<", ">1234567<")
            .replace(">5<", ">6<")
            .replace("0x01D2AAAA", "0x01D30000");
        assert_eq!(x.to_bytes(), utf16(&want));
    }

    #[test]
    fn bad_xml_is_refused() {
        assert!(XmlData::decode(&utf16("<WIM><IMAGE></WIM>"), 7).is_err());
        assert!(XmlData::decode(&[0xff, 0xfe, 0x00], 7).is_err());
    }
}

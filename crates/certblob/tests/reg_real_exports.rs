//! Reads `.reg` exports written by an independent tool (hivexregedit, from libwin-hivex-perl)
//! and checks the parsed data against an independent reader of the same data: nt-hive reading
//! the hive the export came from, and the SHA-1 of the certificate inside a `Blob`.

use std::path::PathBuf;

use certblob::reg::{self, RegOp, RootMapping};
use sha1::{Digest, Sha1};

fn testdata(rel: &str) -> PathBuf {
    testsupport::testdata().join(rel)
}

/// Walks every key under `key` and returns their paths relative to the hive root.
fn all_keys(key: &nt_hive::KeyNode<&[u8]>, path: &str, out: &mut Vec<String>) {
    let Some(subkeys) = key.subkeys() else {
        return;
    };
    for sub in subkeys.unwrap() {
        let sub = sub.unwrap();
        let name = sub.name().unwrap().to_string_lossy();
        let sub_path = if path.is_empty() {
            name
        } else {
            format!("{path}\\{name}")
        };
        out.push(sub_path.clone());
        all_keys(&sub, &sub_path, out);
    }
}

/// hivexregedit's export of testdata/hives/offreg-testhive (a hive written by Windows'
/// offreg.dll) must parse to exactly the keys and values nt-hive reads from the hive itself.
#[test]
fn hivexregedit_export_matches_the_hive_read_by_nt_hive() {
    let file = reg::read_reg_file(
        &testdata("reg/offreg-testhive.hivexregedit.reg"),
        RootMapping::Auto,
    )
    .unwrap();
    let hive_bytes = std::fs::read(testdata("hives/offreg-testhive")).unwrap();
    let hive = nt_hive::Hive::new(hive_bytes.as_slice()).unwrap();
    let root = hive.root_key_node().unwrap();

    let mut expected_keys = vec![String::new()];
    all_keys(&root, "", &mut expected_keys);
    let parsed_keys: Vec<String> = file
        .ops
        .iter()
        .filter_map(|op| match op {
            RegOp::CreateKey { path } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let mut a = expected_keys.clone();
    let mut b = parsed_keys.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "key sets differ");
    assert!(a.len() > 500, "the test hive has hundreds of keys");

    let mut compared = 0;
    let mut big = 0;
    for op in &file.ops {
        let RegOp::SetValue {
            key,
            name,
            ty,
            data,
        } = op
        else {
            continue;
        };
        let node = if key.is_empty() {
            root.clone()
        } else {
            root.subpath(key).unwrap().unwrap()
        };
        let value = node
            .value(name)
            .unwrap_or_else(|| panic!("{key}\\{name} missing in hive"))
            .unwrap();
        assert_eq!(
            value.data_type().unwrap() as u32,
            *ty,
            "type of {key}\\{name}"
        );
        assert_eq!(
            &value.data().unwrap().into_vec().unwrap(),
            data,
            "data of {key}\\{name}"
        );
        compared += 1;
        if data.len() > 16344 {
            big += 1;
        }
    }
    // Every value in the hive was in the export.
    let mut hive_values = 0;
    for key in &expected_keys {
        let node = if key.is_empty() {
            root.clone()
        } else {
            root.subpath(key).unwrap().unwrap()
        };
        if let Some(values) = node.values() {
            hive_values += values.unwrap().count();
        }
    }
    assert_eq!(compared, hive_values);
    assert!(compared >= 10, "compared {compared} values");
    assert!(big >= 1, "big-data values (> 16344 bytes) were compared");
}

/// A UTF-16LE (BOM, CRLF) export of an AuthRoot certificate key under a hive loaded as
/// `HKEY_LOCAL_MACHINE\winpe-offline`, as in Microsoft's manual procedure.
#[test]
fn winpe_offline_utf16_export_maps_to_the_software_root() {
    let path = testdata("reg/winpe-offline-authroot.utf16.reg");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "test file is UTF-16LE with BOM");

    let auto = reg::parse_reg(&bytes, "authroot.reg", RootMapping::Auto).unwrap();
    let given = reg::parse_reg(
        &bytes,
        "authroot.reg",
        RootMapping::Prefix("HKEY_LOCAL_MACHINE\\winpe-offline".into()),
    )
    .unwrap();
    assert_eq!(auto, given);
    let short = reg::parse_reg(
        &bytes,
        "authroot.reg",
        RootMapping::Prefix("HKLM\\WINPE-OFFLINE".into()),
    )
    .unwrap();
    assert_eq!(auto, short);

    let (key, blob) = auto
        .ops
        .iter()
        .find_map(|op| match op {
            RegOp::SetValue {
                key,
                name,
                ty: 3,
                data,
            } if name == "Blob" => Some((key.clone(), data.clone())),
            _ => None,
        })
        .expect("a Blob value");
    let thumb = key
        .strip_prefix("Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\")
        .expect("key relative to the hive root");

    // Property 32 of the Blob is the certificate DER; its SHA-1 is the key name.
    let mut der = None;
    let mut rest = blob.as_slice();
    while rest.len() >= 12 {
        let id = u32::from_le_bytes(rest[0..4].try_into().unwrap());
        let len = u32::from_le_bytes(rest[8..12].try_into().unwrap()) as usize;
        let data = &rest[12..12 + len];
        if id == 32 {
            der = Some(data.to_vec());
        }
        rest = &rest[12 + len..];
    }
    let der = der.expect("property 32 (certificate) in the Blob");
    let sha: String = Sha1::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(sha, thumb);

    // And it is the certificate from testdata/certs (PEM decoded by x509-parser).
    let pem = std::fs::read(testdata("certs/Baltimore_CyberTrust_Root.crt")).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    assert_eq!(pem.contents, der);

    // Mapped to SOFTWARE instead, every key is outside the root: the error names line 3.
    let err = reg::parse_reg(
        &bytes,
        "authroot.reg",
        RootMapping::Prefix("HKEY_LOCAL_MACHINE\\SOFTWARE".into()),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("authroot.reg:3:"), "{msg}");
    assert!(msg.contains("outside the hive root"), "{msg}");
}

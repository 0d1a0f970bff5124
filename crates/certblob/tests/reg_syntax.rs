//! The `.reg` syntax rules regedit applies (header, keys, deletions, value types, escapes,
//! comments, continuation lines, encodings) and the errors for what it does not accept.

use certblob::reg::{self, parse_reg, RegError, RegOp, RootMapping};

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

fn sz(s: &str) -> Vec<u8> {
    let mut v = utf16(s);
    v.extend_from_slice(&[0, 0]);
    v
}

fn set(key: &str, name: &str, ty: u32, data: Vec<u8>) -> RegOp {
    RegOp::SetValue {
        key: key.into(),
        name: name.into(),
        ty,
        data,
    }
}

fn ops(text: &str) -> Vec<RegOp> {
    parse_reg(text.as_bytes(), "t.reg", RootMapping::Auto)
        .unwrap_or_else(|e| panic!("{e}"))
        .ops
}

fn err(text: &str) -> String {
    parse_reg(text.as_bytes(), "t.reg", RootMapping::Auto)
        .unwrap_err()
        .to_string()
}

const SAMPLE: &str = "Windows Registry Editor Version 5.00\r\n\
\r\n\
; a comment line\r\n\
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App]\r\n\
@=\"default\"\r\n\
\"Path\" = \"C:\\\\Program Files\\\\App\" ; trailing comment\r\n\
\"Quote \\\"q\\\"\"=\"semi;colon\"\r\n\
\"Num\"=dword:0000002a\r\n\
\"Bin\"=hex:de,ad,\\\r\n\
  be,ef\r\n\
\"Exp\"=hex(2):25,00,41,00,25,00,00,00\r\n\
\"Multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n\
\"Q\"=hex(b):01,00,00,00,00,00,00,00\r\n\
\"None\"=hex(0):\r\n\
\"Old\"=-\r\n\
\r\n\
[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Gone]\r\n";

#[test]
fn sample_parses_to_the_expected_ops() {
    let k = "Vendor\\App";
    assert_eq!(
        ops(SAMPLE),
        vec![
            RegOp::CreateKey { path: k.into() },
            set(k, "", 1, sz("default")),
            set(k, "Path", 1, sz("C:\\Program Files\\App")),
            set(k, "Quote \"q\"", 1, sz("semi;colon")),
            set(k, "Num", 4, vec![0x2a, 0, 0, 0]),
            set(k, "Bin", 3, vec![0xde, 0xad, 0xbe, 0xef]),
            set(k, "Exp", 2, sz("%A%")),
            set(k, "Multi", 7, b"a\0\0\0b\0\0\0\0\0".to_vec()),
            set(k, "Q", 11, vec![1, 0, 0, 0, 0, 0, 0, 0]),
            set(k, "None", 0, vec![]),
            RegOp::DeleteValue {
                key: k.into(),
                name: "Old".into()
            },
            RegOp::DeleteKey {
                path: "Vendor\\Gone".into()
            },
        ]
    );
}

#[test]
fn encodings_and_line_ends_give_the_same_ops() {
    let expected = ops(SAMPLE);
    let lf = SAMPLE.replace("\r\n", "\n");
    assert_eq!(ops(&lf), expected);
    let cr = SAMPLE.replace("\r\n", "\r");
    assert_eq!(ops(&cr), expected);
    let mut bom8 = vec![0xEF, 0xBB, 0xBF];
    bom8.extend_from_slice(SAMPLE.as_bytes());
    assert_eq!(
        parse_reg(&bom8, "t", RootMapping::Auto).unwrap().ops,
        expected
    );
    let bom16 = reg::encode_utf16le_bom(SAMPLE);
    assert_eq!(&bom16[..4], &[0xFF, 0xFE, b'W', 0]);
    assert_eq!(
        parse_reg(&bom16, "t", RootMapping::Auto).unwrap().ops,
        expected
    );
    // UTF-16LE without a BOM is recognised too.
    assert_eq!(
        parse_reg(&bom16[2..], "t", RootMapping::Auto).unwrap().ops,
        expected
    );
}

#[test]
fn regedit4_is_ansi_and_its_expand_and_multi_strings_become_utf16() {
    // 0xE9 is 'é' and 0x80 is '€' in Windows-1252.
    let mut text = b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Caf\xe9]\r\n".to_vec();
    text.extend_from_slice(b"\"S\"=\"\x80 5\"\r\n\"E\"=hex(2):25,41,25,00\r\n");
    text.extend_from_slice(b"\"M\"=hex(7):61,00,e9,00,00\r\n\"B\"=hex:e9\r\n");
    let got = parse_reg(&text, "t", RootMapping::Auto).unwrap().ops;
    let k = "Café";
    assert_eq!(
        got,
        vec![
            RegOp::CreateKey { path: k.into() },
            set(k, "S", 1, sz("€ 5")),
            set(k, "E", 2, sz("%A%")),
            set(k, "M", 7, utf16("a\0é\0\0")),
            set(k, "B", 3, vec![0xe9]),
        ]
    );
}

#[test]
fn continuation_lines_skip_blank_and_comment_lines_and_allow_trailing_commas() {
    let text = "Windows Registry Editor Version 5.00\n[HKLM\\SOFTWARE\\K]\n\
                \"B\"=hex:01,02,\\ ; comment after the backslash\n\
                ; a comment inside the list\n\
                \n\
                \t 03 , 04,\n";
    assert_eq!(ops(text)[1], set("K", "B", 3, vec![1, 2, 3, 4]));
}

#[test]
fn short_root_names_and_root_key_itself() {
    let text = "Windows Registry Editor Version 5.00\n[HKLM\\Software]\n\"v\"=dword:1\n\
                [hkey_local_machine\\SOFTWARE\\A\\]\n";
    assert_eq!(
        ops(text),
        vec![
            RegOp::CreateKey { path: "".into() },
            set("", "v", 4, vec![1, 0, 0, 0]),
            RegOp::CreateKey { path: "A".into() },
        ]
    );
}

#[test]
fn auto_detects_a_loaded_hive_name() {
    let text = "Windows Registry Editor Version 5.00\n[HKEY_LOCAL_MACHINE\\winpe-offline\\A]\n\
                [HKEY_LOCAL_MACHINE\\WINPE-OFFLINE\\B]\n";
    assert_eq!(
        ops(text),
        vec![
            RegOp::CreateKey { path: "A".into() },
            RegOp::CreateKey { path: "B".into() },
        ]
    );
    // Given explicitly as a bare hive name.
    let given = parse_reg(
        text.as_bytes(),
        "t",
        RootMapping::Prefix("winpe-offline".into()),
    )
    .unwrap();
    assert_eq!(given.ops, ops(text));
}

#[test]
fn errors_name_file_line_and_column() {
    const H: &str = "Windows Registry Editor Version 5.00\n";
    let cases: &[(String, &str)] = &[
        ("REGEDIT5\n".into(), "t.reg:1: not a regedit file"),
        (String::new(), "t.reg:1: not a regedit file"),
        (format!("{H}\"v\"=dword:1\n"), "t.reg:2:1: value line before any [key]"),
        (
            format!("{H}[HKLM\\SOFTWARE\\A]\n\"p\"=\"C:\\Windows\"\n"),
            "t.reg:3:8: unknown escape sequence \\W",
        ),
        (
            format!("{H}[HKLM\\SOFTWARE\\A]\n\"v\"=dword:123456789\n"),
            "t.reg:3:11: dword: has more than 8",
        ),
        (
            format!("{H}[HKLM\\SOFTWARE\\A]\n\"v\"=hex:01,2g\n"),
            "t.reg:3:13: expected a comma",
        ),
        (
            format!("{H}[HKLM\\SOFTWARE\\A]\n\"v\"=hex:01,\\\n  123\n"),
            "t.reg:4:3: a hex byte has more than two digits",
        ),
        (
            format!("{H}[HKLM\\SOFTWARE\\A]\n\"v\"=\"open\n"),
            "t.reg:3:6: unterminated quoted string",
        ),
        (
            format!("{H}[HKLM\\SOFTWARE\\A]\n\"v\"=str:x\n"),
            "t.reg:3:5: unknown value data",
        ),
        (format!("{H}[HKLM\\SOFTWARE\\A\n"), "t.reg:2:1: key line has no closing ]"),
        (
            format!("{H}[-HKLM\\SOFTWARE\\A]\n\"v\"=-\n"),
            "t.reg:3:1: value line under a [-key] deletion",
        ),
        (format!("{H}[HKLM\\SOFTWARE\\A]\ngarbage\n"), "t.reg:3:1: expected [key]"),
        (
            format!("{H}[HKLM\\SOFTWARE\\A\\\\B]\n"),
            "t.reg:2:2: key path \"HKLM\\\\SOFTWARE\\\\A\\\\\\\\B\" has an empty key name",
        ),
        (format!("{H}[-HKLM\\SOFTWARE]\n"), "would delete the whole hive root"),
        (
            format!("{H}[HKLM\\SOFTWARE\\A]\n[HKEY_CURRENT_USER\\Software\\B]\n"),
            "t.reg:3: key [HKEY_CURRENT_USER\\Software\\B] is outside the hive root HKEY_LOCAL_MACHINE\\SOFTWARE",
        ),
        (
            format!("{H}[HKLM\\winpe\\A]\n[HKLM\\other\\B]\n"),
            "t.reg:3: cannot detect the hive root: key [HKLM\\other\\B] is not under HKEY_LOCAL_MACHINE\\winpe like the key on line 2",
        ),
    ];
    for (text, want) in cases {
        let got = err(text);
        assert!(
            got.starts_with(want) || got.contains(want),
            "{text:?}\n got: {got}\nwant: {want}"
        );
    }
}

#[test]
fn encoding_errors_name_the_byte_offset() {
    let mut odd = reg::encode_utf16le_bom("Windows Registry Editor Version 5.00\r\n");
    odd.push(b'x');
    match parse_reg(&odd, "o.reg", RootMapping::Auto) {
        Err(RegError::Encoding { file, offset, .. }) => {
            assert_eq!(file, "o.reg");
            assert_eq!(offset, odd.len() - 1);
        }
        other => panic!("{other:?}"),
    }
    let mut lone = vec![0xFF, 0xFE];
    lone.extend_from_slice(&utf16("W"));
    lone.extend_from_slice(&0xD800u16.to_le_bytes());
    match parse_reg(&lone, "s.reg", RootMapping::Auto) {
        Err(RegError::Encoding { offset, .. }) => assert_eq!(offset, 4),
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_reg_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.reg");
    let e = reg::read_reg_file(&missing, RootMapping::Auto).unwrap_err();
    assert!(e.to_string().contains("missing.reg"), "{e}");
    let bad = dir.path().join("bad.reg");
    std::fs::write(
        &bad,
        "Windows Registry Editor Version 5.00\n[HKLM\\SOFTWARE\\A]\n\"x\n",
    )
    .unwrap();
    let e = reg::read_reg_file(&bad, RootMapping::Auto).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("{}:3:", bad.display())),
        "{e}"
    );
}

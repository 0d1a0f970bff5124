//! `write_reg`: regedit's layout, import by an independent tool (hivexregedit --merge, read back
//! with nt-hive), and random round trips through `parse_reg`; `parse_reg` never panics.

use std::path::PathBuf;
use std::process::Command;

use certblob::reg::{self, parse_reg, write_reg, RegOp, RootMapping};
use proptest::prelude::*;

fn testdata(rel: &str) -> PathBuf {
    testsupport::testdata().join(rel)
}

fn set(key: &str, name: &str, ty: u32, data: Vec<u8>) -> RegOp {
    RegOp::SetValue {
        key: key.into(),
        name: name.into(),
        ty,
        data,
    }
}

fn sz(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(|u| u.to_le_bytes())
        .collect()
}

/// Hex lines wrap as in regedit's exports: a public export of a Windows 10 key shows
/// `@=hex(2):` followed by 23 bytes on the first line, `"FriendlyTypeName"=hex(2):` by 17, and
/// 25 bytes on each indented continuation line, every wrapped line ending in `,\`.
#[test]
fn hex_lines_wrap_like_regedit() {
    let data: Vec<u8> = (0..=255u8).collect();
    let text = write_reg(
        &[
            RegOp::CreateKey { path: "K".into() },
            set("K", "", 2, data.clone()),
            set("K", "FriendlyTypeName", 2, data.clone()),
        ],
        "HKEY_LOCAL_MACHINE\\SOFTWARE",
    );
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "Windows Registry Editor Version 5.00");
    assert_eq!(lines[1], "");
    assert_eq!(lines[2], "[HKEY_LOCAL_MACHINE\\SOFTWARE\\K]");
    let first = lines[3];
    assert!(first.starts_with("@=hex(2):00,01,"), "{first}");
    assert_eq!(
        first.trim_start_matches("@=hex(2):").matches(',').count(),
        23
    );
    assert!(first.ends_with(",\\"));
    let cont = lines[4];
    assert!(cont.starts_with("  ") && cont.ends_with(",\\"), "{cont}");
    assert_eq!(cont.matches(',').count(), 25);
    let friendly = lines
        .iter()
        .find(|l| l.starts_with("\"FriendlyTypeName\"=hex(2):"))
        .unwrap();
    assert_eq!(friendly.matches(',').count(), 17);
    for line in &lines {
        assert!(line.len() <= 80, "{line}");
    }
    assert!(text.ends_with("\r\n\r\n"));
}

#[test]
fn strings_and_dwords_use_the_short_forms() {
    let text = write_reg(
        &[
            set("A", "p\\\"q", 1, sz("C:\\x \"y\"")),
            set("A", "d", 4, vec![0x2a, 0, 0, 0xff]),
            set("A", "raw", 1, vec![0x41]),
            RegOp::DeleteValue {
                key: "A".into(),
                name: "".into(),
            },
            RegOp::DeleteKey { path: "B".into() },
        ],
        "winpe-offline",
    );
    assert_eq!(
        text,
        "Windows Registry Editor Version 5.00\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\winpe-offline\\A]\r\n\
         \"p\\\\\\\"q\"=\"C:\\\\x \\\"y\\\"\"\r\n\
         \"d\"=dword:ff00002a\r\n\
         \"raw\"=hex(1):41\r\n\
         @=-\r\n\
         \r\n\
         [-HKEY_LOCAL_MACHINE\\winpe-offline\\B]\r\n\r\n"
    );
}

/// hivexregedit imports what write_reg writes; nt-hive then reads exactly our data back.
#[test]
fn hivexregedit_merges_our_output_into_a_real_hive() {
    let ok = Command::new("hivexregedit")
        .arg("--help")
        .output()
        .map(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
        .unwrap_or(false);
    assert!(
        ok,
        "hivexregedit not found: install the Debian package libwin-hivex-perl"
    );
    // hivex writes no big-data (db) records, so stay below 16344 bytes.
    let big: Vec<u8> = (0..16_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let ops = vec![
        RegOp::CreateKey {
            path: "inject-root-test".into(),
        },
        set("inject-root-test", "", 1, sz("default value")),
        set(
            "inject-root-test",
            "quote\"back\\slash",
            1,
            sz("a \"b\" c:\\d"),
        ),
        set("inject-root-test", "dword", 4, vec![1, 2, 3, 4]),
        set(
            "inject-root-test",
            "qword",
            11,
            vec![1, 2, 3, 4, 5, 6, 7, 8],
        ),
        set("inject-root-test", "expand", 2, sz("%SystemRoot%\\x")),
        set("inject-root-test", "multi", 7, sz("a\0b\0")),
        set("inject-root-test", "none", 0, vec![]),
        set("inject-root-test", "odd-type", 0x1234, vec![9, 8, 7]),
        RegOp::CreateKey {
            path: "inject-root-test\\Certificates".into(),
        },
        set("inject-root-test\\Certificates", "Blob", 3, big.clone()),
    ];
    let text = write_reg(&ops, "HKEY_LOCAL_MACHINE\\SOFTWARE");
    // Our own parser reads it back to the same ops.
    let back = parse_reg(&reg::encode_utf16le_bom(&text), "w", RootMapping::Auto)
        .unwrap()
        .ops;
    assert_eq!(back.len(), ops.len());
    for (a, b) in back.iter().zip(&ops) {
        assert_eq!(a, b, "{text}");
    }

    let dir = tempfile::tempdir().unwrap();
    let hive_path = dir.path().join("hive");
    std::fs::copy(testdata("hives/offreg-testhive"), &hive_path).unwrap();
    let reg_path = dir.path().join("in.reg");
    std::fs::write(&reg_path, &text).unwrap();
    let out = Command::new("hivexregedit")
        .arg("--merge")
        .arg("--prefix")
        .arg("HKEY_LOCAL_MACHINE\\SOFTWARE")
        .arg(&hive_path)
        .arg(&reg_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hivexregedit --merge failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bytes = std::fs::read(&hive_path).unwrap();
    let hive = nt_hive::Hive::new(bytes.as_slice()).unwrap();
    let root = hive.root_key_node().unwrap();
    let mut checked = 0;
    for op in &ops {
        if let RegOp::SetValue {
            key,
            name,
            ty,
            data,
        } = op
        {
            let node = root.subpath(key).unwrap().unwrap();
            let value = node.value(name).unwrap().unwrap();
            let raw_type = match value.data_type() {
                Ok(t) => t as u32,
                Err(_) => *ty, // nt-hive only names the standard types
            };
            assert_eq!(raw_type, *ty, "{name}");
            assert_eq!(&value.data().unwrap().into_vec().unwrap(), data, "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
}

/// Key names: no backslash, no line break, 1..12 chars (some non-ASCII, brackets, spaces).
fn key_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _.\\-\\[\\];\"@=éü€中𐐷]{1,12}"
}

fn key_path() -> impl Strategy<Value = String> {
    prop::collection::vec(key_name(), 0..4).prop_map(|v| v.join("\\"))
}

/// Value names: anything short, including quotes, backslashes and line breaks.
fn value_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 \"\\\\;=@\\[\\]\n\r\t\0é中]{1,10}",
    ]
}

fn value_data() -> impl Strategy<Value = (u32, Vec<u8>)> {
    prop_oneof![
        "[ -~é中\\\\\"]{0,20}".prop_map(|s| (1, sz(&s))),
        any::<u32>().prop_map(|d| (4, d.to_le_bytes().to_vec())),
        (any::<u32>(), prop::collection::vec(any::<u8>(), 0..300)),
    ]
}

/// Groups of ops as a `.reg` file expresses them: `[-key]`, or `[key]` and its values.
fn ops() -> impl Strategy<Value = Vec<RegOp>> {
    let group = prop_oneof![
        prop::collection::vec(key_name(), 1..4)
            .prop_map(|v| vec![RegOp::DeleteKey { path: v.join("\\") }]),
        (
            key_path(),
            prop::collection::vec((value_name(), prop::option::of(value_data())), 0..4)
        )
            .prop_map(|(key, values)| {
                let mut ops = vec![RegOp::CreateKey { path: key.clone() }];
                for (name, data) in values {
                    ops.push(match data {
                        Some((ty, data)) => RegOp::SetValue {
                            key: key.clone(),
                            name,
                            ty,
                            data,
                        },
                        None => RegOp::DeleteValue {
                            key: key.clone(),
                            name,
                        },
                    });
                }
                ops
            }),
    ];
    prop::collection::vec(group, 0..6).prop_map(|g| g.concat())
}

fn cases() -> u32 {
    if std::env::var_os("INJECT_ROOT_LONG_TESTS").is_some() {
        20_000
    } else {
        256
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn write_then_parse_gives_the_same_ops(ops in ops()) {
        for prefix in ["HKEY_LOCAL_MACHINE\\SOFTWARE", "HKLM\\winpe-offline"] {
            let text = write_reg(&ops, prefix);
            let utf16 = reg::encode_utf16le_bom(&text);
            let back = parse_reg(&utf16, "rt", RootMapping::Auto);
            prop_assert!(back.is_ok(), "{}\n{}", back.unwrap_err(), text);
            prop_assert_eq!(&back.unwrap().ops, &ops);
            let given = parse_reg(text.as_bytes(), "rt", RootMapping::Prefix(prefix.into()));
            prop_assert_eq!(&given.unwrap().ops, &ops);
        }
    }

    #[test]
    fn parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_reg(&bytes, "fuzz", RootMapping::Auto);
        let mut with_header = b"Windows Registry Editor Version 5.00\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = parse_reg(&with_header, "fuzz", RootMapping::Auto);
    }

    #[test]
    fn parser_never_panics_on_reg_like_text(
        parts in prop::collection::vec(prop_oneof![
            Just("\r\n"), Just("\n"), Just("\r"), Just("["), Just("]"), Just("[-"), Just("\\"),
            Just("HKEY_LOCAL_MACHINE"), Just("HKLM"), Just("SOFTWARE"), Just("\""), Just("@"),
            Just("="), Just("-"), Just("dword:"), Just("hex:"), Just("hex("), Just("):"),
            Just("ffffffff"), Just("0"), Just(","), Just(";"), Just(" "), Just("\t"),
            Just("\\\""), Just("\\\\"), Just("é"), Just("𐐷"), Just("REGEDIT4"),
        ], 0..80)
    ) {
        let text = format!("Windows Registry Editor Version 5.00\r\n{}", parts.concat());
        if let Ok(file) = parse_reg(text.as_bytes(), "fuzz", RootMapping::Auto) {
            // Whatever parses writes back to text that parses to the same ops.
            let again = write_reg(&file.ops, "HKEY_LOCAL_MACHINE\\SOFTWARE");
            let back = parse_reg(again.as_bytes(), "again", RootMapping::Auto);
            prop_assert!(back.is_ok(), "{}\n{}", back.unwrap_err(), again);
            prop_assert_eq!(back.unwrap().ops, file.ops);
        }
        let _ = parse_reg(&reg::encode_utf16le_bom(&text), "fuzz", RootMapping::Auto);
        let four = format!("REGEDIT4\r\n{}", parts.concat());
        let _ = parse_reg(four.as_bytes(), "fuzz", RootMapping::Prefix("x".into()));
    }
}

/// One plausible `.reg` line (sometimes with a continuation), as hand-edited files have them.
fn reg_line() -> impl Strategy<Value = String> {
    let name = "[a-zA-Z0-9 é;\\[\\]]{1,6}";
    let hex_list = prop::collection::vec((any::<u8>(), any::<bool>()), 0..12).prop_map(|v| {
        v.iter()
            .map(|(b, wrap)| {
                if *wrap {
                    format!("{b:x},\\\r\n  ")
                } else {
                    format!("{b:02x},")
                }
            })
            .collect::<String>()
    });
    let data = prop_oneof![
        "[a-z\\\\\"; ]{0,8}"
            .prop_map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))),
        "[0-9a-fA-F]{1,8}".prop_map(|d| format!("dword:{d}")),
        hex_list.clone().prop_map(|l| format!("hex:{l}")),
        ("[0-9a-f]{1,3}", hex_list).prop_map(|(t, l)| format!("hex({t}):{l}")),
        Just("-".to_owned()),
    ];
    prop_oneof![
        name.prop_map(|n| format!("[HKEY_LOCAL_MACHINE\\SOFTWARE\\{n}]")),
        name.prop_map(|n| format!("[-HKLM\\SOFTWARE\\A\\{n}]")),
        (name, " ?= ?", data.clone()).prop_map(|(n, eq, d)| format!("\"{n}\"{eq}{d}")),
        data.prop_map(|d| format!("@={d}")),
        Just("; comment".to_owned()),
        Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Plausible files: no panic, and whatever parses round-trips through write_reg.
    #[test]
    fn plausible_files_round_trip(
        lines in prop::collection::vec(reg_line(), 0..20),
        crlf in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("Windows Registry Editor Version 5.00{eol}[HKLM\\SOFTWARE\\A]{eol}");
        for line in &lines {
            text.push_str(line);
            text.push_str(eol);
        }
        match parse_reg(text.as_bytes(), "p", RootMapping::Auto) {
            Ok(file) => {
                let again = write_reg(&file.ops, "HKLM\\SOFTWARE");
                let back = parse_reg(again.as_bytes(), "again", RootMapping::Auto);
                prop_assert!(back.is_ok(), "{}\n{}", back.unwrap_err(), again);
                prop_assert_eq!(back.unwrap().ops, file.ops);
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.starts_with("p:"), "{}", msg);
            }
        }
    }
}

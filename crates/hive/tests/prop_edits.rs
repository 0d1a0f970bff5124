//! Property test: random sequences of create / set / delete on the real hive, checked after
//! every write (into_bytes + reopen) against an in-memory model, with our reader and with
//! nt-hive, and the rest of the hive checked unchanged. Every edit is also made through a
//! file (`Hive::open`, which reads hbins as needed, then `write_atomic`), which must give the
//! same bytes. Cases: 12 by default, 200 with INJECT_ROOT_LONG_TESTS=1.

mod common;
use common::*;
use hive::{Hive, ValueType};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// All test keys live below this key (new in the hive).
const TOP: &str = "PropTest";

/// One edit.
#[derive(Debug, Clone)]
enum Op {
    CreateKey(String),
    SetValue {
        key: String,
        name: String,
        ty: u32,
        data: Vec<u8>,
    },
    DeleteValue {
        key: String,
        name: String,
    },
    DeleteKey(String),
}

/// A key path below TOP: 1..=3 components from a small alphabet that differs only in case, so
/// that case-insensitive matching is exercised.
fn key_path() -> impl Strategy<Value = String> {
    let part = prop::sample::select(vec!["a", "A", "Bee", "bEE", "cert", "Ünï"]);
    prop::collection::vec(part, 1..=3).prop_map(|v| format!("{TOP}\\{}", v.join("\\")))
}

/// Value data sizes around the inline (4), cell and big-data (16344) boundaries.
fn data() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(vec![0usize, 1, 4, 5, 100, 1400, 16344, 16345, 40_000])
        .prop_flat_map(|n| (Just(n), any::<u8>()))
        .prop_map(|(n, seed)| {
            (0..n)
                .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
                .collect()
        })
}

fn op() -> impl Strategy<Value = Op> {
    let name = prop::sample::select(vec!["", "Blob", "blob", "x", "Ä"]).prop_map(str::to_string);
    let ty = prop::sample::select(vec![1u32, 3, 4, 7, 11]);
    prop_oneof![
        1 => key_path().prop_map(Op::CreateKey),
        3 => (key_path(), name.clone(), ty, data()).prop_map(|(key, name, ty, data)| Op::SetValue { key, name, ty, data }),
        1 => (key_path(), name).prop_map(|(key, name)| Op::DeleteValue { key, name }),
        1 => key_path().prop_map(Op::DeleteKey),
    ]
}

/// Model: lower-case key path -> (lower-case value name -> (name, type, data)).
type Model = BTreeMap<String, BTreeMap<String, (String, u32, Vec<u8>)>>;

/// Insert a key and its ancestors below (and including) TOP; true if anything was new.
fn model_create(m: &mut Model, path: &str) -> bool {
    let mut created = false;
    let mut acc = String::new();
    for part in path.split('\\') {
        if !acc.is_empty() {
            acc.push('\\');
        }
        acc.push_str(&part.to_lowercase());
        if !m.contains_key(&acc) {
            m.insert(acc.clone(), BTreeMap::new());
            created = true;
        }
    }
    created
}

/// Apply one op to the model; returns the value the engine must return.
fn model_apply(m: &mut Model, op: &Op) -> bool {
    match op {
        Op::CreateKey(p) => model_create(m, p),
        Op::SetValue {
            key,
            name,
            ty,
            data,
        } => {
            model_create(m, key);
            let vals = m.get_mut(&key.to_lowercase()).expect("created");
            let same = vals
                .get(&name.to_lowercase())
                .is_some_and(|(_, t, d)| t == ty && d == data);
            if !same {
                // The stored name keeps the first spelling? The contract does not say; we keep the
                // spelling of the latest write only for new values.
                let stored = vals
                    .get(&name.to_lowercase())
                    .map(|v| v.0.clone())
                    .unwrap_or(name.clone());
                vals.insert(name.to_lowercase(), (stored, *ty, data.clone()));
            }
            !same
        }
        Op::DeleteValue { key, name } => m
            .get_mut(&key.to_lowercase())
            .is_some_and(|v| v.remove(&name.to_lowercase()).is_some()),
        Op::DeleteKey(p) => {
            let lower = p.to_lowercase();
            let prefix = format!("{lower}\\");
            let existed = m.contains_key(&lower);
            m.retain(|k, _| k != &lower && !k.starts_with(&prefix));
            existed
        }
    }
}

/// Our reader's view of the TOP subtree, in model form.
fn ours(h: &Hive) -> Model {
    let mut m = Model::new();
    let Some(top) = h.key(TOP).expect("key(TOP)") else {
        return m;
    };
    let mut stack = vec![top];
    while let Some(k) = stack.pop() {
        let vals = k
            .values()
            .expect("values")
            .into_iter()
            .map(|v| {
                (
                    v.name().to_lowercase(),
                    (v.name(), v.value_type().code(), v.data().expect("data")),
                )
            })
            .collect();
        m.insert(k.path().to_lowercase(), vals);
        stack.extend(k.subkeys().expect("subkeys"));
    }
    m
}

/// nt-hive's view of the TOP subtree, as `name|type|hex` sets per lower-case path.
fn model_as_nt(m: &Model) -> BTreeMap<String, Vec<String>> {
    m.iter()
        .map(|(k, vals)| {
            let mut v: Vec<String> = vals
                .values()
                .map(|(n, t, d)| format!("{}|{t}|{}", n.to_lowercase(), hex(d)))
                .collect();
            v.sort();
            (k.clone(), v)
        })
        .collect()
}

/// nt-hive dump split into (TOP subtree normalised to lower case, rest).
fn nt_split(bytes: &[u8]) -> (BTreeMap<String, Vec<String>>, Dump) {
    let dump = nt_hive_dump(bytes);
    let top = dump
        .iter()
        .filter(|(k, _)| {
            k.to_lowercase() == TOP.to_lowercase()
                || k.to_lowercase()
                    .starts_with(&format!("{}\\", TOP.to_lowercase()))
        })
        .map(|(k, v)| {
            let mut vals: Vec<String> = v
                .iter()
                .map(|r| {
                    let (name, rest) = r.split_once('|').expect("record");
                    format!("{}|{rest}", name.to_lowercase())
                })
                .collect();
            vals.sort();
            (k.to_lowercase(), vals)
        })
        .collect();
    (top, without_subtree(dump, TOP))
}

/// Applies one edit; true when it changed the hive.
fn apply(h: &mut Hive, op: &Op) -> hive::Result<bool> {
    match op {
        Op::CreateKey(p) => h.create_key(p),
        Op::SetValue {
            key,
            name,
            ty,
            data,
        } => h.set_value(key, name, ValueType::from(*ty), data),
        Op::DeleteValue { key, name } => h.delete_value(key, name),
        Op::DeleteKey(p) => h.delete_key(p),
    }
}

fn cases() -> u32 {
    if std::env::var("INJECT_ROOT_LONG_TESTS").as_deref() == Ok("1") {
        200
    } else {
        12
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 200, ..ProptestConfig::default() })]
    #[test]
    fn random_edits_match_model(ops in prop::collection::vec(op(), 1..14)) {
        let original = testhive();
        let rest_before = nt_hive_dump(&original);
        let mut bytes = original;
        let mut model = Model::new();
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("hive");
        std::fs::write(&file, &bytes).expect("write hive file");
        for (step, op) in ops.iter().enumerate() {
            let clock = 0x01DA_0000_0000_0000 + step as u64;
            let mut h = Hive::from_bytes(bytes).expect("reopen");
            h.set_timestamp(clock);
            let expect = model_apply(&mut model, op);
            let got = apply(&mut h, op).expect("edit");
            prop_assert_eq!(got, expect, "return value of {:?}", op);
            bytes = h.into_bytes().unwrap();
            // The same edit through the file.
            let mut f = Hive::open(&file).expect("open the file");
            f.set_timestamp(clock);
            prop_assert_eq!(apply(&mut f, op).expect("edit through the file"), expect);
            f.write_atomic(&file).expect("write_atomic");
            prop_assert!(std::fs::read(&file).expect("read back") == bytes, "through the file, {:?} gave other bytes", op);
            let h = Hive::from_bytes(bytes.clone()).expect("reopen after write");
            let seen = ours(&h);
            prop_assert!(seen == model, "our reader after {:?}:\n ours  {:?}\n model {:?}", op, seen.keys().collect::<Vec<_>>(), model.keys().collect::<Vec<_>>());
            let (nt_top, nt_rest) = nt_split(&bytes);
            prop_assert!(nt_top == model_as_nt(&model), "nt-hive view differs after {:?}", op);
            prop_assert!(nt_rest == rest_before, "nt-hive: the rest of the hive changed after {:?}", op);
        }
    }
}

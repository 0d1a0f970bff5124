//! Opens a (fuzzed) WIM natively, replaces a file of each image with contents derived from the
//! old ones, commits (append, or rebuild when the input's last byte is odd), and reads the
//! result back. Must never panic; a failed commit must leave the file as it was; a successful
//! one must read back the new contents.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wim::{Backend, CommitOptions, Wim, SOFTWARE_HIVE_PATH};

fuzz_target!(|data: &[u8]| {
    let Some((_dir, path)) = inject_root_fuzz::native_wim_file(data) else {
        return;
    };
    let Ok(mut wim) = Wim::open_for_update(&path) else {
        return;
    };
    if wim.backend() != Backend::Native {
        return;
    }
    let count = wim.info().image_count.min(3);
    let mut staged = Vec::new();
    for index in 1..=count {
        for file in [SOFTWARE_HIVE_PATH, "a"] {
            let Ok(old) = wim.read_file(index, file) else {
                continue;
            };
            let mut new = old.clone();
            if let Some(b) = new.get_mut(old.len() / 2) {
                *b ^= 0x5a;
            }
            new.extend_from_slice(b"fuzz");
            if wim.replace_file(index, file, &new).is_ok() {
                staged.push((index, file, new));
            }
        }
    }
    let rebuild = data.last().is_some_and(|b| b & 1 == 1);
    match wim.commit(
        &CommitOptions {
            rebuild,
            ..Default::default()
        },
        None,
    ) {
        Ok(_) => {
            let wim = Wim::open(&path).expect("a committed WIM opens");
            for (index, file, new) in staged {
                assert_eq!(wim.read_file(index, file).expect("reads back"), new);
            }
        }
        Err(_) => assert_eq!(
            std::fs::read(&path).unwrap(),
            data,
            "failed commit changed the file"
        ),
    }
});

//! Opens a WIM natively and reads through every structure: header, blob table, XML, each
//! image's metadata resource (security data and directory entries) and a file's chunk table
//! and chunks. Must never panic and never allocate more than the input justifies. Headers the
//! native path hands to wimlib (solid, pipable, split) are skipped: this fuzzes our parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wim::{Backend, Wim, SOFTWARE_HIVE_PATH};

fuzz_target!(|data: &[u8]| {
    let Some((_dir, path)) = inject_root_fuzz::native_wim_file(data) else {
        return;
    };
    let Ok(wim) = Wim::open(&path) else {
        return;
    };
    // Solid blob entries behind a non-solid header go to wimlib too.
    if wim.backend() != Backend::Native {
        return;
    }
    let info = wim.info();
    let images = wim.images();
    assert_eq!(images.len() as u32, info.image_count);
    for image in images.iter().take(4) {
        for file in [
            SOFTWARE_HIVE_PATH,
            "Windows/System32/config/SOFTWARE.LOG1",
            "a",
            "x/y",
        ] {
            let _ = wim.file_metadata(image.index, file);
            let _ = wim.read_file(image.index, file);
        }
        let _ = wim.image_property(image.index, "WINDOWS/VERSION/BUILD");
    }
});

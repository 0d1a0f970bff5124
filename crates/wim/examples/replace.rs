//! Replaces Windows/System32/config/SOFTWARE in images of a WIM with the contents of files
//! and commits once.
//!
//! Usage: replace [--rebuild] <wim> <index>=<new hive file> [<index>=<file> ...]
//!        replace [--rebuild] <wim> all=<new hive file>

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    if let Err(e) = run() {
        eprintln!("replace: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let rebuild = args.iter().any(|a| a == "--rebuild");
    args.retain(|a| a != "--rebuild");
    let (wim_path, specs) = args
        .split_first()
        .ok_or("usage: replace [--rebuild] <wim> <index|all>=<file>...")?;
    let start = Instant::now();
    let mut wim = wim::Wim::open_for_update(&PathBuf::from(wim_path))?;
    let count = wim.info().image_count;
    for spec in specs {
        let (idx, file) = spec.split_once('=').ok_or("expected <index|all>=<file>")?;
        let data = std::fs::read(file)?;
        let indexes: Vec<u32> = if idx == "all" {
            (1..=count).collect()
        } else {
            vec![idx.parse()?]
        };
        for i in indexes {
            wim.replace_file(i, wim::SOFTWARE_HIVE_PATH, &data)?;
        }
    }
    let staged = start.elapsed();
    let opts = wim::CommitOptions {
        rebuild,
        ..Default::default()
    };
    let stats = wim.commit(&opts, None)?;
    eprintln!(
        "staged in {:.3}s, committed images {:?} in {:.3}s ({} bytes of data, {} -> {} bytes, rebuilt: {})",
        staged.as_secs_f64(),
        stats.images,
        stats.duration.as_secs_f64(),
        stats.bytes_written,
        stats.old_size,
        stats.new_size,
        stats.rebuilt
    );
    Ok(())
}

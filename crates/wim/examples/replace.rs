//! Replaces Windows/System32/config/SOFTWARE in images of a WIM with the contents of files
//! and commits once; prints where the time went (to stderr).
//!
//! Usage: replace [--rebuild] [--read] <wim> <index>=<new hive file> [<index>=<file> ...]
//!        replace [--rebuild] [--read] <wim> all=<new hive file>
//! `--read` first reads the current hive of every image to be changed (as the inject engine
//! does before editing), so decompression is included in the timing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    if let Err(e) = run() {
        eprintln!("replace: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let rebuild = args.iter().any(|a| a == "--rebuild");
    let read = args.iter().any(|a| a == "--read");
    args.retain(|a| a != "--rebuild" && a != "--read");
    let (wim_path, specs) = args
        .split_first()
        .ok_or("usage: replace [--rebuild] [--read] <wim> <index|all>=<file>...")?;
    let t0 = Instant::now();
    let mut wim = wim::Wim::open_for_update(&PathBuf::from(wim_path))?;
    let count = wim.info().image_count;
    let t_open = t0.elapsed();
    let mut jobs = Vec::new();
    for spec in specs {
        let (idx, file) = spec.split_once('=').ok_or("expected <index|all>=<file>")?;
        let indexes: Vec<u32> = if idx == "all" {
            (1..=count).collect()
        } else {
            vec![idx.parse()?]
        };
        for i in indexes {
            jobs.push((i, PathBuf::from(file)));
        }
    }
    let t1 = Instant::now();
    if read {
        for (i, _) in &jobs {
            let old = wim.read_file(*i, wim::SOFTWARE_HIVE_PATH)?;
            std::hint::black_box(old);
        }
    }
    let t_read = t1.elapsed();
    let t2 = Instant::now();
    for (i, file) in &jobs {
        let data = std::fs::read(file)?;
        wim.replace_file(*i, wim::SOFTWARE_HIVE_PATH, &data)?;
    }
    let t_stage = t2.elapsed();
    let opts = wim::CommitOptions {
        rebuild,
        ..Default::default()
    };
    let start = Instant::now();
    let mut streams_end = Duration::ZERO;
    let mut cb = |p: wim::Progress| {
        if p.bytes_done == p.bytes_total {
            streams_end = start.elapsed();
        }
    };
    let stats = wim.commit(&opts, Some(&mut cb))?;
    eprintln!(
        "open {:.3}s, read {:.3}s, stage {:.3}s, commit {:.3}s (compress+write data {:.3}s, \
         metadata+tables+integrity+fsync {:.3}s); images {:?}, {} data bytes, {} -> {} bytes, rebuilt: {}",
        t_open.as_secs_f64(),
        t_read.as_secs_f64(),
        t_stage.as_secs_f64(),
        stats.duration.as_secs_f64(),
        streams_end.as_secs_f64(),
        (stats.duration.saturating_sub(streams_end)).as_secs_f64(),
        stats.images,
        stats.bytes_written,
        stats.old_size,
        stats.new_size,
        stats.rebuilt
    );
    Ok(())
}

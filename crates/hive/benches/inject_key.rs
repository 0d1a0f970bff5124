//! Criterion benchmark: inject one `AuthRoot` certificate key + `Blob` into the 62 MB benchmark
//! hive (built by benches/tools/make-big-hive.sh into target/bench-data/big-hive when missing),
//! in memory (from_bytes, set_value, into_bytes; the input clone is excluded via iter_batched)
//! and through a file (open, set_value, write_atomic; the file copy is excluded likewise).
//! Compare with hivexsh doing the same edit: benches/hive-vs-hivexsh.sh.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hive::{Hive, ValueType};

/// Key path of the injected certificate.
const KEY: &str = "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\0123456789ABCDEF0123456789ABCDEF01234567";

/// Repository root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The 62 MB hive, built once with hivexsh if missing.
fn big_hive() -> PathBuf {
    let path = repo().join("target/bench-data/big-hive");
    if !path.exists() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir target/bench-data");
        let tmp = path.with_extension("tmp");
        let status = std::process::Command::new("bash")
            .arg(repo().join("benches/tools/make-big-hive.sh"))
            .arg(&tmp)
            .status()
            .expect("run benches/tools/make-big-hive.sh (needs hivexsh: apt-get install -y libhivex-bin)");
        assert!(status.success(), "make-big-hive.sh failed");
        std::fs::rename(&tmp, &path).expect("rename big hive");
    }
    path
}

/// A realistic Blob: about the size of a certificate's property blob.
fn blob() -> Vec<u8> {
    (0..1400u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

fn bench(c: &mut Criterion) {
    let path = big_hive();
    let bytes = std::fs::read(&path).expect("read big hive");
    let blob = blob();
    let mut g = c.benchmark_group("inject_key_62MB");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("in_memory", |b| {
        b.iter_batched(
            || bytes.clone(),
            |input| {
                let mut h = Hive::from_bytes(input).expect("from_bytes");
                h.set_value(KEY, "Blob", ValueType::Binary, &blob)
                    .expect("set_value");
                h.into_bytes().expect("into_bytes")
            },
            BatchSize::PerIteration,
        )
    });
    let dir = tempfile::tempdir_in(repo().join("target/bench-data")).expect("tempdir");
    let work = dir.path().join("SOFTWARE");
    g.bench_function("through_file", |b| {
        b.iter_batched(
            || std::fs::copy(&path, &work).expect("copy hive"),
            |_| {
                let mut h = Hive::open(&work).expect("open");
                h.set_value(KEY, "Blob", ValueType::Binary, &blob)
                    .expect("set_value");
                h.write_atomic(&work).expect("write_atomic");
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

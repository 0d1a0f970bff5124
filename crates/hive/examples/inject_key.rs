//! Benchmark helper: inject one `AuthRoot` certificate key with a REG_BINARY `Blob` into a hive
//! file through the file path of the engine (open, set_value, write_atomic).
//!
//! Usage: `inject_key HIVE THUMBPRINT BLOB_FILE`

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, hive_path, thumb, blob_path] = args.as_slice() else {
        eprintln!("usage: inject_key HIVE THUMBPRINT BLOB_FILE");
        return ExitCode::from(2);
    };
    match run(Path::new(hive_path), thumb, Path::new(blob_path)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inject_key: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Open, edit, write back atomically.
fn run(hive_path: &Path, thumb: &str, blob_path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let blob = std::fs::read(blob_path)?;
    let mut hive = hive::Hive::open(hive_path)?;
    let key = format!("Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\{thumb}");
    hive.set_value(&key, "Blob", hive::ValueType::Binary, &blob)?;
    hive.write_atomic(hive_path)?;
    Ok(())
}

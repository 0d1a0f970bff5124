//! Test helpers shared by every crate's tests (a dev-dependency only, never published): where
//! the test data is, the external oracles (installed or the test fails naming the Debian
//! package), cmcheck (what the Windows kernel checks when it loads a hive), free disk space, and
//! test PKIs made with openssl.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod pki;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository's root (the workspace directory).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's `testdata/` directory.
pub fn testdata() -> PathBuf {
    repo().join("testdata")
}

/// The project's shared test data (`../shared/testdata` beside the repository, or
/// `$INJECT_ROOT_SHARED/testdata`). Fails, never skips, when it is missing.
pub fn shared_testdata() -> PathBuf {
    let shared = std::env::var_os("INJECT_ROOT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"));
    let dir = shared.join("testdata");
    assert!(
        dir.is_dir(),
        "shared test data not found at {} (set INJECT_ROOT_SHARED)",
        dir.display()
    );
    dir
}

/// The shared tools (`../shared/tools`: cmcheck, crypt32probe, wine).
pub fn shared_tools() -> PathBuf {
    shared_testdata().join("../tools")
}

/// True when `tool` is on the PATH.
pub fn installed(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

/// Fails (never skips) when `tool` is missing, naming the Debian package that provides it.
pub fn need(tool: &str, package: &str) {
    assert!(
        installed(tool),
        "this test needs `{tool}`: install the Debian package {package} (scripts/deps.sh test)"
    );
}

/// Runs a command, panicking with its stderr on failure; returns stdout.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out.stdout
}

/// cmcheck, built once per test binary from ../shared/tools/cmcheck into target/cmcheck.
pub fn cmcheck_bin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let out = repo()
                .join("target/cmcheck")
                .join(format!("build-{}", std::process::id()));
            run(Command::new("bash")
                .arg(shared_tools().join("cmcheck/build.sh"))
                .arg(&out));
            out.join("cmcheck")
        })
        .clone()
}

/// cmcheck's verdict on a hive: `Ok(line)` for `OK: ...`, `Err(line)` otherwise.
pub fn cmcheck(hive: &Path) -> Result<String, String> {
    let out = Command::new(cmcheck_bin())
        .arg("-q")
        .arg(hive)
        .output()
        .unwrap_or_else(|e| panic!("cmcheck: {e}"));
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && line.starts_with("OK:") {
        Ok(line)
    } else {
        Err(line)
    }
}

/// Asserts that cmcheck accepts `hive`.
pub fn assert_cmcheck_ok(hive: &Path) {
    if let Err(line) = cmcheck(hive) {
        panic!("cmcheck refuses {}: {line}", hive.display());
    }
}

/// Free bytes of the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> u64 {
    fs4::available_space(dir).unwrap_or_else(|e| panic!("free space of {}: {e}", dir.display()))
}

//! Exports the target triple the binary is built for (`INJECT_ROOT_TARGET`), which
//! `--version` names.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=INJECT_ROOT_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}

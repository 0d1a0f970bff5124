use {
	const_str::hex,
	flate2::bufread::GzDecoder,
	sha2::{Digest, Sha512},
	std::{
		env::var,
		fs::File,
		io::{BufReader, Seek},
		path::PathBuf,
		sync::LazyLock,
	},
};

static OUT_DIR: LazyLock<PathBuf> = LazyLock::new(|| {
	PathBuf::from(var("OUT_DIR").expect("Expected OUT_DIR to exist inside build context"))
});

fn main() -> Result<(), Box<dyn std::error::Error>> {
	if cfg!(feature = "bundled") {
		bundled()
	} else {
		system()
	}
}

fn generate_bindings(builder: bindgen::Builder) -> Result<(), Box<dyn std::error::Error>> {
	let bindings = builder
		.allowlist_item("wimlib_.*")
		.allowlist_item("WIMLIB_.*")
		.parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
		.generate()?;

	let out_path = OUT_DIR.join("bindings.rs");
	bindings.write_to_file(out_path)?;
	Ok(())
}

/// Set linking and generating instructions for system library
fn system() -> Result<(), Box<dyn std::error::Error>> {
	let lib = pkg_config::probe_library("wimlib")?;
	println!("cargo::rustc-env=LIB_VERSION={}", lib.version);

	generate_bindings(bindgen::builder().header_contents("bindings.h", "#include <wimlib.h>"))
}

/// Build and set linking instructions
fn bundled() -> Result<(), Box<dyn std::error::Error>> {
	const VERSION: &str = "1.14.4";
	let hash = &hex!("f3c25ee14fe849f452f004ce8137ef040410ea048555ae71180086f010858b6ed593c8881b805bac65f9ee878bf11661a7f17677c6c24e2c77149c35ee0cd853")[..];

	println!(
		"{}",
		const_str::concat!("cargo::rustc-env=LIB_VERSION=", VERSION)
	);

	let src_dir = validate_and_extract(const_str::concat!("wimlib-", VERSION), hash)?;
	let mut config = autotools::Config::new(src_dir);
	config.without("fuse", None).disable_shared();

	if !cfg!(feature = "sys-ntfs-3g") || std::env::var("DOCS_RS").is_ok() {
		config.without("ntfs-3g", None);
	}

	let windows = target_is_windows();
	if windows {
		// inject-root patch: wimlib's install-exec-hook hard-links `wimlib-imagex` (no `.exe`)
		// and fails for MinGW; only the library and its header are needed here, so install just
		// those (this also skips building wimlib-imagex.exe).
		config
			.make_target("install-libLTLIBRARIES")
			.make_target("install-includeHEADERS");
	}

	config.build();

	println!(
		"cargo:rustc-link-search=native={}",
		OUT_DIR.join("lib").display()
	);

	println!("cargo:rustc-link-lib=static=wim");
	if windows {
		// inject-root patch: libwim.la's PLATFORM_LIBS on Windows is -lntdll, and
		// win32_common.c calls advapi32 (LookupPrivilegeValue, AdjustTokenPrivileges, ...); a
		// static libwim.a carries neither, so name them here.
		println!("cargo:rustc-link-lib=ntdll");
		println!("cargo:rustc-link-lib=advapi32");
	}

	let mut builder = bindgen::builder().header(OUT_DIR.join("include/wimlib.h").to_string_lossy());
	if windows {
		// inject-root patch: for the MinGW target libclang does not find its own freestanding
		// headers (stdbool.h, stddef.h): add its resource include directory.
		if let Some(dir) = clang_resource_include_dir() {
			builder = builder.clang_arg(format!("-isystem{}", dir.display()));
		}
	}
	generate_bindings(builder)
}

/// inject-root patch: whether the crate is being built for Windows (the build script itself runs
/// on the host, so `cfg!(windows)` would describe the wrong machine).
fn target_is_windows() -> bool {
	var("CARGO_CFG_TARGET_OS").map(|os| os == "windows").unwrap_or(false)
}

/// inject-root patch: libclang's resource include directory (where stdbool.h lives).
/// `WIMLIB_SYS_CLANG_INCLUDE` overrides; else `clang -print-resource-dir`; else the directory
/// next to the LLVM installation that matches the loaded libclang's version.
fn clang_resource_include_dir() -> Option<PathBuf> {
	println!("cargo:rerun-if-env-changed=WIMLIB_SYS_CLANG_INCLUDE");
	if let Ok(dir) = var("WIMLIB_SYS_CLANG_INCLUDE") {
		return Some(PathBuf::from(dir));
	}
	let run = |cmd: &str, arg: &str| -> Option<String> {
		let out = std::process::Command::new(cmd).arg(arg).output().ok()?;
		out.status
			.success()
			.then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
			.filter(|s| !s.is_empty())
	};
	if let Some(dir) = run("clang", "-print-resource-dir") {
		let inc = PathBuf::from(dir).join("include");
		if inc.join("stdbool.h").is_file() {
			return Some(inc);
		}
	}
	// e.g. "Debian clang version 14.0.6" -> "14.0.6" and "14"
	let full = bindgen::clang_version().full;
	let version = full
		.split_whitespace()
		.skip_while(|w| *w != "version")
		.nth(1)?
		.split(|c: char| !(c.is_ascii_digit() || c == '.'))
		.next()?
		.to_string();
	let major = version.split('.').next()?.to_string();
	let mut libdirs = Vec::new();
	for cmd in [format!("llvm-config-{major}"), "llvm-config".to_string()] {
		if let Some(dir) = run(&cmd, "--libdir") {
			libdirs.push(PathBuf::from(dir));
		}
	}
	libdirs.push(PathBuf::from(format!("/usr/lib/llvm-{major}/lib")));
	libdirs.into_iter().find_map(|lib| {
		[&version, &major]
			.iter()
			.map(|v| lib.join("clang").join(v).join("include"))
			.find(|inc| inc.join("stdbool.h").is_file())
	})
}

fn validate_and_extract(name: &str, hash: &[u8]) -> std::io::Result<PathBuf> {
	let path = PathBuf::from(format!("{name}.tar.gz"));
	let mut reader = BufReader::new(File::open(path)?);

	{
		let mut sha512 = Sha512::new();
		std::io::copy(&mut reader, &mut sha512)?;
		assert_eq!(&sha512.finalize()[..], hash);

		reader.rewind()?;
	}

	let mut archive = tar::Archive::new(GzDecoder::new(reader));
	archive.unpack(&*OUT_DIR)?;
	Ok(OUT_DIR.join(&name))
}

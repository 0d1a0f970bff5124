//! `inject-root demo`: the main job on a built-in sample boot.wim (two images holding a real
//! offreg-written SOFTWARE hive), in a directory of its own so nothing else is touched.

use std::fs;
use std::path::PathBuf;

use crate::args::{AddArgs, CertArgs, ListArgs, RunArgs, TargetArgs};
use crate::{add, error_line, execute, EXIT_INPUT, EXIT_OK};
use inject::{Job, Operation};

/// testdata/sample/boot.wim, rebuilt by testdata/sample/make-sample.sh.
const SAMPLE_WIM: &[u8] = include_bytes!("../../testdata/sample/boot.wim");
/// A real root CA from testdata/certs.
const SAMPLE_CERT: &[u8] =
    include_bytes!("../../testdata/certs/Microsoft_RSA_Root_Certificate_Authority_2017.crt");

/// Writes the sample into `dir` (or a new temporary directory), adds the sample root to both
/// images, then lists them back.
pub fn run(dir: Option<PathBuf>) -> u8 {
    let dir = match dir {
        Some(dir) => dir,
        None => match tempfile::Builder::new()
            .prefix("inject-root-demo-")
            .tempdir()
        {
            Ok(tmp) => tmp.keep(),
            Err(e) => {
                error_line(&format!("cannot create a temporary directory: {e}"));
                return EXIT_INPUT;
            }
        },
    };
    let wim = dir.join("boot.wim");
    let cert = dir.join("sample-root.crt");
    for (path, bytes) in [(&wim, SAMPLE_WIM), (&cert, SAMPLE_CERT)] {
        if let Err(e) = fs::create_dir_all(&dir).and_then(|()| fs::write(path, bytes)) {
            error_line(&format!("{}: {e}", path.display()));
            return EXIT_INPUT;
        }
    }
    outln!(
        "demo: sample boot.wim (2 images) and a root certificate copied to {}",
        dir.display()
    );
    outln!(
        "demo: inject-root --wim {} --cert {}\n",
        wim.display(),
        cert.display()
    );
    let targets = || TargetArgs {
        wim: vec![wim.display().to_string()],
        ..TargetArgs::default()
    };
    let run = || RunArgs {
        quiet: true,
        ..RunArgs::default()
    };
    let code = add(AddArgs {
        targets: targets(),
        certs: CertArgs {
            cert: vec![cert.clone()],
            ..CertArgs::default()
        },
        run: run(),
        // Derived defaults are empty; the command line's default is AuthRoot.
        root_store: "AuthRoot".to_string(),
        ..AddArgs::default()
    });
    if code != EXIT_OK {
        return code;
    }
    outln!("\ndemo: inject-root list --wim {}\n", wim.display());
    let list = ListArgs {
        targets: targets(),
        run: run(),
    };
    let code = execute(Job::new(Operation::List), &list.targets, &list.run);
    if code == EXIT_OK {
        outln!("\ndemo: done; the edited WIM is {}", wim.display());
    }
    code
}

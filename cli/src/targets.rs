//! Turning `--wim` (with globs), `--wim-list`, `--mount` and `--hive` into targets.

use std::fs;
use std::path::PathBuf;

use inject::Target;

use crate::args::TargetArgs;

/// Most lines read from one `--wim-list` file.
const MAX_LIST_LINES: usize = 100_000;

/// The targets, in the order given; errors are one line naming the file or pattern.
pub fn resolve(args: &TargetArgs) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    for wim in &args.wim {
        expand(wim, &mut targets)?;
    }
    for list in &args.wim_list {
        let text = fs::read_to_string(list).map_err(|e| format!("{}: {e}", list.display()))?;
        for (n, line) in text.lines().enumerate() {
            if n >= MAX_LIST_LINES {
                return Err(format!(
                    "{}: more than {MAX_LIST_LINES} lines",
                    list.display()
                ));
            }
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            expand(line, &mut targets)?;
        }
    }
    targets.extend(args.mount.iter().cloned().map(Target::Mount));
    targets.extend(args.hive.iter().cloned().map(Target::Hive));
    if targets.is_empty() {
        return Err(
            "no target given: use --wim FILE, --wim-list FILE, --mount DIR or --hive FILE"
                .to_string(),
        );
    }
    // The same file twice would be committed twice: keep the first.
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(t.clone()));
    Ok(targets)
}

/// A WIM path, or a glob pattern expanded to the files it matches (sorted).
fn expand(pattern: &str, targets: &mut Vec<Target>) -> Result<(), String> {
    if !pattern.contains(['*', '?', '[']) {
        targets.push(Target::Wim(PathBuf::from(pattern)));
        return Ok(());
    }
    let paths = glob::glob(pattern).map_err(|e| format!("{pattern}: bad pattern: {e}"))?;
    let mut found: Vec<PathBuf> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    if found.is_empty() {
        return Err(format!("{pattern}: no file matches"));
    }
    found.sort();
    targets.extend(found.into_iter().map(Target::Wim));
    Ok(())
}

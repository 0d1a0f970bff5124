//! Checking an edited hive before anything is written: the edit judged by what it changed
//! ([`footprint`]), and read back by the independent parser nt-hive ([`nt`]).
//!
//! Together: every byte that changed was written by the edit into cells it owns, the cells of
//! every hbin it wrote still tile, the base block is well formed, and every key and value the
//! edit is about reads back exactly in nt-hive. Nothing else of the hive is read, so the cost
//! follows the edit, and damage elsewhere (which Windows tolerates) does not block it.

mod footprint;
mod nt;

pub use nt::Expectation;

use hive::Hive;

/// Checks the edits made to `hive` since it was opened (finishing its base block, as writing
/// would). `before`, when given, is the whole image as opened: then the whole image after the
/// edit is compared with it too. Returns the new base block, or a one-line description of the
/// first problem.
pub fn check(
    hive: &mut Hive,
    before: Option<&[u8]>,
    expectations: &[Expectation],
) -> Result<Vec<u8>, String> {
    let footprint = hive
        .footprint()
        .map_err(|e| format!("what the edit changed cannot be read: {e}"))?;
    footprint::judge(&footprint)?;
    let paths: Vec<&str> = expectations.iter().map(Expectation::key).collect();
    let image = hive
        .lookup_image(&paths)
        .map_err(|e| format!("the edited keys cannot be read: {e}"))?;
    if let Some(before) = before {
        footprint::judge_whole(before, &image, &footprint)?;
    }
    nt::check(&image, expectations)?;
    Ok(footprint.base_after)
}
